/*
 * tests/lib/host_b.c: host B of tests/vectors (02:00:00:00:00:02,
 * 198.18.0.2/24) as the unit tests of IPv4, ICMP and UDP set it up, and
 * the checks every such test ends with. See testnet.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "frames.h"
#include "testnet.h"

void
tn_host_b(struct tn_stack *t, const struct erg_config *cfg)
{
	static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	tn_stack_init(t, cfg, mac_b, ERG_IPV4(198, 18, 0, 2), 24, 0xb0b);
}

void
tn_stack_done(struct tn_stack *t)
{
	assert_int_equal(erg_stack_pool_in_use(t->s), t->baseline);
	tn_stack_fini(t);
}

void
tn_learn_a(struct tn_stack *t, uint64_t now)
{
	tn_inject(t, frame_arp_request, sizeof(frame_arp_request), now);
	assert_int_equal(t->cap.n, 1);
	tn_capture_clear(&t->cap);
}

void *
tn_xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	assert_non_null(p);
	return p;
}
