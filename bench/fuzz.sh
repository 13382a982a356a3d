#!/bin/sh
# Fuzzing campaign (never part of the pass/fail test run; the test command runs the same harnesses
# for 20 s each): builds every libFuzzer harness of tests/fuzz (clang) and runs each for SECONDS
# over a temporary copy of its kept corpus, then prints per harness the executions, executions per
# second, the corpus size (files at the start and at the end) and the crashes found.
#   usage: bench/fuzz.sh [SECONDS=60] [HARNESS...]
# Failing inputs and logs go to a new directory under /tmp (printed at the end), with each
# harness's grown corpus (<harness>.corpus/) to merge into tests/fuzz/corpus by hand: see
# doc/security.md "Fuzzing and sanitizers". Needs the built tree (make) and clang
# (devstack/setup.sh installs it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
exec "$here/../tests/fuzz/run.sh" --seconds "$seconds" --keep-corpus "$@"
