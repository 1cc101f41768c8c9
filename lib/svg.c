/*
 * svg.c: charts drawn from data as inline SVG, for the HTML page
 * (report.h).
 *
 * A chart is a set of values, each at a category (an x position: a day,
 * a location, a channel) and in a series (a bar colour or a line).  A
 * bar chart groups one bar per series at each category; a line chart
 * joins each series' points across the categories.  Bars are
 * <rect class="bar">, points <circle class="point">, and nothing else
 * has those classes, so a reader (or a test) can count them.  The value
 * axis always holds zero, with round ticks either side of it: a loss
 * draws below the axis.
 *
 * The output is the same bytes for the same data: no clock, no random
 * ids, coordinates printed to one decimal.  Text goes through
 * oms_xml_text, so a name is never markup.  Sizes of text are guesses
 * (no font is measured), made on the wide side.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define CH_W 880		/* width unless the bars need more */
#define PLOT_H 220		/* the plot's height */
#define M_LEFT 72
#define M_RIGHT 24
#define CHAR_W 7.5		/* a guess at a character's width at 12px */
#define MIN_BAR 18		/* a bar narrower than this grows the chart */
#define MAX_BAR 56
#define MIN_STEP 14		/* a line chart's points this far apart */
#define LABEL_MAX 22		/* code points of a category label shown */

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};
#define NPALETTE (sizeof palette / sizeof palette[0])

struct point {
	size_t cat, ser;
	double v;
	char *label;
};

struct names {
	char **v;
	size_t n, cap;
};

struct oms_chart {
	enum oms_chart_kind kind;
	char *id, *title, *unit;
	int sorted;		/* categories in the order of their names */
	struct names cats, sers;
	struct point *pts;
	size_t npts, cappts;
};

/* The frame every part of a chart is drawn in. */
struct frame {
	double w, h, top, left, pw, ph;
	double lo, hi, step;
	double gw;		/* a category's width */
	int slant;		/* category labels slanted */
	size_t *rank;		/* a category's place from the left */
};

void
oms_xml_text(struct oms_buf *b, const char *s)
{
	struct oms_buf fix = { 0 };
	size_t n = strlen(s);

	if (!oms_utf8_valid(s, n)) {
		oms_utf8_repair(&fix, s, n);
		s = fix.s;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			oms_buf_adds(b, "&amp;");
		else if (c == '<')
			oms_buf_adds(b, "&lt;");
		else if (c == '>')
			oms_buf_adds(b, "&gt;");
		else if (c == '"')
			oms_buf_adds(b, "&quot;");
		else if (c == '\'')
			oms_buf_adds(b, "&#39;");
		else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			oms_buf_adds(b, "\xef\xbf\xbd");	/* U+FFFD */
		else
			oms_buf_addc(b, *s);
	}
	oms_buf_free(&fix);
}

/*
 * A value to draw: a JSON number, or a decimal string ("12.50", "-3")
 * as money is written.  Anything else (null, text) is no value.
 */
int
oms_chart_number(const cJSON *v, double *out)
{
	const char *s, *p;

	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return isfinite(*out);
	}
	if (!cJSON_IsString(v))
		return 0;
	p = s = v->valuestring;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.' && p[1] >= '0' && p[1] <= '9')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p != '\0')
		return 0;
	*out = strtod(s, NULL);
	return isfinite(*out);
}

struct oms_chart *
oms_chart_new(enum oms_chart_kind kind, const char *id, const char *title,
    const char *unit)
{
	struct oms_chart *c = ecalloc(1, sizeof *c);

	c->kind = kind;
	c->id = estrdup(id);
	c->title = estrdup(title);
	c->unit = estrdup(unit ? unit : "");
	return c;
}

static size_t
name_index(struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return i;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 16;
		ns->v = erealloc(ns->v, ns->cap * sizeof *ns->v);
	}
	ns->v[ns->n] = estrdup(s);
	return ns->n++;
}

static void
names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/*
 * A value at category cat in series ser; label is the text shown for it
 * (the row's own "12.50"), or NULL to print v.  A second value at the
 * same place replaces the first.
 */
void
oms_chart_add(struct oms_chart *c, const char *cat, const char *ser,
    double v, const char *label)
{
	size_t ci = name_index(&c->cats, cat), si = name_index(&c->sers, ser);
	char buf[64];
	struct point *p = NULL;

	for (size_t i = 0; i < c->npts && p == NULL; i++)
		if (c->pts[i].cat == ci && c->pts[i].ser == si)
			p = &c->pts[i];
	if (p == NULL) {
		if (c->npts == c->cappts) {
			c->cappts = c->cappts ? c->cappts * 2 : 32;
			c->pts = erealloc(c->pts, c->cappts * sizeof *c->pts);
		}
		p = &c->pts[c->npts++];
		p->cat = ci;
		p->ser = si;
	} else
		free(p->label);
	if (label == NULL) {
		snprintf(buf, sizeof buf, "%g", v);
		label = buf;
	}
	p->v = v;
	p->label = estrdup(label);
}

void
oms_chart_sort(struct oms_chart *c)
{
	c->sorted = 1;
}

/* A category named before its values, so one with none keeps its place. */
void
oms_chart_category(struct oms_chart *c, const char *cat)
{
	name_index(&c->cats, cat);
}

size_t
oms_chart_count(const struct oms_chart *c)
{
	return c->npts;
}

void
oms_chart_free(struct oms_chart *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->npts; i++)
		free(c->pts[i].label);
	free(c->pts);
	names_free(&c->cats);
	names_free(&c->sers);
	free(c->id);
	free(c->title);
	free(c->unit);
	free(c);
}

/* 1, 2 or 5 times a power of ten, near span / want. */
static double
nice_step(double span, int want)
{
	double raw = span / want, mag = pow(10, floor(log10(raw)));
	double f = raw / mag;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void
scale(const struct oms_chart *c, struct frame *f)
{
	double lo = 0, hi = 0;

	for (size_t i = 0; i < c->npts; i++) {
		if (c->pts[i].v < lo)
			lo = c->pts[i].v;
		if (c->pts[i].v > hi)
			hi = c->pts[i].v;
	}
	if (hi - lo <= 0)
		hi = 1;
	f->step = nice_step(hi - lo, 5);
	f->lo = floor(lo / f->step) * f->step;
	f->hi = ceil(hi / f->step) * f->step;
}

static double
y_of(const struct frame *f, double v)
{
	return f->top + (f->hi - v) / (f->hi - f->lo) * f->ph;
}

/* Code points in s. */
static size_t
text_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static double
legend_width(const char *name)
{
	size_t n = text_len(name);

	return 28 + CHAR_W * (double)(n < LABEL_MAX ? n : LABEL_MAX);
}

/* Rows the legend takes at width w; none for one series of a bar chart. */
static int
legend_rows(const struct oms_chart *c, double w)
{
	double x = M_LEFT;
	int rows = 1;

	if (c->sers.n <= 1)
		return 0;
	for (size_t i = 0; i < c->sers.n; i++) {
		double lw = legend_width(c->sers.v[i]);

		if (x + lw > w - M_RIGHT && x > M_LEFT) {
			rows++;
			x = M_LEFT;
		}
		x += lw;
	}
	return rows;
}

static int
cmp_name(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/* Categories left to right as they came, or in the order of their names. */
static size_t *
ranks(const struct oms_chart *c)
{
	size_t n = c->cats.n, *r = ecalloc(n ? n : 1, sizeof *r);
	char **sorted;

	for (size_t i = 0; i < n; i++)
		r[i] = i;
	if (!c->sorted)
		return r;
	sorted = ecalloc(n ? n : 1, sizeof *sorted);
	memcpy(sorted, c->cats.v, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_name);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (sorted[j] == c->cats.v[i])
				r[i] = j;
	free(sorted);
	return r;
}

static void
layout(const struct oms_chart *c, struct frame *f)
{
	double ncat = c->cats.n ? (double)c->cats.n : 1;
	double nser = c->sers.n ? (double)c->sers.n : 1;
	double need = c->kind == OMS_CHART_BAR ?
	    ncat * (nser * MIN_BAR / 0.8) : ncat * MIN_STEP;
	size_t longest = 0;

	f->w = CH_W;
	if (M_LEFT + M_RIGHT + need > f->w)
		f->w = ceil(M_LEFT + M_RIGHT + need);
	f->left = M_LEFT;
	f->pw = f->w - M_LEFT - M_RIGHT;
	f->gw = f->pw / ncat;
	f->top = 28 + 18 * legend_rows(c, f->w);
	f->ph = PLOT_H;
	for (size_t i = 0; i < c->cats.n; i++)
		if (text_len(c->cats.v[i]) > longest)
			longest = text_len(c->cats.v[i]);
	if (longest > LABEL_MAX)
		longest = LABEL_MAX;
	f->slant = (double)longest * CHAR_W + 8 > f->gw;
	/* a slanted label drops by sin 40 degrees of its length */
	f->h = f->top + f->ph + (f->slant ? ceil(28 + 0.65 * CHAR_W *
	    (double)longest) : 32);
	f->rank = ranks(c);
	scale(c, f);
}

/* Text cut to LABEL_MAX code points, with an ellipsis when cut. */
static void
short_text(struct oms_buf *b, const char *s)
{
	struct oms_buf t = { 0 };
	size_t n = 0;
	const char *p = s;

	if (text_len(s) <= LABEL_MAX) {
		oms_xml_text(b, s);
		return;
	}
	for (; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80 && n++ == LABEL_MAX - 1)
			break;
	oms_buf_add(&t, s, (size_t)(p - s));
	oms_buf_adds(&t, "\xe2\x80\xa6");
	oms_xml_text(b, t.s);
	oms_buf_free(&t);
}

static void
tick_label(char *buf, size_t n, double v, double step)
{
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);

	if (fabs(v) < step / 1e6)
		v = 0;
	snprintf(buf, n, "%.*f", dec, v);
}

static void
draw_axis(const struct oms_chart *c, const struct frame *f,
    struct oms_buf *b)
{
	char t[48];
	double y;

	for (double v = f->lo; v <= f->hi + f->step / 2; v += f->step) {
		y = y_of(f, v);
		tick_label(t, sizeof t, v, f->step);
		oms_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" "
		    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", f->left, y,
		    f->left + f->pw, y);
		oms_buf_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">%s</text>\n", f->left - 6, y + 4, t);
	}
	y = y_of(f, 0);
	oms_buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
	    "x2=\"%.1f\" y2=\"%.1f\"/>\n", f->left, y, f->left + f->pw, y);
	oms_buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
	    "x2=\"%.1f\" y2=\"%.1f\"/>\n", f->left, f->top, f->left,
	    f->top + f->ph);
	if (*c->unit) {
		oms_buf_printf(b, "<text class=\"unit\" transform=\"translate"
		    "(14 %.1f) rotate(-90)\" text-anchor=\"middle\">",
		    f->top + f->ph / 2);
		oms_xml_text(b, c->unit);
		oms_buf_adds(b, "</text>\n");
	}
}

static void
draw_categories(const struct oms_chart *c, const struct frame *f,
    struct oms_buf *b)
{
	double y = f->top + f->ph + 16;

	for (size_t i = 0; i < c->cats.n; i++) {
		double x = f->left + ((double)f->rank[i] + 0.5) * f->gw;

		if (f->slant)
			oms_buf_printf(b, "<text class=\"cat\" transform="
			    "\"translate(%.1f %.1f) rotate(-40)\" "
			    "text-anchor=\"end\">", x + 4, y);
		else
			oms_buf_printf(b, "<text class=\"cat\" x=\"%.1f\" "
			    "y=\"%.1f\" text-anchor=\"middle\">", x, y);
		oms_buf_adds(b, "<title>");
		oms_xml_text(b, c->cats.v[i]);
		oms_buf_adds(b, "</title>");
		short_text(b, c->cats.v[i]);
		oms_buf_adds(b, "</text>\n");
	}
}

static void
draw_legend(const struct oms_chart *c, const struct frame *f,
    struct oms_buf *b)
{
	double x = M_LEFT, y = 14;

	if (c->sers.n <= 1)
		return;
	oms_buf_adds(b, "<g class=\"legend\">\n");
	for (size_t i = 0; i < c->sers.n; i++) {
		double lw = legend_width(c->sers.v[i]);

		if (x + lw > f->w - M_RIGHT && x > M_LEFT) {
			x = M_LEFT;
			y += 18;
		}
		oms_buf_printf(b, "<rect class=\"key\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"10\" height=\"10\" fill=\"%s\"/>", x, y - 9,
		    palette[i % NPALETTE]);
		oms_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 14, y);
		short_text(b, c->sers.v[i]);
		oms_buf_adds(b, "</text>\n");
		x += lw;
	}
	oms_buf_adds(b, "</g>\n");
}

/* What a bar or point says when pointed at: series, category, value. */
static void
point_title(const struct oms_chart *c, const struct point *p,
    struct oms_buf *b)
{
	oms_buf_adds(b, "<title>");
	if (c->sers.n > 1) {
		oms_xml_text(b, c->sers.v[p->ser]);
		oms_buf_adds(b, ", ");
	}
	oms_xml_text(b, c->cats.v[p->cat]);
	oms_buf_adds(b, ": ");
	oms_xml_text(b, p->label);
	oms_buf_adds(b, "</title>");
}

static void
bar_label(const struct point *p, double x, double y, double bw, int below,
    struct oms_buf *b)
{
	double cx = x + bw / 2;

	if (bw >= CHAR_W * (double)text_len(p->label) + 4)
		oms_buf_printf(b, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">", cx, below ? y + 12 : y - 4);
	else
		oms_buf_printf(b, "<text class=\"val\" transform=\"translate"
		    "(%.1f %.1f) rotate(-90)\" text-anchor=\"%s\">", cx + 4,
		    below ? y + 4 : y - 4, below ? "end" : "start");
	oms_xml_text(b, p->label);
	oms_buf_adds(b, "</text>\n");
}

static void
draw_bars(const struct oms_chart *c, const struct frame *f,
    struct oms_buf *b)
{
	double nser = c->sers.n ? (double)c->sers.n : 1;
	double bw = f->gw * 0.8 / nser, y0 = y_of(f, 0);

	if (bw > MAX_BAR)
		bw = MAX_BAR;
	for (size_t i = 0; i < c->npts; i++) {
		const struct point *p = &c->pts[i];
		double x = f->left + (double)f->rank[p->cat] * f->gw +
		    (f->gw - bw * nser) / 2 + (double)p->ser * bw;
		double y = y_of(f, p->v);
		int below = p->v < 0;

		oms_buf_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\" fill=\"%s\">", x,
		    below ? y0 : y, bw > 2 ? bw - 1 : bw, fabs(y - y0),
		    palette[p->ser % NPALETTE]);
		point_title(c, p, b);
		oms_buf_adds(b, "</rect>\n");
		bar_label(p, x, y, bw, below, b);
	}
}

static void
draw_lines(const struct oms_chart *c, const struct frame *f,
    struct oms_buf *b)
{
	for (size_t s = 0; s < c->sers.n; s++) {
		const char *sep = "";

		oms_buf_printf(b, "<polyline class=\"line\" stroke=\"%s\" "
		    "points=\"", palette[s % NPALETTE]);
		/* left to right: the values in the order of their places */
		for (size_t r = 0; r < c->cats.n; r++)
			for (size_t i = 0; i < c->npts; i++) {
				const struct point *p = &c->pts[i];

				if (p->ser != s || f->rank[p->cat] != r)
					continue;
				oms_buf_printf(b, "%s%.1f,%.1f", sep, f->left +
				    ((double)r + 0.5) * f->gw, y_of(f, p->v));
				sep = " ";
			}
		oms_buf_adds(b, "\"/>\n");
	}
	for (size_t i = 0; i < c->npts; i++) {
		const struct point *p = &c->pts[i];

		oms_buf_printf(b, "<circle class=\"point\" cx=\"%.1f\" "
		    "cy=\"%.1f\" r=\"3.5\" fill=\"%s\">", f->left +
		    ((double)f->rank[p->cat] + 0.5) * f->gw, y_of(f, p->v),
		    palette[p->ser % NPALETTE]);
		point_title(c, p, b);
		oms_buf_adds(b, "</circle>\n");
	}
}

/* The chart as one <svg> element, appended to out. */
void
oms_chart_svg(const struct oms_chart *c, struct oms_buf *out)
{
	struct frame f = { 0 };

	layout(c, &f);
	oms_buf_adds(out, "<svg class=\"chart\" id=\"");
	oms_xml_text(out, c->id);
	oms_buf_adds(out, "\" role=\"img\" aria-label=\"");
	oms_xml_text(out, c->title);
	oms_buf_printf(out, "\" width=\"%.0f\" height=\"%.0f\" "
	    "viewBox=\"0 0 %.0f %.0f\">\n", f.w, f.h, f.w, f.h);
	oms_buf_adds(out, "<title>");
	oms_xml_text(out, c->title);
	oms_buf_adds(out, "</title>\n");
	draw_legend(c, &f, out);
	draw_axis(c, &f, out);
	draw_categories(c, &f, out);
	if (c->kind == OMS_CHART_BAR)
		draw_bars(c, &f, out);
	else
		draw_lines(c, &f, out);
	oms_buf_adds(out, "</svg>\n");
	free(f.rank);
}
