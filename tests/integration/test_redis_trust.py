"""Issue 14, finding 2: Redis is not trusted. Each attack of the audit, against the running stack:
Redis answers no one without its password and only on a 0770 socket; what it holds reveals no hidden
test; a forged task entry (unsigned, or signed with another key) neither makes print(0) AC on A+B
(it gets the real tests' verdict) nor lifts a 64 MB task's memory limit, and a signed one with limits outside the schema's bounds is
refused too; a forged leaderboard value without TTL is not served; a service given the wrong
password says so and serves from PostgreSQL."""

import grp
import hashlib
import hmac
import json
import os
import re
import socket
import stat
import uuid

import pytest
import redis

import services as svc
from harness import WORKER
from polling import wait_final, wait_for, wait_log
from services import Process
from test_module_helpers import login
from test_worker_test_data import make_task

pytestmark = pytest.mark.usefixtures("built_programs")

WAIT = 300
# Allocates and touches 512 MB, then prints ok: AC only if the 64 MB limit were lifted.
# (volatile: the compiler may not drop the writes.)
BIG = ('#include <stdio.h>\n#include <stdlib.h>\n'
       'int main(void){size_t n=(size_t)512<<20;volatile char*p=malloc(n);if(!p)return 3;'
       'for(size_t i=0;i<n;i+=4096)p[i]=1;printf("ok %d\\n",p[n-4096]);return 0;}\n')


def sha(data):
    return hashlib.sha256(data).hexdigest()


def task_key(db, task_id):
    revision = db.execute("SELECT revision FROM tasks WHERE id = %s", (task_id,)).fetchone()[0]
    return "solveit:task:v3:%d:r%d" % (task_id, revision)


def judge(pipeline, db, task_id, code, language_id=71):
    r = pipeline.client(db, "trust").submit(task_id=task_id, language_id=language_id, code=code)
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    wait_final(db, [sid], WAIT)
    return db.execute("SELECT status, verdict, error_message FROM submissions WHERE id = %s", (sid,)).fetchone()


def cached_body(services, key):
    """The JSON the worker cached under key (waiting for it), after checking its signature."""
    r = services.redis.client()
    value = wait_for(lambda: r.get(key), "the worker's entry %s" % key)
    body = value.split(b"\n", 1)[1]
    assert value == services.redis.signed(key, body), value[:200]
    return json.loads(body)


def forged_with_own_key(key, text):
    """text signed as the services sign, but with a secret of the attacker's under the key id of
    the stack's keyring (the id is no secret)."""
    mac = hmac.new(os.urandom(32), b"solveit-mac-v1\0redis\0" + key.encode() + b"\0" + text, hashlib.sha256)
    return b"sv1 %s %s\n" % (stack_key_id().encode(), mac.hexdigest().encode()) + text


def forgeries(key, body):
    """What an attacker who can write to Redis stores: the body unsigned (the format before this
    issue), and signed with a secret of their own."""
    text = json.dumps(body, separators=(",", ":")).encode()
    yield "unsigned", text
    yield "signed by another key", forged_with_own_key(key, text)


STACK_KEY_ID = []


def stack_key_id():
    return STACK_KEY_ID[0]


@pytest.fixture(autouse=True)
def _stack_key_id(services):
    if not STACK_KEY_ID:
        keys = svc.key_file(services.pg.dir.parent).read_text().splitlines()
        STACK_KEY_ID.append(next(line.split()[0] for line in keys if line.strip() and not line.startswith("#")))


# ---- Redis itself ----

def test_redis_refuses_clients_without_the_password(services):
    # The protocol as it is: a command without AUTH first gets NOAUTH, a wrong password WRONGPASS.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(services.redis.address)
        s.sendall(b"GET solveit:anything\r\nKEYS *\r\nAUTH not-the-password\r\n")
        replies = b""
        while replies.count(b"\r\n") < 3:
            replies += s.recv(4096)
    assert replies.split(b"\r\n")[:3] == [b"-NOAUTH Authentication required.", b"-NOAUTH Authentication required.",
                                          b"-WRONGPASS invalid username-password pair or user is disabled."]
    with pytest.raises(redis.exceptions.RedisError):
        services.redis.client(password=False).get("solveit:anything")
    r = services.redis.client()
    assert r.ping()
    # A Unix socket only, 0770, of root and the services' group; no TCP port at all.
    assert r.config_get("port") == {"port": "0"}
    st = os.stat(services.redis.address)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o770
    group = grp.getgrgid(svc.run_user_ids()[1]).gr_name
    assert (st.st_uid, grp.getgrgid(st.st_gid).gr_name) == (0, group)
    pw = os.stat(services.redis.password_file)
    assert stat.S_IMODE(pw.st_mode) == 0o640 and grp.getgrgid(pw.st_gid).gr_name == group


# ---- what Redis holds ----

def test_redis_reveals_no_hidden_test(services, db, pipeline):
    marker = uuid.uuid4().hex
    hidden_in, hidden_ans = ("%s 41\n" % marker).encode(), ("%s 42\n" % marker).encode()
    validator = "/* judges-only-%s */\nint main(void) { return 42; }\n" % marker
    task_id = make_task(db, [b"1 2\n", hidden_in], answers=[b"3\n", hidden_ans], checker="custom",
                        validator_language_id=50, validator_source=validator)
    db.execute('UPDATE tests SET is_sample = ("order" = 1) WHERE task_id = %s', (task_id,))
    aplusb = db.execute("SELECT id FROM tasks WHERE slug = 'aplusb'").fetchone()[0]
    # Judged twice each: the second time from the cache (its validator source read from PostgreSQL).
    for _ in range(2):
        assert judge(pipeline, db, task_id, "print(1)")[:2] == ("completed", "AC")
        assert judge(pipeline, db, aplusb, "a, b = map(int, input().split())\nprint(a + b)")[:2] == \
            ("completed", "AC")
    cached_body(services, task_key(db, task_id))
    cached_body(services, task_key(db, aplusb))
    secrets = [hidden_in, hidden_ans, marker.encode(), b"judges-only"]
    for row in db.execute("SELECT bi.content, ba.content FROM tests t JOIN blobs bi ON bi.sha256 = t.input_sha256 "
                          "JOIN blobs ba ON ba.sha256 = t.answer_sha256 WHERE t.task_id = %s AND NOT t.is_sample",
                          (aplusb,)):
        secrets += [bytes(row[0]), bytes(row[1])]
    # What anyone with the password sees: KEYS * and GET of every string.
    r = services.redis.client()
    values = {k: r.get(k) for k in r.keys("*") if r.type(k) == b"string"}
    assert any(k.startswith(b"solveit:task:") for k in values)
    for key, value in values.items():
        body = value.split(b"\n", 1)[1] if value.startswith(b"sv1 ") else value
        for secret in secrets:
            escaped = json.dumps(secret.decode())[1:-1].encode()
            assert secret not in body and escaped not in body, (key, secret, value[:300])


# ---- forged task entries ----

def test_a_forged_task_entry_does_not_make_print0_ac_on_aplusb(services, db, pipeline):
    aplusb = db.execute("SELECT id FROM tasks WHERE slug = 'aplusb'").fetchone()[0]
    # The real tests: print(0) passes only the one whose sum is 0.
    honest = judge(pipeline, db, aplusb, "print(0)")[:2]
    assert honest[0] == "completed" and honest[1] in ("WA", "PA")
    key = task_key(db, aplusb)
    real = cached_body(services, key)
    zero = db.execute("SELECT solveit_put_blob(%s)", (b"0\n",)).fetchone()[0]  # a blob "0" exists somewhere
    forged = dict(real, tests=[dict(t, answer=zero) for t in real["tests"]])
    r = services.redis.client()
    for what, value in forgeries(key, forged):
        since = len(pipeline.worker.log.read_text())
        r.set(key, value)
        status, verdict, error = judge(pipeline, db, aplusb, "print(0)")
        assert (status, verdict) == honest, (what, error)
        wait_log(pipeline.worker.log.read_text, r"Redis key %s holds a value not signed by this worker's keys "
                 r"\(.+\); task %d is loaded from PostgreSQL and the entry replaced" % (key, aplusb), since=since)
        # Replaced by the real, signed entry.
        assert cached_body(services, key)["tests"] == real["tests"], what


def test_a_forged_memory_limit_does_not_let_512_mb_pass_a_64_mb_task(services, db, pipeline):
    # The program passes where its memory is allowed (so the checks below could fail)...
    roomy = make_task(db, [b"x\n"], answers=[b"ok 1\n"], checker="default", memory_limit_kb=1048576)
    assert judge(pipeline, db, roomy, BIG, language_id=50)[:2] == ("completed", "AC")
    # ...and not on the 64 MB task.
    task_id = make_task(db, [b"x\n"], answers=[b"ok 1\n"], checker="default", memory_limit_kb=65536)
    assert judge(pipeline, db, task_id, BIG, language_id=50)[:2] == ("completed", "MLE")
    key = task_key(db, task_id)
    real = cached_body(services, key)
    assert real["memory_limit_kb"] == 65536
    r = services.redis.client()
    for what, value in forgeries(key, dict(real, memory_limit_kb=4194304)):  # 4 GB: within the schema's bounds
        r.set(key, value)
        status, verdict, error = judge(pipeline, db, task_id, BIG, language_id=50)
        assert (status, verdict) == ("completed", "MLE"), (what, error)
        assert cached_body(services, key)["memory_limit_kb"] == 65536
    # Even an entry signed with the stack's own keys is re-checked against the schema's bounds.
    since = len(pipeline.worker.log.read_text())
    body = json.dumps(dict(real, memory_limit_kb=8388608), separators=(",", ":"))
    r.set(key, services.redis.signed(key, body))
    assert judge(pipeline, db, task_id, BIG, language_id=50)[:2] == ("completed", "MLE")
    wait_log(pipeline.worker.log.read_text, r"Redis key %s holds memory_limit_kb 8388608 is outside the schema's "
             r"bounds 4096\.\.4194304; task %d is loaded from PostgreSQL" % (re.escape(key), task_id), since=since)


# ---- the leaderboard ----

def _board_key(client, services):
    r = services.redis.client()

    def cached():
        assert client.get("/api/leaderboard").status_code == 200
        return [k for k in r.keys("*:leaderboard:v1")]
    return wait_for(cached, "the leaderboard cached in Redis")[0]


def test_a_forged_leaderboard_without_ttl_is_not_served(httpd, db, services):
    client = login(httpd, db)
    key = _board_key(client, services).decode()
    real = client.get("/api/leaderboard").json()
    forged = json.dumps({"tasks": real["tasks"], "users": [{"rank": 1, "user_id": 1, "username": "forged-winner",
                                                            "team": None, "score": 100}], "teams": []},
                        separators=(",", ":"))
    # The ETag tag the module would give this body: right-looking, but not signed.
    tagged = '"lb-%s"\n%s' % (hashlib.md5(forged.encode()).hexdigest(), forged)
    r = services.redis.client()
    log_before = len(httpd.error_log_path.read_text(errors="replace"))
    for what, value in (("no valid MAC", tagged.encode()),
                        ("MAC does not match", forged_with_own_key(key, tagged.encode()))):
        r.set(key, value)  # no TTL: it would stay for everyone
        assert r.pttl(key) == -1
        got = client.get("/api/leaderboard")
        assert got.status_code == 200 and "forged-winner" not in got.text, what
        # Replaced by the module's own value, which always expires (-2: expired already).
        assert r.pttl(key) != -1, what
        wait_for(lambda: "Redis key %s holds a value not signed by this site's keys (%s)" % (key, what)
                 in httpd.error_log_path.read_text(errors="replace")[log_before:], "the module's log line: " + what)


# ---- the wrong password, the wrong files ----

def wrong_password_file(tmp_path):
    return svc.secret_file(tmp_path / "wrong.password", "not-the-password\n")


def test_the_module_with_the_wrong_password_says_so_and_serves_from_postgresql(httpd_factory, db, tmp_path):
    server = httpd_factory(replace={"SolveitRedisPasswordFile": '"%s"' % wrong_password_file(tmp_path)})
    client = login(server, db)
    r = client.get("/api/leaderboard")
    assert r.status_code == 200 and set(r.json()) >= {"users", "teams"}, r.text
    wait_for(lambda: "refused the password of SolveitRedisPasswordFile" in server.error_log(),
             "the module's log line about the wrong password")
    assert "not-the-password" not in server.error_log()


def test_the_module_refuses_a_password_file_others_can_read(httpd_factory, tmp_path):
    path = tmp_path / "open.password"
    path.write_text("secret\n")
    os.chmod(path, 0o644)
    rc, out = httpd_factory.check_config(replace={"SolveitRedisPasswordFile": '"%s"' % path})
    assert rc != 0
    assert "SolveitRedisPasswordFile: %s: not a regular file that only the services may read (mode 0644" % path in out
    rc, out = httpd_factory.check_config(replace={"SolveitRedisPasswordFile": '"%s"' % (tmp_path / "missing")})
    assert rc != 0 and "SolveitRedisPasswordFile: %s: No such file or directory" % (tmp_path / "missing") in out


def test_the_module_refuses_redis_without_keys(httpd_factory, services):
    started, text = httpd_factory.try_start(replace={"SolveitKeyFile": None})
    assert not started
    assert "SolveitRedis: the cache's values are signed with the keys of SolveitKeyFile, which is not set" in text


def test_the_worker_refuses_a_password_file_others_can_read(services, tmp_path):
    path = tmp_path / "open.password"
    path.write_text("secret\n")
    os.chmod(path, 0o644)
    worker = Process("judge-worker-open-password", [WORKER, "--foreground"], tmp_path / "worker.log",
                     env=services.daemon_env(SOLVEIT_REDIS_PASSWORD_FILE=str(path))).start()
    assert wait_for(lambda: worker.proc.poll() is not None and worker.proc.returncode is not None,
                    "the worker's exit", 60)
    assert worker.proc.returncode == 1
    assert "--redis-password-file / SOLVEIT_REDIS_PASSWORD_FILE: %s: not a regular file that only the services " \
           "may read (mode 0644" % path in worker.log.read_text()


# Last: it stands in for the pipeline's worker while it runs.
def test_the_worker_with_the_wrong_password_says_so_and_judges_from_postgresql(services, db, pipeline, tmp_path):
    wrong = wrong_password_file(tmp_path)
    pipeline.worker.stop()
    worker = Process("judge-worker-wrong-password", [WORKER, "--foreground"], tmp_path / "worker.log",
                     env=services.daemon_env(SOLVEIT_EXECUTOR="local", SOLVEIT_REDIS_PASSWORD_FILE=str(wrong))).start()
    try:
        wait_log(worker.log.read_text, "assigned", timeout=120, alive=worker.alive, name="the worker")
        task_id = make_task(db, [b"1 2\n"], answers=[b"3\n"], checker="default")
        assert judge(pipeline, db, task_id, "a, b = map(int, input().split())\nprint(a + b)")[:2] == \
            ("completed", "AC")
        log = worker.log.read_text()
        assert re.search(r"Redis %s: the password of --redis-password-file %s is refused \(WRONGPASS[^)]*\); task "
                         r"data comes from PostgreSQL" % (re.escape(services.redis.address), re.escape(str(wrong))),
                         log), log[-3000:]
        assert "not-the-password" not in log
    finally:
        worker.stop()
        pipeline.worker.start()
