/* EXPECT: OK
 * New namespaces (a user namespace would hand it "root" inside): unshare, clone flags, setns all refused. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	int bad = 0;
	int flags[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC,
		       CLONE_NEWCGROUP, CLONE_NEWUSER | CLONE_NEWNS};
	for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (unshare(flags[i]) == 0) {
			printf("unshare %#x\n", flags[i]);
			bad = 1;
		}
		long pid = syscall(SYS_clone, flags[i] | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0)
			_exit(0);
		if (pid > 0) {
			printf("clone %#x\n", flags[i]);
			waitpid((pid_t)pid, NULL, 0);
			bad = 1;
		}
	}
	int fd = open("/proc/1/ns/mnt", O_RDONLY);
	if (fd >= 0 && setns(fd, 0) == 0) {
		puts("setns");
		bad = 1;
	}
	return bad ? 42 : 0;
}
