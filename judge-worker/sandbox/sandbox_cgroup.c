#define _GNU_SOURCE
#include "sandbox_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BASE_NAME "solveit-sandbox"

static const char *const v1_names[SV_CG_N] = {"memory", "pids", "cpuacct"};

static int write_file(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX + 64];
	ssize_t len = (ssize_t)strlen(value), n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = write(fd, value, (size_t)len);
	close(fd);
	return n == len ? 0 : -1;
}

static ssize_t read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Finds "key N" in a flat keyed file such as memory.events or cpu.stat. */
static long long keyed_value(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return atoll(p + klen + 1);
	}
	return -1;
}

/* Has the comma-separated option list opts the word? */
static int has_word(const char *opts, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = opts; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (!strncmp(p, word, wl) && (p[wl] == ',' || p[wl] == '\0' || p[wl] == ' '))
			return 1;
	}
	return 0;
}

/* Where a hierarchy is mounted: type "cgroup2", or "cgroup" with controller among its options. */
static int find_mount(const char *type, const char *controller, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char line[1024], dev[256], dir[512], fstype[64], opts[512];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %511s %63s %511s", dev, dir, fstype, opts) != 4 || strcmp(fstype, type))
			continue;
		if (controller && !has_word(opts, controller))
			continue;
		snprintf(out, len, "%s", dir);
		found = 1;
	}
	fclose(f);
	return found;
}

/* Our own cgroup path in a hierarchy: v2 line "0::/path", v1 line "N:ctl,ctl:/path". */
static int own_path(const char *controller, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		line[strcspn(line, "\n")] = '\0';
		*c2 = '\0';
		if (controller ? has_word(c1 + 1, controller) : (c1[1] == '\0' && !strcmp(line, "0:"))) {
			snprintf(out, len, "%s", strcmp(c2 + 1, "/") ? c2 + 1 : "");
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int make_base(struct sv_cgroot *root, int i, const char *parent)
{
	if ((size_t)snprintf(root->base[i], sizeof(root->base[i]), "%s/" BASE_NAME, parent) >= sizeof(root->base[i]))
		return -1;
	if (mkdir(root->base[i], 0755) == 0)
		root->made_base[i] = 1;
	else if (errno != EEXIST)
		return -1;
	return 0;
}

static int init_v1(struct sv_cgroot *root, char *err, size_t errlen)
{
	for (int i = 0; i < SV_CG_N; i++) {
		char mnt[512], own[512], parent[PATH_MAX];

		if (!find_mount("cgroup", v1_names[i], mnt, sizeof(mnt)) || !own_path(v1_names[i], own, sizeof(own))) {
			if (i == SV_CG_CPU)
				continue; /* CPU time then comes from rusage and RLIMIT_CPU alone */
			snprintf(err, errlen, "no cgroup v1 %s hierarchy", v1_names[i]);
			return -1;
		}
		snprintf(parent, sizeof(parent), "%s%s", mnt, own);
		if (make_base(root, i, parent) < 0) {
			snprintf(err, errlen, "cannot create %.300s/" BASE_NAME ": %s", parent, strerror(errno));
			return -1;
		}
		root->have[i] = 1;
	}
	return 0;
}

/* Is word one of the space- or newline-separated words of list? */
static int has_token(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; *p; p += strcspn(p, " \n"), p += strspn(p, " \n"))
		if (!strncmp(p, word, wl) && (p[wl] == ' ' || p[wl] == '\n' || p[wl] == '\0'))
			return 1;
	return 0;
}

/* The wanted controllers dir offers, as "+a +b" (sign '+') or "-a -b" into out, and "a b" into names. */
static void controller_list(const struct sv_cg2_plan *plan, const char *offered, char sign, char *out, size_t len,
			    char *names, size_t nameslen)
{
	size_t used = 0, nused = 0;

	out[0] = names[0] = '\0';
	for (const char *const *c = plan->controllers; c && *c; c++) {
		if (!has_token(offered, *c))
			continue;
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%c%s", used ? " " : "", sign, *c);
		nused += (size_t)snprintf(names + nused, nused < nameslen ? nameslen - nused : 0, "%s%s",
					  nused ? " " : "", *c);
	}
}

/* Puts back what sv_cg2_delegate did before a step failed: the controllers off again in dir (or the
 * process could not return there), the process back in dir, the leaf removed if it is empty. */
static void cg2_undo(const struct sv_cg2_plan *plan, struct sv_cg2_done *done, const char *off)
{
	char leaf[PATH_MAX + 16], pid[24];
	int saved = errno;

	if (done->made_base)
		rmdir(done->base);
	done->made_base = 0;
	if (off)
		write_file(plan->dir, "cgroup.subtree_control", off);
	if (done->moved) {
		snprintf(pid, sizeof(pid), "%ld", (long)plan->pid);
		write_file(plan->dir, "cgroup.procs", pid);
		snprintf(leaf, sizeof(leaf), "%s/" SV_CG2_LEAF, plan->dir);
		rmdir(leaf); /* fails harmlessly while another process still sits there */
		done->moved = 0;
	}
	done->enabled[0] = '\0';
	errno = saved;
}

int sv_cg2_delegate(const struct sv_cg2_plan *plan, struct sv_cg2_done *done, char *why, size_t whylen)
{
	char offered[512], procs[64], on[200], off[200], leaf[PATH_MAX + 16], pid[24];

	memset(done, 0, sizeof(*done));
	if (read_file(plan->dir, "cgroup.controllers", offered, sizeof(offered)) < 0) {
		snprintf(why, whylen, "cannot read %.300s/cgroup.controllers (%s): not a cgroup v2 directory",
			 plan->dir, strerror(errno));
		return -1;
	}
	controller_list(plan, offered, '+', on, sizeof(on), done->enabled, sizeof(done->enabled));
	controller_list(plan, offered, '-', off, sizeof(off), leaf, sizeof(leaf));
	/* (1) Out of the way of the controllers: into a leaf of our own, threads and all. */
	if (!plan->is_root && read_file(plan->dir, "cgroup.procs", procs, sizeof(procs)) > 0 &&
	    strspn(procs, "0123456789") > 0) {
		snprintf(leaf, sizeof(leaf), "%s/" SV_CG2_LEAF, plan->dir);
		if (mkdir(leaf, 0755) < 0 && errno != EEXIST) {
			snprintf(why, whylen,
				 "cannot create the leaf cgroup %.300s for this process (%s): its cgroup is not "
				 "delegated to it (under systemd: Delegate=yes in the unit)",
				 leaf, strerror(errno));
			return -1;
		}
		snprintf(pid, sizeof(pid), "%ld", (long)plan->pid);
		if (write_file(leaf, "cgroup.procs", pid) < 0) {
			snprintf(why, whylen,
				 "cannot move this process into %.300s/cgroup.procs (%s): its cgroup is not delegated "
				 "to it (under systemd: Delegate=yes in the unit)",
				 leaf, strerror(errno));
			rmdir(leaf);
			return -1;
		}
		done->moved = 1;
	}
	/* (2) The controllers for the children of our cgroup: the leaf and the boxes' parent. */
	if (*on && write_file(plan->dir, "cgroup.subtree_control", on) < 0) {
		int busy = errno == EBUSY;

		snprintf(why, whylen, "cannot enable %s in %.300s/cgroup.subtree_control (%s)%s", on, plan->dir,
			 strerror(errno),
			 busy ? ": other processes sit in that cgroup too; run the worker in a cgroup of its own "
				"(a systemd unit with Delegate=yes)"
			      : ": its cgroup is not delegated to it (under systemd: Delegate=yes in the unit)");
		cg2_undo(plan, done, NULL);
		return -1;
	}
	/* (3) The boxes' parent, which passes the controllers on to each box. */
	if ((size_t)snprintf(done->base, sizeof(done->base), "%s/" BASE_NAME, plan->dir) >= sizeof(done->base)) {
		snprintf(why, whylen, "the cgroup path %.300s is too long", plan->dir);
		cg2_undo(plan, done, *on ? off : NULL);
		return -1;
	}
	if (mkdir(done->base, 0755) == 0)
		done->made_base = 1;
	else if (errno != EEXIST) {
		snprintf(why, whylen, "cannot create %.300s (%s)", done->base, strerror(errno));
		cg2_undo(plan, done, *on ? off : NULL);
		return -1;
	}
	if (*on && write_file(done->base, "cgroup.subtree_control", on) < 0) {
		snprintf(why, whylen, "cannot enable %s in %.300s/cgroup.subtree_control (%s)", on, done->base,
			 strerror(errno));
		cg2_undo(plan, done, off);
		return -1;
	}
	return 0;
}

static int init_v2(struct sv_cgroot *root, int forced, char *err, size_t errlen)
{
	static const char *const wanted[] = {"memory", "pids", NULL};
	char mnt[512], own[512], parent[PATH_MAX], ctl[512], why[600];
	struct sv_cg2_plan plan = {parent, 0, getpid(), wanted};
	struct sv_cg2_done done;

	if (!find_mount("cgroup2", NULL, mnt, sizeof(mnt)) || !own_path(NULL, own, sizeof(own))) {
		snprintf(err, errlen, "no cgroup v2 hierarchy");
		return -1;
	}
	snprintf(parent, sizeof(parent), "%s%s", mnt, own);
	plan.is_root = own[0] == '\0';
	if (read_file(parent, "cgroup.controllers", ctl, sizeof(ctl)) < 0) {
		snprintf(err, errlen, "cannot read %.300s/cgroup.controllers: %s", parent, strerror(errno));
		return -1;
	}
	root->have[SV_CG_MEMORY] = has_token(ctl, "memory");
	root->have[SV_CG_PIDS] = has_token(ctl, "pids");
	root->have[SV_CG_CPU] = 1; /* cpu.stat is there without the cpu controller */
	if (!forced && (!root->have[SV_CG_MEMORY] || !root->have[SV_CG_PIDS])) {
		ctl[strcspn(ctl, "\n")] = '\0';
		snprintf(err, errlen, "cgroup v2 at %.200s lacks the memory or pids controller (has: %.60s)", parent,
			 ctl);
		return -1;
	}
	if (sv_cg2_delegate(&plan, &done, why, sizeof(why)) == 0) {
		snprintf(root->base[0], sizeof(root->base[0]), "%s", done.base);
		root->made_base[0] = done.made_base;
		if (done.moved)
			snprintf(root->leaf, sizeof(root->leaf), "%.*s/" SV_CG2_LEAF, PATH_MAX - 16, parent);
		root->have[SV_CG_MEMORY] = has_token(done.enabled, "memory");
		root->have[SV_CG_PIDS] = has_token(done.enabled, "pids");
	} else if (!forced) {
		snprintf(err, errlen, "%s", why);
		return -1;
	} else {
		/* Forced: boxes still get a cgroup each (CPU time from cpu.stat, cgroup.kill), limits from rlimits. */
		snprintf(root->note, sizeof(root->note), "%.500s", why);
		root->have[SV_CG_MEMORY] = root->have[SV_CG_PIDS] = 0;
		if (make_base(root, 0, parent) < 0) {
			snprintf(err, errlen, "cannot create %.300s/" BASE_NAME ": %s", parent, strerror(errno));
			return -1;
		}
	}
	if (!forced && (!root->have[SV_CG_MEMORY] || !root->have[SV_CG_PIDS])) {
		snprintf(err, errlen, "cannot delegate the memory and pids controllers below %.200s", parent);
		sv_cgroot_fini(root);
		return -1;
	}
	for (int i = 1; i < SV_CG_N; i++)
		snprintf(root->base[i], sizeof(root->base[i]), "%s", root->base[0]);
	return 0;
}

int sv_cgroot_init(struct sv_cgroot *root, sv_sandbox_mode want, char *desc, size_t desclen, char *err, size_t errlen)
{
	char why2[700] = "", why1[512] = "";

	memset(root, 0, sizeof(*root));
	if (want == SV_SANDBOX_MODE_AUTO || want == SV_SANDBOX_MODE_CGROUP_V2) {
		if (init_v2(root, want == SV_SANDBOX_MODE_CGROUP_V2, why2, sizeof(why2)) == 0) {
			root->mode = SV_SANDBOX_MODE_CGROUP_V2;
			snprintf(desc, desclen,
				 "cgroup-v2 at %s (memory: %s, pids: %s, cpu: cpu.stat, kill: cgroup.kill)%s%s%s%s",
				 root->base[0], root->have[SV_CG_MEMORY] ? "memory.max" : "rlimit fallback",
				 root->have[SV_CG_PIDS] ? "pids.max" : "rlimit fallback",
				 root->leaf[0] ? "; this process moved into its leaf cgroup " : "", root->leaf,
				 root->note[0] ? "; " : "", root->note);
			return 0;
		}
		memset(root, 0, sizeof(*root));
		if (want == SV_SANDBOX_MODE_CGROUP_V2) {
			snprintf(err, errlen, "cgroup v2 mode forced but unusable: %s", why2);
			return -1;
		}
	}
	if (want == SV_SANDBOX_MODE_AUTO || want == SV_SANDBOX_MODE_CGROUP_V1) {
		if (init_v1(root, why1, sizeof(why1)) == 0) {
			root->mode = SV_SANDBOX_MODE_CGROUP_V1;
			snprintf(desc, desclen, "cgroup-v1 (memory: %s, pids: %s, cpu: %s)%s%s",
				 root->base[SV_CG_MEMORY], root->base[SV_CG_PIDS],
				 root->have[SV_CG_CPU] ? root->base[SV_CG_CPU] : "rusage only",
				 why2[0] ? "; v2 not used: " : "", why2);
			return 0;
		}
		sv_cgroot_fini(root);
		memset(root, 0, sizeof(*root));
		if (want == SV_SANDBOX_MODE_CGROUP_V1) {
			snprintf(err, errlen, "cgroup v1 mode forced but unusable: %s", why1);
			return -1;
		}
	}
	root->mode = SV_SANDBOX_MODE_RLIMIT;
	if (want == SV_SANDBOX_MODE_RLIMIT)
		snprintf(desc, desclen, "rlimit (forced; memory: RLIMIT_DATA, processes: RLIMIT_NPROC per box uid)");
	else
		snprintf(
		    desc, desclen,
		    "rlimit (memory: RLIMIT_DATA, processes: RLIMIT_NPROC per box uid); no cgroups: v2: %s; v1: %s",
		    why2, why1);
	return 0;
}

void sv_cgroot_fini(struct sv_cgroot *root)
{
	for (int i = 0; i < SV_CG_N; i++) {
		/* Fails harmlessly (EBUSY) while another process still has boxes below. */
		if (root->made_base[i])
			rmdir(root->base[i]);
		root->made_base[i] = 0;
	}
}

static void kill_procs(const char *dir, int v2)
{
	char buf[4096];

	if (v2 && write_file(dir, "cgroup.kill", "1") == 0)
		return;
	if (read_file(dir, "cgroup.procs", buf, sizeof(buf)) <= 0)
		return;
	for (char *p = buf; *p;) {
		long pid = strtol(p, &p, 10);

		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		while (*p == '\n')
			p++;
		if (pid <= 0)
			break;
	}
}

/* rmdir waits on nothing: a cgroup whose last task is exiting can refuse for a moment, so retry briefly. */
static int remove_dir(const char *dir, int v2)
{
	for (int tries = 0; tries < 200; tries++) {
		struct timespec ms = {0, 1000000};

		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		kill_procs(dir, v2);
		nanosleep(&ms, NULL);
	}
	return -1;
}

/* Another process sharing the parent may have removed it when it closed (it was empty for a moment). */
static int restore_base(const struct sv_cgroot *root, int i)
{
	if (mkdir(root->base[i], 0755) < 0 && errno != EEXIST)
		return -1;
	if (root->mode == SV_SANDBOX_MODE_CGROUP_V2) {
		if (root->have[SV_CG_MEMORY])
			write_file(root->base[0], "cgroup.subtree_control", "+memory");
		if (root->have[SV_CG_PIDS])
			write_file(root->base[0], "cgroup.subtree_control", "+pids");
	}
	return 0;
}

int sv_cgroup_create(const struct sv_cgroot *root, const char *name, long memory_kb, int pids, struct sv_cgroup *cg,
		     char *err, size_t errlen)
{
	int v2 = root->mode == SV_SANDBOX_MODE_CGROUP_V2, rc;
	char value[32];

	memset(cg, 0, sizeof(*cg));
	cg->root = root;
	for (int i = 0; i < SV_CG_N; i++)
		cg->procs_fd[i] = -1;
	cg->dir_fd = -1;
	if (root->mode == SV_SANDBOX_MODE_RLIMIT)
		return 0;
	for (int i = 0; i < SV_CG_N; i++) {
		char path[PATH_MAX + 64];

		if (!root->have[i] && !(v2 && i == 0))
			continue;
		if (v2 && i > 0) {
			snprintf(cg->dir[i], sizeof(cg->dir[i]), "%s", cg->dir[0]);
			continue;
		}
		snprintf(cg->dir[i], sizeof(cg->dir[i]), "%s/%s", root->base[i], name);
		rc = mkdir(cg->dir[i], 0755);
		if (rc < 0 && errno == ENOENT && restore_base(root, i) == 0)
			rc = mkdir(cg->dir[i], 0755);
		/* A leftover of a crashed run in this slot: kill what it held and start afresh. */
		if (rc < 0 && errno == EEXIST && remove_dir(cg->dir[i], v2) == 0)
			rc = mkdir(cg->dir[i], 0755);
		if (rc < 0) {
			snprintf(err, errlen, "cannot create cgroup %s: %s", cg->dir[i], strerror(errno));
			goto fail;
		}
		cg->made[i] = 1;
		/* v1: "tasks" moves just the writing thread (the single-threaded init), which lets the kernel skip
		 * the global threadgroup lock and its RCU grace period that cgroup.procs costs on every run. */
		snprintf(path, sizeof(path), "%s/%s", cg->dir[i], v2 ? "cgroup.procs" : "tasks");
		cg->procs_fd[cg->n_procs] = open(path, O_WRONLY | O_CLOEXEC);
		if (cg->procs_fd[cg->n_procs] < 0) {
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
			goto fail;
		}
		cg->n_procs++;
		if (v2)
			cg->dir_fd = open(cg->dir[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (root->have[SV_CG_MEMORY]) {
		snprintf(value, sizeof(value), "%lld", (long long)memory_kb * 1024);
		if (v2) {
			if (write_file(cg->dir[SV_CG_MEMORY], "memory.max", value) < 0) {
				snprintf(err, errlen, "cannot set memory.max: %s", strerror(errno));
				goto fail;
			}
			write_file(cg->dir[SV_CG_MEMORY], "memory.swap.max", "0");
		} else {
			if (write_file(cg->dir[SV_CG_MEMORY], "memory.limit_in_bytes", value) < 0) {
				snprintf(err, errlen, "cannot set memory.limit_in_bytes: %s", strerror(errno));
				goto fail;
			}
			/* Swap counts too where the kernel accounts it (absent without swap accounting). */
			write_file(cg->dir[SV_CG_MEMORY], "memory.memsw.limit_in_bytes", value);
		}
	}
	if (root->have[SV_CG_PIDS]) {
		snprintf(value, sizeof(value), "%d", pids);
		if (write_file(cg->dir[SV_CG_PIDS], "pids.max", value) < 0) {
			snprintf(err, errlen, "cannot set pids.max: %s", strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	sv_cgroup_destroy(cg);
	return -1;
}

void sv_cgroup_close_procs(struct sv_cgroup *cg)
{
	for (int i = 0; i < cg->n_procs; i++) {
		if (cg->procs_fd[i] >= 0)
			close(cg->procs_fd[i]);
		cg->procs_fd[i] = -1;
	}
	cg->n_procs = 0;
	if (cg->dir_fd >= 0)
		close(cg->dir_fd);
	cg->dir_fd = -1;
}

long long sv_cgroup_cpu_ns(const struct sv_cgroup *cg)
{
	char buf[1024];

	if (!cg->root || cg->root->mode == SV_SANDBOX_MODE_RLIMIT || !cg->root->have[SV_CG_CPU] ||
	    !cg->dir[SV_CG_CPU][0])
		return -1;
	if (cg->root->mode == SV_SANDBOX_MODE_CGROUP_V2) {
		long long us;

		if (read_file(cg->dir[SV_CG_CPU], "cpu.stat", buf, sizeof(buf)) < 0 ||
		    (us = keyed_value(buf, "usage_usec")) < 0)
			return -1;
		return us * 1000;
	}
	if (read_file(cg->dir[SV_CG_CPU], "cpuacct.usage", buf, sizeof(buf)) < 0)
		return -1;
	return atoll(buf);
}

long long sv_cgroup_run_delay_ns(const struct sv_cgroup *cg)
{
	const char *dir = NULL;
	char list[16384], path[64], stat[128];
	long long total = 0;
	int counted = 0;

	if (!cg->root || cg->root->mode == SV_SANDBOX_MODE_RLIMIT)
		return -1;
	for (int i = 0; i < SV_CG_N && !dir; i++)
		if (cg->root->have[i] && cg->dir[i][0])
			dir = cg->dir[i];
	if (!dir || read_file(dir, cg->root->mode == SV_SANDBOX_MODE_CGROUP_V2 ? "cgroup.threads" : "tasks", list,
			      sizeof(list)) < 0)
		return -1;
	/* Every thread of the box, as the kernel lists them (pids of our own namespace). */
	for (char *p = list; *p;) {
		long tid = strtol(p, &p, 10);
		long long cpu_ns, delay_ns;

		while (*p == '\n')
			p++;
		if (tid <= 0)
			break;
		snprintf(path, sizeof(path), "/proc/%ld", tid);
		if (read_file(path, "schedstat", stat, sizeof(stat)) > 0 &&
		    sscanf(stat, "%lld %lld", &cpu_ns, &delay_ns) == 2) {
			total += delay_ns;
			counted++;
		}
	}
	return counted ? total : -1;
}

int sv_cgroup_oom_killed(const struct sv_cgroup *cg)
{
	char buf[1024];
	long long n;

	if (!cg->root || cg->root->mode == SV_SANDBOX_MODE_RLIMIT || !cg->root->have[SV_CG_MEMORY])
		return -1;
	if (cg->root->mode == SV_SANDBOX_MODE_CGROUP_V2) {
		if (read_file(cg->dir[SV_CG_MEMORY], "memory.events", buf, sizeof(buf)) < 0)
			return -1;
		n = keyed_value(buf, "oom_kill");
	} else {
		if (read_file(cg->dir[SV_CG_MEMORY], "memory.oom_control", buf, sizeof(buf)) < 0)
			return -1;
		n = keyed_value(buf, "oom_kill");
	}
	return n < 0 ? -1 : n > 0;
}

void sv_cgroup_kill(const struct sv_cgroup *cg)
{
	int v2 = cg->root && cg->root->mode == SV_SANDBOX_MODE_CGROUP_V2;

	for (int i = 0; i < SV_CG_N; i++) {
		if (cg->made[i])
			kill_procs(cg->dir[i], v2);
	}
}

int sv_cgroup_destroy(struct sv_cgroup *cg)
{
	int v2 = cg->root && cg->root->mode == SV_SANDBOX_MODE_CGROUP_V2, rc = 0;

	sv_cgroup_close_procs(cg);
	for (int i = 0; i < SV_CG_N; i++) {
		if (cg->made[i] && remove_dir(cg->dir[i], v2) < 0)
			rc = -1;
		cg->made[i] = 0;
	}
	return rc;
}
