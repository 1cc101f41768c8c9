/*
 * Unit tests for lib/x12.c: an interchange written and read back, other
 * separators, and envelopes that are wrong in each way the reader names.
 */
#include <stdlib.h>
#include <string.h>

#include "x12.h"
#include "unit.h"

static const char *
errmsg(void)
{
	return oms_error();
}

/* The interchange every test starts from: two 940s in one group. */
static void
write_two(struct oms_x12w *w)
{
	struct oms_x12_env e = {
		"ZZ", "MYSHOP", "ZZ", "ACME3PL", "2026-11-26T15:04:00Z", 42, 1
	};

	oms_x12w_begin(w, &e);
	oms_x12w_group(w, "OW", "MYSHOP", "ACME3PL", 7);
	oms_x12w_set(w, "940", 12);
	oms_x12w_seg(w, "W05", "N", "o_1", "1001", NULL);
	oms_x12w_seg(w, "N1", "ST", "Zo\xc3\xab M\xc3\xbcller*~>", NULL);
	oms_x12w_seg(w, "W01", "2", "EA", "", "SK", "A", "", "", NULL);
	oms_x12w_set_end(w);
	oms_x12w_set(w, "940", 13);
	oms_x12w_seg(w, "W05", "N", "o_2", "1002", NULL);
	oms_x12w_set_end(w);
	oms_x12w_group_end(w);
	oms_x12w_end(w);
}

static void
round_trip(void)
{
	struct oms_x12w w;
	struct oms_x12 *x = NULL;
	const char *nl;

	write_two(&w);
	nl = strchr(w.b.s, '\n');
	OK(nl != NULL && nl - w.b.s == OMS_X12_ISA_LEN,
	    "the ISA is 106 characters, its terminator counted");
	STR_EQ(strstr(w.b.s, "ISA"), "ISA*00*          *00*          *ZZ*MYSHOP"
	    "         *ZZ*ACME3PL        *261126*1504*U*00401*000000042*0*T*>~\n"
	    "GS*OW*MYSHOP*ACME3PL*20261126*1504*7*X*004010~\n"
	    "ST*940*0012~\n"
	    "W05*N*o_1*1001~\n"
	    "N1*ST*Zoe Muller~\n"
	    "W01*2*EA**SK*A~\n"
	    "SE*5*0012~\n"
	    "ST*940*0013~\n"
	    "W05*N*o_2*1002~\n"
	    "SE*3*0013~\n"
	    "GE*2*7~\n"
	    "IEA*1*000000042~\n", "the whole interchange, separators out of "
	    "the text, empty elements at the end left off");
	OK(oms_x12_read(w.b.s, w.b.len, &x) == OMS_OK, "read back: %s",
	    x ? "" : errmsg());
	if (x != NULL) {
		STR_EQ(x->control, "000000042", "ISA13");
		STR_EQ(x->sender, "MYSHOP", "ISA06 without its padding");
		STR_EQ(x->receiver_q, "ZZ", "ISA07");
		OK(x->es == '*' && x->ss == '>' && x->st == '~',
		    "the separators, as the ISA says");
		OK(x->ngroups == 1 && x->groups[0].nsets == 2, "a group of two "
		    "sets");
		STR_EQ(x->groups[0].sets[1].control, "0013", "ST02");
		OK(x->groups[0].sets[0].error == 0 &&
		    x->groups[0].sets[1].error == 0, "both sets sound");
		STR_EQ(oms_x12_el(&x->segs[x->groups[0].sets[0].first + 2], 2),
		    "Zoe Muller", "an element");
		OK(x->segs[x->groups[0].sets[0].first + 2].no == 5,
		    "segments numbered from the ISA");
	}
	oms_x12_free(x);
	oms_x12w_free(&w);
}

/* The same interchange with the separators c1 c2 c3 for * > ~. */
static char *
with_seps(const char *s, char es, char ss, char st)
{
	char *t = estrdup(s);

	for (char *p = t; *p; p++)
		if (*p == '*')
			*p = es;
		else if (*p == '~')
			*p = st;
		else if (*p == '>' && p - t == 104)
			*p = ss;
	return t;
}

static void
separators(void)
{
	struct oms_x12w w;
	struct oms_x12 *x = NULL;
	char *t, sub[32];

	write_two(&w);
	t = with_seps(w.b.s, '|', '^', '\n');
	/* "~\n" became "\n\n": blank lines between segments are layout. */
	OK(oms_x12_read(t, strlen(t), &x) == OMS_OK, "| ^ and newline as "
	    "separators: %s", x ? "read" : errmsg());
	if (x != NULL) {
		OK(x->es == '|' && x->ss == '^' && x->st == '\n',
		    "taken from the ISA");
		STR_EQ(oms_x12_el(&x->segs[3], 2), "o_1", "an element");
	}
	oms_x12_free(x);
	free(t);
	/* CRLF after each terminator, a sub-element. */
	{
		struct oms_buf b = { 0 };

		for (const char *p = w.b.s; *p; p++)
			if (*p == '\n')
				oms_buf_adds(&b, "\r\n");
			else
				oms_buf_addc(&b, *p);
		x = NULL;
		OK(oms_x12_read(b.s, b.len, &x) == OMS_OK, "CRLF line ends");
		if (x != NULL) {
			x->segs[3].el[1] = "A>B>C";
			STR_EQ(oms_x12_sub(x, &x->segs[3], 1, 2, sub,
			    sizeof sub), "B", "a sub-element");
			STR_EQ(oms_x12_sub(x, &x->segs[3], 1, 4, sub,
			    sizeof sub), "", "one past the last");
		}
		oms_x12_free(x);
		oms_buf_free(&b);
	}
	oms_x12w_free(&w);
}

/* Read s with what replaced by with: OMS_REJECT, and the message. */
static int
broken(const char *s, const char *what, const char *with, struct oms_x12 **x)
{
	struct oms_buf b = { 0 };
	const char *at = strstr(s, what);
	int rc;

	*x = NULL;
	if (at == NULL)
		return 99;
	oms_buf_add(&b, s, (size_t)(at - s));
	oms_buf_adds(&b, with);
	oms_buf_adds(&b, at + strlen(what));
	rc = oms_x12_read(b.s, b.len, x);
	oms_buf_free(&b);
	return rc;
}

static void
envelopes(void)
{
	struct oms_x12w w;
	struct oms_x12 *x;

	write_two(&w);
	OK(oms_x12_read(w.b.s, 57, &x) == OMS_REJECT, "a truncated ISA");
	STR_EQ(errmsg(), "segment 1 (ISA): 57 characters, not 106: the file "
	    "is cut short", "is named");
	OK(broken(w.b.s, "*ZZ*MYSHOP ", "*ZZ*MYSHOP", &x) == OMS_REJECT,
	    "an ISA a character short");
	STR_EQ(errmsg(), "segment 1 (ISA): element 7 is not where X12 puts "
	    "it: an ISA is 106 characters, its elements of fixed width",
	    "is refused");
	OK(broken(w.b.s, "000000042*0", "00000004A*0", &x) == OMS_REJECT,
	    "a control number that is not digits");
	STR_EQ(errmsg(), "segment 1 (ISA): ISA13 '00000004A' is not a "
	    "control number of 9 digits", "is refused");
	OK(broken(w.b.s, "IEA*1*000000042", "IEA*1*000000043", &x) ==
	    OMS_REJECT, "an IEA02 that is not the ISA13");
	STR_EQ(errmsg(), "segment 12 (IEA): IEA02 '000000043' is not the "
	    "control number of its ISA, 000000042", "is refused");
	OK(broken(w.b.s, "GE*2*7", "GE*2*8", &x) == OMS_REJECT,
	    "a GE02 that is not the GS06");
	STR_EQ(errmsg(), "segment 11 (GE): GE02 '8' is not the GS06 '7' of its "
	    "group", "is refused");
	OK(broken(w.b.s, "GE*2*7", "GE*3*7", &x) == OMS_REJECT,
	    "a GE01 that is not the count");
	OK(broken(w.b.s, "GE*2*7~\nIEA*1*000000042~\n", "", &x) == OMS_REJECT,
	    "a file cut after its sets");
	STR_EQ(errmsg(), "segment 11: no GE for the group of GS segment 2: the "
	    "file is cut short", "is refused");
	OK(broken(w.b.s, "IEA*1*000000042~\n", "IEA*1*000000042", &x) ==
	    OMS_REJECT, "an IEA with no terminator");
	OK(broken(w.b.s, "ST*940*0013~\n", "", &x) == OMS_REJECT,
	    "a segment outside any set");
	STR_EQ(errmsg(), "segment 8 (W05): outside any transaction set (a "
	    "group holds ST ... SE, then its GE)", "is named");
	OK(broken(w.b.s, "W05*N*o_2", "w5*N*o_2", &x) == OMS_REJECT,
	    "a segment id that is not one");
	OK(broken(w.b.s, "W05*N*o_2", "W05*N*o\001_2", &x) == OMS_OK,
	    "a control character inside an element is data");
	oms_x12_free(x);
	x = NULL;
	OK(oms_x12_read("", 0, &x) == OMS_REJECT, "an empty file");
	OK(oms_x12_read("{\"type\":\"order\"}", 16, &x) == OMS_REJECT,
	    "JSON");
	STR_EQ(errmsg(), "segment 1: not an X12 interchange: it does not "
	    "begin with ISA", "is no interchange");

	/* The sets' own envelopes: the set is marked, the file stands. */
	OK(broken(w.b.s, "SE*5*0012", "SE*6*0012", &x) == OMS_OK,
	    "a wrong SE count");
	OK(x && x->groups[0].sets[0].error == 4 &&
	    x->groups[0].sets[1].error == 0, "marks that set alone (AK5 4)");
	STR_EQ(x ? x->groups[0].sets[0].why : NULL, "SE01 says 6 segments, "
	    "the set has 5", "in words");
	oms_x12_free(x);
	OK(broken(w.b.s, "SE*5*0012", "SE*5*0011", &x) == OMS_OK &&
	    x->groups[0].sets[0].error == 3, "SE02 not ST02 (AK5 3)");
	oms_x12_free(x);
	OK(broken(w.b.s, "SE*5*0012~\n", "", &x) == OMS_OK &&
	    x->groups[0].nsets == 2 && x->groups[0].sets[0].error == 2,
	    "a set with no SE (AK5 2)");
	oms_x12_free(x);
	OK(broken(w.b.s, "ST*940*0013~\nW05*N*o_2*1002~\nSE*3*0013",
	    "ST*940*0012~\nW05*N*o_2*1002~\nSE*3*0012", &x) == OMS_OK &&
	    x->groups[0].sets[1].error == 23, "a control number twice in "
	    "the group (AK5 23)");
	oms_x12_free(x);
	oms_x12w_free(&w);
}

static void
text(void)
{
	char b[64];

	STR_EQ(oms_x12_text(b, sizeof b, "  Zo\xc3\xab  M\xc3\xbcller  ", 0),
	    "Zoe Muller", "accents off, spaces trimmed and run together");
	STR_EQ(oms_x12_text(b, sizeof b, "Stra\xc3\x9f" "e \xc5\x81\xc3\xb3" "d\xc5\xba "
	    "\xc3\x86gir", 0), "Strasse Lodz AEgir", "two-letter foldings");
	STR_EQ(oms_x12_text(b, sizeof b, "a*b~c>d^e|f\r\ng\th", 0),
	    "a b c d e f g h", "separators and controls are spaces");
	STR_EQ(oms_x12_text(b, sizeof b, "\xe5\xbc\xa0\xe4\xbc\x9f Li", 0),
	    "?? Li", "another script is a ? a character");
	STR_EQ(oms_x12_text(b, sizeof b, "\xff\xfe" "ok", 0), "??ok",
	    "bytes that are not UTF-8");
	STR_EQ(oms_x12_text(b, sizeof b, "1234567890", 4), "1234",
	    "cut at max");
	STR_EQ(oms_x12_text(b, 4, "abcdef", 0), "abc", "and at the buffer");
	STR_EQ(oms_x12_text(b, sizeof b, NULL, 0), "", "NULL is empty");
}

int
main(void)
{
	round_trip();
	separators();
	envelopes();
	text();
	return UNIT_DONE();
}
