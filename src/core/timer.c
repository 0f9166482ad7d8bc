/*
 * src/core/timer.c: one-shot timers in a binary min-heap.
 *
 * The heap array is carved at init with room for every timer any layer
 * owns (each layer embeds a fixed number of timers in fixed objects), so
 * arming never fails. t->slot is the timer's heap index plus one, so that
 * a zeroed timer reads as not armed.
 */
#include "core.h"

void
erg_timer_setup(struct erg_timer *t, erg_timer_fn fn)
{
	t->when = 0;
	t->slot = 0;
	t->fn = fn;
}

static inline void
heap_set(struct erg_timers *h, uint32_t i, struct erg_timer *t)
{
	h->heap[i] = t;
	t->slot = i + 1;
}

static void
sift_up(struct erg_timers *h, uint32_t i)
{
	struct erg_timer *t = h->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (h->heap[parent]->when <= t->when) {
			break;
		}
		heap_set(h, i, h->heap[parent]);
		i = parent;
	}
	heap_set(h, i, t);
}

static void
sift_down(struct erg_timers *h, uint32_t i)
{
	struct erg_timer *t = h->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n) {
			break;
		}
		if (c + 1 < h->n && h->heap[c + 1]->when < h->heap[c]->when) {
			c++;
		}
		if (t->when <= h->heap[c]->when) {
			break;
		}
		heap_set(h, i, h->heap[c]);
		i = c;
	}
	heap_set(h, i, t);
}

void
erg_timer_cancel(struct erg_stack *s, struct erg_timer *t)
{
	struct erg_timers *h = &s->timers;
	struct erg_timer *last;
	uint32_t i;

	if (t->slot == 0) {
		return;
	}
	i = t->slot - 1;
	t->slot = 0;
	h->n--;
	if (i == h->n) {
		return;
	}
	/* Move the last timer into the hole and restore the heap order. */
	last = h->heap[h->n];
	heap_set(h, i, last);
	if (i > 0 && h->heap[(i - 1) / 2]->when > last->when) {
		sift_up(h, i);
	} else {
		sift_down(h, i);
	}
}

void
erg_timer_arm(struct erg_stack *s, struct erg_timer *t, uint64_t when)
{
	struct erg_timers *h = &s->timers;

	erg_timer_cancel(s, t);
	/* Capacity is the number of timers in existence: cannot overflow. */
	t->when = when;
	heap_set(h, h->n, t);
	h->n++;
	sift_up(h, h->n - 1);
}

/*
 * Runs timers due at now, at most budget of them, earliest first. Returns
 * the number run. The budget bounds the loop even if a callback re-arms
 * its timer for a time that is already due.
 */
uint32_t
erg_timers_run(struct erg_stack *s, uint64_t now, uint32_t budget)
{
	struct erg_timers *h = &s->timers;
	uint32_t ran = 0;

	while (h->n > 0 && h->heap[0]->when <= now && ran < budget) {
		struct erg_timer *t = h->heap[0];

		erg_timer_cancel(s, t);
		ran++;
		ERG_COUNT(s, TIMER_FIRED);
		t->fn(s, t);
	}
	return ran;
}

uint64_t
erg_timers_next(const struct erg_stack *s)
{
	return s->timers.n > 0 ? s->timers.heap[0]->when : ERG_TIME_NEVER;
}
