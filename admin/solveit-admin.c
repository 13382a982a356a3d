/* solveit-admin: the staff CLI of DESIGN.md §8. `import PACKAGE` reads a Kattis/ICPC or DOMjudge
 * problem package (a zip or a directory) and stores it as a task; `verify TASK` judges the
 * package's own submissions and compares them with what the package expects. */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "admin_settings.h"
#include "admin_sql.h"
#include "admin_verify.h"
#include "sv_language.h"
#include "sv_pg.h"
#include "sv_version.h"

#define OFF(field) offsetof(admin_config, field)
#define MAX_ZIP    ((size_t)2 << 30)

static const sv_option options[] = {
    {"db", 0, "SOLVEIT_DB", SV_OPT_STRING, OFF(db), 0, 0, 0, "CONNINFO",
     "PostgreSQL: libpq conninfo or URI (empty: libpq's environment and defaults)", 0},
    {"kafka-brokers", 0, "SOLVEIT_KAFKA_BROKERS", SV_OPT_STRING, OFF(brokers), 0, 0, 0, "LIST",
     "verify: Kafka bootstrap servers (host:port,...)", SV_OPT_REQUIRED},
    {"kafka-option", 0, "SOLVEIT_KAFKA_OPTIONS", SV_OPT_KAFKA, OFF(kafka_options), OFF(kafka_option_count), 0, 0,
     "KEY=VALUE", "verify: librdkafka options for the producer; repeatable", 0},
    {"topic-submissions", 0, "SOLVEIT_TOPIC_SUBMISSIONS", SV_OPT_STRING, OFF(topic_submissions), 0, 0, 0, "NAME",
     "verify: the topic submissions are sent to", SV_OPT_REQUIRED},
    {"slug", 0, NULL, SV_OPT_STRING, OFF(slug), 0, 0, 0, "SLUG",
     "import: the task's slug (default: the package's directory or zip name)", 0},
    {"max-file-size", 0, "SOLVEIT_PACKAGE_MAX_FILE_BYTES", SV_OPT_LONG, OFF(max_file_bytes), 0, 1, 1e12, "BYTES",
     "import: the largest file a package may hold", 0},
    {"json", 0, NULL, SV_OPT_FLAG, OFF(json), 0, 0, 0, NULL, "print the outcome as JSON", 0},
    {"timeout", 0, "SOLVEIT_VERIFY_TIMEOUT", SV_OPT_SECONDS, OFF(timeout), 0, 1, 86400, "SECONDS",
     "verify: how long to wait for the judgements", 0},
    {"help", 'h', NULL, SV_OPT_HELP, 0, 0, 0, 0, NULL, "this text", 0},
    {"version", 'V', NULL, SV_OPT_VERSION, 0, 0, 0, 0, NULL, "the version", 0},
};

static void set_defaults(admin_config *c)
{
	memset(c, 0, sizeof(*c));
	c->db = strdup("");
	c->brokers = strdup("localhost:9092");
	c->topic_submissions = strdup(SV_TOPIC_SUBMISSIONS);
	c->timeout = 600;
	c->max_file_bytes = 256L << 20;
}

SV_OPTIONS_SPEC(spec, "solveit-admin",
		"Subcommands:\n"
		"  import PACKAGE.zip|DIR [--slug SLUG] [--json]\n"
		"  verify TASK [--json] [--timeout SECONDS]\n"
		"import stores a Kattis/ICPC (legacy, 2023-07, 2025-09) or DOMjudge problem package as a task,\n"
		"or as a new revision of the task with the same package uuid or slug, and lists every warning.\n"
		"verify judges the package's own submissions (as the staff account " ADMIN_VERIFY_USER ") through\n"
		"Kafka and the judge, computes a pending time limit, and prints expected against got.",
		"Exit status: import 0 stored, 1 the package cannot be imported, 2 other errors;\n"
		"verify 0 all agree, 1 some do not, 2 errors.\n",
		options, admin_config, set_defaults);

static int takes_value(const char *arg)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (!strncmp(arg, "--", 2) && !strcmp(arg + 2, options[i].name))
			return options[i].type != SV_OPT_FLAG && options[i].type != SV_OPT_HELP &&
			       options[i].type != SV_OPT_VERSION;
	}
	return 0;
}

/* Moves the words that are not options (the subcommand and its argument) out of argv into words. */
static int split_args(int argc, char **argv, char **words, int max)
{
	int n = 0, k = 1;

	for (int a = 1; a < argc; a++) {
		if (argv[a][0] != '-') {
			if (n < max)
				words[n] = argv[a];
			n++;
			continue;
		}
		argv[k++] = argv[a];
		if (takes_value(argv[a]) && a + 1 < argc)
			argv[k++] = argv[++a];
	}
	argv[k] = NULL;
	return n;
}

static int count_options(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

static void print_json(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	if (text)
		puts(text);
	free(text);
	cJSON_Delete(o);
}

static int fail(const admin_config *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(const admin_config *c, int status, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "error", msg);
		print_json(o);
	}
	fprintf(stderr, "solveit-admin: %s\n", msg);
	return status;
}

static int read_package(const admin_config *c, const char *path, sv_package **pkg, char *err, size_t errlen)
{
	sv_package_options opts = {(size_t)c->max_file_bytes, 0, c->slug, NULL};
	struct stat st;
	char *zip;
	FILE *f;
	int rc;

	if (stat(path, &st) < 0)
		return snprintf(err, errlen, "%s", strerror(errno)), -1;
	if (S_ISDIR(st.st_mode))
		return sv_package_read_dir(path, &opts, pkg, err, errlen);
	if ((size_t)st.st_size > MAX_ZIP)
		return snprintf(err, errlen, "the zip is larger than %zu bytes", MAX_ZIP), -1;
	if (!(f = fopen(path, "rb")) || !(zip = malloc((size_t)st.st_size + 1))) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fread(zip, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		snprintf(err, errlen, "cannot be read");
		fclose(f);
		free(zip);
		return -1;
	}
	fclose(f);
	opts.name_hint = path;
	rc = sv_package_read_zip(zip, (size_t)st.st_size, &opts, pkg, err, errlen);
	free(zip);
	return rc;
}

static void print_import(const admin_config *c, const sv_package *pkg, const sv_import_result *r)
{
	size_t n = sv_package_warning_count(pkg);

	if (c->json) {
		cJSON *o = cJSON_CreateObject(), *w = cJSON_AddArrayToObject(o, "warnings");

		cJSON_AddNumberToObject(o, "task_id", (double)r->task_id);
		cJSON_AddStringToObject(o, "slug", r->slug);
		cJSON_AddNumberToObject(o, "revision", r->revision);
		cJSON_AddBoolToObject(o, "created", r->created);
		cJSON_AddNumberToObject(o, "tests", (double)r->tests);
		cJSON_AddNumberToObject(o, "submissions", (double)r->submissions);
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(w, cJSON_CreateString(sv_package_warning(pkg, i)));
		print_json(o);
		return;
	}
	printf("task %lld (%s): %s, revision %d; %zu tests, %zu package submissions\n", r->task_id, r->slug,
	       r->created ? "created" : "updated", r->revision, r->tests, r->submissions);
	for (size_t i = 0; i < n; i++)
		printf("warning: %s\n", sv_package_warning(pkg, i));
}

static PGconn *connect_db(const admin_config *c, char *err, size_t errlen)
{
	PGconn *conn = sv_pg_connect(c->db, "solveit-admin");

	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		sv_pg_message(err, errlen, conn ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

static int cmd_import(const admin_config *c, const char *path)
{
	char err[1024];
	sv_package *pkg = NULL;
	sv_import_result r;
	sv_actor actor = {0, NULL};
	char who[300];
	sv_sql sql;
	PGconn *conn;
	int rc;

	if (read_package(c, path, &pkg, err, sizeof(err)) < 0)
		return fail(c, ADMIN_MISMATCH, "%s: %s", path, err);
	/* No account behind the shell: the audit row names the command and the Unix user. */
	struct passwd *pw = getpwuid(geteuid());
	snprintf(who, sizeof(who), "solveit-admin (unix user %s)", pw ? pw->pw_name : "?");
	actor.name = who;
	if (!(conn = connect_db(c, err, sizeof(err)))) {
		sv_package_free(pkg);
		return fail(c, ADMIN_ERROR, "database: %s", err);
	}
	admin_sql_init(&sql, conn);
	rc = sv_package_store(pkg, &sql, &actor, &r, err, sizeof(err));
	PQfinish(conn);
	if (rc < 0) {
		sv_package_free(pkg);
		return fail(c, ADMIN_ERROR, "%s: not stored: %s", path, err);
	}
	print_import(c, pkg, &r);
	sv_package_free(pkg);
	return ADMIN_OK;
}

static int cmd_verify(const admin_config *c, const char *task)
{
	char err[1024];
	sv_sql sql;
	PGconn *conn;
	int rc;

	if (!(conn = connect_db(c, err, sizeof(err))))
		return fail(c, ADMIN_ERROR, "database: %s", err);
	admin_sql_init(&sql, conn);
	rc = admin_verify(c, &sql, task, stdout, err, sizeof(err));
	PQfinish(conn);
	if (rc == ADMIN_ERROR)
		return fail(c, ADMIN_ERROR, "verify %s: %s", task, err);
	return rc;
}

int main(int argc, char **argv)
{
	admin_config cfg;
	char err[512], *words[4];
	int n = split_args(argc, argv, words, 4), rc;

	set_defaults(&cfg);
	rc = sv_options_load(&spec, &cfg, count_options(argv), argv, (sv_getenv_fn *)getenv, stdout, err, sizeof(err));
	if (rc == SV_OPTIONS_HELP || rc == SV_OPTIONS_VERSION) {
		sv_options_free(&spec, &cfg);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "solveit-admin: %s\n", err);
		rc = ADMIN_ERROR;
	} else if (n == 2 && !strcmp(words[0], "import")) {
		rc = cmd_import(&cfg, words[1]);
	} else if (n == 2 && !strcmp(words[0], "verify")) {
		rc = cmd_verify(&cfg, words[1]);
	} else if (n >= 1 && !strcmp(words[0], "settings")) {
		rc = admin_settings(&cfg, n - 1, words + 1);
	} else {
		fprintf(stderr, "solveit-admin: %s (see --help)\n",
			n == 0 ? "a subcommand is needed: import PACKAGE or verify TASK"
			: n == 1 && (!strcmp(words[0], "import") || !strcmp(words[0], "verify"))
			    ? "the subcommand needs its argument: import PACKAGE, verify TASK"
			    : "unknown subcommand or extra arguments: import PACKAGE or verify TASK");
		rc = ADMIN_ERROR;
	}
	sv_options_free(&spec, &cfg);
	return rc;
}
