"""Run on the samples (doc/courses-and-contests.md, issue 13), end to end: POST /api/tasks/{id}/runs
through httpd, the runs topic, judge-worker (local sandbox, one thread) and result-sink into
sample_runs, read back with GET /api/runs/{id}. A run is no submission: no submissions row, no
score, no leaderboard; only the sample tests run; a waiting submission is judged first; a result
the stored run does not wait for changes nothing."""

import json
import re
import uuid

import pytest

from pipeline_stack import Pipeline
from polling import wait_final, wait_for, wait_log
from test_judge_worker import C, PY
from test_module_helpers import Client, new_user, task_by_slug

pytestmark = pytest.mark.usefixtures("built_programs")

WAIT = 300  # a run or a few submissions on a busy 2-core machine
RATE_SENTENCE = re.compile(r"^You can run on the samples 10 times a minute\. Try again in (\d+) seconds?\.$")


@pytest.fixture(scope="module")
def stack(services):
    """httpd, result-sink and a judge-worker with one thread, so that the order in which it judges
    is the order in which it finishes."""
    p = Pipeline(services, worker_env={"SOLVEIT_CONCURRENCY": "1"})
    yield p
    p.stop()


def student(stack, db):
    name, uid = new_user(db, prefix="run")
    client = Client(stack.httpd.base, name)
    client.user_id = uid
    return client


def start_run(client, task_id, code, language_id=71):
    return client.post("/api/tasks/%d/runs" % task_id, json={"language_id": language_id, "code": code})


def finished_run(client, task_id, code, language_id=71):
    r = start_run(client, task_id, code, language_id)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "pending" and body["id"] > 0, body
    assert r.headers["Location"].endswith("/api/runs/%d" % body["id"])

    def get():
        got = client.get("/api/runs/%d" % body["id"])
        assert got.status_code == 200, got.text
        return got.json()

    return wait_for(get, "run %d finished" % body["id"], WAIT, until=lambda b: b["status"] != "pending", interval=0.2)


def copy_task(db, slug, samples=True, hidden=True, **columns):
    """A new task with aplusb's limits and the chosen ones of its tests."""
    source = task_by_slug(db, slug)
    names = ["slug", "title", "time_limit_ms", "memory_limit_kb"] + list(columns)
    new_slug = "run-%s" % uuid.uuid4().hex[:10]
    task_id = db.execute("INSERT INTO tasks (%s) SELECT %%s, title, time_limit_ms, memory_limit_kb%s FROM tasks"
                         " WHERE id = %%s RETURNING id"
                         % (", ".join(names), "".join(", %s" for _ in columns)),
                         [new_slug] + list(columns.values()) + [source]).fetchone()[0]
    kinds = [k for k, keep in ((True, samples), (False, hidden)) if keep]
    db.execute("INSERT INTO tests (task_id, \"order\", name, input_sha256, answer_sha256, weight, is_sample)"
               " SELECT %s, \"order\", name, input_sha256, answer_sha256, weight, is_sample FROM tests"
               " WHERE task_id = %s AND is_sample = ANY(%s)", (task_id, source, kinds))
    return task_id


def samples_of(db, task_id):
    return db.execute("SELECT t.\"order\", convert_from(bi.content, 'UTF8'), convert_from(ba.content, 'UTF8')"
                      " FROM tests t JOIN blobs bi ON bi.sha256 = t.input_sha256"
                      " JOIN blobs ba ON ba.sha256 = t.answer_sha256"
                      " WHERE t.task_id = %s AND t.is_sample ORDER BY t.\"order\"", (task_id,)).fetchall()


def test_a_run_shows_its_results_and_is_no_submission(stack, db):
    client = student(stack, db)
    task_id = task_by_slug(db, "aplusb")
    run = finished_run(client, task_id, PY["AC"])
    assert (run["status"], run["verdict"], run["task_id"], run["language_id"]) == ("completed", "AC", task_id, 71), run
    samples = samples_of(db, task_id)
    total = db.execute("SELECT count(*) FROM tests WHERE task_id = %s", (task_id,)).fetchone()[0]
    assert 0 < len(samples) < total  # aplusb has hidden tests: they must not run
    # Only the samples ran, every one, with the data a student may see.
    assert [(t["order"], t["input"], t["expected"]) for t in run["tests"]] == samples
    for t in run["tests"]:
        assert t["verdict"] == "AC" and t["output"] == t["expected"] and t["exit_code"] == 0, t
        assert t["time"] >= 0 and t["memory"] >= 0 and t["stderr"] == "", t
    # No submission, so no score and no leaderboard row.
    assert db.execute("SELECT count(*) FROM submissions WHERE user_id = %s", (client.user_id,)).fetchone()[0] == 0
    assert client.get("/api/tasks/%d" % task_id).json().get("best_score") is None
    board = client.get("/api/leaderboard").json()
    assert client.user_id not in [r["user_id"] for r in board["users"]], board["users"]
    stored = db.execute("SELECT r.task_revision = t.revision, r.finished_at IS NOT NULL FROM sample_runs r"
                        " JOIN tasks t ON t.id = r.task_id WHERE r.id = %s", (run["id"],)).fetchone()
    assert stored == (True, True)


def test_wrong_output_a_traceback_empty_output_and_a_compile_error_are_shown(stack, db):
    client = student(stack, db)
    task_id = task_by_slug(db, "aplusb")
    expected = samples_of(db, task_id)[0][2]

    wrong = finished_run(client, task_id, PY["WA"])
    assert wrong["verdict"] == "WA" and wrong["tests"][0]["verdict"] == "WA", wrong
    assert wrong["tests"][0]["output"] != expected and wrong["tests"][0]["expected"] == expected

    crash = finished_run(client, task_id, "a, b = map(int, input().split())\nprint(a + b)\nprint(1 / 0)\n")
    test = crash["tests"][0]
    assert crash["verdict"] == "RE" and test["verdict"] == "RE", crash
    assert test["output"] == expected  # what it printed before the crash
    assert test["stderr"].startswith("Traceback (most recent call last):"), test["stderr"]
    assert "ZeroDivisionError: division by zero" in test["stderr"] and test["exit_code"] == 1, test

    silent = finished_run(client, task_id, "pass\n")
    assert silent["verdict"] == "WA" and silent["tests"][0]["output"] == "", silent

    broken = finished_run(client, task_id, C["CE"], language_id=50)
    assert broken["status"] == "completed" and broken["verdict"] == "CE" and broken["tests"] == [], broken
    assert "error" in broken["compiler_output"], broken


def test_the_rate_limit_answers_429_with_its_sentence_and_retry_after(stack, db):
    client = student(stack, db)
    task_id = task_by_slug(db, "aplusb")
    # Ten runs in the last minute, the oldest 15 s ago (the database's clock).
    for age in range(15, 5, -1):
        db.execute("INSERT INTO sample_runs (user_id, task_id, code, language_id, task_revision, created_at)"
                   " VALUES (%s, %s, 'print(1)', 71, 1, now() - make_interval(secs => %s))",
                   (client.user_id, task_id, age))
    r = start_run(client, task_id, PY["AC"])
    assert r.status_code == 429, r.text
    body = r.json()
    match = RATE_SENTENCE.match(body["error"])
    assert match, body
    assert int(match.group(1)) == body["retry_after"] == int(r.headers["Retry-After"])
    assert 1 <= body["retry_after"] <= 45, body  # the oldest run's slot frees 60 s after it
    assert db.execute("SELECT count(*) FROM sample_runs WHERE user_id = %s", (client.user_id,)).fetchone()[0] == 10
    # Another user is not limited by it.
    assert start_run(student(stack, db), task_id, PY["AC"]).status_code == 202


def test_tasks_a_student_may_not_see_are_404_and_one_without_samples_is_400(stack, db):
    client = student(stack, db)
    closed = copy_task(db, "aplusb", is_open=False)
    upcoming = copy_task(db, "aplusb")
    assignment = db.execute("INSERT INTO assignments (title, opens_at, due_at) VALUES ('Later', now() + interval '1 hour',"
                            " now() + interval '2 hours') RETURNING id").fetchone()[0]
    db.execute("INSERT INTO assignment_tasks (assignment_id, task_id, position) VALUES (%s, %s, 1)",
               (assignment, upcoming))
    for task_id in (closed, upcoming, 10 ** 12):
        r = start_run(client, task_id, PY["AC"])
        assert r.status_code == 404, r.text
        assert r.json()["error"] == "task %d does not exist" % task_id
    no_samples = copy_task(db, "aplusb", samples=False)
    r = start_run(client, no_samples, PY["AC"])
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "This task has no sample tests to run on."
    # The source checks are the submissions' own.
    r = start_run(client, task_by_slug(db, "aplusb"), "  \n")
    assert (r.status_code, r.json()["error"]) == (400, "code is empty")
    r = start_run(client, task_by_slug(db, "aplusb"), PY["AC"], language_id=9999)
    assert (r.status_code, r.json()["error"]) == (400, "language 9999 is not enabled on this server")
    r = client.post("/api/tasks/%d/runs" % task_by_slug(db, "aplusb"), csrf=False,
                    json={"language_id": 71, "code": PY["AC"]})
    assert r.status_code == 403, r.text
    assert db.execute("SELECT count(*) FROM sample_runs WHERE user_id = %s", (client.user_id,)).fetchone()[0] == 0


def test_another_users_run_is_404(stack, db):
    owner, other = student(stack, db), student(stack, db)
    run = finished_run(owner, task_by_slug(db, "hello"), "print('Hello, World!')\n")
    assert run["verdict"] == "AC", run
    r = other.get("/api/runs/%d" % run["id"])
    assert r.status_code == 404 and r.json()["error"] == "run %d does not exist" % run["id"], r.text
    assert other.get("/api/runs/%d" % (10 ** 12)).status_code == 404


def test_waiting_submissions_are_judged_before_a_run(stack, db):
    client = student(stack, db)
    task_id = task_by_slug(db, "aplusb")
    # The first one keeps the worker's only thread busy (until its time limit) while the others
    # and the run arrive.
    ids = []
    for code in (PY["TLE"], PY["AC"], PY["WA"]):
        r = client.submit(task_id=task_id, language_id=71, code=code)
        assert r.status_code == 202, r.text
        ids.append(r.json()["submission_id"])

    # The run goes once the broker has all three (no judge can see a submission before that) and
    # the first is being judged.
    def waiting():
        return db.execute("SELECT bool_and(kafka_sent_at IS NOT NULL) AND bool_or(status = 'processing')"
                          " FROM submissions WHERE id = ANY(%s)", (ids,)).fetchone()[0]

    wait_for(waiting, "the submissions in Kafka and the first judged", WAIT, until=bool)
    run = finished_run(client, task_id, PY["AC"])
    assert run["verdict"] == "AC", run
    wait_final(db, ids, WAIT, what="the three submissions final")
    done = dict(db.execute("SELECT id, processing_completed_at FROM submissions WHERE id = ANY(%s)", (ids,)).fetchall())
    run_done = db.execute("SELECT finished_at FROM sample_runs WHERE id = %s", (run["id"],)).fetchone()[0]
    assert all(done[i] < run_done for i in ids), (done, run_done)


def produce(services, key, value):
    producer = services.producer()
    producer.produce("code-results", key=key, value=json.dumps(value).encode())
    assert producer.flush(30) == 0


def forged(run_id, user_id, task_id, token, verdict="WA"):
    return {"kind": "sample_run", "run_id": run_id, "task_id": task_id, "user_id": user_id, "token": token,
            "status": "completed", "verdict": verdict, "compiler_output": "", "error_message": "",
            "processed_at": "2026-01-01T00:00:00Z", "v": 1,
            "tests": [{"order": 1, "name": "", "verdict": verdict, "time": 0, "memory": 0, "exit_code": 0,
                       "input": "", "expected": "", "output": "forged", "stderr": ""}]}


def test_a_result_the_stored_run_does_not_wait_for_changes_nothing(stack, services, db):
    client = student(stack, db)
    task_id = task_by_slug(db, "aplusb")
    run = finished_run(client, task_id, PY["AC"])
    token = db.execute("SELECT token::text FROM sample_runs WHERE id = %s", (run["id"],)).fetchone()[0]
    # A pending run that no judge will answer: only its own token finishes it.
    waiting, waiting_token = db.execute(
        "INSERT INTO sample_runs (user_id, task_id, code, language_id, task_revision) VALUES (%s, %s, 'x', 71, 1)"
        " RETURNING id, token::text", (client.user_id, task_id)).fetchone()
    log = stack.sink.log
    since = len(log.read_text())
    produce(services, "run-%d" % run["id"], forged(run["id"], client.user_id, task_id, token))  # finished already
    produce(services, "run-%d" % waiting, forged(waiting, client.user_id, task_id, str(uuid.uuid4())))  # not its token
    produce(services, "run-%d" % waiting, forged(waiting, client.user_id + 1, task_id, waiting_token))  # not its user
    wait_log(log.read_text, r"sample run (%d|%d) completed: ignored" % (run["id"], waiting), count=3, since=since,
             alive=stack.sink.alive, name="result-sink's log")
    assert client.get("/api/runs/%d" % run["id"]).json() == run
    assert client.get("/api/runs/%d" % waiting).json()["status"] == "pending"
    # Its own result applies, once; no submission is touched by any of it.
    produce(services, "run-%d" % waiting, forged(waiting, client.user_id, task_id, waiting_token))
    wait_log(log.read_text, r"sample run %d completed: applied" % waiting, since=since, alive=stack.sink.alive,
             name="result-sink's log")
    body = client.get("/api/runs/%d" % waiting).json()
    assert (body["status"], body["verdict"], body["tests"][0]["output"]) == ("completed", "WA", "forged")
    assert db.execute("SELECT count(*) FROM submissions WHERE user_id = %s", (client.user_id,)).fetchone()[0] == 0
