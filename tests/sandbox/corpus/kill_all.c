/* EXPECT: OK
 * kill(-1, SIGKILL) and kill of PID 1 and of the parent: only its own processes may die (the test keeps a
 * process of its own alive on the host and checks it afterwards). */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	for (int i = 0; i < 3; i++) {
		if (fork() == 0) {
			pause();
			_exit(0);
		}
	}
	kill(1, SIGKILL);
	kill(getppid(), SIGKILL);
	kill(-1, SIGKILL);
	int n = 0, st;
	while (wait(&st) > 0)
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			n++;
	printf("killed %d\n", n);
	return n == 3 ? 0 : 1;
}
