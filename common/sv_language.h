#ifndef SV_LANGUAGE_H
#define SV_LANGUAGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Languages, by Judge0 CE 1.13 id (ids mean the same to the module, the executors and the
 * sandbox). Two sources of names: Judge0's own table, which says which ids exist, and a
 * languages.json (the sandbox's data file), which names the toolchain that really runs there
 * ("Python (3.11)" where Judge0 would say "Python (3.8.1)").
 *
 * The module can replace its own table with these: validate SolveitLanguages ids with
 * sv_judge0_language_name(id) != NULL, and for /api/languages prefer the name from
 * sv_language_names_load(<the judge's languages.json>) when configured, falling back to
 * sv_judge0_language_name. */

typedef struct {
	int id;
	const char *name;
} sv_judge0_language;

/* Judge0 CE 1.13.1's active languages (db/languages/active.rb), in id order. */
extern const sv_judge0_language sv_judge0_languages[];
extern const size_t sv_judge0_language_count;

/* Judge0's name of id; NULL when Judge0 CE 1.13 has no such language. */
const char *sv_judge0_language_name(int id);

#define SV_LANGUAGE_ID_MAX 100000

/* Reads the "id" and "name" of languages.json's index-th language object (the errors name it as
 * "languages[index]" or "language <id>"). *name points into item. Returns 0 or -1 with err. */
int sv_language_entry(const cJSON *item, size_t index, int *id, const char **name, char *err, size_t errlen);

typedef struct {
	int id;
	char *name;
} sv_language_name;

typedef struct {
	sv_language_name *v;
	size_t n;
} sv_language_names;

/* id -> name of every language of a languages.json text or file. Returns 0, or -1 with a reason
 * in err (and nothing to free). */
int sv_language_names_parse(const char *text, sv_language_names *out, char *err, size_t errlen);
int sv_language_names_load(const char *path, sv_language_names *out, char *err, size_t errlen);

/* The name of id, or NULL. */
const char *sv_language_names_find(const sv_language_names *names, int id);
void sv_language_names_free(sv_language_names *names);

/* A whole file of at most max bytes as a malloc'd C string; NULL with err naming path. */
char *sv_read_file(const char *path, size_t max, char *err, size_t errlen);

/* Reads path (at most max bytes) and hands its text to parse; a parse error is prefixed with the
 * path. Returns what parse returns, or -1 when the file cannot be read. */
typedef int sv_text_parser(const char *text, void *out, char *err, size_t errlen);
int sv_load_file(const char *path, size_t max, sv_text_parser *parse, void *out, char *err, size_t errlen);

#endif
