#ifndef ADMIN_VERIFY_H
#define ADMIN_VERIFY_H

#include <stddef.h>
#include <stdio.h>

#include "sv_options.h"
#include "sv_package.h"

/* solveit-admin's settings (its option table is in solveit-admin.c). */
typedef struct {
	char *db;
	char *brokers;
	char *kafka_options[SV_MAX_KAFKA_OPTIONS];
	size_t kafka_option_count;
	char *key_file; /* --key-file, SOLVEIT_KEY_FILE: the keyring verify and rejudge sign with */
	char *topic_submissions;
	char *slug;
	int json;
	double timeout;
	long max_file_bytes;
	/* create-user, import-users */
	int staff;
	char *display_name;
	char *team;
	int dry_run;
	/* rejudge, export-grades */
	char *task;
	int wait;
	char *output;
	/* issue 13: assignment create | update, export-grades --assignment (admin_assignments.c) */
	char *title, *tasks, *opens, *due, *closes, *teams, *freeze;
	long penalty; /* -1: not given */
	int contest;
	long assignment; /* 0: none */
	/* clarifications, answer (admin_clarifications.h) */
	int unanswered;
	int public_answer;
} admin_config;

/* Exit status of a subcommand. */
enum { ADMIN_OK = 0, ADMIN_MISMATCH = 1, ADMIN_ERROR = 2 };

/* The account verify submits as: staff, no password, inactive (it cannot log in). */
#define ADMIN_VERIFY_USER "solveit-verify"

/* solveit-admin verify TASK: judges the task's package submissions through the pipeline and prints
 * the table of expected and got to out. Returns ADMIN_OK when all agree, ADMIN_MISMATCH when one
 * does not, ADMIN_ERROR with err. */
int admin_verify(const admin_config *cfg, const sv_sql *db, const char *task, FILE *out, char *err, size_t errlen);

#endif
