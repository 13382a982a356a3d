#ifndef ADMIN_JUDGING_H
#define ADMIN_JUDGING_H

#include <stdio.h>

#include "admin_verify.h"
#include "sv_package.h"

/* solveit-admin rejudge: solveit_admin_rejudge (sql/023, with its audit row) for the submissions
 * ids[0..n) or, with cfg->task (an id or a slug), every submission of that task; then each queued
 * row goes to code-submissions as the module's rejudge sends it (admin_submit.h). With cfg->wait,
 * waits (cfg->timeout) until they are judged and prints before and after. ADMIN_OK; ADMIN_MISMATCH
 * when an id or the task is unknown (nothing queued); ADMIN_ERROR with err. */
int admin_rejudge(const admin_config *cfg, const sv_sql *db, char *const *ids, int n, FILE *out, char *err,
		  size_t errlen);

/* solveit-admin export-grades: solveit_admin_grades_csv() to cfg->output (NULL or "-": out). */
int admin_export_grades(const admin_config *cfg, const sv_sql *db, FILE *out, char *err, size_t errlen);

#endif
