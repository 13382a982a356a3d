/* EXPECT: TLE
 * ARGS: --time-limit 1
 * The classic: every process forks forever. pids.max / RLIMIT_NPROC stop the growth, the CPU limit the loop. */
#include <unistd.h>
int main(void)
{
	for (;;)
		fork();
}
