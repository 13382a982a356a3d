"""Test data as bytes (issue 11, DESIGN.md §7) through the whole pipeline: httpd, judge-worker on the
local sandbox and result-sink. Inputs and answers are stored in blobs by SHA-256 (NUL bytes, invalid
UTF-8), the worker fetches them by hash into its local file cache (SOLVEIT_TEST_CACHE_DIR) and maps
them, Redis holds only the task's metadata, a damaged cache file is noticed and fetched again, and a
blob whose bytes do not match its hash fails the submission with a clear reason."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from confluent_kafka import Producer

from harness import WORKER
from polling import wait_final, wait_log
from services import Process
from test_judge_worker import PEER, PEER_TOKEN, Judge0Peer, Results
from test_judge_worker import submit as submit_message

pytestmark = pytest.mark.usefixtures("built_programs")

WAIT = 300
# The answer is the input reversed, compared byte for byte ('exact').
REVERSE = "import sys\nd = sys.stdin.buffer.read()\nsys.stdout.buffer.write(d[::-1])\n"
ECHO = "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n"
DIGEST = "import hashlib, sys\nprint(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())\n"
BINARY = [b"\x00\x01\xff\xfe\x80 binary \xc3\x28\n\x00", b"\xff\xff\xff" + b"\x00" * 5 + b"tail\r\n"]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def make_task(db, inputs, answers=None, checker="exact", **columns):
    """A task whose test i has inputs[i] and the answer answers[i] (the input reversed by default),
    written as blobs, never through the text columns; columns: more tasks columns. Returns the task id."""
    slug = "bin-%s" % uuid.uuid4().hex[:10]
    columns = dict({"slug": slug, "title": slug, "time_limit_ms": 5000, "memory_limit_kb": 262144,
                    "checker": checker}, **columns)
    task_id = db.execute("INSERT INTO tasks (%s) VALUES (%s) RETURNING id" % (
        ", ".join(columns), ", ".join(["%s"] * len(columns))), list(columns.values())).fetchone()[0]
    for i, data in enumerate(inputs):
        answer = answers[i] if answers else data[::-1]
        db.execute('INSERT INTO tests (task_id, "order", input_sha256, answer_sha256, weight) '
                   "VALUES (%s, %s, solveit_put_blob(%s), solveit_put_blob(%s), 1)", (task_id, i + 1, data, answer))
    return task_id


def judge(pipeline, db, task_id, code):
    """Submits code (Python 3) as a new student; returns the final row (status, verdict, error_message,
    test_results)."""
    r = pipeline.client(db, "bin").submit(task_id=task_id, language_id=71, code=code)
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    wait_final(db, [sid], WAIT)
    return db.execute("SELECT status, verdict, error_message, test_results FROM submissions WHERE id = %s",
                      (sid,)).fetchone()


def cache_dir(services):
    return Path(services.daemon_env()["SOLVEIT_TEST_CACHE_DIR"])


def cached_file(services, digest):
    return cache_dir(services) / digest[:2] / digest


# ---- Judge0 (first in this module: no other worker consumes while it runs) ----

AUTHZ = "peer-authz-%s" % uuid.uuid4().hex[:8]


class ListingPeer(Judge0Peer):
    """The Judge0 peer with an authorization token, so that GET /submissions lists what it was sent."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, str(PEER), "--port", "0", "--auth-token", PEER_TOKEN,
                                      "--authz-token", AUTHZ], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = "http://127.0.0.1:%d" % self.port


def judge0_limits(peer):
    """What the Judge0 peer was sent: [(cpu, wall, max_file_size, stdin bytes)] of every submission."""
    url = peer.url + "/submissions?base64_encoded=true&per_page=100&fields=cpu_time_limit,wall_time_limit," \
                     "max_file_size,stdin"
    req = urllib.request.Request(url, headers={"X-Auth-Token": PEER_TOKEN, "X-Auth-User": AUTHZ})
    with urllib.request.urlopen(req, timeout=10) as r:
        subs = json.loads(r.read())["submissions"]
    return [(float(s["cpu_time_limit"]), float(s["wall_time_limit"]), s["max_file_size"],
             base64.b64decode(s["stdin"] or "")) for s in subs]


def test_judge0_gets_the_task_limits_and_binary_input_and_refuses_interactive_tasks(services, db, tmp_path):
    # The program prints its input's SHA-256: the peer's sandbox CLI reports output as text, so binary
    # output is the local executor's to show (below); here the bytes must reach the program intact.
    limited = make_task(db, BINARY, answers=[(sha(d) + "\n").encode() for d in BINARY], time_limit_ms=1500,
                        wall_limit_ms=4000, output_limit_kb=2048, language_time_factors=json.dumps({"71": 2.0}))
    interactive = make_task(db, [b"1\n"], checker="interactive", validator_language_id=54,
                            validator_source="int main() { return 42; }\n")
    peer, results = ListingPeer(), Results(services.kafka.bootstrap)
    worker = Process("judge-worker-judge0", [WORKER, "--foreground"], tmp_path / "judge0-worker.log",
                     env=services.daemon_env(SOLVEIT_EXECUTOR="judge0", SOLVEIT_JUDGE0_URL=peer.url,
                                             SOLVEIT_JUDGE0_TOKEN=PEER_TOKEN)).start()
    producer = services.producer()
    try:
        wait_log(worker.log.read_text, "assigned", timeout=60, alive=worker.alive, name="the judge0 worker")
        r = results.wait_final(submit_message(db, producer, limited, 71, DIGEST))
        assert (r["status"], r["verdict"]) == ("completed", "AC"), json.dumps(r)
        # Python's factor 2 on the CPU and wall limits; the output limit; the bytes as they are
        assert sorted(judge0_limits(peer), key=lambda s: s[3]) == sorted(
            [(3.0, 8.0, 2048, data) for data in BINARY], key=lambda s: s[3])
        posts = len(peer.requests())
        r = results.wait_final(submit_message(db, producer, interactive, 71, REVERSE))
        assert r["status"] == "failed" and "interactive problems need the local executor" in r["error_message"], r
        assert not [q for q in peer.requests()[posts:] if q.get("method") == "POST"]  # nothing was sent
    finally:
        producer.flush(10)
        worker.stop()
        results.close()
        peer.close()


# ---- the local sandbox, through the whole pipeline ----

@pytest.fixture(scope="module")
def binary_task(services):
    import psycopg
    with psycopg.connect(services.pg.dsn, autocommit=True) as db:
        # tests 1 and 3 are the same bytes
        return make_task(db, [BINARY[0], BINARY[1], BINARY[0]])


def test_binary_tests_are_judged_byte_for_byte(services, db, pipeline, binary_task):
    status, verdict, error, results = judge(pipeline, db, binary_task, REVERSE)
    assert (status, verdict) == ("completed", "AC"), (error, results)
    assert [t["verdict"] for t in sorted(results, key=lambda t: t["order"])] == ["AC", "AC", "AC"], results
    status, verdict, error, results = judge(pipeline, db, binary_task, ECHO)
    assert (status, verdict) == ("completed", "WA"), (error, results)
    assert all(t["verdict"] == "WA" for t in results), results


def test_identical_tests_are_stored_and_cached_once(services, db, pipeline, binary_task):
    judge(pipeline, db, binary_task, REVERSE)
    rows = db.execute('SELECT input_sha256, answer_sha256, input, expected_output FROM tests WHERE task_id = %s '
                      'ORDER BY "order"', (binary_task,)).fetchall()
    assert rows[0][:2] == rows[2][:2] and rows[0][0] == sha(BINARY[0]) and rows[1][0] == sha(BINARY[1])
    assert all(r[2] == "" and r[3] == "" for r in rows)  # the bytes are in blobs only
    assert db.execute("SELECT count(*) FROM blobs WHERE sha256 = ANY(%s)",
                      ([sha(BINARY[0]), sha(BINARY[1])],)).fetchone()[0] == 2
    for data in BINARY:
        for digest in (sha(data), sha(data[::-1])):
            path = cached_file(services, digest)
            assert path.is_file(), path
            assert sha(path.read_bytes()) == digest
        assert len(list(cache_dir(services).glob("*/%s*" % sha(data)))) == 1


def test_redis_holds_the_metadata_but_no_test_bytes(services, db, pipeline, binary_task):
    judge(pipeline, db, binary_task, REVERSE)
    revision = db.execute("SELECT revision FROM tasks WHERE id = %s", (binary_task,)).fetchone()[0]
    value = services.redis.client().get("solveit:task:v3:%d:r%d" % (binary_task, revision))
    assert value is not None and value.startswith(b"sv1 ")  # signed (tests/integration/test_redis_trust.py)
    for data in BINARY:
        assert data not in value and data[::-1] not in value and b"binary" not in value
        assert sha(data).encode() in value and sha(data[::-1]).encode() in value
    cached = json.loads(value.split(b"\n", 1)[1])
    assert cached["format"] == 3 and cached["validator"] == "exact" and len(cached["tests"]) == 3
    assert set(cached["tests"][0]) == {"id", "order", "weight", "sample", "group", "name", "input", "answer"}


def test_a_damaged_cache_file_is_fetched_again(services, db, pipeline):
    data = os.urandom(32) + b"\x00\n"  # bytes no other test has: this test owns the cached file
    task_id = make_task(db, [data])
    assert judge(pipeline, db, task_id, REVERSE)[:2] == ("completed", "AC")
    path = cached_file(services, sha(data[::-1]))
    good = path.read_bytes()
    with open(path, "r+b") as f:  # same size, other bytes: only the hash tells
        f.write(b"X" * len(good))
    since = len(pipeline.worker.log.read_text())
    status, verdict, error, results = judge(pipeline, db, task_id, REVERSE)
    assert (status, verdict) == ("completed", "AC"), (error, results)
    wait_log(pipeline.worker.log.read_text, r"test cache: %s does not match its hash; fetching it again" % path,
             since=since, timeout=30)
    assert path.read_bytes() == good


def test_a_blob_that_does_not_match_its_hash_fails_clearly(services, db, pipeline):
    claimed = sha(os.urandom(32))
    db.execute("INSERT INTO blobs (sha256, size, content) VALUES (%s, 8, %s)", (claimed, b"tampered"))
    task_id = make_task(db, [b"1 2\n"])
    db.execute("UPDATE tests SET answer_sha256 = %s WHERE task_id = %s", (claimed, task_id))
    status, verdict, error, _ = judge(pipeline, db, task_id, REVERSE)
    assert status == "failed" and verdict is None, (status, verdict, error)
    assert "the stored bytes of test file %s hash to %s" % (claimed, sha(b"tampered")) in error, error
    assert not cached_file(services, claimed).exists()


def test_a_worker_without_a_usable_cache_directory_does_not_start(services, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for where, why in ((blocker, "Not a directory"), ("relative/dir", "is not an absolute path")):
        env = dict(os.environ, **services.daemon_env(SOLVEIT_TEST_CACHE_DIR=str(where)))
        r = subprocess.run([WORKER, "--foreground"], env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, r
        assert str(where) in r.stderr and why in r.stderr, r.stderr
