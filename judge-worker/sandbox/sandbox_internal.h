#ifndef SV_SANDBOX_INTERNAL_H
#define SV_SANDBOX_INTERNAL_H

/* What sandbox.c (open, boxes) and sandbox_exec.c (one execution) share. Not for users of the library. */

#include <stddef.h>
#include <stdint.h>

#include "sandbox.h"
#include "sandbox_cgroup.h"
#include "sandbox_languages.h"

/* clone3's arguments (linux/sched.h clashes with glibc's sched.h). */
struct sv_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
	    cgroup;
};
#define SV_CLONE_INTO_CGROUP 0x200000000ULL

/* A mount of the box, resolved on the host once at open. */
struct sv_mnt {
	uint32_t kind;
	char *src; /* host path, or the link text for a symlink */
	char *dst; /* box path */
};

struct sv_mntv {
	struct sv_mnt *v;
	size_t n;
};

struct sv_sandbox {
	struct sv_lang_table langs;
	struct sv_mntv *lang_mounts; /* per language: global mounts, its own, the devices */
	struct sv_cgroot cg;
	char state_dir[PATH_MAX];
	int state_fd;
	int init_fd;
	void *bpf;
	size_t bpf_len;
	unsigned first_uid, max_boxes;
};

struct sv_sandbox_box {
	sv_sandbox *sb;
	const struct sv_lang *lang;
	const struct sv_mntv *mounts;
	unsigned index;
	int lock_fd;
	int net_fd; /* the box's empty network namespace, shared by its runs (nothing in it outlives a run) */
	int mounted;
	unsigned uid;
	char name[32];
	char dir[PATH_MAX + 32];
	char prog[PATH_MAX + 64];
	char root[PATH_MAX + 64];
};

/* One execution inside a box: a compilation or a test run. */
struct exec_req {
	const sv_sandbox_limits *lim;
	const struct sv_strv *argv;
	int compile; /* /prog writable and cwd, output merged and truncated instead of OLE */
	const void *stdin_data;
	size_t stdin_len;
	/* Descriptors taken over (closed by sv_box_exec on every path); -1 when unused, so set them. */
	int stdin_fd;                  /* the program's stdin instead of stdin_data */
	int stdout_fd;                 /* the program's stdout instead of a captured pipe (nothing is captured) */
	int abort_fd;                  /* not taken over: readable means stop the run now (res->aborted) */
	const char *const *extra_args; /* after argv, not expanded */
	size_t n_extra_args;
	const struct sv_mnt *extra_mounts; /* after the box's own */
	size_t n_extra_mounts;
	uint32_t spec_flags; /* SV_SPEC_* */
};

/* The request of a plain run of the box's program (no descriptors, nothing extra). */
void sv_exec_req_init(struct exec_req *req, const sv_sandbox_box *box, const sv_sandbox_limits *lim);

/* Zero fields of in (NULL: all) take the run or compile defaults. */
void sv_fill_limits(sv_sandbox_limits *out, const sv_sandbox_limits *in, int compile);

/* A new box of lang: a slot, its network namespace, its own tmpfs of work_kb holding root/ and, when progfd
 * is not NULL, prog/ (returned open in *progfd). NULL with err on failure. */
sv_sandbox_box *sv_box_new(sv_sandbox *sb, const struct sv_lang *lang, long work_kb, int *progfd, char *err,
			   size_t errlen);

/* Writes len bytes into a new file name of dirfd (O_EXCL, never following a link), mode 0644. 0 or -1. */
int sv_write_file(int dirfd, const char *name, const char *data, size_t len);

/* Monotonic seconds. */
double sv_now_s(void);

/* Runs req in box and fills res. Returns 0 with a verdict in res, -1 on a sandbox failure (res->status IE). */
int sv_box_exec(sv_sandbox_box *box, const struct exec_req *req, sv_run_result *res, char *err, size_t errlen);

#endif
