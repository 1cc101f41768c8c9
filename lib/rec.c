/*
 * rec.c: records as JSON lines.  One getline and one parse per line, so
 * every message names its exact line and a bad line costs only itself.
 * Output is compact, one object per line, and every write is checked.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"

/* Read records from fp, opened by the caller, named name in messages. */
void
oms_rec_init(struct oms_rec_reader *r, FILE *fp, const char *name)
{
	memset(r, 0, sizeof *r);
	r->fp = fp;
	r->name = name;
}

int
oms_rec_open(struct oms_rec_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	if (path == NULL || strcmp(path, "-") == 0) {
		r->fp = stdin;
		r->name = "-";
		return OMS_OK;
	}
	r->name = path;
	r->fp = fopen(path, "r");
	if (r->fp == NULL)
		return oms_seterr("cannot open '%s': %s", path,
		    strerror(errno));
	return OMS_OK;
}

void
oms_rec_close(struct oms_rec_reader *r)
{
	if (r->fp != NULL && r->fp != stdin)
		fclose(r->fp);
	free(r->buf);
	r->buf = NULL;
	r->fp = NULL;
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

int
oms_rec_next(struct oms_rec_reader *r, cJSON **out)
{
	const char *end = NULL, *at;
	char *s;
	size_t n;
	cJSON *v;

	*out = NULL;
	for (;;) {
		errno = 0;
		r->len = getline(&r->buf, &r->cap, r->fp);
		if (r->len < 0) {
			if (ferror(r->fp))
				return oms_fail_at(OMS_E_OTHER, r->name, 0,
				    "read error: %s", strerror(errno));
			return OMS_EOF;
		}
		r->line++;
		s = r->buf;
		n = (size_t)r->len;
		while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
			s[--n] = '\0';
		r->len = (ssize_t)n;
		if (r->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			memmove(s, s + 3, n - 2);
			n -= 3;
			r->len = (ssize_t)n;
		}
		if (!blank(s, n))
			break;
	}
	if (!oms_utf8_valid(s, n))
		return oms_fail_at(OMS_E_INPUT, r->name, r->line,
		    "invalid UTF-8");
	v = oms_json_parse(s, n, &end, &at);
	if (v == NULL) {
		long col = at && at >= s && at <= s + n ? (long)(at - s) + 1 : 0;

		return oms_fail_at(OMS_E_INPUT, r->name, r->line,
		    "invalid JSON at column %ld", col);
	}
	if (end != NULL && !blank(end, n - (size_t)(end - s))) {
		while (*end == ' ' || *end == '\t')
			end++;
		cJSON_Delete(v);
		return oms_fail_at(OMS_E_INPUT, r->name, r->line, "text after "
		    "the JSON value at column %ld", (long)(end - s) + 1);
	}
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		return oms_fail_at(OMS_E_INPUT, r->name, r->line,
		    "not a JSON object");
	}
	*out = v;
	return OMS_OK;
}

/*
 * A number whose integer part has more than 15 digits: cJSON writes it
 * as digits alone, which jsonnum.c would read back as a string (an id),
 * so a record would not read back as it was written.  Such numbers are
 * written with an exponent instead, to 17 digits, which reads back as
 * the same double.
 */
#define WIDE_NUMBER 1e15

static int
has_wide(const cJSON *j)
{
	if (cJSON_IsNumber(j) && isfinite(j->valuedouble) &&
	    fabs(j->valuedouble) >= WIDE_NUMBER)
		return 1;
	for (const cJSON *c = j->child; c != NULL; c = c->next)
		if (has_wide(c))
			return 1;
	return 0;
}

static void
unwiden(cJSON *j)
{
	if (cJSON_IsNumber(j) && isfinite(j->valuedouble) &&
	    fabs(j->valuedouble) >= WIDE_NUMBER) {
		char buf[40];

		snprintf(buf, sizeof buf, "%.16e", j->valuedouble);
		j->valuestring = estrdup(buf);
		j->type = cJSON_Raw | (j->type & cJSON_StringIsConst);
	}
	for (cJSON *c = j->child; c != NULL; c = c->next)
		unwiden(c);
}

/*
 * Writing a record straight into a buffer, for output too regular and
 * too plentiful to build as a cJSON tree first (oms-stock available over
 * a whole channel).  The text is what oms_rec_write gives for the same
 * values, byte for byte: cJSON's escapes for a string, and for a whole
 * number its digits, or WIDE_NUMBER and beyond unwiden's exponent form.
 */
void
oms_buf_json_string(struct oms_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;
	char esc[8];

	oms_buf_addc(b, '"');
	for (run = p; *p != '\0'; p++) {
		if (*p >= 32 && *p != '"' && *p != '\\')
			continue;
		oms_buf_add(b, (const char *)run, (size_t)(p - run));
		switch (*p) {
		case '"':
		case '\\':
			esc[0] = '\\';
			esc[1] = (char)*p;
			esc[2] = '\0';
			break;
		case '\b':
			strcpy(esc, "\\b");
			break;
		case '\f':
			strcpy(esc, "\\f");
			break;
		case '\n':
			strcpy(esc, "\\n");
			break;
		case '\r':
			strcpy(esc, "\\r");
			break;
		case '\t':
			strcpy(esc, "\\t");
			break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			break;
		}
		oms_buf_adds(b, esc);
		run = p + 1;
	}
	oms_buf_add(b, (const char *)run, (size_t)(p - run));
	oms_buf_addc(b, '"');
}

void
oms_buf_json_int(struct oms_buf *b, int64_t v)
{
	double d = (double)v;
	char buf[40], *p = buf + sizeof buf;
	uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;

	if (fabs(d) >= WIDE_NUMBER) {
		snprintf(buf, sizeof buf, "%.16e", d);
		oms_buf_adds(b, buf);
		return;
	}
	/* Digit by digit: a record's numbers are mostly these. */
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	oms_buf_add(b, p, (size_t)(buf + sizeof buf - p));
}

/* Whether oms_rec_write writes rec otherwise than oms_json_print. */
int
oms_rec_wide(const cJSON *rec)
{
	return has_wide(rec);
}

/* Append to b the text oms_rec_write writes for rec (no newline). */
int
oms_rec_print_buf(struct oms_buf *b, const cJSON *rec)
{
	cJSON *copy = NULL;
	int rc;

	if (has_wide(rec)) {
		if ((copy = cJSON_Duplicate(rec, 1)) == NULL)
			return oms_seterr("out of memory printing a record");
		unwiden(copy);
		rec = copy;
	}
	rc = oms_json_print_buf(b, rec);
	cJSON_Delete(copy);
	return rc;
}

/* A record's line printed already: the text, then the newline. */
int
oms_rec_write_text(FILE *fp, const char *text)
{
	if (fputs(text, fp) == EOF || putc('\n', fp) == EOF || ferror(fp))
		return oms_seterr("write error: %s", strerror(errno));
	return OMS_OK;
}

int
oms_rec_write(FILE *fp, const cJSON *rec)
{
	cJSON *copy = NULL;
	char *s;
	int rc = OMS_OK;

	if (has_wide(rec)) {
		if ((copy = cJSON_Duplicate(rec, 1)) == NULL)
			return oms_seterr("out of memory printing a record");
		unwiden(copy);
		rec = copy;
	}
	s = oms_json_print(rec);
	cJSON_Delete(copy);

	if (s == NULL)
		return oms_seterr("out of memory printing a record");
	rc = oms_rec_write_text(fp, s);
	free(s);
	return rc;
}

int
oms_rec_flush(FILE *fp)
{
	if (fflush(fp) == EOF || ferror(fp))
		return oms_seterr("write error: %s", strerror(errno ? errno : EIO));
	return OMS_OK;
}

cJSON *
oms_rec_error(const char *program, const char *file, long line,
    const char *reason, const char *raw)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "type", "error");
	cJSON_AddStringToObject(e, "program", program);
	cJSON_AddStringToObject(e, "file", file);
	cJSON_AddNumberToObject(e, "line", (double)line);
	cJSON_AddStringToObject(e, "reason", reason);
	if (raw != NULL && oms_utf8_valid(raw, strlen(raw)))
		cJSON_AddStringToObject(e, "raw", raw);
	else if (raw != NULL) {
		/* Keep every byte, readably: what is not UTF-8 as Windows-1252. */
		struct oms_buf b = { 0 };

		oms_utf8_repair(&b, raw, strlen(raw));
		cJSON_AddStringToObject(e, "raw", b.s ? b.s : "");
		oms_buf_free(&b);
	}
	return e;
}

const char *
oms_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *
oms_rec_type(const cJSON *rec)
{
	return oms_json_str(rec, "type");
}

/* An integer field: a JSON integer, or a string of digits. */
int
oms_json_int(const cJSON *obj, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char *end;
	long long x;

	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		/* Range first: the cast of a double out of range is undefined. */
		if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) ||
		    d != (double)(int64_t)d)
			return OMS_ERR;
		*out = (int64_t)d;
		return OMS_OK;
	}
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		errno = 0;
		x = strtoll(v->valuestring, &end, 10);
		if (errno == 0 && *end == '\0') {
			*out = x;
			return OMS_OK;
		}
	}
	return OMS_ERR;
}
