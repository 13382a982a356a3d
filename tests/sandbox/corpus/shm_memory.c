/* EXPECT: OK
 * STDOUT: ^stopped at [0-9]+ MB$
 * ARGS: --memory-limit 262144
 * Memory through the file system: /dev/shm and /tmp live in the box's own size-limited tmpfs, so filling them
 * (8 MB files, under the file size limit) stops at its size (64 MB), far below the memory limit. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
	static char block[1 << 20];
	char name[64];
	int mb = 0, full = 0;
	memset(block, 'z', sizeof(block));
	for (int f = 0; !full && f < 128; f++) {
		snprintf(name, sizeof(name), f % 2 ? "/dev/shm/big%d" : "/tmp/big%d", f);
		int fd = open(name, O_WRONLY | O_CREAT, 0600);
		if (fd < 0)
			break;
		for (int i = 0; i < 8; i++, mb++) {
			if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
				full = 1;
				break;
			}
		}
		close(fd);
	}
	if (mb > 64)
		return 42;
	printf("stopped at %d MB\n", mb);
	return 0;
}
