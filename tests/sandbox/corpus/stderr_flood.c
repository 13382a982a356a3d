/* EXPECT: OLE
 * ARGS: --stderr-limit 64 */
#include <stdio.h>
int main(void)
{
	for (;;)
		fputs("error error error error error error error error\n", stderr);
}
