/* adapter.h: an adapter as adapter.c loads and runs it, for import.c. */
#ifndef OMS_ADAPTER_H
#define OMS_ADAPTER_H

enum { F_CSV = 1, F_JSON, F_OMS };
enum { AS_STRING = 0, AS_MONEY, AS_DATE, AS_INT, AS_QTY, AS_BOOL, AS_LIST,
	AS_CURRENCY };

/* A test on a source row: its column is one of, empty, not empty, digits. */
struct filter {
	int on;
	char **from;
	int nfrom;
	int *col;
	char **is;
	int nis;
	int not_empty, empty, digits;
	char *contains;
};

/* One canonical field and where it comes from. */
struct spec {
	char *target;		/* dotted: "ship_to.postal_code" */
	char **from;		/* column names or JSON paths, first non-empty */
	int nfrom;
	int *col;		/* CSV: bound positions, -1 when absent */
	char *join;		/* join every non-empty source with this */
	int as;			/* AS_* */
	char *strip;		/* leading characters to drop ("'") */
	int html, upper;
	const cJSON *map;	/* value -> value; "*" for the rest */
	char *dflt, *value;
	char *split;
	int sum, negate;
	int nplus;		/* sum: from[nplus..] are taken off */
	int over_lines;		/* sum: read on each line of the order */
	struct filter where;	/* CSV sum: which rows count */
	char *zone_from;	/* column naming the zone of a date */
	char *zone;		/* the zone of this date, whatever --tz says */
	int zone_col;
};

struct oms_adapter {
	char *name, *path;
	const char *channel, *description;
	int format;
	char delim, quote;
	cJSON *doc;		/* the file; strings above point into it */
	cJSON *maps;		/* the shared maps it names, by name */
	char **detect;
	int ndetect;
	int ragged;
	const char *key;
	int keycol;
	const char *identity;	/* the field of an order with the channel's
				   own id of it, which two stores do not share */
	const char *alias;	/* the field of an order with the key it had
				   before the channel gave it its number */
	char **blank_if_none;	/* columns the channel leaves blank when
				   there is nothing: 0 on every row is a
				   spreadsheet's doing */
	int nblank_if_none;
	const char *lines_from;	/* the adapter whose file has the lines of
				   the orders this one adds to */
	char **records;
	int nrecords;
	const char *lines;
	const char *items_records, *items_key, *items_join;
	struct filter line_when, stop_unless, stop_when, skip_when, merge_when;
	const char *currency;
	int money_flags, time_flags;
	const char *tz;
	int merge;
	struct spec *ospec, *lspec;
	int nospec, nlspec;
	const char *refine;
	struct oms_jq *jq;
	int ncols;
};

/* Where a walk is: the 1-based element of the list that the first nlist
   bytes of list name ("refunds"), or idx 0 outside any list. */
struct oms_json_at {
	const char *list;
	int nlist;
	int idx;
};
typedef int (*oms_json_visit)(const cJSON *v, const struct oms_json_at *at,
    void *arg);
int oms_json_walk(const cJSON *node, const char *path, oms_json_visit fn,
    void *arg);
int oms_json_path_check(const char *path);

#define HEADER_ROWS 20		/* rows searched for a header */

/* A CSV row of an order, its fields in one buffer, and its raw text. */
struct grow {
	struct oms_buf data;
	struct oms_buf raw;
	size_t *off;
	char **f;
	int nf, cap;
	long line;
};

/* The rows of one CSV order. */
struct group {
	struct grow *rows;
	int n, cap;
	char *key;
	long line;
	char *err;
	long errline;
};

/*
 * What running an adapter on an order needs besides the adapter: the
 * run's options, the order's currency, scratch space, and the fields of
 * the order that held a placeholder such as "--".
 */
struct oms_map {
	oms_adapter *ad;
	const char *tz;		/* --tz, or NULL */
	const char *day_tz;	/* the seller's, for a date with no hour */
	const char *currency;	/* --currency, or NULL */
	int exp;
	const char *cur;
	char curbuf[8];
	struct oms_buf tmp, tmp2, tmp3;
	long errline;		/* the row a mapping error is on */
	struct oms_buf ph;	/* the fields of this order that held a
				   placeholder, such as "--" */
	char ph_value[16];	/* the first of them */
	const cJSON *items;	/* the source lines of the JSON order */
};

void oms_adapter_bind(oms_adapter *a, char **hdr, int nh);
int oms_adapter_refiner(oms_adapter *a, struct oms_jq **out);
int oms_adapter_header_score(const oms_adapter *a, char **hdr, int nh);
int oms_adapter_score(const oms_adapter *a, const char *head, size_t n);
const cJSON *oms_adapter_records(const oms_adapter *a, const cJSON *doc,
    const char **path);
int oms_adapter_map_csv(struct oms_map *mc, const struct group *g,
    cJSON **out);
int oms_adapter_map_json(struct oms_map *mc, const cJSON *node,
    const cJSON *items, cJSON **out);
int oms_adapter_raw(const struct spec *s, const cJSON *node,
    struct oms_buf *b, const char **out);
const char *oms_trimmed(const char *s, struct oms_buf *b);
int oms_filter_row(const struct filter *f, const struct grow *g,
    struct oms_buf *tmp);

#endif
