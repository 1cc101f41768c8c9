/*
 * label.h: shipping labels, 4x6 in, as ZPL II for thermal printers and
 * as a one-page PDF for everything else, with the tracking number as a
 * Code 128 barcode.  Both formats come from one layout, so a label looks
 * the same either way.
 *
 * Record text goes onto a label as it is, UTF-8; nothing in it can break
 * out of its field: ^ ~ _ are hex-escaped in ZPL, ( ) \ and every byte
 * outside printable ASCII are escaped in PDF strings, control characters
 * become spaces and bytes that are not UTF-8 are read as Windows-1252.
 * A line too long for the label is condensed, then cut short with "...".
 */
#ifndef OMS_LABEL_H
#define OMS_LABEL_H

#include "oms.h"

/* Any field may be NULL or "": its line is left out. */
struct oms_label_addr {
	const char *name, *company, *address1, *address2, *city, *region,
	    *postal_code, *country, *phone;
};
/* The fields of address a (a record's ship_to), pointing into a. */
void oms_label_addr(const cJSON *a, struct oms_label_addr *l);

struct oms_label {
	struct oms_label_addr from, to;
	const char *carrier;	/* "UPS" */
	const char *service;	/* "UPS Ground"; the carrier when NULL */
	const char *tracking;	/* the tracking number: the barcode */
	const char *reference;	/* order reference, e.g. "o_12 / #1001" */
	long weight_g;		/* 0: no weight printed */
	int package, packages;	/* n of m; 0 and 0 print "1 OF 1" */
	const char *ship_date;	/* "2026-11-26" */
	int test;		/* "NOT FOR SHIPMENT" (the offline carrier) */
	int imperial;		/* weight in lb/oz, not kg: US senders */
	/*
	 * A return label: from is the customer, to the warehouse, and
	 * reference the return ("r_7 / o_12"), printed "RMA r_7 / o_12"
	 * in bold; a black band says "RETURN" beside the service.
	 */
	int is_return;
};

/*
 * The Code 128 symbol for data, as the widths in modules of its bars and
 * spaces, one digit '1'..'4' each, from the start character through the
 * check character to the stop (whose 7 elements end with its final bar):
 * widths->s replaced, always 6 elements (11 modules) per character and
 * 7 (13 modules) for the stop, the first a bar.  Runs of 4 or more
 * digits go in code set C, an even number of them (the first digit of
 * an odd run stays in B); everything else in code set B.  OMS_ERR when
 * data is empty or holds a byte Code 128 B cannot carry (outside
 * 0x20..0x7f), with widths emptied.
 */
int oms_code128(const char *data, struct oms_buf *widths);

/*
 * The label in ZPL II at dpi 203 or 300 (^PW812 ^LL1218, ^PW1200 ^LL1800),
 * ^XA..^XZ, UTF-8 (^CI28), one command or field a line; appended to out,
 * so labels can follow one another in one file.  OMS_ERR, out unchanged,
 * for another dpi, a missing tracking number, one Code 128 cannot carry,
 * or one too long to fit across the label.
 */
int oms_label_zpl(const struct oms_label *l, int dpi, struct oms_buf *out);

/*
 * The label as a one-page PDF 1.4, 288x432 pt, in Helvetica and
 * Helvetica-Bold with WinAnsiEncoding (what that cannot show prints as
 * '?'), the barcode as filled rectangles, modules 0.015-0.02 in wide
 * with 10-module quiet zones, 1 in tall.  Appended to out; the xref
 * offsets count from where the PDF starts.  OMS_ERR, out unchanged, as
 * for oms_label_zpl.
 */
int oms_label_pdf(const struct oms_label *l, struct oms_buf *out);

/*
 * A PDF string of UTF-8 text in WinAnsiEncoding, appended to b: ( ) \
 * escaped, bytes outside printable ASCII in octal, what WinAnsi cannot
 * show as '?'.
 */
void oms_pdf_string(struct oms_buf *b, const char *s);

#endif
