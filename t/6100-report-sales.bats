#!/usr/bin/env bats
# oms-report sales (issue 15): Shopify's convention, by channel, period
# and currency, in the merchant's zone.  The shop of t/rsales.bash; every
# figure below is worked out by hand from what it says of its orders.
#
# In minor units (cents; yen), the events and the local day each counts
# on (America/Los_Angeles):
#
#   o_1 web USD, sale Sun Nov 29 (Nov 30 05:00 UTC): units 2 + 1 = 3,
#       gross 2 x 1000 + 3000 = 5000, discounts 500 (200 on the line, 300
#       the order's own), tax 424, shipping 500; total 5424.
#   o_2 web USD, sale Mon Nov 30: units 3, gross 4500, discounts 0,
#       tax 360, shipping 600.
#   o_3 etsy EUR, sale Mon Nov 30 23:30 (Dec 1 UTC): units 1, gross 2500,
#       discounts 250, tax 500, shipping 400.
#   cancels Tue Dec 1: o_3 whole: returns 2500 - 250 = 2250, tax -500,
#       shipping -400 (its refund f_1 on Dec 2 is the same money: not
#       counted again).  One of o_2's 3 B: returns 4500 - floor(4500 x
#       2 / 3) = 1500, tax -(360 - floor(360 x 2 / 3)) = -120, shipping 0
#       (its refund f_2 on Dec 2 neither).
#   refunds Tue Dec 8 (18:00 UTC): f_3 (one A of o_1) items 844, tax 79,
#       shipping 93; f_4 (o_1's KIT) items 2813, tax 240; f_5 (one B of
#       o_2) items 1500, tax 120: returns 5157, tax -439, shipping -93.
#   o_4 web JPY, sale Mon Dec 7 19:00 (Dec 8 03:00 UTC): units 2, gross
#       3000, tax 300, shipping 500.
#   o_5, o_4 reshipped by oms on Dec 10: no sale.

load helper
load rsales

# The rows as JSON lines, of oms-report sales with the arguments given.
sales() {
	run --separate-stderr oms-report sales "$@"
	assert_success
	assert_equal "$stderr" ""
}

@test "sales by day in the merchant's zone: sales on the order's day, cancels and refunds on theirs, per channel and currency" {
	build_shop
	sales
	# Nov 29 o_1: net 5000 - 500 = 4500, total 4500 + 424 + 500 = 5424.
	# Nov 30 o_3: net 2250, total 2250 + 500 + 400 = 3150.
	# Nov 30 o_2: net 4500, total 4500 + 360 + 600 = 5460.
	# Dec 1 o_3 cancelled: net -2250, total -2250 - 500 - 400 = -3150.
	# Dec 1 one B of o_2 cancelled: net -1500, total -1500 - 120 = -1620.
	# Dec 7 o_4: net 3000, total 3000 + 300 + 500 = 3800 (yen).
	# Dec 8 refunds: net -5157, total -5157 - 439 - 93 = -5689.
	# No row on Dec 2: the refunds of the two cancellations (f_1, f_2)
	# are the cancellations' money, counted on Dec 1 already.
	assert_output - <<'EOF'
{"type":"sales","period":"2026-11-29","channel":"web","currency":"USD","orders":1,"units":3,"gross":"50.00","discounts":"5.00","returns":"0.00","net":"45.00","tax":"4.24","shipping":"5.00","total":"54.24","aov":"45.00"}
{"type":"sales","period":"2026-11-30","channel":"etsy","currency":"EUR","orders":1,"units":1,"gross":"25.00","discounts":"2.50","returns":"0.00","net":"22.50","tax":"5.00","shipping":"4.00","total":"31.50","aov":"22.50"}
{"type":"sales","period":"2026-11-30","channel":"web","currency":"USD","orders":1,"units":3,"gross":"45.00","discounts":"0.00","returns":"0.00","net":"45.00","tax":"3.60","shipping":"6.00","total":"54.60","aov":"45.00"}
{"type":"sales","period":"2026-12-01","channel":"etsy","currency":"EUR","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"22.50","net":"-22.50","tax":"-5.00","shipping":"-4.00","total":"-31.50","aov":null}
{"type":"sales","period":"2026-12-01","channel":"web","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"15.00","net":"-15.00","tax":"-1.20","shipping":"0.00","total":"-16.20","aov":null}
{"type":"sales","period":"2026-12-07","channel":"web","currency":"JPY","orders":1,"units":2,"gross":"3000","discounts":"0","returns":"0","net":"3000","tax":"300","shipping":"500","total":"3800","aov":"3000"}
{"type":"sales","period":"2026-12-08","channel":"web","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"51.57","net":"-51.57","tax":"-4.39","shipping":"-0.93","total":"-56.89","aov":null}
EOF
	# The same with --by day, and OMS_TZ given as --tz instead.
	out=$output
	OMS_TZ= sales --by day --tz America/Los_Angeles
	assert_equal "$output" "$out"
}

@test "sales in UTC: o_1 falls on Nov 30 beside o_2, o_3's sale and cancel on one day, o_4 on Dec 8" {
	build_shop
	sales --tz UTC
	# Nov 30 o_1 + o_2: orders 2, units 6, gross 9500, discounts 500,
	# net 9000, tax 424 + 360 = 784, shipping 500 + 600 = 1100, total
	# 10884, aov (9500 - 500) / 2 = 4500.
	# Dec 1 o_3 sold and cancelled: net 2500 - 250 - 2250 = 0, tax 0,
	# shipping 0, total 0, aov 2250.
	assert_output - <<'EOF'
{"type":"sales","period":"2026-11-30","channel":"web","currency":"USD","orders":2,"units":6,"gross":"95.00","discounts":"5.00","returns":"0.00","net":"90.00","tax":"7.84","shipping":"11.00","total":"108.84","aov":"45.00"}
{"type":"sales","period":"2026-12-01","channel":"etsy","currency":"EUR","orders":1,"units":1,"gross":"25.00","discounts":"2.50","returns":"22.50","net":"0.00","tax":"0.00","shipping":"0.00","total":"0.00","aov":"22.50"}
{"type":"sales","period":"2026-12-01","channel":"web","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"15.00","net":"-15.00","tax":"-1.20","shipping":"0.00","total":"-16.20","aov":null}
{"type":"sales","period":"2026-12-08","channel":"web","currency":"JPY","orders":1,"units":2,"gross":"3000","discounts":"0","returns":"0","net":"3000","tax":"300","shipping":"500","total":"3800","aov":"3000"}
{"type":"sales","period":"2026-12-08","channel":"web","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"51.57","net":"-51.57","tax":"-4.39","shipping":"-0.93","total":"-56.89","aov":null}
EOF
}

@test "sales by week (Monday first) and by month: o_1's Sunday is the week of Nov 23, o_3 is November's" {
	build_shop
	sales --by week
	# Week of Nov 30, web USD: o_2 4500 net, less the cancel 1500 = 3000;
	# tax 360 - 120 = 240; shipping 600; total 3840.
	# Week of Nov 30, etsy EUR: o_3 and its cancel: net 0, aov 2250.
	# Week of Dec 7, web USD: the refunds alone.
	assert_output - <<'EOF'
{"type":"sales","period":"2026-11-23","channel":"web","currency":"USD","orders":1,"units":3,"gross":"50.00","discounts":"5.00","returns":"0.00","net":"45.00","tax":"4.24","shipping":"5.00","total":"54.24","aov":"45.00"}
{"type":"sales","period":"2026-11-30","channel":"etsy","currency":"EUR","orders":1,"units":1,"gross":"25.00","discounts":"2.50","returns":"22.50","net":"0.00","tax":"0.00","shipping":"0.00","total":"0.00","aov":"22.50"}
{"type":"sales","period":"2026-11-30","channel":"web","currency":"USD","orders":1,"units":3,"gross":"45.00","discounts":"0.00","returns":"15.00","net":"30.00","tax":"2.40","shipping":"6.00","total":"38.40","aov":"45.00"}
{"type":"sales","period":"2026-12-07","channel":"web","currency":"JPY","orders":1,"units":2,"gross":"3000","discounts":"0","returns":"0","net":"3000","tax":"300","shipping":"500","total":"3800","aov":"3000"}
{"type":"sales","period":"2026-12-07","channel":"web","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"51.57","net":"-51.57","tax":"-4.39","shipping":"-0.93","total":"-56.89","aov":null}
EOF
	sales --by month
	# November, web USD: o_1 + o_2 as in UTC's Nov 30 above.
	# December, web USD: returns 1500 + 5157 = 6657, tax -120 - 439 =
	# -559, shipping -93, total -6657 - 559 - 93 = -7309.
	assert_output - <<'EOF'
{"type":"sales","period":"2026-11-01","channel":"etsy","currency":"EUR","orders":1,"units":1,"gross":"25.00","discounts":"2.50","returns":"0.00","net":"22.50","tax":"5.00","shipping":"4.00","total":"31.50","aov":"22.50"}
{"type":"sales","period":"2026-11-01","channel":"web","currency":"USD","orders":2,"units":6,"gross":"95.00","discounts":"5.00","returns":"0.00","net":"90.00","tax":"7.84","shipping":"11.00","total":"108.84","aov":"45.00"}
{"type":"sales","period":"2026-12-01","channel":"etsy","currency":"EUR","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"22.50","net":"-22.50","tax":"-5.00","shipping":"-4.00","total":"-31.50","aov":null}
{"type":"sales","period":"2026-12-01","channel":"web","currency":"JPY","orders":1,"units":2,"gross":"3000","discounts":"0","returns":"0","net":"3000","tax":"300","shipping":"500","total":"3800","aov":"3000"}
{"type":"sales","period":"2026-12-01","channel":"web","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"66.57","net":"-66.57","tax":"-5.59","shipping":"-0.93","total":"-73.09","aov":null}
EOF
}

@test "sales --by all: one row per channel and currency, never summed across currencies; no row for the reship" {
	build_shop
	sales --by all
	# web USD: gross 9500, discounts 500, returns 1500 + 5157 = 6657; net 9500 - 500 - 6657 = 2343; tax 784 - 120 - 439 = 225;
	# shipping 1100 - 93 = 1007; total 2343 + 225 + 1007 = 3575.
	assert_output - <<'EOF'
{"type":"sales","channel":"etsy","currency":"EUR","orders":1,"units":1,"gross":"25.00","discounts":"2.50","returns":"22.50","net":"0.00","tax":"0.00","shipping":"0.00","total":"0.00","aov":"22.50"}
{"type":"sales","channel":"web","currency":"JPY","orders":1,"units":2,"gross":"3000","discounts":"0","returns":"0","net":"3000","tax":"300","shipping":"500","total":"3800","aov":"3000"}
{"type":"sales","channel":"web","currency":"USD","orders":2,"units":6,"gross":"95.00","discounts":"5.00","returns":"66.57","net":"23.43","tax":"2.25","shipping":"10.07","total":"35.75","aov":"45.00"}
EOF
	# The reship is in the database, and sold nothing.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT channel, origin FROM orders WHERE id = 5")" "oms|reship"
}

@test "sales --from and --to select each figure by its own local day" {
	build_shop
	# From Mon Nov 30 (08:00 UTC): o_1 (Nov 30 05:00 UTC) is Sunday's and
	# left out; to the end of Mon Dec 7: o_4 in, the refunds of Dec 8 out.
	# web USD: o_2 and its cancel: net 4500 - 1500 = 3000, tax 240,
	# shipping 600, total 3840.
	sales --by all --from 2026-11-30 --to 2026-12-07
	assert_output - <<'EOF'
{"type":"sales","channel":"etsy","currency":"EUR","orders":1,"units":1,"gross":"25.00","discounts":"2.50","returns":"22.50","net":"0.00","tax":"0.00","shipping":"0.00","total":"0.00","aov":"22.50"}
{"type":"sales","channel":"web","currency":"JPY","orders":1,"units":2,"gross":"3000","discounts":"0","returns":"0","net":"3000","tax":"300","shipping":"500","total":"3800","aov":"3000"}
{"type":"sales","channel":"web","currency":"USD","orders":1,"units":3,"gross":"45.00","discounts":"0.00","returns":"15.00","net":"30.00","tax":"2.40","shipping":"6.00","total":"38.40","aov":"45.00"}
EOF
	# Up to the end of Sunday Nov 29: o_1 alone.
	sales --by all --to 2026-11-29
	assert_output '{"type":"sales","channel":"web","currency":"USD","orders":1,"units":3,"gross":"50.00","discounts":"5.00","returns":"0.00","net":"45.00","tax":"4.24","shipping":"5.00","total":"54.24","aov":"45.00"}'
	# An instant: from Dec 8 18:00 UTC, the refunds alone.
	sales --from 2026-12-08T18:00:00Z
	assert_output '{"type":"sales","period":"2026-12-08","channel":"web","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"51.57","net":"-51.57","tax":"-4.39","shipping":"-0.93","total":"-56.89","aov":null}'
	sales --from 2026-12-12
	assert_output ""
}

@test "sales --channel, --location and --sku" {
	build_shop
	sales --by all --channel etsy
	assert_output '{"type":"sales","channel":"etsy","currency":"EUR","orders":1,"units":1,"gross":"25.00","discounts":"2.50","returns":"22.50","net":"0.00","tax":"0.00","shipping":"0.00","total":"0.00","aov":"22.50"}'
	# LAX1 shipped o_4 (and the reship, no sale); EWR1 o_1 and o_2;
	# o_3 was cancelled before routing: at no location.
	sales --by all --location LAX1
	assert_output '{"type":"sales","channel":"web","currency":"JPY","orders":1,"units":2,"gross":"3000","discounts":"0","returns":"0","net":"3000","tax":"300","shipping":"500","total":"3800","aov":"3000"}'
	sales --by all --location EWR1
	assert_output '{"type":"sales","channel":"web","currency":"USD","orders":2,"units":6,"gross":"95.00","discounts":"5.00","returns":"66.57","net":"23.43","tax":"2.25","shipping":"10.07","total":"35.75","aov":"45.00"}'
	# --sku B: o_2's line: returns 1500 (cancel) + f_5's line 1620 - 120
	# = 3000; tax 360 - 120 - 120 = 120; no shipping; net 4500 - 3000 =
	# 1500; total 1620.
	sales --by all --sku B
	assert_output '{"type":"sales","channel":"web","currency":"USD","orders":1,"units":3,"gross":"45.00","discounts":"0.00","returns":"30.00","net":"15.00","tax":"1.20","shipping":"0.00","total":"16.20","aov":"45.00"}'
	# --sku A: o_3's line (no line discount or tax; the order's own 2.50
	# off, tax and shipping are no sku's), cancelled whole: returns 2500;
	# o_1's line: discount 200, tax 144, f_3's line 916 - 72 = 844
	# returned, its tax 72: net 2000 - 200 - 844 = 956, tax 144 - 72 =
	# 72, total 1028, aov 2000 - 200 = 1800.  The A in the KIT is the
	# KIT's: units 2, not 3.
	sales --by all --sku A
	assert_output - <<'EOF'
{"type":"sales","channel":"etsy","currency":"EUR","orders":1,"units":1,"gross":"25.00","discounts":"0.00","returns":"25.00","net":"0.00","tax":"0.00","shipping":"0.00","total":"0.00","aov":"25.00"}
{"type":"sales","channel":"web","currency":"USD","orders":1,"units":2,"gross":"20.00","discounts":"2.00","returns":"8.44","net":"9.56","tax":"0.72","shipping":"0.00","total":"10.28","aov":"18.00"}
EOF
	# --sku KIT: the kit line is one unit of KIT (not its parts): gross
	# 3000, tax 240; f_4's line 3053 - 240 = 2813 back with its tax.
	sales --by all --sku KIT
	assert_output '{"type":"sales","channel":"web","currency":"USD","orders":1,"units":1,"gross":"30.00","discounts":"0.00","returns":"28.13","net":"1.87","tax":"0.00","shipping":"0.00","total":"1.87","aov":"30.00"}'
}

@test "an order the channel sent cancelled: a sale on its day, a return on the channel's cancelled_at, counted once" {
	build_shop
	# o_6 web USD, placed Fri Dec 11 12:00 (20:00 UTC): 2 A at 12.00,
	# shipping 3.00, tax 1.92; total 28.92.  Cancelled at the channel
	# Fri Dec 11 22:00 (Dec 12 06:00 UTC), imported so on Sat Dec 12
	# 10:00 UTC: no cancel request, the day is the channel's.
	rorder 1009 web USD 2026-12-11T20:00:00Z \
	    '[{"line_id":"L1","sku":"A","qty":2,"unit_price":"12.00"}]' \
	    '{"shipping":"3.00","tax":"1.92","total":"28.92"}' |
	    jq -c '. + {cancelled_at: "2026-12-12T06:00:00Z"}' |
	    OMS_NOW=2026-12-12T10:00:00Z oms-import --channel oms >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, status_at FROM orders WHERE id = 6; SELECT count(*) FROM cancel_requests WHERE order_id = 6")" "cancelled|2026-12-12T10:00:00Z
0"
	# In Los Angeles both on Dec 11: gross 2400, returns 2400, net 0,
	# tax 192 - 192 = 0, shipping 300 - 300 = 0, aov 2400.
	sales --from 2026-12-09
	assert_output '{"type":"sales","period":"2026-12-11","channel":"web","currency":"USD","orders":1,"units":2,"gross":"24.00","discounts":"0.00","returns":"24.00","net":"0.00","tax":"0.00","shipping":"0.00","total":"0.00","aov":"24.00"}'
	# In UTC the cancel is Saturday's.
	sales --from 2026-12-09 --tz UTC
	assert_output - <<'EOF'
{"type":"sales","period":"2026-12-11","channel":"web","currency":"USD","orders":1,"units":2,"gross":"24.00","discounts":"0.00","returns":"0.00","net":"24.00","tax":"1.92","shipping":"3.00","total":"28.92","aov":"24.00"}
{"type":"sales","period":"2026-12-12","channel":"web","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"24.00","net":"-24.00","tax":"-1.92","shipping":"-3.00","total":"-28.92","aov":null}
EOF
}

@test "sales as CSV and as a table" {
	build_shop
	run --separate-stderr oms-report sales --by all --csv
	assert_success
	assert_output "$(printf '%s\r\n' \
		type,channel,currency,orders,units,gross,discounts,returns,net,tax,shipping,total,aov \
		sales,etsy,EUR,1,1,25.00,2.50,22.50,0.00,0.00,0.00,0.00,22.50 \
		sales,web,JPY,1,2,3000,0,0,3000,300,500,3800,3000 \
		sales,web,USD,2,6,95.00,5.00,66.57,23.43,2.25,10.07,35.75,45.00)"
	run --separate-stderr oms-report sales --channel etsy --table
	assert_success
	# A null cell is blank (the last, here: its line ends in spaces).
	output=$(sed 's/ *$//' <<<"$output")
	assert_output - <<'EOF'
type   period      channel  currency  orders  units  gross  discounts  returns  net     tax    shipping  total   aov
sales  2026-11-30  etsy     EUR            1      1  25.00       2.50     0.00   22.50   5.00      4.00   31.50  22.50
sales  2026-12-01  etsy     EUR            0      0   0.00       0.00    22.50  -22.50  -5.00     -4.00  -31.50
EOF
}

@test "sales of an empty shop: no row, success" {
	sales --by week
	assert_output ""
}

@test "sales refuses what it cannot do: exit 2, a clear message, nothing on stdout" {
	while IFS='|' read -r args msg; do
		# shellcheck disable=SC2086
		run --separate-stderr oms-report sales $args
		[ "$status" -eq 2 ] || fail "$args: exit $status"
		assert_output ""
		assert_equal "$(head -1 <<<"$stderr")" "$msg"
	done <<'EOF'
--by nonsense|oms-report: --by nonsense: sales are by day, week, month or all
--by channel|oms-report: --by channel: sales are by day, week, month or all
--from 2026-13-01|oms-report: --from: '2026-13-01' is not a day or a time (2026-11-30 or 2026-11-30T14:00:00Z)
--to yesterday|oms-report: --to: 'yesterday' is not a day or a time (2026-11-30 or 2026-11-30T14:00:00Z)
--from 2026-12-02 --to 2026-12-01|oms-report: --from 2026-12-02 is not before --to 2026-12-01
--tz Mars/Olympus|oms-report: --tz: unknown time zone 'Mars/Olympus'
o_1|oms-report: sales takes no operand
EOF
}
