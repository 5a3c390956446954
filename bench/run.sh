#!/bin/sh
# bench/run.sh — every benchmark: the C bench binaries ($B/bench/*), then
# the bench_*.sh scripts.  Each prints its own figures.
B=${B:-build}
export B
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
for b in "$top/$B"/bench/*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || rc=1
done
for s in "$top"/bench/bench_*.sh; do
	[ -f "$s" ] || continue
	echo "== $(basename "$s")"
	sh "$s" || rc=1
done
exit $rc
