/*
 * fuzz/fuzz_dhcp_opts.c: erg_dhcp_parse (bad-input class 13 of
 * TESTING.md) against a reference written independently from the rules of
 * erg/dhcp.h, and the parse -> emit -> parse round trip.
 *
 * Input: a DHCP message (a UDP payload). Invariants:
 * - the verdict and the counter equal the reference's: dhcp.truncated
 *   exactly below 240 bytes; dhcp.bad_header for op not 1 or 2, htype not
 *   1 or hlen not 6; dhcp.bad_cookie; dhcp.bad_option exactly when an
 *   option runs past its field, a field (options; file and sname when
 *   option 52 says so) has no END, option 52 is outside the options field
 *   or not 1..3, a fixed-length option has the wrong length or comes
 *   twice (across fields too), a list (3, 6) is empty or not a multiple of
 *   4, or option 53 is not 1..8;
 * - on success every field equals the reference's reading (lists
 *   concatenated in options, file, sname order; the first router; at most
 *   3 DNS servers);
 * - emitting the repr writes exactly the length it returns (a canary
 *   after it), at least 300 bytes, and parses back to the same repr
 *   (overload aside: emit never overloads).
 */
#include <stdbool.h>
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

/* The reference reading, filled by ref_parse. */
struct ref {
	uint8_t type, overload;
	bool seen[256];
	bool has_router;
	uint32_t router;
	unsigned dns_n;
	uint32_t dns[3];
	uint32_t val[256]; /* fixed options' values */
};

static int
fixed_len(uint8_t c)
{
	switch (c) {
	case 1:
	case 50:
	case 51:
	case 54:
	case 58:
	case 59:
		return 4;
	case 26:
	case 57:
		return 2;
	case 52:
	case 53:
		return 1;
	default:
		return -1;
	}
}

/* Walks field f (n bytes). Returns true if it ends well. */
static bool
ref_field(struct ref *rf, const uint8_t *f, size_t n, bool options)
{
	size_t i = 0;

	for (;;) {
		uint8_t c;
		size_t l, k;
		int fl;

		while (i < n && f[i] == 0)
			i++;
		if (i == n)
			return false;
		c = f[i];
		if (c == 255)
			return true;
		if (i + 1 == n)
			return false;
		l = f[i + 1];
		if (i + 2 + l > n)
			return false;
		fl = fixed_len(c);
		if (fl >= 0) {
			uint32_t v = 0;

			if ((size_t)fl != l || rf->seen[c])
				return false;
			rf->seen[c] = true;
			for (k = 0; k < l; k++)
				v = v << 8 | f[i + 2 + k];
			rf->val[c] = v;
			if (c == 52 && (!options || v < 1 || v > 3))
				return false;
			if (c == 53 && (v < 1 || v > 8))
				return false;
		} else if (c == 3 || c == 6) {
			if (l == 0 || l % 4 != 0)
				return false;
			for (k = 0; k < l; k += 4) {
				uint32_t a = erg_be32(f + i + 2 + k);

				if (c == 3 && !rf->has_router) {
					rf->has_router = true;
					rf->router = a;
				}
				if (c == 6 && rf->dns_n < 3)
					rf->dns[rf->dns_n++] = a;
			}
		}
		i += 2 + l;
	}
}

static enum erg_stat
ref_parse(struct ref *rf, const uint8_t *p, size_t n)
{
	memset(rf, 0, sizeof(*rf));
	if (n < 240)
		return ERG_STAT_DHCP_TRUNCATED;
	if ((p[0] != 1 && p[0] != 2) || p[1] != 1 || p[2] != 6)
		return ERG_STAT_DHCP_BAD_HEADER;
	if (p[236] != 0x63 || p[237] != 0x82 || p[238] != 0x53 ||
	    p[239] != 0x63)
		return ERG_STAT_DHCP_BAD_COOKIE;
	if (!ref_field(rf, p + 240, n - 240, true))
		return ERG_STAT_DHCP_BAD_OPTION;
	rf->overload = (uint8_t)rf->val[52];
	if ((rf->overload & 1) && !ref_field(rf, p + 108, 128, false))
		return ERG_STAT_DHCP_BAD_OPTION;
	if ((rf->overload & 2) && !ref_field(rf, p + 44, 64, false))
		return ERG_STAT_DHCP_BAD_OPTION;
	rf->type = (uint8_t)rf->val[53];
	return ERG_STAT_COUNT;
}

static void
check_fields(const struct erg_dhcp_repr *r, const struct ref *rf,
    const uint8_t *p)
{
	unsigned i;

	FUZZ_CHECK(r->op == p[0] && r->htype == 1 && r->hlen == 6);
	FUZZ_CHECK(r->hops == p[3]);
	FUZZ_CHECK(r->xid == erg_be32(p + 4));
	FUZZ_CHECK(r->secs == erg_be16(p + 8));
	FUZZ_CHECK(r->flags == erg_be16(p + 10));
	FUZZ_CHECK(r->ciaddr == erg_be32(p + 12));
	FUZZ_CHECK(r->yiaddr == erg_be32(p + 16));
	FUZZ_CHECK(r->siaddr == erg_be32(p + 20));
	FUZZ_CHECK(r->giaddr == erg_be32(p + 24));
	FUZZ_CHECK(memcmp(r->chaddr, p + 28, 16) == 0);
	FUZZ_CHECK(r->msg_type == rf->type);
	FUZZ_CHECK(r->overload == rf->overload);
	FUZZ_CHECK(r->has_mask == rf->seen[1] && r->mask == rf->val[1]);
	FUZZ_CHECK(r->has_mtu == rf->seen[26] && r->mtu == rf->val[26]);
	FUZZ_CHECK(r->requested == rf->val[50]);
	FUZZ_CHECK(r->has_lease == rf->seen[51] && r->lease_s == rf->val[51]);
	FUZZ_CHECK(r->server_id == rf->val[54]);
	FUZZ_CHECK(r->max_size == rf->val[57]);
	FUZZ_CHECK(r->has_t1 == rf->seen[58] && r->t1_s == rf->val[58]);
	FUZZ_CHECK(r->has_t2 == rf->seen[59] && r->t2_s == rf->val[59]);
	FUZZ_CHECK(r->has_router == rf->has_router);
	FUZZ_CHECK(r->router == rf->router);
	FUZZ_CHECK(r->dns_n == rf->dns_n);
	for (i = 0; i < rf->dns_n; i++)
		FUZZ_CHECK(r->dns[i] == rf->dns[i]);
	FUZZ_CHECK(r->client_id == NULL && r->hostname == NULL);
	FUZZ_CHECK(!r->param_list);
}

static uint8_t out[2048];

static void
check_round_trip(const struct erg_dhcp_repr *r)
{
	struct erg_dhcp_repr back;
	enum erg_stat why = ERG_STAT_COUNT;
	int n;

	memset(out, 0xa5, sizeof(out));
	n = erg_dhcp_emit(r, out, sizeof(out) - 1);
	FUZZ_CHECK(n >= 300 && (size_t)n < sizeof(out));
	FUZZ_CHECK(out[n] == 0xa5);
	FUZZ_CHECK(
	    erg_dhcp_parse(&back, erg_view_make(out, (size_t)n), &why) == 0);
	FUZZ_CHECK(why == ERG_STAT_COUNT);
	FUZZ_CHECK(back.overload == 0);
	back.overload = r->overload;
	FUZZ_CHECK(memcmp(&back, r, sizeof(back)) == 0);
	/* One byte less than needed: refused, nothing written. */
	memset(out, 0x5a, sizeof(out));
	FUZZ_CHECK(erg_dhcp_emit(r, out, (size_t)n - 1) == -ERG_ENOSPC);
	FUZZ_CHECK(out[0] == 0x5a && out[n - 2] == 0x5a);
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct erg_dhcp_repr r;
	struct ref rf;
	enum erg_stat why = ERG_STAT_COUNT, want;
	int rc;

	rc = erg_dhcp_parse(&r, erg_view_make(data, len), &why);
	want = ref_parse(&rf, data, len);
	FUZZ_CHECK(why == want);
	if (want == ERG_STAT_DHCP_TRUNCATED) {
		FUZZ_CHECK(rc == -ERG_ETRUNC);
		return 0;
	}
	if (want != ERG_STAT_COUNT) {
		FUZZ_CHECK(rc == -ERG_EMALFORMED);
		return 0;
	}
	FUZZ_CHECK(rc == 0);
	check_fields(&r, &rf, data);
	check_round_trip(&r);
	return 0;
}
