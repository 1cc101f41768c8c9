#!/usr/bin/env bats
# Issue 10, scenario 1: an order cancelled on its channel does not ship,
# wherever it was in its life.  Each test is the cron job's day: the
# export imported, routed, shipped; the next export says cancelled;
# yesterday's routed file shipped again; tracking.

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
{"type":"movement","kind":"receive","sku":"B","location":"ORD1","qty":5,"key":"r2"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
EOF
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

# The header of a real Shopify orders export.
HEADER=$(head -1 "$FIX/shopify-small.csv")

# shopify NAME FINANCIAL_STATUS CANCELLED_AT LINES: the rows of one order
# of a Shopify export; LINES is "sku:qty:title ..." at 10.00 a unit, the
# totals worked out so that nothing holds the order.
shopify() {
	local n=0 l s k t first=1 addr='Ada Lovelace,1 Main St,1 Main St,,,New York,10001,NY,US,'
	for l in $4; do IFS=: read -r s k t <<<"$l"; n=$((n + k * 10)); done
	for l in $4; do
		IFS=: read -r s k t <<<"$l"
		if [ $first = 1 ]; then
			echo "$1,ada@example.com,$2,2026-11-26 09:00:00 -0500,unfulfilled,,no,USD,$n.00,5.00,0.00,$((n + 5)).00,,0.00,Standard,2026-11-26 09:00:00 -0500,$k,$t,10.00,,$s,true,true,pending,$addr,$addr,,,$3"
			first=0
		else
			echo "$1,ada@example.com,,,,,,,,,,,,,,2026-11-26 09:00:00 -0500,$k,$t,10.00,,$s,true,true,pending,,,,,,,,,,,,,,,,,,,,,,,"
		fi
	done
}

# day1 NAME LINES / cancelled NAME WHEN LINES: an export with that order,
# open and paid, or cancelled and refunded at WHEN (Shopify's local time).
day1() { echo "$HEADER"; shopify "$1" paid '' "$2"; }
cancelled() { echo "$HEADER"; shopify "$1" refunded "$2" "$3"; }

@test "shopify: an allocated order cancelled on the channel is released through the ledger; yesterday's routed file buys no label" {
	setup_ship
	day1 '#1001' "A:2:Tee" > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending > alloc.jsonl
	assert_equal "$(jq -c '[.order, .status]' alloc.jsonl)" '["o_1","allocated"]'
	assert_equal "$(levels)" "A|EWR1|5|2
B|ORD1|5|0"
	# The next morning's export: cancelled at 08:00 in New York, refunded.
	cancelled '#1001' '2026-11-27 08:00:00 -0500' "A:2:Tee" > day2.csv
	OMS_NOW=2026-11-27T14:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status, .cancelled_at, .payment.status]' <<<"$output")" '["o_1","cancelled","2026-11-27T13:00:00Z","refunded"]'
	# One transaction: status, lines, allocation and the ledger together.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind IS NULL FROM orders; SELECT qty, allocated, shipped, cancelled FROM order_lines; SELECT state, ended_at FROM allocations")" "cancelled|1
2|0|0|2
released|2026-11-27T14:00:00Z"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, sku, location, qty, reason, ref FROM movements WHERE kind IN ('reserve', 'release') ORDER BY id")" "oms-route|reserve|A|EWR1|2||o_1
oms-import|release|A|EWR1|-2|cancelled|o_1"
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT source, reason, state, ended_at FROM cancel_requests")" "channel|cancelled on shopify|done|2026-11-27T14:00:00Z"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, action, before, after FROM events WHERE action IN ('cancelled', 'allocated') ORDER BY id")" 'oms-route|allocated|{"status":"open"}|{"status":"allocated","rule":"default","rules_version":0,"locations":["EWR1"]}
oms-import|cancelled|{"status":"allocated"}|{"status":"cancelled","reason":"cancelled on shopify","by":"channel"}'
	# The shipping job runs yesterday's routed file: refused, no label.
	OMS_NOW=2026-11-27T15:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (shopify #1001) is cancelled: it does not ship"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments; SELECT status FROM orders")" "0
cancelled"
	run find labels -type f
	assert_output ""
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	# --pending finds nothing of it either, and routing leaves it alone.
	OMS_NOW=2026-11-27T15:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_output ""
	OMS_NOW=2026-11-27T15:00:00Z run --separate-stderr oms-route --pending
	assert_success
	assert_output ""
	# The same export again changes nothing and says nothing.
	OMS_NOW=2026-11-28T14:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM cancel_requests; SELECT count(*) FROM movements WHERE kind = 'release'")" "1
1"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "shopify: a label bought but not scanned is voided through the carrier, stock back then released; confirm, notify, manifest and track skip it" {
	setup_ship
	day1 '#1001' "A:2:Tee" > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending > alloc.jsonl
	oms-ship --carrier offline --labels labels alloc.jsonl > ship.jsonl
	t=$(jq -r .tracking ship.jsonl)
	assert_equal "$(jq -c '[.id, .status]' ship.jsonl)" '["s_1","shipped"]'
	# Cancelled at noon in New York, before the carrier's pick-up.
	cancelled '#1001' '2026-11-26 12:00:00 -0500' "A:2:Tee" > day2.csv
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .cancelled_at, .payment.status]' <<<"$output")" '["o_1","2026-11-26T17:00:00Z","refunded"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT qty, allocated, shipped, cancelled FROM order_lines; SELECT state FROM allocations; SELECT id, status, voided_at FROM shipments")" "cancelled
2|0|0|2
released
1|voided|2026-11-26T18:00:00Z"
	# The ledger: shipped, the void puts the units back on hand and
	# reserved, then the cancel releases them.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, qty, reason, ref, key FROM movements WHERE sku = 'A' AND kind <> 'receive' ORDER BY id")" "oms-route|reserve|2||o_1|route:a1
oms-ship|release|-2||s_1|ship:release:s1:a1
oms-ship|adjust|-2|shipped|s_1|ship:s1:a1
oms-import|adjust|2|label voided|s_1|void:s1:a1
oms-import|reserve|2||s_1|void:reserve:s1:a1
oms-import|release|-2|cancelled|o_1|route:release:a1"
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action IN ('voided', 'cancelled') ORDER BY id")" 'voided|{"status":"shipped"}|{"status":"allocated","shipment":"s_1"}
cancelled|{"status":"allocated"}|{"status":"cancelled","reason":"cancelled on shopify","by":"channel"}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT state FROM cancel_requests")" "done"
	# Shipping the old file again: refused, no second label.
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (shopify #1001) is cancelled: it does not ship"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "1"
	run ls labels
	assert_output "$t.pdf
$t.zpl"
	# Downstream, the voided parcel is gone: nothing to confirm, to tell
	# the customer, to hand over or to track.
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship notify
	assert_success
	assert_output ""
	run --separate-stderr oms-ship manifest --carrier offline --date 2026-11-26
	assert_success
	assert_output ""
	OMS_NOW=2026-11-28T12:00:00Z run --separate-stderr oms-ship track
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM confirmations; SELECT count(*) FROM tracking_events; SELECT status FROM shipments")" "0
0
voided"
	OMS_NOW=2026-11-28T12:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "shopify: cancelled after the channel was told it shipped: voided, and the confirmation run names the void once for the operator" {
	setup_ship
	{ day1 '#1001' "A:2:Tee"; shopify '#1002' paid '' "A:1:Tee"; } > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending > alloc.jsonl
	oms-ship --carrier offline --labels labels alloc.jsonl > ship.jsonl
	t=$(jq -r 'select(.order == "o_1") | .tracking' ship.jsonl)
	run oms-ship confirm --feed shopify --format shopify-by-name
	assert_equal "${#lines[@]}" 2
	oms-ship notify >/dev/null
	{ cancelled '#1001' '2026-11-26 12:00:00 -0500' "A:2:Tee"; shopify '#1002' paid '' "A:1:Tee"; } > day2.csv
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id; SELECT id, status FROM shipments ORDER BY id")" "1|cancelled
2|shipped
1|voided
2|shipped"
	OMS_NOW=2026-11-26T18:30:00Z run --separate-stderr oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .status, .reason]' <<<"$output")" "[\"void_uncorrected\",\"o_1\",\"cancelled\",\"s_1 (tracking $t) was voided after shopify was told it shipped\"]"
	# Shopify's feed has no correction: said once, exit 1; then quiet.
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: s_1 (order #1001) was voided after shopify was told it shipped with tracking $t: correct it on shopify by hand"
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship notify
	assert_success
	assert_output ""
	run oms-ship manifest --carrier offline --date 2026-11-26
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["s_2","shipped"]'
	OMS_NOW=2026-11-26T19:30:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "shopify: a parcel the carrier has scanned is not cancelled: a warning that a return is the way, the request kept as refused, exit 0" {
	setup_ship
	day1 '#1001' "A:2:Tee" > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending | oms-ship --carrier offline --labels labels >/dev/null
	# The next morning the carrier has it.
	OMS_NOW=2026-11-27T12:00:00Z run oms-ship track
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_1","in_transit"]'
	cancelled '#1001' '2026-11-27 12:00:00 -0500' "A:2:Tee" > day2.csv
	OMS_NOW=2026-11-27T18:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$stderr" "oms-import: day2.csv:2: order o_1 (shopify #1001) has left: s_1 is in_transit; a return is the way"
	assert_equal "$(jq -c '[.id, .status, .cancelled_at]' <<<"$output")" '["o_1","shipped","2026-11-27T17:00:00Z"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT qty, allocated, shipped, cancelled FROM order_lines; SELECT status, voided_at IS NULL FROM shipments")" "shipped
2|2|2|0
in_transit|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT at, program, source, reason, state, note FROM cancel_requests")" "2026-11-27T18:00:00Z|oms-import|channel|cancelled on shopify|refused|order o_1 (shopify #1001) has left: s_1 is in_transit; a return is the way"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE id = (SELECT max(id) FROM events)")" 'cancel_refused|{"status":"shipped"}|{"status":"shipped","reason":"cancelled on shopify","by":"channel","note":"order o_1 (shopify #1001) has left: s_1 is in_transit; a return is the way"}'
	# Nothing moved in the ledger.
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements WHERE program = 'oms-import'")" "0"
	OMS_NOW=2026-11-27T19:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_output '{"type":"attention","kind":"cancel_refused","order":"o_1","channel":"shopify","external_id":"#1001","status":"shipped","since":"2026-11-27T18:00:00Z","hours":1,"reason":"order o_1 (shopify #1001) has left: s_1 is in_transit; a return is the way","by":"channel"}'
	# The channel says cancelled and the order is not, but the request is
	# recorded: consistent.
	run oms check
	assert_success
	# Tomorrow's export says the same: no second request, no second warning.
	OMS_NOW=2026-11-28T18:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM cancel_requests; SELECT count(*) FROM events WHERE action = 'cancel_refused'")" "1
1"
	# The parcel arrives: the order is delivered, the request still there
	# for the return to pick up.
	OMS_NOW=2026-12-05T12:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT state FROM cancel_requests")" "delivered
refused"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "shopify: the carrier failing on the void leaves the cancel pending; nothing more ships meanwhile; the next import run finishes it" {
	setup_ship
	# C is not in stock: the tees ship first, the cap when it comes.
	day1 '#1001' "A:2:Tee C:1:Cap" > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending > alloc.jsonl
	assert_equal "$(jq -c '[.status, [.lines[] | .allocated]]' alloc.jsonl)" '["partial",[2,0]]'
	oms-ship --carrier offline --labels labels alloc.jsonl > ship.jsonl
	OMS_NOW=2026-11-26T16:00:00Z oms-stock <<<'{"type":"movement","kind":"receive","sku":"C","location":"ORD1","qty":5,"key":"r-c"}' >/dev/null
	OMS_NOW=2026-11-26T16:00:00Z oms-route --pending > alloc2.jsonl
	assert_equal "$(jq -c '[.status, [.lines[] | .allocated]]' alloc2.jsonl)" '["partly_shipped",[2,1]]'
	# Cancelled; the carrier is down when the import voids the label.
	cancelled '#1001' '2026-11-26 12:00:00 -0500' "A:2:Tee C:1:Cap" > day2.csv
	# The import says so, and its exit status too: a cron job sees it.
	OMS_OFFLINE_FAULT=fail OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-import day2.csv
	assert_failure 1
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","partly_shipped"]'
	assert_equal "$stderr" "oms-import: day2.csv:2: o_1: the cancel is pending: carrier offline failed on void (exit 3): oms-carrier-offline: failing, as OMS_OFFLINE_FAULT=fail asks"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT id, status, voided_at IS NULL FROM shipments; SELECT state, ended_at IS NULL FROM cancel_requests")" "partly_shipped
1|shipped|1
pending|1"
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0
C|ORD1|5|1"
	# The shipping job: neither --pending nor the routed file ship the cap.
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: order o_1 (shopify #1001) is being cancelled: cannot ship it"
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc2.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: alloc2.jsonl:1: order o_1 (shopify #1001) is being cancelled: cannot ship it"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "1"
	# A person is told, and a cron job can see it in the exit status;
	# the shipping run's refusals are the cancel's, not kept apart.
	OMS_NOW=2026-11-26T20:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .status, .since, .reason]' <<<"$output")" '["cancel_pending","o_1","partly_shipped","2026-11-26T18:00:00Z","carrier offline failed on void (exit 3): oms-carrier-offline: failing, as OMS_OFFLINE_FAULT=fail asks"]'
	run oms check
	assert_success
	# The next morning's import, of an export that has only a new order,
	# finishes the cancel: the label voided, every unit released.
	{ echo "$HEADER"; shopify '#1002' paid '' "A:1:Tee"; } > day3.csv
	OMS_NOW=2026-11-27T09:00:00Z run --separate-stderr oms-import day3.csv
	assert_success
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_2","open"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id; SELECT status, voided_at FROM shipments; SELECT state, ended_at FROM cancel_requests; SELECT line_no, qty, allocated, shipped, cancelled FROM order_lines WHERE order_id = 1")" "1|cancelled
2|open
voided|2026-11-27T09:00:00Z
done|2026-11-27T09:00:00Z
1|2|0|0|2
2|1|0|0|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason, ref FROM movements WHERE program = 'oms-import' ORDER BY id")" "adjust|A|2|label voided|s_1
reserve|A|2||s_1
release|A|-2|cancelled|o_1
release|C|-1|cancelled|o_1"
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0
C|ORD1|5|0"
	# Shipping again: only the new order; nothing to track.
	OMS_NOW=2026-11-27T09:30:00Z oms-route --pending >/dev/null
	OMS_NOW=2026-11-27T09:30:00Z run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.id, .order]' <<<"$output")" '["s_2","o_2"]'
	OMS_NOW=2026-11-28T12:00:00Z run oms-ship track
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_2","in_transit"]'
	OMS_NOW=2026-11-28T12:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "woocommerce: an allocated order whose status turns cancelled is released; the routed file buys no label" {
	setup_ship
	# woo STATUS MODIFIED: the REST API's list of orders, one order.
	woo() {
		jq -n --arg st "$1" --arg mod "$2" '[{id:5120,number:"2001",order_key:"wc_order_1",status:$st,currency:"USD",
		    date_created_gmt:"2026-11-26T13:00:00",date_modified_gmt:$mod,date_paid_gmt:"2026-11-26T13:00:05",
		    discount_total:"0.00",shipping_total:"5.00",total:"25.00",total_tax:"0.00",prices_include_tax:false,customer_note:"",
		    billing:{first_name:"Ava",last_name:"Reyes",address_1:"1 Main St",city:"New York",state:"NY",postcode:"10001",country:"US",email:"ava@example.com"},
		    shipping:{first_name:"Ava",last_name:"Reyes",address_1:"1 Main St",city:"New York",state:"NY",postcode:"10001",country:"US"},
		    payment_method_title:"Card",transaction_id:"ch_1",shipping_lines:[{method_title:"Flat rate",total:"5.00"}],
		    line_items:[{id:3001,name:"Tee",quantity:2,subtotal:"20.00",total:"20.00",total_tax:"0.00",sku:"A",price:10}]}]'
	}
	woo processing 2026-11-26T13:00:05 > w1.json
	run oms-import --channel woocommerce w1.json
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","open"]'
	oms-route --pending > alloc.jsonl
	assert_equal "$(levels | head -1)" "A|EWR1|5|2"
	woo cancelled 2026-11-27T10:00:00 > w2.json
	OMS_NOW=2026-11-27T11:00:00Z run --separate-stderr oms-import --channel woocommerce w2.json
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","cancelled"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT cancelled FROM order_lines; SELECT kind, qty, reason, ref FROM movements WHERE kind = 'release'; SELECT source, reason, state FROM cancel_requests")" "cancelled
2
release|-2|cancelled|o_1
channel|cancelled on woocommerce|done"
	assert_equal "$(levels | head -1)" "A|EWR1|5|0"
	OMS_NOW=2026-11-27T12:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (woocommerce 2001) is cancelled: it does not ship"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "0"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "amazon: a held order whose flat file says Cancelled is cancelled, its hold gone" {
	setup_ship
	# amz UPDATED ORDER_STATUS ITEM_STATUS: an all-orders report, one order.
	amz() {
		printf 'amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\torder-channel\tship-service-level\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-tax\tshipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\tship-promotion-discount\tship-city\tship-state\tship-postal-code\tship-country\tpromotion-ids\tis-business-order\tpurchase-order-number\tprice-designation\n'
		printf '111-0000000-0000001\t\t2026-11-26T13:00:00+00:00\t%s\t%s\tMerchant\tAmazon.com\t\tStandard\tTee\tA\tB000000001\t%s\t2\tUSD\t20.00\t0.00\t0.00\t0.00\t\t\t0.00\t0.00\tNEW YORK\tNY\t10001\tUS\t\tfalse\t\t\n' "$1" "$2" "$3"
	}
	# The report has no street: the order waits, held.
	amz 2026-11-26T13:00:00+00:00 Pending Unshipped > a1.txt
	run oms-import a1.txt
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","hold",["incomplete ship_to address: no address1"]]'
	amz 2026-11-27T10:00:00+00:00 Cancelled Cancelled > a2.txt
	OMS_NOW=2026-11-27T11:00:00Z run --separate-stderr oms-import a2.txt
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","cancelled"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind IS NULL, hold_reasons IS NULL FROM orders; SELECT qty, cancelled FROM order_lines")" "cancelled|1|1
2|2"
	# One event says hold -> cancelled (whatever its action is called).
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT json_extract(before, '$.status'), json_extract(after, '$.status') FROM events WHERE json_extract(after, '$.status') = 'cancelled'")" "hold|cancelled"
	OMS_NOW=2026-11-27T12:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	run oms check
	assert_success
}

@test "shopify: cancelled after its first parcel was scanned: the units not yet gone are cancelled and do not ship" {
	setup_ship
	day1 '#1001' "A:2:Tee C:1:Cap" > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending | oms-ship --carrier offline --labels labels >/dev/null
	OMS_NOW=2026-11-27T12:00:00Z oms-ship track >/dev/null
	# The cap comes in and is routed; then the customer cancels, refunded.
	OMS_NOW=2026-11-27T12:00:00Z oms-stock <<<'{"type":"movement","kind":"receive","sku":"C","location":"ORD1","qty":5,"key":"r-c"}' >/dev/null
	OMS_NOW=2026-11-27T12:00:00Z oms-route --pending > alloc2.jsonl
	assert_equal "$(jq -c '[.status, [.lines[] | .allocated]]' alloc2.jsonl)" '["partly_shipped",[2,1]]'
	cancelled '#1001' '2026-11-27 12:00:00 -0500' "A:2:Tee C:1:Cap" > day2.csv
	OMS_NOW=2026-11-27T18:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$stderr" "oms-import: day2.csv:2: order o_1 (shopify #1001) has left: s_1 is in_transit; a return is the way"
	# The tees are gone (a return brings them back); the cap is not.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT line_no, qty, allocated, shipped, cancelled FROM order_lines ORDER BY 1; SELECT status FROM orders")" "1|2|2|2|0
2|1|0|0|1
shipped"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason FROM movements WHERE program = 'oms-import'")" "release|C|-1|cancelled"
	OMS_NOW=2026-11-27T19:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_output ""
	# Shipped, all that was not cancelled: a rerun has nothing to say.
	OMS_NOW=2026-11-27T19:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc2.jsonl
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "1"
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0
C|ORD1|5|0"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "yesterday's routed file run again after a cancel: the order that shipped from it is not left flagged as refused" {
	setup_ship
	{ day1 '#1001' "A:2:Tee"; shopify '#1002' paid '' "A:1:Tee"; } > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending > alloc.jsonl
	oms-ship --carrier offline --labels labels alloc.jsonl >/dev/null
	{ cancelled '#1001' '2026-11-26 12:00:00 -0500' "A:2:Tee"; shopify '#1002' paid '' "A:1:Tee"; } > day2.csv
	OMS_NOW=2026-11-26T18:00:00Z oms-import day2.csv >/dev/null
	# A cron job that replays the routed file: o_1 refused, rightly;
	# o_2 shipped before, which is no problem and said with -v only.
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (shopify #1001) is cancelled: it does not ship"
	# But nothing needs a person: o_1 is cancelled, o_2 on its way.
	OMS_NOW=2026-11-26T20:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
}
