/*
 * src/core/stack.c: the parts of the stack object that every layer shares:
 * poll (timers, then events), deferred event delivery, counters and
 * randomness. Building a stack is the assembly's job (src/stack/).
 */
#include "core.h"

/* ---- Events ----------------------------------------------------------- */

void
erg_event_post(struct erg_stack *s, struct erg_evsrc *ev, unsigned bits)
{
	ev->pending |= bits;
	if (ev->queued) {
		return;
	}
	ev->queued = true;
	ev->next = NULL;
	if (s->ev_tail != NULL) {
		s->ev_tail->next = ev;
	} else {
		s->ev_head = ev;
	}
	s->ev_tail = ev;
	s->ev_count++;
}

void
erg_event_cancel(struct erg_stack *s, struct erg_evsrc *ev)
{
	struct erg_evsrc *prev = NULL, *cur;

	if (!ev->queued) {
		return;
	}
	for (cur = s->ev_head; cur != NULL; prev = cur, cur = cur->next) {
		if (cur != ev) {
			continue;
		}
		if (prev != NULL) {
			prev->next = cur->next;
		} else {
			s->ev_head = cur->next;
		}
		if (s->ev_tail == cur) {
			s->ev_tail = prev;
		}
		s->ev_count--;
		break;
	}
	ev->queued = false;
	ev->pending = 0;
	ev->next = NULL;
}

/*
 * Delivers queued events in order. Each source is unlinked before its
 * callback runs, so a callback may close its own socket or any other
 * (erg_event_cancel unlinks it). The loop runs at most as many times as
 * there were sources queued when it started, so it always ends; sources
 * queued by the callbacks themselves usually wait for the next call (they
 * may run in this one when a callback cancelled an earlier source), and
 * erg_stack_poll() returns "now" while events are pending.
 */
void
erg_events_deliver(struct erg_stack *s)
{
	uint32_t budget = s->ev_count;

	while (s->ev_head != NULL && budget-- > 0) {
		struct erg_evsrc *ev = s->ev_head;
		unsigned bits;

		s->ev_head = ev->next;
		if (s->ev_head == NULL) {
			s->ev_tail = NULL;
		}
		s->ev_count--;
		ev->next = NULL;
		ev->queued = false;
		bits = ev->pending;
		ev->pending = 0;
		if (bits != 0 && ev->deliver != NULL) {
			ev->deliver(ev, bits);
		}
	}
	if (s->after_events != NULL) {
		s->after_events(s);
	}
}

/* ---- Poll ------------------------------------------------------------- */

uint64_t
erg_stack_poll(struct erg_stack *s, uint64_t now_us)
{
	uint32_t ran;

	if (now_us > s->now) {
		s->now = now_us;
	}
	ran = erg_timers_run(s, s->now, s->cfg.poll_budget);
	erg_events_deliver(s);
	if (ran == s->cfg.poll_budget && erg_timers_next(s) <= s->now) {
		ERG_COUNT(s, POLL_BUDGET_EXHAUSTED);
		return s->now;
	}
	if (s->ev_head != NULL) {
		return s->now;
	}
	return erg_timers_next(s);
}

uint64_t
erg_stack_now(const struct erg_stack *s)
{
	return s->now;
}

/* ---- Counters --------------------------------------------------------- */

static const char *const erg_stat_names[ERG_STAT_COUNT] = {
#define ERG_STAT_NAME_(id, name) name,
	ERG_STATS_LIST(ERG_STAT_NAME_)
#undef ERG_STAT_NAME_
};

const char *
erg_stat_name(enum erg_stat id)
{
	return (unsigned)id < ERG_STAT_COUNT ? erg_stat_names[id] : NULL;
}

uint64_t
erg_stat_get(const struct erg_stack *s, enum erg_stat id)
{
	return (unsigned)id < ERG_STAT_COUNT ? s->stats[id] : 0;
}

void
erg_stack_stats_foreach(const struct erg_stack *s,
    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	unsigned i;

	for (i = 0; i < ERG_STAT_COUNT; i++) {
		fn(ctx, erg_stat_names[i], s->stats[i]);
	}
}

uint32_t
erg_stack_pool_in_use(const struct erg_stack *s)
{
	/*
	 * The ARP cache and TIME-WAIT entries are not counted: they are
	 * bounded caches that expire, not objects anyone owns.
	 */
	return (uint32_t)(s->stats[ERG_STAT_PKT_IN_USE] +
	    s->stats[ERG_STAT_IPV4_REASM_IN_USE] +
	    s->stats[ERG_STAT_UDP_SOCKS_IN_USE] +
	    s->stats[ERG_STAT_TCP_CONNS_IN_USE] +
	    s->stats[ERG_STAT_TCP_LISTENERS_IN_USE] +
	    s->stats[ERG_STAT_DNS_QUERIES_IN_USE]);
}

/* ---- Randomness ------------------------------------------------------- */

void
erg_rand_bytes(struct erg_stack *s, void *buf, size_t len)
{
	s->cfg.rand(s->cfg.rand_ctx, buf, len);
}

uint32_t
erg_rand32(struct erg_stack *s)
{
	uint8_t b[4];

	erg_rand_bytes(s, b, sizeof(b));
	return erg_be32(b);
}
