"""mod_solveit's health endpoint, the producer lifecycle and mod_dbd across a PostgreSQL restart."""

from test_module_helpers import health, login, wait_health


def test_health_reports_database_kafka_and_version(httpd):
    status, body = health(httpd)
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "kafka": "ok", "version": body["version"]}
    assert body["version"].count(".") == 2


def test_health_follows_postgresql_stop_and_restart(httpd, services, db):
    client = login(httpd, db)
    services.pg.stop()
    try:
        status, body = wait_health(httpd, "database", "down")
        assert status == 503
        assert body["status"] == "degraded"
        r = client.get("/api/tasks")
        assert r.status_code == 503
        assert r.json() == {"error": "database unavailable"}
    finally:
        services.pg.start()
    # Pooled connections come back through PQreset without their prepared statements: the module
    # re-prepares them, so every statement works again, not only the health check.
    status, body = wait_health(httpd, "database", "ok")
    assert status == 200
    for _ in range(8):  # several requests, to reach several pooled connections
        r = client.get("/api/tasks")
        assert r.status_code == 200, r.text
    r = client.submit()
    assert r.status_code == 202, r.text


def test_health_reports_kafka_down_and_up(httpd, services):
    services.kafka.down()
    try:
        status, body = wait_health(httpd, "kafka", "down")
        assert status == 503
        assert body["database"] == "ok"
    finally:
        services.kafka.up()
    wait_health(httpd, "kafka", "ok")


def test_children_flush_and_exit_cleanly_on_stop(httpd_factory, mpm, db):
    server = httpd_factory(mpm=mpm)
    client = login(server, db)
    assert client.submit().status_code == 202
    server.stop()
    log = server.error_log()
    assert "Segmentation fault" not in log
    assert "AH00045" not in log  # the parent had to SIGTERM/SIGKILL a child that did not exit
