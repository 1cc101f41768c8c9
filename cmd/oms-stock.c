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
 * of a SKU, and `verify` recomputes the levels from the ledger.
 * `available` prints what each channel listing may sell and, with
 * --explain, how that figure was reached; `feed` writes a channel's
 * upload file from a feed format, by default only what changed since its
 * last feed.  `import-catalog` and `export-catalog` read and write the
 * catalog as CSV; `import-shopify-inventory` reads a Shopify inventory
 * export as counts at one location.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"

#define BATCH 500		/* records per transaction at most */
#define BATCH_MS 100		/* and milliseconds per transaction */

struct ctx {
	FILE *rejects;
	const char *rejects_path;
	long applied, duplicates, rejected;
	int dry_run;
	struct oms_batch batch;
};

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(oms_usage_out(),
	    "usage: oms-stock [-nqv] [--db PATH] [--rejects FILE] [FILE ...]\n"
	    "       oms-stock levels [--db PATH] [--as-of TIME] "
	    "[--location LOC] [--sku SKU]\n"
	    "       oms-stock history [--db PATH] SKU\n"
	    "       oms-stock verify [-q] [--db PATH]\n"
	    "       oms-stock available [--db PATH] [--channel NAME] "
	    "[--sku SKU | --explain SKU]\n"
	    "       oms-stock feed [-nv] [--db PATH] [--format FEED] [--full] "
	    "--channel NAME\n"
	    "       oms-stock import-catalog [-nqv] [--db PATH] "
	    "[--rejects FILE] [FILE ...]\n"
	    "       oms-stock export-catalog [--db PATH] "
	    "[--type location|product|listing|kit]\n"
	    "       oms-stock import-shopify-inventory [-nqv] [--db PATH] "
	    "[--rejects FILE]\n"
	    "           [--shopify-location NAME] --location LOC FILE\n");
	oms_usage_exit();
}

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
	oms_warnx("%s:%ld: %s", file, line, reason);
	c->rejected++;
	if (c->rejects != NULL) {
		cJSON *e = oms_rec_error(oms_progname, file, line, reason, raw);

		if (oms_rec_write(c->rejects, e) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s: %s", c->rejects_path,
			    oms_error());
		cJSON_Delete(e);
	}
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

	if (!c->dry_run && (rc = oms_batch_open(&c->batch)) != OMS_OK)
		return rc;
	if (oms_rec_type(rec) != NULL &&
	    strcmp(oms_rec_type(rec), "channel") == 0)
		return oms_ats_channel(db, rec, echo);
	return oms_stock_apply(db, rec, echo);
}

/* Apply the records of one file; only a fatal failure returns. */
static void
apply_file(oms_db *db, struct ctx *c, const char *path)
{
	struct oms_rec_reader r;
	cJSON *rec, *echo;
	int rc;

	if (oms_rec_open(&r, path) != OMS_OK) {
		oms_warnx("%s", oms_error());
		c->rejected++;
		return;
	}
	for (;;) {
		if (oms_batch_due(&c->batch, r.fp))
			flush(c);
		if ((rc = oms_rec_next(&r, &rec)) == OMS_EOF)
			break;
		if (rc != OMS_OK) {
			const char *m = oms_error();
			size_t n = strlen(r.name);

			if (ferror(r.fp))
				oms_die(OMS_EXIT_FATAL, "%s", m);
			/* The message names the line; the reason is the rest. */
			if (strncmp(m, r.name, n) == 0 && m[n] == ':')
				m = strchr(m + n + 1, ':') + 2;
			reject(c, r.name, r.line, m, r.buf);
			continue;
		}
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
		if (c->dry_run) {
			write_rec(echo);
			cJSON_Delete(echo);
			continue;
		}
		oms_batch_add(&c->batch, echo);
	}
	flush(c);
	oms_rec_close(&r);
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

static int verbose;

static void
hook_note(void *arg, const char *file, long line, const char *msg)
{
	(void)arg;
	if (!verbose)
		return;
	if (line > 0)
		oms_warnx("%s:%ld: %s", file, line, msg);
	else
		oms_warnx("%s: %s", file, msg);
}

/* Import one CSV file; only a fatal failure returns. */
static void
import_file(oms_db *db, struct ctx *c, const char *path, const char *loc,
    const char *shop_loc, struct oms_catalog_stats *st)
{
	struct oms_catalog_hooks h = { hook_echo, hook_reject, hook_warn,
		hook_note, c };
	const char *name = strcmp(path, "-") == 0 ? "-" : path;
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc;

	if (fp == NULL) {
		oms_warnx("cannot open '%s': %s", path, strerror(errno));
		st->rejected++;
		return;
	}
	if (loc != NULL)
		rc = oms_shopify_inventory(db, fp, name, loc, shop_loc, &h, st);
	else
		rc = oms_catalog_import(db, fp, name, &h, st);
	if (fp != stdin)
		fclose(fp);
	if (rc == OMS_REJECT) {
		oms_warnx("%s", oms_error());
		st->rejected++;
	} else if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
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

static int
print_ats(void *arg, const struct oms_ats *a)
{
	cJSON *o = oms_ats_record(a);

	(void)arg;
	write_rec(o);
	cJSON_Delete(o);
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

static oms_db *
open_db(const char *dbopt, int flags)
{
	oms_db *db;
	int rc;

	if ((rc = oms_db_open(oms_db_path(dbopt), flags, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	return db;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "as-of", required_argument, NULL, 'A' },
		{ "channel", required_argument, NULL, 'C' },
		{ "db", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "explain", required_argument, NULL, 'E' },
		{ "format", required_argument, NULL, 'F' },
		{ "full", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ "location", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "shopify-location", required_argument, NULL, 'H' },
		{ "sku", required_argument, NULL, 'S' },
		{ "type", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dbopt = NULL, *sku = NULL, *location = NULL, *verb = "";
	const char *channel = NULL, *explain = NULL, *format = NULL;
	const char *shop_loc = NULL, *type = NULL;
	int full = 0;
	char as_of[OMS_TIME_LEN], *as_of_opt = NULL;
	int c, dry_run = 0, quiet = 0, rc;
	int status = OMS_EXIT_OK;
	struct ctx cx;
	oms_db *db;

	oms_setprogname(argv[0]);
	oms_help_scan(argc, argv);
	memset(&cx, 0, sizeof cx);
	while ((c = getopt_long(argc, argv, "d:hnqr:vV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'A':
			as_of_opt = optarg;
			if (oms_time_parse(optarg, 0, "UTC", as_of) != OMS_OK)
				oms_die(OMS_EXIT_USAGE, "--as-of '%s' is not a "
				    "time", optarg);
			break;
		case 'C':
			channel = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'E':
			explain = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'U':
			full = 1;
			break;
		case 'L':
			location = optarg;
			break;
		case 'n':
			dry_run = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			cx.rejects_path = optarg;
			break;
		case 'H':
			shop_loc = optarg;
			break;
		case 'S':
			sku = optarg;
			break;
		case 'T':
			type = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("oms-stock %s\n", OMS_VERSION);
			efshut();
			return OMS_EXIT_OK;
		case 'h':
			oms_help_set();
			usage();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && (strcmp(argv[0], "levels") == 0 ||
	    strcmp(argv[0], "history") == 0 || strcmp(argv[0], "verify") == 0 ||
	    strcmp(argv[0], "available") == 0 ||
	    strcmp(argv[0], "feed") == 0 ||
	    strcmp(argv[0], "import-catalog") == 0 ||
	    strcmp(argv[0], "export-catalog") == 0 ||
	    strcmp(argv[0], "import-shopify-inventory") == 0)) {
		int imp = strncmp(argv[0], "import-", 7) == 0;

		verb = argv[0];
		argc--;
		argv++;
		if ((dry_run && strcmp(verb, "feed") != 0 && !imp) ||
		    (cx.rejects_path != NULL && !imp))
			usage();
	}
	if (as_of_opt != NULL && strcmp(verb, "levels") != 0)
		usage();
	if (location != NULL && strcmp(verb, "levels") != 0 &&
	    strcmp(verb, "import-shopify-inventory") != 0)
		usage();
	if (shop_loc != NULL && strcmp(verb, "import-shopify-inventory") != 0)
		usage();
	if (type != NULL && strcmp(verb, "export-catalog") != 0)
		usage();
	if (sku != NULL && strcmp(verb, "levels") != 0 &&
	    strcmp(verb, "available") != 0)
		usage();
	if (channel != NULL && strcmp(verb, "available") != 0 &&
	    strcmp(verb, "feed") != 0)
		usage();
	if (explain != NULL && (strcmp(verb, "available") != 0 || sku != NULL))
		usage();
	if ((format != NULL || full) && strcmp(verb, "feed") != 0)
		usage();

	if (strcmp(verb, "available") == 0) {
		if (argc != 0)
			usage();
		db = open_db(dbopt, 0);
		if (explain != NULL)
			rc = oms_ats_explain(db, channel, explain, print_rec,
			    NULL);
		else
			rc = oms_ats_each(db, channel, sku, print_ats, NULL);
		if (rc == OMS_REJECT) {
			oms_warnx("%s", oms_error());
			status = OMS_EXIT_REJECT;
		} else if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		oms_db_close(db);
		efshut();
		return status;
	}
	if (strcmp(verb, "feed") == 0) {
		struct oms_feed_run run;
		oms_feed *f;

		if (argc != 0 || channel == NULL)
			usage();
		if (oms_feed_find(format, channel, &f) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s", oms_error());
		db = open_db(dbopt, 0);
		rc = oms_feed_write(db, f, channel, (full ? OMS_FEED_FULL : 0) |
		    (dry_run ? OMS_FEED_DRY_RUN : 0), stdout, &run);
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if (verbose || (!quiet && isatty(STDERR_FILENO)))
			oms_warnx("%s: %s feed: %ld of %ld active listings "
			    "written (%s)%s", channel, oms_feed_name(f),
			    run.written, run.listings, full ? "full" :
			    run.since[0] ? "changed since the last feed" :
			    "first feed", dry_run ?
			    " (dry run: the cursor stays)" : "");
		oms_feed_free(f);
		oms_db_close(db);
		efshut();
		return OMS_EXIT_OK;
	}

	if (strcmp(verb, "export-catalog") == 0) {
		if (argc != 0)
			usage();
		db = open_db(dbopt, 0);
		rc = oms_catalog_export(db, type, stdout);
		if (rc == OMS_REJECT)
			oms_die(OMS_EXIT_USAGE, "%s", oms_error());
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		oms_db_close(db);
		efshut();
		return OMS_EXIT_OK;
	}
	if (strncmp(verb, "import-", 7) == 0) {
		struct oms_catalog_stats st = { 0 };
		int shopify = strcmp(verb, "import-shopify-inventory") == 0;

		if (shopify && (location == NULL || argc != 1))
			usage();
		if (!shopify && argc == 0 && isatty(STDIN_FILENO))
			usage();
		if (cx.rejects_path != NULL &&
		    (cx.rejects = fopen(cx.rejects_path, "a")) == NULL)
			oms_die(OMS_EXIT_FATAL, "cannot open '%s': %s",
			    cx.rejects_path, strerror(errno));
		db = open_db(dbopt, OMS_DB_CREATE);
		if (dry_run && (rc = oms_db_begin(db)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		for (int i = 0; i < (argc ? argc : 1); i++)
			import_file(db, &cx, argc ? argv[i] : "-",
			    shopify ? location : NULL, shop_loc, &st);
		if (dry_run)
			oms_db_rollback(db);
		if (verbose || (!quiet && isatty(STDERR_FILENO)))
			oms_warnx("%ld applied, %ld already there, %ld rejected, "
			    "%ld skipped, %ld warnings%s", st.applied,
			    st.duplicates, st.rejected, st.skipped, st.warnings,
			    dry_run ? " (dry run: nothing written)" : "");
		oms_db_close(db);
		if (cx.rejects != NULL && fclose(cx.rejects) == EOF)
			oms_die(OMS_EXIT_FATAL, "%s: write error: %s",
			    cx.rejects_path, strerror(errno));
		efshut();
		return st.rejected > 0 ? OMS_EXIT_REJECT : OMS_EXIT_OK;
	}
	if (strcmp(verb, "levels") == 0) {
		if (argc != 0)
			usage();
		db = open_db(dbopt, 0);
		rc = oms_stock_levels(db, as_of_opt ? as_of : NULL, sku,
		    location, print_level, NULL);
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		oms_db_close(db);
		efshut();
		return OMS_EXIT_OK;
	}
	if (strcmp(verb, "history") == 0) {
		if (argc != 1)
			usage();
		db = open_db(dbopt, 0);
		rc = oms_stock_history(db, argv[0], print_rec, NULL);
		if (rc == OMS_REJECT) {
			oms_warnx("%s", oms_error());
			status = OMS_EXIT_REJECT;
		} else if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		oms_db_close(db);
		efshut();
		return status;
	}
	if (strcmp(verb, "verify") == 0) {
		long n;

		if (argc != 0)
			usage();
		db = open_db(dbopt, 0);
		rc = oms_stock_verify(db, print_diff, NULL, &n);
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		oms_db_close(db);
		efshut();
		if (n > 0) {
			if (!quiet)
				oms_warnx("%ld difference%s between the levels "
				    "and the ledger", n, n == 1 ? "" : "s");
			return OMS_EXIT_REJECT;
		}
		if (!quiet)
			oms_warnx("the levels agree with the ledger");
		return OMS_EXIT_OK;
	}

	if (argc == 0 && isatty(STDIN_FILENO))
		usage();
	if (cx.rejects_path != NULL &&
	    (cx.rejects = fopen(cx.rejects_path, "a")) == NULL)
		oms_die(OMS_EXIT_FATAL, "cannot open '%s': %s", cx.rejects_path,
		    strerror(errno));
	db = open_db(dbopt, OMS_DB_CREATE);
	/* A dry run holds one transaction and each record a savepoint in it. */
	cx.dry_run = dry_run;
	oms_batch_init(&cx.batch, db, BATCH, BATCH_MS);
	if (dry_run && (rc = oms_db_begin(db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	for (int i = 0; i < (argc ? argc : 1); i++)
		apply_file(db, &cx, argc ? argv[i] : "-");
	if (dry_run)
		oms_db_rollback(db);
	if (cx.rejected > 0)
		status = OMS_EXIT_REJECT;
	if (verbose || (!quiet && isatty(STDERR_FILENO)))
		oms_warnx("%ld applied, %ld already there, %ld rejected%s",
		    cx.applied, cx.duplicates, cx.rejected, dry_run ?
		    " (dry run: nothing written)" : "");
	oms_db_close(db);
	if (cx.rejects != NULL && fclose(cx.rejects) == EOF)
		oms_die(OMS_EXIT_FATAL, "%s: write error: %s", cx.rejects_path,
		    strerror(errno));
	oms_batch_free(&cx.batch);
	efshut();
	return status;
}
