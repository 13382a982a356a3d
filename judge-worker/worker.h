#ifndef WORKER_H
#define WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "executor.h"
#include "task_store.h"
#include "worker_config.h"

/* The judge-worker's shared state and one unit of work. */

typedef struct {
	worker_config *cfg;
	const executor_ops *exec;
	void *exec_state;
	task_store *tasks;
	/* Compiled custom and interactive validators (validator.h); NULL when the cache cannot be
	 * opened, and validator_error says why (such tasks are then reported failed with it). */
	validator_cache *validators;
	char validator_error[512];
	rd_kafka_t *producer;
	volatile int stop;          /* SIGTERM: take no more work */
	volatile int producer_stop; /* set last, after the final flush */
} worker;

typedef struct job {
	struct job *next;
	rd_kafka_message_t *msg;
	int32_t partition;
	int64_t offset;
	double received_ms;  /* monotonic, when the consumer handed it over */
	volatile int cancel; /* give it back: shutdown grace over, or its partition was revoked */
	int running;
} job;

typedef enum {
	JOB_DONE,       /* a final result (or a dead letter) is delivered: store the offset */
	JOB_GIVEN_BACK, /* abandoned unfinished: the offset is not stored, Kafka redelivers it */
} job_result;

/* Judges one code-submissions message from start to delivered final result. */
job_result worker_judge(worker *w, task_conn *tc, job *j);

/* Serves the producer's delivery reports until w->producer_stop (a thread; arg is the worker). */
void *worker_producer_poll_main(void *arg);

#endif
