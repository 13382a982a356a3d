#ifndef TASK_STORE_H
#define TASK_STORE_H

#include <stddef.h>

#include "task_data.h"
#include "worker_config.h"

/* Task data for judging: the metadata from Redis first (key with the task's revision), PostgreSQL on
 * a miss; the test files' bytes from the local file cache (test_cache.h, --test-cache-dir), which
 * fetches what it lacks from the blobs table by SHA-256.
 *
 * The current revision of every task is kept in memory by a watcher thread that re-reads
 * "SELECT id, revision FROM tasks" every --revision-poll-ms (and at once on a NOTIFY on channel
 * solveit_task_revision, if the schema sends one), so a warm cache costs no PostgreSQL query per
 * submission. A task the watcher has not seen yet is read from PostgreSQL directly.
 *
 * Redis (task_redis.h) is only a cache, and not trusted: over a Unix socket or TCP (--redis), with
 * AUTH (--redis-password-file), every value signed with the keys of --key-file (sv_cache_mac.h) and
 * used only when its MAC verifies and its limits are within the schema's bounds (task_check_bounds);
 * anything else is a logged miss that PostgreSQL answers and overwrites. It holds no test bytes
 * and no validator source (read from PostgreSQL on a hit). When Redis is down, slow
 * (--redis-timeout-ms), refuses the password or answers garbage, the data comes from PostgreSQL,
 * the failure is logged once, and Redis is retried after a back-off. Without --key-file the cache
 * is off. */

typedef struct task_store task_store;
typedef struct task_conn task_conn;

typedef enum {
	TASK_OK = 0,
	/* no such task, or its data is broken (a test file missing from the database or not matching
	 * its hash): the submission cannot be judged; err says which */
	TASK_NOT_FOUND,
	/* PostgreSQL unreachable (or the test cache's disk failing) and nothing usable cached: try
	 * again later */
	TASK_DB_DOWN,
} task_status;

/* Opens the test cache (fails, with err naming the directory, when it cannot be created or
 * written) and starts the revision watcher. Never fails because a service is down. */
int task_store_open(const worker_config *cfg, task_store **out, char *err, size_t errlen);
void task_store_close(task_store *store);

/* One per judging thread (libpq and hiredis connections are not shared). */
task_conn *task_conn_new(task_store *store);
void task_conn_free(task_conn *conn);

/* Fills *task (task_data_free it) for TASK_OK; err says why otherwise. */
task_status task_store_get(task_conn *conn, long long task_id, int min_revision, task_data *task, char *err,
			   size_t errlen);

#endif
