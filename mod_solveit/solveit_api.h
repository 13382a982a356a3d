#ifndef SOLVEIT_API_H
#define SOLVEIT_API_H

#include "solveit_ctx.h"

/* The read side of the HTTP API (DESIGN.md §3). */

int sv_api_health(sv_ctx *ctx);
int sv_api_languages(sv_ctx *ctx);
int sv_api_tasks(sv_ctx *ctx);
int sv_api_task(sv_ctx *ctx); /* ctx->id */
int sv_api_submissions(sv_ctx *ctx);
int sv_api_submission(sv_ctx *ctx); /* ctx->id */

/* Builders shared with the HTML pages. NULL with ctx->fail_* set when there is nothing to show
 * (401/404/503). */
cJSON *sv_api_tasks_body(sv_ctx *ctx);
cJSON *sv_api_task_body(sv_ctx *ctx, apr_int64_t id);
cJSON *sv_api_submission_body(sv_ctx *ctx, apr_int64_t id);
cJSON *sv_api_languages_array(sv_ctx *ctx);

#endif
