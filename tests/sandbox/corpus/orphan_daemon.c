/* EXPECT: OK
 * The program double-forks a daemon that holds stdout open and sleeps, then exits at once. The run must end
 * with the program (not at the wall clock) and the daemon must not survive. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			for (;;)
				sleep(100);
		}
		_exit(0);
	}
	puts("parent done");
	return 0;
}
