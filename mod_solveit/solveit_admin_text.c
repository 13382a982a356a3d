#include "solveit_admin_text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "apr_strings.h"

#include "solveit_text.h"

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
