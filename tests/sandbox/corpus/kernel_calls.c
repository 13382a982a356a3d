/* EXPECT: OK
 * Module loading, kexec, bpf, perf events, keyrings, reboot, swap, clock and hostname changes, io_uring,
 * userfaultfd, syslog: each must fail. */
#define _GNU_SOURCE
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
int main(void)
{
	char zero[256];
	struct timeval tv = {0, 0};
	struct timespec ts = {0, 0};
	int bad = 0;
	memset(zero, 0, sizeof(zero));
	struct {
		const char *name;
		long rc;
	} calls[] = {
		{"init_module", syscall(SYS_init_module, zero, sizeof(zero), "")},
		{"finit_module", syscall(SYS_finit_module, 0, "", 0)},
		{"delete_module", syscall(SYS_delete_module, "ext4", 0)},
		{"kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0)},
		{"bpf", syscall(SYS_bpf, 0, zero, 64)},
		{"perf_event_open", syscall(SYS_perf_event_open, zero, 0, -1, -1, 0)},
		{"add_key", syscall(SYS_add_key, "user", "k", "v", 1, -2)},
		{"keyctl", syscall(SYS_keyctl, 0, -2, 0)},
		{"reboot", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, 0)},
		{"swapoff", syscall(SYS_swapoff, "/dev/null")},
		{"settimeofday", syscall(SYS_settimeofday, &tv, NULL)},
		{"clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, &ts)},
		{"sethostname", syscall(SYS_sethostname, "pwned", 5)},
		{"io_uring_setup", syscall(SYS_io_uring_setup, 8, zero)},
		{"userfaultfd", syscall(SYS_userfaultfd, 0)},
		{"syslog", syscall(SYS_syslog, 3, zero, sizeof(zero))},
		{"acct", syscall(SYS_acct, "/box/acct")},
		{"iopl", syscall(SYS_iopl, 3)},
	};
	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (calls[i].rc >= 0) {
			printf("%s succeeded\n", calls[i].name);
			bad = 1;
		}
	}
	return bad ? 42 : 0;
}
