#!/bin/sh
# judge-worker benchmark: worker overhead per submission (consumed -> final result delivered, minus the
# time inside the executor), median and p99, and judged submissions per second for a 10-test C
# submission on the local executor, with the cache warm; shows that a warm cache costs no PostgreSQL
# query per submission. Prints figures; never a pass/fail test.
#   bench/worker-bench.sh [--submissions N] [--concurrency N]
# Needs root (the sandbox), a built tree (make), and Debian's python3 packages.
cd "$(dirname "$0")/.." || exit 1
exec /usr/bin/python3 bench/worker-bench.py "$@"
