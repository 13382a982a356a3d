#include <stdio.h>

static unsigned char buf[1 << 17];

int main(void)
{
	size_t n = fread(buf, 1, sizeof(buf), stdin);

	while (n > 0)
		putchar(buf[--n]);
	return 0;
}
