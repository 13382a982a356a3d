#include "solveit_catalog.h"

#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"
#include "apr_thread_rwlock.h"
#include "http_log.h"

APLOG_USE_MODULE(solveit);

/* Virtual hosts whose catalogs a child keeps; one more reads its catalog on every request. */
#define SLOTS 16

static struct {
	apr_thread_rwlock_t *lock; /* readers for the length of a task list, a writer to put a newer one */
	struct {
		const server_rec *server;
		sv_catalog *catalog;
	} slot[SLOTS];
} cache;

int sv_catalog_visible(const sv_catalog_task *t, const sv_catalog_viewer *v)
{
	if (v->staff)
		return 1;
	if (!t->open)
		return 0;
	if (!t->assignment_id)
		return 1;
	if (v->now < t->opens_at)
		return 0;
	if (t->visible_to_all)
		return 1;
	for (int i = 0; i < t->nteams && v->team_id && t->teams[i] <= v->team_id; i++)
		if (t->teams[i] == v->team_id)
			return 1;
	return 0;
}

static apr_status_t destroy_catalogs(void *unused)
{
	(void)unused;
	for (int i = 0; i < SLOTS; i++)
		if (cache.slot[i].catalog)
			apr_pool_destroy(cache.slot[i].catalog->pool);
	memset(&cache, 0, sizeof(cache));
	return APR_SUCCESS;
}

void sv_catalog_child_init(apr_pool_t *pchild, server_rec *s)
{
	apr_status_t rv = apr_thread_rwlock_create(&cache.lock, pchild);

	if (rv != APR_SUCCESS) {
		ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "solveit: task catalog cache off in this child");
		cache.lock = NULL;
		return;
	}
	apr_pool_cleanup_register(pchild, NULL, destroy_catalogs, apr_pool_cleanup_null);
}

/* "3 7 9" (string_agg of ascending ids) into an array; NULL text: none. */
static void parse_teams(apr_pool_t *p, const char *text, sv_catalog_task *t)
{
	apr_array_header_t *ids = apr_array_make(p, 4, sizeof(apr_int64_t));
	char *end;

	while (text && *text) {
		long long id = strtoll(text, &end, 10);

		if (end == text)
			break;
		APR_ARRAY_PUSH(ids, apr_int64_t) = id;
		text = end;
	}
	t->nteams = ids->nelts;
	t->teams = (const apr_int64_t *)ids->elts;
}

static const char *copy(apr_pool_t *p, const char *text)
{
	return text ? apr_pstrdup(p, text) : NULL;
}

/* SV_SQL_CATALOG into p: NULL after logging when the database failed. No task at all: no row to
 * carry the version, which is then at least seen, the version the request read before. */
static sv_catalog *read_catalog(sv_db *db, apr_pool_t *p, apr_int64_t seen)
{
	apr_array_header_t *tasks = apr_array_make(p, 16, sizeof(sv_catalog_task));
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	sv_catalog *c;

	if (sv_db_select(db, SV_SQL_CATALOG, &res) < 0)
		return NULL;
	c = apr_pcalloc(p, sizeof(*c));
	row = sv_db_row(db, res, 1);
	c->version = row ? sv_db_get_ll(db, row, 0) : seen;
	for (int i = 2; row; row = sv_db_row(db, res, i++)) {
		sv_catalog_task *t = apr_array_push(tasks);

		t->id = copy(p, sv_db_get(db, row, 1));
		t->slug = copy(p, sv_db_get(db, row, 2));
		t->title = copy(p, sv_db_get(db, row, 3));
		t->time_limit_ms = copy(p, sv_db_get(db, row, 4));
		t->memory_limit_kb = copy(p, sv_db_get(db, row, 5));
		t->open = sv_db_get_bool(db, row, 6);
		t->test_count = copy(p, sv_db_get(db, row, 7));
		t->assignment_id = copy(p, sv_db_get(db, row, 8));
		t->opens_at = sv_db_get_ll(db, row, 9);
		t->visible_to_all = sv_db_get_bool(db, row, 10);
		parse_teams(p, sv_db_get(db, row, 11), t);
	}
	c->ntasks = tasks->nelts;
	c->tasks = (sv_catalog_task *)tasks->elts;
	return c;
}

static int slot_of(const server_rec *s, int claim)
{
	for (int i = 0; i < SLOTS; i++)
		if (cache.slot[i].server == s || (claim && !cache.slot[i].server)) {
			cache.slot[i].server = s;
			return i;
		}
	return -1;
}

static apr_status_t destroy_pool(void *pool)
{
	apr_pool_destroy(pool);
	return APR_SUCCESS;
}

int sv_catalog_acquire(request_rec *r, sv_db *db, apr_int64_t version, sv_catalog_hold *hold)
{
	sv_catalog *fresh, *old;
	apr_pool_t *p;
	int i;

	hold->catalog = NULL;
	hold->locked = 0;
	if (!cache.lock) {
		hold->catalog = read_catalog(db, r->pool, version);
		return hold->catalog ? 0 : -1;
	}
	apr_thread_rwlock_rdlock(cache.lock);
	i = slot_of(r->server, 0);
	if (i >= 0 && cache.slot[i].catalog && cache.slot[i].catalog->version >= version) {
		hold->catalog = cache.slot[i].catalog;
		hold->locked = 1;
		return 0;
	}
	apr_thread_rwlock_unlock(cache.lock);

	/* Read outside the lock, into a pool of its own that no other thread touches until it is
	 * published under the write lock. */
	if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS)
		return -1;
	apr_pool_tag(p, "solveit_catalog");
	if (!(fresh = read_catalog(db, p, version))) {
		apr_pool_destroy(p);
		return -1;
	}
	fresh->pool = p;
	apr_thread_rwlock_wrlock(cache.lock);
	if ((i = slot_of(r->server, 1)) < 0) {
		/* More virtual hosts than slots: this one's catalog lives as long as the request. */
		apr_thread_rwlock_unlock(cache.lock);
		apr_pool_cleanup_register(r->pool, p, destroy_pool, apr_pool_cleanup_null);
		hold->catalog = fresh;
		return 0;
	}
	/* Another thread may have put a newer one meanwhile; the older of the two goes. No reader
	 * holds either while the write lock is held. */
	old = cache.slot[i].catalog;
	if (!old || old->version < fresh->version)
		cache.slot[i].catalog = fresh;
	else
		old = fresh;
	if (old)
		apr_pool_destroy(old->pool);
	/* The write lock serves as the read lock until the list is written. */
	hold->catalog = cache.slot[i].catalog;
	hold->locked = 1;
	return 0;
}

void sv_catalog_release(sv_catalog_hold *hold)
{
	if (hold->locked)
		apr_thread_rwlock_unlock(cache.lock);
	hold->locked = 0;
	hold->catalog = NULL;
}
