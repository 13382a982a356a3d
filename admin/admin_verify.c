/* solveit-admin verify: the package's own submissions (task_package_submissions) judged through the
 * real pipeline, as problemtools' verifyproblem does. Each is stored with solveit_submit (the
 * module's INSERT path, sql/012) as the staff account solveit-verify, sent to code-submissions with
 * the module's message, and waited for in PostgreSQL. A task whose time limit is pending is judged
 * in two rounds: the accepted submissions under the provisional limit, then, with the limit set
 * from the slowest of them, the rest. The rules are the staff tests page's self-check's (sql/026):
 * the account (solveit_selfcheck_user), which runs agree (solveit_selfcheck_agrees, per judged row)
 * and the computed limit (solveit_selfcheck_time_limit); the rows are solveit_selfcheck_runs'. */
#include "admin_verify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "admin_sql.h"
#include "admin_submit.h"

#define POLL_MS 200

typedef struct {
	char *pkg_id, *path, *expected, *code;
	int has_expected_score;
	double expected_score;
	int language_id, accepted_only;
	/* the judgement */
	long long sub_id;
	char status[16], verdict[8];
	int has_score, has_points;
	double score, points, time;
	char *error; /* error_message of a failed judgement */
	int ok;      /* it agrees with the package (solveit_selfcheck_agrees) */
} row;

typedef struct {
	row *v;
	size_t n, cap;
} rows;

typedef struct {
	long long id;
	char slug[80], source[16];
	int time_limit_ms;
	int found;
} task_info;

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static void take_task(void *baton, int ncols, const char *const *c)
{
	task_info *t = baton;

	t->id = atoll(c[0]);
	snprintf(t->slug, sizeof(t->slug), "%s", c[1]);
	snprintf(t->source, sizeof(t->source), "%s", c[2]);
	t->time_limit_ms = atoi(c[3]);
	t->found = 1;
}

static void take_row(void *baton, int ncols, const char *const *c)
{
	rows *r = baton;
	row *x;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		if (!(r->v = realloc(r->v, r->cap * sizeof(row))))
			abort();
	}
	x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	x->pkg_id = dup_or_empty(c[0]);
	x->path = dup_or_empty(c[1]);
	x->expected = dup_or_empty(c[2]);
	x->has_expected_score = c[3] != NULL;
	x->expected_score = c[3] ? atof(c[3]) : 0;
	x->language_id = atoi(c[4]);
	x->code = dup_or_empty(c[5]);
	x->accepted_only = !strcmp(c[6], "t");
	snprintf(x->status, sizeof(x->status), "unsent");
}

static void free_rows(rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].pkg_id), free(r->v[i].path), free(r->v[i].expected), free(r->v[i].code),
		    free(r->v[i].error);
	free(r->v);
}

static void take_text(void *baton, int ncols, const char *const *c)
{
	char *out = baton;

	snprintf(out, 128, "%s", ncols > 0 && c[0] ? c[0] : "");
}

/* The id of the verify account, made when missing; -1 with err when the name belongs to another. */
static long long verify_user(const sv_sql *db, char *err, size_t errlen)
{
	char id[128] = "";

	if (admin_query(db, "SELECT solveit_selfcheck_user()", 0, NULL, take_text, id, err, errlen) < 0)
		return -1;
	if (!id[0]) {
		snprintf(
		    err, errlen,
		    "an account named %s exists that is not verify's (staff, inactive, without a password): rename it",
		    ADMIN_VERIFY_USER);
		return -1;
	}
	return atoll(id);
}

typedef struct {
	char outcome[16], id[24], team[24], at[40], attempt[16], revision[16];
} submitted;

static void take_submitted(void *baton, int ncols, const char *const *c)
{
	submitted *s = baton;

	snprintf(s->outcome, sizeof(s->outcome), "%s", c[0] ? c[0] : "");
	snprintf(s->id, sizeof(s->id), "%s", c[1] ? c[1] : "");
	snprintf(s->team, sizeof(s->team), "%s", c[2] ? c[2] : "0");
	snprintf(s->at, sizeof(s->at), "%s", c[3] ? c[3] : "");
	snprintf(s->attempt, sizeof(s->attempt), "%s", c[4] ? c[4] : "1");
	snprintf(s->revision, sizeof(s->revision), "%s", c[5] ? c[5] : "0");
}

/* Stores one submission and queues its message; the delivery is waited for by the caller. */
static int submit_one(const admin_config *cfg, const sv_sql *db, rd_kafka_t *producer, const task_info *t,
		      long long user, row *r, sv_delivery *d, char *err, size_t errlen)
{
	char uid[24], tid[24], lang[16];
	const char *v[4] = {uid, tid, r->code, lang};
	const char *mark[2];
	submitted s;
	sv_submission_msg msg;

	snprintf(uid, sizeof(uid), "%lld", user);
	snprintf(tid, sizeof(tid), "%lld", t->id);
	snprintf(lang, sizeof(lang), "%d", r->language_id);
	memset(&s, 0, sizeof(s));
	if (admin_query(db,
			"SELECT r_outcome, r_id, r_team_id, r_submitted_at, r_attempt,"
			" (SELECT revision FROM tasks WHERE id = $2::bigint)"
			" FROM solveit_submit($1::bigint, $2::bigint, $3, $4::integer, NULL, true, 0)",
			4, v, take_submitted, &s, err, errlen) < 0)
		return -1;
	if (strcmp(s.outcome, "created")) {
		snprintf(err, errlen, "%s: the submission was not stored (%s)", r->path, s.outcome);
		return -1;
	}
	mark[0] = s.id;
	mark[1] = r->pkg_id;
	if (admin_query(db, "UPDATE submissions SET package_submission_id = $2::bigint WHERE id = $1::bigint", 2, mark,
			NULL, NULL, err, errlen) < 0)
		return -1;
	r->sub_id = atoll(s.id);
	snprintf(r->status, sizeof(r->status), "pending");
	memset(&msg, 0, sizeof(msg));
	msg.submission_id = r->sub_id;
	msg.task_id = t->id;
	msg.user_id = user;
	msg.team_id = atoll(s.team);
	msg.code = r->code;
	msg.code_len = strlen(r->code);
	msg.language_id = r->language_id;
	msg.timestamp = s.at;
	msg.attempt = atoi(s.attempt);
	msg.task_revision = atoi(s.revision);
	if (admin_send_submission(cfg, producer, &msg, d, err, errlen) < 0) {
		size_t used = strlen(err);

		snprintf(err + used, errlen > used ? errlen - used : 0, " (%s)", r->path);
		return -1;
	}
	return 0;
}

static int submit_all(const admin_config *cfg, const sv_sql *db, rd_kafka_t *producer, const task_info *t,
		      long long user, row **batch, size_t n, char *err, size_t errlen)
{
	sv_delivery *d = calloc(n ? n : 1, sizeof(*d));
	int rc = 0;

	if (!d)
		abort();
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = submit_one(cfg, db, producer, t, user, batch[i], &d[i], err, errlen);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!d[i].done)
			sv_delivery_wait(producer, &d[i], 1, NULL);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char id[24];
		const char *v[1] = {id};

		if (d[i].err) {
			snprintf(err, errlen, "Kafka did not take submission %lld: %s", batch[i]->sub_id,
				 rd_kafka_err2str(d[i].err));
			rc = -1;
			break;
		}
		snprintf(id, sizeof(id), "%lld", batch[i]->sub_id);
		rc = admin_query(
		    db, "UPDATE submissions SET kafka_sent_at = now() WHERE id = $1::bigint AND kafka_sent_at IS NULL",
		    1, v, NULL, NULL, err, errlen);
	}
	free(d);
	return rc;
}

typedef struct {
	row **batch;
	size_t n, done;
} poll_state;

static void take_result(void *baton, int ncols, const char *const *c)
{
	poll_state *p = baton;
	long long id = atoll(c[0]);

	for (size_t i = 0; i < p->n; i++) {
		row *r = p->batch[i];

		if (r->sub_id != id)
			continue;
		snprintf(r->status, sizeof(r->status), "%s", c[1]);
		snprintf(r->verdict, sizeof(r->verdict), "%s", c[2] ? c[2] : "");
		r->has_score = c[3] != NULL;
		r->score = c[3] ? atof(c[3]) : 0;
		r->has_points = c[4] != NULL;
		r->points = c[4] ? atof(c[4]) : 0;
		r->time = c[5] ? atof(c[5]) : 0;
		free(r->error);
		r->error = c[6] && *c[6] ? strdup(c[6]) : NULL;
		r->ok = c[7] && !strcmp(c[7], "t");
		if (!strcmp(r->status, "completed") || !strcmp(r->status, "failed"))
			p->done++;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits until PostgreSQL shows every submission of batch completed or failed. */
static int wait_all(const sv_sql *db, row **batch, size_t n, double timeout, char *err, size_t errlen)
{
	double deadline = now_s() + timeout;
	size_t len = 3;
	char *ids;
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		len += 24;
	ids = calloc(1, len);
	strcpy(ids, "{");
	for (size_t i = 0; i < n; i++)
		sprintf(ids + strlen(ids), "%s%lld", i ? "," : "", batch[i]->sub_id);
	strcat(ids, "}");
	for (;;) {
		poll_state p = {batch, n, 0};
		const char *v[1] = {ids};
		struct timespec pause = {0, POLL_MS * 1000000L};

		if (admin_query(
			db,
			"SELECT s.id, s.status, s.verdict, s.score, s.points, s.execution_time, s.error_message,"
			" solveit_selfcheck_agrees(p.expected, p.expected_score, s.status, s.verdict, s.score,"
			" s.points) FROM submissions s JOIN task_package_submissions p"
			" ON p.id = s.package_submission_id WHERE s.id = ANY ($1::bigint[])",
			1, v, take_result, &p, err, errlen) < 0)
			break;
		if (p.done == n) {
			rc = 0;
			break;
		}
		if (now_s() > deadline) {
			snprintf(err, errlen,
				 "%zu of %zu submissions not judged after %g s (is a judge-worker running?)",
				 n - p.done, n, timeout);
			break;
		}
		nanosleep(&pause, NULL);
	}
	free(ids);
	return rc;
}

static int judge(const admin_config *cfg, const sv_sql *db, rd_kafka_t *producer, const task_info *t, long long user,
		 row **batch, size_t n, char *err, size_t errlen)
{
	if (n == 0)
		return 0;
	if (submit_all(cfg, db, producer, t, user, batch, n, err, errlen) < 0)
		return -1;
	return wait_all(db, batch, n, cfg->timeout, err, errlen);
}

/* The limit solveit_selfcheck_time_limit gives the slowest accepted run of batch, set on the task. */
static int compute_time_limit(const sv_sql *db, task_info *t, row **batch, size_t n, char *err, size_t errlen)
{
	double slowest = -1;
	char id[24], slow[32], ms[128] = "";
	const char *v[2] = {id, slow};

	for (size_t i = 0; i < n; i++)
		if (!strcmp(batch[i]->status, "completed") && !strcmp(batch[i]->verdict, "AC") &&
		    batch[i]->time > slowest)
			slowest = batch[i]->time;
	if (slowest < 0) {
		/* Say why: a failed judgement's reason (a validator that does not compile) names the cause. */
		const char *why = NULL;

		for (size_t i = 0; i < n && !why; i++)
			if (batch[i]->error && *batch[i]->error)
				why = batch[i]->error;
		snprintf(err, errlen, "no accepted submission was accepted: the time limit cannot be computed%s%s",
			 why ? "; the judge said: " : "", why ? why : "");
		return -1;
	}
	snprintf(id, sizeof(id), "%lld", t->id);
	snprintf(slow, sizeof(slow), "%.17g", slowest);
	if (admin_query(db,
			"UPDATE tasks SET time_limit_source = 'computed',"
			" time_limit_ms = solveit_selfcheck_time_limit($2::double precision, time_multiplier)"
			" WHERE id = $1::bigint RETURNING time_limit_ms",
			2, v, take_text, ms, err, errlen) < 0)
		return -1;
	t->time_limit_ms = atoi(ms);
	snprintf(t->source, sizeof(t->source), "computed");
	return 0;
}

static const char *got_of(const row *r)
{
	return !strcmp(r->status, "completed") ? r->verdict : r->status;
}

static void print_table(FILE *out, const task_info *t, const rows *all)
{
	int wp = 4, we = 8;
	size_t agreeing = 0;

	for (size_t i = 0; i < all->n; i++) {
		int p = (int)strlen(all->v[i].path), e = (int)strlen(all->v[i].expected);

		wp = p > wp ? p : wp;
		we = e > we ? e : we;
	}
	fprintf(out, "task %lld (%s): time limit %d ms (%s)\n", t->id, t->slug, t->time_limit_ms, t->source);
	fprintf(out, "%-*s | %-*s | %-6s | %-13s | %-8s | %s\n", wp, "path", we, "expected", "got", "score", "time",
		"ok/MISMATCH");
	for (size_t i = 0; i < all->n; i++) {
		const row *r = &all->v[i];
		char score[40] = "-", time[24] = "-";

		if (r->has_score && r->has_points)
			snprintf(score, sizeof(score), "%g (%g)", r->score, r->points);
		else if (r->has_score)
			snprintf(score, sizeof(score), "%g", r->score);
		if (!strcmp(r->status, "completed"))
			snprintf(time, sizeof(time), "%.3f s", r->time);
		fprintf(out, "%-*s | %-*s | %-6s | %-13s | %-8s | %s\n", wp, r->path, we, r->expected, got_of(r), score,
			time, r->ok ? "ok" : "MISMATCH");
	}
	for (size_t i = 0; i < all->n; i++)
		agreeing += all->v[i].ok;
	fprintf(out, "%zu of %zu submissions agree with the package\n", agreeing, all->n);
	/* Why a judgement failed (a validator that does not compile, say) goes under the table. */
	for (size_t i = 0; i < all->n; i++)
		if (strcmp(all->v[i].status, "completed") && all->v[i].error)
			fprintf(out, "%s: %s: %s\n", all->v[i].path, all->v[i].status, all->v[i].error);
}

static void print_json(FILE *out, const task_info *t, const rows *all, int ok)
{
	cJSON *o = cJSON_CreateObject(), *list;
	char *text;

	cJSON_AddNumberToObject(o, "task_id", (double)t->id);
	cJSON_AddStringToObject(o, "slug", t->slug);
	cJSON_AddNumberToObject(o, "time_limit_ms", t->time_limit_ms);
	cJSON_AddStringToObject(o, "time_limit_source", t->source);
	cJSON_AddBoolToObject(o, "ok", ok);
	list = cJSON_AddArrayToObject(o, "results");
	for (size_t i = 0; i < all->n; i++) {
		const row *r = &all->v[i];
		cJSON *x = cJSON_CreateObject(), *exp = cJSON_AddArrayToObject(x, "expected");
		char *words = strdup(r->expected), *save = NULL;

		for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
			cJSON_AddItemToArray(exp, cJSON_CreateString(w));
		free(words);
		cJSON_AddStringToObject(x, "path", r->path);
		cJSON_AddNumberToObject(x, "submission_id", (double)r->sub_id);
		cJSON_AddStringToObject(x, "got", got_of(r));
		if (r->has_score)
			cJSON_AddNumberToObject(x, "score", r->score);
		if (r->has_points)
			cJSON_AddNumberToObject(x, "points", r->points);
		if (r->has_expected_score)
			cJSON_AddNumberToObject(x, "expected_score", r->expected_score);
		cJSON_AddNumberToObject(x, "time", r->time);
		if (r->error)
			cJSON_AddStringToObject(x, "error", r->error);
		cJSON_AddBoolToObject(x, "ok", r->ok);
		cJSON_AddItemToArray(list, x);
	}
	if ((text = cJSON_PrintUnformatted(o)))
		fprintf(out, "%s\n", text);
	free(text);
	cJSON_Delete(o);
}

static int load(const sv_sql *db, const char *task, task_info *t, rows *all, char *err, size_t errlen)
{
	const char *v[1] = {task};
	char id[24];
	const char *idv[1] = {id};

	memset(t, 0, sizeof(*t));
	if (admin_query(db,
			"SELECT id, slug, time_limit_source, time_limit_ms FROM tasks"
			" WHERE id::text = $1 OR slug = $1 ORDER BY (id::text = $1) DESC LIMIT 1",
			1, v, take_task, t, err, errlen) < 0)
		return -1;
	if (!t->found)
		return snprintf(err, errlen, "no task has the id or slug %s", task), -1;
	snprintf(id, sizeof(id), "%lld", t->id);
	if (admin_query(
		db,
		"SELECT r.package_id, r.path, array_to_string(r.expected, ' '), r.expected_score, r.language_id,"
		" p.code, r.accepted_only FROM solveit_selfcheck_runs($1::bigint) r"
		" JOIN task_package_submissions p ON p.id = r.package_id ORDER BY r.path",
		1, idv, take_row, all, err, errlen) < 0)
		return -1;
	if (all->n == 0)
		return snprintf(err, errlen,
				"task %s has no package submissions to verify (import a package with submissions/)",
				t->slug),
		       -1;
	return 0;
}

int admin_verify(const admin_config *cfg, const sv_sql *db, const char *task, FILE *out, char *err, size_t errlen)
{
	task_info t;
	rows all = {0};
	row **first = NULL, **rest = NULL;
	size_t nfirst = 0, nrest = 0;
	rd_kafka_t *producer = NULL;
	long long user;
	int pending, rc = ADMIN_ERROR, ok = 1;

	if (load(db, task, &t, &all, err, errlen) < 0 || (user = verify_user(db, err, errlen)) < 0 ||
	    !(producer = admin_producer(cfg, err, errlen)))
		goto out;
	pending = !strcmp(t.source, "pending");
	first = calloc(all.n, sizeof(row *));
	rest = calloc(all.n, sizeof(row *));
	for (size_t i = 0; i < all.n; i++) {
		if (pending && all.v[i].accepted_only)
			first[nfirst++] = &all.v[i];
		else
			rest[nrest++] = &all.v[i];
	}
	if (pending && nfirst == 0) {
		snprintf(err, errlen,
			 "the time limit is pending and the package has no accepted submission to compute it from");
		goto out;
	}
	if (judge(cfg, db, producer, &t, user, first, nfirst, err, errlen) < 0 ||
	    (pending && compute_time_limit(db, &t, first, nfirst, err, errlen) < 0) ||
	    judge(cfg, db, producer, &t, user, rest, nrest, err, errlen) < 0) {
		if (!cfg->json) /* with --json the caller prints the error as the one object */
			print_table(out, &t, &all);
		goto out;
	}
	for (size_t i = 0; i < all.n; i++)
		ok &= all.v[i].ok;
	if (cfg->json)
		print_json(out, &t, &all, ok);
	else
		print_table(out, &t, &all);
	rc = ok ? ADMIN_OK : ADMIN_MISMATCH;
out:
	if (producer)
		rd_kafka_destroy(producer);
	free(first);
	free(rest);
	free_rows(&all);
	return rc;
}
