/*
 * tracking.h: carrier tracking numbers in their real forms, with the
 * check digits the carriers publish (tracking.c says where each comes
 * from).
 *
 *   ups    1Z + shipper number (6) + service code (2) + package (7)
 *          + check digit: 18 characters, "1Z5R89390357567127"
 *   usps   Intelligent Mail package barcode: channel AI (2) + service
 *          type code (3) + mailer ID (9) + serial (7) + MOD 10 check
 *          digit: 22 digits, "9400111201080805483016"
 *   fedex  FedEx Express: 11 digits + check digit, "986578788855"
 *
 * Numbers are made and read in their compact form: no spaces, letters
 * upper case.  The functions return OMS_OK or OMS_ERR (oms.h); on OMS_ERR
 * oms_error() says why.
 */
#ifndef OMS_TRACKING_H
#define OMS_TRACKING_H

#include <stddef.h>
#include <stdint.h>

/* Room for the longest number oms_tracking_make writes, and its NUL. */
#define OMS_TRACKING_LEN 23

/*
 * Write into out (n bytes) the tracking number that serial makes for
 * carrier "ups", "usps" or "fedex" and service, a service name with or
 * without the carrier's prefix ("ups-2nd-day-air", "2nd_day_air").
 *
 * The service picks the UPS service code (2nd day air 02, next day air
 * and overnight 01, anything else 03, ground) and the USPS service type
 * code (Priority Mail Express 701, Priority Mail 055, anything else 001,
 * Ground Advantage); FedEx numbers carry no service.  The low seven
 * decimal digits of serial are the UPS package number and the USPS
 * serial; the digits above them pick the shipper number or mailer ID,
 * so that the whole of a 64-bit serial counts and two serials seldom make
 * one number.  A FedEx number is the low 11 digits of serial.  The same
 * arguments always make the same number.
 */
int oms_tracking_make(const char *carrier, const char *service,
    uint64_t serial, char *out, size_t n);

/*
 * 1 when number is a tracking number of one of the three forms with the
 * right check digit, else 0.  A USPS number may come with the routing
 * prefix its barcode carries, "420" and a 5- or 9-digit ZIP Code.  When
 * carrier is not NULL, *carrier is set to "ups", "usps" or "fedex" when
 * the number has the shape of that carrier's numbers (whether or not its
 * check digit is right), else to NULL.
 */
int oms_tracking_valid(const char *number, const char **carrier);

#endif
