#ifndef SV_CSV_H
#define SV_CSV_H

/* The accounts CSV that POST /api/admin/users/import and `solveit-admin import-users` read, and the
 * rules for a built-in account's name and password that both (and create-user) apply. No APR: the
 * module and the CLI share it. Unit-tested in tests/unit/check_csv.c. */

#include <stddef.h>

#include <cjson/cJSON.h>

#define SV_ACCOUNT_PASSWORD_MIN 8
#define SV_ACCOUNT_PASSWORD_MAX 72 /* bcrypt ignores what follows */
#define SV_ACCOUNT_DISPLAY_MAX  200
#define SV_ACCOUNT_TEAM_MAX     100 /* teams.name */
#define SV_ACCOUNT_BCRYPT_COST  10  /* ASVS 4.0.3 V2.4.4: at least 10 (65 ms a hash on the 2-core machine) */

/* Whether name is 1-64 of letters, digits and . _ - @ (users.username). */
int sv_account_name_valid(const char *name);

/* NULL, or why a username / password is refused, as the client is told. */
const char *sv_account_username_problem(const char *name);
const char *sv_account_password_problem(const char *password);

/* One RFC 4180 record off *text (fields in double quotes may hold commas, doubled quotes and line
 * breaks; a record ends at LF or CRLF). Sets fields[0..n) to malloc'd strings, at most max of them
 * (the rest are counted, not kept), and advances *text. Returns the record's number of fields, or -1
 * for a quote left open (nothing kept). Free with sv_csv_free. */
int sv_csv_record(const char **text, char **fields, int max);
void sv_csv_free(char **fields, int n);

/* Parses username,display_name,password[,team][,staff] rows (an optional header row starting with
 * "username", an optional byte order mark, empty lines skipped): each good row becomes
 * {"line", "username", "display_name", "password", "team"?, "staff"} in rows, each bad one
 * {"line", "error"} in errors. line is the row's first line in the file. An open quote stops it. */
void sv_csv_accounts(const char *text, cJSON *rows, cJSON *errors);

#endif
