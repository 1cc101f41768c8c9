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

# ---- trap 8: orders not yet paid ------------------------------------------

@test "shopify: a pending payment holds the order until an export says it is paid; cash on delivery goes ahead" {
	setup_stock
	# #2101 by bank deposit, not paid yet; #2102 cash on delivery, paid
	# at the door; #2103 paid.
	{ echo "$SHOPIFY"
	  shopify '#2101' pending unfulfilled "A:1:pending" 601 | sed 's/,manual,,0.00,/,Bank Deposit,,0.00,/; s/,pending,2026-11-25 09:00:00 -0500,/,pending,,/'
	  shopify '#2102' pending unfulfilled "A:1:pending" 602 | sed 's/,manual,,0.00,/,Cash on Delivery (COD),,0.00,/; s/,pending,2026-11-25 09:00:00 -0500,/,pending,,/'
	  shopify '#2103' paid unfulfilled "B:1:pending" 603
	} > day1.csv
	run --separate-stderr oms-import -v day1.csv
	assert_success
	assert_equal "${stderr_lines[1]}" "oms-import: 3 created, 0 updated, 0 unchanged, 0 older, 1 held, 0 rejected"
	assert_equal "$(jq -c '[.external_id, .status, .hold_reasons, .payment]' <<<"$output")" '["#2101","hold",["awaiting payment (payment status pending)"],{"status":"pending","method":"Bank Deposit"}]
["#2102","open",null,{"status":"pending","method":"Cash on Delivery (COD)","on_delivery":true}]
["#2103","open",null,{"status":"paid","method":"manual","paid_at":"2026-11-25T14:00:00Z"}]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT external_id, status, hold_kind, payment_status FROM orders ORDER BY id")" "#2101|hold|problems|pending
#2102|open||pending
#2103|open||paid"
	# Routing takes the two that may go; the unpaid one waits, and says so.
	oms-route --pending > routed.jsonl
	assert_equal "$(jq -c '[.order, .status]' routed.jsonl)" '["o_2","allocated"]
["o_3","allocated"]'
	run oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .reasons]' <<<"$output")" '["held","o_1",["awaiting payment (payment status pending)"]]'
	# The transfer arrives: the next export says paid, and the hold lifts.
	{ echo "$SHOPIFY"
	  shopify '#2101' paid unfulfilled "A:1:pending" 601 | sed 's/,manual,,0.00,/,Bank Deposit,,0.00,/; s/,paid,2026-11-25 09:00:00 -0500,/,paid,2026-11-26 11:00:00 -0500,/'
	} > day2.csv
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$(jq -c '[.id, .status, .hold_reasons, .payment.status]' <<<"$output")" '["o_1","open",null,"paid"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE order_id = 1 ORDER BY id")" 'created||{"status":"hold","hold_reasons":["awaiting payment (payment status pending)"]}
updated|{"payment":{"status":"pending","method":"Bank Deposit"},"status":"hold"}|{"payment":{"status":"paid","method":"Bank Deposit","paid_at":"2026-11-26T16:00:00Z"},"status":"open"}'
	OMS_NOW=2026-11-26T17:00:00Z oms-route --pending > routed2.jsonl
	assert_equal "$(jq -c '[.order, .status]' routed2.jsonl)" '["o_1","allocated"]'
	OMS_NOW=2026-11-26T17:00:00Z oms-ship --carrier offline --labels labels routed.jsonl routed2.jsonl > shipped.jsonl
	assert_equal "$(jq -c '.order' shipped.jsonl | sort | tr '\n' ' ')" '"o_1" "o_2" "o_3" '
	OMS_NOW=2026-11-26T17:00:00Z run oms status
	assert_success
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "canonical records: a pending payment on terms or at the door goes ahead; on_delivery must be true or false" {
	base='"type":"order","channel":"web","currency":"USD","ship_to":{"address1":"1 Main St","city":"New York","postal_code":"10001","country":"US"},"lines":[{"sku":"A","qty":1,"unit_price":"1.00"}]'
	cat > in.jsonl <<EOF
{$base,"external_id":"1","payment":{"status":"pending"}}
{$base,"external_id":"2","payment":{"status":"pending","terms":"Net 30"}}
{$base,"external_id":"3","payment":{"status":"pending","on_delivery":true}}
{$base,"external_id":"4","payment":{"status":"pending","on_delivery":false}}
{$base,"external_id":"5","payment":{"status":"authorized"}}
{$base,"external_id":"6","payment":{"status":"pending","on_delivery":"yes"}}
EOF
	run --separate-stderr oms-import --channel oms in.jsonl
	assert_failure 1
	assert_equal "$(jq -c '[.external_id, .status, .hold_reasons]' <<<"$output")" '["1","hold",["awaiting payment (payment status pending)"]]
["2","open",null]
["3","open",null]
["4","hold",["awaiting payment (payment status pending)"]]
["5","open",null]'
	assert_equal "$stderr" "oms-import: in.jsonl:6: order 6: payment.on_delivery must be true or false"
}

@test "woocommerce: on-hold (awaiting a bank transfer) waits; cash on delivery is processing and goes" {
	cat > in.json <<'EOF'
[{"id":7001,"number":"7001","order_key":"wc_order_Qx7001","status":"on-hold","currency":"EUR","date_created_gmt":"2026-11-25T10:00:00","date_modified_gmt":"2026-11-25T10:00:00","total":"20.00","shipping_total":"0.00","total_tax":"0.00","discount_total":"0.00","payment_method":"bacs","payment_method_title":"Direct bank transfer","date_paid_gmt":null,
  "billing":{"first_name":"Eva","last_name":"Roth","email":"eva@example.com"},
  "shipping":{"first_name":"Eva","last_name":"Roth","address_1":"Hauptstr. 1","city":"Berlin","postcode":"10115","country":"DE"},
  "line_items":[{"id":1,"name":"Thing","sku":"A","quantity":2,"price":10,"subtotal":"20.00","total":"20.00","total_tax":"0.00"}]},
 {"id":7002,"number":"7002","order_key":"wc_order_Qx7002","status":"processing","currency":"EUR","date_created_gmt":"2026-11-25T11:00:00","date_modified_gmt":"2026-11-25T11:00:00","total":"10.00","shipping_total":"0.00","total_tax":"0.00","discount_total":"0.00","payment_method":"cod","payment_method_title":"Cash on delivery","date_paid_gmt":null,
  "billing":{"first_name":"Jan","last_name":"Roth","email":"jan@example.com"},
  "shipping":{"first_name":"Jan","last_name":"Roth","address_1":"Hauptstr. 2","city":"Berlin","postcode":"10115","country":"DE"},
  "line_items":[{"id":2,"name":"Thing","sku":"A","quantity":1,"price":10,"subtotal":"10.00","total":"10.00","total_tax":"0.00"}]}]
EOF
	run --separate-stderr oms-import in.json
	assert_success
	assert_equal "$(jq -c '[.external_id, .status, .hold_reasons, .payment]' <<<"$output")" '["7001","hold",["awaiting payment (payment status pending)"],{"status":"pending","method":"Direct bank transfer"}]
["7002","open",null,{"status":"paid","method":"Cash on delivery","on_delivery":true}]'
}

# ---- eBay: the Seller Hub orders report -----------------------------------

EBAY_HEAD=$(sed -n 2p "$FIX/ebay-orders-bom.csv")
IFS=, read -r -a EBAY_COLS <<<"$(tr -d '"' <<<"$EBAY_HEAD")"

# ebay_row 'Column=value' ...: one row of the report, every other column
# empty, each value quoted as eBay quotes them.
ebay_row() {
	local -A v
	local kv c out=
	for kv; do v[${kv%%=*}]=${kv#*=}; done
	for c in "${EBAY_COLS[@]}"; do
		out+="\"${v[$c]:-}\","
	done
	printf '%s\n' "${out%,}"
}

# ebay_file ROW...: the report around its rows, framing and all.
ebay_file() {
	printf '\xef\xbb\xbf%s\n' "$(printf ',%.0s' $(seq 84))"
	echo "$EBAY_HEAD"
	printf '%s\n' "$(printf '"",%.0s' $(seq 84))\"\""
	printf '%s\n' "$@"
	echo
	echo "$#,record(s) downloaded,from Nov-01-26 to Nov-30-26"
	echo "Seller ID : oak_and_iron"
}

# An eBay order of one line: RECORD ORDER_NUMBER SKU QTY SOLD_FOR TOTAL
# SALE_DATE PAID_DATE: the buyer and the address are always the same.
ebay_order() {
	ebay_row "Sales Record Number=$1" "Order Number=$2" "Buyer Username=ann_b" \
	    "Buyer Name=Ann Buyer" "Buyer Email=ann@example.com" \
	    "Ship To Name=Ann Buyer" "Ship To Address 1=1 Main St" \
	    "Ship To City=New York" "Ship To State=NY" "Ship To Zip=10001" \
	    "Ship To Country=United States" "Item Number=18450000$1" \
	    "Item Title=Thing $3" "Custom Label=$3" "Quantity=$4" \
	    "Sold For=\$$5" "Shipping And Handling=\$0.00" "eBay Collected Tax=\$0.00" \
	    "Total Price=\$$6" "Payment Method=${8:+eBay Managed Payments}" \
	    "Sale Date=$7" "Paid On Date=$8" "Transaction ID=99$1"
}

@test "ebay: an unpaid order keyed by its record number is the same order once paid and numbered; an older export does not bring it back" {
	setup_stock
	# Day 1: 2001 not paid (no order number yet); 2002 cancelled before
	# payment (total 0.00); 2003 paid.
	ebay_file "$(ebay_order 2001 '' A 1 20.00 20.00 'Nov-24-26 10:00:00' '')" \
	    "$(ebay_order 2002 '' B 1 15.00 0.00 'Nov-24-26 11:00:00' '')" \
	    "$(ebay_order 2003 07-11111-22222 B 2 15.00 30.00 'Nov-24-26 12:00:00' 'Nov-24-26 12:01:00')" > day1.csv
	touch -d 2026-11-24T20:00:00Z day1.csv
	run --separate-stderr oms-import -v --exported-at mtime day1.csv
	assert_success
	assert_equal "${stderr_lines[1]}" "oms-import: 3 created, 0 updated, 0 unchanged, 0 older, 1 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .external_id, .status, .hold_reasons, .payment.status]' <<<"$output")" '["o_1","2001","hold",["awaiting payment (payment status pending)"],"pending"]
["o_2","2002","cancelled",null,"pending"]
["o_3","07-11111-22222","open",null,"paid"]'
	oms-route --pending > routed.jsonl
	assert_equal "$(jq -c '[.order, .status]' routed.jsonl)" '["o_3","allocated"]'
	# Day 2: 2001 is paid and has its order number: the same order.
	ebay_file "$(ebay_order 2001 07-33333-44444 A 1 20.00 20.00 'Nov-24-26 10:00:00' 'Nov-25-26 09:30:00')" \
	    "$(ebay_order 2003 07-11111-22222 B 2 15.00 30.00 'Nov-24-26 12:00:00' 'Nov-24-26 12:01:00')" > day2.csv
	touch -d 2026-11-25T20:00:00Z day2.csv
	OMS_NOW=2026-11-25T21:00:00Z run --separate-stderr oms-import -v --exported-at mtime day2.csv
	assert_success
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 1 updated, 1 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .external_id, .status, .hold_reasons, .sales_record_number]' <<<"$output")" '["o_1","07-33333-44444","open",null,"2001"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, external_id, alias, status FROM orders ORDER BY id")" "1|07-33333-44444|2001|open
2|2002|2002|cancelled
3|07-11111-22222|2003|allocated"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT json_extract(before, '$.external_id'), json_extract(after, '$.external_id') FROM events WHERE order_id = 1 AND action = 'updated'")" "2001|07-33333-44444"
	OMS_NOW=2026-11-25T21:00:00Z oms-route --pending > routed2.jsonl
	assert_equal "$(jq -c '[.order, .status]' routed2.jsonl)" '["o_1","allocated"]'
	OMS_NOW=2026-11-25T21:00:00Z oms-ship --carrier offline --labels labels routed.jsonl routed2.jsonl > shipped.jsonl
	# eBay is told of the order by its number.
	OMS_NOW=2026-11-25T22:00:00Z run --separate-stderr oms-ship confirm --feed ebay
	assert_success
	assert_equal "$(jq -c '.order' <<<"$output" | sort | tr '\n' ' ')" '"07-11111-22222" "07-33333-44444" '
	# Day 3: day 1's file again: nothing comes back, nothing is created.
	OMS_NOW=2026-11-26T09:00:00Z run --separate-stderr oms-import -v --exported-at mtime day1.csv
	assert_success
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 2 unchanged, 1 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, external_id, status FROM orders ORDER BY id")" "1|07-33333-44444|shipped
2|2002|cancelled
3|07-11111-22222|shipped"
	assert_equal "$(oms-import --dry-run day2.csv 2>&1 >/dev/null)" ""
	# Named by the record number it had, it is still found.
	run --separate-stderr oms-import release ebay:2001
	assert_failure 1
	assert_equal "$stderr" "oms-import: order o_1 is not on hold (it is shipped)"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

# ---- Etsy: the orders file and the order items file -----------------------

ETSY_ORDERS_US=$(head -1 "$FIX/etsy-orders-us.csv" | tr -d '\r')
ETSY_ORDERS_UK=$(head -1 "$FIX/etsy-orders-uk-cp1252.csv" | tr -d '\r')
ETSY_ITEMS_UK=$(head -1 "$FIX/etsy-items-uk-cp1252.csv" | tr -d '\r')

# row HEADER 'Column=value' ...: one row in the columns of HEADER, every
# other column empty; a value with a comma is quoted.
row() {
	local -A v
	local -a cols
	local kv c out= x
	IFS=, read -r -a cols <<<"$1"
	shift
	for kv; do v[${kv%%=*}]=${kv#*=}; done
	for c in "${cols[@]}"; do
		x=${v[$c]:-}
		[[ $x == *,* ]] && x="\"$x\""
		out+="$x,"
	done
	printf '%s\n' "${out%,}"
}

# An order of the US orders file: ID VALUE SHIPPING TAX TOTAL STATUS
# ADJUSTED_TOTAL ADJUSTED_FEES ADJUSTED_NET, shipped on 11/25/26.
etsy_order_us() {
	row "$ETSY_ORDERS_US" "Sale Date=11/24/26" "Order ID=$1" "Buyer User ID=9$1" \
	    "Full Name=Ann Lee" "First Name=Ann" "Last Name=Lee" "Number of Items=1" \
	    "Payment Method=Credit Card" "Date Shipped=11/25/26" "Street 1=1 Main St" \
	    "Ship City=Portland" "Ship State=ME" "Ship Zipcode=04101" \
	    "Ship Country=United States" "Currency=USD" "Order Value=$2" \
	    "Discount Amount=0" "Shipping Discount=0" "Shipping=$3" "Sales Tax=$4" \
	    "Order Total=$5" "Status=$6" "Card Processing Fees=1.00" \
	    "Order Net=$(bc <<<"$5 - 1.00")" "Adjusted Order Total=$7" \
	    "Adjusted Card Processing Fees=$8" "Adjusted Net Order Amount=$9" \
	    "Buyer=ann$1" "Order Type=online" "Payment Type=online_cc" "SKU=A"
}

@test "etsy: an orders file re-saved by a spreadsheet (0 for every blank adjustment) refunds nothing, keeps the net, and says the file looks re-saved" {
	{ echo "$ETSY_ORDERS_US"
	  etsy_order_us 3001 20.00 5.00 1.60 26.60 Completed 0 0 0
	  etsy_order_us 3002 30.00 5.00 2.40 37.40 Completed 0 0 0
	  etsy_order_us 3003 10.00 0.00 0.80 10.80 Completed 0 0 0
	} > orders.csv
	run --separate-stderr oms-import orders.csv
	assert_success
	assert_equal "$(jq -c '[.external_id, .status, .totals.total, .totals.refunded, .order_net]' <<<"$output")" '["3001","fulfilled","26.60",null,"25.60"]
["3002","fulfilled","37.40",null,"36.40"]
["3003","fulfilled","10.80",null,"9.80"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE refunded IS NOT NULL")" "0"
	assert_equal "${stderr_lines[0]}" "oms-import: orders.csv: columns 'Adjusted Order Total', 'Adjusted Card Processing Fees', 'Adjusted Net Order Amount' are 0 on every row, where etsy leaves them blank when there is nothing to say: the file looks re-saved by a spreadsheet, and 0 there is taken as blank"
}

@test "etsy: a refund is a refund where the file says so: a status, or an adjusted total below the total; a lone 0 is not" {
	{ echo "$ETSY_ORDERS_US"
	  etsy_order_us 3101 20.00 5.00 1.60 26.60 'Fully Refunded' 0 0 0
	  etsy_order_us 3102 30.00 5.00 2.40 37.40 'Partially Refunded' 27.40 0.80 26.60
	  etsy_order_us 3103 10.00 0.00 0.80 10.80 Completed 0 0 0
	  etsy_order_us 3104 10.00 0.00 0.80 10.80 Completed '' '' ''
	} > orders.csv
	run --separate-stderr oms-import orders.csv
	assert_success
	assert_equal "$(jq -c '[.external_id, .totals.total, .totals.refunded, .order_net]' <<<"$output")" '["3101","26.60","26.60","0.00"]
["3102","37.40","10.00","26.60"]
["3103","10.80",null,"9.80"]
["3104","10.80",null,"9.80"]'
	# Not every row is 0: no word of a re-saved file.
	assert_equal "$stderr" "oms-import: orders.csv: 4 orders have no lines: this file (etsy-orders) adds to orders whose lines come from the etsy-items file: import that too"
}

@test "etsy: the delivery discount is already out of Delivery: it is not taken off again, in the orders file or the items file" {
	# 62.00 of goods, delivery 7.50 discounted to 0.00, tax 4.96: 66.96.
	{ echo "$ETSY_ITEMS_UK"
	  row "$ETSY_ITEMS_UK" "Sale Date=11/24/26" "Item Name=Wool Throw" "Buyer=bea" \
	      "Quantity=1" "Price=62.00" "Discount Amount=0" "Delivery Discount=7.50" \
	      "Order Delivery=0.00" "Order Sales Tax=4.96" "Item Total=62.00" \
	      "Currency=GBP" "Transaction ID=5501" "Listing ID=7701" "Date Paid=11/24/26" \
	      "Delivery Name=Bea Wood" "Delivery Address1=2 Church Row" "Delivery City=York" \
	      "Delivery Zipcode=YO1 7HH" "Delivery Country=United Kingdom" \
	      "Order ID=3201" "Order Type=online" "Payment Type=online_cc" "SKU=A"
	} > items.csv
	{ echo "$ETSY_ORDERS_UK"
	  row "$ETSY_ORDERS_UK" "Sale Date=11/24/26" "Order ID=3201" "Full Name=Bea Wood" \
	      "Number of Items=1" "Street 1=2 Church Row" "Delivery City=York" \
	      "Delivery Zipcode=YO1 7HH" "Delivery Country=United Kingdom" "Currency=GBP" \
	      "Order Value=62.00" "Discount Amount=0" "Delivery Discount=7.50" \
	      "Delivery=0.00" "Sales tax=4.96" "Order total=66.96" "Status=Completed" \
	      "Card Processing Fees=2.50" "Order Net=64.46" "SKU=A"
	} > orders.csv
	run --separate-stderr oms-import items.csv
	assert_success
	assert_equal "$(jq -c '[.totals, .shipping_discount, .hold_reasons]' <<<"$output")" '[{"subtotal":"62.00","shipping":"0.00","discount":"0.00","tax":"4.96","total":"66.96"},"7.50",null]'
	run --separate-stderr oms-import orders.csv
	assert_success
	assert_equal "$(jq -c '[.totals, .shipping_discount, .order_net, (.lines | length)]' <<<"$output")" '[{"subtotal":"62.00","shipping":"0.00","discount":"0.00","tax":"4.96","total":"66.96"},"7.50","64.46",1]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT subtotal, shipping, discount, tax, total FROM orders")" "6200|0|0|496|6696"
	# Vetted, neither file has totals that do not add up.
	run --separate-stderr oms-import --check items.csv
	assert_success
	assert_output ""
	run oms check
	assert_success
}

@test "etsy: an orders file without names and streets (a privacy export) is still an orders file; alone, it says the items file is needed" {
	# The US header less Full Name, First Name, Last Name, Street 1, Street 2.
	local head
	head=$(tr ',' '\n' <<<"$ETSY_ORDERS_US" | grep -v -x -e 'Full Name' -e 'First Name' -e 'Last Name' -e 'Street 1' -e 'Street 2' | paste -sd,)
	{ echo "$head"
	  row "$head" "Sale Date=11/24/26" "Order ID=3301" "Number of Items=1" \
	      "Date Shipped=11/25/26" "Ship City=Portland" "Ship Country=United States" \
	      "Currency=USD" "Order Value=20.00" "Shipping=5.00" "Sales Tax=1.60" \
	      "Order Total=26.60" "Status=Completed" "SKU=A"
	  row "$head" "Sale Date=11/24/26" "Order ID=3302" "Number of Items=2" \
	      "Ship City=Portland" "Ship Country=United States" \
	      "Currency=USD" "Order Value=30.00" "Shipping=5.00" "Sales Tax=2.40" \
	      "Order Total=37.40" "Status=Completed" "SKU=A,B"
	} > orders.csv
	run --separate-stderr oms-import -v orders.csv
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: orders.csv: read as etsy-orders (channel etsy)"
	assert_equal "${stderr_lines[1]}" "oms-import: orders.csv: 2 orders have no lines: this file (etsy-orders) adds to orders whose lines come from the etsy-items file: import that too"
	assert_equal "$(jq -c '[.external_id, .status, (.lines | length), .totals.total]' <<<"$output")" '["3301","fulfilled",0,"26.60"]
["3302","hold",0,"37.40"]'
	# The same file again: nothing new, no word.
	run --separate-stderr oms-import orders.csv
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr oms-import --check orders.csv
	assert_failure 1
	assert_output '{"type":"finding","file":"orders.csv","line":null,"order":null,"kind":"needs_file","message":"this file (etsy-orders) adds to orders whose lines come from the etsy-items file: import that too"}'
}

@test "ebay: '--' and '-' are no values: a shipped order keeps none of them, an unshipped one is held for its address" {
	setup_stock
	# eBay masks the personal data of old orders with --; a postal code of -.
	masked=("Buyer Name=--" "Buyer Email=--" "Ship To Name=--" "Ship To Phone=--" \
	    "Ship To Address 1=--" "Ship To Address 2=--" "Ship To City=--" \
	    "Ship To State=--" "Ship To Zip=-" "Ship To Country=United States")
	ebay_file "$(ebay_row "Sales Record Number=2101" "Order Number=07-00000-00001" \
	    "Buyer Username=old_buyer" "${masked[@]}" "Item Number=1845" "Item Title=Thing A" \
	    "Custom Label=A" "Quantity=1" "Sold For=\$10.00" "Shipping And Handling=\$0.00" \
	    "Total Price=\$10.00" "Sale Date=Mar-01-23 10:00:00" "Paid On Date=Mar-01-23 10:01:00" \
	    "Shipped On Date=Mar-02-23 09:00:00" "Transaction ID=88001")" \
	  "$(ebay_row "Sales Record Number=2102" "Order Number=07-00000-00002" \
	    "Buyer Username=new_buyer" "${masked[@]}" "Item Number=1846" "Item Title=Thing B" \
	    "Custom Label=B" "Quantity=1" "Sold For=\$10.00" "Shipping And Handling=\$0.00" \
	    "Total Price=\$10.00" "Sale Date=Nov-24-26 10:00:00" "Paid On Date=Nov-24-26 10:01:00" \
	    "Transaction ID=88002")" > masked.csv
	run --separate-stderr oms-import -v masked.csv
	assert_success
	assert_equal "$(jq -c '[.external_id, .status, .hold_reasons, .customer, .ship_to]' <<<"$output")" '["07-00000-00001","fulfilled",null,null,{"country":"US"}]
["07-00000-00002","hold",["incomplete ship_to address: no address1, city, postal_code"],null,{"country":"US"}]'
	assert_equal "${stderr_lines[1]}" "oms-import: masked.csv:4: order 07-00000-00001: '--' taken as no value in customer.email, customer.name, customer.phone, ship_to.name, ship_to.address1, ship_to.address2, ship_to.city, ship_to.region, ship_to.postal_code, ship_to.phone, bill_to.name"
	assert_equal "${stderr_lines[3]}" "oms-import: masked.csv: 2 orders had placeholder values, taken as none"
	# Routing leaves the held one be.
	run oms-route --pending
	assert_success
	assert_output ""
	run oms check
	assert_success
}

@test "ebay: a row repeated with its Transaction ID is one line; the same id with other goods refuses the order" {
	setup_stock
	one=(Sales\ Record\ Number=2201 "Order Number=07-00000-00201" "Buyer Username=ann_b" \
	    "Ship To Name=Ann Buyer" "Ship To Address 1=1 Main St" "Ship To City=New York" \
	    "Ship To State=NY" "Ship To Zip=10001" "Ship To Country=United States" \
	    "Item Number=1847" "Item Title=Thing A" "Custom Label=A" "Sold For=\$10.00" \
	    "Shipping And Handling=\$3.67" "Total Price=\$13.67" "Sale Date=Nov-24-26 10:00:00" \
	    "Paid On Date=Nov-24-26 10:01:00" "Transaction ID=88201")
	two=("${one[@]/2201/2202}")
	two=("${two[@]/00201/00202}")
	ebay_file "$(ebay_row "${one[@]}" "Quantity=1")" "$(ebay_row "${one[@]}" "Quantity=1")" \
	    "$(ebay_row "${two[@]}" "Quantity=1")" "$(ebay_row "${two[@]}" "Quantity=2")" > rep.csv
	run --separate-stderr oms-import rep.csv
	assert_failure 1
	assert_equal "$(jq -c '[.external_id, .status, .hold_reasons, .totals.subtotal, .totals.total, [.lines[] | [.line_id, .qty]]]' <<<"$output")" '["07-00000-00201","open",null,"10.00","13.67",[["88201",1]]]'
	assert_equal "$stderr" "oms-import: rep.csv:6: order 07-00000-00202: line 2 has the line id 88201 of line 1, with other values: which is the order's?"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM order_lines")" "1"
	oms-route --pending > routed.jsonl
	oms-ship --carrier offline --labels labels routed.jsonl > shipped.jsonl
	assert_equal "$(jq -c '[.lines[] | [.sku, .qty]]' shipped.jsonl)" '[["A",1]]'
	run oms check
	assert_success
}

@test "a date with no hour is the seller's day: in the zone of the merchant's first location, or --tz; UTC with neither" {
	row2() {
		ebay_file "$(ebay_order 2301 07-00000-00301 A 1 10.00 10.00 'Nov-24-26' 'Nov-24-26')"
	}
	row2 > day.csv
	# No location yet: UTC's day.
	oms-import day.csv | jq -c '[.placed_at, .payment.paid_at]' > utc.out
	assert_equal "$(cat utc.out)" '["2026-11-24T00:00:00Z","2026-11-24T00:00:00Z"]'
	fresh_db
	setup_stock		# EWR1, America/New_York
	run --separate-stderr oms-import day.csv
	assert_success
	assert_equal "$(jq -c '[.placed_at, .payment.paid_at]' <<<"$output")" '["2026-11-24T05:00:00Z","2026-11-24T05:00:00Z"]'
	fresh_db
	setup_stock
	run --separate-stderr oms-import --tz Europe/Berlin day.csv
	assert_equal "$(jq -c '[.placed_at, .payment.paid_at]' <<<"$output")" '["2026-11-23T23:00:00Z","2026-11-23T23:00:00Z"]'
	# A time of day is read as before: the adapter's zone, else UTC.
	ebay_file "$(ebay_order 2302 07-00000-00302 A 1 10.00 10.00 'Nov-24-26 10:00:00' 'Nov-24-26 10:01:00')" > timed.csv
	run --separate-stderr oms-import timed.csv
	assert_equal "$(jq -c '[.placed_at, .payment.paid_at]' <<<"$output")" '["2026-11-24T10:00:00Z","2026-11-24T10:01:00Z"]'
}

# ---- Amazon: prices with VAT in them ---------------------------------------

AMZ_ALL=$(head -1 "$FIX/amazon-all-orders.txt")

amz_row() {
	local -A v
	local -a cols
	local kv c out=
	IFS=$'\t' read -r -a cols <<<"$AMZ_ALL"
	for kv; do v[${kv%%=*}]=${kv#*=}; done
	for c in "${cols[@]}"; do out+="${v[$c]:-}"$'\t'; done
	printf '%s\n' "${out%$'\t'}"
}

@test "amazon: a UK or EU marketplace's prices hold the VAT: the total adds none, and says so; Amazon.com's do not" {
	{ echo "$AMZ_ALL"
	  amz_row amazon-order-id=202-1111111-1111111 purchase-date=2026-11-24T10:00:00+00:00 \
	      order-status=Shipped fulfillment-channel=Merchant sales-channel=Amazon.co.uk \
	      product-name=Thing sku=A item-status=Shipped quantity=1 currency=EUR \
	      item-price=10.59 item-tax=1.84 shipping-price=1.00 shipping-tax=0.17 \
	      ship-city=Madrid ship-postal-code=28001 ship-country=ES
	  amz_row amazon-order-id=114-2222222-2222222 purchase-date=2026-11-24T11:00:00+00:00 \
	      order-status=Shipped fulfillment-channel=Merchant sales-channel=Amazon.com \
	      product-name=Thing sku=A item-status=Shipped quantity=1 currency=USD \
	      item-price=10.59 item-tax=0.85 shipping-price=1.00 shipping-tax=0.08 \
	      ship-city=Austin ship-state=TX ship-postal-code=78701 ship-country=US
	} > all.txt
	run --separate-stderr oms-import all.txt
	assert_success
	assert_equal "$(jq -c '[.external_id, .currency, .totals]' <<<"$output")" '["202-1111111-1111111","EUR",{"subtotal":"10.59","shipping":"1.00","discount":"0.00","tax":"2.01","tax_included":true,"total":"11.59"}]
["114-2222222-2222222","USD",{"subtotal":"10.59","shipping":"1.00","discount":"0.00","tax":"0.93","total":"12.52"}]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT external_id, tax, total FROM orders ORDER BY id")" "202-1111111-1111111|201|1159
114-2222222-2222222|93|1252"
	run --separate-stderr oms-import --check all.txt
	assert_success
	run oms check
	assert_success
}

@test "canonical records: totals.tax_included must be true or false, and leaves the tax out of a total it computes" {
	base='"type":"order","channel":"web","currency":"EUR","ship_to":{"address1":"1 Calle","city":"Madrid","postal_code":"28001","country":"ES"},"lines":[{"sku":"A","qty":1,"unit_price":"12.10","tax":"2.10"}]'
	printf '%s\n' "{$base,\"external_id\":\"1\",\"totals\":{\"tax_included\":true}}" \
	    "{$base,\"external_id\":\"2\"}" \
	    "{$base,\"external_id\":\"3\",\"totals\":{\"tax_included\":1}}" > in.jsonl
	run --separate-stderr oms-import --channel oms in.jsonl
	assert_failure 1
	assert_equal "$(jq -c '[.external_id, .totals]' <<<"$output")" '["1",{"subtotal":"12.10","shipping":"0.00","discount":"0.00","tax":"2.10","tax_included":true,"total":"12.10"}]
["2",{"subtotal":"12.10","shipping":"0.00","discount":"0.00","tax":"2.10","total":"14.20"}]'
	assert_equal "$stderr" "oms-import: in.jsonl:3: order 3: totals.tax_included must be true or false"
}

# ---- --check: vetting a file ---------------------------------------------

# No database: no file, or on PostgreSQL a schema with no tables.
no_db() {
	if on_pg; then
		pg_admin -c "DROP SCHEMA \"$(pg_schema "$OMS_DB")\" CASCADE" \
			-c "CREATE SCHEMA \"$(pg_schema "$OMS_DB")\""
	else
		rm "$OMS_DB"
	fi
}

still_no_db() {
	if on_pg; then
		[ "$(pg_admin -c "SELECT count(*) FROM pg_tables
		    WHERE schemaname = '$(pg_schema "$OMS_DB")'")" = 0 ]
	else
		[ ! -e "$OMS_DB" ]
	fi
}

@test "--check: each order whose totals do not add up, placeholders, repeated lines and holds, by file and line; nothing stored, no database" {
	no_db
	ebay_file "$(ebay_order 2401 07-00000-00401 A 1 10.00 10.00 'Nov-24-26 10:00:00' 'Nov-24-26 10:01:00')" \
	    "$(ebay_order 2402 07-00000-00402 A 1 10.00 12.00 'Nov-24-26 10:00:00' 'Nov-24-26 10:01:00')" \
	    "$(ebay_order 2403 07-00000-00403 B 1 10.00 10.00 'Nov-24-26 10:00:00' 'Nov-24-26 10:01:00' | sed 's/"1 Main St"/"--"/')" \
	    "$(ebay_order 2404 07-00000-00404 B 2 5.00 10.00 'Nov-24-26 10:00:00' 'Nov-24-26 10:01:00')" \
	    "$(ebay_order 2404 07-00000-00404 B 2 5.00 10.00 'Nov-24-26 10:00:00' 'Nov-24-26 10:01:00')" \
	    "$(ebay_order 2405 '' A 1 10.00 10.00 'Nov-24-26 10:00:00' '')" > vet.csv
	{ echo "$SHOPIFY"; shopify '#2501' paid unfulfilled "A:1:pending" 701; } > clean.csv
	run --separate-stderr oms-import --check vet.csv clean.csv
	assert_failure 1
	assert_output - <<'OUT'
{"type":"finding","file":"vet.csv","line":5,"order":"07-00000-00402","kind":"totals","message":"totals do not add up: subtotal, discount, shipping and tax come to 10.00 but the total is 12.00"}
{"type":"finding","file":"vet.csv","line":6,"order":"07-00000-00403","kind":"placeholder","message":"'--' taken as no value in ship_to.address1"}
{"type":"finding","file":"vet.csv","line":6,"order":"07-00000-00403","kind":"hold","message":"incomplete ship_to address: no address1"}
{"type":"finding","file":"vet.csv","line":7,"order":"07-00000-00404","kind":"repeated_line","message":"line 2 repeats line 1 (line id 992404): taken once"}
{"type":"finding","file":"vet.csv","line":9,"order":"2405","kind":"hold","message":"awaiting payment (payment status pending)"}
OUT
	assert_equal "$stderr" "oms-import: vet.csv: 5 orders read, 5 findings
oms-import: clean.csv: 1 order read, 0 findings"
	still_no_db
	# A clean file: no output, exit 0.
	run --separate-stderr oms-import --check -q clean.csv
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	# A file no adapter knows, and a record that cannot be read: exit 1.
	echo "hello" > junk.txt
	run --separate-stderr oms-import --check junk.txt
	assert_failure 1
	assert_equal "$stderr" "oms-import: junk.txt: not a file of any channel adapter this oms has (oms-import channels lists them)"
	still_no_db
}

@test "--check is in the usage and the completions of bash, zsh and fish" {
	run oms-import --help
	assert_output --partial "oms-import --check [-qv] [--channel NAME|auto] [--tz ZONE] [FILE ...]"
	run bash -c 'source "$1"; COMP_WORDS=(oms-import --che); COMP_CWORD=1
		_oms_import oms-import --che oms-import; printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/oms-import"
	assert_output "--check"
	grep -q -- "'--check\[vet the files" "$TOP/completions/zsh/_oms-import"
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -c "source $TOP/completions/fish/oms-import.fish; complete -C 'oms-import --che'"
	assert_output "--check	Vet the files: report what is worth a look, store nothing"
}

@test "repeated lines are named by their place in the file's order, in a short order and a long one" {
	base='"type":"order","channel":"web","currency":"USD","ship_to":{"address1":"1 Main St","city":"New York","postal_code":"10001","country":"US"}'
	l() { printf '{"line_id":"%s","sku":"%s","qty":1,"unit_price":"1.00"}' "$1" "$2"; }
	short="$(l 1 A),$(l 1 A),$(l 3 B),$(l 3 B),$(l 5 C)"
	long=$(for i in $(seq 1 20); do printf '%s,' "$(l "$i" "S$i")"; done; l 7 S7)
	printf '%s\n' "{$base,\"external_id\":\"1\",\"lines\":[$short]}" \
	    "{$base,\"external_id\":\"2\",\"lines\":[$long]}" > in.jsonl
	run --separate-stderr oms-import -v --channel oms in.jsonl
	assert_success
	assert_equal "$(jq -c '[.external_id, [.lines[].line_id]]' <<<"$output")" '["1",["1","3","5"]]
["2",["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20"]]'
	assert_equal "$(grep repeats <<<"$stderr")" "oms-import: in.jsonl:1: order 1: line 2 repeats line 1 (line id 1): taken once
oms-import: in.jsonl:1: order 1: line 4 repeats line 3 (line id 3): taken once
oms-import: in.jsonl:2: order 2: line 21 repeats line 7 (line id 7): taken once"
	assert_equal "$(grep 'taken once$' <<<"$stderr" | grep -c 'repeated line')" "1"
}
