/* pi = 3.14: off by far more than 1e-6. */
#include <stdio.h>

int main(void)
{
	double r;

	if (scanf("%lf", &r) != 1)
		return 1;
	printf("%.12f\n", 3.14 * r * r);
	return 0;
}
