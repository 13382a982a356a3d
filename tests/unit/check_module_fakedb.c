/* A scripted stand-in for mod_solveit's database layer (solveit_db.h), so that the Check suites
 * reach the handlers' logic without PostgreSQL; the SQL itself is covered by the integration
 * tests. Linked instead of libsolveit_db.la. */

#include <stdio.h>
#include <string.h>

#include "httpd_stub.h"

struct apr_dbd_results_t {
	int ncols, nrows;
	const char *const *cells;
};

struct apr_dbd_row_t {
	const struct apr_dbd_results_t *res;
	int n; /* 0-based */
};

static struct {
	struct apr_dbd_results_t answers[SV_SQL_COUNT];
	int fails[SV_SQL_COUNT];
	int calls[SV_SQL_COUNT];
	int down;
	/* the package store's session: every statement fails with this, the connection lost or not */
	const char *package_error;
	int package_lost;
	int package_statements;
} fake;

void fakedb_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

void fakedb_down(int down)
{
	fake.down = down;
}

void fakedb_answer(sv_stmt q, int ncols, int nrows, const char *const *cells)
{
	fake.answers[q].ncols = ncols;
	fake.answers[q].nrows = nrows;
	fake.answers[q].cells = cells;
	fake.fails[q] = 0;
}

void fakedb_fail(sv_stmt q)
{
	fake.fails[q] = 1;
}

int fakedb_calls(sv_stmt q)
{
	return fake.calls[q];
}

const char *solveit_db_register(server_rec *s)
{
	return NULL;
}

int sv_db_acquire(request_rec *r, sv_db *db)
{
	memset(db, 0, sizeof(*db));
	db->r = r;
	db->s = r->server;
	db->pool = r->pool;
	return fake.down ? -1 : 0;
}

int sv_db_open(server_rec *s, apr_pool_t *pool, sv_db *db)
{
	return -1;
}

void sv_db_close(sv_db *db)
{
}

/* The arguments are not looked at: what a statement receives is the integration tests' part. */
int sv_db_select(sv_db *db, sv_stmt q, apr_dbd_results_t **res, ...)
{
	fake.calls[q]++;
	*res = &fake.answers[q];
	return fake.fails[q] ? -1 : 0;
}

int sv_db_query(sv_db *db, sv_stmt q, int *nrows, ...)
{
	fake.calls[q]++;
	if (nrows)
		*nrows = 1;
	return fake.fails[q] ? -1 : 0;
}

/* solveit_admin.c's own statements are the integration tests' part: here they fail. */
int sv_db_vrun(sv_db *db, const char *label, const char *sql, int select, apr_dbd_results_t **res, int *nrows,
	       va_list ap)
{
	return -1;
}

void fakedb_package_error(const char *message, int lost)
{
	fake.package_error = message;
	fake.package_lost = lost;
}

int fakedb_package_statements(void)
{
	return fake.package_statements;
}

static int package_exec(void *baton, const char *sql, int nparams, const char *const *values, const size_t *lengths,
			const int *binary, void (*row)(void *rowbaton, int ncols, const char *const *cols),
			void *rowbaton, char *err, size_t errlen)
{
	fake.package_statements++;
	snprintf(err, errlen, "%s", fake.package_error ? fake.package_error : "the fake database runs no SQL");
	return -1;
}

int sv_db_package_sql(sv_db *db, sv_sql *out)
{
	out->baton = &fake;
	out->exec = package_exec;
	return 0;
}

int sv_db_package_lost(const sv_sql *sql)
{
	return fake.package_lost;
}

apr_dbd_row_t *sv_db_row(sv_db *db, apr_dbd_results_t *res, int n)
{
	struct apr_dbd_row_t *row;

	if (n < 1 || n > res->nrows)
		return NULL;
	row = apr_palloc(db->pool, sizeof(*row));
	row->res = res;
	row->n = n - 1;
	return row;
}

const char *sv_db_get(sv_db *db, apr_dbd_row_t *row, int col)
{
	if (col < 0 || col >= row->res->ncols)
		return NULL;
	return row->res->cells[row->n * row->res->ncols + col];
}
