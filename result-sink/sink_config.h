#ifndef SINK_CONFIG_H
#define SINK_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "sv_contract.h"
#include "sv_mac.h"
#include "sv_options.h"

/* Everything result-sink can be told, from SOLVEIT_* variables and then flags (flags win); the
 * table in sink_config.c describes each setting for sv_options. */
typedef struct {
	char *brokers;           /* --brokers, SOLVEIT_KAFKA_BROKERS */
	char *db;                /* --db, SOLVEIT_DB: a libpq conninfo string or URI */
	char *group;             /* --group, SOLVEIT_SINK_GROUP */
	char *results_topic;     /* --topic-results, SOLVEIT_TOPIC_RESULTS */
	char *dead_letter_topic; /* --topic-results-dead, SOLVEIT_TOPIC_RESULTS_DEAD */
	char *submissions_topic; /* --topic-submissions, SOLVEIT_TOPIC_SUBMISSIONS */
	/* --kafka-option after SOLVEIT_KAFKA_OPTIONS (sv_kafka_options_split) */
	char *kafka_options[SV_MAX_KAFKA_OPTIONS];
	size_t kafka_option_count;
	int sweeper;                        /* --no-sweeper, SOLVEIT_SWEEPER=0 turn it off */
	double sweep_interval;              /* seconds between sweeps */
	double resend_after;                /* pending and never confirmed by Kafka for this long: re-send */
	double submission_delivery_timeout; /* how long the module's producer may still deliver one */
	double requeue_pending_after;       /* pending, sent, never picked up for this long: send again; 0 off */
	double stuck_after;                 /* processing this long past its time budget: next attempt */
	int max_attempts;                   /* after this many attempts a stuck submission is failed */
	double session_idle;                /* also delete sessions unused this long (0: only expired ones) */
	double login_failure_keep;          /* login failures older than this are deleted */
	int foreground;                     /* --foreground: log to stderr, else syslog */
	int verbose;                        /* --verbose: debug log lines */
	char *key_file;                     /* --key-file, SOLVEIT_KEY_FILE (sv_kafka_mac.h) */
	char *metrics_listen;               /* --metrics-listen ADDR:PORT of /metrics; "": none */
	sv_keyring *keyring;                /* loaded from key_file by main: checks results, signs re-sends */
} sink_config;

/* mod_solveit's message.timeout.ms (SV_SUBMISSION_DELIVERY_TIMEOUT_MS): its producer retries a
 * submission that long, so one it delivers at the end of that window has no kafka_sent_at until then. */
#define SINK_MODULE_DELIVERY_TIMEOUT (SV_SUBMISSION_DELIVERY_TIMEOUT_MS / 1000.0)
/* After that, kafka_sent_at is written by a thread of the module that polls every 100 ms and may wait
 * for a pooled database connection: the sweeper leaves it this much more. */
#define SINK_RESEND_MARGIN 15.0

typedef enum {
	SINK_CONFIG_RUN = 0,
	SINK_CONFIG_HELP,    /* --help: usage printed, exit 0 */
	SINK_CONFIG_VERSION, /* --version: printed, exit 0 */
	SINK_CONFIG_ERROR,   /* err says what is wrong, exit 1 */
} sink_config_result;

/* Fills c with the defaults, then the environment and argv. Returns SINK_CONFIG_ERROR with a
 * message naming the flag or variable in err. Free with sink_config_free. */
sink_config_result sink_config_load(sink_config *c, int argc, char **argv, char *err, size_t errlen);
/* The sweeper's age rule: a submission is re-sent only once the module can no longer deliver it,
 * i.e. resend_after is at least submission_delivery_timeout + SINK_RESEND_MARGIN. Returns 0 when
 * it holds, else -1 with what happens in warning (the tests run with shorter ages on purpose). */
int sink_resend_after_check(const sink_config *c, char *warning, size_t len);

void sink_config_free(sink_config *c);

void sink_config_usage(FILE *out);

#endif
