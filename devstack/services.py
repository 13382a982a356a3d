"""Start and stop the stack's real services: PostgreSQL, Redis, the embedded Kafka broker, httpd
with mod_solveit, and the daemons.

One piece of code serves the dev stack (devstack/stack.py, under var/) and the integration tests
(tests/integration/harness.py, under a temporary directory). Nothing here is a stand-in: each class
runs the real program from Debian's packages or from this tree.

Runs as root (the dev stack and CI do): PostgreSQL refuses root, so it and httpd's children run as
an unprivileged account (RUN_USER, created by devstack/setup.sh).
"""

import glob
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUN_USER = os.environ.get("SOLVEIT_RUN_USER", "solveit")
APACHE_MODULES = os.environ.get("SOLVEIT_APACHE_MODULES", "/usr/lib/apache2/modules")
APACHE_BIN = shutil.which("apache2", path="/usr/sbin:" + os.environ.get("PATH", "")) or "/usr/sbin/apache2"
MODULE_SO = REPO / "mod_solveit" / ".libs" / "mod_solveit.so"
KAFKA_MOCK = REPO / "devstack" / "solveit-kafka-mock"
TEMPLATE = REPO / "httpd-conf" / "solveit-stack.conf.in"
SANDBOX_DIR = REPO / "judge-worker" / "sandbox"


# The embedded broker keeps a departed group member until its session times out (45 s by default)
# before a restarted daemon gets partitions: the dev stack and the tests keep sessions short.
QUICK_REJOIN = "session.timeout.ms=6000 heartbeat.interval.ms=500 reconnect.backoff.max.ms=500"


class ServiceError(RuntimeError):
    """A service did not start or stop; the message says which and shows its log tail."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def log_tail(path, lines=40):
    try:
        with open(path, "r", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log at %s)" % path


def poll(probe, timeout, until=None, interval=0.05):
    """The one polling loop of the stack and of the tests (tests/integration/polling.py builds its
    waits on it): calls probe() until its value is truthy, or passes until(value) when given, or
    timeout seconds pass. Returns (True, value) or (False, the last value seen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if until(value) if until else value:
            return True, value
        if time.monotonic() >= deadline:
            return False, value
        time.sleep(interval)


def wait_until(predicate, timeout, what, log=None):
    """Waits for predicate() to be truthy; a ServiceError (with the log's tail) after timeout."""
    if not poll(predicate, timeout)[0]:
        raise ServiceError("%s did not happen within %.0f s%s" % (what, timeout, "\n" + log_tail(log) if log else ""))


def _stat_fields(pid):
    """The fields of /proc/<pid>/stat after the command name (state, parent, ...), or None when the
    process is gone. The name is in parentheses and may hold any character, ")" and spaces too."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def parent_of(pid):
    """The parent's pid, or None when the process is gone."""
    fields = _stat_fields(pid)
    try:
        return int(fields[1]) if fields else None
    except (ValueError, IndexError):
        return None


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        fields = _stat_fields(pid)
        return bool(fields) and fields[0] != "Z"


def children_of(parent):
    """The pids whose parent is parent, from /proc (a zombie counts until its parent has reaped it)."""
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and parent_of(name) == parent]


def stop_pid(pid, timeout=10.0, sig=signal.SIGTERM):
    """SIGTERM (or sig), then SIGKILL after timeout; returns once the process is gone."""
    if not pid or not pid_alive(pid):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    if poll(lambda: not pid_alive(pid), timeout)[0]:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_until(lambda: not pid_alive(pid), 5, "exit of pid %d after SIGKILL" % pid)


def run_user_ids():
    pw = pwd.getpwnam(RUN_USER)
    return pw.pw_uid, pw.pw_gid


def chown_run_user(path):
    uid, gid = run_user_ids()
    os.chown(path, uid, gid)


def as_run_user(cmd):
    """The command line that runs cmd as RUN_USER (we are root)."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", RUN_USER, "--"] + cmd


def pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise ServiceError("PostgreSQL server binaries not found: apt-get install postgresql")
    return Path(found[-1]).parent


class Postgres:
    """A private PostgreSQL cluster: initdb on first use, then pg_ctl start/stop. Listens only on
    a Unix socket in its own directory (mode 0770), so only root and RUN_USER can connect."""

    def __init__(self, root, port=None, durable=True):
        self.dir = Path(root)
        self.data = self.dir / "data"
        self.sock = self.dir / "sock"
        self.log = self.dir / "postgresql.log"
        self.port_file = self.dir / "port"
        self.durable = durable
        if port is None and self.port_file.exists():
            port = int(self.port_file.read_text())
        self.port = port or free_port()
        self.user = RUN_USER
        self.dbname = "solveit"

    @property
    def dsn(self):
        return "host=%s port=%d dbname=%s user=%s" % (self.sock, self.port, self.dbname, self.user)

    @property
    def conninfo_for_dbd(self):
        return self.dsn + " connect_timeout=3"

    def _pg(self, *args, check=True, capture=False):
        cmd = as_run_user([str(pg_bindir() / args[0])] + list(args[1:]))
        return subprocess.run(cmd, check=check, capture_output=capture, text=True)

    def init(self):
        for d in (self.dir, self.sock):
            d.mkdir(parents=True, exist_ok=True)
            chown_run_user(d)
        if os.geteuid() == 0 and subprocess.run(as_run_user(["test", "-w", str(self.dir)])).returncode != 0:
            raise ServiceError("PostgreSQL runs as the %s account, which cannot reach %s: a parent directory is not "
                               "searchable by others. Put the data elsewhere (--var /var/tmp/solveit) or let others "
                               "search the parents (chmod o+x)." % (RUN_USER, self.dir))
        os.chmod(self.sock, 0o770)
        if not (self.data / "PG_VERSION").exists():
            r = self._pg("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                         "--locale=C.UTF-8", check=False, capture=True)
            if r.returncode != 0:
                raise ServiceError("initdb failed:\n%s%s" % (r.stdout, r.stderr))
        self.port_file.write_text(str(self.port))

    def start(self):
        self.init()
        opts = ["-k", str(self.sock), "-p", str(self.port), "-c", "listen_addresses=", "-c",
                "unix_socket_permissions=0770", "-c", "max_connections=300"]
        if not self.durable:
            # Test clusters are thrown away: skip the fsyncs that make them slow.
            opts += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        r = self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", " ".join(opts), "-w", "-t", "60",
                     "start", check=False, capture=True)
        if r.returncode != 0:
            raise ServiceError("PostgreSQL did not start:\n%s%s\n%s" % (r.stdout, r.stderr, log_tail(self.log)))
        self._create_db()

    def _psql(self, sql, db="postgres"):
        return subprocess.run(["psql", "-X", "-q", "-At", "-h", str(self.sock), "-p", str(self.port), "-U", self.user,
                               "-d", db, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()

    def _create_db(self):
        if self._psql("SELECT 1 FROM pg_database WHERE datname = '%s'" % self.dbname) != "1":
            self._psql("CREATE DATABASE %s" % self.dbname)

    def migrate(self, demo=True):
        cmd = [str(REPO / "sql" / "migrate.sh")] + (["--demo"] if demo else []) + [
            "-h", str(self.sock), "-p", str(self.port), "-U", self.user, self.dbname]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise ServiceError("migrations failed:\n%s%s" % (r.stdout, r.stderr))
        return r.stdout

    def running(self):
        r = self._pg("pg_ctl", "-D", str(self.data), "status", check=False, capture=True)
        return r.returncode == 0

    def stop(self, mode="fast"):
        if self.data.exists() and self.running():
            self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False, capture=True)


class Process:
    """A foreground program we start and own: its pid, its log file, a bounded stop."""

    def __init__(self, name, cmd, log, env=None, cwd=None):
        self.name = name
        self.cmd = [str(c) for c in cmd]
        self.log = Path(log)
        self.env = env
        self.cwd = cwd
        self.proc = None

    def start(self):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        env = dict(os.environ)
        env.update(self.env or {})
        # Own process group, so a Ctrl-C in the dev stack's terminal reaches only the supervisor.
        self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env, cwd=self.cwd, start_new_session=True)
        out.close()
        return self

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15.0):
        if self.alive():
            stop_pid(self.proc.pid, timeout)
        if self.proc:
            self.proc.wait()

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()


def secret_file(path, text):
    """Writes text to path once (kept if present), readable by root and the services' group only
    (0640 root:<run group>)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chown(str(tmp), 0, run_user_ids()[1])
        os.chmod(str(tmp), 0o640)
        os.replace(str(tmp), str(path))
    return path


def redis_password_file(directory):
    """The Redis password (requirepass) of the stack kept in directory: made once, readable by root
    and the services' group only. The module (SolveitRedisPasswordFile), the worker
    (SOLVEIT_REDIS_PASSWORD_FILE) and the tests' clients read it."""
    return secret_file(Path(directory) / "redis.password", os.urandom(24).hex() + "\n")


class Redis(Process):
    """Redis on a Unix socket only (no TCP port): the socket mode 0770 in a directory of root and
    the services' group (setgid, so the socket is the group's too), and a password
    (redis_password_file of the stack's directory, the parent of root) in a configuration file only
    root reads, never on the command line."""

    def __init__(self, root):
        self.dir = Path(root)
        self.sock_dir = self.dir / "sock"
        self.socket = self.sock_dir / "redis.sock"
        self.password_file = self.dir.parent / "redis.password"
        self.conf = self.dir / "redis.conf"
        super().__init__("redis", ["redis-server", str(self.conf)], self.dir / "redis.log")

    @property
    def address(self):
        """What SolveitRedis and SOLVEIT_REDIS are given: the socket's path."""
        return str(self.socket)

    @property
    def password(self):
        return self.password_file.read_text().strip()

    def client(self, password=True, **kwargs):
        """A redis-py client on the socket, with the password unless password is False."""
        import redis
        return redis.Redis(unix_socket_path=self.address, password=self.password if password else None,
                           socket_timeout=10, **kwargs)

    def signed(self, key, body):
        """body as the services would store it under key: signed with the stack's keyring (the
        tests that play a service which holds the keys)."""
        return cache_value(key_file(self.dir.parent), key.decode() if isinstance(key, bytes) else key, body)

    def _answers(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            try:
                s.settimeout(0.5)
                s.connect(self.address)
                return True
            except OSError:
                return False

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sock_dir.mkdir(exist_ok=True)
        os.chown(self.sock_dir, 0, run_user_ids()[1])
        os.chmod(self.sock_dir, 0o2750)
        redis_password_file(self.dir.parent)
        fd = os.open(str(self.conf), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("port 0\nunixsocket %s\nunixsocketperm 770\nrequirepass %s\nsave \"\"\nappendonly no\n"
                    "dir %s\n" % (self.socket, self.password, self.dir))
        super().start()
        wait_until(lambda: self._answers() or not self.alive(), 20, "Redis on %s" % self.socket, self.log)
        if not self.alive():
            raise ServiceError("Redis exited:\n" + log_tail(self.log))
        return self


class KafkaMock(Process):
    """The embedded broker (devstack/kafka_mock.c): real Kafka protocol over loopback TCP."""

    def __init__(self, root):
        self.dir = Path(root)
        self.bootstrap_file = self.dir / "bootstrap"
        self.bootstrap = None
        super().__init__("kafka", [KAFKA_MOCK, "--bootstrap-file", self.dir / "bootstrap"], self.dir / "kafka.log")

    def start(self):
        if not KAFKA_MOCK.exists():
            raise ServiceError("%s is not built: run make" % KAFKA_MOCK)
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.bootstrap_file.exists():
            self.bootstrap_file.unlink()
        super().start()
        wait_until(lambda: self.bootstrap_file.exists() or not self.alive(), 20, "the Kafka broker", self.log)
        if not self.alive():
            raise ServiceError("the Kafka broker exited:\n" + log_tail(self.log))
        self.bootstrap = self.bootstrap_file.read_text().strip()
        wait_until(lambda: port_open(self.port), 10, "the Kafka broker's port", self.log)
        return self

    @property
    def port(self):
        """The first broker's port."""
        return int(self.bootstrap.split(",")[0].rsplit(":", 1)[1])

    def down(self):
        """Every broker disconnects its clients and refuses new connections."""
        os.kill(self.pid, signal.SIGUSR1)
        wait_until(lambda: not port_open(self.port), 10, "the Kafka broker going down", self.log)

    def up(self):
        os.kill(self.pid, signal.SIGUSR2)
        wait_until(lambda: port_open(self.port), 10, "the Kafka broker coming up", self.log)


def key_file(directory):
    """The keyring (common/sv_mac.h) of the stack kept in directory: one key, made once, readable
    by root and the services' group only. The module, the daemons and the tests' own producers
    all sign and check with it."""
    path = Path(directory) / "solveit.keys"
    if not path.exists():
        Path(directory).mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "w") as f:
            f.write("# key id, then the secret as hex; the first key signs, every key verifies\n")
            f.write("k%d %s\n" % (int(time.time()), os.urandom(32).hex()))
        os.chown(str(tmp), 0, run_user_ids()[1])
        os.chmod(str(tmp), 0o640)
        os.replace(str(tmp), str(path))
    return path


def cache_value(keys, key, body):
    """A Redis value as the services store it (common/sv_cache_mac.h): "sv1 <key id> <mac>\\n" and
    body, signed with the first key of the keyring file keys for the Redis key key."""
    import hashlib
    import hmac
    if isinstance(body, str):
        body = body.encode()
    key_id, secret = next(line.split() for line in Path(keys).read_text().splitlines()
                          if line.strip() and not line.startswith("#"))
    mac = hmac.new(bytes.fromhex(secret), b"solveit-mac-v1\0redis\0" + key.encode() + b"\0" + body,
                   hashlib.sha256).hexdigest()
    return b"sv1 %s %s\n" % (key_id.encode(), mac.encode()) + body


def signed_headers(keys, label, value):
    """The Kafka headers that sign value (bytes or str) as common/sv_mac.h does, with the first key
    of the keyring file keys. label: "submission", "result", "run" or "run-result". A test that
    produces a message the services should accept passes these as the message's headers."""
    import hashlib
    import hmac
    if isinstance(value, str):
        value = value.encode()
    key_id, secret = next(line.split() for line in Path(keys).read_text().splitlines()
                          if line.strip() and not line.startswith("#"))
    mac = hmac.new(bytes.fromhex(secret), b"solveit-mac-v1\0kafka\0" + label.encode() + b"\0" + value,
                   hashlib.sha256).hexdigest()
    return [("solveit-key-id", key_id.encode()), ("solveit-mac", mac.encode())]


def daemon_env(pg, kafka, redis, kafka_options=QUICK_REJOIN):
    """The environment that points judge-worker and result-sink at this stack's services."""
    env = {"SOLVEIT_KAFKA_BROKERS": kafka.bootstrap, "SOLVEIT_DB": pg.dsn, "SOLVEIT_REDIS": redis.address,
           "SOLVEIT_REDIS_PASSWORD_FILE": str(redis.password_file),
           # This tree's sandbox files, named: whatever an installed copy holds is not what is under test.
           "SOLVEIT_LANGUAGES": str(SANDBOX_DIR / "languages.json"),
           "SOLVEIT_SANDBOX_INIT": str(SANDBOX_DIR / "solveit-sandbox-init"),
           # The workers' test file cache and compile cache live with the stack's state, not in
           # /var/cache: a compiled program left there by another run would be judged without compiling.
           "SOLVEIT_TEST_CACHE_DIR": str(pg.dir.parent / "test-cache"),
           "SOLVEIT_COMPILE_CACHE": str(pg.dir.parent / "compile-cache"),
           "SOLVEIT_KEY_FILE": str(key_file(pg.dir.parent))}
    if kafka_options:
        env["SOLVEIT_KAFKA_OPTIONS"] = kafka_options
    return env


def render(template, values):
    text = Path(template).read_text()
    for key, value in values.items():
        text = text.replace("@%s@" % key, str(value))
    return text


def replace_directives(text, replace):
    """Sets each top-level directive of replace to its value (None removes it); adds those absent."""
    if not replace:
        return text
    out, seen = [], set()
    for line in text.splitlines():
        words = line.split(None, 1)
        if words and words[0] in replace:
            seen.add(words[0])
            if replace[words[0]] is not None:
                out.append("%s %s" % (words[0], replace[words[0]]))
            continue
        out.append(line)
    for key, value in replace.items():
        if key not in seen and value is not None:
            out.append("%s %s" % (key, value))
    return "\n".join(out) + "\n"


def httpd_log_dir(root):
    """Where an httpd under root writes its logs: root/logs, or, when SOLVEIT_HTTPD_LOG_DIR is set,
    a directory of its own under that one, so the logs outlive a throw-away root and the test
    command can scan every one of them for crashed children after the run."""
    keep = os.environ.get("SOLVEIT_HTTPD_LOG_DIR")
    if not keep:
        return Path(root) / "logs"
    return Path(keep) / str(Path(root).resolve()).strip("/").replace("/", "_")


def sanitizer_env():
    """apache2's environment. Under tests/run-all.sh --sanitize the module is built with ASan, which
    must be loaded first into an apache2 that is not: SOLVEIT_SANITIZE_PRELOAD names the ASan
    runtime to preload. Leak detection is off there (apache2 leaves its pools to the exit); every
    other ASAN_OPTIONS setting is the run's. None (the inherited environment) otherwise."""
    preload = os.environ.get("SOLVEIT_SANITIZE_PRELOAD")
    if not preload:
        return None
    env = dict(os.environ)
    env["LD_PRELOAD"] = preload
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return env


class Httpd:
    """Debian's apache2 on a config rendered from httpd-conf/solveit-stack.conf.in."""

    def __init__(self, root, pg, kafka_bootstrap, port=None, mpm="event", extra="", replace=None, htdocs=None,
                 values=None, redis=None):
        self.root = Path(root)
        self.port = port or free_port()
        self.mpm = mpm
        self.conf = self.root / "httpd.conf"
        self.log_dir = httpd_log_dir(self.root)
        self.error_log_path = self.log_dir / "error_log"
        self.pid_file = self.root / "httpd.pid"
        self.url = "http://127.0.0.1:%d" % self.port
        self.base = self.url + "/solveit"
        gid = run_user_ids()[1]
        vals = {
            "SERVER_ROOT": self.root, "PORT": self.port, "MPM": mpm, "APACHE_MODULES": APACHE_MODULES,
            "SOLVEIT_MODULE": MODULE_SO, "DBD_PARAMS": pg.conninfo_for_dbd, "KAFKA_BROKERS": kafka_bootstrap,
            "HTDOCS": htdocs or (REPO / "htdocs"), "RUN_USER": RUN_USER, "RUN_GROUP": grp.getgrgid(gid).gr_name,
            "LOG_DIR": self.log_dir, "EXTRA": extra, "REDIS": redis or "none",
            "LANGUAGE_NAMES": REPO / "judge-worker" / "sandbox" / "languages.json",
            "KEY_FILE": key_file(pg.dir.parent),
            "REDIS_PASSWORD_FILE": redis_password_file(pg.dir.parent),
        }
        vals.update(values or {})
        self.text = replace_directives(render(TEMPLATE, vals), replace)

    def write(self):
        self.root.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        chown_run_user(self.root)
        self.conf.write_text(self.text)

    def _apache(self, *args):
        return subprocess.run([APACHE_BIN, "-d", str(self.root), "-f", str(self.conf)] + list(args),
                              capture_output=True, text=True, timeout=60, env=sanitizer_env())

    def check_config(self):
        """(returncode, output) of apache2 -t: what the directive setters say."""
        self.write()
        r = self._apache("-t")
        return r.returncode, r.stdout + r.stderr

    def try_start(self, timeout=20):
        """Starts httpd; returns (started, text): stderr of the start plus the error log. A server
        that refuses to start, or exits right after (post_config), gives started False."""
        self.write()
        r = self._apache("-k", "start")
        started = r.returncode == 0
        if started:
            # apache2 -k start returns once the master has forked; it writes its pid file and opens the
            # port a moment later, or exits if post_config refuses the configuration.
            def settled():
                if port_open(self.port) and self._master_alive():
                    return True
                if "Configuration Failed" in log_tail(self.error_log_path, 50):
                    return True
                return self.pid_file.exists() and not self._master_alive()
            try:
                wait_until(settled, timeout, "httpd start")
            except ServiceError:
                pass
            time.sleep(0.2)
            started = self._master_alive() and port_open(self.port)
        return started, r.stdout + r.stderr + log_tail(self.error_log_path, 200)

    def _master_pid(self):
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _master_alive(self):
        pid = self._master_pid()
        return pid is not None and pid_alive(pid)

    def start(self, timeout=30):
        started, text = self.try_start(timeout)
        if not started:
            raise ServiceError("httpd did not start (%s MPM):\n%s" % (self.mpm, text))
        # Ready when the module answers, not only when the port is open.
        def answers():
            try:
                urllib.request.urlopen(self.base + "/api/health", timeout=5)
                return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                return False
        wait_until(answers, timeout, "httpd answering on %s" % self.url, self.error_log_path)
        return self

    def truncate_access_log(self):
        """Empties the access log in place (httpd keeps writing to the same open file)."""
        path = self.log_dir / "access_log"
        if path.exists():
            os.truncate(path, 0)

    def error_log(self):
        return log_tail(self.error_log_path, 100000)

    def stop(self, timeout=20):
        pid = self._master_pid()
        if pid is None or not pid_alive(pid):
            return
        self._apache("-k", "stop")
        if not poll(lambda: not pid_alive(pid), timeout)[0]:
            stop_pid(pid, 1, signal.SIGKILL)
        # Children die with the master; make sure none lingers on the port.
        wait_until(lambda: not port_open(self.port), 10, "httpd releasing port %d" % self.port)
