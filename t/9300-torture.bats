#!/usr/bin/env bats
# Torture (issue 13): t/proof/torture runs several processes at once on
# one database (imports of overlapping exports at newer and older
# versions, stock receipts and adjustments, routing, shipping, voids,
# cancels), then checks with SQL and oms check that nothing is lost,
# doubled or oversold and that every order ends whole at its newest
# version.  A failure names the seed and the command that replays it.

load helper

# On PostgreSQL torture works on a new database of the test's server
# (-D), and reads it with the sqlite3 stand-in, exported to it with
# what it calls.
PG=()
if on_pg; then
	export -f sqlite3 pg_sqlite3 pg_statements is_pg_url pg_schema \
		pg_admin pg_seq_schema pg_new_db pg_url
	PG=(-D "pg_new_db torture")
fi

# torture SEED PROCS OPS: one run; its figures go to the TAP stream.
torture() {
	run --separate-stderr "$TOP/t/proof/torture" -s "$1" -p "$2" -n "$3" "${PG[@]}" run
	echo "# $output" >&3
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_equal "$stderr" ""
}

@test "torture, seed 1: 4 processes, 20 operations each" {
	torture 1 4 20
}

@test "torture, seed 7: 8 processes, 12 operations each" {
	torture 7 8 12
}

@test "torture, seed 1302: 6 processes, 15 operations each" {
	torture 1302 6 15
}

@test "the checks bite: damage done after the run is found and named, with the seed and the command to replay it" {
	local pg=
	[ ${#PG[@]} = 0 ] || pg=" -D $(printf '%q' "${PG[1]}")"
	for sql in "UPDATE levels SET on_hand = on_hand + 1 WHERE (sku, location) = (SELECT sku, location FROM levels ORDER BY sku, location LIMIT 1) => levels that are not the ledger's" \
	    "DELETE FROM order_lines WHERE (order_id, line_no) = (SELECT order_id, line_no FROM order_lines ORDER BY order_id DESC, line_no DESC LIMIT 1) => an order whose lines are not its record's" \
	    "UPDATE allocations SET state = 'active' WHERE id = (SELECT min(allocation_id) FROM shipment_lines) => a shipment's goods that are not its allocation's" \
	    "UPDATE orders SET external_id = 'x' || external_id WHERE id = 1 => orders lost, doubled or not at their newest version"; do
		run --separate-stderr "$TOP/t/proof/torture" -s 5 -p 2 -n 6 -x "${sql% => *}" "${PG[@]}" run
		assert_failure 1
		[[ $stderr == *"torture: seed 5: "*"${sql#* => }"* ]] || fail "${sql% => *}: $stderr"
		[[ $stderr == *"torture: seed 5 failed; the run is kept in $PWD/run; replay: OMS_BIN=$OMS_BIN $TOP/t/proof/torture -n 6 -p 2 -s 5 -x $(printf '%q' "${sql% => *}")$pg DIR" ]] ||
		    fail "no replay: $stderr"
	done
}

# ---- what torture found ---------------------------------------------------

# woo FILE MODIFIED QTY: WooCommerce's export of order 1001, QTY of A, as
# last modified at MODIFIED.
woo() {
	jq -nc --arg m "$2" --argjson q "$3" '[{id: 6001, number: "1001", order_key: "wc_1001", status: "processing", currency: "USD",
		date_created_gmt: "2026-11-25T09:00:00", date_modified_gmt: $m, date_paid_gmt: "2026-11-25T09:00:05",
		billing: {first_name: "Zoe", last_name: "Park", email: "zoe@example.com", address_1: "1 Main St", city: "New York", state: "NY", postcode: "10001", country: "US"},
		shipping: {first_name: "Zoe", last_name: "Park", address_1: "1 Main St", city: "New York", state: "NY", postcode: "10001", country: "US"},
		payment_method: "stripe", shipping_total: "0.00", discount_total: "0.00", total_tax: "0.00", total: "\($q * 10).00",
		line_items: [{id: 11, name: "Thing A", sku: "A", quantity: $q, price: 10, subtotal: "\($q * 10).00", total: "\($q * 10).00", total_tax: "0.00", product_id: 1, variation_id: 0}],
		shipping_lines: []}]' > "$1"
}

@test "a unit more of an order already shipped makes it partly shipped; routing and shipping send the unit, once (seed 1)" {
	export OMS_NOW=2026-11-26T15:00:00Z
	oms-route -q geo load "$FIX/route/geo.txt"
	oms-stock -q "$FIX/route/catalog.jsonl" >/dev/null
	echo '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":9,"key":"r1"}' | oms-stock -q >/dev/null
	woo v0.json 2026-11-25T10:00:00 2
	woo v1.json 2026-11-25T11:00:00 3
	oms-import -q v0.json >/dev/null
	oms-route -q --pending >/dev/null
	oms-ship -q --carrier offline --labels labels --pending >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" shipped
	# The shop sells one more: the order wants a unit no parcel holds.
	run --separate-stderr oms-import v1.json
	assert_success
	assert_equal "$(jq -c '[.id, .status, [.lines[].qty]]' <<<"$output")" '["o_1","partly_shipped",[3]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT action, before, after FROM events WHERE action = 'lines_changed'")" 'partly_shipped
lines_changed|{"status":"shipped"}|{"status":"partly_shipped"}'
	run --separate-stderr oms check
	assert_success
	oms-route -q --pending >/dev/null
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.id, .status, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["s_2","shipped",[["A",1]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT qty, allocated, shipped FROM order_lines; SELECT on_hand, reserved FROM levels")" "shipped
3|3|3
6|0"
	run --separate-stderr oms check
	assert_success
	oms-route -q --pending >/dev/null
	run oms-ship -q --carrier offline --labels labels --pending
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" 2
}
