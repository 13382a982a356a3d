"""The routes behind the staff tests page (issue 12 "tests"): the self-check of a package's own
submissions from the browser (GET/POST /api/admin/tasks/{id}/self-check), reordering tests (PUT
order swaps), and the archive upload's errors, each with its message and nothing written."""

import io
import re
import secrets
import uuid
import zipfile
from pathlib import Path

import pytest
import requests

from polling import wait_for
from test_admin_api import audit_count, error_of, last_audit, new_task, staff_client, zip_of
from test_module_helpers import login

pytestmark = pytest.mark.usefixtures("built_programs")

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
SELF_CHECK = "/api/admin/tasks/%d/self-check"


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


def package_of(name, leave_out=None):
    """tests/packages/NAME as a zip, with a fresh uuid (each import is a new task), without the
    files whose path starts with leave_out."""
    root = PACKAGES / name
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            if leave_out and str(path.relative_to(root)).startswith(leave_out):
                continue
            data = path.read_bytes()
            if path.name == "problem.yaml":
                text = re.sub(r"(?m)^uuid:.*$", "uuid: %s" % uuid.uuid4(), data.decode())
                data = text.encode()
            z.writestr(str(path.relative_to(root)), data)
    return buf.getvalue()


def import_package(staff, data, name="pkg"):
    r = staff.post("/api/admin/tasks/import", files={"package": (name + ".zip", data, "application/zip")},
                   data={"slug": "%s-%s" % (name, secrets.token_hex(3))}, timeout=120)
    assert r.status_code == 201, r.text
    return r.json()


# ---- Who may call ----------------------------------------------------------------------------------

def test_self_check_routes_refuse_visitors_students_and_missing_csrf(httpd, db, staff):
    tid = new_task(staff)["id"]
    before = audit_count(db)
    student = login(httpd, db)
    for method in ("GET", "POST"):
        r = requests.request(method, httpd.base + SELF_CHECK % tid, timeout=30)
        assert r.status_code == 401, r.text
        r = student.http.request(method, httpd.base + SELF_CHECK % tid, headers={"X-CSRF-Token": student.csrf},
                                 timeout=30)
        assert error_of(r, 403) == "staff only"
    assert "missing CSRF token" in error_of(staff.post(SELF_CHECK % tid, csrf=False), 403)
    r = staff.post(SELF_CHECK % tid, csrf=False, headers={"X-CSRF-Token": "forged"})
    assert error_of(r, 403) == "invalid CSRF token"
    assert audit_count(db) == before


def test_self_check_of_unknown_task_and_of_a_task_without_package_submissions(staff, db):
    assert error_of(staff.get(SELF_CHECK % 999999999), 404) == "task 999999999 not found"
    assert error_of(staff.post(SELF_CHECK % 999999999), 404) == "task 999999999 not found"
    task = new_task(staff)
    shown = staff.get(SELF_CHECK % task["id"]).json()
    assert (shown["submissions"], shown["total"], shown["next"], shown["running"]) == ([], 0, "none", False)
    before = audit_count(db)
    message = error_of(staff.post(SELF_CHECK % task["id"]), 409)
    assert message == ("task %s has no package submissions to self-check: import a problem package that has a "
                       "submissions/ folder" % task["slug"])
    assert audit_count(db) == before
    # A package without submissions/ is the same.
    imported = import_package(staff, package_of("parity", leave_out="submissions/"), "nosubs")
    assert "has no package submissions" in error_of(staff.post(SELF_CHECK % imported["task_id"]), 409)


def test_a_pending_limit_without_an_accepted_submission_is_refused(staff, db):
    tid = import_package(staff, package_of("parity", leave_out="submissions/accepted/"), "noac")["task_id"]
    shown = staff.get(SELF_CHECK % tid).json()
    assert (shown["time_limit_source"], shown["next"]) == ("pending", "none")
    assert error_of(staff.post(SELF_CHECK % tid), 409).startswith(
        "the time limit is pending and the package has no accepted submission to compute it from")
    assert db.execute("SELECT count(*) FROM submissions WHERE task_id = %s", (tid,)).fetchone()[0] == 0


def test_self_check_account_taken_by_someone_else_is_a_clear_error(staff, db):
    tid = import_package(staff, package_of("parity"), "taken")["task_id"]
    db.execute("UPDATE users SET is_active = true WHERE username = 'solveit-verify'")
    made = db.execute("INSERT INTO users (username, is_staff, is_active, password_hash) VALUES"
                      " ('solveit-verify', false, true, 'x') ON CONFLICT (username) DO NOTHING RETURNING id").fetchone()
    try:
        assert "an account named solveit-verify exists that is not the self-check's" in \
            error_of(staff.post(SELF_CHECK % tid), 409)
        assert db.execute("SELECT count(*) FROM submissions WHERE task_id = %s", (tid,)).fetchone()[0] == 0
    finally:
        if made:
            db.execute("DELETE FROM users WHERE id = %s", made)
        db.execute("UPDATE users SET is_active = false WHERE username = 'solveit-verify'")


def judged(staff, tid):
    shown = staff.get(SELF_CHECK % tid).json()
    return shown if shown["total"] and not shown["running"] else None


def test_self_check_judges_a_pending_package_in_two_rounds_to_a_table(services, db, pipeline):
    """tests/packages/parity has no time limit: the accepted submissions first, the limit computed
    from them, then the wrong answers; every row agrees with the package."""
    staff = staff_client(pipeline.httpd, db)
    tid = import_package(staff, package_of("parity"), "parity")["task_id"]
    shown = staff.get(SELF_CHECK % tid).json()
    assert (shown["time_limit_source"], shown["next"], shown["total"], shown["judged"]) == ("pending", "accepted", 5, 0)
    paths = [s["path"] for s in shown["submissions"]]
    assert paths == sorted(paths) and "submissions/accepted/parity.py" in paths
    assert all(s["run"] is None and s["ok"] is None for s in shown["submissions"])

    r = staff.post(SELF_CHECK % tid)
    assert r.status_code == 202, r.text
    assert (r.json()["phase"], r.json()["count"], r.json()["unsent"]) == ("accepted", 3, 0)
    audit = last_audit(db, "submissions", tid)
    assert (audit["action"], audit["after"]["self_check"]) == ("POST /api/admin/tasks/{id}/self-check", "accepted")
    # A second start while it judges is refused.
    again = staff.post(SELF_CHECK % tid)
    if again.status_code == 409:
        assert "is still judging" in again.json()["error"]
    first = wait_for(lambda: judged(staff, tid), "the accepted round", 300)
    assert first["next"] == "rest" and first["judged"] == 3 and first["agree"] == 3, first

    r = staff.post(SELF_CHECK % tid)
    assert (r.status_code, r.json()["phase"], r.json()["count"]) == (202, "rest", 2), r.text
    task = db.execute("SELECT time_limit_ms, time_limit_source FROM tasks WHERE id = %s", (tid,)).fetchone()
    assert task[1] == "computed" and task[0] >= 1000 and task[0] % 100 == 0
    assert last_audit(db, "task", tid)["after"]["time_limit_source"] == "computed"
    done = wait_for(lambda: (lambda s: s if s and s["judged"] == 5 else None)(judged(staff, tid)), "the rest", 300)
    assert (done["time_limit_source"], done["next"], done["agree"]) == ("computed", "all", 5), done
    rows = {s["path"]: s for s in done["submissions"]}
    wrong = rows["submissions/wrong_answer/swapped.py"]
    assert (wrong["expected"], wrong["run"]["status"], wrong["run"]["verdict"], wrong["ok"]) == \
        (["WA"], "completed", "WA", True)
    assert rows["submissions/accepted/parity.c"]["run"]["verdict"] == "AC"
    assert all(s["run"]["time"] is not None for s in done["submissions"])
    owners = db.execute("SELECT DISTINCT u.username FROM submissions s JOIN users u ON u.id = s.user_id"
                        " WHERE s.task_id = %s", (tid,)).fetchall()
    assert owners == [("solveit-verify",)]

    # With the limit computed, a run takes every submission at once; a wrong expectation shows.
    db.execute("UPDATE task_package_submissions SET expected = '{AC}' WHERE task_id = %s AND path = %s",
               (tid, "submissions/wrong_answer/swapped.py"))
    r = staff.post(SELF_CHECK % tid)
    assert (r.status_code, r.json()["phase"], r.json()["count"]) == (202, "all", 5), r.text
    final = wait_for(lambda: (lambda s: s if s and s["judged"] == 5 else None)(judged(staff, tid)), "the rerun", 300)
    rows = {s["path"]: s for s in final["submissions"]}
    assert rows["submissions/wrong_answer/swapped.py"]["ok"] is False and final["agree"] == 4


# ---- Reordering ------------------------------------------------------------------------------------

def test_moving_a_test_onto_another_swaps_them_with_audit_rows(staff, db):
    tid = new_task(staff)["id"]
    ids = [staff.post("/api/admin/tasks/%d/tests" % tid, json={"input": str(i), "answer": str(i)}).json()["id"]
           for i in range(3)]
    before = audit_count(db)
    r = staff.put("/api/admin/tests/%d" % ids[2], json={"order": 2})
    assert r.status_code == 200 and r.json()["order"] == 2, r.text
    listed = staff.get("/api/admin/tasks/%d/tests" % tid).json()["tests"]
    assert [(t["id"], t["order"]) for t in listed] == [(ids[0], 1), (ids[2], 2), (ids[1], 3)]
    assert audit_count(db) == before + 2
    moved = last_audit(db, "test", ids[1])
    assert (moved["before"]["order"], moved["after"]["order"]) == (2, 3)
    # A refused change swaps nothing back and forth: both keep their places.
    r = staff.put("/api/admin/tests/%d" % ids[0], json={"order": 2, "input_base64": "!!"})
    assert error_of(r, 400) == "input_base64 is not valid base64"
    listed = staff.get("/api/admin/tasks/%d/tests" % tid).json()["tests"]
    assert [(t["id"], t["order"]) for t in listed] == [(ids[0], 1), (ids[2], 2), (ids[1], 3)]
    assert audit_count(db) == before + 2


# ---- Archive upload --------------------------------------------------------------------------------

@pytest.mark.parametrize("upload, message", [
    (zip_of({"a.in": "1", "a.ans": "1", "b.in": "2"}), "archive holds b.in without b.ans"),
    (zip_of({"/abs.in": "1", "/abs.ans": "1"}), 'archive entry "/abs.in" is not a plain relative path'),
    (zip_of({"x/../../up.in": "1", "x/../../up.ans": "1"}), 'archive entry "x/../../up.in" is not a plain relative'),
    (b"", "archive is empty (0 bytes)"),
    (b"PK\x03\x04 truncated", "archive"),
    (b"plain text", "archive is not a zip file"),
])
def test_a_refused_archive_changes_nothing(staff, db, upload, message):
    tid = new_task(staff)["id"]
    assert staff.post("/api/admin/tasks/%d/tests" % tid, json={"input": "1", "answer": "1"}).status_code == 201
    state = lambda: (audit_count(db), db.execute(  # noqa: E731
        "SELECT count(*), (SELECT revision FROM tasks WHERE id = %s) FROM tests WHERE task_id = %s",
        (tid, tid)).fetchone())
    before = state()
    r = staff.post("/api/admin/tasks/%d/tests/archive" % tid, files={"archive": ("t.zip", upload)})
    assert message in error_of(r, 400)
    assert state() == before


def test_an_archive_answers_what_it_added_with_one_audit_row(staff, db):
    tid = new_task(staff)["id"]
    r = staff.post("/api/admin/tasks/%d/tests/archive" % tid,
                   files={"archive": ("t.zip", zip_of({"b/2.in": "2", "b/2.ans": "4", "1.in": "1", "1.ans": "2",
                                                       "README": "x"}))})
    assert r.status_code == 201, r.text
    assert [(t["name"], t["input_size"], t["answer_size"]) for t in r.json()["added"]] == [("1", 1, 1), ("2", 1, 1)]
    audit = last_audit(db, "tests", tid)
    assert len(audit["after"]["added"]) == 2
