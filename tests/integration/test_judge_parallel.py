"""Tests of one submission run at once (issue 16) through the real pipeline: httpd with mod_solveit,
judge-worker on the local sandbox and result-sink, on the session's PostgreSQL, Redis and Kafka.

The same submissions are judged twice, by a worker that runs one test after another
(--parallel-tests 1) and then by one that runs up to three at once on a budget of two cores with
nothing else to judge (--concurrency 1 --cores 2, so its one judgement always finds an idle slot);
the stored rows must agree on the verdict, score, points, groups and every test's verdict, and match
what the task says. The workers log at debug level, so their logs show which tests started on which
lane: a test the pass-fail or break rule stops is never started by the sequential worker, and one the
parallel worker started early is logged as dropped and not counted.

Run: SOLVEIT_MPMS=event /usr/bin/python3 -m pytest -p no:cacheprovider tests/integration/test_judge_parallel.py
"""

import os
import re
import subprocess
import uuid

import psycopg
import pytest

from harness import WORKER
from pipeline_stack import Pipeline
from polling import wait_final

pytestmark = pytest.mark.usefixtures("built_programs")

WAIT = 300  # bound for one judgement on a busy 2-core machine

# A + B in C, with a behaviour per first number: 5 one too many (WA), 7 a busy loop (TLE), 8 exit 3
# (RE), 9 allocating until the limit (MLE).
PROGRAM = r"""#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
	long long a, b;
	if (scanf("%lld %lld", &a, &b) != 2)
		return 1;
	if (a == 7) { volatile unsigned long n = 0; for (;;) n++; }
	if (a == 8) { fprintf(stderr, "crash on 8\n"); return 3; }
	if (a == 9) { for (;;) { char *p = malloc(1 << 20); if (!p) return 4; memset(p, 1, 1 << 20); } }
	printf("%lld\n", a + b + (a == 5));
	return 0;
}
"""


def ab_tests(middle):
    """Five tests of A + B with `middle` as the third's first number (1: all right)."""
    return [("1 2\n", "3\n"), ("2 2\n", "4\n"), ("%d 1\n" % middle, "%d\n" % (middle + 1)), ("3 4\n", "7\n"),
            ("10 20\n", "30\n")]


def make_task(db, tests, groups=None, **columns):
    """tests: (input, answer) or (input, answer, group name); groups: {name: on_reject}."""
    columns.setdefault("slug", "parallel-%s" % uuid.uuid4().hex[:10])
    columns.setdefault("title", "Parallel judging")
    # Room for a busy shared machine: a wall-clock kill of a starved run would be run again, not a verdict,
    # but only so often.
    columns.setdefault("time_limit_ms", 1500)
    columns.setdefault("memory_limit_kb", 65536)
    names = list(columns)
    task_id = db.execute("INSERT INTO tasks (%s) VALUES (%s) RETURNING id"
                         % (", ".join(names), ", ".join(["%s"] * len(names))), list(columns.values())).fetchone()[0]
    group_ids = {}
    for position, (name, on_reject) in enumerate((groups or {}).items(), 1):
        group_ids[name] = db.execute(
            "INSERT INTO test_groups (task_id, name, position, aggregation, points, on_reject)"
            " VALUES (%s, %s, %s, 'sum', 50, %s) RETURNING id", (task_id, name, position, on_reject)).fetchone()[0]
    for order, t in enumerate(tests, 1):
        db.execute('INSERT INTO tests (task_id, "order", input, expected_output, weight, group_id)'
                   " VALUES (%s, %s, %s, %s, 1, %s)",
                   (task_id, order, t[0], t[1], group_ids.get(t[2]) if len(t) > 2 else None))
    return task_id


# name: (task columns, tests, groups, the verdict, the per-test verdicts in order, None: not reported)
CASES = {
    "ac": ({}, ab_tests(1), None, "AC", ["AC"] * 5),
    "wa_middle": ({}, ab_tests(5), None, "PA", ["AC", "AC", "WA", "AC", "AC"]),
    "tle_middle": ({}, ab_tests(7), None, "PA", ["AC", "AC", "TLE", "AC", "AC"]),
    "re_middle": ({}, ab_tests(8), None, "PA", ["AC", "AC", "RE", "AC", "AC"]),
    "mle_middle": ({}, ab_tests(9), None, "PA", ["AC", "AC", "MLE", "AC", "AC"]),
    "pass_fail_stop": ({"type": "pass-fail"}, [("1 2\n", "3\n"), ("5 1\n", "6\n"), ("2 2\n", "4\n"),
                                               ("3 3\n", "6\n"), ("4 4\n", "8\n")],
                       None, "WA", ["AC", "WA", None, None, None]),
    "break_group": ({}, [("1 1\n", "2\n", "brk"), ("5 1\n", "6\n", "brk"), ("2 2\n", "4\n", "brk"),
                         ("3 3\n", "6\n", "brk"), ("7 1\n", "8\n", "cont"), ("4 4\n", "8\n", "cont")],
                    {"brk": "break", "cont": "continue"}, "PA", ["AC", "WA", None, None, "TLE", "AC"]),
}
COLUMNS = ("status", "verdict", "score", "points", "max_points", "group_results", "test_results", "passed_tests",
           "total_tests", "error_message")
STARTED = re.compile(r"task (\d+) test (\d+): started on lane (\d+)")
DROPPED = re.compile(r"task (\d+) test (\d+): dropped")


def judge_all(db, pipeline, tasks):
    client = pipeline.client(db, "parallel")
    ids = {}
    for name, task_id in tasks.items():
        r = client.submit(task_id=task_id, language_id=50, code=PROGRAM)
        assert r.status_code == 202, r.text
        ids[name] = r.json()["submission_id"]
    wait_final(db, ids.values(), WAIT, what="the %d submissions final" % len(ids))
    rows = {}
    for name, sid in ids.items():
        row = db.execute("SELECT %s FROM submissions WHERE id = %%s" % ", ".join(COLUMNS), (sid,)).fetchone()
        rows[name] = dict(zip(COLUMNS, row))
    return rows


def started(log):
    """{(task id, test order): set of lanes} from a worker's debug log."""
    out = {}
    for task, order, lane in STARTED.findall(log):
        out.setdefault((int(task), int(order)), set()).add(int(lane))
    return out


@pytest.fixture(scope="module")
def judged(services):
    with psycopg.connect(services.pg.dsn, autocommit=True) as db:
        tasks = {name: make_task(db, tests, groups, **columns)
                 for name, (columns, tests, groups, _, _) in CASES.items()}
        results = {}
        for mode, env in (("sequential", {"SOLVEIT_PARALLEL_TESTS": "1"}),
                          ("parallel", {"SOLVEIT_PARALLEL_TESTS": "3", "SOLVEIT_CORES": "2",
                                        "SOLVEIT_CONCURRENCY": "1"})):
            pipeline = Pipeline(services, worker_env=dict(env, SOLVEIT_LOG_LEVEL="debug"))
            try:
                rows = judge_all(db, pipeline, tasks)
                results[mode] = (rows, pipeline.worker.log.read_text(errors="replace"))
            finally:
                pipeline.stop()
    return tasks, results


def per_test(row):
    return {t["order"]: t for t in row["test_results"]}


@pytest.mark.parametrize("name", list(CASES))
def test_parallel_judging_equals_sequential(judged, name):
    tasks, results = judged
    want_verdict, want_tests = CASES[name][3], CASES[name][4]
    rows = {mode: results[mode][0][name] for mode in results}
    for mode, row in rows.items():
        assert (row["status"], row["verdict"]) == ("completed", want_verdict), (mode, row)
        tests = per_test(row)
        got = [tests[o]["verdict"] if o in tests else None for o in range(1, len(want_tests) + 1)]
        assert got == want_tests, (mode, row["test_results"])
        assert row["total_tests"] == len(want_tests), (mode, row)
    seq, par = rows["sequential"], rows["parallel"]
    for key in ("verdict", "score", "points", "max_points", "passed_tests", "total_tests", "group_results"):
        assert seq[key] == par[key], (key, seq[key], par[key])
    for order, s in per_test(seq).items():
        p = per_test(par)[order]
        # Which limit stopped a TLE (CPU, or the wall clock at CPU + its margin) depends on how busy the
        # machine is, not on the verdict: both are the program's own TLE.
        for key in ("verdict", "exit_code", "group"):
            assert s.get(key) == p.get(key), (order, key, s, p)
        if s["verdict"] == "TLE":
            assert {s.get("limit"), p.get("limit")} <= {"cpu", "wall"}, (s, p)
    if name == "re_middle":
        assert "crash on 8" in per_test(par)[3]["stderr"], per_test(par)[3]


def test_sequential_worker_never_starts_a_stopped_test(judged):
    tasks, results = judged
    runs = started(results["sequential"][1])
    for name in ("pass_fail_stop", "break_group"):
        want = CASES[name][4]
        ran = sorted(order for (task, order) in runs if task == tasks[name])
        assert ran == [o for o, v in enumerate(want, 1) if v is not None], (name, ran)
    # One test at a time: never a second lane.
    assert all(lanes == {0} for lanes in runs.values()), runs


def test_parallel_worker_runs_tests_at_once_and_drops_what_a_failure_stopped(judged):
    tasks, results = judged
    log = results["parallel"][1]
    runs = started(log)
    # Its one judgement had an idle core: a second lane ran tests.
    assert any(1 in lanes for lanes in runs.values()), runs
    assert all(lanes <= {0, 1, 2} for lanes in runs.values()), runs
    dropped = {(int(t), int(o)) for t, o in DROPPED.findall(log)}
    for name in ("pass_fail_stop", "break_group"):
        want = CASES[name][4]
        ran = {order for (task, order) in runs if task == tasks[name]}
        reported = {o for o, v in enumerate(want, 1) if v is not None}
        assert reported <= ran, (name, ran)
        # Every test it started beyond the reported ones was dropped, not counted.
        assert {(tasks[name], o) for o in ran - reported} <= dropped, (name, ran, dropped)


def test_help_and_bad_core_settings():
    """--help names the settings and shows the cores found as the defaults; a bad value is refused with
    a message naming the option or the variable."""
    out = subprocess.run([WORKER, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    for name in ("--cores", "SOLVEIT_CORES", "--parallel-tests", "SOLVEIT_PARALLEL_TESTS", "cgroup"):
        assert name in out.stdout, name
    cores = len(os.sched_getaffinity(0))
    found = re.search(r"--cores.*?\[(\d+)\]", out.stdout, re.S)
    assert found and 1 <= int(found.group(1)) <= cores, out.stdout
    concurrency = re.search(r"--concurrency.*?\[(\d+)\]", out.stdout, re.S)
    assert concurrency and concurrency.group(1) == found.group(1), out.stdout
    bad = subprocess.run([WORKER, "--cores", "0"], capture_output=True, text=True, timeout=10)
    assert bad.returncode == 1 and "--cores" in bad.stderr, bad.stderr
    bad = subprocess.run([WORKER], env=dict(os.environ, SOLVEIT_PARALLEL_TESTS="lots"), capture_output=True,
                         text=True, timeout=10)
    assert bad.returncode == 1 and "SOLVEIT_PARALLEL_TESTS" in bad.stderr, bad.stderr
