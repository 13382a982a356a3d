/* @EXPECTED_SCORE@: 33.3 */
/* An int: subtask 1 only. It is also right on one test of subtask 2, which scores nothing on its own
 * (all or nothing): summing per test would give more. */
#include <stdio.h>

int main(void)
{
	int n, s = 0, a;

	if (scanf("%d", &n) != 1)
		return 1;
	while (n-- > 0 && scanf("%d", &a) == 1)
		s += a;
	printf("%d\n", s);
	return 0;
}
