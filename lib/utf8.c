/* utf8.c — UTF-8 validation (see utf8.h). */
#include "utf8.h"

bool dc_utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	while (s < end) {
		unsigned c = *s++;
		int k;
		unsigned min;
		if (c < 0x80)
			continue;
		else if ((c & 0xE0) == 0xC0) { k = 1; min = 0x80; c &= 0x1F; }
		else if ((c & 0xF0) == 0xE0) { k = 2; min = 0x800; c &= 0x0F; }
		else if ((c & 0xF8) == 0xF0) { k = 3; min = 0x10000; c &= 0x07; }
		else return false;
		if (end - s < k)
			return false;
		for (int i = 0; i < k; i++, s++) {
			if ((*s & 0xC0) != 0x80)
				return false;
			c = (c << 6) | (*s & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return false;
	}
	return true;
}
