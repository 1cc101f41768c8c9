#!/usr/bin/env bats
# Issue 10, scenario 5: nothing stuck without a word.  An order oms-ship
# refused once is offered again by every `oms-ship --pending` run until
# it ships, its reason kept on the order meanwhile; `oms status` lists
# what waits on a person and exits 1 for a cron job to alert on; orders
# with nothing to ship (gift cards) are fulfilled at import, and a
# second cron run in a row changes nothing.

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

# A pair of skis: 1.6 m long, more than the XL box (610 mm) takes.
skis() {
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"SKI","title":"Skis","weight_g":3000,"dims_mm":[1600,300,100]}
{"type":"movement","kind":"receive","sku":"SKI","location":"EWR1","qty":3,"key":"r-ski"}
EOF
}

# A box that does take them, on the search path only when asked.
ski_box() {
	mkdir -p share
	jq -c '.boxes += [{"name":"SKI","length_mm":1700,"width_mm":350,"height_mm":150,"max_weight_g":10000,"tare_g":900}]' "$TOP/share/oms/boxes.json" > share/boxes.json
}

# order EXT NAME LINES: lines "line_id:sku:qty ...", a line with no sku
# as "line_id::qty" (an engraving, say).
order() {
	local lines= l i s q
	for l in $3; do
		IFS=: read -r i s q <<<"$l"
		if [ -n "$s" ]; then
			lines="$lines${lines:+,}{\"line_id\":\"$i\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\"}"
		else
			lines="$lines${lines:+,}{\"line_id\":\"$i\",\"title\":\"Engraving\",\"qty\":$q,\"unit_price\":\"5.00\"}"
		fi
	done
	jq -nc --arg e "$1" --arg n "$2" --argjson l "[$lines]" '{type:"order",external_id:$e,currency:"USD",customer:{email:"zoe@example.com"},ship_to:{name:$n,address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"},lines:$l}' |
	    oms-import --channel oms >/dev/null
}

SHOPIFY_HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at'

# shopify_rows NAME LINES: one order's rows as Shopify exports them, the
# order's own fields on its first row only; LINES is
# "title:sku:qty:requires_shipping ...", each unit at 10.00.
shopify_rows() {
	local first=1 l t s q r sub=0
	for l in $2; do
		IFS=: read -r t s q r <<<"$l"
		sub=$((sub + q * 10))
	done
	for l in $2; do
		IFS=: read -r t s q r <<<"$l"
		if ((first)); then
			echo "$1,gus@example.com,paid,2026-11-26 09:00:00 -0500,unfulfilled,,no,USD,$sub.00,0.00,0.00,$sub.00,,0.00,Standard,2026-11-26 09:00:00 -0500,$q,$t,10.00,,$s,$r,true,pending,Gus Roe,1 Main St,1 Main St,,,New York,10001,NY,US,,Gus Roe,1 Main St,1 Main St,,,New York,10001,NY,US,,,,"
		else
			echo "$1,gus@example.com,,,,,,,,,,,,,,2026-11-26 09:00:00 -0500,$q,$t,10.00,,$s,$r,true,pending,,,,,,,,,,,,,,,,,,,,,,,"
		fi
		first=0
	done
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

NOSUCH="no carrier adapter oms-carrier-nosuch (beside this program or on PATH)"

@test "an order oms-ship refused is offered again by --pending, refused with its reason kept, and ships once the carrier is right" {
	setup_ship
	order 1001 "Ann" "L1:A:1"
	order 1002 "Bob" "L1:A:1 L2:B:1"
	# Day one: routed, then shipped with a carrier that is not there.
	oms-route --pending > alloc.jsonl
	run --separate-stderr oms-ship --carrier nosuch --labels labels alloc.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1001): $NOSUCH (nothing changed)
oms-ship: alloc.jsonl:2: order o_2 (oms 1002): $NOSUCH (nothing changed)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, refusal FROM orders")" "1|allocated|{\"program\":\"oms-ship\",\"at\":\"2026-11-26T15:00:00Z\",\"reason\":\"$NOSUCH\"}
2|allocated|{\"program\":\"oms-ship\",\"at\":\"2026-11-26T15:00:00Z\",\"reason\":\"$NOSUCH\"}"
	# Routing has nothing new for them: the routed file was their
	# only ticket, so oms status says they wait.
	run oms-route --pending
	assert_output ""
	run --separate-stderr oms status
	assert_failure 1
	assert_equal "$stderr" ""
	assert_output - <<OUT
{"type":"attention","kind":"refused","order":"o_1","channel":"oms","external_id":"1001","status":"allocated","since":"2026-11-26T15:00:00Z","hours":0,"reason":"$NOSUCH","by":"oms-ship"}
{"type":"attention","kind":"refused","order":"o_2","channel":"oms","external_id":"1002","status":"allocated","since":"2026-11-26T15:00:00Z","hours":0,"reason":"$NOSUCH","by":"oms-ship"}
OUT
	# Day two's run with --pending offers both again; still refused.
	export OMS_NOW=2026-11-27T15:00:00Z
	run --separate-stderr oms-ship -v --carrier nosuch --labels labels --pending
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 3
	[[ ${stderr_lines[0]} == "oms-ship: "*"$NOSUCH (nothing changed)" ]]
	[[ ${stderr_lines[1]} == "oms-ship: "*"$NOSUCH (nothing changed)" ]]
	assert_equal "${stderr_lines[2]}" "oms-ship: 0 shipments, 0 already shipped, 2 refused"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, refusal ->> '\$.program', refusal ->> '\$.reason' FROM orders; SELECT count(*) FROM shipments")" "1|allocated|oms-ship|$NOSUCH
2|allocated|oms-ship|$NOSUCH
0"
	assert_equal "$(levels)" "A|EWR1|5|2
B|ORD1|5|1"
	# Day three, the carrier put right: every allocated order ships,
	# whatever routing run made it, and its refusal is gone.
	export OMS_NOW=2026-11-28T15:00:00Z
	run --separate-stderr oms-ship -v --carrier offline --labels labels --pending
	assert_success
	assert_equal "$stderr" "oms-ship: 3 shipments, 0 already shipped, 0 refused"
	assert_equal "$(jq -c '[.id, .order, .location, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["s_1","o_1","EWR1",[["A",1]]]
["s_2","o_2","EWR1",[["A",1]]]
["s_3","o_2","ORD1",[["B",1]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, coalesce(refusal, 'NULL') FROM orders")" "1|shipped|NULL
2|shipped|NULL"
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|4|0"
	run --separate-stderr oms status
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	# Nothing left: the next run ships nothing and refuses nothing.
	run --separate-stderr oms-ship -v --carrier offline --labels labels --pending
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-ship: 0 shipments, 0 already shipped, 0 refused"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "no box big enough: refused on every --pending run, the reason on the order; shipped once a box holds it" {
	setup_ship
	skis
	order 1001 "Ann" "L1:A:1"
	order 1002 "Bob" "L1:SKI:1"
	# The cron job of day one: route, ship what it printed.
	run --separate-stderr sh -c 'oms-route --pending | oms-ship --carrier offline --labels labels > ship.jsonl'
	assert_failure 1
	assert_equal "$stderr" "oms-ship: -:2: order o_2 (oms 1002) at EWR1: SKU SKI (1600x300x100 mm, 3000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH"
	assert_equal "$(jq -c '[.id, .order]' ship.jsonl)" '["s_1","o_1"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, coalesce(refusal, 'NULL') FROM orders")" '1|shipped|NULL
2|allocated|{"program":"oms-ship","at":"2026-11-26T15:00:00Z","reason":"order o_2 (oms 1002) at EWR1: SKU SKI (1600x300x100 mm, 3000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH"}'
	# Day two: the same pipeline no longer sees it, --pending does.
	export OMS_NOW=2026-11-27T15:00:00Z
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_failure 1
	assert_output ""
	[[ $stderr == "oms-ship: "*"is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH" ]]
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, refusal ->> '\$.program', refusal ->> '\$.reason' FROM orders WHERE id = 2")" "allocated|oms-ship|order o_2 (oms 1002) at EWR1: SKU SKI (1600x300x100 mm, 3000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH"
	run oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .status, .reason, .by]' <<<"$output")" '["refused","o_2","allocated","order o_2 (oms 1002) at EWR1: SKU SKI (1600x300x100 mm, 3000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH","oms-ship"]'
	# Day three: a box for skis.  It ships; nothing waits.
	export OMS_NOW=2026-11-28T15:00:00Z
	ski_box
	OMS_PATH="$PWD/share:$OMS_PATH" run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .order, [.packages[] | .box]]' <<<"$output")" '["s_2","o_2",["SKI"]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, coalesce(refusal, 'NULL'), status_at FROM orders")" "1|shipped|NULL|2026-11-26T15:00:00Z
2|shipped|NULL|2026-11-28T15:00:00Z"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE order_id = 2 ORDER BY id")" 'created||{"status":"open"}
allocated|{"status":"open"}|{"status":"allocated","rule":"default","rules_version":0,"locations":["EWR1"]}
shipped|{"status":"allocated"}|{"status":"shipped","shipment":"s_2","location":"EWR1","tracking":"'"$(jq -r .tracking <<<"$output")"'"}'
	run oms status
	assert_success
	assert_output ""
	assert_equal "$(levels)" "A|EWR1|4|0
B|ORD1|5|0
SKI|EWR1|2|0"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "a refusal under --pending names its order on stderr" {
	setup_ship
	skis
	order 1002 "Bob" "L1:SKI:1"
	oms-route --pending >/dev/null
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_failure 1
	[[ $stderr == *"o_1"* ]]
}

@test "a refused order's age in oms status runs from its first refusal, not from the last retry" {
	setup_ship
	skis
	order 1002 "Bob" "L1:SKI:1"
	oms-route --pending >/dev/null
	for day in 26 27 28; do
		OMS_NOW=2026-11-${day}T15:00:00Z oms-ship --carrier offline --labels labels --pending || true
	done
	OMS_NOW=2026-11-28T16:00:00Z run oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .since, .hours]' <<<"$output")" '["refused","o_1","2026-11-26T15:00:00Z",49]'
}

@test "oms status: held, refused, waiting and unshippable orders, whole; exit 1 while any, 0 and silent when none" {
	setup_ship
	# Nothing at all: nothing to say.
	run --separate-stderr oms status
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	order 1001 "Ann" "L1:A:1"
	order 1002 "Bob" "L1:A:1"
	oms-route --pending > alloc.jsonl
	sed -n 2p alloc.jsonl | oms-ship --carrier nosuch --labels labels 2>/dev/null || true
	# The next morning: a customer asks to wait; an order with an
	# engraving (no sku) is held by import, another released to ship
	# what it can.
	export OMS_NOW=2026-11-27T09:00:00Z
	order 1003 "Cy" "L1:A:1"
	oms-import hold -q --reason "customer asks to wait" o_3 >/dev/null
	order 1004 "Di" "L1:A:1 L2::1"
	order 1005 "Ed" "L1:B:1 L2::1"
	oms-import release -q --force --lines keep o_5 >/dev/null
	oms-route --pending >/dev/null
	export OMS_NOW=2026-11-27T17:00:00Z
	run --separate-stderr oms status
	assert_failure 1
	assert_equal "$stderr" ""
	assert_output - <<OUT
{"type":"attention","kind":"held","order":"o_3","channel":"oms","external_id":"1003","status":"hold","since":"2026-11-27T09:00:00Z","hours":8,"reasons":["customer asks to wait"],"by":"operator"}
{"type":"attention","kind":"held","order":"o_4","channel":"oms","external_id":"1004","status":"hold","since":"2026-11-27T09:00:00Z","hours":8,"reasons":["line 2 (Engraving): no sku"],"by":"problems"}
{"type":"attention","kind":"refused","order":"o_2","channel":"oms","external_id":"1002","status":"allocated","since":"2026-11-26T15:00:00Z","hours":26,"reason":"$NOSUCH","by":"oms-ship"}
{"type":"attention","kind":"waiting","order":"o_1","channel":"oms","external_id":"1001","status":"allocated","since":"2026-11-26T15:00:00Z","hours":26}
{"type":"attention","kind":"unshippable","order":"o_5","channel":"oms","external_id":"1005","status":"allocated","since":"2026-11-27T09:00:00Z","hours":8,"reason":"line 2 (Engraving): no sku"}
OUT
	# Waiting is by the threshold: 24 hours unless told.
	run oms status --older-than 27h
	assert_failure 1
	assert_equal "$(jq -r '.kind' <<<"$output" | sort -u)" "held
refused
unshippable"
	run oms status --older-than 7h
	assert_equal "$(jq -c 'select(.kind == "waiting") | .order' <<<"$output")" '"o_1"
"o_5"'
	run --separate-stderr oms status --older-than soon
	assert_failure 2
	assert_equal "$stderr" "oms: --older-than 'soon' is not a time such as 90m, 24h or 7d"
	# Each put right: shipped, released, its engraving cancelled.
	oms-import release -q o_3 >/dev/null
	oms-import release -q --force --lines cancel o_4 >/dev/null
	oms-route --pending >/dev/null
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.order, .location]' <<<"$output")" '["o_1","EWR1"]
["o_2","EWR1"]
["o_3","EWR1"]
["o_4","EWR1"]
["o_5","ORD1"]'
	# Still one engraving nobody can ship.
	run oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .status, .reason]' <<<"$output")" '["unshippable","o_5","partly_shipped","line 2 (Engraving): no sku"]'
	oms-import cancel -q --reason "engraving not offered" --line 2 o_5 >/dev/null
	run --separate-stderr oms status
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, coalesce(hold_kind, ''), coalesce(refusal, '') FROM orders")" "1|shipped||
2|shipped||
3|shipped||
4|shipped||
5|shipped||"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "gift cards only: fulfilled at import, not counted by routing run after run; a mixed order ships what ships" {
	setup_ship
	{
		echo "$SHOPIFY_HEAD"
		shopify_rows '#2001' "GiftCard::1:false"
		shopify_rows '#2002' "Tee:A:1:true GiftCard::2:false"
	} > day1.csv
	run --separate-stderr oms-import -v day1.csv
	assert_success
	assert_equal "$stderr" "oms-import: day1.csv: read as shopify-csv (channel shopify)
oms-import: 2 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .external_id, .status, [.lines[] | .requires_shipping]]' <<<"$output")" '["o_1","#2001","fulfilled",[false]]
["o_2","#2002","open",[true,false]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, action, coalesce(before, ''), after FROM events ORDER BY id; SELECT order_id, line_no, ships FROM order_lines ORDER BY 1, 2")" '1|created||{"status":"fulfilled"}
2|created||{"status":"open"}
1|1|0
2|1|1
2|2|0'
	# Routing takes the order that ships, and never counts the other.
	run --separate-stderr oms-route -v --pending
	assert_success
	assert_equal "$(jq -c '[.order, .status]' <<<"$output")" '["o_2","allocated"]'
	assert_equal "$stderr" "oms-route: rules version 0: 1 allocated, 0 partial, 0 backordered, 0 held, 0 cancelled, 0 unchanged, 0 refused"
	run --separate-stderr oms-route -v --pending
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-route: rules version 0: 0 allocated, 0 partial, 0 backordered, 0 held, 0 cancelled, 0 unchanged, 0 refused"
	run oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.order, [.lines[] | [.line_no, .sku, .qty]]]' <<<"$output")" '["o_2",[[1,"A",1]]]'
	# Confirmed to Shopify: the order that shipped, nothing for the cards.
	run oms-ship confirm --feed shopify --format shopify-by-name
	assert_equal "$(jq -c '.order' <<<"$output")" '"#2002"'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders")" "1|fulfilled
2|shipped"
	# The same export tomorrow: nothing new.
	OMS_NOW=2026-11-27T15:00:00Z run --separate-stderr oms-import -v day1.csv
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 2 unchanged, 0 older, 0 held, 0 rejected"
	run oms status
	assert_success
	assert_output ""
	run oms check
	assert_success
}

# The cron job of a day: capture, route, ship what waits, confirm,
# notify, track, and ask whether a person is needed.  Its outputs land
# in run-$1/; the status of each step in run-$1/rc.
cron() {
	mkdir -p "run-$1"
	R1=$1
	{
		step import oms-import -q day1.csv
		step route oms-route -q --pending
		step ship oms-ship -q --carrier offline --labels labels --pending
		step confirm oms-ship confirm -q --feed shopify --format shopify-by-name
		step notify oms-ship notify -q --mail mail --from 'Shop <shop@example.com>'
		step track oms-ship track -q
		step status oms status
	} > "run-$1/rc"
}

# step NAME COMMAND...: one step of a cron run, its output (stdout and
# stderr, as cron mails them) in run-N/NAME, its exit status said.
step() {
	local name=$1
	shift
	"$@" > "run-$R1/$name" 2>&1 && echo "$name 0" || echo "$name $?"
}

# Everything of the database that a run could change.
state() {
	sqlite3 "$OMS_DB" "SELECT id, status, status_at, coalesce(hold_kind, ''), coalesce(refusal, ''), version_at FROM orders;
	    SELECT count(*), max(id) FROM events; SELECT count(*), max(id) FROM movements;
	    SELECT id, status FROM shipments; SELECT count(*) FROM confirmations;
	    SELECT count(*) FROM tracking_events; SELECT count(*) FROM allocations;
	    SELECT sku, location, on_hand, reserved FROM levels"
}

@test "two cron runs in a row: the second changes nothing and says nothing" {
	setup_ship
	{
		echo "$SHOPIFY_HEAD"
		shopify_rows '#3001' "Tee:A:1:true Boot:B:1:true"
		shopify_rows '#3002' "GiftCard::1:false"
		shopify_rows '#3003' "Tee:A:2:true"
	} > day1.csv
	cron 1
	assert_equal "$(cat run-1/rc)" "import 0
route 0
ship 0
confirm 0
notify 0
track 0
status 0"
	assert_equal "$(jq -c '[.order, .location]' run-1/ship)" '["o_1","EWR1"]
["o_1","ORD1"]
["o_3","EWR1"]'
	assert_equal "$(jq -c .order run-1/confirm)" '"#3001"
"#3001"
"#3003"'
	run ls mail
	assert_output "s_1-shipped.eml
s_2-shipped.eml
s_3-shipped.eml"
	assert_equal "$(cat run-1/status)" ""
	before=$(state)
	# Ten minutes on, the same job again.
	OMS_NOW=2026-11-26T15:10:00Z cron 2
	assert_equal "$(cat run-2/rc)" "import 0
route 0
ship 0
confirm 0
notify 0
track 0
status 0"
	for f in import route ship confirm notify track status; do
		assert_equal "$f: $(cat "run-2/$f")" "$f: "
	done
	assert_equal "$(state)" "$before"
	run ls mail
	assert_output "s_1-shipped.eml
s_2-shipped.eml
s_3-shipped.eml"
	run oms-stock verify
	assert_success
	run oms check
	assert_success
}

@test "two cron runs in a row with an order that cannot ship: the second retries it, says so again, and changes nothing else" {
	setup_ship
	skis
	{
		echo "$SHOPIFY_HEAD"
		shopify_rows '#3001' "Tee:A:1:true"
		shopify_rows '#3004' "Skis:SKI:1:true"
	} > day1.csv
	cron 1
	assert_equal "$(sed -n 3p run-1/rc)" "ship 1"
	assert_equal "$(tail -1 run-1/rc)" "status 1"
	assert_equal "$(jq -c '[.kind, .order, .reason]' run-1/status)" '["refused","o_2","order o_2 (shopify #3004) at EWR1: SKU SKI (1600x300x100 mm, 3000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH"]'
	before=$(state)
	OMS_NOW=2026-11-26T15:10:00Z cron 2
	assert_equal "$(cat run-2/rc)" "$(cat run-1/rc)"
	assert_equal "$(cat run-2/route)$(cat run-2/confirm)$(cat run-2/notify)$(cat run-2/track)" ""
	[[ $(cat run-2/ship) == "oms-ship: "*"is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH" ]]
	assert_equal "$(jq -c '[.kind, .order, .reason]' run-2/status)" '["refused","o_2","order o_2 (shopify #3004) at EWR1: SKU SKI (1600x300x100 mm, 3000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH"]'
	# The refusal's time aside (see the test of its age above), the
	# same database.
	assert_equal "$(state | sed 's/"at":"[^"]*"/"at":T/')" "$(sed 's/"at":"[^"]*"/"at":T/' <<<"$before")"
}
