/*
 * doc.c: printable documents (pick lists, packing slips) as PDF.
 *
 * A document is rows of text in columns on US Letter pages, top to
 * bottom, a new page when one is full; text is Helvetica in
 * WinAnsiEncoding (label.c's oms_pdf_string), so it can show what Western
 * European names need, and what it cannot as '?'.  Cells are cut to their
 * column's width.  The PDF is 1.4 with a correct xref table.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "ship.h"
#include "label.h"

#define PAGE_W 612
#define PAGE_H 792
#define MARGIN 48

struct oms_doc {
	struct oms_buf *pages;
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
	for (int i = 0; i < d->npages; i++)
		oms_buf_free(&d->pages[i]);
	free(d->pages);
	free(d);
}

/* A new page, unless the one being written is still blank. */
void
oms_doc_page(struct oms_doc *d)
{
	if (d->npages > 0 && d->pages[d->npages - 1].len == 0) {
		d->y = PAGE_H - MARGIN;
		return;
	}
	d->pages = erealloc(d->pages, (size_t)(d->npages + 1) *
	    sizeof *d->pages);
	memset(&d->pages[d->npages], 0, sizeof d->pages[0]);
	d->npages++;
	d->y = PAGE_H - MARGIN;
}

/* Cut s to about width points at size: Helvetica averages 0.55 em. */
static void
cut(struct oms_buf *b, const char *s, int size, int width)
{
	size_t max = (size_t)(width / (size * 0.55));
	size_t n = 0;
	const char *p = s;

	/* Count code points, not bytes. */
	while (*p != '\0' && n < max) {
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
		n++;
	}
	oms_buf_add(b, s, (size_t)(p - s));
}

/*
 * A row of cells at the x positions given (points from the left margin;
 * each cell runs to the next x or the right margin), size points high.
 */
void
oms_doc_row(struct oms_doc *d, int size, int bold, int n,
    const char *const *cells, const int *x)
{
	struct oms_buf *pg;

	if (d->y - size - 4 < MARGIN)
		oms_doc_page(d);
	d->y -= size + 4;
	pg = &d->pages[d->npages - 1];
	for (int i = 0; i < n; i++) {
		struct oms_buf t = { 0 };
		int right = i + 1 < n ? x[i + 1] : PAGE_W - 2 * MARGIN;

		if (cells[i] == NULL || cells[i][0] == '\0')
			continue;
		cut(&t, cells[i], size, right - x[i] - 6);
		oms_buf_printf(pg, "BT /F%d %d Tf %d %d Td ", bold ? 2 : 1, size,
		    MARGIN + x[i], d->y);
		oms_pdf_string(pg, t.s ? t.s : "");
		oms_buf_adds(pg, " Tj ET\n");
		oms_buf_free(&t);
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
	struct oms_buf *pg = &d->pages[d->npages - 1];

	d->y -= 6;
	oms_buf_printf(pg, "%d %d %d 0.7 re f\n", MARGIN, d->y,
	    PAGE_W - 2 * MARGIN);
	d->y -= 4;
}

void
oms_doc_space(struct oms_doc *d, int pt)
{
	d->y -= pt;
}

/* The whole document as PDF, appended to out. */
void
oms_doc_pdf(const struct oms_doc *d, struct oms_buf *out)
{
	size_t base = out->len, *off;
	int nobj = 4 + 2 * d->npages, obj;

	off = ecalloc((size_t)nobj + 1, sizeof *off);
	oms_buf_adds(out, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	off[1] = out->len - base;
	oms_buf_adds(out, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = out->len - base;
	oms_buf_printf(out, "2 0 obj\n<< /Type /Pages /Count %d /Kids [",
	    d->npages);
	for (int i = 0; i < d->npages; i++)
		oms_buf_printf(out, " %d 0 R", 5 + 2 * i);
	oms_buf_adds(out, " ] >>\nendobj\n");
	off[3] = out->len - base;
	oms_buf_adds(out, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont "
	    "/Helvetica /Encoding /WinAnsiEncoding >>\nendobj\n");
	off[4] = out->len - base;
	oms_buf_adds(out, "4 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont "
	    "/Helvetica-Bold /Encoding /WinAnsiEncoding >>\nendobj\n");
	for (int i = 0; i < d->npages; i++) {
		const struct oms_buf *c = &d->pages[i];

		obj = 5 + 2 * i;
		off[obj] = out->len - base;
		oms_buf_printf(out, "%d 0 obj\n<< /Type /Page /Parent 2 0 R "
		    "/MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R "
		    "/F2 4 0 R >> >> /Contents %d 0 R >>\nendobj\n", obj, PAGE_W,
		    PAGE_H, obj + 1);
		off[obj + 1] = out->len - base;
		oms_buf_printf(out, "%d 0 obj\n<< /Length %zu >>\nstream\n",
		    obj + 1, c->len);
		if (c->len > 0)
			oms_buf_add(out, c->s, c->len);
		oms_buf_adds(out, "\nendstream\nendobj\n");
	}
	{
		size_t xref = out->len - base;

		oms_buf_printf(out, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
		for (int i = 1; i <= nobj; i++)
			oms_buf_printf(out, "%010zu 00000 n \n", off[i]);
		oms_buf_printf(out, "trailer\n<< /Size %d /Root 1 0 R >>\n"
		    "startxref\n%zu\n%%%%EOF\n", nobj + 1, xref);
	}
	free(off);
}
