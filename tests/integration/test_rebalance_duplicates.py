"""Issue 14, finding 9: no submission is judged twice when workers join and leave the group mid-burst.
Offsets are committed synchronously as partitions are revoked; where the broker refuses that (the
embedded one refuses every commit while a rebalance is in progress), the next owner receives
messages judged before. Such an attempt, whose final result this worker delivered or result-sink
stored, is counted in the stats file (`duplicates`) and not judged again. Each final result is
counted on code-results, which is what result-sink applies."""

import json
import re
import time

import pytest

import harness
from harness import SINK
from polling import wait_for, wait_log
from test_judge_worker import WORKER, fresh_stats, make_task, stats, submit
from test_judge_worker import peer, producer, results, workers  # noqa: F401 (fixtures)
from harness import services  # noqa: F401

pytestmark = pytest.mark.usefixtures("built_programs")

BURST = 16
# Long enough per submission that some are in flight at each rebalance, short enough for a 2-core box.
SLOW_SUM_PY = 'import time\na, b = map(int, input().split())\ntime.sleep(0.4)\nprint(a + b)\n'
ASSIGNED = r"assigned(?: \(incrementally\))? [1-9]\d* partition"


def start_second_worker(workers, tmp_path):
    name = "judge-worker-joining"
    stats_path = tmp_path / (name + ".stats")
    env = workers.env("local", {"SOLVEIT_STATS_FILE": str(stats_path)})
    proc = harness.services.Process(name, [WORKER, "--foreground", "--log-level", "debug"], tmp_path / (name + ".log"),
                                    env=env)
    proc.stats_path = stats_path
    proc.start()
    return proc


@pytest.fixture
def sink(services, tmp_path):
    """A result-sink of its own group, so that the finals reach PostgreSQL as in production."""
    env = services.daemon_env()
    proc = harness.services.Process("result-sink-rebalance", [SINK, "--foreground", "--no-sweeper", "--group",
                                                               "sink-rebalance-%d" % time.time_ns()],
                                    tmp_path / "result-sink.log", env=env)
    proc.start()
    yield proc
    proc.stop()


def not_judged_again(proc):
    return len(re.findall(r"already judged; not again|already stored; not judged again", proc.log.read_text()))


def finals_of(results, sids):
    return {sid: results.finals(sid, attempt=1) for sid in sids}


def test_worker_joining_and_leaving_mid_burst_judges_each_submission_once(workers, results, db, producer, sink,
                                                                         tmp_path):
    task = make_task(db, [("1 2\n", "3\n", 1, False), ("20 22\n", "42\n", 1, False)])
    first = workers.ensure("local", SOLVEIT_CONCURRENCY="2")
    sids = [submit(db, producer, task, 71, SLOW_SUM_PY) for _ in range(BURST)]

    wait_for(lambda: sum(1 for f in finals_of(results, sids).values() if f) >= 3, "the first results", 120)
    second = start_second_worker(workers, tmp_path)
    try:
        wait_log(second.log.read_text, ASSIGNED, timeout=60, alive=second.alive, name=second.name)
        # Let the newcomer judge a little, then leave again while the burst is still going.
        wait_for(lambda: sum(1 for f in finals_of(results, sids).values() if f) >= BURST // 2,
                 "half of the burst judged", 180)
    finally:
        second.stop(60)
    wait_for(lambda: all(finals_of(results, sids).values()), "every submission of the burst judged", 240)
    # Late duplicates would arrive after the last first final: give them a moment.
    time.sleep(3)

    # Two rebalances really happened under the first worker while it was judging.
    log = first.log.read_text()
    assert len(re.findall(r"revoking", log)) >= 1, log[-3000:]
    assert len(re.findall(ASSIGNED, log)) >= 2, log[-3000:]

    finals = finals_of(results, sids)
    twice = {sid: f for sid, f in finals.items() if len(f) != 1}
    assert not twice, "judged more than once: %s" % json.dumps(twice)[:2000]
    assert all(f[0]["verdict"] == "AC" for f in finals.values()), finals
    # ... and applied once: every row final, with that verdict.
    rows = dict(db.execute("SELECT id, verdict FROM submissions WHERE id = ANY(%s) AND status = 'completed'",
                           (sids,)).fetchall())
    assert rows == {sid: "AC" for sid in sids}, rows

    # Each redelivery the workers refused to judge again is in their counters, and nothing else is.
    counters = [stats(first), stats(second)]
    for proc, c in zip((first, second), counters):
        assert "duplicates" in c, c
        assert c["duplicates"] == not_judged_again(proc), (c, proc.name)
    assert sum(c["completed"] for c in counters) >= BURST, counters


def test_attempt_seen_again_after_its_final_is_counted_not_judged(workers, results, db, producer):
    task = make_task(db, [("1 2\n", "3\n", 1, False)])
    proc = workers.ensure("local", SOLVEIT_CONCURRENCY="2")
    sid = submit(db, producer, task, 71, SLOW_SUM_PY)
    assert results.wait_final(sid)["verdict"] == "AC"
    before = stats(proc)["duplicates"]

    # The same attempt again, as a sweeper re-send racing the module's late delivery would bring it.
    user_id = db.execute("SELECT user_id FROM submissions WHERE id = %s", (sid,)).fetchone()[0]
    message = {"submission_id": sid, "task_id": task, "user_id": user_id, "team_id": None, "code": SLOW_SUM_PY,
               "language_id": 71, "timestamp": "2025-11-28T12:00:00Z", "attempt": 1}
    after = time.time()
    producer.produce("code-submissions", key=str(sid), value=json.dumps(message))
    producer.flush(10)

    wait_for(lambda: fresh_stats(proc, after)["duplicates"] == before + 1, "the duplicate counted", 60)
    assert re.search(r"submission %d attempt 1 .*already judged; not again" % sid, proc.log.read_text())
    # Not judged again: a later submission is judged, and still only one final for the first.
    later = submit(db, producer, task, 71, SLOW_SUM_PY)
    assert results.wait_final(later)["verdict"] == "AC"
    assert len(results.finals(sid, attempt=1)) == 1, results.finals(sid)
