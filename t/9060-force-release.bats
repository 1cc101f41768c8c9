#!/usr/bin/env bats
# Issue 10, scenario 6: a force-released order was marked shipped though
# a line with no SKU never shipped.  Now the operator says what becomes
# of such a line (--lines cancel or --lines keep), and the order is never
# shipped while a kept line has not.

load helper

# Shopify's own confirmation needs ids a CSV export has not got (line
# item ids): these orders are confirmed by name, as an app takes them.
export OMS_PATH="$FIX/confirm:$OMS_PATH"

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z	# a Thursday: 10:00 in Newark

setup_ship() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
EOF
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

lines_of() {	# line_no|sku|qty|allocated|shipped|cancelled
	sqlite3 "$OMS_DB" "SELECT line_no, ifnull(sku, '-'), qty, allocated, shipped, cancelled FROM order_lines ORDER BY line_no"
}

# A Shopify export: two tees and a "Mystery Box" with no SKU, which the
# shop fills by hand.  FINANCIAL_STATUS is $1.
export_csv() {
	head -1 "$FIX/shopify-small.csv"
	cat <<EOF
#1001,ada@example.com,$1,2026-11-26 09:00:00 -0500,unfulfilled,,no,USD,45.00,5.00,0.00,50.00,,0.00,Standard,2026-11-26 09:00:00 -0500,2,Tee,10.00,,A,true,true,pending,Ada Lovelace,1 Main St,1 Main St,,,New York,10001,NY,US,,Ada Lovelace,1 Main St,1 Main St,,,New York,10001,NY,US,,,,
#1001,ada@example.com,,,,,,,,,,,,,,2026-11-26 09:00:00 -0500,1,Mystery Box,25.00,,,true,true,pending,,,,,,,,,,,,,,,,,,,,,,,
EOF
}

# Imported: held for the line with no SKU.
import_held() {
	export_csv paid > day1.csv
	run --separate-stderr oms-import day1.csv
	assert_success
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","hold",["line 2 (Mystery Box): no sku"]]'
}

@test "release of an order held for a line with no sku: refused, forced or not, until --lines says what becomes of it" {
	setup_ship
	import_held
	before=$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders; SELECT count(*) FROM events")
	assert_equal "$before" 'hold|problems|["line 2 (Mystery Box): no sku"]
1'
	run --separate-stderr oms-import release o_1
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: o_1: line 2 (Mystery Box): no sku (--force releases it anyway)"
	run --separate-stderr oms-import release --force o_1
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: order o_1 line 2 (Mystery Box) cannot ship as it is (no sku): say --lines cancel or --lines keep"
	run --separate-stderr oms-import release --lines keep o_1
	assert_failure 2
	assert_equal "$stderr" "oms-import: --lines goes with --force"
	run --separate-stderr oms-import release --force --lines maybe o_1
	assert_failure 2
	assert_equal "$stderr" "oms-import: --lines 'maybe': say cancel or keep"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders; SELECT count(*) FROM events")" "$before"
	# Routing does not take it meanwhile.
	run oms-route --pending
	assert_success
	assert_output ""
}

@test "--lines keep: the tees route and ship, the order is partly_shipped, never shipped nor delivered, and oms status says why" {
	setup_ship
	import_held
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import release --force --lines keep o_1
	assert_success
	assert_equal "$stderr" "oms-import: released o_1"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","open"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind IS NULL, hold_reasons IS NULL FROM orders; SELECT action, before, after FROM events WHERE action = 'released'")" 'open|1|1
released|{"status":"hold","hold_reasons":["line 2 (Mystery Box): no sku"]}|{"status":"open","forced":true,"kept_lines":[2]}'
	OMS_NOW=2026-11-26T16:00:00Z oms-route --pending > alloc.jsonl
	assert_equal "$(jq -c '[.status, [.lines[] | [.line_no, .sku, .allocated]]]' alloc.jsonl)" '["allocated",[[1,"A",2]]]'
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, [.lines[] | [.line_no, .sku, .qty]]]' <<<"$output")" '["s_1",[[1,"A",2]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT action, json_extract(after, '$.status') FROM events WHERE action = 'shipped'")" "partly_shipped
shipped|partly_shipped"
	assert_equal "$(lines_of)" "1|A|2|2|2|0
2|-|1|0|0|0"
	assert_equal "$(levels)" "A|EWR1|3|0"
	# Nothing more to ship, and no one is fooled.
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_output ""
	OMS_NOW=2026-11-27T17:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_output '{"type":"attention","kind":"unshippable","order":"o_1","channel":"shopify","external_id":"#1001","status":"partly_shipped","since":"2026-11-26T17:00:00Z","hours":24,"reason":"line 2 (Mystery Box): no sku"}'
	run oms check
	assert_success
	# The same export again changes nothing.
	OMS_NOW=2026-11-27T17:00:00Z run --separate-stderr oms-import day1.csv
	assert_success
	assert_output ""
	# The tees arrive; the order is not delivered: the box never left.
	OMS_NOW=2026-12-10T00:00:00Z run oms-ship track
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_1","delivered"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT count(*) FROM events WHERE action IN ('shipped', 'delivered') AND json_extract(after, '$.status') IN ('shipped', 'delivered')")" "partly_shipped
0"
	OMS_NOW=2026-12-10T00:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .status]' <<<"$output")" '["unshippable","o_1","partly_shipped"]'
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "--lines cancel: the box is cancelled, the tees ship, the order is shipped then delivered; nothing left for a person" {
	setup_ship
	import_held
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import release --force --lines cancel o_1
	assert_success
	assert_equal "$stderr" "oms-import: released o_1"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","open"]'
	assert_equal "$(lines_of)" "1|A|2|0|0|0
2|-|1|0|0|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action = 'released'")" 'released|{"status":"hold","hold_reasons":["line 2 (Mystery Box): no sku"]}|{"status":"open","forced":true,"cancelled_lines":[2]}'
	OMS_NOW=2026-11-26T16:00:00Z oms-route --pending > alloc.jsonl
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$(jq -c '[.id, [.lines[] | [.line_no, .sku, .qty]]]' <<<"$output")" '["s_1",[[1,"A",2]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "shipped"
	assert_equal "$(lines_of)" "1|A|2|2|2|0
2|-|1|0|0|1"
	OMS_NOW=2026-11-27T17:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	run oms check
	assert_success
	# Confirmed to Shopify: the tees only.
	run oms-ship confirm --feed shopify --format shopify-by-name
	assert_equal "$(jq -c '[.order, .fulfillment.line_items[].quantity]' <<<"$output")" '["#1001",2]'
	OMS_NOW=2026-12-10T00:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT action, before, json_extract(after, '$.status') FROM events WHERE action = 'delivered'")" 'delivered
delivered|{"status":"shipped"}|delivered'
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "--lines cancel: the next export, with the payment changed, does not hold the order again for the cancelled line" {
	setup_ship
	import_held
	OMS_NOW=2026-11-26T16:00:00Z oms-import release -q --force --lines cancel o_1 >/dev/null
	export_csv partially_refunded > day2.csv
	OMS_NOW=2026-11-27T09:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","open",null]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_reasons IS NULL FROM orders")" "open|1"
	assert_equal "$(lines_of)" "1|A|2|0|0|0
2|-|1|0|0|1"
	OMS_NOW=2026-11-27T09:00:00Z run oms-route --pending
	assert_equal "$(jq -c '[.order, .status]' <<<"$output")" '["o_1","allocated"]'
	run oms check
	assert_success
}
