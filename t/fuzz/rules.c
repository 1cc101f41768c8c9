/*
 * rules.c: the rule file parser, lib/rules.c, with the jq programs of
 * its conditions compiled (lib/jqx.c) but never run: a jq program may
 * run for ever, which is the router's to bound, not the parser's.
 *
 * The input is the rule file.  Properties: a rule set is refused with a
 * message or taken whole, with at least one rule, each named, no name
 * twice, 1 to 5 shipments; and a rule with no jq condition, asked about
 * an order, matches with no reason or does not with one.
 */
#include "fuzz.h"
#include "route.h"

static oms_rates *rates;

static void
ask(struct oms_rule *r, const struct oms_order_facts *o)
{
	char why[256];
	int m;

	memset(why, 'x', sizeof why);
	m = oms_rule_matches(r, o, why, sizeof why);
	FUZZ_CHECK(memchr(why, '\0', sizeof why) != NULL, "why unterminated");
	FUZZ_CHECK(m ? why[0] == '\0' : why[0] != '\0', "rule '%s': %d, "
	    "'%s'", r->name, m, why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *tags = cJSON_CreateArray(), *rec = cJSON_CreateObject();
	struct oms_order_facts us = { "shopify", "retail", "standard", "US",
	    "NY", "10001-1234", "ground", tags, rec, 3, 12345, 2 };
	struct oms_order_facts none = { .exponent = 0 };
	struct oms_rules *rs = NULL;
	char *s = fuzz_str(data, size);
	int rc;

	cJSON_AddItemToArray(tags, cJSON_CreateString("rush"));
	rc = oms_rules_parse(s, NULL, data[0] & 1 ? rates : NULL, &rs);
	if (rc != OMS_OK) {
		FUZZ_CHECK(rs == NULL && oms_error()[0] != '\0', "no message");
		goto out;
	}
	FUZZ_CHECK(rs != NULL && rs->n > 0, "no rules");
	for (int i = 0; i < rs->n; i++) {
		struct oms_rule *r = &rs->r[i];

		FUZZ_CHECK(r->name != NULL && r->name[0] != '\0', "no name");
		for (int j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(r->name, rs->r[j].name) != 0,
			    "'%s' twice", r->name);
		FUZZ_CHECK(r->max_shipments >= 1 && r->max_shipments <=
		    OMS_MAX_SHIPMENTS, "max_shipments %d", r->max_shipments);
		FUZZ_CHECK(r->nstrategies >= 0 && r->nstrategies <=
		    OMS_NSTRATEGIES, "strategies %d", r->nstrategies);
		for (int k = 0; k < r->nstrategies; k++)
			FUZZ_CHECK(oms_strategy_name(r->strategies[k]) != NULL,
			    "strategy %d", r->strategies[k]);
		if (r->jq != NULL)
			continue;
		ask(r, &us);
		ask(r, &none);
	}
out:
	oms_rules_free(rs);
	cJSON_Delete(tags);
	cJSON_Delete(rec);
	free(s);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_env();
	if (oms_rates_load(&rates) != OMS_OK) {
		fprintf(stderr, "cannot load the rate tables of %s: %s\n",
		    FUZZ_SHARE, oms_error());
		exit(1);
	}
	return 0;
}
