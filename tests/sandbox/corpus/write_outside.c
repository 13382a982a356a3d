/* EXPECT: OK
 * Tries to write everywhere but its work directory, including the host path of the test's sentinel file.
 * Exit 0 only when every attempt failed. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void)
{
	const char *targets[] = {"/x", "/usr/x", "/usr/bin/x", "/etc/x", "/prog/x", "/prog/a.out", "/lib/x",
				 "/proc/sys/kernel/hostname", "/proc/sysrq-trigger", "/dev/x", "/dev/null/x",
				 "@SENTINEL@", "@SENTINEL_DIR@/new", "/proc/1/root/x", NULL};
	int bad = 0;
	for (int i = 0; targets[i]; i++) {
		int fd = open(targets[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			if (write(fd, "pwned\n", 6) > 0 && !(i == 7 || i == 8)) {
				printf("wrote %s\n", targets[i]);
				bad = 1;
			}
			close(fd);
		}
	}
	if (mkdir("/usr/newdir", 0755) == 0 || mkdir("/newdir", 0755) == 0 || rename("/prog/a.out", "/box/a") == 0 ||
	    unlink("/prog/a.out") == 0 || chmod("/prog", 0777) == 0) {
		puts("changed something read-only");
		bad = 1;
	}
	return bad ? 42 : 0;
}
