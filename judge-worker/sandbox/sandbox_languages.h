#ifndef SV_SANDBOX_LANGUAGES_H
#define SV_SANDBOX_LANGUAGES_H

/* The languages data file (languages.json): parsing, checking and argument expansion. Pure logic apart from
 * sv_lang_table_check(), which looks at the host file system; unit-tested in tests/unit/check_sandbox.c.
 *
 * Format:
 *   {"mounts": ["/usr", "/lib64", ...],          host paths visible read-only in every box (same path)
 *    "env": ["PATH=/usr/bin:/bin", ...],          environment of every program
 *    "languages": [
 *      {"id": 50, "name": "C (GCC 12)", "source_file": "main.c",
 *       "compile": ["/usr/bin/gcc", "-O2", "-o", "a.out", "main.c"],   optional; runs in /prog (writable)
 *       "run": ["/prog/a.out"],                                         runs in /box, /prog read-only
 *       "mounts": [...], "env": [...],                                   optional, added to the global ones
 *       "out_of_memory": "java.lang.OutOfMemoryError",                  optional: a failed run whose stderr
 *                                                                        holds this text ran out of memory
 *       "rlimit_data": false,                                           optional: no RLIMIT_DATA without cgroups
 *       "toolchain": ["/usr/lib/jvm/default-java/bin/javac", ...],      optional: files whose identity (path,
 *                                                                        size, mtime) keys the compile cache;
 *                                                                        default the compiler (compile[0])
 *       "run_optional": {"file": F, "newer_than": G, "args": [...]}}]}   optional: args after run[0] while F is
 *                                                                        a root-owned file changed after G
 * Arguments may hold {memory_kb}, {memory_mb} and {stack_kb}, replaced by the limits of the execution. */

#include <stddef.h>

#include "sandbox.h"

struct sv_strv {
	char **v;
	size_t n;
};

struct sv_lang {
	sv_language pub;
	struct sv_strv compile; /* n == 0: interpreted */
	struct sv_strv run;
	struct sv_strv mounts;
	struct sv_strv env;
	char *out_of_memory; /* text the runtime prints to stderr when its own heap limit is hit, or NULL */
	int rlimit_data;     /* 0: never RLIMIT_DATA (a runtime that maps address space up front; its heap flags
			      * are the limit when there is no memory cgroup) */
	char *unavailable_buf;
	/* Compile-cache identity (sv_lang_table_check): what a cached compilation depends on besides the
	 * source and the limits. The paths of "toolchain" (default: the compiler) resolved, with size and
	 * mtime, and the compile command; a compiler upgrade changes it. */
	struct sv_strv toolchain;
	char *toolchain_id;
	/* "run_optional": args put after the run command's program when file is there and is not older (ctime)
	 * than newer_than, decided by sv_lang_table_check (Java's class-data sharing archive: used when it was
	 * built for the JDK installed now, else the JDK's default archive). run is then a view of run_plain's
	 * and these strings; run_plain owns the command as the file gives it. */
	struct sv_strv run_plain;
	struct sv_strv opt_args;
	char *opt_file, *opt_newer_than;
	int opt_used;
};

struct sv_lang_table {
	struct sv_lang *langs;
	size_t n;
	struct sv_strv mounts;
	struct sv_strv env;
};

/* Parses the JSON text of a languages file. Returns 0, or -1 with a message naming the faulty entry. On
 * failure the table is left empty. */
int sv_lang_table_parse(const char *text, struct sv_lang_table *table, char *err, size_t errlen);

/* Reads and parses a file. */
int sv_lang_table_load(const char *path, struct sv_lang_table *table, char *err, size_t errlen);

/* Marks languages whose compiler or interpreter is missing on this host, or would not be visible inside the
 * box (its real path lies outside every mount), as unavailable, with the reason. Returns how many are
 * available. */
size_t sv_lang_table_check(struct sv_lang_table *table);

/* The toolchain identity text of a language: its compile command and, for each toolchain file, its
 * resolved path, size and mtime ("missing" when it is not there). NULL on allocation failure. */
char *sv_lang_toolchain_id(const struct sv_lang *lang);

const struct sv_lang *sv_lang_table_find(const struct sv_lang_table *table, int id);

void sv_lang_table_free(struct sv_lang_table *table);

/* Expands {memory_kb}, {memory_mb} and {stack_kb} in arg. Returns a malloc'd string, NULL on allocation failure. */
char *sv_lang_expand_arg(const char *arg, long memory_kb, long stack_kb);

/* Is path (absolute, already resolved) equal to or below one of the mounts? */
int sv_lang_path_visible(const struct sv_strv *mounts, const char *path);

#endif
