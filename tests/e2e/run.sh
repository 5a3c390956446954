#!/bin/sh
# tests/e2e/run.sh RESULTS_DIR — end-to-end tests of the dashboard.
# Installs the pinned npm tooling (playwright-core, axe-core) with `npm ci`
# (from npm's cache when it has them), then runs the journeys in Debian's
# headless Chromium.  Details go to stderr and RESULTS_DIR/e2e.log; the LAST
# stdout line is "PASSED FAILED" for tests/run.sh; exit non-zero on failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../build/test-results}
mkdir -p "$out"
cd "$here" || exit 1
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
	echo "e2e: ${CHROMIUM:-/usr/bin/chromium} missing (Debian package chromium)" >&2
	echo "0 1"; exit 1
fi
if ! npm ci --prefer-offline --no-audit --no-fund >"$out/e2e-npm.log" 2>&1; then
	echo "e2e: npm ci failed, see $out/e2e-npm.log" >&2
	echo "0 1"; exit 1
fi
# Each file prints one line per test and "PASSED FAILED" last.
passed=0 failed=0 rc=0
: >"$out/e2e.log"
for f in dashboard.e2e.mjs gateway.e2e.mjs glance.e2e.mjs opendata.e2e.mjs compliance.e2e.mjs box.e2e.mjs; do
	node "$f" "$out" >"$out/e2e-$f.log" 2>&1 || rc=1
	sed '$d' "$out/e2e-$f.log" | tee -a "$out/e2e.log" | sed 's/^/e2e   /' >&2
	last=$(tail -1 "$out/e2e-$f.log")
	case "$last" in
	[0-9]*" "[0-9]*) set -- $last; passed=$((passed + $1)); failed=$((failed + $2)) ;;
	*) echo "e2e: $f crashed: $last" >&2; failed=$((failed + 1)); rc=1 ;;
	esac
done
echo "$passed $failed"
exit $rc
