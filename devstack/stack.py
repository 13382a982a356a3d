"""The dev stack: `up` starts PostgreSQL, Redis, the embedded Kafka broker, httpd with mod_solveit
and the daemons under var/, applies migrations and demo data, prints the URL and the demo logins,
and stays in the foreground until Ctrl-C (or `stop` from another terminal), then stops everything
it started. Started again, it finds its database under var/ again.

    devstack/stack.sh up [--port 8080] [--var DIR] [--mpm event|worker|prefork]
    devstack/stack.sh stop [--var DIR]
    devstack/stack.sh status [--var DIR]
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services  # noqa: E402
from services import REPO, Httpd, KafkaMock, Postgres, Process, Redis, ServiceError  # noqa: E402

stopping = False


def on_signal(signum, frame):
    global stopping
    stopping = True


def daemon_processes(var, pg, redis, kafka):
    """The judging daemons, for those already built (they join as their issues land)."""
    procs = []
    common_env = services.daemon_env(pg, kafka, redis)
    worker = REPO / "judge-worker" / "judge-worker"
    if worker.exists():
        procs.append(Process("judge-worker", [worker, "--foreground"], var / "logs" / "judge-worker.log",
                             env=dict(common_env, SOLVEIT_EXECUTOR="local")))
    sink = REPO / "result-sink" / "result-sink"
    if sink.exists():
        procs.append(Process("result-sink", [sink, "--foreground"], var / "logs" / "result-sink.log", env=common_env))
    return procs


def pid_path(var, name):
    return var / ("%s.pid" % name)


def up(args):
    var = Path(args.var).resolve()
    var.mkdir(parents=True, exist_ok=True)
    os.chmod(var, 0o755)
    if pid_path(var, "stack").exists():
        old = int(pid_path(var, "stack").read_text())
        if services.pid_alive(old):
            print("stack: already running (pid %d); `devstack/stack.sh stop` first" % old, file=sys.stderr)
            return 1
    pid_path(var, "stack").write_text(str(os.getpid()))
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    pg = Postgres(var / "pg")
    redis = Redis(var / "redis")
    kafka = KafkaMock(var / "kafka")
    started = []
    try:
        print("stack: starting PostgreSQL (var/pg)", flush=True)
        pg.start()
        started.append(pg)
        print(pg.migrate(demo=True), end="", flush=True)
        print("stack: starting Redis on %s (password in %s)" % (redis.address, redis.password_file), flush=True)
        started.append(redis.start())
        pid_path(var, "redis").write_text(str(redis.pid))
        print("stack: starting the embedded Kafka broker", flush=True)
        started.append(kafka.start())
        pid_path(var, "kafka").write_text(str(kafka.pid))
        for proc in daemon_processes(var, pg, redis, kafka):
            print("stack: starting %s" % proc.name, flush=True)
            started.append(proc.start())
            pid_path(var, proc.name).write_text(str(proc.pid))
        httpd = Httpd(var / "httpd", pg, kafka.bootstrap, port=args.port, mpm=args.mpm,
                      redis=redis.address)
        print("stack: starting httpd (%s MPM) on port %d" % (args.mpm, args.port), flush=True)
        started.append(httpd.start())
        url = "http://127.0.0.1:%d/solveit/" % args.port
        (var / "url").write_text(url + "\n")
        # What solveit-admin needs to reach this stack (sourced by a shell: `. var/admin.env`).
        admin_env = "SOLVEIT_DB='%s' SOLVEIT_KAFKA_BROKERS='%s' SOLVEIT_KEY_FILE='%s'" % (
            pg.dsn, kafka.bootstrap, services.key_file(var))
        (var / "admin.env").write_text("export %s\n" % admin_env)
        print("""
Solve-IT is up: %s
  health:  %sapi/health
  logins:  student / student   (student)
           teacher / teacher   (staff)
  admin:   %s admin/solveit-admin import PACKAGE
           (or `. %s` first)
  logs:    %s
Ctrl-C (or devstack/stack.sh stop) stops everything.""" % (url, url, admin_env, var / "admin.env", var), flush=True)
        while not stopping:
            for proc in started:
                if isinstance(proc, Process) and not proc.alive():
                    print("stack: %s exited; see %s" % (proc.name, proc.log), file=sys.stderr, flush=True)
                    started.remove(proc)
                    break
            time.sleep(0.2)
        return 0
    except ServiceError as e:
        print("stack: %s" % e, file=sys.stderr)
        return 1
    finally:
        print("stack: stopping", flush=True)
        for svc in reversed(started):
            try:
                svc.stop()
            except Exception as e:
                print("stack: stopping %s: %s" % (type(svc).__name__, e), file=sys.stderr)
        for name in ("stack", "redis", "kafka", "judge-worker", "result-sink"):
            try:
                pid_path(var, name).unlink()
            except FileNotFoundError:
                pass
        try:
            (var / "url").unlink()
        except FileNotFoundError:
            pass
        print("stack: stopped", flush=True)


def stop(args):
    """Stops a running stack through its supervisor; cleans up after one that died."""
    var = Path(args.var).resolve()
    sup = pid_path(var, "stack")
    if sup.exists():
        pid = int(sup.read_text())
        if services.pid_alive(pid):
            services.stop_pid(pid, timeout=60)
    # Whatever a killed supervisor left behind.
    for name in ("judge-worker", "result-sink", "kafka", "redis"):
        p = pid_path(var, name)
        if p.exists():
            services.stop_pid(int(p.read_text()))
            p.unlink()
    httpd_pid = var / "httpd" / "httpd.pid"
    if httpd_pid.exists():
        services.stop_pid(int(httpd_pid.read_text()))
    if (var / "pg" / "data").exists():
        Postgres(var / "pg").stop()
    print("stack: stopped")
    return 0


def status(args):
    var = Path(args.var).resolve()
    sup = pid_path(var, "stack")
    if sup.exists() and services.pid_alive(int(sup.read_text())):
        print("stack: running at %s" % (var / "url").read_text().strip() if (var / "url").exists() else "starting")
        return 0
    print("stack: not running")
    return 3


def main():
    parser = argparse.ArgumentParser(prog="devstack/stack.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    default_var = os.environ.get("SOLVEIT_VAR", str(REPO / "var"))
    p_up = sub.add_parser("up", help="start the stack in the foreground")
    p_up.add_argument("--port", type=int, default=int(os.environ.get("SOLVEIT_PORT", "8080")))
    p_up.add_argument("--var", default=default_var)
    p_up.add_argument("--mpm", default=os.environ.get("SOLVEIT_MPM", "event"), choices=["event", "worker", "prefork"])
    p_up.set_defaults(func=up)
    for name, func in (("stop", stop), ("status", status)):
        p = sub.add_parser(name)
        p.add_argument("--var", default=default_var)
        p.set_defaults(func=func)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
