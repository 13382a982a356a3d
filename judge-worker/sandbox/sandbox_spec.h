#ifndef SV_SANDBOX_SPEC_H
#define SV_SANDBOX_SPEC_H

/* The wire format between the library (supervisor) and solveit-sandbox-init, the small static program that
 * becomes PID 1 of a box. The supervisor clones into fresh namespaces and execs the init at once, so that the
 * sandboxed program descends from a tiny single-threaded process: nothing of the (multithreaded, large) worker
 * is inherited, and ru_maxrss measures the program rather than the worker's address space.
 *
 * File descriptors handed to the init:
 *     0, 1, 2    the program's stdin (sealed memfd), stdout and stderr (pipes)
 *     3          the spec (a pipe holding one struct sv_spec followed by its string/BPF area)
 *     4          the report pipe (one struct sv_init_report is written before the init exits)
 *     5 ..       cgroup.procs of each cgroup to join (spec.n_cgroups of them)
 * SIGTERM asks the init to kill everything in the box and report. */

#include <stdint.h>

#define SV_SPEC_MAGIC       0x53565331u /* "SVS1" */
#define SV_REPORT_MAGIC     0x53565231u /* "SVR1" */
#define SV_SPEC_MAX_ARGS    48
#define SV_SPEC_MAX_ENV     24
#define SV_SPEC_MAX_MOUNTS  32
#define SV_SPEC_MAX_RLIMITS 10
#define SV_SPEC_MAX_SIZE    (56 * 1024) /* fits a pipe buffer, so it is written before the clone */
#define SV_SPEC_FD          3
#define SV_REPORT_FD        4
#define SV_CGROUP_FD0       5

#define SV_SPEC_IGNORE_SIGPIPE 1u /* the program starts with SIGPIPE ignored (interactive runs) */

enum sv_mount_kind {
	SV_MOUNT_DIR_RO = 1, /* bind a host directory read-only, nosuid, nodev */
	SV_MOUNT_FILE_RO,    /* bind a host file read-only, nosuid, nodev */
	SV_MOUNT_DEV,        /* bind a host character device (nosuid, noexec, dev allowed) */
	SV_MOUNT_SYMLINK,    /* create a symlink: src is the link text */
	SV_MOUNT_DIR_RW,     /* bind a host directory read-write, nosuid, nodev (the compile output) */
};

struct sv_spec_mount {
	uint32_t kind;
	uint32_t src; /* offsets into the string area */
	uint32_t dst; /* path inside the box, absolute */
};

struct sv_spec_rlimit {
	uint32_t resource;
	uint64_t soft, hard;
};

struct sv_spec {
	uint32_t magic;
	uint32_t size; /* of the whole spec including the string area */
	uint32_t uid, gid;
	uint64_t work_bytes; /* tmpfs size for the box root, /box and /tmp */
	uint32_t root_mount; /* host path of an empty directory to mount the box root on */
	uint32_t cwd;
	uint32_t n_args, args[SV_SPEC_MAX_ARGS];
	uint32_t n_env, env[SV_SPEC_MAX_ENV];
	uint32_t n_mounts;
	struct sv_spec_mount mounts[SV_SPEC_MAX_MOUNTS];
	uint32_t n_rlimits;
	struct sv_spec_rlimit rlimits[SV_SPEC_MAX_RLIMITS];
	uint32_t n_cgroups;
	uint32_t bpf, bpf_len; /* struct sock_filter array, bpf_len bytes */
	uint32_t flags;        /* SV_SPEC_* */
	uint32_t strings_len;
	/* string area follows */
};

/* Stages for setup failures, so the supervisor can say where it broke. */
enum sv_init_stage {
	SV_STAGE_NONE = 0,
	SV_STAGE_SPEC,
	SV_STAGE_CGROUP,
	SV_STAGE_MOUNT,
	SV_STAGE_PIVOT,
	SV_STAGE_FORK,
	SV_STAGE_EXEC, /* the program's execve failed (err = errno) */
};

struct sv_init_report {
	uint32_t magic;
	int32_t stage; /* SV_STAGE_NONE when the program ran */
	int32_t err;   /* errno of the failing step */
	int32_t wait_status;
	int32_t killed; /* the supervisor asked for the kill (SIGTERM) before the program ended */
	int32_t pad;
	int64_t utime_us, stime_us; /* all processes of the box, reaped by the init */
	int64_t maxrss_kb;          /* largest process */
	int64_t wall_us;            /* from fork of the program to its exit */
	char what[160];             /* the failing step, for the log */
	int64_t end_us;             /* CLOCK_MONOTONIC when the program ended (0: it did not run) */
};

#endif
