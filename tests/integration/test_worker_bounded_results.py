"""A final result Kafka refuses as it is (here larger than the producer's message.max.bytes) becomes
a small failed result saying why, and the worker carries on: the offset is never stored past a lost
result (issue 10)."""

import pytest

from test_judge_worker import make_task, submit
from test_judge_worker import peer, producer, results, workers  # noqa: F401 (fixtures)
from harness import services  # noqa: F401

pytestmark = pytest.mark.usefixtures("built_programs")

SUM_PY = 'a, b = map(int, input().split())\nprint(a + b)\n'
# The worker's Kafka options: the test defaults plus a producer limit a sample-heavy result exceeds.
SMALL_MESSAGES = ("session.timeout.ms=6000 heartbeat.interval.ms=500 reconnect.backoff.max.ms=500 "
                  "message.max.bytes=3000")


def test_undeliverable_result_becomes_failed(workers, results, db, producer):
    big_sample = make_task(db, [("1 2\n" + "x" * 5000 + "\n", "3\n", 1, True)])
    small = make_task(db, [("1 2\n", "3\n", 1, False)])
    workers.ensure("local", SOLVEIT_KAFKA_OPTIONS=SMALL_MESSAGES)

    too_big = submit(db, producer, big_sample, 71, SUM_PY)
    fine = submit(db, producer, small, 71, SUM_PY)
    r = results.wait_final(too_big)
    assert r["status"] == "failed" and r["verdict"] is None
    assert "could not deliver this submission's result" in r["error_message"]
    assert "Message size too large" in r["error_message"]
    assert r["test_results"] == []
    # The next submission is judged as usual: nothing stalls behind the refused result.
    ok = results.wait_final(fine)
    assert (ok["status"], ok["verdict"]) == ("completed", "AC")
    log = workers.proc.log.read_text()
    assert "reported failed instead" in log
