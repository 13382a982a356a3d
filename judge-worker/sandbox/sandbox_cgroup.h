#ifndef SV_SANDBOX_CGROUP_H
#define SV_SANDBOX_CGROUP_H

/* cgroups for the sandbox: v2 (unified) or v1 (memory, pids, cpuacct hierarchies). One fresh cgroup per
 * execution, below a "solveit-sandbox" directory under the cgroup this process itself sits in (so a limit
 * set on us still holds for the boxes); on v2 the process first moves itself into a leaf beside it
 * (sv_cg2_delegate). */

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "sandbox.h"

enum { SV_CG_MEMORY = 0, SV_CG_PIDS, SV_CG_CPU, SV_CG_N };

struct sv_cgroot {
	sv_sandbox_mode mode;         /* CGROUP_V2, CGROUP_V1 or RLIMIT */
	int have[SV_CG_N];            /* the controller limits/measures through the cgroup */
	char base[SV_CG_N][PATH_MAX]; /* v1: one parent per controller; v2: base[0] for all */
	int made_base[SV_CG_N];
	char leaf[PATH_MAX]; /* v2: the leaf cgroup this process was moved into, "" when not moved */
	char note[512];      /* v2 forced: why the controllers fell back to rlimits, "" otherwise */
};

struct sv_cgroup {
	const struct sv_cgroot *root;
	char dir[SV_CG_N][PATH_MAX];
	int made[SV_CG_N];
	int procs_fd[SV_CG_N]; /* cgroup.procs (v2) or tasks (v1) to join, handed to the box init */
	int n_procs;
	int dir_fd; /* v2: the cgroup directory, for clone3(CLONE_INTO_CGROUP); -1 otherwise */
};

/* cgroup v2 gives controllers only to cgroups without processes of their own (the "no internal
 * processes" rule: enabling one in cgroup.subtree_control fails with EBUSY while a process sits in the
 * cgroup). Under systemd's Delegate=yes the worker is born in the unit's cgroup, so before the boxes can
 * have memory and pids limits it moves itself into a leaf child, SV_CG2_LEAF, and only then enables the
 * controllers for its cgroup's children. */
#define SV_CG2_LEAF "worker"

struct sv_cg2_plan {
	const char *dir; /* the process's own cgroup directory: the cgroup2 mount point + /proc/self/cgroup's path */
	int is_root;     /* dir is the hierarchy's root, where processes and controllers may mix: nothing moves */
	pid_t pid;       /* the process moved into dir/SV_CG2_LEAF (all its threads: cgroup.procs) */
	const char *const *controllers; /* wanted, NULL-terminated; those dir/cgroup.controllers lacks are left out */
};

struct sv_cg2_done {
	char base[PATH_MAX]; /* dir/solveit-sandbox: the boxes' parent */
	int made_base;
	int moved;         /* pid was moved into dir/SV_CG2_LEAF */
	char enabled[160]; /* the controllers given to the boxes, space-separated ("" none) */
};

/* Prepares dir for box cgroups, in this order: (1) when dir holds processes and is not the root, creates
 * dir/SV_CG2_LEAF and writes pid into its cgroup.procs; (2) enables the wanted controllers in
 * dir/cgroup.subtree_control; (3) creates dir/solveit-sandbox and enables them in its
 * cgroup.subtree_control. Returns 0, or -1 with one sentence in why (naming the file and what to
 * configure) after undoing what it did (the process moved back into dir). */
int sv_cg2_delegate(const struct sv_cg2_plan *plan, struct sv_cg2_done *done, char *why, size_t whylen);

/* Chooses and prepares the mode. want AUTO detects. On success fills desc with a line for the start-up log.
 * Returns 0, or -1 when a forced mode cannot work here (err says why). */
int sv_cgroot_init(struct sv_cgroot *root, sv_sandbox_mode want, char *desc, size_t desclen, char *err, size_t errlen);

/* Removes the parent directories made by init when no box uses them any more. */
void sv_cgroot_fini(struct sv_cgroot *root);

/* Creates the cgroups of one execution named name (leftovers of a crashed run of the same name are killed and
 * removed first), sets the memory (KB) and pids limits, opens cgroup.procs for the box init. In rlimit mode it
 * does nothing and returns 0. */
int sv_cgroup_create(const struct sv_cgroot *root, const char *name, long memory_kb, int pids, struct sv_cgroup *cg,
		     char *err, size_t errlen);

/* Closes the cgroup.procs descriptors (after the init inherited them). */
void sv_cgroup_close_procs(struct sv_cgroup *cg);

/* CPU nanoseconds used so far by the cgroup; -1 if not measured through a cgroup. */
long long sv_cgroup_cpu_ns(const struct sv_cgroup *cg);

/* Nanoseconds the cgroup's live threads spent runnable but waiting for a CPU (/proc/TID/schedstat,
 * run_delay), summed; -1 when not known (rlimit mode, no schedstat). Read while they still run. */
long long sv_cgroup_run_delay_ns(const struct sv_cgroup *cg);

/* 1 when the kernel OOM-killed something in the cgroup, 0 if not, -1 if unknown. */
int sv_cgroup_oom_killed(const struct sv_cgroup *cg);

/* Kills every process left in the cgroups. */
void sv_cgroup_kill(const struct sv_cgroup *cg);

/* Kills what is left and removes the cgroups. Returns 0, or -1 when one could not be removed. */
int sv_cgroup_destroy(struct sv_cgroup *cg);

#endif
