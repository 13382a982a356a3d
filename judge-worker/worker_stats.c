#include "worker_stats.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static long counters[STAT_COUNT];

/* A ring: the oldest final is the first forgotten. A linear scan of a few thousand pairs costs far
 * less than parsing the message it is done for. */
static struct {
	pthread_mutex_t lock;
	struct {
		long long submission_id;
		int attempt;
	} kept[STATS_FINALS_KEPT];
	size_t next, count;
} finals = {PTHREAD_MUTEX_INITIALIZER, {{0, 0}}, 0, 0};

static const char *const names[STAT_COUNT] = {
    "received",
    "completed",
    "failed",
    "dead_lettered",
    "given_back",
    "cache_hits",
    "cache_misses",
    "cache_errors",
    "db_task_loads",
    "db_revision_scans",
    "db_errors",
    "executor_retries",
    "judge0_retries",
    "duplicates",
    "deferred",
    "starved_reruns",
    "starved_failures",
    "judge0_up",
    "judge0_checks_failed",
    "judge0_outages",
    "judge0_lost_tokens",
    "judge0_stuck",
    "judge0_resubmits",
    "consumption_paused",
    "consumption_pauses",
    "compile_cache_hits",
    "compile_cache_misses",
};

void stats_add(worker_stat which, long n)
{
	__atomic_add_fetch(&counters[which], n, __ATOMIC_RELAXED);
}

void stats_set(worker_stat which, long value)
{
	__atomic_store_n(&counters[which], value, __ATOMIC_RELAXED);
}

int stats_is_gauge(worker_stat which)
{
	return which == STAT_JUDGE0_UP || which == STAT_CONSUMPTION_PAUSED;
}

long stats_get(worker_stat which)
{
	return __atomic_load_n(&counters[which], __ATOMIC_RELAXED);
}

void stats_final_delivered(long long submission_id, int attempt)
{
	pthread_mutex_lock(&finals.lock);
	finals.kept[finals.next].submission_id = submission_id;
	finals.kept[finals.next].attempt = attempt;
	finals.next = (finals.next + 1) % STATS_FINALS_KEPT;
	if (finals.count < STATS_FINALS_KEPT)
		finals.count++;
	pthread_mutex_unlock(&finals.lock);
}

int stats_final_known(long long submission_id, int attempt)
{
	int seen = 0;

	pthread_mutex_lock(&finals.lock);
	for (size_t i = 0; i < finals.count && !seen; i++)
		seen = finals.kept[i].submission_id == submission_id && finals.kept[i].attempt == attempt;
	pthread_mutex_unlock(&finals.lock);
	return seen;
}

int stats_duplicate(long long submission_id, int attempt)
{
	int seen = stats_final_known(submission_id, attempt);

	if (seen)
		stats_add(STAT_DUPLICATES, 1);
	return seen;
}

void stats_reset(void)
{
	pthread_mutex_lock(&finals.lock);
	finals.next = finals.count = 0;
	pthread_mutex_unlock(&finals.lock);
	for (int i = 0; i < STAT_COUNT; i++)
		__atomic_store_n(&counters[i], 0, __ATOMIC_RELAXED);
}

const char *stats_name(worker_stat which)
{
	return names[which];
}

void stats_format(char *buf, unsigned long buflen)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < STAT_COUNT && used < buflen; i++) {
		int n =
		    snprintf(buf + used, buflen - used, "%s%s=%ld", i ? " " : "", names[i], stats_get((worker_stat)i));
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int stats_write_file(const char *path)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	for (int i = 0; i < STAT_COUNT; i++)
		fprintf(f, "%s %ld\n", names[i], stats_get((worker_stat)i));
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		remove(tmp);
		return -1;
	}
	return 0;
}
