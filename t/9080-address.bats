#!/usr/bin/env bats
# Scenario 8 of issue 10: an address cannot be corrected once an order is
# allocated.  Until a label is bought, a new street keeps the allocation
# and a new place sends the order back to routing, which picks the
# warehouse nearest the new place; after a label, a channel update holds
# the order and a canonical record is refused.

load helper

R="$FIX/route"

HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at'

# export_of FILE STREET CITY ZIP REGION: the day's Shopify export of
# #1001 (2 A, paid), shipping to that address.  Each day's export has the
# same order times: the later import wins.
export_of() {
	{
		echo "$HEAD"
		echo "#1001,zoe@example.com,paid,2026-11-25 09:00:00 -0500,unfulfilled,,no,USD,20.00,0.00,0.00,20.00,,0.00,Standard,2026-11-25 09:00:00 -0500,2,Thing A,10.00,,A,true,true,pending,Zoe Park,1 Main St,1 Main St,,,New York,10001,NY,US,,Zoe Park,$2,$2,,,$3,$4,$5,US,,,,"
	} > "$1"
}

# A in every warehouse: where it ships from is distance alone.
setup_stock() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}
{"type":"movement","kind":"receive","sku":"A","location":"LAX1","qty":5,"key":"r2"}
{"type":"movement","kind":"receive","sku":"A","location":"ORD1","qty":5,"key":"r3"}
EOF
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

allocs() {
	sqlite3 "$OMS_DB" "SELECT id, line_no, sku, location, qty, state FROM allocations ORDER BY id"
}

where() {
	sqlite3 "$OMS_DB" "SELECT status, ship_postal_code, ship_region, json_extract(record, '\$.ship_to.address1') FROM orders WHERE id = 1"
}

# Day 1: #1001 to New York comes in and routing sends it to Newark.
day1() {
	setup_stock
	export_of d1.csv "1 Main St" "New York" 10001 NY
	export OMS_NOW=2026-11-25T23:30:00Z
	oms-import -q d1.csv >/dev/null
	oms-route --pending > routed.jsonl
	assert_equal "$(jq -c '[.order, .status, [.lines[].locations[] | [.location, .qty]]]' routed.jsonl)" '["o_1","allocated",[["EWR1",2]]]'
}

@test "channel exports: a new street keeps the allocation; a new postal code and region release it and routing picks Los Angeles" {
	day1
	# Day 2: the customer fixes the street.  Same place: nothing to route.
	export_of d2.csv "5 Broadway" "New York" 10001 NY
	export OMS_NOW=2026-11-26T23:30:00Z
	run --separate-stderr oms-import -v d2.csv
	assert_success
	assert_equal "$stderr" "oms-import: d2.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .ship_to]' <<<"$output")" '["o_1","allocated",{"name":"Zoe Park","address1":"5 Broadway","city":"New York","region":"NY","postal_code":"10001","country":"US"}]'
	assert_equal "$(where)" "allocated|10001|NY|5 Broadway"
	assert_equal "$(allocs)" "1|1|A|EWR1|2|active"
	assert_equal "$(levels)" "A|EWR1|5|2
A|LAX1|5|0
A|ORD1|5|0"
	# Day 3: she moves to Los Angeles before it ships.
	export_of d3.csv "9 Spring St" "Los Angeles" 90012 CA
	export OMS_NOW=2026-11-27T23:30:00Z
	run --separate-stderr oms-import -v d3.csv
	assert_success
	assert_equal "$stderr" "oms-import: d3.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .ship_to.city, .ship_to.postal_code]' <<<"$output")" '["o_1","open","Los Angeles","90012"]'
	assert_equal "$(where)" "open|90012|CA|9 Spring St"
	assert_equal "$(allocs)" "1|1|A|EWR1|2|released"
	assert_equal "$(levels)" "A|EWR1|5|0
A|LAX1|5|0
A|ORD1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, location, qty, reason, ref FROM movements WHERE kind IN ('reserve', 'release') ORDER BY id")" "reserve|A|EWR1|2||o_1
release|A|EWR1|-2|address changed|o_1"
	run --separate-stderr oms check
	assert_success
	# The next routing run decides again, for the new place.
	export OMS_NOW=2026-11-28T15:00:00Z
	run --separate-stderr oms-route --pending
	assert_success
	assert_equal "$(jq -c '[.order, .status, [.lines[].locations[] | [.location, .qty]]]' <<<"$output")" '["o_1","allocated",[["LAX1",2]]]'
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .order, .location, .status, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["s_1","o_1","LAX1","shipped",[["A",2]]]'
	t=$(jq -r .tracking <<<"$output")
	run grep -c -F -e "^FD9 Spring St^FS" -e "^FDLos Angeles, CA 90012^FS" "labels/$t.zpl"
	assert_output 2
	# The same export again (an overlapping cron run) changes nothing.
	run --separate-stderr oms-import -v d3.csv
	assert_success
	assert_equal "$stderr" "oms-import: d3.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 0 updated, 1 unchanged, 0 older, 0 held, 0 rejected"
	run sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action NOT IN ('created', 'updated') ORDER BY id"
	assert_output "allocated|{\"status\":\"open\"}|{\"status\":\"allocated\",\"rule\":\"default\",\"rules_version\":0,\"locations\":[\"EWR1\"]}
address_changed|{\"status\":\"allocated\"}|{\"status\":\"open\"}
allocated|{\"status\":\"open\"}|{\"status\":\"allocated\",\"rule\":\"default\",\"rules_version\":0,\"locations\":[\"LAX1\"]}
shipped|{\"status\":\"allocated\"}|{\"status\":\"shipped\",\"shipment\":\"s_1\",\"location\":\"LAX1\",\"tracking\":\"$t\"}"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders; SELECT location, status FROM shipments")" "1|shipped
LAX1|shipped"
	assert_equal "$(levels)" "A|EWR1|5|0
A|LAX1|3|0
A|ORD1|5|0"
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "a canonical record fed back with status allocated: a new street keeps the allocation, a new place sends it to Los Angeles; the channel's next export does not undo it" {
	day1
	# The record as oms prints it now: allocated.
	oms-import --all d1.csv > rec.jsonl
	assert_equal "$(jq -c '[.id, .channel, .status]' rec.jsonl)" '["o_1","shopify","allocated"]'
	export OMS_NOW=2026-11-26T10:00:00Z
	jq -c '.ship_to.address1 = "1 Main St, Apt 2"' rec.jsonl > street.jsonl
	run --separate-stderr oms-import -v --channel oms street.jsonl
	assert_success
	assert_equal "$stderr" "oms-import: street.jsonl: read as oms (channel oms)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .ship_to.address1]' <<<"$output")" '["o_1","allocated","1 Main St, Apt 2"]'
	assert_equal "$(where)" "allocated|10001|NY|1 Main St, Apt 2"
	assert_equal "$(allocs)" "1|1|A|EWR1|2|active"
	# Now the place: Los Angeles.
	export OMS_NOW=2026-11-26T11:00:00Z
	jq -c '.ship_to += {address1: "9 Spring St", city: "Los Angeles", region: "CA", postal_code: "90012"}' rec.jsonl > place.jsonl
	run --separate-stderr oms-import -v --channel oms place.jsonl
	assert_success
	assert_equal "$stderr" "oms-import: place.jsonl: read as oms (channel oms)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .ship_to.city]' <<<"$output")" '["o_1","open","Los Angeles"]'
	assert_equal "$(where)" "open|90012|CA|9 Spring St"
	assert_equal "$(allocs)" "1|1|A|EWR1|2|released"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, location, qty, reason FROM movements WHERE kind = 'release'")" "release|EWR1|-2|address changed"
	# Cron's next import of the channel's unchanged export: the fix stays.
	export OMS_NOW=2026-11-26T12:00:00Z
	run --separate-stderr oms-import -v d1.csv
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-import: d1.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 0 updated, 1 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(where)" "open|90012|CA|9 Spring St"
	export OMS_NOW=2026-11-26T15:00:00Z
	run oms-route --pending
	assert_success
	assert_equal "$(jq -c '[.order, .status, [.lines[].locations[] | [.location, .qty]]]' <<<"$output")" '["o_1","allocated",[["LAX1",2]]]'
	run oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.order, .location, .status]' <<<"$output")" '["o_1","LAX1","shipped"]'
	assert_equal "$(levels)" "A|EWR1|5|0
A|LAX1|3|0
A|ORD1|5|0"
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

# Day 1 routed, then a label bought from Newark.
labelled() {
	day1
	export OMS_NOW=2026-11-26T15:00:00Z
	oms-ship --carrier offline --labels labels routed.jsonl > ship.jsonl
	assert_equal "$(jq -c '[.id, .location, .status]' ship.jsonl)" '["s_1","EWR1","shipped"]'
}

@test "after a label is bought, a channel export with a new address holds the order with the reason; nothing is released" {
	labelled
	before=$(levels; allocs)
	export_of d2.csv "9 Spring St" "Los Angeles" 90012 CA
	export OMS_NOW=2026-11-26T23:30:00Z
	run --separate-stderr oms-import -v d2.csv
	assert_success
	assert_equal "$stderr" "oms-import: d2.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 1 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","hold",["the address changed after the label of s_1 was bought: void it and ship again, or release the order"]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders")" 'hold|change|["the address changed after the label of s_1 was bought: void it and ship again, or release the order"]'
	# The parcel and its stock stay as they were; the ledger agrees.
	assert_equal "$(levels; allocs)" "$before"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM shipments")" "1|shipped"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action = 'held'")" 'held|{"status":"shipped"}|{"status":"hold","hold_reasons":["the address changed after the label of s_1 was bought: void it and ship again, or release the order"]}'
	# The hold is the operator's to lift: the same export again keeps it.
	run --separate-stderr oms-import -v d2.csv
	assert_success
	assert_equal "$stderr" "oms-import: d2.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 0 updated, 1 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind FROM orders")" "hold|change"
	run --separate-stderr oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .status, .reasons, .by]' <<<"$output")" '["held","o_1","hold",["the address changed after the label of s_1 was bought: void it and ship again, or release the order"],"change"]'
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "after a label is bought, a canonical record with a new address is refused: exit 1, nothing changed" {
	labelled
	oms-import --all d1.csv > rec.jsonl
	assert_equal "$(jq -r .status rec.jsonl)" "shipped"
	before=$(where; levels; allocs; sqlite3 "$OMS_DB" "SELECT count(*) FROM events")
	export OMS_NOW=2026-11-26T16:00:00Z
	jq -c '.ship_to += {address1: "9 Spring St", city: "Los Angeles", region: "CA", postal_code: "90012"}' rec.jsonl > place.jsonl
	run --separate-stderr oms-import --channel oms place.jsonl
	assert_failure 1
	assert_output ""
	[[ $stderr == *"order o_1: the address cannot change once a label is bought (s_1): void it first (oms-ship void)"* ]]
	assert_equal "$(where; levels; allocs; sqlite3 "$OMS_DB" "SELECT count(*) FROM events")" "$before"
	# A street alone is refused the same way: the label has the old one.
	jq -c '.ship_to.address1 = "2 Main St"' rec.jsonl > street.jsonl
	run --separate-stderr oms-import --channel oms street.jsonl
	assert_failure 1
	assert_equal "$(where; levels; allocs; sqlite3 "$OMS_DB" "SELECT count(*) FROM events")" "$before"
	run --separate-stderr oms check
	assert_success
}
