#include "sv_metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_mac.h"
#include "sv_prom.h"

#define MAX_LABELS 4

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;

/* One label set of a family and its figures. */
typedef struct series {
	struct series *next;
	char *values[MAX_LABELS];
	double value;             /* counter, gauge */
	double sum;               /* histogram */
	unsigned long long count; /* histogram */
	unsigned long long *buckets;
} series;

struct sv_metric {
	struct sv_metric *next;
	sv_metrics *reg;
	metric_kind kind;
	char *name, *help;
	char *labels[MAX_LABELS];
	size_t nlabels;
	double *bounds;
	size_t nbounds;
	series *first, **last;
};

struct sv_metrics {
	/* One lock for every update: a few per judged submission, nothing to contend over. */
	pthread_mutex_t lock;
	sv_metric *first, **last;
	struct {
		sv_metrics_hook *fn;
		void *arg;
	} hooks[SV_METRICS_MAX_HOOKS];
	size_t nhooks;
};

const double sv_metrics_duration_buckets[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
const size_t sv_metrics_duration_bucket_count = sizeof(sv_metrics_duration_buckets) / sizeof(double);

const char *sv_metrics_mac_reason(int mac_status)
{
	switch (mac_status) {
	case SV_MAC_UNKNOWN_KEY:
		return "unknown_key";
	case SV_MAC_MISMATCH:
		return "bad_signature";
	default:
		return "unsigned";
	}
}

sv_metrics *sv_metrics_new(void)
{
	sv_metrics *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	pthread_mutex_init(&reg->lock, NULL);
	reg->last = &reg->first;
	return reg;
}

static void series_free(series *s)
{
	while (s) {
		series *next = s->next;

		for (size_t i = 0; i < MAX_LABELS; i++)
			free(s->values[i]);
		free(s->buckets);
		free(s);
		s = next;
	}
}

static void metric_free(sv_metric *m)
{
	series_free(m->first);
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->labels[i]);
	free(m->name);
	free(m->help);
	free(m->bounds);
	free(m);
}

void sv_metrics_free(sv_metrics *reg)
{
	if (!reg)
		return;
	for (sv_metric *m = reg->first, *next; m; m = next) {
		next = m->next;
		metric_free(m);
	}
	pthread_mutex_destroy(&reg->lock);
	free(reg);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; labels take no ':' and no "__" prefix. */
static int valid_name(const char *s, size_t n, int label)
{
	if (n == 0 || (label && n >= 2 && s[0] == '_' && s[1] == '_'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':') ||
			 (i > 0 && c >= '0' && c <= '9');

		if (!ok)
			return 0;
	}
	return 1;
}

static int split_labels(sv_metric *m, const char *labels)
{
	const char *p = labels;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (m->nlabels == MAX_LABELS || !valid_name(p, n, 1) || (n == 2 && !memcmp(p, "le", 2)) ||
		    !(m->labels[m->nlabels] = strndup(p, n)))
			return -1;
		m->nlabels++;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static sv_metric *family(sv_metrics *reg, metric_kind kind, const char *name, const char *help, const char *labels,
			 const double *bounds, size_t nbounds)
{
	sv_metric *m;

	if (!reg || !name || !valid_name(name, strlen(name), 0))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->reg = reg;
	m->kind = kind;
	m->last = &m->first;
	m->name = strdup(name);
	m->help = strdup(help ? help : "");
	if (!m->name || !m->help || split_labels(m, labels) < 0)
		goto fail;
	if (nbounds) {
		m->bounds = malloc(nbounds * sizeof(double));
		if (!m->bounds)
			goto fail;
		for (size_t i = 0; i < nbounds; i++)
			if (isnan(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
				goto fail;
		memcpy(m->bounds, bounds, nbounds * sizeof(double));
		m->nbounds = nbounds;
	}
	pthread_mutex_lock(&reg->lock);
	for (sv_metric *o = reg->first; o; o = o->next)
		if (!strcmp(o->name, name)) {
			pthread_mutex_unlock(&reg->lock);
			goto fail;
		}
	*reg->last = m;
	reg->last = &m->next;
	pthread_mutex_unlock(&reg->lock);
	return m;
fail:
	metric_free(m);
	return NULL;
}

sv_metric *sv_metrics_counter(sv_metrics *reg, const char *name, const char *help, const char *labels)
{
	return family(reg, KIND_COUNTER, name, help, labels, NULL, 0);
}

sv_metric *sv_metrics_gauge(sv_metrics *reg, const char *name, const char *help, const char *labels)
{
	return family(reg, KIND_GAUGE, name, help, labels, NULL, 0);
}

sv_metric *sv_metrics_histogram(sv_metrics *reg, const char *name, const char *help, const char *labels,
				const double *bounds, size_t nbounds)
{
	if (!bounds || nbounds == 0)
		return NULL;
	return family(reg, KIND_HISTOGRAM, name, help, labels, bounds, nbounds);
}

/* The series of values[] in m, made when new; NULL when out of memory. Under the lock. */
static series *find(sv_metric *m, const char *const *values)
{
	series *s;

	for (s = m->first; s; s = s->next) {
		size_t i = 0;

		while (i < m->nlabels && !strcmp(s->values[i], values[i]))
			i++;
		if (i == m->nlabels)
			return s;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (m->kind == KIND_HISTOGRAM && !(s->buckets = calloc(m->nbounds, sizeof(*s->buckets)))) {
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < m->nlabels; i++)
		if (!(s->values[i] = strdup(values[i]))) {
			series_free(s);
			return NULL;
		}
	*m->last = s;
	m->last = &s->next;
	return s;
}

static void read_values(const sv_metric *m, va_list ap, const char **values)
{
	for (size_t i = 0; i < m->nlabels; i++) {
		const char *v = va_arg(ap, const char *);

		values[i] = v ? v : "";
	}
}

enum { OP_ADD, OP_SET, OP_OBSERVE };

static void update(sv_metric *m, int op, double v, const char **values)
{
	series *s;

	pthread_mutex_lock(&m->reg->lock);
	s = find(m, values);
	if (s && op == OP_ADD)
		s->value += v;
	else if (s && op == OP_SET)
		s->value = v;
	else if (s) {
		for (size_t i = 0; i < m->nbounds; i++)
			if (v <= m->bounds[i])
				s->buckets[i]++;
		s->sum += v;
		s->count++;
	}
	pthread_mutex_unlock(&m->reg->lock);
}

#define UPDATE(m, op, v)                                                                                               \
	do {                                                                                                           \
		const char *values[MAX_LABELS];                                                                        \
		va_list ap;                                                                                            \
		if (!(m))                                                                                              \
			return;                                                                                        \
		va_start(ap, v);                                                                                       \
		read_values(m, ap, values);                                                                            \
		va_end(ap);                                                                                            \
		update(m, op, v, values);                                                                              \
	} while (0)

void sv_metric_add(sv_metric *m, double v, ...)
{
	if (m && m->kind != KIND_HISTOGRAM)
		UPDATE(m, OP_ADD, v);
}

void sv_metric_set(sv_metric *m, double v, ...)
{
	if (m && m->kind != KIND_HISTOGRAM)
		UPDATE(m, OP_SET, v);
}

void sv_metric_observe(sv_metric *m, double v, ...)
{
	if (m && m->kind == KIND_HISTOGRAM)
		UPDATE(m, OP_OBSERVE, v);
}

double sv_metric_value(sv_metric *m, ...)
{
	const char *values[MAX_LABELS];
	double v = 0;
	va_list ap;

	if (!m)
		return 0;
	va_start(ap, m);
	read_values(m, ap, values);
	va_end(ap);
	pthread_mutex_lock(&m->reg->lock);
	for (series *s = m->first; s; s = s->next) {
		size_t i = 0;

		while (i < m->nlabels && !strcmp(s->values[i], values[i]))
			i++;
		if (i == m->nlabels) {
			v = m->kind == KIND_HISTOGRAM ? (double)s->count : s->value;
			break;
		}
	}
	pthread_mutex_unlock(&m->reg->lock);
	return v;
}

int sv_metrics_on_scrape(sv_metrics *reg, sv_metrics_hook *fn, void *arg)
{
	if (!reg || reg->nhooks == SV_METRICS_MAX_HOOKS)
		return -1;
	reg->hooks[reg->nhooks].fn = fn;
	reg->hooks[reg->nhooks].arg = arg;
	reg->nhooks++;
	return 0;
}

void sv_metrics_kafka_lag(sv_metric *gauge, rd_kafka_t *consumer, int ask_broker)
{
	rd_kafka_topic_partition_list_t *parts = NULL;

	if (!gauge || gauge->nlabels != 2 || !consumer)
		return;
	if (rd_kafka_assignment(consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	rd_kafka_position(consumer, parts);
	pthread_mutex_lock(&gauge->reg->lock);
	/* Only the partitions assigned now: one that went to another consumer is that one's to report. */
	series_free(gauge->first);
	gauge->first = NULL;
	gauge->last = &gauge->first;
	for (int i = 0; i < parts->cnt; i++) {
		const rd_kafka_topic_partition_t *p = &parts->elems[i];
		int64_t low, high;
		char partition[16];
		const char *values[2] = {p->topic, partition};
		series *s;

		if ((ask_broker ? rd_kafka_query_watermark_offsets(consumer, p->topic, p->partition, &low, &high, 500)
				: rd_kafka_get_watermark_offsets(consumer, p->topic, p->partition, &low, &high)) ||
		    high < 0)
			continue;
		snprintf(partition, sizeof(partition), "%d", (int)p->partition);
		if ((s = find(gauge, values)) != NULL)
			/* No position yet: nothing consumed since the assignment, so all of it waits. */
			s->value = (double)(high - (p->offset >= 0 ? p->offset : low));
		if (s && s->value < 0)
			s->value = 0;
	}
	pthread_mutex_unlock(&gauge->reg->lock);
	rd_kafka_topic_partition_list_destroy(parts);
}

/* ---- the text format ---- */

typedef struct {
	char *data;
	size_t len, cap;
	int failed;
} text;

static void put(text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *data;

		while (t->len + n + 1 > cap)
			cap *= 2;
		if (!(data = realloc(t->data, cap))) {
			t->failed = 1;
			return;
		}
		t->data = data;
		t->cap = cap;
	}
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

static void puts_(text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void put_number(text *t, double v)
{
	char buf[40];

	if (isnan(v))
		puts_(t, "NaN");
	else if (isinf(v))
		puts_(t, v > 0 ? "+Inf" : "-Inf");
	else {
		snprintf(buf, sizeof(buf), "%.15g", v);
		puts_(t, buf);
	}
}

/* HELP text escapes '\\' and newline; label values also '"' (sv_prom_escape). */
static void put_escaped(text *t, const char *s, int quotes)
{
	size_t n = sv_prom_escape(NULL, s, quotes);
	char small[256], *buf = n < sizeof(small) ? small : malloc(n + 1);

	if (!buf) {
		t->failed = 1;
		return;
	}
	sv_prom_escape(buf, s, quotes);
	put(t, buf, n);
	if (buf != small)
		free(buf);
}

/* name{a="x",b="y",le="0.5"} (no braces without labels). */
static void put_sample_name(text *t, const sv_metric *m, const char *suffix, const series *s, const double *le)
{
	size_t n = 0;

	puts_(t, m->name);
	puts_(t, suffix);
	for (size_t i = 0; i < m->nlabels; i++, n++) {
		puts_(t, n ? "," : "{");
		puts_(t, m->labels[i]);
		puts_(t, "=\"");
		put_escaped(t, s->values[i], 1);
		puts_(t, "\"");
	}
	if (le) {
		puts_(t, n++ ? ",le=\"" : "{le=\"");
		put_number(t, *le);
		puts_(t, "\"");
	}
	puts_(t, n ? "} " : " ");
}

static void render_family(text *t, const sv_metric *m)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	const char *suffix = m->kind == KIND_COUNTER ? "_total" : "";
	series none = {0};

	puts_(t, "# HELP ");
	puts_(t, m->name);
	puts_(t, suffix);
	puts_(t, " ");
	put_escaped(t, m->help, 0);
	puts_(t, "\n# TYPE ");
	puts_(t, m->name);
	puts_(t, suffix);
	puts_(t, " ");
	puts_(t, types[m->kind]);
	puts_(t, "\n");
	/* A family without labels shows its zero before the first update. */
	if (!m->first && m->nlabels == 0 && m->kind != KIND_HISTOGRAM) {
		put_sample_name(t, m, suffix, &none, NULL);
		puts_(t, "0\n");
	}
	for (const series *s = m->first; s; s = s->next) {
		if (m->kind != KIND_HISTOGRAM) {
			put_sample_name(t, m, suffix, s, NULL);
			put_number(t, s->value);
			puts_(t, "\n");
			continue;
		}
		for (size_t i = 0; i <= m->nbounds; i++) {
			double le = i < m->nbounds ? m->bounds[i] : INFINITY;

			put_sample_name(t, m, "_bucket", s, &le);
			put_number(t, (double)(i < m->nbounds ? s->buckets[i] : s->count));
			puts_(t, "\n");
		}
		put_sample_name(t, m, "_sum", s, NULL);
		put_number(t, s->sum);
		puts_(t, "\n");
		put_sample_name(t, m, "_count", s, NULL);
		put_number(t, (double)s->count);
		puts_(t, "\n");
	}
}

char *sv_metrics_render(sv_metrics *reg, size_t *len)
{
	text t = {NULL, 0, 0, 0};

	for (size_t i = 0; i < reg->nhooks; i++)
		reg->hooks[i].fn(reg, reg->hooks[i].arg);
	put(&t, "", 0);
	pthread_mutex_lock(&reg->lock);
	for (const sv_metric *m = reg->first; m; m = m->next)
		render_family(&t, m);
	pthread_mutex_unlock(&reg->lock);
	if (t.failed) {
		free(t.data);
		return NULL;
	}
	if (len)
		*len = t.len;
	return t.data;
}
