"""SolveitAuth external: the web server authenticates (here mod_auth_basic + htpasswd), the module
provisions users on first sight."""

import subprocess

import pytest
import requests

from harness import chown_run_user


def basic_auth(services, name, users):
    """The <Location> block that has httpd ask for users ({user: password}) with Basic
    authentication, from an htpasswd file of its own."""
    # In the stack's directory: pytest's tmp_path is not readable by the httpd run user.
    htpasswd = services.tmp / ("htpasswd-" + name)
    for i, (user, password) in enumerate(users.items()):
        create = ["-c"] if i == 0 else []
        subprocess.run(["htpasswd", "-b"] + create + ["-B", str(htpasswd), user, password], check=True,
                       capture_output=True)
    htpasswd.chmod(0o644)
    chown_run_user(htpasswd)
    return """
<Location /solveit>
    AuthType Basic
    AuthName "Solve-IT"
    AuthBasicProvider file
    AuthUserFile "%s"
    Require valid-user
</Location>
""" % htpasswd


@pytest.fixture
def basic_server(httpd_factory, mpm, services):
    extra = basic_auth(services, mpm, {"alice-" + mpm: "wonderland", "boss-" + mpm: "bosspass"})
    return httpd_factory(mpm=mpm, extra=extra, replace={"SolveitAuth": "external", "SolveitStaff": "boss-" + mpm})


def test_me_says_the_auth_mode(basic_server, mpm):
    me = requests.get(basic_server.base + "/api/me", auth=("boss-" + mpm, "bosspass"), timeout=30).json()
    assert (me["auth"], me["registration"]) == ("external", False)


def test_health_can_be_exempt_from_the_web_servers_authentication(httpd_factory, mpm, services):
    # httpd-conf/solveit.conf: monitoring asks /api/health without credentials.
    protected = basic_auth(services, "health-" + mpm, {"carol-" + mpm: "pw"})
    exempt = """
<Location /solveit/api/health>
    AuthType None
    Require all granted
</Location>
"""
    server = httpd_factory(mpm=mpm, extra=protected + exempt, replace={"SolveitAuth": "external"})
    r = requests.get(server.base + "/api/health", timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ok"
    # Only health: everything else still wants the web server's login.
    assert requests.get(server.base + "/api/me", timeout=30).status_code == 401
    assert requests.get(server.base + "/api/tasks", timeout=30).status_code == 401
    r = requests.get(server.base + "/api/me", auth=("carol-" + mpm, "pw"), timeout=30)
    assert r.status_code == 200 and r.json()["user"]["username"] == "carol-" + mpm
    # Without the exemption the web server refuses health too.
    server = httpd_factory(mpm=mpm, extra=protected, replace={"SolveitAuth": "external"})
    assert requests.get(server.base + "/api/health", timeout=30).status_code == 401


def test_unprotected_external_mode_answers_401_with_the_auth_mode(httpd_factory, mpm):
    # A site that forgot to protect the base path: the module refuses, and says how to log in.
    server = httpd_factory(mpm=mpm, replace={"SolveitAuth": "external"})
    r = requests.get(server.base + "/api/me", timeout=30)
    assert r.status_code == 401
    assert r.json() == {"error": "not authenticated by the web server (SolveitAuth external)", "auth": "external",
                        "registration": False}


def test_first_request_provisions_the_user(basic_server, db, mpm):
    alice = "alice-" + mpm
    assert db.execute("SELECT count(*) FROM users WHERE username = %s", (alice,)).fetchone()[0] == 0
    r = requests.get(basic_server.base + "/api/me", auth=(alice, "wonderland"), timeout=30)
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["user"]["username"] == alice and me["user"]["staff"] is False
    row = db.execute("SELECT id, password_hash, auth_source FROM users WHERE username = %s", (alice,)).fetchone()
    assert row == (me["user"]["id"], None, "external")
    # Seen again: the same user, not a second one.
    r = requests.get(basic_server.base + "/api/me", auth=(alice, "wonderland"), timeout=30)
    assert r.json()["user"]["id"] == me["user"]["id"]
    assert db.execute("SELECT count(*) FROM users WHERE username = %s", (alice,)).fetchone()[0] == 1


def test_staff_directive_applies_to_external_users(basic_server, mpm):
    r = requests.get(basic_server.base + "/api/me", auth=("boss-" + mpm, "bosspass"), timeout=30)
    assert r.status_code == 200
    assert r.json()["user"]["staff"] is True


def test_web_server_refuses_without_credentials(basic_server, mpm):
    r = requests.get(basic_server.base + "/api/me", timeout=30)
    assert r.status_code == 401
    r = requests.get(basic_server.base + "/api/me", auth=("alice-" + mpm, "wrong"), timeout=30)
    assert r.status_code == 401


def test_external_user_submits_with_csrf(basic_server, db, mpm):
    http = requests.Session()
    http.auth = ("alice-" + mpm, "wonderland")
    me = http.get(basic_server.base + "/api/me", timeout=30).json()
    body = {"task_id": 1, "language_id": 71, "code": "print('Hello, World!')"}
    r = http.post(basic_server.base + "/api/submissions", json=body, timeout=30)
    assert r.status_code == 403
    assert r.json()["error"].startswith("missing CSRF token")
    r = http.post(basic_server.base + "/api/submissions", json=body, headers={"X-CSRF-Token": me["csrf_token"]},
                  timeout=30)
    assert r.status_code == 202, r.text
    owner = db.execute("SELECT u.username FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.id = %s",
                       (r.json()["submission_id"],)).fetchone()[0]
    assert owner == "alice-" + mpm


def test_builtin_login_is_refused_in_external_mode(basic_server, mpm):
    r = requests.post(basic_server.base + "/api/login", json={"username": "student", "password": "student"},
                      auth=("alice-" + mpm, "wonderland"), timeout=30)
    assert r.status_code == 400
    assert "SolveitAuth external" in r.json()["error"]


def test_disabled_external_user_is_refused(basic_server, db, mpm):
    alice = "alice-" + mpm
    requests.get(basic_server.base + "/api/me", auth=(alice, "wonderland"), timeout=30)
    db.execute("UPDATE users SET is_active = false WHERE username = %s", (alice,))
    try:
        r = requests.get(basic_server.base + "/api/me", auth=(alice, "wonderland"), timeout=30)
        assert r.status_code == 403
        assert r.json() == {"error": "this account is disabled"}
    finally:
        db.execute("UPDATE users SET is_active = true WHERE username = %s", (alice,))


def test_unusable_web_server_user_name_is_refused(httpd_factory, mpm, services):
    server = httpd_factory(mpm=mpm, extra=basic_auth(services, "odd-" + mpm, {"odd name": "pw"}),
                           replace={"SolveitAuth": "external"})
    r = requests.get(server.base + "/api/me", auth=("odd name", "pw"), timeout=30)
    assert r.status_code == 403
    assert r.json() == {"error": "the web server's user name is not usable here (1-64 letters, digits, . _ - @)"}
