/* common/sv_cache_mac.c: the one format of Redis values ("sv1 <key id> <mac>\n<body>") and the
 * Redis password file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv_cache_mac.h"

#define KEY_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static sv_keyring *ring(const char *text)
{
	char err[256];
	sv_keyring *r = sv_keyring_parse(text, "test", err, sizeof(err));

	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

/* The value of body under key: header then body, as a caller stores it. */
static char *seal(const sv_keyring *r, const char *key, const char *body, size_t *len)
{
	char header[SV_CACHE_HEADER_MAX + 1];
	size_t h = sv_cache_header(r, key, body, strlen(body), header);
	char *value = malloc(h + strlen(body) + 1);

	ck_assert_uint_eq(h, strlen(header));
	memcpy(value, header, h);
	strcpy(value + h, body);
	*len = h + strlen(body);
	return value;
}

START_TEST(value_round_trip)
{
	sv_keyring *r = ring("k1 " KEY_A "\n");
	const char *body = "{\"id\":2,\"tests\":[]}", *got;
	size_t len, got_len;
	char *value = seal(r, "solveit:task:v3:2:r6", body, &len);

	ck_assert_int_eq(strncmp(value, "sv1 k1 ", 7), 0);
	ck_assert_int_eq(value[7 + SV_MAC_HEX_LEN], '\n');
	ck_assert_int_eq(sv_cache_open(r, "solveit:task:v3:2:r6", value, len, &got, &got_len), SV_MAC_OK);
	ck_assert_uint_eq(got_len, strlen(body));
	ck_assert_int_eq(memcmp(got, body, got_len), 0);
	/* An empty body is a value too. */
	free(value);
	value = seal(r, "k", "", &len);
	ck_assert_int_eq(sv_cache_open(r, "k", value, len, &got, &got_len), SV_MAC_OK);
	ck_assert_uint_eq(got_len, 0);
	free(value);
	sv_keyring_free(r);
}
END_TEST

/* What someone who can write to Redis tries: an unsigned value, a changed body, a value copied to
 * another key, a key of their own, a cut-off value. */
START_TEST(forged_values_are_refused)
{
	sv_keyring *r = ring("k1 " KEY_A "\n"), *theirs = ring("k1 " KEY_B "\n");
	const char *got = "x";
	size_t len, got_len = 1;
	char *value = seal(r, "lb", "{\"users\":[]}", &len), *other;

	ck_assert_int_eq(sv_cache_open(r, "lb", "{\"users\":[]}", 12, &got, &got_len), SV_MAC_MALFORMED);
	ck_assert_int_eq(sv_cache_open(r, "lb", "\"lb-0\"\n{}", 9, &got, &got_len), SV_MAC_MALFORMED);
	ck_assert_int_eq(sv_cache_open(r, "lb", "", 0, &got, &got_len), SV_MAC_MALFORMED);
	ck_assert_int_eq(sv_cache_open(r, "lb", NULL, 0, &got, &got_len), SV_MAC_MALFORMED);
	ck_assert_int_eq(sv_cache_open(r, "other", value, len, &got, &got_len), SV_MAC_MISMATCH);
	ck_assert_ptr_null(got);
	value[len - 2] = 'X';
	ck_assert_int_eq(sv_cache_open(r, "lb", value, len, &got, &got_len), SV_MAC_MISMATCH);
	ck_assert_int_eq(sv_cache_open(r, "lb", value, len - 1, &got, &got_len), SV_MAC_MISMATCH);
	ck_assert_int_eq(sv_cache_open(r, "lb", value, 20, &got, &got_len), SV_MAC_MALFORMED);
	free(value);
	other = seal(theirs, "lb", "{\"users\":[]}", &len);
	ck_assert_int_eq(sv_cache_open(r, "lb", other, len, &got, &got_len), SV_MAC_MISMATCH);
	other[4] = 'q'; /* "sv1 q1 ...": a key id the ring does not have */
	ck_assert_int_eq(sv_cache_open(r, "lb", other, len, &got, &got_len), SV_MAC_UNKNOWN_KEY);
	free(other);
	sv_keyring_free(r);
	sv_keyring_free(theirs);
}
END_TEST

/* During a rotation the old key's values still count; once it is dropped they are misses. */
START_TEST(values_of_the_second_key_verify)
{
	sv_keyring *old = ring("k1 " KEY_A "\n"), *both = ring("k2 " KEY_B "\nk1 " KEY_A "\n"),
		   *new = ring("k2 " KEY_B "\n");
	const char *got;
	size_t len, got_len;
	char *value = seal(old, "key", "{}", &len);

	ck_assert_int_eq(sv_cache_open(both, "key", value, len, &got, &got_len), SV_MAC_OK);
	ck_assert_int_eq(sv_cache_open(new, "key", value, len, &got, &got_len), SV_MAC_UNKNOWN_KEY);
	free(value);
	value = seal(both, "key", "{}", &len);
	ck_assert_int_eq(strncmp(value, "sv1 k2 ", 7), 0);
	free(value);
	sv_keyring_free(old);
	sv_keyring_free(both);
	sv_keyring_free(new);
}
END_TEST

static char *write_file(const char *text, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_cache_mac.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
	return path;
}

START_TEST(password_file)
{
	char pw[SV_REDIS_PASSWORD_MAX], err[256];
	char *path = write_file("s3cret pass\nignored\n", 0640);

	ck_assert_int_eq(sv_redis_password_load(path, pw, sizeof(pw), err, sizeof(err)), 0);
	ck_assert_str_eq(pw, "s3cret pass");
	chmod(path, 0644);
	ck_assert_int_eq(sv_redis_password_load(path, pw, sizeof(pw), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "only the services may read (mode 0644"));
	ck_assert_ptr_null(strstr(err, "s3cret"));
	unlink(path);
	path = write_file("\n", 0600);
	ck_assert_int_eq(sv_redis_password_load(path, pw, sizeof(pw), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty: no password in its first line"));
	unlink(path);
	ck_assert_int_eq(sv_redis_password_load("/nonexistent/redis.password", pw, sizeof(pw), err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/redis.password: No such file or directory");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache_mac");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, value_round_trip);
	tcase_add_test(tc, forged_values_are_refused);
	tcase_add_test(tc, values_of_the_second_key_verify);
	tcase_add_test(tc, password_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
