/*
 * gen-stock: the data of bench/ats.sh, as oms-stock records (JSON lines)
 * and SQL for the orders.
 *
 * N master SKUs (S000001...) stocked at 10 locations, every SKU at every
 * location, so N x 10 level rows: five warehouses and a 3PL, three
 * stores, and a returns site that is not sellable.  Channel "amazon" is
 * served by W1-W5, TPL and RET (RET is listed but not sellable, so it
 * does not count); the stores sell but do not serve amazon.
 * SKUs are A (10%), B (30%) or C (60%) movers: the chance that a
 * location has none, and how much it has when it has some, follow the
 * class; stores and the returns site keep little.  A location with stock
 * got it by one receive; one with none was counted at 0; 8% of the
 * sellable levels with stock have a reservation (1 to 4 units) on top.
 *
 * K kits (KIT00001...) of 2 or 3 components (qty 1, sometimes 2).  One
 * amazon listing per SKU and per kit (AMZ-<sku>), priced, with channel
 * rules on a share of them: safety stock 1-5 (30%), a percentage 50-95
 * (20%), a maximum 5-50 (10%), end when 1-3 (10%), inactive (2%).
 *
 * O orders of 1 to 3 lines (50/35/15%) on amazon, shopify and ebay, 90%
 * open, 5% on hold (both are demand), 5% fulfilled or cancelled (not
 * demand); the SKUs of lines follow the mover class, 3% of lines are
 * kits, a few lines have no SKU.  They go straight into orders and
 * order_lines (orders.sql), as the tests do.
 *
 * M movements to apply afterwards, valid against the stock the other
 * files leave (receive, adjust, damage, transfer: what oms-stock takes
 * by hand; reserves and releases belong to oms-route and oms-ship).
 *
 * Files, in the directory given by -d:
 *   catalog.jsonl    locations, the channel, products, kits, listings
 *   moves-sql.jsonl  the movements of the SKUs after the first T
 *   moves-oms.jsonl  the movements of the first T SKUs but their reserves
 *   moves-rsv.jsonl  those reserves, which oms-stock refuses by hand: they
 *                    go in by SQL after moves-oms.jsonl (one per level)
 *   orders.sql       the orders and their lines, one transaction
 *   changes.jsonl    the M later movements
 *
 * usage: gen-stock [-s seed] [-n skus] [-k kits] [-o orders]
 *        [-m changes] [-t oms_skus] -d dir
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NLOC 10

static const struct {
	const char *id, *name, *kind, *city, *region, *zip;
	int sellable, store, serves;
} locs[NLOC] = {
	{ "W1", "Newark DC", "warehouse", "Newark", "NJ", "07114", 1, 0, 1 },
	{ "W2", "Reno DC", "warehouse", "Reno", "NV", "89502", 1, 0, 1 },
	{ "W3", "Dallas DC", "warehouse", "Dallas", "TX", "75241", 1, 0, 1 },
	{ "W4", "Atlanta DC", "warehouse", "Atlanta", "GA", "30336", 1, 0, 1 },
	{ "W5", "Chicago DC", "warehouse", "Joliet", "IL", "60436", 1, 0, 1 },
	{ "TPL", "3PL Ontario", "3pl", "Ontario", "CA", "91761", 1, 0, 1 },
	{ "ST1", "Store SoHo", "store", "New York", "NY", "10012", 1, 1, 0 },
	{ "ST2", "Store Mission", "store", "San Francisco", "CA", "94110", 1, 1, 0 },
	{ "ST3", "Store Wicker Park", "store", "Chicago", "IL", "60622", 1, 1, 0 },
	{ "RET", "Returns Memphis", "warehouse", "Memphis", "TN", "38118", 0, 0, 1 },
};

#define GEN_NAME "gen-stock"
#include "gen.h"

/* Stock by class and place: how often none, and how much otherwise. */
static long
stock_for(int cls, int l)
{
	static const int none[3] = { 100, 300, 550 };
	static const long hi[3] = { 500, 120, 30 };
	long q;

	if (!locs[l].sellable)		/* returns: mostly nothing */
		return chance(850) ? 0 : between(1, 5);
	if (chance(locs[l].store ? none[cls] + 150 : none[cls]))
		return 0;
	/* Skewed towards the low end: the least of two draws. */
	q = between(1, hi[cls]);
	{
		long r = between(1, hi[cls]);

		if (r < q)
			q = r;
	}
	if (locs[l].store)
		q = q / 4 + 1;
	return q;
}

int
main(int argc, char **argv)
{
	long nsku = 100000, nkit = 1000, nord = 20000, nchg = 1000, noms = 10000;
	const char *dir = NULL;
	unsigned char *cls;
	long *on_hand, *reserved, *comp, nmoves[2] = { 0, 0 }, nlines = 0;
	long demand_orders = 0;
	FILE *cat, *msql, *moms, *mrsv, *ord, *chg;
	char price[32], cost[32];
	int c;

	state = 20261126;
	while ((c = getopt(argc, argv, "d:k:m:n:o:s:t:")) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'k': nkit = atol(optarg); break;
		case 'm': nchg = atol(optarg); break;
		case 'n': nsku = atol(optarg); break;
		case 'o': nord = atol(optarg); break;
		case 's': state = strtoull(optarg, NULL, 10); break;
		case 't': noms = atol(optarg); break;
		default:
			fprintf(stderr, "usage: gen-stock [-s seed] [-n skus] "
			    "[-k kits] [-o orders] [-m changes] [-t oms_skus] "
			    "-d dir\n");
			return 2;
		}
	}
	if (dir == NULL || nsku < 10 || nkit < 0 || nord < 0 || nchg < 0 ||
	    noms < 0 || noms > nsku)
		die("bad arguments (-d dir is needed; -n at least 10)");

	cls = malloc((size_t)nsku);
	on_hand = calloc((size_t)nsku * NLOC, sizeof *on_hand);
	reserved = calloc((size_t)nsku * NLOC, sizeof *reserved);
	comp = calloc((size_t)(nkit ? nkit : 1) * 3 * 2, sizeof *comp);
	if (!cls || !on_hand || !reserved || !comp)
		die("out of memory");
	for (long s = 0; s < nsku; s++)
		cls[s] = chance(100) ? 0 : chance(333) ? 1 : 2;

	/* The catalog. */
	cat = open_out(dir, "catalog.jsonl");
	for (int l = 0; l < NLOC; l++)
		fprintf(cat, "{\"type\":\"location\",\"id\":\"%s\",\"name\":\"%s\","
		    "\"kind\":\"%s\",\"address\":{\"city\":\"%s\",\"region\":\"%s\","
		    "\"postal_code\":\"%s\",\"country\":\"US\"},\"sellable\":%s,"
		    "\"ships\":%s,\"pickup\":%s,\"priority\":%d,"
		    "\"cutoff\":\"16:00\",\"tz\":\"America/New_York\"}\n",
		    locs[l].id, locs[l].name, locs[l].kind, locs[l].city,
		    locs[l].region, locs[l].zip, locs[l].sellable ? "true" : "false",
		    locs[l].sellable ? "true" : "false",
		    locs[l].store ? "true" : "false", NLOC - l);
	fputs("{\"type\":\"channel\",\"channel\":\"amazon\",\"locations\":[", cat);
	for (int l = 0, n = 0; l < NLOC; l++)
		if (locs[l].serves)
			fprintf(cat, "%s\"%s\"", n++ ? "," : "", locs[l].id);
	fputs("]}\n", cat);
	for (long s = 0; s < nsku + nkit; s++) {
		int kit = s >= nsku;
		long id = kit ? s - nsku + 1 : s + 1;

		money(cost, sizeof cost, between(50, 8000));
		fprintf(cat, "{\"type\":\"product\",\"sku\":\"%s%0*ld\","
		    "\"title\":\"%s %ld\",\"barcode\":\"0%011ld\",\"weight_g\":%ld,"
		    "\"currency\":\"USD\",\"cost\":\"%s\"}\n",
		    kit ? "KIT" : "S", kit ? 5 : 6, id, kit ? "Bundle" : "Item",
		    id, 100000000000L + s, between(20, 5000), cost);
	}
	for (long k = 0; k < nkit; k++) {
		int n = chance(600) ? 2 : 3;

		fprintf(cat, "{\"type\":\"kit\",\"sku\":\"KIT%05ld\","
		    "\"components\":[", k + 1);
		for (int i = 0; i < n; i++) {
			long s;
			int dup;

			do {
				s = pick_sku(nsku, cls);
				dup = 0;
				for (int j = 0; j < i; j++)
					dup |= comp[(k * 3 + j) * 2] == s;
			} while (dup);
			comp[(k * 3 + i) * 2] = s;
			comp[(k * 3 + i) * 2 + 1] = chance(800) ? 1 : 2;
			fprintf(cat, "%s{\"sku\":\"S%06ld\",\"qty\":%ld}",
			    i ? "," : "", s + 1, comp[(k * 3 + i) * 2 + 1]);
		}
		fputs("]}\n", cat);
	}
	for (long s = 0; s < nsku + nkit; s++) {
		int kit = s >= nsku;
		long id = kit ? s - nsku + 1 : s + 1;
		char sku[32];

		snprintf(sku, sizeof sku, "%s%0*ld", kit ? "KIT" : "S",
		    kit ? 5 : 6, id);
		money(price, sizeof price, between(3, 300) * 100 - 1);
		fprintf(cat, "{\"type\":\"listing\",\"channel\":\"amazon\","
		    "\"channel_sku\":\"AMZ-%s\",\"sku\":\"%s\",\"price\":\"%s\","
		    "\"currency\":\"USD\"", sku, sku, price);
		if (chance(300))
			fprintf(cat, ",\"safety_stock\":%ld", between(1, 5));
		if (chance(200))
			fprintf(cat, ",\"percent\":%ld", between(10, 19) * 5);
		if (chance(100))
			fprintf(cat, ",\"max_qty\":%ld", between(5, 50));
		if (chance(100))
			fprintf(cat, ",\"end_when\":%ld", between(1, 3));
		if (chance(20))
			fputs(",\"active\":false", cat);
		fputs("}\n", cat);
	}
	close_out(cat, "catalog.jsonl");

	/* The ledger: every SKU at every location. */
	msql = open_out(dir, "moves-sql.jsonl");
	moms = open_out(dir, "moves-oms.jsonl");
	mrsv = open_out(dir, "moves-rsv.jsonl");
	for (long s = 0; s < nsku; s++) {
		FILE *fp = s < noms ? moms : msql;

		for (int l = 0; l < NLOC; l++) {
			long q = stock_for(cls[s], l), i = s * NLOC + l;

			if (q > 0)
				fprintf(fp, "{\"type\":\"movement\",\"kind\":\"receive\","
				    "\"sku\":\"S%06ld\",\"location\":\"%s\",\"qty\":%ld,"
				    "\"ref\":\"PO-%ld\",\"key\":\"rcv-%ld-%s\"}\n", s + 1,
				    locs[l].id, q, 40000 + s / 50, s + 1, locs[l].id);
			else
				fprintf(fp, "{\"type\":\"movement\",\"kind\":\"count\","
				    "\"sku\":\"S%06ld\",\"location\":\"%s\",\"qty\":0,"
				    "\"ref\":\"CC-2026-11\",\"key\":\"cnt-%ld-%s\"}\n",
				    s + 1, locs[l].id, s + 1, locs[l].id);
			on_hand[i] = q;
			nmoves[s < noms]++;
			if (q > 0 && locs[l].sellable && chance(80)) {
				long r = between(1, q < 4 ? q : 4);

				fprintf(s < noms ? mrsv : msql,
				    "{\"type\":\"movement\",\"kind\":\"reserve\","
				    "\"sku\":\"S%06ld\",\"location\":\"%s\",\"qty\":%ld,"
				    "\"ref\":\"pick-%ld\",\"key\":\"rsv-%ld-%s\"}\n",
				    s + 1, locs[l].id, r, s, s + 1, locs[l].id);
				reserved[i] = r;
				nmoves[0]++;
			}
		}
	}
	close_out(msql, "moves-sql.jsonl");
	close_out(moms, "moves-oms.jsonl");
	close_out(mrsv, "moves-rsv.jsonl");

	/* Orders: demand when open or held. */
	ord = open_out(dir, "orders.sql");
	fputs("BEGIN;\n", ord);
	for (long o = 1; o <= nord; o++) {
		static const char *const chans[] = { "amazon", "shopify", "ebay" };
		const char *st = chance(900) ? "open" : chance(500) ? "hold" :
		    chance(500) ? "fulfilled" : "cancelled";
		const char *ch = chans[chance(550) ? 0 : chance(650) ? 1 : 2];
		int n = chance(500) ? 1 : chance(700) ? 2 : 3;
		long total = 0;
		char sku[3][32];
		long q[3], p[3];

		if (!strcmp(st, "open") || !strcmp(st, "hold"))
			demand_orders++;
		for (int i = 0; i < n; i++) {
			q[i] = chance(800) ? 1 : between(2, 3);
			p[i] = between(3, 300) * 100 - 1;
			if (chance(5))
				strcpy(sku[i], "NULL");
			else if (nkit > 0 && chance(30))
				snprintf(sku[i], sizeof sku[i], "'KIT%05ld'",
				    below(nkit) + 1);
			else
				snprintf(sku[i], sizeof sku[i], "'S%06ld'",
				    pick_sku(nsku, cls) + 1);
			total += q[i] * p[i];
		}
		fprintf(ord, "INSERT INTO orders (id, channel, external_id, status, "
		    "%splaced_at, imported_at, updated_at, currency, subtotal, "
		    "total, digest, record) VALUES (%ld, '%s', '%s-%07ld', '%s', "
		    "%s'2026-11-%02ldT%02ld:%02ld:00Z', '2026-11-26T08:00:00Z', "
		    "'2026-11-26T08:00:00Z', 'USD', %ld, %ld, 'bench', '{}');\n",
		    strcmp(st, "hold") ? "" : "hold_reasons, ", o, ch,
		    ch[0] == 'a' ? "114" : ch[0] == 's' ? "SH" : "EB", o, st,
		    strcmp(st, "hold") ? "" : "'[\"address\"]', ",
		    between(20, 25), between(0, 23), between(0, 59), total, total);
		for (int i = 0; i < n; i++) {
			fprintf(ord, "INSERT INTO order_lines (order_id, line_no, "
			    "line_id, sku, title, qty, unit_price) "
			    "VALUES (%ld, %d, '%ld-%d', %s, 'Item', %ld, %ld);\n",
			    o, i + 1, o, i + 1, sku[i], q[i], p[i]);
			nlines++;
		}
	}
	fputs("COMMIT;\n", ord);
	close_out(ord, "orders.sql");

	/* Later movements, each valid against the stock as it then is. */
	chg = open_out(dir, "changes.jsonl");
	for (long m = 1; m <= nchg; m++) {
		char buf[256];

		for (buf[0] = '\0'; buf[0] == '\0';) {
			long s = pick_sku(nsku, cls);
			int l = (int)below(NLOC);
			long i = s * NLOC + l, avail = on_hand[i] - reserved[i];
			int k = (int)below(100);
			long q;

			/* A draw with nothing to take leaves buf empty: again. */
			if (k < 70) {
				q = between(1, 48);
				snprintf(buf, sizeof buf, "\"kind\":\"receive\","
				    "\"sku\":\"S%06ld\",\"location\":\"%s\","
				    "\"qty\":%ld,\"ref\":\"PO-9%04ld\"",
				    s + 1, locs[l].id, q, m);
				on_hand[i] += q;
			} else if (k < 85 && (k < 78 || avail > 0)) {
				q = k < 78 ? between(1, 10) :
				    -between(1, avail < 5 ? avail : 5);
				snprintf(buf, sizeof buf, "\"kind\":\"adjust\","
				    "\"sku\":\"S%06ld\",\"location\":\"%s\","
				    "\"qty\":%ld,\"reason\":\"%s\"", s + 1,
				    locs[l].id, q, q > 0 ? "found" : "shrinkage");
				on_hand[i] += q;
			} else if (k >= 85 && k < 90 && avail > 0) {
				snprintf(buf, sizeof buf, "\"kind\":\"damage\","
				    "\"sku\":\"S%06ld\",\"location\":\"%s\","
				    "\"qty\":1,\"reason\":\"damaged\"", s + 1,
				    locs[l].id);
				on_hand[i] -= 1;
			} else if (k >= 90 && avail > 0) {
				int to = (l + 1 + (int)below(NLOC - 1)) % NLOC;

				q = between(1, avail < 10 ? avail : 10);
				snprintf(buf, sizeof buf, "\"kind\":\"transfer\","
				    "\"sku\":\"S%06ld\",\"location\":\"%s\","
				    "\"to\":\"%s\",\"qty\":%ld,\"ref\":\"TO-%ld\"",
				    s + 1, locs[l].id, locs[to].id, q, m);
				on_hand[i] -= q;
			}
		}
		fprintf(chg, "{\"type\":\"movement\",%s,\"key\":\"chg-%ld\"}\n",
		    buf, m);
	}
	close_out(chg, "changes.jsonl");

	fprintf(stderr, "%s: %ld skus x %d locations, %ld kits, %ld listings, "
	    "%ld movements (%ld for oms-stock, %ld by SQL), %ld orders "
	    "(%ld of them demand) with %ld lines, %ld later movements\n",
	    progname, nsku, NLOC, nkit, nsku + nkit, nmoves[0] + nmoves[1],
	    nmoves[1], nmoves[0], nord, demand_orders, nlines, nchg);
	free(cls);
	free(on_hand);
	free(reserved);
	free(comp);
	return 0;
}
