#include "sink_sweeper.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_db.h"
#include "sink_kafka.h"
#include "sink_metrics.h"
#include "sv_daemon.h"
#include "sv_log.h"
#include "sv_message.h"

#define BATCH       "200"
#define BATCH_ROWS  200
#define CLEAN_BATCH "1000"

/* A submission is stuck when its time budget (twice the time limit for every test, at least one)
 * plus $1 seconds has passed since judging started. */
#define STUCK                                                                                                          \
	"s.status = 'processing' AND COALESCE(s.processing_started_at, s.submitted_at) + make_interval(secs => "       \
	"($1::double precision + 2 * t.time_limit_ms / 1000.0 * GREATEST(COALESCE(s.total_tests, 0), "                 \
	"(SELECT count(*) FROM tests x WHERE x.task_id = s.task_id), 1))::double precision) < now()"

static const sink_statement sweeper_statements[] = {
    {"sweep_lock", "SELECT pg_try_advisory_lock(" SINK_SWEEPER_LOCK_KEY ")"},
    {"sweep_fail",
     "UPDATE submissions s SET status = 'failed', verdict = NULL, score = NULL, processing_completed_at = now(),"
     " error_message = format('Judging did not finish after %s attempts: the judge stopped responding each time."
     " Please submit again, or ask the staff if this keeps happening.', s.attempt)"
     " FROM tasks t WHERE t.id = s.task_id AND s.attempt >= $2::integer AND " STUCK " RETURNING s.id, s.attempt"},
    {"sweep_requeue",
     "UPDATE submissions s SET attempt = s.attempt + 1, status = 'pending', kafka_sent_at = NULL,"
     " processing_started_at = NULL, tests_done = 0"
     " FROM tasks t WHERE t.id = s.task_id AND s.attempt < $2::integer AND " STUCK " RETURNING s.id, s.attempt"},
    {"sweep_requeue_pending",
     "UPDATE submissions SET kafka_sent_at = NULL WHERE status = 'pending'"
     " AND kafka_sent_at < now() - make_interval(secs => $1::double precision) RETURNING id, attempt"},
    {"sweep_unsent", "SELECT id, task_id, user_id, COALESCE(team_id, 0), code, language_id,"
		     " to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), attempt,"
		     " (SELECT revision FROM tasks t WHERE t.id = submissions.task_id)"
		     " FROM submissions WHERE status = 'pending' AND kafka_sent_at IS NULL"
		     " AND submitted_at < now() - make_interval(secs => $1::double precision)"
		     " ORDER BY submitted_at, id LIMIT " BATCH},
    /* The module deletes these only at a built-in login; with external authentication nobody
     * would. A bounded batch per pass keeps each statement short; the next pass takes the rest. */
    {"sweep_sessions",
     "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions"
     " WHERE expires_at <= now() OR ($1::double precision > 0"
     " AND last_seen_at <= now() - make_interval(secs => $1::double precision)) LIMIT " CLEAN_BATCH ")"},
    {"sweep_login_failures", "DELETE FROM login_failures WHERE id IN (SELECT id FROM login_failures"
			     " WHERE at < now() - make_interval(secs => $1::double precision) LIMIT " CLEAN_BATCH ")"},
    /* Not only while pending: the worker's first event may beat the delivery report. */
    {"sweep_mark_sent", "UPDATE submissions SET kafka_sent_at = now()"
			" WHERE id = $1::bigint AND attempt = $2::integer AND kafka_sent_at IS NULL"},
};

struct sink_sweeper {
	const sink_config *config;
	rd_kafka_t *producer;
	sink_db *db;
	pthread_t thread;
};

static void log_failure(const char *what, const char *err)
{
	sv_log(SV_LOG_ERR, "sweeper: %s: %s", what, err);
}

/* Runs the statement with seconds and max_attempts; logs each (id, attempt) row it returns with
 * what happened to it. Returns -1 on error. */
static int run_update(sink_sweeper *s, const char *name, const char *first, const char *second, sv_log_level level,
		      const char *what)
{
	const char *values[2] = {first, second};
	char err[512];
	sink_db_rc rc;
	PGresult *res = sink_db_exec(s->db, name, second ? 2 : 1, values, &rc, err, sizeof(err));

	if (!res) {
		log_failure(name, err);
		return -1;
	}
	sink_metrics_sweeper(sink_metrics_sweep_action(name), PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		sv_log(level, "sweeper: submission %s, attempt %s: %s", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		       what);
	PQclear(res);
	return 0;
}

/* Produces one batch of unsent submissions; returns how many rows it read, -1 on error. */
static int send_batch(sink_sweeper *s, const char *delay)
{
	const char *values[2] = {delay};
	char err[512], key[24];
	sink_db_rc rc;
	PGresult *res = sink_db_exec(s->db, "sweep_unsent", 1, values, &rc, err, sizeof(err));
	sv_delivery *deliveries;
	int rows, sent = 0, failed = 0;
	rd_kafka_resp_err_t perr, last = RD_KAFKA_RESP_ERR_NO_ERROR;
	sv_record rec = {s->config->submissions_topic, NULL, 0, NULL, 0, NULL, NULL, SV_MAC_LABEL_SUBMISSION};

	if (!res) {
		log_failure("reading unsent submissions", err);
		return -1;
	}
	rows = PQntuples(res);
	if (rows == 0) {
		PQclear(res);
		return 0;
	}
	deliveries = calloc((size_t)rows, sizeof(*deliveries));
	if (!deliveries) {
		PQclear(res);
		log_failure("sending", "out of memory");
		return -1;
	}
	for (int i = 0; i < rows; i++) {
		sv_submission_msg msg = {
		    .submission_id = atoll(PQgetvalue(res, i, 0)),
		    .task_id = atoll(PQgetvalue(res, i, 1)),
		    .user_id = atoll(PQgetvalue(res, i, 2)),
		    .team_id = atoll(PQgetvalue(res, i, 3)),
		    .code = PQgetvalue(res, i, 4),
		    .code_len = (size_t)PQgetlength(res, i, 4),
		    .language_id = atoi(PQgetvalue(res, i, 5)),
		    .timestamp = PQgetvalue(res, i, 6),
		    .attempt = atoi(PQgetvalue(res, i, 7)),
		    .task_revision = atoi(PQgetvalue(res, i, 8)),
		};
		char *json = sv_submission_msg_build(&msg);

		if (!json) {
			deliveries[i].done = 1;
			deliveries[i].err = RD_KAFKA_RESP_ERR__FAIL;
			continue;
		}
		snprintf(key, sizeof(key), "%lld", msg.submission_id);
		rec.key = key;
		rec.key_len = strlen(key);
		rec.value = json;
		rec.len = strlen(json);
		perr = sv_produce(s->producer, &rec, &deliveries[i]);
		free(json);
		if (perr) {
			deliveries[i].done = 1;
			deliveries[i].err = perr;
		}
	}
	sv_delivery_wait(s->producer, deliveries, (size_t)rows, &sv_daemon_stop);
	for (int i = 0; i < rows; i++) {
		const char *mark[2] = {PQgetvalue(res, i, 0), PQgetvalue(res, i, 7)};
		PGresult *done;

		if (deliveries[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			failed++;
			last = deliveries[i].err;
			continue;
		}
		done = sink_db_exec(s->db, "sweep_mark_sent", 2, mark, &rc, err, sizeof(err));
		if (!done) {
			/* Delivered but not recorded: the next pass sends it again, which is harmless. */
			log_failure("recording a delivery", err);
			break;
		}
		PQclear(done);
		sent++;
		sv_log(SV_LOG_DEBUG, "sweeper: submission %s (attempt %s) sent to %s", mark[0], mark[1],
		       s->config->submissions_topic);
	}
	sink_metrics_sweeper("resent", sent);
	sink_metrics_sweeper("resend_failed", failed);
	if (sent)
		sv_log(SV_LOG_INFO, "sweeper: sent %d unconfirmed submission(s) to %s", sent,
		       s->config->submissions_topic);
	if (failed)
		sv_log(SV_LOG_WARNING, "sweeper: %d of %d submission(s) not delivered to %s (%s); next pass retries",
		       failed, rows, s->config->submissions_topic, rd_kafka_err2str(last));
	free(deliveries);
	PQclear(res);
	return failed ? -1 : rows;
}

/* Deletes one batch of rows the site no longer needs; returns how many, -1 on error. */
static long clean(sink_sweeper *s, const char *name, double seconds, const char *what)
{
	char text[32], err[512];
	const char *values[1] = {text};
	sink_db_rc rc;
	PGresult *res;
	long n;

	snprintf(text, sizeof(text), "%.3f", seconds);
	res = sink_db_exec(s->db, name, 1, values, &rc, err, sizeof(err));
	if (!res) {
		log_failure(name, err);
		return -1;
	}
	n = atol(PQcmdTuples(res));
	PQclear(res);
	sink_metrics_sweeper(sink_metrics_sweep_action(name), n);
	if (n > 0)
		sv_log(SV_LOG_INFO, "sweeper: deleted %ld %s", n, what);
	return n;
}

static void sweep(sink_sweeper *s)
{
	const sink_config *c = s->config;
	char stuck[32], attempts[16], requeue[32], delay[32];

	snprintf(stuck, sizeof(stuck), "%.3f", c->stuck_after);
	snprintf(attempts, sizeof(attempts), "%d", c->max_attempts);
	snprintf(requeue, sizeof(requeue), "%.3f", c->requeue_pending_after);
	snprintf(delay, sizeof(delay), "%.3f", c->resend_after);

	if (run_update(s, "sweep_fail", stuck, attempts, SV_LOG_WARNING,
		       "failed: still processing far past its time budget at the last attempt allowed") < 0 ||
	    run_update(s, "sweep_requeue", stuck, attempts, SV_LOG_NOTICE,
		       "queued again: the previous attempt was stuck in processing") < 0)
		return;
	if (c->requeue_pending_after > 0 &&
	    run_update(s, "sweep_requeue_pending", requeue, NULL, SV_LOG_NOTICE,
		       "still pending long after Kafka confirmed it: sending it again") < 0)
		return;
	while (!sv_daemon_stop && send_batch(s, delay) == BATCH_ROWS)
		;
	clean(s, "sweep_sessions", c->session_idle, "expired session(s)");
	clean(s, "sweep_login_failures", c->login_failure_keep, "old failed-login record(s)");
}

static void *sweeper_main(void *arg)
{
	sink_sweeper *s = arg;
	unsigned long locked_generation = 0;
	int holding = 0, standby_logged = 0;

	while (!sv_daemon_stop) {
		if (sink_db_ensure(s->db) == 0) {
			/* A new connection has lost the session lock the old one held. */
			if (holding && sink_db_generation(s->db) != locked_generation) {
				holding = 0;
				sv_log(SV_LOG_NOTICE, "sweeper: lost the sweeper lock with the database connection");
			}
			if (!holding) {
				char err[512];
				sink_db_rc rc;
				PGresult *res = sink_db_exec(s->db, "sweep_lock", 0, NULL, &rc, err, sizeof(err));

				if (!res) {
					log_failure("taking the sweeper lock", err);
				} else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
					holding = 1;
					locked_generation = sink_db_generation(s->db);
					standby_logged = 0;
					sv_log(SV_LOG_NOTICE,
					       "sweeper: active (this result-sink holds the sweeper lock)");
				} else if (!standby_logged) {
					standby_logged = 1;
					sv_log(SV_LOG_INFO,
					       "sweeper: standby (another result-sink holds the sweeper lock)");
				}
				PQclear(res);
			}
			if (holding)
				sweep(s);
		}
		sv_sleep_ms((long)(s->config->sweep_interval * 1000), &sv_daemon_stop);
	}
	return NULL;
}

sink_sweeper *sink_sweeper_start(const sink_config *c, rd_kafka_t *producer, char *err, size_t errlen)
{
	sink_sweeper *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->config = c;
	s->producer = producer;
	s->db = sink_db_new(c->db, "result-sink sweeper", sweeper_statements,
			    sizeof(sweeper_statements) / sizeof(sweeper_statements[0]));
	if (!s->db) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = pthread_create(&s->thread, NULL, sweeper_main, s);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the sweeper thread: %s", strerror(rc));
		sink_db_free(s->db);
		free(s);
		return NULL;
	}
	return s;
}

void sink_sweeper_stop(sink_sweeper *s)
{
	if (!s)
		return;
	pthread_join(s->thread, NULL);
	sink_db_free(s->db);
	free(s);
}
