"""Fair judging (issue 14, finding 6): one student's sleeping programs no longer stall the judge.
Four sleep(100) submissions of one user held both judging slots to a wall limit of 2 x CPU + 1 s on
every test and delayed another user's A+B from 1 s to 29.5 s. Now the wall limit is the CPU limit
plus a margin, a pass-fail task stops at the first failing test, at most one submission per user is
in flight while others wait, and reruns have a share of their own. What is compared are events (the
processing_started_at / processing_completed_at the worker's events stored), never durations.

Run: SOLVEIT_MPMS=event /usr/bin/python3 -m pytest -p no:cacheprovider -x tests/integration/test_fair_judging.py
"""

import datetime
import re
import uuid

import pytest

from pipeline_stack import Pipeline
from polling import wait_final, wait_for
from test_module_helpers import login

pytestmark = pytest.mark.usefixtures("built_programs")

WAIT = 300  # bound for a handful of judgements on a busy 2-core machine
SLEEPER = "import time\ntime.sleep(100)\n"
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"


@pytest.fixture(scope="module")
def fair(services):
    """A pipeline whose worker (two threads, the defaults otherwise) writes its counters to a file."""
    stats = services.tmp / ("fair-worker-%s.stats" % uuid.uuid4().hex[:8])
    p = Pipeline(services, worker_env={"SOLVEIT_STATS_FILE": str(stats), "SOLVEIT_LOG_LEVEL": "info"})
    p.stats_path = stats
    yield p
    p.stop()


def stats(pipeline):
    try:
        text = pipeline.stats_path.read_text()
    except FileNotFoundError:
        return {}
    return {k: int(v) for k, v in (line.split() for line in text.splitlines() if line.strip())}


def make_task(db, time_limit_ms=1000, tests=5):
    """A pass-fail A+B with a sample and tests-1 hidden tests."""
    tid = db.execute("INSERT INTO tasks (slug, title, time_limit_ms, type) VALUES (%s, 'Fair', %s, 'pass-fail')"
                     " RETURNING id", ("fair-%s" % uuid.uuid4().hex[:10], time_limit_ms)).fetchone()[0]
    for order in range(1, tests + 1):
        db.execute('INSERT INTO tests (task_id, "order", input, expected_output, weight, is_sample)'
                   " VALUES (%s, %s, %s, %s, 1, %s)", (tid, order, "%d 2\n" % order, "%d\n" % (order + 2), order == 1))
    return tid


def submit(client, task_id, code):
    r = client.submit(task_id=task_id, language_id=71, code=code)
    assert r.status_code == 202, r.text
    return r.json()["submission_id"]


def times(db, ids):
    rows = db.execute("SELECT id, processing_started_at, processing_completed_at FROM submissions"
                      " WHERE id = ANY(%s)", (list(ids),)).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_a_sleeping_student_does_not_stall_anothers_submission(db, fair):
    task = make_task(db)
    sleeper, other = fair.client(db, "sleep"), fair.client(db, "quick")
    sleepers = [submit(sleeper, task, SLEEPER) for _ in range(4)]
    quick = submit(other, task, SUM)
    got = wait_final(db, sleepers + [quick], WAIT, what="the sleeper's four and the A+B final")
    assert got[quick] == ("completed", "AC"), got
    assert all(got[s] == ("completed", "TLE") for s in sleepers), got

    at = times(db, sleepers + [quick])
    started = sorted(sleepers, key=lambda s: at[s][0])
    # The A+B started before the sleeper's second, and the sleeper never had two in flight.
    assert at[quick][0] < at[started[1]][0], at
    # Both times are result-sink's commit times of events on different partitions, applied in either
    # order within a few ms of each other; two sleepers in flight at once would overlap by their whole
    # 1.5 s wall limit.
    for a, b in zip(started, started[1:]):
        assert at[a][1] - at[b][0] < datetime.timedelta(seconds=0.5), ("two of one user's submissions judged at once",
                                                                       at)
    assert stats(fair).get("deferred", 0) >= 3, stats(fair)

    # Pass-fail: one test run, one wall limit spent, and the TLE says the wall clock ran out.
    for s in sleepers:
        results = db.execute("SELECT test_results FROM submissions WHERE id = %s", (s,)).fetchone()[0]
        assert len(results) == 1, results
        assert (results[0]["verdict"], results[0]["limit"]) == ("TLE", "wall"), results
    # The limit applied, as the worker logs it: CPU 1 s plus the 0.5 s margin, not 2 x CPU + 1 s.
    log = fair.worker.log.read_text()
    m = re.search(r"submission %d: limits per test: CPU ([\d.]+) s, wall clock ([\d.]+) s" % sleepers[0], log)
    assert m, log[-3000:]
    assert (float(m.group(1)), float(m.group(2))) == (1.0, 1.5), m.group(0)


def test_students_see_which_limit_a_hidden_test_ran_out_of(db, fair):
    task = make_task(db, tests=2)
    db.execute('UPDATE tests SET input = %s, expected_output = %s WHERE task_id = %s AND "order" = 1',
               ("1 1\n", "2\n", task))
    student = fair.client(db, "limit")
    # Right on the sample, asleep on the hidden test.
    code = "a, b = map(int, input().split())\nif a == 2:\n    import time\n    time.sleep(100)\nprint(a + b)\n"
    sid = submit(student, task, code)
    assert wait_final(db, [sid], WAIT)[sid] == ("completed", "TLE")
    shown = student.get("/api/submissions/%d" % sid).json()
    hidden = [t for t in shown["test_results"] if not t.get("is_sample")]
    assert hidden and hidden[0]["verdict"] == "TLE" and hidden[0]["limit"] == "wall", shown["test_results"]
    assert "exit_code" not in hidden[0] and "message" not in hidden[0], hidden[0]


def test_a_rejudge_during_a_student_flood_is_not_starved(db, fair):
    task = make_task(db, tests=2)
    owner = fair.client(db, "rjown")
    judged = submit(owner, task, SUM)
    assert wait_final(db, [judged], WAIT)[judged] == ("completed", "AC")

    flood = []
    for _ in range(3):
        student = fair.client(db, "flood")
        flood += [submit(student, task, SLEEPER) for _ in range(3)]
    staff = login(fair.httpd, db, staff=True)
    r = staff.post("/api/admin/rejudge", json={"submission_ids": [judged]})
    assert r.status_code == 200, r.text
    wait_for(lambda: db.execute("SELECT status = 'completed' AND attempt = 2 FROM submissions WHERE id = %s",
                                (judged,)).fetchone()[0], "the rejudge judged", WAIT)
    wait_final(db, flood, WAIT, what="the flood judged")
    at = times(db, flood + [judged])
    # Submitted after all nine, judged before some of them began: a share of its own, not the end of
    # the queue.
    later = [s for s in flood if at[s][0] > at[judged][1]]
    assert later, ("the rejudge waited for every student's submission", at)
