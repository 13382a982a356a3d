"""The judge-worker benchmark; run it through bench/worker-bench.sh."""

import argparse
import json
import os
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg
from confluent_kafka import Consumer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from harness import WORKER, Stack, services  # noqa: E402
from polling import WaitTimeout, wait_for  # noqa: E402

SOURCE = '#include <stdio.h>\nint main(void){long long a,b;if(scanf("%lld %lld",&a,&b)!=2)return 1;' \
         'printf("%lld\\n",a+b);return 0;}\n'
TIMING = re.compile(r"submission (\d+) attempt \d+: timing total ([\d.]+) ms queued ([\d.]+) ms "
                    r"executor ([\d.]+) ms overhead ([\d.]+) ms")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def read_stats(path):
    return {k: int(v) for k, v in (line.split() for line in Path(path).read_text().splitlines() if line.strip())}


def table_scans(db, table):
    db.execute("SELECT pg_stat_clear_snapshot()")
    row = db.execute("SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = %s",
                     (table,)).fetchone()
    return row[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--submissions", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    stack = Stack().start()
    worker = None
    try:
        stats_file = stack.tmp / "worker.stats"
        env = stack.daemon_env(kafka_options=None, SOLVEIT_EXECUTOR="local", SOLVEIT_CONCURRENCY=str(args.concurrency),
                               SOLVEIT_STATS_FILE=str(stats_file), SOLVEIT_STATS_EVERY="0")
        worker = services.Process("judge-worker", [WORKER, "--foreground"], stack.tmp / "judge-worker.log",
                                  env=env).start()
        with psycopg.connect(stack.pg.dsn, autocommit=True) as db:
            task = db.execute("INSERT INTO tasks (slug, title) VALUES (%s, 'bench') RETURNING id",
                              ("bench-" + uuid.uuid4().hex[:8],)).fetchone()[0]
            for i in range(10):
                db.execute('INSERT INTO tests (task_id, "order", input, expected_output) VALUES (%s, %s, %s, %s)',
                           (task, i + 1, "%d %d\n" % (i, i * 7), "%d\n" % (i * 8)))
            user = db.execute("SELECT id FROM users WHERE username = 'student'").fetchone()[0]
            producer = stack.producer(**{"linger.ms": 5})
            consumer = Consumer({"bootstrap.servers": stack.kafka.bootstrap, "group.id": "bench-" + uuid.uuid4().hex,
                                 "auto.offset.reset": "earliest"})
            consumer.subscribe(["code-results"])

            def insert(n):
                # The rows come first, as the module writes them; done before the measured run so that
                # the scans counted below are the worker's alone (an INSERT checks its task's key).
                return [db.execute("INSERT INTO submissions (user_id, task_id, code, language_id) VALUES "
                                   "(%s, %s, %s, 50) RETURNING id", (user, task, SOURCE)).fetchone()[0]
                        for _ in range(n)]

            def submit(ids):
                for sid in ids:
                    producer.produce("code-submissions", key=str(sid), value=json.dumps(
                        {"submission_id": sid, "task_id": task, "user_id": user, "team_id": None, "code": SOURCE,
                         "language_id": 50, "timestamp": "2025-11-28T12:00:00Z", "attempt": 1}))
                producer.flush(30)
                return set(ids)

            def wait_finals(ids, timeout=1800):
                """The final results of ids as they come; those that came if not all did within timeout."""
                finals = {}

                def more():
                    m = consumer.poll(0.5)  # the wait itself: no sleep between polls
                    if m is not None and not m.error():
                        body = json.loads(m.value())
                        if body.get("submission_id") in ids and body["status"] in ("completed", "failed"):
                            finals[body["submission_id"]] = body
                    return finals
                try:
                    wait_for(more, "final results of %d submissions" % len(ids), timeout,
                             until=lambda got: len(got) >= len(ids), interval=0)
                except WaitTimeout:
                    pass
                return finals

            # Warm-up: the first submission loads the task into Redis (and waits out the group join).
            warm = submit(insert(1))
            rows = insert(args.submissions)
            assert wait_finals(warm, 300), "the warm-up submission was never judged:\n" + worker.log.read_text()[-3000:]
            # The stats file is rewritten every second; an idle backend flushes its pg_stat counters
            # within 10 s (PGSTAT_IDLE_INTERVAL), so the warm-up's own query is counted before the run.
            time.sleep(11)
            before, scans_tests, scans_tasks = read_stats(stats_file), table_scans(db, "tests"), table_scans(db, "tasks")

            start = time.monotonic()
            ids = submit(rows)
            finals = wait_finals(ids)
            elapsed = time.monotonic() - start
            time.sleep(11)
            after = read_stats(stats_file)
            scans_tests2, scans_tasks2 = table_scans(db, "tests"), table_scans(db, "tasks")
            consumer.close()

        verdicts = {}
        for f in finals.values():
            verdicts[f.get("verdict") or f["status"]] = verdicts.get(f.get("verdict") or f["status"], 0) + 1
        timings = [tuple(float(x) for x in m.groups()[1:]) for m in TIMING.finditer(worker.log.read_text())
                   if int(m.group(1)) in ids]
        overhead = [t[3] for t in timings]
        executor = [t[2] for t in timings]
        total = [t[0] for t in timings]
        print("judge-worker benchmark: %d submissions of a 10-test C program (task %d), local executor, "
              "concurrency %d, %d CPUs" % (args.submissions, task, args.concurrency, os.cpu_count()))
        print("  judged: %d of %d, verdicts %s" % (len(finals), len(ids), verdicts))
        print("  throughput: %.2f submissions/s (%.1f s from first produce to last final result)"
              % (len(finals) / elapsed, elapsed))
        if overhead:
            print("  worker overhead (consumed -> final delivered, minus executor and queue wait): "
                  "median %.2f ms, p99 %.2f ms, max %.2f ms" % (statistics.median(overhead), pct(overhead, 99),
                                                                max(overhead)))
            print("  executor (compile + 10 runs in the sandbox): median %.1f ms, p99 %.1f ms"
                  % (statistics.median(executor), pct(executor, 99)))
            print("  consumed -> delivered incl. queue wait: median %.1f ms, p99 %.1f ms"
                  % (statistics.median(total), pct(total, 99)))
        print("  warm cache: cache_hits +%d, cache_misses +%d, db_task_loads +%d (task+tests queries), "
              "db_revision_scans +%d (one per second, not per submission)"
              % (after["cache_hits"] - before["cache_hits"], after["cache_misses"] - before["cache_misses"],
                 after["db_task_loads"] - before["db_task_loads"],
                 after["db_revision_scans"] - before["db_revision_scans"]))
        print("  pg_stat_user_tables scans during the run: tests +%d, tasks +%d (the watcher's)"
              % (scans_tests2 - scans_tests, scans_tasks2 - scans_tasks))
    finally:
        if worker:
            worker.stop()
        stack.stop()


if __name__ == "__main__":
    main()
