"""The whole pipeline (DESIGN.md §1) as a student uses it: log in over HTTP, submit, poll the
submission API until the result is final. httpd with mod_solveit, judge-worker on the local sandbox
and result-sink, all against the real PostgreSQL, Redis and embedded Kafka broker. The stored row,
the API and the final message on code-results must agree."""

import uuid

import pytest

from pipeline_stack import Pipeline  # noqa: F401 (where it lived before pipeline_stack)
from polling import wait_for
from test_judge_worker import C, CPP, JAVA, PY
from test_module_helpers import task_by_slug

pytestmark = pytest.mark.usefixtures("built_programs")

# test_judge_worker's C++ "WA" prints a - b, which is right for "0 0": here every test must fail.
LANGUAGES = {50: C, 54: dict(CPP, WA='#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;'
                                    'std::cout<<a+b+1<<"\\n";}\n'), 71: PY, 62: JAVA}
# Every language's compile step finds its syntax errors: Python's is a syntax check (issue 11).
EXPECTED = {(lang, v): v for lang in LANGUAGES for v in ("AC", "WA", "TLE", "MLE", "RE", "CE", "PA")}
WAIT = 600  # bound for the whole batch on a busy 2-core machine


def final_messages(services, submission_id):
    # code-results also carries the garbage other tests send on purpose.
    return [m for m in services.messages("code-results", submission_id, skip_invalid=True)
            if m.get("status") in ("completed", "failed")]


def test_submissions_through_http_reach_the_right_final_state(services, db, pipeline):
    task_id = task_by_slug(db, "aplusb")
    # The JVM alone can use most of aplusb's 1 s of CPU on a loaded machine: Java's non-TLE cases
    # run on a copy of the task with a roomier limit (same tests, same weights).
    slow_task = db.execute("INSERT INTO tasks (slug, title, time_limit_ms, memory_limit_kb)"
                           " SELECT %s, title, 4000, memory_limit_kb FROM tasks WHERE id = %s RETURNING id",
                           ("pipe-%s" % uuid.uuid4().hex[:10], task_id)).fetchone()[0]
    db.execute("INSERT INTO tests (task_id, \"order\", input_sha256, answer_sha256, weight, is_sample)"
               " SELECT %s, \"order\", input_sha256, answer_sha256, weight, is_sample FROM tests WHERE task_id = %s",
               (slow_task, task_id))
    clients = {lang: pipeline.client(db, "p") for lang in LANGUAGES}
    submitted = {}
    for (lang, verdict) in EXPECTED:
        task = slow_task if lang == 62 and verdict not in ("TLE", "MLE") else task_id
        r = clients[lang].submit(task_id=task, language_id=lang, code=LANGUAGES[lang][verdict])
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["status"] == "pending"
        submitted[(lang, verdict)] = body["submission_id"]

    final = {}

    def not_final():
        for case, sid in submitted.items():
            if case in final:
                continue
            r = clients[case[0]].get("/api/submissions/%d" % sid)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["status"] in ("pending", "processing", "completed", "failed"), body
            if body["status"] in ("completed", "failed"):
                final[case] = body
        return sorted(set(submitted) - set(final))

    wait_for(not_final, "every submission final in the API", WAIT, until=lambda missing: not missing, interval=0.5)

    wrong = {case: (body["status"], body["verdict"], body.get("error_message"))
             for case, body in final.items() if (body["status"], body["verdict"]) != ("completed", EXPECTED[case])}
    assert not wrong, wrong
    for case, body in final.items():
        sid = submitted[case]
        row = db.execute("SELECT status, verdict, score, passed_tests, total_tests, attempt, test_results,"
                         " processing_started_at, processing_completed_at FROM submissions WHERE id = %s",
                         (sid,)).fetchone()
        status, verdict, score, passed, total, attempt, tests, started, completed = row
        assert (status, verdict, score) == (body["status"], body["verdict"], body["score"]), case
        assert started is not None and completed is not None and started <= completed, case
        messages = [m for m in final_messages(services, sid) if m["attempt"] == attempt]
        assert messages, "no final message for %s" % (case,)
        m = messages[0]
        assert (m["status"], m["verdict"], m["score"], m["passed_tests"], m["total_tests"]) == \
            (status, verdict, score, passed, total), case
        assert len(tests) == len(m["test_results"]), case
        if EXPECTED[case] == "AC":
            assert score == 100 and passed == total
        elif EXPECTED[case] == "PA":
            # aplusb's weights: 10 (sample), 20, 10, 30, 30; the program fails only the 30-point
            # test whose a is 4e18.
            assert score == 70 and passed == total - 1, (score, passed, total)
        elif EXPECTED[case] == "WA":
            assert score == 0 and passed == 0, (score, passed)
        else:
            assert score < 100
