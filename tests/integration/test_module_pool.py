"""Issue 16, no cold pools: a child of httpd opens its PostgreSQL connections in child_init, before
it takes a request (DBDMin = DBDKeep = DBDMax in httpd-conf/solveit-stack.conf.in), and so does
every child of a graceful restart. The statements are prepared on a connection the first time it
runs each (mod_solveit/solveit_db.c), also after PostgreSQL lost them with its backend.

Each httpd here names its connections (application_name in DBDParams), so pg_stat_activity tells
them apart from those of the other tests on the shared database."""

import re
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

import services as svc
from polling import wait_for

# DBDMax of the stack's template: ThreadsPerChild 25 + 1 (the kafka_sent_at thread); prefork 2.
PER_CHILD = {"prefork": 2}


def _start(httpd_factory, services, mpm):
    """An httpd whose connections carry a name of their own, started without a request to it
    (try_start waits for the port only: /api/health would be one). (server, name, per child)"""
    name = "solveit-pool-" + uuid.uuid4().hex[:12]
    params = '"%s application_name=%s"' % (services.pg.conninfo_for_dbd, name)
    started, text = httpd_factory.try_start(replace={"DBDParams": params}, mpm=mpm)
    assert started, text
    server = httpd_factory.started[-1]
    return server, name, PER_CHILD.get(mpm, 26)


def _connections(db, name, since=None):
    """How many connections named name PostgreSQL has (opened after since, when given)."""
    if since is None:
        return db.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)).fetchone()[0]
    return db.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND backend_start > %s",
                      (name, since)).fetchone()[0]


def _pool_is_open(server, db, name, per_child, since=None):
    """(children, connections) once every child of server holds its whole pool: connections =
    children x DBDMax (after since: those of a new generation)."""
    master = int(server.pid_file.read_text())

    def probe():
        kids = svc.children_of(master)
        return len(kids), _connections(db, name, since), _connections(db, name)

    return wait_for(probe, "every child of httpd holding its %d connections" % per_child,
                    until=lambda v: v[0] >= 1 and v[1] == v[0] * per_child == v[2])


def _login(server):
    http = requests.Session()
    r = http.post(server.base + "/api/login", json={"username": "student", "password": "student"}, timeout=30)
    assert r.status_code == 200, r.text
    return http


def test_a_new_child_has_its_connections_open_before_any_request(httpd_factory, services, db, mpm):
    server, name, per_child = _start(httpd_factory, services, mpm)
    children, connections, _ = _pool_is_open(server, db, name, per_child)
    assert connections == children * per_child
    # Requests are served from the open pool: it neither grows nor shrinks.
    http = _login(server)
    for _ in range(5):
        r = http.get(server.base + "/api/tasks", timeout=30)
        assert r.status_code == 200, r.text
        assert any(t["slug"] for t in r.json()["tasks"])
    _pool_is_open(server, db, name, per_child)
    assert "DBDMax" not in server.error_log()


def test_a_graceful_restart_opens_the_new_childrens_connections_before_they_serve(httpd_factory, services, db, mpm):
    server, name, per_child = _start(httpd_factory, services, mpm)
    _pool_is_open(server, db, name, per_child)
    master = int(server.pid_file.read_text())
    old = set(svc.children_of(master))
    since = db.execute("SELECT now()").fetchone()[0]
    resumed = server.error_log().count("resuming normal operations")
    r = server._apache("-k", "graceful")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: server.error_log().count("resuming normal operations") > resumed, "the graceful restart")
    # Every connection is the new generation's, a whole pool per new child, before a request.
    wait_for(lambda: not (set(svc.children_of(master)) & old), "the old children to exit")
    _pool_is_open(server, db, name, per_child, since=since)
    http = _login(server)
    assert http.get(server.base + "/api/tasks", timeout=30).status_code == 200
    assert not re.search(r"exit signal|Segmentation fault|AddressSanitizer", server.error_log())


def test_statements_are_prepared_again_on_a_connection_postgresql_lost(httpd_factory, services, db, mpm):
    """A backend that dies takes its prepared statements along; the module resets the connection
    and prepares each statement again when it next runs there, and the answer is the same. Also on
    a connection that had run nothing yet (its first statement is the prepare that fails)."""
    server, name, per_child = _start(httpd_factory, services, mpm)
    _pool_is_open(server, db, name, per_child)
    http = _login(server)
    before = http.get(server.base + "/api/tasks", timeout=30)
    assert before.status_code == 200, before.text
    killed = db.execute("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = %s) k", (name,)).fetchone()[0]
    assert killed >= per_child
    # Requests side by side: between them they take connections used before and ones never used.
    cookie = http.cookies["solveit_session"]

    def tasks(_):
        r = requests.get(server.base + "/api/tasks", cookies={"solveit_session": cookie}, timeout=60)
        return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(tasks, range(96)))
    assert all(a == (200, before.json()) for a in answers), [a for a in answers if a[0] != 200][:3]
    assert "is not prepared" not in server.error_log()


def _catches(pid, sig):
    """Whether process pid has a handler for signal number sig (SigCgt of /proc/PID/status)."""
    with open("/proc/%d/status" % pid) as f:
        caught = int(next(line.split()[1] for line in f if line.startswith("SigCgt:")), 16)
    return bool(caught & (1 << (sig - 1)))


def test_the_parent_wakes_at_a_childs_exit_and_its_children_do_not(httpd_factory, services, db, mpm):
    """httpd's parent sleeps a whole second between rounds when no child has exited, and after a
    graceful restart it starts the new generation only after an old child exited or that second
    passed: every request waited up to a second (bench/graceful-gap.py). The module's SIGCHLD
    handler in the parent ends that sleep at the first exit; the children keep the default
    disposition, and a graceful restart keeps the parent's handler."""
    server, name, per_child = _start(httpd_factory, services, mpm)
    _pool_is_open(server, db, name, per_child)
    master = int(server.pid_file.read_text())
    assert _catches(master, signal.SIGCHLD)
    kids = svc.children_of(master)
    assert kids and not any(_catches(pid, signal.SIGCHLD) for pid in kids)
    old = set(kids)
    resumed = server.error_log().count("resuming normal operations")
    r = server._apache("-k", "graceful")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: server.error_log().count("resuming normal operations") > resumed, "the graceful restart")
    wait_for(lambda: not (set(svc.children_of(master)) & old), "the old children to exit")
    new = wait_for(lambda: svc.children_of(master), "the new generation's children")
    assert _catches(master, signal.SIGCHLD)
    assert not any(_catches(pid, signal.SIGCHLD) for pid in new)
    http = _login(server)
    assert http.get(server.base + "/api/tasks", timeout=30).status_code == 200
