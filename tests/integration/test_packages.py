"""Problem packages end to end (issue 11): each package of tests/packages/ is imported with
`solveit-admin import` (as a zip or as a directory) into the test database, and `solveit-admin verify`
judges the package's own submissions through the real pipeline (judge-worker on the local sandbox,
result-sink, Kafka, PostgreSQL). Every submission's verdict and score must agree with what the
package says: its folder (accepted/, wrong_answer/, ...), DOMjudge's @EXPECTED_RESULTS@ and
@EXPECTED_SCORE@ annotations. The expectations are read here from the package files, independently of
the importer, and compared with the importer's (verify's "expected", which must allow at least these)
and with the judge's ("got").

The broken packages of tests/packages/broken/ (and a zip with a ".." path made here) must fail with a
clear message and leave no task behind."""

import hashlib
import json
import re
import shutil
import subprocess
import zipfile

import pytest

from harness import REPO

ADMIN = REPO / "admin" / "solveit-admin"
PACKAGES = REPO / "tests" / "packages"
VERIFY_TIMEOUT = 900  # seconds for one package's submissions, on a busy 2-core machine

# Verdicts the package's folders and annotations allow (reference/judging-and-packages.md §3.6).
FOLDER_VERDICTS = {"accepted": ["AC"], "wrong_answer": ["WA"], "time_limit_exceeded": ["TLE"],
                   "run_time_error": ["RE"], "partially_accepted": ["PA"], "compiler_error": ["CE"]}
DOMJUDGE_VERDICTS = {"CORRECT": "AC", "WRONG-ANSWER": "WA", "TIMELIMIT": "TLE", "RUN-ERROR": "RE",
                     "COMPILER-ERROR": "CE", "NO-OUTPUT": "WA", "OUTPUT-LIMIT": "OLE"}
EXPECTED_RESULTS = re.compile(r"@EXPECTED_RESULTS@:\s*([A-Z][A-Z, -]*[A-Z])")
EXPECTED_SCORE = re.compile(r"@EXPECTED_SCORE@:\s*([0-9]+(?:\.[0-9]+)?)")

# Each good package, how it is handed to the importer, and what its task row must say.
GOOD = {
    "dj_sum": {"zip": True, "task": {"type": "pass-fail", "checker": "default", "time_limit_ms": 2000},
               "limit": "fixed"},
    "dj_hello": {"zip": True, "task": {"type": "pass-fail", "checker": "default", "time_limit_ms": 2000}},
    "parity": {"zip": False, "task": {"type": "pass-fail", "checker": "default", "case_sensitive": False,
                                      "space_change_sensitive": False}},
    "greeting": {"zip": False, "task": {"type": "pass-fail", "checker": "default", "case_sensitive": True,
                                        "space_change_sensitive": True},
                 "warning": "solveit_unknown_key", "limit": "computed"},
    "float_tol": {"zip": True, "task": {"type": "pass-fail", "checker": "default", "float_abs_tol": 1e-6, "float_rel_tol": 1e-6}},
    "float_abs": {"zip": False, "task": {"type": "pass-fail", "checker": "default", "float_abs_tol": 0.01}},
    "float_rel": {"zip": False, "task": {"type": "pass-fail", "checker": "default", "float_rel_tol": 1e-6}},
    "aggregations": {"zip": True, "task": {"type": "scoring", "checker": "default"},
                     "groups": {"secret/g1_sum": ["sum"], "secret/g2_avg": ["avg"], "secret/g3_min": ["min"],
                                "secret/g4_max": ["max"]}},
    # Kattis has no all-or-nothing flag: min over tests that all score the same is that.
    "subtasks": {"zip": False, "task": {"type": "scoring", "checker": "default"},
                 "groups": {"secret/1_small": ["min", "all-or-nothing"], "secret/2_medium": ["min", "all-or-nothing"],
                            "secret/3_large": ["min", "all-or-nothing"]}},
    # 2025-09: test_group.yaml with max_score and a pass-fail aggregation (all or nothing).
    "distinct_2025": {"zip": True, "task": {"type": "scoring", "checker": "default", "time_limit_ms": 2000},
                      "groups": {"secret/1_tiny": ["all-or-nothing"], "secret/2_large": ["all-or-nothing"]}},
    "knapsack": {"zip": True, "task": {"type": "scoring", "checker": "custom"}, "validator_files": ["validate.h"]},
    "divisor": {"zip": False, "task": {"type": "pass-fail", "checker": "custom",
                                       "validator_flags": "allow_leading_plus"}},
    "guess": {"zip": True, "task": {"type": "pass-fail", "checker": "interactive", "time_limit_ms": 2000}},
    "reverse_bytes": {"zip": False, "task": {"type": "pass-fail", "checker": "default", "case_sensitive": True,
                                             "space_change_sensitive": True}},
}


def slug_of(name):
    return "pkg-" + name.replace("_", "-")


def package_expectations(root):
    """{path under submissions/: (allowed verdicts, expected score or None)} read from the files."""
    problem = root / "problem.yaml"
    scoring = problem.exists() and re.search(r"^type:\s*scoring\s*$", problem.read_text(), re.M) is not None
    out = {}
    for f in sorted((root / "submissions").glob("*/*")):
        text = f.read_text(errors="replace")
        verdicts = FOLDER_VERDICTS[f.parent.name]
        m = EXPECTED_RESULTS.search(text)
        if m:
            verdicts = [DOMJUDGE_VERDICTS[v.strip()] for v in m.group(1).split(",")]
        m = EXPECTED_SCORE.search(text)
        score = float(m.group(1)) if m else (100.0 if scoring and verdicts == ["AC"] else None)
        out["%s/%s" % (f.parent.name, f.name)] = (sorted(verdicts), score)
    return out


def zip_package(src, dest, extra=None):
    """src's files at the zip's root (as DOMjudge and Kattis zips have them); extra: {name: bytes}."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(src.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(src).as_posix())
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return dest


def admin(args, timeout=300):
    if not ADMIN.exists():
        pytest.fail("not built (run make): %s" % ADMIN)
    return subprocess.run([str(ADMIN)] + [str(a) for a in args], capture_output=True, text=True, timeout=timeout)


def import_package(services, path, slug):
    return admin(["import", path, "--slug", slug, "--json", "--db", services.pg.dsn])


def task_row(db, slug):
    cur = db.execute("SELECT * FROM tasks WHERE slug = %s", (slug,))
    row = cur.fetchone()
    return None if row is None else dict(zip([c.name for c in cur.description], row))


def verify_rows(r):
    """The rows of `verify --json`: a list of them, or an object holding them as "results"."""
    try:
        out = json.loads(r.stdout)
    except ValueError:
        out = None
    if isinstance(out, dict):
        out = out.get("results")
    assert isinstance(out, list), "verify printed no table (exit %d):\n%s%s" % (r.returncode, r.stdout, r.stderr)
    return out


def row_path(row):
    """verify's path, as a path under submissions/."""
    return row["path"][len("submissions/"):] if row["path"].startswith("submissions/") else row["path"]


@pytest.mark.parametrize("name", sorted(GOOD))
def test_package_imports_and_self_checks(services, db, pipeline, tmp_path, name):
    spec = GOOD[name]
    root = PACKAGES / name
    slug = slug_of(name)
    path = zip_package(root, tmp_path / (name + ".zip")) if spec["zip"] else root

    r = import_package(services, path, slug)
    assert r.returncode == 0, "import of %s failed:\n%s%s" % (name, r.stdout, r.stderr)
    answer = json.loads(r.stdout)
    assert answer["slug"] == slug and answer["created"] is True, answer
    if "warning" in spec:
        assert any(spec["warning"] in w for w in answer["warnings"]), answer["warnings"]

    task = task_row(db, slug)
    assert task is not None and task["id"] == answer["task_id"], (task, answer)
    assert task["revision"] == answer["revision"], (task["revision"], answer)
    for column, want in spec["task"].items():
        if isinstance(want, float):
            assert task[column] == pytest.approx(want), (column, task[column])
        else:
            assert task[column] == want, (column, task[column])
    for f in spec.get("validator_files", []):
        assert db.execute("SELECT 1 FROM task_validator_files WHERE task_id = %s AND name = %s",
                          (task["id"], f)).fetchone(), "validator file %s was not stored" % f
    assert_tests_stored(db, root, task["id"])
    groups = dict(db.execute("SELECT name, aggregation FROM test_groups WHERE task_id = %s", (task["id"],)).fetchall())
    for group, aggregations in spec.get("groups", {}).items():
        assert groups.get(group) in aggregations, (group, groups)

    expected = package_expectations(root)
    stored = {row[0] for row in db.execute("SELECT path FROM task_package_submissions WHERE task_id = %s",
                                           (task["id"],))}
    assert {p[len("submissions/"):] if p.startswith("submissions/") else p for p in stored} == set(expected)

    r = admin(["verify", str(task["id"]), "--json", "--timeout", str(VERIFY_TIMEOUT), "--db", services.pg.dsn,
               "--kafka-brokers", services.kafka.bootstrap,
               "--key-file", services.key_file], timeout=VERIFY_TIMEOUT + 120)
    rows = verify_rows(r)
    got = {row_path(row): row for row in rows}
    assert set(got) == set(expected), (sorted(got), sorted(expected))
    wrong = {}
    for p, (verdicts, score) in expected.items():
        row = got[p]
        problems = []
        # The importer may allow more (PA for a scoring problem's wrong_answer/), never less.
        if not set(verdicts) <= set(row["expected"]):
            problems.append("the importer expects %s, the package says %s" % (row["expected"], verdicts))
        if row["got"] not in verdicts:
            problems.append("judged %s, the package allows %s" % (row["got"], verdicts))
        # Every scoring package here has 100 points in all, so the points are the 0..100 score before
        # its rounding to a whole number.
        points = row.get("points", row["score"])
        if score is not None and (points is None or abs(float(points) - score) > (0.05 if "points" in row else 0.51)):
            problems.append("%s points (score %s), the package expects %s" % (points, row["score"], score))
        if spec["task"].get("type") == "pass-fail" and row["got"] != "CE":
            # All or nothing: 100 (or its 1 point) when accepted, else 0.
            wants = (100, 1) if row["got"] == "AC" else (0,)
            if row["score"] is None or float(row["score"]) not in wants:
                problems.append("a pass-fail score of %s for %s" % (row["score"], row["got"]))
        if not row["ok"] and not problems:
            problems.append("verify says it disagrees: %r" % row)
        if problems:
            wrong[p] = problems
    assert not wrong, "%s: %s\n%s" % (name, json.dumps(wrong, indent=1), r.stderr[-3000:])
    assert r.returncode == 0, "verify exits %d although every row agrees:\n%s" % (r.returncode, r.stderr)
    if "limit" in spec:
        # Legacy packages give no time limit: verify computes it from the accepted submissions.
        task = task_row(db, slug)
        assert task["time_limit_source"] == spec["limit"] and task["time_limit_ms"] >= 1000, task
    if spec["task"].get("checker") == "interactive":
        # The data of an interactive task is the validator's (the number to guess): no result shows it,
        # not even a sample's.
        shown = db.execute("SELECT count(*) FROM submissions s, jsonb_array_elements(s.test_results) r"
                           " WHERE s.task_id = %s AND (r ? 'input' OR r ? 'expected')", (task["id"],)).fetchone()[0]
        assert shown == 0


def assert_tests_stored(db, root, task_id):
    """Every .in/.ans pair of data/ is a test whose blobs hold the files' exact bytes (binary ones too),
    samples flagged; compared as multisets, since two tests may hold the same bytes."""
    def digest(data):
        return hashlib.sha256(bytes(data)).hexdigest()

    want = sorted((digest(f.read_bytes()), digest(f.with_suffix(".ans").read_bytes()), "sample" in f.parts)
                  for f in root.glob("data/**/*.in"))
    rows = db.execute("SELECT i.content, a.content, t.is_sample FROM tests t "
                      "JOIN blobs i ON i.sha256 = t.input_sha256 JOIN blobs a ON a.sha256 = t.answer_sha256 "
                      "WHERE t.task_id = %s", (task_id,)).fetchall()
    got = sorted((digest(i), digest(a), s) for i, a, s in rows)
    assert got == want, "the stored tests differ from the package's data/ (%d stored, %d files)" % (len(got),
                                                                                                    len(want))


def test_reimport_is_a_new_revision(services, db, tmp_path):
    """Importing the same package again updates its task: same id, a higher revision, no new task, and
    the tests are the package's new ones."""
    slug = "pkg-reimport"
    copy = tmp_path / "parity"
    shutil.copytree(PACKAGES / "parity", copy)
    first = import_package(services, zip_package(copy, tmp_path / "a.zip"), slug)
    assert first.returncode == 0, first.stderr
    a = json.loads(first.stdout)
    tasks = db.execute("SELECT count(*) FROM tasks").fetchone()[0]
    for f in ("05.in", "05.ans"):
        (copy / "data" / "secret" / f).unlink()
    (copy / "data" / "secret" / "01.ans").write_text("ODD\n")
    again = import_package(services, copy, slug)
    assert again.returncode == 0, again.stderr
    b = json.loads(again.stdout)
    assert b["task_id"] == a["task_id"] and b["created"] is False and b["revision"] == a["revision"] + 1, (a, b)
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == tasks
    assert_tests_stored(db, copy, a["task_id"])


BROKEN = {
    "missing_data": "data/",
    "bad_yaml": "problem.yaml",
    "in_without_ans": "02-lonely",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_package_is_refused_whole(services, db, tmp_path, name):
    slug = slug_of("broken-" + name)
    tasks = db.execute("SELECT count(*) FROM tasks").fetchone()[0]
    for path in (PACKAGES / "broken" / name, zip_package(PACKAGES / "broken" / name, tmp_path / (name + ".zip"))):
        r = import_package(services, path, slug)
        assert r.returncode != 0, "a broken package (%s) was imported:\n%s" % (path, r.stdout)
        assert BROKEN[name] in r.stderr + r.stdout, "no clear reason for %s:\n%s%s" % (name, r.stdout, r.stderr)
        assert task_row(db, slug) is None
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == tasks


def test_zip_with_a_dot_dot_path_is_refused(services, db, tmp_path):
    """A zip entry that climbs out of the package ('zip slip') fails the import; nothing is written
    anywhere, in the database or next to the zip."""
    inner = tmp_path / "inner"
    inner.mkdir()
    archive = zip_package(PACKAGES / "dj_hello", inner / "slip.zip", extra={"../escaped.txt": b"gotcha\n",
                                                                           "data/../../escaped2.txt": b"x\n"})
    slug = "pkg-zip-slip"
    r = import_package(services, archive, slug)
    assert r.returncode != 0, r.stdout
    assert ".." in r.stderr + r.stdout, r.stderr
    assert task_row(db, slug) is None
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "escaped2.txt").exists()


def test_validator_that_does_not_compile(services, db, pipeline):
    """A custom validator that does not compile: either the import refuses the package (and writes
    nothing), or verify reports the compile failure and no submission comes out accepted."""
    slug = "pkg-broken-validator"
    r = import_package(services, PACKAGES / "broken" / "validator_no_compile", slug)
    if r.returncode != 0:
        assert "validator" in (r.stderr + r.stdout).lower(), r.stderr
        assert task_row(db, slug) is None
        return
    task = json.loads(r.stdout)["task_id"]
    v = admin(["verify", str(task), "--json", "--timeout", "300", "--db", services.pg.dsn,
               "--kafka-brokers", services.kafka.bootstrap,
               "--key-file", services.key_file], timeout=420)
    errors = [e for (e,) in db.execute("SELECT error_message FROM submissions WHERE task_id = %s", (task,))]
    assert v.returncode != 0, v.stdout + v.stderr
    text = (v.stdout + v.stderr).lower()
    assert "compil" in text and "validator" in text, "verify does not say the validator does not compile:\n%s%s" \
        "\nthe submissions' error messages: %r" % (v.stdout, v.stderr, errors)
    # verify may stop at the first failure (its answer then has no rows): none may be accepted.
    answer = json.loads(v.stdout) if v.stdout.strip() else {}
    rows = answer if isinstance(answer, list) else answer.get("results", [])
    assert not any(row["ok"] for row in rows), v.stdout
