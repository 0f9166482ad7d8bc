/*
 * netif/loop/loop.c: the in-memory wire (see erg_loop.h).
 *
 * Decisions:
 * - Frames in flight are ordered by (due time, sequence number), so
 *   delivery order is total and reproducible: two frames due at the same
 *   microsecond leave in the order they were scheduled. Frames due at once
 *   (no delay) wait in a FIFO, which that order already sorts (the clock
 *   never goes back, sequence numbers grow); delayed ones in a binary
 *   min-heap. Delivery takes the earlier of the two heads.
 * - One copy per frame and destination, as a NIC's DMA makes: a copy due
 *   at once (no delay, jitter or reordering) is gathered straight from the
 *   stack's pieces (lent for the call only) into a packet of the
 *   destination's pool, taken at transmit time, and handed over at
 *   delivery as it is. The wire takes such a packet only while the
 *   destination has fewer packets in use than its pool's high-water mark:
 *   the pool has held that many at once, so the allocation cannot fail (no
 *   pkt.alloc_fail is counted that delivery-time allocation would not
 *   count) and taking it never raises the mark. Only copies due at once:
 *   holding a packet through a delay would keep it from the stack for the
 *   delay's length. Otherwise the copy is gathered into wire memory
 *   (recycled, not malloc'ed per frame) and copied into a packet at
 *   delivery, as before (two copies). Where the whole frame is needed in
 *   one piece first (a pcap capture or a filter) it is linearised once
 *   into a scratch buffer, one more copy.
 * - The generator is splitmix64 (Steele, Lea and Flood, "Fast splittable
 *   pseudorandom number generators", OOPSLA 2014): tiny, and its stream is
 *   the same on every platform, unlike rand(). A probability of 0 draws
 *   nothing, so switching one impairment on does not change the draws of
 *   a run that does not use it.
 * - erg_loop_wire_run() delivers only frames scheduled before it was
 *   called: a zero-delay ping-pong between two stacks then advances one
 *   exchange per call instead of never returning.
 * - A perfect wire (no impairment, no filter, no capture) takes a short
 *   path for unicast frames (loop_transmit_plain): the same decisions and
 *   counters as the general path, which with every probability 0 draws
 *   no random number, without its per-copy calls. Delivery pops the FIFO
 *   directly while no delayed frame waits.
 */
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "erg_loop.h"

/* pcap snapshot length: the largest record libpcap readers accept. */
#define LOOP_SNAPLEN 65535u

/* data[] of a recycled frame in wire memory. */
#define LOOP_FRAME_SMALL 2048u

struct loop_port {
	struct erg_loop_wire *w;
	struct erg_stack *s;
	unsigned ifindex;
	unsigned index;
	uint8_t mac[6];
};

/*
 * One copy of a frame in flight: either already in a packet of the
 * destination's pool (pkt), or in data[] (pkt NULL). Frames with no data
 * (cap 0) and frames of LOOP_FRAME_SMALL bytes, enough for any Ethernet
 * frame of MTU 1500 and more, are recycled through the wire's spare lists
 * (at most ERG_LOOP_MAX_PENDING of them are ever in flight).
 */
struct loop_frame {
	uint64_t when;
	uint64_t seq;
	struct loop_port *dst;
	struct erg_pkt *pkt;
	struct loop_frame *next; /* FIFO in flight, or spare list */
	size_t len;
	size_t cap; /* bytes of data[] */
	uint8_t data[];
};

/* A frame being transmitted: the stack's gather list, lent for the call. */
struct loop_src {
	const struct erg_iov *iov;
	unsigned n;
	size_t len;
	const uint8_t *linear; /* the frame in one piece, or NULL */
};

struct erg_loop_wire {
	uint64_t rng;
	struct erg_loop_impair imp;
	struct erg_loop_stats st;
	uint64_t clock; /* latest time seen */
	uint64_t seq;   /* next frame sequence number */

	struct loop_port **ports;
	unsigned nports;

	struct loop_frame **heap; /* delayed frames */
	size_t n;
	size_t cap;
	struct loop_frame *fifo; /* frames due when sent, oldest first */
	struct loop_frame *fifo_tail;
	size_t nfifo;

	uint8_t *scratch; /* linearised frame */
	size_t scratch_cap;

	struct loop_frame *spare[2]; /* recycled: cap 0, LOOP_FRAME_SMALL */

	erg_loop_filter_fn filter;
	void *filter_ctx;

	pcap_t *pcap;
	pcap_dumper_t *dumper;

	bool plain; /* no impairment, filter or capture (loop_plain_update) */
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

/* The earliest frame in flight (FIFO head or heap top), or NULL. */
static struct loop_frame *
loop_first(const struct erg_loop_wire *w)
{
	struct loop_frame *h = w->n > 0 ? w->heap[0] : NULL;
	struct loop_frame *q = w->fifo;

	if (h == NULL || (q != NULL && frame_before(q, h))) {
		return q;
	}
	return h;
}

/* Takes the earliest frame in flight off its queue; there is one. */
static struct loop_frame *
loop_pop(struct erg_loop_wire *w)
{
	struct loop_frame *q = w->fifo;

	if (q != NULL && (w->n == 0 || frame_before(q, w->heap[0]))) {
		w->fifo = q->next;
		if (w->fifo == NULL) {
			w->fifo_tail = NULL;
		}
		w->nfifo--;
		return q;
	}
	return heap_pop(w);
}

/* Appends f to the FIFO of frames due now. */
static void
loop_fifo_append(struct erg_loop_wire *w, struct loop_frame *f)
{
	f->next = NULL;
	if (w->fifo_tail != NULL) {
		w->fifo_tail->next = f;
	} else {
		w->fifo = f;
	}
	w->fifo_tail = f;
	w->nfifo++;
}

/* Queues a frame: due when sent (FIFO), or later (heap). */
static int
loop_push(struct erg_loop_wire *w, struct loop_frame *f)
{
	if (f->when != w->clock) {
		return heap_push(w, f);
	}
	loop_fifo_append(w, f);
	return 0;
}

/* ---- Wire --------------------------------------------------------------- */

/* Whether transmit may take its short path (see the decisions above). */
static void
loop_plain_update(struct erg_loop_wire *w)
{
	const struct erg_loop_impair *imp = &w->imp;

	w->plain = imp->loss_ppm == 0 && imp->dup_ppm == 0 &&
	    imp->reorder_ppm == 0 && imp->corrupt_ppm == 0 &&
	    imp->delay_us == 0 && imp->jitter_us == 0 && w->filter == NULL &&
	    w->dumper == NULL;
}

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
	loop_plain_update(w);
}

void
erg_loop_wire_filter_set(struct erg_loop_wire *w, erg_loop_filter_fn fn,
    void *ctx)
{
	w->filter = fn;
	w->filter_ctx = fn != NULL ? ctx : NULL;
	loop_plain_update(w);
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
	loop_plain_update(w);
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
	loop_plain_update(w);
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

static void
loop_frame_put(struct erg_loop_wire *w, struct loop_frame *f)
{
	if (f->cap == 0 || f->cap == LOOP_FRAME_SMALL) {
		unsigned k = f->cap != 0;

		f->next = w->spare[k];
		w->spare[k] = f;
	} else {
		free(f);
	}
}

void
erg_loop_wire_free(struct erg_loop_wire *w)
{
	unsigned i;

	if (w == NULL) {
		return;
	}
	while (w->n + w->nfifo > 0) {
		struct loop_frame *f = loop_pop(w);

		/* A packet taken from a stack goes back to it. */
		if (f->pkt != NULL) {
			erg_pkt_free(f->dst->s, f->pkt);
		}
		free(f);
	}
	for (i = 0; i < 2; i++) {
		while (w->spare[i] != NULL) {
			struct loop_frame *f = w->spare[i];

			w->spare[i] = f->next;
			free(f);
		}
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
	const struct loop_frame *f = loop_first(w);

	return f != NULL ? f->when : ERG_TIME_NEVER;
}

size_t
erg_loop_wire_pending(const struct erg_loop_wire *w)
{
	return w->n + w->nfifo;
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

/* Copies the frame's len bytes to `to`: the one copy the wire makes. */
static void
loop_gather(struct erg_loop_wire *w, uint8_t *to, const struct loop_src *fs)
{
	unsigned i;

	w->st.copied_bytes += fs->len;
	if (fs->linear != NULL) {
		memcpy(to, fs->linear, fs->len);
		return;
	}
	for (i = 0; i < fs->n; i++) {
		if (fs->iov[i].len != 0) {
			memcpy(to, fs->iov[i].base, fs->iov[i].len);
			to += fs->iov[i].len;
		}
	}
}

/*
 * A packet of dst's pool with room for len bytes at the usual headroom,
 * for a copy due at once, or NULL to keep the copy in wire memory. See
 * the decisions at the top: fewer packets in use than the high-water mark
 * means the pool has one free, so the allocation cannot fail.
 */
static struct erg_pkt *
loop_rx_pkt(const struct loop_port *src, const struct loop_port *dst,
    size_t len)
{
	struct erg_pkt *pkt;

	if (dst->s == src->s ||
	    erg_stat_get(dst->s, ERG_STAT_PKT_IN_USE) >=
	        erg_stat_get(dst->s, ERG_STAT_PKT_HIGH_WATER)) {
		return NULL;
	}
	pkt = erg_pkt_alloc(dst->s);
	if (pkt == NULL) {
		return NULL;
	}
	if (len > UINT32_MAX || erg_pkt_put(pkt, (uint32_t)len) == NULL) {
		/* Too big: delivery counts it (rx_toobig). */
		erg_pkt_free(dst->s, pkt);
		return NULL;
	}
	return pkt;
}

/* A frame in wire memory for len bytes, or NULL. */
static struct loop_frame *
loop_frame_new(struct erg_loop_wire *w, size_t len)
{
	struct loop_frame *f;
	size_t cap = len;
	unsigned k = len != 0;

	if (len != 0 && len <= LOOP_FRAME_SMALL) {
		cap = LOOP_FRAME_SMALL;
	}
	if (cap <= LOOP_FRAME_SMALL && w->spare[k] != NULL) {
		f = w->spare[k];
		w->spare[k] = f->next;
		return f;
	}
	f = malloc(sizeof(*f) + (cap != 0 ? cap : 1));
	if (f != NULL) {
		f->cap = cap;
	}
	return f;
}

/*
 * Puts one copy of a frame in flight to dst: delay, jitter and reordering
 * pick its due time, and corruption may flip one bit of it.
 */
static void
loop_schedule(struct erg_loop_wire *w, const struct loop_port *src,
    struct loop_port *dst, const struct loop_src *fs)
{
	const struct erg_loop_impair *imp = &w->imp;
	struct erg_pkt *pkt = NULL;
	struct loop_frame *f;
	uint8_t *data;
	uint64_t when;

	if (w->n + w->nfifo >= ERG_LOOP_MAX_PENDING) {
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
	if (when == w->clock) {
		pkt = loop_rx_pkt(src, dst, fs->len);
	}
	f = loop_frame_new(w, pkt != NULL ? 0 : fs->len);
	if (f == NULL) {
		erg_pkt_free(dst->s, pkt);
		w->st.queue_full++;
		return;
	}
	f->when = when;
	f->seq = w->seq++;
	f->dst = dst;
	f->pkt = pkt;
	f->len = fs->len;
	data = pkt != NULL ? erg_pkt_data(pkt) : f->data;
	loop_gather(w, data, fs);
	if (pkt != NULL) {
		w->st.direct++;
	}
	if (fs->len != 0 && loop_chance(w, imp->corrupt_ppm)) {
		uint64_t bit = loop_rand_upto(w, (uint64_t)fs->len * 8 - 1);

		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		w->st.corrupted++;
	}
	if (loop_push(w, f) < 0) {
		erg_pkt_free(dst->s, pkt);
		f->pkt = NULL;
		loop_frame_put(w, f);
		w->st.queue_full++;
	}
}

/* One (frame, destination) pair: filter, loss, duplication. */
static void
loop_copy(struct erg_loop_wire *w, const struct loop_port *src,
    struct loop_port *dst, const struct loop_src *fs)
{
	w->st.copies++;
	/* With a filter set the frame was linearised (loop_transmit). */
	if (w->filter != NULL &&
	    w->filter(w->filter_ctx, src->index, dst->index, fs->linear,
	        fs->len, w->clock)) {
		w->st.filtered++;
		return;
	}
	if (loop_chance(w, w->imp.loss_ppm)) {
		w->st.lost++;
		return;
	}
	loop_schedule(w, src, dst, fs);
	if (loop_chance(w, w->imp.dup_ppm)) {
		w->st.duplicated++;
		loop_schedule(w, src, dst, fs);
	}
}

/*
 * Switches one frame: to the owner of its destination MAC (the first
 * mac_len bytes of the frame, up to 6), or flooded.
 */
static void
loop_switch(struct erg_loop_wire *w, const struct loop_port *src,
    const struct loop_src *fs, const uint8_t *mac, size_t mac_len)
{
	bool group = mac_len >= ERG_ETHER_ADDR_LEN && erg_ether_is_group(mac);
	bool found = false;
	unsigned i;

	for (i = 0; i < w->nports; i++) {
		struct loop_port *p = w->ports[i];

		if (p == src) {
			continue;
		}
		if (group ||
		    (mac_len >= ERG_ETHER_ADDR_LEN &&
		        memcmp(mac, p->mac, ERG_ETHER_ADDR_LEN) == 0)) {
			loop_copy(w, src, p, fs);
			found = true;
		}
	}
	if (!group && !found) {
		w->st.no_dst++;
	}
}

/* Makes fs->linear: the frame in one piece, in the scratch buffer. */
static int
loop_linearise(struct erg_loop_wire *w, struct loop_src *fs)
{
	static const uint8_t empty[1]; /* a frame of 0 bytes */

	if (fs->len > w->scratch_cap) {
		uint8_t *p = realloc(w->scratch, fs->len);

		if (p == NULL) {
			return -ERG_ENOMEM;
		}
		w->scratch = p;
		w->scratch_cap = fs->len;
	}
	loop_gather(w, w->scratch, fs);
	fs->linear = w->scratch != NULL ? w->scratch : empty;
	return 0;
}

/*
 * One copy of a unicast frame on a perfect wire: what loop_copy and
 * loop_schedule do when no probability can fire and no delay applies
 * (due at once: the FIFO).
 */
static void
loop_copy_plain(struct erg_loop_wire *w, const struct loop_port *src,
    struct loop_port *dst, const struct loop_src *fs)
{
	struct erg_pkt *pkt;
	struct loop_frame *f;

	w->st.copies++;
	if (w->n + w->nfifo >= ERG_LOOP_MAX_PENDING) {
		w->st.queue_full++;
		return;
	}
	pkt = loop_rx_pkt(src, dst, fs->len);
	f = loop_frame_new(w, pkt != NULL ? 0 : fs->len);
	if (f == NULL) {
		erg_pkt_free(dst->s, pkt);
		w->st.queue_full++;
		return;
	}
	f->when = w->clock;
	f->seq = w->seq++;
	f->dst = dst;
	f->pkt = pkt;
	f->len = fs->len;
	if (pkt != NULL) {
		loop_gather(w, erg_pkt_data(pkt), fs);
		w->st.direct++;
	} else {
		loop_gather(w, f->data, fs);
	}
	loop_fifo_append(w, f);
}

/*
 * The short path of loop_transmit: a perfect wire and a unicast
 * destination MAC in the first piece. The same outcome as the general
 * path (loop_switch, loop_copy, loop_schedule), counters included.
 */
static void
loop_transmit_plain(struct erg_loop_wire *w, const struct loop_port *src,
    const struct loop_src *fs, const uint8_t *mac)
{
	bool found = false;
	unsigned i;

	for (i = 0; i < w->nports; i++) {
		struct loop_port *p = w->ports[i];

		if (p != src && memcmp(mac, p->mac, ERG_ETHER_ADDR_LEN) == 0) {
			loop_copy_plain(w, src, p, fs);
			found = true;
		}
	}
	if (!found) {
		w->st.no_dst++;
	}
}

static int
loop_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct loop_port *src = drv;
	struct erg_loop_wire *w = src->w;
	uint64_t now = erg_stack_now(src->s);
	struct loop_src fs;
	uint8_t mac[ERG_ETHER_ADDR_LEN];
	const uint8_t *dmac = mac;
	size_t mac_len = 0;
	unsigned i;

	fs.iov = iov;
	fs.n = n;
	fs.len = 0;
	fs.linear = NULL;
	for (i = 0; i < n; i++) {
		if (iov[i].len > SIZE_MAX - fs.len) {
			return -ERG_EINVAL;
		}
		fs.len += iov[i].len;
	}
	if (w->plain && n > 0 && iov[0].len >= ERG_ETHER_ADDR_LEN &&
	    !erg_ether_is_group(iov[0].base)) {
		if (now > w->clock) {
			w->clock = now;
		}
		w->st.sent++;
		w->st.sent_bytes += fs.len;
		loop_transmit_plain(w, src, &fs, iov[0].base);
		return 0;
	}
	if ((w->dumper != NULL || w->filter != NULL) &&
	    loop_linearise(w, &fs) < 0) {
		return -ERG_ENOMEM;
	}
	if (now > w->clock) {
		w->clock = now;
	}
	w->st.sent++;
	w->st.sent_bytes += fs.len;
	if (fs.linear != NULL) {
		loop_pcap_write(w, fs.linear, fs.len, w->clock);
	}
	/* The destination MAC, wherever the pieces put it. */
	if (n > 0 && iov[0].len >= ERG_ETHER_ADDR_LEN) {
		dmac = iov[0].base;
		mac_len = ERG_ETHER_ADDR_LEN;
	}
	for (i = 0; dmac == mac && i < n && mac_len < sizeof(mac); i++) {
		size_t k = iov[i].len;

		if (k > sizeof(mac) - mac_len) {
			k = sizeof(mac) - mac_len;
		}
		if (k != 0) {
			memcpy(mac + mac_len, iov[i].base, k);
			mac_len += k;
		}
	}
	loop_switch(w, src, &fs, dmac, mac_len);
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

/* Hands one copy to its destination; takes f's packet, if any. */
static void
loop_deliver(struct erg_loop_wire *w, struct loop_frame *f, uint64_t now)
{
	struct loop_port *dst = f->dst;
	struct erg_pkt *pkt = f->pkt;
	uint8_t *p;

	f->pkt = NULL;
	if (pkt == NULL) {
		pkt = erg_pkt_alloc(dst->s);
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
		w->st.copied_bytes += f->len;
	}
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
	for (;;) {
		struct loop_frame *f;

		if (w->n == 0) {
			/* Only the FIFO: its head is the earliest frame. */
			f = w->fifo;
			if (f == NULL || f->when > now_us || f->seq >= limit) {
				break;
			}
			w->fifo = f->next;
			if (w->fifo == NULL) {
				w->fifo_tail = NULL;
			}
			w->nfifo--;
		} else {
			f = loop_first(w);
			if (f == NULL || f->when > now_us || f->seq >= limit) {
				break;
			}
			f = loop_pop(w);
		}
		loop_deliver(w, f, now_us);
		loop_frame_put(w, f);
	}
}
