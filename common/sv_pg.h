#ifndef SV_PG_H
#define SV_PG_H

#include <stddef.h>

#include <libpq-fe.h>

/* PostgreSQL connections of the daemons. */

#define SV_PG_CONNECT_TIMEOUT 5 /* seconds; libpq's default is to wait for the TCP timeout */

/* Opens a connection with a connect timeout and application_name set, so a daemon never hangs on
 * an unreachable server and its sessions are named in pg_stat_activity. The conninfo (a string or
 * a URI) comes last and overrides both. Returns the connection (check PQstatus; PQfinish it) or
 * NULL when out of memory. */
PGconn *sv_pg_connect(const char *conninfo, const char *application_name);

/* Returns conn if it is healthy; otherwise drops it and connects again (sv_pg_connect). */
PGconn *sv_pg_reconnect(PGconn *conn, const char *conninfo, const char *application_name);

/* libpq's messages end in a newline and may span lines; log lines and Kafka headers should not.
 * Copies message into err as one line ("unknown error" for NULL or empty). */
void sv_pg_message(char *err, size_t errlen, const char *message);

#endif
