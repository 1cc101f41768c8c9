/*
 * killat.c: an LD_PRELOAD shim for the crash tests (t/4200-ship.bats):
 * the process dies of SIGKILL, as kill -9 kills it, the first time it
 * renames a file to a name that ends in $KILLAT_SUFFIX (".zpl": the
 * first label put in its place, after the labels are bought and before
 * any shipment commits), a moment a timer cannot be sure to hit.
 * Unset or empty, nothing.
 *
 *	cc -shared -fPIC -o killat.so killat.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
maybe_die(const char *to)
{
	const char *suffix = getenv("KILLAT_SUFFIX");
	size_t n, k;

	if (suffix == NULL || *suffix == '\0' || to == NULL)
		return;
	n = strlen(to);
	k = strlen(suffix);
	if (n >= k && strcmp(to + n - k, suffix) == 0)
		raise(SIGKILL);
}

int
rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);

	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
		    "rename");
	maybe_die(to);
	return real(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	static int (*real)(int, const char *, int, const char *);

	if (real == NULL)
		real = (int (*)(int, const char *, int, const char *))dlsym(
		    RTLD_NEXT, "renameat");
	maybe_die(to);
	return real(fromfd, from, tofd, to);
}
