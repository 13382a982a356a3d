#include "sink_config.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sv_version.h"

#define MAX_SECONDS (30.0 * 24 * 3600)

enum {
	OPT_BROKERS = 256,
	OPT_DB,
	OPT_GROUP,
	OPT_TOPIC_RESULTS,
	OPT_TOPIC_RESULTS_DEAD,
	OPT_TOPIC_SUBMISSIONS,
	OPT_KAFKA_OPTION,
	OPT_NO_SWEEPER,
	OPT_SWEEP_INTERVAL,
	OPT_RESEND_AFTER,
	OPT_REQUEUE_PENDING_AFTER,
	OPT_STUCK_AFTER,
	OPT_MAX_ATTEMPTS,
};

static const struct option long_options[] = {
    {"brokers", required_argument, NULL, OPT_BROKERS},
    {"db", required_argument, NULL, OPT_DB},
    {"group", required_argument, NULL, OPT_GROUP},
    {"topic-results", required_argument, NULL, OPT_TOPIC_RESULTS},
    {"topic-results-dead", required_argument, NULL, OPT_TOPIC_RESULTS_DEAD},
    {"topic-submissions", required_argument, NULL, OPT_TOPIC_SUBMISSIONS},
    {"kafka-option", required_argument, NULL, OPT_KAFKA_OPTION},
    {"no-sweeper", no_argument, NULL, OPT_NO_SWEEPER},
    {"sweep-interval", required_argument, NULL, OPT_SWEEP_INTERVAL},
    {"resend-after", required_argument, NULL, OPT_RESEND_AFTER},
    {"requeue-pending-after", required_argument, NULL, OPT_REQUEUE_PENDING_AFTER},
    {"stuck-after", required_argument, NULL, OPT_STUCK_AFTER},
    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
    {"foreground", no_argument, NULL, 'f'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void sink_config_usage(FILE *out)
{
	fprintf(out,
		"usage: result-sink [options]\n"
		"Applies code-results events to PostgreSQL and runs the sweeper that re-sends submissions\n"
		"Kafka never confirmed or that got stuck. Each option also reads the variable shown.\n"
		"\n"
		"  --brokers LIST              Kafka bootstrap servers    SOLVEIT_KAFKA_BROKERS (localhost:9092)\n"
		"  --db CONNINFO               libpq conninfo or URI      SOLVEIT_DB (libpq defaults)\n"
		"  --kafka-option KEY=VALUE    librdkafka property, repeatable\n"
		"                                                         SOLVEIT_KAFKA_OPTIONS (k=v k=v, k=v,k=v)\n"
		"  --group ID                  consumer group             SOLVEIT_SINK_GROUP (result-sink)\n"
		"  --topic-results NAME        topic consumed             SOLVEIT_TOPIC_RESULTS\n"
		"                                                         (" SV_TOPIC_RESULTS ")\n"
		"  --topic-results-dead NAME   malformed events go here   SOLVEIT_TOPIC_RESULTS_DEAD\n"
		"                                                         (" SV_TOPIC_RESULTS_DEAD ")\n"
		"  --topic-submissions NAME    the sweeper sends here     SOLVEIT_TOPIC_SUBMISSIONS\n"
		"                                                         (" SV_TOPIC_SUBMISSIONS ")\n"
		"  --no-sweeper                do not sweep               SOLVEIT_SWEEPER=0\n"
		"  --sweep-interval SECONDS    between sweeps             SOLVEIT_SWEEP_INTERVAL (5)\n"
		"  --resend-after SECONDS      re-send a pending submission Kafka never confirmed after this\n"
		"                                                         SOLVEIT_RESEND_AFTER (30)\n"
		"  --requeue-pending-after SECONDS\n"
		"                              send again a submission confirmed but still pending after this\n"
		"                              (0: never)                 SOLVEIT_REQUEUE_PENDING_AFTER (900)\n"
		"  --stuck-after SECONDS       a submission processing this long past its time budget gets\n"
		"                              its next attempt           SOLVEIT_STUCK_AFTER (300)\n"
		"  --max-attempts N            attempts before a stuck submission is failed\n"
		"                                                         SOLVEIT_MAX_ATTEMPTS (3)\n"
		"  -f, --foreground            log to stderr (default: syslog)\n"
		"  -v, --verbose               log every event applied or ignored\n"
		"  -h, --help                  this text\n"
		"  -V, --version               the version\n"
		"\n"
		"Exit status: 0 stopped by SIGTERM/SIGINT, 1 bad configuration, 2 fatal runtime error.\n"
		"See result-sink(8).\n");
}

static int parse_seconds(const char *text, const char *name, double min, double *out, char *err, size_t errlen)
{
	char *end;
	double v;

	if (!text || !*text)
		goto bad;
	v = strtod(text, &end);
	if (*end != '\0' || !isfinite(v) || v < min || v > MAX_SECONDS)
		goto bad;
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "%s must be a number of seconds from %g to %g, not \"%s\"", name, min, MAX_SECONDS,
		 text ? text : "");
	return -1;
}

static int parse_count(const char *text, const char *name, long min, long max, int *out, char *err, size_t errlen)
{
	char *end;
	long v;

	if (!text || !*text)
		goto bad;
	v = strtol(text, &end, 10);
	if (*end != '\0' || v < min || v > max)
		goto bad;
	*out = (int)v;
	return 0;
bad:
	snprintf(err, errlen, "%s must be a whole number from %ld to %ld, not \"%s\"", name, min, max,
		 text ? text : "");
	return -1;
}

static int parse_switch(const char *text, const char *name, int *out, char *err, size_t errlen)
{
	static const char *const on[] = {"1", "on", "yes", "true"}, *const off[] = {"0", "off", "no", "false"};

	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (strcmp(text, on[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(text, off[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	snprintf(err, errlen, "%s must be 1 or 0 (on/off), not \"%s\"", name, text);
	return -1;
}

static int add_kafka_option(sink_config *c, const char *option, const char *name, char *err, size_t errlen)
{
	const char *eq = strchr(option, '=');

	if (!eq || eq == option) {
		snprintf(err, errlen, "%s: \"%s\" is not key=value", name, option);
		return -1;
	}
	if (c->kafka_option_count >= SINK_MAX_KAFKA_OPTIONS) {
		snprintf(err, errlen, "%s: more than %d Kafka options", name, SINK_MAX_KAFKA_OPTIONS);
		return -1;
	}
	c->kafka_options[c->kafka_option_count++] = option;
	return 0;
}

/* SOLVEIT_KAFKA_OPTIONS: "k=v" items separated by commas or white space (judge-worker reads the
 * same variable space-separated). A piece without "=" continues the value before it, so that a
 * comma-separated value such as "debug=cgrp,topic" survives. Splits text in place. */
static int split_kafka_options(sink_config *c, char *text, char *err, size_t errlen)
{
	const char *separators = ", \t\n";
	char *save = NULL, *pending = NULL;

	for (char *item = strtok_r(text, separators, &save); item; item = strtok_r(NULL, separators, &save)) {
		if (pending && !strchr(item, '=')) {
			/* Join it back: what lies between the two pieces becomes one comma each. */
			for (char *q = pending + strlen(pending); q < item; q++)
				*q = ',';
			continue;
		}
		if (pending && add_kafka_option(c, pending, "SOLVEIT_KAFKA_OPTIONS", err, errlen) < 0)
			return -1;
		pending = item;
	}
	if (pending && add_kafka_option(c, pending, "SOLVEIT_KAFKA_OPTIONS", err, errlen) < 0)
		return -1;
	return 0;
}

static int require_text(const char *value, const char *name, char *err, size_t errlen)
{
	if (!value || !*value) {
		snprintf(err, errlen, "%s must not be empty", name);
		return -1;
	}
	return 0;
}

static int load_environment(sink_config *c, char *err, size_t errlen)
{
	const char *v;

	if ((v = getenv("SOLVEIT_KAFKA_BROKERS")))
		c->brokers = v;
	if ((v = getenv("SOLVEIT_DB")))
		c->db = v;
	if ((v = getenv("SOLVEIT_SINK_GROUP")))
		c->group = v;
	if ((v = getenv("SOLVEIT_TOPIC_RESULTS")))
		c->results_topic = v;
	if ((v = getenv("SOLVEIT_TOPIC_RESULTS_DEAD")))
		c->dead_letter_topic = v;
	if ((v = getenv("SOLVEIT_TOPIC_SUBMISSIONS")))
		c->submissions_topic = v;
	if ((v = getenv("SOLVEIT_SWEEPER")) && parse_switch(v, "SOLVEIT_SWEEPER", &c->sweeper, err, errlen) < 0)
		return -1;
	if ((v = getenv("SOLVEIT_SWEEP_INTERVAL")) &&
	    parse_seconds(v, "SOLVEIT_SWEEP_INTERVAL", 0.05, &c->sweep_interval, err, errlen) < 0)
		return -1;
	if ((v = getenv("SOLVEIT_RESEND_AFTER")) &&
	    parse_seconds(v, "SOLVEIT_RESEND_AFTER", 0, &c->resend_after, err, errlen) < 0)
		return -1;
	if ((v = getenv("SOLVEIT_REQUEUE_PENDING_AFTER")) &&
	    parse_seconds(v, "SOLVEIT_REQUEUE_PENDING_AFTER", 0, &c->requeue_pending_after, err, errlen) < 0)
		return -1;
	if ((v = getenv("SOLVEIT_STUCK_AFTER")) &&
	    parse_seconds(v, "SOLVEIT_STUCK_AFTER", 0, &c->stuck_after, err, errlen) < 0)
		return -1;
	if ((v = getenv("SOLVEIT_MAX_ATTEMPTS")) &&
	    parse_count(v, "SOLVEIT_MAX_ATTEMPTS", 1, 1000, &c->max_attempts, err, errlen) < 0)
		return -1;
	if ((v = getenv("SOLVEIT_KAFKA_OPTIONS")) && *v) {
		c->owned = strdup(v);
		if (!c->owned) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (split_kafka_options(c, c->owned, err, errlen) < 0)
			return -1;
	}
	return 0;
}

sink_config_result sink_config_load(sink_config *c, int argc, char **argv, char *err, size_t errlen)
{
	int opt;

	memset(c, 0, sizeof(*c));
	c->brokers = "localhost:9092";
	c->db = "";
	c->group = "result-sink";
	c->results_topic = SV_TOPIC_RESULTS;
	c->dead_letter_topic = SV_TOPIC_RESULTS_DEAD;
	c->submissions_topic = SV_TOPIC_SUBMISSIONS;
	c->sweeper = 1;
	c->sweep_interval = 5;
	c->resend_after = 30;
	c->requeue_pending_after = 900;
	c->stuck_after = 300;
	c->max_attempts = 3;

	if (load_environment(c, err, errlen) < 0)
		return SINK_CONFIG_ERROR;

	optind = 0; /* glibc: a full re-initialisation, so the tests can parse several argv */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":fvhV", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_BROKERS:
			c->brokers = optarg;
			break;
		case OPT_DB:
			c->db = optarg;
			break;
		case OPT_GROUP:
			c->group = optarg;
			break;
		case OPT_TOPIC_RESULTS:
			c->results_topic = optarg;
			break;
		case OPT_TOPIC_RESULTS_DEAD:
			c->dead_letter_topic = optarg;
			break;
		case OPT_TOPIC_SUBMISSIONS:
			c->submissions_topic = optarg;
			break;
		case OPT_KAFKA_OPTION:
			if (add_kafka_option(c, optarg, "--kafka-option", err, errlen) < 0)
				return SINK_CONFIG_ERROR;
			break;
		case OPT_NO_SWEEPER:
			c->sweeper = 0;
			break;
		case OPT_SWEEP_INTERVAL:
			if (parse_seconds(optarg, "--sweep-interval", 0.05, &c->sweep_interval, err, errlen) < 0)
				return SINK_CONFIG_ERROR;
			break;
		case OPT_RESEND_AFTER:
			if (parse_seconds(optarg, "--resend-after", 0, &c->resend_after, err, errlen) < 0)
				return SINK_CONFIG_ERROR;
			break;
		case OPT_REQUEUE_PENDING_AFTER:
			if (parse_seconds(optarg, "--requeue-pending-after", 0, &c->requeue_pending_after, err,
					  errlen) < 0)
				return SINK_CONFIG_ERROR;
			break;
		case OPT_STUCK_AFTER:
			if (parse_seconds(optarg, "--stuck-after", 0, &c->stuck_after, err, errlen) < 0)
				return SINK_CONFIG_ERROR;
			break;
		case OPT_MAX_ATTEMPTS:
			if (parse_count(optarg, "--max-attempts", 1, 1000, &c->max_attempts, err, errlen) < 0)
				return SINK_CONFIG_ERROR;
			break;
		case 'f':
			c->foreground = 1;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'h':
			return SINK_CONFIG_HELP;
		case 'V':
			return SINK_CONFIG_VERSION;
		case ':':
			snprintf(err, errlen, "%s needs a value", argv[optind - 1]);
			return SINK_CONFIG_ERROR;
		default:
			snprintf(err, errlen, "unknown option \"%s\" (see --help)", argv[optind - 1]);
			return SINK_CONFIG_ERROR;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument \"%s\" (see --help)", argv[optind]);
		return SINK_CONFIG_ERROR;
	}
	if (require_text(c->brokers, "--brokers (SOLVEIT_KAFKA_BROKERS)", err, errlen) < 0 ||
	    require_text(c->group, "--group (SOLVEIT_SINK_GROUP)", err, errlen) < 0 ||
	    require_text(c->results_topic, "--topic-results (SOLVEIT_TOPIC_RESULTS)", err, errlen) < 0 ||
	    require_text(c->dead_letter_topic, "--topic-results-dead (SOLVEIT_TOPIC_RESULTS_DEAD)", err, errlen) < 0 ||
	    require_text(c->submissions_topic, "--topic-submissions (SOLVEIT_TOPIC_SUBMISSIONS)", err, errlen) < 0)
		return SINK_CONFIG_ERROR;
	if (strcmp(c->results_topic, c->dead_letter_topic) == 0) {
		snprintf(err, errlen, "--topic-results-dead must differ from --topic-results (\"%s\")",
			 c->results_topic);
		return SINK_CONFIG_ERROR;
	}
	return SINK_CONFIG_RUN;
}

void sink_config_free(sink_config *c)
{
	free(c->owned);
	c->owned = NULL;
}
