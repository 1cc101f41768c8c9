/*
 * tracking.c: carrier tracking numbers in their real forms.
 *
 * The check digits (t/unit/tracking.c checks them against published
 * numbers and says where each comes from):
 *
 * UPS, "1Z" numbers: the 15 characters after "1Z" are read as digits, a
 * letter as (its place in the alphabet + 1) mod 10 (A 2, B 3, ... I 0,
 * J 1, ... S 0, ... Z 7); the characters in odd places (first, third,
 * ...) count once and those in even places twice; the check digit takes
 * the total up to the next multiple of 10, so a digit in an even place
 * moved by 5 goes unseen.  As written out in the Google Answers thread
 * on carriers' check digits (2003,
 * answers.google.com/answers/threadview/id/207899.html) and in
 * "Calculating the UPS Tracking Number Check Digit" (CodeProject, 2007).
 *
 * USPS, Intelligent Mail package barcode (IMpb, USPS-2000508 and
 * Publication 199): MOD 10, the digits weighted 3, 1, 3, 1, ... from the
 * rightmost one before the check digit leftwards; the check digit takes
 * the sum up to the next multiple of 10.  A routing prefix, "420" and the
 * ZIP Code, does not count.  The number made here is the 22-digit form of
 * a mailer with a 9-digit mailer ID: channel application identifier 92
 * (the commercial mailer's with a 9-digit mailer ID; 93 goes with a
 * 6-digit one, 94 is the USPS online channel's, 95 the retail
 * counter's), a 3-digit service type code (001 USPS Ground Advantage,
 * formerly First-Class Package Service; 055 Priority Mail; 701 Priority
 * Mail Express: the "9400 1", "9205 5" and "9270 1" forms USPS shows
 * for them), the mailer ID (9-digit mailer IDs run from 900000000 to
 * 999999999), a 7-digit serial and the check digit.
 *
 * FedEx Express, 12 digits: the first 11 digits are weighted 3, 1, 7, 3,
 * 1, 7, ... from the left (1, 3, 7, ... from the eleventh leftwards);
 * the check digit is their sum mod 11, 10 written as 0.  As FedEx's web
 * API department gave it in the Google Answers thread above.  Since 10
 * and 0 share a check digit, a few one-digit slips go unseen.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oms.h"
#include "tracking.h"

#define TEN7 10000000ULL

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* UPS: s holds the 15 characters after "1Z". */
static int
ups_check(const char *s)
{
	int sum = 0;

	for (int i = 0; i < 15; i++) {
		int v = is_digit(s[i]) ? s[i] - '0' : (s[i] - 'A' + 2) % 10;

		sum += i % 2 ? 2 * v : v;
	}
	return (10 - sum % 10) % 10;
}

/* USPS MOD 10 over the n digits of s. */
static int
usps_check(const char *s, size_t n)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (s[n - 1 - i] - '0') * (i % 2 ? 1 : 3);
	return (10 - sum % 10) % 10;
}

/* FedEx Express: s holds the first 11 digits. */
static int
fedex_check(const char *s)
{
	static const int w[3] = { 3, 1, 7 };
	int sum = 0;

	for (int i = 0; i < 11; i++)
		sum += (s[i] - '0') * w[i % 3];
	return sum % 11 % 10;
}

/*
 * The service without the carrier's prefix, lower case, '-' read as '_',
 * into buf.
 */
static const char *
service_key(const char *carrier, const char *service, char *buf, size_t n)
{
	size_t k = strlen(carrier), i;

	if (service == NULL)
		service = "";
	if (strncasecmp(service, carrier, k) == 0 && service[k] == '-')
		service += k + 1;
	for (i = 0; service[i] != '\0' && i + 1 < n; i++) {
		char c = service[i];

		buf[i] = c == '-' ? '_' : is_upper(c) ? c - 'A' + 'a' : c;
	}
	buf[i] = '\0';
	return buf;
}

static const char *
ups_service_code(const char *svc)
{
	if (strstr(svc, "2nd_day") || strstr(svc, "second_day"))
		return "02";
	if (strncmp(svc, "next_day", 8) == 0 || strstr(svc, "overnight"))
		return "01";
	return "03";
}

static int
usps_service_type(const char *svc)
{
	if (strstr(svc, "express"))
		return 701;
	if (strstr(svc, "priority"))
		return 55;
	return 1;
}

int
oms_tracking_make(const char *carrier, const char *service, uint64_t serial,
    char *out, size_t n)
{
	static const char b36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char key[64], body[OMS_TRACKING_LEN];
	unsigned long long lo = serial % TEN7, hi = serial / TEN7;
	size_t len;

	if (carrier == NULL)
		carrier = "";
	if (strcmp(carrier, "ups") == 0) {
		char shipper[7];

		for (int i = 5; i >= 0; i--) {
			shipper[i] = b36[hi % 36];
			hi /= 36;
		}
		shipper[6] = '\0';
		snprintf(body, sizeof body, "1Z%s%s%07llu", shipper,
		    ups_service_code(service_key(carrier, service, key,
		    sizeof key)), lo);
		len = strlen(body);
		body[len] = (char)('0' + ups_check(body + 2));
	} else if (strcmp(carrier, "usps") == 0) {
		snprintf(body, sizeof body, "92%03d%09llu%07llu",
		    usps_service_type(service_key(carrier, service, key,
		    sizeof key)), 900000000ULL + hi % 100000000ULL, lo);
		len = strlen(body);
		body[len] = (char)('0' + usps_check(body, len));
	} else if (strcmp(carrier, "fedex") == 0) {
		snprintf(body, sizeof body, "%011llu",
		    (unsigned long long)(serial % 100000000000ULL));
		len = strlen(body);
		body[len] = (char)('0' + fedex_check(body));
	} else
		return oms_seterr("unknown carrier '%s'", carrier);
	body[len + 1] = '\0';
	if (len + 2 > n)
		return oms_seterr("no room for a %s tracking number", carrier);
	memcpy(out, body, len + 2);
	return OMS_OK;
}

static int
digits_only(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

int
oms_tracking_valid(const char *s, const char **carrier)
{
	size_t n;

	if (carrier != NULL)
		*carrier = NULL;
	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 18 && s[0] == '1' && s[1] == 'Z') {
		for (size_t i = 2; i < n; i++)
			if (!is_digit(s[i]) && !is_upper(s[i]))
				return 0;
		if (carrier != NULL)
			*carrier = "ups";
		return is_digit(s[17]) && s[17] - '0' == ups_check(s + 2);
	}
	if (!digits_only(s, n))
		return 0;
	if (n == 12) {
		if (carrier != NULL)
			*carrier = "fedex";
		return s[11] - '0' == fedex_check(s);
	}
	/* The routing prefix of the barcode: 420 and the ZIP Code. */
	if ((n == 30 || n == 34) && strncmp(s, "420", 3) == 0) {
		s += n - 22;
		n = 22;
	}
	if (n == 22 && s[0] == '9' && s[1] >= '1' && s[1] <= '5') {
		if (carrier != NULL)
			*carrier = "usps";
		return s[21] - '0' == usps_check(s, 21);
	}
	return 0;
}
