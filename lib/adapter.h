/* adapter.h: what adapter.c and import.c share about an adapter. */
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

void oms_adapter_bind(oms_adapter *a, char **hdr, int nh);
int oms_adapter_refiner(oms_adapter *a, struct oms_jq **out);
int oms_adapter_header_score(const oms_adapter *a, char **hdr, int nh);

#endif
