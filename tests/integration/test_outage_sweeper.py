"""result-sink's sweeper during a long Judge0 outage (issue 15, left open): a submission Kafka confirmed
but nobody judged (the judge-worker paused its consumption while Judge0 is down) is sent again by the
sweeper once its kafka_sent_at is older than --requeue-pending-after, as the same attempt, perhaps
several times over; once Judge0 is back it is judged exactly once: one final result on code-results,
applied once, with the attempt the row has. Judge0 is the test peer in its "down" mode; the rest are
the real services.

Run: SOLVEIT_MPMS=event /usr/bin/python3 -m pytest -p no:cacheprovider tests/integration/test_outage_sweeper.py
"""

import re

import pytest

from polling import wait_for, wait_log
from test_judge0_outages import begin_outage, fresh_peer, peer, workers  # noqa: F401 (fixtures)
from test_judge_worker import PY, producer, results, stats, submit  # noqa: F401 (fixtures)
from test_result_sink import row, sinks  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("built_programs")

# Sent again 3 s after Kafka confirmed it; an unconfirmed one after 1 s. Nothing here is processing long
# enough to be stuck.
SWEEP = ["--sweep-interval", "0.3", "--resend-after", "1", "--requeue-pending-after", "3"]
RESENT = "still pending long after Kafka confirmed it: sending it again"


class Sub:
    def __init__(self, sid):
        self.id = sid


def test_resent_during_outage_is_judged_once(services, db, sinks, workers, fresh_peer, results, producer):
    # Threads to spare and no bound per user (which alone would keep the copies apart): the copies are
    # taken while the original runs, and must wait for it.
    proc, task, since, first = begin_outage(workers, db, fresh_peer, producer, SOLVEIT_CONCURRENCY="4",
                                            SOLVEIT_PER_USER="0")
    try:
        sid = submit(db, producer, task, 71, PY["AC"])
        # As mod_solveit does once Kafka confirms the message.
        db.execute("UPDATE submissions SET kafka_sent_at = now() WHERE id = %s", (sid,))
        sink = sinks(SWEEP)
        sink.wait_log(r"sweeper: submission %d, attempt 1: %s" % (sid, re.escape(RESENT)), timeout=60)
        copies = wait_for(lambda: services.messages("code-submissions", sid), "the sweeper's copy on code-submissions",
                          60, until=lambda m: len(m) >= 2)
        assert {m["attempt"] for m in copies} == {1}, copies
        # Nothing judged, nothing failed meanwhile: the row waits pending.
        assert results.events(sid) == [], results.events(sid)
        assert row(db, Sub(sid))["status"] == "pending"
        assert stats(proc)["consumption_paused"] == 1
    finally:
        fresh_peer.control("mode", {"mode": "normal"})

    r = results.wait_final(sid)
    assert (r["status"], r["verdict"], r["score"], r["attempt"]) == ("completed", "AC", 100, 1), r
    results.wait_final(first)
    stored = wait_for(lambda: (lambda x: x if x["status"] == "completed" else None)(row(db, Sub(sid))),
                      "the row completed", 60)
    assert (stored["attempt"], stored["verdict"], stored["score"]) == (1, "AC", 100), stored
    # Every copy sent so far reached the worker and was recognised as judged, not judged again.
    sent = len(services.messages("code-submissions", sid))
    wait_log(proc.log.read_text, r"submission %d attempt 1 at partition \d+ offset \d+: (already judged; not again|"
             r"final result already stored; not judged again)" % sid, count=sent - 1, since=since, alive=proc.alive)
    assert len(results.finals(sid)) == 1, results.events(sid)
    assert [e["attempt"] for e in results.events(sid)] == [1] * len(results.events(sid)), results.events(sid)
    sink.wait_log(r"submission %d attempt 1 completed \(final\): applied" % sid)
    assert sink.count(r"submission %d attempt 1 completed \(final\): applied" % sid) == 1
    log = proc.log.read_text()[since:]
    assert len(re.findall(r"consumption paused: ", log)) == 1, log[-3000:]
    assert len(re.findall(r"consumption resumed after \d+ s: ", log)) == 1, log[-3000:]
    assert stats(proc)["failed"] == 0
