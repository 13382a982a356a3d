/* EXPECT: OK
 * STDOUT: ^refused after [0-9]+$
 * Forks sleeping children until the kernel says no; must be refused well below 100 (limit 64). */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	int n = 0;
	for (; n < 100000; n++) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			pause();
			_exit(0);
		}
	}
	if (n >= 100)
		return 42;
	printf("refused after %d\n", n);
	return 0;
}
