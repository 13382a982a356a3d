"""tests/scan-httpd-logs.py, the test command's check for crashed httpd children: it must flag a
crash line, both in a log written here and in the log of a real httpd whose child was killed by a
signal, and stay quiet about the lines of an orderly stop."""

import os
import signal
import subprocess

from harness import REPO
from polling import wait_for, wait_log

SCAN = REPO / "tests" / "scan-httpd-logs.py"

CLEAN = """\
[Tue Dec 01 19:00:00.000001 2026] [mpm_event:notice] [pid 100:tid 1] AH00489: Apache/2.4.62 configured
[Tue Dec 01 19:00:01.000001 2026] [mpm_event:notice] [pid 100:tid 1] AH00491: caught SIGTERM, shutting down
[Tue Dec 01 19:00:02.000001 2026] [core:warn] [pid 100:tid 1] AH00045: child process 101 still did not exit
"""
CRASH = "[Tue Dec 01 19:00:03.000001 2026] [core:notice] [pid 100:tid 1] AH00052: child pid 102 exit signal " \
        "Segmentation fault (11)\n"
CORE = "[Tue Dec 01 19:00:04.000001 2026] [core:notice] [pid 100:tid 1] AH00051: child pid 103 exit signal " \
       "Aborted (6), possible coredump in /tmp\n"


def scan(*args):
    return subprocess.run(["/usr/bin/python3", str(SCAN)] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=60)


def test_clean_logs_pass(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "error_log").write_text(CLEAN)
    r = scan(tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 scanned, no crashed child" in r.stdout


def test_a_crash_line_fails_and_is_printed(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "error_log").write_text(CLEAN)
    (tmp_path / "b" / "error_log").write_text(CLEAN + CRASH + CORE)
    r = scan(tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "%s:4: %s" % (tmp_path / "b" / "error_log", CRASH.strip()) in r.stdout.splitlines()
    assert "%s:5: %s" % (tmp_path / "b" / "error_log", CORE.strip()) in r.stdout.splitlines()
    assert "2 crashed child(ren)" in r.stdout and "in 1 of 2 logs" in r.stdout


def test_no_log_at_all_fails_unless_allowed(tmp_path):
    r = scan(tmp_path)
    assert r.returncode == 2 and "none found" in r.stdout, r.stdout + r.stderr
    assert scan("--allow-none", tmp_path).returncode == 0


def test_a_real_child_killed_by_a_signal_is_flagged(httpd_factory, monkeypatch):
    # This httpd crashes on purpose: its logs stay in its own root, not among those the test
    # command scans afterwards.
    monkeypatch.delenv("SOLVEIT_HTTPD_LOG_DIR", raising=False)
    server = httpd_factory(mpm="event")
    master = server._master_pid()
    children = wait_for(lambda: subprocess.run(["pgrep", "-P", str(master)], capture_output=True,
                                               text=True).stdout.split(), "httpd's children")
    os.kill(int(children[0]), signal.SIGSEGV)
    wait_log(server.error_log, r"AH0005[12]: child pid %s exit signal" % children[0], name="httpd's error log")
    r = scan(server.log_dir)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "child pid %s exit signal" % children[0] in r.stdout
