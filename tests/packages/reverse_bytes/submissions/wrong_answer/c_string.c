/* Treats the input as a C string: everything from the first NUL byte on is lost. */
#include <stdio.h>
#include <string.h>

static char buf[1 << 17];

int main(void)
{
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);

	buf[n] = '\0';
	n = strlen(buf);
	while (n > 0)
		putchar(buf[--n]);
	return 0;
}
