#ifndef SOLVEIT_ADMIN_TEXT_H
#define SOLVEIT_ADMIN_TEXT_H

/* The staff API's pure checks and parsers (APR and cJSON only): unit-tested in
 * tests/unit/check_admin.c. */

#include <cjson/cJSON.h>

#include "apr_pools.h"

#define SV_ADMIN_TEAM_NAME_MAX 100 /* teams.name */

/* One member a JSON body may have. */
typedef struct {
	const char *name;
	char kind;                  /* 'i' integer, 'd' number, 'b' boolean, 's' string, 'o' object, 'a' array */
	double min, max;            /* 'i', 'd': the range; 's': the length in bytes (max 0: any) */
	int nullable;               /* null allowed */
	const char *const *choices; /* 's': the allowed values (NULL: any) */
} sv_admin_field;

/* The client's message when item does not fit f ("time_limit_ms must be between 50 and 60000"),
 * else NULL. */
const char *sv_admin_field_problem(apr_pool_t *p, const sv_admin_field *f, const cJSON *item);

/* Whether name is 1..max of letters, digits and _ . - (and / with slash), not starting with . - or
 * /: the names of sql/022's CHECKs (test groups, validator files). */
int sv_admin_name_valid(const char *name, apr_size_t max, int slash);

/* Test names in "natural" order, as people number tests: 2 before 10, 02 with 2. */
int sv_admin_natural_cmp(const char *x, const char *y);

/* Whether an archive entry's name could step out of a directory or is not a plain relative path:
 * a leading /, a .. segment, a backslash or a drive letter's colon. */
int sv_admin_path_unsafe(const char *name);

#endif
