#!/bin/sh
# Run every benchmark binary (build/bench/*) from the top directory, so they
# find gateway/demo/ and tests/fixtures/, and print their figures.  Benchmarks
# report; they never fail a build on timing.
set -u
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
rc=0
for b in "$B"/bench/*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || rc=1
done
exit $rc
