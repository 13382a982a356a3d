/* EXPECT: OK
 * STDOUT: ^open files [0-9]+$
 * Opens descriptors until refused: the open files limit (64) must stop it. */
#include <fcntl.h>
#include <stdio.h>
int main(void)
{
	int n = 0;
	while (n < 100000 && open("/dev/null", O_RDONLY) >= 0)
		n++;
	if (n > 64)
		return 42;
	printf("open files %d\n", n);
	return 0;
}
