/* Nine significant digits: within 1e-8 relatively, but far more than 0.01 off near 1e10. */
#include <stdio.h>

int main(void)
{
	long long a, b;

	if (scanf("%lld %lld", &a, &b) != 2)
		return 1;
	printf("%.9g\n", (double)a / (double)b);
	return 0;
}
