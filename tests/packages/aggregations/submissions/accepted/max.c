#include <stdio.h>

int main(void)
{
	int n;
	long long a, best;

	if (scanf("%d %lld", &n, &best) != 2)
		return 1;
	while (--n > 0 && scanf("%lld", &a) == 1)
		if (a > best)
			best = a;
	printf("%lld\n", best);
	return 0;
}
