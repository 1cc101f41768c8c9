#!/usr/bin/env bats
# Issue 10, scenario 3: an operator cancels an order, or some of its
# lines, wherever it is in its life: `oms-import cancel`, or the printed
# record fed back with "status":"cancelled"; and holds one that a
# channel update does not let go.

load helper

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

# record EXT NAME LINES: a canonical order; LINES "line_id:sku:qty ...".
record() {
	local lines= l i s q
	for l in $3; do
		IFS=: read -r i s q <<<"$l"
		lines="$lines${lines:+,}{\"line_id\":\"$i\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\"}"
	done
	jq -nc --arg e "$1" --arg n "$2" --argjson l "[$lines]" '{type:"order",external_id:$e,currency:"USD",customer:{email:"zoe@example.com"},ship_to:{name:$n,address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"},lines:$l}'
}

order() { record "$@" | oms-import --channel oms >/dev/null; }

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

lines_of() {	# order_id: line_no|qty|allocated|shipped|cancelled
	sqlite3 "$OMS_DB" "SELECT line_no, qty, allocated, shipped, cancelled FROM order_lines WHERE order_id = $1 ORDER BY line_no"
}

@test "cancel: open and held orders named as o_N, N or CHANNEL:EXTERNAL_ID; the record printed, the status on stderr; unknown ones named, exit 1" {
	setup_ship
	order 1001 "Ann" "L1:A:2"
	order 1002 "Bob" "L1:A:1 L2:B:1"
	order 1003 "Cy" "L1:A:1"
	oms-import hold -q --reason "fraud check" o_2 >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind FROM orders WHERE id = 2")" "hold|operator"
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import cancel --reason "customer asked" o_9 1 'oms:1002' 'shopify:1003'
	assert_failure 1
	assert_equal "$stderr" "oms-import: no order 'o_9'
oms-import: o_1: cancelled
oms-import: o_2: cancelled
oms-import: no order 'shopify:1003'"
	assert_equal "$(jq -c '[.id, .status, [.lines[] | .qty]]' <<<"$output")" '["o_1","cancelled",[2]]
["o_2","cancelled",[1,1]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, hold_kind IS NULL, hold_reasons IS NULL FROM orders ORDER BY id")" "1|cancelled|1|1
2|cancelled|1|1
3|open|1|1"
	assert_equal "$(lines_of 1; lines_of 2)" "1|2|0|0|2
1|1|0|0|1
2|1|0|0|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, at, program, source, reason, lines IS NULL, state, ended_at FROM cancel_requests ORDER BY id")" "1|2026-11-26T16:00:00Z|oms-import|operator|customer asked|1|done|2026-11-26T16:00:00Z
2|2026-11-26T16:00:00Z|oms-import|operator|customer asked|1|done|2026-11-26T16:00:00Z"
	# The held one's life, event by event.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT at, program, action, before, after FROM events WHERE order_id = 2 ORDER BY id")" '2026-11-26T15:00:00Z|oms-import|created||{"status":"open"}
2026-11-26T15:00:00Z|oms-import|held|{"status":"open"}|{"status":"hold","hold_reasons":["fraud check"]}
2026-11-26T16:00:00Z|oms-import|cancelled|{"status":"hold","hold_reasons":["fraud check"]}|{"status":"cancelled","reason":"customer asked","by":"operator"}'
	# -q: the record, not a word on stderr.
	run --separate-stderr oms-import cancel -q o_3
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_3","cancelled"]'
	# Routing has nothing to do with them.
	run oms-route --pending
	assert_success
	assert_output ""
	run oms check
	assert_success
}

@test "cancel what is cancelled already: exit 1, said so, nothing recorded" {
	setup_ship
	order 1001 "Ann" "L1:A:2"
	oms-import cancel -q o_1 >/dev/null
	before=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; SELECT count(*) FROM cancel_requests")
	run --separate-stderr oms-import cancel --reason again o_1
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: order o_1 (oms 1001) is cancelled already"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; SELECT count(*) FROM cancel_requests")" "$before"
}

@test "cancel an allocated order: the reservation released through the ledger; the routed file of the day before buys no label" {
	setup_ship
	order 1001 "Ann" "L1:A:2 L2:B:1"
	oms-route --pending > alloc.jsonl
	assert_equal "$(levels)" "A|EWR1|5|2
B|ORD1|5|1"
	OMS_NOW=2026-11-27T09:00:00Z run --separate-stderr oms-import cancel --reason "customer asked" 'oms:1001'
	assert_success
	assert_equal "$stderr" "oms-import: o_1: cancelled"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","cancelled"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, sku, location, qty, reason, ref FROM movements WHERE kind = 'release' ORDER BY id")" "oms-import|release|A|EWR1|-2|cancelled|o_1
oms-import|release|B|ORD1|-1|cancelled|o_1"
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	assert_equal "$(lines_of 1; sqlite3 "$OMS_DB" "SELECT state, ended_at FROM allocations ORDER BY id")" "1|2|0|0|2
2|1|0|0|1
released|2026-11-27T09:00:00Z
released|2026-11-27T09:00:00Z"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action <> 'created' ORDER BY id")" 'allocated|{"status":"open"}|{"status":"allocated","rule":"default","rules_version":0,"locations":["EWR1","ORD1"]}
cancelled|{"status":"allocated"}|{"status":"cancelled","reason":"customer asked","by":"operator"}'
	OMS_NOW=2026-11-27T10:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1001) is cancelled: it does not ship"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "0"
	[ ! -e labels ] || [ -z "$(ls labels)" ]
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "cancel an order whose label is bought but not scanned: the label voided through the carrier, stock back, released, cancelled; its whole life in events" {
	setup_ship
	order 1001 "Ann" "L1:A:2"
	oms-route --pending > alloc.jsonl
	oms-ship --carrier offline --labels labels alloc.jsonl > ship.jsonl
	t=$(jq -r .tracking ship.jsonl)
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-import cancel --reason "customer asked" o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: cancelled"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","cancelled"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, voided_at FROM shipments; SELECT state FROM allocations")" "voided|2026-11-26T17:00:00Z
released"
	assert_equal "$(lines_of 1)" "1|2|0|0|2"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, qty, reason, ref, key FROM movements WHERE sku = 'A' AND kind <> 'receive' ORDER BY id")" "oms-route|reserve|2||o_1|route:a1
oms-ship|release|-2||s_1|ship:release:s1:a1
oms-ship|adjust|-2|shipped|s_1|ship:s1:a1
oms-import|adjust|2|label voided|s_1|void:s1:a1
oms-import|reserve|2||s_1|void:reserve:s1:a1
oms-import|release|-2|cancelled|o_1|route:release:a1"
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT at, program, action, before, after FROM events ORDER BY id")" "2026-11-26T15:00:00Z|oms-import|created||{\"status\":\"open\"}
2026-11-26T15:00:00Z|oms-route|allocated|{\"status\":\"open\"}|{\"status\":\"allocated\",\"rule\":\"default\",\"rules_version\":0,\"locations\":[\"EWR1\"]}
2026-11-26T15:00:00Z|oms-ship|shipped|{\"status\":\"allocated\"}|{\"status\":\"shipped\",\"shipment\":\"s_1\",\"location\":\"EWR1\",\"tracking\":\"$t\"}
2026-11-26T17:00:00Z|oms-import|voided|{\"status\":\"shipped\"}|{\"status\":\"allocated\",\"shipment\":\"s_1\"}
2026-11-26T17:00:00Z|oms-import|cancelled|{\"status\":\"allocated\"}|{\"status\":\"cancelled\",\"reason\":\"customer asked\",\"by\":\"operator\"}"
	# Downstream: nothing to ship again, confirm, announce or track.
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1001) is cancelled: it does not ship"
	run oms-ship confirm --feed oms --format jsonl
	assert_success
	assert_output ""
	run oms-ship notify
	assert_success
	assert_output ""
	OMS_NOW=2026-11-28T12:00:00Z run oms-ship track
	assert_success
	assert_output ""
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "cancel a scanned order or a delivered one: refused, exit 1, a return is the way; the request kept as refused, nothing moves" {
	setup_ship
	order 1001 "Ann" "L1:A:2"
	order 1002 "Bob" "L1:A:1"
	oms-route --pending | oms-ship --carrier offline --labels labels >/dev/null
	# o_1 is delivered by the 10th; o_2 is scanned the next morning.
	OMS_NOW=2026-12-10T00:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders ORDER BY id")" "delivered
delivered"
	order 1003 "Cy" "L1:A:1"
	OMS_NOW=2026-12-10T15:00:00Z oms-route --pending | OMS_NOW=2026-12-10T15:00:00Z oms-ship --carrier offline --labels labels >/dev/null
	OMS_NOW=2026-12-11T12:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM shipments WHERE order_id = 3")" "in_transit"
	before=$(levels; sqlite3 "$OMS_DB" "SELECT count(*) FROM movements")
	OMS_NOW=2026-12-11T13:00:00Z run --separate-stderr oms-import cancel --reason "customer asked" o_3 o_1
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: order o_3 (oms 1003) has left: s_3 is in_transit; a return is the way
oms-import: order o_1 (oms 1001) is delivered: cannot cancel it; a return is the way"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, source, reason, state, note FROM cancel_requests ORDER BY id")" "3|operator|customer asked|refused|order o_3 (oms 1003) has left: s_3 is in_transit; a return is the way
1|operator|customer asked|refused|order o_1 (oms 1001) is delivered: cannot cancel it; a return is the way"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id")" "1|delivered
2|delivered
3|shipped"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, before, after FROM events WHERE action = 'cancel_refused' ORDER BY id")" '3|{"status":"shipped"}|{"status":"shipped","reason":"customer asked","by":"operator","note":"order o_3 (oms 1003) has left: s_3 is in_transit; a return is the way"}
1|{"status":"delivered"}|{"status":"delivered","reason":"customer asked","by":"operator","note":"order o_1 (oms 1001) is delivered: cannot cancel it; a return is the way"}'
	assert_equal "$(levels; sqlite3 "$OMS_DB" "SELECT count(*) FROM movements")" "$before"
	OMS_NOW=2026-12-11T14:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_equal "$(jq -c '[.kind, .order, .status, .by]' <<<"$output" | sort)" '["cancel_refused","o_1","delivered","operator"]
["cancel_refused","o_3","shipped","operator"]'
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "--line N:QTY then --line N of an allocated order: the units cancelled are released, the rest stays allocated and ships" {
	setup_ship
	order 1001 "Ann" "L1:A:3 L2:B:2"
	oms-route --pending > alloc.jsonl
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import cancel --reason "one less" --line 1:1 o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: allocated"
	assert_equal "$(lines_of 1)" "1|3|2|0|1
2|2|2|0|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT line_no, sku, qty, state FROM allocations ORDER BY id")" "allocated
1|A|2|active
2|B|2|active"
	assert_equal "$(levels)" "A|EWR1|5|2
B|ORD1|5|2"
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-import cancel --reason "no hats" --line 2 o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: allocated"
	assert_equal "$(lines_of 1)" "1|3|2|0|1
2|2|0|0|2"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT line_no, sku, qty, state FROM allocations ORDER BY id")" "allocated
1|A|2|active
2|B|2|released"
	assert_equal "$(levels)" "A|EWR1|5|2
B|ORD1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, sku, qty, reason, ref FROM movements WHERE kind = 'release' ORDER BY id")" "oms-import|release|A|-1|cancelled|o_1
oms-import|release|B|-2|cancelled|o_1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT reason, lines, state FROM cancel_requests ORDER BY id")" 'one less|[{"line_no":1,"qty":1}]|done
no hats|[{"line_no":2}]|done'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action = 'cancelled' ORDER BY id")" 'cancelled|{"status":"allocated"}|{"status":"allocated","reason":"one less","by":"operator","lines":[{"line_no":1,"qty":1}]}
cancelled|{"status":"allocated"}|{"status":"allocated","reason":"no hats","by":"operator","lines":[{"line_no":2}]}'
	run oms check
	assert_success
	# The routed file of before the cancels ships what is left: 2 tees.
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$(jq -c '[.id, .location, [.lines[] | [.line_no, .sku, .qty]]]' <<<"$output")" '["s_1","EWR1",[[1,"A",2]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "shipped"
	assert_equal "$(lines_of 1)" "1|3|2|2|1
2|2|0|0|2"
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0"
	OMS_NOW=2026-12-10T00:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "delivered"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "--line that names no line, too many units or a line twice: refused, nothing changed" {
	setup_ship
	order 1001 "Ann" "L1:A:3 L2:B:2"
	oms-route --pending >/dev/null
	before=$(sqlite3 "$OMS_DB" "SELECT * FROM order_lines; SELECT * FROM allocations; SELECT count(*) FROM movements; SELECT status FROM orders")
	while IFS='|' read -r args status err; do
		run --separate-stderr oms-import cancel $args o_1
		assert_equal "$args: $status $stderr" "$args: $status $err"
		assert_output ""
	done <<'EOF'
--line 9|1|oms-import: order o_1 has no line 9
--line 1 --line 1:1|1|oms-import: order o_1: line 1 is named twice
--line 1:0|2|oms-import: --line '1:0' is not a line number, or N:QTY
--line x|2|oms-import: --line 'x' is not a line number, or N:QTY
--line 1:-1|2|oms-import: --line '1:-1' is not a line number, or N:QTY
EOF
	run --separate-stderr oms-import cancel --line 1:5 o_1
	assert_failure 1
	[[ $stderr == "oms-import: order o_1 line 1: only 3 of the 5 units asked can be cancelled"* ]]
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT * FROM order_lines; SELECT * FROM allocations; SELECT count(*) FROM movements; SELECT status FROM orders")" "$before"
}

@test "--line on a line with a unit in a label not yet scanned: that parcel voided first; units that have left cannot be cancelled" {
	# One tee in stock: one of the two ships, the other waits.
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"ORD1","qty":5,"key":"r2"}
EOF
	order 1001 "Ann" "L1:A:2 L2:B:1"
	oms-route --pending > alloc.jsonl
	assert_equal "$(jq -c '[.status, [.lines[] | [.allocated, .backordered]]]' alloc.jsonl)" '["partial",[[1,1],[1,null]]]'
	oms-ship --carrier offline --labels labels alloc.jsonl > ship.jsonl
	assert_equal "$(jq -c '[.id, .location, [.lines[] | [.sku, .qty]]]' ship.jsonl)" '["s_1","EWR1",[["A",1]]]
["s_2","ORD1",[["B",1]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "partly_shipped"
	# One unit of line 1: the one still waiting; the parcel stays.
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-import cancel --reason "not wanted" --line 1:1 o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: shipped"
	assert_equal "$(lines_of 1; sqlite3 "$OMS_DB" "SELECT id, status FROM shipments ORDER BY id")" "1|2|1|1|1
2|1|1|1|0
1|shipped
2|shipped"
	# The whole line: s_1 voided first, its tee back on the shelf.
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-import cancel --reason "not wanted" --line 1 o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: shipped"
	assert_equal "$(lines_of 1; sqlite3 "$OMS_DB" "SELECT id, status, voided_at FROM shipments ORDER BY id")" "1|2|0|0|2
2|1|1|1|0
1|voided|2026-11-26T18:00:00Z
2|shipped|"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, sku, qty, reason, ref FROM movements WHERE program = 'oms-import' ORDER BY id")" "oms-import|adjust|A|1|label voided|s_1
oms-import|reserve|A|1||s_1
oms-import|release|A|-1|cancelled|o_1"
	assert_equal "$(levels)" "A|EWR1|1|0
B|ORD1|4|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE id > (SELECT max(id) FROM events WHERE action = 'shipped') ORDER BY id")" 'cancelled|{"status":"partly_shipped"}|{"status":"shipped","reason":"not wanted","by":"operator","lines":[{"line_no":1,"qty":1}]}
voided|{"status":"shipped"}|{"status":"partly_shipped","shipment":"s_1"}
cancelled|{"status":"partly_shipped"}|{"status":"shipped","reason":"not wanted","by":"operator","lines":[{"line_no":1}]}'
	# The hat is scanned; it cannot be cancelled any more.
	OMS_NOW=2026-11-27T12:00:00Z oms-ship track >/dev/null
	OMS_NOW=2026-11-27T13:00:00Z run --separate-stderr oms-import cancel --line 2 o_1
	assert_failure 1
	assert_equal "$stderr" "oms-import: order o_1 line 2: its 1 unit has left with the carrier: a return is the way"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT source, lines, state FROM cancel_requests WHERE state = 'refused'")" 'operator|[{"line_no":2}]|refused'
	# Confirmed and announced: the hat only.
	run oms-ship confirm --feed oms --format jsonl
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["s_2","in_transit"]'
	run oms-ship notify
	assert_equal "$(jq -c '[.shipment, .event]' <<<"$output")" '["s_2","shipped"]'
	OMS_NOW=2026-12-10T00:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "delivered"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "the printed record fed back with \"status\":\"cancelled\" through --channel oms cancels the allocated order, not 'unchanged'" {
	setup_ship
	record 1001 "Ann" "L1:A:2" > rec.jsonl
	oms-import --channel oms rec.jsonl > printed.jsonl
	oms-route --pending > alloc.jsonl
	jq -c '.status = "cancelled" | .cancel_reason = "customer asked"' printed.jsonl > back.jsonl
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import -v --channel oms back.jsonl
	assert_success
	assert_equal "$stderr" "oms-import: back.jsonl: read as oms (channel oms)
oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .cancel_reason]' <<<"$output")" '["o_1","cancelled","customer asked"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT source, reason, state FROM cancel_requests; SELECT kind, qty, reason FROM movements WHERE kind = 'release'")" "cancelled
operator|customer asked|done
release|-2|cancelled"
	assert_equal "$(lines_of 1)" "1|2|0|0|2"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, after FROM events WHERE action = 'cancelled'")" 'cancelled|{"status":"cancelled","reason":"customer asked","by":"operator"}'
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1001) is cancelled: it does not ship"
	# Fed again: now it is unchanged.
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-import -v --channel oms back.jsonl
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 1 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM cancel_requests")" "1"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

# The header of a real Shopify orders export, and one order of it.
HEADER=$(head -1 "$FIX/shopify-small.csv")
shopify() {	# NAME FINANCIAL_STATUS: 2 tees at 10.00
	local addr='Ada Lovelace,1 Main St,1 Main St,,,New York,10001,NY,US,'
	echo "$HEADER"
	echo "$1,ada@example.com,$2,2026-11-26 09:00:00 -0500,unfulfilled,,no,USD,20.00,5.00,0.00,25.00,,0.00,Standard,2026-11-26 09:00:00 -0500,2,Tee,10.00,,A,true,true,pending,$addr,$addr,,,"
}

@test "hold --reason: a later channel export does not lift it; release does, and the order routes and ships" {
	setup_ship
	shopify '#1001' authorized > day1.csv
	oms-import day1.csv >/dev/null
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import hold --reason "fraud check" 'shopify:#1001'
	assert_success
	assert_equal "$stderr" "oms-import: held o_1"
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","hold",["fraud check"]]'
	# The next export: paid now.  Still held, by the operator.
	shopify '#1001' paid > day2.csv
	OMS_NOW=2026-11-27T09:00:00Z run --separate-stderr oms-import -v day2.csv
	assert_success
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 1 updated, 0 unchanged, 0 older, 1 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .payment.status]' <<<"$output")" '["o_1","hold","paid"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders")" 'hold|operator|["fraud check"]'
	OMS_NOW=2026-11-27T09:00:00Z run oms-route --pending
	assert_success
	assert_output ""
	OMS_NOW=2026-11-27T09:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_output '{"type":"attention","kind":"held","order":"o_1","channel":"shopify","external_id":"#1001","status":"hold","since":"2026-11-26T16:00:00Z","hours":17,"reasons":["fraud check"],"by":"operator"}'
	# Released: it routes and ships.
	OMS_NOW=2026-11-27T10:00:00Z run --separate-stderr oms-import release o_1
	assert_success
	assert_equal "$stderr" "oms-import: released o_1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind IS NULL, hold_reasons IS NULL FROM orders")" "open|1|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action IN ('held', 'released') ORDER BY id")" 'held|{"status":"open"}|{"status":"hold","hold_reasons":["fraud check"]}
released|{"status":"hold","hold_reasons":["fraud check"]}|{"status":"open"}'
	OMS_NOW=2026-11-27T10:00:00Z oms-route --pending > alloc.jsonl
	assert_equal "$(jq -c '[.order, .status]' alloc.jsonl)" '["o_1","allocated"]'
	OMS_NOW=2026-11-27T10:00:00Z run oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$(jq -c '[.id, .order, .status]' <<<"$output")" '["s_1","o_1","shipped"]'
	OMS_NOW=2026-11-27T10:00:00Z run oms status
	assert_success
	assert_output ""
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "hold --reason: the record a later channel export prints still gives the hold's reasons" {
	setup_ship
	shopify '#1001' authorized > day1.csv
	oms-import day1.csv >/dev/null
	oms-import hold -q --reason "fraud check" o_1 >/dev/null
	shopify '#1001' paid > day2.csv
	OMS_NOW=2026-11-27T09:00:00Z run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","hold",["fraud check"]]'
}
