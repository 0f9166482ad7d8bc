/*
 * tests/lib/tls_app.h: TLS sessions as applications, for simulations
 * (the TLS counterpart of struct sim_app in sim.h).
 *
 * A struct tls_app is one end of a TLS session (erg/tls.h): it sends
 * tx_total bytes of stream tx_seed (copying with erg_tls_write, or zero
 * copy with erg_tls_reserve / erg_tls_commit when tx_zc), sends
 * close_notify after them if tx_shut (erg_tls_shutdown), receives into a
 * running hash (erg_tls_read, or erg_tls_peek / erg_tls_consume when
 * rx_zc) unless rx_hold, records every event and the first error, and
 * closes on its own when its policy says so (from inside the callback).
 *
 * A struct tls_listener accepts TCP connections on a port of a sim node
 * and starts a server session on each (erg_tls_accept) for the next free
 * struct tls_app of its array; a connection erg_tls_accept refuses stays
 * the listener's (the test's) in `refused`, with the error.
 *
 * Every check is a cmocka assertion: for cmocka tests only. Hosted code.
 */
#ifndef ERG_TLS_APP_H
#define ERG_TLS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"
#include "erg/tls.h"
#include "sim.h"

/* When a struct tls_app closes its session on its own (erg_tls_close). */
enum tls_app_close {
	TLS_APP_CLOSE_NEVER = 0, /* the test closes it */
	TLS_APP_CLOSE_DONE,      /* all sent and rx_want bytes received */
	TLS_APP_CLOSE_EOF,       /* all sent and the end of stream read */
	TLS_APP_CLOSE_HANDSHAKE  /* at once, from the HANDSHAKE event */
};

struct tls_app {
	struct erg_tls *t; /* NULL before start and once closed/aborted */
	struct sim *sim;
	/* Sending. */
	uint64_t tx_seed;
	uint64_t tx_total;
	bool tx_zc;
	bool tx_shut; /* erg_tls_shutdown after the stream */
	uint64_t tx_done;
	uint64_t tx_hash;
	bool tx_shut_done;
	/* Receiving. */
	bool rx_zc;
	bool rx_hold;
	uint64_t rx_want; /* for TLS_APP_CLOSE_DONE */
	uint64_t rx_done;
	uint64_t rx_hash;
	bool rx_eof; /* end of stream read (read 0 / peek 0 after CLOSED) */
	/* Closing. */
	enum tls_app_close close;
	bool closed; /* the app closed or aborted t */
	/* Events: OR of every bit, and counts. */
	unsigned ev;
	unsigned n_cb;
	unsigned n_handshake;
	unsigned n_closed;
	unsigned n_error;
	unsigned n_readable;
	unsigned n_writable;
	int err;        /* erg_tls_error at the first ERG_EV_ERROR */
	int io_err;     /* the first error a read or write returned */
	uint64_t t_hs;  /* sim time of the HANDSHAKE event */
	uint64_t t_end; /* sim time of CLOSED, or of the app's close */
	/* erg_tls_info at the HANDSHAKE event, strings copied. */
	struct erg_tls_info hs;
	char hs_alpn[64];
	char hs_name[ERG_TLS_NAME_MAX + 1];
	char hs_cipher[48];
	/* erg_tls_info at the first ERG_EV_ERROR (alert, engine error). */
	struct erg_tls_info fail;
};

/* Initialises a to send tx_total bytes of stream tx_seed; rest zero. */
void tls_app_init(struct tls_app *a, struct sim *sim, uint64_t tx_seed,
    uint64_t tx_total);

/* The session callback for apps: records, pumps, closes by policy. */
void tls_app_cb(struct erg_tls *t, unsigned events, void *ctx);

/* Sends and receives what it can now, and closes if its policy says. */
void tls_app_pump(struct tls_app *a);

/* erg_tls_close, and forgets the session. */
void tls_app_close(struct tls_app *a);

/* erg_tls_abort, and forgets the session. */
void tls_app_abort(struct tls_app *a);

/* All sent, and rx_total bytes received. */
bool tls_app_finished(const struct tls_app *a, uint64_t rx_total);

/*
 * Opens a TCP connection from node `from` to addr:port and starts a
 * client session on it with o for a. Returns erg_tls_connect's result;
 * on error the TCP connection is still the caller's, in *tcp_out if
 * tcp_out is not NULL (else it is aborted here).
 */
int tls_app_connect(struct tls_app *a, struct sim_node *from, uint32_t addr,
    uint16_t port, const struct erg_tls_client_opts *o,
    struct erg_tcp_conn **tcp_out);

#define TLS_LISTENER_REFUSED_MAX 8u

struct tls_listener {
	struct erg_tcp_listener *l;
	const struct erg_tls_server *srv;
	struct tls_app *apps; /* the sessions, in order of arrival */
	unsigned napps;
	unsigned next; /* apps[next] takes the next session */
	unsigned n_accepted;
	/* Connections erg_tls_accept refused (or with no app left). */
	struct erg_tcp_conn *refused[TLS_LISTENER_REFUSED_MAX];
	unsigned nrefused;
	int accept_err; /* the last refusal's error, 0 for "no app left" */
};

/*
 * Listens on node n, port, and serves srv to the apps (napps of them,
 * initialised by the caller).
 */
void tls_listen(struct tls_listener *tl, struct sim_node *n, uint16_t port,
    const struct erg_tls_server *srv, struct tls_app *apps, unsigned napps);

/* Closes the listener (not the sessions, nor the refused connections). */
void tls_listener_close(struct tls_listener *tl);

/* TLS sessions in use on node n (tls.sessions_in_use). */
uint64_t tls_sessions(const struct sim_node *n);

/*
 * Asserts that every node's TLS sessions were given back, then
 * sim_assert_no_leaks (packets, TCP connections, ...).
 */
void tls_assert_no_leaks(const struct sim *sim);

#endif
