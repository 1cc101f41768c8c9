/*
 * dbcopy.c: oms migrate, every row of one oms database into a new one,
 * SQLite to PostgreSQL or back.
 *
 * Both are at this oms's schema, so their tables and columns are the
 * same; rows go in the order of oms_tables, parents before the rows that
 * point at them, in one transaction on the new database, each value as
 * text for the column's own type to take (SQLite's affinity, PostgreSQL's
 * inference).  Identity counters are set past the copied ids, and every
 * table is counted on both sides before the copy is called done.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "db_int.h"

static char *
text_of(const char *fmt, const char *table)
{
	char *s;

	if (asprintf(&s, fmt, table) < 0)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	return s;
}

/* The number of rows of table; -1 after a failure. */
static int64_t
rows_of(oms_db *db, const char *table)
{
	char *sql = text_of("SELECT count(*) FROM %s", table);
	oms_stmt *st;
	int64_t n = -1;
	int rc;

	rc = oms_db_prepare(db, sql, &st);
	free(sql);
	if (rc != OMS_OK)
		return -1;
	if ((rc = oms_step(st)) == OMS_ROW)
		n = oms_col_int64(st, 0);
	else
		oms_db_fail(db, rc, "cannot count rows");
	oms_finalize(st);
	return n;
}

/* INSERT INTO table (the columns st reads) VALUES (?, ...). */
static char *
insert_for(oms_stmt *st, const char *table)
{
	struct oms_buf b = { 0 };
	int n = oms_col_count(st);

	oms_buf_printf(&b, "INSERT INTO %s (", table);
	for (int i = 0; i < n; i++)
		oms_buf_printf(&b, "%s%s", i ? ", " : "", oms_col_name(st, i));
	oms_buf_printf(&b, ") VALUES (");
	for (int i = 0; i < n; i++)
		oms_buf_printf(&b, "%s?", i ? ", " : "");
	oms_buf_printf(&b, ")");
	return b.s;
}

static int
copy_table(oms_db *from, oms_db *to, const char *table, int64_t *rows)
{
	char *sql = text_of("SELECT * FROM %s ORDER BY 1", table), *ins = NULL;
	oms_stmt *st, *put = NULL;
	int rc, r;

	*rows = 0;
	rc = oms_db_prepare(from, sql, &st);
	free(sql);
	if (rc != OMS_OK)
		return rc;
	while ((r = oms_step(st)) == OMS_ROW) {
		if (put == NULL) {
			ins = insert_for(st, table);
			if ((rc = oms_db_prepare(to, ins, &put)) != OMS_OK)
				break;
		}
		for (int i = 0; i < oms_col_count(st); i++)
			oms_bind_text(put, i + 1, oms_col_text(st, i));
		r = oms_step(put);
		oms_reset(put);
		if (r != OMS_DONE) {
			rc = oms_db_fail(to, r, table);
			break;
		}
		(*rows)++;
	}
	if (rc == OMS_OK && r != OMS_DONE && r != OMS_ROW)
		rc = oms_db_fail(from, r, table);
	if (put != NULL)
		oms_finalize(put);
	oms_finalize(st);
	free(ins);
	return rc;
}

/*
 * oms init writes settings itself (the instance's name): the copy brings
 * the old database's, since request ids made under its name are out at
 * the carriers.
 */
static int
made_by_init(const char *table)
{
	return strcmp(table, "settings") == 0;
}

int
oms_db_copy(oms_db *from, oms_db *to, oms_copy_fn fn, void *arg)
{
	int64_t rows, back;
	int rc;

	/* Looked at under the writers' lock: a second copy at once waits,
	 * then finds the first one's rows. */
	if ((rc = oms_db_begin(to)) != OMS_OK)
		return rc;
	for (int i = 0; i < oms_ntables; i++) {
		if (made_by_init(oms_tables[i]))
			continue;
		if ((rows = rows_of(to, oms_tables[i])) != 0) {
			oms_db_undo(to);
			if (rows < 0)
				return OMS_ERR;
			return oms_fail(OMS_E_DB, "database '%s' is not new: its "
			    "%s has rows; oms migrate copies into an empty "
			    "database only", oms_db_file(to), oms_tables[i]);
		}
	}
	for (int i = 0; i < oms_ntables; i++) {
		if (made_by_init(oms_tables[i]) && (rc = oms_db_run(to,
		    "DELETE FROM settings", "cannot copy settings", "")) !=
		    OMS_OK) {
			oms_db_undo(to);
			return rc;
		}
		if ((rc = copy_table(from, to, oms_tables[i], &rows)) !=
		    OMS_OK ||
		    (rc = to->drv->sync_ids(to, oms_tables[i])) != OMS_OK) {
			oms_db_undo(to);
			return rc;
		}
		if (fn != NULL)
			fn(arg, oms_tables[i], rows);
	}
	if ((rc = oms_db_commit(to)) != OMS_OK)
		return rc;
	/* What was committed, counted again on both sides. */
	for (int i = 0; i < oms_ntables; i++) {
		rows = rows_of(from, oms_tables[i]);
		back = rows_of(to, oms_tables[i]);
		if (rows < 0 || back < 0)
			return OMS_ERR;
		if (rows != back)
			return oms_fail(OMS_E_DB, "%s: %lld rows in '%s' but "
			    "%lld in '%s' after the copy", oms_tables[i],
			    (long long)rows, oms_db_file(from),
			    (long long)back, oms_db_file(to));
	}
	return OMS_OK;
}
