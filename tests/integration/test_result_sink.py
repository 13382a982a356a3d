"""result-sink against the real services: events applied idempotently and monotonically keyed by
(submission_id, attempt), malformed events dead-lettered, PostgreSQL outages waited out, offsets
stored only after the row is committed (DESIGN.md §1, invariants 1-3 and 5).

Each test inserts its own submissions and starts its own result-sink(s) in a fresh consumer group
(so no group rebalance delay from an earlier test), reading code-results from the beginning."""

import json
import re
import subprocess
import time
import uuid
from datetime import datetime, timezone

import psycopg
import pytest

from harness import SINK
from polling import wait_for, wait_log
from services import Process

pytestmark = pytest.mark.usefixtures("built_programs")


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Sink:
    """One result-sink process with its own log file."""

    def __init__(self, services, name, group, args=(), env=None):
        self.services = services
        self.log = services.tmp / ("%s.log" % name)
        cmd = [SINK, "--foreground", "--verbose", "--group", group,
               # The mock broker makes a rejoining member wait session.timeout.ms - 1000.
               "--kafka-option", "session.timeout.ms=6000", "--kafka-option", "heartbeat.interval.ms=500"]
        full_env = {"SOLVEIT_KAFKA_BROKERS": services.kafka.bootstrap, "SOLVEIT_DB": services.pg.dsn,
                    "SOLVEIT_KEY_FILE": str(services.key_file)}
        full_env.update(env or {})
        self.proc = Process(name, cmd + list(args), self.log, env=full_env)

    def start(self):
        self.proc.start()
        return self

    def text(self):
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def mark(self):
        """A position in the log: wait_log(..., since=mark) sees only what came after."""
        return len(self.text())

    def count(self, pattern, since=0):
        return len(re.findall(pattern, self.text()[since:]))

    def wait_log(self, pattern, timeout=60, count=1, since=0):
        return wait_log(self.text, pattern, count, since, timeout, alive=self.proc.alive, name=self.proc.name)

    def alive(self):
        return self.proc.alive()

    def stop(self):
        self.proc.stop()

    def kill(self):
        self.proc.kill()


@pytest.fixture
def sinks(services):
    """Starts result-sinks: sinks(args=..., group=...); stops them all after the test."""
    started = []
    default_group = "sink-test-%s" % uuid.uuid4().hex[:8]

    def start(args=(), group=None, name=None, env=None):
        sink = Sink(services, name or "result-sink-%s" % uuid.uuid4().hex[:8], group or default_group, args, env)
        started.append(sink)
        return sink.start()

    start.group = default_group
    yield start
    for sink in started:
        sink.stop()


class Submission:
    def __init__(self, row):
        self.id, self.task_id, self.user_id = row

    @property
    def key(self):
        return str(self.id)


def connect(services):
    return psycopg.connect(services.pg.dsn, autocommit=True)


def insert_submission(conn, status="pending", attempt=1, sent=True, submitted_ago=0, started_ago=None,
                      code="print(sum(map(int, input().split())))", task="aplusb"):
    """A submission of the demo student; sent=True marks it confirmed by Kafka so no sweeper touches it."""
    row = conn.execute(
        "INSERT INTO submissions (user_id, task_id, code, language_id, status, attempt, submitted_at,"
        " kafka_sent_at, processing_started_at)"
        " SELECT u.id, t.id, %s, 71, %s, %s, now() - make_interval(secs => %s),"
        " CASE WHEN %s THEN now() - make_interval(secs => %s) END,"
        " CASE WHEN %s::double precision IS NOT NULL THEN now() - make_interval(secs => %s) END"
        " FROM users u, tasks t WHERE u.username = 'student' AND t.slug = %s"
        " RETURNING id, task_id, user_id",
        (code, status, attempt, submitted_ago, sent, submitted_ago, started_ago, started_ago or 0, task)).fetchone()
    assert row, "demo data missing (student, task %s)" % task
    return Submission(row)


def row(conn, sub):
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    return cur.execute("SELECT * FROM submissions WHERE id = %s", (sub.id,)).fetchone()


def processing(sub, done, total=3, attempt=1):
    return {"submission_id": sub.id, "task_id": sub.task_id, "status": "processing", "tests_done": done,
            "total_tests": total, "attempt": attempt, "processed_at": now_iso(), "v": 1}


def one_test(test_id, order, verdict="AC", time_s=0.01, memory=1024, sample=False):
    return {"test_id": test_id, "order": order, "verdict": verdict, "time": time_s, "memory": memory,
            "is_sample": sample}


def final(sub, attempt=1, status="completed", verdict="AC", score=100, passed=3, total=3, tests=None,
          compiler_output="", error_message="", execution_time=0.234, memory_used=2048):
    if tests is None:
        tests = [one_test(i + 1, i + 1, "AC" if i < passed else "WA") for i in range(total)]
    return {"submission_id": sub.id, "task_id": sub.task_id, "status": status, "score": score,
            "passed_tests": passed, "total_tests": total, "execution_time": execution_time,
            "memory_used": memory_used, "test_results": tests, "compiler_output": compiler_output,
            "error_message": error_message, "processed_at": now_iso(), "attempt": attempt,
            "verdict": verdict if status == "completed" else None, "v": 1}


def produce(services, events, topic="code-results"):
    """events: (key, value) pairs; a dict value is sent as JSON, bytes as they are, None as a tombstone."""
    producer = services.producer(**{"enable.idempotence": True})
    for key, value in events:
        if isinstance(value, dict):
            value = json.dumps(value).encode()
        producer.produce(topic, key=key, value=value)
    assert producer.flush(30) == 0, "events not delivered to %s" % topic


def send(services, sub, *events):
    produce(services, [(sub.key, e) for e in events])


def decided(sub, attempt, status, outcome):
    """The sink's verbose log line for an event of sub: outcome 'applied' or 'ignored'."""
    kind = "progress" if status == "processing" else "final"
    return r"submission %d attempt %d %s \(%s\): %s" % (sub.id, attempt, status, kind, outcome)


def read_topic(services, topic, fmt="%k\t%h\t%s\n"):
    return services.read_topic(topic, fmt)


# ---- applying events ----


def test_processing_progress_and_final_are_applied(services, db, sinks):
    sub = insert_submission(db)
    sink = sinks(["--no-sweeper"])

    send(services, sub, processing(sub, 0, total=3))
    wait_for(lambda: row(db, sub)["status"] == "processing", "status processing", 60)
    r = row(db, sub)
    assert r["processing_started_at"] is not None
    assert r["tests_done"] == 0 and r["total_tests"] == 3
    assert r["processing_completed_at"] is None

    send(services, sub, processing(sub, 2, total=3))
    wait_for(lambda: row(db, sub)["tests_done"] == 2, "tests_done 2", 30)
    assert row(db, sub)["processing_started_at"] == r["processing_started_at"], "start time must not move"

    tests = [one_test(1, 1, "AC", 0.1, 900, sample=True), one_test(2, 2, "WA", 0.234, 2048),
             one_test(3, 3, "AC", 0.05, 1000)]
    tests[0].update({"input": "1 2\n", "expected": "3\n", "actual": "3\n"})
    event = final(sub, verdict="PA", score=67, passed=2, total=3, tests=tests, compiler_output="warning: x",
                  execution_time=0.234, memory_used=2048)
    send(services, sub, event)
    wait_for(lambda: row(db, sub)["status"] == "completed", "status completed", 30)
    r = row(db, sub)
    assert r["verdict"] == "PA" and r["score"] == 67
    assert r["passed_tests"] == 2 and r["total_tests"] == 3 and r["tests_done"] == 3
    assert r["execution_time"] == pytest.approx(0.234) and r["memory_used"] == 2048
    assert r["test_results"] == tests
    assert r["compiler_output"] == "warning: x" and r["error_message"] == ""
    assert r["attempt"] == 1
    assert r["processing_completed_at"] is not None
    assert r["processing_started_at"] <= r["processing_completed_at"]
    assert sink.alive()


def test_failed_final_has_no_verdict_or_score(services, db, sinks):
    sub = insert_submission(db)
    sinks(["--no-sweeper"])
    send(services, sub, final(sub, status="failed", score=0, passed=0, total=0, tests=[],
                              error_message="language 99 is not available"))
    wait_for(lambda: row(db, sub)["status"] == "failed", "status failed", 60)
    r = row(db, sub)
    assert r["verdict"] is None and r["score"] is None
    assert r["error_message"] == "language 99 is not available"
    # A final that came without any processing event still gets both times.
    assert r["processing_started_at"] is not None and r["processing_completed_at"] is not None


def test_event_time_is_kept_when_applied_late(services, db, sinks):
    """An event applied long after it happened (the sink was down) records when it happened; an
    event from a worker whose clock runs ahead is not recorded in the future."""
    late, ahead = insert_submission(db), insert_submission(db)
    sinks(["--no-sweeper"])
    send(services, late, dict(processing(late, 0), processed_at="2020-01-02T03:04:05Z"),
         dict(final(late), processed_at="2020-01-02T03:05:06Z"))
    send(services, ahead, dict(final(ahead), processed_at="2999-01-01T00:00:00Z"))
    wait_for(lambda: row(db, late)["status"] == "completed" and row(db, ahead)["status"] == "completed",
             "both applied", 60)
    r = row(db, late)
    assert r["processing_started_at"] == datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert r["processing_completed_at"] == datetime(2020, 1, 2, 3, 5, 6, tzinfo=timezone.utc)
    now = db.execute("SELECT now()").fetchone()[0]
    assert row(db, ahead)["processing_completed_at"] <= now


def test_duplicate_and_late_events_change_nothing(services, db, sinks):
    sink = sinks(["--no-sweeper"])

    # A final result, then a late progress event and a different "final" of the same attempt.
    done = insert_submission(db)
    send(services, done, processing(done, 0), final(done, verdict="AC", score=100))
    sink.wait_log(decided(done, 1, "completed", "applied"))
    before = row(db, done)
    send(services, done, processing(done, 1), final(done, verdict="WA", score=0, passed=0),
         final(done, verdict="AC", score=100), final(done, attempt=2, verdict="WA", score=0, passed=0),
         processing(done, 0, attempt=2))
    sink.wait_log(decided(done, 1, "processing", "ignored: the submission is final already"))
    sink.wait_log(decided(done, 1, "completed", "ignored: the submission is final already"), count=2)
    sink.wait_log(decided(done, 2, "completed", "ignored"))
    sink.wait_log(decided(done, 2, "processing", "ignored"))
    assert row(db, done) == before

    # The sweeper gave the submission a second attempt: attempt 1's events no longer count.
    retried = insert_submission(db, status="pending", attempt=2)
    send(services, retried, processing(retried, 0, attempt=2), processing(retried, 2, attempt=2),
         final(retried, attempt=1, verdict="AC"), processing(retried, 3, attempt=1),
         processing(retried, 1, attempt=2), processing(retried, 2, attempt=2))
    sink.wait_log(decided(retried, 1, "completed", "ignored: event of an older attempt"))
    sink.wait_log(decided(retried, 1, "processing", "ignored: event of an older attempt"))
    sink.wait_log(decided(retried, 2, "processing", "ignored: not newer"), count=2)
    r = row(db, retried)
    assert (r["status"], r["attempt"], r["tests_done"], r["verdict"]) == ("processing", 2, 2, None)

    # The newer attempt's final applies, and stays.
    send(services, retried, final(retried, attempt=2, verdict="WA", score=33, passed=1),
         processing(retried, 3, attempt=2))
    sink.wait_log(decided(retried, 2, "processing", "ignored: the submission is final already"))
    r = row(db, retried)
    assert (r["status"], r["attempt"], r["verdict"], r["score"]) == ("completed", 2, "WA", 33)


# ---- malformed events ----


def test_malformed_events_go_to_dead_letter_and_sink_keeps_going(services, db, sinks):
    sink = sinks(["--no-sweeper"])
    real = insert_submission(db)
    victim = insert_submission(db)  # the target of the events that parse but cannot apply
    tag = uuid.uuid4().hex[:8]
    good_json = final(real)
    bad_utf8 = json.dumps(dict(final(victim), compiler_output="@@")).encode().replace(b"@@", b"\xff\xfe")
    malformed = {
        "not-json": b"this is {not json",
        "empty": None,
        "array": b"[1, 2, 3]",
        "no-id": json.dumps({k: v for k, v in good_json.items() if k != "submission_id"}).encode(),
        "bad-status": dict(good_json, status="judged"),
        "bad-score": dict(good_json, score=250),
        "bad-verdict": dict(good_json, verdict="OK"),
        "unknown-submission": dict(good_json, submission_id=987654321987),
        "wrong-task": dict(final(victim), task_id=victim.task_id + 100000),
        "bad-utf8": bad_utf8,
    }
    produce(services, [("%s-%s" % (tag, name), value) for name, value in malformed.items()])
    send(services, real, final(real, verdict="AC"))
    wait_for(lambda: row(db, real)["status"] == "completed", "the good event applied", 60)

    def dead_letters():
        found = {}
        for line in read_topic(services, "code-results-dead").splitlines():
            key, _, rest = line.partition("\t")
            if key.startswith(tag + "-"):
                found[key[len(tag) + 1:]] = rest
        return found if len(found) == len(malformed) else None

    found = wait_for(dead_letters, "every malformed event in code-results-dead", 60)
    assert set(found) == set(malformed)
    for name, rest in found.items():
        headers, _, payload = rest.partition("\t")
        assert "solveit-error=" in headers and "solveit-source=code-results[" in headers, (name, headers)
    assert "not a JSON object" in found["not-json"]
    assert "empty message" in found["empty"]
    assert "submission_id" in found["no-id"]
    assert "status" in found["bad-status"]
    assert "score" in found["bad-score"]
    assert "987654321987" in found["unknown-submission"]
    assert "task" in found["wrong-task"]
    assert "UTF8" in found["bad-utf8"] or "UTF-8" in found["bad-utf8"], found["bad-utf8"]
    # The payload is kept unchanged for whoever looks into it.
    assert found["not-json"].endswith("\tthis is {not json")
    # Each one was logged, with its reason.
    assert sink.count(r"rejected event(?: for submission \d+)?: .*; sent to code-results-dead") >= len(malformed)
    assert row(db, real)["compiler_output"] == ""
    assert row(db, victim)["status"] == "pending"

    # Still consuming after all of them.
    assert sink.alive()
    send(services, victim, final(victim, verdict="WA", score=0, passed=0))
    wait_for(lambda: row(db, victim)["status"] == "completed", "an event after the bad ones applied", 60)


# ---- PostgreSQL outage ----


def test_postgres_restart_skips_no_event(services, sinks):
    with connect(services) as conn:
        subs = [insert_submission(conn) for _ in range(20)]
    sink = sinks(["--no-sweeper"])
    send(services, subs[0], processing(subs[0], 0))
    sink.wait_log(decided(subs[0], 1, "processing", "applied"))

    services.pg.stop()
    try:
        for i, sub in enumerate(subs):
            send(services, sub, processing(sub, 1), final(sub, verdict="AC" if i % 2 else "WA", score=100 * (i % 2)))
        sink.wait_log(r"PostgreSQL unavailable, retrying")
        sink.wait_log(r"PostgreSQL still unavailable", count=3)  # it keeps trying, and nothing moves on
    finally:
        services.pg.start()
    with connect(services) as conn:
        def all_final():
            rows = conn.execute("SELECT count(*) FROM submissions WHERE id = ANY(%s) AND status = 'completed'",
                                ([s.id for s in subs],)).fetchone()
            return rows[0] == len(subs)
        wait_for(all_final, "every submission completed after the restart", 90)
        for i, sub in enumerate(subs):
            r = row(conn, sub)
            assert (r["verdict"], r["score"]) == (("AC", 100) if i % 2 else ("WA", 0)), r
    assert sink.alive()
    assert sink.count("connected to PostgreSQL again") >= 1


# ---- offsets ----


def sink_waiting_on_lock(conn):
    return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'result-sink'"
                        " AND wait_event_type = 'Lock'").fetchone()[0] > 0


def test_kill_before_commit_redelivers_the_event(services, db, sinks):
    """The sink is killed while its UPDATE waits on a row lock the test holds. Its offsets are
    committed every 100 ms: had it stored the offset before its transaction committed, the restarted
    sink would never see the event again and the row would stay pending."""
    sub = insert_submission(db)
    args = ["--no-sweeper", "--kafka-option", "auto.commit.interval.ms=100"]
    first = sinks(args)
    with connect(services) as locker:
        locker.autocommit = False
        locker.execute("SELECT 1 FROM submissions WHERE id = %s FOR UPDATE", (sub.id,))
        send(services, sub, final(sub, verdict="AC"))
        wait_for(lambda: sink_waiting_on_lock(db), "the sink waiting for the row lock", 60)
        time.sleep(0.5)  # several auto-commit intervals: a wrongly stored offset would be committed now
        first.kill()
        locker.rollback()
    assert row(db, sub)["status"] == "pending"

    second = sinks(args, group=sinks.group)
    wait_for(lambda: row(db, sub)["status"] == "completed", "the event applied after the restart", 90)
    second.wait_log(decided(sub, 1, "completed", "applied"))


def test_restart_after_kill_reapplies_idempotently(services, db, sinks):
    """Killed after applying but before its offsets were committed, the sink gets the same events
    again on restart: they are recognised as already applied and change nothing."""
    sub = insert_submission(db)
    args = ["--no-sweeper", "--kafka-option", "auto.commit.interval.ms=600000"]
    first = sinks(args)
    send(services, sub, processing(sub, 0), processing(sub, 3), final(sub, verdict="AC"))
    first.wait_log(decided(sub, 1, "completed", "applied"))
    before = row(db, sub)
    first.kill()

    second = sinks(args, group=sinks.group)
    second.wait_log(decided(sub, 1, "completed", "ignored: the submission is final already"), timeout=90)
    assert second.count(decided(sub, 1, "processing", "ignored: the submission is final already")) == 2
    assert row(db, sub) == before


def test_sigterm_stops_cleanly(services, sinks):
    sink = sinks(["--no-sweeper"])
    sink.wait_log(r"consuming code-results as group")
    sink.proc.stop()
    assert sink.proc.proc.returncode == 0, sink.text()[-2000:]
    assert "stopping" in sink.text()


def test_bad_configuration_exits_1_with_message(services):
    r = subprocess.run([str(SINK), "--max-attempts", "none"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "--max-attempts" in r.stderr
    r = subprocess.run([str(SINK), "--foreground", "--kafka-option", "no.such.property=1"],
                       capture_output=True, text=True, timeout=30,
                       env={"SOLVEIT_KAFKA_BROKERS": services.kafka.bootstrap, "PATH": "/usr/bin:/bin",
                            "SOLVEIT_KEY_FILE": str(services.key_file)})
    assert r.returncode == 1
    assert "no.such.property" in r.stderr
    r = subprocess.run([str(SINK), "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "SOLVEIT_KAFKA_BROKERS" in r.stdout and "--kafka-option" in r.stdout
