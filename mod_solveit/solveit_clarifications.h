#ifndef SOLVEIT_CLARIFICATIONS_H
#define SOLVEIT_CLARIFICATIONS_H

/* Clarifications (issue 13, doc/courses-and-contests.md): questions on a task or an assignment and
 * staff's answers, private or to all, and announcements. The logic (who sees what, the limits,
 * the audit) is sql/032_clarifications.sql's; these handlers check the JSON and pass it on. */

#include <cjson/cJSON.h>

#include "solveit_ctx.h"

/* GET /api/clarifications?task_id=&assignment_id=: the caller's questions and the public answers. */
int sv_clarifications_list(sv_ctx *ctx);

/* POST /api/clarifications {task_id | assignment_id, question}: 201 with the question. */
int sv_clarification_ask(sv_ctx *ctx);

/* GET /api/admin/clarifications?status=unanswered|answered|all&task_id=&assignment_id=. */
int sv_admin_clarifications_list(sv_ctx *ctx);

/* POST /api/admin/clarifications {task_id | assignment_id | neither, answer}: an announcement. */
int sv_admin_clarification_announce(sv_ctx *ctx);

/* PUT /api/admin/clarifications/{id} {answer, public}: answers it, or answers it again. */
int sv_admin_clarification_answer(sv_ctx *ctx);

/* Adds "unanswered_clarifications": N to a staff account's /api/me body; left out when the
 * database cannot tell (the staff navigation then shows no count). */
void sv_clarifications_add_unanswered(sv_ctx *ctx, cJSON *body);

#endif
