#!/bin/sh
# Run every test and end with one line "N passed, N failed".
#   unit:        each build/tests/test_* (cmocka)
#   integration: tests/integration (pytest, Debian's python3, private broker)
#   e2e:         tests/e2e (headless Chromium), when present
#   fuzz:        every libFuzzer target over its corpus (tests/fuzz/run.sh),
#                when `make fuzzers` built them
#   package:     the Debian packages built, installed into a fresh Debian 12
#                root and run there (tools/package-test.sh: needs root or
#                password-less sudo and the Debian mirror, and fails without
#                them); under SAN=1 it is skipped, saying so: it builds its
#                own packages without sanitizers, which the SAN=0 run tests
# ONLY=unit|integration|e2e|fuzz|package restricts the run; RUNNER runs each unit test
# binary (e.g. qemu-aarch64-static, tools/cross-test.sh).  Exit status is non-zero when
# anything failed or when a suite could not run at all.
set -u
B=${B:-build}
ONLY=${ONLY:-}
top=$(cd "$(dirname "$0")/.." && pwd)
export DECRAN_BIN="$top/$B/bin"
out="$top/$B/test-results"
rm -rf "$out"; mkdir -p "$out"
passed=0; failed=0

want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

if want unit; then
	for t in "$top/$B"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		${RUNNER:-} "$t" >"$out/$name.log" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out/$name.log" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out/$name.log" | tail -1)
		p=${p:-0}; f=${f:-0}
		# A crash or a sanitizer report can end a binary before cmocka's summary.
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		passed=$((passed + p)); failed=$((failed + f))
		if [ $rc -eq 0 ]; then echo "unit  $name: $p passed";
		else echo "unit  $name: $p passed, $f FAILED"; cat "$out/$name.log"; fi
	done
fi

if want integration && ls "$top"/tests/integration/test_*.py >/dev/null 2>&1; then
	# Debian's interpreter: python3-pytest, -paho-mqtt and -pymodbus live there,
	# whatever python3 comes first in PATH.
	# Guards so one runaway test fails alone instead of taking the run
	# down: a per-test time limit, and (outside sanitizer builds, whose
	# shadow memory needs a huge address space) a cap on address space.
	(
		[ "${SAN:-0}" = 1 ] || ulimit -v 8388608
		exec /usr/bin/python3 -m pytest -q -p no:cacheprovider --timeout=300 \
			--junitxml="$out/integration.xml" "$top/tests/integration"
	) >"$out/integration.log" 2>&1
	rc=$?
	tail -n 30 "$out/integration.log"
	counts=$(/usr/bin/python3 "$top/tests/junit_counts.py" "$out/integration.xml")
	if [ -z "$counts" ]; then counts="0 1"; fi
	set -- $counts
	passed=$((passed + $1)); failed=$((failed + $2))
	if [ $rc -ne 0 ] && [ "$2" -eq 0 ]; then failed=$((failed + 1)); fi
fi

if want e2e && [ -f "$top/tests/e2e/run.sh" ]; then
	counts=$(sh "$top/tests/e2e/run.sh" "$out")
	rc=$?
	set -- $(echo "$counts" | tail -1)
	passed=$((passed + ${1:-0})); failed=$((failed + ${2:-1}))
	if [ $rc -ne 0 ] && [ "${2:-1}" -eq 0 ]; then failed=$((failed + 1)); fi
fi

if want fuzz && ls "$top"/build-fuzz/fuzz/fuzz_* >/dev/null 2>&1; then
	sh "$top/tests/fuzz/run.sh" replay >"$out/fuzz.log" 2>&1
	rc=$?
	grep -v 'passed, .* failed$' "$out/fuzz.log"
	set -- $(tail -1 "$out/fuzz.log" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
	passed=$((passed + ${1:-0})); failed=$((failed + ${2:-1}))
	if [ $rc -ne 0 ] && [ "${2:-1}" -eq 0 ]; then failed=$((failed + 1)); fi
fi

if want package && [ "${SAN:-0}" = 1 ]; then
	echo "package: skipped under SAN=1 (the Debian packages carry no sanitizer: make test runs it)"
elif want package; then
	B=$B sh "$top/tools/package-test.sh" >"$out/package.log" 2>&1
	rc=$?
	grep -v 'passed, .* failed$' "$out/package.log" | grep -v '^ok ' ||:
	set -- $(tail -1 "$out/package.log" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
	echo "package: ${1:-0} passed, ${2:-1} failed (log $out/package.log)"
	passed=$((passed + ${1:-0})); failed=$((failed + ${2:-1}))
	if [ $rc -ne 0 ] && [ "${2:-1}" -eq 0 ]; then failed=$((failed + 1)); fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
