#!/usr/bin/env bats
# An order named by the channel's own id of it, CHANNEL:FIELD=ID
# (oms_order_find): a channel's refund names its order so (Shopify's
# order_id is the order's id, not the name "#1001" it was imported under).

load helper

@test "shopify:shopify_id=ID finds the order imported from the REST API as #1001" {
	skip_without_samples
	oms-import -q "$OMS_SAMPLES/shopify_rest_order__shopify_python_api.json" \
		>/dev/null
	run --separate-stderr oms-import hold -q --reason refund \
		shopify:shopify_id=450789469
	assert_success
	assert_equal "$stderr" ""
	run sqlite3 "$OMS_DB" "SELECT id, external_id, hold_reasons FROM orders"
	assert_output - <<'OUT'
1|#1001|["refund"]
OUT
}

@test "an id no order has, or a field name that is not FIELD_id, is no order" {
	skip_without_samples
	oms-import -q "$OMS_SAMPLES/shopify_rest_order__shopify_python_api.json" \
		>/dev/null
	for ref in shopify:shopify_id=1 shopify:Shopify_id=450789469 \
	    shopify:title=450789469 woocommerce:shopify_id=450789469; do
		run --separate-stderr oms-import hold -q --reason x "$ref"
		assert_failure 1
		assert_equal "$stderr" "oms-import: no order '$ref'"
	done
	run sqlite3 "$OMS_DB" "SELECT hold_reasons FROM orders"
	assert_output - <<'OUT'
["totals do not add up: the lines come to 597.00 but the subtotal is 398.00"]
OUT
}

@test "woocommerce:woocommerce_id=ID finds order number 1001 by its id 5120; the key still wins" {
	oms-import -q "$FIX/woocommerce-orders.json" >/dev/null
	run --separate-stderr oms-import hold -q --reason refund \
		woocommerce:woocommerce_id=5120
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr oms-import hold -q --reason again woocommerce:1002
	assert_success
	run sqlite3 "$OMS_DB" "SELECT external_id, json_extract(record,
		'$.woocommerce_id'), hold_reasons FROM orders WHERE hold_reasons
		LIKE '%refund%' OR hold_reasons LIKE '%again%' ORDER BY id"
	assert_output - <<'OUT'
1001|5120|["refund"]
1002|5121|["again"]
OUT
}

@test "CHANNEL/ACCOUNT:FIELD=ID looks in that account's orders only" {
	skip_without_samples
	oms-import -q --account eu \
		"$OMS_SAMPLES/shopify_rest_order__shopify_python_api.json" >/dev/null
	run --separate-stderr oms-import hold -q --reason us \
		shopify/us:shopify_id=450789469
	assert_failure 1
	assert_equal "$stderr" "oms-import: no order 'shopify/us:shopify_id=450789469'"
	run --separate-stderr oms-import hold -q --reason eu \
		shopify/eu:shopify_id=450789469
	assert_success
	assert_equal "$stderr" ""
	run sqlite3 "$OMS_DB" "SELECT account, hold_reasons FROM orders"
	assert_output 'eu|["eu"]'
}
