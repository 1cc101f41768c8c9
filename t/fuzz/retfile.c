/*
 * retfile.c: channels' return and refund files, lib/retfile.c.
 *
 * The first byte picks the format, one of the four bundled ones of
 * share/oms/returns/formats by its low two bits, and its options:
 * location=WH1 (0x04) and order_id=727 (0x08); its other bits are
 * unused (the seeds start with '0' to ';', so that git keeps them as
 * text).  The rest of the input is the file.  Properties: the call ends with a status it documents, a failure has a
 * message, every reject names the file and a line no further than the
 * file goes and says why, and every record is a return: "type":"return",
 * an order and a key, lines of a whole number of units from 1 to 1000000
 * (its inspection too), money as decimal strings, and its source line
 * in the file.  A JSON file read through holds no NUL byte and nothing
 * after its value.
 */
#include <math.h>

#include "fuzz.h"
#include "rma.h"

static const char *const formats[] = {
	"amazon-fba-returns", "amazon-returns", "shopify-refund",
	"woocommerce-refund",
};

static const char *base;	/* the format under way */
static char format[128];	/* and its options */
static long nlines;		/* lines of the file under way */

static void
check_line(const char *file, long line, long least)
{
	FUZZ_CHECK(file != NULL && strcmp(file, "fuzz") == 0, "file '%s'",
	    file ? file : "(null)");
	FUZZ_CHECK(line >= least && line <= nlines, "line %ld of %ld", line,
	    nlines);
}

static void
on_reject(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	check_line(file, line, 0);
	FUZZ_CHECK(reason != NULL && reason[0] != '\0', "a reject says why");
	FUZZ_CHECK(raw != NULL, "a reject of line %ld has no raw text", line);
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Units: a whole number from 1 to 1000000. */
static void
check_qty(const cJSON *l, const char *what, int i)
{
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(l, "qty");

	FUZZ_CHECK(cJSON_IsNumber(q) && q->valuedouble >= 1 &&
	    q->valuedouble <= 1000000 && floor(q->valuedouble) ==
	    q->valuedouble, "%s %d: qty %g", what, i, cJSON_IsNumber(q) ?
	    q->valuedouble : -1.0);
	FUZZ_CHECK(str(l, "sku") != NULL || str(l, "line_id") != NULL,
	    "%s %d: no sku and no line_id", what, i);
}

/* Whether p is a decimal: digits, maybe a point and more digits. */
static int
decimal(const char *p)
{
	size_t n = strspn(p, "0123456789");

	if (n == 0)
		return 0;
	if (p[n] == '.') {
		p += n + 1;
		n = strspn(p, "0123456789");
		if (n == 0)
			return 0;
	}
	return p[n] == '\0';
}

/* Money absent, or a decimal string. */
static void
check_money(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (v == NULL)
		return;
	FUZZ_CHECK(cJSON_IsString(v) && decimal(v->valuestring), "%s '%s'",
	    k, cJSON_IsString(v) ? v->valuestring : "(not a string)");
}

static int
on_rec(void *arg, const cJSON *rec)
{
	const cJSON *lines, *l, *rf, *sl;
	int i = 0;

	FUZZ_CHECK(cJSON_IsObject(rec), "a record is not an object");
	FUZZ_CHECK(str(rec, "type") && strcmp(str(rec, "type"), "return") ==
	    0, "type");
	FUZZ_CHECK(str(rec, "order") && str(rec, "order")[0], "no order");
	FUZZ_CHECK(str(rec, "key") && str(rec, "key")[0], "no key");
	FUZZ_CHECK(str(rec, "source") && strcmp(str(rec, "source"), base) ==
	    0, "source '%s' of %s",
	    str(rec, "source") ? str(rec, "source") : "(none)", format);
	sl = cJSON_GetObjectItemCaseSensitive(rec, "source_line");
	FUZZ_CHECK(cJSON_IsNumber(sl), "no source_line");
	check_line("fuzz", (long)sl->valuedouble, 1);
	lines = cJSON_GetObjectItemCaseSensitive(rec, "lines");
	FUZZ_CHECK(cJSON_IsArray(lines), "no lines");
	cJSON_ArrayForEach(l, lines) {
		FUZZ_CHECK(cJSON_IsObject(l), "line %d is not an object", i);
		check_qty(l, "line", i++);
	}
	i = 0;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(rec,
	    "inspection")) {
		FUZZ_CHECK(cJSON_IsObject(l), "inspection %d", i);
		check_qty(l, "inspection", i++);
		FUZZ_CHECK(str(l, "disposition") && (strcmp(str(l,
		    "disposition"), "restock") == 0 || strcmp(str(l,
		    "disposition"), "dispose") == 0), "disposition");
	}
	if ((rf = cJSON_GetObjectItemCaseSensitive(rec,
	    "refunded_by_channel")) != NULL) {
		FUZZ_CHECK(cJSON_IsObject(rf), "refunded_by_channel");
		check_money(rf, "total");
		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(rf,
		    "lines")) {
			check_money(l, "subtotal");
			check_money(l, "total_tax");
		}
	}
	return OMS_OK;
}

/*
 * A JSON file read through was read whole: no NUL byte cut it short and
 * nothing follows its value (cJSON takes any byte up to ' ' for space).
 */
static void
check_whole(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data, *end = NULL;
	cJSON *doc;

	FUZZ_CHECK(memchr(data, '\0', size) == NULL, "a NUL byte, read OK");
	if (size >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
		t += 3, size -= 3;
	if ((doc = cJSON_ParseWithLengthOpts(t, size, &end, 0)) == NULL)
		return;
	cJSON_Delete(doc);
	for (; end < t + size; end++)
		FUZZ_CHECK((unsigned char)*end <= ' ', "text after the JSON "
		    "at byte %zu, read OK", (size_t)(end - t));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp;
	int rc;

	if (size < 2)
		return 0;
	base = formats[data[0] & 3];
	snprintf(format, sizeof format, "%s%s%s", base,
	    data[0] & 4 ? ",location=WH1" : "", data[0] & 8 ?
	    ",order_id=727" : "");
	nlines = 1;
	for (size_t i = 1; i < size; i++)
		nlines += data[i] == '\n' || (data[i] == '\r' &&
		    (i + 1 == size || data[i + 1] != '\n'));
	if ((fp = fuzz_file(data + 1, size - 1)) == NULL)
		return 0;
	rc = oms_return_file_read(format, fp, "fuzz", on_rec, on_reject, NULL);
	FUZZ_CHECK(rc == OMS_OK || rc == OMS_ERR || rc == OMS_REJECT,
	    "status %d", rc);
	FUZZ_CHECK(rc == OMS_OK || oms_error()[0] != '\0', "no message");
	if (rc == OMS_OK && (data[0] & 3) >= 2)
		check_whole(data + 1, size - 1);
	fclose(fp);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_env();
	return 0;
}
