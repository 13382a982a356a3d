"""POST <base>/api/admin/tasks/import through httpd and PostgreSQL (DESIGN.md §8): staff only, with
the CSRF token, a zip in the multipart field "package"; clear 400s with nothing written; a package
imports as a task with its tests, groups and warnings, and again as the next revision. Also what
students see of the judges' per-test fields (judge_message; stderr and exit_code of hidden tests)."""

import io
import json
import secrets
import uuid
import zipfile

import pytest
import requests

from test_module_helpers import ensure_task, login

IMPORT = "/api/admin/tasks/import"
BINARY_SECRET = b"\x00\xff\xfe binary \x80\n"
BINARY_SAMPLE = b"\x00\x01\x02"


def package_zip(problem_uuid, extra=None, drop=()):
    """A small Kattis package: two samples (one binary), two secret groups scored 10 and 20, a C
    header under include/ (not supported: a warning) and an accepted solution."""
    files = {
        "problem.yaml": "name: Imported sum\nuuid: %s\ntype: scoring\nlimits:\n  time_limit: 2\n" % problem_uuid,
        "statement/problem.en.md": "Print the sum of two numbers.\n",
        "data/sample/01.in": "1 2\n",
        "data/sample/01.ans": "3\n",
        "data/sample/02.in": BINARY_SAMPLE,
        "data/sample/02.ans": "x\n",
        "data/secret/group1/testdata.yaml": "accept_score: 10\n",
        "data/secret/group1/01.in": BINARY_SECRET,
        "data/secret/group1/01.ans": BINARY_SECRET,
        "data/secret/group2/testdata.yaml": "accept_score: 20\n",
        "data/secret/group2/01.in": "5 6\n",
        "data/secret/group2/01.ans": "11\n",
        "include/c/helper.h": "#define X 1\n",
        "submissions/accepted/sum.py": "a, b = map(int, input().split())\nprint(a + b)\n",
    }
    files.update(extra or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            if name not in drop:
                z.writestr(name, data)
    return buf.getvalue()


def upload(client, data, filename="pkg.zip", csrf=True, field="package"):
    return client.post(IMPORT, csrf=csrf, files={field: (filename, data, "application/zip")}, timeout=120)


def task_row(db, slug):
    return db.execute("SELECT id, revision FROM tasks WHERE slug = %s", (slug,)).fetchone()


def fresh_slug():
    return "imp-" + secrets.token_hex(4)


@pytest.fixture
def staff(httpd, db):
    return login(httpd, db, staff=True)


def test_only_staff_with_the_token_may_import(httpd, db, staff):
    slug = fresh_slug()
    data = package_zip(uuid.uuid4())
    student = login(httpd, db)
    r = upload(student, data, slug + ".zip")
    assert r.status_code == 403 and r.json() == {"error": "staff only"}
    r = requests.post(httpd.base + IMPORT, files={"package": (slug + ".zip", data)}, timeout=60)
    assert r.status_code == 401 and r.json() == {"error": "not logged in"}
    r = upload(staff, data, slug + ".zip", csrf=False)
    assert r.status_code == 403, r.text
    assert r.json()["error"].startswith("missing CSRF token")
    assert task_row(db, slug) is None


@pytest.mark.parametrize("field,data,error", [
    ("archive", b"PK\x03\x04", 'no "package" field: send the problem package (a zip) in it'),
    ("package", b"", "the package is empty (0 bytes)"),
    ("package", b"name: not a zip\n", "the package is not a zip file"),
])
def test_what_is_not_a_package_is_a_clear_400(staff, db, field, data, error):
    slug = fresh_slug()
    r = upload(staff, data, slug + ".zip", field=field)
    assert r.status_code == 400 and r.json() == {"error": error}
    assert task_row(db, slug) is None


def test_a_package_the_reader_refuses_writes_nothing(staff, db):
    slug = fresh_slug()
    data = package_zip(uuid.uuid4(), drop=[n for n in zipfile.ZipFile(io.BytesIO(package_zip("x"))).namelist()
                                         if n.startswith("data/")])
    r = upload(staff, data, slug + ".zip")
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error.startswith("cannot import the package: ") and "data" in error, error
    assert task_row(db, slug) is None
    r = upload(staff, package_zip(uuid.uuid4(), extra={"problem.yaml": "name: [unclosed\n"}), slug + ".zip")
    assert r.status_code == 400 and r.json()["error"].startswith("cannot import the package: "), r.text
    assert task_row(db, slug) is None


def test_a_package_imports_and_imports_again_as_the_next_revision(httpd, staff, db):
    slug = fresh_slug()
    data = package_zip(uuid.uuid4())
    r = upload(staff, data, slug + ".zip")
    assert r.status_code == 201, r.text
    body = r.json()
    assert {"task_id", "slug", "revision", "created", "warnings"} <= set(body), body
    assert body["slug"] == slug and body["created"] is True
    assert any("include/" in w for w in body["warnings"]), body["warnings"]
    task_id, revision = task_row(db, slug)
    assert (task_id, revision) == (body["task_id"], body["revision"])

    tests = db.execute('SELECT t.is_sample, g.name, b.content FROM tests t JOIN blobs b ON b.sha256 = t.input_sha256'
                       ' LEFT JOIN test_groups g ON g.id = t.group_id WHERE t.task_id = %s ORDER BY t."order"',
                       (task_id,)).fetchall()
    assert len(tests) == 4, tests
    assert [s for s, _, _ in tests].count(True) == 2
    # Binary test data reaches the database byte for byte.
    assert BINARY_SECRET in [bytes(c) for _, _, c in tests]
    groups = {name for (name,) in db.execute("SELECT name FROM test_groups WHERE task_id = %s", (task_id,))}
    assert any(n.endswith("group1") for n in groups) and any(n.endswith("group2") for n in groups), groups

    # A new task starts closed, until staff open it; then students see the samples: text as it is,
    # the binary one said to be binary.
    assert db.execute("SELECT is_open FROM tasks WHERE id = %s", (task_id,)).fetchone()[0] is False
    db.execute("UPDATE tasks SET is_open = true WHERE id = %s", (task_id,))
    samples = login(httpd, db).get("/api/tasks/%d" % task_id).json()["samples"]
    assert samples[0]["input"] == "1 2\n" and samples[0]["output"] == "3\n", samples
    assert samples[1]["input"] == "(binary data, 3 bytes)" and samples[1]["input_binary"] is True, samples
    assert samples[1]["input_size"] == len(BINARY_SAMPLE) and samples[1]["output"] == "x\n"

    r = upload(staff, data, slug + ".zip")
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["created"] is False and again["task_id"] == task_id and again["slug"] == slug
    # The next revision: one transaction moves it once, however many rows it changed.
    assert again["revision"] == revision + 1, (revision, again)
    assert task_row(db, slug) == (task_id, again["revision"])
    assert db.execute("SELECT count(*) FROM tests WHERE task_id = %s", (task_id,)).fetchone()[0] == 4
    # Both imports are in the audit trail, by the staff member who made them, with the task before
    # (none the first time) and after.
    audit = db.execute("SELECT actor_name, action, before IS NULL, after->>'revision' FROM staff_audit"
                       " WHERE object_type = 'task' AND object_id = %s ORDER BY id", (task_id,)).fetchall()
    assert [a[1:] for a in audit] == [("import", True, str(revision)), ("import", False, str(again["revision"]))]
    actors = db.execute("SELECT DISTINCT u.is_staff FROM staff_audit a JOIN users u ON u.id = a.actor_id"
                        " AND u.username = a.actor_name WHERE a.object_type = 'task' AND a.object_id = %s",
                        (task_id,)).fetchall()
    assert actors == [(True,)], actors


def test_the_package_size_has_its_own_limit(httpd_factory, mpm, db):
    server = httpd_factory(mpm=mpm, extra="SolveitMaxPackageSize 2K")
    staff = login(server, db, staff=True)
    slug = fresh_slug()
    # Past the 2K and the 64K of room the route leaves for the form's other fields.
    big = package_zip(uuid.uuid4(), extra={"data/secret/group2/02.in": secrets.token_bytes(100_000),
                                           "data/secret/group2/02.ans": "1\n"})
    r = upload(staff, big, slug + ".zip")
    assert r.status_code == 413, r.text
    assert r.json() == {"error": "the package is larger than 2048 bytes (SolveitMaxPackageSize)"}
    assert task_row(db, slug) is None


# ---- what students see of the judges' fields --------------------------------------------------------

STAFF_ONLY = {"judge_message", "stderr", "exit_code"}


def test_students_see_a_samples_stderr_and_nothing_of_the_judges_fields(httpd, db):
    """A sample test's error output and exit status are the student's (issue 13: a failed sample shows
    its traceback); a hidden test's never are, and what a validator tells the judges is staff's only."""
    student = login(httpd, db)
    sid = student.submit(task_id=2, code="print(3)").json()["submission_id"]
    results = [
        {"test_id": 1, "order": 1, "is_sample": True, "verdict": "WA", "time": 0.01, "memory": 900, "group": "sample",
         "judge_message": "expected 3 got 4", "team_message": "wrong sum", "stderr": "trace", "exit_code": 0},
        {"test_id": 2, "order": 2, "is_sample": False, "verdict": "RE", "time": 0.02, "memory": 1900,
         "group": "secret", "score": 0, "judge_message": "secret 9", "team_message": "try again",
         "stderr": "hidden traceback", "exit_code": 9},
    ]
    groups = [{"name": "secret", "points": 0, "max_points": 60, "verdict": "RE", "judge_message": "group note"}]
    db.execute("UPDATE submissions SET status = 'completed', verdict = 'RE', score = 0, points = 0, max_points = 60,"
               " passed_tests = 0, total_tests = 2, test_results = %s::jsonb, group_results = %s::jsonb"
               " WHERE id = %s", (json.dumps(results), json.dumps(groups), sid))

    body = student.get("/api/submissions/%d" % sid).json()
    assert (body["points"], body["max_points"]) == (0, 60)
    sample, hidden = body["test_results"]
    assert (sample["stderr"], sample["exit_code"]) == ("trace", 0), sample
    assert "judge_message" not in sample, sample
    assert not STAFF_ONLY & set(hidden), hidden
    for group in body["group_results"]:
        assert "judge_message" not in group and group["max_points"] == 60, group
    assert sample["team_message"] == "wrong sum"
    assert hidden["group"] == "secret" and hidden["team_message"] == "try again"
    text = json.dumps(body)
    assert "secret 9" not in text and "hidden traceback" not in text and "expected 3 got 4" not in text

    staff = login(httpd, db, staff=True)
    seen = staff.get("/api/submissions/%d" % sid).json()
    assert all(STAFF_ONLY <= set(t) for t in seen["test_results"]), seen["test_results"]
    assert seen["test_results"][1]["exit_code"] == 9
    assert seen["group_results"][0]["judge_message"] == "group note"


def test_a_long_sample_is_cut_on_a_whole_character(httpd, db):
    tid = ensure_task(db, "long-sample", title="Long sample")
    text = "a" * (64 * 1024 - 1) + "é" + "tail\n"  # é's two bytes straddle the 64 KB cut
    db.execute('INSERT INTO tests (task_id, "order", input, expected_output, is_sample) VALUES (%s, 1, %s, %s, true)'
               ' ON CONFLICT (task_id, "order") DO NOTHING', (tid, text, "ok\n"))
    sample = login(httpd, db).get("/api/tasks/%d" % tid).json()["samples"][0]
    assert sample["input"] == "a" * (64 * 1024 - 1) and sample["input_truncated"] is True
    assert sample["input_size"] == len(text.encode())
    assert sample["output"] == "ok\n" and "output_truncated" not in sample


def test_the_slug_field_names_the_task(staff, db):
    slug = fresh_slug()
    r = staff.post(IMPORT, files={"package": ("whatever.zip", package_zip(uuid.uuid4()), "application/zip")},
                   data={"slug": "Not a slug!"}, timeout=120)
    assert r.status_code == 400, r.text
    assert r.json()["error"].startswith('cannot import the package: slug "Not a slug!" must be'), r.text
    r = staff.post(IMPORT, files={"package": ("whatever.zip", package_zip(uuid.uuid4()), "application/zip")},
                   data={"slug": slug}, timeout=120)
    assert r.status_code == 201, r.text
    assert r.json()["slug"] == slug and task_row(db, slug)[0] == r.json()["task_id"]


def test_an_interactive_tasks_samples_are_not_shown(httpd, db):
    """Its input and answer are the validator's (the number to guess), not the student's."""
    # A task of its own per run: the test runs once per MPM against one database.
    tid = ensure_task(db, "interactive-samples-" + secrets.token_hex(4), title="Interactive samples")
    db.execute('INSERT INTO tests (task_id, "order", input, expected_output, is_sample) VALUES (%s, 1, %s, %s, true)'
               ' ON CONFLICT (task_id, "order") DO NOTHING', (tid, "42\n", "42\n"))
    student = login(httpd, db)
    assert [s["input"] for s in student.get("/api/tasks/%d" % tid).json()["samples"]] == ["42\n"]
    db.execute("UPDATE tasks SET checker = 'interactive', validator_language_id = 54,"
               " validator_source = 'int main() { return 42; }' WHERE id = %s", (tid,))
    assert student.get("/api/tasks/%d" % tid).json()["samples"] == []
