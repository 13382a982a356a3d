#include "worker_stats.h"

#include <stdio.h>
#include <string.h>

static long counters[STAT_COUNT];

static const char *const names[STAT_COUNT] = {
    "received",   "completed",        "failed",         "dead_lettered", "given_back",
    "cache_hits", "cache_misses",     "cache_errors",   "db_task_loads", "db_revision_scans",
    "db_errors",  "executor_retries", "judge0_retries",
};

void stats_add(worker_stat which, long n)
{
	__atomic_add_fetch(&counters[which], n, __ATOMIC_RELAXED);
}

long stats_get(worker_stat which)
{
	return __atomic_load_n(&counters[which], __ATOMIC_RELAXED);
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
