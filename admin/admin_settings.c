#include "admin_settings.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "admin_sql.h"
#include "sv_pg.h"

/* The same function as PUT /api/admin/settings, with the caller named for the audit. */
#define SAVE_SQL                                                                                                       \
	"SELECT status, body FROM solveit_admin_settings_save(NULL, 'solveit-admin settings',"                         \
	" jsonb_build_object($1::text, solveit_setting_from_text($1::text, $2::text)), $3::text)"

typedef struct {
	char *status;
	char *body;
} answer;

static void keep_row(void *baton, int ncols, const char *const *cols)
{
	answer *a = baton;

	if (ncols == 1) {
		a->body = cols[0] ? strdup(cols[0]) : NULL;
	} else if (ncols >= 2) {
		a->status = cols[0] ? strdup(cols[0]) : NULL;
		a->body = cols[1] ? strdup(cols[1]) : NULL;
	}
}

static int complain(const admin_config *c, int rc, const char *msg)
{
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		char *text;

		cJSON_AddStringToObject(o, "error", msg);
		if ((text = cJSON_PrintUnformatted(o)))
			puts(text);
		free(text);
		cJSON_Delete(o);
	}
	fprintf(stderr, "solveit-admin: settings: %s\n", msg);
	return rc;
}

static const char *text_of(const cJSON *item, char *buf, size_t len)
{
	char *t;

	if (cJSON_IsString(item))
		return item->valuestring;
	if (!item || !(t = cJSON_PrintUnformatted(item)))
		return "?";
	snprintf(buf, len, "%s", t);
	free(t);
	return buf;
}

static void print_list(const cJSON *body)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(body, "settings"))
	{
		const cJSON *choices = cJSON_GetObjectItemCaseSensitive(s, "choices"), *ch;
		char value[200];

		printf("%s = %s%s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "key")),
		       text_of(cJSON_GetObjectItemCaseSensitive(s, "value"), value, sizeof(value)),
		       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "is_default")) ? " (default)" : "");
		if (cJSON_IsArray(choices)) {
			printf("  one of:");
			cJSON_ArrayForEach(ch, choices) printf(" %s", ch->valuestring);
			printf("\n");
		}
		printf("  %s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "description")));
	}
}

static void print_change(const cJSON *body, const char *key)
{
	const cJSON *s;
	char value[200];

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(body, "settings"))
	{
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "key")), key) != 0)
			continue;
		printf("%s = %s (%s)\n", key,
		       text_of(cJSON_GetObjectItemCaseSensitive(s, "value"), value, sizeof(value)),
		       cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body, "changed")) > 0 ? "changed"
												 : "unchanged");
	}
}

static int run(const admin_config *c, PGconn *conn, int argc, char *const *argv)
{
	struct passwd *pw = getpwuid(geteuid());
	char who[300], err[1024];
	answer a = {NULL, NULL};
	cJSON *body;
	sv_sql sql;
	int rc = ADMIN_OK;

	admin_sql_init(&sql, conn);
	snprintf(who, sizeof(who), "solveit-admin (unix user %s)", pw ? pw->pw_name : "?");
	if (argc == 0) {
		if (admin_query(&sql, "SELECT solveit_admin_settings_json()::text", 0, NULL, keep_row, &a, err,
				sizeof(err)) < 0)
			return complain(c, ADMIN_ERROR, err);
	} else {
		const char *values[] = {argv[0], argv[1], who};

		if (admin_query(&sql, SAVE_SQL, 3, values, keep_row, &a, err, sizeof(err)) < 0)
			return complain(c, ADMIN_ERROR, err);
	}
	if (!a.body || !(body = cJSON_Parse(a.body))) {
		rc = complain(c, ADMIN_ERROR, "the database answered no JSON");
	} else if (a.status && strcmp(a.status, "200") != 0) {
		rc = complain(c, ADMIN_MISMATCH, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "error")));
		cJSON_Delete(body);
	} else {
		if (c->json)
			puts(a.body);
		else if (argc == 0)
			print_list(body);
		else
			print_change(body, argv[0]);
		cJSON_Delete(body);
	}
	free(a.status);
	free(a.body);
	return rc;
}

int admin_settings(const admin_config *c, int argc, char *const *argv)
{
	PGconn *conn;
	char err[1024];
	int rc;

	if (argc != 0 && argc != 2)
		return complain(c, ADMIN_ERROR, "usage: settings (list them) or settings KEY VALUE (set one)");
	conn = sv_pg_connect(c->db, "solveit-admin");
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		sv_pg_message(err, sizeof(err), conn ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return complain(c, ADMIN_ERROR, err);
	}
	rc = run(c, conn, argc, argv);
	PQfinish(conn);
	return rc;
}
