#ifndef SOLVEIT_RUNS_H
#define SOLVEIT_RUNS_H

#include "solveit_ctx.h"

/* "Run on the samples" (doc/courses-and-contests.md): the code is judged on the task's sample
 * tests only, after every waiting submission, and is no submission (sql/033). */

/* POST /api/tasks/{id}/runs {language_id, code}: 202 {id, status}; 429 over 10 runs a minute,
 * 404 a task the caller may not see, 400 one without samples. */
int sv_runs_create(sv_ctx *ctx);

/* GET /api/runs/{id}: the run, its owner's only (404 otherwise). */
int sv_runs_get(sv_ctx *ctx);

#endif
