/*
 * netif/host/erg_host.h: helpers for hosted programs (Linux, POSIX) that
 * run an erg stack: a clock, a random source, an event-loop wait, a
 * pcap "dump" writer that every unix driver can record its frames in,
 * and loaders of files and TLS trust anchors.
 *
 * The core never reads a clock, draws randomness or sleeps: these are the
 * host's side of those contracts, shared by the tap and pcap drivers and
 * the tools in tools/, so that each one does not grow its own.
 *
 * Hosted code: uses libc, poll(2), getrandom(2), libpcap and erg/tls.h.
 * Nothing here holds global state; every object belongs to its caller.
 * Not thread-safe: one thread drives a stack and its helpers.
 */
#ifndef ERG_HOST_H
#define ERG_HOST_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Size of the error buffers the unix drivers fill: one line, without a
 * trailing newline, that says what failed and what to do about it.
 */
#define ERG_HOST_ERR_LEN 256u

/*
 * Largest frame a unix driver reads, writes or dumps: the pcap snapshot
 * length every reader accepts, and more than any Ethernet MTU erg supports
 * (pkt_size - ERG_PKT_HEADROOM).
 */
#define ERG_HOST_FRAME_MAX 65535u

/* ---- Clock -------------------------------------------------------------- */

/*
 * The monotonic clock (CLOCK_MONOTONIC) in microseconds: what hosted
 * programs pass as now_us. It never goes backwards, and does not jump when
 * the wall clock is set.
 */
uint64_t erg_host_now_us(void);

/*
 * Wall-clock time (CLOCK_REALTIME) minus erg_host_now_us(), in
 * microseconds, sampled now. Added to a monotonic time it gives a Unix
 * time that Wireshark shows as a date: pass it to erg_host_dump_open() for
 * a dump of a live interface.
 */
int64_t erg_host_wall_offset_us(void);

/* ---- Randomness --------------------------------------------------------- */

/*
 * A random source for erg_config.rand / rand_ctx. Either seeded (a
 * deterministic splitmix64 stream: the same seed gives the same bytes on
 * every platform, so runs reproduce) or the system's CSPRNG (getrandom(2)).
 * The caller owns the struct; it MUST outlive every stack that uses it.
 */
struct erg_host_rand {
	uint64_t state;
	bool seeded;
};

/* Makes r a deterministic generator started from seed. */
void erg_host_rand_seed(struct erg_host_rand *r, uint64_t seed);

/* Makes r draw from getrandom(2) (falling back to /dev/urandom). */
void erg_host_rand_system(struct erg_host_rand *r);

/*
 * Fills buf with len random bytes from ctx, a struct erg_host_rand. Has the
 * erg_rand_fn signature: set cfg.rand = erg_host_rand, cfg.rand_ctx = r.
 * It cannot fail, as erg requires: if the system source is unusable (no
 * getrandom and no /dev/urandom) it prints one line and exits the process
 * with status 1 rather than hand the stack predictable bytes.
 */
void erg_host_rand(void *ctx, void *buf, size_t len);

/* ---- Event-loop wait ---------------------------------------------------- */

/*
 * Sleeps until one of fds[0..nfds) is readable, the monotonic clock
 * reaches deadline_us (ERG_TIME_NEVER: no timeout; a deadline already
 * past: do not sleep), or a signal is caught. fds is borrowed; a negative
 * fd is ignored; nfds may be 0 (a pure sleep).
 *
 * sigmask (may be NULL) is the signal mask to hold while asleep, as for
 * ppoll(2): a program that blocks SIGINT and SIGTERM, checks its "stop"
 * flag, then waits with a mask that unblocks them never misses a signal
 * that arrives between the check and the sleep.
 *
 * Returns the number of readable fds (> 0), 0 on timeout, -EINTR when a
 * signal interrupted the sleep, or another negative errno.
 *
 * sigset_t is POSIX, not C11: this is declared only when the program is
 * compiled with POSIX interfaces (-std=gnu11, the compilers' default, or
 * _POSIX_C_SOURCE / _GNU_SOURCE), so that the rest of this header still
 * compiles under a strict -std=c11.
 */
#ifdef _POSIX_C_SOURCE
int erg_host_wait(const int *fds, unsigned nfds, uint64_t deadline_us,
    const sigset_t *sigmask);
#endif

/* ---- Frame counters of a unix driver ------------------------------------ */

/*
 * What a unix driver (tap, pcap) counts, beside the stack's own counters.
 * Every frame read is delivered or counted under one reason.
 */
/*
 * Adds to s an Ethernet interface whose driver is (ops, drv), taking
 * gather lists (ERG_NETIF_CAP_GATHER), with the given MAC and MTU: what
 * every unix driver's attach does. *stackp, the driver's pointer to its
 * stack, is set to s before the interface exists (its transmit reads the
 * stack's clock through it) and back to NULL if erg_netif_add fails.
 * *ifindex gets the interface index. Returns 0, -ERG_ESTATE (*stackp
 * already set: attached once already) or erg_netif_add's error.
 */
int erg_host_attach(struct erg_stack *s, struct erg_stack **stackp,
    const uint8_t mac[6], uint16_t mtu, const struct erg_netif_ops *ops,
    void *drv, unsigned *ifindex);

struct erg_host_link_stats {
	uint64_t rx;        /* frames handed to erg_netif_input() */
	uint64_t rx_nobuf;  /* dropped: the stack's packet pool was empty */
	uint64_t rx_toobig; /* dropped: larger than a packet buffer */
	uint64_t rx_trunc;  /* dropped: captured shorter than on the wire */
	uint64_t tx;        /* frames written to the device */
	uint64_t tx_full;   /* dropped: the device queue was full (EAGAIN) */
	uint64_t tx_err;    /* dropped: any other write error */
};

/*
 * Calls fn(ctx, name, value) for every field of st, named "<prefix>.<field>"
 * (e.g. "tap.rx_nobuf"), in the order of the struct: the same shape as
 * erg_stack_stats_foreach(), so one printer serves both. prefix is a short
 * driver name (at most 32 bytes).
 */
void erg_host_link_stats_foreach(const struct erg_host_link_stats *st,
    const char *prefix, void (*fn)(void *ctx, const char *name, uint64_t value),
    void *ctx);

/* ---- Files and TLS credentials ------------------------------------------ */

struct erg_tls_trust;

/*
 * What the file helpers below return when the file cannot be read (it
 * does not exist, is a directory, is larger than ERG_HOST_FILE_MAX, a
 * read fails): -ERG_HOST_EFILE, with errno saying why (strerror(errno)).
 * Outside erg's own error codes (erg/error.h), so that a caller can tell
 * a file it could not read from contents erg refused.
 */
#define ERG_HOST_EFILE 1000

/* Largest file the helpers read: 16 MiB, far more than a CA bundle. */
#define ERG_HOST_FILE_MAX (16u << 20)

/*
 * Reads the whole file at path (a regular file, a pipe, /dev/stdin) into
 * a buffer from malloc: *buf (the caller's to free(), with a NUL byte
 * after the *len bytes read, so that text can be used as a string) and
 * *len. Returns 0, or -ERG_HOST_EFILE with errno set (EFBIG: larger than
 * ERG_HOST_FILE_MAX; ENOMEM: out of memory); *buf and *len are then
 * untouched.
 */
int erg_host_read_file(const char *path, void **buf, size_t *len);

/*
 * Adds the certificates of the file at path (PEM "CERTIFICATE" blocks,
 * as in a CA bundle, or one DER certificate) to t as trust anchors,
 * through erg_tls_trust_add (erg/tls.h). Returns the number added
 * (>= 0: certificates erg cannot use are skipped and counted), or
 * -ERG_HOST_EFILE (errno says why), -ERG_EMALFORMED (nothing in the file
 * looks like a certificate) or -ERG_ENOMEM (the TLS store is full).
 */
int erg_host_tls_trust_load_file(struct erg_tls_trust *t, const char *path);

/* The system's CA bundle: Debian's, maintained by update-ca-certificates. */
#define ERG_HOST_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/*
 * erg_host_tls_trust_load_file() of the system's CA bundle,
 * ERG_HOST_CA_BUNDLE (package ca-certificates).
 */
int erg_host_tls_trust_load_system(struct erg_tls_trust *t);

/* ---- pcap dump ---------------------------------------------------------- */

struct erg_host_dump;

/*
 * Creates (truncates) a pcap file at path, link type Ethernet (DLT_EN10MB),
 * snapshot length ERG_HOST_FRAME_MAX, for recording frames. Each record is
 * time-stamped with the time the driver passes plus offset_us (0 for a
 * replay, whose times are already the capture's; erg_host_wall_offset_us()
 * for a live interface driven by the monotonic clock) and flushed at once,
 * so the file is complete even if the process is killed.
 *
 * Returns the dump, owned by the caller until erg_host_dump_close(), or
 * NULL with a one-line reason in err (ERG_HOST_ERR_LEN bytes).
 */
struct erg_host_dump *erg_host_dump_open(const char *path, int64_t offset_us,
    char *err);

/*
 * Appends one frame, [frame, frame + len), time-stamped t_us (plus the
 * offset). Borrows frame for the call. A frame longer than
 * ERG_HOST_FRAME_MAX is recorded truncated, with its full length, as pcap
 * does. Write errors are counted (erg_host_dump_errors) and otherwise
 * ignored: recording never stops the traffic. d NULL does nothing.
 */
void erg_host_dump_frame(struct erg_host_dump *d, const void *frame, size_t len,
    uint64_t t_us);

/*
 * erg_host_dump_frame() for a frame given as a gather list (the transmit
 * op's iov[0..n)), linearised once into the dump's own buffer.
 */
void erg_host_dump_iov(struct erg_host_dump *d, const struct erg_iov *iov,
    unsigned n, uint64_t t_us);

/* Records written so far. */
uint64_t erg_host_dump_records(const struct erg_host_dump *d);

/* Records that could not be written (disk full, I/O error). */
uint64_t erg_host_dump_errors(const struct erg_host_dump *d);

/* Flushes and closes the file and frees d. NULL is ignored. */
void erg_host_dump_close(struct erg_host_dump *d);

#ifdef __cplusplus
}
#endif
#endif
