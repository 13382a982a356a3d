#ifndef SOLVEIT_STATEMENT_H
#define SOLVEIT_STATEMENT_H

/* A task's statement from Markdown to HTML: the one rendering that both the student's task page
 * (GET /api/tasks/{id}) and the staff's live preview (POST /api/admin/preview) use, so that they
 * cannot disagree. */

#include "apr_pools.h"

/* The path of a task's statement image (GET <base>/api/tasks/{id}/assets/{name}). */
const char *sv_statement_asset_path(apr_pool_t *p, const char *base, apr_int64_t task_id, const char *name);

/* GitHub-flavoured Markdown (CommonMark with tables and strikethrough) to HTML, with raw HTML and
 * dangerous URLs suppressed. An image with a bare file name for its URL (![graph](graph.png)) is
 * one of the task's assets: its URL becomes sv_statement_asset_path's, when task_id > 0. */
char *sv_statement_html(apr_pool_t *p, const char *base, apr_int64_t task_id, const char *md);

#endif
