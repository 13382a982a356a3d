#ifndef SOLVEIT_METRICS_H
#define SOLVEIT_METRICS_H

/* Prometheus metrics of the module (<base>/api/metrics): counters in one anonymous shared memory
 * segment that every child of httpd adds to with atomic operations (no lock on the request path),
 * and their text exposition (format 0.0.4). The segment is made by the parent in post_config,
 * before the children fork, in the process pool: a graceful restart keeps it, so the counters
 * carry over (see doc/module.md, "Metrics"). */

#include "httpd.h"
#include "http_config.h"

#include "apr_dbd.h"
#include "apr_optional.h"
#include "mod_dbd.h"

#include "solveit_ctx.h"

struct sv_route;

/* Fixed dimensions of the segment: the route table's rows plus these, so that no label value
 * comes from the client (bounded cardinality). */
#define SV_METRICS_STATUS_MIN  100 /* statuses 100..599; others count as 500 */
#define SV_METRICS_STATUSES    500
#define SV_METRICS_LANGUAGES   1001 /* Judge0 ids 1..1000 (SolveitLanguages' range) */
#define SV_METRICS_CHILD_SLOTS 1024 /* children whose Kafka queue is summed */

/* The bytes a segment needs for a route table of nroutes rows. */
apr_size_t sv_metrics_size(apr_size_t nroutes);

/* Uses the segment at base (size bytes) for routes from now on: fresh zeroes it and writes its
 * header; otherwise the header must match this module's layout. Returns 0, or -1 when it does not
 * (the caller then makes a new segment). */
int sv_metrics_attach(void *base, apr_size_t size, const struct sv_route *routes, apr_size_t nroutes, int fresh);

/* No segment from now on: every record call does nothing, the handler answers 503. */
void sv_metrics_detach(void);

/* post_config (not on the dry run): finds the segment the process pool keeps across restarts, or
 * makes one. A failure is logged and the module runs without metrics. */
void sv_metrics_post_config(server_rec *s, const struct sv_route *routes, apr_size_t nroutes);

/* child_init: takes a slot for this child's Kafka queue, given back when pchild goes. */
void sv_metrics_child_init(apr_pool_t *pchild, server_rec *s);

/* ---- recording: each an atomic add; nothing happens without a segment ---- */

/* The router found route for r (the request's label until it ends). */
void sv_metrics_note_route(request_rec *r, const struct sv_route *route);
/* log_transaction hook: counts a request below <base>/api/ by route, method and status, and its
 * duration. */
int sv_metrics_log_transaction(request_rec *r);
/* One request of the given route row (or none: route -1) that ended with status after elapsed. */
void sv_metrics_request(int route, int method_number, int status, apr_interval_time_t elapsed);
void sv_metrics_submission_accepted(int language_id);
void sv_metrics_kafka_delivery_failed(void);
/* This child's producer queue (rd_kafka_outq_len), written to its own slot. */
void sv_metrics_kafka_queue(int messages);
void sv_metrics_redis_error(void);
/* mod_dbd's ap_dbd_acquire, timed (solveit_db_pool_wait_seconds) and its failures counted. */
ap_dbd_t *sv_metrics_dbd_acquire(APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) * acquire, request_rec *r);
void sv_metrics_db_wait(apr_interval_time_t waited, int acquired);

/* ---- exposition and access ---- */

/* The text exposition of every series; *len receives its length. Language names come from cfg
 * (what /api/languages calls them), and its enabled languages are always listed. */
const char *sv_metrics_text(apr_pool_t *p, const solveit_config *cfg, apr_size_t *len);

/* Whether a segment is in use (else the handler answers 503). */
int sv_metrics_collected(void);

/* Whether addr is in cfg's SolveitMetricsAllow (solveit_config.c parses it). */
int sv_metrics_allowed(const solveit_config *cfg, apr_sockaddr_t *addr);

/* GET <base>/api/metrics: staff or an allowed address, else 403. */
int sv_metrics_handler(sv_ctx *ctx);

#endif
