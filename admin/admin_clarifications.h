#ifndef ADMIN_CLARIFICATIONS_H
#define ADMIN_CLARIFICATIONS_H

#include <stdio.h>

#include "admin_verify.h"
#include "sv_package.h"

/* solveit-admin's clarifications (issue 13), through the functions the staff API calls
 * (sql/032_clarifications.sql), changes recorded in staff_audit under the Unix user's name:
 *   clarifications [--unanswered]      lists them (unanswered first) and how many wait
 *   answer ID TEXT [--public]          answers one (again), privately or, with --public, to all
 *   announce TEXT [--task SLUG|ID]     a public answer without a question (the whole site, or a task)
 * command is the subcommand's name, args[0..n) its words. With cfg->json prints the API's JSON.
 * ADMIN_OK; ADMIN_MISMATCH when the database refuses (no such clarification or task, an empty
 * answer: the message in err); ADMIN_ERROR with err. */
int admin_clarifications(const admin_config *cfg, const sv_sql *db, const char *command, char *const *args, int n,
			 FILE *out, char *err, size_t errlen);

#endif
