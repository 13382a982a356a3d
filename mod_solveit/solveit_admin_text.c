#include "solveit_admin_text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "apr_strings.h"

#include "solveit_text.h"

/* As solveit_auth.c's rules for a password. */
#define PASSWORD_MIN 8
#define PASSWORD_MAX 72

/* libc's %g: APR's formatter prints 1e300 as "0.e+79". */
static const char *number(apr_pool_t *p, double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.15g", v);
	return apr_pstrdup(p, buf);
}

static const char *kind_name(char kind)
{
	switch (kind) {
	case 'i':
		return "an integer";
	case 'd':
		return "a number";
	case 'b':
		return "true or false";
	case 'o':
		return "a JSON object";
	case 'a':
		return "a JSON array";
	default:
		return "a string";
	}
}

const char *sv_admin_field_problem(apr_pool_t *p, const sv_admin_field *f, const cJSON *item)
{
	const char *want = kind_name(f->kind);

	if (cJSON_IsNull(item))
		return f->nullable ? NULL : apr_psprintf(p, "%s must be %s, not null", f->name, want);
	switch (f->kind) {
	case 'i':
	case 'd':
		if (!cJSON_IsNumber(item) ||
		    (f->kind == 'i' && item->valuedouble != (double)(apr_int64_t)item->valuedouble))
			return apr_psprintf(p, "%s must be %s", f->name, want);
		if (item->valuedouble < f->min || item->valuedouble > f->max)
			return apr_psprintf(p, "%s must be between %s and %s", f->name, number(p, f->min),
					    number(p, f->max));
		return NULL;
	case 'b':
		return cJSON_IsBool(item) ? NULL : apr_psprintf(p, "%s must be %s", f->name, want);
	case 'o':
		return cJSON_IsObject(item) ? NULL : apr_psprintf(p, "%s must be %s", f->name, want);
	case 'a':
		return cJSON_IsArray(item) ? NULL : apr_psprintf(p, "%s must be %s", f->name, want);
	default:
		break;
	}
	if (!cJSON_IsString(item))
		return apr_psprintf(p, "%s must be %s", f->name, want);
	if (!sv_utf8_valid(item->valuestring, strlen(item->valuestring)))
		return apr_psprintf(p, "%s is not valid UTF-8", f->name);
	if (f->max > 0 && (double)strlen(item->valuestring) > f->max)
		return apr_psprintf(p, "%s must be at most %.0f bytes long", f->name, f->max);
	if (f->choices && !sv_word_in(item->valuestring, f->choices)) {
		const char *list = f->choices[0];

		for (int i = 1; f->choices[i]; i++)
			list = apr_pstrcat(p, list, ", ", f->choices[i], NULL);
		return apr_psprintf(p, "%s must be one of %s", f->name, list);
	}
	return NULL;
}

int sv_admin_name_valid(const char *name, apr_size_t max, int slash)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	apr_size_t len = strlen(name);

	if (len < 1 || len > max || !strchr(first, name[0]))
		return 0;
	for (const char *c = name; *c; c++)
		if (!strchr(first, *c) && *c != '.' && *c != '-' && !(slash && *c == '/'))
			return 0;
	return 1;
}

int sv_admin_natural_cmp(const char *x, const char *y)
{
	while (*x && *y) {
		if (isdigit((unsigned char)*x) && isdigit((unsigned char)*y)) {
			const char *xs = x, *ys = y;
			apr_size_t xn, yn;
			int c;

			while (*xs == '0' && isdigit((unsigned char)xs[1]))
				xs++;
			while (*ys == '0' && isdigit((unsigned char)ys[1]))
				ys++;
			for (x = xs; isdigit((unsigned char)*x); x++)
				;
			for (y = ys; isdigit((unsigned char)*y); y++)
				;
			xn = (apr_size_t)(x - xs);
			yn = (apr_size_t)(y - ys);
			if (xn != yn)
				return xn < yn ? -1 : 1;
			if ((c = memcmp(xs, ys, xn)) != 0)
				return c;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x - (unsigned char)*y;
		x++;
		y++;
	}
	return (unsigned char)*x - (unsigned char)*y;
}

int sv_admin_path_unsafe(const char *name)
{
	if (!*name || name[0] == '/' || strchr(name, '\\') || strchr(name, ':'))
		return 1;
	for (const char *p = name; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

const char *sv_admin_password_problem(const char *password)
{
	apr_size_t len = strlen(password);

	if (len < PASSWORD_MIN)
		return "password must be at least 8 characters";
	if (len > PASSWORD_MAX)
		return "password must be at most 72 bytes";
	return NULL;
}

const char *sv_admin_username_problem(const char *name)
{
	return sv_username_valid(name) ? NULL : "username must be 1-64 of letters, digits and . _ - @";
}

/* Splits one CSV record (RFC 4180: fields in double quotes may hold commas, quotes doubled, line
 * breaks) off *text into fields, each built in scratch (as long as the text) first; returns the record's number of
 * fields, -1 for a quote left open. */
static int csv_record(apr_pool_t *p, const char **text, apr_array_header_t *fields, char *scratch)
{
	const char *s = *text;

	apr_array_clear(fields);
	for (;;) {
		char *out = scratch;

		if (*s == '"') {
			for (s++;; s++) {
				if (!*s)
					return -1;
				if (*s == '"' && s[1] == '"')
					*out++ = *s++;
				else if (*s == '"')
					break;
				else
					*out++ = *s;
			}
			s++;
		}
		while (*s && *s != ',' && *s != '\n' && *s != '\r')
			*out++ = *s++;
		APR_ARRAY_PUSH(fields, const char *) = apr_pstrmemdup(p, scratch, (apr_size_t)(out - scratch));
		if (*s != ',')
			break;
		s++;
	}
	if (*s == '\r')
		s++;
	if (*s == '\n')
		s++;
	*text = s;
	return fields->nelts;
}

static int staff_value(const char *v, int *staff)
{
	static const char *const yes[] = {"1", "true", "yes", "staff", "y", NULL};
	static const char *const no[] = {"", "0", "false", "no", "n", NULL};

	if (sv_word_in(v, yes))
		*staff = 1;
	else if (sv_word_in(v, no))
		*staff = 0;
	else
		return -1;
	return 0;
}

/* The problem of one record of username,display_name,password[,team][,staff], or NULL; fills row. */
static const char *csv_row(apr_pool_t *p, apr_array_header_t *f, cJSON *row)
{
	const char **v = (const char **)f->elts;
	const char *problem;
	int staff = 0;

	if (f->nelts < 3 || f->nelts > 5)
		return apr_psprintf(p, "%d fields; want username,display_name,password[,team][,staff]", f->nelts);
	if ((problem = sv_admin_username_problem(v[0])) || (problem = sv_admin_password_problem(v[2])))
		return problem;
	if (strlen(v[1]) > 200)
		return "display_name must be at most 200 bytes long";
	if (f->nelts > 3 && strlen(v[3]) > SV_ADMIN_TEAM_NAME_MAX)
		return "team must be at most 100 bytes long";
	if (f->nelts > 4 && staff_value(v[4], &staff) < 0)
		return apr_psprintf(p, "staff must be true or false (or 1/0, yes/no), not \"%s\"", v[4]);
	cJSON_AddStringToObject(row, "username", v[0]);
	cJSON_AddStringToObject(row, "display_name", v[1]);
	cJSON_AddStringToObject(row, "password", v[2]);
	if (f->nelts > 3 && *v[3])
		cJSON_AddStringToObject(row, "team", v[3]);
	cJSON_AddBoolToObject(row, "staff", staff);
	return NULL;
}

void sv_admin_csv_accounts(apr_pool_t *p, const char *text, cJSON *rows, cJSON *errors)
{
	apr_array_header_t *fields = apr_array_make(p, 5, sizeof(const char *));
	char *scratch = apr_palloc(p, strlen(text) + 1);
	int line = 1;

	if (!strncmp(text, "\xef\xbb\xbf", 3))
		text += 3; /* a spreadsheet's byte order mark */
	while (*text) {
		int start = line, n;
		const char *before = text, *problem;
		cJSON *row;

		n = csv_record(p, &text, fields, scratch);
		for (const char *c = before; c < text; c++)
			line += *c == '\n';
		if (n >= 0 && (text == before || (n == 1 && !*APR_ARRAY_IDX(fields, 0, const char *))))
			continue; /* an empty line */
		if (start == 1 && n > 0 && !strcmp(APR_ARRAY_IDX(fields, 0, const char *), "username"))
			continue; /* the header */
		row = cJSON_CreateObject();
		cJSON_AddNumberToObject(row, "line", start);
		problem = n < 0 ? "a quoted field is not closed" : csv_row(p, fields, row);
		if (problem) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddNumberToObject(e, "line", start);
			cJSON_AddStringToObject(e, "error", problem);
			cJSON_AddItemToArray(errors, e);
			cJSON_Delete(row);
		} else {
			cJSON_AddItemToArray(rows, row);
		}
		if (n < 0)
			break;
	}
}
