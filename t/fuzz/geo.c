/*
 * geo.c: loading a GeoNames postal file, lib/geo.c, into a database of
 * its own in a temporary directory, emptied after each input.
 *
 * The input is the file.  Properties: a load is taken whole or refused
 * whole with a reject naming the file and line (never a database error,
 * never half of it); and once taken, the last line's postal code is
 * found where the line put it, at a latitude and longitude in range.
 */
#include <math.h>
#include <unistd.h>

#include "fuzz.h"
#include "route.h"

static oms_db *db;
static char dir[] = "/tmp/oms-fuzz-geo.XXXXXX";
static char path[sizeof dir + 16];

static const char sql_count[] = "SELECT count(*) FROM geo_postal";
static const char sql_clear[] = "DELETE FROM geo_postal";

static int64_t
count(void)
{
	oms_stmt *st = oms_db_query(db, sql_count, "");
	int64_t n;

	FUZZ_CHECK(st != NULL && oms_step(st) == OMS_ROW, "count");
	n = oms_col_int64(st, 0);
	oms_reset(st);
	return n;
}

/*
 * The last line of the file that is not empty, as geo.c reads it (cut at
 * its first CR), split at its tabs: the number of fields, 0 for none.
 */
static int
last_line(const uint8_t *data, size_t size, char *buf, size_t n, char *f[12])
{
	size_t i = 0, at = 0, len = 0;
	int nf = 0;
	char *p;

	while (i < size) {
		size_t j = i, k;

		while (j < size && data[j] != '\n')
			j++;
		for (k = i; k < j && data[k] != '\r'; k++)
			;
		if (k > i) {
			at = i;
			len = k - i;
		}
		i = j + 1;
	}
	if (len == 0 || len >= n || memchr(data + at, '\0', len) != NULL)
		return 0;
	memcpy(buf, data + at, len);
	buf[len] = '\0';
	f[nf++] = p = buf;
	while (nf < 12 && (p = strchr(p, '\t')) != NULL) {
		*p++ = '\0';
		f[nf++] = p;
	}
	return nf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oms_point pt;
	char buf[4096], *f[12];
	long rows = -1;
	int rc, nf;
	FILE *fp;

	if ((fp = fuzz_file(data, size)) == NULL)
		return 0;
	rc = oms_geo_load(db, fp, "fuzz", &rows);
	fclose(fp);
	FUZZ_CHECK(rc == OMS_OK || rc == OMS_REJECT, "status %d: %s", rc,
	    oms_error());
	if (rc != OMS_OK) {
		FUZZ_CHECK(rows == 0 && count() == 0, "refused, %ld rows", rows);
		FUZZ_CHECK(strncmp(oms_error(), "fuzz:", 5) == 0, "'%s'",
		    oms_error());
		return 0;
	}
	FUZZ_CHECK(count() <= rows, "%ld rows, %lld stored", rows,
	    (long long)count());
	nf = last_line(data, size, buf, sizeof buf, f);
	if (nf >= 11) {
		double lat = strtod(f[9], NULL), lon = strtod(f[10], NULL);
		char cc[3] = { f[0][0], f[0][1], '\0' };

		FUZZ_CHECK(oms_geo_point(db, cc, NULL, f[1], &pt) == OMS_OK,
		    "%s", oms_error());
		FUZZ_CHECK(pt.how != NULL && strcmp(pt.how, "postal") == 0,
		    "'%s' '%s' not found", cc, f[1]);
		FUZZ_CHECK(isfinite(pt.lat) && isfinite(pt.lon) &&
		    fabs(pt.lat) <= 90 && fabs(pt.lon) <= 180, "%g %g", pt.lat,
		    pt.lon);
		FUZZ_CHECK(pt.lat == lat && pt.lon == lon, "'%s' '%s' at %g %g, "
		    "not %g %g", cc, f[1], pt.lat, pt.lon, lat, lon);
	}
	FUZZ_CHECK(oms_db_run(db, sql_clear, "clear", "") == OMS_OK, "%s",
	    oms_error());
	return 0;
}

static void
cleanup(void)
{
	oms_db_close(db);
	unlink(path);
	snprintf(path, sizeof path, "%s/oms.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/oms.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_env();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof path, "%s/oms.db", dir);
	if (oms_db_open(path, OMS_DB_CREATE, &db) != OMS_OK) {
		fprintf(stderr, "%s\n", oms_error());
		rmdir(dir);
		exit(1);
	}
	atexit(cleanup);
	return 0;
}
