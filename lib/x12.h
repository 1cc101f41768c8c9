/*
 * x12.h: ASC X12 interchanges, the envelope read and written (x12.c),
 * and the warehouse documents a 3pl location trades in them (edi.c).
 */
#ifndef OMS_X12_H
#define OMS_X12_H

#include "oms.h"

#define OMS_X12_ISA_LEN 106	/* the ISA, its terminator counted */

/* What oms writes: element, sub-element and segment separators. */
#define OMS_X12_ES '*'
#define OMS_X12_SS '>'
#define OMS_X12_ST '~'

/* One segment: el[0] is its id, el[1] ... its elements. */
struct oms_x12_seg {
	char **el;
	int n;			/* elements, the id counted */
	long no;		/* its number in the file, the ISA 1 */
};

/*
 * A transaction set, ST to SE.  error is the 997's AK5 code when the
 * envelope of the set is wrong (2 no SE, 3 SE02 is not ST02, 4 SE01 is
 * not the count, 6 no set id, 7 no control number, 23 a control number
 * used twice in the group), 0 when it is sound; why says it in words.
 */
struct oms_x12_set {
	const char *id, *control;	/* ST01, ST02 */
	size_t first, last;	/* indexes of its ST and its SE (or of the
				   last segment, when there is no SE) */
	int error;
	char why[160];
};

struct oms_x12_group {
	const char *fid, *sender, *receiver, *date, *time, *control;
	const char *agency, *version;		/* GS07, GS08 */
	size_t first;		/* index of its GS */
	struct oms_x12_set *sets;
	int nsets;
};

/*
 * An interchange read: its separators, its segments (cut in place out of
 * a copy of the text), the ISA's fields with their padding taken off,
 * and its groups.
 */
struct oms_x12 {
	char es, ss, st, rs;	/* rs: the repetition separator, or 0 */
	struct oms_x12_seg *segs;
	size_t nsegs;
	char *buf;
	const char *sender_q, *sender, *receiver_q, *receiver;
	const char *date, *time, *version, *control, *usage;
	struct oms_x12_group *groups;
	int ngroups;
};

/*
 * Read the interchange in text: OMS_OK with *out set, or OMS_REJECT
 * when its envelope (ISA, GS, GE, IEA) is wrong, the message naming the
 * segment, with nothing of it to be taken.  A transaction set whose own
 * envelope is wrong is no failure: its error says so (it is rejected in
 * the 997), and the others stand.
 */
int oms_x12_read(const char *text, size_t n, struct oms_x12 **out);
void oms_x12_free(struct oms_x12 *x);
int oms_x12_order_key(const char *text, size_t n, char key[20]);
/* Element i of s (1 the first), "" when it is not there. */
const char *oms_x12_el(const struct oms_x12_seg *s, int i);
/* Element i's sub-element k (1 the first), into buf; "" when absent. */
const char *oms_x12_sub(const struct oms_x12 *x, const struct oms_x12_seg *s,
    int i, int k, char *buf, size_t n);

/*
 * Text as an element may carry it: printable ASCII, the letters of
 * Western and Central European languages without their accents, any
 * other character a '?', the separators and control characters a space,
 * spaces at either end and runs of them taken out, max characters at
 * most (0: no bound).  Into buf, which it returns.
 */
char *oms_x12_text(char *buf, size_t n, const char *s, size_t max);

/* Writing an interchange, one segment at a time. */
struct oms_x12_env {
	const char *sender_q, *sender, *receiver_q, *receiver;
	const char *when;	/* RFC 3339 UTC: ISA09, ISA10, GS04, GS05 */
	int64_t control;	/* ISA13, 1 to 999999999 */
	int test;		/* ISA15 T, else P */
};

struct oms_x12w {
	struct oms_buf b;
	char date[9], time[5];
	long segs;		/* in the set open, ST counted */
	int sets, groups;	/* in the group, in the interchange */
	int64_t control, group;
	char set[10];
};

void oms_x12w_begin(struct oms_x12w *w, const struct oms_x12_env *e);
void oms_x12w_group(struct oms_x12w *w, const char *fid, const char *sender,
    const char *receiver, int64_t control);
void oms_x12w_set(struct oms_x12w *w, const char *id, int64_t control);
/*
 * A segment: its id, then its elements and a NULL.  Each element is
 * made clean (oms_x12_text); empty ones at the end are left out.
 */
void oms_x12w_seg(struct oms_x12w *w, const char *id, ...)
    __attribute__((sentinel));
void oms_x12w_set_end(struct oms_x12w *w);
void oms_x12w_group_end(struct oms_x12w *w);
void oms_x12w_end(struct oms_x12w *w);
void oms_x12w_free(struct oms_x12w *w);

/* edi.c: the warehouse documents of a 3pl location */
struct oms_edi_opts {
	const char *location;	/* NULL: found from the interchange's ids */
	const char *dir;	/* where the files go; NULL: the last send's */
	int dry_run;
	int verbose;
	oms_rec_fn echo;	/* each record, once committed */
	void (*note)(void *arg, const char *msg);	/* under -v */
	void (*refused)(void *arg, const char *msg);
	void *arg;
};
struct oms_edi_counts {
	long sent, cancels, files, applied, refused, already;
};
int oms_edi_send(oms_db *db, const struct oms_edi_opts *o,
    struct oms_edi_counts *n);
int oms_edi_receive(oms_db *db, const struct oms_edi_opts *o,
    const char *path, const char *text, size_t len,
    struct oms_edi_counts *n);
int oms_edi_location_ok(const char *id);

#endif
