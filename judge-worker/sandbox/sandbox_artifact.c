/* Compiled programs taken out of a box and put into a new one (sandbox.h, "compiled programs kept for
 * later"): what the judge-worker's compile cache stores. Reading back follows the feedback files' rule
 * (sandbox_run.c): by descriptor, relative to a directory already open, never following a link, regular
 * files and directories only, and only once every process of the box has ended. Writing happens in a fresh
 * box before anything untrusted runs in it, as the source is written. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox_internal.h"

#define MAX_DEPTH 16

const char *sv_sandbox_toolchain(const sv_sandbox *sb, int language_id)
{
	const struct sv_lang *l = sv_lang_table_find(&sb->langs, language_id);

	return l && l->pub.compiled ? l->toolchain_id : NULL;
}

void sv_sandbox_artifact_free(sv_sandbox_artifact *art)
{
	if (!art)
		return;
	for (size_t i = 0; i < art->n; i++) {
		free(art->files[i].path);
		free(art->files[i].data);
	}
	free(art->files);
	memset(art, 0, sizeof(*art));
}

int sv_sandbox_artifact_path_ok(const char *path)
{
	size_t n = strlen(path);
	const char *c = path;

	if (n == 0 || n > 512 || path[0] == '/' || path[n - 1] == '/' || strstr(path, "//"))
		return 0;
	while (c) {
		size_t len = strcspn(c, "/");

		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c = c[len] ? c + len + 1 : NULL;
	}
	return 1;
}

struct reader {
	sv_sandbox_artifact *art;
	size_t max_files, max_bytes;
	char *err;
	size_t errlen;
};

static sv_sandbox_artifact_file *add_entry(struct reader *r, const char *path, const struct stat *st)
{
	sv_sandbox_artifact *a = r->art;
	sv_sandbox_artifact_file *grown, *f;

	if (a->n >= r->max_files) {
		snprintf(r->err, r->errlen, "more than %zu files", r->max_files);
		return NULL;
	}
	if (!(grown = realloc(a->files, (a->n + 1) * sizeof(*a->files)))) {
		snprintf(r->err, r->errlen, "out of memory");
		return NULL;
	}
	a->files = grown;
	f = &a->files[a->n];
	memset(f, 0, sizeof(*f));
	if (!(f->path = strdup(path))) {
		snprintf(r->err, r->errlen, "out of memory");
		return NULL;
	}
	f->is_dir = S_ISDIR(st->st_mode);
	f->mode = st->st_mode & 0777;
	a->n++;
	return f;
}

/* The bytes of the regular file open as fd, of the size fstat saw. */
static int read_bytes(struct reader *r, int fd, sv_sandbox_artifact_file *f, off_t size)
{
	size_t got = 0;

	if ((size_t)size > r->max_bytes - r->art->bytes) {
		snprintf(r->err, r->errlen, "more than %zu bytes", r->max_bytes);
		return 1;
	}
	if (size == 0)
		return 0;
	if (!(f->data = malloc((size_t)size))) {
		snprintf(r->err, r->errlen, "out of memory");
		return -1;
	}
	while (got < (size_t)size) {
		ssize_t n = read(fd, f->data + got, (size_t)size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(r->err, r->errlen, "%s: %s", f->path, n < 0 ? strerror(errno) : "shorter than it was");
			return -1;
		}
		got += (size_t)n;
	}
	f->len = got;
	r->art->bytes += got;
	return 0;
}

/* Every entry of the directory open as dfd (taken over), below prefix. */
static int read_dir(struct reader *r, int dfd, const char *prefix, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		snprintf(r->err, r->errlen, "cannot list %s: %s", *prefix ? prefix : "/prog", strerror(errno));
		close(dfd);
		return -1;
	}
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		char path[600];
		struct stat st;
		sv_sandbox_artifact_file *f;
		int fd;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "/" : "", e->d_name) >= 513) {
			snprintf(r->err, r->errlen, "a path longer than 512 bytes");
			rc = 1;
			break;
		}
		/* O_PATH first: nothing is opened for reading before its type is known (a fifo would block). */
		fd = openat(dirfd(d), e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (!(f = add_entry(r, path, &st)))
				rc = 1;
			else if (sub < 0)
				rc = -1, snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
			else
				rc = read_dir(r, sub, path, depth + 1), sub = -1;
			if (sub >= 0)
				close(sub);
		} else if (S_ISREG(st.st_mode)) {
			int rd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			struct stat again;

			if (rd < 0 || fstat(rd, &again) < 0 || again.st_ino != st.st_ino) {
				snprintf(r->err, r->errlen, "%s: %s", path, rd < 0 ? strerror(errno) : "replaced");
				rc = -1;
			} else if (!(f = add_entry(r, path, &st))) {
				rc = 1;
			} else {
				rc = read_bytes(r, rd, f, again.st_size);
			}
			if (rd >= 0)
				close(rd);
		} else {
			snprintf(r->err, r->errlen, "%s is %s", path,
				 S_ISDIR(st.st_mode)   ? "nested too deeply"
				 : S_ISLNK(st.st_mode) ? "a symbolic link"
						       : "not a regular file or a directory");
			rc = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	if (rc == 0 && errno) {
		snprintf(r->err, r->errlen, "cannot list %s: %s", *prefix ? prefix : "/prog", strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

int sv_sandbox_artifact_read(sv_sandbox_box *box, size_t max_files, size_t max_bytes, sv_sandbox_artifact *out,
			     char *err, size_t errlen)
{
	struct reader r = {out, max_files, max_bytes, err, errlen};
	int boxfd, progfd, rc;

	memset(out, 0, sizeof(*out));
	/* The box directory and prog/ in it are root's (the box user owns what is inside prog/ only). */
	boxfd = open(box->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	progfd = boxfd < 0 ? -1 : openat(boxfd, "prog", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (boxfd >= 0)
		close(boxfd);
	if (progfd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", box->prog, strerror(errno));
		return -1;
	}
	rc = read_dir(&r, progfd, "", 0);
	if (rc != 0)
		sv_sandbox_artifact_free(out);
	return rc;
}

/* The directory of path's parent, opened one component at a time below progfd, never following a link;
 * *name gets the last component. */
static int open_parent(int progfd, char *path, char **name)
{
	char *slash = strrchr(path, '/');
	int fd = dup(progfd);

	*name = path;
	if (!slash)
		return fd;
	*slash = '\0';
	for (char *c = path, *next; fd >= 0 && c; c = next) {
		int sub;

		next = strchr(c, '/');
		if (next)
			*next++ = '\0';
		sub = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = sub;
	}
	*name = slash + 1;
	return fd;
}

static int write_entry(sv_sandbox_box *box, int progfd, const sv_sandbox_artifact_file *f)
{
	char *copy = strdup(f->path), *name;
	int dfd, fd = -1, rc = -1;

	if (!copy)
		return -1;
	if ((dfd = open_parent(progfd, copy, &name)) < 0) {
		free(copy);
		return -1;
	}
	if (f->is_dir) {
		if (mkdirat(dfd, name, 0700) == 0)
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else if (sv_write_file(dfd, name, f->data ? f->data : "", f->len) == 0) {
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	/* As after a compilation: the box user's, with the compiler's modes. */
	if (fd >= 0 && fchown(fd, box->uid, box->uid) == 0 && fchmod(fd, f->mode & 0777) == 0)
		rc = 0;
	if (fd >= 0)
		close(fd);
	close(dfd);
	free(copy);
	return rc;
}

int sv_sandbox_prepare_artifact(sv_sandbox *sb, int language_id, const sv_sandbox_artifact *art,
				const sv_sandbox_limits *compile_limits, sv_sandbox_box **out, char *err, size_t errlen)
{
	const struct sv_lang *lang = sv_lang_table_find(&sb->langs, language_id);
	sv_sandbox_limits lim;
	sv_sandbox_box *box;
	int progfd = -1;

	*out = NULL;
	if (!lang || !lang->pub.available) {
		snprintf(err, errlen, "language %d is %s", language_id, lang ? "unavailable here" : "unknown");
		return -1;
	}
	for (size_t i = 0; i < art->n; i++) {
		if (!sv_sandbox_artifact_path_ok(art->files[i].path)) {
			snprintf(err, errlen, "compiled program: %.200s is not a relative path", art->files[i].path);
			return -1;
		}
	}
	sv_fill_limits(&lim, compile_limits, 1);
	if (!(box = sv_box_new(sb, lang, lim.work_kb, &progfd, err, errlen)))
		return -1;
	for (size_t i = 0; i < art->n; i++) {
		if (write_entry(box, progfd, &art->files[i]) < 0) {
			snprintf(err, errlen, "cannot write %.200s into %s: %s", art->files[i].path, box->prog,
				 strerror(errno));
			close(progfd);
			sv_sandbox_destroy(box);
			return -1;
		}
	}
	if (fchown(progfd, box->uid, box->uid) < 0) {
		snprintf(err, errlen, "cannot hand %s to the box user: %s", box->prog, strerror(errno));
		close(progfd);
		sv_sandbox_destroy(box);
		return -1;
	}
	close(progfd);
	*out = box;
	return 0;
}
