/*
 * src/tls/tls_session.c: the record pump between a BearSSL engine and
 * an erg TCP connection, and the session API of erg/tls.h.
 *
 * The pump (tls_pump) moves ciphertext both ways until neither side can
 * progress: records BearSSL has built (its sendrec buffer) are copied
 * into the TCP send ring through erg_tcp_reserve/commit, and received
 * bytes are copied from the TCP receive views (erg_tcp_peek/consume)
 * into BearSSL's record buffer, exactly as much as BearSSL asks for.
 * Those two copies are the only ones the record path makes; plaintext
 * is lent to the application in place (peek, reserve).
 *
 * Events. The TCP connection's callback (tls_on_tcp) pumps and then
 * tells the application what changed, at once: it already runs at a
 * safe point. Changes that an API call causes (a consume that lets the
 * next record in, which turns out to be close_notify) are posted on the
 * session's own event source and delivered at the next safe point.
 * Each event is edge-triggered and computed in one place (tls_events).
 *
 * Decisions where RFC 5246 leaves room:
 * - TLS 1.2 has no half-close: after close_notify is sent, what arrives
 *   is discarded (BearSSL does that), and a received close_notify is
 *   answered with ours (7.2.1).
 * - A TCP FIN without close_notify ends the stream with
 *   ERG_ETLS_TRUNCATED (counted tls.truncated): the data before it is
 *   still readable, and the application decides whether its protocol
 *   was complete (HTTP with a length often is).
 * - On failure the alert BearSSL queued is sent, then a TCP FIN; the
 *   connection stays until the application closes the session.
 * - erg_tls_close sends close_notify and a FIN, then waits, discarding
 *   what arrives, for the peer's close_notify or FIN (at most
 *   TLS_LINGER_US) before it closes the TCP connection: closing at once
 *   would answer the peer's close_notify with a reset, which can destroy
 *   the response it has not read yet.
 * - A freed session's keys and record buffer are wiped.
 */
#include "tls_int.h"

/* Pump rounds per call: each moves at least one byte, so it ends. */
#define TLS_PUMP_ROUNDS 64u
/* TCP views taken per pull. */
#define TLS_PULL_VIEWS 8u
/* ContentType alert (RFC 5246 6.2.1): BearSSL's record_type_out. */
#define TLS_CT_ALERT 21u

static void tls_ev_deliver(struct erg_evsrc *ev, unsigned bits);
static void tls_linger_fire(struct erg_stack *s, struct erg_timer *tm);
static void tls_on_tcp(struct erg_tcp_conn *c, unsigned ev, void *ctx);

/* ---- Allocation -------------------------------------------------------- */

/*
 * Whether c can carry a session: not closed, reset or timed out (read
 * from its state: erg_tcp_error would clear a pending soft error).
 */
static bool
tls_tcp_usable(const struct erg_tcp_conn *c)
{
	struct erg_tcp_info info;

	erg_tcp_info(c, &info);
	switch (info.state) {
	case ERG_TCP_SYN_SENT:
	case ERG_TCP_SYN_RECEIVED:
	case ERG_TCP_ESTABLISHED:
	case ERG_TCP_CLOSE_WAIT:
		return true;
	default:
		return false;
	}
}

int
erg_tls_alloc(struct erg_tcp_conn *tcp, erg_tls_event_fn cb, void *ctx,
    struct erg_tls **out)
{
	struct erg_stack *s = erg_tcp_stack(tcp);
	struct erg_tls *t;
	uint8_t *buf;

	if (!tls_tcp_usable(tcp)) {
		return -ERG_ESTATE;
	}
	t = s->tls != NULL ? erg_pool_get(s, &s->tls->pool) : NULL;
	if (t == NULL) {
		return -ERG_ENOMEM;
	}
	buf = t->buf;
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->s = s;
	t->tcp = tcp;
	t->cb = cb;
	t->ctx = ctx;
	t->ev.deliver = tls_ev_deliver;
	erg_timer_setup(&t->linger, tls_linger_fire);
	*out = t;
	return 0;
}

/* Wipes what the session knew (keys, plaintext) and frees it. */
static void
tls_free(struct erg_tls *t)
{
	struct erg_stack *s = t->s;
	uint8_t *buf = t->buf;

	erg_event_cancel(s, &t->ev);
	erg_timer_cancel(s, &t->linger);
	memset(buf, 0, s->tls->buf_size);
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	erg_pool_put(s, &s->tls->pool, t);
}

void
erg_tls_free_unstarted(struct erg_tls *t)
{
	tls_free(t);
}

/* ---- The pump ---------------------------------------------------------- */

/*
 * A client that rejects the server's certificate tells the server why
 * (RFC 5246 7.2.2; the codes of 7.2.2 as browsers use them): BearSSL
 * fails without an alert there. The alert goes in the clear, as every
 * record before ChangeCipherSpec, and the client has sent none yet when
 * it judges the server's Certificate message.
 */
static void
tls_cert_alert(struct erg_tls *t, int err)
{
	unsigned v = t->eng->version_out != 0 ? t->eng->version_out : BR_TLS12;
	uint8_t rec[7];

	rec[0] = 21; /* alert */
	rec[1] = (uint8_t)(v >> 8);
	rec[2] = (uint8_t)v;
	rec[3] = 0;
	rec[4] = 2;
	rec[5] = 2; /* fatal */
	switch (-err) {
	case ERG_ETLS_EXPIRED:
		rec[6] = 45; /* certificate_expired */
		break;
	case ERG_ETLS_UNKNOWNCA:
		rec[6] = 48; /* unknown_ca */
		break;
	case ERG_ETLS_HOSTNAME:
		rec[6] = 46; /* certificate_unknown */
		break;
	default:
		rec[6] = 42; /* bad_certificate */
		break;
	}
	(void)erg_tcp_write(t->tcp, rec, sizeof(rec));
}

/* Marks t failed with err (first error wins) and counts why. */
static void
tls_fail(struct erg_tls *t, int err)
{
	struct erg_stack *s = t->s;

	if (t->flags & TLSF_DEAD) {
		return;
	}
	t->flags |= TLSF_DEAD;
	t->err = err;
	switch (-err) {
	case ERG_ETLS_BADCERT:
	case ERG_ETLS_HOSTNAME:
	case ERG_ETLS_EXPIRED:
	case ERG_ETLS_UNKNOWNCA:
		ERG_COUNT(s, TLS_CERT_FAIL);
		if ((t->flags & (TLSF_SERVER | TLSF_HS_SEEN)) == 0) {
			tls_cert_alert(t, err);
		}
		break;
	case ERG_ETLS_ALERT:
		ERG_COUNT(s, TLS_ALERTS_RX);
		break;
	case ERG_ETLS_PROTOCOL:
		ERG_COUNT(s, TLS_PROTOCOL_ERR);
		break;
	case ERG_ETLS_TRUNCATED:
		ERG_COUNT(s, TLS_TRUNCATED);
		break;
	default:
		break;
	}
	if ((t->flags & (TLSF_HS_DONE | TLSF_HS_SEEN)) == 0) {
		ERG_COUNT(s, TLS_HANDSHAKE_FAIL);
	}
}

/* Engine -> TCP send ring. Returns whether bytes moved. */
static bool
tls_push(struct erg_tls *t)
{
	struct erg_wview w[2];
	unsigned char *rec;
	size_t len, done = 0, n;
	int nw, i, r;

	rec = br_ssl_engine_sendrec_buf(t->eng, &len);
	if (rec == NULL || len == 0) {
		return false;
	}
	nw = erg_tcp_reserve(t->tcp, w);
	if (nw < 0) {
		tls_fail(t, nw);
		return false;
	}
	for (i = 0; i < nw && done < len; i++) {
		n = len - done < w[i].len ? len - done : w[i].len;
		memcpy(w[i].p, rec + done, n);
		done += n;
	}
	if (done == 0) {
		return false;
	}
	r = erg_tcp_commit(t->tcp, done);
	if (r < 0) {
		tls_fail(t, r);
		return false;
	}
	br_ssl_engine_sendrec_ack(t->eng, done);
	t->s->stats[ERG_STAT_TLS_REC_OUT_BYTES] += done;
	return true;
}

/* TCP receive views -> engine. Returns whether bytes moved. */
static bool
tls_pull(struct erg_tls *t)
{
	struct erg_view v[TLS_PULL_VIEWS];
	unsigned char *rec;
	size_t len, done = 0, n;
	int nv, i, r;

	/* Mono mode: a reserved window is the same memory the next record
	 * would land in; wait for the commit. */
	if ((t->flags & TLSF_RESERVED) && t->eng->ibuf == t->eng->obuf) {
		return false;
	}
	rec = br_ssl_engine_recvrec_buf(t->eng, &len);
	if (rec == NULL || len == 0) {
		return false;
	}
	if ((t->flags & (TLSF_SERVER | TLSF_HELLO_SEEN)) == TLSF_SERVER &&
	    !erg_tls_hello_ready(t, len)) {
		return false;
	}
	nv = erg_tcp_peek(t->tcp, v, TLS_PULL_VIEWS);
	if (nv <= 0) {
		if (nv < 0) {
			tls_fail(t, nv);
		}
		return false;
	}
	for (i = 0; i < nv && done < len; i++) {
		n = len - done < v[i].len ? len - done : v[i].len;
		memcpy(rec + done, v[i].p, n);
		done += n;
	}
	r = erg_tcp_consume(t->tcp, done);
	if (r < 0) {
		tls_fail(t, r);
		return false;
	}
	if ((t->flags & (TLSF_SERVER | TLSF_HELLO_SEEN)) == TLSF_SERVER) {
		erg_tls_hello_watch(t, rec, done);
	}
	br_ssl_engine_recvrec_ack(t->eng, done);
	t->s->stats[ERG_STAT_TLS_REC_IN_BYTES] += done;
	return true;
}

/*
 * Moves records until neither side progresses (a round either moves
 * bytes or ends the loop, and TLS_PUMP_ROUNDS bounds it anyway).
 */
static void
tls_pump_rounds(struct erg_tls *t)
{
	unsigned st, round;
	bool moved;

	for (round = 0; round < TLS_PUMP_ROUNDS; round++) {
		st = br_ssl_engine_current_state(t->eng);
		if (st & BR_SSL_CLOSED) {
			break;
		}
		/* Noted here: the engine may close again (the peer's
		 * close_notify) before tls_events looks. */
		if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) {
			t->flags |= TLSF_HS_SEEN;
		}
		moved = false;
		if (st & BR_SSL_SENDREC) {
			moved |= tls_push(t);
		}
		if (st & BR_SSL_RECVREC) {
			moved |= tls_pull(t);
		}
		/*
		 * BearSSL's closing code waits for room to write
		 * close_notify, but a discarded application record (mono
		 * mode) frees the buffer without waking it: wake it until
		 * the alert is out.
		 */
		if ((t->flags & TLSF_SHUT) &&
		    t->eng->record_type_out != TLS_CT_ALERT &&
		    (br_ssl_engine_current_state(t->eng) &
		        (BR_SSL_CLOSED | BR_SSL_SENDREC)) == 0) {
			br_ssl_engine_close(t->eng);
			moved |= (br_ssl_engine_current_state(t->eng) &
			             BR_SSL_SENDREC) != 0;
		}
		if (!moved || (t->flags & TLSF_DEAD)) {
			break;
		}
	}
}

/*
 * After the rounds: how the engine ended, if it just did (closed
 * cleanly or failed), and a TCP end of stream without close_notify.
 */
static void
tls_note_end(struct erg_tls *t, bool was_closed)
{
	unsigned st = br_ssl_engine_current_state(t->eng);
	int e;

	if (st & BR_SSL_CLOSED) {
		if (was_closed) {
			return;
		}
		e = erg_tls_map_error(br_ssl_engine_last_error(t->eng),
		    &t->alert);
		if (e != 0) {
			tls_fail(t, e);
		} else if ((t->flags & TLSF_SHUT) == 0) {
			ERG_COUNT(t->s, TLS_CLOSE_NOTIFY_RX);
		}
	} else if ((t->flags & TLSF_TCP_EOF) && (st & BR_SSL_RECVREC) &&
	    erg_tcp_readable(t->tcp) == 0) {
		/*
		 * FIN, and the engine still waits for a record: cut short,
		 * unless we closed first (a peer may answer our close_notify
		 * with a bare FIN).
		 */
		if (t->flags & TLSF_SHUT) {
			t->flags |= TLSF_ENDED;
		} else {
			tls_fail(t, -ERG_ETLS_TRUNCATED);
		}
	}
}

/*
 * A failed or shut session ends its TCP send side once the alert or
 * close_notify has gone into the ring.
 */
static void
tls_shut_tcp(struct erg_tls *t)
{
	unsigned st;

	if ((t->flags & (TLSF_DEAD | TLSF_SHUT)) == 0 ||
	    (t->flags & TLSF_TCP_SHUT)) {
		return;
	}
	st = br_ssl_engine_current_state(t->eng);
	if ((t->flags & TLSF_DEAD) || (st & BR_SSL_CLOSED) ||
	    (t->eng->record_type_out == TLS_CT_ALERT &&
	        (st & BR_SSL_SENDREC) == 0)) {
		t->flags |= TLSF_TCP_SHUT;
		(void)erg_tcp_shutdown(t->tcp);
	}
}

/* Moves records both ways, then notes how things ended. */
static void
tls_pump(struct erg_tls *t)
{
	bool was_closed;

	if (t->flags & TLSF_DEAD) {
		/* What is left is the alert; push it if it fits. */
		(void)tls_push(t);
	} else {
		was_closed =
		    (br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED) != 0;
		tls_pump_rounds(t);
		tls_note_end(t, was_closed);
	}
	tls_shut_tcp(t);
}

/* Whether the engine is closed for good (cleanly or not). */
static bool
tls_engine_closed(struct erg_tls *t)
{
	return (t->flags & (TLSF_DEAD | TLSF_ENDED)) ||
	    (br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED);
}

/*
 * What the application has not been told yet, as event bits; marks it
 * told. The one place events are decided.
 */
static unsigned
tls_events(struct erg_tls *t)
{
	unsigned ev = 0, st;
	size_t len;

	st = (t->flags & TLSF_DEAD) ? BR_SSL_CLOSED :
	                              br_ssl_engine_current_state(t->eng);
	if ((t->flags & TLSF_HS_DONE) == 0 &&
	    ((st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) ||
	        (t->flags & TLSF_HS_SEEN))) {
		t->flags |= TLSF_HS_DONE;
		ev |= ERG_TLS_EV_HANDSHAKE;
		ERG_COUNT(t->s, TLS_HANDSHAKES);
		if ((t->flags & TLSF_RESUMING) &&
		    t->eng->session.session_id_len == t->offered_id_len &&
		    t->offered_id_len > 0 &&
		    memcmp(t->eng->session.session_id, t->offered_id,
		        t->offered_id_len) == 0) {
			t->flags |= TLSF_RESUMED;
		}
		if (t->flags & TLSF_RESUMED) {
			ERG_COUNT(t->s, TLS_RESUMED);
		}
	}
	/* Data decrypted before a failure is still readable (peek). */
	if ((t->flags & TLSF_RD_TOLD) == 0 &&
	    br_ssl_engine_recvapp_buf(t->eng, &len) != NULL && len > 0) {
		t->flags |= TLSF_RD_TOLD;
		ev |= ERG_EV_READABLE;
	}
	if ((t->flags & TLSF_WANT_WRITE) && (st & BR_SSL_SENDAPP)) {
		t->flags &= ~TLSF_WANT_WRITE;
		ev |= ERG_EV_WRITABLE;
	}
	if ((t->flags & TLSF_CLOSED_EV) == 0 && tls_engine_closed(t)) {
		t->flags |= TLSF_CLOSED_EV;
		ev |= ERG_TLS_EV_CLOSED;
		if (t->err != 0) {
			ev |= ERG_EV_ERROR;
		}
	}
	return ev;
}

/* Discards unread ciphertext, then closes the TCP connection, frees t. */
static void
tls_finish(struct erg_tls *t)
{
	size_t n = erg_tcp_readable(t->tcp);

	if (n > 0) {
		(void)erg_tcp_consume(t->tcp, n);
	}
	erg_tcp_close(t->tcp);
	tls_free(t);
}

/*
 * An orphan ends when the peer has answered (its close_notify closed
 * the engine, or its FIN came), when the connection failed, or when the
 * linger timer gives up. Until then what arrives is decrypted and
 * dropped, so that the peer's close_notify can get through.
 */
static void
tls_orphan_step(struct erg_tls *t)
{
	size_t len;
	unsigned round;

	for (round = 0; round < TLS_PUMP_ROUNDS; round++) {
		if (br_ssl_engine_recvapp_buf(t->eng, &len) == NULL) {
			break;
		}
		br_ssl_engine_recvapp_ack(t->eng, len);
		tls_pump(t);
	}
	if ((t->flags & (TLSF_DEAD | TLSF_ENDED | TLSF_TCP_EOF)) ||
	    (br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED)) {
		tls_finish(t);
		return;
	}
	/*
	 * Linger once our last record is out (TCP shut), or when nothing
	 * of ours waits to be sent at all: in mono mode BearSSL cannot
	 * write close_notify while the peer's record is half received, and
	 * a peer that stalls there would hold the orphan for ever.
	 */
	if (((t->flags & TLSF_TCP_SHUT) ||
	        (br_ssl_engine_current_state(t->eng) & BR_SSL_SENDREC) == 0) &&
	    !erg_timer_armed(&t->linger)) {
		erg_timer_arm(t->s, &t->linger,
		    erg_stack_now(t->s) + TLS_LINGER_US);
	}
}

static void
tls_linger_fire(struct erg_stack *s, struct erg_timer *tm)
{
	struct erg_tls *t = ERG_CONTAINER_OF(tm, struct erg_tls, linger);

	(void)s;
	tls_finish(t);
}

/* After an API call pumped: tell the application at the next safe point. */
static void
tls_after_call(struct erg_tls *t)
{
	unsigned ev = tls_events(t);

	if (ev != 0) {
		erg_event_post(t->s, &t->ev, ev);
	}
}

static void
tls_ev_deliver(struct erg_evsrc *ev, unsigned bits)
{
	struct erg_tls *t = ERG_CONTAINER_OF(ev, struct erg_tls, ev);

	if (t->cb != NULL && (t->flags & TLSF_ORPHAN) == 0) {
		t->cb(t, bits, t->ctx);
	}
}

/* The TCP connection's callback: the session owns it. */
static void
tls_on_tcp(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct erg_tls *t = ctx;
	unsigned out;
	int e;

	(void)c;
	if (ev & ERG_TCP_EV_PEER_CLOSED) {
		t->flags |= TLSF_TCP_EOF;
	}
	if (ev & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) {
		e = erg_tcp_error(t->tcp);
		tls_fail(t, e != 0 ? e : -ERG_ECONNRESET);
	}
	tls_pump(t);
	if (t->flags & TLSF_ORPHAN) {
		tls_orphan_step(t);
		return;
	}
	/* Anything posted by an API call goes out with this. */
	out = tls_events(t) | t->ev.pending;
	erg_event_cancel(t->s, &t->ev);
	if (out != 0 && t->cb != NULL) {
		/* Last: the callback may close t. */
		t->cb(t, out, t->ctx);
	}
}

void
erg_tls_start(struct erg_tls *t)
{
	erg_tcp_set_callback(t->tcp, tls_on_tcp, t);
	/*
	 * The pump commits whole records and flights: Nagle would only hold
	 * the last segment of each until the peer's delayed ACK (measured:
	 * 40 ms per handshake flight). An application streaming bulk data
	 * may turn it back on through erg_tls_tcp.
	 */
	erg_tcp_set_nodelay(t->tcp, true);
	tls_pump(t);
	tls_after_call(t);
}

/* ---- Sending ----------------------------------------------------------- */

/* 0 if t may take plaintext now, else the error to return. */
static int
tls_send_state(struct erg_tls *t)
{
	if (t->flags & TLSF_DEAD) {
		return t->err;
	}
	if (t->flags & TLSF_SHUT) {
		return -ERG_ESTATE;
	}
	if (br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED) {
		return -ERG_ESTATE;
	}
	return 0;
}

long
erg_tls_write(struct erg_tls *t, const void *data, size_t len)
{
	const uint8_t *p = data;
	unsigned char *buf;
	size_t done = 0, avail, n;
	unsigned round;
	int e;

	e = tls_send_state(t);
	if (e != 0) {
		return e;
	}
	if (len == 0) {
		return 0;
	}
	/* The window a reserve lent ends here (erg/tls.h). */
	t->flags &= ~TLSF_RESERVED;
	/*
	 * One record per round (BearSSL's buffer holds one), pushed to TCP
	 * at once to make room for the next. Bounded: a round either takes
	 * bytes or ends the loop.
	 */
	for (round = 0; done < len && round < TLS_PUMP_ROUNDS; round++) {
		buf = br_ssl_engine_sendapp_buf(t->eng, &avail);
		if (buf == NULL || avail == 0) {
			break;
		}
		n = len - done < avail ? len - done : avail;
		memcpy(buf, p + done, n);
		br_ssl_engine_sendapp_ack(t->eng, n);
		br_ssl_engine_flush(t->eng, 0);
		done += n;
		tls_pump(t);
		if (t->flags & TLSF_DEAD) {
			break;
		}
	}
	t->bytes_out += done;
	t->s->stats[ERG_STAT_TLS_APP_OUT_BYTES] += done;
	t->s->stats[ERG_STAT_TLS_APP_COPIED_BYTES] += done;
	if (done == 0) {
		tls_after_call(t);
		if (t->flags & TLSF_DEAD) {
			return t->err;
		}
		t->flags |= TLSF_WANT_WRITE;
		return -ERG_EAGAIN;
	}
	if (done < len) {
		t->flags |= TLSF_WANT_WRITE;
	}
	tls_after_call(t);
	return (long)done;
}

int
erg_tls_reserve(struct erg_tls *t, struct erg_wview *w)
{
	unsigned char *buf;
	size_t avail;
	int e;

	e = tls_send_state(t);
	if (e != 0) {
		return e;
	}
	buf = br_ssl_engine_sendapp_buf(t->eng, &avail);
	if (buf == NULL || avail == 0) {
		t->flags |= TLSF_WANT_WRITE;
		w->p = NULL;
		w->len = 0;
		return 0;
	}
	w->p = buf;
	w->len = avail;
	t->flags |= TLSF_RESERVED;
	return 1;
}

int
erg_tls_commit(struct erg_tls *t, size_t n)
{
	size_t avail;
	int e;

	e = tls_send_state(t);
	if (e != 0) {
		return e;
	}
	if ((t->flags & TLSF_RESERVED) == 0 ||
	    br_ssl_engine_sendapp_buf(t->eng, &avail) == NULL || n > avail) {
		return n == 0 ? 0 : -ERG_EINVAL;
	}
	t->flags &= ~TLSF_RESERVED;
	if (n == 0) {
		return 0;
	}
	br_ssl_engine_sendapp_ack(t->eng, n);
	br_ssl_engine_flush(t->eng, 0);
	t->bytes_out += n;
	t->s->stats[ERG_STAT_TLS_APP_OUT_BYTES] += n;
	tls_pump(t);
	tls_after_call(t);
	return (t->flags & TLSF_DEAD) ? t->err : 0;
}

/* ---- Receiving --------------------------------------------------------- */

int
erg_tls_peek(struct erg_tls *t, struct erg_view *v)
{
	unsigned char *buf;
	size_t len = 0;

	/* Data decrypted before a failure is still handed out (BearSSL
	 * lends none once the engine itself failed). */
	buf = br_ssl_engine_recvapp_buf(t->eng, &len);
	if (buf != NULL && len > 0) {
		v->p = buf;
		v->len = len;
		return 1;
	}
	v->p = NULL;
	v->len = 0;
	/* A truncated stream still hands out what came before the FIN. */
	if ((t->flags & TLSF_DEAD) && t->err != -ERG_ETLS_TRUNCATED) {
		return t->err;
	}
	return 0;
}

int
erg_tls_consume(struct erg_tls *t, size_t n)
{
	size_t len = 0;

	if (n == 0) {
		return 0;
	}
	if (br_ssl_engine_recvapp_buf(t->eng, &len) == NULL || n > len) {
		return -ERG_EINVAL;
	}
	br_ssl_engine_recvapp_ack(t->eng, n);
	t->bytes_in += n;
	t->s->stats[ERG_STAT_TLS_APP_IN_BYTES] += n;
	if (n == len) {
		t->flags &= ~TLSF_RD_TOLD;
		/* The record is used up: let the next ones in. */
		tls_pump(t);
	}
	tls_after_call(t);
	return 0;
}

long
erg_tls_read(struct erg_tls *t, void *buf, size_t cap)
{
	struct erg_view v;
	uint8_t *out = buf;
	size_t done = 0, n;
	unsigned round;
	int r;

	for (round = 0; done < cap && round < TLS_PUMP_ROUNDS; round++) {
		r = erg_tls_peek(t, &v);
		if (r <= 0) {
			if (done == 0) {
				if (r < 0) {
					return r;
				}
				return tls_engine_closed(t) ? 0 : -ERG_EAGAIN;
			}
			break;
		}
		n = cap - done < v.len ? cap - done : v.len;
		memcpy(out + done, v.p, n);
		done += n;
		(void)erg_tls_consume(t, n);
	}
	t->s->stats[ERG_STAT_TLS_APP_COPIED_BYTES] += done;
	return (long)done;
}

size_t
erg_tls_readable(const struct erg_tls *t)
{
	size_t len = 0;

	if (br_ssl_engine_recvapp_buf(t->eng, &len) == NULL) {
		len = 0;
	}
	return len;
}

size_t
erg_tls_writable(const struct erg_tls *t)
{
	size_t len = 0;

	if (tls_send_state((struct erg_tls *)t) != 0 ||
	    br_ssl_engine_sendapp_buf(t->eng, &len) == NULL) {
		len = 0;
	}
	return len;
}

/* ---- Ending ------------------------------------------------------------ */

int
erg_tls_shutdown(struct erg_tls *t)
{
	if (t->flags & TLSF_DEAD) {
		return t->err;
	}
	if (t->flags & TLSF_SHUT) {
		return -ERG_ESTATE;
	}
	t->flags |= TLSF_SHUT;
	br_ssl_engine_close(t->eng);
	tls_pump(t);
	tls_after_call(t);
	return 0;
}

void
erg_tls_close(struct erg_tls *t)
{
	erg_event_cancel(t->s, &t->ev);
	t->cb = NULL;
	t->flags |= TLSF_ORPHAN;
	if ((t->flags & (TLSF_DEAD | TLSF_SHUT)) == 0 &&
	    (br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED) == 0) {
		t->flags |= TLSF_SHUT;
		br_ssl_engine_close(t->eng);
	}
	tls_pump(t);
	tls_orphan_step(t);
}

void
erg_tls_abort(struct erg_tls *t)
{
	erg_tcp_abort(t->tcp);
	tls_free(t);
}

int
erg_tls_error(const struct erg_tls *t)
{
	return t->err;
}

struct erg_tcp_conn *
erg_tls_tcp(struct erg_tls *t)
{
	return t->tcp;
}

int
erg_tls_save(const struct erg_tls *t, struct erg_tls_saved *out)
{
	br_ssl_session_parameters sp;

	if ((t->flags & TLSF_SERVER) || (t->flags & TLSF_HS_DONE) == 0) {
		return -ERG_ESTATE;
	}

	memset(out, 0, sizeof(*out));
	br_ssl_engine_get_session_parameters(t->eng, &sp);
	memcpy(out->opaque, &sp, sizeof(sp)); /* out may be unaligned */
	memset(&sp, 0, sizeof(sp));
	return 0;
}

void
erg_tls_info(const struct erg_tls *t, struct erg_tls_info *info)
{
	br_ssl_engine_context *eng = t->eng;
	const char *name;

	memset(info, 0, sizeof(*info));
	info->handshake_done = (t->flags & TLSF_HS_DONE) != 0;
	info->resumed = (t->flags & TLSF_RESUMED) != 0;
	info->server = (t->flags & TLSF_SERVER) != 0;
	if (info->handshake_done) {
		info->version = br_ssl_engine_get_version(eng);
		info->cipher = eng->session.cipher_suite;
		info->alpn = br_ssl_engine_get_selected_protocol(eng);
	}
	info->cipher_name = erg_tls_cipher_name(info->cipher);
	info->engine_error = br_ssl_engine_last_error(eng);
	name = br_ssl_engine_get_server_name(eng); /* an array: never NULL */
	info->server_name = name[0] != '\0' ? name : NULL;
	info->alert = t->alert;
	info->bytes_in = t->bytes_in;
	info->bytes_out = t->bytes_out;
}
