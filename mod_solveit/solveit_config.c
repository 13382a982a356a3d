#include "solveit_config.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "apr_strings.h"
#include "http_log.h"

#include "solveit_text.h"
#include "sv_cache_mac.h"
#include "sv_csv.h"
#include "sv_kafka.h"
#include "sv_parse.h"
#include "sv_version.h"

APLOG_USE_MODULE(solveit);

extern module AP_MODULE_DECLARE_DATA solveit_module;

static const int default_languages[] = {50, 54, 62, 71, 63};

const char *sv_cfg_language_name(const solveit_config *c, int id)
{
	const char *name = c->language_names ? sv_language_names_find(c->language_names, id) : NULL;

	return name ? name : sv_judge0_language_name(id);
}

#define SET_UNSET(m) c->m = SV_UNSET;

void *solveit_config_create(apr_pool_t *p, server_rec *s)
{
	solveit_config *c = apr_pcalloc(p, sizeof(*c));

	SV_CONFIG_NUMBERS(SET_UNSET)
	return c;
}

#define MERGE_PTR(m) c->m = add->m ? add->m : base->m;
#define MERGE_INT(m) c->m = add->m != SV_UNSET ? add->m : base->m;

void *solveit_config_merge(apr_pool_t *p, void *base_, void *add_)
{
	const solveit_config *base = base_, *add = add_;
	solveit_config *c = apr_pcalloc(p, sizeof(*c));

	SV_CONFIG_POINTERS(MERGE_PTR)
	SV_CONFIG_NUMBERS(MERGE_INT)
	return c;
}

solveit_config *solveit_config_get(const server_rec *s)
{
	return ap_get_module_config(s->module_config, &solveit_module);
}

/* ---- getters: the defaults live here ---- */

const char *sv_cfg_kafka_brokers(const solveit_config *c)
{
	return c->kafka_brokers;
}
const char *sv_cfg_kafka_topic(const solveit_config *c)
{
	return c->kafka_topic ? c->kafka_topic : SV_TOPIC_SUBMISSIONS;
}
const char *sv_cfg_runs_topic(const solveit_config *c)
{
	return c->runs_topic ? c->runs_topic : SV_TOPIC_RUNS;
}
int sv_cfg_kafka_wait_ms(const solveit_config *c)
{
	return c->kafka_wait_ms != SV_UNSET ? c->kafka_wait_ms : 0;
}
apr_off_t sv_cfg_max_source(const solveit_config *c)
{
	return c->max_source != SV_UNSET ? c->max_source : 64 * 1024;
}
apr_off_t sv_cfg_max_package(const solveit_config *c)
{
	return c->max_package != SV_UNSET ? c->max_package : 256 * 1024 * 1024;
}
int sv_cfg_submission_rate(const solveit_config *c)
{
	return c->submission_rate != SV_UNSET ? c->submission_rate : 10;
}
int sv_cfg_login_attempts(const solveit_config *c)
{
	return c->login_attempts != SV_UNSET ? c->login_attempts : 10;
}
sv_auth_mode sv_cfg_auth_mode(const solveit_config *c)
{
	return c->auth_mode != SV_AUTH_UNSET ? (sv_auth_mode)c->auth_mode : SV_AUTH_BUILTIN;
}
int sv_cfg_registration(const solveit_config *c)
{
	return c->registration != SV_UNSET ? c->registration : 0;
}
int sv_cfg_session_idle(const solveit_config *c)
{
	return c->session_idle != SV_UNSET ? c->session_idle : 2 * 3600;
}
int sv_cfg_session_lifetime(const solveit_config *c)
{
	return c->session_lifetime != SV_UNSET ? c->session_lifetime : 24 * 3600;
}
const char *sv_cfg_base_path(const solveit_config *c)
{
	return c->base_path ? c->base_path : "/solveit";
}

const char *sv_cfg_cache_prefix(const solveit_config *c)
{
	return c->cache_prefix ? c->cache_prefix : "solveit";
}
const char *sv_cfg_dbd_params(const solveit_config *c)
{
	return c->dbd_params;
}

int sv_cfg_is_staff_name(const solveit_config *c, const char *username)
{
	if (!c->staff)
		return 0;
	for (int i = 0; i < c->staff->nelts; i++)
		if (strcmp(APR_ARRAY_IDX(c->staff, i, const char *), username) == 0)
			return 1;
	return 0;
}

const apr_array_header_t *sv_cfg_staff_from(const solveit_config *c)
{
	return c->staff_from;
}

const int *sv_cfg_languages(const solveit_config *c, int *count)
{
	if (!c->languages) {
		*count = (int)(sizeof(default_languages) / sizeof(default_languages[0]));
		return default_languages;
	}
	*count = c->languages->nelts;
	return (const int *)c->languages->elts;
}

const sv_keyring *sv_cfg_keyring(const solveit_config *c)
{
	return c->keyring;
}

const char *sv_cfg_redis_password(const solveit_config *c)
{
	return c->redis_password;
}

const sv_redis_address *sv_cfg_redis(const solveit_config *c)
{
	return c->redis && !c->redis->none ? c->redis : NULL;
}

int sv_cfg_language_enabled(const solveit_config *c, int id)
{
	int n;
	const int *ids = sv_cfg_languages(c, &n);

	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* ---- setters: each validates its argument and names itself in the error ---- */

/* Whether every character of s is a letter, a digit or one of extra. */
static int letters_digits_and(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return 0;
	return 1;
}

/* The configuration a Solveit directive sets: the server now uses the module (loaded without any
 * of its directives, it stays inert: solveit_config_in_use). */
static solveit_config *cmd_config(cmd_parms *cmd)
{
	solveit_config *c = ap_get_module_config(cmd->server->module_config, &solveit_module);

	c->configured = 1;
	return c;
}

__attribute__((format(printf, 2, 3))) static const char *fail(cmd_parms *cmd, const char *fmt, ...)
{
	va_list ap;
	const char *msg;

	va_start(ap, fmt);
	msg = apr_pvsprintf(cmd->pool, fmt, ap);
	va_end(ap);
	return apr_pstrcat(cmd->pool, cmd->directive->directive, ": ", msg, NULL);
}

/* The Kafka producer is one per child process, made from the main server's configuration. */
static const char *global_only(cmd_parms *cmd)
{
	return ap_check_cmd_context(cmd, GLOBAL_ONLY);
}

/* A member set from a number: where it is, its range, and what the directive wants. */
typedef struct {
	apr_size_t offset;
	long long min, max;
	int global; /* main server only */
	const char *what;
} number_rule;

#define CONFIG_INT(cfg, offset) ((int *)((char *)(cfg) + (offset)))

/* host:port with a port from 1 to 65535; the host is not checked here. */
static int parse_host_port(const char *item, const char **colon)
{
	long long port;

	*colon = strrchr(item, ':');
	return *colon && *colon != item && sv_parse_ll(*colon + 1, 1, 65535, &port) == 0 ? (int)port : 0;
}

/* A positive number with an optional one-letter unit from units (each with its multiplier), at
 * most max once multiplied. Returns 0 or -1. */
typedef struct {
	char suffix;
	long long multiplier;
} unit;

static int parse_scaled(apr_pool_t *p, const char *arg, const unit *units, long long max, long long *out)
{
	apr_size_t digits = strspn(arg, "0123456789");
	long long scale = 1, v;

	if (arg[digits] != '\0') {
		const unit *u = units;

		while (u->suffix && u->suffix != arg[digits])
			u++;
		if (!u->suffix || arg[digits + 1] != '\0')
			return -1;
		scale = u->multiplier;
	}
	if (sv_parse_ll(apr_pstrmemdup(p, arg, digits), 1, max / scale, &v) < 0)
		return -1;
	*out = v * scale;
	return 0;
}

static const char *set_number(cmd_parms *cmd, void *dummy, const char *arg)
{
	const number_rule *rule = cmd->info;
	long long v;

	if (rule->global && global_only(cmd))
		return global_only(cmd);
	if (sv_parse_ll(arg, rule->min, rule->max, &v) < 0)
		return fail(cmd, "\"%s\" is not %s", arg, rule->what);
	*CONFIG_INT(cmd_config(cmd), rule->offset) = (int)v;
	return NULL;
}

static number_rule kafka_wait_rule = {APR_OFFSETOF(solveit_config, kafka_wait_ms), 0, 10000, 1,
				      "a number of milliseconds between 0 and 10000"};
static number_rule db_max_connections_rule = {APR_OFFSETOF(solveit_config, db_max_connections), 1, 1000000, 1,
					      "a positive number of PostgreSQL connections"};
static number_rule login_attempts_rule = {APR_OFFSETOF(solveit_config, login_attempts), 1, 100000, 0,
					  "a positive number of failed logins per 15 minutes"};

static const char *set_kafka_brokers(cmd_parms *cmd, void *dummy, const char *arg)
{
	char *list = apr_pstrdup(cmd->temp_pool, arg), *state, *item;
	int n = 0;

	if (global_only(cmd))
		return global_only(cmd);
	for (item = apr_strtok(list, ",", &state); item; item = apr_strtok(NULL, ",", &state)) {
		const char *colon;

		while (*item == ' ')
			item++;
		if (!parse_host_port(item, &colon))
			return fail(cmd, "\"%s\" is not a comma-separated list of host:port", arg);
		for (const char *h = item; h < colon; h++)
			if (!isalnum((unsigned char)*h) && !strchr(".-_[]:/", *h))
				return fail(cmd, "\"%s\" is not a comma-separated list of host:port", arg);
		n++;
	}
	if (n == 0)
		return fail(cmd, "\"%s\" names no broker", arg);
	cmd_config(cmd)->kafka_brokers = arg;
	return NULL;
}

/* SolveitKafkaTopic, SolveitRunsTopic: cmd->info is the member's offset. */
static const char *set_kafka_topic(cmd_parms *cmd, void *dummy, const char *arg)
{
	size_t len = strlen(arg);

	if (global_only(cmd))
		return global_only(cmd);
	/* Kafka's own rule (Topic.validate): 1..249 of [a-zA-Z0-9._-], not "." or "..". */
	if (len == 0 || len > 249 || !strcmp(arg, ".") || !strcmp(arg, ".."))
		return fail(cmd, "\"%s\" is not a valid Kafka topic name", arg);
	if (!letters_digits_and(arg, "._-"))
		return fail(cmd, "\"%s\" is not a valid Kafka topic name (letters, digits, . _ - only)", arg);
	*(const char **)((char *)cmd_config(cmd) + (apr_size_t)cmd->info) = arg;
	return NULL;
}

static const char *set_kafka_option(cmd_parms *cmd, void *dummy, const char *arg)
{
	solveit_config *c = cmd_config(cmd);
	rd_kafka_conf_t *conf;
	char err[512];
	int rc;

	if (global_only(cmd))
		return global_only(cmd);
	if (!strncmp(arg, "bootstrap.servers=", 18) || !strncmp(arg, "metadata.broker.list=", 21))
		return fail(cmd, "\"%s\": set the brokers with " SV_DIR_KAFKA_BROKERS, arg);
	/* librdkafka knows its keys and value types: let it judge, on a scratch configuration (no
	 * client, no threads: safe in the parent). */
	conf = rd_kafka_conf_new();
	rc = sv_kafka_conf_set_option(conf, arg, err, sizeof(err));
	rd_kafka_conf_destroy(conf);
	if (rc < 0)
		return fail(cmd, "%s", err);
	if (!c->kafka_options)
		c->kafka_options = apr_array_make(cmd->pool, 4, sizeof(const char *));
	APR_ARRAY_PUSH(c->kafka_options, const char *) = arg;
	return NULL;
}

static const char *set_language(cmd_parms *cmd, void *dummy, const char *arg)
{
	solveit_config *c = cmd_config(cmd);
	long long v;

	if (sv_parse_ll(arg, 1, 1000, &v) < 0 || !sv_judge0_language_name((int)v))
		return fail(cmd, "\"%s\" is not the id of an active Judge0 CE 1.13 language", arg);
	if (!c->languages)
		c->languages = apr_array_make(cmd->pool, 8, sizeof(int));
	for (int i = 0; i < c->languages->nelts; i++)
		if (APR_ARRAY_IDX(c->languages, i, int) == (int)v)
			return fail(cmd, "language %s is listed twice", arg);
	APR_ARRAY_PUSH(c->languages, int) = (int)v;
	return NULL;
}

/* A size in bytes, or with a K, M or G suffix, from 1 byte to the rule's maximum. */
typedef struct {
	apr_size_t offset;
	long long max;
	const char *max_text;
} size_rule;

static const char *set_size(cmd_parms *cmd, void *dummy, const char *arg)
{
	static const unit sizes[] = {{'K', 1024},
				     {'k', 1024},
				     {'M', 1024 * 1024},
				     {'m', 1024 * 1024},
				     {'G', 1024 * 1024 * 1024},
				     {'g', 1024 * 1024 * 1024},
				     {0, 0}};
	const size_rule *rule = cmd->info;
	long long v;

	if (!isdigit((unsigned char)*arg))
		return fail(cmd, "\"%s\" is not a size (bytes, or with a K, M or G suffix)", arg);
	if (parse_scaled(cmd->temp_pool, arg, sizes, rule->max, &v) < 0)
		return fail(cmd, "\"%s\" is not a size between 1 byte and %s", arg, rule->max_text);
	*(apr_off_t *)((char *)cmd_config(cmd) + rule->offset) = (apr_off_t)v;
	return NULL;
}

static size_rule max_source_rule = {APR_OFFSETOF(solveit_config, max_source), 16LL * 1024 * 1024, "16M"};
/* httpd's LimitRequestBody (default 1G) allows at most 2G - 1; above 1G it has to be raised too. */
static size_rule max_package_rule = {APR_OFFSETOF(solveit_config, max_package), 2047LL * 1024 * 1024, "2047M"};

static const char *set_submission_rate(cmd_parms *cmd, void *dummy, const char *arg)
{
	long long v;
	char *num = apr_pstrdup(cmd->temp_pool, arg), *slash = strchr(num, '/');

	if (slash) {
		if (strcmp(slash, "/minute") != 0)
			return fail(cmd, "\"%s\": the only period is /minute", arg);
		*slash = '\0';
	}
	if (sv_parse_ll(num, 0, 100000, &v) < 0)
		return fail(cmd, "\"%s\" is not a number of submissions per minute (0 = unlimited)", arg);
	cmd_config(cmd)->submission_rate = (int)v;
	return NULL;
}

static const char *set_auth(cmd_parms *cmd, void *dummy, const char *arg)
{
	if (!strcasecmp(arg, "builtin"))
		cmd_config(cmd)->auth_mode = SV_AUTH_BUILTIN;
	else if (!strcasecmp(arg, "external"))
		cmd_config(cmd)->auth_mode = SV_AUTH_EXTERNAL;
	else
		return fail(cmd, "\"%s\" is neither builtin nor external", arg);
	return NULL;
}

static const char *set_registration(cmd_parms *cmd, void *dummy, int flag)
{
	cmd_config(cmd)->registration = flag;
	return NULL;
}

static const char *set_staff(cmd_parms *cmd, void *dummy, const char *arg)
{
	solveit_config *c = cmd_config(cmd);

	if (!sv_account_name_valid(arg))
		return fail(cmd, "\"%s\" is not a valid user name (1-64 letters, digits, . _ - @)", arg);
	if (!c->staff)
		c->staff = apr_array_make(cmd->pool, 4, sizeof(const char *));
	APR_ARRAY_PUSH(c->staff, const char *) = arg;
	return NULL;
}

/* ---- SolveitStaffFrom (issue 15) ---- */

const char *sv_cfg_dn_normalize(apr_pool_t *p, const char *dn)
{
	char *out = apr_palloc(p, strlen(dn) + 1), *o = out;
	int after_separator = 1, has_equals = 0;

	for (const char *s = dn; *s;) {
		if (*s == '\\') {
			if (!s[1])
				return NULL;
			*o++ = *s++;
			*o++ = (char)tolower((unsigned char)*s++);
			after_separator = 0;
		} else if (*s == ' ') {
			const char *next = s + strspn(s, " ");

			/* Spaces around , = + and at either end are no part of the name. */
			if (!after_separator && *next && !strchr(",=+", *next))
				*o++ = ' ';
			s = next;
		} else {
			after_separator = strchr(",=+", *s) != NULL;
			has_equals |= *s == '=';
			*o++ = (char)tolower((unsigned char)*s++);
		}
	}
	*o = '\0';
	return has_equals && out[0] != '=' && out[0] != ',' ? out : NULL;
}

/* The name of an environment variable as auth modules set them (AUTHENTICATE_MEMBEROF,
 * unscoped-affiliation, Shib-...): letters, digits, _ - . */
static int env_name_valid(const char *name)
{
	return *name && strlen(name) <= 128 && letters_digits_and(name, "_-.");
}

/* SolveitStaffFrom group "DN" [VARIABLE] | env VARIABLE VALUE, repeatable (staff when any says so). */
static const char *set_staff_from(cmd_parms *cmd, void *dummy, const char *kind, const char *arg1, const char *arg2)
{
	solveit_config *c = cmd_config(cmd);
	sv_staff_rule *rule = apr_pcalloc(cmd->pool, sizeof(*rule));

	if (!strcasecmp(kind, "group")) {
		rule->kind = SV_STAFF_FROM_GROUP;
		if (!(rule->value = sv_cfg_dn_normalize(cmd->pool, arg1)))
			return fail(cmd,
				    "group \"%s\" is not a distinguished name (e.g. "
				    "\"cn=judge-staff,ou=groups,dc=example,dc=org\")",
				    arg1);
		rule->variable = arg2 ? arg2 : "AUTHENTICATE_MEMBEROF";
	} else if (!strcasecmp(kind, "env")) {
		rule->kind = SV_STAFF_FROM_ENV;
		if (!arg2 || !*arg2)
			return fail(cmd, "env needs a variable and the value that makes staff (e.g. env "
					 "unscoped-affiliation staff)");
		rule->variable = arg1;
		rule->value = arg2;
	} else {
		return fail(cmd, "\"%s\" is neither group nor env", kind);
	}
	if (!env_name_valid(rule->variable))
		return fail(cmd, "\"%s\" is not an environment variable name (letters, digits, _ - .)", rule->variable);
	if (!c->staff_from)
		c->staff_from = apr_array_make(cmd->pool, 2, sizeof(sv_staff_rule));
	APR_ARRAY_PUSH(c->staff_from, sv_staff_rule) = *rule;
	return NULL;
}

const char *solveit_config_check_staff_from(apr_pool_t *p, const solveit_config *c)
{
	if (c->staff_from && sv_cfg_auth_mode(c) != SV_AUTH_EXTERNAL)
		return SV_DIR_STAFF_FROM
		    ": needs SolveitAuth external; built-in accounts take their staff flag from the "
		    "staff pages and " SV_DIR_STAFF;
	return NULL;
}

/* Seconds, or a number with s, m, h or d, at most 366 days; cmd->info is the member's offset. */
static const char *set_duration(cmd_parms *cmd, void *dummy, const char *arg)
{
	static const unit units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {0, 0}};
	long long v;

	if (parse_scaled(cmd->temp_pool, arg, units, 366LL * 86400, &v) < 0)
		return fail(cmd, "\"%s\" is not a duration (seconds, or a number with s, m, h or d; at most 366d)",
			    arg);
	*CONFIG_INT(cmd_config(cmd), (apr_size_t)cmd->info) = (int)v;
	return NULL;
}

static const char *set_base_path(cmd_parms *cmd, void *dummy, const char *arg)
{
	size_t len = strlen(arg);

	if (len < 2 || arg[0] != '/' || arg[len - 1] == '/' || strstr(arg, "//") || strstr(arg, "/."))
		return fail(cmd, "\"%s\" must start with / and not end with / (e.g. /solveit)", arg);
	if (!letters_digits_and(arg, "/-_.~"))
		return fail(cmd, "\"%s\" may hold only letters, digits and / - _ . ~", arg);
	cmd_config(cmd)->base_path = arg;
	return NULL;
}

/* SolveitRedis host:port | /path/to/redis.sock | none */
static const char *set_redis(cmd_parms *cmd, void *dummy, const char *arg)
{
	sv_redis_address *a = apr_pcalloc(cmd->pool, sizeof(*a));
	const char *colon;

	if (!strcasecmp(arg, "none")) {
		a->none = 1;
	} else if (arg[0] == '/') {
		a->path = arg;
	} else if (!(colon = strrchr(arg, ':')) || colon == arg) {
		return fail(cmd, "expected host:port, an absolute socket path or none");
	} else if (!(a->port = parse_host_port(arg, &colon))) {
		return fail(cmd, "the port must be a number from 1 to 65535");
	} else {
		a->host = apr_pstrmemdup(cmd->pool, arg, (apr_size_t)(colon - arg));
	}
	cmd_config(cmd)->redis = a;
	return NULL;
}

static const char *set_cache_prefix(cmd_parms *cmd, void *dummy, const char *arg)
{
	size_t len = strlen(arg);

	if (len < 1 || len > 64)
		return fail(cmd, "\"%s\" must be 1-64 characters", arg);
	if (!letters_digits_and(arg, "-_.:"))
		return fail(cmd, "\"%s\" may hold only letters, digits and - _ . :", arg);
	cmd_config(cmd)->cache_prefix = arg;
	return NULL;
}

static apr_status_t free_language_names(void *names)
{
	sv_language_names_free(names);
	return APR_SUCCESS;
}

/* Read here, while the configuration is parsed, so that apachectl configtest sees a bad file. */
static const char *set_language_names(cmd_parms *cmd, void *dummy, const char *arg)
{
	sv_language_names *names = apr_pcalloc(cmd->pool, sizeof(*names));
	char err[512];

	if (sv_language_names_load(ap_server_root_relative(cmd->temp_pool, arg), names, err, sizeof(err)) < 0)
		return fail(cmd, "%s", err);
	apr_pool_cleanup_register(cmd->pool, names, free_language_names, apr_pool_cleanup_null);
	cmd_config(cmd)->language_names = names;
	return NULL;
}

static apr_status_t free_keyring(void *ring)
{
	sv_keyring_free(ring);
	return APR_SUCCESS;
}

/* Read while the configuration is parsed, as root before httpd drops privileges, so that the key
 * file can stay readable only by root and the services' group. */
static const char *set_key_file(cmd_parms *cmd, void *dummy, const char *arg)
{
	char err[512];
	sv_keyring *ring = sv_keyring_load(ap_server_root_relative(cmd->temp_pool, arg), err, sizeof(err));

	if (!ring)
		return fail(cmd, "%s", err);
	apr_pool_cleanup_register(cmd->pool, ring, free_keyring, apr_pool_cleanup_null);
	cmd_config(cmd)->keyring = ring;
	return NULL;
}

/* Read while the configuration is parsed, as root, like SolveitKeyFile: the file stays readable
 * only by root and the services' group. */
static const char *set_redis_password_file(cmd_parms *cmd, void *dummy, const char *arg)
{
	char err[512], password[SV_REDIS_PASSWORD_MAX];

	if (sv_redis_password_load(ap_server_root_relative(cmd->temp_pool, arg), password, sizeof(password), err,
				   sizeof(err)) < 0)
		return fail(cmd, "%s", err);
	cmd_config(cmd)->redis_password = apr_pstrdup(cmd->pool, password);
	memset(password, 0, sizeof(password));
	return NULL;
}

/* Issue 15: SolveitMetricsAllow, who may read <base>/api/metrics without a staff session
 * (solveit_metrics_access.c). */
static const char *set_metrics_allow(cmd_parms *cmd, void *dummy, const char *arg)
{
	solveit_config *c = cmd_config(cmd);
	char *ip = apr_pstrdup(cmd->temp_pool, arg), *bits = strchr(ip, '/');
	apr_ipsubnet_t *subnet;
	int dots = 0;

	if (bits)
		*bits++ = '\0';
	for (const char *d = ip; *d; d++)
		dots += *d == '.';
	/* Whole addresses and prefix lengths only: apr also takes "10.1" for 10.1.0.0/16 and netmasks
	 * (Require ip's forms), which a list of CIDR blocks should not mean by accident. */
	if ((bits && (!*bits || strspn(bits, "0123456789") != strlen(bits))) || (!strchr(ip, ':') && dots != 3) ||
	    apr_ipsubnet_create(&subnet, ip, bits, cmd->pool) != APR_SUCCESS)
		return fail(cmd,
			    "\"%s\" is not an IPv4 or IPv6 address or CIDR block (e.g. 127.0.0.1, 10.0.0.0/8, ::1, "
			    "fd00::/8)",
			    arg);
	if (!c->metrics_allow)
		c->metrics_allow = apr_array_make(cmd->pool, 4, sizeof(apr_ipsubnet_t *));
	APR_ARRAY_PUSH(c->metrics_allow, apr_ipsubnet_t *) = subnet;
	return NULL;
}

/* mod_dbd owns DBDParams: this copy only notes the value and declines, so that httpd hands the
 * directive on to mod_dbd as if this one were not there. */
static const char *note_dbd_params(cmd_parms *cmd, void *dummy, const char *arg)
{
	solveit_config *c = ap_get_module_config(cmd->server->module_config, &solveit_module);

	c->dbd_params = arg;
	return DECLINE_CMD;
}

/* DBDMax, noted the same way for the pool's size check; mod_dbd judges the value. */
static const char *note_dbd_max(cmd_parms *cmd, void *dummy, const char *arg)
{
	solveit_config *c = ap_get_module_config(cmd->server->module_config, &solveit_module);
	long long v;

	if (sv_parse_ll(arg, 0, 1000000, &v) == 0)
		c->dbd_max = (int)v;
	return DECLINE_CMD;
}

const command_rec solveit_cmds[] = {
    AP_INIT_TAKE1(SV_DIR_KAFKA_BROKERS, set_kafka_brokers, NULL, RSRC_CONF,
		  "Kafka bootstrap brokers, host:port[,host:port...]"),
    AP_INIT_TAKE1(SV_DIR_KAFKA_TOPIC, set_kafka_topic, (void *)APR_OFFSETOF(solveit_config, kafka_topic), RSRC_CONF,
		  "Kafka topic for new submissions (default code-submissions)"),
    AP_INIT_TAKE1(SV_DIR_RUNS_TOPIC, set_kafka_topic, (void *)APR_OFFSETOF(solveit_config, runs_topic), RSRC_CONF,
		  "Kafka topic for runs on the samples (default " SV_TOPIC_RUNS ")"),
    AP_INIT_ITERATE(SV_DIR_KAFKA_OPTION, set_kafka_option, NULL, RSRC_CONF,
		    "librdkafka producer option key=value (e.g. security.protocol=SASL_SSL), repeatable"),
    AP_INIT_TAKE1(SV_DIR_KAFKA_WAIT, set_number, &kafka_wait_rule, RSRC_CONF,
		  "milliseconds a submission request may wait for Kafka's delivery report (default 0)"),
    AP_INIT_ITERATE(SV_DIR_LANGUAGES, set_language, NULL, RSRC_CONF,
		    "enabled languages as Judge0 CE ids (default 50 54 62 71 63)"),
    AP_INIT_TAKE1(SV_DIR_MAX_SOURCE, set_size, &max_source_rule, RSRC_CONF,
		  "largest accepted source code, bytes or with K/M (default 64K)"),
    AP_INIT_TAKE1(SV_DIR_MAX_PACKAGE, set_size, &max_package_rule, RSRC_CONF,
		  "largest problem package zip staff may import, bytes or with K/M/G (default 256M)"),
    AP_INIT_TAKE1(SV_DIR_SUBMISSION_RATE, set_submission_rate, NULL, RSRC_CONF,
		  "submissions per user per minute, staff exempt (default 10; 0 = unlimited)"),
    AP_INIT_TAKE1(SV_DIR_LOGIN_ATTEMPTS, set_number, &login_attempts_rule, RSRC_CONF,
		  "failed logins of an account from one address in 15 minutes before delays (default 10)"),
    AP_INIT_TAKE1(SV_DIR_AUTH, set_auth, NULL, RSRC_CONF,
		  "builtin (accounts in PostgreSQL) or external (trust the web server's REMOTE_USER)"),
    AP_INIT_FLAG(SV_DIR_REGISTRATION, set_registration, NULL, RSRC_CONF,
		 "On to let visitors create accounts (builtin auth only; default Off)"),
    AP_INIT_ITERATE(SV_DIR_STAFF, set_staff, NULL, RSRC_CONF, "user names that are staff, repeatable"),
    AP_INIT_TAKE23(
	SV_DIR_STAFF_FROM, set_staff_from, NULL, RSRC_CONF,
	"where external users' staff status comes from: group \"DN\" [VARIABLE] (default AUTHENTICATE_MEMBEROF) "
	"or env VARIABLE VALUE; repeatable"),
    AP_INIT_TAKE1(SV_DIR_SESSION_IDLE, set_duration, (void *)APR_OFFSETOF(solveit_config, session_idle), RSRC_CONF,
		  "a session ends after this much inactivity (default 2h)"),
    AP_INIT_TAKE1(SV_DIR_SESSION_LIFETIME, set_duration, (void *)APR_OFFSETOF(solveit_config, session_lifetime),
		  RSRC_CONF, "a session ends this long after login whatever happens (default 24h)"),
    AP_INIT_TAKE1(SV_DIR_BASE_PATH, set_base_path, NULL, RSRC_CONF, "URL path of the judge (default /solveit)"),
    AP_INIT_TAKE1(SV_DIR_REDIS, set_redis, NULL, RSRC_CONF,
		  "Redis for the leaderboard cache: host:port, a socket path, or none (default none)"),
    AP_INIT_TAKE1(SV_DIR_LANGUAGE_NAMES, set_language_names, NULL, RSRC_CONF,
		  "the judge's languages.json, whose names /api/languages shows (default: Judge0 CE 1.13's names)"),
    AP_INIT_TAKE1(SV_DIR_CACHE_PREFIX, set_cache_prefix, NULL, RSRC_CONF,
		  "first part of every Redis key, before the database's identity (default solveit)"),
    AP_INIT_TAKE1(SV_DIR_KEY_FILE, set_key_file, NULL, RSRC_CONF,
		  "file of the keys that sign Kafka messages and Redis values, readable only by the services"),
    AP_INIT_TAKE1(SV_DIR_REDIS_PASSWORD_FILE, set_redis_password_file, NULL, RSRC_CONF,
		  "file holding the password of SolveitRedis (its requirepass), readable only by the services"),
    /* Issue 15: the metrics' address list. */
    AP_INIT_ITERATE(SV_DIR_METRICS_ALLOW, set_metrics_allow, NULL, RSRC_CONF,
		    "addresses and CIDR blocks that may read <base>/api/metrics without a session (default none)"),
    AP_INIT_TAKE1(SV_DIR_DBD_PARAMS, note_dbd_params, NULL, RSRC_CONF,
		  "mod_dbd's connection parameters (read by mod_solveit for its cache keys, then passed on)"),
    AP_INIT_TAKE1(SV_DIR_DB_MAX_CONNECTIONS, set_number, &db_max_connections_rule, RSRC_CONF,
		  "PostgreSQL connections httpd may hold (max_connections less the daemons' and the reserved ones); "
		  "children x DBDMax above it refuses the configuration"),
    AP_INIT_TAKE1(SV_DIR_DBD_MAX, note_dbd_max, NULL, RSRC_CONF,
		  "mod_dbd's pool size per child (read by mod_solveit for its connection count, then passed on)"),
    {NULL},
};

const char *solveit_config_check(apr_pool_t *p, const solveit_config *c)
{
	const char *err;

	if (!c->kafka_brokers)
		return SV_DIR_KAFKA_BROKERS ": not set; mod_solveit needs the Kafka brokers (host:port[,host:port])";
	if (sv_cfg_session_idle(c) > sv_cfg_session_lifetime(c))
		return apr_psprintf(p,
				    SV_DIR_SESSION_IDLE ": %d s is longer than " SV_DIR_SESSION_LIFETIME
							" (%d s); the idle limit would never apply",
				    sv_cfg_session_idle(c), sv_cfg_session_lifetime(c));
	/* Redis values count only when signed (sv_cache_mac.h): without keys there is no cache. */
	if (sv_cfg_redis(c) && !c->keyring)
		return SV_DIR_REDIS ": the cache's values are signed with the keys of " SV_DIR_KEY_FILE
				    ", which is not set; set it, or SolveitRedis none";
	if (sv_cfg_registration(c) && sv_cfg_auth_mode(c) == SV_AUTH_EXTERNAL)
		return SV_DIR_REGISTRATION ": On needs SolveitAuth builtin; with external authentication the web "
					   "server owns the accounts";
	if ((err = solveit_config_check_staff_from(p, c)) != NULL)
		return err;
	/* Issue 14: the judge-workers take only signed submissions, so unsigned ones would never be
	 * judged. */
	if (!sv_cfg_keyring(c))
		return SV_DIR_KEY_FILE ": not set; mod_solveit signs every Kafka message with the services' "
				       "keyring (see doc/security.md), so it needs the key file";
	return NULL;
}

int solveit_config_in_use(const server_rec *s)
{
	for (; s; s = s->next)
		if (solveit_config_get(s)->configured == 1)
			return 1;
	return 0;
}

/* One connection pool of mod_dbd's: a virtual host with DBDParams or DBDMax of its own has its own. */
typedef struct {
	const char *params;
	int max;
} dbd_pool;

const char *solveit_config_check_pool(apr_pool_t *p, const server_rec *s, int children, int *fatal)
{
	const solveit_config *main_config = solveit_config_get(s);
	apr_array_header_t *pools = apr_array_make(p, 4, sizeof(dbd_pool));
	apr_int64_t per_child = 0, total;
	int limit, i;
	const char *terms = NULL, *what;

	*fatal = 0;
	for (; s; s = s->next) {
		const solveit_config *c = solveit_config_get(s);
		int max = c->dbd_max != SV_UNSET ? c->dbd_max : SV_DBD_MAX_DEFAULT;

		if (!c->dbd_params)
			continue; /* no database here: mod_dbd opens nothing */
		for (i = 0; i < pools->nelts; i++) {
			const dbd_pool *seen = &APR_ARRAY_IDX(pools, i, dbd_pool);

			if (seen->max == max && strcmp(seen->params, c->dbd_params) == 0)
				break;
		}
		if (i < pools->nelts)
			continue;
		APR_ARRAY_PUSH(pools, dbd_pool) = (dbd_pool){c->dbd_params, max};
		per_child += max;
		terms = terms ? apr_psprintf(p, "%s + %d", terms, max) : apr_psprintf(p, "%d", max);
	}
	total = per_child * (children > 0 ? children : 1);
	limit = main_config->db_max_connections != SV_UNSET ? main_config->db_max_connections
							    : SV_PG_MAX_CONNECTIONS_DEFAULT;
	if (total <= limit)
		return NULL;
	what = pools->nelts > 1 ? apr_psprintf(p, "DBDMax (%s: a pool per DBDParams)", terms)
				: apr_psprintf(p, "DBDMax %s", terms);
	if (main_config->db_max_connections != SV_UNSET) {
		*fatal = 1;
		return apr_psprintf(p,
				    SV_DIR_DB_MAX_CONNECTIONS
				    ": httpd may hold %d children x %s = %" APR_INT64_T_FMT " PostgreSQL "
				    "connections, more than the %d allowed; lower DBDMax or "
				    "MaxRequestWorkers, or raise max_connections and this directive",
				    children, what, total, limit);
	}
	return apr_psprintf(p,
			    "solveit: httpd may hold %d children x %s = %" APR_INT64_T_FMT
			    " PostgreSQL connections, more than "
			    "PostgreSQL's default max_connections (%d); lower DBDMax or MaxRequestWorkers, or "
			    "set " SV_DIR_DB_MAX_CONNECTIONS " to what your server allows httpd to have it checked",
			    children, what, total, limit);
}
