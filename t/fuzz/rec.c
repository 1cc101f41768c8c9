/*
 * rec.c: the JSON-lines reader, lib/rec.c.
 *
 * The input is the file.  Properties: lines are counted up, a bad line
 * costs only itself (reading goes on after it) and has a message naming
 * it; every record is an object; and a record written with oms_rec_write
 * reads back as the same record (numbers to cJSON's width), with the same
 * type.
 */
#include <float.h>
#include <math.h>

#include "fuzz.h"

/* Whether v holds a number JSON cannot write (1e999 is read as inf). */
static int
has_inf(const cJSON *v)
{
	const cJSON *x;

	if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
		return 1;
	cJSON_ArrayForEach(x, v)
		if (has_inf(x))
			return 1;
	return 0;
}

/*
 * Whether a and b are the same, member by member in order: cJSON_Compare
 * finds members by key, so a record with a key twice is not itself.
 */
static int
same(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if ((a->string == NULL) != (b->string == NULL) ||
	    (a->string != NULL && strcmp(a->string, b->string) != 0))
		return 0;
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	/*
	 * cJSON 1.7.15 writes 15 significant digits when they read back
	 * within DBL_EPSILON of the number, so 9007199254740991 comes back
	 * as 9007199254740990 and 0.30000000000000004 as 0.3: known, and
	 * harmless to oms, whose amounts are strings and whose ids become
	 * strings exactly when read.  Equal here is equal to that width.
	 */
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble ||
		    fabs(a->valuedouble - b->valuedouble) <=
		    fmax(fabs(a->valuedouble), fabs(b->valuedouble)) *
		    DBL_EPSILON;
	for (x = a->child, y = b->child; x != NULL && y != NULL;
	    x = x->next, y = y->next)
		if (!same(x, y))
			return 0;
	return x == NULL && y == NULL;
}

static void
write_back(const cJSON *rec, long line)
{
	struct oms_rec_reader r;
	char *text = NULL;
	size_t len = 0;
	cJSON *again = NULL;
	FILE *fp = open_memstream(&text, &len);
	const char *t1, *t2;

	FUZZ_CHECK(fp != NULL, "open_memstream");
	FUZZ_CHECK(oms_rec_write(fp, rec) == OMS_OK, "write: %s", oms_error());
	fclose(fp);
	FUZZ_CHECK(len > 0 && text[len - 1] == '\n' &&
	    memchr(text, '\n', len - 1) == NULL, "line %ld written as more "
	    "or less than one line: '%s'", line, text);
	fp = fmemopen(text, len, "r");
	oms_rec_init(&r, fp, "again");
	FUZZ_CHECK(oms_rec_next(&r, &again) == OMS_OK, "line %ld written as "
	    "'%s' is not read back: %s", line, text, oms_error());
	FUZZ_CHECK(same(rec, again), "line %ld written as '%s' "
	    "reads back otherwise", line, text);
	t1 = oms_rec_type(rec);
	t2 = oms_rec_type(again);
	FUZZ_CHECK((t1 == NULL && t2 == NULL) || (t1 != NULL && t2 != NULL &&
	    strcmp(t1, t2) == 0), "line %ld: type changed", line);
	cJSON_Delete(again);
	oms_rec_close(&r);	/* and fp */
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oms_rec_reader r;
	cJSON *rec;
	long last = 0;
	int rc;
	FILE *fp;

	if ((fp = fuzz_file(data, size)) == NULL)
		return 0;
	oms_rec_init(&r, fp, "fuzz");
	while ((rc = oms_rec_next(&r, &rec)) != OMS_EOF) {
		FUZZ_CHECK(r.line > last, "line %ld after %ld", r.line, last);
		last = r.line;
		if (rc != OMS_OK) {
			FUZZ_CHECK(rc == OMS_ERR && rec == NULL, "rc %d", rc);
			FUZZ_CHECK(oms_errline() == r.line, "message for line "
			    "%ld names line %ld", r.line, oms_errline());
			continue;
		}
		FUZZ_CHECK(cJSON_IsObject(rec), "line %ld is not an object",
		    r.line);
		if (!has_inf(rec))
			write_back(rec, r.line);
		cJSON_Delete(rec);
	}
	oms_rec_close(&r);	/* and fp */
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_env();
	return 0;
}
