"""judge-worker under the cooperative assignor: partitions are added and removed incrementally (a
plain assign is refused there), so the worker judges as under the eager one (issue 10)."""

import pytest

from test_judge_worker import make_task, submit
from test_judge_worker import peer, producer, results, workers  # noqa: F401 (fixtures)
from harness import services  # noqa: F401

pytestmark = pytest.mark.usefixtures("built_programs")

SUM_PY = 'a, b = map(int, input().split())\nprint(a + b)\n'
COOPERATIVE = ("session.timeout.ms=6000 heartbeat.interval.ms=500 reconnect.backoff.max.ms=500 "
               "partition.assignment.strategy=cooperative-sticky")


def test_cooperative_assignor_judges(workers, results, db, producer):
    task = make_task(db, [("1 2\n", "3\n", 1, False)])
    proc = workers.ensure("local", SOLVEIT_KAFKA_OPTIONS=COOPERATIVE)
    sid = submit(db, producer, task, 71, SUM_PY)
    r = results.wait_final(sid)
    assert (r["status"], r["verdict"]) == ("completed", "AC")
    log = proc.log.read_text()
    assert "assigned (incrementally)" in log, log[-3000:]
    assert "cannot change the assignment" not in log
    # A clean stop revokes the partitions incrementally too.
    workers.stop()
    log = proc.log.read_text()
    assert "revoking (incrementally)" in log and "cannot change the assignment" not in log
    assert "judge-worker stopped" in log
