#include "sink_run.h"

#include <time.h>

volatile sig_atomic_t sink_running = 1;

void sink_sleep(double seconds)
{
	const struct timespec slice = {0, 50 * 1000 * 1000};

	for (double slept = 0; slept < seconds && sink_running; slept += 0.05)
		nanosleep(&slice, NULL);
}
