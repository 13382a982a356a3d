/* One execution in a box: the spec for the init, the clone into fresh namespaces, the supervision loop (output
 * caps, wall clock, CPU), the report, the verdict. See sandbox_spec.h for the split with solveit-sandbox-init. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox_internal.h"
#include "sandbox_spec.h"
#include "sandbox_verdict.h"
#include "sv_log.h"

#define CPU_POLL_MS   50
#define KILL_GRACE_MS 1000

/* ---- the spec handed to the box init ---- */

struct spec_builder {
	union {
		struct sv_spec spec;
		char bytes[SV_SPEC_MAX_SIZE];
	} u;
	size_t used; /* of the string area */
	int overflow;
};

static uint32_t sb_str(struct spec_builder *b, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t off = (uint32_t)b->used;

	if (sizeof(struct sv_spec) + b->used + len > sizeof(b->u.bytes)) {
		b->overflow = 1;
		return 0;
	}
	memcpy(b->u.bytes + sizeof(struct sv_spec) + b->used, s, len);
	b->used += len;
	return off;
}

static uint32_t sb_blob(struct spec_builder *b, const void *data, size_t len)
{
	uint32_t off;

	b->used = (b->used + 7) & ~(size_t)7;
	off = (uint32_t)b->used;
	if (sizeof(struct sv_spec) + b->used + len > sizeof(b->u.bytes)) {
		b->overflow = 1;
		return 0;
	}
	memcpy(b->u.bytes + sizeof(struct sv_spec) + b->used, data, len);
	b->used += len;
	return off;
}

static void add_rlimit(struct sv_spec *s, int resource, unsigned long long soft, unsigned long long hard)
{
	s->rlimits[s->n_rlimits].resource = (uint32_t)resource;
	s->rlimits[s->n_rlimits].soft = soft;
	s->rlimits[s->n_rlimits].hard = hard;
	s->n_rlimits++;
}

/* ---- one execution ---- */

void sv_exec_req_init(struct exec_req *req, const sv_sandbox_box *box, const sv_sandbox_limits *lim)
{
	memset(req, 0, sizeof(*req));
	req->lim = lim;
	req->argv = &box->lang->run;
	req->stdin_fd = req->stdout_fd = req->abort_fd = -1;
}

struct capture {
	int fd;
	char *buf;
	size_t len, cap, limit;
	int exceeded;
};

static int capture_read(struct capture *c, int truncate)
{
	char scratch[65536];

	for (;;) {
		size_t room = c->len < c->limit ? c->limit - c->len : 0;
		ssize_t n;

		if (room > 0 && c->cap - c->len < sizeof(scratch) && c->cap < c->limit + 1) {
			size_t ncap = c->cap ? c->cap * 2 : 65536;
			char *bigger;

			if (ncap > c->limit + 1)
				ncap = c->limit + 1;
			bigger = realloc(c->buf, ncap);
			if (!bigger)
				return -1;
			c->buf = bigger;
			c->cap = ncap;
		}
		if (room > 0)
			n = read(c->fd, c->buf + c->len, c->cap - 1 - c->len < room ? c->cap - 1 - c->len : room);
		else
			n = read(c->fd, scratch, sizeof(scratch));
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0) {
			close(c->fd);
			c->fd = -1;
			return 0;
		}
		if (room > 0) {
			c->len += (size_t)n;
		} else {
			c->exceeded = 1;
			if (!truncate)
				return 0;
		}
	}
}

static int make_stdin(const void *data, size_t len)
{
	int fd = memfd_create("stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	const char *p = data;

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	/* Sealed: the program may read, seek and map its input, never change it. */
	if (lseek(fd, 0, SEEK_SET) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The child's code is never instrumented by AddressSanitizer: under CLONE_VM it runs on a borrowed stack
 * and would write the supervisor's shadow memory (and ASan reports the stack switch at its noreturn
 * exit). */
#define CHILD_CODE __attribute__((no_sanitize("address")))

/* Runs in the cloned child, a copy of a possibly multithreaded supervisor: raw system calls only until the
 * exec of the init replaces it. With mask, the child borrows the supervisor's memory (CLONE_VM): it puts
 * back the signal mask the supervisor had before blocking everything for the clone, so the init starts
 * with it. */
static __attribute__((noreturn)) CHILD_CODE void child_exec_init(const int *src, int nsrc, int init_fd, int net_fd,
								 const sigset_t *mask)
{
	static char *const argv[] = {"solveit-sandbox-init", NULL};
	static char *const envp[] = {NULL};
	int hi[SV_CGROUP_FD0 + SV_CG_N], init_hi;

	if (mask && syscall(SYS_rt_sigprocmask, SIG_SETMASK, mask, NULL, (size_t)(_NSIG / 8)) < 0)
		syscall(SYS_exit_group, 126);
	if (net_fd >= 0 && syscall(SYS_setns, net_fd, CLONE_NEWNET) < 0)
		syscall(SYS_exit_group, 126);

	for (int i = 0; i < nsrc; i++)
		hi[i] = (int)syscall(SYS_fcntl, src[i], F_DUPFD, 200);
	init_hi = (int)syscall(SYS_fcntl, init_fd, F_DUPFD, 200);
	for (int i = 0; i < nsrc; i++) {
		if (hi[i] < 0 || syscall(SYS_dup2, hi[i], i) < 0)
			syscall(SYS_exit_group, 126);
	}
	if (init_hi < 0 || syscall(SYS_dup3, init_hi, nsrc, O_CLOEXEC) < 0)
		syscall(SYS_exit_group, 126);
	syscall(SYS_close_range, nsrc + 1, ~0U, 0);
	syscall(SYS_execveat, nsrc, "", argv, envp, AT_EMPTY_PATH);
	syscall(SYS_exit_group, 126);
	__builtin_unreachable();
}

struct child_args {
	const int *src;
	int nsrc, init_fd, net_fd;
	sigset_t mask;
};

static CHILD_CODE int child_entry(void *arg)
{
	const struct child_args *a = arg;

	child_exec_init(a->src, a->nsrc, a->init_fd, a->net_fd, &a->mask);
}

/* The child as vfork makes it: it shares the supervisor's memory, on a stack of its own (a buffer in this
 * frame, which stays put: the calling thread waits, CLONE_VFORK, until the child's exec or exit), so no
 * page table of the worker is copied or torn down per run. A plain clone copied them: in a burst that
 * was most of judge-worker's own CPU (perf: copy_page_range, unmap_page_range). Every signal is blocked
 * across the clone, so none runs one of the supervisor's handlers in the child. */
static pid_t clone_vfork(unsigned long long flags, const int *src, int nsrc, int init_fd, int net_fd, int *pidfd)
{
	struct child_args a = {.src = src, .nsrc = nsrc, .init_fd = init_fd, .net_fd = net_fd};
	_Alignas(16) char stack[16384];
	sigset_t all;
	pid_t pid;
	int saved;

	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &a.mask) != 0)
		return -1;
	pid = (pid_t)clone(child_entry, stack + sizeof(stack), (int)(flags | CLONE_VM | CLONE_VFORK | SIGCHLD), &a,
			   pidfd);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &a.mask, NULL);
	errno = saved;
	return pid;
}

static void fail_result(sv_run_result *res, const char *msg, char *err, size_t errlen)
{
	res->status = SV_RUN_IE;
	snprintf(res->message, sizeof(res->message), "%.*s", (int)sizeof(res->message) - 1, msg);
	snprintf(err, errlen, "%s", msg);
	sv_log(SV_LOG_ERR, "sandbox: %s", msg);
}

int sv_box_exec(sv_sandbox_box *box, const struct exec_req *req, sv_run_result *res, char *err, size_t errlen)
{
	sv_sandbox *sb = box->sb;
	const sv_sandbox_limits *lim = req->lim;
	int mem_by_cg = sb->cg.mode != SV_SANDBOX_MODE_RLIMIT && sb->cg.have[SV_CG_MEMORY];
	struct spec_builder *b = NULL;
	struct sv_spec *s;
	struct sv_cgroup cg;
	struct capture out = {.fd = -1}, errc = {.fd = -1};
	struct sv_init_report rep;
	struct sv_run_facts facts = {0};
	int stdin_fd = req->stdin_fd, outp[2] = {-1, req->stdout_fd}, errp[2] = {-1, -1}, specp[2] = {-1, -1},
	    repp[2] = {-1, -1};
	int pidfd = -1, rc = -1, have_report = 0, helper_done = 0, kill_sent = 0, aborted = 0;
	size_t max_args = SV_SPEC_MAX_ARGS - req->n_extra_args;
	double drain_deadline = 0;
	int src[SV_CGROUP_FD0 + SV_CG_N], nsrc;
	double t0, deadline, next_cpu, kill_deadline = 0;
	long long cpu_ns = -1, run_delay_ns = -1;
	char msg[512];
	unsigned long long flags;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	memset(&rep, 0, sizeof(rep));
	if (sv_cgroup_create(&sb->cg, box->name, lim->memory_kb, lim->processes + 1, &cg, msg, sizeof(msg)) < 0) {
		fail_result(res, msg, err, errlen);
		if (stdin_fd >= 0)
			close(stdin_fd);
		if (outp[1] >= 0)
			close(outp[1]);
		return -1;
	}

	b = calloc(1, sizeof(*b));
	if (!b) {
		fail_result(res, "out of memory", err, errlen);
		goto end;
	}
	s = &b->u.spec;
	s->magic = SV_SPEC_MAGIC;
	s->uid = s->gid = box->uid;
	s->work_bytes = (uint64_t)lim->work_kb * 1024;
	s->root_mount = sb_str(b, box->root);
	s->cwd = sb_str(b, req->compile ? "/prog" : "/box");
	if (req->n_extra_args > SV_SPEC_MAX_ARGS)
		max_args = 0;
	for (size_t i = 0; i < req->argv->n && i < max_args; i++) {
		char *arg = sv_lang_expand_arg(req->argv->v[i], lim->memory_kb, lim->stack_kb);

		if (!arg) {
			b->overflow = 1;
			break;
		}
		s->args[s->n_args++] = sb_str(b, arg);
		free(arg);
	}
	for (size_t i = 0; i < req->n_extra_args && s->n_args < SV_SPEC_MAX_ARGS; i++)
		s->args[s->n_args++] = sb_str(b, req->extra_args[i]);
	for (size_t i = 0; i < sb->langs.env.n && s->n_env < SV_SPEC_MAX_ENV; i++)
		s->env[s->n_env++] = sb_str(b, sb->langs.env.v[i]);
	for (size_t i = 0; i < box->lang->env.n && s->n_env < SV_SPEC_MAX_ENV; i++)
		s->env[s->n_env++] = sb_str(b, box->lang->env.v[i]);
	for (size_t i = 0; i < box->mounts->n && s->n_mounts < SV_SPEC_MAX_MOUNTS - 1; i++) {
		s->mounts[s->n_mounts].kind = box->mounts->v[i].kind;
		s->mounts[s->n_mounts].src = sb_str(b, box->mounts->v[i].src);
		s->mounts[s->n_mounts].dst = sb_str(b, box->mounts->v[i].dst);
		s->n_mounts++;
	}
	s->mounts[s->n_mounts].kind = req->compile ? SV_MOUNT_DIR_RW : SV_MOUNT_DIR_RO;
	s->mounts[s->n_mounts].src = sb_str(b, box->prog);
	s->mounts[s->n_mounts].dst = sb_str(b, "/prog");
	s->n_mounts++;
	for (size_t i = 0; i < req->n_extra_mounts; i++) {
		if (s->n_mounts == SV_SPEC_MAX_MOUNTS) {
			b->overflow = 1;
			break;
		}
		s->mounts[s->n_mounts].kind = req->extra_mounts[i].kind;
		s->mounts[s->n_mounts].src = sb_str(b, req->extra_mounts[i].src);
		s->mounts[s->n_mounts].dst = sb_str(b, req->extra_mounts[i].dst);
		s->n_mounts++;
	}
	s->flags = req->spec_flags;

	add_rlimit(s, RLIMIT_CPU, (unsigned long long)ceil(lim->cpu_time) + 1,
		   (unsigned long long)ceil(lim->cpu_time) + 2);
	add_rlimit(s, RLIMIT_STACK, (unsigned long long)lim->stack_kb * 1024, (unsigned long long)lim->stack_kb * 1024);
	add_rlimit(s, RLIMIT_FSIZE, (unsigned long long)lim->file_size_kb * 1024,
		   (unsigned long long)lim->file_size_kb * 1024);
	add_rlimit(s, RLIMIT_NOFILE, (unsigned long long)lim->open_files, (unsigned long long)lim->open_files);
	/* Per uid, and every box has its own uid: a second fence behind pids.max. */
	add_rlimit(s, RLIMIT_NPROC, (unsigned long long)lim->processes, (unsigned long long)lim->processes);
	add_rlimit(s, RLIMIT_CORE, 0, 0);
	add_rlimit(s, RLIMIT_MEMLOCK, 0, 0);
	add_rlimit(s, RLIMIT_MSGQUEUE, 0, 0);
	if (!mem_by_cg && box->lang->rlimit_data)
		add_rlimit(s, RLIMIT_DATA, (unsigned long long)lim->memory_kb * 1024,
			   (unsigned long long)lim->memory_kb * 1024);
	s->n_cgroups = (uint32_t)cg.n_procs;
	s->bpf = sb_blob(b, sb->bpf, sb->bpf_len);
	s->bpf_len = (uint32_t)sb->bpf_len;
	s->strings_len = (uint32_t)b->used;
	s->size = (uint32_t)(sizeof(*s) + b->used);
	if (b->overflow || req->argv->n > max_args) {
		fail_result(res, "the command line, environment or mounts do not fit the box spec", err, errlen);
		goto end;
	}

	if (stdin_fd < 0)
		stdin_fd = make_stdin(req->stdin_data, req->stdin_len);
	if (stdin_fd < 0 || (outp[1] < 0 && pipe2(outp, O_CLOEXEC) < 0) ||
	    (!req->compile && pipe2(errp, O_CLOEXEC) < 0) || pipe2(specp, O_CLOEXEC) < 0 ||
	    pipe2(repp, O_CLOEXEC) < 0) {
		snprintf(msg, sizeof(msg), "cannot make the box's pipes: %s", strerror(errno));
		fail_result(res, msg, err, errlen);
		goto end;
	}
	src[0] = stdin_fd;
	src[1] = outp[1];
	src[2] = req->compile ? outp[1] : errp[1];
	src[SV_SPEC_FD] = specp[0];
	src[SV_REPORT_FD] = repp[1];
	nsrc = SV_CGROUP_FD0;
	for (int i = 0; i < cg.n_procs; i++)
		src[nsrc++] = cg.procs_fd[i];

	t0 = sv_now_s();
	/* IPC, UTS, PID and mount namespaces are fresh for every run (System V objects would outlive it); the
	 * network namespace is the box's own, made once in prepare: creating one costs most of a millisecond. */
	flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD |
		(box->net_fd < 0 ? CLONE_NEWNET : 0);
	pid = -1;
	if (cg.dir_fd >= 0) {
		/* v2: born in its cgroup, so no migration (and no global cgroup lock) at all. */
		struct sv_clone_args args = {.flags = flags | SV_CLONE_INTO_CGROUP,
					     .pidfd = (uint64_t)(uintptr_t)&pidfd,
					     .exit_signal = SIGCHLD,
					     .cgroup = (uint64_t)cg.dir_fd};

		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0)
			child_exec_init(src, SV_CGROUP_FD0, sb->init_fd, box->net_fd, NULL);
		if (pid > 0)
			s->n_cgroups = 0;
	}
	if (pid < 0)
		pid = clone_vfork(flags, src, nsrc, sb->init_fd, box->net_fd, &pidfd);
	if (pid < 0) {
		snprintf(msg, sizeof(msg), "clone: %s", strerror(errno));
		fail_result(res, msg, err, errlen);
		goto end;
	}
	/* Written after the clone, once it is known whether the init must join the cgroups itself; the init
	 * blocks on it meanwhile, and it fits the pipe. */
	if (write(specp[1], b->u.bytes, s->size) != (ssize_t)s->size) {
		snprintf(msg, sizeof(msg), "cannot pass the spec: %s", strerror(errno));
		fail_result(res, msg, err, errlen);
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, __WALL);
		goto end;
	}
	close(specp[1]);
	specp[1] = -1;
	close(stdin_fd);
	stdin_fd = -1;
	close(outp[1]);
	outp[1] = -1;
	if (errp[1] >= 0)
		close(errp[1]);
	errp[1] = -1;
	close(specp[0]);
	specp[0] = -1;
	close(repp[1]);
	repp[1] = -1;
	sv_cgroup_close_procs(&cg);

	out.fd = outp[0];
	outp[0] = -1;
	out.limit = (size_t)lim->stdout_kb * 1024;
	errc.fd = errp[0];
	errp[0] = -1;
	errc.limit = (size_t)lim->stderr_kb * 1024;
	if (out.fd >= 0)
		fcntl(out.fd, F_SETFL, O_NONBLOCK);
	if (errc.fd >= 0)
		fcntl(errc.fd, F_SETFL, O_NONBLOCK);

	deadline = t0 + lim->wall_time;
	next_cpu = t0 + CPU_POLL_MS / 1000.0;
	while (!helper_done || out.fd >= 0 || errc.fd >= 0) {
		struct pollfd pfd[4];
		int n = 0, io_out = -1, io_err = -1, io_pid = -1, io_abort = -1, timeout_ms;
		double now = sv_now_s(), wake = helper_done ? drain_deadline : deadline;

		/* After the init is gone every writer is dead; a pipe still open is held by a descriptor we do not
		 * know of (another thread's clone in flight): give it a moment, then stop waiting. */
		if (helper_done && now >= drain_deadline)
			break;

		if (!kill_sent && sb->cg.mode != SV_SANDBOX_MODE_RLIMIT && next_cpu < wake)
			wake = next_cpu;
		if (kill_sent && !helper_done)
			wake = kill_deadline;
		timeout_ms = wake > now ? (int)((wake - now) * 1000) + 1 : 0;
		if (out.fd >= 0) {
			pfd[n] = (struct pollfd){.fd = out.fd, .events = POLLIN};
			io_out = n++;
		}
		if (errc.fd >= 0) {
			pfd[n] = (struct pollfd){.fd = errc.fd, .events = POLLIN};
			io_err = n++;
		}
		if (!helper_done) {
			pfd[n] = (struct pollfd){.fd = pidfd, .events = POLLIN};
			io_pid = n++;
		}
		if (!helper_done && !kill_sent && req->abort_fd >= 0) {
			pfd[n] = (struct pollfd){.fd = req->abort_fd, .events = POLLIN};
			io_abort = n++;
		}
		if (poll(pfd, (nfds_t)n, timeout_ms) < 0 && errno != EINTR) {
			snprintf(msg, sizeof(msg), "poll: %s", strerror(errno));
			fail_result(res, msg, err, errlen);
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			waitpid(pid, NULL, __WALL);
			goto end;
		}
		if (io_out >= 0 && pfd[io_out].revents && capture_read(&out, req->compile) < 0) {
			close(out.fd);
			out.fd = -1;
		}
		if (io_err >= 0 && pfd[io_err].revents && capture_read(&errc, 0) < 0) {
			close(errc.fd);
			errc.fd = -1;
		}
		now = sv_now_s();
		if (io_pid >= 0 && pfd[io_pid].revents) {
			helper_done = 1;
			drain_deadline = now + 2;
		}
		if (!kill_sent && !helper_done) {
			int why = 0;

			if ((out.exceeded && !req->compile) || errc.exceeded)
				why = 1;
			else if (io_abort >= 0 && pfd[io_abort].revents)
				why = aborted = 1;
			else if (now >= deadline) {
				why = facts.wall_exceeded = 1;
				/* Before the kill, while the box's threads still exist: did they wait for a CPU? */
				run_delay_ns = sv_cgroup_run_delay_ns(&cg);
			} else if (now >= next_cpu) {
				next_cpu = now + CPU_POLL_MS / 1000.0;
				cpu_ns = sv_cgroup_cpu_ns(&cg);
				if (cpu_ns > 0 && (double)cpu_ns / 1e9 > lim->cpu_time)
					why = facts.cpu_exceeded = 1;
			}
			if (why) {
				/* The init kills everything in the box and still reports what it measured. */
				syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
				kill_sent = 1;
				kill_deadline = now + KILL_GRACE_MS / 1000.0;
			}
		} else if (kill_sent && !helper_done && now >= kill_deadline) {
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			kill_deadline = now + 60;
		}
	}
	waitpid(pid, NULL, __WALL);
	res->wall_time = sv_now_s() - t0;
	if (read(repp[0], &rep, sizeof(rep)) == (ssize_t)sizeof(rep) && rep.magic == SV_REPORT_MAGIC)
		have_report = 1;
	cpu_ns = sv_cgroup_cpu_ns(&cg);
	facts.oom_killed = sv_cgroup_oom_killed(&cg);

	if (have_report && rep.stage != SV_STAGE_NONE) {
		snprintf(msg, sizeof(msg), "box setup failed (stage %d): %s: %s", rep.stage, rep.what,
			 strerror(rep.err));
		fail_result(res, msg, err, errlen);
		goto end;
	}
	if (!have_report && !kill_sent) {
		fail_result(res, "the box init ended without a report", err, errlen);
		goto end;
	}
	facts.killed_early = !have_report || rep.killed;
	facts.wait_status = rep.wait_status;
	facts.stdout_exceeded = out.exceeded && !req->compile;
	facts.stderr_exceeded = errc.exceeded;
	facts.cpu_limit = lim->cpu_time;
	facts.cpu_time = have_report ? (double)(rep.utime_us + rep.stime_us) / 1e6 : 0;
	/* The cgroup also counts the init's own few milliseconds: it is the authority only when it ended the run
	 * or when the init could not report. */
	if (cpu_ns > 0 && (double)cpu_ns / 1e9 > facts.cpu_time && (!have_report || facts.cpu_exceeded))
		facts.cpu_time = (double)cpu_ns / 1e9;
	facts.maxrss_kb = have_report ? (long)rep.maxrss_kb : 0;
	facts.memory_limit_kb = lim->memory_kb;
	facts.memory_by_rlimit = !mem_by_cg;
	facts.runtime_oom = !req->compile && box->lang->out_of_memory && errc.buf &&
			    memmem(errc.buf, errc.len, box->lang->out_of_memory, strlen(box->lang->out_of_memory));
	res->status = sv_verdict_decide(&facts, res->message, sizeof(res->message));
	res->end_time = have_report && rep.end_us > 0 ? (double)rep.end_us / 1e6 : sv_now_s();
	if (aborted && facts.killed_early && res->status == SV_RUN_RE) {
		res->aborted = 1;
		snprintf(res->message, sizeof(res->message), "Stopped: the other side of the interaction ended");
	}
	res->time = facts.cpu_time;
	res->wall_exceeded = res->status == SV_RUN_TLE && facts.wall_exceeded && !facts.cpu_exceeded &&
			     facts.cpu_time <= facts.cpu_limit;
	res->run_delay = res->wall_exceeded && run_delay_ns >= 0 ? (double)run_delay_ns / 1e9 : -1;
	if (have_report && rep.wall_us > 0 && !facts.wall_exceeded)
		res->wall_time = (double)rep.wall_us / 1e6;
	res->memory_kb =
	    res->status == SV_RUN_MLE && facts.maxrss_kb < lim->memory_kb ? lim->memory_kb : facts.maxrss_kb;
	res->exit_code = -1;
	res->signal = 0;
	if (!facts.killed_early && WIFEXITED(rep.wait_status))
		res->exit_code = WEXITSTATUS(rep.wait_status);
	else if (!facts.killed_early && WIFSIGNALED(rep.wait_status))
		res->signal = WTERMSIG(rep.wait_status);
	else
		res->signal = SIGKILL;
	rc = 0;
end:
	if (rc == 0) {
		res->stdout_buf = out.buf ? out.buf : calloc(1, 1);
		res->stdout_len = out.len;
		res->stdout_buf[res->stdout_len] = '\0';
		res->stderr_buf = errc.buf ? errc.buf : calloc(1, 1);
		res->stderr_len = errc.len;
		res->stderr_buf[res->stderr_len] = '\0';
		out.buf = errc.buf = NULL;
	}
	free(out.buf);
	free(errc.buf);
	for (int *fd = (int[]){stdin_fd, outp[0], outp[1], errp[0], errp[1], specp[0], specp[1], repp[0], repp[1],
			       pidfd, out.fd, errc.fd, -2};
	     *fd != -2; fd++) {
		if (*fd >= 0)
			close(*fd);
	}
	if (sv_cgroup_destroy(&cg) < 0)
		sv_log(SV_LOG_ERR, "sandbox: %s: a cgroup could not be removed", box->name);
	free(b);
	return rc;
}
