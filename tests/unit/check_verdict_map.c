/* Verdict mapping from every Judge0 status and from the local sandbox's run statuses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sv_result.h"
#include "verdict_map.h"

static char reason[256];

/* A finished Judge0 run as 1.13 reports it: exit_signal null, memory 1000 KB of a 128000 KB limit. */
static judge0_run run_of(int status_id, int exit_code)
{
	judge0_run run = {
	    .status_id = status_id, .has_exit_code = 1, .exit_code = exit_code, .memory = 1000, .memory_limit = 128000};
	return run;
}

static verdict_map_outcome map(const judge0_run *run, sv_verdict *verdict)
{
	*verdict = SV_VERDICT_NONE;
	return verdict_map_judge0(run, verdict, reason, sizeof(reason));
}

START_TEST(descriptions_are_judge0s)
{
	static const char *const expected[] = {
	    NULL,
	    "In Queue",
	    "Processing",
	    "Accepted",
	    "Wrong Answer",
	    "Time Limit Exceeded",
	    "Compilation Error",
	    "Runtime Error (SIGSEGV)",
	    "Runtime Error (SIGXFSZ)",
	    "Runtime Error (SIGFPE)",
	    "Runtime Error (SIGABRT)",
	    "Runtime Error (NZEC)",
	    "Runtime Error (Other)",
	    "Internal Error",
	    "Exec Format Error",
	};

	for (int id = 1; id <= 14; id++)
		ck_assert_str_eq(verdict_map_judge0_description(id), expected[id]);
	ck_assert_ptr_null(verdict_map_judge0_description(0));
	ck_assert_ptr_null(verdict_map_judge0_description(15));
	ck_assert_ptr_null(verdict_map_judge0_description(-1));
}
END_TEST

START_TEST(queued_and_processing_are_pending)
{
	judge0_run run = {.status_id = JUDGE0_IN_QUEUE, .memory = -1};
	sv_verdict verdict;

	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_PENDING);
	run.status_id = JUDGE0_PROCESSING;
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_PENDING);
	ck_assert_int_eq(verdict, SV_VERDICT_NONE);
}
END_TEST

START_TEST(accepted_and_wrong_answer_go_to_our_checker)
{
	judge0_run run = run_of(JUDGE0_ACCEPTED, 0);
	sv_verdict verdict;

	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_CHECK);
	run.status_id = JUDGE0_WRONG_ANSWER;
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_CHECK);
}
END_TEST

START_TEST(time_limit)
{
	judge0_run run = run_of(JUDGE0_TIME_LIMIT_EXCEEDED, 0);
	sv_verdict verdict;

	run.message = "Time limit exceeded (wall clock)";
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_TLE);
	ck_assert_str_eq(reason, "Time limit exceeded (wall clock)");
}
END_TEST

START_TEST(compilation_error)
{
	judge0_run run = {.status_id = JUDGE0_COMPILATION_ERROR, .memory = -1, .memory_limit = 128000};
	sv_verdict verdict;

	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_CE);
}
END_TEST

START_TEST(signal_statuses)
{
	judge0_run run = run_of(JUDGE0_RE_SIGSEGV, 0);
	sv_verdict verdict;

	run.has_exit_code = 0;
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_str_eq(reason, "killed by signal 11 (SIGSEGV)");
	run.status_id = JUDGE0_RE_SIGXFSZ;
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_OLE);
	run.status_id = JUDGE0_RE_SIGFPE;
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_str_eq(reason, "killed by signal 8 (SIGFPE)");
	run.status_id = JUDGE0_RE_SIGABRT;
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_str_eq(reason, "killed by signal 6 (SIGABRT)");
	run.status_id = JUDGE0_RE_OTHER;
	run.has_exit_signal = 1;
	run.exit_signal = 7;
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_str_eq(reason, "killed by signal 7 (SIGBUS)");
}
END_TEST

START_TEST(nzec_carries_signals_as_128_plus_n)
{
	judge0_run run = run_of(JUDGE0_RE_NZEC, 139);
	sv_verdict verdict;

	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_str_eq(reason, "killed by signal 11 (SIGSEGV)");
	run.exit_code = 136;
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_str_eq(reason, "killed by signal 8 (SIGFPE)");
	run.exit_code = 134;
	map(&run, &verdict);
	ck_assert_str_eq(reason, "killed by signal 6 (SIGABRT)");
	run.exit_code = 153; /* SIGXFSZ: the output file limit */
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_OLE);
	run.exit_code = 152; /* SIGXCPU: the CPU rlimit */
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_TLE);
	run.exit_code = 1; /* a Python exception */
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_str_eq(reason, "exited with code 1");
	run.exit_code = 3;
	run.has_exit_signal = 1; /* should a Judge0 ever fill exit_signal, it wins */
	run.exit_signal = 11;
	map(&run, &verdict);
	ck_assert_str_eq(reason, "killed by signal 11 (SIGSEGV)");
}
END_TEST

START_TEST(oom_kill_near_the_limit_is_mle)
{
	judge0_run run = run_of(JUDGE0_RE_NZEC, 137);
	sv_verdict verdict;

	run.memory = 128000; /* Judge0 reports memory == limit on an OOM kill */
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_MLE);
	ck_assert_str_eq(reason, "memory limit exceeded (used 128000 KB of 128000 KB)");
	run.memory = 122000; /* above 95 % */
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_MLE);
	run.memory = 60000; /* killed, but far from the limit */
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_str_eq(reason, "killed by signal 9 (SIGKILL)");
	run.memory = -1; /* memory unknown: no guessing */
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	run.memory = 128000;
	run.memory_limit = 0; /* limit unknown */
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	/* any crash at the limit: e.g. std::bad_alloc -> abort with the whole limit in use */
	run.memory_limit = 128000;
	run.exit_code = 134;
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_MLE);
	run.exit_code = 134;
	run.memory = 122000; /* near the limit but not SIGKILL: a plain abort */
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	/* the same for the signal statuses */
	run = run_of(JUDGE0_RE_OTHER, 0);
	run.has_exit_signal = 1;
	run.exit_signal = 9;
	run.memory = 127000;
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_MLE);
}
END_TEST

START_TEST(file_too_large_on_stderr_is_ole)
{
	judge0_run run = run_of(JUDGE0_RE_NZEC, 1);
	sv_verdict verdict;

	run.stderr_text = "Traceback (most recent call last):\nOSError: [Errno 27] File too large\n";
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_OLE);
	run.stderr_text = "Traceback (most recent call last):\nValueError\n";
	map(&run, &verdict);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
}
END_TEST

START_TEST(internal_error_is_retried_not_judged)
{
	judge0_run run = {.status_id = JUDGE0_INTERNAL_ERROR, .memory = -1};
	sv_verdict verdict;

	run.message = "No such file or directory @ rb_sysopen - /box/script.py";
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_ERROR);
	ck_assert_int_eq(verdict, SV_VERDICT_NONE);
	ck_assert_str_eq(reason, "Judge0 internal error: No such file or directory @ rb_sysopen - /box/script.py");
	run.message = NULL;
	map(&run, &verdict);
	ck_assert_str_eq(reason, "Judge0 internal error");
}
END_TEST

START_TEST(exec_format_error_is_runtime_error)
{
	judge0_run run = {.status_id = JUDGE0_EXEC_FORMAT_ERROR, .memory = -1};
	sv_verdict verdict;

	run.message = "execve(\"./a.out\"): Exec format error";
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_FINAL);
	ck_assert_int_eq(verdict, SV_VERDICT_RE);
	ck_assert_ptr_nonnull(strstr(reason, "could not be executed"));
}
END_TEST

START_TEST(unknown_status_is_an_error)
{
	judge0_run run = {.status_id = 15, .memory = -1};
	sv_verdict verdict;

	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_ERROR);
	ck_assert_str_eq(reason, "unknown Judge0 status id 15");
	run.status_id = 0;
	ck_assert_int_eq(map(&run, &verdict), VERDICT_MAP_ERROR);
}
END_TEST

START_TEST(every_judge0_status_has_an_outcome)
{
	/* the whole table at once, so a status added to one place and not the other shows up */
	static const struct {
		int status_id;
		verdict_map_outcome outcome;
		sv_verdict verdict;
	} table[] = {
	    {1, VERDICT_MAP_PENDING, SV_VERDICT_NONE}, {2, VERDICT_MAP_PENDING, SV_VERDICT_NONE},
	    {3, VERDICT_MAP_CHECK, SV_VERDICT_NONE},   {4, VERDICT_MAP_CHECK, SV_VERDICT_NONE},
	    {5, VERDICT_MAP_FINAL, SV_VERDICT_TLE},    {6, VERDICT_MAP_FINAL, SV_VERDICT_CE},
	    {7, VERDICT_MAP_FINAL, SV_VERDICT_RE},     {8, VERDICT_MAP_FINAL, SV_VERDICT_OLE},
	    {9, VERDICT_MAP_FINAL, SV_VERDICT_RE},     {10, VERDICT_MAP_FINAL, SV_VERDICT_RE},
	    {11, VERDICT_MAP_FINAL, SV_VERDICT_RE},    {12, VERDICT_MAP_FINAL, SV_VERDICT_RE},
	    {13, VERDICT_MAP_ERROR, SV_VERDICT_NONE},  {14, VERDICT_MAP_FINAL, SV_VERDICT_RE},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		judge0_run run = run_of(table[i].status_id, table[i].status_id == 11 ? 1 : 0);
		sv_verdict verdict;

		ck_assert_int_eq(map(&run, &verdict), table[i].outcome);
		ck_assert_int_eq(verdict, table[i].verdict);
	}
}
END_TEST

START_TEST(sandbox_outcomes)
{
	static const char *const names[] = {"OK", "TLE", "MLE", "RE", "OLE", "CE", "IE"};
	static const sandbox_outcome outcomes[] = {SANDBOX_OUTCOME_OK, SANDBOX_OUTCOME_TLE, SANDBOX_OUTCOME_MLE,
						   SANDBOX_OUTCOME_RE, SANDBOX_OUTCOME_OLE, SANDBOX_OUTCOME_CE,
						   SANDBOX_OUTCOME_IE};
	sandbox_outcome outcome;

	for (size_t i = 0; i < 7; i++) {
		ck_assert_int_eq(verdict_map_sandbox_outcome_parse(names[i], &outcome), 0);
		ck_assert_int_eq(outcome, outcomes[i]);
	}
	ck_assert_int_eq(verdict_map_sandbox_outcome_parse("ok", &outcome), -1);
	ck_assert_int_eq(verdict_map_sandbox_outcome_parse("", &outcome), -1);
	ck_assert_int_eq(verdict_map_sandbox_outcome_parse(NULL, &outcome), -1);
	ck_assert_int_eq(verdict_map_sandbox_outcome_parse("WA", &outcome), -1);
}
END_TEST

START_TEST(sandbox_verdicts_given_the_checker)
{
	/* a clean run takes the checker's verdict; an unchecked output never passes */
	ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_OK, SV_VERDICT_AC), SV_VERDICT_AC);
	ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_OK, SV_VERDICT_WA), SV_VERDICT_WA);
	ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_OK, SV_VERDICT_NONE), SV_VERDICT_WA);
	/* a run that was stopped keeps its own verdict whatever its partial output looked like */
	for (int checked = SV_VERDICT_NONE; checked <= SV_VERDICT_WA; checked++) {
		ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_TLE, checked), SV_VERDICT_TLE);
		ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_MLE, checked), SV_VERDICT_MLE);
		ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_RE, checked), SV_VERDICT_RE);
		ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_OLE, checked), SV_VERDICT_OLE);
		ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_CE, checked), SV_VERDICT_CE);
		ck_assert_int_eq(verdict_map_sandbox(SANDBOX_OUTCOME_IE, checked), SV_VERDICT_NONE);
	}
	ck_assert_int_eq(verdict_map_sandbox((sandbox_outcome)42, SV_VERDICT_AC), SV_VERDICT_NONE);
}
END_TEST

START_TEST(describe_exit)
{
	char text[64];

	verdict_map_describe_exit(3, 0, text, sizeof(text));
	ck_assert_str_eq(text, "exited with code 3");
	verdict_map_describe_exit(0, 11, text, sizeof(text));
	ck_assert_str_eq(text, "killed by signal 11 (SIGSEGV)");
	verdict_map_describe_exit(0, 40, text, sizeof(text));
	ck_assert_str_eq(text, "killed by signal 40");
	verdict_map_describe_exit(0, 31, text, sizeof(text));
	ck_assert_str_eq(text, "killed by signal 31 (SIGSYS)");
}
END_TEST

/* Issue 14, finding 7: a wall-clock kill with little CPU is the host's doing when the program waited
 * for a CPU, the program's when it slept; with no measure it is run again. */
START_TEST(wall_kills_told_apart)
{
	/* Used its CPU: its own TLE, whatever the host did. */
	ck_assert_int_eq(verdict_map_wall_kill(0.8, 1.0, 1.5, 0.7), WALL_KILL_OWN);
	/* sleep(100): no CPU, no waiting for one. */
	ck_assert_int_eq(verdict_map_wall_kill(0.0, 1.0, 1.5, 0.001), WALL_KILL_OWN);
	/* 32 of 33 TLEs of the finding: killed at 42 % of the CPU limit, runnable the rest of the time. */
	ck_assert_int_eq(verdict_map_wall_kill(0.42, 1.0, 1.5, 1.0), WALL_KILL_STARVED);
	ck_assert_int_eq(verdict_map_wall_kill(0.1, 1.0, 1.5, 0.2), WALL_KILL_STARVED);
	/* Judge0 and rlimit mode cannot say. */
	ck_assert_int_eq(verdict_map_wall_kill(0.1, 1.0, 1.5, -1), WALL_KILL_SUSPECT);
	ck_assert_int_eq(verdict_map_wall_kill(0.6, 1.0, 1.5, -1), WALL_KILL_OWN);
}
END_TEST

START_TEST(judge0_says_which_limit)
{
	judge0_run run;

	memset(&run, 0, sizeof(run));
	run.status_id = JUDGE0_TIME_LIMIT_EXCEEDED;
	run.message = "Time limit exceeded (wall clock)";
	ck_assert_str_eq(verdict_map_judge0_limit(&run, 0.9, 1.0), "wall");
	run.message = "Time limit exceeded";
	ck_assert_str_eq(verdict_map_judge0_limit(&run, 0.2, 1.0), "cpu");
	run.message = NULL;
	ck_assert_str_eq(verdict_map_judge0_limit(&run, 0.2, 1.0), "wall");
	ck_assert_str_eq(verdict_map_judge0_limit(&run, 1.0, 1.0), "cpu");
	run.status_id = JUDGE0_RE_OTHER; /* SIGXCPU */
	ck_assert_str_eq(verdict_map_judge0_limit(&run, 0.2, 1.0), "cpu");
}
END_TEST

/* The TLE's limit travels in the per-test results (common/sv_result.c), and only "cpu" or "wall". */
START_TEST(result_limit_round_trip)
{
	sv_test_result t = {.test_id = 3, .order = 1, .verdict = SV_VERDICT_TLE, .time = 0.01, .limit = "wall"};
	sv_result_msg msg = {.submission_id = 5,
			     .task_id = 2,
			     .status = SV_STATUS_COMPLETED,
			     .attempt = 1,
			     .verdict = SV_VERDICT_TLE,
			     .total_tests = 1,
			     .tests = &t,
			     .test_count = 1};
	sv_result_msg back;
	cJSON *tree = NULL;
	char err[256], *text = sv_result_msg_build(&msg), *bad;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"limit\":\"wall\""));
	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), SV_MSG_OK);
	ck_assert_str_eq(back.tests[0].limit, "wall");
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	tree = NULL;
	bad = strstr(text, "\"wall\"");
	memcpy(bad, "\"both\"", 6);
	ck_assert_int_ne(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), SV_MSG_OK);
	ck_assert_ptr_nonnull(strstr(err, "limit"));
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	free(text);
	/* Not a TLE: no limit written. */
	t.verdict = SV_VERDICT_WA;
	msg.verdict = SV_VERDICT_WA;
	text = sv_result_msg_build(&msg);
	ck_assert_ptr_null(strstr(text, "\"limit\""));
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verdict_map");
	TCase *tc = tcase_create("judge0");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, descriptions_are_judge0s);
	tcase_add_test(tc, queued_and_processing_are_pending);
	tcase_add_test(tc, accepted_and_wrong_answer_go_to_our_checker);
	tcase_add_test(tc, time_limit);
	tcase_add_test(tc, compilation_error);
	tcase_add_test(tc, signal_statuses);
	tcase_add_test(tc, nzec_carries_signals_as_128_plus_n);
	tcase_add_test(tc, oom_kill_near_the_limit_is_mle);
	tcase_add_test(tc, file_too_large_on_stderr_is_ole);
	tcase_add_test(tc, internal_error_is_retried_not_judged);
	tcase_add_test(tc, exec_format_error_is_runtime_error);
	tcase_add_test(tc, unknown_status_is_an_error);
	tcase_add_test(tc, every_judge0_status_has_an_outcome);
	suite_add_tcase(s, tc);
	tc = tcase_create("sandbox");
	tcase_add_test(tc, sandbox_outcomes);
	tcase_add_test(tc, sandbox_verdicts_given_the_checker);
	tcase_add_test(tc, describe_exit);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_test(tc, wall_kills_told_apart);
	tcase_add_test(tc, judge0_says_which_limit);
	tcase_add_test(tc, result_limit_round_trip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
