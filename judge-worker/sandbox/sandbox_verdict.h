#ifndef SV_SANDBOX_VERDICT_H
#define SV_SANDBOX_VERDICT_H

/* From what was measured to a sandbox verdict. Pure logic, unit-tested. */

#include <stddef.h>

#include "sandbox.h"

struct sv_run_facts {
	int wait_status;     /* of the program (valid when !killed_early) */
	int killed_early;    /* the supervisor killed the box before the program ended */
	int stdout_exceeded; /* more stdout than the cap */
	int stderr_exceeded; /* more stderr than the cap */
	int wall_exceeded;   /* the wall clock ran out */
	int cpu_exceeded;    /* the box's CPU time (cgroup) passed the limit and the supervisor ended the run */
	double cpu_time;     /* seconds used, all processes */
	double cpu_limit;    /* seconds */
	int oom_killed;      /* the cgroup OOM-killed something: 1, 0, or -1 when unknown */
	long maxrss_kb;      /* peak of the largest process */
	long memory_limit_kb;
	int memory_by_rlimit; /* no memory cgroup: the limit was RLIMIT_DATA, so judge by the peak */
	int runtime_oom;      /* the language runtime said it ran out of its own heap (see languages.json) */
};

/* Decides OK, TLE, MLE, RE or OLE, and writes a short human explanation into message. */
sv_run_status sv_verdict_decide(const struct sv_run_facts *facts, char *message, size_t len);

#endif
