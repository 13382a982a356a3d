#ifndef SOLVEIT_SUBMIT_H
#define SOLVEIT_SUBMIT_H

#include "solveit_ctx.h"

/* POST /api/submissions: validate, insert as pending, produce to Kafka, answer 202. */
int sv_submit(sv_ctx *ctx);

/* The language and source checks of a submission, shared with the sample runs (solveit_runs.c):
 * language_id an enabled language, code (the field, or an uploaded code_file) present, not empty,
 * within SolveitMaxSourceSize, no NUL, valid UTF-8. Returns 0 with *language_id, *code and
 * *code_len set, or an HTTP status with the client's message in *err. */
int sv_submit_check_source(sv_ctx *ctx, const sv_input *in, int *language_id, const char **code, apr_size_t *code_len,
			   const char **err);

#endif
