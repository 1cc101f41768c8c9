#!/usr/bin/env bats
# t/helper.bash on PostgreSQL (t/run-pg): the sqlite3 stand-in prints
# what sqlite3 prints for the same rows, and each test has a database
# of its own.  On SQLite there is nothing to compare: skipped.

load helper

# The same table and rows in the test's PostgreSQL schema and in a
# SQLite file, sq.db.
twin() {
	on_pg || skip "the suite runs on SQLite"
	local sql="CREATE TABLE harness_t (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, record TEXT);
INSERT INTO harness_t VALUES (1, 'tee|black', 2, '{\"status\":\"open\",\"ship_to\":{\"city\":\"New York\"},\"lines\":[{\"sku\":\"A\"},{\"sku\":\"B\"}],\"gift\":true,\"note\":null}');
INSERT INTO harness_t VALUES (2, NULL, 0, '{\"status\":\"hold\",\"gift\":false}');
INSERT INTO harness_t VALUES (3, 'mug', 15, NULL);"
	sqlite3 "$OMS_DB" "$sql"
	command sqlite3 sq.db "$sql"
}

# same ARGS...: sqlite3 ARGS on both, with the database where "DB" is.
same() {
	local -a pg=() sq=()
	for a; do
		if [ "$a" = DB ]; then
			pg+=("$OMS_DB") sq+=(sq.db)
		else
			pg+=("$a") sq+=("$a")
		fi
	done
	run --separate-stderr command sqlite3 "${sq[@]}"
	local want=$output wstatus=$status
	run --separate-stderr sqlite3 "${pg[@]}"
	assert_equal "$status" "$wstatus"
	assert_equal "$output" "$want"
}

@test "the sqlite3 stand-in prints rows, NULLs, separators and several statements as sqlite3 does" {
	twin
	same DB "SELECT * FROM harness_t ORDER BY id"
	same DB "SELECT id, name FROM harness_t WHERE id > 1 ORDER BY id; SELECT count(*) FROM harness_t; UPDATE harness_t SET qty = qty + 1 WHERE id = 3; SELECT qty FROM harness_t WHERE id = 3"
	same -separator ' ' -cmd '.timeout 5000' DB "SELECT id, qty FROM harness_t ORDER BY id"
	same DB "SELECT 1 FROM harness_t WHERE 0 = 1"
	same DB "SELECT id || char(10) || qty FROM harness_t WHERE id = 1 -- a comment; with a semicolon"
}

@test "the sqlite3 stand-in reads SQL on stdin" {
	twin
	printf 'SELECT count(*) FROM harness_t;\nSELECT name\nFROM harness_t WHERE id = 3;\n' > q.sql
	run command sqlite3 sq.db < q.sql
	want=$output
	run sqlite3 "$OMS_DB" < q.sql
	assert_success
	assert_output "$want"
	assert_output "3
mug"
}

@test "the sqlite3 stand-in has the SQLite functions and idioms the tests use" {
	twin
	same DB "SELECT id, json_extract(record, '\$.status'), json_extract(record, '\$.ship_to.city'), json_extract(record, '\$.lines[1].sku'), json_extract(record, '\$.gift'), json_extract(record, '\$.note'), json_extract(record, '\$.lines') FROM harness_t ORDER BY id"
	same DB "SELECT record ->> '\$.status', record ->> '\$.ship_to' FROM harness_t ORDER BY id"
	same DB "SELECT group_concat(id), group_concat(name, ' '), sum(qty > 1), sum(qty) FROM harness_t"
	same DB "SELECT group_concat(name, ' ') FROM (SELECT name FROM harness_t ORDER BY id DESC)"
	same DB "SELECT id, qty > 1, name IS NULL, ifnull(name, '-'), printf('%d.%02d', qty / 100 + id, qty % 100) FROM harness_t ORDER BY id"
	same DB "SELECT count(*) FROM harness_t WHERE name GLOB '[a-z]*' AND name NOT GLOB '*|*'"
	same DB "SELECT coalesce(name, '-'), coalesce(qty, ''), coalesce(max(id), 0) FROM harness_t GROUP BY name, qty ORDER BY qty"
	same DB "SELECT json_remove(record, '\$.status'), json_remove(record, '\$.ship_to.city'), json_remove(record, '\$.lines[0]'), json_remove(record, '\$.nosuch') FROM harness_t ORDER BY id"
	same DB "UPDATE harness_t SET record = json_set(record, '\$.lines[1].sku', 'C') WHERE id = 1; UPDATE harness_t SET record = json_set(record, '\$.n', 5) WHERE id = 2; SELECT record FROM harness_t ORDER BY id"
}

@test "an error in the SQL is status 1, and the statements before it stand" {
	twin
	same DB "UPDATE harness_t SET qty = 7 WHERE id = 1; SELECT nosuch FROM harness_t; UPDATE harness_t SET qty = 8 WHERE id = 2"
	same DB "SELECT id, qty FROM harness_t ORDER BY id"
	[ "$output" = "1|7
2|0
3|15" ]
}

@test "PRAGMA user_version and application_id are read and set in the driver's oms_meta" {
	on_pg || skip "the suite runs on SQLite"
	run sqlite3 "$OMS_DB" "PRAGMA user_version; PRAGMA application_id"
	assert_success
	assert_output "$SCHEMA
$APP_ID"
	sqlite3 "$OMS_DB" "PRAGMA user_version = 99"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT value FROM oms_meta WHERE name = 'user_version'")" 99
}

@test "each test has an empty database of its own, which fresh_db empties again" {
	on_pg || skip "the suite runs on SQLite"
	mine=$OMS_DB
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders; SELECT current_schema()")" "0
$(pg_schema "$OMS_DB")"
	sqlite3 "$OMS_DB" "INSERT INTO events (at, program, action) VALUES ('2026-01-01T00:00:00Z', 't', 'x'); CREATE TABLE harness_t (x INTEGER)"
	fresh_db
	assert_equal "$OMS_DB" "$mine"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM harness_t"
	assert_failure 1
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; PRAGMA user_version")" "0
$SCHEMA"
}

@test "hold_lock holds the writers' lock until it is killed" {
	on_pg || skip "the suite runs on SQLite"
	hold_lock "$OMS_DB" 5
	run psql -X -q -At -d "$OMS_DB" -c "SET lock_timeout = 200" \
		-c "SELECT pg_advisory_xact_lock($APP_ID)"
	assert_failure
	kill "$LOCK_PID"
	wait "$LOCK_PID" || true
	run psql -X -q -At -d "$OMS_DB" -c "SET lock_timeout = 2000" \
		-c "SELECT pg_try_advisory_xact_lock($APP_ID)"
	assert_success
	assert_output t
}

@test ".dump prints every row, the same for the same rows" {
	on_pg || skip "the suite runs on SQLite"
	twin
	run sqlite3 "$OMS_DB" .dump
	assert_success
	assert_line --partial "INSERT INTO $(pg_schema "$OMS_DB").harness_t VALUES (3, 'mug', 15, NULL);"
	sum=$(sqlite3 "$OMS_DB" .dump | cksum)
	sqlite3 "$OMS_DB" "UPDATE harness_t SET qty = qty WHERE id = 1"
	assert_equal "$(sqlite3 "$OMS_DB" .dump | cksum)" "$sum"
	sqlite3 "$OMS_DB" "UPDATE harness_t SET qty = 3 WHERE id = 1"
	[ "$(sqlite3 "$OMS_DB" .dump | cksum)" != "$sum" ]
}
