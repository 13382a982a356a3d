#include "admin_contest.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_sql.h"

static int number(const cJSON *o, const char *name)
{
	return (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static const char *text(const cJSON *o, const char *name)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));

	return s ? s : "";
}

/* A cell as the page shows it: "+2 / 47" solved after 2 tries in minute 47 ("+ / 12" at the first
 * try), "-3" rejected, "?1" pending, a "*" after the first solve of the task; "." nothing. */
static void cell_text(const cJSON *cell, char *buf, size_t len)
{
	int tries = number(cell, "tries"), pending = number(cell, "pending"), n = 0;
	char t[16] = "";

	if (tries)
		snprintf(t, sizeof(t), "%d", tries);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cell, "solved")))
		n = snprintf(buf, len, "+%s / %d%s", t, number(cell, "minutes"),
			     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cell, "first")) ? "*" : "");
	else if (tries)
		n = snprintf(buf, len, "-%s", t);
	if (n < 0 || (size_t)n >= len)
		n = 0;
	if (pending)
		snprintf(buf + n, len - (size_t)n, "%s?%d", n ? " " : "", pending);
	else if (!n)
		snprintf(buf, len, ".");
}

static void print_board(const cJSON *body, FILE *out)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "assignment");
	const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(body, "tasks"), *t, *row, *cell;
	char buf[64];

	fprintf(out, "%s: %s, %s to %s", text(a, "title"), text(a, "state"), text(a, "opens_at"), text(a, "due_at"));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "frozen_for_students")))
		fprintf(out, "; frozen for students since %s (this is the live board)", text(a, "freeze_at"));
	fprintf(out, "\n%-4s %-20s %-16s %6s %7s", "rank", "user", "team", "solved", "penalty");
	cJSON_ArrayForEach(t, tasks) fprintf(out, " %-10s", text(t, "label"));
	fputc('\n', out);
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(body, "rows"))
	{
		fprintf(out, "%-4d %-20s %-16s %6d %7d", number(row, "rank"), text(row, "username"),
			*text(row, "team") ? text(row, "team") : "-", number(row, "solved"), number(row, "penalty"));
		cJSON_ArrayForEach(cell, cJSON_GetObjectItemCaseSensitive(row, "cells"))
		{
			cell_text(cell, buf, sizeof(buf));
			fprintf(out, " %-10s", buf);
		}
		fputc('\n', out);
	}
	if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body, "rows")))
		fprintf(out, "(no counted submissions yet)\n");
}

static int board(const admin_config *c, const sv_sql *db, const char *id, FILE *out, char *err, size_t errlen)
{
	const char *v[] = {id};
	admin_row r = {0};
	cJSON *body;
	int rc = ADMIN_OK;

	if (admin_query(db, "SELECT solveit_scoreboard($1::bigint, false)::text", 1, v, admin_take_row, &r, err,
			errlen) < 0)
		return ADMIN_ERROR;
	if (!r.found || !r.col[0]) {
		snprintf(err, errlen, "there is no contest %s (an assignment created with --contest)", id);
		rc = ADMIN_MISMATCH;
	} else if (c->json) {
		fprintf(out, "%s\n", r.col[0]);
	} else if (!(body = cJSON_Parse(r.col[0]))) {
		snprintf(err, errlen, "the database answered no JSON");
		rc = ADMIN_ERROR;
	} else {
		print_board(body, out);
		cJSON_Delete(body);
	}
	admin_row_free(&r);
	return rc;
}

static int unfreeze(const admin_config *c, const sv_sql *db, const char *id, FILE *out, char *err, size_t errlen)
{
	const char *v[] = {id};
	admin_row r = {0};
	cJSON *body = NULL;
	int rc = ADMIN_OK;

	if (admin_begin(db, err, errlen) < 0)
		return ADMIN_ERROR;
	if (admin_query(
		db,
		"SELECT status, body FROM solveit_admin_contest_unfreeze(NULL, 'solveit-admin unfreeze', $1::bigint)",
		1, v, admin_take_row, &r, err, errlen) < 0 ||
	    !r.found || !r.col[0] || !r.col[1] || !(body = cJSON_Parse(r.col[1]))) {
		if (!*err)
			snprintf(err, errlen, "the database answered no JSON");
		rc = ADMIN_ERROR;
	} else if (strcmp(r.col[0], "200") != 0) {
		snprintf(err, errlen, "%s", text(body, "error"));
		rc = ADMIN_MISMATCH;
	} else if (admin_audit_actor(db, err, errlen) < 0 || admin_commit(db, err, errlen) < 0) {
		rc = ADMIN_ERROR;
	} else if (c->json) {
		fprintf(out, "%s\n", r.col[1]);
	} else {
		fprintf(out, "%s: the board is unfrozen; students see every result again.\n", text(body, "title"));
	}
	if (rc != ADMIN_OK)
		admin_rollback(db);
	cJSON_Delete(body);
	admin_row_free(&r);
	return rc;
}

int admin_contest(const admin_config *c, const sv_sql *db, const char *name, const char *id, FILE *out, char *err,
		  size_t errlen)
{
	char *end;

	if (strtoll(id, &end, 10) <= 0 || *end || end - id > 15) {
		snprintf(err, errlen, "the contest is given by its assignment id (a positive number), not \"%s\"", id);
		return ADMIN_ERROR;
	}
	return !strcmp(name, "unfreeze") ? unfreeze(c, db, id, out, err, errlen) : board(c, db, id, out, err, errlen);
}
