"""solveit-admin's account, rejudge and grades subcommands against the real PostgreSQL and httpd:
create-user on a fresh database (no demo data) and that account logging in through the module
(the hash is one the module accepts), the staff flag, every refusal with its message, the terminal
prompt (no echo, asked twice), set-password, import-users all or nothing with per-row errors,
rejudge --wait through the pipeline with its before/after table, and export-grades."""

import json
import os
import pty
import secrets
import select
import signal
import subprocess
import termios
import time

import psycopg
import pytest
import requests

from harness import REPO, Httpd, Postgres
from polling import wait_for
from test_admin_api import new_task, staff_client
from test_judge_worker import PY

pytestmark = pytest.mark.usefixtures("built_programs")

ADMIN = REPO / "admin" / "solveit-admin"
GOOD = "correct-horse-9"


def admin(dsn, *args, input=None, **env):
    return subprocess.run([str(ADMIN)] + [str(a) for a in args], capture_output=True, text=True, timeout=300,
                          input=input, env=dict(os.environ, SOLVEIT_DB=dsn, **env))


class Fresh:
    """A database with the migrations only (no demo accounts) and an httpd on it."""

    def __init__(self, services):
        self.pg = Postgres(services.tmp / "fresh-pg", durable=False)
        self.pg.start()
        self.pg.migrate(demo=False)
        self.httpd = Httpd(services.tmp / "fresh-httpd", self.pg, services.kafka.bootstrap).start()
        self.db = psycopg.connect(self.pg.dsn, autocommit=True)
        self.key_file = services.key_file

    def stop(self):
        self.db.close()
        self.httpd.stop()
        self.pg.stop()

    def run(self, *args, input=None):
        return admin(self.pg.dsn, *args, input=input, SOLVEIT_KEY_FILE=str(self.key_file))

    def users(self):
        return self.db.execute("SELECT count(*) FROM users").fetchone()[0]

    def login(self, name, password):
        http = requests.Session()
        r = http.post(self.httpd.base + "/api/login", json={"username": name, "password": password}, timeout=30)
        return r, http


@pytest.fixture(scope="module")
def fresh(services):
    f = Fresh(services)
    yield f
    f.stop()


def name():
    return "cli%s" % secrets.token_hex(4)


# ---- create-user on a fresh install ----------------------------------------------------------------

def test_the_first_staff_account_of_a_fresh_install_logs_in(fresh):
    assert fresh.users() == 0, "the fresh database holds accounts already"
    r = fresh.run("create-user", "admin", "--staff", "--display-name", "The Admin", input=GOOD + "\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("user ") and "(admin): created, staff" in r.stdout, r.stdout
    login, http = fresh.login("admin", GOOD)
    assert login.status_code == 200, login.text
    assert login.json()["user"]["staff"] is True and login.json()["user"]["username"] == "admin"
    # The staff flag is real: the staff API answers.
    assert http.get(fresh.httpd.base + "/api/admin/tasks", timeout=30).status_code == 200
    assert fresh.login("admin", GOOD + "x")[0].status_code == 401
    row = fresh.db.execute("SELECT display_name, is_staff, is_active, auth_source, password_hash LIKE '$2y$10$%'"
                           " FROM users WHERE username = 'admin'").fetchone()
    assert row == ("The Admin", True, True, "builtin", True)
    actor, action, after = fresh.db.execute(
        "SELECT actor_name, action, after::text FROM staff_audit WHERE object_type = 'user'"
        " AND after->>'username' = 'admin'").fetchone()
    assert actor.startswith("solveit-admin (unix user ") and action == "solveit-admin create-user"
    assert '"password_set": true' in after and "$2y$" not in after and GOOD not in after


def test_a_student_account_gets_no_staff_api(fresh):
    who = name()
    r = fresh.run("create-user", who, input=GOOD + "\n")
    assert r.returncode == 0, r.stderr
    login, http = fresh.login(who, GOOD)
    assert login.status_code == 200 and login.json()["user"]["staff"] is False
    assert http.get(fresh.httpd.base + "/api/admin/tasks", timeout=30).status_code == 403


def test_team_is_looked_up_by_name(fresh):
    fresh.db.execute("INSERT INTO teams (name) VALUES ('Blue') ON CONFLICT DO NOTHING")
    who = name()
    r = fresh.run("create-user", who, "--team", "Blue", "--json", input=GOOD + "\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["team"] == "Blue"
    login, _ = fresh.login(who, GOOD)
    assert login.json()["user"]["team"]["name"] == "Blue"


@pytest.mark.parametrize("args,stdin,message", [
    (["admin"], GOOD + "\n", 'the username "admin" is taken'),
    (["bad name"], GOOD + "\n", "username must be 1-64 of letters, digits and . _ - @"),
    (["weakling"], "short\n", "password must be at least 8 characters"),
    (["longling"], "x" * 73 + "\n", "password must be at most 72 bytes"),
    (["emptyline"], "\n", "the password is empty"),
    (["nostdin"], "", "no password: stdin is empty"),
    (["teamless", "--team", "No Such Team"], GOOD + "\n", 'no team is named "No Such Team"'),
])
def test_create_user_refusals_are_clear_and_write_nothing(fresh, args, stdin, message):
    before = fresh.users()
    r = fresh.run("create-user", *args, input=stdin)
    assert r.returncode == 1, r.stdout + r.stderr
    assert message in r.stderr, r.stderr
    assert fresh.users() == before


def test_the_password_is_never_an_argument(fresh):
    r = fresh.run("create-user", name(), "--password", GOOD)
    assert r.returncode == 2 and 'unknown argument "--password"' in r.stderr, r.stderr


def read_until(proc, master, prompt, seen, deadline):
    """Reads stderr until prompt is in it (what the terminal shows meanwhile goes to seen["tty"])."""
    while prompt.encode() not in seen["err"]:
        assert time.monotonic() < deadline, "no prompt %r; stderr so far: %r" % (prompt, seen["err"])
        ready, _, _ = select.select([proc.stderr, master], [], [], 1)
        if proc.stderr in ready:
            chunk = os.read(proc.stderr.fileno(), 4096)
            assert chunk, "solveit-admin ended before asking %r: %r" % (prompt, seen["err"])
            seen["err"] += chunk
        if master in ready:
            seen["tty"] += os.read(master, 4096)
    seen["err"] = seen["err"].replace(prompt.encode(), b"", 1)


def on_terminal(dsn, args):
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(ADMIN)] + list(args), stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, SOLVEIT_DB=dsn))
    return proc, master, slave


def run_on_terminal(dsn, args, answers, timeout=120):
    """Runs solveit-admin with a terminal on stdin, typing each answer once its prompt is on stderr
    (the program flushes the terminal's input as it turns echo off, so typing earlier is lost).
    Returns (returncode, stdout, stderr, what the terminal showed)."""
    proc, master, slave = on_terminal(dsn, args)
    os.close(slave)
    seen, deadline = {"err": b"", "tty": b""}, time.monotonic() + timeout
    try:
        for prompt, answer in answers:
            read_until(proc, master, prompt, seen, deadline)
            os.write(master, answer.encode() + b"\r")
        out, rest = proc.communicate(timeout=timeout)
        while select.select([master], [], [], 0)[0]:
            try:
                seen["tty"] += os.read(master, 4096)
            except OSError:
                break
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out.decode(), (seen["err"] + rest).decode(), seen["tty"].decode(errors="replace")


def test_ctrl_c_at_the_prompt_gives_the_terminal_its_echo_back(fresh):
    who = name()
    proc, master, slave = on_terminal(fresh.pg.dsn, ["create-user", who])
    try:
        read_until(proc, master, "New password for %s: " % who, {"err": b"", "tty": b""}, time.monotonic() + 120)
        assert not termios.tcgetattr(slave)[3] & termios.ECHO, "echo is on while asking"
        proc.send_signal(signal.SIGINT)  # Ctrl-C (the pty is not its controlling terminal: no ^C from it)
        assert proc.wait(timeout=60) == -signal.SIGINT
        assert termios.tcgetattr(slave)[3] & termios.ECHO, "echo stayed off after Ctrl-C"
    finally:
        os.close(master)
        os.close(slave)
        if proc.poll() is None:
            proc.kill()
    assert fresh.db.execute("SELECT count(*) FROM users WHERE username = %s", (who,)).fetchone()[0] == 0


def test_terminal_prompt_asks_twice_without_echo(fresh):
    who = name()
    rc, out, err, shown = run_on_terminal(fresh.pg.dsn, ["create-user", who], [
        ("New password for %s: " % who, GOOD), ("The same password again: ", GOOD)])
    assert rc == 0, err
    assert GOOD not in shown and GOOD not in out + err, "the password was echoed"
    assert fresh.login(who, GOOD)[0].status_code == 200


def test_terminal_passwords_that_differ_create_nothing(fresh):
    who = name()
    before = fresh.users()
    rc, out, err, shown = run_on_terminal(fresh.pg.dsn, ["create-user", who], [
        ("New password for %s: " % who, GOOD), ("The same password again: ", GOOD + "-typo")])
    assert rc == 1 and "the two passwords differ; nothing was changed" in err, err
    assert fresh.users() == before


# ---- set-password ----------------------------------------------------------------------------------

def test_set_password_replaces_it_and_ends_the_sessions(fresh):
    who = name()
    assert fresh.run("create-user", who, input=GOOD + "\n").returncode == 0
    login, http = fresh.login(who, GOOD)
    assert http.get(fresh.httpd.base + "/api/me", timeout=30).status_code == 200
    r = fresh.run("set-password", who, input="another-pass-1\n")
    assert r.returncode == 0, r.stderr
    assert "password set (its sessions are ended)" in r.stdout
    # The module's per-child session cache forgets a row within SV_SESSION_CACHE_TTL (1 s).
    wait_for(lambda: http.get(fresh.httpd.base + "/api/me", timeout=30).status_code == 401,
             "the old session to end", 30)
    assert fresh.login(who, GOOD)[0].status_code == 401
    assert fresh.login(who, "another-pass-1")[0].status_code == 200
    action = fresh.db.execute("SELECT action, actor_name FROM staff_audit ORDER BY id DESC LIMIT 1").fetchone()
    assert action[0] == "solveit-admin set-password" and action[1].startswith("solveit-admin (unix user ")


def test_set_password_refusals(fresh):
    r = fresh.run("set-password", "nobody-" + secrets.token_hex(3), input=GOOD + "\n")
    assert r.returncode == 1 and 'no user is named "nobody-' in r.stderr, r.stderr
    r = fresh.run("set-password", "admin", input="short\n")
    assert r.returncode == 1 and "password must be at least 8 characters" in r.stderr, r.stderr
    assert fresh.login("admin", GOOD)[0].status_code == 200


# ---- import-users ----------------------------------------------------------------------------------

def test_import_users_with_a_duplicate_row_writes_nothing(fresh, tmp_path):
    a, b = name(), name()
    csv = tmp_path / "class.csv"
    csv.write_text("username,display_name,password,team\n%s,Ann,password-1,Green\n%s,Bob,password-2\n"
                   "%s,Ann again,password-3\nadmin,Admin,password-4\n%s,Cid,short\n" % (a, b, a, name()))
    before = fresh.users()
    r = fresh.run("import-users", csv)
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split("|")[0].strip() == "line"
    rows = {int(x.split("|")[0]): x.split("|", 1)[1].strip() for x in lines[1:]}
    assert rows == {4: 'user "%s" is repeated (line 2)' % a, 5: 'user "admin" exists already',
                    6: "password must be at least 8 characters"}, r.stdout
    assert "3 of 5 rows cannot be imported; nothing was written" in r.stderr
    assert fresh.users() == before
    assert fresh.db.execute("SELECT count(*) FROM teams WHERE name = 'Green'").fetchone()[0] == 0
    # The same answer as JSON, as POST /api/admin/users/import gives it.
    r = fresh.run("import-users", csv, "--json")
    body = json.loads(r.stdout)
    assert r.returncode == 1 and body["error"] == "3 of 5 rows cannot be imported; nothing was written"
    assert [x["line"] for x in body["rows"]] == [4, 5, 6]


def test_import_users_dry_run_then_import_from_stdin(fresh):
    a, b = name(), name()
    text = "%s,Ann,password-1,Green\n\"%s\",\"Bob, B.\",password-2,,yes\n" % (a, b)
    before = fresh.users()
    r = fresh.run("import-users", "-", "--dry-run", input=text)
    assert r.returncode == 0, r.stderr
    assert "dry run: 2 accounts would be created; nothing was written" in r.stdout and "new team: Green" in r.stdout
    assert fresh.users() == before
    r = fresh.run("import-users", "-", input=text)
    assert r.returncode == 0, r.stderr
    assert "2 accounts created" in r.stdout
    line_b = [x for x in r.stdout.splitlines() if " %s " % b in x][0]
    assert "| yes " in line_b, r.stdout
    assert fresh.users() == before + 2
    login, _ = fresh.login(a, "password-1")
    assert login.status_code == 200 and login.json()["user"]["team"]["name"] == "Green"
    assert fresh.db.execute("SELECT display_name, is_staff FROM users WHERE username = %s", (b,)).fetchone() == \
        ("Bob, B.", True)
    actor = fresh.db.execute("SELECT actor_name FROM staff_audit WHERE action = 'solveit-admin import-users'"
                             " ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert actor.startswith("solveit-admin (unix user ")


@pytest.mark.parametrize("content,message", [
    (b"", "is empty (0 bytes)"),
    (b"username,display_name,password\n", "holds no accounts"),
    (b"ann,\xff\xfe,password-1\n", "is not UTF-8 text"),
    (b'ann,"open,password-1\n', "1 of 1 rows cannot be imported"),
])
def test_import_users_file_errors(fresh, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = fresh.users()
    r = fresh.run("import-users", path)
    assert r.returncode == 1 and message in r.stderr, r.stdout + r.stderr
    assert fresh.users() == before


def test_import_users_missing_file(fresh, tmp_path):
    r = fresh.run("import-users", tmp_path / "nope.csv")
    assert r.returncode == 2 and "nope.csv: No such file or directory" in r.stderr, r.stderr


# ---- usage ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sub,text", [
    ("create-user", "create-user NAME [--staff]"), ("set-password", "set-password NAME"),
    ("import-users", "import-users FILE.csv|-"), ("rejudge", "rejudge (--task SLUG|ID | SUBMISSION_ID...)"),
    ("export-grades", "export-grades [-o FILE]"), ("import", "import PACKAGE.zip|DIR"),
])
def test_each_subcommand_has_help(fresh, sub, text):
    r = fresh.run(sub, "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: solveit-admin " + text), r.stdout
    assert "Exit status:" in r.stdout


def test_usage_errors(fresh):
    r = fresh.run("create-user")
    assert r.returncode == 2 and "create-user: the subcommand needs its argument" in r.stderr, r.stderr
    r = fresh.run("export-grades", "extra")
    assert r.returncode == 2 and "export-grades: extra arguments" in r.stderr, r.stderr
    r = fresh.run("rejudge")
    assert r.returncode == 1 and "give --task TASK or submission ids, one of the two" in r.stderr
    r = fresh.run("rejudge", "12x")
    assert r.returncode == 1 and 'not a submission id: "12x"' in r.stderr
    r = fresh.run("rejudge", "999999", "999998")
    assert r.returncode == 1 and "no such submissions: 999999, 999998; nothing was queued" in r.stderr, r.stderr
    r = fresh.run("rejudge", "--task", "no-such-task")
    assert r.returncode == 1 and "no task has the id or slug no-such-task" in r.stderr
    r = admin("host=127.0.0.1 port=1 connect_timeout=2", "export-grades")
    assert r.returncode == 2 and "database:" in r.stderr


# ---- rejudge and grades through the pipeline -------------------------------------------------------

def test_rejudge_wait_shows_before_and_after_and_grades_hold_the_score(services, db, pipeline, tmp_path):
    server = pipeline.httpd
    staff = staff_client(server, db)
    task = new_task(staff, time_limit_ms=4000)
    tid = task["id"]
    for a, b in ((1, 2), (5, 7)):
        r = staff.post("/api/admin/tasks/%d/tests" % tid, json={"input": "%d %d\n" % (a, b), "answer": "%d\n" % (a + b)})
        assert r.status_code == 201, r.text
    assert staff.put("/api/admin/tasks/%d" % tid, json={"is_open": True}).status_code == 200
    student = pipeline.client(db, "cli")
    r = student.submit(task_id=tid, language_id=71, code=PY["AC"])
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    wait_for(lambda: db.execute("SELECT status FROM submissions WHERE id = %s", (sid,)).fetchone()[0]
             in ("completed", "failed"), "the first judgement", 300)
    assert db.execute("SELECT verdict, score FROM submissions WHERE id = %s", (sid,)).fetchone() == ("AC", 100)

    # A teacher breaks one of the two tests, then rejudges the task from the shell.
    second = staff.get("/api/admin/tasks/%d/tests" % tid).json()["tests"][1]["id"]
    assert staff.put("/api/admin/tests/%d" % second, json={"answer": "13\n"}).status_code == 200
    env = {"SOLVEIT_KAFKA_BROKERS": services.kafka.bootstrap, "SOLVEIT_KEY_FILE": str(services.key_file)}
    r = admin(services.pg.dsn, "rejudge", "--task", task["slug"], "--wait", "--timeout", "300", **env)
    assert r.returncode == 0, r.stdout + r.stderr
    row = [x for x in r.stdout.splitlines() if x.startswith(str(sid) + " ")]
    assert row, r.stdout
    cells = [c.strip() for c in row[0].split("|")]
    assert cells == [str(sid), student.me["user"]["username"], "2", "AC 100", "PA 50", "CHANGED"], r.stdout
    assert "1 of 1 submissions changed" in r.stdout
    audit = db.execute("SELECT actor_name, action FROM staff_audit WHERE object_type = 'submissions'"
                       " AND object_id = %s ORDER BY id DESC LIMIT 1", (tid,)).fetchone()
    assert audit[0].startswith("solveit-admin (unix user ") and audit[1] == "solveit-admin rejudge"
    # The message is the module's: the same fields, the next attempt.
    assert db.execute("SELECT attempt, kafka_sent_at IS NOT NULL FROM submissions WHERE id = %s",
                      (sid,)).fetchone() == (2, True)

    # By id, as JSON: nothing changed this time.
    r = admin(services.pg.dsn, "rejudge", str(sid), "--wait", "--json", "--timeout", "300", **env)
    assert r.returncode == 0, r.stdout + r.stderr
    body = json.loads(r.stdout)
    assert body["count"] == 1
    got = body["queued"][0]
    assert (got["submission_id"], got["attempt"], got["previous_verdict"], got["previous_score"], got["verdict"],
            got["score"], got["changed"], got["sent"]) == (sid, 3, "PA", 50, "PA", 50, False, True), got

    # export-grades holds the student's best score in the task's column.
    out = tmp_path / "grades.csv"
    r = admin(services.pg.dsn, "export-grades", "-o", out)
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["username", "display_name", "team"] and header[-1] == "total"
    mine = [x.split(",") for x in lines if x.startswith(student.me["user"]["username"] + ",")]
    assert mine and mine[0][header.index(task["slug"])] == "50", lines
    r = admin(services.pg.dsn, "export-grades")
    assert r.returncode == 0 and r.stdout == out.read_text()
