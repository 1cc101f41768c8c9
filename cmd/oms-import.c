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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "oms.h"
#include "import.h"
#include "order.h"
#include "stock.h"
#include "cli.h"

static struct oms_import *the_im;	/* the run, for its batch number */

/*
 * Stdout failed after a commit: say what was committed and how to print
 * it again, since a rerun finds those orders unchanged and prints nothing.
 */
static void write_failed(void) __attribute__((noreturn));

static void
write_failed(void)
{
	const char *why = strerror(errno ? errno : EIO);
	long long b = the_im != NULL ? (long long)the_im->batch : 0;

	if (b == 0)
		oms_die(OMS_EXIT_FATAL, "write error: %s", why);
	oms_die(OMS_EXIT_FATAL, "write error: %s; import batch %lld committed: "
	    "print its orders again with `oms-import show --batch %lld`", why,
	    b, b);
}

static int
on_order(void *arg, const char *json, int action)
{
	(void)arg;
	(void)action;
	if (fputs(json, stdout) == EOF || putchar('\n') == EOF)
		write_failed();
	return OMS_OK;
}

/* Each batch reaches the next program in the pipeline as it commits. */
static void
on_batch(void *arg)
{
	(void)arg;
	if (fflush(stdout) == EOF || ferror(stdout))
		write_failed();
}

/* show --batch N|last: the orders an import printed, printed again. */
static int
show(struct oms_cli *cli)
{
	const char *batch = NULL;
	int64_t n = 0, shown;
	oms_db *db;
	int rc, status = OMS_EXIT_OK;

	while (oms_cli_next(cli) != -1)
		batch = cli->optarg;
	if (cli->argc != 0)
		oms_cli_usage(cli, "show takes no operand");
	if (batch == NULL)
		oms_cli_usage(cli, "show needs --batch N");
	if (strcmp(batch, "last") != 0) {
		char *end;

		errno = 0;
		n = strtoll(batch, &end, 10);
		if (errno != 0 || end == batch || *end != '\0' || n < 1 ||
		    !oms_all_digits(batch))
			oms_die(OMS_EXIT_USAGE, "--batch '%s' is not a batch "
			    "number or last", batch);
	}
	db = oms_cli_db(cli, 0);
	rc = oms_import_batch_show(db, n, oms_cli_print_line, NULL, &shown);
	if (rc == OMS_REJECT) {
		oms_warnx("%s", oms_error());
		status = OMS_EXIT_REJECT;
	} else if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_close(db);
	return oms_cli_done(cli, status);
}

static void
on_reject(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	oms_cli_reject(arg, file, line, reason, raw);
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
list_channels(struct oms_cli *cli)
{
	oms_adapter **ads;
	int n;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 0)
		oms_cli_usage(cli, "channels takes no operand");
	if (oms_adapters_load(NULL, &ads, &n) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	for (int i = 0; i < n; i++)
		printf("%-20s %-12s %s\n", oms_adapter_name(ads[i]),
		    oms_adapter_channel(ads[i]), oms_adapter_description(ads[i]));
	oms_adapters_free(ads, n);
	return oms_cli_done(cli, OMS_EXIT_OK);
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

/* What a verb does to one order, in the transaction it holds. */
struct act {
	int force, lines;
	const char *why;
	struct oms_cancel c;
	int status;
};

typedef int (*act_fn)(struct oms_cli *cli, oms_db *db, int64_t id,
    const char *ref, struct act *a);

/*
 * Each ORDER operand: found, acted on, and printed as it is now.  One
 * that is not there or not fit is named and the rest go on (exit 1); a
 * failure of the database ends the run.
 */
static int
each_order(struct oms_cli *cli, act_fn fn, struct act *a)
{
	oms_db *db;
	int rc;

	if (cli->argc == 0)
		oms_cli_usage(cli, "%s needs an ORDER", cli->verb->name);
	db = oms_cli_db(cli, 0);
	for (int i = 0; i < cli->argc; i++) {
		int64_t id;

		if ((rc = oms_order_find(db, cli->argv[i], &id)) == OMS_OK)
			rc = fn(cli, db, id, cli->argv[i], a);
		if (fatal(rc))
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if (rc != OMS_OK) {
			if (*oms_error() != '\0')
				oms_warnx("%s", oms_error());
			a->status = OMS_EXIT_REJECT;
			continue;
		}
		print_order(db, id);
	}
	oms_db_close(db);
	return oms_cli_done(cli, a->status);
}

static int
release_one(struct oms_cli *cli, oms_db *db, int64_t id, const char *ref,
    struct act *a)
{
	cJSON *problems = NULL, *p;
	int rc;

	if ((rc = oms_db_begin(db)) != OMS_OK)
		return rc;
	if ((rc = oms_order_release(db, id, a->force, a->lines,
	    &problems)) != OMS_OK) {
		oms_db_undo(db);
		if (problems == NULL)
			return rc;
		cJSON_ArrayForEach(p, problems)
			oms_warnx("%s: %s (--force releases it anyway)", ref,
			    p->valuestring);
		cJSON_Delete(problems);
		return oms_reject("%s", "");
	}
	if ((rc = oms_db_commit(db)) == OMS_OK && !cli->quiet)
		oms_warnx("released o_%lld", (long long)id);
	return rc;
}

static int
hold_one(struct oms_cli *cli, oms_db *db, int64_t id, const char *ref,
    struct act *a)
{
	cJSON *reasons;
	int rc;

	if ((rc = oms_db_begin(db)) != OMS_OK)
		return rc;
	if ((rc = oms_order_may(db, id, OMS_ACT_HOLD)) == OMS_OK) {
		reasons = cJSON_CreateArray();
		cJSON_AddItemToArray(reasons, cJSON_CreateString(a->why));
		rc = oms_order_hold(db, id, "operator", reasons, NULL);
		cJSON_Delete(reasons);
	}
	if (rc != OMS_OK) {
		oms_db_undo(db);
		return rc;
	}
	if ((rc = oms_db_commit(db)) == OMS_OK && !cli->quiet)
		oms_warnx("held o_%lld", (long long)id);
	return rc;
}

static int
cancel_one(struct oms_cli *cli, oms_db *db, int64_t id, const char *ref,
    struct act *a)
{
	struct oms_cancel_result res;
	int rc;

	memset(&res, 0, sizeof res);
	if ((rc = oms_cancel(db, id, &a->c, &res)) != OMS_OK)
		return rc;
	if (res.pending) {
		/* A carrier that fails fails this order, not the run. */
		oms_warnx("o_%lld: the cancel is pending: %s (run it again)",
		    (long long)id, res.note);
		a->status = OMS_EXIT_REJECT;
	} else if (res.kept) {
		/* What had not left is cancelled; the rest needs a return. */
		oms_warnx("%s; the rest is %s", res.note, res.status);
		a->status = OMS_EXIT_REJECT;
	} else if (!cli->quiet)
		oms_warnx("o_%lld: %s", (long long)id, res.status);
	return OMS_OK;
}

enum { O_ACCOUNT = 256, O_BATCH, O_CHANNEL, O_CHECK, O_CURRENCY,
	O_EXPORTED_AT, O_LINE, O_LINES, O_REASON, O_TZ, O_ALL = 'a',
	O_FORCE = 'f' };

static int
release(struct oms_cli *cli)
{
	struct act a = { .lines = OMS_LINES_ASK };
	int o;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_FORCE)
			a.force = 1;
		else if (strcmp(cli->optarg, "cancel") == 0)
			a.lines = OMS_LINES_CANCEL;
		else if (strcmp(cli->optarg, "keep") == 0)
			a.lines = OMS_LINES_KEEP;
		else
			oms_die(OMS_EXIT_USAGE, "--lines '%s': say cancel or "
			    "keep", cli->optarg);
	if (a.lines != OMS_LINES_ASK && !a.force)
		oms_die(OMS_EXIT_USAGE, "--lines goes with --force");
	return each_order(cli, release_one, &a);
}

static int
hold(struct oms_cli *cli)
{
	struct act a = { 0 };

	while (oms_cli_next(cli) != -1)
		a.why = cli->optarg;
	if (a.why == NULL || *a.why == '\0')
		oms_cli_usage(cli, "hold needs --reason");
	return each_order(cli, hold_one, &a);
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
		if (end == qs || q < 1 || q > OMS_QTY_MAX)
			n = 0;
	}
	if (errno != 0 || *end != '\0' || n < 1 || n > 100000)
		oms_die(OMS_EXIT_USAGE, "--line '%s' is not a line number, or "
		    "N:QTY", s);
	l->line_no = (int)n;
	l->qty = q;
}

static int
cancel(struct oms_cli *cli)
{
	struct oms_cancel_line *ls = NULL;
	struct act a = { .c.source = "operator" };
	int o, rc;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_REASON)
			a.c.reason = cli->optarg;
		else {
			ls = erealloc(ls, (size_t)(a.c.nlines + 1) * sizeof *ls);
			parse_line(cli->optarg, &ls[a.c.nlines++]);
		}
	a.c.lines = ls;
	rc = each_order(cli, cancel_one, &a);
	free(ls);
	return rc;
}

/* The adapters --channel names, or all of them for auto. */
static void
adapters(struct oms_import *im, const char *channel, oms_adapter ***ads,
    int *nads)
{
	if (channel != NULL && strcmp(channel, "auto") == 0)
		channel = NULL;
	if (oms_adapters_load(channel, ads, nads) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	im->adapters = *ads;
	im->nadapters = *nads;
	if (channel != NULL && *nads == 0)
		oms_die(OMS_EXIT_USAGE, "unknown channel '%s' (oms-import "
		    "channels lists them)", channel);
}

/* One file: read, mapped and stored, or with --check only read. */
static int
import_file(struct oms_cli *cli, FILE *fp, const char *name, void *arg)
{
	struct oms_import *im = arg;
	long before = im->findings + im->rejected, orders = im->checked;
	int rc, k;

	im->refused = 0;
	if ((rc = oms_import_stream(im, fp, name)) == OMS_BUSY)
		oms_die(OMS_EXIT_BUSY, "%s", oms_error());
	if (rc != OMS_OK && im->refused) {
		/* Not this channel's file: the others still go in. */
		oms_warnx("%s: %s", name, oms_error());
		return OMS_EXIT_REJECT;
	}
	if (rc != OMS_OK) {
		/* Name the file unless the message is about another. */
		k = oms_errkind();
		if (k == OMS_E_DB || k == OMS_E_ADAPTER || oms_errfile())
			oms_die(OMS_EXIT_FATAL, "%s", oms_error());
		oms_die(OMS_EXIT_FATAL, "%s: %s", name, oms_error());
	}
	if (im->check && !cli->quiet)
		oms_warnx("%s: %ld order%s read, %ld finding%s", name,
		    im->checked - orders, im->checked - orders == 1 ? "" : "s",
		    im->findings + im->rejected - before,
		    im->findings + im->rejected - before == 1 ? "" : "s");
	return OMS_EXIT_OK;
}

/* Open the database, and try again the cancels left pending last time. */
static oms_db *
import_db(struct oms_cli *cli, struct oms_import *im)
{
	static char daytz[64];
	oms_db *db = oms_cli_db(cli, 0);
	long done, failed;
	int rc;

	oms_db_set_cache_mb(db, 64);
	/* Without the checkpoint thread the import is as sound, and slower. */
	if (oms_db_bulk(db) != OMS_OK)
		oms_warnx("%s (checkpoints stay with the import)", oms_error());
	if (oms_merchant_tz(db, daytz, sizeof daytz) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	if (daytz[0] != '\0')
		im->day_tz = daytz;
	if (!im->dry_run) {
		rc = oms_cancel_pending(db, warn_msg, &done, &failed);
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		im->cancels_failed += failed;
	}
	return db;
}

static void
import_opt(struct oms_cli *cli, int o, struct oms_import *im,
    const char **channel)
{
	static char exported[OMS_TIME_LEN];
	const char *v = cli->optarg, *z;

	switch (o) {
	case O_ACCOUNT:
		if (!oms_valid_account(v))
			oms_die(OMS_EXIT_USAGE, "--account '%s' is not 1-100 "
			    "characters with no ':', '/' or control character",
			    v);
		im->account = v;
		break;
	case O_ALL:
		im->all = 1;
		break;
	case O_CHANNEL:
		*channel = v;
		break;
	case O_CHECK:
		im->check = 1;
		break;
	case O_CURRENCY:
		if (!oms_currency_valid(v))
			oms_die(OMS_EXIT_USAGE, "--currency '%s' is not an ISO "
			    "4217 code", v);
		im->currency = v;
		break;
	case O_EXPORTED_AT:
		if (strcmp(v, "mtime") == 0)
			im->exported_at = v;
		else if (oms_time_parse(v, 0, "UTC", exported) == OMS_OK)
			im->exported_at = exported;
		else
			oms_die(OMS_EXIT_USAGE, "--exported-at '%s' is not a "
			    "time or mtime", v);
		break;
	case O_TZ:
		if ((z = oms_tz_from_name(v)) == NULL && !oms_tz_valid(v))
			oms_die(OMS_EXIT_USAGE, "--tz '%s' is not a time zone",
			    v);
		im->tz = z != NULL ? z : v;
		break;
	}
}

/*
 * oms-import [FILE ...]: each file's orders stored, each in a short
 * transaction.  With --check no database is opened and nothing is
 * stored: what is worth a look is printed, and exit 1 says there was some.
 */
static int
import(struct oms_cli *cli)
{
	struct oms_import im = { .on_reject = on_reject, .on_warn = on_warn };
	const char *channel = NULL;
	oms_adapter **ads;
	int o, nads, status;

	while ((o = oms_cli_next(cli)) != -1)
		import_opt(cli, o, &im, &channel);
	im.dry_run = cli->dry_run;
	im.verbose = cli->verbose;
	im.on_note = im.verbose ? on_note : NULL;
	im.arg = cli;
	the_im = &im;
	adapters(&im, channel, &ads, &nads);
	oms_cli_rejects(cli);
	if (im.check)
		im.on_finding = on_finding;
	else {
		im.db = import_db(cli, &im);
		im.on_order = on_order;
		im.on_batch = on_batch;
	}
	status = oms_cli_files(cli, import_file, &im);
	if (im.rejected > 0 || im.cancels_failed > 0 || im.findings > 0)
		status = status > OMS_EXIT_REJECT ? status : OMS_EXIT_REJECT;
	if (!im.check && oms_cli_summary(cli))
		oms_warnx("%ld created, %ld updated, %ld unchanged, %ld older, "
		    "%ld held, %ld rejected%s", im.created, im.updated,
		    im.unchanged, im.stale, im.held, im.rejected, im.dry_run ?
		    " (dry run: nothing written)" : "");
	oms_db_close(im.db);
	oms_adapters_free(ads, nads);
	return oms_cli_done(cli, status);
}

static const struct oms_opt import_opts[] = {
	{ "all", O_ALL, NULL, "every order, whatever its status on the "
	    "channel" },
	OMS_OPT_DRY_RUN, OMS_OPT_QUIET, OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "channel", O_CHANNEL, "NAME|auto", "read the files as this "
	    "channel's (default: recognised)" },
	{ "account", O_ACCOUNT, "NAME", "the channel account the orders "
	    "are of" },
	{ "currency", O_CURRENCY, "CODE", "the currency of files that do "
	    "not say" },
	{ "exported-at", O_EXPORTED_AT, "TIME|mtime", "when the file was "
	    "exported" },
	OMS_OPT_REJECTS,
	{ "tz", O_TZ, "ZONE", "the zone of times the file gives without one" },
	{ "check", O_CHECK, NULL, "vet the files: no database, nothing "
	    "stored" },
	OMS_OPT_END };
static const struct oms_opt release_opts[] = {
	{ "force", O_FORCE, NULL, "release though the order has problems" },
	OMS_OPT_QUIET, OMS_OPT_DB,
	{ "lines", O_LINES, "cancel|keep", "with --force, what becomes of "
	    "lines that cannot ship" },
	OMS_OPT_END };
static const struct oms_opt cancel_opts[] = { OMS_OPT_QUIET, OMS_OPT_DB,
	{ "reason", O_REASON, "TEXT", "why, kept with the order" },
	{ "line", O_LINE, "N[:QTY]", "this line only (QTY of its units)" },
	OMS_OPT_END };
static const struct oms_opt hold_opts[] = { OMS_OPT_QUIET, OMS_OPT_DB,
	{ "reason", O_REASON, "TEXT", "why, kept with the order" },
	OMS_OPT_END };
static const struct oms_opt show_opts[] = { OMS_OPT_DB,
	{ "batch", O_BATCH, "N|last", "the import batch N, or the last" },
	OMS_OPT_END };
/* Every verb takes --db, though this one reads no database. */
static const struct oms_opt db_opts[] = { OMS_OPT_DB, OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ NULL, import, "[-anqv] [--db PATH] [--channel NAME|auto] "
	    "[--account NAME]\n"
	    "           [--currency CODE] [--exported-at TIME|mtime] "
	    "[--rejects FILE]\n"
	    "           [--tz ZONE] [FILE ...]\n"
	    "oms-import --check [-qv] [--channel NAME|auto] [--tz ZONE] "
	    "[FILE ...]", "store each order of channel exports, once",
	    import_opts },
	{ "release", release, "[-fq] [--db PATH] [--lines cancel|keep] "
	    "ORDER ...", "let held orders go on", release_opts },
	{ "cancel", cancel, "[-q] [--db PATH] [--reason TEXT] "
	    "[--line N[:QTY] ...] ORDER ...", "cancel orders, or some of "
	    "their lines", cancel_opts },
	{ "hold", hold, "[-q] [--db PATH] --reason TEXT ORDER ...",
	    "stop orders until released", hold_opts },
	{ "show", show, "[--db PATH] --batch N|last", "the orders an import "
	    "printed, printed again", show_opts },
	{ "channels", list_channels, "", "list the channel adapters",
	    db_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
