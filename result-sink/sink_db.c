#include "sink_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_metrics.h"
#include "sv_log.h"
#include "sv_pg.h"

struct sink_db {
	char *conninfo;
	char *role;
	const sink_statement *statements;
	size_t count;
	PGconn *conn;
	int outage_logged; /* the current outage has been reported */
	unsigned long generation;
};

sink_db *sink_db_new(const char *conninfo, const char *role, const sink_statement *statements, size_t count)
{
	sink_db *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	db->conninfo = strdup(conninfo ? conninfo : "");
	db->role = strdup(role);
	if (!db->conninfo || !db->role) {
		sink_db_free(db);
		return NULL;
	}
	db->statements = statements;
	db->count = count;
	return db;
}

void sink_db_free(sink_db *db)
{
	if (!db)
		return;
	sink_db_disconnect(db);
	free(db->conninfo);
	free(db->role);
	free(db);
}

unsigned long sink_db_generation(const sink_db *db)
{
	return db->generation;
}

void sink_db_disconnect(sink_db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
}

static void outage(sink_db *db, const char *message)
{
	char text[512];

	sv_pg_message(text, sizeof(text), message);
	sink_metrics_db_error();
	if (!db->outage_logged)
		sv_log(SV_LOG_ERR, "%s: PostgreSQL unavailable, retrying until it is back: %s", db->role, text);
	else
		sv_log(SV_LOG_DEBUG, "%s: PostgreSQL still unavailable: %s", db->role, text);
	db->outage_logged = 1;
}

int sink_db_ensure(sink_db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	sink_db_disconnect(db);
	db->conn = sv_pg_connect(db->conninfo, db->role);
	if (!db->conn) {
		outage(db, "out of memory");
		return -1;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		outage(db, PQerrorMessage(db->conn));
		sink_db_disconnect(db);
		return -1;
	}
	for (size_t i = 0; i < db->count; i++) {
		PGresult *res = PQprepare(db->conn, db->statements[i].name, db->statements[i].sql, 0, NULL);
		int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

		if (!ok) {
			char text[512], message[700];

			/* A statement that does not prepare is a deployment problem (schema not migrated):
			 * keep retrying rather than run without it. */
			sv_pg_message(text, sizeof(text), PQresultErrorMessage(res));
			snprintf(message, sizeof(message), "cannot prepare statement %s: %s", db->statements[i].name,
				 text);
			outage(db, message);
		}
		PQclear(res);
		if (!ok) {
			sink_db_disconnect(db);
			return -1;
		}
	}
	db->generation++;
	if (db->outage_logged)
		sv_log(SV_LOG_NOTICE, "%s: connected to PostgreSQL again", db->role);
	db->outage_logged = 0;
	return 0;
}

/* Classifies a failed result; drops the connection when it is no longer usable. */
static sink_db_rc failure(sink_db *db, PGresult *res, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (primary && state) {
		char text[512];

		sv_pg_message(text, sizeof(text), primary);
		snprintf(err, errlen, "PostgreSQL: %s (SQLSTATE %s)", text, state);
	} else {
		sv_pg_message(err, errlen, res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		outage(db, err);
		sink_db_disconnect(db);
		return SINK_DB_RETRY;
	}
	sink_metrics_db_error(); /* outage() counted the others */
	return sink_sqlstate_action(state) == SINK_SQL_REJECT ? SINK_DB_REJECT : SINK_DB_RETRY;
}

PGresult *sink_db_exec(sink_db *db, const char *name, int nparams, const char *const *values, sink_db_rc *rc, char *err,
		       size_t errlen)
{
	PGresult *res;
	ExecStatusType status;

	if (!db->conn) {
		snprintf(err, errlen, "not connected");
		*rc = SINK_DB_RETRY;
		return NULL;
	}
	res = PQexecPrepared(db->conn, name, nparams, values, NULL, NULL, 0);
	status = PQresultStatus(res);
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
		*rc = SINK_DB_OK;
		return res;
	}
	*rc = failure(db, res, err, errlen);
	PQclear(res);
	return NULL;
}

sink_db_rc sink_db_command(sink_db *db, const char *sql, char *err, size_t errlen)
{
	PGresult *res;
	sink_db_rc rc = SINK_DB_OK;

	if (!db->conn) {
		snprintf(err, errlen, "not connected");
		return SINK_DB_RETRY;
	}
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = failure(db, res, err, errlen);
	PQclear(res);
	return rc;
}
