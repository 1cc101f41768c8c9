/*
 * policy.c: return policies and return reasons, as data.
 *
 * A channel's policy is returns/CHANNEL.json on the search path of the
 * channel adapters (share/oms/returns/), else returns/default.json; the
 * reasons a return may give are returns/reasons.json.  Both are read once
 * per run and checked as they are read, so a policy with a typo is named
 * with its file before any return is touched.  oms-return(1) documents
 * the fields.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "rma.h"

static const char *const policy_keys[] = {
	"name", "description", "window_days", "window_from", "authorize",
	"restocking_fee", "refund_shipping", "label_paid_by", "refund_at",
	"keep_below", "exchange_first", "location", "expire_after_days",
	"label_service", "label_level",
};

static int
bad(const char *path, const char *fmt, const char *what)
{
	return oms_fail(OMS_E_ADAPTER, "%s: %s%s", path, fmt, what);
}

static int
one_of(const cJSON *p, const char *key, const char *const *allowed,
    const char *path)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, key);

	if (v == NULL)
		return OMS_OK;
	if (cJSON_IsString(v))
		for (int i = 0; allowed[i] != NULL; i++)
			if (strcmp(v->valuestring, allowed[i]) == 0)
				return OMS_OK;
	return oms_fail(OMS_E_ADAPTER, "%s: \"%s\" must be one of %s%s%s%s%s",
	    path, key, allowed[0], allowed[1] ? ", " : "",
	    allowed[1] ? allowed[1] : "", allowed[1] && allowed[2] ? ", " : "",
	    allowed[1] && allowed[2] ? allowed[2] : "");
}

static int
check_fee(const cJSON *fee, const char *path)
{
	const cJSON *r, *v;
	int64_t x;

	if (fee == NULL)
		return OMS_OK;
	if (!cJSON_IsObject(fee))
		return bad(path, "restocking_fee must be an object of reasons",
		    "");
	cJSON_ArrayForEach(r, fee) {
		if (!cJSON_IsObject(r))
			return bad(path, "restocking_fee.", r->string);
		if ((v = cJSON_GetObjectItemCaseSensitive(r, "percent")) !=
		    NULL && (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > 100))
			return bad(path, "a percent from 0 to 100 in "
			    "restocking_fee.", r->string);
		if ((v = cJSON_GetObjectItemCaseSensitive(r, "fixed")) !=
		    NULL && (!cJSON_IsString(v) ||
		    oms_money_parse(v->valuestring, 2, &x) != OMS_OK || x < 0))
			return bad(path, "an amount such as \"5.00\" in "
			    "restocking_fee.", r->string);
	}
	return OMS_OK;
}

/* Check a policy as read; path names it in messages. */
static int
check_policy(cJSON *p, const char *path)
{
	static const char *const from[] = { "delivery", "shipment", "order",
		NULL };
	static const char *const auth[] = { "auto", "manual", NULL };
	static const char *const payer[] = { "merchant", "customer", NULL };
	static const char *const at[] = { "scan", "receipt", "inspection",
		NULL };
	const cJSON *v;
	int64_t x;

	if (!cJSON_IsObject(p))
		return bad(path, "a return policy is one JSON object", "");
	cJSON_ArrayForEach(v, p) {
		size_t i;

		for (i = 0; i < sizeof policy_keys / sizeof policy_keys[0]; i++)
			if (strcmp(v->string, policy_keys[i]) == 0)
				break;
		if (i == sizeof policy_keys / sizeof policy_keys[0])
			return bad(path, "unknown field ", v->string);
	}
	v = cJSON_GetObjectItemCaseSensitive(p, "window_days");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 3650 || v->valuedouble != (int)v->valuedouble)
		return bad(path, "window_days must be a whole number of days "
		    "from 0 to 3650", "");
	v = cJSON_GetObjectItemCaseSensitive(p, "expire_after_days");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 3650))
		return bad(path, "expire_after_days must be a number of days",
		    "");
	if (one_of(p, "window_from", from, path) != OMS_OK ||
	    one_of(p, "authorize", auth, path) != OMS_OK ||
	    one_of(p, "label_paid_by", payer, path) != OMS_OK ||
	    one_of(p, "refund_at", at, path) != OMS_OK)
		return OMS_ERR;
	if (check_fee(cJSON_GetObjectItemCaseSensitive(p, "restocking_fee"),
	    path) != OMS_OK)
		return OMS_ERR;
	v = cJSON_GetObjectItemCaseSensitive(p, "refund_shipping");
	if (v != NULL && !cJSON_IsBool(v) && !cJSON_IsArray(v))
		return bad(path, "refund_shipping must be true, false or a "
		    "list of reasons", "");
	v = cJSON_GetObjectItemCaseSensitive(p, "keep_below");
	if (v != NULL && (!cJSON_IsString(v) ||
	    oms_money_parse(v->valuestring, 2, &x) != OMS_OK || x < 0))
		return bad(path, "keep_below must be an amount such as "
		    "\"10.00\"", "");
	v = cJSON_GetObjectItemCaseSensitive(p, "exchange_first");
	if (v != NULL && !cJSON_IsBool(v))
		return bad(path, "exchange_first must be true or false", "");
	v = cJSON_GetObjectItemCaseSensitive(p, "location");
	if (v != NULL && !cJSON_IsString(v))
		return bad(path, "location must be a location id", "");
	v = cJSON_GetObjectItemCaseSensitive(p, "label_service");
	if (v != NULL && !cJSON_IsString(v))
		return bad(path, "label_service must be a service code", "");
	v = cJSON_GetObjectItemCaseSensitive(p, "label_level");
	if (v != NULL && !cJSON_IsString(v))
		return bad(path, "label_level must be a service level", "");
	return OMS_OK;
}

static int
load(const char *rel, const char *what, cJSON **out, char **path)
{
	char *text;
	int rc;

	*out = NULL;
	if ((rc = oms_search_read(rel, &text, path)) != OMS_OK)
		return rc;
	*out = oms_json_parse(text, strlen(text), NULL, NULL);
	free(text);
	if (*out == NULL) {
		rc = oms_fail(OMS_E_ADAPTER, "%s: not a JSON %s", *path, what);
		free(*path);
		*path = NULL;
		return rc;
	}
	return OMS_OK;
}

/*
 * The policy of channel (a copy the caller frees), with "name" set to the
 * file's name when it gives none.
 */
int
oms_return_policy(const char *channel, cJSON **out)
{
	struct oms_buf rel = { 0 };
	char *path = NULL;
	int rc = OMS_EOF;

	*out = NULL;
	if (channel != NULL && oms_valid_name(channel)) {
		oms_buf_printf(&rel, "returns/%s.json", channel);
		rc = load(rel.s, "return policy", out, &path);
	}
	if (rc == OMS_EOF)
		rc = load("returns/default.json", "return policy", out, &path);
	oms_buf_free(&rel);
	if (rc == OMS_EOF)
		return oms_fail(OMS_E_ADAPTER, "no return policy for channel "
		    "'%s' and no returns/default.json on the search path",
		    channel ? channel : "");
	if (rc != OMS_OK)
		return rc;
	if (check_policy(*out, path) != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
		free(path);
		return OMS_ERR;
	}
	if (!cJSON_HasObjectItem(*out, "name")) {
		const char *b = strrchr(path, '/');
		char name[128];

		snprintf(name, sizeof name, "%s", b ? b + 1 : path);
		if (strlen(name) > 5)
			name[strlen(name) - 5] = '\0';
		cJSON_AddStringToObject(*out, "name", name);
	}
	free(path);
	return OMS_OK;
}

/*
 * Whether reason is one of the reasons of returns/reasons.json, and
 * whether it needs a note.
 */
int
oms_return_reason(const char *reason, int *needs_note)
{
	static cJSON *reasons;
	const cJSON *list, *r;
	char *path = NULL;
	int rc;

	*needs_note = 0;
	if (reasons == NULL) {
		if ((rc = load("returns/reasons.json", "list of reasons",
		    &reasons, &path)) == OMS_EOF)
			return oms_fail(OMS_E_ADAPTER, "no returns/reasons.json "
			    "on the search path");
		if (rc != OMS_OK)
			return rc;
		free(path);
	}
	list = cJSON_GetObjectItemCaseSensitive(reasons, "reasons");
	cJSON_ArrayForEach(r, list) {
		const char *code = oms_json_str(r, "code");

		if (code != NULL && strcmp(code, reason) == 0) {
			*needs_note = cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(r, "note"));
			return OMS_OK;
		}
	}
	{
		struct oms_buf b = { 0 };

		cJSON_ArrayForEach(r, list) {
			const char *code = oms_json_str(r, "code");

			if (code != NULL)
				oms_buf_printf(&b, "%s%s", b.len ? ", " : "",
				    code);
		}
		rc = oms_reject("reason '%s' is not one of %s", reason,
		    b.s ? b.s : "the reasons of returns/reasons.json");
		oms_buf_free(&b);
		return rc;
	}
}
