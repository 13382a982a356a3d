/* solveit-sandbox-init: PID 1 of one box. Started by the library already inside fresh PID, mount, network, IPC
 * and UTS namespaces, as root, with the descriptors of sandbox_spec.h. It joins the box cgroups, builds the
 * private root (a size-limited tmpfs with read-only binds of the toolchains, its own /proc and three devices),
 * pivots into it, forks the program, drops to the box uid/gid, applies rlimits, no_new_privs and the seccomp
 * filter, and execs it directly. Then it reaps everything, kills what the program left behind, and reports.
 * Not meant to be run by hand. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox_spec.h"

static union {
	struct sv_spec spec;
	char bytes[SV_SPEC_MAX_SIZE];
} buf;
static struct sv_init_report report;
static volatile sig_atomic_t kill_requested;

static void on_term(int sig)
{
	(void)sig;
	kill_requested = 1;
}

static void send_report(void)
{
	const char *p = (const char *)&report;
	size_t left = sizeof(report);

	report.magic = SV_REPORT_MAGIC;
	while (left > 0) {
		ssize_t n = write(SV_REPORT_FD, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
}

static __attribute__((noreturn)) void fail(int stage, const char *what, const char *arg)
{
	report.stage = stage;
	report.err = errno;
	snprintf(report.what, sizeof(report.what), "%s%s%s", what, arg ? " " : "", arg ? arg : "");
	send_report();
	_exit(1);
}

static const char *str(uint32_t off)
{
	return buf.bytes + sizeof(struct sv_spec) + off;
}

/* A string offset is good when a NUL follows it inside the string area. */
static int good_str(uint32_t off)
{
	const struct sv_spec *s = &buf.spec;

	return off < s->strings_len && memchr(str(off), '\0', s->strings_len - off) != NULL;
}

static void read_spec(void)
{
	size_t got = 0;
	const struct sv_spec *s = &buf.spec;

	for (;;) {
		ssize_t n = read(SV_SPEC_FD, buf.bytes + got, sizeof(buf.bytes) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(SV_STAGE_SPEC, "read spec", NULL);
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == sizeof(buf.bytes))
			break;
	}
	close(SV_SPEC_FD);
	errno = EINVAL;
	if (got < sizeof(*s) || s->magic != SV_SPEC_MAGIC || s->size != got || s->strings_len != got - sizeof(*s) ||
	    s->n_args == 0 || s->n_args > SV_SPEC_MAX_ARGS || s->n_env > SV_SPEC_MAX_ENV ||
	    s->n_mounts > SV_SPEC_MAX_MOUNTS || s->n_rlimits > SV_SPEC_MAX_RLIMITS ||
	    s->bpf + s->bpf_len > s->strings_len || s->bpf % 8 != 0 || s->bpf_len % sizeof(struct sock_filter) != 0)
		fail(SV_STAGE_SPEC, "malformed spec", NULL);
	int ok = good_str(s->root_mount) && good_str(s->cwd);

	for (uint32_t i = 0; i < s->n_args; i++)
		ok = ok && good_str(s->args[i]);
	for (uint32_t i = 0; i < s->n_env; i++)
		ok = ok && good_str(s->env[i]);
	for (uint32_t i = 0; i < s->n_mounts; i++)
		ok = ok && good_str(s->mounts[i].src) && good_str(s->mounts[i].dst);
	if (!ok)
		fail(SV_STAGE_SPEC, "unterminated string in spec", NULL);
}

static void join_cgroups(void)
{
	for (uint32_t i = 0; i < buf.spec.n_cgroups; i++) {
		int fd = SV_CGROUP_FD0 + (int)i;

		/* "0" is the writer itself, whatever PID namespace it sits in. */
		if (write(fd, "0", 1) != 1)
			fail(SV_STAGE_CGROUP, "join cgroup", NULL);
		close(fd);
	}
}

/* Joins root and an absolute box path into out; refuses ".." so a data file cannot aim outside the new root. */
static void box_path(char *out, size_t len, const char *root, const char *path)
{
	errno = EINVAL;
	if (path[0] != '/' || strstr(path, "/..") || (size_t)snprintf(out, len, "%s%s", root, path) >= len)
		fail(SV_STAGE_MOUNT, "bad box path", path);
}

static void mkdirs(char *path, mode_t mode, size_t from)
{
	for (char *p = path + from + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST)
			fail(SV_STAGE_MOUNT, "mkdir", path);
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		fail(SV_STAGE_MOUNT, "mkdir", path);
}

static void make_file(char *path, size_t from)
{
	char *slash = strrchr(path, '/');
	int fd;

	*slash = '\0';
	mkdirs(path, 0755, from);
	*slash = '/';
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		fail(SV_STAGE_MOUNT, "create", path);
	close(fd);
}

static void bind(const char *src, const char *dst, unsigned long flags)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		fail(SV_STAGE_MOUNT, "bind", src);
	if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		fail(SV_STAGE_MOUNT, "remount", dst);
}

static void build_root(void)
{
	const struct sv_spec *s = &buf.spec;
	const char *root = str(s->root_mount);
	size_t rlen = strlen(root);
	char path[4096], opts[96];

	/* Nothing we mount may leak back to the host, and nothing the host mounts later may appear here. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(SV_STAGE_MOUNT, "make / private", NULL);
	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=16384,mode=0755", (unsigned long long)s->work_bytes);
	if (mount("box", root, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		fail(SV_STAGE_MOUNT, "mount tmpfs on", root);

	for (uint32_t i = 0; i < s->n_mounts; i++) {
		const struct sv_spec_mount *m = &s->mounts[i];

		box_path(path, sizeof(path), root, str(m->dst));
		switch (m->kind) {
		case SV_MOUNT_SYMLINK: {
			char *slash = strrchr(path, '/');

			*slash = '\0';
			if (slash > path + rlen)
				mkdirs(path, 0755, rlen);
			*slash = '/';
			if (symlink(str(m->src), path) < 0)
				fail(SV_STAGE_MOUNT, "symlink", path);
			break;
		}
		case SV_MOUNT_DIR_RO:
			mkdirs(path, 0755, rlen);
			bind(str(m->src), path, MS_RDONLY | MS_NOSUID | MS_NODEV);
			break;
		case SV_MOUNT_DIR_RW:
			mkdirs(path, 0755, rlen);
			bind(str(m->src), path, MS_NOSUID | MS_NODEV);
			break;
		case SV_MOUNT_FILE_RO:
			make_file(path, rlen);
			bind(str(m->src), path, MS_RDONLY | MS_NOSUID | MS_NODEV);
			break;
		case SV_MOUNT_DEV:
			make_file(path, rlen);
			bind(str(m->src), path, MS_NOSUID | MS_NOEXEC);
			break;
		default:
			errno = EINVAL;
			fail(SV_STAGE_MOUNT, "unknown mount kind for", path);
		}
	}

	box_path(path, sizeof(path), root, "/proc");
	mkdirs(path, 0555, rlen);
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible") < 0 &&
	    mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") < 0)
		fail(SV_STAGE_MOUNT, "mount proc", NULL);

	/* The writable places: /box (the program's directory) and /tmp, both on the size-limited root tmpfs. */
	box_path(path, sizeof(path), root, "/box");
	mkdirs(path, 0755, rlen);
	if (chown(path, s->uid, s->gid) < 0)
		fail(SV_STAGE_MOUNT, "chown", path);
	box_path(path, sizeof(path), root, "/tmp");
	mkdirs(path, 01777, rlen);
	if (chmod(path, 01777) < 0)
		fail(SV_STAGE_MOUNT, "chmod", path);
	box_path(path, sizeof(path), root, "/dev/shm");
	mkdirs(path, 01777, rlen);
	if (chmod(path, 01777) < 0)
		fail(SV_STAGE_MOUNT, "chmod", path);
	static const char *const dev_links[][2] = {
	    {"/proc/self/fd", "/dev/fd"},
	    {"/proc/self/fd/0", "/dev/stdin"},
	    {"/proc/self/fd/1", "/dev/stdout"},
	    {"/proc/self/fd/2", "/dev/stderr"},
	};
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		box_path(path, sizeof(path), root, dev_links[i][1]);
		if (symlink(dev_links[i][0], path) < 0 && errno != EEXIST)
			fail(SV_STAGE_MOUNT, "symlink", path);
	}

	if (chdir(root) < 0)
		fail(SV_STAGE_PIVOT, "chdir", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		fail(SV_STAGE_PIVOT, "pivot_root", root);
	if (umount2(".", MNT_DETACH) < 0)
		fail(SV_STAGE_PIVOT, "detach old root", NULL);
	if (chdir("/") < 0)
		fail(SV_STAGE_PIVOT, "chdir /", NULL);
	/* The root itself stays writable only for root: the box user owns nothing but /box, /tmp and /dev/shm. */
	if (sethostname("box", 3) < 0)
		fail(SV_STAGE_PIVOT, "sethostname", NULL);
}

static __attribute__((noreturn)) void exec_program(int err_fd)
{
	const struct sv_spec *s = &buf.spec;
	char *argv[SV_SPEC_MAX_ARGS + 1], *envp[SV_SPEC_MAX_ENV + 1];
	struct sock_fprog prog;
	int e;

	for (uint32_t i = 0; i < s->n_args; i++)
		argv[i] = (char *)str(s->args[i]);
	argv[s->n_args] = NULL;
	for (uint32_t i = 0; i < s->n_env; i++)
		envp[i] = (char *)str(s->env[i]);
	envp[s->n_env] = NULL;

	signal(SIGTERM, SIG_DFL);
	setsid();
	if (chdir(str(s->cwd)) < 0)
		goto out;
	for (uint32_t i = 0; i < s->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = s->rlimits[i].soft, .rlim_max = s->rlimits[i].hard};

		if (setrlimit((int)s->rlimits[i].resource, &rl) < 0)
			goto out;
	}
	/* Raw syscalls: no need for glibc's all-threads set*id machinery in a single-threaded child. */
	if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0 ||
	    syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0)
		goto out;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto out;
	if (s->bpf_len > 0) {
		prog.len = (unsigned short)(s->bpf_len / sizeof(struct sock_filter));
		prog.filter = (struct sock_filter *)(buf.bytes + sizeof(struct sv_spec) + s->bpf);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			goto out;
	}
	/* An ignored signal stays ignored across execve: a write to the other side of an interaction that has
	 * gone fails with EPIPE instead of killing the writer. */
	if (s->flags & SV_SPEC_IGNORE_SIGPIPE)
		signal(SIGPIPE, SIG_IGN);
	execve(argv[0], argv, envp);
out:
	e = errno;
	if (write(err_fd, &e, sizeof(e)) < 0)
		e = 0;
	_exit(127);
}

int main(void)
{
	struct sigaction sa;
	struct timespec t0, t1;
	struct rusage ru;
	int errpipe[2], status, exec_errno = 0, main_done = 0, killed_all = 0;
	pid_t child, pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: the wait below must see EINTR */
	sigaction(SIGTERM, &sa, NULL);

	read_spec();
	join_cgroups();
	build_root();

	if (pipe2(errpipe, O_CLOEXEC) < 0)
		fail(SV_STAGE_FORK, "pipe", NULL);
	if (kill_requested) {
		report.killed = 1;
		send_report();
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	child = fork();
	if (child < 0)
		fail(SV_STAGE_FORK, "fork", NULL);
	if (child == 0) {
		close(errpipe[0]);
		close(SV_REPORT_FD);
		exec_program(errpipe[1]);
	}
	close(errpipe[1]);
	/* The program's stdio belongs to it alone: the supervisor sees EOF as soon as the box lets go. */
	close(0);
	close(1);
	close(2);

	for (;;) {
		if (kill_requested && !killed_all) {
			report.killed = !main_done;
			killed_all = 1;
			kill(-1, SIGKILL);
		}
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nobody left */
		}
		if (pid == child) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			report.wait_status = status;
			main_done = 1;
			/* Whatever the program left running dies with it. */
			killed_all = 1;
			kill(-1, SIGKILL);
		}
	}
	if (read(errpipe[0], &exec_errno, sizeof(exec_errno)) == (ssize_t)sizeof(exec_errno)) {
		report.stage = SV_STAGE_EXEC;
		report.err = exec_errno;
		snprintf(report.what, sizeof(report.what), "execve %s", str(buf.spec.args[0]));
	}
	if (!main_done)
		clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_CHILDREN, &ru);
	report.utime_us = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
	report.stime_us = (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
	report.maxrss_kb = ru.ru_maxrss;
	report.wall_us = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
	if (main_done)
		report.end_us = (int64_t)t1.tv_sec * 1000000 + t1.tv_nsec / 1000;
	send_report();
	return 0;
}
