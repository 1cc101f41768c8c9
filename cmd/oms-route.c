/*
 * oms-route: allocate orders to the locations that should fulfil them.
 *
 * Reads order ids (o_12, 12, or CHANNEL:EXTERNAL_ID) or order records
 * (their "id", or "channel" and "external_id") a line each, from the files
 * named or stdin, or with --pending takes every open, partly allocated or
 * backordered order by priority then age, and routes each: the stock is
 * reserved through the ledger and an allocation record is written once
 * its transaction has committed.  --reroute releases an order's
 * allocations and routes it again, away from --exclude locations.
 * --dry-run --rules FILE compares a rule set with the one in force on the
 * same orders without touching anything.  `rules load|show|history`
 * manage the versioned rule sets; `geo load` a GeoNames postal file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "order.h"
#include "route.h"
#include "cli.h"

#define BATCH 1000		/* orders per transaction at most */
#define BATCH_MS 100		/* and milliseconds per transaction */

struct ctx {
	oms_db *db;
	struct oms_router *rt;
	int explain, quiet_unchanged, rejected;
	struct oms_batch batch;
	int held;		/* the batch holds the rows of an order */
	long done;
};

static void
write_rec(const cJSON *rec)
{
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
}

static char *
read_rules(const char *path)
{
	struct oms_buf b = { 0 };

	if (oms_read_file(path, "rule file", &b) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	return b.s;
}

/* ---- batches ------------------------------------------------------------ */

static void
flush(struct ctx *c)
{
	int rc;

	c->held = 0;
	/* What the router keeps to write many rows at once, first. */
	if ((rc = oms_route_flush(c->rt)) != OMS_OK ||
	    (rc = oms_batch_commit(&c->batch, stdout)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
}

static void
progress(struct ctx *c, size_t total)
{
	static struct timespec last;

	/* Whether a person watches, asked once in 64 orders (an ioctl). */
	if ((++c->done & 63) != 0 || !oms_progress_wanted() ||
	    oms_ms_since(&last) < 500)
		return;
	clock_gettime(CLOCK_MONOTONIC, &last);
	if (total > 0)
		fprintf(stderr, "\r%s: %ld of %zu orders", oms_progname, c->done,
		    total);
	else
		fprintf(stderr, "\r%s: %ld orders", oms_progname, c->done);
}

/*
 * Route one order in the open batch; a refusal is named by where.  A jq
 * condition that takes its time is not waited for under the write lock:
 * the batch commits, the conditions run with no transaction open, and
 * the order is routed with what they said.  Where writers lock by row,
 * the order's rows are waited for only by a batch that holds none yet:
 * one that does commits first.
 *
 * The router refuses an order before it writes anything of it, so a
 * refused order needs no undo, and any other failure ends the run with
 * the batch rolled back.  Only where writers lock by row does an order
 * take a savepoint: there a lock not granted fails its statement, and
 * the transaction with it unless it goes back to the savepoint.
 */
/* Prepared once: a savepoint an order. */
static const char sql_savepoint[] = "SAVEPOINT oms_route";
static const char sql_release[] = "RELEASE oms_route";

static void
route_one(struct ctx *c, int64_t id, const char *where, int flags)
{
	cJSON *out = NULL;
	char *text = NULL;
	int rc, locked = OMS_ROUTE_LOCKED, elsewhere, sp;

again:
	if ((rc = oms_batch_open(&c->batch)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	sp = oms_db_locks_rows(c->db);
	rc = sp ? oms_db_run(c->db, sql_savepoint, "cannot begin an order",
	    "") : OMS_OK;
	/*
	 * A pending run (the one quiet about orders it leaves as they were)
	 * passes over an order another run is routing.
	 */
	elsewhere = 0;
	if (rc == OMS_OK)
		rc = oms_route_lock(c->rt, id, (c->held ? 0 : OMS_ROUTE_WAIT) |
		    (flags & OMS_ROUTE_QUIET_UNCHANGED ? OMS_ROUTE_SKIP_HELD : 0),
		    &elsewhere);
	if (rc == OMS_OK && !elsewhere)
		rc = oms_route_order(c->rt, id, flags | locked, &out, &text);
	if (rc == OMS_OK) {
		if (sp)
			rc = oms_db_run(c->db, sql_release,
			    "cannot end an order", "");
		c->held |= !elsewhere;
	} else if (sp) {
		struct oms_errsave e;

		oms_err_save(&e);
		oms_db_exec(c->db, "ROLLBACK TO oms_route");
		oms_db_exec(c->db, "RELEASE oms_route");
		oms_err_restore(&e);
	}
	if (rc == OMS_WAIT) {
		flush(c);
		goto again;
	}
	if (rc == OMS_SLOW && locked) {
		flush(c);
		if ((rc = oms_route_decide(c->rt, id)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		/*
		 * What they said is kept; only a record changed meanwhile
		 * runs them again, under the lock but bounded all the same.
		 */
		locked = 0;
		goto again;
	}
	if (rc == OMS_REJECT) {
		if (where != NULL)
			oms_warnx("%s: %s", where, oms_error());
		else
			oms_warnx("%s", oms_error());
		c->rejected++;
		return;
	}
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (text != NULL)
		oms_batch_add_text(&c->batch, text);
	else if (out != NULL)
		oms_batch_add(&c->batch, out);
	if (oms_batch_due(&c->batch, NULL))
		flush(c);
}

static int
route_file(struct oms_cli *cli, FILE *fp, const char *name, void *arg)
{
	struct ctx *c = arg;
	char *line = NULL, where[512];
	size_t cap = 0;
	ssize_t len;
	long ln = 0;

	for (;;) {
		int64_t id;
		int rc;

		if (oms_batch_due(&c->batch, fp))
			flush(c);
		if ((len = getline(&line, &cap, fp)) < 0)
			break;
		ln++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		snprintf(where, sizeof where, "%s:%ld", name, ln);
		rc = oms_order_ref(c->db, line, &id);
		if (rc == OMS_REJECT) {
			oms_warnx("%s: %s", where, oms_error());
			c->rejected++;
			continue;
		}
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		route_one(c, id, where, 0);
		progress(c, 0);
	}
	if (ferror(fp))
		oms_die(OMS_EXIT_FATAL, "%s: read error: %s", name,
		    strerror(errno));
	free(line);
	flush(c);
	return OMS_EXIT_OK;
}

static int
print_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	write_rec(rec);
	return OMS_OK;
}

/* ---- dry run ------------------------------------------------------------- */

struct summary {
	long orders, shipments, late, backordered;
	int64_t cost, dist_m;
};

static void
summarise(const cJSON *rec, struct summary *s, cJSON *into)
{
	const cJSON *ships = cJSON_GetObjectItemCaseSensitive(rec, "shipments");
	const cJSON *x, *lines = cJSON_GetObjectItemCaseSensitive(rec, "lines");
	cJSON *locs = cJSON_CreateArray();
	int64_t cost = 0, m = 0, back = 0;
	long late = 0, n = 0;
	double km = 0;
	char buf[64];

	cJSON_ArrayForEach(x, ships) {
		const char *c = oms_json_str(x, "cost");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(x,
		    "distance_km");
		int64_t v;

		n++;
		cJSON_AddItemToArray(locs, cJSON_CreateString(oms_json_str(x,
		    "location")));
		if (c != NULL && oms_money_parse(c, 2, &v) == OMS_OK)
			cost += v;
		/* Printed one decimal place: a raw number in the record. */
		if (cJSON_IsRaw(d) || cJSON_IsNumber(d))
			m += (int64_t)((cJSON_IsRaw(d) ? strtod(d->valuestring,
			    NULL) : d->valuedouble) * 1000 + 0.5);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "late")))
			late++;
	}
	cJSON_ArrayForEach(x, lines) {
		int64_t b;

		if (oms_json_int(x, "backordered", &b) == OMS_OK)
			back += b;
	}
	km = (double)m / 1000;
	cJSON_AddStringToObject(into, "status", oms_json_str(rec, "status"));
	cJSON_AddItemToObject(into, "locations", locs);
	cJSON_AddNumberToObject(into, "shipments", (double)n);
	oms_money_format(cost, 2, buf, sizeof buf);
	cJSON_AddStringToObject(into, "cost", buf);
	snprintf(buf, sizeof buf, "%.1f", km);
	cJSON_AddItemToObject(into, "distance_km", cJSON_CreateRaw(buf));
	cJSON_AddNumberToObject(into, "late", (double)late);
	cJSON_AddNumberToObject(into, "backordered", (double)back);
	s->orders++;
	s->shipments += n;
	s->late += late;
	s->backordered += back;
	s->cost += cost;
	s->dist_m += m;
}

static int
dry_run(oms_db *db, const char *rules_path, const char *orders_path,
    int quiet)
{
	struct oms_router *cur, *nxt;
	struct oms_rules *rules;
	struct summary sa = { 0 }, sb = { 0 };
	char *text = read_rules(rules_path);
	oms_rates *rates;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	long changed = 0, rejected = 0;
	int rc;

	if ((rc = oms_rates_load(&rates)) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	rc = oms_rules_parse(text, db, rates, &rules);
	oms_rates_free(rates);
	free(text);
	if (rc != OMS_OK)
		oms_die(rc == OMS_REJECT ? OMS_EXIT_REJECT : oms_exit_status(rc),
		    "%s: %s", rules_path, oms_error());
	if (orders_path != NULL) {
		FILE *fp = fopen(orders_path, "r");
		char *line = NULL;
		size_t lc = 0;
		long ln = 0;

		if (fp == NULL)
			oms_die(OMS_EXIT_FATAL, "cannot open '%s': %s",
			    orders_path, strerror(errno));
		while (getline(&line, &lc, fp) >= 0) {
			int64_t id;

			ln++;
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0')
				continue;
			if ((rc = oms_order_ref(db, line, &id)) != OMS_OK) {
				if (rc != OMS_REJECT)
					oms_die(oms_exit_status(rc), "%s",
					    oms_error());
				oms_warnx("%s:%ld: %s", orders_path, ln,
				    oms_error());
				rejected++;
				continue;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				ids = erealloc(ids, cap * sizeof *ids);
			}
			ids[n++] = id;
		}
		free(line);
		fclose(fp);
	} else if ((rc = oms_route_pending(db, &ids, &n)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if ((rc = oms_router_open(db, NULL, OMS_ROUTE_DRY, &cur)) != OMS_OK ||
	    (rc = oms_router_open(db, rules, OMS_ROUTE_DRY, &nxt)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	/* One read transaction: both see the same stock. */
	if ((rc = oms_db_begin_read(db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	for (size_t i = 0; i < n; i++) {
		cJSON *a = NULL, *b = NULL, *d, *ca, *cb;
		char ref[32];
		int ra, rb;

		ra = oms_route_order(cur, ids[i], 0, &a, NULL);
		if (ra != OMS_OK && ra != OMS_REJECT)
			oms_die(oms_exit_status(ra), "%s", oms_error());
		rb = oms_route_order(nxt, ids[i], 0, &b, NULL);
		if (rb != OMS_OK && rb != OMS_REJECT)
			oms_die(oms_exit_status(rb), "%s", oms_error());
		if (ra != OMS_OK || rb != OMS_OK) {
			oms_warnx("%s", oms_error());
			rejected++;
			cJSON_Delete(a);
			cJSON_Delete(b);
			continue;
		}
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "type", "route_change");
		snprintf(ref, sizeof ref, "o_%lld", (long long)ids[i]);
		cJSON_AddStringToObject(d, "order", ref);
		ca = cJSON_CreateObject();
		cb = cJSON_CreateObject();
		summarise(a, &sa, ca);
		summarise(b, &sb, cb);
		{
			char *x = oms_json_print(ca);
			char *y = oms_json_print(cb);
			int same = strcmp(x, y) == 0;

			cJSON_AddBoolToObject(d, "changed", !same);
			changed += !same;
			free(x);
			free(y);
		}
		cJSON_AddNumberToObject(d, "rules_version",
		    oms_router_version(cur));
		cJSON_AddItemToObject(d, "current", ca);
		cJSON_AddItemToObject(d, "proposed", cb);
		write_rec(d);
		cJSON_Delete(d);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	oms_db_rollback(db);
	if (!quiet) {
		char c1[32], c2[32];

		oms_money_format(sa.cost, 2, c1, sizeof c1);
		oms_money_format(sb.cost, 2, c2, sizeof c2);
		oms_warnx("%ld orders, %ld would change; shipments %ld -> %ld, "
		    "cost %s -> %s, distance %.1f -> %.1f km, late %ld -> %ld, "
		    "backordered units %ld -> %ld", sa.orders, changed,
		    sa.shipments, sb.shipments, c1, c2, (double)sa.dist_m / 1000,
		    (double)sb.dist_m / 1000, sa.late, sb.late, sa.backordered,
		    sb.backordered);
	}
	oms_router_close(cur);
	oms_router_close(nxt);
	oms_rules_free(rules);
	free(ids);
	return rejected ? OMS_EXIT_REJECT : OMS_EXIT_OK;
}

/* ---- verbs ----------------------------------------------------------------- */

static int
rules_load(struct oms_cli *cli)
{
	struct oms_rules *rs;
	oms_rates *rates;
	oms_db *db;
	char *text;
	int rc, version, created;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 1)
		oms_cli_usage(cli, "rules load needs one FILE");
	text = read_rules(cli->argv[0]);
	db = oms_cli_db(cli, 0);
	if ((rc = oms_rates_load(&rates)) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	rc = oms_rules_parse(text, db, rates, &rs);
	oms_rates_free(rates);
	if (rc != OMS_OK)
		free(text);
	if (rc == OMS_REJECT)
		oms_die(OMS_EXIT_REJECT, "%s: %s", cli->argv[0], oms_error());
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_rules_free(rs);
	rc = oms_rules_store(db, text, cli->argv[0], &version, &created);
	free(text);
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (!cli->quiet)
		oms_warnx(created ? "rules version %d loaded from %s" :
		    "rules unchanged: version %d is %s already", version,
		    cli->argv[0]);
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

/* Version 0 is the rules built in. */
static void
print_builtin(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "rules");
	cJSON_AddNumberToObject(o, "version", 0);
	cJSON_AddStringToObject(o, "source", "built in");
	cJSON_AddItemToObject(o, "rules", cJSON_Parse(oms_rules_default()));
	write_rec(o);
	cJSON_Delete(o);
}

/* rules show [VERSION] and rules history: the versions as records. */
static int
rules_show(struct oms_cli *cli)
{
	int show = strcmp(cli->verb->name, "rules show") == 0, version = -1;
	oms_db *db;
	int rc;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc > (show ? 1 : 0))
		oms_cli_usage(cli, "%s: too many operands", cli->verb->name);
	if (show && cli->argc == 1) {
		char *end;

		version = (int)strtol(cli->argv[0], &end, 10);
		if (*end != '\0' || end == cli->argv[0] || version < 0)
			oms_cli_usage(cli, "'%s' is not a rules version",
			    cli->argv[0]);
	}
	db = oms_cli_db(cli, 0);
	if (show && version < 0) {
		struct oms_rules *cur;

		if ((rc = oms_rules_current(db, &cur)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		version = cur->version;
		oms_rules_free(cur);
	}
	rc = OMS_OK;
	if (show && version == 0)
		print_builtin();
	else
		rc = oms_rules_history(db, version, print_rec, NULL);
	if (rc == OMS_REJECT)
		oms_die(OMS_EXIT_REJECT, "%s", oms_error());
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
geo_load(struct oms_cli *cli)
{
	const char *path;
	oms_db *db;
	FILE *fp;
	long rows;
	int rc;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 1)
		oms_cli_usage(cli, "geo load needs one FILE");
	path = cli->argv[0];
	if ((fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL)
		oms_die(OMS_EXIT_FATAL, "cannot open '%s': %s", path,
		    strerror(errno));
	db = oms_cli_db(cli, 0);
	rc = oms_geo_load(db, fp, path, &rows);
	if (fp != stdin)
		fclose(fp);
	if (rc == OMS_REJECT)
		oms_die(OMS_EXIT_REJECT, "%s (nothing loaded)", oms_error());
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (!cli->quiet)
		oms_warnx("%ld postal codes loaded from %s", rows, path);
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

enum { O_EXCLUDE = 256, O_EXPLAIN, O_ORDERS, O_PENDING, O_REROUTE,
	O_RULES };

struct route_opts {
	const char *rules, *orders, *reroute, *exclude[64];
	int pending, nexclude;
};

static void
route_opt(struct oms_cli *cli, int o, struct route_opts *r, struct ctx *cx)
{
	switch (o) {
	case O_EXCLUDE:
		if (r->nexclude == 64)
			oms_cli_usage(cli, "more than 64 --exclude");
		r->exclude[r->nexclude++] = cli->optarg;
		break;
	case O_EXPLAIN:
		cx->explain = 1;
		break;
	case O_ORDERS:
		r->orders = cli->optarg;
		break;
	case O_PENDING:
		r->pending = 1;
		break;
	case O_REROUTE:
		r->reroute = cli->optarg;
		break;
	case O_RULES:
		r->rules = cli->optarg;
		break;
	}
}

/* What the options say together: one way to name the orders. */
static void
route_check(struct oms_cli *cli, const struct route_opts *r,
    const struct ctx *cx)
{
	if (cli->dry_run && r->rules == NULL)
		oms_cli_usage(cli, "--dry-run needs --rules FILE");
	if (!cli->dry_run && (r->rules != NULL || r->orders != NULL))
		oms_cli_usage(cli, "--rules and --orders go with --dry-run");
	if (cli->dry_run && (r->pending || r->reroute || cli->argc > 0 ||
	    r->nexclude || cx->explain))
		oms_cli_usage(cli, "--dry-run reads the orders of --orders, or "
		    "those waiting");
	if (r->nexclude > 0 && r->reroute == NULL)
		oms_cli_usage(cli, "--exclude goes with --reroute");
	if ((r->pending && (cli->argc > 0 || r->reroute)) ||
	    (r->reroute && cli->argc > 0))
		oms_cli_usage(cli, "name the orders one way: --pending, "
		    "--reroute or files");
}

/* --reroute: released and routed again in one transaction, or not at all. */
static void
reroute(struct ctx *cx, struct route_opts *r)
{
	cJSON *out = NULL;
	char *text = NULL;
	int64_t id;
	int rc, elsewhere;

	oms_router_exclude(cx->rt, r->exclude, r->nexclude);
	if ((rc = oms_order_find(cx->db, r->reroute, &id)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	/* Its jq conditions run before the write lock is taken. */
	if ((rc = oms_route_decide(cx->rt, id)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if ((rc = oms_batch_open(&cx->batch)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	rc = oms_route_lock(cx->rt, id, OMS_ROUTE_WAIT, &elsewhere);
	if (rc == OMS_OK)
		rc = oms_route_reopen(cx->rt, id);
	if (rc == OMS_OK)
		rc = oms_route_order(cx->rt, id, 0, &out, &text);
	if (rc == OMS_REJECT) {
		char msg[1024];

		snprintf(msg, sizeof msg, "%s", oms_error());
		oms_db_rollback(cx->db);
		oms_die(OMS_EXIT_REJECT, "%s (nothing changed)", msg);
	}
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (text != NULL)
		oms_batch_add_text(&cx->batch, text);
	else if (out != NULL)
		oms_batch_add(&cx->batch, out);
	flush(cx);
}

static void
pending(struct ctx *cx)
{
	int64_t *ids;
	size_t n;
	int rc;

	if ((rc = oms_route_pending(cx->db, &ids, &n)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (n > BATCH && oms_db_bulk(cx->db) != OMS_OK)
		oms_warnx("%s (checkpoints stay with the run)", oms_error());
	for (size_t i = 0; i < n; i++) {
		route_one(cx, ids[i], NULL, OMS_ROUTE_QUIET_UNCHANGED);
		progress(cx, n);
	}
	flush(cx);
	free(ids);
}

static void
summary(struct oms_cli *cli, struct ctx *cx)
{
	long counts[6];

	if (oms_progress_wanted() && cx->done >= 64)
		fprintf(stderr, "\r%s: %ld orders\n", oms_progname, cx->done);
	oms_router_counts(cx->rt, counts);
	if (oms_cli_summary(cli))
		oms_warnx("rules version %d: %ld allocated, %ld partial, %ld "
		    "backordered, %ld held, %ld cancelled, %ld unchanged, %d "
		    "refused", oms_router_version(cx->rt), counts[0],
		    counts[1], counts[2], counts[3], counts[4], counts[5],
		    cx->rejected);
}

/* oms-route [FILE ... | --pending | --reroute ORDER | --dry-run ...] */
static int
route(struct oms_cli *cli)
{
	struct route_opts r = { 0 };
	struct ctx cx = { 0 };
	int o, rc, status;

	while ((o = oms_cli_next(cli)) != -1)
		route_opt(cli, o, &r, &cx);
	route_check(cli, &r, &cx);
	if (cli->dry_run) {
		cx.db = oms_cli_db(cli, 0);
		status = dry_run(cx.db, r.rules, r.orders, cli->quiet);
		oms_db_close(cx.db);
		return oms_cli_done(cli, status);
	}
	if (!r.pending && !r.reroute && cli->argc == 0 && isatty(STDIN_FILENO))
		oms_cli_usage(cli, "no orders named, and stdin is a terminal");
	cx.db = oms_cli_db(cli, 0);
	oms_db_set_cache_mb(cx.db, 64);
	/* Its statements write 32 rows at most (route.c). */
	oms_db_temp_in_memory(cx.db);
	/* An order's writes are undone whole or not at all (route.c). */
	oms_db_outbox_defer(cx.db, 1);
	oms_batch_init(&cx.batch, cx.db, BATCH, BATCH_MS);
	cx.batch.rows = 1;
	if ((rc = oms_router_open(cx.db, NULL, cx.explain ? OMS_ROUTE_EXPLAIN :
	    0, &cx.rt)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	status = OMS_EXIT_OK;
	if (r.reroute)
		reroute(&cx, &r);
	else if (r.pending)
		pending(&cx);
	else
		status = oms_cli_files(cli, route_file, &cx);
	summary(cli, &cx);
	if (cx.rejected)
		status = status > OMS_EXIT_REJECT ? status : OMS_EXIT_REJECT;
	oms_router_close(cx.rt);
	oms_db_close(cx.db);
	oms_batch_free(&cx.batch);
	return oms_cli_done(cli, status);
}

static const struct oms_opt route_opts[] = { OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE, OMS_OPT_DB,
	{ "explain", O_EXPLAIN, NULL, "say why each location won or lost" },
	{ "pending", O_PENDING, NULL, "every order waiting to be routed" },
	{ "reroute", O_REROUTE, "ORDER", "release ORDER and route it again" },
	{ "exclude", O_EXCLUDE, "LOC", "with --reroute, not from LOC" },
	{ "rules", O_RULES, "FILE", "with --dry-run, the rules to compare" },
	{ "orders", O_ORDERS, "FILE", "with --dry-run, these orders" },
	OMS_OPT_END };
static const struct oms_opt quiet_db[] = { OMS_OPT_QUIET, OMS_OPT_DB,
	OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ NULL, route, "[-qv] [--db PATH] [--explain] [--pending | FILE ...]\n"
	    "oms-route [-qv] [--db PATH] [--explain] --reroute ORDER "
	    "[--exclude LOC ...]\n"
	    "oms-route [-qv] [--db PATH] --dry-run --rules FILE "
	    "[--orders FILE]", "allocate orders to the locations the rules "
	    "pick", route_opts },
	{ "rules load", rules_load, "[--db PATH] FILE", "check and store "
	    "a rule set as the next version", quiet_db },
	{ "rules show", rules_show, "[--db PATH] [VERSION]", "the rules in "
	    "force, or VERSION", quiet_db },
	{ "rules history", rules_show, "[--db PATH]", "every version "
	    "stored", quiet_db },
	{ "geo load", geo_load, "[--db PATH] FILE", "load postal code "
	    "positions (GeoNames)", quiet_db },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
