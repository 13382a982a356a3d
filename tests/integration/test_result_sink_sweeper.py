"""The sweeper inside result-sink: a submission Kafka never confirmed is sent, one stuck in
processing gets its next attempt, one out of attempts is failed with a message, and of several
sinks only one sweeps (DESIGN.md §1, invariant 1)."""

import uuid

import pytest

from polling import wait_for
from test_result_sink import decided, final, insert_submission, row, send
from test_result_sink import sinks  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("built_programs")

LOCK_KEY = 6005078787434565714
FAST = ["--sweep-interval", "0.3", "--resend-after", "5", "--stuck-after", "1", "--max-attempts", "3"]


def submission_messages(services, sub):
    return services.messages("code-submissions", sub.id)


def test_unsent_pending_submission_is_sent(services, db, sinks):
    old = insert_submission(db, sent=False, submitted_ago=60, code="print('sweeper %s')" % uuid.uuid4().hex)
    fresh = insert_submission(db, sent=False, submitted_ago=0)
    sink = sinks(FAST[:2] + ["--resend-after", "30"])

    wait_for(lambda: row(db, old)["kafka_sent_at"] is not None, "kafka_sent_at set by the sweeper", 60)
    messages = wait_for(lambda: submission_messages(services, old), "the message on code-submissions", 30)
    assert len(messages) == 1
    m = messages[0]
    r = row(db, old)
    assert (m["submission_id"], m["task_id"], m["user_id"], m["language_id"], m["attempt"]) == \
        (old.id, old.task_id, old.user_id, 71, 1)
    assert m["code"] == r["code"]
    assert m["timestamp"] == r["submitted_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert r["status"] == "pending"
    # The pass that sent the old one left the one submitted a moment ago to the module.
    assert row(db, fresh)["kafka_sent_at"] is None
    assert submission_messages(services, fresh) == []
    sink.wait_log(r"sweeper: sent \d+ unconfirmed submission")


def test_stuck_processing_gets_next_attempt(services, db, sinks):
    stuck = insert_submission(db, status="processing", attempt=1, submitted_ago=7200, started_ago=3600)
    # Started as long ago, but with 10000 tests of 1 s its budget is over five hours.
    busy = insert_submission(db, status="processing", attempt=1, submitted_ago=7200, started_ago=3600)
    db.execute("UPDATE submissions SET total_tests = 10000 WHERE id = %s", (busy.id,))
    sink = sinks(FAST)

    def resent():
        r = row(db, stuck)
        return r["attempt"] == 2 and r["kafka_sent_at"] is not None and r
    r = wait_for(resent, "attempt 2 sent", 60)
    assert r["status"] == "pending" and r["processing_started_at"] is None and r["tests_done"] == 0
    messages = wait_for(lambda: submission_messages(services, stuck), "the message on code-submissions", 30)
    assert [m["attempt"] for m in messages] == [2]
    sink.wait_log(r"sweeper: submission %d, attempt 2: queued again" % stuck.id)
    # Within its budget (twice the task's time limit for each test, plus 1 s): left alone.
    assert row(db, busy)["attempt"] == 1 and row(db, busy)["status"] == "processing"

    # The first attempt's worker finally answers: too late, attempt 2 owns the row.
    send(services, stuck, final(stuck, attempt=1, verdict="AC"))
    sink.wait_log(decided(stuck, 1, "completed", "ignored: event of an older attempt"))
    send(services, stuck, final(stuck, attempt=2, verdict="WA", score=0, passed=0))
    wait_for(lambda: row(db, stuck)["status"] == "completed", "attempt 2's result applied", 30)
    assert (row(db, stuck)["verdict"], row(db, stuck)["attempt"]) == ("WA", 2)


def test_last_attempt_stuck_is_failed_with_message(services, db, sinks):
    sub = insert_submission(db, status="processing", attempt=3, submitted_ago=7200, started_ago=3600)
    sink = sinks(FAST)
    wait_for(lambda: row(db, sub)["status"] == "failed", "status failed", 60)
    r = row(db, sub)
    assert "3 attempts" in r["error_message"] and "judge" in r["error_message"]
    assert r["attempt"] == 3 and r["verdict"] is None and r["score"] is None
    assert r["processing_completed_at"] is not None
    sink.wait_log(r"sweeper: submission %d, attempt 3: failed" % sub.id)
    assert submission_messages(services, sub) == []
    # Final: a late result of the last attempt does not bring it back.
    send(services, sub, final(sub, attempt=3, verdict="AC"))
    sink.wait_log(decided(sub, 3, "completed", "ignored: the submission is final already"))
    assert row(db, sub)["status"] == "failed"


def sweeper_lock_holders(conn):
    return conn.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND ((classid::bigint << 32) | objid::bigint) = %s", (LOCK_KEY,)).fetchone()[0]


def test_two_sinks_one_sweeper(services, db, sinks):
    a = sinks(FAST, name="sink-a-%s" % uuid.uuid4().hex[:6])
    b = sinks(FAST, name="sink-b-%s" % uuid.uuid4().hex[:6])
    role = r"sweeper: (active|standby)"
    a.wait_log(role)
    b.wait_log(role)
    active = [s for s in (a, b) if s.count(r"sweeper: active")]
    assert len(active) == 1, (a.text()[-2000:], b.text()[-2000:])
    active, standby = active[0], (b if active[0] is a else a)
    assert standby.count(r"sweeper: standby") == 1
    assert sweeper_lock_holders(db) == 1

    first = insert_submission(db, sent=False, submitted_ago=60)
    wait_for(lambda: row(db, first)["kafka_sent_at"] is not None, "the active sweeper sending", 60)
    assert len(submission_messages(services, first)) == 1
    assert standby.count(r"sweeper: active") == 0

    # The active one dies: the other takes over.
    mark = standby.mark()
    active.kill()
    standby.wait_log(r"sweeper: active", since=mark)
    second = insert_submission(db, sent=False, submitted_ago=60)
    wait_for(lambda: row(db, second)["kafka_sent_at"] is not None, "the new active sweeper sending", 60)
    assert len(submission_messages(services, second)) == 1
    assert sweeper_lock_holders(db) == 1
