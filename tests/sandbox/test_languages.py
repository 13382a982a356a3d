"""Correct programs in every language, limits that must not bite, compile-once-run-many, the languages file
and the CLI's error paths."""
import json
import os

import pytest

HELLO = {
    50: '#include <stdio.h>\nint main(void){long long a,b; if(scanf("%lld %lld",&a,&b)!=2) return 1; printf("%lld\\n",a+b); return 0;}\n',
    54: "#include <iostream>\nint main(){long long a,b; if(!(std::cin>>a>>b)) return 1; std::cout<<a+b<<std::endl;}\n",
    71: "a, b = map(int, input().split())\nprint(a + b)\n",
    62: (
        "import java.util.Scanner;\npublic class Main { public static void main(String[] x) {"
        " Scanner s = new Scanner(System.in); long a = s.nextLong(), b = s.nextLong(); System.out.println(a + b); } }\n"
    ),
    63: (
        "const d = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(BigInt);\n"
        "console.log((d[0] + d[1]).toString());\n"
    ),
}


@pytest.mark.parametrize("language", sorted(HELLO))
def test_correct_program_is_ok(sandbox, unharmed, language):
    r = sandbox.run(HELLO[language], language, stdins=["3 4\n", "-5 2\n", "9000000000000000000 -1\n"])
    assert r["status"] == "OK", r
    assert [run["stdout"] for run in r["runs"]] == ["7\n", "-3\n", "8999999999999999999\n"]
    for run in r["runs"]:
        assert run["status"] == "OK" and run["exit_code"] == 0 and run["signal"] is None, run
        # Plausible: measured, and nowhere near the limits (2 s CPU, 256 MB).
        assert 0 < run["time"] < 2, run
        assert 0 < run["wall_time"] < 5, run
        assert 100 < run["memory"] < 200 * 1024, run
    assert r["mode"] == "cgroup-v1" or r["mode"] in ("cgroup-v2", "rlimit")


def test_c_memory_is_the_programs_not_the_supervisors(sandbox, unharmed):
    """A C hello world measures a few MB at most: the box init is tiny, so nothing of the supervisor counts."""
    r = sandbox.run('#include <stdio.h>\nint main(void){puts("hi");return 0;}\n', 50)
    assert r["status"] == "OK" and r["stdout"] == "hi\n", r
    assert r["memory"] < 4096, r


def test_just_under_the_memory_limit_is_not_killed(sandbox, unharmed):
    src = (
        "#include <stdlib.h>\n#include <string.h>\n#include <stdio.h>\n"
        "int main(int argc, char **argv){ size_t n = 100u << 20; char *p = malloc(n); long s = 0; (void)argv;"
        " if(!p) return 3; memset(p, argc + 6, n); for (size_t i = 0; i < n; i += 4096) s += p[i];"
        ' printf("%ld\\n", s / (long)(n / 4096)); free(p); return 0; }\n'
    )
    ok = sandbox.run(src, 50, "--memory-limit", str(128 * 1024))
    assert ok["status"] == "OK", ok
    assert ok["stdout"] == "7\n"
    assert 100 * 1024 <= ok["memory"] < 128 * 1024, ok
    # The same program with the limit below its need: the limit is real.
    mle = sandbox.run(src, 50, "--memory-limit", str(64 * 1024))
    assert mle["status"] == "MLE", mle
    assert mle["memory"] >= 64 * 1024


def test_time_just_under_the_limit_is_ok(sandbox, unharmed):
    """About 0.3 s of CPU against a 2 s limit passes; against 0.1 s it is TLE."""
    src = "int main(void){ volatile unsigned long x = 0; for (unsigned long i = 0; i < 400000000UL; i++) x += i; return 0; }\n"
    ok = sandbox.run(src, 50, "--time-limit", "5")
    assert ok["status"] == "OK", ok
    assert 0 < ok["time"] < 5
    tle = sandbox.run(src, 50, "--time-limit", "0.05")
    assert tle["status"] == "TLE", tle


def test_wall_time_counts_sleep_and_cpu_time_does_not(sandbox, unharmed):
    r = sandbox.run("import time\ntime.sleep(1.2)\nprint('awake')\n", 71, "--time-limit", "1", "--wall-time-limit", "10")
    assert r["status"] == "OK" and r["stdout"] == "awake\n", r
    assert r["wall_time"] >= 1.2, r
    assert r["time"] < 1, r


def test_compiled_once_and_each_run_gets_its_own_input(sandbox, unharmed):
    src = '#include <stdio.h>\nint main(void){char b[64]; if(!fgets(b,sizeof b,stdin)) return 1; printf("got %s", b); return 0;}\n'
    r = sandbox.run(src, 50, stdins=["one\n", "two\n", ""])
    assert [x["status"] for x in r["runs"]] == ["OK", "OK", "RE"]
    assert r["runs"][0]["stdout"] == "got one\n" and r["runs"][1]["stdout"] == "got two\n"
    assert r["compile_time"] > 0


def test_large_input_and_output(sandbox, unharmed):
    data = "".join(f"{i} {i}\n" for i in range(200000))
    src = "import sys\nfor line in sys.stdin:\n    a, b = line.split()\n    sys.stdout.write(str(int(a) + int(b)) + '\\n')\n"
    r = sandbox.run(src, 71, "--time-limit", "10", stdins=[data])
    assert r["status"] == "OK", r["message"]
    lines = r["stdout"].split("\n")
    assert len(lines) == 200001 and lines[199999] == str(2 * 199999)


def test_compilation_error_reports_the_compiler_output(sandbox, unharmed):
    r = sandbox.run("int main(void) { return undeclared; }\n", 50)
    assert r["status"] == "CE"
    assert "undeclared" in r["compile_output"]
    assert r["stdout"] == ""


def test_java_compile_error_and_class_name(sandbox, unharmed):
    r = sandbox.run("public class Main { public static void main(String[] a) { int x = ; } }\n", 62)
    assert r["status"] == "CE" and "error" in r["compile_output"], r


def test_unknown_language_is_a_usage_error(sandbox):
    proc = sandbox.run("x", 9999, expect_rc=1)
    assert b"language 9999 is unknown" in proc.stderr


def test_missing_toolchain_is_reported_at_start_up(sandbox, tmp_path):
    langs = {
        "mounts": ["/usr", "/lib", "/lib64", "/bin"],
        "languages": [
            {"id": 50, "name": "C", "source_file": "main.c", "compile": ["/usr/bin/gcc", "main.c"], "run": ["/prog/a.out"]},
            {"id": 77, "name": "Ghost", "source_file": "x.g", "compile": ["/usr/bin/no-such-compiler", "x.g"], "run": ["/prog/x"]},
            {"id": 78, "name": "Outside", "source_file": "x.o", "run": [str(tmp_path / "interp")]},
        ],
    }
    (tmp_path / "interp").write_text("#!/bin/sh\n")
    os.chmod(tmp_path / "interp", 0o755)
    path = tmp_path / "langs.json"
    path.write_text(json.dumps(langs))
    proc = sandbox.cli("languages", "--languages", str(path))
    assert proc.returncode == 0, proc.stderr
    listed = {l["id"]: l for l in json.loads(proc.stdout)}
    assert listed[50]["available"] is True
    assert listed[77]["available"] is False and "no-such-compiler" in listed[77]["unavailable"]
    # An interpreter that exists on the host but would not be visible inside the box is unavailable too.
    assert listed[78]["available"] is False and "outside every mount" in listed[78]["unavailable"]
    log = proc.stderr.decode()
    assert "language 77 (Ghost) unavailable" in log and "language 78 (Outside) unavailable" in log
    assert "1 of 3 languages available" in log
    run = sandbox.run("x", 77, "--languages", str(path), expect_rc=1)
    assert b"language 77 is unavailable" in run.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "not valid JSON"),
        ('{"mounts": ["/usr"], "languages": []}', "non-empty array"),
        ('{"mounts": ["usr"], "languages": [{"id": 1, "name": "x", "source_file": "a", "run": ["/x"]}]}', "clean absolute path"),
        ('{"mounts": ["/usr"], "languages": [{"id": 1, "name": "x", "source_file": "../a", "run": ["/x"]}]}', "plain file name"),
        ('{"mounts": ["/usr"], "languages": [{"id": 1, "name": "x", "source_file": "a", "run": ["x"]}]}', "absolute program path"),
    ],
)
def test_bad_languages_file_is_refused_with_a_reason(sandbox, tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    proc = sandbox.cli("languages", "--languages", str(path))
    assert proc.returncode == 1
    assert message in proc.stderr.decode()


def test_languages_env_variable_is_honoured(sandbox, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"mounts": ["/usr"], "languages": [{"id": 5, "name": "Only", "source_file": "a", "run": ["/usr/bin/cat"]}]}))
    proc = sandbox.cli("languages", env={"SOLVEIT_LANGUAGES": str(path)})
    assert [l["id"] for l in json.loads(proc.stdout)] == [5]


def test_default_languages_file_has_the_required_ids(sandbox):
    proc = sandbox.cli("languages")
    listed = {l["id"]: l for l in json.loads(proc.stdout)}
    for lang in (50, 54, 62, 63, 71):
        assert listed[lang]["available"], listed[lang]


def test_usage_errors(sandbox):
    assert sandbox.cli("run", "--language", "50").returncode == 2
    assert sandbox.cli("run", "--language", "50", "--source", "/nonexistent").returncode == 2
    assert sandbox.cli("frobnicate").returncode == 2
    assert sandbox.cli("mode", "--time-limit", "-1").returncode == 2
    assert sandbox.cli("mode", "--mode", "v3").returncode == 2
