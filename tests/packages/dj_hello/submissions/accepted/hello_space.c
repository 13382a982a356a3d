/* Whitespace differs and the case too: DOMjudge's default compare accepts both. */
#include <stdio.h>

int main(void)
{
	printf("  hello\t  WORLD!  \n\n");
	return 0;
}
