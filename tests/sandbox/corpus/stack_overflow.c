/* EXPECT: RE
 * ARGS: --stack-limit 8192
 * Unbounded recursion with a frame the optimiser cannot drop. */
#include <stdio.h>
static int depth(volatile char *prev)
{
	volatile char frame[1024];
	frame[0] = prev ? prev[0] + 1 : 0;
	return depth(frame) + frame[1];
}
int main(void)
{
	printf("%d\n", depth(NULL));
	return 0;
}
