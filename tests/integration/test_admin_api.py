"""The staff API (DESIGN.md §8, issue 12) against the real httpd and PostgreSQL: who may call it, what
each bad input answers (and that it changes nothing), the audit trail of every change, and a rejudge
through the whole pipeline."""

import base64
import io
import secrets
import zipfile

import pytest
import requests

from polling import wait_for
from test_judge_worker import PY
from test_module_helpers import Client, kafka_message, login, new_user, wait_health

pytestmark = pytest.mark.usefixtures("built_programs")

# Every row of the route table under /api/admin/ (method, path with an id filled in, a change?).
ROUTES = [
    ("GET", "/api/admin/tasks", False),
    ("POST", "/api/admin/tasks", True),
    ("GET", "/api/admin/tasks/1", False),
    ("PUT", "/api/admin/tasks/1", True),
    ("DELETE", "/api/admin/tasks/1", True),
    ("GET", "/api/admin/tasks/1/tests", False),
    ("POST", "/api/admin/tasks/1/tests", True),
    ("POST", "/api/admin/tasks/1/tests/archive", True),
    ("PUT", "/api/admin/tests/1", True),
    ("DELETE", "/api/admin/tests/1", True),
    ("GET", "/api/admin/tests/1/input", False),
    ("GET", "/api/admin/tests/1/answer", False),
    ("GET", "/api/admin/submissions", False),
    ("GET", "/api/admin/submissions/1", False),
    ("POST", "/api/admin/rejudge", True),
    ("GET", "/api/admin/users", False),
    ("POST", "/api/admin/users", True),
    ("PUT", "/api/admin/users/1", True),
    ("POST", "/api/admin/users/import", True),
    ("GET", "/api/admin/teams", False),
    ("POST", "/api/admin/teams", True),
    ("PUT", "/api/admin/teams/1", True),
    ("DELETE", "/api/admin/teams/1", True),
    ("GET", "/api/admin/audit", False),
    ("GET", "/api/admin/grades.csv", False),
    ("GET", "/api/admin/statistics", False),
    ("GET", "/api/admin/tasks/1/self-check", False),
    ("POST", "/api/admin/tasks/1/self-check", True),
    ("POST", "/api/admin/preview", True),
    ("GET", "/api/admin/tasks/1/assets", False),
    ("POST", "/api/admin/tasks/1/assets", True),
    ("DELETE", "/api/admin/tasks/1/assets/a.png", True),
]


class Staff(Client):
    """A logged-in client with every method, the CSRF header on each change."""

    def call(self, method, path, csrf=True, **kw):
        headers = kw.pop("headers", {}) or {}
        if csrf and method != "GET":
            headers.setdefault("X-CSRF-Token", self.csrf)
        kw.setdefault("timeout", 60)
        return self.http.request(method, self.base + path, headers=headers, allow_redirects=False, **kw)

    def put(self, path, **kw):
        return self.call("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def post(self, path, csrf=True, **kw):
        return self.call("POST", path, csrf=csrf, **kw)


def staff_client(server, db):
    name, uid = new_user(db, staff=True, prefix="staff")
    client = Staff(server.base, name)
    client.user_id = uid
    client.username = name
    return client


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


def audit_count(db):
    return db.execute("SELECT count(*) FROM staff_audit").fetchone()[0]


def last_audit(db, object_type, object_id=None):
    row = db.execute("SELECT actor_id, action, object_id, before, after FROM staff_audit WHERE object_type = %s"
                     " AND (%s::bigint IS NULL OR object_id = %s::bigint) ORDER BY id DESC LIMIT 1",
                     (object_type, object_id, object_id)).fetchone()
    assert row, "no audit row for %s %s" % (object_type, object_id)
    return dict(zip(("actor_id", "action", "object_id", "before", "after"), row))


def error_of(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()["error"]


def slug():
    return "adm-%s" % secrets.token_hex(4)


def new_task(staff, **fields):
    body = {"slug": slug(), "title": "Admin task"}
    body.update(fields)
    r = staff.post("/api/admin/tasks", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def zip_of(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


# ---- Who may call ----------------------------------------------------------------------------------

def test_every_admin_route_refuses_visitors_students_and_changes_without_csrf(httpd, db):
    before = audit_count(db)
    student = login(httpd, db)
    staff = staff_client(httpd, db)
    for method, path, change in ROUTES:
        r = requests.request(method, httpd.base + path, timeout=30, json={})
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        headers = {"X-CSRF-Token": student.csrf}
        r = student.http.request(method, httpd.base + path, headers=headers, json={}, timeout=30)
        assert error_of(r, 403) == "staff only", (method, path)
        if change:
            r = staff.call(method, path, csrf=False, json={})
            assert "missing CSRF token" in error_of(r, 403), (method, path)
            r = staff.call(method, path, csrf=False, headers={"X-CSRF-Token": "forged"}, json={})
            assert error_of(r, 403) == "invalid CSRF token", (method, path)
    assert audit_count(db) == before


def test_a_body_the_module_cannot_read_gets_one_error(staff, db):
    # A refused body is answered once: a second answer appended to the first would not parse.
    before = audit_count(db)
    for path in ("/api/admin/tasks", "/api/admin/tasks/1/tests", "/api/admin/users", "/api/admin/teams"):
        for body in ("[1]", "{not json", "7"):
            r = staff.call("POST", path, data=body, headers={"Content-Type": "application/json"})
            assert error_of(r, 400) == "request body is not a JSON object", (path, body, r.text)
    r = staff.call("PUT", "/api/admin/settings", data="[1]", headers={"Content-Type": "application/json"})
    assert error_of(r, 400) == "request body is not a JSON object", r.text
    r = staff.call("POST", "/api/admin/users/import", data="x", headers={"Content-Type": "text/csv"})
    assert "unsupported Content-Type" in error_of(r, 415 if r.status_code == 415 else 400), r.text
    assert audit_count(db) == before


# ---- Tasks -----------------------------------------------------------------------------------------

def test_task_create_read_partial_update_and_audit(staff, db):
    task = new_task(staff, time_limit_ms=2000, type="pass-fail", judge_all=True, space_change_sensitive=True,
                    float_abs_tol=1e-6, language_time_factors={"62": 2.5}, wall_limit_ms=5000, is_open=False,
                    statement_md="# Hello")
    tid = task["id"]
    assert (task["time_limit_ms"], task["type"], task["judge_all"], task["is_open"]) == (2000, "pass-fail", True, False)
    assert task["language_time_factors"] == {"62": 2.5} and task["memory_limit_kb"] == 262144  # a default
    audit = last_audit(db, "task", tid)
    assert audit["actor_id"] == staff.user_id and audit["action"] == "POST /api/admin/tasks"
    assert audit["before"] is None and audit["after"]["slug"] == task["slug"]

    r = staff.put("/api/admin/tasks/%d" % tid, json={"title": "Renamed", "float_abs_tol": None})
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["title"] == "Renamed" and changed["float_abs_tol"] is None
    # Only what was given changed.
    assert {k: v for k, v in changed.items() if k not in ("title", "float_abs_tol", "updated_at", "revision")} == \
        {k: v for k, v in task.items() if k not in ("title", "float_abs_tol", "updated_at", "revision")}
    audit = last_audit(db, "task", tid)
    assert audit["action"] == "PUT /api/admin/tasks/{id}"
    assert audit["before"]["title"] == "Admin task" and audit["after"]["title"] == "Renamed"

    custom = new_task(staff, checker="custom", validator_language_id=71, validator_source="print(1)\n",
                      validator_file_name="validate.py", validator_flags="float_tolerance 1e-6")
    assert (custom["checker"], custom["validator_language_id"], custom["validator_file_name"]) == \
        ("custom", 71, "validate.py")
    got = staff.get("/api/admin/tasks/%d" % tid).json()
    assert got["statement_md"] == "# Hello" and got["groups"] == [] and got["submission_count"] == 0
    listed = staff.get("/api/admin/tasks").json()["tasks"]
    assert any(t["id"] == tid and t["title"] == "Renamed" for t in listed)


@pytest.mark.parametrize("body,status,message", [
    ({"title": "x"}, 400, "slug is required"),
    ({"slug": "ok-slug"}, 400, "title is required"),
    ({"slug": "Bad Slug", "title": "x"}, 400, "slug must be 1-64 of a-z, 0-9 and -"),
    ({"slug": "s", "title": "x", "bogus": 1}, 400, "unknown field bogus"),
    ({"slug": "s", "title": "x", "time_limit_ms": 10}, 400, "time_limit_ms must be between 50 and 60000"),
    ({"slug": "s", "title": "x", "time_limit_ms": "1000"}, 400, "time_limit_ms must be an integer"),
    ({"slug": "s", "title": "x", "checker": "fancy"}, 400, "checker must be one of default, exact, custom, interactive"),
    ({"slug": "s", "title": "x", "is_open": 1}, 400, "is_open must be true or false"),
    ({"slug": "s", "title": "x", "language_time_factors": {"java": 2}}, 400, "\"java\" is not a language id"),
    ({"slug": "s", "title": "x", "language_time_factors": {"62": 0}}, 400, "the factor of 62 must be a number above 0"),
    ({"slug": "s", "title": ""}, 400, "title must not be empty"),
    ({"slug": "s", "title": "x", "checker": "custom"}, 400,
     "a custom or interactive checker needs validator_language_id and validator_source"),
    ({"slug": "s", "title": "x", "validator_file_name": "../v.py"}, 400, "validator_file_name must be 1-100"),
    ({"slug": "s", "title": "x", "validator_flags": "x" * 1001}, 400, "validator_flags must be at most 1000 bytes"),
])
def test_task_bad_input_is_refused_and_writes_nothing(staff, db, body, status, message):
    body = dict(body)
    if body.get("slug") == "s":
        body["slug"] = slug()
    before = (audit_count(db), db.execute("SELECT count(*) FROM tasks").fetchone()[0])
    assert message in error_of(staff.post("/api/admin/tasks", json=body), status)
    assert (audit_count(db), db.execute("SELECT count(*) FROM tasks").fetchone()[0]) == before


def test_task_conflicts_unknown_ids_and_delete_rules(staff, db):
    task = new_task(staff)
    before = audit_count(db)
    assert "exists already" in error_of(staff.post("/api/admin/tasks", json={"slug": task["slug"], "title": "t"}), 409)
    other = new_task(staff)
    assert "exists already" in error_of(staff.put("/api/admin/tasks/%d" % other["id"], json={"slug": task["slug"]}), 409)
    assert error_of(staff.get("/api/admin/tasks/999999999"), 404) == "task 999999999 not found"
    assert error_of(staff.put("/api/admin/tasks/999999999", json={"title": "x"}), 404) == "task 999999999 not found"
    assert error_of(staff.delete("/api/admin/tasks/999999999"), 404) == "task 999999999 not found"
    assert error_of(staff.delete("/api/admin/tasks/%d?force=yes" % task["id"]), 400) == "force must be 0 or 1"
    assert "JSON object" in error_of(staff.put("/api/admin/tasks/%d" % task["id"], data="title=x",
                                               headers={"Content-Type": "application/x-www-form-urlencoded"}), 400)
    assert audit_count(db) == before + 1  # only "other"

    # A task with submissions is only deleted with ?force=1, and its submissions with it.
    db.execute("INSERT INTO submissions (user_id, task_id, code, language_id) VALUES (%s, %s, 'x', 71)",
               (staff.user_id, task["id"]))
    assert "has 1 submissions" in error_of(staff.delete("/api/admin/tasks/%d" % task["id"]), 409)
    assert db.execute("SELECT count(*) FROM tasks WHERE id = %s", (task["id"],)).fetchone()[0] == 1
    r = staff.delete("/api/admin/tasks/%d?force=1" % task["id"])
    assert r.status_code == 200 and r.json() == {"id": task["id"], "deleted": True, "submissions_deleted": 1}
    assert db.execute("SELECT count(*) FROM submissions WHERE task_id = %s", (task["id"],)).fetchone()[0] == 0
    audit = last_audit(db, "task", task["id"])
    assert audit["action"] == "DELETE /api/admin/tasks/{id}" and audit["after"] is None
    assert audit["before"]["slug"] == task["slug"]
    r = staff.delete("/api/admin/tasks/%d" % other["id"])
    assert r.status_code == 200 and r.json()["submissions_deleted"] == 0


# ---- Tests -----------------------------------------------------------------------------------------

def test_tests_text_and_binary_data_groups_and_downloads(staff, db):
    tid = new_task(staff)["id"]
    binary = bytes(range(256)) * 3
    r = staff.post("/api/admin/tasks/%d/tests" % tid, json={"input": "1 2\n", "answer": "3\n", "is_sample": True})
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["order"], first["input_size"], first["answer_size"], first["group"]) == (1, 4, 2, None)
    r = staff.post("/api/admin/tasks/%d/tests" % tid,
                   json={"input_base64": base64.b64encode(binary).decode(), "answer": "", "weight": 2.5,
                         "group": "secret", "name": "bytes"})
    assert r.status_code == 201, r.text
    second = r.json()
    assert (second["order"], second["input_size"], second["weight"], second["group"]) == (2, 768, 2.5, "secret")
    listed = staff.get("/api/admin/tasks/%d/tests" % tid).json()
    assert [t["id"] for t in listed["tests"]] == [first["id"], second["id"]]
    assert "input" not in listed["tests"][0]  # sizes and hashes, not bytes
    r = staff.get("/api/admin/tests/%d/input" % second["id"])
    assert r.status_code == 200 and r.content == binary
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert 'filename="2.in"' in r.headers["Content-Disposition"]
    assert staff.get("/api/admin/tests/%d/answer" % first["id"]).content == b"3\n"
    assert db.execute("SELECT name FROM test_groups WHERE task_id = %s", (tid,)).fetchall() == [("secret",)]
    assert staff.get("/api/admin/tasks/%d" % tid).json()["groups"][0]["name"] == "secret"
    audit = last_audit(db, "test", second["id"])
    assert audit["before"] is None and audit["after"]["input_sha256"] == second["input_sha256"]

    r = staff.put("/api/admin/tests/%d" % first["id"], json={"answer": "4\n", "order": 5, "group": None})
    assert r.status_code == 200, r.text
    assert (r.json()["order"], r.json()["answer_size"]) == (5, 2)
    assert staff.get("/api/admin/tests/%d/answer" % first["id"]).content == b"4\n"
    audit = last_audit(db, "test", first["id"])
    assert audit["before"]["order"] == 1 and audit["after"]["order"] == 5

    r = staff.delete("/api/admin/tests/%d" % second["id"])
    assert r.status_code == 200 and r.json() == {"id": second["id"], "deleted": True}
    assert last_audit(db, "test", second["id"])["after"] is None
    assert [t["id"] for t in staff.get("/api/admin/tasks/%d/tests" % tid).json()["tests"]] == [first["id"]]


def test_tests_bad_input_is_refused_and_writes_nothing(staff, db):
    tid = new_task(staff)["id"]
    staff.post("/api/admin/tasks/%d/tests" % tid, json={"input": "1\n", "answer": "1\n"})
    state = lambda: (audit_count(db), db.execute("SELECT count(*), max(\"order\") FROM tests WHERE task_id = %s",  # noqa: E731
                                                 (tid,)).fetchone())
    before = state()
    test_id = db.execute("SELECT id FROM tests WHERE task_id = %s", (tid,)).fetchone()[0]
    cases = [
        ("POST", "/api/admin/tasks/999999999/tests", {"input": ""}, 404, "task 999999999 not found"),
        ("PUT", "/api/admin/tests/999999999", {"weight": 1}, 404, "test 999999999 not found"),
        ("DELETE", "/api/admin/tests/999999999", None, 404, "test 999999999 not found"),
        ("POST", "/api/admin/tasks/%d/tests" % tid, {"input_base64": "***"}, 400, "input_base64 is not valid base64"),
        ("POST", "/api/admin/tasks/%d/tests" % tid, {"input": "a", "input_base64": "YQ=="}, 400,
         "give input or input_base64, not both"),
        ("POST", "/api/admin/tasks/%d/tests" % tid, {"weight": -1}, 400, "weight must be between 0 and"),
        ("POST", "/api/admin/tasks/%d/tests" % tid, {"order": 1}, 409, "has a test with order 1 already"),
        ("POST", "/api/admin/tasks/%d/tests" % tid, {"group": "../up"}, 400, "group must be 1-200 of letters"),
        ("PUT", "/api/admin/tests/%d" % test_id, {"input": 5}, 400, "input must be a string"),
    ]
    for method, path, body, status, message in cases:
        assert message in error_of(staff.call(method, path, json=body), status), (method, path, body)
    assert error_of(staff.get("/api/admin/tests/999999999/input"), 404) == "test 999999999 not found"
    assert state() == before


def test_archive_adds_pairs_in_name_order_after_the_existing_tests(staff, db):
    tid = new_task(staff)["id"]
    staff.post("/api/admin/tasks/%d/tests" % tid, json={"input": "0\n", "answer": "0\n"})
    files = {"10.in": "10\n", "10.ans": "20\n", "2.in": "2\n", "2.ans": "4\n", "1.in": b"\x00\x01", "1.ans": "2\n",
             "README.txt": "ignored", "data/": ""}
    r = staff.post("/api/admin/tasks/%d/tests/archive" % tid, files={"archive": ("tests.zip", zip_of(files))})
    assert r.status_code == 201, r.text
    added = r.json()["added"]
    assert [(t["name"], t["order"]) for t in added] == [("1", 2), ("2", 3), ("10", 4)]
    assert staff.get("/api/admin/tests/%d/input" % added[0]["id"]).content == b"\x00\x01"
    audit = last_audit(db, "tests", tid)
    assert audit["action"] == "POST /api/admin/tasks/{id}/tests/archive"
    assert [t["name"] for t in audit["after"]["added"]] == ["1", "2", "10"]


@pytest.mark.parametrize("upload,message", [
    (zip_of({"1.in": "1", "1.ans": "1", "2.in": "2"}), "archive holds 2.in without 2.ans"),
    (zip_of({"3.ans": "1"}), "archive holds 3.ans without 3.in"),
    (zip_of({"../evil.in": "1", "../evil.ans": "1"}), "archive entry \"../evil.in\" is not a plain relative path"),
    (zip_of({"/abs.in": "1", "/abs.ans": "1"}), "is not a plain relative path"),
    (b"", "archive is empty (0 bytes)"),
    (zip_of({"1.in": "1", "1.ans": "1"})[:40], "zip file"),
    (b"this is not a zip file at all", "archive is not a zip file"),
    (zip_of({"notes.txt": "x"}), "archive holds no tests"),
])
def test_archive_errors_are_clear_and_write_nothing(staff, db, upload, message):
    tid = new_task(staff)["id"]
    before = (audit_count(db), db.execute("SELECT count(*) FROM tests WHERE task_id = %s", (tid,)).fetchone()[0])
    r = staff.post("/api/admin/tasks/%d/tests/archive" % tid, files={"archive": ("t.zip", upload)})
    assert message in error_of(r, 400)
    assert (audit_count(db), db.execute("SELECT count(*) FROM tests WHERE task_id = %s", (tid,)).fetchone()[0]) == before


def test_archive_with_a_name_twice_is_refused(staff):
    tid = new_task(staff)["id"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("1.ans", "1")
        with pytest.warns(UserWarning):
            z.writestr("1.in", "1")
            z.writestr("1.in", "2")
    r = staff.post("/api/admin/tasks/%d/tests/archive" % tid, files={"archive": ("t.zip", out.getvalue())})
    # libzip's consistency check sees it first.
    assert error_of(r, 400) == "archive cannot be read as a zip file (File already exists)"


def test_archive_needs_the_archive_field(staff):
    tid = new_task(staff)["id"]
    r = staff.post("/api/admin/tasks/%d/tests/archive" % tid, files={"other": ("t.zip", b"x")})
    assert error_of(r, 400) == 'send the zip as the multipart/form-data field "archive"'


# ---- Submissions -----------------------------------------------------------------------------------

def test_submissions_of_every_user_with_filters_and_hidden_details(staff, httpd, db):
    tid = new_task(staff)["id"]
    student = login(httpd, db)
    results = '[{"test_id": 1, "order": 1, "verdict": "WA", "is_sample": false, "stderr": "secret trace", ' \
              '"message": "expected 3"}]'
    sid = db.execute("INSERT INTO submissions (user_id, task_id, code, language_id, status, verdict, score,"
                     " test_results) VALUES (%s, %s, 'print(1)', 71, 'completed', 'WA', 0, %s) RETURNING id",
                     (student.user_id, tid, results)).fetchone()[0]
    db.execute("INSERT INTO submissions (user_id, task_id, code, language_id) VALUES (%s, %s, 'x', 71)",
               (staff.user_id, tid))
    body = staff.get("/api/admin/submissions?task_id=%d" % tid).json()
    assert body["total"] == 2 and body["verdicts"] == {"WA": 1, "pending": 1}
    assert [s["id"] for s in body["submissions"]][1] == sid  # newest first
    only = staff.get("/api/admin/submissions?task_id=%d&user=%s&verdict=WA" % (tid, student.username)).json()
    assert [s["id"] for s in only["submissions"]] == [sid] and only["submissions"][0]["username"] == student.username
    paged = staff.get("/api/admin/submissions?task_id=%d&per_page=1&page=2" % tid).json()
    assert [s["id"] for s in paged["submissions"]] == [sid] and paged["total"] == 2
    detail = staff.get("/api/admin/submissions/%d" % sid).json()
    assert detail["code"] == "print(1)" and detail["test_results"][0]["stderr"] == "secret trace"
    assert detail["previous_verdict"] is None and detail["user"]["username"] == student.username
    # The student still sees only what a hidden test may show.
    mine = student.get("/api/submissions/%d" % sid).json()
    assert "stderr" not in mine["test_results"][0]
    for query, message in [("verdict=XX", "verdict must be one of"), ("status=done", "status must be one of"),
                           ("page=0", "page must be an integer from 1 to"), ("per_page=100000", "per_page must be"),
                           ("task_id=abc", "task_id must be an integer")]:
        assert message in error_of(staff.get("/api/admin/submissions?" + query), 400), query
    assert error_of(staff.get("/api/admin/submissions/999999999"), 404) == "submission not found"


def test_rejudge_refuses_bad_requests_and_queues_nothing(staff, db):
    before = audit_count(db)
    for body, status, message in [
        ({}, 400, "give submission_ids (a list) or task_id, one of the two"),
        ({"submission_ids": [1], "task_id": 1}, 400, "one of the two"),
        ({"submission_ids": []}, 400, "submission_ids must be a non-empty array"),
        ({"submission_ids": ["1"]}, 400, "submission_ids must hold positive integers"),
        ({"submission_ids": 5}, 400, "submission_ids must be a JSON array"),
        ({"submission_ids": [999999998, 999999999]}, 404, "no such submissions: 999999998, 999999999"),
        ({"task_id": 999999999}, 404, "task 999999999 not found"),
    ]:
        assert message in error_of(staff.post("/api/admin/rejudge", json=body), status), body
    assert audit_count(db) == before


def test_rejudge_through_the_pipeline_keeps_the_previous_verdict(services, db, pipeline):
    server = pipeline.httpd
    staff = staff_client(server, db)
    tid = new_task(staff, time_limit_ms=4000)["id"]
    for a, b in ((1, 2), (5, 7)):
        r = staff.post("/api/admin/tasks/%d/tests" % tid, json={"input": "%d %d\n" % (a, b), "answer": "%d\n" % (a + b)})
        assert r.status_code == 201, r.text
    student = pipeline.client(db, "rj")
    r = student.submit(task_id=tid, language_id=71, code=PY["AC"])
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    final = lambda: (lambda s: s if s["status"] in ("completed", "failed") else None)(  # noqa: E731
        staff.get("/api/admin/submissions/%d" % sid).json())
    first = wait_for(final, "the first judgement", 300)
    assert (first["status"], first["verdict"], first["attempt"]) == ("completed", "AC", 1), first

    # A teacher fixes a test (here: breaks one of two), then rejudges the task.
    second_test = staff.get("/api/admin/tasks/%d/tests" % tid).json()["tests"][1]["id"]
    assert staff.put("/api/admin/tests/%d" % second_test, json={"answer": "13\n"}).status_code == 200
    r = staff.post("/api/admin/rejudge", json={"task_id": tid})
    assert r.status_code == 200, r.text
    assert r.json() == {"queued": [{"submission_id": sid, "attempt": 2}], "count": 1}
    again = wait_for(lambda: (lambda s: s if s["attempt"] == 2 and s["status"] in ("completed", "failed") else None)(
        staff.get("/api/admin/submissions/%d" % sid).json()), "the rejudged result", 300)
    assert (again["status"], again["verdict"], again["score"]) == ("completed", "PA", 50), again
    assert (again["previous_verdict"], again["previous_score"], again["previous_status"]) == ("AC", 100, "completed")
    assert again["rejudged_at"]
    audit = last_audit(db, "submissions", tid)
    assert audit["action"] == "POST /api/admin/rejudge"
    assert audit["after"]["queued"] == [{"id": sid, "attempt": 2, "previous_verdict": "AC", "previous_score": 100}]
    listed = staff.get("/api/admin/submissions?task_id=%d" % tid).json()["submissions"][0]
    assert (listed["verdict"], listed["previous_verdict"]) == ("PA", "AC")

    # One submission by id, too.
    r = staff.post("/api/admin/rejudge", json={"submission_ids": [sid]})
    assert r.json() == {"queued": [{"submission_id": sid, "attempt": 3}], "count": 1}
    third = wait_for(lambda: (lambda s: s if s["attempt"] == 3 and s["status"] in ("completed", "failed") else None)(
        staff.get("/api/admin/submissions/%d" % sid).json()), "the second rejudge", 300)
    assert (third["verdict"], third["previous_verdict"], third["previous_score"]) == ("PA", "PA", 50)


# ---- Users and teams -------------------------------------------------------------------------------

def test_users_create_update_reset_password_and_deactivate(httpd, staff, db):
    name = "made%s" % secrets.token_hex(4)
    r = staff.post("/api/admin/users", json={"username": name, "password": "first-pass", "display_name": "Made"})
    assert r.status_code == 201, r.text
    user = r.json()
    assert (user["username"], user["display_name"], user["is_staff"], user["has_password"]) == (name, "Made", False, True)
    audit = last_audit(db, "user", user["id"])
    assert audit["after"]["password_set"] is True
    assert "$2y$" not in str(audit) and "first-pass" not in str(audit)  # neither the hash nor the password
    made = Client(httpd.base, name, "first-pass")
    team = staff.post("/api/admin/teams", json={"name": "team-%s" % secrets.token_hex(4)}).json()

    r = staff.put("/api/admin/users/%d" % user["id"], json={"password": "second-pass", "team_id": team["id"],
                                                           "is_staff": True})
    assert r.status_code == 200, r.text
    assert (r.json()["team"], r.json()["is_staff"]) == (team["name"], True)
    assert made.get("/api/me").status_code == 401  # a reset ends the account's sessions
    promoted = Client(httpd.base, name, "second-pass")
    with pytest.raises(AssertionError):
        Client(httpd.base, name, "first-pass")
    audit = last_audit(db, "user", user["id"])
    assert audit["before"]["is_staff"] is False and audit["after"]["is_staff"] is True
    assert promoted.get("/api/admin/teams").status_code == 200
    # Taking the flag away holds at once, for a session that is open too.
    assert staff.put("/api/admin/users/%d" % user["id"], json={"is_staff": False}).status_code == 200
    assert error_of(promoted.get("/api/admin/teams"), 403) == "staff only"
    assert staff.put("/api/admin/users/%d" % user["id"], json={"is_active": False}).status_code == 200
    with pytest.raises(AssertionError):
        Client(httpd.base, name, "second-pass")
    listed = {u["username"]: u for u in staff.get("/api/admin/users").json()["users"]}
    assert listed[name]["is_active"] is False and listed[name]["team_id"] == team["id"]


def test_users_bad_input_is_refused_and_writes_nothing(staff, db):
    before = (audit_count(db), db.execute("SELECT count(*) FROM users").fetchone()[0])
    for method, path, body, status, message in [
        ("POST", "/api/admin/users", {"username": "student", "password": "long-enough"}, 409, "the username \"student\" is taken"),
        ("POST", "/api/admin/users", {"username": "has space", "password": "long-enough"}, 400, "username must be 1-64"),
        ("POST", "/api/admin/users", {"username": "shortpw", "password": "short"}, 400, "password must be at least 8"),
        ("POST", "/api/admin/users", {"username": "nopw"}, 400, "password is required"),
        ("POST", "/api/admin/users", {"username": "x1", "password": "long-enough", "team_id": 999999999}, 400,
         "team_id: team 999999999 not found"),
        ("PUT", "/api/admin/users/999999999", {"display_name": "x"}, 404, "user 999999999 not found"),
        ("PUT", "/api/admin/users/%d" % staff.user_id, {"username": "renamed"}, 400, "username cannot be changed"),
        ("PUT", "/api/admin/users/%d" % staff.user_id, {"is_staff": False}, 409, "your own staff flag"),
        ("PUT", "/api/admin/users/%d" % staff.user_id, {"is_active": "no"}, 400, "is_active must be true or false"),
    ]:
        assert message in error_of(staff.call(method, path, json=body), status), body
    assert (audit_count(db), db.execute("SELECT count(*) FROM users").fetchone()[0]) == before


def test_users_import_previews_reports_every_row_and_is_all_or_nothing(httpd, staff, db):
    tag = secrets.token_hex(3)
    team = "imp-%s" % tag
    csv = ("username,display_name,password,team,staff\n"
           "a%s,\"Ann, A.\",password-a,%s,\n"
           "b%s,Bob,password-b,%s,true\n"
           "c%s,Cid,password-c\n") % (tag, team, tag, team, tag)
    users = lambda: db.execute("SELECT count(*) FROM users").fetchone()[0]  # noqa: E731
    before = (audit_count(db), users())
    r = staff.post("/api/admin/users/import?dry_run=1", files={"csv": ("u.csv", csv)})
    assert r.status_code == 200, r.text
    body = r.json()
    rows = body.pop("rows")
    assert body == {"dry_run": True, "would_create": 3, "new_teams": [team]}
    # The preview names every row it would create, never its password.
    assert [(x["line"], x["username"]) for x in rows] == [(2, "a" + tag), (3, "b" + tag), (4, "c" + tag)]
    assert all("password" not in x for x in rows)
    assert (audit_count(db), users()) == before

    bad = csv + "student,Dup,password-d\nc%s,Again,password-e\nbad name,X,password-f\nd%s,X,short\n" % (tag, tag)
    r = staff.post("/api/admin/users/import", files={"csv": ("u.csv", bad)})
    body = r.json()
    # Every row's problem at once: the file's and the database's.
    assert r.status_code == 400 and body["error"] == "4 of 7 rows cannot be imported; nothing was written"
    assert [(e["line"], e["error"]) for e in body["rows"]] == [
        (5, 'user "student" exists already'), (6, 'user "c%s" is repeated (line 4)' % tag),
        (7, "username must be 1-64 of letters, digits and . _ - @"), (8, "password must be at least 8 characters")]
    dup = csv + "student,Dup,password-d\nc%s,Again,password-e\n" % tag
    r = staff.post("/api/admin/users/import", files={"csv": ("u.csv", dup)})
    body = r.json()
    assert r.status_code == 409 and body["error"] == "2 of 5 rows cannot be imported; nothing was written"
    assert [(e["line"], e["error"]) for e in body["rows"]] == [
        (5, 'user "student" exists already'), (6, 'user "c%s" is repeated (line 4)' % tag)]
    for upload, message in [("", "csv is empty (0 bytes)"), ("username,display_name,password\n", "csv holds no accounts"),
                            ("x,y\n", "2 fields; want username,display_name,password"),
                            ('a,"open,password1\n', "a quoted field is not closed"),
                            (b"a,\xff,password1\n", "csv is not UTF-8 text")]:
        r = staff.post("/api/admin/users/import", files={"csv": ("u.csv", upload)})
        assert message in (r.json()["error"] + str(r.json().get("rows"))), upload
    assert error_of(staff.post("/api/admin/users/import?dry_run=yes", files={"csv": ("u.csv", csv)}), 400) == \
        "dry_run must be 0 or 1"
    assert (audit_count(db), users()) == before

    r = staff.post("/api/admin/users/import", files={"csv": ("u.csv", csv)})
    assert r.status_code == 201, r.text
    created = {u["username"]: u for u in r.json()["created"]}
    assert created["a%s" % tag]["display_name"] == "Ann, A." and created["a%s" % tag]["team"] == team
    assert created["b%s" % tag]["is_staff"] is True and created["c%s" % tag]["team"] is None
    assert users() == before[1] + 3
    Client(httpd.base, "b%s" % tag, "password-b")
    assert sorted(u["username"] for u in last_audit(db, "users")["after"]["created"]) == sorted(created)


def test_teams_create_rename_delete_and_conflicts(staff, db):
    name = "t-%s" % secrets.token_hex(4)
    r = staff.post("/api/admin/teams", json={"name": name})
    assert r.status_code == 201, r.text
    team = r.json()
    assert team["members"] == []
    member, uid = new_user(db)
    db.execute("UPDATE users SET team_id = %s WHERE id = %s", (team["id"], uid))
    r = staff.put("/api/admin/teams/%d" % team["id"], json={"name": name + "-x"})
    assert r.status_code == 200 and r.json()["name"] == name + "-x"
    assert r.json()["members"] == [{"id": uid, "username": member}]
    audit = last_audit(db, "team", team["id"])
    assert audit["before"]["name"] == name and audit["after"]["name"] == name + "-x"
    before = audit_count(db)
    assert "exists already" in error_of(staff.post("/api/admin/teams", json={"name": name + "-x"}), 409)
    assert error_of(staff.post("/api/admin/teams", json={"name": ""}), 400) == "name must not be empty"
    assert error_of(staff.post("/api/admin/teams", json={}), 400) == "name is required"
    assert error_of(staff.put("/api/admin/teams/999999999", json={"name": "z"}), 404) == "team 999999999 not found"
    assert error_of(staff.delete("/api/admin/teams/999999999"), 404) == "team 999999999 not found"
    assert audit_count(db) == before
    assert any(t["id"] == team["id"] for t in staff.get("/api/admin/teams").json()["teams"])
    r = staff.delete("/api/admin/teams/%d" % team["id"])
    assert r.status_code == 200 and r.json() == {"id": team["id"], "deleted": True}
    assert db.execute("SELECT team_id FROM users WHERE id = %s", (uid,)).fetchone() == (None,)
    assert last_audit(db, "team", team["id"])["after"] is None


def test_audit_lists_changes_newest_first(staff, db):
    task = new_task(staff)
    staff.put("/api/admin/tasks/%d" % task["id"], json={"title": "Second"})
    body = staff.get("/api/admin/audit?object_type=task&object_id=%d" % task["id"]).json()
    assert body["total"] == 2
    assert [e["action"] for e in body["entries"]] == ["PUT /api/admin/tasks/{id}", "POST /api/admin/tasks"]
    assert body["entries"][0]["actor"] == staff.username and body["entries"][0]["actor_id"] == staff.user_id
    page = staff.get("/api/admin/audit?object_type=task&object_id=%d&per_page=1&page=2" % task["id"]).json()
    assert [e["action"] for e in page["entries"]] == ["POST /api/admin/tasks"]
    assert "object_type must be one of" in error_of(staff.get("/api/admin/audit?object_type=nope"), 400)


def test_grades_csv_has_each_students_best_score_per_task(httpd, staff, db):
    task = new_task(staff)
    student = login(httpd, db)
    db.execute("UPDATE users SET display_name = %s WHERE id = %s", ('=HYPERLINK("x"), Ann', student.user_id))
    for score in (40, 90, 70):
        db.execute("INSERT INTO submissions (user_id, task_id, code, language_id, status, verdict, score)"
                   " VALUES (%s, %s, 'x', 71, 'completed', 'PA', %s)", (student.user_id, task["id"], score))
    db.execute("INSERT INTO submissions (user_id, task_id, code, language_id, status, verdict, score)"
               " VALUES (%s, %s, 'x', 71, 'completed', 'AC', 100)", (staff.user_id, task["id"]))
    r = staff.get("/api/admin/grades.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert 'filename="grades.csv"' in r.headers["Content-Disposition"]
    import csv as csvmod
    rows = list(csvmod.DictReader(io.StringIO(r.text)))
    mine = [row for row in rows if row["username"] == student.username]
    assert len(mine) == 1 and mine[0][task["slug"]] == "90"
    assert mine[0]["display_name"] == '\'=HYPERLINK("x"), Ann'  # no formula for a spreadsheet
    assert not any(row["username"] == staff.username for row in rows)  # staff are never graded


def test_admin_statements_work_again_after_a_postgresql_restart(httpd, services, db):
    # The staff API prepares its statements on each pooled connection when first used there; a
    # restart takes them with the old backends, and they are prepared again.
    staff = staff_client(httpd, db)
    for _ in range(4):
        assert staff.get("/api/admin/teams").status_code == 200
    services.pg.stop()
    try:
        wait_health(httpd, "database", "down")
        assert error_of(staff.get("/api/admin/teams"), 503) == "database unavailable"
    finally:
        services.pg.start()
    wait_health(httpd, "database", "ok")
    for _ in range(8):  # several requests, to reach several pooled connections
        r = staff.get("/api/admin/teams")
        assert r.status_code == 200, r.text
    assert staff.post("/api/admin/teams", json={"name": "after-%s" % secrets.token_hex(4)}).status_code == 201


def test_large_binary_test_data_round_trips(staff):
    tid = new_task(staff)["id"]
    data = secrets.token_bytes(3 * 1024 * 1024)
    r = staff.post("/api/admin/tasks/%d/tests" % tid, json={"input_base64": base64.b64encode(data).decode()})
    assert r.status_code == 201, r.text
    assert r.json()["input_size"] == len(data)
    assert staff.get("/api/admin/tests/%d/input" % r.json()["id"]).content == data
    r = staff.post("/api/admin/tasks/%d/tests/archive" % tid, files={"archive": ("t.zip", zip_of({"big.in": data, "big.ans": "x"}))})
    assert r.status_code == 201, r.text
    assert staff.get("/api/admin/tests/%d/input" % r.json()["added"][0]["id"]).content == data


def test_rejudge_message_matches_the_submit_path_and_survives_a_broker_outage(httpd, services, staff, db):
    tid = new_task(staff)["id"]
    student = login(httpd, db)
    sid = db.execute("INSERT INTO submissions (user_id, team_id, task_id, code, language_id, status, verdict, score)"
                     " SELECT id, team_id, %s, 'print(7)', 71, 'completed', 'AC', 100 FROM users WHERE id = %s"
                     " RETURNING id", (tid, student.user_id)).fetchone()[0]
    services.kafka.down()
    try:
        r = staff.post("/api/admin/rejudge", json={"submission_ids": [sid]}, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["queued"] == [{"submission_id": sid, "attempt": 2}]
    finally:
        services.kafka.up()
    row = db.execute("SELECT status, attempt, verdict, previous_verdict, team_id FROM submissions WHERE id = %s",
                     (sid,)).fetchone()
    assert row[:4] == ("pending", 2, None, "AC")
    msg = wait_for(lambda: kafka_message(services, sid), "the rejudge's message on code-submissions", 120)
    revision = db.execute("SELECT revision FROM tasks WHERE id = %s", (tid,)).fetchone()[0]
    assert (msg["submission_id"], msg["task_id"], msg["user_id"], msg["team_id"]) == (sid, tid, student.user_id, row[4])
    assert (msg["code"], msg["language_id"], msg["attempt"], msg["task_revision"]) == ("print(7)", 71, 2, revision)
