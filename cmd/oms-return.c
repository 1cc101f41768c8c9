/*
 * oms-return: returns, exchanges, reships and refunds.
 *
 * Every channel's returns go through one workflow: a return (r_N) is
 * requested against an order's shipped lines under the channel's policy,
 * authorised, labelled, followed in transit, received into the quarantine
 * of the location that took it, and inspected unit by unit; only a
 * restock puts stock back in the pool.  Refunds are computed per line
 * when the policy says they are due, once each.  Run with no verb it
 * reads return, receipt and inspection records from the files named or
 * stdin; the verbs do one thing to the returns named.  Each change is its
 * own short transaction, keyed so that a replay changes nothing, and each
 * record is printed once it is committed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "bounds.h"
#include "cli.h"
#include "order.h"
#include "rma.h"
#include "pay.h"

struct ctx {
	struct oms_cli *cli;
	oms_db *db;
	long done, duplicates, rejected;
};

static void
pay_warn(void *arg, const char *msg)
{
	(void)arg;
	oms_warnx("%s", msg);
}

/*
 * The orders a run's records named: once its changes are committed, the
 * refunds pending of those whose payment an adapter takes are sent
 * through it (pay.c).  An adapter's failure leaves a refund pending,
 * said, and the run exits 1.
 */
static int64_t *touched;
static size_t ntouched, captouched;

static void
remember_order(const cJSON *rec)
{
	const char *o = oms_json_str(rec, "order");
	int64_t id;

	if (o == NULL || strncmp(o, "o_", 2) != 0 ||
	    (id = strtoll(o + 2, NULL, 10)) <= 0)
		return;
	for (size_t i = 0; i < ntouched; i++)
		if (touched[i] == id)
			return;
	if (ntouched == captouched) {
		captouched = captouched ? captouched * 2 : 8;
		touched = erealloc(touched, captouched * sizeof *touched);
	}
	touched[ntouched++] = id;
}

/* Returns how many refunds were not paid. */
static long
pay_refunds(oms_db *db)
{
	struct oms_pay_run run = { pay_warn, NULL, NULL, 0, 0 };
	int rc;

	for (size_t i = 0; i < ntouched; i++)
		if ((rc = oms_pay_refunds(db, touched[i], &run)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
	free(touched);
	touched = NULL;
	ntouched = captouched = 0;
	return run.failed;
}

static void
write_rec(const cJSON *rec)
{
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
}

static int
print_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	write_rec(rec);
	return OMS_OK;
}

/*
 * The outcome of one change: printed when made, counted, or refused with
 * what it was about; anything worse than a refusal ends the run.
 */
static void
outcome(struct ctx *c, int rc, cJSON *out, const char *what)
{
	if (rc == OMS_REJECT) {
		oms_warnx("%s: %s", what, oms_error());
		if (c->cli->rejects_path != NULL)
			oms_cli_reject(c->cli, "-", 0, oms_error(), what);
		c->rejected++;
		return;
	}
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s: %s", what, oms_error());
	if (out == NULL)
		return;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "duplicate")))
		c->duplicates++;
	else
		c->done++;
	remember_order(out);
	write_rec(out);
	cJSON_Delete(out);
}

/* The same, for the records a change gives rise to, in order. */
static void
outcome_list(struct ctx *c, int rc, cJSON *out, const char *what)
{
	cJSON *r;

	if (rc != OMS_OK || !cJSON_IsArray(out)) {
		outcome(c, rc, out, what);
		return;
	}
	while ((r = cJSON_DetachItemFromArray(out, 0)) != NULL)
		outcome(c, OMS_OK, r, what);
	cJSON_Delete(out);
}

static int
finish(struct ctx *c, const char *done)
{
	c->rejected += pay_refunds(c->db);
	if (oms_cli_summary(c->cli))
		oms_warnx("%ld %s, %ld already so, %ld refused", c->done, done,
		    c->duplicates, c->rejected);
	oms_db_close(c->db);
	return oms_cli_done(c->cli, c->rejected > 0 ? OMS_EXIT_REJECT :
	    OMS_EXIT_OK);
}

/* ---- records ---- */

static int
apply_file(struct oms_cli *cli, FILE *fp, const char *name, void *arg)
{
	struct ctx *c = arg;
	struct oms_rec_reader r;
	cJSON *rec, *out;
	int rc;

	oms_rec_init(&r, fp, name);
	while ((rc = oms_rec_next(&r, &rec)) != OMS_EOF) {
		if (rc != OMS_OK) {
			if (ferror(r.fp))
				oms_die(OMS_EXIT_FATAL, "%s", oms_error());
			oms_cli_reject(cli, r.name, r.line, oms_errreason(),
			    r.buf);
			c->rejected++;
			continue;
		}
		rc = oms_return_apply(c->db, rec, &out);
		cJSON_Delete(rec);
		if (rc == OMS_REJECT) {
			oms_cli_reject(cli, r.name, r.line, oms_error(), r.buf);
			c->rejected++;
			continue;
		}
		outcome_list(c, rc, out, r.name);
	}
	free(r.buf);
	return OMS_EXIT_OK;
}

static int
apply_records(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	int status;

	while (oms_cli_next(cli) != -1)
		;
	oms_cli_rejects(cli);
	c.db = oms_cli_db(cli, 0);
	if (oms_db_writable(c.db, "apply return records") != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	status = oms_cli_files(cli, apply_file, &c);
	if (status == OMS_EXIT_REJECT)
		c.rejected++;
	return finish(&c, "applied");
}

enum { O_REASON = 256, O_NOTE, O_FORCE, O_KEY, O_LOCATION, O_RESOLUTION,
	O_KEEP, O_TRACKING, O_DISPOSITION, O_SKU, O_TO_SKU, O_TO, O_NOW,
	O_STATE, O_ORDER, O_ACCOUNT, O_FORMAT, O_DIR, O_REPRINT, O_ADVANCE,
	O_SHIPMENT, O_AT };

/* LINE or LINE:QTY: a line number from 1 and a quantity. */
static void
line_qty(struct oms_cli *cli, const char *s, int *line, int64_t *qty)
{
	char *end;
	long l;
	long long q = 0;

	errno = 0;
	l = strtol(s, &end, 10);
	if (errno != 0 || end == s || l < 1 || l > 100000 || (*end != '\0' &&
	    *end != ':'))
		oms_cli_usage(cli, "'%s' is not LINE or LINE:QTY", s);
	if (*end == ':') {
		const char *p = end + 1;

		q = strtoll(p, &end, 10);
		if (errno != 0 || end == p || *end != '\0' || q < 1 ||
		    q > OMS_QTY_MAX)
			oms_cli_usage(cli, "'%s': the quantity must be from 1 "
			    "to %d", s, OMS_QTY_MAX);
	}
	*line = (int)l;
	*qty = q;
}

static oms_db *
open_db(struct oms_cli *cli, const char *what)
{
	oms_db *db = oms_cli_db(cli, 0);

	if (what != NULL && oms_db_writable(db, what) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	return db;
}

/* request ORDER LINE[:QTY]...: a return asked for by hand. */
static int
request(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	const char *reason = NULL, *note = NULL, *force = NULL, *key = NULL;
	const char *loc = NULL, *res = NULL, *at = NULL;
	cJSON *req, *lines, *out = NULL;
	int o, keep = 0, rc;

	while ((o = oms_cli_next(cli)) != -1)
		switch (o) {
		case O_REASON: reason = cli->optarg; break;
		case O_NOTE: note = cli->optarg; break;
		case O_FORCE: force = cli->optarg; break;
		case O_KEY: key = cli->optarg; break;
		case O_LOCATION: loc = cli->optarg; break;
		case O_RESOLUTION: res = cli->optarg; break;
		case O_KEEP: keep = 1; break;
		case O_AT: at = cli->optarg; break;
		}
	if (cli->argc == 0)
		return apply_records(cli);
	if (cli->argc < 2)
		oms_cli_usage(cli, "request needs an order and its lines "
		    "(LINE or LINE:QTY), or records on stdin");
	if (reason == NULL)
		oms_cli_usage(cli, "request needs --reason");
	if (force != NULL && *force == '\0')
		oms_cli_usage(cli, "--force needs a reason");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "type", "return");
	cJSON_AddStringToObject(req, "order", cli->argv[0]);
	lines = cJSON_AddArrayToObject(req, "lines");
	for (int i = 1; i < cli->argc; i++) {
		cJSON *l = cJSON_CreateObject();
		int line;
		int64_t qty;

		line_qty(cli, cli->argv[i], &line, &qty);
		cJSON_AddNumberToObject(l, "order_line", line);
		cJSON_AddNumberToObject(l, "qty", qty ? (double)qty : 1);
		cJSON_AddStringToObject(l, "reason", reason);
		if (note != NULL)
			cJSON_AddStringToObject(l, "note", note);
		if (res != NULL)
			cJSON_AddStringToObject(l, "resolution", res);
		cJSON_AddItemToArray(lines, l);
	}
	if (key != NULL)
		cJSON_AddStringToObject(req, "key", key);
	if (force != NULL)
		cJSON_AddStringToObject(req, "force", force);
	if (loc != NULL)
		cJSON_AddStringToObject(req, "location", loc);
	if (at != NULL)
		cJSON_AddStringToObject(req, "requested_at", at);
	if (keep)
		cJSON_AddBoolToObject(req, "keep", 1);
	c.db = open_db(cli, "request a return");
	rc = oms_return_request(c.db, req, &out);
	cJSON_Delete(req);
	outcome(&c, rc, out, cli->argv[0]);
	return finish(&c, "requested");
}

/* authorize, decline, cancel, close: RETURN... */
static int
decide(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	const char *verb = cli->verb->name, *why = NULL, *to;
	int o;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_REASON)
			why = cli->optarg;
	if (cli->argc == 0)
		oms_cli_usage(cli, "%s needs the returns to %s", verb, verb);
	to = strcmp(verb, "authorize") == 0 ? "authorized" :
	    strcmp(verb, "decline") == 0 ? "declined" :
	    strcmp(verb, "cancel") == 0 ? "cancelled" : "closed";
	c.db = open_db(cli, "change a return");
	for (int i = 0; i < cli->argc; i++) {
		cJSON *out = NULL;
		int64_t id;
		int rc = oms_return_find(c.db, cli->argv[i], &id);

		if (rc == OMS_OK)
			rc = oms_return_decide(c.db, id, to, why, &out);
		outcome(&c, rc, out, cli->argv[i]);
	}
	return finish(&c, to);
}

/* receive RETURN|TRACKING [LINE[:QTY]...] */
static int
receive(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	struct oms_receipt r = { 0 };
	int o, rc;
	int64_t id;

	while ((o = oms_cli_next(cli)) != -1)
		switch (o) {
		case O_LOCATION: r.location = cli->optarg; break;
		case O_TRACKING: r.tracking = cli->optarg; break;
		case O_KEY: r.key = cli->optarg; break;
		}
	if (cli->argc == 0)
		oms_cli_usage(cli, "receive needs a return (r_N) or the "
		    "tracking number of its parcel");
	c.db = open_db(cli, "receive a return");
	if ((o = oms_return_find(c.db, cli->argv[0], &id)) != OMS_OK) {
		outcome(&c, o, NULL, cli->argv[0]);
		return finish(&c, "received");
	}
	r.return_id = id;
	if (r.tracking == NULL && strncmp(cli->argv[0], "r_", 2) != 0)
		r.tracking = cli->argv[0];
	{
		/* The lines named arrived together: one receipt. */
		int n = cli->argc > 1 ? cli->argc - 1 : 1;
		struct oms_receipt *rs = ecalloc(n, sizeof *rs);
		cJSON *out = NULL;

		for (int i = 0; i < n; i++) {
			rs[i] = r;
			if (cli->argc > 1)
				line_qty(cli, cli->argv[i + 1], &rs[i].line_no,
				    &rs[i].qty);
		}
		rc = oms_return_receive_lines(c.db, rs, n, &out);
		free(rs);
		outcome(&c, rc, out, cli->argv[0]);
	}
	return finish(&c, "received");
}

/* inspect RETURN LINE[:QTY]... --disposition D */
static int
inspect(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	struct oms_inspection in = { 0 };
	int o, rc;
	int64_t id;

	while ((o = oms_cli_next(cli)) != -1)
		switch (o) {
		case O_DISPOSITION: in.disposition = cli->optarg; break;
		case O_SKU: in.sku = cli->optarg; break;
		case O_TO_SKU: in.to_sku = cli->optarg; break;
		case O_TO: in.to_location = cli->optarg; break;
		case O_NOTE: in.note = cli->optarg; break;
		case O_KEY: in.key = cli->optarg; break;
		}
	if (cli->argc < 2)
		oms_cli_usage(cli, "inspect needs a return and its lines "
		    "(LINE or LINE:QTY)");
	if (in.disposition == NULL)
		oms_cli_usage(cli, "inspect needs --disposition");
	if (in.key != NULL && cli->argc > 2)
		oms_cli_usage(cli, "--key names one inspection: one line");
	c.db = open_db(cli, "inspect a return");
	if ((o = oms_return_find(c.db, cli->argv[0], &id)) != OMS_OK) {
		outcome(&c, o, NULL, cli->argv[0]);
		return finish(&c, "inspected");
	}
	in.return_id = id;
	for (int i = 1; i < cli->argc; i++) {
		cJSON *out = NULL;

		line_qty(cli, cli->argv[i], &in.line_no, &in.qty);
		rc = oms_return_inspect(c.db, &in, &out);
		outcome(&c, rc, out, cli->argv[i]);
	}
	return finish(&c, "inspected");
}

static int
expire(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	char now[OMS_TIME_LEN];
	long n;
	int o, rc;

	oms_time_now(now);
	while ((o = oms_cli_next(cli)) != -1)
		if (oms_time_parse(cli->optarg, 0, "UTC", now) != OMS_OK)
			oms_cli_usage(cli, "--now '%s' is not a time",
			    cli->optarg);
	if (cli->argc != 0)
		oms_cli_usage(cli, "expire takes no operand");
	c.db = open_db(cli, "expire returns");
	rc = oms_return_expire(c.db, now, print_rec, NULL, &n);
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	c.done = n;
	return finish(&c, "expired");
}

static int
list(struct oms_cli *cli)
{
	const char *state = NULL, *order = NULL;
	int64_t oid = 0;
	oms_db *db;
	int o, rc;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_STATE)
			state = cli->optarg;
		else
			order = cli->optarg;
	if (cli->argc != 0)
		oms_cli_usage(cli, "list takes no operand");
	if (state != NULL && !oms_return_state_known(state))
		oms_cli_usage(cli, "--state '%s' is not requested, authorized, "
		    "in_transit, received, inspected, closed, declined, "
		    "cancelled or expired", state);
	db = open_db(cli, NULL);
	if (order != NULL && (rc = oms_order_find(db, order, &oid)) != OMS_OK)
		oms_die(rc == OMS_REJECT ? OMS_EXIT_REJECT :
		    oms_exit_status(rc), "%s", oms_error());
	if ((rc = oms_return_list(db, state, oid, print_rec, NULL)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
show(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc == 0)
		oms_cli_usage(cli, "show needs a return");
	c.db = open_db(cli, NULL);
	for (int i = 0; i < cli->argc; i++) {
		int64_t id;
		int rc = oms_return_find(c.db, cli->argv[i], &id);

		if (rc == OMS_OK) {
			cJSON *r = oms_return_record(c.db, id);

			if (r == NULL)
				oms_die(OMS_EXIT_FATAL, "%s", oms_error());
			write_rec(r);
			cJSON_Delete(r);
		} else
			outcome(&c, rc, NULL, cli->argv[i]);
	}
	oms_db_close(c.db);
	return oms_cli_done(cli, c.rejected ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

static const struct oms_opt records_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_REJECTS, OMS_OPT_END };
static const struct oms_opt request_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_REJECTS,
	{ "reason", O_REASON, "REASON", "why it comes back "
	    "(returns/reasons.json)" },
	{ "note", O_NOTE, "TEXT", "what the customer said" },
	{ "resolution", O_RESOLUTION, "WHAT", "refund, exchange, "
	    "store_credit or none" },
	{ "force", O_FORCE, "WHY", "take it though the policy refuses it" },
	{ "key", O_KEY, "KEY", "the request's own key, so a retry asks once" },
	{ "location", O_LOCATION, "LOC", "where it is to come back to" },
	{ "keep", O_KEEP, NULL, "refund it; the customer keeps the units" },
	{ "at", O_AT, "TIME", "when the customer asked (default: now)" },
	OMS_OPT_END };
static const struct oms_opt decide_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "reason", O_REASON, "WHY", "why, kept in the event" },
	OMS_OPT_END };
static const struct oms_opt receive_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "location", O_LOCATION, "LOC", "where it was received (default: "
	    "the return's)" },
	{ "tracking", O_TRACKING, "NUMBER", "the parcel it came in" },
	{ "key", O_KEY, "KEY", "the receipt's own key, so it counts once" },
	OMS_OPT_END };
static const struct oms_opt inspect_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "disposition", O_DISPOSITION, "WHAT", "restock, regrade, "
	    "refurbish, vendor, dispose, missing or wrong_item" },
	{ "sku", O_SKU, "SKU", "the part of a kit inspected" },
	{ "to-sku", O_TO_SKU, "SKU", "regrade: the SKU the units become" },
	{ "to", O_TO, "LOC", "restock or regrade at LOC (default: where "
	    "received)" },
	{ "note", O_NOTE, "TEXT", "what the inspector saw" },
	{ "key", O_KEY, "KEY", "the inspection's own key, so it counts once" },
	OMS_OPT_END };
static const struct oms_opt expire_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "now", O_NOW, "TIME", "expire as at TIME (default: now)" },
	OMS_OPT_END };
static const struct oms_opt list_opts[] = { OMS_OPT_DB,
	{ "state", O_STATE, "STATE", "only returns in STATE" },
	{ "order", O_ORDER, "ORDER", "only the returns of ORDER" },
	OMS_OPT_END };
static const struct oms_opt db_opts[] = { OMS_OPT_DB, OMS_OPT_END };


/* label RETURN...: a return label each, through the carrier adapter. */
static int
label(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	const char *account = NULL, *format = "zpl", *dir = ".";
	int o, reprint = 0;

	while ((o = oms_cli_next(cli)) != -1)
		switch (o) {
		case O_ACCOUNT: account = cli->optarg; break;
		case O_FORMAT: format = cli->optarg; break;
		case O_DIR: dir = cli->optarg; break;
		case O_REPRINT: reprint = 1; break;
		}
	if (strcmp(format, "zpl") != 0 && strcmp(format, "pdf") != 0)
		oms_cli_usage(cli, "--format is zpl or pdf");
	if (cli->argc == 0)
		oms_cli_usage(cli, "label needs the returns to label");
	c.db = open_db(cli, "label returns");
	for (int i = 0; i < cli->argc; i++) {
		cJSON *out = NULL;
		int64_t id;
		int rc = oms_return_find(c.db, cli->argv[i], &id);

		if (rc == OMS_OK)
			rc = oms_return_label(c.db, id, account, format, dir,
			    reprint, &out);
		outcome(&c, rc, out, cli->argv[i]);
	}
	return finish(&c, "labelled");
}

/* track: follow the parcels of returns on their way back. */
static int
track(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	const char *account = NULL;
	long moved = 0;
	int o, rc;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_ACCOUNT)
			account = cli->optarg;
	if (cli->argc != 0)
		oms_cli_usage(cli, "track takes no operand");
	c.db = open_db(cli, "track returns");
	rc = oms_return_track(c.db, account, print_rec, NULL, &moved);
	if (rc == OMS_REJECT)
		outcome(&c, rc, NULL, "track");
	else if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	c.done = moved;
	return finish(&c, "moved");
}

/* SKU[:QTY][@PRICE] */
static cJSON *
exchange_line(struct oms_cli *cli, const char *s)
{
	cJSON *l = cJSON_CreateObject();
	const char *at = strchr(s, '@'), *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : at ? (size_t)(at - s) :
	    strlen(s);
	char sku[128];

	if (n == 0 || n >= sizeof sku || (colon && at && colon > at))
		oms_cli_usage(cli, "'%s' is not SKU[:QTY][@PRICE]", s);
	memcpy(sku, s, n);
	sku[n] = '\0';
	cJSON_AddStringToObject(l, "sku", sku);
	if (colon != NULL) {
		char *end;
		long long q;

		errno = 0;
		q = strtoll(colon + 1, &end, 10);
		if (errno != 0 || end == colon + 1 || (*end != '\0' &&
		    *end != '@') || q < 1 || q > OMS_QTY_MAX)
			oms_cli_usage(cli, "'%s': the quantity must be from 1 "
			    "to %d", s, OMS_QTY_MAX);
		cJSON_AddNumberToObject(l, "qty", (double)q);
	} else
		cJSON_AddNumberToObject(l, "qty", 1);
	if (at != NULL) {
		if (at[1] == '\0')
			oms_cli_usage(cli, "'%s': no price after @", s);
		cJSON_AddStringToObject(l, "unit_price", at + 1);
	}
	return l;
}

/* exchange RETURN SKU[:QTY][@PRICE]...: a new order for what replaces it. */
static int
exchange(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	cJSON *spec, *lines, *out = NULL;
	int o, rc;
	int64_t id;

	spec = cJSON_CreateObject();
	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_ADVANCE)
			cJSON_AddBoolToObject(spec, "advance", 1);
		else
			cJSON_AddStringToObject(spec, "key", cli->optarg);
	if (cli->argc < 2)
		oms_cli_usage(cli, "exchange needs a return and what replaces "
		    "it (SKU[:QTY][@PRICE])");
	lines = cJSON_AddArrayToObject(spec, "lines");
	for (int i = 1; i < cli->argc; i++)
		cJSON_AddItemToArray(lines, exchange_line(cli, cli->argv[i]));
	c.db = open_db(cli, "make an exchange");
	if ((rc = oms_return_find(c.db, cli->argv[0], &id)) == OMS_OK)
		rc = oms_exchange_make(c.db, id, spec, &out);
	cJSON_Delete(spec);
	outcome_list(&c, rc, out, cli->argv[0]);
	return finish(&c, "made");
}

/* reship ORDER --shipment S|--tracking T --reason lost|damaged */
static int
reship(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	cJSON *spec = cJSON_CreateObject(), *out = NULL;
	int o, rc;
	int64_t oid;

	while ((o = oms_cli_next(cli)) != -1)
		switch (o) {
		case O_SHIPMENT:
			cJSON_AddStringToObject(spec, "shipment", cli->optarg);
			break;
		case O_TRACKING:
			cJSON_AddStringToObject(spec, "tracking", cli->optarg);
			break;
		case O_REASON:
			cJSON_AddStringToObject(spec, "reason", cli->optarg);
			break;
		case O_KEY:
			cJSON_AddStringToObject(spec, "key", cli->optarg);
			break;
		}
	if (cli->argc != 1)
		oms_cli_usage(cli, "reship needs one order");
	if (!cJSON_HasObjectItem(spec, "reason"))
		oms_cli_usage(cli, "reship needs --reason lost or damaged");
	if (!cJSON_HasObjectItem(spec, "shipment") &&
	    !cJSON_HasObjectItem(spec, "tracking"))
		oms_cli_usage(cli, "reship needs --shipment or --tracking: the "
		    "parcel lost or damaged");
	c.db = open_db(cli, "reship an order");
	if ((rc = oms_order_find(c.db, cli->argv[0], &oid)) == OMS_OK)
		rc = oms_reship_create(c.db, oid, spec, &out);
	cJSON_Delete(spec);
	outcome_list(&c, rc, out, cli->argv[0]);
	return finish(&c, "made");
}

/* refunds: print refunds, pending ones by default. */
static int
refunds(struct oms_cli *cli)
{
	const char *state = "pending", *order = NULL;
	int64_t oid = 0;
	oms_db *db;
	int o, rc;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_STATE)
			state = strcmp(cli->optarg, "all") == 0 ? NULL :
			    cli->optarg;
		else
			order = cli->optarg;
	if (state != NULL && strcmp(state, "pending") != 0 &&
	    strcmp(state, "sent") != 0)
		oms_cli_usage(cli, "--state is pending, sent or all");
	if (cli->argc != 0)
		oms_cli_usage(cli, "refunds takes no operand");
	db = open_db(cli, NULL);
	if (order != NULL && (rc = oms_order_find(db, order, &oid)) != OMS_OK)
		oms_die(rc == OMS_REJECT ? OMS_EXIT_REJECT :
		    oms_exit_status(rc), "%s", oms_error());
	if ((rc = oms_refund_list(db, oid, state, print_rec, NULL)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

/* refunded REFUND...: the payment adapter or the channel paid them. */
static int
refunded(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc == 0)
		oms_cli_usage(cli, "refunded needs the refunds paid (f_N)");
	c.db = open_db(cli, "mark refunds paid");
	for (int i = 0; i < cli->argc; i++) {
		const char *p = cli->argv[i];
		cJSON *out = NULL;
		char *end;
		int rc;
		long long id;

		if (p[0] == 'f' && p[1] == '_')
			p += 2;
		errno = 0;
		id = strtoll(p, &end, 10);
		if (errno != 0 || end == p || *end != '\0' || id < 1) {
			oms_seterr("'%s' is not a refund (f_N)", cli->argv[i]);
			outcome(&c, OMS_REJECT, NULL, cli->argv[i]);
			continue;
		}
		rc = oms_refund_sent(c.db, id, &out);
		outcome(&c, rc, out, cli->argv[i]);
	}
	return finish(&c, "marked paid");
}

/* refund ORDER...: what cancelled units that were paid for come to. */
static int
refund_cancel(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc == 0)
		oms_cli_usage(cli, "refund needs the orders whose cancelled "
		    "units to refund");
	c.db = open_db(cli, "refund cancelled units");
	for (int i = 0; i < cli->argc; i++) {
		cJSON *out = NULL;
		int64_t oid;
		int rc = oms_order_find(c.db, cli->argv[i], &oid);

		if (rc == OMS_OK)
			rc = oms_cancel_refund(c.db, oid, &out);
		outcome(&c, rc, out, cli->argv[i]);
	}
	return finish(&c, "refunded");
}

/* Where units a file says were received came to, when --location says. */
static const char *import_location;
static const char *import_name;	/* the file being read */

static int
import_rec(void *arg, const cJSON *rec)
{
	struct ctx *c = arg;
	cJSON *r = cJSON_Duplicate(rec, 1), *out = NULL, *recv;
	const char *src = oms_json_str(rec, "source");
	char what[200];
	int64_t line = 0;
	int rc;

	(void)oms_json_int(rec, "source_line", &line);
	if (import_name != NULL)
		src = import_name;
	recv = cJSON_GetObjectItemCaseSensitive(r, "received");
	if (import_location != NULL && cJSON_IsObject(recv)) {
		cJSON_DeleteItemFromObjectCaseSensitive(recv, "location");
		cJSON_AddStringToObject(recv, "location", import_location);
	}
	snprintf(what, sizeof what, "%s line %lld", src ? src : "-",
	    (long long)line);
	rc = oms_return_apply(c->db, r, &out);
	if (rc == OMS_REJECT) {
		char *raw = oms_json_print(rec);

		oms_cli_reject(c->cli, src ? src : "-", (long)line, oms_error(),
		    raw);
		free(raw);
		c->rejected++;
	} else
		outcome_list(c, rc, out, what);
	cJSON_Delete(r);
	return OMS_OK;
}

static void
import_reject(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	struct ctx *c = arg;

	oms_cli_reject(c->cli, file, line, reason, raw);
	c->rejected++;
}

struct import_arg {
	struct ctx *c;
	const char *format;
};

static int
import_file(struct oms_cli *cli, FILE *fp, const char *name, void *arg)
{
	struct import_arg *ia = arg;
	int rc;

	(void)cli;
	import_name = name;
	rc = oms_return_file_read(ia->format, fp, name, import_rec,
	    import_reject, ia->c);
	if (rc == OMS_REJECT) {
		oms_warnx("%s", oms_error());
		ia->c->rejected++;
	} else if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	return OMS_EXIT_OK;
}

/* import --format F FILE...: a channel's returns or refunds file. */
static int
import(struct oms_cli *cli)
{
	struct ctx c = { .cli = cli };
	struct import_arg ia = { &c, NULL };
	int o, status;

	while ((o = oms_cli_next(cli)) != -1)
		if (o == O_FORMAT)
			ia.format = cli->optarg;
		else
			import_location = cli->optarg;
	if (ia.format == NULL)
		oms_cli_usage(cli, "import needs --format");
	oms_cli_rejects(cli);
	c.db = open_db(cli, "import returns");
	status = oms_cli_files(cli, import_file, &ia);
	if (status == OMS_EXIT_REJECT)
		c.rejected++;
	return finish(&c, "applied");
}

static const struct oms_opt label_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "account", O_ACCOUNT, "NAME", "the carrier account (default: the "
	    "first)" },
	{ "format", O_FORMAT, "FORMAT", "zpl (default) or pdf" },
	{ "dir", O_DIR, "DIR", "where to write the labels (default: .)" },
	{ "reprint", O_REPRINT, NULL, "the same label again, not a new one" },
	OMS_OPT_END };
static const struct oms_opt track_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "account", O_ACCOUNT, "NAME", "only parcels of this carrier "
	    "account" },
	OMS_OPT_END };
static const struct oms_opt exchange_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "advance", O_ADVANCE, NULL, "ship it before the return arrives" },
	{ "key", O_KEY, "KEY", "the exchange's own key, so a retry makes one" },
	OMS_OPT_END };
static const struct oms_opt reship_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "shipment", O_SHIPMENT, "ID", "the parcel lost or damaged" },
	{ "tracking", O_TRACKING, "NUMBER", "the parcel, by its tracking "
	    "number" },
	{ "reason", O_REASON, "WHY", "lost or damaged" },
	{ "key", O_KEY, "KEY", "the reship's own key, so a retry makes one" },
	OMS_OPT_END };
static const struct oms_opt refunds_opts[] = { OMS_OPT_DB,
	{ "state", O_STATE, "STATE", "pending (default), sent or all" },
	{ "order", O_ORDER, "ORDER", "only the refunds of ORDER" },
	OMS_OPT_END };
static const struct oms_opt import_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_REJECTS,
	{ "format", O_FORMAT, "FORMAT", "amazon-fba-returns, amazon-returns, "
	    "shopify-refund, woocommerce-refund" },
	{ "location", O_LOCATION, "LOC", "where the file's received units "
	    "are (default: the file's)" },
	OMS_OPT_END };
static const struct oms_opt quiet_opts[] = { OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_DB, OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ NULL, apply_records, "[-qv] [--db PATH] [--rejects FILE] "
	    "[FILE ...]", "apply return, receipt and inspection records",
	    records_opts },
	{ "request", request, "[-qv] [--db PATH] --reason REASON "
	    "[--note TEXT] [--force WHY]\n    [--key KEY] [--location LOC] "
	    "[--resolution WHAT] [--keep] [--at TIME]\n    ORDER "
	    "LINE[:QTY] ...", "ask for a return of an order's lines",
	    request_opts },
	{ "authorize", decide, "[-qv] [--db PATH] [--reason WHY] RETURN ...",
	    "let requested returns come back", decide_opts },
	{ "decline", decide, "[-qv] [--db PATH] [--reason WHY] RETURN ...",
	    "refuse requested returns", decide_opts },
	{ "cancel", decide, "[-qv] [--db PATH] [--reason WHY] RETURN ...",
	    "cancel returns nothing of which came back", decide_opts },
	{ "close", decide, "[-qv] [--db PATH] [--reason WHY] RETURN ...",
	    "close returns whose units are all inspected", decide_opts },
	{ "receive", receive, "[-qv] [--db PATH] [--location LOC] "
	    "[--tracking NUMBER] [--key KEY]\n    RETURN|TRACKING "
	    "[LINE[:QTY] ...]", "take returned units into quarantine",
	    receive_opts },
	{ "inspect", inspect, "[-qv] [--db PATH] --disposition WHAT "
	    "[--sku SKU] [--to-sku SKU]\n    [--to LOC] [--note TEXT] "
	    "[--key KEY] RETURN LINE[:QTY] ...", "decide what becomes of "
	    "received units", inspect_opts },
	{ "expire", expire, "[-qv] [--db PATH] [--now TIME]", "expire "
	    "returns whose window ended with nothing back", expire_opts },
	{ "list", list, "[--db PATH] [--state STATE] [--order ORDER]",
	    "print returns", list_opts },
	{ "show", show, "[--db PATH] RETURN ...", "print returns by id, "
	    "tracking number or channel number", db_opts },
	{ "label", label, "[-qv] [--db PATH] [--account NAME] [--format "
	    "zpl|pdf] [--dir DIR]\n    [--reprint] RETURN ...", "buy or draw "
	    "return labels", label_opts },
	{ "track", track, "[-qv] [--db PATH] [--account NAME]", "follow "
	    "returns' parcels back", track_opts },
	{ "exchange", exchange, "[-qv] [--db PATH] [--advance] [--key KEY] "
	    "RETURN\n    SKU[:QTY][@PRICE] ...", "an order for what replaces "
	    "a return", exchange_opts },
	{ "reship", reship, "[-qv] [--db PATH] --reason lost|damaged "
	    "[--key KEY]\n    --shipment ID|--tracking NUMBER ORDER", "an "
	    "order at no charge for a parcel lost or damaged", reship_opts },
	{ "refunds", refunds, "[--db PATH] [--state pending|sent|all] "
	    "[--order ORDER]", "print refunds owed or paid", refunds_opts },
	{ "refunded", refunded, "[-qv] [--db PATH] REFUND ...", "mark "
	    "refunds paid", quiet_opts },
	{ "refund", refund_cancel, "[-qv] [--db PATH] ORDER ...", "refund "
	    "the cancelled units of orders paid for", quiet_opts },
	{ "import", import, "[-qv] [--db PATH] [--rejects FILE] --format "
	    "FORMAT\n    [--location LOC] [FILE ...]", "read a channel's returns or refunds file",
	    import_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
