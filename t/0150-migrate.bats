#!/usr/bin/env bats
# Issue 17: oms migrate copies a database whole into a new one, SQLite
# into PostgreSQL and back; every row, with its ids, verified by oms
# check on both sides and by the same records read from each.

load helper

# A database that has lived: the demo's day (orders from every channel,
# routing, shipping, tracking, a cancel, a return, the event stream).
lived() {
	(cd "$BATS_TEST_TMPDIR" && OMS_DB= "$TOP/share/oms/demo/demo.sh" \
		"$OMS_BIN" >demo.log 2>&1) || { cat "$BATS_TEST_TMPDIR/demo.log"; return 1; }
	cp "$BATS_TEST_TMPDIR/demo/oms.db" "$BATS_TEST_TMPDIR/lived.db"
}

# A name for a new, empty database NAME on the engine under test.
new_db_name() {
	if [ -n "${OMS_TEST_PG:-}" ]; then
		pg_new_db "$1"
	else
		echo "$1.db"
	fi
}

# A database's name as messages say it: without a password.
shown() {
	printf '%s\n' "$1"
}

# Every table of a SQLite file, row by row in key order.
dump() {
	local t
	for t in $(command sqlite3 "$1" "SELECT name FROM sqlite_master
	    WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
		echo "== $t"
		command sqlite3 "$1" "SELECT * FROM $t ORDER BY 1, 2"
	done
}

# What the programs print of a database, for two engines to agree on.
records() {
	oms-stock --db "$1" levels
	oms-report --db "$1" lookup --status shipped 2>/dev/null || true
	oms --db "$1" status 2>/dev/null || true
	oms-events --db "$1" --after 0 --limit 500
}

@test "a lived database goes across whole and comes back the same: every table, row and id, oms check clean on each" {
	lived
	target=$(new_db_name copy)
	run --separate-stderr oms --db lived.db migrate --to "$target"
	assert_success
	tables=$(command sqlite3 lived.db "SELECT count(*) FROM sqlite_master
	    WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	rows=$(for t in $(command sqlite3 lived.db "SELECT name FROM sqlite_master
	    WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"); do
		command sqlite3 lived.db "SELECT count(*) FROM $t"; done |
		awk '{ s += $1 } END { print s }')
	assert_equal "$stderr" "oms: copied $rows rows in $tables tables from 'lived.db' to '$(shown "$target")'"
	run oms --db "$target" check
	assert_success
	run --separate-stderr oms --db "$target" migrate --to back.db
	assert_success
	dump lived.db > before.txt
	dump back.db > after.txt
	diff before.txt after.txt
	run oms --db back.db check
	assert_success
	# The programs read the same records from each.
	records lived.db > a.txt
	records "$target" > b.txt
	diff a.txt b.txt
	[ -s a.txt ]
	# The instance name came along: request ids made under it stay ours.
	assert_equal "$(sqlite3 "$target" "SELECT value FROM settings WHERE key = 'instance'")" \
		"$(command sqlite3 lived.db "SELECT value FROM settings WHERE key = 'instance'")"
}

@test "after the copy the new database goes on where the old one stopped: new ids follow the copied ones" {
	lived
	target=$(new_db_name next)
	oms -q --db lived.db migrate --to "$target"
	last=$(command sqlite3 lived.db "SELECT max(id) FROM movements")
	printf '%s\n' '{"type":"movement","kind":"receive","sku":"CANDLE-CEDAR","location":"EWR1","qty":2,"key":"after-the-move"}' |
		oms-stock -q --db "$target"
	assert_equal "$(sqlite3 "$target" "SELECT id FROM movements WHERE key = 'after-the-move'")" "$((last + 1))"
	last=$(command sqlite3 lived.db "SELECT max(seq) FROM outbox")
	assert_equal "$(sqlite3 "$target" "SELECT max(seq) FROM outbox")" "$((last + 1))"
	run oms --db "$target" check
	assert_success
}

@test "migrate refuses a database that is not new, itself, and a missing --to, changing nothing" {
	lived
	target=$(new_db_name full)
	oms -q --db lived.db migrate --to "$target"
	before=$(sqlite3 "$target" "SELECT count(*) FROM orders")
	run --separate-stderr oms --db lived.db migrate --to "$target"
	assert_failure 3
	assert_equal "$stderr" "oms: database '$(shown "$target")' is not new: its orders has rows; oms migrate copies into an empty database only"
	assert_equal "$(sqlite3 "$target" "SELECT count(*) FROM orders")" "$before"
	run --separate-stderr oms --db lived.db migrate --to lived.db
	assert_failure 2
	assert_equal "$stderr" "oms: 'lived.db' is the database copied from; --to names a new one"
	run --separate-stderr oms --db lived.db migrate
	assert_failure 2
	assert_equal "$stderr" "usage: oms [-q] [--db PATH] migrate --to DATABASE"
	run --separate-stderr oms --db nothere.db migrate --to x.db
	assert_failure 3
	assert_equal "$stderr" "oms: cannot open database 'nothere.db': No such file or directory (oms init creates it)"
	[ ! -e x.db ]
}

@test "two copies into one new database at once: one goes in whole, the other finds it not new" {
	lived
	target=$(new_db_name both)
	oms -q --db lived.db migrate --to "$target" 2> one.err &
	a=$!
	oms -q --db lived.db migrate --to "$target" 2> two.err &
	b=$!
	ra=0 rb=0
	wait $a || ra=$?
	wait $b || rb=$?
	assert_equal "$(printf '%s\n' "$ra" "$rb" | sort | tr '\n' ' ')" "0 3 "
	assert_equal "$(cat one.err two.err)" "oms: database '$(shown "$target")' is not new: its orders has rows; oms migrate copies into an empty database only"
	assert_equal "$(sqlite3 "$target" "SELECT count(*) FROM orders")" \
		"$(command sqlite3 lived.db "SELECT count(*) FROM orders")"
	run oms --db "$target" check
	assert_success
}
