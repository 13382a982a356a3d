/* mod_solveit's directives as httpd would apply them (the command table's setters with their
 * cmd->info), the merge of a virtual host over the main server, and the start-up cross-checks. */

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "httpd_stub.h"
#include "solveit_redis.h"
#include "sv_mac.h"

/* A 32-byte secret as hex, for a keyring parsed from memory. */
#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static apr_pool_t *pool;
static server_rec *main_server, *vhost;

static void setup(void)
{
	apr_pool_create(&pool, NULL);
	main_server = stub_server(pool);
	vhost = stub_server(pool);
	vhost->is_virtual = 1;
}

static void teardown(void)
{
	apr_pool_destroy(pool);
}

/* Applies one directive to s through solveit_cmds[]; NULL or the setter's error. */
static const char *apply(server_rec *s, const char *name, const char *arg)
{
	for (const command_rec *cmd = solveit_cmds; cmd->name; cmd++) {
		cmd_parms parms;
		ap_directive_t directive;

		if (strcmp(cmd->name, name) != 0)
			continue;
		memset(&parms, 0, sizeof(parms));
		memset(&directive, 0, sizeof(directive));
		directive.directive = cmd->name;
		parms.info = cmd->cmd_data;
		parms.cmd = cmd;
		parms.server = s;
		parms.pool = pool;
		parms.temp_pool = pool;
		parms.directive = &directive;
		if (cmd->args_how == FLAG)
			return cmd->AP_FLAG(&parms, NULL, !strcasecmp(arg, "on"));
		return cmd->AP_TAKE1(&parms, NULL, arg);
	}
	ck_abort_msg("no directive %s", name);
	return NULL;
}

static solveit_config *config_of(server_rec *s)
{
	return solveit_config_get(s);
}

START_TEST(defaults_live_in_the_getters)
{
	const solveit_config *c = config_of(main_server);
	int n;

	ck_assert_str_eq(sv_cfg_kafka_topic(c), "code-submissions");
	ck_assert_int_eq(sv_cfg_kafka_wait_ms(c), 0);
	ck_assert_int_eq((int)sv_cfg_max_source(c), 64 * 1024);
	ck_assert_int_eq(sv_cfg_submission_rate(c), 10);
	ck_assert_int_eq(sv_cfg_login_attempts(c), 10);
	ck_assert_int_eq(sv_cfg_auth_mode(c), SV_AUTH_BUILTIN);
	ck_assert_int_eq(sv_cfg_session_idle(c), 7200);
	ck_assert_int_eq(sv_cfg_session_lifetime(c), 86400);
	ck_assert_str_eq(sv_cfg_base_path(c), "/solveit");
	ck_assert_ptr_null(sv_cfg_redis(c));
	ck_assert_int_eq(sv_cfg_languages(c, &n)[2], 62);
	ck_assert_int_eq(n, 5);
}
END_TEST

START_TEST(numbers_sizes_and_durations)
{
	const solveit_config *c = config_of(main_server);

	ck_assert_ptr_null(apply(main_server, SV_DIR_KAFKA_WAIT, "250"));
	ck_assert_int_eq(sv_cfg_kafka_wait_ms(c), 250);
	ck_assert_str_eq(apply(main_server, SV_DIR_KAFKA_WAIT, "10001"),
			 "SolveitKafkaWait: \"10001\" is not a number of milliseconds between 0 and 10000");
	ck_assert_ptr_nonnull(apply(main_server, SV_DIR_KAFKA_WAIT, " 5"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_LOGIN_ATTEMPTS, "3"));
	ck_assert_int_eq(sv_cfg_login_attempts(c), 3);
	ck_assert_str_eq(apply(main_server, SV_DIR_LOGIN_ATTEMPTS, "0"),
			 "SolveitLoginAttempts: \"0\" is not a positive number of failed logins per 15 minutes");
	ck_assert_ptr_null(apply(main_server, SV_DIR_MAX_SOURCE, "2M"));
	ck_assert_int_eq((int)sv_cfg_max_source(c), 2 * 1024 * 1024);
	ck_assert_ptr_null(apply(main_server, SV_DIR_MAX_SOURCE, "100"));
	ck_assert_int_eq((int)sv_cfg_max_source(c), 100);
	ck_assert_str_eq(apply(main_server, SV_DIR_MAX_SOURCE, "17M"),
			 "SolveitMaxSourceSize: \"17M\" is not a size between 1 byte and 16M");
	ck_assert_ptr_nonnull(apply(main_server, SV_DIR_MAX_SOURCE, "10KB"));
	ck_assert_ptr_nonnull(apply(main_server, SV_DIR_MAX_SOURCE, "K"));
	/* The package import's own limit; the source's stays. */
	ck_assert_int_eq((int)sv_cfg_max_package(c), 256 * 1024 * 1024);
	ck_assert_ptr_null(apply(main_server, SV_DIR_MAX_PACKAGE, "1G"));
	ck_assert(sv_cfg_max_package(c) == 1024LL * 1024 * 1024);
	ck_assert_ptr_null(apply(main_server, SV_DIR_MAX_PACKAGE, "2047M"));
	ck_assert_str_eq(apply(main_server, SV_DIR_MAX_PACKAGE, "2G"),
			 "SolveitMaxPackageSize: \"2G\" is not a size between 1 byte and 2047M");
	ck_assert_str_eq(apply(main_server, SV_DIR_MAX_PACKAGE, "big"),
			 "SolveitMaxPackageSize: \"big\" is not a size (bytes, or with a K, M or G suffix)");
	ck_assert_int_eq((int)sv_cfg_max_source(c), 100);
	ck_assert_ptr_null(apply(main_server, SV_DIR_SESSION_IDLE, "30m"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_SESSION_LIFETIME, "2d"));
	ck_assert_int_eq(sv_cfg_session_idle(c), 1800);
	ck_assert_int_eq(sv_cfg_session_lifetime(c), 2 * 86400);
	ck_assert_str_eq(apply(main_server, SV_DIR_SESSION_IDLE, "367d"),
			 "SolveitSessionIdle: \"367d\" is not a duration (seconds, or a number with s, m, h or d; at "
			 "most 366d)");
	ck_assert_ptr_nonnull(apply(main_server, SV_DIR_SESSION_LIFETIME, "0"));
	ck_assert_ptr_nonnull(apply(main_server, SV_DIR_SESSION_LIFETIME, "5w"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_SUBMISSION_RATE, "4/minute"));
	ck_assert_int_eq(sv_cfg_submission_rate(c), 4);
	ck_assert_str_eq(apply(main_server, SV_DIR_SUBMISSION_RATE, "4/hour"),
			 "SolveitSubmissionRate: \"4/hour\": the only period is /minute");
}
END_TEST

START_TEST(brokers_and_redis_addresses)
{
	const sv_redis_address *a;

	ck_assert_ptr_null(apply(main_server, SV_DIR_KAFKA_BROKERS, "k1:9092, k2:9093"));
	ck_assert_str_eq(apply(main_server, SV_DIR_KAFKA_BROKERS, "k1:99999"),
			 "SolveitKafkaBrokers: \"k1:99999\" is not a comma-separated list of host:port");
	ck_assert_ptr_nonnull(apply(main_server, SV_DIR_KAFKA_BROKERS, "k1"));
	/* The producer is one per child, made from the main server's settings. */
	ck_assert_ptr_nonnull(apply(vhost, SV_DIR_KAFKA_BROKERS, "k1:9092"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_REDIS, "cache.example:6380"));
	a = sv_cfg_redis(config_of(main_server));
	ck_assert_str_eq(a->host, "cache.example");
	ck_assert_int_eq(a->port, 6380);
	ck_assert_ptr_null(apply(main_server, SV_DIR_REDIS, "/run/redis.sock"));
	ck_assert_str_eq(sv_cfg_redis(config_of(main_server))->path, "/run/redis.sock");
	ck_assert_str_eq(apply(main_server, SV_DIR_REDIS, "cache.example"),
			 "SolveitRedis: expected host:port, an absolute socket path or none");
	ck_assert_str_eq(apply(main_server, SV_DIR_REDIS, "cache.example:0"),
			 "SolveitRedis: the port must be a number from 1 to 65535");
	ck_assert_ptr_null(apply(main_server, SV_DIR_REDIS, "none"));
	ck_assert_ptr_null(sv_cfg_redis(config_of(main_server)));
}
END_TEST

START_TEST(language_names_come_from_the_judges_file)
{
	const solveit_config *c = config_of(main_server);
	const char *err;

	/* Unset: Judge0's names, right for a Judge0 executor. */
	ck_assert_str_eq(sv_cfg_language_name(c, 71), "Python (3.8.1)");
	ck_assert_ptr_null(sv_cfg_language_name(c, 42));
	ck_assert_ptr_null(apply(main_server, SV_DIR_LANGUAGE_NAMES, SV_LANGUAGES_JSON));
	c = config_of(main_server);
	ck_assert_str_eq(sv_cfg_language_name(c, 71), "Python (3.11)");
	ck_assert_str_eq(sv_cfg_language_name(c, 50), "C (GCC 12)");
	/* A Judge0 language the file does not name keeps Judge0's name. */
	ck_assert_str_eq(sv_cfg_language_name(c, 70), "Python (2.7.17)");
	err = apply(main_server, SV_DIR_LANGUAGE_NAMES, "/nonexistent/languages.json");
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strncmp(err, "SolveitLanguageNames: ", 22) == 0 && strstr(err, "/nonexistent/languages.json"),
		      "%s", err);
}
END_TEST

START_TEST(a_virtual_host_inherits_what_it_does_not_set)
{
	solveit_config *merged;

	ck_assert_ptr_null(apply(main_server, SV_DIR_REDIS, "cache.example:6379"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_SESSION_IDLE, "10m"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_REGISTRATION, "on"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_LANGUAGES, "50"));
	ck_assert_ptr_null(apply(vhost, SV_DIR_BASE_PATH, "/judge"));
	ck_assert_ptr_null(apply(vhost, SV_DIR_REGISTRATION, "off"));
	merged = solveit_config_merge(pool, config_of(main_server), config_of(vhost));
	ck_assert_str_eq(sv_cfg_redis(merged)->host, "cache.example");
	ck_assert_int_eq(sv_cfg_session_idle(merged), 600);
	ck_assert_str_eq(sv_cfg_base_path(merged), "/judge");
	/* Off is a setting, not the absence of one. */
	ck_assert_int_eq(sv_cfg_registration(merged), 0);
	ck_assert(sv_cfg_language_enabled(merged, 50));
	ck_assert(!sv_cfg_language_enabled(merged, 71));
	/* "none" in the virtual host wins over the main server's Redis. */
	ck_assert_ptr_null(apply(vhost, SV_DIR_REDIS, "none"));
	merged = solveit_config_merge(pool, config_of(main_server), config_of(vhost));
	ck_assert_ptr_null(sv_cfg_redis(merged));
}
END_TEST

/* Virtual hosts sharing one Redis once shared one leaderboard key: the key now carries the
 * database each one uses, read from mod_dbd's DBDParams as it passes (and passed on). */
START_TEST(cache_keys_belong_to_the_database)
{
	request_rec *r;
	server_rec *other = stub_server(pool);

	ck_assert_str_eq(apply(main_server, SV_DIR_DBD_PARAMS, "host=db1 port=5433 dbname=course_a user=u password=p"),
			 DECLINE_CMD);
	ck_assert_str_eq(apply(other, SV_DIR_DBD_PARAMS, "host=db1 port=5433 dbname=course_b user=u password=p"),
			 DECLINE_CMD);
	r = stub_request(pool, main_server, "GET", "/solveit/api/leaderboard");
	ck_assert_str_eq(sv_redis_key(r, "leaderboard:v1"), "solveit:db=course_a@db1:5433:leaderboard:v1");
	r = stub_request(pool, other, "GET", "/solveit/api/leaderboard");
	ck_assert_str_eq(sv_redis_key(r, "leaderboard:v1"), "solveit:db=course_b@db1:5433:leaderboard:v1");
	ck_assert_ptr_null(apply(other, SV_DIR_CACHE_PREFIX, "judge-2"));
	ck_assert_str_eq(sv_redis_key(r, "x"), "judge-2:db=course_b@db1:5433:x");
	ck_assert_str_eq(apply(other, SV_DIR_CACHE_PREFIX, "two words"),
			 SV_DIR_CACHE_PREFIX ": \"two words\" may hold only letters, digits and - _ . :");
	/* A virtual host without DBDParams uses the main server's database, and so its entries. */
	ck_assert_str_eq(sv_cfg_dbd_params(solveit_config_merge(pool, config_of(main_server), config_of(vhost))),
			 "host=db1 port=5433 dbname=course_a user=u password=p");
	/* libpq's quoting, spaces around "=", hostaddr, defaults left empty; URIs without their user. */
	ck_assert_str_eq(sv_redis_db_identity(pool, "dbname = 'my \\'db\\'' hostaddr=10.0.0.1 password='a b'"),
			 "db=my 'db'@10.0.0.1:");
	ck_assert_str_eq(sv_redis_db_identity(pool, "dbname=solveit"), "db=solveit@:");
	ck_assert_str_eq(sv_redis_db_identity(pool, "postgresql://who:secret@db2:5432/solveit?sslmode=require"),
			 "db=db2:5432/solveit");
	ck_assert_str_eq(sv_redis_db_identity(pool, NULL), "db=");
	ck_assert_ptr_null(strstr(sv_redis_db_identity(pool, "password=secret dbname=x"), "secret"));
}
END_TEST

START_TEST(cross_checks_at_start_up)
{
	solveit_config *c = config_of(main_server);
	char err[256];
	sv_keyring *ring = sv_keyring_parse("k1 " HEX64 "\n", "test", err, sizeof(err));

	ck_assert_str_eq(solveit_config_check(pool, c), "SolveitKafkaBrokers: not set; mod_solveit needs the Kafka "
							"brokers (host:port[,host:port])");
	ck_assert_ptr_null(apply(main_server, SV_DIR_KAFKA_BROKERS, "k1:9092"));
	/* Issue 14: no start without the keyring that signs the Kafka messages. */
	ck_assert_ptr_nonnull(strstr(solveit_config_check(pool, c), "SolveitKeyFile: not set; mod_solveit signs"));
	c->keyring = ring;
	ck_assert_ptr_null(solveit_config_check(pool, c));
	ck_assert_ptr_null(apply(main_server, SV_DIR_SESSION_IDLE, "3h"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_SESSION_LIFETIME, "2h"));
	ck_assert_str_eq(solveit_config_check(pool, c), "SolveitSessionIdle: 10800 s is longer than "
							"SolveitSessionLifetime (7200 s); the idle limit would never "
							"apply");
	ck_assert_ptr_null(apply(main_server, SV_DIR_SESSION_IDLE, "1h"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_REGISTRATION, "on"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_AUTH, "external"));
	ck_assert_ptr_nonnull(strstr(solveit_config_check(pool, c), "SolveitRegistration: On needs SolveitAuth"));
	c->keyring = NULL;
	sv_keyring_free(ring);
}
END_TEST

/* Issue 14, finding 2: Redis's password from a file only the services read; no Redis without keys. */
START_TEST(redis_password_file_and_keys)
{
	solveit_config *c = config_of(main_server);
	char path[] = "/tmp/check_module_config.XXXXXX", keys[] = "/tmp/check_module_keys.XXXXXX";
	int fd = mkstemp(path), kfd = mkstemp(keys);
	const char *err;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(kfd, 0);
	ck_assert_int_eq(write(fd, "pw-1234\n", 8), 8);
	close(fd);
	ck_assert_int_eq(write(kfd, "k1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 68), 68);
	close(kfd);
	ck_assert_ptr_null(sv_cfg_redis_password(c));
	ck_assert_ptr_null(apply(main_server, SV_DIR_REDIS_PASSWORD_FILE, path)); /* mkstemp: 0600 */
	ck_assert_str_eq(sv_cfg_redis_password(c), "pw-1234");
	chmod(path, 0644);
	err = apply(main_server, SV_DIR_REDIS_PASSWORD_FILE, path);
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_nonnull(strstr(err, "SolveitRedisPasswordFile: /tmp/check_module_config."));
	ck_assert_ptr_nonnull(strstr(err, "not a regular file that only the services may read (mode 0644"));
	ck_assert_ptr_null(strstr(err, "pw-1234"));
	unlink(path);
	ck_assert_ptr_null(apply(main_server, SV_DIR_KAFKA_BROKERS, "k1:9092"));
	ck_assert_ptr_null(apply(main_server, SV_DIR_REDIS, "/run/redis.sock"));
	ck_assert_str_eq(solveit_config_check(pool, c),
			 "SolveitRedis: the cache's values are signed with the keys of "
			 "SolveitKeyFile, which is not set; set it, or SolveitRedis none");
	ck_assert_ptr_null(apply(main_server, SV_DIR_KEY_FILE, keys));
	ck_assert_ptr_null(solveit_config_check(pool, c));
	unlink(keys);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("module_config");
	TCase *tc = tcase_create("directives");
	SRunner *sr;
	int failed;

	apr_initialize();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_live_in_the_getters);
	tcase_add_test(tc, numbers_sizes_and_durations);
	tcase_add_test(tc, brokers_and_redis_addresses);
	tcase_add_test(tc, language_names_come_from_the_judges_file);
	tcase_add_test(tc, a_virtual_host_inherits_what_it_does_not_set);
	tcase_add_test(tc, cache_keys_belong_to_the_database);
	tcase_add_test(tc, cross_checks_at_start_up);
	tcase_add_test(tc, redis_password_file_and_keys);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	apr_terminate();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
