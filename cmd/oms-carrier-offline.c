/*
 * oms-carrier-offline: the bundled offline carrier adapter.  It buys
 * nothing and calls nobody: rates come from the offline rate tables,
 * labels are test labels whose tracking numbers have the real forms and
 * check digits of UPS, USPS and FedEx, and tracking is a script played
 * against the clock.  oms-ship(1) runs it as it runs any carrier adapter
 * (oms-carrier(7)).
 *
 * THE PROTOCOL
 *
 *   oms-carrier-offline VERB	VERB is rate, label, void, track or batch
 *
 * The adapter reads one request, a JSON object, on stdin (white space
 * around it is allowed, nothing else, 1 MiB at most) and writes one
 * reply, a JSON object on one line and a newline, on stdout.
 *
 * Every request has "request_id", a string that is not empty.  It may
 * have "account", an object with the secrets of the carrier account: the
 * offline adapter needs none, and never echoes or logs it, nor anything
 * else of the request but the fields a reply names.  Keys a verb does
 * not know are ignored.
 *
 * A reply is {"ok":true,...} as below, or a refusal
 * {"ok":false,"error":"..."}, the error a sentence saying what is wrong
 * with the request ("request_id must be a string that is not empty",
 * "unknown service 'dhl-express'", "'1Z123' is not a valid tracking
 * number", ...).
 *
 * Exit status: 0 with any reply, refusals included.  2, a usage error,
 * with a message on stderr and nothing on stdout: no verb, an unknown
 * verb, more than one operand, stdin a terminal or not one JSON object,
 * an unknown OMS_OFFLINE_FAULT.  3 when the adapter cannot work (a rate
 * table it cannot read, a write error), with a message on stderr.
 * --help prints the usage on stderr and exits 2; --version prints the
 * version and exits 0.
 *
 * rate
 *   {"request_id":"r1","level":"standard",
 *    "from":{"country":"US","postal_code":"07114"},
 *    "to":{"country":"US","postal_code":"19103"},"distance_km":120.5,
 *    "packages":[{"weight_g":800,"length_mm":300,"width_mm":200,
 *    "height_mm":100}]}
 *   -> {"ok":true,"rates":[{"service":"usps-ground-advantage",
 *    "carrier":"usps","name":"USPS Ground Advantage","price":"14.18",
 *    "currency":"USD","transit_days":2},{"service":"ups-ground",
 *    "carrier":"ups","name":"UPS Ground","price":"15.00",
 *    "currency":"USD","transit_days":2}]}
 *   The quotes of the offline rate tables (rates/NAME.json on the search
 *   path, oms-rules(5)) that serve the service level "level", or of the
 *   one table "service" (a table name such as "ups-ground") when the
 *   request names it; one of the two is needed.  Cheapest first, then by
 *   service.  "from" and "to" are objects with "country"; "distance_km",
 *   a number not below 0, picks the zone, and without it the farthest
 *   zone is quoted.  The packages, 1 to 100 objects, are rated one by
 *   one, as carriers do: "weight_g" (whole grams above 0, needed) and,
 *   when all three are given, "length_mm", "width_mm" and "height_mm"
 *   (whole millimetres above 0) for the volume in cm3, rounded up; a
 *   service's price is the sum over the packages, and a service that
 *   cannot take every package is not quoted.  "rates" is empty when no
 *   table serves them (too heavy, another country); a "service" no
 *   table has is refused, "unknown service 'NAME'".
 *
 * label
 *   {"request_id":"r2","service":"ups-ground","from":{...},"to":{...},
 *    "packages":[{"weight_g":800},{"weight_g":1200}],"reference":"o_12"}
 *   -> {"ok":true,"carrier":"ups","service":"ups-ground",
 *    "tracking_numbers":["1Z...","1Z..."],"test":true}
 *   One tracking number a package, in the order of the packages.  The
 *   carrier is the prefix of "service": ups-, usps- or fedex-, then
 *   letters, digits, '-' and '_'; any other service is refused, "unknown
 *   service 'NAME'".  The packages are as for rate; "from" and "to" must
 *   be objects; "reference" is ignored, and "customs" (a parcel abroad
 *   declares its goods) by rate and label both.  The reply has no
 *   "documents": this adapter draws nothing, and oms-ship draws the
 *   labels of a reply without them.  The numbers are the same for the
 *   same request_id, so a purchase retried with its request_id gets its
 *   first label back and never buys a second: package i (from 1) gets
 *   the number oms_tracking_make (lib/tracking.h) makes from the serial
 *   FNV-1a 64 (oms_hash64) of the bytes "REQUEST_ID/i".
 *
 *   With "return":true it is a return label, paid for when it is used:
 *   "from" is the customer, "to" the place the goods go back to and
 *   "reference" the return ("r_7").  Its numbers are a series of their
 *   own, of the same forms and check digits, from the bytes
 *   "REQUEST_ID/return/i", so they never meet the outbound numbers of a
 *   request_id; and the reply says "return":true, which an adapter that
 *   cannot make return labels would not.  "return" must be true or
 *   false when given, else "return must be true or false".
 *
 * void
 *   {"request_id":"r3","tracking_numbers":["1Z...","1Z..."]}
 *   -> {"ok":true,"voided":["1Z...","1Z..."]}
 *   1 to 100 numbers, all voided or none: one that is not a valid
 *   tracking number (the form and check digit of UPS, USPS or FedEx) is
 *   refused, "'X' is not a valid tracking number".
 *
 * track
 *   {"request_id":"r4","tracking_number":"1Z...",
 *    "shipped_at":"2026-11-02T15:00:00Z","transit_days":3,
 *    "scenario":"delivered"}
 *   -> {"ok":true,"tracking_number":"1Z...","status":"in_transit",
 *    "events":[{"at":"2026-11-02T15:00:00Z","status":"pre_transit",
 *    "description":"Label created, not yet in the carrier's hands"},
 *    {"at":"2026-11-03T09:00:00Z","status":"in_transit",
 *    "description":"In the carrier's hands, on its way"}]}
 *   A script played against the clock, which OMS_NOW pins when set:
 *     pre_transit       at shipped_at
 *     in_transit        18 hours later
 *     out_for_delivery  at 08:00 UTC of the delivery day: the day
 *                       transit_days days after the date (UTC) of
 *                       shipped_at, or the first day after it whose
 *                       08:00 comes after in_transit
 *     delivered         at 14:00 UTC that day, "Delivered"
 *   With "scenario":"failure" a failure, "Delivery attempted, no one
 *   in", comes at 14:00 instead of delivered; with "returned" that
 *   failure and, two days later at 14:00, returned, "Returned to the
 *   sender".  The other descriptions: "Label created, not yet in the
 *   carrier's hands", "In the carrier's hands, on its way", "Out for
 *   delivery".  Only the events whose time has come are listed, oldest
 *   first; "status" is the latest one's, or pre_transit when none has
 *   come yet.  The statuses are exactly pre_transit, in_transit,
 *   out_for_delivery, delivered, failure, returned and lost; times are RFC 3339
 *   UTC, "2026-11-05T14:00:00Z".  "tracking_number" must be a valid
 *   tracking number; "shipped_at" an RFC 3339 time
 *   (YYYY-MM-DDTHH:MM:SS, a fraction of a second allowed, then Z or an
 *   offset +HH:MM or -HH:MM); "transit_days" a whole number from 0 to 60;
 *   "scenario", when given, delivered (the default), failure, returned
 *   or lost (at 14:00 of the delivery day, "The carrier cannot find the
 *   parcel").  With no "scenario", the environment variable
 *   OMS_OFFLINE_TRACK, a test hook, may give one: "SCENARIO" for every
 *   parcel, or "NUMBER=SCENARIO,NUMBER=SCENARIO" for some.
 *
 * batch
 *   {"request_id":"b1","verb":"label","requests":[{"request_id":"r2",
 *    "service":"ups-ground",...},{"request_id":"r5",...}]}
 *   -> {"ok":true,"replies":[{"ok":true,"carrier":"ups",...},
 *    {"ok":false,"error":"unknown service 'dhl-express'"}]}
 *   Several requests of one verb (rate, label, void or track) in one
 *   run of the adapter, 1 to 100 of them: "replies" has the reply to
 *   each, in the order of "requests", each what the verb alone would
 *   have answered it, a refusal of one refusing none of the others.  The
 *   batch's "account" is each request's that has none.  A batch whose
 *   "verb" is not one of the four, or whose "requests" is not an array
 *   of 1 to 100 objects, is refused whole.  Asking a batch again asks
 *   each of its requests again, with the same answers.
 *
 * TEST HOOKS
 *
 * So that the tests of oms-ship can see how it copes with a broken
 * adapter, the environment variable OMS_OFFLINE_FAULT makes this one
 * break, once the verb is checked and the request read (whatever it
 * holds), before the request is parsed:
 *   hang     sleep 3600 seconds, then carry on as usual
 *   crash    abort(): the adapter dies of SIGABRT
 *   garbage  write "this is not JSON" and a newline on stdout, exit 0
 *   fail     exit 3 (cannot work) with "oms-carrier-offline: failing,
 *            as OMS_OFFLINE_FAULT=fail asks" on stderr
 *   refuse   exit 1 (refused, oms-adapters(7)) with "oms-carrier-offline:
 *            refusing, as OMS_OFFLINE_FAULT=refuse asks" on stderr
 *   later    exit 75 (try again later) with "oms-carrier-offline:
 *            busy, as OMS_OFFLINE_FAULT=later asks" on stderr
 * Unset or empty, no fault; any other value is a usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "route.h"
#include "call.h"
#include "cli.h"
#include "tracking.h"

#define REQUEST_MAX (1 << 20)	/* bytes of request at most */
#define MAXPKG 100		/* packages, numbers to void */
#define MAXQUOTES 64

static cJSON *
refuse(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	cJSON *r = cJSON_CreateObject();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON_AddFalseToObject(r, "ok");
	cJSON_AddStringToObject(r, "error", msg);
	return r;
}

static cJSON *
ok_reply(void)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddTrueToObject(r, "ok");
	return r;
}

/* A whole number from lo to hi. */
static int
whole(const cJSON *v, double lo, double hi, int64_t *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo &&
	    v->valuedouble <= hi) ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return 0;
	*out = (int64_t)v->valuedouble;
	return 1;
}

static const cJSON *
get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/*
 * The packages of a request, their weights and volumes summed: 1, or 0
 * with the refusal in *why.
 */
static int
packages(const cJSON *req, int64_t *grams, int64_t *cm3, cJSON **why,
    int64_t *each_g, int64_t *each_cm3, int *npkg)
{
	static const char *const dims[3] = { "length_mm", "width_mm",
	    "height_mm" };
	const cJSON *list = get(req, "packages"), *p;
	int64_t mm3 = 0;
	int i = 0;

	*grams = 0;
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
	    cJSON_GetArraySize(list) > MAXPKG) {
		*why = refuse("packages must be a list of 1 to %d packages",
		    MAXPKG);
		return 0;
	}
	cJSON_ArrayForEach(p, list) {
		int64_t w, d, vol = 1;
		int given = 0, good = 0;

		i++;
		if (!cJSON_IsObject(p) || !whole(get(p, "weight_g"), 1, 1e9,
		    &w)) {
			*why = refuse("package %d: weight_g must be a whole "
			    "number of grams above 0", i);
			return 0;
		}
		for (int k = 0; k < 3; k++) {
			if (get(p, dims[k]) == NULL)
				continue;
			given++;
			if (whole(get(p, dims[k]), 1, 1e5, &d)) {
				good++;
				vol *= d;
			}
		}
		if (good != given || (given != 0 && given != 3)) {
			*why = refuse("package %d: length_mm, width_mm and "
			    "height_mm must be whole millimetres above 0, all "
			    "three or none", i);
			return 0;
		}
		*grams += w;
		if (given == 3)
			mm3 += vol;
		if (each_g != NULL) {
			each_g[i - 1] = w;
			each_cm3[i - 1] = given == 3 ? (vol + 999) / 1000 : 0;
			*npkg = i;
		}
	}
	*cm3 = (mm3 + 999) / 1000;
	return 1;
}

/* The offline rate tables, read once a run: a batch's quotes share them. */
static oms_rates *tables;

static void
tables_free(void)
{
	oms_rates_free(tables);
	tables = NULL;
}

static oms_rates *
rate_tables(void)
{
	if (tables == NULL) {
		if (oms_rates_load(&tables) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s", oms_error());
		atexit(tables_free);
	}
	return tables;
}

static cJSON *
verb_rate(const cJSON *req)
{
	const char *level = oms_json_str(req, "level");
	const char *service = oms_json_str(req, "service");
	const char *from = oms_json_str(get(req, "from"), "country");
	const char *to = oms_json_str(get(req, "to"), "country");
	const cJSON *dist = get(req, "distance_km");
	struct oms_quote q[MAXQUOTES], sum[MAXQUOTES];
	int64_t grams, cm3, each_g[MAXPKG], each_cm3[MAXPKG];
	double km = 1e12;	/* beyond every zone: the farthest */
	oms_rates *rates;
	cJSON *reply, *list, *why;
	int n = 0, npkg = 0, times[MAXQUOTES];

	if (get(req, "service") != NULL && service == NULL)
		return refuse("service must be a string");
	if (get(req, "level") != NULL && level == NULL)
		return refuse("level must be a string");
	if (level == NULL && service == NULL)
		return refuse("level or service is needed");
	if (from == NULL)
		return refuse("from must be an address with a country");
	if (to == NULL)
		return refuse("to must be an address with a country");
	if (dist != NULL) {
		if (!cJSON_IsNumber(dist) || !(dist->valuedouble >= 0 &&
		    dist->valuedouble < 1e9))
			return refuse("distance_km must be a number of "
			    "kilometres, not below 0");
		km = dist->valuedouble;
	}
	if (!packages(req, &grams, &cm3, &why, each_g, each_cm3, &npkg))
		return why;
	rates = rate_tables();
	if (service != NULL && !oms_rates_has(rates, service))
		return refuse("unknown service '%.64s'", service);
	/* Each package on its own; a service must take them all. */
	for (int p = 0; p < npkg; p++) {
		int k = oms_rates_quote(rates, level, service, from, to, km,
		    each_g[p], each_cm3[p], q, MAXQUOTES);

		for (int i = 0; i < k; i++) {
			int j;

			for (j = 0; j < n; j++)
				if (strcmp(sum[j].service, q[i].service) == 0)
					break;
			if (j == n) {
				if (p > 0)
					continue;	/* missed a package */
				sum[n] = q[i];
				sum[n].price = 0;
				times[n++] = 0;
			}
			sum[j].price += q[i].price;
			times[j]++;
		}
	}
	{
		int k = 0;

		for (int i = 0; i < n; i++)
			if (times[i] == npkg)
				q[k++] = sum[i];
		n = k;
	}
	/* Cheapest first, then by service. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && (q[j].price < q[j - 1].price ||
		    (q[j].price == q[j - 1].price &&
		    strcmp(q[j].service, q[j - 1].service) < 0)); j--) {
			struct oms_quote t = q[j];

			q[j] = q[j - 1];
			q[j - 1] = t;
		}
	reply = ok_reply();
	list = cJSON_AddArrayToObject(reply, "rates");
	for (int i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject();
		char price[OMS_MONEY_BUFSZ];

		cJSON_AddStringToObject(r, "service", q[i].service);
		cJSON_AddStringToObject(r, "carrier", q[i].carrier);
		cJSON_AddStringToObject(r, "name", q[i].label);
		cJSON_AddStringToObject(r, "price", oms_money_format(q[i].price,
		    oms_currency_exponent(q[i].currency), price, sizeof price));
		cJSON_AddStringToObject(r, "currency", q[i].currency);
		cJSON_AddNumberToObject(r, "transit_days", q[i].transit_days);
		cJSON_AddItemToArray(list, r);
	}
	return reply;
}

/* The carrier of a service name, by its prefix; NULL when unknown. */
static const char *
carrier_of(const char *service)
{
	static const char *const carriers[] = { "ups", "usps", "fedex" };
	size_t k;

	for (size_t i = 0; i < sizeof carriers / sizeof carriers[0]; i++) {
		k = strlen(carriers[i]);
		if (strncmp(service, carriers[i], k) != 0 ||
		    service[k] != '-' || service[k + 1] == '\0')
			continue;
		for (const char *s = service; *s; s++)
			if (!(*s >= 'a' && *s <= 'z') &&
			    !(*s >= 'A' && *s <= 'Z') &&
			    !(*s >= '0' && *s <= '9') && *s != '-' && *s != '_')
				return NULL;
		return carriers[i];
	}
	return NULL;
}

static cJSON *
verb_label(const cJSON *req, const char *request_id)
{
	const char *service = oms_json_str(req, "service"), *carrier;
	const cJSON *ret = get(req, "return");
	int64_t grams, cm3;
	cJSON *reply, *nums, *why;
	uint64_t h;
	int n;

	if (ret != NULL && !cJSON_IsBool(ret))
		return refuse("return must be true or false");
	if (service == NULL)
		return refuse("service must be a string");
	if ((carrier = carrier_of(service)) == NULL)
		return refuse("unknown service '%.64s'", service);
	if (!cJSON_IsObject(get(req, "from")))
		return refuse("from must be an address");
	if (!cJSON_IsObject(get(req, "to")))
		return refuse("to must be an address");
	if (!packages(req, &grams, &cm3, &why, NULL, NULL, NULL))
		return why;
	n = cJSON_GetArraySize(get(req, "packages"));
	/* Return labels are a series of their own: "REQUEST_ID/return/i". */
	h = oms_hash64(request_id, strlen(request_id), OMS_HASH_INIT);
	h = oms_hash64("/", 1, h);
	if (cJSON_IsTrue(ret))
		h = oms_hash64("return/", 7, h);
	reply = ok_reply();
	cJSON_AddStringToObject(reply, "carrier", carrier);
	cJSON_AddStringToObject(reply, "service", service);
	nums = cJSON_AddArrayToObject(reply, "tracking_numbers");
	for (int i = 1; i <= n; i++) {
		char num[OMS_TRACKING_LEN], idx[16];

		snprintf(idx, sizeof idx, "%d", i);
		if (oms_tracking_make(carrier, service, oms_hash64(idx,
		    strlen(idx), h), num, sizeof num) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s", oms_error());
		cJSON_AddItemToArray(nums, cJSON_CreateString(num));
	}
	if (cJSON_IsTrue(ret))
		cJSON_AddTrueToObject(reply, "return");
	cJSON_AddTrueToObject(reply, "test");
	return reply;
}

static cJSON *
verb_void(const cJSON *req)
{
	const cJSON *list = get(req, "tracking_numbers"), *x;
	cJSON *reply;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
	    cJSON_GetArraySize(list) > MAXPKG)
		return refuse("tracking_numbers must be a list of 1 to %d "
		    "tracking numbers", MAXPKG);
	cJSON_ArrayForEach(x, list) {
		if (!cJSON_IsString(x))
			return refuse("tracking_numbers must be a list of "
			    "strings");
		if (!oms_tracking_valid(x->valuestring, NULL))
			return refuse("'%.64s' is not a valid tracking number",
			    x->valuestring);
	}
	reply = ok_reply();
	cJSON_AddItemToObject(reply, "voided", cJSON_Duplicate(list, 1));
	return reply;
}

static int
known_scenario(const char *s)
{
	return strcmp(s, "delivered") == 0 || strcmp(s, "failure") == 0 ||
	    strcmp(s, "returned") == 0 || strcmp(s, "lost") == 0;
}

/*
 * The fate a test gave a parcel with OMS_OFFLINE_TRACK: "SCENARIO" for
 * every parcel, or "NUMBER=SCENARIO,..." for some; else delivered.
 */
static const char *
scripted(const char *number)
{
	static char buf[16];
	const char *e = getenv("OMS_OFFLINE_TRACK"), *p;
	size_t n = strlen(number);

	if (e == NULL || *e == '\0')
		return "delivered";
	if (strchr(e, '=') == NULL)
		p = e;
	else {
		for (p = e; (p = strstr(p, number)) != NULL; p += n)
			if ((p == e || p[-1] == ',') && p[n] == '=')
				break;
		if (p == NULL)
			return "delivered";
		p += n + 1;
	}
	snprintf(buf, sizeof buf, "%.*s", (int)strcspn(p, ","), p);
	if (!known_scenario(buf))
		oms_die(OMS_EXIT_USAGE, "OMS_OFFLINE_TRACK: unknown scenario "
		    "'%s': say delivered, failure, returned or lost", buf);
	return buf;
}

/* RFC 3339: YYYY-MM-DDTHH:MM:SS, a fraction, then Z or +HH:MM/-HH:MM. */
static int
rfc3339(const char *s, int64_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') :
		    shape[i] == 'T' ? s[i] != 'T' && s[i] != 't' :
		    s[i] != shape[i])
			return 0;
	if (s[i] == '.') {
		if (!(s[++i] >= '0' && s[i] <= '9'))
			return 0;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (s[i] == 'Z' || s[i] == 'z')
		i++;
	else if (s[i] == '+' || s[i] == '-') {
		for (int k = 1; k <= 5; k++)
			if (k == 3 ? s[i + k] != ':' :
			    !(s[i + k] >= '0' && s[i + k] <= '9'))
				return 0;
		i += 6;
	} else
		return 0;
	return s[i] == '\0' && oms_time_to_epoch(s, out) == OMS_OK;
}

static int64_t
day_of(int64_t t)
{
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static void
event(cJSON *list, int64_t at, int64_t now, const char *status,
    const char *description, const char **latest)
{
	char t[OMS_TIME_LEN];
	cJSON *e;

	if (at > now)
		return;
	oms_time_format(at, t);
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "at", t);
	cJSON_AddStringToObject(e, "status", status);
	cJSON_AddStringToObject(e, "description", description);
	cJSON_AddItemToArray(list, e);
	*latest = status;
}

static cJSON *
verb_track(const cJSON *req)
{
	const char *number = oms_json_str(req, "tracking_number");
	const char *shipped = oms_json_str(req, "shipped_at");
	const char *scenario = oms_json_str(req, "scenario");
	const char *latest = "pre_transit";
	char nowbuf[OMS_TIME_LEN];
	int64_t t0, t1, day, now, days;
	cJSON *reply, *events;

	if (number == NULL)
		return refuse("tracking_number must be a string");
	if (!oms_tracking_valid(number, NULL))
		return refuse("'%.64s' is not a valid tracking number", number);
	if (shipped == NULL || !rfc3339(shipped, &t0))
		return refuse("shipped_at must be an RFC 3339 time");
	if (!whole(get(req, "transit_days"), 0, 60, &days))
		return refuse("transit_days must be a whole number of days "
		    "from 0 to 60");
	if (get(req, "scenario") != NULL && (scenario == NULL ||
	    !known_scenario(scenario)))
		return refuse("scenario must be delivered, failure, returned "
		    "or lost");
	if (scenario == NULL)
		scenario = scripted(number);
	oms_time_now(nowbuf);
	if (oms_time_to_epoch(nowbuf, &now) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "cannot read the clock");
	t1 = t0 + 18 * 3600;
	day = day_of(t0) + days;
	while (day * 86400 + 8 * 3600 <= t1)
		day++;
	reply = ok_reply();
	cJSON_AddStringToObject(reply, "tracking_number", number);
	events = cJSON_CreateArray();
	event(events, t0, now, "pre_transit",
	    "Label created, not yet in the carrier's hands", &latest);
	event(events, t1, now, "in_transit",
	    "In the carrier's hands, on its way", &latest);
	event(events, day * 86400 + 8 * 3600, now, "out_for_delivery",
	    "Out for delivery", &latest);
	if (strcmp(scenario, "delivered") == 0)
		event(events, day * 86400 + 14 * 3600, now, "delivered",
		    "Delivered", &latest);
	else if (strcmp(scenario, "lost") == 0)
		event(events, day * 86400 + 14 * 3600, now, "lost",
		    "The carrier cannot find the parcel", &latest);
	else
		event(events, day * 86400 + 14 * 3600, now, "failure",
		    "Delivery attempted, no one in", &latest);
	if (strcmp(scenario, "returned") == 0)
		event(events, (day + 2) * 86400 + 14 * 3600, now, "returned",
		    "Returned to the sender", &latest);
	cJSON_AddStringToObject(reply, "status", latest);
	cJSON_AddItemToObject(reply, "events", events);
	return reply;
}

typedef cJSON *(*verb_fn)(const cJSON *req, const char *rid);

static cJSON *
do_rate(const cJSON *req, const char *rid)
{
	return verb_rate(req);
}

static cJSON *
do_void(const cJSON *req, const char *rid)
{
	return verb_void(req);
}

static cJSON *
do_track(const cJSON *req, const char *rid)
{
	return verb_track(req);
}

#define BATCH_MAX 100	/* requests of a batch at most */

/* The verbs a batch may hold. */
static const struct { const char *name; verb_fn fn; } batch_verbs[] = {
	{ "rate", do_rate }, { "label", verb_label }, { "void", do_void },
	{ "track", do_track },
};

/*
 * Each request of a batch answered as its verb alone would answer it,
 * under its request_id; the batch's reply under the batch's.
 */
static cJSON *
do_batch(const cJSON *req, const char *rid)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(req, "requests");
	const cJSON *acct = cJSON_GetObjectItemCaseSensitive(req, "account");
	const char *verb = oms_json_str(req, "verb");
	verb_fn fn = NULL;
	cJSON *reply, *replies;
	const cJSON *r, *q;
	int n;

	for (size_t i = 0; verb != NULL &&
	    i < sizeof batch_verbs / sizeof batch_verbs[0]; i++)
		if (strcmp(batch_verbs[i].name, verb) == 0)
			fn = batch_verbs[i].fn;
	if (fn == NULL)
		return refuse("verb must be rate, label, void or track");
	n = cJSON_GetArraySize(list);
	if (!cJSON_IsArray(list) || n < 1 || n > BATCH_MAX)
		return refuse("requests must be an array of 1 to 100 requests");
	cJSON_ArrayForEach(r, list) {
		const char *id = oms_json_str(r, "request_id");

		if (!cJSON_IsObject(r))
			return refuse("each of requests must be an object");
		/* Its reply is known by its request_id: one each, once. */
		if (id == NULL || *id == '\0')
			return refuse("each of requests must have a request_id "
			    "that is not empty");
		for (q = list->child; q != r; q = q->next)
			if (strcmp(oms_json_str(q, "request_id"), id) == 0)
				return refuse("request_id '%.64s' is twice in "
				    "the batch", id);
	}
	reply = cJSON_CreateObject();
	cJSON_AddTrueToObject(reply, "ok");
	cJSON_AddStringToObject(reply, "request_id", rid);
	replies = cJSON_AddArrayToObject(reply, "replies");
	cJSON_ArrayForEach(r, list) {
		const char *id = oms_json_str(r, "request_id");
		cJSON *one = (cJSON *)r, *copy = NULL, *answer;

		if (acct != NULL && cJSON_GetObjectItemCaseSensitive(r,
		    "account") == NULL) {
			one = copy = cJSON_Duplicate(r, 1);
			cJSON_AddItemToObject(copy, "account",
			    cJSON_Duplicate(acct, 1));
		}
		answer = fn(one, id);
		cJSON_AddStringToObject(answer, "request_id", id);
		cJSON_AddItemToArray(replies, answer);
		cJSON_Delete(copy);
	}
	return reply;
}

/* What this adapter can do: every verb, and batches of each. */
static cJSON *
do_capabilities(const cJSON *req, const char *rid)
{
	static const char *const verbs[] = { "rate", "label", "void", "track",
	    "batch", "capabilities" };
	cJSON *reply = ok_reply(), *b, *v;

	(void)req;
	(void)rid;
	v = cJSON_AddArrayToObject(reply, "verbs");
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		cJSON_AddItemToArray(v, cJSON_CreateString(verbs[i]));
	b = cJSON_AddObjectToObject(reply, "batch");
	v = cJSON_AddArrayToObject(b, "verbs");
	for (size_t i = 0; i < sizeof batch_verbs / sizeof batch_verbs[0]; i++)
		cJSON_AddItemToArray(v, cJSON_CreateString(batch_verbs[i].name));
	cJSON_AddNumberToObject(b, "max_requests", BATCH_MAX);
	cJSON_AddNumberToObject(b, "max_bytes", REQUEST_MAX);
	return reply;
}

/* Break as OMS_OFFLINE_FAULT asks (see the top of this file). */
static void
fault_hook(void *f)
{
	oms_call_fault("OMS_OFFLINE_FAULT", f);
}

/* One request on stdin, one reply on stdout (oms-carrier(7)). */
static int
serve(struct oms_cli *cli, verb_fn fn)
{
	const char *f = getenv("OMS_OFFLINE_FAULT");

	if (f != NULL && *f != '\0' && !oms_call_fault_known(f))
		oms_die(OMS_EXIT_USAGE, "unknown OMS_OFFLINE_FAULT '%.32s': "
		    "hang, crash, garbage, fail, refuse or later", f);
	return oms_call_serve(cli, REQUEST_MAX, fault_hook, (void *)f, fn,
	    OMS_EXIT_OK);
}

static int
rate(struct oms_cli *cli)
{
	return serve(cli, do_rate);
}

static int
label(struct oms_cli *cli)
{
	return serve(cli, verb_label);
}

static int
void_(struct oms_cli *cli)
{
	return serve(cli, do_void);
}

static int
track(struct oms_cli *cli)
{
	return serve(cli, do_track);
}

static int
batch(struct oms_cli *cli)
{
	return serve(cli, do_batch);
}

static int
capabilities(struct oms_cli *cli)
{
	return serve(cli, do_capabilities);
}

static const struct oms_opt no_opts[] = { OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ "rate", rate, "< request.json", "quote each service for the "
	    "parcels", no_opts },
	{ "label", label, "< request.json", "buy a label: tracking numbers",
	    no_opts },
	{ "void", void_, "< request.json", "void labels not yet scanned",
	    no_opts },
	{ "track", track, "< request.json", "where the parcels are",
	    no_opts },
	{ "batch", batch, "< request.json", "several requests of one verb "
	    "in one run", no_opts },
	{ "capabilities", capabilities, "< request.json", "what this adapter "
	    "can do", no_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
