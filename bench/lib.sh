# Sourced by the bench scripts, from the top of the tree: the built tools,
# a work folder removed at exit, the pinned time, and timing helpers.
AT=2026-06-01T00:00:00Z
x=build/src/xmppcv
gen=build/bench/genchains

# Stop unless every one of the built programs given is there.
need() {
	for t in "$@"; do
		[ -x "$t" ] || { echo "build first: ./run-tests or meson compile -C build" >&2; exit 2; }
	done
}
need "$x" "$gen"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
# The median of the numbers on standard input, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The seconds a command took, its standard output discarded.
timeit() { s=$(now); "$@" >/dev/null; e=$(now); echo "$e - $s" | bc -l; }
