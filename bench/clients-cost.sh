#!/bin/sh
# What the client profiles cost: `xmppcv verify --clients all` against
# `xmppcv verify --clients none`, side by side in the same run, on the
# captured corpus (fixtures/captures: every chain with its own domain, each
# verified ROUNDS times in one process) and on N generated chains in one
# process. The aim: at most 1.2 times the time without the profiles.
#
#   bench/clients-cost.sh [N] [ROUNDS]     (default 3000 chains, 5 rounds)
#
# Needs a built tree in build/.
set -eu
cd "$(dirname "$0")/.."
N=${1:-3000}
ROUNDS=${2:-5}
. bench/lib.sh
"$gen" "$work" "$N" corp.example >/dev/null
files=$(ls "$work"/chains/*.pem)

# The captured corpus: each case's chain, anchors and domain, 20 copies
# of each file on one command line per domain, so that one process does
# enough work to time.
captures() {
	for d in fixtures/captures/*/; do
		dom=$(sed -n 's/.*"domain": *"\([^"]*\)".*/\1/p' "$d/case.json" | head -n 1)
		svc=$(sed -n 's/.*"service": *"\([^"]*\)".*/\1/p' "$d/case.json" | head -n 1)
		[ -n "$dom" ] || continue
		anchors=""
		[ -f "$d/anchors.pem" ] && anchors="--ca-file $d/anchors.pem"
		set --
		for i in $(seq 20); do set -- "$@" "$d/chain.pem"; done
		# shellcheck disable=SC2086
		$x verify --json --no-system-ca $anchors --at $AT \
			--service "${svc:-c2s}" --domain "$dom" --clients "$MODE" "$@" ||
			[ $? -le 1 ]
	done
}
generated() {
	# shellcheck disable=SC2086
	$x verify --json --no-system-ca --ca-file "$work/root.pem" --at $AT \
		--domain corp.example --clients "$MODE" $files
}
cap_all() { MODE=all captures; }
cap_none() { MODE=none captures; }
gen_all() { MODE=all generated; }
gen_none() { MODE=none generated; }

# Sanity: the profiles are judged in one mode and not in the other.
MODE=all generated | head -n 1 | grep -q '"client":"gio"' || { echo "no profiles judged" >&2; exit 1; }
MODE=none generated | head -n 1 | grep -q '"clients":\[\]' || { echo "profiles judged with none" >&2; exit 1; }

: > "$work/t"
for r in $(seq "$ROUNDS"); do
	echo "$(timeit cap_none) $(timeit cap_all) $(timeit gen_none) $(timeit gen_all)" >> "$work/t"
done
cn=$(cut -d' ' -f1 "$work/t" | median)
ca=$(cut -d' ' -f2 "$work/t" | median)
gn=$(cut -d' ' -f3 "$work/t" | median)
ga=$(cut -d' ' -f4 "$work/t" | median)
caps=$(ls -d fixtures/captures/*/ | wc -l)
printf 'captured corpus (%d cases x 20), median of %d rounds:\n' "$caps" "$ROUNDS"
printf '  --clients none  %.3f s\n  --clients all   %.3f s   ratio %.2f\n' "$cn" "$ca" \
	"$(echo "$ca / $cn" | bc -l)"
printf 'generated chains (%d), median of %d rounds:\n' "$N" "$ROUNDS"
printf '  --clients none  %.3f s\n  --clients all   %.3f s   ratio %.2f\n' "$gn" "$ga" \
	"$(echo "$ga / $gn" | bc -l)"
