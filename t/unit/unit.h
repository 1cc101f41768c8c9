/*
 * unit.h: a few lines of TAP for the C unit tests.  Each test prints
 * "ok N - what" or "not ok N - what"; t/run counts them.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

/* cond is evaluated once: it may have effects. */
#define OK(cond, ...) do { \
	int ok_ = (cond) != 0; \
	unit_n++; \
	if (ok_) { \
		printf("ok %d - ", unit_n); \
	} else { \
		unit_failed++; \
		printf("not ok %d - ", unit_n); \
	} \
	printf(__VA_ARGS__); \
	printf("\n"); \
	if (!ok_) \
		printf("#   at %s:%d\n", __FILE__, __LINE__); \
} while (0)

#define STR_EQ(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	int eq_ = (g_ == NULL && w_ == NULL) || \
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0); \
	OK(eq_, __VA_ARGS__); \
	if (!eq_) \
		printf("#   got  '%s'\n#   want '%s'\n", g_ ? g_ : "(null)", \
		    w_ ? w_ : "(null)"); \
} while (0)

#define UNIT_DONE() (printf("1..%d\n", unit_n), unit_failed ? 1 : 0)

#endif
