#!/bin/sh
# Run every benchmark binary in $B/bench (each prints its own figures).
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
for b in "$top/$B"/bench/*; do
	[ -x "$b" ] || continue
	"$b" || rc=1
done
exit $rc
