/* Unit tests for the sandbox's pure logic: the languages file and the verdict decision. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "sandbox.h"
#include "sandbox_languages.h"
#include "sandbox_verdict.h"
#include "validator.h"

static const char good_file[] =
    "{\"mounts\": [\"/usr\", \"/lib64\"], \"env\": [\"PATH=/usr/bin\"],"
    " \"languages\": ["
    "  {\"id\": 50, \"name\": \"C\", \"source_file\": \"main.c\", \"compile\": [\"/usr/bin/gcc\", \"main.c\"],"
    "   \"run\": [\"/prog/a.out\"]},"
    "  {\"id\": 71, \"name\": \"Python\", \"source_file\": \"script.py\", \"run\": [\"/usr/bin/python3\", \"x\"],"
    "   \"env\": [\"A=1\"], \"mounts\": [\"/etc/x\"], \"out_of_memory\": \"MemoryError\", \"rlimit_data\": false}]}";

static int parse_error(const char *text, const char *expect)
{
	struct sv_lang_table t;
	char err[256] = "";
	int rc = sv_lang_table_parse(text, &t, err, sizeof(err));

	if (rc == 0) {
		sv_lang_table_free(&t);
		return 0;
	}
	ck_assert_msg(strstr(err, expect) != NULL, "error \"%s\" lacks \"%s\"", err, expect);
	ck_assert_ptr_null(t.langs);
	return 1;
}

START_TEST(languages_parse_good_file)
{
	struct sv_lang_table t;
	char err[256];
	const struct sv_lang *c, *py;

	ck_assert_int_eq(sv_lang_table_parse(good_file, &t, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(t.mounts.n, 2);
	ck_assert_str_eq(t.env.v[0], "PATH=/usr/bin");
	c = sv_lang_table_find(&t, 50);
	py = sv_lang_table_find(&t, 71);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(py);
	ck_assert_ptr_null(sv_lang_table_find(&t, 62));
	ck_assert(c->pub.compiled);
	ck_assert(!py->pub.compiled);
	ck_assert_str_eq(c->pub.source_file, "main.c");
	ck_assert_uint_eq(c->compile.n, 2);
	ck_assert_str_eq(py->run.v[1], "x");
	ck_assert_str_eq(py->env.v[0], "A=1");
	ck_assert_str_eq(py->mounts.v[0], "/etc/x");
	ck_assert_str_eq(py->out_of_memory, "MemoryError");
	ck_assert_ptr_null(c->out_of_memory);
	ck_assert(c->rlimit_data);
	ck_assert(!py->rlimit_data);
	sv_lang_table_free(&t);
	ck_assert_uint_eq(t.n, 0);
}
END_TEST

START_TEST(languages_parse_rejects_bad_files)
{
	static const char lang_ok[] = "\"id\": 1, \"name\": \"x\", \"source_file\": \"a\", \"run\": [\"/x\"]";
	char buf[512];

	ck_assert(parse_error("", "not valid JSON"));
	ck_assert(parse_error("[]", "top level must be an object"));
	ck_assert(parse_error("{\"languages\": []}", "\"mounts\" must be an array"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"]}", "non-empty array"));
	ck_assert(parse_error("{\"mounts\": [\"/usr/../etc\"], \"languages\": [{}]}", "clean absolute path"));
	ck_assert(parse_error("{\"mounts\": [\"/\"], \"languages\": [{}]}", "clean absolute path"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"], \"env\": [\"NOEQUALS\"], \"languages\": [{}]}", "NAME=value"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"], \"languages\": [{\"id\": 0}]}", "positive integer"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"], \"languages\": [{\"id\": 1.5}]}", "positive integer"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"], \"languages\": [{\"id\": 1}]}", "\"name\" is missing"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"], \"languages\": [{\"id\": 1, \"name\": \"x\", \"source_file\": "
			      "\"../etc/passwd\", \"run\": [\"/x\"]}]}",
			      "plain file name"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"], \"languages\": [{\"id\": 1, \"name\": \"x\", \"source_file\": "
			      "\"a\", \"run\": []}]}",
			      "absolute program path"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"], \"languages\": [{\"id\": 1, \"name\": \"x\", \"source_file\": "
			      "\"a\", \"run\": [\"/x\"], \"compile\": [\"gcc\"]}]}",
			      "absolute program path"));
	ck_assert(parse_error("{\"mounts\": [\"/usr\"], \"languages\": [{\"id\": 1, \"name\": \"x\", \"source_file\": "
			      "\"a\", \"run\": [\"/x\", 3]}]}",
			      "non-empty strings"));
	snprintf(buf, sizeof(buf), "{\"mounts\": [\"/usr\"], \"languages\": [{%s}, {%s}]}", lang_ok, lang_ok);
	ck_assert(parse_error(buf, "appears twice"));
	snprintf(buf, sizeof(buf), "{\"mounts\": [\"/usr\"], \"languages\": [{%s, \"out_of_memory\": \"\"}]}", lang_ok);
	ck_assert(parse_error(buf, "out_of_memory"));
	snprintf(buf, sizeof(buf), "{\"mounts\": [\"/usr\"], \"languages\": [{%s, \"rlimit_data\": 0}]}", lang_ok);
	ck_assert(parse_error(buf, "rlimit_data"));
	/* And the same shape without the fault parses, so the cases above fail for the reason they name. */
	snprintf(buf, sizeof(buf), "{\"mounts\": [\"/usr\"], \"languages\": [{%s}]}", lang_ok);
	ck_assert(!parse_error(buf, ""));
}
END_TEST

START_TEST(languages_check_marks_missing_toolchains)
{
	struct sv_lang_table t;
	char err[256];
	const char *text =
	    "{\"mounts\": [\"/usr\", \"/bin\"], \"languages\": ["
	    "{\"id\": 1, \"name\": \"sh\", \"source_file\": \"a\", \"run\": [\"/bin/sh\", \"a\"]},"
	    "{\"id\": 2, \"name\": \"ghost\", \"source_file\": \"a\", \"run\": [\"/usr/bin/no-such-thing\"]},"
	    "{\"id\": 3, \"name\": \"built\", \"source_file\": \"a\", \"compile\": [\"/bin/sh\"], "
	    "\"run\": [\"/prog/a.out\"]}]}";

	ck_assert_int_eq(sv_lang_table_parse(text, &t, err, sizeof(err)), 0);
	ck_assert_uint_eq(sv_lang_table_check(&t), 2);
	ck_assert(sv_lang_table_find(&t, 1)->pub.available);
	ck_assert(!sv_lang_table_find(&t, 2)->pub.available);
	ck_assert_ptr_nonnull(strstr(sv_lang_table_find(&t, 2)->pub.unavailable, "no-such-thing"));
	ck_assert(sv_lang_table_find(&t, 3)->pub.available);
	sv_lang_table_free(&t);
}
END_TEST

START_TEST(languages_expand_placeholders)
{
	char *s = sv_lang_expand_arg("-XX:MaxRAM={memory_kb}k", 262144, 65536);

	ck_assert_str_eq(s, "-XX:MaxRAM=262144k");
	free(s);
	s = sv_lang_expand_arg("{stack_kb}/{memory_kb}/{other}", 1, 22);
	ck_assert_str_eq(s, "22/1/{other}");
	free(s);
	s = sv_lang_expand_arg("--max-old-space-size={memory_mb}", 262144, 1);
	ck_assert_str_eq(s, "--max-old-space-size=256");
	free(s);
	s = sv_lang_expand_arg("plain", 1, 2);
	ck_assert_str_eq(s, "plain");
	free(s);
	s = sv_lang_expand_arg("", 1, 2);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(languages_path_visible)
{
	char *v[] = {"/usr", "/etc/java"};
	struct sv_strv mounts = {v, 2};

	ck_assert(sv_lang_path_visible(&mounts, "/usr"));
	ck_assert(sv_lang_path_visible(&mounts, "/usr/bin/gcc"));
	ck_assert(sv_lang_path_visible(&mounts, "/etc/java/x"));
	ck_assert(!sv_lang_path_visible(&mounts, "/usrlocal/bin/x"));
	ck_assert(!sv_lang_path_visible(&mounts, "/etc/javascript"));
	ck_assert(!sv_lang_path_visible(&mounts, "/tmp/x"));
}
END_TEST

static struct sv_run_facts exited(int code)
{
	struct sv_run_facts f = {0};

	f.wait_status = code << 8;
	f.cpu_time = 0.1;
	f.cpu_limit = 1;
	f.maxrss_kb = 1000;
	f.memory_limit_kb = 65536;
	f.oom_killed = 0;
	return f;
}

static struct sv_run_facts signaled(int sig)
{
	struct sv_run_facts f = exited(0);

	f.wait_status = sig;
	return f;
}

/* A `make install` elsewhere must not replace what a tree's program runs, nor a tree what an
 * installed program runs (issue 14, finding 14): the executable's place decides, the deeper of a
 * nested tree and prefix wins, and a bare string prefix is not a directory. */
START_TEST(origin_follows_the_executable)
{
	static const struct {
		const char *exe, *tree, *prefix;
		int origin;
	} cases[] = {
	    {"/work/wt/judge-worker/judge-worker", "/work/wt", "/usr/local", SV_SANDBOX_FROM_TREE},
	    {"/work/wt/judge-worker/sandbox/solveit-sandbox", "/work/wt/", "/usr/local", SV_SANDBOX_FROM_TREE},
	    {"/usr/local/bin/solveit-sandbox", "/work/wt", "/usr/local", SV_SANDBOX_FROM_INSTALL},
	    {"/opt/judge/bin/judge-worker", "/work/wt", "/usr/local", SV_SANDBOX_FROM_INSTALL},
	    {"/work/wt2/judge-worker/judge-worker", "/work/wt", "/usr/local", SV_SANDBOX_FROM_INSTALL},
	    {"/work/wt/inst/bin/solveit-sandbox", "/work/wt", "/work/wt/inst", SV_SANDBOX_FROM_INSTALL},
	    {"/usr/local/src/solveit/judge-worker/judge-worker", "/usr/local/src/solveit", "/usr/local",
	     SV_SANDBOX_FROM_TREE},
	    {"/work/wt/judge-worker/judge-worker", "", "/usr/local", SV_SANDBOX_FROM_INSTALL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(sv_sandbox_origin(cases[i].exe, cases[i].tree, cases[i].prefix) == cases[i].origin,
			      "%s in tree %s, prefix %s", cases[i].exe, cases[i].tree, cases[i].prefix);
}
END_TEST

START_TEST(verdict_decisions)
{
	struct sv_run_facts f;
	char msg[128];

	f = exited(0);
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_OK);
	f = exited(3);
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_RE);
	ck_assert_str_eq(msg, "Exited with error status 3");
	f = signaled(SIGSEGV);
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_RE);
	ck_assert_str_eq(msg, "Killed by signal 11 (SIGSEGV)");
	/* CPU over the limit is TLE even when the program managed to finish. */
	f = exited(0);
	f.cpu_time = 1.5;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_TLE);
	f = signaled(SIGXCPU);
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_TLE);
	/* Ended by the supervisor for the box's CPU time, whatever the program's own rusage says. */
	f = exited(0);
	f.killed_early = f.cpu_exceeded = 1;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_TLE);
	f.cpu_exceeded = 0;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_RE);
	f = exited(0);
	f.killed_early = f.wall_exceeded = 1;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_TLE);
	ck_assert_str_eq(msg, "Time limit exceeded (wall clock)");
	/* A memory kill is MLE, never RE, though the program died of SIGKILL. */
	f = signaled(SIGKILL);
	f.oom_killed = 1;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_MLE);
	f = signaled(SIGKILL);
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_RE);
	/* Output beyond the cap wins over whatever the kill did to the program. */
	f = signaled(SIGKILL);
	f.killed_early = 1;
	f.stdout_exceeded = 1;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_OLE);
	ck_assert_str_eq(msg, "Output limit exceeded (stdout)");
	f.stdout_exceeded = 0;
	f.stderr_exceeded = 1;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_OLE);
	f = signaled(SIGXFSZ);
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_OLE);
}
END_TEST

START_TEST(verdict_memory_without_cgroup)
{
	struct sv_run_facts f;
	char msg[128];

	/* Under RLIMIT_DATA: a failure near the limit is MLE, a failure far below it is RE, success is OK. */
	f = signaled(SIGSEGV);
	f.memory_by_rlimit = 1;
	f.oom_killed = -1;
	f.maxrss_kb = 60000;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_MLE);
	f.maxrss_kb = 2000;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_RE);
	f = exited(0);
	f.memory_by_rlimit = 1;
	f.maxrss_kb = 60000;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_OK);
	/* With a memory cgroup the peak alone decides nothing. */
	f = signaled(SIGSEGV);
	f.maxrss_kb = 60000;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_RE);
	/* The runtime's own out-of-memory report counts only for a failed run. */
	f = exited(1);
	f.runtime_oom = 1;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_MLE);
	f = exited(0);
	f.runtime_oom = 1;
	ck_assert_int_eq(sv_verdict_decide(&f, msg, sizeof(msg)), SV_RUN_OK);
}
END_TEST

START_TEST(status_names)
{
	ck_assert_str_eq(sv_run_status_name(SV_RUN_OK), "OK");
	ck_assert_str_eq(sv_run_status_name(SV_RUN_MLE), "MLE");
	ck_assert_str_eq(sv_run_status_name(SV_RUN_CE), "CE");
	ck_assert_str_eq(sv_run_status_name((sv_run_status)42), "IE");
	ck_assert_str_eq(sv_sandbox_mode_name(SV_SANDBOX_MODE_CGROUP_V1), "cgroup-v1");
	ck_assert_str_eq(sv_sandbox_mode_name(SV_SANDBOX_MODE_RLIMIT), "rlimit");
}
END_TEST

START_TEST(limit_defaults)
{
	sv_sandbox_limits run, compile;

	sv_sandbox_limits_run_defaults(&run);
	sv_sandbox_limits_compile_defaults(&compile);
	ck_assert(run.cpu_time > 0 && run.memory_kb > 0 && run.processes > 0 && run.stdout_kb > 0);
	ck_assert(compile.cpu_time > run.cpu_time);
	ck_assert(compile.memory_kb > run.memory_kb);
	ck_assert(compile.wall_time > 0);
}
END_TEST

/* Issue 14, finding 6: the wall clock is the CPU limit plus a margin, not 2 x CPU + 1 s. */
START_TEST(wall_default_is_a_margin)
{
	ck_assert_double_eq_tol(sv_sandbox_wall_default(1.0), 1.5, 1e-9); /* at least 0.5 s */
	ck_assert_double_eq_tol(sv_sandbox_wall_default(0.1), 0.6, 1e-9);
	ck_assert_double_eq_tol(sv_sandbox_wall_default(4.0), 5.0, 1e-9);   /* 25 % */
	ck_assert_double_eq_tol(sv_sandbox_wall_default(40.0), 45.0, 1e-9); /* at most 5 s */
	ck_assert(sv_sandbox_wall_default(2.0) < 2 * 2.0 + 1);
}
END_TEST

/* One side of an interactive run as the sandbox reports it. */
static sv_run_result side(sv_run_status status, int exit_code)
{
	sv_run_result r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.exit_code = exit_code;
	r.signal = exit_code < 0 ? 6 : 0;
	return r;
}

static sv_verdict interact(sv_run_result prog, sv_run_result val, int validator_first, int *rc)
{
	validator_result r;
	sv_verdict v;

	memset(&r, 0, sizeof(r));
	*rc = validator_interact_verdict(&prog, &val, validator_first, &r);
	v = r.verdict;
	validator_result_free(&r);
	return v;
}

START_TEST(interactive_verdict_rules)
{
	sv_run_result ok = side(SV_RUN_OK, 0), tle = side(SV_RUN_TLE, -1), re = side(SV_RUN_RE, -1);
	sv_run_result ac = side(SV_RUN_RE, 42), wa = side(SV_RUN_RE, 43), stopped = side(SV_RUN_RE, -1);
	int rc;

	stopped.aborted = 1;
	/* Both fine: the validator's word. */
	ck_assert_int_eq(interact(ok, ac, 1, &rc), SV_VERDICT_AC);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(interact(ok, wa, 0, &rc), SV_VERDICT_WA);
	/* The validator's WA first wins over what the program did next (hang, crash, stopped by us). */
	ck_assert_int_eq(interact(tle, wa, 1, &rc), SV_VERDICT_WA);
	ck_assert_int_eq(interact(re, wa, 1, &rc), SV_VERDICT_WA);
	ck_assert_int_eq(interact(stopped, wa, 1, &rc), SV_VERDICT_WA);
	/* The program failed first: its own verdict, even when the validator then says WA. */
	ck_assert_int_eq(interact(tle, wa, 0, &rc), SV_VERDICT_TLE);
	ck_assert_int_eq(interact(re, wa, 0, &rc), SV_VERDICT_RE);
	/* AC and then a failing program: the program's verdict. */
	ck_assert_int_eq(interact(re, ac, 1, &rc), SV_VERDICT_RE);
	ck_assert_int_eq(interact(side(SV_RUN_MLE, -1), ac, 1, &rc), SV_VERDICT_MLE);
	/* A validator stopped after the program's limit ended the run: the program's verdict. */
	ck_assert_int_eq(interact(tle, stopped, 0, &rc), SV_VERDICT_TLE);
	ck_assert_int_eq(rc, 0);
}
END_TEST

START_TEST(interactive_validator_failures_are_judge_errors)
{
	sv_run_result ok = side(SV_RUN_OK, 0), vr;
	validator_result r;

	memset(&r, 0, sizeof(r));
	vr = side(SV_RUN_RE, 1);
	ck_assert_int_eq(validator_interact_verdict(&ok, &vr, 1, &r), -1);
	ck_assert_int_eq(r.verdict, SV_VERDICT_NONE);
	ck_assert_str_eq(r.error, "the validator exited with code 1 (42 is accepted, 43 wrong answer)");
	vr = side(SV_RUN_OK, 0);
	ck_assert_int_eq(validator_interact_verdict(&ok, &vr, 1, &r), -1);
	ck_assert_ptr_nonnull(strstr(r.error, "exited with code 0"));
	vr = side(SV_RUN_TLE, -1);
	snprintf(vr.message, sizeof(vr.message), "Time limit exceeded");
	ck_assert_int_eq(validator_interact_verdict(&ok, &vr, 1, &r), -1);
	ck_assert_str_eq(r.error, "the validator failed: Time limit exceeded");
}
END_TEST

START_TEST(interactive_feedback_files)
{
	sv_run_result ok = side(SV_RUN_OK, 0), vr = side(SV_RUN_RE, 42);
	char score[] = " 12.5\n", bad[] = "12 points", judge[] = "for staff", team[] = "for you";
	validator_result r;

	memset(&r, 0, sizeof(r));
	vr.feedback[0] = score;
	vr.feedback[1] = judge;
	vr.feedback_len[1] = strlen(judge);
	vr.feedback[2] = team;
	vr.feedback_len[2] = strlen(team);
	ck_assert_int_eq(validator_interact_verdict(&ok, &vr, 1, &r), 0);
	ck_assert_int_eq(r.verdict, SV_VERDICT_AC);
	ck_assert(r.has_score);
	ck_assert(r.score == 12.5);
	ck_assert_str_eq(r.judge_message, "for staff");
	ck_assert_str_eq(r.team_message, "for you");
	validator_result_free(&r);
	memset(&r, 0, sizeof(r));
	vr.feedback[0] = bad;
	ck_assert_int_eq(validator_interact_verdict(&ok, &vr, 1, &r), -1);
	ck_assert_str_eq(r.error, "the validator's score.txt is not a number: 12 points");
	validator_result_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, languages_parse_good_file);
	tcase_add_test(tc, languages_parse_rejects_bad_files);
	tcase_add_test(tc, languages_check_marks_missing_toolchains);
	tcase_add_test(tc, languages_expand_placeholders);
	tcase_add_test(tc, languages_path_visible);
	tcase_add_test(tc, origin_follows_the_executable);
	tcase_add_test(tc, verdict_decisions);
	tcase_add_test(tc, verdict_memory_without_cgroup);
	tcase_add_test(tc, status_names);
	tcase_add_test(tc, limit_defaults);
	tcase_add_test(tc, wall_default_is_a_margin);
	tcase_add_test(tc, interactive_verdict_rules);
	tcase_add_test(tc, interactive_validator_failures_are_judge_errors);
	tcase_add_test(tc, interactive_feedback_files);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
