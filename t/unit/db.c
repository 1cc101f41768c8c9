/*
 * Unit tests for lib/db.c: the statement cache, typed binds and getters,
 * and the kinds of failure.
 */
#include <stdlib.h>
#include <unistd.h>
#include "oms.h"
#include "unit.h"

#define NSQL 1000

int
main(void)
{
	char dir[] = "/tmp/oms-unit-db-XXXXXX", path[64];
	static char sql[NSQL][64];
	static const char ins[] = "INSERT INTO t VALUES (?, ?, ?, ?, ?)";
	static const char sel[] =
	    "SELECT a, b, c, d, e FROM t WHERE a = ? ORDER BY rowid";
	int64_t big = INT64_C(9007199254740993), none_i = 0;
	double half = 0.5;
	oms_db *db;
	oms_stmt *st;
	int rc, ok = 1;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/u.db", dir);
	OK(oms_db_open(path, OMS_DB_CREATE | OMS_DB_NOMIGRATE, &db) == OMS_OK,
	    "open a new database");
	OK(oms_db_exec(db, "CREATE TABLE t (a TEXT, b INTEGER, c REAL, "
	    "d INTEGER, e TEXT)") == OMS_OK, "create a table");

	/* More statements than any fixed cache: each prepared, none lost. */
	for (int i = 0; i < NSQL && ok; i++) {
		snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
		st = oms_db_stmt(db, sql[i]);
		ok = st != NULL && oms_step(st) == OMS_ROW &&
		    oms_col_int(st, 0) == i;
	}
	OK(ok, "%d statements prepared and cached, the cache grows", NSQL);
	ok = 1;
	for (int i = 0; i < NSQL && ok; i++) {
		st = oms_db_stmt(db, sql[i]);
		ok = st != NULL && oms_step(st) == OMS_ROW &&
		    oms_col_int(st, 0) == i;
	}
	OK(ok, "each found again by its text's address");

	/* Typed binds: text, int64 digit for digit, double, absent values. */
	OK(oms_db_run(db, ins, "insert", "sIfpt", "x", big, &half, &big,
	    "y") == OMS_OK, "oms_db_run binds s, I, f, p, t");
	OK(oms_db_run(db, ins, "insert", "sIfpn", "z", none_i, NULL, NULL)
	    == OMS_OK, "NULL pointers and n bind NULL");
	OK(oms_db_run(db, ins, "insert", "srnns", "w", (int64_t)-1, NULL) ==
	    OMS_OK, "r binds NULL for an id of 0 or less");
	st = oms_db_query(db, sel, "s", "x");
	OK(st != NULL && oms_step(st) == OMS_ROW, "a row back");
	STR_EQ(oms_col_text(st, 0), "x", "text");
	OK(oms_col_int64(st, 1) == big, "int64 exact");
	OK(oms_col_double(st, 2) == 0.5, "double");
	OK(oms_col_int64(st, 3) == big, "p binds the value pointed at");
	STR_EQ(oms_col_text(st, 4), "y", "t binds without a copy");
	OK(oms_step(st) == OMS_DONE, "then done");
	st = oms_db_query(db, sel, "s", "z");
	OK(st != NULL && oms_step(st) == OMS_ROW && !oms_col_null(st, 1) &&
	    oms_col_null(st, 2) && oms_col_null(st, 3) && oms_col_null(st, 4),
	    "absent values are NULL");
	STR_EQ(oms_col_str(st, 4), "", "oms_col_str gives \"\" for NULL");
	st = oms_db_query(db, sel, "s", "w");
	OK(st != NULL && oms_step(st) == OMS_ROW && oms_col_null(st, 1),
	    "a row id of -1 is NULL");
	OK(oms_db_changes(db) >= 0 && oms_db_last_id(db) == 3,
	    "the last row id");

	/* A failure carries its kind, whatever its words. */
	rc = oms_db_exec(db, "SELECT * FROM nosuch");
	OK(rc == OMS_ERR && oms_errkind() == OMS_E_DB, "a database failure "
	    "is of kind OMS_E_DB");
	OK(oms_exit_status(rc) == OMS_EXIT_FATAL, "and exits 3");
	rc = oms_fail(OMS_E_BUSY, "busy");
	OK(rc == OMS_BUSY && oms_exit_status(rc) == OMS_EXIT_BUSY,
	    "busy exits 4");
	rc = oms_fail_at(OMS_E_INPUT, "f.jsonl", 7, "bad %s", "line");
	STR_EQ(oms_error(), "f.jsonl:7: bad line", "a message with its place");
	STR_EQ(oms_errreason(), "bad line", "the reason without it");
	STR_EQ(oms_errfile(), "f.jsonl", "the file");
	OK(oms_errline() == 7, "the line");
	{
		/* A name too long for the message keeps its tail there. */
		char longname[1101];

		memset(longname, 'd', sizeof longname - 1);
		longname[sizeof longname - 1] = '\0';
		longname[sizeof longname - 2] = 'Z';
		rc = oms_fail_at(OMS_E_INPUT, longname, 7, "bad %s", "line");
		STR_EQ(oms_errreason(), "bad line", "a long name: the reason");
		STR_EQ(oms_errfile(), longname, "a long name: the whole file");
		OK(strncmp(oms_error(), "...", 3) == 0 &&
		    strstr(oms_error(), "dZ:7: bad line") != NULL,
		    "a long name: its tail and the line in the message");
		rc = oms_fail_at(OMS_E_INPUT, oms_errfile(), 8, "again");
		STR_EQ(oms_errfile(), longname, "oms_errfile() passed back");
	}
	rc = oms_reject("refused");
	OK(rc == OMS_REJECT && oms_errkind() == OMS_E_RECORD &&
	    oms_errfile() == NULL, "a refusal is a record's, of no file");

	OK(oms_db_begin(db) == OMS_OK && oms_db_in_tx(db), "in a transaction");
	oms_db_rollback(db);
	OK(!oms_db_in_tx(db), "and out");
	oms_db_close(db);
	unlink(path);
	snprintf(path, sizeof path, "%s/u.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/u.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return UNIT_DONE();
}
