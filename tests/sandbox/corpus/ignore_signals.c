/* EXPECT: TLE
 * ARGS: --time-limit 1
 * Ignores or handles every signal it can (SIGXCPU, SIGTERM, SIGINT...) and spins: the CPU limit still ends it. */
#include <signal.h>
#include <string.h>
int main(void)
{
	struct sigaction sa;
	volatile unsigned long x = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);
	for (;;)
		x++;
}
