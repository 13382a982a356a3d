"""A load run sized for CI: 300 mixed submissions sent through the API as fast as it accepts them
(several clients at once); every one ends final with the right verdict, none is lost, and no
submission had more than one final result applied (read from result-sink's --verbose log)."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from test_judge_worker import C, PY
from test_module_helpers import Client, new_user
import test_pipeline
from test_pipeline import Pipeline
from test_result_sink import connect, wait_for

COUNT = 300
CLIENTS = 6
WAIT = 1200  # bound for the whole run on a busy 2-core machine
MIX = [(71, PY["AC"], "AC"), (50, C["AC"], "AC"), (71, PY["WA"], "WA"), (50, C["WA"], "WA"),
       (71, PY["PA"], "PA"), (50, C["CE"], "CE"), (71, PY["RE"], "RE"), (50, C["PA"], "PA")]

pytestmark = test_pipeline.pytestmark


@pytest.fixture(scope="module")
def pipeline(services):
    p = Pipeline(services, sink_args=["--verbose"])
    yield p
    p.stop()


def test_300_mixed_submissions_all_final_once(services, db, pipeline):
    task_id = db.execute("SELECT id FROM tasks WHERE slug = 'aplusb'").fetchone()[0]
    clients = [Client(pipeline.httpd.base, new_user(db, prefix="l")[0]) for _ in range(CLIENTS)]

    def submit(i):
        lang, code, verdict = MIX[i % len(MIX)]
        r = clients[i % CLIENTS].submit(task_id=task_id, language_id=lang, code=code)
        assert r.status_code == 202, r.text
        return r.json()["submission_id"], verdict

    with ThreadPoolExecutor(CLIENTS) as pool:
        expected = dict(pool.map(submit, range(COUNT)))
    assert len(expected) == COUNT, "duplicate submission ids"

    with connect(services) as conn:
        def final_count():
            return conn.execute("SELECT count(*) FROM submissions WHERE id = ANY(%s)"
                                " AND status IN ('completed', 'failed')", (list(expected),)).fetchone()[0]
        wait_for(lambda: final_count() == COUNT, WAIT, "all %d submissions final" % COUNT)
        rows = conn.execute("SELECT id, status, verdict FROM submissions WHERE id = ANY(%s)",
                            (list(expected),)).fetchall()
    wrong = {sid: (status, verdict) for sid, status, verdict in rows if (status, verdict) != ("completed",
                                                                                               expected[sid])}
    assert not wrong, wrong

    log = pipeline.sink.log.read_text()
    applied = re.findall(r"submission (\d+) attempt \d+ (?:completed|failed) \(final\): applied\n", log)
    counts = {}
    for sid in applied:
        counts[int(sid)] = counts.get(int(sid), 0) + 1
    twice = {sid: n for sid, n in counts.items() if sid in expected and n != 1}
    assert not twice, twice
    assert all(counts.get(sid) == 1 for sid in expected)
