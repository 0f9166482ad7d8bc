/*
 * src/dns/dns_tcp.c: asking over TCP after a truncated UDP answer
 * (RFC 1035 4.2.2, RFC 7766).
 *
 * One connection per query, to the server whose UDP answer had TC set,
 * from an ephemeral port. The query goes out with its two-byte length
 * prefix as soon as the connection is opened (the send ring holds it
 * until the handshake is done); the answer's prefix is read into the
 * query slot, then the answer itself into the slot's cfg.dns_msg_max
 * buffer, and nothing is read before the whole query has been handed
 * to TCP (the buffer still holds its unsent part).
 *
 * Decisions:
 * - The attempt waits twice the round's UDP timeout: a TCP exchange
 *   costs at least one round trip more (the handshake) than UDP.
 * - An answer longer than cfg.dns_msg_max, shorter than a header, a
 *   connection refused, reset, timed out or closed before the answer is
 *   complete, and an answer that does not match the query (dns.spoofed;
 *   dns.malformed if it does not parse) all count as dns.tcp_fail and move
 *   to the next server. The connection is aborted (RST) on failure and
 *   closed gracefully after a good answer (RFC 7766 6.2.3: the client
 *   closes).
 * - One query per connection: no pipelining (RFC 7766 6.2.1.1 allows
 *   it; a stub with one question per slot has nothing to pipeline).
 */
#include "dns_int.h"

static void dns_tcp_event(struct erg_tcp_conn *c, unsigned events, void *ctx);

/* Hands TCP what it takes of the query. Returns 0 or an error. */
static int
dns_tcp_push(struct erg_dns_query *q)
{
	while (q->tcp_sent < q->tcp_qlen) {
		long n = erg_tcp_write(q->tcp, q->buf + q->tcp_sent,
		    (size_t)(q->tcp_qlen - q->tcp_sent));

		if (n == -ERG_EAGAIN) {
			return 0;
		}
		if (n < 0) {
			return (int)n;
		}
		q->tcp_sent = (uint16_t)(q->tcp_sent + n);
	}
	return 0;
}

int
dns_tcp_start(struct erg_stack *s, struct erg_dns_query *q)
{
	size_t len;
	int rc;

	q->id = (uint16_t)erg_rand32(s);
	len = dns_query_build(q, q->id, q->buf + 2, s->cfg.dns_msg_max - 2);
	if (len == 0) {
		return -ERG_EINVAL;
	}
	erg_put_be16(q->buf, (uint16_t)len);
	q->tcp_qlen = (uint16_t)(len + 2);
	q->tcp_sent = 0;
	q->tcp_have = 0;
	q->tcp_len = 0;
	rc = erg_tcp_connect(s, dns_attempt_server(q), ERG_DNS_PORT, 0,
	    dns_tcp_event, q, &q->tcp);
	if (rc < 0) {
		q->tcp = NULL;
		return rc;
	}
	ERG_COUNT(s, DNS_TCP_QUERIES);
	q->state = DNS_Q_TCP;
	rc = dns_tcp_push(q);
	if (rc < 0) {
		dns_tcp_stop(q, true);
		return rc;
	}
	erg_timer_arm(s, &q->timer, s->now + 2 * dns_attempt_wait(s, q));
	return 0;
}

void
dns_tcp_stop(struct erg_dns_query *q, bool abort)
{
	if (q->tcp == NULL) {
		return;
	}
	if (abort) {
		erg_tcp_abort(q->tcp);
	} else {
		erg_tcp_close(q->tcp);
	}
	q->tcp = NULL;
}

/* The attempt over TCP failed: next server. */
static void
dns_tcp_fail(struct erg_stack *s, struct erg_dns_query *q)
{
	ERG_COUNT(s, DNS_TCP_FAIL);
	dns_tcp_stop(q, true);
	erg_timer_cancel(s, &q->timer);
	dns_attempt_failed(s, q);
}

/*
 * Reads what has arrived of the answer. Returns 1 when it is complete, 0
 * to wait for more, or a negative error (end of stream, bad length, the
 * connection's error).
 */
static int
dns_tcp_pull(struct erg_stack *s, struct erg_dns_query *q)
{
	for (;;) {
		uint8_t *dst;
		size_t want;
		long n;

		if (q->tcp_have < 2) {
			dst = q->tcp_pfx + q->tcp_have;
			want = 2 - q->tcp_have;
		} else if (q->tcp_have - 2 < q->tcp_len) {
			dst = q->buf + (q->tcp_have - 2);
			want = q->tcp_len - (q->tcp_have - 2);
		} else {
			return 1;
		}
		n = erg_tcp_read(q->tcp, dst, want);
		if (n == -ERG_EAGAIN) {
			return 0;
		}
		if (n <= 0) {
			return n == 0 ? -ERG_ECONNRESET : (int)n;
		}
		q->tcp_have += (uint32_t)n;
		if (q->tcp_have == 2) {
			q->tcp_len = erg_be16(q->tcp_pfx);
			if (q->tcp_len < ERG_DNS_HDR_LEN ||
			    q->tcp_len > s->cfg.dns_msg_max) {
				ERG_COUNT(s, DNS_MALFORMED);
				return -ERG_EMSGSIZE;
			}
		}
	}
}

/* The whole answer is in q->buf: check it and act on it. */
static void
dns_tcp_answer(struct erg_stack *s, struct erg_dns_query *q)
{
	struct erg_dns_msg m;
	int rc;

	ERG_COUNT(s, DNS_RX);
	rc =
	    dns_response_check(q, erg_view_make(q->buf, q->tcp_len), &m, false);
	if (rc < 0) {
		if (rc == -ERG_EMALFORMED) {
			ERG_COUNT(s, DNS_MALFORMED);
		} else {
			ERG_COUNT(s, DNS_SPOOFED);
		}
		dns_tcp_fail(s, q);
		return;
	}
	dns_tcp_stop(q, false);
	erg_timer_cancel(s, &q->timer);
	dns_response(s, q, &m, true);
}

static void
dns_tcp_event(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct erg_dns_query *q = ctx;
	struct erg_stack *s = q->s;
	int rc;

	(void)c;
	if (events & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) {
		dns_tcp_fail(s, q);
		return;
	}
	if (dns_tcp_push(q) < 0) {
		dns_tcp_fail(s, q);
		return;
	}
	/* The buffer holds the query until TCP has taken all of it. */
	if (q->tcp_sent < q->tcp_qlen) {
		return;
	}
	rc = dns_tcp_pull(s, q);
	if (rc == 1) {
		dns_tcp_answer(s, q);
		return;
	}
	/* An error, or the server closed before its answer was complete. */
	if (rc < 0 || (events & ERG_TCP_EV_PEER_CLOSED) != 0) {
		dns_tcp_fail(s, q);
	}
}
