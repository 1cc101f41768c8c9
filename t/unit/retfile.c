/*
 * Unit tests for lib/retfile.c: channels' return files read as return
 * records, each output compared whole, and every kind of bad row with
 * its line and message.  Run from the top of the tree (t/run does), so
 * that share/oms and t/fixtures are found; the Shopify sample is read
 * from $OMS_SAMPLES, else ../shared/samples.
 *
 * To keep the expected text readable, every '"' of the output is shown
 * as '\'' and every '\'' as '"' (a swap, so nothing is lost), the
 * fixture directory as FIX/ and the test's own as TMP.
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include "oms.h"
#include "rma.h"
#include "unit.h"

#define FIX "t/fixtures/returns/"

static char fixdir[PATH_MAX], tmpdir[PATH_MAX];
static char *made[32];		/* the files file() made, to remove */
static int nmade;
static int stop_after;		/* rec_cb fails on this record (1-based) */
static int seen;

static void
swap_quotes(char *s)
{
	for (; *s; s++)
		if (*s == '"')
			*s = '\'';
		else if (*s == '\'')
			*s = '"';
}

static int
rec_cb(void *arg, const cJSON *rec)
{
	struct oms_buf *b = arg;
	char *s = cJSON_PrintUnformatted(rec);

	swap_quotes(s);
	oms_buf_printf(b, "%s\n", s);
	free(s);
	if (++seen == stop_after)
		return oms_seterr("stdout: no space left on device");
	return OMS_OK;
}

static void
rej_cb(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	struct oms_buf *b = arg;
	struct oms_buf t = { 0 };

	oms_buf_printf(&t, "REJECT %s:%ld: %s | %s\n", file, line, reason, raw);
	swap_quotes(t.s);
	oms_buf_adds(b, t.s);
	oms_buf_free(&t);
}

/* s with each from written to. */
static char *
replace(char *s, const char *from, const char *to)
{
	struct oms_buf b = { 0 };
	size_t n = strlen(from);
	const char *p = s, *q;

	oms_buf_add(&b, "", 0);
	while (n > 0 && (q = strstr(p, from)) != NULL) {
		oms_buf_add(&b, p, (size_t)(q - p));
		oms_buf_adds(&b, to);
		p = q + n;
	}
	oms_buf_adds(&b, p);
	free(s);
	return b.s;
}

/* The records and rejects of a file, one a line; "ERR msg" on failure. */
static char *
run(const char *format, const char *path)
{
	struct oms_buf b = { 0 };
	FILE *fp = fopen(path, "r");
	int rc;

	oms_buf_add(&b, "", 0);
	if (fp == NULL) {
		oms_buf_printf(&b, "cannot open %s\n", path);
		return b.s;
	}
	seen = 0;
	rc = oms_return_file_read(format, fp, path, rec_cb, rej_cb, &b);
	fclose(fp);
	if (rc != OMS_OK)
		oms_buf_printf(&b, "ERR %s\n", oms_error());
	return replace(replace(b.s, fixdir, "FIX/"), tmpdir, "TMP");
}

static void
check(const char *format, const char *path, const char *want,
    const char *what)
{
	char *got = run(format, path);

	if (getenv("RETFILE_GEN") != NULL)
		printf("\x1e%s\x1f", got);
	else
		STR_EQ(got, want, "%s", what);
	free(got);
}

/* A file of text in the test's directory. */
static const char *
file(const char *dir, const char *name, const char *text, size_t n)
{
	static char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "wx")) == NULL || fwrite(text, 1, n, fp) != n ||
	    fclose(fp) != 0 || nmade == 32)
		printf("Bail out! cannot write %s\n", path);
	else
		made[nmade++] = estrdup(path);
	return path;
}
#define FILE_S(dir, name, lit) file(dir, name, lit, sizeof lit - 1)

/* Each bad row, with its line and why; good rows around it read. */
static void
tests(const char *dir, const char *sample)
{
	const char *p;

	/* Amazon FBA: received and judged; dispositions and reasons mapped. */
	check("amazon-fba-returns", FIX "fba-returns.txt",
	    "{'type':'return','order':'amazon:114-3941689-8772232',"
	    "'key':'amazon-fba:LPNRR123456789',"
	    "'requested_at':'2026-03-02T09:14:07Z',"
	    "'lines':[{'sku':'MUG-BLU-12','qty':1,'reason':'unwanted',"
	    "'note':'Bought by mistake'}],'authorized':true,"
	    "'channel_status':'Unit returned to inventory',"
	    "'received':{'at':'2026-03-02T09:14:07Z','location':'PHX7'},"
	    "'inspection':[{'sku':'MUG-BLU-12','qty':1,"
	    "'disposition':'restock','note':'detailed-disposition "
	    "SELLABLE'}],'source':'amazon-fba-returns','source_line':2}\n"
	    "{'type':'return','order':'amazon:114-3941689-8772232',"
	    "'key':'amazon-fba:LPNRR223456789',"
	    "'requested_at':'2026-03-03T16:40:55Z',"
	    "'lines':[{'sku':'TEE-M-BLK','qty':2,"
	    "'reason':'size_too_small'}],'authorized':true,"
	    "'channel_status':'Unit returned to inventory',"
	    "'received':{'at':'2026-03-03T16:40:55Z','location':'ONT8'},"
	    "'inspection':[{'sku':'TEE-M-BLK','qty':2,"
	    "'disposition':'dispose','note':'detailed-disposition "
	    "CUSTOMER_DAMAGED'}],'source':'amazon-fba-returns',"
	    "'source_line':3}\n"
	    "{'type':'return','order':'amazon:113-0040215-1660233',"
	    "'key':'amazon-fba:113-0040215-1660233:LAMP-OAK:2026-03-04T11:0"
	    "2:00+00:00:1','requested_at':'2026-03-04T11:02:00Z',"
	    "'lines':[{'sku':'LAMP-OAK','qty':1,'reason':'other',"
	    "'note':'amazon reason: UNDELIVERABLE_REFUSED; bulb socket "
	    "loose'}],'authorized':true,'channel_status':'Reimbursed',"
	    "'received':{'at':'2026-03-04T11:02:00Z','location':'PHX7'},"
	    "'inspection':[{'sku':'LAMP-OAK','qty':1,"
	    "'disposition':'dispose','note':'detailed-disposition "
	    "DEFECTIVE'}],'source':'amazon-fba-returns','source_line':4}\n"
	    "REJECT t/fixtures/returns/fba-returns.txt:5: quantity \"0\" "
	    "is not a whole number of units from 1 to 1000000 | "
	    "2026-03-05T08:00:00+00:00\t113-0040215-1660233\tLAMP-OAK\tB01N"
	    "5IB20Q\tX002ABCDE3\tOak Desk Lamp\t0\tPHX7\tSELLABLE\tDEFECTIV"
	    "E\tUnit returned to inventory\tLPNRR323456789\t\n"
	    "REJECT t/fixtures/returns/fba-returns.txt:6: return-date "
	    "\"yesterday\" is not a date | yesterday\t113-0040215-1660233\t"
	    "LAMP-OAK\tB01N5IB20Q\tX002ABCDE3\tOak Desk "
	    "Lamp\t1\tPHX7\tSELLABLE\tDEFECTIVE\tUnit returned to "
	    "inventory\tLPNRR423456789\t\n"
	    "REJECT t/fixtures/returns/fba-returns.txt:7: 4 fields where "
	    "the header has 13 | 2026-03-06T08:00:00+00:00\t113-0040215-166"
	    "0233\tLAMP-OAK\tB01N5IB20Q\n"
	    "REJECT t/fixtures/returns/fba-returns.txt:8: no order: "
	    "\"amazon:{order-id}\" needs a value for each name in braces | "
	    "2026-03-07T08:00:00+00:00\t\tLAMP-OAK\tB01N5IB20Q\tX002ABCDE3"
	    "\tOak Desk Lamp\t1\tPHX7\tSELLABLE\tDEFECTIVE\tUnit returned "
	    "to inventory\tLPNRR523456789\t\n"
	    "{'type':'return','order':'amazon:111-7765432-1234567',"
	    "'key':'amazon-fba:LPNRR623456789',"
	    "'requested_at':'2026-03-08T08:00:00Z',"
	    "'lines':[{'sku':'MUG-BLU-12','qty':1,'reason':'defective'}],"
	    "'authorized':true,'channel_status':'Unit returned to "
	    "inventory','received':{'at':'2026-03-08T08:00:00Z',"
	    "'location':'PHX7'},'inspection':[{'sku':'MUG-BLU-12','qty':1,"
	    "'disposition':'restock','note':'detailed-disposition "
	    "SELLABLE'}],'source':'amazon-fba-returns','source_line':9}\n"
	    "REJECT t/fixtures/returns/fba-returns.txt:10: no sku | "
	    "2026-03-09T08:00:00+00:00\t111-7765432-1234567\t\tB07XJ8C8F5\t"
	    "X002ABCDE1\tStoneware Mug, Blue, 12 "
	    "oz\t1\tPHX7\tSELLABLE\tDEFECTIVE\tUnit returned to "
	    "inventory\tLPNRR723456789\t\n",
	    "amazon-fba-returns: SELLABLE restocks, the rest is disposed; "
	    "an unknown reason is other with the code in the note; no "
	    "license plate: the key from the order, sku, date and count; "
	    "bad rows rejected with line and reason");
	check("amazon-fba-returns", FIX "fba-returns-bom-crlf.txt",
	    "{'type':'return','order':'amazon:114-3941689-8772232',"
	    "'key':'amazon-fba:LPNRR823456789',"
	    "'requested_at':'2026-03-10T10:00:00Z',"
	    "'lines':[{'sku':'MUG-BLU-12','qty':1,'reason':'defective',"
	    "'note':'\\'box crushed\\', lid cracked'}],'authorized':true,"
	    "'channel_status':'Unit returned to inventory',"
	    "'received':{'at':'2026-03-10T10:00:00Z','location':'PHX7'},"
	    "'inspection':[{'sku':'MUG-BLU-12','qty':1,"
	    "'disposition':'dispose','note':'detailed-disposition "
	    "CARRIER_DAMAGED'}],'source':'amazon-fba-returns',"
	    "'source_line':2}\n",
	    "a BOM, CRLF, '\"' as text in an unquoted report, blank "
	    "trailing rows");
	check("amazon-fba-returns,location=WH1", FIX "fba-returns-bom-crlf.txt",

	    "{'type':'return','order':'amazon:114-3941689-8772232',"
	    "'key':'amazon-fba:LPNRR823456789',"
	    "'requested_at':'2026-03-10T10:00:00Z',"
	    "'lines':[{'sku':'MUG-BLU-12','qty':1,'reason':'defective',"
	    "'note':'\\'box crushed\\', lid cracked'}],'authorized':true,"
	    "'channel_status':'Unit returned to inventory',"
	    "'received':{'at':'2026-03-10T10:00:00Z','location':'WH1'},"
	    "'inspection':[{'sku':'MUG-BLU-12','qty':1,"
	    "'disposition':'dispose','note':'detailed-disposition "
	    "CARRIER_DAMAGED'}],'source':'amazon-fba-returns',"
	    "'source_line':2}\n", "location=WH1 receives at WH1, not the FC");
	check("amazon-fba-returns", FIX "fba-returns-no-lpn-column.txt",

	    "ERR t/fixtures/returns/fba-returns-no-lpn-column.txt:1: no "
	    "column 'license-plate-number' in the header: not "
	    "amazon-fba-returns (Amazon FBA customer returns report "
	    "(GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA), tab-separated: "
	    "units Amazon received and judged)\n",
	    "a required column missing refuses the file at its header");
	check("fba-quoted", FIX "fba-quoted.txt",
	    "{'type':'return','order':'amazon:114-3941689-8772232',"
	    "'key':'amazon-fba:LPNRR923456789',"
	    "'requested_at':'2026-03-11T10:00:00Z',"
	    "'lines':[{'sku':'MUG-BLU-12','qty':1,'reason':'style',"
	    "'note':'two lines:\\nand a\\ttab'}],'authorized':true,"
	    "'received':{'at':'2026-03-11T10:00:00Z','location':'PHX7'},"
	    "'inspection':[{'sku':'MUG-BLU-12','qty':1,"
	    "'disposition':'restock','note':'detailed-disposition "
	    "SELLABLE'}],'source':'fba-quoted','source_line':2}\n"
	    "REJECT t/fixtures/returns/fba-quoted.txt:4: the file ends "
	    "inside a quoted field | 2026-03-12T10:00:00+00:00\t114-3941689"
	    "-8772232\tMUG-BLU-12\tB07XJ8C8F5\tX002ABCDE1\tMug\t1\tPHX7\tSE"
	    "LLABLE\tAPPAREL_STYLE\tUnit returned to "
	    "inventory\tLPNRR933456789\t'never closed\n",
	    "a format with quoting: quoted fields over lines, a quote left "
	    "open at the end");
	p = FILE_S(dir, "nul.txt", "return-date\torder-id\tsku\tasin\tfnsku\t"
	    "product-name\tquantity\tfulfillment-center-id\tdetailed-"
	    "disposition\treason\tstatus\tlicense-plate-number\tcustomer-"
	    "comments\n"
	    "2026-03-02\t114-1\tMUG\tB0\tX0\tMug\t1\tPHX7\tSELLABLE\t"
	    "DEFECTIVE\tok\tLPN1\tcaf\xe9 au lait\n"
	    "2026-03-02\t114-1\tMUG\tB0\tX0\tM\0ug\t1\tPHX7\tSELLABLE\t"
	    "DEFECTIVE\tok\tLPN2\t\n"
	    "2026-03-02\t114-1\tMUG\tB0\tX0\tMug\t1\tPHX7\t\t"
	    "DEFECTIVE\tok\tLPN3\t\n");
	check("amazon-fba-returns", p,
	    "{'type':'return','order':'amazon:114-1',"
	    "'key':'amazon-fba:LPN1','requested_at':'2026-03-02T00:00:00Z',"
	    "'lines':[{'sku':'MUG','qty':1,'reason':'defective',"
	    "'note':'café au lait'}],'authorized':true,"
	    "'channel_status':'ok','received':{'at':'2026-03-02T00:00:00Z',"
	    "'location':'PHX7'},'inspection':[{'sku':'MUG','qty':1,"
	    "'disposition':'restock','note':'detailed-disposition "
	    "SELLABLE'}],'source':'amazon-fba-returns','source_line':2}\n"
	    "REJECT TMP/nul.txt:3: a NUL byte in the row | "
	    "2026-03-02\t114-1\tMUG\tB0\tX0\tM?ug\t1\tPHX7\tSELLABLE\tDEFEC"
	    "TIVE\tok\tLPN2\t\n"
	    "REJECT TMP/nul.txt:4: received but no detailed-disposition | "
	    "2026-03-02\t114-1\tMUG\tB0\tX0\tMug\t1\tPHX7\t\tDEFECTIVE\tok"
	    "\tLPN3\t\n", "Windows-1252 text read as "
	    "such; a NUL byte and a missing disposition rejected");
	p = FILE_S(dir, "header-only.txt", "return-date\torder-id\tsku\t"
	    "quantity\tfulfillment-center-id\tdetailed-disposition\treason\t"
	    "license-plate-number\r\n");
	check("amazon-fba-returns", p, "", "a header alone is no record and "
	    "no error");
	check("amazon-fba-returns", "/dev/null",
	    "ERR /dev/null: empty file: no header of amazon-fba-returns\n",
	    "an empty file");
	p = FILE_S(dir, "nolpn.txt", "return-date\torder-id\tsku\tquantity\t"
	    "fulfillment-center-id\tdetailed-disposition\treason\t"
	    "license-plate-number\n"
	    "2026-03-02\t114-1\tMUG\t1\tPHX7\tSELLABLE\tDEFECTIVE\t\n"
	    "2026-03-02\t114-1\tTEE\t1\tPHX7\tSELLABLE\tDEFECTIVE\t\n"
	    "2026-03-02\t114-1\tMUG\t1\tPHX7\tSELLABLE\tDEFECTIVE\t\n");
	check("amazon-fba-returns", p,
	    "{'type':'return','order':'amazon:114-1',"
	    "'key':'amazon-fba:114-1:MUG:2026-03-02:1',"
	    "'requested_at':'2026-03-02T00:00:00Z','lines':[{'sku':'MUG',"
	    "'qty':1,'reason':'defective'}],'authorized':true,"
	    "'received':{'at':'2026-03-02T00:00:00Z','location':'PHX7'},"
	    "'inspection':[{'sku':'MUG','qty':1,'disposition':'restock',"
	    "'note':'detailed-disposition SELLABLE'}],"
	    "'source':'amazon-fba-returns','source_line':2}\n"
	    "{'type':'return','order':'amazon:114-1',"
	    "'key':'amazon-fba:114-1:TEE:2026-03-02:1',"
	    "'requested_at':'2026-03-02T00:00:00Z','lines':[{'sku':'TEE',"
	    "'qty':1,'reason':'defective'}],'authorized':true,"
	    "'received':{'at':'2026-03-02T00:00:00Z','location':'PHX7'},"
	    "'inspection':[{'sku':'TEE','qty':1,'disposition':'restock',"
	    "'note':'detailed-disposition SELLABLE'}],"
	    "'source':'amazon-fba-returns','source_line':3}\n"
	    "{'type':'return','order':'amazon:114-1',"
	    "'key':'amazon-fba:114-1:MUG:2026-03-02:2',"
	    "'requested_at':'2026-03-02T00:00:00Z','lines':[{'sku':'MUG',"
	    "'qty':1,'reason':'defective'}],'authorized':true,"
	    "'received':{'at':'2026-03-02T00:00:00Z','location':'PHX7'},"
	    "'inspection':[{'sku':'MUG','qty':1,'disposition':'restock',"
	    "'note':'detailed-disposition SELLABLE'}],"
	    "'source':'amazon-fba-returns','source_line':4}\n",
	    "rows with no license plate: "
	    "keyed by order, sku, date and which such row it is, the same "
	    "whatever rows come before in another download");

	/* Amazon merchant-fulfilled: authorised by Amazon, RMA, parcel. */
	check("amazon-returns", FIX "amazon-returns.txt",
	    "{'type':'return','order':'amazon:112-5550001-0000001',"
	    "'key':'amazon:Dq4Fv8RdRRMA:MUG-BLU-12',"
	    "'channel_rma':'Dq4Fv8RdRRMA','requested_at':'2026-03-01T00:00:"
	    "00Z','lines':[{'sku':'MUG-BLU-12','qty':1,"
	    "'reason':'defective'}],'authorized':true,'carrier':'UPS',"
	    "'tracking':'1Z999AA10123456784','channel_status':'Approved',"
	    "'resolution':'StandardRefund','received':{'at':'2026-03-06T00:"
	    "00:00Z'},'refunded_by_channel':{'currency':'USD',"
	    "'total':'24.99'},'source':'amazon-returns','source_line':2}\n"
	    "{'type':'return','order':'amazon:112-5550002-0000002',"
	    "'key':'amazon:DwPq7tZxRRMA:TEE-M-BLK',"
	    "'channel_rma':'DwPq7tZxRRMA','requested_at':'2026-03-02T00:00:"
	    "00Z','lines':[{'sku':'TEE-M-BLK','qty':1,"
	    "'reason':'size_too_large'}],'authorized':true,"
	    "'channel_status':'Approved','resolution':'StandardRefund',"
	    "'source':'amazon-returns','source_line':3}\n"
	    "REJECT t/fixtures/returns/amazon-returns.txt:4: Return "
	    "quantity \"two\" is not a whole number of units from 1 to "
	    "1000000 | 112-5550003-0000003\t2026-02-23\t2026-03-03\tApprove"
	    "d\tDzzz0000RRMA\t\tAmazonPrePaidLabel\t5.61\tUSD\tUPS\t1Z999AA"
	    "10123456785\tSeller\tN\tN\tB01N5IB20Q\tLAMP-OAK\tOak Desk "
	    "Lamp\ttwo\tCR-SOMETHING_NEW\tY\tC-Returns\tStandardRefund\t\t"
	    "\t39.00\t1\t\t\t\t\t\t\n"
	    "REJECT t/fixtures/returns/amazon-returns.txt:5: Return "
	    "delivery date \"not yet\" is not a date | "
	    "112-5550004-0000004\t2026-02-24\t2026-03-04\tApproved\tDyyy000"
	    "0RRMA\t\tAmazonPrePaidLabel\t5.61\tUSD\tUPS\t1Z999AA1012345678"
	    "6\tSeller\tN\tN\tB01N5IB20Q\tLAMP-OAK\tOak Desk "
	    "Lamp\t1\tCR-SOMETHING_NEW\tY\tC-Returns\tStandardRefund\t\tnot"
	    " yet\t39.00\t1\t\t\t\t\t\t\n"
	    "{'type':'return','order':'amazon:112-5550005-0000005',"
	    "'key':'amazon:Dxxx0000RRMA:LAMP-OAK',"
	    "'channel_rma':'Dxxx0000RRMA','requested_at':'2026-03-05T00:00:"
	    "00Z','lines':[{'sku':'LAMP-OAK','qty':1,'reason':'other',"
	    "'note':'amazon reason: CR-SOMETHING_NEW'}],'authorized':true,"
	    "'carrier':'UPS','tracking':'1Z999AA10123456787',"
	    "'channel_status':'Approved','resolution':'StandardRefund',"
	    "'refunded_by_channel':{'currency':'USD','total':'39.00'},"
	    "'source':'amazon-returns','source_line':6}\n"
	    "REJECT t/fixtures/returns/amazon-returns.txt:7: Refunded "
	    "Amount \"39.0.0\" is not an amount | "
	    "112-5550006-0000006\t2026-02-25\t2026-03-05\tApproved\tDwww000"
	    "0RRMA\t\tAmazonPrePaidLabel\t5.61\tUSD\tUPS\t1Z999AA1012345678"
	    "7\tSeller\tN\tN\tB01N5IB20Q\tLAMP-OAK\tOak Desk "
	    "Lamp\t1\tCR-DEFECTIVE\tY\tC-Returns\tReplacement\t\t\t39.00\t1"
	    "\t\t\t\t\t\t39.0.0\n",
	    "amazon-returns: channel_rma, carrier, tracking, status, "
	    "resolution; received only with a delivery date; the refunded "
	    "amount, none when 0.00; a bad amount rejected");
	check("amazon-returns", FIX "fba-returns.txt",
	    "ERR t/fixtures/returns/fba-returns.txt:1: no column 'Order "
	    "ID' in the header: not amazon-returns (Amazon "
	    "merchant-fulfilled returns report "
	    "(GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE), tab-separated: "
	    "returns Amazon authorised, to be received and inspected "
	    "here)\n",
	    "an FBA report read as the merchant one: refused at its header");

	/* Shopify refunds. */
	if (access(sample, R_OK) != 0)
		OK(1, "# skip no Shopify refund sample at %s (set "
		    "OMS_SAMPLES)", sample);
	else
		check("shopify-refund", sample,
		    "{'type':'return','order':'shopify:shopify_id=450789469',"
		    "'key':'shopify-refund:509562969',"
		    "'requested_at':'2016-06-20T17:35:06Z',"
		    "'lines':[{'line_id':'703073504','sku':'IPOD2008BLACK',"
		    "'qty':1,"
		    "'reason':'unknown','note':'it broke during shipping'},"
		    "{'line_id':'466157049','sku':'IPOD2008GREEN','qty':1,"
		    "'reason':'unknown','note':'it broke during shipping'}],"
		    "'authorized':true,"
		    "'received':{'at':'2016-06-20T17:35:06Z'},"
		    "'inspection':[{'line_id':'703073504',"
		    "'sku':'IPOD2008BLACK',"
		    "'qty':1,'disposition':'restock'},{'line_id':'466157049',"
		    "'sku':'IPOD2008GREEN','qty':1,'disposition':'restock'}],"
		    "'refunded_by_channel':{'currency':'USD','total':'209.00'},"
		    "'source':'shopify-refund','source_line':1}\n",
		    "the real Shopify "
		    "refund {\"refund\":{...}}: restock true returns both "
		    "lines, received and restocked; 209.00 refunded");
	check("shopify-refund", FIX "shopify-refunds.json",
	    "{'type':'return','order':'shopify:shopify_id=450789469',"
	    "'key':'shopify-refund:929361462',"
	    "'requested_at':'2026-03-02T16:20:54Z',"
	    "'lines':[{'line_id':'703073504','sku':'IPOD2008BLACK','qty':1,"
	    "'channel_location':'24826418','reason':'unknown',"
	    "'note':'wrong colour, one never shipped'},"
	    "{'line_id':'518995019','sku':'IPOD2008RED','qty':1,"
	    "'reason':'unknown','note':'wrong colour, one never shipped',"
	    "'cancel':true},{'line_id':'466157049','sku':'IPOD2008GREEN',"
	    "'qty':1,'reason':'unknown','note':'wrong colour, one never "
	    "shipped','keep':true}],'authorized':true,"
	    "'received':{'at':'2026-03-02T16:20:54Z',"
	    "'channel_location':'24826418'},"
	    "'inspection':[{'line_id':'703073504','sku':'IPOD2008BLACK',"
	    "'qty':1,'disposition':'restock'}],"
	    "'refunded_by_channel':{'currency':'USD','total':'409.77',"
	    "'lines':[{'line_id':'703073504','subtotal':'195.66',"
	    "'total_tax':'3.98'},{'line_id':'518995019',"
	    "'subtotal':'199.00','total_tax':'0.00'},"
	    "{'line_id':'466157049','subtotal':'10.50',"
	    "'total_tax':'0.63'}]},'source':'shopify-refund',"
	    "'source_line':3}\n"
	    "{'type':'return','order':'shopify:shopify_id=820982911',"
	    "'key':'shopify-refund:929361463',"
	    "'requested_at':'2026-03-03T00:00:00Z',"
	    "'lines':[{'line_id':'600000001','sku':'TEA-SENCHA','qty':2,"
	    "'reason':'unknown','keep':true}],'authorized':true,"
	    "'keep':true,'refunded_by_channel':{'currency':'JPY',"
	    "'total':'2640','lines':[{'line_id':'600000001',"
	    "'subtotal':'2400','total_tax':'240'}]},"
	    "'source':'shopify-refund','source_line':53}\n"
	    "REJECT t/fixtures/returns/shopify-refunds.json:67: "
	    "refund_line_items 1: restock_type \"exchange\" is not one the "
	    "format knows | {'id':929361464,'order_id':820982911,"
	    "'created_at':'2026-03-04T09:00:00+09:00',"
	    "'refund_line_items':[{'id':1058498330,'quantity':1,"
	    "'line_item_id':600000001,'restock_type':'exchange'}],"
	    "'transactions':[]}\n"
	    "REJECT t/fixtures/returns/shopify-refunds.json:76: no order: "
	    "\"shopify:shopify_id={order_id}\" needs a value for each name "
	    "in braces | {'id':929361465,'created_at':'2026-03-04T09:00:00+"
	    "09:00','refund_line_items':[{'id':1058498340,'quantity':1,"
	    "'line_item_id':600000001,'restock_type':'return'}],"
	    "'transactions':[]}\n"
	    "REJECT t/fixtures/returns/shopify-refunds.json:84: "
	    "transaction 1 amount \"500.5\" has more decimals than the "
	    "currency | {'id':929361466,'order_id':820982911,"
	    "'created_at':'2026-03-05T09:00:00+09:00',"
	    "'refund_line_items':[],'transactions':[{'id':1068278490,"
	    "'kind':'refund','status':'success','amount':'500.5',"
	    "'currency':'JPY'}]}\n"
	    "REJECT t/fixtures/returns/shopify-refunds.json:93: refund 6 "
	    "is not an object | 'a refund as text'\n"
	    "REJECT t/fixtures/returns/shopify-refunds.json:94: "
	    "refund_line_items 1: no quantity | {'id':929361467,"
	    "'order_id':820982911,'created_at':'2026-03-06T09:00:00+09:00',"
	    "'refund_line_items':[{'id':1058498350,"
	    "'line_item_id':600000001,'restock_type':'return'}],"
	    "'transactions':[]}\n",
	    "{\"refunds\":[...]}: return, cancel and no_restock lines; "
	    "failed transactions not counted; JPY in yen; bad refunds "
	    "rejected with the line they start on");
	check("shopify-refund,location=STORE1", FILE_S(dir, "bare.json",
	    "\n\n  {\"id\": 1, \"order_id\": 2, \"created_at\": "
	    "\"2026-03-01T10:00:00Z\", \"refund_line_items\": [{\"quantity\": "
	    "1, \"line_item_id\": 3, \"restock_type\": \"return\", "
	    "\"location_id\": 4}], \"transactions\": [{\"kind\": \"refund\", "
	    "\"status\": \"success\", \"amount\": \"5.00\", \"currency\": "
	    "\"EUR\"}, {\"kind\": \"sale\", \"status\": \"success\", "
	    "\"amount\": \"99.00\", \"currency\": \"EUR\"}]}\n"),
	    "{'type':'return','order':'shopify:shopify_id=2',"
	    "'key':'shopify-refund:1','requested_at':'2026-03-01T10:00:00Z'"
	    ",'lines':[{'line_id':'3','qty':1,'channel_location':'4',"
	    "'reason':'unknown'}],'authorized':true,"
	    "'received':{'at':'2026-03-01T10:00:00Z','location':'STORE1',"
	    "'channel_location':'4'},'inspection':[{'line_id':'3','qty':1,"
	    "'disposition':'restock'}],'refunded_by_channel':{'currency':'E"
	    "UR','total':'5.00'},'source':'shopify-refund',"
	    "'source_line':3}\n",
	    "a bare refund object, on its line; location=STORE1; a sale "
	    "transaction is no refund");
	check("shopify-refund", FILE_S(dir, "list.json",
	    "[{\"id\": 1, \"order_id\": 2, \"refund_line_items\": []},\n"
	    " {\"id\": 5, \"order_id\": 2, \"refund_line_items\": [],\n"
	    "  \"note\": \"goodwill\", \"transactions\": [{\"kind\": "
	    "\"refund\", \"status\": \"success\", \"amount\": \"2.50\", "
	    "\"currency\": \"USD\"}]},\n {\"id\": 6, \"order_id\": 2}]\n"),

	    "REJECT TMP/list.json:1: no lines and no amount: nothing "
	    "returned or refunded | {'id':1,'order_id':2,"
	    "'refund_line_items':[]}\n"
	    "{'type':'return','order':'shopify:shopify_id=2',"
	    "'key':'shopify-refund:5','lines':[],'authorized':true,"
	    "'note':'goodwill','refunded_by_channel':{'currency':'USD',"
	    "'total':'2.50'},'source':'shopify-refund','source_line':2}\n"
	    "REJECT TMP/list.json:4: refund 3 has no \"refund_line_items\" "
	    "| {'id':6,'order_id':2}\n",
	    "a bare list; a refund of money alone keeps its note; "
	    "one with nothing refunded, one with no refund_line_items, "
	    "rejected");
	check("shopify-refund", FILE_S(dir, "lines.json",
	    "{\"meta\": {\"refunds\": [1, 2]}, \"note\": \"a [b] {c} "
	    "\\\"refunds\\\": [\",\n \"refunds\": [\n\n  \"one\",\n"
	    "  {\"x\": \"]}\\\"\"}, 3,\n  [\n  ],\n  null]}\n"),
	    "REJECT TMP/lines.json:4: refund 1 is not an object | 'one'\n"
	    "REJECT TMP/lines.json:5: refund 2 has no "
	    "\"refund_line_items\" | {'x':']}\\''}\n"
	    "REJECT TMP/lines.json:5: refund 3 is not an object | 3\n"
	    "REJECT TMP/lines.json:6: refund 4 is not an object | []\n"
	    "REJECT TMP/lines.json:8: refund 5 is not an object | null\n",
	    "each refund's line found past strings, brackets and escapes "
	    "that look like the list");
	check("shopify-refund", FILE_S(dir, "bad.json", "[\n"
	    "{\"id\": 1, \"order_id\": 2, \"created_at\": \"soon\", "
	    "\"refund_line_items\": []},\n"
	    "{\"id\": 3, \"order_id\": 2, \"refund_line_items\": [], "
	    "\"transactions\": [{\"kind\": \"refund\", \"status\": "
	    "\"success\", \"amount\": \"ten\"}]},\n"
	    "{\"id\": 4, \"order_id\": 2, \"refund_line_items\": "
	    "[{\"quantity\": 1, \"line_item_id\": 5, \"subtotal\": "
	    "\"1,50\"}]},\n"
	    "{\"id\": 6, \"order_id\": 2, \"refund_line_items\": "
	    "[{\"quantity\": 1}]},\n"
	    "{\"id\": 7, \"order_id\": 2, \"refund_line_items\": "
	    "{\"quantity\": 1}}]\n"),
	    "REJECT TMP/bad.json:2: created_at \"soon\" is not a date | "
	    "{'id':1,'order_id':2,'created_at':'soon',"
	    "'refund_line_items':[]}\n"
	    "REJECT TMP/bad.json:3: transaction 1 amount \"ten\" is not an "
	    "amount | {'id':3,'order_id':2,'refund_line_items':[],"
	    "'transactions':[{'kind':'refund','status':'success',"
	    "'amount':'ten'}]}\n"
	    "REJECT TMP/bad.json:4: refund_line_items 1: subtotal \"1,50\" "
	    "is not an amount | {'id':4,'order_id':2,"
	    "'refund_line_items':[{'quantity':1,'line_item_id':5,"
	    "'subtotal':'1,50'}]}\n"
	    "REJECT TMP/bad.json:5: refund_line_items 1: no line_item_id "
	    "and no line_item.sku | {'id':6,'order_id':2,"
	    "'refund_line_items':[{'quantity':1}]}\n"
	    "REJECT TMP/bad.json:6: refund_line_items is not a list | "
	    "{'id':7,'order_id':2,'refund_line_items':{'quantity':1}}\n",
	    "a refund's bad date, "
	    "amount, line amount, a line that names no line, lines that are "
	    "no list");
	check("shopify-refund", FILE_S(dir, "notjson.json",
	    "{\"refunds\": [\n  {\"id\": 1,\n   \"order_id\": 2,,\n"),
	    "ERR TMP/notjson.json:3: not JSON\n",
	    "not JSON: the line where it breaks");
	check("shopify-refund", FILE_S(dir, "orders.json", "[{\"id\": 1, "
	    "\"name\": \"#1001\", \"financial_status\": \"paid\", "
	    "\"line_items\": []}]"),
	    "REJECT TMP/orders.json:1: refund 1 has \"financial_status\": "
	    "an order, not a refund | {'id':1,'name':'#1001',"
	    "'financial_status':'paid','line_items':[]}\n",
	    "orders are not refunds");
	check("shopify-refund", FILE_S(dir, "order.json",
	    "{\"order\": {\"id\": 1, \"line_items\": []}}"),
	    "ERR TMP/order.json:1: not shopify-refund: neither a list nor "
	    "an object with 'refunds' or 'refund' or 'refund_line_items'\n",
	    "an object that holds no refund refuses the file");
	check("shopify-refund", "/dev/null",
	    "ERR /dev/null: empty file: no refunds\n", "an empty JSON file");
	p = FILE_S(dir, "huge.json", "[");
	if (truncate(p, (64 << 20) + 1) != 0)
		printf("Bail out! cannot grow %s\n", p);
	check("shopify-refund", p,
	    "ERR TMP/huge.json: larger than 64 MiB, the most a refund file "
	    "may hold\n", "a JSON file past 64 MiB is "
	    "refused, not read into memory whole");

	/* WooCommerce refunds. */
	check("woocommerce-refund", FIX "woocommerce-refunds.json",
	    "{'type':'return','order':'woocommerce:woocommerce_id=727',"
	    "'key':'woocommerce-refund:726',"
	    "'requested_at':'2017-03-21T20:07:11Z',"
	    "'lines':[{'line_id':'311','qty':1,'reason':'other',"
	    "'note':'woocommerce reason: Arrived scratched'},"
	    "{'line_id':'313','sku':'SHIP-IDEA-BLK','qty':2,"
	    "'reason':'other','note':'woocommerce reason: Arrived "
	    "scratched'}],'authorized':true,"
	    "'refunded_by_channel':{'total':'10.00',"
	    "'lines':[{'line_id':'311','subtotal':'6.00',"
	    "'total_tax':'0.00'},{'line_id':'313','subtotal':'4.00',"
	    "'total_tax':'0.40'}]},'source':'woocommerce-refund',"
	    "'source_line':4}\n"
	    "{'type':'return','order':'woocommerce:woocommerce_id=727',"
	    "'key':'woocommerce-refund:724',"
	    "'requested_at':'2017-03-21T19:55:37Z','lines':[],"
	    "'authorized':true,'refunded_by_channel':{'total':'9.00'},"
	    "'source':'woocommerce-refund','source_line':55}\n"
	    "REJECT t/fixtures/returns/woocommerce-refunds.json:69: "
	    "line_items 1: quantity \"a few\" is not a whole number of "
	    "units from 1 to 1000000 | {'id':723,"
	    "'date_created_gmt':'2017-03-21T19:50:00','amount':'5.00',"
	    "'reason':'','line_items':[{'id':316,'name':'Woo Single #2',"
	    "'quantity':'a few','subtotal':'-5.00','total_tax':'0.00',"
	    "'sku':'WOO-2','meta_data':[]}]}\n",
	    "woocommerce-refund: the order from the wrapper's order_id, the "
	    "line from _refunded_item_id, negative quantities and totals "
	    "read as what was refunded");
	p = FILE_S(dir, "woo.json", "[{\"id\": 9, \"date_created_gmt\": "
	    "\"2026-03-01T10:00:00\", \"amount\": \"1.50\", \"reason\": \"\", "
	    "\"line_items\": [{\"id\": 1, \"quantity\": -1, \"sku\": \"X\", "
	    "\"subtotal\": \"-1.50\", \"total_tax\": \"0.00\", \"meta_data\": "
	    "[]}]}]\n");
	check("woocommerce-refund,order_id=727", p,
	    "{'type':'return','order':'woocommerce:woocommerce_id=727',"
	    "'key':'woocommerce-refund:9','requested_at':'2026-03-01T10:00:"
	    "00Z','lines':[{'sku':'X','qty':1,'reason':'unknown'}],"
	    "'authorized':true,'refunded_by_channel':{'total':'1.50',"
	    "'lines':[{'subtotal':'1.50','total_tax':'0.00'}]},"
	    "'source':'woocommerce-refund','source_line':1}\n", "order_id=727 "
	    "names the order of a list that does not");
	check("woocommerce-refund", p,
	    "REJECT TMP/woo.json:1: no order: "
	    "\"woocommerce:woocommerce_id={order_id}\" needs a value for "
	    "each name in braces | {'id':9,'date_created_gmt':'2026-03-01T1"
	    "0:00:00','amount':'1.50','reason':'','line_items':[{'id':1,"
	    "'quantity':-1,'sku':'X','subtotal':'-1.50','total_tax':'0.00',"
	    "'meta_data':[]}]}\n", "without it the refund is "
	    "rejected: no order");
	check("woocommerce-refund", FILE_S(dir, "wooorders.json", "[{\"id\": "
	    "5120, \"number\": \"1001\", \"order_key\": \"wc_order_2\", "
	    "\"line_items\": []}]"),
	    "REJECT TMP/wooorders.json:1: refund 1 has \"order_key\": an "
	    "order, not a refund | {'id':5120,'number':'1001',"
	    "'order_key':'wc_order_2','line_items':[]}\n",
	    "WooCommerce orders are not "
	    "refunds");

	/* The formats. */
	check("bad-reason", FIX "fba-quoted.txt",
	    "ERR FIX/path/returns/formats/bad-reason.json: reason "
	    "'UNWANTED_ITEM' maps to 'changed_mind', which is not in "
	    "returns/reasons.json\n", "a reason the "
	    "taxonomy lacks is a broken format");
	check("bad-disposition", FIX "fba-quoted.txt",
	    "ERR FIX/path/returns/formats/bad-disposition.json: "
	    "disposition 'SELLABLE' must map to restock or dispose\n",
	    "so is a "
	    "disposition other than restock or dispose");
	check("bad-reason-case", FIX "fba-quoted.txt",
	    "ERR FIX/path/returns/formats/bad-reason-case.json: reason "
	    "'DEFECTIVE' maps to 'Defective', which is not in "
	    "returns/reasons.json\n", "reasons "
	    "are names: Defective is not defective");
	p = FILE_S(dir, "other.txt", "return-date\torder-id\tsku\tquantity\t"
	    "fulfillment-center-id\tdetailed-disposition\treason\t"
	    "license-plate-number\tcustomer-comments\n"
	    "2026-03-12\t114-1\tMUG\t1\tPHX7\tSELLABLE\tUNWANTED_ITEM\t"
	    "LPNX\tBought by mistake\n");
	check("other-mapped", p,
	    "{'type':'return','order':'amazon:114-1',"
	    "'key':'amazon-fba:LPNX','requested_at':'2026-03-12T00:00:00Z',"
	    "'lines':[{'sku':'MUG','qty':1,'reason':'other','note':'amazon "
	    "reason: UNWANTED_ITEM; Bought by mistake'}],'authorized':true,"
	    "'received':{'at':'2026-03-12T00:00:00Z','location':'PHX7'},"
	    "'inspection':[{'sku':'MUG','qty':1,'disposition':'restock',"
	    "'note':'detailed-disposition SELLABLE'}],"
	    "'source':'other-mapped','source_line':2}\n",
	    "a code mapped to other, which "
	    "needs a note, keeps the code in the note");
	check("nosuch", FIX "fba-quoted.txt",
	    "ERR no return format 'nosuch' (returns/formats/nosuch.json on "
	    "the search path)\n", "no such format");
	check("../amazon-returns", FIX "fba-quoted.txt",
	    "ERR '../amazon-returns' is no return format name\n", "a format "
	    "name is a name, not a path");
	check("amazon-fba-returns,loc=WH1", FIX "fba-quoted.txt",
	    "ERR return format 'amazon-fba-returns': 'loc=WH1' is no "
	    "option (location=LOC, order_id=N)\n",
	    "an option it does not know");
	check("woocommerce-refund,order_id=12a", FIX "fba-quoted.txt",

	    "ERR return format 'woocommerce-refund': order_id '12a' is not "
	    "a number\n", "order_id must be digits");

	/* The caller's failure stops the reading at once. */
	stop_after = 1;
	check("amazon-fba-returns", FIX "fba-returns.txt",
	    "{'type':'return','order':'amazon:114-3941689-8772232',"
	    "'key':'amazon-fba:LPNRR123456789',"
	    "'requested_at':'2026-03-02T09:14:07Z',"
	    "'lines':[{'sku':'MUG-BLU-12','qty':1,'reason':'unwanted',"
	    "'note':'Bought by mistake'}],'authorized':true,"
	    "'channel_status':'Unit returned to inventory',"
	    "'received':{'at':'2026-03-02T09:14:07Z','location':'PHX7'},"
	    "'inspection':[{'sku':'MUG-BLU-12','qty':1,"
	    "'disposition':'restock','note':'detailed-disposition "
	    "SELLABLE'}],'source':'amazon-fba-returns','source_line':2}\n"
	    "ERR stdout: no space left on device\n",
	    "a failure from the record callback stops the file there");
	stop_after = 0;
}

int
main(int argc, char **argv)
{
	char share[PATH_MAX], dir[] = "/tmp/oms-unit-retfile-XXXXXX";
	struct oms_buf path = { 0 };
	const char *samples = getenv("OMS_SAMPLES");
	char sample[PATH_MAX];

	if (realpath("share/oms", share) == NULL ||
	    realpath(FIX, fixdir) == NULL || mkdtemp(dir) == NULL) {
		printf("Bail out! run from the top of the tree\n");
		return 1;
	}
	strcat(fixdir, "/");
	snprintf(tmpdir, sizeof tmpdir, "%s", dir);
	/*
	 * Test formats first, then the tree's own, then a copy of the
	 * core's reasons.json for a tree without it.
	 */
	oms_buf_printf(&path, "%spath:%s:%sfallback", fixdir, share, fixdir);
	setenv("OMS_PATH", path.s, 1);
	oms_buf_free(&path);
	if (argc == 3) {
		char *s = run(argv[1], argv[2]);

		fputs(s, stdout);
		free(s);
		return 0;
	}
	snprintf(sample, sizeof sample, "%s/shopify_rest_refund__shopify_"
	    "python_api.json", samples && *samples ? samples :
	    "../shared/samples");
	tests(dir, sample);
	while (nmade > 0) {
		unlink(made[--nmade]);
		free(made[nmade]);
	}
	rmdir(dir);
	return UNIT_DONE();
}
