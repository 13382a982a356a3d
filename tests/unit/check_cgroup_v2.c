/* sv_cg2_delegate (judge-worker/sandbox/sandbox_cgroup.c): the worker moving itself into a leaf cgroup
 * before it enables controllers for the boxes, as cgroup v2's no-internal-processes rule wants under
 * systemd's Delegate=yes. First against a temporary directory tree that imitates cgroup2's files (it
 * cannot refuse with EBUSY, so these tests see the order of the steps and the fallback sentences), then,
 * where this machine lets root mount a cgroup2 hierarchy, against the kernel itself. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox_cgroup.h"

static const char *const memory_pids[] = {"memory", "pids", NULL};
static char top[256];

static void path_of(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", top, rel);
}

static void put(const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	path_of(path, sizeof(path), rel);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(content, f);
	fclose(f);
}

static const char *get(const char *rel)
{
	static char buf[512];
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	path_of(path, sizeof(path), rel);
	if (!(f = fopen(path, "r")))
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void dir(const char *rel)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static int exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	path_of(path, sizeof(path), rel);
	return stat(path, &st) == 0;
}

/* A file of the fake that cannot be written (a directory in its place), as in a cgroup that is not ours. */
static void unwritable(const char *rel)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), rel);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* A directory with the three files of a cgroup2 directory. */
static void fake_cgroup(const char *rel, const char *controllers, const char *procs)
{
	char file[PATH_MAX];

	dir(rel);
	snprintf(file, sizeof(file), "%s/cgroup.controllers", rel);
	put(file, controllers);
	snprintf(file, sizeof(file), "%s/cgroup.procs", rel);
	put(file, procs);
	snprintf(file, sizeof(file), "%s/cgroup.subtree_control", rel);
	put(file, "");
}

static void setup(void)
{
	snprintf(top, sizeof(top), "%s/check-cgroup-v2-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(top));
	/* The unit's cgroup as systemd makes it: the worker in it, controllers offered, none enabled. The
	 * kernel makes a new cgroup's files itself; the fake's leaf and boxes' parent are made here. */
	fake_cgroup("svc", "cpu io memory pids\n", "9999\n");
	fake_cgroup("svc/worker", "", "");
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
}

static int delegate(int is_root, const char *const *controllers, struct sv_cg2_done *done, char *why, size_t len)
{
	char own[PATH_MAX];
	struct sv_cg2_plan plan;

	path_of(own, sizeof(own), "svc");
	plan.dir = own;
	plan.is_root = is_root;
	plan.pid = 4242;
	plan.controllers = controllers;
	why[0] = '\0';
	return sv_cg2_delegate(&plan, done, why, len);
}

START_TEST(moves_into_the_leaf_then_enables)
{
	struct sv_cg2_done done;
	char why[700], base[PATH_MAX];

	fake_cgroup("svc/solveit-sandbox", "memory pids\n", "");
	ck_assert_int_eq(delegate(0, memory_pids, &done, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(done.moved, 1);
	ck_assert_str_eq(get("svc/worker/cgroup.procs"), "4242");
	ck_assert_str_eq(get("svc/cgroup.subtree_control"), "+memory +pids");
	ck_assert_str_eq(get("svc/solveit-sandbox/cgroup.subtree_control"), "+memory +pids");
	ck_assert_str_eq(done.enabled, "memory pids");
	path_of(base, sizeof(base), "svc/solveit-sandbox");
	ck_assert_str_eq(done.base, base);
	ck_assert_int_eq(done.made_base, 0); /* it was there: never removed at the end */
	/* The process itself was never written back into its old cgroup. */
	ck_assert_str_eq(get("svc/cgroup.procs"), "9999\n");
}
END_TEST

START_TEST(only_the_controllers_offered)
{
	struct sv_cg2_done done;
	char why[700];

	put("svc/cgroup.controllers", "cpu pidsx memory\n");
	fake_cgroup("svc/solveit-sandbox", "memory\n", "");
	ck_assert_int_eq(delegate(0, memory_pids, &done, why, sizeof(why)), 0);
	ck_assert_str_eq(done.enabled, "memory");
	ck_assert_str_eq(get("svc/cgroup.subtree_control"), "+memory");
	ck_assert_str_eq(get("svc/solveit-sandbox/cgroup.subtree_control"), "+memory");
}
END_TEST

START_TEST(move_refused_enables_nothing)
{
	struct sv_cg2_done done;
	char why[700];

	unwritable("svc/worker/cgroup.procs");
	ck_assert_int_eq(delegate(0, memory_pids, &done, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "cannot move this process into ") && strstr(why, "/svc/worker/cgroup.procs (") &&
			  strstr(why, "not delegated to it (under systemd: Delegate=yes in the unit)"),
		      "%s", why);
	/* The controllers are enabled only after the move: never here. */
	ck_assert_str_eq(get("svc/cgroup.subtree_control"), "");
	ck_assert(!exists("svc/solveit-sandbox"));
	ck_assert_int_eq(done.moved, 0);
}
END_TEST

START_TEST(enable_refused_moves_back)
{
	struct sv_cg2_done done;
	char why[700];

	unwritable("svc/cgroup.subtree_control");
	ck_assert_int_eq(delegate(0, memory_pids, &done, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "cannot enable +memory +pids in ") && strstr(why, "/svc/cgroup.subtree_control (") &&
			  strstr(why, "Delegate=yes"),
		      "%s", why);
	/* Moved first (the leaf got it), then back where it was (the kernel would list it there again). */
	ck_assert_str_eq(get("svc/worker/cgroup.procs"), "4242");
	ck_assert_str_eq(get("svc/cgroup.procs"), "4242\n");
	ck_assert(!exists("svc/solveit-sandbox"));
	ck_assert_int_eq(done.moved, 0);
	ck_assert_str_eq(done.enabled, "");
}
END_TEST

START_TEST(boxes_parent_refused_undoes_all)
{
	struct sv_cg2_done done;
	char why[700];

	dir("svc/solveit-sandbox");
	dir("svc/solveit-sandbox/cgroup.subtree_control");
	ck_assert_int_eq(delegate(0, memory_pids, &done, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "cannot enable +memory +pids in ") &&
			  strstr(why, "/svc/solveit-sandbox/cgroup.subtree_control ("),
		      "%s", why);
	/* Steps 1 and 2 were done, in that order, and are undone in the reverse one. */
	ck_assert_str_eq(get("svc/cgroup.subtree_control"), "-memory -pids");
	ck_assert_str_eq(get("svc/worker/cgroup.procs"), "4242");
	ck_assert_str_eq(get("svc/cgroup.procs"), "4242\n");
	ck_assert(exists("svc/solveit-sandbox")); /* not ours: left alone */
}
END_TEST

START_TEST(root_cgroup_moves_nothing)
{
	struct sv_cg2_done done;
	char why[700];

	fake_cgroup("svc/solveit-sandbox", "memory pids\n", "");
	ck_assert_int_eq(delegate(1, memory_pids, &done, why, sizeof(why)), 0);
	ck_assert_int_eq(done.moved, 0);
	ck_assert_str_eq(get("svc/worker/cgroup.procs"), "");
	ck_assert_str_eq(get("svc/cgroup.subtree_control"), "+memory +pids");
}
END_TEST

START_TEST(no_processes_moves_nothing)
{
	struct sv_cg2_done done;
	char why[700];

	put("svc/cgroup.procs", "");
	fake_cgroup("svc/solveit-sandbox", "memory pids\n", "");
	ck_assert_int_eq(delegate(0, memory_pids, &done, why, sizeof(why)), 0);
	ck_assert_int_eq(done.moved, 0);
	ck_assert_str_eq(get("svc/worker/cgroup.procs"), "");
}
END_TEST

START_TEST(not_a_cgroup2_directory)
{
	struct sv_cg2_done done;
	char why[700], cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "rm '%s/svc/cgroup.controllers'", top);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(delegate(0, memory_pids, &done, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "/svc/cgroup.controllers (No such file or directory): not a cgroup v2 directory"),
		      "%s", why);
	ck_assert_str_eq(get("svc/worker/cgroup.procs"), "");
}
END_TEST

/* ---- the kernel's cgroup2 ---- */

static int write_text(const char *dirpath, const char *file, const char *text)
{
	char path[PATH_MAX + 64];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dirpath, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static int join(const char *cg, pid_t pid)
{
	char text[24];

	snprintf(text, sizeof(text), "%ld", (long)pid);
	return write_text(cg, "cgroup.procs", text);
}

/* pid's cgroup v2 path ("0::/path"). */
static void cgroup_of(pid_t pid, char *out, size_t len)
{
	char path[64], line[512];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", (long)pid);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + 3);
		}
	fclose(f);
}

START_TEST(real_cgroup2_hierarchy)
{
	static const char *const candidates[] = {"memory", "pids", "hugetlb", "cpu", "io", "rdma", "misc", NULL};
	char mnt[256], cg[PATH_MAX], busy[PATH_MAX], offered[512] = "", sub[512] = "", why[700], why_busy[700];
	char where[512], where_busy[512], root_ctl[64];
	const char *use[2] = {NULL, NULL};
	struct sv_cg2_done done, done_busy;
	struct sv_cg2_plan plan;
	pid_t a, b, c;
	int rc, rc_busy, enabled_root = 0;
	FILE *f;

	if (geteuid() != 0) {
		printf("real_cgroup2_hierarchy: skipped (needs root to mount cgroup2)\n");
		return;
	}
	snprintf(mnt, sizeof(mnt), "/tmp/check-cgroup2-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(mnt));
	if (mount("none", mnt, "cgroup2", 0, NULL) < 0) {
		printf("real_cgroup2_hierarchy: skipped (mount -t cgroup2: %s)\n", strerror(errno));
		rmdir(mnt);
		return;
	}
	snprintf(cg, sizeof(cg), "%s/cgroup.controllers", mnt);
	if ((f = fopen(cg, "r"))) {
		if (!fgets(offered, sizeof(offered), f))
			offered[0] = '\0';
		fclose(f);
	}
	for (const char *const *cand = candidates; *cand && !use[0]; cand++) {
		char spaced[520], word[32];

		snprintf(spaced, sizeof(spaced), " %s ", offered);
		spaced[strcspn(spaced, "\n")] = ' ';
		snprintf(word, sizeof(word), " %s ", *cand);
		if (strstr(spaced, word))
			use[0] = *cand;
	}
	if (!use[0]) {
		printf("real_cgroup2_hierarchy: skipped (the cgroup2 root offers no controller: %s)\n", offered);
		umount(mnt);
		rmdir(mnt);
		return;
	}
	/* The controller must reach our test cgroups: enabled at the root (processes may stay there). */
	snprintf(cg, sizeof(cg), "%s/cgroup.subtree_control", mnt);
	if ((f = fopen(cg, "r"))) {
		if (!fgets(sub, sizeof(sub), f))
			sub[0] = '\0';
		fclose(f);
	}
	snprintf(root_ctl, sizeof(root_ctl), "+%s", use[0]);
	if (!strstr(sub, use[0]))
		enabled_root = write_text(mnt, "cgroup.subtree_control", root_ctl) == 0;

	/* A unit's cgroup with the worker alone in it, and one where another process sits beside it. */
	snprintf(cg, sizeof(cg), "%s/solveit-check-%ld", mnt, (long)getpid());
	snprintf(busy, sizeof(busy), "%s/solveit-check-busy-%ld", mnt, (long)getpid());
	mkdir(cg, 0755);
	mkdir(busy, 0755);
	a = sleeper();
	b = sleeper();
	c = sleeper();
	join(cg, a);
	join(busy, b);
	join(busy, c);

	plan.dir = cg;
	plan.is_root = 0;
	plan.pid = a;
	plan.controllers = use;
	rc = sv_cg2_delegate(&plan, &done, why, sizeof(why));
	cgroup_of(a, where, sizeof(where));
	snprintf(sub, sizeof(sub), "%s", "");
	{
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", done.base);
		if ((f = fopen(path, "r"))) {
			if (!fgets(sub, sizeof(sub), f))
				sub[0] = '\0';
			fclose(f);
		}
	}
	plan.dir = busy;
	plan.pid = b;
	rc_busy = sv_cg2_delegate(&plan, &done_busy, why_busy, sizeof(why_busy));
	cgroup_of(b, where_busy, sizeof(where_busy));

	/* Clean up before judging: the hierarchy is the machine's. */
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	kill(c, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	waitpid(c, NULL, 0);
	{
		char path[PATH_MAX + 32];

		rmdir(done.base);
		snprintf(path, sizeof(path), "%s/" SV_CG2_LEAF, cg);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/" SV_CG2_LEAF, busy);
		rmdir(path);
		rmdir(cg);
		rmdir(busy);
	}
	if (enabled_root) {
		root_ctl[0] = '-';
		write_text(mnt, "cgroup.subtree_control", root_ctl);
	}
	umount(mnt);
	rmdir(mnt);

	ck_assert_msg(rc == 0, "%s", why);
	ck_assert_int_eq(done.moved, 1);
	ck_assert_msg(strstr(where, "/solveit-check-") && strstr(where, "/" SV_CG2_LEAF), "moved to %s", where);
	ck_assert_msg(strstr(sub, use[0]) != NULL, "the boxes' parent has \"%s\" (wanted %s)", sub, use[0]);
	/* Beside another process: the kernel refuses the controllers (EBUSY), and the worker goes back. */
	ck_assert_int_eq(rc_busy, -1);
	ck_assert_msg(strstr(why_busy, "(Device or resource busy): other processes sit in that cgroup too"), "%s",
		      why_busy);
	ck_assert_msg(strstr(where_busy, "/solveit-check-busy-") && !strstr(where_busy, "/" SV_CG2_LEAF), "left in %s",
		      where_busy);
}
END_TEST

static Suite *cgroup_v2_suite(void)
{
	Suite *s = suite_create("cgroup_v2");
	TCase *fake = tcase_create("fake_tree"), *real = tcase_create("kernel");

	tcase_add_checked_fixture(fake, setup, teardown);
	tcase_add_test(fake, moves_into_the_leaf_then_enables);
	tcase_add_test(fake, only_the_controllers_offered);
	tcase_add_test(fake, move_refused_enables_nothing);
	tcase_add_test(fake, enable_refused_moves_back);
	tcase_add_test(fake, boxes_parent_refused_undoes_all);
	tcase_add_test(fake, root_cgroup_moves_nothing);
	tcase_add_test(fake, no_processes_moves_nothing);
	tcase_add_test(fake, not_a_cgroup2_directory);
	suite_add_tcase(s, fake);
	tcase_add_test(real, real_cgroup2_hierarchy);
	suite_add_tcase(s, real);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cgroup_v2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
