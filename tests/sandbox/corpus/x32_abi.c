/* EXPECT: RE
 * SIGNAL: 31
 * x32 system call numbers (bit 30 set) are killed by the filter (SIGSYS), never run as their x86-64 twin: an
 * x32 kill(0, SIGKILL) executed would end the program with SIGKILL instead. */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	syscall(0x40000000 | SYS_kill, 0, SIGKILL);
	return 0;
}
