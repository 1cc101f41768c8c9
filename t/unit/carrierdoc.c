/*
 * Unit tests for lib/carrierdoc.c and lib/customs.c: strict base64 (the
 * test vectors of RFC 4648 section 10, and what the section 4 alphabet
 * and padding forbid), the names a carrier's documents get and the names
 * a purge may delete, and the country and HS codes the catalog keeps.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "ship.h"
#include "unit.h"

/* s decoded, or NULL when it is refused; static storage. */
static const char *
dec(const char *s)
{
	static struct oms_buf b;

	oms_buf_free(&b);
	if (oms_base64_decode(s, strlen(s), &b) != 0)
		return NULL;
	return b.s ? b.s : "";
}

static void
base64(void)
{
	/* RFC 4648, 10: the test vectors (but "", refused as no data). */
	STR_EQ(dec("Zg=="), "f", "rfc 4648: f");
	STR_EQ(dec("Zm8="), "fo", "rfc 4648: fo");
	STR_EQ(dec("Zm9v"), "foo", "rfc 4648: foo");
	STR_EQ(dec("Zm9vYg=="), "foob", "rfc 4648: foob");
	STR_EQ(dec("Zm9vYmE="), "fooba", "rfc 4648: fooba");
	STR_EQ(dec("Zm9vYmFy"), "foobar", "rfc 4648: foobar");
	STR_EQ(dec("JVBERi0="), "%PDF-", "the first bytes of a PDF");
	STR_EQ(dec("++//"), "\xfb\xef\xff", "+ and / are 62 and 63");
	OK(dec("") == NULL, "nothing is no document");
	OK(dec("Zg") == NULL, "unpadded: refused");
	OK(dec("Zg=") == NULL, "short padding: refused");
	OK(dec("Zm9v\nYmFy") == NULL, "a line break: refused");
	OK(dec("Zm9v YmFy") == NULL, "a space: refused");
	OK(dec("Zm9vYmF-") == NULL, "the URL alphabet's -: refused");
	OK(dec("Zm9vYmF_") == NULL, "the URL alphabet's _: refused");
	OK(dec("Zg==Zg==") == NULL, "padding inside: refused");
	OK(dec("Z===") == NULL, "three pads: refused");
	OK(dec("Zh==") == NULL, "bits left over by the padding: refused");
	OK(dec("Zm9=") == NULL, "bits left over by one pad: refused");
	OK(dec("=Zg=") == NULL, "a pad first: refused");
}

static void
names(void)
{
	struct oms_cdoc d = { "label", "png", 1, 1, { NULL, 0, 0 } };
	struct oms_buf n = { 0 };

	oms_cdoc_name(&d, "1Z5R89390357567127", 1, &n);
	STR_EQ(n.s, "1Z5R89390357567127.png", "a label: TRACKING.FORMAT");
	d.type = "commercial_invoice";
	d.format = "pdf";
	oms_cdoc_name(&d, "1Z5R89390357567127", 1, &n);
	STR_EQ(n.s, "1Z5R89390357567127-commercial_invoice.pdf",
	    "another: TRACKING-TYPE.FORMAT");
	oms_cdoc_name(&d, "1Z5R89390357567127", 12, &n);
	STR_EQ(n.s, "1Z5R89390357567127-commercial_invoice-12.pdf",
	    "the 12th of a type: TRACKING-TYPE-12.FORMAT");
	oms_buf_free(&n);
	OK(oms_cdoc_name_ours("1Z5R89390357567127.zpl"), "ours: .zpl");
	OK(oms_cdoc_name_ours("9400111201080805483016.png"), "ours: .png");
	OK(oms_cdoc_name_ours("986578788855-customs_form.pdf"),
	    "ours: a customs form");
	OK(oms_cdoc_name_ours("986578788855-other-2.pdf"), "ours: the 2nd");
	OK(oms_cdoc_name_ours("986578788855-other-10.png"), "ours: the 10th");
	OK(!oms_cdoc_name_ours("986578788855-other-1.pdf"), "not: -1");
	OK(!oms_cdoc_name_ours("986578788855-other-02.pdf"), "not: -02");
	OK(!oms_cdoc_name_ours("986578788855-label.pdf"), "not: -label");
	OK(!oms_cdoc_name_ours("986578788855-invoice.pdf"), "not: a type "
	    "oms does not give");
	OK(!oms_cdoc_name_ours("986578788855.txt"), "not: .txt");
	OK(!oms_cdoc_name_ours(".pdf"), "not: .pdf alone");
	OK(!oms_cdoc_name_ours("../precious.pdf"), "not: ../");
	OK(!oms_cdoc_name_ours("r_1-1Z5R89390357567127.pdf"), "not: r_");
}

static void
codes(void)
{
	OK(oms_country_valid("PT") && oms_country_valid("GB") &&
	    oms_country_valid("US") && oms_country_valid("AX") &&
	    oms_country_valid("ZW"), "assigned codes");
	OK(!oms_country_valid("pt") && !oms_country_valid("UK") &&
	    !oms_country_valid("XX") && !oms_country_valid("EU") &&
	    !oms_country_valid("PRT") && !oms_country_valid("P") &&
	    !oms_country_valid("") && !oms_country_valid(NULL),
	    "not codes: lower case, UK, XX, EU, alpha-3, short, none");
	OK(oms_hs_code_valid("610910") && oms_hs_code_valid("09011100") &&
	    oms_hs_code_valid("6109100012"), "HS codes of 6, 8, 10 digits");
	OK(!oms_hs_code_valid("61091") && !oms_hs_code_valid("61091000123") &&
	    !oms_hs_code_valid("6109.10") && !oms_hs_code_valid(" 610910") &&
	    !oms_hs_code_valid(NULL), "not HS codes: 5, 11, dots, a space");
}

int
main(void)
{
	base64();
	names();
	codes();
	return UNIT_DONE();
}
