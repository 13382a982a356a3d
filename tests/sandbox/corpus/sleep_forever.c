/* EXPECT: TLE
 * ARGS: --time-limit 1 --wall-time-limit 2
 * No CPU at all: only the wall clock can stop it. */
#include <unistd.h>
int main(void)
{
	for (;;)
		pause();
}
