/*
 * gen-route: the data of bench/route.sh, as oms-stock records and
 * canonical orders for `oms-import --channel oms` (JSON lines).
 *
 * 10 locations in US cities, all sellable and all shipping: five
 * warehouses, a 3PL and four stores, with lat/lon; some have a cutoff,
 * a time zone or a daily capacity and some leave them out.  Capacities
 * are a share of the orders (the 3PL a fifth, two stores a fiftieth,
 * one a hundredth), so a small run routes like a large one.
 *
 * K products (S000001...) with weight_g, A (10%), B (30%) or C (60%)
 * movers: A SKUs take 60% of the lines, B 30%, C 10%.
 *
 * O orders of 1 to 5 lines (30/25/20/15/10%), distinct SKUs by mover
 * class, qty 1 (80%), 2 (15%) or 3; each SKU has one price.  Ship-to
 * addresses are in 59 real US ZIP codes (all in GeoNames' US file),
 * placed over six days; 3% have priority 1.
 *
 * Stock follows the demand the orders make, so that the mix is the same
 * at any O: 5% of the SKUs that are ordered get 30-80% of their demand
 * (later orders for them are partial or backordered), the others 115-180%
 * plus 0-3; a SKU nobody orders gets 0-10.  It is spread over 5-8
 * locations for an A SKU, 2-4 for B, 1-3 for C, warehouses three times
 * as likely as stores, in random shares: one receive movement per level.
 *
 * Files, in the directory given by -d:
 *   catalog.jsonl   the locations and the products
 *   stock.jsonl     the receive movements
 *   orders.jsonl    the orders
 *
 * usage: gen-route [-s seed] [-n orders] [-k skus] -d dir
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NLOC 10
#define MAXLINES 5

static const struct {
	const char *id, *name, *kind, *city, *region, *zip;
	double lat, lon;
	const char *cutoff, *tz;	/* NULL: left out */
	int cap_per;			/* capacity: orders / cap_per; 0: none */
	int store, pickup, priority;
} locs[NLOC] = {
	{ "W1", "Newark DC", "warehouse", "Newark", "NJ", "07114",
	  40.697812, -74.170810, "16:00", "America/New_York", 0, 0, 0, 10 },
	{ "W2", "Reno DC", "warehouse", "Reno", "NV", "89502",
	  39.494062, -119.742329, "15:00", "America/Los_Angeles", 0, 0, 0, 10 },
	{ "W3", "Dallas DC", "warehouse", "Dallas", "TX", "75241",
	  32.666747, -96.758878, NULL, NULL, 0, 0, 0, 9 },
	{ "W4", "Atlanta DC", "warehouse", "Atlanta", "GA", "30336",
	  33.735444, -84.568978, "17:00", "America/New_York", 0, 0, 0, 9 },
	{ "W5", "Chicago DC", "warehouse", "Joliet", "IL", "60436",
	  41.489670, -88.123810, NULL, "America/Chicago", 0, 0, 0, 8 },
	{ "TPL", "3PL Ontario", "3pl", "Ontario", "CA", "91761",
	  34.035602, -117.591528, "14:00", "America/Los_Angeles", 5, 0, 0, 5 },
	{ "ST1", "Store SoHo", "store", "New York", "NY", "10012",
	  40.725625, -73.997936, "12:00", "America/New_York", 50, 1, 1, 1 },
	{ "ST2", "Store Mission", "store", "San Francisco", "CA", "94110",
	  37.750021, -122.415201, NULL, "America/Los_Angeles", 50, 1, 1, 1 },
	{ "ST3", "Store Wicker Park", "store", "Chicago", "IL", "60622",
	  41.902172, -87.683337, "18:00", "America/Chicago", 0, 1, 1, 1 },
	{ "ST4", "Store LoDo", "store", "Denver", "CO", "80202",
	  39.751526, -104.997673, NULL, NULL, 100, 1, 0, 1 },
};

/* Real US ZIP codes, each in shared/geo/US.txt. */
static const struct {
	const char *zip, *city, *region;
} zips[] = {
	{ "10001", "New York", "NY" }, { "11201", "Brooklyn", "NY" },
	{ "02108", "Boston", "MA" }, { "19103", "Philadelphia", "PA" },
	{ "20001", "Washington", "DC" }, { "21201", "Baltimore", "MD" },
	{ "07030", "Hoboken", "NJ" }, { "06103", "Hartford", "CT" },
	{ "14202", "Buffalo", "NY" }, { "15222", "Pittsburgh", "PA" },
	{ "27601", "Raleigh", "NC" }, { "28202", "Charlotte", "NC" },
	{ "30303", "Atlanta", "GA" }, { "32801", "Orlando", "FL" },
	{ "33130", "Miami", "FL" }, { "33602", "Tampa", "FL" },
	{ "37203", "Nashville", "TN" }, { "35203", "Birmingham", "AL" },
	{ "70112", "New Orleans", "LA" }, { "43215", "Columbus", "OH" },
	{ "44113", "Cleveland", "OH" }, { "48226", "Detroit", "MI" },
	{ "46204", "Indianapolis", "IN" }, { "60601", "Chicago", "IL" },
	{ "53202", "Milwaukee", "WI" }, { "55401", "Minneapolis", "MN" },
	{ "63101", "Saint Louis", "MO" }, { "64105", "Kansas City", "MO" },
	{ "68102", "Omaha", "NE" }, { "73102", "Oklahoma City", "OK" },
	{ "75201", "Dallas", "TX" }, { "77002", "Houston", "TX" },
	{ "78701", "Austin", "TX" }, { "78205", "San Antonio", "TX" },
	{ "80202", "Denver", "CO" }, { "84101", "Salt Lake City", "UT" },
	{ "85004", "Phoenix", "AZ" }, { "87102", "Albuquerque", "NM" },
	{ "89101", "Las Vegas", "NV" }, { "90012", "Los Angeles", "CA" },
	{ "92101", "San Diego", "CA" }, { "94103", "San Francisco", "CA" },
	{ "95814", "Sacramento", "CA" }, { "97204", "Portland", "OR" },
	{ "98101", "Seattle", "WA" }, { "99501", "Anchorage", "AK" },
	{ "96813", "Honolulu", "HI" }, { "83702", "Boise", "ID" },
	{ "59601", "Helena", "MT" }, { "04101", "Portland", "ME" },
	{ "10012", "New York", "NY" }, { "94110", "San Francisco", "CA" },
	{ "60622", "Chicago", "IL" }, { "30336", "Atlanta", "GA" },
	{ "89502", "Reno", "NV" }, { "91761", "Ontario", "CA" },
	{ "75241", "Dallas", "TX" }, { "07114", "Newark", "NJ" },
	{ "60436", "Joliet", "IL" },
};
#define NZIP (long)(sizeof zips / sizeof zips[0])

static const char *const streets[] = {
	"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Park Ave",
	"Washington Blvd", "Lake Rd", "Hill St", "Pine Ct", "2nd Ave",
	"Sunset Blvd",
};

#define GEN_NAME "gen-route"
#include "gen.h"

int
main(int argc, char **argv)
{
	long nord = 100000, nsku = 10000, nlines = 0, nunits = 0, nmoves = 0;
	long stock_units = 0, short_skus = 0, ordered_skus = 0;
	const char *dir = NULL;
	unsigned char *cls, *nl;
	long *price, *demand, *osku;
	unsigned char *oqty;
	FILE *cat, *stk, *ord;
	char buf[32];
	int c;

	state = 20261126;
	while ((c = getopt(argc, argv, "d:k:n:s:")) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'k': nsku = atol(optarg); break;
		case 'n': nord = atol(optarg); break;
		case 's': state = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: gen-route [-s seed] [-n orders] "
			    "[-k skus] -d dir\n");
			return 2;
		}
	}
	if (dir == NULL || nsku < 20 || nord < 1)
		die("bad arguments (-d dir is needed; -k at least 20, -n at "
		    "least 1)");

	cls = malloc((size_t)nsku);
	price = malloc((size_t)nsku * sizeof *price);
	demand = calloc((size_t)nsku, sizeof *demand);
	nl = malloc((size_t)nord);
	osku = malloc((size_t)nord * MAXLINES * sizeof *osku);
	oqty = malloc((size_t)nord * MAXLINES);
	if (!cls || !price || !demand || !nl || !osku || !oqty)
		die("out of memory");

	/* The catalog. */
	cat = open_out(dir, "catalog.jsonl");
	for (int l = 0; l < NLOC; l++) {
		fprintf(cat, "{\"type\":\"location\",\"id\":\"%s\",\"name\":\"%s\","
		    "\"kind\":\"%s\",\"address\":{\"city\":\"%s\",\"region\":\"%s\","
		    "\"postal_code\":\"%s\",\"country\":\"US\"},\"lat\":%.6f,"
		    "\"lon\":%.6f,\"sellable\":true,\"ships\":true,\"pickup\":%s,"
		    "\"priority\":%d", locs[l].id, locs[l].name, locs[l].kind,
		    locs[l].city, locs[l].region, locs[l].zip, locs[l].lat,
		    locs[l].lon, locs[l].pickup ? "true" : "false",
		    locs[l].priority);
		if (locs[l].cap_per)
			fprintf(cat, ",\"capacity_per_day\":%ld",
			    nord / locs[l].cap_per > 10 ? nord / locs[l].cap_per :
			    10);
		if (locs[l].cutoff)
			fprintf(cat, ",\"cutoff\":\"%s\"", locs[l].cutoff);
		if (locs[l].tz)
			fprintf(cat, ",\"tz\":\"%s\"", locs[l].tz);
		fputs("}\n", cat);
	}
	for (long s = 0; s < nsku; s++) {
		long w = between(30, 2500), w2 = between(30, 2500);

		cls[s] = chance(100) ? 0 : chance(333) ? 1 : 2;
		price[s] = between(3, 120) * 100 - 1;
		money(buf, sizeof buf, between(100, 4000));
		fprintf(cat, "{\"type\":\"product\",\"sku\":\"S%06ld\","
		    "\"title\":\"Item %ld\",\"weight_g\":%ld,\"currency\":\"USD\","
		    "\"cost\":\"%s\"}\n", s + 1, s + 1, w2 < w ? w2 : w, buf);
	}
	close_out(cat, "catalog.jsonl");

	/* The orders' lines first: the stock follows their demand. */
	for (long o = 0; o < nord; o++) {
		long k = below(100);
		int n = k < 30 ? 1 : k < 55 ? 2 : k < 75 ? 3 : k < 90 ? 4 : 5;

		nl[o] = (unsigned char)n;
		for (int i = 0; i < n; i++) {
			long s;
			int dup;

			do {
				s = pick_sku(nsku, cls);
				dup = 0;
				for (int j = 0; j < i; j++)
					dup |= osku[o * MAXLINES + j] == s;
			} while (dup);
			osku[o * MAXLINES + i] = s;
			oqty[o * MAXLINES + i] = (unsigned char)(chance(800) ? 1 :
			    chance(750) ? 2 : 3);
			demand[s] += oqty[o * MAXLINES + i];
			nlines++;
			nunits += oqty[o * MAXLINES + i];
		}
	}

	/* The stock: one receive per level that has some. */
	stk = open_out(dir, "stock.jsonl");
	for (long s = 0; s < nsku; s++) {
		static const int nloc_lo[3] = { 5, 2, 1 }, nloc_hi[3] = { 8, 4, 3 };
		long total, share[NLOC] = { 0 }, wsum = 0, left;
		int chosen[NLOC] = { 0 }, k, nchosen = 0;

		if (demand[s] == 0)
			total = between(0, 10);
		else {
			ordered_skus++;
			if (chance(50)) {
				total = demand[s] * between(30, 80) / 100;
				short_skus++;
			} else
				total = (demand[s] * between(115, 180) + 99) / 100 +
				    between(0, 3);
		}
		if (total == 0)
			continue;
		k = (int)between(nloc_lo[cls[s]], nloc_hi[cls[s]]);
		if (k > total)
			k = (int)total;
		while (nchosen < k) {
			int l = (int)below(NLOC);

			if (chosen[l] || (locs[l].store && !chance(333)))
				continue;
			chosen[l] = 1;
			nchosen++;
		}
		/* Random shares, at least one unit each. */
		for (int l = 0; l < NLOC; l++)
			if (chosen[l]) {
				share[l] = between(1, 100);
				wsum += share[l];
			}
		left = total - k;
		for (int l = 0, seen = 0; l < NLOC; l++) {
			long q;

			if (!chosen[l])
				continue;
			seen++;
			q = seen == k ? left : left * share[l] / wsum;
			if (seen < k)
				left -= q;
			wsum -= share[l];
			share[l] = q + 1;
		}
		for (int l = 0; l < NLOC; l++)
			if (chosen[l]) {
				fprintf(stk, "{\"type\":\"movement\",\"kind\":\"receive\","
				    "\"sku\":\"S%06ld\",\"location\":\"%s\",\"qty\":%ld,"
				    "\"ref\":\"PO-%ld\",\"key\":\"rcv-%ld-%s\"}\n", s + 1,
				    locs[l].id, share[l], 70000 + s / 40, s + 1,
				    locs[l].id);
				stock_units += share[l];
				nmoves++;
			}
	}
	close_out(stk, "stock.jsonl");

	/* The orders. */
	ord = open_out(dir, "orders.jsonl");
	for (long o = 0; o < nord; o++) {
		long z = below(NZIP);

		fprintf(ord, "{\"type\":\"order\",\"external_id\":\"R%07ld\","
		    "\"placed_at\":\"2026-11-%02ldT%02ld:%02ld:%02ldZ\"%s,"
		    "\"currency\":\"USD\",\"ship_to\":{\"address1\":\"%ld %s\","
		    "\"city\":\"%s\",\"region\":\"%s\",\"postal_code\":\"%s\","
		    "\"country\":\"US\"},\"lines\":[", o + 1,
		    20 + o * 6 / nord, between(0, 23), between(0, 59),
		    between(0, 59), chance(30) ? ",\"priority\":1" : "",
		    between(1, 9999), streets[below((long)(sizeof streets /
		    sizeof streets[0]))], zips[z].city, zips[z].region,
		    zips[z].zip);
		for (int i = 0; i < nl[o]; i++) {
			long s = osku[o * MAXLINES + i];

			money(buf, sizeof buf, price[s]);
			fprintf(ord, "%s{\"sku\":\"S%06ld\",\"qty\":%d,"
			    "\"unit_price\":\"%s\"}", i ? "," : "", s + 1,
			    oqty[o * MAXLINES + i], buf);
		}
		fputs("]}\n", ord);
	}
	close_out(ord, "orders.jsonl");

	fprintf(stderr, "%s: %ld orders (%ld lines, %ld units), %ld skus "
	    "(%ld ordered, %ld of them short), %d locations, %ld receive "
	    "movements (%ld units)\n", progname, nord, nlines, nunits, nsku,
	    ordered_skus, short_skus, NLOC, nmoves, stock_units);
	free(cls);
	free(price);
	free(demand);
	free(nl);
	free(osku);
	free(oqty);
	return 0;
}
