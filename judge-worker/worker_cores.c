/* The worker's cores and the budget its judgements share (worker_cores.h). */
#define _GNU_SOURCE
#include "worker_cores.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- how many cores ---- */

static char *read_small(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 4096);
	n = buf ? fread(buf, 1, 4095, f) : 0;
	fclose(f);
	if (buf && n == 0) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

double worker_cores_parse_cpu_max(const char *text)
{
	long long quota, period;
	char word[32];

	if (!text || sscanf(text, "%31s %lld", word, &period) != 2 || !strcmp(word, "max") || period <= 0)
		return 0;
	if (sscanf(word, "%lld", &quota) != 1 || quota <= 0)
		return 0;
	return (double)quota / (double)period;
}

/* The quota of cgroup v1's files in dir, 0 for none. */
static double v1_quota(const char *dir)
{
	char path[4200], *q, *p;
	long long quota = -1, period = 0;

	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
	q = read_small(path);
	snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
	p = read_small(path);
	if (q && p && sscanf(q, "%lld", &quota) == 1 && sscanf(p, "%lld", &period) == 1 && quota > 0 && period > 0) {
		free(q);
		free(p);
		return (double)quota / (double)period;
	}
	free(q);
	free(p);
	return 0;
}

static double v2_quota(const char *dir)
{
	char path[4200], *text;
	double cpus;

	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	text = read_small(path);
	cpus = worker_cores_parse_cpu_max(text);
	free(text);
	return cpus;
}

/* The smallest quota of the cgroup at base + rel and of its ancestors up to base; 0 for none. */
static double lowest_quota(const char *base, const char *rel, double (*quota_of)(const char *))
{
	char dir[4096];
	double lowest = 0;
	size_t len;

	if (snprintf(dir, sizeof(dir), "%s%s", base, rel) >= (int)sizeof(dir))
		return 0;
	len = strlen(base);
	for (;;) {
		double q = quota_of(dir);
		char *slash;

		if (q > 0 && (lowest == 0 || q < lowest))
			lowest = q;
		slash = strrchr(dir + len, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return lowest;
}

/* 1 when the comma-separated list names controller. */
static int has_controller(const char *list, size_t len, const char *controller)
{
	size_t n = strlen(controller);

	for (const char *p = list, *end = list + len; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t word = comma ? (size_t)(comma - p) : (size_t)(end - p);

		if (word == n && !memcmp(p, controller, n))
			return 1;
		p += word + 1;
	}
	return 0;
}

int worker_cores_from(int affinity_cpus, const char *cgroup_root, const char *proc_cgroup)
{
	double lowest = 0;
	int cores = affinity_cpus > 0 ? affinity_cpus : 1;

	for (const char *line = proc_cgroup; line && *line;) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;

		if (c2 && c2 + 1 < end && c2[1] == '/') {
			char rel[2048], base[2300];
			size_t rl = (size_t)(end - c2 - 1), cl = (size_t)(c2 - c1 - 1);
			double q = 0;

			if (rl < sizeof(rel)) {
				memcpy(rel, c2 + 1, rl);
				rel[rl] = '\0';
				if (rl == 1)
					rel[0] = '\0'; /* "/": the mount's own directory */
				if (cl == 0) {
					q = lowest_quota(cgroup_root, rel, v2_quota);
				} else if (has_controller(c1 + 1, cl, "cpu") && cl < 200) {
					/* Mounted as "cpu,cpuacct" (the list as /proc names it) or as "cpu". */
					snprintf(base, sizeof(base), "%s/%.*s", cgroup_root, (int)cl, c1 + 1);
					q = lowest_quota(base, rel, v1_quota);
					if (q == 0) {
						snprintf(base, sizeof(base), "%s/cpu", cgroup_root);
						q = lowest_quota(base, rel, v1_quota);
					}
				}
			}
			if (q > 0 && (lowest == 0 || q < lowest))
				lowest = q;
		}
		line = nl ? nl + 1 : end;
	}
	if (lowest > 0 && ceil(lowest) < cores)
		cores = (int)ceil(lowest);
	return cores < 1 ? 1 : cores;
}

int worker_cores_detect(void)
{
	cpu_set_t set;
	int cpus = 1;
	char *text;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		cpus = CPU_COUNT(&set);
	text = read_small("/proc/self/cgroup");
	cpus = worker_cores_from(cpus, "/sys/fs/cgroup", text);
	free(text);
	return cpus;
}

/* ---- the budget ---- */

struct core_budget {
	pthread_mutex_t lock;
	int total;
	int used;
};

core_budget *core_budget_new(int total)
{
	core_budget *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	b->total = total < 1 ? 1 : total;
	return b;
}

void core_budget_free(core_budget *budget)
{
	if (!budget)
		return;
	pthread_mutex_destroy(&budget->lock);
	free(budget);
}

static void add(core_budget *b, int n)
{
	pthread_mutex_lock(&b->lock);
	b->used += n;
	pthread_mutex_unlock(&b->lock);
}

void core_budget_enter(core_budget *budget)
{
	add(budget, 1);
}

void core_budget_leave(core_budget *budget)
{
	add(budget, -1);
}

int core_budget_try_extra(core_budget *budget)
{
	int taken;

	pthread_mutex_lock(&budget->lock);
	taken = budget->used < budget->total;
	if (taken)
		budget->used++;
	pthread_mutex_unlock(&budget->lock);
	return taken;
}

void core_budget_give_extra(core_budget *budget)
{
	add(budget, -1);
}

int core_budget_in_use(core_budget *budget)
{
	int used;

	pthread_mutex_lock(&budget->lock);
	used = budget->used;
	pthread_mutex_unlock(&budget->lock);
	return used;
}

int core_budget_total(const core_budget *budget)
{
	return budget->total;
}
