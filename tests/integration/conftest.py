import os

import psycopg
import pytest

from harness import MODULE, SANDBOX, SINK, WORKER, Stack

MPMS = [m for m in os.environ.get("SOLVEIT_MPMS", "event,worker,prefork").split(",") if m]


@pytest.fixture(scope="session")
def built_programs():
    """The module and the daemons under test. A missing one fails the tests that need it: the test
    command builds everything first, so absence means a broken build, never a reason to skip."""
    missing = [str(p) for p in (MODULE, WORKER, SINK, SANDBOX) if not p.exists()]
    if missing:
        pytest.fail("not built (run make): %s" % ", ".join(missing))


@pytest.fixture(scope="session")
def services():
    stack = Stack().start()
    yield stack
    stack.stop()


@pytest.fixture
def db(services):
    with psycopg.connect(services.pg.dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session", params=MPMS)
def mpm(request):
    return request.param


@pytest.fixture(scope="session")
def httpd(services, mpm):
    server = services.httpd(mpm=mpm).start()
    yield server
    server.stop()


class HttpdFactory:
    def __init__(self, services):
        self.services = services
        self.started = []

    def __call__(self, mpm="event", extra="", replace=None, values=None):
        server = self.services.httpd(mpm=mpm, extra=extra, replace=replace, values=values)
        self.started.append(server)
        return server.start()

    def check_config(self, extra="", replace=None, mpm="event"):
        return self.services.httpd(mpm=mpm, extra=extra, replace=replace).check_config()

    def try_start(self, extra="", replace=None, mpm="event"):
        server = self.services.httpd(mpm=mpm, extra=extra, replace=replace)
        self.started.append(server)
        return server.try_start()

    def stop_all(self):
        for server in self.started:
            server.stop()


@pytest.fixture
def httpd_factory(services):
    factory = HttpdFactory(services)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="module")
def pipeline(services):
    """httpd, judge-worker and result-sink on the session's services, one set per test module
    (pipeline_stack.Pipeline)."""
    from pipeline_stack import Pipeline
    p = Pipeline(services)
    yield p
    p.stop()
