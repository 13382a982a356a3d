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

	ck_assert_int_eq(task_cache_key(45, 7, key, sizeof(key)), (int)strlen("solveit:task:v1:45:r7"));
	ck_assert_str_eq(key, "solveit:task:v1:45:r7");
	/* a new revision is another key, so tests changed since are never read from the old entry */
	task_cache_key(45, 8, next, sizeof(next));
	ck_assert_str_ne(key, next);
	task_cache_key(4, 57, next, sizeof(next));
	ck_assert_str_ne(key, next);
	ck_assert_int_eq(task_cache_key(45, 8, tiny, sizeof(tiny)), -1);
}
END_TEST

static task_test sample_tests[] = {
    {.id = 12,
     .order = 2,
     .weight = 3,
     .is_sample = 0,
     .input = "5 6\n",
     .input_len = 4,
     .expected = "11\n",
     .expected_len = 3},
    {.id = 11,
     .order = 1,
     .weight = 1,
     .is_sample = 1,
     .input = "\"quoted\" \\ \xc3\xa9\n",
     .input_len = 14,
     .expected = "",
     .expected_len = 0},
};

START_TEST(task_roundtrip)
{
	task_data t = {.id = 45,
		       .revision = 9,
		       .time_limit_ms = 1500,
		       .memory_limit_kb = 65536,
		       .validator = VALIDATOR_DEFAULT,
		       .case_sensitive = 1,
		       .has_rel_tol = 1,
		       .rel_tol = 1e-6,
		       .tests = sample_tests,
		       .test_count = 2};
	task_data back;
	size_t len;
	char *text = task_data_encode(&t, &len);
	checker_options opts;

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(task_data_decode(text, len, &back), 0);
	ck_assert_int_eq(back.id, 45);
	ck_assert_int_eq(back.revision, 9);
	ck_assert_int_eq(back.time_limit_ms, 1500);
	ck_assert_int_eq(back.memory_limit_kb, 65536);
	ck_assert_int_eq(back.case_sensitive, 1);
	ck_assert_int_eq(back.has_abs_tol, 0);
	ck_assert_int_eq(back.has_rel_tol, 1);
	ck_assert_double_eq_tol(back.rel_tol, 1e-6, 1e-12);
	ck_assert_uint_eq(back.test_count, 2);
	/* sorted by order */
	ck_assert_int_eq(back.tests[0].id, 11);
	ck_assert_int_eq(back.tests[0].is_sample, 1);
	ck_assert_uint_eq(back.tests[0].input_len, 14);
	ck_assert_mem_eq(back.tests[0].input, sample_tests[1].input, 14);
	ck_assert_uint_eq(back.tests[0].expected_len, 0);
	ck_assert_int_eq(back.tests[1].weight, 3);
	ck_assert_str_eq(back.tests[1].expected, "11\n");
	task_checker_options(&back, &opts);
	ck_assert_int_eq(opts.mode, CHECKER_DEFAULT);
	ck_assert_int_eq(opts.case_sensitive, 1);
	ck_assert_int_eq(opts.has_rel_tolerance, 1);
	task_data_free(&back);
	free(text);
}
END_TEST

START_TEST(task_decode_refuses_foreign_text)
{
	task_data t;
	const char *bad[] = {
	    "",
	    "not json",
	    "[]",
	    "{\"format\":2,\"id\":1,\"revision\":1,\"time_limit_ms\":1,\"memory_limit_kb\":1,\"tests\":[]}",
	    "{\"format\":1,\"id\":1,\"revision\":1,\"time_limit_ms\":1,\"memory_limit_kb\":1}",
	    "{\"format\":1,\"id\":1,\"revision\":1,\"time_limit_ms\":1,\"memory_limit_kb\":1,\"tests\":[{\"id\":1}]}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(task_data_decode(bad[i], strlen(bad[i]), &t), -1);
		ck_assert_ptr_null(t.tests);
	}
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
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
