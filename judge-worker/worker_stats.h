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
	STAT_COUNT
} worker_stat;

void stats_add(worker_stat which, long n);
long stats_get(worker_stat which);
const char *stats_name(worker_stat which);

/* "received=3 completed=2 ..." into buf. */
void stats_format(char *buf, unsigned long buflen);

/* Writes "name value" lines to path atomically (tmp file + rename). Returns 0 or -1. */
int stats_write_file(const char *path);

#endif
