#ifndef SOLVEIT_DB_H
#define SOLVEIT_DB_H

#include <limits.h>
#include <stdarg.h>

#include "httpd.h"

#include "apr_dbd.h"
#include "mod_dbd.h"

#include "sv_package.h"
#include "sv_parse.h"

/* Every SQL statement of the module, prepared under a "solveit_" label on each pooled connection
 * the first time it runs there (solveit_db.c). */
typedef enum {
	SV_SQL_HEALTH,
	SV_SQL_SESSION_GET,
	SV_SQL_SESSION_TOUCH,
	SV_SQL_SESSION_CREATE,
	SV_SQL_SESSION_DELETE,
	SV_SQL_SESSION_DELETE_OTHERS,
	SV_SQL_SESSION_PURGE,
	SV_SQL_LOGIN_FAILURES_PURGE,
	SV_SQL_USER_BY_NAME,
	SV_SQL_USER_REGISTER,
	SV_SQL_USER_PROVISION,
	SV_SQL_USER_SET_STAFF,
	SV_SQL_USER_SET_PASSWORD,
	SV_SQL_USER_LOGGED_IN,
	SV_SQL_LOGIN_ATTEMPT,
	SV_SQL_LOGIN_ATTEMPT_RELEASE,
	SV_SQL_LOGIN_FAILURES_CLEAR,
	SV_SQL_TASK_BEST,
	SV_SQL_CATALOG,
	SV_SQL_TASK_GET,
	SV_SQL_TASK_SAMPLES,
	SV_SQL_SUBMIT,
	SV_SQL_SUBMISSIONS_SENT,
	SV_SQL_SUBMISSIONS_LIST,
	SV_SQL_SUBMISSION_GET,
	SV_SQL_LEADERBOARD,
	SV_SQL_LEADERBOARD_VISIBILITY,
	SV_SQL_CLARIFICATIONS_UNANSWERED, /* a staff account's /api/me (solveit_clarifications.c) */
	/* Run on the samples (solveit_runs.c) */
	SV_SQL_RUN_CREATE,
	SV_SQL_RUN_GET,
	SV_SQL_COUNT
} sv_stmt;

/* A checked-out connection plus where results and logs go (r is NULL outside a request). */
typedef struct {
	ap_dbd_t *dbd;
	apr_pool_t *pool;
	server_rec *s;
	request_rec *r;
} sv_db;

/* Finds mod_dbd's functions; returns NULL or an error text (mod_dbd not loaded). No statement is
 * registered with mod_dbd: each is prepared on a connection when it first runs there, so that a
 * new connection costs no prepares in apr_reslist's lock. Runs in check_config, so that apachectl
 * configtest sees the error. */
const char *solveit_db_register(server_rec *s);

/* The request's pooled connection (ap_dbd_acquire, released with the request). Returns 0, or -1
 * after logging when the database cannot be reached. */
int sv_db_acquire(request_rec *r, sv_db *db);

/* A connection outside a request (the Kafka poll thread): ap_dbd_open, give back with
 * sv_db_close. */
int sv_db_open(server_rec *s, apr_pool_t *pool, sv_db *db);
void sv_db_close(sv_db *db);

/* Runs a statement returning rows (random access) / a statement returning none; arguments are
 * strings (NULL for SQL NULL), as many as the statement has placeholders. Return 0, or -1 after
 * logging the database's message. */
int sv_db_select(sv_db *db, sv_stmt q, apr_dbd_results_t **res, ...);
int sv_db_query(sv_db *db, sv_stmt q, int *nrows, ...);

/* What both run: the statement sql under label (apr_dbd's placeholders, one string argument each from
 * ap), prepared on this connection when it first runs it, with a restarted PostgreSQL handled; rows
 * into *res when select, else the count into *nrows. For statement lists of their own
 * (solveit_admin.c). */
int sv_db_vrun(sv_db *db, const char *label, const char *sql, int select, apr_dbd_results_t **res, int *nrows,
	       va_list ap);

/* A session for the package store (sv_package.h) on db's connection, valid for the request:
 * libpq on the PGconn of mod_dbd's pgsql handle, so that test data goes as binary parameters of
 * any size, with the store's own $1.. statements. A transaction the store leaves open is rolled
 * back before the connection goes back to the pool. Returns 0, or -1 after logging when the
 * connection is not PostgreSQL's. */
int sv_db_package_sql(sv_db *db, sv_sql *out);
/* Whether a statement of that session failed because the connection was lost. */
int sv_db_package_lost(const sv_sql *sql);

/* Row n (1-based) of res, or NULL when there is no such row. */
apr_dbd_row_t *sv_db_row(sv_db *db, apr_dbd_results_t *res, int n);
/* Column col of row (NULL for SQL NULL). */
const char *sv_db_get(sv_db *db, apr_dbd_row_t *row, int col);

/* An integer column; 0 for SQL NULL (or what is not an integer). */
static inline apr_int64_t sv_db_get_ll(sv_db *db, apr_dbd_row_t *row, int col)
{
	long long v = 0;

	return sv_parse_ll(sv_db_get(db, row, col), LLONG_MIN, LLONG_MAX, &v) == 0 ? v : 0;
}

/* PostgreSQL booleans arrive as "t" / "f". */
static inline int sv_db_get_bool(sv_db *db, apr_dbd_row_t *row, int col)
{
	const char *v = sv_db_get(db, row, col);

	return v && (v[0] == 't' || v[0] == '1');
}

#endif
