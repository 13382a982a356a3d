#include "worker_config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "compile_cache.h"
#include "sv_kafka_mac.h"
#include "sv_log.h"
#include "sv_options.h"
#include "sv_parse.h"
#include "sv_version.h"
#include "worker_cores.h"

#define OFF(field) offsetof(worker_config, field)

static const sv_option options[] = {
    {"brokers", 'b', "SOLVEIT_KAFKA_BROKERS", SV_OPT_STRING, OFF(brokers), 0, 0, 0, "LIST",
     "Kafka bootstrap servers (host:port,...)", SV_OPT_REQUIRED},
    {"kafka-option", 'X', "SOLVEIT_KAFKA_OPTIONS", SV_OPT_KAFKA, OFF(kafka_options), OFF(kafka_option_count), 0, 0,
     "KEY=VALUE", "librdkafka options for the consumer and the producer; repeatable", 0},
    {"group", 0, "SOLVEIT_GROUP_ID", SV_OPT_STRING, OFF(group_id), 0, 0, 0, "NAME", "consumer group", 0},
    {"topic-submissions", 0, "SOLVEIT_TOPIC_SUBMISSIONS", SV_OPT_STRING, OFF(topic_submissions), 0, 0, 0, "TOPIC",
     "topic to judge from", 0},
    {"topic-results", 0, "SOLVEIT_TOPIC_RESULTS", SV_OPT_STRING, OFF(topic_results), 0, 0, 0, "TOPIC",
     "topic for progress events and final results", 0},
    {"topic-runs", 0, "SOLVEIT_TOPIC_RUNS", SV_OPT_STRING, OFF(topic_runs), 0, 0, 0, "TOPIC",
     "topic of the runs on the samples, judged when no submission waits (\"none\": no runs)", 0},
    {"topic-dead", 0, "SOLVEIT_TOPIC_DEAD", SV_OPT_STRING, OFF(topic_dead), 0, 0, 0, "TOPIC",
     "dead-letter topic for messages without a submission id", 0},
    {"db", 'd', "SOLVEIT_DB", SV_OPT_STRING, OFF(db), 0, 0, 0, "CONNINFO", "PostgreSQL connection (libpq conninfo)", 0},
    {"redis", 'r', "SOLVEIT_REDIS", SV_OPT_STRING, OFF(redis), 0, 0, 0, "HOST:PORT|PATH",
     "Redis task-metadata cache: host:port or a Unix socket path; \"none\" turns the cache off", 0},
    {"redis-password-file", 0, "SOLVEIT_REDIS_PASSWORD_FILE", SV_OPT_STRING, OFF(redis_password_file), 0, 0, 0, "FILE",
     "file whose first line is Redis's password (requirepass); readable only by the services", 0},
    {"redis-timeout-ms", 0, "SOLVEIT_REDIS_TIMEOUT_MS", SV_OPT_INT, OFF(redis_timeout_ms), 0, 1, 60000, "MS",
     "Redis connect and command timeout; a slower Redis is bypassed", 0},
    {"cache-ttl", 0, "SOLVEIT_CACHE_TTL", SV_OPT_INT, OFF(cache_ttl), 0, 1, 30 * 86400, "SECONDS",
     "lifetime of a cached task", 0},
    {"revision-poll-ms", 0, "SOLVEIT_REVISION_POLL_MS", SV_OPT_INT, OFF(revision_poll_ms), 0, 50, 600000, "MS",
     "how often task revisions are re-read from PostgreSQL (one query per period, not per submission)", 0},
    {"test-cache-dir", 0, "SOLVEIT_TEST_CACHE_DIR", SV_OPT_STRING, OFF(test_cache_dir), 0, 0, 0, "DIR",
     "local cache of test files by SHA-256, shared by the workers of one host", 0},
    {"test-cache-max-mb", 0, "SOLVEIT_TEST_CACHE_MAX_MB", SV_OPT_INT, OFF(test_cache_max_mb), 0, 1, 16777216, "MB",
     "size bound of the test cache; the least recently used files are removed beyond it", 0},
    {"compile-cache", 0, "SOLVEIT_COMPILE_CACHE", SV_OPT_STRING, OFF(compile_cache_dir), 0, 0, 0, "DIR|none",
     "the local executor's cache of compiled programs and compile errors (a root-owned 0700 directory, created "
     "when missing): rejudges and identical resubmissions skip the compiler; \"none\" turns it off",
     0},
    {"compile-cache-max-bytes", 0, "SOLVEIT_COMPILE_CACHE_MAX_BYTES", SV_OPT_LONG, OFF(compile_cache_max_bytes), 0,
     4096, 1L << 40, "BYTES", "size bound of the compile cache; the least recently used entries are removed beyond it",
     0},
    {"executor", 'e', "SOLVEIT_EXECUTOR", SV_OPT_STRING, OFF(executor), 0, 0, 0, "NAME",
     "where programs run: local (the built-in sandbox) or judge0", 0},
    {"concurrency", 'j', "SOLVEIT_CONCURRENCY", SV_OPT_INT, OFF(concurrency), 0, 1, 256, "N",
     "submissions judged at once by this process (default: the cores it has, as for --cores)", 0},
    {"cores", 0, "SOLVEIT_CORES", SV_OPT_INT, OFF(cores), 0, 1, 1024, "N",
     "cores the local executor's judgements share: a submission runs more of its tests at once only on idle "
     "ones (default: the CPUs of the process's affinity, bounded by its cgroup's CPU quota)",
     0},
    {"parallel-tests", 0, "SOLVEIT_PARALLEL_TESTS", SV_OPT_INT, OFF(parallel_tests), 0, 1, 256, "N",
     "tests of one submission the local executor runs at once at most, each in a sandbox box of its own, when "
     "cores of --cores are idle (1: one after another)",
     0},
    {"prefetch", 0, "SOLVEIT_PREFETCH", SV_OPT_INT, OFF(prefetch), 0, 0, 1000, "N",
     "messages taken ahead of the judging threads (the rest waits in the fetch queue)", 0},
    {"max-code-bytes", 0, "SOLVEIT_MAX_CODE_BYTES", SV_OPT_LONG, OFF(max_code_bytes), 0, 1, 64L * 1024 * 1024, "BYTES",
     "larger source code is reported as failed", 0},
    {"max-tries", 0, "SOLVEIT_MAX_TRIES", SV_OPT_INT, OFF(max_tries), 0, 1, 100, "N",
     "judgements tried after executor failures before the submission is reported failed", 0},
    {"starved-reruns", 0, "SOLVEIT_STARVED_RERUNS", SV_OPT_INT, OFF(starved_reruns), 0, 0, 10, "N",
     "runs again of a test stopped by the wall clock with less than half its CPU limit used; a test the host "
     "starved of CPU in every run fails the judgement (retried, then failed), never TLE",
     0},
    {"per-user", 0, "SOLVEIT_PER_USER", SV_OPT_INT, OFF(per_user), 0, 0, 16, "N",
     "submissions of one user judged at once by all workers of the database together (PostgreSQL advisory "
     "locks); the others wait while other users' are judged (0: no bound)",
     0},
    {"share-students", 0, "SOLVEIT_SHARE_STUDENTS", SV_OPT_INT, OFF(share_students), 0, 1, 1000, "N",
     "share of the judging threads for students' submissions when other classes wait too", 0},
    {"share-staff", 0, "SOLVEIT_SHARE_STAFF", SV_OPT_INT, OFF(share_staff), 0, 1, 1000, "N",
     "share for staff accounts' own submissions (first attempts)", 0},
    {"share-reruns", 0, "SOLVEIT_SHARE_RERUNS", SV_OPT_INT, OFF(share_reruns), 0, 1, 1000, "N",
     "share for rejudges (attempt 2 and later) and package verification runs", 0},
    {"judge0-url", 0, "SOLVEIT_JUDGE0_URL", SV_OPT_STRING, OFF(judge0_url), 0, 0, 0, "URL", "Judge0 CE 1.13 base URL",
     0},
    {"judge0-token", 0, "SOLVEIT_JUDGE0_TOKEN", SV_OPT_STRING, OFF(judge0_token), 0, 0, 0, "TOKEN",
     "Judge0 authentication token (prefer the variable: flags show in ps)", SV_OPT_SECRET},
    {"judge0-auth-header", 0, "SOLVEIT_JUDGE0_AUTH_HEADER", SV_OPT_STRING, OFF(judge0_auth_header), 0, 0, 0, "NAME",
     "header carrying the token", 0},
    {"judge0-timeout-ms", 0, "SOLVEIT_JUDGE0_TIMEOUT_MS", SV_OPT_INT, OFF(judge0_timeout_ms), 0, 100, 600000, "MS",
     "timeout of one Judge0 HTTP request", 0},
    {"judge0-retry-budget", 0, "SOLVEIT_JUDGE0_RETRY_BUDGET", SV_OPT_INT, OFF(judge0_retry_budget), 0, 0, 86400,
     "SECONDS",
     "how long network errors and 5xx answers are retried, with back-off, before Judge0 counts as down: the "
     "submission then waits, unjudged and uncommitted, until Judge0 answers again (503 is retried for as long as "
     "it lasts)",
     0},
    {"judge0-poll-min-ms", 0, "SOLVEIT_JUDGE0_POLL_MIN_MS", SV_OPT_INT, OFF(judge0_poll_min_ms), 0, 1, 60000, "MS",
     "first delay between result polls", 0},
    {"judge0-poll-max-ms", 0, "SOLVEIT_JUDGE0_POLL_MAX_MS", SV_OPT_INT, OFF(judge0_poll_max_ms), 0, 1, 600000, "MS",
     "longest delay between result polls", 0},
    {"judge0-max-wait", 0, "SOLVEIT_JUDGE0_MAX_WAIT", SV_OPT_INT, OFF(judge0_max_wait), 0, 1, 86400, "SECONDS",
     "how long a submission may stay queued or running on Judge0", 0},
    {"judge0-check-interval", 0, "SOLVEIT_JUDGE0_CHECK_INTERVAL", SV_OPT_INT, OFF(judge0_check_interval), 0, 1, 3600,
     "SECONDS",
     "how often Judge0 is checked (GET /about, with the token) while it answers; while it does not, it is "
     "probed with back-off up to this",
     0},
    {"judge0-stuck-seconds", 0, "SOLVEIT_JUDGE0_STUCK_SECONDS", SV_OPT_INT, OFF(judge0_stuck_seconds), 0, 1, 86400,
     "SECONDS", "a test In Queue this long while Judge0's queue (GET /workers) is empty is sent again", 0},
    {"judge0-resubmits", 0, "SOLVEIT_JUDGE0_RESUBMITS", SV_OPT_INT, OFF(judge0_resubmits), 0, 0, 100, "N",
     "tests sent again per judgement after Judge0 forgot their tokens or lost them from its queue; beyond this "
     "the judgement fails (and is retried, --max-tries)",
     0},
    {"shutdown-grace", 0, "SOLVEIT_SHUTDOWN_GRACE", SV_OPT_INT, OFF(shutdown_grace), 0, 0, 3600, "SECONDS",
     "on SIGTERM, time given to in-flight judgements before they are given back to Kafka", 0},
    {"stats-file", 0, "SOLVEIT_STATS_FILE", SV_OPT_STRING, OFF(stats_file), 0, 0, 0, "PATH",
     "write counters (cache hits and misses, ...) to PATH every second", 0},
    {"stats-every", 0, "SOLVEIT_STATS_EVERY", SV_OPT_INT, OFF(stats_every), 0, 0, INT_MAX, "N",
     "log the counters every N judged submissions (0: never)", 0},
    {"metrics-listen", 0, "SOLVEIT_METRICS_LISTEN", SV_OPT_STRING, OFF(metrics_listen), 0, 0, 0, "ADDR:PORT",
     "serve Prometheus metrics at http://ADDR:PORT/metrics (127.0.0.1:9464, [::1]:9464; empty: off)", 0},
    {"log-level", 'l', "SOLVEIT_LOG_LEVEL", SV_OPT_LOGLEVEL, OFF(log_level), 0, 0, 0, "LEVEL",
     "err, warning, notice, info or debug", 0},
    {"foreground", 'f', "SOLVEIT_FOREGROUND", SV_OPT_FLAG, OFF(foreground), 0, 0, 0, NULL,
     "log to stderr instead of syslog", 0},
    SV_KEY_FILE_OPTION(worker_config, key_file),
    {"help", 'h', NULL, SV_OPT_HELP, 0, 0, 0, 0, NULL, "show this help", 0},
    {"version", 'V', NULL, SV_OPT_VERSION, 0, 0, 0, 0, NULL, "show the version", 0},
};

void worker_config_init(worker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->brokers = strdup("127.0.0.1:9092");
	cfg->group_id = strdup("judge-workers");
	cfg->topic_submissions = strdup(SV_TOPIC_SUBMISSIONS);
	cfg->topic_results = strdup(SV_TOPIC_RESULTS);
	cfg->topic_dead = strdup(SV_TOPIC_SUBMISSIONS_DEAD);
	cfg->topic_runs = strdup(SV_TOPIC_RUNS);
	cfg->db = strdup("");
	cfg->redis = strdup("127.0.0.1:6379");
	cfg->redis_password_file = strdup("");
	cfg->redis_timeout_ms = 200;
	cfg->cache_ttl = 3600;
	cfg->revision_poll_ms = 1000;
	cfg->test_cache_dir = strdup("/var/cache/solveit/tests");
	cfg->test_cache_max_mb = 2048;
	cfg->compile_cache_dir = strdup(COMPILE_CACHE_DEFAULT_DIR);
	cfg->compile_cache_max_bytes = COMPILE_CACHE_DEFAULT_MAX_BYTES;
	cfg->executor = strdup("local");
	cfg->cores = worker_cores_detect();
	cfg->concurrency = cfg->cores;
	cfg->parallel_tests = 8;
	cfg->prefetch = 4;
	cfg->max_code_bytes = 256 * 1024;
	cfg->max_tries = 3;
	cfg->starved_reruns = 2;
	cfg->per_user = 1;
	cfg->share_students = 4;
	cfg->share_staff = 4;
	cfg->share_reruns = 1;
	cfg->judge0_url = strdup("http://127.0.0.1:2358");
	cfg->judge0_token = strdup("");
	cfg->judge0_auth_header = strdup("X-Auth-Token");
	cfg->judge0_timeout_ms = 30000;
	cfg->judge0_retry_budget = 120;
	cfg->judge0_poll_min_ms = 100;
	cfg->judge0_poll_max_ms = 2000;
	cfg->judge0_max_wait = 600;
	cfg->judge0_check_interval = 30;
	cfg->judge0_stuck_seconds = 60;
	cfg->judge0_resubmits = 3;
	cfg->shutdown_grace = 20;
	cfg->stats_file = strdup("");
	cfg->stats_every = 100;
	cfg->metrics_listen = strdup("");
	cfg->log_level = SV_LOG_INFO;
	cfg->foreground = 0;
	cfg->key_file = strdup(SV_KEY_FILE_DEFAULT);
}

SV_OPTIONS_SPEC(spec, "judge-worker",
		"Judges the submissions of the code-submissions topic and reports to code-results.\n"
		"Every option can also be set by the environment variable named after it.",
		"Signals: SIGTERM/SIGINT stop taking work, finish or give back what is in flight and exit;\n"
		"SIGUSR1 logs the counters.\nExit status: 0 clean stop, 1 bad configuration, 2 runtime failure.\n",
		options, worker_config, worker_config_init);

void worker_config_free(worker_config *cfg)
{
	sv_keyring_free(cfg->keyring);
	cfg->keyring = NULL;
	sv_options_free(&spec, cfg);
}

int worker_config_load(worker_config *cfg, int argc, char **argv, worker_getenv_fn *get_env, FILE *out, char *err,
		       size_t errlen)
{
	return sv_options_load(&spec, cfg, argc, argv, get_env, out, err, errlen);
}

int worker_config_check(const worker_config *cfg, char *err, size_t errlen)
{
	char host[256];
	int port;

	if (strcmp(cfg->executor, "local") != 0 && strcmp(cfg->executor, "judge0") != 0) {
		snprintf(err, errlen, "--executor / SOLVEIT_EXECUTOR: \"%s\" is not local or judge0", cfg->executor);
		return -1;
	}
	if (cfg->judge0_poll_min_ms > cfg->judge0_poll_max_ms) {
		snprintf(err, errlen, "--judge0-poll-min-ms (%d) is above --judge0-poll-max-ms (%d)",
			 cfg->judge0_poll_min_ms, cfg->judge0_poll_max_ms);
		return -1;
	}
	if (!strcmp(cfg->executor, "judge0") && strncmp(cfg->judge0_url, "http://", 7) != 0 &&
	    strncmp(cfg->judge0_url, "https://", 8) != 0) {
		snprintf(err, errlen, "--judge0-url / SOLVEIT_JUDGE0_URL: \"%s\" is not an http(s) URL",
			 cfg->judge0_url);
		return -1;
	}
	if (*cfg->redis && strcmp(cfg->redis, "none") != 0 &&
	    worker_parse_host_port(cfg->redis, host, sizeof(host), &port) < 0) {
		snprintf(err, errlen, "--redis / SOLVEIT_REDIS: \"%s\" is not host:port or an absolute socket path",
			 cfg->redis);
		return -1;
	}
	if (cfg->test_cache_dir[0] != '/') {
		snprintf(err, errlen, "--test-cache-dir / SOLVEIT_TEST_CACHE_DIR: \"%s\" is not an absolute path",
			 cfg->test_cache_dir);
		return -1;
	}
	if (cfg->compile_cache_dir[0] != '/' && strcmp(cfg->compile_cache_dir, "none") != 0) {
		snprintf(err, errlen,
			 "--compile-cache / SOLVEIT_COMPILE_CACHE: \"%s\" is neither an absolute path nor none",
			 cfg->compile_cache_dir);
		return -1;
	}
	for (const char *p = cfg->judge0_auth_header; *p; p++)
		if (*p <= ' ' || *p == ':' || *p >= 127) {
			snprintf(err, errlen, "--judge0-auth-header: \"%s\" is not a header name",
				 cfg->judge0_auth_header);
			return -1;
		}
	return 0;
}

int worker_parse_host_port(const char *text, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : strlen(text);
	long long p = 6379;

	if (text[0] == '/') {
		if (strlen(text) >= hostlen)
			return -1;
		strcpy(host, text);
		*port = 0;
		return 0;
	}
	if (n == 0 || n >= hostlen)
		return -1;
	if (colon && sv_parse_ll(colon + 1, 1, 65535, &p) < 0)
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	*port = (int)p;
	return 0;
}

void worker_config_usage(FILE *out)
{
	sv_options_usage(&spec, out);
}
