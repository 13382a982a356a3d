#ifndef SINK_DB_H
#define SINK_DB_H

#include <stddef.h>

#include <libpq-fe.h>

#include "sink_decide.h"

/* One PostgreSQL connection with its prepared statements, re-established (and re-prepared) after
 * a failure. Not thread-safe: the consumer and the sweeper each own one. */
typedef struct sink_db sink_db;

typedef struct {
	const char *name; /* a valid SQL identifier */
	const char *sql;
} sink_statement;

typedef enum {
	SINK_DB_OK = 0,
	SINK_DB_RETRY,  /* the database is unavailable or unwell: try again later */
	SINK_DB_REJECT, /* the statement's input is at fault (sink_sqlstate_action) */
} sink_db_rc;

/* statements must stay valid for the object's lifetime. */
sink_db *sink_db_new(const char *conninfo, const char *role, const sink_statement *statements, size_t count);
void sink_db_free(sink_db *db);

/* Connects and prepares the statements if not connected. Returns 0 when connected; otherwise -1
 * after logging once per outage (not at every retry). */
int sink_db_ensure(sink_db *db);

/* Runs a prepared statement with text parameters (NULL: SQL NULL). On success returns the result
 * (PQclear it) with *rc SINK_DB_OK. Otherwise returns NULL, sets *rc and writes the server's
 * message to err; after a lost connection the next sink_db_ensure reconnects. */
PGresult *sink_db_exec(sink_db *db, const char *name, int nparams, const char *const *values, sink_db_rc *rc, char *err,
		       size_t errlen);

/* A parameterless command such as BEGIN or COMMIT. */
sink_db_rc sink_db_command(sink_db *db, const char *sql, char *err, size_t errlen);

/* Counts successful connections: a change means session state (advisory locks) was lost. */
unsigned long sink_db_generation(const sink_db *db);

/* Drops the connection (the next ensure reconnects): after an error that leaves its state
 * unknown, and to release session-level advisory locks. */
void sink_db_disconnect(sink_db *db);

#endif
