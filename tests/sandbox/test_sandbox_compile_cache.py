"""The local executor's compile cache (judge-worker/compile_cache.c, sandbox_artifact.c) through the real sandbox,
driven by solveit-judge-driver (tests/sandbox/judge_driver.c): each judgement is a separate process, as a
restarted worker or a second worker on the same cache directory would be.

Run as root with Debian's pytest: /usr/bin/python3 -m pytest tests/sandbox/test_sandbox_compile_cache.py
"""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import FIRST_UID, REPO

DRIVER = os.environ.get("SOLVEIT_JUDGE_DRIVER", str(REPO / "judge-worker/solveit-judge-driver"))
C, PYTHON, JAVA = 50, 71, 62

C_SUM = '#include <stdio.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);return 0;}\n'
# No #include: gcc warns (implicit declaration) and compiles; the warning is the compile output.
C_WARN = 'int main(void){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);return 0;}\n'
C_BROKEN = "int main(void) { return undeclared_thing; }\n"
PY_SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
PY_BROKEN = "print('never'\n"
# Two classes: the cached program is every .class file and run.args, not one file.
JAVA_SUM = """import java.util.Scanner;
public class Sum {
    static final class Adder { long add(long a, long b) { return a + b; } }
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(new Adder().add(in.nextLong(), in.nextLong()));
    }
}
"""
TESTS = [("1 2\n", "3\n"), ("-5 7\n", "2\n"), ("4000000000 4000000000\n", "8000000000\n")]


@pytest.fixture
def judge(state_dir, tmp_path):
    """judge(source, language, cache=DIR|None, **spec) -> (judgement, stats dict, stderr)."""

    def run(source, language, cache, **spec):
        paths = []
        for i, (inp, ans) in enumerate(TESTS):
            (tmp_path / f"t{i}.in").write_text(inp)
            (tmp_path / f"t{i}.ans").write_text(ans)
            paths.append({"input": str(tmp_path / f"t{i}.in"), "answer": str(tmp_path / f"t{i}.ans")})
        (tmp_path / "source").write_text(source)
        full = {"language": language, "source": str(tmp_path / "source"), "tests": paths}
        if cache is not None:
            full["compile_cache"] = str(cache)
        full.update(spec)
        (tmp_path / "spec.json").write_text(json.dumps(full))
        env = dict(os.environ, SOLVEIT_SANDBOX_DIR=str(state_dir), SOLVEIT_SANDBOX_FIRST_UID=str(FIRST_UID))
        env.pop("SOLVEIT_SANDBOX_MODE", None)
        proc = subprocess.run([DRIVER, str(tmp_path / "spec.json")], capture_output=True, timeout=300, env=env)
        err = proc.stderr.decode(errors="replace")
        if proc.returncode != 0:
            return None, {}, err
        stats = dict(re.findall(r"(\w+)=(\d+)", err.rsplit("stats: ", 1)[1]))
        (judgement,) = json.loads(proc.stdout)
        return judgement, {k: int(v) for k, v in stats.items()}, err

    return run


def visible(judgement):
    """What a user sees of a judgement, without the measurements (time, memory) that differ run to run."""
    tests = [{k: v for k, v in t.items() if k not in ("time", "memory")} for t in judgement["tests"]]
    return judgement["status"], judgement["compiler_output"], tests


def entries(cache):
    return sorted(p for p in cache.iterdir() if re.fullmatch(r"[0-9a-f]{64}", p.name))


def hits_misses(stats):
    return stats["compile_cache_hits"], stats["compile_cache_misses"]


def java_available():
    return os.access("/usr/lib/jvm/default-java/bin/javac", os.X_OK)


@pytest.mark.parametrize(
    "source,language",
    [
        pytest.param(C_SUM, C, id="c"),
        pytest.param(C_WARN, C, id="c-with-warnings"),
        pytest.param(PY_SUM, PYTHON, id="python"),
        pytest.param(
            JAVA_SUM, JAVA, id="java", marks=pytest.mark.skipif(not java_available(), reason="no JDK (javac)")
        ),
    ],
)
def test_a_hit_judges_as_the_miss_did(judge, tmp_path, unharmed, source, language):
    cache = tmp_path / "cache"
    miss, stats, _ = judge(source, language, cache)
    assert hits_misses(stats) == (0, 1)
    assert miss["status"] == "DONE", miss
    assert [t["output"] for t in miss["tests"]] == [a for _, a in TESTS]
    assert len(entries(cache)) == 1
    hit, stats, _ = judge(source, language, cache)
    assert hits_misses(stats) == (1, 0)
    assert visible(hit) == visible(miss)
    if source is C_WARN:
        assert "implicit declaration" in hit["compiler_output"]


@pytest.mark.parametrize(
    "source,language,says",
    [
        pytest.param(C_BROKEN, C, "undeclared_thing", id="c"),
        pytest.param(PY_BROKEN, PYTHON, "SyntaxError", id="python"),
        pytest.param(
            "public class Main { void f() { int x = ; } }",
            JAVA,
            "illegal start of expression",
            id="java",
            marks=pytest.mark.skipif(not java_available(), reason="no JDK (javac)"),
        ),
    ],
)
def test_a_compile_error_is_kept_with_the_compilers_message(judge, tmp_path, unharmed, source, language, says):
    cache = tmp_path / "cache"
    miss, stats, _ = judge(source, language, cache)
    assert miss["status"] == "CE" and says in miss["compiler_output"], miss
    assert hits_misses(stats) == (0, 1)
    hit, stats, _ = judge(source, language, cache)
    assert hits_misses(stats) == (1, 0)
    assert visible(hit) == visible(miss)


def test_another_source_or_language_is_a_miss(judge, tmp_path, unharmed):
    cache = tmp_path / "cache"
    judge(C_SUM, C, cache)
    _, stats, _ = judge(C_SUM + "\n", C, cache)
    assert hits_misses(stats) == (0, 1)
    _, stats, _ = judge(C_SUM, 54, cache)  # the same text as C++: compiled by g++, kept apart
    assert hits_misses(stats) == (0, 1)
    assert len(entries(cache)) == 3


def test_a_corrupted_entry_is_a_miss_and_is_replaced(judge, tmp_path, unharmed):
    cache = tmp_path / "cache"
    first, _, _ = judge(C_SUM, C, cache)
    (entry,) = entries(cache)
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of the compiled program
    entry.write_bytes(bytes(data))
    again, stats, err = judge(C_SUM, C, cache)
    assert hits_misses(stats) == (0, 1)
    assert "is damaged" in err and "removed" in err, err
    assert visible(again) == visible(first)
    assert entry.read_bytes() != bytes(data)  # compiled again and kept anew
    _, stats, _ = judge(C_SUM, C, cache)
    assert hits_misses(stats) == (1, 0)


def test_a_truncated_entry_is_a_miss(judge, tmp_path, unharmed):
    cache = tmp_path / "cache"
    judge(PY_SUM, PYTHON, cache)
    (entry,) = entries(cache)
    entry.write_bytes(entry.read_bytes()[:-40])
    again, stats, err = judge(PY_SUM, PYTHON, cache)
    assert hits_misses(stats) == (0, 1) and "is damaged" in err
    assert [t["output"] for t in again["tests"]] == [a for _, a in TESTS]


def test_the_size_bound_evicts_the_least_recently_used(judge, tmp_path, unharmed):
    cache = tmp_path / "cache"
    judge(C_SUM, C, cache)
    (first,) = entries(cache)
    size = first.stat().st_size
    # Room for two entries of this size, not three.
    bound = int(size * 2.5)
    os.utime(first, (1_000_000_000, 1_000_000_000))  # used long ago
    judge(C_SUM.replace("a+b", "b+a"), C, cache, compile_cache_max_bytes=bound)
    judge(C_SUM.replace("a+b", "(a)+b"), C, cache, compile_cache_max_bytes=bound)
    kept = entries(cache)
    assert first not in kept
    assert sum(p.stat().st_size for p in kept) <= bound
    _, stats, _ = judge(C_SUM, C, cache, compile_cache_max_bytes=bound)
    assert hits_misses(stats) == (0, 1)


def test_none_turns_the_cache_off(judge, tmp_path, unharmed):
    for _ in range(2):
        j, stats, _ = judge(C_SUM, C, "none")
        assert j["status"] == "DONE"
        assert hits_misses(stats) == (0, 0)
    assert not (tmp_path / "none").exists()


def test_a_directory_others_can_read_is_refused_with_the_option_named(judge, tmp_path):
    cache = tmp_path / "open-cache"
    cache.mkdir(mode=0o755)
    os.chmod(cache, 0o755)
    j, _, err = judge(C_SUM, C, cache)
    assert j is None
    assert f'compile cache directory "{cache}" (--compile-cache)' in err, err
    assert "mode 0700" in err
    j, _, err = judge(C_SUM, C, "relative/dir")
    assert j is None and "not an absolute path" in err, err


def test_a_kept_program_runs_in_a_fresh_box_under_the_same_rules(judge, tmp_path, unharmed):
    """What the sandbox refused before it still refuses on a hit: the program cannot write /prog."""
    cache = tmp_path / "cache"
    src = (
        "#include <stdio.h>\nint main(void){FILE*f=fopen(\"/prog/a.out\",\"w\");"
        'printf("%s\\n", f ? "writable" : "refused");return 0;}\n'
    )
    miss, _, _ = judge(src, C, cache)
    hit, stats, _ = judge(src, C, cache)
    assert hits_misses(stats) == (1, 0)
    assert {t["output"] for t in miss["tests"]} == {"refused\n"}
    assert visible(hit) == visible(miss)


def test_cache_leaves_no_temporary_files(judge, tmp_path, unharmed):
    cache = tmp_path / "cache"
    judge(C_SUM, C, cache)
    judge(PY_SUM, PYTHON, cache)
    assert [p.name for p in cache.iterdir() if p.name.startswith(".tmp-")] == []
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    shutil.rmtree(cache)
