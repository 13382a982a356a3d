"""A load run sized for CI: 300 mixed submissions sent through the API as fast as it accepts them
(several clients at once); every one ends final with the right verdict, none is lost, and no
submission had more than one final result applied (read from result-sink's --verbose log)."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline_stack import assert_all_final, submit_each
from test_judge_worker import C, PY
from test_module_helpers import task_by_slug
from test_result_sink import connect

COUNT = 300
CLIENTS = 6
WAIT = 1200  # bound for the whole run on a busy 2-core machine
MIX = [(71, PY["AC"], "AC"), (50, C["AC"], "AC"), (71, PY["WA"], "WA"), (50, C["WA"], "WA"),
       (71, PY["PA"], "PA"), (50, C["CE"], "CE"), (71, PY["RE"], "RE"), (50, C["PA"], "PA")]

pytestmark = pytest.mark.usefixtures("built_programs")


def test_300_mixed_submissions_all_final_once(services, db, pipeline):
    task_id = task_by_slug(db, "aplusb")
    clients = [pipeline.client(db, "l") for _ in range(CLIENTS)]

    def submit(i):
        return submit_each(clients[i % CLIENTS], task_id, [MIX[i % len(MIX)]])

    with ThreadPoolExecutor(CLIENTS) as pool:
        expected = {}
        for one in pool.map(submit, range(COUNT)):
            expected.update(one)
    assert len(expected) == COUNT, "duplicate submission ids"

    with connect(services) as conn:
        assert_all_final(conn, expected, WAIT)
    pipeline.assert_applied_once(expected)
