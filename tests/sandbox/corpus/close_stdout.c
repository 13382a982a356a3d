/* EXPECT: OK
 * STDERR: still talking
 * Closes its stdout, then writes to stderr and exits normally. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	close(1);
	fprintf(stderr, "still talking on stderr\n");
	sleep(0);
	return 0;
}
