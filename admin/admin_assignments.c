#include "admin_assignments.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_sql.h"
#include "sv_parse.h"

/* The same function as the staff API's /api/admin/assignments (sql/030). */
#define SAVE_SQL "SELECT status, body FROM solveit_admin_assignment_save(NULL, $1, $2::bigint, $3::jsonb, $4::boolean)"

/* Each name of a comma-separated list with the id it names (NULL: none), in the list's order. */
#define TASKS_SQL                                                                                                      \
	"SELECT btrim(n.name), t.id FROM unnest(string_to_array($1, ',')) WITH ORDINALITY n(name, ord)"                \
	" LEFT JOIN tasks t ON t.slug = btrim(n.name) ORDER BY n.ord"
#define TEAMS_SQL                                                                                                      \
	"SELECT btrim(n.name), t.id FROM unnest(string_to_array($1, ',')) WITH ORDINALITY n(name, ord)"                \
	" LEFT JOIN teams t ON t.name = btrim(n.name) ORDER BY n.ord"

typedef struct {
	cJSON *ids;
	char *missing;
} resolved;

static void take_id(void *baton, int ncols, const char *const *cols)
{
	resolved *r = baton;
	long long id;

	if (ncols < 2)
		return;
	if (cols[1] && sv_parse_ll(cols[1], 1, LLONG_MAX, &id) == 0)
		cJSON_AddItemToArray(r->ids, cJSON_CreateNumber((double)id));
	else if (!r->missing)
		r->missing = strdup(cols[0] ? cols[0] : "");
}

/* names ("a,b,c", "" for none) as the array of their ids in fields[key]; ADMIN_MISMATCH when one
 * names nothing. */
static int resolve(const sv_sql *db, const char *sql, const char *names, const char *what, cJSON *fields,
		   const char *key, char *err, size_t errlen)
{
	resolved r = {cJSON_AddArrayToObject(fields, key), NULL};
	const char *v[1] = {names};

	if (!*names)
		return ADMIN_OK;
	if (admin_query(db, sql, 1, v, take_id, &r, err, errlen) < 0)
		return ADMIN_ERROR;
	if (r.missing) {
		snprintf(err, errlen, "there is no %s \"%s\"", what, r.missing);
		free(r.missing);
		return ADMIN_MISMATCH;
	}
	return ADMIN_OK;
}

/* A time option: "" clears it (null), anything else goes to the database to check. */
static void add_time(cJSON *fields, const char *key, const char *value)
{
	if (!value)
		return;
	if (*value)
		cJSON_AddStringToObject(fields, key, value);
	else
		cJSON_AddNullToObject(fields, key);
}

/* The body of solveit_admin_assignment_save from the options given (update: only those). */
static int build_fields(const admin_config *c, const sv_sql *db, cJSON *fields, char *err, size_t errlen)
{
	int rc;

	if (c->title)
		cJSON_AddStringToObject(fields, "title", c->title);
	if (c->tasks &&
	    (rc = resolve(db, TASKS_SQL, c->tasks, "task with the slug", fields, "task_ids", err, errlen)) != ADMIN_OK)
		return rc;
	if (c->teams &&
	    (rc = resolve(db, TEAMS_SQL, c->teams, "team named", fields, "team_ids", err, errlen)) != ADMIN_OK)
		return rc;
	add_time(fields, "opens_at", c->opens);
	add_time(fields, "due_at", c->due);
	add_time(fields, "closes_at", c->closes);
	add_time(fields, "freeze_at", c->freeze);
	if (c->penalty >= 0)
		cJSON_AddNumberToObject(fields, "late_penalty", (double)c->penalty);
	if (c->contest)
		cJSON_AddBoolToObject(fields, "contest", 1);
	return ADMIN_OK;
}

static const char *str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	return s ? s : "-";
}

static void print_assignment(FILE *out, const cJSON *a)
{
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(a, "task_ids"), *id;
	int penalty = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(a, "late_penalty"));

	fprintf(out, "%lld\t%s\t%s%s\topens %s\tdue %s\tcloses %s\tpenalty %d%%\ttasks",
		(long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(a, "id")), str(a, "title"),
		str(a, "state"), cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "contest")) ? " (contest)" : "",
		str(a, "opens_at"), str(a, "due_at"), str(a, "closes_at"), penalty);
	cJSON_ArrayForEach(id, ids) fprintf(out, " %lld", (long long)id->valuedouble);
	fprintf(out, "%s\n", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "visible_to_all")) ? "" : "\tteams only");
}

static int print_body(const admin_config *c, FILE *out, const char *text, const char *done)
{
	cJSON *body = text ? cJSON_Parse(text) : NULL;

	if (c->json)
		fprintf(out, "%s\n", text ? text : "null");
	else if (body && done)
		fprintf(out, "assignment %lld %s\n",
			(long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(body, "id")), done);
	if (body && !c->json && cJSON_GetObjectItemCaseSensitive(body, "title"))
		print_assignment(out, body);
	cJSON_Delete(body);
	return ADMIN_OK;
}

int admin_assignments_list(const admin_config *c, const sv_sql *db, FILE *out, char *err, size_t errlen)
{
	admin_row r = {0};
	cJSON *body;
	const cJSON *a;

	if (admin_query(db, "SELECT solveit_admin_assignments_json()::text", 0, NULL, admin_take_row, &r, err, errlen) <
	    0)
		return ADMIN_ERROR;
	if (c->json) {
		fprintf(out, "%s\n", r.col[0]);
	} else if ((body = cJSON_Parse(r.col[0] ? r.col[0] : "")) != NULL) {
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(body, "assignments")) print_assignment(out, a);
		if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body, "assignments")))
			fprintf(out, "no assignments\n");
		cJSON_Delete(body);
	}
	admin_row_free(&r);
	return ADMIN_OK;
}

/* One save in its own transaction, the audit row naming the shell's user. */
static int save(const admin_config *c, const sv_sql *db, const char *action, const char *id, const cJSON *fields,
		int del, FILE *out, char *err, size_t errlen)
{
	char *text = cJSON_PrintUnformatted(fields);
	const char *v[4] = {action, id, text, del ? "true" : "false"};
	admin_row r = {0};
	long long status = 0;
	int rc = ADMIN_ERROR;

	if (!text) {
		snprintf(err, errlen, "out of memory");
		return ADMIN_ERROR;
	}
	if (admin_begin(db, err, errlen) < 0)
		goto out;
	if (admin_query(db, SAVE_SQL, 4, v, admin_take_row, &r, err, errlen) < 0 || !r.found ||
	    sv_parse_ll(r.col[0], 100, 599, &status) < 0) {
		if (!*err)
			snprintf(err, errlen, "the database gave no answer");
		admin_rollback(db);
		goto out;
	}
	if (status >= 300) {
		cJSON *body = cJSON_Parse(r.col[1] ? r.col[1] : "");

		snprintf(err, errlen, "%s", body ? str(body, "error") : "refused");
		cJSON_Delete(body);
		admin_rollback(db);
		rc = status == 404 || status == 400 || status == 409 ? ADMIN_MISMATCH : ADMIN_ERROR;
		goto out;
	}
	if (admin_audit_actor(db, err, errlen) < 0 || admin_commit(db, err, errlen) < 0) {
		admin_rollback(db);
		goto out;
	}
	rc = print_body(c, out, r.col[1], del ? "deleted" : id ? "updated" : "created");
out:
	admin_row_free(&r);
	free(text);
	return rc;
}

int admin_assignment(const admin_config *c, const sv_sql *db, char *const *args, int n, FILE *out, char *err,
		     size_t errlen)
{
	const char *verb = args[0];
	cJSON *fields = cJSON_CreateObject();
	long long id = 0;
	int rc;

	if (strcmp(verb, "create") && strcmp(verb, "update") && strcmp(verb, "delete")) {
		snprintf(err, errlen, "\"%s\" is not create, update or delete", verb);
		rc = ADMIN_ERROR;
	} else if (!strcmp(verb, "create") ? n != 1 : (n != 2 || sv_parse_ll(args[1], 1, LLONG_MAX, &id) < 0)) {
		snprintf(err, errlen, "%s",
			 !strcmp(verb, "create") ? "create takes no argument but its options"
						 : "update and delete take the assignment's id");
		rc = ADMIN_ERROR;
	} else if (!strcmp(verb, "delete")) {
		rc = save(c, db, "solveit-admin assignment delete", args[1], fields, 1, out, err, errlen);
	} else if ((rc = build_fields(c, db, fields, err, errlen)) == ADMIN_OK) {
		rc = save(c, db,
			  !strcmp(verb, "create") ? "solveit-admin assignment create"
						  : "solveit-admin assignment update",
			  id ? args[1] : NULL, fields, 0, out, err, errlen);
	}
	cJSON_Delete(fields);
	return rc;
}
