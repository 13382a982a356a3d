#ifndef ADMIN_SUBMIT_H
#define ADMIN_SUBMIT_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "admin_verify.h"
#include "sv_kafka_client.h"
#include "sv_message.h"

/* solveit-admin's side of code-submissions, shared by verify (new submissions) and rejudge (the
 * next attempt of stored ones): the producer and the module's message, keyed by the submission id. */

/* Loads the keyring of --key-file once, so that a command can refuse before it changes anything;
 * -1 with err naming the option. */
int admin_signing_ready(const admin_config *cfg, char *err, size_t errlen);

/* A producer for cfg's brokers and options; NULL with err. */
rd_kafka_t *admin_producer(const admin_config *cfg, char *err, size_t errlen);

/* Builds msg's JSON (sv_submission_msg_build, as the module sends it) and queues it to
 * cfg->topic_submissions; d gets the delivery report (wait with sv_delivery_wait). 0, or -1 with
 * err. */
int admin_send_submission(const admin_config *cfg, rd_kafka_t *producer, const sv_submission_msg *msg, sv_delivery *d,
			  char *err, size_t errlen);

#endif
