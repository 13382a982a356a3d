"""Helpers shared by the mod_solveit integration tests (test_module_*.py); no tests here."""

import hashlib
import secrets

import pytest
import requests

from polling import wait_for

PASSWORD = "student"  # every user made by new_user gets the demo student's password hash


def new_user(db, staff=False, prefix="u"):
    """A fresh built-in account, so that rate limits and listings of one test never see another's."""
    name = "%s%s" % (prefix, secrets.token_hex(5))
    with db.cursor() as cur:
        cur.execute("INSERT INTO users (username, password_hash, is_staff, team_id) "
                    "SELECT %s, password_hash, %s, team_id FROM users WHERE username = 'student' RETURNING id",
                    (name, staff))
        uid = cur.fetchone()[0]
    return name, uid


class Client:
    """A logged-in browser-like client: a cookie jar and the session's CSRF token."""

    def __init__(self, base, username, password=PASSWORD):
        self.base = base
        self.http = requests.Session()
        r = self.http.post(base + "/api/login", json={"username": username, "password": password}, timeout=30)
        assert r.status_code == 200, r.text
        self.me = r.json()
        self.csrf = self.me["csrf_token"]
        self.login_response = r

    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        return self.http.get(self.base + path, **kw)

    def post(self, path, csrf=True, **kw):
        headers = kw.pop("headers", {}) or {}
        if csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        kw.setdefault("timeout", 30)
        kw.setdefault("allow_redirects", False)
        return self.http.post(self.base + path, headers=headers, **kw)

    def submit(self, task_id=1, language_id=71, code="print('Hello, World!')\n", **extra):
        body = {"task_id": task_id, "language_id": language_id, "code": code}
        body.update(extra)
        return self.post("/api/submissions", json=body)

    def token(self):
        for cookie in self.http.cookies:
            if cookie.name.endswith("solveit_session"):
                return cookie.value
        return None


def login(httpd, db, staff=False):
    name, uid = new_user(db, staff=staff)
    client = Client(httpd.base, name)
    client.user_id = uid
    client.username = name
    return client


def task_by_slug(db, slug):
    row = db.execute("SELECT id FROM tasks WHERE slug = %s", (slug,)).fetchone()
    assert row, "no task %s (demo data missing?)" % slug
    return row[0]


def ensure_task(db, slug, **columns):
    """The id of task slug, made with columns unless it exists: the session's database outlives a
    test, which runs again under each MPM."""
    names = ["slug"] + list(columns)
    db.execute("INSERT INTO tasks (%s) VALUES (%s) ON CONFLICT (slug) DO NOTHING"
               % (", ".join(names), ", ".join(["%s"] * len(names))), [slug] + list(columns.values()))
    return task_by_slug(db, slug)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def count_submissions(db, user_id):
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM submissions WHERE user_id = %s", (user_id,))
        return cur.fetchone()[0]


def health(server):
    """(status code, body) of /api/health."""
    r = requests.get(server.base + "/api/health", timeout=30)
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return r.status_code, r.json()


def wait_health(server, key, want, timeout=60):
    """Waits until /api/health reports body[key] == want; returns (status code, body) then."""
    return wait_for(lambda: health(server), "health to report %s %s" % (key, want), timeout,
                    until=lambda h: h[1].get(key) == want)


def kafka_message(services, submission_id, topic="code-submissions"):
    """The first message keyed by submission_id on topic (None if absent)."""
    return next(iter(services.messages(topic, submission_id)), None)


@pytest.fixture
def clean_login_failures(db):
    """Failed logins are counted per address, and every test client is 127.0.0.1."""
    db.execute("DELETE FROM login_failures")
    yield
    db.execute("DELETE FROM login_failures")
