/* Three decimals: within 0.01 absolutely. */
#include <stdio.h>

int main(void)
{
	long long a, b;

	if (scanf("%lld %lld", &a, &b) != 2)
		return 1;
	printf("%lld.%03lld\n", a / b, (a % b) * 1000 / b);
	return 0;
}
