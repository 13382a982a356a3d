#include "test_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sv_log.h"

#define VERIFIED_BUCKETS 1024
#define TOUCH_EVERY_S    60   /* a file's access time is moved forward at most this often */
#define STALE_TEMP_S     3600 /* temporary files older than this are a crashed fetch's */
#define MB(bytes)        ((double)(bytes) / (1024.0 * 1024.0))

/* A file this process has hashed, as it was then. */
typedef struct verified {
	char sha256[65];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct verified *next;
} verified;

struct test_cache {
	char *dir;
	long long max_bytes;
	int grace_s;
	pthread_mutex_t lock; /* verified, counters */
	verified *buckets[VERIFIED_BUCKETS];
	test_cache_counters counters;
	pthread_mutex_t evict_lock; /* one eviction scan at a time in this process */
};

struct test_cache_sink {
	int fd;
	EVP_MD_CTX *md;
	long long written;
	char error[160];
};

/* One mapped file of a task. */
typedef struct {
	char sha256[65];
	void *addr; /* NULL for an empty file */
	size_t len;
	char *path;
} mapping;

typedef struct {
	size_t count;
	mapping items[];
} mapping_list;

int test_cache_valid_hash(const char *text)
{
	size_t i;

	for (i = 0; text && i < 64; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return 0;
	return text && i == 64 && text[64] == '\0';
}

int test_cache_path(const test_cache *cache, const char *sha256, char *buf, size_t buflen)
{
	int n = snprintf(buf, buflen, "%s/%.2s/%s", cache->dir, sha256, sha256);

	return n < 0 || (size_t)n >= buflen ? -1 : n;
}

static void hex_digest(EVP_MD_CTX *md, char out[65])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	EVP_DigestFinal_ex(md, digest, &len);
	for (unsigned i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	out[64] = '\0';
}

/* 1 when the bytes hash to sha256. */
static int bytes_match(const void *data, size_t len, const char *sha256)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char hex[65] = "";

	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(md, data, len) == 1)
		hex_digest(md, hex);
	EVP_MD_CTX_free(md);
	return strcmp(hex, sha256) == 0;
}

/* ---- the files this process has verified ---- */

static unsigned bucket_of(const char *sha256)
{
	return (unsigned)strtoul((char[]){sha256[0], sha256[1], sha256[2], '\0'}, NULL, 16) % VERIFIED_BUCKETS;
}

static int same_file(const verified *v, const struct stat *st)
{
	return v->dev == st->st_dev && v->ino == st->st_ino && v->size == st->st_size &&
	       v->mtime.tv_sec == st->st_mtim.tv_sec && v->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static int is_verified(test_cache *cache, const char *sha256, const struct stat *st)
{
	int found = 0;

	pthread_mutex_lock(&cache->lock);
	for (verified *v = cache->buckets[bucket_of(sha256)]; v && !found; v = v->next)
		found = !strcmp(v->sha256, sha256) && same_file(v, st);
	pthread_mutex_unlock(&cache->lock);
	return found;
}

static void mark_verified(test_cache *cache, const char *sha256, const struct stat *st)
{
	unsigned b = bucket_of(sha256);
	verified *v;

	pthread_mutex_lock(&cache->lock);
	for (v = cache->buckets[b]; v && strcmp(v->sha256, sha256); v = v->next)
		;
	if (!v && (v = calloc(1, sizeof(*v)))) {
		memcpy(v->sha256, sha256, 65);
		v->next = cache->buckets[b];
		cache->buckets[b] = v;
	}
	if (v) {
		v->dev = st->st_dev;
		v->ino = st->st_ino;
		v->size = st->st_size;
		v->mtime = st->st_mtim;
	}
	pthread_mutex_unlock(&cache->lock);
}

static void count(test_cache *cache, unsigned long *counter, long long bytes)
{
	pthread_mutex_lock(&cache->lock);
	if (counter)
		(*counter)++;
	cache->counters.bytes += bytes;
	pthread_mutex_unlock(&cache->lock);
}

/* ---- the size bound ---- */

typedef struct {
	char path[PATH_MAX];
	time_t used;
	long long size;
} cached_file;

/* Every cached file (stale temporary files removed on the way); *total gets their size. */
static cached_file *scan(const test_cache *cache, size_t *n, long long *total)
{
	cached_file *files = NULL;
	size_t cap = 0;
	time_t now = time(NULL);

	*n = 0;
	*total = 0;
	for (int prefix = 0; prefix < 256; prefix++) {
		char sub[PATH_MAX];
		struct dirent *e;
		DIR *d;

		snprintf(sub, sizeof(sub), "%s/%02x", cache->dir, prefix);
		if (!(d = opendir(sub)))
			continue;
		while ((e = readdir(d))) {
			struct stat st;
			char path[PATH_MAX];
			if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", sub, e->d_name) >= (int)sizeof(path) ||
			    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			if (!test_cache_valid_hash(e->d_name)) {
				if (!strncmp(e->d_name, ".tmp-", 5) && now - st.st_mtime > STALE_TEMP_S)
					unlink(path);
				continue;
			}
			if (*n == cap) {
				cached_file *grown = realloc(files, (cap = cap ? cap * 2 : 256) * sizeof(*files));
				if (!grown)
					break;
				files = grown;
			}
			strcpy(files[*n].path, path);
			files[*n].used = st.st_atime > st.st_mtime ? st.st_atime : st.st_mtime;
			files[*n].size = st.st_size;
			*total += st.st_size;
			(*n)++;
		}
		closedir(d);
	}
	return files;
}

static int by_use(const void *a, const void *b)
{
	const cached_file *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

/* Removes the least recently used files until the cache is within 90% of its bound. */
static void evict(test_cache *cache)
{
	size_t n, removed = 0;
	long long total, before;
	cached_file *files;
	time_t now = time(NULL);

	if (pthread_mutex_trylock(&cache->evict_lock) != 0)
		return; /* another thread is at it */
	files = scan(cache, &n, &total);
	before = total;
	if (total > cache->max_bytes) {
		long long goal = cache->max_bytes / 10 * 9;
		qsort(files, n, sizeof(*files), by_use);
		for (size_t i = 0; i < n && total > goal; i++) {
			if (now - files[i].used < cache->grace_s)
				break; /* sorted: every later file is in use too */
			if (unlink(files[i].path) == 0 || errno == ENOENT) {
				total -= files[i].size;
				removed++;
			}
		}
		if (total > cache->max_bytes)
			sv_log(SV_LOG_WARNING,
			       "test cache %s: %.1f MB in files used within the last %d s, above the bound of %.1f MB",
			       cache->dir, MB(total), cache->grace_s, MB(cache->max_bytes));
	}
	free(files);
	pthread_mutex_lock(&cache->lock);
	cache->counters.evicted += removed;
	cache->counters.bytes = total;
	pthread_mutex_unlock(&cache->lock);
	if (removed)
		sv_log(SV_LOG_INFO, "test cache %s: removed %zu least recently used files (%.1f -> %.1f MB)",
		       cache->dir, removed, MB(before), MB(total));
	pthread_mutex_unlock(&cache->evict_lock);
}

/* ---- opening ---- */

static int make_dirs(char *path, mode_t mode)
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
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

int test_cache_open(const char *dir, long long max_bytes, int grace_s, test_cache **out, char *err, size_t errlen)
{
	test_cache *cache = calloc(1, sizeof(*cache));
	size_t n;
	struct stat st;
	const char *why = NULL;

	if (!cache || !(cache->dir = strdup(dir))) {
		free(cache);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (strlen(cache->dir) > 1 && cache->dir[strlen(cache->dir) - 1] == '/')
		cache->dir[strlen(cache->dir) - 1] = '\0';
	if (!*cache->dir)
		why = "empty name";
	else if (make_dirs(cache->dir, 0700) < 0 || stat(cache->dir, &st) < 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = strerror(ENOTDIR);
	else if (access(cache->dir, R_OK | W_OK | X_OK) < 0)
		why = strerror(errno);
	if (why) {
		snprintf(err, errlen, "test cache directory \"%s\": %s", dir, why);
		free(cache->dir);
		free(cache);
		return -1;
	}
	cache->max_bytes = max_bytes;
	cache->grace_s = grace_s;
	pthread_mutex_init(&cache->lock, NULL);
	pthread_mutex_init(&cache->evict_lock, NULL);
	free(scan(cache, &n, &cache->counters.bytes));
	sv_log(SV_LOG_INFO, "test cache %s: %zu files, %.1f of %.1f MB", cache->dir, n, MB(cache->counters.bytes),
	       MB(max_bytes));
	if (cache->counters.bytes > max_bytes)
		evict(cache);
	*out = cache;
	return 0;
}

void test_cache_close(test_cache *cache)
{
	if (!cache)
		return;
	for (size_t b = 0; b < VERIFIED_BUCKETS; b++)
		while (cache->buckets[b]) {
			verified *next = cache->buckets[b]->next;
			free(cache->buckets[b]);
			cache->buckets[b] = next;
		}
	pthread_mutex_destroy(&cache->lock);
	pthread_mutex_destroy(&cache->evict_lock);
	free(cache->dir);
	free(cache);
}

void test_cache_get_counters(test_cache *cache, test_cache_counters *out)
{
	pthread_mutex_lock(&cache->lock);
	*out = cache->counters;
	pthread_mutex_unlock(&cache->lock);
}

/* ---- fetching ---- */

int test_cache_sink_write(test_cache_sink *sink, const void *data, size_t len)
{
	const char *p = data;

	if (EVP_DigestUpdate(sink->md, data, len) != 1) {
		snprintf(sink->error, sizeof(sink->error), "hashing failed");
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(sink->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(sink->error, sizeof(sink->error), "writing failed: %s",
				 n < 0 ? strerror(errno) : "no space");
			return -1;
		}
		p += n;
		len -= (size_t)n;
		sink->written += n;
	}
	return 0;
}

static test_cache_status fetch_file(test_cache *cache, const char *sha256, const char *path, test_cache_fetch_fn fetch,
				    void *baton, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	test_cache_sink sink = {.fd = -1};
	test_cache_status st = TEST_CACHE_UNAVAILABLE;
	char got[65] = "";
	struct stat fresh;

	snprintf(tmp, sizeof(tmp), "%s/%.2s", cache->dir, sha256);
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "test cache: cannot create %s: %s", tmp, strerror(errno));
		return TEST_CACHE_UNAVAILABLE;
	}
	snprintf(tmp, sizeof(tmp), "%s/%.2s/.tmp-%s-XXXXXX", cache->dir, sha256, sha256);
	if ((sink.fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "test cache: cannot create a file in %s: %s", cache->dir, strerror(errno));
		return TEST_CACHE_UNAVAILABLE;
	}
	fchmod(sink.fd, 0644);
	if (!(sink.md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(sink.md, EVP_sha256(), NULL) != 1) {
		snprintf(err, errlen, "test cache: cannot hash (OpenSSL)");
		goto out;
	}
	st = fetch(baton, sha256, &sink, err, errlen);
	if (st == TEST_CACHE_OK && sink.error[0]) {
		snprintf(err, errlen, "test cache %s: %s", tmp, sink.error);
		st = TEST_CACHE_UNAVAILABLE;
	}
	if (st != TEST_CACHE_OK)
		goto out;
	hex_digest(sink.md, got);
	if (strcmp(got, sha256) != 0) {
		snprintf(err, errlen, "the stored bytes of test file %s hash to %s", sha256, got);
		st = TEST_CACHE_BAD_DATA;
		goto out;
	}
	/* No fsync: a file lost or torn by a crash fails the check on first use and is fetched again. */
	if (close(sink.fd) < 0 || rename(tmp, path) < 0) {
		sink.fd = -1;
		snprintf(err, errlen, "test cache: cannot store %s: %s", path, strerror(errno));
		st = TEST_CACHE_UNAVAILABLE;
		goto out;
	}
	sink.fd = -1;
	if (stat(path, &fresh) == 0)
		mark_verified(cache, sha256, &fresh); /* hashed on the way in */
	count(cache, &cache->counters.fetched, sink.written);
	sv_log(SV_LOG_DEBUG, "test cache: fetched %s (%lld bytes)", sha256, sink.written);
out:
	if (sink.fd >= 0)
		close(sink.fd);
	if (st != TEST_CACHE_OK)
		unlink(tmp);
	EVP_MD_CTX_free(sink.md);
	return st;
}

/* Maps the cached file of m->sha256, fetching it when missing or damaged. */
static test_cache_status map_file(test_cache *cache, mapping *m, test_cache_fetch_fn fetch, void *baton, int *fetched,
				  char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (test_cache_path(cache, m->sha256, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "test cache: the directory name is too long");
		return TEST_CACHE_UNAVAILABLE;
	}
	for (int round = 0; round < 3; round++) {
		struct stat st;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		void *addr = NULL;

		if (fd < 0 && errno == ENOENT) {
			test_cache_status rc = fetch_file(cache, m->sha256, path, fetch, baton, err, errlen);
			if (rc != TEST_CACHE_OK)
				return rc;
			*fetched = 1;
			continue;
		}
		if (fd < 0 || fstat(fd, &st) < 0 ||
		    (st.st_size > 0 &&
		     (addr = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)) {
			snprintf(err, errlen, "test cache: cannot read %s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return TEST_CACHE_UNAVAILABLE;
		}
		if (!is_verified(cache, m->sha256, &st)) {
			if (!bytes_match(addr ? addr : "", (size_t)st.st_size, m->sha256)) {
				sv_log(SV_LOG_WARNING, "test cache: %s does not match its hash; fetching it again",
				       path);
				if (addr)
					munmap(addr, (size_t)st.st_size);
				close(fd);
				unlink(path);
				count(cache, &cache->counters.corrupt, -(long long)st.st_size);
				continue;
			}
			mark_verified(cache, m->sha256, &st);
			count(cache, &cache->counters.verified, 0);
		}
		if (time(NULL) - st.st_atime > TOUCH_EVERY_S)
			futimens(fd, (struct timespec[]){{0, UTIME_NOW}, {0, UTIME_OMIT}});
		close(fd);
		m->addr = addr;
		m->len = (size_t)st.st_size;
		if (!(m->path = strdup(path))) {
			if (addr)
				munmap(addr, m->len);
			m->addr = NULL;
			snprintf(err, errlen, "out of memory");
			return TEST_CACHE_UNAVAILABLE;
		}
		return TEST_CACHE_OK;
	}
	snprintf(err, errlen, "test cache: %s keeps changing under the worker", path);
	return TEST_CACHE_UNAVAILABLE;
}

/* ---- a task's files ---- */

void test_cache_release(void *mappings)
{
	mapping_list *list = mappings;

	for (size_t i = 0; list && i < list->count; i++) {
		if (list->items[i].addr)
			munmap(list->items[i].addr, list->items[i].len);
		free(list->items[i].path);
	}
	free(list);
}

static int by_hash(const void *a, const void *b)
{
	return strcmp(((const mapping *)a)->sha256, ((const mapping *)b)->sha256);
}

static const mapping *find(const mapping_list *list, const char *sha256)
{
	mapping key;

	memcpy(key.sha256, sha256, 65);
	return bsearch(&key, list->items, list->count, sizeof(mapping), by_hash);
}

/* The task's distinct hashes, sorted, not yet mapped. */
static mapping_list *distinct_hashes(const task_data *task)
{
	size_t n = 2 * task->test_count + task->validator_file_count, k = 0;
	mapping_list *list = calloc(1, sizeof(*list) + (n ? n : 1) * sizeof(mapping));

	if (!list)
		return NULL;
	for (size_t i = 0; i < task->test_count; i++) {
		memcpy(list->items[k++].sha256, task->tests[i].input_sha256, 65);
		memcpy(list->items[k++].sha256, task->tests[i].answer_sha256, 65);
	}
	for (size_t i = 0; i < task->validator_file_count; i++)
		memcpy(list->items[k++].sha256, task->validator_files[i].sha256, 65);
	qsort(list->items, n, sizeof(mapping), by_hash);
	for (size_t i = 0; i < n; i++)
		if (list->count == 0 || strcmp(list->items[list->count - 1].sha256, list->items[i].sha256))
			list->items[list->count++] = list->items[i];
	return list;
}

static void point_at(const mapping *m, const char **data, size_t *len)
{
	*data = m->addr ? m->addr : "";
	*len = m->len;
}

test_cache_status test_cache_load_task(test_cache *cache, task_data *task, test_cache_fetch_fn fetch, void *baton,
				       char *err, size_t errlen)
{
	mapping_list *list;
	int fetched = 0;

	for (size_t i = 0; i < task->test_count; i++)
		if (!test_cache_valid_hash(task->tests[i].input_sha256) ||
		    !test_cache_valid_hash(task->tests[i].answer_sha256)) {
			snprintf(err, errlen, "test %lld has no valid SHA-256", task->tests[i].id);
			return TEST_CACHE_BAD_DATA;
		}
	if (!(list = distinct_hashes(task))) {
		snprintf(err, errlen, "out of memory");
		return TEST_CACHE_UNAVAILABLE;
	}
	for (size_t i = 0; i < list->count; i++) {
		test_cache_status st = map_file(cache, &list->items[i], fetch, baton, &fetched, err, errlen);
		if (st != TEST_CACHE_OK) {
			list->count = i;
			test_cache_release(list);
			return st;
		}
	}
	for (size_t i = 0; i < task->test_count; i++) {
		task_test *t = &task->tests[i];
		const mapping *in = find(list, t->input_sha256), *ans = find(list, t->answer_sha256);
		point_at(in, &t->input, &t->input_len);
		point_at(ans, &t->expected, &t->expected_len);
		t->input_path = in->path;
		t->answer_path = ans->path;
	}
	for (size_t i = 0; i < task->validator_file_count; i++)
		point_at(find(list, task->validator_files[i].sha256), &task->validator_files[i].data,
			 &task->validator_files[i].data_len);
	test_cache_release(task->mappings);
	task->mappings = list;
	if (fetched) {
		pthread_mutex_lock(&cache->lock);
		fetched = cache->counters.bytes > cache->max_bytes;
		pthread_mutex_unlock(&cache->lock);
		if (fetched)
			evict(cache);
	}
	return TEST_CACHE_OK;
}
