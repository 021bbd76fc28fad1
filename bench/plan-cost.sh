#!/bin/sh
# What a trust plan costs: `xmppcv trust plan --from` a saved `verify
# --json` of N generated chains (every endpoint verified again twice, with
# the clients' store alone and with the plan's certificates, for every
# client profile; then the folder written) against the baseline that made
# the saved JSON, `xmppcv verify --json --clients all` of the same chains.
# Side by side in the same run, median of ROUNDS, with peak RSS.
#
#   bench/plan-cost.sh [N] [ROUNDS]     (default 2000 chains, 5 rounds)
#
# Needs a built tree in build/.
set -eu
cd "$(dirname "$0")/.."
N=${1:-2000}
ROUNDS=${2:-5}
. bench/lib.sh
"$gen" "$work" "$N" corp.example >/dev/null
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }

# The saved JSON: the chains up to the generator's root, given as an
# anchor, so that the plan deploys that root for all N.
baseline() {
	"$x" verify --json --no-system-ca --ca-file "$work/root.pem" --at $AT \
		--domain corp.example --clients all "$work"/chains/*.pem
}
baseline > "$work/saved.json" || [ $? -le 1 ]
plan() {
	rm -rf "$work/plan"
	"$x" trust plan --from "$work/saved.json" --at $AT "$work/plan" 2>/dev/null
}

# Sanity: the plan deploys the one root, covering every chain.
plan >/dev/null 2>&1
grep -q '"file": "roots/' "$work/plan/plan.json" || { echo "no root planned" >&2; exit 1; }
[ "$(grep -c '"/' "$work/plan/plan.json")" -ge "$N" ] ||
	{ echo "the root does not cover every chain" >&2; exit 1; }

: > "$work/t"
for r in $(seq "$ROUNDS"); do
	echo "$(timeit baseline) $(timeit plan)" >> "$work/t"
done
b=$(cut -d' ' -f1 "$work/t" | median)
p=$(cut -d' ' -f2 "$work/t" | median)
printf '%d generated chains, median of %d rounds:\n' "$N" "$ROUNDS"
rb=$(rss "$x" verify --json --no-system-ca --ca-file "$work/root.pem" --at $AT \
	--domain corp.example --clients all "$work"/chains/*.pem)
rm -rf "$work/plan"
rp=$(rss "$x" trust plan --from "$work/saved.json" --at $AT "$work/plan")
printf '  verify --json --clients all  %.3f s   peak RSS %s KiB\n' "$b" "$rb"
printf '  trust plan --from that JSON  %.3f s   peak RSS %s KiB   ratio %.2f\n' "$p" \
	"$rp" "$(echo "$p / $b" | bc -l)"
