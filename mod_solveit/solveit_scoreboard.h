#ifndef SOLVEIT_SCOREBOARD_H
#define SOLVEIT_SCOREBOARD_H

#include "solveit_ctx.h"

/* GET <base>/api/assignments/{id}/scoreboard: a contest's ICPC board (doc/courses-and-contests.md,
 * "Contests"; computed by sql/031's solveit_scoreboard). Students get it for a contest they see
 * that has opened, frozen while it is (submissions from freeze_at shown as pending only); staff
 * get any contest's live board with "frozen_for_students"; 404 otherwise. The row of the caller
 * has "you": true.
 *
 * Each view (students', staff's) of a contest is the same for every caller, so it is cached in
 * Redis as the leaderboard is (sv_cached_json, one key per contest and view, about a second);
 * who may see it comes with the cached body and is checked on every request. The ETag is the
 * MD5 of the body sent without its "now", so a poll of an unchanged board gets 304. */
int sv_api_scoreboard(sv_ctx *ctx);

#endif
