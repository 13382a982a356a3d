/* EXPECT: OK
 * Tracing anything, itself included, is refused. */
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	int bad = 0;
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	if (ptrace(PTRACE_ATTACH, child, 0, 0) == 0) {
		puts("attached to child");
		bad = 1;
	}
	if (ptrace(PTRACE_ATTACH, 1, 0, 0) == 0) {
		puts("attached to pid 1");
		bad = 1;
	}
	if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0) {
		puts("traceme");
		bad = 1;
	}
	char buf[8];
	struct iovec l = {buf, sizeof(buf)}, r = {(void *)0x400000, sizeof(buf)};
	if (process_vm_readv(child, &l, 1, &r, 1, 0) >= 0) {
		puts("process_vm_readv");
		bad = 1;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return bad ? 42 : 0;
}
