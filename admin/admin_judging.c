#include "admin_judging.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "admin_sql.h"
#include "admin_submit.h"

#define REJUDGE_IDS_MAX 10000 /* as POST /api/admin/rejudge */
#define POLL_MS         200

typedef struct {
	long long id, task_id, user_id, team_id;
	char *code, *submitted_at, *user;
	int language_id, attempt, revision;
	/* before (sql/023's previous_*) and after */
	char before_status[16], before_verdict[8], status[16], verdict[8];
	int has_before_score, has_score;
	int before_score, score;
	int delivered;
} queued;

typedef struct {
	queued *v;
	int n, cap;
	int refused;
	char missing[512]; /* the unknown ids, when refused; empty: the task is unknown */
} queue;

static void take_queued(void *baton, int ncols, const char *const *c)
{
	queue *q = baton;
	queued *x;

	(void)ncols;
	if (atoll(c[0]) <= 0) { /* sql/023 refused: unknown ids as negative ones, an unknown task as 0 */
		size_t used = strlen(q->missing);

		q->refused = 1;
		if (atoll(c[0]) < 0)
			snprintf(q->missing + used, sizeof(q->missing) - used, "%s%lld", used ? ", " : "",
				 -atoll(c[0]));
		return;
	}
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		if (!(q->v = realloc(q->v, (size_t)q->cap * sizeof(queued))))
			abort();
	}
	x = &q->v[q->n++];
	memset(x, 0, sizeof(*x));
	x->id = atoll(c[0]);
	x->task_id = atoll(c[1]);
	x->user_id = atoll(c[2]);
	x->team_id = atoll(c[3]);
	x->code = strdup(c[4] ? c[4] : "");
	x->language_id = atoi(c[5]);
	x->submitted_at = strdup(c[6] ? c[6] : "");
	x->attempt = atoi(c[7]);
	x->revision = c[8] ? atoi(c[8]) : 0;
}

static void free_queue(queue *q)
{
	for (int i = 0; i < q->n; i++)
		free(q->v[i].code), free(q->v[i].submitted_at), free(q->v[i].user);
	free(q->v);
}

/* The ids as a PostgreSQL array literal, checked; NULL with err. */
static char *id_array(char *const *ids, int n, char *err, size_t errlen)
{
	char *list = malloc((size_t)n * 17 + 3), *p = list;

	if (!list)
		abort();
	*p++ = '{';
	for (int i = 0; i < n; i++) {
		const char *s = ids[i];

		if (!*s || s[strspn(s, "0123456789")] || strlen(s) > 15 || atoll(s) < 1) {
			snprintf(err, errlen, "not a submission id: \"%s\" (give --task TASK or submission ids)", s);
			free(list);
			return NULL;
		}
		p += sprintf(p, "%s%s", i ? "," : "", s);
	}
	strcpy(p, "}");
	return list;
}

static int task_id(const sv_sql *db, const char *task, char *id, size_t len, char *err, size_t errlen)
{
	const char *v[1] = {task};
	admin_row r = {0};

	if (admin_query(db,
			"SELECT id FROM tasks WHERE id::text = $1 OR slug = $1 ORDER BY (id::text = $1) DESC LIMIT 1",
			1, v, admin_take_row, &r, err, errlen) < 0)
		return -1;
	if (!r.found)
		return snprintf(err, errlen, "no task has the id or slug %s", task), 1;
	snprintf(id, len, "%s", r.col[0]);
	admin_row_free(&r);
	return 0;
}

/* solveit_admin_rejudge in a transaction with the audit's actor. */
static int call_rejudge(const sv_sql *db, const char *ids, const char *task, queue *q, char *err, size_t errlen)
{
	const char *v[3] = {"solveit-admin rejudge", ids, task};

	if (admin_begin(db, err, errlen) < 0)
		return -1;
	if (admin_query(db, "SELECT * FROM solveit_admin_rejudge(NULL, $1, $2::bigint[], $3::bigint)", 3, v,
			take_queued, q, err, errlen) < 0 ||
	    (!q->refused && admin_audit_actor(db, err, errlen) < 0)) {
		admin_rollback(db);
		return -1;
	}
	if (q->refused) {
		admin_rollback(db);
		return 0;
	}
	return admin_commit(db, err, errlen);
}

/* Sends every queued row as the module's rejudge does; one Kafka did not take is marked unsent
 * (kafka_sent_at NULL), which the result-sink's sweeper re-sends. Returns how many were delivered. */
static int send_all(const admin_config *cfg, const sv_sql *db, queue *q, char *err, size_t errlen)
{
	sv_delivery *d = calloc((size_t)q->n + 1, sizeof(*d));
	rd_kafka_t *producer = admin_producer(cfg, err, errlen);
	int sent = 0;

	if (!d)
		abort();
	for (int i = 0; producer && i < q->n; i++) {
		sv_submission_msg msg;
		char why[300];

		memset(&msg, 0, sizeof(msg));
		msg.submission_id = q->v[i].id;
		msg.task_id = q->v[i].task_id;
		msg.user_id = q->v[i].user_id;
		msg.team_id = q->v[i].team_id;
		msg.code = q->v[i].code;
		msg.code_len = strlen(q->v[i].code);
		msg.language_id = q->v[i].language_id;
		msg.timestamp = q->v[i].submitted_at;
		msg.attempt = q->v[i].attempt;
		msg.task_revision = q->v[i].revision;
		if (admin_send_submission(cfg, producer, &msg, &d[i], why, sizeof(why)) < 0) {
			d[i].done = 1;
			d[i].err = RD_KAFKA_RESP_ERR__FAIL;
			snprintf(err, errlen, "%s", why);
		}
	}
	if (producer)
		sv_delivery_wait(producer, d, (size_t)q->n, NULL);
	for (int i = 0; i < q->n; i++) {
		char id[24], attempt[16], ignored[256];
		const char *v[2] = {id, attempt};

		if (producer && d[i].done && !d[i].err) {
			q->v[i].delivered = 1;
			sent++;
			continue;
		}
		snprintf(id, sizeof(id), "%lld", q->v[i].id);
		snprintf(attempt, sizeof(attempt), "%d", q->v[i].attempt);
		admin_query(
		    db, "UPDATE submissions SET kafka_sent_at = NULL WHERE id = $1::bigint AND attempt = $2::integer",
		    2, v, NULL, NULL, ignored, sizeof(ignored));
	}
	if (producer)
		rd_kafka_destroy(producer);
	free(d);
	return sent;
}

static void take_state(void *baton, int ncols, const char *const *c)
{
	queue *q = baton;

	(void)ncols;
	for (int i = 0; i < q->n; i++) {
		queued *x = &q->v[i];

		if (x->id != atoll(c[0]))
			continue;
		free(x->user);
		x->user = strdup(c[1] ? c[1] : "?");
		snprintf(x->before_status, sizeof(x->before_status), "%s", c[2] ? c[2] : "");
		snprintf(x->before_verdict, sizeof(x->before_verdict), "%s", c[3] ? c[3] : "");
		x->has_before_score = c[4] != NULL;
		x->before_score = c[4] ? atoi(c[4]) : 0;
		/* A later rejudge (attempt above ours) counts as judged too: ours was replaced. */
		snprintf(x->status, sizeof(x->status), "%s", atoi(c[8]) >= x->attempt ? c[5] : "pending");
		snprintf(x->verdict, sizeof(x->verdict), "%s", c[6] ? c[6] : "");
		x->has_score = c[7] != NULL;
		x->score = c[7] ? atoi(c[7]) : 0;
	}
}

static int judged(const queued *x)
{
	return !strcmp(x->status, "completed") || !strcmp(x->status, "failed");
}

/* Reads each row's before and after; *done how many are judged. */
static int read_states(const sv_sql *db, queue *q, const char *ids, int *done, char *err, size_t errlen)
{
	const char *v[1] = {ids};

	if (admin_query(db,
			"SELECT s.id, u.username, s.previous_status, s.previous_verdict, s.previous_score, s.status,"
			" s.verdict, s.score, s.attempt FROM submissions s JOIN users u ON u.id = s.user_id"
			" WHERE s.id = ANY ($1::bigint[])",
			1, v, take_state, q, err, errlen) < 0)
		return -1;
	*done = 0;
	for (int i = 0; i < q->n; i++)
		*done += judged(&q->v[i]);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int wait_judged(const admin_config *cfg, const sv_sql *db, queue *q, const char *ids, char *err, size_t errlen)
{
	double deadline = now_s() + cfg->timeout;
	int done = 0;

	for (;;) {
		struct timespec pause = {0, POLL_MS * 1000000L};

		if (read_states(db, q, ids, &done, err, errlen) < 0)
			return -1;
		if (done == q->n)
			return 0;
		if (now_s() > deadline) {
			snprintf(err, errlen, "%d of %d submissions not judged after %g s (is a judge-worker running?)",
				 q->n - done, q->n, cfg->timeout);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

/* "AC 100", "failed", "pending", "-". */
static void outcome(char *buf, size_t len, const char *status, const char *verdict, int has_score, int score)
{
	if (!*status)
		snprintf(buf, len, "-");
	else if (strcmp(status, "completed"))
		snprintf(buf, len, "%s", status);
	else if (has_score)
		snprintf(buf, len, "%s %d", *verdict ? verdict : "?", score);
	else
		snprintf(buf, len, "%s", *verdict ? verdict : "?");
}

static int changed(const queued *x)
{
	return strcmp(x->before_status, x->status) || strcmp(x->before_verdict, x->verdict) ||
	       x->has_before_score != x->has_score || x->before_score != x->score;
}

static void print_table(const admin_config *cfg, FILE *out, const queue *q)
{
	int wu = 4, nchanged = 0;

	for (int i = 0; i < q->n; i++) {
		int w = q->v[i].user ? (int)strlen(q->v[i].user) : 1;

		wu = w > wu ? w : wu;
	}
	fprintf(out, "%-8s | %-*s | %-7s | %-12s | %-12s%s\n", "id", wu, "user", "attempt", "before", "after",
		cfg->wait ? " | changed" : "");
	for (int i = 0; i < q->n; i++) {
		const queued *x = &q->v[i];
		char before[40], after[40];

		outcome(before, sizeof(before), x->before_status, x->before_verdict, x->has_before_score,
			x->before_score);
		outcome(after, sizeof(after), x->status, x->verdict, x->has_score, x->score);
		if (!cfg->wait) {
			fprintf(out, "%-8lld | %-*s | %-7d | %-12s | %s\n", x->id, wu, x->user ? x->user : "?",
				x->attempt, before, x->delivered ? "queued" : "unsent (the sweeper re-sends it)");
			continue;
		}
		nchanged += changed(x);
		fprintf(out, "%-8lld | %-*s | %-7d | %-12s | %-12s | %s\n", x->id, wu, x->user ? x->user : "?",
			x->attempt, before, after, changed(x) ? "CHANGED" : "same");
	}
	if (cfg->wait)
		fprintf(out, "%d of %d submissions changed\n", nchanged, q->n);
	else
		fprintf(out, "%d submissions queued for rejudging\n", q->n);
}

static void add_outcome(cJSON *o, const char *prefix, const char *status, const char *verdict, int has_score, int score)
{
	char key[40];

	snprintf(key, sizeof(key), "%sstatus", prefix);
	cJSON_AddStringToObject(o, key, status);
	snprintf(key, sizeof(key), "%sverdict", prefix);
	if (*verdict)
		cJSON_AddStringToObject(o, key, verdict);
	else
		cJSON_AddNullToObject(o, key);
	snprintf(key, sizeof(key), "%sscore", prefix);
	if (has_score)
		cJSON_AddNumberToObject(o, key, score);
	else
		cJSON_AddNullToObject(o, key);
}

static void print_json(const admin_config *cfg, FILE *out, const queue *q)
{
	cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "queued");
	char *text;

	for (int i = 0; i < q->n; i++) {
		const queued *x = &q->v[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddNumberToObject(e, "submission_id", (double)x->id);
		cJSON_AddStringToObject(e, "user", x->user ? x->user : "");
		cJSON_AddNumberToObject(e, "attempt", x->attempt);
		cJSON_AddBoolToObject(e, "sent", x->delivered);
		add_outcome(e, "previous_", x->before_status, x->before_verdict, x->has_before_score, x->before_score);
		if (cfg->wait) {
			add_outcome(e, "", x->status, x->verdict, x->has_score, x->score);
			cJSON_AddBoolToObject(e, "changed", changed(x));
		}
		cJSON_AddItemToArray(list, e);
	}
	cJSON_AddNumberToObject(o, "count", q->n);
	text = cJSON_PrintUnformatted(o);
	fprintf(out, "%s\n", text);
	free(text);
	cJSON_Delete(o);
}

static char *queued_ids(const queue *q)
{
	char *list = malloc((size_t)q->n * 21 + 3), *p = list;

	if (!list)
		abort();
	*p++ = '{';
	for (int i = 0; i < q->n; i++)
		p += sprintf(p, "%s%lld", i ? "," : "", q->v[i].id);
	strcpy(p, "}");
	return list;
}

int admin_rejudge(const admin_config *cfg, const sv_sql *db, char *const *ids, int n, FILE *out, char *err,
		  size_t errlen)
{
	char task[24] = "", *list = NULL, *mine = NULL;
	queue q;
	int rc = ADMIN_ERROR, found, done;

	memset(&q, 0, sizeof(q));
	if ((cfg->task && *cfg->task) == (n > 0))
		return snprintf(err, errlen, "give --task TASK or submission ids, one of the two"), ADMIN_MISMATCH;
	if (n > REJUDGE_IDS_MAX)
		return snprintf(err, errlen, "at most %d submissions per rejudge", REJUDGE_IDS_MAX), ADMIN_MISMATCH;
	if (n > 0 && !(list = id_array(ids, n, err, errlen)))
		return ADMIN_MISMATCH;
	if (cfg->task && *cfg->task && (found = task_id(db, cfg->task, task, sizeof(task), err, errlen)) != 0)
		return found < 0 ? ADMIN_ERROR : ADMIN_MISMATCH;
	/* Without the keys nothing could be sent: refuse before the attempts are bumped. */
	if (admin_signing_ready(cfg, err, errlen) < 0)
		goto out;
	if (call_rejudge(db, list, *task ? task : NULL, &q, err, errlen) < 0)
		goto out;
	if (q.refused) {
		if (q.missing[0])
			snprintf(err, errlen, "no such submissions: %s; nothing was queued", q.missing);
		else
			snprintf(err, errlen, "task %s not found", cfg->task);
		rc = ADMIN_MISMATCH;
		goto out;
	}
	if (q.n == 0) {
		if (cfg->json)
			fprintf(out, "{\"queued\":[],\"count\":0}\n");
		else
			fprintf(out, "task %s has no submissions: nothing to rejudge\n", cfg->task);
		rc = ADMIN_OK;
		goto out;
	}
	mine = queued_ids(&q);
	err[0] = '\0';
	if (send_all(cfg, db, &q, err, errlen) < q.n) {
		/* Stored as pending and unsent: the sweeper sends them; waiting still makes sense. */
		fprintf(stderr,
			"solveit-admin: warning: Kafka did not take every message (%s); the result-sink's sweeper "
			"re-sends them\n",
			*err ? err : "delivery failed");
	}
	err[0] = '\0';
	if (cfg->wait ? wait_judged(cfg, db, &q, mine, err, errlen) < 0
		      : read_states(db, &q, mine, &done, err, errlen) < 0) {
		if (!cfg->json)
			print_table(cfg, out, &q);
		goto out;
	}
	if (cfg->json)
		print_json(cfg, out, &q);
	else
		print_table(cfg, out, &q);
	rc = ADMIN_OK;
out:
	free(list);
	free(mine);
	free_queue(&q);
	return rc;
}

int admin_export_grades(const admin_config *cfg, const sv_sql *db, FILE *out, char *err, size_t errlen)
{
	admin_row r = {0};
	const char *path = cfg->output && *cfg->output && strcmp(cfg->output, "-") ? cfg->output : NULL;
	FILE *f = out;
	size_t len;
	char assignment[32];
	const char *v[1] = {assignment};

	snprintf(assignment, sizeof(assignment), "%ld", cfg->assignment);
	/* With --assignment, that assignment's grades (sql/030): its deadline and late penalty. */
	if (cfg->assignment
		? admin_query(db, "SELECT solveit_admin_grades_csv($1::bigint)", 1, v, admin_take_row, &r, err,
			      errlen) < 0
		: admin_query(db, "SELECT solveit_admin_grades_csv()", 0, NULL, admin_take_row, &r, err, errlen) < 0)
		return ADMIN_ERROR;
	if (cfg->assignment && (!r.found || !r.col[0])) {
		snprintf(err, errlen, "there is no assignment %ld", cfg->assignment);
		admin_row_free(&r);
		return ADMIN_MISMATCH;
	}
	len = r.found && r.col[0] ? strlen(r.col[0]) : 0;
	if (path && !(f = fopen(path, "w"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		admin_row_free(&r);
		return ADMIN_ERROR;
	}
	if ((fwrite(len ? r.col[0] : "", 1, len, f) != len) | ((path ? fclose(f) : fflush(f)) != 0)) {
		snprintf(err, errlen, "%s: %s", path ? path : "stdout", strerror(errno));
		admin_row_free(&r);
		return ADMIN_ERROR;
	}
	admin_row_free(&r);
	if (path)
		fprintf(stderr, "solveit-admin: grades written to %s\n", path);
	return ADMIN_OK;
}
