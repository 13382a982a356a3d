#!/bin/sh
# Problem-package benchmark: imports a pass-fail and a scoring package of tests/packages with
# solveit-admin and prints judged submissions per second for each (N submissions through the real
# pipeline: Kafka, judge-worker on the local executor, result-sink, PostgreSQL), then the time
# `solveit-admin import` takes for a generated package of 100 tests of 1 MiB, again for a re-import of
# it (a new revision) and as a zip. Prints figures; never a pass/fail test.
#   bench/package-bench.sh [--submissions N] [--concurrency N] [--big-tests N] [--big-size BYTES]
# Needs root (the sandbox), a built tree (make, with admin/solveit-admin) and Debian's python3 packages.
cd "$(dirname "$0")/.." || exit 1
exec /usr/bin/python3 bench/package-bench.py "$@"
