#include "worker_offsets.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	int64_t offset;
	int done;
} entry;

typedef struct {
	int32_t partition;
	entry *entries; /* in flight, ascending */
	size_t count, cap;
} partition_state;

struct offset_tracker {
	pthread_mutex_t lock;
	partition_state *parts;
	size_t count, cap;
};

offset_tracker *offsets_new(void)
{
	offset_tracker *tr = calloc(1, sizeof(*tr));

	if (tr)
		pthread_mutex_init(&tr->lock, NULL);
	return tr;
}

void offsets_free(offset_tracker *tr)
{
	if (!tr)
		return;
	for (size_t i = 0; i < tr->count; i++)
		free(tr->parts[i].entries);
	free(tr->parts);
	pthread_mutex_destroy(&tr->lock);
	free(tr);
}

static partition_state *find(offset_tracker *tr, int32_t partition, int create)
{
	for (size_t i = 0; i < tr->count; i++)
		if (tr->parts[i].partition == partition)
			return &tr->parts[i];
	if (!create)
		return NULL;
	if (tr->count == tr->cap) {
		size_t cap = tr->cap ? tr->cap * 2 : 8;
		partition_state *grown = realloc(tr->parts, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		tr->parts = grown;
		tr->cap = cap;
	}
	memset(&tr->parts[tr->count], 0, sizeof(partition_state));
	tr->parts[tr->count].partition = partition;
	return &tr->parts[tr->count++];
}

int offsets_begin(offset_tracker *tr, int32_t partition, int64_t offset)
{
	partition_state *p;
	int rc = -1;

	pthread_mutex_lock(&tr->lock);
	p = find(tr, partition, 1);
	if (p && p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		entry *grown = realloc(p->entries, cap * sizeof(*grown));
		if (grown) {
			p->entries = grown;
			p->cap = cap;
		}
	}
	if (p && p->count < p->cap) {
		size_t at = p->count;
		/* Normally appended; a redelivery after a rebalance may come lower: keep the order. */
		while (at > 0 && p->entries[at - 1].offset > offset)
			at--;
		memmove(p->entries + at + 1, p->entries + at, (p->count - at) * sizeof(entry));
		p->entries[at].offset = offset;
		p->entries[at].done = 0;
		p->count++;
		rc = 0;
	}
	pthread_mutex_unlock(&tr->lock);
	return rc;
}

int64_t offsets_done(offset_tracker *tr, int32_t partition, int64_t offset)
{
	partition_state *p;
	int64_t store = -1;
	size_t drop = 0;

	pthread_mutex_lock(&tr->lock);
	p = find(tr, partition, 0);
	if (p) {
		for (size_t i = 0; i < p->count; i++)
			if (p->entries[i].offset == offset)
				p->entries[i].done = 1;
		while (drop < p->count && p->entries[drop].done)
			store = p->entries[drop++].offset + 1;
		memmove(p->entries, p->entries + drop, (p->count - drop) * sizeof(entry));
		p->count -= drop;
	}
	pthread_mutex_unlock(&tr->lock);
	return store;
}

void offsets_forget(offset_tracker *tr, int32_t partition)
{
	partition_state *p;

	pthread_mutex_lock(&tr->lock);
	p = find(tr, partition, 0);
	if (p)
		p->count = 0;
	pthread_mutex_unlock(&tr->lock);
}

size_t offsets_in_flight(offset_tracker *tr, int32_t partition)
{
	size_t n = 0;

	pthread_mutex_lock(&tr->lock);
	for (size_t i = 0; i < tr->count; i++)
		if (partition < 0 || tr->parts[i].partition == partition)
			for (size_t k = 0; k < tr->parts[i].count; k++)
				n += !tr->parts[i].entries[k].done;
	pthread_mutex_unlock(&tr->lock);
	return n;
}
