/*
 * Unit tests for lib/label.c: Code 128 symbols, ZPL and PDF labels.
 *
 * With arguments it writes a sample label instead, for
 * t/4100-label.bats to render and scan:
 *
 *	label pdf FILE TRACKING
 *	label zpl DPI FILE TRACKING
 *
 * (a leading word "label" is skipped, FILE "-" is stdout).  t/run runs
 * it with none.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "label.h"
#include "unit.h"

/*
 * The symbol table of ISO/IEC 15417 again, bar-space widths by value,
 * so that the expected symbols below can be written as values.  That
 * the table itself is right is what t/4100-label.bats checks, with
 * zbarimg reading printed labels.
 */
static const char *const sym[107] = {
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

enum { CODE_C = 99, CODE_B = 100, START_B = 104, START_C = 105, STOP = 106 };

#define END -1

/* data encodes to the values given (start .. check, END), then the stop. */
static void
symbols(const char *data, const int *want)
{
	struct oms_buf got = { NULL, 0, 0 }, exp = { NULL, 0, 0 };
	int rc = oms_code128(data, &got);

	for (; *want != END; want++)
		oms_buf_adds(&exp, sym[*want]);
	oms_buf_adds(&exp, sym[STOP]);
	OK(rc == OMS_OK, "code128 '%s' encodes", data);
	STR_EQ(got.s, exp.s, "code128 '%s' symbols", data);
	oms_buf_free(&got);
	oms_buf_free(&exp);
}

/* Every character 11 modules, the stop 13, the total their sum. */
static void
modules(const char *data)
{
	struct oms_buf w = { NULL, 0, 0 };
	size_t chars, i, j;
	long total = 0;
	int sixes = 1, digits = 1;

	OK(oms_code128(data, &w) == OMS_OK && w.len >= 6 * 3 + 7 &&
	    (w.len - 7) % 6 == 0, "code128 '%s': 6 elements a character, "
	    "7 for the stop (%zu)", data, w.len);
	if (w.len < 7)
		goto out;
	chars = (w.len - 7) / 6;
	for (i = 0; i < w.len; i++) {
		digits &= w.s[i] >= '1' && w.s[i] <= '4';
		total += w.s[i] - '0';
	}
	for (i = 0; i < chars; i++) {
		int sum = 0;

		for (j = 0; j < 6; j++)
			sum += w.s[6 * i + j] - '0';
		sixes &= sum == 11;
	}
	OK(digits, "code128 '%s': widths 1 to 4", data);
	OK(sixes, "code128 '%s': every character 11 modules", data);
	OK(total - 11 * (long)chars == 13 && strcmp(w.s + w.len - 7,
	    "2331112") == 0, "code128 '%s': the stop 2331112, 13 modules",
	    data);
	OK(total == 11 * (long)chars + 13, "code128 '%s': %ld modules "
	    "= 11 x %zu + 13", data, total, chars);
out:
	oms_buf_free(&w);
}

static void
code128(void)
{
	struct oms_buf w = { NULL, 0, 0 }, all = { NULL, 0, 0 };
	char ascii[97], pairs[201];
	int distinct = 1;

	/*
	 * UPS: 1 Z 5 R in set B, then 14 digits in C.
	 *   104 + 1*17 + 2*58 + 3*21 + 4*50 + 5*99 + 6*89 + 7*39 + 8*3
	 *   + 9*57 + 10*56 + 11*71 + 12*27 = 4004; 4004 - 38*103 = 90
	 */
	symbols("1Z5R89390357567127", (const int[]){ START_B, 17, 58, 21, 50,
	    CODE_C, 89, 39, 3, 57, 56, 71, 27, 90, END });
	/*
	 * USPS IMpb, 22 digits, all in C.
	 *   105 + 1*94 + 2*0 + 3*11 + 4*12 + 5*6 + 6*20 + 7*64 + 8*6
	 *   + 9*26 + 10*7 + 11*87 = 2187; 2187 - 21*103 = 24
	 */
	symbols("9400111206206406260787", (const int[]){ START_C, 94, 0, 11,
	    12, 6, 20, 64, 6, 26, 7, 87, 24, END });
	/*
	 * Mixed, an odd run of 7 digits: its first stays in B.
	 *   104 + 1*33 + 2*34 + 3*13 + 4*17 + 5*99 + 6*23 + 7*45 + 8*67
	 *   = 1796; 1796 - 17*103 = 45
	 */
	symbols("AB-1234567", (const int[]){ START_B, 33, 34, 13, 17, CODE_C,
	    23, 45, 67, 45, END });
	/*
	 * From C back to B.
	 *   105 + 1*12 + 2*34 + 3*100 + 4*33 + 5*34 = 787; 787 - 7*103 = 66
	 */
	symbols("1234AB", (const int[]){ START_C, 12, 34, CODE_B, 33, 34, 66,
	    END });
	/*
	 * FedEx, 12 digits.
	 *   105 + 98 + 2*65 + 3*78 + 4*78 + 5*88 + 6*55 = 1649;
	 *   1649 - 16*103 = 1
	 */
	symbols("986578788855", (const int[]){ START_C, 98, 65, 78, 78, 88,
	    55, 1, END });
	/* Short runs of digits stay in B: 104+33+2*17+3*18+4*19+5*34 = 471 */
	symbols("A123B", (const int[]){ START_B, 33, 17, 18, 19, 34, 59, END });
	/* Two digits alone: B too.  104 + 17 + 2*18 = 157 -> 54 */
	symbols("12", (const int[]){ START_B, 17, 18, 54, END });
	/* A space and DEL are set B characters. 104+0+2*95 = 294 -> 88 */
	symbols(" \x7f", (const int[]){ START_B, 0, 95, 88, END });

	modules("1Z5R89390357567127");
	modules("9400111206206406260787");
	modules("986578788855");
	modules("AB-1234567");
	modules("1234AB");

	/* Every value of sets B and C, each pattern different. */
	/* The ten digits apart, each after a character of another kind. */
	for (int i = 0, d = 0, k = 0; i < 96; i++) {
		char c = (char)(0x20 + i);

		if (c >= '0' && c <= '9')
			continue;
		ascii[k++] = c;
		if (d < 10)
			ascii[k++] = (char)('0' + d++);
	}
	ascii[96] = '\0';
	for (int i = 0; i < 100; i++) {
		pairs[2 * i] = (char)('0' + i / 10);
		pairs[2 * i + 1] = (char)('0' + i % 10);
	}
	pairs[200] = '\0';
	modules(ascii);
	modules(pairs);
	OK(oms_code128(ascii, &w) == OMS_OK && w.len == 6 * 98 + 7,
	    "all of set B: one character each");
	for (int i = 1; i <= 96 && w.len == 6 * 98 + 7; i++)
		for (int j = i + 1; j <= 96; j++)
			if (memcmp(w.s + 6 * i, w.s + 6 * j, 6) == 0)
				distinct = 0;
	OK(distinct, "the 96 characters of set B look different");
	OK(oms_code128(pairs, &all) == OMS_OK && all.len == 6 * 102 + 7,
	    "00 to 99: one character a pair");
	for (int i = 1; i <= 100 && all.len == 6 * 102 + 7; i++)
		for (int j = i + 1; j <= 100; j++)
			if (memcmp(all.s + 6 * i, all.s + 6 * j, 6) == 0)
				distinct = 0;
	OK(distinct, "the 100 characters of set C look different");

	OK(oms_code128("", &w) == OMS_ERR && w.len == 0,
	    "code128: empty is an error");
	OK(oms_code128(NULL, &w) == OMS_ERR, "code128: NULL is an error");
	OK(oms_code128("1Z\xc3\xa9", &w) == OMS_ERR && w.len == 0,
	    "code128: UTF-8 is an error");
	STR_EQ(oms_error(), "Code 128 cannot carry byte 0xc3 at position 3",
	    "code128: the error names the byte");
	OK(oms_code128("12\t34", &w) == OMS_ERR, "code128: a tab is an error");
	oms_buf_free(&w);
	oms_buf_free(&all);
}

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

/* Parse the xref table: each offset must point at "N 0 obj". */
static void
xref(const struct oms_buf *p)
{
	const char *s = p->s, *sx, *x;
	unsigned long start, n, off;
	char want[32];
	int ok = 1;

	sx = NULL;
	for (const char *q = s; (q = strstr(q, "startxref\n")) != NULL; q++)
		sx = q;
	OK(sx != NULL, "pdf: startxref");
	if (sx == NULL)
		return;
	start = strtoul(sx + 10, NULL, 10);
	OK(start < p->len && strncmp(s + start, "xref\n0 ", 7) == 0,
	    "pdf: startxref %lu points at the xref table", start);
	if (start >= p->len || strncmp(s + start, "xref\n0 ", 7) != 0)
		return;
	n = strtoul(s + start + 7, (char **)&x, 10);
	OK(n == 8 && strncmp(x, "\n0000000000 65535 f \n", 21) == 0,
	    "pdf: xref of 8 objects, object 0 free");
	x += 21;
	for (unsigned long i = 1; i < n; i++, x += 20) {
		if (x + 20 > s + p->len || x[10] != ' ' ||
		    strncmp(x + 10, " 00000 n \n", 10) != 0) {
			ok = 0;
			break;
		}
		off = strtoul(x, NULL, 10);
		snprintf(want, sizeof want, "%lu 0 obj\n", i);
		if (off >= p->len ||
		    strncmp(s + off, want, strlen(want)) != 0 ||
		    s[off - 1] != '\n') {
			printf("# object %lu at %lu: '%.10s'\n", i, off,
			    s + off);
			ok = 0;
		}
	}
	OK(ok, "pdf: every xref entry 20 bytes, at its 'N 0 obj' line");
	OK(strstr(x, "trailer\n<< /Size 8 /Root 1 0 R /Info 7 0 R >>\n") == x,
	    "pdf: the trailer follows, /Size 8");
}

static void
pdf(void)
{
	struct oms_label l = sample("1Z5R89390357567127");
	struct oms_buf p = { NULL, 0, 0 };
	const char *q;
	unsigned long len;
	int bars = 0, rc;

	rc = oms_label_pdf(&l, &p);
	OK(rc == OMS_OK, "pdf: made");
	OK(strncmp(p.s, "%PDF-1.4\n", 9) == 0, "pdf: begins %%PDF-1.4");
	OK(p.len > 6 && strcmp(p.s + p.len - 6, "%%EOF\n") == 0,
	    "pdf: ends %%%%EOF");
	OK(strlen(p.s) == p.len, "pdf: no NUL bytes");
	xref(&p);
	q = strstr(p.s, "/Length ");
	len = q ? strtoul(q + 8, (char **)&q, 10) : 0;
	OK(q != NULL && strncmp(q, " >>\nstream\n", 11) == 0 &&
	    q + 11 + len < p.s + p.len &&
	    strncmp(q + 11 + len, "\nendstream\nendobj\n", 18) == 0,
	    "pdf: the stream /Length is right");
	OK(strstr(p.s, "/MediaBox [0 0 288 432]") != NULL,
	    "pdf: a 4x6 in page");
	OK(strstr(p.s, "/BaseFont /Helvetica\n   /Encoding /WinAnsiEncoding") &&
	    strstr(p.s, "/BaseFont /Helvetica-Bold\n"),
	    "pdf: Helvetica and Helvetica-Bold, WinAnsiEncoding");
	OK(strstr(p.s, "(Zo\\353 M\\374ller) Tj") != NULL,
	    "pdf: UTF-8 text in WinAnsi, octal");
	OK(strstr(p.s, "(S\\343o Paulo, SP 01310-200) Tj") != NULL,
	    "pdf: the city line");
	OK(strstr(p.s, "(TRACKING # 1Z5R89390357567127) Tj") != NULL,
	    "pdf: the tracking number, readable");
	OK(strstr(p.s, "(NOT FOR SHIPMENT) Tj") != NULL,
	    "pdf: NOT FOR SHIPMENT");
	/* Start B's first bar: 2 modules of 0.02 in, 1 in tall. */
	OK(strstr(p.s, "\n23.76 89.28 2.88 72 re\n") != NULL,
	    "pdf: the first bar centred, 0.02 in modules, 72 pt tall");
	for (q = p.s; (q = strstr(q, " re\n")) != NULL; q++)
		bars++;
	for (q = p.s; (q = strstr(q, " re f\n")) != NULL; q++)
		bars++;
	/* 14 characters of 3 bars, the stop's 4, 4 rules and the banner. */
	OK(bars == 14 * 3 + 4 + 4 + 1, "pdf: %d filled rectangles", bars);

	oms_buf_reset(&p);
	l.to.name = "Paren (x) \\ back \xe2\x82\xac \xe6\xbc\xa2 \xff";
	l.to.company = "line\nbreak)\r(";
	rc = oms_label_pdf(&l, &p);
	OK(rc == OMS_OK, "pdf: hostile text");
	OK(strstr(p.s, "(Paren \\(x\\) \\\\ back \\200 ? \\377) Tj") != NULL,
	    "pdf: ( ) \\ escaped, euro in WinAnsi, CJK as ?, a stray byte "
	    "as Windows-1252");
	OK(strstr(p.s, "(line break\\) \\() Tj") != NULL,
	    "pdf: line breaks are spaces");
	xref(&p);

	{
		size_t one = p.len;

		rc = oms_label_pdf(&l, &p);
		OK(rc == OMS_OK && p.len == 2 * one &&
		    memcmp(p.s, p.s + one, one) == 0,
		    "pdf: appended, offsets from its own start");
		l.tracking = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
		OK(oms_label_pdf(&l, &p) == OMS_ERR && p.len == 2 * one,
		    "pdf: a barcode too wide is refused, nothing written");
		STR_EQ(oms_error(),
		    "tracking number 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"
		    " is too long for a 4x6 label", "pdf: the error says so");
	}
	oms_buf_free(&p);
}

/* label pdf FILE TRACKING | label zpl DPI FILE TRACKING */
static int
write_sample(int argc, char **argv)
{
	struct oms_buf b = { NULL, 0, 0 };
	struct oms_label l;
	const char *file;
	FILE *fp;
	int rc;

	if (argc > 1 && strcmp(argv[1], "label") == 0) {
		argc--;
		argv++;
	}
	if (argc == 4 && strcmp(argv[1], "pdf") == 0) {
		l = sample(argv[3]);
		file = argv[2];
		rc = oms_label_pdf(&l, &b);
	} else if (argc == 5 && strcmp(argv[1], "zpl") == 0) {
		l = sample(argv[4]);
		file = argv[3];
		rc = oms_label_zpl(&l, atoi(argv[2]), &b);
	} else {
		fprintf(stderr, "usage: label pdf FILE TRACKING\n"
		    "       label zpl DPI FILE TRACKING\n");
		return OMS_EXIT_USAGE;
	}
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
	code128();
	zpl();
	pdf();
	return UNIT_DONE();
}
