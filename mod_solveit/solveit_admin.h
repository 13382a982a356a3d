#ifndef SOLVEIT_ADMIN_H
#define SOLVEIT_ADMIN_H

/* The staff API of DESIGN.md §8 under <base>/api/admin/ (issue 12). Every route is staff only and
 * takes its body itself (the router's rows say SV_BODY_NONE), so the CSRF token of a change comes
 * in the X-CSRF-Token header and is checked before the body is read. Every change is one call of
 * a solveit_admin_* function of sql/023, which writes the change and its staff_audit row in one
 * transaction and answers the status and JSON body sent back. */

#include <cjson/cJSON.h>

#include "solveit_admin_text.h"
#include "solveit_ctx.h"

/* solveit_admin_tasks.c */
int sv_admin_tasks_list(sv_ctx *ctx);
int sv_admin_task_create(sv_ctx *ctx);
int sv_admin_task_get(sv_ctx *ctx);
int sv_admin_task_update(sv_ctx *ctx);
int sv_admin_task_delete(sv_ctx *ctx);

/* solveit_admin_tests.c */
int sv_admin_tests_list(sv_ctx *ctx);
int sv_admin_test_create(sv_ctx *ctx);
int sv_admin_test_update(sv_ctx *ctx);
int sv_admin_test_delete(sv_ctx *ctx);
int sv_admin_test_input(sv_ctx *ctx);
int sv_admin_test_answer(sv_ctx *ctx);
int sv_admin_tests_archive(sv_ctx *ctx);

/* solveit_admin_judging.c */
int sv_admin_submissions_list(sv_ctx *ctx);
int sv_admin_submission_get(sv_ctx *ctx);
int sv_admin_rejudge(sv_ctx *ctx);
int sv_admin_audit_list(sv_ctx *ctx);
int sv_admin_grades_csv(sv_ctx *ctx);

/* solveit_admin_import.c: POST /api/admin/tasks/import, a problem package (multipart field
 * "package", a zip; optional field "slug") read with sv_package_read_zip and stored with
 * sv_package_store. Answers 201 with {"task_id","slug","revision","created","tests","warnings"} for
 * a new task, 200 for a new revision of an existing one, 400 with the reason when the package
 * cannot be imported (then nothing is written). */
int sv_admin_import(sv_ctx *ctx);

/* solveit_admin_people.c */
int sv_admin_users_list(sv_ctx *ctx);
int sv_admin_user_create(sv_ctx *ctx);
int sv_admin_user_update(sv_ctx *ctx);
int sv_admin_users_import(sv_ctx *ctx);
int sv_admin_teams_list(sv_ctx *ctx);
int sv_admin_team_create(sv_ctx *ctx);
int sv_admin_team_update(sv_ctx *ctx);
int sv_admin_team_delete(sv_ctx *ctx);

/* solveit_admin_stats.c (people and grades pages): GET /api/admin/statistics, per-task figures of
 * students' submissions (sql/027). */
int sv_admin_statistics(sv_ctx *ctx);

/* solveit_admin_assets.c (tasks pages): the statement's live preview, POST /api/admin/preview
 * {"markdown", "task_id"?} -> {"html"}, rendered as GET /api/tasks/{id} renders it; a task's images,
 * GET/POST /api/admin/tasks/{id}/assets (multipart field "file", optional "name"),
 * DELETE /api/admin/tasks/{id}/assets/{name}, and GET /api/tasks/{id}/assets/{name} for students
 * (an open task's only) and staff. */
int sv_admin_preview(sv_ctx *ctx);
int sv_admin_assets_list(sv_ctx *ctx);
int sv_admin_asset_upload(sv_ctx *ctx);
int sv_admin_asset_delete(sv_ctx *ctx);
int sv_api_task_asset(sv_ctx *ctx);

/* solveit_admin_selfcheck.c (the tests page): GET /api/admin/tasks/{id}/self-check, each package
 * submission of the task with its latest run; POST queues the next round (sql/026) and answers 202
 * {"phase","queued","count","unsent"}. */
int sv_admin_selfcheck_get(sv_ctx *ctx);
int sv_admin_selfcheck_run(sv_ctx *ctx);

/* solveit_admin_settings.c: GET /api/admin/settings, the settings of sql/024 with their kinds and
 * allowed values; PUT /api/admin/settings {"key": value, ...} (null: back to the default), checked
 * by the database, all or none, audited. */
int sv_admin_settings_get(sv_ctx *ctx);
int sv_admin_settings_put(sv_ctx *ctx);

/* solveit_assignments.c (issue 13, doc/courses-and-contests.md): GET /api/assignments, the
 * assignments the student sees; GET/POST /api/admin/assignments, GET/PUT/DELETE
 * /api/admin/assignments/{id}, each change one solveit_admin_assignment_save call (sql/030). */
int sv_api_assignments(sv_ctx *ctx);
int sv_admin_assignments_list(sv_ctx *ctx);
int sv_admin_assignment_get(sv_ctx *ctx);
int sv_admin_assignment_create(sv_ctx *ctx);
int sv_admin_assignment_update(sv_ctx *ctx);
int sv_admin_assignment_delete(sv_ctx *ctx);

/* ---- Shared by the files above (solveit_admin.c) ---------------------------------------------- */

/* The staff API's statements, prepared on each pooled connection the first time one is used there
 * (mod_dbd prepares only what was registered at configuration time). */
typedef enum {
	SV_ADM_TASKS_LIST,
	SV_ADM_TASK_GET,
	SV_ADM_TASK_SAVE,
	SV_ADM_TASK_DELETE,
	SV_ADM_TESTS_LIST,
	SV_ADM_TEST_SAVE,
	SV_ADM_TEST_DELETE,
	SV_ADM_TEST_DATA,
	SV_ADM_TESTS_ADD,
	SV_ADM_SUBMISSIONS_LIST,
	SV_ADM_SUBMISSION_EXTRA,
	SV_ADM_REJUDGE,
	SV_ADM_REJUDGE_UNSENT,
	SV_ADM_AUDIT_LIST,
	SV_ADM_USERS_LIST,
	SV_ADM_USER_SAVE,
	SV_ADM_USERS_IMPORT,
	SV_ADM_TEAMS_LIST,
	SV_ADM_TEAM_SAVE,
	SV_ADM_GRADES_CSV,
	/* tasks pages: statement images (solveit_admin_assets.c) */
	SV_ADM_ASSETS_LIST,
	SV_ADM_ASSET_SAVE,
	SV_ADM_ASSET_DELETE,
	SV_ADM_ASSET_GET,
	/* the tests page (solveit_admin_selfcheck.c) */
	SV_ADM_SELFCHECK_GET,
	SV_ADM_SELFCHECK_RUN,
	SV_ADM_SETTINGS_GET,
	SV_ADM_SETTINGS_SAVE,
	/* issue 13: assignments (solveit_assignments.c, sql/030) */
	SV_ADM_ASSIGNMENTS_LIST,
	SV_ADM_ASSIGNMENT_GET,
	SV_ADM_ASSIGNMENT_SAVE,
	SV_ADM_ASSIGNMENTS_STUDENT,
	SV_ADM_GRADES_ASSIGNMENT_CSV,
	SV_ADM_COUNT
} sv_admin_sql;

/* Runs statement q with string arguments (NULL for SQL NULL), as many as it has placeholders.
 * Returns 0, or -1 after logging. */
int sv_admin_select(sv_ctx *ctx, sv_admin_sql q, apr_dbd_results_t **res, ...);

/* Runs a statement whose one row is (status, JSON body) and sends that: the solveit_admin_*
 * functions' answers. */
int sv_admin_send_call(sv_ctx *ctx, sv_admin_sql q, ...);

/* Runs a statement whose one row holds a JSON text and sends it with 200; 404 with not_found when
 * the value is NULL. */
int sv_admin_send_row(sv_ctx *ctx, const char *not_found, sv_admin_sql q, ...);

/* Reads the request body (at most limit bytes), which must be a JSON object whose members are
 * fields[] (the last has a NULL name) of their kind and range, with every name of required[]
 * (NULL-terminated, or NULL) present and not null. Returns the object, or NULL after sending a
 * 400 (413, 415) that names the field. */
cJSON *sv_admin_json_body(sv_ctx *ctx, apr_size_t limit, const sv_admin_field *fields, const char *const *required);

/* Sends one queued submission to Kafka as sv_submit does, from a row whose first nine columns are
 * id, task_id, user_id, team_id, code, language_id, submitted_at, attempt, revision (what
 * solveit_admin_rejudge and solveit_admin_selfcheck answer). A message that cannot be queued is
 * marked unsent for the result-sink's sweeper. Returns whether it was queued. */
int sv_admin_send_submission(sv_ctx *ctx, apr_dbd_row_t *row);

/* Reads a request body of any kind the module parses (multipart for uploads) into ctx->in; 0, or
 * the status already sent. */
int sv_admin_read_body(sv_ctx *ctx, apr_size_t limit);

/* A query argument (decoded), or NULL when absent or empty. */
const char *sv_admin_arg(sv_ctx *ctx, const char *name);

/* A positive integer query argument no larger than max: def when absent, -1 (after sending a 400
 * naming it) when malformed. */
apr_int64_t sv_admin_int_arg(sv_ctx *ctx, const char *name, apr_int64_t def, apr_int64_t max);

/* The caller's id and the route's name ("PUT /api/admin/tasks/{id}"), as the audit records them. */
const char *sv_admin_actor(sv_ctx *ctx);
const char *sv_admin_action(sv_ctx *ctx);
const char *sv_admin_id_text(sv_ctx *ctx, apr_int64_t id);

/* Sends len bytes as a download named filename. */
int sv_admin_send_file(sv_ctx *ctx, const char *content_type, const char *filename, const char *bytes, apr_size_t len);

/* JSON text of body for a statement argument (freed with r->pool). */
const char *sv_admin_json_text(request_rec *r, const cJSON *body);

#define SV_ADMIN_JSON_LIMIT   (64 * 1024 * 1024) /* test data travels in JSON */
#define SV_ADMIN_UPLOAD_LIMIT (64 * 1024 * 1024)
#define SV_ADMIN_FORM_LIMIT   (1024 * 1024)

#endif
