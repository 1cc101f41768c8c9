/*
 * label.h: shipping labels, 4x6 in, as ZPL II for thermal printers and
 * as a one-page PDF or a PNG for everything else, with the tracking
 * number as a Code 128 barcode (or GS1-128) and, if asked, a 2D symbol.
 * Every format comes from one layout, so a label looks the same either
 * way.  In ZPL the printer sets the text in its font and draws the
 * symbols; in PDF and PNG cairo and pango set the text, in any script
 * (draw.h), and libzint encodes and lays out the symbols.
 *
 * Record text goes onto a label as it is, UTF-8; nothing in it can break
 * out of its field: ^ ~ _ are hex-escaped in ZPL (and in a symbol's data
 * every byte outside printable ASCII), pango draws text, never markup;
 * control characters become spaces and bytes that are not UTF-8 are
 * read as Windows-1252.  A line too long for the label is condensed,
 * then cut short ("..." in ZPL, an ellipsis in PDF and PNG).
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

/* Symbologies a label can carry. */
enum oms_symbology {
	OMS_SYM_NONE,
	OMS_SYM_CODE128,	/* the tracking number, as it is */
	OMS_SYM_GS1_128,	/* USPS IMpb: AIs 420 and 92..95 */
	OMS_SYM_PDF417,
	OMS_SYM_MAXICODE,	/* UPS */
	OMS_SYM_DATAMATRIX,
	OMS_SYM_QR
};

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
	/*
	 * The barcode: OMS_SYM_NONE or OMS_SYM_CODE128 for the tracking
	 * number in Code 128; OMS_SYM_GS1_128 for barcode_data, a GS1
	 * element string with its AIs in brackets, checked by libzint
	 * (USPS IMpb: "[420]07102[94]00111206206406260787").  The line
	 * above it reads "TRACKING # " and the tracking number either way.
	 */
	int barcode;
	const char *barcode_data;
	/*
	 * A 2D symbol of symbol_data (bytes), at the bottom left, the
	 * barcode 0.8 in tall to make room: OMS_SYM_PDF417,
	 * OMS_SYM_MAXICODE, OMS_SYM_DATAMATRIX or OMS_SYM_QR (level Q),
	 * or OMS_SYM_NONE for none.  MaxiCode's symbol_data is its
	 * secondary message and symbol_primary, if any, libzint's primary
	 * one: the postcode (9 digits: mode 2; up to 6 letters and digits:
	 * mode 3), the ISO 3166 numeric country and the class of service,
	 * "071020000840001"; without it, mode 4.
	 */
	int symbol;
	const char *symbol_data;
	const char *symbol_primary;
};

/*
 * The label in ZPL II at dpi 203 or 300 (^PW812 ^LL1218, ^PW1200 ^LL1800),
 * ^XA..^XZ, UTF-8 (^CI28), one command or field a line; the barcode as
 * ^BC (mode A, or D for GS1-128 with the AIs in parentheses), a 2D
 * symbol as ^B7, ^BD, ^BX or ^BQ.  Appended to out, so labels can
 * follow one another in one file.  OMS_ERR, out unchanged, for another
 * dpi, a missing tracking number, one Code 128 cannot carry (bytes
 * outside 0x20..0x7f), one too long to fit across the label, or a
 * symbol libzint cannot encode or that would not fit.
 */
int oms_label_zpl(const struct oms_label *l, int dpi, struct oms_buf *out);

/*
 * The label as a one-page PDF 1.4, 288x432 pt, the text in Noto Sans
 * and the fonts fontconfig finds for the scripts it lacks, the barcode's
 * modules 0.015-0.02 in wide with 10-module quiet zones, 1 in tall.  The
 * same label gives the same bytes.  Appended to out.  OMS_ERR, out
 * unchanged, as for oms_label_zpl.
 */
int oms_label_pdf(const struct oms_label *l, struct oms_buf *out);

/*
 * The label as a PNG image, 4x6 in at dpi 203 or 300 (812x1218,
 * 1200x1800 pixels), drawn as the PDF is, with every module of the
 * symbols whole pixels wide, as in ZPL.  Appended to out.  OMS_ERR,
 * out unchanged, as for oms_label_zpl.
 */
int oms_label_png(const struct oms_label *l, int dpi, struct oms_buf *out);

/*
 * Symbol kind (OMS_SYM_...) of data alone, as a PNG at dpi 203 or 300,
 * with its quiet zone: its modules 0.02 in (whole pixels), MaxiCode
 * 1.11 in across with primary as on a label.  Appended to out; OMS_ERR,
 * out unchanged, when libzint cannot encode it.
 */
int oms_symbol_png(int kind, const char *data, const char *primary, int dpi,
    struct oms_buf *out);

#endif
