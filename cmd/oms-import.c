/*
 * oms-import: capture orders from every channel, exactly once.
 *
 * Reads channel exports (CSV, TSV, JSON, canonical JSON lines) from the
 * files named or stdin, maps them through the channel's adapter, and
 * stores each order whole, keyed by (channel, account, external id):
 * importing the same or an overlapping export again changes nothing, an
 * older export than the one stored changes nothing, and a changed order
 * is updated with an event saying what changed.  Each created or updated
 * order is echoed as a canonical order record after its transaction
 * commits.  The verbs act on orders already stored: `release` lets a held
 * order go on, `hold` stops one, `cancel` cancels one or some of its
 * lines wherever it is (oms(7)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"

struct ctx {
	FILE *rejects;
	const char *rejects_path;
	int quiet;
};

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(oms_usage_out(),
	    "usage: oms-import [-anqv] [--db PATH] [--channel NAME|auto] "
	    "[--account NAME]\n"
	    "                  [--currency CODE] [--exported-at TIME|mtime] "
	    "[--rejects FILE]\n"
	    "                  [--tz ZONE] [FILE ...]\n"
	    "       oms-import --check [-qv] [--channel NAME|auto] [--tz ZONE] "
	    "[FILE ...]\n"
	    "       oms-import release [-fq] [--db PATH] [--lines cancel|keep] "
	    "ORDER ...\n"
	    "       oms-import cancel [-q] [--db PATH] [--reason TEXT] "
	    "[--line N[:QTY] ...] ORDER ...\n"
	    "       oms-import hold [-q] [--db PATH] --reason TEXT ORDER ...\n"
	    "       oms-import channels\n");
	oms_usage_exit();
}

static int
on_order(void *arg, const char *json, int action)
{
	(void)arg;
	(void)action;
	if (fputs(json, stdout) == EOF || putchar('\n') == EOF)
		oms_die(OMS_EXIT_FATAL, "write error: %s", strerror(errno));
	return OMS_OK;
}

/* Each batch reaches the next program in the pipeline as it commits. */
static void
on_batch(void *arg)
{
	(void)arg;
	efshut();
}

static void
on_reject(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	struct ctx *c = arg;

	oms_warnx("%s:%ld: %s", file, line, reason);
	if (c->rejects != NULL) {
		cJSON *e = oms_rec_error(oms_progname, file, line, reason, raw);

		if (oms_rec_write(c->rejects, e) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s: %s", c->rejects_path,
			    oms_error());
		cJSON_Delete(e);
	}
}

static void
on_note(void *arg, const char *msg)
{
	(void)arg;
	oms_warnx("%s", msg);
}

static void
on_warn(void *arg, const char *file, long line, const char *msg)
{
	(void)arg;
	if (line > 0)
		oms_warnx("%s:%ld: %s", file, line, msg);
	else
		oms_warnx("%s: %s", file, msg);
}

/* --check: one finding record a line (oms-records(5)). */
static void
on_finding(void *arg, const char *file, long line, const char *order,
    const char *kind, const char *msg)
{
	cJSON *f = cJSON_CreateObject();

	(void)arg;
	cJSON_AddStringToObject(f, "type", "finding");
	cJSON_AddStringToObject(f, "file", file);
	if (line > 0)
		cJSON_AddNumberToObject(f, "line", (double)line);
	else
		cJSON_AddNullToObject(f, "line");
	if (order != NULL)
		cJSON_AddStringToObject(f, "order", order);
	else
		cJSON_AddNullToObject(f, "order");
	cJSON_AddStringToObject(f, "kind", kind);
	cJSON_AddStringToObject(f, "message", msg);
	if (oms_rec_write(stdout, f) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	cJSON_Delete(f);
}

static void
warn_msg(const char *msg)
{
	oms_warnx("%s", msg);
}

static int
list_channels(void)
{
	oms_adapter **ads;
	int n;

	if (oms_adapters_load(&ads, &n) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	for (int i = 0; i < n; i++)
		printf("%-20s %-12s %s\n", oms_adapter_name(ads[i]),
		    oms_adapter_channel(ads[i]), oms_adapter_description(ads[i]));
	oms_adapters_free(ads, n);
	efshut();
	return OMS_EXIT_OK;
}

static oms_db *
open_db(const char *dbopt)
{
	oms_db *db;
	int rc;

	if ((rc = oms_db_open(oms_db_path(dbopt), 0, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	return db;
}

static void
print_order(oms_db *db, int64_t id)
{
	cJSON *rec = oms_order_record(db, id);

	if (rec == NULL)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	cJSON_Delete(rec);
}

/* A failure of the database ends the run; anything else, this order. */
static int
fatal(int rc)
{
	return rc == OMS_BUSY || (rc != OMS_OK && rc != OMS_REJECT);
}

static int
release(const char *dbopt, int force, int lines, int quiet, int argc,
    char **argv)
{
	oms_db *db;
	int rc, status = OMS_EXIT_OK;

	if (argc == 0)
		usage();
	db = open_db(dbopt);
	for (int i = 0; i < argc; i++) {
		cJSON *problems = NULL;
		int64_t id;

		if ((rc = oms_order_find(db, argv[i], &id)) != OMS_OK) {
			if (fatal(rc))
				oms_die(oms_exit_status(rc), "%s", oms_error());
			oms_warnx("%s", oms_error());
			status = OMS_EXIT_REJECT;
			continue;
		}
		if ((rc = oms_db_begin(db)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		rc = oms_order_release(db, id, force, lines, &problems);
		if (rc != OMS_OK) {
			char msg[1024];

			snprintf(msg, sizeof msg, "%s", oms_error());
			oms_db_rollback(db);
			if (problems != NULL) {
				cJSON *p;

				cJSON_ArrayForEach(p, problems)
					oms_warnx("%s: %s (--force releases it "
					    "anyway)", argv[i], p->valuestring);
				cJSON_Delete(problems);
			} else if (fatal(rc))
				oms_die(oms_exit_status(rc), "%s", msg);
			else
				oms_warnx("%s", msg);
			status = OMS_EXIT_REJECT;
			continue;
		}
		if ((rc = oms_db_commit(db)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		print_order(db, id);
		if (!quiet)
			oms_warnx("released o_%lld", (long long)id);
	}
	oms_db_close(db);
	efshut();
	return status;
}

static int
hold(const char *dbopt, const char *why, int quiet, int argc, char **argv)
{
	oms_db *db;
	int rc, status = OMS_EXIT_OK;

	if (argc == 0 || why == NULL || *why == '\0')
		usage();
	db = open_db(dbopt);
	for (int i = 0; i < argc; i++) {
		cJSON *reasons;
		int64_t id;

		if ((rc = oms_order_find(db, argv[i], &id)) == OMS_OK &&
		    (rc = oms_db_begin(db)) == OMS_OK) {
			if ((rc = oms_order_may(db, id, OMS_ACT_HOLD)) == OMS_OK) {
				reasons = cJSON_CreateArray();
				cJSON_AddItemToArray(reasons,
				    cJSON_CreateString(why));
				rc = oms_order_hold(db, id, "operator", reasons,
				    NULL);
				cJSON_Delete(reasons);
			}
			if (rc == OMS_OK)
				rc = oms_db_commit(db);
			else {
				char msg[1024];

				snprintf(msg, sizeof msg, "%s", oms_error());
				oms_db_rollback(db);
				oms_seterr("%s", msg);
			}
		}
		if (fatal(rc))
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if (rc != OMS_OK) {
			oms_warnx("%s", oms_error());
			status = OMS_EXIT_REJECT;
			continue;
		}
		print_order(db, id);
		if (!quiet)
			oms_warnx("held o_%lld", (long long)id);
	}
	oms_db_close(db);
	efshut();
	return status;
}

/* --line N or N:QTY */
static void
parse_line(const char *s, struct oms_cancel_line *l)
{
	char *end;
	long n, q = 0;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*end == ':') {
		const char *qs = end + 1;

		q = strtol(qs, &end, 10);
		if (end == qs || q < 1 || q > 1000000000)
			n = 0;
	}
	if (errno != 0 || *end != '\0' || n < 1 || n > 100000)
		oms_die(OMS_EXIT_USAGE, "--line '%s' is not a line number, or "
		    "N:QTY", s);
	l->line_no = (int)n;
	l->qty = q;
}

static int
cancel(const char *dbopt, struct oms_cancel *c, int quiet, int argc,
    char **argv)
{
	oms_db *db;
	int rc, status = OMS_EXIT_OK;

	if (argc == 0)
		usage();
	db = open_db(dbopt);
	for (int i = 0; i < argc; i++) {
		struct oms_cancel_result res;
		int64_t id;

		memset(&res, 0, sizeof res);
		if ((rc = oms_order_find(db, argv[i], &id)) == OMS_OK)
			rc = oms_cancel(db, id, c, &res);
		if (fatal(rc))
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if (rc != OMS_OK) {
			oms_warnx("%s", oms_error());
			status = OMS_EXIT_REJECT;
			continue;
		}
		print_order(db, id);
		if (res.pending) {
			/* A carrier that fails fails this order, not the run. */
			oms_warnx("o_%lld: the cancel is pending: %s (run it "
			    "again)", (long long)id, res.note);
			status = OMS_EXIT_REJECT;
		} else if (res.kept) {
			/* What had not left is cancelled; the rest needs a return. */
			oms_warnx("%s; the rest is %s", res.note, res.status);
			status = OMS_EXIT_REJECT;
		} else if (!quiet)
			oms_warnx("o_%lld: %s", (long long)id, res.status);
	}
	oms_db_close(db);
	efshut();
	return status;
}

/* Options of the verbs, parsed after the verb's name. */
static int
verb(int argc, char **argv, const char *dbopt)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "line", required_argument, NULL, 'L' },
		{ "lines", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = argv[0], *why = NULL;
	struct oms_cancel_line *ls = NULL;
	struct oms_cancel c = { 0 };
	int ch, force = 0, quiet = 0, lines = OMS_LINES_ASK, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:fq", longopts, NULL)) != -1)
		switch (ch) {
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			if (strcmp(name, "release") != 0)
				usage();
			force = 1;
			break;
		case 'L':
			if (strcmp(name, "cancel") != 0)
				usage();
			ls = erealloc(ls, (size_t)(c.nlines + 1) * sizeof *ls);
			parse_line(optarg, &ls[c.nlines++]);
			break;
		case 'l':
			if (strcmp(name, "release") != 0)
				usage();
			if (strcmp(optarg, "cancel") == 0)
				lines = OMS_LINES_CANCEL;
			else if (strcmp(optarg, "keep") == 0)
				lines = OMS_LINES_KEEP;
			else
				oms_die(OMS_EXIT_USAGE, "--lines '%s': say cancel "
				    "or keep", optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			if (strcmp(name, "release") == 0)
				usage();
			why = optarg;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (lines != OMS_LINES_ASK && !force)
		oms_die(OMS_EXIT_USAGE, "--lines goes with --force");
	if (strcmp(name, "release") == 0)
		return release(dbopt, force, lines, quiet, argc, argv);
	if (strcmp(name, "hold") == 0)
		return hold(dbopt, why, quiet, argc, argv);
	c.reason = why;
	c.source = "operator";
	c.lines = ls;
	rc = cancel(dbopt, &c, quiet, argc, argv);
	free(ls);
	return rc;
}

/*
 * --check: each file read as an import would read it, and what is worth
 * a look printed; no database is opened, nothing is stored.  Exit 1 when
 * anything was found or rejected.
 */
static int
check(struct oms_import *im, struct ctx *cx, int argc, char **argv)
{
	int status = OMS_EXIT_OK, rc;

	im->on_finding = on_finding;
	im->on_reject = on_reject;
	im->on_warn = on_warn;
	im->on_note = im->verbose ? on_note : NULL;
	im->arg = cx;
	for (int i = 0; i < (argc ? argc : 1); i++) {
		const char *path = argc ? argv[i] : "-";
		FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
		long before = im->findings + im->rejected, orders = im->checked;

		if (fp == NULL) {
			oms_warnx("cannot open '%s': %s", path, strerror(errno));
			status = OMS_EXIT_REJECT;
			continue;
		}
		im->refused = 0;
		rc = oms_import_stream(im, fp, path);
		if (fp != stdin)
			fclose(fp);
		if (rc != OMS_OK && im->refused) {
			oms_warnx("%s: %s", path, oms_error());
			status = OMS_EXIT_REJECT;
			continue;
		} else if (rc != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s: %s", path, oms_error());
		if (!cx->quiet)
			oms_warnx("%s: %ld order%s read, %ld finding%s", path,
			    im->checked - orders, im->checked - orders == 1 ? "" :
			    "s", im->findings + im->rejected - before,
			    im->findings + im->rejected - before == 1 ? "" : "s");
	}
	if (im->findings > 0 || im->rejected > 0)
		status = OMS_EXIT_REJECT;
	if (cx->rejects != NULL && fclose(cx->rejects) == EOF)
		oms_die(OMS_EXIT_FATAL, "%s: write error: %s", cx->rejects_path,
		    strerror(errno));
	efshut();
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "account", required_argument, NULL, 'A' },
		{ "all", no_argument, NULL, 'a' },
		{ "channel", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'K' },
		{ "currency", required_argument, NULL, 'C' },
		{ "db", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "exported-at", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "tz", required_argument, NULL, 'z' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct oms_import im;
	struct ctx cx;
	const char *dbopt = NULL, *channel = NULL;
	char exported[OMS_TIME_LEN], daytz[64];
	oms_adapter **ads;
	oms_db *db;
	int c, nads, rc, status = OMS_EXIT_OK;

	oms_setprogname(argv[0]);
	oms_help_scan(argc, argv);
	memset(&im, 0, sizeof im);
	memset(&cx, 0, sizeof cx);
	/* The verbs take their options after their names. */
	if (argc > 1 && (strcmp(argv[1], "release") == 0 ||
	    strcmp(argv[1], "cancel") == 0 || strcmp(argv[1], "hold") == 0))
		return verb(argc - 1, argv + 1, NULL);
	while ((c = getopt_long(argc, argv, "ac:d:hnqr:vV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'A':
			if (!oms_valid_account(optarg))
				oms_die(OMS_EXIT_USAGE, "--account '%s' is not "
				    "1-100 characters with no ':', '/' or control "
				    "character", optarg);
			im.account = optarg;
			break;
		case 'a':
			im.all = 1;
			break;
		case 'c':
			channel = optarg;
			break;
		case 'K':
			im.check = 1;
			break;
		case 'C':
			if (!oms_currency_valid(optarg))
				oms_die(OMS_EXIT_USAGE, "--currency '%s' is not "
				    "an ISO 4217 code", optarg);
			im.currency = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'E':
			if (strcmp(optarg, "mtime") == 0)
				im.exported_at = optarg;
			else if (oms_time_parse(optarg, 0, "UTC", exported) ==
			    OMS_OK)
				im.exported_at = exported;
			else
				oms_die(OMS_EXIT_USAGE, "--exported-at '%s' is not "
				    "a time or mtime", optarg);
			break;
		case 'h':
			oms_help_set();
			usage();
			break;
		case 'n':
			im.dry_run = 1;
			break;
		case 'q':
			cx.quiet = 1;
			break;
		case 'r':
			cx.rejects_path = optarg;
			break;
		case 'v':
			im.verbose = 1;
			break;
		case 'V':
			printf("oms-import %s\n", OMS_VERSION);
			efshut();
			return OMS_EXIT_OK;
		case 'z':
			if (!oms_tz_valid(optarg) && oms_tz_from_name(optarg) ==
			    NULL)
				oms_die(OMS_EXIT_USAGE, "--tz '%s' is not a time "
				    "zone", optarg);
			im.tz = oms_tz_from_name(optarg) ?
			    oms_tz_from_name(optarg) : optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && (strcmp(argv[0], "release") == 0 ||
	    strcmp(argv[0], "cancel") == 0 || strcmp(argv[0], "hold") == 0))
		return verb(argc, argv, dbopt);
	if (argc > 0 && strcmp(argv[0], "channels") == 0) {
		if (argc != 1)
			usage();
		return list_channels();
	}
	if (argc == 0 && isatty(STDIN_FILENO))
		usage();

	if (oms_adapters_load(&ads, &nads) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	if (channel != NULL && strcmp(channel, "auto") != 0) {
		int k = 0;

		for (int i = 0; i < nads; i++) {
			if (strcmp(oms_adapter_name(ads[i]), channel) == 0 ||
			    strcmp(oms_adapter_channel(ads[i]), channel) == 0) {
				oms_adapter *t = ads[k];

				ads[k++] = ads[i];
				ads[i] = t;
			}
		}
		if (k == 0)
			oms_die(OMS_EXIT_USAGE, "unknown channel '%s' "
			    "(oms-import channels lists them)", channel);
		im.nadapters = k;
	} else
		im.nadapters = nads;
	im.adapters = ads;

	if (cx.rejects_path != NULL &&
	    (cx.rejects = fopen(cx.rejects_path, "a")) == NULL)
		oms_die(OMS_EXIT_FATAL, "cannot open '%s': %s", cx.rejects_path,
		    strerror(errno));
	if (im.check)
		return check(&im, &cx, argc, argv);
	if ((rc = oms_db_open(oms_db_path(dbopt), OMS_DB_CREATE, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_set_cache_mb(db, 64);
	im.db = db;
	if (oms_merchant_tz(db, daytz, sizeof daytz) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	if (daytz[0] != '\0')
		im.day_tz = daytz;
	im.on_order = on_order;
	im.on_batch = on_batch;
	im.on_reject = on_reject;
	im.on_warn = on_warn;
	im.on_note = im.verbose ? on_note : NULL;
	im.arg = &cx;

	/* Cancels left pending on a carrier last time: tried again first. */
	if (!im.dry_run) {
		long done, failed;

		rc = oms_cancel_pending(db, warn_msg, &done, &failed);
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		im.cancels_failed += failed;
	}

	for (int i = 0; i < (argc ? argc : 1); i++) {
		const char *path = argc ? argv[i] : "-";
		const char *name = strcmp(path, "-") == 0 ? "-" : path;
		FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");

		if (fp == NULL) {
			oms_warnx("cannot open '%s': %s", path, strerror(errno));
			status = OMS_EXIT_REJECT;
			continue;
		}
		im.refused = 0;
		rc = oms_import_stream(&im, fp, name);
		if (fp != stdin)
			fclose(fp);
		if (rc == OMS_BUSY)
			oms_die(OMS_EXIT_BUSY, "%s", oms_error());
		if (rc != OMS_OK && im.refused) {
			/* Not this channel's file: the others still go in. */
			oms_warnx("%s: %s", name, oms_error());
			status = OMS_EXIT_REJECT;
		} else if (rc != OMS_OK) {
			const char *m = oms_error();

			if (strncmp(m, "database ", 9) == 0 ||
			    strncmp(m, "adapter ", 8) == 0 ||
			    strncmp(m, name, strlen(name)) == 0)
				oms_die(OMS_EXIT_FATAL, "%s", m);
			oms_die(OMS_EXIT_FATAL, "%s: %s", name, m);
		}
	}
	if (im.rejected > 0 || im.cancels_failed > 0)
		status = OMS_EXIT_REJECT;
	if (im.verbose || (!cx.quiet && isatty(STDERR_FILENO)))
		oms_warnx("%ld created, %ld updated, %ld unchanged, %ld older, "
		    "%ld held, %ld rejected%s", im.created, im.updated,
		    im.unchanged, im.stale, im.held, im.rejected, im.dry_run ?
		    " (dry run: nothing written)" : "");
	oms_db_close(db);
	oms_adapters_free(ads, nads);
	if (cx.rejects != NULL && fclose(cx.rejects) == EOF)
		oms_die(OMS_EXIT_FATAL, "%s: write error: %s", cx.rejects_path,
		    strerror(errno));
	efshut();
	return status;
}
