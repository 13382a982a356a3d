#include "solveit_auth.h"

#include <limits.h>
#include <string.h>

#include "apr_general.h"
#include "apr_md5.h"
#include "apr_strings.h"
#include "http_log.h"

#include "solveit_clarifications.h"
#include "solveit_leaderboard.h"
#include "solveit_text.h"
#include "sv_csv.h"

APLOG_USE_MODULE(solveit);

/* Compared against when the account does not exist, so both answers take one bcrypt. */
static const char dummy_hash[] = "$2y$10$oJ3Cm/2pgg8LYB9gB87EKOWVX5niwPtUK0IvMMntBuxBJCOK0oh0q";

static void add_site(cJSON *body, const solveit_config *cfg)
{
	cJSON_AddStringToObject(body, "auth", sv_cfg_auth_mode(cfg) == SV_AUTH_EXTERNAL ? "external" : "builtin");
	cJSON_AddBoolToObject(body, "registration", sv_cfg_registration(cfg));
}

cJSON *sv_auth_me_body(const solveit_config *cfg, const sv_session *sess)
{
	cJSON *body = cJSON_CreateObject(), *user = cJSON_AddObjectToObject(body, "user");

	cJSON_AddNumberToObject(user, "id", (double)sess->user_id);
	cJSON_AddStringToObject(user, "username", sess->username);
	if (sess->team_id > 0) {
		cJSON *team = cJSON_AddObjectToObject(user, "team");

		cJSON_AddNumberToObject(team, "id", (double)sess->team_id);
		cJSON_AddStringToObject(team, "name", sess->team ? sess->team : "");
	} else {
		cJSON_AddNullToObject(user, "team");
	}
	cJSON_AddBoolToObject(user, "staff", sess->staff);
	cJSON_AddStringToObject(body, "csrf_token", sess->csrf_token);
	add_site(body, cfg);
	return body;
}

/* /api/me's body as the module answers it (login and registration too): with the leaderboard's
 * visibility, so that the pages hide the Leaderboard link from whom it would refuse. Without the
 * database the field is left out and the link stays (the leaderboard then says why). */
static cJSON *me_body(sv_ctx *ctx, const sv_session *sess)
{
	cJSON *body = sv_auth_me_body(ctx->cfg, sess);
	sv_lb_visibility vis;

	if (sv_leaderboard_visibility(ctx, &vis, NULL) == 0)
		cJSON_AddStringToObject(body, "leaderboard_visibility", sv_leaderboard_visibility_name(vis));
	if (sess->staff)
		sv_clarifications_add_unanswered(ctx, body);
	return body;
}

typedef struct {
	apr_int64_t id;
	const char *username;
	const char *password_hash;
	int staff;
	apr_int64_t team_id;
	const char *team;
	int active;
} user_row;

/* 1 found, 0 no such user, -1 database failure. */
static int user_by_name(sv_ctx *ctx, const char *username, user_row *u)
{
	sv_db *db = &ctx->db;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;

	if (sv_db_select(db, SV_SQL_USER_BY_NAME, &res, username) < 0)
		return -1;
	if (!(row = sv_db_row(db, res, 1)))
		return 0;
	u->id = sv_db_get_ll(db, row, 0);
	u->username = sv_db_get(db, row, 1);
	u->password_hash = sv_db_get(db, row, 2);
	u->staff = sv_db_get_bool(db, row, 3) || sv_cfg_is_staff_name(ctx->cfg, u->username);
	u->team_id = sv_db_get_ll(db, row, 4);
	u->team = sv_db_get(db, row, 5);
	u->active = sv_db_get_bool(db, row, 6);
	return 1;
}

/* ---- SolveitAuth external ---- */

/* Whether one of value's ;-separated values (mod_authnz_ldap joins an attribute's values with
 * "; ", Shibboleth with ";", escaping a ; in a value with a backslash) is want: as a DN in
 * sv_cfg_dn_normalize's spelling when dn, else exactly. */
static int values_hold(apr_pool_t *p, const char *value, const char *want, int dn)
{
	const char *start = value;

	for (const char *s = value;; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (*s == ';' || !*s) {
			const char *a = start, *b = s;

			while (a < b && *a == ' ')
				a++;
			while (b > a && b[-1] == ' ')
				b--;
			if (b > a) {
				const char *item = apr_pstrmemdup(p, a, (apr_size_t)(b - a));

				if (dn)
					item = sv_cfg_dn_normalize(p, item);
				if (item && strcmp(item, want) == 0)
					return 1;
			}
			if (!*s)
				return 0;
			start = s + 1;
		}
	}
}

/* What the SolveitStaffFrom rules say of this request's user: 1 staff, 0 not, -1 there are no
 * rules. *unset names the variable of a group rule that no module set (mod_authnz_ldap sets it,
 * empty for a user in no group, when the attribute is listed in AuthLDAPURL), or is NULL. */
static int staff_from_rules(request_rec *r, const solveit_config *cfg, const char **unset)
{
	const apr_array_header_t *rules = sv_cfg_staff_from(cfg);

	*unset = NULL;
	if (!rules)
		return -1;
	for (int i = 0; i < rules->nelts; i++) {
		const sv_staff_rule *rule = &APR_ARRAY_IDX(rules, i, sv_staff_rule);
		const char *value = apr_table_get(r->subprocess_env, rule->variable);

		if (!value) {
			if (rule->kind == SV_STAFF_FROM_GROUP)
				*unset = rule->variable;
			continue;
		}
		if (values_hold(r->pool, value, rule->value, rule->kind == SV_STAFF_FROM_GROUP))
			return 1;
	}
	return 0;
}

typedef struct {
	user_row u;
	int found, builtin, provisioned, staff_changed;
	const solveit_config *cfg;
	apr_pool_t *pool; /* the strings kept: cols live only as long as libpq's result */
} external_row;

static int text_bool(const char *v)
{
	return v && v[0] == 't';
}

static void take_external_row(void *baton, int ncols, const char *const *cols)
{
	external_row *e = baton;
	long long v;

	if (ncols < 9 || !cols[0] || !cols[1] || sv_parse_ll(cols[0], 1, LLONG_MAX, &v) < 0)
		return;
	e->found = 1;
	e->u.id = v;
	e->u.username = apr_pstrdup(e->pool, cols[1]);
	e->u.staff = text_bool(cols[2]) || sv_cfg_is_staff_name(e->cfg, cols[1]);
	e->u.team_id = cols[3] && sv_parse_ll(cols[3], 1, LLONG_MAX, &v) == 0 ? v : 0;
	e->u.team = cols[4] ? apr_pstrdup(e->pool, cols[4]) : NULL;
	e->u.active = text_bool(cols[5]);
	e->builtin = !cols[6] || strcmp(cols[6], "external") != 0;
	e->provisioned = text_bool(cols[7]);
	e->staff_changed = text_bool(cols[8]);
}

/* The web server's user as an account (sql/034 solveit_external_user): provisioned on first sight,
 * its staff flag set to staff when sync. The function's row comes through the request connection's
 * libpq session (sv_db_package_sql: server-side parameters, nothing built from input). Returns 0
 * with *e filled, or -1 after logging. */
static int external_user(sv_ctx *ctx, const char *username, int staff, int sync, external_row *e)
{
	static const char sql[] = "SELECT id, username, is_staff, team_id, team, is_active, auth_source, provisioned,"
				  " staff_changed FROM solveit_external_user($1, $2::boolean, $3::boolean)";
	const char *values[3] = {username, staff ? "true" : "false", sync ? "true" : "false"};
	sv_sql db;
	char err[512];

	memset(e, 0, sizeof(*e));
	e->cfg = ctx->cfg;
	e->pool = ctx->r->pool;
	if (sv_db_package_sql(&ctx->db, &db) < 0)
		return -1;
	if (db.exec(db.baton, sql, 3, values, NULL, NULL, take_external_row, e, err, sizeof(err)) < 0 || !e->found) {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, "solveit: the external account of %s: %s", username,
			      e->found ? err : "no row (is sql/034_external_accounts.sql applied?)");
		return -1;
	}
	return 0;
}

sv_session *sv_auth_external(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	sv_db *db;
	sv_session *sess;
	external_row e;
	const char *unset;
	int want;

	if (!r->user || !*r->user)
		return sv_ctx_failed(ctx, HTTP_UNAUTHORIZED,
				     "not authenticated by the web server (SolveitAuth external)");
	/* SolveitStaffFrom is asked on every request (the auth module's variables are fresh on each):
	 * a session whose staff flag the directory no longer confirms goes to the database below. */
	want = staff_from_rules(r, ctx->cfg, &unset);
	if (want >= 0)
		want = want || sv_cfg_is_staff_name(ctx->cfg, r->user);
	if (sv_session_cached(r, &sess) && strcmp(sess->username, r->user) == 0 && (want < 0 || sess->staff == want))
		return sess;
	if (!(db = sv_ctx_db(ctx)))
		return NULL;
	if (sv_session_load(r, db, &sess) < 0)
		goto db_fail;
	if (sess && strcmp(sess->username, r->user) == 0 && (want < 0 || sess->staff == want))
		return sess;
	if (!sv_account_name_valid(r->user) || !sv_utf8_valid(r->user, strlen(r->user)))
		return sv_ctx_failed(ctx, HTTP_FORBIDDEN,
				     "the web server's user name is not usable here (1-64 letters, digits, . _ - @)");
	if (unset)
		ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
			      "solveit: " SV_DIR_STAFF_FROM " group: no module set %s for %s, who counts as no staff; "
			      "list memberOf among AuthLDAPURL's attributes (...?uid,memberOf)",
			      unset, r->user);
	if (external_user(ctx, r->user, want < 0 ? sv_cfg_is_staff_name(ctx->cfg, r->user) : want, want >= 0, &e) < 0)
		goto db_fail;
	if (e.builtin) {
		/* The directory's alice is not necessarily the judge's alice. */
		ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
			      "solveit: refused the web server's user %s: a built-in (password) account has that name; "
			      "rename one of them (doc/module.md, External authentication and LDAP)",
			      r->user);
		return sv_ctx_failed(
		    ctx, HTTP_FORBIDDEN,
		    apr_psprintf(r->pool,
				 "the web server's user %s has the name of a built-in account of this "
				 "judge and may not use it; ask an administrator to rename one of them",
				 r->user));
	}
	if (e.provisioned)
		ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "solveit: provisioned external user %s", r->user);
	else if (e.staff_changed) {
		ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "solveit: external user %s %s by " SV_DIR_STAFF_FROM,
			      r->user, e.u.staff ? "promoted to staff" : "no longer staff");
		/* Every child's cached sessions of the user hold the old flag. */
		sv_session_forget_all();
	}
	if (!e.u.active)
		return sv_ctx_failed(ctx, HTTP_FORBIDDEN, "this account is disabled");
	if (sess && strcmp(sess->username, r->user) == 0) {
		sess->staff = e.u.staff;
		return sess;
	}
	if (sess)
		sv_session_destroy(r, db, sess);
	sess = sv_session_create(r, db, e.u.id, e.u.username, e.u.staff, e.u.team_id, e.u.team);
	if (sess)
		return sess;
db_fail:
	return sv_ctx_failed(ctx, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
}

/* Reserves a login attempt for username from the client's address (sql/021,
 * solveit_login_delay: counted and recorded as a failure under the lock of that account and
 * address, so simultaneous guesses are counted one by one). Past SolveitLoginAttempts failures
 * the pair waits longer after each (1 s, 2 s, 4 s... 15 min); failures from other addresses never
 * count. Returns the record's id, to release when the password turns out right, or 0 after
 * sending 429 (with Retry-After) or 503 with *status. */
static apr_int64_t login_attempt_reserve(sv_ctx *ctx, const char *username, int *status)
{
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	apr_int64_t id, wait;

	if (sv_db_select(&ctx->db, SV_SQL_LOGIN_ATTEMPT, &res, username, ctx->r->useragent_ip,
			 apr_itoa(ctx->r->pool, sv_cfg_login_attempts(ctx->cfg))) < 0 ||
	    !(row = sv_db_row(&ctx->db, res, 1))) {
		*status = sv_send_error(ctx->r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
		return 0;
	}
	if ((id = sv_db_get_ll(&ctx->db, row, 0)) > 0)
		return id;
	if ((wait = sv_db_get_ll(&ctx->db, row, 1)) < 1)
		wait = 1;
	apr_table_setn(ctx->r->err_headers_out, "Retry-After", apr_psprintf(ctx->r->pool, "%" APR_INT64_T_FMT, wait));
	*status = sv_send_error(
	    ctx->r, HTTP_TOO_MANY_REQUESTS,
	    "too many failed logins for this account from this address; try again in %" APR_INT64_T_FMT " s", wait);
	return 0;
}

static void login_attempt_release(sv_ctx *ctx, apr_int64_t id)
{
	sv_db_query(&ctx->db, SV_SQL_LOGIN_ATTEMPT_RELEASE, NULL, apr_psprintf(ctx->r->pool, "%" APR_INT64_T_FMT, id));
}

/* A browser form (not asking for JSON) goes on to the pages after a login, logout, registration
 * or password change; a script gets body. */
static int done(sv_ctx *ctx, int status, cJSON *body)
{
	if (!sv_form_redirect(ctx->r, &ctx->in))
		return sv_send_json(ctx->r, status, body);
	cJSON_Delete(body);
	return sv_redirect(ctx->r, apr_pstrcat(ctx->r->pool, sv_cfg_base_path(ctx->cfg), "/", NULL));
}

static cJSON *status_body(const char *status)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "status", status);
	return body;
}

int sv_auth_login(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const char *username = sv_input_get(r, &ctx->in, "username", NULL, NULL);
	const char *password = sv_input_get(r, &ctx->in, "password", NULL, NULL), *old;
	sv_session *sess;
	user_row u;
	apr_int64_t attempt;
	int found, status;

	if (!username || !*username || !password || !*password)
		return sv_send_error(r, HTTP_BAD_REQUEST, "username and password are required");
	if (!sv_utf8_valid(username, strlen(username)) || !sv_utf8_valid(password, strlen(password)))
		return sv_send_error(r, HTTP_BAD_REQUEST, "username and password must be valid UTF-8");
	if (!sv_ctx_db(ctx))
		return sv_ctx_fail(ctx);
	if (!(attempt = login_attempt_reserve(ctx, username, &status)))
		return status;
	found = user_by_name(ctx, username, &u);
	if (found < 0) {
		login_attempt_release(ctx, attempt);
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	}
	if (found == 0 || !u.password_hash || !u.active) {
		apr_password_validate(password, dummy_hash);
		found = 0;
	} else if (apr_password_validate(password, u.password_hash) != APR_SUCCESS) {
		found = 0;
	}
	if (!found) {
		/* The reserved attempt stays: it is this failure's record. */
		ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "solveit: failed login for %s from %s",
			      sv_account_name_valid(username) ? username : "(unprintable name)", r->useragent_ip);
		return sv_send_error(r, HTTP_UNAUTHORIZED, "wrong username or password");
	}
	/* Also releases the attempt reserved above. Only this address's failures go: a guesser
	 * elsewhere gets no fresh start from the owner's login. */
	sv_db_query(&ctx->db, SV_SQL_LOGIN_FAILURES_CLEAR, NULL, username, r->useragent_ip);
	/* Housekeeping at each login: expired sessions and old failure records go. */
	sv_db_query(&ctx->db, SV_SQL_SESSION_PURGE, NULL, apr_itoa(r->pool, sv_cfg_session_idle(ctx->cfg)));
	sv_db_query(&ctx->db, SV_SQL_LOGIN_FAILURES_PURGE, NULL);
	/* Whatever token the client brought (its own or one planted on it) dies here: login always
	 * starts a new session. */
	if ((old = sv_session_cookie(r)) != NULL) {
		sv_db_query(&ctx->db, SV_SQL_SESSION_DELETE, NULL, sv_session_hash(r->pool, old));
		sv_session_forget_all();
	}
	sess = sv_session_create(r, &ctx->db, u.id, u.username, u.staff, u.team_id, u.team);
	if (!sess)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	sv_db_query(&ctx->db, SV_SQL_USER_LOGGED_IN, NULL, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, u.id));
	return done(ctx, HTTP_OK, me_body(ctx, sess));
}

int sv_auth_logout(sv_ctx *ctx)
{
	sv_session *sess = sv_ctx_user_db(ctx);

	if (!sess)
		return sv_ctx_fail(ctx);
	sv_session_destroy(ctx->r, &ctx->db, sess);
	return done(ctx, HTTP_OK, status_body("logged out"));
}

/* The rules every built-in account's password follows, whoever sets it (common/sv_csv.h). */
static const char *password_problem(const char *password)
{
	if (!sv_utf8_valid(password, strlen(password)))
		return "the password must be valid UTF-8";
	return sv_account_password_problem(password);
}

const char *sv_auth_bcrypt(request_rec *r, const char *password)
{
	unsigned char salt[16];
	char hash[64];

	if (apr_generate_random_bytes(salt, sizeof(salt)) != APR_SUCCESS ||
	    apr_bcrypt_encode(password, SV_ACCOUNT_BCRYPT_COST, salt, sizeof(salt), hash, sizeof(hash)) != APR_SUCCESS)
		return NULL;
	return apr_pstrdup(r->pool, hash);
}

int sv_auth_register(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const char *username = sv_input_get(r, &ctx->in, "username", NULL, NULL);
	const char *password = sv_input_get(r, &ctx->in, "password", NULL, NULL), *problem, *hash;
	apr_dbd_results_t *res;
	sv_session *sess;
	int staff;
	apr_int64_t id;
	apr_dbd_row_t *row;

	if (!sv_cfg_registration(ctx->cfg))
		return sv_send_error(r, HTTP_FORBIDDEN, "registration is closed on this server");
	if (!username || !password)
		return sv_send_error(r, HTTP_BAD_REQUEST, "username and password are required");
	if (!sv_account_name_valid(username))
		return sv_send_error(r, HTTP_BAD_REQUEST, "the username must be 1-64 letters, digits, . _ - or @");
	if ((problem = password_problem(password)) != NULL)
		return sv_send_error(r, HTTP_BAD_REQUEST, "%s", problem);
	if (!sv_ctx_db(ctx))
		return sv_ctx_fail(ctx);
	if (!(hash = sv_auth_bcrypt(r, password)))
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "cannot hash the password");
	staff = sv_cfg_is_staff_name(ctx->cfg, username);
	if (sv_db_select(&ctx->db, SV_SQL_USER_REGISTER, &res, username, hash, staff ? "true" : "false") < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	if (!(row = sv_db_row(&ctx->db, res, 1)))
		return sv_send_error(r, HTTP_CONFLICT, "the username is taken");
	id = sv_db_get_ll(&ctx->db, row, 0);
	sess = sv_session_create(r, &ctx->db, id, apr_pstrdup(r->pool, username), staff, 0, NULL);
	if (!sess)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	return done(ctx, HTTP_CREATED, me_body(ctx, sess));
}

int sv_auth_password(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const char *current = sv_input_get(r, &ctx->in, "current_password", NULL, NULL);
	const char *new_password = sv_input_get(r, &ctx->in, "new_password", NULL, NULL), *problem, *hash;
	sv_session *sess = sv_ctx_user_db(ctx);
	user_row u;
	apr_int64_t attempt;
	int status;

	if (!sess)
		return sv_ctx_fail(ctx);
	if (!current || !new_password)
		return sv_send_error(r, HTTP_BAD_REQUEST, "current_password and new_password are required");
	if ((problem = password_problem(new_password)) != NULL)
		return sv_send_error(r, HTTP_BAD_REQUEST, "%s", problem);
	if (!(attempt = login_attempt_reserve(ctx, sess->username, &status)))
		return status;
	if (user_by_name(ctx, sess->username, &u) <= 0) {
		login_attempt_release(ctx, attempt);
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	}
	if (!u.password_hash || apr_password_validate(current, u.password_hash) != APR_SUCCESS)
		return sv_send_error(r, HTTP_FORBIDDEN, "the current password is wrong"); /* the attempt stays */
	login_attempt_release(ctx, attempt);
	if (!(hash = sv_auth_bcrypt(r, new_password)))
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "cannot hash the password");
	if (sv_db_query(&ctx->db, SV_SQL_USER_SET_PASSWORD, NULL, hash,
			apr_psprintf(r->pool, "%" APR_INT64_T_FMT, u.id)) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	/* Other sessions may belong to whoever knew the old password. */
	sv_db_query(&ctx->db, SV_SQL_SESSION_DELETE_OTHERS, NULL, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, u.id),
		    sess->token_hash);
	sv_session_forget_all();
	return done(ctx, HTTP_OK, status_body("password changed"));
}

int sv_auth_site(sv_ctx *ctx)
{
	cJSON *body = cJSON_CreateObject();

	add_site(body, ctx->cfg);
	return sv_send_json(ctx->r, HTTP_OK, body);
}

int sv_auth_me(sv_ctx *ctx)
{
	sv_session *sess = sv_ctx_user(ctx);
	cJSON *body;

	if (sess)
		return sv_send_json(ctx->r, HTTP_OK, me_body(ctx, sess));
	if (ctx->fail_status != HTTP_UNAUTHORIZED)
		return sv_ctx_fail(ctx);
	/* A visitor: the pages still need to know how one logs in here, and whether one may register. */
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "error", ctx->fail_message);
	add_site(body, ctx->cfg);
	return sv_send_json(ctx->r, HTTP_UNAUTHORIZED, body);
}
