/*
 * x12.c: the envelope of an ASC X12 interchange, read and written.
 *
 * An interchange is ISA ... IEA around functional groups, GS ... GE,
 * around transaction sets, ST ... SE.  The ISA is fixed width, 106
 * characters with its terminator, and it says the separators: the
 * element separator is its fourth character, the sub-element separator
 * its last element, the segment terminator the character after it.
 * What is read takes those as the ISA gives them; what is written uses
 * '*', '>' and '~' (and a newline after each segment, which readers
 * skip).  Counts and control numbers are checked on the way in: a wrong
 * interchange or group envelope refuses the whole file, a wrong set is
 * marked for the 997 to reject alone.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "x12.h"

/* Where the ISA's 16 element separators stand. */
static const int isa_pos[16] = {
	3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103
};

const char *
oms_x12_el(const struct oms_x12_seg *s, int i)
{
	return i >= 1 && i < s->n ? s->el[i] : "";
}

const char *
oms_x12_sub(const struct oms_x12 *x, const struct oms_x12_seg *s, int i,
    int k, char *buf, size_t n)
{
	const char *p = oms_x12_el(s, i), *e;

	for (int j = 1; j < k && p != NULL; j++)
		if ((p = strchr(p, x->ss)) != NULL)
			p++;
	if (p == NULL || n == 0) {
		if (n > 0)
			buf[0] = '\0';
		return buf;
	}
	e = strchr(p, x->ss);
	snprintf(buf, n, "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
	return buf;
}

static int
digits(const char *s, size_t lo, size_t hi)
{
	size_t n = strlen(s);

	return n >= lo && n <= hi && strspn(s, "0123456789") == n;
}

/* The ISA's padded fields: trailing spaces off, in place. */
static char *
unpad(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

static int
is_sep(char c)
{
	return c != '\0' && c != ' ' && !isalnum((unsigned char)c);
}

void
oms_x12_free(struct oms_x12 *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->nsegs; i++)
		free(x->segs[i].el);
	free(x->segs);
	for (int g = 0; g < x->ngroups; g++)
		free(x->groups[g].sets);
	free(x->groups);
	free(x->buf);
	free(x);
}

static int
envelope(struct oms_x12 *x, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A refusal of the envelope, naming the segment. */
static int
envelope(struct oms_x12 *x, size_t i, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (i < x->nsegs)
		return oms_reject("segment %ld (%s): %s", x->segs[i].no,
		    x->segs[i].el[0], msg);
	return oms_reject("segment %zu: %s", x->nsegs + 1, msg);
}

static int
is(const struct oms_x12 *x, size_t i, const char *id)
{
	return i < x->nsegs && strcmp(x->segs[i].el[0], id) == 0;
}

/* Cut the text after the ISA into segments and their elements. */
static int
split(struct oms_x12 *x, size_t len)
{
	char *p = x->buf, *end = x->buf + len;
	size_t cap = 64;

	x->segs = ecalloc(cap, sizeof *x->segs);
	while (p < end) {
		struct oms_x12_seg *s;
		char *t, *q;
		int ne = 1;

		/* Line ends after a terminator are layout, not data. */
		while (p < end && (*p == '\r' || *p == '\n') && *p != x->st)
			p++;
		if (p >= end)
			break;
		if ((t = memchr(p, x->st, (size_t)(end - p))) == NULL) {
			for (q = p; q < end && isspace((unsigned char)*q); q++)
				;
			if (q == end)
				break;
			return oms_reject("segment %zu: no segment terminator "
			    "'%c' after it: the file is cut short",
			    x->nsegs + 1, x->st);
		}
		if (memchr(p, '\0', (size_t)(t - p)) != NULL)
			return oms_reject("segment %zu: a NUL byte in it",
			    x->nsegs + 1);
		*t = '\0';
		if (t > p && t[-1] == '\r')
			t[-1] = '\0';
		/* Lines ending segments: a blank one is layout too. */
		if (*p == '\0' && (x->st == '\n' || x->st == '\r')) {
			p = t + 1;
			continue;
		}
		if (x->nsegs == cap) {
			cap *= 2;
			x->segs = erealloc(x->segs, cap * sizeof *x->segs);
		}
		s = &x->segs[x->nsegs];
		memset(s, 0, sizeof *s);
		s->no = (long)x->nsegs + 1;
		for (q = p; *q; q++)
			ne += *q == x->es;
		s->el = ecalloc((size_t)ne + 1, sizeof *s->el);
		s->el[0] = p;
		for (q = p; *q; q++)
			if (*q == x->es) {
				*q = '\0';
				s->el[++s->n] = q + 1;
			}
		s->n++;
		x->nsegs++;
		{
			const char *id = s->el[0];
			size_t n = strlen(id);

			if (n < 2 || n > 3 || !isupper((unsigned char)id[0]) ||
			    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
			    n)
				return oms_reject("segment %ld: '%.20s' is not a "
				    "segment id", s->no, id);
		}
		p = t + 1;
	}
	return OMS_OK;
}

/* Sets of the group at i (its GS), up to its GE; *next after the GE. */
static int
read_group(struct oms_x12 *x, size_t i, struct oms_x12_group *g,
    size_t *next)
{
	const struct oms_x12_seg *gs = &x->segs[i];
	size_t j = i + 1;
	int cap = 0;

	memset(g, 0, sizeof *g);
	g->first = i;
	if (gs->n < 9)
		return envelope(x, i, "a GS has 8 elements, this one %d",
		    gs->n - 1);
	g->fid = gs->el[1];
	g->sender = gs->el[2];
	g->receiver = gs->el[3];
	g->date = gs->el[4];
	g->time = gs->el[5];
	g->control = gs->el[6];
	g->agency = gs->el[7];
	g->version = gs->el[8];
	if (!digits(g->control, 1, 9))
		return envelope(x, i, "GS06 '%.20s' is not a group control "
		    "number (1 to 9 digits)", g->control);
	while (is(x, j, "ST")) {
		struct oms_x12_set *s;
		const struct oms_x12_seg *st = &x->segs[j], *se;
		size_t k = j + 1;

		if (g->nsets == cap) {
			cap = cap ? cap * 2 : 8;
			g->sets = erealloc(g->sets, (size_t)cap * sizeof *g->sets);
		}
		s = &g->sets[g->nsets++];
		memset(s, 0, sizeof *s);
		s->first = j;
		s->id = oms_x12_el(st, 1);
		s->control = oms_x12_el(st, 2);
		while (k < x->nsegs && !is(x, k, "SE") && !is(x, k, "ST") &&
		    !is(x, k, "GE") && !is(x, k, "GS") && !is(x, k, "IEA") &&
		    !is(x, k, "ISA"))
			k++;
		if (!is(x, k, "SE")) {
			s->last = k - 1;
			s->error = 2;
			snprintf(s->why, sizeof s->why, "transaction set %s %s "
			    "has no SE: it ends at segment %ld", s->id,
			    s->control, x->segs[k - 1].no);
			j = k;
			continue;
		}
		s->last = k;
		se = &x->segs[k];
		if (!digits(s->id, 3, 3)) {
			s->error = 6;
			snprintf(s->why, sizeof s->why, "ST01 '%.20s' is not a "
			    "transaction set id", s->id);
		} else if (strlen(s->control) < 4 || strlen(s->control) > 9 ||
		    strpbrk(s->control, " ") != NULL) {
			s->error = 7;
			snprintf(s->why, sizeof s->why, "ST02 '%.20s' is not a "
			    "control number (4 to 9 characters)", s->control);
		} else if (strcmp(oms_x12_el(se, 2), s->control) != 0) {
			s->error = 3;
			snprintf(s->why, sizeof s->why, "SE02 '%.20s' is not "
			    "the ST02 '%s' of its set", oms_x12_el(se, 2),
			    s->control);
		} else if (!digits(oms_x12_el(se, 1), 1, 10) ||
		    strtoll(oms_x12_el(se, 1), NULL, 10) !=
		    (long long)(k - j + 1)) {
			s->error = 4;
			snprintf(s->why, sizeof s->why, "SE01 says %.20s "
			    "segments, the set has %zu", oms_x12_el(se, 1),
			    k - j + 1);
		}
		for (int m = 0; m < g->nsets - 1 && s->error == 0; m++)
			if (strcmp(g->sets[m].control, s->control) == 0) {
				s->error = 23;
				snprintf(s->why, sizeof s->why, "control number "
				    "%s is used twice in the group", s->control);
			}
		j = k + 1;
	}
	if (!is(x, j, "GE")) {
		if (j >= x->nsegs)
			return envelope(x, j, "no GE for the group of GS "
			    "segment %ld: the file is cut short", gs->no);
		return envelope(x, j, "outside any transaction set (a group "
		    "holds ST ... SE, then its GE)");
	}
	if (!digits(oms_x12_el(&x->segs[j], 1), 1, 6) ||
	    atoi(oms_x12_el(&x->segs[j], 1)) != g->nsets)
		return envelope(x, j, "GE01 says '%.20s' transaction sets, "
		    "the group has %d", oms_x12_el(&x->segs[j], 1), g->nsets);
	if (strcmp(oms_x12_el(&x->segs[j], 2), g->control) != 0)
		return envelope(x, j, "GE02 '%.20s' is not the GS06 '%s' of "
		    "its group", oms_x12_el(&x->segs[j], 2), g->control);
	*next = j + 1;
	return OMS_OK;
}

int
oms_x12_read(const char *text, size_t n, struct oms_x12 **out)
{
	struct oms_x12 *x;
	const char *isa;
	size_t i = 0, j = 0;
	int rc, cap = 0;

	*out = NULL;
	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
	    text[i] == '\n'))
		i++;
	if (n - i < 3 || memcmp(text + i, "ISA", 3) != 0)
		return oms_reject("segment 1: not an X12 interchange: it does "
		    "not begin with ISA");
	isa = text + i;
	if (n - i < OMS_X12_ISA_LEN)
		return oms_reject("segment 1 (ISA): %zu characters, not %d: the "
		    "file is cut short", n - i, OMS_X12_ISA_LEN);
	if (!is_sep(isa[3]))
		return oms_reject("segment 1 (ISA): '%c' cannot be the element "
		    "separator", isa[3]);
	for (int k = 0; k < 16; k++)
		if (isa[isa_pos[k]] != isa[3])
			return oms_reject("segment 1 (ISA): element %d is not "
			    "where X12 puts it: an ISA is %d characters, its "
			    "elements of fixed width", k + 1, OMS_X12_ISA_LEN);
	for (int k = 4; k < 104; k++) {
		int at = 0;

		for (int m = 0; m < 16; m++)
			at |= isa_pos[m] == k;
		if (!at && isa[k] == isa[3])
			return oms_reject("segment 1 (ISA): an element "
			    "separator in a fixed-width element: an ISA is %d "
			    "characters", OMS_X12_ISA_LEN);
	}
	if (!is_sep(isa[104]) || isa[104] == isa[3])
		return oms_reject("segment 1 (ISA): '%c' cannot be the "
		    "sub-element separator", isa[104]);
	if (isa[105] == isa[3] || isa[105] == isa[104] ||
	    isalnum((unsigned char)isa[105]) || isa[105] == ' ' ||
	    isa[105] == '\0')
		return oms_reject("segment 1 (ISA): '%c' cannot be the segment "
		    "terminator", isa[105]);
	x = ecalloc(1, sizeof *x);
	x->es = isa[3];
	x->ss = isa[104];
	x->st = isa[105];
	x->buf = emalloc(n - i + 1);
	memcpy(x->buf, isa, n - i);
	x->buf[n - i] = '\0';
	if ((rc = split(x, n - i)) != OMS_OK)
		goto fail;
	{
		struct oms_x12_seg *s = &x->segs[0];

		if (s->n != 17) {
			rc = envelope(x, 0, "%d elements, not 16", s->n - 1);
			goto fail;
		}
		x->sender_q = unpad(s->el[5]);
		x->sender = unpad(s->el[6]);
		x->receiver_q = unpad(s->el[7]);
		x->receiver = unpad(s->el[8]);
		x->date = s->el[9];
		x->time = s->el[10];
		x->version = s->el[12];
		x->control = s->el[13];
		x->usage = s->el[15];
		if (strcmp(x->version, "00402") >= 0 && is_sep(*s->el[11]) &&
		    *s->el[11] != x->es && *s->el[11] != x->ss &&
		    *s->el[11] != x->st)
			x->rs = *s->el[11];
		if (!digits(x->control, 9, 9)) {
			rc = envelope(x, 0, "ISA13 '%s' is not a control number "
			    "of 9 digits", x->control);
			goto fail;
		}
		if (!digits(x->date, 6, 6) || !digits(x->time, 4, 4)) {
			rc = envelope(x, 0, "ISA09 '%s' and ISA10 '%s' are not "
			    "a date YYMMDD and a time HHMM", x->date, x->time);
			goto fail;
		}
		if (*x->sender == '\0' || *x->receiver == '\0') {
			rc = envelope(x, 0, "no sender or receiver id "
			    "(ISA06, ISA08)");
			goto fail;
		}
	}
	for (i = 1; is(x, i, "GS"); i = j) {
		if (x->ngroups == cap) {
			cap = cap ? cap * 2 : 4;
			x->groups = erealloc(x->groups, (size_t)cap *
			    sizeof *x->groups);
		}
		rc = read_group(x, i, &x->groups[x->ngroups], &j);
		x->ngroups++;
		if (rc != OMS_OK)
			goto fail;
		for (int g = 0; g < x->ngroups - 1; g++)
			if (strcmp(x->groups[g].control,
			    x->groups[x->ngroups - 1].control) == 0) {
				rc = envelope(x, i, "group control number %s "
				    "is used twice in the interchange",
				    x->groups[g].control);
				goto fail;
			}
	}
	if (!is(x, i, "IEA")) {
		rc = i >= x->nsegs ? envelope(x, i, "no IEA: the file is cut "
		    "short") : envelope(x, i, "not a GS, nor the IEA that ends "
		    "the interchange");
		goto fail;
	}
	if (!digits(oms_x12_el(&x->segs[i], 1), 1, 5) ||
	    atoi(oms_x12_el(&x->segs[i], 1)) != x->ngroups) {
		rc = envelope(x, i, "IEA01 says '%.20s' groups, the interchange "
		    "has %d", oms_x12_el(&x->segs[i], 1), x->ngroups);
		goto fail;
	}
	if (strcmp(oms_x12_el(&x->segs[i], 2), x->control) != 0) {
		rc = envelope(x, i, "IEA02 '%.20s' is not the control number "
		    "of its ISA, %s", oms_x12_el(&x->segs[i], 2), x->control);
		goto fail;
	}
	if (i + 1 < x->nsegs) {
		rc = envelope(x, i + 1, "after the IEA: one interchange a file");
		goto fail;
	}
	*out = x;
	return OMS_OK;
fail:
	oms_x12_free(x);
	return rc;
}

/*
 * The order the sender made interchange text in: its ISA's date, time
 * and control number, "YYMMDDHHMMNNNNNNNNN", into key (20 bytes); 0 when
 * the text has no ISA to read them from.
 */
int
oms_x12_order_key(const char *text, size_t n, char key[20])
{
	size_t i = 0;

	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
	    text[i] == '\n'))
		i++;
	if (n - i < OMS_X12_ISA_LEN || memcmp(text + i, "ISA", 3) != 0)
		return 0;
	text += i;
	for (int k = 0; k < 16; k++)
		if (text[isa_pos[k]] != text[3])
			return 0;
	snprintf(key, 20, "%.6s%.4s%.9s", text + 70, text + 77, text + 90);
	return 1;
}

/* ---- clean text ------------------------------------------------------ */

/* U+00C0 to U+00FF without accents; '#' for those of two letters. */
static const char latin1[] =
    "AAAAAA#CEEEEIIIIDNOOOOOxOUUUUY##aaaaaa#ceeeeiiiidnooooo?ouuuuy#y";
/* U+0100 to U+017F likewise. */
static const char latin_a[] =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi##JjKkkLlLlLlLlLl"
    "NnNnNnnNnOoOoOo##RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

static const char *
fold(unsigned cp, char one[2])
{
	one[1] = '\0';
	switch (cp) {
	case 0xc6: return "AE";
	case 0xde: return "TH";
	case 0xdf: return "ss";
	case 0xe6: return "ae";
	case 0xfe: return "th";
	case 0x132: return "IJ";
	case 0x133: return "ij";
	case 0x152: return "OE";
	case 0x153: return "oe";
	case 0xa0: return " ";
	case 0x2018: case 0x2019: case 0x201a: return "'";
	case 0x201c: case 0x201d: case 0x201e: return "\"";
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
		return "-";
	}
	if (cp >= 0xc0 && cp <= 0xff)
		one[0] = latin1[cp - 0xc0];
	else if (cp >= 0x100 && cp <= 0x17f)
		one[0] = latin_a[cp - 0x100];
	else
		one[0] = '?';
	return one;
}

/* The code point at s (n bytes there), its length in *len; -1 if bad. */
static long
utf8_at(const unsigned char *s, size_t n, size_t *len)
{
	unsigned c = s[0];
	long cp;
	size_t k;

	if (c < 0x80) {
		*len = 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, cp = c & 0x07;
	else {
		*len = 1;
		return -1;
	}
	if (k > n) {
		*len = 1;
		return -1;
	}
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*len = 1;
			return -1;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*len = k;
	return cp;
}

char *
oms_x12_text(char *buf, size_t n, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), o = 0, chars = 0;
	int space = 0;

	if (n == 0)
		return buf;
	if (max == 0 || max > n - 1)
		max = n - 1;
	while (len > 0 && chars < max) {
		char one[2];
		const char *t;
		size_t k;
		long cp = utf8_at(p, len, &k);

		p += k;
		len -= k;
		if (cp < 0)
			t = "?";
		else if (cp < 0x80) {
			one[0] = (char)cp;
			one[1] = '\0';
			t = one;
			if (cp < 0x20 || cp == 0x7f || strchr("*~>^|", (int)cp))
				t = " ";
		} else
			t = fold((unsigned)cp, one);
		for (; *t && chars < max; t++) {
			if (*t == ' ') {
				space = o > 0;
				continue;
			}
			if (space && chars + 1 < max) {
				buf[o++] = ' ';
				chars++;
			}
			space = 0;
			if (chars < max) {
				buf[o++] = *t;
				chars++;
			}
		}
	}
	buf[o] = '\0';
	return buf;
}

/* ---- writing ----------------------------------------------------------- */

static void
term(struct oms_x12w *w)
{
	oms_buf_addc(&w->b, OMS_X12_ST);
	oms_buf_addc(&w->b, '\n');
}

void
oms_x12w_begin(struct oms_x12w *w, const struct oms_x12_env *e)
{
	const char *t = e->when;

	memset(w, 0, sizeof *w);
	/* "2026-11-26T15:00:00Z" */
	snprintf(w->date, sizeof w->date, "%.4s%.2s%.2s", t, t + 5, t + 8);
	snprintf(w->time, sizeof w->time, "%.2s%.2s", t + 11, t + 14);
	w->control = e->control;
	oms_buf_printf(&w->b, "ISA*00*%-10s*00*%-10s*%-2.2s*%-15.15s*%-2.2s*"
	    "%-15.15s*%.6s*%.4s*U*00401*%09lld*0*%c*%c", "", "", e->sender_q,
	    e->sender, e->receiver_q, e->receiver, w->date + 2, w->time,
	    (long long)e->control, e->test ? 'T' : 'P', OMS_X12_SS);
	term(w);
}

void
oms_x12w_group(struct oms_x12w *w, const char *fid, const char *sender,
    const char *receiver, int64_t control)
{
	char num[24];

	snprintf(num, sizeof num, "%lld", (long long)control);
	w->group = control;
	w->sets = 0;
	w->groups++;
	oms_x12w_seg(w, "GS", fid, sender, receiver, w->date, w->time, num,
	    "X", "004010", NULL);
}

void
oms_x12w_set(struct oms_x12w *w, const char *id, int64_t control)
{
	char num[16];

	snprintf(w->set, sizeof w->set, "%04lld", (long long)control);
	snprintf(num, sizeof num, "%s", w->set);
	w->segs = 0;
	w->sets++;
	oms_x12w_seg(w, "ST", id, num, NULL);
}

static void
seg_v(struct oms_x12w *w, const char *id, va_list ap)
{
	const char *els[64];
	int n = 0, last = 0;
	const char *e;

	while ((e = va_arg(ap, const char *)) != NULL && n < 64) {
		els[n++] = e;
		if (*e != '\0')
			last = n;
	}
	oms_buf_adds(&w->b, id);
	for (int i = 0; i < last; i++) {
		size_t len = strlen(els[i]) + 1;
		char *t = emalloc(len);

		oms_buf_addc(&w->b, OMS_X12_ES);
		oms_buf_adds(&w->b, oms_x12_text(t, len, els[i], 0));
		free(t);
	}
	term(w);
	w->segs++;
}

void
oms_x12w_seg(struct oms_x12w *w, const char *id, ...)
{
	va_list ap;

	va_start(ap, id);
	seg_v(w, id, ap);
	va_end(ap);
}

void
oms_x12w_set_end(struct oms_x12w *w)
{
	char n[24];

	snprintf(n, sizeof n, "%ld", w->segs + 1);
	oms_x12w_seg(w, "SE", n, w->set, NULL);
}

void
oms_x12w_group_end(struct oms_x12w *w)
{
	char n[24], c[24];

	snprintf(n, sizeof n, "%d", w->sets);
	snprintf(c, sizeof c, "%lld", (long long)w->group);
	oms_x12w_seg(w, "GE", n, c, NULL);
}

void
oms_x12w_end(struct oms_x12w *w)
{
	char n[24], c[24];

	snprintf(n, sizeof n, "%d", w->groups);
	snprintf(c, sizeof c, "%09lld", (long long)w->control);
	oms_x12w_seg(w, "IEA", n, c, NULL);
}

void
oms_x12w_free(struct oms_x12w *w)
{
	oms_buf_free(&w->b);
}
