/*
 * draw.h: what oms draws itself (packing slips, pick lists, labels), as
 * PDF or PNG through cairo, its text through pango: lines of record text
 * in any script, each character in a font that has it (fontconfig's
 * fallback from OMS_DRAW_FONT), shaped and in its own direction.
 *
 * Layout happens in the user space of the cairo context, with hinting
 * off, so the same text takes the same room in a PDF and in a PNG at
 * any resolution.
 */
#ifndef OMS_DRAW_H
#define OMS_DRAW_H

#include <cairo.h>
#include <pango/pangocairo.h>

#include "oms.h"

/*
 * The families text is set in; fontconfig's fallback fills in what they
 * have no glyph for (Noto Sans CJK, DejaVu Sans, ...).  Noto Sans Arabic
 * comes before DejaVu Sans, which has Arabic too, for its spacing: text
 * drawn in it comes out of the PDF (pdftotext) as the words it was.
 */
#define OMS_DRAW_FONT "Noto Sans,Noto Sans Arabic"

/*
 * A cairo context on a PDF 1.4 page w x h points, or a white RGB image
 * w x h pixels for PNG.  Its bytes go to out at oms_draw_end, and only
 * if all went well.  The PDF carries no date and no other changing
 * field: the same drawing is the same bytes.
 */
cairo_t *oms_draw_pdf(double w, double h);
cairo_t *oms_draw_png(int w, int h);
/* A new page of a PDF. */
void oms_draw_page(cairo_t *cr);
/* Finish the drawing, append it to out (PNG: the image), free cr. */
int oms_draw_end(cairo_t *cr, struct oms_buf *out);

/*
 * A layout of one line of record text, t (see oms_draw_clean), size
 * user-space units high (its em), bold or not.  lang, a BCP 47 tag or
 * NULL, chooses among the forms of a script (Han in Japanese or in
 * Chinese).  The caller frees it with g_object_unref.
 */
PangoLayout *oms_draw_layout(const char *t, double size, int bold,
    const char *lang);
/* Its width, and its baseline below its top, in user space. */
double oms_draw_width(PangoLayout *ly);
double oms_draw_baseline(PangoLayout *ly);
/* Cut it to at most w with an ellipsis at the end of the text. */
void oms_draw_cut(PangoLayout *ly, double w);
/* Draw it, its baseline starting at (x, y), scaled sx across. */
void oms_draw_show(cairo_t *cr, PangoLayout *ly, double x, double y,
    double sx);

/*
 * Record text made fit to print on one line: valid UTF-8 (stray bytes
 * read as Windows-1252), control characters and line separators as
 * spaces, runs of spaces as one, trimmed; t replaced.
 */
void oms_draw_clean(struct oms_buf *t, const char *s);

/*
 * The language for an address in country (ISO 3166 alpha-2), where it
 * decides which glyphs print (JP, CN, TW, HK, MO, KR), else NULL.
 */
const char *oms_draw_lang(const char *country);

#endif
