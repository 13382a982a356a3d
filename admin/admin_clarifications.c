#include "admin_clarifications.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_sql.h"

static const char list_sql[] = "SELECT status, body FROM solveit_admin_clarifications($1::text, NULL, NULL)";
static const char answer_sql[] = "SELECT status, body FROM solveit_admin_clarification_answer(NULL, $1::text,"
				 " $2::bigint, $3::text, $4::boolean, $5::text)";
static const char announce_sql[] = "SELECT status, body FROM solveit_admin_clarification_announce(NULL, $1::text,"
				   " $2::bigint, NULL, $3::text, $4::text)";
/* As rejudge --task takes it: an id, else a slug. */
static const char task_sql[] =
    "SELECT id FROM tasks WHERE id::text = $1 OR slug = $1 ORDER BY (id::text = $1) DESC LIMIT 1";

static const char *member(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* What it is about: "on task 3 (Hello)", "on assignment Week 1", or "for everyone". */
static void print_subject(FILE *out, const cJSON *c)
{
	const char *task = member(c, "task_title"), *assignment = member(c, "assignment_title");
	const cJSON *task_id = cJSON_GetObjectItemCaseSensitive(c, "task_id");

	if (cJSON_IsNumber(task_id))
		fprintf(out, "on task %.0f (%s)", task_id->valuedouble, task ? task : "");
	else if (assignment)
		fprintf(out, "on assignment %s", assignment);
	else
		fprintf(out, "for everyone");
	if (cJSON_IsNumber(task_id) && assignment)
		fprintf(out, " in %s", assignment);
}

static void print_one(FILE *out, const cJSON *c)
{
	const char *question = member(c, "question"), *answer = member(c, "answer");

	fprintf(out, "#%.0f %s %s ", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "id")),
		member(c, "asked_at"), question ? member(c, "username") : "announcement");
	print_subject(out, c);
	fprintf(out, "\n");
	if (question)
		fprintf(out, "  Q: %s\n", question);
	if (answer)
		fprintf(out, "  A (%s, %s): %s\n",
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "public")) ? "to all" : "private",
			member(c, "answered_by") ? member(c, "answered_by") : "?", answer);
	else
		fprintf(out, "  (unanswered)\n");
}

static void print_list(FILE *out, const cJSON *body)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(body, "clarifications")) print_one(out, c);
	fprintf(out, "%.0f unanswered\n", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(body, "unanswered")));
}

/* Runs a (status, body) call and prints its answer; a refusal's message goes to err. */
static int call(const admin_config *cfg, const sv_sql *db, const char *sql, int n, const char *const *values,
		int listing, FILE *out, char *err, size_t errlen)
{
	admin_row row = {0};
	cJSON *body;
	int rc = ADMIN_OK;

	if (admin_query(db, sql, n, values, admin_take_row, &row, err, errlen) < 0)
		return ADMIN_ERROR;
	if (!row.found || row.n < 2 || !row.col[1] || !(body = cJSON_Parse(row.col[1]))) {
		admin_row_free(&row);
		return snprintf(err, errlen, "the database answered no JSON"), ADMIN_ERROR;
	}
	if (atoi(row.col[0]) >= 300) {
		snprintf(err, errlen, "%s", member(body, "error") ? member(body, "error") : row.col[1]);
		rc = ADMIN_MISMATCH;
	} else if (cfg->json) {
		fprintf(out, "%s\n", row.col[1]);
	} else if (listing) {
		print_list(out, body);
	} else {
		print_one(out, body);
	}
	cJSON_Delete(body);
	admin_row_free(&row);
	return rc;
}

int admin_clarifications(const admin_config *cfg, const sv_sql *db, const char *command, char *const *args, int n,
			 FILE *out, char *err, size_t errlen)
{
	char who[300];
	admin_row task = {0};
	int rc;

	admin_actor_name(who, sizeof(who));
	if (!strcmp(command, "clarifications")) {
		const char *v[] = {cfg->unanswered ? "unanswered" : "all"};

		return call(cfg, db, list_sql, 1, v, 1, out, err, errlen);
	}
	if (!strcmp(command, "answer")) {
		const char *v[] = {"solveit-admin answer", args[0], n > 1 ? args[1] : NULL,
				   cfg->public_answer ? "true" : "false", who};

		if (strspn(args[0], "0123456789") != strlen(args[0]) || strlen(args[0]) > 15)
			return snprintf(err, errlen, "the clarification's id must be a number (got %s)", args[0]),
			       ADMIN_MISMATCH;
		return call(cfg, db, answer_sql, 5, v, 0, out, err, errlen);
	}
	if (cfg->task) {
		const char *v[] = {cfg->task};

		if (admin_query(db, task_sql, 1, v, admin_take_row, &task, err, errlen) < 0)
			return ADMIN_ERROR;
		if (!task.found) {
			admin_row_free(&task);
			return snprintf(err, errlen, "no task has the id or slug %s", cfg->task), ADMIN_MISMATCH;
		}
	}
	{
		const char *v[] = {"solveit-admin announce", task.found ? task.col[0] : NULL, args[0], who};

		rc = call(cfg, db, announce_sql, 4, v, 0, out, err, errlen);
	}
	admin_row_free(&task);
	return rc;
}
