/* The compile cache: entries on disk and the size bound (compile_cache.h), and the local executor's
 * prepare through it. */
#define _GNU_SOURCE
#include "compile_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sv_log.h"
#include "worker_stats.h"

#define MAGIC       "SVCC1\n\0\0"
#define MAGIC_LEN   8
#define DIGEST_LEN  32
#define STALE_TMP_S 3600

struct compile_cache {
	char *dir;
	long long max_bytes;
	pthread_mutex_t lock; /* counters */
	pthread_mutex_t evict_lock;
	compile_cache_counters counters;
	unsigned long tmp_seq;
};

void compile_cache_entry_free(compile_cache_entry *e)
{
	if (!e)
		return;
	free(e->output);
	sv_sandbox_artifact_free(&e->program);
	memset(e, 0, sizeof(*e));
}

static void count(compile_cache *c, unsigned long *counter, long long bytes)
{
	pthread_mutex_lock(&c->lock);
	if (counter)
		(*counter)++;
	c->counters.bytes += bytes;
	pthread_mutex_unlock(&c->lock);
}

void compile_cache_get_counters(compile_cache *cache, compile_cache_counters *out)
{
	pthread_mutex_lock(&cache->lock);
	*out = cache->counters;
	pthread_mutex_unlock(&cache->lock);
}

/* ---- keys ---- */

static void to_hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int sha256(const void *data, size_t len, unsigned char out[DIGEST_LEN])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == DIGEST_LEN ? 0 : -1;
}

void compile_cache_key(int language_id, const char *toolchain, const sv_sandbox_limits *limits, const void *source,
		       size_t len, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[DIGEST_LEN];
	unsigned int n = 0;
	char head[512];
	int hl;

	/* Every part with its length, so that no two different inputs give the same bytes. */
	hl = snprintf(head, sizeof(head), "solveit-compile-cache 1\nlanguage %d\nlimits %.3f %ld %ld %d %ld %d %ld\n",
		      language_id, limits ? limits->cpu_time : 0, limits ? limits->memory_kb : 0,
		      limits ? limits->stack_kb : 0, limits ? limits->processes : 0, limits ? limits->file_size_kb : 0,
		      limits ? limits->open_files : 0, limits ? limits->work_kb : 0);
	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(md, head, (size_t)hl) == 1) {
		char sizes[64];
		size_t tl = toolchain ? strlen(toolchain) : 0;
		int sl = snprintf(sizes, sizeof(sizes), "toolchain %zu source %zu\n", tl, len);

		EVP_DigestUpdate(md, sizes, (size_t)sl);
		EVP_DigestUpdate(md, toolchain ? toolchain : "", tl);
		EVP_DigestUpdate(md, source, len);
		EVP_DigestFinal_ex(md, digest, &n);
	}
	EVP_MD_CTX_free(md);
	if (n != DIGEST_LEN)
		memset(digest, 0, sizeof(digest)); /* no digest: a key nothing is stored under (see put) */
	to_hex(digest, DIGEST_LEN, out);
}

static int key_ok(const char *key)
{
	if (strlen(key) != 64 || !strcmp(key, "0000000000000000000000000000000000000000000000000000000000000000"))
		return 0;
	for (const char *p = key; *p; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	}
	return 1;
}

/* ---- the entry format: magic, fields, then the SHA-256 of all that ---- */

typedef struct {
	unsigned char *p;
	size_t len, cap;
	int failed;
} wbuf;

static void put_bytes(wbuf *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *grown;

		while (cap < b->len + n)
			cap *= 2;
		if (!(grown = realloc(b->p, cap))) {
			b->failed = 1;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_u64(wbuf *b, uint64_t v)
{
	unsigned char le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	put_bytes(b, le, 8);
}

static void put_blob(wbuf *b, const void *data, size_t n)
{
	put_u64(b, n);
	put_bytes(b, data, n);
}

typedef struct {
	const unsigned char *p;
	size_t left;
} rbuf;

static int get_u64(rbuf *r, uint64_t *v)
{
	if (r->left < 8)
		return -1;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	r->left -= 8;
	return 0;
}

/* A blob as a NUL-terminated copy (NULL for an empty one when may_be_null). */
static int get_blob(rbuf *r, char **out, size_t *len, size_t max, int may_be_null)
{
	uint64_t n;

	*out = NULL;
	if (get_u64(r, &n) < 0 || n > r->left || n > max)
		return -1;
	*len = (size_t)n;
	if (n == 0 && may_be_null)
		return 0;
	if (!(*out = malloc((size_t)n + 1)))
		return -1;
	memcpy(*out, r->p, (size_t)n);
	(*out)[n] = '\0';
	r->p += n;
	r->left -= (size_t)n;
	return 0;
}

static int encode(const compile_cache_entry *e, wbuf *b)
{
	const sv_sandbox_artifact *a = &e->program;
	unsigned char digest[DIGEST_LEN];

	put_bytes(b, MAGIC, MAGIC_LEN);
	put_u64(b, (uint64_t)e->compile_error);
	put_u64(b, (uint64_t)(int64_t)e->exit_code);
	put_blob(b, e->message, strlen(e->message));
	put_blob(b, e->output, e->output ? e->output_len : 0);
	put_u64(b, a->n);
	for (size_t i = 0; i < a->n; i++) {
		put_u64(b, (uint64_t)a->files[i].is_dir);
		put_u64(b, a->files[i].mode & 0777);
		put_blob(b, a->files[i].path, strlen(a->files[i].path));
		put_blob(b, a->files[i].data, a->files[i].len);
	}
	if (b->failed || sha256(b->p, b->len, digest) < 0)
		return -1;
	put_bytes(b, digest, DIGEST_LEN);
	return b->failed ? -1 : 0;
}

static int decode(const unsigned char *data, size_t len, compile_cache_entry *e)
{
	unsigned char digest[DIGEST_LEN];
	rbuf r = {data + MAGIC_LEN, len - MAGIC_LEN - DIGEST_LEN};
	uint64_t ce, code, n;
	char *msg;
	size_t msg_len;

	memset(e, 0, sizeof(*e));
	if (len < MAGIC_LEN + DIGEST_LEN || memcmp(data, MAGIC, MAGIC_LEN) ||
	    sha256(data, len - DIGEST_LEN, digest) < 0 || memcmp(digest, data + len - DIGEST_LEN, DIGEST_LEN))
		return -1;
	if (get_u64(&r, &ce) < 0 || ce > 1 || get_u64(&r, &code) < 0 ||
	    get_blob(&r, &msg, &msg_len, sizeof(e->message) - 1, 1) < 0)
		return -1;
	e->compile_error = (int)ce;
	e->exit_code = (int)(int64_t)code;
	snprintf(e->message, sizeof(e->message), "%s", msg ? msg : "");
	free(msg);
	if (get_blob(&r, &e->output, &e->output_len, COMPILE_CACHE_MAX_ENTRY, 1) < 0 || get_u64(&r, &n) < 0 ||
	    n > COMPILE_CACHE_MAX_FILES || !(e->program.files = calloc((size_t)n + 1, sizeof(*e->program.files))))
		goto fail;
	for (uint64_t i = 0; i < n; i++) {
		sv_sandbox_artifact_file *f = &e->program.files[i];
		uint64_t dir, mode;
		size_t path_len;

		e->program.n++;
		if (get_u64(&r, &dir) < 0 || dir > 1 || get_u64(&r, &mode) < 0 || mode > 0777 ||
		    get_blob(&r, &f->path, &path_len, 512, 0) < 0 || strlen(f->path) != path_len ||
		    !sv_sandbox_artifact_path_ok(f->path) ||
		    get_blob(&r, &f->data, &f->len, COMPILE_CACHE_MAX_ENTRY, 1) < 0 || (dir && f->len))
			goto fail;
		f->is_dir = (int)dir;
		f->mode = (unsigned)mode;
		e->program.bytes += f->len;
	}
	if (r.left == 0)
		return 0;
fail:
	compile_cache_entry_free(e);
	return -1;
}

/* ---- files ---- */

static int entry_path(const compile_cache *c, const char *key, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", c->dir, key) < (int)len ? 0 : -1;
}

static unsigned char *read_file(int fd, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > COMPILE_CACHE_MAX_ENTRY * 2LL ||
	    !(buf = malloc((size_t)st.st_size + 1)))
		return NULL;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	*len = got;
	return buf;
}

int compile_cache_get(compile_cache *c, const char *key, compile_cache_entry *e)
{
	char path[PATH_MAX];
	unsigned char *data = NULL;
	size_t len = 0;
	int fd;

	memset(e, 0, sizeof(*e));
	if (!key_ok(key) || entry_path(c, key, path, sizeof(path)) < 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		count(c, &c->counters.misses, 0);
		return 0;
	}
	data = read_file(fd, &len);
	if (!data || decode(data, len, e) < 0) {
		/* Not what was written: never used, and gone so that the next compilation replaces it. */
		sv_log(SV_LOG_WARNING,
		       "compile cache: entry %s is damaged (%zu bytes that do not match their hash); "
		       "removed",
		       path, len);
		if (unlink(path) == 0)
			count(c, NULL, -(long long)len);
		close(fd);
		free(data);
		count(c, &c->counters.corrupt, 0);
		count(c, &c->counters.misses, 0);
		return 0;
	}
	futimens(fd, NULL); /* used now: the last to be evicted */
	close(fd);
	free(data);
	count(c, &c->counters.hits, 0);
	return 1;
}

typedef struct {
	char name[80];
	time_t used;
	long long size;
} cached_entry;

static int by_use(const void *a, const void *b)
{
	const cached_entry *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

/* What the directory holds (stale temporary files removed on the way), in *n entries. */
static cached_entry *scan(compile_cache *c, size_t *n, long long *total)
{
	cached_entry *v = NULL;
	size_t cap = 0;
	DIR *d = opendir(c->dir);
	struct dirent *de;
	time_t now = time(NULL);

	*n = 0;
	*total = 0;
	while (d && (de = readdir(d))) {
		struct stat st;

		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (!key_ok(de->d_name)) {
			if (!strncmp(de->d_name, ".tmp-", 5) && now - st.st_mtime > STALE_TMP_S)
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (*n == cap) {
			cached_entry *grown = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!grown)
				break;
			v = grown;
		}
		memcpy(v[*n].name, de->d_name, 65); /* key_ok: 64 hex digits */
		v[*n].used = st.st_mtime;
		v[*n].size = st.st_size;
		*total += st.st_size;
		(*n)++;
	}
	if (d)
		closedir(d);
	return v;
}

/* Down to 90 % of the bound, least recently used first. */
static void evict(compile_cache *c)
{
	size_t n, removed = 0;
	long long total, goal = c->max_bytes / 10 * 9;
	cached_entry *v;

	if (pthread_mutex_trylock(&c->evict_lock) != 0)
		return;
	v = scan(c, &n, &total);
	if (total > c->max_bytes) {
		qsort(v, n, sizeof(*v), by_use);
		for (size_t i = 0; i < n && total > goal; i++) {
			char path[PATH_MAX];

			if (entry_path(c, v[i].name, path, sizeof(path)) == 0 &&
			    (unlink(path) == 0 || errno == ENOENT)) {
				total -= v[i].size;
				removed++;
			}
		}
	}
	free(v);
	pthread_mutex_lock(&c->lock);
	c->counters.evicted += removed;
	c->counters.bytes = total;
	pthread_mutex_unlock(&c->lock);
	if (removed)
		sv_log(SV_LOG_INFO, "compile cache %s: removed %zu least recently used entries (now %lld bytes)",
		       c->dir, removed, total);
	pthread_mutex_unlock(&c->evict_lock);
}

int compile_cache_put(compile_cache *c, const char *key, const compile_cache_entry *e)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	wbuf b = {0};
	unsigned long seq;
	FILE *f;
	int fd, rc = -1;

	if (!key_ok(key) || entry_path(c, key, path, sizeof(path)) < 0)
		return -1;
	if (encode(e, &b) < 0) {
		free(b.p);
		sv_log(SV_LOG_WARNING, "compile cache: out of memory encoding an entry");
		return -1;
	}
	if ((long long)b.len > c->max_bytes || b.len > COMPILE_CACHE_MAX_ENTRY) {
		free(b.p);
		return 0; /* larger than the cache may hold: compiled every time */
	}
	pthread_mutex_lock(&c->lock);
	seq = ++c->tmp_seq;
	pthread_mutex_unlock(&c->lock);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-%lu", c->dir, (long)getpid(), seq);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && (f = fdopen(fd, "wb"))) {
		size_t wrote = fwrite(b.p, 1, b.len, f);

		if (fclose(f) == 0 && wrote == b.len)
			rc = rename(tmp, path);
	} else if (fd >= 0) {
		close(fd);
	}
	if (rc < 0) {
		sv_log(SV_LOG_WARNING, "compile cache: cannot store %s: %s", path, strerror(errno));
		unlink(tmp);
	} else {
		count(c, &c->counters.stored, (long long)b.len);
	}
	free(b.p);
	if (rc == 0 && c->counters.bytes > c->max_bytes)
		evict(c);
	return rc;
}

/* ---- opening ---- */

static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

int compile_cache_open(const char *dir, long long max_bytes, compile_cache **out, char *err, size_t errlen)
{
	compile_cache *c;
	struct stat st;
	const char *why = NULL;
	size_t n;

	*out = NULL;
	if (!dir || !*dir || !strcmp(dir, "none"))
		return 0;
	if (dir[0] != '/') {
		snprintf(err, errlen, "compile cache directory \"%s\" (--compile-cache): not an absolute path", dir);
		return -1;
	}
	if (!(c = calloc(1, sizeof(*c))) || !(c->dir = strdup(dir))) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (strlen(c->dir) > 1 && c->dir[strlen(c->dir) - 1] == '/')
		c->dir[strlen(c->dir) - 1] = '\0';
	if (make_dirs(c->dir) < 0 || lstat(c->dir, &st) < 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else if (st.st_uid != geteuid() || (st.st_mode & 077))
		why = "must be a directory of the worker's user that no one else can read or write (mode 0700)";
	if (why) {
		snprintf(err, errlen, "compile cache directory \"%s\" (--compile-cache): %s", dir, why);
		free(c->dir);
		free(c);
		return -1;
	}
	c->max_bytes = max_bytes > 0 ? max_bytes : COMPILE_CACHE_DEFAULT_MAX_BYTES;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->evict_lock, NULL);
	free(scan(c, &n, &c->counters.bytes));
	sv_log(SV_LOG_INFO, "compile cache %s: %zu entries, %lld of %lld bytes", c->dir, n, c->counters.bytes,
	       c->max_bytes);
	if (c->counters.bytes > c->max_bytes)
		evict(c);
	*out = c;
	return 0;
}

void compile_cache_close(compile_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->evict_lock);
	free(c->dir);
	free(c);
}

/* ---- the local executor's prepare ---- */

/* A hit: the box from the kept program, or the kept compile error, as the compiler gave them. */
static int prepare_hit(sv_sandbox *sb, int language_id, const compile_cache_entry *e, const sv_sandbox_limits *limits,
		       sv_sandbox_box **out, sv_run_result *compile, char *err, size_t errlen)
{
	memset(compile, 0, sizeof(*compile));
	compile->exit_code = e->exit_code;
	snprintf(compile->message, sizeof(compile->message), "%s", e->message);
	if (e->output_len && !(compile->stdout_buf = strndup(e->output, e->output_len))) {
		snprintf(err, errlen, "out of memory");
		compile->status = SV_RUN_IE;
		return -1;
	}
	compile->stdout_len = compile->stdout_buf ? e->output_len : 0;
	if (e->compile_error) {
		compile->status = SV_RUN_CE;
		return 1;
	}
	if (sv_sandbox_prepare_artifact(sb, language_id, &e->program, limits, out, err, errlen) < 0) {
		compile->status = SV_RUN_IE;
		snprintf(compile->message, sizeof(compile->message), "%s", err);
		return -1;
	}
	compile->status = SV_RUN_OK;
	return 0;
}

/* After a miss: keeps what the compiler gave when it is deterministic. */
static void keep(compile_cache *cache, const char *key, int rc, sv_sandbox_box *box, const sv_run_result *compile)
{
	compile_cache_entry e = {0};
	char why[256];
	int read_rc;

	if (rc == 1 && (compile->wall_exceeded || compile->exit_code <= 0 || compile->signal ||
			strncmp(compile->message, "Compilation failed (exit status", 31)))
		return; /* a limit or a signal: it may go otherwise next time */
	if (rc == 0 && (read_rc = sv_sandbox_artifact_read(box, COMPILE_CACHE_MAX_FILES, COMPILE_CACHE_MAX_ENTRY,
							   &e.program, why, sizeof(why))) != 0) {
		sv_log(read_rc > 0 ? SV_LOG_INFO : SV_LOG_WARNING, "compile cache: compiled program not kept: %s", why);
		return;
	}
	e.compile_error = rc == 1;
	e.exit_code = compile->exit_code;
	snprintf(e.message, sizeof(e.message), "%s", compile->message);
	e.output = compile->stdout_buf;
	e.output_len = compile->stdout_len;
	compile_cache_put(cache, key, &e);
	e.output = NULL; /* the compile result's */
	compile_cache_entry_free(&e);
}

int compile_cache_prepare(compile_cache *cache, sv_sandbox *sb, int language_id, const char *source, size_t source_len,
			  const sv_sandbox_limits *compile_limits, sv_sandbox_box **out, sv_run_result *compile,
			  char *err, size_t errlen)
{
	const sv_language *lang = sv_sandbox_language(sb, language_id);
	const char *toolchain = sv_sandbox_toolchain(sb, language_id);
	compile_cache_entry e;
	sv_sandbox_limits lim;
	char key[65];
	int rc;

	/* Interpreted languages have nothing to keep; unknown ones get the sandbox's own error. */
	if (!cache || !lang || !lang->available || !lang->compiled || !toolchain)
		return sv_sandbox_prepare(sb, language_id, source, source_len, compile_limits, out, compile, err,
					  errlen);
	sv_sandbox_limits_compile_defaults(&lim);
	if (compile_limits)
		lim = *compile_limits;
	compile_cache_key(language_id, toolchain, &lim, source, source_len, key);
	if (compile_cache_get(cache, key, &e)) {
		rc = prepare_hit(sb, language_id, &e, compile_limits, out, compile, err, errlen);
		compile_cache_entry_free(&e);
		if (rc >= 0) {
			stats_add(STAT_COMPILE_CACHE_HITS, 1);
			return rc;
		}
		sv_log(SV_LOG_WARNING, "compile cache: a kept program could not be set up (%s); compiling", err);
		sv_run_result_free(compile);
	}
	stats_add(STAT_COMPILE_CACHE_MISSES, 1);
	rc = sv_sandbox_prepare(sb, language_id, source, source_len, compile_limits, out, compile, err, errlen);
	if (rc >= 0)
		keep(cache, key, rc, *out, compile);
	return rc;
}
