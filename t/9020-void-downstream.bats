#!/usr/bin/env bats
# Issue 10, scenario 2: a voided parcel is final downstream.  A label
# voided before anyone was told is never confirmed to the channel, never
# announced to the customer and never on a manifest; one voided after
# the channel was told gets a correction where the format has one, else
# it is named to the operator once.  Each life runs as cron would:
# import, route, ship, confirm, notify, track, day after day.

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

SHOPIFY_HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at'

# shopify_rows NAME LINES: one order's rows as Shopify's admin exports
# them, the order's own fields on its first row only; LINES is
# "title:sku:qty ...", each unit at 10.00.
shopify_rows() {
	local first=1 l t s q sub=0
	for l in $2; do
		IFS=: read -r t s q <<<"$l"
		sub=$((sub + q * 10))
	done
	for l in $2; do
		IFS=: read -r t s q <<<"$l"
		if ((first)); then
			echo "$1,zoe@example.com,paid,2026-11-26 09:00:00 -0500,unfulfilled,,no,USD,$sub.00,0.00,0.00,$sub.00,,0.00,Standard,2026-11-26 09:00:00 -0500,$q,$t,10.00,,$s,true,true,pending,Zoe Roe,1 Main St,1 Main St,,,New York,10001,NY,US,,Zoe Roe,1 Main St,1 Main St,,,New York,10001,NY,US,,,,"
		else
			echo "$1,zoe@example.com,,,,,,,,,,,,,,2026-11-26 09:00:00 -0500,$q,$t,10.00,,$s,true,true,pending,,,,,,,,,,,,,,,,,,,,,,,"
		fi
		first=0
	done
}

# Day one of a Shopify store: order #1020 (2 x A) captured, routed to
# EWR1 and its label bought: s_1, tracking in $T1.
shopify_day_one() {
	setup_ship
	{ echo "$SHOPIFY_HEAD"; shopify_rows '#1020' "Tee:A:2"; } > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending | oms-ship --carrier offline --labels labels > ship.jsonl
	T1=$(jq -r .tracking ship.jsonl)
	assert_equal "$(jq -c '[.id, .order, .channel, .external_id, .location, .status]' ship.jsonl)" '["s_1","o_1","shopify","#1020","EWR1","shipped"]'
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

# What a Shopify confirmation file says: order, tracking, notify flag.
told() {
	jq -c '[.order, .fulfillment.tracking_number, .fulfillment.notify_customer]'
}

@test "voided before anyone was told: no confirmation, no message, no manifest line; the new parcel goes out as any other" {
	shopify_day_one
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-ship void s_1
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$(jq -c '.status = "voided"' ship.jsonl)"
	# The 16:30 cron run: the voided number goes nowhere.
	export OMS_NOW=2026-11-26T16:30:00Z
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr oms-ship notify
	assert_success
	assert_output ""
	run --separate-stderr oms-ship notify --mail mail --from 'Shop <shop@example.com>'
	assert_success
	assert_output ""
	run ls -A mail
	assert_output ""
	run --separate-stderr oms-ship manifest --carrier offline --date 2026-11-26
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM confirmations; SELECT id, status, voided_at FROM shipments; SELECT status FROM orders")" "0
1|voided|2026-11-26T16:00:00Z
allocated"
	# The units are back on hand, reserved for the order again.
	assert_equal "$(levels)" "A|EWR1|5|2
B|ORD1|5|0"
	# Nobody was told, so nothing waits on a correction.
	run --separate-stderr oms status
	assert_success
	assert_output ""
	run oms check
	assert_success
	# The 17:00 run ships it again: a new parcel, confirmed and
	# announced with its own number and never with the voided one.
	export OMS_NOW=2026-11-26T17:00:00Z
	oms-ship --carrier offline --labels labels --pending > again.jsonl
	T2=$(jq -r .tracking again.jsonl)
	assert_equal "$(jq -r .id again.jsonl)" "s_2"
	[ "$T2" != "$T1" ]
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(told <<<"$output")" "[\"#1020\",\"$T2\",true]"
	run oms-ship notify --mail mail --from 'Shop <shop@example.com>'
	assert_success
	run ls mail
	assert_output "s_2-shipped.eml"
	run grep -c -F -e "$T1" mail/s_2-shipped.eml
	assert_output 0
	run grep -x -F -e "Subject: Your order #1020 has shipped" -e "Tracking number: $T2" mail/s_2-shipped.eml
	assert_output "Subject: Your order #1020 has shipped
Tracking number: $T2"
	run oms-ship manifest --carrier offline --date 2026-11-26
	assert_equal "$output" "$(cat again.jsonl)"
	# Days later: only the real parcel is tracked, and it arrives.
	export OMS_NOW=2026-12-05T00:00:00Z
	run oms-ship track
	assert_success
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_2","delivered"]'
	run oms-ship notify --mail mail --from 'Shop <shop@example.com>'
	run ls mail
	assert_output "s_2-delivered.eml
s_2-shipped.eml"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM shipments; SELECT status FROM orders; SELECT shipment_id, channel FROM confirmations")" "1|voided
2|delivered
delivered
2|shopify"
	# The ledger: out, then back and reserved again by the void.  (What
	# the second parcel takes out is the last test's.)
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT ref, kind, qty, coalesce(reason, '') FROM movements WHERE ref = 's_1' ORDER BY id")" "s_1|release|-2|
s_1|adjust|-2|shipped
s_1|adjust|2|label voided
s_1|reserve|2|"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
	run oms status
	assert_success
	assert_output ""
}

@test "voided after Shopify was told: confirm names it once on stderr and exits 1; oms status lists it until then" {
	shopify_day_one
	run oms-ship confirm --feed shopify --format shopify-by-name
	assert_success
	assert_equal "$(told <<<"$output")" "[\"#1020\",\"$T1\",true]"
	oms-ship notify >/dev/null
	# The box was never handed over: voided after the channel was told.
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-ship void s_1
	assert_success
	assert_equal "$output" "$(jq -c '.status = "voided"' ship.jsonl)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT shipment_id, channel, at, coalesce(corrected_at, 'NULL') FROM confirmations; SELECT status, voided_at FROM shipments")" "1|shopify|2026-11-26T15:00:00Z|NULL
voided|2026-11-26T16:00:00Z"
	export OMS_NOW=2026-11-26T18:00:00Z
	run --separate-stderr oms status
	assert_failure 1
	assert_equal "$stderr" ""
	assert_output "{\"type\":\"attention\",\"kind\":\"void_uncorrected\",\"order\":\"o_1\",\"channel\":\"shopify\",\"external_id\":\"#1020\",\"status\":\"allocated\",\"since\":\"2026-11-26T16:00:00Z\",\"hours\":2,\"reason\":\"s_1 (tracking $T1) was voided after shopify was told it shipped\",\"by\":\"shopify\"}"
	msg="oms-ship: s_1 (order #1020) was voided after shopify was told it shipped with tracking $T1: correct it on shopify by hand"
	# A dry run says so too, and records nothing.
	run --separate-stderr oms-ship confirm -n --feed shopify --format shopify-by-name
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "$msg"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT coalesce(corrected_at, 'NULL') FROM confirmations")" "NULL"
	# Shopify's format has no correction: the operator is told, once.
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "$msg"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT shipment_id, channel, at, corrected_at FROM confirmations")" "1|shopify|2026-11-26T15:00:00Z|2026-11-26T18:00:00Z"
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr oms status
	assert_success
	assert_output ""
	# The next run ships it again; the new parcel is confirmed as usual.
	export OMS_NOW=2026-11-26T19:00:00Z
	oms-ship --carrier offline --labels labels --pending > again.jsonl
	T2=$(jq -r .tracking again.jsonl)
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(told <<<"$output")" "[\"#1020\",\"$T2\",true]"
	run oms-ship notify
	assert_equal "$(jq -c '[.shipment, .subject]' <<<"$output")" '["s_2","Your order #1020 has shipped"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM shipments; SELECT status FROM orders; SELECT shipment_id, coalesce(corrected_at, 'NULL') FROM confirmations ORDER BY 1")" "1|voided
2|shipped
shipped
1|2026-11-26T18:00:00Z
2|NULL"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "voided after the channel was told: a JSON lines confirmation carries the voided record once, as its correction" {
	shopify_day_one
	run oms-ship confirm --feed shopify --format shopify-by-name --format jsonl
	assert_success
	assert_equal "$output" "$(cat ship.jsonl)"
	OMS_NOW=2026-11-26T16:00:00Z oms-ship void s_1 >/dev/null
	export OMS_NOW=2026-11-26T17:00:00Z
	run oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .since]' <<<"$output")" '["void_uncorrected","o_1","2026-11-26T16:00:00Z"]'
	# Shipped again before the next confirmation: the correction first,
	# then the new parcel, in one file.
	oms-ship --carrier offline --labels labels --pending > again.jsonl
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name --format jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$(jq -c '.status = "voided"' ship.jsonl; cat again.jsonl)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT shipment_id, at, coalesce(corrected_at, 'NULL') FROM confirmations ORDER BY 1")" "1|2026-11-26T15:00:00Z|2026-11-26T17:00:00Z
2|2026-11-26T17:00:00Z|NULL"
	# Said once.
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name --format jsonl
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run oms status
	assert_success
	assert_output ""
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "a confirmation that cannot be written records nothing: the correction is still owed" {
	shopify_day_one
	oms-ship confirm --feed shopify --format shopify-by-name --format jsonl >/dev/null
	oms-ship void s_1 >/dev/null
	oms-ship --carrier offline --labels labels --pending > again.jsonl
	run --separate-stderr sh -c 'oms-ship confirm --feed shopify --format shopify-by-name --format jsonl >/dev/full'
	assert_failure 3
	assert_equal "$stderr" "oms-ship: write error: No space left on device"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT shipment_id, coalesce(corrected_at, 'NULL') FROM confirmations ORDER BY 1")" "1|NULL"
	run oms status
	assert_failure 1
	assert_equal "$(jq -r .kind <<<"$output")" "void_uncorrected"
	run oms-ship confirm --feed shopify --format shopify-by-name --format jsonl
	assert_success
	assert_equal "$output" "$(jq -c '.status = "voided"' ship.jsonl; cat again.jsonl)"
}

@test "shipped again after a void: the new parcel takes its units out through the ledger" {
	shopify_day_one
	oms-ship void s_1 >/dev/null
	oms-ship --carrier offline --labels labels --pending > again.jsonl
	assert_equal "$(jq -r .id again.jsonl)" "s_2"
	# Two units left in s_2: on hand 3, nothing reserved.
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT ref, kind, qty, coalesce(reason, '') FROM movements WHERE ref IN ('s_1', 's_2') ORDER BY id")" "s_1|release|-2|
s_1|adjust|-2|shipped
s_1|adjust|2|label voided
s_1|reserve|2|
s_2|release|-2|
s_2|adjust|-2|shipped"
	# Delivered, nothing may stay reserved for it.
	OMS_NOW=2026-12-05T00:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "delivered"
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}
