"""The daemons' Prometheus listeners (--metrics-listen, issue 15): judge-worker and result-sink
serve /metrics as Prometheus text that prometheus_client parses, and the figures move when a
submission is judged. A bad address or a port already taken stops either daemon at start with a
message naming the option."""

import socket
import subprocess
import uuid

import pytest
import requests

from harness import SINK, WORKER
from pipeline_stack import Pipeline
from polling import wait_final, wait_for
from services import free_port
from test_judge_worker import PY
from test_kafka_trust import result_event, send, store_submission
from test_module_helpers import task_by_slug

parser = pytest.importorskip("prometheus_client.parser", reason="python3-prometheus-client is not installed")

pytestmark = pytest.mark.usefixtures("built_programs")

OPTION = "--metrics-listen / SOLVEIT_METRICS_LISTEN"
DAEMONS = {"judge-worker": WORKER, "result-sink": SINK}


def scrape(port):
    r = requests.get("http://127.0.0.1:%d/metrics" % port, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    return {f.name: f for f in parser.text_string_to_metric_families(r.text)}


def value(families, family, sample, **labels):
    """The sum of family's samples named sample whose labels include labels (0 when none)."""
    f = families.get(family)
    if f is None:
        return 0
    return sum(s.value for s in f.samples if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()))


@pytest.fixture(scope="module")
def metered(services):
    worker_port, sink_port = free_port(), free_port()
    stats = services.tmp / ("metrics-worker-stats-%s" % uuid.uuid4().hex[:8])
    # The worker's address by variable, the sink's by flag: both ways are read.
    p = Pipeline(services, sink_args=("--verbose", "--metrics-listen", "127.0.0.1:%d" % sink_port),
                 worker_env={"SOLVEIT_METRICS_LISTEN": "127.0.0.1:%d" % worker_port, "SOLVEIT_STATS_FILE": str(stats)})
    p.worker_port, p.sink_port, p.stats_file = worker_port, sink_port, stats
    try:
        for name, port, proc in (("judge-worker", worker_port, p.worker), ("result-sink", sink_port, p.sink)):
            def up(port=port, proc=proc, name=name):
                assert proc.alive(), "%s exited: %s" % (name, proc.log.read_text()[-2000:])
                try:
                    return requests.get("http://127.0.0.1:%d/metrics" % port, timeout=5).status_code == 200
                except requests.ConnectionError:
                    return False
            wait_for(up, "%s serving /metrics" % name, 60)
        yield p
    finally:
        p.stop()


def test_a_judged_submission_moves_the_figures(metered, db):
    task_id = task_by_slug(db, "hello")
    worker0, sink0 = scrape(metered.worker_port), scrape(metered.sink_port)
    client = metered.client(db, "metrics")
    r = client.submit(task_id=task_id, language_id=71, code="print('Hello, World!')\n")
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    got = wait_final(db, [sid], 300)
    assert got[sid][:2] == ("completed", "AC"), got

    judged = ("solveit_worker_judged", "solveit_worker_judged_total")
    before = value(worker0, *judged, verdict="AC", language="71")
    worker = wait_for(lambda: scrape(metered.worker_port), "the worker's judged_total to move", 60,
                      until=lambda f: value(f, *judged, verdict="AC", language="71") >= before + 1)
    assert worker["solveit_worker_judged"].type == "counter"
    duration = worker["solveit_worker_judge_duration_seconds"]
    assert duration.type == "histogram"
    count = value(worker, "solveit_worker_judge_duration_seconds", "solveit_worker_judge_duration_seconds_count",
                  language="71", executor="local")
    assert count >= before + 1
    buckets = [s for s in duration.samples if s.name.endswith("_bucket") and s.labels.get("language") == "71"]
    assert buckets[-1].labels["le"] == "+Inf" and buckets[-1].value == count
    assert [s.value for s in buckets] == sorted(s.value for s in buckets), "buckets are cumulative"
    assert value(worker, "solveit_worker_received", "solveit_worker_received_total") >= 1
    assert worker["solveit_worker_in_flight"].type == "gauge"
    assert value(worker, "solveit_worker_in_flight", "solveit_worker_in_flight") >= 0
    assert worker["solveit_worker_consumer_lag"].type == "gauge"
    assert {s.labels.get("reason") for s in worker["solveit_worker_retries"].samples} >= {"executor", "judge0"}

    applied = ("solveit_sink_results_applied", "solveit_sink_results_applied_total")
    sink_before = value(sink0, *applied, verdict="AC")
    sink = wait_for(lambda: scrape(metered.sink_port), "the sink's applied counter to move", 60,
                    until=lambda f: value(f, *applied, verdict="AC") >= sink_before + 1)
    for name in ("solveit_sink_results_refused", "solveit_sink_dead_letters", "solveit_sink_sweeper_actions",
                 "solveit_sink_db_errors"):
        assert sink[name].type == "counter", name
    assert sink["solveit_sink_consumer_lag"].type == "gauge"


def test_refused_messages_are_counted_by_reason(metered, services, db):
    """An unsigned submission and an unsigned result: the worker's dead letters and the sink's
    refusals count them as "unsigned", and the sink's dead letters confirmed by the broker too."""
    dead = ("solveit_worker_dead_letters", "solveit_worker_dead_letters_total")
    refused = ("solveit_sink_results_refused", "solveit_sink_results_refused_total")
    sink_dead = ("solveit_sink_dead_letters", "solveit_sink_dead_letters_total")
    worker0, sink0 = scrape(metered.worker_port), scrape(metered.sink_port)
    producer = services.producer()
    msg = store_submission(db, PY["AC"])
    send(producer, "code-submissions", msg["submission_id"], msg, sign=False)
    send(producer, "code-results", msg["submission_id"], result_event(msg, "AC", 100), sign=False)
    before = value(worker0, *dead, reason="unsigned")
    wait_for(lambda: scrape(metered.worker_port), "the worker's unsigned dead letter counted", 120,
             until=lambda f: value(f, *dead, reason="unsigned") >= before + 1)
    before, dead_before = value(sink0, *refused, reason="unsigned"), value(sink0, *sink_dead)
    wait_for(lambda: scrape(metered.sink_port), "the sink's unsigned refusal and its dead letter counted", 120,
             until=lambda f: value(f, *refused, reason="unsigned") >= before + 1
             and value(f, *sink_dead) >= dead_before + 1)


def test_every_stats_file_counter_is_exported(metered):
    """Whatever worker_stats counts (the --stats-file lines) appears as solveit_worker_<name>_total
    (a gauge of worker_stats, stats_is_gauge, as solveit_worker_<name>), with no code of its own."""
    lines = wait_for(lambda: metered.stats_file.exists() and metered.stats_file.read_text().split("\n"),
                     "the worker's stats file", 30)
    names = [line.split()[0] for line in lines if line.strip()]
    assert "cache_hits" in names and "received" in names
    families = scrape(metered.worker_port)
    missing = [n for n in names if "solveit_worker_" + n not in families
               or families["solveit_worker_" + n].type not in ("counter", "gauge")]
    assert not missing, missing


def test_consumer_lag_per_partition(metered):
    """Refreshed every few seconds from librdkafka's figures: the assigned partitions appear."""
    def lag_samples(port, family):
        return [s for s in scrape(port)[family].samples]
    samples = wait_for(lambda: lag_samples(metered.worker_port, "solveit_worker_consumer_lag"),
                       "the worker's lag per partition", 60)
    assert all(s.labels["topic"] == "code-submissions" and s.labels["partition"].isdigit() and s.value >= 0
               for s in samples), samples
    samples = wait_for(lambda: lag_samples(metered.sink_port, "solveit_sink_consumer_lag"),
                       "the sink's lag per partition", 60)
    assert all(s.labels["topic"] == "code-results" and s.value >= 0 for s in samples), samples


def test_other_paths_are_404(metered):
    for port in (metered.worker_port, metered.sink_port):
        r = requests.get("http://127.0.0.1:%d/" % port, timeout=10)
        assert r.status_code == 404 and "/metrics" in r.text
        r = requests.post("http://127.0.0.1:%d/metrics" % port, timeout=10)
        assert r.status_code == 405


def run(program, env, *args):
    return subprocess.run([str(program), "--foreground"] + list(args), env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("name", sorted(DAEMONS))
@pytest.mark.parametrize("bad, why", [
    ("9464", 'is not ADDRESS:PORT (an IPv6 address goes in brackets: [::1]:9464)'),
    ("127.0.0.1:http", "the port is not a number from 1 to 65535"),
    ("[::1]9464", "is not [IPv6-address]:PORT"),
    ("no-such-host.invalid:9464", '"no-such-host.invalid:9464": '),
])
def test_bad_address_stops_the_daemon(services, name, bad, why):
    r = run(DAEMONS[name], services.daemon_env(), "--metrics-listen", bad)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "%s: %s" % (name, OPTION) in r.stderr and why in r.stderr, r.stderr[-2000:]


@pytest.mark.parametrize("name", sorted(DAEMONS))
def test_taken_port_stops_the_daemon(services, name):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        address = "127.0.0.1:%d" % s.getsockname()[1]
        r = run(DAEMONS[name], services.daemon_env(SOLVEIT_METRICS_LISTEN=address))
    assert r.returncode == 1, r.stderr[-2000:]
    assert "%s %s: cannot listen there: Address already in use" % (OPTION, address) in r.stderr, r.stderr[-2000:]


@pytest.mark.parametrize("name", sorted(DAEMONS))
def test_help_documents_the_option(name):
    r = subprocess.run([str(DAEMONS[name]), "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "--metrics-listen" in r.stdout and "SOLVEIT_METRICS_LISTEN" in r.stdout
