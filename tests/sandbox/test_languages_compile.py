"""The compile steps of languages.json that do more than call a compiler: Java finds its main class whatever it
is called and wherever its package is, Python checks the syntax before any test runs, and JavaScript runs
under every limit mode. Also: the names the languages are offered under are those of the installed tools."""
import json
import re
import subprocess

import pytest

JAVA_AB = (
    "import java.util.Scanner;\n"
    "public class {name} {{\n"
    "    public static void main(String[] args) {{\n"
    "        Scanner s = new Scanner(System.in);\n"
    "        long a = s.nextLong(), b = s.nextLong();\n"
    "        System.out.println(a + b);\n"
    "    }}\n"
    "}}\n"
)
AB_INPUTS = ["3 4\n", "-5 2\n", "9000000000000000000 -1\n"]
AB_OUTPUTS = ["7\n", "-3\n", "8999999999999999999\n"]


def assert_ab(r):
    assert r["status"] == "OK", r
    assert [run["stdout"] for run in r["runs"]] == AB_OUTPUTS, r
    assert all(run["status"] == "OK" for run in r["runs"]), r


@pytest.mark.parametrize(
    "source",
    [
        JAVA_AB.format(name="Solution"),
        "package contest.round1;\n" + JAVA_AB.format(name="Main"),
        "package a.b.c;\n\n" + JAVA_AB.format(name="Solver"),
        # A class without main before the public one changes nothing.
        JAVA_AB.format(name="Answer").replace("public class", "class Helper { static int unused; }\npublic class"),
        JAVA_AB.format(name="Final").replace("public class", "public final class"),
        # A nested class (its own class file) before main, in a package: still one main.
        "package q;\n" + JAVA_AB.format(name="Outer").replace("{\n    public static", "{\n    static class Node {}\n    public static", 1),
        # main(String... args) throws Exception is a main too.
        JAVA_AB.format(name="Varargs").replace("main(String[] args)", "main(final String... args) throws Exception"),
    ],
    ids=["other-name", "package", "package-other-name", "helper-class-first", "final", "nested-class", "varargs-throws"],
)
def test_java_main_class_is_found_whatever_it_is_called(sandbox, unharmed, source):
    assert_ab(sandbox.run(source, 62, stdins=AB_INPUTS))


@pytest.mark.parametrize(
    "source",
    [
        # The first line that looks like a public class is inside a comment: the guess is wrong.
        "/*\npublic class Decoy {}\n*/\n" + JAVA_AB.format(name="Real"),
        # The annotation on the same line hides the declaration from the guess.
        JAVA_AB.format(name="Real").replace("public class Real", '@SuppressWarnings("unused") public class Real'),
    ],
    ids=["decoy-in-comment", "annotation-on-the-line"],
)
def test_java_wrong_guess_of_the_file_name_is_corrected(sandbox, unharmed, source):
    """javac's complaint about the file name gives the right one, and the second javac succeeds."""
    assert_ab(sandbox.run(source, 62, stdins=AB_INPUTS))


def test_java_main_in_a_class_that_is_not_public(sandbox, unharmed):
    source = JAVA_AB.format(name="Plain").replace("public class Plain", "class Plain")
    assert_ab(sandbox.run(source, 62, stdins=AB_INPUTS))


def test_java_without_main_is_a_compile_error(sandbox, unharmed):
    source = "public class Solution {\n    static void main() {}\n    public void main(String[] a) {}\n}\n"
    r = sandbox.run(source, 62, stdins=AB_INPUTS)
    assert r["status"] == "CE", r
    assert "error: no class has a method public static void main(String[] args)" in r["compile_output"], r
    assert r.get("runs", []) == [], r


def test_java_two_mains_is_a_compile_error_naming_both(sandbox, unharmed):
    source = "package p;\n" + JAVA_AB.format(name="First") + "class Second { public static void main(String... a) {} }\n"
    r = sandbox.run(source, 62)
    assert r["status"] == "CE", r
    out = r["compile_output"]
    assert "more than one class has a method public static void main(String[] args)" in out, r
    assert "p.First" in out and "p.Second" in out, r


def test_java_syntax_error_names_the_file_of_the_public_class(sandbox, unharmed):
    r = sandbox.run("public class Solution { public static void main(String[] a) { int x = ; } }\n", 62)
    assert r["status"] == "CE", r
    assert "Solution.java:1: error: illegal start of expression" in r["compile_output"], r


def test_python_syntax_error_is_a_compile_error_with_the_message(sandbox, unharmed):
    r = sandbox.run("a, b = map(int, input().split())\nprint(a + b\n", 71, stdins=AB_INPUTS)
    assert r["status"] == "CE", r
    out = r["compile_output"]
    assert 'File "script.py", line 2' in out and "SyntaxError: '(' was never closed" in out, r
    # Nothing of the program ran.
    assert r["stdout"] == "" and r.get("runs", []) == [], r


def test_python_compile_step_only_parses(sandbox, unharmed):
    """The program's own statements do not run at compile time, a runtime error is still RE, and the
    syntax check leaves nothing in /prog (no __pycache__) for the run to find."""
    source = "import os, sys\nprint(sorted(os.listdir('/prog')))\nif sys.stdin.read() == 'boom\\n':\n    raise ValueError('boom')\n"
    r = sandbox.run(source, 71, stdins=["fine\n", "boom\n"])
    assert r["compile_output"] == "", r
    assert [run["status"] for run in r["runs"]] == ["OK", "RE"], r
    assert r["runs"][0]["stdout"] == "['script.py']\n", r
    assert "ValueError: boom" in r["runs"][1]["stderr"], r


def test_python_null_byte_is_a_compile_error(sandbox, unharmed):
    r = sandbox.run("print(1)\n\0\n", 71)
    assert r["status"] == "CE" and "null bytes" in r["compile_output"], r


@pytest.mark.parametrize("mode", ["auto", "rlimit"])
def test_javascript_a_plus_b_under_each_limit_mode(sandbox, unharmed, mode):
    source = (
        "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(BigInt);\n"
        "console.log((a + b).toString());\n"
    )
    r = sandbox.run(source, 63, "--mode", mode, "--memory-limit", str(128 * 1024), stdins=AB_INPUTS)
    assert_ab(r)
    if mode == "rlimit":
        assert r["mode"] == "rlimit", r


def test_javascript_threads_and_asynchronous_io_pass_the_seccomp_filter(sandbox, unharmed):
    """A worker thread, libuv's thread pool (promise-based file reads) and a timer: what Node.js programs use
    beyond synchronous stdin, all allowed by the filter and the process limit."""
    source = (
        "const { Worker, isMainThread, parentPort } = require('worker_threads');\n"
        "if (isMainThread) {\n"
        "  require('fs').promises.readFile('/dev/stdin', 'utf8').then((d) => {\n"
        "    new Worker(__filename).on('message', (m) => setTimeout(() => console.log(d.trim(), m), 10));\n"
        "  });\n"
        "} else parentPort.postMessage('from the worker');\n"
    )
    r = sandbox.run(source, 63, stdins=["read\n"])
    assert r["status"] == "OK" and r["stdout"] == "read from the worker\n", r


def tool_version(argv, pattern):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    m = re.search(pattern, proc.stdout + proc.stderr)
    assert m, (argv, proc.stdout, proc.stderr)
    return m.group(1)


def test_language_names_are_those_of_the_installed_toolchains(sandbox):
    listed = {l["id"]: l["name"] for l in json.loads(sandbox.cli("languages").stdout)}
    gcc = tool_version(["/usr/bin/gcc", "-dumpversion"], r"^(\d+)")
    assert listed[50] == f"C (GCC {gcc})" and listed[54] == f"C++ (GCC {gcc})", listed
    python = tool_version(["/usr/bin/python3", "--version"], r"Python (\d+\.\d+)")
    assert listed[71] == f"Python ({python})", listed
    java = tool_version(["/usr/lib/jvm/default-java/bin/java", "-version"], r'version "(\d+)')
    assert listed[62] == f"Java (OpenJDK {java})", listed
    node = tool_version(["/usr/bin/node", "--version"], r"^v(\d+)")
    assert listed[63] == f"JavaScript (Node.js {node})", listed
