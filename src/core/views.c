/*
 * src/core/views.c: operations over lists of views.
 */
#include "core.h"

void
erg_views_copy(uint8_t *dst, const struct erg_view *v, unsigned n, size_t off,
    size_t len)
{
	unsigned i;

	for (i = 0; i < n && len > 0; i++) {
		size_t take;

		if (off >= v[i].len) {
			off -= v[i].len;
			continue;
		}
		take = ERG_MIN(v[i].len - off, len);
		memcpy(dst, v[i].p + off, take);
		dst += take;
		len -= take;
		off = 0;
	}
}

unsigned
erg_views_slice(const struct erg_view *v, unsigned n, size_t off, size_t len,
    struct erg_view *out, unsigned max)
{
	unsigned i, k = 0;

	for (i = 0; i < n && len > 0; i++) {
		size_t take;

		if (off >= v[i].len) {
			off -= v[i].len;
			continue;
		}
		if (k == max) {
			return 0;
		}
		take = ERG_MIN(v[i].len - off, len);
		out[k].p = v[i].p + off;
		out[k].len = take;
		k++;
		len -= take;
		off = 0;
	}
	return k;
}
