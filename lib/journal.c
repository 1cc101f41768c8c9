/*
 * journal.c: oms-report journal, a daily journal per channel and
 * currency for the books.
 *
 * A journal is one channel's money of one currency on one day of the
 * merchant's zone, named CHANNEL-CURRENCY-YYYY-MM-DD.  Its entries, each
 * balanced by itself (fees.c defines the figures of an order):
 *
 *  1. An order, on the day it was placed: credit sales (quantity x unit
 *     price of every line), shipping income (the shipping charged, when
 *     anything sold) and tax payable (the lines' tax and the shipping's);
 *     debit discounts (line and order discounts) and fees (the channel's
 *     fees of share/oms/fees/, less those it gives back on refunds);
 *     debit channel clearing with the rest: what the channel owes.  The
 *     order is taken as it stands when the journal is made: a fee given
 *     back on a later refund, or units cancelled later, change the
 *     journal of the day it was placed (see 2).
 *  2. Cancelled units not refunded, on the order's day: a cancellation
 *     is a sale and a return.  Debit refunds with their value after
 *     discount and tax payable with their tax; credit channel clearing.
 *  3. A refund, on its day: debit tax payable with the tax refunded (at
 *     most the refund) and refunds with the rest of it (items less any
 *     restocking fee kept, and shipping); credit channel clearing with
 *     the refund's total.
 *  4. Cost of goods, on the day a parcel not voided left: debit cost of
 *     goods, credit inventory, with the units shipped x their product's
 *     cost, in the cost's currency (a kit ships as its components).  A
 *     unit with no cost is left out and said on stderr.
 *  5. Units put back in stock from a return, on the day inspected: debit
 *     inventory, credit cost of goods, at their cost.
 *
 * Each account's entries in a journal are netted to one line, a debit
 * or a credit, so every journal balances.  Accounts come from
 * accounts.json on the data search path (share/oms/accounts.json): each
 * of clearing, sales, shipping_income, tax_payable, discounts, refunds,
 * fees, cogs and inventory gives its QuickBooks name ("qbo", Parent:Sub)
 * and Xero code ("xero"), optionally a Xero tax rate ("xero_tax",
 * default "Tax Exempt") and per channel ("channels": {"amazon": {...}}).
 *
 * --format json (default): rows {"type": "journal", "journal", "date",
 * "channel", "currency", "account", "account_name", "account_code",
 * "description", "debit", "credit"}.  --format qbo: QuickBooks Online's
 * journal CSV (Journal No, Journal Date MM/DD/YYYY, Account Name,
 * Description, Debits, Credits, Name, Class, Location).  --format xero:
 * Xero's manual journal CSV (Narration, Date MM/DD/YYYY, Description,
 * AccountCode, TaxRate, Amount, + debit and - credit, TrackingName1
 * "Channel", TrackingOption1 the channel, TrackingName2, TrackingOption2);
 * Xero reads at most 300 lines a file, so more is refused: ask for fewer
 * days or one channel.  Both CSVs are written to stdout with CRLF ends;
 * neither has a currency column, so a journal's currency is in its
 * number and each line's description.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "fees.h"

enum acct {
	A_CLEARING, A_FEES, A_DISCOUNTS, A_REFUNDS, A_COGS, A_INVENTORY,
	A_SALES, A_SHIPPING, A_TAX, NACCT
};

static const char *const acct_key[NACCT] = {
	"clearing", "fees", "discounts", "refunds", "cogs", "inventory",
	"sales", "shipping_income", "tax_payable",
};

static const char *const acct_desc[NACCT] = {
	"owed by the channel", "channel fees", "discounts", "refunds",
	"cost of goods", "inventory", "sales", "shipping income",
	"tax collected",
};

#define XERO_MAX 300

struct jrnl {
	char *key;		/* day \t channel \t currency */
	char day[11];
	char *channel;
	char currency[8];
	int64_t net[NACCT];	/* + debit, - credit */
};

struct book {
	struct jrnl **j;
	size_t n, cap;
	cJSON *map;
	char *map_path;
	long nocost;
	int big;		/* a sum left int64 */
};

/* acc + v and acc - v, or the book is too big to add up. */
#define ADD(b, acc, v) ((b)->big |= __builtin_add_overflow((acc), (v), &(acc)))
#define SUB(b, acc, v) ((b)->big |= __builtin_sub_overflow((acc), (v), &(acc)))

static struct jrnl *
jrnl_of(struct book *b, const char *day, const char *channel,
    const char *currency)
{
	struct oms_buf k = { 0 };
	struct jrnl *j;

	oms_buf_printf(&k, "%s\t%s\t%s", day, channel, currency);
	/* The newest first: entries come mostly day by day. */
	for (size_t i = b->n; i-- > 0; )
		if (strcmp(b->j[i]->key, k.s) == 0) {
			oms_buf_free(&k);
			return b->j[i];
		}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->j = erealloc(b->j, b->cap * sizeof *b->j);
	}
	j = ecalloc(1, sizeof *j);
	j->key = k.s;
	snprintf(j->day, sizeof j->day, "%s", day);
	j->channel = estrdup(channel);
	snprintf(j->currency, sizeof j->currency, "%s", currency);
	b->j[b->n++] = j;
	return j;
}

/* Entries 1 and 2. */
static int
book_order(void *arg, struct oms_fee_order *o, const char *note)
{
	struct book *b = arg;
	struct jrnl *j = jrnl_of(b, o->day, o->channel, o->currency);
	int64_t shiptax = o->tax, back = 0, backtax = 0;

	(void)note;
	for (int i = 0; i < o->nlines; i++) {
		const struct oms_fee_line *l = &o->lines[i];
		int64_t q = l->qty > 0 ? l->qty : 1, u = l->cancelled -
		    l->refunded;

		SUB(b, shiptax, l->tax);
		SUB(b, j->net[A_SALES], l->gross);
		ADD(b, j->net[A_DISCOUNTS], l->discount);
		SUB(b, j->net[A_TAX], l->tax_all);
		ADD(b, j->net[A_FEES], l->fees);
		ADD(b, j->net[A_FEES], l->ofees);
		if (u > 0) {
			/* the last units' shares, as fees.c gives them */
			ADD(b, back, u * (l->gross / q));
			SUB(b, back, l->discount - (int64_t)((__int128)
			    l->discount * (q - u) / q));
			ADD(b, backtax, l->tax_all - (int64_t)((__int128)
			    l->tax_all * (q - u) / q));
		}
	}
	SUB(b, j->net[A_SHIPPING], o->shipping);
	SUB(b, j->net[A_TAX], shiptax);
	ADD(b, j->net[A_REFUNDS], back);
	ADD(b, j->net[A_TAX], backtax);
	return OMS_OK;
}

/* Entry 3, refunds by day; entries 4 and 5, cost of goods by day. */
static const char sql_refunds[] =
    "SELECT date(r.at, 'localtime'), o.channel, r.currency,\n"
    "  sum(r.total), sum(CASE WHEN r.tax < r.total THEN r.tax\n"
    "  ELSE r.total END)\n"
    "FROM refunds r JOIN orders o ON o.id = r.order_id\n"
    "WHERE (CAST(?1 AS TEXT) IS NULL OR r.at >= ?1) AND (CAST(?2 AS TEXT) IS "
    "NULL OR r.at < ?2)\n"
    "  AND (CAST(?3 AS TEXT) IS NULL OR o.channel = ?3)\n"
    "GROUP BY 1, 2, 3";

static const char sql_shipped[] =
    "SELECT date(s.shipped_at, 'localtime'), o.channel, p.currency,\n"
    "  sum(sl.qty * p.cost), 0, sum(CASE WHEN p.cost IS NULL\n"
    "  OR p.currency IS NULL THEN sl.qty ELSE 0 END)\n"
    "FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id\n"
    "JOIN orders o ON o.id = s.order_id\n"
    "LEFT JOIN products p ON p.sku = sl.sku\n"
    "WHERE s.status <> 'voided'\n"
    "  AND (CAST(?1 AS TEXT) IS NULL OR s.shipped_at >= ?1)\n"
    "  AND (CAST(?2 AS TEXT) IS NULL OR s.shipped_at < ?2)\n"
    "  AND (CAST(?3 AS TEXT) IS NULL OR o.channel = ?3)\n"
    "GROUP BY 1, 2, 3";

static const char sql_restocked[] =
    "SELECT date(ru.at, 'localtime'), o.channel, p.currency,\n"
    "  sum(ru.qty * p.cost), 0, sum(CASE WHEN p.cost IS NULL\n"
    "  OR p.currency IS NULL THEN ru.qty ELSE 0 END)\n"
    "FROM return_units ru JOIN returns r ON r.id = ru.return_id\n"
    "JOIN orders o ON o.id = r.order_id\n"
    "LEFT JOIN products p ON p.sku = ru.sku\n"
    "WHERE ru.disposition = 'restock'\n"
    "  AND (CAST(?1 AS TEXT) IS NULL OR ru.at >= ?1) AND (CAST(?2 AS TEXT) IS "
    "NULL OR ru.at < ?2)\n"
    "  AND (CAST(?3 AS TEXT) IS NULL OR o.channel = ?3)\n"
    "GROUP BY 1, 2, 3";

/* Debit account dr and credit account cr with each row's amount. */
static int
book_sql(struct book *b, oms_db *db, const struct oms_rq *q,
    const char *sql, enum acct dr, enum acct cr, const char *what)
{
	oms_stmt *st = oms_db_query(db, sql, "sss", *q->from ? q->from : NULL,
	    *q->to ? q->to : NULL, q->channel);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		int64_t v = oms_col_int64(st, 3), tax = oms_col_int64(st, 4);
		struct jrnl *j;

		if (sql != sql_refunds)
			b->nocost += oms_col_int64(st, 5);
		if (oms_col_null(st, 2))
			continue;
		j = jrnl_of(b, oms_col_str(st, 0), oms_col_str(st, 1),
		    oms_col_str(st, 2));
		ADD(b, j->net[dr], v);
		SUB(b, j->net[dr], tax);
		ADD(b, j->net[A_TAX], tax);
		SUB(b, j->net[cr], v);
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc, what);
}

/* The account map, every account checked as it is read. */
static int
map_load(struct book *b)
{
	char *text;
	const cJSON *a;
	int rc = oms_search_read("accounts.json", &text, &b->map_path);

	if (rc == OMS_EOF)
		return oms_fail(OMS_E_ADAPTER, "no accounts.json on the search "
		    "path (share/oms/accounts.json)");
	if (rc != OMS_OK)
		return oms_fail(OMS_E_ADAPTER, "%s", oms_error());
	b->map = oms_json_parse(text, strlen(text), NULL, NULL);
	free(text);
	a = cJSON_GetObjectItemCaseSensitive(b->map, "accounts");
	if (!cJSON_IsObject(a))
		return oms_fail(OMS_E_ADAPTER, "%s: not a JSON object with "
		    "\"accounts\"", b->map_path);
	for (int i = 0; i < NACCT; i++) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(a,
		    acct_key[i]), *ch, *c;

		if (!cJSON_IsObject(e))
			return oms_fail(OMS_E_ADAPTER, "%s: no account \"%s\"",
			    b->map_path, acct_key[i]);
		if (oms_json_str(e, "qbo") == NULL || oms_json_str(e,
		    "xero") == NULL)
			return oms_fail(OMS_E_ADAPTER, "%s: account \"%s\" "
			    "needs \"qbo\" and \"xero\" texts", b->map_path,
			    acct_key[i]);
		ch = cJSON_GetObjectItemCaseSensitive(e, "channels");
		if (ch != NULL && !cJSON_IsObject(ch))
			return oms_fail(OMS_E_ADAPTER, "%s: account \"%s\": "
			    "\"channels\" must be an object of channels",
			    b->map_path, acct_key[i]);
		cJSON_ArrayForEach(c, ch)
			if (!cJSON_IsObject(c))
				return oms_fail(OMS_E_ADAPTER, "%s: account "
				    "\"%s\": channels.%s must be an object",
				    b->map_path, acct_key[i], c->string);
	}
	return OMS_OK;
}

/* key of account a for channel: its channel's own, else its own. */
static const char *
acct_field(const struct book *b, enum acct a, const char *channel,
    const char *key)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(b->map, "accounts"), acct_key[a]);
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(e, "channels"), channel);
	const char *v = c ? oms_json_str(c, key) : NULL;

	return v ? v : oms_json_str(e, key);
}

static int
cmp_jrnl(const void *x, const void *y)
{
	return strcmp((*(struct jrnl *const *)x)->key,
	    (*(struct jrnl *const *)y)->key);
}

/* The accounts of a journal in the order written: debits, then credits. */
static int
lines_of(const struct jrnl *j, enum acct *out)
{
	int n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (int a = 0; a < NACCT; a++)
			if (pass == 0 ? j->net[a] > 0 : j->net[a] < 0)
				out[n++] = (enum acct)a;
	return n;
}

static void
money(int64_t v, const char *cur, char *buf, size_t n)
{
	oms_money_format(v, oms_currency_exponent(cur), buf, n);
}

static void
name_of(const struct jrnl *j, struct oms_buf *b)
{
	oms_buf_reset(b);
	oms_buf_printf(b, "%s-%s-%s", j->channel, j->currency, j->day);
}

static void
desc_of(const struct jrnl *j, enum acct a, struct oms_buf *b)
{
	oms_buf_reset(b);
	oms_buf_printf(b, "%s %s %s %s", j->channel, acct_desc[a],
	    j->currency, j->day);
}

static int
emit_json(const struct book *b, oms_rec_fn fn, void *arg)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct jrnl *j = b->j[i];
		enum acct ac[NACCT];
		int n = lines_of(j, ac);
		struct oms_buf name = { 0 }, d = { 0 };

		name_of(j, &name);
		for (int k = 0; k < n; k++) {
			cJSON *row = cJSON_CreateObject();
			int64_t v = j->net[ac[k]];
			int rc;

			cJSON_AddStringToObject(row, "type", "journal");
			cJSON_AddStringToObject(row, "journal", name.s);
			cJSON_AddStringToObject(row, "date", j->day);
			cJSON_AddStringToObject(row, "channel", j->channel);
			cJSON_AddStringToObject(row, "currency", j->currency);
			cJSON_AddStringToObject(row, "account", acct_key[ac[k]]);
			cJSON_AddStringToObject(row, "account_name",
			    acct_field(b, ac[k], j->channel, "qbo"));
			cJSON_AddStringToObject(row, "account_code",
			    acct_field(b, ac[k], j->channel, "xero"));
			desc_of(j, ac[k], &d);
			cJSON_AddStringToObject(row, "description", d.s);
			oms_row_money(row, "debit", v > 0 ? v : 0, j->currency);
			oms_row_money(row, "credit", v < 0 ? -v : 0,
			    j->currency);
			rc = fn(arg, row);
			cJSON_Delete(row);
			if (rc != OMS_OK) {
				oms_buf_free(&name);
				oms_buf_free(&d);
				return rc;
			}
		}
		oms_buf_free(&name);
		oms_buf_free(&d);
	}
	return OMS_OK;
}

/* An amount as money() writes it: [-]digits[.digits]. */
static int
is_amount(const char *s)
{
	s += *s == '-';
	if (!isdigit((unsigned char)*s))
		return 0;
	return strspn(s, "0123456789.") == strlen(s);
}

/*
 * A CSV field, quoted when it must be.  Text that a spreadsheet would
 * take for a formula (=, +, -, @ first: a channel's name may be
 * anything) is led by a quote mark, as oms-report's own CSV does.
 */
static void
field(const char *s, int last)
{
	int formula = *s != '\0' && strchr("=+-@\t\r", *s) != NULL &&
	    !is_amount(s);

	if (strpbrk(s, ",\"\r\n") == NULL && !formula)
		fputs(s, stdout);
	else {
		putchar('"');
		if (formula)
			putchar('\'');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static void
us_date(const char *day, char *buf, size_t n)
{
	snprintf(buf, n, "%.2s/%.2s/%.4s", day + 5, day + 8, day);
}

static void
emit_qbo(const struct book *b)
{
	fputs("Journal No,Journal Date,Account Name,Description,Debits,"
	    "Credits,Name,Class,Location\r\n", stdout);
	for (size_t i = 0; i < b->n; i++) {
		const struct jrnl *j = b->j[i];
		enum acct ac[NACCT];
		int n = lines_of(j, ac);
		struct oms_buf name = { 0 }, d = { 0 };
		char date[16], m[64];

		name_of(j, &name);
		us_date(j->day, date, sizeof date);
		for (int k = 0; k < n; k++) {
			int64_t v = j->net[ac[k]];

			field(name.s, 0);
			field(date, 0);
			field(acct_field(b, ac[k], j->channel, "qbo"), 0);
			desc_of(j, ac[k], &d);
			field(d.s, 0);
			money(v > 0 ? v : -v, j->currency, m, sizeof m);
			field(v > 0 ? m : "", 0);
			field(v < 0 ? m : "", 0);
			fputs(",,\r\n", stdout);
		}
		oms_buf_free(&name);
		oms_buf_free(&d);
	}
}

static int
emit_xero(const struct book *b)
{
	size_t lines = 0;

	for (size_t i = 0; i < b->n; i++) {
		enum acct ac[NACCT];

		lines += (size_t)lines_of(b->j[i], ac);
	}
	if (lines > XERO_MAX)
		return oms_fail(OMS_E_USAGE, "journal: %zu lines, more than "
		    "the %d of a Xero import file: ask for fewer days (--from, "
		    "--to) or one --channel", lines, XERO_MAX);
	fputs("Narration,Date,Description,AccountCode,TaxRate,Amount,"
	    "TrackingName1,TrackingOption1,TrackingName2,TrackingOption2\r\n",
	    stdout);
	for (size_t i = 0; i < b->n; i++) {
		const struct jrnl *j = b->j[i];
		enum acct ac[NACCT];
		int n = lines_of(j, ac);
		struct oms_buf name = { 0 }, d = { 0 };
		char date[16], m[64];
		const char *tax;

		name_of(j, &name);
		us_date(j->day, date, sizeof date);
		for (int k = 0; k < n; k++) {
			field(name.s, 0);
			field(date, 0);
			desc_of(j, ac[k], &d);
			field(d.s, 0);
			field(acct_field(b, ac[k], j->channel, "xero"), 0);
			tax = acct_field(b, ac[k], j->channel, "xero_tax");
			field(tax ? tax : "Tax Exempt", 0);
			money(j->net[ac[k]], j->currency, m, sizeof m);
			field(m, 0);
			field("Channel", 0);
			field(j->channel, 0);
			fputs(",\r\n", stdout);
		}
		oms_buf_free(&name);
		oms_buf_free(&d);
	}
	return OMS_OK;
}

static void
book_free(struct book *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->j[i]->key);
		free(b->j[i]->channel);
		free(b->j[i]);
	}
	free(b->j);
	cJSON_Delete(b->map);
	free(b->map_path);
}

/* Every journal's clearing line: what makes it balance. */
static void
balance(struct book *b)
{
	for (size_t i = 0; i < b->n; i++) {
		int64_t sum = 0;

		for (int a = 0; a < NACCT; a++)
			if (a != A_CLEARING)
				ADD(b, sum, b->j[i]->net[a]);
		b->j[i]->net[A_CLEARING] = 0;
		SUB(b, b->j[i]->net[A_CLEARING], sum);
	}
}

static int
journal_args(const struct oms_rq *q, const char **fmt)
{
	*fmt = oms_rq_arg(q, "format");
	if (*fmt == NULL)
		*fmt = "json";
	if (strcmp(*fmt, "json") != 0 && strcmp(*fmt, "qbo") != 0 &&
	    strcmp(*fmt, "xero") != 0)
		return oms_fail(OMS_E_USAGE, "--format must be json, qbo or "
		    "xero, not '%s'", *fmt);
	if (q->location != NULL || q->sku != NULL)
		return oms_fail(OMS_E_USAGE, "journal takes no --location or "
		    "--sku: a journal is a channel's day");
	return OMS_OK;
}

int
oms_report_journal(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	struct book b = { 0 };
	struct oms_fees *f;
	const char *fmt;
	int rc;

	if (journal_args(q, &fmt) != OMS_OK || map_load(&b) != OMS_OK) {
		book_free(&b);
		return OMS_ERR;
	}
	oms_fees_new(&f);
	/* The journal books parcels from their own rows: no costs here. */
	rc = oms_fees_walk(db, f, q->from, q->to, q->channel, 0, book_order,
	    &b);
	oms_fees_free(f);
	if (rc == OMS_OK)
		rc = book_sql(&b, db, q, sql_refunds, A_REFUNDS, A_CLEARING,
		    "cannot read the refunds");
	if (rc == OMS_OK)
		rc = book_sql(&b, db, q, sql_shipped, A_COGS, A_INVENTORY,
		    "cannot read the shipments");
	if (rc == OMS_OK)
		rc = book_sql(&b, db, q, sql_restocked, A_INVENTORY, A_COGS,
		    "cannot read the units restocked");
	if (rc == OMS_OK && b.nocost > 0)
		oms_warnx("journal: %ld unit%s shipped or restocked %s no "
		    "cost: no cost of goods entered for %s", b.nocost,
		    b.nocost == 1 ? "" : "s", b.nocost == 1 ? "has" : "have",
		    b.nocost == 1 ? "it" : "them");
	if (rc == OMS_OK) {
		balance(&b);
		if (b.big)
			rc = oms_fail(OMS_E_OTHER, "journal: the amounts are "
			    "too large to add up");
	}
	if (rc == OMS_OK) {
		if (b.n > 0)
			qsort(b.j, b.n, sizeof *b.j, cmp_jrnl);
		if (strcmp(fmt, "json") == 0)
			rc = emit_json(&b, fn, arg);
		else if (strcmp(fmt, "qbo") == 0)
			emit_qbo(&b);
		else
			rc = emit_xero(&b);
	}
	book_free(&b);
	return rc;
}
