#include "sv_pg.h"

#include <stdio.h>
#include <string.h>

#define STR2(x) #x
#define STR(x)  STR2(x)

PGconn *sv_pg_connect(const char *conninfo, const char *application_name)
{
	/* Our defaults come first so that the administrator's conninfo (expanded from "dbname")
	 * overrides them. */
	const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *const values[] = {STR(SV_PG_CONNECT_TIMEOUT), application_name, conninfo ? conninfo : "", NULL};

	return PQconnectdbParams(keys, values, 1);
}

PGconn *sv_pg_reconnect(PGconn *conn, const char *conninfo, const char *application_name)
{
	if (conn && PQstatus(conn) == CONNECTION_OK)
		return conn;
	if (conn)
		PQfinish(conn);
	return sv_pg_connect(conninfo, application_name);
}

void sv_pg_message(char *err, size_t errlen, const char *message)
{
	size_t n;

	snprintf(err, errlen, "%s", message && *message ? message : "unknown error");
	n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r'))
		err[--n] = '\0';
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}
