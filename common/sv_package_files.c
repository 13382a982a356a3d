/* The files of a package, from a zip in memory or from a directory: paths checked (no "..", not
 * absolute), symlinks resolved inside the package, sizes bounded; a zip whose files all sit in one
 * top directory ("hello/problem.yaml") is read from inside it. */
#include "sv_package_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#define MAX_LINK_HOPS 8
#define MAX_DIR_DEPTH 16

void *pkg_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	return p;
}

char *pkg_strndup(const char *s, size_t n)
{
	char *p = pkg_alloc(n + 1);

	memcpy(p, s, n);
	return p;
}

char *pkg_strdup(const char *s)
{
	return pkg_strndup(s, strlen(s));
}

static char *pkg_vprintf(const char *fmt, va_list ap)
{
	va_list again;
	int n;
	char *p;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	p = pkg_alloc((size_t)(n < 0 ? 0 : n) + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *pkg_printf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = pkg_vprintf(fmt, ap);
	va_end(ap);
	return p;
}

void *pkg_push(void **v, size_t *count, size_t *cap, size_t size)
{
	char *base;

	if (*count == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		void *grown = realloc(*v, n * size);

		if (!grown)
			abort();
		*v = grown;
		*cap = n;
	}
	base = *v;
	memset(base + *count * size, 0, size);
	return base + (*count)++ * size;
}

void pkg_warn(sv_package *pkg, const char *fmt, ...)
{
	va_list ap;
	char *w;

	va_start(ap, fmt);
	w = pkg_vprintf(fmt, ap);
	va_end(ap);
	/* a configuration inherited by several groups says the same thing once */
	for (size_t i = 0; i < pkg->warnings_count; i++)
		if (!strcmp(pkg->warnings[i], w)) {
			free(w);
			return;
		}
	*PKG_PUSH(pkg, warnings) = w;
}

int pkg_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *pkg_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

const char *pkg_extension(const char *path)
{
	const char *base = pkg_base_name(path), *dot = strrchr(base, '.');

	return dot && dot != base ? dot : "";
}

const char *pkg_text(const pkg_file *f)
{
	return (const char *)f->data;
}

int pkg_path_in(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/';
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const pkg_file *)a)->path, ((const pkg_file *)b)->path);
}

const pkg_file *pkg_find(const sv_package *pkg, const char *path)
{
	pkg_file key = {.path = (char *)path};

	/* An empty archive has no array: bsearch's pointer must not be NULL, even for 0 (UBSan). */
	if (pkg->files_count == 0)
		return NULL;
	return bsearch(&key, pkg->files, pkg->files_count, sizeof(pkg_file), file_cmp);
}

int pkg_has_prefix(const sv_package *pkg, const char *dir)
{
	for (size_t i = 0; i < pkg->files_count; i++)
		if (pkg_path_in(pkg->files[i].path, dir))
			return 1;
	return 0;
}

/* Accounts for one more file of len bytes against the limits. */
static int check_size(sv_package *pkg, const sv_package_options *opts, const char *path, size_t len, char *err,
		      size_t errlen)
{
	size_t max_file = opts && opts->max_file_bytes ? opts->max_file_bytes : (size_t)256 << 20;
	size_t max_total = opts && opts->max_total_bytes ? opts->max_total_bytes : (size_t)2 << 30;

	if (len > max_file)
		return pkg_fail(err, errlen, "%s is %zu bytes, over the limit of %zu bytes per file", path, len,
				max_file);
	if (len > max_total - pkg->total_bytes)
		return pkg_fail(err, errlen, "the package unpacks to more than the limit of %zu bytes", max_total);
	pkg->total_bytes += len;
	return 0;
}

static pkg_file *add_file(sv_package *pkg, const char *path, unsigned char *data, size_t len)
{
	pkg_file *f = PKG_PUSH(pkg, files);

	f->path = pkg_strdup(path);
	f->data = data;
	f->len = len;
	return f;
}

/* Resolves "." and ".." of a relative path in place; -1 when it climbs above the root. */
static int normalize(char *path)
{
	char *out = path, *p = path;
	int last = 0;

	while (!last) {
		char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		last = !end;
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (out == path)
				return -1;
			out--;
			while (out > path && out[-1] != '/')
				out--;
		} else {
			memmove(out, p, n);
			out += n;
			*out++ = '/';
		}
		p += n + 1;
	}
	if (out > path)
		out--;
	*out = '\0';
	return 0;
}

static int has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

/* Tools' leftovers that are never part of a package. */
static int ignored(const char *path)
{
	return !strncmp(path, "__MACOSX/", 9) || strstr(path, ".git/") == path || strstr(path, "/.git/") != NULL ||
	       !strcmp(pkg_base_name(path), ".DS_Store");
}

typedef struct {
	char *path, *target;
} zip_link;

/* Copies what target names (a file, or every file under a directory) to link; 1 when found. */
static int copy_link(sv_package *pkg, const sv_package_options *opts, const char *link, const char *target, char *err,
		     size_t errlen, int *failed)
{
	size_t n = pkg->files_count, tlen = strlen(target);
	int found = 0;

	for (size_t i = 0; i < n && !*failed; i++) {
		const char *p = pkg->files[i].path;
		char *dst;
		unsigned char *copy;

		if (strcmp(p, target) && !pkg_path_in(p, target))
			continue;
		dst = pkg_printf("%s%s", link, p + tlen);
		if (check_size(pkg, opts, dst, pkg->files[i].len, err, errlen) < 0) {
			*failed = 1;
		} else {
			copy = pkg_alloc(pkg->files[i].len + 1);
			memcpy(copy, pkg->files[i].data, pkg->files[i].len);
			add_file(pkg, dst, copy, pkg->files[i].len);
			found = 1;
		}
		free(dst);
	}
	return found;
}

static int resolve_zip_links(sv_package *pkg, const sv_package_options *opts, zip_link *links, size_t n, char *err,
			     size_t errlen)
{
	int failed = 0;

	for (int hop = 0; hop < MAX_LINK_HOPS && n > 0; hop++) {
		size_t left = 0;

		for (size_t i = 0; i < n; i++) {
			if (copy_link(pkg, opts, links[i].path, links[i].target, err, errlen, &failed))
				free(links[i].path), free(links[i].target);
			else
				links[left++] = links[i];
			if (failed)
				return -1;
		}
		if (left == n)
			break;
		n = left;
	}
	if (n > 0)
		return pkg_fail(err, errlen, "symlink %s points to %s, which is not in the package", links[0].path,
				links[0].target);
	return 0;
}

/* A zip symlink's target, relative to the package root; NULL (with err) when it leaves it. */
static char *zip_link_target(const char *path, const char *text, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *t;

	if (text[0] == '/') {
		pkg_fail(err, errlen, "symlink %s points outside the package (%s)", path, text);
		return NULL;
	}
	t = pkg_printf("%.*s%s%s", slash ? (int)(slash - path) : 0, path, slash ? "/" : "", text);
	if (normalize(t) < 0 || !*t) {
		pkg_fail(err, errlen, "symlink %s points outside the package (%s)", path, text);
		free(t);
		return NULL;
	}
	return t;
}

static int read_zip_entry(zip_t *za, zip_uint64_t i, const zip_stat_t *st, unsigned char **out, char *err,
			  size_t errlen)
{
	zip_file_t *zf = zip_fopen_index(za, i, 0);
	unsigned char *data;
	zip_int64_t got;

	if (!zf)
		return pkg_fail(err, errlen, "%s: %s", st->name, zip_strerror(za));
	data = pkg_alloc((size_t)st->size + 1);
	got = zip_fread(zf, data, st->size);
	zip_fclose(zf);
	if (got < 0 || (zip_uint64_t)got != st->size) {
		free(data);
		return pkg_fail(err, errlen, "%s: cannot be read from the zip", st->name);
	}
	*out = data;
	return 0;
}

/* Removes the one top directory every file is in, when the package root is not at the top. */
static void strip_top_dir(sv_package *pkg, char *root_name, size_t root_len)
{
	const char *first, *slash;
	size_t n;

	if (pkg->files_count == 0 || pkg_find(pkg, "problem.yaml") || pkg_find(pkg, "domjudge-problem.ini") ||
	    pkg_has_prefix(pkg, "data"))
		return;
	first = pkg->files[0].path;
	if (!(slash = strchr(first, '/')))
		return;
	n = (size_t)(slash - first) + 1;
	for (size_t i = 1; i < pkg->files_count; i++)
		if (strncmp(pkg->files[i].path, first, n))
			return;
	if (root_name && root_len > 0)
		snprintf(root_name, root_len, "%.*s", (int)(n - 1), first);
	for (size_t i = 0; i < pkg->files_count; i++)
		memmove(pkg->files[i].path, pkg->files[i].path + n, strlen(pkg->files[i].path + n) + 1);
}

static int load_zip_entries(sv_package *pkg, zip_t *za, const sv_package_options *opts, zip_link **links,
			    size_t *nlinks, size_t *cap, char *err, size_t errlen)
{
	zip_int64_t count = zip_get_num_entries(za, 0);

	for (zip_int64_t i = 0; i < count; i++) {
		zip_stat_t st;
		zip_uint8_t opsys;
		zip_uint32_t attr;
		unsigned char *data = NULL;
		size_t len;

		if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) < 0 || !(st.valid & ZIP_STAT_NAME))
			return pkg_fail(err, errlen, "zip entry %lld cannot be read", (long long)i);
		len = strlen(st.name);
		if (st.name[0] == '/' || has_dotdot(st.name))
			return pkg_fail(err, errlen, "the zip holds an unsafe path: %s", st.name);
		if (len == 0 || st.name[len - 1] == '/' || ignored(st.name))
			continue;
		if (check_size(pkg, opts, st.name, (size_t)st.size, err, errlen) < 0 ||
		    read_zip_entry(za, (zip_uint64_t)i, &st, &data, err, errlen) < 0)
			return -1;
		if (zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &opsys, &attr) == 0 &&
		    opsys == ZIP_OPSYS_UNIX && S_ISLNK(attr >> 16)) {
			char *target = zip_link_target(st.name, (const char *)data, err, errlen);

			free(data);
			if (!target)
				return -1;
			zip_link *l = pkg_push((void **)links, nlinks, cap, sizeof(zip_link));

			l->path = pkg_strdup(st.name);
			l->target = target;
			continue;
		}
		add_file(pkg, st.name + (strncmp(st.name, "./", 2) ? 0 : 2), data, (size_t)st.size);
	}
	return 0;
}

static void sort_files(sv_package *pkg)
{
	/* An empty archive has no array at all: qsort's pointer must not be NULL, even for 0. */
	if (pkg->files_count > 1)
		qsort(pkg->files, pkg->files_count, sizeof(pkg_file), file_cmp);
	for (size_t i = 1; i < pkg->files_count; i++)
		if (!strcmp(pkg->files[i - 1].path, pkg->files[i].path))
			pkg_warn(pkg, "%s is in the package twice: the first copy is used", pkg->files[i].path);
}

int pkg_load_zip(sv_package *pkg, const void *zip, size_t len, const sv_package_options *opts, char *root_name,
		 size_t root_len, char *err, size_t errlen)
{
	zip_error_t zerr;
	zip_source_t *src;
	zip_t *za;
	zip_link *links = NULL;
	size_t nlinks = 0, cap = 0;
	int rc;

	zip_error_init(&zerr);
	if (!(src = zip_source_buffer_create(zip, len, 0, &zerr))) {
		rc = pkg_fail(err, errlen, "not a zip file: %s", zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return rc;
	}
	if (!(za = zip_open_from_source(src, ZIP_RDONLY, &zerr))) {
		rc = pkg_fail(err, errlen, "not a zip file: %s", zip_error_strerror(&zerr));
		zip_source_free(src);
		zip_error_fini(&zerr);
		return rc;
	}
	zip_error_fini(&zerr);
	rc = load_zip_entries(pkg, za, opts, &links, &nlinks, &cap, err, errlen);
	zip_discard(za);
	if (rc == 0) {
		sort_files(pkg);
		rc = resolve_zip_links(pkg, opts, links, nlinks, err, errlen);
		nlinks = rc == 0 ? 0 : nlinks;
	}
	for (size_t i = 0; i < nlinks; i++)
		free(links[i].path), free(links[i].target);
	free(links);
	if (rc == 0) {
		strip_top_dir(pkg, root_name, root_len);
		sort_files(pkg);
	}
	return rc;
}

static int read_whole(const char *full, const char *path, size_t size, unsigned char **out, char *err, size_t errlen)
{
	FILE *f = fopen(full, "rb");
	unsigned char *data;

	if (!f)
		return pkg_fail(err, errlen, "%s: %s", path, strerror(errno));
	data = pkg_alloc(size + 1);
	if (size > 0 && fread(data, 1, size, f) != size) {
		fclose(f);
		free(data);
		return pkg_fail(err, errlen, "%s: cannot be read", path);
	}
	fclose(f);
	*out = data;
	return 0;
}

typedef struct {
	sv_package *pkg;
	const sv_package_options *opts;
	const char *root; /* realpath of the package */
	char *err;
	size_t errlen;
} dir_walk;

/* Follows a symlink at full (shown as path): its target must be inside the package. */
static int resolve_dir_link(dir_walk *w, const char *full, const char *path, struct stat *st, char *real,
			    size_t reallen)
{
	char buf[PATH_MAX];
	size_t n = strlen(w->root);

	if (!realpath(full, buf))
		return pkg_fail(w->err, w->errlen, "symlink %s: its target does not exist", path);
	if (strncmp(buf, w->root, n) || (buf[n] != '/' && buf[n] != '\0'))
		return pkg_fail(w->err, w->errlen, "symlink %s points outside the package", path);
	if (stat(buf, st) < 0)
		return pkg_fail(w->err, w->errlen, "symlink %s: %s", path, strerror(errno));
	snprintf(real, reallen, "%s", buf);
	return 0;
}

static int walk_dir(dir_walk *w, const char *dir, const char *prefix, int depth)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (depth > MAX_DIR_DEPTH)
		return pkg_fail(w->err, w->errlen, "%s: directories nested deeper than %d (a symlink loop?)", prefix,
				MAX_DIR_DEPTH);
	if (!(d = opendir(dir)))
		return pkg_fail(w->err, w->errlen, "%s: %s", *prefix ? prefix : dir, strerror(errno));
	while (rc == 0 && (e = readdir(d))) {
		char full[PATH_MAX], real[PATH_MAX], *path;
		struct stat st;
		unsigned char *data = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git"))
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
		path = *prefix ? pkg_printf("%s/%s", prefix, e->d_name) : pkg_strdup(e->d_name);
		snprintf(real, sizeof(real), "%s", full);
		if (lstat(full, &st) < 0)
			rc = pkg_fail(w->err, w->errlen, "%s: %s", path, strerror(errno));
		else if (S_ISLNK(st.st_mode))
			rc = resolve_dir_link(w, full, path, &st, real, sizeof(real));
		if (rc == 0 && ignored(path)) {
			/* skip */
		} else if (rc == 0 && S_ISDIR(st.st_mode)) {
			rc = walk_dir(w, real, path, depth + 1);
		} else if (rc == 0 && S_ISREG(st.st_mode)) {
			rc = check_size(w->pkg, w->opts, path, (size_t)st.st_size, w->err, w->errlen);
			if (rc == 0 && (rc = read_whole(real, path, (size_t)st.st_size, &data, w->err, w->errlen)) == 0)
				add_file(w->pkg, path, data, (size_t)st.st_size);
		} else if (rc == 0) {
			pkg_warn(w->pkg, "%s is not a regular file: skipped", path);
		}
		free(path);
	}
	closedir(d);
	return rc;
}

int pkg_load_dir(sv_package *pkg, const char *path, const sv_package_options *opts, char *err, size_t errlen)
{
	char root[PATH_MAX];
	struct stat st;
	dir_walk w = {pkg, opts, root, err, errlen};

	if (!realpath(path, root) || stat(root, &st) < 0)
		return pkg_fail(err, errlen, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pkg_fail(err, errlen, "%s is not a directory", path);
	if (walk_dir(&w, root, "", 0) < 0)
		return -1;
	sort_files(pkg);
	return 0;
}
