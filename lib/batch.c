/*
 * batch.c: short write transactions that carry many records, and the
 * echo of each record only once its transaction has committed.
 *
 * A batch is opened (oms_db_begin, or oms_db_begin_rows for writes that
 * lock their rows) when its first record comes, each
 * record is a savepoint in it (oms_db_write), and it is due for its
 * commit after max records, after ms milliseconds, or as soon as the
 * input has nothing to read yet: a slow producer never keeps the write
 * lock, nor waits for its echoes.  oms-stock and oms-route use it.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"

void
oms_batch_init(struct oms_batch *b, oms_db *db, size_t max, long ms)
{
	memset(b, 0, sizeof *b);
	b->db = db;
	b->max = max;
	b->ms = ms;
}

/* Open the batch's transaction, unless it is open already. */
int
oms_batch_open(struct oms_batch *b)
{
	int rc;

	if (b->in_tx)
		return OMS_OK;
	if ((rc = b->rows ? oms_db_begin_rows(b->db) : oms_db_begin(b->db)) !=
	    OMS_OK)
		return rc;
	b->in_tx = 1;
	clock_gettime(CLOCK_MONOTONIC, &b->start);
	return OMS_OK;
}

static void
add(struct oms_batch *b, cJSON *rec, char *text)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->pend = erealloc(b->pend, b->cap * sizeof *b->pend);
	}
	b->pend[b->n].rec = rec;
	b->pend[b->n++].text = text;
}

/* Keep echo (the batch frees it) until the batch commits. */
void
oms_batch_add(struct oms_batch *b, cJSON *echo)
{
	add(b, echo, NULL);
}

/*
 * The same for a record printed already: line is its text as
 * oms_rec_write writes it, without the newline (the batch frees it).
 */
void
oms_batch_add_text(struct oms_batch *b, char *line)
{
	add(b, NULL, line);
}

/* Whether the open batch should commit now; in, when given, is read. */
int
oms_batch_due(const struct oms_batch *b, FILE *in)
{
	return b->in_tx && (b->n >= b->max || oms_ms_since(&b->start) >= b->ms ||
	    (in != NULL && oms_input_idle(in)));
}

/*
 * Commit, then write each echo to out and flush it, so the next program
 * in a pipeline sees the batch as it commits.  On failure the batch is
 * rolled back and its echoes dropped: they never happened.
 */
int
oms_batch_commit(struct oms_batch *b, FILE *out)
{
	int rc = OMS_OK;

	if (b->in_tx)
		rc = oms_db_commit(b->db);
	b->in_tx = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (rc == OMS_OK && b->pend[i].text != NULL)
			rc = oms_rec_write_text(out, b->pend[i].text);
		else if (rc == OMS_OK)
			rc = oms_rec_write(out, b->pend[i].rec);
		cJSON_Delete(b->pend[i].rec);
		free(b->pend[i].text);
	}
	if (rc == OMS_OK && b->n > 0)
		rc = oms_rec_flush(out);
	b->n = 0;
	return rc;
}

void
oms_batch_free(struct oms_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		cJSON_Delete(b->pend[i].rec);
		free(b->pend[i].text);
	}
	free(b->pend);
	b->pend = NULL;
	b->n = b->cap = 0;
}
