/* The module's metrics (solveit_metrics.c): SolveitMetricsAllow's parsing and matching, the
 * segment's layout check, sums across processes, and the text exposition (format 0.0.4). */

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_network_io.h"
#include "apr_shm.h"
#include "apr_strings.h"

#include "httpd_stub.h"
#include "solveit_metrics.h"
#include "solveit_router.h"

static apr_pool_t *pool;
static server_rec *server;

static int nothing(sv_ctx *ctx)
{
	return OK;
}

/* A small route table of our own: the exposition names its rows' patterns. */
static const sv_route routes[] = {
    {M_GET, "/api/health", nothing, SV_ACCESS_PUBLIC, 0, SV_BODY_NONE},
    {M_POST, "/api/submissions", nothing, SV_ACCESS_USER, SV_ROUTE_CSRF, SV_BODY_SOURCE},
    {M_GET, "/api/odd\"\\name", nothing, SV_ACCESS_PUBLIC, 0, SV_BODY_NONE},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static void setup(void)
{
	apr_pool_create(&pool, NULL);
	server = stub_server(pool);
	fakedb_reset();
}

static void teardown(void)
{
	sv_metrics_detach();
	apr_pool_destroy(pool);
}

/* A fresh segment for routes in shared memory (so that a fork shares it). */
static void fresh_segment(void)
{
	apr_shm_t *shm;
	apr_size_t size = sv_metrics_size(NROUTES);

	ck_assert_int_eq(apr_shm_create(&shm, size, NULL, pool), APR_SUCCESS);
	ck_assert_int_eq(sv_metrics_attach(apr_shm_baseaddr_get(shm), size, routes, NROUTES, 1), 0);
}

static const char *exposition(void)
{
	apr_size_t len;
	const char *t = sv_metrics_text(pool, solveit_config_get(server), &len);

	ck_assert_uint_eq(strlen(t), len);
	return t;
}

static void has_line(const char *text, const char *line)
{
	const char *wanted = apr_pstrcat(pool, "\n", line, "\n", NULL);

	ck_assert_msg(strstr(text, wanted) != NULL, "no line \"%s\" in:\n%s", line, text);
}

/* ---- SolveitMetricsAllow ---- */

static const char *allow(const char *arg)
{
	cmd_parms parms;
	ap_directive_t directive;

	memset(&parms, 0, sizeof(parms));
	memset(&directive, 0, sizeof(directive));
	directive.directive = SV_DIR_METRICS_ALLOW;
	parms.server = server;
	parms.pool = pool;
	parms.temp_pool = pool;
	parms.directive = &directive;
	for (const command_rec *cmd = solveit_cmds; cmd->name; cmd++)
		if (!strcmp(cmd->name, SV_DIR_METRICS_ALLOW)) {
			ck_assert_int_eq(cmd->args_how, ITERATE);
			return cmd->AP_TAKE1(&parms, NULL, arg);
		}
	ck_abort_msg("no directive " SV_DIR_METRICS_ALLOW);
	return NULL;
}

static int allowed(const char *ip)
{
	apr_sockaddr_t *sa;

	ck_assert_int_eq(apr_sockaddr_info_get(&sa, ip, APR_UNSPEC, 80, APR_IPV4_ADDR_OK, pool), APR_SUCCESS);
	return sv_metrics_allowed(solveit_config_get(server), sa);
}

START_TEST(nobody_is_allowed_by_default)
{
	ck_assert(!allowed("127.0.0.1"));
	ck_assert(!allowed("::1"));
}
END_TEST

START_TEST(addresses_and_blocks_of_both_families)
{
	ck_assert_ptr_null(allow("127.0.0.1"));
	ck_assert_ptr_null(allow("10.0.0.0/8"));
	ck_assert_ptr_null(allow("::1"));
	ck_assert_ptr_null(allow("fd00::/8"));
	ck_assert(allowed("127.0.0.1"));
	ck_assert(allowed("10.200.3.4"));
	ck_assert(!allowed("11.0.0.1"));
	ck_assert(!allowed("127.0.0.2"));
	ck_assert(allowed("::1"));
	ck_assert(!allowed("::2"));
	ck_assert(allowed("fd12:3456::1"));
	ck_assert(!allowed("fe80::1"));
	/* an IPv4 client on an IPv6 socket */
	ck_assert(allowed("::ffff:10.1.2.3"));
}
END_TEST

START_TEST(a_vhost_inherits_the_list)
{
	server_rec *vhost = stub_server(pool);
	solveit_config *merged;

	ck_assert_ptr_null(allow("192.0.2.0/24"));
	merged = solveit_config_merge(pool, solveit_config_get(server), solveit_config_get(vhost));
	ck_assert_ptr_eq(merged->metrics_allow, solveit_config_get(server)->metrics_allow);
}
END_TEST

START_TEST(bad_values_name_the_directive)
{
	static const char *const bad[] = {"10.0.0.0/33", "::1/129", "10.1",     "localhost", "10.0.0.0/255.0.0.0",
					  "10.0.0.0/",   "/8",      "1.2.3.4x", "300.1.1.1", "fd00::/x"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err = allow(bad[i]);
		const char *want =
		    apr_psprintf(pool, "SolveitMetricsAllow: \"%s\" is not an IPv4 or IPv6 address", bad[i]);

		ck_assert_msg(err && !strncmp(err, want, strlen(want)), "%s gave %s", bad[i], err ? err : "no error");
	}
	ck_assert_ptr_null(solveit_config_get(server)->metrics_allow);
}
END_TEST

/* ---- the segment ---- */

START_TEST(another_route_table_does_not_read_the_segment)
{
	apr_size_t size = sv_metrics_size(NROUTES);
	void *base = apr_pcalloc(pool, size);

	ck_assert_int_eq(sv_metrics_attach(base, size, routes, NROUTES, 1), 0);
	sv_metrics_request(0, M_GET, 200, 1000);
	/* the same table again (a graceful restart): the counts carry over */
	ck_assert_int_eq(sv_metrics_attach(base, size, routes, NROUTES, 0), 0);
	has_line(exposition(), "solveit_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"200\"} 1");
	/* a table with one row less, or one row changed, is another layout */
	ck_assert_int_eq(sv_metrics_attach(base, size, routes, NROUTES - 1, 0), -1);
	ck_assert_int_eq(sv_metrics_attach(base, size, routes + 1, NROUTES - 1, 0), -1);
	ck_assert_int_eq(sv_metrics_attach(base, size - 8, routes, NROUTES, 1), -1);
}
END_TEST

START_TEST(children_add_to_one_segment)
{
	pid_t pid;
	int status, go[2], ready[2];
	char c;

	fresh_segment();
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	if ((pid = fork()) == 0) {
		apr_pool_t *child;

		apr_pool_create(&child, NULL);
		sv_metrics_child_init(child, server);
		for (int i = 0; i < 1000; i++)
			sv_metrics_request(1, M_POST, 202, 2000);
		sv_metrics_submission_accepted(71);
		sv_metrics_kafka_queue(7);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0); /* as if killed: its slot is not given back */
	}
	for (int i = 0; i < 1000; i++)
		sv_metrics_request(1, M_POST, 202, 2000);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	{
		const char *t = exposition();

		has_line(t,
			 "solveit_http_requests_total{route=\"/api/submissions\",method=\"POST\",status=\"202\"} 2000");
		has_line(t, "solveit_submissions_accepted_total{language_id=\"71\",language=\"Python (3.8.1)\"} 1");
		has_line(t, "solveit_kafka_queue_messages 7");
	}
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* a dead child's queue is no longer counted */
	has_line(exposition(), "solveit_kafka_queue_messages 0");
}
END_TEST

START_TEST(a_child_gives_its_slot_back)
{
	apr_pool_t *child;

	fresh_segment();
	apr_pool_create(&child, pool);
	sv_metrics_child_init(child, server);
	sv_metrics_kafka_queue(3);
	has_line(exposition(), "solveit_kafka_queue_messages 3");
	apr_pool_destroy(child);
	has_line(exposition(), "solveit_kafka_queue_messages 0");
	/* after that the poll thread's last writes go nowhere */
	sv_metrics_kafka_queue(9);
	has_line(exposition(), "solveit_kafka_queue_messages 0");
}
END_TEST

START_TEST(more_children_than_slots_are_left_out_with_a_notice)
{
	apr_pool_t *child;

	fresh_segment();
	apr_pool_create(&child, pool);
	/* one process taking every slot: a slot is never taken from a live process */
	for (int i = 0; i < SV_METRICS_CHILD_SLOTS; i++)
		sv_metrics_child_init(child, server);
	ck_assert_ptr_null(strstr(stub_last_log(), "more than"));
	sv_metrics_child_init(child, server);
	ck_assert_ptr_nonnull(strstr(stub_last_log(),
				     "solveit: more than 1024 children: this one's Kafka queue is left "
				     "out of solveit_kafka_queue_messages"));
	apr_pool_destroy(child);
}
END_TEST

START_TEST(restarts_carry_the_counters_over_unless_the_routes_changed)
{
	/* post_config keeps the segment in the process pool (stub_server's is the test's pool) */
	sv_metrics_post_config(server, routes, NROUTES);
	sv_metrics_request(0, M_GET, 200, 1000);
	sv_metrics_detach(); /* the module unloaded at the restart */
	sv_metrics_post_config(server, routes, NROUTES);
	has_line(exposition(), "solveit_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"200\"} 1");
	ck_assert_ptr_null(strstr(stub_last_log(), "start from zero"));
	/* an upgrade with another route table */
	sv_metrics_post_config(server, routes, NROUTES - 1);
	ck_assert_ptr_nonnull(strstr(stub_last_log(), "solveit: the metrics start from zero: this module's route table "
						      "differs from the one that made them"));
	ck_assert_ptr_null(strstr(exposition(), "solveit_http_requests_total{"));
	sv_metrics_request(0, M_GET, 200, 1000);
	has_line(exposition(), "solveit_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"200\"} 1");
}
END_TEST

/* ---- the exposition ---- */

START_TEST(every_family_has_help_and_type)
{
	static const char *const families[][2] = {
	    {"solveit_build_info", "gauge"},
	    {"solveit_http_requests_total", "counter"},
	    {"solveit_http_request_duration_seconds", "histogram"},
	    {"solveit_submissions_accepted_total", "counter"},
	    {"solveit_kafka_delivery_failures_total", "counter"},
	    {"solveit_kafka_queue_messages", "gauge"},
	    {"solveit_db_pool_wait_seconds", "histogram"},
	    {"solveit_db_pool_acquire_failures_total", "counter"},
	    {"solveit_redis_errors_total", "counter"},
	};
	const char *t;

	fresh_segment();
	t = exposition();
	ck_assert_msg(!strncmp(t, "# HELP solveit_build_info ", 26), "%s", t);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		ck_assert_msg(strstr(t, apr_pstrcat(pool, "\n# HELP ", families[i][0], " ", NULL)) ||
				  !strncmp(t, apr_pstrcat(pool, "# HELP ", families[i][0], " ", NULL),
					   8 + strlen(families[i][0])),
			      "no HELP for %s", families[i][0]);
		has_line(t, apr_pstrcat(pool, "# TYPE ", families[i][0], " ", families[i][1], NULL));
	}
	ck_assert_int_eq(t[strlen(t) - 1], '\n');
	has_line(t, "solveit_kafka_delivery_failures_total 0");
	/* the enabled languages are listed at 0 (SolveitLanguages' default: 50 54 62 71 63) */
	has_line(t, "solveit_submissions_accepted_total{language_id=\"50\",language=\"C (GCC 9.2.0)\"} 0");
	ck_assert_ptr_null(strstr(t, "language_id=\"51\""));
}
END_TEST

START_TEST(histograms_are_cumulative)
{
	const char *t;

	fresh_segment();
	sv_metrics_request(0, M_GET, 200, 3000);     /* 3 ms */
	sv_metrics_request(0, M_GET, 200, 30000);    /* 30 ms */
	sv_metrics_request(0, M_GET, 503, 20000000); /* 20 s: only +Inf */
	sv_metrics_request(0, M_GET, 200, 5000);     /* on a bound: le is "less or equal" */
	t = exposition();
	has_line(t,
		 "solveit_http_request_duration_seconds_bucket{route=\"/api/health\",method=\"GET\",le=\"0.005\"} 2");
	has_line(t,
		 "solveit_http_request_duration_seconds_bucket{route=\"/api/health\",method=\"GET\",le=\"0.025\"} 2");
	has_line(t, "solveit_http_request_duration_seconds_bucket{route=\"/api/health\",method=\"GET\",le=\"0.05\"} 3");
	has_line(t, "solveit_http_request_duration_seconds_bucket{route=\"/api/health\",method=\"GET\",le=\"10\"} 3");
	has_line(t, "solveit_http_request_duration_seconds_bucket{route=\"/api/health\",method=\"GET\",le=\"+Inf\"} 4");
	has_line(t, "solveit_http_request_duration_seconds_sum{route=\"/api/health\",method=\"GET\"} 20.038000");
	has_line(t, "solveit_http_request_duration_seconds_count{route=\"/api/health\",method=\"GET\"} 4");
	has_line(t, "solveit_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"200\"} 3");
	has_line(t, "solveit_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"503\"} 1");
	/* routes nobody called have no series */
	ck_assert_ptr_null(strstr(t, "route=\"/api/submissions\""));
	sv_metrics_db_wait(50, 1);
	sv_metrics_db_wait(2000000, 0);
	t = exposition();
	has_line(t, "solveit_db_pool_wait_seconds_bucket{le=\"0.0001\"} 1");
	has_line(t, "solveit_db_pool_wait_seconds_bucket{le=\"1\"} 1");
	has_line(t, "solveit_db_pool_wait_seconds_bucket{le=\"5\"} 2");
	has_line(t, "solveit_db_pool_wait_seconds_bucket{le=\"+Inf\"} 2");
	has_line(t, "solveit_db_pool_wait_seconds_sum 2.000050");
	has_line(t, "solveit_db_pool_wait_seconds_count 2");
	has_line(t, "solveit_db_pool_acquire_failures_total 1");
}
END_TEST

START_TEST(unmatched_requests_by_method_and_odd_statuses)
{
	const char *t;

	fresh_segment();
	sv_metrics_request(-1, M_POST, 404, 100);
	sv_metrics_request(-1, M_OPTIONS, 405, 100);
	sv_metrics_request(0, M_GET, 42, 100);   /* not an HTTP status: counted as 500 */
	sv_metrics_request(99, M_GET, 200, 100); /* not a row of the table */
	sv_metrics_request(2, M_GET, 200, 100);
	sv_metrics_kafka_delivery_failed();
	sv_metrics_redis_error();
	sv_metrics_redis_error();
	sv_metrics_submission_accepted(0); /* out of range: ignored */
	sv_metrics_submission_accepted(5000);
	t = exposition();
	has_line(t, "solveit_http_requests_total{route=\"unmatched\",method=\"POST\",status=\"404\"} 1");
	has_line(t, "solveit_http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"405\"} 1");
	has_line(t, "solveit_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"200\"} 1");
	has_line(t, "solveit_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"500\"} 1");
	/* label values are escaped */
	has_line(t, "solveit_http_requests_total{route=\"/api/odd\\\"\\\\name\",method=\"GET\",status=\"200\"} 1");
	has_line(t, "solveit_http_request_duration_seconds_count{route=\"unmatched\",method=\"ANY\"} 3");
	has_line(t, "solveit_kafka_delivery_failures_total 1");
	has_line(t, "solveit_redis_errors_total 2");
}
END_TEST

START_TEST(without_a_segment_nothing_counts)
{
	const char *t;

	sv_metrics_detach();
	sv_metrics_request(0, M_GET, 200, 100);
	sv_metrics_submission_accepted(71);
	sv_metrics_kafka_queue(4);
	t = exposition();
	ck_assert_ptr_nonnull(strstr(t, "solveit_build_info{version=\""));
	ck_assert_ptr_null(strstr(t, "solveit_http_requests_total"));
}
END_TEST

/* ---- the handler ---- */

static request_rec *metrics_request(const char *ip)
{
	request_rec *r = stub_request(pool, server, "GET", "/solveit/api/metrics");

	r->useragent_ip = apr_pstrdup(r->pool, ip);
	ck_assert_int_eq(apr_sockaddr_info_get(&r->useragent_addr, ip, APR_UNSPEC, 80, 0, r->pool), APR_SUCCESS);
	return r;
}

static int run(request_rec *r)
{
	int rc;

	ck_assert_int_eq(solveit_translate(r), OK);
	rc = solveit_handler(r);
	return rc == OK ? r->status : rc;
}

START_TEST(the_handler_answers_allowed_addresses_and_refuses_others)
{
	request_rec *r;

	fresh_segment();
	ck_assert_ptr_null(allow("192.0.2.0/24"));
	r = metrics_request("192.0.2.7");
	ck_assert_int_eq(run(r), HTTP_OK);
	ck_assert_str_eq(stub_content_type(r), "text/plain; version=0.0.4; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(stub_output(r, NULL), "# TYPE solveit_http_requests_total counter\n"));
	/* a visitor elsewhere: the JSON error sentence */
	r = metrics_request("198.51.100.1");
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_ptr_nonnull(
	    strstr(stub_output(r, NULL), "the metrics are for staff and for the addresses of SolveitMetricsAllow"));
	/* a database that cannot say who the cookie is: 503, not a wrong 403 */
	r = metrics_request("198.51.100.1");
	apr_table_setn(r->headers_in, "Cookie", "solveit_session=0123456789abcdef0123456789abcdef");
	fakedb_down(1);
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	fakedb_down(0);
	/* no segment (no shared memory at start-up): said so, not an empty answer */
	sv_metrics_detach();
	r = metrics_request("192.0.2.7");
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(stub_output(r, NULL), "no metrics: this server has no shared memory for them"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("module_metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nobody_is_allowed_by_default);
	tcase_add_test(tc, addresses_and_blocks_of_both_families);
	tcase_add_test(tc, a_vhost_inherits_the_list);
	tcase_add_test(tc, bad_values_name_the_directive);
	tcase_add_test(tc, another_route_table_does_not_read_the_segment);
	tcase_add_test(tc, children_add_to_one_segment);
	tcase_add_test(tc, a_child_gives_its_slot_back);
	tcase_add_test(tc, more_children_than_slots_are_left_out_with_a_notice);
	tcase_add_test(tc, restarts_carry_the_counters_over_unless_the_routes_changed);
	tcase_add_test(tc, every_family_has_help_and_type);
	tcase_add_test(tc, histograms_are_cumulative);
	tcase_add_test(tc, unmatched_requests_by_method_and_odd_statuses);
	tcase_add_test(tc, without_a_segment_nothing_counts);
	tcase_add_test(tc, the_handler_answers_allowed_addresses_and_refuses_others);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	apr_initialize();
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	apr_terminate();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
