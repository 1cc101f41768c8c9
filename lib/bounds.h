/*
 * bounds.h: how large a physical quantity may be, and sums of them that
 * do not wrap.
 */
#ifndef OMS_BOUNDS_H
#define OMS_BOUNDS_H

#include <stdint.h>

/*
 * Bounds of the physical quantities a record may give (oms-records(5)),
 * refused at input.  Sums and products of them are still worked out with
 * oms_sat_add and oms_sat_mul, which stop at INT64_MAX instead of
 * wrapping: an order may hold many lines, and a kit many units.
 */
#define OMS_QTY_MAX	1000000		/* units: a line, a movement */
#define OMS_WEIGHT_MAX	10000000	/* grams, a product or a box */
#define OMS_DIM_MAX	100000		/* millimetres, one side */
#define OMS_KIT_MAX	16		/* components of a kit */

/* a + b and a * b for counts and measures (>= 0), INT64_MAX past it. */
static inline int64_t
oms_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static inline int64_t
oms_sat_mul(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

#endif
