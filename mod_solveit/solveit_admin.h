#ifndef SOLVEIT_ADMIN_H
#define SOLVEIT_ADMIN_H

#include "solveit_ctx.h"

/* The staff API under <base>/api/admin/ (DESIGN.md §8). */

/* POST /api/admin/tasks/import: a problem package (multipart field "package", a zip; optional
 * field "slug") read with sv_package_read_zip and stored with sv_package_store. Answers 201 with
 * {"task_id","slug","revision","created","tests","warnings"} for a new task, 200 for a new
 * revision of an existing one, 400 with the reason when the package cannot be imported (then
 * nothing is written). */
int sv_admin_import(sv_ctx *ctx);

#endif
