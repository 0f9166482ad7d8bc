/*
 * tools/common/tool_bytes.c: the deterministic stream (see tool_bytes.h).
 */
#include <string.h>

#include "common/tool_bytes.h"

/* 8-byte words per 4 KiB page. */
#define TOOL_BYTES_PAGE_WORDS 512u

static uint64_t
tool_bytes_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t
tool_bytes_word(uint64_t b)
{
	return tool_bytes_mix(b % TOOL_BYTES_PAGE_WORDS) ^
	    tool_bytes_mix(TOOL_BYTES_PAGE_SALT ^ (b / TOOL_BYTES_PAGE_WORDS));
}

uint8_t
tool_bytes_at(uint64_t off)
{
	return (uint8_t)(tool_bytes_word(off / 8) >> (8 * (off % 8)));
}

static void
tool_bytes_put_le64(uint8_t *p, uint64_t w)
{
	unsigned k;

	for (k = 0; k < 8; k++) {
		p[k] = (uint8_t)(w >> (8 * k));
	}
}

void
tool_bytes_fill(uint8_t *p, size_t len, uint64_t off)
{
	uint64_t b, page = UINT64_MAX, pv = 0;

	/* The head, up to a word boundary. */
	while (len > 0 && off % 8 != 0) {
		*p++ = tool_bytes_at(off++);
		len--;
	}
	/* Whole words: one page term per 512 words. */
	for (b = off / 8; len >= 8; b++) {
		if (b / TOOL_BYTES_PAGE_WORDS != page) {
			page = b / TOOL_BYTES_PAGE_WORDS;
			pv = tool_bytes_mix(TOOL_BYTES_PAGE_SALT ^ page);
		}
		tool_bytes_put_le64(p,
		    tool_bytes_mix(b % TOOL_BYTES_PAGE_WORDS) ^ pv);
		p += 8;
		len -= 8;
		off += 8;
	}
	/* The tail. */
	while (len > 0) {
		*p++ = tool_bytes_at(off++);
		len--;
	}
}

size_t
tool_bytes_check(const uint8_t *p, size_t len, uint64_t off)
{
	uint8_t buf[512];
	size_t done = 0, n, k;

	while (done < len) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		tool_bytes_fill(buf, n, off + done);
		if (memcmp(buf, p + done, n) != 0) {
			for (k = 0; buf[k] == p[done + k]; k++) {
			}
			return done + k;
		}
		done += n;
	}
	return len;
}
