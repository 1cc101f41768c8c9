#!/usr/bin/env bats
# A week in the life: three days of Shopify and WooCommerce exports, with
# cancels, a partial refund, an address change, a lost parcel and
# overlapping files, run through the cron pipelines of oms(7) day by day.
# At the end every order is where it was written down by hand, oms check
# is clean and nothing is reserved for an order that will not ship.

load helper

# Shopify's own confirmation needs ids a CSV export has not got (line
# item ids): these orders are confirmed by name, as an app takes them.
export OMS_PATH="$FIX/confirm:$OMS_PATH"

R="$FIX/route"

# The Shopify export up to the order's own Id (79 columns in a new one).
HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id'

# row NAME FINANCIAL QTY SKU PRICE STREET CITY ZIP REGION CANCELLED REFUNDED ID
row() {
	local total
	total=$(awk -v q="$3" -v p="$5" 'BEGIN { printf "%.2f", q * p }')
	printf '%s,%s@example.com,%s,2026-11-23 06:00:00 +0000,unfulfilled,,no,USD,%s,0.00,0.00,%s,,0.00,Standard,2026-11-23 06:00:00 +0000,%s,Item %s,%s,,%s,true,true,pending,Cust %s,%s,%s,,,%s,%s,%s,US,,Cust %s,%s,%s,,,%s,%s,%s,US,,,,%s,manual,,%s,,,,,,%s\n' \
	    "$1" "${1#\#}" "$2" "$total" "$total" "$3" "$4" "$5" "$4" "$1" \
	    "$6" "$6" "$7" "$8" "$9" "$1" "$6" "$6" "$7" "$8" "$9" "${10}" \
	    "${11}" "${12}"
}

# woo NUMBER ID STATUS MODIFIED SKU QTY
woo() {
	jq -nc --arg n "$1" --argjson id "$2" --arg s "$3" --arg m "$4" \
	    --arg sku "$5" --argjson q "$6" '{id: $id, number: $n, order_key:
	    ("wc_" + $n), status: $s, currency: "USD", date_created_gmt:
	    "2026-11-23T06:30:00", date_modified_gmt: $m, total: "10.00",
	    shipping_total: "0.00", total_tax: "0.00", discount_total: "0.00",
	    billing: {first_name: "Wu", last_name: $n, address_1: "1 Main St",
	    city: "New York", state: "NY", postcode: "10001", country: "US",
	    email: "wu@example.com"}, shipping: {first_name: "Wu", last_name:
	    $n, address_1: "1 Main St", city: "New York", state: "NY",
	    postcode: "10001", country: "US"}, line_items: [{id: ($id * 10),
	    sku: $sku, quantity: $q, price: (10 / $q), total: "10.00",
	    subtotal: "10.00", total_tax: "0.00"}]}'
}

# The cron jobs, at the hour of the day the test says.
import_job() {	# every few hours: whatever sits in in/
	rc=0
	OMS_NOW="$1" oms-import -q --exported-at mtime in/*.csv >/dev/null 2>>cron.err || rc=$?
	echo "import $1 $rc" >> cron.log
	rc=0
	OMS_NOW="$1" oms-import -q in/*.json >/dev/null 2>>cron.err || rc=$?
	echo "import-woo $1 $rc" >> cron.log
}
route_job() {
	rc=0
	OMS_NOW="$1" oms-route -q --pending > "out/routed-$1.jsonl" 2>>cron.err || rc=$?
	echo "route $1 $rc" >> cron.log
}
ship_job() {
	rc=0
	OMS_NOW="$1" oms-ship -q --carrier offline --labels out/labels --pending \
	    > "out/shipped-$1.jsonl" 2>>cron.err || rc=$?
	echo "ship $1 $rc" >> cron.log
}
evening_job() {	# track, tell the channels, tell the customers
	rc=0
	OMS_NOW="$1" oms-ship -q track > "out/tracked-$1.jsonl" 2>>cron.err || rc=$?
	echo "track $1 $rc" >> cron.log
	rc=0
	OMS_NOW="$1" oms-ship -q confirm --feed shopify --format shopify-by-name > "out/shopify-$1.jsonl" 2>>cron.err || rc=$?
	echo "confirm-shopify $1 $rc" >> cron.log
	rc=0
	OMS_NOW="$1" oms-ship -q confirm --feed woocommerce > "out/woo-$1.jsonl" 2>>cron.err || rc=$?
	echo "confirm-woo $1 $rc" >> cron.log
	rc=0
	OMS_NOW="$1" oms-ship -q notify --mail out/mail --from shop@example.com 2>>cron.err || rc=$?
	echo "notify $1 $rc" >> cron.log
}
night_job() {
	rc=0
	OMS_NOW="$1" oms -q check > "out/check-$1.txt" 2>&1 || rc=$?
	echo "check $1 $rc" >> cron.log
	rc=0
	OMS_NOW="$1" oms -q status > "out/status-$1.jsonl" 2>>cron.err || rc=$?
	echo "status $1 $rc" >> cron.log
}

# An export lands in in/, dated when the channel made it.
drop() {	# FILE TIME
	touch -d "$2" "in/$1"
}

@test "a week in the life: three days of exports through the cron jobs end where they should" {
	mkdir -p in out/mail
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":10,"key":"r-a"}
{"type":"movement","kind":"receive","sku":"B","location":"ORD1","qty":10,"key":"r-b"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":2,"key":"r-b2"}
EOF

	# Monday 06:00: the morning exports.
	{ echo "$HEAD"
	  row '#1001' paid 1 A 20.00 '1 Main St' 'New York' 10001 NY '' 0.00 9001
	  row '#1002' paid 1 B 30.00 '2 Main St' 'New York' 10001 NY '' 0.00 9002
	  row '#1003' paid 1 C 15.00 '3 Main St' 'New York' 10001 NY '' 0.00 9003
	  row '#1004' paid 1 A 20.00 '4 Main St' 'New York' 10001 NY '' 0.00 9004
	  row '#1005' paid 1 A 20.00 '5 Main St' 'New York' 10001 NY '' 0.00 9005
	  row '#1006' paid 2 A 20.00 '6 Main St' 'New York' 10001 NY '' 0.00 9006
	} > in/shopify-1a.csv
	drop shopify-1a.csv "2026-11-23 06:00Z"
	{ echo '['; woo 501 5501 processing 2026-11-23T06:30:00 B 1; echo ','
	  woo 502 5502 processing 2026-11-23T06:30:00 A 1; echo ']'; } > in/woo-1a.json
	import_job 2026-11-23T08:00:00Z
	route_job 2026-11-23T08:05:00Z

	# Monday noon: #1003 moves to Los Angeles (it waits for C, which
	# comes there), #1004 is cancelled while allocated.
	{ echo "$HEAD"
	  row '#1003' paid 1 C 15.00 '3 Sunset Blvd' 'Los Angeles' 90021 CA '' 0.00 9003
	  row '#1004' refunded 1 A 20.00 '4 Main St' 'New York' 10001 NY '2026-11-23 11:30:00 +0000' 20.00 9004
	} > in/shopify-1b.csv
	drop shopify-1b.csv "2026-11-23 12:00Z"
	import_job 2026-11-23T12:05:00Z
	oms-stock >/dev/null <<'EOF'
{"type":"movement","kind":"receive","sku":"C","location":"LAX1","qty":3,"key":"r-c"}
{"type":"movement","kind":"receive","sku":"C","location":"EWR1","qty":3,"key":"r-c2"}
EOF
	route_job 2026-11-23T12:10:00Z
	ship_job 2026-11-23T16:00:00Z
	evening_job 2026-11-23T17:00:00Z
	night_job 2026-11-23T23:00:00Z

	# Tuesday 06:00: #1002 cancelled after its label (not yet tracked as
	# scanned), #1006 partly refunded; the whole of Monday again too.
	{ echo "$HEAD"
	  row '#1001' paid 1 A 20.00 '1 Main St' 'New York' 10001 NY '' 0.00 9001
	  row '#1002' refunded 1 B 30.00 '2 Main St' 'New York' 10001 NY '2026-11-24 05:00:00 +0000' 30.00 9002
	  row '#1006' partially_refunded 2 A 20.00 '6 Main St' 'New York' 10001 NY '' 5.00 9006
	} > in/shopify-2a.csv
	drop shopify-2a.csv "2026-11-24 06:00Z"
	import_job 2026-11-24T08:00:00Z
	route_job 2026-11-24T08:05:00Z
	ship_job 2026-11-24T16:00:00Z
	evening_job 2026-11-24T17:00:00Z
	night_job 2026-11-24T23:00:00Z

	# Wednesday: WooCommerce cancels 501, whose parcel has left; the
	# morning import runs late and a second one takes Monday's file
	# after Tuesday's.
	{ echo '['; woo 501 5501 cancelled 2026-11-25T06:00:00 B 1; echo ']'; } > in/woo-3a.json
	import_job 2026-11-25T08:00:00Z
	OMS_NOW=2026-11-25T08:01:00Z run --separate-stderr oms-import -v --exported-at mtime in/shopify-2a.csv in/shopify-1a.csv
	assert_success
	assert_equal "${stderr_lines[2]}" "oms-import: 0 created, 0 updated, 5 unchanged, 4 older, 0 held, 0 rejected"
	route_job 2026-11-25T08:05:00Z
	ship_job 2026-11-25T16:00:00Z
	# #1005's parcel is lost on its way; the rest arrive.
	lost=$(sqlite3 "$OMS_DB" "SELECT s.tracking FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.external_id = '#1005'")
	export OMS_OFFLINE_TRACK="$lost=lost"
	evening_job 2026-11-25T17:00:00Z
	night_job 2026-11-25T23:00:00Z
	# A week on: every parcel's fate is known.
	evening_job 2026-12-01T17:00:00Z
	night_job 2026-12-01T23:00:00Z

	# Where every order is, written down by hand.
	run sqlite3 "$OMS_DB" "SELECT channel, external_id, status FROM orders ORDER BY channel, external_id"
	assert_output "shopify|#1001|delivered
shopify|#1002|cancelled
shopify|#1003|delivered
shopify|#1004|cancelled
shopify|#1005|hold
shopify|#1006|delivered
woocommerce|501|delivered
woocommerce|502|delivered"
	# #1003 went from the warehouse nearest its new address.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT s.location FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.external_id = '#1003'")" "LAX1"
	# #1002's label was voided: the channel that had been told hears of
	# it (Shopify's format has no correction: named to the operator).
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT s.status FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.external_id = '#1002'")" "voided"
	run grep -c 'was voided after shopify was told it shipped' cron.err
	assert_output 1
	# The refund is kept on the order, the refused cancel for a return.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT refunded FROM orders WHERE external_id = '#1006'")" "500"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT o.external_id, r.source, r.state FROM cancel_requests r JOIN orders o ON o.id = r.order_id ORDER BY r.id")" "#1004|channel|done
#1002|channel|done
501|channel|refused"
	# The lost parcel holds its order, with the carrier's words.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT hold_kind, hold_reasons FROM orders WHERE external_id = '#1005'")" "carrier|[\"s_4 is lost: offline says The carrier cannot find the parcel\"]"
	# Nothing reserved for an order that will not ship; the ledger agrees.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT coalesce(sum(reserved), 0) FROM levels")" "0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, location, on_hand FROM levels ORDER BY 1, 2")" "A|EWR1|5
B|EWR1|1
B|ORD1|10
C|EWR1|3
C|LAX1|2"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
	# Every night the database was consistent.
	assert_equal "$(grep '^check' cron.log | cut -d' ' -f3 | sort -u)" "0"
	# What still needs a person: the lost parcel, the refused cancel.
	OMS_NOW=2026-12-01T23:30:00Z run oms -q status
	assert_failure 1
	run jq -c '[.kind, .external_id, .status]' <<<"$output"
	assert_output - <<'OUT'
["held","#1005","hold"]
["cancel_refused","501","delivered"]
OUT
	# Nothing went wrong that the jobs did not say.
	run grep -v -e 'was voided after shopify' -e 'has left' cron.err
	assert_failure
}
