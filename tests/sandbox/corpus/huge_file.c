/* EXPECT: OLE
 * ARGS: --file-size-limit 4096
 * Writes one ever-growing file in its work directory: the file size limit stops it (SIGXFSZ). */
#include <stdio.h>
#include <string.h>
int main(void)
{
	static char block[1 << 16];
	FILE *f = fopen("/box/huge", "w");
	if (!f)
		return 3;
	memset(block, 'x', sizeof(block));
	for (;;)
		fwrite(block, 1, sizeof(block), f);
}
