#include "sv_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int sv_parse_ll(const char *text, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	/* strtoll skips leading space and takes "+": neither is a number a person meant. */
	if (!text || !(isdigit((unsigned char)text[0]) || (text[0] == '-' && isdigit((unsigned char)text[1]))))
		return -1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int sv_parse_double(const char *text, double min, double max, double *out)
{
	char *end;
	double v;
	const char *p = text;

	if (!p)
		return -1;
	if (*p == '-')
		p++;
	/* A digit or a decimal point must lead: strtod would also read "inf", "nan" and "0x1p3". */
	if (!(isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))))
		return -1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return -1;
	errno = 0;
	v = strtod(text, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int sv_json_ll(const cJSON *item, long long min, long long max, long long *out)
{
	double v;

	if (!cJSON_IsNumber(item))
		return -1;
	v = item->valuedouble;
	if (!isfinite(v) || floor(v) != v || v < (double)min || v > (double)max || v < -(double)SV_JSON_INT_MAX ||
	    v > (double)SV_JSON_INT_MAX)
		return -1;
	*out = (long long)v;
	return 0;
}

int sv_json_double(const cJSON *item, double min, double max, double *out)
{
	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) || item->valuedouble < min || item->valuedouble > max)
		return -1;
	*out = item->valuedouble;
	return 0;
}

int sv_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

cJSON *sv_json_add_ll(cJSON *object, const char *name, long long v)
{
	char digits[24];

	snprintf(digits, sizeof(digits), "%lld", v);
	return cJSON_AddRawToObject(object, name, digits);
}
