"""Judging both task types and scoring test groups on the real pipeline (issue 11, DESIGN.md §7):
httpd with mod_solveit, judge-worker on the local sandbox and result-sink, on the session's
PostgreSQL, Redis and Kafka. Tasks, groups and tests are made in SQL; what is checked is the row
result-sink stored: verdict, score, points, max_points, group_results and test_results.

Run: /usr/bin/python3 -m pytest -p no:cacheprovider tests/integration/test_worker_scoring.py
"""

import uuid

import pytest

from polling import wait_final

pytestmark = pytest.mark.usefixtures("built_programs")

WAIT = 300  # bound for one judgement on a busy 2-core machine

# A + B in Python: right wherever the answer is a + b.
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
# Writes to stderr, answers one more on a = 5, exits with 3 on a = 7.
NOISY = ("import sys\na, b = map(int, input().split())\nsys.stderr.write('debug: a=%d\\n' % a)\n"
         "if a == 7:\n    sys.exit(3)\nprint(a + b + (1 if a == 5 else 0))\n")


def make_task(db, **columns):
    columns.setdefault("slug", "score-%s" % uuid.uuid4().hex[:10])
    columns.setdefault("title", "Scoring test")
    columns.setdefault("time_limit_ms", 4000)
    names = list(columns)
    return db.execute("INSERT INTO tasks (%s) VALUES (%s) RETURNING id"
                      % (", ".join(names), ", ".join(["%s"] * len(names))), list(columns.values())).fetchone()[0]


def add_group(db, task_id, name, aggregation="sum", points=None, on_reject="continue", position=0, parent=None):
    return db.execute("INSERT INTO test_groups (task_id, parent_id, name, position, aggregation, points, on_reject)"
                      " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                      (task_id, parent, name, position, aggregation, points, on_reject)).fetchone()[0]


def add_tests(db, task_id, tests):
    """tests: (input, answer, weight, group id or None, is_sample), in order from 1."""
    for order, (data, answer, weight, group, sample) in enumerate(tests, 1):
        db.execute('INSERT INTO tests (task_id, "order", input, expected_output, weight, group_id, is_sample)'
                   " VALUES (%s, %s, %s, %s, %s, %s, %s)", (task_id, order, data, answer, weight, group, sample))


def judge(db, pipeline, task_id, code, prefix="score"):
    """Submits code (Python 3) through httpd and returns the stored row once it is final."""
    r = pipeline.client(db, prefix).submit(task_id=task_id, language_id=71, code=code)
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    wait_final(db, [sid], WAIT, what="submission %d final" % sid)
    row = db.execute("SELECT status, verdict, score, points, max_points, group_results, test_results,"
                     " passed_tests, total_tests, error_message FROM submissions WHERE id = %s", (sid,)).fetchone()
    names = ("status", "verdict", "score", "points", "max_points", "group_results", "test_results",
             "passed_tests", "total_tests", "error_message")
    return dict(zip(names, row))


def by_order(row):
    return {t["order"]: t for t in row["test_results"]}


# Four tests; the second's answer is wrong for a + b, so a right program fails it.
PASS_FAIL_TESTS = [("1 2\n", "3\n", 1, None, True), ("5 5\n", "11\n", 1, None, False),
                   ("2 2\n", "4\n", 1, None, False), ("3 4\n", "7\n", 5, None, False)]


def test_pass_fail_stops_at_the_first_failure(db, pipeline):
    task_id = make_task(db, type="pass-fail")
    add_tests(db, task_id, PASS_FAIL_TESTS)
    row = judge(db, pipeline, task_id, SUM, "passfail")
    assert (row["status"], row["verdict"], row["score"]) == ("completed", "WA", 0), row
    assert (row["points"], row["max_points"]) == (0, 1), row
    assert (row["passed_tests"], row["total_tests"]) == (1, 4), row
    # The tests after the failure were not run: no result for them.
    tests = by_order(row)
    assert sorted(tests) == [1, 2], row["test_results"]
    assert (tests[1]["verdict"], tests[2]["verdict"]) == ("AC", "WA"), tests


def test_pass_fail_judge_all_runs_every_test(db, pipeline):
    task_id = make_task(db, type="pass-fail", judge_all=True)
    add_tests(db, task_id, PASS_FAIL_TESTS)
    row = judge(db, pipeline, task_id, SUM, "judgeall")
    assert (row["status"], row["verdict"], row["score"]) == ("completed", "WA", 0), row
    assert (row["passed_tests"], row["total_tests"]) == (3, 4), row
    assert [t["verdict"] for t in sorted(row["test_results"], key=lambda t: t["order"])] == ["AC", "WA", "AC", "AC"]


def test_min_and_sum_groups_give_exact_points(db, pipeline):
    task_id = make_task(db, type="scoring")
    subtask = add_group(db, task_id, "secret/min", "min", points=40, position=1)
    partial = add_group(db, task_id, "secret/sum", "sum", points=60, position=2)
    add_tests(db, task_id, [
        ("0 0\n", "0\n", 0, None, True),        # a sample at the root, worth nothing
        ("1 1\n", "2\n", 1, subtask, False),
        ("2 2\n", "5\n", 1, subtask, False),    # wrong for a + b: the min group scores 0
        ("1 2\n", "3\n", 1, partial, False),
        ("3 3\n", "6\n", 1, partial, False),
        ("4 4\n", "9\n", 1, partial, False),    # wrong: 2 of 3 of 60 points
    ])
    row = judge(db, pipeline, task_id, SUM, "groups")
    assert (row["status"], row["verdict"], row["score"]) == ("completed", "PA", 40), row
    assert row["points"] == pytest.approx(40) and row["max_points"] == pytest.approx(100), row
    assert (row["passed_tests"], row["total_tests"]) == (4, 6), row
    groups = {g["name"]: g for g in row["group_results"]}
    assert set(groups) == {"secret/min", "secret/sum"}, row["group_results"]
    assert groups["secret/min"]["verdict"] == "WA", groups
    assert groups["secret/min"]["points"] == pytest.approx(0), groups
    assert groups["secret/min"]["max_points"] == pytest.approx(40), groups
    assert groups["secret/sum"]["verdict"] == "PA", groups
    assert groups["secret/sum"]["points"] == pytest.approx(40), groups
    assert groups["secret/sum"]["max_points"] == pytest.approx(60), groups
    tests = by_order(row)
    assert tests[3]["group"] == "secret/min" and "group" not in tests[1], tests


def test_break_group_skips_its_remaining_tests(db, pipeline):
    task_id = make_task(db, type="scoring")
    brk = add_group(db, task_id, "secret/break", "sum", points=50, on_reject="break", position=1)
    cont = add_group(db, task_id, "secret/continue", "sum", points=50, position=2)
    add_tests(db, task_id, [
        ("1 1\n", "3\n", 1, brk, False),        # wrong: the rest of the group is skipped
        ("1 2\n", "3\n", 1, brk, False),
        ("2 2\n", "5\n", 1, cont, False),       # wrong, but the group goes on
        ("3 3\n", "6\n", 1, cont, False),
    ])
    row = judge(db, pipeline, task_id, SUM, "break")
    assert (row["status"], row["verdict"], row["score"]) == ("completed", "PA", 25), row
    assert sorted(by_order(row)) == [1, 3, 4], row["test_results"]
    groups = {g["name"]: g for g in row["group_results"]}
    assert groups["secret/break"]["verdict"] == "WA" and groups["secret/break"]["points"] == 0, groups
    assert groups["secret/continue"]["points"] == pytest.approx(25), groups


def test_judge_messages_and_stderr_are_stored_for_staff(db, pipeline):
    task_id = make_task(db)
    add_tests(db, task_id, [("1 2\n", "3\n", 1, None, True), ("5 5\n", "10\n", 1, None, False),
                            ("7 1\n", "8\n", 1, None, False)])
    row = judge(db, pipeline, task_id, NOISY, "messages")
    assert (row["status"], row["verdict"], row["score"]) == ("completed", "PA", 33), row
    assert row["points"] == pytest.approx(1) and row["max_points"] == pytest.approx(3), row
    assert row["group_results"] == [], row
    tests = by_order(row)
    wrong, crashed = tests[2], tests[3]
    # A hidden test's wrong-answer reason quotes its answer: staff only, never in "message".
    assert wrong["verdict"] == "WA" and "message" not in wrong, wrong
    assert '"10"' in wrong["judge_message"] and '"11"' in wrong["judge_message"], wrong
    assert "debug: a=5" in wrong["stderr"] and wrong["exit_code"] == 0, wrong
    assert crashed["verdict"] == "RE" and crashed["exit_code"] == 3, crashed
    assert "debug: a=7" in crashed["stderr"], crashed
    assert tests[1]["verdict"] == "AC" and "debug: a=1" in tests[1]["stderr"], tests[1]


def test_space_change_sensitive_task(db, pipeline):
    task_id = make_task(db, space_change_sensitive=True)
    add_tests(db, task_id, [("1 2\n", "3\n", 1, None, False)])
    row = judge(db, pipeline, task_id, "a, b = map(int, input().split())\nprint(a + b, end=' \\n')\n", "space")
    assert (row["status"], row["verdict"]) == ("completed", "WA"), row
    assert "whitespace differs" in by_order(row)[1]["judge_message"], row
    row = judge(db, pipeline, task_id, SUM, "space")
    assert (row["status"], row["verdict"], row["score"]) == ("completed", "AC", 100), row


# A scoring validator: score.txt 2 for the exact answer, 0.5 (with a team message) for one more,
# rejected otherwise; its judge message names its extra argv words (the task's and the groups').
SCORING_VALIDATOR = r"""#include <fstream>
#include <iostream>
#include <string>
int main(int argc, char **argv) {
	std::ifstream ans(argv[2]);
	std::string dir = argv[3], flags;
	for (int i = 4; i < argc; i++)
		flags += std::string(i > 4 ? " " : "") + argv[i];
	long long want, got;
	ans >> want;
	std::ofstream judge(dir + "judgemessage.txt");
	if (!(std::cin >> got)) {
		judge << "no number";
		return 43;
	}
	if (got == want) {
		std::ofstream(dir + "score.txt") << 2;
		judge << "exact [" << flags << "]";
		return 42;
	}
	if (got == want + 1) {
		std::ofstream(dir + "score.txt") << 0.5;
		std::ofstream(dir + "teammessage.txt") << "close";
		judge << "off by one";
		return 42;
	}
	judge << "wanted " << want << " got " << got;
	return 43;
}
"""
# Right on a = 1, one more on a = 5, far off on a = 7.
CLOSE = "a, b = map(int, input().split())\nprint(a + b + {5: 1, 7: 5}.get(a, 0))\n"


def test_custom_validator_scores_and_messages(db, pipeline):
    task_id = make_task(db, checker="custom", validator_language_id=54, validator_source=SCORING_VALIDATOR,
                        validator_flags="task-flag")
    group = add_group(db, task_id, "secret", "sum", position=1)
    db.execute("UPDATE test_groups SET validator_flags = 'group-flag' WHERE id = %s", (group,))
    add_tests(db, task_id, [("1 2\n", "3\n", 2, group, False), ("5 5\n", "10\n", 2, None, False),
                            ("7 1\n", "8\n", 2, None, False)])
    row = judge(db, pipeline, task_id, CLOSE, "custom")
    assert (row["status"], row["verdict"]) == ("completed", "PA"), row
    # score.txt is the test's points in place of its weight: 2 + 0.5 + 0 of 6
    assert row["points"] == pytest.approx(2.5) and row["max_points"] == pytest.approx(6), row
    assert row["score"] == 42, row
    tests = by_order(row)
    assert (tests[1]["verdict"], tests[1]["score"]) == ("AC", 2), tests[1]
    assert tests[1]["judge_message"] == "exact [task-flag group-flag]", tests[1]
    assert (tests[2]["verdict"], tests[2]["score"], tests[2]["team_message"]) == ("AC", 0.5, "close"), tests[2]
    assert tests[3]["verdict"] == "WA" and tests[3]["judge_message"] == "wanted 8 got 13", tests[3]
    assert "message" not in tests[3], tests[3]


def test_failing_validator_fails_the_submission(db, pipeline):
    task_id = make_task(db, checker="custom", validator_language_id=54,
                        validator_source="#include <cstdio>\nint main() { std::puts(\"broken\"); return 1; }\n")
    add_tests(db, task_id, [("1 2\n", "3\n", 1, None, False)])
    row = judge(db, pipeline, task_id, SUM, "badvalidator")
    assert row["status"] == "failed" and row["verdict"] is None, row
    assert "validator failed on test 1" in row["error_message"], row
    assert row["points"] is None and row["group_results"] == [], row
