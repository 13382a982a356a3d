#include "solveit_redis.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_reslist.h"
#include "apr_strings.h"
#include "http_log.h"

#include "solveit_config.h"
#include "solveit_metrics.h"
#include "sv_cache_mac.h"

APLOG_USE_MODULE(solveit);

#define IDLE_TTL_SEC 60 /* an idle connection is closed after this */

struct sv_redis {
	redisContext *context;
	const sv_redis_address *address;
	server_rec *s;
	const char *password; /* SolveitRedisPasswordFile's, or NULL */
	int pooled;           /* waited in the pool since its last use: may have been closed by Redis */
	int broken;
	apr_reslist_t *pool;
	request_rec *r; /* the request holding it */
};

/* sv_redis_address -> apr_reslist_t, filled in child_init and only read after. */
static apr_hash_t *pools;

/* Set after a failure; racy reads across threads only make a request try Redis once more. */
static volatile apr_time_t quiet_until;

static const char *address_text(apr_pool_t *p, const sv_redis_address *a)
{
	return a->path ? a->path : apr_psprintf(p, "%s:%d", a->host, a->port);
}

static void failed(sv_redis *c, const char *what)
{
	const char *why = c->context && c->context->errstr[0] ? c->context->errstr : "no reply";

	if (c->r)
		ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, c->r,
			      "solveit: Redis %s: %s failed (%s); not used for %d s",
			      address_text(c->r->pool, c->address), what, why, SV_REDIS_QUIET_SEC);
	else
		ap_log_error(APLOG_MARK, APLOG_WARNING, 0, c->s, "solveit: Redis %s failed (%s); not used for %d s",
			     what, why, SV_REDIS_QUIET_SEC);
	c->broken = 1;
	quiet_until = apr_time_now() + apr_time_from_sec(SV_REDIS_QUIET_SEC);
	sv_metrics_redis_error();
}

/* AUTH with SolveitRedisPasswordFile's password; a refusal is logged (never the password). */
static int authenticate(sv_redis *c)
{
	redisReply *reply;
	char where[300];
	int ok;

	if (!c->password)
		return 0;
	if (!(reply = redisCommand(c->context, "AUTH %s", c->password))) {
		failed(c, "AUTH");
		return -1;
	}
	if (!(ok = reply->type == REDIS_REPLY_STATUS)) {
		ap_log_error(
		    APLOG_MARK, APLOG_ERR, 0, c->s,
		    "solveit: Redis %s refused the password of " SV_DIR_REDIS_PASSWORD_FILE
		    " (%.200s); the cache is not used for %d s, pages are computed from the database",
		    c->address->path
			? c->address->path
			: (apr_snprintf(where, sizeof(where), "%s:%d", c->address->host, c->address->port), where),
		    reply->type == REDIS_REPLY_ERROR ? reply->str : "no status", SV_REDIS_QUIET_SEC);
		c->broken = 1;
		quiet_until = apr_time_now() + apr_time_from_sec(SV_REDIS_QUIET_SEC);
		sv_metrics_redis_error();
	}
	freeReplyObject(reply);
	return ok ? 0 : -1;
}

static int connect_context(sv_redis *c)
{
	struct timeval tv = {0, SV_REDIS_TIMEOUT_MS * 1000};
	const sv_redis_address *a = c->address;

	c->context = a->path ? redisConnectUnixWithTimeout(a->path, tv) : redisConnectWithTimeout(a->host, a->port, tv);
	if (!c->context || c->context->err) {
		failed(c, "connect");
		return -1;
	}
	if (redisSetTimeout(c->context, tv) != REDIS_OK) {
		failed(c, "set timeout");
		return -1;
	}
	return authenticate(c);
}

typedef struct {
	const sv_redis_address *address;
	server_rec *s;
	const char *password;
} pool_params;

static apr_status_t construct(void **resource, void *params_, apr_pool_t *pool)
{
	const pool_params *params = params_;
	/* Not from pool: connections are made outside the list's lock, by any thread at once. */
	sv_redis *c = calloc(1, sizeof(*c));

	if (!c)
		return APR_ENOMEM;
	c->address = params->address;
	c->s = params->s;
	c->password = params->password;
	if (connect_context(c) < 0) {
		if (c->context)
			redisFree(c->context);
		free(c);
		return APR_EGENERAL;
	}
	*resource = c;
	return APR_SUCCESS;
}

static apr_status_t destruct(void *resource, void *params, apr_pool_t *pool)
{
	sv_redis *c = resource;

	redisFree(c->context);
	free(c);
	return APR_SUCCESS;
}

void solveit_redis_child_init(apr_pool_t *pchild, server_rec *s, int threads)
{
	pools = apr_hash_make(pchild);
	quiet_until = 0;
	for (server_rec *sp = s; sp; sp = sp->next) {
		const sv_redis_address *a = sv_cfg_redis(solveit_config_get(sp));
		pool_params *params;
		apr_reslist_t *list;
		apr_status_t rv;

		/* Virtual hosts that inherit the main server's SolveitRedis share its pool. */
		if (!a || apr_hash_get(pools, &a, sizeof(a)))
			continue;
		params = apr_pcalloc(pchild, sizeof(*params));
		params->address = a;
		params->s = sp;
		params->password = sv_cfg_redis_password(solveit_config_get(sp));
		rv = apr_reslist_create(&list, 0, threads > 0 ? threads : 1, threads > 0 ? threads : 1,
					apr_time_from_sec(IDLE_TTL_SEC), construct, destruct, params, pchild);
		if (rv != APR_SUCCESS) {
			ap_log_error(APLOG_MARK, APLOG_ERR, rv, sp, "solveit: no Redis connection pool in this child");
			continue;
		}
		apr_reslist_timeout_set(list, apr_time_from_msec(SV_REDIS_TIMEOUT_MS));
		apr_hash_set(pools, apr_pmemdup(pchild, &a, sizeof(a)), sizeof(a), list);
	}
}

static apr_status_t give_back(void *data)
{
	sv_redis *c = data;

	c->r = NULL;
	if (c->broken || !c->context || c->context->err)
		return apr_reslist_invalidate(c->pool, c);
	c->pooled = 1;
	return apr_reslist_release(c->pool, c);
}

sv_redis *sv_redis_acquire(request_rec *r)
{
	const sv_redis_address *a = sv_cfg_redis(solveit_config_get(r->server));
	apr_reslist_t *list;
	void *resource;
	sv_redis *c;

	if (!a || !pools || !(list = apr_hash_get(pools, &a, sizeof(a))) || apr_time_now() < quiet_until)
		return NULL;
	/* A failed connect was logged by construct; a timeout means every connection is busy. */
	if (apr_reslist_acquire(list, &resource) != APR_SUCCESS)
		return NULL;
	c = resource;
	c->pool = list;
	c->r = r;
	c->broken = 0;
	apr_pool_cleanup_register(r->pool, c, give_back, apr_pool_cleanup_null);
	return c;
}

redisReply *sv_redis_command(sv_redis *c, const char *fmt, ...)
{
	struct timeval tv = {0, SV_REDIS_TIMEOUT_MS * 1000};
	redisReply *reply = NULL;
	va_list ap;

	if (!c || c->broken)
		return NULL;
	va_start(ap, fmt);
	reply = redisvCommand(c->context, fmt, ap);
	va_end(ap);
	if (!reply && c->pooled) {
		c->pooled = 0;
		if (redisReconnect(c->context) == REDIS_OK && redisSetTimeout(c->context, tv) == REDIS_OK &&
		    authenticate(c) == 0) {
			va_start(ap, fmt);
			reply = redisvCommand(c->context, fmt, ap);
			va_end(ap);
		}
	}
	c->pooled = 0;
	if (!reply)
		failed(c, apr_pstrndup(c->r->pool, fmt, strcspn(fmt, " ")));
	else if (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOAUTH", 6)) {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, c->r,
			      "solveit: Redis %s asks for a password: set " SV_DIR_REDIS_PASSWORD_FILE
			      " to the file of its requirepass; the cache is not used for %d s",
			      address_text(c->r->pool, c->address), SV_REDIS_QUIET_SEC);
		c->broken = 1;
		quiet_until = apr_time_now() + apr_time_from_sec(SV_REDIS_QUIET_SEC);
		sv_metrics_redis_error();
		freeReplyObject(reply);
		reply = NULL;
	}
	return reply;
}

const char *sv_redis_open_value(request_rec *r, const char *name, const char *value, apr_size_t value_len)
{
	const char *key = sv_redis_key(r, name), *body;
	const sv_keyring *ring = sv_cfg_keyring(solveit_config_get(r->server));
	enum sv_mac_status st =
	    ring ? sv_cache_open(ring, key, value, value_len, &body, &value_len) : SV_MAC_UNKNOWN_KEY;

	if (st == SV_MAC_OK)
		return apr_pstrmemdup(r->pool, body, value_len);
	ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
		      "solveit: Redis key %s holds a value not signed by this site's keys (%s): ignored, computed "
		      "again from the database and replaced",
		      key, sv_mac_status_name(st));
	return NULL;
}

const char *sv_redis_get_signed(request_rec *r, sv_redis *c, const char *name)
{
	redisReply *reply = sv_redis_command(c, "GET %s", sv_redis_key(r, name));
	const char *value = NULL;

	if (!reply)
		return NULL;
	if (reply->type == REDIS_REPLY_STRING)
		value = sv_redis_open_value(r, name, reply->str, (apr_size_t)reply->len);
	freeReplyObject(reply);
	return value;
}

void sv_redis_set_signed(request_rec *r, sv_redis *c, const char *name, const char *body, apr_size_t len, int ttl_ms)
{
	const char *key = sv_redis_key(r, name);
	const sv_keyring *ring = sv_cfg_keyring(solveit_config_get(r->server));
	char header[SV_CACHE_HEADER_MAX + 1];
	size_t header_len;
	redisReply *reply;

	if (!ring || !c)
		return;
	header_len = sv_cache_header(ring, key, body, len, header);
	/* One argument of both parts (hiredis joins what is not separated by a space). */
	if ((reply = sv_redis_command(c, "SET %s %b%b PX %d", key, header, header_len, body, (size_t)len, ttl_ms)))
		freeReplyObject(reply);
}

int sv_redis_usable(const sv_redis *c)
{
	return c && !c->broken;
}

/* The next "keyword=value" of a libpq connection string, a quoted value unescaped; 0 at its end. */
static int next_conninfo_pair(apr_pool_t *p, const char **text, const char **key, const char **value)
{
	const char *s = *text, *start;
	int quoted;
	char *out;

	while (apr_isspace(*s))
		s++;
	if (!*s)
		return 0;
	for (start = s; *s && *s != '=' && !apr_isspace(*s); s++)
		;
	*key = apr_pstrmemdup(p, start, (apr_size_t)(s - start));
	while (apr_isspace(*s) || *s == '=')
		s++;
	*value = out = apr_palloc(p, strlen(s) + 1);
	if ((quoted = *s == '\''))
		s++;
	while (*s && (quoted ? *s != '\'' : !apr_isspace(*s))) {
		if (*s == '\\' && s[1])
			s++;
		*out++ = *s++;
	}
	if (quoted && *s)
		s++;
	*out = '\0';
	*text = s;
	return 1;
}

const char *sv_redis_db_identity(apr_pool_t *p, const char *dbd_params)
{
	const char *dbname = "", *host = "", *hostaddr = "", *port = "", *key, *value, *rest;

	if (!dbd_params)
		return "db=";
	if (!strncmp(dbd_params, "postgresql://", 13) || !strncmp(dbd_params, "postgres://", 11)) {
		apr_size_t end;

		rest = strstr(dbd_params, "://") + 3;
		/* A user (and password) before the host part; options after the path. */
		if (strcspn(rest, "@") < strcspn(rest, "/?"))
			rest += strcspn(rest, "@") + 1;
		end = strcspn(rest, "?");
		return apr_pstrcat(p, "db=", apr_pstrmemdup(p, rest, end), NULL);
	}
	while (next_conninfo_pair(p, &dbd_params, &key, &value)) {
		if (!strcmp(key, "dbname"))
			dbname = value;
		else if (!strcmp(key, "host"))
			host = value;
		else if (!strcmp(key, "hostaddr"))
			hostaddr = value;
		else if (!strcmp(key, "port"))
			port = value;
	}
	return apr_pstrcat(p, "db=", dbname, "@", *host ? host : hostaddr, ":", port, NULL);
}

const char *sv_redis_key(request_rec *r, const char *name)
{
	const solveit_config *c = solveit_config_get(r->server);

	return apr_pstrcat(r->pool, sv_cfg_cache_prefix(c), ":", sv_redis_db_identity(r->pool, sv_cfg_dbd_params(c)),
			   ":", name, NULL);
}
