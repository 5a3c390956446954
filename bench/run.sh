#!/bin/sh
# Run every benchmark binary built from bench/*.c from the top directory (so
# they find gateway/demo/ and tests/fixtures/) and print their figures against
# their targets.  Benchmarks report; they fail only when they could not run.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
status=0
for b in "$B"/bench/*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || { echo "   $(basename "$b") FAILED (exit $?)"; status=1; }
done
exit $status
