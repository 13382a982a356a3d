"""The judge-worker's compile cache through the whole pipeline (issue 16): an identical resubmission is judged
from the kept program (compile_cache_hits in the stats file and on /metrics) with the same verdict, per-test
verdicts and compiler output as the first; a compile error is kept too. tests/sandbox/test_sandbox_compile_cache.py
covers the cache's own rules (damage, the size bound, none, every language)."""

import json
import uuid

import pytest
import requests

from pipeline_stack import Pipeline
from polling import wait_final, wait_for
from services import free_port
from test_module_helpers import task_by_slug

pytestmark = pytest.mark.usefixtures("built_programs")


@pytest.fixture(scope="module")
def cached(services):
    port = free_port()
    tag = uuid.uuid4().hex[:8]
    stats = services.tmp / ("compile-cache-stats-%s" % tag)
    p = Pipeline(services, worker_env={"SOLVEIT_COMPILE_CACHE": str(services.tmp / ("compile-cache-%s" % tag)),
                                       "SOLVEIT_STATS_FILE": str(stats),
                                       "SOLVEIT_METRICS_LISTEN": "127.0.0.1:%d" % port})
    p.stats_file, p.metrics_port = stats, port
    try:
        yield p
    finally:
        p.stop()


def stats(p):
    try:
        return dict(line.split() for line in p.stats_file.read_text().splitlines() if line.strip())
    except FileNotFoundError:
        return {}


def judged(db, client, task_id, code):
    r = client.submit(task_id=task_id, language_id=50, code=code)
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    wait_final(db, [sid], 300)
    row = db.execute("SELECT status, verdict, compiler_output, test_results FROM submissions WHERE id = %s",
                     (sid,)).fetchone()
    tests = row[3] if isinstance(row[3], list) else json.loads(row[3] or "[]")
    verdicts = [t.get("verdict") or t.get("status") for t in tests]
    return row[0], row[1], row[2], verdicts


def hits(p):
    return int(stats(p).get("compile_cache_hits", 0))


def test_an_identical_resubmission_skips_the_compiler(cached, db):
    task_id = task_by_slug(db, "hello")
    client = cached.client(db, "ccache")
    # A source of this test alone (the cache may already hold other tests' programs).
    code = '#include <stdio.h>\n/* %s */\nint main(void) { puts("Hello, World!"); return 0; }\n' % uuid.uuid4()
    first = judged(db, client, task_id, code)
    assert first[:2] == ("completed", "AC"), first
    wait_for(lambda: stats(cached), "the stats file", 30, until=lambda s: "compile_cache_misses" in s)
    before = hits(cached)
    second = judged(db, client, task_id, code)
    assert second == first
    wait_for(lambda: hits(cached), "a compile cache hit", 30, until=lambda n: n >= before + 1)
    text = requests.get("http://127.0.0.1:%d/metrics" % cached.metrics_port, timeout=10).text
    assert "solveit_worker_compile_cache_hits_total" in text, text[:2000]
    assert "solveit_worker_compile_cache_misses_total" in text


def test_a_compile_error_is_kept_with_its_message(cached, db):
    task_id = task_by_slug(db, "hello")
    client = cached.client(db, "ccache")
    code = "/* %s */\nint main(void) { return undeclared_thing; }\n" % uuid.uuid4()
    first = judged(db, client, task_id, code)
    assert first[:2] == ("completed", "CE") and "undeclared_thing" in first[2], first
    before = hits(cached)
    second = judged(db, client, task_id, code)
    assert second == first
    wait_for(lambda: hits(cached), "a compile cache hit", 30, until=lambda n: n >= before + 1)
