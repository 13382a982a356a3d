#ifndef ADMIN_ASSIGNMENTS_H
#define ADMIN_ASSIGNMENTS_H

#include <stddef.h>
#include <stdio.h>

#include "admin_verify.h"

/* solveit-admin assignments: every assignment, one a line (--json: the staff API's list). */
int admin_assignments_list(const admin_config *cfg, const sv_sql *db, FILE *out, char *err, size_t errlen);

/* solveit-admin assignment create | update ID | delete ID, with --title, --tasks SLUG,...,
 * --opens, --due, --closes, --penalty, --teams NAME,..., --contest, --freeze (update: only the
 * options given change; "" clears a time). One solveit_admin_assignment_save call (sql/030), audited
 * as the shell's user. ADMIN_OK; ADMIN_MISMATCH when refused (the database's sentence, an unknown
 * slug or team, in err); ADMIN_ERROR with err. */
int admin_assignment(const admin_config *cfg, const sv_sql *db, char *const *args, int n, FILE *out, char *err,
		     size_t errlen);

#endif
