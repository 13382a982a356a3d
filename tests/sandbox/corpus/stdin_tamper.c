/* EXPECT: OK
 * STDOUT: ^read 3 4$
 * STDIN: 3 4
 * Its input is a sealed in-memory file: it can read and seek it, never change it. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	int a, b;
	if (write(0, "99 99", 5) > 0 || ftruncate(0, 0) == 0)
		return 42;
	lseek(0, 0, SEEK_SET);
	if (scanf("%d %d", &a, &b) != 2)
		return 3;
	printf("read %d %d\n", a, b);
	return 0;
}
