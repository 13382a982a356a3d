"""The pipeline under faults (DESIGN.md §1, invariants 1 and 2): a batch of submissions in flight
through HTTP, the module, judge-worker and result-sink, then a fault; every submission must end
final, exactly once, none lost.

"Exactly once" is read from result-sink's own log (--verbose): for each submission exactly one final
event was applied to its row; any redelivered or repeated result was recognised and ignored."""

import re
import time

import pytest

from test_judge_worker import C, PY
from test_module_helpers import Client, new_user
import test_pipeline
from test_pipeline import Pipeline
from test_result_sink import connect, wait_for

WAIT = 300
# Fast programs only: these tests are about the pipeline, not the sandbox.
PROGRAMS = [(71, PY["AC"], "AC"), (71, PY["WA"], "WA"), (50, C["AC"], "AC"), (71, PY["PA"], "PA")]

pytestmark = test_pipeline.pytestmark


@pytest.fixture(scope="module")
def pipeline(services):
    p = Pipeline(services, sink_args=["--verbose"])
    yield p
    p.stop()


def submit_batch(pipeline, db, task_id, n):
    client = Client(pipeline.httpd.base, new_user(db, prefix="f")[0])
    out = {}
    for i in range(n):
        lang, code, verdict = PROGRAMS[i % len(PROGRAMS)]
        r = client.submit(task_id=task_id, language_id=lang, code=code)
        assert r.status_code == 202, r.text
        out[r.json()["submission_id"]] = verdict
    return out


def finals(conn, ids):
    rows = conn.execute("SELECT id, status, verdict FROM submissions WHERE id = ANY(%s)"
                        " AND status IN ('completed', 'failed')", (list(ids),)).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def wait_all_final(services, batch):
    with connect(services) as conn:
        wait_for(lambda: len(finals(conn, batch)) == len(batch), WAIT, "every submission final")
        got = finals(conn, batch)
    wrong = {sid: got[sid] for sid, verdict in batch.items() if got[sid] != ("completed", verdict)}
    assert not wrong, wrong


def assert_applied_once(sink_log_text, batch):
    for sid in batch:
        applied = re.findall(r"submission %d attempt \d+ (?:completed|failed) \(final\): applied\n" % sid,
                             sink_log_text)
        assert len(applied) == 1, (sid, applied)


def aplusb(db):
    return db.execute("SELECT id FROM tasks WHERE slug = 'aplusb'").fetchone()[0]


def test_result_sink_killed_and_restarted(services, db, pipeline):
    task_id = aplusb(db)
    batch = submit_batch(pipeline, db, task_id, 12)
    # Some results are in, others are still coming: kill the sink now.
    wait_for(lambda: len(finals(db, batch)) >= 2, WAIT, "the first results")
    pipeline.sink.kill()
    batch.update(submit_batch(pipeline, db, task_id, 6))
    pipeline.sink.start()
    wait_all_final(services, batch)
    assert_applied_once(pipeline.sink.log.read_text(), batch)


def test_postgres_restarted(services, db, pipeline):
    task_id = aplusb(db)
    batch = submit_batch(pipeline, db, task_id, 12)
    wait_for(lambda: len(finals(db, batch)) >= 1, WAIT, "the first results")
    services.pg.stop()
    try:
        time.sleep(3)  # results keep arriving at the sink while the database is gone
    finally:
        services.pg.start()
    wait_all_final(services, batch)
    assert_applied_once(pipeline.sink.log.read_text(), batch)
    assert pipeline.sink.alive() and pipeline.worker.alive()


def test_kafka_down_at_submit_time_sweeper_delivers(services, db, pipeline):
    # The module gives up on a delivery after 2 s, so only the sweeper can bring these in.
    httpd = services.httpd(mpm="event", extra="SolveitKafkaOption message.timeout.ms=2000",
                           replace={"SolveitSubmissionRate": "0"}).start()
    try:
        task_id = aplusb(db)
        services.kafka.down()
        try:
            client = Client(httpd.base, new_user(db, prefix="k")[0])
            batch = {}
            for i in range(6):
                lang, code, verdict = PROGRAMS[i % len(PROGRAMS)]
                r = client.submit(task_id=task_id, language_id=lang, code=code)
                assert r.status_code == 202, r.text
                batch[r.json()["submission_id"]] = verdict
            time.sleep(3)  # past the module's message timeout
            unsent = db.execute("SELECT count(*) FROM submissions WHERE id = ANY(%s) AND kafka_sent_at IS NULL",
                                (list(batch),)).fetchone()[0]
            assert unsent == len(batch)
        finally:
            services.kafka.up()
        wait_all_final(services, batch)
        sent = db.execute("SELECT count(*) FROM submissions WHERE id = ANY(%s) AND kafka_sent_at IS NOT NULL",
                          (list(batch),)).fetchone()[0]
        assert sent == len(batch)
        assert re.search(r"sweeper: sent \d+ unconfirmed submission", pipeline.sink.log.read_text())
        assert_applied_once(pipeline.sink.log.read_text(), batch)
    finally:
        httpd.stop()


def test_judge_worker_killed_mid_judgement(services, db, pipeline):
    task_id = aplusb(db)
    batch = submit_batch(pipeline, db, task_id, 12)
    # Kill it while it holds work: some results are in, at least one judgement has started.
    wait_for(lambda: len(finals(db, batch)) >= 1 and db.execute(
        "SELECT count(*) FROM submissions WHERE id = ANY(%s) AND status IN ('pending', 'processing')",
        (list(batch),)).fetchone()[0] > 0, WAIT, "judging under way")
    pipeline.worker.kill()
    pipeline.worker.start()
    wait_all_final(services, batch)
    assert_applied_once(pipeline.sink.log.read_text(), batch)


def test_broker_down_for_20_s_during_submissions(services, db, pipeline):
    task_id = aplusb(db)
    batch = submit_batch(pipeline, db, task_id, 6)
    services.kafka.down()
    try:
        batch.update(submit_batch(pipeline, db, task_id, 6))  # accepted: PostgreSQL has them
        time.sleep(20)
    finally:
        services.kafka.up()
    wait_all_final(services, batch)
    assert_applied_once(pipeline.sink.log.read_text(), batch)


def test_redis_stopped(services, db, pipeline):
    task_id = aplusb(db)
    services.redis.stop()
    try:
        batch = submit_batch(pipeline, db, task_id, 8)
        wait_all_final(services, batch)
    finally:
        services.redis.start()
    assert_applied_once(pipeline.sink.log.read_text(), batch)
