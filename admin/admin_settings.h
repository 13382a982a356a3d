#ifndef ADMIN_SETTINGS_H
#define ADMIN_SETTINGS_H

#include "admin_verify.h"

/* solveit-admin settings [KEY VALUE]: without arguments lists the site settings of
 * sql/024_settings.sql (value, default, allowed values, what it does); with KEY VALUE sets one,
 * checked by the database and recorded in staff_audit under the Unix user's name. VALUE is typed
 * as the setting's kind ("true"/"false", digits, or text). With --json prints the API's JSON.
 * argc/argv are the words after "settings". Returns ADMIN_OK, ADMIN_MISMATCH when the database
 * refuses the key or value (its message on stderr), ADMIN_ERROR otherwise. */
int admin_settings(const admin_config *cfg, int argc, char *const *argv);

#endif
