/* solveit-admin: the staff CLI of DESIGN.md §8, against PostgreSQL directly (and Kafka for the
 * submissions it sends). `import PACKAGE` reads a Kattis/ICPC or DOMjudge problem package (a zip or
 * a directory) and stores it as a task; `verify TASK` judges the package's own submissions and
 * compares them with what the package expects; create-user, set-password and import-users make
 * accounts (admin_users.c); rejudge and export-grades are admin_judging.c's. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "admin_assignments.h"
#include "admin_contest.h"
#include "admin_clarifications.h"
#include "admin_judging.h"
#include "admin_settings.h"
#include "admin_sql.h"
#include "admin_users.h"
#include "admin_verify.h"
#include "sv_language.h"
#include "sv_kafka_mac.h"
#include "sv_pg.h"
#include "sv_version.h"

#define OFF(field) offsetof(admin_config, field)
#define MAX_ZIP    ((size_t)2 << 30)

static const sv_option options[] = {
    {"db", 0, "SOLVEIT_DB", SV_OPT_STRING, OFF(db), 0, 0, 0, "CONNINFO",
     "PostgreSQL: libpq conninfo or URI (empty: libpq's environment and defaults)", 0},
    {"kafka-brokers", 0, "SOLVEIT_KAFKA_BROKERS", SV_OPT_STRING, OFF(brokers), 0, 0, 0, "LIST",
     "verify, rejudge: Kafka bootstrap servers (host:port,...)", SV_OPT_REQUIRED},
    {"kafka-option", 0, "SOLVEIT_KAFKA_OPTIONS", SV_OPT_KAFKA, OFF(kafka_options), OFF(kafka_option_count), 0, 0,
     "KEY=VALUE", "verify, rejudge: librdkafka options for the producer; repeatable", 0},
    SV_KEY_FILE_OPTION(admin_config, key_file), /* verify, rejudge: signs the messages (issue 14) */
    {"topic-submissions", 0, "SOLVEIT_TOPIC_SUBMISSIONS", SV_OPT_STRING, OFF(topic_submissions), 0, 0, 0, "NAME",
     "verify, rejudge: the topic submissions are sent to", SV_OPT_REQUIRED},
    {"slug", 0, NULL, SV_OPT_STRING, OFF(slug), 0, 0, 0, "SLUG",
     "import: the task's slug (default: the package's directory or zip name)", 0},
    {"max-file-size", 0, "SOLVEIT_PACKAGE_MAX_FILE_BYTES", SV_OPT_LONG, OFF(max_file_bytes), 0, 1, 1e12, "BYTES",
     "import: the largest file a package may hold", 0},
    {"staff", 0, NULL, SV_OPT_FLAG, OFF(staff), 0, 0, 0, NULL, "create-user: a staff account", 0},
    {"display-name", 0, NULL, SV_OPT_STRING, OFF(display_name), 0, 0, 0, "TEXT",
     "create-user: the name shown instead of the username", 0},
    {"team", 0, NULL, SV_OPT_STRING, OFF(team), 0, 0, 0, "NAME", "create-user: the team (it must exist)", 0},
    {"dry-run", 0, NULL, SV_OPT_FLAG, OFF(dry_run), 0, 0, 0, NULL, "import-users: check only, write nothing", 0},
    {"task", 0, NULL, SV_OPT_STRING, OFF(task), 0, 0, 0, "SLUG|ID", "rejudge: every submission of this task", 0},
    {"wait", 0, NULL, SV_OPT_FLAG, OFF(wait), 0, 0, 0, NULL,
     "rejudge: wait until they are judged and show before and after", 0},
    {"output", 'o', NULL, SV_OPT_STRING, OFF(output), 0, 0, 0, "FILE", "export-grades: write here (default: stdout)",
     0},
    {"json", 0, NULL, SV_OPT_FLAG, OFF(json), 0, 0, 0, NULL, "print the outcome as JSON", 0},
    {"timeout", 0, "SOLVEIT_VERIFY_TIMEOUT", SV_OPT_SECONDS, OFF(timeout), 0, 1, 86400, "SECONDS",
     "verify, rejudge --wait: how long to wait for the judgements", 0},
    /* issue 13: assignments (admin_assignments.c) */
    {"title", 0, NULL, SV_OPT_STRING, OFF(title), 0, 0, 0, "TEXT", "assignment create, update: the title", 0},
    {"tasks", 0, NULL, SV_OPT_STRING, OFF(tasks), 0, 0, 0, "SLUG,...", "assignment: its tasks, in order", 0},
    {"opens", 0, NULL, SV_OPT_STRING, OFF(opens), 0, 0, 0, "TIME",
     "assignment: when its tasks appear (ISO 8601 with a zone: 2026-12-08T10:00:00Z)", 0},
    {"due", 0, NULL, SV_OPT_STRING, OFF(due), 0, 0, 0, "TIME", "assignment: the deadline; later is late", 0},
    {"closes", 0, NULL, SV_OPT_STRING, OFF(closes), 0, 0, 0, "TIME",
     "assignment: the end of the late window (\"\": none)", 0},
    {"penalty", 0, NULL, SV_OPT_LONG, OFF(penalty), 0, 0, 100, "PERCENT", "assignment: taken off a late score", 0},
    {"teams", 0, NULL, SV_OPT_STRING, OFF(teams), 0, 0, 0, "NAME,...",
     "assignment: only these teams see it (\"\": everyone)", 0},
    {"contest", 0, NULL, SV_OPT_FLAG, OFF(contest), 0, 0, 0, NULL, "assignment: a contest (ICPC scoreboard)", 0},
    {"freeze", 0, NULL, SV_OPT_STRING, OFF(freeze), 0, 0, 0, "TIME", "assignment --contest: the board's freeze", 0},
    {"assignment", 0, NULL, SV_OPT_LONG, OFF(assignment), 0, 1, 999999999999999.0, "ID",
     "export-grades: that assignment's grades (its deadline and penalty)", 0},
    /* clarifications (admin_clarifications.c) */
    {"unanswered", 0, NULL, SV_OPT_FLAG, OFF(unanswered), 0, 0, 0, NULL, "clarifications: only the unanswered ones", 0},
    {"public", 0, NULL, SV_OPT_FLAG, OFF(public_answer), 0, 0, 0, NULL,
     "answer: to all (every student who sees the task), not only to the asker", 0},
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
	c->penalty = -1;
	c->key_file = strdup(SV_KEY_FILE_DEFAULT);
}

/* Each subcommand: its words (the name and its arguments, "*" for any number of them) and the
 * text `solveit-admin SUBCOMMAND --help` prints. */
typedef struct {
	const char *name;
	int min_args, max_args;
	const char *usage, *help;
} subcommand;

static const subcommand subcommands[] = {
    {"import", 1, 1, "import PACKAGE.zip|DIR [--slug SLUG] [--json]",
     "stores a Kattis/ICPC (legacy, 2023-07, 2025-09) or DOMjudge problem package as a task, or as a new\n"
     "revision of the task with the same package uuid or slug, and lists every warning.\n"
     "Exit status: 0 stored, 1 the package cannot be imported, 2 other errors."},
    {"verify", 1, 1, "verify TASK [--json] [--timeout SECONDS]",
     "judges the package's own submissions (as the staff account " ADMIN_VERIFY_USER ") through Kafka and the\n"
     "judge, computes a pending time limit, and prints expected against got.\n"
     "Exit status: 0 all agree, 1 some do not, 2 errors."},
    {"create-user", 1, 1, "create-user NAME [--staff] [--display-name TEXT] [--team NAME] [--json]",
     "creates a built-in account. The password is asked for twice on a terminal (not echoed), or read as\n"
     "the first line of stdin when stdin is not a terminal; it is never an argument. At least 8 characters,\n"
     "at most 72 bytes; the name is 1-64 of letters, digits and . _ - @. The first staff account of a fresh\n"
     "install: solveit-admin create-user admin --staff\n"
     "Exit status: 0 created, 1 refused (name taken or invalid, weak password, passwords differ, unknown\n"
     "team), 2 other errors."},
    {"set-password", 1, 1, "set-password NAME [--json]",
     "sets a new password (read as create-user reads it) and ends the account's sessions.\n"
     "Exit status: 0 set, 1 refused (no such user, weak password, passwords differ), 2 other errors."},
    {"import-users", 1, 1, "import-users FILE.csv|- [--dry-run] [--json]",
     "imports accounts from a CSV of username,display_name,password[,team][,staff] (the format of the\n"
     "staff pages' import: RFC 4180 quoting, an optional header row); teams it names are made. All or\n"
     "nothing: one bad row (a name taken or repeated, a weak password) and nothing is written, and every\n"
     "bad row is listed with its line. - reads the CSV from stdin.\n"
     "Exit status: 0 imported (or, with --dry-run, would be), 1 some rows refused, 2 other errors."},
    {"rejudge", 0, -1, "rejudge (--task SLUG|ID | SUBMISSION_ID...) [--wait [--timeout SECONDS]] [--json]",
     "judges submissions again with their next attempt, as the staff pages' rejudge does, sending them\n"
     "to Kafka; with --wait, waits until they are judged and prints each one's verdict and score before\n"
     "and after.\n"
     "Exit status: 0 queued (and, with --wait, judged), 1 unknown submissions or task (nothing queued),\n"
     "2 other errors (the database, Kafka, not judged within --timeout)."},
    {"export-grades", 0, 0, "export-grades [-o FILE] [--assignment ID]",
     "writes the grades CSV of the staff pages: one row per active student, one column per task with the\n"
     "best score, and the total. With --assignment, one row per active student who sees it, one column per\n"
     "task of it: the best score less the late penalty over the submissions stored before it closed.\n"
     "Exit status: 0 written, 1 no such assignment, 2 errors."},
    {"settings", 0, 2, "settings [KEY VALUE] [--json]",
     "without arguments lists the site settings (value, default, allowed values, what each does); with\n"
     "KEY VALUE sets one, checked by the database and recorded in the staff audit, e.g.\n"
     "solveit-admin settings leaderboard_visibility anonymised (public | anonymised | staff | off).\n"
     "Exit status: 0 listed or set, 1 the key or value is refused, 2 other errors."},
    /* issue 13: assignments (admin_assignments.c) */
    {"assignments", 0, 0, "assignments [--json]",
     "lists the assignments: id, title, state, opens, due, closes, late penalty and task ids.\n"
     "Exit status: 0 listed, 2 errors."},
    {"assignment", 1, 2,
     "assignment create --title T --tasks SLUG,... --opens T --due T [--closes T] [--penalty N]\n"
     "       [--teams NAME,...] [--contest [--freeze T]] | assignment update ID [the same options] |\n"
     "       assignment delete ID [--json]",
     "creates, changes (only the options given; \"\" clears --closes, --freeze, --teams) or deletes an\n"
     "assignment, as the staff pages do, recorded in the staff audit. Times are ISO 8601 with a zone\n"
     "(2026-12-08T10:00:00Z, 2026-12-08T11:00+01:00). A deleted assignment's tasks stay, in none.\n"
     "Exit status: 0 done, 1 refused (the reason: a time, a task in another assignment, an unknown slug,\n"
     "team or id), 2 other errors."},
    {"scoreboard", 1, 1, "scoreboard ID [--json]",
     "prints the live ICPC board of contest ID (an assignment made with --contest), as staff see it:\n"
     "rank, user, team, solved, penalty and per task \"+2 / 47\" (solved after 2 tries in minute 47, *: first\n"
     "to solve it), \"-3\" (3 rejected tries), \"?1\" (1 pending).\n"
     "Exit status: 0 printed, 1 no such contest, 2 other errors."},
    {"unfreeze", 1, 1, "unfreeze ID [--json]",
     "ends the freeze of contest ID's board: students see every result again. Recorded in the staff audit.\n"
     "Exit status: 0 unfrozen, 1 refused (no contest, no freeze time, not frozen yet, already unfrozen),\n"
     "2 other errors."},
    /* clarifications (admin_clarifications.c) */
    {"clarifications", 0, 0, "clarifications [--unanswered] [--json]",
     "lists the students' questions and the announcements, the unanswered ones first (oldest first),\n"
     "each with its task or assignment, asker, answer and who gave it, then how many wait for an answer.\n"
     "Exit status: 0 listed, 2 errors."},
    {"answer", 2, 2, "answer ID TEXT [--public] [--json]",
     "answers clarification ID (or answers it again: TEXT replaces the answer), privately (only the asker\n"
     "sees it) or, with --public, to all (every student who sees the task, without the asker's name).\n"
     "Exit status: 0 answered, 1 refused (no such clarification, an empty answer, an announcement made\n"
     "private), 2 other errors."},
    {"announce", 1, 1, "announce TEXT [--task SLUG|ID] [--json]",
     "posts an announcement, a public answer without a question: on the task's page with --task, else to\n"
     "everyone.\n"
     "Exit status: 0 posted, 1 refused (no such task, an empty text), 2 other errors."},
};

#define NSUB (sizeof(subcommands) / sizeof(subcommands[0]))

SV_OPTIONS_SPEC(spec, "solveit-admin",
		"Subcommands (solveit-admin SUBCOMMAND --help for each):\n"
		"  import PACKAGE.zip|DIR [--slug SLUG] [--json]\n"
		"  verify TASK [--json] [--timeout SECONDS]\n"
		"  create-user NAME [--staff] [--display-name TEXT] [--team NAME]\n"
		"  set-password NAME\n"
		"  import-users FILE.csv|- [--dry-run]\n"
		"  rejudge (--task SLUG|ID | SUBMISSION_ID...) [--wait] [--json]\n"
		"  export-grades [-o FILE]\n"
		"  settings [KEY VALUE]\n"
		"  assignments | assignment create|update ID|delete ID [--title T --tasks SLUG,... --opens T --due T\n"
		"    --closes T --penalty N --teams NAME,... --contest --freeze T]\n"
		"  scoreboard ID | unfreeze ID\n"
		"  clarifications [--unanswered]; answer ID TEXT [--public]; announce TEXT [--task SLUG|ID]\n"
		"Passwords are read from the terminal or stdin, never from the command line. Changes are recorded\n"
		"in the staff audit as \"solveit-admin (unix user NAME)\".",
		"Exit status: 0 done, 1 refused (the package, a row, a name, a password: see the message), 2 other\n"
		"errors (the database, Kafka, usage).\n",
		options, admin_config, set_defaults);

static const subcommand *find_subcommand(const char *name)
{
	for (size_t i = 0; i < NSUB; i++)
		if (!strcmp(subcommands[i].name, name))
			return &subcommands[i];
	return NULL;
}

static int takes_value(const char *arg)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if ((!strncmp(arg, "--", 2) && !strcmp(arg + 2, options[i].name)) ||
		    (options[i].short_name && arg[0] == '-' && arg[1] == options[i].short_name && !arg[2]))
			return options[i].type != SV_OPT_FLAG && options[i].type != SV_OPT_HELP &&
			       options[i].type != SV_OPT_VERSION;
	}
	return 0;
}

/* Moves the words that are not options (the subcommand and its arguments) out of argv into words. */
static int split_args(int argc, char **argv, char **words, int max)
{
	int n = 0, k = 1;

	for (int a = 1; a < argc; a++) {
		if (argv[a][0] != '-' || !strcmp(argv[a], "-")) {
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

static int asks_help(char **argv)
{
	for (int a = 1; argv[a]; a++)
		if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h"))
			return 1;
	return 0;
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
	admin_actor_name(who, sizeof(who));
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

/* The subcommands that work on an open connection: verify, the accounts, rejudge and grades. */
static int run_with_db(const admin_config *c, const subcommand *sub, char **args, int nargs)
{
	char err[2048] = "";
	sv_sql sql;
	PGconn *conn;
	int rc;

	if (!(conn = connect_db(c, err, sizeof(err))))
		return fail(c, ADMIN_ERROR, "database: %s", err);
	admin_sql_init(&sql, conn);
	if (!strcmp(sub->name, "verify"))
		rc = admin_verify(c, &sql, args[0], stdout, err, sizeof(err));
	else if (!strcmp(sub->name, "create-user"))
		rc = admin_create_user(c, &sql, args[0], stdout, err, sizeof(err));
	else if (!strcmp(sub->name, "set-password"))
		rc = admin_set_password(c, &sql, args[0], stdout, err, sizeof(err));
	else if (!strcmp(sub->name, "import-users"))
		rc = admin_import_users(c, &sql, args[0], stdout, err, sizeof(err));
	else if (!strcmp(sub->name, "rejudge"))
		rc = admin_rejudge(c, &sql, args, nargs, stdout, err, sizeof(err));
	else if (!strcmp(sub->name, "assignments"))
		rc = admin_assignments_list(c, &sql, stdout, err, sizeof(err));
	else if (!strcmp(sub->name, "assignment"))
		rc = admin_assignment(c, &sql, args, nargs, stdout, err, sizeof(err));
	else if (!strcmp(sub->name, "scoreboard") || !strcmp(sub->name, "unfreeze"))
		rc = admin_contest(c, &sql, sub->name, args[0], stdout, err, sizeof(err));
	else if (!strcmp(sub->name, "clarifications") || !strcmp(sub->name, "answer") || !strcmp(sub->name, "announce"))
		rc = admin_clarifications(c, &sql, sub->name, args, nargs, stdout, err, sizeof(err));
	else
		rc = admin_export_grades(c, &sql, stdout, err, sizeof(err));
	PQfinish(conn);
	if (rc == ADMIN_OK || !*err)
		return rc;
	if (!strcmp(sub->name, "verify")) /* a mismatch is the table itself */
		return rc == ADMIN_ERROR ? fail(c, rc, "verify %s: %s", args[0], err) : rc;
	return fail(c, rc, "%s: %s", sub->name, err);
}

#define MAX_WORDS (1 + 10000 + 1)

int main(int argc, char **argv)
{
	admin_config cfg;
	char err[512], **words = calloc(MAX_WORDS, sizeof(char *));
	int n, rc;
	const subcommand *sub;

	if (!words)
		return ADMIN_ERROR;
	n = split_args(argc, argv, words, MAX_WORDS);
	sub = n > 0 ? find_subcommand(words[0]) : NULL;
	if (sub && asks_help(argv)) {
		printf("Usage: solveit-admin %s\n%s\nsolveit-admin --help lists every option.\n", sub->usage,
		       sub->help);
		free(words);
		return 0;
	}
	set_defaults(&cfg);
	rc = sv_options_load(&spec, &cfg, count_options(argv), argv, (sv_getenv_fn *)getenv, stdout, err, sizeof(err));
	if (rc == SV_OPTIONS_HELP || rc == SV_OPTIONS_VERSION) {
		sv_options_free(&spec, &cfg);
		free(words);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "solveit-admin: %s\n", err);
		rc = ADMIN_ERROR;
	} else if (n == 0) {
		/* Named from the table, so that a new subcommand is never missing here. */
		fputs("solveit-admin: a subcommand is needed:", stderr);
		for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
			fprintf(stderr, "%s %s", i == 0 ? "" : ",", subcommands[i].name);
		fputs(" (see --help)\n", stderr);
		rc = ADMIN_ERROR;
	} else if (!sub) {
		fprintf(stderr, "solveit-admin: unknown subcommand \"%s\" (see --help)\n", words[0]);
		rc = ADMIN_ERROR;
	} else if (n - 1 < sub->min_args || (sub->max_args >= 0 && n - 1 > sub->max_args) || n > MAX_WORDS) {
		fprintf(stderr, "solveit-admin: %s: %s; usage: solveit-admin %s\n", sub->name,
			n - 1 < sub->min_args ? "the subcommand needs its argument" : "extra arguments", sub->usage);
		rc = ADMIN_ERROR;
	} else if (!strcmp(sub->name, "import")) {
		rc = cmd_import(&cfg, words[1]);
	} else if (!strcmp(sub->name, "settings")) {
		rc = admin_settings(&cfg, n - 1, words + 1);
	} else {
		rc = run_with_db(&cfg, sub, words + 1, n - 1);
	}
	sv_options_free(&spec, &cfg);
	free(words);
	return rc;
}
