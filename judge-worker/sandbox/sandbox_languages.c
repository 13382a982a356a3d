#define _GNU_SOURCE
#include "sandbox_languages.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv_language.h"

static void strv_free(struct sv_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* A box path: absolute, no "..", no "//", not "/" itself. */
static int clean_abs_path(const char *p)
{
	return p[0] == '/' && p[1] != '\0' && !strstr(p, "/..") && !strstr(p, "//") && !strstr(p, "/./") &&
	       p[strlen(p) - 1] != '/';
}

/* Reads an array of non-empty strings. Missing is fine when optional. kind checks each element: 0 any,
 * 1 box path, 2 NAME=value. */
static int get_strv(const cJSON *obj, const char *key, int optional, int kind, struct sv_strv *out, const char *where,
		    char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *item;
	size_t n = 0;

	out->v = NULL;
	out->n = 0;
	if (!arr && optional)
		return 0;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s: \"%s\" must be an array of strings", where, key);
		return -1;
	}
	out->v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
	if (!out->v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(item, arr)
	{
		const char *s = cJSON_GetStringValue(item);

		if (!s || !*s) {
			snprintf(err, errlen, "%s: \"%s\" must hold non-empty strings", where, key);
			goto fail;
		}
		if (kind == 1 && !clean_abs_path(s)) {
			snprintf(err, errlen, "%s: \"%s\": \"%s\" is not a clean absolute path", where, key, s);
			goto fail;
		}
		if (kind == 2 && (s[0] == '=' || !strchr(s, '='))) {
			snprintf(err, errlen, "%s: \"%s\": \"%s\" is not NAME=value", where, key, s);
			goto fail;
		}
		out->v[n] = strdup(s);
		if (!out->v[n]) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		out->n = ++n;
	}
	return 0;
fail:
	strv_free(out);
	return -1;
}

/* "run_optional" of a language (see sandbox_languages.h). */
static int parse_optional(const cJSON *item, struct sv_lang *lang, const char *where, char *err, size_t errlen)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(item, "run_optional");
	const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "file"));
	const char *newer = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "newer_than"));

	if (!o)
		return 0;
	if (!cJSON_IsObject(o) || !file || !clean_abs_path(file) || (newer && !clean_abs_path(newer))) {
		snprintf(err, errlen,
			 "%s: \"run_optional\" must be {\"file\": PATH, \"newer_than\": PATH, \"args\": [...]}", where);
		return -1;
	}
	if (get_strv(o, "args", 0, 0, &lang->opt_args, where, err, errlen) < 0)
		return -1;
	lang->opt_file = strdup(file);
	lang->opt_newer_than = newer ? strdup(newer) : NULL;
	if (!lang->opt_file || (newer && !lang->opt_newer_than)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* lang->run as the plain command, with the optional args after its program when with_optional. */
static int run_view(struct sv_lang *lang, int with_optional)
{
	size_t extra = with_optional ? lang->opt_args.n : 0, n = 0;
	char **v = calloc(lang->run_plain.n + extra + 1, sizeof(char *));

	if (!v)
		return -1;
	for (size_t i = 0; i < lang->run_plain.n; i++) {
		v[n++] = lang->run_plain.v[i];
		for (size_t k = 0; i == 0 && k < extra; k++)
			v[n++] = lang->opt_args.v[k];
	}
	free(lang->run.v);
	lang->run.v = v;
	lang->run.n = n;
	lang->opt_used = extra > 0;
	return 0;
}

/* Whether the optional file is there, root's, not writable by others, and changed after newer_than. */
static int optional_ok(const struct sv_lang *lang)
{
	struct stat f, g;

	if (!lang->opt_file || stat(lang->opt_file, &f) < 0 || !S_ISREG(f.st_mode) || f.st_uid != 0 ||
	    (f.st_mode & 022))
		return 0;
	if (!lang->opt_newer_than)
		return 1;
	return stat(lang->opt_newer_than, &g) == 0 &&
	       (f.st_ctim.tv_sec > g.st_ctim.tv_sec ||
		(f.st_ctim.tv_sec == g.st_ctim.tv_sec && f.st_ctim.tv_nsec >= g.st_ctim.tv_nsec));
}

static int parse_language(const cJSON *item, size_t index, struct sv_lang *lang, char *err, size_t errlen)
{
	const char *src = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "source_file"));
	const char *name;
	char where[64];
	int id;

	/* The id and name are read as every other reader of languages.json reads them. */
	if (sv_language_entry(item, index, &id, &name, err, errlen) < 0)
		return -1;
	snprintf(where, sizeof(where), "language %d", id);
	if (!src || !*src || strchr(src, '/') || !strcmp(src, ".") || !strcmp(src, "..") || strlen(src) > 64) {
		snprintf(err, errlen, "%s: \"source_file\" must be a plain file name", where);
		return -1;
	}
	lang->pub.id = id;
	lang->pub.name = strdup(name);
	lang->pub.source_file = strdup(src);
	if (!lang->pub.name || !lang->pub.source_file) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (get_strv(item, "compile", 1, 0, &lang->compile, where, err, errlen) < 0 ||
	    get_strv(item, "run", 0, 0, &lang->run_plain, where, err, errlen) < 0 ||
	    get_strv(item, "mounts", 1, 1, &lang->mounts, where, err, errlen) < 0 ||
	    get_strv(item, "env", 1, 2, &lang->env, where, err, errlen) < 0 ||
	    get_strv(item, "toolchain", 1, 1, &lang->toolchain, where, err, errlen) < 0)
		return -1;
	if (parse_optional(item, lang, where, err, errlen) < 0 || run_view(lang, 0) < 0)
		return -1;
	if (lang->run.n == 0 || lang->run.v[0][0] != '/' || (lang->compile.n > 0 && lang->compile.v[0][0] != '/')) {
		snprintf(err, errlen, "%s: \"run\" and \"compile\" must start with an absolute program path", where);
		return -1;
	}
	{
		const cJSON *oom = cJSON_GetObjectItemCaseSensitive(item, "out_of_memory");

		if (oom && (!cJSON_GetStringValue(oom) || !*cJSON_GetStringValue(oom))) {
			snprintf(err, errlen, "%s: \"out_of_memory\" must be a non-empty string", where);
			return -1;
		}
		if (oom && !(lang->out_of_memory = strdup(cJSON_GetStringValue(oom)))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	{
		const cJSON *rd = cJSON_GetObjectItemCaseSensitive(item, "rlimit_data");

		if (rd && !cJSON_IsBool(rd)) {
			snprintf(err, errlen, "%s: \"rlimit_data\" must be true or false", where);
			return -1;
		}
		lang->rlimit_data = !rd || cJSON_IsTrue(rd);
	}
	lang->pub.compiled = lang->compile.n > 0;
	lang->pub.available = 1;
	return 0;
}

int sv_lang_table_parse(const char *text, struct sv_lang_table *table, char *err, size_t errlen)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *langs, *item;
	size_t i = 0;

	memset(table, 0, sizeof(*table));
	if (!root) {
		snprintf(err, errlen, "not valid JSON (near byte %zu)",
			 cJSON_GetErrorPtr() ? (size_t)(cJSON_GetErrorPtr() - text) : (size_t)0);
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "the top level must be an object");
		goto fail;
	}
	if (get_strv(root, "mounts", 0, 1, &table->mounts, "top level", err, errlen) < 0 ||
	    get_strv(root, "env", 1, 2, &table->env, "top level", err, errlen) < 0)
		goto fail;
	langs = cJSON_GetObjectItemCaseSensitive(root, "languages");
	if (!cJSON_IsArray(langs) || cJSON_GetArraySize(langs) == 0) {
		snprintf(err, errlen, "\"languages\" must be a non-empty array");
		goto fail;
	}
	table->langs = calloc((size_t)cJSON_GetArraySize(langs), sizeof(*table->langs));
	if (!table->langs) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	cJSON_ArrayForEach(item, langs)
	{
		table->n = i + 1;
		if (parse_language(item, i, &table->langs[i], err, errlen) < 0)
			goto fail;
		for (size_t j = 0; j < i; j++) {
			if (table->langs[j].pub.id == table->langs[i].pub.id) {
				snprintf(err, errlen, "language %d appears twice", table->langs[i].pub.id);
				goto fail;
			}
		}
		i++;
	}
	cJSON_Delete(root);
	return 0;
fail:
	cJSON_Delete(root);
	sv_lang_table_free(table);
	return -1;
}

static int parse_table(const char *text, void *table, char *err, size_t errlen)
{
	return sv_lang_table_parse(text, table, err, errlen);
}

int sv_lang_table_load(const char *path, struct sv_lang_table *table, char *err, size_t errlen)
{
	memset(table, 0, sizeof(*table));
	return sv_load_file(path, 1024 * 1024, parse_table, table, err, errlen);
}

int sv_lang_path_visible(const struct sv_strv *mounts, const char *path)
{
	for (size_t i = 0; i < mounts->n; i++) {
		size_t len = strlen(mounts->v[i]);

		if (!strncmp(path, mounts->v[i], len) && (path[len] == '\0' || path[len] == '/'))
			return 1;
	}
	return 0;
}

static int tool_missing(const struct sv_lang_table *t, const struct sv_lang *l, const char *tool, char *why, size_t len)
{
	char real[PATH_MAX];

	if (!strncmp(tool, "/prog/", 6))
		return 0;
	if (access(tool, X_OK) < 0) {
		snprintf(why, len, "%s: %s", tool, strerror(errno));
		return 1;
	}
	if (!realpath(tool, real)) {
		snprintf(why, len, "%s: %s", tool, strerror(errno));
		return 1;
	}
	if (!sv_lang_path_visible(&t->mounts, real) && !sv_lang_path_visible(&l->mounts, real)) {
		snprintf(why, len, "%.200s (%.200s) is outside every mount of the box", tool, real);
		return 1;
	}
	return 0;
}

size_t sv_lang_table_check(struct sv_lang_table *table)
{
	size_t available = 0;

	for (size_t i = 0; i < table->n; i++) {
		struct sv_lang *l = &table->langs[i];
		char why[512];

		free(l->unavailable_buf);
		l->unavailable_buf = NULL;
		l->pub.unavailable = NULL;
		free(l->toolchain_id);
		l->toolchain_id = l->compile.n > 0 ? sv_lang_toolchain_id(l) : NULL;
		/* Out of memory keeps the command it had. */
		if (l->opt_file)
			(void)run_view(l, optional_ok(l));
		l->pub.available = 1;
		if ((l->compile.n > 0 && tool_missing(table, l, l->compile.v[0], why, sizeof(why))) ||
		    tool_missing(table, l, l->run.v[0], why, sizeof(why))) {
			l->pub.available = 0;
			l->unavailable_buf = strdup(why);
			l->pub.unavailable = l->unavailable_buf ? l->unavailable_buf : "toolchain missing";
			continue;
		}
		available++;
	}
	return available;
}

/* Appends printf output to *buf (of *len bytes used). -1 on allocation failure, *buf freed. */
static int append(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int append(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *more;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (n < 0 || !(*buf = realloc(*buf, *len + (size_t)n + 1))) {
		free(n < 0 ? NULL : more);
		return -1;
	}
	memcpy(*buf + *len, more, (size_t)n + 1);
	*len += (size_t)n;
	free(more);
	return 0;
}

char *sv_lang_toolchain_id(const struct sv_lang *lang)
{
	const struct sv_strv *files = lang->toolchain.n ? &lang->toolchain : &lang->compile;
	size_t nfiles = lang->toolchain.n ? lang->toolchain.n : (lang->compile.n ? 1 : 0), len = 0;
	char *buf = NULL;

	if (append(&buf, &len, "language %d\n", lang->pub.id) < 0)
		return NULL;
	for (size_t i = 0; i < lang->compile.n; i++) {
		/* Length-prefixed: no two commands give the same text. */
		if (append(&buf, &len, "compile %zu %s\n", strlen(lang->compile.v[i]), lang->compile.v[i]) < 0)
			return NULL;
	}
	for (size_t i = 0; i < nfiles; i++) {
		char real[PATH_MAX];
		struct stat st;
		int rc;

		if (realpath(files->v[i], real) && stat(real, &st) == 0)
			rc = append(&buf, &len, "file %s %lld %lld.%09ld\n", real, (long long)st.st_size,
				    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		else
			rc = append(&buf, &len, "file %s missing\n", files->v[i]);
		if (rc < 0)
			return NULL;
	}
	return buf;
}

const struct sv_lang *sv_lang_table_find(const struct sv_lang_table *table, int id)
{
	for (size_t i = 0; i < table->n; i++) {
		if (table->langs[i].pub.id == id)
			return &table->langs[i];
	}
	return NULL;
}

void sv_lang_table_free(struct sv_lang_table *table)
{
	for (size_t i = 0; i < table->n; i++) {
		struct sv_lang *l = &table->langs[i];

		free((char *)l->pub.name);
		free((char *)l->pub.source_file);
		free(l->unavailable_buf);
		free(l->out_of_memory);
		free(l->toolchain_id);
		strv_free(&l->toolchain);
		strv_free(&l->compile);
		free(l->run.v);
		strv_free(&l->run_plain);
		strv_free(&l->opt_args);
		free(l->opt_file);
		free(l->opt_newer_than);
		strv_free(&l->mounts);
		strv_free(&l->env);
	}
	free(table->langs);
	strv_free(&table->mounts);
	strv_free(&table->env);
	memset(table, 0, sizeof(*table));
}

char *sv_lang_expand_arg(const char *arg, long memory_kb, long stack_kb)
{
	static const char *const names[] = {"{memory_kb}", "{memory_mb}", "{stack_kb}"};
	long values[] = {memory_kb, memory_kb / 1024, stack_kb};
	const size_t n_names = sizeof(names) / sizeof(names[0]);
	size_t cap = strlen(arg) + 64, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (*arg) {
		size_t k;

		for (k = 0; k < n_names; k++) {
			size_t nl = strlen(names[k]);

			if (!strncmp(arg, names[k], nl)) {
				char num[24];
				int w = snprintf(num, sizeof(num), "%ld", values[k]);

				if (len + (size_t)w + 1 > cap) {
					char *bigger = realloc(out, cap = len + (size_t)w + strlen(arg) + 64);

					if (!bigger) {
						free(out);
						return NULL;
					}
					out = bigger;
				}
				memcpy(out + len, num, (size_t)w);
				len += (size_t)w;
				arg += nl;
				break;
			}
		}
		if (k == n_names) {
			if (len + 2 > cap) {
				char *bigger = realloc(out, cap *= 2);

				if (!bigger) {
					free(out);
					return NULL;
				}
				out = bigger;
			}
			out[len++] = *arg++;
		}
	}
	out[len] = '\0';
	return out;
}
