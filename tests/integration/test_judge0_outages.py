"""judge-worker with Judge0 in real use (issue 15): the URL and token checked at start, outages longer
than the retry budget leaving submissions pending and judged once Judge0 is back, and a Judge0 that lost
its queue (forgotten tokens, tokens In Queue for ever) noticed and re-submitted. Judge0 is the test peer
(tests/peers/judge0_peer.py) with its fault modes; the rest are the real services.

Run: SOLVEIT_MPMS=event /usr/bin/python3 -m pytest -p no:cacheprovider tests/integration/test_judge0_outages.py
"""

import json
import re
import socket
import subprocess
import sys
import urllib.request

import pytest

from harness import WORKER
from polling import wait_for, wait_log
from test_judge_worker import (  # noqa: F401 (fixtures)
    PEER, PEER_TOKEN, PY, Judge0Peer, Workers, make_task, producer, results, stats, submit)

pytestmark = pytest.mark.usefixtures("built_programs")

# Small budgets so that an outage "longer than the budget" takes seconds, not minutes.
QUICK = dict(SOLVEIT_JUDGE0_RETRY_BUDGET="2", SOLVEIT_JUDGE0_CHECK_INTERVAL="1", SOLVEIT_MAX_TRIES="1")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peer_state(peer):
    with urllib.request.urlopen(peer.url + "/_peer/state", timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def peer():
    p = Judge0Peer()
    yield p
    p.close()


@pytest.fixture
def fresh_peer(peer):
    peer.control("reset")
    yield peer
    peer.control("reset")


@pytest.fixture(scope="module")
def workers(services, peer, tmp_path_factory):
    w = Workers(services, peer, tmp_path_factory.mktemp("judge0-outages"))
    yield w
    w.stop()


def start_worker_expecting_exit(services, **env):
    """Runs judge-worker in the foreground with env; returns (exit status, what it printed)."""
    run = subprocess.run([WORKER, "--foreground"], env=services.daemon_env(SOLVEIT_EXECUTOR="judge0", **env),
                         capture_output=True, text=True, timeout=120)
    return run.returncode, run.stdout + run.stderr


def assert_pending(results, sid):
    assert results.finals(sid) == [], results.events(sid)


# ---- checked at start ----

def test_wrong_token_stops_the_worker_at_start(services, peer):
    code, out = start_worker_expecting_exit(services, SOLVEIT_JUDGE0_URL=peer.url, SOLVEIT_JUDGE0_TOKEN="not-it")
    assert code == 1, out
    assert re.search(r"refused the token \(HTTP 401 to GET /about\): check --judge0-token / SOLVEIT_JUDGE0_TOKEN",
                     out), out
    assert "not-it" not in out  # the token is never logged
    code, out = start_worker_expecting_exit(services, SOLVEIT_JUDGE0_URL=peer.url, SOLVEIT_JUDGE0_TOKEN="")
    assert code == 1 and "wants a token" in out and "SOLVEIT_JUDGE0_TOKEN" in out, out


def test_not_judge0_stops_the_worker_at_start(services, peer):
    # The peer's control path answers 404 to /about: something answers, but not Judge0.
    code, out = start_worker_expecting_exit(services, SOLVEIT_JUDGE0_URL=peer.url + "/_peer",
                                            SOLVEIT_JUDGE0_TOKEN=PEER_TOKEN)
    assert code == 1, out
    assert "does not answer as Judge0 CE does (GET /about: HTTP 404" in out, out
    assert "check --judge0-url / SOLVEIT_JUDGE0_URL" in out, out


def test_unreachable_at_start_waits_then_judges(services, workers, results, db, producer):
    port = free_port()
    proc = workers.ensure("judge0", SOLVEIT_JUDGE0_URL="http://127.0.0.1:%d" % port, **QUICK)
    log = proc.log.read_text()
    assert re.search(r"cannot reach Judge0 at --judge0-url / SOLVEIT_JUDGE0_URL http://127\.0\.0\.1:%d "
                     r"\(Judge0 unreachable: .+\); starting anyway" % port, log), log[-2000:]
    wait_for(lambda: stats(proc).get("judge0_checks_failed", 0) >= 3 or None, "failed checks", 60)
    assert stats(proc)["judge0_up"] == 0
    task = make_task(db, [("3 4\n", "7\n", 1, False)])
    sid = submit(db, producer, task, 71, PY["AC"])
    # Waiting, not failed: no event at all (not even "processing") while Judge0 is away; not even
    # taken from Kafka (consumption paused from the start).
    wait_log(proc.log.read_text, r"consumption paused: Judge0 at http://127\.0\.0\.1:%d is down" % port,
             alive=proc.alive)
    failed_before = stats(proc)["judge0_checks_failed"]
    wait_for(lambda: stats(proc)["judge0_checks_failed"] >= failed_before + 3 or None, "more failed checks", 60)
    assert results.events(sid) == []
    # Judge0 comes up at that address.
    late = subprocess.Popen([sys.executable, str(PEER), "--port", str(port), "--auth-token", PEER_TOKEN],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert int(late.stdout.readline()) == port
        r = results.wait_final(sid)
        assert (r["status"], r["verdict"]) == ("completed", "AC"), r
        wait_log(proc.log.read_text, r"Judge0 outage ended: http://127\.0\.0\.1:%d answers again" % port,
                 alive=proc.alive)
        wait_for(lambda: stats(proc)["judge0_up"] == 1 or None, "judge0_up 1", 30)
    finally:
        workers.stop()
        late.terminate()
        late.wait(10)


# ---- outages longer than the retry budget ----

def metric_sum(port, family):
    """The sum of a family's samples on the worker's /metrics; None before its first sample."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith(family + "{") or line.startswith(family + " ")]
    return sum(values) if values else None


def begin_outage(workers, db, peer, producer, **env):
    """A worker on the peer, the peer going down, and a first submission that finds it so: the outage
    begins and consumption pauses. Returns (the worker, the task, the log position before, that
    submission); the peer stays down until the caller (or the fresh_peer fixture) brings it back."""
    proc = workers.ensure("judge0", **dict(QUICK, **env))
    task = make_task(db, [("3 4\n", "7\n", 1, True), ("5 5\n", "10\n", 1, False)])
    since = len(proc.log.read_text())
    peer.control("mode", {"mode": "down"})
    first = submit(db, producer, task, 71, PY["AC"])
    wait_log(proc.log.read_text, r"consumption paused: Judge0 at %s is down; no submission starts"
             % re.escape(peer.url), since=since, alive=proc.alive)
    return proc, task, since, first


def test_outage_beyond_budget_leaves_submissions_pending(workers, results, db, fresh_peer, producer):
    proc, task, since, first = begin_outage(workers, db, fresh_peer, producer)
    try:
        wait_log(proc.log.read_text, r"Judge0 outage began: Judge0 unreachable", since=since, alive=proc.alive)
        wait_for(lambda: stats(proc)["judge0_up"] == 0 or None, "judge0_up 0", 30)
        second = submit(db, producer, task, 71, PY["AC"])  # sent during the outage: not even taken
        # Several budgets' worth of outage: the checker keeps failing, nothing is failed.
        failed = stats(proc)["judge0_checks_failed"]
        wait_for(lambda: stats(proc)["judge0_checks_failed"] >= failed + 5 or None, "more failed checks", 60)
        assert_pending(results, first)
        assert_pending(results, second)
        assert results.events(second) == []
    finally:
        fresh_peer.control("mode", {"mode": "normal"})
    for sid in (first, second):
        r = results.wait_final(sid)
        assert (r["status"], r["verdict"], r["score"]) == ("completed", "AC", 100), r
        assert len(results.finals(sid)) == 1
    log = proc.log.read_text()[since:]
    assert len(re.findall("Judge0 outage began", log)) == 1, log[-3000:]
    assert len(re.findall(r"Judge0 outage ended: \S+ answers again after \d+ s; judging resumes", log)) == 1, log
    s = stats(proc)
    assert s["judge0_outages"] >= 1 and s["failed"] == 0, s
    wait_for(lambda: stats(proc)["judge0_up"] == 1 or None, "judge0_up 1", 30)


def test_outage_pauses_consumption_until_judge0_is_back(workers, results, db, fresh_peer, producer):
    """While Judge0 is down nothing more is taken from Kafka (the lag grows) and nothing is judged; once
    it is back everything is judged, once; the pause and the resumption are logged once each."""
    port = free_port()
    proc, task, since, first = begin_outage(workers, db, fresh_peer, producer,
                                            SOLVEIT_METRICS_LISTEN="127.0.0.1:%d" % port)
    try:
        wait_for(lambda: stats(proc)["consumption_paused"] == 1 or None, "consumption_paused 1", 30)
        wait_for(lambda: metric_sum(port, "solveit_worker_consumer_lag"), "the consumer lag gauge", 30,
                 until=lambda v: v is not None)
        wait_log(proc.log.read_text, r"paused \d+ assigned partition\(s\) of code-submissions", timeout=30,
                 alive=proc.alive, name="judge-worker")
        later = [submit(db, producer, task, 71, PY["AC"]) for _ in range(4)]
        assert producer.flush(10) == 0
        # All of them stay in Kafka: the worker's partitions are paused, so it receives none of them. Its
        # poll loop rewrites the stats file every second: three rewrites after the delivery are three
        # seconds of polling in which an unpaused consumer would have taken them.
        for n in range(3):
            seen = proc.stats_path.stat().st_mtime_ns
            wait_for(lambda: proc.stats_path.stat().st_mtime_ns != seen or None,
                     "stats file rewrite %d after the delivery" % (n + 1), 30)
        assert stats(proc)["received"] == 1, stats(proc)
        assert_pending(results, first)
        for sid in later:
            assert results.events(sid) == [], results.events(sid)
    finally:
        fresh_peer.control("mode", {"mode": "normal"})
    for sid in [first] + later:
        r = results.wait_final(sid)
        assert (r["status"], r["verdict"], r["attempt"]) == ("completed", "AC", 1), r
        assert len(results.finals(sid)) == 1, results.events(sid)
    wait_for(lambda: stats(proc)["consumption_paused"] == 0 or None, "consumption_paused 0", 30)
    # The stats file is rewritten once a second: the four may all be final before it counts them.
    wait_for(lambda: stats(proc)["received"] >= 5 or None, "received 5 in the stats file", 30)
    log = proc.log.read_text()[since:]
    assert len(re.findall(r"consumption paused: ", log)) == 1, log[-3000:]
    assert re.search(r"paused \d+ assigned partition\(s\) of ", log) and \
        re.search(r"resumed \d+ assigned partition\(s\) of ", log), log[-3000:]
    assert len(re.findall(r"consumption resumed after \d+ s: \d+ waiting submission\(s\) start now", log)) == 1, \
        log[-3000:]
    assert stats(proc)["consumption_pauses"] >= 1 and stats(proc)["failed"] == 0


def test_503_beyond_budget_is_retried_not_failed(workers, results, db, fresh_peer, producer):
    proc = workers.ensure("judge0", **QUICK)
    task = make_task(db, [("3 4\n", "7\n", 1, False)])
    fresh_peer.control("mode", {"mode": "503"})
    try:
        sid = submit(db, producer, task, 71, PY["AC"])
        before = stats(proc)["judge0_retries"]
        # Five back-offs of 200 ms doubling are past the 2 s budget.
        wait_for(lambda: stats(proc)["judge0_retries"] >= before + 6 or None, "503s retried", 60)
        assert_pending(results, sid)
    finally:
        fresh_peer.control("mode", {"mode": "normal"})
    r = results.wait_final(sid)
    assert (r["status"], r["verdict"]) == ("completed", "AC"), r


def test_token_refused_after_start_is_an_outage(workers, results, db, fresh_peer, producer):
    proc = workers.ensure("judge0", **QUICK)
    task = make_task(db, [("3 4\n", "7\n", 1, False)])
    since = len(proc.log.read_text())
    fresh_peer.control("mode", {"mode": "401"})
    try:
        sid = submit(db, producer, task, 71, PY["AC"])
        wait_log(proc.log.read_text, r"Judge0 outage began: .*refused the token.*SOLVEIT_JUDGE0_TOKEN", since=since,
                 alive=proc.alive)
        assert_pending(results, sid)
    finally:
        fresh_peer.control("mode", {"mode": "normal"})
    r = results.wait_final(sid)
    assert (r["status"], r["verdict"]) == ("completed", "AC"), r
    assert PEER_TOKEN not in proc.log.read_text()


# ---- a Judge0 that lost its queue ----

def queued_on_peer(peer, n):
    wait_for(lambda: peer_state(peer)["queued"] >= n or None, "%d submission(s) In Queue on Judge0" % n, 60)


def test_forgotten_tokens_are_sent_again(workers, results, db, fresh_peer, producer):
    proc = workers.ensure("judge0", SOLVEIT_JUDGE0_STUCK_SECONDS="3")
    task = make_task(db, [("3 4\n", "7\n", 1, False), ("1 1\n", "2\n", 1, False)])
    before = stats(proc)
    fresh_peer.control("workers", {"state": "paused"})
    sid = submit(db, producer, task, 71, PY["AC"])
    queued_on_peer(fresh_peer, 2)
    fresh_peer.control("forget")  # Judge0 restarted with a fresh database
    fresh_peer.control("workers", {"state": "running"})
    r = results.wait_final(sid)
    assert (r["status"], r["verdict"], r["score"]) == ("completed", "AC", 100), r
    log = proc.log.read_text()
    assert re.search(r"Judge0 lost test [12]'s submission \(token [0-9a-f-]{36}\): it no longer knows the token "
                     r"\(restarted with a fresh database\?\); sending it again \(1 of 3\)", log), log[-3000:]
    after = wait_for(lambda: (lambda s: s if s["judge0_lost_tokens"] >= before.get("judge0_lost_tokens", 0) + 2
                              else None)(stats(proc)), "judge0_lost_tokens to count both", 30)
    assert after["judge0_resubmits"] >= before.get("judge0_resubmits", 0) + 2, after


def test_tokens_stuck_in_queue_are_sent_again(workers, results, db, fresh_peer, producer):
    proc = workers.ensure("judge0", SOLVEIT_JUDGE0_STUCK_SECONDS="3")
    task = make_task(db, [("3 4\n", "7\n", 1, False)])
    before = stats(proc)
    fresh_peer.control("workers", {"state": "paused"})
    sid = submit(db, producer, task, 71, PY["AC"])
    queued_on_peer(fresh_peer, 1)
    fresh_peer.control("lose-queue")  # its Redis lost the job: In Queue for ever, the queue empty
    fresh_peer.control("workers", {"state": "running"})
    r = results.wait_final(sid)
    assert (r["status"], r["verdict"]) == ("completed", "AC"), r
    log = proc.log.read_text()
    assert re.search(r"Judge0 lost test 1's submission \(token [0-9a-f-]{36}\): it stayed In Queue for "
                     r"--judge0-stuck-seconds while its queue was empty; sending it again", log), log[-3000:]
    wait_for(lambda: stats(proc)["judge0_stuck"] >= before.get("judge0_stuck", 0) + 1 or None, "judge0_stuck", 30)


def test_a_busy_queue_is_waited_for(workers, results, db, fresh_peer, producer):
    """In Queue behind others is not lost: not sent again while /workers shows a queue."""
    proc = workers.ensure("judge0", SOLVEIT_JUDGE0_STUCK_SECONDS="3")
    task = make_task(db, [("3 4\n", "7\n", 1, False)])
    fresh_peer.control("workers", {"state": "paused"})
    try:
        sid = submit(db, producer, task, 71, PY["AC"])
        queued_on_peer(fresh_peer, 1)
        wait_log(proc.log.read_text, r"Judge0 test 1 In Queue for 3 s behind 1 queued; waiting", alive=proc.alive)
    finally:
        fresh_peer.control("workers", {"state": "running"})
    r = results.wait_final(sid)
    assert (r["status"], r["verdict"]) == ("completed", "AC"), r
    assert peer_state(fresh_peer)["submissions"] == 1  # one token: never sent again
