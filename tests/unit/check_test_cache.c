/* judge-worker: the local file cache of test data (test_cache.h) against a fake source. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "task_data.h"
#include "test_cache.h"

Suite *test_cache_suite(void);

/* ---- a fake blobs table ---- */

typedef struct {
	const char *data;
	size_t len;
	char sha256[65];
	int lie; /* serve other bytes than the hash says */
} blob;

typedef struct {
	blob blobs[8];
	size_t count;
	int fetches;
	int down;
} source;

static void hash_of(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	unsigned n = 0;

	EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static const blob *add_blob(source *src, const char *data, size_t len)
{
	blob *b = &src->blobs[src->count++];

	b->data = data;
	b->len = len;
	hash_of(data, len, b->sha256);
	return b;
}

static test_cache_status fake_fetch(void *baton, const char *sha256, test_cache_sink *sink, char *err, size_t errlen)
{
	source *src = baton;

	src->fetches++;
	if (src->down) {
		snprintf(err, errlen, "PostgreSQL unavailable: fake");
		return TEST_CACHE_UNAVAILABLE;
	}
	for (size_t i = 0; i < src->count; i++) {
		const blob *b = &src->blobs[i];
		if (strcmp(b->sha256, sha256) != 0)
			continue;
		/* in two pieces, as slices arrive */
		if (test_cache_sink_write(sink, b->data, b->len / 2) < 0 ||
		    test_cache_sink_write(sink, b->lie ? "!" : b->data + b->len / 2, b->lie ? 1 : b->len - b->len / 2) <
			0)
			return TEST_CACHE_OK;
		return TEST_CACHE_OK;
	}
	snprintf(err, errlen, "test file %s is not in the database", sha256);
	return TEST_CACHE_BAD_DATA;
}

/* ---- fixtures ---- */

static char dir[64];

static void make_dir(void)
{
	strcpy(dir, "/tmp/check-test-cache-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char sub[512];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(sub);
		else
			unlink(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void remove_dir(void)
{
	remove_tree(dir);
}

static test_cache *open_cache(long long max_bytes, int grace_s)
{
	test_cache *cache = NULL;
	char err[256] = "";

	ck_assert_msg(test_cache_open(dir, max_bytes, grace_s, &cache, err, sizeof(err)) == 0, "%s", err);
	return cache;
}

/* A task whose tests use the given blobs: test i has input ins[i] and answer ans[i]. */
static void make_task(task_data *task, size_t n, const blob *const *ins, const blob *const *ans)
{
	memset(task, 0, sizeof(*task));
	task->id = 1;
	task->tests = calloc(n, sizeof(task_test));
	task->test_count = n;
	for (size_t i = 0; i < n; i++) {
		task->tests[i].id = (long long)i + 1;
		task->tests[i].order = (int)i + 1;
		task->tests[i].group = -1;
		memcpy(task->tests[i].input_sha256, ins[i]->sha256, 65);
		memcpy(task->tests[i].answer_sha256, ans[i]->sha256, 65);
	}
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : (size_t)-1;
}

/* Files in dir/<prefix>/ whose name starts with ".tmp-". */
static int temp_files(void)
{
	int found = 0;

	for (int p = 0; p < 256; p++) {
		char sub[512];
		DIR *d;
		struct dirent *e;
		snprintf(sub, sizeof(sub), "%s/%02x", dir, p);
		if (!(d = opendir(sub)))
			continue;
		while ((e = readdir(d)))
			found += !strncmp(e->d_name, ".tmp-", 5);
		closedir(d);
	}
	return found;
}

static const char binary_in[] = "\0\xff\xfe binary\n\x80";
static const char binary_ans[] = "ans\0\xc3\x28\n";

/* ---- tests ---- */

START_TEST(hashes_and_paths)
{
	test_cache *cache;
	char path[512], want[512];
	const char *empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

	cache = open_cache(1 << 20, 0);
	ck_assert(test_cache_valid_hash(empty));
	ck_assert(!test_cache_valid_hash("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
	ck_assert(!test_cache_valid_hash("e3b0"));
	ck_assert(!test_cache_valid_hash(NULL));
	ck_assert_int_gt(test_cache_path(cache, empty, path, sizeof(path)), 0);
	snprintf(want, sizeof(want), "%s/e3/%s", dir, empty);
	ck_assert_str_eq(path, want);
	ck_assert_int_eq(test_cache_path(cache, empty, path, 10), -1);
	test_cache_close(cache);
}
END_TEST

START_TEST(binary_files_are_fetched_once_and_mapped)
{
	source src = {0};
	const blob *in = add_blob(&src, binary_in, sizeof(binary_in) - 1);
	const blob *ans = add_blob(&src, binary_ans, sizeof(binary_ans) - 1);
	const blob *empty = add_blob(&src, "", 0);
	const blob *ins[] = {in, in, empty}, *anss[] = {ans, ans, ans};
	test_cache *cache;
	test_cache_counters c;
	task_data task;
	char err[256] = "", want[1024];

	cache = open_cache(1 << 20, 0);
	make_task(&task, 3, ins, anss);
	ck_assert_msg(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)) == TEST_CACHE_OK, "%s",
		      err);
	/* identical tests: one file, fetched once */
	ck_assert_int_eq(src.fetches, 3);
	ck_assert_uint_eq(task.tests[0].input_len, sizeof(binary_in) - 1);
	ck_assert_mem_eq(task.tests[0].input, binary_in, sizeof(binary_in) - 1);
	ck_assert_mem_eq(task.tests[1].expected, binary_ans, sizeof(binary_ans) - 1);
	ck_assert_ptr_eq(task.tests[0].input, task.tests[1].input);
	ck_assert_str_eq(task.tests[0].input_path, task.tests[1].input_path);
	snprintf(want, sizeof(want), "%s/%.2s/%s", dir, in->sha256, in->sha256);
	ck_assert_str_eq(task.tests[0].input_path, want);
	ck_assert_uint_eq(file_size(want), sizeof(binary_in) - 1);
	/* an empty file maps nothing and points at "" */
	ck_assert_uint_eq(task.tests[2].input_len, 0);
	ck_assert_str_eq(task.tests[2].input, "");
	ck_assert_uint_eq(file_size(task.tests[2].input_path), 0);
	ck_assert_int_eq(temp_files(), 0);
	test_cache_get_counters(cache, &c);
	ck_assert_uint_eq(c.fetched, 3);
	ck_assert_uint_eq(c.verified, 0); /* hashed on the way in */
	task_data_free(&task);
	ck_assert_ptr_null(task.tests);
	test_cache_close(cache);

	/* Another process on the same directory: nothing fetched, each file checked once. */
	cache = open_cache(1 << 20, 0);
	make_task(&task, 3, ins, anss);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_OK);
	task_data_free(&task);
	make_task(&task, 3, ins, anss);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_OK);
	ck_assert_mem_eq(task.tests[1].input, binary_in, sizeof(binary_in) - 1);
	task_data_free(&task);
	ck_assert_int_eq(src.fetches, 3);
	test_cache_get_counters(cache, &c);
	ck_assert_uint_eq(c.fetched, 0);
	ck_assert_uint_eq(c.verified, 3);
	ck_assert_int_eq(c.bytes, (long long)(sizeof(binary_in) - 1 + sizeof(binary_ans) - 1));
	test_cache_close(cache);
}
END_TEST

START_TEST(a_corrupted_file_is_fetched_again)
{
	source src = {0};
	const blob *in = add_blob(&src, binary_in, sizeof(binary_in) - 1);
	const blob *ans = add_blob(&src, binary_ans, sizeof(binary_ans) - 1);
	const blob *ins[] = {in}, *anss[] = {ans};
	test_cache *cache;
	test_cache_counters c;
	task_data task;
	char err[256] = "", path[1024];
	int fd;

	cache = open_cache(1 << 20, 0);
	make_task(&task, 1, ins, anss);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_OK);
	snprintf(path, sizeof(path), "%s", task.tests[0].answer_path);
	task_data_free(&task);
	/* same size, other bytes: only the hash tells */
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "XYZ", 3), 3);
	close(fd);
	make_task(&task, 1, ins, anss);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_OK);
	ck_assert_mem_eq(task.tests[0].expected, binary_ans, sizeof(binary_ans) - 1);
	task_data_free(&task);
	ck_assert_int_eq(src.fetches, 3);
	test_cache_get_counters(cache, &c);
	ck_assert_uint_eq(c.corrupt, 1);
	ck_assert_uint_eq(c.fetched, 3);
	test_cache_close(cache);
}
END_TEST

START_TEST(a_source_that_fails_leaves_nothing)
{
	source src = {0};
	const blob *in = add_blob(&src, binary_in, sizeof(binary_in) - 1);
	blob *ans = (blob *)add_blob(&src, binary_ans, sizeof(binary_ans) - 1);
	const blob *ins[] = {in}, *anss[] = {ans};
	blob missing = {.data = "gone"};
	const blob *gone[] = {&missing};
	test_cache *cache;
	task_data task;
	char err[256] = "";

	cache = open_cache(1 << 20, 0);
	/* bytes that do not hash to their name */
	ans->lie = 1;
	make_task(&task, 1, ins, anss);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_BAD_DATA);
	ck_assert_msg(strstr(err, ans->sha256) && strstr(err, "hash to"), "%s", err);
	ck_assert_ptr_null(task.mappings);
	ck_assert_ptr_null(task.tests[0].input_path);
	ck_assert_int_eq(temp_files(), 0);
	task_data_free(&task);
	/* a hash the source does not know */
	hash_of("gone", 4, missing.sha256);
	make_task(&task, 1, ins, gone);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_BAD_DATA);
	ck_assert_msg(strstr(err, "is not in the database"), "%s", err);
	task_data_free(&task);
	/* the source is down: try again later */
	ans->lie = 0;
	src.down = 1;
	make_task(&task, 1, anss, anss);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)),
			 TEST_CACHE_UNAVAILABLE);
	ck_assert_msg(strstr(err, "unavailable"), "%s", err);
	task_data_free(&task);
	/* a test without a valid hash is refused before anything is fetched */
	make_task(&task, 1, anss, anss);
	strcpy(task.tests[0].input_sha256, "not-a-hash");
	src.fetches = 0;
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_BAD_DATA);
	ck_assert_int_eq(src.fetches, 0);
	task_data_free(&task);
	test_cache_close(cache);
}
END_TEST

typedef struct {
	test_cache *cache;
	source *src;
	const blob *const *ins, *const *ans;
	int ok;
	char first[64]; /* the first bytes of test 1's input as mapped */
} loader;

static void *load_in_thread(void *arg)
{
	loader *l = arg;
	task_data task;
	char err[256];

	for (int round = 0; round < 20; round++) {
		make_task(&task, 2, l->ins, l->ans);
		l->ok += test_cache_load_task(l->cache, &task, fake_fetch, l->src, err, sizeof(err)) == TEST_CACHE_OK;
		memcpy(l->first, task.tests[0].input, task.tests[0].input_len < 64 ? task.tests[0].input_len : 64);
		task_data_free(&task);
	}
	return NULL;
}

START_TEST(threads_share_the_cache)
{
	static char big[1 << 16];
	static source src[4];
	const blob *ins[4][2], *ans[4][2];
	loader l[4];
	pthread_t threads[4];
	test_cache *cache;

	memset(big, 'q', sizeof(big));
	big[100] = '\0';
	cache = open_cache(1 << 20, 0);
	for (int i = 0; i < 4; i++) {
		/* every thread its own source (fetch counters), the same bytes */
		ins[i][0] = ins[i][1] = add_blob(&src[i], big, sizeof(big));
		ans[i][0] = ans[i][1] = add_blob(&src[i], binary_ans, sizeof(binary_ans) - 1);
		l[i] = (loader){.cache = cache, .src = &src[i], .ins = ins[i], .ans = ans[i]};
		ck_assert_int_eq(pthread_create(&threads[i], NULL, load_in_thread, &l[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_int_eq(l[i].ok, 20);
		ck_assert_mem_eq(l[i].first, big, 64);
		/* at most the first round fetched; the rest read the cached files */
		ck_assert_int_le(src[i].fetches, 2);
	}
	ck_assert_int_eq(temp_files(), 0);
	test_cache_close(cache);
}
END_TEST

static void age(const char *path, time_t seconds)
{
	struct timespec old[2] = {{time(NULL) - seconds, 0}, {time(NULL) - seconds, 0}};

	ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
}

START_TEST(the_least_recently_used_files_are_evicted)
{
	static char big[3][400];
	source src = {0};
	const blob *b[3];
	test_cache *cache;
	test_cache_counters c;
	task_data task;
	char err[256] = "", first[1024], second[1024];

	for (int i = 0; i < 3; i++) {
		memset(big[i], 'a' + i, sizeof(big[i]));
		b[i] = add_blob(&src, big[i], sizeof(big[i]));
	}
	/* room for two files */
	cache = open_cache(900, 0);
	make_task(&task, 1, &b[0], &b[1]);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_OK);
	snprintf(first, sizeof(first), "%s", task.tests[0].input_path);
	snprintf(second, sizeof(second), "%s", task.tests[0].answer_path);
	task_data_free(&task);
	age(first, 7200);
	age(second, 1800);
	make_task(&task, 1, &b[2], &b[2]);
	ck_assert_int_eq(test_cache_load_task(cache, &task, fake_fetch, &src, err, sizeof(err)), TEST_CACHE_OK);
	/* the mapping stays readable whatever happens to the files */
	ck_assert_mem_eq(task.tests[0].input, big[2], sizeof(big[2]));
	task_data_free(&task);
	ck_assert_int_eq(access(first, F_OK), -1); /* the oldest went */
	ck_assert_int_eq(access(second, F_OK), 0);
	test_cache_get_counters(cache, &c);
	ck_assert_uint_eq(c.evicted, 1);
	ck_assert_int_eq(c.bytes, 800);
	test_cache_close(cache);

	/* Files used within the grace period stay, even above the bound. */
	cache = open_cache(500, 3600);
	test_cache_get_counters(cache, &c);
	ck_assert_uint_eq(c.evicted, 0);
	ck_assert_int_eq(c.bytes, 800);
	test_cache_close(cache);
	/* ... and go once they are older; opening counts and trims. */
	age(second, 7200);
	cache = open_cache(500, 3600);
	test_cache_get_counters(cache, &c);
	ck_assert_uint_eq(c.evicted, 1);
	ck_assert_int_eq(c.bytes, 400);
	ck_assert_int_eq(access(second, F_OK), -1);
	test_cache_close(cache);
}
END_TEST

START_TEST(stale_temporary_files_are_removed)
{
	char sub[512], tmp[600], fresh[600];
	test_cache *cache;
	int fd;

	snprintf(sub, sizeof(sub), "%s/ab", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-crashed", sub);
	snprintf(fresh, sizeof(fresh), "%s/.tmp-in-progress", sub);
	ck_assert_int_ge(fd = open(tmp, O_CREAT | O_WRONLY, 0644), 0);
	close(fd);
	ck_assert_int_ge(fd = open(fresh, O_CREAT | O_WRONLY, 0644), 0);
	close(fd);
	age(tmp, 2 * 86400);
	cache = open_cache(1 << 20, 0);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(access(fresh, F_OK), 0); /* another worker may be writing it */
	test_cache_close(cache);
}
END_TEST

START_TEST(an_unusable_directory_is_named)
{
	test_cache *cache = NULL;
	char err[256] = "", file[600];
	int fd;

	snprintf(file, sizeof(file), "%s/plain-file", dir);
	ck_assert_int_ge(fd = open(file, O_CREAT | O_WRONLY, 0644), 0);
	close(fd);
	ck_assert_int_eq(test_cache_open(file, 1 << 20, 0, &cache, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, file) != NULL && strstr(err, "Not a directory"), "%s", err);
	ck_assert_int_eq(test_cache_open("/proc/solveit-tests", 1 << 20, 0, &cache, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "test cache directory \"/proc/solveit-tests\"") != NULL, "%s", err);
	/* nested directories are created */
	snprintf(file, sizeof(file), "%s/a/b/c", dir);
	ck_assert_int_eq(test_cache_open(file, 1 << 20, 0, &cache, err, sizeof(err)), 0);
	test_cache_close(cache);
}
END_TEST

Suite *test_cache_suite(void)
{
	Suite *s = suite_create("test_cache");
	TCase *tc = tcase_create("files");

	/* every test in a new directory, removed afterwards */
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, hashes_and_paths);
	tcase_add_test(tc, binary_files_are_fetched_once_and_mapped);
	tcase_add_test(tc, a_corrupted_file_is_fetched_again);
	tcase_add_test(tc, a_source_that_fails_leaves_nothing);
	tcase_add_test(tc, threads_share_the_cache);
	tcase_add_test(tc, the_least_recently_used_files_are_evicted);
	tcase_add_test(tc, stale_temporary_files_are_removed);
	tcase_add_test(tc, an_unusable_directory_is_named);
	suite_add_tcase(s, tc);
	return s;
}
