#ifndef SOLVEIT_REDIS_H
#define SOLVEIT_REDIS_H

#include "httpd.h"

#include <hiredis/hiredis.h>

/* Redis for the module (the leaderboard and scoreboard caches), over a Unix socket or TCP, with
 * AUTH when SolveitRedisPasswordFile is set; every value signed (sv_redis_get_signed / _set_signed).
 * Per child, one pool of connections per SolveitRedis address (apr_reslist, at most one connection
 * per request thread). A request checks one out and gives it back through a cleanup of its pool
 * (openidc's cache/redis.c); a connection that failed is dropped then, and the next request
 * connects afresh. After a failure that a
 * reconnect did not cure, Redis is left alone for SV_REDIS_QUIET_SEC: its callers compute
 * without it. */

#define SV_REDIS_TIMEOUT_MS 200 /* connect, each command, and the wait for a free connection */
#define SV_REDIS_QUIET_SEC  5

typedef struct sv_redis sv_redis;

/* child_init: the pools of this child, for s and its virtual hosts; threads is the most requests
 * the child serves at once. */
void solveit_redis_child_init(apr_pool_t *pchild, server_rec *s, int threads);

/* A connection for the rest of this request, or NULL when the server has no Redis, Redis is in
 * its quiet time, or no connection could be had (logged). */
sv_redis *sv_redis_acquire(request_rec *r);

/* Runs one command (hiredis format). A command that fails on a connection that waited in the
 * pool is retried once on a fresh one (Redis may have closed it meanwhile). NULL after logging
 * what failed; the connection is not used again. Free the reply with freeReplyObject. */
redisReply *sv_redis_command(sv_redis *c, const char *fmt, ...);

/* The Redis key of name for r's server: "<SolveitCachePrefix>:db=<dbname>@<host>:<port>:<name>",
 * the database part read from DBDParams (empty parts where libpq would use its defaults), so that
 * virtual hosts on different databases never share an entry and those on one database do. */
const char *sv_redis_key(request_rec *r, const char *name);

/* The database identity of DBDParams text (a libpq keyword=value list or a postgresql:// URI):
 * "db=<dbname>@<host>:<port>", or "db=<URI without user, password and options>"; never a password. */
const char *sv_redis_db_identity(apr_pool_t *p, const char *dbd_params);

/* The body of the value of name (sv_redis_key) when its MAC verifies under SolveitKeyFile's keys
 * (sv_cache_mac.h), copied to r's pool and NUL-terminated; NULL when absent, when Redis failed, or
 * when the value is not signed by this site (logged: the caller computes it and overwrites it). */
const char *sv_redis_get_signed(request_rec *r, sv_redis *c, const char *name);

/* The same check of a value the caller read itself (MGET): its body, or NULL after logging. */
const char *sv_redis_open_value(request_rec *r, const char *name, const char *value, apr_size_t value_len);

/* Stores body under name, signed, with a TTL of ttl_ms (every value expires). Failures are logged
 * by sv_redis_command. */
void sv_redis_set_signed(request_rec *r, sv_redis *c, const char *name, const char *body, apr_size_t len, int ttl_ms);

/* Whether c may still be used: not NULL, and no command on it failed. */
int sv_redis_usable(const sv_redis *c);

#endif
