#!/bin/sh
# Throughput of `xmppcv verify` against `openssl verify -verify_hostname`
# on the same generated chains, in the same run (the machine is shared and
# noisy, so only ratios between side-by-side runs mean anything).
#
#   bench/verify-throughput.sh [N] [ROUNDS]     (default 3000 chains, 3 rounds)
#
# Two modes: one process over all files (batch), and one process per file
# (what a shell loop does). Each round runs both tools back to back; the
# median round is reported. Needs a built tree in build/.
set -eu
cd "$(dirname "$0")/.."
N=${1:-3000}
ROUNDS=${2:-3}
PER_FILE=${PER_FILE:-300}
. bench/lib.sh
"$gen" "$work" "$N" corp.example >/dev/null
files=$(ls "$work"/chains/*.pem)
EPOCH=1780272000


x_batch() {
	$x verify --json --no-system-ca --ca-file "$work/root.pem" --at $AT \
		--domain corp.example $files > "$work/x.out"
}
o_batch() {
	openssl verify -CAfile "$work/root.pem" -untrusted "$work/intermediates.pem" \
		-attime $EPOCH -verify_hostname corp.example -purpose sslserver \
		$files > "$work/o.out"
}
x_each() {
	for f in $(echo "$files" | head -n "$PER_FILE"); do
		$x verify --no-system-ca --ca-file "$work/root.pem" --at $AT \
			--domain corp.example "$f" >/dev/null
	done
}
o_each() {
	for f in $(echo "$files" | head -n "$PER_FILE"); do
		openssl verify -CAfile "$work/root.pem" -untrusted "$work/intermediates.pem" \
			-attime $EPOCH -verify_hostname corp.example -purpose sslserver \
			"$f" >/dev/null
	done
}

: > "$work/t"
for r in $(seq "$ROUNDS"); do
	echo "$(timeit x_batch) $(timeit o_batch) $(timeit x_each) $(timeit o_each)" >> "$work/t"
done
# Sanity: both tools must have verified every chain.
ok_x=$(grep -c '"ok":true' "$work/x.out")
ok_o=$(grep -c ': OK$' "$work/o.out")
[ "$ok_x" -eq "$N" ] && [ "$ok_o" -eq "$N" ] || {
	echo "verification mismatch: xmppcv ok=$ok_x openssl ok=$ok_o of $N" >&2; exit 1; }

xb=$(cut -d' ' -f1 "$work/t" | median); ob=$(cut -d' ' -f2 "$work/t" | median)
xe=$(cut -d' ' -f3 "$work/t" | median); oe=$(cut -d' ' -f4 "$work/t" | median)
rss_x=$( { /usr/bin/time -f %M $x verify --json --no-system-ca --ca-file "$work/root.pem" \
	--at $AT --domain corp.example $files >/dev/null; } 2>&1 | tail -n 1)
rss_o=$( { /usr/bin/time -f %M openssl verify -CAfile "$work/root.pem" -untrusted \
	"$work/intermediates.pem" -attime $EPOCH -verify_hostname corp.example $files >/dev/null; } 2>&1 | tail -n 1)
printf "chains: %d (RSA-2048 and EC P-256 leaves, 2 intermediates), median of %d rounds\n" "$N" "$ROUNDS"
printf "batch    xmppcv %6.0f chains/s   openssl verify %6.0f chains/s   ratio xmppcv/openssl %.2f\n" \
	"$(echo "$N / $xb" | bc -l)" "$(echo "$N / $ob" | bc -l)" "$(echo "$ob / $xb" | bc -l)"
printf "per-file xmppcv %6.0f chains/s   openssl verify %6.0f chains/s   ratio xmppcv/openssl %.2f  (%d files)\n" \
	"$(echo "$PER_FILE / $xe" | bc -l)" "$(echo "$PER_FILE / $oe" | bc -l)" "$(echo "$oe / $xe" | bc -l)" "$PER_FILE"
printf "peak RSS (batch): xmppcv %d KiB, openssl verify %d KiB\n" "$rss_x" "$rss_o"
