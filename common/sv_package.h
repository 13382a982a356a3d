#ifndef SV_PACKAGE_H
#define SV_PACKAGE_H

#include <stddef.h>

/* Problem packages (DESIGN.md §7 and §8, reference/judging-and-packages.md §3): the Kattis / ICPC
 * problem package format (legacy and 2023-07 problem.yaml) and DOMjudge's zip variant
 * (domjudge-problem.ini, .timelimit), read from a zip in memory or from a directory, into a model
 * that sv_package_store writes into PostgreSQL in one transaction. Used by solveit-admin (libpq)
 * and by mod_solveit's POST /api/admin/tasks/import (apr_dbd): both give the store an sv_sql.
 *
 * Nothing is dropped silently: every feature of a package that cannot be imported adds a warning;
 * a package that cannot be imported at all (no data/, bad YAML, a path with "..", a file over the
 * size limit) is an error and nothing is written. */

typedef struct sv_package sv_package;

typedef struct {
	size_t max_file_bytes;  /* per file; 0: 256 MiB */
	size_t max_total_bytes; /* unpacked, all files; 0: 2 GiB */
	const char *slug;       /* NULL: from problem.yaml's short name, the directory or zip name */
	const char *name_hint;  /* the zip's or directory's base name, for the slug when nothing else names it */
} sv_package_options;

/* Reads a package. Returns 0 with *out set (sv_package_free it), or -1 with a readable reason in
 * err ("data/ is missing", "problem.yaml line 3: ...") and *out NULL. */
int sv_package_read_zip(const void *zip, size_t len, const sv_package_options *opts, sv_package **out, char *err,
			size_t errlen);
int sv_package_read_dir(const char *path, const sv_package_options *opts, sv_package **out, char *err, size_t errlen);
void sv_package_free(sv_package *pkg);

/* The warnings gathered while reading (and storing), in order; valid until sv_package_free. */
size_t sv_package_warning_count(const sv_package *pkg);
const char *sv_package_warning(const sv_package *pkg, size_t index);
const char *sv_package_slug(const sv_package *pkg);

/* A database session: one statement at a time with $1.. parameters, text or binary. The store
 * calls begin/commit/rollback around its statements. exec returns 0 and gives each result row to
 * row (values as text, NULL for SQL NULL; row may be NULL), or -1 with the database's message in
 * err. */
typedef struct {
	void *baton;
	int (*exec)(void *baton, const char *sql, int nparams, const char *const *values, const size_t *lengths,
		    const int *binary, void (*row)(void *rowbaton, int ncols, const char *const *cols), void *rowbaton,
		    char *err, size_t errlen);
} sv_sql;

typedef struct {
	long long task_id;
	char slug[80];
	int created; /* 1: a new task; 0: a new revision of the task with the same uuid or slug */
	int revision;
	size_t tests;
	size_t submissions; /* the package's own submissions stored for solveit-admin verify */
} sv_import_result;

/* Who imports, for the staff_audit row the store writes with the change: a staff account
 * (user_id), or no account (user_id 0) and a name saying who ("solveit-admin (unix user root)"). */
typedef struct {
	long long user_id;
	const char *name;
} sv_actor;

/* Writes the package as a task (a new one, or a new revision of the task with the same package uuid,
 * else the same slug: its tests, groups, validator and package submissions are replaced; its
 * submissions stay) in one transaction, with its staff_audit row (action "import", the task before
 * and after). Returns 0, or -1 with err and nothing written. */
int sv_package_store(sv_package *pkg, const sv_sql *db, const sv_actor *actor, sv_import_result *res, char *err,
		     size_t errlen);

#endif
