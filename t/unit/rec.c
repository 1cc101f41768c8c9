/* Unit tests for lib/rec.c and lib/utf8.c. */
#include <stdlib.h>
#include <unistd.h>
#include "oms.h"
#include "unit.h"

int
main(void)
{
	char path[] = "/tmp/oms-unit-rec-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	struct oms_rec_reader r;
	cJSON *v;
	int rc, n = 0;
	long lines[8];
	char errs[4][256];
	int nerr = 0;
	struct oms_buf b = { 0 };

	fputs("\xef\xbb\xbf{\"type\":\"order\",\"id\":1}\r\n"
	    "{\"type\":\"order\",\"id\":2}\n"
	    "\n"
	    "{\"type\":\"order\",\"id\":\n"
	    "[1,2]\n"
	    "{\"type\":\"order\",\"id\":3} trailing\n"
	    "{\"type\":\"order\",\"name\":\"\xff\"}\n"
	    "   \n"
	    "{\"type\":\"order\",\"id\":4}", fp);
	fclose(fp);

	OK(oms_rec_open(&r, path) == OMS_OK, "open a JSONL file");
	while ((rc = oms_rec_next(&r, &v)) != OMS_EOF) {
		if (rc == OMS_OK) {
			lines[n++] = r.line;
			cJSON_Delete(v);
		} else if (nerr < 4)
			snprintf(errs[nerr++], sizeof errs[0], "%s", oms_error());
	}
	oms_rec_close(&r);
	OK(n == 3, "three good records (got %d)", n);
	OK(n == 3 && lines[0] == 1 && lines[1] == 2 && lines[2] == 9,
	    "good records on lines 1, 2 and 9");
	OK(nerr == 4, "four bad lines reported (got %d)", nerr);
	if (nerr == 4) {
		char want[256];

		snprintf(want, sizeof want, "%s:4: invalid JSON at column 21", path);
		STR_EQ(errs[0], want, "an unfinished object names line 4");
		snprintf(want, sizeof want, "%s:5: not a JSON object", path);
		STR_EQ(errs[1], want, "an array names line 5");
		snprintf(want, sizeof want, "%s:6: text after the JSON value at "
		    "column 25", path);
		STR_EQ(errs[2], want, "trailing text names line 6");
		snprintf(want, sizeof want, "%s:7: invalid UTF-8", path);
		STR_EQ(errs[3], want, "bad UTF-8 names line 7");
	}
	unlink(path);

	OK(oms_rec_open(&r, "/nonexistent/x.jsonl") == OMS_ERR,
	    "a missing file is an error");
	STR_EQ(oms_error(), "cannot open '/nonexistent/x.jsonl': No such file "
	    "or directory", "the message names the file");

	fp = fopen("/dev/full", "w");
	if (fp != NULL) {
		cJSON *o = cJSON_CreateObject();
		int bad = 0;

		cJSON_AddStringToObject(o, "type", "order");
		for (int i = 0; i < 10000 && !bad; i++)
			bad = oms_rec_write(fp, o) != OMS_OK;
		if (!bad)
			bad = oms_rec_flush(fp) != OMS_OK;
		OK(bad, "writing to /dev/full fails");
		cJSON_Delete(o);
		fclose(fp);
	}

	OK(oms_utf8_valid("abc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6", 15),
	    "valid UTF-8");
	OK(!oms_utf8_valid("\xc3", 1), "truncated UTF-8");
	OK(!oms_utf8_valid("\xc0\xaf", 2), "overlong UTF-8");
	OK(!oms_utf8_valid("\xed\xa0\x80", 3), "a surrogate in UTF-8");
	OK(!oms_utf8_valid("J\xfcrgen", 6), "Windows-1252 is not UTF-8");
	oms_cp1252_to_utf8(&b, "J\xfcrgen \x80 \xbd \x93q\x94", 14);
	STR_EQ(b.s, "J\xc3\xbcrgen \xe2\x82\xac \xc2\xbd \xe2\x80\x9cq\xe2\x80\x9d",
	    "Windows-1252 to UTF-8");
	oms_buf_free(&b);
	oms_utf8_repair(&b, "Gesù \xe2\x82\xac J\xfcrgen \xc3", 18);
	STR_EQ(b.s, "Ges\xc3\xb9 \xe2\x82\xac J\xc3\xbcrgen \xc3\x83",
	    "mixed UTF-8 and Windows-1252: each byte read the way it fits");
	oms_buf_free(&b);
	return UNIT_DONE();
}
