#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sink_apply.h"
#include "sink_config.h"
#include "sv_time.h"
#include "sink_decide.h"
#include "sv_kafka_client.h"

static sink_state st(sv_status status, int attempt, int tests_done)
{
	sink_state s = {status, attempt, tests_done};

	return s;
}

static sink_decision decide(sink_state stored, sink_state event)
{
	return sink_decide(&stored, &event);
}

START_TEST(pending_takes_processing_and_final)
{
	ck_assert_int_eq(decide(st(SV_STATUS_PENDING, 1, 0), st(SV_STATUS_PROCESSING, 1, 0)), SINK_APPLY);
	ck_assert_int_eq(decide(st(SV_STATUS_PENDING, 1, 0), st(SV_STATUS_PROCESSING, 1, 3)), SINK_APPLY);
	ck_assert_int_eq(decide(st(SV_STATUS_PENDING, 1, 0), st(SV_STATUS_COMPLETED, 1, 0)), SINK_APPLY);
	ck_assert_int_eq(decide(st(SV_STATUS_PENDING, 1, 0), st(SV_STATUS_FAILED, 1, 0)), SINK_APPLY);
}
END_TEST

START_TEST(progress_only_moves_forward)
{
	ck_assert_int_eq(decide(st(SV_STATUS_PROCESSING, 1, 2), st(SV_STATUS_PROCESSING, 1, 3)), SINK_APPLY);
	ck_assert_int_eq(decide(st(SV_STATUS_PROCESSING, 1, 3), st(SV_STATUS_PROCESSING, 1, 3)), SINK_IGNORE_NOT_NEWER);
	ck_assert_int_eq(decide(st(SV_STATUS_PROCESSING, 1, 3), st(SV_STATUS_PROCESSING, 1, 0)), SINK_IGNORE_NOT_NEWER);
	ck_assert_int_eq(decide(st(SV_STATUS_PROCESSING, 1, 3), st(SV_STATUS_COMPLETED, 1, 0)), SINK_APPLY);
}
END_TEST

START_TEST(final_never_changes)
{
	/* A duplicate final, a late progress event, a final of a newer attempt: none is shown. */
	ck_assert_int_eq(decide(st(SV_STATUS_COMPLETED, 1, 5), st(SV_STATUS_COMPLETED, 1, 0)), SINK_IGNORE_FINAL);
	ck_assert_int_eq(decide(st(SV_STATUS_COMPLETED, 1, 5), st(SV_STATUS_PROCESSING, 1, 9)), SINK_IGNORE_FINAL);
	ck_assert_int_eq(decide(st(SV_STATUS_COMPLETED, 1, 5), st(SV_STATUS_PROCESSING, 2, 0)), SINK_IGNORE_FINAL);
	ck_assert_int_eq(decide(st(SV_STATUS_COMPLETED, 1, 5), st(SV_STATUS_COMPLETED, 2, 0)), SINK_IGNORE_FINAL);
	ck_assert_int_eq(decide(st(SV_STATUS_FAILED, 3, 0), st(SV_STATUS_COMPLETED, 3, 0)), SINK_IGNORE_FINAL);
	ck_assert_int_eq(decide(st(SV_STATUS_FAILED, 3, 0), st(SV_STATUS_PROCESSING, 3, 1)), SINK_IGNORE_FINAL);
}
END_TEST

START_TEST(older_attempt_never_overwrites)
{
	ck_assert_int_eq(decide(st(SV_STATUS_PROCESSING, 2, 0), st(SV_STATUS_COMPLETED, 1, 0)),
			 SINK_IGNORE_OLDER_ATTEMPT);
	ck_assert_int_eq(decide(st(SV_STATUS_PENDING, 2, 0), st(SV_STATUS_PROCESSING, 1, 4)),
			 SINK_IGNORE_OLDER_ATTEMPT);
	ck_assert_int_eq(decide(st(SV_STATUS_PENDING, 2, 0), st(SV_STATUS_FAILED, 1, 0)), SINK_IGNORE_OLDER_ATTEMPT);
}
END_TEST

START_TEST(newer_attempt_supersedes_unfinished)
{
	ck_assert_int_eq(decide(st(SV_STATUS_PROCESSING, 1, 7), st(SV_STATUS_PROCESSING, 2, 0)), SINK_APPLY);
	ck_assert_int_eq(decide(st(SV_STATUS_PENDING, 1, 0), st(SV_STATUS_COMPLETED, 2, 0)), SINK_APPLY);
}
END_TEST

START_TEST(pending_event_is_never_applied)
{
	/* The parser refuses "pending"; the decision must not rely on that alone. */
	ck_assert_int_eq(decide(st(SV_STATUS_PROCESSING, 1, 2), st(SV_STATUS_PENDING, 1, 0)), SINK_IGNORE_NOT_NEWER);
	ck_assert_int_eq(decide(st(SV_STATUS_PENDING, 1, 0), st(SV_STATUS_PENDING, 1, 0)), SINK_IGNORE_NOT_NEWER);
}
END_TEST

START_TEST(decision_names)
{
	ck_assert_str_eq(sink_decision_name(SINK_APPLY), "applied");
	ck_assert_ptr_nonnull(strstr(sink_decision_name(SINK_IGNORE_OLDER_ATTEMPT), "older attempt"));
	ck_assert_ptr_nonnull(strstr(sink_decision_name(SINK_IGNORE_FINAL), "final"));
}
END_TEST

START_TEST(sqlstate_reject_only_data_errors)
{
	ck_assert_int_eq(sink_sqlstate_action("22021"), SINK_SQL_REJECT); /* bad UTF-8 */
	ck_assert_int_eq(sink_sqlstate_action("22P02"), SINK_SQL_REJECT); /* invalid json */
	ck_assert_int_eq(sink_sqlstate_action("23514"), SINK_SQL_REJECT); /* check violation */
	ck_assert_int_eq(sink_sqlstate_action("08006"), SINK_SQL_RETRY);  /* connection failure */
	ck_assert_int_eq(sink_sqlstate_action("57P01"), SINK_SQL_RETRY);  /* admin shutdown */
	ck_assert_int_eq(sink_sqlstate_action("40001"), SINK_SQL_RETRY);  /* serialization */
	ck_assert_int_eq(sink_sqlstate_action("42703"), SINK_SQL_RETRY);  /* undefined column */
	ck_assert_int_eq(sink_sqlstate_action(NULL), SINK_SQL_RETRY);
}
END_TEST

START_TEST(iso8601_times)
{
	ck_assert_double_eq(sv_time_parse_iso8601("1970-01-01T00:00:00Z"), 0);
	ck_assert_double_eq(sv_time_parse_iso8601("2025-11-28T12:00:05Z"), 1764331205);
	ck_assert_double_eq_tol(sv_time_parse_iso8601("2025-11-28T12:00:05.250Z"), 1764331205.25, 1e-6);
	ck_assert_double_eq(sv_time_parse_iso8601("2024-02-29T00:00:00Z"), 1709164800);
	ck_assert_double_eq(sv_time_parse_iso8601(NULL), -1);
	ck_assert_double_eq(sv_time_parse_iso8601(""), -1);
	ck_assert_double_eq(sv_time_parse_iso8601("2025-11-28 12:00:05Z"), -1);
	ck_assert_double_eq(sv_time_parse_iso8601("2025-11-28T12:00:05"), -1);
	ck_assert_double_eq(sv_time_parse_iso8601("2025-11-28T12:00:05+01:00"), -1);
	ck_assert_double_eq(sv_time_parse_iso8601("2025-02-30T12:00:05Z"), -1);
	ck_assert_double_eq(sv_time_parse_iso8601("2025-13-01T12:00:05Z"), -1);
	ck_assert_double_eq(sv_time_parse_iso8601("2025-11-28T12:00:05.Z"), -1);
	ck_assert_double_eq(sv_time_parse_iso8601("20x5-11-28T12:00:05Z"), -1);
}
END_TEST

/* ---- configuration ---- */

static const char *const env_names[] = {
    "SOLVEIT_KAFKA_BROKERS",
    "SOLVEIT_DB",
    "SOLVEIT_SINK_GROUP",
    "SOLVEIT_TOPIC_RESULTS",
    "SOLVEIT_TOPIC_RESULTS_DEAD",
    "SOLVEIT_TOPIC_SUBMISSIONS",
    "SOLVEIT_SWEEPER",
    "SOLVEIT_SWEEP_INTERVAL",
    "SOLVEIT_RESEND_AFTER",
    "SOLVEIT_REQUEUE_PENDING_AFTER",
    "SOLVEIT_STUCK_AFTER",
    "SOLVEIT_MAX_ATTEMPTS",
    "SOLVEIT_KAFKA_OPTIONS",
};

static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
		unsetenv(env_names[i]);
}

#define LOAD(c, err, ...)                                                                                              \
	({                                                                                                             \
		char *argv_[] = {"result-sink", __VA_ARGS__, NULL};                                                    \
		sink_config_load(c, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_, err, sizeof(err));             \
	})

START_TEST(config_defaults)
{
	sink_config c;
	char err[256];
	char *argv[] = {"result-sink", NULL};

	clear_env();
	ck_assert_int_eq(sink_config_load(&c, 1, argv, err, sizeof(err)), SINK_CONFIG_RUN);
	ck_assert_str_eq(c.brokers, "localhost:9092");
	ck_assert_str_eq(c.db, "");
	ck_assert_str_eq(c.group, "result-sink");
	ck_assert_str_eq(c.results_topic, "code-results");
	ck_assert_str_eq(c.dead_letter_topic, "code-results-dead");
	ck_assert_str_eq(c.submissions_topic, "code-submissions");
	ck_assert_int_eq(c.sweeper, 1);
	ck_assert_int_eq(c.max_attempts, 3);
	ck_assert_double_eq(c.resend_after, 75);
	ck_assert_double_eq(c.submission_delivery_timeout, 60);
	ck_assert_int_eq(c.foreground, 0);
	ck_assert_uint_eq(c.kafka_option_count, 0);
	sink_config_free(&c);
}
END_TEST

START_TEST(config_environment_then_flags)
{
	sink_config c;
	char err[256];

	clear_env();
	setenv("SOLVEIT_KAFKA_BROKERS", "k1:9092", 1);
	setenv("SOLVEIT_DB", "host=/tmp dbname=x", 1);
	setenv("SOLVEIT_SWEEPER", "off", 1);
	setenv("SOLVEIT_MAX_ATTEMPTS", "5", 1);
	setenv("SOLVEIT_STUCK_AFTER", "12.5", 1);
	setenv("SOLVEIT_KAFKA_OPTIONS", "session.timeout.ms=6000,,socket.timeout.ms=1000", 1);
	ck_assert_int_eq(LOAD(&c, err, "--foreground", "--brokers", "k2:9092", "--kafka-option", "linger.ms=1",
			      "--max-attempts", "2"),
			 SINK_CONFIG_RUN);
	ck_assert_str_eq(c.brokers, "k2:9092");
	ck_assert_str_eq(c.db, "host=/tmp dbname=x");
	ck_assert_int_eq(c.sweeper, 0);
	ck_assert_int_eq(c.max_attempts, 2);
	ck_assert_double_eq(c.stuck_after, 12.5);
	ck_assert_int_eq(c.foreground, 1);
	/* Environment first, flags after: librdkafka lets the later ones win. */
	ck_assert_uint_eq(c.kafka_option_count, 3);
	ck_assert_str_eq(c.kafka_options[0], "session.timeout.ms=6000");
	ck_assert_str_eq(c.kafka_options[1], "socket.timeout.ms=1000");
	ck_assert_str_eq(c.kafka_options[2], "linger.ms=1");
	sink_config_free(&c);
}
END_TEST

START_TEST(config_errors_name_the_setting)
{
	sink_config c;
	char err[256];

	clear_env();
	ck_assert_int_eq(LOAD(&c, err, "--max-attempts", "0"), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--max-attempts"));
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--sweep-interval", "soon"), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--sweep-interval"));
	ck_assert_ptr_nonnull(strstr(err, "\"soon\""));
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--resend-after", "-1"), SINK_CONFIG_ERROR);
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--kafka-option", "novalue"), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "key=value"));
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--frobnicate"), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--frobnicate"));
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--db"), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--db needs a value"));
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "stray"), SINK_CONFIG_ERROR);
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--brokers", ""), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "SOLVEIT_KAFKA_BROKERS"));
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--topic-results-dead", "code-results"), SINK_CONFIG_ERROR);
	sink_config_free(&c);

	setenv("SOLVEIT_SWEEPER", "maybe", 1);
	ck_assert_int_eq(LOAD(&c, err, "-f"), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "SOLVEIT_SWEEPER"));
	sink_config_free(&c);
	unsetenv("SOLVEIT_SWEEPER");
	setenv("SOLVEIT_KAFKA_OPTIONS", "a=b =c", 1);
	ck_assert_int_eq(LOAD(&c, err, "-f"), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "SOLVEIT_KAFKA_OPTIONS"));
	sink_config_free(&c);
}
END_TEST

START_TEST(config_kafka_options_variable)
{
	sink_config c;
	char err[256];

	clear_env();
	/* judge-worker's form (space-separated), ours (commas), and a value with commas in it. */
	setenv("SOLVEIT_KAFKA_OPTIONS", " a=1  b=2,c=3,\td=x,y,z e=4 ", 1);
	ck_assert_int_eq(
	    LOAD(&c, err, "--topic-results", "r", "--topic-results-dead", "rd", "--topic-submissions", "s"),
	    SINK_CONFIG_RUN);
	ck_assert_uint_eq(c.kafka_option_count, 5);
	ck_assert_str_eq(c.kafka_options[0], "a=1");
	ck_assert_str_eq(c.kafka_options[1], "b=2");
	ck_assert_str_eq(c.kafka_options[2], "c=3");
	ck_assert_str_eq(c.kafka_options[3], "d=x,y,z");
	ck_assert_str_eq(c.kafka_options[4], "e=4");
	ck_assert_str_eq(c.results_topic, "r");
	ck_assert_str_eq(c.dead_letter_topic, "rd");
	ck_assert_str_eq(c.submissions_topic, "s");
	sink_config_free(&c);

	setenv("SOLVEIT_KAFKA_OPTIONS", "nokey,a=1", 1);
	ck_assert_int_eq(LOAD(&c, err, "-f"), SINK_CONFIG_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "\"nokey\""));
	sink_config_free(&c);
	setenv("SOLVEIT_KAFKA_OPTIONS", "", 1);
	setenv("SOLVEIT_TOPIC_RESULTS", "env-results", 1);
	ck_assert_int_eq(LOAD(&c, err, "-f"), SINK_CONFIG_RUN);
	ck_assert_uint_eq(c.kafka_option_count, 0);
	ck_assert_str_eq(c.results_topic, "env-results");
	sink_config_free(&c);
}
END_TEST

START_TEST(config_help_and_version)
{
	sink_config c;
	char err[256];

	clear_env();
	ck_assert_int_eq(LOAD(&c, err, "--help"), SINK_CONFIG_HELP);
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "-V"), SINK_CONFIG_VERSION);
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--no-sweeper", "-v"), SINK_CONFIG_RUN);
	ck_assert_int_eq(c.sweeper, 0);
	ck_assert_int_eq(c.verbose, 1);
	sink_config_free(&c);
}
END_TEST

/* Issue 14, finding 9: the sweeper re-sent after 30 s what the module still retried for 60 s. */
START_TEST(sweeper_waits_out_the_module_retries)
{
	sink_config c;
	char err[256], warning[512];

	clear_env();
	ck_assert_int_eq(LOAD(&c, err, "--foreground"), SINK_CONFIG_RUN);
	ck_assert_double_gt(c.resend_after, c.submission_delivery_timeout);
	ck_assert_int_eq(sink_resend_after_check(&c, warning, sizeof(warning)), 0);
	sink_config_free(&c);

	/* The old default, and one just inside the margin, are too early. */
	ck_assert_int_eq(LOAD(&c, err, "--resend-after", "30"), SINK_CONFIG_RUN);
	ck_assert_int_eq(sink_resend_after_check(&c, warning, sizeof(warning)), -1);
	ck_assert_ptr_nonnull(strstr(warning, "--resend-after 30"));
	ck_assert_ptr_nonnull(strstr(warning, "judged twice"));
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--resend-after", "74.9"), SINK_CONFIG_RUN);
	ck_assert_int_eq(sink_resend_after_check(&c, warning, sizeof(warning)), -1);
	sink_config_free(&c);

	/* A module told to retry longer needs a sweeper told to wait longer. */
	ck_assert_int_eq(LOAD(&c, err, "--submission-delivery-timeout", "120"), SINK_CONFIG_RUN);
	ck_assert_int_eq(sink_resend_after_check(&c, warning, sizeof(warning)), -1);
	ck_assert_ptr_nonnull(strstr(warning, "120 s"));
	sink_config_free(&c);
	ck_assert_int_eq(LOAD(&c, err, "--submission-delivery-timeout", "120", "--resend-after", "135"),
			 SINK_CONFIG_RUN);
	ck_assert_int_eq(sink_resend_after_check(&c, warning, sizeof(warning)), 0);
	sink_config_free(&c);
}
END_TEST

/* Issue 14, finding 8: what of a dead letter's payload fits beside its key and headers. */
START_TEST(dead_letter_room_leaves_space_for_the_headers)
{
	size_t room = sv_dead_letter_room(1000000, 3, 200);

	ck_assert_uint_eq(room, 1000000 - 3 - 200 - SV_DEAD_LETTER_OVERHEAD);
	ck_assert_uint_lt(room, 999950); /* the message of the finding is cut */
	ck_assert_uint_eq(sv_dead_letter_room(600, 3, 200), 0);
	ck_assert_uint_eq(sv_dead_letter_room(0, 0, 0), 0);
}
END_TEST

static Suite *sink_suite(void)
{
	Suite *s = suite_create("result-sink");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, pending_takes_processing_and_final);
	tcase_add_test(tc, progress_only_moves_forward);
	tcase_add_test(tc, final_never_changes);
	tcase_add_test(tc, older_attempt_never_overwrites);
	tcase_add_test(tc, newer_attempt_supersedes_unfinished);
	tcase_add_test(tc, pending_event_is_never_applied);
	tcase_add_test(tc, decision_names);
	tcase_add_test(tc, sqlstate_reject_only_data_errors);
	tcase_add_test(tc, iso8601_times);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_test(tc, config_defaults);
	tcase_add_test(tc, config_environment_then_flags);
	tcase_add_test(tc, config_errors_name_the_setting);
	tcase_add_test(tc, config_kafka_options_variable);
	tcase_add_test(tc, config_help_and_version);
	tcase_add_test(tc, sweeper_waits_out_the_module_retries);
	tcase_add_test(tc, dead_letter_room_leaves_space_for_the_headers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sink_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
