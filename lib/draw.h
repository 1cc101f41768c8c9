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
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <zint.h>

#include "oms.h"

/*
 * Cairo, pango (and through them glib and fontconfig) and libzint are
 * loaded the first time something is drawn, not linked: their thirty-odd
 * libraries would cost the start of every program that could draw, most
 * of whose runs never do (bench/startup.sh).  The functions draw.c,
 * doc.c and label.c call are looked up by name into pointers of the
 * types the headers declare, and the names below stand for them; cairo's
 * and pango's through libpangocairo, which needs the others, libzint's
 * from libzint.  oms_draw_load loads them, or says why it cannot and
 * exits: each entry point calls it (oms_draw_pdf, oms_draw_png,
 * oms_draw_layout and label.c's barcode).
 */
#define OMS_DRAW_FUNCS(X) \
	X(cairo_arc) \
	X(cairo_close_path) \
	X(cairo_create) \
	X(cairo_destroy) \
	X(cairo_fill) \
	X(cairo_font_options_create) \
	X(cairo_font_options_destroy) \
	X(cairo_font_options_set_hint_metrics) \
	X(cairo_font_options_set_hint_style) \
	X(cairo_get_target) \
	X(cairo_image_surface_create) \
	X(cairo_line_to) \
	X(cairo_move_to) \
	X(cairo_new_sub_path) \
	X(cairo_paint) \
	X(cairo_pdf_surface_create_for_stream) \
	X(cairo_pdf_surface_restrict_to_version) \
	X(cairo_pdf_surface_set_metadata) \
	X(cairo_rectangle) \
	X(cairo_restore) \
	X(cairo_save) \
	X(cairo_scale) \
	X(cairo_set_antialias) \
	X(cairo_set_line_width) \
	X(cairo_set_source_rgb) \
	X(cairo_show_page) \
	X(cairo_status) \
	X(cairo_status_to_string) \
	X(cairo_stroke) \
	X(cairo_surface_destroy) \
	X(cairo_surface_finish) \
	X(cairo_surface_flush) \
	X(cairo_surface_get_user_data) \
	X(cairo_surface_set_user_data) \
	X(cairo_surface_status) \
	X(cairo_surface_write_to_png_stream) \
	X(cairo_translate) \
	X(g_object_unref) \
	X(pango_attr_font_features_new) \
	X(pango_attr_language_new) \
	X(pango_attr_list_insert) \
	X(pango_attr_list_new) \
	X(pango_attr_list_unref) \
	X(pango_cairo_context_set_font_options) \
	X(pango_cairo_font_map_new) \
	X(pango_cairo_show_layout) \
	X(pango_context_set_round_glyph_positions) \
	X(pango_font_description_free) \
	X(pango_font_description_from_string) \
	X(pango_font_description_set_absolute_size) \
	X(pango_font_description_set_weight) \
	X(pango_font_map_create_context) \
	X(pango_language_from_string) \
	X(pango_layout_get_baseline) \
	X(pango_layout_get_extents) \
	X(pango_layout_new) \
	X(pango_layout_set_attributes) \
	X(pango_layout_set_ellipsize) \
	X(pango_layout_set_font_description) \
	X(pango_layout_set_single_paragraph_mode) \
	X(pango_layout_set_text) \
	X(pango_layout_set_width)
#define OMS_DRAW_ZINT_FUNCS(X) \
	X(ZBarcode_Create) \
	X(ZBarcode_Delete) \
	X(ZBarcode_Encode_and_Buffer_Vector)
struct oms_draw_lib {
#define OMS_DRAW_MEMBER(f) __typeof__(f) *p_##f;
	OMS_DRAW_FUNCS(OMS_DRAW_MEMBER)
	OMS_DRAW_ZINT_FUNCS(OMS_DRAW_MEMBER)
#undef OMS_DRAW_MEMBER
};
extern struct oms_draw_lib oms_draw_lib;
void oms_draw_load(void);

#define ZBarcode_Create oms_draw_lib.p_ZBarcode_Create
#define ZBarcode_Delete oms_draw_lib.p_ZBarcode_Delete
#define ZBarcode_Encode_and_Buffer_Vector oms_draw_lib.p_ZBarcode_Encode_and_Buffer_Vector
#define cairo_arc oms_draw_lib.p_cairo_arc
#define cairo_close_path oms_draw_lib.p_cairo_close_path
#define cairo_create oms_draw_lib.p_cairo_create
#define cairo_destroy oms_draw_lib.p_cairo_destroy
#define cairo_fill oms_draw_lib.p_cairo_fill
#define cairo_font_options_create oms_draw_lib.p_cairo_font_options_create
#define cairo_font_options_destroy oms_draw_lib.p_cairo_font_options_destroy
#define cairo_font_options_set_hint_metrics oms_draw_lib.p_cairo_font_options_set_hint_metrics
#define cairo_font_options_set_hint_style oms_draw_lib.p_cairo_font_options_set_hint_style
#define cairo_get_target oms_draw_lib.p_cairo_get_target
#define cairo_image_surface_create oms_draw_lib.p_cairo_image_surface_create
#define cairo_line_to oms_draw_lib.p_cairo_line_to
#define cairo_move_to oms_draw_lib.p_cairo_move_to
#define cairo_new_sub_path oms_draw_lib.p_cairo_new_sub_path
#define cairo_paint oms_draw_lib.p_cairo_paint
#define cairo_pdf_surface_create_for_stream oms_draw_lib.p_cairo_pdf_surface_create_for_stream
#define cairo_pdf_surface_restrict_to_version oms_draw_lib.p_cairo_pdf_surface_restrict_to_version
#define cairo_pdf_surface_set_metadata oms_draw_lib.p_cairo_pdf_surface_set_metadata
#define cairo_rectangle oms_draw_lib.p_cairo_rectangle
#define cairo_restore oms_draw_lib.p_cairo_restore
#define cairo_save oms_draw_lib.p_cairo_save
#define cairo_scale oms_draw_lib.p_cairo_scale
#define cairo_set_antialias oms_draw_lib.p_cairo_set_antialias
#define cairo_set_line_width oms_draw_lib.p_cairo_set_line_width
#define cairo_set_source_rgb oms_draw_lib.p_cairo_set_source_rgb
#define cairo_show_page oms_draw_lib.p_cairo_show_page
#define cairo_status oms_draw_lib.p_cairo_status
#define cairo_status_to_string oms_draw_lib.p_cairo_status_to_string
#define cairo_stroke oms_draw_lib.p_cairo_stroke
#define cairo_surface_destroy oms_draw_lib.p_cairo_surface_destroy
#define cairo_surface_finish oms_draw_lib.p_cairo_surface_finish
#define cairo_surface_flush oms_draw_lib.p_cairo_surface_flush
#define cairo_surface_get_user_data oms_draw_lib.p_cairo_surface_get_user_data
#define cairo_surface_set_user_data oms_draw_lib.p_cairo_surface_set_user_data
#define cairo_surface_status oms_draw_lib.p_cairo_surface_status
#define cairo_surface_write_to_png_stream oms_draw_lib.p_cairo_surface_write_to_png_stream
#define cairo_translate oms_draw_lib.p_cairo_translate
#define g_object_unref oms_draw_lib.p_g_object_unref
#define pango_attr_font_features_new oms_draw_lib.p_pango_attr_font_features_new
#define pango_attr_language_new oms_draw_lib.p_pango_attr_language_new
#define pango_attr_list_insert oms_draw_lib.p_pango_attr_list_insert
#define pango_attr_list_new oms_draw_lib.p_pango_attr_list_new
#define pango_attr_list_unref oms_draw_lib.p_pango_attr_list_unref
#define pango_cairo_context_set_font_options oms_draw_lib.p_pango_cairo_context_set_font_options
#define pango_cairo_font_map_new oms_draw_lib.p_pango_cairo_font_map_new
#define pango_cairo_show_layout oms_draw_lib.p_pango_cairo_show_layout
#define pango_context_set_round_glyph_positions oms_draw_lib.p_pango_context_set_round_glyph_positions
#define pango_font_description_free oms_draw_lib.p_pango_font_description_free
#define pango_font_description_from_string oms_draw_lib.p_pango_font_description_from_string
#define pango_font_description_set_absolute_size oms_draw_lib.p_pango_font_description_set_absolute_size
#define pango_font_description_set_weight oms_draw_lib.p_pango_font_description_set_weight
#define pango_font_map_create_context oms_draw_lib.p_pango_font_map_create_context
#define pango_language_from_string oms_draw_lib.p_pango_language_from_string
#define pango_layout_get_baseline oms_draw_lib.p_pango_layout_get_baseline
#define pango_layout_get_extents oms_draw_lib.p_pango_layout_get_extents
#define pango_layout_new oms_draw_lib.p_pango_layout_new
#define pango_layout_set_attributes oms_draw_lib.p_pango_layout_set_attributes
#define pango_layout_set_ellipsize oms_draw_lib.p_pango_layout_set_ellipsize
#define pango_layout_set_font_description oms_draw_lib.p_pango_layout_set_font_description
#define pango_layout_set_single_paragraph_mode oms_draw_lib.p_pango_layout_set_single_paragraph_mode
#define pango_layout_set_text oms_draw_lib.p_pango_layout_set_text
#define pango_layout_set_width oms_draw_lib.p_pango_layout_set_width

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
