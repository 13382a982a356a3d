#ifndef ADMIN_SQL_H
#define ADMIN_SQL_H

#include <libpq-fe.h>

#include "sv_package.h"

/* The libpq side of sv_sql (sv_package.h): one PQexecParams a statement, values as text or binary,
 * each result row handed to the callback as text. solveit-admin's own queries use it too. */
void admin_sql_init(sv_sql *sql, PGconn *conn);

/* Runs sql through db with text parameters; 0 or -1 with err. */
int admin_query(const sv_sql *db, const char *sql, int n, const char *const *values,
		void (*row)(void *rowbaton, int ncols, const char *const *cols), void *rowbaton, char *err,
		size_t errlen);

#endif
