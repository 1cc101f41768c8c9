/*
 * ship.h: from allocation to the door: carriers, labels, documents, confirmations.
 */
#ifndef OMS_SHIP_H
#define OMS_SHIP_H

#include "oms.h"
#include "call.h"

/* Carrier adapters, oms-carrier-NAME (oms-carrier(7)), as call.c runs them. */
static inline int
oms_carrier_call(const char *name, const char *verb, const cJSON *req,
    cJSON **reply)
{
	return oms_call("carrier", name, verb, req, reply, NULL);
}

/* carrierdoc.c: the documents of a carrier's label reply */
#define OMS_DOC_MAX (2 << 20)	/* bytes of one document, decoded, at most */
#define OMS_DOCS_MAX 64		/* documents of one reply at most */
struct oms_cdoc {
	const char *type;	/* "label", "commercial_invoice", ... (static) */
	const char *format;	/* "pdf", "zpl" or "png" (static) */
	int package;		/* its package, from 1; 0 for none */
	int index;		/* its place in the reply, from 1 */
	struct oms_buf data;	/* its bytes, decoded */
};
struct oms_cdocs {
	int present;		/* the reply had documents */
	int n;
	struct oms_cdoc *d;
};
int oms_base64_decode(const char *s, size_t n, struct oms_buf *out);
int oms_cdocs_read(const char *carrier, const char *verb,
    const cJSON *reply, int npk, struct oms_cdocs *ds);
const struct oms_cdoc *oms_cdocs_label(const struct oms_cdocs *ds,
    int package);
void oms_cdocs_free(struct oms_cdocs *ds);
void oms_cdoc_name(const struct oms_cdoc *d, const char *tracking, int nth,
    struct oms_buf *name);
int oms_cdoc_name_ours(const char *name);
cJSON *oms_shipment_files(const cJSON *rec);

/* customs.c: what an international parcel declares */
struct oms_customs_goods {
	int line_no;		/* the order line */
	const char *sku;	/* the goods: a kit line's component */
	int64_t qty;
};
int oms_country_valid(const char *cc);
int oms_hs_code_valid(const char *s);
int oms_customs_needed(const cJSON *from, const cJSON *to);
int oms_customs_block(oms_db *db, int64_t order_id, const char *dest,
    const struct oms_customs_goods *g, int n, cJSON **out);

/* confirm.c: shipment confirmations for channels */
int oms_confirm_write(oms_db *db, const char *channel, const char *account,
    const char *format, int dry_run, FILE *fp, long *n, cJSON **uncorrected,
    cJSON **gaps);

/* ship.c: shipments from allocations (oms-ship(1)) */
struct oms_shipper;
int oms_shipper_open(oms_db *db, const char *carrier, const char *dir,
    const char *service, int dpi, struct oms_shipper **out);
void oms_shipper_close(struct oms_shipper *sp);
int oms_shipper_slips(struct oms_shipper *sp, const char *dir);
int oms_shipper_format(struct oms_shipper *sp, const char *format);
void oms_shipper_counts(const struct oms_shipper *sp, long *shipped,
    long *refused);
typedef int (*oms_ship_end_fn)(void *arg, size_t i, int rc);
int oms_ship_orders(struct oms_shipper *sp, const int64_t *ids, size_t n,
    oms_rec_fn fn, oms_ship_end_fn end, void *arg);
/* A shipment someone else made (a 3pl), recorded as oms-ship's are. */
struct oms_ship_given {
	int64_t order_id;
	const char *location;
	const int64_t *allocs;	/* active there, each shipped whole */
	int nallocs;
	const char *carrier;	/* who made it: "edi" */
	const char *carrier_code, *service, *service_name;
	const char *const *tracking;	/* a number a package */
	int npackages;
	int64_t weight_g;	/* < 0: what the products weigh */
	const char *shipped_at, *request_id;
	const cJSON *extra;	/* more members of the record, or NULL */
	int handed;		/* the carrier has it: in_transit, no void */
};
int oms_ship_given(oms_db *db, const struct oms_ship_given *g, cJSON **out);
int oms_ship_pending(oms_db *db, int64_t **ids, size_t *n);
int oms_ship_done(oms_db *db, int64_t id, int *done, char *note,
    size_t n);
int oms_order_name(oms_db *db, int64_t id, char *buf, size_t n);
int oms_ship_strays(struct oms_shipper *sp, long *voided, long *failed);
int oms_ship_track(oms_db *db, const char *carrier, oms_rec_fn fn,
    void *arg, long *failed);
int oms_carrier_track(const char *carrier, const char *request_id,
    const char *number, const char *shipped_at, int64_t transit_days,
    cJSON **reply);
const char *oms_ship_status(const char *s);
int oms_ship_void(oms_db *db, const char *ref, oms_rec_fn fn, void *arg);
int oms_ship_manifest(oms_db *db, const char *carrier, const char *date,
    oms_rec_fn fn, void *arg);

/* doc.c: printable documents as PDF */
struct oms_doc;
struct oms_doc *oms_doc_new(void);
void oms_doc_free(struct oms_doc *d);
void oms_doc_page(struct oms_doc *d);
void oms_doc_row(struct oms_doc *d, int size, int bold, int n,
    const char *const *cells, const int *x);
void oms_doc_line(struct oms_doc *d, int size, int bold, const char *text);
void oms_doc_rule(struct oms_doc *d);
void oms_doc_space(struct oms_doc *d, int pt);
void oms_doc_pdf(const struct oms_doc *d, struct oms_buf *out);

/* pick.c: waves and pick lists */
int oms_pick(oms_db *db, const char *location, int wave_size,
    const char *pdf, oms_rec_fn fn, void *arg, long *waves);
int oms_pick_reprint(oms_db *db, int64_t first, int64_t last,
    int (*fn)(void *arg, const char *text), void *arg);

/* notify.c: messages to customers */
int oms_notify(oms_db *db, const char *maildir, const char *from,
    oms_rec_fn fn, void *arg, long *sent, long *no_email);

#endif
