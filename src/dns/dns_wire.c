/*
 * src/dns/dns_wire.c: reading DNS messages (RFC 1035 4.1) under RFC
 * 9267's rules: names, questions, resource records and their rdata.
 *
 * Everything goes through a bounded cursor: an offset into the message
 * compared against its length before every read, never a pointer formed
 * past the end. Every loop is bounded by the message length, the
 * 255-byte name limit or ERG_DNS_PTR_MAX.
 *
 * Decisions where the RFCs are silent:
 * - A compression pointer must point strictly before the start of the
 *   contiguous run of bytes being read: where the name began, or the
 *   previous jump's target. Targets therefore strictly decrease, which
 *   rules out every loop (a->b->a, self, forward) without a visited set,
 *   and ERG_DNS_PTR_MAX still bounds the work. Targets below the 12-byte
 *   header are refused (RFC 9267 2). A target may land inside an
 *   earlier label's bytes, which are then read as labels again: BIND
 *   and glibc accept that too, and refusing it would need a map of
 *   label starts per message; it stays bounded by the same rules.
 * - A label length byte of 0x40..0xbf (types 01 and 10, RFC 6891's
 *   extended labels, never deployed) is malformed, not "unsupported".
 * - Short input is -ERG_ETRUNC (the message ended early); everything else
 *   is -ERG_EMALFORMED, including a name inside rdata that runs past the
 *   rdata (the rdata, not the message, is inconsistent).
 * - Records are checked against their type's format when read, so a
 *   caller of erg_dns_rr_next never sees a record erg_dns_rdata_parse
 *   would refuse. RDLENGTH 0 is refused for the typed formats (only
 *   RFC 2136 updates use it, and a stub sends none). OPT is checked for
 *   its option framing only (owner name and placement are the reader's
 *   business).
 * - After an error the message is spent: every later call returns
 *   -ERG_EMALFORMED.
 */
#include "../core/core.h"

/* m->section values past the additional section. */
#define SEC_END 4u /* every section read */
#define SEC_BAD 5u /* an error was returned; the message is spent */

/* Fixed parts: a question after its name, a record after its name. */
#define Q_FIXED  4u  /* QTYPE, QCLASS */
#define RR_FIXED 10u /* TYPE, CLASS, TTL, RDLENGTH */
/* The smallest question and record: the root name and the fixed part. */
#define Q_MIN  (1u + Q_FIXED)
#define RR_MIN (1u + RR_FIXED)

#define PTR_BITS 0xc0u /* label type 11: a compression pointer */

/*
 * Walks the name at *off of v, copying it into n if n is not NULL. The
 * workhorse of erg_dns_name_read, also used to validate names without a
 * copy. Returns 0 (*off past the name in place), -ERG_ETRUNC or
 * -ERG_EMALFORMED.
 */
static int
name_walk(struct erg_view v, size_t *off, struct erg_dns_name *n)
{
	size_t pos = *off;
	size_t seg = pos; /* start of the run being read */
	size_t after = 0; /* past the first pointer; 0: no jump yet */
	unsigned jumps = 0;
	unsigned wlen = 0; /* wire bytes of the name so far */

	/*
	 * Bounded: within a run pos only grows (up to v.len); each jump
	 * lowers seg, and there are at most ERG_DNS_PTR_MAX of them.
	 */
	for (;;) {
		unsigned c;

		if (pos >= v.len) {
			return -ERG_ETRUNC;
		}
		c = v.p[pos];
		if ((c & PTR_BITS) == PTR_BITS) {
			size_t target;

			if (v.len - pos < 2) {
				return -ERG_ETRUNC;
			}
			target = (size_t)(c & ~PTR_BITS) << 8 | v.p[pos + 1];
			/* RFC 9267 2, 3: backwards only, never the header. */
			if (jumps >= ERG_DNS_PTR_MAX || target >= seg ||
			    target < ERG_DNS_HDR_LEN) {
				return -ERG_EMALFORMED;
			}
			if (jumps == 0) {
				after = pos + 2;
			}
			jumps++;
			pos = target;
			seg = target;
			continue;
		}
		if ((c & PTR_BITS) != 0) {
			return -ERG_EMALFORMED; /* types 01, 10 */
		}
		/*
		 * c <= 63 here. RFC 9267 3: the name, with the root label
		 * still to come, must stay within 255 bytes as it grows.
		 */
		if (c == 0) {
			break;
		}
		if (wlen + 1u + c + 1u > ERG_DNS_NAME_MAX) {
			return -ERG_EMALFORMED;
		}
		if (v.len - pos - 1 < c) {
			return -ERG_ETRUNC;
		}
		if (n != NULL) {
			memcpy(n->wire + wlen, v.p + pos, 1u + c);
		}
		wlen += 1u + c;
		pos += 1u + c;
	}
	if (n != NULL) {
		n->wire[wlen] = 0;
		n->len = (uint8_t)(wlen + 1u);
	}
	*off = jumps > 0 ? after : pos + 1;
	return 0;
}

int
erg_dns_name_read(struct erg_view v, size_t *off, struct erg_dns_name *n)
{
	return name_walk(v, off, n);
}

int
erg_dns_msg_parse(struct erg_dns_msg *m, struct erg_view v)
{
	uint64_t need;
	unsigned i;

	/* Spent until the header checks out, whatever the caller does next. */
	memset(m, 0, sizeof(*m));
	m->v = v;
	m->section = SEC_BAD;
	if (v.len < ERG_DNS_HDR_LEN) {
		return -ERG_ETRUNC;
	}
	m->hdr.id = erg_be16(v.p);
	m->hdr.flags = erg_be16(v.p + 2);
	for (i = 0; i < 4; i++) {
		m->hdr.count[i] = erg_be16(v.p + 4 + (size_t)2 * i);
	}
	/* RFC 9267 6: what the counts claim must fit in what is here. */
	need = (uint64_t)m->hdr.count[0] * Q_MIN +
	    ((uint64_t)m->hdr.count[1] + m->hdr.count[2] + m->hdr.count[3]) *
	        RR_MIN;
	if (need > v.len - ERG_DNS_HDR_LEN) {
		m->section = SEC_BAD;
		m->left = 0;
		return -ERG_EMALFORMED;
	}
	m->off = ERG_DNS_HDR_LEN;
	m->section = ERG_DNS_SEC_QUESTION;
	m->left = m->hdr.count[0];
	return 0;
}

/* Marks m spent and returns rc (an error), for every error path. */
static int
msg_fail(struct erg_dns_msg *m, int rc)
{
	m->section = SEC_BAD;
	m->left = 0;
	return rc;
}

int
erg_dns_question_next(struct erg_dns_msg *m, struct erg_dns_question *q)
{
	size_t off = m->off;
	int rc;

	if (m->section == SEC_BAD) {
		return -ERG_EMALFORMED;
	}
	if (m->section != ERG_DNS_SEC_QUESTION) {
		return 0;
	}
	if (m->left == 0) {
		m->section = ERG_DNS_SEC_ANSWER;
		m->left = m->hdr.count[ERG_DNS_SEC_ANSWER];
		return 0;
	}
	rc = name_walk(m->v, &off, &q->name);
	if (rc < 0) {
		return msg_fail(m, rc);
	}
	if (m->v.len - off < Q_FIXED) {
		return msg_fail(m, -ERG_ETRUNC);
	}
	q->type = erg_be16(m->v.p + off);
	q->qclass = erg_be16(m->v.p + off + 2);
	m->off = off + Q_FIXED;
	m->left--;
	return 1;
}

/*
 * The name at *off inside rdata [start, end) of m: it must lie (in place)
 * inside the rdata, pointers may reach back anywhere before it. Any
 * failure is the rdata's fault: -ERG_EMALFORMED.
 */
static int
rdata_name(struct erg_view v, size_t end, size_t *off, struct erg_dns_name *n)
{
	struct erg_view upto = erg_view_make(v.p, end);

	return name_walk(upto, off, n) < 0 ? -ERG_EMALFORMED : 0;
}

/* RFC 1035 3.3.14: one or more character-strings exactly filling it. */
static int
txt_check(struct erg_view rd)
{
	size_t pos = 0;

	if (rd.len == 0) {
		return -ERG_EMALFORMED;
	}
	while (pos < rd.len) {
		size_t n = rd.p[pos];

		if (rd.len - pos - 1 < n) {
			return -ERG_EMALFORMED;
		}
		pos += 1 + n;
	}
	return 0;
}

/* RFC 6891 6.1.2: {code, length, data} options exactly filling it. */
static int
opt_check(struct erg_view rd)
{
	size_t pos = 0;

	while (pos < rd.len) {
		size_t n;

		if (rd.len - pos < 4) {
			return -ERG_EMALFORMED;
		}
		n = erg_be16(rd.p + pos + 2);
		if (rd.len - pos - 4 < n) {
			return -ERG_EMALFORMED;
		}
		pos += 4 + n;
	}
	return 0;
}

/*
 * Checks rr's rdata against its type's format (RFC 9267 5) and, if d is
 * not NULL, decodes it. The record's bytes are known to be inside m.
 */
static int
rdata_decode(const struct erg_dns_msg *m, const struct erg_dns_rr *rr,
    struct erg_dns_rdata *d)
{
	size_t off = rr->rdata_off;
	size_t end = rr->rdata_off + rr->rdata.len;
	const uint8_t *p = rr->rdata.p;
	struct erg_dns_name *target = d != NULL ? &d->target : NULL;
	size_t fixed;
	unsigned i;

	switch (rr->type) {
	case ERG_DNS_TYPE_A:
		/* RFC 1035 3.4.1, RFC 3597 4: the format is class IN's. */
		if (rr->rclass != ERG_DNS_CLASS_IN) {
			return -ERG_EUNSUPPORTED;
		}
		if (rr->rdata.len != 4) {
			return -ERG_EMALFORMED;
		}
		if (d != NULL) {
			d->a = erg_be32(p);
		}
		return 0;
	case ERG_DNS_TYPE_AAAA:
		if (rr->rclass != ERG_DNS_CLASS_IN) { /* RFC 3596 2.1 */
			return -ERG_EUNSUPPORTED;
		}
		if (rr->rdata.len != 16) {
			return -ERG_EMALFORMED;
		}
		if (d != NULL) {
			memcpy(d->aaaa, p, 16);
		}
		return 0;
	case ERG_DNS_TYPE_NS:
	case ERG_DNS_TYPE_CNAME:
	case ERG_DNS_TYPE_PTR:
		fixed = 0;
		break;
	case ERG_DNS_TYPE_MX:
		fixed = 2; /* PREFERENCE, RFC 1035 3.3.9 */
		break;
	case ERG_DNS_TYPE_SRV:
		fixed = 6; /* priority, weight, port, RFC 2782 */
		break;
	case ERG_DNS_TYPE_SOA:
		/* MNAME RNAME, then five 32-bit fields (RFC 1035 3.3.13). */
		if (rdata_name(m->v, end, &off, target) < 0 ||
		    rdata_name(m->v, end, &off, d != NULL ? &d->rname : NULL) <
		        0 ||
		    end - off != 20) {
			return -ERG_EMALFORMED;
		}
		if (d != NULL) {
			for (i = 0; i < 5; i++) {
				d->soa[i] =
				    erg_be32(m->v.p + off + (size_t)4 * i);
			}
		}
		return 0;
	case ERG_DNS_TYPE_TXT:
		if (txt_check(rr->rdata) < 0) {
			return -ERG_EMALFORMED;
		}
		if (d != NULL) {
			d->txt = rr->rdata;
		}
		return 0;
	case ERG_DNS_TYPE_OPT:
		if (opt_check(rr->rdata) < 0) {
			return -ERG_EMALFORMED;
		}
		return -ERG_EUNSUPPORTED;
	default:
		return -ERG_EUNSUPPORTED;
	}
	/* A fixed part then a name that ends exactly at the rdata's end. */
	if (rr->rdata.len < fixed + 1) {
		return -ERG_EMALFORMED;
	}
	off += fixed;
	if (rdata_name(m->v, end, &off, target) < 0 || off != end) {
		return -ERG_EMALFORMED;
	}
	if (d != NULL && fixed > 0) {
		d->pref = erg_be16(p);
		if (fixed == 6) {
			d->weight = erg_be16(p + 2);
			d->port = erg_be16(p + 4);
		}
	}
	return 0;
}

/* Moves m to the next record section that has records left, if any. */
static void
next_section(struct erg_dns_msg *m)
{
	while (m->left == 0 && m->section < SEC_END) {
		m->section++;
		if (m->section < SEC_END) {
			m->left = m->hdr.count[m->section];
		}
	}
}

int
erg_dns_rr_next(struct erg_dns_msg *m, struct erg_dns_rr *rr)
{
	struct erg_dns_question q;
	size_t off, rdlen;
	int rc;

	/* Questions not read yet are read (validated) and dropped. */
	while (m->section == ERG_DNS_SEC_QUESTION) {
		rc = erg_dns_question_next(m, &q);
		if (rc < 0) {
			return rc;
		}
	}
	if (m->section == SEC_BAD) {
		return -ERG_EMALFORMED;
	}
	next_section(m);
	if (m->section >= SEC_END) {
		return 0;
	}
	off = m->off;
	rc = name_walk(m->v, &off, &rr->name);
	if (rc < 0) {
		return msg_fail(m, rc);
	}
	if (m->v.len - off < RR_FIXED) {
		return msg_fail(m, -ERG_ETRUNC);
	}
	rr->type = erg_be16(m->v.p + off);
	rr->rclass = erg_be16(m->v.p + off + 2);
	rr->ttl = erg_be32(m->v.p + off + 4);
	rdlen = erg_be16(m->v.p + off + 8);
	off += RR_FIXED;
	/* RFC 9267 5: RDLENGTH against the bytes that are there. */
	if (m->v.len - off < rdlen) {
		return msg_fail(m, -ERG_ETRUNC);
	}
	rr->section = (enum erg_dns_section)m->section;
	rr->rdata_off = off;
	rr->rdata = erg_view_make(m->v.p + off, rdlen);
	/* RFC 9267 5: and against the type's format. */
	rc = rdata_decode(m, rr, NULL);
	if (rc < 0 && rc != -ERG_EUNSUPPORTED) {
		return msg_fail(m, rc);
	}
	m->off = off + rdlen;
	m->left--;
	return 1;
}

int
erg_dns_rdata_parse(const struct erg_dns_msg *m, const struct erg_dns_rr *rr,
    struct erg_dns_rdata *d)
{
	/* rr must describe bytes of m: nothing is read outside them. */
	if (rr->rdata_off > m->v.len ||
	    rr->rdata.len > m->v.len - rr->rdata_off ||
	    rr->rdata.p != m->v.p + rr->rdata_off) {
		return -ERG_EMALFORMED;
	}
	memset(d, 0, sizeof(*d));
	return rdata_decode(m, rr, d);
}
