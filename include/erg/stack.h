/*
 * erg/stack.h: a network stack instance.
 *
 * A stack lives entirely inside the arena handed to erg_stack_init(); there
 * is no global state, so any number of stacks can run in one process. A
 * stack is not thread-safe: one thread (the application's event loop)
 * calls into it.
 *
 * erg never reads a clock. Entry points that need the time take now_us, a
 * monotonic count of microseconds chosen by the host; it MUST NOT go
 * backwards between calls on one stack.
 */
#ifndef ERG_STACK_H
#define ERG_STACK_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;

/* "No deadline": returned by erg_stack_poll() when no timer is armed. */
#define ERG_TIME_NEVER UINT64_MAX

/*
 * Builds a stack in arena [arena, arena + len), which MUST be at least
 * erg_arena_size(cfg) bytes, 16-byte aligned, and stay untouched by the
 * caller until the stack is no longer used. cfg is copied. On success
 * *out points into the arena.
 *
 * Returns 0, -ERG_EINVAL (cfg invalid or arena misaligned) or -ERG_ENOSPC
 * (len too small).
 */
int erg_stack_init(struct erg_stack **out, void *arena, size_t len,
    const struct erg_config *cfg, uint64_t now_us);

/*
 * Runs the timers that are due at now_us (at most cfg.poll_budget of
 * them) and delivers the events they caused. Returns the time at which it
 * wants to be called again: now_us if work is left over, ERG_TIME_NEVER
 * if nothing is armed. Calling it early or often is harmless.
 */
uint64_t erg_stack_poll(struct erg_stack *s, uint64_t now_us);

/* The time of the last input or poll call. */
uint64_t erg_stack_now(const struct erg_stack *s);

/*
 * Calls fn(ctx, name, value) for every counter, in the order of
 * ERG_STATS_LIST. For tools that print counters.
 */
void erg_stack_stats_foreach(const struct erg_stack *s,
    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

/*
 * Returns the number of pool entries in use across every pool (packets,
 * reassembly slots, sockets and connections, DNS queries; not the ARP
 * cache or TIME-WAIT entries, which expire by themselves). Tests compare
 * it with its value after init to prove that nothing leaked.
 */
uint32_t erg_stack_pool_in_use(const struct erg_stack *s);

#ifdef __cplusplus
}
#endif
#endif
