/* common/sv_metrics.c: the daemons' Prometheus registry, its text format 0.0.4 and the /metrics
 * listener (issue 15). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sv_mac.h"
#include "sv_metrics.h"

static char *render(sv_metrics *reg)
{
	size_t len = 0;
	char *text = sv_metrics_render(reg, &len);

	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

START_TEST(counters_and_gauges)
{
	sv_metrics *reg = sv_metrics_new();
	sv_metric *judged = sv_metrics_counter(reg, "solveit_worker_judged", "Judged, by verdict", "verdict,language");
	sv_metric *plain = sv_metrics_counter(reg, "solveit_x", "Unlabelled", NULL);
	sv_metric *busy = sv_metrics_gauge(reg, "solveit_busy", "Busy now", "");
	char *text;

	ck_assert_ptr_nonnull(judged);
	ck_assert_ptr_nonnull(busy);
	text = render(reg);
	/* Before any update: the labelled family has no sample, the others show zero. */
	ck_assert_ptr_nonnull(strstr(text, "# HELP solveit_worker_judged_total Judged, by verdict\n"
					   "# TYPE solveit_worker_judged_total counter\n"
					   "# HELP solveit_x_total Unlabelled\n# TYPE solveit_x_total counter\n"
					   "solveit_x_total 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE solveit_busy gauge\nsolveit_busy 0\n"));
	free(text);

	sv_metric_add(judged, 1, "AC", "71");
	sv_metric_add(judged, 1, "AC", "71");
	sv_metric_add(judged, 1, "WA", NULL);
	sv_metric_add(busy, 3);
	sv_metric_add(busy, -1);
	sv_metric_set(plain, 12345678);
	ck_assert_double_eq(sv_metric_value(judged, "AC", "71"), 2);
	ck_assert_double_eq(sv_metric_value(judged, "TLE", "71"), 0);
	text = render(reg);
	ck_assert_ptr_nonnull(strstr(text, "solveit_worker_judged_total{verdict=\"AC\",language=\"71\"} 2\n"
					   "solveit_worker_judged_total{verdict=\"WA\",language=\"\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "solveit_x_total 12345678\n"));
	ck_assert_ptr_nonnull(strstr(text, "solveit_busy 2\n"));
	free(text);
	/* Updates of the wrong kind and of no metric change nothing and do not crash. */
	sv_metric_observe(judged, 1, "AC", "71");
	sv_metric_add(NULL, 1, "x");
	ck_assert_double_eq(sv_metric_value(judged, "AC", "71"), 2);
	sv_metrics_free(reg);
}
END_TEST

START_TEST(names_are_checked)
{
	sv_metrics *reg = sv_metrics_new();
	static const double down[] = {1, 0.5};

	ck_assert_ptr_nonnull(sv_metrics_counter(reg, "a_b:c", "", "x_1"));
	ck_assert_ptr_null(sv_metrics_counter(reg, "a_b:c", "", NULL)); /* taken */
	ck_assert_ptr_null(sv_metrics_counter(reg, "9lives", "", NULL));
	ck_assert_ptr_null(sv_metrics_counter(reg, "has-dash", "", NULL));
	ck_assert_ptr_null(sv_metrics_gauge(reg, "g", "", "bad:label"));
	ck_assert_ptr_null(sv_metrics_gauge(reg, "g2", "", "__reserved"));
	ck_assert_ptr_null(sv_metrics_gauge(reg, "g3", "", "a,,b"));
	ck_assert_ptr_null(sv_metrics_histogram(reg, "h", "", "le", sv_metrics_duration_buckets, 2));
	ck_assert_ptr_null(sv_metrics_histogram(reg, "h", "", NULL, down, 2));
	ck_assert_ptr_null(sv_metrics_histogram(reg, "h", "", NULL, NULL, 0));
	sv_metrics_free(reg);
}
END_TEST

START_TEST(histogram_buckets_are_cumulative)
{
	static const double bounds[] = {0.1, 0.5, 2.5};
	sv_metrics *reg = sv_metrics_new();
	sv_metric *h = sv_metrics_histogram(reg, "solveit_d_seconds", "Durations", "language", bounds, 3);
	char *text;

	ck_assert_ptr_nonnull(h);
	sv_metric_observe(h, 0.05, "50");
	sv_metric_observe(h, 0.1, "50"); /* on the bound: le means "less or equal" */
	sv_metric_observe(h, 1, "50");
	sv_metric_observe(h, 7.25, "50");
	ck_assert_double_eq(sv_metric_value(h, "50"), 4);
	text = render(reg);
	ck_assert_ptr_nonnull(strstr(text, "# HELP solveit_d_seconds Durations\n# TYPE solveit_d_seconds histogram\n"
					   "solveit_d_seconds_bucket{language=\"50\",le=\"0.1\"} 2\n"
					   "solveit_d_seconds_bucket{language=\"50\",le=\"0.5\"} 2\n"
					   "solveit_d_seconds_bucket{language=\"50\",le=\"2.5\"} 3\n"
					   "solveit_d_seconds_bucket{language=\"50\",le=\"+Inf\"} 4\n"
					   "solveit_d_seconds_sum{language=\"50\"} 8.4\n"
					   "solveit_d_seconds_count{language=\"50\"} 4\n"));
	free(text);
	sv_metrics_free(reg);
}
END_TEST

START_TEST(labels_and_help_are_escaped)
{
	sv_metrics *reg = sv_metrics_new();
	sv_metric *c = sv_metrics_counter(reg, "solveit_e", "a \\ back\nslash \"quoted\"", "reason");
	char *text;

	sv_metric_add(c, 1, "say \"hi\"\\\nbye");
	text = render(reg);
	/* HELP escapes backslash and newline only; label values also the double quote. */
	ck_assert_ptr_nonnull(strstr(text, "# HELP solveit_e_total a \\\\ back\\nslash \"quoted\"\n"));
	ck_assert_ptr_nonnull(strstr(text, "solveit_e_total{reason=\"say \\\"hi\\\"\\\\\\nbye\"} 1\n"));
	free(text);
	sv_metrics_free(reg);
}
END_TEST

START_TEST(long_label_values_are_escaped_whole)
{
	sv_metrics *reg = sv_metrics_new();
	sv_metric *c = sv_metrics_counter(reg, "solveit_long", "long values", "reason");
	char value[401], want[900], *text;

	/* 400 double quotes: 800 bytes escaped, more than the writer's stack buffer */
	memset(value, '"', 400);
	value[400] = '\0';
	strcpy(want, "solveit_long_total{reason=\"");
	for (int i = 0; i < 400; i++)
		strcat(want, "\\\"");
	strcat(want, "\"} 1\n");
	sv_metric_add(c, 1, value);
	text = render(reg);
	ck_assert_ptr_nonnull(strstr(text, want));
	free(text);
	sv_metrics_free(reg);
}
END_TEST

static int scrapes;

static void hook(sv_metrics *reg, void *arg)
{
	sv_metric_set(arg, ++scrapes);
}

START_TEST(scrape_hooks_run_before_rendering)
{
	sv_metrics *reg = sv_metrics_new();
	sv_metric *copied = sv_metrics_counter(reg, "solveit_copied", "Copied from elsewhere", NULL);
	char *text;

	ck_assert_int_eq(sv_metrics_on_scrape(reg, hook, copied), 0);
	free(render(reg));
	text = render(reg);
	ck_assert_ptr_nonnull(strstr(text, "solveit_copied_total 2\n"));
	free(text);
	sv_metrics_free(reg);
}
END_TEST

START_TEST(mac_reasons)
{
	ck_assert_str_eq(sv_metrics_mac_reason(SV_MAC_MALFORMED), "unsigned");
	ck_assert_str_eq(sv_metrics_mac_reason(SV_MAC_MISMATCH), "bad_signature");
	ck_assert_str_eq(sv_metrics_mac_reason(SV_MAC_UNKNOWN_KEY), "unknown_key");
}
END_TEST

START_TEST(listen_addresses_are_checked)
{
	static const char who[] = "--metrics-listen / SOLVEIT_METRICS_LISTEN";
	char err[256];

	ck_assert_int_eq(sv_metrics_listen_check("127.0.0.1:9464", who, err, sizeof(err)), 0);
	ck_assert_int_eq(sv_metrics_listen_check("[::1]:9464", who, err, sizeof(err)), 0);
	ck_assert_int_eq(sv_metrics_listen_check("localhost:1", who, err, sizeof(err)), 0);
	ck_assert_int_eq(sv_metrics_listen_check("9464", who, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--metrics-listen / SOLVEIT_METRICS_LISTEN: \"9464\" is not ADDRESS:PORT (an IPv6 "
			      "address goes in brackets: [::1]:9464)");
	ck_assert_int_eq(sv_metrics_listen_check("::1:9464", who, err, sizeof(err)), -1);
	ck_assert_int_eq(sv_metrics_listen_check("[::1]9464", who, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--metrics-listen / SOLVEIT_METRICS_LISTEN: \"[::1]9464\" is not [IPv6-address]:PORT");
	ck_assert_int_eq(sv_metrics_listen_check("127.0.0.1:70000", who, err, sizeof(err)), -1);
	ck_assert_str_eq(
	    err, "--metrics-listen / SOLVEIT_METRICS_LISTEN: \"127.0.0.1:70000\": the port is not a number from "
		 "1 to 65535");
	ck_assert_int_eq(sv_metrics_listen_check(":9464", who, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "has no address before the port"));
}
END_TEST

/* A socket bound to a port the system chose, kept open so nobody else takes it. */
static int bound(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* The whole answer of one HTTP/1.0 request for path. */
static char *get(int port, const char *path)
{
	struct sockaddr_in a = {
	    .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char req[256], *buf = calloc(1, 65536);
	size_t used = 0;
	ssize_t n;

	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, buf + used, 65535 - used)) > 0)
		used += (size_t)n;
	close(fd);
	return buf;
}

START_TEST(listener_serves_metrics_and_404)
{
	sv_metrics *reg = sv_metrics_new();
	sv_metric *c = sv_metrics_counter(reg, "solveit_served", "Served", NULL);
	sv_metrics_server *srv, *again;
	char addr[64], err[256], *answer;
	int port, fd = bound(&port);

	/* Taken: the error names the option and says why. */
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	listen(fd, 1);
	ck_assert_ptr_null(sv_metrics_listen(reg, addr, "--metrics-listen", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "--metrics-listen 127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(err, "cannot listen there: Address already in use"));
	close(fd);

	srv = sv_metrics_listen(reg, addr, "--metrics-listen", err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	again = sv_metrics_listen(reg, addr, "--metrics-listen", err, sizeof(err));
	ck_assert_ptr_null(again);
	sv_metric_add(c, 5);
	answer = get(port, "/metrics");
	ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.0 200") ? answer : strstr(answer, "HTTP/1.1 200"));
	ck_assert_ptr_nonnull(strstr(answer, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(answer, "\r\n\r\n# HELP solveit_served_total Served\n"));
	ck_assert_ptr_nonnull(strstr(answer, "solveit_served_total 5\n"));
	free(answer);
	answer = get(port, "/other");
	ck_assert_ptr_nonnull(strstr(answer, " 404 "));
	ck_assert_ptr_nonnull(strstr(answer, "the metrics are at /metrics"));
	free(answer);
	sv_metrics_stop(srv);
	sv_metrics_free(reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, counters_and_gauges);
	tcase_add_test(tc, names_are_checked);
	tcase_add_test(tc, histogram_buckets_are_cumulative);
	tcase_add_test(tc, labels_and_help_are_escaped);
	tcase_add_test(tc, long_label_values_are_escaped_whole);
	tcase_add_test(tc, scrape_hooks_run_before_rendering);
	tcase_add_test(tc, mac_reasons);
	tcase_add_test(tc, listen_addresses_are_checked);
	tcase_add_test(tc, listener_serves_metrics_and_404);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
