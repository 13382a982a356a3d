"""doc/install.md, run word for word against a system-style Apache in a temporary root.

The guide's shell blocks marked ```sh install-step are extracted and run in order, in one bash
script, after a settings block of the test's own in place of the guide's ```sh install-settings
(the session's private PostgreSQL, Redis and embedded Kafka broker, fresh account and task names).
Each path of the steps under /etc, /usr and /var is put under the temporary root T, and the
machine-wide commands become their local equivalents: `systemctl reload apache2` is `apache2ctl
start` with APACHE_CONFDIR=T/etc/apache2 (a copy of this machine's /etc/apache2 with its own port,
pid file, run and log directories), `systemd-sysusers` gets --root=T. The build runs on a copy of
the source tree as `make distdir` makes it (what a release tarball holds). systemd itself is not
run: the daemons are started as their installed units' ExecStart lines say, with the variables
of their EnvironmentFile. The submission the guide sends at the end must be judged AC."""

import grp
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from harness import REPO
from polling import wait_final
from services import RUN_USER, Process, free_port, run_user_ids, stop_pid

GUIDE = REPO / "doc" / "install.md"
BLOCK = re.compile(r"^```sh ([a-z-]+)\n(.*?)^```$", re.M | re.S)
# A path of the Debian layout in the guide's text (not one inside a longer path or a URL).
SYSTEM_PATH = re.compile(r"(?<![\w$./:-])/(etc|usr|var|tmp)(?=[/\s\"']|$)")


def guide_blocks(tag):
    return [text for kind, text in BLOCK.findall(GUIDE.read_text()) if kind == tag]


def settings_names(text):
    return sorted(set(re.findall(r"^([A-Z_]+)=", text, re.M)))


def under_root(text, root):
    """The guide's commands with Debian's paths under root and the machine-wide steps local."""
    assert "systemctl reload apache2" in text or "systemctl" not in text, "an install-step runs systemctl: %s" % text
    text = text.replace("systemctl reload apache2", "apache2ctl start")
    text = text.replace('make -j"$(nproc)"', "nice make -j2")
    text = SYSTEM_PATH.sub(lambda m: "__ROOT__/%s" % m.group(1), text)
    # Never this machine's own directories: a step the substitution missed would install into them.
    left = SYSTEM_PATH.findall(text)
    assert not left, "a Debian path of the guide was not put under the test's root: %s\n%s" % (left, text)
    text = text.replace("__ROOT__", str(root))
    # The accounts go into root's own passwd and group files, never this machine's.
    return text.replace("systemd-sysusers ", "systemd-sysusers --root=%s " % root)


def environment_file(path):
    """The variables of a systemd EnvironmentFile: KEY=VALUE lines, # comments, one level of quotes."""
    env = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def unit_settings(path):
    out = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def system_apache(root, port):
    """root/etc/apache2: this machine's Debian layout with its own port, pid file and directories,
    and the children running as the account that may reach the session's PostgreSQL socket."""
    conf = root / "etc" / "apache2"
    shutil.copytree("/etc/apache2", conf, symlinks=True)
    for enabled in (conf / "mods-enabled" / "solveit.load", conf / "conf-enabled" / "solveit.conf"):
        if enabled.is_symlink() or enabled.exists():
            enabled.unlink()
    (conf / "ports.conf").write_text("Listen 127.0.0.1:%d\n" % port)
    run = {"RUN_DIR": root / "var/run/apache2", "LOCK_DIR": root / "var/lock/apache2",
           "LOG_DIR": root / "var/log/apache2"}
    for d in run.values():
        d.mkdir(parents=True, exist_ok=True)
    group = grp.getgrgid(run_user_ids()[1]).gr_name
    with open(conf / "envvars", "a") as f:
        f.write("\n# test_install.py: this copy's own places\n")
        f.write("export APACHE_RUN_USER=%s\nexport APACHE_RUN_GROUP=%s\n" % (RUN_USER, group))
        f.write("export APACHE_PID_FILE=%s/apache2.pid\n" % run["RUN_DIR"])
        for key, d in run.items():
            f.write("export APACHE_%s=%s\n" % (key, d))
    (root / "var/lib/apache2").mkdir(parents=True, exist_ok=True)
    return conf


@pytest.fixture
def install_root(services):
    for tool in ("a2enmod", "a2enconf", "apache2ctl", "systemd-sysusers"):
        if not shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin"):
            pytest.skip("%s is missing (apt-get install apache2 systemd)" % tool)
    if not Path("/etc/apache2/apache2.conf").exists():
        pytest.skip("no Debian Apache layout in /etc/apache2 (apt-get install apache2)")
    if os.geteuid() != 0:
        pytest.skip("the guide runs as root (chown, the sandbox)")
    root = services.tmp / ("install-%s" % uuid.uuid4().hex[:8])
    root.mkdir()
    os.chmod(root, 0o755)
    started = []
    yield root, started
    env = dict(os.environ, APACHE_CONFDIR=str(root / "etc" / "apache2"))
    if (root / "etc" / "apache2" / "envvars").exists():
        subprocess.run(["apache2ctl", "stop"], env=env, capture_output=True, timeout=60)
    # Whatever apache2ctl did, the copy's httpd must not outlive the test.
    pid_file = root / "var/run/apache2/apache2.pid"
    if pid_file.exists():
        try:
            stop_pid(int(pid_file.read_text().split()[0]))
        except (ValueError, IndexError, ProcessLookupError):
            pass
    for proc in started:
        proc.stop()


def test_guide_has_the_settings_the_test_replaces():
    """The test's settings block sets exactly the variables of the guide's, so no step of the guide
    uses a value the test would not give it."""
    blocks = guide_blocks("install-settings")
    assert len(blocks) == 1, "doc/install.md needs one ```sh install-settings block"
    assert settings_names(blocks[0]) == sorted(TEST_SETTINGS)
    assert len(guide_blocks("install-step")) >= 6


TEST_SETTINGS = ["DB_PASSWORD", "SOLVEIT_DB", "KAFKA_BROKERS", "REDIS", "REDIS_PASSWORD", "BASE", "ADMIN",
                 "ADMIN_PASSWORD", "STUDENT", "STUDENT_PASSWORD", "TASK"]


def test_install_guide_judges_a_submission(services, db, install_root):
    root, started = install_root
    port = free_port()
    apache_conf = system_apache(root, port)
    src = root / "src"
    # distdir relative to the tree: automake's subdirectories put ../ before it.
    r = subprocess.run(["make", "-s", "-C", str(REPO), "distdir", "distdir=%s" % os.path.relpath(src, REPO)],
                       capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, "make distdir failed:\n%s%s" % (r.stdout, r.stderr)
    assert (src / "htdocs" / "vendor" / "editor.js").exists(), "the tarball lacks the built htdocs/vendor"

    tag = uuid.uuid4().hex[:8]
    settings = {"DB_PASSWORD": "", "SOLVEIT_DB": services.pg.dsn, "KAFKA_BROKERS": services.kafka.bootstrap,
                "REDIS": services.redis.address, "REDIS_PASSWORD": services.redis.password,
                "BASE": "http://127.0.0.1:%d/solveit" % port, "ADMIN": "inst-admin-" + tag,
                "ADMIN_PASSWORD": "admin-pw-" + tag, "STUDENT": "inst-student-" + tag,
                "STUDENT_PASSWORD": "student-pw-" + tag, "TASK": "install-" + tag}
    head = ["set -euxo pipefail"] + ["%s=%s" % (k, shell_quote(v)) for k, v in settings.items()]
    (root / "tmp").mkdir()
    env = dict(os.environ, APACHE_CONFDIR=str(apache_conf), APACHE_STATE_DIRECTORY=str(root / "var/lib/apache2"),
               PATH="%s/usr/sbin:%s/usr/bin:%s" % (root, root, os.environ.get("PATH", "")))
    # The steps up to the guide's systemd block, the daemons as systemd would start them, the rest.
    parts, current = [], []
    for kind, text in BLOCK.findall(GUIDE.read_text()):
        if kind == "install-step":
            current.append(under_root(text, root))
        elif kind == "install-systemd":
            parts.append(current)
            current = []
    parts.append(current)
    assert len(parts) == 2, "doc/install.md needs one ```sh install-systemd block between its steps"
    run_steps(root, src, env, head + parts[0], "install-1")

    usr = root / "usr"
    units = usr / "lib" / "systemd" / "system"
    for name, as_user in (("judge-worker", None), ("result-sink", RUN_USER)):
        unit = unit_settings(units / (name + ".service"))
        env_file = unit["EnvironmentFile"][0]
        assert env_file == "%s/etc/solveit/%s.conf" % (root, name)
        daemon_env = environment_file(env_file)
        # systemd's CacheDirectory=solveit: the test file cache's parent, here under root.
        daemon_env.setdefault("SOLVEIT_TEST_CACHE_DIR", str(root / "var/cache/solveit/tests"))
        # The session's broker is shared with the tests after this one: with librdkafka's default
        # session timeout (45 s) a daemon stopped uncleanly would hold its partitions of the
        # judge-workers and result-sink groups that long; the other test daemons' 6 s apply here.
        daemon_env["SOLVEIT_KAFKA_OPTIONS"] = " ".join(
            filter(None, [daemon_env.get("SOLVEIT_KAFKA_OPTIONS", ""), "session.timeout.ms=6000 heartbeat.interval.ms=500"]))
        cmd = unit["ExecStart"][0].split()
        assert cmd[0] == "%s/usr/sbin/%s" % (root, name)
        if as_user:
            # User=solveit-sink with SupplementaryGroups=solveit: here the account of the session's
            # PostgreSQL socket, which is in the group that reads the keyring too.
            assert unit["User"] == ["solveit-sink"] and unit["SupplementaryGroups"] == ["solveit"]
            cmd = ["runuser", "-u", as_user, "--"] + cmd
        started.append(Process(name, cmd, root / (name + ".log"), env=daemon_env).start())
    run_steps(root, src, env, head + parts[1], "install-2")

    # The layout: Debian's places under root, the daemons' settings private, no test program.
    for path in ("lib/apache2/modules/mod_solveit.so", "sbin/judge-worker", "sbin/result-sink", "bin/solveit-admin",
                 "sbin/solveit-migrate", "share/solveit/htdocs/index.html", "share/solveit/sql/migrate.sh",
                 "share/solveit/languages.json", "lib/systemd/system/judge-worker.service",
                 "lib/sysusers.d/solveit.conf"):
        assert (usr / path).exists(), path
    assert not list(usr.glob("*bin/solveit-kafka-mock")), "the test Kafka broker was installed"
    for name in ("judge-worker.conf", "result-sink.conf"):
        assert (root / "etc/solveit" / name).stat().st_mode & 0o777 == 0o640, name
    load = (apache_conf / "mods-enabled" / "solveit.load").read_text()
    assert "# Depends: dbd headers" in load and "dbd_module" not in load
    assert (apache_conf / "mods-enabled" / "dbd.load").exists() and (apache_conf / "mods-enabled" / "headers.load").exists()
    assert 'Alias /solveit/ "%s/usr/share/solveit/htdocs/"' % root in (apache_conf / "conf-enabled" / "solveit.conf").read_text()

    submission = (root / "tmp" / "solveit-submission.json").read_text()
    sid = int(re.search(r'"submission_id"\s*:\s*(\d+)', submission).group(1))
    got = wait_final(db, {sid: "AC"}, 300, what="the guide's submission judged")
    assert got[sid] == ("completed", "AC"), "%r\n--- judge-worker:\n%s\n--- result-sink:\n%s" % (
        got[sid], (root / "judge-worker.log").read_text()[-3000:], (root / "result-sink.log").read_text()[-3000:])

    base = settings["BASE"]
    assert requests.get(base + "/", timeout=30).status_code == 200
    assert requests.get(base + "/vendor/editor.js", timeout=30).status_code == 200
    assert requests.get(base + "/api/health", timeout=30).json()["status"] == "ok"

    # make install again keeps the edited daemon settings; solveit-migrate again applies nothing.
    again = subprocess.run(["nice", "make", "-s", "install"], cwd=src, capture_output=True, text=True, timeout=1800)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "keeping %s/etc/solveit/judge-worker.conf" % root in again.stdout
    assert environment_file(root / "etc/solveit/judge-worker.conf")["SOLVEIT_DB"] == services.pg.dsn
    migrate = subprocess.run([str(usr / "sbin/solveit-migrate"), services.pg.dsn], capture_output=True, text=True,
                             timeout=120)
    assert migrate.returncode == 0 and "applying" not in migrate.stdout, migrate.stdout + migrate.stderr

    # The operator's errors of the build and the migration script, each with what to do.
    no_db = subprocess.run([str(usr / "sbin/solveit-migrate")], capture_output=True, text=True, timeout=60,
                           env={k: v for k, v in os.environ.items() if k != "SOLVEIT_DB"})
    assert no_db.returncode == 2 and "no database given" in no_db.stderr and "SOLVEIT_DB" in no_db.stderr
    shutil.rmtree(src / "htdocs" / "vendor")
    no_npm = subprocess.run(["make", "-s", "NPM="], cwd=src, capture_output=True, text=True, timeout=1800)
    assert no_npm.returncode != 0 and "npm was not found" in no_npm.stderr and "--disable-vendor" in no_npm.stderr
    # Without the Check library: configure warns and goes on, make check says what to install.
    configure = subprocess.run(["./configure", "--without-check", "--disable-vendor", "--prefix=%s/usr" % root,
                                "--sysconfdir=%s/etc" % root, "--localstatedir=%s/var" % root], cwd=src,
                               capture_output=True, text=True, timeout=600)
    assert configure.returncode == 0, configure.stdout + configure.stderr
    no_check = subprocess.run(["nice", "make", "-s", "check"], cwd=src, capture_output=True, text=True, timeout=1800)
    assert no_check.returncode != 0 and "apt-get install check" in no_check.stderr, no_check.stdout + no_check.stderr


def run_steps(root, src, env, lines, name):
    (root / (name + ".sh")).write_text("\n".join(lines) + "\n")
    log = root / (name + ".log")
    with open(log, "w") as out:
        r = subprocess.run(["bash", str(root / (name + ".sh"))], cwd=src, env=env, stdout=out, stderr=subprocess.STDOUT,
                           timeout=3600)
    assert r.returncode == 0, "the guide's steps failed (%s):\n%s" % (name, log.read_text()[-6000:])


def shell_quote(value):
    return "'%s'" % str(value).replace("'", "'\\''")
