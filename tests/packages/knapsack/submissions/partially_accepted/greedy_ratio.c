/* @EXPECTED_SCORE@: 73.75 */
/* Best value per weight first: 5 + 25 + 18.75 + 25 points. */
#include <stdio.h>

int main(void)
{
	int n, cap, w[100], v[100], used[100] = {0}, take[100], k = 0;

	if (scanf("%d %d", &n, &cap) != 2)
		return 1;
	for (int i = 0; i < n; i++)
		if (scanf("%d %d", &w[i], &v[i]) != 2)
			return 1;
	for (;;) {
		int pick = -1;

		for (int i = 0; i < n; i++)
			if (!used[i] && (pick < 0 || (long)v[i] * w[pick] > (long)v[pick] * w[i]))
				pick = i;
		if (pick < 0)
			break;
		used[pick] = 1;
		if (w[pick] <= cap) {
			cap -= w[pick];
			take[k++] = pick + 1;
		}
	}
	printf("%d\n", k);
	for (int i = 0; i < k; i++)
		printf("%d ", take[i]);
	printf("\n");
	return 0;
}
