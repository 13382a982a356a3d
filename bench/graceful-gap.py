#!/usr/bin/python3
"""How long requests wait across `apache2 -k graceful` (never part of the test run).

Starts the harness's PostgreSQL, Kafka and an event-MPM httpd with mod_solveit (the stack's
template), and next to it a plain httpd with the same MPM settings and no module at all. For each it
runs 8 threads that send requests back to back, each on a new connection, signals a graceful restart
ROUNDS times and prints the slowest answers started within 3 s of each signal:
  - the plain httpd answering 404 (what Apache itself does),
  - the module's httpd answering 404 from the core (httpd with the module loaded),
  - the module's httpd answering GET <base>/api/tasks as a logged-in student.
httpd's parent sleeps a second whenever no child has exited and starts a graceful restart's new
children only after an old one exited or that second is over, so the plain httpd shows httpd's own
gap (about a second). The module gives the parent a SIGCHLD handler that ends the sleep at the first
exit (mod_solveit.c), so the second shows the gap with the module loaded, and the third what the
module's own request adds.

    usage: bench/graceful-gap.py [ROUNDS=3]
"""

import http.client
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path[:0] = [str(here.parent / "tests" / "integration"), str(here.parent / "devstack")]
import requests  # noqa: E402
import services as svc  # noqa: E402
from harness import Stack  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
THREADS = 8

PLAIN_CONF = """ServerRoot {root}
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
Listen 127.0.0.1:{port}
PidFile {root}/httpd.pid
ErrorLog {root}/error_log
DocumentRoot {root}
ServerName localhost
User nobody
Group nogroup
ServerLimit 4
StartServers 2
ThreadsPerChild 25
MaxRequestWorkers 100
MinSpareThreads 25
MaxSpareThreads 100
MaxConnectionsPerChild 0
"""


def probe(port, path, headers, graceful):
    """The slowest answers (ms, status) started from 0.5 s before to 3 s after each graceful()."""
    samples, stop = [], threading.Event()

    def run():
        while not stop.is_set():
            t0 = time.monotonic()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", path, headers=headers)
            r = c.getresponse()
            r.read()
            c.close()
            samples.append((t0, time.monotonic() - t0, r.status))

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    time.sleep(2)
    out = []
    for _ in range(ROUNDS):
        at = time.monotonic()
        graceful()
        time.sleep(4)
        window = sorted((s for s in samples if at - 0.5 <= s[0] < at + 3), key=lambda s: -s[1])
        out.append((len(window), [round(d * 1000) for _, d, _ in window[:3]], sorted({s[2] for s in window})))
    stop.set()
    for t in threads:
        t.join()
    return out


def report(what, rounds):
    for i, (n, slowest, statuses) in enumerate(rounds):
        print("%-44s restart %d: %5d requests, slowest %s ms, statuses %s" % (what, i + 1, n, slowest, statuses))


def main():
    print("graceful restarts, %d threads on new connections; load average at start: %s"
          % (THREADS, " ".join(open("/proc/loadavg").read().split()[:3])))
    root = Path(tempfile.mkdtemp(prefix="solveit-plain-httpd-"))
    root.chmod(0o755)
    port = svc.free_port()
    (root / "httpd.conf").write_text(PLAIN_CONF.format(root=root, port=port))
    apache = ["apache2", "-f", str(root / "httpd.conf"), "-k"]
    subprocess.run(apache + ["start"], check=True)
    try:
        svc.wait_until(lambda: svc.port_open(port), 30, "the plain httpd's port", root / "error_log")
        report("plain httpd (no module), 404", probe(port, "/none", {}, lambda: subprocess.run(apache + ["graceful"])))
    finally:
        subprocess.run(apache + ["stop"])

    stack = Stack(durable=True).start()
    try:
        httpd = stack.httpd(mpm="event", replace={"SolveitSubmissionRate": "0"}).start()
        try:
            s = requests.Session()
            s.post(httpd.base + "/api/login", json={"username": "student", "password": "student"},
                   timeout=30).raise_for_status()
            cookie = {"Cookie": "solveit_session=" + s.cookies["solveit_session"]}

            def graceful():
                httpd._apache("-k", "graceful")
            report("httpd with mod_solveit, 404 from the core", probe(httpd.port, "/none", {}, graceful))
            report("httpd with mod_solveit, GET /api/tasks", probe(httpd.port, "/solveit/api/tasks", cookie, graceful))
        finally:
            httpd.stop()
    finally:
        stack.stop()
    print("load average at the end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    main()
