/* Unit tests for lib/svg.c: the charts of the HTML page. */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "unit.h"

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/* The number after attr=" in the first element that starts with tag. */
static double
attr(const char *s, const char *tag, const char *name)
{
	char key[32];
	const char *p = strstr(s, tag);

	snprintf(key, sizeof key, " %s=\"", name);
	if (p == NULL || (p = strstr(p, key)) == NULL)
		return -1;
	return strtod(p + strlen(key), NULL);
}

/* The element tag whose title ends with label. */
static const char *
elem_of(const char *s, const char *tag, const char *label)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof key, "%s</title>", label);
	if ((p = strstr(s, key)) == NULL)
		return s;
	while (p > s && strncmp(p, tag, strlen(tag)) != 0)
		p--;
	return p;
}

static const char *
rect_of(const char *s, const char *label)
{
	return elem_of(s, "<rect", label);
}

static void
bars(void)
{
	struct oms_chart *c = oms_chart_new(OMS_CHART_BAR, "chart-profit-USD",
	    "Profit, USD", "USD");
	struct oms_buf b = { 0 }, again = { 0 };
	const char *loss;
	double axis;

	oms_chart_add(c, "amazon", "net sales", 120.5, "120.50");
	oms_chart_add(c, "amazon", "profit", -38, "-38.00");
	oms_chart_add(c, "ebay", "net sales", 60, "60.00");
	oms_chart_add(c, "ebay", "profit", 12, "12.00");
	oms_chart_add(c, "ebay", "profit", 13, "13.00");	/* replaces */
	oms_chart_svg(c, &b);
	OK(oms_chart_count(c) == 4, "four values");
	OK(count(b.s, "class=\"bar\"") == 4, "a bar each");
	OK(count(b.s, "class=\"point\"") == 0, "no points");
	OK(strncmp(b.s, "<svg class=\"chart\" id=\"chart-profit-USD\" "
	    "role=\"img\" aria-label=\"Profit, USD\"", 62) == 0, "the svg");
	OK(strstr(b.s, "<title>Profit, USD</title>") != NULL, "a title");
	OK(count(b.s, "class=\"key\"") == 2, "a legend of two series");
	OK(strstr(b.s, ">-38.00</text>") && strstr(b.s, ">13.00</text>") &&
	    !strstr(b.s, ">12.00<"), "value labels, the row's text");
	/* ticks of 1, 2 or 5 times ten to a power, across zero */
	OK(strstr(b.s, "end\">-50</text>") && strstr(b.s, "end\">0</text>") &&
	    strstr(b.s, "end\">150</text>") && !strstr(b.s, "end\">200<"),
	    "round ticks from -50 to 150");
	/* the loss hangs from the axis */
	axis = attr(strstr(b.s, "<line class=\"axis\""), "<line", "y1");
	loss = rect_of(b.s, "-38.00");
	OK(attr(loss, "<rect", "y") == axis && attr(loss, "<rect", "height") >
	    0, "a loss draws below the axis (y %g, axis %g)",
	    attr(loss, "<rect", "y"), axis);
	OK(attr(rect_of(b.s, "120.50"), "<rect", "y") +
	    attr(rect_of(b.s, "120.50"), "<rect", "height") == axis,
	    "a gain stands on it");
	oms_chart_svg(c, &again);
	STR_EQ(again.s, b.s, "the same bytes twice");
	OK(strstr(b.s, "http") == NULL && strstr(b.s, "<script") == NULL,
	    "nothing to fetch");
	oms_chart_free(c);
	oms_buf_free(&b);
	oms_buf_free(&again);
}

static void
lines(void)
{
	struct oms_chart *c = oms_chart_new(OMS_CHART_LINE, "chart-sales-EUR",
	    "Sales", NULL);
	struct oms_buf b = { 0 };

	oms_chart_sort(c);
	oms_chart_add(c, "2026-11-24", "shop", 3, NULL);
	oms_chart_add(c, "2026-11-23", "shop", 1, NULL);
	oms_chart_add(c, "2026-11-23", "amazon", 2, NULL);
	oms_chart_svg(c, &b);
	OK(count(b.s, "class=\"point\"") == 3, "a point each");
	OK(count(b.s, "<polyline") == 2, "a line a series");
	OK(count(b.s, "class=\"bar\"") == 0, "no bars");
	OK(attr(elem_of(b.s, "<text", "2026-11-23"), "<text", "x") <
	    attr(elem_of(b.s, "<text", "2026-11-24"), "<text", "x"),
	    "days left to right, in whatever order they came");
	oms_chart_free(c);
	oms_buf_free(&b);
}

static void
escaping(void)
{
	struct oms_chart *c = oms_chart_new(OMS_CHART_BAR, "chart-x\"><script>",
	    "<b>'&", NULL);
	struct oms_buf b = { 0 }, t = { 0 };

	oms_chart_add(c, "<script>alert(1)</script>", "\"a\" & 'b'", 1, "1<");
	oms_chart_add(c, "x", "y", 2, NULL);
	oms_chart_svg(c, &b);
	OK(strstr(b.s, "<script") == NULL && strstr(b.s, "<b>") == NULL,
	    "no markup from names");
	OK(strstr(b.s, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL,
	    "a category escaped");
	OK(strstr(b.s, "&quot;a&quot; &amp; &#39;b&#39;") != NULL,
	    "a series escaped");
	OK(strstr(b.s, "id=\"chart-x&quot;&gt;&lt;script&gt;\"") != NULL,
	    "an id escaped");
	oms_xml_text(&t, "a\x01" "b\xff");
	STR_EQ(t.s, "a\xef\xbf\xbd" "b\xc3\xbf", "control and bad UTF-8");
	oms_chart_free(c);
	oms_buf_free(&b);
	oms_buf_free(&t);
}

static void
numbers(void)
{
	const char *good[] = { "12.50", "-3", "0", "1234567.891" };
	const char *bad[] = { "", "-", "1.", ".5", "1e3", "12,50", "nan",
	    "0x10", " 1" };
	double d;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		cJSON *v = cJSON_CreateString(good[i]);

		OK(oms_chart_number(v, &d) && d == strtod(good[i], NULL),
		    "'%s' is a number", good[i]);
		cJSON_Delete(v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cJSON *v = cJSON_CreateString(bad[i]);

		OK(!oms_chart_number(v, &d), "'%s' is not", bad[i]);
		cJSON_Delete(v);
	}
	OK(!oms_chart_number(NULL, &d), "absent is not");
}

int
main(void)
{
	bars();
	lines();
	escaping();
	numbers();
	return UNIT_DONE();
}
