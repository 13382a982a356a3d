#ifndef SINK_RUN_H
#define SINK_RUN_H

#include <signal.h>

/* Cleared by SIGTERM/SIGINT (or a fatal Kafka error); every loop of the daemon watches it. */
extern volatile sig_atomic_t sink_running;

/* Sleeps about seconds, returning early once sink_running is cleared. */
void sink_sleep(double seconds);

#endif
