#include "solveit_session.h"

#include <string.h>

#include <openssl/evp.h>

#include "apr_atomic.h"
#include "apr_general.h"
#include "apr_hash.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "apr_thread_rwlock.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_config.h"
#include "solveit_text.h"

APLOG_USE_MODULE(solveit);

#define TOKEN_BYTES 32   /* 256 bits */
#define TOUCH_EVERY 60   /* seconds between last_seen_at writes: idle expiry is that coarse */
#define CACHE_MAX   4096 /* rows stored per child between two clears of the table */

/* __Host- requires Secure and Path=/, so it is only used over TLS; plain HTTP (development) gets
 * a path-scoped cookie without the prefix. */
static const char *cookie_name(request_rec *r)
{
	return sv_is_tls(r) ? "__Host-solveit_session" : "solveit_session";
}

static const char *cookie_attributes(request_rec *r)
{
	if (sv_is_tls(r))
		return "; Path=/; Secure; HttpOnly; SameSite=Lax";
	return apr_pstrcat(r->pool, "; Path=", sv_cfg_base_path(solveit_config_get(r->server)),
			   "; HttpOnly; SameSite=Lax", NULL);
}

const char *sv_session_cookie(request_rec *r)
{
	const char *header = apr_table_get(r->headers_in, "Cookie");
	const char *name = cookie_name(r);
	apr_size_t nlen = strlen(name);

	while (header && *header) {
		while (*header == ' ' || *header == ';')
			header++;
		if (!strncmp(header, name, nlen) && header[nlen] == '=') {
			const char *v = header + nlen + 1;
			apr_size_t vlen = strcspn(v, "; ");

			/* Our tokens are 64 hex digits; anything else is not ours. */
			if (vlen != 2 * TOKEN_BYTES)
				return NULL;
			for (apr_size_t i = 0; i < vlen; i++)
				if (!strchr("0123456789abcdef", v[i]))
					return NULL;
			return apr_pstrmemdup(r->pool, v, vlen);
		}
		header = strchr(header, ';');
	}
	return NULL;
}

const char *sv_session_hash(apr_pool_t *p, const char *token)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL) != 1)
		return NULL;
	return sv_hex(p, md, mdlen);
}

static const char *random_hex(request_rec *r)
{
	unsigned char bytes[TOKEN_BYTES];

	if (apr_generate_random_bytes(bytes, sizeof(bytes)) != APR_SUCCESS)
		return NULL;
	return sv_hex(r->pool, bytes, sizeof(bytes));
}

/* ---- the per-child cache (solveit_session.h explains it) ---- */

typedef struct {
	sv_session sess;          /* strings in cache.pool; staff as the database says */
	const server_rec *server; /* the virtual host that read it: its database, its SolveitStaff */
	apr_time_t until;
} cache_entry;

static struct {
	apr_thread_rwlock_t *lock; /* readers on every hit, a writer once a TTL per session */
	apr_pool_t *pool;          /* the entries and their strings */
	apr_hash_t *entries;       /* token hash -> cache_entry */
	apr_uint32_t epoch;        /* the shared counter's value the entries were read under */
	unsigned puts;             /* since the last clear: bounds the pool, which never frees a thing */
} cache;

/* Bumped by sv_session_forget_all in any child; NULL: no cache. One per httpd generation: after a
 * graceful restart the old children keep the old counter until they exit. */
static volatile apr_uint32_t *shared_epoch;

apr_status_t sv_session_cache_post_config(apr_pool_t *pconf, server_rec *s)
{
	apr_shm_t *shm;
	apr_status_t rv;

	shared_epoch = NULL;
	if ((rv = apr_shm_create(&shm, sizeof(apr_uint32_t), NULL, pconf)) != APR_SUCCESS) {
		ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
			     "solveit: no anonymous shared memory: sessions are looked up in the database on every "
			     "request");
		return rv;
	}
	shared_epoch = apr_shm_baseaddr_get(shm);
	apr_atomic_set32(shared_epoch, 0);
	return APR_SUCCESS;
}

void sv_session_cache_child_init(apr_pool_t *pchild, server_rec *s)
{
	apr_status_t rv;

	if (!shared_epoch)
		return;
	if ((rv = apr_thread_rwlock_create(&cache.lock, pchild)) != APR_SUCCESS ||
	    (rv = apr_pool_create(&cache.pool, pchild)) != APR_SUCCESS) {
		ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "solveit: session cache off in this child");
		cache.lock = NULL;
		return;
	}
	apr_pool_tag(cache.pool, "solveit_session_cache");
	cache.entries = apr_hash_make(cache.pool);
}

void sv_session_forget_all(void)
{
	if (shared_epoch)
		apr_atomic_inc32(shared_epoch);
}

static const char *token_hash_of_request(request_rec *r)
{
	const char *token = sv_session_cookie(r);

	return token ? sv_session_hash(r->pool, token) : NULL;
}

int sv_session_cached(request_rec *r, sv_session **out)
{
	const char *hash;
	const cache_entry *e;
	sv_session *sess = NULL;

	*out = NULL;
	if (!cache.lock || !(hash = token_hash_of_request(r)))
		return 0;
	apr_thread_rwlock_rdlock(cache.lock);
	e = apr_hash_get(cache.entries, hash, APR_HASH_KEY_STRING);
	if (e && e->server == r->server && cache.epoch == apr_atomic_read32(shared_epoch) &&
	    apr_time_now() < e->until) {
		sess = apr_pmemdup(r->pool, &e->sess, sizeof(*sess));
		sess->username = apr_pstrdup(r->pool, e->sess.username);
		sess->staff = e->sess.staff || sv_cfg_is_staff_name(solveit_config_get(r->server), sess->username);
		sess->team = e->sess.team ? apr_pstrdup(r->pool, e->sess.team) : NULL;
		sess->csrf_token = apr_pstrdup(r->pool, e->sess.csrf_token);
		sess->token_hash = hash;
	}
	apr_thread_rwlock_unlock(cache.lock);
	*out = sess;
	return sess != NULL;
}

/* read_epoch: the shared counter before the row was read. When a session ended since, this row
 * may be the ended one: it is not kept. */
static void cache_put(request_rec *r, const sv_session *sess, int db_staff, int valid_seconds, apr_uint32_t read_epoch)
{
	apr_time_t now = apr_time_now(), until = now + SV_SESSION_CACHE_TTL;
	apr_uint32_t epoch;
	cache_entry *e;

	if (!cache.lock || valid_seconds <= 0)
		return;
	if (until > now + apr_time_from_sec(valid_seconds))
		until = now + apr_time_from_sec(valid_seconds);
	apr_thread_rwlock_wrlock(cache.lock);
	/* Entries read under an older counter are dead: drop them all (this also bounds the table). */
	epoch = apr_atomic_read32(shared_epoch);
	if (epoch != read_epoch) {
		apr_thread_rwlock_unlock(cache.lock);
		return;
	}
	if (epoch != cache.epoch || cache.puts >= CACHE_MAX) {
		apr_pool_clear(cache.pool);
		cache.entries = apr_hash_make(cache.pool);
		cache.puts = 0;
		cache.epoch = epoch;
	}
	cache.puts++;
	e = apr_hash_get(cache.entries, sess->token_hash, APR_HASH_KEY_STRING);
	if (!e) {
		e = apr_palloc(cache.pool, sizeof(*e));
		e->sess.token_hash = apr_pstrdup(cache.pool, sess->token_hash);
		apr_hash_set(cache.entries, e->sess.token_hash, APR_HASH_KEY_STRING, e);
	}
	/* A refreshed entry's old strings stay in the pool until the next clear. */
	e->sess.user_id = sess->user_id;
	e->sess.username = apr_pstrdup(cache.pool, sess->username);
	e->sess.staff = db_staff;
	e->server = r->server;
	e->sess.team_id = sess->team_id;
	e->sess.team = sess->team ? apr_pstrdup(cache.pool, sess->team) : NULL;
	e->sess.csrf_token = apr_pstrdup(cache.pool, sess->csrf_token);
	e->until = until;
	apr_thread_rwlock_unlock(cache.lock);
}

int sv_session_load(request_rec *r, sv_db *db, sv_session **out)
{
	solveit_config *c = solveit_config_get(r->server);
	const char *hash, *idle;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	sv_session *sess;
	apr_uint32_t read_epoch = shared_epoch ? apr_atomic_read32(shared_epoch) : 0;
	int age;

	*out = NULL;
	if (!(hash = token_hash_of_request(r)))
		return 0;
	idle = apr_itoa(r->pool, sv_cfg_session_idle(c));
	if (sv_db_select(db, SV_SQL_SESSION_GET, &res, idle, hash, idle) < 0)
		return -1;
	if (!(row = sv_db_row(db, res, 1)))
		return 0;
	sess = apr_pcalloc(r->pool, sizeof(*sess));
	sess->user_id = sv_db_get_ll(db, row, 0);
	sess->username = sv_db_get(db, row, 1);
	sess->staff = sv_db_get_bool(db, row, 2);
	sess->team_id = sv_db_get_ll(db, row, 3);
	sess->team = sv_db_get(db, row, 4);
	sess->csrf_token = sv_db_get(db, row, 5);
	sess->token_hash = hash;
	cache_put(r, sess, sess->staff, (int)sv_db_get_ll(db, row, 7), read_epoch);
	sess->staff = sess->staff || sv_cfg_is_staff_name(c, sess->username);
	age = (int)sv_db_get_ll(db, row, 6);
	if (age >= TOUCH_EVERY)
		sv_db_query(db, SV_SQL_SESSION_TOUCH, NULL, hash);
	*out = sess;
	return 0;
}

static void set_cookie(request_rec *r, const char *value, int max_age)
{
	apr_table_add(
	    r->err_headers_out, "Set-Cookie",
	    apr_psprintf(r->pool, "%s=%s; Max-Age=%d%s", cookie_name(r), value, max_age, cookie_attributes(r)));
}

sv_session *sv_session_create(request_rec *r, sv_db *db, apr_int64_t user_id, const char *username, int staff,
			      apr_int64_t team_id, const char *team)
{
	solveit_config *c = solveit_config_get(r->server);
	const char *token = random_hex(r), *csrf = random_hex(r);
	sv_session *sess;

	if (!token || !csrf) {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "solveit: no random bytes for a session token");
		return NULL;
	}
	sess = apr_pcalloc(r->pool, sizeof(*sess));
	sess->user_id = user_id;
	sess->username = username;
	sess->staff = staff;
	sess->team_id = team_id;
	sess->team = team;
	sess->csrf_token = csrf;
	sess->token_hash = sv_session_hash(r->pool, token);
	if (sv_db_query(db, SV_SQL_SESSION_CREATE, NULL, sess->token_hash,
			apr_psprintf(r->pool, "%" APR_INT64_T_FMT, user_id), csrf,
			apr_itoa(r->pool, sv_cfg_session_lifetime(c)), r->useragent_ip) < 0)
		return NULL;
	set_cookie(r, token, sv_cfg_session_lifetime(c));
	return sess;
}

void sv_session_clear_cookie(request_rec *r)
{
	set_cookie(r, "", 0);
}

void sv_session_destroy(request_rec *r, sv_db *db, const sv_session *sess)
{
	if (sess) {
		sv_db_query(db, SV_SQL_SESSION_DELETE, NULL, sess->token_hash);
		sv_session_forget_all();
	}
	sv_session_clear_cookie(r);
}

int sv_origin_check(request_rec *r, const char **err)
{
	const char *origin = apr_table_get(r->headers_in, "Origin");
	const char *host = apr_table_get(r->headers_in, "Host");
	const char *expected;

	if (!host)
		host = r->hostname ? r->hostname : "";
	expected = apr_pstrcat(r->pool, ap_http_scheme(r), "://", host, NULL);
	if (origin) {
		if (strcasecmp(origin, expected) == 0)
			return 0;
		*err = "cross-origin request refused";
		return HTTP_FORBIDDEN;
	}
	/* Some browsers omit Origin on same-origin form posts; the Referer then tells. */
	origin = apr_table_get(r->headers_in, "Referer");
	if (origin) {
		apr_size_t n = strlen(expected);

		if (strncasecmp(origin, expected, n) == 0 && (origin[n] == '/' || origin[n] == '\0'))
			return 0;
		*err = "cross-origin request refused";
		return HTTP_FORBIDDEN;
	}
	/* No browser context at all (curl, scripts): nothing to forge, the CSRF token still applies. */
	return 0;
}

int sv_csrf_check(request_rec *r, const sv_session *sess, const sv_input *in, const char **err)
{
	const char *token = apr_table_get(r->headers_in, "X-CSRF-Token");

	if (!token && in)
		token = sv_input_get(r, in, "csrf_token", NULL, NULL);
	if (!token || !*token) {
		*err = "missing CSRF token (send the X-CSRF-Token header or a csrf_token field)";
		return HTTP_FORBIDDEN;
	}
	if (!sess->csrf_token || !sv_secure_equal(token, sess->csrf_token)) {
		*err = "invalid CSRF token";
		return HTTP_FORBIDDEN;
	}
	return 0;
}
