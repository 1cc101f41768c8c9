#!/usr/bin/env bats
# Races and crossed paths between cancels, voids, holds, channel updates
# and shipping runs: two runs on one order at once, a request left
# pending while the order moves on, a channel that changes its mind.
# Where two runs cross, the slow carrier holds one inside its carrier
# call until the other is done: the order of events is the test's, not
# the clock's.

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

# ship_all CARRIER: route and ship every order waiting.
ship_all() {
	oms-route -q --pending >/dev/null
	oms-ship -q --carrier "$1" --labels labels --pending >/dev/null
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

lines_of() {	# order_id: line_no|qty|allocated|shipped|cancelled
	sqlite3 "$OMS_DB" "SELECT line_no, qty, allocated, shipped, cancelled FROM order_lines WHERE order_id = $1 ORDER BY line_no"
}

# oms check and oms-stock verify find nothing wrong.
consistent() {
	run --separate-stderr oms check
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms: database '$OMS_DB' is consistent"
	run --separate-stderr oms-stock verify
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-stock: the levels agree with the ledger"
}

# slow_carrier: the offline carrier under the name "slow", in this test's
# bin/, first on PATH.  Each call is logged to calls.log as "TAG VERB
# REQUEST".  A process run with SLOW_TAG=T that calls a verb named in
# SLOW_VERBS (void when unset) is held inside the call: the carrier makes
# T.in and waits for T.go (10 s at most).  Verbs named in FAIL_VERBS fail.
# It declares no batches (capabilities and batch exit 2) unless SLOW_BATCH
# is set; then a batch is held or fails as its requests' verb would, and
# capabilities is not logged.
slow_carrier() {
	mkdir -p bin
	cat > bin/oms-carrier-slow <<EOF
#!/bin/sh
dir='$BATS_TEST_TMPDIR' offline='$OMS_BIN/oms-carrier-offline'
EOF
	cat >> bin/oms-carrier-slow <<'EOF'
req=$(cat)
verb=$1
case $1 in
batch|capabilities)
	[ -n "${SLOW_BATCH:-}" ] || { echo "slow: unknown verb $1" >&2; exit 2; }
	if [ "$1" = capabilities ]; then
		printf '%s' "$req" | "$offline" capabilities
		exit
	fi
	verb=$(printf '%s' "$req" | jq -r .verb) ;;
esac
printf '%s %s %s\n' "${SLOW_TAG:--}" "$1" "$req" >> "$dir/calls.log"
case " ${SLOW_VERBS:-void} " in
*" $verb "*)
	if [ -n "$SLOW_TAG" ]; then
		: > "$dir/$SLOW_TAG.in"
		i=0
		while [ ! -e "$dir/$SLOW_TAG.go" ] && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
	fi;;
esac
case " ${FAIL_VERBS:-} " in
*" $verb "*) echo "slow: failing $verb" >&2; exit 3;;
esac
printf '%s\n' "$req" > "$dir/req.$$"
exec "$offline" "$@" < "$dir/req.$$"
EOF
	chmod +x bin/oms-carrier-slow
	PATH="$BATS_TEST_TMPDIR/bin:$PATH"
}

# inside T: wait (5 s at most) until the process tagged T is held in its
# carrier call.  go T: let it go on.
inside() {
	local i
	for i in $(seq 100); do
		[ -e "$BATS_TEST_TMPDIR/$1.in" ] && return 0
		sleep 0.05
	done
	echo "# no process tagged $1 came to its carrier" >&3
	return 1
}
go() { : > "$BATS_TEST_TMPDIR/$1.go"; }

# No process is left held, whatever happened.
teardown() {
	go a
	go b
	wait
}

@test "two cancels of one labelled order at once: the second void, landing after the cancel, leaves it cancelled and released" {
	setup_ship
	slow_carrier
	order 1001 Ann "L1:A:2"
	ship_all slow
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT id, status FROM shipments")" "shipped
1|shipped"
	# a is voiding s_1 when b starts and calls the carrier to void it too.
	SLOW_TAG=a oms-import cancel o_1 >a.out 2>a.err 3>&- &
	pa=$!
	inside a
	SLOW_TAG=b oms-import cancel o_1 >b.out 2>b.err 3>&- &
	pb=$!
	inside b
	# a voids and cancels; then b's void comes back.
	go a
	rc=0
	wait $pa || rc=$?
	assert_equal "$rc $(cat a.err)" "0 oms-import: o_1: cancelled"
	assert_equal "$(jq -c '[.id, .status]' a.out)" '["o_1","cancelled"]'
	go b
	rc=0
	wait $pb || rc=$?
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT qty, allocated, shipped, cancelled FROM order_lines; SELECT id, state FROM allocations; SELECT id, status FROM shipments")" "cancelled
2|0|0|2
1|released
1|voided"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, action, before, after FROM events WHERE action IN ('voided', 'cancelled') ORDER BY id")" 'oms-import|voided|{"status":"shipped"}|{"status":"allocated","shipment":"s_1"}
oms-import|cancelled|{"status":"allocated"}|{"status":"cancelled","by":"operator"}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT source, state FROM cancel_requests")" "operator|done"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, qty, reason, ref FROM movements WHERE sku = 'A' AND kind <> 'receive' ORDER BY id")" "oms-route|reserve|2||o_1
oms-ship|release|-2||s_1
oms-ship|adjust|-2|shipped|s_1
oms-import|adjust|2|label voided|s_1
oms-import|reserve|2||s_1
oms-import|release|-2|cancelled|o_1"
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	consistent
	# b is silent about the void, or says it was voided already.
	case $rc:$(cat b.err) in
	"0:oms-import: o_1: cancelled") assert_equal "$(jq -c '[.id, .status]' b.out)" '["o_1","cancelled"]' ;;
	*) assert_equal "$rc:$(cat b.err)" "1:oms-import: s_1 is voided already" ;;
	esac
}

@test "two voids of one label at once, the order shipped again between them: the second is refused, the reship stands, later runs ship" {
	setup_ship
	slow_carrier
	order 1001 Ann "L1:A:2"
	ship_all slow
	SLOW_TAG=a oms-ship void s_1 >a.out 2>a.err 3>&- &
	pa=$!
	inside a
	SLOW_TAG=b oms-ship void s_1 >b.out 2>b.err 3>&- &
	pb=$!
	inside b
	go a
	rc=0
	wait $pa || rc=$?
	assert_equal "$rc $(cat a.err)" "0 "
	assert_equal "$(jq -c '[.id, .order, .status]' a.out)" '["s_1","o_1","voided"]'
	# While b is still at its carrier, the order ships again.
	run --separate-stderr oms-ship --carrier slow --labels labels --pending
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .order, .status, [.lines[] | [.line_no, .sku, .qty]]]' <<<"$output")" '["s_2","o_1","shipped",[[1,"A",2]]]'
	go b
	rc=0
	wait $pb || rc=$?
	assert_equal "$rc $(cat b.out)" "1 "
	assert_equal "$(cat b.err)" "oms-ship: s_1 is voided already"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT id, status FROM shipments ORDER BY id; SELECT id, state FROM allocations; SELECT qty, allocated, shipped, cancelled FROM order_lines")" "shipped
1|voided
2|shipped
1|shipped
2|2|2|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, json_remove(after, '$.tracking') FROM events WHERE action IN ('voided', 'shipped') ORDER BY id")" 'shipped|{"status":"allocated"}|{"status":"shipped","shipment":"s_1","location":"EWR1"}
voided|{"status":"shipped"}|{"status":"allocated","shipment":"s_1"}
shipped|{"status":"allocated"}|{"status":"shipped","shipment":"s_2","location":"EWR1"}'
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0"
	consistent
	# The next orders ship: no request of s_2 bought again.
	order 1002 Bob "L1:B:1"
	oms-route -q --pending >/dev/null
	run --separate-stderr oms-ship --carrier slow --labels labels --pending
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .order, .status]' <<<"$output")" '["s_3","o_2","shipped"]'
	run --separate-stderr oms-ship --carrier slow --labels labels --pending
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	consistent
}

@test "a whole-order cancel left pending, then a --line cancel of another line: that line alone is done, the whole request still pending" {
	setup_ship
	order 1001 Ann "L1:A:2 L2:C:1"
	ship_all offline
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT id, status FROM shipments")" "partly_shipped
1|shipped"
	OMS_NOW=2026-11-26T16:00:00Z OMS_OFFLINE_FAULT=fail run --separate-stderr oms-import cancel --reason all o_1
	assert_failure 1
	assert_equal "$stderr" "oms-import: o_1: the cancel is pending: carrier offline failed on void (exit 3): oms-carrier-offline: failing, as OMS_OFFLINE_FAULT=fail asks (run it again)"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","partly_shipped"]'
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-import cancel --reason "no C" --line 2 o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: shipped"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","shipped"]'
	assert_equal "$(lines_of 1)" "1|2|2|2|0
2|1|0|0|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, reason, lines, state, note, ended_at FROM cancel_requests ORDER BY id")" '1|all||pending|carrier offline failed on void (exit 3): oms-carrier-offline: failing, as OMS_OFFLINE_FAULT=fail asks|
2|no C|[{"line_no":2}]|done||2026-11-26T17:00:00Z'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT id, status FROM shipments")" "shipped
1|shipped"
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_equal "$stderr" ""
	assert_output '{"type":"attention","kind":"cancel_pending","order":"o_1","channel":"oms","external_id":"1001","status":"shipped","since":"2026-11-26T16:00:00Z","hours":2,"reason":"carrier offline failed on void (exit 3): oms-carrier-offline: failing, as OMS_OFFLINE_FAULT=fail asks","by":"operator"}'
	consistent
	# Run again with the carrier up, the whole cancel is carried out.
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms-import cancel --reason all o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: cancelled"
	assert_equal "$(lines_of 1)" "1|2|0|0|2
2|1|0|0|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, state, ended_at FROM cancel_requests ORDER BY id; SELECT status FROM orders; SELECT id, status FROM shipments")" "1|done|2026-11-26T19:00:00Z
2|done|2026-11-26T17:00:00Z
cancelled
1|voided"
	OMS_NOW=2026-11-26T19:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	consistent
}

@test "hold --reason, then a --line cancel, or a void of the held order's label: the hold keeps its reasons" {
	setup_ship
	order 1001 Ann "L1:A:2 L2:B:1"
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import hold --reason "fraud check" o_1
	assert_success
	assert_equal "$stderr" "oms-import: held o_1"
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-import cancel --reason "no B" --line 2 o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: hold"
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","hold",["fraud check"]]'
	assert_equal "$(lines_of 1)" "1|2|0|0|0
2|1|0|0|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders")" 'hold|operator|["fraud check"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action IN ('held', 'cancelled') ORDER BY id")" 'held|{"status":"open"}|{"status":"hold","hold_reasons":["fraud check"]}
cancelled|{"status":"hold"}|{"status":"hold","reason":"no B","by":"operator","lines":[{"line_no":2}]}'
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_output '{"type":"attention","kind":"held","order":"o_1","channel":"oms","external_id":"1001","status":"hold","since":"2026-11-26T16:00:00Z","hours":2,"reasons":["fraud check"],"by":"operator"}'
	consistent
	# An order held once its label is bought, the label then voided.
	order 1002 Bob "L1:A:1"
	ship_all offline
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, order_id, status FROM shipments")" "1|2|shipped"
	OMS_NOW=2026-11-26T16:00:00Z oms-import hold -q --reason "fraud check" o_2 >/dev/null
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship void s_1
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .order, .status]' <<<"$output")" '["s_1","o_2","voided"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status, hold_kind, hold_reasons FROM orders ORDER BY id")" '1|hold|operator|["fraud check"]
2|hold|operator|["fraud check"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE order_id = 2 AND action IN ('held', 'voided') ORDER BY id")" 'held|{"status":"shipped"}|{"status":"hold","hold_reasons":["fraud check"]}
voided|{"status":"hold"}|{"status":"hold","shipment":"s_1"}'
	consistent
}

@test "the channel lowers a line below the label bought: held; the void gives the excess back, release ships the new quantity" {
	setup_ship
	order 1001 Ann "L1:A:2"
	ship_all offline
	record 1001 Ann "L1:A:1" > v2.jsonl
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import --channel oms v2.jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status, .hold_reasons, [.lines[] | .qty]]' <<<"$output")" '["o_1","hold",["line 1 (A): the order now wants 1 but 2 shipped"],[1]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind FROM orders; SELECT id, line_no, qty, state FROM allocations")" "hold|change
1|1|2|shipped"
	assert_equal "$(lines_of 1)" "1|1|2|2|0"
	consistent
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship void s_1
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["s_1","voided"]'
	# One unit back on the shelf reserved for the line, the other free.
	assert_equal "$(lines_of 1)" "1|1|1|0|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders; SELECT id, line_no, qty, state FROM allocations")" 'hold|change|["line 1 (A): the order now wants 1 but 2 shipped"]
1|1|1|active'
	assert_equal "$(levels)" "A|EWR1|5|1
B|ORD1|5|0"
	consistent
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-import release o_1
	assert_success
	assert_equal "$stderr" "oms-import: released o_1"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","allocated"]'
	consistent
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .order, .status, [.lines[] | [.line_no, .sku, .qty]]]' <<<"$output")" '["s_2","o_1","shipped",[[1,"A",1]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT id, status FROM shipments ORDER BY id")" "shipped
1|voided
2|shipped"
	assert_equal "$(lines_of 1)" "1|1|1|1|0"
	assert_equal "$(levels)" "A|EWR1|4|0
B|ORD1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, qty, coalesce(reason, ''), ref FROM movements WHERE sku = 'A' AND kind <> 'receive' ORDER BY id")" "oms-route|reserve|2||o_1
oms-ship|release|-2||s_1
oms-ship|adjust|-2|shipped|s_1
oms-ship|adjust|2|label voided|s_1
oms-ship|reserve|2||s_1
oms-ship|release|-1|order changed|o_1
oms-ship|release|-1||s_2
oms-ship|adjust|-1|shipped|s_2"
	consistent
}

# wc MODIFIED STATUS: WooCommerce order 2001, 2 of A, as its API gives it.
wc() {
	jq -nc --arg m "$1" --arg s "$2" '{id:7001,number:"2001",order_key:"k",status:$s,currency:"USD",date_created_gmt:"2026-11-20T10:00:00",date_modified_gmt:$m,billing:{first_name:"Z",last_name:"P",email:"z@example.com",address_1:"1 Main St",city:"New York",state:"NY",postcode:"10001",country:"US"},shipping:{first_name:"Z",last_name:"P",address_1:"1 Main St",city:"New York",state:"NY",postcode:"10001",country:"US"},shipping_total:"0.00",discount_total:"0.00",total_tax:"0.00",total:"20.00",shipping_lines:[],line_items:[{id:11,name:"A",sku:"A",quantity:2,price:10,subtotal:"20.00",total:"20.00",total_tax:"0.00",product_id:1,variation_id:0}]}'
}

# wc2 MODIFIED STATUS: the same order with one B besides.
wc2() {
	wc "$@" | jq -c '.total = "30.00" | .line_items += [{id:12,name:"B",sku:"B",quantity:1,price:10,subtotal:"10.00",total:"10.00",total_tax:"0.00",product_id:2,variation_id:0}]'
}

@test "a version dated 2099 is refused as a wrong clock; the real cancel that follows cancels the order" {
	setup_ship
	wc 2099-01-01T00:00:00 processing > f1.json
	wc 2026-11-26T16:00:00 cancelled > f2.json
	run --separate-stderr oms-import f1.json
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: f1.json:1: record 1: order 2001: its time 2099-01-01T00:00:00Z is later than now (2026-11-26T15:00:00Z): a date or a clock is wrong"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "0"
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-import -v f2.json
	assert_success
	assert_equal "$stderr" "oms-import: f2.json: read as woocommerce (channel woocommerce)
oms-import: 1 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .external_id, .status]' <<<"$output")" '["o_1","2001","cancelled"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, channel_status, version_at FROM orders")" "cancelled|cancelled|2026-11-26T16:00:00Z"
	# Nothing to route or ship.
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-route --pending
	assert_success
	assert_output ""
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "0"
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	consistent
}

@test "cancelled while oms-ship buys the label, and that label's void fails: a stray label, listed; the next run voids it and removes its files" {
	setup_ship
	slow_carrier
	order 1001 Ann "L1:A:2"
	oms-route -q --pending >/dev/null
	SLOW_TAG=a SLOW_VERBS=label FAIL_VERBS=void oms-ship --carrier slow --labels labels --pending >a.out 2>a.err 3>&- &
	pa=$!
	inside a
	# The carrier is making the label when the order is cancelled.
	OMS_NOW=2026-11-26T15:30:00Z run --separate-stderr oms-import cancel o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: cancelled"
	go a
	rc=0
	wait $pa || rc=$?
	assert_equal "$rc $(cat a.out)" "1 "
	assert_equal "$(cut -d' ' -f1-2 calls.log)" "a rate
a label
a void"
	t=$(sqlite3 "$OMS_DB" "SELECT json_extract(tracking, '\$[0]') FROM stray_labels")
	[[ $t =~ ^[0-9]+$ ]]
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT count(*) FROM shipments; SELECT order_id, carrier, tracking, files, at, note FROM stray_labels")" "cancelled
0
1|slow|[\"$t\"]|[\"labels/$t.zpl\",\"labels/$t.pdf\"]|2026-11-26T15:00:00Z|carrier slow failed on void (exit 3): slow: failing void"
	run ls labels
	assert_output "$t.pdf
$t.zpl"
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_equal "$stderr" ""
	assert_output "{\"type\":\"attention\",\"kind\":\"stray_label\",\"order\":\"o_1\",\"channel\":\"oms\",\"external_id\":\"1001\",\"status\":\"cancelled\",\"since\":\"2026-11-26T15:00:00Z\",\"hours\":1,\"reason\":\"a label bought for nothing, tracking $t, could not be voided: carrier slow failed on void (exit 3): slow: failing void\",\"by\":\"slow\"}"
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	consistent
	grep -Fqx "oms-ship: order o_1 (oms 1001) is cancelled: it does not ship" a.err
	# The next shipping run, the carrier up: the label is voided, its
	# files gone, nothing left to list.
	: > calls.log
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship --carrier slow --labels labels --pending
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(cut -d' ' -f1-2 calls.log)" "- void"
	assert_equal "$(cut -d' ' -f3- calls.log | jq -c '.tracking_numbers')" "[\"$t\"]"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM stray_labels; SELECT count(*) FROM shipments")" "0
0"
	run find labels -type f
	assert_success
	assert_output ""
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	consistent
}

@test "with batch: cancelled while oms-ship buys the labels in a batch, and that label's void fails: not shipped, a stray label; the next run voids it" {
	setup_ship
	slow_carrier
	export SLOW_BATCH=1
	order 1001 Ann "L1:A:2"
	order 1002 Bo "L1:A:1"
	oms-route -q --pending >/dev/null
	SLOW_TAG=a SLOW_VERBS=label FAIL_VERBS=void oms-ship --carrier slow --labels labels --pending >a.out 2>a.err 3>&- &
	pa=$!
	inside a
	# The carrier is making the batch's labels when o_1 is cancelled.
	OMS_NOW=2026-11-26T15:30:00Z run --separate-stderr oms-import cancel o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: cancelled"
	go a
	rc=0
	wait $pa || rc=$?
	assert_equal "$rc $(jq -r .order a.out)" "1 o_2"
	grep -Fq "order o_1 (oms 1001) is cancelled: it does not ship" a.err
	# Rates, labels: a batch each; the label o_1's shipment did not take, voided.
	assert_equal "$(cut -d' ' -f1-2 calls.log)" "a batch
a batch
a void"
	t=$(sqlite3 "$OMS_DB" "SELECT json_extract(tracking, '\$[0]') FROM stray_labels")
	[[ $t =~ ^[0-9]+$ ]]
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders ORDER BY id; SELECT count(*) FROM shipments; SELECT order_id, carrier, files, note FROM stray_labels")" "cancelled
shipped
1
1|slow|[\"labels/$t.zpl\",\"labels/$t.pdf\"]|carrier slow failed on void (exit 3): slow: failing void"
	assert_equal "$(levels)" "A|EWR1|4|0
B|ORD1|5|0"
	consistent
	# The next run, the carrier up: the label is voided, its files gone.
	run --separate-stderr oms-ship --carrier slow --labels labels --pending
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM stray_labels; SELECT count(*) FROM shipments")" "0
1"
	assert_equal "$(tail -n 1 calls.log | cut -d' ' -f2)" "void"
	assert_equal "$(tail -n 1 calls.log | cut -d' ' -f3- | jq -c .tracking_numbers)" "[\"$t\"]"
	[ ! -e "labels/$t.zpl" ] && [ ! -e "labels/$t.pdf" ]
}

@test "a pending cancel whose parcel is then scanned: the next import ends it refused, a return the way; later imports exit 0, hold works" {
	setup_ship
	order 1001 Ann "L1:A:2 L2:B:1"
	ship_all offline
	OMS_NOW=2026-11-26T16:00:00Z OMS_OFFLINE_FAULT=fail run --separate-stderr oms-import cancel --reason "customer asked" o_1
	assert_failure 1
	assert_equal "$stderr" "oms-import: o_1: the cancel is pending: carrier offline failed on void (exit 3): oms-carrier-offline: failing, as OMS_OFFLINE_FAULT=fail asks (run it again)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT state FROM cancel_requests")" "pending"
	OMS_NOW=2026-11-28T12:00:00Z run oms-ship track
	assert_success
	assert_equal "$(jq -c '[.shipment, .status]' <<<"$output")" '["s_1","out_for_delivery"]
["s_2","in_transit"]'
	OMS_NOW=2026-11-28T13:00:00Z run --separate-stderr oms-import --channel oms </dev/null
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: o_1: order o_1 (oms 1001) has left: s_1 is out_for_delivery; a return is the way"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, source, reason, state, note, ended_at FROM cancel_requests")" "1|operator|customer asked|refused|order o_1 (oms 1001) has left: s_1 is out_for_delivery; a return is the way|2026-11-28T13:00:00Z"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT qty, allocated, shipped, cancelled FROM order_lines ORDER BY line_no")" "shipped
2|2|2|0
1|1|1|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT at, action, before, after FROM events WHERE action LIKE 'cancel%'")" '2026-11-28T13:00:00Z|cancel_refused|{"status":"shipped"}|{"status":"shipped","reason":"customer asked","by":"operator","note":"order o_1 (oms 1001) has left: s_1 is out_for_delivery; a return is the way"}'
	for d in 29 30; do
		OMS_NOW=2026-11-${d}T13:00:00Z run --separate-stderr oms-import --channel oms </dev/null
		assert_success
		assert_output ""
		assert_equal "$stderr" ""
	done
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM cancel_requests; SELECT count(*) FROM events WHERE action = 'cancel_refused'")" "1
1"
	OMS_NOW=2026-11-30T14:00:00Z run --separate-stderr oms status
	assert_failure 1
	assert_output '{"type":"attention","kind":"cancel_refused","order":"o_1","channel":"oms","external_id":"1001","status":"shipped","since":"2026-11-26T16:00:00Z","hours":94,"reason":"order o_1 (oms 1001) has left: s_1 is out_for_delivery; a return is the way","by":"operator"}'
	consistent
	OMS_NOW=2026-11-30T15:00:00Z run --separate-stderr oms-import hold --reason "address check" o_1
	assert_success
	assert_equal "$stderr" "oms-import: held o_1"
	assert_equal "$(jq -c '[.id, .status, .hold_reasons]' <<<"$output")" '["o_1","hold",["address check"]]'
	consistent
}

@test "the channel drops a labelled line: held; the void and the release leave no allocation or reservation behind" {
	setup_ship
	order 1001 Ann "L1:A:2 L2:B:1"
	ship_all offline
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, location, status FROM shipments ORDER BY id")" "1|EWR1|shipped
2|ORD1|shipped"
	record 1001 Ann "L1:A:2" > v2.jsonl
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import --channel oms v2.jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status, .hold_reasons, [.lines[] | .line_id]]' <<<"$output")" '["o_1","hold",["line 2 (B): 1 shipped, but the order no longer has it"],["L1"]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind FROM orders; SELECT id, line_no, sku, qty, state FROM allocations ORDER BY id")" "hold|change
1|1|A|2|shipped
2|-2|B|1|shipped"
	consistent
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship void s_2
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["s_2","voided"]'
	# The hat is back on the shelf, for no one: its allocation released.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind, hold_reasons FROM orders; SELECT id, line_no, sku, qty, state, ended_at FROM allocations ORDER BY id")" 'hold|change|["line 2 (B): 1 shipped, but the order no longer has it"]
1|1|A|2|shipped|2026-11-26T15:00:00Z
2|-2|B|1|released|2026-11-26T17:00:00Z'
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0"
	consistent
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-import release o_1
	assert_success
	assert_equal "$stderr" "oms-import: released o_1"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","shipped"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, hold_kind IS NULL FROM orders; SELECT id, state FROM allocations ORDER BY id")" "shipped|1
1|shipped
2|released"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, qty, reason, ref FROM movements WHERE sku = 'B' AND kind <> 'receive' ORDER BY id")" "oms-route|reserve|1||o_1
oms-ship|release|-1||s_2
oms-ship|adjust|-1|shipped|s_2
oms-ship|adjust|1|label voided|s_2"
	assert_equal "$(levels)" "A|EWR1|3|0
B|ORD1|5|0"
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms-route --pending
	assert_success
	assert_output ""
	OMS_NOW=2026-11-26T18:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	consistent
}

@test "a person cancels line 2, the channel cancels the order then takes it back: it stays cancelled, with a word" {
	setup_ship
	wc2 2026-11-20T10:00:00 processing > g1.json
	wc2 2026-11-22T10:00:00 cancelled > g2.json
	wc2 2026-11-23T10:00:00 processing > g3.json
	oms-import -q g1.json >/dev/null
	run --separate-stderr oms-import cancel --reason "customer agreed: no B" --line 2 o_1
	assert_success
	assert_equal "$stderr" "oms-import: o_1: open"
	run --separate-stderr oms-import g2.json
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","cancelled"]'
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-import g3.json
	assert_success
	assert_equal "$stderr" "oms-import: g3.json:1: order o_1: the channel no longer says cancelled, but a person cancelled units of it here: it stays cancelled"
	assert_equal "$(jq -c '[.id, .status]' <<<"$output")" '["o_1","cancelled"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, channel_status FROM orders")" "cancelled|open"
	assert_equal "$(lines_of 1)" "1|2|0|0|2
2|1|0|0|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT source, reason, lines, state FROM cancel_requests")" 'operator|customer agreed: no B|[{"line_no":2}]|done'
	# The event says what the channel said, not a move the order did not make.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT json_extract(before, '\$.channel_status'), json_extract(after, '\$.channel_status'), json_extract(after, '\$.status') IS NULL FROM events WHERE id = (SELECT max(id) FROM events)")" "cancelled|open|1"
	# Nothing routes; the same export again says nothing.
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-route --pending
	assert_success
	assert_output ""
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-import g3.json
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "cancelled"
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms status
	assert_success
	assert_output ""
	assert_equal "$(levels)" "A|EWR1|5|0
B|ORD1|5|0"
	consistent
}

@test "a failed --line 1:1 run again while the next import retries it: one unit cancelled, one request done" {
	setup_ship
	slow_carrier
	order 1001 Ann "L1:A:3"
	ship_all slow
	OMS_NOW=2026-11-26T16:00:00Z FAIL_VERBS=void run --separate-stderr oms-import cancel --reason "one less" --line 1:1 o_1
	assert_failure 1
	assert_equal "$stderr" "oms-import: o_1: the cancel is pending: carrier slow failed on void (exit 3): slow: failing void (run it again)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, lines, state FROM cancel_requests")" '1|[{"line_no":1,"qty":1}]|pending'
	# The import's retry is voiding s_1 when the operator runs it again.
	export OMS_NOW=2026-11-26T17:00:00Z
	SLOW_TAG=a oms-import --channel oms </dev/null >a.out 2>a.err 3>&- &
	pa=$!
	inside a
	SLOW_TAG=b oms-import cancel --reason "one less" --line 1:1 o_1 >b.out 2>b.err 3>&- &
	pb=$!
	inside b
	go a
	rc=0
	wait $pa || rc=$?
	assert_equal "$rc $(cat a.out a.err)" "0 "
	go b
	rc=0
	wait $pb || rc=$?
	assert_equal "$rc $(cat b.err)" "0 oms-import: o_1: allocated"
	assert_equal "$(jq -c '[.id, .status]' b.out)" '["o_1","allocated"]'
	assert_equal "$(lines_of 1)" "1|3|2|0|1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, lines, state, ended_at FROM cancel_requests")" '1|[{"line_no":1,"qty":1}]|done|2026-11-26T17:00:00Z'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT id, status FROM shipments; SELECT id, qty, state FROM allocations")" "allocated
1|voided
1|2|active"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE action IN ('voided', 'cancelled') ORDER BY id")" 'voided|{"status":"shipped"}|{"status":"allocated","shipment":"s_1"}
cancelled|{"status":"allocated"}|{"status":"allocated","reason":"one less","by":"operator","lines":[{"line_no":1,"qty":1}]}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT program, kind, qty, reason FROM movements WHERE program = 'oms-import' ORDER BY id")" "oms-import|adjust|3|label voided
oms-import|reserve|3|
oms-import|release|-1|cancelled"
	assert_equal "$(levels)" "A|EWR1|5|2
B|ORD1|5|0"
	run --separate-stderr oms status
	assert_success
	assert_output ""
	consistent
}
