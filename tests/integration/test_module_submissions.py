"""Submissions through mod_solveit: PostgreSQL first, then Kafka; validation; the read API."""

import re
import threading

import requests

from polling import wait_for
from test_module_helpers import count_submissions, ensure_task, kafka_message, login

DESIGN_FIELDS = {"submission_id", "task_id", "user_id", "team_id", "code", "language_id", "timestamp", "attempt"}


def test_submission_lands_in_postgresql_and_on_kafka(httpd, services, db):
    client = login(httpd, db)
    code = "a, b = map(int, input().split())\nprint(a + b)  # ünïcode ✓\n"
    r = client.submit(task_id=2, language_id=71, code=code)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body == {"submission_id": body["submission_id"], "status": "pending"}
    sid = body["submission_id"]
    assert r.headers["Location"] == "/solveit/api/submissions/%d" % sid
    with db.cursor() as cur:
        cur.execute("SELECT user_id, task_id, language_id, code, status, attempt, team_id FROM submissions "
                    "WHERE id = %s", (sid,))
        user_id, task_id, language_id, stored, status, attempt, team_id = cur.fetchone()
    assert (user_id, task_id, language_id, stored, status, attempt) == (client.user_id, 2, 71, code, "pending", 1)
    msg = wait_for(lambda: kafka_message(services, sid), "the message on code-submissions")
    assert DESIGN_FIELDS <= set(msg) and set(msg) - DESIGN_FIELDS <= {"v", "task_revision"}
    with db.cursor() as cur:
        cur.execute("SELECT revision FROM tasks WHERE id = 2")
        assert msg["task_revision"] == cur.fetchone()[0]
    assert msg["submission_id"] == sid and msg["task_id"] == 2 and msg["user_id"] == client.user_id
    assert msg["team_id"] == team_id and msg["code"] == code and msg["language_id"] == 71 and msg["attempt"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", msg["timestamp"])
    # The delivery report is recorded.
    def sent():
        with db.cursor() as cur:
            cur.execute("SELECT kafka_sent_at FROM submissions WHERE id = %s", (sid,))
            return cur.fetchone()[0]
    wait_for(sent, "kafka_sent_at to be recorded")


def test_kafka_down_still_accepts_and_leaves_the_row_unsent(httpd, services, db):
    client = login(httpd, db)
    services.kafka.down()
    try:
        r = client.post("/api/submissions", json={"task_id": 1, "language_id": 71, "code": "print(1)"}, timeout=10)
        assert r.status_code == 202, r.text
        sid = r.json()["submission_id"]
        with db.cursor() as cur:
            cur.execute("SELECT status, kafka_sent_at FROM submissions WHERE id = %s", (sid,))
            assert cur.fetchone() == ("pending", None)
    finally:
        services.kafka.up()


def test_kafka_wait_bound_answers_when_the_broker_is_down(httpd_factory, mpm, services, db):
    server = httpd_factory(mpm=mpm, replace={"SolveitKafkaWait": "300"})
    client = login(server, db)
    r = client.submit()
    assert r.status_code == 202  # with the broker up the delivery report arrives within the wait
    services.kafka.down()
    try:
        r = client.post("/api/submissions", json={"task_id": 1, "language_id": 71, "code": "print(2)"}, timeout=10)
        assert r.status_code == 202, r.text
        with db.cursor() as cur:
            cur.execute("SELECT kafka_sent_at FROM submissions WHERE id = %s", (r.json()["submission_id"],))
            assert cur.fetchone() == (None,)
    finally:
        services.kafka.up()


def test_idempotency_key_returns_the_same_submission(httpd, db):
    client = login(httpd, db)
    first = client.submit(idempotency_key="try-1")
    again = client.submit(idempotency_key="try-1", code="print('changed')")
    assert first.status_code == again.status_code == 202
    assert first.json()["submission_id"] == again.json()["submission_id"]
    header = client.post("/api/submissions", json={"task_id": 1, "language_id": 71, "code": "x=1"},
                         headers={"X-CSRF-Token": client.csrf, "Idempotency-Key": "try-1"})
    assert header.json()["submission_id"] == first.json()["submission_id"]
    assert count_submissions(db, client.user_id) == 1
    r = client.submit(idempotency_key="bad key with spaces")
    assert r.status_code == 400
    assert r.json() == {"error": "idempotency_key must be 1-128 printable ASCII characters"}


def test_multipart_with_code_field_and_uploaded_file(httpd, db):
    client = login(httpd, db)
    r = client.post("/api/submissions", csrf=False, headers={"Accept": "application/json"},
                    files={"task_id": (None, "1"), "language_id": (None, "71"), "csrf_token": (None, client.csrf),
                           "code": (None, "print('field')")})
    assert r.status_code == 202, r.text
    r = client.post("/api/submissions", csrf=False, headers={"Accept": "application/json"},
                    files={"task_id": (None, "1"), "language_id": (None, "50"), "csrf_token": (None, client.csrf),
                           "code_file": ("main.c", b"int main(void){return 0;}\n", "text/x-c")})
    assert r.status_code == 202, r.text
    with db.cursor() as cur:
        cur.execute("SELECT code FROM submissions WHERE id = %s", (r.json()["submission_id"],))
        assert cur.fetchone()[0] == "int main(void){return 0;}\n"
    # A browser form gets a redirect to the submission's page.
    r = client.post("/api/submissions", csrf=False,
                    files={"task_id": (None, "1"), "language_id": (None, "71"), "csrf_token": (None, client.csrf),
                           "code": (None, "print('form')")})
    assert r.status_code == 303
    assert re.fullmatch(r"/solveit/submission\.html\?id=\d+", r.headers["Location"])


def test_urlencoded_submission(httpd, db):
    client = login(httpd, db)
    r = client.post("/api/submissions", data={"task_id": "1", "language_id": "54", "code": "int main(){}"},
                    headers={"Accept": "application/json", "X-CSRF-Token": client.csrf})
    assert r.status_code == 202, r.text


def bad(client, db, expected_status, expected_error, **kw):
    before = count_submissions(db, client.user_id)
    r = client.post("/api/submissions", **kw)
    assert r.status_code == expected_status, r.text
    assert r.json() == {"error": expected_error}
    assert count_submissions(db, client.user_id) == before


def test_bad_input_gets_a_clear_error_and_no_row(httpd, db):
    client = login(httpd, db)
    ok = {"task_id": 1, "language_id": 71, "code": "print(1)"}
    bad(client, db, 400, "task 999999 does not exist or is closed", json=dict(ok, task_id=999999))
    bad(client, db, 400, "task_id must be a positive integer", json=dict(ok, task_id="one"))
    bad(client, db, 400, "language 46 is not enabled on this server", json=dict(ok, language_id=46))
    bad(client, db, 400, "language_id must be a positive integer", json={"task_id": 1, "code": "x"})
    bad(client, db, 400, "code is empty", json=dict(ok, code=""))
    bad(client, db, 400, "code is empty", json=dict(ok, code="  \n\t "))
    bad(client, db, 400, "code is required (a code field or an uploaded file)", json={"task_id": 1, "language_id": 71})
    bad(client, db, 413, "code is larger than the limit of 65536 bytes", json=dict(ok, code="x" * 65537))
    bad(client, db, 413, "request body is larger than 458752 bytes", data="x" * 500000,
        headers={"Content-Type": "application/json", "X-CSRF-Token": client.csrf})
    bad(client, db, 400, "code is not valid UTF-8",
        data=b'{"task_id":1,"language_id":71,"code":"print(\xc3\x28)"}',
        headers={"Content-Type": "application/json", "X-CSRF-Token": client.csrf})
    bad(client, db, 400, "code is not valid UTF-8", headers={"Accept": "application/json",
                                                              "X-CSRF-Token": client.csrf},
        files={"task_id": (None, "1"), "language_id": (None, "71"), "code": (None, b"\xed\xa0\x80 surrogate")})
    bad(client, db, 400, "code contains a NUL byte", headers={"Accept": "application/json",
                                                               "X-CSRF-Token": client.csrf},
        files={"task_id": (None, "1"), "language_id": (None, "71"), "code": (None, b"a\x00b")})
    bad(client, db, 400, "malformed multipart body: closing boundary missing",
        data=b'--XyZ\r\nContent-Disposition: form-data; name="code"\r\n\r\nprint(1)\r\n',
        headers={"Content-Type": "multipart/form-data; boundary=XyZ", "X-CSRF-Token": client.csrf})
    bad(client, db, 400, "malformed multipart body: no valid boundary in Content-Type", data=b"whatever",
        headers={"Content-Type": "multipart/form-data", "X-CSRF-Token": client.csrf})
    bad(client, db, 400, "malformed form body: bad %-escape", data=b"task_id=1&code=%zz",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": client.csrf})
    bad(client, db, 415, "unsupported Content-Type: send application/json, application/x-www-form-urlencoded or "
        "multipart/form-data", data=b"print(1)", headers={"Content-Type": "text/plain", "X-CSRF-Token": client.csrf})


def test_submission_needs_login_csrf_and_same_origin(httpd, db):
    r = requests.post(httpd.base + "/api/submissions", json={"task_id": 1, "language_id": 71, "code": "x"}, timeout=30)
    assert r.status_code == 401
    assert r.json() == {"error": "not logged in"}
    client = login(httpd, db)
    bad(client, db, 403, "missing CSRF token (send the X-CSRF-Token header or a csrf_token field)", csrf=False,
        json={"task_id": 1, "language_id": 71, "code": "x"})
    bad(client, db, 403, "invalid CSRF token", headers={"X-CSRF-Token": "f" * 64},
        json={"task_id": 1, "language_id": 71, "code": "x"})
    bad(client, db, 403, "cross-origin request refused", headers={"Origin": "https://evil.example"},
        json={"task_id": 1, "language_id": 71, "code": "x"})


def test_sql_injection_and_xss_strings_are_inert(httpd, db):
    client = login(httpd, db)
    nasty = "'; DROP TABLE submissions; --\n<script>alert('x')</script>\n\" onmouseover=\"alert(1)"
    r = client.submit(code=nasty, idempotency_key="k');DELETE/**/FROM/**/users;--")
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    with db.cursor() as cur:
        cur.execute("SELECT code, idempotency_key FROM submissions WHERE id = %s", (sid,))
        assert cur.fetchone() == (nasty, "k');DELETE/**/FROM/**/users;--")
        cur.execute("SELECT count(*) FROM users WHERE username = 'student'")
        assert cur.fetchone()[0] == 1
    r = client.get("/api/submissions/%d" % sid)
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.json()["code"] == nasty
    r = client.get("/api/submissions?task_id=1%27%20OR%201=1")
    assert r.status_code == 400
    assert r.json() == {"error": "task_id must be a positive integer"}


def test_submissions_are_private(httpd, db):
    owner = login(httpd, db)
    sid = owner.submit().json()["submission_id"]
    stranger = login(httpd, db)
    r = stranger.get("/api/submissions/%d" % sid)
    assert r.status_code == 404
    assert r.json() == {"error": "submission not found"}
    assert stranger.get("/api/submissions/%d" % (sid + 100000)).status_code == 404
    assert stranger.get("/api/submissions").json()["submissions"] == []
    staff = login(httpd, db, staff=True)
    r = staff.get("/api/submissions/%d" % sid)
    assert r.status_code == 200
    assert r.json()["user"]["username"] == owner.username


def test_submission_detail_fields_and_etag(httpd, db):
    client = login(httpd, db)
    sid = client.submit().json()["submission_id"]
    # kafka_sent_at is part of the body: let the delivery report land first so the tag is stable.
    r = wait_for(lambda: (lambda r: r if r.json()["kafka_sent_at"] else None)(client.get("/api/submissions/%d" % sid)),
                 "kafka_sent_at")
    assert r.status_code == 200
    body = r.json()
    for field in ("status", "verdict", "score", "attempt", "submitted_at", "kafka_sent_at", "processing_started_at",
                  "processing_completed_at", "execution_time", "memory_used", "passed_tests", "total_tests",
                  "test_results", "compiler_output", "error_message", "code", "language_id", "task_id"):
        assert field in body
    etag = r.headers["ETag"]
    r = client.get("/api/submissions/%d" % sid, headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.content == b""
    db.execute("UPDATE submissions SET status = 'completed', verdict = 'WA', score = 50, passed_tests = 1, "
               "total_tests = 2, test_results = %s::jsonb WHERE id = %s",
               ('[{"test": 1, "verdict": "AC", "is_sample": true, "input": "1 2"},'
                ' {"test": 2, "verdict": "WA", "is_sample": false, "input": "secret", "expected_output": "s"}]',
                sid))
    r = client.get("/api/submissions/%d" % sid, headers={"If-None-Match": etag})
    assert r.status_code == 200
    assert r.headers["ETag"] != etag
    body = r.json()
    assert (body["status"], body["verdict"], body["score"]) == ("completed", "WA", 50)
    # Hidden tests show only their verdict (and time and memory) to the student.
    assert body["test_results"] == [{"test": 1, "verdict": "AC", "is_sample": True, "input": "1 2"},
                                    {"test": 2, "verdict": "WA", "is_sample": False}]
    tasks = client.get("/api/tasks").json()["tasks"]
    hello = [t for t in tasks if t["id"] == 1][0]
    assert (hello["best_score"], hello["best_verdict"]) == (50, "WA")


def test_submission_list_is_paged(httpd, db):
    client = login(httpd, db, staff=True)  # staff: no rate limit
    ids = [client.submit(task_id=1 + i % 2).json()["submission_id"] for i in range(23)]
    first = client.get("/api/submissions").json()
    assert [s["id"] for s in first["submissions"]] == ids[::-1][:20]
    assert first["has_more"] is True and first["page"] == 1
    second = client.get("/api/submissions?page=2").json()
    assert [s["id"] for s in second["submissions"]] == ids[::-1][20:]
    assert second["has_more"] is False
    only2 = client.get("/api/submissions?task_id=2").json()["submissions"]
    assert {s["task_id"] for s in only2} == {2} and len(only2) == 11
    r = client.get("/api/submissions?page=0")
    assert r.status_code == 400
    assert r.json() == {"error": "page must be a positive integer"}


def test_rate_limit_429_with_retry_after_and_staff_exempt(httpd, db):
    client = login(httpd, db)
    for i in range(10):
        assert client.submit(code="print(%d)" % i).status_code == 202
    before = count_submissions(db, client.user_id)
    r = client.submit(code="print('one too many')")
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.json()["error"].startswith("too many submissions: at most 10 per minute")
    assert count_submissions(db, client.user_id) == before
    staff = login(httpd, db, staff=True)
    for i in range(12):
        assert staff.submit(code="print(%d)" % i).status_code == 202


def test_tasks_and_task_detail(httpd, db):
    client = login(httpd, db)
    tasks = client.get("/api/tasks").json()["tasks"]
    slugs = [t["slug"] for t in tasks]
    assert "hello" in slugs and "aplusb" in slugs
    aplusb = [t for t in tasks if t["slug"] == "aplusb"][0]
    r = client.get("/api/tasks/%d" % aplusb["id"])
    assert r.status_code == 200
    task = r.json()
    assert task["title"] == "A + B"
    assert "<h2>Input</h2>" in task["statement_html"]
    assert task["samples"] and task["samples"][0]["order"] == 1
    assert task["time_limit_ms"] > 0 and task["memory_limit_kb"] > 0
    assert [lang["id"] for lang in task["languages"]] == [50, 54, 62, 71, 63]
    r = client.get("/api/tasks/999999")
    assert r.status_code == 404
    assert r.json() == {"error": "task not found"}
    assert client.get("/api/languages").json() == task["languages"]
    # Named as the toolchains of the sandbox's languages.json run them (SolveitLanguageNames), not Judge0's.
    names = {lang["id"]: lang["name"] for lang in task["languages"]}
    assert names[71] == "Python (3.11)" and names[50] == "C (GCC 12)" and names[62] == "Java (OpenJDK 17)"


def test_statement_markdown_is_rendered_without_raw_html(httpd, db):
    tid = ensure_task(db, "xss-statement", title="XSS <i>title</i>",
                      statement_md="Hi <script>alert(1)</script> [x](javascript:alert(1)) **bold**")
    client = login(httpd, db)
    html = client.get("/api/tasks/%d" % tid).json()["statement_html"]
    assert "<script>" not in html and "javascript:" not in html
    assert "<strong>bold</strong>" in html
    # The title is data: JSON carries it as it is, and the pages insert it as text (browser tests).
    assert client.get("/api/tasks/%d" % tid).json()["title"] == "XSS <i>title</i>"


def test_closed_task_is_hidden_from_students(httpd, db):
    tid = ensure_task(db, "closed-one", title="Closed", is_open=False)
    client = login(httpd, db)
    assert tid not in [t["id"] for t in client.get("/api/tasks").json()["tasks"]]
    assert client.get("/api/tasks/%d" % tid).status_code == 404
    bad(client, db, 400, "task %d does not exist or is closed" % tid,
        json={"task_id": tid, "language_id": 71, "code": "x"})
    staff = login(httpd, db, staff=True)
    assert staff.get("/api/tasks/%d" % tid).status_code == 200


def test_unknown_endpoint_and_wrong_method(httpd, db):
    r = requests.get(httpd.base + "/api/nothing", timeout=30)
    assert r.status_code == 404
    assert r.json() == {"error": "no such API endpoint: /api/nothing"}
    r = requests.get(httpd.base + "/api/login", timeout=30)
    assert r.status_code == 405
    assert r.headers["Allow"] == "POST"
    r = requests.delete(httpd.base + "/api/submissions/1", timeout=30)
    assert r.status_code == 405


def test_leaderboard_is_wired_in(httpd, db):
    r = requests.get(httpd.base + "/api/leaderboard", timeout=30)
    assert r.status_code == 401
    assert r.json() == {"error": "not logged in"}
    client = login(httpd, db)
    r = client.get("/api/leaderboard")
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["users"], list) and isinstance(body["teams"], list)


def test_tasks_carry_their_test_count(httpd, db):
    tid = db.execute("INSERT INTO tasks (slug, title) VALUES ('count-tests', 'Counted') ON CONFLICT (slug) DO UPDATE "
                     "SET title = 'Counted' RETURNING id").fetchone()[0]
    other = db.execute("INSERT INTO tasks (slug, title) VALUES ('count-tests-2', 'Counted too') ON CONFLICT (slug) "
                       "DO UPDATE SET title = 'Counted too' RETURNING id").fetchone()[0]
    db.execute("DELETE FROM tests WHERE task_id IN (%s, %s)", (tid, other))
    client = login(httpd, db)

    def counts():
        listed = {t["id"]: t["test_count"] for t in client.get("/api/tasks").json()["tasks"]}
        return listed[tid], client.get("/api/tasks/%d" % tid).json()["test_count"], listed[other]
    assert counts() == (0, 0, 0)
    for order in (1, 2, 3):
        db.execute("INSERT INTO tests (task_id, \"order\", input, expected_output) VALUES (%s, %s, '', '')",
                   (tid, order))
    assert counts() == (3, 3, 0)
    db.execute("UPDATE tests SET task_id = %s WHERE task_id = %s AND \"order\" = 3", (other, tid))
    db.execute("UPDATE tests SET weight = 2 WHERE task_id = %s", (tid,))  # not a move: no change
    assert counts() == (2, 2, 1)
    db.execute("DELETE FROM tests WHERE task_id = %s", (tid,))
    assert counts() == (0, 0, 1)
    # The demo tasks: the count is the number of rows in tests.
    for task in client.get("/api/tasks").json()["tasks"]:
        n = db.execute("SELECT count(*) FROM tests WHERE task_id = %s", (task["id"],)).fetchone()[0]
        assert task["test_count"] == n, task


def test_submission_list_filters_by_verdict_and_status(httpd, db):
    client = login(httpd, db, staff=True)  # staff: no rate limit
    ids = [client.submit(task_id=1 + i % 2, code="print(%d)" % i).json()["submission_id"] for i in range(35)]
    # Judged: every third one accepted, the others wrong answers; two still pending.
    for i, sid in enumerate(ids[:-2]):
        db.execute("UPDATE submissions SET status = 'completed', verdict = %s, score = %s WHERE id = %s",
                   ("AC" if i % 3 == 0 else "WA", 100 if i % 3 == 0 else 0, sid))
    ac = [sid for i, sid in enumerate(ids[:-2]) if i % 3 == 0][::-1]
    wa = [sid for i, sid in enumerate(ids[:-2]) if i % 3 != 0][::-1]

    def listed(query):
        r = client.get("/api/submissions?" + query)
        assert r.status_code == 200, r.text
        return r.json()
    body = listed("verdict=AC")
    assert [s["id"] for s in body["submissions"]] == ac and body["has_more"] is False
    assert {s["verdict"] for s in body["submissions"]} == {"AC"}
    body = listed("verdict=WA")
    assert [s["id"] for s in body["submissions"]] == wa[:20] and body["has_more"] is True
    body = listed("verdict=WA&page=2")
    assert [s["id"] for s in body["submissions"]] == wa[20:] and body["has_more"] is False
    body = listed("status=pending")
    assert [s["id"] for s in body["submissions"]] == ids[-2:][::-1]
    assert listed("status=completed&verdict=AC")["submissions"] == listed("verdict=AC")["submissions"]
    assert listed("status=pending&verdict=AC")["submissions"] == []
    body = listed("verdict=AC&task_id=1")
    assert [s["id"] for s in body["submissions"]] == [sid for sid in ac if (ids.index(sid) % 2) == 0]
    assert listed("verdict=&status=")["submissions"] == listed("")["submissions"]  # empty: no filter
    for query, error in [("verdict=XX", "verdict must be one of AC, WA, TLE, MLE, RE, OLE, CE, PA"),
                         ("verdict=ac", "verdict must be one of AC, WA, TLE, MLE, RE, OLE, CE, PA"),
                         ("status=done", "status must be one of pending, processing, completed, failed"),
                         ("status=pending%27%20OR%201=1",
                          "status must be one of pending, processing, completed, failed")]:
        r = client.get("/api/submissions?" + query)
        assert r.status_code == 400, query
        assert r.json() == {"error": error}


def test_concurrent_submissions_cannot_exceed_the_rate_limit(httpd, db):
    # N + 5 simultaneous POSTs of one user: the count and the INSERT happen under a per-user lock,
    # so exactly N are stored and the others get 429 with Retry-After.
    limit = 10  # SolveitSubmissionRate's default
    client = login(httpd, db)
    barrier = threading.Barrier(limit + 5)
    results = []
    lock = threading.Lock()

    def submit(i):
        http = requests.Session()
        http.cookies.update(client.http.cookies)
        barrier.wait()
        r = http.post(httpd.base + "/api/submissions", json={"task_id": 1, "language_id": 71,
                                                              "code": "print(%d)" % i},
                      headers={"X-CSRF-Token": client.csrf}, timeout=60)
        with lock:
            results.append((r.status_code, r.headers.get("Retry-After"), r.json()))
    threads = [threading.Thread(target=submit, args=(i,)) for i in range(limit + 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [r for r in results if r[0] == 202]
    refused = [r for r in results if r[0] == 429]
    assert len(accepted) == limit and len(refused) == 5, results
    assert all(1 <= int(r[1]) <= 60 for r in refused)
    assert all(r[2]["error"].startswith("too many submissions: at most 10 per minute; try again in ")
               for r in refused)
    assert count_submissions(db, client.user_id) == limit
    assert len({r[2]["submission_id"] for r in accepted}) == limit
