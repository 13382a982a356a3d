/* EXPECT: OK
 * The box has its own /proc: it sees only itself, PID 1 (root) is hidden, and the host's processes are not
 * there. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
int main(void)
{
	struct stat st;
	int bad = 0, pids = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (atoi(e->d_name) > 0)
			pids++;
	if (pids > 2) {
		printf("sees %d processes\n", pids);
		bad = 1;
	}
	if (stat("/proc/1/environ", &st) == 0 && access("/proc/1/environ", 4) == 0) {
		puts("sees pid 1");
		bad = 1;
	}
	if (stat("/sys/kernel", &st) == 0) {
		puts("sees /sys");
		bad = 1;
	}
	return bad ? 42 : 0;
}
