/*
 * adapter.c: the channel adapters, lib/adapter.c, through the import's
 * --check path (lib/import.c): no database, nothing stored.
 *
 * The adapters are the bundled ones, the .json files of
 * share/oms/channels.  The first byte picks one of them by its place in
 * name order (its low six bits), or all of them (the file recognised, as
 * with no --channel), and whether --currency EUR (0x40) and --tz (0x80)
 * are given; the rest is the file.  Properties: the run ends with a status the import
 * documents, a failure has a message, and every reject and finding names
 * the file and a line no further than the file goes.
 */
#include "fuzz.h"
#include "import.h"

static oms_adapter **ads;
static int nads;
static long nlines;	/* lines of the file under way */

static void
check_line(const char *file, long line)
{
	FUZZ_CHECK(file != NULL && strcmp(file, "fuzz") == 0, "file '%s'",
	    file ? file : "(null)");
	FUZZ_CHECK(line >= 0 && line <= nlines, "line %ld of %ld", line,
	    nlines);
}

static void
on_reject(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	check_line(file, line);
	FUZZ_CHECK(reason != NULL && reason[0] != '\0', "a reject says why");
}

static void
on_note(void *arg, const char *msg)
{
	FUZZ_CHECK(msg != NULL, "note");
}

static void
on_warn(void *arg, const char *file, long line, const char *msg)
{
	check_line(file, line);
	FUZZ_CHECK(msg != NULL && msg[0] != '\0', "a warning says what");
}

static void
on_finding(void *arg, const char *file, long line, const char *order,
    const char *kind, const char *msg)
{
	static const char *const kinds[] = { "totals", "placeholder",
	    "repeated_line", "resaved_column", "hold", "needs_file" };
	size_t i;

	check_line(file, line);
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			break;
	FUZZ_CHECK(i < sizeof kinds / sizeof kinds[0], "kind '%s'", kind);
	FUZZ_CHECK(msg != NULL && msg[0] != '\0', "a finding says what");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oms_import im;
	int k, rc;
	FILE *fp;

	if (size < 2)
		return 0;
	memset(&im, 0, sizeof im);
	k = (data[0] & 0x3f) % (nads + 1);
	im.adapters = k < nads ? &ads[k] : ads;
	im.nadapters = k < nads ? 1 : nads;
	im.check = 1;
	im.currency = data[0] & 0x40 ? "EUR" : NULL;
	im.tz = data[0] & 0x80 ? "America/New_York" : NULL;
	im.on_reject = on_reject;
	im.on_note = on_note;
	im.on_warn = on_warn;
	im.on_finding = on_finding;
	nlines = 1;
	for (size_t i = 1; i < size; i++)
		nlines += data[i] == '\n' || (data[i] == '\r' &&
		    (i + 1 == size || data[i + 1] != '\n'));
	if ((fp = fuzz_file(data + 1, size - 1)) == NULL)
		return 0;
	rc = oms_import_stream(&im, fp, "fuzz");
	FUZZ_CHECK(rc == OMS_OK || rc == OMS_ERR || rc == OMS_REJECT,
	    "status %d", rc);
	FUZZ_CHECK(rc == OMS_OK || oms_error()[0] != '\0', "no message");
	FUZZ_CHECK(im.refused == 0 || rc != OMS_OK, "refused, but OK");
	FUZZ_CHECK(im.rejected >= 0 && im.checked >= 0 && im.findings >= 0,
	    "counts");
	fclose(fp);
	return 0;
}

/*
 * A refine program's jq state is kept with its adapter from one input to
 * the next; its stack is found only by a pointer to its end, so LSan
 * would call it leaked at exit unless it is freed first.
 */
static void
free_adapters(void)
{
	oms_adapters_free(ads, nads);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_env();
	if (oms_adapters_load(NULL, &ads, &nads) != OMS_OK || nads == 0) {
		fprintf(stderr, "cannot load the adapters of %s: %s\n",
		    FUZZ_SHARE, oms_error());
		exit(1);
	}
	atexit(free_adapters);
	return 0;
}
