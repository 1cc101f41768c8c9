/*
 * Unit tests for lib/tracking.c.
 *
 * The published numbers, and where each comes from:
 *
 * UPS
 *   1Z999AA10123456784   the sample UPS number quoted everywhere, as
 *                        "1Z 999 AA1 01 2345 6784" in the FAQ of
 *                        https://wheremy.com/ups-tracking/
 *   1Z5R89390357567127, 1Z879E930346834440, 1Z410E7W0392751591,
 *   1Z8V92A70367203024   test_numbers.valid of couriers/ups.json in
 *                        github.com/jkeen/tracking_number_data (the data
 *                        behind the tracking_number gem and its ports)
 *   1Z5915806855587736   "1Z 591580 68 55587736", the example of the
 *                        manual page Algorithm::CheckDigits::M10_011(3pm)
 *                        (Perl, Debian libalgorithm-checkdigits-perl)
 *   invalid: 2Z5R89390357567127, 1A5R89390357567127, 1Z1111111111111111
 *                        test_numbers.invalid of the same ups.json
 *
 * USPS (Intelligent Mail package barcode)
 *   9302234567890123456788  from "(420)12345(93)02234567890123456788", the
 *                        example of the Upland PReS Connect manual, "US
 *                        Postal Service IMpb Settings" (help.uplandsoftware
 *                        .com/objectiflune/en/pres_connect/2023.2/designer/
 *                        Output/Print/Interface/Additional_USPS_IMpb_
 *                        Settings.html); also with its 420 prefix
 *   9400111201080805483016, 9505511069605048600624, 9361289878700317633795,
 *   9405803699300124287899, 420221539101026837331000039521 (with the
 *   routing prefix 420 + ZIP), 4201002334249200190132607600833457 (420 +
 *   ZIP+4)
 *                        test_numbers.valid of couriers/usps.json in
 *                        jkeen/tracking_number_data
 *   9261292700768711948021  FedEx SmartPost, an IMpb handed to USPS:
 *                        couriers/fedex.json of the same repository
 *   invalid: 9200000000000000000000  usps.json test_numbers.invalid
 *
 * FedEx Express
 *   012345678983         the worked example FedEx's web API department
 *                        gave, in the Google Answers thread
 *                        answers.google.com/answers/threadview/id/207899.html
 *   123456789012         the worked example of the Yahoo Answers reply
 *                        "Is there an algorithm to detect if a tracking
 *                        number is a valid fedex tracking number"
 *                        (answers.yahoo.com/question/index?qid=1006020806464)
 *   986578788855, 477179081230, 799531274483, 790535312317, 974367662710
 *                        couriers/fedex.json, jkeen/tracking_number_data
 *   invalid: 996578788855  the same file's test_numbers.invalid
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "tracking.h"
#include "unit.h"

static const char *const ups_ok[] = {
	"1Z999AA10123456784",
	"1Z5R89390357567127", "1Z879E930346834440", "1Z410E7W0392751591",
	"1Z8V92A70367203024",
	"1Z5915806855587736",
	NULL
};

static const char *const usps_ok[] = {
	"9302234567890123456788",
	"420123459302234567890123456788",
	"9400111201080805483016", "9505511069605048600624",
	"9361289878700317633795", "9405803699300124287899",
	"420221539101026837331000039521",
	"4201002334249200190132607600833457",
	"9261292700768711948021",
	NULL
};

static const char *const fedex_ok[] = {
	"012345678983", "123456789012",
	"986578788855", "477179081230", "799531274483", "790535312317",
	"974367662710",
	NULL
};

static const char *const published_bad[] = {
	"2Z5R89390357567127", "1A5R89390357567127", "1Z1111111111111111",
	"9200000000000000000000",
	"996578788855",
	NULL
};

static void
valid(const char *n, const char *want)
{
	const char *c = "unset";

	OK(oms_tracking_valid(n, &c) == 1, "%s is a valid %s number", n, want);
	STR_EQ(c, want, "%s is %s's", n, want);
}

/*
 * Every change of one digit to another makes the number invalid, check
 * digit included, but for UPS's blind spot: a digit weighted 2 (the
 * even places after "1Z") moved by 5 moves the total by 10, and passes;
 * those changes must pass.  Letters are left alone: a UPS letter and a
 * digit (A and 2, say) may weigh the same.
 */
static void
one_digit_changes(const char *n)
{
	char m[64];
	int caught = 0, tried = 0, blind = 0, passed = 0;
	int ups = strncmp(n, "1Z", 2) == 0;

	snprintf(m, sizeof m, "%s", n);
	for (size_t i = 0; m[i] != '\0'; i++) {
		char was = m[i];

		if (was < '0' || was > '9')
			continue;
		/* The routing prefix is outside the check digit. */
		if (strncmp(n, "420", 3) == 0 && i < strlen(n) - 22)
			continue;
		for (char d = '0'; d <= '9'; d++) {
			if (d == was)
				continue;
			m[i] = d;
			if (ups && i >= 2 && i < 17 && i % 2 == 1 &&
			    abs(d - was) == 5) {
				blind++;
				passed += oms_tracking_valid(m, NULL) == 1;
			} else {
				tried++;
				caught += oms_tracking_valid(m, NULL) == 0;
			}
		}
		m[i] = was;
	}
	OK(tried > 0 && caught == tried, "%s: %d of %d one-digit changes fail",
	    n, caught, tried);
	if (ups)
		OK(blind > 0 && passed == blind, "%s: %d of %d changes by 5 in "
		    "places weighted 2 pass, as UPS's rule has it", n, passed,
		    blind);
}

static void
make(const char *carrier, const char *service, uint64_t serial,
    const char *want)
{
	char out[OMS_TRACKING_LEN];
	int rc = oms_tracking_make(carrier, service, serial, out, sizeof out);

	OK(rc == OMS_OK, "make %s %s %llu", carrier, service ? service : "-",
	    (unsigned long long)serial);
	STR_EQ(rc == OMS_OK ? out : NULL, want, "%s %s %llu is %s", carrier,
	    service ? service : "-", (unsigned long long)serial, want);
}

/* Make numbers for many serials: each is valid, its carrier's, well formed. */
static void
many(const char *carrier, const char *service, size_t len, const char *pre,
    size_t at, const char *code)
{
	char out[OMS_TRACKING_LEN], prev[OMS_TRACKING_LEN] = "";
	long bad = 0, n = 0, same = 0;
	uint64_t s = 0;

	for (long i = 0; i < 200000; i++) {
		const char *c = NULL;

		/* Small serials in a row, then serials spread over 64 bits. */
		s = i < 100000 ? (uint64_t)i :
		    (uint64_t)i * 0x9E3779B97F4A7C15ULL;
		n++;
		if (oms_tracking_make(carrier, service, s, out,
		    sizeof out) != OMS_OK || strlen(out) != len ||
		    strncmp(out, pre, strlen(pre)) != 0 ||
		    strncmp(out + at, code, strlen(code)) != 0 ||
		    oms_tracking_valid(out, &c) != 1 || c == NULL ||
		    strcmp(c, carrier) != 0) {
			if (bad++ == 0)
				printf("# %s %s %llu made '%s'\n", carrier,
				    service ? service : "-",
				    (unsigned long long)s, out);
		}
		same += strcmp(out, prev) == 0;
		memcpy(prev, out, sizeof prev);
	}
	OK(bad == 0 && same == 0, "%ld %s numbers (%s) valid and well formed, "
	    "%ld bad, %ld equal to the one before", n, carrier,
	    service ? service : "-", bad, same);
}

int
main(void)
{
	char out[OMS_TRACKING_LEN], a[OMS_TRACKING_LEN], b[OMS_TRACKING_LEN];
	const char *c;
	int i;

	/* The published numbers. */
	for (i = 0; ups_ok[i]; i++)
		valid(ups_ok[i], "ups");
	for (i = 0; usps_ok[i]; i++)
		valid(usps_ok[i], "usps");
	for (i = 0; fedex_ok[i]; i++)
		valid(fedex_ok[i], "fedex");
	for (i = 0; published_bad[i]; i++)
		OK(oms_tracking_valid(published_bad[i], NULL) == 0,
		    "published invalid %s fails", published_bad[i]);

	/* A one-digit change fails. */
	for (i = 0; ups_ok[i]; i++)
		one_digit_changes(ups_ok[i]);
	for (i = 0; usps_ok[i]; i++)
		one_digit_changes(usps_ok[i]);
	/*
	 * FedEx writes a remainder of 10 as 0, so when the check digit is 0
	 * some changes (those moving the remainder between 0 and 10) pass:
	 * test the numbers whose check digit is not 0, and the blind spot.
	 */
	for (i = 0; fedex_ok[i]; i++)
		if (fedex_ok[i][11] != '0')
			one_digit_changes(fedex_ok[i]);
	OK(oms_tracking_valid("077179081230", NULL) == 1,
	    "FedEx's 10-as-0 blind spot: 477179081230 with 0 for 4 passes");
	OK(oms_tracking_valid("477179081231", NULL) == 0 &&
	    oms_tracking_valid("477179081239", NULL) == 0,
	    "a changed FedEx check digit fails even then");

	/* Shapes: which carrier a number looks like, valid or not. */
	c = "unset";
	OK(oms_tracking_valid("1Z999AA10123456785", &c) == 0 && c != NULL &&
	    strcmp(c, "ups") == 0, "a UPS number with a bad check digit is "
	    "still UPS-shaped");
	c = "unset";
	OK(oms_tracking_valid("9400111201080805483017", &c) == 0 && c != NULL &&
	    strcmp(c, "usps") == 0, "so is a USPS one");
	c = "unset";
	OK(oms_tracking_valid("986578788856", &c) == 0 && c != NULL &&
	    strcmp(c, "fedex") == 0, "and a FedEx one");
	static const char *const junk[] = { "", "1Z", "1z999aa10123456784",
	    "1Z 999 AA1 01 2345 6784", "1Z999AA1012345678-",
	    "9400 1112 0108 0805 4830 16", "8400111201080805483016",
	    "9600111201080805483016", "98657878885", "9865787888555",
	    "ABCDEFGHIJKL", "4211234594001112010808054830", NULL };
	for (i = 0; junk[i]; i++) {
		c = "unset";
		OK(oms_tracking_valid(junk[i], &c) == 0 && c == NULL,
		    "'%s' is nobody's", junk[i]);
	}
	OK(oms_tracking_valid(NULL, NULL) == 0, "NULL is not a number");

	/*
	 * Made numbers, pinned: the fields in their places, the check digits
	 * worked out by hand with the rules above.
	 */
	make("ups", "ups-ground", 0, "1Z0000000300000004");
	make("ups", "ground", 1234567, "1Z0000000312345674");
	make("ups", "ups-2nd-day-air", 1234567, "1Z0000000212345676");
	make("ups", "2nd_day_air", 1234567, "1Z0000000212345676");
	make("ups", "ups-next-day-air", 1234567, "1Z0000000112345678");
	make("ups", "UPS-Next-Day-Air", 1234567, "1Z0000000112345678");
	make("ups", "overnight", 1234567, "1Z0000000112345678");
	make("ups", "ups-3-day-select", 1234567, "1Z0000000312345674");
	make("ups", NULL, 1234567, "1Z0000000312345674");
	make("ups", "ups-ground", 12345678901234567890ULL,
	    "1Z5HUGNF0345678904");
	make("ups", "ups-ground", UINT64_MAX, "1ZFJII8A0395516154");
	make("usps", "usps-ground-advantage", 0, "9200190000000000000009");
	make("usps", "usps-ground-advantage", 12345678901234567890ULL,
	    "9200196789012345678906");
	make("usps", "usps-priority-mail", 12345678901234567890ULL,
	    "9205596789012345678909");
	make("usps", "priority_mail_express", 12345678901234567890ULL,
	    "9270196789012345678905");
	make("usps", "usps-priority-mail", UINT64_MAX,
	    "9205597440737095516158");
	make("fedex", "fedex-standard-overnight", 0, "000000000000");
	make("fedex", "fedex-standard-overnight", 1234567, "000012345670");
	make("fedex", NULL, 12345678901234567890ULL, "012345678906");
	make("fedex", "fedex-ground", UINT64_MAX, "737095516157");

	/* Numbers made for many serials check out. */
	many("ups", "ups-ground", 18, "1Z", 8, "03");
	many("ups", "ups-2nd-day-air", 18, "1Z", 8, "02");
	many("ups", "ups-next-day-air", 18, "1Z", 8, "01");
	many("usps", "usps-ground-advantage", 22, "92", 2, "001");
	many("usps", "usps-priority-mail", 22, "92", 2, "055");
	many("usps", "usps-priority-mail-express", 22, "92", 2, "701");
	many("fedex", "fedex-standard-overnight", 12, "", 0, "");

	/* The digits above the package number count too. */
	oms_tracking_make("ups", "ground", 5, a, sizeof a);
	oms_tracking_make("ups", "ground", 5 + 10000000, b, sizeof b);
	OK(strcmp(a, b) != 0, "UPS serials 10^7 apart differ: %s %s", a, b);
	oms_tracking_make("usps", NULL, 5, a, sizeof a);
	oms_tracking_make("usps", NULL, 5 + 10000000, b, sizeof b);
	OK(strcmp(a, b) != 0, "USPS serials 10^7 apart differ: %s %s", a, b);

	/* Refusals. */
	OK(oms_tracking_make("dhl", "express", 1, out, sizeof out) == OMS_ERR,
	    "an unknown carrier is refused");
	STR_EQ(oms_error(), "unknown carrier 'dhl'", "and named");
	OK(oms_tracking_make(NULL, NULL, 1, out, sizeof out) == OMS_ERR,
	    "no carrier is refused");
	OK(oms_tracking_make("ups", NULL, 1, out, 18) == OMS_ERR,
	    "18 bytes cannot hold a UPS number and its NUL");
	OK(oms_tracking_make("ups", NULL, 1, out, 19) == OMS_OK &&
	    strlen(out) == 18, "19 can");
	OK(oms_tracking_make("usps", NULL, 1, out, 22) == OMS_ERR &&
	    oms_tracking_make("usps", NULL, 1, out, 23) == OMS_OK,
	    "a USPS number needs 23 bytes");
	return UNIT_DONE();
}
