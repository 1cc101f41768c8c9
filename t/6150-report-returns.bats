#!/usr/bin/env bats
# oms-report returns (issue 15): the return rate by channel, sku and
# reason, units by disposition, refunds per currency and the median days
# from a return's request to its refund being sent.  The shop of
# t/rsales.bash, in America/Los_Angeles; the figures worked out by hand:
#
#   units sold (ordered less cancelled): o_1 web USD 2 A + 1 KIT = 3;
#     o_2 web USD 3 B - 1 cancelled = 2; o_3 etsy EUR 1 A - 1 = 0; o_4
#     web JPY 2 C; o_5 (a reship oms made) none.
#   r_1 (Dec 4 18:00 UTC) one A of o_1, defective: received, restocked;
#     refund f_3 total 1016 (line 916, and 93 + 7 of the shipping), sent
#     Dec 10 18:00 UTC: 6 days.
#   r_2 (Dec 4 18:00 UTC) o_1's KIT, unwanted: received, its parts (one
#     A, two B) disposed of: 3 units; refund f_4 3053, pending.
#   r_3 (Dec 5 20:00 UTC) one B of o_2, size_too_small: received,
#     regraded; refund f_5 1620, sent Dec 11 08:00 UTC: 5.5 days.
#   f_1 and f_2 refund the cancellations of o_3 and of a B of o_2: no
#     return's.

load helper
load rsales

returns() {
	run --separate-stderr oms-report returns "$@"
	assert_success
	assert_equal "$stderr" ""
}

@test "returns by channel: rate, dispositions, refunds per currency, median days to refund" {
	build_shop
	returns
	# web USD: 3 returned / 5 sold = 0.6; refunds 1016 + 3053 + 1620 =
	# 5689; median of 5.5 and 6 days = 5.75 (f_4 is not sent).
	# etsy EUR sold nothing (o_3 cancelled): no rate.
	assert_output - <<'EOF'
{"type":"returns","channel":"etsy","units_sold":0,"units_returned":0,"return_rate":null,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"EUR","refunds":"0.00","refund_days_median":null}
{"type":"returns","channel":"web","units_sold":2,"units_returned":0,"return_rate":0,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"JPY","refunds":"0","refund_days_median":null}
{"type":"returns","channel":"web","units_sold":5,"units_returned":3,"return_rate":0.6,"restock":1,"regrade":1,"refurbish":0,"vendor":0,"dispose":3,"missing":0,"wrong_item":0,"currency":"USD","refunds":"56.89","refund_days_median":5.75}
EOF
	out=$output
	returns --by channel
	assert_equal "$output" "$out"
}

@test "returns by sku: a kit is its own sku, its parts counted at inspection; a refund by its lines" {
	build_shop
	returns --by sku
	# A USD: o_1's 2 sold, 1 back: 0.5; f_3's line 916 (no shipping).
	# B USD: o_2's 2, 1 back; f_5's line 1620.  KIT: 1 of 1 back, its 3
	# parts disposed of; f_4 3053 not sent: no median.
	assert_output - <<'EOF'
{"type":"returns","sku":"A","units_sold":0,"units_returned":0,"return_rate":null,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"EUR","refunds":"0.00","refund_days_median":null}
{"type":"returns","sku":"A","units_sold":2,"units_returned":1,"return_rate":0.5,"restock":1,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"USD","refunds":"9.16","refund_days_median":6}
{"type":"returns","sku":"B","units_sold":2,"units_returned":1,"return_rate":0.5,"restock":0,"regrade":1,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"USD","refunds":"16.20","refund_days_median":5.5}
{"type":"returns","sku":"C","units_sold":2,"units_returned":0,"return_rate":0,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"JPY","refunds":"0","refund_days_median":null}
{"type":"returns","sku":"KIT","units_sold":1,"units_returned":1,"return_rate":1,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":3,"missing":0,"wrong_item":0,"currency":"USD","refunds":"30.53","refund_days_median":null}
EOF
}

@test "returns by reason: each over every unit sold in its currency" {
	build_shop
	returns --by reason
	# 1 / 5 = 0.2 each.
	assert_output - <<'EOF'
{"type":"returns","reason":"defective","units_sold":5,"units_returned":1,"return_rate":0.2,"restock":1,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"USD","refunds":"9.16","refund_days_median":6}
{"type":"returns","reason":"size_too_small","units_sold":5,"units_returned":1,"return_rate":0.2,"restock":0,"regrade":1,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"USD","refunds":"16.20","refund_days_median":5.5}
{"type":"returns","reason":"unwanted","units_sold":5,"units_returned":1,"return_rate":0.2,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":3,"missing":0,"wrong_item":0,"currency":"USD","refunds":"30.53","refund_days_median":null}
EOF
	# --sku KIT: its 1 unit sold is the denominator.
	returns --by reason --sku KIT
	assert_output '{"type":"returns","reason":"unwanted","units_sold":1,"units_returned":1,"return_rate":1,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":3,"missing":0,"wrong_item":0,"currency":"USD","refunds":"30.53","refund_days_median":null}'
}

@test "returns --from and --to: orders by their placing, returns by their request, in the merchant's zone" {
	build_shop
	# To the end of Fri Dec 4 (Dec 5 08:00 UTC): r_1 and r_2, not r_3;
	# 2 / 5 = 0.4; refunds 1016 + 3053 = 4069; f_3's 6 days alone.
	returns --to 2026-12-04
	assert_output - <<'EOF'
{"type":"returns","channel":"etsy","units_sold":0,"units_returned":0,"return_rate":null,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"EUR","refunds":"0.00","refund_days_median":null}
{"type":"returns","channel":"web","units_sold":5,"units_returned":2,"return_rate":0.4,"restock":1,"regrade":0,"refurbish":0,"vendor":0,"dispose":3,"missing":0,"wrong_item":0,"currency":"USD","refunds":"40.69","refund_days_median":6}
EOF
	# From Sat Dec 5: o_4 sold; r_3 returned, of an order placed before.
	returns --from 2026-12-05
	assert_output - <<'EOF'
{"type":"returns","channel":"web","units_sold":2,"units_returned":0,"return_rate":0,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"JPY","refunds":"0","refund_days_median":null}
{"type":"returns","channel":"web","units_sold":0,"units_returned":1,"return_rate":null,"restock":0,"regrade":1,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"USD","refunds":"16.20","refund_days_median":5.5}
EOF
	# Mon Nov 30 to Thu Dec 3: o_1 was placed on Sunday in Los Angeles
	# (Monday in UTC): sold 2 (o_2's) there, 5 in UTC; no return yet.
	returns --channel web --from 2026-11-30 --to 2026-12-03
	assert_output '{"type":"returns","channel":"web","units_sold":2,"units_returned":0,"return_rate":0,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"USD","refunds":"0.00","refund_days_median":null}'
	returns --channel web --from 2026-11-30 --to 2026-12-03 --tz UTC
	assert_output '{"type":"returns","channel":"web","units_sold":5,"units_returned":0,"return_rate":0,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"USD","refunds":"0.00","refund_days_median":null}'
}

@test "returns --channel, --location, --sku" {
	build_shop
	returns --channel etsy
	assert_output '{"type":"returns","channel":"etsy","units_sold":0,"units_returned":0,"return_rate":null,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"EUR","refunds":"0.00","refund_days_median":null}'
	returns --location LAX1
	assert_output '{"type":"returns","channel":"web","units_sold":2,"units_returned":0,"return_rate":0,"restock":0,"regrade":0,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"JPY","refunds":"0","refund_days_median":null}'
	# --sku B by channel: o_2's line; the refund's line alone (f_5 1620).
	returns --sku B
	assert_output '{"type":"returns","channel":"web","units_sold":2,"units_returned":1,"return_rate":0.5,"restock":0,"regrade":1,"refurbish":0,"vendor":0,"dispose":0,"missing":0,"wrong_item":0,"currency":"USD","refunds":"16.20","refund_days_median":5.5}'
}

@test "returns of an empty shop: no row; bad --by: exit 2 with a message" {
	returns --by sku
	assert_output ""
	for by in day nonsense; do
		run --separate-stderr oms-report returns --by "$by"
		assert_equal "$status" 2
		assert_output ""
		assert_equal "$stderr" "oms-report: --by $by: returns are by channel, sku or reason"
	done
	run --separate-stderr oms-report returns --from 2026-02-30
	assert_equal "$status" 2
	assert_output ""
}
