/* The judge-worker's checks of a message against its signature and the stored row (worker_trust.h). */
#include "worker_trust.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <openssl/evp.h>

#include "sv_daemon.h"
#include "sv_kafka_client.h"
#include "sv_kafka_mac.h"
#include "sv_log.h"
#include "sv_message.h"
#include "sv_metrics.h"
#include "sv_pg.h"
#include "sv_time.h"
#include "worker_metrics.h"
#include "worker_stats.h"

/* The stored row as the message must repeat it; the code compared by its SHA-256, computed by
 * PostgreSQL over the stored text's UTF-8 bytes. */
static const char submission_row[] =
    "SELECT task_id, user_id, language_id, attempt, encode(sha256(convert_to(code, 'UTF8')), 'hex')"
    " FROM submissions WHERE id = $1::bigint";
static const char run_row[] = "SELECT task_id, user_id, language_id, token::text,"
			      " encode(sha256(convert_to(code, 'UTF8')), 'hex') FROM sample_runs WHERE id = $1::bigint";

/* The calling thread's connection (NULL until its first lookup), finished when the thread ends. */
static pthread_key_t pg_key;
static pthread_once_t pg_once = PTHREAD_ONCE_INIT;

static void pg_finish(void *pg)
{
	PQfinish(pg);
}

static void pg_key_make(void)
{
	pthread_key_create(&pg_key, pg_finish);
}

job_result worker_dead_letter(worker *w, job *j, const char *reason, const char *why)
{
	const rd_kafka_message_t *m = j->msg;
	char source[300];

	sv_kafka_describe(m, source, sizeof(source));
	sv_log(SV_LOG_WARNING, "%s: %s; sent to %s", source, why, w->cfg->topic_dead);
	switch (sv_dead_letter(w->producer, w->cfg->topic_dead, m, why, &j->cancel, 0)) {
	case SV_CANCELLED:
		return JOB_GIVEN_BACK;
	case SV_DELIVERED:
		stats_add(STAT_DEAD_LETTERED, 1);
		worker_metrics_dead_letter(reason);
		return JOB_DONE;
	default:
		return JOB_DONE; /* logged: a message that cannot even be dead-lettered must not stall the partition */
	}
}

static int refuse(worker *w, job *j, const char *reason, const char *why, job_result *jr)
{
	*jr = worker_dead_letter(w, j, reason, why);
	return 0;
}

static int mac_ok(worker *w, job *j, const char *label, const char *what, job_result *jr)
{
	enum sv_mac_status st = sv_kafka_mac_check(w->cfg->keyring, j->msg, label);
	char why[128];

	if (st == SV_MAC_OK)
		return 1;
	return refuse(w, j, sv_metrics_mac_reason(st), sv_kafka_mac_reason(st, what, why, sizeof(why)), jr);
}

static void sha256_hex(const char *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		hex[0] = '\0'; /* matches no stored hash */
		return;
	}
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* The stored row of id by query, waiting out PostgreSQL outages (the truth is there, nowhere
 * else): 1 found, 0 no such row, -1 cancelled first. *res is the PGresult (PQclear it) when 1. */
static int stored_row(worker *w, job *j, const char *query, long long id, const char *what, PGresult **res)
{
	char idtext[24];
	const char *values[1] = {idtext};
	unsigned attempt = 0;

	pthread_once(&pg_once, pg_key_make);
	snprintf(idtext, sizeof(idtext), "%lld", id);
	for (;;) {
		PGconn *pg = sv_pg_reconnect(pthread_getspecific(pg_key), w->cfg->db, "judge-worker trust");

		pthread_setspecific(pg_key, pg);
		if (pg && PQstatus(pg) == CONNECTION_OK) {
			*res = PQexecParams(pg, query, 1, NULL, values, NULL, NULL, 0);
			if (PQresultStatus(*res) == PGRES_TUPLES_OK) {
				if (PQntuples(*res) == 1)
					return 1;
				PQclear(*res);
				return 0;
			}
			if (attempt == 0)
				sv_log(SV_LOG_WARNING, "%s: cannot read the stored row: %s", what,
				       PQresultErrorMessage(*res));
			PQclear(*res);
		} else if (attempt == 0) {
			sv_log(SV_LOG_WARNING, "%s: PostgreSQL is unreachable; waiting for it before judging", what);
		}
		if (sv_sleep_ms(sv_backoff_delay_ms(200, 5000, attempt++), &j->cancel) < 0)
			return -1;
	}
}

/* Appends phrase to the list of differences in why. */
static void mismatch(char *why, size_t len, const char *phrase)
{
	size_t used = strlen(why);

	if (used < len)
		snprintf(why + used, len - used, "%s%s", used ? ", " : "", phrase);
}

/* Appends "field CLAIMED (stored: STORED)" to why when they differ. */
static void differ(char *why, size_t len, const char *field, const char *stored, const char *claimed)
{
	char phrase[128];

	if (strcmp(stored, claimed) == 0)
		return;
	snprintf(phrase, sizeof(phrase), "%s %s (stored: %s)", field, claimed, stored);
	mismatch(why, len, phrase);
}

/* After the row lookup: 1 when why is empty (everything matched), else dead-lettered. */
static int judge_if_same(worker *w, job *j, int found, const char *kind, long long id, const char *why, job_result *jr)
{
	char reason[700];

	if (found < 0) {
		*jr = JOB_GIVEN_BACK;
		return 0;
	}
	if (!found) {
		snprintf(reason, sizeof(reason), "no %s %lld in the database; not judged", kind, id);
		return refuse(w, j, "unknown_submission", reason, jr);
	}
	if (!*why)
		return 1;
	snprintf(reason, sizeof(reason), "the message does not match the stored %s %lld (%s); not judged", kind, id,
		 why);
	return refuse(w, j, "mismatch", reason, jr);
}

int worker_trust_submission(worker *w, job *j, job_result *jr)
{
	const rd_kafka_message_t *m = j->msg;
	sv_submission_msg msg;
	cJSON *tree = NULL;
	PGresult *res = NULL;
	char err[256], what[48], why[400] = "", text[5][24], hash[65];
	int found;

	if (!mac_ok(w, j, SV_MAC_LABEL_SUBMISSION, "submission", jr))
		return 0;
	if (sv_submission_msg_parse(m->payload ? m->payload : "", m->len, &msg, &tree, err, sizeof(err)) != SV_MSG_OK)
		return 1; /* signed, so worker_judge's failed result for it is the services' own word */
	snprintf(what, sizeof(what), "submission %lld", msg.submission_id);
	found = stored_row(w, j, submission_row, msg.submission_id, what, &res);
	if (found == 1) {
		snprintf(text[0], sizeof(text[0]), "%lld", msg.task_id);
		snprintf(text[1], sizeof(text[1]), "%lld", msg.user_id);
		snprintf(text[2], sizeof(text[2]), "%d", msg.language_id);
		snprintf(text[3], sizeof(text[3]), "%d", msg.attempt);
		sha256_hex(msg.code, msg.code_len, hash);
		differ(why, sizeof(why), "task", PQgetvalue(res, 0, 0), text[0]);
		differ(why, sizeof(why), "user", PQgetvalue(res, 0, 1), text[1]);
		differ(why, sizeof(why), "language", PQgetvalue(res, 0, 2), text[2]);
		differ(why, sizeof(why), "attempt", PQgetvalue(res, 0, 3), text[3]);
		if (strcmp(PQgetvalue(res, 0, 4), hash) != 0)
			mismatch(why, sizeof(why), "code other than the stored code");
		PQclear(res);
	}
	cJSON_Delete(tree);
	return judge_if_same(w, j, found, "submission", msg.submission_id, why, jr);
}

int worker_trust_run_mac(worker *w, job *j, job_result *jr)
{
	return mac_ok(w, j, SV_MAC_LABEL_RUN, "run", jr);
}

int worker_trust_run(worker *w, job *j, const sv_run_msg *run, job_result *jr)
{
	PGresult *res = NULL;
	char what[48], why[400] = "", text[3][24], hash[65];
	int found;

	snprintf(what, sizeof(what), "sample run %lld", run->run_id);
	found = stored_row(w, j, run_row, run->run_id, what, &res);
	if (found == 1) {
		snprintf(text[0], sizeof(text[0]), "%lld", run->task_id);
		snprintf(text[1], sizeof(text[1]), "%lld", run->user_id);
		snprintf(text[2], sizeof(text[2]), "%d", run->language_id);
		sha256_hex(run->code, run->code_len, hash);
		differ(why, sizeof(why), "task", PQgetvalue(res, 0, 0), text[0]);
		differ(why, sizeof(why), "user", PQgetvalue(res, 0, 1), text[1]);
		differ(why, sizeof(why), "language", PQgetvalue(res, 0, 2), text[2]);
		/* The token is the run's secret: never logged, only compared. */
		if (strcmp(PQgetvalue(res, 0, 3), run->token ? run->token : "") != 0)
			mismatch(why, sizeof(why), "a token other than the stored token");
		if (strcmp(PQgetvalue(res, 0, 4), hash) != 0)
			mismatch(why, sizeof(why), "code other than the stored code");
		PQclear(res);
	}
	return judge_if_same(w, j, found, "sample run", run->run_id, why, jr);
}
