"""Issue 14, finding 10: failed logins slow down the guesser, never lock the owner out.

Ten wrong guesses by anyone used to lock an account for 15 minutes, and behind a NAT one
student's typos locked the room. Failures now count per account and address together, with a
delay that grows after each one; the test client takes other loopback addresses (127.0.0.x) to
be the guesser, the owner and the room."""

import http.client
import json
import time

from test_module_helpers import PASSWORD, clean_login_failures, new_user  # noqa: F401


def _login(server, username, password, source):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", "/solveit/api/login", body=json.dumps({"username": username, "password": password}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.getheader("Retry-After"), json.loads(r.read() or b"{}")
    finally:
        conn.close()


def test_guesses_elsewhere_never_refuse_the_owner(httpd_factory, mpm, db, clean_login_failures):
    server = httpd_factory(mpm=mpm, replace={"SolveitLoginAttempts": "3"})
    name, _ = new_user(db)
    for _ in range(3):
        assert _login(server, name, "bad", "127.0.0.2")[0] == 401
    status, retry, body = _login(server, name, "bad", "127.0.0.2")
    assert (status, retry) == (429, "1"), body
    assert body["error"] == "too many failed logins for this account from this address; try again in 1 s"
    # The owner, elsewhere, logs in at once, and that does not give the guesser a fresh start.
    assert _login(server, name, PASSWORD, "127.0.0.1")[0] == 200
    assert _login(server, name, "bad", "127.0.0.2")[0] == 429
    # The guesser's delay grows: one more guess after the wait, then twice as long.
    time.sleep(1.1)
    assert _login(server, name, "bad", "127.0.0.2")[0] == 401
    status, retry, _ = _login(server, name, PASSWORD, "127.0.0.2")
    assert (status, retry) == (429, "2")
    time.sleep(2.1)
    # Right from the guesser's own address, after the wait: accepted, and that pair starts over.
    assert _login(server, name, PASSWORD, "127.0.0.2")[0] == 200
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM login_failures WHERE username = %s AND address = '127.0.0.2'", (name,))
        assert cur.fetchone()[0] == 0


def test_typos_behind_one_address_do_not_lock_the_room(httpd_factory, mpm, db, clean_login_failures):
    server = httpd_factory(mpm=mpm, replace={"SolveitLoginAttempts": "3"})
    for i in range(3):
        for _ in range(3):
            assert _login(server, "ghost%d" % i, "bad", "127.0.0.3")[0] == 401
    name, _ = new_user(db)
    assert _login(server, name, PASSWORD, "127.0.0.3")[0] == 200
