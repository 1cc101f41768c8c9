/*
 * oms-report: one view of every channel.
 *
 * Lookups (orders, order, attention) answer what an operator asks first;
 * reports (sales, fulfilment, inventory, movements, profit, returns,
 * journal) answer how the business is doing, each with its definition in
 * oms-report(1).  Every verb reads the database read-only, so it runs
 * beside imports and never blocks them, and writes its rows as JSON
 * lines when stdout is not a terminal, an aligned table when it is, or
 * CSV with --csv.  With no verb, --html FILE writes one self-contained
 * page of the main reports with their charts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "cli.h"
#include "report.h"

/* Options every report takes. */
enum {
	O_TZ = 2000, O_FROM, O_TO, O_CHANNEL, O_LOCATION, O_SKU, O_BY,
	O_CSV, O_TABLE, O_JSON, O_HTML,
	O_OWN = 3000		/* a report's own: kept in rq.args by name */
};

#define OPT_TZ { "tz", O_TZ, "ZONE", \
	"the merchant's time zone (default: $OMS_TZ, else UTC)" }
#define OPT_FROM { "from", O_FROM, "DAY", \
	"from this day (or RFC 3339 time) on, in the merchant's zone" }
#define OPT_TO { "to", O_TO, "DAY", "up to the end of this day" }
#define OPT_CHANNEL { "channel", O_CHANNEL, "NAME", "one channel only" }
#define OPT_LOCATION { "location", O_LOCATION, "LOC", "one location only" }
#define OPT_SKU { "sku", O_SKU, "SKU", "one sku only" }
#define OPT_CSV { "csv", O_CSV, NULL, "CSV with a header line" }
#define OPT_TABLE { "table", O_TABLE, NULL, "an aligned table" }
#define OPT_JSON { "json", O_JSON, NULL, "JSON lines, even at a terminal" }
#define OPTS_COMMON OMS_OPT_DB, OMS_OPT_QUIET, OMS_OPT_VERBOSE, OPT_TZ, OPT_FROM, OPT_TO, OPT_CHANNEL, \
	OPT_LOCATION, OPT_SKU, OPT_CSV, OPT_TABLE, OPT_JSON

typedef int (*report_fn)(oms_db *, const struct oms_rq *, oms_rec_fn,
    void *);

/* The options of the lookups (rlookup.c). */
enum {
	O_STATUS = 3000, O_EMAIL, O_NAME, O_OLDER, O_HOLD, O_LIMIT
};

/*
 * What each verb runs, and how many operands it takes; listed: exit 1
 * when it gives any row (a cron job asks whether anything is there).
 */
static const struct report {
	const char *verb;
	report_fn fn;
	int min_args, max_args;
	int listed;
} reports[] = {
	{ "orders", oms_report_orders, 0, 0, 0 },
	{ "order", oms_report_order, 1, 1000, 0 },
	{ "attention", oms_report_attention, 0, 0, 1 },
	{ "fees", oms_report_fees, 0, 0, 0 },
	{ "fulfilment", oms_report_fulfilment, 0, 0, 0 },
	{ "inventory", oms_report_inventory, 0, 0, 0 },
	{ "item-fulfilments", oms_report_item_fulfilments, 0, 0, 0 },
	{ "journal", oms_report_journal, 0, 0, 0 },
	{ "movements", oms_report_movements, 0, 0, 0 },
	{ "profit", oms_report_profit, 0, 0, 0 },
	{ "reorder", oms_report_reorder, 0, 0, 0 },
	{ "returns", oms_report_returns, 0, 0, 0 },
	{ "sales", oms_report_sales, 0, 0, 0 },
	{ "sales-orders", oms_report_sales_orders, 0, 0, 0 },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct report *
report_of(const char *verb)
{
	for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
		if (reports[i].verb != NULL && strcmp(reports[i].verb,
		    verb) == 0)
			return &reports[i];
	return NULL;
}

static const struct oms_opt *
opt_of(const struct oms_verb *v, int id)
{
	for (const struct oms_opt *o = v->opts; o && o->name; o++)
		if (o->id == id)
			return o;
	return NULL;
}

struct args {
	struct oms_rq rq;
	enum oms_rfmt fmt;
	int fmt_set;
	const char *from, *to, *html;
};

/* Reads the options of the verb run, common and its own. */
static void
read_args(struct oms_cli *cli, struct args *a)
{
	const char *tz = getenv("OMS_TZ"), *tzfrom = "OMS_TZ";
	int o;

	memset(a, 0, sizeof *a);
	a->rq.args = cJSON_CreateObject();
	a->fmt = isatty(STDOUT_FILENO) ? OMS_RFMT_TABLE : OMS_RFMT_JSON;
	while ((o = oms_cli_next(cli)) != -1) {
		switch (o) {
		case O_TZ:
			tz = cli->optarg;
			tzfrom = "--tz";
			break;
		case O_FROM:
			a->from = cli->optarg;
			break;
		case O_TO:
			a->to = cli->optarg;
			break;
		case O_CHANNEL:
			a->rq.channel = cli->optarg;
			break;
		case O_LOCATION:
			a->rq.location = cli->optarg;
			break;
		case O_SKU:
			a->rq.sku = cli->optarg;
			break;
		case O_BY:
			a->rq.by = cli->optarg;
			break;
		case O_CSV:
		case O_TABLE:
		case O_JSON:
			if (a->fmt_set)
				oms_cli_usage(cli, "give one of --csv, --table "
				    "and --json");
			a->fmt_set = 1;
			a->fmt = o == O_CSV ? OMS_RFMT_CSV : o == O_TABLE ?
			    OMS_RFMT_TABLE : OMS_RFMT_JSON;
			break;
		case O_HTML:
			a->html = cli->optarg;
			break;
		default:
			if (o >= O_OWN) {
				const struct oms_opt *p = opt_of(cli->verb, o);

				cJSON_DeleteItemFromObjectCaseSensitive(
				    a->rq.args, p->name);
				cJSON_AddStringToObject(a->rq.args, p->name,
				    cli->optarg ? cli->optarg : "true");
			}
			break;
		}
	}
	/* An empty OMS_TZ is none, as an empty TZ is; --tz '' is no zone. */
	a->rq.tz = tz != NULL && (*tz != '\0' || *tzfrom == '-') ? tz : "UTC";
	if (oms_rq_zone(a->rq.tz) != OMS_OK) {
		if (*tzfrom != '-')
			oms_die(OMS_EXIT_USAGE, "OMS_TZ: %s", oms_error());
		oms_cli_usage(cli, "--tz: %s", oms_error());
	}
	oms_time_now(a->rq.now);
	if (a->from != NULL && oms_rq_instant(a->from, a->rq.tz, 0,
	    a->rq.from) != OMS_OK)
		oms_cli_usage(cli, "--from: %s", oms_error());
	if (a->to != NULL && oms_rq_instant(a->to, a->rq.tz, 1,
	    a->rq.to) != OMS_OK)
		oms_cli_usage(cli, "--to: %s", oms_error());
	if (*a->rq.from && *a->rq.to && strcmp(a->rq.from, a->rq.to) >= 0)
		oms_cli_usage(cli, "--from %s is not before --to %s", a->from,
		    a->to);
	a->rq.argc = cli->argc;
	a->rq.argv = cli->argv;
}

static int
run_report(struct oms_cli *cli)
{
	const struct report *r = report_of(cli->verb->name);
	struct oms_rout *out;
	struct args a;
	struct timespec t0;
	oms_db *db;
	long rows;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	read_args(cli, &a);
	if (cli->argc < r->min_args || cli->argc > r->max_args) {
		if (r->max_args == 0)
			oms_cli_usage(cli, "%s takes no operand",
			    cli->verb->name);
		oms_cli_usage(cli, "%s takes %s operand%s", cli->verb->name,
		    r->min_args == r->max_args ? "one" : "one or more",
		    r->max_args == 1 ? "" : "s");
	}
	db = oms_cli_db(cli, OMS_DB_READONLY);
	out = oms_rout_open(stdout, a.fmt);
	/*
	 * One snapshot for the whole report, so its figures agree with one
	 * another: a read transaction, which in WAL mode neither waits for
	 * a writer nor holds one up.
	 */
	if ((rc = oms_db_begin_read(db)) == OMS_OK) {
		rc = r->fn(db, &a.rq, oms_rout_rec, out);
		oms_db_exec(db, "COMMIT");
	}
	rows = oms_rout_count(out);
	if (rc == OMS_OK)
		rc = oms_rout_close(out);
	else
		oms_rout_close(out);
	oms_db_close(db);
	cJSON_Delete(a.rq.args);
	if (rc != OMS_OK && rc != OMS_REJECT)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (rc == OMS_REJECT)
		oms_die(OMS_EXIT_REJECT, "%s", oms_error());
	if (oms_cli_summary(cli))
		fprintf(stderr, "%s: %s: %ld row%s in %.1f s\n", oms_progname,
		    cli->verb->name, rows, rows == 1 ? "" : "s",
		    oms_ms_since(&t0) / 1000.0);
	return oms_cli_done(cli, r->listed && rows > 0 ? OMS_EXIT_REJECT :
	    OMS_EXIT_OK);
}

static const struct oms_opt page_opts[] = {
	OMS_OPT_DB, OMS_OPT_QUIET, OMS_OPT_VERBOSE, OPT_TZ, OPT_FROM, OPT_TO,
	OPT_CHANNEL, OPT_LOCATION, OPT_SKU,
	{ "html", O_HTML, "FILE", "write the page of the main reports" },
	OMS_OPT_END
};

/*
 * The page: every main report with its chart, written whole to FILE
 * (lib/rhtml.c).  Mode 0600, as oms_write_file makes every file: the
 * page holds the business's figures, if no customer's data.
 */
static int
page(struct oms_cli *cli)
{
	struct timespec t0;
	struct args a;
	oms_db *db;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	read_args(cli, &a);
	if (a.html == NULL)
		oms_cli_usage(cli, "name a report, or give --html FILE");
	if (cli->argc != 0)
		oms_cli_usage(cli, "--html takes no operand");
	db = oms_cli_db(cli, OMS_DB_READONLY);
	/* One snapshot for every section, as for a report. */
	if ((rc = oms_db_begin_read(db)) == OMS_OK) {
		rc = oms_report_html(db, &a.rq, a.html);
		oms_db_exec(db, "COMMIT");
	}
	oms_db_close(db);
	cJSON_Delete(a.rq.args);
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (oms_cli_summary(cli))
		fprintf(stderr, "%s: wrote %s in %.1f s\n", oms_progname,
		    a.html, oms_ms_since(&t0) / 1000.0);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static const struct oms_opt orders_opts[] = {
	OPTS_COMMON,
	{ "email", O_EMAIL, "EMAIL", "the customer's email, whole" },
	{ "hold", O_HOLD, "TEXT", "on hold, TEXT in one of its reasons" },
	{ "limit", O_LIMIT, "N", "the first N orders only" },
	{ "name", O_NAME, "TEXT",
	    "TEXT in the customer's or the ship-to name" },
	{ "older-than", O_OLDER, "TIME", "placed longer ago (90m, 24h, 7d)" },
	{ "status", O_STATUS, "S[,S]", "in one of these statuses" },
	OMS_OPT_END
};

static const struct oms_opt order_opts[] = {
	OMS_OPT_DB, OMS_OPT_QUIET, OMS_OPT_VERBOSE, OPT_CSV, OPT_TABLE, OPT_JSON,
	OMS_OPT_END
};

static const struct oms_opt attention_opts[] = {
	OMS_OPT_DB, OMS_OPT_QUIET, OMS_OPT_VERBOSE, OPT_TZ, OPT_CHANNEL, OPT_CSV, OPT_TABLE, OPT_JSON,
	{ "older-than", O_OLDER, "TIME",
	    "how long allocated or received may wait (24h)" },
	OMS_OPT_END
};

static const struct oms_opt sales_opts[] = {
	OPTS_COMMON,
	{ "by", O_BY, "PERIOD", "day (the default), week, month or all" },
	OMS_OPT_END
};

static const struct oms_opt returns_opts[] = {
	OPTS_COMMON,
	{ "by", O_BY, "KEY", "channel (the default), sku or reason" },
	OMS_OPT_END
};

/* Fulfilment and stock (rfulfil.c, rstock.c): options 3200-3299. */
enum { O_AS_OF = 3200, O_DAYS, O_COVER };

static const struct oms_opt fulfilment_opts[] = {
	OPTS_COMMON,
	{ "by", O_BY, "WHAT", "a row a location or a channel" },
	OMS_OPT_END
};

static const struct oms_opt inventory_opts[] = {
	OPTS_COMMON,
	{ "as-of", O_AS_OF, "DAY", "stock at the end of this day (default: now)" },
	OMS_OPT_END
};

static const struct oms_opt movements_opts[] = {
	OPTS_COMMON,
	OMS_OPT_END
};

static const struct oms_opt reorder_opts[] = {
	OPTS_COMMON,
	{ "cover", O_COVER, "N", "days of stock wanted (default 30)" },
	{ "days", O_DAYS, "N", "the days of sales to average (default 30)" },
	OMS_OPT_END
};

/* Options of profit, fees and journal (ids 3300-3399). */
enum { O_FORMAT = 3300 };

static const struct oms_opt profit_opts[] = {
	OPTS_COMMON,
	{ "by", O_BY, "WHAT", "channel (default) or sku" },
	OMS_OPT_END
};

static const struct oms_opt fees_opts[] = {
	OPTS_COMMON,
	OMS_OPT_END
};

static const struct oms_opt erp_opts[] = {
	OPTS_COMMON,
	OMS_OPT_END
};

static const struct oms_opt journal_opts[] = {
	OPTS_COMMON,
	{ "format", O_FORMAT, "FMT", "json (default), qbo (QuickBooks Online "
	    "CSV) or xero (Xero CSV)" },
	OMS_OPT_END
};

static const struct oms_verb verbs[] = {
	{ "attention", run_report, "[--db PATH] [--tz ZONE] [--channel NAME] "
	    "[--older-than TIME]\n    [--csv | --table | --json]",
	    "what needs a person now; exit 1 when anything is listed",
	    attention_opts },
	{ "fees", run_report, "[filters] [--csv | --table | --json]",
	    "each channel fee charged, with the rule that applied",
	    fees_opts },
	{ "fulfilment", run_report, "[filters] [--by location|channel] "
	    "[--csv | --table | --json]",
	    "times to ship and deliver, on time, split, fill, Amazon's rates",
	    fulfilment_opts },
	{ "inventory", run_report, "[filters] [--as-of DAY] [--csv | --table | --json]",
	    "stock per sku and location: sold, cover, aging, value",
	    inventory_opts },
	{ "item-fulfilments", run_report, "[filters] [--csv | --table | "
	    "--json]", "parcels shipped, a row a line, for an ERP (NetSuite "
	    "CSV)", erp_opts },
	{ "journal", run_report, "[filters] [--format json|qbo|xero]",
	    "a daily journal per channel and currency, for the books",
	    journal_opts },
	{ "movements", run_report, "[filters] [--csv | --table | --json]",
	    "the stock ledger by location, kind and reason", movements_opts },
	{ "order", run_report, "[--db PATH] [--csv | --table | --json] ID ...",
	    "the whole story of an order (o_N or CHANNEL:EXTERNAL_ID)",
	    order_opts },
	{ "orders", run_report, "[filters] [--status S[,S]] [--email EMAIL] "
	    "[--name TEXT]\n    [--older-than TIME] [--hold TEXT] [--limit N] "
	    "[--csv | --table | --json]",
	    "list and search orders", orders_opts },
	{ "profit", run_report, "[filters] [--by channel|sku] "
	    "[--csv | --table | --json]",
	    "net sales less cost of goods, fees, shipping and returns",
	    profit_opts },
	{ "reorder", run_report, "[filters] [--days N] [--cover N] "
	    "[--csv | --table | --json]",
	    "what to reorder to keep N days of cover", reorder_opts },
	{ "returns", run_report, "[filters] [--by channel|sku|reason] "
	    "[--csv | --table | --json]",
	    "return rate, dispositions, refunds and days to refund",
	    returns_opts },
	{ "sales", run_report, "[filters] [--by day|week|month|all] "
	    "[--csv | --table | --json]",
	    "orders, gross, discounts, returns, net, tax, shipping, total",
	    sales_opts },
	{ "sales-orders", run_report, "[filters] [--csv | --table | --json]",
	    "orders placed or changed, a row a line, for an ERP (NetSuite "
	    "CSV)", erp_opts },
	{ NULL, page, "[--db PATH] [--tz ZONE] [--from DAY] [--to DAY] "
	    "[--channel NAME]\n    [--location LOC] [--sku SKU] --html FILE",
	    "a page of the main reports and their charts", page_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
