"""The whole pipeline (DESIGN.md §1) as a student uses it: log in over HTTP, submit, poll the
submission API until the result is final. httpd with mod_solveit, judge-worker on the local sandbox
and result-sink, all against the real PostgreSQL, Redis and embedded Kafka broker. The stored row,
the API and the final message on code-results must agree."""

import json
import time
import uuid

import pytest

from services import Process
from test_judge_worker import C, CPP, JAVA, PY, WORKER
from test_module_helpers import Client, new_user
from test_result_sink import SINK, read_topic

pytestmark = pytest.mark.usefixtures("built_programs")

# test_judge_worker's C++ "WA" prints a - b, which is right for "0 0": here every test must fail.
LANGUAGES = {50: C, 54: dict(CPP, WA='#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;'
                                    'std::cout<<a+b+1<<"\\n";}\n'), 71: PY, 62: JAVA}
# Python has no compile step: a syntax error is found when it runs.
EXPECTED = {(lang, v): ("RE" if (lang, v) == (71, "CE") else v) for lang in LANGUAGES
            for v in ("AC", "WA", "TLE", "MLE", "RE", "CE", "PA")}
WAIT = 600  # bound for the whole batch on a busy 2-core machine


class Pipeline:
    def __init__(self, services, sink_args=()):
        self.services = services
        self.httpd = services.httpd(mpm="event", replace={"SolveitSubmissionRate": "0", "SolveitLanguages": "50 54 62 71"}).start()
        tag = uuid.uuid4().hex[:8]
        env = {"SOLVEIT_KAFKA_BROKERS": services.kafka.bootstrap, "SOLVEIT_DB": services.pg.dsn,
               "SOLVEIT_REDIS": "127.0.0.1:%d" % services.redis.port,
               "SOLVEIT_KAFKA_OPTIONS": "session.timeout.ms=6000 heartbeat.interval.ms=500"}
        self.worker = Process("judge-worker", [WORKER, "--foreground"], services.tmp / ("pipeline-worker-%s.log" % tag),
                              env=dict(env, SOLVEIT_EXECUTOR="local", SOLVEIT_CONCURRENCY="2")).start()
        self.sink = Process("result-sink", [SINK, "--foreground", "--resend-after", "5"] + list(sink_args),
                            services.tmp / ("pipeline-sink-%s.log" % tag), env=env).start()

    def stop(self):
        for stop in (self.sink.stop, self.worker.stop, self.httpd.stop):
            try:
                stop()
            except Exception as e:  # keep stopping the rest
                print("stopping: %s" % e)


@pytest.fixture(scope="module")
def pipeline(services):
    p = Pipeline(services)
    yield p
    p.stop()


def final_messages(services, submission_id):
    out = []
    for line in read_topic(services, "code-results", fmt="%k\t%s\n").splitlines():
        key, _, value = line.partition("\t")
        if key == str(submission_id):
            try:
                m = json.loads(value)
            except ValueError:
                continue
            if m.get("status") in ("completed", "failed"):
                out.append(m)
    return out


def test_submissions_through_http_reach_the_right_final_state(services, db, pipeline):
    task_id = db.execute("SELECT id FROM tasks WHERE slug = 'aplusb'").fetchone()[0]
    # The JVM alone can use most of aplusb's 1 s of CPU on a loaded machine: Java's non-TLE cases
    # run on a copy of the task with a roomier limit (same tests, same weights).
    slow_task = db.execute("INSERT INTO tasks (slug, title, time_limit_ms, memory_limit_kb)"
                           " SELECT %s, title, 4000, memory_limit_kb FROM tasks WHERE id = %s RETURNING id",
                           ("pipe-%s" % uuid.uuid4().hex[:10], task_id)).fetchone()[0]
    db.execute("INSERT INTO tests (task_id, \"order\", input, expected_output, weight, is_sample)"
               " SELECT %s, \"order\", input, expected_output, weight, is_sample FROM tests WHERE task_id = %s",
               (slow_task, task_id))
    clients = {lang: Client(pipeline.httpd.base, new_user(db, prefix="p")[0]) for lang in LANGUAGES}
    submitted = {}
    for (lang, verdict) in EXPECTED:
        task = slow_task if lang == 62 and verdict not in ("TLE", "MLE") else task_id
        r = clients[lang].submit(task_id=task, language_id=lang, code=LANGUAGES[lang][verdict])
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["status"] == "pending"
        submitted[(lang, verdict)] = body["submission_id"]

    deadline = time.monotonic() + WAIT
    final = {}
    while len(final) < len(submitted) and time.monotonic() < deadline:
        for case, sid in submitted.items():
            if case in final:
                continue
            r = clients[case[0]].get("/api/submissions/%d" % sid)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["status"] in ("pending", "processing", "completed", "failed"), body
            if body["status"] in ("completed", "failed"):
                final[case] = body
        time.sleep(0.5)
    missing = sorted(set(submitted) - set(final))
    assert not missing, "not final within %d s: %s" % (WAIT, missing)

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
