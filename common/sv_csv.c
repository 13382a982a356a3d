#include "sv_csv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_FIELDS_KEPT 8

int sv_account_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-@", name[i]))
			return 0;
	return 1;
}

const char *sv_account_username_problem(const char *name)
{
	return sv_account_name_valid(name) ? NULL : "username must be 1-64 of letters, digits and . _ - @";
}

const char *sv_account_password_problem(const char *password)
{
	size_t len = strlen(password);

	if (len < SV_ACCOUNT_PASSWORD_MIN)
		return "password must be at least 8 characters";
	if (len > SV_ACCOUNT_PASSWORD_MAX)
		return "password must be at most 72 bytes";
	return NULL;
}

void sv_csv_free(char **fields, int n)
{
	for (int i = 0; i < n; i++)
		free(fields[i]);
}

int sv_csv_record(const char **text, char **fields, int max)
{
	const char *s = *text;
	char *scratch = malloc(strlen(s) + 1);
	int n = 0;

	if (!scratch)
		abort();
	for (;;) {
		char *out = scratch;

		if (*s == '"') {
			for (s++;; s++) {
				if (!*s) {
					sv_csv_free(fields, n < max ? n : max);
					free(scratch);
					return -1;
				}
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
		if (n < max) {
			if (!(fields[n] = malloc((size_t)(out - scratch) + 1)))
				abort();
			memcpy(fields[n], scratch, (size_t)(out - scratch));
			fields[n][out - scratch] = '\0';
		}
		n++;
		if (*s != ',')
			break;
		s++;
	}
	free(scratch);
	if (*s == '\r')
		s++;
	if (*s == '\n')
		s++;
	*text = s;
	return n;
}

static int word_in(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return 1;
	return 0;
}

static int staff_value(const char *v, int *staff)
{
	static const char *const yes[] = {"1", "true", "yes", "staff", "y", NULL};
	static const char *const no[] = {"", "0", "false", "no", "n", NULL};

	if (word_in(v, yes))
		*staff = 1;
	else if (word_in(v, no))
		*staff = 0;
	else
		return -1;
	return 0;
}

/* The problem of one record of username,display_name,password[,team][,staff] (in buf when it
 * needs one), or NULL; fills row. */
static const char *account_row(char **v, int n, cJSON *row, char *buf, size_t len)
{
	const char *problem;
	int staff = 0;

	if (n < 3 || n > 5) {
		snprintf(buf, len, "%d fields; want username,display_name,password[,team][,staff]", n);
		return buf;
	}
	if ((problem = sv_account_username_problem(v[0])) || (problem = sv_account_password_problem(v[2])))
		return problem;
	if (strlen(v[1]) > SV_ACCOUNT_DISPLAY_MAX)
		return "display_name must be at most 200 bytes long";
	if (n > 3 && strlen(v[3]) > SV_ACCOUNT_TEAM_MAX)
		return "team must be at most 100 bytes long";
	if (n > 4 && staff_value(v[4], &staff) < 0) {
		snprintf(buf, len, "staff must be true or false (or 1/0, yes/no), not \"%.100s\"", v[4]);
		return buf;
	}
	cJSON_AddStringToObject(row, "username", v[0]);
	cJSON_AddStringToObject(row, "display_name", v[1]);
	cJSON_AddStringToObject(row, "password", v[2]);
	if (n > 3 && *v[3])
		cJSON_AddStringToObject(row, "team", v[3]);
	cJSON_AddBoolToObject(row, "staff", staff);
	return NULL;
}

static void add_error(cJSON *errors, int line, const char *problem)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddNumberToObject(e, "line", line);
	cJSON_AddStringToObject(e, "error", problem);
	cJSON_AddItemToArray(errors, e);
}

void sv_csv_accounts(const char *text, cJSON *rows, cJSON *errors)
{
	char *f[CSV_FIELDS_KEPT], buf[200];
	int line = 1;

	if (!strncmp(text, "\xef\xbb\xbf", 3))
		text += 3; /* a spreadsheet's byte order mark */
	while (*text) {
		int start = line, n, kept;
		const char *before = text, *problem;
		cJSON *row;

		n = sv_csv_record(&text, f, CSV_FIELDS_KEPT);
		if (n < 0) {
			add_error(errors, start, "a quoted field is not closed");
			break;
		}
		kept = n < CSV_FIELDS_KEPT ? n : CSV_FIELDS_KEPT;
		for (const char *c = before; c < text; c++)
			line += *c == '\n';
		if (text == before || (n == 1 && !*f[0]) || (start == 1 && !strcmp(f[0], "username"))) {
			sv_csv_free(f, kept); /* an empty line, or the header */
			continue;
		}
		row = cJSON_CreateObject();
		cJSON_AddNumberToObject(row, "line", start);
		if ((problem = account_row(f, n, row, buf, sizeof(buf)))) {
			add_error(errors, start, problem);
			cJSON_Delete(row);
		} else {
			cJSON_AddItemToArray(rows, row);
		}
		sv_csv_free(f, kept);
	}
}
