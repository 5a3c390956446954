#!/bin/sh
# Run every benchmark binary built from bench/*.c (B = build dir, default
# build).  Benchmarks print their figures against their targets; they do not
# fail on time, only when they could not run.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
status=0
for b in "$top/$B"/bench/*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || { echo "   $(basename "$b") FAILED (exit $?)"; status=1; }
done
exit $status
