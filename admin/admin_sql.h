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

/* The first row of an answer, its columns copied (NULL stays NULL): pass admin_take_row and an
 * admin_row to admin_query; free with admin_row_free. */
#define ADMIN_ROW_MAX 12
typedef struct {
	int found, n;
	char *col[ADMIN_ROW_MAX];
} admin_row;
void admin_take_row(void *rowbaton, int ncols, const char *const *cols);
void admin_row_free(admin_row *row);

/* BEGIN, COMMIT, ROLLBACK (a failed ROLLBACK is only a lost connection: the transaction ends with it). */
int admin_begin(const sv_sql *db, char *err, size_t errlen);
int admin_commit(const sv_sql *db, char *err, size_t errlen);
void admin_rollback(const sv_sql *db);

/* The audit's name for changes made from the shell, where no account is behind them:
 * "solveit-admin (unix user NAME)". */
void admin_actor_name(char *buf, size_t len);

/* The staff_audit rows this transaction wrote without an actor (the solveit_admin_* functions
 * called with p_actor NULL name it "?") get admin_actor_name. Call before COMMIT. They are found
 * by their time, now() (the transaction's start, staff_audit.at's default): not by xmin, which
 * is a subtransaction's for rows written under a plpgsql EXCEPTION block. */
int admin_audit_actor(const sv_sql *db, char *err, size_t errlen);

#endif
