/*
 * tools/common/tool_bytes.h: the deterministic byte stream that erg-echo
 * serves (HTTP GET /bytes/N, TCP chargen) and that erg-get --check-bytes
 * and the interop tests verify, so that a test checks a download of any
 * size by hash without storing a reference file.
 *
 * Definition (little-endian 64-bit words, 4 KiB pages):
 *
 *   mix(z)   = splitmix64's finaliser of z + 0x9e3779b97f4a7c15:
 *              z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9;
 *              z = (z ^ z >> 27) * 0x94d049bb133111eb; z ^ z >> 31
 *   word(b)  = mix(b mod 512) ^ mix(TOOL_BYTES_PAGE_SALT ^ (b div 512))
 *   byte(i)  = bits 8 * (i mod 8) .. + 7 of word(i div 8)
 *
 * so byte i of the stream depends only on i. Every 8-byte word of a page
 * differs from its neighbours (the first term), and every page from every
 * other (the second), so a segment delivered at the wrong offset, twice
 * or not at all changes the hash. The page structure lets a script
 * generate the stream quickly with big-integer XORs (tests/interop/
 * ergtest.py implements the same definition: "ergtest.py bytes N").
 */
#ifndef TOOL_BYTES_H
#define TOOL_BYTES_H

#include <stddef.h>
#include <stdint.h>

#define TOOL_BYTES_PAGE_SALT 0x6572672d62797465ull /* "erg-byte" */

/* The byte at offset off of the stream. */
uint8_t tool_bytes_at(uint64_t off);

/* Writes bytes [off, off + len) of the stream to p. */
void tool_bytes_fill(uint8_t *p, size_t len, uint64_t off);

/*
 * Compares p[0..len) with bytes [off, off + len) of the stream. Returns
 * len if they are equal, else the index of the first byte that differs.
 */
size_t tool_bytes_check(const uint8_t *p, size_t len, uint64_t off);

#endif
