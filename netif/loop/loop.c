/*
 * netif/loop/loop.c: the in-memory wire (see erg_loop.h).
 *
 * Decisions:
 * - Frames in flight sit in a binary min-heap ordered by (due time,
 *   sequence number), so delivery order is total and reproducible: two
 *   frames due at the same microsecond leave in the order they were
 *   scheduled.
 * - The transmit op linearises the gather list once into a scratch buffer
 *   (the stack lends the pieces for the call only), then each destination
 *   gets its own copy, because corruption is per copy.
 * - The generator is splitmix64 (Steele, Lea and Flood, "Fast splittable
 *   pseudorandom number generators", OOPSLA 2014): tiny, and its stream is
 *   the same on every platform, unlike rand(). A probability of 0 draws
 *   nothing, so switching one impairment on does not change the draws of
 *   a run that does not use it.
 * - erg_loop_wire_run() delivers only frames scheduled before it was
 *   called: a zero-delay ping-pong between two stacks then advances one
 *   exchange per call instead of never returning.
 */
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "erg_loop.h"

/* pcap snapshot length: the largest record libpcap readers accept. */
#define LOOP_SNAPLEN 65535u

struct loop_port {
	struct erg_loop_wire *w;
	struct erg_stack *s;
	unsigned ifindex;
	unsigned index;
	uint8_t mac[6];
};

struct loop_frame {
	uint64_t when;
	uint64_t seq;
	struct loop_port *dst;
	size_t len;
	uint8_t data[];
};

struct erg_loop_wire {
	uint64_t rng;
	struct erg_loop_impair imp;
	struct erg_loop_stats st;
	uint64_t clock; /* latest time seen */
	uint64_t seq;   /* next frame sequence number */

	struct loop_port **ports;
	unsigned nports;

	struct loop_frame **heap;
	size_t n;
	size_t cap;

	uint8_t *scratch; /* linearised frame */
	size_t scratch_cap;

	erg_loop_filter_fn filter;
	void *filter_ctx;

	pcap_t *pcap;
	pcap_dumper_t *dumper;
};

/* ---- Randomness --------------------------------------------------------- */

static uint64_t
loop_rand(struct erg_loop_wire *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n]; the modulo bias is below 2^-40 for the n used here. */
static uint64_t
loop_rand_upto(struct erg_loop_wire *w, uint64_t n)
{
	if (n == 0) {
		return 0;
	}
	if (n == UINT64_MAX) {
		return loop_rand(w);
	}
	return loop_rand(w) % (n + 1);
}

/* True with probability ppm / 10^6; draws nothing when ppm is 0. */
static bool
loop_chance(struct erg_loop_wire *w, uint32_t ppm)
{
	if (ppm == 0) {
		return false;
	}
	return loop_rand(w) % 1000000u < ppm;
}

/* ---- The heap of frames in flight --------------------------------------- */

static bool
frame_before(const struct loop_frame *a, const struct loop_frame *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static int
heap_push(struct erg_loop_wire *w, struct loop_frame *f)
{
	size_t i;

	if (w->n == w->cap) {
		size_t cap = w->cap != 0 ? w->cap * 2 : 256;
		struct loop_frame **h =
		    realloc(w->heap, cap * sizeof(struct loop_frame *));

		if (h == NULL) {
			return -ERG_ENOMEM;
		}
		w->heap = h;
		w->cap = cap;
	}
	i = w->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!frame_before(f, w->heap[parent])) {
			break;
		}
		w->heap[i] = w->heap[parent];
		i = parent;
	}
	w->heap[i] = f;
	return 0;
}

static struct loop_frame *
heap_pop(struct erg_loop_wire *w)
{
	struct loop_frame *top = w->heap[0], *last;
	size_t i = 0;

	last = w->heap[--w->n];
	if (w->n == 0) {
		return top;
	}
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= w->n) {
			break;
		}
		if (c + 1 < w->n && frame_before(w->heap[c + 1], w->heap[c])) {
			c++;
		}
		if (!frame_before(w->heap[c], last)) {
			break;
		}
		w->heap[i] = w->heap[c];
		i = c;
	}
	w->heap[i] = last;
	return top;
}

/* ---- Wire --------------------------------------------------------------- */

struct erg_loop_wire *
erg_loop_wire_new(uint64_t seed, const struct erg_loop_impair *imp)
{
	struct erg_loop_wire *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		return NULL;
	}
	w->rng = seed;
	erg_loop_wire_impair_set(w, imp);
	return w;
}

void
erg_loop_wire_impair_set(struct erg_loop_wire *w,
    const struct erg_loop_impair *imp)
{
	if (imp != NULL) {
		w->imp = *imp;
	} else {
		memset(&w->imp, 0, sizeof(w->imp));
	}
}

void
erg_loop_wire_filter_set(struct erg_loop_wire *w, erg_loop_filter_fn fn,
    void *ctx)
{
	w->filter = fn;
	w->filter_ctx = fn != NULL ? ctx : NULL;
}

static void
loop_pcap_close(struct erg_loop_wire *w)
{
	if (w->dumper != NULL) {
		pcap_dump_close(w->dumper);
	}
	if (w->pcap != NULL) {
		pcap_close(w->pcap);
	}
	w->dumper = NULL;
	w->pcap = NULL;
}

int
erg_loop_wire_pcap(struct erg_loop_wire *w, const char *path)
{
	loop_pcap_close(w);
	if (path == NULL) {
		return 0;
	}
	w->pcap = pcap_open_dead(DLT_EN10MB, (int)LOOP_SNAPLEN);
	if (w->pcap == NULL) {
		return -ERG_EINVAL;
	}
	w->dumper = pcap_dump_open(w->pcap, path);
	if (w->dumper == NULL) {
		loop_pcap_close(w);
		return -ERG_EINVAL;
	}
	return 0;
}

static void
loop_pcap_write(struct erg_loop_wire *w, const uint8_t *frame, size_t len,
    uint64_t t)
{
	struct pcap_pkthdr h;

	if (w->dumper == NULL) {
		return;
	}
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(t / 1000000u);
	h.ts.tv_usec = (suseconds_t)(t % 1000000u);
	h.len = (bpf_u_int32)(len > UINT32_MAX ? UINT32_MAX : len);
	h.caplen = (bpf_u_int32)(len < LOOP_SNAPLEN ? len : LOOP_SNAPLEN);
	pcap_dump((u_char *)w->dumper, &h, frame);
	(void)pcap_dump_flush(w->dumper);
	w->st.pcap_written++;
}

void
erg_loop_wire_free(struct erg_loop_wire *w)
{
	unsigned i;

	if (w == NULL) {
		return;
	}
	while (w->n > 0) {
		free(heap_pop(w));
	}
	free(w->heap);
	for (i = 0; i < w->nports; i++) {
		free(w->ports[i]);
	}
	free(w->ports);
	free(w->scratch);
	loop_pcap_close(w);
	free(w);
}

uint64_t
erg_loop_wire_next(const struct erg_loop_wire *w)
{
	return w->n > 0 ? w->heap[0]->when : ERG_TIME_NEVER;
}

size_t
erg_loop_wire_pending(const struct erg_loop_wire *w)
{
	return w->n;
}

void
erg_loop_wire_stats(const struct erg_loop_wire *w, struct erg_loop_stats *st)
{
	*st = w->st;
}

/* ---- Transmit ----------------------------------------------------------- */

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * Puts one copy of frame in flight to dst: delay, jitter and reordering
 * pick its due time, and corruption may flip one bit of it.
 */
static void
loop_schedule(struct erg_loop_wire *w, struct loop_port *dst,
    const uint8_t *frame, size_t len)
{
	const struct erg_loop_impair *imp = &w->imp;
	struct loop_frame *f;
	uint64_t when;

	if (w->n >= ERG_LOOP_MAX_PENDING) {
		w->st.queue_full++;
		return;
	}
	when = sat_add(w->clock, imp->delay_us);
	when = sat_add(when, loop_rand_upto(w, imp->jitter_us));
	if (loop_chance(w, imp->reorder_ppm)) {
		uint64_t span = sat_add(sat_add(imp->delay_us, imp->delay_us),
		    imp->jitter_us);

		when = sat_add(when, 1 + loop_rand_upto(w, span));
		w->st.reordered++;
	}
	f = malloc(sizeof(*f) + (len != 0 ? len : 1));
	if (f == NULL) {
		w->st.queue_full++;
		return;
	}
	f->when = when;
	f->seq = w->seq++;
	f->dst = dst;
	f->len = len;
	memcpy(f->data, frame, len);
	if (len != 0 && loop_chance(w, imp->corrupt_ppm)) {
		uint64_t bit = loop_rand_upto(w, (uint64_t)len * 8 - 1);

		f->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		w->st.corrupted++;
	}
	if (heap_push(w, f) < 0) {
		free(f);
		w->st.queue_full++;
	}
}

/* One (frame, destination) pair: filter, loss, duplication. */
static void
loop_copy(struct erg_loop_wire *w, const struct loop_port *src,
    struct loop_port *dst, const uint8_t *frame, size_t len)
{
	w->st.copies++;
	if (w->filter != NULL &&
	    w->filter(w->filter_ctx, src->index, dst->index, frame, len,
	        w->clock)) {
		w->st.filtered++;
		return;
	}
	if (loop_chance(w, w->imp.loss_ppm)) {
		w->st.lost++;
		return;
	}
	loop_schedule(w, dst, frame, len);
	if (loop_chance(w, w->imp.dup_ppm)) {
		w->st.duplicated++;
		loop_schedule(w, dst, frame, len);
	}
}

/* Switches one frame: to the owner of its destination MAC, or flooded. */
static void
loop_switch(struct erg_loop_wire *w, const struct loop_port *src,
    const uint8_t *frame, size_t len)
{
	bool group = len >= ERG_ETHER_ADDR_LEN && erg_ether_is_group(frame);
	bool found = false;
	unsigned i;

	for (i = 0; i < w->nports; i++) {
		struct loop_port *p = w->ports[i];

		if (p == src) {
			continue;
		}
		if (group ||
		    (len >= ERG_ETHER_ADDR_LEN &&
		        memcmp(frame, p->mac, ERG_ETHER_ADDR_LEN) == 0)) {
			loop_copy(w, src, p, frame, len);
			found = true;
		}
	}
	if (!group && !found) {
		w->st.no_dst++;
	}
}

static int
loop_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct loop_port *src = drv;
	struct erg_loop_wire *w = src->w;
	uint64_t now = erg_stack_now(src->s);
	size_t len = 0, off = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (iov[i].len > SIZE_MAX - len) {
			return -ERG_EINVAL;
		}
		len += iov[i].len;
	}
	if (len > w->scratch_cap) {
		uint8_t *p = realloc(w->scratch, len);

		if (p == NULL) {
			return -ERG_ENOMEM;
		}
		w->scratch = p;
		w->scratch_cap = len;
	}
	for (i = 0; i < n; i++) {
		if (iov[i].len == 0) {
			continue;
		}
		memcpy(w->scratch + off, iov[i].base, iov[i].len);
		off += iov[i].len;
	}
	if (now > w->clock) {
		w->clock = now;
	}
	w->st.sent++;
	loop_pcap_write(w, w->scratch, len, w->clock);
	loop_switch(w, src, w->scratch, len);
	return 0;
}

static const struct erg_netif_ops loop_ops = { loop_transmit };

int
erg_loop_attach(struct erg_loop_wire *w, struct erg_stack *s,
    const uint8_t mac[6], uint16_t mtu, unsigned *ifindex)
{
	struct erg_netif_config nc;
	struct loop_port *p, **ports;
	int rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return -ERG_ENOMEM;
	}
	ports = realloc(w->ports, (w->nports + 1) * sizeof(struct loop_port *));
	if (ports == NULL) {
		free(p);
		return -ERG_ENOMEM;
	}
	w->ports = ports;
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac, 6);
	nc.mtu = mtu;
	nc.caps = ERG_NETIF_CAP_GATHER;
	nc.ops = &loop_ops;
	nc.drv = p;
	rc = erg_netif_add(s, &nc, &p->ifindex);
	if (rc < 0) {
		free(p);
		return rc;
	}
	p->w = w;
	p->s = s;
	p->index = w->nports;
	memcpy(p->mac, mac, 6);
	w->ports[w->nports++] = p;
	if (ifindex != NULL) {
		*ifindex = p->ifindex;
	}
	return 0;
}

/* ---- Receive ------------------------------------------------------------ */

static void
loop_deliver(struct erg_loop_wire *w, const struct loop_frame *f, uint64_t now)
{
	struct loop_port *dst = f->dst;
	struct erg_pkt *pkt = erg_pkt_alloc(dst->s);
	uint8_t *p;

	if (pkt == NULL) {
		w->st.rx_nobuf++;
		return;
	}
	if (f->len > UINT32_MAX ||
	    (p = erg_pkt_put(pkt, (uint32_t)f->len)) == NULL) {
		w->st.rx_toobig++;
		erg_pkt_free(dst->s, pkt);
		return;
	}
	memcpy(p, f->data, f->len);
	w->st.delivered++;
	erg_netif_input(dst->s, dst->ifindex, pkt, now);
}

void
erg_loop_wire_run(struct erg_loop_wire *w, uint64_t now_us)
{
	uint64_t limit = w->seq;

	if (now_us > w->clock) {
		w->clock = now_us;
	}
	/*
	 * Frames scheduled during this call are due no earlier than
	 * w->clock >= now_us and carry seq >= limit, so they sort after
	 * every older frame due by now_us: stopping at the first one leaves
	 * no older due frame behind.
	 */
	while (
	    w->n > 0 && w->heap[0]->when <= now_us && w->heap[0]->seq < limit) {
		struct loop_frame *f = heap_pop(w);

		loop_deliver(w, f, now_us);
		free(f);
	}
}
