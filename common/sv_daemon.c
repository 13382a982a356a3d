#include "sv_daemon.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t sv_daemon_stop;
volatile sig_atomic_t sv_daemon_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		sv_daemon_usr1 = 1;
	else
		sv_daemon_stop = 1;
}

void sv_daemon_signals(int want_usr1)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (want_usr1)
		sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

void sv_daemon_request_stop(void)
{
	sv_daemon_stop = 1;
}

void sv_daemon_block_signals(sigset_t *previous)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, previous);
}

int sv_sleep_ms(long ms, const volatile int *cancel)
{
	while (ms > 0) {
		long step = ms > 50 ? 50 : ms;
		struct timespec ts = {step / 1000, (step % 1000) * 1000000L};

		if (cancel && *cancel)
			return -1;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return cancel && *cancel ? -1 : 0;
}

long sv_backoff_delay_ms(long base_ms, long max_ms, unsigned attempt)
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

long sv_backoff_jitter_ms(long delay_ms, unsigned long random)
{
	long half = delay_ms / 2;

	if (delay_ms <= 1)
		return delay_ms;
	return delay_ms - half + (long)(random % (unsigned long)(half + 1));
}
