/* The local sandbox: open/close, languages, boxes (prepare/compile, run, destroy). One execution is in
 * sandbox_exec.c. See sandbox.h for the life cycle and sandbox_spec.h for the split with solveit-sandbox-init. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox_internal.h"
#include "sandbox_seccomp.h"
#include "sandbox_spec.h"
#include "sv_log.h"

#ifndef SV_SANDBOX_PKGDATADIR
#define SV_SANDBOX_PKGDATADIR "/usr/local/share/solveit"
#endif
#ifndef SV_SANDBOX_PKGLIBEXECDIR
#define SV_SANDBOX_PKGLIBEXECDIR "/usr/local/libexec/solveit"
#endif
/* Built outside automake: there is no tree to prefer, only the installed copies. */
#ifndef SV_SANDBOX_SRCDIR
#define SV_SANDBOX_SRCDIR SV_SANDBOX_PKGDATADIR
#endif
#ifndef SV_SANDBOX_BUILDDIR
#define SV_SANDBOX_BUILDDIR SV_SANDBOX_PKGLIBEXECDIR
#endif

#define DEFAULT_STATE_DIR "/run/solveit-sandbox"
#define DEFAULT_FIRST_UID 60000
#define DEFAULT_MAX_BOXES 256

static atomic_uint next_box;

/* ---- small helpers ---- */

double sv_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *sv_run_status_name(sv_run_status status)
{
	static const char *const names[] = {"OK", "TLE", "MLE", "RE", "OLE", "CE", "IE"};

	return (unsigned)status < sizeof(names) / sizeof(names[0]) ? names[status] : "IE";
}

const char *sv_sandbox_mode_name(sv_sandbox_mode mode)
{
	switch (mode) {
	case SV_SANDBOX_MODE_CGROUP_V2:
		return "cgroup-v2";
	case SV_SANDBOX_MODE_CGROUP_V1:
		return "cgroup-v1";
	case SV_SANDBOX_MODE_RLIMIT:
		return "rlimit";
	default:
		return "auto";
	}
}

void sv_run_result_free(sv_run_result *result)
{
	if (!result)
		return;
	free(result->stdout_buf);
	free(result->stderr_buf);
	result->stdout_buf = result->stderr_buf = NULL;
	result->stdout_len = result->stderr_len = 0;
	for (int i = 0; i < SV_SANDBOX_MAX_FEEDBACK; i++) {
		free(result->feedback[i]);
		result->feedback[i] = NULL;
		result->feedback_len[i] = 0;
	}
}

void sv_sandbox_limits_run_defaults(sv_sandbox_limits *l)
{
	l->cpu_time = 2.0;
	l->wall_time = 0;
	l->memory_kb = 256 * 1024;
	l->stack_kb = 64 * 1024;
	l->processes = 64;
	l->file_size_kb = 16 * 1024;
	l->open_files = 64;
	l->stdout_kb = 8 * 1024;
	l->stderr_kb = 1024;
	l->work_kb = 64 * 1024;
}

void sv_sandbox_limits_compile_defaults(sv_sandbox_limits *l)
{
	l->cpu_time = 10.0;
	l->wall_time = 30.0;
	l->memory_kb = 1024 * 1024;
	l->stack_kb = 64 * 1024;
	l->processes = 128;
	l->file_size_kb = 128 * 1024;
	l->open_files = 256;
	l->stdout_kb = 64;
	l->stderr_kb = 64;
	l->work_kb = 256 * 1024;
}

/* Zero fields take the defaults; the wall clock defaults to the CPU time plus a margin. */
void sv_fill_limits(sv_sandbox_limits *out, const sv_sandbox_limits *in, int compile)
{
	sv_sandbox_limits d;

	if (compile)
		sv_sandbox_limits_compile_defaults(&d);
	else
		sv_sandbox_limits_run_defaults(&d);
	*out = in ? *in : d;
#define DEF(f)                                                                                                         \
	if (out->f <= 0)                                                                                               \
		out->f = d.f;
	DEF(cpu_time)
	DEF(memory_kb)
	DEF(stack_kb)
	DEF(processes)
	DEF(file_size_kb)
	DEF(open_files)
	DEF(stdout_kb)
	DEF(stderr_kb)
	DEF(work_kb)
#undef DEF
	if (out->wall_time <= 0)
		out->wall_time = compile && !in ? d.wall_time : sv_sandbox_wall_default(out->cpu_time);
}

/* ---- mounts ---- */

static int mntv_add(struct sv_mntv *mv, uint32_t kind, const char *src, const char *dst)
{
	struct sv_mnt *bigger = realloc(mv->v, (mv->n + 1) * sizeof(*mv->v));

	if (!bigger)
		return -1;
	mv->v = bigger;
	mv->v[mv->n].kind = kind;
	mv->v[mv->n].src = strdup(src);
	mv->v[mv->n].dst = strdup(dst);
	if (!mv->v[mv->n].src || !mv->v[mv->n].dst) {
		free(mv->v[mv->n].src);
		free(mv->v[mv->n].dst);
		return -1;
	}
	mv->n++;
	return 0;
}

static void mntv_free(struct sv_mntv *mv)
{
	for (size_t i = 0; i < mv->n; i++) {
		free(mv->v[i].src);
		free(mv->v[i].dst);
	}
	free(mv->v);
	mv->v = NULL;
	mv->n = 0;
}

/* What a data-file path is on this host decides how it appears in the box: a symlink is recreated (so /lib64
 * stays a link into /usr), a directory or file is bound read-only, a missing path is left out. */
static int resolve_paths(struct sv_mntv *mv, const struct sv_strv *paths)
{
	for (size_t i = 0; i < paths->n; i++) {
		const char *p = paths->v[i];
		struct stat st;
		char target[PATH_MAX];
		ssize_t n;
		int rc = 0;

		if (lstat(p, &st) < 0) {
			sv_log(SV_LOG_DEBUG, "sandbox: mount %s left out: %s", p, strerror(errno));
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			n = readlink(p, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			rc = mntv_add(mv, SV_MOUNT_SYMLINK, target, p);
		} else if (S_ISDIR(st.st_mode)) {
			rc = mntv_add(mv, SV_MOUNT_DIR_RO, p, p);
		} else if (S_ISREG(st.st_mode)) {
			rc = mntv_add(mv, SV_MOUNT_FILE_RO, p, p);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int build_lang_mounts(sv_sandbox *sb)
{
	static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/urandom"};

	sb->lang_mounts = calloc(sb->langs.n ? sb->langs.n : 1, sizeof(*sb->lang_mounts));
	if (!sb->lang_mounts)
		return -1;
	for (size_t i = 0; i < sb->langs.n; i++) {
		struct sv_mntv *mv = &sb->lang_mounts[i];

		if (resolve_paths(mv, &sb->langs.mounts) < 0 || resolve_paths(mv, &sb->langs.langs[i].mounts) < 0)
			return -1;
		for (size_t d = 0; d < sizeof(devices) / sizeof(devices[0]); d++) {
			if (mntv_add(mv, SV_MOUNT_DEV, devices[d], devices[d]) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- open / close ---- */

/* Whether a program is one of this build tree's or an installed one, from where its executable is:
 * the tree's programs use the tree's languages.json and init, installed ones the installed copies,
 * and neither ever falls back to the other's (a `make install` from another checkout would then
 * silently replace what is under test, or a stale tree what is deployed). When the tree and the
 * prefix nest, the deeper one holding the executable decides. */
static size_t dir_holds(const char *dir, const char *path)
{
	char real[PATH_MAX];
	size_t n;

	if (!dir || !*dir)
		return 0;
	if (realpath(dir, real))
		dir = real;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && path[n] == '/' ? n : 0;
}

int sv_sandbox_origin(const char *exe, const char *tree, const char *prefix)
{
	size_t in_tree = dir_holds(tree, exe);

	return in_tree && in_tree > dir_holds(prefix, exe) ? SV_SANDBOX_FROM_TREE : SV_SANDBOX_FROM_INSTALL;
}

/* An explicit path (the caller's configuration, then the variable) wins; otherwise the origin's. */
static const char *pick_path(const char *configured, const char *env, int origin, const char *installed,
			     const char *built, const char **why)
{
	const char *e = getenv(env);

	if (configured && *configured) {
		*why = "set by the caller";
		return configured;
	}
	if (e && *e) {
		*why = env;
		return e;
	}
	*why = origin == SV_SANDBOX_FROM_TREE ? "the build tree's" : "the installed copy";
	return origin == SV_SANDBOX_FROM_TREE ? built : installed;
}

static int running_origin(char *exe, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", exe, len - 1);

	if (n < 0) {
		snprintf(exe, len, "an unknown path (%s)", strerror(errno));
		return SV_SANDBOX_FROM_INSTALL;
	}
	exe[n] = '\0';
#ifdef SV_SANDBOX_TOP_BUILDDIR
	return sv_sandbox_origin(exe, SV_SANDBOX_TOP_BUILDDIR, SV_SANDBOX_PREFIX);
#else
	return SV_SANDBOX_FROM_INSTALL;
#endif
}

static int parse_mode(const char *s, sv_sandbox_mode *mode)
{
	if (!s || !*s || !strcmp(s, "auto"))
		*mode = SV_SANDBOX_MODE_AUTO;
	else if (!strcmp(s, "v2") || !strcmp(s, "cgroup-v2"))
		*mode = SV_SANDBOX_MODE_CGROUP_V2;
	else if (!strcmp(s, "v1") || !strcmp(s, "cgroup-v1"))
		*mode = SV_SANDBOX_MODE_CGROUP_V1;
	else if (!strcmp(s, "rlimit") || !strcmp(s, "none"))
		*mode = SV_SANDBOX_MODE_RLIMIT;
	else
		return -1;
	return 0;
}

int sv_sandbox_open(const sv_sandbox_config *cfg, sv_sandbox **out, char *err, size_t errlen)
{
	sv_sandbox_config none = {0};
	sv_sandbox *sb;
	const char *langs_path, *init_path, *state_dir, *langs_why, *init_why;
	char exe[PATH_MAX];
	int origin;
	sv_sandbox_mode mode = SV_SANDBOX_MODE_AUTO;
	char desc[1024];
	struct stat st;
	size_t avail;

	*out = NULL;
	if (!cfg)
		cfg = &none;
	if (geteuid() != 0) {
		snprintf(err, errlen, "the sandbox needs root (namespaces, mounts, cgroups, uid switch)");
		return -1;
	}
	sb = calloc(1, sizeof(*sb));
	if (!sb) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sb->state_fd = sb->init_fd = -1;
	sb->first_uid = cfg->first_uid ? cfg->first_uid : DEFAULT_FIRST_UID;
	if (!cfg->first_uid && getenv("SOLVEIT_SANDBOX_FIRST_UID")) {
		char *end;
		unsigned long v = strtoul(getenv("SOLVEIT_SANDBOX_FIRST_UID"), &end, 10);

		if (*end || v < 1000 || v > 4000000000UL) {
			snprintf(err, errlen, "SOLVEIT_SANDBOX_FIRST_UID must be a number from 1000 to 4000000000");
			goto fail;
		}
		sb->first_uid = (unsigned)v;
	}
	sb->max_boxes = cfg->max_boxes ? cfg->max_boxes : DEFAULT_MAX_BOXES;
	if (sb->first_uid < 1000 || sb->max_boxes > 65536 || sb->first_uid + sb->max_boxes < sb->first_uid) {
		snprintf(err, errlen, "first_uid must be >= 1000 and max_boxes <= 65536");
		goto fail;
	}

	origin = running_origin(exe, sizeof(exe));
	langs_path =
	    pick_path(cfg->languages_path, "SOLVEIT_LANGUAGES", origin, SV_SANDBOX_PKGDATADIR "/languages.json",
		      SV_SANDBOX_SRCDIR "/languages.json", &langs_why);
	init_path =
	    pick_path(cfg->init_path, "SOLVEIT_SANDBOX_INIT", origin, SV_SANDBOX_PKGLIBEXECDIR "/solveit-sandbox-init",
		      SV_SANDBOX_BUILDDIR "/solveit-sandbox-init", &init_why);
	sv_log(SV_LOG_NOTICE, "sandbox: %s, running %s: languages %s (%s), init %s (%s)",
	       origin == SV_SANDBOX_FROM_TREE ? "a build-tree program" : "an installed program", exe, langs_path,
	       langs_why, init_path, init_why);
	if (sv_lang_table_load(langs_path, &sb->langs, err, errlen) < 0)
		goto fail;
	avail = sv_lang_table_check(&sb->langs);
	for (size_t i = 0; i < sb->langs.n; i++) {
		const sv_language *l = &sb->langs.langs[i].pub;

		if (!l->available)
			sv_log(SV_LOG_WARNING, "sandbox: language %d (%s) unavailable: %s", l->id, l->name,
			       l->unavailable);
		else if (sb->langs.langs[i].opt_file)
			sv_log(sb->langs.langs[i].opt_used ? SV_LOG_NOTICE : SV_LOG_WARNING,
			       "sandbox: language %d (%s) runs %s %s%s", l->id, l->name,
			       sb->langs.langs[i].opt_used ? "with" : "without", sb->langs.langs[i].opt_file,
			       sb->langs.langs[i].opt_used ? ""
							   : " (missing, not root's, or older than its toolchain: "
							     "rebuild it, doc/install.md)");
	}
	sv_log(SV_LOG_NOTICE, "sandbox: %zu of %zu languages available (from %s)", avail, sb->langs.n, langs_path);
	if (build_lang_mounts(sb) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	sb->init_fd = open(init_path, O_RDONLY | O_CLOEXEC);
	if (sb->init_fd < 0 || fstat(sb->init_fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022)) {
		snprintf(err, errlen, "%s: missing, or not a root-owned file writable only by root", init_path);
		goto fail;
	}

	if (sv_seccomp_build(&sb->bpf, &sb->bpf_len, err, errlen) < 0)
		goto fail;

	state_dir = cfg->state_dir && *cfg->state_dir ? cfg->state_dir : getenv("SOLVEIT_SANDBOX_DIR");
	if (!state_dir || !*state_dir)
		state_dir = DEFAULT_STATE_DIR;
	if (state_dir[0] != '/' || strlen(state_dir) >= sizeof(sb->state_dir) - 64) {
		snprintf(err, errlen, "state directory %s must be an absolute path", state_dir);
		goto fail;
	}
	snprintf(sb->state_dir, sizeof(sb->state_dir), "%s", state_dir);
	if (mkdir(state_dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", state_dir, strerror(errno));
		goto fail;
	}
	/* The boxes hang below it: it must be ours alone, or anyone could swap a box for a link. */
	sb->state_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sb->state_fd < 0 || fstat(sb->state_fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(err, errlen, "%s: not a directory owned by root and writable only by root", state_dir);
		goto fail;
	}

	if (cfg->mode != SV_SANDBOX_MODE_AUTO) {
		mode = cfg->mode;
	} else if (parse_mode(getenv("SOLVEIT_SANDBOX_MODE"), &mode) < 0) {
		snprintf(err, errlen, "SOLVEIT_SANDBOX_MODE must be auto, v2, v1 or rlimit");
		goto fail;
	}
	if (sv_cgroot_init(&sb->cg, mode, desc, sizeof(desc), err, errlen) < 0)
		goto fail;
	sv_log(SV_LOG_NOTICE, "sandbox: limit mode %s", desc);
	*out = sb;
	return 0;
fail:
	sv_sandbox_close(sb);
	return -1;
}

void sv_sandbox_close(sv_sandbox *sb)
{
	if (!sb)
		return;
	sv_cgroot_fini(&sb->cg);
	if (sb->lang_mounts) {
		for (size_t i = 0; i < sb->langs.n; i++)
			mntv_free(&sb->lang_mounts[i]);
	}
	free(sb->lang_mounts);
	sv_lang_table_free(&sb->langs);
	free(sb->bpf);
	if (sb->state_fd >= 0)
		close(sb->state_fd);
	if (sb->init_fd >= 0)
		close(sb->init_fd);
	free(sb);
}

sv_sandbox_mode sv_sandbox_mode_get(const sv_sandbox *sb)
{
	return sb->cg.mode;
}

const sv_language *sv_sandbox_language(const sv_sandbox *sb, int id)
{
	const struct sv_lang *l = sv_lang_table_find(&sb->langs, id);

	return l ? &l->pub : NULL;
}

size_t sv_sandbox_language_count(const sv_sandbox *sb)
{
	return sb->langs.n;
}

const sv_language *sv_sandbox_language_at(const sv_sandbox *sb, size_t index)
{
	return index < sb->langs.n ? &sb->langs.langs[index].pub : NULL;
}

/* ---- boxes ---- */

static int take_slot(sv_sandbox_box *box, char *err, size_t errlen)
{
	sv_sandbox *sb = box->sb;
	unsigned start = atomic_fetch_add(&next_box, 1) + (unsigned)getpid();

	for (unsigned k = 0; k < sb->max_boxes; k++) {
		unsigned i = (start + k) % sb->max_boxes;
		char lock[48];
		int fd;

		snprintf(lock, sizeof(lock), "box%u.lock", sb->first_uid + i);
		fd = openat(sb->state_fd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			box->index = i;
			box->lock_fd = fd;
			box->uid = sb->first_uid + i;
			/* Named by uid: unique across state directories that share a uid range by mistake, and easy
			 * to match with the processes it held. */
			snprintf(box->name, sizeof(box->name), "box%u", box->uid);
			return 0;
		}
		close(fd);
	}
	snprintf(err, errlen, "all %u sandbox boxes are busy", sb->max_boxes);
	return -1;
}

/* Unmounts whatever is mounted on the box directory (a crashed run may have left its tmpfs), never following
 * a link. */
static void unmount_box(const char *dir)
{
	for (int i = 0; i < 8; i++) {
		if (umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			break;
	}
}

/* An empty network namespace (loopback down, nothing else), held by a descriptor. A child is made in it and
 * killed as soon as the namespace is held. The child closes every descriptor first: it is a copy of a possibly
 * multithreaded worker, and a pipe end of another thread's box kept open here would stall that box. */
static int make_netns(void)
{
	int pidfd = -1, fd, e;
	char path[64];
	pid_t pid;

	pid = (pid_t)syscall(SYS_clone, CLONE_NEWNET | CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
	if (pid == 0) {
		/* Raw calls only until it dies. */
		syscall(SYS_close_range, 0, ~0U, 0);
		syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		for (;;)
			syscall(SYS_pause);
	}
	if (pid < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	e = errno;
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	waitpid(pid, NULL, __WALL);
	close(pidfd);
	errno = e;
	return fd;
}

int sv_write_file(int dirfd, const char *name, const char *source, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, source, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		source += n;
		len -= (size_t)n;
	}
	return close(fd);
}

/* A plain file name for /prog: no path, no hidden file, nothing a shell or a compiler would read as more. */
int sv_sandbox_file_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 128 || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-' || c == '+'))
			return 0;
	}
	return 1;
}

/* A new box of lang: a slot, its network namespace, and its own size-limited tmpfs holding root/ (where each
 * run mounts the box root) and, when with_prog, prog/ (returned open in *progfd). */
sv_sandbox_box *sv_box_new(sv_sandbox *sb, const struct sv_lang *lang, long work_kb, int *progfd, char *err,
			   size_t errlen)
{
	sv_sandbox_box *box = calloc(1, sizeof(*box));
	char opts[96];
	int boxfd = -1;

	if (!box) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	box->sb = sb;
	box->lang = lang;
	box->mounts = &sb->lang_mounts[lang - sb->langs.langs];
	box->lock_fd = -1;
	box->net_fd = -1;
	if (take_slot(box, err, errlen) < 0)
		goto fail;
	box->net_fd = make_netns();
	if (box->net_fd < 0) {
		snprintf(err, errlen, "cannot make a network namespace: %s", strerror(errno));
		goto fail;
	}
	snprintf(box->dir, sizeof(box->dir), "%s/%s", sb->state_dir, box->name);
	snprintf(box->prog, sizeof(box->prog), "%s/prog", box->dir);
	snprintf(box->root, sizeof(box->root), "%s/root", box->dir);
	unmount_box(box->dir);
	if (mkdirat(sb->state_fd, box->name, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", box->dir, strerror(errno));
		goto fail;
	}
	/* The box's own tmpfs: the compiler's output cannot outgrow it, and removing it is one unmount. */
	snprintf(opts, sizeof(opts), "size=%lldk,nr_inodes=4096,mode=0755", (long long)work_kb);
	if (mount("solveit-box", box->dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW, opts) < 0 &&
	    mount("solveit-box", box->dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
		snprintf(err, errlen, "cannot mount the box tmpfs on %s: %s", box->dir, strerror(errno));
		goto fail;
	}
	box->mounted = 1;
	boxfd = open(box->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (boxfd < 0 || mkdirat(boxfd, "root", 0755) < 0 || (progfd && mkdirat(boxfd, "prog", 0755) < 0) ||
	    (progfd && (*progfd = openat(boxfd, "prog", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)) {
		snprintf(err, errlen, "cannot set up %s: %s", box->dir, strerror(errno));
		goto fail;
	}
	close(boxfd);
	return box;
fail:
	if (boxfd >= 0)
		close(boxfd);
	sv_sandbox_destroy(box);
	return NULL;
}

int sv_sandbox_prepare(sv_sandbox *sb, int language_id, const char *source, size_t source_len,
		       const sv_sandbox_limits *compile_limits, sv_sandbox_box **out, sv_run_result *compile, char *err,
		       size_t errlen)
{
	return sv_sandbox_prepare_files(sb, language_id, source, source_len, NULL, 0, compile_limits, out, compile, err,
					errlen);
}

int sv_sandbox_prepare_files(sv_sandbox *sb, int language_id, const char *source, size_t source_len,
			     const sv_sandbox_file *files, size_t n_files, const sv_sandbox_limits *compile_limits,
			     sv_sandbox_box **out, sv_run_result *compile, char *err, size_t errlen)
{
	const struct sv_lang *lang = sv_lang_table_find(&sb->langs, language_id);
	sv_sandbox_box *box;
	sv_sandbox_limits lim;
	sv_run_result local;
	int progfd = -1, rc;

	*out = NULL;
	if (!compile)
		compile = &local;
	memset(compile, 0, sizeof(*compile));
	if (!lang || !lang->pub.available) {
		snprintf(err, errlen, "language %d is %s", language_id, lang ? "unavailable here" : "unknown");
		compile->status = SV_RUN_IE;
		snprintf(compile->message, sizeof(compile->message), "%s", err);
		return -1;
	}
	for (size_t i = 0; i < n_files; i++) {
		if (n_files > SV_SANDBOX_MAX_FILES || !sv_sandbox_file_name_ok(files[i].name) ||
		    !strcmp(files[i].name, lang->pub.source_file)) {
			snprintf(err, errlen, "extra file %.128s: %s", files[i].name,
				 n_files > SV_SANDBOX_MAX_FILES ? "too many files"
				 : sv_sandbox_file_name_ok(files[i].name)
				     ? "has the source file's name"
				     : "not a plain file name (letters, digits, _ . + -, not starting with . or -)");
			compile->status = SV_RUN_IE;
			snprintf(compile->message, sizeof(compile->message), "%s", err);
			return -1;
		}
	}
	sv_fill_limits(&lim, compile_limits, 1);
	box = sv_box_new(sb, lang, lim.work_kb, &progfd, err, errlen);
	if (!box)
		goto fail;
	if (sv_write_file(progfd, lang->pub.source_file, source, source_len) < 0) {
		snprintf(err, errlen, "cannot write the source into %s: %s", box->dir, strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < n_files; i++) {
		if (sv_write_file(progfd, files[i].name, files[i].data, files[i].len) < 0) {
			snprintf(err, errlen, "cannot write %s into %s: %s", files[i].name, box->dir, strerror(errno));
			goto fail;
		}
	}
	if (!lang->pub.compiled) {
		close(progfd);
		compile->status = SV_RUN_OK;
		*out = box;
		return 0;
	}
	/* Handed over by descriptor, before anything untrusted has run in it. */
	if (fchown(progfd, box->uid, box->uid) < 0) {
		snprintf(err, errlen, "cannot hand %s to the box user: %s", box->prog, strerror(errno));
		goto fail;
	}
	close(progfd);
	progfd = -1;

	{
		struct exec_req req;

		sv_exec_req_init(&req, box, &lim);
		req.argv = &lang->compile;
		req.compile = 1;
		if (sv_box_exec(box, &req, compile, err, errlen) < 0)
			goto fail;
	}
	if (compile->status != SV_RUN_OK) {
		const char *why = compile->status == SV_RUN_TLE   ? "Compilation time limit exceeded"
				  : compile->status == SV_RUN_MLE ? "Compilation memory limit exceeded"
				  : compile->status == SV_RUN_OLE ? "Compilation output limit exceeded"
								  : NULL;

		if (why)
			snprintf(compile->message, sizeof(compile->message), "%s", why);
		else if (compile->exit_code > 0)
			snprintf(compile->message, sizeof(compile->message), "Compilation failed (exit status %d)",
				 compile->exit_code);
		else
			snprintf(compile->message, sizeof(compile->message), "Compilation failed (signal %d)",
				 compile->signal);
		compile->status = SV_RUN_CE;
		rc = 1;
		sv_sandbox_destroy(box);
		if (compile == &local)
			sv_run_result_free(&local);
		return rc;
	}
	if (compile == &local)
		sv_run_result_free(&local);
	*out = box;
	return 0;
fail:
	if (progfd >= 0)
		close(progfd);
	if (compile->status == SV_RUN_OK) {
		compile->status = SV_RUN_IE;
		snprintf(compile->message, sizeof(compile->message), "%s", err);
	}
	if (compile == &local)
		sv_run_result_free(&local);
	sv_sandbox_destroy(box);
	return -1;
}

int sv_sandbox_share(sv_sandbox_box *prepared, sv_sandbox_box **out, char *err, size_t errlen)
{
	/* Room for the mount points of the root and of a run's scratch directory only. */
	sv_sandbox_box *box = sv_box_new(prepared->sb, prepared->lang, 1024, NULL, err, errlen);

	*out = box;
	if (!box)
		return -1;
	snprintf(box->prog, sizeof(box->prog), "%s", prepared->prog);
	return 0;
}

int sv_sandbox_run(sv_sandbox_box *box, const void *stdin_data, size_t stdin_len, const sv_sandbox_limits *limits,
		   sv_run_result *result, char *err, size_t errlen)
{
	sv_sandbox_limits lim;
	struct exec_req req;

	sv_fill_limits(&lim, limits, 0);
	sv_exec_req_init(&req, box, &lim);
	req.stdin_data = stdin_data;
	req.stdin_len = stdin_len;
	return sv_box_exec(box, &req, result, err, errlen);
}

void sv_sandbox_destroy(sv_sandbox_box *box)
{
	if (!box)
		return;
	/* One lazy unmount drops the source, the compiler's output and anything planted there, links included:
	 * nothing inside is opened, followed or changed by name. */
	if (box->mounted)
		unmount_box(box->dir);
	if (box->name[0])
		unlinkat(box->sb->state_fd, box->name, AT_REMOVEDIR);
	if (box->lock_fd >= 0)
		close(box->lock_fd);
	if (box->net_fd >= 0)
		close(box->net_fd);
	free(box);
}
