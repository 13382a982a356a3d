#!/bin/bash
# Builds the libFuzzer harnesses of tests/fuzz (make -C tests/fuzz fuzz, with clang) and runs each
# for a fixed time over a temporary copy of its kept corpus (tests/fuzz/corpus/<harness>/), with
# its dictionary, so that what a run finds is never written back into the repository. Prints per
# harness: executions, executions per second, corpus size (files, at the start and at the end)
# and crashes (crash, leak, timeout and out-of-memory inputs, and any other failed run). Exits 1
# when any harness failed; the failing inputs are kept in the artifacts directory.
#
#   tests/fuzz/run.sh [--seconds N] [--artifacts DIR] [--keep-corpus] [HARNESS...]
#     --seconds N     how long each harness runs (default 20)
#     --artifacts DIR where the logs and failing inputs go (default: a new directory under /tmp)
#     --keep-corpus   keep each run's grown corpus beside its log (DIR/<harness>.corpus/) to merge
#                     into the kept one by hand (doc/security.md "Fuzzing and sanitizers")
#     HARNESS...      only these (default: all of them)
# The tree must be built first (make at the top): the harnesses link its convenience libraries.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_EACH=20
ART=""
KEEP=0
ONLY=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds)
		SECONDS_EACH=${2:-}
		shift 2 || true
		;;
	--artifacts)
		ART=${2:-}
		shift 2 || true
		;;
	--keep-corpus)
		KEEP=1
		shift
		;;
	-h | --help)
		sed -n '2,/^set -uo/p' "$0" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "fuzz: unknown option $1 (see --help)" >&2
		exit 2
		;;
	*)
		ONLY+=("$1")
		shift
		;;
	esac
done
if ! [[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]]; then
	echo "fuzz: --seconds takes a whole number of seconds from 1, not '$SECONDS_EACH'" >&2
	exit 2
fi
[ -n "$ART" ] || ART=$(mktemp -d /tmp/solveit-fuzz-XXXXXX)
mkdir -p "$ART"

# harness:dictionary
HARNESSES=(fuzz_urlencoded:form fuzz_multipart:form fuzz_json_input:json fuzz_submission_msg:json
	fuzz_result_msg:json fuzz_run_msg:json fuzz_checker:checker)
run=()
for h in "${HARNESSES[@]}"; do
	if [ ${#ONLY[@]} -eq 0 ] || [[ " ${ONLY[*]} " == *" ${h%%:*} "* ]]; then run+=("$h"); fi
done
for name in "${ONLY[@]}"; do
	if [[ " ${HARNESSES[*]} " != *" $name:"* ]]; then
		echo "fuzz: no harness $name (there are: ${HARNESSES[*]%%:*})" >&2
		exit 2
	fi
done

# The tree's build directory holds tests/fuzz/Makefile (configure made it).
BUILD=${SOLVEIT_FUZZ_BUILD_DIR:-$ROOT/tests/fuzz}
if [ ! -f "$BUILD/Makefile" ]; then
	echo "fuzz: $BUILD/Makefile is missing: run ./configure (devstack/setup.sh) at the top of the tree first" >&2
	exit 1
fi
if ! make -C "$BUILD" -j"$(nproc)" fuzz >"$ART/build.log" 2>&1; then
	tail -30 "$ART/build.log"
	echo "fuzz: the harnesses did not build (log: $ART/build.log)" >&2
	exit 1
fi

# A failure is a report: ASan, UBSan (the harnesses are built not to recover) and LeakSanitizer
# stop the run, and libFuzzer writes the input that did it to $ART/<harness>-<kind>-<hash>.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
failed=0
printf "%-22s %12s %9s %15s %8s\n" harness executions exec/s "corpus (files)" crashes
for h in "${run[@]}"; do
	name=${h%%:*}
	dict=$HERE/dict/${h#*:}.dict
	work=$(mktemp -d /tmp/solveit-fuzz-corpus-XXXXXX)
	cp "$HERE/corpus/$name/"* "$work/" 2>/dev/null
	before=$(find "$work" -type f | wc -l)
	"$BUILD/$name" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-dict="$dict" -artifact_prefix="$ART/$name-" "$work" >"$ART/$name.log" 2>&1
	rc=$?
	after=$(find "$work" -type f | wc -l)
	execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$ART/$name.log")
	rate=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$ART/$name.log")
	crashes=$(find "$ART" -maxdepth 1 -type f -name "$name-*" | wc -l)
	if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then crashes=1; fi
	printf "%-22s %12s %9s %15s %8s\n" "$name" "${execs:-?}" "${rate:-?}" "$before -> $after" "$crashes"
	if [ "$crashes" != 0 ]; then
		failed=1
		grep -E "ERROR: |runtime error:|SUMMARY:|property failed|Test unit written" "$ART/$name.log" | head -8 | sed 's/^/    /'
	fi
	if [ "$KEEP" = 1 ]; then
		rm -rf "$ART/$name.corpus"
		mv "$work" "$ART/$name.corpus"
	else
		rm -rf "$work"
	fi
done
echo "logs and failing inputs: $ART"
exit "$failed"
