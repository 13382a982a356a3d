/* EXPECT: OK
 * STDOUT: ^files [0-9]+$
 * Empty files by the hundred thousand: the work directory's inode budget must stop it. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	char name[64];
	int n = 0;
	for (; n < 200000; n++) {
		snprintf(name, sizeof(name), "/box/e%d", n);
		int fd = open(name, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			break;
		close(fd);
	}
	if (n >= 200000)
		return 42;
	printf("files %d\n", n);
	return 0;
}
