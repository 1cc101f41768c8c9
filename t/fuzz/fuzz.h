/*
 * fuzz.h: what the libFuzzer harnesses in t/fuzz share.  Each harness is
 * one file with LLVMFuzzerTestOneInput; `make fuzz` builds them with
 * clang against the library built again under ASan and UBSan.
 *
 * A harness checks properties, not only that nothing crashed: a broken
 * property is a crash (FUZZ_CHECK aborts), so libFuzzer keeps the input.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, \
		    __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
		abort(); \
	} \
} while (0)

/*
 * The data files come from the tree (FUZZ_SHARE, compiled in), never
 * from the user's ~/.config/oms; times are read in UTC unless a harness
 * names a zone.
 */
static inline void
fuzz_env(void)
{
	setenv("OMS_PATH", FUZZ_SHARE, 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent/oms-fuzz", 1);
	setenv("TZ", "UTC", 1);
	unsetenv("OMS_NOW");
	unsetenv("OMS_DB");
	oms_setprogname("oms-fuzz");
}

/* The input as a NUL-terminated string (it may hold NULs before that). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = emalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The input as a read-only stream; NULL for no bytes (fmemopen wants 1). */
static inline FILE *
fuzz_file(const uint8_t *data, size_t size)
{
	if (size == 0)
		return NULL;
	return fmemopen((void *)data, size, "r");
}

#endif
