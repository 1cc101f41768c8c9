#!/usr/bin/env bats
# Faults (issue 13): every program and main verb against a full stdout, a
# read-only database file or directory, a database locked past the
# timeout, a corrupt file and a full disk (t/proof/enospc.c, an
# LD_PRELOAD shim that fails the database's writes with ENOSPC).  Each
# ends with the status oms(7) gives it and a message, and does no harm:
# oms check is clean afterwards, nothing is half-written, and what had
# to be done again is done once.  t/0000, t/0100, t/0300, t/1000,
# t/2000, t/2100, t/2200 and t/9020 cover the verbs they name; this file
# covers the rest.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

# A shop with a bit of everything, made once for the file: o_1 to o_3
# shipped (s_1 to s_3), o_4 allocated, o_5 held, o_6 open; rules, a
# catalog, postal codes and orders to load.
setup_file() {
	local base=$BATS_FILE_TMPDIR/base
	mkdir -p "$base" && cd "$base" || return 1
	export OMS_DB=$base/oms.db HOME=$base
	oms -q init
	oms-route -q geo load "$R/geo.txt"
	oms-stock -q "$R/catalog.jsonl" >/dev/null
	cat > moves.jsonl <<'X'
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":20,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":20,"key":"r2"}
{"type":"listing","channel":"etsy","channel_sku":"A","sku":"A","price":"10.00","currency":"USD"}
X
	oms-stock -q moves.jsonl >/dev/null
	for i in 1 2 3 4 6 7 9; do
		sku=A
		[ $i != 9 ] || sku=B
		echo "{\"type\":\"order\",\"external_id\":\"F$i\",\"currency\":\"USD\",\"customer\":{\"email\":\"z@example.com\"},\"ship_to\":{\"name\":\"Z\",\"address1\":\"1 Main St\",\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\"},\"lines\":[{\"line_id\":\"1\",\"sku\":\"$sku\",\"qty\":1,\"unit_price\":\"10.00\"}]}" > "F$i.jsonl"
	done
	cat F1.jsonl F2.jsonl F3.jsonl | oms-import -q --channel oms >/dev/null
	oms-route -q --pending >/dev/null
	oms-ship -q --carrier offline --labels labels --pending >/dev/null
	oms-import -q --channel oms F9.jsonl >/dev/null
	oms-route -q --pending >/dev/null
	oms-import -q --channel oms F4.jsonl >/dev/null
	oms-import -q hold --reason "a person looks" o_5 >/dev/null
	oms-import -q --channel oms F6.jsonl >/dev/null
	mv F7.jsonl new.jsonl
	printf '{"rules":[{"name":"cheap","strategies":["lowest_cost"]}]}\n' > rules.json
	printf 'US\t10001\tNew York\tNew York\tNY\t\t\t\t\t40.7506\t-73.9972\t\n' > geo.txt
	oms-stock export-catalog > catalog.csv
	sqlite3 oms.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	[ "$(sqlite3 oms.db "SELECT group_concat(status, ' ') FROM (SELECT status FROM orders ORDER BY id)")" = \
	    "shipped shipped shipped allocated hold open" ] || return 1
	cc -shared -fPIC -o "$BATS_FILE_TMPDIR/enospc.so" "$TOP/t/proof/enospc.c" -ldl
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	cp -R "$BATS_FILE_TMPDIR/base/." .
	export OMS_DB=$BATS_TEST_TMPDIR/oms.db HOME=$BATS_TEST_TMPDIR
	if on_pg; then
		OMS_DB=$(copy_base) || return 1
	fi
}

# The shop made once, copied: on PostgreSQL into a new database, by oms
# migrate from the file; its URL is printed.
copy_base() {
	local db
	db=$(pg_new_db faults) || return 1
	oms -q --db "$BATS_FILE_TMPDIR/base/oms.db" migrate --to "$db" >/dev/null ||
		return 1
	printf '%s\n' "$db"
}

# The shop as it was made, again.
fresh_base() {
	if on_pg; then
		OMS_DB=$(copy_base) || return 1
	else
		rm -f oms.db-wal oms.db-shm
		cp "$BATS_FILE_TMPDIR/base/oms.db" oms.db
	fi
}

# Every verb that writes, and what a read-only database says it cannot
# do: "WHAT|COMMAND".
WRITES=(
"cannot update an order|oms-import release o_5"
"cannot update an order|oms-import hold --reason x o_4"
"cannot store a level|oms-import cancel o_4"
"cannot record a cancel request|oms-import cancel o_1"
"cannot record the feed|oms-stock feed --channel etsy"
"cannot store a location|oms-stock import-catalog catalog.csv"
"cannot store a product|oms-stock import-shopify-inventory --location EWR1 --shopify-location Shop $FIX/shopify-inventory-19.csv"
"cannot store an allocation|oms-route --pending"
"cannot store a level|oms-route --reroute o_4"
"cannot store the rules|oms-route rules load rules.json"
"cannot store a postal code|oms-route geo load geo.txt"
"cannot buy a label|oms-ship --carrier offline --labels labels2 --pending"
"cannot make a wave|oms-ship pick"
"cannot store a tracking event|oms-ship track"
"cannot confirm a shipment|oms-ship confirm --feed oms --format jsonl"
"cannot send a message|oms-ship notify --mail mail --from shop@example.com"
"cannot void a label|oms-ship void s_1"
)
# Every verb that only reads.
READS=("oms status" "oms-import channels" "oms-stock levels" "oms-stock history A"
"oms-stock verify" "oms-stock available" "oms-stock export-catalog"
"oms-route rules show" "oms-route rules history" "oms-ship manifest --carrier offline")

# What the database holds, in figures a half-done write would move.
figures() {
	sqlite3 "${1:-$OMS_DB}" "SELECT (SELECT count(*) FROM orders) || ' orders, ' ||
	  (SELECT count(*) FROM events) || ' events, ' ||
	  (SELECT count(*) FROM movements) || ' movements, ' ||
	  (SELECT count(*) FROM allocations) || ' allocations, ' ||
	  (SELECT count(*) FROM shipments WHERE status <> 'voided') || ' live shipments, ' ||
	  (SELECT count(*) FROM waves) || ' waves, ' ||
	  (SELECT count(*) FROM tracking_events) || ' tracking events, ' ||
	  (SELECT count(*) FROM confirmations) || ' confirmations, ' ||
	  (SELECT count(*) FROM notifications) || ' messages, ' ||
	  (SELECT count(*) FROM rules) || ' rules, ' ||
	  (SELECT count(*) FROM geo_postal) || ' postal codes, ' ||
	  (SELECT count(*) FROM feed_state) || ' feed rows, ' ||
	  (SELECT count(*) FROM products) || ' products, ' ||
	  (SELECT count(*) FROM cancel_requests) || ' cancel requests'"
}

consistent() {
	run --separate-stderr oms check
	[ "$status" -eq 0 ] || fail "after $1: oms check: $stderr"
}

# Nothing made beside the database by a refused run.
nothing_made() {
	[ ! -e labels2 ] || fail "$1 bought a label: $(ls labels2)"
	[ ! -e mail ] || fail "$1 wrote mail: $(ls mail)"
}

# ---- a full stdout -------------------------------------------------------------

@test "stdout on a full disk: every verb that prints fails with status 3 and says so, and oms check is clean" {
	for cmd in "oms status" "oms-import channels" "oms-import release o_5" \
	    "oms-import hold --reason x o_4" "oms-import cancel o_4" \
	    "oms-stock levels" "oms-stock history A" "oms-stock export-catalog" \
	    "oms-stock import-catalog catalog.csv" \
	    "oms-stock import-shopify-inventory --location EWR1 --shopify-location Shop $FIX/shopify-inventory-19.csv" \
	    "oms-route --pending" "oms-route --reroute o_4" "oms-route rules show" \
	    "oms-ship --carrier offline --labels labels --pending" "oms-ship pick" \
	    "oms-ship track" "oms-ship manifest --carrier offline" "oms-ship void s_1"; do
		fresh_base
		# shellcheck disable=SC2086
		run --separate-stderr sh -c "$cmd > /dev/full"
		[ "$status" -eq 3 ] || fail "$cmd: exit $status: $stderr"
		# What committed is named, with how to print it again.
		case ${stderr##*$'\n'} in
		"${cmd%% *}: write error: No space left on device") ;;
		"oms-ship: write error: No space left on device; wave W1 committed: print it again with \`oms-ship pick --wave 1\`")
			[ "$cmd" = "oms-ship pick" ] || fail "$cmd: $stderr" ;;
		*) fail "$cmd: $stderr" ;;
		esac
		consistent "$cmd > /dev/full"
	done
}

@test "a shipping run whose stdout is full has shipped what it committed; the next run ships nothing twice" {
	run --separate-stderr sh -c 'oms-ship --carrier offline --labels labels --pending > /dev/full'
	assert_failure 3
	assert_equal "$stderr" "oms-ship: write error: No space left on device"
	# s_4 was recorded before its echo failed.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, order_id, status FROM shipments WHERE id > 3")" "4|4|shipped"
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" 4
	assert_equal "$(ls labels | wc -l)" 8
	consistent "the second run"
}

# ---- a read-only database --------------------------------------------------------

# refused_readonly RO WHY: with RO (the file or its directory) read-only,
# each write is refused with status 3 before anything is done, saying
# why; each read works; the file is as it was.
refused_readonly() {
	local ro=$1 why=$2 sum c
	sum=$(cksum < "$OMS_DB")
	for c in "${WRITES[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr run_readonly "$ro" ${c#*|} < /dev/null
		[ "$status" -eq 3 ] || fail "${c#*|}: exit $status: $stderr"
		assert_output ""
		p=${c#*|}
		assert_equal "$stderr" "${p%% *}: database '$OMS_DB' is read-only: ${c%%|*} ($why)"
		nothing_made "${c#*|}"
	done
	for c in "${READS[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr run_readonly "$ro" $c < /dev/null
		[ "$status" -le 1 ] || fail "$c: exit $status: $stderr"
	done
	assert_equal "$(cksum < "$OMS_DB")" "$sum"
	[ ! -e "$OMS_DB-wal" ] || [ "$ro" = "$OMS_DB" ] || fail "a journal was made"
	consistent "the read-only runs"
}

@test "a read-only database file: every verb that writes is refused before it does anything, status 3; every read works" {
	skip_on_pg "read-only files are SQLite's"
	need_readonly
	refused_readonly "$OMS_DB" "the file is not writable"
}

@test "a database in a read-only directory: every verb that writes is refused before it does anything, status 3; every read works" {
	skip_on_pg "read-only files are SQLite's"
	need_readonly
	mkdir shop
	mv oms.db shop/
	export OMS_DB=$PWD/shop/oms.db
	refused_readonly shop "its directory is not writable"
}

# ---- locked past the timeout -----------------------------------------------------

# lock: hold a write lock on $OMS_DB until unlock, through a FIFO to
# sqlite3 (hold_lock's sleep outlives a kill and keeps bats waiting); on
# PostgreSQL to psql, holding the writers' advisory lock as hold_lock
# does.
lock() {
	rm -f locked lockfifo
	mkfifo lockfifo
	if on_pg; then
		psql -X -q -d "$OMS_DB" < lockfifo >/dev/null 2>&1 3>&- &
	else
		sqlite3 "$OMS_DB" < lockfifo >/dev/null 2>&1 3>&- &
	fi
	LOCK_PID=$!
	exec 7>lockfifo
	if on_pg; then
		printf 'BEGIN;\nSELECT pg_advisory_xact_lock(%d);\n\\! touch locked\n' "$APP_ID" >&7
	else
		printf 'BEGIN IMMEDIATE;\n.shell touch locked\n' >&7
	fi
	for _ in $(seq 200); do
		[ -e locked ] && return 0
		sleep 0.05
	done
	return 1
}
unlock() {
	printf 'COMMIT;\n' >&7
	exec 7>&-
	wait "$LOCK_PID"
}

@test "a database locked past the timeout: every verb that writes gives status 4 within the timeout and changes nothing; reads go on" {
	before=$(figures)
	lock
	for c in "${WRITES[@]}"; do
		start=$(now_ms)
		# shellcheck disable=SC2086
		OMS_BUSY_TIMEOUT=200 run --separate-stderr ${c#*|} < /dev/null
		took=$(( $(now_ms) - start ))
		[ "$status" -eq 4 ] || fail "${c#*|}: exit $status: $stderr"
		p=${c#*|}
		assert_equal "${stderr##*$'\n'}" "${p%% *}: database '$OMS_DB' is busy: another program held it past the 200 ms timeout; try again later"
		[ "$took" -lt 5000 ] || fail "${c#*|} took $took ms"
	done
	for c in "${READS[@]}"; do
		# shellcheck disable=SC2086
		OMS_BUSY_TIMEOUT=200 run --separate-stderr $c < /dev/null
		[ "$status" -le 1 ] || fail "$c: exit $status: $stderr"
	done
	unlock
	assert_equal "$(figures)" "$before"
	consistent "the busy runs"
}

@test "a shipping run and a message run that stayed busy are safe to repeat: the same labels, one shipment, one message each" {
	# What one run leaves, on a copy.
	mkdir once
	if on_pg; then
		once=$(copy_base)
	else
		cp oms.db once/
		once=$PWD/once/oms.db
	fi
	(cd once && OMS_DB=$once oms-ship -q --carrier offline --labels labels --pending >/dev/null &&
	    OMS_DB=$once oms-ship -q notify --mail mail --from shop@example.com >/dev/null)
	lock
	OMS_BUSY_TIMEOUT=200 run --separate-stderr oms-ship --carrier offline --labels labels2 --pending
	assert_failure 4
	OMS_BUSY_TIMEOUT=200 run --separate-stderr oms-ship notify --mail mail --from shop@example.com
	assert_failure 4
	unlock
	oms-ship -q --carrier offline --labels labels2 --pending >/dev/null
	oms-ship -q notify --mail mail --from shop@example.com >/dev/null
	assert_equal "$(ls labels2)" "$(cd once/labels && ls $(sqlite3 "$once" "SELECT tracking || '.pdf ' || tracking || '.zpl' FROM shipments WHERE id = 4"))"
	assert_equal "$(figures)" "$(figures "$once")"
	assert_equal "$(ls mail)" "$(ls once/mail)"
	consistent "the runs again"
}

# ---- a corrupt file --------------------------------------------------------------

# refused_corrupt MESSAGE: every verb refuses the file with status 3 and
# MESSAGE after its name, prints nothing and leaves the file as it is.
refused_corrupt() {
	local sum c
	sum=$(cksum < "$OMS_DB")
	for c in "oms init" "oms check" "${WRITES[@]}" "${READS[@]}"; do
		c=${c#*|}
		[ "$c" != "oms-import channels" ] || continue
		# shellcheck disable=SC2086
		run --separate-stderr $c < /dev/null
		[ "$status" -eq 3 ] || fail "$c: exit $status: $stderr"
		assert_output ""
		assert_equal "$stderr" "${c%% *}: database '$OMS_DB'$1"
		nothing_made "$c"
	done
	assert_equal "$(cksum < "$OMS_DB")" "$sum"
}

@test "a database whose header is garbage: every verb says it is not an oms database, status 3, and writes nothing" {
	skip_on_pg "about SQLite files"
	printf 'garbage garbage!' | dd of=oms.db bs=1 conv=notrunc 2>/dev/null
	refused_corrupt " is not an oms database: not a SQLite file"
}

@test "a database whose pages are garbage: every verb says it is malformed, status 3, and writes nothing" {
	skip_on_pg "about SQLite files"
	head -c $((4096 * 66)) /dev/zero | tr '\0' '\252' |
	    dd of=oms.db bs=4096 seek=4 conv=notrunc 2>/dev/null
	refused_corrupt ": cannot read the header: database disk image is malformed"
}

# ---- a full disk -----------------------------------------------------------------

# full_disk AFTER CMD...: CMD with the database's writes failing with
# ENOSPC after AFTER bytes.
full_disk() {
	local after=$1
	shift
	ENOSPC_PATH=$OMS_DB ENOSPC_AFTER=$after \
	    LD_PRELOAD=$BATS_FILE_TMPDIR/enospc.so \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 "$@"
}

@test "a disk full from the first byte: every verb fails with status 3 and a message; nothing changes" {
	skip_on_pg "the full disk is under SQLite's file"
	before=$(figures)
	for c in "oms init" "oms check" "${WRITES[@]}" "${READS[@]}"; do
		c=${c#*|}
		[ "$c" != "oms-import channels" ] || continue
		# shellcheck disable=SC2086
		run --separate-stderr full_disk 0 $c < /dev/null
		[ "$status" -eq 3 ] || fail "$c: exit $status: $stderr"
		assert_equal "$stderr" "${c%% *}: database '$OMS_DB': cannot read the header: disk I/O error"
		nothing_made "$c"
	done
	assert_equal "$(figures)" "$before"
	consistent "the full disk"
}

@test "a disk that fills during the work: every verb that writes fails at its commit with status 3; nothing is half-written" {
	skip_on_pg "the full disk is under SQLite's file"
	before=$(figures)
	for c in "${WRITES[@]}"; do
		c=${c#*|}
		case $c in
		*"rules load"*|*"geo load"*|*"cancel o_1"*) continue ;;	# too small to fill 6000 bytes
		esac
		# shellcheck disable=SC2086
		run --separate-stderr full_disk 6000 $c < /dev/null
		[ "$status" -eq 3 ] || fail "$c: exit $status: $stderr"
		assert_equal "${stderr##*$'\n'}" "${c%% *}: database '$OMS_DB': cannot commit: database or disk is full"
		assert_equal "$(figures)" "$before"
		consistent "$c on a full disk"
	done
}

@test "an import that fills the disk halfway stores whole batches of whole orders only; with room again the same import stores the rest, once" {
	skip_on_pg "the full disk is under SQLite's file"
	# 2500 orders: oms-import commits at most 1000 at a time.
	awk '{ for (i = 1; i <= 2500; i++) { l = $0; sub(/"F7"/, "\"G" i "\"", l); print l } }' new.jsonl > many.jsonl
	run --separate-stderr full_disk 1500000 oms-import -q --channel oms many.jsonl
	assert_failure 3
	assert_equal "$stderr" "oms-import: database '$OMS_DB': cannot commit: database or disk is full"
	n=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE external_id LIKE 'G%'")
	echo "# $n of 2500 orders stored before the disk filled" >&3
	[ "$n" -lt 2500 ] || fail "the disk never filled"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders o WHERE external_id LIKE 'G%' AND (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) <> 1")" 0
	consistent "the full disk"
	run --separate-stderr oms-import -q --channel oms many.jsonl
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), count(DISTINCT external_id), sum((SELECT count(*) FROM order_lines l WHERE l.order_id = o.id)) FROM orders o WHERE external_id LIKE 'G%'")" "2500|2500|2500"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events e JOIN orders o ON o.id = e.order_id WHERE o.external_id LIKE 'G%' AND e.action = 'created'")" 2500
	consistent "the import again"
}
