#!/usr/bin/env bats
# Adapter paths that walk lists (refunds[].total), sums in minor units,
# and shared named maps (maps/country.json), as oms-channels(5) says.

load helper

# WooCommerce order 1003 (EUR) with $1 refunds of $2 each, one file.
woo() {
	jq --argjson n "$1" --arg a "$2" '.[2] | .number = "R\($n)" |
		.refunds = [range($n) | {id: (9000 + .), reason: "", total: $a}]' \
		"$FIX/woocommerce-orders.json"
}

# What the order comes to, and its refunds as stored, in minor units.
totals() {
	jq -c '{external_id,currency,totals}'
}
stored() {
	sqlite3 "$OMS_DB" "SELECT external_id, currency, total,
		coalesce(refunded, '-'), json_extract(record, '$.totals.refunded')
		FROM orders"
}

# ---- refunds[].total -------------------------------------------------

@test "woocommerce: no refunds is no refunded amount, beside an order whose eleventh refund counts" {
	{ woo 0 -10.00; woo 11 -1.00; } | jq -s . > r0.json
	run --separate-stderr oms-import r0.json
	assert_success
	assert_equal "$stderr" ""
	run totals <<<"$output"
	assert_output - <<'OUT'
{"external_id":"R0","currency":"EUR","totals":{"subtotal":"18.00","shipping":"4.90","discount":"0.00","tax":"0.00","total":"22.90"}}
{"external_id":"R11","currency":"EUR","totals":{"subtotal":"18.00","shipping":"4.90","discount":"0.00","tax":"0.00","total":"22.90","refunded":"11.00"}}
OUT
	run stored
	assert_output $'R0|EUR|2290|-|\nR11|EUR|2290|1100|11.00'
}

# $1 refunds of $2 each: the whole order's totals, refunded $3, and
# $4 minor units in the database.
refunds_case() {
	woo "$1" "$2" > "r$1.json"
	run --separate-stderr oms-import "r$1.json"
	assert_success
	assert_equal "$stderr" ""
	run totals <<<"$output"
	assert_output "{\"external_id\":\"R$1\",\"currency\":\"EUR\",\"totals\":{\"subtotal\":\"18.00\",\"shipping\":\"4.90\",\"discount\":\"0.00\",\"tax\":\"0.00\",\"total\":\"22.90\",\"refunded\":\"$3\"}}"
	run stored
	assert_output "R$1|EUR|2290|$4|$3"
}

@test "woocommerce: one refund is refunded to the cent, however large" {
	refunds_case 1 -98765432109876.55 98765432109876.55 9876543210987655
}

@test "woocommerce: twelve refunds of -10.00 are 120.00, not the first ten" {
	refunds_case 12 -10.00 120.00 12000
}

@test "woocommerce: 1,000 refunds of -0.01 are exactly 10.00" {
	refunds_case 1000 -0.01 10.00 1000
}

@test "woocommerce: eleven refunds as JSON numbers add up in minor units, nulls are none" {
	jq '.[2] | .refunds = [range(10) | {total: -0.1}] + [{total: -0.2}, {total: null}, {}]' \
		"$FIX/woocommerce-orders.json" > num.json
	run --separate-stderr oms-import num.json
	assert_success
	assert_equal "$stderr" ""
	run jq -c .totals.refunded <<<"$output"
	assert_output '"1.20"'
	run stored
	assert_output '1003|EUR|2290|120|1.20'
}

@test "woocommerce: a refund in yen has no decimals, a refund back to the buyer's credit keeps its sign" {
	jq '.[2] | .currency = "JPY" | .total = "2290" | .refunds =
		[range(10) | {total: "-100"}] + [{total: "-500"}, {total: "300"}]' \
		"$FIX/woocommerce-orders.json" > jpy.json
	run --separate-stderr oms-import jpy.json
	assert_success
	run jq -c '[.currency, .totals.refunded]' <<<"$output"
	assert_output '["JPY","1200"]'
	run stored
	assert_output '1003|JPY|2290|1200|1200'
}

# ---- hostile paths ---------------------------------------------------

@test "a refunds that is no list rejects its order, named by file, line and order" {
	jq -c '.[0], (.[2] | .refunds = {total: "-1.00"})' \
		"$FIX/woocommerce-orders.json" > notlist.json
	run --separate-stderr oms-import notlist.json
	assert_failure 1
	assert_equal "$stderr" "oms-import: notlist.json:2: record 1: order 1003: refunds[].total: refunds is not a list"
	run jq -r .external_id <<<"$output"
	assert_output 1001
	run sqlite3 "$OMS_DB" "SELECT group_concat(external_id) FROM orders"
	assert_output 1001
}

@test "refunds that are no objects, or totals that are no amounts, reject the order with the element" {
	jq -c '.[2] | .refunds = ["-1.00"]' "$FIX/woocommerce-orders.json" > bad.jsonl
	jq -c '.[2] | .number = "B2" | .refunds[1].total = {amount: "-1.00"}' \
		"$FIX/woocommerce-orders.json" >> bad.jsonl
	jq -c '.[2] | .number = "B3" | .refunds[2].total = true' \
		"$FIX/woocommerce-orders.json" >> bad.jsonl
	jq -c '.[2] | .number = "B4" | .refunds[0].total = "ten"' \
		"$FIX/woocommerce-orders.json" >> bad.jsonl
	jq -c '.[2] | .number = "B5" | .refunds = [{total: "-92233720368547758.07"}, {total: "-0.01"}]' \
		"$FIX/woocommerce-orders.json" >> bad.jsonl
	jq -c '.[1]' "$FIX/woocommerce-orders.json" >> bad.jsonl
	run --separate-stderr oms-import bad.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: bad.jsonl:1: record 1: order 1003: refunds[].total: element 1 of refunds is not an object
oms-import: bad.jsonl:2: record 1: order B2: refunds[].total: element 2 of refunds: an object is not an amount
oms-import: bad.jsonl:3: record 1: order B3: refunds[].total: element 3 of refunds: a truth value is not an amount
oms-import: bad.jsonl:4: record 1: order B4: refunds[].total: element 1 of refunds: 'ten' is not an amount
oms-import: bad.jsonl:5: record 1: order B5: refunds[].total: the sum is out of range"
	run jq -r .external_id <<<"$output"
	assert_output 1002
	run sqlite3 "$OMS_DB" "SELECT count(*), group_concat(external_id) FROM orders"
	assert_output '1|1002'
}

# The bundled adapter $1 changed by the jq program $2, first on the search
# path, stops a run on file $3: exit 3, the message $4 (%A stands for the
# changed adapter's path), and nothing written.
refused() {
	local dir
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/own.XXXXXX")
	mkdir "$dir/channels"
	jq "$2" "$TOP/share/oms/channels/$1.json" > "$dir/channels/$1.json"
	OMS_PATH="$dir:$OMS_PATH" run --separate-stderr oms-import "$3"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "oms-import: ${4//%A/$dir/channels/$1.json}"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM orders"
	assert_output 0
}

@test "an adapter path with a '[' that is not '[]', or a '[]' where one value is meant, is refused when the adapter loads" {
	refused woocommerce '.order["totals.refunded"].from = "refunds[0].total"' \
		"$FIX/woocommerce-orders.json" \
		"adapter '%A': path 'refunds[0].total': '[' must close at once, after a name, as in refunds[].total"
	refused woocommerce '.lines = "line_items[]"' "$FIX/woocommerce-orders.json" \
		"adapter '%A': path 'line_items[]': only a field or a filter walks a list"
}

# ---- shared maps -----------------------------------------------------

@test "one country map, kept once, reads Deutschland as DE for eBay and Etsy alike" {
	run jq -r '[.. | objects | select(has("Deutschland"))] | length' \
		"$TOP/share/oms/channels/ebay.json" "$TOP/share/oms/channels/etsy-orders.json" \
		"$TOP/share/oms/channels/etsy-items.json"
	assert_output $'0\n0\n0'
	run jq -r '.Deutschland' "$TOP/share/oms/maps/country.json"
	assert_output DE
	sed 's/"Germany"/"Deutschland"/' "$FIX/ebay-orders-bom.csv" > ebay.csv
	sed 's/,Canada,/,Deutschland,/' "$FIX/etsy-orders-us.csv" > etsy.csv
	run --separate-stderr oms-import ebay.csv etsy.csv
	assert_success
	run jq -c '[.channel, .external_id, .ship_to.country]' <<<"$output"
	assert_output - <<'OUT'
["ebay","12-34567-89012","US"]
["ebay","23-45678-90123","US"]
["ebay","1003","AU"]
["ebay","04-11111-22222","DE"]
["etsy","2841234567","US"]
["etsy","2841234599","DE"]
["etsy","2841234600","US"]
OUT
	run sqlite3 "$OMS_DB" "SELECT channel, external_id, ship_country FROM orders
		WHERE external_id IN ('04-11111-22222', '2841234599') ORDER BY id"
	assert_output $'ebay|04-11111-22222|DE\netsy|2841234599|DE'
}

@test "a country map of one's own, first on the search path, serves eBay and Etsy both" {
	mkdir -p mine/maps
	jq '. + {"Bundesrepublik Deutschland": "DE", "Kanada": "CA"}' \
		"$TOP/share/oms/maps/country.json" > mine/maps/country.json
	sed 's/"Germany"/"Bundesrepublik Deutschland"/' "$FIX/ebay-orders-bom.csv" > ebay.csv
	sed 's/,Canada,/,Kanada,/' "$FIX/etsy-orders-us.csv" > etsy.csv
	OMS_PATH="$PWD/mine:$OMS_PATH" run --separate-stderr oms-import ebay.csv etsy.csv
	assert_success
	run jq -c 'select(.external_id == "04-11111-22222" or .external_id == "2841234599") |
		[.channel, .external_id, .ship_to.country]' <<<"$output"
	assert_output $'["ebay","04-11111-22222","DE"]\n["etsy","2841234599","CA"]'
	run sqlite3 "$OMS_DB" "SELECT channel, ship_country FROM orders
		WHERE external_id IN ('04-11111-22222', '2841234599') ORDER BY id"
	assert_output $'ebay|DE\netsy|CA'
}

@test "a map that is not there, or not a map of text, fails the adapter with its name" {
	refused ebay '.order["ship_to.country"].map = "countries"' \
		"$FIX/ebay-orders-bom.csv" \
		"%A: field 'ship_to.country': no map 'countries' (maps/countries.json) on the search path"
	refused ebay '.order["ship_to.country"].map = "../maps/country"' \
		"$FIX/ebay-orders-bom.csv" \
		"%A: field 'ship_to.country': '../maps/country' is no map name (a-z, 0-9, _ and -)"
	mkdir -p mine2/maps
	echo '{"Germany": 49}' > mine2/maps/country.json
	OMS_PATH="$PWD/mine2:$OMS_PATH" run --separate-stderr oms-import "$FIX/ebay-orders-bom.csv"
	assert_failure 3
	assert_equal "$stderr" "oms-import: map '$PWD/mine2/maps/country.json': 'Germany' must map to a string or null"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM orders"
	assert_output 0
}

# ---- money is added in C, never in jq ---------------------------------

@test "no adapter's refine program reads money as a number or does sums" {
	run sh -c 'for f in "$1"/*.json; do
		jq -r --arg f "${f##*/}" ".refine // empty | select(test(\"tonumber|fabs|round|floor|\\\\badd\\\\b\")) | \$f" "$f"
	done' sh "$TOP/share/oms/channels"
	assert_success
	assert_output ""
}

@test "etsy: a refund of a very large order is exact to the cent" {
	sed 's/,95\.73,Completed,3\.12,92\.61,,/,98765432109876.55,Partially Refunded,3.12,92.61,0.01,/' \
		"$FIX/etsy-orders-us.csv" > big.csv
	run --separate-stderr oms-import big.csv
	assert_success
	run jq -c '[.external_id, .totals.total, .totals.refunded]' <<<"$output"
	assert_output - <<'OUT'
["2841234567","98765432109876.55","98765432109876.54"]
["2841234599","28.80",null]
["2841234600","51.70","10.00"]
OUT
	run sqlite3 "$OMS_DB" "SELECT external_id, total, coalesce(refunded, '-') FROM orders ORDER BY id"
	assert_output $'2841234567|9876543210987655|9876543210987654\n2841234599|2880|-\n2841234600|5170|1000'
}

@test "amazon-spapi: shipping less its discount and tax are added over the items exactly" {
	jq -c 'if .payload.AmazonOrderId == "113-1111111-1111111" then
		.payload.OrderItems |= map(if .SellerSKU == "CUP-12OZ" then
			.ShippingPrice.Amount = "98765432109876.55" |
			.ShippingDiscount.Amount = "0.01"
		else .ShippingTax.Amount = "0.10" | .ItemTax.Amount = "0.20" end)
		else . end' "$FIX/amazon-spapi-items.json" > items.json
	run --separate-stderr sh -c 'cat "$1" "$2" | oms-import --channel amazon' sh \
		"$FIX/amazon-spapi-orders.json" items.json
	assert_success
	run jq -c 'select(.external_id == "113-1111111-1111111") | .totals' <<<"$output"
	assert_output '{"subtotal":"54.97","shipping":"98765432109876.54","discount":"4.00","tax":"3.98","total":"61.84"}'
	run sqlite3 "$OMS_DB" "SELECT shipping, tax FROM orders WHERE external_id = '113-1111111-1111111'"
	assert_output '9876543210987654|398'
}

@test "a sum over lines is for a JSON adapter's order fields, and minus for a sum" {
	refused amazon-flat '.order["totals.shipping"].over = "lines"' \
		"$FIX/amazon-unshipped.txt" \
		"adapter '%A': \"over\": \"lines\" is for the order fields of a JSON adapter"
	refused woocommerce '.order["totals.total"].minus = "discount_total"' \
		"$FIX/woocommerce-orders.json" \
		"%A: field 'totals.total': minus is for a sum"
}

# ---- no fixed limits ---------------------------------------------------

@test "woocommerce: every coupon of an order is read, not the first alone" {
	jq '.[0] | .coupon_lines += [{id: 802, code: "free-ship", discount: "0.00"}]' \
		"$FIX/woocommerce-orders.json" > coupons.json
	run --separate-stderr oms-import coupons.json
	assert_success
	run jq -c '[.external_id, .coupon_code]' <<<"$output"
	assert_output '["1001","summer10, free-ship"]'
	run sqlite3 "$OMS_DB" "SELECT external_id, json_extract(record, '$.coupon_code') FROM orders"
	assert_output '1001|summer10, free-ship'
}

@test "names of any length in a path or a target, and a search path of any length" {
	long=$(printf 'k%.0s' $(seq 200))
	mkdir -p mine/channels
	jq --arg k "$long" '.order["x_\($k).code"] = "\($k).code"' \
		"$TOP/share/oms/channels/woocommerce.json" > mine/channels/woocommerce.json
	jq --arg k "$long" '.[0] | .[$k] = {code: "deep"}' "$FIX/woocommerce-orders.json" > long.json
	dirs=$(for i in $(seq 70); do printf '%s:' "$PWD/empty$i"; done)
	OMS_PATH="$dirs$PWD/mine:$OMS_PATH" run --separate-stderr oms-import --channel woocommerce long.json
	assert_success
	assert_equal "$stderr" ""
	run jq -c --arg k "x_$long" '[.external_id, .[$k]]' <<<"$output"
	assert_output '["1001",{"code":"deep"}]'
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM orders"
	assert_output 1
}

# ---- which adapters a run reads --------------------------------------

@test "a run for one channel compiles its adapters alone: a broken woocommerce adapter stops an auto run and a woocommerce run, not a shopify one" {
	local dir=$BATS_TEST_TMPDIR/own msg
	mkdir -p "$dir/channels"
	jq '.lines = "line_items[]"' "$TOP/share/oms/channels/woocommerce.json" \
		> "$dir/channels/woocommerce.json"
	msg="oms-import: adapter '$dir/channels/woocommerce.json': path 'line_items[]': only a field or a filter walks a list"
	OMS_PATH="$dir:$OMS_PATH" run --separate-stderr oms-import "$FIX/shopify-small.csv"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "$msg"
	OMS_PATH="$dir:$OMS_PATH" run --separate-stderr oms-import --channel woocommerce "$FIX/shopify-small.csv"
	assert_failure 3
	assert_equal "$stderr" "$msg"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM orders"
	assert_output 0
	OMS_PATH="$dir:$OMS_PATH" run --separate-stderr oms-import --channel shopify "$FIX/shopify-small.csv"
	assert_success
	assert_equal "$stderr" ""
	run jq -r '[.channel, .external_id] | join(" ")' <<<"$output"
	assert_output $'shopify #1001\nshopify #1002\nshopify #1003'
	OMS_PATH="$dir:$OMS_PATH" run --separate-stderr oms-import --channel nosuch "$FIX/shopify-small.csv"
	assert_failure 2
	assert_equal "$stderr" "oms-import: unknown channel 'nosuch' (oms-import channels lists them)"
}

@test "an adapter first on the search path hides the bundled one of its name, for a run of one channel too" {
	local dir=$BATS_TEST_TMPDIR/own
	mkdir -p "$dir/channels"
	# etsy-orders of one's own reads Shopify's export for the shopify channel.
	cp "$TOP/share/oms/channels/shopify-csv.json" "$dir/channels/etsy-orders.json"
	OMS_PATH="$dir:$OMS_PATH" run --separate-stderr oms-import --channel etsy "$FIX/etsy-orders-us.csv"
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "oms-import: $FIX/etsy-orders-us.csv: not a etsy-items file: no header with Order ID, Item Name, Listing ID, Transaction ID in its first 20 rows"
	OMS_PATH="$dir:$OMS_PATH" run --separate-stderr oms-import --channel etsy-orders "$FIX/shopify-small.csv"
	assert_success
	run jq -r .channel <<<"$output"
	assert_output $'shopify\nshopify\nshopify'
}
