"""Issue 14, finding 1: Kafka is not trusted. Each attack of the finding, run against the real
pipeline (httpd, judge-worker, result-sink on the embedded broker), is refused: results and
submissions count only when signed with the services' keyring (common/sv_kafka_mac.h), and the
worker judges only what matches the stored row. Every refusal is a dead letter with its reason.

The submissions here are stored rows whose message the test sends itself (signed, as the module
signs it) once the forged one was refused: so the forged message is always seen first, as an
attacker racing the judge would want it."""

import json
import os
import subprocess
import uuid

import pytest

from harness import REPO, SINK, WORKER, SignedProducer
from polling import wait_final, wait_for, wait_log
from services import KafkaMock, Process, run_user_ids, signed_headers
from test_judge_worker import PY
from test_module_helpers import task_by_slug

pytestmark = pytest.mark.usefixtures("built_programs")

WAIT = 300
ADMIN = REPO / "admin" / "solveit-admin"


# ---- helpers ----

def store_submission(db, code, language_id=71, slug="aplusb", attempt=1):
    """A pending submission of a fresh student, as the module stores it, marked sent so that no
    sweeper sends it meanwhile. Returns its module-format message (a dict)."""
    name = "kt%s" % uuid.uuid4().hex[:10]
    user_id = db.execute("INSERT INTO users (username, password_hash, team_id) SELECT %s, password_hash, team_id"
                         " FROM users WHERE username = 'student' RETURNING id", (name,)).fetchone()[0]
    task_id = task_by_slug(db, slug)
    sid = db.execute("INSERT INTO submissions (user_id, task_id, code, language_id, attempt, kafka_sent_at)"
                     " VALUES (%s, %s, %s, %s, %s, now()) RETURNING id",
                     (user_id, task_id, code, language_id, attempt)).fetchone()[0]
    return {"submission_id": sid, "task_id": task_id, "user_id": user_id, "team_id": None, "code": code,
            "language_id": language_id, "timestamp": "2026-12-02T08:00:00Z", "attempt": attempt}


def result_event(msg, verdict, score, status="completed", attempt=None):
    """A final result as a worker sends it, for msg's submission."""
    return {"submission_id": msg["submission_id"], "task_id": msg["task_id"], "status": status, "score": score,
            "passed_tests": 4 if score == 100 else 0, "total_tests": 4, "execution_time": 0.01, "memory_used": 1024,
            "test_results": [], "compiler_output": "", "error_message": "", "processed_at": "2026-12-02T08:00:01Z",
            "attempt": attempt or msg["attempt"], "verdict": verdict if status == "completed" else None, "v": 1}


def send(producer, topic, key, value, **kw):
    producer.produce(topic, key=str(key), value=value if isinstance(value, (bytes, str)) else json.dumps(value), **kw)
    assert producer.flush(30) == 0, "not delivered to %s" % topic


def dead_letters(services, topic, key):
    """The reasons (solveit-error headers) of topic's dead letters keyed by key, in order."""
    out = []
    for line in services.read_topic(topic, fmt="%k\t%h\n").splitlines():
        k, _, headers = line.partition("\t")
        if k == str(key):
            out.append(headers.split("solveit-error=", 1)[-1].split(",solveit-source=", 1)[0])
    return out


def wait_dead(services, topic, key, words, timeout=WAIT):
    """Waits for a dead letter of key on topic whose reason holds words; returns the reason."""
    return wait_for(lambda: next((r for r in dead_letters(services, topic, key) if words in r), None),
                    "a dead letter of %s on %s saying %r" % (key, topic, words), timeout)


def row(db, sid):
    return db.execute("SELECT status, verdict, attempt, error_message FROM submissions WHERE id = %s",
                      (sid,)).fetchone()


def results_of(services, sid):
    return [m for m in services.messages("code-results", sid, skip_invalid=True)
            if isinstance(m, dict) and m.get("submission_id") == sid]


def write_keys(path, lines, mode=0o640):
    """A keyring file as an operator makes it: root and the services' group only."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write("".join("%s %s\n" % kv for kv in lines))
    os.chown(str(path), 0, run_user_ids()[1])
    os.chmod(str(path), mode)
    return path


def stack_key(services):
    return next(line.split() for line in services.key_file.read_text().splitlines()
                if line.strip() and not line.startswith("#"))


# ---- the attacks of the finding ----

def test_forged_results_are_refused_and_the_real_results_applied(services, db, pipeline):
    """A forged AC for a wrong program and a forged WA for a correct one change nothing."""
    producer = services.producer()
    wrong = store_submission(db, PY["WA"])
    right = store_submission(db, PY["AC"])
    send(producer, "code-results", wrong["submission_id"], result_event(wrong, "AC", 100), sign=False)
    send(producer, "code-results", right["submission_id"], result_event(right, "WA", 0), sign=False)
    for msg in (wrong, right):
        wait_dead(services, "code-results-dead", msg["submission_id"],
                  "unauthenticated result message: no valid MAC")
        assert row(db, msg["submission_id"])[0] == "pending"
    for msg in (wrong, right):
        send(producer, "code-submissions", msg["submission_id"], msg)
    got = wait_final(db, [wrong["submission_id"], right["submission_id"]], WAIT)
    assert got == {wrong["submission_id"]: ("completed", "WA"), right["submission_id"]: ("completed", "AC")}


def test_forged_submission_with_another_attempt_code_and_language_is_not_judged(services, db, pipeline):
    producer = services.producer()
    msg = store_submission(db, PY["AC"])
    sid = msg["submission_id"]
    # Attempt 2, other code, a language the site never enabled: unsigned, then even signed.
    forged = dict(msg, attempt=2, code="print(0)\n", language_id=45)
    send(producer, "code-submissions", sid, forged, sign=False)
    wait_dead(services, "code-submissions-dead", sid, "unauthenticated submission message: no valid MAC")
    send(producer, "code-submissions", sid, forged)
    reason = wait_dead(services, "code-submissions-dead", sid, "does not match the stored submission %d" % sid)
    for words in ("language 45 (stored: 71)", "attempt 2 (stored: 1)", "code other than the stored code"):
        assert words in reason, reason
    assert row(db, sid)[:3] == ("pending", None, 1)
    # The stored code, as the module sends it, is judged as usual; nothing of attempt 2 ever was.
    send(producer, "code-submissions", sid, msg)
    assert wait_final(db, [sid], WAIT) == {sid: ("completed", "AC")}
    assert not [m for m in results_of(services, sid) if m.get("attempt") == 2]
    assert "not judged" in pipeline.worker.log.read_text()


def test_two_field_message_does_not_fail_the_victim(services, db, pipeline):
    producer = services.producer()
    victim = store_submission(db, PY["AC"])
    sid = victim["submission_id"]
    send(producer, "code-submissions", sid, {"submission_id": sid, "task_id": victim["task_id"]}, sign=False)
    wait_dead(services, "code-submissions-dead", sid, "unauthenticated submission message: no valid MAC")
    assert row(db, sid)[0] == "pending" and not results_of(services, sid)
    send(producer, "code-submissions", sid, victim)
    assert wait_final(db, [sid], WAIT) == {sid: ("completed", "AC")}
    assert row(db, sid)[3] == ""


def test_unknown_key_and_wrong_mac_are_dead_lettered_with_their_reason(services, db, pipeline):
    producer = services.producer()
    key_id, _ = stack_key(services)
    msg = store_submission(db, PY["AC"])
    sid = msg["submission_id"]
    unknown = [("solveit-key-id", b"nobody"), ("solveit-mac", b"0" * 64)]
    # The stack's key, but the MAC of another label: what verifies as a result is no submission.
    wrong_mac = signed_headers(services.key_file, "result", json.dumps(msg))
    send(producer, "code-submissions", sid, msg, sign=False, headers=unknown)
    send(producer, "code-submissions", sid, msg, sign=False, headers=wrong_mac)
    wait_dead(services, "code-submissions-dead", sid, "unauthenticated submission message: MAC under an unknown key id")
    wait_dead(services, "code-submissions-dead", sid, "unauthenticated submission message: MAC does not match")
    event = result_event(msg, "AC", 100)
    send(producer, "code-results", sid, event, sign=False, headers=unknown)
    send(producer, "code-results", sid, event, sign=False, headers=[
        ("solveit-key-id", key_id.encode()), ("solveit-mac", b"f" * 64)])
    wait_dead(services, "code-results-dead", sid, "unauthenticated result message: MAC under an unknown key id")
    wait_dead(services, "code-results-dead", sid, "unauthenticated result message: MAC does not match")
    assert row(db, sid)[0] == "pending"
    assert "unauthenticated result message" in pipeline.sink.log.read_text()


def test_key_rotation_two_live_keys_then_the_old_one_dropped(services, db, tmp_path):
    """On a broker of its own: a sink whose keyring holds the stack's key and a new one accepts a
    result the new key signed; once the keyring drops the new key, the sink refuses it."""
    old_id, old_secret = stack_key(services)
    new = ("k-new-%s" % uuid.uuid4().hex[:6], os.urandom(32).hex())
    both = write_keys(tmp_path / "both.keys", [(old_id, old_secret), new])
    only_old = write_keys(tmp_path / "old.keys", [(old_id, old_secret)])
    signer = write_keys(tmp_path / "signer.keys", [new, (old_id, old_secret)])  # the new key signs
    kafka = KafkaMock(tmp_path / "kafka").start()
    try:
        producer = SignedProducer(signer, {"bootstrap.servers": kafka.bootstrap})
        env = dict(services.daemon_env(), SOLVEIT_KAFKA_BROKERS=kafka.bootstrap, SOLVEIT_KEY_FILE=str(both))
        sink = Process("result-sink", [SINK, "--foreground", "--verbose", "--no-sweeper"], tmp_path / "sink1.log",
                       env=env).start()
        first = store_submission(db, PY["AC"])
        try:
            send(producer, "code-results", first["submission_id"], result_event(first, "AC", 100))
            assert wait_final(db, [first["submission_id"]], 120) == {first["submission_id"]: ("completed", "AC")}
        finally:
            sink.stop()
        sink = Process("result-sink", [SINK, "--foreground", "--verbose", "--no-sweeper"], tmp_path / "sink2.log",
                       env=dict(env, SOLVEIT_KEY_FILE=str(only_old))).start()
        second = store_submission(db, PY["AC"])
        try:
            send(producer, "code-results", second["submission_id"], result_event(second, "AC", 100))
            wait_log((tmp_path / "sink2.log").read_text,
                     r"rejected event: unauthenticated result message: MAC under an unknown key id", timeout=120,
                     alive=sink.alive, name="the sink without the new key")
            assert row(db, second["submission_id"])[0] == "pending"
            # The old key still signs what the sink accepts.
            old_signer = SignedProducer(only_old, {"bootstrap.servers": kafka.bootstrap})
            send(old_signer, "code-results", second["submission_id"], result_event(second, "WA", 0))
            assert wait_final(db, [second["submission_id"]], 120) == {second["submission_id"]: ("completed", "WA")}
        finally:
            sink.stop()
    finally:
        kafka.stop()


# ---- the key file is required, and its errors are sentences ----

def test_daemons_refuse_to_start_without_a_usable_key_file(services, tmp_path):
    open_to_all = write_keys(tmp_path / "open.keys", [("k1", os.urandom(32).hex())], mode=0o644)
    for program in (WORKER, SINK):
        env = dict(services.daemon_env(), SOLVEIT_KEY_FILE=str(tmp_path / "missing.keys"))
        r = subprocess.run([str(program), "--foreground"], env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, (program, r.stderr)
        assert "cannot use the key file given by --key-file or SOLVEIT_KEY_FILE: %s: No such file" % (
            tmp_path / "missing.keys") in r.stderr, r.stderr
        r = subprocess.run([str(program), "--foreground", "--key-file", str(open_to_all)], env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and "others may access it (mode 0644)" in r.stderr, r.stderr
        r = subprocess.run([str(program), "--help"], capture_output=True, text=True, timeout=60)
        assert "--key-file" in r.stdout and "SOLVEIT_KEY_FILE" in r.stdout and "/etc/solveit/solveit.keys" in r.stdout


def test_httpd_refuses_to_start_without_solveit_key_file(httpd_factory):
    # Without Redis, so that the cache's own refusal (test_redis_trust) does not come first.
    started, text = httpd_factory.try_start(replace={"SolveitKeyFile": None, "SolveitRedis": "none"})
    assert not started
    assert "SolveitKeyFile: not set; mod_solveit signs every Kafka message" in text, text


def test_solveit_admin_rejudge_needs_the_key_file(services, db, tmp_path):
    msg = store_submission(db, PY["AC"])
    r = subprocess.run([str(ADMIN), "rejudge", str(msg["submission_id"])], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, SOLVEIT_DB=services.pg.dsn,
                                             SOLVEIT_KAFKA_BROKERS=services.kafka.bootstrap,
                                             SOLVEIT_KEY_FILE=str(tmp_path / "none.keys")))
    # Refused before anything changes: nothing unsigned is sent and the attempt is not bumped.
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "cannot use the key file given by --key-file or SOLVEIT_KEY_FILE: %s: No such file" % (
        tmp_path / "none.keys") in out, out
    assert not dead_letters(services, "code-submissions-dead", msg["submission_id"])
    assert row(db, msg["submission_id"])[2] == 1
