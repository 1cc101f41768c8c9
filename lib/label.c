/*
 * label.c: 4x6 in shipping labels as ZPL II and as PDF, and the Code 128
 * symbol of the tracking number that both carry.
 *
 * One layout, in thousandths of an inch (mils), drives both formats: a
 * pen puts text, boxes and the barcode either as ZPL fields in printer
 * dots or as PDF page operators in thousandths of a point (1 mil is
 * exactly 72 of those), so the PDF needs no floating point and no
 * locale can put a decimal comma into it.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "label.h"

/* Code 128 values 0..105 and the stop (106): bar, space, bar, ... */
static const char *const c128[107] = {
	"212222", "222122", "222221", "121223", "121322", "131222",
	"122213", "122312", "132212", "221213", "221312", "231212",
	"112232", "122132", "122231", "113222", "123122", "123221",
	"223211", "221132", "221231", "213212", "223112", "312131",
	"311222", "321122", "321221", "312212", "322112", "322211",
	"212123", "212321", "232121", "111323", "131123", "131321",
	"112313", "132113", "132311", "211313", "231113", "231311",
	"112133", "112331", "132131", "113123", "113321", "133121",
	"313121", "211331", "231131", "213113", "213311", "213131",
	"311123", "311321", "331121", "312113", "312311", "332111",
	"314111", "221411", "431111", "111224", "111422", "121124",
	"121421", "141122", "141221", "112214", "112412", "122114",
	"122411", "142112", "142211", "241211", "221114", "413111",
	"241112", "134111", "111242", "121142", "121241", "114212",
	"124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113",
	"114311", "411113", "411311", "113141", "114131", "311141",
	"411131", "211412", "211214", "211232", "2331112",
};

enum {
	C128_CODE_C = 99,	/* in set B: go to set C */
	C128_CODE_B = 100,	/* in set C: go to set B */
	C128_START_B = 104,
	C128_START_C = 105,
	C128_STOP = 106
};

struct c128 {
	struct oms_buf *w;
	size_t n;		/* symbols so far, the start included */
	unsigned long sum;	/* the check sum so far, mod 103 */
};

static void
c128_put(struct c128 *c, int v)
{
	/* The start and the first data character both weigh 1. */
	unsigned long weight = c->n ? c->n % 103 : 1;

	oms_buf_adds(c->w, c128[v]);
	c->sum = (c->sum + (unsigned long)v * weight) % 103;
	c->n++;
}

static size_t
digit_run(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

int
oms_code128(const char *data, struct oms_buf *widths)
{
	struct c128 c = { widths, 0, 0 };
	const char *s;
	int set = 0;

	oms_buf_reset(widths);
	if (data == NULL || *data == '\0')
		return oms_seterr("Code 128: nothing to encode");
	for (s = data; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch > 0x7f)
			return oms_seterr("Code 128 cannot carry byte 0x%02x "
			    "at position %zu", ch, (size_t)(s - data) + 1);
	}
	for (s = data; *s != '\0'; ) {
		size_t run = digit_run(s);

		if (run < 4 || run % 2 == 1) {
			/* Set B; an odd run of digits leaves its first here. */
			if (set != 'B')
				c128_put(&c, set ? C128_CODE_B : C128_START_B);
			set = 'B';
			c128_put(&c, *s++ - 0x20);
			continue;
		}
		if (set != 'C')
			c128_put(&c, set ? C128_CODE_C : C128_START_C);
		set = 'C';
		for (; run > 0; run -= 2, s += 2)
			c128_put(&c, (s[0] - '0') * 10 + s[1] - '0');
	}
	oms_buf_adds(widths, c128[c.sum]);
	oms_buf_adds(widths, c128[C128_STOP]);
	return OMS_OK;
}

/* The layout, in mils. */
#define LABEL_W 4000
#define LABEL_H 6000
#define MARGIN 150
#define BAR_H 1000		/* the barcode: 1 in tall */
#define QUIET 10		/* modules of white each side of it */
#define MIN_SCALE 60		/* condense text to 60% before cutting it */

struct pen {
	int pdf;		/* else ZPL */
	int dpi;		/* ZPL: 203 or 300 */
	struct oms_buf *out;	/* ZPL: the label; PDF: the page's stream */
	struct oms_buf t;	/* the text being put */
	struct oms_buf bars;	/* the tracking number's Code 128 widths */
	const char *tracking;
	int modules;		/* across the bars, quiet zones left out */
	int module;		/* ZPL: dots; PDF: thousandths of a point */
};

/* Helvetica and Helvetica-Bold advance widths (1/1000 em), ' '..'~'. */
static const short helv[2][95] = { {
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278,
	333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
	278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611,
	778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
	611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333,
	556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,
	556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,
	334, 260, 334, 584,
}, {
	278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278,
	333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
	333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611,
	778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667,
	611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333,
	556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889,
	611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500,
	389, 280, 389, 584,
} };

/* The letters U+00C0..U+00FF are about as wide as these. */
static const char latin1_base[] =
	"AAAAAA" "\0" "C" "EEEEIIII" "DNOOOOO+" "OUUUUYPn"
	"aaaaaa" "\0" "c" "eeeeiiii" "onooooo+" "ouuuuypy";

/* Width of a character in 1/1000 em, near enough to fit lines. */
static int
char_width(unsigned cp, int bold)
{
	if (cp >= 0x20 && cp < 0x7f)
		return helv[bold][cp - 0x20];
	if (cp == 0xc6)
		return 1000;
	if (cp == 0xe6)
		return 889;
	if (cp >= 0xc0 && cp <= 0xff)
		return helv[bold][latin1_base[cp - 0xc0] - 0x20];
	if (cp < 0xc0)
		return 556;
	return cp < 0x2e80 ? 722 : 1000;
}

/* The next code point of valid UTF-8. */
static unsigned
utf8_next(const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	unsigned c = *s++;
	int k = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;

	if (k > 0)
		c &= 0x3fu >> k;
	while (k-- > 0)
		c = c << 6 | (*s++ & 0x3f);
	*sp = (const char *)s;
	return c;
}

static long
text_width(const char *s, int bold)
{
	long w = 0;

	while (*s != '\0')
		w += char_width(utf8_next(&s), bold);
	return w;
}

/*
 * Record text made fit to print: valid UTF-8 (stray bytes read as
 * Windows-1252), control characters as spaces, spaces run together,
 * trimmed.
 */
static void
clean(struct oms_buf *t, const char *s)
{
	struct oms_buf u = { NULL, 0, 0 };
	const char *p, *q;

	oms_buf_reset(t);
	if (s == NULL || *s == '\0')
		return;
	oms_utf8_repair(&u, s, strlen(s));
	for (p = u.s; *p != '\0'; ) {
		unsigned cp;

		q = p;
		cp = utf8_next(&p);
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 ||
		    cp == 0x2029)
			cp = ' ';
		if (cp == ' ') {
			if (t->len > 0 && t->s[t->len - 1] != ' ')
				oms_buf_addc(t, ' ');
			continue;
		}
		oms_buf_add(t, q, (size_t)(p - q));
	}
	if (t->len > 0 && t->s[t->len - 1] == ' ')
		t->s[--t->len] = '\0';
	oms_buf_free(&u);
}

/*
 * Make t fit in maxw mils at height h: the percentage to condense it
 * by, and when even MIN_SCALE is too wide, t cut short with "...".
 */
static int
fit(struct oms_buf *t, int h, int bold, int maxw)
{
	long w = text_width(t->s, bold);
	long room = (long)maxw * 1000 / h;
	long budget, used = 0;
	const char *p, *q;

	if (w <= room)
		return 100;
	if (w * MIN_SCALE <= room * 100)
		return (int)(room * 100 / w);
	budget = room * 100 / MIN_SCALE - 3 * char_width('.', bold);
	for (p = t->s; *p != '\0'; ) {
		q = p;
		used += char_width(utf8_next(&p), bold);
		if (used > budget) {
			p = q;
			break;
		}
	}
	t->len = (size_t)(p - t->s);
	while (t->len > 0 && t->s[t->len - 1] == ' ')
		t->len--;
	t->s[t->len] = '\0';
	oms_buf_adds(t, "...");
	return MIN_SCALE;
}

static int
dots(const struct pen *p, int mils)
{
	return (mils * p->dpi + 500) / 1000;
}

/* A PDF number from thousandths, shortest form, and a space. */
static void
pdf_num(struct oms_buf *b, long v)
{
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	unsigned long frac = u % 1000;
	char f[8];
	int n;

	if (frac == 0) {
		oms_buf_printf(b, "%s%lu ", v < 0 ? "-" : "", u / 1000);
		return;
	}
	n = snprintf(f, sizeof f, "%03lu", frac);
	while (n > 0 && f[n - 1] == '0')
		f[--n] = '\0';
	oms_buf_printf(b, "%s%lu.%s ", v < 0 ? "-" : "", u / 1000, f);
}

/* ^ and ~ start ZPL commands and _ starts a ^FH escape: hex them all. */
static void
zpl_data(struct oms_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '^' || *s == '~' || *s == '_')
			oms_buf_printf(b, "_%02X", (unsigned char)*s);
		else
			oms_buf_addc(b, *s);
	}
}

/* Windows-1252 for the code point, or -1. */
static int
winansi(unsigned cp)
{
	static const unsigned short hi[32] = {
		0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
		0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
		0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
		0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
	};

	if ((cp >= 0x20 && cp < 0x7f) || (cp >= 0xa0 && cp <= 0xff))
		return (int)cp;
	for (int i = 0; i < 32; i++)
		if (hi[i] != 0 && hi[i] == cp)
			return 0x80 + i;
	return -1;
}

/*
 * A PDF string of UTF-8 text in WinAnsiEncoding: ( ) \ escaped, every
 * byte outside printable ASCII in octal, so the file stays 7-bit.
 */
void
oms_pdf_string(struct oms_buf *b, const char *s)
{
	oms_buf_addc(b, '(');
	while (*s != '\0') {
		int c = winansi(utf8_next(&s));

		if (c < 0)
			c = '?';
		if (c == '(' || c == ')' || c == '\\')
			oms_buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			oms_buf_printf(b, "\\%03o", (unsigned)c);
		else
			oms_buf_addc(b, (char)c);
	}
	oms_buf_addc(b, ')');
}

/* A filled box; a rule is a flat one. */
static void
put_box(struct pen *p, int x, int y, int w, int h)
{
	if (!p->pdf) {
		int wd = dots(p, w), hd = dots(p, h);

		oms_buf_printf(p->out, "^FO%d,%d^GB%d,%d,%d^FS\n", dots(p, x),
		    dots(p, y), wd, hd, wd < hd ? wd : hd);
		return;
	}
	pdf_num(p->out, (long)x * 72);
	pdf_num(p->out, (long)(LABEL_H - y - h) * 72);
	pdf_num(p->out, (long)w * 72);
	pdf_num(p->out, (long)h * 72);
	oms_buf_adds(p->out, "re f\n");
}

/*
 * Text s at (x, y), its top, h mils high, in at most maxw mils: centred
 * there when centre, white (on a box put before) when white.  Nothing
 * for empty text, and then 0.
 */
static int
put_text(struct pen *p, int x, int y, int h, int bold, int maxw, int centre,
    int white, const char *s)
{
	int scale;

	clean(&p->t, s);
	if (p->t.len == 0)
		return 0;
	scale = fit(&p->t, h, bold, maxw);
	if (!p->pdf) {
		int hd = dots(p, h);

		oms_buf_printf(p->out, "^FO%d,%d^A0N,%d,%d", dots(p, x),
		    dots(p, y), hd, hd * scale / 100);
		if (centre)
			oms_buf_printf(p->out, "^FB%d,1,0,C", dots(p, maxw));
		oms_buf_adds(p->out, white ? "^FR^FH^FD" : "^FH^FD");
		zpl_data(p->out, p->t.s);
		oms_buf_adds(p->out, "^FS\n");
		return 1;
	}
	if (centre)
		x += (int)((maxw - text_width(p->t.s, bold) * h / 1000 *
		    scale / 100) / 2);
	if (white)
		oms_buf_adds(p->out, "1 g\n");
	oms_buf_printf(p->out, "BT /F%d ", bold ? 2 : 1);
	pdf_num(p->out, (long)h * 72);
	oms_buf_adds(p->out, "Tf ");
	if (scale != 100)
		oms_buf_printf(p->out, "%d Tz ", scale);
	pdf_num(p->out, (long)x * 72);
	/* The baseline sits about 0.78 of the height below the top. */
	pdf_num(p->out, ((long)(LABEL_H - y) * 100 - (long)h * 78) * 72 / 100);
	oms_buf_adds(p->out, "Td ");
	oms_pdf_string(p->out, p->t.s);
	oms_buf_adds(p->out, " Tj ET\n");
	if (white)
		oms_buf_adds(p->out, "0 g\n");
	return 1;
}

/* Choose the module width for the barcode, or fail: it does not fit. */
static int
bar_module(struct pen *p)
{
	int m, lo;

	p->modules = 0;
	for (size_t i = 0; i < p->bars.len; i++)
		p->modules += p->bars.s[i] - '0';
	if (p->pdf) {
		/* 0.02 in if there is room, no less than 0.015 in. */
		m = LABEL_W * 72 / (p->modules + 2 * QUIET);
		if (m > 20 * 72)
			m = 20 * 72;
		lo = 15 * 72;
	} else {
		/* Whole dots: 0.02 in down to 0.01 in. */
		int pw = dots(p, LABEL_W);

		for (m = p->dpi == 300 ? 6 : 4;
		    m > 1 && (p->modules + 2 * QUIET) * m > pw; m--)
			;
		lo = p->dpi == 300 ? 3 : 2;
	}
	if (m < lo)
		return oms_seterr("tracking number '%s' is too long for "
		    "a 4x6 label", p->tracking);
	p->module = m;
	return OMS_OK;
}

/* The barcode, centred across the label, its top at y. */
static void
put_barcode(struct pen *p, int y, int h)
{
	long x, y0;

	if (!p->pdf) {
		int hd = dots(p, h);

		oms_buf_printf(p->out,
		    "^FO%d,%d^BY%d,3,%d^BCN,%d,N,N,N,A^FH^FD",
		    (dots(p, LABEL_W) - p->modules * p->module) / 2,
		    dots(p, y), p->module, hd, hd);
		zpl_data(p->out, p->tracking);
		oms_buf_adds(p->out, "^FS\n");
		return;
	}
	x = ((long)LABEL_W * 72 - (long)p->modules * p->module) / 2;
	y0 = (long)(LABEL_H - y - h) * 72;
	for (size_t i = 0; i < p->bars.len; i++) {
		long w = (long)(p->bars.s[i] - '0') * p->module;

		if (i % 2 == 0) {
			pdf_num(p->out, x);
			pdf_num(p->out, y0);
			pdf_num(p->out, w);
			pdf_num(p->out, (long)h * 72);
			oms_buf_adds(p->out, "re\n");
		}
		x += w;
	}
	oms_buf_adds(p->out, "f\n");
}

static int
has(const char *s)
{
	return s != NULL && *s != '\0';
}

/* An address, a line a field; the y below its last line. */
static int
put_addr(struct pen *p, const struct oms_label_addr *a, int x, int y, int h,
    int step, int maxw)
{
	const char *lines[] = { a->name, a->company, a->address1, a->address2 };
	struct oms_buf b = { NULL, 0, 0 };

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (put_text(p, x, y, h, i == 0, maxw, 0, 0, lines[i]))
			y += step;
	/* "City, RE 12345" */
	if (has(a->city))
		oms_buf_adds(&b, a->city);
	if (has(a->region))
		oms_buf_printf(&b, "%s%s", b.len ? ", " : "", a->region);
	if (has(a->postal_code))
		oms_buf_printf(&b, "%s%s", b.len ? " " : "", a->postal_code);
	if (b.len > 0 && put_text(p, x, y, h, 0, maxw, 0, 0, b.s))
		y += step;
	if (put_text(p, x, y, h, 0, maxw, 0, 0, a->country))
		y += step;
	oms_buf_free(&b);
	return y;
}

/* "2.50 KG", or "5 LB 8 OZ" to the nearest ounce. */
static void
weight(struct oms_buf *b, long g, int imperial)
{
	long long oz, cg;

	if (!imperial) {
		cg = ((long long)g + 5) / 10;
		oms_buf_printf(b, "WT %lld.%02lld KG", cg / 100, cg % 100);
		return;
	}
	/* 1 oz = 28.349523125 g */
	oz = ((long long)g * 1000000 + 14174761) / 28349523;
	if (oz == 0)
		oz = 1;
	oms_buf_adds(b, "WT");
	if (oz >= 16)
		oms_buf_printf(b, " %lld LB", oz / 16);
	if (oz % 16 != 0)
		oms_buf_printf(b, " %lld OZ", oz % 16);
}

/* The one layout both formats share. */
static void
draw(struct pen *p, const struct oms_label *l)
{
	struct oms_buf b = { NULL, 0, 0 };
	int n, m, y;

	/* Ship-from, small, top left; date, weight, n of m beside it. */
	y = put_addr(p, &l->from, MARGIN, MARGIN, 110, 135, 2250);
	if (has(l->from.phone)) {
		oms_buf_printf(&b, "TEL %s", l->from.phone);
		put_text(p, MARGIN, y, 110, 0, 2250, 0, 0, b.s);
	}
	y = MARGIN;
	if (has(l->ship_date)) {
		oms_buf_reset(&b);
		oms_buf_printf(&b, "DATE %s", l->ship_date);
		y += 150 * put_text(p, 2500, y, 120, 1, 1350, 0, 0, b.s);
	}
	if (l->weight_g > 0) {
		oms_buf_reset(&b);
		weight(&b, l->weight_g, l->imperial);
		y += 150 * put_text(p, 2500, y, 120, 1, 1350, 0, 0, b.s);
	}
	n = l->package > 0 ? l->package : 1;
	m = l->packages > 0 ? l->packages : n;
	oms_buf_reset(&b);
	oms_buf_printf(&b, "PKG %d OF %d", n, m);
	put_text(p, 2500, y, 120, 1, 1350, 0, 0, b.s);
	put_box(p, MARGIN, 1170, LABEL_W - 2 * MARGIN, 20);

	/* Ship-to, large. */
	put_text(p, MARGIN, 1250, 120, 1, 1000, 0, 0, "SHIP TO:");
	y = put_addr(p, &l->to, 350, 1420, 200, 235, LABEL_W - 350 - MARGIN);
	if (has(l->to.phone)) {
		oms_buf_reset(&b);
		oms_buf_printf(&b, "TEL %s", l->to.phone);
		put_text(p, 350, y + 10, 120, 0, 3500, 0, 0, b.s);
	}
	put_box(p, MARGIN, 3060, LABEL_W - 2 * MARGIN, 20);

	if (l->is_return) {
		/* White on black, where a sorter and the customer see it. */
		put_box(p, MARGIN, 3100, 1500, 340);
		put_text(p, MARGIN, 3140, 260, 1, 1500, 1, 1, "RETURN");
		put_text(p, MARGIN + 1600, 3140, 260, 1,
		    LABEL_W - 2 * MARGIN - 1600, 0, 0,
		    has(l->service) ? l->service : l->carrier);
	} else
		put_text(p, MARGIN, 3140, 260, 1, LABEL_W - 2 * MARGIN, 0, 0,
		    has(l->service) ? l->service : l->carrier);
	put_box(p, MARGIN, 3480, LABEL_W - 2 * MARGIN, 20);

	oms_buf_reset(&b);
	oms_buf_printf(&b, "TRACKING # %s", l->tracking);
	put_text(p, MARGIN, 3560, 140, 1, LABEL_W - 2 * MARGIN, 0, 0, b.s);
	put_barcode(p, 3760, BAR_H);
	put_box(p, MARGIN, 4860, LABEL_W - 2 * MARGIN, 20);

	if (has(l->reference)) {
		oms_buf_reset(&b);
		oms_buf_printf(&b, "%s %s", l->is_return ? "RMA" : "REF",
		    l->reference);
		put_text(p, MARGIN, 4940, l->is_return ? 200 : 140,
		    l->is_return, LABEL_W - 2 * MARGIN, 0, 0, b.s);
	}
	if (l->test) {
		put_box(p, MARGIN, 5250, LABEL_W - 2 * MARGIN, 500);
		put_text(p, MARGIN, 5350, 300, 1, LABEL_W - 2 * MARGIN, 1, 1,
		    "NOT FOR SHIPMENT");
	}
	oms_buf_free(&b);
}

static int
pen_open(struct pen *p, const struct oms_label *l)
{
	if (!has(l->tracking))
		return oms_seterr("the label has no tracking number");
	p->tracking = l->tracking;
	if (oms_code128(l->tracking, &p->bars) != OMS_OK)
		return oms_seterr("tracking number: %s", oms_error());
	return bar_module(p);
}

static void
pen_close(struct pen *p)
{
	oms_buf_free(&p->t);
	oms_buf_free(&p->bars);
}

int
oms_label_zpl(const struct oms_label *l, int dpi, struct oms_buf *out)
{
	struct pen p;
	int rc;

	memset(&p, 0, sizeof p);
	if (dpi != 203 && dpi != 300)
		return oms_seterr("labels print at 203 or 300 dpi, not %d",
		    dpi);
	p.dpi = dpi;
	p.out = out;
	if ((rc = pen_open(&p, l)) != OMS_OK)
		goto out;
	oms_buf_printf(out, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n",
	    dots(&p, LABEL_W), dots(&p, LABEL_H));
	draw(&p, l);
	oms_buf_adds(out, "^XZ\n");
out:
	pen_close(&p);
	return rc;
}

int
oms_label_pdf(const struct oms_label *l, struct oms_buf *out)
{
	static const char *const objs[] = {
		NULL,
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432]\n"
		"   /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >>\n"
		"   /Contents 4 0 R >>",
		NULL,	/* the content stream */
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica\n"
		"   /Encoding /WinAnsiEncoding >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold\n"
		"   /Encoding /WinAnsiEncoding >>",
		"<< /Producer (oms " OMS_VERSION ") >>",
	};
	enum { NOBJ = sizeof objs / sizeof objs[0] };
	struct oms_buf page = { NULL, 0, 0 };
	size_t base = out->len, off[NOBJ], xref;
	struct pen p;
	int rc;

	memset(&p, 0, sizeof p);
	p.pdf = 1;
	p.out = &page;
	if ((rc = pen_open(&p, l)) != OMS_OK)
		goto out;
	draw(&p, l);

	/* The second line's high bytes mark the file as binary for tools. */
	oms_buf_adds(out, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	for (int i = 1; i < NOBJ; i++) {
		off[i] = out->len - base;
		oms_buf_printf(out, "%d 0 obj\n", i);
		if (i == 4) {
			oms_buf_printf(out, "<< /Length %zu >>\nstream\n",
			    page.len);
			oms_buf_add(out, page.s, page.len);
			oms_buf_adds(out, "\nendstream");
		} else
			oms_buf_adds(out, objs[i]);
		oms_buf_adds(out, "\nendobj\n");
	}
	xref = out->len - base;
	oms_buf_printf(out, "xref\n0 %d\n0000000000 65535 f \n", (int)NOBJ);
	for (int i = 1; i < NOBJ; i++)
		oms_buf_printf(out, "%010zu 00000 n \n", off[i]);
	oms_buf_printf(out, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n"
	    "startxref\n%zu\n%%%%EOF\n", (int)NOBJ, (int)NOBJ - 1, xref);
out:
	pen_close(&p);
	oms_buf_free(&page);
	return rc;
}

void
oms_label_addr(const cJSON *a, struct oms_label_addr *l)
{
	memset(l, 0, sizeof *l);
	l->name = oms_json_str(a, "name");
	l->company = oms_json_str(a, "company");
	l->address1 = oms_json_str(a, "address1");
	l->address2 = oms_json_str(a, "address2");
	l->city = oms_json_str(a, "city");
	l->region = oms_json_str(a, "region");
	l->postal_code = oms_json_str(a, "postal_code");
	l->country = oms_json_str(a, "country");
	l->phone = oms_json_str(a, "phone");
}
