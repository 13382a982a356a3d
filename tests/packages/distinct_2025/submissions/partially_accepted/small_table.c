/* @EXPECTED_SCORE@: 40 */
/* A table of the values 0 to 10: subtask 1. In subtask 2 it is right on the first test only, and
 * the subtask is pass-fail: 40 points in all. */
#include <stdio.h>

int main(void)
{
	int n, seen[11] = {0}, count = 0;
	long v;

	if (scanf("%d", &n) != 1)
		return 1;
	while (n-- > 0 && scanf("%ld", &v) == 1)
		if (v >= 0 && v <= 10 && !seen[v]) {
			seen[v] = 1;
			count++;
		}
	printf("%d\n", count);
	return 0;
}
