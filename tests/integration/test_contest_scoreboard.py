"""Contests (issue 13, doc/courses-and-contests.md "Contests"): the ICPC scoreboard of
GET /api/assignments/{id}/scoreboard, frozen for students, live for staff, unfrozen by
POST /api/admin/assignments/{id}/unfreeze, and solveit-admin scoreboard / unfreeze.

Three students try and solve three tasks; every submission is judged by the real pipeline
(httpd, judge-worker, result-sink), then its submitted_at is placed in the contest with SQL. The
board is compared with the table computed by hand below.

Run: SOLVEIT_MPMS=event /usr/bin/python3 -m pytest -p no:cacheprovider -x tests/integration/test_contest_scoreboard.py
"""

import datetime
import hashlib
import json
import os
import subprocess
import uuid

import pytest

from harness import REPO
from polling import wait_final, wait_for
from test_module_helpers import Client, new_user

pytestmark = pytest.mark.usefixtures("built_programs")

WAIT = 300  # bound for the judgements on a busy 2-core machine
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
WRONG = "a, b = map(int, input().split())\nprint(a - b)\n"
BROKEN_C = "int main(void) { return 0 }\n"  # a compile error
PY, C = 71, 50

# The contest opens at O (now - 3 h) and freezes at O + 150 min (now - 30 min); due at now + 1 h.
FREEZE_MIN = 150
# Who submits what, when (minutes after O): (student, task, program, minute).
PLAN = [
    ("ann", "A", WRONG, 10), ("ann", "A", BROKEN_C, 12), ("ann", "A", SUM, 20),
    ("ann", "B", SUM, 40), ("ann", "C", WRONG, 160), ("ann", "C", SUM, -5),  # before the start: not counted
    ("bob", "A", SUM, 15), ("bob", "B", WRONG, 30), ("bob", "B", WRONG, 35), ("bob", "B", SUM, 50),
    ("bob", "C", SUM, 155),
    ("cat", "A", SUM, 20), ("cat", "B", SUM, 60),
    ("staff", "A", SUM, 1),  # staff are never ranked
]
# cat also has a submission to C at minute 100 that is not judged yet (pending in both views).

# The boards by hand: {student: (rank, solved, penalty, {task: (solved, minutes, tries, pending, first)})}.
#   ann: A at 20 after 1 WA (the CE is no try) = 40, B at 40 = 40: 2 solved, 80; C: 1 WA after the freeze.
#   bob: A at 15 = 15, B at 50 after 2 WA = 90, C at 155 (after the freeze) = 155: 3 solved, 260.
#   cat: A at 20, B at 60: 2 solved, 80 (ann's tie: one rank, by username); C pending.
LIVE = {
    "bob": (1, 3, 260, {"A": (True, 15, 0, 0, True), "B": (True, 50, 2, 0, False), "C": (True, 155, 0, 0, True)}),
    "ann": (2, 2, 80, {"A": (True, 20, 1, 0, False), "B": (True, 40, 0, 0, True), "C": (False, None, 1, 0, False)}),
    "cat": (2, 2, 80, {"A": (True, 20, 0, 0, False), "B": (True, 60, 0, 0, False), "C": (False, None, 0, 1, False)}),
}
# Frozen: what was stored from minute 150 on is a pending count only (bob's C solve, ann's C try).
FROZEN = {
    "ann": (1, 2, 80, {"A": (True, 20, 1, 0, False), "B": (True, 40, 0, 0, True), "C": (False, None, 0, 1, False)}),
    "cat": (1, 2, 80, {"A": (True, 20, 0, 0, False), "B": (True, 60, 0, 0, False), "C": (False, None, 0, 1, False)}),
    "bob": (3, 2, 105, {"A": (True, 15, 0, 0, True), "B": (True, 50, 2, 0, False), "C": (False, None, 0, 1, False)}),
}


def iso(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def db_now(db):
    return db.execute("SELECT now()").fetchone()[0]


def make_task(db, label):
    tid = db.execute("INSERT INTO tasks (slug, title, time_limit_ms) VALUES (%s, %s, 4000) RETURNING id",
                     ("contest-%s" % uuid.uuid4().hex[:10], "Contest task " + label)).fetchone()[0]
    db.execute('INSERT INTO tests (task_id, "order", input, expected_output, is_sample) VALUES'
               " (%s, 1, '1 2\n', '3\n', true), (%s, 2, '5 7\n', '12\n', false)", (tid, tid))
    return tid


def staff_client(httpd, db):
    name, uid = new_user(db, staff=True, prefix="cstaff")
    client = Client(httpd.base, name)
    client.user_id = uid
    return client


def student(httpd, db, prefix, team=None):
    name, uid = new_user(db, prefix=prefix)
    db.execute("UPDATE users SET team_id = %s WHERE id = %s", (team, uid))
    client = Client(httpd.base, name)
    client.user_id, client.username = uid, name
    return client


def create_contest(staff, **fields):
    """An assignment made through the staff API (POST /api/admin/assignments): its id."""
    fields.setdefault("title", "Cup " + uuid.uuid4().hex[:6])
    fields.setdefault("contest", True)
    r = staff.post("/api/admin/assignments", json=fields)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def unfreeze(client, aid):
    return client.post("/api/admin/assignments/%d/unfreeze" % aid)


def board(client, aid, **kw):
    return client.get("/api/assignments/%d/scoreboard" % aid, **kw)


def as_table(body, names):
    """The board as {student: (rank, solved, penalty, {label: cell})}, for the users of names."""
    labels = {t["id"]: t["label"] for t in body["tasks"]}
    out = {}
    for row in body["rows"]:
        cells = {labels[c["task_id"]]: (c["solved"], c["minutes"], c["tries"], c["pending"], c["first"])
                 for c in row["cells"]}
        out[names.get(row["user_id"], row["username"])] = (row["rank"], row["solved"], row["penalty"], cells)
    return out


@pytest.fixture(scope="module")
def contest(pipeline, services):
    """The contest of PLAN, judged and placed: {id, staff, clients, names, tasks, opens}."""
    import psycopg
    db = psycopg.connect(services.pg.dsn, autocommit=True)
    httpd = pipeline.httpd
    staff = staff_client(httpd, db)
    tasks = {label: make_task(db, label) for label in "ABC"}
    now = db_now(db)
    opens = now - datetime.timedelta(hours=3)
    aid = create_contest(staff, task_ids=[tasks[k] for k in "ABC"], opens_at=iso(opens),
                         due_at=iso(now + datetime.timedelta(hours=1)),
                         freeze_at=iso(opens + datetime.timedelta(minutes=FREEZE_MIN)))
    # Usernames sort as ann < bob < cat (ties are listed by username).
    clients = {key: student(httpd, db, "ct%s" % key) for key in ("ann", "bob", "cat")}
    clients["staff"] = staff
    placed = {}
    for who, label, code, minute in PLAN:
        r = clients[who].submit(task_id=tasks[label], language_id=C if code == BROKEN_C else PY, code=code)
        assert r.status_code == 202, r.text
        placed[r.json()["submission_id"]] = minute
    wait_final(db, list(placed), WAIT, what="the contest's %d submissions judged" % len(placed))
    verdicts = dict(db.execute("SELECT id, verdict FROM submissions WHERE id = ANY(%s)", (list(placed),)).fetchall())
    assert sorted(verdicts.values()) == sorted(
        "CE" if code == BROKEN_C else ("AC" if code == SUM else "WA") for _, _, code, _ in PLAN), verdicts
    for sid, minute in placed.items():
        db.execute("UPDATE submissions SET submitted_at = %s WHERE id = %s",
                   (opens + datetime.timedelta(minutes=minute), sid))
    # Not judged yet: its message counts as sent (far ahead), so the sweeper leaves it pending.
    db.execute("INSERT INTO submissions (user_id, team_id, task_id, code, language_id, status, submitted_at,"
               " kafka_sent_at) SELECT id, team_id, %s, 'print(3)', 71, 'pending', %s, now() + interval '1 day'"
               " FROM users WHERE id = %s", (tasks["C"], opens + datetime.timedelta(minutes=100),
                                               clients["cat"].user_id))
    names = {c.user_id: key for key, c in clients.items() if key != "staff"}
    yield {"id": aid, "staff": staff, "clients": clients, "names": names, "tasks": tasks, "db": db,
           "httpd": httpd}
    db.close()


def settled(client, aid, names, want):
    """The board once it shows want (a board is cached for about a second)."""
    return wait_for(lambda: board(client, aid).json(), "the board %r" % want,
                    until=lambda body: as_table(body, names) == want)


def test_staff_see_the_live_board_and_are_never_ranked(contest):
    body = settled(contest["staff"], contest["id"], contest["names"], LIVE)
    assert body["frozen"] is False and body["frozen_for_students"] is True
    assert [t["label"] for t in body["tasks"]] == ["A", "B", "C"]
    assert [r["username"] for r in body["rows"]] == [contest["clients"][k].username for k in ("bob", "ann", "cat")]
    assert contest["staff"].user_id not in [r["user_id"] for r in body["rows"]]
    assert not any(r["you"] for r in body["rows"])
    assert body["assignment"]["state"] == "open" and body["assignment"]["unfrozen_at"] is None


def test_students_get_the_frozen_board_with_their_own_row_marked(contest):
    ann = contest["clients"]["ann"]
    body = settled(ann, contest["id"], contest["names"], FROZEN)
    assert body["frozen"] is True and body["frozen_for_students"] is True
    # bob's solve and ann's own rejected try after the freeze are only pending counts.
    mine = [r for r in body["rows"] if r["you"]]
    assert [r["user_id"] for r in mine] == [ann.user_id]
    assert "visible_to_all" not in body and "team_ids" not in body
    # The freeze hides nothing of ann's own: her submissions list still has the verdict.
    listed = ann.get("/api/submissions").json()["submissions"]
    assert "WA" in [s["verdict"] for s in listed if s["task_id"] == contest["tasks"]["C"]]


def test_an_unchanged_board_answers_304(contest):
    bob = contest["clients"]["bob"]
    settled(bob, contest["id"], contest["names"], FROZEN)
    r = board(bob, contest["id"])
    etag = r.headers["ETag"]
    # The ETag leaves "now" out: a poll within the next seconds still matches.
    r2 = wait_for(lambda: board(bob, contest["id"], headers={"If-None-Match": etag}), "a 304 for the same board",
                  until=lambda resp: resp.status_code == 304)
    assert r2.status_code == 304
    assert r.headers["Cache-Control"].startswith("private")


def test_the_cli_prints_the_live_board(contest, services):
    out = cli(services, "scoreboard", str(contest["id"]))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "frozen for students since" in lines[0]
    assert lines[1].split() == ["rank", "user", "team", "solved", "penalty", "A", "B", "C"]
    rows = {line.split()[1]: line for line in lines[2:]}
    # rank, user, team, solved, penalty, then "+tries / minute" (* first), "-tries", "?pending".
    bob, ann, cat = (rows[contest["clients"][k].username] for k in ("bob", "ann", "cat"))
    assert bob.split()[:5] == ["1", contest["clients"]["bob"].username, "-", "3", "260"]
    assert bob.split()[5:] == ["+", "/", "15*", "+2", "/", "50", "+", "/", "155*"]
    assert ann.split()[:5] == ["2", contest["clients"]["ann"].username, "-", "2", "80"]
    assert ann.split()[5:] == ["+1", "/", "20", "+", "/", "40*", "-1"]
    assert cat.split()[5:] == ["+", "/", "20", "+", "/", "60", "?1"]
    assert contest["staff"].me["user"]["username"] not in out.stdout
    missing = cli(services, "scoreboard", "999999999")
    assert missing.returncode == 1 and "there is no contest 999999999" in missing.stderr


def test_unfreeze_reveals_the_board_to_students(contest):
    db, staff, aid = contest["db"], contest["staff"], contest["id"]
    assert unfreeze(contest["clients"]["ann"], aid).status_code == 403  # staff only
    r = unfreeze(staff, aid)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == aid and r.json()["unfrozen_at"] and r.json()["frozen"] is False
    audit = db.execute("SELECT actor_id, object_type, before->>'unfrozen_at', after->>'unfrozen_at' FROM staff_audit"
                       " WHERE object_type = 'assignment' AND object_id = %s AND action LIKE '%%unfreeze'"
                       " ORDER BY id DESC LIMIT 1", (aid,)).fetchone()
    assert audit[0] == staff.user_id and audit[2] is None and audit[3] == r.json()["unfrozen_at"]
    body = settled(contest["clients"]["cat"], aid, contest["names"], LIVE)
    assert body["frozen"] is False and body["frozen_for_students"] is False
    again = unfreeze(staff, aid)
    assert again.status_code == 400
    assert again.json()["error"].startswith("The board of ") and "was already unfrozen at" in again.json()["error"]


def test_unfreeze_refusals(contest):
    db, staff = contest["db"], contest["staff"]
    now = db_now(db)
    later = create_contest(staff, opens_at=iso(now - datetime.timedelta(hours=1)),
                           due_at=iso(now + datetime.timedelta(hours=2)),
                           freeze_at=iso(now + datetime.timedelta(hours=1)), title="Later cup")
    r = unfreeze(staff, later)
    assert r.status_code == 400 and r.json()["error"].startswith("The board of Later cup is not frozen yet: it freezes at ")
    never = create_contest(staff, opens_at=iso(now - datetime.timedelta(hours=1)),
                           due_at=iso(now + datetime.timedelta(hours=2)), title="Open cup")
    r = unfreeze(staff, never)
    assert r.status_code == 400 and r.json()["error"] == "The contest Open cup has no freeze time: its board is never frozen."
    week = create_contest(staff, opens_at=iso(now - datetime.timedelta(hours=1)),
                          due_at=iso(now + datetime.timedelta(hours=2)), title="Week 1", contest=False)
    r = unfreeze(staff, week)
    assert r.status_code == 400 and r.json()["error"] == "Week 1 is not a contest: only a contest's board freezes."
    r = unfreeze(staff, 999999999)
    assert r.status_code == 404 and r.json()["error"] == "Assignment 999999999 does not exist."
    # solveit-admin unfreeze says the same, with exit status 1.


def test_cli_unfreeze(contest, services):
    db, staff = contest["db"], contest["staff"]
    now = db_now(db)
    aid = create_contest(staff, opens_at=iso(now - datetime.timedelta(hours=2)),
                         due_at=iso(now + datetime.timedelta(hours=1)),
                         freeze_at=iso(now - datetime.timedelta(hours=1)), title="CLI cup")
    out = cli(services, "unfreeze", str(aid))
    assert out.returncode == 0, out.stderr
    assert out.stdout == "CLI cup: the board is unfrozen; students see every result again.\n"
    actor = db.execute("SELECT actor_id, actor_name FROM staff_audit WHERE object_type = 'assignment'"
                       " AND object_id = %s AND action = 'solveit-admin unfreeze'", (aid,)).fetchone()
    assert actor[0] is None and actor[1].startswith("solveit-admin (unix user ")
    again = cli(services, "unfreeze", str(aid))
    assert again.returncode == 1 and "The board of CLI cup was already unfrozen at" in again.stderr
    bad = cli(services, "unfreeze", "cup")
    assert bad.returncode == 2 and "the contest is given by its assignment id" in bad.stderr


def test_404_for_upcoming_invisible_and_non_contests(contest):
    db, staff, httpd = contest["db"], contest["staff"], contest["httpd"]
    now = db_now(db)
    mine = db.execute("INSERT INTO teams (name) VALUES (%s) RETURNING id", ("ct-" + uuid.uuid4().hex[:8],)).fetchone()[0]
    other = db.execute("INSERT INTO teams (name) VALUES (%s) RETURNING id", ("ct-" + uuid.uuid4().hex[:8],)).fetchone()[0]
    dee = student(httpd, db, "ctdee", team=mine)
    upcoming = create_contest(staff, opens_at=iso(now + datetime.timedelta(hours=1)),
                              due_at=iso(now + datetime.timedelta(hours=3)))
    theirs = create_contest(staff, opens_at=iso(now - datetime.timedelta(hours=1)),
                            due_at=iso(now + datetime.timedelta(hours=3)), team_ids=[other])
    ours = create_contest(staff, opens_at=iso(now - datetime.timedelta(hours=1)),
                          due_at=iso(now + datetime.timedelta(hours=3)), team_ids=[mine])
    week = create_contest(staff, opens_at=iso(now - datetime.timedelta(hours=1)),
                          due_at=iso(now + datetime.timedelta(hours=3)), contest=False)
    for aid in (upcoming, theirs, week, 999999999):
        r = board(dee, aid)
        assert r.status_code == 404, (aid, r.text)
        assert r.json()["error"] == "There is no contest %d open to you." % aid
    r = board(dee, ours)
    assert r.status_code == 200 and r.json()["rows"] == [] and r.json()["assignment"]["state"] == "open"
    # Staff see any contest, upcoming too; a non-contest is no board for them either.
    r = board(staff, upcoming)
    assert r.status_code == 200 and r.json()["assignment"]["state"] == "upcoming"
    assert board(staff, theirs).status_code == 200
    assert board(staff, week).status_code == 404


def _redis(services):
    return services.redis.client()


def test_a_forged_cache_value_is_not_served_as_it_is(contest, services):
    ann, aid = contest["clients"]["ann"], contest["id"]
    r = _redis(services)

    def cached_keys():
        assert board(ann, aid).status_code == 200
        return r.keys("*:scoreboard:v1:%d:students" % aid)
    keys = wait_for(cached_keys, "the students' board cached in Redis")
    forged = json.dumps({"assignment": {"id": aid, "title": "Forged", "state": "open"}, "now": "x", "frozen": False,
                         "frozen_for_students": False, "tasks": [], "visible_to_all": True, "team_ids": [],
                         "rows": [{"rank": 1, "user_id": 424242, "username": "forged-name", "you": True,
                                   "cells": []}]})
    # A value whose tag is not its body's MD5 is computed again and replaced (even signed, as a
    # service holding the keys would write it; unsigned ones: test_redis_trust.py).
    for k in keys:
        r.set(k, services.redis.signed(k, '"lb-%s"\n%s' % ("0" * 32, forged)), px=10000)
    body = board(ann, aid)
    assert body.status_code == 200 and "forged" not in body.text.lower()
    assert as_table(body.json(), contest["names"]) == (FROZEN if body.json()["frozen"] else LIVE)
    # A well-formed one still goes through the checks of every request: the caller's own row is
    # marked by the module (not by the value), and who may see it is read from it each time.
    forged_hidden = json.loads(forged)
    forged_hidden["visible_to_all"] = False
    text = json.dumps(forged_hidden)
    for k in keys:
        r.set(k, services.redis.signed(k, '"lb-%s"\n%s' % (hashlib.md5(text.encode()).hexdigest(), text)), px=10000)
    try:
        hidden = board(ann, aid)
        assert hidden.status_code == 404, hidden.text
        text = json.dumps(dict(json.loads(forged), rows=[dict(json.loads(forged)["rows"][0], you=True)]))
        for k in keys:
            r.set(k, services.redis.signed(k, '"lb-%s"\n%s' % (hashlib.md5(text.encode()).hexdigest(), text)),
                  px=10000)
        shown = board(ann, aid).json()
        assert [row["you"] for row in shown["rows"]] == [False] and "team_ids" not in shown
    finally:
        r.delete(*keys)


def cli(services, *args):
    return subprocess.run([str(REPO / "admin" / "solveit-admin"), *args], capture_output=True, text=True,
                          env=dict(os.environ, SOLVEIT_DB=services.pg.dsn), timeout=120)
