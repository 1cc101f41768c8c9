#!/usr/bin/env bats
# oms-report fulfilment: times to ship and deliver, on time, split,
# backorder, fill and Amazon's rates, on a fixture made by the real
# programs, every figure worked out by hand beside its test.

load helper

R="$FIX/route"

# The fixture, made once (setup_file) and copied for each test:
#   stock  A 10 at EWR1, B 10 at LAX1; KIT is A + 2 B (route fixtures).
#   o_1 amazon 1001 placed 11-20 18:00Z  A:1   ship_by 11-21 23:00,
#       deliver_by 11-25 23:00; one parcel s_1 from EWR1 11-21 15:00,
#       delivered 11-23 14:00 (the order is delivered).
#   o_2 web 1002 placed 11-20 20:00Z  A:1 B:1  ship_by 11-21 12:00;
#       split: s_2 EWR1 and s_3 LAX1, both 11-21 15:00 (late); s_2
#       delivered 11-23 14:00, s_3 still in transit.
#   o_3 amazon 1003 placed 11-20 21:00Z  C:1  backordered (no C), C
#       received at LAX1 11-23 10:00, s_7 from LAX1 11-23 16:00, only
#       the label made (no carrier scan).
#   o_4 web 1004 placed 11-21 05:00Z (11-20 21:00 in Los Angeles)  A:2
#       allocated at EWR1, cancelled before shipping.
#   o_5 amazon 1005 placed 11-21 06:00Z (11-20 22:00 in Los Angeles)
#       KIT:1: s_5 (2 B) LAX1 11-21 15:00; s_4 (A) EWR1 11-21 15:00
#       voided at 16:00, shipped again as s_6 11-22 15:00.
#   Tracked at 11-23 17:00: s_1, s_2 delivered; s_3, s_5, s_6 in
#   transit (scanned); s_7 pre_transit only.
# Hours from placed to the last parcel out: o_1 21, o_2 19, o_3 67,
# o_5 33; to the last delivered: o_1 68.
setup_file() {
	local db="$BATS_FILE_TMPDIR/fx.db"
	export OMS_DB="$db" HOME="$BATS_FILE_TMPDIR"
	cd "$BATS_FILE_TMPDIR" || return 1
	oms -q init
	export OMS_NOW=2026-11-01T09:00:00Z
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'X'
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":10,"key":"rA"}
{"type":"movement","kind":"receive","sku":"B","location":"LAX1","qty":10,"key":"rB"}
X
	export OMS_NOW=2026-11-21T10:00:00Z
	fx_order 1001 amazon 2026-11-20T18:00:00Z "A:1" '"ship_by":"2026-11-21T23:00:00Z","deliver_by":"2026-11-25T23:00:00Z"'
	fx_order 1002 web 2026-11-20T20:00:00Z "A:1 B:1" '"ship_by":"2026-11-21T12:00:00Z"'
	fx_order 1003 amazon 2026-11-20T21:00:00Z "C:1"
	fx_order 1004 web 2026-11-21T05:00:00Z "A:2"
	fx_order 1005 amazon 2026-11-21T06:00:00Z "KIT:1"
	oms-route --pending >/dev/null
	oms-import -q cancel o_4 >/dev/null 2>&1
	OMS_NOW=2026-11-21T15:00:00Z oms-ship --carrier offline --labels labels --pending >/dev/null
	OMS_NOW=2026-11-21T16:00:00Z oms-ship void s_4 >/dev/null
	OMS_NOW=2026-11-22T15:00:00Z oms-ship --carrier offline --labels labels --pending >/dev/null
	echo '{"type":"movement","kind":"receive","sku":"C","location":"LAX1","qty":5,"key":"rC"}' |
		OMS_NOW=2026-11-23T10:00:00Z oms-stock >/dev/null
	OMS_NOW=2026-11-23T10:00:00Z oms-route --pending >/dev/null
	OMS_NOW=2026-11-23T16:00:00Z oms-ship --carrier offline --labels labels --pending >/dev/null
	OMS_NOW=2026-11-23T17:00:00Z oms-ship track >/dev/null
}

# fx_order EXT CHANNEL PLACED LINES [EXTRA]: LINES "sku:qty ..."
fx_order() {
	local lines= l s q
	for l in $4; do
		IFS=: read -r s q <<<"$l"
		lines="$lines${lines:+,}{\"line_id\":\"L$s\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\"}"
	done
	echo "{\"type\":\"order\",\"external_id\":\"$1\",\"channel\":\"$2\",\"currency\":\"USD\",\"placed_at\":\"$3\",\"ship_to\":{\"name\":\"Zoe\",\"address1\":\"1 Main St\",\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\"},\"lines\":[$lines]${5:+,$5}}" |
		oms-import --channel oms >/dev/null
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export HOME="$BATS_TEST_TMPDIR" OMS_DB="$BATS_TEST_TMPDIR/oms.db"
	export OMS_NOW=2026-11-23T17:00:00Z
	unset OMS_TZ
	cp "$BATS_FILE_TMPDIR/fx.db" "$OMS_DB"
}

@test "the fixture is what the comments say: statuses, parcels, tracking" {
	run sqlite3 "$OMS_DB" "SELECT id, channel, status FROM orders ORDER BY id; SELECT id, order_id, location, status, shipped_at, coalesce(delivered_at, '') FROM shipments ORDER BY id; SELECT group_concat(DISTINCT action) FROM events WHERE order_id = 3"
	assert_output - <<'OUT'
1|amazon|delivered
2|web|shipped
3|amazon|shipped
4|web|cancelled
5|amazon|shipped
1|1|EWR1|delivered|2026-11-21T15:00:00Z|2026-11-23T14:00:00Z
2|2|EWR1|delivered|2026-11-21T15:00:00Z|2026-11-23T14:00:00Z
3|2|LAX1|in_transit|2026-11-21T15:00:00Z|
4|5|EWR1|voided|2026-11-21T15:00:00Z|
5|5|LAX1|in_transit|2026-11-21T15:00:00Z|
6|5|EWR1|in_transit|2026-11-22T15:00:00Z|
7|3|LAX1|pre_transit|2026-11-23T16:00:00Z|
created,backordered,allocated,shipped
OUT
}

@test "fulfilment: one row for all orders, every figure" {
	# orders 5; shipped complete: o_1 o_2 o_3 o_5 = 4 (o_4 cancelled).
	# ship hours 19 21 33 67: median at rank 1.5 = 21 + .5*12 = 27;
	#   p90 at rank 2.7 = 33 + .7*34 = 56.8.  deliver: o_1 alone, 68.
	# on time ship: of o_1, o_2 (a ship_by) o_1 = 1/2.  on time
	#   delivery: o_1 1/1.  split: o_2, o_5 of 4 with a parcel = .5.
	# backorder: o_3 1/5.  fill lines: 6 lines, o_4's unfilled: 5/6.
	# fill orders 4/5.  late: o_2 of 4 shipped = .25.  cancel: o_4 1/5.
	# tracking: 6 parcels (s_4 voided), s_7 not scanned: 5/6.
	run --separate-stderr oms-report fulfilment
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"type":"fulfilment","orders":5,"shipped_orders":4,"ship_hours_median":27,"ship_hours_p90":56.8,"deliver_hours_median":68,"deliver_hours_p90":68,"on_time_ship":0.5,"on_time_delivery":1,"split_rate":0.5,"backorder_rate":0.2,"fill_rate_lines":0.8333,"fill_rate_orders":0.8,"late_shipment_rate":0.25,"cancel_rate":0.2,"valid_tracking_rate":0.8333}'
}

@test "fulfilment --by location: an order counts at each location it was allocated to, with that location's parcels" {
	# EWR1: o_1 o_2 o_4 o_5 = 4; shipped from there o_1 o_2 o_5 = 3.
	#   hours 19 21 33: median 21, p90 rank 1.8 = 21 + .8*12 = 30.6.
	#   delivered from EWR1: o_2 66 (s_2), o_1 68: median 67,
	#   p90 rank .9 = 66 + .9*2 = 67.8.  on time ship o_1 of o_1 o_2.
	#   split o_2 o_5 of o_1 o_2 o_5 = 2/3.  backorder 0/4.
	#   lines 5 (o_1 1, o_2 2, o_4 1, o_5 1), filled 4.  orders 3/4.
	#   late o_2 1/3.  cancel o_4 1/4.  parcels s_1 s_2 s_6 all scanned.
	# LAX1: o_2 o_3 o_5, all shipped; hours o_5 9 (s_5), o_2 19, o_3 67:
	#   median 19, p90 = 19 + .8*48 = 57.4; nothing delivered from
	#   there.  on time ship: o_2 late, 0/1.  split o_2 o_5 2/3.
	#   backorder o_3 1/3.  lines 4/4, orders 3/3.  late 1/3.  cancel 0.
	#   parcels s_3 s_5 s_7: 2/3 scanned.
	run --separate-stderr oms-report fulfilment --by location
	assert_success
	assert_output - <<'OUT'
{"type":"fulfilment","location":"EWR1","orders":4,"shipped_orders":3,"ship_hours_median":21,"ship_hours_p90":30.6,"deliver_hours_median":67,"deliver_hours_p90":67.8,"on_time_ship":0.5,"on_time_delivery":1,"split_rate":0.6667,"backorder_rate":0,"fill_rate_lines":0.8,"fill_rate_orders":0.75,"late_shipment_rate":0.3333,"cancel_rate":0.25,"valid_tracking_rate":1}
{"type":"fulfilment","location":"LAX1","orders":3,"shipped_orders":3,"ship_hours_median":19,"ship_hours_p90":57.4,"deliver_hours_median":null,"deliver_hours_p90":null,"on_time_ship":0,"on_time_delivery":null,"split_rate":0.6667,"backorder_rate":0.3333,"fill_rate_lines":1,"fill_rate_orders":1,"late_shipment_rate":0.3333,"cancel_rate":0,"valid_tracking_rate":0.6667}
OUT
}

@test "fulfilment --by channel" {
	# amazon: o_1 o_3 o_5, hours 21 33 67: median 33, p90 = 33 + .8*34
	#   = 60.2; delivered o_1 68; on time o_1 1/1; split o_5 1/3;
	#   backorder o_3 1/3; fill 3/3 lines, 3/3 orders; late 0/3;
	#   cancel 0; parcels s_1 s_5 s_6 s_7, 3/4 scanned.
	# web: o_2 o_4; shipped o_2 19 h; on time 0/1; split 1/1; lines
	#   o_2 2 filled, o_4 1 not: 2/3; orders 1/2; late 1/1; cancel o_4
	#   1/2; parcels s_2 s_3 scanned.
	run --separate-stderr oms-report fulfilment --by channel
	assert_success
	assert_output - <<'OUT'
{"type":"fulfilment","channel":"amazon","orders":3,"shipped_orders":3,"ship_hours_median":33,"ship_hours_p90":60.2,"deliver_hours_median":68,"deliver_hours_p90":68,"on_time_ship":1,"on_time_delivery":1,"split_rate":0.3333,"backorder_rate":0.3333,"fill_rate_lines":1,"fill_rate_orders":1,"late_shipment_rate":0,"cancel_rate":0,"valid_tracking_rate":0.75}
{"type":"fulfilment","channel":"web","orders":2,"shipped_orders":1,"ship_hours_median":19,"ship_hours_p90":19,"deliver_hours_median":null,"deliver_hours_p90":null,"on_time_ship":0,"on_time_delivery":null,"split_rate":1,"backorder_rate":0,"fill_rate_lines":0.6667,"fill_rate_orders":0.5,"late_shipment_rate":1,"cancel_rate":0.5,"valid_tracking_rate":1}
OUT
}

@test "fulfilment: orders by the day they were placed in the merchant's zone" {
	# UTC, up to the end of 11-20: o_1 o_2 o_3.  hours 19 21 67: median
	# 21, p90 = 21 + .8*46 = 57.8; on time 1/2; split o_2 1/3;
	# backorder o_3 1/3; lines 4/4; late 1/3; parcels s_1 s_2 s_3 s_7,
	# 3/4 scanned.
	run --separate-stderr oms-report fulfilment --to 2026-11-20
	assert_success
	assert_output '{"type":"fulfilment","orders":3,"shipped_orders":3,"ship_hours_median":21,"ship_hours_p90":57.8,"deliver_hours_median":68,"deliver_hours_p90":68,"on_time_ship":0.5,"on_time_delivery":1,"split_rate":0.3333,"backorder_rate":0.3333,"fill_rate_lines":1,"fill_rate_orders":1,"late_shipment_rate":0.3333,"cancel_rate":0,"valid_tracking_rate":0.75}'
	# Los Angeles: 11-20 ends at 11-21 08:00Z, so o_4 and o_5 (05:00Z
	# and 06:00Z) were placed on the 20th too: all five.
	all=$(oms-report fulfilment)
	run --separate-stderr oms-report fulfilment --tz America/Los_Angeles --to 2026-11-20
	assert_success
	assert_output "$all"
	OMS_TZ=America/Los_Angeles run --separate-stderr oms-report fulfilment --from 2026-11-21
	assert_success
	assert_output ""
	# UTC from the 21st: o_4 and o_5.  o_5 33 h, no ship_by; split 1/1;
	# lines o_4 unfilled, o_5 filled: 1/2; late 0/1; cancel 1/2; s_5
	# and s_6 scanned.
	run --separate-stderr oms-report fulfilment --from 2026-11-21
	assert_output '{"type":"fulfilment","orders":2,"shipped_orders":1,"ship_hours_median":33,"ship_hours_p90":33,"deliver_hours_median":null,"deliver_hours_p90":null,"on_time_ship":null,"on_time_delivery":null,"split_rate":1,"backorder_rate":0,"fill_rate_lines":0.5,"fill_rate_orders":0.5,"late_shipment_rate":0,"cancel_rate":0.5,"valid_tracking_rate":1}'
}

@test "fulfilment: --location, --sku and --channel narrow the orders" {
	# LAX1's orders, whole: o_2 o_3 o_5, hours 19 33 67: median 33,
	# p90 = 33 + .8*34 = 60.2; o_2 not all delivered; on time 0/1;
	# split 2/3; backorder 1/3; lines 4/4; late 1/3; parcels of the
	# three orders s_2 s_3 s_5 s_6 s_7: 4/5 scanned.
	run --separate-stderr oms-report fulfilment --location LAX1
	assert_success
	assert_output '{"type":"fulfilment","orders":3,"shipped_orders":3,"ship_hours_median":33,"ship_hours_p90":60.2,"deliver_hours_median":null,"deliver_hours_p90":null,"on_time_ship":0,"on_time_delivery":null,"split_rate":0.6667,"backorder_rate":0.3333,"fill_rate_lines":1,"fill_rate_orders":1,"late_shipment_rate":0.3333,"cancel_rate":0,"valid_tracking_rate":0.8}'
	# C: o_3 alone, 67 h, backordered, its parcel not scanned.
	run --separate-stderr oms-report fulfilment --sku C
	assert_output '{"type":"fulfilment","orders":1,"shipped_orders":1,"ship_hours_median":67,"ship_hours_p90":67,"deliver_hours_median":null,"deliver_hours_p90":null,"on_time_ship":null,"on_time_delivery":null,"split_rate":0,"backorder_rate":1,"fill_rate_lines":1,"fill_rate_orders":1,"late_shipment_rate":0,"cancel_rate":0,"valid_tracking_rate":0}'
	# B is in o_2 and, as a part of KIT, in o_5.
	run --separate-stderr oms-report fulfilment --sku B --by location
	assert_equal "$(jq -r '[.location, .orders] | @tsv' <<<"$output")" "$(printf 'EWR1\t2\nLAX1\t2')"
	run --separate-stderr oms-report fulfilment --channel web --by location --location EWR1
	assert_equal "$(jq -c '[.location, .orders, .shipped_orders, .cancel_rate]' <<<"$output")" '["EWR1",2,1,0.5]'
}

@test "fulfilment --csv: a header, a line a row, CRLF ends, empty for null" {
	run --separate-stderr oms-report fulfilment --by channel --csv
	assert_success
	output=$(tr -d '\r' <<<"$output")
	lines=()
	mapfile -t lines <<<"$output"
	assert_line --index 0 "type,channel,orders,shipped_orders,ship_hours_median,ship_hours_p90,deliver_hours_median,deliver_hours_p90,on_time_ship,on_time_delivery,split_rate,backorder_rate,fill_rate_lines,fill_rate_orders,late_shipment_rate,cancel_rate,valid_tracking_rate"
	assert_line --index 2 "fulfilment,web,2,1,19,19,,,0,,1,0,0.6667,0.5,1,0.5,1"
	assert_equal "${#lines[@]}" 3
}

@test "fulfilment: bad input is a usage error, exit 2, nothing on stdout" {
	run --separate-stderr oms-report fulfilment --by sku
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms-report: fulfilment: --by sku: say location or channel"
	run --separate-stderr oms-report fulfilment --from yesterday
	assert_failure 2
	assert_output ""
	run --separate-stderr oms-report fulfilment o_1
	assert_failure 2
	run --separate-stderr oms-report fulfilment --tz Mars/Base
	assert_failure 2
	run --separate-stderr oms-report fulfilment --from 2026-11-22 --to 2026-11-21
	assert_failure 2
}

@test "fulfilment: an order with nothing to ship counts as an order, not in the fill rates" {
	echo '{"type":"order","external_id":"1006","channel":"web","currency":"USD","placed_at":"2026-11-21T07:00:00Z","lines":[{"line_id":"G1","sku":"GIFT","qty":1,"unit_price":"25.00","requires_shipping":false}]}' |
		oms-import --channel oms >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders WHERE external_id = '1006'")" "fulfilled"
	# web: o_2, o_4, o_6.  shipped o_2 (19 h); lines that ship: o_2 2
	# filled, o_4 1 not: 2/3; orders with a line that ships o_2 o_4, o_2
	# whole: 1/2; cancel o_4 1/3; backorder 0/3; late o_2 1/1.
	run --separate-stderr oms-report fulfilment --channel web
	assert_success
	assert_output '{"type":"fulfilment","orders":3,"shipped_orders":1,"ship_hours_median":19,"ship_hours_p90":19,"deliver_hours_median":null,"deliver_hours_p90":null,"on_time_ship":0,"on_time_delivery":null,"split_rate":1,"backorder_rate":0,"fill_rate_lines":0.6667,"fill_rate_orders":0.5,"late_shipment_rate":1,"cancel_rate":0.3333,"valid_tracking_rate":1}'
}
