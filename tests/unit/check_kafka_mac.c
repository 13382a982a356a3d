/* common/sv_kafka_mac.c: the signature every Solve-IT Kafka message carries (issue 14, finding 1). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_kafka_client.h"
#include "sv_kafka_mac.h"

#define SECRET_1 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define SECRET_2 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static sv_keyring *ring_of(const char *text)
{
	char err[256];
	sv_keyring *ring = sv_keyring_parse(text, "test", err, sizeof(err));

	ck_assert_msg(ring != NULL, "%s", err);
	return ring;
}

static const char result[] = "{\"submission_id\":20,\"task_id\":2,\"status\":\"completed\",\"score\":100,"
			     "\"verdict\":\"AC\",\"attempt\":1}";

START_TEST(signed_message_verifies_only_as_signed)
{
	sv_keyring *ring = ring_of("k1 " SECRET_1 "\n");
	rd_kafka_headers_t *h = sv_kafka_mac_headers(ring, SV_MAC_LABEL_RESULT, result, strlen(result));
	char altered[sizeof(result)];

	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, result, strlen(result), SV_MAC_LABEL_RESULT), SV_MAC_OK);
	/* Another label: a result is never a submission, nor a run's result. */
	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, result, strlen(result), SV_MAC_LABEL_SUBMISSION),
			 SV_MAC_MISMATCH);
	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, result, strlen(result), SV_MAC_LABEL_RUN_RESULT),
			 SV_MAC_MISMATCH);
	/* One byte changed (WA for AC), or one byte less. */
	memcpy(altered, result, sizeof(result));
	memcpy(strstr(altered, "AC"), "WA", 2);
	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, altered, strlen(altered), SV_MAC_LABEL_RESULT),
			 SV_MAC_MISMATCH);
	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, result, strlen(result) - 1, SV_MAC_LABEL_RESULT),
			 SV_MAC_MISMATCH);
	rd_kafka_headers_destroy(h);
	sv_keyring_free(ring);
}
END_TEST

START_TEST(missing_repeated_or_unknown_headers_refused)
{
	sv_keyring *ring = ring_of("k1 " SECRET_1 "\n");
	sv_keyring *other = ring_of("k9 " SECRET_2 "\n");
	rd_kafka_headers_t *h = rd_kafka_headers_new(4);
	char reason[128];

	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, NULL, result, strlen(result), SV_MAC_LABEL_RESULT),
			 SV_MAC_MALFORMED);
	rd_kafka_header_add(h, SV_MAC_HEADER_KEY_ID, -1, "k1", -1);
	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, result, strlen(result), SV_MAC_LABEL_RESULT),
			 SV_MAC_MALFORMED);
	rd_kafka_header_add(h, SV_MAC_HEADER_MAC, -1, "not hex", -1);
	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, result, strlen(result), SV_MAC_LABEL_RESULT),
			 SV_MAC_MALFORMED);
	rd_kafka_headers_destroy(h);

	/* A key id this keyring does not hold. */
	h = sv_kafka_mac_headers(other, SV_MAC_LABEL_RESULT, result, strlen(result));
	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, result, strlen(result), SV_MAC_LABEL_RESULT),
			 SV_MAC_UNKNOWN_KEY);
	/* A second signature beside a good one: which one counts would be the sender's choice. */
	sv_kafka_mac_add(h, ring, SV_MAC_LABEL_RESULT, result, strlen(result));
	ck_assert_int_eq(sv_kafka_mac_check_headers(ring, h, result, strlen(result), SV_MAC_LABEL_RESULT),
			 SV_MAC_MALFORMED);
	rd_kafka_headers_destroy(h);

	ck_assert_str_eq(sv_kafka_mac_reason(SV_MAC_UNKNOWN_KEY, "result", reason, sizeof(reason)),
			 "unauthenticated result message: MAC under an unknown key id");
	sv_keyring_free(other);
	sv_keyring_free(ring);
}
END_TEST

START_TEST(rotation_with_two_live_keys)
{
	/* The new key k2 signs where it is first; the old ring verifies it once k2 is its second line,
	 * and refuses it again after the ring drops it. */
	sv_keyring *signer = ring_of("k2 " SECRET_2 "\nk1 " SECRET_1 "\n");
	sv_keyring *both = ring_of("k1 " SECRET_1 "\nk2 " SECRET_2 "\n");
	sv_keyring *old = ring_of("k1 " SECRET_1 "\n");
	rd_kafka_headers_t *h = sv_kafka_mac_headers(signer, SV_MAC_LABEL_SUBMISSION, result, strlen(result));

	ck_assert_int_eq(sv_kafka_mac_check_headers(both, h, result, strlen(result), SV_MAC_LABEL_SUBMISSION),
			 SV_MAC_OK);
	ck_assert_int_eq(sv_kafka_mac_check_headers(old, h, result, strlen(result), SV_MAC_LABEL_SUBMISSION),
			 SV_MAC_UNKNOWN_KEY);
	rd_kafka_headers_destroy(h);
	sv_keyring_free(signer);
	sv_keyring_free(both);
	sv_keyring_free(old);
}
END_TEST

START_TEST(key_file_errors_name_the_option)
{
	char err[600];

	ck_assert_ptr_null(sv_kafka_keyring_load("", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no key file: set --key-file or SOLVEIT_KEY_FILE"));
	ck_assert_ptr_null(sv_kafka_keyring_load("/nonexistent/solveit.keys", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cannot use the key file given by --key-file or SOLVEIT_KEY_FILE: "));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/solveit.keys"));
}
END_TEST

START_TEST(producer_signs_labelled_records_only_with_a_keyring)
{
	static const char *const quiet[] = {"message.timeout.ms=1000"};
	sv_keyring *ring = ring_of("k1 " SECRET_1 "\n");
	sv_kafka_client with = {"test", "127.0.0.1:1", NULL, 0, ring}, without = {"test", "127.0.0.1:1", NULL, 0, NULL};
	sv_record rec = {"code-results", "20", 2, result, sizeof(result) - 1, NULL, NULL, SV_MAC_LABEL_RESULT};
	char err[256];
	rd_kafka_t *p = sv_kafka_producer_new(&without, quiet, 1, err, sizeof(err));

	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(sv_produce(p, &rec, NULL), RD_KAFKA_RESP_ERR__INVALID_ARG);
	rd_kafka_destroy(p);
	p = sv_kafka_producer_new(&with, quiet, 1, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(sv_produce(p, &rec, NULL), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_purge(p, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_destroy(p);
	sv_keyring_free(ring);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kafka_mac");
	TCase *tc = tcase_create("sign and check");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, signed_message_verifies_only_as_signed);
	tcase_add_test(tc, missing_repeated_or_unknown_headers_refused);
	tcase_add_test(tc, rotation_with_two_live_keys);
	tcase_add_test(tc, key_file_errors_name_the_option);
	tcase_add_test(tc, producer_signs_labelled_records_only_with_a_keyring);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
