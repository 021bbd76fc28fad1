#!/bin/sh
# Replay throughput on every core and on one, against baselines measured in
# the same run, round after round (the machine is shared and noisy, so only
# the ratios mean much):
#   - the floor on this OpenSSL: for each case, decode its leaf (d2i_X509)
#     and check the leaf's signature (bench/floor.c), on one core and on
#     every core at once;
#   - the signature-verification bound: one leaf signature per case, for
#     the same key mix, from `openssl speed`, on one core;
#   - the loop a user would otherwise write: `openssl verify` once per file,
#     on one core.
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
. bench/lib.sh
floor=build/bench/floor
need "$floor"
cores=$(nproc)
"$gen" "$work" "$N" corp.example cases >/dev/null
one="taskset -c 0"
rate() { echo "$1 / $2" | bc -l; }

replay() {   # replay PREFIX [OPTIONS]: every case must come back unchanged
	prefix=$1; shift
	$prefix $x replay "$@" --no-system-ca --ca-file "$work/root.pem" "$work/cases" \
		> "$work/replay.out"
	grep -q "^$N cases: $N same, 0 changed, 0 unreadable" "$work/replay.out" || {
		echo "replay did not find every case unchanged:" >&2
		tail -n 3 "$work/replay.out" >&2; exit 1; }
}
loop() {
	for f in $(ls "$work"/chains/*.pem | head -n "$LOOP"); do
		$one openssl verify -CAfile "$work/root.pem" -untrusted "$work/intermediates.pem" \
			-attime 1780272000 -verify_hostname corp.example -purpose sslserver "$f" >/dev/null
	done
}
timed() {   # timed COMMAND...: seconds taken
	s=$(now); "$@"; e=$(now); echo "$e - $s" | bc -l
}
floor_of() {   # floor_of THREADS [PREFIX...]: seconds for every leaf
	t=$1; shift
	"$@" "$floor" "$t" "$work"/chains/*.pem | cut -d' ' -f2
}

: > "$work/t"
for r in $(seq "$ROUNDS"); do
	ra=$(timed replay "")
	r1=$(timed replay "$one" --jobs 1)
	f1=$(floor_of 1 $one)
	fa=$(floor_of "$cores")
	tl=$(timed loop)
	echo "$ra $r1 $f1 $fa $tl" >> "$work/t"
done

$one openssl speed -seconds 2 -elapsed rsa2048 ecdsap256 > "$work/speed" 2>/dev/null
rsa_v=$(awk '/^rsa 2048 bits/ {print $NF}' "$work/speed")
ec_v=$(awk '/256 bits ecdsa \(nistp256\)/ {print $NF}' "$work/speed")
bound=$(echo "1 / (0.5 / $rsa_v + 0.5 / $ec_v)" | bc -l)

col() { cut -d' ' -f"$1" "$work/t" | median; }
all=$(rate "$N" "$(col 1)")
single=$(rate "$N" "$(col 2)")
floor1=$(rate "$N" "$(col 3)")
floorall=$(rate "$N" "$(col 4)")
lrate=$(rate "$LOOP" "$(col 5)")
rss=$( { /usr/bin/time -f %M $x replay --no-system-ca --ca-file "$work/root.pem" \
	"$work/cases" >/dev/null; } 2>&1 | tail -n 1)
printf "cases: %d (half RSA-2048, half EC P-256 leaves), %d cores, median of %d rounds\n" \
	"$N" "$cores" "$ROUNDS"
printf "replay, every core         %8.0f cases/s   peak RSS %d KiB\n" "$all" "$rss"
printf "replay, one core (--jobs 1)%8.0f cases/s\n" "$single"
printf "floor, one core            %8.0f cases/s   (d2i_X509 of the leaf + its signature)\n" "$floor1"
printf "floor, every core at once  %8.0f cases/s\n" "$floorall"
printf "signature bound, one core  %8.0f cases/s   (RSA-2048 verify %.0f/s, P-256 verify %.0f/s)\n" \
	"$bound" "$rsa_v" "$ec_v"
printf "openssl verify per file    %8.0f cases/s   (%d files, one core)\n" "$lrate" "$LOOP"
printf "ratio cores x floor / replay         %.2f   (1.00 = the floor on every core)\n" \
	"$(echo "$cores * $floor1 / $all" | bc -l)"
printf "ratio floor every core / replay      %.2f\n" "$(echo "$floorall / $all" | bc -l)"
printf "ratio floor / replay, one core       %.2f\n" "$(echo "$floor1 / $single" | bc -l)"
printf "ratio cores x signature bound / replay %.2f\n" "$(echo "$cores * $bound / $all" | bc -l)"
printf "ratio replay / openssl verify loop   %.1f\n" "$(echo "$all / $lrate" | bc -l)"
