/* judge-worker/worker_cores.c: the cores a worker has (affinity, cgroup v2 and v1 CPU quotas) and the
 * core budget its judgements share (issue 16). */
#define _GNU_SOURCE
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "worker_config.h"
#include "worker_cores.h"

static char root[256];

static void mkdirs(const char *rel)
{
	char path[1024], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void put(const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/check_cores.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(cpu_max_text)
{
	ck_assert_double_eq_tol(worker_cores_parse_cpu_max("150000 100000\n"), 1.5, 1e-9);
	ck_assert_double_eq_tol(worker_cores_parse_cpu_max("200000 100000"), 2.0, 1e-9);
	ck_assert_double_eq(worker_cores_parse_cpu_max("max 100000\n"), 0);
	ck_assert_double_eq(worker_cores_parse_cpu_max(""), 0);
	ck_assert_double_eq(worker_cores_parse_cpu_max(NULL), 0);
	ck_assert_double_eq(worker_cores_parse_cpu_max("-1 100000"), 0);
	ck_assert_double_eq(worker_cores_parse_cpu_max("100000 0"), 0);
	ck_assert_double_eq(worker_cores_parse_cpu_max("junk"), 0);
}
END_TEST

START_TEST(affinity_alone_without_quota)
{
	/* No cgroup files at all, or a v2 group without a quota: the affinity decides. */
	ck_assert_int_eq(worker_cores_from(6, root, "0::/svc\n"), 6);
	mkdirs("svc");
	put("svc/cpu.max", "max 100000\n");
	ck_assert_int_eq(worker_cores_from(6, root, "0::/svc\n"), 6);
	ck_assert_int_eq(worker_cores_from(0, root, NULL), 1);
	ck_assert_int_eq(worker_cores_from(3, root, "garbage without colons"), 3);
}
END_TEST

START_TEST(v2_quota_rounds_up_and_ancestors_count)
{
	mkdirs("a/b");
	put("a/b/cpu.max", "150000 100000\n");
	ck_assert_int_eq(worker_cores_from(8, root, "0::/a/b\n"), 2);
	/* A parent's tighter quota bounds its children. */
	put("a/cpu.max", "100000 100000\n");
	ck_assert_int_eq(worker_cores_from(8, root, "0::/a/b\n"), 1);
	/* A quota above the affinity does not add CPUs. */
	put("a/cpu.max", "max 100000\n");
	put("a/b/cpu.max", "1600000 100000\n");
	ck_assert_int_eq(worker_cores_from(4, root, "0::/a/b\n"), 4);
	/* In a cgroup namespace the process sees "/" and the mount's own files. */
	put("cpu.max", "300000 100000\n");
	ck_assert_int_eq(worker_cores_from(8, root, "0::/\n"), 3);
}
END_TEST

START_TEST(v1_quota)
{
	mkdirs("cpu,cpuacct/docker/x");
	put("cpu,cpuacct/docker/x/cpu.cfs_quota_us", "250000\n");
	put("cpu,cpuacct/docker/x/cpu.cfs_period_us", "100000\n");
	ck_assert_int_eq(worker_cores_from(8, root, "12:memory:/docker/x\n4:cpu,cpuacct:/docker/x\n"), 3);
	/* -1: no quota. */
	put("cpu,cpuacct/docker/x/cpu.cfs_quota_us", "-1\n");
	ck_assert_int_eq(worker_cores_from(8, root, "4:cpu,cpuacct:/docker/x\n"), 8);
	/* Mounted as "cpu" alone. */
	mkdirs("cpu/job");
	put("cpu/job/cpu.cfs_quota_us", "50000\n");
	put("cpu/job/cpu.cfs_period_us", "100000\n");
	ck_assert_int_eq(worker_cores_from(8, root, "3:cpuacct,cpu:/job\n"), 1);
	/* "cpuacct" alone is not the cpu controller. */
	ck_assert_int_eq(worker_cores_from(8, root, "3:cpuacct:/job\n"), 8);
}
END_TEST

START_TEST(detect_is_within_the_affinity)
{
	cpu_set_t set;
	int cores = worker_cores_detect();

	CPU_ZERO(&set);
	ck_assert_int_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	ck_assert_int_ge(cores, 1);
	ck_assert_int_le(cores, CPU_COUNT(&set));
}
END_TEST

START_TEST(default_concurrency_follows_the_cores)
{
	worker_config cfg;

	worker_config_init(&cfg);
	ck_assert_int_eq(cfg.cores, worker_cores_detect());
	ck_assert_int_eq(cfg.concurrency, cfg.cores);
	ck_assert_int_ge(cfg.parallel_tests, 1);
	worker_config_free(&cfg);
}
END_TEST

START_TEST(options_override_the_cores)
{
	worker_config cfg;
	char err[256], *argv[] = {"judge-worker", "--cores", "3", "--parallel-tests", "1", "--concurrency", "5", NULL};
	char *bad[] = {"judge-worker", "--cores", "0", NULL};
	char *bad_tests[] = {"judge-worker", "--parallel-tests", "many", NULL};

	worker_config_init(&cfg);
	ck_assert_int_eq(worker_config_load(&cfg, 7, argv, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.cores, 3);
	ck_assert_int_eq(cfg.parallel_tests, 1);
	ck_assert_int_eq(cfg.concurrency, 5);
	worker_config_free(&cfg);
	worker_config_init(&cfg);
	ck_assert_int_eq(worker_config_load(&cfg, 3, bad, NULL, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--cores"));
	worker_config_free(&cfg);
	worker_config_init(&cfg);
	ck_assert_int_eq(worker_config_load(&cfg, 3, bad_tests, NULL, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--parallel-tests"));
	worker_config_free(&cfg);
}
END_TEST

START_TEST(help_names_the_options)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	worker_config_usage(out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "--cores"));
	ck_assert_ptr_nonnull(strstr(buf, "SOLVEIT_CORES"));
	ck_assert_ptr_nonnull(strstr(buf, "--parallel-tests"));
	ck_assert_ptr_nonnull(strstr(buf, "cgroup"));
	free(buf);
}
END_TEST

START_TEST(budget_extras_only_when_idle)
{
	core_budget *b = core_budget_new(2);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(core_budget_total(b), 2);
	/* One judgement on an idle budget: one extra slot, not two. */
	core_budget_enter(b);
	ck_assert_int_eq(core_budget_try_extra(b), 1);
	ck_assert_int_eq(core_budget_try_extra(b), 0);
	ck_assert_int_eq(core_budget_in_use(b), 2);
	/* A second judgement starts anyway (its own slot is never refused); nobody gets an extra now. */
	core_budget_enter(b);
	ck_assert_int_eq(core_budget_in_use(b), 3);
	core_budget_give_extra(b);
	ck_assert_int_eq(core_budget_try_extra(b), 0);
	core_budget_leave(b);
	/* The second left: an idle slot again. */
	ck_assert_int_eq(core_budget_try_extra(b), 1);
	core_budget_give_extra(b);
	core_budget_leave(b);
	ck_assert_int_eq(core_budget_in_use(b), 0);
	core_budget_free(b);
}
END_TEST

START_TEST(budget_concurrency_beyond_cores)
{
	core_budget *b = core_budget_new(0); /* at least one slot */

	ck_assert_int_eq(core_budget_total(b), 1);
	for (int i = 0; i < 4; i++)
		core_budget_enter(b);
	ck_assert_int_eq(core_budget_try_extra(b), 0);
	for (int i = 0; i < 4; i++)
		core_budget_leave(b);
	ck_assert_int_eq(core_budget_try_extra(b), 1);
	core_budget_give_extra(b);
	core_budget_free(b);
	core_budget_free(NULL);
}
END_TEST

static Suite *cores_suite(void)
{
	Suite *s = suite_create("worker_cores");
	TCase *tc = tcase_create("cores");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cpu_max_text);
	tcase_add_test(tc, affinity_alone_without_quota);
	tcase_add_test(tc, v2_quota_rounds_up_and_ancestors_count);
	tcase_add_test(tc, v1_quota);
	tcase_add_test(tc, detect_is_within_the_affinity);
	tcase_add_test(tc, default_concurrency_follows_the_cores);
	tcase_add_test(tc, options_override_the_cores);
	tcase_add_test(tc, help_names_the_options);
	tcase_add_test(tc, budget_extras_only_when_idle);
	tcase_add_test(tc, budget_concurrency_beyond_cores);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cores_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
