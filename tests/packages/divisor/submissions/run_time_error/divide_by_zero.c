#include <stdio.h>

int main(void)
{
	volatile int zero = 0;
	long long n;

	if (scanf("%lld", &n) != 1)
		return 1;
	printf("%lld\n", n / zero);
	return 0;
}
