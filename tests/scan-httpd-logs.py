#!/usr/bin/python3
"""Scans httpd error logs for children that crashed, for the test command (tests/run-all.sh).

    tests/scan-httpd-logs.py [--allow-none] DIR_OR_FILE...

httpd's parent logs a child that died of a signal as AH00052 ("child pid N exit signal ..."), or as
AH00051 when the child also left a core dump; it stays quiet about the signals it sends itself
(SIGTERM, SIGHUP, SIGKILL at stop), so every such line is a crash a test did not see: the request
that hit it may even have been answered by a fresh child. Directories are searched for files named
error_log*.

Exit status: 0 no crash; 1 crash lines found (printed with their file and line number); 2 no error
log found at all (unless --allow-none): the logs were not kept, so a clean scan would prove nothing.
"""

import re
import sys
from pathlib import Path

CRASH = re.compile(r"\bAH0005[12]: child pid \d+ exit signal\b")


def error_logs(paths):
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("error_log*") if p.is_file())
        elif path.is_file():
            yield path


def crashes(log):
    """(line number, line) of every crash line in the file log."""
    with open(log, "r", errors="replace") as f:
        return [(n, line.rstrip("\n")) for n, line in enumerate(f, 1) if CRASH.search(line)]


def main(argv):
    allow_none = "--allow-none" in argv
    paths = [a for a in argv if a != "--allow-none"]
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    logs = list(error_logs(paths))
    hits = [(log, n, line) for log in logs for n, line in crashes(log)]
    for log, n, line in hits:
        print("%s:%d: %s" % (log, n, line))
    if hits:
        print("httpd error logs: %d crashed child(ren) (AH00052/AH00051) in %d of %d logs"
              % (len(hits), len({h[0] for h in hits}), len(logs)))
        return 1
    if not logs and not allow_none:
        print("httpd error logs: none found under %s" % " ".join(paths))
        return 2
    print("httpd error logs: %d scanned, no crashed child" % len(logs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
