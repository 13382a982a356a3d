#include "worker_config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sv_log.h"
#include "sv_version.h"

typedef enum {
	OPT_STRING,
	OPT_INT,
	OPT_LONG,
	OPT_FLAG,     /* no argument on the command line; "1"/"0" in the environment */
	OPT_KAFKA,    /* -X key=value, repeatable; the variable holds space-separated options */
	OPT_LOGLEVEL, /* err, warning, notice, info, debug */
	OPT_HELP,
	OPT_VERSION,
} opt_type;

typedef struct {
	const char *name; /* long flag without "--" */
	char short_name;
	const char *env;
	opt_type type;
	size_t offset;
	long min, max;
	const char *arg;
	const char *help;
} opt_def;

#define OFF(field) offsetof(worker_config, field)

static const opt_def options[] = {
    {"brokers", 'b', "SOLVEIT_KAFKA_BROKERS", OPT_STRING, OFF(brokers), 0, 0, "LIST",
     "Kafka bootstrap servers (host:port,...)"},
    {"kafka-option", 'X', "SOLVEIT_KAFKA_OPTIONS", OPT_KAFKA, 0, 0, 0, "KEY=VALUE",
     "librdkafka option for the consumer and the producer; repeatable (variable: space-separated)"},
    {"group", 0, "SOLVEIT_GROUP_ID", OPT_STRING, OFF(group_id), 0, 0, "NAME", "consumer group"},
    {"topic-submissions", 0, "SOLVEIT_TOPIC_SUBMISSIONS", OPT_STRING, OFF(topic_submissions), 0, 0, "TOPIC",
     "topic to judge from"},
    {"topic-results", 0, "SOLVEIT_TOPIC_RESULTS", OPT_STRING, OFF(topic_results), 0, 0, "TOPIC",
     "topic for progress events and final results"},
    {"topic-dead", 0, "SOLVEIT_TOPIC_DEAD", OPT_STRING, OFF(topic_dead), 0, 0, "TOPIC",
     "dead-letter topic for messages without a submission id"},
    {"db", 'd', "SOLVEIT_DB", OPT_STRING, OFF(db), 0, 0, "CONNINFO", "PostgreSQL connection (libpq conninfo)"},
    {"redis", 'r', "SOLVEIT_REDIS", OPT_STRING, OFF(redis), 0, 0, "HOST:PORT",
     "Redis test-data cache; \"none\" turns the cache off"},
    {"redis-timeout-ms", 0, "SOLVEIT_REDIS_TIMEOUT_MS", OPT_INT, OFF(redis_timeout_ms), 1, 60000, "MS",
     "Redis connect and command timeout; a slower Redis is bypassed"},
    {"cache-ttl", 0, "SOLVEIT_CACHE_TTL", OPT_INT, OFF(cache_ttl), 1, 30 * 86400, "SECONDS",
     "lifetime of a cached task"},
    {"revision-poll-ms", 0, "SOLVEIT_REVISION_POLL_MS", OPT_INT, OFF(revision_poll_ms), 50, 600000, "MS",
     "how often task revisions are re-read from PostgreSQL (one query per period, not per submission)"},
    {"executor", 'e', "SOLVEIT_EXECUTOR", OPT_STRING, OFF(executor), 0, 0, "NAME",
     "where programs run: local (the built-in sandbox) or judge0"},
    {"concurrency", 'j', "SOLVEIT_CONCURRENCY", OPT_INT, OFF(concurrency), 1, 256, "N",
     "submissions judged at once by this process"},
    {"prefetch", 0, "SOLVEIT_PREFETCH", OPT_INT, OFF(prefetch), 0, 1000, "N",
     "messages taken ahead of the judging threads (the rest waits in the fetch queue)"},
    {"max-code-bytes", 0, "SOLVEIT_MAX_CODE_BYTES", OPT_LONG, OFF(max_code_bytes), 1, 64L * 1024 * 1024, "BYTES",
     "larger source code is reported as failed"},
    {"max-tries", 0, "SOLVEIT_MAX_TRIES", OPT_INT, OFF(max_tries), 1, 100, "N",
     "judgements tried after executor failures before the submission is reported failed"},
    {"judge0-url", 0, "SOLVEIT_JUDGE0_URL", OPT_STRING, OFF(judge0_url), 0, 0, "URL", "Judge0 CE 1.13 base URL"},
    {"judge0-token", 0, "SOLVEIT_JUDGE0_TOKEN", OPT_STRING, OFF(judge0_token), 0, 0, "TOKEN",
     "Judge0 authentication token (prefer the variable: flags show in ps)"},
    {"judge0-auth-header", 0, "SOLVEIT_JUDGE0_AUTH_HEADER", OPT_STRING, OFF(judge0_auth_header), 0, 0, "NAME",
     "header carrying the token"},
    {"judge0-timeout-ms", 0, "SOLVEIT_JUDGE0_TIMEOUT_MS", OPT_INT, OFF(judge0_timeout_ms), 100, 600000, "MS",
     "timeout of one Judge0 HTTP request"},
    {"judge0-retry-budget", 0, "SOLVEIT_JUDGE0_RETRY_BUDGET", OPT_INT, OFF(judge0_retry_budget), 0, 86400, "SECONDS",
     "how long 503 answers and network errors are retried, with back-off, per submission"},
    {"judge0-poll-min-ms", 0, "SOLVEIT_JUDGE0_POLL_MIN_MS", OPT_INT, OFF(judge0_poll_min_ms), 1, 60000, "MS",
     "first delay between result polls"},
    {"judge0-poll-max-ms", 0, "SOLVEIT_JUDGE0_POLL_MAX_MS", OPT_INT, OFF(judge0_poll_max_ms), 1, 600000, "MS",
     "longest delay between result polls"},
    {"judge0-max-wait", 0, "SOLVEIT_JUDGE0_MAX_WAIT", OPT_INT, OFF(judge0_max_wait), 1, 86400, "SECONDS",
     "how long a submission may stay queued or running on Judge0"},
    {"shutdown-grace", 0, "SOLVEIT_SHUTDOWN_GRACE", OPT_INT, OFF(shutdown_grace), 0, 3600, "SECONDS",
     "on SIGTERM, time given to in-flight judgements before they are given back to Kafka"},
    {"stats-file", 0, "SOLVEIT_STATS_FILE", OPT_STRING, OFF(stats_file), 0, 0, "PATH",
     "write counters (cache hits and misses, ...) to PATH every second"},
    {"stats-every", 0, "SOLVEIT_STATS_EVERY", OPT_INT, OFF(stats_every), 0, INT_MAX, "N",
     "log the counters every N judged submissions (0: never)"},
    {"log-level", 'l', "SOLVEIT_LOG_LEVEL", OPT_LOGLEVEL, OFF(log_level), 0, 0, "LEVEL",
     "err, warning, notice, info or debug"},
    {"foreground", 'f', "SOLVEIT_FOREGROUND", OPT_FLAG, OFF(foreground), 0, 0, NULL, "log to stderr instead of syslog"},
    {"help", 'h', NULL, OPT_HELP, 0, 0, 0, NULL, "show this help"},
    {"version", 'V', NULL, OPT_VERSION, 0, 0, 0, NULL, "show the version"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static void set_string(char **slot, const char *value)
{
	free(*slot);
	*slot = strdup(value);
}

void worker_config_init(worker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->brokers = strdup("127.0.0.1:9092");
	cfg->group_id = strdup("judge-workers");
	cfg->topic_submissions = strdup(SV_TOPIC_SUBMISSIONS);
	cfg->topic_results = strdup(SV_TOPIC_RESULTS);
	cfg->topic_dead = strdup(SV_TOPIC_SUBMISSIONS_DEAD);
	cfg->db = strdup("");
	cfg->redis = strdup("127.0.0.1:6379");
	cfg->redis_timeout_ms = 200;
	cfg->cache_ttl = 3600;
	cfg->revision_poll_ms = 1000;
	cfg->executor = strdup("local");
	cfg->concurrency = 2;
	cfg->prefetch = 4;
	cfg->max_code_bytes = 256 * 1024;
	cfg->max_tries = 3;
	cfg->judge0_url = strdup("http://127.0.0.1:2358");
	cfg->judge0_token = strdup("");
	cfg->judge0_auth_header = strdup("X-Auth-Token");
	cfg->judge0_timeout_ms = 30000;
	cfg->judge0_retry_budget = 120;
	cfg->judge0_poll_min_ms = 100;
	cfg->judge0_poll_max_ms = 2000;
	cfg->judge0_max_wait = 600;
	cfg->shutdown_grace = 20;
	cfg->stats_file = strdup("");
	cfg->stats_every = 100;
	cfg->log_level = SV_LOG_INFO;
	cfg->foreground = 0;
}

void worker_config_free(worker_config *cfg)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].type == OPT_STRING) {
			char **slot = (char **)((char *)cfg + options[i].offset);
			free(*slot);
			*slot = NULL;
		}
	for (size_t i = 0; i < cfg->kafka_option_count; i++)
		free(cfg->kafka_options[i]);
	cfg->kafka_option_count = 0;
}

static int parse_long(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int add_kafka_option(worker_config *cfg, const char *opt, char *err, size_t errlen, const char *who)
{
	const char *eq = strchr(opt, '=');

	if (!eq || eq == opt || eq[1] == '\0') {
		snprintf(err, errlen, "%s: \"%s\" is not key=value", who, opt);
		return -1;
	}
	if (cfg->kafka_option_count >= WORKER_MAX_KAFKA_OPTIONS) {
		snprintf(err, errlen, "%s: more than %d Kafka options", who, WORKER_MAX_KAFKA_OPTIONS);
		return -1;
	}
	cfg->kafka_options[cfg->kafka_option_count++] = strdup(opt);
	return 0;
}

static const char *const level_names[] = {"err", "warning", "notice", "info", "debug"};

static int apply(worker_config *cfg, const opt_def *o, const char *value, const char *who, char *err, size_t errlen)
{
	void *slot = (char *)cfg + o->offset;
	long v;

	switch (o->type) {
	case OPT_STRING:
		set_string((char **)slot, value);
		return 0;
	case OPT_INT:
	case OPT_LONG:
		if (parse_long(value, o->min, o->max, &v) < 0) {
			snprintf(err, errlen, "%s: \"%s\" is not a number from %ld to %ld", who, value, o->min, o->max);
			return -1;
		}
		if (o->type == OPT_INT)
			*(int *)slot = (int)v;
		else
			*(long *)slot = v;
		return 0;
	case OPT_FLAG:
		if (!strcmp(value, "1") || !strcmp(value, "yes") || !strcmp(value, "true"))
			*(int *)slot = 1;
		else if (!strcmp(value, "0") || !strcmp(value, "no") || !strcmp(value, "false") || !*value)
			*(int *)slot = 0;
		else {
			snprintf(err, errlen, "%s: \"%s\" is not 1 or 0", who, value);
			return -1;
		}
		return 0;
	case OPT_KAFKA: {
		/* The variable holds several options separated by spaces; a flag holds one. */
		char *copy = strdup(value), *save = NULL;
		int rc = 0;
		for (char *tok = strtok_r(copy, " \t\n", &save); tok && rc == 0; tok = strtok_r(NULL, " \t\n", &save))
			rc = add_kafka_option(cfg, tok, err, errlen, who);
		free(copy);
		return rc;
	}
	case OPT_LOGLEVEL:
		for (int i = 0; i < 5; i++)
			if (!strcmp(value, level_names[i])) {
				*(int *)slot = SV_LOG_ERR + i;
				return 0;
			}
		snprintf(err, errlen, "%s: \"%s\" is not one of err, warning, notice, info, debug", who, value);
		return -1;
	default:
		return 0;
	}
}

int worker_config_load(worker_config *cfg, int argc, char **argv, worker_getenv_fn *get_env, FILE *out, char *err,
		       size_t errlen)
{
	for (size_t i = 0; get_env && i < N_OPTIONS; i++) {
		const char *value;
		if (!options[i].env || !(value = get_env(options[i].env)))
			continue;
		if (apply(cfg, &options[i], value, options[i].env, err, errlen) < 0)
			return -1;
	}
	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a], *value = NULL;
		const opt_def *o = NULL;
		char who[80];
		size_t namelen;

		if (arg[0] == '-' && arg[1] == '-' && arg[2]) {
			const char *eq = strchr(arg + 2, '=');
			namelen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			for (size_t i = 0; i < N_OPTIONS && !o; i++)
				if (strlen(options[i].name) == namelen && !strncmp(options[i].name, arg + 2, namelen))
					o = &options[i];
			if (eq)
				value = eq + 1;
		} else if (arg[0] == '-' && arg[1] && !arg[2]) {
			for (size_t i = 0; i < N_OPTIONS && !o; i++)
				if (options[i].short_name == arg[1])
					o = &options[i];
		}
		if (!o) {
			snprintf(err, errlen, "unknown argument \"%s\" (see --help)", arg);
			return -1;
		}
		snprintf(who, sizeof(who), "--%s", o->name);
		if (o->type == OPT_HELP) {
			worker_config_usage(out);
			return 1;
		}
		if (o->type == OPT_VERSION) {
			fprintf(out, "judge-worker %s\n", SV_VERSION);
			return 1;
		}
		if (o->type == OPT_FLAG) {
			if (value) {
				if (apply(cfg, o, value, who, err, errlen) < 0)
					return -1;
			} else {
				*(int *)((char *)cfg + o->offset) = 1;
			}
			continue;
		}
		if (!value) {
			if (a + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value", who);
				return -1;
			}
			value = argv[++a];
		}
		if (apply(cfg, o, value, who, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int worker_config_check(const worker_config *cfg, char *err, size_t errlen)
{
	char host[256];
	int port;

	if (strcmp(cfg->executor, "local") != 0 && strcmp(cfg->executor, "judge0") != 0) {
		snprintf(err, errlen, "--executor / SOLVEIT_EXECUTOR: \"%s\" is not local or judge0", cfg->executor);
		return -1;
	}
	if (!*cfg->brokers) {
		snprintf(err, errlen, "--brokers / SOLVEIT_KAFKA_BROKERS is empty");
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
		snprintf(err, errlen, "--redis / SOLVEIT_REDIS: \"%s\" is not host:port", cfg->redis);
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
	long p = 6379;

	if (n == 0 || n >= hostlen)
		return -1;
	if (colon && parse_long(colon + 1, 1, 65535, &p) < 0)
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	*port = (int)p;
	return 0;
}

void worker_config_usage(FILE *out)
{
	worker_config defaults;

	worker_config_init(&defaults);
	fprintf(out, "usage: judge-worker [options]\n"
		     "Judges the submissions of the code-submissions topic and reports to code-results.\n"
		     "Every option can also be set by the environment variable named after it.\n\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const opt_def *o = &options[i];
		char flag[64];

		if (o->short_name)
			snprintf(flag, sizeof(flag), "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(flag, sizeof(flag), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-34s %s", flag, o->help);
		if (o->type == OPT_STRING) {
			const char *def = *(char **)((char *)&defaults + o->offset);
			if (def && *def && o->offset != OFF(judge0_token))
				fprintf(out, " [%s]", def);
		} else if (o->type == OPT_INT) {
			fprintf(out, " [%d]", *(int *)((char *)&defaults + o->offset));
		} else if (o->type == OPT_LONG) {
			fprintf(out, " [%ld]", *(long *)((char *)&defaults + o->offset));
		} else if (o->type == OPT_LOGLEVEL) {
			fprintf(out, " [info]");
		}
		if (o->env)
			fprintf(out, "\n  %-34s ($%s)", "", o->env);
		fputc('\n', out);
	}
	fprintf(out,
		"\nSignals: SIGTERM/SIGINT stop taking work, finish or give back what is in flight and exit;\n"
		"SIGUSR1 logs the counters.\nExit status: 0 clean stop, 1 bad configuration, 2 runtime failure.\n");
	worker_config_free(&defaults);
}
