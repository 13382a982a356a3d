#ifndef SOLVEIT_ROUTER_H
#define SOLVEIT_ROUTER_H

#include "httpd.h"

#include "solveit_ctx.h"

/* Who may call a route. */
typedef enum {
	SV_ACCESS_PUBLIC, /* anyone; the handler may still look at the user */
	SV_ACCESS_USER,   /* a logged-in user, else 401 (503 when the database cannot tell) */
	SV_ACCESS_STAFF,  /* a logged-in staff user, else 401 / 403 */
} sv_access;

/* What a route's request carries: read and parsed by the router, at most this much. */
typedef enum {
	SV_BODY_NONE,
	SV_BODY_FORM,    /* small forms: logins, passwords (SV_FORM_BODY_LIMIT) */
	SV_BODY_SOURCE,  /* a submission: SolveitMaxSourceSize with room for JSON escapes */
	SV_BODY_PACKAGE, /* a problem package upload: SolveitMaxPackageSize with room for the form */
} sv_body;

#define SV_FORM_BODY_LIMIT (16 * 1024)

#define SV_ROUTE_CSRF    0x1 /* the session's CSRF token must come with the request */
#define SV_ROUTE_BUILTIN 0x2 /* built-in accounts only: refused under SolveitAuth external */

typedef int (*sv_handler)(sv_ctx *ctx);

/* One row of the route table. Every state-changing method (all but GET, which also answers HEAD)
 * passes the Origin check first. */
typedef struct sv_route {
	int method;          /* M_GET, M_POST, M_PUT, M_DELETE */
	const char *pattern; /* below the base path; "{id}" matches one segment holding a positive id */
	sv_handler handler;
	sv_access access;
	unsigned flags; /* SV_ROUTE_* */
	sv_body body;
} sv_route;

/* The judge's routes, in solveit_router.c. */
extern const sv_route solveit_routes[];
extern const apr_size_t solveit_route_count;

/* Finds ctx->path in routes and runs its handler once the row's conditions hold: the method
 * (405 with Allow when only the path matches, a JSON 404 when nothing does), Origin, auth mode,
 * access level, body and CSRF token. Returns what the handler (or the refusal) returns. */
int sv_route_dispatch(sv_ctx *ctx, const sv_route *routes, apr_size_t n);

/* translate_name, map_to_storage and handler hooks. */
int solveit_translate(request_rec *r);
int solveit_map_to_storage(request_rec *r);
int solveit_handler(request_rec *r);
/* insert_error_filter hook: httpd's error pages under <base>/api/ are sent as JSON. */
void solveit_insert_error_filter(request_rec *r);

#endif
