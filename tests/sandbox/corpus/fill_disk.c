/* EXPECT: OK
 * STDOUT: ^stopped after [0-9]+ MB$
 * Many files, each under the file size limit, until the work directory is full: must stop at its size. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
	static char block[1 << 20];
	char name[64];
	int mb = 0;
	memset(block, 'y', sizeof(block));
	for (; mb < 4096; mb++) {
		snprintf(name, sizeof(name), "/tmp/f%d", mb);
		int fd = open(name, O_WRONLY | O_CREAT, 0644);
		if (fd < 0 || write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			break;
		close(fd);
	}
	if (mb > 100)
		return 42;
	printf("stopped after %d MB\n", mb);
	return 0;
}
