/*
 * carrierdoc.c: the documents a carrier's label reply carries
 * (oms-carrier(7)): a label for each package, as the carrier made it, and
 * what goes with the parcel, such as a commercial invoice.
 *
 *	"documents":[{"type":"label","package":1,"format":"pdf",
 *	  "data":"JVBERi0x..."},
 *	 {"type":"commercial_invoice","format":"pdf","data":"..."}]
 *
 * Each is decoded strictly, base64 of the standard alphabet with its
 * padding and nothing else, and must be what its format says: a PDF
 * begins "%PDF-" and ends with "%%EOF", a PNG has its signature, its
 * header chunk first and its end chunk last, a ZPL label begins "^XA" and
 * ends "^XZ".  A reply with documents has exactly one label for each
 * package.  Whatever is wrong fails the reply as a carrier's failure, as
 * a reply without its tracking numbers does; the words of the reply that
 * are quoted (a type, a format) are shown only as printable ASCII, cut
 * short.  Nothing a reply says names a file: oms-ship names each by the
 * tracking number of its package and a type of its own list.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "ship.h"

/* The types a document may be, in the words oms uses for its files. */
static const char *const types[] = {
	"label", "commercial_invoice", "customs_form", "certificate_of_origin",
	"other", NULL,
};
static const char *const formats[] = { "pdf", "zpl", "png", NULL };

/* A word of the reply, as a message may show it. */
static const char *
shown(const char *s, char *buf, size_t n)
{
	size_t i = 0, k = 0;

	for (; s[i] != '\0' && k + 4 < n && i < 32; i++)
		buf[k++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0' && k + 4 < n) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

static int
b64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode base64 as RFC 4648 section 4 writes it, appending to out: the
 * standard alphabet, groups of four with '=' padding the last, no
 * whitespace, and the bits the padding leaves over zero.  -1 when s is
 * not that.
 */
int
oms_base64_decode(const char *s, size_t n, struct oms_buf *out)
{
	if (n == 0 || n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		char b[3];

		for (int k = 0; k < 4; k++) {
			int c = (unsigned char)s[i + k];

			if (c == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = b64(c)) < 0)
				return -1;
		}
		if ((pad == 2 && (v[1] & 0x0f) != 0) ||
		    (pad == 1 && (v[2] & 0x03) != 0))
			return -1;
		b[0] = (char)(v[0] << 2 | v[1] >> 4);
		b[1] = (char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		b[2] = (char)((v[2] & 0x03) << 6 | v[3]);
		oms_buf_add(out, b, (size_t)(3 - pad));
	}
	return 0;
}

static int
space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Whether the bytes are a document of format fmt; *what says what they
 * must be when not.
 */
static int
format_ok(const char *fmt, const unsigned char *p, size_t n,
    const char **what)
{
	static const unsigned char png_sig[8] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	};
	static const unsigned char png_end[12] = {
		0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
	};

	if (strcmp(fmt, "pdf") == 0) {
		size_t tail = n < 1024 ? n : 1024;

		*what = "a PDF, from %PDF- to %%EOF";
		return n >= 5 + 5 && memcmp(p, "%PDF-", 5) == 0 &&
		    memmem(p + n - tail, tail, "%%EOF", 5) != NULL;
	}
	if (strcmp(fmt, "png") == 0) {
		*what = "a PNG, from its signature and header to its end chunk";
		return n >= 8 + 25 + 12 && memcmp(p, png_sig, 8) == 0 &&
		    memcmp(p + 12, "IHDR", 4) == 0 &&
		    memcmp(p + n - 12, png_end, 12) == 0;
	}
	*what = "a ZPL label, from ^XA to ^XZ";
	while (n > 0 && space(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && space(p[n - 1]))
		n--;
	return n >= 6 && memcmp(p, "^XA", 3) == 0 &&
	    memcmp(p + n - 3, "^XZ", 3) == 0;
}

static const char *
known(const char *s, const char *const *list)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return list[i];
	return NULL;
}

/* A format as the reply may give it, "PDF" or "pdf": ours, or NULL. */
static const char *
known_format(const char *s)
{
	char low[8];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof low; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	if (s[i] != '\0')
		return NULL;
	low[i] = '\0';
	return known(low, formats);
}

void
oms_cdocs_free(struct oms_cdocs *ds)
{
	for (int i = 0; i < ds->n; i++)
		oms_buf_free(&ds->d[i].data);
	free(ds->d);
	memset(ds, 0, sizeof *ds);
}

/* The label of package (from 1), or NULL. */
const struct oms_cdoc *
oms_cdocs_label(const struct oms_cdocs *ds, int package)
{
	for (int i = 0; i < ds->n; i++)
		if (ds->d[i].package == package &&
		    strcmp(ds->d[i].type, "label") == 0)
			return &ds->d[i];
	return NULL;
}

/* One document, the k-th of the reply (from 1), into d. */
static int
read_doc(const char *carrier, const char *verb, const cJSON *x, int k,
    int npk, struct oms_cdoc *d)
{
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(x, "package");
	const char *type = oms_json_str(x, "type");
	const char *fmt = oms_json_str(x, "format");
	const char *data = oms_json_str(x, "data"), *what;
	char w[48], name[96];
	size_t len;

	if (!cJSON_IsObject(x))
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "document %d, which is not an object", carrier, verb, k);
	if (type == NULL)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "document %d, which has no type", carrier, verb, k);
	if ((d->type = known(type, types)) == NULL)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "document %d of type '%s', which is not label, "
		    "commercial_invoice, customs_form, certificate_of_origin "
		    "or other", carrier, verb, k, shown(type, w, sizeof w));
	if (pk != NULL && !cJSON_IsNull(pk)) {
		int64_t p;

		if (oms_json_int(x, "package", &p) != OMS_OK || p < 1 ||
		    p > npk)
			return oms_fail(OMS_E_CARRIER, "carrier %s answered %s "
			    "with document %d (%s) for a package that is not "
			    "one of the %d, numbered from 1", carrier, verb, k,
			    d->type, npk);
		d->package = (int)p;
	} else if (strcmp(d->type, "label") == 0)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "document %d, a label that does not say its package",
		    carrier, verb, k);
	if (d->package > 0)
		snprintf(name, sizeof name, "document %d (%s for package %d)",
		    k, d->type, d->package);
	else
		snprintf(name, sizeof name, "document %d (%s)", k, d->type);
	if (fmt == NULL)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "%s, which has no format", carrier, verb, name);
	if ((d->format = known_format(fmt)) == NULL)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "%s of format '%s', which is not pdf, zpl or png", carrier,
		    verb, name, shown(fmt, w, sizeof w));
	if (data == NULL || *data == '\0')
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "%s, which has no data", carrier, verb, name);
	len = strlen(data);
	/* What it would decode to, before decoding any of it. */
	if (len / 4 * 3 > (size_t)OMS_DOC_MAX + 2)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "%s of more than the %d bytes a document may have",
		    carrier, verb, name, OMS_DOC_MAX);
	if (oms_base64_decode(data, len, &d->data) != 0)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "%s whose data is not base64 (RFC 4648: A-Z, a-z, 0-9, "
		    "+ and /, padded with =, no spaces)", carrier, verb, name);
	if (d->data.len > (size_t)OMS_DOC_MAX)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "%s of %zu bytes, more than the %d a document may have",
		    carrier, verb, name, d->data.len, OMS_DOC_MAX);
	if (!format_ok(d->format, (const unsigned char *)d->data.s,
	    d->data.len, &what))
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "%s whose data is not %s", carrier, verb, name, what);
	return OMS_OK;
}

/*
 * The documents of a label reply for npk packages, into *ds, checked
 * whole: ds->present is 0 when the reply has none (oms draws the labels
 * then), else every document is good and each package has one label.
 */
int
oms_cdocs_read(const char *carrier, const char *verb, const cJSON *reply,
    int npk, struct oms_cdocs *ds)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(reply,
	    "documents"), *x;
	int k = 0, rc;

	memset(ds, 0, sizeof *ds);
	if (list == NULL || cJSON_IsNull(list))
		return OMS_OK;
	if (!cJSON_IsArray(list))
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "documents that are not a list", carrier, verb);
	if (cJSON_GetArraySize(list) > OMS_DOCS_MAX)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered %s with "
		    "%d documents, more than %d", carrier, verb,
		    cJSON_GetArraySize(list), OMS_DOCS_MAX);
	ds->present = 1;
	ds->d = ecalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *ds->d);
	cJSON_ArrayForEach(x, list) {
		struct oms_cdoc *d = &ds->d[ds->n++];

		d->index = ++k;
		if ((rc = read_doc(carrier, verb, x, k, npk, d)) != OMS_OK) {
			oms_cdocs_free(ds);
			return rc;
		}
		for (int i = 0; i < ds->n - 1; i++)
			if (ds->d[i].package == d->package &&
			    strcmp(d->type, "label") == 0 &&
			    strcmp(ds->d[i].type, "label") == 0) {
				rc = oms_fail(OMS_E_CARRIER, "carrier %s answered "
				    "%s with two labels for package %d "
				    "(documents %d and %d)", carrier, verb,
				    d->package, ds->d[i].index, k);
				oms_cdocs_free(ds);
				return rc;
			}
	}
	for (int p = 1; p <= npk; p++)
		if (oms_cdocs_label(ds, p) == NULL) {
			rc = oms_fail(OMS_E_CARRIER, "carrier %s answered %s "
			    "with documents but no label for package %d of "
			    "%d", carrier, verb, p, npk);
			oms_cdocs_free(ds);
			return rc;
		}
	return OMS_OK;
}

/*
 * The file name of document d, whose package has tracking number
 * tracking: TRACKING.FORMAT for a label, TRACKING-TYPE.FORMAT for the
 * others, and TRACKING-TYPE-N.FORMAT for the N-th of a type (from 2).
 */
void
oms_cdoc_name(const struct oms_cdoc *d, const char *tracking, int nth,
    struct oms_buf *name)
{
	oms_buf_reset(name);
	if (strcmp(d->type, "label") == 0)
		oms_buf_printf(name, "%s.%s", tracking, d->format);
	else if (nth <= 1)
		oms_buf_printf(name, "%s-%s.%s", tracking, d->type, d->format);
	else
		oms_buf_printf(name, "%s-%s-%d.%s", tracking, d->type, nth,
		    d->format);
}

/*
 * Whether name is one oms-ship gives a label or a document: letters and
 * digits, then -TYPE and -N as oms_cdoc_name makes them, then .pdf, .zpl
 * or .png.
 */
int
oms_cdoc_name_ours(const char *name)
{
	const char *p = name, *dot = strrchr(name, '.');

	if (dot == NULL || known(dot + 1, formats) == NULL)
		return 0;
	while ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= 'a' && *p <= 'z'))
		p++;
	if (p == name)
		return 0;
	if (p == dot)
		return 1;
	if (*p++ != '-')
		return 0;
	for (int i = 1; types[i] != NULL; i++) {
		size_t k = strlen(types[i]);
		const char *q = p + k;

		if (strncmp(p, types[i], k) != 0)
			continue;
		if (q == dot)
			return 1;
		long nth = 0;

		if (*q++ != '-' || *q < '1' || *q > '9')
			continue;
		while (*q >= '0' && *q <= '9' && nth < 1000)
			nth = nth * 10 + (*q++ - '0');
		if (q == dot && nth >= 2)
			return 1;
	}
	return 0;
}

/*
 * Every file a shipment record names: the carrier's documents it kept,
 * and the labels oms drew, as a list of {type, package, format, file};
 * NULL when it names none.
 */
cJSON *
oms_shipment_files(const cJSON *rec)
{
	static const char *const drawn[] = { "label_zpl", "label_pdf",
	    "label_png", NULL };
	cJSON *out = cJSON_CreateArray();
	const cJSON *x;
	int k = 0;

	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(rec,
	    "documents"))
		if (oms_json_str(x, "file") != NULL)
			cJSON_AddItemToArray(out, cJSON_Duplicate(x, 1));
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(rec, "packages")) {
		k++;
		for (int i = 0; drawn[i] != NULL; i++) {
			const char *f = oms_json_str(x, drawn[i]);
			const cJSON *y;
			cJSON *e;
			int dup = 0;

			if (f == NULL)
				continue;
			cJSON_ArrayForEach(y, out)
				dup |= strcmp(oms_json_str(y, "file"), f) == 0;
			if (dup)
				continue;
			e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "type", "label");
			cJSON_AddNumberToObject(e, "package", k);
			cJSON_AddStringToObject(e, "format", drawn[i] + 6);
			cJSON_AddStringToObject(e, "file", f);
			cJSON_AddTrueToObject(e, "drawn");
			cJSON_AddItemToArray(out, e);
		}
	}
	if (cJSON_GetArraySize(out) == 0) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}
