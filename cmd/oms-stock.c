/*
 * oms-stock: the catalog, the places stock is kept, and the stock ledger.
 *
 * Reads location, product, listing, kit, channel and movement records, in any
 * order and mixed, from the files named or stdin, and applies each in its
 * own short transaction: catalog records are upserted, movements go into
 * the ledger with their change to the levels.  Each record is echoed once
 * committed, a movement with its id, time and the level after it.  A bad
 * record is named with its file and line, and the rest still go in.
 * `levels` prints stock now or at a past moment, `history` tells the story
 * of a SKU, and `verify` recomputes the levels from the ledger and checks
 * that what is reserved is what orders have allocated; `reconcile` sets
 * reserved to that through the ledger.  Reserve and release movements
 * are not read here: they belong to allocations (oms-route, oms-ship,
 * cancels).
 * `available` prints what each channel listing may sell and, with
 * --explain, how that figure was reached; `feed` writes a channel's
 * upload file from a feed format, by default only what changed since its
 * last feed.  `import-catalog` and `export-catalog` read and write the
 * catalog as CSV; `import-shopify-inventory` reads a Shopify inventory
 * export as counts at one location.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "stock.h"
#include "cli.h"

#define BATCH 500		/* records per transaction at most */
#define BATCH_MS 100		/* and milliseconds per transaction */

struct ctx {
	struct oms_cli *cli;
	long applied, duplicates, rejected;
	struct oms_batch batch;
};

static void
write_rec(const cJSON *rec)
{
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
}

static void
reject(struct ctx *c, const char *file, long line, const char *reason,
    const char *raw)
{
	oms_cli_reject(c->cli, file, line, reason, raw);
	c->rejected++;
}

/* Commit the batch, then echo what it applied. */
static void
flush(struct ctx *c)
{
	int rc;

	if ((rc = oms_batch_commit(&c->batch, stdout)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
}

/*
 * Apply one record.  Records go in batches of at most BATCH records or
 * BATCH_MS milliseconds, each record a savepoint in its batch, so that a
 * rejected one is undone alone, and each is echoed once its batch is
 * committed.  A dry run holds one transaction for the whole run.
 */
static int
apply(oms_db *db, struct ctx *c, cJSON *rec, cJSON **echo)
{
	int rc;

	if (!c->cli->dry_run && (rc = oms_batch_open(&c->batch)) != OMS_OK)
		return rc;
	if (oms_rec_type(rec) != NULL &&
	    strcmp(oms_rec_type(rec), "channel") == 0)
		return oms_ats_channel(db, rec, echo);
	return oms_stock_apply(db, rec, echo);
}

/* Apply the records of one file; only a fatal failure returns. */
static int
apply_file(struct oms_cli *cli, FILE *fp, const char *name, void *arg)
{
	struct ctx *c = arg;
	oms_db *db = c->batch.db;
	struct oms_rec_reader r;
	cJSON *rec, *echo;
	int rc, seen = 0;

	oms_rec_init(&r, fp, name);
	for (;;) {
		if (oms_batch_due(&c->batch, r.fp))
			flush(c);
		if ((rc = oms_rec_next(&r, &rec)) == OMS_EOF)
			break;
		if (rc != OMS_OK) {
			char hint[512], why[600];

			if (ferror(r.fp))
				oms_die(OMS_EXIT_FATAL, "%s", oms_error());
			/* Not JSON lines at all: one line says it, not each. */
			if (!seen && oms_stock_foreign(r.name, r.buf, hint,
			    sizeof hint)) {
				snprintf(why, sizeof why, "not JSON lines: %s; "
				    "nothing read from it", hint);
				reject(c, r.name, r.line, why, r.buf);
				break;
			}
			reject(c, r.name, r.line, oms_errreason(), r.buf);
			continue;
		}
		seen = 1;
		rc = apply(db, c, rec, &echo);
		cJSON_Delete(rec);
		if (rc == OMS_REJECT) {
			reject(c, r.name, r.line, oms_error(), r.buf);
			continue;
		}
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(echo,
		    "duplicate")))
			c->duplicates++;
		else
			c->applied++;
		if (cli->dry_run) {
			write_rec(echo);
			cJSON_Delete(echo);
			continue;
		}
		oms_batch_add(&c->batch, echo);
	}
	flush(c);
	free(r.buf);
	return OMS_EXIT_OK;
}

static int
hook_echo(void *arg, const cJSON *rec)
{
	(void)arg;
	write_rec(rec);
	return OMS_OK;
}

static void
hook_reject(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	struct ctx *c = arg;

	reject(c, file, line, reason, raw);
	c->rejected--;	/* the library counts it */
}

static void
hook_warn(void *arg, const char *file, long line, const char *msg)
{
	(void)arg;
	oms_warnx("%s:%ld: warning: %s", file, line, msg);
}

static void
hook_note(void *arg, const char *file, long line, const char *msg)
{
	struct ctx *c = arg;

	if (!c->cli->verbose)
		return;
	if (line > 0)
		oms_warnx("%s:%ld: %s", file, line, msg);
	else
		oms_warnx("%s: %s", file, msg);
}

struct import {
	struct ctx cx;
	const char *loc, *shop_loc;
	struct oms_catalog_stats st;
};

/* Import one CSV file; only a fatal failure returns. */
static int
import_file(struct oms_cli *cli, FILE *fp, const char *name, void *arg)
{
	struct import *im = arg;
	struct oms_catalog_hooks h = { hook_echo, hook_reject, hook_warn,
		hook_note, &im->cx };
	oms_db *db = im->cx.batch.db;
	int rc;

	if (im->loc != NULL)
		rc = oms_shopify_inventory(db, fp, name, im->loc, im->shop_loc,
		    &h, &im->st);
	else
		rc = oms_catalog_import(db, fp, name, &h, &im->st);
	if (rc == OMS_REJECT) {
		oms_warnx("%s", oms_error());
		im->st.rejected++;
	} else if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	return OMS_EXIT_OK;
}

static int
print_level(void *arg, const struct oms_level *l)
{
	cJSON *o = oms_stock_level_record(l);

	(void)arg;
	write_rec(o);
	cJSON_Delete(o);
	return OMS_OK;
}

static int
print_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	write_rec(rec);
	return OMS_OK;
}

/* An availability record, written straight out: arg is a buffer to reuse. */
static int
print_ats(void *arg, const struct oms_ats *a)
{
	struct oms_buf *b = arg;

	oms_buf_reset(b);
	oms_ats_json(a, b);
	oms_buf_addc(b, '\n');
	if (fwrite(b->s, 1, b->len, stdout) != b->len || ferror(stdout))
		oms_die(OMS_EXIT_FATAL, "write error: %s", strerror(errno));
	return OMS_OK;
}

static int
print_diff(void *arg, const char *msg)
{
	(void)arg;
	if (printf("%s\n", msg) < 0)
		oms_die(OMS_EXIT_FATAL, "write error: %s", strerror(errno));
	return OMS_OK;
}

/* oms-stock [FILE ...]: apply records, each batch a short transaction. */
static int
apply_records(struct oms_cli *cli)
{
	struct ctx cx = { .cli = cli };
	int rc, status;

	while (oms_cli_next(cli) != -1)
		;
	oms_cli_rejects(cli);
	oms_batch_init(&cx.batch, oms_cli_db(cli, 0), BATCH,
	    BATCH_MS);
	/* A dry run holds one transaction and each record a savepoint. */
	if (cli->dry_run && (rc = oms_db_begin(cx.batch.db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	status = oms_cli_files(cli, apply_file, &cx);
	if (status == OMS_EXIT_REJECT)
		cx.rejected++;
	if (cli->dry_run)
		oms_db_rollback(cx.batch.db);
	if (oms_cli_summary(cli))
		oms_warnx("%ld applied, %ld already there, %ld rejected%s",
		    cx.applied, cx.duplicates, cx.rejected, cli->dry_run ?
		    " (dry run: nothing written)" : "");
	oms_db_close(cx.batch.db);
	oms_batch_free(&cx.batch);
	return oms_cli_done(cli, cx.rejected > 0 ? OMS_EXIT_REJECT :
	    OMS_EXIT_OK);
}

enum { O_AS_OF = 256, O_CHANNEL, O_EXPLAIN, O_FORMAT, O_FULL, O_LOCATION,
	O_SHOP_LOC, O_SKU, O_TYPE };

static int
levels(struct oms_cli *cli)
{
	const char *sku = NULL, *loc = NULL;
	char as_of[OMS_TIME_LEN], *at = NULL;
	oms_db *db;
	int o, rc;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_SKU)
			sku = cli->optarg;
		else if (o == O_LOCATION)
			loc = cli->optarg;
		else if (oms_time_parse(cli->optarg, 0, "UTC", as_of) != OMS_OK)
			oms_die(OMS_EXIT_USAGE, "--as-of '%s' is not a time",
			    cli->optarg);
		else
			at = as_of;
	if (cli->argc != 0)
		oms_cli_usage(cli, "levels takes no operand");
	db = oms_cli_db(cli, 0);
	rc = oms_stock_levels(db, at, sku, loc, print_level, NULL);
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

/* A verb's failure: a refusal is named and exits 1; the rest die. */
static int
outcome(int rc)
{
	if (rc == OMS_REJECT) {
		oms_warnx("%s", oms_error());
		return OMS_EXIT_REJECT;
	}
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	return OMS_EXIT_OK;
}

static int
history(struct oms_cli *cli)
{
	oms_db *db;
	int status;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 1)
		oms_cli_usage(cli, "history needs one SKU");
	db = oms_cli_db(cli, 0);
	status = outcome(oms_stock_history(db, cli->argv[0], print_rec,
	    NULL));
	oms_db_close(db);
	return oms_cli_done(cli, status);
}

static int
verify(struct oms_cli *cli)
{
	oms_db *db;
	long n, nr;
	int rc;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 0)
		oms_cli_usage(cli, "verify takes no operand");
	db = oms_cli_db(cli, 0);
	if ((rc = oms_stock_verify(db, print_diff, NULL, &n)) != OMS_OK ||
	    (rc = oms_stock_verify_reserved(db, print_diff, NULL, &nr)) !=
	    OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_close(db);
	if (n > 0 && !cli->quiet)
		oms_warnx("%ld difference%s between the levels and the ledger",
		    n, n == 1 ? "" : "s");
	if (nr > 0 && !cli->quiet)
		oms_warnx("%ld reserved figure%s not what is allocated to "
		    "orders (oms-stock reconcile repairs %s)", nr, nr == 1 ?
		    "" : "s", nr == 1 ? "it" : "them");
	if (n == 0 && nr == 0 && !cli->quiet)
		oms_warnx("the levels agree with the ledger");
	return oms_cli_done(cli, n + nr > 0 ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

static int
print_refused(void *arg, const char *msg)
{
	(void)arg;
	oms_warnx("%s", msg);
	return OMS_OK;
}

/*
 * reconcile: each reserved figure set to what the active allocations
 * hold, by a movement in the ledger, echoed once committed.
 */
static int
reconcile(struct oms_cli *cli)
{
	oms_db *db;
	long fixed, failed;
	int rc;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 0)
		oms_cli_usage(cli, "reconcile takes no operand");
	db = oms_cli_db(cli, 0);
	rc = oms_stock_reconcile(db, cli->dry_run, print_rec, print_refused,
	    NULL, &fixed, &failed);
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_close(db);
	if (fixed + failed == 0 && !cli->quiet)
		oms_warnx("what is reserved is what is allocated: nothing to "
		    "do");
	else if (!cli->quiet)
		oms_warnx("%ld reserved figure%s set to what is allocated, "
		    "%ld refused%s", fixed, fixed == 1 ? "" : "s", failed,
		    cli->dry_run ? " (dry run: nothing written)" : "");
	return oms_cli_done(cli, failed > 0 ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

static int
available(struct oms_cli *cli)
{
	const char *channel = NULL, *sku = NULL, *explain = NULL;
	struct oms_buf b = { 0 };
	oms_db *db;
	int o, status;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_CHANNEL)
			channel = cli->optarg;
		else if (o == O_SKU)
			sku = cli->optarg;
		else
			explain = cli->optarg;
	if (cli->argc != 0)
		oms_cli_usage(cli, "available takes no operand");
	if (sku != NULL && explain != NULL)
		oms_cli_usage(cli, "--sku and --explain cannot go together");
	db = oms_cli_db(cli, 0);
	status = outcome(explain != NULL ?
	    oms_ats_explain(db, channel, explain, print_rec, NULL) :
	    oms_ats_each(db, channel, sku, 0, print_ats, &b));
	oms_buf_free(&b);
	oms_db_close(db);
	return oms_cli_done(cli, status);
}

static int
feed(struct oms_cli *cli)
{
	const char *channel = NULL, *format = NULL;
	struct oms_feed_run run;
	oms_feed *f;
	oms_db *db;
	int o, rc, full = 0, status = OMS_EXIT_OK;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_CHANNEL)
			channel = cli->optarg;
		else if (o == O_FORMAT)
			format = cli->optarg;
		else
			full = 1;
	if (cli->argc != 0)
		oms_cli_usage(cli, "feed takes no operand");
	if (channel == NULL)
		oms_cli_usage(cli, "feed needs --channel");
	if (oms_feed_find(format, channel, &f) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	db = oms_cli_db(cli, 0);
	/* A feed sent is a feed to record: refused before it is written. */
	if (!cli->dry_run && (rc = oms_db_writable(db, "cannot record the "
	    "feed")) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	rc = oms_feed_write(db, f, channel, (full ? OMS_FEED_FULL : 0) |
	    (cli->dry_run ? OMS_FEED_DRY_RUN : 0), stdout, &run);
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	/* Rows the channel would refuse: left out, said once. */
	if (run.left_out > 0) {
		oms_warnx("%s: %s: %ld row%s left out, %s empty (%s): %s",
		    oms_feed_path(f), channel, run.left_out,
		    run.left_out == 1 ? "" : "s", run.left_col, run.left_value,
		    run.left_what);
		status = OMS_EXIT_REJECT;
	}
	if (oms_cli_summary(cli))
		oms_warnx("%s: %s feed: %ld of %ld active listings written "
		    "(%s)%s", channel, oms_feed_name(f), run.written,
		    run.listings, full ? "full" : run.since[0] ?
		    "changed since the last feed" : "first feed",
		    cli->dry_run ? " (dry run: the cursor stays)" : "");
	oms_feed_free(f);
	oms_db_close(db);
	return oms_cli_done(cli, status);
}

static int
export_catalog(struct oms_cli *cli)
{
	const char *type = NULL;
	oms_db *db;
	int rc;

	while (oms_cli_next(cli) != -1)
		type = cli->optarg;
	if (cli->argc != 0)
		oms_cli_usage(cli, "export-catalog takes no operand");
	db = oms_cli_db(cli, 0);
	rc = oms_catalog_export(db, type, stdout);
	if (rc == OMS_REJECT)
		oms_die(OMS_EXIT_USAGE, "%s", oms_error());
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
import_catalog(struct oms_cli *cli)
{
	struct import im = { .cx.cli = cli };
	int o, rc, status;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_LOCATION)
			im.loc = cli->optarg;
		else
			im.shop_loc = cli->optarg;
	if (strcmp(cli->verb->name, "import-shopify-inventory") == 0 &&
	    (im.loc == NULL || cli->argc != 1))
		oms_cli_usage(cli, "import-shopify-inventory needs --location "
		    "and one file");
	oms_cli_rejects(cli);
	im.cx.batch.db = oms_cli_db(cli, 0);
	if (cli->dry_run && (rc = oms_db_begin(im.cx.batch.db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	status = oms_cli_files(cli, import_file, &im);
	if (status == OMS_EXIT_REJECT)
		im.st.rejected++;
	if (cli->dry_run)
		oms_db_rollback(im.cx.batch.db);
	if (oms_cli_summary(cli))
		oms_warnx("%ld applied, %ld already there, %ld rejected, "
		    "%ld skipped, %ld warnings%s", im.st.applied,
		    im.st.duplicates, im.st.rejected, im.st.skipped,
		    im.st.warnings, cli->dry_run ?
		    " (dry run: nothing written)" : "");
	oms_db_close(im.cx.batch.db);
	return oms_cli_done(cli, im.st.rejected > 0 ? OMS_EXIT_REJECT :
	    OMS_EXIT_OK);
}

#define O_CHANNEL_OPT { "channel", O_CHANNEL, "NAME", "the channel" }
#define O_SKU_OPT { "sku", O_SKU, "SKU", "this SKU only" }
#define O_LOCATION_OPT { "location", O_LOCATION, "LOC", "this location" }

static const struct oms_opt records_opts[] = { OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_REJECTS,
	OMS_OPT_END };
static const struct oms_opt levels_opts[] = { OMS_OPT_DB,
	{ "as-of", O_AS_OF, "TIME", "the levels at TIME, from the ledger" },
	O_LOCATION_OPT, O_SKU_OPT, OMS_OPT_END };
static const struct oms_opt db_opts[] = { OMS_OPT_DB, OMS_OPT_END };
static const struct oms_opt verify_opts[] = { OMS_OPT_QUIET, OMS_OPT_DB,
	OMS_OPT_END };
static const struct oms_opt reconcile_opts[] = { OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_END };
static const struct oms_opt available_opts[] = { OMS_OPT_DB,
	O_CHANNEL_OPT, O_SKU_OPT,
	{ "explain", O_EXPLAIN, "SKU", "how each figure for SKU is reached" },
	OMS_OPT_END };
static const struct oms_opt feed_opts[] = { OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "format", O_FORMAT, "FEED", "the feed format (default: the "
	    "channel's)" },
	{ "full", O_FULL, NULL, "every listing, not only what changed" },
	O_CHANNEL_OPT, OMS_OPT_END };
static const struct oms_opt import_opts[] = { OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_REJECTS,
	OMS_OPT_END };
static const struct oms_opt export_opts[] = { OMS_OPT_DB,
	{ "type", O_TYPE, "TYPE", "location, product, listing or kit only" },
	OMS_OPT_END };
static const struct oms_opt shopify_opts[] = { OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_REJECTS,
	{ "shopify-location", O_SHOP_LOC, "NAME", "the column's location "
	    "name in the export" },
	O_LOCATION_OPT, OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ NULL, apply_records, "[-nqv] [--db PATH] [--rejects FILE] "
	    "[FILE ...]", "apply catalog, channel and movement records",
	    records_opts },
	{ "levels", levels, "[--db PATH] [--as-of TIME] [--location LOC] "
	    "[--sku SKU]", "stock now, or at a past moment", levels_opts },
	{ "history", history, "[--db PATH] SKU", "the story of a SKU in "
	    "the ledger", db_opts },
	{ "verify", verify, "[-q] [--db PATH]", "recompute the levels from "
	    "the ledger; check reserved against the allocations",
	    verify_opts },
	{ "reconcile", reconcile, "[-nqv] [--db PATH]", "set each reserved "
	    "figure to what is allocated, through the ledger",
	    reconcile_opts },
	{ "available", available, "[--db PATH] [--channel NAME] "
	    "[--sku SKU | --explain SKU]", "what each channel listing may "
	    "sell", available_opts },
	{ "feed", feed, "[-nv] [--db PATH] [--format FEED] [--full] "
	    "--channel NAME", "write a channel's inventory upload", feed_opts },
	{ "import-catalog", import_catalog, "[-nqv] [--db PATH] "
	    "[--rejects FILE] [FILE ...]", "read the catalog from CSV",
	    import_opts },
	{ "export-catalog", export_catalog, "[--db PATH] "
	    "[--type location|product|listing|kit]", "write the catalog as "
	    "CSV", export_opts },
	{ "import-shopify-inventory", import_catalog, "[-nqv] [--db PATH] "
	    "[--rejects FILE]\n    [--shopify-location NAME] --location LOC "
	    "FILE", "read Shopify's inventory export as counts at LOC",
	    shopify_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
