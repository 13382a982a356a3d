/* Schoolbook addition on decimal digits. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	int n, sum[64] = {0}, len = 1;
	char t[64];

	if (scanf("%d", &n) != 1)
		return 1;
	while (n-- > 0 && scanf("%63s", t) == 1) {
		int k = (int)strlen(t), carry = 0, i;

		for (i = 0; i < k || carry; i++) {
			int d = sum[i] + carry + (i < k ? t[k - 1 - i] - '0' : 0);

			sum[i] = d % 10;
			carry = d / 10;
		}
		if (i > len)
			len = i;
	}
	while (len > 1 && sum[len - 1] == 0)
		len--;
	while (len-- > 0)
		putchar('0' + sum[len]);
	putchar('\n');
	return 0;
}
