#include "admin_users.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_md5.h>

#include <cjson/cJSON.h>

#include "admin_sql.h"
#include "sv_csv.h"
#include "sv_result.h"

#define CSV_MAX_BYTES   (8L << 20)
#define IMPORT_ROWS_MAX 5000 /* as POST /api/admin/users/import */

/* ---- Passwords ---------------------------------------------------------------------------------- */

/* One line of f without its line break; NULL at end of input. */
static char *read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static void forget(char *secret)
{
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}

/* The terminal's settings while echo is off, for a Ctrl-C at the prompt: the shell gets its echo
 * back (tcsetattr is async-signal-safe), then the signal does what it would have done. */
static struct termios echoing;

static void restore_echo(int sig)
{
	tcsetattr(STDIN_FILENO, TCSANOW, &echoing);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Asks on the terminal without echo; NULL at end of input. Echo goes off (and what was typed
 * ahead is dropped) before the prompt shows: what is typed after it is read. */
static char *ask(const char *prompt)
{
	static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
	struct termios quiet;
	int restore = tcgetattr(STDIN_FILENO, &echoing) == 0;
	char *line;

	if (restore) {
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			signal(signals[i], restore_echo);
		quiet = echoing;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	fputs(prompt, stderr);
	fflush(stderr);
	line = read_line(stdin);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSANOW, &echoing);
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			signal(signals[i], SIG_DFL);
	}
	fputc('\n', stderr);
	return line;
}

/* The new password of name, checked against the module's rules; NULL with err. */
static char *read_password(const char *name, char *err, size_t errlen)
{
	char prompt[120], *pw, *again;
	const char *problem;

	if (!isatty(STDIN_FILENO)) {
		if (!(pw = read_line(stdin))) {
			snprintf(err, errlen, "no password: stdin is empty (give it as one line on stdin)");
			return NULL;
		}
	} else {
		snprintf(prompt, sizeof(prompt), "New password for %s: ", name);
		if (!(pw = ask(prompt))) {
			snprintf(err, errlen, "no password given");
			return NULL;
		}
		if (!*pw) {
			forget(pw);
			snprintf(err, errlen, "the password is empty");
			return NULL;
		}
		if (!(again = ask("The same password again: ")) || strcmp(pw, again)) {
			forget(pw);
			forget(again);
			snprintf(err, errlen, "the two passwords differ; nothing was changed");
			return NULL;
		}
		forget(again);
	}
	if (!*pw)
		problem = "the password is empty";
	else
		problem = sv_account_password_problem(pw);
	if (problem) {
		forget(pw);
		snprintf(err, errlen, "%s", problem);
		return NULL;
	}
	return pw;
}

/* bcrypt as the module makes it (sv_auth_bcrypt): APR's, 16 random salt bytes. */
static int hash_password(const char *password, char *hash, size_t len)
{
	unsigned char salt[16];

	return apr_generate_random_bytes(salt, sizeof(salt)) == APR_SUCCESS &&
		       apr_bcrypt_encode(password, SV_ACCOUNT_BCRYPT_COST, salt, sizeof(salt), hash, len) == APR_SUCCESS
		   ? 0
		   : -1;
}

/* ---- create-user, set-password ------------------------------------------------------------------- */

static const char *col(const admin_row *r, int i)
{
	return i < r->n && r->col[i] ? r->col[i] : "";
}

/* solveit_admin_user_save (sql/023) in a transaction with the audit's actor; the answer's status
 * and body in *res. */
static int save_user(const sv_sql *db, const char *action, const char *id, const char *fields, const char *hash,
		     admin_row *res, char *err, size_t errlen)
{
	const char *v[4] = {action, id, fields, hash};

	if (admin_begin(db, err, errlen) < 0)
		return -1;
	if (admin_query(db, "SELECT status, body FROM solveit_admin_user_save(NULL, $1, $2::bigint, $3::jsonb, $4)", 4,
			v, admin_take_row, res, err, errlen) < 0 ||
	    !res->found || (atoi(col(res, 0)) < 300 && admin_audit_actor(db, err, errlen) < 0)) {
		if (!res->found && !*err)
			snprintf(err, errlen, "solveit_admin_user_save answered nothing");
		admin_rollback(db);
		return -1;
	}
	if (atoi(col(res, 0)) >= 300) {
		admin_rollback(db);
		return 0;
	}
	return admin_commit(db, err, errlen);
}

/* The body's "error", for a refused change. */
static void body_error(const char *body, char *err, size_t errlen)
{
	cJSON *o = cJSON_Parse(body);
	const char *e = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "error"));

	snprintf(err, errlen, "%s", e ? e : body);
	cJSON_Delete(o);
}

static void print_user(const admin_config *cfg, FILE *out, const char *verb, const char *body)
{
	cJSON *u = cJSON_Parse(body);
	const char *team = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "team"));

	if (cfg->json)
		fprintf(out, "%s\n", body);
	else
		fprintf(out, "user %.0f (%s): %s%s%s%s\n",
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(u, "id")),
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "username")), verb,
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "is_staff")) ? ", staff" : "",
			team ? ", team " : "", team ? team : "");
	cJSON_Delete(u);
}

static int user_id(const sv_sql *db, const char *name, admin_row *r, char *err, size_t errlen)
{
	const char *v[1] = {name};

	return admin_query(db, "SELECT id, auth_source FROM users WHERE username = $1", 1, v, admin_take_row, r, err,
			   errlen);
}

/* The new password of name, read and hashed into hash: ADMIN_OK, or why not in err. */
static int new_hash(const char *name, char *hash, size_t len, char *err, size_t errlen)
{
	char *pw = read_password(name, err, errlen);
	int rc;

	if (!pw)
		return ADMIN_MISMATCH;
	rc = hash_password(pw, hash, len);
	forget(pw);
	if (rc < 0)
		return snprintf(err, errlen, "cannot hash the password"), ADMIN_ERROR;
	return ADMIN_OK;
}

/* save_user, then the account (verb: what happened to it) or the refusal. */
static int save_and_print(const admin_config *cfg, const sv_sql *db, const char *action, const char *id,
			  const char *fields, char *hash, const char *verb, FILE *out, char *err, size_t errlen)
{
	admin_row res = {0};
	int rc = ADMIN_ERROR;

	if (save_user(db, action, id, fields, hash, &res, err, errlen) == 0) {
		if (atoi(col(&res, 0)) >= 300) {
			body_error(col(&res, 1), err, errlen);
			rc = ADMIN_MISMATCH;
		} else {
			print_user(cfg, out, verb, col(&res, 1));
			rc = ADMIN_OK;
		}
	}
	explicit_bzero(hash, strlen(hash));
	admin_row_free(&res);
	return rc;
}

int admin_create_user(const admin_config *cfg, const sv_sql *db, const char *name, FILE *out, char *err, size_t errlen)
{
	const char *problem = sv_account_username_problem(name);
	admin_row found = {0}, team = {0};
	char hash[64];
	cJSON *fields;
	char *text;
	int rc;

	if (problem)
		return snprintf(err, errlen, "%s", problem), ADMIN_MISMATCH;
	if (cfg->display_name && strlen(cfg->display_name) > SV_ACCOUNT_DISPLAY_MAX)
		return snprintf(err, errlen, "--display-name must be at most 200 bytes long"), ADMIN_MISMATCH;
	if (user_id(db, name, &found, err, errlen) < 0)
		return ADMIN_ERROR;
	if (found.found) {
		admin_row_free(&found);
		return snprintf(err, errlen, "the username \"%s\" is taken", name), ADMIN_MISMATCH;
	}
	if (cfg->team && *cfg->team) {
		const char *v[1] = {cfg->team};

		if (admin_query(db, "SELECT id FROM teams WHERE name = $1", 1, v, admin_take_row, &team, err, errlen) <
		    0)
			return ADMIN_ERROR;
		if (!team.found)
			return snprintf(err, errlen,
					"no team is named \"%s\" (create it on the staff pages, or use import-users, "
					"which makes the teams it names)",
					cfg->team),
			       ADMIN_MISMATCH;
	}
	if ((rc = new_hash(name, hash, sizeof(hash), err, errlen)) != ADMIN_OK) {
		admin_row_free(&team);
		return rc;
	}
	fields = cJSON_CreateObject();
	cJSON_AddStringToObject(fields, "username", name);
	if (cfg->display_name)
		cJSON_AddStringToObject(fields, "display_name", cfg->display_name);
	cJSON_AddBoolToObject(fields, "is_staff", cfg->staff);
	if (team.found)
		cJSON_AddNumberToObject(fields, "team_id", atof(col(&team, 0)));
	text = cJSON_PrintUnformatted(fields);
	cJSON_Delete(fields);
	rc = save_and_print(cfg, db, "solveit-admin create-user", NULL, text, hash, "created", out, err, errlen);
	free(text);
	admin_row_free(&team);
	return rc;
}

int admin_set_password(const admin_config *cfg, const sv_sql *db, const char *name, FILE *out, char *err, size_t errlen)
{
	admin_row found = {0};
	char hash[64];
	int rc;

	if (user_id(db, name, &found, err, errlen) < 0)
		return ADMIN_ERROR;
	if (!found.found)
		return snprintf(err, errlen, "no user is named \"%s\"", name), ADMIN_MISMATCH;
	if ((rc = new_hash(name, hash, sizeof(hash), err, errlen)) == ADMIN_OK)
		rc = save_and_print(cfg, db, "solveit-admin set-password", col(&found, 0), "{}", hash,
				    "password set (its sessions are ended)", out, err, errlen);
	admin_row_free(&found);
	return rc;
}

/* ---- import-users ---------------------------------------------------------------------------------- */

/* The whole of path ("-": stdin) as a C string; NULL with err. */
static char *read_text(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0;
	char *buf;

	if (!f)
		return snprintf(err, errlen, "%s: %s", path, strerror(errno)), NULL;
	if (!(buf = malloc(cap)))
		abort();
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (n > (size_t)CSV_MAX_BYTES) {
			snprintf(err, errlen, "%s: larger than %ld bytes", path, CSV_MAX_BYTES);
			break;
		}
		if (got == 0) {
			if (ferror(f))
				snprintf(err, errlen, "%s: cannot be read", path);
			break;
		}
		if (n + 1 == cap && !(buf = realloc(buf, cap *= 2)))
			abort();
	}
	if (f != stdin)
		fclose(f);
	if (*err) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int line_cmp(const void *a, const void *b)
{
	double x = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)a, "line"));
	double y = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)b, "line"));

	return x < y ? -1 : x > y;
}

/* Prints every refused row in line order, and the summary in err. */
static void print_problems(const admin_config *cfg, FILE *out, cJSON *errors, int total, char *err, size_t errlen)
{
	int n = cJSON_GetArraySize(errors);
	cJSON **items = calloc((size_t)n + 1, sizeof(cJSON *));

	snprintf(err, errlen, "%d of %d rows cannot be imported; nothing was written", n, total);
	for (int i = 0; i < n; i++)
		items[i] = cJSON_GetArrayItem(errors, i);
	qsort(items, (size_t)n, sizeof(cJSON *), line_cmp);
	if (cfg->json) {
		cJSON *o = cJSON_CreateObject(), *rows = cJSON_AddArrayToObject(o, "rows");
		char *text;

		cJSON_AddStringToObject(o, "error", err);
		for (int i = 0; i < n; i++)
			cJSON_AddItemToArray(rows, cJSON_Duplicate(items[i], 1));
		text = cJSON_PrintUnformatted(o);
		fprintf(out, "%s\n", text);
		free(text);
		cJSON_Delete(o);
		err[0] = '\0'; /* the object says it all: nothing more on stderr */
	} else {
		fprintf(out, "%-6s | %s\n", "line", "error");
		for (int i = 0; i < n; i++)
			fprintf(out, "%-6.0f | %s\n",
				cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(items[i], "line")),
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(items[i], "error")));
	}
	free(items);
}

/* solveit_admin_users_import in a transaction with the audit's actor; its (status, body). */
static int import_rows(const sv_sql *db, const cJSON *rows, int dry_run, admin_row *res, char *err, size_t errlen)
{
	char *text = cJSON_PrintUnformatted(rows);
	const char *v[3] = {"solveit-admin import-users", text, dry_run ? "true" : "false"};
	int rc = -1;

	if (admin_begin(db, err, errlen) == 0) {
		if (admin_query(db,
				"SELECT status, body FROM solveit_admin_users_import(NULL, $1, $2::jsonb, $3::boolean)",
				3, v, admin_take_row, res, err, errlen) < 0 ||
		    !res->found || (atoi(col(res, 0)) < 300 && admin_audit_actor(db, err, errlen) < 0))
			admin_rollback(db);
		else if (atoi(col(res, 0)) >= 300 || dry_run)
			admin_rollback(db), rc = 0;
		else
			rc = admin_commit(db, err, errlen);
	}
	free(text);
	return rc;
}

/* The database's problems (names taken or repeated) of the rows that parsed, added to errors. */
static int add_database_problems(const sv_sql *db, const cJSON *rows, cJSON *errors, char *err, size_t errlen)
{
	admin_row res = {0};
	cJSON *names = cJSON_CreateArray(), *answer;
	const cJSON *p;
	int rc;

	cJSON_ArrayForEach(p, rows) /* the names only: the passwords stay here */
	{
		cJSON *n = cJSON_CreateObject();

		cJSON_AddItemToObject(n, "line", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p, "line"), 1));
		cJSON_AddItemToObject(n, "username",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p, "username"), 1));
		cJSON_AddItemToArray(names, n);
	}
	rc = import_rows(db, names, 1, &res, err, errlen);
	cJSON_Delete(names);
	if (rc < 0)
		return -1;
	answer = cJSON_Parse(col(&res, 1));
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(answer, "rows"))
	{
		cJSON *e = cJSON_CreateObject();

		cJSON_AddItemToObject(e, "line", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p, "line"), 1));
		cJSON_AddItemToObject(e, "error", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p, "error"), 1));
		cJSON_AddItemToArray(errors, e);
	}
	cJSON_Delete(answer);
	admin_row_free(&res);
	return 0;
}

static void print_created(const admin_config *cfg, FILE *out, const char *body)
{
	cJSON *o = cJSON_Parse(body), *list;
	const cJSON *u;

	if (cfg->json) {
		fprintf(out, "%s\n", body);
	} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "dry_run"))) {
		fprintf(out, "dry run: %.0f accounts would be created; nothing was written\n",
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "would_create")));
		cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(o, "new_teams"))
		    fprintf(out, "new team: %s\n", cJSON_GetStringValue(u));
	} else {
		list = cJSON_GetObjectItemCaseSensitive(o, "created");
		fprintf(out, "%-8s | %-24s | %-5s | %s\n", "id", "username", "staff", "team");
		cJSON_ArrayForEach(u, list)
		{
			const char *team = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "team"));

			fprintf(out, "%-8.0f | %-24s | %-5s | %s\n",
				cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(u, "id")),
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "username")),
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "is_staff")) ? "yes" : "no",
				team ? team : "-");
		}
		fprintf(out, "%d accounts created\n", cJSON_GetArraySize(list));
	}
	cJSON_Delete(o);
}

int admin_import_users(const admin_config *cfg, const sv_sql *db, const char *path, FILE *out, char *err, size_t errlen)
{
	cJSON *rows, *errors, *row;
	admin_row res = {0};
	size_t len = 0;
	char *text, *clean;
	int rc = ADMIN_MISMATCH, total;

	err[0] = '\0';
	if (!(text = read_text(path, &len, err, errlen)))
		return ADMIN_ERROR;
	if (len == 0) {
		free(text);
		return snprintf(err, errlen, "%s is empty (0 bytes)", path), ADMIN_MISMATCH;
	}
	clean = sv_utf8_sanitize(text, len, len, NULL);
	if (!clean || strlen(clean) != len || memcmp(clean, text, len)) {
		free(clean);
		free(text);
		return snprintf(err, errlen, "%s is not UTF-8 text", path), ADMIN_MISMATCH;
	}
	free(clean);
	rows = cJSON_CreateArray();
	errors = cJSON_CreateArray();
	sv_csv_accounts(text, rows, errors);
	explicit_bzero(text, len);
	free(text);
	total = cJSON_GetArraySize(rows) + cJSON_GetArraySize(errors);
	if (cJSON_GetArraySize(errors) > 0) {
		if (cJSON_GetArraySize(rows) > 0 && add_database_problems(db, rows, errors, err, errlen) < 0)
			rc = ADMIN_ERROR;
		else
			print_problems(cfg, out, errors, total, err, errlen);
		goto out;
	}
	if (total == 0) {
		snprintf(err, errlen, "%s holds no accounts", path);
		goto out;
	}
	if (total > IMPORT_ROWS_MAX) {
		snprintf(err, errlen, "at most %d accounts per import (%s has %d)", IMPORT_ROWS_MAX, path, total);
		goto out;
	}
	cJSON_ArrayForEach(row, rows)
	{
		cJSON *password = cJSON_GetObjectItemCaseSensitive(row, "password");
		char hash[64];

		if (!cfg->dry_run && hash_password(password->valuestring, hash, sizeof(hash)) < 0) {
			snprintf(err, errlen, "cannot hash the password");
			rc = ADMIN_ERROR;
			goto out;
		}
		explicit_bzero(password->valuestring, strlen(password->valuestring));
		cJSON_DeleteItemFromObjectCaseSensitive(row, "password");
		if (!cfg->dry_run)
			cJSON_AddStringToObject(row, "hash", hash);
	}
	if (import_rows(db, rows, cfg->dry_run, &res, err, errlen) < 0) {
		rc = ADMIN_ERROR;
	} else if (atoi(col(&res, 0)) >= 300) {
		cJSON *answer = cJSON_Parse(col(&res, 1));
		const cJSON *p;

		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(answer, "rows"))
		    cJSON_AddItemToArray(errors, cJSON_Duplicate(p, 1));
		cJSON_Delete(answer);
		print_problems(cfg, out, errors, total, err, errlen);
	} else {
		print_created(cfg, out, col(&res, 1));
		rc = ADMIN_OK;
	}
out:
	admin_row_free(&res);
	cJSON_Delete(rows);
	cJSON_Delete(errors);
	return rc;
}
