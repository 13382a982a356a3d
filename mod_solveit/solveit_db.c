#include "solveit_db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "apr_optional.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"

#include "solveit_metrics.h"

APLOG_USE_MODULE(solveit);

/* UTC timestamps as the message contract writes them. */
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* A submission's final score (sql/030), the function called only for a late one: the hot queries
 * read many submissions, few of them late. */
#define FINAL_SCORE "CASE WHEN s.late THEN solveit_final_score(s.score, s.late, s.task_id) ELSE s.score END"

/* A sample run the judge has not answered in this long. */
#define RUN_STALE "r.status = 'pending' AND r.created_at < now() - interval '10 minutes'"

/* The columns a submission's summary and its full view start with; solveit_api.c reads them and
 * the full view's by position (submission_columns[]). */
#define SUBMISSION_SUMMARY                                                                                             \
	"s.id, s.task_id, s.language_id, s.status, s.verdict, s.score, " ISO(                                          \
	    "s.submitted_at") ","                                                                                      \
			      " s.passed_tests, s.total_tests, s.points, s.max_points, s.late,"                        \
			      " solveit_final_score(s.score, s.late, s.task_id)"

/* The leaderboard, built by PostgreSQL in one statement (solveit_leaderboard.h describes it).
 * Best final score (sql/030: a late one less its penalty) per (user, task) and per (team, task)
 * over completed submissions of open tasks in no assignment or in an opened one for everyone that
 * is no contest (a contest has its own board),
 * reached at the first submission with that score; a total is reached when the last of its best
 * scores was. Teams count the submissions made under their name (submissions.team_id). Staff
 * accounts are never ranked: their submissions count for no user and no team, and they are no
 * team's members. */
// clang-format off
#define LEADERBOARD_RANKED(who)                                                                                        \
	" " who "_ranked AS (SELECT *, rank() OVER (ORDER BY total DESC, reached ASC NULLS LAST) AS place"            \
	"  FROM " who "_rows)"
#define LEADERBOARD_SCORES(best, key)                                                                                  \
	"'scores', (SELECT json_agg(b.score ORDER BY t.position, t.id)"                                                \
	" FROM open_tasks t LEFT JOIN " best " b ON b.task_id = t.id AND b." key " = r.id)"
#define LEADERBOARD_TOTALS                                                                                             \
	"sum(b.score) AS total, count(*) FILTER (WHERE b.score = 100) AS solved,"                                      \
	" max(b.submitted_at) FILTER (WHERE b.score > 0) AS reached"
#define LEADERBOARD_SQL                                                                                                \
	"WITH open_tasks AS (SELECT k.id, k.slug, k.title, k.position FROM tasks k WHERE k.is_open AND NOT EXISTS ("   \
	"  SELECT 1 FROM assignment_tasks x JOIN assignments a ON a.id = x.assignment_id WHERE x.task_id = k.id"      \
	"  AND (now() < a.opens_at OR NOT a.visible_to_all OR a.contest))),"                                           \
	" judged AS (SELECT s.id, s.user_id, s.team_id, s.task_id,"                                                    \
	"  " FINAL_SCORE " AS score, s.submitted_at"                                                                   \
	"  FROM submissions s JOIN open_tasks t ON t.id = s.task_id JOIN users su ON su.id = s.user_id"                \
	"  WHERE s.status = 'completed' AND s.score IS NOT NULL AND NOT su.is_staff),"                                 \
	" user_best AS (SELECT DISTINCT ON (user_id, task_id) user_id, task_id, score, submitted_at FROM judged"       \
	"  ORDER BY user_id, task_id, score DESC, submitted_at, id),"                                                  \
	" team_best AS (SELECT DISTINCT ON (team_id, task_id) team_id, task_id, score, submitted_at FROM judged"       \
	"  WHERE team_id IS NOT NULL ORDER BY team_id, task_id, score DESC, submitted_at, id),"                        \
	" user_rows AS (SELECT u.id, u.username, tm.name AS team, " LEADERBOARD_TOTALS                                 \
	"  FROM user_best b JOIN users u ON u.id = b.user_id LEFT JOIN teams tm ON tm.id = u.team_id"                  \
	"  WHERE u.is_active GROUP BY u.id, u.username, tm.name),"                                                     \
	LEADERBOARD_RANKED("user") ","                                                                                 \
	" team_rows AS (SELECT tm.id, tm.name,"                                                                        \
	"  (SELECT count(*) FROM users m WHERE m.team_id = tm.id AND m.is_active AND NOT m.is_staff) AS members, "     \
	LEADERBOARD_TOTALS                                                                                             \
	"  FROM team_best b JOIN teams tm ON tm.id = b.team_id GROUP BY tm.id, tm.name),"                              \
	LEADERBOARD_RANKED("team")                                                                                     \
	" SELECT json_build_object("                                                                                   \
	"  'tasks', COALESCE((SELECT json_agg(json_build_object('id', id, 'slug', slug, 'title', title)"               \
	"   ORDER BY position, id) FROM open_tasks), '[]'::json),"                                                     \
	"  'users', COALESCE((SELECT json_agg(json_build_object('rank', r.place, 'user_id', r.id,"                     \
	"   'username', r.username, 'team', r.team, 'score', r.total, 'solved', r.solved,"                             \
	"   'reached_at', " ISO("r.reached") ", " LEADERBOARD_SCORES("user_best", "user_id") ")"                      \
	"   ORDER BY r.place, r.username) FROM user_ranked r), '[]'::json),"                                           \
	"  'teams', COALESCE((SELECT json_agg(json_build_object('rank', r.place, 'team_id', r.id, 'name', r.name,"     \
	"   'members', r.members, 'score', r.total, 'solved', r.solved,"                                               \
	"   'reached_at', " ISO("r.reached") ", " LEADERBOARD_SCORES("team_best", "team_id") ")"                      \
	"   ORDER BY r.place, r.name) FROM team_ranked r), '[]'::json))::text"
// clang-format on

/* Placeholders are apr_dbd's: %s text, %lld bigint, %d integer (rewritten to $1..$n). Labels are
 * PostgreSQL identifiers, unique on every pooled connection. */
/* The SQL reads better laid out by hand. */
// clang-format off
static const struct {
	const char *label;
	const char *sql;
} statements[SV_SQL_COUNT] = {
    [SV_SQL_HEALTH] = {"solveit_health", "SELECT 1"},
    /* The session, its user and how long the row stays valid (idle or absolute expiry, whichever
     * comes first, in seconds from now): the per-child cache keeps it no longer than that. */
    [SV_SQL_SESSION_GET] = {"solveit_session_get",
	"SELECT u.id, u.username, u.is_staff, u.team_id, tm.name, s.csrf_token,"
	" extract(epoch FROM now() - s.last_seen_at)::integer,"
	" extract(epoch FROM least(s.expires_at, s.last_seen_at + make_interval(secs => %d)) - now())::integer"
	" FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN teams tm ON tm.id = u.team_id"
	" WHERE s.token_hash = %s AND s.expires_at > now()"
	" AND s.last_seen_at > now() - make_interval(secs => %d) AND u.is_active"},
    [SV_SQL_SESSION_TOUCH] = {"solveit_session_touch",
	"UPDATE sessions SET last_seen_at = now() WHERE token_hash = %s"},
    [SV_SQL_SESSION_CREATE] = {"solveit_session_create",
	"INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, remote_addr)"
	" VALUES (%s, %lld, %s, now() + make_interval(secs => %d), %s)"},
    [SV_SQL_SESSION_DELETE] = {"solveit_session_delete", "DELETE FROM sessions WHERE token_hash = %s"},
    [SV_SQL_SESSION_DELETE_OTHERS] = {"solveit_session_delete_others",
	"DELETE FROM sessions WHERE user_id = %lld AND token_hash <> %s"},
    [SV_SQL_SESSION_PURGE] = {"solveit_session_purge",
	"DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => %d)"},
    [SV_SQL_LOGIN_FAILURES_PURGE] = {"solveit_login_failures_purge",
	"DELETE FROM login_failures WHERE at < now() - interval '1 day'"},
    [SV_SQL_USER_BY_NAME] = {"solveit_user_by_name",
	"SELECT u.id, u.username, u.password_hash, u.is_staff, u.team_id, tm.name, u.is_active"
	" FROM users u LEFT JOIN teams tm ON tm.id = u.team_id WHERE u.username = %s"},
    [SV_SQL_USER_REGISTER] = {"solveit_user_register",
	"INSERT INTO users (username, password_hash, is_staff, auth_source)"
	" VALUES (%s, %s, %s::boolean, 'builtin') ON CONFLICT (username) DO NOTHING RETURNING id"},
    [SV_SQL_USER_PROVISION] = {"solveit_user_provision",
	"INSERT INTO users (username, password_hash, is_staff, auth_source)"
	" VALUES (%s, NULL, %s::boolean, 'external') ON CONFLICT (username) DO NOTHING"},
    [SV_SQL_USER_SET_STAFF] = {"solveit_user_set_staff", "UPDATE users SET is_staff = true WHERE id = %lld"},
    [SV_SQL_USER_SET_PASSWORD] = {"solveit_user_set_password",
	"UPDATE users SET password_hash = %s WHERE id = %lld"},
    [SV_SQL_USER_LOGGED_IN] = {"solveit_user_logged_in", "UPDATE users SET last_login_at = now() WHERE id = %lld"},
    /* sql/021: counts and records the attempt under the (account, address) advisory lock, in one
     * statement: the attempt's id, or the seconds to wait. */
    [SV_SQL_LOGIN_ATTEMPT] = {"solveit_login_delay",
	"SELECT attempt, wait_seconds FROM solveit_login_delay(%s, %s, %d)"},
    [SV_SQL_LOGIN_ATTEMPT_RELEASE] = {"solveit_login_attempt_release",
	"DELETE FROM login_failures WHERE id = %lld"},
    [SV_SQL_LOGIN_FAILURES_CLEAR] = {"solveit_login_failures_clear",
	"DELETE FROM login_failures WHERE username = %s AND address = %s"},
    /* The task list's per-request half (sql/038, solveit_catalog.h): the catalog's version, the
     * caller's team, the database's clock in microseconds and the caller's best final scores,
     * one row per task with one (a row of NULLs there without any). */
    [SV_SQL_TASK_BEST] = {"solveit_task_best",
	"SELECT (SELECT c.version FROM catalog_version c), u.team_id, (extract(epoch FROM now()) * 1000000)::bigint,"
	" b.task_id, b.score, b.verdict FROM (SELECT %lld::bigint AS uid) q LEFT JOIN users u ON u.id = q.uid"
	" LEFT JOIN task_best b ON b.user_id = u.id"},
    /* The catalog a child keeps, with the version it is (sql/038; solveit_catalog.c reads the
     * columns by position). The version is a subquery, not a join, in both: PostgreSQL estimates a
     * table it has not analysed at thousands of rows, and a join with it was costed high enough
     * to be compiled with JIT, 0.22 s a run. */
    [SV_SQL_CATALOG] = {"solveit_catalog", "SELECT * FROM solveit_catalog()"},
    /* Then whether the caller sees it (sql/029), the database's now, the caller's best final score
     * and its verdict (sql/038's task_best), their progress and the task's assignment (sql/030). */
    [SV_SQL_TASK_GET] = {"solveit_task_get",
	"SELECT t.id, t.slug, t.title, t.statement_md, t.time_limit_ms, t.memory_limit_kb, t.is_open, t.test_count,"
	" t.type, solveit_task_visible(t.id, q.uid), solveit_iso(now()), b.score, b.verdict,"
	" CASE WHEN p.n = 0 THEN 'new' WHEN p.solved THEN 'solved' ELSE 'attempted' END,"
	" solveit_task_assignment_json(t.id)::text"
	" FROM (SELECT %lld::bigint AS uid, %lld::bigint AS tid) q JOIN tasks t ON t.id = q.tid"
	" LEFT JOIN task_best b ON b.user_id = q.uid AND b.task_id = t.id"
	" CROSS JOIN LATERAL (SELECT count(*) AS n, COALESCE(bool_or(s.score = 100), false) AS solved"
	"  FROM submissions s WHERE s.user_id = q.uid AND s.task_id = t.id) p"},
    /* Sample data lives in blobs as bytes: its size and at most the first %d bytes of each, as hex
     * (what bytea_output is set to does not matter then). */
    [SV_SQL_TASK_SAMPLES] = {"solveit_task_samples",
	"SELECT t.\"order\", t.name, bi.size, encode(substring(bi.content FROM 1 FOR %d), 'hex'),"
	" ba.size, encode(substring(ba.content FROM 1 FOR %d), 'hex')"
	" FROM tests t JOIN blobs bi ON bi.sha256 = t.input_sha256 JOIN blobs ba ON ba.sha256 = t.answer_sha256"
	" WHERE t.task_id = %lld AND t.is_sample"
	/* An interactive task's data is the validator's (the number to guess): never shown. */
	" AND NOT EXISTS (SELECT 1 FROM tasks k WHERE k.id = t.task_id AND k.checker = 'interactive')"
	" ORDER BY t.\"order\", t.id"},
    /* sql/012 and 030: idempotency replay, task check, deadline, exact rate limit and INSERT in one
     * statement. */
    [SV_SQL_SUBMIT] = {"solveit_submit",
	"SELECT r_outcome, r_id, r_team_id, r_submitted_at, r_attempt, r_status, r_retry_after,"
	" (SELECT t.revision FROM tasks t WHERE t.id = %lld), r_late, r_late_penalty, r_closes_at, r_title"
	" FROM solveit_submit(%lld, %lld, %s, %d, %s, %s::boolean, %d)"},
    [SV_SQL_SUBMISSIONS_SENT] = {"solveit_submissions_sent",
	"UPDATE submissions SET kafka_sent_at = now()"
	" WHERE id = ANY (string_to_array(%s, ',')::bigint[]) AND kafka_sent_at IS NULL"},
    /* Filters: task id 0 = any; verdict and status NULL = any. */
    [SV_SQL_SUBMISSIONS_LIST] = {"solveit_submissions_list",
	"SELECT " SUBMISSION_SUMMARY ", t.slug"
	" FROM submissions s JOIN tasks t ON t.id = s.task_id"
	" WHERE s.user_id = %lld AND (%lld = 0 OR s.task_id = %lld)"
	" AND (%s::text IS NULL OR s.verdict = %s::text) AND (%s::text IS NULL OR s.status = %s::text)"
	" ORDER BY s.id DESC LIMIT %d OFFSET %d"},
    [SV_SQL_SUBMISSION_GET] = {"solveit_submission_get",
	"SELECT " SUBMISSION_SUMMARY ", s.attempt, " ISO("s.kafka_sent_at") ", " ISO("s.processing_started_at") ","
	" " ISO("s.processing_completed_at") ", s.execution_time, s.memory_used, s.tests_done, s.compiler_output,"
	" s.error_message, s.code, s.user_id, u.username, t.slug, t.title, s.test_results::text,"
	" s.group_results::text"
	" FROM submissions s JOIN users u ON u.id = s.user_id JOIN tasks t ON t.id = s.task_id"
	" WHERE s.id = %lld"},
    [SV_SQL_LEADERBOARD] = {"solveit_leaderboard", LEADERBOARD_SQL},
    /* Read on every leaderboard request and /api/me (sql/024): a change counts at once. */
    [SV_SQL_LEADERBOARD_VISIBILITY] = {"solveit_leaderboard_visibility",
	"SELECT solveit_setting('leaderboard_visibility') #>> '{}', (SELECT secret FROM leaderboard_label_key)"},
    /* A staff account's /api/me: the staff navigation's count (sql/032). */
    [SV_SQL_CLARIFICATIONS_UNANSWERED] = {"solveit_clarifications_unanswered", "SELECT solveit_clarifications_unanswered()"},
    /* Run on the samples (sql/033, solveit_runs.c): the visibility, samples and rate checks and
     * the INSERT in one statement; a run is its owner's only. A run the judge has not answered
     * within RUN_STALE reads as failed (its message was lost): run it again. */
    [SV_SQL_RUN_CREATE] = {"solveit_run_create",
	"SELECT r_outcome, r_id, r_token, r_task_revision, r_retry_after"
	" FROM solveit_sample_run_create(%lld, %lld, %s, %d, %d)"},
    [SV_SQL_RUN_GET] = {"solveit_run_get",
	"SELECT r.id, r.task_id, r.language_id, CASE WHEN " RUN_STALE " THEN 'failed' ELSE r.status END, r.verdict,"
	" r.compiler_output, CASE WHEN " RUN_STALE " THEN 'The judge did not answer this run in time. Please run"
	" it again.' ELSE r.error_message END, r.tests::text"
	" FROM sample_runs r WHERE r.id = %lld AND r.user_id = %lld"},
};
// clang-format on

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) * dbd_acquire_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) * dbd_open_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) * dbd_close_fn;

/* No statement is registered with mod_dbd (ap_dbd_prepare): it would prepare every one of them on
 * each new connection, inside apr_reslist's lock, so that a child's first requests wait one after
 * another for connect + SV_SQL_COUNT round trips each. A statement is prepared on a connection the
 * first time that connection runs it (prepared() below), so a new connection costs its connect
 * and authentication only, and a child opens its DBDMin connections quickly in child_init. */
const char *solveit_db_register(server_rec *s)
{
	dbd_acquire_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
	dbd_open_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
	dbd_close_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
	if (!ap_find_linked_module("mod_dbd.c") || !dbd_acquire_fn || !dbd_open_fn || !dbd_close_fn)
		return "mod_solveit needs mod_dbd: add LoadModule dbd_module and DBDriver pgsql / DBDParams";
	return NULL;
}

__attribute__((format(printf, 4, 5))) static void db_log(sv_db *db, int level, apr_status_t rv, const char *fmt, ...)
{
	va_list ap;
	const char *msg;

	va_start(ap, fmt);
	msg = apr_pvsprintf(db->pool, fmt, ap);
	va_end(ap);
	if (db->r)
		ap_log_rerror(APLOG_MARK, level, rv, db->r, "%s", msg);
	else
		ap_log_error(APLOG_MARK, level, rv, db->s, "%s", msg);
}

int sv_db_acquire(request_rec *r, sv_db *db)
{
	db->r = r;
	db->s = r->server;
	db->pool = r->pool;
	db->dbd = dbd_acquire_fn ? sv_metrics_dbd_acquire(dbd_acquire_fn, r) : NULL;
	if (!db->dbd) {
		db_log(db, APLOG_ERR, 0, "solveit: no database connection (see mod_dbd's messages)");
		return -1;
	}
	return 0;
}

int sv_db_open(server_rec *s, apr_pool_t *pool, sv_db *db)
{
	db->r = NULL;
	db->s = s;
	db->pool = pool;
	db->dbd = dbd_open_fn ? dbd_open_fn(pool, s) : NULL;
	return db->dbd ? 0 : -1;
}

void sv_db_close(sv_db *db)
{
	if (db->dbd)
		dbd_close_fn(db->s, db->dbd);
	db->dbd = NULL;
}

static const char *dbd_message(sv_db *db, int rc)
{
	const char *msg = apr_dbd_error(db->dbd->driver, db->dbd->handle, rc);

	return apr_pstrdup(db->pool, msg ? msg : "unknown error");
}

/* Statement q on this connection (*stmt), prepared now (on the connection's own pool, so it lives
 * as long as the connection) when the connection has not run it yet, or again when PostgreSQL lost
 * it (again: a reset connection). A label the server still holds while we have forgotten it is
 * deallocated first. Returns apr_dbd's status: 0, or what apr_dbd_error explains (run() handles a
 * connection that died before its first statement as it does a failed statement). */
static int prepare(sv_db *db, const char *label, const char *sql, int again, apr_dbd_prepared_t **stmt)
{
	ap_dbd_t *dbd = db->dbd;
	int rc, n;

	*stmt = again ? NULL : apr_hash_get(dbd->prepared, label, APR_HASH_KEY_STRING);
	if (*stmt)
		return 0;
	rc = apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle, sql, label, stmt);
	if (rc != 0 && strstr(dbd_message(db, rc), "already exists") &&
	    apr_dbd_query(dbd->driver, dbd->handle, &n, apr_pstrcat(db->pool, "DEALLOCATE ", label, NULL)) == 0)
		rc = apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle, sql, label, stmt);
	if (rc == 0 && !*stmt)
		rc = -1;
	if (rc == 0)
		apr_hash_set(dbd->prepared, label, APR_HASH_KEY_STRING, *stmt);
	return rc;
}

/* The number of apr_dbd placeholders (%s, %d, %lld) in sql; %% is a literal percent sign. */
static int count_args(const char *sql)
{
	int n = 0;

	for (const char *p = sql; (p = strchr(p, '%')) != NULL; p++) {
		if (p[1] == '%') {
			p++;
			continue;
		}
		n++;
	}
	return n;
}

/*
 * Runs one statement with the mod_dbd pitfall of a PostgreSQL restart handled here: the pgsql
 * driver's check_conn PQreset()s a broken connection and reports success, but the server-side
 * prepared statements died with the old backend ("prepared statement ... does not exist"). So
 * when a statement fails that way and the connection is (again) usable, we prepare it again under
 * the same label and retry (the others are prepared again as each fails); a first failure that was
 * the broken connection itself (running the statement, or preparing it on a connection that had
 * run nothing yet) is retried once after the reset. At most three attempts; a
 * database that is really down fails the check and answers -1 at once.
 */
int sv_db_vrun(sv_db *db, const char *label, const char *sql, int select, apr_dbd_results_t **res, int *nrows,
	       va_list ap)
{
	int nargs = count_args(sql);
	const char **args = apr_palloc(db->pool, sizeof(const char *) * (apr_size_t)(nargs + 1));

	/* apr_dbd_pv* are variadic only; collect the strings for apr_dbd_p*, which take an array. */
	for (int i = 0; i < nargs; i++)
		args[i] = va_arg(ap, const char *);
	for (int attempt = 1, again = 0;; attempt++) {
		apr_dbd_prepared_t *stmt;
		int rc = prepare(db, label, sql, again, &stmt);
		const char *msg;

		if (rc == 0 && select) {
			*res = NULL;
			rc = apr_dbd_pselect(db->dbd->driver, db->pool, db->dbd->handle, res, stmt, 1, nargs, args);
		} else if (rc == 0) {
			rc = apr_dbd_pquery(db->dbd->driver, db->pool, db->dbd->handle, nrows, stmt, nargs, args);
		}
		if (rc == 0)
			return 0;
		msg = dbd_message(db, rc);
		if (attempt == 3 || apr_dbd_check_conn(db->dbd->driver, db->pool, db->dbd->handle) != APR_SUCCESS) {
			db_log(db, APLOG_ERR, 0, "solveit: %s failed: %s", label, msg);
			return -1;
		}
		again = strstr(msg, "does not exist") != NULL;
		if (!again && attempt == 2) {
			db_log(db, APLOG_ERR, 0, "solveit: %s failed: %s", label, msg);
			return -1;
		}
		db_log(db, APLOG_INFO, 0, "solveit: %s failed (%s), retrying on the reset connection", label, msg);
	}
}

int sv_db_select(sv_db *db, sv_stmt q, apr_dbd_results_t **res, ...)
{
	va_list ap;
	int rc;

	va_start(ap, res);
	rc = sv_db_vrun(db, statements[q].label, statements[q].sql, 1, res, NULL, ap);
	va_end(ap);
	return rc;
}

int sv_db_query(sv_db *db, sv_stmt q, int *nrows, ...)
{
	va_list ap;
	int rc, dummy;

	va_start(ap, nrows);
	rc = sv_db_vrun(db, statements[q].label, statements[q].sql, 0, NULL, nrows ? nrows : &dummy, ap);
	va_end(ap);
	return rc;
}

apr_dbd_row_t *sv_db_row(sv_db *db, apr_dbd_results_t *res, int n)
{
	apr_dbd_row_t *row = NULL;

	/* Random access (all our selects): the result is held in full, so rows may be read in any
	 * order and nothing is left pending on the pooled connection. */
	if (n < 1 || n > apr_dbd_num_tuples(db->dbd->driver, res))
		return NULL;
	if (apr_dbd_get_row(db->dbd->driver, db->pool, res, &row, n) != 0)
		return NULL;
	return row;
}

const char *sv_db_get(sv_db *db, apr_dbd_row_t *row, int col)
{
	char *value = NULL;

	/* apr_dbd_get_entry cannot tell NULL from ""; datum_get answers APR_ENOENT for NULL. */
	if (apr_dbd_datum_get(db->dbd->driver, row, col, APR_DBD_TYPE_STRING, &value) != APR_SUCCESS)
		return NULL;
	return value;
}

/* ---- the package store's session (sv_package.h) ---- */

typedef struct {
	sv_db *db;
	PGconn *conn;
	int lost;
} package_session;

/* libpq's message without its trailing newline. */
static void pg_message(char *err, size_t errlen, const char *msg)
{
	size_t n;

	snprintf(err, errlen, "%s", msg && *msg ? msg : "unknown database error");
	n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

static int package_exec(void *baton, const char *sql, int nparams, const char *const *values, const size_t *lengths,
			const int *binary, void (*row)(void *rowbaton, int ncols, const char *const *cols),
			void *rowbaton, char *err, size_t errlen)
{
	package_session *ps = baton;
	int *lens = NULL;
	PGresult *res;
	ExecStatusType st;

	if (nparams > 0 && lengths) {
		lens = apr_palloc(ps->db->pool, sizeof(int) * (apr_size_t)nparams);
		for (int i = 0; i < nparams; i++) {
			if (lengths[i] > INT_MAX) {
				snprintf(err, errlen, "parameter %d is larger than PostgreSQL takes (%zu bytes)", i + 1,
					 lengths[i]);
				return -1;
			}
			lens[i] = (int)lengths[i];
		}
	}
	res = PQexecParams(ps->conn, sql, nparams, NULL, values, lens, binary, 0);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_message(err, errlen, res ? PQresultErrorMessage(res) : PQerrorMessage(ps->conn));
		if (PQstatus(ps->conn) != CONNECTION_OK)
			ps->lost = 1;
		PQclear(res);
		return -1;
	}
	if (row) {
		int ncols = PQnfields(res);
		const char **cols = apr_palloc(ps->db->pool, sizeof(const char *) * (apr_size_t)(ncols + 1));

		for (int i = 0; i < PQntuples(res); i++) {
			for (int c = 0; c < ncols; c++)
				cols[c] = PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
			row(rowbaton, ncols, cols);
		}
	}
	PQclear(res);
	return 0;
}

/* Runs before mod_dbd's release of the connection (cleanups run last registered first). */
static apr_status_t package_session_end(void *baton)
{
	package_session *ps = baton;

	if (!ps->lost && PQtransactionStatus(ps->conn) != PQTRANS_IDLE)
		PQclear(PQexec(ps->conn, "ROLLBACK"));
	return APR_SUCCESS;
}

int sv_db_package_sql(sv_db *db, sv_sql *out)
{
	package_session *ps;
	PGconn *conn;

	if (strcmp(apr_dbd_name(db->dbd->driver), "pgsql") != 0) {
		db_log(db, APLOG_ERR, 0, "solveit: importing packages needs mod_dbd's pgsql driver, not %s",
		       apr_dbd_name(db->dbd->driver));
		return -1;
	}
	conn = apr_dbd_native_handle(db->dbd->driver, db->dbd->handle);
	if (!conn) {
		db_log(db, APLOG_ERR, 0, "solveit: mod_dbd gave no PostgreSQL connection");
		return -1;
	}
	ps = apr_pcalloc(db->pool, sizeof(*ps));
	ps->db = db;
	ps->conn = conn;
	apr_pool_cleanup_register(db->pool, ps, package_session_end, apr_pool_cleanup_null);
	out->baton = ps;
	out->exec = package_exec;
	return 0;
}

int sv_db_package_lost(const sv_sql *sql)
{
	return sql->baton && ((const package_session *)sql->baton)->lost;
}
