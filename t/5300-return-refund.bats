#!/usr/bin/env bats
# oms-return: what a return, a kept return and a cancel refund, worked by
# hand here from refund.c's rules (oms-return(1) REFUNDS), in USD and
# JPY; paid once, never more than the order came to.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

setup_ship() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'JSON'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":9,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":9,"key":"r2"}
JSON
}

# ship JSON-ORDER: import it, route it, ship it with the offline carrier.
ship() {
	oms-import --channel oms >/dev/null <<<"$1"
	oms-route --pending >alloc.jsonl
	oms-ship -q --carrier offline --labels labels alloc.jsonl >/dev/null
}

@test "USD: line and order discounts, tax and shipping refunded in two returns come to the order's total exactly" {
	setup_ship
	# Lines: 2 x A at 30.00 less 6.00, tax 4.32; 1 x B at 20.00, tax 1.60.
	# The order's own discount is 10.00 - 6.00 = 4.00, spread by the
	# lines' value after their discounts, 54.00 and 20.00: 2.9189 and
	# 1.0811, floors 2.91 and 1.08, the cent left to the larger remainder:
	# 2.92 and 1.08.  Line 1 carries 6.00 + 2.92 = 8.92 of discount.
	ship '{"type":"order","external_id":"5001","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"A","qty":2,"unit_price":"30.00","discount":"6.00","tax":"4.32"},{"sku":"B","qty":1,"unit_price":"20.00","tax":"1.60"}],"totals":{"subtotal":"80.00","discount":"10.00","tax":"5.92","shipping":"8.00","total":"83.92"},"payment":{"status":"paid"}}'
	# One A, defective: item 30.00 - floor(8.92 / 2) = 25.54, tax 2.16;
	# shipping (defective: ours to pay) floor(8.00 x 25.54 / 70.00) = 2.91.
	oms-return -q request --reason defective o_1 1:1 >/dev/null
	oms-return -q receive r_1 >/dev/null
	oms-return -q inspect --disposition restock r_1 1 >/dev/null
	run oms-return refunds
	assert_success
	assert_equal "$(jq -c '[.id, .order, .return, .state, [.lines[] | [.order_line, .qty, .item, .tax, .fee, .amount]], .items, .tax, .shipping, .shipping_tax, .fee, .total]' <<<"$output")" \
	    '["f_1","o_1","r_1","pending",[[1,1,"25.54","2.16","0.00","27.70"]],"25.54","2.16","2.91","0.00","0.00","30.61"]'
	# The rest, defective too: the other A, 30.00 - (8.92 - 4.46) =
	# 25.54, tax 2.16; B, 20.00 - 1.08 = 18.92, tax 1.60; shipping
	# 8.00 - 2.91 = 5.09 (this refund completes the order).
	oms-return -q request --reason defective o_1 1:1 2:1 >/dev/null
	oms-return -q receive r_2 >/dev/null
	oms-return -q inspect --disposition restock r_2 1 2 >/dev/null
	run oms-return refunds --order o_1
	assert_success
	assert_equal "$(jq -c 'select(.id == "f_2") | [[.lines[] | [.order_line, .item, .tax, .amount]], .shipping, .total]' <<<"$output")" \
	    '[[[1,"25.54","2.16","27.70"],[2,"18.92","1.60","20.52"]],"5.09","53.31"]'
	# 30.61 + 53.31 = 83.92: the whole order, to the cent.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sum(total) FROM refunds; SELECT total FROM orders WHERE id = 1; SELECT status FROM orders WHERE id = 1")" "8392
8392
returned"
	# Paid out by the payment adapter: marked, once.
	run oms-return refunded f_1 f_1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .duplicate]' <<<"$output")" '["f_1","sent",null]
["f_1","sent",true]'
	run oms-return refunds
	assert_equal "$(jq -c .id <<<"$output")" '"f_2"'
	run oms check
	assert_success
}

@test "a return for a change of mind carries no shipping; refunded at inspection, not before; missing units are not refunded" {
	setup_ship
	ship '{"type":"order","external_id":"5002","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"A","qty":3,"unit_price":"10.00","tax":"2.40"}],"totals":{"subtotal":"30.00","tax":"2.40","shipping":"5.00","total":"37.40"},"payment":{"status":"paid"}}'
	oms-return -q request --reason unwanted o_1 1:3 >/dev/null
	oms-return -q receive r_1 >/dev/null
	run oms-return refunds
	assert_output ""
	# Two come back whole; the third was not in the parcel.
	oms-return -q inspect --disposition restock r_1 1:2 >/dev/null
	run oms-return refunds
	assert_output ""
	oms-return -q inspect --disposition missing r_1 1 >/dev/null
	run oms-return refunds
	# 2 x 10.00 and floor(2.40 x 2 / 3) = 1.60; no shipping for unwanted.
	assert_equal "$(jq -c '[[.lines[] | [.qty, .item, .tax, .amount]], .shipping, .total]' <<<"$output")" \
	    '[[[2,"20.00","1.60","21.60"]],"0.00","21.60"]'
	assert_equal "$(oms-return show r_1 | jq -c '[.state, [.units[] | [.qty, .disposition]]]')" '["closed",[[2,"restock"],[1,"missing"]]]'
	run oms check
	assert_success
}

@test "JPY, wholesale: authorised by a person, a 15% restocking fee for a change of mind, yen to the yen" {
	setup_ship
	ship '{"type":"order","channel":"wholesale","account":"ACME","external_id":"PO-77","currency":"JPY","customer":{"email":"buyer@example.jp","segment":"wholesale"},"ship_to":{"name":"Acme KK","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"A","qty":3,"unit_price":"1000","tax":"300"}],"totals":{"subtotal":"3000","tax":"300","shipping":"500","total":"3800"},"payment":{"status":"paid","terms":"Net 30"}}'
	run oms-return request --reason unwanted o_1 1:1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .policy]' <<<"$output")" '["r_1","requested","wholesale"]'
	# Nothing is taken in before a person says yes.
	run --separate-stderr oms-return receive r_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1 is requested: it cannot become received"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM return_receipts")" 0
	run oms-return authorize --reason "regular buyer" r_1
	assert_success
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","authorized"]'
	oms-return -q receive r_1 >/dev/null
	oms-return -q inspect --disposition restock r_1 1 >/dev/null
	# 1000 less 15% = 150; tax floor(300 / 3) = 100: 950 yen.
	run oms-return refunds
	assert_equal "$(jq -c '[.currency, [.lines[] | [.item, .tax, .fee, .amount]], .shipping, .fee, .total]' <<<"$output")" \
	    '["JPY",[["1000","100","150","950"]],"0","150","950"]'
	run oms check
	assert_success
}

@test "a cancel with money taken: the cancelled units refunded once, shipping too when nothing is left to ship" {
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-import --channel oms >/dev/null <<'JSON'
{"type":"order","external_id":"5004","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"A","qty":1,"unit_price":"10.00","tax":"0.80"},{"sku":"B","qty":1,"unit_price":"5.00","tax":"0.40"}],"totals":{"subtotal":"15.00","tax":"1.20","shipping":"4.00","total":"20.20"},"payment":{"status":"paid"}}
JSON
	oms-import -q cancel --line 2 o_1
	run oms-return refund o_1
	assert_success
	assert_equal "$(jq -c '[.id, .source, [.lines[] | [.order_line, .amount]], .shipping, .total]' <<<"$output")" '["f_1","cancel",[[2,"5.40"]],"0.00","5.40"]'
	run --separate-stderr oms-return refund o_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: o_1: o_1 has no cancelled unit left to refund"
	oms-import -q cancel o_1
	run oms-return refund o_1
	assert_success
	# The rest of it, and all the shipping: 10.80 + 4.00.
	assert_equal "$(jq -c '[[.lines[] | [.order_line, .amount]], .shipping, .total]' <<<"$output")" '[[[1,"10.80"]],"4.00","14.80"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sum(total) FROM refunds")" 2020
	run oms check
	assert_success
}

@test "a kept return (keep_below, or --keep): refunded at once, nothing comes back, the order returned" {
	setup_ship
	ship '{"type":"order","external_id":"5005","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"A","qty":1,"unit_price":"4.00"}],"totals":{"subtotal":"4.00","shipping":"1.00","total":"5.00"},"payment":{"status":"paid"}}'
	run oms-return request --keep --reason defective o_1 1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .keep]' <<<"$output")" '["r_1","closed",true]'
	assert_equal "$(oms-return refunds | jq -c '[.total, .shipping]')" '["5.00","1.00"]'
	run --separate-stderr oms-return receive r_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1 was kept by the customer: nothing comes back"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT count(*) FROM movements WHERE ref = 'r_1'")" "returned
0"
	run oms check
	assert_success
}
