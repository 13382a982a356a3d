"""Fixtures for the sandbox suite: the CLI, a private state directory and uid range, and a host that the
hostile programs try to harm (sentinel files, a planted secret, a listening port, a process of ours), checked
after every test together with leftovers (processes, cgroups, mounts, box directories).

Run as root with Debian's pytest: /usr/bin/python3 -m pytest tests/sandbox
"""
import hashlib
import json
import os
import pathlib
import re
import secrets
import select
import shutil
import socket
import subprocess
import tempfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("SOLVEIT_SANDBOX_BIN", str(REPO / "judge-worker/sandbox/solveit-sandbox"))
CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"
FIRST_UID = 61000  # a range of our own, so leftovers are ours and not those of a worker running nearby
MAX_BOXES = 256
LANG_BY_EXT = {".c": 50, ".cpp": 54, ".py": 71, ".java": 62, ".js": 63}


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="the sandbox needs root")
        for item in items:
            item.add_marker(skip)


def host_ip():
    """A non-loopback address of the host, for 'connect to the host' attempts."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
        v4 = [a for a in out if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", a) and not a.startswith("127.")]
        if v4:
            return v4[0]
    except OSError:
        pass
    return "192.0.2.1"


class Host:
    """What the hostile programs aim at, and the checks that it came through unharmed."""

    def __init__(self, state_dir):
        self.state_dir = str(state_dir)
        self.sentinel_dir = tempfile.mkdtemp(prefix="solveit-sentinel-")
        os.chmod(self.sentinel_dir, 0o755)
        self.sentinel = os.path.join(self.sentinel_dir, "sentinel")
        with open(self.sentinel, "w") as f:
            f.write("sentinel " + secrets.token_hex(16) + "\n")
        os.chmod(self.sentinel, 0o644)
        self.secret = "SECRET-" + secrets.token_hex(16)
        self.secret_dir = tempfile.mkdtemp(prefix="solveit-secret-")
        os.chmod(self.secret_dir, 0o755)
        self.secret_path = os.path.join(self.secret_dir, "secret")
        self.etc_secret = "/etc/solveit-test-secret-" + secrets.token_hex(4)
        self.secret_files = [self.secret_path, self.etc_secret]
        for p in self.secret_files:
            with open(p, "w") as f:
                f.write(self.secret + "\n")
            os.chmod(p, 0o644)
        self.ip = host_ip()
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("0.0.0.0", 0))
        self.tcp.listen(16)
        self.tcp.setblocking(False)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("0.0.0.0", self.port))
        self.udp.setblocking(False)
        # A process of the host's own, under a name of its own (a broad "pkill sleep" elsewhere is not harm).
        self.sleeper_dir = tempfile.mkdtemp(prefix="solveit-guard-")
        sleeper = os.path.join(self.sleeper_dir, "solveit-guard")
        os.symlink(shutil.which("sleep") or "/usr/bin/sleep", sleeper)
        self.sleeper = subprocess.Popen([sleeper, "3600"])
        self.snapshot = self._sentinel_state()

    def _sentinel_state(self):
        state = {}
        for p in [self.sentinel_dir, self.sentinel] + self.secret_files:
            st = os.lstat(p)
            digest = None
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            state[p] = (st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns, digest)
        state["entries"] = sorted(os.listdir(self.sentinel_dir))
        return state

    def substitute(self, text):
        return (
            text.replace("@SENTINEL_DIR@", self.sentinel_dir)
            .replace("@SENTINEL@", self.sentinel)
            .replace("@SECRET_PATH@", self.secret_path)
            .replace("@ETC_SECRET@", self.etc_secret)
            .replace("@PORT@", str(self.port))
            .replace("@HOSTIP@", self.ip)
        )

    def box_processes(self):
        """Processes of our box uids, and box inits (root) orphaned by a supervisor that is gone."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
                uid = int(status["Uid"].split()[0])
                if FIRST_UID <= uid < FIRST_UID + MAX_BOXES:
                    found.append((int(pid), uid, status["Name"]))
                elif os.readlink(f"/proc/{pid}/exe").endswith("solveit-sandbox-init") and int(status["PPid"]) in (
                    1,
                    os.getpid(),
                ):
                    found.append((int(pid), uid, "orphaned box init"))
            except (OSError, KeyError, ValueError):
                continue
        return found

    def box_cgroups(self):
        names = {f"box{FIRST_UID + i}" for i in range(MAX_BOXES)}
        found = []
        for top in pathlib.Path("/sys/fs/cgroup").iterdir():
            for dirpath, dirnames, _ in os.walk(top):
                if os.path.basename(dirpath) == "solveit-sandbox":
                    found += [os.path.join(dirpath, d) for d in dirnames if d in names]
                    dirnames[:] = []
                elif dirpath.count("/") > 8:
                    dirnames[:] = []
        return found

    def box_mounts(self):
        with open("/proc/self/mountinfo") as f:
            return [line.split()[4] for line in f if line.split()[4].startswith(self.state_dir)]

    def box_dirs(self):
        return [e for e in os.listdir(self.state_dir) if not e.endswith(".lock")]

    def check_unharmed(self):
        problems = []
        if self._sentinel_state() != self.snapshot:
            problems.append(f"sentinel or secret files changed: {self._sentinel_state()} != {self.snapshot}")
        try:
            conn, addr = self.tcp.accept()
            conn.close()
            problems.append(f"the host listener got a TCP connection from {addr}")
        except BlockingIOError:
            pass
        if select.select([self.udp], [], [], 0)[0]:
            data, addr = self.udp.recvfrom(4096)
            problems.append(f"the host got a UDP datagram from {addr}: {data!r}")
        if self.sleeper.poll() is not None:
            problems.append("the host's own process was killed")
        if self.box_processes():
            problems.append(f"processes left behind: {self.box_processes()}")
        if self.box_cgroups():
            problems.append(f"cgroups left behind: {self.box_cgroups()}")
        if self.box_mounts():
            problems.append(f"mounts left behind: {self.box_mounts()}")
        if self.box_dirs():
            problems.append(f"box directories left behind: {self.box_dirs()}")
        return problems

    def close(self):
        self.sleeper.kill()
        self.sleeper.wait()
        self.tcp.close()
        self.udp.close()
        shutil.rmtree(self.sentinel_dir, ignore_errors=True)
        shutil.rmtree(self.secret_dir, ignore_errors=True)
        shutil.rmtree(self.sleeper_dir, ignore_errors=True)
        for p in self.secret_files:
            try:
                os.unlink(p)
            except OSError:
                pass


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("sandbox-state")
    os.chmod(d, 0o755)
    return d


@pytest.fixture(scope="session")
def host(state_dir):
    h = Host(state_dir)
    yield h
    h.close()


@pytest.fixture
def unharmed(host):
    """Every test that runs untrusted code ends with the host checked."""
    assert host.check_unharmed() == [], "the host was harmed before this test"
    yield host
    problems = host.check_unharmed()
    assert problems == [], "\n".join(problems)


class Sandbox:
    def __init__(self, state_dir, tmp_path):
        self.state_dir = str(state_dir)
        self.tmp = tmp_path

    def cli(self, *args, env=None, timeout=120):
        full_env = dict(os.environ)
        full_env.pop("SOLVEIT_SANDBOX_MODE", None)
        full_env.update(env or {})
        return subprocess.run(
            [BIN, *args, "--state-dir", self.state_dir, "--first-uid", str(FIRST_UID)],
            capture_output=True,
            timeout=timeout,
            env=full_env,
        )

    def run(self, source, language, *args, stdins=None, name="prog", env=None, expect_rc=0):
        """Runs source (text) through `solveit-sandbox run` and returns the parsed JSON object."""
        path = self.tmp / f"{name}.src"
        path.write_text(source)
        extra = []
        for i, data in enumerate(stdins or []):
            p = self.tmp / f"{name}.in{i}"
            p.write_bytes(data if isinstance(data, bytes) else data.encode())
            extra += ["--stdin", str(p)]
        proc = self.cli("run", "--language", str(language), "--source", str(path), *extra, *args, env=env)
        assert proc.returncode == expect_rc, proc.stderr.decode(errors="replace")
        if expect_rc != 0:
            return proc
        result = json.loads(proc.stdout.decode())
        result["_log"] = proc.stderr.decode(errors="replace")
        return result


@pytest.fixture
def sandbox(state_dir, tmp_path):
    return Sandbox(state_dir, tmp_path)


def parse_header(text):
    """EXPECT, ARGS, STDOUT (regex, per line), STDERR (substring), STDIN, SIGNAL, SIGNAL_IF_NO_IA32 (see
    kernel_probe.py), EXIT, RUNS from the comment at the top of a corpus program."""
    meta = {}
    for line in text.splitlines()[:12]:
        m = re.match(r"^\s*(?:/\*|\*|//|#)?\s*([A-Z0-9_]+):\s?(.*?)\s*(?:\*/)?$", line)
        if m and m.group(1) in {"EXPECT", "ARGS", "STDOUT", "STDERR", "STDIN", "SIGNAL",
                                "SIGNAL_IF_NO_IA32", "EXIT", "RUNS"}:
            meta[m.group(1)] = m.group(2)
    return meta


def corpus_files():
    return sorted(p for p in CORPUS.iterdir() if p.suffix in LANG_BY_EXT)
