#!/bin/bash
# Command 2 of the README: sets the machine up (packages, build) and runs every test layer:
# formatting, Check unit tests (make check), the integration, sandbox and peer suites (pytest
# against real PostgreSQL, Redis, the embedded Kafka broker and httpd), and the browser tests
# (Playwright + Chromium against a dev stack started for them). After the integration layer and
# after the browser tests, every httpd error log they produced is scanned for crashed children
# (tests/scan-httpd-logs.py). Then the sanitized layers (doc/security.md "Fuzzing and sanitizers"):
# the unit and integration tests again on an ASan+UBSan build of a copy of the tree, and each
# libFuzzer harness of tests/fuzz for a short fixed time over its kept corpus. Prints the wall time
# of each stage, then one closing count, and exits non-zero if anything failed.
#
#   tests/run-all.sh              every layer (what CI runs)
#   tests/run-all.sh --sanitize   setup, then only the sanitized unit and integration layers
#   tests/run-all.sh --fuzz       setup, then only the fuzzers
set -uo pipefail

ONLY=""
for arg in "$@"; do
	case "$arg" in
	--sanitize) ONLY=sanitize ;;
	--fuzz) ONLY=fuzz ;;
	-h | --help)
		sed -n '2,/^set -uo/p' "$0" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "run-all.sh: unknown option $arg (known: --sanitize, --fuzz, --help)" >&2
		exit 2
		;;
	esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
ART=${SOLVEIT_ARTIFACTS:-$ROOT/test-artifacts}
mkdir -p "$ART"
# httpd keeps its logs here (SOLVEIT_HTTPD_LOG_DIR, devstack/services.py) instead of in the test
# stacks' temporary directories, so that they can be scanned after the run; stale ones would be
# scanned again, so each run starts empty.
HTTPD_LOGS="$ART/httpd-logs"
BROWSER_HTTPD_LOGS="$ART/browser-httpd-logs"
rm -rf "$HTTPD_LOGS" "$BROWSER_HTTPD_LOGS"
PASSED=0
FAILED=0
SKIPPED=0
BAD_STAGES=()
STAGE=""
STAGE_START=0
STAGE_NAMES=()
STAGE_SECONDS=()

# Each stage runs until the next one starts (or the summary): its wall time is printed then.
stage_done() {
	[ -n "$STAGE" ] || return 0
	local took=$((SECONDS - STAGE_START))
	echo "=== $STAGE: done in $took s ==="
	STAGE_NAMES+=("$STAGE")
	STAGE_SECONDS+=("$took")
	STAGE=""
}
stage() {
	stage_done
	echo
	echo "=== $* ==="
	STAGE="$*"
	STAGE_START=$SECONDS
}
stage_times() {
	stage_done
	echo
	echo "stage times:"
	local i
	for i in "${!STAGE_NAMES[@]}"; do
		printf "  %6d s  %s\n" "${STAGE_SECONDS[$i]}" "${STAGE_NAMES[$i]}"
	done
	printf "  %6d s  %s\n" "$SECONDS" "total"
}
count() { PASSED=$((PASSED + $1)); FAILED=$((FAILED + $2)); SKIPPED=$((SKIPPED + ${3:-0})); }
# pytest_counts JUNIT_XML: "passed failed skipped" of a pytest run.
pytest_counts() {
	/usr/bin/python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1, 0); sys.exit()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - k, f, k)
PY
}
fail_stage() { BAD_STAGES+=("$1"); }
# scan_httpd_logs NAME DIR [--allow-none]: one check; a crashed child fails the run.
scan_httpd_logs() {
	if /usr/bin/python3 "$ROOT/tests/scan-httpd-logs.py" "${@:3}" "$2"; then
		count 1 0
	else
		count 0 1
		fail_stage "$1"
	fi
}

stage "setup"
if ! "$ROOT/devstack/setup.sh"; then
	echo "setup failed: nothing else can run"
	stage_times
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

# The normal layers (left unindented: --sanitize and --fuzz skip them).
if [ -z "$ONLY" ]; then
stage "formatting (clang-format)"
# The hostile programs of tests/sandbox/corpus are test inputs, kept as their attacks read.
mapfile -t sources < <(git ls-files '*.c' '*.h' ':!:tests/sandbox/corpus/*' 2>/dev/null)
if [ ${#sources[@]} -gt 0 ] && ! clang-format --dry-run --Werror "${sources[@]}"; then
	count 0 1
	fail_stage formatting
else
	count 1 0
fi

stage "docker-compose.yml (validity only; never run here)"
if [ -f docker-compose.yml ]; then
	if /usr/bin/python3 "$ROOT/tests/check_compose.py" docker-compose.yml; then count 1 0; else count 0 1; fail_stage compose; fi
fi

stage "unit tests (make check)"
make -j"$(nproc)" check >"$ART/make-check.log" 2>&1
rc=$?
grep -E "^(PASS|FAIL|ERROR|XFAIL|XPASS|SKIP):|^[0-9]+%:" -r "$ART/make-check.log" | tail -50
# Each Check program reports "N%: Checks: T, Failures: F, Errors: E"; sum them.
read -r t f <<<"$(awk -F'[:,]' '/Checks: [0-9]+, Failures/ {t+=$3; f+=$5+$7} END {print t+0, f+0}' \
	<(cat tests/unit/*.log 2>/dev/null))"
if [ "$rc" != 0 ]; then
	tail -40 "$ART/make-check.log"
	fail_stage unit
	[ "$f" = 0 ] && f=1
fi
count "$((t - f))" "$f"
echo "unit: $((t - f)) passed, $f failed"

stage "integration, sandbox and peer tests (pytest)"
pytest_args=()
eval "pytest_args=(${SOLVEIT_PYTEST_ARGS:-})"
SOLVEIT_HTTPD_LOG_DIR="$HTTPD_LOGS" /usr/bin/python3 -m pytest -p no:cacheprovider --junitxml="$ART/pytest.xml" \
	"${pytest_args[@]}"
rc=$?
read -r p f s <<<"$(pytest_counts "$ART/pytest.xml")"
if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then fail_stage pytest; [ "$f" = 0 ] && f=1; fi
count "$p" "$f" "$s"

stage "httpd error logs of the integration tests (crashed children: AH00052)"
# A narrowed run (SOLVEIT_PYTEST_ARGS) may start no httpd at all; the full run always does, and
# finding no log there means they were not kept, which must not pass as clean.
scan_httpd_logs integration-httpd-logs "$HTTPD_LOGS" ${SOLVEIT_PYTEST_ARGS:+--allow-none}

stage "browser tests (Playwright + Chromium)"
VAR=$(mktemp -d /tmp/solveit-browser-XXXXXX)
chmod 755 "$VAR"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOLVEIT_SKIP_SETUP=1 SOLVEIT_HTTPD_LOG_DIR="$BROWSER_HTTPD_LOGS" "$ROOT/devstack/stack.sh" up --var "$VAR" --port "$PORT" \
	>"$ART/browser-stack.log" 2>&1 &
STACK_PID=$!
for _ in $(seq 1 600); do
	[ -f "$VAR/url" ] && break
	kill -0 "$STACK_PID" 2>/dev/null || break
	sleep 0.1
done
# A stack that never came up is a failure already, and may have left no log to scan.
browser_scan_opts=(--allow-none)
if [ -f "$VAR/url" ]; then
	browser_scan_opts=()
	SOLVEIT_URL=$(cat "$VAR/url") SOLVEIT_ADMIN_ENV="$VAR/admin.env" SOLVEIT_ARTIFACTS="$ART" node --test --test-reporter=tap tests/browser/ \
		>"$ART/browser.tap" 2>&1
	rc=$?
	grep -vE "^\s+(duration_ms|type|\.\.\.|---)" "$ART/browser.tap" | tail -40
	p=$(awk '/^# pass / {print $3}' "$ART/browser.tap")
	f=$(awk '/^# fail / {print $3}' "$ART/browser.tap")
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" != 0 ]; then fail_stage browser; [ "$f" = 0 ] && f=1; fi
	count "$p" "$f"
else
	echo "the dev stack did not come up for the browser tests:"
	tail -40 "$ART/browser-stack.log"
	fail_stage browser
	count 0 1
fi
"$ROOT/devstack/stack.sh" stop --var "$VAR" >/dev/null 2>&1
wait "$STACK_PID" 2>/dev/null
rm -rf "$VAR"

stage "httpd error log of the browser tests' dev stack (crashed children: AH00052)"
scan_httpd_logs browser-httpd-log "$BROWSER_HTTPD_LOGS" "${browser_scan_opts[@]}"
fi

# ---- The sanitized layers (doc/security.md "Fuzzing and sanitizers") ----
# A copy of the tree's files (tracked, and new ones not ignored) built away from the normal build
# with ASan+UBSan, its unit tests, and its integration tests on the event MPM with httpd loading the
# sanitized module (apache2 itself is not sanitized: devstack/services.py preloads the ASan runtime
# into it when SOLVEIT_SANITIZE_PRELOAD names it). Every report goes to a file under
# $SAN_LOGS (log_path) and fails the run: halt_on_error stops the process at the first one, so a
# report is never lost in a log nobody reads. Leak detection is on for the unit tests, the daemons
# and the tools, off for httpd (apache2 frees its pools only in part at exit; those leaks are not
# ours and would drown what is).
SAN_TREE=${SOLVEIT_SANITIZE_DIR:-$ROOT/build-sanitize}
SAN_LOGS="$ART/sanitizer-logs"
SAN_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1"
# The integration tests the sanitized stage runs: the module (submissions, security, leaderboard,
# Redis), the worker, the sink and the pipeline across them. SOLVEIT_SANITIZE_PYTEST_ARGS replaces
# the list (e.g. "tests/integration" for all of it).
SAN_PYTEST_DEFAULT="tests/integration/test_module_submissions.py tests/integration/test_module_security.py
	tests/integration/test_module_leaderboard.py tests/integration/test_module_redis.py
	tests/integration/test_judge_worker.py tests/integration/test_result_sink.py tests/integration/test_pipeline.py"

san_env() {
	env ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$SAN_LOGS/asan:strict_string_checks=1:detect_stack_use_after_return=1" \
		UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$SAN_LOGS/ubsan" \
		LSAN_OPTIONS="suppressions=$ROOT/tests/fuzz/lsan.supp:print_suppressions=0" "$@"
}
# san_check NAME WHAT SHOW [FILE...]: one check that fails when any FILE is given (each a report of
# WHAT), showing each with the command SHOW FILE.
san_check() {
	local name=$1 what=$2 show=$3 f
	shift 3
	if [ $# -eq 0 ]; then
		echo "no $what"
		count 1 0
		return
	fi
	echo "$# $what:"
	for f in "$@"; do
		echo "--- $f"
		"$show" "$f"
	done
	count 0 1
	fail_stage "$name"
}
report_head() { head -60 "$1"; }
runtime_error_lines() { grep -A12 "runtime error:" "$1" | head -40; }
# san_reports NAME: the reports the sanitizers wrote to their log_path.
san_reports() {
	local reports
	mapfile -t reports < <(find "$SAN_LOGS" -type f -size +0 2>/dev/null | sort)
	san_check "$1" "sanitizer report(s)" report_head "${reports[@]}"
}
# san_runtime_errors NAME PATH...: gcc's UBSan prints its reports on stderr whatever log_path says,
# so they are looked for in the logs stderr went to (abort_on_error also makes the process die of
# SIGABRT, which httpd logs as a crashed child and a test sees as a dead daemon).
san_runtime_errors() {
	local name=$1 files
	shift
	mapfile -t files < <(grep -rIl --include='*.log' --include='error_log*' "runtime error:" "$@" 2>/dev/null | sort)
	san_check "$name" "log(s) with UBSan runtime errors" runtime_error_lines "${files[@]}"
}

if [ -z "$ONLY" ] || [ "$ONLY" = sanitize ]; then
stage "sanitized build (ASan+UBSan, in ${SAN_TREE#"$ROOT"/})"
rm -rf "$SAN_TREE" "$SAN_LOGS"
mkdir -p "$SAN_TREE" "$SAN_LOGS"
chmod 755 "$SAN_TREE"
chmod 777 "$SAN_LOGS" # httpd's children write their reports as the run user
san_built=0
if git -C "$ROOT" ls-files -z -co --exclude-standard | (cd "$ROOT" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
	tar -xf - -C "$SAN_TREE" &&
	{ [ ! -d "$ROOT/htdocs/vendor" ] || cp -a "$ROOT/htdocs/vendor" "$SAN_TREE/htdocs/"; } &&
	# No --enable-werror: the normal build is -Werror already, and gcc's instrumented code gives
	# warnings of its own (a "null format string" in vsnprintf(NULL, 0, ...)) that are not bugs.
	(cd "$SAN_TREE" && autoreconf -fi && ./configure CFLAGS="$SAN_CFLAGS" LDFLAGS="-fsanitize=address,undefined" &&
		# The sandbox's PID 1 is a static program (sandbox_spec.h): no ASan runtime can live there.
		make -C judge-worker/sandbox CFLAGS="-g -O2" LDFLAGS="" solveit-sandbox-init &&
		make -j"$(nproc)") >"$ART/sanitize-build.log" 2>&1; then
	san_built=1
	count 1 0
else
	tail -40 "$ART/sanitize-build.log"
	fail_stage sanitize-build
	count 0 1
fi

if [ "$san_built" = 1 ]; then
	stage "sanitized unit tests (make check)"
	(cd "$SAN_TREE" && san_env make -j"$(nproc)" check) >"$ART/sanitize-check.log" 2>&1
	rc=$?
	read -r t f <<<"$(awk -F'[:,]' '/Checks: [0-9]+, Failures/ {t+=$3; f+=$5+$7} END {print t+0, f+0}' \
		<(cat "$SAN_TREE"/tests/unit/*.log 2>/dev/null))"
	if [ "$rc" != 0 ]; then
		grep -E "^(FAIL|ERROR):" "$ART/sanitize-check.log" | tail -20
		fail_stage sanitize-unit
		[ "$f" = 0 ] && f=1
	fi
	count "$((t - f))" "$f"
	echo "sanitized unit: $((t - f)) passed, $f failed"
	san_reports sanitize-unit-reports
	san_runtime_errors sanitize-unit-runtime-errors "$SAN_TREE/tests/unit"

	stage "sanitized integration tests (pytest, event MPM)"
	san_args=()
	eval "san_args=(${SOLVEIT_SANITIZE_PYTEST_ARGS:-$SAN_PYTEST_DEFAULT})"
	# The stacks' directories (SOLVEIT_STACK_TMP) and pytest's are kept under $SAN_TMP
	# (SOLVEIT_KEEP_TMP) until their daemons' logs are searched.
	SAN_HTTPD_LOGS="$ART/sanitize-httpd-logs"
	SAN_TMP=$(mktemp -d /tmp/solveit-sanitize-XXXXXX)
	chmod 755 "$SAN_TMP"
	rm -rf "$SAN_HTTPD_LOGS"
	(cd "$SAN_TREE" && san_env SOLVEIT_MPMS=event SOLVEIT_SANITIZE_PRELOAD="$(gcc -print-file-name=libasan.so)" \
		SOLVEIT_HTTPD_LOG_DIR="$SAN_HTTPD_LOGS" SOLVEIT_KEEP_TMP=1 SOLVEIT_STACK_TMP="$SAN_TMP" \
		/usr/bin/python3 -m pytest -p no:cacheprovider --basetemp="$SAN_TMP/pytest" \
		--junitxml="$ART/sanitize-pytest.xml" "${san_args[@]}")
	rc=$?
	read -r p f s <<<"$(pytest_counts "$ART/sanitize-pytest.xml")"
	if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then fail_stage sanitize-pytest; [ "$f" = 0 ] && f=1; fi
	count "$p" "$f" "$s"
	san_reports sanitize-integration-reports
	san_runtime_errors sanitize-integration-runtime-errors "$SAN_TMP" "$SAN_HTTPD_LOGS"
	scan_httpd_logs sanitize-httpd-logs "$SAN_HTTPD_LOGS" ${SOLVEIT_SANITIZE_PYTEST_ARGS:+--allow-none}
	rm -rf "$SAN_TMP"
fi
fi

if [ -z "$ONLY" ] || [ "$ONLY" = fuzz ]; then
stage "fuzzers (libFuzzer, ${SOLVEIT_FUZZ_SECONDS:-20} s each over tests/fuzz/corpus)"
# Each harness runs over a temporary copy of its corpus: what it finds is not written back here.
if "$ROOT/tests/fuzz/run.sh" --seconds "${SOLVEIT_FUZZ_SECONDS:-20}" --artifacts "$ART/fuzz"; then
	count 1 0
else
	fail_stage fuzz
	count 0 1
fi
fi

stage_times
echo
if [ ${#BAD_STAGES[@]} -gt 0 ]; then
	echo "failed stages: ${BAD_STAGES[*]}"
fi
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ ${#BAD_STAGES[@]} -eq 0 ] && [ "$FAILED" -eq 0 ]
