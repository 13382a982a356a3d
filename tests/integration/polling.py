"""The one way the tests (and the bench scripts) wait for something to happen.

Every wait is on an observable event, with a bound generous enough for a busy 2-core machine: the
bound says when to give up, not how fast things must be. A wait that gives up fails with what it
waited for and the last value it saw, which is usually what a reader of the failure needs first.

The loop itself is services.poll, shared with the dev stack (devstack/ is on the path through
pytest.ini, harness.py or the bench scripts); the specialised waits (a log line, submissions
reaching a final state) are thin wrappers here, so there is one loop to read and to fix.
"""

import re

from services import poll

DEFAULT_TIMEOUT = 60.0
FINAL_STATES = ("completed", "failed")


class WaitTimeout(AssertionError):
    """A wait gave up. An AssertionError, so pytest reports it as the test's failure."""


def _shown(value, limit=2000):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "... (%d characters)" % len(text)


def wait_for(probe, what, timeout=DEFAULT_TIMEOUT, until=None, interval=0.1):
    """Calls probe() until its value is truthy (or passes until(value) when given) and returns it.

    After timeout seconds raises WaitTimeout naming `what` and the last value seen. probe may raise
    (an AssertionError, say, when a process it watches has died): that ends the wait at once.
    """
    if not isinstance(what, str):
        raise TypeError("wait_for(probe, what, timeout): what is a description, got %r" % (what,))
    done, value = poll(probe, timeout, until, interval)
    if not done:
        raise WaitTimeout("%s: did not happen within %.0f s; last seen: %s" % (what, timeout, _shown(value)))
    return value


def wait_log(read, pattern, count=1, since=0, timeout=DEFAULT_TIMEOUT, alive=None, name="the log"):
    """Waits until the regular expression pattern occurs count times in read()[since:].

    read returns the whole log text; alive, when given, is asked each time so that a process that
    exited fails the wait at once with its log tail instead of after the whole timeout.
    """
    def seen():
        text = read()
        n = len(re.findall(pattern, text[since:]))
        if n < count and alive is not None and not alive():
            raise WaitTimeout("%s exited before /%s/ x%d was logged:\n%s" % (name, pattern, count, text[-4000:]))
        return n

    try:
        return wait_for(seen, "/%s/ x%d in %s" % (pattern, count, name), timeout, until=lambda n: n >= count)
    except WaitTimeout as e:
        raise WaitTimeout("%s\n--- %s (tail) ---\n%s" % (e, name, read()[-6000:])) from None


def final_submissions(conn, ids):
    """{id: (status, verdict)} of those of ids whose row in PostgreSQL is final."""
    rows = conn.execute("SELECT id, status, verdict FROM submissions WHERE id = ANY(%s) AND status = ANY(%s)",
                        (list(ids), list(FINAL_STATES))).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def wait_final(conn, ids, timeout, at_least=None, what=None, interval=0.1):
    """Waits until at least at_least (all by default) of the submissions ids are final in PostgreSQL;
    returns final_submissions() at that moment."""
    ids = list(ids)
    want = len(ids) if at_least is None else at_least
    what = what or ("%d of %d submissions final" % (want, len(ids)))
    return wait_for(lambda: final_submissions(conn, ids), what, timeout, until=lambda got: len(got) >= want,
                    interval=interval)
