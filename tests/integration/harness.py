"""The integration tests' view of the stack: the same service classes the dev stack uses
(devstack/services.py), started in a temporary directory on free ports. httpd's logs go with it,
unless SOLVEIT_HTTPD_LOG_DIR keeps them elsewhere (tests/run-all.sh scans them afterwards)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "devstack"))

import services  # noqa: E402
from services import Httpd, KafkaMock, Postgres, Redis, ServiceError, chown_run_user  # noqa: E402,F401

# The programs under test. SOLVEIT_RESULT_SINK runs the tests against another build of the sink
# (e.g. one with -fsanitize=address).
MODULE = services.MODULE_SO
WORKER = REPO / "judge-worker" / "judge-worker"
SINK = Path(os.environ.get("SOLVEIT_RESULT_SINK", REPO / "result-sink" / "result-sink"))
SANDBOX = REPO / "judge-worker" / "sandbox" / "solveit-sandbox"


class SignedProducer:
    """confluent_kafka's Producer, each message signed (services.signed_headers) under the label of
    what it carries: given, or by its topic (a sample run's result by its kind). sign=False sends a
    message as anyone who reaches the broker could."""

    LABELS = {"code-submissions": "submission", "code-results": "result", "code-runs": "run"}

    def __init__(self, key_file, config):
        from confluent_kafka import Producer
        self.key_file = key_file
        self.inner = Producer(config)

    def label_of(self, topic, value):
        label = self.LABELS.get(topic, "result")
        if label == "result" and value and b'"sample_run"' in value:
            return "run-result"
        return label

    def produce(self, topic, value=None, key=None, label=None, sign=True, headers=None, **kw):
        if isinstance(value, str):
            value = value.encode()
        if sign:
            headers = list(headers or []) + services.signed_headers(self.key_file, label or self.label_of(topic, value),
                                                                    value or b"")
        self.inner.produce(topic, value=value, key=key, headers=headers, **kw)

    def flush(self, *args):
        return self.inner.flush(*args)

    def poll(self, *args):
        return self.inner.poll(*args)


class Stack:
    """PostgreSQL (migrated, demo data), Redis and the embedded Kafka broker."""

    def __init__(self, durable=False):
        """durable: PostgreSQL with the dev stack's fsync settings (benchmarks); the tests' clusters
        are thrown away and skip them. SOLVEIT_STACK_TMP: the directory the stack's own directory
        is made in (the temporary directory by default)."""
        self.tmp = Path(tempfile.mkdtemp(prefix="solveit-test-", dir=os.environ.get("SOLVEIT_STACK_TMP") or None))
        os.chmod(self.tmp, 0o755)
        self.pg = Postgres(self.tmp / "pg", durable=durable)
        self.redis = Redis(self.tmp / "redis")
        self.kafka = KafkaMock(self.tmp / "kafka")
        self._httpd_count = 0

    def start(self):
        self.pg.start()
        self.pg.migrate(demo=True)
        self.redis.start()
        self.kafka.start()
        return self

    def stop(self):
        for stop in (self.kafka.stop, self.redis.stop, self.pg.stop):
            try:
                stop()
            except Exception as e:  # keep stopping the rest
                print("stopping: %s" % e, file=sys.stderr)
        if os.environ.get("SOLVEIT_KEEP_TMP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)

    def httpd(self, mpm="event", extra="", replace=None, values=None):
        """A new (not yet started) httpd with its own server root and port. SOLVEIT_HTTPD_CORE_DIR
        (a directory the run user can write) makes its crashed children leave core files there:
        httpd's children may only dump core with a CoreDumpDirectory; the shell that starts the
        tests must also allow them (ulimit -c unlimited)."""
        self._httpd_count += 1
        core_dir = os.environ.get("SOLVEIT_HTTPD_CORE_DIR")
        if core_dir:
            extra = "%s\nCoreDumpDirectory \"%s\"\n" % (extra, core_dir)
        root = self.tmp / ("httpd-%d-%s" % (self._httpd_count, mpm))
        return Httpd(root, self.pg, self.kafka.bootstrap, mpm=mpm, extra=extra, replace=replace, values=values,
                     redis=self.redis.address)

    @property
    def key_file(self):
        """The keyring the module, the daemons and the tests' own producers sign with."""
        return services.key_file(self.pg.dir.parent)

    def producer(self, **config):
        """A Kafka producer for this stack whose messages are signed as the services sign theirs."""
        return SignedProducer(self.key_file, dict({"bootstrap.servers": self.kafka.bootstrap}, **config))

    def daemon_env(self, kafka_options=services.QUICK_REJOIN, **extra):
        """The daemons' environment for this stack, plus extra SOLVEIT_* settings."""
        return dict(services.daemon_env(self.pg, self.kafka, self.redis, kafka_options), **extra)

    def kcat(self, *args, input=None, timeout=30):
        return subprocess.run(["kcat", "-b", self.kafka.bootstrap] + list(args), input=input, capture_output=True,
                              text=True, timeout=timeout)

    def read_topic(self, topic, fmt="%k\t%h\t%s\n"):
        """Every record of topic, read with kcat (bytes that are not UTF-8 shown as U+FFFD)."""
        r = subprocess.run(["kcat", "-b", self.kafka.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                            "-f", fmt], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout.decode("utf-8", errors="replace")

    def messages(self, topic, key, skip_invalid=False):
        """The records of topic keyed by key, as parsed JSON, in order. One that is not JSON fails the
        caller, unless skip_invalid leaves it out (topics the tests also fill with garbage on purpose)."""
        out = []
        for line in self.read_topic(topic, fmt="%k\t%s\n").splitlines():
            k, _, value = line.partition("\t")
            if k != str(key):
                continue
            try:
                out.append(json.loads(value))
            except ValueError:
                if not skip_invalid:
                    raise
        return out
