#!/bin/sh
# Replay throughput, on one core, against two baselines measured in the same
# run (the machine is shared and noisy, so only the ratios mean much):
#   - the signature-verification bound: one leaf signature per case, for the
#     same key mix, from `openssl speed`;
#   - the loop a user would otherwise write: `openssl verify` once per file.
#
#   bench/replay-throughput.sh [N] [ROUNDS]   (default 10000 cases, 3 rounds)
#
# Cases: RSA-2048 and EC P-256 leaves, half each, under one RSA and one EC
# intermediate of an EC root, as a fleet shares a few intermediates.
set -eu
cd "$(dirname "$0")/.."
N=${1:-10000}
ROUNDS=${2:-3}
LOOP=${LOOP:-300}
x=build/src/xmppcv
gen=build/bench/genchains
[ -x "$x" ] && [ -x "$gen" ] || { echo "build first: ./run-tests or meson compile -C build" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" "$work" "$N" corp.example cases >/dev/null
core="taskset -c 0"
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

replay() {
	$core $x replay --no-system-ca --ca-file "$work/root.pem" "$work/cases" > "$work/replay.out"
}
loop() {
	for f in $(ls "$work"/chains/*.pem | head -n "$LOOP"); do
		$core openssl verify -CAfile "$work/root.pem" -untrusted "$work/intermediates.pem" \
			-attime 1780272000 -verify_hostname corp.example -purpose sslserver "$f" >/dev/null
	done
}
: > "$work/t"
for r in $(seq "$ROUNDS"); do
	s=$(now); replay; m=$(now); loop; e=$(now)
	echo "$(echo "$m - $s" | bc -l) $(echo "$e - $m" | bc -l)" >> "$work/t"
done
grep -q "^$N cases: $N same, 0 changed, 0 unreadable" "$work/replay.out" || {
	echo "replay did not find every case unchanged:" >&2; tail -n 3 "$work/replay.out" >&2; exit 1; }

$core openssl speed -seconds 2 -elapsed rsa2048 ecdsap256 > "$work/speed" 2>/dev/null
rsa_v=$(awk '/^rsa 2048 bits/ {print $NF}' "$work/speed")
ec_v=$(awk '/256 bits ecdsa \(nistp256\)/ {print $NF}' "$work/speed")
bound=$(echo "1 / (0.5 / $rsa_v + 0.5 / $ec_v)" | bc -l)

tr=$(cut -d' ' -f1 "$work/t" | median)
tl=$(cut -d' ' -f2 "$work/t" | median)
rate=$(echo "$N / $tr" | bc -l)
lrate=$(echo "$LOOP / $tl" | bc -l)
rss=$( { /usr/bin/time -f %M $x replay --no-system-ca --ca-file "$work/root.pem" \
	"$work/cases" >/dev/null; } 2>&1 | tail -n 1)
printf "cases: %d (half RSA-2048, half EC P-256 leaves), one core, median of %d rounds\n" "$N" "$ROUNDS"
printf "replay                    %8.0f cases/s   peak RSS %d KiB\n" "$rate" "$rss"
printf "signature bound           %8.0f cases/s   (RSA-2048 verify %.0f/s, P-256 verify %.0f/s)\n" \
	"$bound" "$rsa_v" "$ec_v"
printf "openssl verify per file   %8.0f cases/s   (%d files)\n" "$lrate" "$LOOP"
printf "ratio bound/replay %.2f (1.00 = one leaf signature per case)   ratio replay/loop %.1f\n" \
	"$(echo "$bound / $rate" | bc -l)" "$(echo "$rate / $lrate" | bc -l)"
