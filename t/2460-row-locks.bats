#!/usr/bin/env bats
# Issue 17: on PostgreSQL routing and shipping lock the rows they change
# (the order, its allocations, the levels of its skus) instead of the
# whole database.  A warehouse shipping one order does not wait for
# another's; a router waits only for the rows its orders need, and a run
# that holds rows commits them before it waits; the event stream keeps
# the order of the commits.  SQLite has one writer at a time, so these
# run in the PostgreSQL pass only.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

# Two warehouses: A is stocked at EWR1 only, B at LAX1 only.
world() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"location","id":"LAX1","name":"Los Angeles DC","kind":"warehouse","lat":34.0522,"lon":-118.2437,"address":{"address1":"20 Alameda St","city":"Los Angeles","region":"CA","postal_code":"90021","country":"US"},"priority":2,"cutoff":"15:00","tz":"America/Los_Angeles"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":10,"key":"r-A"}
{"type":"movement","kind":"receive","sku":"B","location":"LAX1","qty":10,"key":"r-B"}
EOF
}

# order N SKU: an order for one SKU, as a web shop's webhook gives it.
order() {
	echo "{\"type\":\"order\",\"external_id\":\"$1\",\"currency\":\"USD\",\"customer\":{\"email\":\"c$1@example.com\"},\"ship_to\":{\"name\":\"C $1\",\"address1\":\"1 Main St\",\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\"},\"lines\":[{\"line_id\":\"L1\",\"sku\":\"$2\",\"qty\":1,\"unit_price\":\"10.00\"}]}"
}

id_of() {
	sqlite3 "$OMS_DB" "SELECT id FROM orders WHERE external_id = '$1'"
}

status_of() {
	sqlite3 "$OMS_DB" "SELECT status FROM orders WHERE external_id = '$1'"
}

# hold_rows SECS SQL...: a writer that locks by row, as oms-route and
# oms-ship do, holding for SECS seconds the rows each SQL selects (FOR NO
# KEY UPDATE is added).  Returns once they are held; $LOCK_PID ends it.
hold_rows() {
	local secs=$1 q
	shift
	rm -f "$BATS_TEST_TMPDIR/held"
	{
		echo "BEGIN;"
		echo "SELECT pg_advisory_xact_lock_shared($APP_ID);"
		for q in "$@"; do
			echo "$q FOR NO KEY UPDATE;"
		done
		echo "\\! touch '$BATS_TEST_TMPDIR/held'"
		sleep "$secs"
		echo "COMMIT;"
	} | psql -X -q -d "$OMS_DB" >/dev/null 2>&1 &
	LOCK_PID=$!
	for _ in $(seq 200); do
		[ -e "$BATS_TEST_TMPDIR/held" ] && return 0
		sleep 0.05
	done
	return 1
}

release_rows() {
	kill "$LOCK_PID" 2>/dev/null || true
	wait "$LOCK_PID" 2>/dev/null || true
}

@test "a warehouse ships its parcel while another's order is held; that order waits, then ships once" {
	on_pg || skip "SQLite has one writer at a time"
	world
	{ order 1 A; order 2 B; } | oms-import -q --channel oms >/dev/null
	oms-route -q --pending > routed.jsonl
	grep '"order":"o_1"' routed.jsonl > r1.jsonl
	grep '"order":"o_2"' routed.jsonl > r2.jsonl
	o1=$(id_of 1)
	# The Newark run holds order 1, its allocations and its levels.
	hold_rows 60 "SELECT id FROM orders WHERE id = $o1" \
	    "SELECT id FROM allocations WHERE order_id = $o1" \
	    "SELECT sku FROM levels WHERE sku = 'A'"
	export OMS_BUSY_TIMEOUT=1500
	# Los Angeles ships beside it: waiting would be busy past 1.5 s.
	run oms-ship -q --carrier offline --labels L2 r2.jsonl
	assert_success
	assert_equal "$(status_of 2)" shipped
	# Order 1's own rows are held: busy, exit 4, nothing recorded.
	run oms-ship -q --carrier offline --labels L1 r1.jsonl
	assert_failure 4
	assert_output --partial "busy"
	assert_equal "$(status_of 1)" allocated
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments WHERE order_id = $o1")" 0
	# A write that does not lock by row still waits for the whole.
	run oms-stock <<<'{"type":"movement","kind":"receive","sku":"C","location":"EWR1","qty":1,"key":"r-C"}'
	assert_failure 4
	release_rows
	# The run after ships it, once.
	run oms-ship -q --carrier offline --labels L1 --pending
	assert_success
	assert_equal "$(status_of 1)" shipped
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, count(*) FROM shipments GROUP BY order_id ORDER BY order_id")" \
	    "$o1|1
$(id_of 2)|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY sku")" \
	    "A|EWR1|9|0
B|LAX1|9|0"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "a router waits only for the levels its order needs, and commits what it holds before it waits" {
	on_pg || skip "SQLite has one writer at a time"
	world
	{ order 1 B; order 2 A; order 3 B; } | oms-import -q --channel oms >/dev/null
	hold_rows 60 "SELECT sku FROM levels WHERE sku = 'A'"
	export OMS_BUSY_TIMEOUT=1500
	# An order for B is routed beside the held levels of A ...
	run oms-route -q <<<"o_1"
	assert_success
	assert_equal "$(status_of 1)" allocated
	# ... and one for A waits for them: busy past the timeout.
	run oms-route -q <<<"o_2"
	assert_failure 4
	assert_equal "$(status_of 2)" open
	release_rows
	# A run meets the held levels after an order of its own: it commits
	# that order, then waits for the rows, then goes on.
	order 4 B | oms-import -q --channel oms >/dev/null
	printf '%s\n' o_3 o_2 o_4 > refs
	hold_rows 4 "SELECT sku FROM levels WHERE sku = 'A'"
	export OMS_BUSY_TIMEOUT=30000
	oms-route refs > routed.out 2> routed.err &
	pid=$!
	# Order 3 shows allocated to others while the run still waits.
	seen=
	for _ in $(seq 60); do
		if [ "$(status_of 3)" = allocated ]; then
			seen=$(status_of 2)
			break
		fi
		sleep 0.05
	done
	assert_equal "$seen" open
	wait "$pid"
	wait "$LOCK_PID" || true
	assert_equal "$(jq -r '.order + " " + .status' routed.out)" \
	    "o_3 allocated
o_2 allocated
o_4 allocated"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY sku")" \
	    "A|EWR1|10|1
B|LAX1|10|3"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "the event stream is in the order of the commits when writers overlap" {
	on_pg || skip "SQLite has one writer at a time"
	world
	{ order 1 A; order 2 B; } | oms-import -q --channel oms >/dev/null
	oms-route -q <<<"o_2" > r2.jsonl
	o1=$(id_of 1)
	o2=$(id_of 2)
	before=$(sqlite3 "$OMS_DB" "SELECT max(seq) FROM outbox")
	# Routing order 1 stops inside its transaction, after its reserve
	# and before its commit, as a slow host would: until the gate, a lock
	# the test holds, lets it go.
	sqlite3 "$OMS_DB" "CREATE FUNCTION gate() RETURNS trigger
	    LANGUAGE plpgsql AS \$\$ BEGIN PERFORM pg_advisory_xact_lock(2460); RETURN NULL; END \$\$;
	    CREATE TRIGGER gate AFTER INSERT ON events FOR EACH ROW
	    WHEN (NEW.order_id = $o1) EXECUTE FUNCTION gate();"
	rm -f shut
	{
		echo "SELECT pg_advisory_lock(2460);"
		echo "\\! touch '$BATS_TEST_TMPDIR/shut'"
		sleep 120
	} | psql -X -q -d "$OMS_DB" >/dev/null 2>&1 &
	gate=$!
	for _ in $(seq 200); do
		[ -e shut ] && break
		sleep 0.05
	done
	OMS_BUSY_TIMEOUT=120000 oms-route -q <<<"o_1" > r1.jsonl &
	pid=$!
	stopped=
	for _ in $(seq 400); do
		stopped=$(pg_admin -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 2460 AND NOT granted")
		[ "$stopped" = 1 ] && break
		sleep 0.05
	done
	assert_equal "$stopped" 1
	# Order 2 ships meanwhile, and a follower reads the stream so far.
	OMS_BUSY_TIMEOUT=1500 oms-ship -q --carrier offline --labels L r2.jsonl >/dev/null
	oms-events -q --after "$before" > first.jsonl
	assert_equal "$(status_of 1)" open
	kill "$gate"
	wait "$gate" || true
	wait "$pid"
	oms-events -q --after "$(jq -s 'map(.seq) | max' first.jsonl)" > second.jsonl
	# The follower got every event of both, once: order 1's routing,
	# committed last, comes after order 2's shipment in the stream.
	assert_equal "$(cat first.jsonl second.jsonl | jq -s 'length')" \
	    "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM outbox WHERE seq > $before")"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM outbox x LEFT JOIN events e ON e.id = x.event_id WHERE e.order_id = $o1 AND x.seq > $before AND x.seq <= (SELECT max(y.seq) FROM outbox y JOIN events f ON f.id = y.event_id WHERE f.order_id = $o2)")" 0
	[ "$(jq -s 'length' second.jsonl)" -ge 2 ]
	assert_equal "$(jq -r '.order // empty' second.jsonl | sort -u)" o_1
	assert_equal "$(status_of 1)" allocated
	assert_equal "$(status_of 2)" shipped
	run oms check
	assert_success
}

@test "a pending run passes over an order another run holds and routes the rest; the next run routes it" {
	on_pg || skip "SQLite has one writer at a time"
	world
	{ order 1 A; order 2 B; order 3 A; } | oms-import -q --channel oms >/dev/null
	hold_rows 60 "SELECT id FROM orders WHERE id = $(id_of 2)"
	export OMS_BUSY_TIMEOUT=1500
	run oms-route -q --pending
	assert_success
	assert_equal "$(jq -r '.order + " " + .status' <<<"$output")" \
	    "o_1 allocated
o_3 allocated"
	assert_equal "$(status_of 2)" open
	release_rows
	run oms-route -q --pending
	assert_success
	assert_equal "$(jq -r '.order + " " + .status' <<<"$output")" "o_2 allocated"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY sku")" \
	    "A|EWR1|10|2
B|LAX1|10|1"
	run oms check
	assert_success
}
