/* solveit-kafka-mock: the embedded Kafka broker of the dev stack and the tests.
 *
 * librdkafka's mock cluster speaks the real Kafka protocol over TCP on loopback; the module and
 * the daemons are pointed at its bootstrap address like at any cluster. It keeps everything in
 * memory, so a restart starts empty: PostgreSQL is the source of truth and the sweeper re-sends.
 *
 * Control, for fault tests: SIGUSR1 takes every broker down (connections cut, new ones refused),
 * SIGUSR2 brings them back. SIGTERM or SIGINT stops it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "sv_parse.h"

static volatile sig_atomic_t run = 1;
static volatile sig_atomic_t want_down;
static volatile sig_atomic_t want_up;

static void on_stop(int sig)
{
	run = 0;
}

static void on_down(int sig)
{
	want_down = 1;
}

static void on_up(int sig)
{
	want_up = 1;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: solveit-kafka-mock [--brokers N] [--partitions N] [--topic NAME[:PARTITIONS]]...\n"
		     "                          [--bootstrap-file PATH] [--pid-file PATH]\n"
		     "Starts an in-memory Kafka cluster on loopback, prints its bootstrap address on the first\n"
		     "line of stdout and serves until SIGTERM/SIGINT. SIGUSR1 takes all brokers down, SIGUSR2\n"
		     "brings them up. Without --topic it creates code-submissions, code-results and their\n"
		     "dead-letter topics, and code-runs (the runs on the samples).\n");
}

static int write_file(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
		fprintf(stderr, "solveit-kafka-mock: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "solveit-kafka-mock: cannot rename %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

static int parse_count(const char *text, const char *what, int max)
{
	long long n;

	if (sv_parse_ll(text, 1, max, &n) < 0) {
		fprintf(stderr, "solveit-kafka-mock: %s must be a number from 1 to %d, not \"%s\"\n", what, max, text);
		exit(2);
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	static const char *const default_topics[] = {"code-submissions", "code-results", "code-submissions-dead",
						     "code-results-dead", "code-runs"};
	const char *topics[64];
	int topic_partitions[64];
	int topic_count = 0, brokers = 1, partitions = 4;
	const char *bootstrap_file = NULL, *pid_file = NULL;
	char errstr[512], pid_text[32];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mcluster;
	struct sigaction sa;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (!value) {
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(arg, "--brokers") == 0) {
			brokers = parse_count(value, "--brokers", 16);
		} else if (strcmp(arg, "--partitions") == 0) {
			partitions = parse_count(value, "--partitions", 256);
		} else if (strcmp(arg, "--topic") == 0 && topic_count < 64) {
			char *copy = strdup(value), *colon = strchr(copy, ':');

			topic_partitions[topic_count] = 0;
			if (colon) {
				*colon = '\0';
				topic_partitions[topic_count] = parse_count(colon + 1, "topic partitions", 256);
			}
			topics[topic_count++] = copy;
		} else if (strcmp(arg, "--bootstrap-file") == 0) {
			bootstrap_file = value;
		} else if (strcmp(arg, "--pid-file") == 0) {
			pid_file = value;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (topic_count == 0) {
		for (size_t i = 0; i < sizeof(default_topics) / sizeof(default_topics[0]); i++) {
			topics[topic_count] = default_topics[i];
			topic_partitions[topic_count++] = 0;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_down;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_up;
	sigaction(SIGUSR2, &sa, NULL);

	/* The mock cluster needs a client instance to live in; this one never produces. */
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "client.id", "solveit-kafka-mock", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "solveit-kafka-mock: %s\n", errstr);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "solveit-kafka-mock: cannot create the client: %s\n", errstr);
		return 1;
	}
	mcluster = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mcluster) {
		fprintf(stderr, "solveit-kafka-mock: cannot create the mock cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	for (int i = 0; i < topic_count; i++) {
		int n = topic_partitions[i] ? topic_partitions[i] : partitions;
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, topics[i], n, 1);

		if (err) {
			fprintf(stderr, "solveit-kafka-mock: cannot create topic %s: %s\n", topics[i],
				rd_kafka_err2str(err));
			rd_kafka_mock_cluster_destroy(mcluster);
			rd_kafka_destroy(rk);
			return 1;
		}
	}

	/* Files first, then stdout: whoever waits on stdout may read the files right away. */
	snprintf(pid_text, sizeof(pid_text), "%ld", (long)getpid());
	if ((pid_file && write_file(pid_file, pid_text) < 0) ||
	    (bootstrap_file && write_file(bootstrap_file, rd_kafka_mock_cluster_bootstraps(mcluster)) < 0)) {
		rd_kafka_mock_cluster_destroy(mcluster);
		rd_kafka_destroy(rk);
		return 1;
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
	fflush(stdout);
	fprintf(stderr, "solveit-kafka-mock: %d broker(s) at %s, %d topic(s)\n", brokers,
		rd_kafka_mock_cluster_bootstraps(mcluster), topic_count);

	while (run) {
		struct timespec nap = {0, 50 * 1000 * 1000};

		if (want_down) {
			want_down = 0;
			for (int b = 1; b <= brokers; b++)
				rd_kafka_mock_broker_set_down(mcluster, b);
			fprintf(stderr, "solveit-kafka-mock: brokers down\n");
		}
		if (want_up) {
			want_up = 0;
			for (int b = 1; b <= brokers; b++)
				rd_kafka_mock_broker_set_up(mcluster, b);
			fprintf(stderr, "solveit-kafka-mock: brokers up\n");
		}
		nanosleep(&nap, NULL);
	}
	rd_kafka_mock_cluster_destroy(mcluster);
	rd_kafka_destroy(rk);
	if (pid_file)
		unlink(pid_file);
	fprintf(stderr, "solveit-kafka-mock: stopped\n");
	return 0;
}
