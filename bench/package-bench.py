"""The problem-package benchmark; run it through bench/package-bench.sh."""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from harness import SINK, WORKER, Stack, services  # noqa: E402
from polling import WaitTimeout, wait_for  # noqa: E402
from test_packages import ADMIN, PACKAGES, zip_package  # noqa: E402

# (package, the submission judged N times, what it is)
TASKS = [("dj_sum", "submissions/accepted/sum.c", "pass-fail, 6 tests, C, accepted (every test run)"),
         ("aggregations", "submissions/partially_accepted/start_zero.c",
          "scoring, 4 groups (sum/avg/min/max), 15 tests, C, partially accepted")]


def admin(*args, timeout=1800):
    t0 = time.monotonic()
    r = subprocess.run([str(ADMIN)] + [str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - t0
    if r.returncode != 0:
        raise SystemExit("solveit-admin %s failed (%d):\n%s%s" % (" ".join(map(str, args)), r.returncode, r.stdout,
                                                                   r.stderr))
    return r.stdout, elapsed


def generate_big_package(root, tests, size):
    """A pass-fail package with `tests` tests of `size` bytes of input each (random digits and spaces:
    the sum of the numbers is the answer)."""
    rnd = random.Random(1)
    (root / "data" / "secret").mkdir(parents=True)
    (root / "submissions" / "accepted").mkdir(parents=True)
    (root / "problem.yaml").write_text("name: Big Input\nvalidation: default\nlimits:\n  time_limit: 5\n")
    (root / "submissions" / "accepted" / "sum.py").write_text(
        "import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))\n")
    for i in range(tests):
        numbers = []
        length = 0
        while length < size - 8:
            n = rnd.randrange(10**6)
            numbers.append(n)
            length += len(str(n)) + 1
        text = " ".join(map(str, numbers))
        text += " " * (size - len(text) - 1) + "\n"
        (root / "data" / "secret" / ("%03d.in" % i)).write_text(text)
        (root / "data" / "secret" / ("%03d.ans" % i)).write_text("%d\n" % sum(numbers))
    return root


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--submissions", type=int, default=100, help="judged submissions per task (default 100)")
    ap.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--big-tests", type=int, default=100, help="tests of the generated package (default 100)")
    ap.add_argument("--big-size", type=int, default=1 << 20, help="bytes per test input (default 1 MiB)")
    args = ap.parse_args()
    if not ADMIN.exists():
        raise SystemExit("not built (run make): %s" % ADMIN)

    # The dev stack's durable settings (fsync on), as every figure of bench/ is taken.
    stack = Stack(durable=True).start()
    print("PostgreSQL: durable (fsync and synchronous_commit on)")
    procs = []
    try:
        env = stack.daemon_env(SOLVEIT_EXECUTOR="local", SOLVEIT_CONCURRENCY=str(args.concurrency))
        procs.append(services.Process("judge-worker", [WORKER, "--foreground"], stack.tmp / "judge-worker.log",
                                      env=env).start())
        procs.append(services.Process("result-sink", [SINK, "--foreground"], stack.tmp / "result-sink.log",
                                      env=env).start())
        db_args = ["--db", stack.pg.dsn]
        print("package benchmark: local executor, concurrency %d, %d CPUs" % (args.concurrency, os.cpu_count()))
        with psycopg.connect(stack.pg.dsn, autocommit=True) as db:
            user = db.execute("SELECT id FROM users WHERE username = 'student'").fetchone()[0]
            producer = stack.producer(**{"linger.ms": 5})

            def submit(task, lang, code, n):
                ids = [db.execute("INSERT INTO submissions (user_id, task_id, code, language_id) VALUES "
                                  "(%s, %s, %s, %s) RETURNING id", (user, task, code, lang)).fetchone()[0]
                       for _ in range(n)]
                for sid in ids:
                    producer.produce("code-submissions", key=str(sid), value=json.dumps(
                        {"submission_id": sid, "task_id": task, "user_id": user, "team_id": None, "code": code,
                         "language_id": lang, "timestamp": "2025-11-28T12:00:00Z", "attempt": 1}))
                producer.flush(30)
                return ids

            def finals(ids, timeout):
                def probe():
                    return db.execute("SELECT id, status, verdict, score FROM submissions WHERE id = ANY(%s) "
                                      "AND status IN ('completed', 'failed')", (ids,)).fetchall()
                try:
                    return wait_for(probe, "final results of %d submissions" % len(ids), timeout,
                                    until=lambda got: len(got) >= len(ids), interval=0.2)
                except WaitTimeout:
                    return probe()

            for name, sub, what in TASKS:
                out, took = admin("import", PACKAGES / name, "--slug", "bench-" + name.replace("_", "-"), "--json",
                                  *db_args)
                task = json.loads(out)["task_id"]
                code = (PACKAGES / name / sub).read_text()
                lang = 50
                # Warm-up: the first submission loads the task, its test files and the consumer group.
                warm = submit(task, lang, code, 1)
                if not finals(warm, 300):
                    raise SystemExit("the warm-up submission was never judged:\n" + procs[0].log.read_text()[-3000:])
                start = time.monotonic()
                ids = submit(task, lang, code, args.submissions)
                got = finals(ids, 3600)
                elapsed = time.monotonic() - start
                verdicts = {}
                for _, status, verdict, score in got:
                    key = "%s %s" % (verdict or status, score)
                    verdicts[key] = verdicts.get(key, 0) + 1
                print("  %s (%s), import %.2f s" % (name, what, took))
                print("    judged %d of %d in %.1f s: %.2f submissions/s; verdict and score: %s"
                      % (len(got), len(ids), elapsed, len(got) / elapsed if elapsed else 0, verdicts))

            big = generate_big_package(stack.tmp / "big-package", args.big_tests, args.big_size)
            blobs = db.execute("SELECT count(*), coalesce(sum(size), 0)::bigint FROM blobs").fetchone()
            _, first = admin("import", big, "--slug", "bench-big", "--json", *db_args)
            blobs2 = db.execute("SELECT count(*), coalesce(sum(size), 0)::bigint FROM blobs").fetchone()
            out, again = admin("import", big, "--slug", "bench-big", "--json", *db_args)
            revision = json.loads(out)["revision"]
            archive = zip_package(big, stack.tmp / "big-package.zip")
            _, zipped = admin("import", archive, "--slug", "bench-big-zip", "--json", *db_args)
            blobs3 = db.execute("SELECT count(*), coalesce(sum(size), 0)::bigint FROM blobs").fetchone()
            mb = args.big_tests * args.big_size / 1e6
            print("  import of a generated package, %d tests of %d bytes (%.0f MB of input):"
                  % (args.big_tests, args.big_size, mb))
            print("    directory, new task: %.2f s (%.1f MB/s); blobs +%d (+%.0f MB)"
                  % (first, mb / first, blobs2[0] - blobs[0], (blobs2[1] - blobs[1]) / 1e6))
            print("    same directory again (revision %d): %.2f s" % (revision, again))
            print("    as a zip (%.1f MB), another task: %.2f s; blobs +%d (identical files stored once)"
                  % (archive.stat().st_size / 1e6, zipped, blobs3[0] - blobs2[0]))
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(stack.tmp / "big-package", ignore_errors=True)
        stack.stop()


if __name__ == "__main__":
    main()
