#!/usr/bin/env bats
# Scenario 9 of issue 10: the wrong goods ship.  A channel update that
# changes an allocated order's lines releases what no longer matches and
# sends the order back to routing; oms-ship checks the allocations against
# the lines inside its transaction; a change to goods already shipped
# holds the order; oms check finds an allocation that matches no line.

load helper

R="$FIX/route"

# woo FILE MODIFIED LINES: WooCommerce's export of order 1001 as last
# modified at MODIFIED; LINES is "line_id:sku:qty ...".
woo() {
	local lines= l i s q
	for l in $3; do
		IFS=: read -r i s q <<<"$l"
		lines="$lines${lines:+,}{\"id\":$i,\"name\":\"Thing $s\",\"sku\":\"$s\",\"quantity\":$q,\"price\":10,\"subtotal\":\"$((q * 10)).00\",\"total\":\"$((q * 10)).00\",\"total_tax\":\"0.00\",\"product_id\":1,\"variation_id\":0}"
	done
	jq -n --arg m "$2" --argjson l "[$lines]" '[{id: 6001, number: "1001", order_key: "wc_1001", status: "processing", currency: "USD",
		date_created_gmt: "2026-11-25T10:00:00", date_modified_gmt: $m, date_paid_gmt: "2026-11-25T10:00:05",
		billing: {first_name: "Zoe", last_name: "Park", email: "zoe@example.com", address_1: "1 Main St", city: "New York", state: "NY", postcode: "10001", country: "US"},
		shipping: {first_name: "Zoe", last_name: "Park", address_1: "1 Main St", city: "New York", state: "NY", postcode: "10001", country: "US"},
		payment_method: "stripe", shipping_total: "0.00", discount_total: "0.00", total_tax: "0.00",
		total: (($l | map(.quantity * 10) | add) | tostring + ".00"), line_items: $l, shipping_lines: []}]' > "$1"
}

setup_stock() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":5,"key":"r2"}
{"type":"movement","kind":"receive","sku":"C","location":"EWR1","qty":5,"key":"r3"}
EOF
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

lines_db() {
	sqlite3 "$OMS_DB" "SELECT line_no, line_id, sku, qty, allocated, shipped, cancelled FROM order_lines ORDER BY line_no"
}

allocs() {
	sqlite3 "$OMS_DB" "SELECT id, line_no, sku, location, qty, state FROM allocations ORDER BY id"
}

# Day 1: the order comes in and is routed, the routed file kept for the
# afternoon's shipping run.
day1() {
	setup_stock
	woo d1.json 2026-11-25T10:00:00 "$1"
	export OMS_NOW=2026-11-25T12:00:00Z
	oms-import -q d1.json >/dev/null
	oms-route --pending > routed.jsonl
	assert_equal "$(jq -r .status routed.jsonl)" allocated
}

@test "3 A routed, then the channel changes the order to 2 B: A released, the old routed file refused, no label; routed again, 2 B ship" {
	day1 "11:A:3"
	# Day 2 morning: the customer swapped the goods on the shop.
	woo d2.json 2026-11-26T09:00:00 "12:B:2"
	export OMS_NOW=2026-11-26T10:00:00Z
	run --separate-stderr oms-import -v d2.json
	assert_success
	assert_equal "$stderr" "oms-import: d2.json: read as woocommerce (channel woocommerce)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, [.lines[] | [.line_id, .sku, .qty]]]' <<<"$output")" '["o_1","open",[["12","B",2]]]'
	assert_equal "$(lines_db)" "1|12|B|2|0|0|0"
	assert_equal "$(allocs)" "1|-1|A|EWR1|3|released"
	assert_equal "$(levels)" "A|EWR1|5|0
B|EWR1|5|0
C|EWR1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason, ref FROM movements WHERE kind IN ('reserve', 'release') ORDER BY id")" "reserve|A|3||o_1
release|A|-3|order changed|o_1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action = 'lines_changed'")" 'lines_changed|{"status":"allocated"}|{"status":"open"}'
	run --separate-stderr oms check
	assert_success
	# The afternoon's run ships yesterday's routed file: refused, nothing
	# bought, nothing taken.
	export OMS_NOW=2026-11-26T15:00:00Z
	run --separate-stderr oms-ship --carrier offline --labels labels routed.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: routed.jsonl:1: order o_1 (woocommerce 1001) is open: route it first"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" 0
	[ -z "$(ls -A labels 2>/dev/null)" ]
	assert_equal "$(levels)" "A|EWR1|5|0
B|EWR1|5|0
C|EWR1|5|0"
	# The cron pipeline: routing takes it again and the new goods ship.
	run --separate-stderr bash -c 'oms-route --pending | oms-ship --carrier offline --labels labels'
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .order, .location, [.lines[] | [.line_id, .sku, .qty]]]' <<<"$output")" '["s_1","o_1","EWR1",[["12","B",2]]]'
	assert_equal "$(lines_db)" "1|12|B|2|2|2|0"
	assert_equal "$(allocs)" "1|-1|A|EWR1|3|released
2|1|B|EWR1|2|shipped"
	assert_equal "$(levels)" "A|EWR1|5|0
B|EWR1|3|0
C|EWR1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" shipped
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "a quantity below what is allocated releases that line's allocation; the order goes partial, routing tops it up, one parcel ships" {
	day1 "31:A:3 32:C:1"
	woo d2.json 2026-11-26T09:00:00 "31:A:2 32:C:1"
	export OMS_NOW=2026-11-26T10:00:00Z
	run --separate-stderr oms-import d2.json
	assert_success
	assert_equal "$(jq -c '[.id, .status, [.lines[] | [.line_id, .sku, .qty]]]' <<<"$output")" '["o_1","partial",[["31","A",2],["32","C",1]]]'
	assert_equal "$(lines_db)" "1|31|A|2|0|0|0
2|32|C|1|1|0|0"
	assert_equal "$(allocs)" "1|1|A|EWR1|3|released
2|2|C|EWR1|1|active"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason FROM movements WHERE kind = 'release'")" "release|A|-3|order changed"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action = 'lines_changed'")" 'lines_changed|{"status":"allocated"}|{"status":"partial"}'
	assert_equal "$(levels)" "A|EWR1|5|0
B|EWR1|5|0
C|EWR1|5|1"
	export OMS_NOW=2026-11-26T15:00:00Z
	run --separate-stderr oms-route --pending
	assert_success
	assert_equal "$(jq -c '[.order, .status, [.lines[] | [.line_no, .sku, .qty, .allocated]]]' <<<"$output")" '["o_1","allocated",[[1,"A",2,2],[2,"C",1,1]]]'
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.id, .location, ([.lines[] | [.line_id, .sku, .qty]] | sort)]' <<<"$output")" '["s_1","EWR1",[["31","A",2],["32","C",1]]]'
	assert_equal "$(levels)" "A|EWR1|3|0
B|EWR1|5|0
C|EWR1|4|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" shipped
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "lines reordered by the channel keep their allocations, which follow them; even the old routed file ships the right goods" {
	day1 "21:A:1 22:B:2"
	assert_equal "$(allocs)" "1|1|A|EWR1|1|active
2|2|B|EWR1|2|active"
	woo d2.json 2026-11-26T09:00:00 "22:B:2 21:A:1"
	export OMS_NOW=2026-11-26T10:00:00Z
	run --separate-stderr oms-import -v d2.json
	assert_success
	assert_equal "$stderr" "oms-import: d2.json: read as woocommerce (channel woocommerce)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, [.lines[] | [.line_id, .sku, .qty]]]' <<<"$output")" '["o_1","allocated",[["22","B",2],["21","A",1]]]'
	assert_equal "$(lines_db)" "1|22|B|2|2|0|0
2|21|A|1|1|0|0"
	assert_equal "$(allocs)" "1|2|A|EWR1|1|active
2|1|B|EWR1|2|active"
	# Nothing released, nothing to route.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements WHERE kind = 'release'; SELECT count(*) FROM events WHERE action = 'lines_changed'")" "0
0"
	run --separate-stderr oms-route --pending
	assert_success
	assert_output ""
	export OMS_NOW=2026-11-26T15:00:00Z
	run --separate-stderr oms-ship --carrier offline --labels labels routed.jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, [.lines[] | [.line_no, .line_id, .sku, .qty]]]' <<<"$output")" '["s_1",[[2,"21","A",1],[1,"22","B",2]]]'
	assert_equal "$(lines_db)" "1|22|B|2|2|2|0
2|21|A|1|1|1|0"
	assert_equal "$(levels)" "A|EWR1|4|0
B|EWR1|3|0
C|EWR1|5|0"
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "a change to a line already shipped holds the order with the conflict; nothing more ships" {
	day1 "11:A:3"
	export OMS_NOW=2026-11-25T15:00:00Z
	oms-ship --carrier offline --labels labels routed.jsonl > ship.jsonl
	assert_equal "$(jq -c '[.id, .status]' ship.jsonl)" '["s_1","shipped"]'
	# The shipped allocation stays shipped whatever line it is put on.
	parcel() {
		levels
		sqlite3 "$OMS_DB" "SELECT id, sku, location, qty, state FROM allocations ORDER BY id"
	}
	before=$(parcel)
	# Too late: the shop swaps the goods after the label.
	woo d2.json 2026-11-26T09:00:00 "12:B:2"
	export OMS_NOW=2026-11-26T10:00:00Z
	run --separate-stderr oms-import -v d2.json
	assert_success
	assert_equal "$stderr" "oms-import: d2.json: read as woocommerce (channel woocommerce)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 1 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","hold",["line 1 (A): 3 shipped, but the order no longer has it"]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders")" 'hold|change|["line 1 (A): 3 shipped, but the order no longer has it"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action = 'held'")" 'held|{"status":"shipped"}|{"status":"hold","hold_reasons":["line 1 (A): 3 shipped, but the order no longer has it"]}'
	assert_equal "$(parcel)" "$before"
	# Cron goes on: neither routing nor shipping touches a held order.
	export OMS_NOW=2026-11-26T15:00:00Z
	run --separate-stderr bash -c 'oms-route --pending | oms-ship --carrier offline --labels labels; oms-ship --carrier offline --labels labels --pending'
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments; SELECT status FROM orders")" "1
hold"
	assert_equal "$(parcel)" "$before"
	run --separate-stderr oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .reasons, .by]' <<<"$output")" '["held","o_1",["line 1 (A): 3 shipped, but the order no longer has it"],"change"]'
	run oms-stock verify
	assert_success
}

@test "oms check finds an allocation that matches no line, and oms-ship refuses an order whose allocation no longer matches its line" {
	day1 "21:A:1 22:B:2"
	run --separate-stderr oms check
	assert_success
	# An allocation for a line the order does not have.
	sqlite3 "$OMS_DB" "INSERT INTO allocations (order_id, line_no, sku, location, qty, state, rule, rules_version, created_at) VALUES (1, 7, 'C', 'EWR1', 1, 'active', 'default', 0, '2026-11-25T12:00:00Z')"
	run --separate-stderr oms check
	assert_failure 1
	assert_line --index 0 "allocation-lines: order o_1: allocation a3 (1 C at EWR1, active) matches no line of the order"
	# One that names another sku than its line's, the first taken out.
	sqlite3 "$OMS_DB" "DELETE FROM allocations WHERE line_no = 7"
	run --separate-stderr oms check
	assert_success
	sqlite3 "$OMS_DB" "UPDATE allocations SET sku = 'C' WHERE line_no = 1"
	run --separate-stderr oms check
	assert_failure 1
	assert_line --index 0 "allocation-lines: order o_1: allocation a1 (1 C at EWR1, active) matches no line of the order"
	# Shipping it would send C for A: refused inside the transaction.
	before=$(levels)
	export OMS_NOW=2026-11-25T15:00:00Z
	run --separate-stderr oms-ship --carrier offline --labels labels routed.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: routed.jsonl:1: order o_1 (woocommerce 1001) at EWR1: changed since it was routed: line 1 is SKU A x 1, allocated SKU C: route it again (oms-route)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments; SELECT json_extract(refusal, '\$.reason') FROM orders")" "0
order o_1 (woocommerce 1001) at EWR1: changed since it was routed: line 1 is SKU A x 1, allocated SKU C: route it again (oms-route)"
	[ -z "$(ls -A labels 2>/dev/null)" ]
	assert_equal "$(levels)" "$before"
}
