/* EXPECT: RE
 * EXIT: 3 */
#include <stdlib.h>
int main(void)
{
	exit(3);
}
