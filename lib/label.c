/*
 * label.c: 4x6 in shipping labels as ZPL II, PDF and PNG, with the
 * tracking number as a Code 128 (or GS1-128) barcode and, when the label
 * asks, a 2D symbol (PDF417, MaxiCode, Data Matrix, QR).
 *
 * One layout, in thousandths of an inch (mils), drives every format: a
 * pen puts text, boxes and symbols either as ZPL fields in printer dots,
 * for the printer to set in its own font and draw the symbols, or
 * through cairo, whose user space is in mils: the text through pango
 * (draw.c), so any script prints, and the symbols as libzint encodes and
 * lays them out.  In a PNG the symbols' modules are whole pixels.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "label.h"
#include "draw.h"

/* The layout, in mils. */
#define LABEL_W 4000
#define LABEL_H 6000
#define MARGIN 150
#define BAR_Y 3760		/* the barcode's top */
#define BAR_H 1000		/* the barcode: 1 in tall */
#define BAR_H_2D 800		/* ... and 0.8 in beside a 2D symbol */
#define QUIET 10		/* modules of white each side of it */
#define MIN_SCALE 60		/* condense text to 60% before cutting it */
#define SYM_W 2000		/* the box a 2D symbol may fill, across */
#define SYM_MOD 20		/* its modules no wider than 0.02 in */
#define MAXI_W 1110		/* MaxiCode is 1.11 in across, always */

enum { ZPL, PDF, PNG };

/* A symbol as libzint encoded it, and how it goes on the label. */
struct sym {
	struct zint_symbol *z;
	int kind;		/* OMS_SYM_... */
	int modules;		/* across, quiet zones left out */
	double module;		/* mils; ZPL: dots */
};

struct pen {
	int mode;		/* ZPL, PDF or PNG */
	int dpi;		/* ZPL and PNG: 203 or 300 */
	struct oms_buf *out;	/* ZPL: the label */
	cairo_t *cr;		/* PDF and PNG: the page, in mils */
	struct oms_buf t;	/* the text being put */
	const char *lang;	/* the address being put: its language */
	const char *tracking;
	struct sym bar;		/* the tracking number's barcode */
	struct sym sym;		/* the 2D symbol, if any */
	int bar_h;
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

/*
 * Width of a character in 1/1000 em in the printer's font 0, near
 * enough to fit ZPL lines (PDF and PNG measure with pango).
 */
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
 * Make t fit in maxw mils at height h in ZPL: the percentage to condense
 * it by, and when even MIN_SCALE is too wide, t cut short with "...".
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
dots(const struct pen *p, double mils)
{
	return (int)((mils * p->dpi + 500) / 1000);
}

/* PNG: mils moved onto the nearest whole pixel. */
static double
snap(const struct pen *p, double mils)
{
	if (p->mode != PNG)
		return mils;
	return (double)dots(p, mils) * 1000 / p->dpi;
}

/*
 * ^ and ~ start ZPL commands and _ starts a ^FH escape: hex them all,
 * and in a symbol's data (bytes) every byte outside printable ASCII.
 */
static void
zpl_data(struct oms_buf *b, const char *s, int bytes)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '^' || c == '~' || c == '_' ||
		    (bytes && (c < 0x20 || c > 0x7e)))
			oms_buf_printf(b, "_%02X", c);
		else
			oms_buf_addc(b, *s);
	}
}

/* A filled box; a rule is a flat one. */
static void
put_box(struct pen *p, int x, int y, int w, int h)
{
	if (p->mode == ZPL) {
		int wd = dots(p, w), hd = dots(p, h);

		oms_buf_printf(p->out, "^FO%d,%d^GB%d,%d,%d^FS\n", dots(p, x),
		    dots(p, y), wd, hd, wd < hd ? wd : hd);
		return;
	}
	cairo_rectangle(p->cr, x, y, w, h);
	cairo_fill(p->cr);
}

/* put_text through pango: measured, condensed, cut as in ZPL. */
static void
put_text_cairo(struct pen *p, int x, int y, int h, int bold, int maxw,
    int centre, int white, const char *lang)
{
	PangoLayout *ly = oms_draw_layout(p->t.s, h, bold, lang);
	double w = oms_draw_width(ly), sx = 1;

	if (w > maxw) {
		sx = (double)maxw / w;
		if (sx * 100 < MIN_SCALE) {
			sx = MIN_SCALE / 100.0;
			oms_draw_cut(ly, maxw / sx);
			w = oms_draw_width(ly);
		}
	}
	if (white)
		cairo_set_source_rgb(p->cr, 1, 1, 1);
	/* The baseline sits about 0.78 of the height below the top. */
	oms_draw_show(p->cr, ly, centre ? x + (maxw - w * sx) / 2 : x,
	    y + h * 0.78, sx);
	if (white)
		cairo_set_source_rgb(p->cr, 0, 0, 0);
	g_object_unref(ly);
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

	oms_draw_clean(&p->t, s);
	if (p->t.len == 0)
		return 0;
	if (p->mode != ZPL) {
		put_text_cairo(p, x, y, h, bold, maxw, centre, white, p->lang);
		return 1;
	}
	scale = fit(&p->t, h, bold, maxw);
	{
		int hd = dots(p, h);

		oms_buf_printf(p->out, "^FO%d,%d^A0N,%d,%d", dots(p, x),
		    dots(p, y), hd, hd * scale / 100);
		if (centre)
			oms_buf_printf(p->out, "^FB%d,1,0,C", dots(p, maxw));
		oms_buf_adds(p->out, white ? "^FR^FH^FD" : "^FH^FD");
		zpl_data(p->out, p->t.s, 0);
		oms_buf_adds(p->out, "^FS\n");
	}
	return 1;
}

static const char *
sym_name(int kind)
{
	switch (kind) {
	case OMS_SYM_GS1_128:
		return "GS1-128";
	case OMS_SYM_PDF417:
		return "PDF417";
	case OMS_SYM_MAXICODE:
		return "MaxiCode";
	case OMS_SYM_DATAMATRIX:
		return "Data Matrix";
	case OMS_SYM_QR:
		return "QR";
	default:
		return "Code 128";
	}
}

/*
 * Encode data as kind with libzint, laid out as vectors: one unit of
 * them is half a module.  For MaxiCode, primary is the postcode, country
 * and class of service (mode 2 or 3); without it, mode 4.
 */
static int
sym_encode(struct sym *s, int kind, const char *data, const char *primary)
{
	static const int zk[] = {
		[OMS_SYM_CODE128] = BARCODE_CODE128,
		[OMS_SYM_GS1_128] = BARCODE_GS1_128,
		[OMS_SYM_PDF417] = BARCODE_PDF417,
		[OMS_SYM_MAXICODE] = BARCODE_MAXICODE,
		[OMS_SYM_DATAMATRIX] = BARCODE_DATAMATRIX,
		[OMS_SYM_QR] = BARCODE_QRCODE,
	};
	struct zint_symbol *z;
	int rc;

	if (kind <= OMS_SYM_NONE || kind > OMS_SYM_QR)
		return oms_seterr("no symbology %d", kind);
	if (data == NULL || *data == '\0')
		return oms_seterr("%s: nothing to encode", sym_name(kind));
	oms_draw_load();
	z = ZBarcode_Create();
	if (z == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	z->symbology = zk[kind];
	z->show_hrt = 0;
	z->input_mode = kind == OMS_SYM_GS1_128 ? GS1_MODE : DATA_MODE;
	z->warn_level = WARN_FAIL_ALL;
	if (kind == OMS_SYM_PDF417)
		z->option_1 = 5;	/* error correction level, as ZPL */
	if (kind == OMS_SYM_QR)
		z->option_1 = 3;	/* level Q, as ZPL's "QA," */
	if (kind == OMS_SYM_MAXICODE && primary != NULL && *primary != '\0') {
		if (strlen(primary) >= sizeof z->primary) {
			ZBarcode_Delete(z);
			return oms_seterr("MaxiCode: primary message too long");
		}
		strcpy(z->primary, primary);
	}
	rc = ZBarcode_Encode_and_Buffer_Vector(z, (const unsigned char *)data,
	    (int)strlen(data), 0);
	if (rc >= ZINT_ERROR || z->vector == NULL || z->width <= 0) {
		rc = oms_seterr("%s: %s", sym_name(kind), z->errtxt[0] ?
		    z->errtxt : "libzint cannot encode it");
		ZBarcode_Delete(z);
		return rc;
	}
	s->z = z;
	s->kind = kind;
	s->modules = z->width;
	return OMS_OK;
}

static void
sym_free(struct sym *s)
{
	if (s->z != NULL)
		ZBarcode_Delete(s->z);
	memset(s, 0, sizeof *s);
}

/*
 * Draw what libzint laid out, its top left at (x, y) mils, sx and sy
 * mils a vector unit across and down.
 */
static void
sym_draw(struct pen *p, const struct sym *s, double x, double y, double sx,
    double sy)
{
	const struct zint_vector *v = s->z->vector;
	cairo_t *cr = p->cr;

	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, sx, sy);
	/* Whole-pixel modules need no smoothing, and scan better without. */
	if (p->mode == PNG && v->hexagons == NULL)
		cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
	for (const struct zint_vector_rect *r = v->rectangles; r; r = r->next)
		if (r->colour == -1 || r->colour == 7)
			cairo_rectangle(cr, r->x, r->y, r->width, r->height);
	cairo_fill(cr);
	for (const struct zint_vector_hexagon *h = v->hexagons; h;
	    h = h->next) {
		/* Pointed top and bottom, unless turned a quarter. */
		double rad = h->diameter / 2, a = h->diameter / 4;
		double b = h->diameter * 0.43301270189221932338;

		if (h->rotation == 0 || h->rotation == 180) {
			cairo_move_to(cr, h->x, h->y + rad);
			cairo_line_to(cr, h->x + b, h->y + a);
			cairo_line_to(cr, h->x + b, h->y - a);
			cairo_line_to(cr, h->x, h->y - rad);
			cairo_line_to(cr, h->x - b, h->y - a);
			cairo_line_to(cr, h->x - b, h->y + a);
		} else {
			cairo_move_to(cr, h->x - rad, h->y);
			cairo_line_to(cr, h->x - a, h->y + b);
			cairo_line_to(cr, h->x + a, h->y + b);
			cairo_line_to(cr, h->x + rad, h->y);
			cairo_line_to(cr, h->x + a, h->y - b);
			cairo_line_to(cr, h->x - a, h->y - b);
		}
		cairo_close_path(cr);
	}
	cairo_fill(cr);
	/* MaxiCode's bull's eye: rings, stroked on their diameter. */
	for (const struct zint_vector_circle *c = v->circles; c; c = c->next) {
		cairo_new_sub_path(cr);
		cairo_arc(cr, c->x, c->y, c->diameter / 2, 0, 2 * G_PI);
		if (c->colour)
			cairo_set_source_rgb(cr, 1, 1, 1);
		if (c->width > 0) {
			cairo_set_line_width(cr, c->width);
			cairo_stroke(cr);
		} else
			cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
	}
	cairo_restore(cr);
}

/* Choose the module width for the barcode, or fail: it does not fit. */
static int
bar_module(struct pen *p)
{
	int m, lo, modules = p->bar.modules;

	if (p->mode == PDF) {
		/* 0.02 in if there is room, no less than 0.015 in. */
		p->bar.module = (double)LABEL_W / (modules + 2 * QUIET);
		if (p->bar.module > 20)
			p->bar.module = 20;
		if (p->bar.module >= 15)
			return OMS_OK;
	} else {
		/* Whole dots: 0.02 in down to 0.01 in. */
		int pw = dots(p, LABEL_W);

		for (m = p->dpi == 300 ? 6 : 4;
		    m > 1 && (modules + 2 * QUIET) * m > pw; m--)
			;
		lo = p->dpi == 300 ? 3 : 2;
		p->bar.module = m;
		if (m >= lo)
			return OMS_OK;
	}
	return oms_seterr("tracking number '%s' is too long for a 4x6 label",
	    p->tracking);
}

/* The barcode, centred across the label, its top at y. */
static void
put_barcode(struct pen *p, const struct oms_label *l, int y, int h)
{
	const struct zint_vector *v = p->bar.z->vector;
	double mils, x;

	if (p->mode == ZPL) {
		int hd = dots(p, h), md = (int)p->bar.module;

		oms_buf_printf(p->out, "^FO%d,%d^BY%d,3,%d^BCN,%d,N,N,N,%s"
		    "^FH^FD", (dots(p, LABEL_W) - p->bar.modules * md) / 2,
		    dots(p, y), md, hd, hd, p->bar.kind == OMS_SYM_GS1_128 ?
		    "D" : "A");
		if (p->bar.kind == OMS_SYM_GS1_128) {
			/* Mode D reads the AIs in parentheses. */
			struct oms_buf d = { NULL, 0, 0 };

			for (const char *s = l->barcode_data; *s; s++)
				oms_buf_addc(&d, *s == '[' ? '(' : *s == ']' ?
				    ')' : *s);
			zpl_data(p->out, d.s, 1);
			oms_buf_free(&d);
		} else
			zpl_data(p->out, p->tracking, 1);
		oms_buf_adds(p->out, "^FS\n");
		return;
	}
	mils = p->mode == PNG ? p->bar.module * 1000 / p->dpi : p->bar.module;
	if (p->mode == PNG)
		x = ((dots(p, LABEL_W) - p->bar.modules * (int)p->bar.module) /
		    2) * 1000.0 / p->dpi;
	else
		x = (LABEL_W - p->bar.modules * mils) / 2;
	sym_draw(p, &p->bar, x, snap(p, y), mils * p->bar.modules / v->width,
	    h / v->height);
}

/*
 * Modules of white above and below a 2D symbol, the rule above it not
 * to be taken for part of it; on its left the label's margin, 0.15 in,
 * is enough.  MaxiCode's own size leaves it room for two.
 */
static int
quiet(int kind)
{
	return kind == OMS_SYM_MAXICODE ? 2 : 4;
}

/*
 * The 2D symbol's module: as large as fits a box SYM_W across and h
 * down with its quiet zones, no larger than SYM_MOD, whole dots in ZPL
 * and PNG; MaxiCode has one size.  Fails when the modules come out
 * too small to print.
 */
static int
sym_module(struct pen *p, int h)
{
	const struct zint_vector *v = p->sym.z->vector;
	double across = v->width / 2, m;
	double down = v->height / 2 + 2 * quiet(p->sym.kind);

	if (p->sym.kind == OMS_SYM_MAXICODE) {
		p->sym.module = p->mode == ZPL ? 0 : MAXI_W / across;
		return OMS_OK;
	}
	m = SYM_W / across;
	if (h / down < m)
		m = h / down;
	if (m > SYM_MOD)
		m = SYM_MOD;
	if (p->mode != ZPL && p->mode != PNG) {
		p->sym.module = m;
		if (m >= 10)
			return OMS_OK;
	} else {
		p->sym.module = (int)(m * p->dpi / 1000);
		if (p->sym.module >= 2)
			return OMS_OK;
	}
	return oms_seterr("the %s symbol holds too much for a 4x6 label",
	    sym_name(p->sym.kind));
}

/* ZPL's MaxiCode message: class of service, country, postcode, data. */
static void
zpl_maxi(struct pen *p, const struct oms_label *l)
{
	const char *pri = l->symbol_primary;
	size_t n = pri ? strlen(pri) : 0;
	int mode = 4;

	if (n > 6) {
		int digits = 1;

		for (size_t i = 0; i < n - 6; i++)
			if (pri[i] < '0' || pri[i] > '9')
				digits = 0;
		mode = digits ? 2 : 3;
	}
	oms_buf_printf(p->out, "^BD%d,1,1^FH^FD", mode);
	if (mode != 4) {
		struct oms_buf b = { NULL, 0, 0 };

		oms_buf_printf(&b, "%.3s%.3s%.*s", pri + n - 3, pri + n - 6,
		    (int)(n - 6), pri);
		zpl_data(p->out, b.s, 1);
		oms_buf_free(&b);
	}
}

/* The 2D symbol, its top left at (x, y) with its quiet zone. */
static void
put_symbol(struct pen *p, const struct oms_label *l, int x, int y)
{
	int md = (int)p->sym.module, q = quiet(p->sym.kind);
	double mils;

	if (p->mode == ZPL) {
		int zx = dots(p, x), zy = dots(p, y) + q * md;

		oms_buf_printf(p->out, "^FO%d,%d", zx, zy);
		switch (p->sym.kind) {
		case OMS_SYM_PDF417:
			/* Rows 3 modules tall, the columns libzint chose. */
			oms_buf_printf(p->out, "^BY%d^B7N,%d,5,%d,,N^FH^FD", md,
			    3 * md, (p->sym.modules - 69) / 17);
			break;
		case OMS_SYM_MAXICODE:
			zpl_maxi(p, l);
			break;
		case OMS_SYM_DATAMATRIX:
			oms_buf_printf(p->out, "^BXN,%d,200^FH^FD", md);
			break;
		default:
			oms_buf_printf(p->out, "^BQN,2,%d^FH^FDQA,", md);
			break;
		}
		zpl_data(p->out, l->symbol_data, 1);
		oms_buf_adds(p->out, "^FS\n");
		return;
	}
	mils = p->mode == PNG && p->sym.kind != OMS_SYM_MAXICODE ?
	    md * 1000.0 / p->dpi : p->sym.module;
	sym_draw(p, &p->sym, snap(p, x), snap(p, y + q * mils), mils / 2,
	    mils / 2);
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

	p->lang = oms_draw_lang(a->country);
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
	p->lang = NULL;
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

/* The one layout every format shares. */
static void
draw(struct pen *p, const struct oms_label *l)
{
	struct oms_buf b = { NULL, 0, 0 };
	int n, m, y, rule, x2, w2;

	/* Ship-from, small, top left; date, weight, n of m beside it. */
	y = put_addr(p, &l->from, MARGIN, MARGIN, 110, 135, 2250);
	if (has(l->from.phone)) {
		oms_buf_printf(&b, "TEL %s", l->from.phone);
		put_text(p, MARGIN, y, 110, 0, 2250, 0, 0, b.s);
	}
	/*
	 * In PDF a hair lower than the sender, whose letters are smaller:
	 * pdftotext reads the text whose top is higher first, and Noto
	 * Sans rises well above its capitals.
	 */
	y = MARGIN + (p->mode == ZPL ? 0 : 15);
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
	put_barcode(p, l, BAR_Y, p->bar_h);
	rule = BAR_Y + p->bar_h + 100;
	put_box(p, MARGIN, rule, LABEL_W - 2 * MARGIN, 20);

	/* A 2D symbol takes the left of what is below; the rest moves over. */
	x2 = MARGIN;
	w2 = LABEL_W - 2 * MARGIN;
	if (p->sym.z != NULL) {
		put_symbol(p, l, MARGIN, rule + 20);
		x2 = MARGIN + SYM_W + 100;
		w2 = LABEL_W - MARGIN - x2;
	}
	if (has(l->reference)) {
		oms_buf_reset(&b);
		oms_buf_printf(&b, "%s %s", l->is_return ? "RMA" : "REF",
		    l->reference);
		put_text(p, x2, rule + 80, l->is_return ? 200 : 140,
		    l->is_return, w2, 0, 0, b.s);
	}
	if (l->test) {
		int th = p->sym.z != NULL ? 200 : 300;

		put_box(p, x2, 5250, w2, 500);
		put_text(p, x2, 5350 + (300 - th) / 4, th, 1, w2, 1, 1,
		    "NOT FOR SHIPMENT");
	}
	oms_buf_free(&b);
}

/* The tracking number's barcode and the 2D symbol, encoded and sized. */
static int
pen_open(struct pen *p, const struct oms_label *l)
{
	const char *s;
	int rc;

	if (!has(l->tracking))
		return oms_seterr("the label has no tracking number");
	p->tracking = l->tracking;
	/* Code 128 could carry more, as extended ASCII: no carrier's does. */
	for (s = l->tracking; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch > 0x7f)
			return oms_seterr("tracking number: Code 128 cannot "
			    "carry byte 0x%02x at position %zu", ch,
			    (size_t)(s - l->tracking) + 1);
	}
	if (l->barcode == OMS_SYM_GS1_128)
		rc = sym_encode(&p->bar, OMS_SYM_GS1_128, l->barcode_data,
		    NULL);
	else if (l->barcode == OMS_SYM_NONE || l->barcode == OMS_SYM_CODE128)
		rc = sym_encode(&p->bar, OMS_SYM_CODE128, l->tracking, NULL);
	else
		rc = oms_seterr("the tracking barcode is Code 128 or GS1-128, "
		    "not %s", sym_name(l->barcode));
	if (rc != OMS_OK)
		return oms_seterr("tracking number: %s", oms_error());
	if ((rc = bar_module(p)) != OMS_OK)
		return rc;
	p->bar_h = BAR_H;
	if (l->symbol == OMS_SYM_NONE)
		return OMS_OK;
	if (l->symbol < OMS_SYM_PDF417 || l->symbol > OMS_SYM_QR)
		return oms_seterr("a label's 2D symbol is PDF417, MaxiCode, "
		    "Data Matrix or QR, not %s", sym_name(l->symbol));
	if ((rc = sym_encode(&p->sym, l->symbol, l->symbol_data,
	    l->symbol_primary)) != OMS_OK)
		return rc;
	p->bar_h = BAR_H_2D;
	/* Below the rule under the barcode, to the bottom margin. */
	return sym_module(p, LABEL_H - MARGIN - (BAR_Y + BAR_H_2D + 120));
}

static void
pen_close(struct pen *p)
{
	oms_buf_free(&p->t);
	sym_free(&p->bar);
	sym_free(&p->sym);
}

int
oms_label_zpl(const struct oms_label *l, int dpi, struct oms_buf *out)
{
	struct oms_buf z = { NULL, 0, 0 };
	struct pen p;
	int rc;

	memset(&p, 0, sizeof p);
	if (dpi != 203 && dpi != 300)
		return oms_seterr("labels print at 203 or 300 dpi, not %d",
		    dpi);
	p.mode = ZPL;
	p.dpi = dpi;
	p.out = &z;
	if ((rc = pen_open(&p, l)) != OMS_OK)
		goto out;
	oms_buf_printf(&z, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n",
	    dots(&p, LABEL_W), dots(&p, LABEL_H));
	draw(&p, l);
	oms_buf_adds(&z, "^XZ\n");
	oms_buf_add(out, z.s, z.len);
out:
	pen_close(&p);
	oms_buf_free(&z);
	return rc;
}

/* A PDF page or a PNG image drawn through cairo, in mils. */
static int
label_cairo(const struct oms_label *l, int mode, int dpi,
    struct oms_buf *out)
{
	struct pen p;
	int rc;

	memset(&p, 0, sizeof p);
	p.mode = mode;
	p.dpi = dpi;
	if ((rc = pen_open(&p, l)) != OMS_OK)
		goto out;
	if (mode == PDF) {
		p.cr = oms_draw_pdf(LABEL_W * 72 / 1000, LABEL_H * 72 / 1000);
		cairo_scale(p.cr, 72 / 1000.0, 72 / 1000.0);
	} else {
		p.cr = oms_draw_png(dots(&p, LABEL_W), dots(&p, LABEL_H));
		cairo_scale(p.cr, dpi / 1000.0, dpi / 1000.0);
	}
	draw(&p, l);
	rc = oms_draw_end(p.cr, out);
out:
	pen_close(&p);
	return rc;
}

int
oms_label_pdf(const struct oms_label *l, struct oms_buf *out)
{
	return label_cairo(l, PDF, 0, out);
}

int
oms_label_png(const struct oms_label *l, int dpi, struct oms_buf *out)
{
	if (dpi != 203 && dpi != 300)
		return oms_seterr("labels print at 203 or 300 dpi, not %d",
		    dpi);
	return label_cairo(l, PNG, dpi, out);
}

int
oms_symbol_png(int kind, const char *data, const char *primary, int dpi,
    struct oms_buf *out)
{
	struct pen p;
	double mils, w, h;
	int rc, q = quiet(kind);

	memset(&p, 0, sizeof p);
	if (dpi != 203 && dpi != 300)
		return oms_seterr("symbols print at 203 or 300 dpi, not %d",
		    dpi);
	p.mode = PNG;
	p.dpi = dpi;
	if ((rc = sym_encode(&p.sym, kind, data, primary)) != OMS_OK)
		goto out;
	if (kind == OMS_SYM_MAXICODE)
		mils = MAXI_W / (p.sym.z->vector->width / 2);
	else
		mils = (double)(SYM_MOD * dpi / 1000) * 1000 / dpi;
	w = (p.sym.z->vector->width / 2 + 2 * q) * mils;
	h = (p.sym.z->vector->height / 2 + 2 * q) * mils;
	p.cr = oms_draw_png(dots(&p, w), dots(&p, h));
	cairo_scale(p.cr, dpi / 1000.0, dpi / 1000.0);
	sym_draw(&p, &p.sym, q * mils, q * mils, mils / 2, mils / 2);
	rc = oms_draw_end(p.cr, out);
out:
	pen_close(&p);
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
