/*
 * oms-ship: pack, label and ship what routing allocated; follow the
 * parcels; tell the channels.
 *
 * Reads allocation records (what oms-route prints) or order references a
 * line each, from the files named or stdin, and ships every location where
 * each order has stock allocated: the smallest box that holds it, a label
 * bought from the carrier adapter oms-carrier-NAME (oms-carrier(7)) and
 * written to the label directory as the carrier sent it, with its other
 * documents (drawn here as ZPL and PDF when it sends none), the goods of
 * a parcel abroad declared from the catalog, and the stock taken out
 * through the ledger; a shipment record is printed once committed.
 * `track` asks the carriers what became of the parcels, `manifest` lists a
 * carrier's shipments of a day, `confirm` writes a channel's shipment
 * confirmation upload.  Where a payment adapter takes an order's money
 * (adapters.json), what shipped is captured once the shipment is
 * committed; `settle` asks again for every capture and refund still
 * owed, as a cron job would.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "order.h"
#include "ship.h"
#include "pay.h"
#include "cli.h"

static int
print_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	/* A shipment is committed: let the next program see it now. */
	efshut();
	return OMS_OK;
}

/* print_rec, counting the records in *arg. */
static int
count_rec(void *arg, const cJSON *rec)
{
	(*(long *)arg)++;
	return print_rec(NULL, rec);
}

static oms_db *the_db;		/* closed before dying: nothing leaks */
static struct oms_shipper *the_sp;

static oms_db *
open_db(struct oms_cli *cli, int flags)
{
	return the_db = oms_cli_db(cli, flags);
}

/* Die of rc, with the message of the failure, the database closed. */
static void fail(int status) __attribute__((noreturn));

static void
fail(int status)
{
	char msg[2048];

	snprintf(msg, sizeof msg, "%s", oms_error());
	oms_shipper_close(the_sp);
	if (the_db != NULL)
		oms_db_close(the_db);
	oms_die(status, "%s", msg);
}

/*
 * A database that cannot be written refuses what it would then have to
 * record, before it is done: a label bought, a label voided, a message
 * sent, a confirmation written, a wave made.
 */
static void
must_write(const char *what)
{
	int rc;

	if ((rc = oms_db_writable(the_db, what)) != OMS_OK)
		fail(oms_exit_status(rc));
}

static long nalready, norders;	/* orders shipped before; seen */
static long npayfailed;		/* captures and refunds not done */

static void progress_break(void);

static void
pay_warn(void *arg, const char *msg)
{
	(void)arg;
	progress_break();
	oms_warnx("%s", msg);
}

/*
 * Capture what order id shipped, the shipment committed: an adapter that
 * fails leaves the shipment as it is and the capture waiting, said.
 */
static void
capture(oms_db *db, int64_t id)
{
	struct oms_pay_run run = { pay_warn, NULL, NULL, 0, 0 };
	int rc;

	if ((rc = oms_pay_order(db, id, &run)) != OMS_OK)
		fail(oms_exit_status(rc));
	npayfailed += run.failed;
}

static int verbose;		/* -v: a note per order shipped before */
static int shown, open_line;	/* progress shown; its line not ended */

/* Orders done so far, on a terminal, twice a second at most. */
static void
progress(struct oms_shipper *sp, int last)
{
	static struct timespec t;
	long shipped, refused;

	if (!oms_progress_wanted() || (last && !shown) ||
	    (!last && shown && oms_ms_since(&t) < 500))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	shown = 1;
	open_line = !last;
	oms_shipper_counts(sp, &shipped, &refused);
	fprintf(stderr, "\r%s: %ld order%s, %ld shipment%s%s", oms_progname,
	    norders, norders == 1 ? "" : "s", shipped, shipped == 1 ? "" : "s",
	    last ? "\n" : "");
}

/* A message after a progress line starts on a line of its own. */
static void
progress_break(void)
{
	if (open_line)
		fputc('\n', stderr);
	open_line = 0;
}

/*
 * Whether order id has shipped already, by an earlier run on the same
 * file: then *note says so, a note and not a refusal.
 */
static int
shipped_before(oms_db *db, int64_t id, char *note, size_t n)
{
	int rc, done;

	if ((rc = oms_ship_done(db, id, &done, note, n)) != OMS_OK)
		fail(oms_exit_status(rc));
	return done;
}

#define BATCH 50	/* orders shipped together at most */

/* An order named, or the refusal of its line. */
struct named {
	int64_t id;
	char *where;		/* FILE:LINE, or NULL (--pending) */
	char *refusal;		/* its line names no order: why */
	char *note;		/* shipped already: said so */
};

struct ship {
	struct oms_shipper *sp;
	long refused;
	struct named batch[BATCH];
	size_t n;
	size_t map[BATCH];	/* the entry of batch each order shipped is */
	size_t said;		/* the entries of batch said so far */
};

/*
 * The entries of the batch before upto not yet said, none of them
 * shipped now: a line that names no order, refused; an order shipped
 * before, a note (-v), and its capture, when a run before stopped short
 * of it.
 */
static void
say_before(struct ship *sh, size_t upto)
{
	for (; sh->said < upto; sh->said++) {
		struct named *x = &sh->batch[sh->said];

		if (x->refusal != NULL) {
			progress_break();
			oms_warnx("%s", x->refusal);
			sh->refused++;
			continue;
		}
		norders++;
		nalready++;
		if (verbose) {
			progress_break();
			if (x->where != NULL)
				oms_warnx("%s: %s", x->where, x->note);
			else
				oms_warnx("%s", x->note);
		}
		progress(sh->sp, 0);
		capture(the_db, x->id);
	}
}

/*
 * What became of the i-th order a batch shipped (oms_ship_orders).  A
 * refusal is said, and kept on the order (oms status shows it until the
 * order moves on); a carrier that fails fails this order, not the run.
 * Fatal errors die.
 */
static int
shipped(void *arg, size_t i, int rc)
{
	struct ship *sh = arg;
	struct named *x = &sh->batch[sh->map[i]];
	char msg[1024];

	say_before(sh, sh->map[i]);
	sh->said = sh->map[i] + 1;
	norders++;
	progress(sh->sp, 0);
	if (rc == OMS_OK) {
		capture(the_db, x->id);
		return OMS_OK;
	}
	if (rc != OMS_REJECT && oms_errkind() != OMS_E_CARRIER)
		fail(oms_exit_status(rc));
	snprintf(msg, sizeof msg, "%s", oms_error());
	progress_break();
	sh->refused++;
	/* A refusal names its order; a carrier's failure, here. */
	if (rc != OMS_REJECT) {
		char name[200];

		if ((rc = oms_order_name(the_db, x->id, name, sizeof name)) !=
		    OMS_OK)
			fail(oms_exit_status(rc));
		oms_warnx("%s%sorder %s: %s (nothing changed)", x->where ?
		    x->where : "", x->where ? ": " : "", name, msg);
	} else if (x->where != NULL)
		oms_warnx("%s: %s", x->where, msg);
	else
		oms_warnx("%s", msg);
	/*
	 * Kept when the order could ship but did not: not for one that is
	 * cancelled, held or shipped already, which says so itself.
	 */
	if ((rc = oms_order_may(the_db, x->id, OMS_ACT_SHIP)) == OMS_OK) {
		if ((rc = oms_order_refused(the_db, x->id, msg)) != OMS_OK)
			fail(oms_exit_status(rc));
	} else if (rc != OMS_REJECT)
		fail(oms_exit_status(rc));
	return OMS_OK;
}

/*
 * Ship the orders of the batch, together where the adapter can, each
 * said in its turn; refusals are counted, fatal errors die.
 */
static void
ship_batch(struct ship *sh)
{
	int64_t ids[BATCH];
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < sh->n; i++) {
		struct named *x = &sh->batch[i];
		char note[512];

		if (x->refusal != NULL)
			continue;
		if (shipped_before(the_db, x->id, note, sizeof note)) {
			x->note = estrdup(note);
			continue;
		}
		sh->map[k] = i;
		ids[k++] = x->id;
	}
	sh->said = 0;
	if (k > 0 && (rc = oms_ship_orders(sh->sp, ids, k, print_rec,
	    shipped, sh)) != OMS_OK)
		fail(oms_exit_status(rc));
	say_before(sh, sh->n);
	for (size_t i = 0; i < sh->n; i++) {
		free(sh->batch[i].where);
		free(sh->batch[i].refusal);
		free(sh->batch[i].note);
	}
	sh->n = 0;
}

/*
 * Lines read from a descriptor, with what has been read and not taken
 * in view: so that what is ready to read can be told from what would
 * make the reader wait.
 */
struct lines {
	int fd, eof;
	char *buf;
	size_t off, len, cap;
};

/* The end of the next line, when it is read, else NULL. */
static char *
line_end(const struct lines *r)
{
	return r->len > r->off ? memchr(r->buf + r->off, '\n', r->len -
	    r->off) : NULL;
}

/* Whatever the descriptor has now, or waits for some when wait is set. */
static void
lines_fill(struct lines *r, const char *name, int wait)
{
	struct pollfd p = { r->fd, POLLIN, 0 };
	ssize_t k;

	if (r->eof || (!wait && poll(&p, 1, 0) <= 0))
		return;
	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->cap - r->len < 4096)
		r->buf = erealloc(r->buf, r->cap = r->cap ? r->cap * 2 : 65536);
	while ((k = read(r->fd, r->buf + r->len, r->cap - r->len)) < 0 &&
	    errno == EINTR)
		;
	if (k < 0)
		oms_die(OMS_EXIT_FATAL, "%s: read error: %s", name,
		    strerror(errno));
	if (k == 0)
		r->eof = 1;
	r->len += (size_t)k;
}

/*
 * Whether the next line, or the end, can be had now without waiting for
 * the writer: it is read, or the descriptor has it.
 */
static int
lines_ready(struct lines *r, const char *name)
{
	for (;;) {
		size_t had = r->len - r->off;

		if (r->eof || line_end(r) != NULL)
			return 1;
		lines_fill(r, name, 0);
		if (r->len - r->off == had && !r->eof)
			return 0;
	}
}

/* The next line, its end of line cut, into *line; 0 at the end. */
static int
lines_next(struct lines *r, const char *name, char **line, size_t *len)
{
	char *nl;

	while ((nl = line_end(r)) == NULL && !r->eof)
		lines_fill(r, name, 1);
	if (nl == NULL && r->off == r->len)
		return 0;
	if (nl == NULL) {	/* the last line, with no newline */
		if (r->len == r->cap)
			r->buf = erealloc(r->buf, ++r->cap);
		nl = r->buf + r->len++;
	}
	*nl = '\0';
	*line = r->buf + r->off;
	*len = (size_t)(nl - *line);
	r->off = (size_t)(nl - r->buf) + 1;
	while (*len > 0 && (*line)[*len - 1] == '\r')
		(*line)[--*len] = '\0';
	return 1;
}

/*
 * Ship the orders a file names, a batch at a time: as many as are ready
 * to read, up to BATCH, so that a scanner's order fed alone ships at
 * once.  Refusals are counted, fatal errors die.
 */
static int
ship_file(struct oms_cli *cli, FILE *fp, const char *name, void *arg)
{
	struct ship *sh = arg;
	struct lines r = { fileno(fp), 0, NULL, 0, 0, 0 };
	char *line;
	size_t len;
	long ln = 0;

	(void)cli;
	while (lines_next(&r, name, &line, &len)) {
		struct named *x;
		struct oms_buf b = { 0 };
		int64_t id;
		int rc;

		ln++;
		if (len == 0)
			continue;
		rc = oms_order_ref(the_db, line, &id);
		if (rc != OMS_OK && rc != OMS_REJECT)
			fail(oms_exit_status(rc));
		/* An order twice in a batch: the second after the first. */
		for (size_t i = 0; rc == OMS_OK && i < sh->n; i++)
			if (sh->batch[i].refusal == NULL &&
			    sh->batch[i].id == id) {
				ship_batch(sh);
				break;
			}
		x = &sh->batch[sh->n++];
		memset(x, 0, sizeof *x);
		oms_buf_printf(&b, "%s:%ld", name, ln);
		if (rc == OMS_REJECT) {
			oms_buf_printf(&b, ": %s", oms_error());
			x->refusal = b.s;
		} else {
			x->id = id;
			x->where = b.s;
		}
		if (sh->n == BATCH || !lines_ready(&r, name))
			ship_batch(sh);
	}
	free(r.buf);
	/* What is left of a file is shipped before the next is read. */
	if (sh->n > 0)
		ship_batch(sh);
	return OMS_EXIT_OK;
}

enum { O_ACCOUNT = 256, O_CARRIER, O_DATE, O_DPI, O_FEED, O_FORMAT, O_FROM,
	O_LABELS, O_LOCATION, O_MAIL, O_PDF, O_PENDING, O_SERVICE, O_SLIPS,
	O_WAVE, O_WAVE_SIZE };

static const char *
carrier_opt(struct oms_cli *cli)
{
	if (!oms_valid_name(cli->optarg))
		oms_die(OMS_EXIT_USAGE, "'%s' is not a carrier name",
		    cli->optarg);
	return cli->optarg;
}

/* Labels bought for nothing that a carrier would not void: again. */
static void
strays(struct oms_shipper *sp)
{
	long voided, failed;
	int rc;

	if ((rc = oms_ship_strays(sp, &voided, &failed)) != OMS_OK)
		fail(oms_exit_status(rc));
	if (failed > 0)
		oms_warnx("%ld label%s bought for nothing still not voided "
		    "(oms status lists them)", failed, failed == 1 ? "" : "s");
}

/* oms-ship [--pending | FILE ...]: a label and a shipment per parcel. */
static int
ship(struct oms_cli *cli)
{
	const char *carrier = NULL, *labels = NULL, *service = NULL;
	const char *slips = NULL, *format = "both";
	struct ship sh = { 0 };
	int o, rc, dpi = 203, pending = 0, status = OMS_EXIT_OK;
	long shipped, r2;

	while ((o = oms_cli_next(cli)) != -1)
		switch (o) {
		case O_CARRIER:
			carrier = carrier_opt(cli);
			break;
		case O_LABELS:
			labels = cli->optarg;
			break;
		case O_SERVICE:
			service = cli->optarg;
			break;
		case O_SLIPS:
			slips = cli->optarg;
			break;
		case O_FORMAT:
			format = cli->optarg;
			if (strcmp(format, "zpl") != 0 &&
			    strcmp(format, "pdf") != 0 &&
			    strcmp(format, "both") != 0)
				oms_cli_usage(cli, "--format must be zpl, pdf "
				    "or both");
			break;
		case O_PENDING:
			pending = 1;
			break;
		case O_DPI:
			if (strcmp(cli->optarg, "203") != 0 &&
			    strcmp(cli->optarg, "300") != 0)
				oms_cli_usage(cli, "--dpi must be 203 or 300");
			dpi = atoi(cli->optarg);
			break;
		}
	verbose = cli->verbose;
	if (carrier == NULL || labels == NULL)
		oms_cli_usage(cli, "shipping needs --carrier and --labels");
	if (pending && cli->argc > 0)
		oms_cli_usage(cli, "--pending or files, not both");
	if (!pending && cli->argc == 0 && isatty(STDIN_FILENO))
		oms_cli_usage(cli, "no orders named, and stdin is a terminal");
	/*
	 * Each label drawn as PDF takes and frees a compressor's state of a
	 * few hundred KiB: the heap keeps it for the next, rather than giving
	 * it back and taking it again, zeroed, a label at a time.
	 */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	open_db(cli, 0);
	/* A run reads the shipments it adds to: keep them in memory. */
	oms_db_set_cache_mb(the_db, 64);
	must_write("cannot buy a label");
	if ((rc = oms_shipper_open(the_db, carrier, labels, service, dpi,
	    &sh.sp)) != OMS_OK)
		fail(oms_exit_status(rc));
	the_sp = sh.sp;
	if (slips != NULL && (rc = oms_shipper_slips(sh.sp, slips)) != OMS_OK)
		fail(oms_exit_status(rc));
	if ((rc = oms_shipper_format(sh.sp, format)) != OMS_OK)
		fail(oms_exit_status(rc));
	strays(sh.sp);
	if (pending) {
		int64_t *ids;
		size_t n;

		if ((rc = oms_ship_pending(the_db, &ids, &n)) != OMS_OK)
			fail(oms_exit_status(rc));
		for (size_t i = 0; i < n; i++) {
			memset(&sh.batch[sh.n], 0, sizeof sh.batch[sh.n]);
			sh.batch[sh.n++].id = ids[i];
			if (sh.n == BATCH || i + 1 == n)
				ship_batch(&sh);
		}
		free(ids);
	} else
		status = oms_cli_files(cli, ship_file, &sh);
	progress(sh.sp, 1);
	oms_shipper_counts(sh.sp, &shipped, &r2);
	if (oms_cli_summary(cli))
		oms_warnx("%ld shipment%s, %ld already shipped, %ld refused",
		    shipped, shipped == 1 ? "" : "s", nalready, sh.refused);
	oms_shipper_close(sh.sp);
	the_sp = NULL;
	oms_db_close(the_db);
	if (sh.refused || npayfailed)
		status = status > OMS_EXIT_REJECT ? status : OMS_EXIT_REJECT;
	return oms_cli_done(cli, status);
}

static int
print_pay(void *arg, const cJSON *rec)
{
	(void)arg;
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	return OMS_OK;
}

static void
settle_warn(void *arg, const char *msg)
{
	(void)arg;
	oms_warnx("%s", msg);
}

/*
 * settle: every capture and refund a payment adapter still owes, asked
 * (again, under the same keys); a record printed for each answered.
 */
static int
settle(struct oms_cli *cli)
{
	struct oms_pay_run run = { settle_warn, print_pay, NULL, 0, 0 };
	int rc;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 0)
		oms_cli_usage(cli, "settle takes no operand");
	open_db(cli, 0);
	must_write("cannot settle payments");
	if ((rc = oms_pay_settle(the_db, &run)) != OMS_OK)
		fail(oms_exit_status(rc));
	if (oms_cli_summary(cli))
		oms_warnx("%ld payment%s done, %ld not", run.done,
		    run.done == 1 ? "" : "s", run.failed);
	oms_db_close(the_db);
	the_db = NULL;
	return oms_cli_done(cli, run.failed ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

/* The waves a run of pick committed, and whether their lists got out. */
struct picked {
	int64_t first, last;
	int failed;
	char why[256];
};

/*
 * A wave's list, printed once committed.  A write error does not end
 * the run here: the waves after it are committed too, and are counted,
 * so that the message names every wave to print again.
 */
static int
print_wave(void *arg, const cJSON *rec)
{
	struct picked *p = arg;
	const char *w = oms_json_str(rec, "wave");
	int64_t id = w != NULL && w[0] == 'W' ? strtoll(w + 1, NULL, 10) : 0;

	if (p->first == 0)
		p->first = id;
	p->last = id;
	if (p->failed)
		return OMS_OK;
	if (oms_rec_write(stdout, rec) != OMS_OK ||
	    oms_rec_flush(stdout) != OMS_OK) {
		p->failed = 1;
		snprintf(p->why, sizeof p->why, "%s", oms_error());
	}
	return OMS_OK;
}

/* --wave N or N-M, each maybe with its W: the range into first, last. */
static void
parse_waves(const char *s, int64_t *first, int64_t *last)
{
	const char *p = s;
	char *end;
	long long a, b;

	if (*p == 'W')
		p++;
	if (!isdigit((unsigned char)*p))
		oms_die(OMS_EXIT_USAGE, "--wave '%s' is not a wave number, or "
		    "N-M", s);
	errno = 0;
	a = strtoll(p, &end, 10);
	b = a;
	if (*end == '-') {
		p = end + 1;
		if (*p == 'W')
			p++;
		b = strtoll(p, &end, 10);
	}
	if (errno != 0 || end == p || *end != '\0' || !isdigit((unsigned
	    char)*p) || a < 1 || b < a || b - a >= 100000)
		oms_die(OMS_EXIT_USAGE, "--wave '%s' is not a wave number, or "
		    "N-M", s);
	*first = a;
	*last = b;
}

static int
pick(struct oms_cli *cli)
{
	const char *location = NULL, *pdf = NULL, *wave = NULL;
	struct picked out = { 0 };
	int o, rc, wave_size = 0;
	int64_t first, last;
	long waves, v;
	char *end;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_LOCATION)
			location = cli->optarg;
		else if (o == O_PDF)
			pdf = cli->optarg;
		else if (o == O_WAVE)
			wave = cli->optarg;
		else {
			v = strtol(cli->optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 10000)
				oms_die(OMS_EXIT_USAGE, "--wave-size '%s' is "
				    "not 1 to 10000", cli->optarg);
			wave_size = (int)v;
		}
	if (cli->argc != 0)
		oms_cli_usage(cli, "pick takes no operand");
	if (wave != NULL) {
		/* A wave made: its list again, as it was printed. */
		if (location != NULL || pdf != NULL || wave_size != 0)
			oms_cli_usage(cli, "--wave prints waves made: it takes "
			    "no --location, --pdf or --wave-size");
		parse_waves(wave, &first, &last);
		open_db(cli, 0);
		rc = oms_pick_reprint(the_db, first, last, oms_cli_print_line, NULL);
		if (rc == OMS_REJECT) {
			oms_warnx("%s", oms_error());
			oms_db_close(the_db);
			return oms_cli_done(cli, OMS_EXIT_REJECT);
		}
		if (rc != OMS_OK)
			fail(oms_exit_status(rc));
		oms_db_close(the_db);
		return oms_cli_done(cli, OMS_EXIT_OK);
	}
	if (wave_size == 0)
		wave_size = 50;
	open_db(cli, 0);
	must_write("cannot make a wave");
	rc = oms_pick(the_db, location, wave_size, pdf, print_wave, &out,
	    &waves);
	if (rc != OMS_OK)
		fail(oms_exit_status(rc));
	if (out.failed) {
		oms_db_close(the_db);
		if (out.first == out.last)
			oms_die(OMS_EXIT_FATAL, "%s; wave W%lld committed: "
			    "print it again with `oms-ship pick --wave %lld`",
			    out.why, (long long)out.first,
			    (long long)out.first);
		oms_die(OMS_EXIT_FATAL, "%s; waves W%lld to W%lld committed: "
		    "print them again with `oms-ship pick --wave %lld-%lld`",
		    out.why, (long long)out.first, (long long)out.last,
		    (long long)out.first, (long long)out.last);
	}
	if (oms_cli_summary(cli))
		oms_warnx("%ld wave%s", waves, waves == 1 ? "" : "s");
	oms_db_close(the_db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
notify(struct oms_cli *cli)
{
	const char *mail = NULL, *from = NULL;
	long sent, none;
	int o, rc;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_MAIL)
			mail = cli->optarg;
		else
			from = cli->optarg;
	if (cli->argc != 0)
		oms_cli_usage(cli, "notify takes no operand");
	if (mail != NULL && from == NULL)
		oms_die(OMS_EXIT_USAGE, "--mail needs --from ADDRESS");
	open_db(cli, 0);
	must_write("cannot send a message");
	if (mail != NULL && mkdir(mail, 0755) != 0 && errno != EEXIST) {
		oms_db_close(the_db);
		oms_die(OMS_EXIT_FATAL, "cannot make '%s': %s", mail,
		    strerror(errno));
	}
	if (mail != NULL && oms_dir_check(mail) != OMS_OK) {
		oms_db_close(the_db);
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	}
	rc = oms_notify(the_db, mail, from, print_rec, NULL, &sent, &none);
	if (rc != OMS_OK)
		fail(oms_exit_status(rc));
	if (oms_cli_summary(cli))
		oms_warnx("%ld message%s, %ld shipment%s with no customer email",
		    sent, sent == 1 ? "" : "s", none, none == 1 ? "" : "s");
	oms_db_close(the_db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
track(struct oms_cli *cli)
{
	const char *carrier = NULL;
	long failed, news = 0;
	int rc;

	while (oms_cli_next(cli) != -1)
		carrier = carrier_opt(cli);
	if (cli->argc != 0)
		oms_cli_usage(cli, "track takes no operand");
	open_db(cli, 0);
	rc = oms_ship_track(the_db, carrier, count_rec, &news, &failed);
	if (rc != OMS_OK)
		fail(oms_exit_status(rc));
	if (oms_cli_summary(cli))
		oms_warnx("track: %ld shipment%s with news, %ld the carrier "
		    "failed on", news, news == 1 ? "" : "s", failed);
	oms_db_close(the_db);
	return oms_cli_done(cli, failed ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

static int
manifest(struct oms_cli *cli)
{
	const char *carrier = NULL, *date = NULL;
	char today[OMS_TIME_LEN];
	int o, rc;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_CARRIER)
			carrier = carrier_opt(cli);
		else
			date = cli->optarg;
	if (cli->argc != 0)
		oms_cli_usage(cli, "manifest takes no operand");
	if (carrier == NULL)
		oms_cli_usage(cli, "manifest needs --carrier");
	if (date == NULL) {
		oms_time_now(today);
		today[10] = '\0';
		date = today;
	} else if (strlen(date) != 10 || date[4] != '-' || date[7] != '-')
		oms_die(OMS_EXIT_USAGE, "--date '%s' is not YYYY-MM-DD", date);
	open_db(cli, 0);
	if ((rc = oms_ship_manifest(the_db, carrier, date, print_rec, NULL)) !=
	    OMS_OK)
		fail(oms_exit_status(rc));
	oms_db_close(the_db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
confirm(struct oms_cli *cli)
{
	const char *feed = NULL, *account = NULL, *format = NULL;
	cJSON *left = NULL, *gaps = NULL;
	const cJSON *x;
	long n;
	int o, rc;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_FEED)
			feed = cli->optarg;
		else if (o == O_FORMAT)
			format = cli->optarg;
		else if (!oms_valid_account(account = cli->optarg))
			oms_die(OMS_EXIT_USAGE, "--account '%s' is not 1-100 "
			    "characters with no ':', '/' or control character",
			    account);
	if (cli->argc != 0)
		oms_cli_usage(cli, "confirm takes no operand");
	if (feed == NULL)
		oms_cli_usage(cli, "confirm needs --feed CHANNEL");
	open_db(cli, 0);
	if (!cli->dry_run)
		must_write("cannot confirm a shipment");
	rc = oms_confirm_write(the_db, feed, account, format, cli->dry_run,
	    stdout, &n, &left, &gaps);
	if (rc != OMS_OK) {
		cJSON_Delete(left);
		cJSON_Delete(gaps);
		fail(rc == OMS_REJECT ? OMS_EXIT_REJECT : oms_exit_status(rc));
	}
	/* What the channel would refuse: left out, said once. */
	cJSON_ArrayForEach(x, gaps) {
		int64_t k = 0;

		oms_json_int(x, "shipments", &k);
		oms_warnx("%s: %s: %lld shipment%s left out, without %s: %s",
		    oms_json_str(x, "format"), feed, (long long)k,
		    k == 1 ? "" : "s", oms_json_str(x, "value"),
		    oms_json_str(x, "what"));
	}
	/* Voided after the channel was told, and no correction here. */
	cJSON_ArrayForEach(x, left)
		oms_warnx("%s (order %s) was voided after %s was told it "
		    "shipped with tracking %s: correct it on %s by hand",
		    oms_json_str(x, "id"), oms_json_str(x, "external_id"),
		    feed, oms_json_str(x, "tracking"), feed);
	if (oms_cli_summary(cli))
		oms_warnx("%s: %ld shipment%s confirmed%s", feed, n,
		    n == 1 ? "" : "s", cli->dry_run ?
		    " (dry run: not recorded)" : "");
	rc = cJSON_GetArraySize(left) > 0 || cJSON_GetArraySize(gaps) > 0 ?
	    OMS_EXIT_REJECT : OMS_EXIT_OK;
	cJSON_Delete(left);
	cJSON_Delete(gaps);
	oms_db_close(the_db);
	return oms_cli_done(cli, rc);
}

static int
void_labels(struct oms_cli *cli)
{
	int rc, refused = 0;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc == 0)
		oms_cli_usage(cli, "void needs a SHIPMENT");
	open_db(cli, 0);
	must_write("cannot void a label");
	for (int i = 0; i < cli->argc; i++) {
		rc = oms_ship_void(the_db, cli->argv[i], print_rec, NULL);
		if (rc == OMS_REJECT || (rc == OMS_ERR &&
		    oms_errkind() == OMS_E_CARRIER)) {
			oms_warnx("%s%s", oms_error(), rc == OMS_ERR ?
			    " (nothing changed)" : "");
			refused++;
		} else if (rc != OMS_OK)
			fail(oms_exit_status(rc));
	}
	oms_db_close(the_db);
	return oms_cli_done(cli, refused ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

#define CARRIER_OPT { "carrier", O_CARRIER, "NAME", "the carrier adapter, " \
	"oms-carrier-NAME" }

static const struct oms_opt ship_opts[] = { OMS_OPT_QUIET, OMS_OPT_VERBOSE,
	OMS_OPT_DB, CARRIER_OPT,
	{ "labels", O_LABELS, "DIR", "where the label files go" },
	{ "service", O_SERVICE, "NAME", "this service, not the one routed" },
	{ "dpi", O_DPI, "203|300", "the label printer's resolution" },
	{ "format", O_FORMAT, "zpl|pdf|both", "the labels drawn when the "
	    "carrier sends none (both)" },
	{ "slips", O_SLIPS, "DIR", "a packing slip per parcel, in DIR" },
	{ "pending", O_PENDING, NULL, "every order allocated and not "
	    "shipped" },
	OMS_OPT_END };
static const struct oms_opt pick_opts[] = { OMS_OPT_QUIET, OMS_OPT_VERBOSE,
	OMS_OPT_DB,
	{ "location", O_LOCATION, "LOC", "this location only" },
	{ "wave-size", O_WAVE_SIZE, "N", "orders per wave (default 50)" },
	{ "pdf", O_PDF, "FILE", "the pick lists as a PDF" },
	{ "wave", O_WAVE, "N[-M]", "print wave N (to M) again, as it was "
	    "printed" },
	OMS_OPT_END };
static const struct oms_opt track_opts[] = { OMS_OPT_QUIET, OMS_OPT_VERBOSE,
	OMS_OPT_DB, CARRIER_OPT, OMS_OPT_END };
static const struct oms_opt manifest_opts[] = { OMS_OPT_DB, CARRIER_OPT,
	{ "date", O_DATE, "DAY", "the day's parcels (default today, UTC)" },
	OMS_OPT_END };
static const struct oms_opt confirm_opts[] = { OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "feed", O_FEED, "CHANNEL", "the channel told" },
	{ "account", O_ACCOUNT, "NAME", "this account's orders only" },
	{ "format", O_FORMAT, "NAME", "the confirmation format (default: "
	    "the channel's)" },
	OMS_OPT_END };
static const struct oms_opt notify_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "mail", O_MAIL, "DIR", "write the messages into the maildir DIR" },
	{ "from", O_FROM, "ADDRESS", "the sender of the messages" },
	OMS_OPT_END };
static const struct oms_opt void_opts[] = { OMS_OPT_DB, OMS_OPT_END };
static const struct oms_opt settle_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ NULL, ship, "[-qv] [--db PATH] --carrier NAME --labels DIR "
	    "[--service NAME]\n"
	    "         [--dpi 203|300] [--format zpl|pdf|both] [--slips DIR]\n"
	    "         [--pending | FILE ...]",
	    "buy a label and record a shipment per parcel", ship_opts },
	{ "pick", pick, "[-qv] [--db PATH] [--location LOC] [--wave-size N] "
	    "[--pdf FILE]\n"
	    "oms-ship pick [--db PATH] --wave N[-M]", "pick lists for what "
	    "is allocated, or again for waves made", pick_opts },
	{ "track", track, "[-qv] [--db PATH] [--carrier NAME]", "ask the "
	    "carriers where parcels are", track_opts },
	{ "manifest", manifest, "[--db PATH] --carrier NAME [--date DAY]",
	    "the day's parcels for a carrier", manifest_opts },
	{ "confirm", confirm, "[-nqv] [--db PATH] --feed CHANNEL "
	    "[--account NAME]\n         [--format NAME]", "tell a channel "
	    "what shipped", confirm_opts },
	{ "notify", notify, "[-qv] [--db PATH] [--mail DIR] "
	    "[--from ADDRESS]", "a shipping message per customer",
	    notify_opts },
	{ "void", void_labels, "[--db PATH] SHIPMENT ...", "void labels "
	    "not yet scanned", void_opts },
	{ "settle", settle, "[-qv] [--db PATH]", "ask the payment adapters "
	    "for the captures and refunds owed", settle_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
