/*
 * doc.c: printable documents (pick lists, packing slips) as PDF.
 *
 * A document is rows of text in columns on US Letter pages, top to
 * bottom, a new page when one is full.  The rows are kept until
 * oms_doc_pdf draws them through cairo and pango (draw.c): text in any
 * script, in Noto Sans and whatever font has the characters it lacks,
 * right-to-left text shaped and in its own order.  A cell too wide for
 * its column is cut short with an ellipsis.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "ship.h"
#include "draw.h"

#define PAGE_W 612
#define PAGE_H 792
#define MARGIN 48

/* A cell of text (text not NULL), or a rule across the page. */
struct item {
	char *text;
	int x, y, w, size, bold;
};

struct page {
	struct item *items;
	size_t n;
};

struct oms_doc {
	struct page *pages;
	int npages;
	int y;			/* points from the bottom */
};

struct oms_doc *
oms_doc_new(void)
{
	struct oms_doc *d = ecalloc(1, sizeof *d);

	oms_doc_page(d);
	return d;
}

void
oms_doc_free(struct oms_doc *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->npages; i++) {
		for (size_t j = 0; j < d->pages[i].n; j++)
			free(d->pages[i].items[j].text);
		free(d->pages[i].items);
	}
	free(d->pages);
	free(d);
}

/* A new page, unless the one being written is still blank. */
void
oms_doc_page(struct oms_doc *d)
{
	d->y = PAGE_H - MARGIN;
	if (d->npages > 0 && d->pages[d->npages - 1].n == 0)
		return;
	d->pages = erealloc(d->pages, (size_t)(d->npages + 1) *
	    sizeof *d->pages);
	memset(&d->pages[d->npages], 0, sizeof d->pages[0]);
	d->npages++;
}

static struct item *
add(struct oms_doc *d)
{
	struct page *pg = &d->pages[d->npages - 1];
	struct item *it;

	pg->items = erealloc(pg->items, (pg->n + 1) * sizeof *pg->items);
	it = &pg->items[pg->n++];
	memset(it, 0, sizeof *it);
	return it;
}

/*
 * A row of cells at the x positions given (points from the left margin;
 * each cell runs to the next x or the right margin), size points high.
 */
void
oms_doc_row(struct oms_doc *d, int size, int bold, int n,
    const char *const *cells, const int *x)
{
	if (d->y - size - 4 < MARGIN)
		oms_doc_page(d);
	d->y -= size + 4;
	for (int i = 0; i < n; i++) {
		int right = i + 1 < n ? x[i + 1] : PAGE_W - 2 * MARGIN;
		struct oms_buf t = { NULL, 0, 0 };
		struct item *it;

		oms_draw_clean(&t, cells[i]);
		if (t.len == 0) {
			oms_buf_free(&t);
			continue;
		}
		it = add(d);
		it->text = t.s;
		it->x = MARGIN + x[i];
		it->y = d->y;
		it->w = right - x[i] - 6;
		it->size = size;
		it->bold = bold;
	}
}

void
oms_doc_line(struct oms_doc *d, int size, int bold, const char *text)
{
	static const int x0[1] = { 0 };

	oms_doc_row(d, size, bold, 1, &text, x0);
}

/* A rule across the page, and a little space. */
void
oms_doc_rule(struct oms_doc *d)
{
	struct item *it;

	d->y -= 6;
	it = add(d);
	it->x = MARGIN;
	it->y = d->y;
	it->w = PAGE_W - 2 * MARGIN;
	d->y -= 4;
}

void
oms_doc_space(struct oms_doc *d, int pt)
{
	d->y -= pt;
}

static void
draw_item(cairo_t *cr, const struct item *it)
{
	PangoLayout *ly;

	if (it->text == NULL) {
		cairo_rectangle(cr, it->x, PAGE_H - it->y - 0.7, it->w, 0.7);
		cairo_fill(cr);
		return;
	}
	ly = oms_draw_layout(it->text, it->size, it->bold, NULL);
	if (oms_draw_width(ly) > it->w)
		oms_draw_cut(ly, it->w);
	oms_draw_show(cr, ly, it->x, PAGE_H - it->y, 1);
	g_object_unref(ly);
}

/*
 * The whole document as PDF, appended to out.  Cairo fails only for want
 * of memory, and then the program dies as emalloc does.
 */
void
oms_doc_pdf(const struct oms_doc *d, struct oms_buf *out)
{
	cairo_t *cr = oms_draw_pdf(PAGE_W, PAGE_H);

	for (int i = 0; i < d->npages; i++) {
		for (size_t j = 0; j < d->pages[i].n; j++)
			draw_item(cr, &d->pages[i].items[j]);
		oms_draw_page(cr);
	}
	if (oms_draw_end(cr, out) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
}
