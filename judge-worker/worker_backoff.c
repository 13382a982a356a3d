#include "worker_backoff.h"

#include <time.h>

long backoff_delay_ms(long base_ms, long max_ms, unsigned attempt)
{
	long delay = base_ms > 0 ? base_ms : 1;

	if (max_ms < delay)
		return max_ms > 0 ? max_ms : delay;
	for (unsigned i = 0; i < attempt; i++) {
		if (delay >= max_ms / 2)
			return max_ms;
		delay *= 2;
	}
	return delay;
}

long backoff_jitter_ms(long delay_ms, unsigned long random)
{
	long half = delay_ms / 2;

	if (delay_ms <= 1)
		return delay_ms;
	return delay_ms - half + (long)(random % (unsigned long)(half + 1));
}

int backoff_sleep_ms(long ms, const volatile int *stop)
{
	while (ms > 0) {
		long step = ms > 50 ? 50 : ms;
		struct timespec ts = {step / 1000, (step % 1000) * 1000000L};

		if (stop && *stop)
			return -1;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return stop && *stop ? -1 : 0;
}
