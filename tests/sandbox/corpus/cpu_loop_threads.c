/* EXPECT: TLE
 * ARGS: --time-limit 1 --wall-time-limit 20
 * Two spinning threads: the CPU time of the whole run counts, so this ends well before the wall clock. */
#include <pthread.h>
static void *spin(void *arg)
{
	volatile unsigned long x = 0;
	(void)arg;
	for (;;)
		x++;
	return NULL;
}
int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, spin, NULL);
	spin(NULL);
	return 0;
}
