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

@test "an older database is migrated in one step at open" {
	sqlite3 "$OMS_DB" "CREATE TABLE keep (x); INSERT INTO keep VALUES (1)"
	run --separate-stderr oms check
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version')" "$SCHEMA"
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT x FROM keep')" "1"
	sqlite3 "$OMS_DB" "SELECT count(*) FROM orders" >/dev/null
}

@test "a failed migration leaves the file as it was" {
	# A table in the way makes migration 1 fail half-way.
	sqlite3 "$OMS_DB" "CREATE TABLE events (x)"
	run --separate-stderr oms init
	assert_failure 3
	[[ "$stderr" == "oms: database '$OMS_DB': migration 1 failed: table events already exists" ]]
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version')" "0"
	run sqlite3 "$OMS_DB" "SELECT name FROM sqlite_master WHERE name = 'orders'"
	assert_output ""
}

@test "a database locked past the timeout gives status 4 within the timeout" {
	sqlite3 "$OMS_DB" "PRAGMA journal_mode=WAL; CREATE TABLE keep (x)" >/dev/null
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
	sqlite3 "$OMS_DB" "PRAGMA journal_mode=WAL; CREATE TABLE keep (x)" >/dev/null
	hold_lock "$OMS_DB" 1
	OMS_BUSY_TIMEOUT=8000 run --separate-stderr oms init
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version')" "$SCHEMA"
}

@test "the database keeps mode 0600 whatever the umask" {
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
