/* Who may read <base>/api/metrics, and its handler; solveit_metrics.c has the counters. Apart from
 * them so that the counting (called from the Kafka, Redis and database layers) needs no request
 * context. */

#include "solveit_metrics.h"

#include <string.h>

#include "apr_network_io.h"
#include "http_protocol.h"

#include "solveit_auth.h"

int sv_metrics_allowed(const solveit_config *cfg, apr_sockaddr_t *addr)
{
	if (!cfg->metrics_allow || !addr)
		return 0;
	for (int i = 0; i < cfg->metrics_allow->nelts; i++)
		if (apr_ipsubnet_test(APR_ARRAY_IDX(cfg->metrics_allow, i, apr_ipsubnet_t *), addr))
			return 1;
	return 0;
}

int sv_metrics_handler(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const char *body;
	apr_size_t len;

	if (!sv_metrics_allowed(ctx->cfg, r->useragent_addr)) {
		sv_session *sess = sv_ctx_user(ctx);

		if (!sess && ctx->fail_status == HTTP_SERVICE_UNAVAILABLE)
			return sv_ctx_fail(ctx);
		if (!sess || !sess->staff)
			return sv_send_error(
			    r, HTTP_FORBIDDEN,
			    "the metrics are for staff and for the addresses of " SV_DIR_METRICS_ALLOW);
	}
	if (!sv_metrics_collected())
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE,
				     "no metrics: this server has no shared memory for them (see the error log)");
	body = sv_metrics_text(r->pool, ctx->cfg, &len);
	apr_table_setn(r->headers_out, "Cache-Control", "no-store");
	apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
	ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
	ap_set_content_length(r, (apr_off_t)len);
	if (!r->header_only)
		ap_rwrite(body, (int)len, r);
	return OK;
}
