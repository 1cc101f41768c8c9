/*
 * gen.h: what the data generators gen-stock and gen-route share: a
 * seeded splitmix64 stream (the same seed gives the same data), die, and
 * output files that fail loudly.  Include it once, after defining
 * GEN_NAME to the program's name.
 */
#ifndef GEN_H
#define GEN_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = GEN_NAME;
static uint64_t state;

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* splitmix64 */
static uint64_t
rnd(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long
below(long n)
{
	return (long)(rnd() % (uint64_t)n);
}

static long
between(long lo, long hi)
{
	return lo + below(hi - lo + 1);
}

static int
chance(int permille)
{
	return below(1000) < permille;
}

static FILE *
open_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	return fp;
}

static void
close_out(FILE *fp, const char *name)
{
	if (fflush(fp) == EOF || ferror(fp) || fclose(fp) == EOF)
		die("%s: write error", name);
}

/* A SKU index drawn by mover class: A 60% of picks, B 30%, C 10%. */
static long
pick_sku(long nsku, const unsigned char *cls)
{
	int want = chance(600) ? 0 : chance(750) ? 1 : 2;

	for (int tries = 0; tries < 64; tries++) {
		long s = below(nsku);

		if (cls[s] == want)
			return s;
	}
	return below(nsku);
}

static void
money(char *out, size_t n, long cents)
{
	snprintf(out, n, "%ld.%02ld", cents / 100, cents % 100);
}

#endif
