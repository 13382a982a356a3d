/* judge-worker: the compile cache's keys, entry format, damage detection and size bound (compile_cache.h),
 * and the toolchain identity of a language (sandbox_languages.h). No sandbox: entries are made by hand. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "compile_cache.h"
#include "sandbox_languages.h"

static char dir[256];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_compile_cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	strcat(dir, "/cache"); /* created by the cache, with its parents */
}

static void remove_dir(void)
{
	char cmd[600];

	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static size_t count_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		n += strlen(e->d_name) == 64;
	if (d)
		closedir(d);
	return n;
}

static char *entry_file(const char *key)
{
	static char path[sizeof(dir) + 80];

	snprintf(path, sizeof(path), "%.255s/%.64s", dir, key);
	return path;
}

/* A compiled program of two files in a directory, and its compiler's warning. */
static void sample(compile_cache_entry *e, const char *bytes)
{
	static sv_sandbox_artifact_file files[3];

	memset(e, 0, sizeof(*e));
	files[0] = (sv_sandbox_artifact_file){.path = "classes", .is_dir = 1, .mode = 0755};
	files[1] = (sv_sandbox_artifact_file){
	    .path = "classes/Main.class", .mode = 0644, .data = (char *)bytes, .len = strlen(bytes)};
	files[2] = (sv_sandbox_artifact_file){.path = "run.args", .mode = 0600, .data = "-cp\n", .len = 4};
	e->program.files = files;
	e->program.n = 3;
	e->output = "warning: something";
	e->output_len = strlen(e->output);
	snprintf(e->message, sizeof(e->message), "%s", "");
}

START_TEST(keys_differ_by_every_part)
{
	sv_sandbox_limits lim, other;
	char a[65], b[65];

	sv_sandbox_limits_compile_defaults(&lim);
	other = lim;
	other.memory_kb /= 2;
	compile_cache_key(50, "gcc 1", &lim, "int main;", 9, a);
	ck_assert_int_eq((int)strlen(a), 64);
	compile_cache_key(50, "gcc 1", &lim, "int main;", 9, b);
	ck_assert_str_eq(a, b);
	compile_cache_key(54, "gcc 1", &lim, "int main;", 9, b);
	ck_assert_str_ne(a, b);
	compile_cache_key(50, "gcc 2", &lim, "int main;", 9, b);
	ck_assert_str_ne(a, b);
	compile_cache_key(50, "gcc 1", &other, "int main;", 9, b);
	ck_assert_str_ne(a, b);
	compile_cache_key(50, "gcc 1", &lim, "int main ", 9, b);
	ck_assert_str_ne(a, b);
	/* Where the toolchain ends and the source begins is part of the key. */
	compile_cache_key(50, "gcc 1i", &lim, "nt main;", 8, b);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(none_and_bad_directories)
{
	compile_cache *c = (compile_cache *)1;
	char err[512];

	ck_assert_int_eq(compile_cache_open("none", 0, &c, err, sizeof(err)), 0);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(compile_cache_open("relative", 0, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "(--compile-cache): not an absolute path"));
	make_dir();
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(compile_cache_open(dir, 0, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no one else can read or write (mode 0700)"));
	remove_dir();
}
END_TEST

START_TEST(an_entry_comes_back_as_it_was_stored)
{
	compile_cache *c;
	compile_cache_entry in, out;
	compile_cache_counters n;
	char err[512], key[65];
	struct stat st;

	make_dir();
	ck_assert_int_eq(compile_cache_open(dir, 0, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	compile_cache_key(62, "javac", NULL, "class Main {}", 13, key);
	ck_assert_int_eq(compile_cache_get(c, key, &out), 0);
	sample(&in, "\xca\xfe\xba\xbe\0 bytes");
	in.program.files[1].len = 11; /* a NUL inside */
	ck_assert_int_eq(compile_cache_put(c, key, &in), 0);
	ck_assert_int_eq(compile_cache_get(c, key, &out), 1);
	ck_assert_int_eq(out.compile_error, 0);
	ck_assert_str_eq(out.output, "warning: something");
	ck_assert_uint_eq(out.program.n, 3);
	ck_assert_str_eq(out.program.files[0].path, "classes");
	ck_assert_int_eq(out.program.files[0].is_dir, 1);
	ck_assert_uint_eq(out.program.files[0].mode, 0755);
	ck_assert_str_eq(out.program.files[1].path, "classes/Main.class");
	ck_assert_uint_eq(out.program.files[1].len, 11);
	ck_assert_mem_eq(out.program.files[1].data, "\xca\xfe\xba\xbe\0 bytes", 11);
	ck_assert_uint_eq(out.program.files[2].mode, 0600);
	ck_assert_uint_eq(out.program.bytes, 15);
	compile_cache_entry_free(&out);
	compile_cache_get_counters(c, &n);
	ck_assert_uint_eq(n.hits, 1);
	ck_assert_uint_eq(n.misses, 1);
	ck_assert_uint_eq(n.stored, 1);
	compile_cache_close(c);
	remove_dir();
}
END_TEST

START_TEST(a_compile_error_is_kept)
{
	compile_cache *c;
	compile_cache_entry in = {0}, out;
	char err[512], key[65];

	make_dir();
	ck_assert_int_eq(compile_cache_open(dir, 0, &c, err, sizeof(err)), 0);
	compile_cache_key(50, "gcc", NULL, "x", 1, key);
	in.compile_error = 1;
	in.exit_code = 1;
	snprintf(in.message, sizeof(in.message), "Compilation failed (exit status 1)");
	in.output = "main.c:1: error: expected";
	in.output_len = strlen(in.output);
	ck_assert_int_eq(compile_cache_put(c, key, &in), 0);
	ck_assert_int_eq(compile_cache_get(c, key, &out), 1);
	ck_assert_int_eq(out.compile_error, 1);
	ck_assert_int_eq(out.exit_code, 1);
	ck_assert_str_eq(out.message, "Compilation failed (exit status 1)");
	ck_assert_str_eq(out.output, "main.c:1: error: expected");
	ck_assert_uint_eq(out.program.n, 0);
	compile_cache_entry_free(&out);
	compile_cache_close(c);
	remove_dir();
}
END_TEST

/* Damage of each kind is a miss, and the entry is gone. */
static void damage_is_a_miss(void (*damage)(const char *path))
{
	compile_cache *c;
	compile_cache_entry in, out;
	compile_cache_counters n;
	char err[512], key[65];

	make_dir();
	ck_assert_int_eq(compile_cache_open(dir, 0, &c, err, sizeof(err)), 0);
	compile_cache_key(50, "gcc", NULL, "y", 1, key);
	sample(&in, "ELF program bytes");
	ck_assert_int_eq(compile_cache_put(c, key, &in), 0);
	damage(entry_file(key));
	ck_assert_int_eq(compile_cache_get(c, key, &out), 0);
	ck_assert_int_eq(access(entry_file(key), F_OK), -1);
	compile_cache_get_counters(c, &n);
	ck_assert_uint_eq(n.corrupt, 1);
	ck_assert_uint_eq(n.hits, 0);
	compile_cache_close(c);
	remove_dir();
}

static void flip_a_bit(const char *path)
{
	int fd = open(path, O_RDWR);
	unsigned char b;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &b, 1, 60), 1);
	b ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &b, 1, 60), 1);
	close(fd);
}

static void cut_short(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(truncate(path, st.st_size - 1), 0);
}

static void empty(const char *path)
{
	ck_assert_int_eq(truncate(path, 0), 0);
}

START_TEST(a_flipped_bit_is_a_miss)
{
	damage_is_a_miss(flip_a_bit);
}
END_TEST

START_TEST(a_truncated_entry_is_a_miss)
{
	damage_is_a_miss(cut_short);
}
END_TEST

START_TEST(an_empty_entry_is_a_miss)
{
	damage_is_a_miss(empty);
}
END_TEST

START_TEST(the_bound_evicts_the_least_recently_used)
{
	compile_cache *c;
	compile_cache_entry in, out;
	compile_cache_counters n;
	char err[512], keys[4][65], big[2000];
	struct stat st;
	struct timeval old[2] = {{1000000000, 0}, {1000000000, 0}};

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	make_dir();
	/* Room for two entries of about 2 KB, not three. */
	ck_assert_int_eq(compile_cache_open(dir, 5000, &c, err, sizeof(err)), 0);
	sample(&in, big);
	for (int i = 0; i < 2; i++) {
		compile_cache_key(50, "gcc", NULL, (char[]){(char)('a' + i)}, 1, keys[i]);
		ck_assert_int_eq(compile_cache_put(c, keys[i], &in), 0);
		ck_assert_int_eq(utimes(entry_file(keys[i]), old), 0);
		old[0].tv_sec = old[1].tv_sec += 100;
	}
	/* Reading the first makes it the most recently used: the second goes. */
	ck_assert_int_eq(compile_cache_get(c, keys[0], &out), 1);
	compile_cache_entry_free(&out);
	compile_cache_key(50, "gcc", NULL, "c", 1, keys[2]);
	ck_assert_int_eq(compile_cache_put(c, keys[2], &in), 0);
	ck_assert_int_eq(stat(entry_file(keys[0]), &st), 0);
	ck_assert_int_eq(stat(entry_file(keys[1]), &st), -1);
	ck_assert_int_eq(stat(entry_file(keys[2]), &st), 0);
	ck_assert_uint_eq(count_entries(), 2);
	compile_cache_get_counters(c, &n);
	ck_assert_uint_eq(n.evicted, 1);
	ck_assert_int_le(n.bytes, 5000);
	compile_cache_close(c);
	/* A new process sees what is there and evicts at open when the bound shrank. */
	ck_assert_int_eq(compile_cache_open(dir, 4096, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(count_entries(), 1);
	compile_cache_close(c);
	remove_dir();
}
END_TEST

START_TEST(an_entry_larger_than_the_bound_is_not_kept)
{
	compile_cache *c;
	compile_cache_entry in;
	char err[512], key[65], big[9000];

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	make_dir();
	ck_assert_int_eq(compile_cache_open(dir, 4096, &c, err, sizeof(err)), 0);
	sample(&in, big);
	compile_cache_key(50, "gcc", NULL, "z", 1, key);
	ck_assert_int_eq(compile_cache_put(c, key, &in), 0);
	ck_assert_uint_eq(count_entries(), 0);
	compile_cache_close(c);
	remove_dir();
}
END_TEST

START_TEST(artifact_paths)
{
	ck_assert(sv_sandbox_artifact_path_ok("a.out"));
	ck_assert(sv_sandbox_artifact_path_ok("classes/pkg/Main$1.class"));
	ck_assert(sv_sandbox_artifact_path_ok("..hidden"));
	ck_assert(!sv_sandbox_artifact_path_ok(""));
	ck_assert(!sv_sandbox_artifact_path_ok("/etc/passwd"));
	ck_assert(!sv_sandbox_artifact_path_ok("../x"));
	ck_assert(!sv_sandbox_artifact_path_ok("a/../../x"));
	ck_assert(!sv_sandbox_artifact_path_ok("a/./b"));
	ck_assert(!sv_sandbox_artifact_path_ok("a//b"));
	ck_assert(!sv_sandbox_artifact_path_ok("a/"));
	ck_assert(!sv_sandbox_artifact_path_ok("."));
}
END_TEST

START_TEST(toolchain_identity_follows_the_files)
{
	static const char text[] = "{\"mounts\": [\"/usr\"], \"env\": [], \"languages\": [{\"id\": 50, \"name\": "
				   "\"C\", \"source_file\": \"main.c\","
				   " \"compile\": [\"/bin/true\", \"-O2\"], \"run\": [\"/prog/a.out\"], \"toolchain\": "
				   "[\"%s\", \"/no/such\"]}]}";
	struct sv_lang_table t;
	char json[1024], file[300], err[256], *before, *after;
	struct timeval when[2] = {{1500000000, 0}, {1500000000, 0}};
	FILE *f;

	make_dir();
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/cc1", dir);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fputs("v1", f);
	fclose(f);
	snprintf(json, sizeof(json), text, file);
	ck_assert_msg(sv_lang_table_parse(json, &t, err, sizeof(err)) == 0, "%s", err);
	before = sv_lang_toolchain_id(&t.langs[0]);
	ck_assert_ptr_nonnull(strstr(before, "compile 3 -O2\n"));
	ck_assert_ptr_nonnull(strstr(before, "file /no/such missing\n"));
	ck_assert_ptr_nonnull(strstr(before, file));
	/* An upgrade: other bytes and another mtime. */
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fputs("v2 longer", f);
	fclose(f);
	ck_assert_int_eq(utimes(file, when), 0);
	after = sv_lang_toolchain_id(&t.langs[0]);
	ck_assert_str_ne(before, after);
	free(before);
	free(after);
	sv_lang_table_free(&t);
	remove_dir();
}
END_TEST

/* Java's CDS archive: its flag is in the run while the archive is newer than the JVM, else the plain run. */
START_TEST(run_optional_follows_the_archive)
{
	static const char text[] = "{\"mounts\": [\"/usr\"], \"env\": [], \"languages\": [{\"id\": 62, \"name\": \"J\","
				   " \"source_file\": \"Main.java\", \"run\": [\"/bin/true\", \"-Xshare:auto\"],"
				   " \"run_optional\": {\"file\": \"%s/a.jsa\", \"newer_than\": \"%s/libjvm.so\","
				   " \"args\": [\"-XX:SharedArchiveFile=x\"]}}]}";
	struct sv_lang_table t;
	char json[2048], path[600], err[256];
	FILE *f;

	make_dir();
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(json, sizeof(json), text, dir, dir);
	ck_assert_msg(sv_lang_table_parse(json, &t, err, sizeof(err)) == 0, "%s", err);
	sv_lang_table_check(&t);
	ck_assert_uint_eq(t.langs[0].run.n, 2); /* no archive: the plain run */
	snprintf(path, sizeof(path), "%s/libjvm.so", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	usleep(20000);
	snprintf(path, sizeof(path), "%s/a.jsa", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(chmod(path, 0644), 0);
	sv_lang_table_check(&t);
	ck_assert_uint_eq(t.langs[0].run.n, 3);
	ck_assert_str_eq(t.langs[0].run.v[0], "/bin/true");
	ck_assert_str_eq(t.langs[0].run.v[1], "-XX:SharedArchiveFile=x");
	ck_assert_str_eq(t.langs[0].run.v[2], "-Xshare:auto");
	/* A JDK upgrade after the archive was built: stale, the plain run again. */
	usleep(20000);
	snprintf(path, sizeof(path), "%s/libjvm.so", dir);
	ck_assert_int_eq(chmod(path, 0600), 0);
	sv_lang_table_check(&t);
	ck_assert_uint_eq(t.langs[0].run.n, 2);
	ck_assert_str_eq(t.langs[0].run.v[1], "-Xshare:auto");
	sv_lang_table_free(&t);
	/* A malformed entry names the field. */
	ck_assert_int_eq(
	    sv_lang_table_parse("{\"mounts\": [], \"env\": [], \"languages\": [{\"id\": 62, \"name\": \"J\", "
				"\"source_file\": \"M.java\", \"run\": [\"/bin/true\"], "
				"\"run_optional\": {\"file\": \"relative\"}}]}",
				&t, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "\"run_optional\" must be"));
	remove_dir();
}
END_TEST

Suite *compile_cache_suite(void);
Suite *compile_cache_suite(void)
{
	Suite *s = suite_create("compile_cache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, keys_differ_by_every_part);
	tcase_add_test(tc, none_and_bad_directories);
	tcase_add_test(tc, an_entry_comes_back_as_it_was_stored);
	tcase_add_test(tc, a_compile_error_is_kept);
	tcase_add_test(tc, a_flipped_bit_is_a_miss);
	tcase_add_test(tc, a_truncated_entry_is_a_miss);
	tcase_add_test(tc, an_empty_entry_is_a_miss);
	tcase_add_test(tc, the_bound_evicts_the_least_recently_used);
	tcase_add_test(tc, an_entry_larger_than_the_bound_is_not_kept);
	tcase_add_test(tc, artifact_paths);
	tcase_add_test(tc, toolchain_identity_follows_the_files);
	tcase_add_test(tc, run_optional_follows_the_archive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(compile_cache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
