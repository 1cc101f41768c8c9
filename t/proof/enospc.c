/*
 * enospc.c: an LD_PRELOAD shim for the fault tests (t/9320-faults.bats):
 * a disk that fills up.  Writes to files whose path starts with
 * $ENOSPC_PATH succeed for the first $ENOSPC_AFTER bytes (0 by default);
 * after that each fails with ENOSPC, as write(2) does on a full disk.
 * Other files, pipes and terminals are left alone.
 *
 *	cc -shared -fPIC -o enospc.so enospc.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long long written;

/* Whether fd is a file under $ENOSPC_PATH, and the disk is full for n. */
static int
full(int fd, size_t n)
{
	const char *prefix = getenv("ENOSPC_PATH");
	const char *after = getenv("ENOSPC_AFTER");
	char link[64], path[PATH_MAX];
	ssize_t len;

	if (prefix == NULL || *prefix == '\0')
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((len = readlink(link, path, sizeof path - 1)) < 0)
		return 0;
	path[len] = '\0';
	if (strncmp(path, prefix, strlen(prefix)) != 0)
		return 0;
	if (written + (long long)n > (after != NULL ? atoll(after) : 0))
		return 1;
	written += n;
	return 0;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
		    "write");
	if (full(fd, n)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(
		    RTLD_NEXT, "pwrite");
	if (full(fd, n)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(
		    RTLD_NEXT, "pwrite64");
	if (full(fd, n)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n, off);
}
