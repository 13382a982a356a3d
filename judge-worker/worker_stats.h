#ifndef WORKER_STATS_H
#define WORKER_STATS_H

/* Process-wide counters, visible in the stats file (--stats-file), in a log line every
 * --stats-every judged submissions and on SIGUSR1. Updated from any thread. */

typedef enum {
	STAT_RECEIVED,          /* messages taken from code-submissions */
	STAT_COMPLETED,         /* final results "completed" delivered */
	STAT_FAILED,            /* final results "failed" delivered */
	STAT_DEAD_LETTERED,     /* messages sent to the dead-letter topic */
	STAT_GIVEN_BACK,        /* judgements abandoned at shutdown or rebalance, left for redelivery */
	STAT_CACHE_HITS,        /* task data found in Redis */
	STAT_CACHE_MISSES,      /* task data not in Redis: loaded from PostgreSQL and stored */
	STAT_CACHE_ERRORS,      /* Redis down, slow or answering garbage: PostgreSQL used instead */
	STAT_DB_TASK_LOADS,     /* task + tests queries on PostgreSQL */
	STAT_DB_REVISION_SCANS, /* revision scans of the watcher (one per period, not per submission) */
	STAT_DB_ERRORS,
	STAT_EXECUTOR_RETRIES, /* judgements retried after an executor failure */
	STAT_JUDGE0_RETRIES,   /* Judge0 requests retried (503, network) */
	STAT_DUPLICATES,       /* a submission's attempt received again after its final result was delivered */
	STAT_DEFERRED,         /* submissions put back in the queue: their user had one in flight (fair scheduling) */
	STAT_STARVED_RERUNS,   /* tests run again after a wall-clock kill with little CPU (load, not the program) */
	STAT_STARVED_FAILURES, /* judgements given up because the host starved a test in every run */
	/* Judge0's health (executor_judge0.c). judge0_up is a gauge, the others are counters. */
	STAT_JUDGE0_UP,            /* 1 while Judge0 answers its checks and requests, 0 during an outage */
	STAT_JUDGE0_CHECKS_FAILED, /* checks of Judge0 (GET /about, at start POST /authenticate) that failed */
	STAT_JUDGE0_OUTAGES,       /* outages begun: Judge0 down beyond --judge0-retry-budget, or refusing the token */
	STAT_JUDGE0_LOST_TOKENS,   /* tokens Judge0 no longer knew (null in a batch GET: it lost its database) */
	STAT_JUDGE0_STUCK,         /* tokens In Queue beyond --judge0-stuck-seconds with Judge0's queue empty */
	STAT_JUDGE0_RESUBMITS,     /* tests sent to Judge0 again after a lost or stuck token */
	/* Consumption held while the executor's service is down (worker_queue.h, wq_hold). */
	STAT_CONSUMPTION_PAUSED, /* gauge: 1 while no job starts and nothing more is taken from Kafka */
	STAT_CONSUMPTION_PAUSES, /* times consumption was paused */
	/* The local executor's compile cache (compile_cache.h). */
	STAT_COMPILE_CACHE_HITS,   /* compilations skipped: the program (or its compile error) was kept */
	STAT_COMPILE_CACHE_MISSES, /* compilations run with the cache on (then kept when deterministic) */
	STAT_COUNT
} worker_stat;

void stats_add(worker_stat which, long n);
/* For a gauge: its value now. */
void stats_set(worker_stat which, long value);
long stats_get(worker_stat which);
/* 1 for a gauge (a value now, may go down), 0 for a counter (only grows): for exporters. */
int stats_is_gauge(worker_stat which);
const char *stats_name(worker_stat which);

/* The (submission, attempt) pairs whose final result this process delivered, the last
 * STATS_FINALS_KEPT of them; what came before is forgotten. */
#define STATS_FINALS_KEPT 8192

void stats_final_delivered(long long submission_id, int attempt);

/* 1 when the final result of this attempt was delivered already (counted in STAT_DUPLICATES), 0 for
 * one not seen. */
int stats_duplicate(long long submission_id, int attempt);

/* The same without counting it (worker_queue.c: a twin waiting for its sibling's final). */
int stats_final_known(long long submission_id, int attempt);

/* Forgets every delivered final and zeroes the counters (for the tests). */
void stats_reset(void);

/* "received=3 completed=2 ..." into buf. */
void stats_format(char *buf, unsigned long buflen);

/* Writes "name value" lines to path atomically (tmp file + rename). Returns 0 or -1. */
int stats_write_file(const char *path);

#endif
