#include "admin_submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_kafka_mac.h"

/* Loaded with the first producer and kept for the process: a producer signs with it until it is
 * destroyed. */
static sv_keyring *keyring;

int admin_signing_ready(const admin_config *cfg, char *err, size_t errlen)
{
	if (!keyring && !(keyring = sv_kafka_keyring_load(cfg->key_file, err, errlen)))
		return -1;
	return 0;
}

rd_kafka_t *admin_producer(const admin_config *cfg, char *err, size_t errlen)
{
	static const char *const defaults[] = {"linger.ms=0", "message.timeout.ms=30000"};
	sv_kafka_client k = {"solveit-admin", cfg->brokers, (const char *const *)cfg->kafka_options,
			     cfg->kafka_option_count, NULL};

	if (admin_signing_ready(cfg, err, errlen) < 0)
		return NULL;
	k.keyring = keyring;
	return sv_kafka_producer_new(&k, defaults, 2, err, errlen);
}

int admin_send_submission(const admin_config *cfg, rd_kafka_t *producer, const sv_submission_msg *msg, sv_delivery *d,
			  char *err, size_t errlen)
{
	char key[24];
	sv_record rec;
	char *payload;
	rd_kafka_resp_err_t kerr;

	if (!(payload = sv_submission_msg_build(msg))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(key, sizeof(key), "%lld", (long long)msg->submission_id);
	memset(&rec, 0, sizeof(rec));
	rec.topic = cfg->topic_submissions;
	rec.key = key;
	rec.key_len = strlen(key);
	rec.value = payload;
	rec.len = strlen(payload);
	rec.label = SV_MAC_LABEL_SUBMISSION;
	kerr = sv_produce(producer, &rec, d);
	free(payload);
	if (kerr) {
		snprintf(err, errlen, "Kafka refused submission %s: %s", key, rd_kafka_err2str(kerr));
		return -1;
	}
	return 0;
}
