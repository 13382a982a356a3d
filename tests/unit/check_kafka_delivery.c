/* common/sv_kafka_client.c: waiting for delivery reports while other threads poll the same producer (issue 16).
 * A real Kafka protocol peer: librdkafka's mock cluster, in this process. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "sv_kafka_client.h"
#include "sv_kafka_mac.h"

#define TOPIC      "code-results"
#define WAITERS    4
#define PER_WAITER 40

static rd_kafka_t *mock_owner;
static rd_kafka_mock_cluster_t *mock;
static rd_kafka_t *producer;
static volatile int stop_polling;
static int delivered[WAITERS];

static void cluster_up(void)
{
	char err[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	mock_owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	ck_assert_msg(mock_owner != NULL, "%s", err);
	mock = rd_kafka_mock_cluster_new(mock_owner, 1);
	ck_assert_ptr_nonnull(mock);
	ck_assert_int_eq(rd_kafka_mock_topic_create(mock, TOPIC, 2, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
}

static void cluster_down(void)
{
	rd_kafka_mock_cluster_destroy(mock);
	rd_kafka_destroy(mock_owner);
}

/* The judge-worker's poll thread: serves the reports nobody waits for, and steals the others' reports. */
static void *poll_main(void *arg)
{
	while (!stop_polling)
		sv_producer_poll(producer, 100, NULL);
	return NULL;
}

/* A judging thread: one result after another, each waited for. */
static void *waiter_main(void *arg)
{
	int me = (int)(long)arg;
	char key[16], value[64];

	for (int i = 0; i < PER_WAITER; i++) {
		rd_kafka_resp_err_t why = RD_KAFKA_RESP_ERR_NO_ERROR;
		sv_record rec = {TOPIC, key, 0, value, 0, NULL, NULL, SV_MAC_LABEL_RESULT};

		snprintf(key, sizeof(key), "%d", me * 1000 + i);
		snprintf(value, sizeof(value), "{\"submission_id\":%d}", me * 1000 + i);
		rec.key_len = strlen(key);
		rec.len = strlen(value);
		if (sv_produce_delivered(producer, &rec, NULL, 0, &why) == SV_DELIVERED)
			delivered[me]++;
	}
	return NULL;
}

START_TEST(every_waiter_gets_its_report_whoever_polls)
{
	static const char *const opts[] = {"linger.ms=0", "message.timeout.ms=30000"};
	char err[256];
	sv_keyring *ring = sv_keyring_parse("k1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
					    "test", err, sizeof(err));
	sv_kafka_client c = {"test", NULL, NULL, 0, ring};
	pthread_t poller, waiters[WAITERS];

	ck_assert_msg(ring != NULL, "%s", err);
	cluster_up();
	c.brokers = rd_kafka_mock_cluster_bootstraps(mock);
	producer = sv_kafka_producer_new(&c, opts, 2, err, sizeof(err));
	ck_assert_msg(producer != NULL, "%s", err);
	stop_polling = 0;
	ck_assert_int_eq(pthread_create(&poller, NULL, poll_main, NULL), 0);
	for (long i = 0; i < WAITERS; i++)
		ck_assert_int_eq(pthread_create(&waiters[i], NULL, waiter_main, (void *)i), 0);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(waiters[i], NULL);
	stop_polling = 1;
	pthread_join(poller, NULL);
	for (int i = 0; i < WAITERS; i++)
		ck_assert_int_eq(delivered[i], PER_WAITER);
	ck_assert_int_eq(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_destroy(producer);
	cluster_down();
	sv_keyring_free(ring);
}
END_TEST

/* A failed delivery reaches its waiter too, when the poll thread serves it. */
START_TEST(a_failed_delivery_reaches_its_waiter)
{
	static const char *const opts[] = {"message.timeout.ms=300"};
	sv_kafka_client c = {"test", "127.0.0.1:1", NULL, 0, NULL};
	sv_record rec = {TOPIC, "1", 1, "{}", 2, NULL, NULL, NULL};
	sv_delivery d[3];
	char err[256];
	pthread_t poller;

	memset(d, 0, sizeof(d));
	producer = sv_kafka_producer_new(&c, opts, 1, err, sizeof(err));
	ck_assert_msg(producer != NULL, "%s", err);
	stop_polling = 0;
	ck_assert_int_eq(pthread_create(&poller, NULL, poll_main, NULL), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(sv_produce(producer, &rec, &d[i]), RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_uint_eq(sv_delivery_wait(producer, d, 3, NULL), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(d[i].done, 1);
		ck_assert_int_eq(d[i].err, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
	}
	stop_polling = 1;
	pthread_join(poller, NULL);
	rd_kafka_destroy(producer);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kafka_delivery");
	TCase *tc = tcase_create("delivery reports");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_waiter_gets_its_report_whoever_polls);
	tcase_add_test(tc, a_failed_delivery_reaches_its_waiter);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
