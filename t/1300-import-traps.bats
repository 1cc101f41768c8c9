#!/usr/bin/env bats
# oms-import: the traps of real exports (issue 11), each in the layout of
# the channel that sets it, and what becomes of the order downstream.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

# The Shopify order export up to the order's Id.
SHOPIFY='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id'

setup_stock() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":10,"key":"r-a"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":10,"key":"r-b"}
EOF
}

# shopify NAME FINANCIAL FULFILLMENT "SKU:QTY:STATUS ..." [ID]: an order's
# rows, the first with the order's columns; STATUS is each line's
# Lineitem fulfillment status.
shopify() {
	local first=1 l sku q st total=0 n=0
	for l in $4; do
		IFS=: read -r sku q st <<<"$l"
		total=$((total + q * 10))
	done
	for l in $4; do
		IFS=: read -r sku q st <<<"$l"
		if [ "$first" = 1 ]; then
			printf '%s,ann@example.com,%s,2026-11-25 09:00:00 -0500,%s,,no,USD,%s.00,0.00,0.00,%s.00,,0.00,Standard,2026-11-25 09:00:00 -0500,%s,Item %s,10.00,,%s,true,true,%s,Ann,1 Main St,1 Main St,,,New York,10001,NY,US,,Ann,1 Main St,1 Main St,,,New York,10001,NY,US,,,,,manual,,0.00,,,,,,%s\n' \
			    "$1" "$2" "$3" "$total" "$total" "$q" "$sku" "$sku" "$st" "${5:-555}"
			first=0
		else
			printf '%s,ann@example.com,,,,,,,,,,,,,,2026-11-25 09:00:00 -0500,%s,Item %s,10.00,,%s,true,true,%s,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n' \
			    "$1" "$q" "$sku" "$sku" "$st"
		fi
	done
}

@test "shopify: lines fulfilled on Shopify are never allocated; the order is partly shipped, then shipped by the rest" {
	setup_stock
	# Two of three lines fulfilled on Shopify before the export.
	{ echo "$SHOPIFY"; shopify '#2001' paid partial "A:1:fulfilled B:2:pending C:1:fulfilled"; } > day1.csv
	run --separate-stderr oms-import day1.csv
	assert_success
	assert_equal "$(jq -c '[.status, [.lines[] | [.sku, .qty, .fulfilled]]]' <<<"$output")" '["partly_shipped",[["A",1,1],["B",2,null],["C",1,1]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT line_no, qty, fulfilled, allocated FROM order_lines")" "1|1|1|0
2|2|0|0
3|1|1|0"
	# Routing takes the line left to us, and only it: no C is wanted.
	run --separate-stderr oms-route --pending
	assert_success
	assert_equal "$(jq -c '[.status, [.lines[] | [.sku, .allocated, .fulfilled_elsewhere]]]' <<<"$output")" '["partly_shipped",[["A",0,1],["B",2,null],["C",0,1]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, qty, state FROM allocations")" "B|2|active"
	# Nothing of A or C is wanted from the pool.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM open_demand WHERE qty > 0")" "0"
	oms-ship --carrier offline --labels labels --pending > ship.jsonl
	assert_equal "$(jq -c '[.lines[] | [.sku, .qty]]' ship.jsonl)" '[["B",2]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "shipped"
	# Shopify's next export says all three fulfilled (two by hand, one
	# that we told it of): nothing changes, nothing ships twice.
	{ echo "$SHOPIFY"; shopify '#2001' paid fulfilled "A:1:fulfilled B:2:fulfilled C:1:fulfilled"; } > day2.csv
	OMS_NOW=2026-11-27T09:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT count(*) FROM allocations WHERE state = 'active'")" "shipped
0"
	OMS_NOW=2026-12-05T00:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "delivered"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "shopify: a line fulfilled on Shopify by hand after we allocated it is released, and only the rest ships" {
	setup_stock
	{ echo "$SHOPIFY"; shopify '#2002' paid unfulfilled "A:1:pending B:1:pending"; } > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending > routed.jsonl
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT sku, qty FROM allocations WHERE state = 'active' ORDER BY sku")" "allocated
A|1
B|1"
	# Someone hands the A over at the counter and marks it fulfilled.
	{ echo "$SHOPIFY"; shopify '#2002' paid partial "A:1:fulfilled B:1:pending"; } > day2.csv
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$(jq -c '.status' <<<"$output")" '"partly_shipped"'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, state FROM allocations ORDER BY id")" "A|released
B|active"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason FROM movements WHERE kind = 'release'")" "release|A|-1|order changed"
	# Yesterday's routed file ships the B alone.
	run --separate-stderr oms-ship --carrier offline --labels labels routed.jsonl
	assert_success
	assert_equal "$(jq -c '[.lines[] | [.sku, .qty]]' <<<"$output")" '[["B",1]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "shipped"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "shopify: an order whose every line that ships was fulfilled on Shopify is fulfilled, not held for what is not ours to send" {
	# A gift card and a fulfilled line, no address: nothing left to us.
	{ echo "$SHOPIFY"
	  echo '#2003,,paid,2026-11-25 09:00:00 -0500,partial,,no,USD,20.00,0.00,0.00,20.00,,0.00,,2026-11-25 09:00:00 -0500,1,Gift Card,10.00,,,false,false,pending,,,,,,,,,,,,,,,,,,,,,,,,manual,,0.00,,,,,,556'
	  echo '#2003,,,,,,,,,,,,,,,2026-11-25 09:00:00 -0500,1,Item A,10.00,,A,true,true,fulfilled,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,'
	} > in.csv
	run --separate-stderr oms-import in.csv
	assert_success
	assert_equal "$(jq -c '[.status, .hold_reasons]' <<<"$output")" '["fulfilled",null]'
	run oms check
	assert_success
}

@test "fulfilled and fulfillable in a canonical record: counts, all, and what cannot be" {
	base='"type":"order","channel":"web","currency":"USD","ship_to":{"address1":"1 Main St","city":"New York","postal_code":"10001","country":"US"}'
	cat > in.jsonl <<EOF
{$base,"external_id":"1","lines":[{"sku":"A","qty":3,"unit_price":"1.00","fulfilled":2}]}
{$base,"external_id":"2","lines":[{"sku":"A","qty":3,"unit_price":"1.00","fulfilled":true}]}
{$base,"external_id":"3","lines":[{"sku":"A","qty":3,"unit_price":"1.00","fulfillable":1}]}
{$base,"external_id":"4","lines":[{"sku":"A","qty":3,"unit_price":"1.00","fulfilled":false}]}
{$base,"external_id":"5","lines":[{"sku":"A","qty":3,"unit_price":"1.00","fulfilled":4}]}
{$base,"external_id":"6","lines":[{"sku":"A","qty":3,"unit_price":"1.00","fulfillable":-1}]}
{$base,"external_id":"7","lines":[{"sku":"A","qty":3,"unit_price":"1.00","fulfilled":"lots"}]}
EOF
	run --separate-stderr oms-import --channel oms in.jsonl
	assert_failure 1
	assert_equal "$(jq -c '[.external_id, .status, .lines[0].fulfilled]' <<<"$output")" '["1","partly_shipped",2]
["2","fulfilled",3]
["3","partly_shipped",2]
["4","open",null]'
	assert_equal "$stderr" "oms-import: in.jsonl:5: order 5: line 1: fulfilled 4 is more than the quantity 3
oms-import: in.jsonl:6: order 6: line 1: fulfillable must be a whole number from 0 to the quantity
oms-import: in.jsonl:7: order 7: line 1: fulfilled must be true, false or a whole number"
	run oms check
	assert_success
}
