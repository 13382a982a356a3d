"""Issue 14, the module's part: what reaches httpd from outside the database is checked.

A malformed leaderboard value in Redis is a cache miss (it once crashed every child that read it);
Redis keys belong to the database of their virtual host; NUL in a JSON string and language ids
that only wrap into an enabled one are refused; TRACE is off, the Server header names only the
product, httpd's own errors under <base>/api/ are JSON, and the pages' sources are not served."""

import hashlib
import json

import pytest
import requests

import services as svc
from test_module_helpers import PASSWORD, Client, login, new_user

NUL_ERROR = "request body holds a NUL character (\\u0000) in a JSON string; no field may contain one"


def _redis(services):
    return services.redis.client()


def _board_keys(services):
    return sorted(k.decode() for k in _redis(services).keys("*leaderboard*") if not k.endswith(b":lock"))


def _board_key(client, services):
    """The key this server caches its leaderboard under, found by having it cached once."""
    before = set(_board_keys(services))
    for _ in range(20):
        assert client.get("/api/leaderboard").status_code == 200
        keys = _board_keys(services)
        if keys:
            new = [k for k in keys if k not in before] or keys
            return new[0]
    pytest.fail("the leaderboard was never cached in Redis")


def _cached_value(body):
    return '"lb-%s"\n%s' % (hashlib.md5(body.encode()).hexdigest(), body)


def test_malformed_cache_value_is_a_miss(httpd, db, services):
    client = login(httpd, db)
    key = _board_key(client, services)
    # Computed now, not a board cached before earlier tests added tasks.
    _redis(services).delete(key)
    real = client.get("/api/leaderboard").json()
    log_before = httpd.error_log_path.read_text(errors="replace")
    # Signed as the module signs (a value it would accept but for its shape; unsigned ones are
    # refused before: test_redis_trust.py).
    for bad in ('"\n', '"lb-0123"\n{"users":"forged"}', "\n", _cached_value('{"a":1}')[:-1]):
        _redis(services).set(key, services.redis.signed(key, bad), px=10000)  # replaced by the request below
        r = client.get("/api/leaderboard")
        assert r.status_code == 200, r.text
        # The real board, computed again (its counts may have moved since: other tests add users).
        assert set(r.json()) == {"tasks", "users", "teams"} and r.json()["tasks"] == real["tasks"]
        assert isinstance(r.json()["users"], list)
        assert r.headers["ETag"].startswith('"lb-%s' % hashlib.md5(r.content).hexdigest())  # mod_deflate: -gzip
    _redis(services).delete(key)
    log = httpd.error_log_path.read_text(errors="replace")[len(log_before):]
    assert "AH00052" not in log, log
    assert "holds no leaderboard this module wrote" in log


@pytest.fixture
def second_vhost(httpd_factory, mpm, services):
    """The same httpd with a virtual host on another port whose DBDParams names the database in
    another way (the socket directory with a trailing slash): to the cache, another database."""
    port = svc.free_port()
    dbd = services.pg.conninfo_for_dbd.replace("host=%s " % services.pg.sock, "host=%s/ " % services.pg.sock)
    assert dbd != services.pg.conninfo_for_dbd
    extra = """
Listen 127.0.0.1:%(port)d
<VirtualHost 127.0.0.1:%(port)d>
    DBDParams "%(dbd)s"
</VirtualHost>
""" % {"port": port, "dbd": dbd}
    server = httpd_factory(mpm=mpm, extra=extra)
    server.other_base = "http://127.0.0.1:%d/solveit" % port
    return server


def test_virtual_hosts_on_other_databases_have_their_own_board(second_vhost, db, services):
    name, _ = new_user(db)
    a = Client(second_vhost.base, name)
    b = Client(second_vhost.other_base, name)
    key_a = _board_key(a, services)
    forged = '{"tasks":[],"users":[{"username":"course-a-only"}],"teams":[]}'
    # A's key is also the one of every other server of this session: the board goes again after.
    _redis(services).set(key_a, services.redis.signed(key_a, _cached_value(forged)), px=10000)
    try:
        assert "course-a-only" in a.get("/api/leaderboard").text  # A's key is A's board...
        r = b.get("/api/leaderboard")
        assert r.status_code == 200, r.text
        assert "course-a-only" not in r.text  # ...and B never reads it
    finally:
        _redis(services).delete(key_a)
    key_b = _board_key(b, services)
    assert key_b != key_a
    assert key_a.startswith("solveit:db=") and key_a.endswith(":leaderboard:v1")


def test_nul_in_json_strings_is_refused(httpd, db):
    name, uid = new_user(db)
    client = Client(httpd.base, name)
    r = client.submit(code="print(1)\u0000tail")
    assert (r.status_code, r.json()) == (400, {"error": NUL_ERROR})
    raw = b'{"task_id":1,"language_id":71,"code":"print(1)\x00tail"}'
    r = client.post("/api/submissions", data=raw, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (400, {"error": NUL_ERROR})
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM submissions WHERE user_id = %s", (uid,))
        assert cur.fetchone()[0] == 0
    r = requests.post(httpd.base + "/api/login", json={"username": name + "\u0000junk", "password": PASSWORD},
                      timeout=30)
    assert (r.status_code, r.json()) == (400, {"error": NUL_ERROR})
    r = client.post("/api/password", json={"current_password": PASSWORD, "new_password": "long enough\u0000x"})
    assert (r.status_code, r.json()) == (400, {"error": NUL_ERROR})
    # The password is still the old one.
    Client(httpd.base, name)


def test_language_ids_that_wrap_are_refused(httpd, db):
    client = login(httpd, db)
    for lang, error in ((4294967346, "language 4294967346 is not enabled on this server"),
                        (50.0000001, "language_id must be a positive integer"),
                        ("050", "language 050 is not enabled on this server")):
        r = client.submit(language_id=lang)
        assert (r.status_code, r.json()) == (400, {"error": error}), lang


def test_trace_is_off_and_the_server_header_says_apache(httpd):
    for path in ("/solveit/", "/solveit/api/health", "/"):
        r = requests.request("TRACE", httpd.url + path, cookies={"solveit_session": "secret-cookie"}, timeout=30)
        assert r.status_code == 405, (path, r.status_code)
        assert "secret-cookie" not in r.text
        assert r.headers["Server"] == "Apache"
    assert requests.get(httpd.base + "/api/health", timeout=30).headers["Server"] == "Apache"


def test_httpd_errors_under_api_are_json(httpd):
    # An encoded slash: httpd answers 404 itself, before any module sees the request.
    r = requests.get(httpd.base + "/api/a%2Fb", timeout=30)
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"error": "not found"}
    # Outside /api/ httpd's pages stay as they are.
    r = requests.get(httpd.base + "/a%2Fb", timeout=30)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")


def test_page_sources_are_not_served(httpd):
    for path in ("/solveit/src/layout.tmpl", "/solveit/src/pages/index.page", "/solveit/src/",
                 "/solveit/src", "/solveit/build-pages.sh", "/solveit/build-vendor.sh", "/src/layout.tmpl"):
        r = requests.get(httpd.url + path, timeout=30, allow_redirects=False)
        assert r.status_code == 404, (path, r.status_code)
        assert "@MAIN@" not in r.text
    assert requests.get(httpd.base + "/index.html", timeout=30).status_code == 200
    assert requests.get(httpd.base + "/", timeout=30).status_code == 200


@pytest.fixture
def tls_example(httpd_factory, mpm, services):
    """httpd-conf/solveit-tls.conf as shipped, on test ports with a throwaway certificate."""
    import subprocess

    from harness import REPO, chown_run_user
    cert, key = services.tmp / ("tls-example-%s.crt" % mpm), services.tmp / ("tls-example-%s.key" % mpm)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days",
                    "2", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    for f in (cert, key):
        f.chmod(0o644)
        chown_run_user(f)
    plain, tls = svc.free_port(), svc.free_port()
    text = (REPO / "httpd-conf" / "solveit-tls.conf").read_text()
    for old, new in (("*:80", "127.0.0.1:%d" % plain), ("*:443", "127.0.0.1:%d" % tls),
                     ("https://judge.example.org/", "https://127.0.0.1:%d/" % tls),
                     ("judge.example.org.pem", "x"), ("/etc/ssl/certs/x", str(cert)),
                     ("/etc/ssl/private/judge.example.org.key", str(key)), ("judge.example.org", "127.0.0.1")):
        assert old in text, old
        text = text.replace(old, new)
    extra = "LoadModule ssl_module %s/mod_ssl.so\nListen 127.0.0.1:%d\nListen 127.0.0.1:%d https\n%s" % (
        svc.APACHE_MODULES, plain, tls, text)
    server = httpd_factory(mpm=mpm, extra=extra)
    server.plain_url, server.tls_url, server.tls_ca = "http://127.0.0.1:%d" % plain, "https://127.0.0.1:%d" % tls, \
        str(cert)
    return server


def test_tls_example_redirects_and_sends_hsts(tls_example):
    r = requests.get(tls_example.plain_url + "/solveit/api/health?x=1", allow_redirects=False, timeout=30)
    assert r.status_code == 301
    assert r.headers["Location"] == tls_example.tls_url + "/solveit/api/health?x=1"
    r = requests.get(tls_example.plain_url + "/solveit/", allow_redirects=False, timeout=30)
    assert (r.status_code, r.headers["Location"]) == (301, tls_example.tls_url + "/solveit/")
    r = requests.get(tls_example.tls_url + "/solveit/api/health", verify=tls_example.tls_ca, timeout=30)
    assert r.status_code in (200, 503)
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert r.headers["Server"] == "Apache"
