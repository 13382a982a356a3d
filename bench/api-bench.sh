#!/bin/sh
# mod_solveit API benchmark on loopback with wrk (never part of the test run).
# Starts its own PostgreSQL, Kafka (embedded broker) and httpd through the integration harness,
# then prints requests/s and p50/p99 latency for:
#   1. Apache serving a static file (the yardstick),
#   2. GET <base>/api/tasks, authenticated (32 connections),
#   3. POST <base>/api/submissions, authenticated JSON (wrk + bench/submit.lua),
# and each API figure as a ratio of the static one. "httpd p50/p99" is the time httpd itself spent on
# each request (%D of the access log: from reading the request to logging it), so that a loaded
# machine's scheduling (queues before httpd reads a request, or before wrk sees the answer) can be
# told apart from the module's own time.
#   usage: bench/api-bench.sh [duration_s=10] [connections=32] [mpm=event]
#   SOLVEIT_BENCH_REPLACE="DBDMax=8;CustomLog=/dev/null timed" sets httpd directives for an experiment.
#   Each endpoint gets a 3 s warm-up first (SOLVEIT_BENCH_COLD=1 skips it, to see the cold start).
#   SOLVEIT_BENCH_MODULE=/path/to/mod_solveit.so benches another build (before/after comparisons in
#   one sitting: copy the old .so somewhere the httpd user can read, then run the script twice).
# Needs: wrk, the built tree (make), Debian's python3 with psycopg and requests.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 - "$here" "${1:-10}" "${2:-32}" "${3:-event}" <<'PY'
import os, re, subprocess, sys, tempfile
from pathlib import Path

here, duration, conns, mpm = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sys.path.insert(0, str(here.parent / "tests" / "integration"))
import requests  # noqa: E402
from harness import Stack, chown_run_user  # noqa: E402


def served_times(log, method, path):
    """p50 and p99 of %D (microseconds, the access log's last field) for method and path."""
    try:
        lines = log.read_text().splitlines()
    except OSError:
        return "?", "?"
    times = sorted(int(line.rsplit(" ", 1)[1]) for line in lines
                   if ('"%s %s ' % (method, path)) in line and line.rsplit(" ", 1)[1].isdigit())
    if not times:
        return "?", "?"

    def ms(us):
        return "%.2fms" % (us / 1000.0)
    return ms(times[len(times) // 2]), ms(times[min(len(times) - 1, int(len(times) * 0.99))])


def wrk(url, script=None, env=None, headers=(), seconds=None):
    cmd = ["wrk", "-t2", "-c" + conns, "-d" + (seconds or duration) + "s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, env=dict(os.environ, **(env or {})),
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = re.search(r"non-202 answers: (\d+)", out)
    return rps, lat.get("50", "?"), lat.get("99", "?"), int(errors.group(1)) if errors else 0, \
        int(bad.group(1)) if bad else 0


stack = Stack().start()
try:
    docs = Path(tempfile.mkdtemp(prefix="solveit-bench-htdocs-", dir=stack.tmp))
    (docs / "static.json").write_text('{"tasks":[' + ",".join(['{"id":%d,"title":"task"}' % i
                                                                  for i in range(8)]) + "]}\n")
    docs.chmod(0o755)
    chown_run_user(docs)
    # Extra directives for experiments: SOLVEIT_BENCH_REPLACE="DBDMax=8;ThreadsPerChild=16"
    replace = {"SolveitSubmissionRate": "0"}
    for item in filter(None, os.environ.get("SOLVEIT_BENCH_REPLACE", "").split(";")):
        key, _, value = item.partition("=")
        replace[key] = value
    values = {"HTDOCS": docs}
    if os.environ.get("SOLVEIT_BENCH_MODULE"):
        values["SOLVEIT_MODULE"] = os.environ["SOLVEIT_BENCH_MODULE"]
    httpd = stack.httpd(mpm=mpm, values=values, replace=replace).start()
    try:
        http = requests.Session()
        r = http.post(httpd.base + "/api/login", json={"username": "student", "password": "student"}, timeout=30)
        r.raise_for_status()
        cookie = "solveit_session=" + http.cookies["solveit_session"]
        csrf = r.json()["csrf_token"]
        print("mod_solveit API benchmark: %s MPM, %s connections, %s s each, wrk -t2 on loopback, %d CPUs"
              % (mpm, conns, duration, os.cpu_count()))
        print("module: %s; load average at start: %s" % (values.get("SOLVEIT_MODULE", "the built tree"),
                                                        " ".join(open("/proc/loadavg").read().split()[:3])))
        # Steady state is measured: a 3 s warm-up per endpoint first lets httpd start its children
        # and mod_dbd open (and prepare on) its pooled connections, which the first requests pay for.
        submit_env = {"SOLVEIT_COOKIE": cookie, "SOLVEIT_CSRF": csrf}
        if os.environ.get("SOLVEIT_BENCH_COLD") != "1":
            wrk(httpd.url + "/static.json", seconds="3")
            wrk(httpd.base + "/api/tasks", headers=["Cookie: " + cookie], seconds="3")
            wrk(httpd.base + "/api/submissions", script=here / "submit.lua", env=submit_env, seconds="3")
        log = httpd.log_dir / "access_log"

        def measure(method, path, *args, **kw):
            """wrk's figures plus httpd's own time for this run alone."""
            httpd.truncate_access_log()
            return wrk(*args, **kw), served_times(log, method, path)

        # The latency target is for 1,500 submissions/s: besides saturating, offer about that rate.
        pace = "%d" % (int(conns) * 1000 // 1550)
        rows = [
            ("static file (Apache core)", measure("GET", "/static.json", httpd.url + "/static.json")),
            ("GET /api/tasks (authenticated)",
             measure("GET", "/solveit/api/tasks", httpd.base + "/api/tasks", headers=["Cookie: " + cookie])),
            ("POST /api/submissions (JSON)",
             measure("POST", "/solveit/api/submissions", httpd.base + "/api/submissions", script=here / "submit.lua",
                     env=submit_env)),
            ("POST, offered ~1,500/s (paced)",
             measure("POST", "/solveit/api/submissions", httpd.base + "/api/submissions", script=here / "submit.lua",
                     env=dict(submit_env, SOLVEIT_PACE_MS=pace))),
        ]
        static_rps = rows[0][1][0][0]
        print("%-34s %10s %9s %9s %8s %7s %11s %11s" % ("", "req/s", "p50", "p99", "errors", "ratio",
                                                          "httpd p50", "httpd p99"))
        for name, ((rps, p50, p99, errors, bad), served) in rows:
            print("%-34s %10.0f %9s %9s %8d %6.2fx %11s %11s" % ((name, rps, p50, p99, errors + bad,
                                                                  rps / static_rps) + served))
        with __import__("psycopg").connect(stack.pg.dsn) as db:
            n, unsent = db.execute("SELECT count(*), count(*) FILTER (WHERE kafka_sent_at IS NULL) "
                                   "FROM submissions").fetchone()
        print("submissions stored: %d, of which not yet confirmed by Kafka: %d" % (n, unsent))
    finally:
        httpd.stop()
finally:
    stack.stop()
PY
