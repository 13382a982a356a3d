#ifndef SOLVEIT_SUBMIT_H
#define SOLVEIT_SUBMIT_H

#include "solveit_ctx.h"

/* POST /api/submissions: validate, insert as pending, produce to Kafka, answer 202. */
int sv_submit(sv_ctx *ctx);

#endif
