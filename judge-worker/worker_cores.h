#ifndef WORKER_CORES_H
#define WORKER_CORES_H

#include <stddef.h>

/* The cores a worker has, and the budget its judgements share (issue 16).
 *
 * A judgement always runs one test at a time on its own slot; it runs more of its tests at once only on
 * slots that are idle, taken one per extra test and given back when that test ends. So N submissions
 * judged at once never need more than the budget's cores, except for the moment a new judgement starts
 * while another's extra tests finish (at most one test each). */

/* The CPUs this process may run on: its affinity mask (sched_getaffinity), bounded by the CPU quota of
 * its cgroup and of the cgroup's ancestors (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us) rounded
 * up; at least 1. */
int worker_cores_detect(void);

/* The same from given facts, for tests: the cgroup file system mounted at cgroup_root ("/sys/fs/cgroup")
 * and the text of /proc/self/cgroup. A missing or unreadable file counts as no quota. */
int worker_cores_from(int affinity_cpus, const char *cgroup_root, const char *proc_cgroup);

/* A quota in CPUs from the text of a v2 cpu.max ("max 100000", "150000 100000"): > 0, or 0 for none. */
double worker_cores_parse_cpu_max(const char *text);

typedef struct core_budget core_budget;

/* A budget of total slots (total >= 1); NULL when out of memory. */
core_budget *core_budget_new(int total);
void core_budget_free(core_budget *budget);

/* A judgement's own slot: taken when it starts, never refused (--concurrency may exceed the cores). */
void core_budget_enter(core_budget *budget);
void core_budget_leave(core_budget *budget);

/* One idle slot for an extra test: 1 when taken (give it back when the test ends), 0 when none is idle. */
int core_budget_try_extra(core_budget *budget);
void core_budget_give_extra(core_budget *budget);

/* Slots in use (own and extra), and the total. */
int core_budget_in_use(core_budget *budget);
int core_budget_total(const core_budget *budget);

#endif
