/*
 * tests/lib/tls_app.c: see tls_app.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_app.h"

#define TLS_APP_CHUNK 16384u /* bytes per copying read or write */

void
tls_app_init(struct tls_app *a, struct sim *sim, uint64_t tx_seed,
    uint64_t tx_total)
{
	memset(a, 0, sizeof(*a));
	a->sim = sim;
	a->tx_seed = tx_seed;
	a->tx_total = tx_total;
	a->tx_hash = SIM_HASH_INIT;
	a->rx_hash = SIM_HASH_INIT;
}

static uint64_t
tls_app_now(const struct tls_app *a)
{
	return a->sim != NULL ? a->sim->now : 0;
}

static void
tls_app_io_err(struct tls_app *a, long rc)
{
	if (a->io_err == 0) {
		a->io_err = (int)rc;
	}
}

/* A copy of s (or "") into buf of cap bytes. */
static void
tls_app_copy(char *buf, size_t cap, const char *s)
{
	snprintf(buf, cap, "%s", s != NULL ? s : "");
}

/* ---- Sending ------------------------------------------------------------ */

/* Copies: generate the next bytes, offer them, hash what was taken. */
static void
tls_app_write(struct tls_app *a)
{
	uint8_t buf[TLS_APP_CHUNK];

	while (a->t != NULL && a->tx_done < a->tx_total) {
		uint64_t left = a->tx_total - a->tx_done;
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		long rc;

		sim_stream_fill(buf, n, a->tx_seed, a->tx_done);
		rc = erg_tls_write(a->t, buf, n);
		if (rc == -ERG_EAGAIN) {
			return;
		}
		if (rc <= 0) {
			tls_app_io_err(a, rc);
			return;
		}
		assert_true((size_t)rc <= n);
		a->tx_hash = sim_hash_more(a->tx_hash, buf, (size_t)rc);
		a->tx_done += (uint64_t)rc;
	}
}

/* Zero copy: generate straight into the record being built, commit. */
static void
tls_app_commit(struct tls_app *a)
{
	while (a->t != NULL && a->tx_done < a->tx_total) {
		struct erg_wview w;
		uint64_t left = a->tx_total - a->tx_done;
		size_t n;
		int k, rc;

		k = erg_tls_reserve(a->t, &w);
		if (k <= 0) {
			if (k < 0) {
				tls_app_io_err(a, k);
			}
			return;
		}
		assert_int_equal(k, 1);
		assert_true(w.len > 0);
		/* One record holds at most 16 KiB of plaintext. */
		assert_true(w.len <= 16384);
		n = left < w.len ? (size_t)left : w.len;
		sim_stream_fill(w.p, n, a->tx_seed, a->tx_done);
		a->tx_hash = sim_hash_more(a->tx_hash, w.p, n);
		rc = erg_tls_commit(a->t, n);
		if (rc != 0) {
			/* What was hashed may not have gone: the test fails. */
			tls_app_io_err(a, rc);
			if (erg_tls_error(a->t) == 0) {
				fail_msg("erg_tls_commit(%zu) = %d", n, rc);
			}
			return;
		}
		a->tx_done += n;
	}
}

static void
tls_app_send(struct tls_app *a)
{
	int rc;

	if (a->tx_zc) {
		tls_app_commit(a);
	} else {
		tls_app_write(a);
	}
	if (a->t != NULL && a->tx_done == a->tx_total && a->tx_shut &&
	    !a->tx_shut_done && a->io_err == 0) {
		rc = erg_tls_shutdown(a->t);
		if (rc != 0) {
			tls_app_io_err(a, rc);
		}
		a->tx_shut_done = true;
	}
}

/* ---- Receiving ---------------------------------------------------------- */

static void
tls_app_read(struct tls_app *a)
{
	uint8_t buf[TLS_APP_CHUNK];

	while (a->t != NULL) {
		long rc = erg_tls_read(a->t, buf, sizeof(buf));

		if (rc == -ERG_EAGAIN) {
			return;
		}
		if (rc == 0) {
			a->rx_eof = true;
			return;
		}
		if (rc < 0) {
			tls_app_io_err(a, rc);
			return;
		}
		assert_true((size_t)rc <= sizeof(buf));
		a->rx_hash = sim_hash_more(a->rx_hash, buf, (size_t)rc);
		a->rx_done += (uint64_t)rc;
	}
}

static void
tls_app_peek(struct tls_app *a)
{
	while (a->t != NULL) {
		struct erg_view v;
		int k = erg_tls_peek(a->t, &v);

		if (k < 0) {
			tls_app_io_err(a, k);
			return;
		}
		if (k == 0) {
			assert_int_equal(erg_tls_readable(a->t), 0);
			/* Nothing now; after CLOSED, the end of stream. */
			if (a->ev & ERG_TLS_EV_CLOSED) {
				a->rx_eof = true;
			}
			return;
		}
		assert_int_equal(k, 1);
		assert_true(v.len > 0 && v.len <= 16384);
		assert_int_equal(erg_tls_readable(a->t), v.len);
		a->rx_hash = sim_hash_more(a->rx_hash, v.p, v.len);
		/* Consume in two steps: a part, then the rest. */
		if (v.len > 1) {
			assert_int_equal(erg_tls_consume(a->t, v.len / 2), 0);
			assert_int_equal(
			    erg_tls_consume(a->t, v.len - v.len / 2), 0);
		} else {
			assert_int_equal(erg_tls_consume(a->t, v.len), 0);
		}
		a->rx_done += v.len;
	}
}

static bool
tls_app_should_close(const struct tls_app *a)
{
	bool sent =
	    a->tx_done == a->tx_total && (!a->tx_shut || a->tx_shut_done);

	switch (a->close) {
	case TLS_APP_CLOSE_DONE:
		return sent && a->rx_done >= a->rx_want;
	case TLS_APP_CLOSE_EOF:
		return sent && a->rx_eof;
	default:
		return false;
	}
}

void
tls_app_pump(struct tls_app *a)
{
	if (a->t == NULL) {
		return;
	}
	if (!a->rx_hold) {
		if (a->rx_zc) {
			tls_app_peek(a);
		} else {
			tls_app_read(a);
		}
	}
	tls_app_send(a);
	if (a->t != NULL && tls_app_should_close(a)) {
		tls_app_close(a);
	}
}

void
tls_app_cb(struct erg_tls *t, unsigned events, void *ctx)
{
	struct tls_app *a = ctx;

	/* No callback after close or abort; always this app's session. */
	assert_false(a->closed);
	assert_ptr_equal(a->t, t);
	assert_true(events != 0);
	assert_true((events &
	                ~(ERG_EV_READABLE | ERG_EV_WRITABLE | ERG_EV_ERROR |
	                    ERG_TLS_EV_HANDSHAKE | ERG_TLS_EV_CLOSED)) == 0);
	/* Each of these comes once at most. */
	assert_false(
	    (events & ERG_TLS_EV_HANDSHAKE) && (a->ev & ERG_TLS_EV_HANDSHAKE));
	assert_false(
	    (events & ERG_TLS_EV_CLOSED) && (a->ev & ERG_TLS_EV_CLOSED));
	/* ERROR comes with CLOSED (erg/tls.h). */
	if (events & ERG_EV_ERROR) {
		assert_true(events & ERG_TLS_EV_CLOSED);
	}
	a->ev |= events;
	a->n_cb++;
	if (events & ERG_TLS_EV_HANDSHAKE) {
		a->n_handshake++;
		a->t_hs = tls_app_now(a);
		erg_tls_info(t, &a->hs);
		assert_true(a->hs.handshake_done);
		tls_app_copy(a->hs_alpn, sizeof(a->hs_alpn), a->hs.alpn);
		tls_app_copy(a->hs_name, sizeof(a->hs_name), a->hs.server_name);
		tls_app_copy(a->hs_cipher, sizeof(a->hs_cipher),
		    a->hs.cipher_name);
		/* The strings live as long as t: not kept past this. */
		a->hs.alpn = NULL;
		a->hs.server_name = NULL;
		a->hs.cipher_name = NULL;
	}
	if (events & ERG_EV_READABLE) {
		a->n_readable++;
	}
	if (events & ERG_EV_WRITABLE) {
		a->n_writable++;
	}
	if (events & ERG_TLS_EV_CLOSED) {
		a->n_closed++;
		a->t_end = tls_app_now(a);
	}
	if (events & ERG_EV_ERROR) {
		a->n_error++;
		a->err = erg_tls_error(t);
		assert_true(a->err < 0);
		erg_tls_info(t, &a->fail);
		if (getenv("SIM_VERBOSE") != NULL) {
			fprintf(stderr,
			    "tls_app %s: %s (BearSSL error %d, alert %u) at "
			    "t=%llu us\n",
			    a->fail.server ? "server" : "client",
			    erg_strerror(a->err), a->fail.engine_error,
			    a->fail.alert, (unsigned long long)tls_app_now(a));
		}
		a->fail.alpn = NULL;
		a->fail.server_name = NULL;
		a->fail.cipher_name = NULL;
	}
	if ((events & ERG_TLS_EV_HANDSHAKE) &&
	    a->close == TLS_APP_CLOSE_HANDSHAKE) {
		tls_app_close(a);
		return;
	}
	tls_app_pump(a);
}

void
tls_app_close(struct tls_app *a)
{
	assert_non_null(a->t);
	erg_tls_close(a->t);
	a->t = NULL;
	a->closed = true;
	if (a->t_end == 0) {
		a->t_end = tls_app_now(a);
	}
}

void
tls_app_abort(struct tls_app *a)
{
	assert_non_null(a->t);
	erg_tls_abort(a->t);
	a->t = NULL;
	a->closed = true;
	if (a->t_end == 0) {
		a->t_end = tls_app_now(a);
	}
}

bool
tls_app_finished(const struct tls_app *a, uint64_t rx_total)
{
	return a->tx_done == a->tx_total && a->rx_done == rx_total;
}

int
tls_app_connect(struct tls_app *a, struct sim_node *from, uint32_t addr,
    uint16_t port, const struct erg_tls_client_opts *o,
    struct erg_tcp_conn **tcp_out)
{
	struct erg_tcp_conn *c = NULL;
	int rc;

	assert_int_equal(
	    erg_tcp_connect(from->s, addr, port, 0, NULL, NULL, &c), 0);
	assert_non_null(c);
	rc = erg_tls_connect(c, o, tls_app_cb, a, &a->t);
	if (rc != 0) {
		a->t = NULL;
		if (tcp_out != NULL) {
			*tcp_out = c;
		} else {
			erg_tcp_abort(c);
		}
		return rc;
	}
	assert_non_null(a->t);
	assert_ptr_equal(erg_tls_tcp(a->t), c);
	if (tcp_out != NULL) {
		*tcp_out = c;
	}
	return 0;
}

/* ---- Listener ----------------------------------------------------------- */

static void
tls_listener_cb(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct tls_listener *tl = ctx;
	struct erg_tcp_conn *c;
	struct tls_app *a;
	int rc;

	assert_ptr_equal(l, tl->l);
	assert_int_equal(events, ERG_TCP_EV_ACCEPT);
	while (erg_tcp_accept(l, NULL, NULL, &c) == 0) {
		if (tl->next == tl->napps) {
			assert_true(tl->nrefused < TLS_LISTENER_REFUSED_MAX);
			tl->refused[tl->nrefused++] = c;
			tl->accept_err = 0;
			continue;
		}
		a = &tl->apps[tl->next];
		rc = erg_tls_accept(c, tl->srv, tls_app_cb, a, &a->t);
		if (rc != 0) {
			assert_true(tl->nrefused < TLS_LISTENER_REFUSED_MAX);
			a->t = NULL;
			tl->refused[tl->nrefused++] = c;
			tl->accept_err = rc;
			continue;
		}
		assert_non_null(a->t);
		tl->next++;
		tl->n_accepted++;
	}
}

void
tls_listen(struct tls_listener *tl, struct sim_node *n, uint16_t port,
    const struct erg_tls_server *srv, struct tls_app *apps, unsigned napps)
{
	memset(tl, 0, sizeof(*tl));
	tl->srv = srv;
	tl->apps = apps;
	tl->napps = napps;
	assert_int_equal(erg_tcp_listen(n->s, ERG_IPV4_ANY, port, 4,
	                     tls_listener_cb, tl, &tl->l),
	    0);
}

void
tls_listener_close(struct tls_listener *tl)
{
	if (tl->l != NULL) {
		erg_tcp_listener_close(tl->l);
		tl->l = NULL;
	}
}

uint64_t
tls_sessions(const struct sim_node *n)
{
	return sim_stat(n, ERG_STAT_TLS_SESSIONS_IN_USE);
}

void
tls_assert_no_leaks(const struct sim *sim)
{
	unsigned i;

	for (i = 0; i < sim->n; i++) {
		if (tls_sessions(&sim->node[i]) != 0) {
			fail_msg("host %u: %llu TLS sessions in use",
			    sim->node[i].host,
			    (unsigned long long)tls_sessions(&sim->node[i]));
		}
	}
	sim_assert_no_leaks(sim);
}
