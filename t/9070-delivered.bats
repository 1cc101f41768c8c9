#!/usr/bin/env bats
# Issue 10, scenario 7: an order becomes delivered when all its parcels
# are, with one event; a parcel sent back or lost puts it on hold, by
# the carrier, in the carrier's words, until a person releases it.  The
# days go by with OMS_NOW, as the tracking cron job sees them.

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

# The offline carrier, but with each parcel's fate chosen by the test:
# a file $FATES/TRACKING says failure, returned or lost (the offline
# adapter plays the first two itself; a lost parcel is its script cut
# short at the out-for-delivery scan).  Named "fated" on the shipments.
fated_carrier() {
	mkdir -p bin fates
	export FATES=$PWD/fates PATH="$PWD/bin:$PATH"
	cat > bin/oms-carrier-fated <<'EOF'
#!/bin/sh
req=$(cat)
[ "$1" = track ] || { printf '%s' "$req" | exec oms-carrier-offline "$1"; }
n=$(printf '%s' "$req" | jq -r .tracking_number)
fate=$(cat "$FATES/$n" 2>/dev/null || echo delivered)
case $fate in
lost)	printf '%s' "$req" | oms-carrier-offline track | jq -c '
		.events |= (map(select(.status == "pre_transit" or .status == "in_transit")) +
		    [.[] | select(.status == "out_for_delivery") | {at, status: "lost", description: "Missing, the carrier cannot find it"}]) |
		.status = (.events | last | .status // "pre_transit")' ;;
*)	printf '%s' "$req" | jq -c --arg f "$fate" '.scenario = $f' | oms-carrier-offline track ;;
esac
EOF
	chmod +x bin/oms-carrier-fated
}

# order EXT NAME LINES: lines "line_id:sku:qty ..."
order() {
	local lines= l i s q
	for l in $3; do
		IFS=: read -r i s q <<<"$l"
		lines="$lines${lines:+,}{\"line_id\":\"$i\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\"}"
	done
	jq -nc --arg e "$1" --arg n "$2" --argjson l "[$lines]" '{type:"order",external_id:$e,currency:"USD",customer:{email:"zoe@example.com"},ship_to:{name:$n,address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"},lines:$l}' |
	    oms-import --channel oms >/dev/null
}

SHOPIFY_HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at'

# shopify FILE FULFILLMENT NOTE: Shopify's export of order #1030, a tee
# (A, from EWR1) and boots (B, from ORD1), as it stands on the day the
# file was made: its fulfillment status and the customer's note.
shopify() {
	{
		echo "$SHOPIFY_HEAD"
		echo "#1030,zoe@example.com,paid,2026-11-26 09:00:00 -0500,$2,,no,USD,20.00,0.00,0.00,20.00,,0.00,Standard,2026-11-26 09:00:00 -0500,1,Tee,10.00,,A,true,true,pending,Zoe Roe,1 Main St,1 Main St,,,New York,10001,NY,US,,Zoe Roe,1 Main St,1 Main St,,,New York,10001,NY,US,,$3,,"
		echo "#1030,zoe@example.com,,,,,,,,,,,,,,2026-11-26 09:00:00 -0500,1,Boots,10.00,,B,true,true,pending,,,,,,,,,,,,,,,,,,,,,,,"
	} > "$1"
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

@test "two parcels from two places: shipped while one is on its way, delivered with one event when both are" {
	setup_ship
	order 1001 "Ann" "L1:A:1 L2:B:1"
	oms-route --pending | oms-ship --carrier offline --labels labels > ship.jsonl
	# EWR1 is two days from New York, ORD1 four.
	assert_equal "$(jq -c '[.id, .location, .transit_days]' ship.jsonl)" '["s_1","EWR1",2]
["s_2","ORD1",4]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "shipped"
	# Friday: both in the carrier's hands.
	OMS_NOW=2026-11-27T12:00:00Z run --separate-stderr oms-ship track
	assert_success
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_1","in_transit"]
["s_2","in_transit"]'
	# Sunday: the first is delivered, the order is still on its way.
	OMS_NOW=2026-11-29T00:00:00Z run --separate-stderr oms-ship track
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_1","delivered"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, coalesce(delivered_at, '') FROM shipments ORDER BY id; SELECT status FROM orders; SELECT count(*) FROM events WHERE action = 'delivered'")" "1|delivered|2026-11-28T14:00:00Z
2|in_transit|
shipped
0"
	# Monday afternoon: the second arrives, and so has the order.
	OMS_NOW=2026-11-30T15:00:00Z run --separate-stderr oms-ship track
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_2","delivered"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, delivered_at FROM shipments ORDER BY id; SELECT status, status_at FROM orders")" "1|delivered|2026-11-28T14:00:00Z
2|delivered|2026-11-30T14:00:00Z
delivered|2026-11-30T15:00:00Z"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT at, program, action, before, after FROM events WHERE id > (SELECT max(id) FROM events WHERE action = 'shipped') ORDER BY id")" '2026-11-30T15:00:00Z|oms-ship|delivered|{"status":"shipped"}|{"status":"delivered","shipment":"s_2"}'
	# Later runs: nothing new, no second event.
	OMS_NOW=2026-12-05T00:00:00Z run --separate-stderr oms-ship track
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events WHERE action = 'delivered'; SELECT status FROM orders")" "1
delivered"
	# The customer hears of each parcel.
	OMS_NOW=2026-12-05T00:00:00Z run oms-ship notify
	assert_equal "$(jq -c '[.shipment, .event]' <<<"$output")" '["s_1","shipped"]
["s_1","delivered"]
["s_2","shipped"]
["s_2","delivered"]'
	assert_equal "$(levels)" "A|EWR1|4|0
B|ORD1|4|0"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
	OMS_NOW=2026-12-05T00:00:00Z run oms status
	assert_success
	assert_output ""
}

@test "not delivered while units wait to ship; a voided parcel does not count" {
	setup_ship
	order 1001 "Ann" "L1:A:1 L2:C:1"
	# No C anywhere: A goes, C waits.
	run oms-route --pending
	assert_equal "$(jq -c '[.order, .status]' <<<"$output")" '["o_1","partial"]'
	oms-ship --carrier offline --labels labels --pending >/dev/null
	export OMS_NOW=2026-11-30T00:00:00Z
	run oms-ship track
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_1","delivered"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "partly_shipped"
	# C comes in; routed and shipped, then its label voided and bought again.
	oms-stock <<<'{"type":"movement","kind":"receive","sku":"C","location":"ORD1","qty":5,"key":"r-c"}' >/dev/null
	oms-route --pending >/dev/null
	oms-ship --carrier offline --labels labels --pending >/dev/null
	oms-ship void s_2 >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "partly_shipped"
	run oms-ship --carrier offline --labels labels --pending
	assert_equal "$(jq -c '[.id, .location]' <<<"$output")" '["s_3","ORD1"]'
	export OMS_NOW=2026-12-10T00:00:00Z
	run oms-ship track
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_3","delivered"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM shipments ORDER BY id; SELECT status FROM orders; SELECT at, action, before, after FROM events WHERE action IN ('voided', 'delivered') ORDER BY id")" '1|delivered
2|voided
3|delivered
delivered
2026-11-30T00:00:00Z|voided|{"status":"shipped"}|{"status":"partly_shipped","shipment":"s_2"}
2026-12-10T00:00:00Z|delivered|{"status":"shipped"}|{"status":"delivered","shipment":"s_3"}'
	run oms check
	assert_success
	run oms status
	assert_success
	assert_output ""
}

@test "a parcel sent back holds the order, by the carrier, in its words; the next Shopify export does not lift it, a release does" {
	setup_ship
	fated_carrier
	shopify day1.csv unfulfilled ""
	oms-import day1.csv >/dev/null
	oms-route --pending | oms-ship --carrier fated --labels labels > ship.jsonl
	assert_equal "$(jq -c '[.id, .location, .carrier]' ship.jsonl)" '["s_1","EWR1","fated"]
["s_2","ORD1","fated"]'
	echo returned > "fates/$(jq -r 'select(.id == "s_2") | .tracking' ship.jsonl)"
	oms-ship confirm --feed shopify --format shopify-by-name >/dev/null
	# Sunday s_1 is delivered; Tuesday s_2's delivery fails (no hold:
	# the carrier tries again); Thursday it is back at the sender.
	OMS_NOW=2026-11-29T00:00:00Z oms-ship track >/dev/null
	OMS_NOW=2026-12-01T00:00:00Z run --separate-stderr oms-ship track
	assert_success
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_2","failure"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "shipped"
	export OMS_NOW=2026-12-03T00:00:00Z
	run --separate-stderr oms-ship track
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.shipment, .status, .events[-1].description]' <<<"$output")" '["s_2","returned","Returned to the sender"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM shipments ORDER BY id; SELECT status, hold_kind, hold_reasons, status_at FROM orders")" '1|delivered
2|returned
hold|carrier|["s_2 was sent back: fated says Returned to the sender"]|2026-12-03T00:00:00Z'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT at, program, action, before, after FROM events WHERE action IN ('held', 'delivered')")" '2026-12-03T00:00:00Z|oms-ship|held|{"status":"shipped"}|{"status":"hold","hold_reasons":["s_2 was sent back: fated says Returned to the sender"]}'
	OMS_NOW=2026-12-03T06:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_equal "$stderr" ""
	assert_output '{"type":"attention","kind":"held","order":"o_1","channel":"shopify","external_id":"#1030","status":"hold","since":"2026-12-03T00:00:00Z","hours":6,"reasons":["s_2 was sent back: fated says Returned to the sender"],"by":"carrier"}'
	# The morning's export: fulfilled on Shopify, and a note.  The
	# order changes, the carrier's hold stays.
	shopify day3.csv fulfilled "Leave at the door"
	OMS_NOW=2026-12-03T08:00:00Z run --separate-stderr oms-import -v day3.csv
	assert_success
	assert_equal "$(jq -c '[.id, .status, .note]' <<<"$output")" '["o_1","hold","Leave at the door"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons, channel_status, record ->> '\$.note' FROM orders")" 'hold|carrier|["s_2 was sent back: fated says Returned to the sender"]|fulfilled|Leave at the door'
	OMS_NOW=2026-12-03T09:00:00Z run oms-route --pending
	assert_output ""
	run oms-ship --carrier fated --labels labels --pending
	assert_success
	assert_output ""
	OMS_NOW=2026-12-03T09:00:00Z run oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .by]' <<<"$output")" '["held","o_1","carrier"]'
	# A person looked into it: released, the order is shipped again
	# (one parcel home, one back: not delivered), and later tracking
	# runs do not hold it again.
	export OMS_NOW=2026-12-03T10:00:00Z
	run --separate-stderr oms-import release o_1
	assert_success
	assert_equal "$stderr" "oms-import: released o_1"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","shipped"]'
	OMS_NOW=2026-12-06T00:00:00Z run oms-ship track
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, coalesce(hold_kind, ''), coalesce(hold_reasons, '') FROM orders; SELECT action, before, after FROM events WHERE id = (SELECT max(id) FROM events)")" 'shipped||
released|{"status":"hold","hold_reasons":["s_2 was sent back: fated says Returned to the sender"]}|{"status":"shipped"}'
	run oms status
	assert_success
	assert_output ""
	assert_equal "$(levels)" "A|EWR1|4|0
B|ORD1|4|0"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "a lost parcel holds the order; the other parcel's delivery does not make it delivered" {
	setup_ship
	fated_carrier
	order 1001 "Ann" "L1:A:1 L2:B:1"
	oms-route --pending | oms-ship --carrier fated --labels labels > ship.jsonl
	echo lost > "fates/$(jq -r 'select(.id == "s_1") | .tracking' ship.jsonl)"
	# Saturday morning s_1 goes missing on its delivery run.
	export OMS_NOW=2026-11-28T09:00:00Z
	run --separate-stderr oms-ship track
	assert_success
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_1","lost"]
["s_2","in_transit"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders")" 'hold|carrier|["s_1 is lost: fated says Missing, the carrier cannot find it"]'
	# Monday s_2 arrives: still on hold, no delivered event.
	export OMS_NOW=2026-12-01T00:00:00Z
	run oms-ship track
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_2","delivered"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM shipments ORDER BY id; SELECT status, hold_kind FROM orders; SELECT group_concat(action, ' ') FROM (SELECT action FROM events ORDER BY id)")" "1|lost
2|delivered
hold|carrier
created allocated shipped shipped held"
	run oms status
	assert_failure 1
	assert_output '{"type":"attention","kind":"held","order":"o_1","channel":"oms","external_id":"1001","status":"hold","since":"2026-11-28T09:00:00Z","hours":63,"reasons":["s_1 is lost: fated says Missing, the carrier cannot find it"],"by":"carrier"}'
	# Replaced by hand or refunded, a person releases it: shipped.
	run oms-import release -q o_1
	assert_success
	OMS_NOW=2026-12-02T00:00:00Z run oms-ship track
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "shipped"
	run oms status
	assert_success
	assert_output ""
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}
