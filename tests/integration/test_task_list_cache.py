"""Issue 16, the task list's catalog (mod_solveit/solveit_catalog.h, sql/038): a child of httpd
keeps tasks, assignments and their teams, and reads them again only when catalog_version moved;
each user's best final score per task is kept in task_best by triggers. What a student sees must
stay what it was: the same tasks as solveit_task_visible (the task page's rule) at every moment,
every change seen by the next request of every child, an assignment opening on the database's
clock with no write at all, a team change at once, and the best score after every way a
submission or its penalty can change."""

import secrets
import threading

import psycopg
import pytest
import requests

from polling import wait_for
from test_admin_api import staff_client
from test_assignments import at, create, iso, judge, open_task, submit
from test_module_helpers import Client, login, new_user

pytestmark = pytest.mark.usefixtures("built_programs")


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


def listed(client, **kw):
    r = client.get("/api/tasks", **kw)
    assert r.status_code == 200, r.text
    return {t["id"]: t for t in r.json()["tasks"]}


def version(db):
    return db.execute("SELECT version FROM catalog_version").fetchone()[0]


def fresh_connection_lists(httpd, client, times):
    """The list as `times` requests on new connections see it: with prefork each may be another
    child, with the threaded MPMs another child's thread."""
    cookies = client.http.cookies
    out = []
    for _ in range(times):
        r = requests.get(httpd.base + "/api/tasks", cookies=cookies, headers={"Connection": "close"}, timeout=30)
        assert r.status_code == 200, r.text
        out.append({t["id"]: t for t in r.json()["tasks"]})
    return out


def test_the_list_shows_what_the_task_page_rule_shows_to_each_viewer(httpd, db, staff):
    team = staff.post("/api/admin/teams", json={"name": "g-%s" % secrets.token_hex(3)}).json()
    plain, closed, upcoming, public, team_only = (open_task(staff) for _ in range(5))
    staff.put("/api/admin/tasks/%d" % closed, json={"is_open": False})
    create(staff, db, task_ids=[upcoming], opens_at=at(db, 2), due_at=at(db, 4))
    create(staff, db, task_ids=[public])
    create(staff, db, task_ids=[team_only], team_ids=[team["id"]])
    ours = {plain, closed, upcoming, public, team_only}

    member_name, member_id = new_user(db)
    db.execute("UPDATE users SET team_id = %s WHERE id = %s", (team["id"], member_id))
    loner_name, loner_id = new_user(db)
    db.execute("UPDATE users SET team_id = NULL WHERE id = %s", (loner_id,))
    viewers = [login(httpd, db), Client(httpd.base, member_name), Client(httpd.base, loner_name), staff]
    viewers[1].user_id, viewers[2].user_id = member_id, loner_id

    seen = {}
    for v in viewers:
        rule = {t for t in ours if db.execute("SELECT solveit_task_visible(%s, %s)", (t, v.user_id)).fetchone()[0]}
        shown = set(listed(v)) & ours
        assert shown == rule, (v.user_id, shown, rule)
        seen[v.user_id] = shown
    assert seen[viewers[0].user_id] == {plain, public}
    assert seen[member_id] == {plain, public, team_only}
    assert seen[loner_id] == {plain, public}
    assert seen[staff.user_id] == ours


def test_a_change_is_seen_by_the_next_request_of_every_child(httpd, db, staff):
    tid = open_task(staff, title="Before")
    student = login(httpd, db)
    # Every child that answers holds the catalog with the task now.
    assert all(tid in x and x[tid]["title"] == "Before" for x in fresh_connection_lists(httpd, student, 24))
    before = version(db)

    assert staff.put("/api/admin/tasks/%d" % tid, json={"title": "After", "time_limit_ms": 1500}).status_code == 200
    assert version(db) > before
    for x in fresh_connection_lists(httpd, student, 24):
        assert (x[tid]["title"], x[tid]["time_limit_ms"]) == ("After", 1500)

    # A test added changes the count the list shows.
    assert staff.post("/api/admin/tasks/%d/tests" % tid, json={"input": "1\n", "answer": "1\n"}).status_code == 201
    assert all(x[tid]["test_count"] == 1 for x in fresh_connection_lists(httpd, student, 12))

    # Closed, then gone from every child's list; a statement edit leaves the version alone.
    v = version(db)
    assert staff.put("/api/admin/tasks/%d" % tid, json={"statement_md": "New words"}).status_code == 200
    assert version(db) == v
    assert staff.put("/api/admin/tasks/%d" % tid, json={"is_open": False}).status_code == 200
    assert all(tid not in x for x in fresh_connection_lists(httpd, student, 24))


def test_an_assignment_opens_on_the_database_clock_without_a_write(httpd, db, staff):
    tid = open_task(staff)
    opens = db.execute("SELECT date_trunc('second', now()) + interval '15 seconds'").fetchone()[0]
    create(staff, db, task_ids=[tid], opens_at=iso(opens), due_at=at(db, 2))
    student = login(httpd, db)
    v = version(db)
    # Hidden for as long as the database's clock is before opens_at (a probe counts only when its
    # list was answered wholly before it), then listed.
    hidden = []

    def probe():
        shown = tid in listed(student)
        before = db.execute("SELECT now() < %s", (opens,)).fetchone()[0]
        if before:
            assert not shown, "listed before its assignment opened"
            hidden.append(True)
        return not before

    wait_for(probe, "the database's clock to pass opens_at", timeout=90)
    assert hidden, "the machine took 15 s to list once: nothing was seen before the opening"
    wait_for(lambda: tid in listed(student), "the task to be listed once its assignment opened", timeout=90)
    assert version(db) == v  # nothing was written: the clock opened it
    assert student.get("/api/tasks/%d" % tid).status_code == 200


def test_a_students_team_is_read_on_every_request(httpd, db, staff):
    team = staff.post("/api/admin/teams", json={"name": "g-%s" % secrets.token_hex(3)}).json()
    tid = open_task(staff)
    create(staff, db, task_ids=[tid], team_ids=[team["id"]])
    student = login(httpd, db)
    assert tid not in listed(student)
    v = version(db)
    db.execute("UPDATE users SET team_id = %s WHERE id = %s", (team["id"], student.user_id))
    assert tid in listed(student)
    db.execute("UPDATE users SET team_id = NULL WHERE id = %s", (student.user_id,))
    assert tid not in listed(student)
    assert version(db) == v


def best_of(client, tid):
    t = listed(client)[tid]
    return t["best_score"], t["best_verdict"]


def test_the_best_follows_judging_rejudging_the_penalty_and_the_assignment(httpd, db, staff):
    tid = open_task(staff)
    a = create(staff, db, task_ids=[tid], opens_at=at(db, -3), due_at=at(db, -1), closes_at=at(db, 1),
               late_penalty=50)
    student = login(httpd, db)
    assert best_of(student, tid) == (None, None)

    late = submit(student, tid).json()["submission_id"]
    assert best_of(student, tid) == (None, None)  # pending: no best yet
    judge(db, late, 100)
    assert best_of(student, tid) == (50, "AC")
    on_time = submit(student, tid).json()["submission_id"]
    db.execute("UPDATE submissions SET late = false WHERE id = %s", (on_time,))
    judge(db, on_time, 60, "WA")
    assert best_of(student, tid) == (60, "WA")

    # The penalty lowered: the late one wins again; raised, it loses.
    assert staff.put("/api/admin/assignments/%d" % a["id"], json={"late_penalty": 10}).status_code == 200
    assert best_of(student, tid) == (90, "AC")
    assert staff.put("/api/admin/assignments/%d" % a["id"], json={"late_penalty": 80}).status_code == 200
    assert best_of(student, tid) == (60, "WA")

    # The task leaves the assignment: no penalty at all.
    assert staff.put("/api/admin/assignments/%d" % a["id"], json={"task_ids": []}).status_code == 200
    assert best_of(student, tid) == (100, "AC")

    # A rejudge puts the submission back in the queue: until it is judged again it counts for
    # nothing, as before the list was kept.
    db.execute("UPDATE submissions SET status = 'pending', score = NULL, verdict = NULL WHERE id = %s", (late,))
    assert best_of(student, tid) == (60, "WA")
    judge(db, late, 70, "WA")
    assert best_of(student, tid) == (70, "WA")

    # The judge's progress updates do not touch task_best (the trigger's WHEN passes them by).
    xmin = db.execute("SELECT xmin::text FROM task_best WHERE user_id = %s AND task_id = %s",
                      (student.user_id, tid)).fetchone()[0]
    other = submit(student, tid).json()["submission_id"]
    db.execute("UPDATE submissions SET status = 'processing', tests_done = 1 WHERE id = %s", (other,))
    assert db.execute("SELECT xmin::text FROM task_best WHERE user_id = %s AND task_id = %s",
                      (student.user_id, tid)).fetchone()[0] == xmin


def test_two_judgings_of_one_user_committing_together_keep_the_better(services, httpd, db, staff):
    """Without the refresh's lock, the second transaction would compute the best from a snapshot
    without the first's submission and overwrite the first's 80 with its own 50."""
    tid = open_task(staff)
    student = login(httpd, db)
    first, second = (submit(student, tid).json()["submission_id"] for _ in range(2))
    one = psycopg.connect(services.pg.dsn)
    two = psycopg.connect(services.pg.dsn)
    try:
        one.execute("UPDATE submissions SET status = 'completed', score = 80, verdict = 'WA' WHERE id = %s", (first,))
        done = threading.Event()

        def judge_second():
            two.execute("UPDATE submissions SET status = 'completed', score = 50, verdict = 'WA' WHERE id = %s",
                        (second,))
            two.commit()
            done.set()

        worker = threading.Thread(target=judge_second)
        worker.start()
        try:
            # The second waits for the first's lock on the user.
            wait_for(lambda: db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                     .fetchone()[0] > 0, "the second judging to wait for the first's lock")
            assert not done.is_set()
            one.commit()
        finally:
            one.close()  # a failure above leaves the second free to finish
            worker.join(60)
        assert done.is_set()
    finally:
        one.close()
        two.close()
    assert best_of(student, tid) == (80, "WA")


def test_task_best_holds_what_the_submissions_say_for_every_pair(db):
    """Over everything the tests before this one stored, judged, rejudged and deleted."""
    wrong = db.execute(
        "SELECT p.user_id, p.task_id, b.score, b.verdict, f.score, f.verdict"
        " FROM (SELECT user_id, task_id FROM task_best UNION"
        "       SELECT user_id, task_id FROM submissions WHERE status = 'completed') p"
        " LEFT JOIN task_best b ON (b.user_id, b.task_id) = (p.user_id, p.task_id)"
        " LEFT JOIN LATERAL solveit_best_final(p.user_id, p.task_id) f ON true"
        " WHERE b.user_id IS NULL OR (b.score, b.verdict) IS DISTINCT FROM (f.score, f.verdict)"
        "    OR NOT EXISTS (SELECT 1 FROM submissions s WHERE (s.user_id, s.task_id) = (p.user_id, p.task_id)"
        "                   AND s.status = 'completed') LIMIT 10").fetchall()
    assert wrong == []
