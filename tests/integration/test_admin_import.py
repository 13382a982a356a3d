"""solveit-admin import and verify against the real PostgreSQL: the rows a package becomes, binary
test bytes, re-imports as new revisions of the same task, malformed packages refused with nothing
written, warnings listed; and verify of a small package end to end through the pipeline (Kafka,
judge-worker on the local sandbox, result-sink)."""

import io
import json
import os
import subprocess
import zipfile

import pytest

from harness import REPO

ADMIN = REPO / "admin" / "solveit-admin"

BIN_IN = bytes(range(256))
BIN_ANS = b"\x00\xff\xfe answer \x80\n"

SCORING = {
    "problem.yaml": "name: Binary Groups\ntype: scoring\nvalidator_flags: float_absolute_tolerance 0.5 "
                    "space_change_sensitive\nlimits:\n  time_limit: 2\n  memory: 128\n",
    "problem_statement/problem.md": "Sum the **numbers**.\n",
    "problem_statement/pic.png": b"\x89PNG fake",
    "data/sample/01.in": "1 2\n",
    "data/sample/01.ans": "3\n",
    "data/secret/testdata.yaml": "on_reject: continue\naccept_score: 5\n",
    "data/secret/g1/testdata.yaml": "grader_flags: min\naccept_score: 10\n",
    "data/secret/g1/01.in": BIN_IN,
    "data/secret/g1/01.ans": BIN_ANS,
    "data/secret/g1/02.in": "3 4\n",
    "data/secret/g1/02.ans": "7\n",
    "data/secret/g2/01.in": "5 6\n",
    "data/secret/g2/01.ans": "11\n",
    "submissions/accepted/sum.c": "int main(void) { return 0; }\n",
    "submissions/wrong_answer/wrong.py": "print(0)\n",
    "submissions/accepted/Other.java": "// @EXPECTED_RESULTS@: CORRECT, TIMELIMIT\nclass Other {}\n",
    "include/c/helper.h": "// included into submissions\n",
}


def write_package(root, files):
    for path, content in files.items():
        p = root / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def zip_bytes(files, top=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for path, content in files.items():
            z.writestr((top + "/" if top else "") + path, content)
    return out.getvalue()


def admin(services, *args, **env):
    return subprocess.run([str(ADMIN)] + [str(a) for a in args], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, SOLVEIT_DB=services.pg.dsn, SOLVEIT_KEY_FILE=str(services.key_file),
                                   **env))


def import_json(services, path, *extra):
    r = admin(services, "import", path, "--json", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def built():
    if not ADMIN.exists():
        pytest.fail("not built (run make): %s" % ADMIN)


def test_import_writes_the_task(built, services, db, tmp_path):
    out = import_json(services, write_package(tmp_path / "Binary_Groups", SCORING))
    assert out["slug"] == "binary-groups" and out["created"] is True and out["tests"] == 4
    assert any("include/ is not supported" in w for w in out["warnings"]), out["warnings"]
    task = db.execute("SELECT id, title, type, checker, case_sensitive, space_change_sensitive, float_abs_tol,"
                      " float_rel_tol, time_limit_ms, time_limit_source, memory_limit_kb, statement_md, revision,"
                      " package_format FROM tasks WHERE slug = 'binary-groups'").fetchone()
    assert task[0] == out["task_id"] and task[12] == out["revision"]
    # The audit trail has the import, made from the shell.
    audit = db.execute("SELECT actor_id, actor_name, action, before FROM staff_audit WHERE object_type = 'task'"
                       " AND object_id = %s", (out["task_id"],)).fetchall()
    assert len(audit) == 1 and audit[0][0] is None and audit[0][2:] == ("import", None), audit
    assert audit[0][1].startswith("solveit-admin (unix user "), audit
    assert task[1:12] == ("Binary Groups", "scoring", "default", False, True, 0.5, None, 2000, "fixed", 131072,
                          "Sum the **numbers**.\n")
    assert task[13] == "legacy"
    groups = {name: (parent, agg, on_reject) for name, parent, agg, on_reject in db.execute(
        "SELECT g.name, p.name, g.aggregation, g.on_reject FROM test_groups g LEFT JOIN test_groups p"
        " ON p.id = g.parent_id WHERE g.task_id = %s", (task[0],))}
    assert groups == {"sample": (None, "sum", "break"), "secret": (None, "sum", "continue"),
                      "secret/g1": ("secret", "min", "break"), "secret/g2": ("secret", "sum", "continue")}
    tests = db.execute("SELECT t.name, t.\"order\", t.weight, t.is_sample, g.name, i.content, a.content"
                       " FROM tests t JOIN test_groups g ON g.id = t.group_id JOIN blobs i ON i.sha256 = t.input_sha256"
                       " JOIN blobs a ON a.sha256 = t.answer_sha256 WHERE t.task_id = %s ORDER BY t.\"order\"",
                       (task[0],)).fetchall()
    assert [(n, o, w, s, g) for n, o, w, s, g, _, _ in tests] == [
        ("sample/01", 1, 1.0, True, "sample"), ("secret/g1/01", 2, 10.0, False, "secret/g1"),
        ("secret/g1/02", 3, 10.0, False, "secret/g1"), ("secret/g2/01", 4, 5.0, False, "secret/g2")]
    assert bytes(tests[1][5]) == BIN_IN and bytes(tests[1][6]) == BIN_ANS
    subs = dict(db.execute("SELECT path, expected FROM task_package_submissions WHERE task_id = %s",
                           (task[0],)).fetchall())
    assert subs == {"submissions/accepted/sum.c": ["AC"], "submissions/wrong_answer/wrong.py": ["WA", "PA"],
                    "submissions/accepted/Other.java": ["AC", "TLE"]}
    assets = db.execute("SELECT a.name, a.kind, a.content_type, b.content FROM task_assets a JOIN blobs b"
                        " ON b.sha256 = a.sha256 WHERE a.task_id = %s", (task[0],)).fetchall()
    assert [(n, k, c, bytes(b)) for n, k, c, b in assets] == [("pic.png", "statement", "image/png", b"\x89PNG fake")]


def test_reimport_is_a_new_revision(built, services, db, tmp_path):
    files = dict(SCORING, **{"problem.yaml": SCORING["problem.yaml"] + "uuid: 0c1d-reimport\n",
                             "data/secret/g2/01.ans": "11 (only this package)\n"})
    first = import_json(services, write_package(tmp_path / "reimport", files), "--slug", "reimport")
    old = db.execute("SELECT answer_sha256 FROM tests WHERE task_id = %s AND name = 'secret/g2/01'",
                     (first["task_id"],)).fetchone()[0]
    files["data/secret/g2/01.ans"] = "eleven\n"
    # the same uuid under another directory name and slug: the same task, renamed
    second = import_json(services, write_package(tmp_path / "renamed", files), "--slug", "reimport-renamed")
    assert second["task_id"] == first["task_id"] and second["created"] is False
    assert second["slug"] == "reimport-renamed"
    assert second["revision"] == first["revision"] + 1  # one transaction: one revision
    rows = db.execute("SELECT name, answer_sha256 FROM tests WHERE task_id = %s", (first["task_id"],)).fetchall()
    assert len(rows) == 4
    new = dict(rows)["secret/g2/01"]
    assert new != old
    assert db.execute("SELECT content FROM blobs WHERE sha256 = %s", (new,)).fetchone()[0] == b"eleven\n"
    assert db.execute("SELECT count(*) FROM blobs WHERE sha256 = %s", (old,)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM test_groups WHERE task_id = %s", (first["task_id"],)).fetchone()[0] == 4
    # one test fewer: the surplus row and the bytes only it used are gone
    del files["data/secret/g2/01.in"], files["data/secret/g2/01.ans"]
    third = import_json(services, write_package(tmp_path / "smaller", files), "--slug", "reimport-renamed")
    assert third["task_id"] == first["task_id"] and third["revision"] == second["revision"] + 1
    assert [n for n, in db.execute("SELECT name FROM tests WHERE task_id = %s ORDER BY \"order\"",
                                   (first["task_id"],))] == ["sample/01", "secret/g1/01", "secret/g1/02"]
    assert db.execute("SELECT count(*) FROM blobs WHERE sha256 = %s", (new,)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM test_groups WHERE task_id = %s", (first["task_id"],)).fetchone()[0] == 3


def test_text_output_lists_every_warning(built, services, tmp_path):
    r = admin(services, "import", write_package(tmp_path / "warned", SCORING))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("task ") and "(warned): created, revision" in lines[0]
    warnings = [line for line in lines[1:] if line.startswith("warning: ")]
    assert warnings and len(warnings) == len(lines) - 1
    assert any("include/ is not supported" in w for w in warnings)


@pytest.mark.parametrize("name,files,message", [
    ("badyaml", {"problem.yaml": "name: x\nlimits: [1\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"},
     "problem.yaml line 3"),
    ("nodata", {"problem.yaml": "name: x\n"}, "data/ is missing"),
    ("noans", {"data/secret/1.in": "1"}, "has no answer file"),
    ("novalidator", {"problem.yaml": "validation: custom\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"},
     "no output_validator/"),
])
def test_malformed_package_writes_nothing(built, services, db, tmp_path, name, files, message):
    before = db.execute("SELECT count(*) FROM tasks").fetchone()[0]
    r = admin(services, "import", write_package(tmp_path / name, files))
    assert r.returncode == 1
    assert message in r.stderr, r.stderr
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == before


def test_unsafe_zip_is_refused(built, services, db, tmp_path):
    path = tmp_path / "evil.zip"
    path.write_bytes(zip_bytes({"data/secret/1.in": "1", "data/secret/1.ans": "1", "../escape": "x"}))
    r = admin(services, "import", path, "--json")
    assert r.returncode == 1
    assert "unsafe path: ../escape" in json.loads(r.stdout)["error"]
    assert db.execute("SELECT count(*) FROM tasks WHERE slug = 'evil'").fetchone()[0] == 0


def test_zip_with_top_directory(built, services, db, tmp_path):
    path = tmp_path / "Zipped.zip"
    path.write_bytes(zip_bytes({"data/secret/1.in": BIN_IN, "data/secret/1.ans": BIN_ANS,
                                "domjudge-problem.ini": "name='Zipped task'\ntimelimit='1.5'\n"}, top="zipped"))
    out = import_json(services, path)
    assert out["slug"] == "zipped"
    row = db.execute("SELECT title, time_limit_ms, package_format FROM tasks WHERE id = %s",
                     (out["task_id"],)).fetchone()
    assert row == ("Zipped task", 1500, "domjudge")


def test_failed_store_rolls_back(built, services, db, tmp_path):
    """A package whose uuid differs from the one of the task that already has its slug is refused in
    the store's transaction: the task keeps its tests."""
    import_json(services, write_package(tmp_path / "owned", dict(SCORING, **{
        "problem.yaml": SCORING["problem.yaml"] + "uuid: first-owner\n"})))
    task = db.execute("SELECT id, revision FROM tasks WHERE slug = 'owned'").fetchone()
    r = admin(services, "import", write_package(tmp_path / "other" / "owned", {
        "problem.yaml": "uuid: second-owner\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"}))
    assert r.returncode == 2
    assert "belongs to another package" in r.stderr, r.stderr
    assert db.execute("SELECT id, revision FROM tasks WHERE slug = 'owned'").fetchone() == task
    assert db.execute("SELECT count(*) FROM tests WHERE task_id = %s", (task[0],)).fetchone()[0] == 4


def test_database_errors_are_clear(built, services, tmp_path):
    r = subprocess.run([str(ADMIN), "import", str(write_package(tmp_path / "nodb", SCORING)), "--db",
                        "host=127.0.0.1 port=1 connect_timeout=2"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "database:" in r.stderr


def test_usage_errors(built, services):
    r = admin(services)
    assert r.returncode == 2 and "a subcommand is needed" in r.stderr
    r = admin(services, "frobnicate", "x")
    assert r.returncode == 2 and "unknown subcommand" in r.stderr
    r = admin(services, "verify", "no-such-task", "--kafka-brokers", services.kafka.bootstrap)
    assert r.returncode == 2 and "no task has the id or slug no-such-task" in r.stderr
    r = admin(services, "--help")
    assert r.returncode == 0 and "import PACKAGE.zip|DIR" in r.stdout and "--kafka-brokers" in r.stdout


# ---- verify, end to end ------------------------------------------------------------------------------

HELLO = {
    "problem.yaml": "name: Verify Hello\n",
    "data/sample/1.in": "",
    "data/sample/1.ans": "Hello, World!\n",
    "data/secret/1.in": "",
    "data/secret/1.ans": "hello,   world!\n",
    "submissions/accepted/hello.c": '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }\n',
    "submissions/accepted/hello.py": 'print("Hello, World!")\n',
    "submissions/wrong_answer/bye.py": 'print("Goodbye")\n',
    "submissions/run_time_error/crash.py": "raise SystemExit(3)\n",
}


def test_verify_end_to_end(built, services, db, pipeline, tmp_path):
    out = import_json(services, write_package(tmp_path / "verifyhello", HELLO))
    assert db.execute("SELECT time_limit_source FROM tasks WHERE id = %s", (out["task_id"],)).fetchone()[0] == \
        "pending"
    r = admin(services, "verify", "verifyhello", "--json", "--timeout", "240",
              SOLVEIT_KAFKA_BROKERS=services.kafka.bootstrap)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["ok"] is True and result["time_limit_source"] == "computed"
    assert result["time_limit_ms"] >= 1000 and result["time_limit_ms"] % 100 == 0
    got = {x["path"]: x["got"] for x in result["results"]}
    assert got == {"submissions/accepted/hello.c": "AC", "submissions/accepted/hello.py": "AC",
                   "submissions/wrong_answer/bye.py": "WA", "submissions/run_time_error/crash.py": "RE"}
    # The rules are the tests page's self-check's: the limit from the slowest accepted run, and the
    # same "ok" as the page shows for the same runs.
    assert result["time_limit_ms"] == db.execute(
        "SELECT solveit_selfcheck_time_limit(max(r.execution_time), t.time_multiplier)"
        " FROM solveit_selfcheck_runs(%s) r, tasks t WHERE t.id = %s AND r.accepted_only AND r.verdict = 'AC'"
        " GROUP BY t.time_multiplier", (out["task_id"], out["task_id"])).fetchone()[0]
    page = dict(db.execute("SELECT path, agrees FROM solveit_selfcheck_runs(%s)", (out["task_id"],)).fetchall())
    assert page == {x["path"]: x["ok"] for x in result["results"]}
    rows = db.execute("SELECT u.username, u.is_staff, u.is_active, s.package_submission_id IS NOT NULL"
                      " FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.task_id = %s",
                      (out["task_id"],)).fetchall()
    assert len(rows) == 4 and set(rows) == {("solveit-verify", True, False, True)}
    # A package whose expectation is wrong: the table says MISMATCH and the exit status is 1.
    files = dict(HELLO, **{"problem.yaml": "name: Verify Wrong\nlimits:\n  time_limit: 2\n",
                           "submissions/accepted/bye.py": 'print("Goodbye")\n'})
    import_json(services, write_package(tmp_path / "verifywrong", files))
    r = admin(services, "verify", "verifywrong", "--timeout", "240", SOLVEIT_KAFKA_BROKERS=services.kafka.bootstrap)
    assert r.returncode == 1, r.stdout + r.stderr
    line = [x for x in r.stdout.splitlines() if x.startswith("submissions/accepted/bye.py")]
    assert line and "| WA " in line[0] and line[0].endswith("MISMATCH"), r.stdout
    assert "time limit 2000 ms (fixed)" in r.stdout and "4 of 5 submissions agree with the package" in r.stdout


def test_verify_refuses_an_account_that_is_not_its_own(built, services, db, tmp_path):
    import_json(services, write_package(tmp_path / "verifytaken", HELLO))
    db.execute("INSERT INTO users (username, password_hash, is_staff, is_active, display_name)"
               " VALUES ('solveit-verify', NULL, true, false, 'solveit-admin verify') ON CONFLICT (username) DO NOTHING")
    db.execute("UPDATE users SET is_active = true WHERE username = 'solveit-verify'")
    try:
        r = admin(services, "verify", "verifytaken", "--kafka-brokers", services.kafka.bootstrap)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "an account named solveit-verify exists that is not verify's (staff, inactive, without a password):" \
            " rename it" in r.stderr
        assert db.execute("SELECT count(*) FROM submissions s JOIN tasks t ON t.id = s.task_id"
                          " WHERE t.slug = 'verifytaken'").fetchone()[0] == 0
    finally:
        db.execute("UPDATE users SET is_active = false WHERE username = 'solveit-verify'")
