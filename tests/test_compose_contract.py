"""docker-compose.yml against the programs it runs (tests/check_compose.py's checks), with no
service and no Docker engine. Each check passes on the repository's files and is shown to fail on
a copy with one of issue 15's faults put back.

    /usr/bin/python3 -m pytest -p no:cacheprovider tests/test_compose_contract.py"""

import copy
import json
import os
import signal
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "devstack"))
import check_compose as cc  # noqa: E402
from polling import wait_for  # noqa: E402

COMPOSE = cc.REPO / "docker-compose.yml"
TEXT = COMPOSE.read_text()
DOC = yaml.safe_load(TEXT)
READERS, NOT_BUILT = cc.program_variables()
ENTRYPOINT = cc.PROGRAMS["httpd-entrypoint.sh"]
MODULE = cc.REPO / "mod_solveit" / ".libs" / "mod_solveit.so"
APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if Path("/usr/sbin/apache2").exists() else None)


def doc():
    return copy.deepcopy(DOC)


def need(program):
    if program not in READERS:
        pytest.skip(NOT_BUILT.get(program, "%s not built" % program))


# ---- structure -----------------------------------------------------------------------------------

def test_structure_is_valid():
    assert list(cc.structure_problems(DOC, COMPOSE.parent)) == []


def test_structure_sees_an_undeclared_secret_and_an_unknown_dependency():
    d = doc()
    d["services"]["httpd"]["secrets"].append("nowhere")
    d["services"]["httpd"]["depends_on"]["ghost"] = {"condition": "service_started"}
    found = list(cc.structure_problems(d, COMPOSE.parent))
    assert "httpd: secret nowhere is not declared" in found
    assert "httpd: depends on unknown service ghost" in found


def test_a_misspelt_key_is_seen():
    d = doc()
    d["services"]["httpd"]["healthchek"] = d["services"]["httpd"].pop("healthcheck")
    d["services"]["kafka"]["healthcheck"]["start-period"] = "30s"
    d["service"] = {}
    found = list(cc.structure_problems(d, COMPOSE.parent))
    assert "httpd: healthchek is not a service key of the compose specification" in found
    assert "kafka: healthcheck: start-period is not a healthcheck key" in found
    assert "top level: service is not a compose key" in found


def test_top_level_extension_fields_are_not_services():
    assert all(not name.startswith("x-") for name in cc.services_of(DOC))


# ---- every SOLVEIT_* variable is read by the program that gets it --------------------------------

@pytest.mark.parametrize("program", sorted(cc.PROGRAMS))
def test_help_lists_variables(program):
    need(program)
    assert "SOLVEIT_KAFKA_BROKERS" in READERS[program] or program == "solveit-admin"
    assert "SOLVEIT_DB" in READERS[program]


def test_every_variable_a_service_sets_is_read():
    for program in ("judge-worker", "result-sink", "solveit-admin", "httpd-entrypoint.sh"):
        need(program)
    assert list(cc.environment_problems(DOC, READERS)) == []


def test_the_workers_judge0_token_variable_is_the_one_it_reads():
    need("judge-worker")
    assert "SOLVEIT_JUDGE0_TOKEN" in READERS["judge-worker"]
    assert DOC["services"]["judge-worker"]["environment"]["SOLVEIT_JUDGE0_TOKEN"]
    d = doc()  # issue 15: the compose file set SOLVEIT_JUDGE0_AUTH_TOKEN, and every submission got a 401
    env = d["services"]["judge-worker"]["environment"]
    env["SOLVEIT_JUDGE0_AUTH_TOKEN"] = env.pop("SOLVEIT_JUDGE0_TOKEN")
    assert list(cc.environment_problems(d, READERS)) == [
        "judge-worker: sets SOLVEIT_JUDGE0_AUTH_TOKEN, which judge-worker does not read "
        "(its --help lists no such variable)"]


def test_a_variable_for_httpd_that_the_entrypoint_does_not_know_is_seen():
    need("httpd-entrypoint.sh")
    d = doc()
    d["services"]["httpd"]["environment"]["SOLVEIT_DBD_PARAMS"] = "host=x"
    assert any("SOLVEIT_DBD_PARAMS" in p for p in cc.environment_problems(d, READERS))


def test_variables_on_a_service_that_runs_no_solveit_program_are_seen():
    d = doc()
    d["services"]["redis"]["environment"] = {"SOLVEIT_REDIS": "x"}
    assert any(p.startswith("redis: sets SOLVEIT_REDIS but runs sh") for p in cc.environment_problems(d, READERS))


def test_the_entrypoint_help_lists_every_variable_the_script_reads():
    script = ENTRYPOINT.read_text()
    used = set(cc.re.findall(r"\b(SOLVEIT_[A-Z0-9_]+)", script.split("usage() {", 1)[0] + script.split("EOF\n}", 1)[1]))
    r = subprocess.run(["sh", str(ENTRYPOINT), "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    assert used - cc.help_variables(r.stdout) == set()


# ---- health checks, restart policies, start order ------------------------------------------------

def test_every_long_running_service_has_a_healthcheck_and_a_restart_policy():
    assert list(cc.health_problems(DOC)) == []
    assert {n for n, s in DOC["services"].items() if cc.long_running(n, s)} >= {
        "postgres", "redis", "kafka", "httpd", "judge-worker", "result-sink", "judge0-server", "judge0-workers",
        "judge0-db", "judge0-redis"}


def test_a_missing_healthcheck_or_restart_policy_is_seen():
    d = doc()
    del d["services"]["result-sink"]["healthcheck"]
    del d["services"]["kafka"]["restart"]
    found = list(cc.health_problems(d))
    assert "result-sink: runs for good but has no healthcheck" in found
    assert "kafka: runs for good but has no restart policy (restart: unless-stopped)" in found


def test_solveit_services_start_after_the_migration_and_kafka_init():
    assert list(cc.order_problems(DOC)) == []


def test_a_service_that_may_start_before_the_migration_finished_is_seen():
    d = doc()  # issue 15: `depends_on: [migrate]` lets httpd start while the migration still runs
    d["services"]["httpd"]["depends_on"] = ["migrate", "kafka-init"]
    d["services"]["migrate"]["restart"] = "on-failure"
    found = list(cc.order_problems(d))
    assert "httpd: does not wait for migrate (depends_on: migrate: condition: service_completed_successfully)" in found
    assert 'migrate: a one-shot must say restart: "no"' in found


# ---- particular services -------------------------------------------------------------------------

def test_service_specifics_hold():
    assert list(cc.service_problems(DOC, TEXT)) == []


def test_kafka_data_outside_its_volume_is_seen():
    d = doc()  # issue 15: the volume was at /var/lib/kafka/data while the broker wrote elsewhere
    del d["services"]["kafka"]["environment"]["KAFKA_LOG_DIRS"]
    assert any(p.startswith("kafka: KAFKA_LOG_DIRS is not set") for p in cc.service_problems(d, TEXT))
    d["services"]["kafka"]["environment"]["KAFKA_LOG_DIRS"] = "/tmp/kraft-combined-logs"
    assert any("is not a volume" in p for p in cc.service_problems(d, TEXT))


def test_unprivileged_judge0_and_a_missing_cgroup_note_are_seen():
    d = doc()
    del d["services"]["judge0-workers"]["privileged"]
    text = TEXT.replace(cc.CGROUP_NOTE, "")
    found = list(cc.service_problems(d, text))
    assert "judge0-workers: Judge0 1.13.1's isolate needs privileged: true" in found
    assert any(p.startswith("docker-compose.yml does not say that Judge0 1.13.1 needs cgroup v1") for p in found)


def test_a_mounted_httpd_config_and_healthchecks_of_the_wrong_kind_are_seen():
    d = doc()  # issue 15: the unedited example was mounted into conf-enabled
    d["services"]["httpd"]["volumes"] = ["./httpd-conf/solveit.conf:/etc/apache2/conf-enabled/solveit.conf:ro"]
    d["services"]["httpd"]["healthcheck"]["test"] = ["CMD", "true"]
    found = list(cc.service_problems(d, TEXT))
    assert "httpd: mounts a configuration file; the entrypoint writes it from the environment" in found
    assert "httpd: its healthcheck does not use /api/health" in found


def test_the_migration_applies_every_sql_file_in_order(tmp_path):
    assert list(cc.migration_problems(DOC["services"]["migrate"])) == []
    shutil.copy(cc.REPO / "sql" / "migrate.sh", tmp_path)
    for name in ("001_init.sql", "002_next.sql", "34_short.sql", "002_again.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    found = list(cc.migration_problems(DOC["services"]["migrate"], sql_dir=tmp_path))
    assert any(p.startswith("sql/34_short.sql: migrate.sh applies only [0-9][0-9][0-9]_*.sql") for p in found)
    assert any(p.startswith("sql/: two migrations numbered 002") for p in found)
    other = {"command": ["psql", "-f", "/usr/share/solveit/sql/001_init.sql"]}
    assert any(p.startswith("migrate: does not run /usr/share/solveit/sql/migrate.sh") for p in cc.migration_problems(other))


# ---- the image -----------------------------------------------------------------------------------

def test_the_image_loads_its_modules_and_installs_its_scripts():
    assert list(cc.image_problems()) == []
    template = (cc.REPO / "docker" / "httpd.conf.in").read_text()
    without = "\n".join(line for line in template.splitlines() if "headers_module" not in line)
    assert list(cc.image_problems(template=without)) == ["docker/httpd.conf.in: does not load headers_module"]
    dockerfile = (cc.REPO / "Dockerfile").read_text().replace("docker/connected.sh", "")
    assert any("docker/connected.sh" in p for p in cc.image_problems(dockerfile=dockerfile))


def test_the_runtime_image_installs_every_library_the_programs_link():
    found = list(cc.library_problems())
    if found and found[0].startswith("skip: "):
        pytest.skip(found[0][6:])
    assert found == []
    dockerfile = (cc.REPO / "Dockerfile").read_text().replace(" libhiredis0.14", "")
    assert any("from package libhiredis0.14" in p for p in cc.library_problems(dockerfile=dockerfile))


def test_the_runtime_packages_are_debian_12_packages():
    if not shutil.which("apt-cache"):
        pytest.skip("apt-cache is not installed")
    packages = sorted(cc.runtime_packages((cc.REPO / "Dockerfile").read_text()))
    r = subprocess.run(["apt-cache", "show", "--no-all-versions"] + packages, capture_output=True, text=True)
    known = set(cc.re.findall(r"^Package: (\S+)", r.stdout, cc.re.M))
    if not known:
        pytest.skip("apt has no package lists (apt-get update)")
    assert [p for p in packages if p not in known] == []


def test_the_build_context_leaves_out_secrets_and_keeps_every_tracked_file():
    ignore = [p for p in (cc.REPO / ".dockerignore").read_text().splitlines() if p and not p.startswith("#")]
    for secret in (".env", "*.keys", "secrets", ".git", "var", "node_modules"):
        assert secret in ignore
    r = subprocess.run(["git", "-C", str(cc.REPO), "ls-files"], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("not a git checkout")
    excluded = [f for f in r.stdout.split() if dockerignored(f, ignore)]
    assert excluded == []


def dockerignored(path, patterns):
    """Docker's rule, enough for .dockerignore's patterns: the last matching line wins; a pattern
    matches the path or one of its parent directories; * and ? stop at /, **/ matches any depth."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = glob_regex(pattern[1:] if negate else pattern)
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            result = not negate
    return result


def glob_regex(pattern):
    out = ""
    while pattern:
        if pattern.startswith("**/"):
            out, pattern = out + "(?:.*/)?", pattern[3:]
        elif pattern[0] == "*":
            out, pattern = out + "[^/]*", pattern[1:]
        elif pattern[0] == "?":
            out, pattern = out + "[^/]", pattern[1:]
        else:
            out, pattern = out + cc.re.escape(pattern[0]), pattern[1:]
    return cc.re.compile(out)


def test_the_dockerignore_matcher_follows_docker():
    assert dockerignored("htdocs/index.html", ["htdocs/*.html"])
    assert not dockerignored("htdocs/src/nav.html", ["htdocs/*.html"])
    assert dockerignored("judge-worker/.libs/x.so", ["**/.libs"])
    assert dockerignored("Makefile", ["**/Makefile"])
    assert not dockerignored("tests/unit/check_x.c", ["tests/unit/check_*", "!tests/unit/check_*.c"])
    assert dockerignored("var/pg/data", ["var"])


# ---- the httpd configuration generated from the environment --------------------------------------

def needs_module():
    if not MODULE.exists():
        pytest.skip("mod_solveit is not built (make)")
    if not APACHE:
        pytest.skip("apache2 is not installed")


def test_the_template_renders_into_a_configuration_apache_accepts(tmp_path):
    needs_module()
    code, output, conf = cc.render_config(tmp_path)
    assert code == 0, output
    assert "Syntax OK" in output
    text = conf.read_text()
    assert 'DBDParams "host=127.0.0.1 dbname=solveit user=solveit password=s3cret connect_timeout=3"' in text
    assert "Listen 8080" in text and 'ServerName "judge.example.org"' in text
    assert "SolveitStaff teacher alice" in text and "SolveitLanguages 50 71" in text
    assert 'SolveitKafkaOption "sasl.password=pw1"' in text
    assert "@" not in "".join(line for line in text.splitlines() if not line.startswith("#"))
    # It holds the database and Kafka passwords: root's only.
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert list(cc.render_problems()) == []


@pytest.mark.parametrize("missing,message", [
    ("SOLVEIT_DB", "solveit-httpd: SOLVEIT_DB is not set: it gives DBDParams"),
    ("SOLVEIT_KAFKA_BROKERS", "solveit-httpd: SOLVEIT_KAFKA_BROKERS is not set: it gives SolveitKafkaBrokers"),
])
def test_a_missing_required_variable_stops_it_with_its_name(tmp_path, missing, message):
    code, output, conf = cc.render_config(tmp_path, {missing: None})
    assert code != 0
    assert message in output
    assert not conf.exists()


@pytest.mark.parametrize("overrides,message", [
    ({"SOLVEIT_DB": 'host=x password="q"'}, "SOLVEIT_DB holds a double quote, a backslash or ${"),
    ({"SOLVEIT_SERVER_NAME": "${HOME}"}, "SOLVEIT_SERVER_NAME holds a double quote, a backslash or ${"),
    ({"SOLVEIT_STAFF": "teacher <b>"}, 'SOLVEIT_STAFF: "<b>" holds a character other than'),
    ({"SOLVEIT_KAFKA_OPTIONS": "acks"}, 'SOLVEIT_KAFKA_OPTIONS: "acks" is not key=value'),
    ({"SOLVEIT_HTTPD_CHILDREN": "many"}, 'SOLVEIT_HTTPD_CHILDREN: "many" is not a positive number'),
    ({"SOLVEIT_HTTPD_PORT": "99999"}, 'SOLVEIT_HTTPD_PORT: "99999" is not a port number'),
    ({"SOLVEIT_BASE_PATH": "/judge/"}, 'SOLVEIT_BASE_PATH: "/judge/" must start with / and not end with /'),
    ({"SOLVEIT_KEY_FILE": "/nonexistent/solveit.keys"}, "SOLVEIT_KEY_FILE: /nonexistent/solveit.keys cannot be read"),
    ({"SOLVEIT_REDIS_PASSWORD_FILE": "/nonexistent/redis.password"},
     "SOLVEIT_REDIS_PASSWORD_FILE: /nonexistent/redis.password cannot be read"),
])
def test_an_unusable_value_stops_it_with_the_variable_named(tmp_path, overrides, message):
    code, output, _ = cc.render_config(tmp_path, overrides)
    assert code != 0
    assert message in output


def test_a_value_the_module_refuses_names_the_directive_and_the_variables(tmp_path):
    needs_module()
    code, output, _ = cc.render_config(tmp_path, {"SOLVEIT_SUBMISSION_RATE": "ten"})
    assert code != 0
    assert "SolveitSubmissionRate" in output and "is not a number of submissions per minute" in output
    assert "httpd refuses the configuration written to" in output
    assert "the SOLVEIT_* variable that --help names" in output


def answer(url):
    """(status, body) of a GET without following redirects, or None while nothing listens."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None
    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=10) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers
    except (urllib.error.URLError, ConnectionError):
        return None


def test_httpd_runs_from_the_generated_configuration(tmp_path):
    """The entrypoint's whole run, as the container does it: write, check, exec apache2. With no
    database or broker behind it, health says degraded (503, the container is unhealthy), and the
    pages are served; the compose stop signal (SIGWINCH) stops it."""
    needs_module()
    run = Path(tempfile.mkdtemp(prefix="compose-httpd-"))
    run.chmod(0o755)  # httpd's children (www-data when run as root) use its mutex files here
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"SOLVEIT_DB": "host=127.0.0.1 port=1 dbname=solveit user=solveit connect_timeout=1",
           "SOLVEIT_KAFKA_BROKERS": "127.0.0.1:1", "SOLVEIT_HTTPD_PORT": str(port),
           "SOLVEIT_HTTPD_RUN_DIR": str(run / "run"), "SOLVEIT_HTTPD_CHILDREN": "1"}
    keys = run / "solveit.keys"
    keys.write_text("k1 %s\n" % ("cd" * 32))
    keys.chmod(0o640)
    env.update({"SOLVEIT_KEY_FILE": str(keys), "SOLVEIT_HTTPD_CONF": str(run / "httpd.conf"),
                "SOLVEIT_HTTPD_MODULE": str(MODULE), "SOLVEIT_HTDOCS": str(cc.REPO / "htdocs"),
                "PATH": os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"})
    log = open(run / "output", "wb")
    proc = subprocess.Popen(["sh", str(ENTRYPOINT)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = "http://127.0.0.1:%d" % port
    try:
        status, body, _ = wait_for(lambda: answer(base + "/solveit/api/health"), "httpd's health answer", timeout=90)
        health = json.loads(body)
        assert (status, health["status"], health["database"], health["kafka"]) == (503, "degraded", "down", "down")
        status, body, headers = answer(base + "/solveit/")
        assert status == 200 and "<html" in body.lower()
        assert headers["Cache-Control"] == "no-cache"
        status, _, headers = answer(base + "/")
        assert status == 302 and headers["Location"].endswith("/solveit/")
        proc.send_signal(signal.SIGWINCH)
        proc.wait(timeout=60)
        output = (run / "output").read_text()
        assert "Syntax OK" in output and "caught SIGWINCH, shutting down gracefully" in output
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        log.close()
        shutil.rmtree(run, ignore_errors=True)


def test_an_unknown_argument_is_refused():
    r = subprocess.run(["sh", str(ENTRYPOINT), "--start"], capture_output=True, text=True)
    assert r.returncode != 0
    assert 'solveit-httpd: unknown argument "--start"' in r.stderr


# ---- docker/connected.sh, the result-sink's health check -----------------------------------------

def test_connected_sees_an_established_connection_and_its_absence():
    script = str(cc.REPO / "docker" / "connected.sh")
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp")
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    peer, _ = server.accept()
    try:
        r = subprocess.run([script, str(port)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    finally:
        for s in (client, peer):
            s.close()
    server.close()
    r = subprocess.run([script, str(port)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "connected.sh: no established connection to port %d" % port in r.stderr
    r = subprocess.run([script, "postgres"], capture_output=True, text=True)
    assert r.returncode == 2 and '"postgres" is not a port number' in r.stderr


# ---- the command tests/run-all.sh runs -----------------------------------------------------------

def test_check_compose_passes_and_fails_with_the_problem_named(tmp_path):
    script = str(cc.REPO / "tests" / "check_compose.py")
    only = dict(os.environ, SOLVEIT_COMPOSE_CHECK_ONLY="1")  # not this file again
    r = subprocess.run([sys.executable, script, str(COMPOSE)], capture_output=True, text=True, timeout=300, env=only)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "is valid" in r.stdout
    d = doc()
    env = d["services"]["judge-worker"]["environment"]
    env["SOLVEIT_JUDGE0_AUTH_TOKEN"] = env.pop("SOLVEIT_JUDGE0_TOKEN")
    del d["services"]["httpd"]["healthcheck"]
    bad = tmp_path / "docker-compose.yml"
    bad.write_text(yaml.safe_dump(d))
    shutil.copy(cc.REPO / "Dockerfile", tmp_path)
    os.makedirs(tmp_path / "secrets")
    (tmp_path / "secrets" / "redis.password").write_text("x\n")
    r = subprocess.run([sys.executable, script, str(bad)], capture_output=True, text=True, timeout=300, env=only)
    assert r.returncode == 1
    assert "compose: httpd: runs for good but has no healthcheck" in r.stdout
    if "judge-worker" in READERS:
        assert "compose: judge-worker: sets SOLVEIT_JUDGE0_AUTH_TOKEN, which judge-worker does not read" in r.stdout
