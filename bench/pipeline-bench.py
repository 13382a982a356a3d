#!/usr/bin/python3
"""Pipeline benchmark (issue 6; never part of the test run): figures only.

Starts its own stack through the integration harness (PostgreSQL, Redis, the embedded Kafka broker,
httpd with mod_solveit, judge-worker on the local sandbox, result-sink), then:

  1. light load: submits LIGHT trivial programs one at a time, each after the previous is final,
     and prints the submit-to-final latency and the pipeline's own share of it (latency minus the
     time the worker spent inside the executor, from its "timing" log lines), p50 and p99;
  2. burst: submits BURST mixed trivial programs (C and Python; AC, WA, CE, RE, partial) as fast
     as the API accepts them from several clients, waits until all are final, and prints
     submissions accepted per second, judged per second, latency and pipeline share p50/p99;
  3. the sandbox alone: the same programs through `solveit-sandbox run` (compile plus the task's
     five tests, as the worker runs them), as many at once as the worker's concurrency, and prints
     programs judged per second and the pipeline's throughput as a share of it.

Latency is processing_completed_at - submitted_at, both PostgreSQL's clock.

    bench/pipeline-bench.py [BURST=1000] [--light 30] [--clients 8] [--concurrency 2] [--sandbox-runs 200]
                            [--kafka-options "k=v k=v"]

Needs the built tree (make), root (the sandbox), Debian's python3 with psycopg and requests.
Targets (2-core machine): pipeline share <= 30 ms at p50 under light load; burst judged throughput
>= 70% of the sandbox alone.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "devstack"))

import psycopg  # noqa: E402

from harness import SANDBOX, SINK, WORKER, Stack  # noqa: E402
from polling import WaitTimeout, wait_final  # noqa: E402
from services import Process  # noqa: E402
from test_judge_worker import C, PY  # noqa: E402
from test_module_helpers import Client, new_user  # noqa: E402

MIX = [(71, PY["AC"]), (50, C["AC"]), (71, PY["WA"]), (50, C["WA"]), (71, PY["PA"]), (50, C["CE"]),
       (71, PY["RE"]), (50, C["PA"])]
TIMING = re.compile(r"submission (\d+) attempt \d+: timing total [\d.]+ ms queued [\d.]+ ms executor ([\d.]+) ms")


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def latencies(conn, ids):
    rows = conn.execute("SELECT id, extract(epoch FROM processing_completed_at - submitted_at) * 1000,"
                        " extract(epoch FROM submitted_at), extract(epoch FROM processing_completed_at)"
                        " FROM submissions WHERE id = ANY(%s)", (list(ids),)).fetchall()
    return {r[0]: (float(r[1]), float(r[2]), float(r[3])) for r in rows}


def executor_ms(worker_log):
    out = {}
    for m in TIMING.finditer(worker_log.read_text(errors="replace")):
        out[int(m.group(1))] = float(m.group(2))
    return out


def report(title, lat, execs):
    ms = [v[0] for v in lat.values()]
    share = [lat[i][0] - execs[i] for i in lat if i in execs]
    print("%s: latency p50 %.1f ms, p99 %.1f ms; pipeline share p50 %.1f ms, p99 %.1f ms (%d with executor time)"
          % (title, pct(ms, 50), pct(ms, 99), pct(share, 50), pct(share, 99), len(share)))
    return share


def sandbox_alone(tests, runs, concurrency, tmp):
    files = []
    for i, (lang, code) in enumerate(MIX):
        src = tmp / ("prog%d.%s" % (i, "c" if lang == 50 else "py"))
        src.write_text(code)
        files.append((lang, src))
    stdin_args = []
    for i, (inp, _) in enumerate(tests):
        f = tmp / ("test%d.in" % i)
        f.write_text(inp)
        stdin_args += ["--stdin", str(f)]

    def one(i):
        lang, src = files[i % len(files)]
        subprocess.run([str(SANDBOX), "run", "--language", str(lang), "--source", str(src), "--time-limit", "1",
                        "--memory-limit", "65536"] + stdin_args, capture_output=True, timeout=120)

    start = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(runs)))
    return runs / (time.monotonic() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("burst", nargs="?", type=int, default=1000)
    ap.add_argument("--light", type=int, default=30)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--sandbox-runs", type=int, default=200)
    ap.add_argument("--kafka-options", default="",
                    help="librdkafka options for both daemons, space-separated (e.g. fetch.wait.max.ms=10)")
    args = ap.parse_args()
    for path in (WORKER, SINK, SANDBOX, REPO / "mod_solveit" / ".libs" / "mod_solveit.so"):
        if not path.exists():
            sys.exit("pipeline-bench: %s is not built (run make)" % path)

    stack = Stack().start()
    procs = []
    try:
        httpd = stack.httpd(mpm="event", replace={"SolveitSubmissionRate": "0"}).start()
        env = stack.daemon_env(kafka_options=args.kafka_options)  # librdkafka's defaults unless asked
        worker_log = stack.tmp / "judge-worker.log"
        procs.append(Process("judge-worker", [WORKER, "--foreground"], worker_log,
                             env=dict(env, SOLVEIT_EXECUTOR="local",
                                      SOLVEIT_CONCURRENCY=str(args.concurrency))).start())
        procs.append(Process("result-sink", [SINK, "--foreground"], stack.tmp / "result-sink.log", env=env).start())
        conn = psycopg.connect(stack.pg.dsn, autocommit=True)
        task_id = conn.execute("SELECT id FROM tasks WHERE slug = 'aplusb'").fetchone()[0]
        tests = conn.execute("SELECT convert_from(i.content, 'UTF8'), convert_from(a.content, 'UTF8') FROM tests t "
                             "JOIN blobs i ON i.sha256 = t.input_sha256 JOIN blobs a ON a.sha256 = t.answer_sha256 "
                             "WHERE t.task_id = %s ORDER BY t.\"order\"",
                             (task_id,)).fetchall()
        clients = [Client(httpd.base, new_user(conn, prefix="b")[0]) for _ in range(args.clients)]
        print("machine: %d CPUs; worker concurrency %d; burst %d from %d clients; light %d; kafka options: %s"
              % (len(os.sched_getaffinity(0)), args.concurrency, args.burst, args.clients, args.light,
                 args.kafka_options or "(defaults)"))

        # Warm-up: the consumer groups join (the embedded broker waits 3 s) and the task is cached.
        r = clients[0].submit(task_id=task_id, language_id=71, code=PY["AC"])
        try:
            wait_final(conn, [r.json()["submission_id"]], 120, what="the warm-up submission final")
        except WaitTimeout as e:
            sys.exit("pipeline-bench: %s" % e)

        light = []
        for i in range(args.light):
            lang, code = MIX[i % 2]  # AC in Python and C
            r = clients[0].submit(task_id=task_id, language_id=lang, code=code)
            sid = r.json()["submission_id"]
            wait_final(conn, [sid], 120, interval=0.02)
            light.append(sid)
        light_share = report("light load (%d, one at a time)" % len(light), latencies(conn, light),
                             executor_ms(worker_log))

        def submit(i):
            lang, code = MIX[i % len(MIX)]
            r = clients[i % len(clients)].submit(task_id=task_id, language_id=lang, code=code)
            if r.status_code != 202:
                raise RuntimeError("submission refused: %d %s" % (r.status_code, r.text))
            return r.json()["submission_id"]

        start = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            burst = list(pool.map(submit, range(args.burst)))
        accepted = args.burst / (time.monotonic() - start)
        try:
            wait_final(conn, burst, 3600, interval=0.5)
        except WaitTimeout:
            print("burst: not every submission became final within an hour")
        lat = latencies(conn, burst)
        first_submit = min(v[1] for v in lat.values())
        last_final = max(v[2] for v in lat.values())
        judged = len(lat) / (last_final - first_submit)
        print("burst: %d submissions, accepted %.1f/s, judged %.1f/s" % (args.burst, accepted, judged))
        report("burst", lat, executor_ms(worker_log))

        for proc in procs:
            proc.stop()
        procs = []
        with tempfile.TemporaryDirectory() as tmp:
            alone = sandbox_alone(tests, args.sandbox_runs, args.concurrency, Path(tmp))
        print("sandbox alone: %.1f programs/s (%d runs, %d at once); pipeline judged %.0f%% of it (target >= 70%%)"
              % (alone, args.sandbox_runs, args.concurrency, 100.0 * judged / alone))
        print("light-load pipeline share p50 %.1f ms (target <= 30 ms)" % pct(light_share, 50))
        httpd.stop()
    finally:
        for proc in procs:
            proc.stop()
        stack.stop()


if __name__ == "__main__":
    main()
