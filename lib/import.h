/*
 * import.h: channel files to stored orders: adapters and the import.
 */
#ifndef OMS_IMPORT_H
#define OMS_IMPORT_H

#include "oms.h"
#include "order.h"

/* adapter.c: channel adapters (oms-channels(5)) */
typedef struct oms_adapter oms_adapter;
int oms_adapter_load(const char *path, oms_adapter **out);
void oms_adapter_free(oms_adapter *a);
int oms_adapters_load(const char *want, oms_adapter ***out, int *n);
void oms_adapters_free(oms_adapter **list, int n);
const char *oms_adapter_name(const oms_adapter *a);
const char *oms_adapter_channel(const oms_adapter *a);
const char *oms_adapter_description(const oms_adapter *a);
const char *oms_adapter_path(const oms_adapter *a);

/* import.c: channel files to stored orders */
struct oms_import {
	oms_db *db;
	oms_adapter **adapters;	/* the candidates: --channel, or all */
	int nadapters;
	const char *tz;		/* --tz */
	const char *day_tz;	/* the merchant's: where a date has no hour */
	const char *currency;	/* --currency */
	const char *account;	/* --account: the store the files are of */
	const char *exported_at;	/* --exported-at: a time, or "mtime" */
	int dry_run, all, verbose;
	int check;		/* --check: vet the files, store nothing, no
				   database (db is NULL) */
	/* Called after each commit, for each order the batch stored. */
	int (*on_order)(void *arg, const char *json, int action);
	/* Called for each record that could not be taken. */
	void (*on_reject)(void *arg, const char *file, long line,
	    const char *reason, const char *raw);
	void (*on_note)(void *arg, const char *msg);
	/* Called for an order taken with something the user must hear of. */
	void (*on_warn)(void *arg, const char *file, long line, const char *msg);
	/* Called after the orders of a batch have gone to on_order. */
	void (*on_batch)(void *arg);
	/*
	 * Called with --check for each thing worth a look (oms-import(1)):
	 * order is the channel's number, or NULL for the file, line 0 when
	 * the file as a whole; kind is "totals", "placeholder",
	 * "repeated_line", "resaved_column", "hold" or "needs_file".
	 */
	void (*on_finding)(void *arg, const char *file, long line,
	    const char *order, const char *kind, const char *msg);
	void *arg;
	long created, updated, unchanged, stale, held, rejected;
	long checked, findings;	/* --check: orders read, findings made */
	long cancels_failed;	/* cancels left pending on their carrier */
	int refused;		/* the last failure: a file not of the channel */
	/*
	 * The import batch the run's committed orders are kept in, as
	 * printed (0 until the first commit); batch_new while the batch is
	 * in a transaction not yet committed.
	 */
	int64_t batch, batch_seq;
	int batch_new;
};
int oms_import_stream(struct oms_import *im, FILE *fp, const char *name);
int oms_import_batch_show(oms_db *db, int64_t batch,
    int (*fn)(void *arg, const char *text), void *arg, int64_t *shown);

#endif
