"""The leaderboard ranks users and teams by the total of their best score per open task, ties
broken by the time the total was reached, and answers 304 to a page that already has it."""

import hashlib
import json
import uuid

import pytest

from test_module_helpers import Client, login, new_user, wait_for


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


# ---- Visibility (the setting leaderboard_visibility, sql/024) and staff never ranked --------------

KEY = "leaderboard_visibility"


@pytest.fixture
def board_mode(httpd, db):
    """Sets the leaderboard's visibility as staff do, through PUT /api/admin/settings (which makes
    every child read it again on its next request); the site is public again after the test."""
    name, _ = new_user(db, staff=True, prefix="lbstaff")
    staff = Client(httpd.base, name)

    def set_mode(mode):
        r = staff.http.put(httpd.base + "/api/admin/settings", json={KEY: mode},
                           headers={"X-CSRF-Token": staff.csrf}, timeout=30)
        assert r.status_code == 200, r.text
    yield set_mode
    set_mode(None)


@pytest.fixture
def ranked(httpd, db):
    """Two students of one team with scores, a student alone, and a staff account with the best
    score of all in that team: every one logged in."""
    team = db.execute("INSERT INTO teams (name) VALUES (%s) RETURNING id", ("lbv-" + uuid.uuid4().hex[:8],)).fetchone()[0]
    people = {}
    for key, staff in (("alice", False), ("bob", False), ("carol", False), ("teacher", True)):
        name, uid = new_user(db, staff=staff, prefix="lbv")
        db.execute("UPDATE users SET team_id = %s WHERE id = %s", (None if key == "carol" else team, uid))
        client = Client(httpd.base, name)
        client.user_id, client.username = uid, name
        people[key] = client
    _completed(db, people["alice"].user_id, team, "hello", 100, 300)
    _completed(db, people["bob"].user_id, team, "hello", 50, 200)
    _completed(db, people["carol"].user_id, None, "aplusb", 70, 100)
    _completed(db, people["teacher"].user_id, team, "aplusb", 100, 50)
    _completed(db, people["teacher"].user_id, team, "hello", 100, 50)
    people["team"] = team
    people["team_name"] = db.execute("SELECT name FROM teams WHERE id = %s", (team,)).fetchone()[0]
    return people


def _board(client, want=None, what="the leaderboard"):
    """The leaderboard once want(body) holds (the cached ranking lives a second)."""
    def attempt():
        r = client.get("/api/leaderboard")
        assert r.status_code == 200, r.text
        return r if want is None or want(r.json()) else None
    return wait_for(attempt, what)


def _has_all(people, keys=("alice", "bob", "carol")):
    names = {people[k].username for k in keys}
    return lambda body: names <= {u.get("username") for u in body["users"]}


def test_staff_are_never_ranked(ranked, board_mode):
    r = _board(ranked["alice"], _has_all(ranked), "the new students ranked")
    body = r.json()
    assert ranked["teacher"].user_id not in {u["user_id"] for u in body["users"]}
    assert all("staff" not in u for u in body["users"])
    rows = {u["user_id"]: u for u in body["users"]}
    assert rows[ranked["alice"].user_id]["rank"] < rows[ranked["carol"].user_id]["rank"] < rows[ranked["bob"].user_id]["rank"]
    # Nor counted in their team: its score and members are the students' only.
    team = {t["team_id"]: t for t in body["teams"]}[ranked["team"]]
    assert (team["score"], team["members"], team["solved"]) == (100, 2, 1)
    # Staff see the same ranking, without themselves, in every mode that shows it.
    for mode in ("public", "anonymised", "staff"):
        board_mode(mode)
        staff_body = _board(ranked["teacher"], lambda b: b.get("visibility", "public") == mode).json()
        assert ranked["teacher"].user_id not in {u["user_id"] for u in staff_body["users"]}


def test_public_mode_is_the_ranking_for_everyone(ranked, board_mode):
    board_mode("public")
    for who in ("alice", "teacher"):
        r = _board(ranked[who], _has_all(ranked))
        assert r.status_code == 200 and "visibility" not in r.json()
        assert ranked["teacher"].get("/api/me").json()[KEY] == "public"


def test_anonymised_mode_hides_every_other_student(ranked, board_mode):
    board_mode("anonymised")
    alice = ranked["alice"]
    # This test's students are new: a ranking cached before them (it lives a second) lacks them.
    def with_me(b):
        return b.get("visibility") == "anonymised" and any(u.get("you") for u in b["users"])
    r = _board(alice, with_me, "alice's own row in the anonymised ranking")
    assert r.status_code == 200, r.text
    body = r.json()
    text = r.text
    for other in ("bob", "carol"):
        assert ranked[other].username not in text
    assert ranked["teacher"].username not in text
    mine = [u for u in body["users"] if u.get("you")]
    assert len(mine) == 1 and mine[0]["username"] == alice.username and mine[0]["user_id"] == alice.user_id
    assert mine[0]["team"] == ranked["team_name"]
    others = [u for u in body["users"] if not u.get("you")]
    assert others and all(set(u) >= {"rank", "label", "score"} and not set(u) & {"user_id", "username", "team"}
                          for u in others)
    assert all(u["label"].startswith("Participant ") for u in body["users"])
    # The own team keeps its name, every other team only a label.
    teams = body["teams"]
    assert [t["name"] for t in teams if t.get("you")] == [ranked["team_name"]]
    assert all("name" not in t and "team_id" not in t and t["label"].startswith("Team ") for t in teams if not t.get("you"))
    # Labels are the same on every request and for every viewer, and tell the rows apart.
    labels = [u["label"] for u in body["users"]]
    assert len(set(labels)) == len(labels)
    carol_view = _board(ranked["carol"], with_me).json()
    assert {u["label"] for u in carol_view["users"]} == set(labels)
    assert alice.username not in json.dumps(carol_view)
    assert alice.get("/api/me").json()[KEY] == "anonymised"
    # The ETag is the body's: a page that has it gets 304.
    r = alice.get("/api/leaderboard")
    assert r.headers["ETag"].startswith('"lb-%s' % hashlib.md5(r.content).hexdigest())
    assert alice.get("/api/leaderboard", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304

    # Staff see real names and that students see it anonymised.
    staff_body = _board(ranked["teacher"], _has_all(ranked)).json()
    assert staff_body["visibility"] == "anonymised"
    assert all("username" in u and "label" not in u for u in staff_body["users"])


def test_staff_only_mode(ranked, board_mode):
    board_mode("staff")
    r = ranked["alice"].get("/api/leaderboard")
    assert (r.status_code, r.json()) == (403, {"error": "The leaderboard is visible to staff only."})
    assert ranked["alice"].get("/api/me").json()[KEY] == "staff"
    r = _board(ranked["teacher"], _has_all(ranked))
    assert r.status_code == 200 and r.json()["visibility"] == "staff"


def test_off_mode_refuses_everyone(ranked, board_mode):
    board_mode("off")
    for who in ("alice", "teacher"):
        r = ranked[who].get("/api/leaderboard")
        assert (r.status_code, r.json()) == (404, {"error": "The leaderboard is turned off."})
        assert ranked[who].get("/api/me").json()[KEY] == "off"


def test_a_mode_change_counts_at_once_with_the_ranking_cached(ranked, board_mode, services):
    alice = ranked["alice"]
    board_mode("public")
    _board(alice, _has_all(ranked))
    keys = _pin_cached_ranking(alice, services)
    board_mode("anonymised")
    r = alice.get("/api/leaderboard")
    assert r.status_code == 200 and r.json()["visibility"] == "anonymised"
    assert ranked["bob"].username not in r.text
    board_mode("off")
    assert alice.get("/api/leaderboard").status_code == 404
    board_mode("staff")
    assert alice.get("/api/leaderboard").status_code == 403
    board_mode("public")
    r = alice.get("/api/leaderboard")
    assert r.status_code == 200 and "visibility" not in r.json()
    _redis(services).delete(*keys)


def test_a_forged_cache_value_never_unmasks_the_anonymised_board(ranked, board_mode, services):
    board_mode("public")
    _board(ranked["alice"], _has_all(ranked))
    keys = _pin_cached_ranking(ranked["alice"], services)
    board_mode("anonymised")
    # A well-formed value (its tag is its body's MD5) that claims to be of another mode and holds
    # real names: the mode is never taken from the cache, the rows are anonymised all the same.
    forged = json.dumps({"tasks": [], "users": [{"rank": 1, "user_id": 999999, "username": "forged-name",
                                                 "team": "forged-team", "score": 1}],
                         "teams": [], "visibility": "public"}, separators=(",", ":"))
    # Signed, as a service holding the keys would write it (unsigned ones: test_redis_trust.py).
    for key in keys:
        _redis(services).set(key, services.redis.signed(key, '"lb-%s"\n%s' % (hashlib.md5(forged.encode()).hexdigest(),
                                                                              forged)), px=10000)
    try:
        r = ranked["alice"].get("/api/leaderboard")
        assert r.status_code == 200, r.text
        assert "forged-name" not in r.text and "forged-team" not in r.text and "999999" not in r.text
        assert r.json()["visibility"] == "anonymised"
        # A value whose tag is not its body's is refused and the real ranking computed again.
        for key in keys:
            _redis(services).set(key, services.redis.signed(key, '"lb-%s"\n%s' % ("0" * 32, forged)), px=10000)
        r = ranked["alice"].get("/api/leaderboard")
        assert r.status_code == 200 and "forged" not in r.text and r.json()["visibility"] == "anonymised"
        assert any(u.get("you") for u in r.json()["users"])
    finally:
        _redis(services).delete(*keys)


def _redis(services):
    return services.redis.client()


def _pin_cached_ranking(client, services):
    """The keys of the cached ranking, each kept for ten seconds instead of one, so that the test's
    requests meet it in the cache: every server's of the session (another key for the same
    database) too."""
    def cached():
        assert client.get("/api/leaderboard").status_code == 200
        r = _redis(services)
        values = {k: r.get(k) for k in r.keys("*:leaderboard:v1")}
        values = {k: v for k, v in values.items() if v}
        for k, v in values.items():
            r.set(k, v, px=10000)
        return list(values)
    return wait_for(cached, "the ranking cached in Redis")
