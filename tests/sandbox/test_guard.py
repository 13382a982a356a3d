"""The host checks themselves must be able to fail: each kind of harm, done on purpose by the test, is seen."""
import os
import socket
import subprocess

import pytest

from conftest import FIRST_UID, Host
from polling import wait_for


@pytest.fixture
def guard(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    os.chmod(state, 0o755)
    h = Host(state)
    assert h.check_unharmed() == []
    yield h
    h.close()


def test_sees_a_changed_sentinel(guard):
    with open(guard.sentinel, "a") as f:
        f.write("pwned\n")
    assert any("sentinel" in p for p in guard.check_unharmed())


def test_sees_a_chowned_sentinel(guard):
    os.chown(guard.sentinel, FIRST_UID, FIRST_UID)
    assert any("sentinel" in p for p in guard.check_unharmed())


def test_sees_a_file_added_next_to_the_sentinel(guard):
    open(os.path.join(guard.sentinel_dir, "new"), "w").close()
    assert any("sentinel" in p for p in guard.check_unharmed())


def test_sees_a_connection_to_the_listener(guard):
    s = socket.create_connection(("127.0.0.1", guard.port), timeout=5)
    wait_for(guard.check_unharmed, "the guard seeing the TCP connection", 10,
             until=lambda problems: any("TCP connection" in p for p in problems))
    s.close()


def test_sees_a_datagram(guard):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"x", ("127.0.0.1", guard.port))
    wait_for(guard.check_unharmed, "the guard seeing the datagram", 10,
             until=lambda problems: any("UDP" in p for p in problems))
    u.close()


def test_sees_a_process_of_a_box_uid(guard):
    proc = subprocess.Popen(["setpriv", f"--reuid={FIRST_UID + 3}", f"--regid={FIRST_UID + 3}", "--clear-groups", "sleep", "30"])
    try:
        wait_for(guard.box_processes, "the process of a box uid running", 10, interval=0.02)
        assert any("processes left behind" in p for p in guard.check_unharmed())
    finally:
        proc.kill()
        proc.wait()


def test_sees_a_mount_and_a_box_directory(guard):
    box = os.path.join(guard.state_dir, f"box{FIRST_UID}")
    os.mkdir(box)
    subprocess.run(["mount", "-t", "tmpfs", "none", box], check=True)
    try:
        problems = guard.check_unharmed()
        assert any("mounts left behind" in p for p in problems)
        assert any("box directories left behind" in p for p in problems)
    finally:
        subprocess.run(["umount", box], check=True)
        os.rmdir(box)


def test_sees_a_cgroup(guard):
    base = "/sys/fs/cgroup/pids/solveit-sandbox"
    if not os.path.isdir("/sys/fs/cgroup/pids"):
        pytest.skip("no v1 pids hierarchy")
    made_base = not os.path.isdir(base)
    os.makedirs(f"{base}/box{FIRST_UID + 7}")
    try:
        assert any("cgroups left behind" in p for p in guard.check_unharmed())
    finally:
        os.rmdir(f"{base}/box{FIRST_UID + 7}")
        if made_base:
            os.rmdir(base)


def test_sees_the_hosts_process_killed(guard):
    guard.sleeper.kill()
    guard.sleeper.wait()
    assert any("process was killed" in p for p in guard.check_unharmed())
