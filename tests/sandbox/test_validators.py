"""Custom and interactive validators through the real sandbox: the local executor runs the submission, the
validator cache compiles the task's validator once and runs it in boxes of its own with the Kattis interface
(judge-worker/executor_local.c, validator.c), driven by solveit-judge-driver (tests/sandbox/judge_driver.c).

Run as root with Debian's pytest: /usr/bin/python3 -m pytest tests/sandbox/test_validators.py
"""
import json
import os
import pathlib
import subprocess

import pytest

from conftest import FIRST_UID, REPO

DRIVER = os.environ.get("SOLVEIT_JUDGE_DRIVER", str(REPO / "judge-worker/solveit-judge-driver"))
HERE = pathlib.Path(__file__).resolve().parent / "validators"
CPP = 54


@pytest.fixture
def judge(state_dir, tmp_path, host):
    """judge(validator=..., source=..., tests=[(input, answer[, flags])], **spec) -> the driver's judgements."""

    def run(validator_source=None, source="sum.cpp", tests=(), files=("vutil.h",), **spec):
        paths = []
        for i, t in enumerate(tests):
            inp, ans = tmp_path / f"t{i}.in", tmp_path / f"t{i}.ans"
            inp.write_bytes(t[0] if isinstance(t[0], bytes) else t[0].encode())
            ans.write_bytes(t[1] if isinstance(t[1], bytes) else t[1].encode())
            paths.append({"input": str(inp), "answer": str(ans), "flags": t[2] if len(t) > 2 else ""})
        full = {"language": CPP, "tests": paths, "validator_language": CPP}
        for key, name in (("validator_source", validator_source), ("source", source)):
            if name:
                p = tmp_path / name
                p.write_text(host.substitute((HERE / name).read_text()))
                full[key] = str(p)
        full["validator_files"] = [{"name": f, "path": str(HERE / f)} for f in files]
        full["validator_files"] += spec.pop("validator_files_named", [])
        full.update(spec)
        spec_path = tmp_path / "spec.json"
        spec_path.write_text(json.dumps(full))
        env = dict(os.environ, SOLVEIT_SANDBOX_DIR=str(state_dir), SOLVEIT_SANDBOX_FIRST_UID=str(FIRST_UID))
        env.pop("SOLVEIT_SANDBOX_MODE", None)
        proc = subprocess.run([DRIVER, str(spec_path)], capture_output=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        return json.loads(proc.stdout), proc.stderr.decode(errors="replace")

    return run


def verdicts(judgement):
    return [t["verdict"] for t in judgement["tests"]]


def test_custom_validator_accepts_and_rejects(judge, unharmed):
    (j,), _ = judge(
        "tokens.cpp",
        validator="custom",
        tests=[("1 2", "sum 3"), ("1 2", "sum 4"), ("UP 2 2", "sum 4", "ignore_case"), ("UP 2 2", "sum 4")],
    )
    assert j["status"] == "DONE", j
    assert verdicts(j) == ["AC", "WA", "AC", "WA"]
    assert j["tests"][1]["judge_message"] == "expected 2 tokens, got 2"
    assert all("validator_error" not in t for t in j["tests"])


def test_validator_sees_files_from_memory_when_there_is_no_path(judge, unharmed):
    (j,), _ = judge("tokens.cpp", validator="custom", tests=[("1 2", "sum 3"), ("5 5", "sum 9")], paths=False)
    assert verdicts(j) == ["AC", "WA"]


def test_scoring_validator_score_and_messages(judge, unharmed):
    (j,), _ = judge("score.cpp", validator="custom", tests=[("7 0", ""), ("20 22", "")], source="sum_first.cpp")
    assert verdicts(j) == ["AC", "AC"]
    assert [t["score"] for t in j["tests"]] == [7, 42]
    assert j["tests"][1]["judge_message"] == "judge: team said 42"
    assert j["tests"][1]["team_message"] == "you said 42"


def test_validator_exiting_1_is_a_judge_error_with_its_reason(judge, unharmed):
    (j,), _ = judge("exit1.cpp", validator="custom", tests=[("1 2", "sum 3")], files=())
    (t,) = j["tests"]
    assert t["verdict"] == "NONE"
    assert "the validator exited with code 1 (42 is accepted, 43 wrong answer)" in t["validator_error"]
    assert "validator bug: cannot parse the answer" in t["validator_error"]


def test_validator_that_does_not_compile_names_the_compiler_message(judge, unharmed):
    (j,), log = judge("broken.cpp", validator="custom", tests=[("1 2", "sum 3"), ("1", "sum 1")], files=())
    errors = [t["validator_error"] for t in j["tests"]]
    assert all(e.startswith("the validator does not compile: ") for e in errors), errors
    assert "undeclared_thing" in errors[0] and "was not declared" in errors[0]
    # Compiled (and failed) once for the revision, not once per test.
    assert log.count("does not compile") == 1, log


def test_compiled_once_per_revision_and_shared_by_threads(judge, unharmed):
    results, log = judge(
        "tokens.cpp", validator="custom", tests=[("1 2", "sum 3"), ("3 4", "sum 8")] * 3, threads=4, repeat=2
    )
    assert len(results) == 8
    for j in results:
        assert j["status"] == "DONE", j
        assert verdicts(j) == ["AC", "WA"] * 3
    assert log.count("validator of task 1 revision 1 compiled") == 1, log


def test_a_new_revision_compiles_again(judge, unharmed):
    results, log = judge("tokens.cpp", validator="custom", tests=[("1 2", "sum 3")], repeat=3, bump_revision=True)
    assert [verdicts(j) for j in results] == [["AC"]] * 3
    for revision in (1, 2, 3):
        assert log.count(f"validator of task 1 revision {revision} compiled") == 1, log


def test_interactive_correct_submission(judge, unharmed):
    (j,), _ = judge("guess.cpp", validator="interactive", source="guess_ok.cpp", tests=[("777", ""), ("1", "")])
    assert j["status"] == "DONE", j
    assert verdicts(j) == ["AC", "AC"]
    assert all(t["checked"] for t in j["tests"])
    assert j["tests"][0]["judge_message"].startswith("found in ")


def test_interactive_wrong_submission(judge, unharmed):
    (j,), _ = judge("guess.cpp", validator="interactive", source="guess_wrong.cpp", tests=[("3", ""), ("500", "")])
    assert verdicts(j) == ["AC", "WA"]
    assert j["tests"][1]["judge_message"] == "too many guesses"


def test_interactive_wa_wins_over_a_hang_afterwards(judge, unharmed):
    (j,), _ = judge("guess.cpp", validator="interactive", source="guess_hang.cpp", tests=[("10", "")])
    (t,) = j["tests"]
    assert t["verdict"] == "WA", t
    assert t["team_message"] == "out of range"


def test_interactive_crash_after_accepted_exchange_is_re(judge, unharmed):
    (j,), _ = judge("guess.cpp", validator="interactive", source="guess_crash.cpp", tests=[("123", "")])
    (t,) = j["tests"]
    assert t["verdict"] == "RE", t
    assert "SIGABRT" in t["message"]
    assert "about to crash" in t["stderr"]
    assert t["exit_code"] == -1


def test_interactive_program_that_ends_first_by_its_limit_keeps_tle(judge, unharmed):
    (j,), _ = judge(
        "guess.cpp", validator="interactive", source="guess_silent.cpp", tests=[("5", "")], time_limit_ms=500
    )
    (t,) = j["tests"]
    assert t["verdict"] == "TLE", t


def test_interactive_validator_that_does_not_compile(judge, unharmed):
    (j,), _ = judge("broken.cpp", validator="interactive", source="guess_ok.cpp", tests=[("5", "")], files=())
    assert j["status"] == "FAILED"
    assert "the validator does not compile: " in j["error"] and "undeclared_thing" in j["error"]


def test_hostile_validator_is_contained(judge, unharmed):
    (j,), _ = judge("hostile.cpp", validator="custom", tests=[("1 2", "sum 3")])
    (t,) = j["tests"]
    assert t["verdict"] == "AC", t
    first = t["judge_message"].splitlines()[0]
    assert "DONE" not in first, first
    for what in ("connect", "write_answer", "write_input", "write_judge_dir", "write_root", "write_sentinel"):
        assert f"{what}=blocked" in first
    # Cut to 4 KiB; the link it planted as teammessage.txt is never followed.
    assert len(t["judge_message"].encode()) == 4096
    assert t["team_message"] is None


def test_executor_limits_and_should_run(judge, unharmed):
    (j,), _ = judge(
        source="sum.cpp",
        tests=[("1 2", ""), ("3", ""), ("4", "")],
        stop_after_failure=False,
        output_limit_kb=1,
    )
    assert [t["output"] for t in j["tests"]] == ["sum 3\n", "sum 3\n", "sum 4\n"]
    (j,), _ = judge(source="spam.cpp", tests=[("1", ""), ("2", "")], output_limit_kb=1, stop_after_failure=True)
    # The first test's output passes 1 KB: OLE, and the second is never run.
    assert verdicts(j) == ["OLE"]


def test_language_time_factor_scales_the_cpu_limit(judge, unharmed):
    (slow,), _ = judge(source="burn.cpp", tests=[("", "")], time_limit_ms=50)
    assert verdicts(slow) == ["TLE"]
    # The same limit with a factor of 200 for C++ (10 s): the program finishes.
    (scaled,), _ = judge(source="burn.cpp", tests=[("", "")], time_limit_ms=50, factors={"54": 200.0, "71": 0.5})
    assert verdicts(scaled) == ["AC"]
    assert scaled["tests"][0]["output"] == "done\n"


@pytest.mark.parametrize(
    "name, files, language, reason",
    [
        ("a bad file name", [("../evil.h", "vutil.h")], CPP, "the validator's file ../evil.h: not a plain file name"),
        ("an extra file named as the source", [("main.cpp", "vutil.h")], CPP, "has the name of the main source file"),
        ("an unknown language", [], 99999, "the validator's language 99999 is unknown"),
    ],
)
def test_validator_the_judge_can_never_compile_fails_once_with_a_reason(judge, unharmed, name, files, language, reason):
    (j,), log = judge(
        "exit1.cpp",
        validator="custom",
        tests=[("1 2", "sum 3"), ("1", "sum 1")],
        files=(),
        validator_files_named=[{"name": n, "path": str(HERE / p)} for n, p in files],
        validator_language=language,
    )
    errors = [t["validator_error"] for t in j["tests"]]
    assert len(errors) == 2 and all(reason in e for e in errors), (name, errors)
    assert log.count(reason) == 1, log
