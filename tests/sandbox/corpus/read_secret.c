/* EXPECT: OK
 * The test plants a world-readable secret on the host; the program must not find it by any path it knows.
 * Whatever it manages to read is printed, and the test checks the secret is not in the output. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	const char *paths[] = {"@SECRET_PATH@", "/proc/1/root@SECRET_PATH@", "/proc/self/root@SECRET_PATH@",
			       "/proc/1/cwd/secret", "/proc/1/environ", "/proc/1/cmdline", "/etc/shadow",
			       "@ETC_SECRET@", "/root/.bash_history", "/proc/1/mountinfo", NULL};
	char buf[4096];
	int found = 0;
	for (int i = 0; paths[i]; i++) {
		int fd = open(paths[i], O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = 0;
			printf("%s: %s\n", paths[i], buf);
			found = 1;
		}
		close(fd);
	}
	return found ? 42 : 0;
}
