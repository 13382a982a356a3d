/* EXPECT: OK
 * Plants links to the host sentinel under every name the supervisor could conceivably touch after the run,
 * and tries hard links too. The test then checks the sentinel's content, mode and owner. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	const char *names[] = {"/box/a.out", "/box/main.c", "/box/stdout", "/box/stderr", "/box/stdin", "/box/run",
			       "/box/compile", "/box/meta", "/tmp/a.out", "/tmp/run", "/box/..x", "/dev/shm/x", NULL};
	for (int i = 0; names[i]; i++) {
		unlink(names[i]);
		symlink("@SENTINEL@", names[i]);
	}
	symlink("@SENTINEL_DIR@", "/box/dir");
	symlink("/", "/box/root");
	if (link("/prog/a.out", "/box/hard") == 0 || link("/usr/bin/true", "/box/hard2") == 0 ||
	    link("/etc/ld.so.cache", "/tmp/hard3") == 0) {
		puts("hard link across mounts");
		return 42;
	}
	return 0;
}
