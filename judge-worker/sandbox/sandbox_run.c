/* Runs with extras (argv words, stdin from a file, read-only files, a feedback directory read back) and
 * interactive runs (two boxes joined by pipes), on top of sv_box_exec (sandbox_exec.c). What a validator
 * needs; see sandbox.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox_internal.h"
#include "sandbox_spec.h"
#include "sv_log.h"

#define FEEDBACK_KB_DEFAULT  1024
#define FEEDBACK_MAX_DEFAULT 4096
#define INTERACT_GRACE_S     2.0

/* One run's extras: a tmpfs of its own at <box>/run (removed by one lazy unmount afterwards, never by
 * name) holding feedback/ (the box user's) and data/ (copies of files the box user could not read), and
 * the mounts that show them inside the box. */
struct scratch {
	int mounted, dir_fd;
	char path[PATH_MAX + 96];
	struct sv_mnt mounts[SV_SANDBOX_MAX_FILES + 1];
	char src[SV_SANDBOX_MAX_FILES + 1][PATH_MAX + 128];
	size_t n_mounts;
};

static int box_path_ok(const char *p)
{
	return p && p[0] == '/' && p[1] && !strstr(p, "/..") && !strstr(p, "//") && strlen(p) < 512;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A copy of bytes or of a host file into data/<name>, readable by the box user. */
static int copy_in(int data_fd, const char *name, const sv_sandbox_run_file *f)
{
	int out = openat(data_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444), in = -1, rc = -1;
	char buf[65536];

	if (out < 0)
		return -1;
	if (!f->host_path) {
		rc = write_all(out, f->data ? f->data : "", f->len);
	} else if ((in = open(f->host_path, O_RDONLY | O_CLOEXEC)) >= 0) {
		ssize_t n;

		while ((n = read(in, buf, sizeof(buf))) > 0 && write_all(out, buf, (size_t)n) == 0)
			;
		rc = n == 0 ? 0 : -1;
		close(in);
	}
	if (close(out) < 0)
		rc = -1;
	return rc;
}

static void scratch_free(sv_sandbox_box *box, struct scratch *sc)
{
	if (sc->dir_fd >= 0)
		close(sc->dir_fd);
	sc->dir_fd = -1;
	if (sc->mounted) {
		/* Whatever the program left in feedback/ goes with the unmount. */
		umount2(sc->path, MNT_DETACH | UMOUNT_NOFOLLOW);
		rmdir(sc->path);
		sc->mounted = 0;
	}
	(void)box;
}

static int scratch_setup(sv_sandbox_box *box, const sv_sandbox_run_opts *o, struct scratch *sc, char *err,
			 size_t errlen)
{
	unsigned long long bytes = 64 * 1024;
	int copy[SV_SANDBOX_MAX_FILES] = {0}, need = o->feedback_dir != NULL, data_fd = -1, fb_fd = -1;
	char opts[96];

	memset(sc, 0, sizeof(*sc));
	sc->dir_fd = -1;
	if (o->n_files > SV_SANDBOX_MAX_FILES || o->n_feedback > SV_SANDBOX_MAX_FEEDBACK ||
	    o->n_args > SV_SPEC_MAX_ARGS / 2) {
		snprintf(err, errlen, "too many files, feedback files or arguments for one run");
		return -1;
	}
	if (o->feedback_dir && !box_path_ok(o->feedback_dir)) {
		snprintf(err, errlen, "feedback directory %.200s: not an absolute box path", o->feedback_dir);
		return -1;
	}
	for (size_t i = 0; i < o->n_feedback; i++) {
		if (!sv_sandbox_file_name_ok(o->feedback_names[i])) {
			snprintf(err, errlen, "feedback file %.128s: not a plain file name", o->feedback_names[i]);
			return -1;
		}
	}
	for (size_t i = 0; i < o->n_files; i++) {
		const sv_sandbox_run_file *f = &o->files[i];
		struct stat st;

		if (!box_path_ok(f->box_path)) {
			snprintf(err, errlen, "run file %.200s: not an absolute box path",
				 f->box_path ? f->box_path : "");
			return -1;
		}
		errno = 0;
		if (f->host_path && (stat(f->host_path, &st) < 0 || !S_ISREG(st.st_mode))) {
			snprintf(err, errlen, "run file %.200s: %s", f->host_path,
				 errno ? strerror(errno) : "not a regular file");
			return -1;
		}
		/* Bound as it is when the box user may read it; else (and for bytes) a copy on the scratch tmpfs. */
		copy[i] = !f->host_path || !(st.st_mode & S_IROTH);
		if (copy[i]) {
			bytes += (f->host_path ? (unsigned long long)st.st_size : f->len) + 4096;
			need = 1;
		}
	}
	if (need) {
		bytes += (unsigned long long)(o->feedback_kb > 0 ? o->feedback_kb : FEEDBACK_KB_DEFAULT) * 1024;
		snprintf(sc->path, sizeof(sc->path), "%s/run", box->dir);
		umount2(sc->path, MNT_DETACH | UMOUNT_NOFOLLOW); /* a crashed supervisor's */
		snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=1024,mode=0755", bytes);
		if ((mkdir(sc->path, 0755) < 0 && errno != EEXIST) ||
		    mount("solveit-run", sc->path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
			snprintf(err, errlen, "cannot mount the run's scratch directory %s: %s", sc->path,
				 strerror(errno));
			rmdir(sc->path);
			return -1;
		}
		sc->mounted = 1;
		sc->dir_fd = open(sc->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sc->dir_fd < 0 || mkdirat(sc->dir_fd, "data", 0755) < 0 ||
		    (data_fd = openat(sc->dir_fd, "data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			snprintf(err, errlen, "cannot set up %s: %s", sc->path, strerror(errno));
			goto fail;
		}
	}
	if (o->feedback_dir) {
		/* Handed to the box user by descriptor before anything runs. */
		if (mkdirat(sc->dir_fd, "feedback", 0700) < 0 ||
		    (fb_fd = openat(sc->dir_fd, "feedback", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    fchown(fb_fd, box->uid, box->uid) < 0) {
			snprintf(err, errlen, "cannot make the feedback directory in %s: %s", sc->path,
				 strerror(errno));
			goto fail;
		}
		close(fb_fd);
		fb_fd = -1;
		snprintf(sc->src[sc->n_mounts], sizeof(sc->src[0]), "%s/feedback", sc->path);
		sc->mounts[sc->n_mounts] = (struct sv_mnt){
		    .kind = SV_MOUNT_DIR_RW, .src = sc->src[sc->n_mounts], .dst = (char *)o->feedback_dir};
		sc->n_mounts++;
	}
	for (size_t i = 0; i < o->n_files; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%zu", i);
		if (copy[i]) {
			if (copy_in(data_fd, name, &o->files[i]) < 0) {
				snprintf(err, errlen, "cannot copy %.200s into the box: %s",
					 o->files[i].host_path ? o->files[i].host_path : o->files[i].box_path,
					 strerror(errno));
				goto fail;
			}
			snprintf(sc->src[sc->n_mounts], sizeof(sc->src[0]), "%s/data/%s", sc->path, name);
		} else {
			snprintf(sc->src[sc->n_mounts], sizeof(sc->src[0]), "%s", o->files[i].host_path);
		}
		sc->mounts[sc->n_mounts] = (struct sv_mnt){
		    .kind = SV_MOUNT_FILE_RO, .src = sc->src[sc->n_mounts], .dst = (char *)o->files[i].box_path};
		sc->n_mounts++;
	}
	if (data_fd >= 0)
		close(data_fd);
	return 0;
fail:
	if (data_fd >= 0)
		close(data_fd);
	if (fb_fd >= 0)
		close(fb_fd);
	scratch_free(box, sc);
	return -1;
}

/* Reads back the feedback files: regular files only, never through a link, each cut to max bytes. */
static void scratch_feedback(struct scratch *sc, const sv_sandbox_run_opts *o, sv_run_result *res)
{
	size_t max = o->feedback_max ? o->feedback_max : FEEDBACK_MAX_DEFAULT;
	int fb = sc->dir_fd >= 0 ? openat(sc->dir_fd, "feedback", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;

	for (size_t i = 0; fb >= 0 && i < o->n_feedback; i++) {
		int fd = openat(fb, o->feedback_names[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		size_t len = 0;
		char *buf;

		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(buf = malloc(max + 1))) {
			close(fd);
			continue;
		}
		while (len < max) {
			ssize_t n = read(fd, buf + len, max - len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		close(fd);
		buf[len] = '\0';
		res->feedback[i] = buf;
		res->feedback_len[i] = len;
	}
	if (fb >= 0)
		close(fb);
}

/* Fills req for a run of box with the options; the scratch must outlive the run. */
static int build_req(sv_sandbox_box *box, const sv_sandbox_run_opts *o, const sv_sandbox_limits *lim,
		     struct scratch *sc, struct exec_req *req, char *err, size_t errlen)
{
	sv_exec_req_init(req, box, lim);
	req->extra_args = o->args;
	req->n_extra_args = o->n_args;
	req->extra_mounts = sc->mounts;
	req->n_extra_mounts = sc->n_mounts;
	req->stdin_data = o->stdin_data;
	req->stdin_len = o->stdin_len;
	if (o->stdin_path) {
		struct stat st;

		req->stdin_fd = open(o->stdin_path, O_RDONLY | O_CLOEXEC);
		if (req->stdin_fd < 0) {
			snprintf(err, errlen, "cannot open the input %.200s: %s", o->stdin_path, strerror(errno));
			return -1;
		}
		/* The program could reopen its stdin through /proc/self/fd/0: only a file it may not write. */
		if (fstat(req->stdin_fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 022)) {
			snprintf(err, errlen, "the input %.200s is not a regular file writable only by its owner",
				 o->stdin_path);
			close(req->stdin_fd);
			req->stdin_fd = -1;
			return -1;
		}
	}
	return 0;
}

static void ie_result(sv_run_result *res, const char *err)
{
	memset(res, 0, sizeof(*res));
	res->status = SV_RUN_IE;
	snprintf(res->message, sizeof(res->message), "%s", err);
}

int sv_sandbox_run_ex(sv_sandbox_box *box, const sv_sandbox_run_opts *opts, const sv_sandbox_limits *limits,
		      sv_run_result *result, char *err, size_t errlen)
{
	static const sv_sandbox_run_opts none;
	sv_sandbox_limits lim;
	struct scratch *sc = calloc(1, sizeof(*sc));
	struct exec_req req;
	int rc = -1;

	if (!opts)
		opts = &none;
	sv_fill_limits(&lim, limits, 0);
	if (!sc) {
		snprintf(err, errlen, "out of memory");
		ie_result(result, err);
		return -1;
	}
	if (scratch_setup(box, opts, sc, err, errlen) < 0) {
		ie_result(result, err);
		free(sc);
		return -1;
	}
	if (build_req(box, opts, &lim, sc, &req, err, errlen) < 0) {
		ie_result(result, err);
	} else {
		rc = sv_box_exec(box, &req, result, err, errlen);
		if (rc == 0)
			scratch_feedback(sc, opts, result);
	}
	scratch_free(box, sc);
	free(sc);
	return rc;
}

/* ---- interactive runs ---- */

struct side {
	sv_sandbox_box *box;
	const sv_sandbox_run_opts *opts;
	sv_sandbox_limits lim;
	struct scratch sc;
	struct exec_req req;
	sv_run_result *res;
	int rc, started, done_fd, abort_fd;
	char err[256];
	pthread_t thread;
};

static void *side_main(void *arg)
{
	struct side *s = arg;
	uint64_t one = 1;

	s->rc = sv_box_exec(s->box, &s->req, s->res, s->err, sizeof(s->err));
	if (write(s->done_fd, &one, sizeof(one)) < 0)
		sv_log(SV_LOG_ERR, "sandbox: interactive run: cannot signal the end of a side: %s", strerror(errno));
	return NULL;
}

static void side_abort(struct side *s)
{
	uint64_t one = 1;

	if (write(s->abort_fd, &one, sizeof(one)) < 0)
		sv_log(SV_LOG_ERR, "sandbox: interactive run: cannot stop a side: %s", strerror(errno));
}

/* Waits until one of the sides (not yet seen ending) ends or until deadline (0: none); returns its index,
 * or -1 at the deadline. */
static int wait_side(struct side *s, const int *seen, double deadline)
{
	for (;;) {
		struct pollfd p[2];
		int n = 0, idx[2], timeout = -1;

		for (int i = 0; i < 2; i++) {
			if (!seen[i]) {
				p[n] = (struct pollfd){.fd = s[i].done_fd, .events = POLLIN};
				idx[n++] = i;
			}
		}
		if (deadline > 0) {
			double left = deadline - sv_now_s();

			if (left <= 0)
				return -1;
			timeout = (int)(left * 1000) + 1;
		}
		if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return -1;
		for (int k = 0; k < n; k++) {
			if (p[k].revents)
				return idx[k];
		}
	}
}

static int limit_ended(const sv_run_result *r)
{
	return r->status == SV_RUN_TLE || r->status == SV_RUN_MLE || r->status == SV_RUN_OLE;
}

int sv_sandbox_interact(sv_sandbox_box *program, const sv_sandbox_run_opts *program_opts,
			const sv_sandbox_limits *program_limits, sv_sandbox_box *validator,
			const sv_sandbox_run_opts *validator_opts, const sv_sandbox_limits *validator_limits,
			const sv_sandbox_interaction *how, sv_run_result *presult, sv_run_result *vresult,
			int *validator_first, char *err, size_t errlen)
{
	static const sv_sandbox_run_opts none;
	struct side *s = calloc(2, sizeof(*s)); /* [0] the program, [1] the validator */
	int to_prog[2] = {-1, -1}, to_val[2] = {-1, -1}, seen[2] = {0, 0}, rc = -1;
	double grace = how && how->grace > 0 ? how->grace : INTERACT_GRACE_S;
	int accept = how ? how->accept_code : 0;

	memset(presult, 0, sizeof(*presult));
	memset(vresult, 0, sizeof(*vresult));
	*validator_first = 0;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		ie_result(presult, err);
		ie_result(vresult, err);
		return -1;
	}
	s[0].box = program;
	s[0].opts = program_opts ? program_opts : &none;
	s[0].res = presult;
	s[1].box = validator;
	s[1].opts = validator_opts ? validator_opts : &none;
	s[1].res = vresult;
	sv_fill_limits(&s[0].lim, program_limits, 0);
	sv_fill_limits(&s[1].lim, validator_limits, 0);
	for (int i = 0; i < 2; i++)
		s[i].sc.dir_fd = s[i].done_fd = s[i].abort_fd = -1;
	for (int i = 0; i < 2; i++) {
		s[i].done_fd = eventfd(0, EFD_CLOEXEC);
		s[i].abort_fd = eventfd(0, EFD_CLOEXEC);
		if (s[i].done_fd < 0 || s[i].abort_fd < 0) {
			snprintf(err, errlen, "eventfd: %s", strerror(errno));
			goto out;
		}
	}
	for (int i = 0; i < 2; i++) {
		if (scratch_setup(s[i].box, s[i].opts, &s[i].sc, err, errlen) < 0)
			goto out;
		sv_exec_req_init(&s[i].req, s[i].box, &s[i].lim);
		s[i].req.extra_args = s[i].opts->args;
		s[i].req.n_extra_args = s[i].opts->n_args;
		s[i].req.extra_mounts = s[i].sc.mounts;
		s[i].req.n_extra_mounts = s[i].sc.n_mounts;
		s[i].req.abort_fd = s[i].abort_fd;
		s[i].req.spec_flags = SV_SPEC_IGNORE_SIGPIPE;
	}
	if (pipe2(to_prog, O_CLOEXEC) < 0 || pipe2(to_val, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot make the interaction's pipes: %s", strerror(errno));
		goto out;
	}
	/* Each exec takes its two ends over; once both have cloned, only the boxes hold the pipes, so either
	 * side sees EOF as soon as the other is gone. */
	s[0].req.stdin_fd = to_prog[0];
	s[0].req.stdout_fd = to_val[1];
	s[1].req.stdin_fd = to_val[0];
	s[1].req.stdout_fd = to_prog[1];
	to_prog[0] = to_prog[1] = to_val[0] = to_val[1] = -1;
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&s[i].thread, NULL, side_main, &s[i]) != 0) {
			for (int k = i; k < 2; k++) {
				close(s[k].req.stdin_fd);
				close(s[k].req.stdout_fd);
				s[k].rc = -1;
				snprintf(s[k].err, sizeof(s[k].err), "cannot start a thread for the interaction");
				ie_result(s[k].res, s[k].err);
			}
			if (i == 1)
				side_abort(&s[0]);
			break;
		}
		s[i].started = 1;
	}

	if (s[0].started && s[1].started) {
		int first = wait_side(s, seen, 0);

		if (first >= 0) {
			seen[first] = 1;
			pthread_join(s[first].thread, NULL);
			s[first].started = 0;
			if (first == 1 && !(vresult->status == SV_RUN_RE && vresult->exit_code == accept)) {
				side_abort(&s[0]);
			} else if (first == 0 && (s[0].rc < 0 || limit_ended(presult))) {
				if (s[0].rc < 0 || wait_side(s, seen, sv_now_s() + grace) < 0)
					side_abort(&s[1]);
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		if (s[i].started)
			pthread_join(s[i].thread, NULL);
	}
	if (s[0].rc == 0 && s[1].rc == 0 && presult->status != SV_RUN_IE && vresult->status != SV_RUN_IE) {
		/* The inits' clocks say who ended first; a side that was stopped ended second. */
		*validator_first = presult->aborted || (!vresult->aborted && vresult->end_time > 0 &&
							vresult->end_time <= presult->end_time);
		rc = 0;
	} else {
		snprintf(err, errlen, "%s side: %s", s[0].rc || presult->status == SV_RUN_IE ? "program" : "validator",
			 s[0].rc || presult->status == SV_RUN_IE ? s[0].err : s[1].err);
	}
	for (int i = 0; i < 2; i++) {
		if (rc == 0)
			scratch_feedback(&s[i].sc, s[i].opts, s[i].res);
	}
out:
	for (int *fd = (int[]){to_prog[0], to_prog[1], to_val[0], to_val[1], -2}; *fd != -2; fd++) {
		if (*fd >= 0)
			close(*fd);
	}
	for (int i = 0; i < 2; i++) {
		if (s[i].res->status == SV_RUN_OK && rc < 0 && !s[i].res->stdout_buf)
			ie_result(s[i].res, err);
		scratch_free(s[i].box, &s[i].sc);
		if (s[i].done_fd >= 0)
			close(s[i].done_fd);
		if (s[i].abort_fd >= 0)
			close(s[i].abort_fd);
	}
	free(s);
	return rc;
}
