/* The right output, but a non-zero exit code: a run-time error. */
#include <stdio.h>

int main(void)
{
	printf("Hello world!\n");
	return 1;
}
