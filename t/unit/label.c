/*
 * Unit tests for lib/label.c: ZPL, PDF and PNG labels.
 *
 * With arguments it writes a sample label instead, for t/4100-label.bats
 * and t/4150-scripts.bats to render and scan:
 *
 *	label pdf FILE TRACKING [KEY=VALUE ...]
 *	label png DPI FILE TRACKING [KEY=VALUE ...]
 *	label zpl DPI FILE TRACKING [KEY=VALUE ...]
 *	label symbol KIND DPI FILE DATA [PRIMARY]
 *
 * (a leading word "label" is skipped, FILE "-" is stdout), where KEY is
 * to (ja, el or ar: the sample address in Japanese, Greek or Arabic),
 * symbol (pdf417, maxicode, datamatrix or qr) with data and, for
 * MaxiCode, primary; or gs1, a GS1-128 element string for the barcode.
 * "symbol" writes a symbol alone as PNG (KIND as for symbol=).
 * t/run runs it with none.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "label.h"
#include "unit.h"

static struct oms_label
sample(const char *tracking)
{
	struct oms_label l;

	memset(&l, 0, sizeof l);
	l.from = (struct oms_label_addr){ "Zo\xc3\xab M\xc3\xbcller",
	    "M\xc3\xbcller Trading Co.", "1 Port St", "Suite 5", "Newark", "NJ",
	    "07102", "US", "+1 973 555 0100" };
	l.to = (struct oms_label_addr){ "Jo\xc3\xa3o da Silva", NULL,
	    "Av. Paulista 1578", "Bela Vista", "S\xc3\xa3o Paulo", "SP",
	    "01310-200", "BR", "+55 11 5555 0100" };
	if (strncmp(tracking, "1Z", 2) == 0) {
		l.carrier = "UPS";
		l.service = "UPS Worldwide Saver";
	} else if (strlen(tracking) >= 20) {
		l.carrier = "USPS";
		l.service = "USPS Priority Mail International";
	} else {
		l.carrier = "FedEx";
		l.service = "FedEx International Priority";
	}
	l.tracking = tracking;
	l.reference = "o_12 / #1001";
	l.weight_g = 2500;
	l.package = 1;
	l.packages = 2;
	l.ship_date = "2026-11-26";
	l.test = 1;
	l.imperial = 1;
	return l;
}

/* Does text hold this whole line? */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p != NULL && *p != '\0'; ) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && memcmp(p, line, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int
count(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)) != NULL; s += strlen(what))
		n++;
	return n;
}

static void
zpl(void)
{
	struct oms_label l = sample("1Z5R89390357567127");
	struct oms_buf z = { NULL, 0, 0 };
	const char *last;
	int rc, rc2;

	rc = oms_label_zpl(&l, 203, &z);
	OK(rc == OMS_OK, "zpl 203: made");
	OK(strncmp(z.s, "^XA\n^CI28\n^PW812\n^LL1218\n", 24) == 0,
	    "zpl 203: ^XA, ^CI28, ^PW812, ^LL1218 first");
	last = z.len >= 4 ? z.s + z.len - 4 : z.s;
	STR_EQ(last, "^XZ\n", "zpl 203: ^XZ last");
	OK(count(z.s, "^XA") == 1 && count(z.s, "^XZ") == 1,
	    "zpl 203: one format");
	OK(has_line(z.s, "^FO72,763^BY4,3,203^BCN,203,N,N,N,A^FH"
	    "^FD1Z5R89390357567127^FS"), "zpl 203: the ^BC field, 4-dot "
	    "modules, 1 in tall, centred");
	OK(has_line(z.s, "^FO30,30^A0N,22,22^FH^FDZo\xc3\xab M\xc3\xbcller^FS"),
	    "zpl 203: the sender's name in UTF-8");
	OK(has_line(z.s, "^FO71,431^A0N,41,41^FH^FDS\xc3\xa3o Paulo, SP "
	    "01310-200^FS"), "zpl 203: the city line, large");
	OK(has_line(z.s, "^FO30,723^A0N,28,28^FH^FDTRACKING # "
	    "1Z5R89390357567127^FS"), "zpl 203: the tracking number, readable");
	OK(has_line(z.s, "^FO508,30^A0N,24,24^FH^FDDATE 2026-11-26^FS") &&
	    has_line(z.s, "^FO508,61^A0N,24,24^FH^FDWT 5 LB 8 OZ^FS") &&
	    has_line(z.s, "^FO508,91^A0N,24,24^FH^FDPKG 1 OF 2^FS"),
	    "zpl 203: date, weight in lb and oz, package 1 of 2");
	OK(has_line(z.s, "^FO30,1003^A0N,28,28^FH^FDREF o_5F12 / #1001^FS"),
	    "zpl 203: the reference, its _ escaped");
	OK(strstr(z.s, "^FR^FH^FDNOT FOR SHIPMENT^FS") != NULL,
	    "zpl 203: NOT FOR SHIPMENT");

	oms_buf_reset(&z);
	rc = oms_label_zpl(&l, 300, &z);
	OK(rc == OMS_OK, "zpl 300: made");
	OK(strncmp(z.s, "^XA\n^CI28\n^PW1200\n^LL1800\n", 26) == 0,
	    "zpl 300: ^PW1200, ^LL1800");
	OK(has_line(z.s, "^FO99,1128^BY6,3,300^BCN,300,N,N,N,A^FH"
	    "^FD1Z5R89390357567127^FS"), "zpl 300: 6-dot modules, 1 in tall");

	/* Record text cannot make commands. */
	oms_buf_reset(&z);
	l.to.name = "Evil^XZ~JA^FS_x";
	l.to.company = "A\nB\r\tC\x01 D  ";
	l.test = 0;
	l.imperial = 0;
	rc = oms_label_zpl(&l, 203, &z);
	OK(rc == OMS_OK, "zpl: hostile text");
	OK(strstr(z.s, "^FDEvil_5EXZ_7EJA_5EFS_5Fx^FS\n") != NULL,
	    "zpl: ^ ~ _ in a name hex-escaped");
	OK(strchr(z.s, '~') == NULL && count(z.s, "^XZ") == 1 &&
	    count(z.s, "^XA") == 1, "zpl: no ~, one ^XA and one ^XZ");
	OK(strstr(z.s, "^FDA B C D^FS\n") != NULL,
	    "zpl: control characters are spaces");
	OK(strstr(z.s, "^FDWT 2.50 KG^FS") != NULL, "zpl: weight in kg");
	OK(strstr(z.s, "NOT FOR SHIPMENT") == NULL,
	    "zpl: a real label is not marked");
	OK(strlen(z.s) == z.len, "zpl: no NUL bytes");

	/* Labels append; a failure leaves the buffer as it was. */
	{
		size_t one = z.len;

		rc = oms_label_zpl(&l, 203, &z);
		OK(rc == OMS_OK && z.len == 2 * one &&
		    memcmp(z.s, z.s + one, one) == 0, "zpl: labels append");
		OK(oms_label_zpl(&l, 600, &z) == OMS_ERR && z.len == 2 * one,
		    "zpl: 600 dpi refused, nothing written");
		STR_EQ(oms_error(), "labels print at 203 or 300 dpi, not 600",
		    "zpl: the dpi error");
		l.tracking = "1Z\xc3\xa9";
		OK(oms_label_zpl(&l, 203, &z) == OMS_ERR && z.len == 2 * one,
		    "zpl: a tracking number Code 128 cannot carry is refused");
		STR_EQ(oms_error(), "tracking number: Code 128 cannot carry "
		    "byte 0xc3 at position 3", "zpl: the Code 128 error");
		l.tracking = NULL;
		OK(oms_label_zpl(&l, 203, &z) == OMS_ERR,
		    "zpl: no tracking number is refused");
		l.tracking = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
		OK(oms_label_zpl(&l, 203, &z) == OMS_ERR && z.len == 2 * one,
		    "zpl: a barcode too wide for the label is refused");
		/* 34 digits (FedEx Ground 96...) fit at both resolutions. */
		l.tracking = "9622080430000000000000000000000000";
		rc = oms_label_zpl(&l, 203, &z);
		rc2 = oms_label_zpl(&l, 300, &z);
		OK(rc == OMS_OK && rc2 == OMS_OK,
		    "zpl: a 34-digit number fits");
	}

	/* A name too long is condensed, then cut. */
	oms_buf_reset(&z);
	l.tracking = "1Z5R89390357567127";
	l.to.name = "Bartholomew Maximilian Featherstonehaugh-Cholmondeley "
	    "of Wolverhampton and Little Snoring";
	rc = oms_label_zpl(&l, 203, &z);
	OK(rc == OMS_OK && strstr(z.s, "^FO71,288^A0N,41,24^FH^FDBartholomew "
	    "Maximilian "
	    "Featherstonehaugh-Cholmondele...^FS") != NULL,
	    "zpl: a long name condensed to 60%% and cut short");
	oms_buf_free(&z);
}

/* Does the buffer hold s? (A PDF's streams hold NUL bytes.) */
static int
holds(const struct oms_buf *b, const char *s)
{
	return memmem(b->s, b->len, s, strlen(s)) != NULL;
}

/* Is the buffer a whole PDF 1.4 file? */
static int
is_pdf(const struct oms_buf *p)
{
	return p->len > 20 && strncmp(p->s, "%PDF-1.4\n", 9) == 0 &&
	    memcmp(p->s + p->len - 6, "%%EOF\n", 6) == 0;
}

static void
pdf(void)
{
	struct oms_label l = sample("1Z5R89390357567127");
	struct oms_buf p = { NULL, 0, 0 }, q = { NULL, 0, 0 };
	size_t one;
	int rc;

	rc = oms_label_pdf(&l, &p);
	OK(rc == OMS_OK && is_pdf(&p), "pdf: a PDF 1.4 file, %%%%EOF last");
	OK(holds(&p, "/MediaBox [ 0 0 288 432 ]"),
	    "pdf: a 4x6 in page");
	OK(!holds(&p, "/CreationDate") && !holds(&p, "/ModDate"),
	    "pdf: no date in it");
	OK(holds(&p, "/Creator (oms " OMS_VERSION ")"), "pdf: made by oms");
	OK(holds(&p, "+NotoSans-Regular\n") && holds(&p, "+NotoSans-Bold\n"),
	    "pdf: Noto Sans and Noto Sans Bold embedded");
	rc = oms_label_pdf(&l, &q);
	OK(rc == OMS_OK && q.len == p.len && memcmp(p.s, q.s, p.len) == 0,
	    "pdf: the same label is the same bytes");

	one = p.len;
	rc = oms_label_pdf(&l, &p);
	OK(rc == OMS_OK && p.len == 2 * one &&
	    memcmp(p.s, p.s + one, one) == 0, "pdf: appended");
	l.tracking = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	OK(oms_label_pdf(&l, &p) == OMS_ERR && p.len == 2 * one,
	    "pdf: a barcode too wide is refused, nothing written");
	STR_EQ(oms_error(), "tracking number 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"
	    " is too long for a 4x6 label", "pdf: the error says so");
	l.tracking = "1Z\xc3\xa9";
	OK(oms_label_pdf(&l, &p) == OMS_ERR && p.len == 2 * one,
	    "pdf: a tracking number Code 128 cannot carry is refused");
	STR_EQ(oms_error(), "tracking number: Code 128 cannot carry "
	    "byte 0xc3 at position 3", "pdf: the Code 128 error");

	/* Hostile text: no markup, bad UTF-8 repaired. */
	oms_buf_reset(&p);
	l.tracking = "1Z5R89390357567127";
	l.to.name = "<b>Paren</b> (x) \\ &amp; \xe2\x82\xac \xff";
	l.to.company = "line\nbreak)\r(";
	OK(oms_label_pdf(&l, &p) == OMS_OK && is_pdf(&p),
	    "pdf: hostile text drawn");
	oms_buf_free(&p);
	oms_buf_free(&q);
}

/* The width and height of a PNG, from its IHDR. */
static int
png_size(const struct oms_buf *b, unsigned long *w, unsigned long *h)
{
	const unsigned char *u = (const unsigned char *)b->s;

	if (b->len < 24 || memcmp(u, "\x89PNG\r\n\x1a\n", 8) != 0 ||
	    memcmp(u + 12, "IHDR", 4) != 0)
		return 0;
	*w = (unsigned long)u[16] << 24 | (unsigned long)u[17] << 16 |
	    (unsigned long)u[18] << 8 | u[19];
	*h = (unsigned long)u[20] << 24 | (unsigned long)u[21] << 16 |
	    (unsigned long)u[22] << 8 | u[23];
	return 1;
}

static void
png(void)
{
	struct oms_label l = sample("9400111206206406260787");
	struct oms_buf p = { NULL, 0, 0 }, q = { NULL, 0, 0 };
	unsigned long w = 0, h = 0;
	int rc;

	rc = oms_label_png(&l, 203, &p);
	OK(rc == OMS_OK && png_size(&p, &w, &h) && w == 812 && h == 1218,
	    "png 203: 812 x 1218");
	rc = oms_label_png(&l, 203, &q);
	OK(rc == OMS_OK && q.len == p.len && memcmp(p.s, q.s, p.len) == 0,
	    "png: the same label is the same bytes");
	oms_buf_reset(&p);
	rc = oms_label_png(&l, 300, &p);
	OK(rc == OMS_OK && png_size(&p, &w, &h) && w == 1200 && h == 1800,
	    "png 300: 1200 x 1800");
	oms_buf_reset(&p);
	OK(oms_label_png(&l, 72, &p) == OMS_ERR && p.len == 0,
	    "png: 72 dpi refused, nothing written");
	STR_EQ(oms_error(), "labels print at 203 or 300 dpi, not 72",
	    "png: the dpi error");
	oms_buf_free(&p);
	oms_buf_free(&q);
}

static void
symbols(void)
{
	struct oms_label l = sample("1Z5R89390357567127");
	struct oms_buf z = { NULL, 0, 0 }, p = { NULL, 0, 0 };
	char big[1001];
	int rc;

	l.symbol = OMS_SYM_QR;
	l.symbol_data = "1Z5R89390357567127^~_\x1e";
	rc = oms_label_zpl(&l, 203, &z);
	OK(rc == OMS_OK && strstr(z.s, "^BQN,2,") != NULL &&
	    strstr(z.s, "^FH^FDQA,1Z5R89390357567127_5E_7E_5F_1E^FS\n"),
	    "zpl: a QR symbol, its data escaped");
	OK(strstr(z.s, "^BY4,3,162^BCN,162,N,N,N,A^FH^FD1Z5R89390357567127"),
	    "zpl: beside a 2D symbol the barcode is 0.8 in tall");
	l.symbol = OMS_SYM_MAXICODE;
	l.symbol_primary = "071020000840001";
	l.symbol_data = "[)>\x1e" "01\x1d" "96" "1Z12345675\x1dUPSN\x1e\x04";
	oms_buf_reset(&z);
	rc = oms_label_zpl(&l, 203, &z);
	OK(rc == OMS_OK && strstr(z.s, "^BD2,1,1^FH^FD001840071020000"
	    "[)>_1E01_1D961Z12345675_1DUPSN_1E_04^FS") != NULL,
	    "zpl: MaxiCode mode 2: service, country, postcode, then the rest");
	l.symbol = OMS_SYM_DATAMATRIX;
	oms_buf_reset(&z);
	OK(oms_label_zpl(&l, 300, &z) == OMS_OK &&
	    strstr(z.s, "^BXN,") != NULL, "zpl: Data Matrix");
	l.symbol = OMS_SYM_PDF417;
	oms_buf_reset(&z);
	OK(oms_label_zpl(&l, 300, &z) == OMS_OK &&
	    strstr(z.s, "^B7N,") != NULL, "zpl: PDF417");
	OK(oms_label_pdf(&l, &p) == OMS_OK && is_pdf(&p),
	    "pdf: with a PDF417 symbol");

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	l.symbol = OMS_SYM_QR;
	l.symbol_data = big;
	oms_buf_reset(&p);
	OK(oms_label_png(&l, 203, &p) == OMS_ERR && p.len == 0,
	    "png: a symbol too big to fit is refused");
	STR_EQ(oms_error(), "the QR symbol holds too much for a 4x6 label",
	    "png: the error says so");
	l.symbol = OMS_SYM_NONE;
	l.barcode = OMS_SYM_GS1_128;
	l.barcode_data = "[420]07102[94]00111206206406260787";
	oms_buf_reset(&z);
	OK(oms_label_zpl(&l, 203, &z) == OMS_OK && strstr(z.s,
	    "^BCN,203,N,N,N,D^FH^FD(420)07102(94)00111206206406260787^FS"),
	    "zpl: GS1-128 in mode D, the AIs in parentheses");
	l.barcode_data = "[420]07102[95";
	OK(oms_label_pdf(&l, &p) == OMS_ERR, "pdf: bad GS1 data refused");
	OK(strncmp(oms_error(), "tracking number: GS1-128: ", 26) == 0,
	    "pdf: libzint says why: %s", oms_error());
	oms_buf_free(&z);
	oms_buf_free(&p);
}

/* KEY=VALUE arguments of the sample writer. */
static int
options(struct oms_label *l, int argc, char **argv)
{
	static const struct oms_label_addr ja = { "\xe5\xb1\xb1\xe7\x94\xb0"
	    "\xe5\xa4\xaa\xe9\x83\x8e", NULL,
	    "\xe5\x8d\x83\xe4\xbb\xa3\xe7\x94\xb0 1-1", NULL,
	    "\xe5\x8d\x83\xe4\xbb\xa3\xe7\x94\xb0\xe5\x8c\xba",
	    "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd", "100-8111", "JP",
	    "+81 3 3213 1111" };
	static const struct oms_label_addr el = { "\xce\x93\xce\xb9\xcf\x8e"
	    "\xcf\x81\xce\xb3\xce\xbf\xcf\x82 \xce\xa0\xce\xb1\xcf\x80"
	    "\xce\xb1\xce\xb4\xcf\x8c\xcf\x80\xce\xbf\xcf\x85\xce\xbb"
	    "\xce\xbf\xcf\x82", NULL, "\xce\x95\xcf\x81\xce\xbc\xce\xbf"
	    "\xcf\x8d 12", NULL, "\xce\x91\xce\xb8\xce\xae\xce\xbd\xce"
	    "\xb1", NULL, "105 63", "GR", NULL };
	static const struct oms_label_addr ar = { "\xd9\x85\xd8\xad\xd9\x85"
	    "\xd8\xaf \xd8\xb9\xd9\x84\xd9\x8a", NULL, "\xd8\xb4\xd8\xa7"
	    "\xd8\xb1\xd8\xb9 \xd8\xa7\xd9\x84\xd8\xaa\xd8\xad\xd8\xb1"
	    "\xd9\x8a\xd8\xb1", NULL, "\xd8\xa7\xd9\x84\xd9\x82\xd8\xa7"
	    "\xd9\x87\xd8\xb1\xd8\xa9", NULL, "11511", "EG", NULL };
	static const char *const syms[] = { "", "code128", "gs1", "pdf417",
	    "maxicode", "datamatrix", "qr" };

	for (int i = 0; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (v == NULL)
			return 0;
		*v++ = '\0';
		if (strcmp(argv[i], "to") == 0) {
			if (strcmp(v, "ja") == 0)
				l->to = ja;
			else if (strcmp(v, "el") == 0)
				l->to = el;
			else if (strcmp(v, "ar") == 0)
				l->to = ar;
			else
				return 0;
		} else if (strcmp(argv[i], "symbol") == 0) {
			l->symbol = -1;
			for (int k = 0; k < 7; k++)
				if (strcmp(v, syms[k]) == 0)
					l->symbol = k;
			if (l->symbol < 0)
				return 0;
		} else if (strcmp(argv[i], "data") == 0)
			l->symbol_data = v;
		else if (strcmp(argv[i], "primary") == 0)
			l->symbol_primary = v;
		else if (strcmp(argv[i], "gs1") == 0) {
			l->barcode = OMS_SYM_GS1_128;
			l->barcode_data = v;
		} else
			return 0;
	}
	return 1;
}

/* label pdf FILE TRACKING | label (png|zpl) DPI FILE TRACKING, options */
static int
write_sample(int argc, char **argv)
{
	struct oms_buf b = { NULL, 0, 0 };
	struct oms_label l;
	const char *file;
	FILE *fp;
	int rc, dpi = 0, n;

	if (argc > 1 && strcmp(argv[1], "label") == 0) {
		argc--;
		argv++;
	}
	if (argc >= 6 && argc <= 7 && strcmp(argv[1], "symbol") == 0) {
		static const char *const kinds[] = { "", "code128", "gs1",
		    "pdf417", "maxicode", "datamatrix", "qr" };
		int kind = 0;

		for (int k = 1; k < 7; k++)
			if (strcmp(argv[2], kinds[k]) == 0)
				kind = k;
		file = argv[4];
		rc = oms_symbol_png(kind, argv[5], argc == 7 ? argv[6] : NULL,
		    atoi(argv[3]), &b);
		goto write;
	}
	n = argc > 1 && strcmp(argv[1], "pdf") == 0 ? 4 : 5;
	if (argc < n || (strcmp(argv[1], "pdf") != 0 &&
	    strcmp(argv[1], "png") != 0 && strcmp(argv[1], "zpl") != 0)) {
		fprintf(stderr,
		    "usage: label pdf FILE TRACKING [KEY=VALUE ...]\n"
		    "       label png|zpl DPI FILE TRACKING [KEY=VALUE ...]\n"
		    "       label symbol KIND DPI FILE DATA [PRIMARY]\n");
		return OMS_EXIT_USAGE;
	}
	if (n == 5)
		dpi = atoi(argv[2]);
	file = argv[n - 2];
	l = sample(argv[n - 1]);
	if (!options(&l, argc - n, argv + n)) {
		fprintf(stderr, "label: bad option\n");
		return OMS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "pdf") == 0)
		rc = oms_label_pdf(&l, &b);
	else if (strcmp(argv[1], "png") == 0)
		rc = oms_label_png(&l, dpi, &b);
	else
		rc = oms_label_zpl(&l, dpi, &b);
write:
	if (rc != OMS_OK) {
		fprintf(stderr, "label: %s\n", oms_error());
		oms_buf_free(&b);
		return OMS_EXIT_FATAL;
	}
	fp = strcmp(file, "-") == 0 ? stdout : fopen(file, "wb");
	if (fp == NULL || fwrite(b.s, 1, b.len, fp) != b.len ||
	    (fp == stdout ? fflush(fp) : fclose(fp)) != 0) {
		perror(file);
		oms_buf_free(&b);
		return OMS_EXIT_FATAL;
	}
	oms_buf_free(&b);
	return OMS_EXIT_OK;
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		return write_sample(argc, argv);
	zpl();
	pdf();
	png();
	symbols();
	return UNIT_DONE();
}
