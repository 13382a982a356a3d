/* judge-worker: configuration, back-off, the task cache key and format, offset tracking. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_env.h"
#include "sv_log.h"
#include "task_data.h"
#include "sv_daemon.h"
#include "worker_config.h"
#include "worker_offsets.h"
#include "worker_stats.h"

Suite *judge0_suite(void);
Suite *test_cache_suite(void);
Suite *queue_suite(void);

/* ---- configuration ---- */

static int load(worker_config *cfg, const char *const *env, char **argv, char *err, size_t errlen)
{
	fake_env = env;
	worker_config_init(cfg);
	return worker_config_load(cfg, fake_argc(argv), argv, fake_env_lookup, stdout, err, errlen);
}

START_TEST(config_defaults)
{
	worker_config cfg;
	char err[256] = "";
	char *argv[] = {"judge-worker", NULL};

	ck_assert_int_eq(load(&cfg, NULL, argv, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.group_id, "judge-workers");
	ck_assert_str_eq(cfg.topic_submissions, "code-submissions");
	ck_assert_str_eq(cfg.topic_results, "code-results");
	ck_assert_str_eq(cfg.topic_dead, "code-submissions-dead");
	ck_assert_str_eq(cfg.executor, "local");
	ck_assert_int_eq(cfg.cache_ttl, 3600);
	ck_assert_str_eq(cfg.test_cache_dir, "/var/cache/solveit/tests");
	ck_assert_int_eq(cfg.test_cache_max_mb, 2048);
	ck_assert_int_eq(cfg.foreground, 0);
	ck_assert_int_eq(worker_config_check(&cfg, err, sizeof(err)), 0);
	worker_config_free(&cfg);
}
END_TEST

START_TEST(config_env_then_flags)
{
	worker_config cfg;
	char err[256] = "";
	const char *env[] = {"SOLVEIT_KAFKA_BROKERS",
			     "k1:9092,k2:9092",
			     "SOLVEIT_DB",
			     "host=/tmp dbname=x",
			     "SOLVEIT_REDIS",
			     "10.0.0.1:7000",
			     "SOLVEIT_EXECUTOR",
			     "judge0",
			     "SOLVEIT_CONCURRENCY",
			     "4",
			     "SOLVEIT_KAFKA_OPTIONS",
			     "session.timeout.ms=6000  heartbeat.interval.ms=500",
			     "SOLVEIT_FOREGROUND",
			     "1",
			     "SOLVEIT_PREFETCH",
			     "0",
			     NULL};
	char *argv[] = {"judge-worker", "-j",    "3",           "--cache-ttl=60", "-X", "fetch.wait.max.ms=10",
			"--executor",   "local", "--log-level", "debug",          NULL};

	ck_assert_int_eq(load(&cfg, env, argv, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.brokers, "k1:9092,k2:9092");
	ck_assert_str_eq(cfg.db, "host=/tmp dbname=x");
	ck_assert_str_eq(cfg.redis, "10.0.0.1:7000");
	ck_assert_str_eq(cfg.executor, "local"); /* the flag wins over the variable */
	ck_assert_int_eq(cfg.concurrency, 3);
	ck_assert_int_eq(cfg.cache_ttl, 60);
	ck_assert_int_eq(cfg.foreground, 1);
	ck_assert_int_eq(cfg.prefetch, 0);
	ck_assert_int_eq(cfg.log_level, SV_LOG_DEBUG);
	ck_assert_uint_eq(cfg.kafka_option_count, 3);
	ck_assert_str_eq(cfg.kafka_options[0], "session.timeout.ms=6000");
	ck_assert_str_eq(cfg.kafka_options[1], "heartbeat.interval.ms=500");
	ck_assert_str_eq(cfg.kafka_options[2], "fetch.wait.max.ms=10");
	worker_config_free(&cfg);
}
END_TEST

START_TEST(config_errors_name_the_setting)
{
	worker_config cfg;
	char err[256];
	const char *bad_env[] = {"SOLVEIT_CONCURRENCY", "lots", NULL};
	char *argv0[] = {"judge-worker", NULL};
	char *unknown[] = {"judge-worker", "--frobnicate", NULL};
	char *missing[] = {"judge-worker", "--db", NULL};
	char *range[] = {"judge-worker", "--concurrency=0", NULL};
	char *kafka[] = {"judge-worker", "-X", "novalue", NULL};
	char *level[] = {"judge-worker", "--log-level", "loud", NULL};
	char *exec[] = {"judge-worker", "--executor", "docker", NULL};
	char *poll[] = {"judge-worker", "--judge0-poll-min-ms", "500", "--judge0-poll-max-ms", "100", NULL};
	char *redis[] = {"judge-worker", "--redis", "host:notaport", NULL};
	char *cache_dir[] = {"judge-worker", "--test-cache-dir", "var/cache", NULL};
	const char *cache_mb[] = {"SOLVEIT_TEST_CACHE_MAX_MB", "0", NULL};

	ck_assert_int_eq(load(&cfg, bad_env, argv0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "SOLVEIT_CONCURRENCY"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, NULL, unknown, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--frobnicate"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, NULL, missing, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--db needs a value"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, NULL, range, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--concurrency"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, NULL, kafka, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "key=value"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, NULL, level, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--log-level"));
	worker_config_free(&cfg);

	ck_assert_int_eq(load(&cfg, NULL, exec, err, sizeof(err)), 0);
	ck_assert_int_eq(worker_config_check(&cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "docker"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, NULL, poll, err, sizeof(err)), 0);
	ck_assert_int_eq(worker_config_check(&cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "poll"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, NULL, redis, err, sizeof(err)), 0);
	ck_assert_int_eq(worker_config_check(&cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "SOLVEIT_REDIS"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, NULL, cache_dir, err, sizeof(err)), 0);
	ck_assert_int_eq(worker_config_check(&cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "SOLVEIT_TEST_CACHE_DIR: \"var/cache\" is not an absolute path"));
	worker_config_free(&cfg);
	ck_assert_int_eq(load(&cfg, cache_mb, argv0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "SOLVEIT_TEST_CACHE_MAX_MB"));
	worker_config_free(&cfg);
}
END_TEST

START_TEST(config_help_lists_every_variable)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	worker_config cfg;
	char err[256];
	char *argv[] = {"judge-worker", "--help", NULL};

	fake_env = NULL;
	worker_config_init(&cfg);
	ck_assert_int_eq(worker_config_load(&cfg, 2, argv, fake_env_lookup, out, err, sizeof(err)), 1);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "SOLVEIT_KAFKA_BROKERS"));
	ck_assert_ptr_nonnull(strstr(buf, "SOLVEIT_DB"));
	ck_assert_ptr_nonnull(strstr(buf, "SOLVEIT_REDIS"));
	ck_assert_ptr_nonnull(strstr(buf, "SOLVEIT_EXECUTOR"));
	ck_assert_ptr_nonnull(strstr(buf, "--concurrency"));
	ck_assert_ptr_nonnull(strstr(buf, "SOLVEIT_TEST_CACHE_DIR"));
	ck_assert_ptr_nonnull(strstr(buf, "SOLVEIT_TEST_CACHE_MAX_MB"));
	free(buf);
	worker_config_free(&cfg);
}
END_TEST

START_TEST(host_port)
{
	char host[64];
	int port;

	ck_assert_int_eq(worker_parse_host_port("127.0.0.1:6380", host, sizeof(host), &port), 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_int_eq(port, 6380);
	ck_assert_int_eq(worker_parse_host_port("redis", host, sizeof(host), &port), 0);
	ck_assert_str_eq(host, "redis");
	ck_assert_int_eq(port, 6379);
	ck_assert_int_eq(worker_parse_host_port(":6379", host, sizeof(host), &port), -1);
	ck_assert_int_eq(worker_parse_host_port("h:0", host, sizeof(host), &port), -1);
	ck_assert_int_eq(worker_parse_host_port("h:70000", host, sizeof(host), &port), -1);
	/* A Unix socket (issue 14: the stacks' Redis has no TCP port); port 0 says so. */
	ck_assert_int_eq(worker_parse_host_port("/run/redis/redis.sock", host, sizeof(host), &port), 0);
	ck_assert_str_eq(host, "/run/redis/redis.sock");
	ck_assert_int_eq(port, 0);
	ck_assert_int_eq(worker_parse_host_port("/a/path/that/is/longer/than/the/buffer/of/sixty/four/bytes/redis.sock",
						host, sizeof(host), &port),
			 -1);
}
END_TEST

/* ---- back-off ---- */

START_TEST(backoff_doubles_up_to_the_cap)
{
	ck_assert_int_eq(sv_backoff_delay_ms(100, 2000, 0), 100);
	ck_assert_int_eq(sv_backoff_delay_ms(100, 2000, 1), 200);
	ck_assert_int_eq(sv_backoff_delay_ms(100, 2000, 4), 1600);
	ck_assert_int_eq(sv_backoff_delay_ms(100, 2000, 5), 2000);
	ck_assert_int_eq(sv_backoff_delay_ms(100, 2000, 1000), 2000); /* no overflow */
	ck_assert_int_eq(sv_backoff_delay_ms(500, 100, 0), 100);      /* the cap wins */
}
END_TEST

START_TEST(backoff_jitter_stays_in_the_upper_half)
{
	for (unsigned long r = 0; r < 5000; r += 7) {
		long d = sv_backoff_jitter_ms(1000, r);
		ck_assert_int_ge(d, 500);
		ck_assert_int_le(d, 1000);
	}
	ck_assert_int_eq(sv_backoff_jitter_ms(1000, 0), 500);
	ck_assert_int_eq(sv_backoff_jitter_ms(1000, 500), 1000);
	ck_assert_int_eq(sv_backoff_jitter_ms(1, 12345), 1);
}
END_TEST

START_TEST(backoff_sleep_stops_early)
{
	volatile int stop = 1;

	ck_assert_int_eq(sv_sleep_ms(60000, &stop), -1);
	stop = 0;
	ck_assert_int_eq(sv_sleep_ms(1, &stop), 0);
}
END_TEST

/* ---- task cache key and format ---- */

START_TEST(cache_key_holds_id_and_revision)
{
	char key[64], next[64], tiny[8];

	ck_assert_int_eq(task_cache_key(45, 7, key, sizeof(key)), (int)strlen("solveit:task:v3:45:r7"));
	ck_assert_str_eq(key, "solveit:task:v3:45:r7");
	/* a new revision is another key, so tests changed since are never read from the old entry */
	task_cache_key(45, 8, next, sizeof(next));
	ck_assert_str_ne(key, next);
	task_cache_key(4, 57, next, sizeof(next));
	ck_assert_str_ne(key, next);
	ck_assert_int_eq(task_cache_key(45, 8, tiny, sizeof(tiny)), -1);
}
END_TEST

#define HASH_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define HASH_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

static task_group sample_groups[] = {
    {.id = 7, .name = "secret", .parent = -1, .position = 1, .aggregation = GROUP_SUM, .validator_flags = ""},
    {.id = 8,
     .name = "secret/group1",
     .parent = 0,
     .position = 0,
     .aggregation = GROUP_ALL_OR_NOTHING,
     .has_points = 1,
     .points = 33.5,
     .break_on_reject = 1,
     .validator_flags = "float_tolerance 1e-3"},
};

static task_test sample_tests[] = {
    {.id = 12,
     .order = 2,
     .weight = 2.5,
     .group = 1,
     .name = "secret/group1/02-big",
     .input_sha256 = HASH_A,
     .answer_sha256 = HASH_B,
     /* bytes a loaded task holds: never part of the cached text */
     .input = "5 6\n",
     .input_len = 4},
    {.id = 11,
     .order = 1,
     .weight = 1,
     .is_sample = 1,
     .group = -1,
     .name = "",
     .input_sha256 = HASH_B,
     .answer_sha256 = HASH_B},
};

static task_file sample_files[] = {{.name = "validate.h", .sha256 = HASH_A}};
static int sample_factor_ids[] = {62, 71};
static double sample_factors[] = {2.0, 3.5};

static task_data sample_task(void)
{
	task_data t = {.id = 45,
		       .revision = 9,
		       .type = TASK_TYPE_PASS_FAIL,
		       .judge_all = 1,
		       .time_limit_ms = 1500,
		       .memory_limit_kb = 65536,
		       .wall_limit_ms = 4000,
		       .output_limit_kb = 1024,
		       .compile_time_limit_ms = 20000,
		       .compile_memory_limit_kb = 2097152,
		       .factor_language_ids = sample_factor_ids,
		       .factors = sample_factors,
		       .factor_count = 2,
		       .validator = VALIDATOR_CUSTOM,
		       .case_sensitive = 1,
		       .space_change_sensitive = 1,
		       .has_rel_tol = 1,
		       .rel_tol = 1e-6,
		       .validator_flags = "sensitive",
		       .validator_language_id = 54,
		       .validator_source = "#include \"validate.h\"\nint main() { return 42; }\n",
		       .validator_file_name = "validator.cpp",
		       .validator_files = sample_files,
		       .validator_file_count = 1,
		       .groups = sample_groups,
		       .group_count = 2,
		       .tests = sample_tests,
		       .test_count = 2};
	return t;
}

START_TEST(task_roundtrip)
{
	task_data t = sample_task(), back;
	size_t len;
	char *text = task_data_encode(&t, &len);
	checker_options opts;

	ck_assert_ptr_nonnull(text);
	/* Redis holds the metadata only: hashes, never the test bytes */
	ck_assert_ptr_null(strstr(text, "5 6"));
	ck_assert_ptr_nonnull(strstr(text, HASH_A));
	/* nor the judges' validator source (task_store reads it from PostgreSQL on a hit) */
	ck_assert_ptr_null(strstr(text, "return 42"));
	ck_assert_int_eq(task_data_decode(text, len, &back), 0);
	ck_assert_int_eq(back.id, 45);
	ck_assert_int_eq(back.revision, 9);
	ck_assert_int_eq(back.type, TASK_TYPE_PASS_FAIL);
	ck_assert_int_eq(back.judge_all, 1);
	ck_assert_int_eq(back.time_limit_ms, 1500);
	ck_assert_int_eq(back.memory_limit_kb, 65536);
	ck_assert_int_eq(back.wall_limit_ms, 4000);
	ck_assert_int_eq(back.output_limit_kb, 1024);
	ck_assert_int_eq(back.compile_time_limit_ms, 20000);
	ck_assert_int_eq(back.compile_memory_limit_kb, 2097152);
	ck_assert_uint_eq(back.factor_count, 2);
	ck_assert_int_eq(task_cpu_limit_ms(&back, 62), 3000);
	ck_assert_int_eq(task_cpu_limit_ms(&back, 71), 5250);
	ck_assert_int_eq(task_cpu_limit_ms(&back, 50), 1500);
	ck_assert_int_eq(task_wall_limit_ms(&back, 62), 8000);
	ck_assert_int_eq(back.validator, VALIDATOR_CUSTOM);
	ck_assert_int_eq(back.case_sensitive, 1);
	ck_assert_int_eq(back.space_change_sensitive, 1);
	ck_assert_int_eq(back.has_abs_tol, 0);
	ck_assert_int_eq(back.has_rel_tol, 1);
	ck_assert_double_eq_tol(back.rel_tol, 1e-6, 1e-12);
	ck_assert_str_eq(back.validator_flags, "sensitive");
	ck_assert_int_eq(back.validator_language_id, 54);
	ck_assert_ptr_null(back.validator_source);
	ck_assert_uint_eq(back.validator_source_len, 0);
	ck_assert_str_eq(back.validator_file_name, "validator.cpp");
	ck_assert_uint_eq(back.validator_file_count, 1);
	ck_assert_str_eq(back.validator_files[0].name, "validate.h");
	ck_assert_str_eq(back.validator_files[0].sha256, HASH_A);
	ck_assert_ptr_null(back.validator_files[0].data);
	/* groups: the tree, points, aggregation, on_reject, flags */
	ck_assert_uint_eq(back.group_count, 2);
	ck_assert_str_eq(back.groups[1].name, "secret/group1");
	ck_assert_int_eq(back.groups[1].id, 8);
	ck_assert_int_eq(back.groups[1].parent, 0);
	ck_assert_int_eq(back.groups[0].parent, -1);
	ck_assert_int_eq(back.groups[0].position, 1);
	ck_assert_int_eq(back.groups[1].aggregation, GROUP_ALL_OR_NOTHING);
	ck_assert_int_eq(back.groups[1].has_points, 1);
	ck_assert_double_eq_tol(back.groups[1].points, 33.5, 1e-12);
	ck_assert_int_eq(back.groups[0].has_points, 0);
	ck_assert_int_eq(back.groups[1].break_on_reject, 1);
	ck_assert_str_eq(back.groups[1].validator_flags, "float_tolerance 1e-3");
	/* tests, sorted by order, with their hashes and no bytes */
	ck_assert_uint_eq(back.test_count, 2);
	ck_assert_int_eq(back.tests[0].id, 11);
	ck_assert_int_eq(back.tests[0].is_sample, 1);
	ck_assert_int_eq(back.tests[0].group, -1);
	ck_assert_str_eq(back.tests[0].name, "");
	ck_assert_double_eq_tol(back.tests[1].weight, 2.5, 1e-12);
	ck_assert_int_eq(back.tests[1].group, 1);
	ck_assert_str_eq(back.tests[1].name, "secret/group1/02-big");
	ck_assert_str_eq(back.tests[1].input_sha256, HASH_A);
	ck_assert_str_eq(back.tests[1].answer_sha256, HASH_B);
	ck_assert_ptr_null(back.tests[1].input);
	ck_assert_uint_eq(back.tests[1].input_len, 0);
	ck_assert_ptr_null(back.tests[1].input_path);
	task_checker_options(&back, &opts);
	ck_assert_int_eq(opts.mode, CHECKER_DEFAULT);
	ck_assert_int_eq(opts.case_sensitive, 1);
	ck_assert_int_eq(opts.space_change_sensitive, 1);
	ck_assert_int_eq(opts.has_rel_tolerance, 1);
	task_data_free(&back);
	free(text);
}
END_TEST

/* The sample task's text with one substring replaced. */
static char *sample_text_with(const char *from, const char *to)
{
	task_data t = sample_task();
	char *text = task_data_encode(&t, NULL), *at = strstr(text, from), *out;

	ck_assert_msg(at != NULL, "%s not in %s", from, text);
	out = malloc(strlen(text) + strlen(to) + 1);
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	free(text);
	return out;
}

START_TEST(task_decode_refuses_foreign_text)
{
	task_data t;
	const char *bad[] = {
	    "",
	    "not json",
	    "[]",
	    /* format 1 (the test bytes inline) */
	    "{\"format\":1,\"id\":1,\"revision\":1,\"time_limit_ms\":1,\"memory_limit_kb\":1,\"exact\":false,"
	    "\"tests\":[{\"id\":1,\"order\":1,\"weight\":1,\"input\":\"1\",\"expected\":\"1\"}]}",
	    "{\"format\":2,\"id\":1,\"revision\":1,\"time_limit_ms\":1,\"memory_limit_kb\":1,\"tests\":[]}",
	};
	/* the sample task, damaged one way each */
	const char *damage[][2] = {
	    {"\"format\":3", "\"format\":4"},
	    {"\"type\":\"pass-fail\"", "\"type\":\"fail\""},
	    {"\"validator\":\"custom\"", "\"validator\":\"magic\""},
	    {HASH_A "\",\"answer\"", "abc\",\"answer\""},
	    {"\"parent\":0", "\"parent\":5"},
	    {"\"parent\":-1", "\"parent\":1"}, /* a cycle */
	    {"\"group\":1", "\"group\":2"},
	    {"\"aggregation\":\"all-or-nothing\"", "\"aggregation\":\"median\""},
	    {"\"62\":2", "\"x\":2"},
	    {"\"weight\":2.5", "\"weight\":-1"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(task_data_decode(bad[i], strlen(bad[i]), &t), -1);
		ck_assert_ptr_null(t.tests);
	}
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		char *text = sample_text_with(damage[i][0], damage[i][1]);
		ck_assert_msg(task_data_decode(text, strlen(text), &t) == -1, "accepted: %s", text);
		ck_assert_ptr_null(t.tests);
		ck_assert_ptr_null(t.groups);
		free(text);
	}
}
END_TEST

/* The schema's CHECK bounds, for a task from PostgreSQL and one decoded from Redis alike. */
START_TEST(task_bounds_are_the_schemas)
{
	task_data t = sample_task();
	task_test tests[2];
	char err[160];

	ck_assert_int_eq(task_check_bounds(&t, err, sizeof(err)), 0);
	t.memory_limit_kb = 8388608; /* 8 GB: above tasks.memory_limit_kb's 4194304 */
	ck_assert_int_eq(task_check_bounds(&t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "memory_limit_kb 8388608 is outside the schema's bounds 4096..4194304");
	t = sample_task();
	t.time_limit_ms = 600000;
	ck_assert_int_eq(task_check_bounds(&t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "time_limit_ms 600000"));
	t = sample_task();
	t.wall_limit_ms = 0; /* the judge's default */
	t.output_limit_kb = 0;
	ck_assert_int_eq(task_check_bounds(&t, err, sizeof(err)), 0);
	t.wall_limit_ms = 10;
	ck_assert_int_eq(task_check_bounds(&t, err, sizeof(err)), -1);
	t = sample_task();
	memcpy(tests, sample_tests, sizeof(tests));
	tests[1].weight = 2e9;
	t.tests = tests;
	ck_assert_int_eq(task_check_bounds(&t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "test 11: weight 2e+09 is outside the schema's bounds 0..1e9");
	t = sample_task();
	t.validator_language_id = 0;
	ck_assert_int_eq(task_check_bounds(&t, err, sizeof(err)), -1);
}
END_TEST

START_TEST(task_time_factors)
{
	task_data t;

	memset(&t, 0, sizeof(t));
	t.time_limit_ms = 1000;
	ck_assert_int_eq(task_parse_time_factors("{}", &t), 0);
	ck_assert_int_eq(task_cpu_limit_ms(&t, 62), 1000);
	ck_assert_int_eq(task_wall_limit_ms(&t, 62), 0); /* the judge's default */
	ck_assert_int_eq(task_parse_time_factors("{\"62\": 2.5, \"71\": 0.5}", &t), 0);
	ck_assert_int_eq(task_cpu_limit_ms(&t, 62), 2500);
	ck_assert_int_eq(task_cpu_limit_ms(&t, 71), 500);
	t.wall_limit_ms = 3000;
	ck_assert_int_eq(task_wall_limit_ms(&t, 62), 7500);
	ck_assert_int_eq(task_parse_time_factors("{\"62\": \"fast\"}", &t), -1);
	ck_assert_int_eq(task_parse_time_factors("{\"java\": 2}", &t), -1);
	ck_assert_int_eq(task_parse_time_factors("[2]", &t), -1);
	ck_assert_int_eq(task_parse_time_factors("{\"62\": 0}", &t), -1);
	ck_assert_int_eq(task_type_parse("pass-fail"), TASK_TYPE_PASS_FAIL);
	ck_assert_int_eq(task_validator_parse("interactive"), VALIDATOR_INTERACTIVE);
	ck_assert_int_eq(task_aggregation_parse("avg"), GROUP_AVG);
	ck_assert_int_eq(task_aggregation_parse("mean"), -1);
	task_data_free(&t);
}
END_TEST

/* ---- offsets ---- */

START_TEST(offsets_in_order)
{
	offset_tracker *tr = offsets_new();

	offsets_begin(tr, 0, 10);
	ck_assert_int_eq(offsets_done(tr, 0, 10), 11);
	ck_assert_uint_eq(offsets_in_flight(tr, -1), 0);
	offsets_free(tr);
}
END_TEST

START_TEST(offsets_out_of_order_wait_for_the_oldest)
{
	offset_tracker *tr = offsets_new();

	offsets_begin(tr, 0, 10);
	offsets_begin(tr, 0, 11);
	offsets_begin(tr, 0, 12);
	offsets_begin(tr, 1, 5);
	ck_assert_uint_eq(offsets_in_flight(tr, 0), 3);
	ck_assert_int_eq(offsets_done(tr, 0, 12), -1); /* 10 and 11 still judging */
	ck_assert_int_eq(offsets_done(tr, 1, 5), 6);   /* other partitions are independent */
	ck_assert_int_eq(offsets_done(tr, 0, 10), 11);
	ck_assert_int_eq(offsets_done(tr, 0, 11), 13); /* 12 was done already */
	ck_assert_uint_eq(offsets_in_flight(tr, -1), 0);
	offsets_free(tr);
}
END_TEST

START_TEST(offsets_forget_a_revoked_partition)
{
	offset_tracker *tr = offsets_new();

	offsets_begin(tr, 3, 100);
	offsets_begin(tr, 3, 101);
	offsets_forget(tr, 3);
	ck_assert_uint_eq(offsets_in_flight(tr, 3), 0);
	ck_assert_int_eq(offsets_done(tr, 3, 101), -1);
	/* redelivered from the committed offset after a new assignment */
	offsets_begin(tr, 3, 100);
	ck_assert_int_eq(offsets_done(tr, 3, 100), 101);
	offsets_free(tr);
}
END_TEST

/* ---- duplicates (issue 14, finding 9) ---- */

START_TEST(duplicates_count_attempts_seen_after_their_final)
{
	stats_reset();
	ck_assert_int_eq(stats_duplicate(7, 1), 0); /* first delivery: judged */
	stats_final_delivered(7, 1);
	ck_assert_int_eq(stats_duplicate(7, 1), 1); /* redelivered after the final */
	ck_assert_int_eq(stats_duplicate(7, 2), 0); /* the sweeper's next attempt is new work */
	ck_assert_int_eq(stats_duplicate(8, 1), 0);
	ck_assert_int_eq(stats_get(STAT_DUPLICATES), 1);
	ck_assert_str_eq(stats_name(STAT_DUPLICATES), "duplicates");
	stats_reset();
}
END_TEST

START_TEST(duplicates_forget_the_oldest_finals)
{
	stats_reset();
	for (long long id = 1; id <= STATS_FINALS_KEPT + 1; id++)
		stats_final_delivered(id, 1);
	ck_assert_int_eq(stats_duplicate(1, 1), 0); /* pushed out: bounded memory */
	ck_assert_int_eq(stats_duplicate(2, 1), 1);
	ck_assert_int_eq(stats_duplicate(STATS_FINALS_KEPT + 1, 1), 1);
	ck_assert_int_eq(stats_get(STAT_DUPLICATES), 2);
	stats_reset();
}
END_TEST

START_TEST(duplicates_in_the_stats_file)
{
	char path[] = "/tmp/check_worker_statsXXXXXX", line[256];
	int fd = mkstemp(path), found = 0;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	stats_reset();
	stats_final_delivered(3, 1);
	stats_duplicate(3, 1);
	ck_assert_int_eq(stats_write_file(path), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		found |= strcmp(line, "duplicates 1\n") == 0;
	fclose(f);
	unlink(path);
	ck_assert(found);
	stats_reset();
}
END_TEST

static Suite *worker_suite(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, config_defaults);
	tcase_add_test(tc, config_env_then_flags);
	tcase_add_test(tc, config_errors_name_the_setting);
	tcase_add_test(tc, config_help_lists_every_variable);
	tcase_add_test(tc, host_port);
	suite_add_tcase(s, tc);
	tc = tcase_create("backoff");
	tcase_add_test(tc, backoff_doubles_up_to_the_cap);
	tcase_add_test(tc, backoff_jitter_stays_in_the_upper_half);
	tcase_add_test(tc, backoff_sleep_stops_early);
	suite_add_tcase(s, tc);
	tc = tcase_create("cache");
	tcase_add_test(tc, cache_key_holds_id_and_revision);
	tcase_add_test(tc, task_roundtrip);
	tcase_add_test(tc, task_decode_refuses_foreign_text);
	tcase_add_test(tc, task_time_factors);
	tcase_add_test(tc, task_bounds_are_the_schemas);
	suite_add_tcase(s, tc);
	tc = tcase_create("offsets");
	tcase_add_test(tc, offsets_in_order);
	tcase_add_test(tc, offsets_out_of_order_wait_for_the_oldest);
	tcase_add_test(tc, offsets_forget_a_revoked_partition);
	suite_add_tcase(s, tc);
	tc = tcase_create("duplicates");
	tcase_add_test(tc, duplicates_count_attempts_seen_after_their_final);
	tcase_add_test(tc, duplicates_forget_the_oldest_finals);
	tcase_add_test(tc, duplicates_in_the_stats_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(worker_suite());
	int failed;

	srunner_add_suite(sr, judge0_suite());
	srunner_add_suite(sr, test_cache_suite());
	srunner_add_suite(sr, queue_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
