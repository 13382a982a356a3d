#include "admin_sql.h"

#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "sv_pg.h"

#define MAX_PARAMS 32

static int pq_exec(void *baton, const char *sql, int nparams, const char *const *values, const size_t *lengths,
		   const int *binary, void (*row)(void *rowbaton, int ncols, const char *const *cols), void *rowbaton,
		   char *err, size_t errlen)
{
	PGconn *conn = baton;
	int lens[MAX_PARAMS], formats[MAX_PARAMS];
	const char *cols[MAX_PARAMS];
	PGresult *res;
	ExecStatusType st;

	if (nparams > MAX_PARAMS) {
		snprintf(err, errlen, "a statement with %d parameters (at most %d)", nparams, MAX_PARAMS);
		return -1;
	}
	for (int i = 0; i < nparams; i++) {
		lens[i] = lengths ? (int)lengths[i] : 0;
		formats[i] = binary ? binary[i] : 0;
	}
	res = PQexecParams(conn, sql, nparams, NULL, values, lens, formats, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		sv_pg_message(err, errlen, PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	for (int r = 0; row && r < PQntuples(res); r++) {
		int n = PQnfields(res) < MAX_PARAMS ? PQnfields(res) : MAX_PARAMS;

		for (int c = 0; c < n; c++)
			cols[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		row(rowbaton, n, cols);
	}
	PQclear(res);
	return 0;
}

void admin_sql_init(sv_sql *sql, PGconn *conn)
{
	sql->baton = conn;
	sql->exec = pq_exec;
}

int admin_query(const sv_sql *db, const char *sql, int n, const char *const *values,
		void (*row)(void *rowbaton, int ncols, const char *const *cols), void *rowbaton, char *err,
		size_t errlen)
{
	return db->exec(db->baton, sql, n, values, NULL, NULL, row, rowbaton, err, errlen);
}

void admin_take_row(void *rowbaton, int ncols, const char *const *cols)
{
	admin_row *r = rowbaton;

	if (r->found)
		return;
	r->found = 1;
	r->n = ncols < ADMIN_ROW_MAX ? ncols : ADMIN_ROW_MAX;
	for (int i = 0; i < r->n; i++)
		if (cols[i] && !(r->col[i] = strdup(cols[i])))
			abort();
}

void admin_row_free(admin_row *row)
{
	for (int i = 0; i < row->n; i++)
		free(row->col[i]);
	memset(row, 0, sizeof(*row));
}

int admin_begin(const sv_sql *db, char *err, size_t errlen)
{
	return admin_query(db, "BEGIN", 0, NULL, NULL, NULL, err, errlen);
}

int admin_commit(const sv_sql *db, char *err, size_t errlen)
{
	return admin_query(db, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
}

void admin_rollback(const sv_sql *db)
{
	char ignored[256];

	admin_query(db, "ROLLBACK", 0, NULL, NULL, NULL, ignored, sizeof(ignored));
}

void admin_actor_name(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());

	snprintf(buf, len, "solveit-admin (unix user %s)", pw ? pw->pw_name : "?");
}

int admin_audit_actor(const sv_sql *db, char *err, size_t errlen)
{
	char who[300];
	const char *v[1] = {who};

	admin_actor_name(who, sizeof(who));
	return admin_query(db,
			   "UPDATE staff_audit SET actor_name = $1"
			   " WHERE actor_id IS NULL AND actor_name = '?' AND at = now()",
			   1, v, NULL, NULL, err, errlen);
}
