/* judge-worker/executor_lanes.c: the tests of one submission run at once (issue 16), with a scripted
 * runner in place of the sandbox. Results must reach the worker's callbacks from the calling thread, in
 * test order, and be exactly those of a run one after another (the scoring plan's stop rules decided in
 * order), whatever order the tests finish in; the core budget bounds how many run at once. */
#define _GNU_SOURCE
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor_local.h"
#include "scoring.h"
#include "worker_cores.h"

#define MAX_TESTS 12

/* ---- the scripted runner ---- */

static sv_verdict script[MAX_TESTS]; /* SV_VERDICT_NONE: a clean run (checked as AC below) */
static int script_error[MAX_TESTS];  /* 1: the executor fails on this test */
static int started[MAX_TESTS];
static int fail_shares;
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static int running, max_running, shares, destroyed;
static sv_sandbox_box *const PREPARED = (sv_sandbox_box *)0x1000;

static int fake_judge_test(const exec_request *req, sv_sandbox_box *box, const sv_sandbox_limits *limits, size_t index,
			   int reruns, sv_run_result *run, validator_result *vr, exec_test_result *res,
			   exec_outcome *out)
{
	(void)req;
	(void)limits;
	(void)reruns;
	ck_assert_ptr_nonnull(box);
	memset(run, 0, sizeof(*run));
	memset(vr, 0, sizeof(*vr));
	memset(res, 0, sizeof(*res));
	pthread_mutex_lock(&run_lock);
	started[index]++;
	if (++running > max_running)
		max_running = running;
	pthread_mutex_unlock(&run_lock);
	/* Later tests finish first: the results come back out of order. */
	usleep((useconds_t)(1000 * (MAX_TESTS - index)));
	pthread_mutex_lock(&run_lock);
	running--;
	pthread_mutex_unlock(&run_lock);
	if (script_error[index]) {
		snprintf(out->error, sizeof(out->error), "test %zu: the sandbox failed", index + 1);
		return -1;
	}
	res->verdict = script[index];
	res->time = 0.001 * (double)index;
	res->output = "";
	return 0;
}

static int fake_share(sv_sandbox_box *prepared, sv_sandbox_box **out, char *err, size_t errlen)
{
	ck_assert_ptr_eq(prepared, PREPARED);
	pthread_mutex_lock(&run_lock);
	shares++;
	pthread_mutex_unlock(&run_lock);
	if (fail_shares) {
		snprintf(err, errlen, "no free box");
		*out = NULL;
		return -1;
	}
	*out = (sv_sandbox_box *)0x2000;
	return 0;
}

static void fake_destroy(sv_sandbox_box *box)
{
	ck_assert_ptr_ne(box, PREPARED);
	if (box)
		destroyed++;
}

static const local_runner runner = {fake_judge_test, fake_share, fake_destroy};

/* ---- the worker's side: the scoring plan, as worker_judge.c uses it ---- */

typedef struct {
	scoring_plan plan;
	sv_verdict reported[MAX_TESTS]; /* SV_VERDICT_NONE: not reported */
	size_t calls;
	long last;
	pthread_t caller;
	int cancel_at; /* on_test returns 1 at this index; -1: never */
} judging;

static void fresh(judging *jg, int cancel_at)
{
	memset(jg, 0, sizeof(*jg));
	jg->cancel_at = cancel_at;
}

static int should_run(void *baton, size_t index)
{
	judging *jg = baton;

	ck_assert(pthread_equal(pthread_self(), jg->caller));
	return scoring_plan_should_run(&jg->plan, index);
}

static int on_test(void *baton, size_t index, const exec_test_result *r)
{
	judging *jg = baton;
	sv_verdict v = r->verdict == SV_VERDICT_NONE ? SV_VERDICT_AC : r->verdict;

	ck_assert(pthread_equal(pthread_self(), jg->caller));
	ck_assert_int_gt((long)index, jg->last); /* in test order, each once */
	jg->last = (long)index;
	jg->reported[index] = v;
	jg->calls++;
	scoring_plan_record(&jg->plan, index, v);
	return (int)index == jg->cancel_at;
}

static task_data task;
static task_test tests[MAX_TESTS];
static task_group groups[2];

/* n tests; with groups, the first half in a 'break' group and the rest in a 'continue' one. */
static void make_task(task_type type, size_t n, int with_groups)
{
	memset(&task, 0, sizeof(task));
	memset(tests, 0, sizeof(tests));
	memset(groups, 0, sizeof(groups));
	task.id = 7;
	task.type = type;
	task.tests = tests;
	task.test_count = n;
	for (size_t i = 0; i < n; i++) {
		tests[i].order = (int)i + 1;
		tests[i].group = with_groups ? (i < n / 2 ? 0 : 1) : -1;
	}
	if (with_groups) {
		groups[0].parent = groups[1].parent = -1;
		groups[0].break_on_reject = 1;
		task.groups = groups;
		task.group_count = 2;
	}
	memset(script, 0, sizeof(script));
	memset(script_error, 0, sizeof(script_error));
}

/* Judges the task with at most parallel tests at once on a budget of cores, of which busy are taken by
 * other judgements; fills jg. */
static exec_status judge(int parallel, int cores, int busy, judging *jg, exec_outcome *out)
{
	core_budget *budget = core_budget_new(cores);
	local_state st = {.starved_reruns = 0, .parallel_tests = parallel, .budget = budget, .runner = &runner};
	volatile int cancel = 0;
	exec_request req = {.task = &task,
			    .should_run = should_run,
			    .on_test = on_test,
			    .baton = jg,
			    .cancel = (const volatile int *)&cancel};
	sv_sandbox_limits limits;
	exec_status status;

	memset(&limits, 0, sizeof(limits));
	memset(out, 0, sizeof(*out));
	memset(started, 0, sizeof(started));
	jg->caller = pthread_self();
	jg->last = -1;
	jg->calls = 0;
	memset(jg->reported, 0, sizeof(jg->reported));
	ck_assert_int_eq(scoring_plan_init(&jg->plan, &task), 0);
	running = max_running = shares = destroyed = 0;
	for (int i = 0; i < busy; i++)
		core_budget_enter(budget);
	status = local_run_tests(&st, &req, PREPARED, &limits, out);
	/* Every slot it took is given back. */
	ck_assert_int_eq(core_budget_in_use(budget), busy);
	ck_assert_int_eq(destroyed, fail_shares ? 0 : shares);
	scoring_plan_free(&jg->plan);
	core_budget_free(budget);
	return status;
}

/* The same verdicts one after another and four at once; returns the reported verdicts of the latter. */
static void same_as_sequential(const sv_verdict *want, int want_max_running_above_one)
{
	judging seq, par;
	exec_outcome out;

	fresh(&seq, -1);
	fresh(&par, -1);
	ck_assert_int_eq(judge(1, 4, 0, &seq, &out), EXEC_DONE);
	ck_assert_int_eq(max_running, 1);
	ck_assert_int_eq(shares, 0);
	/* One after another: a test the plan stops is never started. */
	for (size_t i = 0; i < task.test_count; i++)
		ck_assert_int_eq(started[i], seq.reported[i] != SV_VERDICT_NONE);
	ck_assert_int_eq(judge(4, 4, 0, &par, &out), EXEC_DONE);
	if (want_max_running_above_one)
		ck_assert_int_gt(max_running, 1);
	ck_assert_int_le(max_running, 4);
	for (size_t i = 0; i < task.test_count; i++) {
		ck_assert_int_eq(seq.reported[i], want[i]);
		ck_assert_int_eq(par.reported[i], want[i]);
	}
}

START_TEST(all_accepted)
{
	sv_verdict want[8];

	make_task(TASK_TYPE_SCORING, 8, 0);
	for (int i = 0; i < 8; i++)
		want[i] = SV_VERDICT_AC;
	same_as_sequential(want, 1);
}
END_TEST

START_TEST(failures_in_the_middle_of_a_scoring_task)
{
	sv_verdict want[] = {SV_VERDICT_AC, SV_VERDICT_WA, SV_VERDICT_AC,  SV_VERDICT_TLE, SV_VERDICT_AC,
			     SV_VERDICT_RE, SV_VERDICT_AC, SV_VERDICT_MLE, SV_VERDICT_AC};

	make_task(TASK_TYPE_SCORING, 9, 0);
	for (int i = 0; i < 9; i++)
		script[i] = want[i] == SV_VERDICT_AC ? SV_VERDICT_NONE : want[i];
	same_as_sequential(want, 1);
}
END_TEST

START_TEST(pass_fail_stops_at_the_first_failure)
{
	sv_verdict want[8] = {SV_VERDICT_AC, SV_VERDICT_AC, SV_VERDICT_WA};

	make_task(TASK_TYPE_PASS_FAIL, 8, 0);
	script[2] = SV_VERDICT_WA;
	script[5] = SV_VERDICT_TLE; /* would have decided otherwise if counted */
	same_as_sequential(want, 1);
}
END_TEST

START_TEST(break_group_skips_its_rest)
{
	/* Tests 1-5 in a 'break' group (3 fails), 6-10 in a 'continue' group (8 fails, the rest runs). */
	sv_verdict want[10] = {SV_VERDICT_AC, SV_VERDICT_AC, SV_VERDICT_RE, SV_VERDICT_NONE, SV_VERDICT_NONE,
			       SV_VERDICT_AC, SV_VERDICT_AC, SV_VERDICT_WA, SV_VERDICT_AC,   SV_VERDICT_AC};

	make_task(TASK_TYPE_SCORING, 10, 1);
	script[2] = SV_VERDICT_RE;
	script[7] = SV_VERDICT_WA;
	same_as_sequential(want, 1);
}
END_TEST

START_TEST(a_busy_budget_runs_one_at_a_time)
{
	judging jg;
	exec_outcome out;

	make_task(TASK_TYPE_SCORING, 6, 0);
	fresh(&jg, -1);
	/* Another judgement holds both slots: this one still runs, on its own slot, one test at a time. */
	ck_assert_int_eq(judge(4, 2, 2, &jg, &out), EXEC_DONE);
	ck_assert_int_eq(max_running, 1);
	ck_assert_uint_eq(jg.calls, 6);
	/* One other judgement on a budget of three: one slot idle, two tests at once at most. */
	ck_assert_int_eq(judge(4, 3, 1, &jg, &out), EXEC_DONE);
	ck_assert_int_le(max_running, 2);
	ck_assert_uint_eq(jg.calls, 6);
}
END_TEST

START_TEST(executor_failure_fails_the_judgement)
{
	judging jg;
	exec_outcome out;

	make_task(TASK_TYPE_SCORING, 6, 0);
	fresh(&jg, -1);
	script_error[3] = 1;
	ck_assert_int_eq(judge(4, 4, 0, &jg, &out), EXEC_FAILED);
	ck_assert_str_eq(out.error, "test 4: the sandbox failed");
	ck_assert_uint_eq(jg.calls, 3); /* tests 1-3 were reported first, in order */
	/* On a pass-fail task a failure before it decides: the failed run is dropped with its error. */
	make_task(TASK_TYPE_PASS_FAIL, 6, 0);
	script[1] = SV_VERDICT_WA;
	script_error[3] = 1;
	ck_assert_int_eq(judge(4, 4, 0, &jg, &out), EXEC_DONE);
	ck_assert_uint_eq(jg.calls, 2);
}
END_TEST

START_TEST(a_callback_stops_the_judgement)
{
	judging jg;
	exec_outcome out;

	make_task(TASK_TYPE_SCORING, 8, 0);
	fresh(&jg, 2);
	ck_assert_int_eq(judge(4, 4, 0, &jg, &out), EXEC_CANCELLED);
	ck_assert_uint_eq(jg.calls, 3);
}
END_TEST

START_TEST(no_box_for_a_lane_leaves_the_prepared_one)
{
	judging jg;
	exec_outcome out;

	make_task(TASK_TYPE_SCORING, 6, 0);
	fresh(&jg, -1);
	fail_shares = 1;
	ck_assert_int_eq(judge(4, 4, 0, &jg, &out), EXEC_DONE);
	fail_shares = 0;
	ck_assert_int_ge(shares, 1);
	ck_assert_uint_eq(jg.calls, 6);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(started[i], 1); /* each ran once: a lane without a box gave its test back */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("executor_lanes");
	TCase *tc = tcase_create("lanes");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, all_accepted);
	tcase_add_test(tc, failures_in_the_middle_of_a_scoring_task);
	tcase_add_test(tc, pass_fail_stops_at_the_first_failure);
	tcase_add_test(tc, break_group_skips_its_rest);
	tcase_add_test(tc, a_busy_budget_runs_one_at_a_time);
	tcase_add_test(tc, executor_failure_fails_the_judgement);
	tcase_add_test(tc, a_callback_stops_the_judgement);
	tcase_add_test(tc, no_box_for_a_lane_leaves_the_prepared_one);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
