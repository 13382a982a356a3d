/* @EXPECTED_SCORE@: 85 */
/* Starts the maximum at 0: wrong whenever every number is negative.
 * g1 15 of 20, g2 avg 30 of 40, g3 20, g4 20. */
#include <stdio.h>

int main(void)
{
	int n;
	long long a, best = 0;

	if (scanf("%d", &n) != 1)
		return 1;
	while (n-- > 0 && scanf("%lld", &a) == 1)
		if (a > best)
			best = a;
	printf("%lld\n", best);
	return 0;
}
