"""The three limit modes. The machine decides what AUTO picks (a v1/v2 hybrid here: v1); the other paths are
forced with --mode or SOLVEIT_SANDBOX_MODE and must still give the right verdicts and leave nothing behind."""
import pathlib

import pytest

from conftest import CORPUS
from test_corpus import check_program

# Programs whose verdict does not depend on how the limits are enforced. (A single huge populated mmap is
# left out: under RLIMIT_DATA it fails up front and is indistinguishable from any other failed call.)
MODE_CORPUS = [
    "fork_bomb.c",
    "fork_bomb_sleepers.c",
    "thread_bomb.c",
    "memory_bomb.c",
    "memory_bomb.cpp",
    "memory_bomb.py",
    "cpu_loop.c",
    "cpu_loop_threads.c",
    "sleep_forever_children.c",
    "orphan_daemon.c",
    "output_flood.c",
    "huge_file.c",
    "many_files.c",
    "write_outside.c",
    "tcp_connect.c",
    "kill_all.c",
    "namespaces.c",
    "segfault.c",
    "symlink_plant.c",
    "dev_random_include.c",
    "java_memory_bomb.java",
    "memory_bomb.js",
    "cpu_loop.js",
]


def v2_has_memory_and_pids():
    for line in pathlib.Path("/proc/self/mounts").read_text().splitlines():
        parts = line.split()
        if parts[2] == "cgroup2":
            controllers = (pathlib.Path(parts[1]) / "cgroup.controllers").read_text().split()
            return "memory" in controllers and "pids" in controllers
    return False


def v1_has_memory_and_pids():
    mounts = pathlib.Path("/proc/self/mounts").read_text()
    return all(
        any(p.split()[2] == "cgroup" and c in p.split()[3].split(",") for p in mounts.splitlines()) for c in ("memory", "pids")
    )


def test_auto_mode_is_logged_and_fits_the_machine(sandbox):
    proc = sandbox.cli("mode")
    assert proc.returncode == 0
    mode = proc.stdout.decode().strip()
    assert f"sandbox: limit mode {mode}" in proc.stderr.decode()
    if v2_has_memory_and_pids():
        assert mode == "cgroup-v2"
    elif v1_has_memory_and_pids():
        assert mode == "cgroup-v1"
    else:
        assert mode == "rlimit"


@pytest.mark.parametrize("flag, name", [("v1", "cgroup-v1"), ("v2", "cgroup-v2"), ("rlimit", "rlimit")])
def test_forced_mode_by_flag_and_by_environment(sandbox, flag, name):
    if flag == "v1" and not v1_has_memory_and_pids():
        pytest.skip("no cgroup v1 memory and pids here")
    by_flag = sandbox.cli("mode", "--mode", flag)
    by_env = sandbox.cli("mode", env={"SOLVEIT_SANDBOX_MODE": flag})
    assert by_flag.stdout.decode().strip() == name, by_flag.stderr
    assert by_env.stdout.decode().strip() == name, by_env.stderr
    log = by_flag.stderr.decode()
    assert f"sandbox: limit mode {name}" in log
    if flag == "v2" and not v2_has_memory_and_pids():
        # Forced onto a v2 hierarchy without the controllers: the log says what falls back to rlimits.
        assert "memory: rlimit fallback" in log and "pids: rlimit fallback" in log


def test_bad_mode_in_environment_is_refused(sandbox):
    proc = sandbox.cli("mode", env={"SOLVEIT_SANDBOX_MODE": "v9"})
    assert proc.returncode == 1 and b"SOLVEIT_SANDBOX_MODE" in proc.stderr


@pytest.mark.parametrize("mode", ["v2", "rlimit"])
@pytest.mark.parametrize("name", MODE_CORPUS)
def test_forced_mode_verdicts(sandbox, unharmed, mode, name):
    result = check_program(sandbox, unharmed, CORPUS / name, extra_args=("--mode", mode))
    assert result["mode"] == {"v2": "cgroup-v2", "rlimit": "rlimit"}[mode]


@pytest.mark.parametrize("mode", ["v2", "rlimit"])
def test_forced_mode_correct_program_and_memory_headroom(sandbox, unharmed, mode):
    src = (
        "#include <stdlib.h>\n#include <string.h>\n#include <stdio.h>\n"
        "int main(int argc, char **argv){ size_t n = 60u << 20; char *p = malloc(n); long s = 0; (void)argv;"
        " if(!p) return 3; memset(p, argc, n); for (size_t i = 0; i < n; i += 4096) s += p[i];"
        ' printf("%ld\\n", s); free(p); return 0; }\n'
    )
    r = sandbox.run(src, 50, "--mode", mode, "--memory-limit", str(128 * 1024))
    assert r["status"] == "OK", r
    assert r["stdout"] == f"{(60 << 20) // 4096}\n"
    assert 60 * 1024 <= r["memory"] < 128 * 1024


@pytest.mark.parametrize("mode", ["v2", "rlimit"])
@pytest.mark.parametrize("language", [54, 62, 63, 71])
def test_forced_mode_correct_programs_in_each_language(sandbox, unharmed, mode, language):
    from test_languages import HELLO

    r = sandbox.run(HELLO[language], language, "--mode", mode, stdins=["3 4\n", "-5 2\n"])
    assert [x["status"] for x in r["runs"]] == ["OK", "OK"], r
    assert [x["stdout"] for x in r["runs"]] == ["7\n", "-3\n"]
