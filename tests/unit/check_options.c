/* sv_options: the one flag and environment parser of both daemons. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "sv_log.h"
#include "sv_options.h"

typedef struct {
	char *name;
	int count;
	double wait;
	int on;
	int loud;
	int level;
	char *kafka[SV_MAX_KAFKA_OPTIONS];
	size_t kafka_count;
} toy;

#define OFF(f) offsetof(toy, f)

static const sv_option toy_options[] = {
    {"name", 'n', "TOY_NAME", SV_OPT_STRING, OFF(name), 0, 0, 0, "NAME", "a name", SV_OPT_REQUIRED},
    {"count", 0, "TOY_COUNT", SV_OPT_INT, OFF(count), 0, 1, 10, "N", "a count", 0},
    {"wait", 0, "TOY_WAIT", SV_OPT_SECONDS, OFF(wait), 0, 0.5, 60, "SECONDS", "a wait", 0},
    {"no-on", 0, "TOY_ON", SV_OPT_FLAG, OFF(on), 0, 0, 0, NULL, "turn it off", SV_OPT_INVERT},
    {"loud", 'l', NULL, SV_OPT_FLAG, OFF(loud), 0, 0, 0, NULL, "be loud", 0},
    {"log-level", 0, "TOY_LEVEL", SV_OPT_LOGLEVEL, OFF(level), 0, 0, 0, "LEVEL", "how much", 0},
    {"kafka-option", 'X', "TOY_KAFKA", SV_OPT_KAFKA, OFF(kafka), OFF(kafka_count), 0, 0, "K=V", "kafka", 0},
    {"help", 'h', NULL, SV_OPT_HELP, 0, 0, 0, 0, NULL, "help", 0},
    {"version", 'V', NULL, SV_OPT_VERSION, 0, 0, 0, 0, NULL, "version", 0},
};

static void toy_init(void *cfg)
{
	toy *t = cfg;

	memset(t, 0, sizeof(*t));
	t->name = strdup("default-name");
	t->count = 3;
	t->wait = 2.5;
	t->on = 1;
	t->level = SV_LOG_INFO;
}

static const sv_options_spec toy_spec = {
    "toy",           "9.9",
    "A toy daemon.", "Exit status: none.\n",
    toy_options,     sizeof(toy_options) / sizeof(toy_options[0]),
    sizeof(toy),     toy_init,
};

static int load(toy *t, const char *const *env, char **argv, char *err, size_t errlen)
{
	fake_env = env;
	toy_init(t);
	return sv_options_load(&toy_spec, t, fake_argc(argv), argv, fake_env_lookup, NULL, err, errlen);
}

START_TEST(environment_then_flags)
{
	toy t;
	char err[256] = "";
	const char *env[] = {"TOY_NAME", "from-env", "TOY_COUNT", "4", "TOY_ON", "off", "TOY_KAFKA", "a=1 b=2", NULL};
	char *argv[] = {"toy", "--count=7", "-l", "--wait", "0.75", "-X", "c=3", "--log-level", "debug", NULL};

	ck_assert_int_eq(load(&t, env, argv, err, sizeof(err)), 0);
	ck_assert_str_eq(t.name, "from-env");
	ck_assert_int_eq(t.count, 7);
	ck_assert_double_eq(t.wait, 0.75);
	ck_assert_int_eq(t.on, 0);
	ck_assert_int_eq(t.loud, 1);
	ck_assert_int_eq(t.level, SV_LOG_DEBUG);
	ck_assert_uint_eq(t.kafka_count, 3);
	ck_assert_str_eq(t.kafka[0], "a=1");
	ck_assert_str_eq(t.kafka[2], "c=3");
	sv_options_free(&toy_spec, &t);
	ck_assert_ptr_null(t.name);
	ck_assert_uint_eq(t.kafka_count, 0);
}
END_TEST

START_TEST(inverted_flag)
{
	toy t;
	char err[256] = "";
	char *off[] = {"toy", "--no-on", NULL};
	char *valued[] = {"toy", "--no-on=1", NULL};
	const char *empty[] = {"TOY_ON", "", NULL};
	char *none[] = {"toy", NULL};

	ck_assert_int_eq(load(&t, NULL, off, err, sizeof(err)), 0);
	ck_assert_int_eq(t.on, 0);
	sv_options_free(&toy_spec, &t);
	ck_assert_int_eq(load(&t, NULL, valued, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--no-on takes no value"));
	sv_options_free(&toy_spec, &t);
	/* An empty switch variable keeps the default. */
	ck_assert_int_eq(load(&t, empty, none, err, sizeof(err)), 0);
	ck_assert_int_eq(t.on, 1);
	sv_options_free(&toy_spec, &t);
}
END_TEST

START_TEST(errors_name_the_flag_or_variable)
{
	toy t;
	char err[256];
	const char *bad_env[] = {"TOY_WAIT", "0.1", NULL};
	const char *bad_switch[] = {"TOY_ON", "perhaps", NULL};
	char *none[] = {"toy", NULL};
	char *range[] = {"toy", "--count", "11", NULL};
	char *empty[] = {"toy", "--name", "", NULL};
	char *unknown[] = {"toy", "--frob", NULL};
	char *missing[] = {"toy", "--wait", NULL};
	char *level[] = {"toy", "--log-level=loud", NULL};

	ck_assert_int_eq(load(&t, bad_env, none, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "TOY_WAIT: \"0.1\""));
	sv_options_free(&toy_spec, &t);
	ck_assert_int_eq(load(&t, bad_switch, none, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "TOY_ON: \"perhaps\""));
	sv_options_free(&toy_spec, &t);
	ck_assert_int_eq(load(&t, NULL, range, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--count: \"11\" is not a whole number from 1 to 10"));
	sv_options_free(&toy_spec, &t);
	ck_assert_int_eq(load(&t, NULL, empty, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--name (TOY_NAME) must not be empty"));
	sv_options_free(&toy_spec, &t);
	ck_assert_int_eq(load(&t, NULL, unknown, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "\"--frob\""));
	sv_options_free(&toy_spec, &t);
	ck_assert_int_eq(load(&t, NULL, missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--wait needs a value"));
	sv_options_free(&toy_spec, &t);
	ck_assert_int_eq(load(&t, NULL, level, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--log-level: \"loud\""));
	sv_options_free(&toy_spec, &t);
}
END_TEST

START_TEST(kafka_list_syntax)
{
	char *items[4];
	size_t n = 0;
	char err[256];

	ck_assert_int_eq(
	    sv_kafka_options_split(" a=1, b=2\tdebug=cgrp,topic\n c=x y", items, &n, 4, "W", err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(items[0], "a=1");
	ck_assert_str_eq(items[1], "b=2");
	ck_assert_str_eq(items[2], "debug=cgrp,topic");
	/* A piece joined after white space is joined with a comma too. */
	ck_assert_str_eq(items[3], "c=x,y");
	ck_assert_int_eq(sv_kafka_options_split("d=4", items, &n, 4, "W", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "W: more than 4 Kafka options"));
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	n = 0;
	ck_assert_int_eq(sv_kafka_options_split("x a=1", items, &n, 4, "W", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "W: \"x\" is not key=value"));
	ck_assert_int_eq(sv_kafka_options_split("=1", items, &n, 4, "W", err, sizeof(err)), -1);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(help_comes_from_the_table)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	toy t;
	char err[256];
	char *help[] = {"toy", "--count", "5", "-h", "--count", "0", NULL};
	char *version[] = {"toy", "-V", NULL};
	int argc = 6;

	fake_env = NULL;
	toy_init(&t);
	/* Help stops the parse: the bad value after it is never read. */
	ck_assert_int_eq(sv_options_load(&toy_spec, &t, argc, help, fake_env_lookup, out, err, sizeof(err)),
			 SV_OPTIONS_HELP);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "usage: toy [options]\nA toy daemon."));
	ck_assert_ptr_nonnull(strstr(buf, "-n, --name NAME"));
	ck_assert_ptr_nonnull(strstr(buf, "a name [default-name]"));
	ck_assert_ptr_nonnull(strstr(buf, "a wait [2.5]"));
	ck_assert_ptr_nonnull(strstr(buf, "($TOY_ON=1 or 0)"));
	ck_assert_ptr_nonnull(strstr(buf, "how much [info]"));
	ck_assert_ptr_nonnull(strstr(buf, "Exit status: none."));
	free(buf);
	sv_options_free(&toy_spec, &t);
	ck_assert_int_eq(load(&t, NULL, version, err, sizeof(err)), SV_OPTIONS_VERSION);
	sv_options_free(&toy_spec, &t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tc);
	tcase_add_test(tc, environment_then_flags);
	tcase_add_test(tc, inverted_flag);
	tcase_add_test(tc, errors_name_the_flag_or_variable);
	tcase_add_test(tc, kafka_list_syntax);
	tcase_add_test(tc, help_comes_from_the_table);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
