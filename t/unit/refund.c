/*
 * Unit tests for lib/refund.c: refunds worked out by hand, then stored,
 * listed and sent against a real database.
 *
 * Order A (USD), the figures every case below starts from:
 *
 *   line 1  A  3 x 20.00 = 60.00  discount 3.00  tax 4.30
 *   line 2  B  2 x 15.00 = 30.00  discount 0.00  tax 2.27
 *   totals  subtotal 90.00  discount 8.00  shipping 10.00  tax 7.37
 *           total 90.00 - 8.00 + 10.00 + 7.37 = 99.37
 *
 * Order discount OD = 8.00 - 3.00 = 5.00, spread by value after line
 * discounts: V1 = 57.00, V2 = 30.00, sum 87.00.
 *   line 1: 500 x 5700 / 8700 = 327 rest 5100
 *   line 2: 500 x 3000 / 8700 = 172 rest 3600
 *   one cent left, to line 1 (the larger rest): S1 = 3.28, S2 = 1.72.
 * Discount carried X1 = 3.00 + 3.28 = 6.28, X2 = 1.72; item values
 * N1 = 53.72, N2 = 28.28, W = 82.00.  Shipping tax = 7.37 - 6.57 = 0.80.
 *
 * Policy P: fee 10% by default, 2.50 a unit for size_too_small;
 * shipping refunded (and no fee) for defective and wrong_item.
 */
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

#include "oms.h"
#include "order.h"
#include "rma.h"
#include "unit.h"

static const char order_a[] =
    "{\"type\":\"order\",\"channel\":\"web\",\"external_id\":\"A-1\","
    "\"status\":\"open\",\"currency\":\"USD\","
    "\"ship_to\":{\"name\":\"T\",\"address1\":\"1 Main St\","
    "\"city\":\"Springfield\",\"postal_code\":\"12345\",\"country\":\"US\"},"
    "\"payment\":{\"status\":\"paid\"},"
    "\"lines\":[{\"sku\":\"A\",\"qty\":3,\"unit_price\":\"20.00\","
    "\"discount\":\"3.00\",\"tax\":\"4.30\"},"
    "{\"sku\":\"B\",\"qty\":2,\"unit_price\":\"15.00\",\"tax\":\"2.27\"}],"
    "\"totals\":{\"subtotal\":\"90.00\",\"shipping\":\"10.00\","
    "\"discount\":\"8.00\",\"tax\":\"7.37\",\"total\":\"99.37\"}}";

static const char policy_p[] =
    "{\"restocking_fee\":{\"default\":{\"percent\":10},"
    "\"size_too_small\":{\"fixed\":\"2.50\"}},"
    "\"refund_shipping\":[\"defective\",\"wrong_item\"]}";

/* Refund 1: one unit of line 1, unwanted. */
static const char r1_units[] =
    "[{\"order_line\":1,\"qty\":1,\"reason\":\"unwanted\"}]";
/*
 * Unit 1 of line 1: 6000 x 1/3 = 2000, less floor(628 x 1/3) = 209:
 * item 17.91; tax floor(430/3) = 1.43; fee 10% of 17.91 = 1.791, 1.79;
 * amount 17.91 + 1.43 - 1.79 = 17.55.  Unwanted: no shipping.
 */
static const char r1_want[] =
    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{\"order_line\":1,"
    "\"sku\":\"A\",\"qty\":1,\"item\":\"17.91\",\"tax\":\"1.43\","
    "\"fee\":\"1.79\",\"amount\":\"17.55\"}],\"items\":\"17.91\","
    "\"tax\":\"1.43\",\"shipping\":\"0.00\",\"shipping_tax\":\"0.00\","
    "\"fee\":\"1.79\",\"total\":\"17.55\"}";

/* Refund 2: unit 2 of line 1, defective; unit 1 of line 2, too small. */
static const char r2_units[] =
    "[{\"order_line\":1,\"qty\":1,\"reason\":\"defective\"},"
    "{\"order_line\":2,\"qty\":1,\"reason\":\"size_too_small\"}]";
/*
 * Line 1 unit 2: 2000 less floor(628 x 2/3) - 209 = 418 - 209 = 209:
 * item 17.91; tax floor(860/3) - 143 = 143; defective: no fee; 19.34.
 * Line 2 unit 1: 1500 less floor(172/2) = 86: item 14.14; tax
 * floor(227/2) = 1.13; fee 2.50 fixed; 14.14 + 1.13 - 2.50 = 12.77.
 * Shipping (defective): w0 = 17.91 (refund 1), w1 = 17.91 + 14.14 =
 * 32.05; floor(1000 x 4996 / 8200) = 609 less floor(1000 x 1791 / 8200)
 * = 218: 3.91; its tax floor(80 x 4996 / 8200) = 48 less
 * floor(80 x 1791 / 8200) = 17: 0.31.
 * Total 32.05 + 2.56 + 3.91 + 0.31 - 2.50 = 36.33.
 */
static const char r2_want[] =
    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{\"order_line\":1,"
    "\"sku\":\"A\",\"qty\":1,\"item\":\"17.91\",\"tax\":\"1.43\","
    "\"fee\":\"0.00\",\"amount\":\"19.34\"},{\"order_line\":2,\"sku\":\"B\","
    "\"qty\":1,\"item\":\"14.14\",\"tax\":\"1.13\",\"fee\":\"2.50\","
    "\"amount\":\"12.77\"}],\"items\":\"32.05\",\"tax\":\"2.56\","
    "\"shipping\":\"3.91\",\"shipping_tax\":\"0.31\",\"fee\":\"2.50\","
    "\"total\":\"36.33\"}";

/* Refund 3: the last unit of each line, defective: it completes. */
static const char r3_units[] =
    "[{\"order_line\":2,\"qty\":1,\"reason\":\"defective\"},"
    "{\"order_line\":1,\"qty\":1,\"reason\":\"defective\"}]";
/*
 * Line 1 unit 3: 2000 less 628 - 418 = 210: item 17.90 (the last unit
 * takes the odd cent); tax 430 - 286 = 1.44; 19.34.
 * Line 2 unit 2: 1500 less 172 - 86 = 86: item 14.14; tax 227 - 113 =
 * 1.14; 15.28.
 * Every unit now refunded: line 1 items 17.91 + 17.91 + 17.90 = 53.72 =
 * N1, tax 1.43 + 1.43 + 1.44 = 4.30; line 2 items 28.28 = N2, tax 2.27.
 * Shipping: w0 + w1 = 82.00 = W: 10.00 - 6.09 = 3.91, tax 0.80 - 0.48 =
 * 0.32.  Total 32.04 + 2.58 + 3.91 + 0.32 = 38.85.
 */
static const char r3_want[] =
    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{\"order_line\":1,"
    "\"sku\":\"A\",\"qty\":1,\"item\":\"17.90\",\"tax\":\"1.44\","
    "\"fee\":\"0.00\",\"amount\":\"19.34\"},{\"order_line\":2,\"sku\":\"B\","
    "\"qty\":1,\"item\":\"14.14\",\"tax\":\"1.14\",\"fee\":\"0.00\","
    "\"amount\":\"15.28\"}],\"items\":\"32.04\",\"tax\":\"2.58\","
    "\"shipping\":\"3.91\",\"shipping_tax\":\"0.32\",\"fee\":\"0.00\","
    "\"total\":\"38.85\"}";

/*
 * Everything at once, defective: the line figures and the whole
 * shipping exactly: 82.00 + 6.57 + 10.00 + 0.80 = 99.37, the total.
 */
static const char all_units[] =
    "[{\"order_line\":1,\"qty\":3,\"reason\":\"defective\"},"
    "{\"order_line\":2,\"qty\":2,\"reason\":\"defective\"}]";
static const char all_want[] =
    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{\"order_line\":1,"
    "\"sku\":\"A\",\"qty\":3,\"item\":\"53.72\",\"tax\":\"4.30\","
    "\"fee\":\"0.00\",\"amount\":\"58.02\"},{\"order_line\":2,\"sku\":\"B\","
    "\"qty\":2,\"item\":\"28.28\",\"tax\":\"2.27\",\"fee\":\"0.00\","
    "\"amount\":\"30.55\"}],\"items\":\"82.00\",\"tax\":\"6.57\","
    "\"shipping\":\"10.00\",\"shipping_tax\":\"0.80\",\"fee\":\"0.00\","
    "\"total\":\"99.37\"}";

static cJSON *
parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);

	if (j == NULL) {
		printf("# bad JSON in the test: %s\n", s);
		exit(1);
	}
	return j;
}

/* Compute; the whole record printed, or "!" and the message. */
static char *
compute(const cJSON *order, const char *units, const char *policy,
    const cJSON *done, int *rc)
{
	cJSON *u = parse(units), *p = policy ? parse(policy) : NULL, *out;
	char *s;

	*rc = oms_refund_compute(order, u, p, done, &out);
	cJSON_Delete(u);
	cJSON_Delete(p);
	if (*rc != OMS_OK) {
		s = malloc(strlen(oms_error()) + 2);
		s[0] = '!';
		strcpy(s + 1, oms_error());
		return s;
	}
	s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	return s;
}

/* A computed refund checked whole; it is added to done when asked. */
static void
case_ok(const cJSON *order, const char *units, const char *policy,
    cJSON *done, const char *want, const char *what)
{
	int rc;
	char *got = compute(order, units, policy, done, &rc);

	OK(rc == OMS_OK, "%s: computed", what);
	STR_EQ(got, want, "%s: the whole refund", what);
	if (done != NULL && rc == OMS_OK)
		cJSON_AddItemToArray(done, parse(got));
	free(got);
}

static void
case_reject(const cJSON *order, const char *units, const char *policy,
    const cJSON *done, const char *msg, const char *what)
{
	int rc;
	char *got = compute(order, units, policy, done, &rc);

	OK(rc == OMS_REJECT && oms_errkind() == OMS_E_RECORD,
	    "%s: refused as a record", what);
	STR_EQ(got + 1, msg, "%s: the message", what);
	free(got);
}

static void
test_compute(void)
{
	cJSON *a = parse(order_a), *done = cJSON_CreateArray(), *o;
	int rc;
	char *s;

	/* Three refunds whose sum over all units is the line figures. */
	case_ok(a, r1_units, policy_p, done, r1_want, "refund 1 (unwanted)");
	case_ok(a, r2_units, policy_p, done, r2_want,
	    "refund 2 (defective, size_too_small)");
	/* Refunded already: the units of done cannot come back. */
	case_reject(a,
	    "[{\"order_line\":1,\"qty\":2,\"reason\":\"defective\"}]",
	    policy_p, done, "line 1: 2 units asked, 1 left to refund "
	    "(2 refunded already)", "over-refund of a line");
	case_ok(a, r3_units, policy_p, done, r3_want, "refund 3 (completes)");
	case_reject(a, "[{\"order_line\":2,\"qty\":1}]", policy_p, done,
	    "line 2: 1 units asked, 0 left to refund (2 refunded already)",
	    "nothing left of line 2");
	cJSON_Delete(done);

	/* All at once, and its shipping in two refunds. */
	case_ok(a, all_units, policy_p, NULL, all_want, "every unit at once");
	done = cJSON_CreateArray();
	/*
	 * Defective unit 1 of line 1: shipping floor(1000 x 1791 / 8200) =
	 * 2.18, tax floor(80 x 1791 / 8200) = 0.17: 17.91 + 1.43 + 2.18 +
	 * 0.17 = 21.69.
	 */
	case_ok(a, "[{\"order_line\":1,\"qty\":1,\"reason\":\"defective\"}]",
	    policy_p, done,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"A\",\"qty\":1,\"item\":\"17.91\","
	    "\"tax\":\"1.43\",\"fee\":\"0.00\",\"amount\":\"19.34\"}],"
	    "\"items\":\"17.91\",\"tax\":\"1.43\",\"shipping\":\"2.18\","
	    "\"shipping_tax\":\"0.17\",\"fee\":\"0.00\",\"total\":\"21.69\"}",
	    "shipping pro rata, first refund");
	/*
	 * The rest, wrong_item: items 82.00 - 17.91 = 64.09, tax 6.57 -
	 * 1.43 = 5.14, shipping 10.00 - 2.18 = 7.82 (the remainder), its
	 * tax 0.80 - 0.17 = 0.63: 77.68; 21.69 + 77.68 = 99.37.
	 */
	case_ok(a, "[{\"order_line\":2,\"qty\":2,\"reason\":\"wrong_item\"},"
	    "{\"order_line\":1,\"qty\":2,\"reason\":\"wrong_item\"}]",
	    policy_p, done,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"A\",\"qty\":2,\"item\":\"35.81\","
	    "\"tax\":\"2.87\",\"fee\":\"0.00\",\"amount\":\"38.68\"},{"
	    "\"order_line\":2,\"sku\":\"B\",\"qty\":2,\"item\":\"28.28\","
	    "\"tax\":\"2.27\",\"fee\":\"0.00\",\"amount\":\"30.55\"}],"
	    "\"items\":\"64.09\",\"tax\":\"5.14\",\"shipping\":\"7.82\","
	    "\"shipping_tax\":\"0.63\",\"fee\":\"0.00\",\"total\":\"77.68\"}",
	    "shipping pro rata, the last refund takes the remainder");
	cJSON_Delete(done);

	/* refund_shipping true: always, and no reason needed. */
	case_ok(a, "[{\"order_line\":2,\"qty\":1}]",
	    "{\"refund_shipping\":true}", NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":2,\"sku\":\"B\",\"qty\":1,\"item\":\"14.14\","
	    "\"tax\":\"1.13\",\"fee\":\"0.00\",\"amount\":\"15.27\"}],"
	    "\"items\":\"14.14\",\"tax\":\"1.13\",\"shipping\":\"1.72\","
	    "\"shipping_tax\":\"0.13\",\"fee\":\"0.00\",\"total\":\"17.12\"}",
	    "refund_shipping true (1000 x 1414 / 8200 = 1.72)");
	/* No policy: no fee, no shipping. */
	case_ok(a, "[{\"order_line\":2,\"qty\":1,\"reason\":\"defective\"}]",
	    NULL, NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":2,\"sku\":\"B\",\"qty\":1,\"item\":\"14.14\","
	    "\"tax\":\"1.13\",\"fee\":\"0.00\",\"amount\":\"15.27\"}],"
	    "\"items\":\"14.14\",\"tax\":\"1.13\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"0.00\",\"total\":\"15.27\"}",
	    "no policy");

	/* Restocking fees: percent rounded half up, fixed per unit, capped. */
	o = parse("{\"currency\":\"USD\",\"payment\":{\"status\":\"paid\"},"
	    "\"lines\":[{\"sku\":\"C\",\"qty\":4,\"unit_price\":\"17.90\"}],"
	    "\"totals\":{\"total\":\"71.60\"}}");
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"style\"}]",
	    "{\"restocking_fee\":{\"default\":{\"percent\":15}}}", NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"C\",\"qty\":1,\"item\":\"17.90\","
	    "\"tax\":\"0.00\",\"fee\":\"2.69\",\"amount\":\"15.21\"}],"
	    "\"items\":\"17.90\",\"tax\":\"0.00\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"2.69\",\"total\":\"15.21\"}",
	    "15% of 17.90 = 2.685, half up 2.69");
	case_ok(o, "[{\"order_line\":1,\"qty\":2,\"reason\":\"style\"}]",
	    "{\"restocking_fee\":{\"default\":{\"percent\":\"12.5\"}}}", NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"C\",\"qty\":2,\"item\":\"35.80\","
	    "\"tax\":\"0.00\",\"fee\":\"4.48\",\"amount\":\"31.32\"}],"
	    "\"items\":\"35.80\",\"tax\":\"0.00\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"4.48\",\"total\":\"31.32\"}",
	    "12.5% of 35.80 = 4.475, half up 4.48");
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"color\"},"
	    "{\"order_line\":1,\"qty\":2,\"reason\":\"style\"}]",
	    "{\"restocking_fee\":{\"default\":{\"percent\":10},"
	    "\"color\":{\"fixed\":\"3.00\"}}}", NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"C\",\"qty\":3,\"item\":\"53.70\","
	    "\"tax\":\"0.00\",\"fee\":\"6.58\",\"amount\":\"47.12\"}],"
	    "\"items\":\"53.70\",\"tax\":\"0.00\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"6.58\",\"total\":\"47.12\"}",
	    "by reason: color 3.00 fixed, style 10% of 35.80 = 3.58");
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"style\"}]",
	    "{\"restocking_fee\":{\"style\":{\"fixed\":\"30.00\"}}}", NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"C\",\"qty\":1,\"item\":\"17.90\","
	    "\"tax\":\"0.00\",\"fee\":\"17.90\",\"amount\":\"0.00\"}],"
	    "\"items\":\"17.90\",\"tax\":\"0.00\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"17.90\",\"total\":\"0.00\"}",
	    "a fee never exceeds the item");
	case_reject(o, "[{\"order_line\":1,\"qty\":1}]",
	    "{\"restocking_fee\":{\"default\":{\"percent\":150}}}", NULL,
	    "policy.restocking_fee.default.percent must be a number from 0 "
	    "to 100", "a percent past 100");
	case_reject(o, "[{\"order_line\":1,\"qty\":1}]",
	    "{\"restocking_fee\":{\"default\":{\"fixed\":3}}}", NULL,
	    "policy.restocking_fee.fixed is not an amount",
	    "a fixed fee that is not an amount string");
	case_reject(o, "[{\"order_line\":1,\"qty\":1}]",
	    "{\"restocking_fee\":{\"default\":{\"percent\":5,"
	    "\"fixed\":\"1.00\"}}}", NULL,
	    "policy.restocking_fee.default must be {\"percent\": N} or "
	    "{\"fixed\": \"AMOUNT\"}", "percent and fixed together");
	case_reject(o, "[{\"order_line\":1,\"qty\":1}]",
	    "{\"refund_shipping\":\"yes\"}", NULL,
	    "policy.refund_shipping must be true, false or a list of "
	    "reasons", "refund_shipping of a bad kind");
	/* Bad units. */
	case_reject(o, "[{\"order_line\":2,\"qty\":1}]", NULL, NULL,
	    "unit 1: order_line must be a line of the order, 1 to 1",
	    "no such order line");
	case_reject(o, "[{\"order_line\":1,\"qty\":0}]", NULL, NULL,
	    "unit 1: qty must be a whole number from 1 to 1000000",
	    "a quantity of 0");
	case_reject(o, "[{\"order_line\":1,\"qty\":1.5}]", NULL, NULL,
	    "unit 1: qty must be a whole number from 1 to 1000000",
	    "a quantity not whole");
	case_reject(o, "[]", NULL, NULL, "no units to refund", "no units");
	case_reject(o, "[{\"order_line\":1,\"qty\":1,\"reason\":7}]", NULL,
	    NULL, "unit 1: reason must be a reason code", "a reason not text");
	case_reject(o, "[{\"order_line\":1,\"qty\":3},{\"order_line\":1,"
	    "\"qty\":2}]", NULL, NULL, "line 1: 5 units asked, 4 left to "
	    "refund (0 refunded already)", "units of one line added up");
	cJSON_Delete(o);

	/* Never more than was paid: the channel refunded 95.00 itself. */
	o = parse(order_a);
	cJSON_AddStringToObject(cJSON_GetObjectItem(o, "totals"), "refunded",
	    "95.00");
	case_ok(o, all_units, policy_p, NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"A\",\"qty\":3,\"item\":\"53.72\","
	    "\"tax\":\"4.30\",\"fee\":\"0.00\",\"amount\":\"58.02\"},{"
	    "\"order_line\":2,\"sku\":\"B\",\"qty\":2,\"item\":\"28.28\","
	    "\"tax\":\"2.27\",\"fee\":\"0.00\",\"amount\":\"30.55\"}],"
	    "\"items\":\"82.00\",\"tax\":\"6.57\",\"shipping\":\"10.00\","
	    "\"shipping_tax\":\"0.80\",\"fee\":\"0.00\",\"withheld\":\"95.00\","
	    "\"total\":\"4.37\",\"notes\":[\"95.00 withheld: 99.37 paid, "
	    "95.00 refunded already, 4.37 left to refund\"]}",
	    "cut to what is left of the total");
	/*
	 * A refund sent (17.55) that the channel counts in its refunded
	 * (17.55) is counted once: 99.37 - 17.55 = 81.82 left; a pending
	 * one (10.00) on top: 71.82 left.
	 */
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(o, "totals"),
	    "refunded", cJSON_CreateString("17.55"));
	done = parse("[{\"type\":\"refund\",\"state\":\"sent\","
	    "\"total\":\"17.55\",\"lines\":[]},{\"type\":\"refund\","
	    "\"state\":\"pending\",\"total\":\"10.00\",\"lines\":[]}]");
	s = compute(o, all_units, policy_p, done, &rc);
	{
		cJSON *r = parse(s);

		STR_EQ(oms_json_str(r, "total"), "71.82",
		    "refunds sent and the channel's refunded are one money");
		STR_EQ(oms_json_str(r, "withheld"), "27.55", "27.55 withheld");
		cJSON_Delete(r);
	}
	free(s);
	/* The channel's export not yet counting the sent one: the same. */
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "totals"),
	    "refunded");
	s = compute(o, all_units, policy_p, done, &rc);
	OK(rc == OMS_OK && strstr(s, "\"withheld\":\"27.55\","
	    "\"total\":\"71.82\"") != NULL, "a refund sent is counted when "
	    "the channel does not count it yet");
	free(s);
	cJSON_Delete(done);
	cJSON_Delete(o);

	/* Unpaid: nothing to refund. */
	o = parse(order_a);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(o, "payment"), "status",
	    cJSON_CreateString("pending"));
	case_ok(o, "[{\"order_line\":2,\"qty\":1,\"reason\":\"defective\"}]",
	    policy_p, NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":2,\"sku\":\"B\",\"qty\":1,\"item\":\"0.00\","
	    "\"tax\":\"0.00\",\"fee\":\"0.00\",\"amount\":\"0.00\"}],"
	    "\"items\":\"0.00\",\"tax\":\"0.00\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"0.00\",\"total\":\"0.00\","
	    "\"notes\":[\"the order is not paid (payment status pending): "
	    "nothing to refund\"]}", "an unpaid order refunds 0");
	cJSON_DeleteItemFromObject(o, "payment");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "totals"), "total");
	s = compute(o, "[{\"order_line\":2,\"qty\":1}]", NULL, NULL, &rc);
	OK(rc == OMS_OK && strstr(s, "\"total\":\"0.00\",\"notes\":[\"the "
	    "order has no total: nothing to refund\"]") != NULL,
	    "an order with no total refunds 0, with a note");
	free(s);
	cJSON_Delete(o);

	/*
	 * JPY, no minor unit: 3 x 2990 less 100; shipping 600.
	 * X = 100: unit 1 carries floor(100/3) = 33, item 2957; W = 8870;
	 * shipping floor(600 x 2957 / 8870) = 200; total 3157.  Units 2
	 * and 3: 5980 less 67 = 5913; shipping 600 - 200 = 400; 6313.
	 * 3157 + 6313 = 9470 = 8970 - 100 + 600, the total.
	 */
	o = parse("{\"currency\":\"JPY\",\"lines\":[{\"sku\":\"MUG\","
	    "\"qty\":3,\"unit_price\":\"2990\",\"discount\":\"100\"}],"
	    "\"totals\":{\"subtotal\":\"8970\",\"discount\":\"100\","
	    "\"shipping\":\"600\",\"tax\":\"0\",\"total\":\"9470\"}}");
	done = cJSON_CreateArray();
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"defective\"}]",
	    policy_p, done,
	    "{\"type\":\"refund\",\"currency\":\"JPY\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"MUG\",\"qty\":1,\"item\":\"2957\","
	    "\"tax\":\"0\",\"fee\":\"0\",\"amount\":\"2957\"}],"
	    "\"items\":\"2957\",\"tax\":\"0\",\"shipping\":\"200\","
	    "\"shipping_tax\":\"0\",\"fee\":\"0\",\"total\":\"3157\"}",
	    "JPY, first unit");
	case_ok(o, "[{\"order_line\":1,\"qty\":2,\"reason\":\"defective\"}]",
	    policy_p, done,
	    "{\"type\":\"refund\",\"currency\":\"JPY\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"MUG\",\"qty\":2,\"item\":\"5913\","
	    "\"tax\":\"0\",\"fee\":\"0\",\"amount\":\"5913\"}],"
	    "\"items\":\"5913\",\"tax\":\"0\",\"shipping\":\"400\","
	    "\"shipping_tax\":\"0\",\"fee\":\"0\",\"total\":\"6313\"}",
	    "JPY, the rest");
	/* 10% of 2957 = 295.7, half up 296. */
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"style\"}]",
	    policy_p, NULL,
	    "{\"type\":\"refund\",\"currency\":\"JPY\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"MUG\",\"qty\":1,\"item\":\"2957\","
	    "\"tax\":\"0\",\"fee\":\"296\",\"amount\":\"2661\"}],"
	    "\"items\":\"2957\",\"tax\":\"0\",\"shipping\":\"0\","
	    "\"shipping_tax\":\"0\",\"fee\":\"296\",\"total\":\"2661\"}",
	    "JPY fee rounds to the yen");
	cJSON_Delete(done);
	cJSON_Delete(o);

	/*
	 * EUR with tax in the prices: 2 x 11.90 (1.90 VAT each), shipping
	 * 4.90 (0.78 VAT in it); total 28.70.  One defective unit: item
	 * 11.90 with 1.90 tax reported, not added; shipping 4.90 x 1/2 =
	 * 2.45, no shipping tax apart; 11.90 + 2.45 = 14.35.
	 */
	o = parse("{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"VASE\","
	    "\"qty\":2,\"unit_price\":\"11.90\",\"tax\":\"3.80\"}],"
	    "\"totals\":{\"subtotal\":\"23.80\",\"shipping\":\"4.90\","
	    "\"tax\":\"4.58\",\"tax_included\":true,\"total\":\"28.70\"}}");
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"defective\"}]",
	    policy_p, NULL,
	    "{\"type\":\"refund\",\"currency\":\"EUR\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"VASE\",\"qty\":1,\"item\":\"11.90\","
	    "\"tax\":\"1.90\",\"fee\":\"0.00\",\"amount\":\"11.90\"}],"
	    "\"items\":\"11.90\",\"tax\":\"1.90\",\"tax_included\":true,"
	    "\"shipping\":\"2.45\",\"shipping_tax\":\"0.00\",\"fee\":\"0.00\","
	    "\"total\":\"14.35\"}", "EUR, tax included");
	cJSON_Delete(o);

	/*
	 * The order's tax alone (Shopify's export), lines 2 x 18.00 and
	 * 1 x 28.00, shipping 7.50, tax 5.92: spread by 36.00, 28.00 and
	 * 7.50 (71.50): 592 x 3600 / 7150 = 298 rest 500, 592 x 2800 / 7150
	 * = 231 rest 5950, 592 x 750 / 7150 = 62 rest 700; the cent left to
	 * line 2: taxes 2.98, 2.32, shipping 0.62.  One defective unit of
	 * line 1: tax 1.49, shipping floor(750 x 1800 / 6400) = 2.10, its
	 * tax floor(62 x 1800 / 6400) = 0.17: 21.76.  The rest: 46.00 +
	 * 1.49 + 2.32 + 5.40 + 0.45 = 55.66; 21.76 + 55.66 = 77.42.
	 */
	o = parse("{\"currency\":\"USD\",\"lines\":[{\"sku\":\"CANDLE\","
	    "\"qty\":2,\"unit_price\":\"18.00\",\"tax\":null},{\"sku\":"
	    "\"MUG\",\"qty\":1,\"unit_price\":\"28.00\"}],\"totals\":{"
	    "\"subtotal\":\"64.00\",\"shipping\":\"7.50\",\"tax\":\"5.92\","
	    "\"total\":\"77.42\"}}");
	done = cJSON_CreateArray();
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"defective\"}]",
	    policy_p, done,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"CANDLE\",\"qty\":1,\"item\":\"18.00\","
	    "\"tax\":\"1.49\",\"fee\":\"0.00\",\"amount\":\"19.49\"}],"
	    "\"items\":\"18.00\",\"tax\":\"1.49\",\"shipping\":\"2.10\","
	    "\"shipping_tax\":\"0.17\",\"fee\":\"0.00\",\"total\":\"21.76\"}",
	    "the order's tax alone, spread: one unit");
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"defective\"},"
	    "{\"order_line\":2,\"qty\":1,\"reason\":\"defective\"}]",
	    policy_p, done,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"CANDLE\",\"qty\":1,\"item\":\"18.00\","
	    "\"tax\":\"1.49\",\"fee\":\"0.00\",\"amount\":\"19.49\"},{"
	    "\"order_line\":2,\"sku\":\"MUG\",\"qty\":1,\"item\":\"28.00\","
	    "\"tax\":\"2.32\",\"fee\":\"0.00\",\"amount\":\"30.32\"}],"
	    "\"items\":\"46.00\",\"tax\":\"3.81\",\"shipping\":\"5.40\","
	    "\"shipping_tax\":\"0.45\",\"fee\":\"0.00\",\"total\":\"55.66\"}",
	    "the order's tax alone, spread: the rest comes to the total");
	cJSON_Delete(done);
	cJSON_Delete(o);

	/*
	 * Equal remainders: 0.01 of order discount over two lines of 10.00
	 * goes to the lower line number.
	 */
	o = parse("{\"currency\":\"USD\",\"lines\":[{\"qty\":1,"
	    "\"unit_price\":\"10.00\"},{\"qty\":1,\"unit_price\":\"10.00\"}],"
	    "\"totals\":{\"discount\":\"0.01\",\"total\":\"19.99\"}}");
	case_ok(o, "[{\"order_line\":2,\"qty\":1},{\"order_line\":1,"
	    "\"qty\":1}]", NULL, NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"qty\":1,\"item\":\"9.99\",\"tax\":\"0.00\","
	    "\"fee\":\"0.00\",\"amount\":\"9.99\"},{\"order_line\":2,"
	    "\"qty\":1,\"item\":\"10.00\",\"tax\":\"0.00\",\"fee\":\"0.00\","
	    "\"amount\":\"10.00\"}],\"items\":\"19.99\",\"tax\":\"0.00\","
	    "\"shipping\":\"0.00\",\"shipping_tax\":\"0.00\",\"fee\":\"0.00\","
	    "\"total\":\"19.99\"}", "a tie goes to the lower line");
	cJSON_Delete(o);

	/*
	 * Items worth nothing (a free sample): shipping goes by units, 5.00
	 * x 1/2 = 2.50.
	 */
	o = parse("{\"currency\":\"USD\",\"lines\":[{\"sku\":\"S\","
	    "\"qty\":2,\"unit_price\":\"0.00\"}],\"totals\":{"
	    "\"shipping\":\"5.00\",\"total\":\"5.00\"}}");
	case_ok(o, "[{\"order_line\":1,\"qty\":1,\"reason\":\"defective\"}]",
	    policy_p, NULL,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"S\",\"qty\":1,\"item\":\"0.00\","
	    "\"tax\":\"0.00\",\"fee\":\"0.00\",\"amount\":\"0.00\"}],"
	    "\"items\":\"0.00\",\"tax\":\"0.00\",\"shipping\":\"2.50\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"0.00\",\"total\":\"2.50\"}",
	    "free items: shipping by units");
	cJSON_Delete(o);

	/*
	 * A line the channel gave as a total (Amazon): 3 units for 10.00
	 * carry 3.33, 3.33 and 3.34, whatever the unit price says.
	 */
	o = parse("{\"currency\":\"USD\",\"lines\":[{\"sku\":\"T\","
	    "\"qty\":3,\"unit_price\":\"3.33\",\"total\":\"10.00\"}],"
	    "\"totals\":{\"total\":\"10.00\"}}");
	done = cJSON_CreateArray();
	case_ok(o, "[{\"order_line\":1,\"qty\":2}]", NULL, done,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"T\",\"qty\":2,\"item\":\"6.66\","
	    "\"tax\":\"0.00\",\"fee\":\"0.00\",\"amount\":\"6.66\"}],"
	    "\"items\":\"6.66\",\"tax\":\"0.00\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"0.00\",\"total\":\"6.66\"}",
	    "a line total: the first two units");
	case_ok(o, "[{\"order_line\":1,\"qty\":1}]", NULL, done,
	    "{\"type\":\"refund\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"T\",\"qty\":1,\"item\":\"3.34\","
	    "\"tax\":\"0.00\",\"fee\":\"0.00\",\"amount\":\"3.34\"}],"
	    "\"items\":\"3.34\",\"tax\":\"0.00\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"0.00\",\"total\":\"3.34\"}",
	    "a line total: the last unit takes the odd cent");
	cJSON_Delete(done);
	cJSON_Delete(o);

	/* Orders that cannot be refunded from. */
	o = parse("{\"currency\":\"USD\",\"lines\":[{\"qty\":1,"
	    "\"unit_price\":\"5.00\",\"discount\":\"6.00\"}],"
	    "\"totals\":{\"total\":\"0.00\"}}");
	case_reject(o, "[{\"order_line\":1,\"qty\":1}]", NULL, NULL,
	    "line 1: its discount is more than its value",
	    "a discount larger than the line");
	cJSON_Delete(o);
	o = parse("{\"lines\":[{\"qty\":1,\"unit_price\":\"5.00\"}]}");
	case_reject(o, "[{\"order_line\":1,\"qty\":1}]", NULL, NULL,
	    "the order has no currency", "no currency");
	cJSON_Delete(o);
	cJSON_Delete(a);
}

static int
collect(void *arg, const cJSON *rec)
{
	struct oms_buf *b = arg;
	char *s = cJSON_PrintUnformatted(rec);

	oms_buf_adds(b, s);
	oms_buf_addc(b, '\n');
	free(s);
	return OMS_OK;
}

static int
stop_after_one(void *arg, const cJSON *rec)
{
	(*(int *)arg)++;
	return OMS_REJECT;
}

/* Store refund (JSON text); the record printed, or "!" and the message. */
static char *
store(oms_db *db, int64_t order, int64_t ret, const char *key,
    const char *source, const char *refund, int *rc)
{
	cJSON *r = parse(refund), *out = NULL;
	char *s;

	*rc = oms_refund_store(db, order, ret, key, source, r, &out);
	cJSON_Delete(r);
	if (*rc != OMS_OK) {
		s = malloc(strlen(oms_error()) + 2);
		s[0] = '!';
		strcpy(s + 1, oms_error());
		return s;
	}
	s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	return s;
}

static int64_t
count(oms_db *db, const char *sql)
{
	oms_stmt *st = oms_db_stmt(db, sql);
	int64_t n = -1;

	if (st != NULL && oms_step(st) == OMS_ROW)
		n = oms_col_int64(st, 0);
	oms_reset(st);
	return n;
}

/*
 * Two processes store the same units of one order at once, under keys
 * of their own: the second to get the write lock sees the first's
 * refund and is refused.  Each is this program again (run as "refund
 * race DB FD N"), waiting on a pipe to start with the other.  Its exit
 * status: 0 stored, 1 refused, 2 anything else.
 */
static const char *self;	/* this program, as run */

static int
race_child(const char *path, int go, int n)
{
	cJSON *r = parse("{\"type\":\"refund\",\"currency\":\"USD\","
	    "\"lines\":[{\"order_line\":1,\"qty\":3,\"amount\":\"58.02\","
	    "\"tax\":\"4.30\"}],\"total\":\"58.02\"}"), *out = NULL;
	oms_db *db;
	char key[32], c;
	int rc = OMS_ERR;

	snprintf(key, sizeof key, "race-%d", n);
	if (oms_db_open(path, 0, &db) == OMS_OK) {
		if (read(go, &c, 1) == 1)
			rc = oms_refund_store(db, 3, 0, key, "oms", r, &out);
		oms_db_close(db);
	}
	cJSON_Delete(r);
	cJSON_Delete(out);
	return rc == OMS_OK ? 0 : rc == OMS_REJECT ? 1 : 2;
}

static void
test_race(const char *path)
{
	int fd[2], st, got[3] = { 0 };
	char fds[16], ns[16];
	pid_t pid[2];

	if (pipe(fd) != 0)
		exit(1);
	snprintf(fds, sizeof fds, "%d", fd[0]);
	for (int i = 0; i < 2; i++) {
		char *argv[] = { "refund", "race", (char *)path, fds, ns,
		    NULL };

		snprintf(ns, sizeof ns, "%d", i);
		if ((pid[i] = fork()) == 0) {
			close(fd[1]);
			execv(self, argv);
			_exit(2);
		}
	}
	close(fd[0]);
	/* Both wait on the pipe: let them go together. */
	if (write(fd[1], "gg", 2) != 2)
		exit(1);
	close(fd[1]);
	for (int i = 0; i < 2; i++) {
		if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) > 2)
			got[2]++;
		else
			got[WEXITSTATUS(st)]++;
	}
	OK(got[0] == 1 && got[1] == 1 && got[2] == 0, "two processes refund "
	    "the same units at once: one stored, one refused (%d, %d, %d)",
	    got[0], got[1], got[2]);
}

static void
test_store(void)
{
	char dir[] = "/tmp/oms-unit-refund-XXXXXX", path[64];
	struct oms_store_in in = { .source = "oms" };
	struct oms_store res;
	struct oms_buf b = { 0 };
	oms_db *db;
	cJSON *o, *rec, *u, *p, *r1 = NULL, *rest = NULL, *done, *out;
	char *s, *t;
	int rc, n;
	int64_t id, id2;

	setenv("OMS_NOW", "2026-12-01T10:00:00Z", 1);
	if (mkdtemp(dir) == NULL)
		exit(1);
	snprintf(path, sizeof path, "%s/r.db", dir);
	OK(oms_db_open(path, OMS_DB_CREATE, &db) == OMS_OK, "open a database");
	o = parse(order_a);
	OK(oms_order_normalize(o, 0) == OMS_OK && oms_db_begin(db) == OMS_OK &&
	    oms_order_store(db, o, &in, &res) == OMS_OK &&
	    oms_db_commit(db) == OMS_OK && res.id == 1, "store order A");
	cJSON_Delete(o);
	rec = oms_order_record(db, 1);
	OK(rec != NULL, "order A read back");

	/* Refund 1 from the stored order, stored under a key. */
	u = parse(r1_units);
	p = parse(policy_p);
	OK(oms_refund_compute(rec, u, p, NULL, &r1) == OMS_OK,
	    "refund 1 computed from the stored order");
	cJSON_Delete(u);
	s = cJSON_PrintUnformatted(r1);
	STR_EQ(s, r1_want, "the stored order gives the same refund");
	t = store(db, 1, 0, "ret-1", "oms", s, &rc);
	STR_EQ(t, "{\"type\":\"refund\",\"id\":\"f_1\",\"order\":\"o_1\","
	    "\"key\":\"ret-1\",\"source\":\"oms\",\"state\":\"pending\","
	    "\"at\":\"2026-12-01T10:00:00Z\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"A\",\"qty\":1,\"item\":\"17.91\","
	    "\"tax\":\"1.43\",\"fee\":\"1.79\",\"amount\":\"17.55\"}],"
	    "\"items\":\"17.91\",\"tax\":\"1.43\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"1.79\",\"total\":\"17.55\"}",
	    "stored as f_1, pending");
	free(t);
	OK(count(db, "SELECT count(*) FROM refund_lines WHERE refund_id = 1 "
	    "AND order_line = 1 AND qty = 1 AND amount = 1755 AND tax = 143")
	    == 1, "its line in refund_lines, in cents");
	OK(count(db, "SELECT count(*) FROM refunds WHERE id = 1 AND items = "
	    "1791 AND tax = 143 AND shipping = 0 AND fee = 179 AND total = "
	    "1755") == 1, "its sums in refunds, in cents");
	OK(count(db, "SELECT count(*) FROM events WHERE order_id = 1 AND "
	    "action = 'refund' AND after = '{\"refund\":\"f_1\",\"total\":"
	    "\"17.55\",\"currency\":\"USD\",\"state\":\"pending\"}'") == 1,
	    "an event says so");

	/* The same key again: the stored record, duplicate. */
	t = store(db, 1, 0, "ret-1", "oms", s, &rc);
	OK(rc == OMS_OK && strstr(t, "\"id\":\"f_1\"") != NULL &&
	    strstr(t, "\"total\":\"17.55\",\"duplicate\":true}") != NULL,
	    "the same refund under the same key: f_1, duplicate");
	free(t);
	OK(count(db, "SELECT count(*) FROM refunds") == 1 &&
	    count(db, "SELECT count(*) FROM events WHERE action = 'refund'") ==
	    1, "and nothing written twice");
	free(s);

	/* A different refund under the same key is refused. */
	t = store(db, 1, 0, "ret-1", "oms", r2_want, &rc);
	OK(rc == OMS_REJECT, "a different refund under the key: refused");
	STR_EQ(t + 1, "key 'ret-1' is refund f_1 of order o_1, which is not "
	    "this one", "saying which refund holds the key");
	free(t);
	t = store(db, 1, 0, "ret-1", "channel", r1_want, &rc);
	OK(rc == OMS_REJECT, "the same money from another source: refused");
	free(t);

	/*
	 * Two processes work out the rest of the order from the same
	 * refunds done: the first is stored, the second refused.
	 */
	done = cJSON_CreateArray();
	cJSON_AddItemToArray(done, cJSON_Duplicate(r1, 1));
	u = parse("[{\"order_line\":1,\"qty\":2,\"reason\":\"defective\"},"
	    "{\"order_line\":2,\"qty\":2,\"reason\":\"defective\"}]");
	OK(oms_refund_compute(rec, u, p, done, &rest) == OMS_OK,
	    "the rest computed");
	cJSON_Delete(u);
	s = cJSON_PrintUnformatted(rest);
	t = store(db, 1, 0, "ret-2", "oms", s, &rc);
	OK(rc == OMS_OK && strstr(t, "\"id\":\"f_2\"") != NULL,
	    "stored as f_2");
	free(t);
	t = store(db, 1, 0, "ret-2b", "oms", s, &rc);
	OK(rc == OMS_REJECT, "the same units under another key: refused");
	STR_EQ(t + 1, "line 1: 2 units asked, 0 left to refund (3 refunded "
	    "already)", "at store time, naming the line");
	free(t);
	free(s);
	/*
	 * Money past the total, with no line: refused too.  f_1 17.55 and
	 * f_2 the rest: 53.72 - 17.91 + 28.28 = 64.09, tax 6.57 - 1.43 =
	 * 5.14, shipping 10.00 - 2.18 = 7.82 and its tax 0.80 - 0.17 = 0.63,
	 * 77.68; 95.23 in all, 4.14 left of 99.37.
	 */
	t = store(db, 1, 0, "ret-3", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"lines\":[],\"total\":\"4.15\"}", &rc);
	OK(rc == OMS_REJECT, "a cent past the total: refused");
	STR_EQ(t + 1, "a refund of 4.15 would take the order's refunds to "
	    "99.38, more than the 99.37 paid", "saying what was paid");
	free(t);
	t = store(db, 1, 0, "ret-0", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"lines\":[],\"total\":\"0.00\"}", &rc);
	OK(rc == OMS_OK && strstr(t, "\"id\":\"f_3\"") != NULL,
	    "a refund of nothing is no over-refund");
	free(t);
	OK(count(db, "SELECT count(*) FROM refunds") == 3,
	    "three refunds stored");
	/* In the caller's transaction: undone with it. */
	OK(oms_db_begin(db) == OMS_OK, "a transaction of the caller's");
	t = store(db, 1, 0, "ret-4", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"lines\":[],\"total\":\"1.00\"}", &rc);
	OK(rc == OMS_OK && oms_db_in_tx(db), "stored in it, still open");
	free(t);
	oms_db_rollback(db);
	OK(count(db, "SELECT count(*) FROM refunds") == 3 &&
	    count(db, "SELECT count(*) FROM events WHERE action = 'refund'") ==
	    3, "rolled back with it, event and all");

	/* Refused: bad input, another currency, no such return or order. */
	t = store(db, 1, 0, "x", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"EUR\",\"lines\":[],\"total\":\"0.00\"}", &rc);
	STR_EQ(t, "!the refund is in EUR, the order in USD",
	    "another currency");
	free(t);
	t = store(db, 1, 9, "x", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"lines\":[],\"total\":\"0.00\"}", &rc);
	STR_EQ(t, "!no return r_9", "no such return");
	free(t);
	t = store(db, 7, 0, "x", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"lines\":[],\"total\":\"0.00\"}", &rc);
	STR_EQ(t, "!no order o_7", "no such order");
	free(t);
	t = store(db, 1, 0, "", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"total\":\"0.00\"}", &rc);
	STR_EQ(t, "!a refund needs a key of 1 to 512 characters with no "
	    "control character", "an empty key");
	free(t);
	t = store(db, 1, 0, "x", "Shop Now", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"total\":\"0.00\"}", &rc);
	STR_EQ(t, "!a refund's source must be a name (a-z, 0-9, '-', '_')",
	    "a source that is not a name");
	free(t);
	t = store(db, 1, 0, "x", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"total\":\"-1.00\"}", &rc);
	STR_EQ(t, "!refund total -1.00 is less than 0", "a negative total");
	free(t);
	t = store(db, 1, 0, "x", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"lines\":[{\"order_line\":1,\"qty\":1,"
	    "\"amount\":\"1.00\"},{\"order_line\":1,\"qty\":1,"
	    "\"amount\":\"1.00\"}],\"total\":\"0.00\"}", &rc);
	STR_EQ(t, "!refund line 2: order line 1 twice", "a line twice");
	free(t);
	t = store(db, 1, 0, "x", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"lines\":[{\"order_line\":3,\"qty\":1,"
	    "\"amount\":\"1.00\"}],\"total\":\"0.00\"}", &rc);
	STR_EQ(t, "!line 3: the order has no such line", "no such order line");
	free(t);
	t = store(db, 1, 0, "x", "oms", "{\"type\":\"order\"}", &rc);
	STR_EQ(t, "!a order record is not a refund", "not a refund");
	free(t);
	OK(count(db, "SELECT count(*) FROM refunds") == 3 &&
	    count(db, "SELECT count(*) FROM refund_lines") == 3,
	    "nothing refused was written");

	/* A refund the channel made itself: stored sent. */
	o = parse(order_a);
	cJSON_ReplaceItemInObject(o, "external_id", cJSON_CreateString("A-2"));
	cJSON_AddStringToObject(cJSON_GetObjectItem(o, "totals"), "refunded",
	    "17.55");
	OK(oms_order_normalize(o, 0) == OMS_OK && oms_db_begin(db) == OMS_OK &&
	    oms_order_store(db, o, &in, &res) == OMS_OK &&
	    oms_db_commit(db) == OMS_OK && res.id == 2,
	    "order A again as o_2, the channel having refunded 17.55");
	cJSON_Delete(o);
	t = store(db, 2, 0, "shopify-refund-1", "channel", r1_want, &rc);
	OK(rc == OMS_OK && strstr(t, "\"id\":\"f_4\",\"order\":\"o_2\","
	    "\"key\":\"shopify-refund-1\",\"source\":\"channel\","
	    "\"state\":\"sent\",\"at\":\"2026-12-01T10:00:00Z\","
	    "\"sent_at\":\"2026-12-01T10:00:00Z\"") != NULL,
	    "the channel's refund is stored sent");
	free(t);
	/*
	 * Sent 17.55 and the channel's refunded 17.55 are one money:
	 * 81.82 left, and a cent more is refused.
	 */
	t = store(db, 2, 0, "o2-b", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"total\":\"81.83\"}", &rc);
	STR_EQ(t, "!a refund of 81.83 would take the order's refunds to "
	    "99.38, more than the 99.37 paid", "81.83 refused");
	free(t);
	t = store(db, 2, 0, "o2-b", "oms", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"total\":\"81.82\"}", &rc);
	OK(rc == OMS_OK, "81.82 stored: the channel's count and ours are "
	    "counted once");
	free(t);

	/* Listed in id order, by order and by state. */
	OK(oms_refund_list(db, 0, NULL, collect, &b) == OMS_OK, "list all");
	n = 0;
	for (char *q = b.s; q != NULL && (q = strstr(q, "\"id\":\"f_")) !=
	    NULL; q++)
		n = n * 10 + (q[8] - '0');
	OK(n == 12345, "f_1 to f_5 in id order (%d)", n);
	oms_buf_reset(&b);
	OK(oms_refund_list(db, 2, NULL, collect, &b) == OMS_OK &&
	    strstr(b.s, "\"id\":\"f_4\"") != NULL && strstr(b.s,
	    "\"id\":\"f_5\"") != NULL && strstr(b.s, "\"o_1\"") == NULL,
	    "the refunds of o_2 alone");
	oms_buf_reset(&b);
	OK(oms_refund_list(db, 0, "sent", collect, &b) == OMS_OK &&
	    b.s != NULL &&
	    strncmp(b.s, "{\"type\":\"refund\",\"id\":\"f_4\",", 28) == 0 &&
	    strchr(b.s, '\n') == b.s + b.len - 1, "the sent ones: f_4");
	oms_buf_reset(&b);
	n = 0;
	OK(oms_refund_list(db, 0, NULL, stop_after_one, &n) == OMS_REJECT &&
	    n == 1, "a callback's failure stops the list and is returned");
	rc = oms_refund_list(db, 0, "paid", collect, &b);
	OK(rc == OMS_REJECT, "an unknown state is refused");
	STR_EQ(oms_error(), "refund state 'paid' is not pending or sent",
	    "saying so");

	/* More than a page of refunds: each once, in id order. */
	for (int i = 0; i < 70; i++) {
		char k[32];

		snprintf(k, sizeof k, "page-%d", i);
		t = store(db, 2, 0, k, "oms", "{\"type\":\"refund\","
		    "\"currency\":\"USD\",\"total\":\"0.00\"}", &rc);
		free(t);
		if (rc != OMS_OK)
			break;
	}
	OK(rc == OMS_OK, "70 refunds more stored");
	oms_buf_reset(&b);
	OK(oms_refund_list(db, 2, NULL, collect, &b) == OMS_OK, "listed");
	{
		int lines = 0, inorder = 1;
		long prev = 0;

		for (char *q = b.s; q != NULL && (q = strstr(q,
		    "\"id\":\"f_")) != NULL; q++) {
			long f = strtol(q + 8, NULL, 10);

			inorder = inorder && f > prev;
			prev = f;
			lines++;
		}
		OK(lines == 72 && inorder && prev == 75, "all 72 of o_2 over "
		    "two pages, in id order (%d, last f_%ld)", lines, prev);
	}
	oms_buf_reset(&b);

	/* A third order for two processes to race over. */
	o = parse(order_a);
	cJSON_ReplaceItemInObject(o, "external_id", cJSON_CreateString("A-3"));
	OK(oms_order_normalize(o, 0) == OMS_OK && oms_db_begin(db) == OMS_OK &&
	    oms_order_store(db, o, &in, &res) == OMS_OK &&
	    oms_db_commit(db) == OMS_OK && res.id == 3, "order A again as o_3");
	cJSON_Delete(o);
	test_race(path);
	OK(count(db, "SELECT count(*) FROM refunds WHERE order_id = 3") == 1 &&
	    count(db, "SELECT sum(qty) FROM refund_lines l JOIN refunds r ON "
	    "r.id = l.refund_id WHERE r.order_id = 3") == 3,
	    "o_3 has its three units of line 1 refunded once");

	/* A refund of a return names it; a return of another order: no. */
	OK(oms_db_exec(db, "INSERT INTO returns (order_id, key, state, "
	    "policy, requested_at, updated_at, record) VALUES (1, 'rk', "
	    "'received', '{}', '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z', "
	    "'{}')") == OMS_OK, "a return r_1 of o_1");
	t = store(db, 2, 1, "ret-r", "return", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"total\":\"0.00\"}", &rc);
	STR_EQ(t, "!return r_1 is of order o_1, not o_2",
	    "the return of another order");
	free(t);
	t = store(db, 1, 1, "ret-r", "return", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"total\":\"0.00\"}", &rc);
	OK(rc == OMS_OK && strstr(t, "\"order\":\"o_1\",\"return\":\"r_1\","
	    "\"key\":\"ret-r\",\"source\":\"return\"") != NULL,
	    "the refund names its return");
	free(t);
	t = store(db, 1, 0, "ret-r", "return", "{\"type\":\"refund\","
	    "\"currency\":\"USD\",\"total\":\"0.00\"}", &rc);
	OK(rc == OMS_REJECT, "the same key without the return: refused");
	free(t);

	/* Sent: pending -> sent once, again the same. */
	setenv("OMS_NOW", "2026-12-02T09:30:00Z", 1);
	OK(oms_refund_find(db, "f_1", &id) == OMS_OK && id == 1 &&
	    oms_refund_find(db, "2", &id2) == OMS_OK && id2 == 2,
	    "refunds found as f_1 and 2");
	OK(oms_refund_find(db, "f_99", &id2) == OMS_REJECT &&
	    oms_refund_find(db, "f_x", &id2) == OMS_REJECT,
	    "f_99 and f_x are no refunds");
	OK(oms_refund_sent(db, id, &out) == OMS_OK, "f_1 sent");
	t = cJSON_PrintUnformatted(out);
	STR_EQ(t, "{\"type\":\"refund\",\"id\":\"f_1\",\"order\":\"o_1\","
	    "\"key\":\"ret-1\",\"source\":\"oms\",\"state\":\"sent\","
	    "\"at\":\"2026-12-01T10:00:00Z\",\"sent_at\":"
	    "\"2026-12-02T09:30:00Z\",\"currency\":\"USD\",\"lines\":[{"
	    "\"order_line\":1,\"sku\":\"A\",\"qty\":1,\"item\":\"17.91\","
	    "\"tax\":\"1.43\",\"fee\":\"1.79\",\"amount\":\"17.55\"}],"
	    "\"items\":\"17.91\",\"tax\":\"1.43\",\"shipping\":\"0.00\","
	    "\"shipping_tax\":\"0.00\",\"fee\":\"1.79\",\"total\":\"17.55\"}",
	    "the record, with sent_at");
	free(t);
	cJSON_Delete(out);
	setenv("OMS_NOW", "2026-12-03T09:30:00Z", 1);
	OK(oms_refund_sent(db, 1, &out) == OMS_OK && cJSON_IsTrue(
	    cJSON_GetObjectItem(out, "duplicate")) && strcmp(oms_json_str(out,
	    "sent_at"), "2026-12-02T09:30:00Z") == 0,
	    "sent again: the same record, duplicate, sent_at kept");
	cJSON_Delete(out);
	OK(count(db, "SELECT count(*) FROM events WHERE action = "
	    "'refund_sent'") == 1, "one event for it");
	OK(oms_refund_sent(db, 4200, &out) == OMS_REJECT && out == NULL,
	    "no refund f_4200 to send");
	STR_EQ(oms_error(), "no refund f_4200", "saying so");
	OK(oms_refund_list(db, 0, "pending", collect, &b) == OMS_OK &&
	    strstr(b.s, "\"f_1\"") == NULL && strstr(b.s, "\"f_2\"") != NULL,
	    "f_1 is no longer pending");
	oms_buf_reset(&b);
	OK(oms_refund_by_key(db, "ret-1", &out) == OMS_OK && out != NULL &&
	    strcmp(oms_json_str(out, "state"), "sent") == 0,
	    "found by key, sent");
	cJSON_Delete(out);
	OK(oms_refund_by_key(db, "nope", &out) == OMS_OK && out == NULL,
	    "no refund under an unknown key");
	/* The record of a sent refund still compares equal by its money. */
	s = cJSON_PrintUnformatted(r1);
	t = store(db, 1, 0, "ret-1", "oms", s, &rc);
	OK(rc == OMS_OK && strstr(t, "\"state\":\"sent\"") != NULL &&
	    strstr(t, "\"duplicate\":true") != NULL,
	    "replayed after it was sent: duplicate, sent");
	free(t);
	free(s);

	oms_buf_free(&b);
	cJSON_Delete(r1);
	cJSON_Delete(rest);
	cJSON_Delete(done);
	cJSON_Delete(p);
	cJSON_Delete(rec);
	oms_db_close(db);
	unlink(path);
	snprintf(path, sizeof path, "%s/r.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/r.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "race") == 0)
		return race_child(argv[2], atoi(argv[3]), atoi(argv[4]));
	self = argv[0];
	test_compute();
	test_store();
	return UNIT_DONE();
}
