/*
 * rules.c: routing rules (oms-rules(5)): parsing, checking, versions, and
 * which rule an order matches.
 *
 * A rule set is a JSON document, {"groups": {...}, "rules": [...]}; each
 * rule names when it applies, which locations may serve, its strategies in
 * rank order, its split and backorder policies.  Loading one checks it
 * whole (unknown keys, strategies, locations, rate tables, jq programs)
 * and stores it as the next version, unless it is the current one again.
 * With none loaded, the built-in default (version 0) applies: every
 * location that ships, fewest_shipments then closest, up to 3 shipments,
 * backorder the rest.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oms.h"
#include "route.h"

static const char *const strategy_names[] = {
	"fewest_shipments", "location_priority", "closest", "lowest_cost",
	"meets_promise", "most_stock", "capacity", NULL
};

const char *
oms_strategy_name(int s)
{
	return strategy_names[s];
}

static const char default_rules[] =
    "{\"rules\":[{\"name\":\"default\","
    "\"strategies\":[\"fewest_shipments\",\"closest\"],"
    "\"split\":{\"max_shipments\":3},\"backorder\":\"backorder\"}]}";

static int
str_list(const cJSON *v, const char *rule, const char *key)
{
	const cJSON *x;

	if (!cJSON_IsArray(v))
		return oms_reject("rule '%s': %s must be a list of strings",
		    rule, key);
	cJSON_ArrayForEach(x, v)
		if (!cJSON_IsString(x) || x->valuestring[0] == '\0')
			return oms_reject("rule '%s': %s must be a list of "
			    "strings", rule, key);
	return OMS_OK;
}

/*
 * The first key object o has twice, or NULL: JSON lets a key repeat, and
 * which one counts would be a guess.
 */
static const char *
dup_key(const cJSON *o)
{
	for (const cJSON *x = o->child; x != NULL; x = x->next)
		for (const cJSON *y = o->child; y != x; y = y->next)
			if (x->string != NULL && y->string != NULL &&
			    strcmp(x->string, y->string) == 0)
				return x->string;
	return NULL;
}

static int
check_when(const cJSON *when, struct oms_rule *r)
{
	static const char *const lists[] = { "channel", "segment",
	    "order_type", "country", "region", "postal_prefix", "service",
	    "tags", NULL };
	const cJSON *x;

	if (!cJSON_IsObject(when))
		return oms_reject("rule '%s': when must be an object", r->name);
	if (dup_key(when) != NULL)
		return oms_reject("rule '%s': when: '%s' twice", r->name,
		    dup_key(when));
	for (x = when->child; x != NULL; x = x->next) {
		int i;

		for (i = 0; lists[i]; i++)
			if (strcmp(lists[i], x->string) == 0)
				break;
		if (lists[i] != NULL) {
			if (str_list(x, r->name, x->string) != OMS_OK)
				return OMS_REJECT;
		} else if (strcmp(x->string, "priority_min") == 0 ||
		    strcmp(x->string, "priority_max") == 0) {
			/* Out of range, the cast is undefined: test first. */
			if (!cJSON_IsNumber(x) ||
			    !(x->valuedouble >= -9223372036854775808.0 &&
			    x->valuedouble < 9223372036854775808.0) ||
			    x->valuedouble != (double)(int64_t)x->valuedouble)
				return oms_reject("rule '%s': %s must be an "
				    "integer", r->name, x->string);
		} else if (strcmp(x->string, "value_min") == 0 ||
		    strcmp(x->string, "value_max") == 0) {
			int64_t v;

			if (!cJSON_IsString(x) || oms_money_parse(x->valuestring,
			    2, &v) != OMS_OK)
				return oms_reject("rule '%s': %s must be an "
				    "amount as a decimal string", r->name,
				    x->string);
		} else if (strcmp(x->string, "jq") == 0) {
			if (!cJSON_IsString(x))
				return oms_reject("rule '%s': jq must be a jq "
				    "program", r->name);
			/* A key twice is still JSON; the first would leak. */
			if (r->jq != NULL)
				return oms_reject("rule '%s': jq twice",
				    r->name);
			if (oms_jq_compile(x->valuestring, &r->jq) != OMS_OK)
				return oms_reject("rule '%s': %s", r->name,
				    oms_error());
			r->jq_text = x->valuestring;
		} else
			return oms_reject("rule '%s': unknown condition '%s'",
			    r->name, x->string);
	}
	return OMS_OK;
}

static int
parse_rule(const cJSON *o, const cJSON *groups, int i, struct oms_rule *r)
{
	static const char *const known[] = { "name", "when", "locations",
	    "group", "strategies", "split", "backorder", "cancel_after_days",
	    "partial", "service", NULL };
	const cJSON *x, *locs;
	char num[32];

	memset(r, 0, sizeof *r);
	r->max_shipments = 1;
	r->partial = 1;
	snprintf(num, sizeof num, "%d", i + 1);
	if (!cJSON_IsObject(o))
		return oms_reject("rule %d is not an object", i + 1);
	r->name = oms_json_str(o, "name");
	if (r->name == NULL)
		r->name = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o,
		    "name")) ? "" : NULL;
	if (r->name == NULL || r->name[0] == '\0')
		return oms_reject("rule %d has no name", i + 1);
	for (x = o->child; x != NULL; x = x->next) {
		int k;

		for (k = 0; known[k]; k++)
			if (strcmp(known[k], x->string) == 0)
				break;
		if (known[k] == NULL)
			return oms_reject("rule '%s': unknown key '%s'", r->name,
			    x->string);
	}
	if (dup_key(o) != NULL)
		return oms_reject("rule '%s': '%s' twice", r->name, dup_key(o));
	if ((x = cJSON_GetObjectItemCaseSensitive(o, "when")) != NULL &&
	    check_when(x, r) != OMS_OK)
		return OMS_REJECT;
	r->when = x;
	locs = cJSON_GetObjectItemCaseSensitive(o, "locations");
	x = cJSON_GetObjectItemCaseSensitive(o, "group");
	if (locs != NULL && x != NULL)
		return oms_reject("rule '%s': locations or group, not both",
		    r->name);
	if (x != NULL) {
		if (!cJSON_IsString(x))
			return oms_reject("rule '%s': group must be a name",
			    r->name);
		locs = cJSON_GetObjectItemCaseSensitive(groups, x->valuestring);
		if (locs == NULL)
			return oms_reject("rule '%s': unknown group '%s'",
			    r->name, x->valuestring);
	}
	if (locs != NULL && (str_list(locs, r->name, "locations") != OMS_OK ||
	    cJSON_GetArraySize(locs) == 0))
		return oms_reject("rule '%s': locations must be a list of "
		    "location ids", r->name);
	r->locations = locs;
	x = cJSON_GetObjectItemCaseSensitive(o, "strategies");
	if (x == NULL) {
		r->strategies[r->nstrategies++] = OMS_S_FEWEST;
		r->strategies[r->nstrategies++] = OMS_S_CLOSEST;
	} else {
		const cJSON *s;

		if (str_list(x, r->name, "strategies") != OMS_OK)
			return OMS_REJECT;
		cJSON_ArrayForEach(s, x) {
			int k;

			for (k = 0; strategy_names[k]; k++)
				if (strcmp(strategy_names[k], s->valuestring) == 0)
					break;
			if (strategy_names[k] == NULL)
				return oms_reject("rule '%s': unknown strategy "
				    "'%s'", r->name, s->valuestring);
			for (int j = 0; j < r->nstrategies; j++)
				if (r->strategies[j] == k)
					return oms_reject("rule '%s': strategy "
					    "'%s' twice", r->name, s->valuestring);
			r->strategies[r->nstrategies++] = k;
		}
	}
	x = cJSON_GetObjectItemCaseSensitive(o, "split");
	if (x == NULL)
		r->max_shipments = 3;
	else if (cJSON_IsString(x) && strcmp(x->valuestring, "never") == 0)
		r->max_shipments = 1;
	else if (cJSON_IsObject(x)) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(x,
		    "max_shipments"), *v = cJSON_GetObjectItemCaseSensitive(x,
		    "min_value"), *y;

		for (y = x->child; y != NULL; y = y->next)
			if (strcmp(y->string, "max_shipments") != 0 &&
			    strcmp(y->string, "min_value") != 0)
				return oms_reject("rule '%s': split: unknown key "
				    "'%s'", r->name, y->string);
		if (dup_key(x) != NULL)
			return oms_reject("rule '%s': split: '%s' twice",
			    r->name, dup_key(x));
		if (m != NULL && (!cJSON_IsNumber(m) || m->valuedouble < 1 ||
		    m->valuedouble > OMS_MAX_SHIPMENTS || m->valuedouble !=
		    (double)(int)m->valuedouble))
			return oms_reject("rule '%s': split: max_shipments must "
			    "be 1 to %d", r->name, OMS_MAX_SHIPMENTS);
		r->max_shipments = m ? (int)m->valuedouble : 3;
		if (v != NULL) {
			int64_t t;

			if (!cJSON_IsString(v) || oms_money_parse(v->valuestring,
			    2, &t) != OMS_OK)
				return oms_reject("rule '%s': split: min_value "
				    "must be an amount as a decimal string",
				    r->name);
			r->min_value = v->valuestring;
		}
	} else
		return oms_reject("rule '%s': split must be \"never\" or "
		    "{\"max_shipments\": N, \"min_value\": \"AMOUNT\"}", r->name);
	x = cJSON_GetObjectItemCaseSensitive(o, "backorder");
	r->backorder = OMS_BO_BACKORDER;
	if (x != NULL) {
		if (cJSON_IsString(x) && strcmp(x->valuestring, "backorder") == 0)
			r->backorder = OMS_BO_BACKORDER;
		else if (cJSON_IsString(x) && strcmp(x->valuestring, "hold") == 0)
			r->backorder = OMS_BO_HOLD;
		else if (cJSON_IsString(x) && strcmp(x->valuestring, "cancel") == 0)
			r->backorder = OMS_BO_CANCEL;
		else
			return oms_reject("rule '%s': backorder must be "
			    "\"backorder\", \"hold\" or \"cancel\"", r->name);
	}
	x = cJSON_GetObjectItemCaseSensitive(o, "cancel_after_days");
	if (x != NULL) {
		if (r->backorder != OMS_BO_CANCEL)
			return oms_reject("rule '%s': cancel_after_days goes with "
			    "\"backorder\": \"cancel\"", r->name);
		if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0 &&
		    x->valuedouble <= INT_MAX) ||
		    x->valuedouble != (double)(int)x->valuedouble)
			return oms_reject("rule '%s': cancel_after_days must be "
			    "a whole number of days", r->name);
		r->cancel_after_days = (int)x->valuedouble;
	}
	x = cJSON_GetObjectItemCaseSensitive(o, "partial");
	if (x != NULL) {
		if (!cJSON_IsBool(x))
			return oms_reject("rule '%s': partial must be true or "
			    "false", r->name);
		r->partial = cJSON_IsTrue(x);
	}
	x = cJSON_GetObjectItemCaseSensitive(o, "service");
	if (x != NULL) {
		if (!cJSON_IsString(x) || x->valuestring[0] == '\0')
			return oms_reject("rule '%s': service must name a rate "
			    "table", r->name);
		r->service = x->valuestring;
	}
	return OMS_OK;
}

void
oms_rules_free(struct oms_rules *rs)
{
	if (rs == NULL)
		return;
	for (int i = 0; i < rs->n; i++)
		oms_jq_free(rs->r[i].jq);
	free(rs->r);
	cJSON_Delete(rs->doc);
	free(rs);
}

/*
 * Parse and check a rule set.  With db, the locations it names must
 * exist; with rates, the services it names must be rate tables.
 */
int
oms_rules_parse(const char *text, oms_db *db, const oms_rates *rates,
    struct oms_rules **out)
{
	static const char sql_loc[] = "SELECT 1 FROM locations WHERE id = ?";
	struct oms_rules *rs = ecalloc(1, sizeof *rs);
	const cJSON *list, *groups, *x;
	int n, rc = OMS_OK;

	*out = NULL;
	rs->doc = cJSON_Parse(text);
	if (!cJSON_IsObject(rs->doc)) {
		oms_rules_free(rs);
		return oms_reject("not a JSON object");
	}
	for (x = rs->doc->child; x != NULL; x = x->next)
		if (strcmp(x->string, "rules") != 0 &&
		    strcmp(x->string, "groups") != 0 &&
		    strcmp(x->string, "description") != 0) {
			rc = oms_reject("unknown key '%s' (rules, groups and "
			    "description are known)", x->string);
			oms_rules_free(rs);
			return rc;
		}
	if (dup_key(rs->doc) != NULL) {
		rc = oms_reject("'%s' twice", dup_key(rs->doc));
		oms_rules_free(rs);
		return rc;
	}
	groups = cJSON_GetObjectItemCaseSensitive(rs->doc, "groups");
	if (groups != NULL && !cJSON_IsObject(groups)) {
		oms_rules_free(rs);
		return oms_reject("groups must be an object of location lists");
	}
	if (groups != NULL && dup_key(groups) != NULL) {
		rc = oms_reject("groups: '%s' twice", dup_key(groups));
		oms_rules_free(rs);
		return rc;
	}
	list = cJSON_GetObjectItemCaseSensitive(rs->doc, "rules");
	if (!cJSON_IsArray(list) || (n = cJSON_GetArraySize(list)) == 0) {
		oms_rules_free(rs);
		return oms_reject("rules must be a list of at least one rule");
	}
	rs->r = ecalloc((size_t)n, sizeof *rs->r);
	for (x = list->child; x != NULL && rc == OMS_OK; x = x->next) {
		struct oms_rule *r = &rs->r[rs->n];

		rc = parse_rule(x, groups, rs->n, r);
		rs->n++;
		for (int j = 0; rc == OMS_OK && j < rs->n - 1; j++)
			if (strcmp(rs->r[j].name, r->name) == 0)
				rc = oms_reject("two rules are named '%s'",
				    r->name);
		if (rc == OMS_OK && r->service != NULL && rates != NULL &&
		    !oms_rates_has(rates, r->service))
			rc = oms_reject("rule '%s': no rate table '%s'", r->name,
			    r->service);
		if (rc == OMS_OK && db != NULL && r->locations != NULL) {
			const cJSON *l;

			cJSON_ArrayForEach(l, r->locations) {
				oms_stmt *st = oms_db_stmt(db, sql_loc);
				int s;

				if (st == NULL) {
					rc = OMS_ERR;
					break;
				}
				oms_bind_text(st, 1, l->valuestring);
				s = oms_step(st);
				oms_reset(st);
				if (s == OMS_DONE) {
					rc = oms_reject("rule '%s': unknown "
					    "location '%s'", r->name,
					    l->valuestring);
					break;
				}
				if (s != OMS_ROW) {
					rc = oms_db_fail(db, s,
					    "cannot read the locations");
					break;
				}
			}
		}
	}
	if (rc != OMS_OK) {
		oms_rules_free(rs);
		return rc;
	}
	*out = rs;
	return OMS_OK;
}

/* The rule set in force: the latest version, or the built-in default. */
int
oms_rules_current(oms_db *db, struct oms_rules **out)
{
	static const char sql[] =
	    "SELECT version, rules FROM rules ORDER BY version DESC LIMIT 1";
	oms_stmt *st = oms_db_stmt(db, sql);
	char *text = NULL;
	int version = 0, rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		version = oms_col_int(st, 0);
		text = estrdup(oms_col_text(st, 1));
	}
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the rules");
	rc = oms_rules_parse(text ? text : default_rules, NULL, NULL, out);
	free(text);
	if (rc != OMS_OK)
		return oms_seterr("the stored rules (version %d) no longer "
		    "parse: %s", version, oms_error());
	(*out)->version = version;
	return OMS_OK;
}

/*
 * Store a rule set as the next version, unless it is the one in force;
 * *version is the version in force afterwards, *created whether it is new.
 */
int
oms_rules_store(oms_db *db, const char *text, const char *source,
    int *version, int *created)
{
	static const char sql_last[] =
	    "SELECT version, digest FROM rules ORDER BY version DESC LIMIT 1";
	static const char sql_put[] =
	    "INSERT INTO rules (version, loaded_at, source, digest, rules) "
	    "VALUES (?, ?, ?, ?, ?)";
	cJSON *doc = cJSON_Parse(text);
	char *canon = doc ? oms_json_print(doc) : NULL;
	char digest[17], now[OMS_TIME_LEN];
	oms_stmt *st;
	int rc, last = 0, same = 0;

	cJSON_Delete(doc);
	*created = 0;
	if (canon == NULL)
		return oms_reject("not JSON");
	snprintf(digest, sizeof digest, "%016llx", (unsigned long long)
	    oms_hash64(canon, strlen(canon), OMS_HASH_INIT));
	if ((rc = oms_db_begin(db)) != OMS_OK) {
		free(canon);
		return rc;
	}
	if ((st = oms_db_stmt(db, sql_last)) == NULL)
		goto fail;
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		last = oms_col_int(st, 0);
		same = strcmp(oms_col_text(st, 1),
		    digest) == 0;
	}
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read the rules");
		goto fail_rc;
	}
	*version = last;
	if (!same) {
		if ((st = oms_db_stmt(db, sql_put)) == NULL)
			goto fail;
		oms_time_now(now);
		oms_bind_int(st, 1, last + 1);
		oms_bind_text(st, 2, now);
		oms_bind_text(st, 3, source);
		oms_bind_text(st, 4, digest);
		oms_bind_text(st, 5, canon);
		if ((rc = oms_db_step_done(db, st, "cannot store the rules")) !=
		    OMS_OK)
			goto fail_rc;
		*version = last + 1;
		*created = 1;
	}
	free(canon);
	return oms_db_commit(db);
fail:
	rc = OMS_ERR;
fail_rc:
	free(canon);
	oms_db_rollback(db);
	return rc;
}

/* Each stored version: {"type":"rules","version":..,...}, oldest first. */
int
oms_rules_history(oms_db *db, int version, oms_rec_fn fn, void *arg)
{
	static const char sql[] =
	    "SELECT version, loaded_at, source, digest, rules FROM rules "
	    "WHERE ?1 < 0 OR version = ?1 ORDER BY version";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc, r = OMS_OK, found = 0;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int(st, 1, version);
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *o = cJSON_CreateObject();
		const char *src = oms_col_text(st, 2);

		found = 1;
		cJSON_AddStringToObject(o, "type", "rules");
		cJSON_AddNumberToObject(o, "version", oms_col_int(st, 0));
		cJSON_AddStringToObject(o, "loaded_at",
		    oms_col_text(st, 1));
		if (src != NULL)
			cJSON_AddStringToObject(o, "source", src);
		cJSON_AddStringToObject(o, "digest",
		    oms_col_text(st, 3));
		if (version >= 0)
			cJSON_AddItemToObject(o, "rules", cJSON_Parse(
			    oms_col_text(st, 4)));
		r = fn(arg, o);
		cJSON_Delete(o);
		if (r != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r == OMS_OK && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the rules");
	if (r == OMS_OK && version > 0 && !found)
		return oms_reject("no rules version %d", version);
	return r;
}

/* The built-in default, as `rules show` prints it with nothing loaded. */
const char *
oms_rules_default(void)
{
	return default_rules;
}

static int
in_list(const cJSON *list, const char *s)
{
	const cJSON *x;

	if (s == NULL)
		return 0;
	cJSON_ArrayForEach(x, list)
		if (strcasecmp(x->valuestring, s) == 0)
			return 1;
	return 0;
}

static const char *
list_text(const cJSON *list, char *buf, size_t n)
{
	const cJSON *x;
	size_t k = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(x, list) {
		int w = snprintf(buf + k, n - k, "%s%s", k ? ", " : "",
		    x->valuestring);

		if (w < 0 || (size_t)w >= n - k)
			break;
		k += (size_t)w;
	}
	return buf;
}

/*
 * Whether rule r's conditions but jq hold for order o (the facts route.c
 * gathers); when one does not, why into why.  The jq condition is the
 * router's to run (oms_jq_first), bounded and outside the write lock
 * where it can.
 */
int
oms_rule_matches(struct oms_rule *r, const struct oms_order_facts *o,
    char *why, size_t n)
{
	const cJSON *w = r->when, *x;
	char buf[256];

	why[0] = '\0';
	if (w == NULL)
		return 1;
	for (x = w->child; x != NULL; x = x->next) {
		const char *k = x->string, *v = NULL;

		if (strcmp(k, "channel") == 0)
			v = o->channel;
		else if (strcmp(k, "segment") == 0)
			v = o->segment;
		else if (strcmp(k, "order_type") == 0)
			v = o->order_type;
		else if (strcmp(k, "country") == 0)
			v = o->country;
		else if (strcmp(k, "region") == 0)
			v = o->region;
		else if (strcmp(k, "service") == 0)
			v = o->service;
		if (v != NULL || strcmp(k, "channel") == 0 ||
		    strcmp(k, "segment") == 0 || strcmp(k, "order_type") == 0 ||
		    strcmp(k, "country") == 0 || strcmp(k, "region") == 0 ||
		    strcmp(k, "service") == 0) {
			if (!in_list(x, v)) {
				snprintf(why, n, "%s %s is not one of %s", k,
				    v ? v : "(none)", list_text(x, buf,
				    sizeof buf));
				return 0;
			}
		} else if (strcmp(k, "postal_prefix") == 0) {
			const cJSON *p;
			int ok = 0;

			cJSON_ArrayForEach(p, x)
				if (o->postal != NULL && strncasecmp(o->postal,
				    p->valuestring, strlen(p->valuestring)) == 0)
					ok = 1;
			if (!ok) {
				snprintf(why, n, "postal code %s does not start "
				    "with %s", o->postal ? o->postal : "(none)",
				    list_text(x, buf, sizeof buf));
				return 0;
			}
		} else if (strcmp(k, "tags") == 0) {
			const cJSON *t;
			int ok = 0;

			cJSON_ArrayForEach(t, o->tags)
				if (cJSON_IsString(t) && in_list(x,
				    t->valuestring))
					ok = 1;
			if (!ok) {
				snprintf(why, n, "no tag of %s", list_text(x,
				    buf, sizeof buf));
				return 0;
			}
		} else if (strcmp(k, "priority_min") == 0 ||
		    strcmp(k, "priority_max") == 0) {
			int64_t lim = (int64_t)x->valuedouble;
			int min = strcmp(k, "priority_min") == 0;

			if (min ? o->priority < lim : o->priority > lim) {
				snprintf(why, n, "priority %lld is %s %lld",
				    (long long)o->priority, min ? "below" :
				    "above", (long long)lim);
				return 0;
			}
		} else if (strcmp(k, "value_min") == 0 ||
		    strcmp(k, "value_max") == 0) {
			int64_t lim = 0;
			int min = strcmp(k, "value_min") == 0;
			char have[OMS_MONEY_BUFSZ];

			if (oms_money_parse(x->valuestring, o->exponent, &lim) !=
			    OMS_OK) {
				snprintf(why, n, "%s %s has more decimals than "
				    "the order's currency", k, x->valuestring);
				return 0;
			}
			if (min ? o->value < lim : o->value > lim) {
				oms_money_format(o->value, o->exponent, have,
				    sizeof have);
				snprintf(why, n, "value %s is %s %s", have,
				    min ? "below" : "above", x->valuestring);
				return 0;
			}
		}
	}
	return 1;
}
