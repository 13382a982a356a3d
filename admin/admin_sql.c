#include "admin_sql.h"

#include <stdlib.h>
#include <string.h>

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
