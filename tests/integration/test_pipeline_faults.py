"""The pipeline under faults (DESIGN.md §1, invariants 1 and 2): a batch of submissions in flight
through HTTP, the module, judge-worker and result-sink, then a fault; every submission must end
final, exactly once, none lost.

"Exactly once" is read from result-sink's own log (--verbose): for each submission exactly one final
event was applied to its row; any redelivered or repeated result was recognised and ignored."""

import re
import time

import pytest

from pipeline_stack import assert_all_final, submit_each
from polling import final_submissions, wait_for, wait_final
from test_judge_worker import C, PY
from test_module_helpers import Client, new_user, task_by_slug
from test_result_sink import connect

WAIT = 300
# Fast programs only: these tests are about the pipeline, not the sandbox.
PROGRAMS = [(71, PY["AC"], "AC"), (71, PY["WA"], "WA"), (50, C["AC"], "AC"), (71, PY["PA"], "PA")]

pytestmark = pytest.mark.usefixtures("built_programs")


def batch_of(n):
    return [PROGRAMS[i % len(PROGRAMS)] for i in range(n)]


def submit_batch(pipeline, db, n):
    return submit_each(pipeline.client(db, "f"), task_by_slug(db, "aplusb"), batch_of(n))


def assert_all_final_once(services, pipeline, batch):
    with connect(services) as conn:  # its own connection: the test's may predate a PostgreSQL restart
        assert_all_final(conn, batch, WAIT)
    pipeline.assert_applied_once(batch)


def test_result_sink_killed_and_restarted(services, db, pipeline):
    batch = submit_batch(pipeline, db, 12)
    # Some results are in, others are still coming: kill the sink now.
    wait_final(db, batch, WAIT, at_least=2, what="the first results")
    pipeline.sink.kill()
    batch.update(submit_batch(pipeline, db, 6))
    pipeline.sink.start()
    assert_all_final_once(services, pipeline, batch)


def test_postgres_restarted(services, db, pipeline):
    batch = submit_batch(pipeline, db, 12)
    wait_final(db, batch, WAIT, at_least=1, what="the first results")
    services.pg.stop()
    try:
        time.sleep(3)  # the fault itself: results keep arriving at the sink while the database is gone
    finally:
        services.pg.start()
    assert_all_final_once(services, pipeline, batch)
    assert pipeline.sink.alive() and pipeline.worker.alive()


def test_kafka_down_at_submit_time_sweeper_delivers(services, db, pipeline):
    # The module gives up on a delivery after 2 s, so only the sweeper can bring these in.
    httpd = services.httpd(mpm="event", extra="SolveitKafkaOption message.timeout.ms=2000",
                           replace={"SolveitSubmissionRate": "0"}).start()
    try:
        task_id = task_by_slug(db, "aplusb")
        services.kafka.down()
        try:
            batch = submit_each(Client(httpd.base, new_user(db, prefix="k")[0]), task_id, batch_of(6))
            time.sleep(3)  # past the module's message timeout: no delivery report can come any more
            unsent = db.execute("SELECT count(*) FROM submissions WHERE id = ANY(%s) AND kafka_sent_at IS NULL",
                                (list(batch),)).fetchone()[0]
            assert unsent == len(batch)
        finally:
            services.kafka.up()
        with connect(services) as conn:
            assert_all_final(conn, batch, WAIT)
        sent = db.execute("SELECT count(*) FROM submissions WHERE id = ANY(%s) AND kafka_sent_at IS NOT NULL",
                          (list(batch),)).fetchone()[0]
        assert sent == len(batch)
        assert re.search(r"sweeper: sent \d+ unconfirmed submission", pipeline.sink.log.read_text())
        pipeline.assert_applied_once(batch)
    finally:
        httpd.stop()


def test_judge_worker_killed_mid_judgement(services, db, pipeline):
    batch = submit_batch(pipeline, db, 12)
    # Kill it while it holds work: some results are in, at least one judgement has started.
    wait_for(lambda: len(final_submissions(db, batch)) >= 1 and db.execute(
        "SELECT count(*) FROM submissions WHERE id = ANY(%s) AND status IN ('pending', 'processing')",
        (list(batch),)).fetchone()[0] > 0, "judging under way", WAIT)
    pipeline.worker.kill()
    pipeline.worker.start()
    assert_all_final_once(services, pipeline, batch)


def test_broker_down_for_20_s_during_submissions(services, db, pipeline):
    batch = submit_batch(pipeline, db, 6)
    services.kafka.down()
    try:
        batch.update(submit_batch(pipeline, db, 6))  # accepted: PostgreSQL has them
        time.sleep(20)  # the fault itself: the broker stays away this long
    finally:
        services.kafka.up()
    assert_all_final_once(services, pipeline, batch)


def test_redis_stopped(services, db, pipeline):
    services.redis.stop()
    try:
        batch = submit_batch(pipeline, db, 8)
        with connect(services) as conn:
            assert_all_final(conn, batch, WAIT)
    finally:
        services.redis.start()
    pipeline.assert_applied_once(batch)
