"""Whose languages.json and solveit-sandbox-init a program uses (issue 14, finding 14): an explicit path
wins; otherwise a program of the build tree uses the tree's files and an installed one the installed copies,
never the other's, and the start-up log says which and why.

"Installed copies" are decoys: a private mount namespace lays a temporary directory over the install
prefix for the one command, so nothing is written under the real prefix on this machine.
"""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import BIN, FIRST_UID, REPO

SANDBOX_DIR = REPO / "judge-worker" / "sandbox"
TREE_LANGUAGES = SANDBOX_DIR / "languages.json"
TREE_INIT = SANDBOX_DIR / "solveit-sandbox-init"


def make_variables(path):
    """The compiled-in directories, expanded as make would from the generated Makefile."""
    raw = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*) = (.*)$", line)
        if m:
            raw[m.group(1)] = m.group(2).strip()

    def expand(value, depth=0):
        assert depth < 20, value
        return re.sub(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]", lambda m: expand(raw.get(m.group(1), ""), depth + 1),
                      value)

    return {name: expand(raw[name]) for name in ("prefix", "pkgdatadir", "pkglibexecdir")}


DIRS = make_variables(SANDBOX_DIR / "Makefile")


@pytest.fixture
def decoy(tmp_path):
    """A directory to lay over the prefix: languages.json with every name marked DECOY and an "init" that
    fails at once (root-owned and not writable by others, as the library demands of a real one)."""
    root = tmp_path / "prefix"
    prefix = DIRS["prefix"]
    if not os.path.isdir(prefix) or not DIRS["pkgdatadir"].startswith(prefix + "/") or \
            not DIRS["pkglibexecdir"].startswith(prefix + "/"):
        pytest.skip("the install directories are not below an existing prefix: %s" % DIRS)
    data = root / os.path.relpath(DIRS["pkgdatadir"], prefix)
    libexec = root / os.path.relpath(DIRS["pkglibexecdir"], prefix)
    data.mkdir(parents=True)
    libexec.mkdir(parents=True)
    langs = json.loads(TREE_LANGUAGES.read_text())
    for lang in langs["languages"]:
        lang["name"] = "DECOY " + lang["name"]
    (data / "languages.json").write_text(json.dumps(langs))
    shutil.copy("/bin/false", libexec / "solveit-sandbox-init")
    os.chmod(libexec / "solveit-sandbox-init", 0o755)
    for d in [tmp_path] + list(root.rglob("*")) + [root]:
        os.chmod(d, 0o755 if d.is_dir() or d.name == "solveit-sandbox-init" else 0o644)
    return root


def cli(program, state_dir, *args, over_prefix=None, env=None):
    """Runs the CLI; with over_prefix, in a mount namespace of its own where that directory hides the prefix."""
    full_env = dict(os.environ)
    for name in ("SOLVEIT_LANGUAGES", "SOLVEIT_SANDBOX_INIT", "SOLVEIT_SANDBOX_MODE"):
        full_env.pop(name, None)
    full_env.update(env or {})
    cmd = [str(program), *args, "--state-dir", str(state_dir), "--first-uid", str(FIRST_UID)]
    if over_prefix is not None:
        cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
               'mount --bind "$0" "$1" && shift && exec "$@"', str(over_prefix), DIRS["prefix"]] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=full_env)


def chosen(stderr):
    m = re.search(r"sandbox: (a build-tree program|an installed program), running (\S+): languages (\S+) \(([^)]*)\), "
                  r"init (\S+) \(([^)]*)\)", stderr)
    assert m, "no start-up line naming the files:\n" + stderr
    return {"origin": m.group(1), "exe": m.group(2), "languages": m.group(3), "languages_why": m.group(4),
            "init": m.group(5), "init_why": m.group(6)}


def names(stdout):
    return [lang["name"] for lang in json.loads(stdout)]


def test_tree_program_uses_the_tree_files_over_installed_ones(state_dir, decoy, tmp_path, unharmed):
    proc = cli(BIN, state_dir, "languages", over_prefix=decoy)
    assert proc.returncode == 0, proc.stderr
    assert not any(n.startswith("DECOY") for n in names(proc.stdout)), proc.stdout
    got = chosen(proc.stderr)
    assert got["origin"] == "a build-tree program"
    assert (got["languages"], got["init"]) == (str(TREE_LANGUAGES), str(TREE_INIT))
    assert "build tree" in got["languages_why"] and "build tree" in got["init_why"]

    # The run goes through the tree's init too: the decoy's would fail every execution.
    source = tmp_path / "add.py"
    source.write_text("a, b = map(int, input().split())\nprint(a + b)\n")
    stdin = tmp_path / "in"
    stdin.write_text("2 3\n")
    proc = cli(BIN, state_dir, "run", "--language", "71", "--source", str(source), "--stdin", str(stdin),
               over_prefix=decoy)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["status"], result["stdout"]) == ("OK", "5\n"), result
    assert chosen(proc.stderr)["init"] == str(TREE_INIT)


def test_installed_program_uses_the_installed_files(state_dir, decoy, tmp_path):
    copy = tmp_path / "bin" / "solveit-sandbox"
    copy.parent.mkdir()
    shutil.copy(BIN, copy)
    proc = cli(copy, state_dir, "languages", over_prefix=decoy)
    assert proc.returncode == 0, proc.stderr
    assert all(n.startswith("DECOY") for n in names(proc.stdout)), proc.stdout
    got = chosen(proc.stderr)
    assert got["origin"] == "an installed program" and got["exe"] == str(copy)
    assert got["languages"] == DIRS["pkgdatadir"] + "/languages.json"
    assert got["init"] == DIRS["pkglibexecdir"] + "/solveit-sandbox-init"
    assert "installed" in got["languages_why"] and "installed" in got["init_why"]


def test_installed_program_never_falls_back_to_the_tree(state_dir, tmp_path):
    """With nothing installed, an installed program fails and says what is missing; it does not borrow a
    build tree's files."""
    empty = tmp_path / "empty"
    empty.mkdir()
    os.chmod(tmp_path, 0o755)
    copy = tmp_path / "solveit-sandbox"
    shutil.copy(BIN, copy)
    proc = cli(copy, state_dir, "languages", over_prefix=empty)
    assert proc.returncode != 0, proc.stdout
    assert DIRS["pkgdatadir"] + "/languages.json" in proc.stderr
    assert str(TREE_LANGUAGES) not in proc.stderr
    assert chosen(proc.stderr)["origin"] == "an installed program"


def test_explicit_paths_win_and_are_named(state_dir, decoy):
    langs = decoy / os.path.relpath(DIRS["pkgdatadir"], DIRS["prefix"]) / "languages.json"
    proc = cli(BIN, state_dir, "languages", env={"SOLVEIT_LANGUAGES": str(langs)})
    assert proc.returncode == 0, proc.stderr
    assert all(n.startswith("DECOY") for n in names(proc.stdout))
    got = chosen(proc.stderr)
    assert (got["languages"], got["languages_why"]) == (str(langs), "SOLVEIT_LANGUAGES")
    proc = cli(BIN, state_dir, "languages", "--languages", str(TREE_LANGUAGES), "--init", str(TREE_INIT))
    got = chosen(proc.stderr)
    assert (got["languages_why"], got["init_why"]) == ("set by the caller", "set by the caller")
