#ifndef ADMIN_CONTEST_H
#define ADMIN_CONTEST_H

#include <stdio.h>

#include "admin_verify.h"
#include "sv_package.h"

/* solveit-admin scoreboard ID: the live ICPC board of contest ID (sql/031's solveit_scoreboard, as
 * staff see it), a table on out (with --json the API's JSON). solveit-admin unfreeze ID: ends the
 * board's freeze for students (solveit_admin_contest_unfreeze, audited under the Unix user's
 * name). name is "scoreboard" or "unfreeze". ADMIN_OK; ADMIN_MISMATCH when ID is no contest or
 * the database refuses (err holds its sentence); ADMIN_ERROR with err. */
int admin_contest(const admin_config *cfg, const sv_sql *db, const char *name, const char *id, FILE *out, char *err,
		  size_t errlen);

#endif
