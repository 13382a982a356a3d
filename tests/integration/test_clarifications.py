"""Clarifications (issue 13, doc/courses-and-contests.md; sql/032_clarifications.sql) against the real
httpd and PostgreSQL: a student asks on a task or an assignment and sees their own questions; every
refusal with its sentence (and that it stores nothing); the 20-an-hour limit with Retry-After;
visibility (a closed task, an assignment not yet open or for another team are 404; a private answer
is the asker's alone; a public one is everyone's, without the asker's name); the staff list, its
filter and the unanswered count of /api/me; answering again, announcements, the audit; and
solveit-admin's clarifications, answer and announce."""

import os
import secrets
import subprocess

import pytest
import requests

from harness import REPO
from test_admin_api import error_of, staff_client
from test_module_helpers import ensure_task, login

pytestmark = pytest.mark.usefixtures("built_programs")

ADMIN = REPO / "admin" / "solveit-admin"
# What a student's C holds, and what staff see besides.
STUDENT_KEYS = {"id", "task_id", "task_title", "assignment_id", "assignment_title", "question", "answer", "public",
                "asked_at", "answered_at", "mine"}
STAFF_KEYS = STUDENT_KEYS - {"mine"} | {"user_id", "username", "answered_by"}


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


def new_task(db, is_open=True):
    slug = "clar-%s" % secrets.token_hex(4)
    return ensure_task(db, slug, title="Clarified " + slug, is_open=is_open)


def new_assignment(db, title, opens_in="-2 hours", tasks=(), team=None):
    """An assignment opening at the database's now() + opens_in, due a day after it opens."""
    aid = db.execute("INSERT INTO assignments (title, opens_at, due_at, visible_to_all) VALUES"
                     " (%s, now() + %s::interval, now() + %s::interval + interval '1 day', %s) RETURNING id",
                     (title, opens_in, opens_in, team is None)).fetchone()[0]
    for position, task in enumerate(tasks, 1):
        db.execute("INSERT INTO assignment_tasks (assignment_id, task_id, position) VALUES (%s, %s, %s)",
                   (aid, task, position))
    if team is not None:
        db.execute("INSERT INTO assignment_teams (assignment_id, team_id) VALUES (%s, %s)", (aid, team))
    return aid


def ask(client, **body):
    return client.post("/api/clarifications", json=body)


def listed(client, **query):
    r = client.get("/api/clarifications", params=query)
    assert r.status_code == 200, r.text
    return r.json()["clarifications"]


def on_task(client, task):
    """The listed clarifications about the task itself: the task filter also brings site-wide
    announcements, and other tests (other MPMs' runs on the same database) leave some."""
    return [c for c in listed(client, task_id=task) if c["task_id"] == task]


def ids(items):
    return [c["id"] for c in items]


def stored(db):
    return db.execute("SELECT count(*) FROM clarifications").fetchone()[0]


def clar_audit(db, cid):
    return db.execute("SELECT actor_id, actor_name, action, before, after FROM staff_audit"
                      " WHERE object_type = 'clarification' AND object_id = %s ORDER BY id", (cid,)).fetchall()


def unanswered(db):
    return db.execute("SELECT count(*) FROM clarifications WHERE answer IS NULL").fetchone()[0]


def cli(services, *args):
    return subprocess.run([str(ADMIN)] + [str(a) for a in args], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, SOLVEIT_DB=services.pg.dsn))


# ---- Asking ----------------------------------------------------------------------------------------

def test_a_student_asks_on_a_task_and_sees_only_their_own_questions(httpd, db):
    task = new_task(db)
    alice, bob = login(httpd, db), login(httpd, db)
    r = ask(alice, task_id=task, question="Can n be 0?\nAnd negative?")
    assert r.status_code == 201, r.text
    c = r.json()
    assert set(c) == STUDENT_KEYS
    assert (c["task_id"], c["question"], c["answer"], c["public"], c["mine"]) == \
        (task, "Can n be 0?\nAnd negative?", None, False, True)
    assert c["task_title"].startswith("Clarified ") and c["asked_at"].endswith("Z") and c["answered_at"] is None
    assert ids(on_task(alice, task)) == [c["id"]]
    assert c["id"] in ids(listed(alice))
    # Unanswered and private: nobody else sees it, on the task or anywhere.
    assert c["id"] not in ids(listed(bob, task_id=task)) and c["id"] not in ids(listed(bob))

    second = ask(alice, task_id=task, question="One more").json()
    assert ids(on_task(alice, task)) == [second["id"], c["id"]]  # newest first


@pytest.mark.parametrize("body, status, message", [
    ({"question": "About what?"}, 400, "Say what the question is about: give task_id or assignment_id."),
    ({"task_id": "seven", "question": "x"}, 400, "task_id must be an integer"),
    ({"task_id": "TASK", "question": ""}, 400, "Write your question first (1 to 2000 characters)."),
    ({"task_id": "TASK", "question": " \n\t "}, 400, "Write your question first (1 to 2000 characters)."),
    ({"task_id": "TASK"}, 400, "Write your question first (1 to 2000 characters)."),
    ({"task_id": "TASK", "question": "é" * 2001}, 400,
     "A question can be at most 2000 characters long; this one has 2001."),
    ({"task_id": "TASK", "question": 12}, 400, "question must be a string"),
    ({"task_id": 999999999, "question": "x"}, 404, "There is no task 999999999."),
    ({"assignment_id": 999999999, "question": "x"}, 404, "There is no assignment 999999999."),
    ({"task_id": "TASK", "question": "x", "user_id": 1}, 400, "unknown field user_id"),
])
def test_a_bad_question_is_refused_with_a_sentence_and_stores_nothing(httpd, db, body, status, message):
    task = new_task(db)
    student = login(httpd, db)
    body = {k: (task if v == "TASK" else v) for k, v in body.items()}
    before = stored(db)
    assert error_of(ask(student, **body), status) == message
    assert stored(db) == before


def test_both_subjects_at_once_are_refused(httpd, db):
    task = new_task(db)
    aid = new_assignment(db, "Both", tasks=[task])
    r = ask(login(httpd, db), task_id=task, assignment_id=aid, question="x")
    assert error_of(r, 400) == "Give task_id or assignment_id, not both: a clarification is about one task or one assignment."


def test_a_question_of_exactly_2000_characters_is_taken(httpd, db):
    r = ask(login(httpd, db), task_id=new_task(db), question="ä" * 2000)
    assert r.status_code == 201, r.text
    assert len(r.json()["question"]) == 2000


def test_asking_needs_a_login_and_the_csrf_token(httpd, db):
    task = new_task(db)
    before = stored(db)
    r = login(httpd, db).post("/api/clarifications", csrf=False, json={"task_id": task, "question": "x"})
    assert "missing CSRF token" in error_of(r, 403)
    r = requests.post(httpd.base + "/api/clarifications", json={"task_id": task, "question": "x"}, timeout=30)
    assert error_of(r, 401) == "not logged in"
    assert error_of(requests.get(httpd.base + "/api/clarifications", timeout=30), 401) == "not logged in"
    assert stored(db) == before


def test_twenty_questions_an_hour_then_429_with_retry_after(httpd, db):
    task = new_task(db)
    student = login(httpd, db)
    db.execute("INSERT INTO clarifications (user_id, task_id, question, asked_at)"
               " SELECT %s, %s, 'earlier ' || g, now() - interval '30 minutes' FROM generate_series(1, 20) g",
               (student.user_id, task))
    before = stored(db)
    r = ask(student, task_id=task, question="The twenty-first")
    assert error_of(r, 429) == "You can ask 20 questions an hour. Try again in 30 minutes."
    wait = int(r.headers["Retry-After"])
    assert 1700 <= wait <= 1800 and r.json()["retry_after"] == wait
    assert stored(db) == before
    # Another student is not held back by this one's questions.
    assert ask(login(httpd, db), task_id=task, question="Mine").status_code == 201
    # Questions older than an hour no longer count.
    db.execute("UPDATE clarifications SET asked_at = now() - interval '61 minutes' WHERE user_id = %s",
               (student.user_id,))
    assert ask(student, task_id=task, question="The twenty-first").status_code == 201


# ---- Who sees what ---------------------------------------------------------------------------------

def test_a_task_or_assignment_the_student_cannot_see_is_404(httpd, db, staff):
    closed = new_task(db, is_open=False)
    later = new_task(db)
    upcoming = new_assignment(db, "Next week", opens_in="2 hours", tasks=[later])
    team = db.execute("INSERT INTO teams (name) VALUES (%s) RETURNING id", ("clar-%s" % secrets.token_hex(4),)).fetchone()[0]
    hidden_task = new_task(db)
    theirs = new_assignment(db, "Another team's", tasks=[hidden_task], team=team)
    student = login(httpd, db)
    for task in (closed, later, hidden_task):
        assert error_of(ask(student, task_id=task, question="x"), 404) == "There is no task %d." % task
        assert error_of(student.get("/api/clarifications", params={"task_id": task}), 404) == "There is no task %d." % task
    assert error_of(ask(student, assignment_id=theirs, question="x"), 404) == "There is no assignment %d." % theirs
    assert error_of(student.get("/api/clarifications", params={"assignment_id": theirs}), 404) == \
        "There is no assignment %d." % theirs
    # An upcoming assignment shows its title and times, so a question on it as a whole is taken.
    assert ask(student, assignment_id=upcoming, question="When does it open?").status_code == 201

    # Staff's answers to all on them stay out of the student's lists.
    made = [staff.post("/api/admin/clarifications", json={"task_id": t, "answer": "Note"}).json()["id"]
            for t in (closed, later, hidden_task)]
    made.append(staff.post("/api/admin/clarifications", json={"assignment_id": theirs, "answer": "Note"}).json()["id"])
    assert not set(made) & set(ids(listed(student)))
    # Once the task opens, its public answers are there.
    db.execute("UPDATE tasks SET is_open = true WHERE id = %s", (closed,))
    assert made[0] in ids(listed(student, task_id=closed))


def test_a_private_answer_is_the_askers_and_a_public_one_everyones_without_the_name(httpd, db, staff):
    task = new_task(db)
    asker, other = login(httpd, db), login(httpd, db)
    cid = ask(asker, task_id=task, question="Is the input sorted?").json()["id"]

    r = staff.put("/api/admin/clarifications/%d" % cid, json={"answer": "Not necessarily.", "public": False})
    assert r.status_code == 200, r.text
    c = r.json()
    assert set(c) == STAFF_KEYS
    assert (c["answer"], c["public"], c["username"], c["user_id"], c["answered_by"]) == \
        ("Not necessarily.", False, asker.username, asker.user_id, staff.username)
    mine = on_task(asker, task)
    assert [(x["id"], x["answer"], x["public"], x["mine"]) for x in mine] == [(cid, "Not necessarily.", False, True)]
    assert cid not in ids(listed(other, task_id=task)) and cid not in ids(listed(other))

    # Answered again, to all: the new text replaces the old, and the other student sees it.
    r = staff.put("/api/admin/clarifications/%d" % cid, json={"answer": "No: read them all first.", "public": True})
    assert r.status_code == 200 and r.json()["public"] is True
    seen = [x for x in listed(other, task_id=task) if x["id"] == cid]
    assert len(seen) == 1
    assert set(seen[0]) == STUDENT_KEYS  # no user_id, username or answered_by
    assert (seen[0]["question"], seen[0]["answer"], seen[0]["mine"]) == ("Is the input sorted?", "No: read them all first.", False)
    assert asker.username not in str(listed(other))
    assert [x["mine"] for x in listed(asker, task_id=task) if x["id"] == cid] == [True]

    # public left out keeps what it was.
    r = staff.put("/api/admin/clarifications/%d" % cid, json={"answer": "No."})
    assert r.status_code == 200 and r.json()["public"] is True

    rows = clar_audit(db, cid)
    assert [(a, n, act) for a, n, act, _, _ in rows] == [(staff.user_id, staff.username, "PUT /api/admin/clarifications/{id}")] * 3
    assert (rows[0][3]["answer"], rows[0][4]["answer"]) == (None, "Not necessarily.")
    assert (rows[1][3]["public"], rows[1][4]["public"], rows[1][4]["answer"]) == (False, True, "No: read them all first.")


def test_the_task_filter_holds_the_task_its_assignment_and_site_wide_answers(httpd, db, staff):
    task, sibling, elsewhere = new_task(db), new_task(db), new_task(db)
    aid = new_assignment(db, "Week %s" % secrets.token_hex(2), tasks=[task, sibling])
    student = login(httpd, db)

    def announce(**body):
        r = staff.post("/api/admin/clarifications", json=dict(body, answer="About %s" % body))
        assert r.status_code == 201, r.text
        return r.json()

    on_task, on_sibling, on_assignment = announce(task_id=task), announce(task_id=sibling), announce(assignment_id=aid)
    on_elsewhere, everyone = announce(task_id=elsewhere), announce()
    assert (on_task["assignment_id"], on_task["assignment_title"]) == (aid, on_assignment["assignment_title"])
    assert on_assignment["task_id"] is None and everyone["task_id"] is None and everyone["assignment_id"] is None

    page = ids(listed(student, task_id=task))
    assert {on_task["id"], on_assignment["id"], everyone["id"]} <= set(page)
    assert on_sibling["id"] not in page and on_elsewhere["id"] not in page
    whole = ids(listed(student, assignment_id=aid))
    assert {on_task["id"], on_sibling["id"], on_assignment["id"], everyone["id"]} <= set(whole)
    assert on_elsewhere["id"] not in whole
    assert error_of(student.get("/api/clarifications", params={"task_id": "x"}), 400) == \
        "task_id must be an integer from 1 to 999999999999999"


# ---- Staff -----------------------------------------------------------------------------------------

def test_staff_list_filter_and_the_unanswered_count_in_me(httpd, db, staff):
    task = new_task(db)
    student = login(httpd, db)
    first = ask(student, task_id=task, question="First?").json()["id"]
    second = ask(student, task_id=task, question="Second?").json()["id"]
    count = unanswered(db)
    assert staff.get("/api/me").json()["unanswered_clarifications"] == count
    assert "unanswered_clarifications" not in student.get("/api/me").json()

    body = staff.get("/api/admin/clarifications", params={"status": "unanswered"}).json()
    assert body["unanswered"] == count and all(c["answer"] is None for c in body["clarifications"])
    order = ids(body["clarifications"])
    assert order.index(first) < order.index(second)  # oldest first: the next to answer on top
    assert set(body["clarifications"][0]) == STAFF_KEYS

    assert staff.put("/api/admin/clarifications/%d" % first, json={"answer": "Yes.", "public": False}).status_code == 200
    assert staff.get("/api/me").json()["unanswered_clarifications"] == count - 1
    body = staff.get("/api/admin/clarifications").json()
    assert body["unanswered"] == count - 1
    order = ids(body["clarifications"])
    assert order.index(second) < order.index(first)  # unanswered before answered
    answered = staff.get("/api/admin/clarifications", params={"status": "answered"}).json()["clarifications"]
    assert first in ids(answered) and second not in ids(answered)
    by_task = staff.get("/api/admin/clarifications", params={"task_id": task}).json()["clarifications"]
    assert ids(by_task) == [second, first]

    r = staff.get("/api/admin/clarifications", params={"status": "open"})
    assert error_of(r, 400) == 'status must be unanswered, answered or all (got "open").'
    r = student.get("/api/admin/clarifications")
    assert error_of(r, 403) == "staff only"


def test_answer_errors_are_sentences_and_change_nothing(httpd, db, staff):
    task = new_task(db)
    cid = ask(login(httpd, db), task_id=task, question="Q?").json()["id"]
    announcement = staff.post("/api/admin/clarifications", json={"answer": "Hello"}).json()["id"]
    before = db.execute("SELECT count(*) FROM staff_audit").fetchone()[0]
    cases = [
        (cid, {"answer": ""}, 400, "Write the answer first (1 to 10000 characters)."),
        (cid, {"answer": "   "}, 400, "Write the answer first (1 to 10000 characters)."),
        (cid, {"public": True}, 400, "Write the answer first (1 to 10000 characters)."),
        (cid, {"answer": "x" * 10001}, 400, "An answer can be at most 10000 characters long; this one has 10001."),
        (cid, {"answer": "x", "public": "yes"}, 400, "public must be true or false"),
        (999999999, {"answer": "x"}, 404, "There is no clarification 999999999."),
        (announcement, {"answer": "x", "public": False}, 400,
         "An announcement is always public: it has no asker to answer privately."),
    ]
    for target, body, status, message in cases:
        assert error_of(staff.put("/api/admin/clarifications/%d" % target, json=body), status) == message
    r = staff.call("PUT", "/api/admin/clarifications/%d" % cid, csrf=False, json={"answer": "x"})
    assert "missing CSRF token" in error_of(r, 403)
    assert db.execute("SELECT answer FROM clarifications WHERE id = %s", (cid,)).fetchone()[0] is None
    assert db.execute("SELECT count(*) FROM staff_audit").fetchone()[0] == before


def test_announcements_are_public_audited_and_checked(httpd, db, staff):
    task = new_task(db)
    student = login(httpd, db)
    r = staff.post("/api/admin/clarifications", json={"task_id": task, "answer": "Sample 2 was wrong; fixed."})
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["question"], a["answer"], a["public"], a["user_id"], a["username"], a["answered_by"]) == \
        (None, "Sample 2 was wrong; fixed.", True, None, None, staff.username)
    seen = [c for c in listed(student, task_id=task) if c["id"] == a["id"]]
    assert [(c["question"], c["answer"], c["mine"]) for c in seen] == [(None, "Sample 2 was wrong; fixed.", False)]
    [(actor, name, action, before, after)] = clar_audit(db, a["id"])
    assert (actor, name, action, before, after["answer"]) == \
        (staff.user_id, staff.username, "POST /api/admin/clarifications", None, "Sample 2 was wrong; fixed.")
    # Not part of the unanswered count.
    assert a["id"] not in ids(staff.get("/api/admin/clarifications", params={"status": "unanswered"}).json()["clarifications"])

    count = stored(db)
    for body, status, message in [
        ({"answer": ""}, 400, "Write the answer first (1 to 10000 characters)."),
        ({"task_id": 999999999, "answer": "x"}, 404, "There is no task 999999999."),
        ({"assignment_id": 999999999, "answer": "x"}, 404, "There is no assignment 999999999."),
        ({"task_id": task, "assignment_id": 1, "answer": "x"}, 400,
         "Give task_id or assignment_id, not both: a clarification is about one task or one assignment."),
        ({"question": "x", "answer": "x"}, 400, "unknown field question"),
    ]:
        assert error_of(staff.post("/api/admin/clarifications", json=body), status) == message
    assert stored(db) == count
    assert error_of(student.post("/api/admin/clarifications", json={"answer": "x"}), 403) == "staff only"


# ---- solveit-admin ---------------------------------------------------------------------------------

def test_cli_lists_answers_and_announces(services, httpd, db):
    task = new_task(db)
    slug = db.execute("SELECT slug FROM tasks WHERE id = %s", (task,)).fetchone()[0]
    asker, other = login(httpd, db), login(httpd, db)
    cid = ask(asker, task_id=task, question="Does the CLI answer?").json()["id"]

    r = cli(services, "clarifications", "--unanswered")
    assert r.returncode == 0, r.stderr
    assert "#%d " % cid in r.stdout and "Q: Does the CLI answer?" in r.stdout
    assert r.stdout.rstrip().endswith("%d unanswered" % unanswered(db))

    r = cli(services, "answer", cid, "Yes, it does.", "--public")
    assert r.returncode == 0, r.stderr
    assert "A (to all, solveit-admin (unix user " in r.stdout
    seen = [c for c in listed(other, task_id=task) if c["id"] == cid]
    assert [(c["answer"], c["public"]) for c in seen] == [("Yes, it does.", True)]
    [(actor, name, action, _, after)] = clar_audit(db, cid)
    assert actor is None and name.startswith("solveit-admin (unix user ") and action == "solveit-admin answer"
    assert after["answered_by"] == name

    r = cli(services, "announce", "Read the statement again.", "--task", slug)
    assert r.returncode == 0, r.stderr
    assert "announcement on task %d" % task in r.stdout
    assert "Read the statement again." in [c["answer"] for c in listed(other, task_id=task)]

    r = cli(services, "answer", 999999999, "x")
    assert r.returncode == 1 and "answer: There is no clarification 999999999." in r.stderr
    r = cli(services, "answer", "12x", "x")
    assert r.returncode == 1 and "the clarification's id must be a number (got 12x)" in r.stderr
    r = cli(services, "announce", "x", "--task", "no-such-task")
    assert r.returncode == 1 and "no task has the id or slug no-such-task" in r.stderr
    r = cli(services, "announce", " ")
    assert r.returncode == 1 and "Write the answer first" in r.stderr
    r = cli(services, "answer", cid)
    assert r.returncode == 2 and "answer: the subcommand needs its argument" in r.stderr
    r = cli(services, "clarifications", "--json")
    assert r.returncode == 0 and r.stdout.startswith("{") and '"unanswered"' in r.stdout
