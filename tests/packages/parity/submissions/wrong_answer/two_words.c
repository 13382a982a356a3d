/* An extra token is wrong even for the lenient default validator. */
#include <stdio.h>

int main(void)
{
	long long n;

	if (scanf("%lld", &n) != 1)
		return 1;
	printf("%s number\n", n % 2 ? "odd" : "even");
	return 0;
}
