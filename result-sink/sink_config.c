#include "sink_config.h"

#include <stdlib.h>
#include <string.h>

#include "sv_kafka_mac.h"
#include "sv_metrics.h"
#include "sv_version.h"

#define MAX_SECONDS (30.0 * 24 * 3600)
#define OFF(field)  offsetof(sink_config, field)

static const sv_option options[] = {
    {"brokers", 0, "SOLVEIT_KAFKA_BROKERS", SV_OPT_STRING, OFF(brokers), 0, 0, 0, "LIST",
     "Kafka bootstrap servers (host:port,...)", SV_OPT_REQUIRED},
    {"db", 0, "SOLVEIT_DB", SV_OPT_STRING, OFF(db), 0, 0, 0, "CONNINFO",
     "PostgreSQL: libpq conninfo or URI (empty: libpq defaults)", 0},
    {"kafka-option", 0, "SOLVEIT_KAFKA_OPTIONS", SV_OPT_KAFKA, OFF(kafka_options), OFF(kafka_option_count), 0, 0,
     "KEY=VALUE", "librdkafka options for the consumer and the producer; repeatable", 0},
    {"group", 0, "SOLVEIT_SINK_GROUP", SV_OPT_STRING, OFF(group), 0, 0, 0, "ID", "consumer group", SV_OPT_REQUIRED},
    {"topic-results", 0, "SOLVEIT_TOPIC_RESULTS", SV_OPT_STRING, OFF(results_topic), 0, 0, 0, "NAME", "topic consumed",
     SV_OPT_REQUIRED},
    {"topic-results-dead", 0, "SOLVEIT_TOPIC_RESULTS_DEAD", SV_OPT_STRING, OFF(dead_letter_topic), 0, 0, 0, "NAME",
     "malformed events go here", SV_OPT_REQUIRED},
    {"topic-submissions", 0, "SOLVEIT_TOPIC_SUBMISSIONS", SV_OPT_STRING, OFF(submissions_topic), 0, 0, 0, "NAME",
     "the sweeper sends submissions here", SV_OPT_REQUIRED},
    {"no-sweeper", 0, "SOLVEIT_SWEEPER", SV_OPT_FLAG, OFF(sweeper), 0, 0, 0, NULL, "do not sweep", SV_OPT_INVERT},
    {"sweep-interval", 0, "SOLVEIT_SWEEP_INTERVAL", SV_OPT_SECONDS, OFF(sweep_interval), 0, 0.05, MAX_SECONDS,
     "SECONDS", "between sweeps", 0},
    {"resend-after", 0, "SOLVEIT_RESEND_AFTER", SV_OPT_SECONDS, OFF(resend_after), 0, 0, MAX_SECONDS, "SECONDS",
     "re-send a pending submission Kafka never confirmed after this; keep it above --submission-delivery-timeout", 0},
    {"submission-delivery-timeout", 0, "SOLVEIT_SUBMISSION_DELIVERY_TIMEOUT", SV_OPT_SECONDS,
     OFF(submission_delivery_timeout), 0, 0, MAX_SECONDS, "SECONDS",
     "how long mod_solveit's producer retries a submission (its message.timeout.ms)", 0},
    {"requeue-pending-after", 0, "SOLVEIT_REQUEUE_PENDING_AFTER", SV_OPT_SECONDS, OFF(requeue_pending_after), 0, 0,
     MAX_SECONDS, "SECONDS", "send again a submission confirmed but still pending after this (0: never)", 0},
    {"stuck-after", 0, "SOLVEIT_STUCK_AFTER", SV_OPT_SECONDS, OFF(stuck_after), 0, 0, MAX_SECONDS, "SECONDS",
     "a submission processing this long past its time budget gets its next attempt", 0},
    {"max-attempts", 0, "SOLVEIT_MAX_ATTEMPTS", SV_OPT_INT, OFF(max_attempts), 0, 1, 1000, "N",
     "attempts before a stuck submission is failed", 0},
    {"session-idle", 0, "SOLVEIT_SESSION_IDLE", SV_OPT_SECONDS, OFF(session_idle), 0, 0, MAX_SECONDS, "SECONDS",
     "besides expired sessions, delete those unused this long; match SolveitSessionIdle (0: expired only)", 0},
    {"login-failure-keep", 0, "SOLVEIT_LOGIN_FAILURE_KEEP", SV_OPT_SECONDS, OFF(login_failure_keep), 0, 900,
     MAX_SECONDS, "SECONDS", "delete failed-login records older than this", 0},
    {"metrics-listen", 0, "SOLVEIT_METRICS_LISTEN", SV_OPT_STRING, OFF(metrics_listen), 0, 0, 0, "ADDR:PORT",
     "serve Prometheus metrics at http://ADDR:PORT/metrics (127.0.0.1:9464, [::1]:9464; empty: off)", 0},
    SV_KEY_FILE_OPTION(sink_config, key_file),
    {"foreground", 'f', NULL, SV_OPT_FLAG, OFF(foreground), 0, 0, 0, NULL, "log to stderr (default: syslog)", 0},
    {"verbose", 'v', NULL, SV_OPT_FLAG, OFF(verbose), 0, 0, 0, NULL, "log every event applied or ignored", 0},
    {"help", 'h', NULL, SV_OPT_HELP, 0, 0, 0, 0, NULL, "this text", 0},
    {"version", 'V', NULL, SV_OPT_VERSION, 0, 0, 0, 0, NULL, "the version", 0},
};

static void set_defaults(sink_config *c)
{
	memset(c, 0, sizeof(*c));
	c->brokers = strdup("localhost:9092");
	c->db = strdup("");
	c->group = strdup("result-sink");
	c->results_topic = strdup(SV_TOPIC_RESULTS);
	c->dead_letter_topic = strdup(SV_TOPIC_RESULTS_DEAD);
	c->submissions_topic = strdup(SV_TOPIC_SUBMISSIONS);
	c->sweeper = 1;
	c->sweep_interval = 5;
	c->submission_delivery_timeout = SINK_MODULE_DELIVERY_TIMEOUT;
	c->resend_after = SINK_MODULE_DELIVERY_TIMEOUT + SINK_RESEND_MARGIN;
	c->requeue_pending_after = 900;
	c->stuck_after = 300;
	c->max_attempts = 3;
	c->session_idle = 0;
	c->login_failure_keep = 86400;
	c->key_file = strdup(SV_KEY_FILE_DEFAULT);
	c->metrics_listen = strdup("");
}

SV_OPTIONS_SPEC(spec, "result-sink",
		"Applies code-results events to PostgreSQL and runs the sweeper that re-sends submissions\n"
		"Kafka never confirmed or that got stuck, and deletes expired sessions and old failed logins.",
		"Exit status: 0 stopped by SIGTERM/SIGINT, 1 bad configuration, 2 fatal runtime error.\n"
		"See result-sink(8).\n",
		options, sink_config, set_defaults);

void sink_config_usage(FILE *out)
{
	sv_options_usage(&spec, out);
}

sink_config_result sink_config_load(sink_config *c, int argc, char **argv, char *err, size_t errlen)
{
	int rc;

	set_defaults(c);
	/* main prints the help or the version itself, so out is NULL here. */
	rc = sv_options_load(&spec, c, argc, argv, (sv_getenv_fn *)getenv, NULL, err, errlen);
	if (rc < 0)
		return SINK_CONFIG_ERROR;
	if (rc == SV_OPTIONS_HELP)
		return SINK_CONFIG_HELP;
	if (rc == SV_OPTIONS_VERSION)
		return SINK_CONFIG_VERSION;
	if (strcmp(c->results_topic, c->dead_letter_topic) == 0) {
		snprintf(err, errlen, "--topic-results-dead must differ from --topic-results (\"%s\")",
			 c->results_topic);
		return SINK_CONFIG_ERROR;
	}
	if (*c->metrics_listen && sv_metrics_listen_check(c->metrics_listen, SV_METRICS_OPTION, err, errlen) < 0)
		return SINK_CONFIG_ERROR;
	return SINK_CONFIG_RUN;
}

int sink_resend_after_check(const sink_config *c, char *warning, size_t len)
{
	if (c->resend_after >= c->submission_delivery_timeout + SINK_RESEND_MARGIN)
		return 0;
	snprintf(
	    warning, len,
	    "--resend-after %g is less than %g s past the %g s mod_solveit may still spend delivering a submission "
	    "(--submission-delivery-timeout): a submission it delivers late is judged twice",
	    c->resend_after, SINK_RESEND_MARGIN, c->submission_delivery_timeout);
	return -1;
}

void sink_config_free(sink_config *c)
{
	sv_keyring_free(c->keyring);
	c->keyring = NULL;
	sv_options_free(&spec, c);
}
