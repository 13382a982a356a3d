"""Foundation: the module loads under each MPM and reports the real state of PostgreSQL and Kafka;
the embedded broker speaks Kafka to kcat; migrations are safe to re-run; a bad directive stops
httpd with its name; the dev stack starts, keeps its data, and leaves nothing behind."""

import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest
import requests

from harness import REPO, services
from test_module_helpers import health, wait_health

VERSION = re.search(r"AC_INIT\(\[solveit\], \[([^\]]+)\]", (REPO / "configure.ac").read_text()).group(1)


def test_health_reports_database_and_kafka_ok(httpd, mpm):
    status, body = health(httpd)
    assert status == 200, body
    assert body == {"status": "ok", "database": "ok", "kafka": "ok", "version": VERSION}
    assert "[error]" not in httpd.error_log() or "solveit" not in httpd.error_log()


def test_health_needs_no_login_and_rejects_post(httpd):
    r = requests.post(httpd.base + "/api/health", timeout=15)
    assert r.status_code == 405
    assert "error" in r.json()


def test_kcat_message_is_read_back(services):
    key = str(uuid.uuid4())
    payload = json.dumps({"submission_id": 1, "probe": key})
    produced = services.kcat("-P", "-t", "code-submissions", "-k", key, input=payload + "\n")
    assert produced.returncode == 0, produced.stderr
    consumed = services.kcat("-C", "-t", "code-submissions", "-o", "beginning", "-e", "-f", "%k\t%s\n")
    assert consumed.returncode == 0, consumed.stderr
    assert "%s\t%s" % (key, payload) in consumed.stdout.splitlines()


def test_embedded_broker_has_partitioned_topics(services):
    listing = services.kcat("-L", "-J")
    assert listing.returncode == 0, listing.stderr
    topics = {t["topic"]: len(t["partitions"]) for t in json.loads(listing.stdout)["topics"]}
    assert topics["code-submissions"] > 1
    assert topics["code-results"] > 1


def test_health_follows_postgresql_down_and_up(services, httpd_factory):
    server = httpd_factory(mpm="event")
    assert wait_health(server, "database", "ok")[1]["database"] == "ok"
    services.pg.stop()
    try:
        status, body = health(server)
        assert body["database"] != "ok"
        assert body["status"] != "ok"
        assert status == 503
    finally:
        services.pg.start()
    _, body = wait_health(server, "database", "ok")
    assert body["database"] == "ok", body
    assert body["status"] == "ok", body


def test_health_follows_kafka_down_and_up(services, httpd_factory):
    server = httpd_factory(mpm="worker")
    assert wait_health(server, "kafka", "ok")[1]["kafka"] == "ok"
    services.kafka.down()
    try:
        _, body = wait_health(server, "kafka", "down")
        assert body["kafka"] == "down", body
        assert body["status"] != "ok"
    finally:
        services.kafka.up()
    assert wait_health(server, "kafka", "ok")[1]["kafka"] == "ok"


@pytest.mark.parametrize("directive,value", [
    ("SolveitKafkaBrokers", '""'),
    ("SolveitKafkaBrokers", '"127.0.0.1:notaport"'),
    ("SolveitKafkaTopic", '"bad topic!"'),
])
def test_bad_directive_stops_httpd_naming_it(httpd_factory, directive, value):
    started, text = httpd_factory.try_start(replace={directive: value})
    assert not started
    assert directive in text, text


@pytest.fixture
def services_tmp(services):
    """A directory the unprivileged service account can reach (pytest's tmp_path is 0700)."""
    path = services.tmp / ("case-%d" % time.monotonic_ns())
    path.mkdir(mode=0o755)
    return path


def test_dev_stack_refuses_unreachable_var_with_a_clear_message(tmp_path):
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    os.chmod(tmp_path, 0o700)
    proc = subprocess.run([str(REPO / "devstack" / "stack.sh"), "up", "--var", str(hidden / "var"), "--port",
                           str(services.free_port())], env=dict(os.environ, SOLVEIT_SKIP_SETUP="1"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "cannot reach" in proc.stderr and "--var" in proc.stderr, proc.stdout + proc.stderr


def test_migrations_are_safe_to_run_twice(services, db):
    before = db.execute("SELECT count(*) FROM tests").fetchone()[0]
    out = services.pg.migrate(demo=True)
    assert "applying" not in out
    assert db.execute("SELECT count(*) FROM tests").fetchone()[0] == before
    versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    files = sorted(p.stem for p in (REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))
    assert versions == files


def test_demo_data_matches_design(db):
    users = dict(db.execute("SELECT username, is_staff FROM users WHERE username IN ('student', 'teacher')"))
    assert users == {"student": False, "teacher": True}
    # The bytes live in blobs (sql/022); tests.input and expected_output are only a way to write text.
    rows = db.execute("""SELECT t."order", convert_from(i.content, 'UTF8'), convert_from(a.content, 'UTF8'),
                                t.weight, t.is_sample
                         FROM tests t JOIN tasks k ON k.id = t.task_id
                         JOIN blobs i ON i.sha256 = t.input_sha256 JOIN blobs a ON a.sha256 = t.answer_sha256
                         WHERE k.slug = 'aplusb' ORDER BY t."order" """).fetchall()
    assert all(r[0] == '' for r in db.execute("SELECT input || expected_output FROM tests")), "text moved to blobs"
    assert rows[0][4] is True and not any(r[4] for r in rows[1:])
    assert any(r[1].startswith("-") for r in rows), "a negative case"
    assert any(abs(int(r[2])) > 2**31 for r in rows), "a 64-bit case"
    for _, inp, expected, _, _ in rows:
        a, b = map(int, inp.split())
        assert int(expected) == a + b
    assert len({r[3] for r in rows}) > 1, "weighted tests"
    hello = db.execute("""SELECT convert_from(a.content, 'UTF8') FROM tests t JOIN tasks k ON k.id = t.task_id
                          JOIN blobs a ON a.sha256 = t.answer_sha256 WHERE k.slug = 'hello'""").fetchall()
    assert hello == [("Hello, World!\n",)]
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] >= 3


def test_changing_tests_bumps_task_revision(db):
    before = db.execute("SELECT revision FROM tasks WHERE slug = 'maxofn'").fetchone()[0]
    db.execute("""UPDATE tests SET weight = weight WHERE task_id = (SELECT id FROM tasks WHERE slug = 'maxofn')
                  AND "order" = 1""")
    assert db.execute("SELECT revision FROM tasks WHERE slug = 'maxofn'").fetchone()[0] == before + 1


def _stack_pids(var):
    pids = []
    for name in ("stack", "redis", "kafka", "judge-worker", "result-sink"):
        p = var / ("%s.pid" % name)
        if p.exists():
            pids.append(int(p.read_text()))
    httpd_pid = var / "httpd" / "httpd.pid"
    if httpd_pid.exists():
        pids.append(int(httpd_pid.read_text()))
    pg_pid = var / "pg" / "data" / "postmaster.pid"
    if pg_pid.exists():
        pids.append(int(pg_pid.read_text().split()[0]))
    return pids


def _start_stack(var, port):
    env = dict(os.environ, SOLVEIT_SKIP_SETUP="1")
    proc = subprocess.Popen([str(REPO / "devstack" / "stack.sh"), "up", "--var", str(var), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    # Up (its url file) or gone; the caller asserts which, with the output of a stack that exited.
    services.poll(lambda: (var / "url").exists() or proc.poll() is not None, 120)
    return proc


def test_dev_stack_up_keeps_data_and_ctrl_c_leaves_nothing(services_tmp):
    var = services_tmp / "devstack-var"
    port = services.free_port()
    proc = _start_stack(var, port)
    try:
        assert (var / "url").exists(), proc.stdout.read() if proc.poll() is not None else "no url"
        url = (var / "url").read_text().strip()
        body = requests.get(url + "api/health", timeout=15).json()
        assert body["database"] == "ok" and body["kafka"] == "ok", body
        pids = _stack_pids(var)
        assert len(pids) >= 5
        pg = services.Postgres(var / "pg")
        subprocess.run(["psql", "-X", "-q", "-h", str(pg.sock), "-p", str(pg.port), "-U", pg.user, pg.dbname, "-c",
                        "INSERT INTO teams (name) VALUES ('kept across restarts')"], check=True)
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, output
    assert "student / student" in output and "teacher / teacher" in output
    for pid in pids:
        assert not services.pid_alive(pid), "pid %d still running after Ctrl-C:\n%s" % (pid, output)
    assert not services.port_open(port)

    proc = _start_stack(var, port)
    try:
        assert (var / "url").exists(), proc.stdout.read() if proc.poll() is not None else "no url"
        out = subprocess.run(["psql", "-X", "-At", "-h", str(pg.sock), "-p", str(pg.port), "-U", pg.user, pg.dbname,
                              "-c", "SELECT count(*) FROM teams WHERE name = 'kept across restarts'"],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert out == "1"
    finally:
        stopped = subprocess.run([str(REPO / "devstack" / "stack.sh"), "stop", "--var", str(var)],
                                 capture_output=True, text=True, timeout=120)
        proc.communicate(timeout=60)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not services.port_open(port)


def test_example_configuration_for_an_existing_apache_parses(tmp_path):
    """httpd-conf/solveit.conf, as shipped for an existing Apache, passes apache2 -t once its one
    required file is there: the keyring, whose line doc/install.md uncomments after making it."""
    mods = services.APACHE_MODULES
    shipped = (REPO / "httpd-conf" / "solveit.conf").read_text()
    assert re.search(r"^#SolveitKeyFile \S+$", shipped, re.M), "the example no longer names the keyring"
    example = tmp_path / "solveit.conf"
    example.write_text(re.sub(r"^#SolveitKeyFile \S+$", "SolveitKeyFile %s" % services.key_file(tmp_path), shipped,
                              flags=re.M))
    conf = tmp_path / "httpd.conf"
    conf.write_text("\n".join([
        "ServerRoot %s" % tmp_path, "Listen 127.0.0.1:%d" % services.free_port(), "ErrorLog %s/error_log" % tmp_path,
        "PidFile %s/httpd.pid" % tmp_path,
        "LoadModule mpm_event_module %s/mod_mpm_event.so" % mods,
        "LoadModule authz_core_module %s/mod_authz_core.so" % mods,
        "LoadModule alias_module %s/mod_alias.so" % mods,
        "LoadModule dir_module %s/mod_dir.so" % mods,
        "LoadModule headers_module %s/mod_headers.so" % mods,
        "LoadModule dbd_module %s/mod_dbd.so" % mods,
        "LoadModule solveit_module %s" % services.MODULE_SO,
        "Include %s" % example,
    ]) + "\n")
    r = subprocess.run([services.APACHE_BIN, "-t", "-f", str(conf)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Syntax OK" in r.stdout + r.stderr, r.stdout + r.stderr
