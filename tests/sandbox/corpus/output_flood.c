/* EXPECT: OLE
 * ARGS: --output-limit 1024 */
#include <stdio.h>
int main(void)
{
	for (;;)
		fputs("flood flood flood flood flood flood flood flood\n", stdout);
}
