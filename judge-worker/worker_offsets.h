#ifndef WORKER_OFFSETS_H
#define WORKER_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

/* Which offset of each partition may be stored, when several submissions of one partition are
 * judged at once and finish out of order: only up to the oldest one still in flight, so a crash
 * never skips an unjudged message (DESIGN.md invariant 3). Thread-safe. */

typedef struct offset_tracker offset_tracker;

offset_tracker *offsets_new(void);
void offsets_free(offset_tracker *tr);

/* A message was taken for judging. Offsets of one partition arrive in increasing order. */
int offsets_begin(offset_tracker *tr, int32_t partition, int64_t offset);

/* Its final result is delivered. Returns the offset to store for the partition (the next one to
 * consume) when it moved forward, else -1. */
int64_t offsets_done(offset_tracker *tr, int32_t partition, int64_t offset);

/* The partition was revoked: forget what is in flight there (it will be redelivered). */
void offsets_forget(offset_tracker *tr, int32_t partition);

/* Messages taken and not done, in one partition (or all when partition < 0). */
size_t offsets_in_flight(offset_tracker *tr, int32_t partition);

#endif
