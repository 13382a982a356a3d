"""The module's Prometheus metrics (<base>/api/metrics): the text parses with Prometheus' own parser,
the figures move with the requests (summed over every child: prefork is where that matters), and
only staff or the addresses of SolveitMetricsAllow may read them."""

import re

import pytest
import requests

from polling import wait_for
from services import free_port
from test_module_helpers import login

parser = pytest.importorskip("prometheus_client.parser",
                             reason="python3-prometheus-client (devstack/packages.txt) is not installed")

# The family name as the parser reports it (a counter's without _total) and its type.
FAMILIES = {
    "solveit_build_info": "gauge",
    "solveit_http_requests": "counter",
    "solveit_http_request_duration_seconds": "histogram",
    "solveit_submissions_accepted": "counter",
    "solveit_kafka_delivery_failures": "counter",
    "solveit_kafka_queue_messages": "gauge",
    "solveit_db_pool_wait_seconds": "histogram",
    "solveit_db_pool_acquire_failures": "counter",
    "solveit_redis_errors": "counter",
}
FORBIDDEN = "the metrics are for staff and for the addresses of SolveitMetricsAllow"


def families(text):
    return {f.name: f for f in parser.text_string_to_metric_families(text)}


def value(fams, family, sample, **labels):
    """The sum of family's samples called sample whose labels include labels (0 when none)."""
    return sum(s.value for s in fams[family].samples
               if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()))


def scrape(get):
    r = get("/api/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return r.text, families(r.text)


def fresh_get(server):
    """A GET on a connection of its own: under prefork successive ones reach different children."""
    def get(path):
        return requests.get(server.base + path, headers={"Connection": "close"}, timeout=30)
    return get


def test_every_family_has_help_and_type_and_histograms_add_up(httpd, db):
    staff = login(httpd, db, staff=True)
    # One pattern, two methods (two route rows): still one series per label set.
    assert staff.get("/api/submissions").status_code == 200
    assert staff.post("/api/submissions", json={}).status_code in (400, 422)
    text, fams = scrape(staff.get)
    samples = [line.rsplit(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert len(samples) == len(set(samples)), sorted(s for s in samples if samples.count(s) > 1)
    for name, kind in FAMILIES.items():
        assert name in fams, "no family %s in:\n%s" % (name, text)
        assert fams[name].type == kind, name
        assert fams[name].documentation, "%s has no HELP text" % name
    # In the text itself every TYPE line follows its HELP line, and every sample has its TYPE.
    lines = text.splitlines()
    typed = set()
    for i, line in enumerate(lines):
        if line.startswith("# TYPE "):
            name = line.split()[2]
            assert lines[i - 1].startswith("# HELP %s " % name), line
            typed.add(name)
    for line in lines:
        if not line.startswith("#"):
            sample = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            assert any(sample == t or sample in (t + "_bucket", t + "_sum", t + "_count") for t in typed), line
    version = [s for s in fams["solveit_build_info"].samples][0]
    assert version.value == 1 and re.match(r"\d+\.\d+", version.labels["version"])
    # Histograms: cumulative buckets, +Inf equal to _count, for every label set.
    for name in ("solveit_http_request_duration_seconds", "solveit_db_pool_wait_seconds"):
        series = {}
        for s in fams[name].samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": [], "count": None})
            if s.name.endswith("_bucket"):
                series[key]["buckets"].append((float(s.labels["le"]), s.value))
            elif s.name.endswith("_count"):
                series[key]["count"] = s.value
        assert series, name
        for key, h in series.items():
            counts = [v for _, v in sorted(h["buckets"])]
            assert counts == sorted(counts), (name, key, h)
            assert sorted(h["buckets"])[-1][0] == float("inf") and counts[-1] == h["count"], (name, key, h)
    # Routes are the router's patterns, never a raw URL.
    routes = {s.labels["route"] for s in fams["solveit_http_requests"].samples}
    assert all(r == "unmatched" or r.startswith("/api/") and not re.search(r"/\d+(/|$)", r) for r in routes), routes


def test_a_submission_moves_the_counters(httpd, db):
    staff = login(httpd, db, staff=True)
    student = login(httpd, db)
    _, before = scrape(staff.get)
    get = fresh_get(httpd)
    for _ in range(6):
        assert get("/api/health").status_code in (200, 503)
    assert get("/api/tasks/999999999").status_code == 401  # a pattern with {id}: counted under the pattern
    r = student.submit(task_id=1, language_id=71)
    assert r.status_code == 202, r.text

    def moved():
        _, after = scrape(staff.get)
        submits = value(after, "solveit_http_requests", "solveit_http_requests_total", route="/api/submissions",
                        method="POST", status="202")
        health = value(after, "solveit_http_requests", "solveit_http_requests_total", route="/api/health")
        health_before = value(before, "solveit_http_requests", "solveit_http_requests_total", route="/api/health")
        submits_before = value(before, "solveit_http_requests", "solveit_http_requests_total",
                               route="/api/submissions", method="POST", status="202")
        if submits >= submits_before + 1 and health >= health_before + 6:
            return after
        return None

    after = wait_for(moved, "the request counters to count the submission and the health checks")
    assert value(after, "solveit_submissions_accepted", "solveit_submissions_accepted_total", language_id="71") >= \
        value(before, "solveit_submissions_accepted", "solveit_submissions_accepted_total", language_id="71") + 1
    langs = {s.labels["language_id"]: s.labels["language"] for s in after["solveit_submissions_accepted"].samples}
    assert langs["71"].startswith("Python")
    assert value(after, "solveit_http_requests", "solveit_http_requests_total", route="/api/tasks/{id}",
                 status="401") >= 1
    assert value(after, "solveit_http_request_duration_seconds", "solveit_http_request_duration_seconds_count",
                 route="/api/submissions") >= \
        value(before, "solveit_http_request_duration_seconds", "solveit_http_request_duration_seconds_count",
              route="/api/submissions") + 1
    # The submission took a pooled connection.
    assert value(after, "solveit_db_pool_wait_seconds", "solveit_db_pool_wait_seconds_count") > \
        value(before, "solveit_db_pool_wait_seconds", "solveit_db_pool_wait_seconds_count")
    assert value(after, "solveit_kafka_queue_messages", "solveit_kafka_queue_messages") >= 0


def test_kafka_down_fills_the_queue_then_counts_the_failure(httpd_factory, mpm, services, db):
    """With the broker down a submission's message waits in its child's producer queue (the gauge,
    summed over children: under prefork the scrape is served by another child), then fails after
    message.timeout.ms (the failure counter)."""
    server = httpd_factory(mpm=mpm, extra="SolveitMetricsAllow 127.0.0.1\nSolveitKafkaOption message.timeout.ms=3000")
    get = fresh_get(server)
    student = login(server, db)

    def figures():
        fams = scrape(get)[1]
        return (value(fams, "solveit_kafka_queue_messages", "solveit_kafka_queue_messages"),
                value(fams, "solveit_kafka_delivery_failures", "solveit_kafka_delivery_failures_total"))

    _, failures_before = figures()
    services.kafka.down()
    try:
        r = student.submit()
        assert r.status_code == 202, r.text
        wait_for(lambda: figures()[0] >= 1, "the unsent message in solveit_kafka_queue_messages")
        wait_for(lambda: figures()[1] >= failures_before + 1,
                 "the delivery failure in solveit_kafka_delivery_failures_total")
        wait_for(lambda: figures()[0] == 0, "the failed message to leave the queue")
    finally:
        services.kafka.up()


def test_an_unreachable_redis_counts_errors(httpd_factory, db):
    server = httpd_factory(extra="SolveitMetricsAllow 127.0.0.1",
                           replace={"SolveitRedis": "127.0.0.1:%d" % free_port()})
    get = fresh_get(server)
    before = value(scrape(get)[1], "solveit_redis_errors", "solveit_redis_errors_total")
    student = login(server, db)
    r = student.get("/api/leaderboard")
    # Computed from PostgreSQL without the cache; 403/404 when the shared database's setting
    # leaderboard_visibility (another test's) hides it, after the cache was asked all the same.
    assert r.status_code in (200, 403, 404), r.text
    wait_for(lambda: value(scrape(get)[1], "solveit_redis_errors", "solveit_redis_errors_total") >= before + 1,
             "the failed Redis connection in solveit_redis_errors_total")


def test_students_and_visitors_are_refused(httpd, db):
    student = login(httpd, db)
    r = student.get("/api/metrics")
    assert r.status_code == 403
    assert r.json() == {"error": FORBIDDEN}
    r = requests.get(httpd.base + "/api/metrics", timeout=30)
    assert r.status_code == 403
    assert r.json() == {"error": FORBIDDEN}


def test_an_address_not_in_the_list_needs_staff(httpd_factory, mpm, db):
    server = httpd_factory(mpm=mpm, extra="SolveitMetricsAllow 10.0.0.0/8 ::1\nSolveitMetricsAllow 192.0.2.1")
    r = requests.get(server.base + "/api/metrics", timeout=30)
    assert r.status_code == 403
    assert r.json() == {"error": FORBIDDEN}
    staff = login(server, db, staff=True)
    scrape(staff.get)


def test_an_address_in_the_list_needs_no_session(httpd_factory, mpm):
    server = httpd_factory(mpm=mpm, extra="SolveitMetricsAllow 10.0.0.0/8 127.0.0.0/8 ::1")
    get = fresh_get(server)
    _, fams = scrape(get)
    assert set(FAMILIES) <= set(fams)
    # The scrapes themselves are counted, under their route.
    wait_for(lambda: value(scrape(get)[1], "solveit_http_requests", "solveit_http_requests_total",
                           route="/api/metrics", method="GET", status="200") >= 1,
             "the metrics route to count its own scrapes")


def test_a_graceful_restart_carries_the_counters_over(httpd_factory, mpm):
    server = httpd_factory(mpm=mpm, extra="SolveitMetricsAllow 127.0.0.1")
    get = fresh_get(server)
    for _ in range(5):
        get("/api/health")

    def health_count():
        return value(scrape(get)[1], "solveit_http_requests", "solveit_http_requests_total", route="/api/health")

    wait_for(lambda: health_count() >= 5, "five health checks counted")
    resumed = server.error_log().count("resuming normal operations")
    r = server._apache("-k", "graceful")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: server.error_log().count("resuming normal operations") > resumed, "the graceful restart")
    # The new generation's children add to the same segment: nothing went back to zero.
    get("/api/health")
    wait_for(lambda: health_count() >= 6, "the health checks of both generations")
    log = server.error_log()
    assert "the metrics start from zero" not in log
    assert not re.search(r"exit signal|Segmentation fault|AddressSanitizer", log), log[-3000:]


BAD_LISTS = ["10.0.0.0/33", "::1/129", "10.1", "localhost", "10.0.0.0/255.0.0.0"]


@pytest.mark.parametrize("bad", BAD_LISTS)
def test_a_bad_block_fails_the_configtest(httpd_factory, bad):
    code, output = httpd_factory.check_config(extra="SolveitMetricsAllow 127.0.0.1 %s" % bad)
    assert code != 0
    assert 'SolveitMetricsAllow: "%s" is not an IPv4 or IPv6 address or CIDR block' % bad in output, output
