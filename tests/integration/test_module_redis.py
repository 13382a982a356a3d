"""mod_solveit's Redis connections (solveit_redis.c): a per-child pool, not a connection per
request, and a connection that Redis dropped is replaced without the module giving up on Redis."""

from test_module_helpers import login


def _redis(services):
    return services.redis.client()


def _connections_received(services):
    return int(_redis(services).info("stats")["total_connections_received"])


def test_requests_share_pooled_connections(httpd, db, services):
    client = login(httpd, db)
    assert client.get("/api/leaderboard").status_code == 200  # the child's pool has its connection now
    before = _connections_received(services)
    for _ in range(20):
        r = client.get("/api/leaderboard")
        assert r.status_code == 200, r.text
    # One keep-alive connection reaches one child; every request there reuses its Redis
    # connection (the one INFO above is ours).
    assert _connections_received(services) - before <= 2


def test_a_dropped_connection_is_replaced(httpd, db, services):
    client = login(httpd, db)
    assert client.get("/api/leaderboard").status_code == 200
    log_before = httpd.error_log_path.read_text(errors="replace")
    # Redis closes every client connection, the pooled ones included (as after a restart).
    _redis(services).client_kill_filter(_type="normal", skipme=False)
    before = _connections_received(services)
    r = client.get("/api/leaderboard")
    assert r.status_code == 200, r.text
    assert r.headers["ETag"].startswith('"lb-')
    new_lines = httpd.error_log_path.read_text(errors="replace")[len(log_before):]
    # The stale connection was retried on a fresh one: no failure, no quiet time without Redis.
    assert "Redis" not in new_lines, new_lines
    assert _connections_received(services) > before
