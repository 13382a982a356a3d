#ifndef TEST_CACHE_H
#define TEST_CACHE_H

#include <stddef.h>

#include "task_data.h"

/* The worker's local file cache of test data (DESIGN.md §7): one file per SHA-256, at
 * <dir>/<first 2 hex digits>/<sha256>, shared by the threads of a worker and by every worker process
 * on the same directory. A missing file is fetched from its source (PostgreSQL in the daemon) into a
 * temporary file in the directory, its SHA-256 verified, and renamed into place, so a reader never
 * sees a partial file and racing fetchers of one hash both leave the same bytes. A file is checked
 * against its hash the first time a process uses it (and again whenever its inode, size or mtime
 * changed): one that does not match is removed and fetched again. The cache holds at most
 * max_bytes: when a fetch takes it over, the files used least recently (access time, set on use)
 * are removed, except those used within the last grace seconds (other processes may be judging
 * with them). Files are mode 0644 under a 0700 directory: only the worker reaches them, and a
 * sandbox can be given one file by a bind mount. */

typedef struct test_cache test_cache;

/* Where the bytes of a file being fetched go, in order. */
typedef struct test_cache_sink test_cache_sink;

/* 0, or -1 when the local disk failed (the sink remembers why). */
int test_cache_sink_write(test_cache_sink *sink, const void *data, size_t len);

typedef enum {
	TEST_CACHE_OK = 0,
	TEST_CACHE_UNAVAILABLE, /* the source or the disk failed: try again later (err says why) */
	TEST_CACHE_BAD_DATA,    /* the source has no such file, or bytes that do not match its hash */
} test_cache_status;

/* Writes the bytes of sha256 through test_cache_sink_write. Returns TEST_CACHE_OK, or another status
 * with err. */
typedef test_cache_status (*test_cache_fetch_fn)(void *baton, const char *sha256, test_cache_sink *sink, char *err,
						 size_t errlen);

/* Creates dir (and its parents) when missing and counts what it holds. grace_s: see above (the
 * daemon uses TEST_CACHE_GRACE_S). Returns 0, or -1 with err naming the directory. */
#define TEST_CACHE_GRACE_S 600
int test_cache_open(const char *dir, long long max_bytes, int grace_s, test_cache **out, char *err, size_t errlen);
void test_cache_close(test_cache *cache);

/* 1 when text is 64 lowercase hex digits. */
int test_cache_valid_hash(const char *text);

/* The cached file's path for a hash. Returns its length, or -1 when buf is too small. */
int test_cache_path(const test_cache *cache, const char *sha256, char *buf, size_t buflen);

/* Maps every file the task needs (tests' inputs and answers, validator files), each distinct hash
 * once, fetching missing ones through fetch, and fills the tests' input, expected, input_path and
 * answer_path and the validator files' data. The mappings are recorded in task->mappings (released
 * by task_data_free). On failure nothing stays mapped. */
test_cache_status test_cache_load_task(test_cache *cache, task_data *task, test_cache_fetch_fn fetch, void *baton,
				       char *err, size_t errlen);

/* Unmaps what test_cache_load_task mapped (task_data_free calls it); NULL does nothing. */
void test_cache_release(void *mappings);

/* What the cache did since it was opened (for the unit tests and the log). */
typedef struct {
	unsigned long fetched;  /* files fetched from the source */
	unsigned long verified; /* files hashed on first use */
	unsigned long corrupt;  /* cached files that did not match their hash (removed, fetched again) */
	unsigned long evicted;  /* files removed to stay within max_bytes */
	long long bytes;        /* what the directory holds, as last counted */
} test_cache_counters;

void test_cache_get_counters(test_cache *cache, test_cache_counters *out);

#endif
