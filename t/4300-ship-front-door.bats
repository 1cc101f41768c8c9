#!/usr/bin/env bats
# oms-ship as a person meets it: refusals that name the order, the goods
# and what to do; a rerun on the same routed file that is no error;
# progress on a terminal; a summary for every verb that takes -v.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

setup_ship() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF2'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":2000,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"ORD1","qty":50,"key":"r2"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
{"type":"product","sku":"SKI","title":"Skis","weight_g":3000,"dims_mm":[1600,300,100]}
{"type":"movement","kind":"receive","sku":"SKI","location":"EWR1","qty":3,"key":"r-ski"}
EOF2
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

@test "a refused shipment names the order, the goods and what to do" {
	setup_ship
	order 1001 "Ann" "L1:SKI:1"
	order 1002 "Bob" "L1:A:1500"
	order 1003 "Cy" "L1:A:1"
	oms-route --pending > alloc.jsonl
	run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_equal "$(jq -c '[.order, .location]' <<<"$output")" '["o_3","EWR1"]'
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1001) at EWR1: SKU SKI (1600x300x100 mm, 3000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH
oms-ship: alloc.jsonl:2: order o_2 (oms 1002) at EWR1, 1500 x SKU A (200x120x60 mm, 400 g): it needs 27 boxes of size XL, more than 20 in one shipment: route its lines to more places, or add a larger box to boxes.json on OMS_PATH"
	# A carrier with no service for it: the parcel, and what to do.
	mkdir bin
	# (No batches: asked a request at a time, as it answers them.)
	printf '#!/bin/sh\ncase $1 in batch|capabilities) exit 2;; esac\n[ "$1" = rate ] && { echo '"'"'{"ok":true,"rates":[]}'"'"'; exit 0; }\nexec oms-carrier-offline "$@"\n' > bin/oms-carrier-none
	chmod +x bin/oms-carrier-none
	order 1004 "Di" "L1:A:2"
	oms-route --pending > alloc2.jsonl
	PATH="$PWD/bin:$PATH" run --separate-stderr oms-ship --carrier none --labels labels alloc2.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: alloc2.jsonl:1: order o_4 (oms 1004) at EWR1, 2 x SKU A (200x120x60 mm, 400 g): carrier none has no service for this shipment (1 package, 1020 g, to US 10001): ship it with another --carrier"
	# The refusal is kept on the order as said.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, refusal ->> '\$.reason' FROM orders WHERE refusal IS NOT NULL ORDER BY id")" "1|order o_1 (oms 1001) at EWR1: SKU SKI (1600x300x100 mm, 3000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH
2|order o_2 (oms 1002) at EWR1, 1500 x SKU A (200x120x60 mm, 400 g): it needs 27 boxes of size XL, more than 20 in one shipment: route its lines to more places, or add a larger box to boxes.json on OMS_PATH
4|order o_4 (oms 1004) at EWR1, 2 x SKU A (200x120x60 mm, 400 g): carrier none has no service for this shipment (1 package, 1020 g, to US 10001): ship it with another --carrier"
}

@test "shipping the same routed file again: what shipped is a note, exit 0; another problem still exits 1" {
	setup_ship
	order 1001 "Ann" "L1:A:2"
	order 1002 "Bob" "L1:A:1 L2:B:1"
	oms-route --pending > alloc.jsonl
	oms-ship --carrier offline --labels labels alloc.jsonl > ship.jsonl
	run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr oms-ship -v --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1001) already shipped as s_1
oms-ship: alloc.jsonl:2: order o_2 (oms 1002) already shipped as s_2, s_3
oms-ship: 0 shipments, 2 already shipped, 0 refused"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments; SELECT count(*) FROM orders WHERE refusal IS NOT NULL")" "3
0"
	# A line naming no order, with them: that one is the failure.
	{ cat alloc.jsonl; echo o_99; } > more.jsonl
	run --separate-stderr oms-ship -v --carrier offline --labels labels more.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: more.jsonl:1: order o_1 (oms 1001) already shipped as s_1
oms-ship: more.jsonl:2: order o_2 (oms 1002) already shipped as s_2, s_3
oms-ship: more.jsonl:3: no order 'o_99'
oms-ship: 0 shipments, 2 already shipped, 1 refused"
	# A void gives the parcel back: shipping again ships it, no note.
	oms-ship void s_1 >/dev/null
	oms-route --pending > again.jsonl
	run --separate-stderr oms-ship -v --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$(jq -c '[.id, .order]' <<<"$output")" '["s_4","o_1"]'
	assert_equal "$stderr" "oms-ship: alloc.jsonl:2: order o_2 (oms 1002) already shipped as s_2, s_3
oms-ship: 1 shipment, 1 already shipped, 0 refused"
}

@test "progress on a terminal; none, and no summary, when stderr is not one" {
	setup_ship
	for i in 1 2 3; do order "100$i" "Ann" "L1:A:1"; done
	oms-route --pending > alloc.jsonl
	run script -qec "oms-ship --carrier offline --labels labels alloc.jsonl > ship.jsonl" /dev/null
	assert_success
	[[ "$output" == *$'\roms-ship: 1 order, 1 shipment'* ]] || fail "no progress: $output"
	[[ "$output" == *$'\roms-ship: 3 orders, 3 shipments\r\n'* ]] || fail "no end of progress: $output"
	[[ "$output" == *$'\noms-ship: 3 shipments, 0 already shipped, 0 refused\r' ]] || fail "no summary: $output"
	assert_equal "$(wc -l < ship.jsonl)" 3
	# A refusal while progress shows starts on a line of its own.
	order 1004 "Bo" "L1:SKI:1"
	oms-route --pending > ski.jsonl
	run script -qec "oms-ship --carrier offline --labels labels alloc.jsonl ski.jsonl > ship2.jsonl" /dev/null
	assert_failure 1
	[[ "$output" == *$' 0 shipments\r\noms-ship: ski.jsonl:1: order o_4 (oms 1004) at EWR1: SKU SKI'* ]] || fail "refusal not on its own line: $output"
	[[ "$output" == *$'\roms-ship: 4 orders, 0 shipments\r\noms-ship: 0 shipments, 3 already shipped, 1 refused'* ]] || fail "no end of progress or summary: $output"
	oms-ship void s_1 >/dev/null
	oms-route --pending > alloc2.jsonl
	run --separate-stderr oms-ship --carrier offline --labels labels alloc2.jsonl
	assert_success
	assert_equal "$stderr" ""
}

@test "every verb of oms-ship that takes -v says what it did" {
	setup_ship
	order 1001 "Ann" "L1:A:2"
	oms-route --pending > alloc.jsonl
	run --separate-stderr oms-ship -v --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$stderr" "oms-ship: 1 shipment, 0 already shipped, 0 refused"
	run --separate-stderr oms-ship track -v
	assert_success
	assert_equal "$stderr" "oms-ship: track: 1 shipment with news, 0 the carrier failed on"
	run --separate-stderr oms-ship track -v
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-ship: track: 0 shipments with news, 0 the carrier failed on"
	run --separate-stderr oms-ship confirm -v --feed oms --format jsonl
	assert_success
	assert_equal "$stderr" "oms-ship: oms: 1 shipment confirmed"
	run --separate-stderr oms-ship notify -v
	assert_success
	assert_equal "$stderr" "oms-ship: 1 message, 0 shipments with no customer email"
	run --separate-stderr oms-ship pick -v
	assert_success
	assert_equal "$stderr" "oms-ship: 0 waves"
	# Quiet without -v, when stderr is not a terminal.
	run --separate-stderr oms-ship track
	assert_equal "$stderr" ""
}

SHOPIFY_HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Id'

# shopify_row NAME QTY ID: a one-line order of tees as Shopify's admin
# exports it (Id may be empty).
shopify_row() {
	echo "$1,zoe@example.com,paid,2026-11-26 09:00:00 -0500,unfulfilled,,no,USD,$20.00,0.00,0.00,$20.00,,0.00,Standard,2026-11-26 09:00:00 -0500,$2,Tee,10.00,,A,true,true,pending,Zoe Roe,1 Main St,1 Main St,,,New York,10001,NY,US,,Zoe Roe,1 Main St,1 Main St,,,New York,10001,NY,US,,,,,$3"
}

@test "confirm: what Shopify needs and a CSV export has not got is said once per file; those shipments are not written or recorded" {
	setup_ship
	{ echo "$SHOPIFY_HEAD"; shopify_row '#1001' 2 5001; shopify_row '#1002' 1 5002; shopify_row '#1003' 1 ''; } > orders.csv
	oms-import orders.csv >/dev/null
	oms-route --pending | oms-ship --carrier offline --labels labels > ship.jsonl
	assert_equal "$(wc -l < ship.jsonl)" 3
	for n in -n ''; do
		run --separate-stderr oms-ship confirm $n --feed shopify
		assert_failure 1
		assert_output ""
		assert_equal "$stderr" "oms-ship: $TOP/share/oms/confirmations/shopify.json: shopify: 3 shipments left out, without line_id: Shopify's line item ids, which the orders CSV export does not carry: import these orders from the Admin REST API (JSON) to confirm them here, or fulfil them in Shopify's admin
oms-ship: $TOP/share/oms/confirmations/shopify.json: shopify: 1 shipment left out, without order.shopify_id: Shopify's order id (the orders export's Id column, the Admin API's id)"
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM confirmations")" "0"
	done
	# A format the channel takes them in (JSON lines here) still does.
	run --separate-stderr oms-ship confirm --feed shopify --format jsonl
	assert_success
	assert_equal "$(jq -r .external_id <<<"$output")" "#1001
#1002
#1003"
	assert_equal "$stderr" ""
}

@test "the pages name only programs and pages that exist, and the schema this oms migrates to" {
	cd "$TOP"
	run sh -c "grep -ohE '\\boms(-[a-z]+)*\\([1-9]\\)' man/* README.md | sort -u"
	assert_success
	for ref in "${lines[@]}"; do
		name=${ref%(*} sec=${ref#*(}
		[ -e "man/$name.${sec%)}" ] || fail "$ref is named but man/$name.${sec%)} does not exist"
		[ "${sec%)}" != 1 ] || [ -x "$OMS_BIN/$name" ] || fail "$ref is named but there is no program $name"
	done
	run sh -c "grep -ohE 'schema [0-9]+' man/* README.md | sort -u"
	assert_success
	assert_output "schema $SCHEMA"
	run oms version
	[[ "$output" == *"(schema $SCHEMA,"* ]] || fail "$output"
}

@test "every verb of every program that takes -v ends with a summary on stderr" {
	setup_ship
	order 1001 "Ann" "L1:A:1"
	printf '%s\n' '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"v1"}' > moves.jsonl
	printf 'type,id,name\nlocation,EWR2,Second\n' > catalog.csv
	printf '%s\n' '{"rules":[{"name":"all","locations":["EWR1","ORD1"]}]}' > rules.json
	export FIX
	jq -nc '{type:"order",external_id:"1002",currency:"USD",customer:{email:"bo@example.com"},ship_to:{name:"Bo",address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"},lines:[{line_id:"L1",sku:"A",qty:1,unit_price:"10.00"}]}' > again.jsonl
	while IFS='|' read -r cmd want; do
		run --separate-stderr sh -c "$cmd"
		last=${stderr##*$'\n'}
		[[ "$last" == $want ]] || fail "$cmd: the last line of stderr is '$last', not $want"
	done <<'TABLE'
oms-stock -v moves.jsonl|oms-stock: 1 applied, 0 already there, 0 rejected
oms-stock import-catalog -v catalog.csv|oms-stock: 1 applied, 0 already there, 0 rejected, 0 skipped, 0 warnings
oms-stock import-shopify-inventory -v --shopify-location Shop --location EWR1 "$FIX/shopify-inventory-19.csv"|oms-stock: * applied, * rejected, * skipped, * warnings
oms-stock feed -v --channel amazon|oms-stock: amazon: amazon-price-quantity feed: * active listings written *
oms-route -v --pending > alloc.jsonl|oms-route: rules version 0: 1 allocated, * refused
oms-route -v --reroute o_1 > /dev/null|oms-route: rules version 0: 1 allocated, * refused
oms-route -v --dry-run --rules rules.json|oms-route: * orders, * would change; *
oms-ship -v --carrier offline --labels labels alloc.jsonl > ship.jsonl|oms-ship: 1 shipment, 0 already shipped, 0 refused
oms-ship pick -v|oms-ship: 0 waves
oms-ship track -v|oms-ship: track: 1 shipment with news, 0 the carrier failed on
oms-ship confirm -v --feed oms --format jsonl|oms-ship: oms: 1 shipment confirmed
oms-ship notify -v|oms-ship: 1 message, 0 shipments with no customer email
oms-import -v --channel oms again.jsonl|oms-import: 1 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected
oms-import --check -v --channel oms again.jsonl|oms-import: again.jsonl: 1 order read, 0 findings
TABLE
}
