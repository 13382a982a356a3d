#ifndef SOLVEIT_AUTH_H
#define SOLVEIT_AUTH_H

#include "solveit_ctx.h"

/* The user named by the web server's authentication (r->user) in SolveitAuth external mode:
 * provisioned on first sight, with a session of its own for the CSRF token. */
sv_session *sv_auth_external(sv_ctx *ctx);

/* {"user":{id,username,team,staff},"csrf_token","auth":"builtin"|"external","registration":bool} */
cJSON *sv_auth_me_body(const solveit_config *cfg, const sv_session *sess);

int sv_auth_login(sv_ctx *ctx);
int sv_auth_logout(sv_ctx *ctx);
int sv_auth_register(sv_ctx *ctx);
int sv_auth_password(sv_ctx *ctx);
int sv_auth_me(sv_ctx *ctx);

/* GET <base>/api/site, public: {"auth": "builtin"|"external", "registration": bool}, what the login
 * page needs to know before anyone signs in (a 200: a visitor's /api/me is a 401, which browsers log
 * in the console). */
int sv_auth_site(sv_ctx *ctx);

/* A bcrypt hash of password for users.password_hash (a fresh salt each time), in r's pool; NULL
 * when no random bytes could be had. The staff API's password resets use it too. */
const char *sv_auth_bcrypt(request_rec *r, const char *password);

#endif
