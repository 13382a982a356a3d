#!/bin/sh
# mod_solveit API benchmark on loopback with wrk (never part of the test run).
# Starts its own PostgreSQL, Kafka (embedded broker) and httpd through the integration harness,
# puts 2,000 judged submissions in the table, then prints requests/s and p50/p99 latency for
#   - Apache serving a static file (the yardstick; every API figure is also a ratio of it),
#   - GET <base>/api/tasks, authenticated (32 connections),
#   - POST <base>/api/submissions, authenticated JSON, saturated (wrk + bench/submit.lua),
#   - the same POST offered 1,500/s (wrk's delay() on a fixed schedule, bench/submit.lua: wrk2 is
#     not in Debian; "late" counts sends that fell behind the schedule),
#   - PostgreSQL alone at the same concurrency (pgbench): the POST's one statement and a bare one-row
#     durable commit, the database's own bound for the POST; the GET's statement (its text read from
#     the module's .so) and an empty SELECT 1, the price of any round trip, the GET's floor; each with
#     its CPU per transaction by process (warm phase only),
# in three phases:
#   warm      after a 2 s warm-up at 4 connections (the steady state),
#   graceful  apache2 -k graceful, then the same load at once (the new children's first seconds),
#   cold      a new httpd started and loaded at once, no warm-up (its first seconds).
# graceful and cold start with the static file too: httpd's own tail in those seconds (a graceful
# restart's old children stop listening at once and the new ones start when the first old one has
# exited, which the module's SIGCHLD handler makes the parent notice; bench/graceful-gap.py). Every
# ratio is against the warm static file.
# "errors" are answers other than 2xx (202 for a submission); "sock" wrk's socket errors: connect,
# read (a keep-alive connection the server closed), write, timeout (no answer within 2 s).
# "httpd p50/p99" is the time httpd itself spent on each request (%D of the access log, from reading
# the request to logging it), so that a loaded machine's scheduling can be told apart from the
# module's own time.
#   usage: bench/api-bench.sh [--durable] [--statements] [--phases warm,graceful,cold] [--rate N]
#                             [duration_s=10] [connections=32] [mpm=event]
#   --durable  PostgreSQL as the dev stack runs it (fsync on, synchronous_commit on); by default the
#              test harness's (fsync off), which measures the module rather than the disk.
#   --statements  PostgreSQL with pg_stat_statements, statements inside functions counted too: after
#              each run, its costliest statements with calls and mean time (wall time inside the
#              database, lock waits included): where a request's database time goes.
#   SOLVEIT_BENCH_REPLACE="DBDMax=8;CustomLog=/dev/null timed" sets httpd directives for an experiment.
#   SOLVEIT_BENCH_MODULE=/path/to/mod_solveit.so benches another build (before/after comparisons in
#   one sitting: copy the old .so somewhere the httpd user can read, then run the script twice).
# The default run takes about 3 minutes (10 s a measurement). Needs: wrk, the built tree (make), Debian's python3 with
# psycopg and requests.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 - "$here" "$@" <<'PY'
import argparse, os, re, subprocess, sys, tempfile, time
from pathlib import Path

here = Path(sys.argv[1])
ap = argparse.ArgumentParser(prog="bench/api-bench.sh")
ap.add_argument("--durable", action="store_true", help="PostgreSQL with fsync and synchronous_commit on")
ap.add_argument("--phases", default="warm,graceful,cold", help="which of warm, graceful, cold to run")
ap.add_argument("--rate", type=int, default=1500, help="the paced POST's offered requests/s")
ap.add_argument("--statements", action="store_true",
                help="load pg_stat_statements (nested statements too) and print each run's costliest statements")
ap.add_argument("duration", nargs="?", default="10")
ap.add_argument("connections", nargs="?", default="32")
ap.add_argument("mpm", nargs="?", default="event")
args = ap.parse_args(sys.argv[2:])
duration, conns, mpm = args.duration, args.connections, args.mpm
phases = [p for p in args.phases.split(",") if p]
for p in phases:
    if p not in ("warm", "graceful", "cold"):
        sys.exit("bench/api-bench.sh: --phases takes warm, graceful and cold, not %r" % p)
sys.path[:0] = [str(here.parent / "tests" / "integration"), str(here.parent / "devstack"), str(here)]
import psycopg  # noqa: E402
import requests  # noqa: E402
import services as svc  # noqa: E402
from harness import Stack, chown_run_user  # noqa: E402
from cpu_use import cpu_by_process, cpu_report  # noqa: E402

THREADS = "2"
SUBMISSIONS = 2000


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


def wrk(url, script=None, env=None, headers=(), seconds=None, connections=None):
    # --timeout 30s: a slow answer counts in the latency (wrk leaves those over its 2 s default out).
    cmd = ["wrk", "-t" + THREADS, "-c" + (connections or conns), "-d" + (seconds or duration) + "s", "--latency",
           "--timeout", "30s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True,
                         env=dict(os.environ, SOLVEIT_THREADS=THREADS, **(env or {})), check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|non-202 answers): (\d+)", out))
    # A keep-alive connection the server closes (a graceful restart's old children do) is a read
    # error to wrk, which opens another; a timeout is a request with no answer in 2 s.
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    sockets = "/".join(sockets.groups()) if sockets else "0/0/0/0"
    late = re.search(r"late sends: (\d+)", out)
    return rps, lat.get("50", "?"), lat.get("99", "?"), errors, sockets, late.group(1) if late else "-"


def seed(dsn):
    """SUBMISSIONS judged submissions over the demo's users and tasks, as a running course has."""
    with psycopg.connect(dsn) as db:
        db.execute("""
            INSERT INTO submissions (user_id, task_id, code, language_id, status, verdict, score, passed_tests,
                                     total_tests, submitted_at, kafka_sent_at, processing_started_at,
                                     processing_completed_at, execution_time, memory_used)
            SELECT u.ids[1 + i %% array_length(u.ids, 1)], t.ids[1 + (i / 7) %% array_length(t.ids, 1)],
                   'print(sum(map(int, input().split())))', 71, 'completed',
                   CASE WHEN i %% 3 = 0 THEN 'WA' ELSE 'AC' END, CASE WHEN i %% 3 = 0 THEN 0 ELSE 100 END, 3, 3,
                   now() - make_interval(secs => i), now() - make_interval(secs => i),
                   now() - make_interval(secs => i), now() - make_interval(secs => i), 0.02, 9000
            FROM generate_series(1, %s) i,
                 (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE is_active) u,
                 (SELECT array_agg(id ORDER BY id) AS ids FROM tasks) t""", (SUBMISSIONS,))
        db.execute("ANALYZE submissions")
        return db.execute("SELECT count(*) FROM submissions WHERE status = 'completed'").fetchone()[0]


def task_list_sql(module):
    """The GET's statement exactly as the module prepares it, read from the module's own string table,
    its caller's id as pgbench's :uid; None when the build has no such string. Since sql/038 that is
    the catalog's version with the caller's rows of task_best (the catalog itself is read by a child
    only when the version moved); before, the one literal with the list's join and its visibility
    filter, so that SOLVEIT_BENCH_MODULE can point at an older build."""
    r = subprocess.run(["strings", "-n", "100", str(module)], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("SELECT (SELECT c.version FROM catalog_version c), u.team_id") and "task_best" in line:
            return line.replace("%lld", ":uid")
        if line.startswith("SELECT t.id, t.slug") and "CROSS JOIN tasks t" in line and "WHERE t.is_open" in line:
            return line.replace("%lld", ":uid")
    return None


def pg_floors(pg, module):
    """What PostgreSQL alone does at the same concurrency, with no httpd: the submission's one statement
    (solveit_submit as the POST runs it: the student, no rate limit), a bare one-row INSERT commit
    (the price of a durable commit on this disk), the GET's one query and an empty SELECT 1 (the
    price of any round trip to a backend, the GET's floor). Rows of (name, transactions/s, average
    latency, the run's CPU before, after and transaction count)."""
    with psycopg.connect(pg.dsn, autocommit=True) as db:
        uid = db.execute("SELECT id FROM users WHERE username = 'student'").fetchone()[0]
        task = db.execute("SELECT min(id) FROM tasks").fetchone()[0]
        last = db.execute("SELECT coalesce(max(id), 0) FROM submissions").fetchone()[0]
        db.execute("CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())")
        postmaster = svc.parent_of(db.info.backend_pid)
    scripts = [
        ("pg: solveit_submit", "SELECT * FROM solveit_submit(%d, %d, 'print(sum(map(int, input().split())))', 71,"
                               " NULL, false, 0);\n" % (uid, task)),
        ("pg: one-row INSERT commit", "INSERT INTO bench_commit DEFAULT VALUES;\n"),
        ("pg: SELECT 1 round trip", "SELECT 1;\n"),
    ]
    tasks = task_list_sql(module)
    if tasks:
        scripts.insert(2, ("pg: the GET's statement", "\\set uid %d\n%s;\n" % (uid, tasks)))
    else:
        print("no GET statement found in %s: its pgbench line is left out" % module, file=sys.stderr)
    out = []
    for name, sql in scripts:
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(sql)
        os.chmod(f.name, 0o644)
        backends = set(svc.children_of(postmaster))
        before = cpu_by_process()
        r = subprocess.run(svc.as_run_user([str(svc.pg_bindir() / "pgbench"), "-n", "-M", "prepared", "-c", conns,
                                            "-j", THREADS, "-T", duration, "-f", f.name, "-h", str(pg.sock), "-p",
                                            str(pg.port), "-U", pg.user, pg.dbname]),
                           capture_output=True, text=True)
        # pgbench's backends count (in the postmaster's "children of") once the postmaster has reaped
        # them; an autovacuum worker started meanwhile may outlive the bound, which is then all it costs.
        svc.poll(lambda: not set(svc.children_of(postmaster)) - backends, 10)
        after = cpu_by_process()
        os.unlink(f.name)
        tps = re.search(r"tps = ([\d.]+)", r.stdout)
        done = re.search(r"number of transactions actually processed: (\d+)", r.stdout)
        lat = re.search(r"latency average = ([\d.]+ ms)", r.stdout)
        if r.returncode != 0 or not tps:
            print("pgbench (%s) failed:\n%s%s" % (name, r.stdout, r.stderr), file=sys.stderr)
            continue
        out.append((name, float(tps.group(1)), lat.group(1).replace(" ", "") if lat else "?", before, after,
                    int(done.group(1)) if done else 0))
    with psycopg.connect(pg.dsn, autocommit=True) as db:
        db.execute("DROP TABLE bench_commit")
        db.execute("DELETE FROM submissions WHERE id > %s", (last,))  # the later phases see the same table
    return out


def start(server):
    """Starts httpd and returns once its port is open: its children may not be serving yet."""
    server.write()
    r = server._apache("-k", "start")
    if r.returncode != 0:
        sys.exit("httpd did not start:\n" + r.stdout + r.stderr)
    svc.wait_until(lambda: svc.port_open(server.port), 30, "httpd's port", server.error_log_path)
    return server


def graceful(server):
    r = server._apache("-k", "graceful")
    if r.returncode != 0:
        sys.exit("apache2 -k graceful failed:\n" + r.stdout + r.stderr)


stack = Stack(durable=args.durable).start()
servers = []


def statements_on(pg):
    """pg_stat_statements in the bench's cluster: a preloaded library, so PostgreSQL restarts once."""
    with psycopg.connect(pg.dsn, autocommit=True) as db:
        db.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    pg.stop()
    pg.start()
    with psycopg.connect(pg.dsn, autocommit=True) as db:
        db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        db.execute("ALTER SYSTEM SET pg_stat_statements.track = 'all'")
        db.execute("SELECT pg_reload_conf()")


def statements_top(pg, reset=False):
    """The run's costliest statements by total time, as printable lines; reset=True starts a run."""
    with psycopg.connect(pg.dsn, autocommit=True) as db:
        if reset:
            db.execute("SELECT pg_stat_statements_reset()")
            return []
        rows = db.execute("SELECT calls, total_exec_time, total_exec_time / calls,"
                          " left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements"
                          " WHERE query NOT LIKE '%%pg_stat_statements%%' ORDER BY total_exec_time DESC LIMIT 8")
        return ["%10d calls %9.0f ms in all %8.3f ms each  %s" % row for row in rows]


try:
    if args.statements:
        statements_on(stack.pg)
    judged = seed(stack.pg.dsn)
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

    def new_httpd():
        servers.append(stack.httpd(mpm=mpm, values=values, replace=replace))
        return servers[-1]

    httpd = new_httpd().start()
    http = requests.Session()
    r = http.post(httpd.base + "/api/login", json={"username": "student", "password": "student"}, timeout=30)
    r.raise_for_status()
    # The session lives in PostgreSQL: the same cookie serves the httpds started later.
    cookie = "solveit_session=" + http.cookies["solveit_session"]
    csrf = r.json()["csrf_token"]
    with psycopg.connect(stack.pg.dsn) as db:
        settings = db.execute("SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings"
                              " WHERE name IN ('fsync', 'synchronous_commit', 'commit_delay', 'commit_siblings',"
                              " 'wal_writer_delay', 'max_connections')").fetchone()[0]
    print("mod_solveit API benchmark: %s MPM, %s connections, %s s each, wrk -t%s on loopback, %d CPUs"
          % (mpm, conns, duration, THREADS, os.cpu_count()))
    print("PostgreSQL (%s): %s; %d judged submissions in the table"
          % ("durable, --durable" if args.durable else "the tests', fsync off", settings, judged))
    print("module: %s; load average at start: %s" % (values.get("SOLVEIT_MODULE", "the built tree"),
                                                    " ".join(open("/proc/loadavg").read().split()[:3])))
    submit_env = {"SOLVEIT_COOKIE": cookie, "SOLVEIT_CSRF": csrf}
    paced_env = dict(submit_env, SOLVEIT_RATE=str(args.rate))
    loads = [
        ("GET /api/tasks", "GET", "/solveit/api/tasks", "/api/tasks", {"headers": ["Cookie: " + cookie]}),
        ("POST /api/submissions", "POST", "/solveit/api/submissions", "/api/submissions",
         {"script": here / "submit.lua", "env": submit_env}),
        ("POST, offered %d/s" % args.rate, "POST", "/solveit/api/submissions", "/api/submissions",
         {"script": here / "submit.lua", "env": paced_env}),
    ]

    cpu_lines = []
    statement_lines = []

    def measure(server, method, path, url, **kw):
        """wrk's figures plus httpd's own time for this run alone; the run's CPU by process is kept
        for the lines after the table."""
        server.truncate_access_log()
        if args.statements:
            statements_top(stack.pg, reset=True)
        before = cpu_by_process()
        result = wrk(url, **kw)
        after = cpu_by_process()
        if args.statements:
            statement_lines.append(statements_top(stack.pg))
        cpu_lines.append((before, after, max(1, int(result[0] * float(kw.get("seconds") or duration)))))
        return result, served_times(server.log_dir / "access_log", method, path)

    static = ("static file (Apache core)", "GET", "/static.json", "/static.json", {})

    def url_of(server, load):
        return (server.url if load is static else server.base) + load[3]

    rows = [("warm",) + static[:1] + (measure(httpd, "GET", static[2], url_of(httpd, static)),)]
    if "warm" in phases:
        for name, method, path, api, kw in loads:
            wrk(httpd.base + api, seconds="2", connections="4", **kw)  # the issue's warm-up
            rows.append(("warm", name, measure(httpd, method, path, httpd.base + api, **kw)))
    floors = pg_floors(stack.pg, values.get("SOLVEIT_MODULE", svc.MODULE_SO)) if "warm" in phases else []
    # The static file first in each: what httpd itself does in the seconds after a graceful restart
    # or a start, with no module code on the path.
    if "graceful" in phases:
        for load in [static] + loads:
            name, method, path, api, kw = load
            graceful(httpd)
            rows.append(("graceful", name, measure(httpd, method, path, url_of(httpd, load), **kw)))
    if "cold" in phases:
        for load in [static] + loads:
            name, method, path, api, kw = load
            httpd.stop()
            httpd = start(new_httpd())
            rows.append(("cold", name, measure(httpd, method, path, url_of(httpd, load), **kw)))
    static_rps = rows[0][2][0][0]
    print("%-9s %-26s %8s %9s %9s %6s %12s %6s %7s %10s %10s" % (
        "phase", "", "req/s", "p50", "p99", "errors", "sock c/r/w/t", "late", "ratio", "httpd p50", "httpd p99"))
    for phase, name, ((rps, p50, p99, errors, sockets, late), served) in rows:
        print("%-9s %-26s %8.0f %9s %9s %6d %12s %6s %6.2fx %10s %10s" % (
            (phase, name, rps, p50, p99, errors, sockets, late, rps / static_rps) + served))
    print("CPU per request by process (from /proc; \"children of python3\" is wrk, the load generator;"
          " postgres is every backend; \"children of X\" are processes that ended in the run, with their whole"
          " life's CPU, such as the children a graceful restart or a stop retires):")
    for (phase, name, _), (before, after, n) in zip(rows, cpu_lines):
        cpu_report("  %-9s %-26s" % (phase, name), before, after, n, unit="request")
    for (phase, name, _), lines in zip(rows, statement_lines):
        print("statements of %s %s (pg_stat_statements):" % (phase, name))
        for line in lines:
            print("  " + line)
    for name, tps, latency, _, _, _ in floors:
        print("%-9s %-26s %8.0f %9s  (pgbench -c%s -M prepared, PostgreSQL alone: the database's own bound)"
              % ("warm", name, tps, latency, conns))
    print("CPU per transaction of PostgreSQL alone (\"children of postgres\" is pgbench's backends, once they"
          " ended; \"children of python3\" is pgbench, the client):")
    for name, _, _, before, after, n in floors:
        if n:
            cpu_report("  %-36s" % name, before, after, n, unit="transaction")
    # Counted once every httpd has stopped: a child records its last confirmations as it exits.
    for server in servers:
        server.stop()
    with psycopg.connect(stack.pg.dsn) as db:
        n, unsent = db.execute("SELECT count(*), count(*) FILTER (WHERE kafka_sent_at IS NULL) "
                               "FROM submissions").fetchone()
    print("submissions stored: %d, of which not confirmed by Kafka once httpd stopped: %d" % (n, unsent))
    print("load average at the end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
finally:
    for server in servers:
        try:
            server.stop()
        except Exception as e:  # keep stopping the rest
            print("stopping httpd: %s" % e, file=sys.stderr)
    stack.stop()
PY
