#ifndef SOLVEIT_CONFIG_H
#define SOLVEIT_CONFIG_H

#include "httpd.h"
#include "http_config.h"

#include "apr_tables.h"

#include "sv_language.h"
#include "sv_mac.h"

/* Every directive name once, so a misspelling is a compile error (openidc cfg/directives.h). */
#define SV_DIR_KAFKA_BROKERS    "SolveitKafkaBrokers"
#define SV_DIR_KAFKA_TOPIC      "SolveitKafkaTopic"
#define SV_DIR_KAFKA_OPTION     "SolveitKafkaOption"
#define SV_DIR_KAFKA_WAIT       "SolveitKafkaWait"
#define SV_DIR_LANGUAGES        "SolveitLanguages"
#define SV_DIR_MAX_SOURCE       "SolveitMaxSourceSize"
#define SV_DIR_MAX_PACKAGE      "SolveitMaxPackageSize"
#define SV_DIR_SUBMISSION_RATE  "SolveitSubmissionRate"
#define SV_DIR_LOGIN_ATTEMPTS   "SolveitLoginAttempts"
#define SV_DIR_AUTH             "SolveitAuth"
#define SV_DIR_REGISTRATION     "SolveitRegistration"
#define SV_DIR_STAFF            "SolveitStaff"
#define SV_DIR_SESSION_IDLE     "SolveitSessionIdle"
#define SV_DIR_SESSION_LIFETIME "SolveitSessionLifetime"
#define SV_DIR_BASE_PATH        "SolveitBasePath"
#define SV_DIR_REDIS            "SolveitRedis"
#define SV_DIR_CACHE_PREFIX     "SolveitCachePrefix"
#define SV_DIR_LANGUAGE_NAMES   "SolveitLanguageNames"
#define SV_DIR_RUNS_TOPIC       "SolveitRunsTopic"
#define SV_DIR_KEY_FILE         "SolveitKeyFile"
/* Issue 14, finding 2: the password of SolveitRedis. */
#define SV_DIR_REDIS_PASSWORD_FILE "SolveitRedisPasswordFile"
/* Issue 15: who may read <base>/api/metrics without a staff session (solveit_metrics.c). */
#define SV_DIR_METRICS_ALLOW "SolveitMetricsAllow"
/* Issue 15: where an external user's staff status comes from. */
#define SV_DIR_STAFF_FROM "SolveitStaffFrom"
/* mod_dbd's directive: read on its way to mod_dbd, for the cache keys (sv_redis_key). */
#define SV_DIR_DBD_PARAMS "DBDParams"
/* Issue 15: PostgreSQL's connections httpd may hold, checked against the MPM's children x DBDMax. */
#define SV_DIR_DB_MAX_CONNECTIONS "SolveitDbMaxConnections"
/* mod_dbd's pool size, read on its way to mod_dbd for that check. */
#define SV_DIR_DBD_MAX "DBDMax"
/* mod_dbd's DBDMax when it is not set (DEFAULT_NMAX in mod_dbd.c). */
#define SV_DBD_MAX_DEFAULT 10
/* PostgreSQL's max_connections when nobody changed it. */
#define SV_PG_MAX_CONNECTIONS_DEFAULT 100

#define SV_UNSET (-1)

typedef enum { SV_AUTH_UNSET = -1, SV_AUTH_BUILTIN = 0, SV_AUTH_EXTERNAL = 1 } sv_auth_mode;

/* Where SolveitRedis points: host and port, or a Unix socket path (host NULL); none set for
 * "none", which a virtual host may say to turn off what the main server set. */
typedef struct {
	const char *host;
	int port;
	const char *path;
	int none;
} sv_redis_address;

/* One SolveitStaffFrom rule: the user is staff when the environment variable (set by the auth
 * module for this request) holds the value among its ;-separated values. A group's value is a DN,
 * kept normalized (sv_cfg_dn_normalize) and compared so. */
typedef enum { SV_STAFF_FROM_GROUP, SV_STAFF_FROM_ENV } sv_staff_from_kind;
typedef struct {
	sv_staff_from_kind kind;
	const char *variable;
	const char *value;
} sv_staff_rule;

/* The members by kind, once: create and merge are generated from these lists, so no member can
 * be left out of either (openidc cfg/dir.c). */
// clang-format off
#define SV_CONFIG_POINTERS(X) \
	X(kafka_brokers) X(kafka_topic) X(kafka_options) X(languages) X(staff) X(base_path) X(redis) \
	X(cache_prefix) X(dbd_params) X(language_names) X(runs_topic) X(keyring) \
	X(redis_password) \
	X(metrics_allow) X(staff_from)
#define SV_CONFIG_NUMBERS(X) \
	X(kafka_wait_ms) X(max_source) X(max_package) X(submission_rate) X(login_attempts) \
	X(auth_mode) X(registration) X(session_idle) X(session_lifetime) X(configured) X(dbd_max) \
	X(db_max_connections)
// clang-format on

/* Server config. Members start unset (NULL / SV_UNSET); merge takes this level if set, else the
 * parent; defaults live in the getters below. */
typedef struct {
	const char *kafka_brokers;
	const char *kafka_topic;
	apr_array_header_t *kafka_options; /* const char * "key=value" */
	int kafka_wait_ms;
	apr_array_header_t *languages; /* int Judge0 ids */
	apr_off_t max_source;
	apr_off_t max_package; /* the zip of POST /api/admin/tasks/import */
	int submission_rate;   /* per minute, 0: unlimited */
	int login_attempts;    /* failed logins per 15 minutes per account and per address */
	int auth_mode;
	int registration;
	apr_array_header_t *staff; /* const char * user names */
	int session_idle;          /* seconds */
	int session_lifetime;      /* seconds */
	const char *base_path;
	const sv_redis_address *redis;
	const char *cache_prefix;
	const char *dbd_params; /* DBDParams as mod_dbd got it */
	/* SolveitLanguageNames: the names of the judge's languages.json, or NULL for Judge0's */
	const sv_language_names *language_names;
	const char *runs_topic; /* SolveitRunsTopic: the sample runs' messages */
	/* SolveitKeyFile: the keys that sign Kafka messages and Redis values (sv_mac.h) */
	const sv_keyring *keyring;
	/* SolveitRedisPasswordFile: the password (requirepass) of SolveitRedis, read at config time */
	const char *redis_password;
	int configured;         /* 1 once a Solveit directive was read for this server */
	int dbd_max;            /* DBDMax as mod_dbd got it */
	int db_max_connections; /* SolveitDbMaxConnections */
	/* SolveitMetricsAllow: apr_ipsubnet_t * that may read the metrics without a session */
	apr_array_header_t *metrics_allow;
	/* SolveitStaffFrom: sv_staff_rule, in configuration order; NULL: the database's flag stands */
	apr_array_header_t *staff_from;
} solveit_config;

extern const command_rec solveit_cmds[];

void *solveit_config_create(apr_pool_t *p, server_rec *s);
void *solveit_config_merge(apr_pool_t *p, void *base, void *add);

solveit_config *solveit_config_get(const server_rec *s);

const char *sv_cfg_kafka_brokers(const solveit_config *c);
const char *sv_cfg_kafka_topic(const solveit_config *c);
/* SolveitRunsTopic, default code-runs. */
const char *sv_cfg_runs_topic(const solveit_config *c);
int sv_cfg_kafka_wait_ms(const solveit_config *c);
apr_off_t sv_cfg_max_source(const solveit_config *c);
apr_off_t sv_cfg_max_package(const solveit_config *c);
int sv_cfg_submission_rate(const solveit_config *c);
int sv_cfg_login_attempts(const solveit_config *c);
sv_auth_mode sv_cfg_auth_mode(const solveit_config *c);
int sv_cfg_registration(const solveit_config *c);
int sv_cfg_session_idle(const solveit_config *c);
int sv_cfg_session_lifetime(const solveit_config *c);
const char *sv_cfg_base_path(const solveit_config *c);
int sv_cfg_is_staff_name(const solveit_config *c, const char *username);
/* The enabled languages in configuration order; *count receives their number. */
const int *sv_cfg_languages(const solveit_config *c, int *count);
int sv_cfg_language_enabled(const solveit_config *c, int id);
/* The keyring of SolveitKeyFile, or NULL when it is not set. */
const sv_keyring *sv_cfg_keyring(const solveit_config *c);
/* The Redis of the leaderboard cache, or NULL for none. */
const sv_redis_address *sv_cfg_redis(const solveit_config *c);
/* The password of SolveitRedisPasswordFile, or NULL when Redis is asked for none. */
const char *sv_cfg_redis_password(const solveit_config *c);

/* SolveitCachePrefix, default "solveit". */
const char *sv_cfg_cache_prefix(const solveit_config *c);
/* The DBDParams of this server (a virtual host inherits the main server's), or NULL. */
const char *sv_cfg_dbd_params(const solveit_config *c);

/* What /api/languages calls a language: its name in SolveitLanguageNames' file (the toolchain that
 * really runs), else Judge0 CE 1.13's name; NULL when Judge0 has no such active language. */
const char *sv_cfg_language_name(const solveit_config *c, int id);

/* The SolveitStaffFrom rules (sv_staff_rule), or NULL when there are none. */
const apr_array_header_t *sv_cfg_staff_from(const solveit_config *c);
/* dn in one spelling, for SolveitStaffFrom group: lower case, without the spaces around , = + and
 * at the ends (escapes kept); NULL when dn is no distinguished name (no attribute=value). */
const char *sv_cfg_dn_normalize(apr_pool_t *p, const char *dn);
/* SolveitStaffFrom's cross-directive checks (part of solveit_config_check); NULL or the error. */
const char *solveit_config_check_staff_from(apr_pool_t *p, const solveit_config *c);

/* Cross-directive checks for one server; returns NULL or "SolveitX: what is wrong". */
const char *solveit_config_check(apr_pool_t *p, const solveit_config *c);

/* Whether any server of the list s has a Solveit directive: loaded without one (a2enmod without
 * its configuration), the module stays inert. */
int solveit_config_in_use(const server_rec *s);

/* The database connections httpd may hold at once: children (the MPM's AP_MPMQ_MAX_DAEMONS) x the
 * DBDMax of each distinct pool (DBDParams and DBDMax) of the servers s. Returns NULL when they fit,
 * else the sentence that says so with the arithmetic; *fatal is set when SolveitDbMaxConnections
 * was given and is exceeded (without it the limit is PostgreSQL's default and only a notice). */
const char *solveit_config_check_pool(apr_pool_t *p, const server_rec *s, int children, int *fatal);

#endif
