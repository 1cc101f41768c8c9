#!/usr/bin/env bats
# lib/db.c: migrations, version refusal, locking and the busy status.

load helper

@test "a database from a newer oms is refused, and left alone" {
	oms init 2>/dev/null
	sqlite3 "$OMS_DB" "PRAGMA user_version = 99"
	run --separate-stderr oms check
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms: database '$OMS_DB' has schema version 99, newer than this oms $(oms --version | cut -d' ' -f2) knows ($SCHEMA): upgrade oms"
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version')" "99"
	run oms init
	assert_failure 3
}

# An oms database of schema $1 as an oms before application_id made it:
# the first $1 migrations of lib/schema.c, run by sqlite3.
old_db() {
	cat > dump.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include "db_int.h"
int
main(int argc, char **argv)
{
	int n = atoi(argv[1]);

	puts("BEGIN;");
	for (int i = 0; i < n; i++)
		fputs(oms_migrations[i], stdout);
	printf("PRAGMA user_version = %d;\nCOMMIT;\n", n);
	return 0;
}
C
	cc -D_GNU_SOURCE -I"$TOP/lib" -o dump dump.c "$TOP/lib/schema.c" &&
		rm -f "$OMS_DB" && ./dump "$1" | sqlite3 "$OMS_DB"
}

@test "an older database is migrated in one step at open, and marked as oms's" {
	skip_on_pg "no PostgreSQL database predates schema 12: one is made at 12 in one go"
	old_db 2
	sqlite3 "$OMS_DB" "INSERT INTO events (at, program, action) VALUES ('2026-01-01T00:00:00Z', 't', 'keep')"
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version; PRAGMA application_id')" "2
0"
	run --separate-stderr oms check
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version; PRAGMA application_id')" "$SCHEMA
$APP_ID"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action FROM events")" "keep"
	sqlite3 "$OMS_DB" "SELECT count(*) FROM orders" >/dev/null
}

@test "an oms database of this schema from before application_id is adopted at the next write open" {
	skip_on_pg "every PostgreSQL oms database has had its application id from the start"
	sqlite3 "$OMS_DB" "PRAGMA application_id = 0"
	run --separate-stderr oms status
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA application_id')" "$APP_ID"
}

@test "a failed migration leaves the file as it was" {
	skip_on_pg "no PostgreSQL database predates schema 12: one is made at 12 in one go"
	old_db 1
	# A table in the way makes migration 2 fail half-way.
	sqlite3 "$OMS_DB" "CREATE TABLE products (x)"
	run --separate-stderr oms init
	assert_failure 3
	assert_equal "$stderr" "oms: database '$OMS_DB': migration 2 failed: table products already exists"
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version; PRAGMA application_id')" "1
0"
	run sqlite3 "$OMS_DB" "SELECT name FROM sqlite_master WHERE name = 'locations'"
	assert_output ""
}

# A current oms database not yet marked, so that opening it must write.
unmarked() {
	sqlite3 "$OMS_DB" "PRAGMA application_id = 0"
}

@test "a database locked past the timeout gives status 4 within the timeout" {
	skip_on_pg "oms init writes nothing to a PostgreSQL database at the current schema, so takes no lock (writers meet the lock in 1000 and 2000)"
	unmarked
	hold_lock "$OMS_DB" 5
	start=$(now_ms)
	OMS_BUSY_TIMEOUT=300 run --separate-stderr oms init
	took=$(( $(now_ms) - start ))
	kill "$LOCK_PID" 2>/dev/null || true
	assert_failure 4
	assert_equal "$stderr" "oms: database '$OMS_DB' is busy: another program held it past the 300 ms timeout; try again later"
	[ "$took" -lt 2500 ] || fail "took $took ms"
	[ "$took" -ge 250 ] || fail "gave up after $took ms, before the timeout"
}

@test "a lock released within the timeout is waited for" {
	skip_on_pg "oms init writes nothing to a PostgreSQL database at the current schema, so takes no lock (writers meet the lock in 1000 and 2000)"
	unmarked
	hold_lock "$OMS_DB" 1
	OMS_BUSY_TIMEOUT=8000 run --separate-stderr oms init
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version; PRAGMA application_id')" "$SCHEMA
$APP_ID"
}

# ---- what is not an oms database is refused and left alone ----------------

# Every program that opens the database, refusing $OMS_DB with message
# $1 (after the program's name), status 3, nothing on stdout, the file
# unchanged and no journal made beside it.
refused_by_all() {
	local sum p
	sum=$(cksum < "$OMS_DB")
	for p in "oms init" "oms check" "oms status" "oms-import -" "oms-stock -" \
		"oms-stock levels" "oms-route -" "oms-ship pick"; do
		# shellcheck disable=SC2086
		run --separate-stderr $p < /dev/null
		[ "$status" -eq 3 ] || fail "$p: exit $status: $stderr"
		assert_output ""
		assert_equal "$stderr" "${p%% *}: $1"
		assert_equal "$(cksum < "$OMS_DB")" "$sum"
		[ ! -e "$OMS_DB-wal" ] && [ ! -e "$OMS_DB-shm" ] ||
			fail "$p left a journal beside the file"
	done
}

@test "a SQLite file of another program (another application_id) is refused, never written" {
	skip_on_pg "about SQLite files"
	rm "$OMS_DB"
	sqlite3 "$OMS_DB" "PRAGMA application_id = 305419896; CREATE TABLE t (x); INSERT INTO t VALUES (1)"
	refused_by_all "database '$OMS_DB' is not an oms database: its application_id is 0x12345678, not 0x6f6d7331 (\"oms1\"); give --db an oms database"
}

@test "a SQLite file with tables and no oms schema is refused, never written" {
	skip_on_pg "about SQLite files"
	rm "$OMS_DB"
	sqlite3 "$OMS_DB" "CREATE TABLE orders (x); INSERT INTO orders VALUES (1)"
	refused_by_all "database '$OMS_DB' is not an oms database: it has tables and no oms schema; give --db an oms database, or oms init a new file"
}

@test "an empty file is not a database until oms init makes it one" {
	skip_on_pg "about SQLite files"
	rm "$OMS_DB"
	: > "$OMS_DB"
	run --separate-stderr oms status
	assert_failure 3
	assert_equal "$stderr" "oms: database '$OMS_DB' is empty: oms init creates its schema"
	run --separate-stderr oms-import - < /dev/null
	assert_failure 3
	assert_equal "$stderr" "oms-import: database '$OMS_DB' is empty: oms init creates its schema"
	run --separate-stderr oms init
	assert_success
	assert_equal "$stderr" "oms: database '$OMS_DB' is at schema $SCHEMA (was 0)"
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA application_id')" "$APP_ID"
}

@test "the database keeps mode 0600 whatever the umask" {
	skip_on_pg "file modes are SQLite's"
	rm "$OMS_DB"
	umask 000
	oms -q init
	assert_equal "$(stat -c %a "$OMS_DB")" "600"
}

@test "a database path that is a directory is refused" {
	mkdir d
	run --separate-stderr oms --db d check
	assert_failure 3
	assert_equal "$stderr" "oms: cannot open database 'd': is a directory"
}
