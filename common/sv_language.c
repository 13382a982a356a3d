#include "sv_language.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_parse.h"

const sv_judge0_language sv_judge0_languages[] = {
    {43, "Plain Text"},
    {44, "Executable"},
    {45, "Assembly (NASM 2.14.02)"},
    {46, "Bash (5.0.0)"},
    {47, "Basic (FBC 1.07.1)"},
    {48, "C (GCC 7.4.0)"},
    {49, "C (GCC 8.3.0)"},
    {50, "C (GCC 9.2.0)"},
    {51, "C# (Mono 6.6.0.161)"},
    {52, "C++ (GCC 7.4.0)"},
    {53, "C++ (GCC 8.3.0)"},
    {54, "C++ (GCC 9.2.0)"},
    {55, "Common Lisp (SBCL 2.0.0)"},
    {56, "D (DMD 2.089.1)"},
    {57, "Elixir (1.9.4)"},
    {58, "Erlang (OTP 22.2)"},
    {59, "Fortran (GFortran 9.2.0)"},
    {60, "Go (1.13.5)"},
    {61, "Haskell (GHC 8.8.1)"},
    {62, "Java (OpenJDK 13.0.1)"},
    {63, "JavaScript (Node.js 12.14.0)"},
    {64, "Lua (5.3.5)"},
    {65, "OCaml (4.09.0)"},
    {66, "Octave (5.1.0)"},
    {67, "Pascal (FPC 3.0.4)"},
    {68, "PHP (7.4.1)"},
    {69, "Prolog (GNU Prolog 1.4.5)"},
    {70, "Python (2.7.17)"},
    {71, "Python (3.8.1)"},
    {72, "Ruby (2.7.0)"},
    {73, "Rust (1.40.0)"},
    {74, "TypeScript (3.7.4)"},
    {75, "C (Clang 7.0.1)"},
    {76, "C++ (Clang 7.0.1)"},
    {77, "COBOL (GnuCOBOL 2.2)"},
    {78, "Kotlin (1.3.70)"},
    {79, "Objective-C (Clang 7.0.1)"},
    {80, "R (4.0.0)"},
    {81, "Scala (2.13.2)"},
    {82, "SQL (SQLite 3.27.2)"},
    {83, "Swift (5.2.3)"},
    {84, "Visual Basic.Net (vbnc 0.0.0.5943)"},
    {85, "Perl (5.28.1)"},
    {86, "Clojure (1.10.1)"},
    {87, "F# (.NET Core SDK 3.1.202)"},
    {88, "Groovy (3.0.3)"},
};
const size_t sv_judge0_language_count = sizeof(sv_judge0_languages) / sizeof(sv_judge0_languages[0]);

const char *sv_judge0_language_name(int id)
{
	for (size_t i = 0; i < sv_judge0_language_count; i++)
		if (sv_judge0_languages[i].id == id)
			return sv_judge0_languages[i].name;
	return NULL;
}

int sv_language_entry(const cJSON *item, size_t index, int *id, const char **name, char *err, size_t errlen)
{
	long long v;

	if (!cJSON_IsObject(item)) {
		snprintf(err, errlen, "languages[%zu]: must be an object", index);
		return -1;
	}
	if (sv_json_ll(cJSON_GetObjectItemCaseSensitive(item, "id"), 1, SV_LANGUAGE_ID_MAX, &v) < 0) {
		snprintf(err, errlen, "languages[%zu]: \"id\" must be a positive integer", index);
		return -1;
	}
	*id = (int)v;
	*name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "name"));
	if (!*name || !**name) {
		snprintf(err, errlen, "language %d: \"name\" is missing", *id);
		return -1;
	}
	return 0;
}

int sv_language_names_parse(const char *text, sv_language_names *out, char *err, size_t errlen)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *langs = cJSON_GetObjectItemCaseSensitive(root, "languages"), *item;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsArray(langs) || cJSON_GetArraySize(langs) == 0) {
		snprintf(err, errlen, root ? "\"languages\" must be a non-empty array" : "not valid JSON");
		cJSON_Delete(root);
		return -1;
	}
	out->v = calloc((size_t)cJSON_GetArraySize(langs), sizeof(*out->v));
	if (!out->v) {
		snprintf(err, errlen, "out of memory");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(item, langs)
	{
		const char *name;

		if (sv_language_entry(item, i, &out->v[i].id, &name, err, errlen) < 0)
			goto fail;
		if (sv_language_names_find(out, out->v[i].id)) {
			snprintf(err, errlen, "language %d appears twice", out->v[i].id);
			goto fail;
		}
		if (!(out->v[i].name = strdup(name))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		out->n = ++i;
	}
	cJSON_Delete(root);
	return 0;
fail:
	cJSON_Delete(root);
	sv_language_names_free(out);
	return -1;
}

static int parse_names(const char *text, void *out, char *err, size_t errlen)
{
	return sv_language_names_parse(text, out, err, errlen);
}

int sv_language_names_load(const char *path, sv_language_names *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return sv_load_file(path, 1024 * 1024, parse_names, out, err, errlen);
}

int sv_load_file(const char *path, size_t max, sv_text_parser *parse, void *out, char *err, size_t errlen)
{
	char msg[256], *text = sv_read_file(path, max, err, errlen);
	int rc;

	if (!text)
		return -1;
	rc = parse(text, out, msg, sizeof(msg));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(text);
	return rc;
}

const char *sv_language_names_find(const sv_language_names *names, int id)
{
	for (size_t i = 0; i < names->n; i++)
		if (names->v[i].id == id)
			return names->v[i].name;
	return NULL;
}

void sv_language_names_free(sv_language_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i].name);
	free(names->v);
	names->v = NULL;
	names->n = 0;
}

char *sv_read_file(const char *path, size_t max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	long size;

	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || (size_t)size > max || fseek(f, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "%s: unreadable or larger than %zu bytes", path, max);
		goto end;
	}
	text = malloc((size_t)size + 1);
	if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, errlen, "cannot read %s", path);
		free(text);
		text = NULL;
		goto end;
	}
	text[size] = '\0';
end:
	fclose(f);
	return text;
}
