#!/usr/bin/env bats
# oms-report's lookups (issue 15): orders (list and search, each filter),
# order ID (the whole story of an order that went import -> route ->
# ship -> track -> return -> refund, by o_N, N or CHANNEL:EXTERNAL_ID),
# and attention (what oms status lists, and the new kinds: late,
# backorder, tracking_exception, awaiting_inspection, feed_not_sent,
# each present and absent), with their exit statuses; a hostile name in
# a table; CSV.

load helper
load return

# Three orders, imported on Thursday 2026-11-26 at 15:00 and routed:
#   o_1 oms 1001       placed 11-20 10:00, zoe@example.com, Zoe Roe,
#                      2 A at 10.00: 20.00; allocated at EWR1
#   o_2 shopify #2002  placed 11-25 09:00, Max.Power@Example.COM, the
#                      ship-to Max Power alone; 1 B at 5.50 and 1 KIT
#                      (A + 2 B) at 30.00: 35.50; allocated at EWR1
#   o_3 oms 3003       placed 11-26 12:00, ann@example.com, Ann Lee,
#                      1 ZZZ at 7.00, a sku no listing knows: held
three() {
	setup_ret
	oms-stock >/dev/null <<'EOF'
{"type":"listing","channel":"shopify","channel_sku":"A","sku":"A"}
{"type":"listing","channel":"shopify","channel_sku":"B","sku":"B"}
{"type":"listing","channel":"shopify","channel_sku":"KIT","sku":"KIT"}
EOF
	local to='"address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"'
	oms-import --channel oms >/dev/null <<EOF
{"type":"order","external_id":"1001","placed_at":"2026-11-20T10:00:00Z","currency":"USD","customer":{"email":"zoe@example.com","name":"Zoe Roe"},"ship_to":{"name":"Zoe Roe",$to},"lines":[{"line_id":"L1","sku":"A","qty":2,"unit_price":"10.00"}]}
{"type":"order","channel":"shopify","external_id":"#2002","placed_at":"2026-11-25T09:00:00Z","currency":"USD","customer":{"email":"Max.Power@Example.COM"},"ship_to":{"name":"Max Power",$to},"lines":[{"line_id":"S1","sku":"B","qty":1,"unit_price":"5.50"},{"line_id":"S2","sku":"KIT","qty":1,"unit_price":"30.00"}]}
{"type":"order","external_id":"3003","placed_at":"2026-11-26T12:00:00Z","currency":"USD","customer":{"email":"ann@example.com","name":"Ann Lee"},"ship_to":{"name":"Ann Lee",$to},"lines":[{"line_id":"Z1","sku":"ZZZ","qty":1,"unit_price":"7.00"}]}
EOF
	oms-route --pending >/dev/null
	export OMS_NOW=2026-11-27T12:00:00Z
}

# The orders `oms-report orders ARGS` lists, by id, on one line.
ids() {
	oms-report orders "$@" | jq -r .order | paste -sd' '
}

@test "orders: every order, oldest placed first, whole rows; age in whole hours to now" {
	three
	run --separate-stderr oms-report orders
	assert_success
	assert_equal "$stderr" ""
	# Ages to 11-27 12:00: 7 d 2 h = 170 h; 2 d 3 h = 51 h; 24 h.
	# Totals: 2 x 10.00 = 20.00; 5.50 + 30.00 = 35.50; 7.00.
	assert_output '{"type":"order","order":"o_1","channel":"oms","external_id":"1001","status":"allocated","placed_at":"2026-11-20T10:00:00Z","age_hours":170,"customer_email":"zoe@example.com","customer_name":"Zoe Roe","currency":"USD","total":"20.00","lines":1,"units":2}
{"type":"order","order":"o_2","channel":"shopify","external_id":"#2002","status":"allocated","placed_at":"2026-11-25T09:00:00Z","age_hours":51,"customer_email":"Max.Power@Example.COM","customer_name":"Max Power","currency":"USD","total":"35.50","lines":2,"units":2}
{"type":"order","order":"o_3","channel":"oms","external_id":"3003","status":"hold","placed_at":"2026-11-26T12:00:00Z","age_hours":24,"customer_email":"ann@example.com","customer_name":"Ann Lee","currency":"USD","total":"7.00","lines":1,"units":1,"hold_reasons":["line 1: unknown sku '\''ZZZ'\'' on oms"]}'
	# An empty database lists nothing, and that is no failure.
	fresh_db
	run --separate-stderr oms-report orders
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

@test "orders: each filter, alone and together" {
	three
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		got=$(eval ids $args)
		[ "$got" = "$want" ] || fail "orders $args: '$got', not '$want'"
	done <<'EOF'
|o_1 o_2 o_3
--status allocated|o_1 o_2
--status hold|o_3
--status 'hold, allocated'|o_1 o_2 o_3
--status shipped|
--channel shopify|o_2
--channel oms|o_1 o_3
--email MAX.POWER@example.com|o_2
--email max.power|
--email zoe@example.com|o_1
--name power|o_2
--name ROE|o_1
--name 'ann l'|o_3
--name nobody|
--name e_r|
--name %|
--name 'e r'|o_1
--sku A|o_1 o_2
--sku KIT|o_2
--sku B|o_2
--sku ZZZ|o_3
--sku C|
--location EWR1|o_1 o_2
--location LAX1|
--from 2026-11-25|o_2 o_3
--to 2026-11-25|o_1 o_2
--from 2026-11-21 --to 2026-11-25|o_2
--from 2026-11-25T09:00:01Z|o_3
--tz America/New_York --from 2026-11-26|o_3
--tz America/New_York --to 2026-11-26|o_1 o_2 o_3
--tz America/New_York --to 2026-11-25|o_1 o_2
--older-than 2d|o_1 o_2
--older-than 51h|o_1
--older-than 3060m|o_1
--older-than 3059m|o_1 o_2
--older-than 170h|
--older-than 1d|o_1 o_2
--hold 'UNKNOWN SKU'|o_3
--hold stock|
--limit 2|o_1 o_2
--limit 1 --status hold|o_3
--channel oms --sku A|o_1
--channel oms --name lee --status hold --location EWR1|
EOF
	# The New York day of 2026-11-26 starts at 05:00 UTC; of 11-25, ends
	# then.  51h: placed exactly 51 h ago is not older; 3060m is 51 h
	# as well; 3059m lets o_2 in; 1d: o_3 is exactly 24 h old, not older.
	# A name's _ and % are letters, not patterns ("zoe roe" has "e r").
}

@test "orders: bad values are usage errors that name the option (status 2, nothing on stdout)" {
	three
	while IFS='|' read -r args err; do
		# shellcheck disable=SC2086
		eval run --separate-stderr oms-report orders $args
		assert_failure 2
		assert_output ""
		assert_equal "$stderr" "$err"
	done <<'EOF'
--status bogus|oms-report: --status: unknown status 'bogus' (open, hold, backordered, partial, allocated, partly_shipped, shipped, delivered, cancelled, fulfilled, partly_returned, returned)
--status open,,x|oms-report: --status: unknown status '' (open, hold, backordered, partial, allocated, partly_shipped, shipped, delivered, cancelled, fulfilled, partly_returned, returned)
--older-than soon|oms-report: --older-than 'soon' is not a time such as 90m, 24h or 7d
--older-than 3w|oms-report: --older-than '3w' is not a time such as 90m, 24h or 7d
--limit 0|oms-report: --limit '0' is not a whole number of orders from 1 to 999999999
--limit -3|oms-report: --limit '-3' is not a whole number of orders from 1 to 999999999
--limit ten|oms-report: --limit 'ten' is not a whole number of orders from 1 to 999999999
EOF
	run --separate-stderr oms-report orders --from 2026-13-01
	assert_failure 2
	assert_output ""
	[[ "$stderr" == "oms-report: --from: '2026-13-01' is not a day or a time"* ]] || fail "$stderr"
	run --separate-stderr oms-report orders o_1
	assert_failure 2
	assert_output ""
	[[ "$stderr" == "oms-report: orders takes no operand"* ]] || fail "$stderr"
}

# The life of one order: imported Thursday 11-26 15:00, routed to EWR1,
# shipped at once, delivered Saturday 11-28 14:00 (Monday's tracking run
# sees it), the two A asked back Tuesday 12-01, received Friday 12-04,
# inspected and restocked Monday 12-07 (a refund of 2 x 10.00 = 20.00),
# the refund sent Tuesday 12-08.
life() {
	setup_ret
	delivered 1001 "L1:A:2 L2:B:1"
	OMS_NOW=2026-12-01T10:00:00Z oms-return request --reason size_too_small oms:1001 1:2 >/dev/null
	OMS_NOW=2026-12-04T16:00:00Z oms-return receive r_1 >/dev/null
	OMS_NOW=2026-12-07T11:00:00Z oms-return inspect --disposition restock r_1 1 >/dev/null
	OMS_NOW=2026-12-08T09:00:00Z oms-return refunded f_1 >/dev/null
	export OMS_NOW=2026-12-09T09:00:00Z
}

@test "order ID: the whole story of an order imported, routed, shipped, tracked, returned and refunded, in order" {
	life
	run --separate-stderr oms-report order oms:1001
	assert_success
	assert_equal "$stderr" ""
	# The parcel's number, price and weight are what oms-ship stored.
	read -r T C W <<<"$(sqlite3 -separator ' ' "$OMS_DB" "SELECT tracking, printf('%d.%02d', cost / 100, cost % 100), weight_g FROM shipments WHERE id = 1")"
	[ -n "$T" ] && [ -n "$C" ] && [ -n "$W" ]
	# Returns and refunds as oms-return prints them.
	RET=$(oms-return list --order o_1)
	REF=$(oms-return refunds --state all --order o_1)
	assert_equal "$(jq -c '[.id, .state]' <<<"$RET$REF")" '["r_1","closed"]
["f_1","sent"]'
	assert_equal "$(jq -r .total <<<"$REF")" "20.00"
	assert_output "$(cat <<EOF2
{"type":"order","id":"o_1","channel":"oms","external_id":"1001","status":"partly_returned","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe Roe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"totals":{"subtotal":"30.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"30.00"}}
{"type":"line","order":"o_1","line_no":1,"line_id":"L1","sku":"A","title":null,"qty":2,"cancelled":0,"allocated":2,"shipped":2,"returned":2,"price":"10.00"}
{"type":"line","order":"o_1","line_no":2,"line_id":"L2","sku":"B","title":null,"qty":1,"cancelled":0,"allocated":1,"shipped":1,"returned":0,"price":"10.00"}
{"type":"allocation","id":"a1","order":"o_1","line_no":1,"sku":"A","location":"EWR1","qty":2,"state":"shipped","rule":"default","created_at":"2026-11-26T15:00:00Z","ended_at":"2026-11-26T15:00:00Z"}
{"type":"allocation","id":"a2","order":"o_1","line_no":2,"sku":"B","location":"EWR1","qty":1,"state":"shipped","rule":"default","created_at":"2026-11-26T15:00:00Z","ended_at":"2026-11-26T15:00:00Z"}
{"type":"shipment","id":"s_1","order":"o_1","location":"EWR1","carrier":"offline","service":"usps-ground-advantage","status":"delivered","tracking":"$T","packages":1,"weight_g":$W,"cost":"$C","shipped_at":"2026-11-26T15:00:00Z","delivered_at":"2026-11-28T14:00:00Z","voided_at":null,"documents":[{"type":"label","package":1,"format":"zpl","file":"labels/$T.zpl","drawn":true},{"type":"label","package":1,"format":"pdf","file":"labels/$T.pdf","drawn":true}],"lines":[{"line_no":1,"sku":"A","qty":2},{"line_no":2,"sku":"B","qty":1}],"events":[{"at":"2026-11-26T15:00:00Z","status":"pre_transit","description":"Label created, not yet in the carrier's hands"},{"at":"2026-11-27T09:00:00Z","status":"in_transit","description":"In the carrier's hands, on its way"},{"at":"2026-11-28T08:00:00Z","status":"out_for_delivery","description":"Out for delivery"},{"at":"2026-11-28T14:00:00Z","status":"delivered","description":"Delivered"}]}
$RET
$REF
{"type":"event","order":"o_1","at":"2026-11-26T15:00:00Z","program":"oms-import","action":"created","after":{"status":"open"}}
{"type":"event","order":"o_1","at":"2026-11-26T15:00:00Z","program":"oms-route","action":"allocated","before":{"status":"open"},"after":{"status":"allocated","rule":"default","rules_version":0,"locations":["EWR1"]}}
{"type":"event","order":"o_1","at":"2026-11-26T15:00:00Z","program":"oms-ship","action":"shipped","before":{"status":"allocated"},"after":{"status":"shipped","shipment":"s_1","location":"EWR1","tracking":"$T"}}
{"type":"event","order":"o_1","at":"2026-11-30T15:00:00Z","program":"oms-ship","action":"delivered","before":{"status":"shipped"},"after":{"status":"delivered","shipment":"s_1"}}
{"type":"event","order":"o_1","at":"2026-12-01T10:00:00Z","program":"oms-return","action":"return_requested","after":{"return":"r_1","state":"authorized"}}
{"type":"event","order":"o_1","at":"2026-12-04T16:00:00Z","program":"oms-return","action":"return_received","before":{"return":"r_1","state":"authorized"},"after":{"return":"r_1","state":"received"}}
{"type":"event","order":"o_1","at":"2026-12-04T16:00:00Z","program":"oms-return","action":"returned","before":{"status":"delivered"},"after":{"status":"partly_returned"}}
{"type":"event","order":"o_1","at":"2026-12-07T11:00:00Z","program":"oms-return","action":"return_inspected","before":{"return":"r_1","state":"received"},"after":{"return":"r_1","state":"inspected"}}
{"type":"event","order":"o_1","at":"2026-12-07T11:00:00Z","program":"oms-return","action":"refund","after":{"refund":"f_1","total":"20.00","currency":"USD","state":"pending"}}
{"type":"event","order":"o_1","at":"2026-12-07T11:00:00Z","program":"oms-return","action":"return_closed","before":{"return":"r_1","state":"inspected"},"after":{"return":"r_1","state":"closed"}}
{"type":"event","order":"o_1","at":"2026-12-08T09:00:00Z","program":"oms-return","action":"refund_sent","after":{"refund":"f_1","state":"sent"}}
EOF2
)"
	whole=$output
	# The same story by o_1, by its number, and by the order's record.
	for ref in o_1 1 oms:1001; do
		run --separate-stderr oms-report order "$ref"
		assert_success
		assert_equal "$output" "$whole"
	done
	# Shipped from EWR1, so found there; partly returned; with a B line.
	assert_equal "$(ids --location EWR1 --status partly_returned --sku B)" "o_1"
	assert_equal "$(ids --location LAX1)" ""
	# Every event of the order is in the timeline, in the order made.
	assert_equal "$(jq -r 'select(.type == "event") | .action' <<<"$whole" | paste -sd' ')" "$(sqlite3 "$OMS_DB" "SELECT group_concat(action, ' ') FROM (SELECT action FROM events WHERE order_id = 1 ORDER BY id)")"
}

@test "order ID...: each story in turn; an unknown order is named, the others told, exit 1; no operand is a usage error" {
	life
	order_json 2002 "L1:C:1" | OMS_NOW=2026-12-09T08:00:00Z oms-import --channel oms >/dev/null
	one=$(oms-report order o_1)
	two=$(oms-report order oms:2002)
	assert_equal "$(jq -r .type <<<"$two" | paste -sd' ')" "order line event"
	assert_equal "$(jq -c 'select(.type == "line") | [.order, .sku, .qty, .allocated, .price]' <<<"$two")" '["o_2","C",1,0,"10.00"]'
	run --separate-stderr oms-report order oms:2002 o_1
	assert_success
	assert_output "$two
$one"
	run --separate-stderr oms-report order o_1 nosuch:9 o_99 2002
	assert_failure 1
	assert_output "$one"
	assert_equal "$stderr" "oms-report: no order 'nosuch:9'; no order 'o_99'; no order '2002'"
	run --separate-stderr oms-report order
	assert_failure 2
	assert_output ""
	[[ "$stderr" == "oms-report: order takes one or more operands"* ]] || fail "$stderr"
	# --from and the other filters are not the order lookup's.
	run --separate-stderr oms-report order --from 2026-12-01 o_1
	assert_failure 2
	assert_output ""
}

# The oms channel's stock feed sent now, so the feed is not what is seen.
fed() {
	oms-stock feed --channel oms --format jsonl >/dev/null
}

# attention's whole output and status; with no argument oms status must
# give the same (one source: status.c's kinds).
attn() {
	run --separate-stderr oms-report attention "$@"
	local out=$output st=$status err=$stderr
	if [ $# -eq 0 ]; then
		run --separate-stderr oms status
		[ "$output" = "$out" ] && [ "$status" = "$st" ] ||
			fail "oms status differs: $status: $output"
	fi
	output=$out status=$st stderr=$err
}

@test "attention: nothing to do is exit 0 and no output; anything is exit 1" {
	run --separate-stderr oms-report attention
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	setup_ret
	export OMS_NOW=2026-11-26T15:00:00Z
	attn
	assert_failure 1
	assert_output '{"type":"attention","kind":"feed_not_sent","channel":"oms","reason":"no stock feed sent yet"}'
	assert_equal "$stderr" ""
	fed
	attn
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr oms-report attention --older-than soon
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms-report: --older-than 'soon' is not a time such as 90m, 24h or 7d"
	run --separate-stderr oms-report attention extra
	assert_failure 2
	assert_output ""
	# The reports' other filters are not attention's.
	run --separate-stderr oms-report attention --sku A
	assert_failure 2
}

@test "attention feed_not_sent: a channel with listings and no feed today in the merchant's zone, or never; --channel narrows" {
	setup_ret
	oms-stock >/dev/null <<<'{"type":"listing","channel":"shopify","channel_sku":"A","sku":"A"}'
	export OMS_NOW=2026-11-27T03:00:00Z
	fed
	attn
	assert_failure 1
	assert_output '{"type":"attention","kind":"feed_not_sent","channel":"shopify","reason":"no stock feed sent yet"}'
	attn --channel oms
	assert_success
	assert_output ""
	attn --channel shopify
	assert_failure 1
	assert_output '{"type":"attention","kind":"feed_not_sent","channel":"shopify","reason":"no stock feed sent yet"}'
	# 03:00 UTC on the 27th is 22:00 on the 26th in New York: at 07:00
	# there (12:00 UTC) the feed was yesterday's, 9 hours ago.
	export OMS_NOW=2026-11-27T12:00:00Z
	attn --channel oms
	assert_success
	assert_output ""
	attn --channel oms --tz America/New_York
	assert_failure 1
	assert_output '{"type":"attention","kind":"feed_not_sent","channel":"oms","since":"2026-11-27T03:00:00Z","hours":9,"reason":"no stock feed sent today"}'
	OMS_TZ=America/New_York attn --channel oms
	assert_failure 1
	OMS_TZ=America/New_York run oms status
	assert_failure 1
	assert_output '{"type":"attention","kind":"feed_not_sent","channel":"oms","since":"2026-11-27T03:00:00Z","hours":9,"reason":"no stock feed sent today"}
{"type":"attention","kind":"feed_not_sent","channel":"shopify","reason":"no stock feed sent yet"}'
	# The next day in UTC.
	OMS_NOW=2026-11-28T01:00:00Z attn --channel oms
	assert_failure 1
	assert_output '{"type":"attention","kind":"feed_not_sent","channel":"oms","since":"2026-11-27T03:00:00Z","hours":22,"reason":"no stock feed sent today"}'
	# A channel whose listings are all inactive has no feed to send.
	oms-stock >/dev/null <<<'{"type":"listing","channel":"shopify","channel_sku":"A","sku":"A","active":false}'
	attn --channel shopify
	assert_success
	assert_output ""
}

@test "attention late: not shipped and its ship_by passed; not before, not once shipped" {
	setup_ret
	order_json 1001 "L1:A:1" | jq -c '.ship_by = "2026-11-27T00:00:00Z"' | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	export OMS_NOW=2026-11-26T23:59:59Z
	fed
	attn
	assert_success
	assert_output ""
	# 12 hours past the ship_by; allocated 21 hours ago, not yet waiting.
	export OMS_NOW=2026-11-27T12:00:00Z
	fed
	attn
	assert_failure 1
	assert_output '{"type":"attention","kind":"late","order":"o_1","channel":"oms","external_id":"1001","status":"allocated","since":"2026-11-27T00:00:00Z","hours":12,"reason":"to ship by 2026-11-27T00:00:00Z"}'
	# Four hours later it is waiting too (allocated 25 hours).
	export OMS_NOW=2026-11-27T16:00:00Z
	attn
	assert_failure 1
	assert_equal "$(jq -r .kind <<<"$output" | paste -sd' ')" "waiting late"
	oms-ship --carrier offline --labels labels --pending >/dev/null
	attn
	assert_success
	assert_output ""
}

@test "attention backorder: waiting for a sku with nothing free on hand nor in transit anywhere (a kit's components); not once stock comes" {
	setup_ret
	export OMS_NOW=2026-11-26T15:00:00Z
	fed
	# 8 C wanted, the 5 at EWR1 allocated to it: partial, 3 with none to come.
	order_json 2002 "L1:C:8" | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	attn
	assert_failure 1
	assert_output '{"type":"attention","kind":"backorder","order":"o_1","channel":"oms","external_id":"2002","status":"partial","since":"2026-11-26T15:00:00Z","hours":0,"reason":"nothing free on hand nor in transit for C"}'
	# 3 C received at LAX1 and sent on to EWR1: in transit, so coming.
	oms-stock >/dev/null <<'MOVES'
{"type":"movement","kind":"receive","sku":"C","location":"LAX1","qty":3,"key":"c1"}
{"type":"movement","kind":"transfer_out","sku":"C","location":"LAX1","to":"EWR1","qty":3,"key":"c2"}
MOVES
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT location, on_hand, reserved, in_transit FROM levels WHERE sku = 'C' ORDER BY 1")" "EWR1|5|5|3
LAX1|0|0|0"
	attn
	assert_success
	assert_output ""
	# A kit (A + 2 B): 30 KIT want 30 A and 60 B; the 20 B on hand make
	# 10 kits, which take 10 of the 20 A: B has nothing free left, A has
	# 10 (and C is not the kit's).
	order_json 3003 "K1:KIT:30" | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders WHERE id = 2")" "partial"
	attn
	assert_failure 1
	assert_output '{"type":"attention","kind":"backorder","order":"o_2","channel":"oms","external_id":"3003","status":"partial","since":"2026-11-26T15:00:00Z","hours":0,"reason":"nothing free on hand nor in transit for B"}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, on_hand, reserved FROM levels WHERE location = 'EWR1' AND sku <> 'C' ORDER BY 1")" "A|20|10
B|20|20"
}

@test "attention tracking_exception: a failed delivery is listed until the carrier says more; a parcel sent back holds the order and is listed as held" {
	setup_ret
	export OMS_NOW=2026-11-26T15:00:00Z
	order_json 1001 "L1:A:1" | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	oms-ship --carrier offline --labels labels --pending >/dev/null
	T=$(sqlite3 "$OMS_DB" "SELECT tracking FROM shipments")
	# Delivery tried Saturday 11-28 at 14:00, no one in; seen Monday.
	export OMS_NOW=2026-11-30T15:00:00Z
	OMS_OFFLINE_TRACK=failure oms-ship track >/dev/null
	fed
	attn
	assert_failure 1
	assert_output '{"type":"attention","kind":"tracking_exception","order":"o_1","channel":"oms","external_id":"1001","status":"shipped","since":"2026-11-28T14:00:00Z","hours":49,"reason":"s_1 (tracking '"$T"') failed: Delivery attempted, no one in","by":"offline"}'
	# Sent back two days later: the order is held by the carrier, in its
	# words, and listed as held, once.
	export OMS_NOW=2026-12-01T15:00:00Z
	OMS_OFFLINE_TRACK=returned oms-ship track >/dev/null
	fed
	attn
	assert_failure 1
	assert_output '{"type":"attention","kind":"held","order":"o_1","channel":"oms","external_id":"1001","status":"hold","since":"2026-12-01T15:00:00Z","hours":0,"reasons":["s_1 was sent back: offline says Returned to the sender"],"by":"carrier"}'
	# Released by a person: nothing is listed any more.
	oms-import release -q o_1
	attn
	assert_success
	assert_output ""
}

@test "attention tracking_exception: a parcel delivered is not listed" {
	setup_ret
	delivered 1001 "L1:A:1"
	export OMS_NOW=2026-11-30T16:00:00Z
	fed
	attn
	assert_success
	assert_output ""
}

@test "attention awaiting_inspection: units received and not inspected, once older than the threshold" {
	setup_ret
	delivered 1001 "L1:A:2 L2:B:1"
	OMS_NOW=2026-12-01T10:00:00Z oms-return request --reason size_too_small oms:1001 1:2 >/dev/null
	OMS_NOW=2026-12-04T16:00:00Z oms-return receive r_1 >/dev/null
	# 18 hours after the receipt: not yet, by the 24 hours of default.
	export OMS_NOW=2026-12-05T10:00:00Z
	fed
	attn
	assert_success
	assert_output ""
	rec='{"type":"attention","kind":"awaiting_inspection","order":"o_1","channel":"oms","external_id":"1001","status":"partly_returned","since":"2026-12-04T16:00:00Z","hours":18,"reason":"r_1: 2 units received at EWR1, not inspected"}'
	attn --older-than 12h
	assert_failure 1
	assert_output "$rec"
	run oms status --older-than 12h
	assert_failure 1
	assert_output "$rec"
	attn --older-than 18h
	assert_success
	# 41 hours after the receipt, by the default.
	export OMS_NOW=2026-12-06T09:00:00Z
	fed
	attn
	assert_failure 1
	assert_output "${rec/\"hours\":18/\"hours\":41}"
	# One inspected: one left; both: nothing.
	oms-return inspect --disposition restock r_1 1:1 >/dev/null
	attn
	assert_failure 1
	assert_equal "$(jq -r .reason <<<"$output")" "r_1: 1 unit received at EWR1, not inspected"
	oms-return inspect --disposition restock r_1 1 >/dev/null
	attn
	assert_success
	assert_output ""
}

@test "orders --csv: a header of every column seen, CRLF, a held order's reasons as JSON in one quoted cell" {
	three
	run --separate-stderr oms-report orders --csv
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(printf '%s\r\n' \
		'type,order,channel,external_id,status,placed_at,age_hours,customer_email,customer_name,currency,total,lines,units,hold_reasons' \
		'order,o_1,oms,1001,allocated,2026-11-20T10:00:00Z,170,zoe@example.com,Zoe Roe,USD,20.00,1,2,' \
		'order,o_2,shopify,#2002,allocated,2026-11-25T09:00:00Z,51,Max.Power@Example.COM,Max Power,USD,35.50,2,2,' \
		"order,o_3,oms,3003,hold,2026-11-26T12:00:00Z,24,ann@example.com,Ann Lee,USD,7.00,1,1,\"[\"\"line 1: unknown sku 'ZZZ' on oms\"\"]\"")"
	run --separate-stderr oms-report orders --csv --json
	assert_failure 2
	assert_output ""
}

# A customer whose name moves the cursor, clears the screen, sets the
# window title and rings the bell, and one whose ship-to name is a
# spreadsheet formula.
hostile() {
	setup_ret
	local to='"address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"'
	oms-import --channel oms >/dev/null <<EOF
{"type":"order","external_id":"666","placed_at":"2026-11-26T12:00:00Z","currency":"USD","customer":{"email":"eve@example.com","name":"Eve\u001b]0;owned\u0007\u001b[2J\r"},"ship_to":{"name":"Eve",$to},"lines":[{"line_id":"E1","sku":"A","qty":1,"unit_price":"9.99","title":"Mug\u001b[31m red\u009b"}]}
{"type":"order","external_id":"667","placed_at":"2026-11-26T13:00:00Z","currency":"USD","customer":{"email":"mal@example.com"},"ship_to":{"name":"=HYPERLINK(\"http://x\",\"y\")",$to},"lines":[{"line_id":"M1","sku":"A","qty":1,"unit_price":"1.00"}]}
EOF
	export OMS_NOW=2026-11-27T12:00:00Z
}

@test "a hostile name in a table is shown harmlessly: control characters as ?; in CSV a formula is led by a quote" {
	hostile
	run --separate-stderr oms-report orders --table --name EVE
	assert_success
	assert_equal "$stderr" ""
	assert_output 'type   order  channel  external_id  status  placed_at             age_hours  customer_email   customer_name       currency  total  lines  units
order  o_1    oms              666  open    2026-11-26T12:00:00Z         24  eve@example.com  Eve?]0;owned??[2J?  USD        9.99      1      1'
	# The whole story in a table: no control character reaches the
	# terminal (records as cells are JSON, escaped; text has ?).
	run --separate-stderr oms-report order --table o_1
	assert_success
	[[ "$output" != *[$'\x01'-$'\x09'$'\x0b'-$'\x1f'$'\x7f']* ]] || fail "a control character in: $(cat -A <<<"$output")"
	[[ "$output" != *$'\xc2\x9b'* ]] || fail "a C1 control in the table"
	[[ "$output" == *'Mug?[31m red?'* ]] || fail "no title: $output"
	# As JSON lines the text is kept whole, escaped by JSON.
	assert_equal "$(oms-report order o_1 | jq -r 'select(.type == "line") | .title' | od -An -c | tr -s ' ' | paste -sd' ')" \
		"$(printf 'Mug\033[31m red\302\233\n' | od -An -c | tr -s ' ' | paste -sd' ')"
	run --separate-stderr oms-report orders --csv --name HYPERLINK
	assert_success
	assert_output "$(printf '%s\r\n' \
		'type,order,channel,external_id,status,placed_at,age_hours,customer_email,customer_name,currency,total,lines,units' \
		"order,o_2,oms,667,open,2026-11-26T13:00:00Z,23,mal@example.com,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",USD,1.00,1,1")"
}
