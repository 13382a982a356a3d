/* Sums in an int: right on small numbers, wrong once the sum leaves 32 bits. */
#include <stdio.h>

int main(void)
{
	int n, s = 0;
	long long a;

	if (scanf("%d", &n) != 1)
		return 1;
	while (n-- > 0 && scanf("%lld", &a) == 1)
		s += (int)a;
	printf("%d\n", s);
	return 0;
}
