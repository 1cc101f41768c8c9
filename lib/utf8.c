/*
 * utf8.c: UTF-8 validation, the Windows-1252 fallback that Amazon's and
 * Excel's files need, and a 64-bit FNV-1a hash.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"

int
oms_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned min, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* Windows-1252 0x80..0x9f; the five undefined bytes keep their C1 code. */
static const unsigned short cp1252[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

void
oms_cp1252_to_utf8(struct oms_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < n; i++) {
		unsigned cp = s[i];
		char u[3];

		if (cp < 0x80) {
			oms_buf_addc(b, (char)cp);
			continue;
		}
		if (cp < 0xa0)
			cp = cp1252[cp - 0x80];
		if (cp < 0x800) {
			u[0] = (char)(0xc0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3f));
			oms_buf_add(b, u, 2);
		} else {
			u[0] = (char)(0xe0 | cp >> 12);
			u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			oms_buf_add(b, u, 3);
		}
	}
}

/*
 * Text that is mostly UTF-8 with some Windows-1252 in it (a report
 * pasted together, one bad record): keep every valid UTF-8 sequence and
 * read each byte that is not part of one as Windows-1252.  Pure
 * Windows-1252 comes out as oms_cp1252_to_utf8 would make it.
 */
void
oms_utf8_repair(struct oms_buf *b, const char *str, size_t n)
{
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char c = (unsigned char)str[i];
		size_t k = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 :
		    c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

		if (k > 0 && i + k <= n && oms_utf8_valid(str + i, k)) {
			i += k;
			run += k;
			continue;
		}
		oms_buf_add(b, str + i - run, run);
		run = 0;
		oms_cp1252_to_utf8(b, str + i, 1);
		i++;
	}
	oms_buf_add(b, str + i - run, run);
}

uint64_t
oms_hash64(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static const struct {
	const char *name;
	unsigned cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "ndash", 0x2013 },
	{ "mdash", 0x2014 }, { "hellip", 0x2026 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "laquo", 0xab }, { "raquo", 0xbb }, { "times", 0xd7 },
	{ "euro", 0x20ac }, { "pound", 0xa3 }, { "copy", 0xa9 },
	{ "reg", 0xae }, { "trade", 0x2122 }, { "deg", 0xb0 },
	{ "frac12", 0xbd }, { "frac14", 0xbc }, { "frac34", 0xbe },
	{ "eacute", 0xe9 }, { "egrave", 0xe8 }, { "aacute", 0xe1 },
	{ "agrave", 0xe0 }, { "uuml", 0xfc }, { "ouml", 0xf6 },
	{ "auml", 0xe4 }, { "Uuml", 0xdc }, { "Ouml", 0xd6 },
	{ "Auml", 0xc4 }, { "szlig", 0xdf }, { "ccedil", 0xe7 },
	{ "ntilde", 0xf1 }, { "iacute", 0xed }, { "oacute", 0xf3 },
	{ "uacute", 0xfa },
};

static void
put_cp(struct oms_buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80)
		oms_buf_addc(b, (char)cp);
	else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		oms_buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		oms_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		oms_buf_add(b, u, 4);
	}
}

/* Decode the HTML entities WooCommerce leaves in names; others stay. */
void
oms_html_decode(struct oms_buf *b, const char *s)
{
	while (*s) {
		const char *semi;
		size_t n;

		/* Entities are short: look no further than 12 bytes. */
		if (*s != '&' || (semi = memchr(s, ';', strnlen(s, 12))) == NULL ||
		    (n = (size_t)(semi - s - 1)) == 0 || n > 10) {
			oms_buf_addc(b, *s++);
			continue;
		}
		if (s[1] == '#') {
			char *end;
			unsigned long cp = s[2] == 'x' || s[2] == 'X' ?
			    strtoul(s + 3, &end, 16) : strtoul(s + 2, &end, 10);

			if (end == semi && cp > 0 && cp <= 0x10ffff &&
			    !(cp >= 0xd800 && cp <= 0xdfff)) {
				put_cp(b, (unsigned)cp);
				s = semi + 1;
				continue;
			}
		} else {
			size_t i;

			for (i = 0; i < sizeof entities / sizeof entities[0]; i++)
				if (strlen(entities[i].name) == n &&
				    strncmp(entities[i].name, s + 1, n) == 0)
					break;
			if (i < sizeof entities / sizeof entities[0]) {
				put_cp(b, entities[i].cp);
				s = semi + 1;
				continue;
			}
		}
		oms_buf_addc(b, *s++);
	}
}
