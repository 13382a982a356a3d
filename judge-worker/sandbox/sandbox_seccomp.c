#define _GNU_SOURCE
#include "sandbox_seccomp.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* What a judged program has no business doing. Denied with EPERM rather than killed, so the program sees an
 * ordinary failure and the verdict stays about its own behaviour. Names unknown to this libseccomp are
 * skipped. */
static const char *const denied[] = {
    /* debugging and reading other processes */
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    /* file systems and the root */
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "quotactl",
    "quotactl_fd",
    "open_by_handle_at",
    "name_to_handle_at",
    "fanotify_init",
    /* namespaces */
    "unshare",
    "setns",
    /* the kernel itself */
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "bpf",
    "perf_event_open",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "syslog",
    "vhangup",
    "iopl",
    "ioperm",
    "lookup_dcookie",
    "uselib",
    "nfsservctl",
    "sysfs",
    "_sysctl",
    /* keyrings */
    "add_key",
    "request_key",
    "keyctl",
    /* clocks and names of the (namespaced) host */
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    /* kernel attack surface a judged program never needs */
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
};

static const unsigned long ns_flags[] = {
    CLONE_NEWNS,   CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
#ifdef CLONE_NEWTIME
    CLONE_NEWTIME,
#endif
};

int sv_seccomp_build(void **bpf, size_t *len, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = -1, fd = -1, r;
	off_t size;

	*bpf = NULL;
	*len = 0;
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	/* no_new_privs is set by the box init itself, right before the filter. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0 && r != -EDOM) {
			snprintf(err, errlen, "seccomp rule for %s: %s", denied[i], strerror(-r));
			goto end;
		}
	}
	/* clone() may make threads and processes, never namespaces. clone3 passes its flags in memory, out of a
	 * filter's reach: ENOSYS makes glibc fall back to clone(). */
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
		if (r < 0) {
			snprintf(err, errlen, "seccomp clone rule: %s", strerror(-r));
			goto end;
		}
	}
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0 && r != -EDOM) {
		snprintf(err, errlen, "seccomp clone3 rule: %s", strerror(-r));
		goto end;
	}
	/* Sockets to other VMs bypass the network namespace. */
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_VSOCK));
	if (r < 0) {
		snprintf(err, errlen, "seccomp socket rule: %s", strerror(-r));
		goto end;
	}

	fd = memfd_create("sv-seccomp", MFD_CLOEXEC);
	if (fd < 0 || (r = seccomp_export_bpf(ctx, fd)) < 0) {
		snprintf(err, errlen, "cannot export the seccomp filter");
		goto end;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size > 32768 || lseek(fd, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "odd seccomp filter size %lld", (long long)size);
		goto end;
	}
	*bpf = malloc((size_t)size);
	if (!*bpf || read(fd, *bpf, (size_t)size) != (ssize_t)size) {
		snprintf(err, errlen, "cannot read the seccomp filter back");
		free(*bpf);
		*bpf = NULL;
		goto end;
	}
	*len = (size_t)size;
	rc = 0;
end:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}
