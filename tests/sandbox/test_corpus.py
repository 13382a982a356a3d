"""The hostile corpus: each program in corpus/ carries its expected verdict in its header comment; a test
passes only when the verdict matches and the host came through unharmed (see conftest.Host)."""
import re
import shlex

import pytest

from conftest import LANG_BY_EXT, corpus_files, parse_header
from kernel_probe import expected_signal


def check_program(sandbox, host, path, extra_args=()):
    text = host.substitute(path.read_text())
    meta = parse_header(text)
    assert "EXPECT" in meta, f"{path.name} has no EXPECT header"
    runs = int(meta.get("RUNS", "1"))
    stdin = meta.get("STDIN", "") + ("\n" if "STDIN" in meta else "")
    stdins = [stdin] * runs if runs > 1 or stdin else None
    result = sandbox.run(
        text, LANG_BY_EXT[path.suffix], *shlex.split(meta.get("ARGS", "")), *extra_args, stdins=stdins, name=path.stem
    )
    everything = result["stdout"] + result["stderr"] + result["compile_output"]
    detail = f"{path.name}: {result}"
    assert result["status"] == meta["EXPECT"], detail
    assert host.secret not in everything, f"{path.name} got hold of the planted secret"
    for run in result.get("runs", [result]):
        assert run["status"] == meta["EXPECT"], detail
        if "STDOUT" in meta:
            assert re.search(meta["STDOUT"], run["stdout"].strip(), re.M), detail
        if "STDERR" in meta:
            assert meta["STDERR"] in run["stderr"], detail
        if "SIGNAL" in meta:
            assert run["signal"] == expected_signal(meta), detail
        if "EXIT" in meta:
            assert run["exit_code"] == int(meta["EXIT"]), detail
    if meta["EXPECT"] == "CE":
        assert result["compile_output"] or result["message"], detail
    return result


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_hostile_program(sandbox, unharmed, path):
    check_program(sandbox, unharmed, path)


def test_corpus_is_big_enough():
    files = corpus_files()
    assert len(files) >= 30
    verdicts = {parse_header(p.read_text()).get("EXPECT") for p in files}
    assert verdicts >= {"OK", "TLE", "MLE", "RE", "OLE", "CE"}
