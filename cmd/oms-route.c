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
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"

#define BATCH 200		/* orders per transaction at most */
#define BATCH_MS 100		/* and milliseconds per transaction */

struct ctx {
	oms_db *db;
	struct oms_router *rt;
	int explain, quiet_unchanged, rejected;
	struct oms_batch batch;
	long done;
};

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(oms_usage_out(),
	    "usage: oms-route [-qv] [--db PATH] [--explain] [--pending | FILE ...]\n"
	    "       oms-route [-qv] [--db PATH] [--explain] --reroute ORDER "
	    "[--exclude LOC ...]\n"
	    "       oms-route [-qv] [--db PATH] --dry-run --rules FILE "
	    "[--orders FILE]\n"
	    "       oms-route rules load [--db PATH] FILE\n"
	    "       oms-route rules show [--db PATH] [VERSION]\n"
	    "       oms-route rules history [--db PATH]\n"
	    "       oms-route geo load [--db PATH] FILE\n");
	oms_usage_exit();
}

static void
write_rec(const cJSON *rec)
{
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
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

static char *
slurp(const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct oms_buf b = { 0 };
	char chunk[8192];
	size_t n;

	if (fp == NULL)
		oms_die(OMS_EXIT_FATAL, "cannot open '%s': %s", path,
		    strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		oms_buf_add(&b, chunk, n);
	if (ferror(fp))
		oms_die(OMS_EXIT_FATAL, "%s: read error: %s", path,
		    strerror(errno));
	if (fp != stdin)
		fclose(fp);
	oms_buf_addc(&b, '\0');
	return b.s;
}

/* ---- batches ------------------------------------------------------------ */

static void
flush(struct ctx *c)
{
	int rc;

	if ((rc = oms_batch_commit(&c->batch, stdout)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
}

static void
progress(struct ctx *c, size_t total)
{
	static struct timespec last;

	if (!oms_progress_wanted() || (++c->done & 63) != 0 ||
	    oms_ms_since(&last) < 500)
		return;
	clock_gettime(CLOCK_MONOTONIC, &last);
	if (total > 0)
		fprintf(stderr, "\r%s: %ld of %zu orders", oms_progname, c->done,
		    total);
	else
		fprintf(stderr, "\r%s: %ld orders", oms_progname, c->done);
}

/* Route one order in the open batch; a refusal is named by where. */
static void
route_one(struct ctx *c, int64_t id, const char *where, int flags)
{
	cJSON *out = NULL;
	int rc;

	if ((rc = oms_batch_open(&c->batch)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	rc = oms_db_exec(c->db, "SAVEPOINT oms_route");
	if (rc == OMS_OK)
		rc = oms_route_order(c->rt, id, flags, &out);
	if (rc == OMS_OK)
		rc = oms_db_exec(c->db, "RELEASE oms_route");
	else {
		char msg[1024];

		snprintf(msg, sizeof msg, "%s", oms_error());
		oms_db_exec(c->db, "ROLLBACK TO oms_route");
		oms_db_exec(c->db, "RELEASE oms_route");
		oms_seterr("%s", msg);
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
	if (out != NULL)
		oms_batch_add(&c->batch, out);
	if (oms_batch_due(&c->batch, NULL))
		flush(c);
}

static void
route_file(struct ctx *c, const char *path, int flags)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *name = strcmp(path, "-") == 0 ? "-" : path;
	char *line = NULL, where[512];
	size_t cap = 0;
	ssize_t len;
	long ln = 0;

	if (fp == NULL) {
		oms_warnx("cannot open '%s': %s", path, strerror(errno));
		c->rejected++;
		return;
	}
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
		route_one(c, id, where, flags);
		progress(c, 0);
	}
	if (ferror(fp))
		oms_die(OMS_EXIT_FATAL, "%s: read error: %s", name,
		    strerror(errno));
	free(line);
	if (fp != stdin)
		fclose(fp);
	flush(c);
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

static void
dry_run(oms_db *db, const char *rules_path, const char *orders_path,
    int quiet)
{
	struct oms_router *cur, *nxt;
	struct oms_rules *rules;
	struct summary sa = { 0 }, sb = { 0 };
	char *text = slurp(rules_path);
	oms_rates *rates;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	long changed = 0, rejected = 0;
	int rc;

	if ((rc = oms_rates_load(&rates)) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	rc = oms_rules_parse(text, db, rates, &rules);
	oms_rates_free(rates);
	if (rc != OMS_OK)
		oms_die(rc == OMS_REJECT ? OMS_EXIT_REJECT : oms_exit_status(rc),
		    "%s: %s", rules_path, oms_error());
	free(text);
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
	if ((rc = oms_db_exec(db, "BEGIN")) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	for (size_t i = 0; i < n; i++) {
		cJSON *a = NULL, *b = NULL, *d, *ca, *cb;
		char ref[32];
		int ra, rb;

		ra = oms_route_order(cur, ids[i], 0, &a);
		if (ra != OMS_OK && ra != OMS_REJECT)
			oms_die(oms_exit_status(ra), "%s", oms_error());
		rb = oms_route_order(nxt, ids[i], 0, &b);
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
			char *x = cJSON_PrintUnformatted(ca);
			char *y = cJSON_PrintUnformatted(cb);
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
	efshut();
	exit(rejected ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

/* ---- verbs ----------------------------------------------------------------- */

static int
rules_verb(const char *dbopt, int argc, char **argv, int quiet)
{
	oms_db *db;
	int rc;

	if (argc < 1)
		usage();
	if (strcmp(argv[0], "load") == 0) {
		struct oms_rules *rs;
		oms_rates *rates;
		char *text;
		int version, created;

		if (argc != 2)
			usage();
		text = slurp(argv[1]);
		db = open_db(dbopt, OMS_DB_CREATE);
		if ((rc = oms_rates_load(&rates)) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s", oms_error());
		rc = oms_rules_parse(text, db, rates, &rs);
		oms_rates_free(rates);
		if (rc == OMS_REJECT)
			oms_die(OMS_EXIT_REJECT, "%s: %s", argv[1], oms_error());
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		oms_rules_free(rs);
		rc = oms_rules_store(db, text, argv[1], &version, &created);
		free(text);
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if (!quiet)
			oms_warnx(created ? "rules version %d loaded from %s" :
			    "rules unchanged: version %d is %s already", version,
			    argv[1]);
		oms_db_close(db);
		return OMS_EXIT_OK;
	}
	if (strcmp(argv[0], "show") == 0 || strcmp(argv[0], "history") == 0) {
		int show = strcmp(argv[0], "show") == 0, version = -1;

		if (argc > (show ? 2 : 1))
			usage();
		db = open_db(dbopt, 0);
		if (show && argc == 2) {
			char *end;

			version = (int)strtol(argv[1], &end, 10);
			if (*end != '\0' || version < 0)
				usage();
		} else if (show) {
			struct oms_rules *cur;

			if ((rc = oms_rules_current(db, &cur)) != OMS_OK)
				oms_die(oms_exit_status(rc), "%s", oms_error());
			version = cur->version;
			oms_rules_free(cur);
		}
		if (show && version == 0) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "type", "rules");
			cJSON_AddNumberToObject(o, "version", 0);
			cJSON_AddStringToObject(o, "source", "built in");
			cJSON_AddItemToObject(o, "rules",
			    cJSON_Parse(oms_rules_default()));
			write_rec(o);
			cJSON_Delete(o);
			rc = OMS_OK;
		} else
			rc = oms_rules_history(db, version, print_rec, NULL);
		if (rc == OMS_REJECT)
			oms_die(OMS_EXIT_REJECT, "%s", oms_error());
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		oms_db_close(db);
		efshut();
		return OMS_EXIT_OK;
	}
	usage();
}

static int
geo_verb(const char *dbopt, int argc, char **argv, int quiet)
{
	oms_db *db;
	FILE *fp;
	long rows;
	int rc;

	if (argc != 2 || strcmp(argv[0], "load") != 0)
		usage();
	if ((fp = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r")) ==
	    NULL)
		oms_die(OMS_EXIT_FATAL, "cannot open '%s': %s", argv[1],
		    strerror(errno));
	db = open_db(dbopt, OMS_DB_CREATE);
	rc = oms_geo_load(db, fp, argv[1], &rows);
	if (fp != stdin)
		fclose(fp);
	if (rc == OMS_REJECT)
		oms_die(OMS_EXIT_REJECT, "%s (nothing loaded)", oms_error());
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (!quiet)
		oms_warnx("%ld postal codes loaded from %s", rows, argv[1]);
	oms_db_close(db);
	return OMS_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "explain", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "orders", required_argument, NULL, 'o' },
		{ "pending", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "reroute", required_argument, NULL, 'R' },
		{ "rules", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dbopt = NULL, *rules = NULL, *orders = NULL;
	const char *reroute = NULL, *exclude[64];
	int c, dry = 0, pending = 0, quiet = 0, verbose = 0, nexclude = 0;
	int rc, status;
	struct ctx cx;
	long counts[6];

	oms_setprogname(argv[0]);
	oms_help_scan(argc, argv);
	memset(&cx, 0, sizeof cx);
	while ((c = getopt_long(argc, argv, "d:hnqvV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dbopt = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'x':
			if (nexclude == 64)
				oms_die(OMS_EXIT_USAGE, "too many --exclude");
			exclude[nexclude++] = optarg;
			break;
		case 'e':
			cx.explain = 1;
			break;
		case 'o':
			orders = optarg;
			break;
		case 'p':
			pending = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'R':
			reroute = optarg;
			break;
		case 'r':
			rules = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("oms-route %s\n", OMS_VERSION);
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
	if (argc > 0 && (strcmp(argv[0], "rules") == 0 ||
	    strcmp(argv[0], "geo") == 0)) {
		if (dry || pending || reroute || rules || orders || nexclude ||
		    cx.explain)
			usage();
		if (strcmp(argv[0], "rules") == 0)
			return rules_verb(dbopt, argc - 1, argv + 1, quiet);
		return geo_verb(dbopt, argc - 1, argv + 1, quiet);
	}
	if (dry) {
		if (rules == NULL || pending || reroute || argc > 0 ||
		    nexclude || cx.explain)
			usage();
		cx.db = open_db(dbopt, 0);
		dry_run(cx.db, rules, orders, quiet);
	}
	if (rules != NULL || orders != NULL || (nexclude && !reroute) ||
	    (pending && (argc > 0 || reroute)) || (reroute && argc > 0))
		usage();
	if (!pending && !reroute && argc == 0 && isatty(STDIN_FILENO))
		usage();
	cx.db = open_db(dbopt, OMS_DB_CREATE);
	oms_batch_init(&cx.batch, cx.db, BATCH, BATCH_MS);
	if ((rc = oms_router_open(cx.db, NULL, cx.explain ? OMS_ROUTE_EXPLAIN :
	    0, &cx.rt)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (reroute) {
		int64_t id;

		oms_router_exclude(cx.rt, exclude, nexclude);
		if ((rc = oms_order_find(cx.db, reroute, &id)) != OMS_OK)
			oms_die(rc == OMS_REJECT ? OMS_EXIT_REJECT :
			    oms_exit_status(rc), "%s", oms_error());
		if ((rc = oms_batch_open(&cx.batch)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		/* Released and routed again in one transaction, or not at all. */
		cJSON *out = NULL;

		rc = oms_route_reopen(cx.rt, id);
		if (rc == OMS_OK)
			rc = oms_route_order(cx.rt, id, 0, &out);
		if (rc == OMS_REJECT) {
			char msg[1024];

			snprintf(msg, sizeof msg, "%s", oms_error());
			oms_db_rollback(cx.db);
			oms_die(OMS_EXIT_REJECT, "%s (nothing changed)", msg);
		}
		if (rc != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if (out != NULL)
			oms_batch_add(&cx.batch, out);
		flush(&cx);
	} else if (pending) {
		int64_t *ids;
		size_t n;

		if ((rc = oms_route_pending(cx.db, &ids, &n)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		for (size_t i = 0; i < n; i++) {
			route_one(&cx, ids[i], NULL, OMS_ROUTE_QUIET_UNCHANGED);
			progress(&cx, n);
		}
		flush(&cx);
		free(ids);
	} else
		for (int i = 0; i < (argc ? argc : 1); i++)
			route_file(&cx, argc ? argv[i] : "-", 0);
	if (oms_progress_wanted() && cx.done >= 64)
		fprintf(stderr, "\r%s: %ld orders\n", oms_progname, cx.done);
	oms_router_counts(cx.rt, counts);
	if (verbose || (!quiet && oms_progress_wanted()))
		oms_warnx("rules version %d: %ld allocated, %ld partial, %ld "
		    "backordered, %ld held, %ld cancelled, %ld unchanged, %d "
		    "refused", oms_router_version(cx.rt), counts[0], counts[1],
		    counts[2], counts[3], counts[4], counts[5], cx.rejected);
	status = cx.rejected ? OMS_EXIT_REJECT : OMS_EXIT_OK;
	oms_router_close(cx.rt);
	oms_db_close(cx.db);
	oms_batch_free(&cx.batch);
	efshut();
	return status;
}
