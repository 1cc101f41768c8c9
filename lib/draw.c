/*
 * draw.c: PDF and PNG through cairo, text through pango (draw.h).
 *
 * One font map serves the process: fontconfig reads its configuration
 * and the font list once, and pango keeps the fonts it opened for the
 * next label.  Text is laid out in a pango context of our own, not one
 * that follows the cairo context's transformation, with hinting and
 * glyph rounding off: a line is as wide on a 203 dpi PNG as in a PDF.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oms.h"
#include "draw.h"

/* The sonames, from the libraries the build found (the Makefile). */
#ifndef OMS_PANGOCAIRO_SONAME
#define OMS_PANGOCAIRO_SONAME "libpangocairo-1.0.so.0"
#endif
#ifndef OMS_ZINT_SONAME
#define OMS_ZINT_SONAME "libzint.so"
#endif

struct oms_draw_lib oms_draw_lib;

static void *
draw_open(const char *soname)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		oms_die(OMS_EXIT_FATAL, "cannot draw: cannot load %s: %s",
		    soname, dlerror());
	return h;
}

void
oms_draw_load(void)
{
	static int loaded;
	void *h;

	if (loaded)
		return;
	/* dlsym searches a library and those it needed loaded. */
	h = draw_open(OMS_PANGOCAIRO_SONAME);
#define DRAW_SYM(f) \
	if ((*(void **)&oms_draw_lib.p_##f = dlsym(h, #f)) == NULL) \
		oms_die(OMS_EXIT_FATAL, "cannot draw: %s has no %s", \
		    OMS_PANGOCAIRO_SONAME, #f);
	OMS_DRAW_FUNCS(DRAW_SYM)
#undef DRAW_SYM
	h = draw_open(OMS_ZINT_SONAME);
#define DRAW_SYM(f) \
	if ((*(void **)&oms_draw_lib.p_##f = dlsym(h, #f)) == NULL) \
		oms_die(OMS_EXIT_FATAL, "cannot draw: %s has no %s", \
		    OMS_ZINT_SONAME, #f);
	OMS_DRAW_ZINT_FUNCS(DRAW_SYM)
#undef DRAW_SYM
	loaded = 1;
}

static PangoFontMap *fontmap;
static PangoContext *context;

/* Where a drawing's bytes go until oms_draw_end hands them over. */
struct sink {
	struct oms_buf b;
	int png;
};

static const cairo_user_data_key_t sink_key;

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int n)
{
	struct sink *k = closure;

	oms_buf_add(&k->b, (const char *)data, n);
	return CAIRO_STATUS_SUCCESS;
}

static void
sink_free(void *p)
{
	struct sink *k = p;

	oms_buf_free(&k->b);
	free(k);
}

static PangoContext *
draw_context(void)
{
	cairo_font_options_t *fo;

	if (context != NULL)
		return context;
	oms_draw_load();
	fontmap = pango_cairo_font_map_new();
	context = pango_font_map_create_context(fontmap);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(context, fo);
	cairo_font_options_destroy(fo);
	pango_context_set_round_glyph_positions(context, FALSE);
	return context;
}

cairo_t *
oms_draw_pdf(double w, double h)
{
	struct sink *k;
	cairo_surface_t *s;
	cairo_t *cr;

	oms_draw_load();
	k = ecalloc(1, sizeof *k);
	s = cairo_pdf_surface_create_for_stream(sink_write, k, w, h);
	cairo_surface_set_user_data(s, &sink_key, k, sink_free);
	cairo_pdf_surface_restrict_to_version(s, CAIRO_PDF_VERSION_1_4);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
	    "oms " OMS_VERSION);
	/*
	 * Without this cairo dates the file now, and the same document
	 * drawn twice would differ.
	 */
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
	    "");
	cr = cairo_create(s);
	cairo_surface_destroy(s);
	return cr;
}

cairo_t *
oms_draw_png(int w, int h)
{
	struct sink *k;
	cairo_surface_t *s;
	cairo_t *cr;

	oms_draw_load();
	k = ecalloc(1, sizeof *k);
	k->png = 1;
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_surface_set_user_data(s, &sink_key, k, sink_free);
	cr = cairo_create(s);
	cairo_surface_destroy(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	return cr;
}

void
oms_draw_page(cairo_t *cr)
{
	cairo_show_page(cr);
}

int
oms_draw_end(cairo_t *cr, struct oms_buf *out)
{
	cairo_surface_t *s = cairo_get_target(cr);
	struct sink *k = cairo_surface_get_user_data(s, &sink_key);
	cairo_status_t st = cairo_status(cr);

	if (st == CAIRO_STATUS_SUCCESS) {
		if (k->png) {
			cairo_surface_flush(s);
			st = cairo_surface_write_to_png_stream(s, sink_write,
			    k);
		} else {
			cairo_surface_finish(s);
			st = cairo_surface_status(s);
		}
	}
	if (st == CAIRO_STATUS_SUCCESS && k->b.len > 0)
		oms_buf_add(out, k->b.s, k->b.len);
	cairo_destroy(cr);
	if (st != CAIRO_STATUS_SUCCESS)
		return oms_seterr("cannot draw: %s",
		    cairo_status_to_string(st));
	return OMS_OK;
}

PangoLayout *
oms_draw_layout(const char *t, double size, int bold, const char *lang)
{
	PangoLayout *ly;
	PangoAttrList *al;
	PangoFontDescription *fd;

	/* Loaded before a pointer to a function of theirs is read. */
	oms_draw_load();
	ly = pango_layout_new(draw_context());
	al = pango_attr_list_new();

	fd = pango_font_description_from_string(OMS_DRAW_FONT);
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD :
	    PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(ly, fd);
	pango_font_description_free(fd);
	if (lang != NULL)
		pango_attr_list_insert(al, pango_attr_language_new(
		    pango_language_from_string(lang)));
	/*
	 * No "fi" or "ff" ligatures: text copied out of a PDF reads as it
	 * was written.  The ligatures a script needs (Arabic lam-alef) are
	 * required ones, and stay.
	 */
	pango_attr_list_insert(al, pango_attr_font_features_new("liga 0"));
	pango_layout_set_attributes(ly, al);
	pango_attr_list_unref(al);
	pango_layout_set_single_paragraph_mode(ly, TRUE);
	pango_layout_set_text(ly, t, -1);
	return ly;
}

double
oms_draw_width(PangoLayout *ly)
{
	PangoRectangle r;

	pango_layout_get_extents(ly, NULL, &r);
	return (double)r.width / PANGO_SCALE;
}

double
oms_draw_baseline(PangoLayout *ly)
{
	return (double)pango_layout_get_baseline(ly) / PANGO_SCALE;
}

void
oms_draw_cut(PangoLayout *ly, double w)
{
	pango_layout_set_width(ly, (int)(w * PANGO_SCALE));
	pango_layout_set_ellipsize(ly, PANGO_ELLIPSIZE_END);
}

void
oms_draw_show(cairo_t *cr, PangoLayout *ly, double x, double y, double sx)
{
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, sx, 1);
	cairo_move_to(cr, 0, -oms_draw_baseline(ly));
	pango_cairo_show_layout(cr, ly);
	cairo_restore(cr);
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

void
oms_draw_clean(struct oms_buf *t, const char *s)
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

const char *
oms_draw_lang(const char *country)
{
	static const char *const map[][2] = {
		{ "JP", "ja" }, { "CN", "zh-cn" }, { "SG", "zh-cn" },
		{ "TW", "zh-tw" }, { "HK", "zh-hk" }, { "MO", "zh-hk" },
		{ "KR", "ko" },
	};

	if (country == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(country, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}
