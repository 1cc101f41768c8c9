/*
 * slowlock.c: an LD_PRELOAD shim for t/7000-events.bats: a process that
 * is slow to take a lock.  Each fcntl(F_SETLK) waits $SLOWLOCK_MS
 * milliseconds first, to widen the moment between a consumer reading
 * where it stands and taking its lock, which another may use to move it.
 *
 *	cc -shared -fPIC -o slowlock.so slowlock.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

int
fcntl(int fd, int cmd, ...)
{
	static int (*real)(int, int, ...);
	const char *ms = getenv("SLOWLOCK_MS");
	va_list ap;
	void *arg;

	if (real == NULL)
		real = (int (*)(int, int, ...))dlsym(RTLD_NEXT, "fcntl");
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (cmd == F_SETLK && ms != NULL) {
		long n = atol(ms);
		struct timespec ts = { n / 1000, (n % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	return real(fd, cmd, arg);
}
