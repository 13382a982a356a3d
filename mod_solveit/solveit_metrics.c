#include "solveit_metrics.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "apr_shm.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_router.h"
#include "sv_prom.h"
#include "sv_version.h"

APLOG_USE_MODULE(solveit);

/* ---- the segment ---- */

#define SEGMENT_MAGIC    0x534f4c5645495431ULL /* "SOLVEIT1" */
#define LAYOUT_VERSION   1
#define HIST_BUCKETS     11 /* the most finite buckets of a histogram below */
#define UNMATCHED_ROWS   5  /* requests no route row took, by method: GET POST PUT DELETE other */
#define PROCESS_POOL_KEY "solveit_metrics_segment"
#define ROUTE_NOTE_KEY   "solveit_metrics_route"

/* A histogram as stored: each observation counted in the first bucket whose bound holds it (the
 * last one is +Inf), so that the count is their sum and _bucket{le="+Inf"} == _count always. */
typedef struct {
	apr_uint64_t bucket[HIST_BUCKETS + 1];
	apr_uint64_t sum_us;
} histogram;

typedef struct {
	apr_uint32_t pid; /* 0: free */
	apr_uint32_t queue;
} child_slot;

typedef struct {
	apr_uint64_t magic;
	apr_uint64_t layout; /* hash of the route table and of the dimensions */
	apr_uint64_t nroutes;
	apr_uint64_t size;
	apr_uint64_t kafka_failures;
	apr_uint64_t pool_failures;
	apr_uint64_t redis_errors;
	histogram pool_wait;
	apr_uint64_t accepted[SV_METRICS_LANGUAGES];
	child_slot children[SV_METRICS_CHILD_SLOTS];
	/* then apr_uint64_t requests[nroutes + UNMATCHED_ROWS][SV_METRICS_STATUSES] and
	 * histogram latency[nroutes + 1] (the last: no route) */
} segment;

/* Bounds in microseconds, and as the le label shows them. */
typedef struct {
	int n;
	apr_int64_t us[HIST_BUCKETS];
	const char *text[HIST_BUCKETS];
} bounds;

/* Prometheus' default buckets: pages answer in milliseconds, package imports in seconds. */
static const bounds latency_bounds = {
    11,
    {5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000},
    {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"}};
/* A free pooled connection takes microseconds; a new one milliseconds; an exhausted pool (mod_dbd's
 * reslist waits without a timeout) as long as the requests holding its connections. */
static const bounds pool_bounds = {10,
				   {100, 500, 1000, 5000, 10000, 50000, 100000, 500000, 1000000, 5000000},
				   {"0.0001", "0.0005", "0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "5"}};

/* The segment this process adds to, or none. In a child of an older generation it stays the one
 * that child was forked with: its mapping lives as long as the child, whatever the parent does. */
static struct {
	segment *seg;
	const sv_route *routes;
	apr_size_t nroutes;
	apr_uint64_t *requests;
	histogram *latency;
	child_slot *slot; /* this child's, or NULL */
} active;

static apr_size_t request_cells(apr_size_t nroutes)
{
	return (nroutes + UNMATCHED_ROWS) * SV_METRICS_STATUSES;
}

apr_size_t sv_metrics_size(apr_size_t nroutes)
{
	return APR_ALIGN_DEFAULT(sizeof(segment)) + request_cells(nroutes) * sizeof(apr_uint64_t) +
	       (nroutes + 1) * sizeof(histogram);
}

/* FNV-1a over the route rows and the dimensions: another module version (other rows, another
 * order) must not read this segment's cells as its own. */
static apr_uint64_t layout_hash(const sv_route *routes, apr_size_t nroutes)
{
	apr_uint64_t h = 0xcbf29ce484222325ULL;
	const int dims[] = {LAYOUT_VERSION,      HIST_BUCKETS,         UNMATCHED_ROWS,
			    SV_METRICS_STATUSES, SV_METRICS_LANGUAGES, SV_METRICS_CHILD_SLOTS};

	for (apr_size_t i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
		h = (h ^ (apr_uint64_t)dims[i]) * 0x100000001b3ULL;
	for (apr_size_t i = 0; i < nroutes; i++) {
		h = (h ^ (apr_uint64_t)routes[i].method) * 0x100000001b3ULL;
		for (const char *c = routes[i].pattern; *c; c++)
			h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
		h = (h ^ '\n') * 0x100000001b3ULL;
	}
	return h;
}

int sv_metrics_attach(void *base, apr_size_t size, const sv_route *routes, apr_size_t nroutes, int fresh)
{
	segment *seg = base;
	apr_uint64_t layout = layout_hash(routes, nroutes);

	if (size < sv_metrics_size(nroutes))
		return -1;
	if (fresh) {
		memset(base, 0, size);
		seg->magic = SEGMENT_MAGIC;
		seg->layout = layout;
		seg->nroutes = nroutes;
		seg->size = size;
	} else if (seg->magic != SEGMENT_MAGIC || seg->layout != layout || seg->nroutes != nroutes ||
		   seg->size != size) {
		return -1;
	}
	active.routes = routes;
	active.nroutes = nroutes;
	active.requests = (apr_uint64_t *)((char *)base + APR_ALIGN_DEFAULT(sizeof(segment)));
	active.latency = (histogram *)(active.requests + request_cells(nroutes));
	active.slot = NULL;
	/* Last: a reader that sees seg sees the rest. */
	__atomic_store_n(&active.seg, seg, __ATOMIC_RELEASE);
	return 0;
}

void sv_metrics_detach(void)
{
	__atomic_store_n(&active.seg, NULL, __ATOMIC_RELEASE);
	active.slot = NULL;
}

void sv_metrics_post_config(server_rec *s, const sv_route *routes, apr_size_t nroutes)
{
	/* The process pool outlives every generation's pconf (and mod_so unloads this module with
	 * pconf): nothing of ours but the data is left in it, no cleanup pointing into this file. */
	apr_pool_t *keep = s->process->pool;
	apr_size_t size = sv_metrics_size(nroutes);
	apr_shm_t *shm = NULL;
	apr_status_t rv;

	apr_pool_userdata_get((void **)&shm, PROCESS_POOL_KEY, keep);
	if (shm && apr_shm_size_get(shm) == size &&
	    sv_metrics_attach(apr_shm_baseaddr_get(shm), size, routes, nroutes, 0) == 0)
		return; /* a restart: the counters carry over */
	if (shm) {
		ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
			     "solveit: the metrics start from zero: this module's route table differs from the one "
			     "that made them");
		apr_pool_userdata_set(NULL, PROCESS_POOL_KEY, apr_pool_cleanup_null, keep);
		sv_metrics_detach();
		apr_shm_destroy(shm);
	}
	if ((rv = apr_shm_create(&shm, size, NULL, keep)) != APR_SUCCESS) {
		ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
			     "solveit: no shared memory for the metrics (%" APR_SIZE_T_FMT
			     " bytes); <base>/api/metrics answers 503",
			     size);
		sv_metrics_detach();
		return;
	}
	apr_pool_userdata_set(shm, PROCESS_POOL_KEY, apr_pool_cleanup_null, keep);
	sv_metrics_attach(apr_shm_baseaddr_get(shm), size, routes, nroutes, 1);
}

/* ---- the Kafka queue: one slot per child ---- */

static int alive(apr_uint32_t pid)
{
	/* Children run as one user: EPERM would still mean that the process exists. */
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static apr_status_t give_back_slot(void *data)
{
	child_slot *slot = data;

	if (active.slot == slot) {
		__atomic_store_n(&slot->queue, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&slot->pid, 0, __ATOMIC_RELEASE);
		active.slot = NULL;
	}
	return APR_SUCCESS;
}

void sv_metrics_child_init(apr_pool_t *pchild, server_rec *s)
{
	segment *seg = __atomic_load_n(&active.seg, __ATOMIC_ACQUIRE);
	apr_uint32_t me = (apr_uint32_t)getpid();

	if (!seg)
		return;
	/* A free slot, or one whose child died without giving it back (killed). */
	for (int i = 0; i < SV_METRICS_CHILD_SLOTS; i++) {
		child_slot *slot = &seg->children[i];
		apr_uint32_t pid = __atomic_load_n(&slot->pid, __ATOMIC_ACQUIRE);

		if ((pid == 0 || (pid != me && !alive(pid))) &&
		    __atomic_compare_exchange_n(&slot->pid, &pid, me, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			__atomic_store_n(&slot->queue, 0, __ATOMIC_RELAXED);
			active.slot = slot;
			apr_pool_cleanup_register(pchild, slot, give_back_slot, apr_pool_cleanup_null);
			return;
		}
	}
	ap_log_error(
	    APLOG_MARK, APLOG_NOTICE, 0, s,
	    "solveit: more than %d children: this one's Kafka queue is left out of solveit_kafka_queue_messages",
	    SV_METRICS_CHILD_SLOTS);
}

void sv_metrics_kafka_queue(int messages)
{
	child_slot *slot = active.slot;

	if (slot)
		__atomic_store_n(&slot->queue, (apr_uint32_t)(messages > 0 ? messages : 0), __ATOMIC_RELAXED);
}

/* ---- recording ---- */

static void add(apr_uint64_t *cell)
{
	__atomic_fetch_add(cell, 1, __ATOMIC_RELAXED);
}

static void observe(histogram *h, const bounds *b, apr_interval_time_t us)
{
	int i = 0;

	if (us < 0)
		us = 0;
	while (i < b->n && us > b->us[i])
		i++;
	add(&h->bucket[i]);
	__atomic_fetch_add(&h->sum_us, (apr_uint64_t)us, __ATOMIC_RELAXED);
}

static int unmatched_row(int method_number)
{
	switch (method_number) {
	case M_GET:
		return 0;
	case M_POST:
		return 1;
	case M_PUT:
		return 2;
	case M_DELETE:
		return 3;
	default:
		return 4;
	}
}

void sv_metrics_request(int route, int method_number, int status, apr_interval_time_t elapsed)
{
	segment *seg = __atomic_load_n(&active.seg, __ATOMIC_ACQUIRE);
	apr_size_t row;

	if (!seg)
		return;
	if (status < SV_METRICS_STATUS_MIN || status >= SV_METRICS_STATUS_MIN + SV_METRICS_STATUSES)
		status = HTTP_INTERNAL_SERVER_ERROR;
	row = route >= 0 && (apr_size_t)route < active.nroutes
		  ? (apr_size_t)route
		  : active.nroutes + (apr_size_t)unmatched_row(method_number);
	add(&active.requests[row * SV_METRICS_STATUSES + (apr_size_t)(status - SV_METRICS_STATUS_MIN)]);
	observe(&active.latency[route >= 0 && (apr_size_t)route < active.nroutes ? (apr_size_t)route : active.nroutes],
		&latency_bounds, elapsed);
}

void sv_metrics_note_route(request_rec *r, const sv_route *route)
{
	apr_pool_userdata_setn(route, ROUTE_NOTE_KEY, NULL, r->pool);
}

int sv_metrics_log_transaction(request_rec *r)
{
	const request_rec *last = r;
	const sv_route *route = NULL;
	int row = -1;

	/* Only what solveit_translate claimed: <base>/api/... */
	if (!active.seg || !r->filename || strncmp(r->filename, "solveit:", 8) != 0)
		return DECLINED;
	while (last->next)
		last = last->next; /* an internal redirect's status is the answer's */
	apr_pool_userdata_get((void **)&route, ROUTE_NOTE_KEY, r->pool);
	if (route && route >= active.routes && route < active.routes + active.nroutes)
		row = (int)(route - active.routes);
	sv_metrics_request(row, r->method_number, last->status, apr_time_now() - r->request_time);
	return DECLINED;
}

void sv_metrics_submission_accepted(int language_id)
{
	segment *seg = __atomic_load_n(&active.seg, __ATOMIC_ACQUIRE);

	if (seg && language_id > 0 && language_id < SV_METRICS_LANGUAGES)
		add(&seg->accepted[language_id]);
}

void sv_metrics_kafka_delivery_failed(void)
{
	segment *seg = __atomic_load_n(&active.seg, __ATOMIC_ACQUIRE);

	if (seg)
		add(&seg->kafka_failures);
}

void sv_metrics_redis_error(void)
{
	segment *seg = __atomic_load_n(&active.seg, __ATOMIC_ACQUIRE);

	if (seg)
		add(&seg->redis_errors);
}

void sv_metrics_db_wait(apr_interval_time_t waited, int acquired)
{
	segment *seg = __atomic_load_n(&active.seg, __ATOMIC_ACQUIRE);

	if (!seg)
		return;
	observe(&seg->pool_wait, &pool_bounds, waited);
	if (!acquired)
		add(&seg->pool_failures);
}

ap_dbd_t *sv_metrics_dbd_acquire(APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) * acquire, request_rec *r)
{
	apr_time_t start = apr_time_now();
	ap_dbd_t *dbd = acquire(r);

	sv_metrics_db_wait(apr_time_now() - start, dbd != NULL);
	return dbd;
}

/* ---- exposition (text format 0.0.4) ---- */

typedef struct {
	apr_pool_t *p;
	char *buf;
	apr_size_t len, cap;
} text;

__attribute__((format(printf, 2, 3))) static void put(text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = apr_vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		/* apr_vsnprintf returns what it wrote, at most cap - len - 1: room left means all fitted */
		if (t->len + (apr_size_t)n + 1 < t->cap)
			break;
		char *grown = apr_palloc(t->p, t->cap * 2);

		memcpy(grown, t->buf, t->len);
		t->buf = grown;
		t->cap *= 2;
	}
	t->len += (apr_size_t)n;
}

/* A label value: backslash, double quote and newline escaped (sv_prom_escape). */
static const char *label(apr_pool_t *p, const char *value)
{
	apr_size_t n = sv_prom_escape(NULL, value, 1);
	char *out;

	if (n == strlen(value))
		return value;
	out = apr_palloc(p, n + 1);
	sv_prom_escape(out, value, 1);
	return out;
}

static void family(text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static apr_uint64_t load(const apr_uint64_t *cell)
{
	return __atomic_load_n(cell, __ATOMIC_RELAXED);
}

/* One histogram's _bucket (cumulative), _sum and _count lines; labels is "" or `name="value",`. */
static void put_histogram(text *t, const char *name, const char *labels, const histogram *h, const bounds *b)
{
	apr_uint64_t cumulative = 0;
	const char *open = *labels ? "{" : "", *close = *labels ? "}" : "";
	apr_size_t n = strlen(labels);
	/* labels without the trailing comma, for _sum and _count */
	const char *bare = n ? apr_pstrmemdup(t->p, labels, n - 1) : "";

	for (int i = 0; i <= b->n; i++) {
		cumulative += load(&h->bucket[i]);
		put(t, "%s_bucket{%sle=\"%s\"} %" APR_UINT64_T_FMT "\n", name, labels, i < b->n ? b->text[i] : "+Inf",
		    cumulative);
	}
	put(t, "%s_sum%s%s%s %.6f\n", name, open, bare, close, (double)load(&h->sum_us) / 1e6);
	put(t, "%s_count%s%s%s %" APR_UINT64_T_FMT "\n", name, open, bare, close, cumulative);
}

static apr_uint64_t histogram_count(const histogram *h, const bounds *b)
{
	apr_uint64_t n = 0;

	for (int i = 0; i <= b->n; i++)
		n += load(&h->bucket[i]);
	return n;
}

static const char *const method_names[UNMATCHED_ROWS] = {"GET", "POST", "PUT", "DELETE", "OTHER"};

static void put_requests(text *t, const segment *seg)
{
	family(t, "solveit_http_requests_total", "counter",
	       "Requests below <base>/api/ by route pattern (unmatched: no route took it), method and status.");
	for (apr_size_t row = 0; row < active.nroutes + UNMATCHED_ROWS; row++) {
		int matched = row < active.nroutes;
		const char *route = matched ? label(t->p, active.routes[row].pattern) : "unmatched";
		const char *method =
		    method_names[matched ? (apr_size_t)unmatched_row(active.routes[row].method) : row - active.nroutes];

		for (int st = 0; st < SV_METRICS_STATUSES; st++) {
			apr_uint64_t v = load(&active.requests[row * SV_METRICS_STATUSES + (apr_size_t)st]);

			if (v)
				put(t,
				    "solveit_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} "
				    "%" APR_UINT64_T_FMT "\n",
				    route, method, st + SV_METRICS_STATUS_MIN, v);
		}
	}
	/* One histogram per route row, and a pattern has a row per method: the method keeps each
	 * label set once (a pattern's GET and PUT would otherwise be two series of one name). */
	family(t, "solveit_http_request_duration_seconds", "histogram",
	       "Time from the request line to the logged answer, by route pattern and method (ANY: unmatched).");
	for (apr_size_t row = 0; row <= active.nroutes; row++) {
		const histogram *h = &active.latency[row];
		int matched = row < active.nroutes;

		if (histogram_count(h, &latency_bounds))
			put_histogram(
			    t, "solveit_http_request_duration_seconds",
			    apr_psprintf(t->p, "route=\"%s\",method=\"%s\",",
					 matched ? label(t->p, active.routes[row].pattern) : "unmatched",
					 matched ? method_names[unmatched_row(active.routes[row].method)] : "ANY"),
			    h, &latency_bounds);
	}
}

static void put_submissions(text *t, const segment *seg, const solveit_config *cfg)
{
	int n;
	const int *enabled = sv_cfg_languages(cfg, &n);
	char listed[SV_METRICS_LANGUAGES] = {0};

	family(t, "solveit_submissions_accepted_total", "counter",
	       "New submissions stored and queued for judging (202), by language.");
	/* The enabled languages even at 0, so that the first submission is an increase. */
	for (int i = 0; i < n; i++)
		if (enabled[i] > 0 && enabled[i] < SV_METRICS_LANGUAGES)
			listed[enabled[i]] = 1;
	for (int id = 1; id < SV_METRICS_LANGUAGES; id++) {
		apr_uint64_t v = load(&seg->accepted[id]);
		const char *name;

		if (!v && !listed[id])
			continue;
		name = sv_cfg_language_name(cfg, id);
		put(t, "solveit_submissions_accepted_total{language_id=\"%d\",language=\"%s\"} %" APR_UINT64_T_FMT "\n",
		    id, label(t->p, name ? name : apr_itoa(t->p, id)), v);
	}
}

static void put_scalars(text *t, const segment *seg)
{
	apr_uint64_t queue = 0;

	family(t, "solveit_kafka_delivery_failures_total", "counter",
	       "Messages the Kafka producers could not deliver (their submissions wait for the sweeper).");
	put(t, "solveit_kafka_delivery_failures_total %" APR_UINT64_T_FMT "\n", load(&seg->kafka_failures));
	for (int i = 0; i < SV_METRICS_CHILD_SLOTS; i++) {
		apr_uint32_t pid = __atomic_load_n(&seg->children[i].pid, __ATOMIC_ACQUIRE);

		if (pid && alive(pid))
			queue += __atomic_load_n(&seg->children[i].queue, __ATOMIC_RELAXED);
	}
	family(t, "solveit_kafka_queue_messages", "gauge",
	       "Messages waiting in the Kafka producers' queues, summed over the children of httpd.");
	put(t, "solveit_kafka_queue_messages %" APR_UINT64_T_FMT "\n", queue);
	family(t, "solveit_db_pool_wait_seconds", "histogram",
	       "Time to get a database connection from mod_dbd's pool (ap_dbd_acquire).");
	put_histogram(t, "solveit_db_pool_wait_seconds", "", &seg->pool_wait, &pool_bounds);
	family(t, "solveit_db_pool_acquire_failures_total", "counter",
	       "Requests that got no database connection from mod_dbd.");
	put(t, "solveit_db_pool_acquire_failures_total %" APR_UINT64_T_FMT "\n", load(&seg->pool_failures));
	family(t, "solveit_redis_errors_total", "counter",
	       "Redis commands and connections of the cache that failed (pages then come from the database).");
	put(t, "solveit_redis_errors_total %" APR_UINT64_T_FMT "\n", load(&seg->redis_errors));
}

const char *sv_metrics_text(apr_pool_t *p, const solveit_config *cfg, apr_size_t *len)
{
	segment *seg = __atomic_load_n(&active.seg, __ATOMIC_ACQUIRE);
	text t = {p, apr_palloc(p, 16384), 0, 16384};

	t.buf[0] = '\0';
	family(&t, "solveit_build_info", "gauge", "The version of mod_solveit; always 1.");
	put(&t, "solveit_build_info{version=\"%s\"} 1\n", label(p, SV_VERSION));
	if (seg) {
		put_requests(&t, seg);
		put_submissions(&t, seg, cfg);
		put_scalars(&t, seg);
	}
	*len = t.len;
	return t.buf;
}

int sv_metrics_collected(void)
{
	return __atomic_load_n(&active.seg, __ATOMIC_ACQUIRE) != NULL;
}
