"""What the staff people and grades pages need of the API (issue 12): GET /api/admin/statistics
(who may call it, its figures on known data, after a PostgreSQL restart), the grades download's
headers, and the CSV import preview's rows."""

import secrets

import pytest
import requests

from test_admin_api import error_of, new_task, staff_client
from test_module_helpers import login, new_user, wait_health

pytestmark = pytest.mark.usefixtures("built_programs")


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


def submit(db, user_id, task_id, status, verdict=None, score=None):
    db.execute("INSERT INTO submissions (user_id, task_id, code, language_id, status, verdict, score)"
               " VALUES (%s, %s, 'x', 71, %s, %s, %s)", (user_id, task_id, status, verdict, score))


def stats_of(staff, task_id):
    r = staff.get("/api/admin/statistics")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    mine = [t for t in body["tasks"] if t["id"] == task_id]
    assert len(mine) == 1, body
    return body, mine[0]


def test_statistics_refuses_visitors_and_students(httpd, db):
    r = requests.get(httpd.base + "/api/admin/statistics", timeout=30)
    assert error_of(r, 401)
    student = login(httpd, db)
    assert error_of(student.get("/api/admin/statistics"), 403)


def test_statistics_count_students_submissions_per_task(httpd, staff, db):
    task = new_task(staff)
    untouched = new_task(staff)
    _, ann = new_user(db, prefix="ann")
    _, ben = new_user(db, prefix="ben")
    submit(db, ann, task["id"], "completed", "PA", 40)
    submit(db, ann, task["id"], "completed", "AC", 100)
    submit(db, ben, task["id"], "completed", "WA", 0)
    submit(db, ben, task["id"], "pending")
    submit(db, staff.user_id, task["id"], "completed", "AC", 100)  # staff are not counted

    body, t = stats_of(staff, task["id"])
    assert t["slug"] == task["slug"] and t["title"] == task["title"]
    assert t["submissions"] == 4
    assert t["users"] == 2
    assert t["solved"] == 1  # ann's 100; ben's best is 0
    assert t["average_best_score"] == 50  # (100 + 0) / 2
    assert t["verdicts"] == {"AC": 1, "PA": 1, "WA": 1, "pending": 1}
    students = db.execute("SELECT count(*) FROM users WHERE NOT is_staff AND is_active").fetchone()[0]
    assert body["students"] == students

    _, u = stats_of(staff, untouched["id"])
    assert (u["submissions"], u["users"], u["solved"], u["average_best_score"], u["verdicts"]) == (0, 0, 0, None, {})
    ids = [x["id"] for x in body["tasks"]]
    assert ids.index(task["id"]) < ids.index(untouched["id"])  # the tasks' order

    db.execute("UPDATE submissions SET status = 'completed', verdict = 'AC', score = 100"
               " WHERE user_id = %s AND status = 'pending'", (ben,))
    _, t = stats_of(staff, task["id"])
    assert (t["solved"], t["average_best_score"], t["verdicts"]) == (2, 100, {"AC": 2, "PA": 1, "WA": 1})


def test_statistics_answer_again_after_a_postgresql_restart(httpd, services, staff):
    assert staff.get("/api/admin/statistics").status_code == 200
    services.pg.stop()
    try:
        wait_health(httpd, "database", "down")
        assert error_of(staff.get("/api/admin/statistics"), 503) == "database unavailable"
    finally:
        services.pg.start()
    wait_health(httpd, "database", "ok")
    for _ in range(8):  # several pooled connections, each reset once
        r = staff.get("/api/admin/statistics")
        assert r.status_code == 200, r.text


def test_grades_csv_is_a_download_named_grades_csv(staff):
    r = staff.get("/api/admin/grades.csv")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="grades.csv"'
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.text.startswith("username,display_name,team")


def test_import_preview_lists_the_rows_it_would_create_and_writes_nothing(staff, db):
    a, b = "pv%s" % secrets.token_hex(4), "pv%s" % secrets.token_hex(4)
    team = "Preview %s" % secrets.token_hex(3)
    csv = ("username,display_name,password,team,staff\n%s,\"Doe, Ann\",password-one,%s,false\n\n%s,Ben,password-two,,yes\n"
           % (a, team, b))
    audits = db.execute("SELECT count(*) FROM staff_audit").fetchone()[0]
    r = staff.post("/api/admin/users/import?dry_run=1", files={"csv": ("u.csv", csv)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["would_create"] == 2 and body["new_teams"] == [team]
    assert body["rows"] == [
        {"line": 2, "username": a, "display_name": "Doe, Ann", "team": team, "staff": False},
        {"line": 4, "username": b, "display_name": "Ben", "team": None, "staff": True},
    ]
    assert "password" not in r.text and "hash" not in r.text
    assert db.execute("SELECT count(*) FROM users WHERE username IN (%s, %s)", (a, b)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM teams WHERE name = %s", (team,)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM staff_audit").fetchone()[0] == audits

    # A refused preview keeps sql/023's answer: every bad row, no "rows" of accounts to create.
    dup = csv + "%s,Again,password-three\n" % a
    r = staff.post("/api/admin/users/import?dry_run=1", files={"csv": ("u.csv", dup)})
    assert r.status_code == 409, r.text
    assert r.json()["rows"] == [{"line": 5, "username": a, "error": 'user "%s" is repeated (line 2)' % a}]

    r = staff.post("/api/admin/users/import", files={"csv": ("u.csv", csv)})
    assert r.status_code == 201, r.text
    assert [u["username"] for u in r.json()["created"]] == [a, b]
    assert "rows" not in r.json()
