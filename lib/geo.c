/*
 * geo.c: where an address is, and how far apart two places are.
 *
 * A point for an address comes from the first of: its postal code in the
 * geo_postal table (loaded from a GeoNames postal file by `oms-route geo
 * load`), its region (US states, DC and territories, Canadian provinces,
 * by code or name, from geo/regions.tsv), its country (geo/countries.tsv).
 * The two bundled tables are found on the search path of the channel
 * adapters, so a user's copy can add regions.  Distances are great-circle
 * (haversine) on a sphere of 6371.0088 km, the mean Earth radius.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oms.h"
#include "route.h"

struct place {
	char country[3];
	char *region, *name;	/* region is NULL in the country table */
	double lat, lon;
};

static struct place *countries, *regions;
static size_t ncountries, nregions;
static int loaded;

static char *
find_table(const char *file)
{
	char **dirs;
	int nd = oms_search_path(&dirs);
	char *found = NULL;

	for (int i = 0; i < nd && found == NULL; i++) {
		struct oms_buf b = { 0 };
		FILE *fp;

		oms_buf_printf(&b, "%s/geo/%s", dirs[i], file);
		if ((fp = fopen(b.s, "r")) != NULL) {
			fclose(fp);
			found = b.s;
		} else
			oms_buf_free(&b);
	}
	oms_search_path_free(dirs, nd);
	return found;
}

/* Parse one table: country [region] lat lon name, tab-separated. */
static int
load_table(const char *file, int with_region, struct place **out, size_t *n)
{
	char *path = find_table(file), *line = NULL;
	size_t cap = 0, have = 0;
	long ln = 0;
	FILE *fp;
	int rc = OMS_OK;

	*out = NULL;
	*n = 0;
	if (path == NULL)
		return OMS_OK;	/* no table: fewer fallbacks, not an error */
	if ((fp = fopen(path, "r")) == NULL) {
		rc = oms_seterr("cannot open '%s': %s", path, strerror(errno));
		free(path);
		return rc;
	}
	while (getline(&line, &cap, fp) >= 0) {
		char *f[5], *save = NULL, *p, *end;
		int nf = 0, want = with_region ? 5 : 4;
		struct place pl;

		ln++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (p = strtok_r(line, "\t", &save); p && nf < 5;
		    p = strtok_r(NULL, "\t", &save))
			f[nf++] = p;
		if (nf < want - 1 || strlen(f[0]) != 2) {
			rc = oms_seterr("%s:%ld: not country%s, lat, lon, name",
			    path, ln, with_region ? ", region" : "");
			break;
		}
		memset(&pl, 0, sizeof pl);
		memcpy(pl.country, f[0], 3);
		pl.lat = strtod(f[with_region ? 2 : 1], &end);
		if (*end != '\0' || !(pl.lat >= -90 && pl.lat <= 90)) {
			rc = oms_seterr("%s:%ld: bad latitude", path, ln);
			break;
		}
		pl.lon = strtod(f[with_region ? 3 : 2], &end);
		if (*end != '\0' || !(pl.lon >= -180 && pl.lon <= 180)) {
			rc = oms_seterr("%s:%ld: bad longitude", path, ln);
			break;
		}
		pl.region = with_region ? estrdup(f[1]) : NULL;
		pl.name = estrdup(nf >= want ? f[want - 1] : "");
		if (*n == have) {
			have = have ? have * 2 : 64;
			*out = erealloc(*out, have * sizeof **out);
		}
		(*out)[(*n)++] = pl;
	}
	free(line);
	fclose(fp);
	free(path);
	return rc;
}

static int
load(void)
{
	int rc;

	if (loaded)
		return OMS_OK;
	if ((rc = load_table("countries.tsv", 0, &countries, &ncountries)) !=
	    OMS_OK)
		return rc;
	if ((rc = load_table("regions.tsv", 1, &regions, &nregions)) != OMS_OK)
		return rc;
	loaded = 1;
	return OMS_OK;
}

/* The postal code as GeoNames keys it: upper case, US ZIP+4 cut to 5. */
static void
postal_key(const char *country, const char *postal, char *out, size_t n)
{
	size_t i = 0;

	for (; *postal == ' '; postal++)
		;
	for (; *postal && i + 1 < n; postal++)
		out[i++] = (char)toupper((unsigned char)*postal);
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
	if (strcmp(country, "US") == 0 && i > 5 && out[5] == '-')
		out[5] = '\0';
}

static int
postal_point(oms_db *db, const char *country, const char *code, double *lat,
    double *lon, int *found)
{
	static const char sql[] =
	    "SELECT lat, lon FROM geo_postal WHERE country = ? AND postal_code = ?";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc;

	*found = 0;
	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, country);
	oms_bind_text(st, 2, code);
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		*lat = oms_col_double(st, 0);
		*lon = oms_col_double(st, 1);
		*found = 1;
	}
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the postal codes");
	return OMS_OK;
}

/*
 * The point of an address; *how says which table gave it ("postal",
 * "region", "country"), or is NULL when none knows it.
 */
int
oms_geo_point(oms_db *db, const char *country, const char *region,
    const char *postal, struct oms_point *pt)
{
	char cc[3] = "", key[32];
	int rc, found;

	memset(pt, 0, sizeof pt[0]);
	if ((rc = load()) != OMS_OK)
		return rc;
	if (country == NULL || strlen(country) != 2)
		return OMS_OK;
	cc[0] = (char)toupper((unsigned char)country[0]);
	cc[1] = (char)toupper((unsigned char)country[1]);
	if (postal != NULL && *postal != '\0') {
		postal_key(cc, postal, key, sizeof key);
		if ((rc = postal_point(db, cc, key, &pt->lat, &pt->lon,
		    &found)) != OMS_OK)
			return rc;
		/* A British or Canadian code: its outward part, then. */
		if (!found && strchr(key, ' ') != NULL) {
			*strchr(key, ' ') = '\0';
			if ((rc = postal_point(db, cc, key, &pt->lat, &pt->lon,
			    &found)) != OMS_OK)
				return rc;
		}
		if (found) {
			pt->how = "postal";
			return OMS_OK;
		}
	}
	if (region != NULL && *region != '\0')
		for (size_t i = 0; i < nregions; i++)
			if (strcmp(regions[i].country, cc) == 0 &&
			    (strcasecmp(regions[i].region, region) == 0 ||
			    strcasecmp(regions[i].name, region) == 0)) {
				pt->lat = regions[i].lat;
				pt->lon = regions[i].lon;
				pt->how = "region";
				return OMS_OK;
			}
	for (size_t i = 0; i < ncountries; i++)
		if (strcmp(countries[i].country, cc) == 0) {
			pt->lat = countries[i].lat;
			pt->lon = countries[i].lon;
			pt->how = "country";
			return OMS_OK;
		}
	return OMS_OK;
}

/* Great-circle distance in km. */
double
oms_geo_km(double lat1, double lon1, double lat2, double lon2)
{
	const double r = 6371.0088, rad = M_PI / 180;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) *
	    cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * r * atan2(sqrt(a), sqrt(1 - a));
}

/*
 * Load a GeoNames postal file (12 tab-separated columns: country, postal
 * code, place, admin names and codes, lat, lon, accuracy) into geo_postal,
 * replacing the rows of the same codes, in one transaction.  A line that
 * is not of that shape is named and the load refused whole.
 */
int
oms_geo_load(oms_db *db, FILE *fp, const char *name, long *rows)
{
	static const char sql[] =
	    "INSERT INTO geo_postal (country, postal_code, lat, lon) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT (country, postal_code) "
	    "DO UPDATE SET lat = excluded.lat, lon = excluded.lon";
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long ln = 0;
	int rc;

	*rows = 0;
	if ((rc = oms_db_begin(db)) != OMS_OK)
		return rc;
	while ((len = getline(&line, &cap, fp)) >= 0) {
		char *f[12], *p = line, *end, key[32];
		int nf = 0;
		double lat, lon;
		oms_stmt *st;

		ln++;
		/* Text has no NUL: the rest of the line would go unread. */
		if (memchr(line, '\0', (size_t)len) != NULL) {
			rc = oms_reject("%s:%ld: a NUL byte: not a GeoNames "
			    "postal file", name, ln);
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		f[nf++] = p;
		while (nf < 12 && (p = strchr(p, '\t')) != NULL) {
			*p++ = '\0';
			f[nf++] = p;
		}
		if (nf < 11 || strlen(f[0]) != 2 || f[1][0] == '\0') {
			rc = oms_reject("%s:%ld: not a GeoNames postal line "
			    "(country, postal code, ..., lat, lon in columns 10 "
			    "and 11)", name, ln);
			break;
		}
		/* NaN and infinity are numbers to strtod, not places. */
		lat = strtod(f[9], &end);
		if (f[9][0] == '\0' || *end != '\0' || !(lat >= -90 &&
		    lat <= 90)) {
			rc = oms_reject("%s:%ld: bad latitude '%.40s'", name,
			    ln, f[9]);
			break;
		}
		lon = strtod(f[10], &end);
		if (f[10][0] == '\0' || *end != '\0' || !(lon >= -180 &&
		    lon <= 180)) {
			rc = oms_reject("%s:%ld: bad longitude '%.40s'", name,
			    ln, f[10]);
			break;
		}
		f[0][0] = (char)toupper((unsigned char)f[0][0]);
		f[0][1] = (char)toupper((unsigned char)f[0][1]);
		postal_key(f[0], f[1], key, sizeof key);
		if ((st = oms_db_stmt(db, sql)) == NULL) {
			rc = OMS_ERR;
			break;
		}
		oms_bind_text(st, 1, f[0]);
		oms_bind_text(st, 2, key);
		oms_bind_double(st, 3, lat);
		oms_bind_double(st, 4, lon);
		if ((rc = oms_db_step_done(db, st, "cannot store a postal code"))
		    != OMS_OK)
			break;
		(*rows)++;
	}
	free(line);
	if (rc == OMS_OK && ferror(fp))
		rc = oms_seterr("%s: read error: %s", name, strerror(errno));
	else if (rc == OMS_OK && *rows == 0)
		rc = oms_reject("%s: no postal code in it (%ld line%s)", name,
		    ln, ln == 1 ? "" : "s");
	if (rc != OMS_OK) {
		oms_db_rollback(db);
		*rows = 0;
		return rc;
	}
	return oms_db_commit(db);
}
