#!/usr/bin/env bats
# Scenario 10 of issue 10: two shops, one order number.  Two Shopify
# stores both have a #1001; their ids differ.  Without an account the
# second is refused rather than replacing the first; with --account they
# are two orders, named CHANNEL/ACCOUNT:EXTERNAL_ID, confirmed store by
# store.

load helper

# Shopify's own confirmation needs ids a CSV export has not got (line
# item ids): these orders are confirmed by name, as an app takes them.
export OMS_PATH="$FIX/confirm:$OMS_PATH"

R="$FIX/route"

# Shopify's full 79-column export header, with the order's Id.
HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References'

# row NAME ID CURRENCY SKU QTY: a paid order of one line to New York.
row() {
	echo "$1,ann@example.com,paid,2026-11-25 09:00:00 -0500,unfulfilled,,no,$3,$(($5 * 10)).00,0.00,0.00,$(($5 * 10)).00,,0.00,Standard,2026-11-25 09:00:00 -0500,$5,Thing $4,10.00,,$4,true,true,pending,Ann Lee,1 Main St,1 Main St,,,New York,10001,NY,US,,Ann Lee,1 Main St,1 Main St,,,New York,10001,NY,US,,,,,manual,,0.00,Vendor,0.00,,,,$2,,,web,0.00,,,,,,,,,,,,,,,,,,,"
}

# Store A's export: #1001 (id 111), 2 A in USD.  Store B's: its own
# #1001 (id 222), 1 B in EUR, and #1002 (id 223), 1 C.
exports() {
	{ echo "$HEAD"; row '#1001' 111 USD A 2; } > a.csv
	{ echo "$HEAD"; row '#1001' 222 EUR B 1; row '#1002' 223 USD C 1; } > b.csv
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

orders_db() {
	sqlite3 "$OMS_DB" "SELECT id, channel, account, external_id, status, currency, json_extract(record, '\$.shopify_id'), (SELECT group_concat(sku || 'x' || qty) FROM order_lines l WHERE l.order_id = o.id) FROM orders o ORDER BY id"
}

export OMS_NOW=2026-11-26T15:00:00Z

@test "without --account, another store's #1001 is refused for that record: the first store's routed order untouched, the rest of the file goes in" {
	setup_stock
	exports
	oms-import -q a.csv >/dev/null
	oms-route --pending >/dev/null
	before=$(orders_db; levels; sqlite3 "$OMS_DB" "SELECT record FROM orders WHERE id = 1; SELECT * FROM allocations")
	export OMS_NOW=2026-11-26T16:00:00Z
	run --separate-stderr oms-import -v b.csv
	assert_failure 1
	assert_equal "$stderr" "oms-import: b.csv: read as shopify-csv (channel shopify)
oms-import: b.csv:2: order #1001: shopify_id 222 is not the order stored as o_1 (shopify_id 111): another store's order with the same number? import each store with its own --account
oms-import: 1 created, 0 updated, 0 unchanged, 0 older, 0 held, 1 rejected"
	assert_equal "$(jq -c '[.id, .external_id, .shopify_id, .status]' <<<"$output")" '["o_2","#1002","223","open"]'
	assert_equal "$(orders_db | head -1; levels; sqlite3 "$OMS_DB" "SELECT record FROM orders WHERE id = 1; SELECT * FROM allocations")" "$before"
	assert_equal "$(orders_db)" "1|shopify||#1001|allocated|USD|111|Ax2
2|shopify||#1002|open|USD|223|Cx1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, action FROM events ORDER BY id")" "1|created
1|allocated
2|created"
	# Every cron run says it again, and changes nothing.
	run --separate-stderr oms-import b.csv
	assert_failure 1
	assert_equal "$(orders_db)" "1|shopify||#1001|allocated|USD|111|Ax2
2|shopify||#1002|open|USD|223|Cx1"
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "with --account each store's #1001 is its own order; a cancel names the store; each ships" {
	setup_stock
	exports
	run --separate-stderr oms-import --account store-a a.csv
	assert_success
	assert_equal "$(jq -c '[.id, .channel, .account, .external_id, .shopify_id]' <<<"$output")" '["o_1","shopify","store-a","#1001","111"]'
	run --separate-stderr oms-import --account store-b b.csv
	assert_success
	assert_equal "$(jq -c '[.id, .channel, .account, .external_id, .shopify_id]' <<<"$output")" '["o_2","shopify","store-b","#1001","222"]
["o_3","shopify","store-b","#1002","223"]'
	assert_equal "$(orders_db)" "1|shopify|store-a|#1001|open|USD|111|Ax2
2|shopify|store-b|#1001|open|EUR|222|Bx1
3|shopify|store-b|#1002|open|USD|223|Cx1"
	# The next cron run: each store's export under its own name.
	run --separate-stderr oms-import -v --account store-a a.csv
	assert_success
	assert_equal "$stderr" "oms-import: a.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 0 updated, 1 unchanged, 0 older, 0 held, 0 rejected"
	# Store B's #1001 under store A's name: the ids tell.
	before=$(orders_db)
	{ echo "$HEAD"; row '#1001' 222 EUR B 1; } > b1001.csv
	run --separate-stderr oms-import --account store-a b1001.csv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: b1001.csv:2: order #1001: shopify_id 222 is not the order stored as o_1 (shopify_id 111): another store's order with the same number? import each store with its own --account"
	assert_equal "$(orders_db)" "$before"
	# A cancel by number alone is ambiguous: refused, nothing changed.
	run --separate-stderr oms-import cancel --reason "customer asked" 'shopify:#1001'
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: 'shopify:#1001' names orders of several accounts (store-a, store-b): name one as CHANNEL/ACCOUNT:EXTERNAL_ID"
	assert_equal "$(orders_db)" "$before"
	run --separate-stderr oms-import cancel --reason "customer asked" 'shopify/store-b:#1001'
	assert_success
	assert_equal "$stderr" "oms-import: o_2: cancelled"
	assert_equal "$(jq -c '[.id, .account, .external_id, .status]' <<<"$output")" '["o_2","store-b","#1001","cancelled"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, source, reason, state FROM cancel_requests")" "2|operator|customer asked|done"
	# Routing and shipping: store A's #1001 and store B's #1002.
	export OMS_NOW=2026-11-26T17:00:00Z
	run --separate-stderr bash -c 'oms-route --pending | oms-ship --carrier offline --labels labels'
	assert_success
	assert_equal "$(jq -c '[.id, .order, .external_id, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["s_1","o_1","#1001",[["A",2]]]
["s_2","o_3","#1002",[["C",1]]]'
	assert_equal "$(orders_db)" "1|shopify|store-a|#1001|shipped|USD|111|Ax2
2|shopify|store-b|#1001|cancelled|EUR|222|Bx1
3|shopify|store-b|#1002|shipped|USD|223|Cx1"
	assert_equal "$(levels)" "A|EWR1|3|0
B|EWR1|5|0
C|EWR1|4|0"
	# Store B's export again: the cancel stands, store A's order too.
	run --separate-stderr oms-import --account store-b b.csv
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id")" "1|shipped
2|cancelled
3|shipped"
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "a record of store-a imported as store-b is refused whole: nothing written" {
	exports
	oms-import --account store-a a.csv > a.jsonl
	jq -c '.note = "ring twice"' a.jsonl > fixed.jsonl
	before=$(orders_db; sqlite3 "$OMS_DB" "SELECT count(*) FROM events")
	run --separate-stderr oms-import --channel oms --account store-b fixed.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$(orders_db; sqlite3 "$OMS_DB" "SELECT count(*) FROM events")" "$before"
	# Under its own account it goes in; with none, the record's says.
	run --separate-stderr oms-import --channel oms --account store-a fixed.jsonl
	assert_success
	assert_equal "$(jq -c '[.id, .account, .note]' <<<"$output")" '["o_1","store-a","ring twice"]'
	run --separate-stderr oms-import --channel oms fixed.jsonl
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" 1
}

@test "a record of store-a imported as store-b says which account the file is of" {
	exports
	oms-import --account store-a a.csv > a.jsonl
	run --separate-stderr oms-import --channel oms --account store-b a.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: a.jsonl: the file is of account 'store-a', not 'store-b'"
}

@test "confirm --feed shopify refuses a channel of two stores without --account, and writes one store's file with it" {
	setup_stock
	exports
	oms-import -q --account store-a a.csv >/dev/null
	oms-import -q --account store-b b.csv >/dev/null
	oms-route --pending | oms-ship --carrier offline --labels labels > ship.jsonl
	assert_equal "$(jq -c '[.id, .order, .external_id]' ship.jsonl)" '["s_1","o_1","#1001"]
["s_2","o_2","#1001"]
["s_3","o_3","#1002"]'
	ta=$(jq -r 'select(.order == "o_1") | .tracking' ship.jsonl)
	tb=$(jq -r 'select(.order == "o_2") | .tracking' ship.jsonl)
	tc=$(jq -r 'select(.order == "o_3") | .tracking' ship.jsonl)
	# Which store's #1001 would Shopify hear of?  Neither: refused.
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: channel 'shopify' has orders of store-a,store-b: name one with --account"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM confirmations")" 0
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name --account store-a
	assert_success
	assert_output "{\"order\":\"#1001\",\"fulfillment\":{\"tracking_number\":\"$ta\",\"tracking_company\":\"USPS\",\"notify_customer\":true,\"line_items\":[{\"sku\":\"A\",\"quantity\":2}]}}"
	# Once each: store A has nothing left; store B gets its two.
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name --account store-a
	assert_success
	assert_output ""
	run --separate-stderr oms-ship confirm --feed shopify --format shopify-by-name --account store-b
	assert_success
	assert_output "{\"order\":\"#1001\",\"fulfillment\":{\"tracking_number\":\"$tb\",\"tracking_company\":\"USPS\",\"notify_customer\":true,\"line_items\":[{\"sku\":\"B\",\"quantity\":1}]}}
{\"order\":\"#1002\",\"fulfillment\":{\"tracking_number\":\"$tc\",\"tracking_company\":\"USPS\",\"notify_customer\":true,\"line_items\":[{\"sku\":\"C\",\"quantity\":1}]}}"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT shipment_id, channel FROM confirmations ORDER BY 1")" "1|shopify
2|shopify
3|shopify"
	run --separate-stderr oms check
	assert_success
}

@test "an export imported without --account once its store has one does not make a second #1001 that ships twice" {
	setup_stock
	exports
	oms-import -q --account store-a a.csv >/dev/null
	oms-import -q --account store-b b.csv >/dev/null
	before=$(orders_db)
	run --separate-stderr oms-import a.csv
	assert_failure 1
	assert_output ""
	[[ $stderr == *"a.csv:2: order #1001: "* ]]
	assert_equal "$(orders_db)" "$before"
	run --separate-stderr oms-route --pending
	assert_equal "$(jq -c '[.order, .status]' <<<"$output")" '["o_1","allocated"]
["o_2","allocated"]
["o_3","allocated"]'
}
