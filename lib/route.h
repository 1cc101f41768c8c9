/*
 * route.h: where orders go: positions, rates, rules and the router.
 */
#ifndef OMS_ROUTE_H
#define OMS_ROUTE_H

#include "oms.h"

/* geo.c: where an address is (oms-route(1)) */
struct oms_point {
	double lat, lon;
	const char *how;	/* "postal", "region", "country"; NULL: unknown */
};
int oms_geo_point(oms_db *db, const char *country, const char *region,
    const char *postal, struct oms_point *pt);
double oms_geo_km(double lat1, double lon1, double lat2, double lon2);
int oms_geo_load(oms_db *db, FILE *fp, const char *name, long *rows);

/* rates.c: offline rate tables, rates/NAME.json */
typedef struct oms_rates oms_rates;
struct oms_quote {
	const char *service, *label, *carrier, *currency;
	int zone, transit_days;
	int64_t billable_g, price;
};
int oms_rates_load(oms_rates **out);
void oms_rates_free(oms_rates *r);
int oms_rates_has(const oms_rates *r, const char *name);
int oms_rates_quote(const oms_rates *r, const char *level, const char *only,
    const char *from, const char *to, double km, int64_t grams,
    int64_t volume_cm3, struct oms_quote *q, int max);

/* facts.c: an order record's facts for routing, or 0: cJSON_Parse's task */
struct oms_span {
	const char *p;		/* NULL: absent, or not a string */
	size_t n;
	int set;		/* the key was there */
};
struct oms_record_facts {
	struct oms_span segment, country, region, postal, pickup, order_type;
	struct oms_span tags;	/* the value's text, whatever it is */
};
int oms_record_facts(const char *text, struct oms_record_facts *f);

/* rules.c: routing rules (oms-rules(5)) */
enum { OMS_S_FEWEST, OMS_S_PRIORITY, OMS_S_CLOSEST, OMS_S_COST,
	OMS_S_PROMISE, OMS_S_STOCK, OMS_S_CAPACITY, OMS_NSTRATEGIES };
enum { OMS_BO_BACKORDER, OMS_BO_HOLD, OMS_BO_CANCEL };
#define OMS_MAX_SHIPMENTS 5
struct oms_rule {
	const char *name;
	const cJSON *when, *locations;	/* into the rule set's document */
	struct oms_jq *jq;		/* when.jq, compiled */
	const char *jq_text;
	int strategies[OMS_NSTRATEGIES], nstrategies;
	int max_shipments, backorder, cancel_after_days, partial;
	const char *min_value, *service;
};
struct oms_rules {
	int version;
	cJSON *doc;
	struct oms_rule *r;
	int n;
};
/* What a rule's conditions look at. */
struct oms_order_facts {
	const char *channel, *segment, *order_type, *country, *region;
	const char *postal, *service;
	const cJSON *tags, *record;
	int64_t priority, value;
	int exponent;
};
const char *oms_strategy_name(int s);
int oms_rules_parse(const char *text, oms_db *db, const oms_rates *rates,
    struct oms_rules **out);
void oms_rules_free(struct oms_rules *rs);
int oms_rules_current(oms_db *db, struct oms_rules **out);
int oms_rules_store(oms_db *db, const char *text, const char *source,
    int *version, int *created);
int oms_rules_history(oms_db *db, int version, oms_rec_fn fn, void *arg);
const char *oms_rules_default(void);
int oms_rule_matches(struct oms_rule *r, const struct oms_order_facts *o,
    char *why, size_t n);

/* route.c: allocation of orders to locations (oms-route(1)) */
#define OMS_ROUTE_EXPLAIN 1	/* router flags */
#define OMS_ROUTE_DRY 2
#define OMS_ROUTE_QUIET_UNCHANGED 1	/* oms_route_order flags */
#define OMS_ROUTE_LOCKED 2	/* under the write lock: a slow jq condition
				   is dropped with OMS_SLOW, for
				   oms_route_decide outside it */
struct oms_router;
int oms_router_open(oms_db *db, struct oms_rules *rules, int flags,
    struct oms_router **out);
void oms_router_close(struct oms_router *rt);
void oms_router_exclude(struct oms_router *rt, const char **ids, int n);
int oms_router_version(const struct oms_router *rt);
void oms_router_counts(const struct oms_router *rt, long out[6]);
/* text, when not NULL, may get *out's line as printed already (route.c). */
int oms_route_order(struct oms_router *rt, int64_t id, int flags,
    cJSON **out, char **text);
int oms_route_decide(struct oms_router *rt, int64_t id);
#define OMS_ROUTE_WAIT 1		/* oms_route_lock flags */
#define OMS_ROUTE_SKIP_HELD 2
int oms_route_lock(struct oms_router *rt, int64_t id, int flags,
    int *elsewhere);
int oms_route_release(struct oms_router *rt, int64_t id, const char *why);
int oms_route_flush(struct oms_router *rt);
int oms_route_reopen(struct oms_router *rt, int64_t id);
int oms_route_pending(oms_db *db, int64_t **ids, size_t *n);

#endif
