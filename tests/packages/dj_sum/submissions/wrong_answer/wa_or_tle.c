/* @EXPECTED_RESULTS@: WRONG-ANSWER, TIMELIMIT */
/* Wrong on the sample, then loops on bigger inputs: either verdict is allowed. */
#include <stdio.h>

int main(void)
{
	int n;
	volatile unsigned long spin = 0;

	if (scanf("%d", &n) != 1)
		return 1;
	if (n > 3)
		for (;;)
			spin++;
	printf("-1\n");
	return 0;
}
