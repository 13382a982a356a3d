#ifndef WORKER_CONFIG_H
#define WORKER_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "sv_mac.h"
#include "sv_options.h"

/* The judge-worker's settings: defaults, then SOLVEIT_* environment variables, then command-line
 * flags (later wins). The table in worker_config.c names every setting, its flag, its variable and
 * its help text for sv_options, so --help and the man page list the same things. */

typedef struct {
	/* Kafka */
	char *brokers;
	char *group_id;
	char *topic_submissions;
	char *topic_results;
	char *topic_dead;
	char *topic_runs;                          /* sample runs; "" or "none": not consumed */
	char *kafka_options[SV_MAX_KAFKA_OPTIONS]; /* "key=value", passed to librdkafka as is */
	size_t kafka_option_count;
	/* Task data */
	char *db;             /* libpq conninfo */
	char *redis;          /* host:port or a Unix socket path; "" or "none": no cache */
	int redis_timeout_ms; /* connect and command timeout */
	int cache_ttl;        /* seconds */
	int revision_poll_ms; /* how often task revisions are re-read from PostgreSQL */
	char *test_cache_dir; /* the local file cache of test data (test_cache.h) */
	int test_cache_max_mb;
	char *compile_cache_dir; /* the local executor's compile cache (compile_cache.h); "none": off */
	long compile_cache_max_bytes;
	/* Redis's requirepass, the first line of this file; "": no AUTH */
	char *redis_password_file;
	/* Execution */
	char *executor;  /* "local" or "judge0" */
	int concurrency; /* submissions judged at once; default: the cores (worker_cores.h) */
	/* Judging near the sandbox's capacity (issue 16): the core budget every judgement shares, and how
	 * many tests of one submission may run at once on its idle slots (1: one after another). */
	int cores;
	int parallel_tests;
	int prefetch; /* messages taken ahead, waiting for a free thread */
	long max_code_bytes;
	int max_tries; /* judgements attempted before a submission is reported failed */
	/* Judging under load (doc/security.md) */
	int starved_reruns; /* runs again of a test the wall clock stopped with little CPU used */
	int per_user;       /* submissions of one user judged at once by every worker together; 0: no bound */
	int share_students; /* the classes' shares of the judging threads when all three wait */
	int share_staff;
	int share_reruns;
	char *judge0_url;
	char *judge0_token; /* sent in judge0_auth_header when set */
	char *judge0_auth_header;
	int judge0_timeout_ms;   /* one HTTP request */
	int judge0_retry_budget; /* seconds of 503 / network errors tolerated per submission */
	int judge0_poll_min_ms;
	int judge0_poll_max_ms;
	int judge0_max_wait; /* seconds a submission may stay unfinished on Judge0 */
	/* Judge0 outages and lost queues (executor_judge0.c) */
	int judge0_check_interval; /* seconds between checks of GET /about; the longest probe back-off while down */
	int judge0_stuck_seconds;  /* In Queue this long with Judge0's queue empty: the token is lost */
	int judge0_resubmits;      /* lost or stuck tokens sent again per judgement before it fails */
	/* Process */
	int shutdown_grace; /* seconds to finish in-flight work on SIGTERM */
	char *stats_file;   /* written every second when set */
	int stats_every;    /* a stats log line every N judged submissions; 0: never */
	int log_level;      /* sv_log_level */
	int foreground;
	/* --metrics-listen ADDR:PORT of the /metrics listener; "": none */
	char *metrics_listen;
	/* Kafka message and Redis value authentication (sv_kafka_mac.h, sv_cache_mac.h) */
	char *key_file;      /* --key-file, SOLVEIT_KEY_FILE */
	sv_keyring *keyring; /* loaded from key_file by main; freed by worker_config_free */
} worker_config;

/* How the loader reads the environment: getenv in the daemon, a table in the unit tests. */
typedef sv_getenv_fn worker_getenv_fn;

/* Fills defaults. */
void worker_config_init(worker_config *cfg);

/* Applies the environment (via get_env, may be NULL) and then argv. Returns 0; SV_OPTIONS_HELP or
 * SV_OPTIONS_VERSION when asked for (the text is printed to out); -1 with a reason naming the flag or the
 * variable in err. */
int worker_config_load(worker_config *cfg, int argc, char **argv, worker_getenv_fn *get_env, FILE *out, char *err,
		       size_t errlen);

/* Checks cross-setting consistency (executor name, poll bounds, ...). 0 or -1 with err. */
int worker_config_check(const worker_config *cfg, char *err, size_t errlen);

void worker_config_free(worker_config *cfg);

/* The --help text. */
void worker_config_usage(FILE *out);

/* Splits "host:port" (port defaults to 6379); a text starting with '/' is a Unix socket path
 * (host set to it, port 0). Returns 0, or -1 when malformed. host must hold
 * hostlen bytes. */
int worker_parse_host_port(const char *text, char *host, size_t hostlen, int *port);

#endif
