#ifndef SOLVEIT_LEADERBOARD_H
#define SOLVEIT_LEADERBOARD_H

#include "solveit_ctx.h"

/* GET <base>/api/leaderboard: users and teams ranked by the total of their best score per open
 * task, ties broken by the time that total was reached (the submission that last raised it).
 *
 *   {"tasks":[{"id","slug","title"}],
 *    "users":[{"rank","user_id","username","team","staff","score","solved","reached_at","scores":[..]}],
 *    "teams":[{"rank","team_id","name","members","score","solved","reached_at","scores":[..]}]}
 *
 * scores holds one entry per task of "tasks" (null: never judged). The body (SV_SQL_LEADERBOARD)
 * is the same for every caller, so it is cached in Redis (SolveitRedis, solveit_redis.h) for
 * SV_LEADERBOARD_TTL_MS under one key per database (sv_redis_key), computed by one request at a time (a short lock);
 * hundreds of open pages cost about one PostgreSQL query a second. Without Redis (not configured, or down) every
 * request computes it. The answer carries an ETag; a matching If-None-Match gets 304. */
int sv_api_leaderboard(sv_ctx *ctx);

#define SV_LEADERBOARD_TTL_MS 1000

/* A cached value ("etag\njson", len bytes) split into its ETag and body: 1 when it is exactly what
 * this module stores (the tag is the MD5 of the body that follows), 0 for anything else, which
 * the handler treats as a miss. */
int sv_leaderboard_cached_split(apr_pool_t *p, const char *value, apr_size_t len, const char **etag, const char **json);

#endif
