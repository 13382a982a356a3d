#ifndef SV_DAEMON_H
#define SV_DAEMON_H

#include <signal.h>

/* The process side of both daemons: signal handlers that only set flags, the sleeps that watch
 * them, and exponential back-off. */

/* Set by SIGTERM/SIGINT (or sv_daemon_request_stop, e.g. on a fatal Kafka error); every loop of a
 * daemon watches it. */
extern volatile sig_atomic_t sv_daemon_stop;
/* Set by SIGUSR1 when the daemon asked for it; cleared by whoever acts on it. */
extern volatile sig_atomic_t sv_daemon_usr1;

/* Installs the handlers: SIGTERM and SIGINT set sv_daemon_stop, SIGUSR1 sets sv_daemon_usr1 when
 * want_usr1 (else it keeps its default), SIGPIPE is ignored. */
void sv_daemon_signals(int want_usr1);

void sv_daemon_request_stop(void);

/* Blocks SIGTERM and SIGINT in the calling thread (to be called before starting threads, so that
 * the signals reach the main thread) and returns the previous mask in *previous. */
void sv_daemon_block_signals(sigset_t *previous);

/* Sleeps ms milliseconds unless *cancel (may be NULL; &sv_daemon_stop to watch the signals)
 * becomes non-zero first, checked every 50 ms. Returns 0 when the full time passed, -1 when
 * cancelled. */
int sv_sleep_ms(long ms, const volatile int *cancel);

/* base * 2^attempt, capped at max; attempt counts from 0. */
long sv_backoff_delay_ms(long base_ms, long max_ms, unsigned attempt);

/* The delay with "equal jitter": somewhere in [delay/2, delay], from a caller-supplied random
 * number, so that processes retrying the same server do not retry in step. */
long sv_backoff_jitter_ms(long delay_ms, unsigned long random);

#endif
