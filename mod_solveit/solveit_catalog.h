#ifndef SOLVEIT_CATALOG_H
#define SOLVEIT_CATALOG_H

#include "httpd.h"

#include "solveit_db.h"

/*
 * The task list's catalog, kept by each child of httpd (issue 16). GET /api/tasks used to join
 * tasks, assignments and their teams and find the caller's best score per task in one statement,
 * 0.09 ms of a backend's CPU a request. Now the request runs SV_SQL_TASK_BEST only: the catalog's
 * version (sql/038: bumped at the commit of any change to what is kept here), the caller's team,
 * the database's clock and the caller's rows of task_best. The child reads the catalog again
 * (SV_SQL_CATALOG) only when the version it holds is older than that.
 *
 * Which tasks a student sees is decided here from the catalog and the request's row, with
 * PostgreSQL's clock and the team as the database has it now: what solveit_task_visible (sql/029,
 * 036) decides for the task page, written in C. tests/integration/test_task_list_cache.py holds
 * the two to the same answers.
 */

/* One task as the list shows it. Numbers are PostgreSQL's text, copied into the JSON as they are. */
typedef struct {
	const char *id, *slug, *title, *time_limit_ms, *memory_limit_kb, *test_count;
	const char *assignment_id; /* NULL: in no assignment */
	int open;
	/* The assignment's, when there is one. */
	apr_int64_t opens_at; /* microseconds since the epoch */
	int visible_to_all;
	int nteams;
	const apr_int64_t *teams; /* the teams that see it when not visible_to_all, ascending */
} sv_catalog_task;

typedef struct {
	apr_int64_t version;
	int ntasks;
	sv_catalog_task *tasks; /* in the list's order: position, id */
	apr_pool_t *pool;       /* an unmanaged pool of its own when a child keeps it, else NULL */
} sv_catalog;

/* Who looks, and when. */
typedef struct {
	int staff;
	apr_int64_t team_id; /* 0: none */
	apr_int64_t now;     /* the database's clock, microseconds since the epoch */
} sv_catalog_viewer;

/* Whether the viewer sees the task in the list: staff see every task; a student an open one in
 * no assignment, or in an assignment that has opened and that is for everyone or for their team. */
int sv_catalog_visible(const sv_catalog_task *t, const sv_catalog_viewer *v);

/* A catalog in hand: the child's, under its read lock, or one read for this request alone. */
typedef struct {
	const sv_catalog *catalog;
	int locked;
} sv_catalog_hold;

/* child_init: the lock of the child's catalogs (one per virtual host, each may have its own
 * database). Without it every request reads the catalog. */
void sv_catalog_child_init(apr_pool_t *pchild, server_rec *s);

/* The catalog of r's virtual host at version or newer, from the child when it holds one, else
 * read from db (and kept). Returns 0 with *hold set, to be given back with sv_catalog_release
 * before the request ends, or -1 after logging when the database failed. */
int sv_catalog_acquire(request_rec *r, sv_db *db, apr_int64_t version, sv_catalog_hold *hold);
void sv_catalog_release(sv_catalog_hold *hold);

#endif
