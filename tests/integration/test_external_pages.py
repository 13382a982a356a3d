"""SolveitAuth external, seen in a browser: a user the server refuses (a built-in account's name, a
disabled account) reads the server's sentence on the page, not a login form that cannot help."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from test_module_external import basic_auth

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("external_page.mjs")
ARTIFACTS = Path(os.environ.get("SOLVEIT_ARTIFACTS", REPO / "test-artifacts")) / "screenshots"


def browser_available():
    chromium = os.environ.get("SOLVEIT_CHROMIUM", "/usr/bin/chromium")
    return (shutil.which("node") and Path(chromium).exists()
            and (REPO / "node_modules" / "playwright-core").is_dir())


pytestmark = pytest.mark.skipif(not browser_available(),
                                reason="needs node, Chromium and playwright-core (devstack/setup.sh installs them)")

HASH = "$2y$10$oJ3Cm/2pgg8LYB9gB87EKOWVX5niwPtUK0IvMMntBuxBJCOK0oh0q"


@pytest.fixture
def site(services, httpd_factory):
    users = {"pages-clash": "pw-clash", "pages-off": "pw-off", "pages-ok": "pw-ok"}
    server = httpd_factory(mpm="event", extra=basic_auth(services, "pages", users),
                           replace={"SolveitAuth": "external"})
    return server


def open_page(server, user, password, page="index.html"):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / ("external-%s.png" % user)
    out = subprocess.run(["node", str(SCRIPT), server.base + "/" + page, user, password,
                          str(shot)], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_builtin_name_collision_is_explained_on_the_page(site, db):
    db.execute("INSERT INTO users (username, password_hash, auth_source) VALUES ('pages-clash', %s, 'builtin')"
               " ON CONFLICT (username) DO NOTHING", (HASH,))
    seen = open_page(site, "pages-clash", "pw-clash")
    assert "has the name of a built-in account of this judge" in seen["alert"], seen
    assert not seen["url"].endswith("login.html"), seen


def test_disabled_account_is_explained_on_the_page(site, db):
    r = requests.get(site.base + "/api/me", auth=("pages-off", "pw-off"), timeout=30)
    assert r.status_code == 200, r.text
    db.execute("UPDATE users SET is_active = false WHERE username = 'pages-off'")
    try:
        seen = open_page(site, "pages-off", "pw-off")
    finally:
        db.execute("UPDATE users SET is_active = true WHERE username = 'pages-off'")
    assert "This account is disabled" in seen["alert"], seen
    assert not seen["url"].endswith("login.html"), seen


def test_an_accepted_external_user_sees_no_alert(site):
    seen = open_page(site, "pages-ok", "pw-ok")
    assert seen["alert"] == "no alert", seen
