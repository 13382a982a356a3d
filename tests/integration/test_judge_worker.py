"""judge-worker (issue 5) against the real services: PostgreSQL, Redis, the embedded Kafka broker, the
local sandbox and the Judge0 peer (tests/peers/judge0_peer.py, which runs programs through the sandbox
CLI). Submissions are inserted into PostgreSQL first and produced to code-submissions as the module
would; results are read back from code-results.

Run: /usr/bin/python3 -m pytest tests/integration -k judge_worker
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer

from harness import REPO, WORKER, services  # noqa: F401
from polling import wait_for, wait_log

PEER = REPO / "tests" / "peers" / "judge0_peer.py"
PEER_TOKEN = "peer-token-%s" % uuid.uuid4().hex[:8]
WAIT = 120  # seconds any one judgement may take on a busy 2-core machine before a test gives up

pytestmark = pytest.mark.usefixtures("built_programs")

# ---- programs: one per verdict and language ----

C = {
    "AC": '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n',
    "WA": '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b+1);return 0;}\n',
    "PA": '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);'
          'printf("%lld\\n",a<1000?a+b:0);return 0;}\n',
    "RE": '#include <stdio.h>\nint main(void){volatile int *p=0;long long a,b;scanf("%lld %lld",&a,&b);*p=1;'
          'printf("%lld\\n",a+b);return 0;}\n',
    "CE": 'int main(void) { this is not C; }\n',
    "TLE": 'int main(void){volatile unsigned long n=0;for(;;)n++;return 0;}\n',
    "MLE": '#include <stdlib.h>\n#include <string.h>\nint main(void){for(;;){char*p=malloc(1<<20);'
           'if(!p)return 3;memset(p,1,1<<20);}}\n',
    "OLE": '#include <stdio.h>\nint main(void){for(;;)fputs("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\\n",stdout);}\n',
}
CPP = {
    "AC": '#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
    "WA": '#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a-b<<"\\n";}\n',
    "PA": '#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<(a<1000?a+b:0)<<"\\n";}\n',
    "RE": '#include <iostream>\n#include <stdexcept>\nint main(){long long a,b;std::cin>>a>>b;'
          'throw std::runtime_error("boom");}\n',
    "CE": '#include <iostream>\nint main(){ std::cout << undeclared_thing; }\n',
    "TLE": 'int main(){volatile unsigned long n=0;for(;;)n=n+1;}\n',
    "MLE": '#include <vector>\n#include <cstring>\nint main(){std::vector<char*> v;for(;;){char*p=new char[1<<20];'
           'std::memset(p,1,1<<20);v.push_back(p);}}\n',
    "OLE": '#include <cstdio>\nint main(){for(;;)std::fputs("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\\n",stdout);}\n',
}
PY = {
    "AC": 'a, b = map(int, input().split())\nprint(a + b)\n',
    "WA": 'a, b = map(int, input().split())\nprint(a + b + 2)\n',
    "PA": 'a, b = map(int, input().split())\nprint(a + b if a < 1000 else 0)\n',
    "RE": 'a, b = map(int, input().split())\nraise SystemExit(a // (b - b))\n',
    # Python's compile step is a syntax check (in the sandbox, which the Judge0 peer runs too): a CE.
    "CE": 'def main(:\n    pass\n',
    "TLE": 'while True:\n    pass\n',
    "MLE": 'keep = []\nwhile True:\n    keep.append(bytearray(1 << 20))\n',
    "OLE": 'import sys\nwhile True:\n    sys.stdout.write("y" * 1000 + "\\n")\n',
}
JAVA = {
    "AC": 'import java.util.*;\npublic class Main { public static void main(String[] x) {'
          ' Scanner s = new Scanner(System.in); long a = s.nextLong(), b = s.nextLong();'
          ' System.out.println(a + b); } }\n',
    "WA": 'import java.util.*;\npublic class Main { public static void main(String[] x) {'
          ' Scanner s = new Scanner(System.in); long a = s.nextLong(), b = s.nextLong();'
          ' System.out.println(a + b + 7); } }\n',
    "PA": 'import java.util.*;\npublic class Main { public static void main(String[] x) {'
          ' Scanner s = new Scanner(System.in); long a = s.nextLong(), b = s.nextLong();'
          ' System.out.println(a < 1000 ? a + b : 0); } }\n',
    "RE": 'public class Main { public static void main(String[] x) { int[] a = new int[1];'
          ' System.out.println(a[x.length + 5]); } }\n',
    "CE": 'public class Main { public static void main(String[] x) { int y = "text"; } }\n',
    "TLE": 'public class Main { public static void main(String[] x) { long n = 0;'
           ' while (n >= 0) { n = (n + 1) % 1000; } } }\n',
    "MLE": 'import java.util.*;\npublic class Main { public static void main(String[] x) {'
           ' List<byte[]> keep = new ArrayList<>(); for (;;) { byte[] b = new byte[1 << 20];'
           ' for (int i = 0; i < b.length; i += 4096) b[i] = 1; keep.add(b); } } }\n',
    "OLE": 'public class Main { public static void main(String[] x) { StringBuilder sb = new StringBuilder();'
           ' for (int i = 0; i < 100; i++) sb.append("yyyyyyyyyy"); String s = sb.toString();'
           ' for (;;) System.out.println(s); } }\n',
}
LANGUAGES = {50: C, 54: CPP, 71: PY, 62: JAVA}
EXPECTED_CE = {50: "CE", 54: "CE", 71: "CE", 62: "CE"}


# ---- helpers ----

class Results:
    """Every message of code-results and code-submissions-dead, read by one consumer thread."""

    def __init__(self, bootstrap):
        self.cond = threading.Condition()
        self.by_submission = {}
        self.dead = []
        self.stop = False
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "judge-worker-tests-%s" % uuid.uuid4(),
                                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
        self.consumer.subscribe(["code-results", "code-submissions-dead"])
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            m = self.consumer.poll(0.2)
            if m is None or m.error():
                continue
            with self.cond:
                if m.topic() == "code-submissions-dead":
                    headers = dict((k, v.decode() if v else "") for k, v in (m.headers() or []))
                    self.dead.append({"value": m.value(), "headers": headers})
                else:
                    # Other tests of the session send malformed records too: no value, not JSON, not an object.
                    try:
                        body = json.loads(m.value())
                    except (TypeError, ValueError):
                        continue
                    if not isinstance(body, dict):
                        continue
                    body["_key"] = m.key().decode() if m.key() else None
                    self.by_submission.setdefault(body.get("submission_id"), []).append(body)
                self.cond.notify_all()

    def close(self):
        self.stop = True
        self.thread.join()
        self.consumer.close()

    def events(self, sid):
        with self.cond:
            return list(self.by_submission.get(sid, []))

    def finals(self, sid, attempt=None):
        return [e for e in self.events(sid) if e["status"] in ("completed", "failed")
                and (attempt is None or e.get("attempt") == attempt)]

    def wait_final(self, sid, timeout=WAIT):
        return wait_for(lambda: (self.finals(sid) or [None])[0], "a final result for submission %s" % sid, timeout)

    def wait_event(self, sid, predicate, timeout=WAIT, what="an event"):
        return wait_for(lambda: next((e for e in self.events(sid) if predicate(e)), None),
                        "%s for submission %s" % (what, sid), timeout)

    def wait_dead(self, predicate, timeout=WAIT):
        def find():
            with self.cond:
                return next((d for d in self.dead if predicate(d)), None)
        return wait_for(find, "a dead letter", timeout)


class Judge0Peer:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, str(PEER), "--port", "0", "--auth-token", PEER_TOKEN],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = "http://127.0.0.1:%d" % self.port

    def control(self, what, body=None):
        req = urllib.request.Request(self.url + "/_peer/" + what, data=json.dumps(body or {}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()

    def requests(self):
        with urllib.request.urlopen(self.url + "/_peer/requests", timeout=10) as r:
            return json.loads(r.read())

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


class Workers:
    """At most one judge-worker at a time (they share the consumer group): ensure() restarts it when
    the wanted settings differ from the running one's."""

    def __init__(self, stack, peer, tmp):
        self.stack = stack
        self.peer = peer
        self.tmp = Path(tmp)
        self.proc = None
        self.key = None
        self.count = 0

    def env(self, executor, extra):
        env = self.stack.daemon_env(
            SOLVEIT_EXECUTOR=executor, SOLVEIT_JUDGE0_URL=self.peer.url, SOLVEIT_JUDGE0_TOKEN=PEER_TOKEN,
            SOLVEIT_REVISION_POLL_MS="200", SOLVEIT_CONCURRENCY="2", SOLVEIT_SHUTDOWN_GRACE="30",
            # Judge0 checked at start only: a periodic check would take a fault meant for a judgement.
            SOLVEIT_JUDGE0_CHECK_INTERVAL="3600")
        env.update(extra)
        return env

    def ensure(self, executor="local", **extra):
        key = (executor, tuple(sorted(extra.items())))
        if self.proc and self.proc.alive() and self.key == key:
            return self.proc
        self.stop()
        self.count += 1
        name = "judge-worker-%d" % self.count
        stats = self.tmp / (name + ".stats")
        env = self.env(executor, dict(extra, SOLVEIT_STATS_FILE=str(stats)))
        # e.g. SOLVEIT_TEST_WORKER_WRAPPER="valgrind --error-exitcode=99 --leak-check=full" for a memory check
        wrapper = os.environ.get("SOLVEIT_TEST_WORKER_WRAPPER", "").split()
        proc = services.Process(name, wrapper + [WORKER, "--foreground", "--log-level", "debug"],
                                self.tmp / (name + ".log"), env=env)
        proc.stats_path = stats
        proc.start()
        wait_log(proc.log.read_text, "assigned", timeout=60, alive=proc.alive, name=name)
        assert proc.alive(), proc.log.read_text()
        self.proc, self.key = proc, key
        return proc

    def stop(self):
        if self.proc:
            self.proc.stop(60)
        self.proc = self.key = None

    def forget(self):
        """The caller killed or stopped the worker itself."""
        self.proc = self.key = None


def stats(proc):
    """The worker's counters, from its stats file (rewritten every second)."""
    def read():
        try:
            text = proc.stats_path.read_text()
        except OSError:
            return None
        return {k: int(v) for k, v in (line.split() for line in text.splitlines() if line.strip())}
    return wait_for(read, "the stats file", 30)


def fresh_stats(proc, after):
    """Counters written after the moment `after` (time.time())."""
    def read():
        if proc.stats_path.exists() and proc.stats_path.stat().st_mtime > after:
            return stats(proc)
        return None
    return wait_for(read, "a stats file update", 30)


# ---- fixtures ----

@pytest.fixture(scope="module")
def results(services):
    r = Results(services.kafka.bootstrap)
    yield r
    r.close()


@pytest.fixture(scope="module")
def peer():
    p = Judge0Peer()
    yield p
    p.close()


@pytest.fixture(scope="module")
def workers(services, peer, tmp_path_factory):
    w = Workers(services, peer, tmp_path_factory.mktemp("judge-worker"))
    yield w
    w.stop()


@pytest.fixture
def producer(services):
    p = services.producer()
    yield p
    p.flush(10)


def make_task(db, tests, time_limit_ms=5000, memory_limit_kb=262144, checker="default"):
    """tests: [(input, expected, weight, is_sample)]; returns the task id."""
    slug = "w-%s" % uuid.uuid4().hex[:12]
    task_id = db.execute("INSERT INTO tasks (slug, title, time_limit_ms, memory_limit_kb, checker) "
                         "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                         (slug, slug, time_limit_ms, memory_limit_kb, checker)).fetchone()[0]
    for i, (inp, exp, weight, sample) in enumerate(tests, 1):
        db.execute('INSERT INTO tests (task_id, "order", input, expected_output, weight, is_sample) '
                   "VALUES (%s, %s, %s, %s, %s, %s)", (task_id, i, inp, exp, weight, sample))
    return task_id


def submit(db, producer, task_id, language_id, code, attempt=1, raw=None):
    """Inserts the submission row, then produces its message; returns the submission id."""
    sid, user_id = db.execute("INSERT INTO submissions (user_id, task_id, code, language_id, attempt) VALUES "
                              "((SELECT id FROM users WHERE username = 'student'), %s, %s, %s, %s) "
                              "RETURNING id, user_id", (task_id, code, language_id, attempt)).fetchone()
    msg = {"submission_id": sid, "task_id": task_id, "user_id": user_id, "team_id": None, "code": code,
           "language_id": language_id, "timestamp": "2025-11-28T12:00:00Z", "attempt": attempt}
    if raw is not None:
        msg = raw(msg)
    producer.produce("code-submissions", key=str(sid), value=msg if isinstance(msg, (bytes, str)) else json.dumps(msg))
    producer.flush(10)
    return sid


def produce_raw(producer, value, key=None):
    producer.produce("code-submissions", key=key, value=value)
    producer.flush(10)


SUM_TESTS = [("1 2\n", "3\n", 1, True), ("10 20\n", "30\n", 2, False),
             ("1000000000000 1\n", "1000000000001\n", 3, False)]


@pytest.fixture(scope="module")
def verdict_tasks(services):
    import psycopg
    with psycopg.connect(services.pg.dsn, autocommit=True) as db:
        return {
            "sum": make_task(db, SUM_TESTS),
            "TLE": make_task(db, [("1 2\n", "3\n", 1, False)], time_limit_ms=1000),
            "MLE": make_task(db, [("1 2\n", "3\n", 1, False)], memory_limit_kb=131072),
            "OLE": make_task(db, [("1 2\n", "3\n", 1, False)]),
        }


# ---- tests ----

def test_judge_worker_help_and_bad_settings():
    out = subprocess.run([WORKER, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    for name in ("SOLVEIT_KAFKA_BROKERS", "SOLVEIT_DB", "SOLVEIT_REDIS", "SOLVEIT_EXECUTOR", "SOLVEIT_CONCURRENCY",
                 "SOLVEIT_JUDGE0_URL", "SOLVEIT_CACHE_TTL", "--stats-file"):
        assert name in out.stdout
    bad = subprocess.run([WORKER], env=dict(os.environ, SOLVEIT_EXECUTOR="docker"), capture_output=True, text=True,
                         timeout=10)
    assert bad.returncode == 1
    assert "SOLVEIT_EXECUTOR" in bad.stderr and "docker" in bad.stderr
    bad = subprocess.run([WORKER, "--concurrency", "many"], capture_output=True, text=True, timeout=10)
    assert bad.returncode == 1 and "--concurrency" in bad.stderr


@pytest.mark.parametrize("executor", ["local", "judge0"])
@pytest.mark.parametrize("language", [50, 54, 71, 62], ids=["c", "cpp", "python", "java"])
def test_judge_worker_verdicts(workers, results, db, producer, verdict_tasks, executor, language):
    workers.ensure(executor)
    programs = dict(LANGUAGES[language])
    if executor == "judge0":
        del programs["OLE"]  # see test_judge_worker_judge0_output_limit
    sids = {}
    for verdict, code in programs.items():
        task = verdict_tasks[verdict] if verdict in ("TLE", "MLE", "OLE") else verdict_tasks["sum"]
        sids[verdict] = submit(db, producer, task, language, code)
    got = {v: results.wait_final(sid) for v, sid in sids.items()}
    summary = {v: (r["status"], r.get("verdict"), r.get("score")) for v, r in got.items()}
    expected = {"AC": ("completed", "AC", 100), "WA": ("completed", "WA", 0), "PA": ("completed", "PA", 50),
                "RE": ("completed", "RE", 0), "CE": ("completed", EXPECTED_CE[language], 0),
                "TLE": ("completed", "TLE", 0), "MLE": ("completed", "MLE", 0), "OLE": ("completed", "OLE", 0)}
    expected = {v: expected[v] for v in programs}
    assert summary == expected, json.dumps(got, indent=1)[:6000]

    ac = got["AC"]
    assert (ac["passed_tests"], ac["total_tests"], ac["attempt"]) == (3, 3, 1)
    assert ac["_key"] == str(sids["AC"])
    assert [t["verdict"] for t in ac["test_results"]] == ["AC", "AC", "AC"]
    sample = ac["test_results"][0]
    assert sample["is_sample"] and sample["actual"].strip() == "3" and sample["input"] == "1 2\n"
    assert "input" not in ac["test_results"][1]  # hidden tests show no data
    assert all(t["time"] >= 0 and t["memory"] >= 0 for t in ac["test_results"])
    pa = got["PA"]
    assert [t["verdict"] for t in pa["test_results"]] == ["AC", "AC", "WA"] and pa["passed_tests"] == 2
    if EXPECTED_CE[language] == "CE":
        assert got["CE"]["compiler_output"].strip(), got["CE"]
        assert got["CE"]["test_results"] == []
    # progress: started (0 of 3), then test k of 3 as they finished, all before the final
    events = results.events(sids["AC"])
    progress = [e["tests_done"] for e in events if e["status"] == "processing"]
    assert progress == [0, 1, 2, 3], events
    assert events[-1]["status"] == "completed"


@pytest.mark.parametrize("language", [50, 71], ids=["c", "python"])
def test_judge_worker_judge0_output_limit(workers, results, db, producer, verdict_tasks, language):
    workers.ensure("judge0")
    r = results.wait_final(submit(db, producer, verdict_tasks["OLE"], language, LANGUAGES[language]["OLE"]))
    assert (r["status"], r["verdict"]) == ("completed", "OLE"), r


def test_judge_worker_cache_hit_then_no_stale_tests(workers, results, db, producer):
    proc = workers.ensure("local")
    task = make_task(db, [("4 5\n", "9\n", 1, False), ("7 7\n", "14\n", 1, False)])
    before = stats(proc)
    first = results.wait_final(submit(db, producer, task, 50, C["AC"]))
    assert first["verdict"] == "AC"
    mid = fresh_stats(proc, time.time())
    assert mid["cache_misses"] == before["cache_misses"] + 1
    loads = mid["db_task_loads"]

    second = results.wait_final(submit(db, producer, task, 50, C["AC"]))
    assert second["verdict"] == "AC"
    after = fresh_stats(proc, time.time())
    assert after["cache_hits"] == mid["cache_hits"] + 1
    assert after["db_task_loads"] == loads  # warm cache: no task query on PostgreSQL

    # Change a test: the schema bumps the revision; once the worker has seen it, the new test is used.
    rev = db.execute("SELECT revision FROM tasks WHERE id = %s", (task,)).fetchone()[0]
    db.execute('UPDATE tests SET input = %s, expected_output = %s WHERE task_id = %s AND "order" = 2',
               ("7 8\n", "16\n", task))
    new_rev = db.execute("SELECT revision FROM tasks WHERE id = %s", (task,)).fetchone()[0]
    assert new_rev > rev
    wait_log(proc.log.read_text, r"task %d: revision %d -> %d" % (task, rev, new_rev), timeout=30, name=proc.name)
    third = results.wait_final(submit(db, producer, task, 50, C["AC"]))
    assert third["verdict"] == "PA" and third["passed_tests"] == 1, third  # 7+8 is 15, not 16: new test used
    final = fresh_stats(proc, time.time())
    assert final["db_task_loads"] == loads + 1 and final["cache_misses"] == after["cache_misses"] + 1


def test_judge_worker_message_revision_beats_the_watcher(workers, results, db, producer):
    """A submission made after a change to the tests carries the new revision: the worker must not
    judge it on cached tests, even before its once-a-while revision scan has seen the change."""
    workers.ensure("local", SOLVEIT_REVISION_POLL_MS="600000")
    task = make_task(db, [("4 5\n", "9\n", 1, False), ("7 7\n", "14\n", 1, False)])
    rev = db.execute("SELECT revision FROM tasks WHERE id = %s", (task,)).fetchone()[0]
    with_revision = lambda r: (lambda m: dict(m, task_revision=r))
    assert results.wait_final(submit(db, producer, task, 50, C["AC"], raw=with_revision(rev)))["verdict"] == "AC"
    assert results.wait_final(submit(db, producer, task, 50, C["AC"], raw=with_revision(rev)))["verdict"] == "AC"
    db.execute('UPDATE tests SET input = %s, expected_output = %s WHERE task_id = %s AND "order" = 2',
               ("7 8\n", "16\n", task))
    new_rev = db.execute("SELECT revision FROM tasks WHERE id = %s", (task,)).fetchone()[0]
    after = results.wait_final(submit(db, producer, task, 50, C["AC"], raw=with_revision(new_rev)))
    assert after["verdict"] == "PA" and after["passed_tests"] == 1, after  # judged on the changed test


def test_judge_worker_redis_stopped_mid_run(services, workers, results, db, producer):
    proc = workers.ensure("local")
    task = make_task(db, [("2 2\n", "4\n", 1, False)])
    assert results.wait_final(submit(db, producer, task, 50, C["AC"]))["verdict"] == "AC"
    services.redis.stop()
    try:
        sid = submit(db, producer, task, 50, C["AC"])
        r = results.wait_final(sid)
        assert (r["status"], r["verdict"]) == ("completed", "AC")
        assert fresh_stats(proc, time.time())["cache_errors"] >= 1
        assert re.search(r"Redis /\S+/redis\.sock: .*task data comes from PostgreSQL", proc.log.read_text())
    finally:
        services.redis.start()
    # Redis is retried after a back-off and used again.
    hits = stats(proc)["cache_hits"]

    def hit_again():
        results.wait_final(submit(db, producer, task, 50, C["AC"]))
        return fresh_stats(proc, time.time())["cache_hits"] > hits or None
    wait_for(hit_again, "a cache hit after Redis came back", 90)
    assert "Redis %s is back" % services.redis.address in proc.log.read_text() and "is back" in proc.log.read_text()


def test_judge_worker_redis_slow_is_bypassed(services, workers, results, db, producer):
    proc = workers.ensure("local")
    task = make_task(db, [("2 3\n", "5\n", 1, False)])
    assert results.wait_final(submit(db, producer, task, 50, C["AC"]))["verdict"] == "AC"
    errors = fresh_stats(proc, time.time())["cache_errors"]
    os.kill(services.redis.pid, signal.SIGSTOP)  # connected, but answers nothing: slower than the timeout
    try:
        r = results.wait_final(submit(db, producer, task, 50, C["AC"]))
        assert (r["status"], r["verdict"]) == ("completed", "AC")
        assert fresh_stats(proc, time.time())["cache_errors"] > errors
    finally:
        os.kill(services.redis.pid, signal.SIGCONT)
    log = proc.log.read_text()
    assert re.search(r"Redis /\S+/redis\.sock: GET failed \(.+\); task data comes from PostgreSQL", log), log[-2000:]


def test_judge_worker_judge0_503_then_recovers(workers, results, db, producer, peer):
    proc = workers.ensure("judge0")
    task = make_task(db, [("3 4\n", "7\n", 1, True), ("5 5\n", "10\n", 1, False)])
    peer.control("mode", {"mode": "503", "count": 3})
    try:
        r = results.wait_final(submit(db, producer, task, 71, PY["AC"]))
    finally:
        peer.control("mode", {"mode": "normal"})
    assert (r["status"], r["verdict"], r["score"]) == ("completed", "AC", 100), r
    # The stats file is rewritten once a second: wait for the count rather than read it once.
    wait_for(lambda: stats(proc)["judge0_retries"] >= 3 or None, "judge0_retries to reach 3", 30)
    assert "Judge0 answered HTTP 503" in proc.log.read_text()
    seen = peer.requests()
    posts = [q for q in seen if q.get("method") == "POST" and q.get("path", "").startswith("/submissions/batch")]
    assert posts and all("base64_encoded=true" in q.get("query", "") for q in posts), posts
    polls = [q for q in seen if q.get("method") == "GET" and q.get("path", "").startswith("/submissions/batch")]
    assert polls and all("base64_encoded=true" in q.get("query", "") for q in polls), polls
    assert all(q["auth"] for q in posts + polls)  # X-Auth-Token on every request


def test_judge_worker_judge0_stall_and_garbage_are_retried(workers, results, db, producer, peer):
    proc = workers.ensure("judge0", SOLVEIT_JUDGE0_TIMEOUT_MS="1500")
    task = make_task(db, [("3 4\n", "7\n", 1, False)])
    peer.control("mode", {"mode": "stall", "count": 1})
    r = results.wait_final(submit(db, producer, task, 71, PY["AC"]))
    assert (r["status"], r["verdict"]) == ("completed", "AC"), r
    assert "Judge0 unreachable" in proc.log.read_text()  # the stalled request timed out and was retried
    peer.control("mode", {"mode": "garbage", "count": 1})
    r = results.wait_final(submit(db, producer, task, 71, PY["AC"]))
    assert (r["status"], r["verdict"]) == ("completed", "AC"), r
    assert "not JSON" in proc.log.read_text()


# A wrong token (the worker exits at start) and Judge0 down beyond the retry budget (the submission
# waits, never failed): test_judge0_outages.py.


def test_judge_worker_judge0_422_is_a_clear_error(workers, results, db, producer):
    workers.ensure("judge0")
    task = make_task(db, [("3 4\n", "7\n", 1, False)])
    # 89 "Multi-file program" takes no source_code: Judge0 answers 422.
    r = results.wait_final(submit(db, producer, task, 89, "echo hi\n"))
    assert r["status"] == "failed"
    assert r["error_message"].startswith("Judge0 rejected the submission"), r
    assert "source_code" in r["error_message"] or "additional_files" in r["error_message"], r


def test_judge_worker_bad_messages(workers, results, db, producer):
    proc = workers.ensure("local", SOLVEIT_MAX_CODE_BYTES="2000")
    good_task = make_task(db, [("1 1\n", "2\n", 1, False)])
    marker = uuid.uuid4().hex
    produce_raw(producer, "this is not json " + marker, key="x-" + marker)
    produce_raw(producer, json.dumps({"task_id": good_task, "code": "x", "marker": marker}))
    missing_code = submit(db, producer, good_task, 50, "", raw=lambda m: {k: v for k, v in m.items() if k != "code"})
    unknown_task = submit(db, producer, good_task, 50, C["AC"], raw=lambda m: dict(m, task_id=987654321))
    unknown_lang = submit(db, producer, good_task, 12, C["AC"])
    oversized = submit(db, producer, good_task, 50, C["AC"] + "/*" + "x" * 3000 + "*/\n")
    good = submit(db, producer, good_task, 50, C["AC"])

    dead = results.wait_dead(lambda d: marker.encode() in d["value"] and d["value"].startswith(b"this is"))
    assert "JSON" in dead["headers"].get("solveit-error", "")
    dead = results.wait_dead(lambda d: marker.encode() in d["value"] and d["value"].startswith(b"{"))
    assert "submission_id" in dead["headers"].get("solveit-error", "")
    for sid, words in ((missing_code, 'missing field "code"'), (unknown_lang, "language 12"),
                       (oversized, "more than this judge's limit of 2000 bytes")):
        r = results.wait_final(sid)
        assert r["status"] == "failed" and words in r["error_message"], r
    # A task other than the stored submission's (issue 14): set aside, never judged, no result.
    dead = results.wait_dead(lambda d: d["value"].startswith(b'{"submission_id": %d,' % unknown_task))
    assert ("does not match the stored submission %d (task 987654321 (stored: %d))" % (unknown_task, good_task)
            in dead["headers"]["solveit-error"]), dead
    assert results.wait_final(good)["verdict"] == "AC"  # nothing stalled behind the bad ones
    assert not results.events(unknown_task)
    log = proc.log.read_text()
    assert "sent to code-submissions-dead" in log
    assert proc.alive()


def slow_task(db, tests=4):
    return make_task(db, [("%d 1\n" % i, "%d\n" % (i + 1), 1, False) for i in range(tests)], time_limit_ms=3000)


SLOW_PY = 'import time\na, b = map(int, input().split())\ntime.sleep(1.2)\nprint(a + b)\n'


def test_judge_worker_kill9_mid_judgement_then_restart(workers, results, db, producer):
    proc = workers.ensure("local", SOLVEIT_CONCURRENCY="1")
    task = slow_task(db)
    sid = submit(db, producer, task, 71, SLOW_PY)
    results.wait_event(sid, lambda e: e["status"] == "processing" and e["tests_done"] >= 1, what="test 1 done")
    assert not results.finals(sid)
    proc.kill()  # SIGKILL
    workers.forget()
    workers.ensure("local", SOLVEIT_CONCURRENCY="1")
    final = results.wait_final(sid)
    assert (final["status"], final["verdict"], final["attempt"]) == ("completed", "AC", 1), final
    # A later submission behind it on the same worker is judged too; by then any duplicate would be there.
    later = submit(db, producer, task, 71, PY["AC"])
    assert results.wait_final(later)["verdict"] == "AC"
    assert len(results.finals(sid, attempt=1)) == 1, results.finals(sid)


def test_judge_worker_sigterm_finishes_in_flight(workers, results, db, producer):
    proc = workers.ensure("local", SOLVEIT_CONCURRENCY="1")
    task = slow_task(db, tests=3)
    sid = submit(db, producer, task, 71, SLOW_PY)
    results.wait_event(sid, lambda e: e["status"] == "processing" and e["tests_done"] >= 1, what="test 1 done")
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.proc.wait(60) == 0, proc.log.read_text()[-3000:]
    workers.forget()
    final = results.wait_final(sid, timeout=10)
    assert (final["status"], final["verdict"]) == ("completed", "AC")
    log = proc.log.read_text()
    assert "stopping: no more work taken" in log and "judge-worker stopped" in log
    assert "given back" not in log
