#!/usr/bin/python3
"""Pipeline benchmark (issues 6 and 16; never part of the test run): figures only.

Starts its own stack through the integration harness (PostgreSQL, Redis, the embedded Kafka broker,
httpd with mod_solveit, judge-worker on the local sandbox with its default concurrency, core budget and
tests at once unless told, result-sink), then:

  1. idle: one submission at a time on the idle stack, A+B (the task's five tests) in C, Python and
     Java, IDLE runs each, and prints the submit-to-final latency per language, median and range;
  2. light load: submits LIGHT trivial programs one at a time, each after the previous is final,
     and prints the submit-to-final latency and the pipeline's own share of it (latency minus the
     time the worker spent inside the executor, from its "timing" log lines), p50 and p99;
  3. burst: submits BURST mixed trivial programs (C and Python; AC, WA, CE, RE, partial) as fast
     as the API accepts them from several clients, waits until all are final, and prints
     submissions accepted per second, judged per second, latency and pipeline share p50/p99;
  4. the sandbox alone: the same programs through `solveit-sandbox run` (compile plus the task's
     five tests, with the task's limits), and prints programs judged per second and the burst's
     throughput as a share of it.

Fairness of the ratio: every submission's source is unique (a comment with its number), in the burst
and in the sandbox-alone run alike, so that neither side skips a compile the other does (a compile
cache helps rejudges and identical resubmissions, not a burst of different students). The sandbox
alone runs as many programs at once as the worker may run sandboxed programs at once: its judging
threads (--concurrency) or its core budget (--cores), whichever is more. A burst keeps every judging
thread busy, so the worker has no idle core to run a submission's tests at once and runs them one
after another on each thread, as `solveit-sandbox run` does; with --concurrency below --cores its
judgements fill the idle cores with tests at once, which the sandbox alone matches with more programs
at once. The figures the worker uses are read from its start-up log and printed.

Latency is processing_completed_at - submitted_at, both PostgreSQL's clock.

    bench/pipeline-bench.py [BURST=1000] [--light 30] [--idle 5] [--idle-only] [--clients 8] [--concurrency N]
                            [--cores N] [--parallel-tests N] [--sandbox-runs 200] [--kafka-options "k=v k=v"]

Needs the built tree (make), root (the sandbox), Debian's python3 with psycopg and requests.
Targets (2-core machine): pipeline share <= 30 ms at p50 under light load; burst judged throughput
>= 90% of the sandbox alone; idle submit-to-final <= 300 ms in C and Python, <= 1.5 s in Java.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "devstack"))
sys.path.insert(0, str(REPO / "bench"))

import psycopg  # noqa: E402
import requests  # noqa: E402

from harness import SANDBOX, SINK, WORKER, Stack  # noqa: E402
from cpu_use import cpu_by_process, cpu_report  # noqa: E402
from polling import WaitTimeout, wait_final, wait_for  # noqa: E402
from services import Process  # noqa: E402
from test_judge_worker import C, JAVA, PY  # noqa: E402
from test_module_helpers import Client, new_user  # noqa: E402

MIX = [(71, PY["AC"]), (50, C["AC"]), (71, PY["WA"]), (50, C["WA"]), (71, PY["PA"]), (50, C["CE"]),
       (71, PY["RE"]), (50, C["PA"])]
IDLE = [("C", 50, C["AC"]), ("Python", 71, PY["AC"]), ("Java", 62, JAVA["AC"])]
COMMENT = {50: "/* %s */\n", 71: "# %s\n", 62: "// %s\n"}
STARTED = re.compile(r"judge-worker \S+: local executor, (\d+) at once")
BUDGET = re.compile(r"(\d+) core\(s\) shared by the judgements, up to (\d+) test\(s\) of a submission at once")
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


def unique(lang, code, n):
    """code with a comment naming n: a source no compile cache has seen."""
    return code + COMMENT[lang] % ("submission %s" % n)


def sandbox_alone(tests, runs, concurrency, limits, tmp):
    files = []
    for i in range(runs):
        lang, code = MIX[i % len(MIX)]
        src = tmp / ("prog%d.%s" % (i, "c" if lang == 50 else "py"))
        src.write_text(unique(lang, code, "alone-%d" % i))
        files.append((lang, src))
    stdin_args = []
    for i, (inp, _) in enumerate(tests):
        f = tmp / ("test%d.in" % i)
        f.write_text(inp)
        stdin_args += ["--stdin", str(f)]

    def one(i):
        lang, src = files[i]
        subprocess.run([str(SANDBOX), "run", "--language", str(lang), "--source", str(src), "--time-limit",
                        "%g" % (limits[0] / 1000.0), "--memory-limit", str(limits[1])] + stdin_args,
                       capture_output=True, timeout=120)

    cpu_before = cpu_by_process()
    start = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(runs)))
    rate = runs / (time.monotonic() - start)
    cpu_report("sandbox alone CPU", cpu_before, cpu_by_process(), runs)
    return rate


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("burst", nargs="?", type=int, default=1000)
    ap.add_argument("--light", type=int, default=30)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--idle", type=int, default=5, help="idle submissions per language (C, Python, Java)")
    ap.add_argument("--idle-only", action="store_true",
                    help="the idle figures only (compare --parallel-tests 1 with the default, say)")
    ap.add_argument("--concurrency", type=int, help="the worker's --concurrency (default: its own)")
    ap.add_argument("--cores", type=int, help="the worker's --cores (default: its own)")
    ap.add_argument("--parallel-tests", type=int, help="the worker's --parallel-tests (default: its own)")
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
        httpd = stack.httpd(mpm="event", replace={"SolveitSubmissionRate": "0",
                                                        "SolveitLanguages": "50 54 62 71"}).start()
        env = stack.daemon_env(kafka_options=args.kafka_options)  # librdkafka's defaults unless asked
        worker_log = stack.tmp / "judge-worker.log"
        wenv = dict(env, SOLVEIT_EXECUTOR="local")
        wenv.pop("SOLVEIT_CONCURRENCY", None)
        for name, value in (("SOLVEIT_CONCURRENCY", args.concurrency), ("SOLVEIT_CORES", args.cores),
                            ("SOLVEIT_PARALLEL_TESTS", args.parallel_tests)):
            if value is not None:
                wenv[name] = str(value)
        procs.append(Process("judge-worker", [WORKER, "--foreground"], worker_log, env=wenv).start())
        procs.append(Process("result-sink", [SINK, "--foreground"], stack.tmp / "result-sink.log", env=env).start())
        conn = psycopg.connect(stack.pg.dsn, autocommit=True)
        task_id, time_ms, memory_kb = conn.execute(
            "SELECT id, time_limit_ms, memory_limit_kb FROM tasks WHERE slug = 'aplusb'").fetchone()
        tests = conn.execute("SELECT convert_from(i.content, 'UTF8'), convert_from(a.content, 'UTF8') FROM tests t "
                             "JOIN blobs i ON i.sha256 = t.input_sha256 JOIN blobs a ON a.sha256 = t.answer_sha256 "
                             "WHERE t.task_id = %s ORDER BY t.\"order\"",
                             (task_id,)).fetchall()
        clients = [Client(httpd.base, new_user(conn, prefix="b")[0]) for _ in range(args.clients)]
        try:
            log = wait_for(lambda: worker_log.read_text(errors="replace") if worker_log.exists() else "",
                           "the worker's start-up lines", 60,
                           until=lambda text: STARTED.search(text) and BUDGET.search(text))
        except WaitTimeout as e:
            sys.exit("pipeline-bench: %s" % e)
        concurrency = int(STARTED.search(log).group(1))
        cores, parallel = (int(g) for g in BUDGET.search(log).groups())
        at_once = max(concurrency, cores)
        print("machine: %d CPUs, load average %s; worker concurrency %d, core budget %d, up to %d tests of a "
              "submission at once; burst %d from %d clients; light %d; kafka options: %s"
              % (len(os.sched_getaffinity(0)), " ".join("%.2f" % x for x in os.getloadavg()), concurrency, cores,
                 parallel, args.burst, args.clients, args.light, args.kafka_options or "(defaults)"))

        # Warm-up: the consumer groups join (the embedded broker waits 3 s) and the task is cached.
        r = clients[0].submit(task_id=task_id, language_id=71, code=PY["AC"])
        try:
            wait_final(conn, [r.json()["submission_id"]], 120, what="the warm-up submission final")
        except WaitTimeout as e:
            sys.exit("pipeline-bench: %s" % e)

        idle_ids = {}
        for name, lang, code in IDLE:
            for i in range(args.idle):
                r = clients[0].submit(task_id=task_id, language_id=lang, code=unique(lang, code, "idle-%d" % i))
                sid = r.json()["submission_id"]
                wait_final(conn, [sid], 120, interval=0.01)
                idle_ids.setdefault(name, []).append(sid)
        execs = wait_for(lambda: executor_ms(worker_log), "the idle submissions' timing lines", 30,
                         until=lambda got: all(sid in got for ids in idle_ids.values() for sid in ids))
        for name, ids in idle_ids.items():
            values = [v[0] for v in latencies(conn, ids).values()]
            print("idle %s A+B (%d tests): submit-to-final median %.0f ms (%.0f-%.0f ms, %d runs; target <= %s), "
                  "of it in the executor (compile and tests) median %.0f ms"
                  % (name, len(tests), statistics.median(values), min(values), max(values), len(values),
                     "1.5 s" if name == "Java" else "300 ms", statistics.median(execs[sid] for sid in ids)))
        if args.idle_only:
            return

        light = []
        for i in range(args.light):
            lang, code = MIX[i % 2]  # AC in Python and C
            r = clients[0].submit(task_id=task_id, language_id=lang, code=unique(lang, code, "light-%d" % i))
            sid = r.json()["submission_id"]
            wait_final(conn, [sid], 120, interval=0.02)
            light.append(sid)
        light_share = report("light load (%d, one at a time)" % len(light), latencies(conn, light),
                             executor_ms(worker_log))

        def submit(i):
            lang, code = MIX[i % len(MIX)]
            # A keep-alive connection httpd closed as the request went out (idle since the light phase) is
            # sent again, under the same idempotency key, as a browser does: never a second submission.
            for tries in range(3):
                try:
                    r = clients[i % len(clients)].submit(task_id=task_id, language_id=lang,
                                                         code=unique(lang, code, i), idempotency_key="burst-%d" % i)
                    break
                except requests.ConnectionError:
                    if tries == 2:
                        raise
            if r.status_code != 202:
                raise RuntimeError("submission refused: %d %s" % (r.status_code, r.text))
            return r.json()["submission_id"]

        cpu_before = cpu_by_process()
        start = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            burst = list(pool.map(submit, range(args.burst)))
        accepted = args.burst / (time.monotonic() - start)
        try:
            wait_final(conn, burst, 3600, interval=0.5)
        except WaitTimeout:
            print("burst: not every submission became final within an hour")
        cpu_report("burst CPU", cpu_before, cpu_by_process(), args.burst)
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
            alone = sandbox_alone(tests, args.sandbox_runs, at_once, (time_ms, memory_kb), Path(tmp))
        print("sandbox alone: %.1f programs/s (%d runs, %d at once); pipeline judged %.0f%% of it (target >= 90%%);"
              " load average %s" % (alone, args.sandbox_runs, at_once, 100.0 * judged / alone,
                                    " ".join("%.2f" % x for x in os.getloadavg())))
        print("light-load pipeline share p50 %.1f ms (target <= 30 ms)" % pct(light_share, 50))
        httpd.stop()
    finally:
        for proc in procs:
            proc.stop()
        stack.stop()


if __name__ == "__main__":
    main()
