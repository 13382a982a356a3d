/* EXPECT: TLE
 * ARGS: --time-limit 1 --wall-time-limit 2
 * A tree of sleepers in their own sessions and process groups: the wall-clock kill must take them all. */
#include <unistd.h>
int main(void)
{
	for (int i = 0; i < 5; i++) {
		if (fork() == 0) {
			setsid();
			if (fork() == 0)
				setpgid(0, 0);
			for (;;)
				pause();
		}
	}
	for (;;)
		pause();
}
