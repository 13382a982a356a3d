#ifndef WORKER_H
#define WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "executor.h"
#include "sv_run.h"
#include "task_store.h"
#include "worker_config.h"
#include "worker_queue.h"

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

struct job {
	struct job *next;
	rd_kafka_message_t *msg;
	int32_t partition;
	int64_t offset;
	double received_ms;  /* monotonic, when the consumer handed it over */
	volatile int cancel; /* give it back: shutdown grace over, or its partition was revoked */
	int running;
	/* A sample run (the runs topic, sv_run.h): judged only when no submission waits, its offset
	 * stored when taken (a run lost in a crash is run again by its owner). */
	int is_run;
	wq_sched sched; /* fair scheduling: the queue's (worker_queue.h) */
	/* For the metrics (worker_metrics.h): when a judging thread took it (monotonic ms), and the
	 * submission's language once its message is parsed. */
	double started_ms;
	int language_id;
};

typedef enum {
	JOB_DONE,       /* a final result (or a dead letter) is delivered: store the offset */
	JOB_GIVEN_BACK, /* abandoned unfinished: the offset is not stored, Kafka redelivers it */
} job_result;

/* Judges one code-submissions message from start to delivered final result. */
job_result worker_judge(worker *w, task_conn *tc, job *j);

/* Judges one sample run message (worker_run.c): the task's sample tests only, every one of them,
 * and sends the run's result. Always JOB_DONE unless cancelled. */
job_result worker_run(worker *w, task_conn *tc, job *j);

/* Loads a task's data no older than revision, waiting out PostgreSQL outages. 1 when loaded, 0
 * when there is no such task (err says so), -1 when cancelled first. what names the job in logs. */
int worker_task_load(task_conn *tc, job *j, long long task_id, int revision, task_data *task, const char *what,
		     char *err, size_t errlen);

/* Judges a run's code on task (its samples only) and sends the run's result (worker_judge.c). */
job_result worker_judge_samples(worker *w, job *j, const sv_run_msg *run, const task_data *task);

/* Sends a run's final result (worker_run.c); 0 when delivered. */
int worker_run_send(worker *w, job *j, const sv_run_report *res);

/* Serves the producer's delivery reports until w->producer_stop (a thread; arg is the worker). */
void *worker_producer_poll_main(void *arg);

#endif
