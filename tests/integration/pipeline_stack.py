"""The whole pipeline as the pipeline tests (test_pipeline*.py) run it: httpd with mod_solveit,
judge-worker on the local sandbox and result-sink (with --verbose, so that "exactly once" can be read
from its log), on the session's PostgreSQL, Redis and embedded Kafka broker. The `pipeline` fixture
of conftest.py starts one per test module."""

import re
import uuid

from harness import SINK, WORKER
from polling import wait_final
from services import Process
from test_module_helpers import Client, new_user

# One line per final event the sink applied to a row (result-sink --verbose).
APPLIED_FINAL = re.compile(r"submission (\d+) attempt \d+ (?:completed|failed) \(final\): applied\n")


class Pipeline:
    def __init__(self, services, sink_args=("--verbose",), worker_env=None):
        self.services = services
        self.httpd = services.httpd(mpm="event", replace={"SolveitSubmissionRate": "0",
                                                          "SolveitLanguages": "50 54 62 71"}).start()
        tag = uuid.uuid4().hex[:8]
        env = services.daemon_env()
        self.worker = Process("judge-worker", [WORKER, "--foreground"], services.tmp / ("pipeline-worker-%s.log" % tag),
                              env=dict(env, **dict({"SOLVEIT_EXECUTOR": "local", "SOLVEIT_CONCURRENCY": "2"},
                                                   **(worker_env or {})))).start()
        self.sink = Process("result-sink", [SINK, "--foreground", "--resend-after", "5"] + list(sink_args),
                            services.tmp / ("pipeline-sink-%s.log" % tag), env=env).start()

    def stop(self):
        for stop in (self.sink.stop, self.worker.stop, self.httpd.stop):
            try:
                stop()
            except Exception as e:  # keep stopping the rest
                print("stopping: %s" % e)

    def client(self, db, prefix):
        """A new student logged in to this pipeline's httpd."""
        return Client(self.httpd.base, new_user(db, prefix=prefix)[0])

    def assert_applied_once(self, submission_ids):
        """Exactly one final event was applied to each row: any redelivered or repeated result was
        recognised and ignored."""
        counts = {}
        for sid in APPLIED_FINAL.findall(self.sink.log.read_text()):
            counts[int(sid)] = counts.get(int(sid), 0) + 1
        wrong = {sid: counts.get(sid, 0) for sid in submission_ids if counts.get(sid, 0) != 1}
        assert not wrong, "final events applied per submission (want 1 each): %r" % wrong


def submit_each(client, task_id, programs):
    """Submits each (language_id, code, expected verdict); returns {submission id: expected verdict}."""
    out = {}
    for lang, code, verdict in programs:
        r = client.submit(task_id=task_id, language_id=lang, code=code)
        assert r.status_code == 202, r.text
        out[r.json()["submission_id"]] = verdict
    return out


def assert_all_final(conn, expected, timeout):
    """Waits until every submission of expected ({id: verdict}) is final; each must be completed with
    its verdict."""
    got = wait_final(conn, expected, timeout, what="all %d submissions final" % len(expected))
    wrong = {sid: got[sid] for sid, verdict in expected.items() if got[sid] != ("completed", verdict)}
    assert not wrong, wrong
