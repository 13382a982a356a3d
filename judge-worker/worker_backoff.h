#ifndef WORKER_BACKOFF_H
#define WORKER_BACKOFF_H

/* Exponential back-off shared by the Redis bypass, the Judge0 retries and polls, and the PostgreSQL
 * reconnects: base * 2^attempt, capped at max; attempt counts from 0. */
long backoff_delay_ms(long base_ms, long max_ms, unsigned attempt);

/* The delay with "equal jitter": somewhere in [delay/2, delay], from a caller-supplied random
 * number, so that workers retrying the same server do not retry in step. */
long backoff_jitter_ms(long delay_ms, unsigned long random);

/* Sleeps ms milliseconds unless *stop becomes non-zero first (checked every 50 ms). Returns 0 when
 * the full time passed, -1 when stopped. */
int backoff_sleep_ms(long ms, const volatile int *stop);

#endif
