"""Site settings (sql/024_settings.sql, issue 12): GET/PUT /api/admin/settings and `solveit-admin
settings` against the real httpd and PostgreSQL. Who may call, what each bad key or value answers
(and that it changes nothing), the audit row of a change, and the database's own check on a write
that goes around both."""

import json
import os
import subprocess

import psycopg
import pytest
import requests

from harness import REPO
from test_admin_api import error_of, staff_client
from polling import wait_for
from test_module_helpers import login

pytestmark = pytest.mark.usefixtures("built_programs")

ADMIN = REPO / "admin" / "solveit-admin"
KEY = "leaderboard_visibility"


def visibility(db):
    return db.execute("SELECT solveit_setting(%s) #>> '{}'", (KEY,)).fetchone()[0]


def settings_audit(db):
    return db.execute("SELECT actor_id, actor_name, action, object_id, before, after FROM staff_audit"
                      " WHERE object_type = 'settings' ORDER BY id").fetchall()


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


@pytest.fixture
def public_after(staff):
    """Every test leaves the site as the other tests expect it: the leaderboard public, through
    the API so that every child of the server reads it again at once."""
    yield
    assert staff.put("/api/admin/settings", json={KEY: None}).status_code == 200


def admin_cli(services, *args):
    return subprocess.run([str(ADMIN)] + list(args), capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, SOLVEIT_DB=services.pg.dsn))


def test_settings_refuse_visitors_students_and_missing_csrf(httpd, db, staff, public_after):
    before = settings_audit(db)
    student = login(httpd, db)
    for method in ("GET", "PUT"):
        r = requests.request(method, httpd.base + "/api/admin/settings", json={KEY: "off"}, timeout=30)
        assert error_of(r, 401) == "not logged in"
        r = student.http.request(method, httpd.base + "/api/admin/settings", json={KEY: "off"},
                                 headers={"X-CSRF-Token": student.csrf}, timeout=30)
        assert error_of(r, 403) == "staff only"
    r = staff.call("PUT", "/api/admin/settings", csrf=False, json={KEY: "off"})
    assert "missing CSRF token" in error_of(r, 403)
    r = staff.call("PUT", "/api/admin/settings", csrf=False, headers={"X-CSRF-Token": "forged"}, json={KEY: "off"})
    assert error_of(r, 403) == "invalid CSRF token"
    assert visibility(db) == "public" and settings_audit(db) == before


def test_settings_list_and_change_with_audit(db, staff, public_after):
    r = staff.get("/api/admin/settings")
    assert r.status_code == 200, r.text
    listed = {s["key"]: s for s in r.json()["settings"]}
    board = listed[KEY]
    assert (board["kind"], board["value"], board["default"], board["is_default"]) == ("choice", "public", "public", True)
    assert board["choices"] == ["public", "anonymised", "staff", "off"] and "leaderboard" in board["description"]

    r = staff.put("/api/admin/settings", json={KEY: "anonymised"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["changed"] == [KEY]
    assert {s["key"]: s["value"] for s in body["settings"]}[KEY] == "anonymised"
    assert visibility(db) == "anonymised"
    actor_id, actor_name, action, object_id, before, after = settings_audit(db)[-1]
    assert (actor_id, actor_name, action, object_id) == (staff.user_id, staff.username, "PUT /api/admin/settings", None)
    assert (before, after) == ({KEY: "public"}, {KEY: "anonymised"})

    # The same value again changes nothing and writes no audit row.
    count = len(settings_audit(db))
    r = staff.put("/api/admin/settings", json={KEY: "anonymised"})
    assert r.status_code == 200 and r.json()["changed"] == []
    assert len(settings_audit(db)) == count

    # null puts it back to its default.
    r = staff.put("/api/admin/settings", json={KEY: None})
    assert r.status_code == 200 and r.json()["changed"] == [KEY]
    assert {s["key"]: s["is_default"] for s in r.json()["settings"]}[KEY] is True
    assert settings_audit(db)[-1][4:] == ({KEY: "anonymised"}, {KEY: "public"})


@pytest.mark.parametrize("body, status, message", [
    ({KEY: "hidden"}, 400, 'leaderboard_visibility must be one of public, anonymised, staff, off (got "hidden")'),
    ({KEY: 1}, 400, "leaderboard_visibility must be one of public, anonymised, staff, off (got 1)"),
    ({KEY: ["off"]}, 400, 'leaderboard_visibility must be one of public, anonymised, staff, off (got ["off"])'),
    ({"leaderbord_visibility": "off"}, 400,
     'unknown setting "leaderbord_visibility" (the settings are: leaderboard_visibility)'),
    # All or none: the good key is not written when another is refused.
    ({KEY: "off", "colour": "red"}, 400, 'unknown setting "colour" (the settings are: leaderboard_visibility)'),
    ({}, 400, 'send an object of settings to change, e.g. {"leaderboard_visibility": "anonymised"}'),
    (["off"], 400, "request body is not a JSON object"),
])
def test_bad_settings_are_refused_and_change_nothing(db, staff, public_after, body, status, message):
    before = settings_audit(db)
    r = staff.put("/api/admin/settings", json=body)
    assert error_of(r, status) == message
    assert visibility(db) == "public" and settings_audit(db) == before


def test_a_non_json_body_is_refused(db, staff, public_after):
    r = staff.put("/api/admin/settings", data="leaderboard_visibility=off",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "send a JSON object of settings" in error_of(r, 400)
    assert visibility(db) == "public"


def test_the_database_refuses_a_bad_value_written_around_the_api(db, public_after):
    with pytest.raises(psycopg.errors.CheckViolation, match="settings_value_valid"):
        db.execute("UPDATE settings SET value = '\"everyone\"' WHERE key = %s", (KEY,))
    assert visibility(db) == "public"


def test_cli_lists_sets_and_refuses(httpd, services, db, public_after):
    r = admin_cli(services, "settings")
    assert r.returncode == 0, r.stderr
    assert "leaderboard_visibility = public (default)" in r.stdout
    assert "one of: public anonymised staff off" in r.stdout

    r = admin_cli(services, "settings", KEY, "staff")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "leaderboard_visibility = staff (changed)"
    assert visibility(db) == "staff"
    # The module sees it within SV_LEADERBOARD_SETTING_TTL (it was made around the staff API).
    student = login(httpd, db)
    wait_for(lambda: student.get("/api/leaderboard").status_code == 403, "the CLI's change seen by httpd")
    assert student.get("/api/leaderboard").json() == {"error": "The leaderboard is visible to staff only."}
    actor_id, actor_name, action, _, before, after = settings_audit(db)[-1]
    assert actor_id is None and actor_name.startswith("solveit-admin (unix user ") and action == "solveit-admin settings"
    assert (before, after) == ({KEY: "public"}, {KEY: "staff"})

    r = admin_cli(services, "settings", "--json")
    assert r.returncode == 0, r.stderr
    assert {s["key"]: s["value"] for s in json.loads(r.stdout)["settings"]}[KEY] == "staff"

    count = len(settings_audit(db))
    r = admin_cli(services, "settings", KEY, "everyone")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == ('solveit-admin: settings: leaderboard_visibility must be one of public, anonymised, '
                                'staff, off (got "everyone")')
    r = admin_cli(services, "settings", "colour", "red", "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout) == {"error": 'unknown setting "colour" (the settings are: leaderboard_visibility)'}
    r = admin_cli(services, "settings", KEY)
    assert r.returncode == 2
    assert "usage: settings (list them) or settings KEY VALUE (set one)" in r.stderr
    assert visibility(db) == "staff" and len(settings_audit(db)) == count
