"""What the supervisor does around the untrusted code: links planted during compilation, boxes in parallel,
recovery from a crashed run, and refusing an unsafe state directory."""
import json
import os
import subprocess

import pytest

from conftest import BIN, FIRST_UID
from polling import wait_for

PLANTER = r"""
# The "compiler" is this script: it plants links to the host sentinel under the names the supervisor might
# use after compiling (the program, the source, the directories), a FIFO, and opens the directory up.
ln -sf @SENTINEL@ a.out
ln -sf @SENTINEL@ main.sh
ln -sf @SENTINEL@ Main.class
ln -sf @SENTINEL_DIR@ dir
ln -sf / rootlink
ln -sf @SENTINEL@ ../root 2>/dev/null
mkfifo fifo
chmod 777 /prog .
ln @SENTINEL@ hard 2>/dev/null
exit 0
"""


def planter_languages(tmp_path):
    path = tmp_path / "planter.json"
    path.write_text(
        json.dumps(
            {
                "mounts": ["/usr", "/bin", "/lib", "/lib64", "/etc/ld.so.cache"],
                "env": ["PATH=/usr/bin:/bin"],
                "languages": [
                    {
                        "id": 900,
                        "name": "Planter",
                        "source_file": "main.sh",
                        "compile": ["/usr/bin/bash", "main.sh"],
                        "run": ["/usr/bin/cat", "/prog/a.out"],
                    }
                ],
            }
        )
    )
    return path


def test_links_planted_at_compile_time_never_reach_the_host(sandbox, unharmed, tmp_path):
    langs = planter_languages(tmp_path)
    r = sandbox.run(unharmed.substitute(PLANTER), 900, "--languages", str(langs), stdins=["", ""])
    # The program is now a link to a path that does not exist inside the box: reading it fails in the box.
    assert [run["status"] for run in r["runs"]] == ["RE", "RE"], r
    assert "No such file" in r["runs"][0]["stderr"]
    # unharmed (the fixture) then checks the sentinel's content, mode, owner and the box's removal.


def test_parallel_boxes_get_their_own_uid(sandbox, unharmed, tmp_path):
    src = tmp_path / "uid.py"
    src.write_text("import os, time\ntime.sleep(0.5)\nprint(os.getuid(), os.getgid())\n")
    procs = [
        subprocess.Popen(
            [BIN, "run", "--language", "71", "--source", str(src), "--state-dir", sandbox.state_dir, "--first-uid", str(FIRST_UID)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(4)
    ]
    results = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    assert [r["status"] for r in results] == ["OK"] * 4, results
    ids = [tuple(map(int, r["stdout"].split())) for r in results]
    assert len({uid for uid, _ in ids}) == 4, ids
    assert all(uid == gid and FIRST_UID <= uid < FIRST_UID + 256 for uid, gid in ids), ids


def test_a_busy_box_is_not_shared(sandbox, unharmed, tmp_path):
    src = tmp_path / "sleep.c"
    src.write_text("#include <unistd.h>\nint main(void){ sleep(2); return 0; }\n")
    common = ["--state-dir", sandbox.state_dir, "--first-uid", str(FIRST_UID), "--max-boxes", "1"]
    first = subprocess.Popen([BIN, "run", "--language", "50", "--source", str(src), *common], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lock = os.path.join(sandbox.state_dir, f"box{FIRST_UID}")
    wait_for(lambda: os.path.isdir(lock) or first.poll() is not None, "the first run holding its box", 30,
             interval=0.01)
    second = subprocess.run([BIN, "run", "--language", "50", "--source", str(src), *common], capture_output=True, timeout=60)
    out, _ = first.communicate(timeout=60)
    assert json.loads(out)["status"] == "OK"
    assert second.returncode == 1 and b"all 1 sandbox boxes are busy" in second.stderr


def test_leftovers_of_a_crashed_run_are_cleared(sandbox, unharmed, tmp_path):
    """A worker killed mid-run leaves its box tmpfs mounted and its cgroups behind; the next user of the slot
    clears them, and nothing is left afterwards."""
    box = os.path.join(sandbox.state_dir, f"box{FIRST_UID}")
    os.makedirs(box, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "stale", box], check=True)
    with open(os.path.join(box, "leftover"), "w") as f:
        f.write("x")
    stale_cgroups = []
    for ctrl in ("pids", "cpuacct"):
        base = f"/sys/fs/cgroup/{ctrl}/solveit-sandbox"
        if os.path.isdir(f"/sys/fs/cgroup/{ctrl}"):
            os.makedirs(f"{base}/box{FIRST_UID}", exist_ok=True)
            stale_cgroups.append(f"{base}/box{FIRST_UID}")
    try:
        r = sandbox.run('int main(void){return 0;}\n', 50, "--max-boxes", "1")
        assert r["status"] == "OK", r
        assert unharmed.box_mounts() == [], "the stale box tmpfs is still mounted"
        assert [cg for cg in stale_cgroups if os.path.isdir(cg)] == [], "stale cgroups are still there"
    finally:
        for cg in stale_cgroups:
            for d in (cg, os.path.dirname(cg)):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        subprocess.run(["umount", box], capture_output=True)


@pytest.mark.parametrize("mode", [0o777, 0o775])
def test_unsafe_state_directory_is_refused(sandbox, tmp_path, mode):
    d = tmp_path / "unsafe"
    d.mkdir()
    os.chmod(d, mode)
    proc = subprocess.run([BIN, "mode", "--state-dir", str(d)], capture_output=True, timeout=30)
    assert proc.returncode == 1
    assert b"writable only by root" in proc.stderr


def test_state_directory_that_is_a_link_is_refused(sandbox, tmp_path):
    target = tmp_path / "real"
    target.mkdir()
    os.chmod(target, 0o755)
    link = tmp_path / "link"
    link.symlink_to(target)
    proc = subprocess.run([BIN, "mode", "--state-dir", str(link)], capture_output=True, timeout=30)
    assert proc.returncode == 1


@pytest.mark.parametrize("language, source, n", [(71, "print('hi')\n", 25), (50, "int main(void){return 0;}\n", 4)])
def test_threads_of_one_worker_share_the_sandbox(sandbox, unharmed, tmp_path, language, source, n):
    """Several threads of one process prepare, run and destroy boxes at once, as a judge-worker with several
    judging threads does: every run is OK and nothing hangs (a child cloned by one thread must never keep
    another thread's pipes or namespaces busy)."""
    src = tmp_path / "prog.src"
    src.write_text(source)
    proc = sandbox.cli("stress", "--language", str(language), "--source", str(src), "--threads", "6", "-n", str(n), timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert json.loads(proc.stdout) == {"threads": 6, "runs": 6 * n, "ok": 6 * n}
