"""The sweeper's housekeeping: expired sessions (and, with --session-idle, unused ones) and old
failed-login records are deleted by result-sink, since the module purges them only at a built-in
login and a site with external authentication would keep them forever."""

import hashlib
import uuid

import pytest

from polling import wait_for
from test_result_sink import sinks  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("built_programs")

FAST = ["--sweep-interval", "0.3"]


def insert_session(db, expires_in, last_seen_ago=0):
    """A session of the demo student expiring expires_in seconds from now; returns its hash."""
    token_hash = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    db.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, last_seen_at)"
        " SELECT %s, id, 'csrf', now() + make_interval(secs => %s), now() - make_interval(secs => %s)"
        " FROM users WHERE username = 'student'", (token_hash, expires_in, last_seen_ago))
    return token_hash


def session_exists(db, token_hash):
    return db.execute("SELECT count(*) FROM sessions WHERE token_hash = %s", (token_hash,)).fetchone()[0] == 1


def insert_login_failure(db, ago):
    name = "sweeper-%s" % uuid.uuid4().hex[:8]
    db.execute("INSERT INTO login_failures (username, address, at)"
               " VALUES (%s, '192.0.2.1', now() - make_interval(secs => %s))", (name, ago))
    return name


def login_failures(db, name):
    return db.execute("SELECT count(*) FROM login_failures WHERE username = %s", (name,)).fetchone()[0]


def test_expired_sessions_and_old_login_failures_go(db, sinks):
    expired = insert_session(db, expires_in=-60)
    valid = insert_session(db, expires_in=3600, last_seen_ago=3000)
    old = insert_login_failure(db, ago=2 * 86400)
    recent = insert_login_failure(db, ago=60)
    assert session_exists(db, expired) and login_failures(db, old) == 1

    sink = sinks(FAST)
    wait_for(lambda: not session_exists(db, expired), "the expired session deleted", 60)
    wait_for(lambda: login_failures(db, old) == 0, "the old login failure deleted", 60)
    sink.wait_log(r"sweeper: deleted \d+ expired session")
    sink.wait_log(r"sweeper: deleted \d+ old failed-login record")
    # Without --session-idle only expiry counts; a recent failure still counts for the rate limit.
    assert session_exists(db, valid)
    assert login_failures(db, recent) == 1


def test_session_idle_deletes_unused_sessions(db, sinks):
    idle = insert_session(db, expires_in=3600, last_seen_ago=3000)
    active = insert_session(db, expires_in=3600, last_seen_ago=10)
    kept = insert_login_failure(db, ago=1800)

    sinks(FAST + ["--session-idle", "600", "--login-failure-keep", "3600"])
    wait_for(lambda: not session_exists(db, idle), "the idle session deleted", 60)
    assert session_exists(db, active)
    assert login_failures(db, kept) == 1
