/* csvr.h: the CSV row reader (lib/csvr.c). */
#ifndef OMS_CSVR_H
#define OMS_CSVR_H

#include <stdio.h>

struct oms_csv;

/* The most a field, and a line or row, may hold (oms-import(1)). */
#define OMS_CSV_FIELD_MAX	(1 << 20)
#define OMS_CSV_ROW_MAX		(16 << 20)

/* A row as handed out; valid until the next call. */
struct oms_csv_rowv {
	char **f;		/* fields, NUL-terminated UTF-8 */
	int nf;
	long line;		/* the line the row starts on */
	const char *raw;	/* the row's text as read (re-encoded) */
	size_t rawlen;
	int truncated;		/* the file ended inside this row */
	int nul;		/* the row had a NUL byte (read as U+FFFD) */
};

int oms_csv_open(struct oms_csv **out, FILE *fp, const char *name, char delim,
    char quote, int cr_only);
int oms_csv_next(struct oms_csv *c, struct oms_csv_rowv *out);
int oms_csv_was_cp1252(const struct oms_csv *c);
long oms_csv_line(const struct oms_csv *c);
void oms_csv_close(struct oms_csv *c);
void oms_csv_field(struct oms_buf *out, const char *s, char delim, char quote);

#endif
