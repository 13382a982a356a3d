"""prefork stops its children with SIGTERM, whose handler tears the child down wherever the signal
caught it. Caught while a request was being finished, the teardown ran over half-destroyed pools:
the child died of SIGSEGV, or of apr_reslist's assertion, at stop (tests/scan-httpd-logs.py found
it in the TLS example's run). mod_solveit lets such a child finish the request first."""

import os
import random
import re
import signal
import socket
import time

import requests

import services as svc
from polling import wait_for

STATUS = "LoadModule status_module %s/mod_status.so\n<Location \"/server-status\">\n    SetHandler server-status\n" \
         "</Location>\n" % svc.APACHE_MODULES
CRASH = re.compile(r"AH0005[12]: child pid \d+ exit signal")


def _busy_children(server):
    """Children in a request handler ('W'), the one answering this status request included."""
    text = requests.get(server.url + "/server-status?auto", timeout=30).text
    board = next(line for line in text.splitlines() if line.startswith("Scoreboard:"))
    return board.count("W")


def test_a_child_stopped_in_a_request_answers_it_then_exits(httpd_factory):
    server = httpd_factory(mpm="prefork", extra=STATUS)
    master = int(server.pid_file.read_text())
    body = b"username=nobody-here&password=wrong-password"
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        sock.sendall(b"POST /solveit/api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body[:10]))
        # The handler now waits for the rest of the body.
        wait_for(lambda: _busy_children(server) >= 2, "a child reading the login body in its handler")
        kids = svc.children_of(master)
        for pid in kids:
            os.kill(pid, signal.SIGTERM)  # as the parent does at stop
        sock.sendall(body[10:])
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    finally:
        sock.close()
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 4"), "the stopped child did not answer: %r" % answer[:300]
    assert b"application/json" in answer
    wait_for(lambda: not any(svc.pid_alive(p) for p in kids), "the stopped children exiting")
    assert not CRASH.search(server.error_log()), server.error_log()[-3000:]


def test_an_idle_child_still_stops_at_once(httpd_factory):
    server = httpd_factory(mpm="prefork")
    master = int(server.pid_file.read_text())
    kids = wait_for(lambda: svc.children_of(master), "prefork's children")
    for pid in kids:
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not any(svc.pid_alive(p) for p in kids), "idle children exiting on SIGTERM", timeout=5)
    assert not CRASH.search(server.error_log()), server.error_log()[-3000:]


def test_children_stopped_while_they_start_exit_cleanly(httpd_factory):
    """The parent's SIGTERMs can reach a child still in its child_init hooks (a stop right after a
    start, or a respawn), and come twice at once. A child caught there exits, not crashes: the
    stop waits until the hooks are done, and the module's two threads, leaving together, free
    into an allocator the module gave a mutex (without it: SIGSEGV in apr_allocator_destroy; CI
    saw a prefork child die of SIGSEGV 0.36 s after its start). Each respawned child is stopped at a different moment of its first 40 ms, when mod_dbd
    connects and the Kafka producer starts its threads."""
    server = httpd_factory(mpm="prefork")
    master = int(server.pid_file.read_text())
    seen = set(wait_for(lambda: svc.children_of(master), "prefork's children"))
    for pid in seen:
        os.kill(pid, signal.SIGTERM)
    rng = random.Random(16)
    for _ in range(25):
        fresh = wait_for(lambda: [p for p in svc.children_of(master) if p not in seen], "prefork respawning a child",
                         timeout=30, interval=0.001)
        time.sleep(rng.uniform(0, 0.04))
        for pid in fresh:
            seen.add(pid)
            try:
                os.kill(pid, signal.SIGTERM)
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    wait_for(lambda: not any(svc.pid_alive(p) for p in seen), "the stopped children exiting")
    assert not CRASH.search(server.error_log()), server.error_log()[-3000:]
