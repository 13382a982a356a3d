#ifndef ADMIN_USERS_H
#define ADMIN_USERS_H

#include <stdio.h>

#include "admin_verify.h"
#include "sv_package.h"

/* solveit-admin create-user, set-password and import-users: the staff API's account changes
 * (solveit_admin_user_save, solveit_admin_users_import of sql/023, with their audit rows) from the
 * shell, with the module's rules (common/sv_csv.h) and its bcrypt (APR's, so that the module's
 * apr_password_validate accepts the hashes). A password comes from the terminal (asked twice, not
 * echoed) or, when stdin is not a terminal, as stdin's first line; never from argv.
 * Each returns ADMIN_OK, ADMIN_MISMATCH when the input is refused (the reason in err), or
 * ADMIN_ERROR with err. */
int admin_create_user(const admin_config *cfg, const sv_sql *db, const char *name, FILE *out, char *err, size_t errlen);
int admin_set_password(const admin_config *cfg, const sv_sql *db, const char *name, FILE *out, char *err,
		       size_t errlen);

/* Reads the CSV at path ("-": stdin) and imports its accounts, all or none; prints what was
 * created, or every row's problem with its line (and returns ADMIN_MISMATCH: nothing written). */
int admin_import_users(const admin_config *cfg, const sv_sql *db, const char *path, FILE *out, char *err,
		       size_t errlen);

#endif
