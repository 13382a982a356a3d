"""What the staff submissions pages (admin/submissions.html, admin/submission.html) need of the API,
against the real httpd, PostgreSQL and (for the judging) the whole pipeline: the time and ids
filters with good and bad values, every test's staff-only details as the worker stores them
(present for staff, absent from the student API), and the before/after data of a rejudged
selection."""

import pytest

from polling import wait_for
from test_admin_api import error_of, new_task, staff_client
from test_module_helpers import login

pytestmark = pytest.mark.usefixtures("built_programs")


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


def listed(staff, query):
    r = staff.get("/api/admin/submissions?" + query)
    assert r.status_code == 200, (query, r.text)
    return [s["id"] for s in r.json()["submissions"]]


# ---- The time filter -------------------------------------------------------------------------------

@pytest.fixture
def timed(staff, httpd, db):
    """Three submissions of a new task, at 10:00, 11:00 and 12:00 UTC on 2030-01-01."""
    tid = new_task(staff)["id"]
    student = login(httpd, db)
    ids = []
    for hour in (10, 11, 12):
        ids.append(db.execute(
            "INSERT INTO submissions (user_id, task_id, code, language_id, status, verdict, score, submitted_at)"
            " VALUES (%s, %s, 'x', 71, 'completed', 'AC', 100, %s) RETURNING id",
            (student.user_id, tid, "2030-01-01T%02d:00:00Z" % hour)).fetchone()[0])
    return tid, ids


@pytest.mark.parametrize("query, hours", [
    ("from=2030-01-01T10:30:00Z", [12, 11]),
    ("from=2030-01-01T11:00:00Z", [12, 11]),                   # from is inclusive
    ("to=2030-01-01T11:00:00Z", [10]),                         # to is exclusive
    ("from=2030-01-01T10:00:00Z&to=2030-01-01T12:00:00Z", [11, 10]),
    ("from=2030-01-01T12:30:00%2B01:00", [12]),                # 11:30 UTC
    ("to=2030-01-01T05:30-0600", [11, 10]),                    # 11:30 UTC
    ("from=2030-01-01T10:59:59.5Z", [12, 11]),                 # a fraction of a second
    ("from=2030-01-01T11:00", [12, 11]),                       # no zone: UTC
    ("from=2030-01-01%2011:00:00Z", [12, 11]),                 # a space for the T
    ("from=2030-01-01&to=2030-01-02", [12, 11, 10]),           # dates: their midnights
    ("to=2030-01-01", []),
])
def test_time_filter_takes_iso_8601_times_and_dates(staff, timed, query, hours):
    tid, ids = timed
    by_hour = dict(zip((10, 11, 12), ids))
    assert listed(staff, "task_id=%d&%s" % (tid, query)) == [by_hour[h] for h in hours]


@pytest.mark.parametrize("query, message", [
    ("from=yesterday", "from must be an ISO 8601 time such as 2025-11-28T12:00:00Z or a date such as 2025-11-28"),
    ("to=2030-02-30", "to must be an ISO 8601 time"),          # no such date
    ("from=2030-13-01", "from must be an ISO 8601 time"),
    ("from=2030-01-01T25:00Z", "from must be an ISO 8601 time"),
    ("from=2030-01-01T10:60Z", "from must be an ISO 8601 time"),
    ("from=2030-01-01T10:00:00Zjunk", "from must be an ISO 8601 time"),
    ("from=2030-01-01T10:00%2B2", "from must be an ISO 8601 time"),
    ("from=2030-01-01T10:00%2B", "from must be an ISO 8601 time"),
    ("from=2030-01-01T10", "from must be an ISO 8601 time"),
    ("from=1969-12-31", "from must be an ISO 8601 time"),
    ("from=1700000000", "from must be an ISO 8601 time"),
    ("from=2030-01-02&to=2030-01-01", "from must be earlier than to"),
    ("from=2030-01-01T10:00Z&to=2030-01-01T10:00Z", "from must be earlier than to"),
])
def test_time_filter_refuses_bad_values_clearly(staff, query, message):
    assert message in error_of(staff.get("/api/admin/submissions?" + query), 400)


def test_ids_filter_lists_exactly_those_submissions(staff, timed):
    tid, ids = timed
    assert listed(staff, "ids=%d,%d" % (ids[0], ids[2])) == [ids[2], ids[0]]
    assert listed(staff, "ids=%d&from=2030-01-01T10:30:00Z" % ids[0]) == []
    assert listed(staff, "ids=999999999") == []
    for bad in ("abc", "1,,x", "0", "-3", ",".join(["1"] * 501)):
        message = error_of(staff.get("/api/admin/submissions?ids=" + bad), 400)
        assert message == "ids must be a comma-separated list of at most 500 submission ids", bad


def test_the_listing_has_what_the_page_shows(staff, timed):
    tid, ids = timed
    row = staff.get("/api/admin/submissions?ids=%d" % ids[0]).json()["submissions"][0]
    for key in ("id", "submitted_at", "username", "team", "task_id", "task_slug", "task_title", "language_id",
                "status", "verdict", "score", "attempt", "previous_verdict", "previous_score", "previous_status",
                "tests_done"):
        assert key in row, key
    assert (row["submitted_at"], row["verdict"], row["attempt"]) == ("2030-01-01T10:00:00Z", "AC", 1)


# ---- Through the pipeline: staff details of every test, rejudging a selection -----------------------

# Writes to stderr on every test, answers the sample (1 2) right and the others wrong.
WRONG_ON_HIDDEN = ('import sys\na, b = map(int, input().split())\nprint("trace a=%d b=%d" % (a, b), file=sys.stderr)\n'
                   'print(a + b if a == 1 else a + b + 1)\n')
# Exits with status 3 after a line on stderr, on every test but the sample.
EXITS_ON_HIDDEN = ('import sys\na, b = map(int, input().split())\nif a != 1:\n'
                   '    print("giving up on", a, file=sys.stderr)\n    sys.exit(3)\nprint(a + b)\n')
RIGHT = 'a, b = map(int, input().split())\nprint(a + b)\n'


def judged(staff, sid, attempt=1):
    def final():
        s = staff.get("/api/admin/submissions/%d" % sid).json()
        return s if s["attempt"] == attempt and s["status"] in ("completed", "failed") else None
    return wait_for(final, "submission %d judged (attempt %d)" % (sid, attempt), 300)


@pytest.fixture(scope="module")
def judged_task(services, pipeline):
    """A task with a sample and two hidden tests on the pipeline's httpd, and its staff client."""
    import psycopg
    with psycopg.connect(services.pg.dsn, autocommit=True) as db:
        staff = staff_client(pipeline.httpd, db)
        tid = new_task(staff, time_limit_ms=4000, is_open=True)["id"]
        for name, (a, b), sample in (("sample-1", (1, 2), True), ("hidden-a", (5, 7), False), ("hidden-b", (20, 22), False)):
            r = staff.post("/api/admin/tasks/%d/tests" % tid,
                           json={"name": name, "input": "%d %d\n" % (a, b), "answer": "%d\n" % (a + b), "is_sample": sample})
            assert r.status_code == 201, r.text
        yield staff, tid


def test_staff_see_every_tests_stderr_checker_message_and_exit_code_students_do_not(judged_task, pipeline, db):
    staff, tid = judged_task
    student = pipeline.client(db, "diag")
    wrong = student.submit(task_id=tid, language_id=71, code=WRONG_ON_HIDDEN).json()["submission_id"]
    exits = student.submit(task_id=tid, language_id=71, code=EXITS_ON_HIDDEN).json()["submission_id"]

    sub = judged(staff, wrong)
    assert (sub["status"], sub["verdict"]) == ("completed", "PA"), sub
    assert [t["name"] for t in sub["tests"]] == ["sample-1", "hidden-a", "hidden-b"]
    by_order = {t["order"]: t for t in sub["test_results"]}
    sample, hidden = by_order[1], by_order[2]
    assert (sample["verdict"], hidden["verdict"]) == ("AC", "WA")
    assert hidden["is_sample"] is False
    assert "trace a=5 b=7" in hidden["stderr"] and "trace a=1 b=2" in sample["stderr"]
    assert hidden["exit_code"] == 0
    # The checker's reason for a hidden wrong answer quotes the hidden data: staff only.
    assert hidden["judge_message"] and "13" in hidden["judge_message"], hidden
    assert "message" not in hidden

    sub = judged(staff, exits)
    hidden = {t["order"]: t for t in sub["test_results"]}[2]
    assert (hidden["verdict"], hidden["exit_code"]) == ("RE", 3), hidden
    assert "giving up on 5" in hidden["stderr"]

    # The student's own view of the same submissions: a sample test's stderr and exit status (their
    # own program's, on data they were shown), nothing of a hidden test's, never the checker's message.
    for sid in (wrong, exits):
        mine = student.get("/api/submissions/%d" % sid).json()
        assert mine["test_results"], mine
        for test in mine["test_results"]:
            assert "judge_message" not in test, (sid, test)
            if not test["is_sample"]:
                for key in ("stderr", "stderr_truncated", "exit_code"):
                    assert key not in test, (sid, test)
        assert "tests" not in mine and "previous_verdict" not in mine
    mine = {t["order"]: t for t in student.get("/api/submissions/%d" % wrong).json()["test_results"]}
    assert "trace a=1 b=2" in mine[1]["stderr"] and mine[1]["exit_code"] == 0, mine[1]
    # Nor can the student ask the staff API.
    assert student.get("/api/admin/submissions/%d" % wrong).status_code == 403


def test_rejudging_a_selection_keeps_each_ones_result_before(judged_task, pipeline, db):
    staff, tid = judged_task
    student = pipeline.client(db, "sel")
    right = student.submit(task_id=tid, language_id=71, code=RIGHT).json()["submission_id"]
    wrong = student.submit(task_id=tid, language_id=71, code=WRONG_ON_HIDDEN).json()["submission_id"]
    untouched = student.submit(task_id=tid, language_id=71, code=RIGHT).json()["submission_id"]
    assert judged(staff, right)["verdict"] == "AC"
    assert judged(staff, wrong)["verdict"] == "PA"
    assert judged(staff, untouched)["verdict"] == "AC"

    # The teacher breaks hidden-b's answer: the right program now fails it, the wrong one still does.
    tests = staff.get("/api/admin/tasks/%d/tests" % tid).json()["tests"]
    hidden_b = next(t for t in tests if t["name"] == "hidden-b")
    try:
        assert staff.put("/api/admin/tests/%d" % hidden_b["id"], json={"answer": "41\n"}).status_code == 200
        r = staff.post("/api/admin/rejudge", json={"submission_ids": [wrong, right]})
        assert r.status_code == 200, r.text
        assert r.json() == {"queued": [{"submission_id": right, "attempt": 2}, {"submission_id": wrong, "attempt": 2}],
                            "count": 2}
        # What the results table polls: the listing of exactly those ids, old result beside the new.
        rows = wait_for(lambda: (lambda rows: rows if all(x["status"] == "completed" for x in rows) else None)(
            staff.get("/api/admin/submissions?ids=%d,%d" % (right, wrong)).json()["submissions"]),
            "both rejudged", 300)
        got = {x["id"]: (x["previous_verdict"], x["previous_score"], x["verdict"], x["score"], x["attempt"]) for x in rows}
        assert got[right][:2] == ("AC", 100) and got[right][2] == "PA" and got[right][3] < 100, got
        assert got[wrong][:2] == ("PA", got[wrong][3]) and got[wrong][2] == "PA", got
        assert got[right][4] == got[wrong][4] == 2
        detail = staff.get("/api/admin/submissions/%d" % right).json()
        assert (detail["previous_verdict"], detail["previous_status"]) == ("AC", "completed") and detail["rejudged_at"]
        # Outside the selection nothing changed.
        other = staff.get("/api/admin/submissions/%d" % untouched).json()
        assert (other["attempt"], other["verdict"], other["previous_verdict"], other["rejudged_at"]) == (1, "AC", None, None)
    finally:
        staff.put("/api/admin/tests/%d" % hidden_b["id"], json={"answer": "42\n"})
