"""Assignments (issue 13, doc/courses-and-contests.md) against the real httpd and PostgreSQL: the
staff API's create, read, change and delete with their audit rows and every refusal's sentence;
what students see of an upcoming, a team-only and an open assignment (list, task, samples, images,
submitting); on-time, late and refused submissions with the late mark and the final score; the
deadline moved re-marking stored submissions; the grades of one assignment; the global
leaderboard's tasks; and solveit-admin's assignment subcommands. Times are set from the
database's now(); submissions are judged by SQL here (the pipeline's tests judge for real)."""

import csv
import io
import json
import secrets
from datetime import timedelta

import pytest

from polling import wait_for
from test_admin_api import audit_count, error_of, last_audit, new_task, staff_client
from test_admin_cli import ADMIN, admin
from test_admin_task_pages import png, upload
from test_module_helpers import Client, login, new_user

pytestmark = pytest.mark.usefixtures("built_programs")


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


def db_now(db):
    return db.execute("SELECT now()").fetchone()[0]


def iso(t):
    return t.astimezone(tz=None).strftime("%Y-%m-%dT%H:%M:%S%z")


def at(db, hours):
    """An ISO 8601 time (with its zone) hours from the database's now."""
    return iso(db_now(db) + timedelta(hours=hours))


def utc(db, text):
    """text as the API writes times (UTC, Z)."""
    return db.execute("SELECT solveit_iso(%s::timestamptz)", (text,)).fetchone()[0]


def open_task(staff, **fields):
    return new_task(staff, is_open=True, **fields)["id"]


def create(staff, db, **fields):
    body = {"title": "Week %s" % secrets.token_hex(3), "opens_at": at(db, -2), "due_at": at(db, 2)}
    body.update(fields)
    r = staff.post("/api/admin/assignments", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def judge(db, submission_id, score, verdict=None):
    """What the result-sink writes of a judged submission (status, score, verdict)."""
    db.execute("UPDATE submissions SET status = 'completed', score = %s, verdict = %s WHERE id = %s",
               (score, verdict or ("AC" if score == 100 else "WA"), submission_id))


def submit(client, task_id):
    return client.submit(task_id=task_id, code="print(1)\n")


def stored_at(db, submission_id, hours):
    db.execute("UPDATE submissions SET submitted_at = now() + make_interval(secs => %s) WHERE id = %s",
               (hours * 3600, submission_id))


# ---- The staff API ---------------------------------------------------------------------------------

def test_create_read_change_delete_with_audit_rows(staff, db):
    t1, t2 = open_task(staff), open_task(staff)
    opens, due, closes = at(db, -1), at(db, 24), at(db, 48)
    r = staff.post("/api/admin/assignments", json={"title": "Week 1", "opens_at": opens, "due_at": due,
                                                   "closes_at": closes, "late_penalty": 20, "task_ids": [t2, t1],
                                                   "position": 3})
    assert r.status_code == 201, r.text
    a = r.json()
    assert {k: a[k] for k in ("title", "position", "task_ids", "team_ids", "visible_to_all", "late_penalty",
                              "contest", "freeze_at", "unfrozen_at", "frozen", "state")} == {
        "title": "Week 1", "position": 3, "task_ids": [t2, t1], "team_ids": [], "visible_to_all": True,
        "late_penalty": 20, "contest": False, "freeze_at": None, "unfrozen_at": None, "frozen": False,
        "state": "open"}
    assert (a["opens_at"], a["due_at"], a["closes_at"]) == (utc(db, opens), utc(db, due), utc(db, closes))
    assert a["opens_at"].endswith("Z") and a["created_at"] and a["updated_at"]
    audit = last_audit(db, "assignment", a["id"])
    assert (audit["actor_id"], audit["action"], audit["before"]) == (staff.user_id, "POST /api/admin/assignments",
                                                                     None)
    assert audit["after"]["task_ids"] == [t2, t1]

    assert staff.get("/api/admin/assignments/%d" % a["id"]).json() == a
    listed = staff.get("/api/admin/assignments").json()["assignments"]
    assert [x for x in listed if x["id"] == a["id"]] == [a]

    # PUT is partial: what is absent stays.
    r = staff.put("/api/admin/assignments/%d" % a["id"], json={"title": "Week 1 (again)", "task_ids": [t1]})
    assert r.status_code == 200, r.text
    b = r.json()
    assert (b["title"], b["task_ids"], b["due_at"], b["late_penalty"]) == ("Week 1 (again)", [t1], a["due_at"], 20)
    audit = last_audit(db, "assignment", a["id"])
    assert audit["action"] == "PUT /api/admin/assignments/{id}"
    assert (audit["before"]["title"], audit["after"]["title"]) == ("Week 1", "Week 1 (again)")
    assert staff.get("/api/tasks").json()["tasks"] and {
        t["id"]: t["assignment_id"] for t in staff.get("/api/tasks").json()["tasks"]}[t2] is None

    r = staff.delete("/api/admin/assignments/%d" % a["id"])
    assert (r.status_code, r.json()) == (200, {"id": a["id"], "deleted": True})
    audit = last_audit(db, "assignment", a["id"])
    assert (audit["action"], audit["before"]["title"], audit["after"]) == (
        "DELETE /api/admin/assignments/{id}", "Week 1 (again)", None)
    assert error_of(staff.get("/api/admin/assignments/%d" % a["id"]), 404) == \
        "Assignment %d does not exist." % a["id"]
    # Its tasks stay, in no assignment.
    tasks = {t["id"]: t for t in staff.get("/api/tasks").json()["tasks"]}
    assert tasks[t1]["assignment_id"] is None
    assert error_of(staff.delete("/api/admin/assignments/%d" % a["id"]), 404) == \
        "Assignment %d does not exist." % a["id"]


def test_every_refusal_is_a_sentence_naming_the_field_and_changes_nothing(staff, db):
    t1 = open_task(staff)
    taken = create(staff, db, title="Week taken", task_ids=[t1])
    ok = {"title": "W", "opens_at": at(db, -1), "due_at": at(db, 1)}
    cases = [
        ({"opens_at": "2026-12-08T10:00:00"},
         'opens_at needs a time zone: write "2026-12-08T10:00:00" with Z (UTC) or an offset such as +01:00.'),
        ({"closes_at": "2026-12-08 10:00"},
         'closes_at needs a time zone: write "2026-12-08 10:00" with Z (UTC) or an offset such as +01:00.'),
        ({"due_at": "tomorrow"}, 'due_at must be an ISO 8601 time such as 2026-12-08T10:00:00Z, not "tomorrow".'),
        ({"due_at": "2026-02-30T10:00:00Z"}, 'due_at is not an existing time: "2026-02-30T10:00:00Z".'),
        ({"due_at": at(db, -1)}, "due_at must be after opens_at."),
        ({"closes_at": at(db, 0.5)}, "closes_at must not be before due_at."),
        ({"task_ids": [t1]}, "Task %d is already in the assignment Week taken." % t1),
        ({"task_ids": [999999999]}, "Task 999999999 in task_ids does not exist."),
        ({"task_ids": [t1, t1]}, "Task %d is listed twice in task_ids." % t1),
        ({"team_ids": [999999999]}, "Team 999999999 in team_ids does not exist."),
        ({"contest": True, "closes_at": at(db, 2)}, "A contest has no late window: closes_at must be empty."),
        ({"contest": True, "late_penalty": 10}, "A contest has no late penalty: late_penalty must be 0."),
        ({"freeze_at": at(db, 0)}, "freeze_at is for contests only."),
        ({"contest": True, "freeze_at": at(db, 3)}, "freeze_at must be after opens_at and no later than due_at."),
        ({"title": "   "}, "title must be 1 to 200 characters, not blank."),
        ({"title": "x" * 201}, "title must be 1 to 200 characters, not blank."),
        ({"late_penalty": 101}, "late_penalty must be between 0 and 100"),
        ({"task_ids": ["a"]}, "task_ids must be a list of task ids (positive integers)."),
        ({"team_ids": [1.5]}, "team_ids must be a list of team ids (positive integers)."),
        ({"task_ids": 3}, "task_ids must be a JSON array"),
        ({"state": "open"}, "unknown field state"),
        ({"opens_at": None}, "opens_at must be a string, not null"),
    ]
    other = create(staff, db, opens_at=ok["opens_at"], due_at=ok["due_at"])
    team = staff.post("/api/admin/teams", json={"name": "t-%s" % secrets.token_hex(3)}).json()
    before = audit_count(db)
    count = db.execute("SELECT count(*) FROM assignments").fetchone()[0]
    for change, sentence in cases:
        body = dict(ok, **change)
        assert error_of(staff.post("/api/admin/assignments", json=body), 400) == sentence, change
        # The same refusal for a change of another assignment (with its own times).
        put = dict(change, opens_at=ok["opens_at"]) if "due_at" in change or "closes_at" in change else change
        assert error_of(staff.put("/api/admin/assignments/%d" % other["id"], json=put), 400) == sentence, change
    for missing in ("title", "opens_at", "due_at"):
        body = {k: v for k, v in ok.items() if k != missing}
        assert error_of(staff.post("/api/admin/assignments", json=body), 400) == "%s is required." % missing
    assert error_of(staff.post("/api/admin/assignments", json=dict(ok, team_ids=[team["id"]], visible_to_all=True)),
                    400) == "visible_to_all cannot be true when team_ids names teams: leave one of them out."
    assert error_of(staff.put("/api/admin/assignments/999999999", json={"title": "x"}), 404) == \
        "Assignment 999999999 does not exist."
    assert audit_count(db) == before
    assert db.execute("SELECT count(*) FROM assignments").fetchone()[0] == count
    assert staff.get("/api/admin/assignments/%d" % taken["id"]).json() == taken
    assert staff.get("/api/admin/assignments/%d" % other["id"]).json() == other


def test_students_are_refused_the_staff_routes(httpd, db, staff):
    student = login(httpd, db)
    a = create(staff, db)
    for method, path in (("GET", "/api/admin/assignments"), ("POST", "/api/admin/assignments"),
                         ("GET", "/api/admin/assignments/%d" % a["id"]),
                         ("PUT", "/api/admin/assignments/%d" % a["id"]),
                         ("DELETE", "/api/admin/assignments/%d" % a["id"])):
        r = student.http.request(method, httpd.base + path, headers={"X-CSRF-Token": student.csrf}, json={},
                                 timeout=30)
        assert error_of(r, 403) == "staff only", (method, path)


# ---- What students see -----------------------------------------------------------------------------

def test_an_upcoming_assignment_shows_its_title_only_and_its_tasks_are_404_everywhere(httpd, db, staff):
    tid = open_task(staff, statement_md="Statement ![pic](pic.png)")
    assert staff.post("/api/admin/tasks/%d/tests" % tid,
                      json={"input": "1 2\n", "answer": "3\n", "is_sample": True}).status_code == 201
    assert upload(staff, tid, "pic.png", png()).status_code == 201
    a = create(staff, db, title="Next week", opens_at=at(db, 2), due_at=at(db, 26), task_ids=[tid])
    student = login(httpd, db)

    mine = [x for x in student.get("/api/assignments").json()["assignments"] if x["id"] == a["id"]]
    assert len(mine) == 1 and (mine[0]["title"], mine[0]["state"], mine[0]["tasks"]) == ("Next week", "upcoming", [])
    assert tid not in [t["id"] for t in student.get("/api/tasks").json()["tasks"]]
    assert error_of(student.get("/api/tasks/%d" % tid), 404) == "task not found"
    assert error_of(student.get("/api/tasks/%d/assets/pic.png" % tid), 404) == "asset not found"
    assert error_of(submit(student, tid), 400) == "task %d does not exist or is closed" % tid

    # Staff see everything, always.
    assert tid in [t["id"] for t in staff.get("/api/tasks").json()["tasks"]]
    task = staff.get("/api/tasks/%d" % tid).json()
    assert task["samples"][0]["input"] == "1 2\n" and task["assignment"]["state"] == "upcoming"
    assert staff.get("/api/tasks/%d/assets/pic.png" % tid).status_code == 200
    staffs = [x for x in staff.get("/api/assignments").json()["assignments"] if x["id"] == a["id"]]
    assert [t["id"] for t in staffs[0]["tasks"]] == [tid]
    assert submit(staff, tid).status_code == 202

    # Once it opens the student sees it all.
    staff.put("/api/admin/assignments/%d" % a["id"], json={"opens_at": at(db, -1)})
    assert tid in [t["id"] for t in student.get("/api/tasks").json()["tasks"]]
    task = student.get("/api/tasks/%d" % tid).json()
    assert task["samples"][0]["output"] == "3\n"
    assert student.get("/api/tasks/%d/assets/pic.png" % tid).status_code == 200


def test_a_team_only_assignment_is_invisible_to_other_teams(httpd, db, staff):
    team = staff.post("/api/admin/teams", json={"name": "group-%s" % secrets.token_hex(3)}).json()
    tid = open_task(staff)
    a = create(staff, db, task_ids=[tid], team_ids=[team["id"]])
    assert (a["team_ids"], a["visible_to_all"]) == ([team["id"]], False)
    outsider = login(httpd, db)
    member_name, member_id = new_user(db)
    db.execute("UPDATE users SET team_id = %s WHERE id = %s", (team["id"], member_id))
    member = Client(httpd.base, member_name)

    assert a["id"] not in [x["id"] for x in outsider.get("/api/assignments").json()["assignments"]]
    assert tid not in [t["id"] for t in outsider.get("/api/tasks").json()["tasks"]]
    assert error_of(outsider.get("/api/tasks/%d" % tid), 404) == "task not found"
    assert submit(outsider, tid).status_code == 400

    seen = [x for x in member.get("/api/assignments").json()["assignments"] if x["id"] == a["id"]]
    assert [t["id"] for t in seen[0]["tasks"]] == [tid] and seen[0]["tasks"][0]["label"] == "A"
    assert {t["id"]: t["assignment_id"] for t in member.get("/api/tasks").json()["tasks"]}[tid] == a["id"]
    assert submit(member, tid).status_code == 202

    # For everyone again: the teams go.
    b = staff.put("/api/admin/assignments/%d" % a["id"], json={"visible_to_all": True}).json()
    assert (b["team_ids"], b["visible_to_all"]) == ([], True)
    assert outsider.get("/api/tasks/%d" % tid).status_code == 200


def test_the_task_page_and_the_assignments_list_show_progress_and_the_deadline(httpd, db, staff):
    t1, t2 = open_task(staff), open_task(staff)
    a = create(staff, db, title="Week P", task_ids=[t1, t2], closes_at=at(db, 4), late_penalty=10)
    student = login(httpd, db)
    task = student.get("/api/tasks/%d" % t2).json()
    assert (task["progress"], task["best_score"], task["best_verdict"]) == ("new", None, None)
    assert task["now"].endswith("Z")
    assert task["assignment"] == {"id": a["id"], "title": "Week P", "label": "B", "opens_at": a["opens_at"],
                                  "due_at": a["due_at"], "closes_at": a["closes_at"], "late_penalty": 10,
                                  "contest": False, "state": "open"}
    s1 = submit(student, t2).json()["submission_id"]
    judge(db, s1, 40)
    task = student.get("/api/tasks/%d" % t2).json()
    assert (task["progress"], task["best_score"], task["best_verdict"]) == ("attempted", 40, "WA")
    s2 = submit(student, t2).json()["submission_id"]
    judge(db, s2, 100)
    task = student.get("/api/tasks/%d" % t2).json()
    assert (task["progress"], task["best_score"], task["best_verdict"]) == ("solved", 100, "AC")
    listed = [x for x in student.get("/api/assignments").json()["assignments"] if x["id"] == a["id"]][0]
    assert [(t["label"], t["id"], t["best_score"]) for t in listed["tasks"]] == [("A", t1, None), ("B", t2, 100)]
    assert {k: listed[k] for k in ("late_penalty", "contest", "frozen", "freeze_at", "closes_at")} == {
        "late_penalty": 10, "contest": False, "frozen": False, "freeze_at": None, "closes_at": a["closes_at"]}
    assert staff.get("/api/tasks/%d" % t1).json()["assignment"]["label"] == "A"
    free = open_task(staff)
    assert staff.get("/api/tasks/%d" % free).json()["assignment"] is None


# ---- Submitting against the deadline -----------------------------------------------------------------

def submission_views(client, staff, sid, task_id):
    """(late, final_score) as the four views show them: student detail and list, staff detail and list."""
    detail = client.get("/api/submissions/%d" % sid).json()
    listed = [s for s in client.get("/api/submissions?task_id=%d" % task_id).json()["submissions"]
              if s["id"] == sid][0]
    sdetail = staff.get("/api/admin/submissions/%d" % sid).json()
    slisted = staff.get("/api/admin/submissions?task_id=%d" % task_id).json()["submissions"]
    slisted = [s for s in slisted if s["id"] == sid][0]
    return [(v["late"], v["final_score"]) for v in (detail, listed, sdetail, slisted)]


def test_before_the_deadline_a_submission_is_not_late(httpd, db, staff):
    tid = open_task(staff)
    create(staff, db, task_ids=[tid], closes_at=at(db, 3), late_penalty=50)
    student = login(httpd, db)
    r = submit(student, tid)
    assert r.status_code == 202 and "late" not in r.json(), r.text
    sid = r.json()["submission_id"]
    assert submission_views(student, staff, sid, tid) == [(False, None)] * 4
    judge(db, sid, 80)
    assert submission_views(student, staff, sid, tid) == [(False, 80)] * 4


def test_in_the_late_window_a_submission_is_late_and_loses_the_penalty(httpd, db, staff):
    tid = open_task(staff)
    create(staff, db, task_ids=[tid], opens_at=at(db, -3), due_at=at(db, -1), closes_at=at(db, 1), late_penalty=25)
    student = login(httpd, db)
    r = submit(student, tid)
    assert r.status_code == 202, r.text
    assert (r.json()["late"], r.json()["late_penalty"], r.json()["status"]) == (True, 25, "pending")
    sid = r.json()["submission_id"]
    judge(db, sid, 90)
    # round(90 * 75 / 100) = 68 (67.5 rounds away from zero)
    assert submission_views(student, staff, sid, tid) == [(True, 68)] * 4
    task = student.get("/api/tasks/%d" % tid).json()
    assert (task["best_score"], task["assignment"]["state"]) == (68, "late")
    assert {t["id"]: t["best_score"] for t in student.get("/api/tasks").json()["tasks"]}[tid] == 68
    # Staff are never late.
    r = submit(staff, tid)
    assert r.status_code == 202 and "late" not in r.json()


def test_the_best_final_score_is_taken_over_on_time_and_late_submissions(httpd, db, staff):
    """The task list and the task page take the best final score whichever kind holds it: the list
    reads the on-time and the late submissions by separate indexes (sql/035) and must merge them."""
    tid = open_task(staff)
    create(staff, db, task_ids=[tid], opens_at=at(db, -3), due_at=at(db, -1), closes_at=at(db, 1), late_penalty=25)
    student = login(httpd, db)

    def best():
        listed = {t["id"]: (t["best_score"], t["best_verdict"]) for t in student.get("/api/tasks").json()["tasks"]}
        page = student.get("/api/tasks/%d" % tid).json()
        assert listed[tid] == (page["best_score"], page["best_verdict"]), (listed[tid], page)
        return listed[tid]

    def judged(score, verdict, late):
        r = submit(student, tid)
        assert r.status_code == 202 and r.json()["late"], r.text
        sid = r.json()["submission_id"]
        if not late:  # as if it had come before the due time
            db.execute("UPDATE submissions SET late = false WHERE id = %s", (sid,))
        judge(db, sid, score, verdict)

    judged(90, "WA", late=True)  # round(90 * 0.75) = 68
    judged(60, "TLE", late=False)
    assert best() == (68, "WA")  # the late one is better after its penalty
    judged(80, "RE", late=False)
    assert best() == (80, "RE")
    judged(100, "AC", late=True)  # 75
    assert best() == (80, "RE")
    judged(80, "WA", late=False)  # equal: the newer one
    assert best() == (80, "WA")


def test_after_closing_a_student_is_refused_with_the_time_and_staff_are_not(httpd, db, staff):
    tid = open_task(staff)
    a = create(staff, db, title="Week closed", task_ids=[tid], opens_at=at(db, -5), due_at=at(db, -3),
               closes_at=at(db, -1), late_penalty=10)
    student = login(httpd, db)
    before = db.execute("SELECT count(*) FROM submissions WHERE task_id = %s", (tid,)).fetchone()[0]
    r = submit(student, tid)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "Submissions to Week closed closed at %s." % a["closes_at"],
                        "closes_at": a["closes_at"]}
    assert db.execute("SELECT count(*) FROM submissions WHERE task_id = %s", (tid,)).fetchone()[0] == before
    # Still visible: the task and the student's own results.
    assert student.get("/api/tasks/%d" % tid).json()["assignment"]["state"] == "closed"
    # Without a late window it closes at due_at.
    b = staff.put("/api/admin/assignments/%d" % a["id"], json={"closes_at": None, "due_at": at(db, -2)}).json()
    assert submit(student, tid).json() == {"error": "Submissions to Week closed closed at %s." % b["due_at"],
                                           "closes_at": b["due_at"]}
    r = submit(staff, tid)
    assert r.status_code == 202 and "late" not in r.json(), r.text


def test_moving_the_deadline_re_marks_stored_submissions(httpd, db, staff):
    tid = open_task(staff)
    a = create(staff, db, task_ids=[tid], opens_at=at(db, -3), due_at=at(db, -1), closes_at=at(db, 5),
               late_penalty=50)
    student = login(httpd, db)
    sid = submit(student, tid).json()["submission_id"]
    judge(db, sid, 100)
    assert submission_views(student, staff, sid, tid)[0] == (True, 50)
    staff.put("/api/admin/assignments/%d" % a["id"], json={"due_at": at(db, 1)})
    assert submission_views(student, staff, sid, tid) == [(False, 100)] * 4
    staff.put("/api/admin/assignments/%d" % a["id"], json={"due_at": at(db, -0.5)})
    assert submission_views(student, staff, sid, tid)[0] == (True, 50)
    # Out of the assignment: no deadline, no late mark.
    staff.put("/api/admin/assignments/%d" % a["id"], json={"task_ids": []})
    assert submission_views(student, staff, sid, tid)[0] == (False, 100)


# ---- Grades of one assignment ------------------------------------------------------------------------

def test_the_grades_csv_of_an_assignment_applies_the_penalty_and_ignores_after_close(httpd, db, staff):
    t1, t2 = open_task(staff), open_task(staff)
    slugs = [r[0] for r in db.execute("SELECT slug FROM tasks WHERE id = ANY(%s) ORDER BY array_position(%s, id)",
                                      ([t1, t2], [t1, t2])).fetchall()]
    team = staff.post("/api/admin/teams", json={"name": "grades-%s" % secrets.token_hex(3)}).json()
    a = create(staff, db, task_ids=[t1, t2], team_ids=[team["id"]], due_at=at(db, 10), closes_at=at(db, 20),
               late_penalty=50)
    people = {}
    for who in ("ann", "bob", "cyd"):
        name, uid = new_user(db, prefix=who)
        db.execute("UPDATE users SET team_id = %s, display_name = %s WHERE id = %s", (team["id"], who.title(), uid))
        people[who] = (name, Client(httpd.base, name))
    outsider = login(httpd, db)

    def sub(who, task, score, hours):
        sid = submit(people[who][1], task).json()["submission_id"]
        judge(db, sid, score)
        stored_at(db, sid, hours)

    sub("ann", t1, 80, -2)    # on time: 80
    sub("ann", t1, 100, 1)    # late: 50
    sub("ann", t2, 100, 3)    # late: 50
    sub("bob", t1, 100, 2)    # late: 50
    sub("bob", t1, 100, 5)    # after closing: ignored
    assert submit(outsider, t1).status_code == 400
    # The deadline as it is now: due an hour ago, closed in four hours.
    staff.put("/api/admin/assignments/%d" % a["id"], json={"opens_at": at(db, -5), "due_at": at(db, 0),
                                                             "closes_at": at(db, 4)})
    r = staff.get("/api/admin/grades.csv?assignment_id=%d" % a["id"])
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv"), r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["username", "display_name", "team"] + slugs + ["total"]
    assert rows[1:] == [
        [people["ann"][0], "Ann", team["name"], "80", "50", "130"],
        [people["bob"][0], "Bob", team["name"], "50", "", "50"],
        [people["cyd"][0], "Cyd", team["name"], "", "", "0"],
    ]
    assert error_of(staff.get("/api/admin/grades.csv?assignment_id=999999999"), 404) == \
        "Assignment 999999999 does not exist."
    assert error_of(staff.get("/api/admin/grades.csv?assignment_id=x"), 400) == \
        "assignment_id must be an integer from 1 to 999999999999999"
    # Without an assignment: issue 12's grades, every task.
    whole = staff.get("/api/admin/grades.csv").text.splitlines()[0].split(",")
    assert slugs[0] in whole and whole[-1] == "total"


# ---- The global leaderboard ------------------------------------------------------------------------

def test_the_leaderboard_counts_open_tasks_of_no_or_an_opened_public_non_contest_assignment(httpd, db, staff):
    free, public, upcoming, teams_only, contest = (open_task(staff) for _ in range(5))
    team = staff.post("/api/admin/teams", json={"name": "lb-%s" % secrets.token_hex(3)}).json()
    create(staff, db, task_ids=[public])
    create(staff, db, task_ids=[upcoming], opens_at=at(db, 1), due_at=at(db, 3))
    create(staff, db, task_ids=[teams_only], team_ids=[team["id"]])
    create(staff, db, task_ids=[contest], contest=True)
    student = login(httpd, db)

    def tasks_shown(body):
        ids = {t["id"] for t in body["tasks"]}
        return {free, public} <= ids and not ids & {upcoming, teams_only, contest}

    board = wait_for(lambda: student.get("/api/leaderboard").json(), "the board with the new tasks",
                     until=tasks_shown)
    assert tasks_shown(board)


# ---- solveit-admin -----------------------------------------------------------------------------------

def test_the_cli_creates_changes_lists_and_deletes_assignments(services, staff, db):
    dsn = services.pg.dsn
    t1, t2 = new_task(staff, is_open=True), new_task(staff, is_open=True)
    team = staff.post("/api/admin/teams", json={"name": "cli-%s" % secrets.token_hex(3)}).json()
    title = "CLI week %s" % secrets.token_hex(3)
    r = admin(dsn, "assignment", "create", "--title", title, "--tasks", "%s,%s" % (t2["slug"], t1["slug"]),
              "--opens", at(db, -1), "--due", at(db, 1), "--closes", at(db, 2), "--penalty", "30",
              "--teams", team["name"], "--json")
    assert r.returncode == 0, r.stderr
    a = json.loads(r.stdout)
    assert (a["title"], a["task_ids"], a["team_ids"], a["late_penalty"]) == (title, [t2["id"], t1["id"]],
                                                                             [team["id"]], 30)
    actor, action = db.execute("SELECT actor_name, action FROM staff_audit WHERE object_type = 'assignment'"
                               " AND object_id = %s ORDER BY id DESC LIMIT 1", (a["id"],)).fetchone()
    assert actor.startswith("solveit-admin (unix user ") and action == "solveit-admin assignment create"

    r = admin(dsn, "assignment", "update", str(a["id"]), "--penalty", "10", "--teams", "", "--closes", "")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("assignment %d updated\n%d\t%s\topen" % (a["id"], a["id"], title)), r.stdout
    b = staff.get("/api/admin/assignments/%d" % a["id"]).json()
    assert (b["late_penalty"], b["team_ids"], b["visible_to_all"], b["closes_at"], b["task_ids"]) == (
        10, [], True, None, a["task_ids"])

    r = admin(dsn, "assignments")
    assert r.returncode == 0 and "%d\t%s\topen" % (a["id"], title) in r.stdout, r.stdout
    r = admin(dsn, "assignments", "--json")
    assert a["id"] in [x["id"] for x in json.loads(r.stdout)["assignments"]]

    r = admin(dsn, "export-grades", "--assignment", str(a["id"]))
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "username,display_name,team,%s,%s,total" % (
        t2["slug"], t1["slug"]), r.stdout

    # Refusals: exit 1 with the sentence.
    r = admin(dsn, "assignment", "update", str(a["id"]), "--due", "2026-12-08T10:00")
    assert r.returncode == 1 and "due_at needs a time zone" in r.stderr, r.stderr
    r = admin(dsn, "assignment", "create", "--title", "x", "--tasks", "no-such-slug", "--opens", at(db, 0),
              "--due", at(db, 1))
    assert r.returncode == 1 and 'there is no task with the slug "no-such-slug"' in r.stderr, r.stderr
    r = admin(dsn, "assignment", "create", "--title", "x", "--teams", "no such team", "--opens", at(db, 0),
              "--due", at(db, 1))
    assert r.returncode == 1 and 'there is no team named "no such team"' in r.stderr, r.stderr
    r = admin(dsn, "assignment", "create", "--title", "x", "--tasks", t1["slug"], "--opens", at(db, 0),
              "--due", at(db, 1))
    assert r.returncode == 1 and "Task %d is already in the assignment %s." % (t1["id"], title) in r.stderr
    r = admin(dsn, "assignment", "update", "999999999", "--title", "x")
    assert r.returncode == 1 and "Assignment 999999999 does not exist." in r.stderr
    r = admin(dsn, "export-grades", "--assignment", "999999999")
    assert r.returncode == 1 and "there is no assignment 999999999" in r.stderr
    r = admin(dsn, "assignment", "rename", "1")
    assert r.returncode == 2 and '"rename" is not create, update or delete' in r.stderr
    r = admin(dsn, "assignment", "delete")
    assert r.returncode == 2 and "update and delete take the assignment's id" in r.stderr

    r = admin(dsn, "assignment", "delete", str(a["id"]))
    assert r.returncode == 0 and r.stdout == "assignment %d deleted\n" % a["id"], (r.stdout, r.stderr)
    assert staff.get("/api/admin/assignments/%d" % a["id"]).status_code == 404
    assert ADMIN.exists()


@pytest.mark.parametrize("sub,text", [
    ("assignments", "assignments [--json]"), ("assignment", "assignment create --title T"),
    ("export-grades", "export-grades [-o FILE] [--assignment ID]"),
])
def test_the_assignment_subcommands_have_help(services, sub, text):
    r = admin(services.pg.dsn, sub, "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: solveit-admin " + text), r.stdout
    assert "Exit status:" in r.stdout
