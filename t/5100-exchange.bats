#!/usr/bin/env bats
# Exchanges and reships (lib/exchange.c): orders oms makes itself,
# linked to the order they come from, routed and shipped like any other.
# The unit test t/unit/exchange.c drives the functions (oms-return is
# written at the same time); the rest is the real programs.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z
X="$OMS_BIN/../t/exchange"

setup_world() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":5,"key":"r2"}
{"type":"movement","kind":"receive","sku":"C","location":"EWR1","qty":5,"key":"r3"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
EOF
}

# order EXT LINES: lines "line_id:sku:qty ...", 10.00 each, 8% tax
order() {
	local lines= l i s q
	for l in $2; do
		IFS=: read -r i s q <<<"$l"
		lines="$lines${lines:+,}{\"line_id\":\"$i\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\",\"tax\":\"$(printf '%d.%02d' $((q * 80 / 100)) $((q * 80 % 100)))\"}"
	done
	jq -nc --arg e "$1" --argjson l "[$lines]" '{type:"order",external_id:$e,currency:"USD",customer:{email:"zoe@example.com"},ship_to:{name:"Zoe",address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"},lines:$l}' |
	    oms-import --channel oms >/dev/null
}

ship_all() {
	oms-route --pending | oms-ship --carrier offline --labels labels
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

@test "the unit test's database, exchanges of every kind, is consistent" {
	[ -x "$X" ] || skip "no unit test binary at $X"
	OMS_UNIT_DB="$BATS_TEST_TMPDIR/u.db" run "$X"
	assert_success
	refute_output --partial "not ok"
	run --separate-stderr oms --db "$BATS_TEST_TMPDIR/u.db" check
	assert_success
	assert_equal "$stderr" "oms: database '$BATS_TEST_TMPDIR/u.db' is consistent"
}

@test "reship of a lost parcel: a zero-value linked order routed and shipped, the parcel marked, the units written off" {
	setup_world
	order 1001 "L1:A:2 L2:C:1"
	ship_all >ship.jsonl
	assert_equal "$(jq -r .id ship.jsonl)" "s_1"
	# The carrier loses it: tracking marks it and holds the order.
	OMS_NOW=2026-12-10T00:00:00Z OMS_OFFLINE_TRACK=lost oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM shipments; SELECT status, hold_kind FROM orders")" "lost
hold|carrier"
	before=$(levels)
	run --separate-stderr "$X" "$OMS_DB" reship o_1 '{"shipment":"s_1","reason":"lost"}'
	assert_success
	assert_equal "$stderr" ""
	run jq -c 'del(.placed_at)' <<<"$output"
	assert_output '{"type":"order","id":"o_2","channel":"oms","account":"oms","external_id":"1001-R1","status":"open","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"line_id":"R1","sku":"A","qty":2,"unit_price":"0.00"},{"line_id":"R2","sku":"C","qty":1,"unit_price":"0.00"}],"totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"0.00"},"original":{"order":"o_1","channel":"oms","external_id":"1001"},"origin":"reship","reship":{"shipment":"s_1","tracking":"'"$(jq -r .tracking ship.jsonl)"'","reason":"lost","key":"s_1:reship","lines":[{"order_line":1,"qty":2},{"order_line":2,"qty":1}]}}'
	# Linked; the carrier's hold lifted, the order shipped and no more:
	# its only parcel is lost, neither delivered nor waited for.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, parent_id, origin, return_id IS NULL FROM orders ORDER BY id")" "1|shipped|||1
2|open|1|reship|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, record ->> '\$.status', record ->> '\$.reshipped.order' FROM shipments")" "lost|lost|o_2"
	# The write-off moves no level: shipped, then from shipped to lost.
	assert_equal "$(levels)" "$before"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, location, qty, reason, ref, key FROM movements WHERE ref = 's_1' AND kind <> 'release' ORDER BY id")" "adjust|A|EWR1|-2|shipped|s_1|ship:s1:a1
adjust|C|EWR1|-1|shipped|s_1|ship:s1:a2
adjust|A|EWR1|2|s_1 lost: written off|s_1|reship:s1:l1:A:back
damage|A|EWR1|-2|lost in transit (s_1)|s_1|reship:s1:l1:A:off
adjust|C|EWR1|1|s_1 lost: written off|s_1|reship:s1:l2:C:back
damage|C|EWR1|-1|lost in transit (s_1)|s_1|reship:s1:l2:C:off"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action FROM events WHERE order_id = 1 ORDER BY id")" "created
allocated
shipped
held
reship
released"
	# Routed and shipped like any order.
	run --separate-stderr oms-route --pending
	assert_success
	assert_equal "$(jq -c '[.order, .status]' <<<"$output")" '["o_2","allocated"]'
	oms-ship --carrier offline --labels labels <<<"$output" >ship2.jsonl
	assert_equal "$(jq -c '[.id, .order, [.lines[] | [.sku, .qty]]]' ship2.jsonl)" '["s_2","o_2",[["A",2],["C",1]]]'
	assert_equal "$(levels)" "A|EWR1|1|0
B|EWR1|5|0
C|EWR1|3|0"
	# The lost parcel is no longer asked after; the new one is.
	OMS_NOW=2026-12-20T00:00:00Z run oms-ship track
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_2","delivered"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM (SELECT status FROM orders ORDER BY id)")" "shipped,delivered"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
	# The same key again: the first reship, nothing new.
	run "$X" "$OMS_DB" reship o_1 '{"shipment":"s_1","reason":"lost"}'
	assert_success
	assert_equal "$(jq -c '[.id, .duplicate]' <<<"$output")" '["o_2",true]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders; SELECT count(*) FROM movements WHERE key LIKE 'reship:%'")" "2
4"
}

@test "reship of a damaged parcel found by tracking, some of its lines; the other parcel delivered" {
	setup_world
	oms-stock >/dev/null <<'EOF'
{"type":"movement","kind":"receive","sku":"C","location":"ORD1","qty":5,"key":"r4"}
{"type":"movement","kind":"adjust","sku":"C","location":"EWR1","qty":-5,"reason":"moved","key":"r5"}
EOF
	order 1001 "L1:A:2 L2:C:1"
	ship_all >ship.jsonl
	assert_equal "$(jq -c '[.id, .location]' ship.jsonl | paste -sd' ')" '["s_1","EWR1"] ["s_2","ORD1"]'
	OMS_NOW=2026-12-10T00:00:00Z oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "delivered"
	t=$(jq -r 'select(.id == "s_1") | .tracking' ship.jsonl)
	run --separate-stderr "$X" "$OMS_DB" reship o_7 "{\"tracking\":\"$t\",\"reason\":\"damaged\"}"
	assert_failure 1
	assert_equal "$stderr" "exchange: s_1 is a shipment of order o_1, not of o_7"
	run --separate-stderr "$X" "$OMS_DB" reship o_1 "{\"tracking\":\"$t\",\"reason\":\"damaged\",\"lines\":[{\"order_line\":1,\"qty\":1}],\"key\":\"claim-7\"}"
	assert_success
	assert_equal "$(jq -c '[.id, .external_id, [.lines[] | [.sku, .qty, .unit_price]], .reship.reason, .reship.key]' <<<"$output")" '["o_2","1001-R1",[["A",1,"0.00"]],"damaged","claim-7"]'
	# Damaged arrived: the order stays delivered, the unit written off.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM (SELECT status FROM shipments ORDER BY id); SELECT status FROM orders WHERE id = 1")" "damaged,delivered
delivered"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason FROM movements WHERE key LIKE 'reship:%' ORDER BY id")" "adjust|A|1|s_1 damaged: written off
damage|A|-1|damaged in transit (s_1)"
	run oms check
	assert_success
}

@test "reship of a kit: the kit sent again, its components written off" {
	setup_world
	order 1001 "L1:KIT:1"
	ship_all >/dev/null
	before=$(levels)
	run --separate-stderr "$X" "$OMS_DB" reship o_1 '{"shipment":"s_1","reason":"lost"}'
	assert_success
	assert_equal "$(jq -c '[.lines, .reship.lines]' <<<"$output")" '[[{"line_id":"R1","sku":"KIT","qty":1,"unit_price":"0.00"}],[{"order_line":1,"qty":1}]]'
	assert_equal "$(levels)" "$before"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty FROM movements WHERE key LIKE 'reship:%' ORDER BY id")" "adjust|A|1
damage|A|-1
adjust|B|2
damage|B|-2"
	run oms-route --pending
	assert_equal "$(jq -c '[.order, .status]' <<<"$output")" '["o_2","allocated"]'
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "reship refusals: a voided parcel, one sent back, another order's, a second reship under another key, bad specs" {
	setup_world
	order 1001 "L1:A:1"
	order 1002 "L1:B:1"
	order 1003 "L1:C:1"
	order 1004 "L1:A:1"
	ship_all >ship.jsonl
	oms-ship void s_3 >/dev/null
	t2=$(jq -r 'select(.id == "s_2") | .tracking' ship.jsonl)
	OMS_NOW=2026-12-10T00:00:00Z OMS_OFFLINE_TRACK="$t2=returned" oms-ship track >/dev/null
	"$X" "$OMS_DB" reship o_1 '{"shipment":"s_1","reason":"lost","key":"k1"}' >/dev/null
	while IFS='|' read -r ord spec msg; do
		run --separate-stderr "$X" "$OMS_DB" reship "$ord" "$spec"
		assert_failure 1
		assert_equal "$output" ""
		assert_equal "$stderr" "exchange: $msg"
	done <<'EOF'
o_3|{"shipment":"s_3","reason":"lost"}|s_3 was voided: it never left, there is nothing to reship
o_1|{"shipment":"s_2","reason":"lost"}|s_2 is a shipment of order o_2, not of o_1
o_1|{"shipment":"s_1","reason":"lost","key":"k2"}|s_1 was reshipped already: o_5 (key 'k1')
o_2|{"shipment":"s_2","reason":"lost"}|s_2 was sent back to the sender: receive its units (oms-stock) and route the order again
o_4|{"shipment":"s_4","reason":"lost","key":"k1"}|key 'k1' is the reship o_5 of s_1, not of s_4
o_2|{"shipment":"s_2","reason":"stolen"}|reason must be "lost" or "damaged"
o_2|{"reason":"lost"}|a reship names the parcel: "shipment" (s_N) or "tracking", one of them
o_2|{"shipment":"s_9","reason":"lost"}|no shipment with s_9
o_2|{"tracking":"1Z999","reason":"lost"}|no shipment with tracking 1Z999
o_4|{"shipment":"s_4","reason":"lost","lines":[{"order_line":1,"qty":2}]}|reship line 1: s_4 carried 1 of order line 1, not 2
o_4|{"shipment":"s_4","reason":"lost","lines":[{"order_line":5,"qty":1}]}|reship line 1: s_4 carried nothing of order line 5
EOF
	# s_1 said delivered, then lost at the door: its order is shipped.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE origin = 'reship'; SELECT group_concat(status) FROM (SELECT status FROM shipments ORDER BY id); SELECT group_concat(status) FROM (SELECT status FROM orders ORDER BY id)")" "1
lost,returned,voided,delivered
shipped,hold,allocated,delivered,open"
	run oms check
	assert_success
}

@test "an advance exchange is routed and shipped before the return is in; its window lapses: charged whole" {
	setup_world
	order 1001 "L1:A:2"
	ship_all >/dev/null
	# A return of one A, authorized, not yet in (oms-return writes these).
	sqlite3 "$OMS_DB" "INSERT INTO returns (order_id, key, state, policy, requested_at, updated_at, record) VALUES (1, 'k', 'authorized', '{}', '$OMS_NOW', '$OMS_NOW', '{}'); INSERT INTO return_lines (return_id, line_no, order_line, sku, qty, reason, resolution) VALUES (1, 1, 1, 'A', 1, 'size_too_small', 'exchange')"
	run --separate-stderr "$X" "$OMS_DB" exchange r_1 '{"lines":[{"sku":"B","qty":1,"unit_price":"12.00"}]}'
	assert_failure 1
	assert_equal "$stderr" 'exchange: return r_1 line 1: 0 of 1 units received; an exchange that ships before the return is in is an advance exchange ("advance":true)'
	run --separate-stderr "$X" "$OMS_DB" exchange r_1 '{"advance":true,"lines":[{"sku":"B","qty":1,"unit_price":"12.00"}]}'
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c 'select(.type == "order") | [.id, .external_id, .lines, .totals.total, .exchange.difference, .exchange.held, .exchange.state]' <<<"$output")" '["o_2","1001-X1",[{"line_id":"X1","sku":"B","qty":1,"unit_price":"12.00","tax":"0.96"}],"12.96","2.16","12.96","held"]'
	assert_equal "$(jq -c 'select(.type == "hold") | [.order, .amount]' <<<"$output")" '["o_2","12.96"]'
	run oms-route --pending
	assert_equal "$(jq -c '[.order, .status]' <<<"$output")" '["o_2","allocated"]'
	oms-ship --carrier offline --labels labels <<<"$output" >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM (SELECT status FROM orders ORDER BY id)")" "shipped,shipped"
	# Nothing came back in the window: the whole value is charged, once.
	run "$X" "$OMS_DB" settle r_1 lapsed
	assert_success
	assert_output '{"type":"exchange","order":"o_2","return":"r_1","original":"o_1","difference":"2.16","currency":"USD","state":"charged"}
{"type":"charge","order":"o_2","exchange":"o_2","return":"r_1","key":"exchange:o_2:charge","currency":"USD","amount":"12.96","reason":"advance exchange o_2: the return r_1 did not arrive in its window"}'
	run "$X" "$OMS_DB" settle r_1 lapsed
	assert_success
	assert_output '{"type":"exchange","order":"o_2","return":"r_1","state":"charged","duplicate":true}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action FROM events WHERE order_id = 2 ORDER BY id")" "created
exchange
allocated
shipped
exchange_charged"
	# Never confirmed to a channel as its own: oms has no format.
	run --separate-stderr oms-ship confirm --channel oms
	assert_failure
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}
