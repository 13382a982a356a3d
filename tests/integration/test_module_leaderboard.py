"""The leaderboard ranks users and teams by the total of their best score per open task, ties
broken by the time the total was reached, and answers 304 to a page that already has it."""

import uuid

from test_module_helpers import login, new_user, wait_for


def _completed(db, user_id, team_id, slug, score, seconds_ago):
    db.execute("""INSERT INTO submissions (user_id, team_id, task_id, code, language_id, status, verdict, score,
                  submitted_at) VALUES (%s, %s, (SELECT id FROM tasks WHERE slug = %s), 'x', 71, 'completed',
                  %s, %s, now() - make_interval(secs => %s))""",
               (user_id, team_id, slug, "AC" if score == 100 else "PA", score, seconds_ago))


def test_ranking_ties_and_teams(httpd, db):
    team = db.execute("INSERT INTO teams (name) VALUES (%s) RETURNING id", ("lb-" + uuid.uuid4().hex[:8],)).fetchone()[0]
    users = {}
    for key in ("first", "second", "third"):
        name, _ = new_user(db, prefix="lb")
        users[key] = db.execute("UPDATE users SET team_id = %s WHERE username = %s RETURNING id",
                                (team if key != "third" else None, name)).fetchone()[0]
    # first and second both total 150; first reached it earlier (its last raise is older).
    _completed(db, users["first"], team, "hello", 100, 500)
    _completed(db, users["first"], team, "aplusb", 50, 400)
    _completed(db, users["first"], team, "aplusb", 30, 100)  # a worse later try changes nothing
    _completed(db, users["second"], team, "hello", 100, 600)
    _completed(db, users["second"], team, "aplusb", 50, 300)
    _completed(db, users["third"], None, "hello", 100, 700)
    client = login(httpd, db)

    def board():
        body = client.get("/api/leaderboard").json()
        rows = {r["user_id"]: r for r in body["users"]}
        return body if all(u in rows for u in users.values()) else None

    body = wait_for(board, "the new users on the leaderboard (cached for a second)")
    rows = {r["user_id"]: r for r in body["users"]}
    first, second, third = (rows[users[k]] for k in ("first", "second", "third"))
    assert (first["score"], second["score"], third["score"]) == (150, 150, 100)
    assert first["rank"] < second["rank"] < third["rank"], body["users"]
    assert first["solved"] == 1 and third["solved"] == 1
    teams = {t["team_id"]: t for t in body["teams"]}
    assert teams[team]["score"] == 150 and teams[team]["members"] == 2

    r = client.get("/api/leaderboard")
    etag = r.headers["ETag"]
    r = client.get("/api/leaderboard", headers={"If-None-Match": etag})
    assert r.status_code == 304
