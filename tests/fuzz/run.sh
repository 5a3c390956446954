#!/bin/sh
# tests/fuzz/run.sh replay|fuzz — the libFuzzer targets (build-fuzz/fuzz/fuzz_*).
#   replay  run every target once over each input of tests/fuzz/corpus/<target>/
#           (seeds and regression inputs); one line per target, then
#           "N passed, N failed" (one count per target).
#   fuzz    fuzz each target in turn for FUZZ_SECONDS (default 60) at the
#           lowest priority, starting from the seeds; new inputs go to
#           build-fuzz/corpus/<target>/, crashes (and inputs slower than
#           10 s, slow-unit-*) to build-fuzz/crashes/<target>/.
#           FUZZ_RUNS=N stops a target after N executions (the time limit
#           still applies); FUZZ_MAX_LEN caps input sizes (default 4096).
# FUZZ_TARGETS="csv rules" restricts either mode to those targets.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$top/build-fuzz/fuzz"
mode=${1:-replay}
secs=${FUZZ_SECONDS:-60}
passed=0; failed=0
out="$top/build-fuzz/results"
mkdir -p "$out"

for f in "$bin"/fuzz_*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		case " $FUZZ_TARGETS " in *" $name "*) ;; *) continue ;; esac
	fi
	seeds="$top/tests/fuzz/corpus/$name"
	log="$out/$mode-$name.log"	# a replay never clobbers a campaign's log
	if [ "$mode" = fuzz ]; then
		corpus="$top/build-fuzz/corpus/$name"
		crashes="$top/build-fuzz/crashes/$name"
		mkdir -p "$corpus" "$crashes"
		start=$(date +%s)
		# No allocation stacks while fuzzing (libical and cJSON allocate a
		# lot): replaying a saved crash gives them back.
		ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0} nice -n 19 "$f" -max_total_time="$secs" -max_len="${FUZZ_MAX_LEN:-4096}" \
			-runs="${FUZZ_RUNS:--1}" -print_final_stats=1 \
			-artifact_prefix="$crashes/" "$corpus" "$seeds" >"$log" 2>&1
		rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		# libFuzzer keeps an input slower than 10 s as slow-unit-*
		# without failing: a hang to look at all the same.
		echo "fuzz  $name: ${runs:-?} executions in $(($(date +%s) - start)) s," \
		     "corpus $(ls "$corpus" | wc -l) inputs," \
		     "$(ls "$crashes" | grep -c '^slow-unit-') slow, exit $rc"
	else
		set -- "$seeds"/*
		if [ -e "$1" ]; then
			# Files, not a directory: libFuzzer runs each once, no fuzzing.
			"$f" "$@" >"$log" 2>&1
			rc=$?
		else
			echo "no seed in $seeds" >"$log"; rc=1; set --
		fi
		echo "fuzz  $name: $# inputs$([ $rc -ne 0 ] && echo ", FAILED")"
	fi
	if [ $rc -eq 0 ]; then passed=$((passed + 1));
	else failed=$((failed + 1)); tail -n 40 "$log"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
