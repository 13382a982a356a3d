#ifndef TASK_REDIS_H
#define TASK_REDIS_H

#include "task_data.h"
#include "worker_config.h"

/* The Redis cache of task metadata (task_store.h): over a Unix socket or TCP (--redis), with AUTH
 * (--redis-password-file), every value signed with the keys of --key-file (sv_cache_mac.h) and used
 * only when its MAC verifies, it is the task and revision of its key, and its limits are within the
 * schema's bounds (task_check_bounds); anything else is a logged miss. A failure (down, slow,
 * password refused, NOAUTH, garbage) is logged once per connection and Redis is retried after a
 * back-off. */

typedef struct task_redis task_redis;

/* One judging thread's connection (hiredis contexts are not shared). Zeroed to start. */
typedef struct {
	struct redisContext *redis;
	double retry_at; /* monotonic ms */
	unsigned failures;
} task_redis_conn;

/* Reads the settings: *out NULL when there is no cache (--redis none, or no --key-file: logged).
 * -1 with err naming the option when the address, the password file or the key file is bad. */
int task_redis_open(const worker_config *cfg, task_redis **out, char *err, size_t errlen);
void task_redis_close(task_redis *redis);

/* 1 when conn is connected (and authenticated), connecting when it is time to; 0 otherwise. */
int task_redis_ready(const task_redis *redis, task_redis_conn *conn);

/* 1: *task filled from the cache (test bytes and validator source not loaded); 0: not cached, or
 * refused (logged); -1: Redis failed. */
int task_redis_get(const task_redis *redis, task_redis_conn *conn, long long task_id, int revision, task_data *task);

/* Stores the task's metadata, signed, for --cache-ttl. */
void task_redis_put(const task_redis *redis, task_redis_conn *conn, const task_data *task);

void task_redis_conn_close(task_redis_conn *conn);

#endif
