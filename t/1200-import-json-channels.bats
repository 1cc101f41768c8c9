#!/usr/bin/env bats
# oms-import: the Shopify REST, WooCommerce, Amazon SP-API and Amazon flat
# file adapters, and canonical JSON lines, on the real samples and on
# hand-made files that carry each format's traps.

load helper

SP_SAMPLE="$OMS_SAMPLES/amazon_spapi_orders_v0_examples__selling-partner-api-models.json"

# What every order comes to, one line each.
summary() {
	jq -c '{external_id,status,hold_reasons,placed_at,currency,totals,
		lines:[.lines[]|{sku,qty,unit_price,total}]}'
}

# Who it goes to.
people() {
	jq -c '{external_id,customer,ship_to,bill_to}'
}

# ---- Shopify REST --------------------------------------------------------

@test "shopify-rest: the real single-order sample, field by field" {
	skip_without_samples
	run --separate-stderr oms-import -v --channel auto \
		"$OMS_SAMPLES/shopify_rest_order__shopify_python_api.json"
	assert_success
	assert_equal "$stderr" "oms-import: $OMS_SAMPLES/shopify_rest_order__shopify_python_api.json: read as shopify-rest (channel shopify)
oms-import: 1 created, 0 updated, 0 unchanged, 0 older, 1 held, 0 rejected"
	echo "$output" > out.jsonl
	# The sample itself says subtotal 398.00 for three lines of 199.00.
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"#1001","status":"hold","hold_reasons":["totals do not add up: the lines come to 597.00 but the subtotal is 398.00"],"placed_at":"2008-01-10T16:00:00Z","currency":"USD","totals":{"subtotal":"398.00","shipping":"0.00","discount":"0.00","tax":"11.94","total":"409.94"},"lines":[{"sku":"IPOD2008GREEN","qty":1,"unit_price":"199.00","total":null},{"sku":"IPOD2008RED","qty":1,"unit_price":"199.00","total":null},{"sku":"IPOD2008BLACK","qty":1,"unit_price":"199.00","total":null}]}
OUT
	run people < out.jsonl
	assert_output '{"external_id":"#1001","customer":{"email":"bob.norman@hostmail.com","name":"Bob Norman","phone":"555-625-1199"},"ship_to":{"name":"Bob Norman","address1":"Chestnut Street 92","city":"Louisville","region":"KY","postal_code":"40202","country":"US","phone":"555-625-1199"},"bill_to":{"name":"Bob Norman","address1":"Chestnut Street 92","city":"Louisville","region":"KY","postal_code":"40202","country":"US","phone":"555-625-1199"}}'
	run jq -c '{payment,service,tags,source,shopify_id,discount_code,
		lines:[.lines[]|{line_id,title,requires_shipping}]}' out.jsonl
	assert_output '{"payment":{"status":"authorized","method":"authorize_net"},"service":"Free Shipping","tags":null,"source":"web","shopify_id":"450789469","discount_code":"TENOFF","lines":[{"line_id":"466157049","title":"IPod Nano - 8gb - green","requires_shipping":true},{"line_id":"518995019","title":"IPod Nano - 8gb - red","requires_shipping":true},{"line_id":"703073504","title":"IPod Nano - 8gb - black","requires_shipping":true}]}'
}

@test "shopify-rest: the real {\"orders\":[...]} sample with price sets has no line items" {
	skip_without_samples
	run --separate-stderr oms-import --channel shopify \
		"$OMS_SAMPLES/shopify_rest_orders_with_price_sets__shopify_python_api.json"
	assert_success
	run summary <<<"$output"
	assert_output '{"external_id":"#1001","status":"hold","hold_reasons":["no lines"],"placed_at":"2008-01-10T16:00:00Z","currency":"USD","totals":{"subtotal":"597.00","shipping":"0.00","discount":"10.00","tax":"11.94","total":"598.94"},"lines":[]}'
}

@test "shopify-rest: statuses, cancelled_at, tags, zip, province and country codes, a gift card" {
	run --separate-stderr oms-import "$FIX/shopify-rest-orders.json"
	assert_success
	assert_equal "$stderr" ""
	echo "$output" > out.jsonl
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"#2001","status":"open","hold_reasons":null,"placed_at":"2024-05-11T13:55:16Z","currency":"CAD","totals":{"subtotal":"85.50","shipping":"12.00","discount":"9.50","tax":"12.68","total":"110.18"},"lines":[{"sku":"MUG-ERABLE-350","qty":2,"unit_price":"22.50","total":null},{"sku":"TOWEL-LIN","qty":1,"unit_price":"25.00","total":null},{"sku":null,"qty":1,"unit_price":"25.00","total":null}]}
{"external_id":"#2002","status":"open","hold_reasons":null,"placed_at":"2024-05-13T06:30:00Z","currency":"USD","totals":{"subtotal":"60.00","shipping":"8.00","discount":"0.00","tax":"5.33","total":"73.33"},"lines":[{"sku":"CUP-12OZ","qty":4,"unit_price":"15.00","total":null}]}
{"external_id":"#2003","status":"fulfilled","hold_reasons":null,"placed_at":"2024-05-13T06:00:00Z","currency":"SEK","totals":{"subtotal":"499.00","shipping":"49.00","discount":"0.00","tax":"99.80","total":"548.00"},"lines":[{"sku":"LAMP-OAK","qty":1,"unit_price":"499.00","total":null}]}
{"external_id":"#2004","status":"cancelled","hold_reasons":null,"placed_at":"2024-05-13T16:00:00Z","currency":"USD","totals":{"subtotal":"15.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"15.00"},"lines":[{"sku":"CUP-12OZ","qty":1,"unit_price":"15.00","total":null}]}
OUT
	run people < out.jsonl
	assert_output - <<'OUT'
{"external_id":"#2001","customer":{"email":"amelie.tremblay@example.ca","name":"Amélie Tremblay","phone":"+16135550134"},"ship_to":{"name":"Amélie Tremblay","address1":"150 Elgin St","address2":"Suite 1000","city":"Ottawa","region":"ON","postal_code":"K2P 1L4","country":"CA","phone":"+1 613-555-0134"},"bill_to":{"name":"Amélie Tremblay","address1":"150 Elgin St","city":"Ottawa","region":"ON","postal_code":"K2P1L4","country":"CA","phone":"+1 613-555-0134"}}
{"external_id":"#2002","customer":{"email":"sam@okafor.example","name":"Sam Okafor","phone":"+12125550110"},"ship_to":{"name":"Sam Okafor","company":"Okafor Design LLC","address1":"88 Greene St","city":"New York","region":"NY","postal_code":"10012","country":"US","phone":"(212) 555-0110"},"bill_to":{"name":"Sam Okafor","company":"Okafor Design LLC","address1":"88 Greene St","city":"New York","region":"NY","postal_code":"10012","country":"US","phone":"(212) 555-0110"}}
{"external_id":"#2003","customer":{"email":"j.lindqvist@example.se","name":"Johanna Lindqvist"},"ship_to":{"name":"Johanna Lindqvist","address1":"Storgatan 1","city":"Stockholm","postal_code":"111 51","country":"SE"},"bill_to":null}
{"external_id":"#2004","customer":{"email":"noah.b@example.com","name":"Noah Brooks"},"ship_to":{"name":"Noah Brooks","address1":"9 Elm Ct","city":"Madison","region":"WI","postal_code":"53703","country":"US"},"bill_to":null}
OUT
	run jq -c '{external_id,cancelled_at,payment,service,tags,note,
		lines:[.lines[]|{line_id,title,discount,requires_shipping}]}' out.jsonl
	assert_output - <<'OUT'
{"external_id":"#2001","cancelled_at":null,"payment":{"status":"paid","method":"shopify_payments"},"service":"Expedited Parcel","tags":["vip","wholesale","gift"],"note":"Please gift wrap the mug","lines":[{"line_id":"13800000001","title":"Tasse à café « Érable » - 350 ml","discount":"4.50","requires_shipping":true},{"line_id":"13800000002","title":"Linen tea towel","discount":"5.00","requires_shipping":true},{"line_id":"13800000003","title":"Gift card - $25","discount":"0.00","requires_shipping":false}]}
{"external_id":"#2002","cancelled_at":null,"payment":{"status":"paid","method":"manual"},"service":"Standard Shipping","tags":null,"note":null,"lines":[{"line_id":"13800000010","title":"Ceramic Cup 12 oz - Café Noir","discount":"0.00","requires_shipping":true}]}
{"external_id":"#2003","cancelled_at":null,"payment":{"status":"paid"},"service":"PostNord","tags":["export"],"note":null,"lines":[{"line_id":"13800000020","title":"Oak lamp","discount":"0.00","requires_shipping":true}]}
{"external_id":"#2004","cancelled_at":"2024-05-13T19:45:10Z","payment":{"status":"refunded"},"service":null,"tags":null,"note":null,"lines":[{"line_id":"13800000030","title":"Ceramic Cup 12 oz - Café Noir","discount":"0.00","requires_shipping":true}]}
OUT
}

@test "shopify-rest: a quantity \"two\" in the middle of the array rejects that order only" {
	jq '.orders[1].line_items[0].quantity = "two"' "$FIX/shopify-rest-orders.json" > bad.json
	run --separate-stderr oms-import --rejects rej.jsonl bad.json
	assert_failure 1
	assert_equal "$(jq -r .external_id <<<"$output" | tr '\n' ' ')" "#2001 #2003 #2004 "
	[[ "$stderr" =~ ^oms-import:\ bad\.json:[0-9]+:\ record\ 2:\ order\ \#2002:\ line\ 1:\ quantity:\ \'two\'\ is\ not\ a\ whole\ number$ ]]
	run jq -c '[.type, .file, (.raw | fromjson | .name)]' rej.jsonl
	assert_output '["error","bad.json","#2002"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(external_id, ' ') FROM orders")" "#2001 #2003 #2004"
}

# ---- WooCommerce ----------------------------------------------------------

@test "woocommerce: the real list sample: refunds, HTML entities, numeric prices, GMT dates" {
	skip_without_samples
	run --separate-stderr oms-import -v --channel auto \
		"$OMS_SAMPLES/woocommerce_v3_orders_list__wc-rest-api-docs.json"
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: $OMS_SAMPLES/woocommerce_v3_orders_list__wc-rest-api-docs.json: read as woocommerce (channel woocommerce)"
	echo "$output" > out.jsonl
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"727","status":"hold","hold_reasons":["line 1 (Woo Single #1): no sku"],"placed_at":"2017-03-22T19:28:02Z","currency":"USD","totals":{"subtotal":"18.00","shipping":"10.00","discount":"0.00","tax":"1.35","total":"29.35"},"lines":[{"sku":null,"qty":2,"unit_price":"3.00","total":"6.00"},{"sku":"Bar3","qty":1,"unit_price":"12.00","total":"12.00"}]}
{"external_id":"723","status":"fulfilled","hold_reasons":null,"placed_at":"2017-03-21T19:16:00Z","currency":"USD","totals":{"subtotal":"29.00","shipping":"10.00","discount":"0.00","tax":"0.00","total":"39.00","refunded":"19.00"},"lines":[{"sku":null,"qty":1,"unit_price":"9.00","total":"9.00"},{"sku":null,"qty":1,"unit_price":"20.00","total":"20.00"}]}
OUT
	run jq -c '{external_id,customer,ship_to,payment,service,
		lines:[.lines[]|{line_id,title,tax}]}' out.jsonl
	assert_output - <<'OUT'
{"external_id":"727","customer":{"email":"john.doe@example.com","name":"John Doe","phone":"(555) 555-5555"},"ship_to":{"name":"John Doe","address1":"969 Market","city":"San Francisco","region":"CA","postal_code":"94103","country":"US"},"payment":{"status":"paid","method":"Direct Bank Transfer","paid_at":"2017-03-22T19:28:08Z"},"service":"Flat Rate","lines":[{"line_id":"315","title":"Woo Single #1","tax":"0.45"},{"line_id":"316","title":"Ship Your Idea – Color: Black, Size: M Test","tax":"0.90"}]}
{"external_id":"723","customer":{"email":"joao.silva@example.com","name":"João Silva","phone":"(11) 1111-1111"},"ship_to":{"name":"João Silva","address1":"Av. Brasil, 432","city":"Rio de Janeiro","region":"RJ","postal_code":"12345-000","country":"BR"},"payment":{"status":"paid","method":"Direct bank transfer"},"service":"Flat rate","lines":[{"line_id":"311","title":"Woo Album #2","tax":"0.00"},{"line_id":"313","title":"Woo Ninja","tax":"0.00"}]}
OUT
}

@test "woocommerce: every status, coupons, float prices, three refunds, an order with no address" {
	run --separate-stderr oms-import "$FIX/woocommerce-orders.json"
	assert_success
	echo "$output" > out.jsonl
	# price 3.3333333333333335 and 1.125 are numbers: 3.33 and 1.13, not 1125.
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"1001","status":"open","hold_reasons":null,"placed_at":"2024-06-01T14:03:09Z","currency":"USD","totals":{"subtotal":"43.00","shipping":"5.00","discount":"4.30","tax":"3.50","total":"47.20"},"lines":[{"sku":"MUG-SAUCER-BL","qty":2,"unit_price":"12.00","total":"24.00"},{"sku":"TOWEL-LIN","qty":3,"unit_price":"3.33","total":"10.00"},{"sku":"COASTER-OAK","qty":8,"unit_price":"1.13","total":"9.00"}]}
{"external_id":"1002","status":"hold","hold_reasons":["awaiting payment (payment status pending)"],"placed_at":"2024-06-02T10:00:00Z","currency":"GBP","totals":{"subtotal":"28.00","shipping":"3.95","discount":"0.00","tax":"0.00","total":"31.95"},"lines":[{"sku":"APRON-LIN","qty":1,"unit_price":"28.00","total":"28.00"}]}
{"external_id":"1003","status":"fulfilled","hold_reasons":null,"placed_at":"2024-06-03T14:10:00Z","currency":"EUR","totals":{"subtotal":"18.00","shipping":"4.90","discount":"0.00","tax":"0.00","total":"22.90","refunded":"6.00"},"lines":[{"sku":"ESPRESSO-2","qty":2,"unit_price":"9.00","total":"18.00"}]}
{"external_id":"1004","status":"cancelled","hold_reasons":null,"placed_at":"2024-06-04T13:00:00Z","currency":"USD","totals":{"subtotal":"28.00","shipping":"5.00","discount":"0.00","tax":"0.00","total":"33.00","refunded":"33.00"},"lines":[{"sku":"APRON-LIN","qty":1,"unit_price":"28.00","total":"28.00"}]}
{"external_id":"1005","status":"cancelled","hold_reasons":null,"placed_at":"2024-06-05T13:00:00Z","currency":"USD","totals":{"subtotal":"3.33","shipping":"0.00","discount":"0.00","tax":"0.00","total":"3.33"},"lines":[{"sku":"TOWEL-LIN","qty":1,"unit_price":"3.33","total":"3.33"}]}
{"external_id":"1006","status":"hold","hold_reasons":["awaiting payment (payment status pending)"],"placed_at":"2024-06-07T01:45:00Z","currency":"USD","totals":{"subtotal":"9.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"9.00"},"lines":[{"sku":"ESPRESSO-2","qty":1,"unit_price":"9.00","total":"9.00"}]}
OUT
	run jq -c 'select(.external_id == "1001") | {customer,ship_to,bill_to,payment,service,note,coupon_code,woocommerce_id,
		lines:[.lines[]|{line_id,title,tax,product_id,variation_id}]}' out.jsonl
	assert_output '{"customer":{"email":"ava.reyes@example.com","name":"Ava Reyes","phone":"+1 512-555-0172"},"ship_to":{"name":"Ava Reyes","address1":"401 Congress Ave","address2":"Floor 2","city":"Austin","region":"TX","postal_code":"78701","country":"US","phone":"+1 512-555-0172"},"bill_to":{"name":"Ava Reyes","address1":"401 Congress Ave","address2":"Floor 2","city":"Austin","region":"TX","postal_code":"78701","country":"US","phone":"+1 512-555-0172","email":"ava.reyes@example.com"},"payment":{"status":"paid","method":"Credit Card (Stripe)","reference":"ch_3PabcXYZ","paid_at":"2024-06-01T14:03:12Z"},"service":"Flat rate","note":"Ring the bell twice, please.","coupon_code":"summer10","woocommerce_id":"5120","lines":[{"line_id":"3001","title":"Café Mug & Saucer – Blue","tax":"1.73","product_id":"201","variation_id":null},{"line_id":"3002","title":"Tea Towel – Linen","tax":"0.72","product_id":"202","variation_id":null},{"line_id":"3003","title":"Coaster Set '"'"'Oak'"'"' (8 pcs)","tax":"0.65","product_id":"203","variation_id":"205"}]}'
	run jq -c 'select(.external_id != "1001") | [.external_id, .customer.name, .ship_to.address1, .payment.status, .lines[0].title]' out.jsonl
	assert_output - <<'OUT'
["1002","Oliver Hughes","22 Baker St","pending","Linen Apron"]
["1003","Jonas Weiß","Hauptstraße 5","paid","Espresso Cup × 2"]
["1004","Ava Reyes","401 Congress Ave","refunded","Linen Apron"]
["1005","Ava Reyes","401 Congress Ave",null,"Tea Towel – Linen"]
["1006","Mia Chen",null,"pending","Espresso Cup × 2"]
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(external_id || ':' || coalesce(refunded, '-'), ' ') FROM orders")" \
		"1001:- 1002:- 1003:600 1004:3300 1005:- 1006:-"
}

@test "woocommerce: one order object alone (a webhook payload) is read too" {
	jq '.[2]' "$FIX/woocommerce-orders.json" > one.json
	run --separate-stderr oms-import -v --channel auto one.json
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: one.json: read as woocommerce (channel woocommerce)"
	run summary <<<"$output"
	assert_output '{"external_id":"1003","status":"fulfilled","hold_reasons":null,"placed_at":"2024-06-03T14:10:00Z","currency":"EUR","totals":{"subtotal":"18.00","shipping":"4.90","discount":"0.00","tax":"0.00","total":"22.90","refunded":"6.00"},"lines":[{"sku":"ESPRESSO-2","qty":2,"unit_price":"9.00","total":"18.00"}]}'
}

@test "woocommerce: trash and failed are cancelled; a refund that is no amount, a status of a plugin reject" {
	jq '[(.[0] | .number = "2001" | .status = "trash"), (.[1] | .number = "2002" | .status = "failed"),
		(.[2] | .number = "2003" | .refunds[1].total = "n/a"), (.[3] | .number = "2004" | .status = "shipped")]' \
		"$FIX/woocommerce-orders.json" > odd.json
	run --separate-stderr oms-import odd.json
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 2
	[[ "${stderr_lines[0]}" =~ ^oms-import:\ odd\.json:[0-9]+:\ .*refunds:\ \'n/a\'\ is\ not\ an\ amount$ ]]
	[[ "${stderr_lines[1]}" =~ ^oms-import:\ odd\.json:[0-9]+:\ record\ 4:\ order\ 2004:\ status\ \'shipped\'\ is\ not\ open,\ cancelled\ or\ fulfilled$ ]]
	run jq -c '[.external_id, .status]' <<<"$output"
	assert_output - <<'OUT'
["2001","cancelled"]
["2002","cancelled"]
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE external_id IN ('2003', '2004')")" 0
}

@test "woocommerce: a refund that is no amount is named with its record and order" {
	jq '.[2].refunds[1].total = "n/a"' "$FIX/woocommerce-orders.json" > odd.json
	run --separate-stderr oms-import odd.json
	assert_failure 1
	[[ "$stderr" =~ ^oms-import:\ odd\.json:[0-9]+:\ record\ 3:\ order\ 1003:\ .*refunds:\ \'n/a\'\ is\ not\ an\ amount$ ]]
}

@test "woocommerce: a quantity \"two\" in the middle of the array rejects that order only" {
	jq '.[1].line_items[0].quantity = "two"' "$FIX/woocommerce-orders.json" > bad.json
	run --separate-stderr oms-import bad.json
	assert_failure 1
	assert_equal "$(jq -r .external_id <<<"$output" | tr '\n' ' ')" "1001 1003 1004 1005 1006 "
	[[ "$stderr" =~ ^oms-import:\ bad\.json:[0-9]+:\ record\ 2:\ order\ 1002:\ line\ 1:\ quantity:\ \'two\'\ is\ not\ a\ whole\ number$ ]]
}

@test "woocommerce: orders one per line; a bad one is named by its line" {
	jq '.[1].line_items[0].quantity = "two"' "$FIX/woocommerce-orders.json" | jq -c '.[]' > orders.jsonl
	run --separate-stderr oms-import -v orders.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: orders.jsonl: read as woocommerce (channel woocommerce)
oms-import: orders.jsonl:2: record 1: order 1002: line 1: quantity: 'two' is not a whole number
oms-import: 5 created, 0 updated, 0 unchanged, 0 older, 1 held, 1 rejected"
	assert_equal "$(jq -r .external_id <<<"$output" | tr '\n' ' ')" "1001 1003 1004 1005 1006 "
}

@test "woocommerce: --tz does not move the *_gmt dates" {
	run oms-import --tz America/New_York "$FIX/woocommerce-orders.json"
	assert_success
	run jq -r 'select(.external_id == "1001") | [.placed_at, .payment.paid_at] | join(" ")' <<<"$output"
	assert_output "2024-06-01T14:03:09Z 2024-06-01T14:03:12Z"
}

# ---- Amazon SP-API --------------------------------------------------------

@test "amazon-spapi: the real getOrders examples: a Pending order and the sandbox orders" {
	skip_without_samples
	jq '.getOrders_example' "$SP_SAMPLE" > orders.json
	jq '.getOrders_sandbox_TEST_CASE_200' "$SP_SAMPLE" > sandbox.json
	# The items example belongs to no order of the examples: give it one.
	jq '.getOrderItems_example | .payload.AmazonOrderId = "902-1845936-5435065"' "$SP_SAMPLE" > items.json
	run --separate-stderr sh -c 'cat orders.json sandbox.json items.json | oms-import -v --channel amazon'
	assert_success
	assert_equal "$stderr" "oms-import: -: read as amazon-spapi (channel amazon)
oms-import: 3 created, 0 updated, 0 unchanged, 0 older, 3 held, 0 rejected"
	echo "$output" > out.jsonl
	# ItemPrice is the line total: 17.95 for 2 is 8.975 a piece.
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"902-3159896-1390916","status":"hold","hold_reasons":["no lines","no currency"],"placed_at":"2017-01-20T19:49:35Z","currency":"XXX","totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"0.00"},"lines":[]}
{"external_id":"902-1845936-5435065","status":"hold","hold_reasons":["incomplete ship_to address: no address1, city, country, postal_code","totals do not add up: subtotal, discount, shipping and tax come to 45.20 but the total is 11.01"],"placed_at":"1970-01-19T03:58:30Z","currency":"USD","totals":{"subtotal":"43.94","shipping":"1.26","discount":"0.00","tax":"0.00","total":"11.01"},"lines":[{"sku":"CBA_OTF_1","qty":1,"unit_price":"25.99","total":"25.99"},{"sku":"CBA_OTF_5","qty":2,"unit_price":"8.98","total":"17.95"}]}
{"external_id":"902-8745147-1934268","status":"hold","hold_reasons":["no lines"],"placed_at":"1970-01-19T03:58:30Z","currency":"USD","totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"11.01"},"lines":[]}
OUT
	run jq -c '{external_id,customer,ship_to,service,ship_by,deliver_by,purchase_order_number,
		lines:[.lines[]|{line_id,title,asin}]}' out.jsonl
	assert_output - <<'OUT'
{"external_id":"902-3159896-1390916","customer":{"email":"user@example.com","name":"John Doe"},"ship_to":{"name":"Michigan address","address1":"1 Cross St.","city":"Canton","region":"MI","postal_code":"48817","country":"US"},"service":"Standard","ship_by":"2017-01-25T19:49:35Z","deliver_by":null,"purchase_order_number":"1234567890123","lines":[]}
{"external_id":"902-1845936-5435065","customer":null,"ship_to":null,"service":"Std US D2D Dom","ship_by":"1970-01-19T04:05:13Z","deliver_by":"1970-01-19T04:15:17Z","purchase_order_number":null,"lines":[{"line_id":"68828574383266","title":"Example item name","asin":"BT0093TELA"},{"line_id":"79039765272157","title":"Example item name","asin":"BCTU1104UEFB"}]}
{"external_id":"902-8745147-1934268","customer":null,"ship_to":null,"service":"Std US D2D Dom","ship_by":"1970-01-19T04:05:13Z","deliver_by":"1970-01-19T04:15:17Z","purchase_order_number":null,"lines":[]}
OUT
}

@test "amazon-spapi: orders and paged order items: shipping, tax and promotions add up, JPY has no decimals" {
	run --separate-stderr sh -c 'cat "$1" "$2" | oms-import --channel amazon' sh \
		"$FIX/amazon-spapi-orders.json" "$FIX/amazon-spapi-items.json"
	assert_success
	echo "$output" > out.jsonl
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"113-1111111-1111111","status":"open","hold_reasons":null,"placed_at":"2024-04-02T17:20:45Z","currency":"USD","totals":{"subtotal":"54.97","shipping":"5.99","discount":"4.00","tax":"4.88","total":"61.84"},"lines":[{"sku":"CUP-12OZ","qty":2,"unit_price":"19.99","total":"39.98"},{"sku":"SAUCER-W","qty":1,"unit_price":"14.99","total":"14.99"}]}
{"external_id":"028-2222222-2222222","status":"fulfilled","hold_reasons":null,"placed_at":"2024-04-01T06:12:00Z","currency":"EUR","totals":{"subtotal":"19.98","shipping":"4.00","discount":"0.00","tax":"0.00","tax_included":true,"total":"23.98"},"lines":[{"sku":"TOWEL-LIN","qty":2,"unit_price":"9.99","total":"19.98"}]}
{"external_id":"113-3333333-3333333","status":"cancelled","hold_reasons":null,"placed_at":"2024-04-02T09:00:00Z","currency":"USD","totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"0.00"},"lines":[{"sku":"SAUCER-W","qty":1,"unit_price":null,"total":null}]}
{"external_id":"113-4444444-4444444","status":"hold","hold_reasons":["no currency","awaiting payment (payment status pending)"],"placed_at":"2024-04-02T23:58:11Z","currency":"XXX","totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"0.00"},"lines":[{"sku":"CUP-12OZ","qty":1,"unit_price":null,"total":null}]}
{"external_id":"503-5555555-5555555","status":"open","hold_reasons":null,"placed_at":"2024-04-03T01:15:30Z","currency":"JPY","totals":{"subtotal":"5980","shipping":"600","discount":"0","tax":"0","tax_included":true,"total":"6580"},"lines":[{"sku":"MUG-JP-01","qty":2,"unit_price":"2990","total":"5980"}]}
OUT
	run jq -c 'select(.lines | length > 0) | [.external_id, [.lines[] | .line_id, .title, .discount, .tax]]' out.jsonl
	assert_output - <<'OUT'
["113-1111111-1111111",["12345678901201","Ceramic Cup 12 oz, Café Noir (3-pack)","4.00","3.20","12345678901202","Saucer, white","0.00","1.20"]]
["028-2222222-2222222",["04512345670001","Geschirrtuch Leinen – 2er Pack","0.00","0.00"]]
["113-3333333-3333333",["12345678901301","Saucer, white",null,null]]
["113-4444444-4444444",["12345678901401","Ceramic Cup 12 oz, Café Noir (3-pack)",null,null]]
["503-5555555-5555555",["77001122334455","マグカップ 350ml","0","0"]]
OUT
	run people < out.jsonl
	assert_output - <<'OUT'
{"external_id":"113-1111111-1111111","customer":{"email":"b4x9k2m7q1@marketplace.amazon.com","name":"Maria Gonzalez","phone":"+1 312-555-0181"},"ship_to":{"name":"Maria Gonzalez","address1":"2100 N Clark St","address2":"Unit 4","city":"Chicago","region":"IL","postal_code":"60614-4712","country":"US","phone":"+1 312-555-0181"},"bill_to":null}
{"external_id":"028-2222222-2222222","customer":{"email":"p0o9i8u7@marketplace.amazon.de","name":"Petra Müller","segment":"business"},"ship_to":{"name":"Müller GmbH","address1":"Schillerstraße 12","city":"Köln","region":"NRW","postal_code":"50667","country":"DE"},"bill_to":null}
{"external_id":"113-3333333-3333333","customer":null,"ship_to":null,"bill_to":null}
{"external_id":"113-4444444-4444444","customer":null,"ship_to":null,"bill_to":null}
{"external_id":"503-5555555-5555555","customer":{"name":"山田 太郎"},"ship_to":{"name":"山田 太郎","address1":"千代田区丸の内1-1-1","city":"東京都","region":"東京都","postal_code":"100-0005","country":"JP"},"bill_to":null}
OUT
	run jq -c 'select(.external_id == "113-1111111-1111111") | [.service, .ship_by, .deliver_by, .payment, .fulfillment_channel, .is_prime]' out.jsonl
	assert_output '["Std US D2D Dom","2024-04-05T06:59:59Z","2024-04-11T06:59:59Z",{"status":"paid","method":"Other"},"MFN",true]'
}

@test "amazon-spapi: the items may come before the orders, and the file is recognised by them" {
	cat "$FIX/amazon-spapi-items.json" "$FIX/amazon-spapi-orders.json" > items-first.json
	cat "$FIX/amazon-spapi-orders.json" "$FIX/amazon-spapi-items.json" > orders-first.json
	run --separate-stderr oms-import -v --channel auto items-first.json
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: items-first.json: read as amazon-spapi (channel amazon)"
	echo "$output" > a.jsonl
	fresh_db
	oms-import orders-first.json > b.jsonl
	run diff a.jsonl b.jsonl
	assert_success
	assert_equal "$(wc -l < a.jsonl)" 5
}

@test "amazon-spapi: a quantity \"two\" in an item rejects its order only" {
	sed 's/"QuantityOrdered":2,"QuantityShipped":2/"QuantityOrdered":"two","QuantityShipped":2/' \
		"$FIX/amazon-spapi-items.json" > items.json
	run --separate-stderr sh -c 'cat "$1" items.json | oms-import' sh "$FIX/amazon-spapi-orders.json"
	assert_failure 1
	assert_equal "$(jq -r .external_id <<<"$output" | tr '\n' ' ')" \
		"113-1111111-1111111 113-3333333-3333333 113-4444444-4444444 503-5555555-5555555 "
	[[ "$stderr" =~ ^oms-import:\ -:[0-9]+:\ record\ 2:\ order\ 028-2222222-2222222:\ line\ 1:\ QuantityOrdered:\ \'two\'\ is\ not\ a\ whole\ number$ ]]
}

@test "amazon-spapi: order items whose order is not in the input are reported" {
	skip_without_samples
	jq '.getOrders_example' "$SP_SAMPLE" > orders.json
	jq '.getOrderItems_example' "$SP_SAMPLE" > items.json
	run --separate-stderr sh -c 'cat orders.json items.json | oms-import'
	assert_failure 1
	[[ "$stderr" == *"903-1671087-0812628"* ]]
}

# ---- Amazon flat files ----------------------------------------------------

@test "amazon-flat: the real New Orders sample: 4 orders in 6 rows, item-price is the line total" {
	skip_without_samples
	run --separate-stderr oms-import -v --channel auto "$OMS_SAMPLES/amazon_orders_report_flatfile__SimpleInventory.txt"
	assert_success
	assert_equal "$stderr" "oms-import: $OMS_SAMPLES/amazon_orders_report_flatfile__SimpleInventory.txt: read as amazon-flat (channel amazon)
oms-import: 4 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	echo "$output" > out.jsonl
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"123-4567890-1234567","status":"open","hold_reasons":null,"placed_at":"2009-01-01T18:50:49Z","currency":"USD","totals":{"subtotal":"1.29","shipping":"1.99","discount":"0.00","tax":"0.00","total":"3.28"},"lines":[{"sku":"1","qty":1,"unit_price":"1.29","total":"1.29"}]}
{"external_id":"234-5678901-2345678","status":"open","hold_reasons":null,"placed_at":"2009-01-01T18:50:49Z","currency":"USD","totals":{"subtotal":"2.58","shipping":"3.98","discount":"0.00","tax":"0.00","total":"6.56"},"lines":[{"sku":"1","qty":1,"unit_price":"1.29","total":"1.29"},{"sku":"2","qty":2,"unit_price":"0.65","total":"1.29"}]}
{"external_id":"111-2222222-3333333","status":"open","hold_reasons":null,"placed_at":"2009-01-01T18:50:49Z","currency":"USD","totals":{"subtotal":"1.29","shipping":"1.99","discount":"0.00","tax":"0.00","total":"3.28"},"lines":[{"sku":"2","qty":2,"unit_price":"0.65","total":"1.29"}]}
{"external_id":"222-3333333-4444444","status":"open","hold_reasons":null,"placed_at":"2009-01-01T18:50:49Z","currency":"USD","totals":{"subtotal":"2.58","shipping":"3.98","discount":"0.00","tax":"0.00","total":"6.56"},"lines":[{"sku":"2","qty":2,"unit_price":"0.65","total":"1.29"},{"sku":"1","qty":2,"unit_price":"0.65","total":"1.29"}]}
OUT
	run jq -c '[.external_id, .customer.name, .customer.email, .ship_to.address1, .ship_to.region, .ship_to.postal_code, .service, .payment.paid_at, [.lines[].line_id]]' out.jsonl
	assert_output - <<'OUT'
["123-4567890-1234567","Bob Smith","example@example.net","123 Main St","FL","55443-3221","Standard","2009-01-05T18:50:49Z",["11111111111111"]]
["234-5678901-2345678","Bob Jones","example2@example.net","456 Elm St","AK","11111-2222","Standard","2009-01-05T18:50:49Z",["22222222222222","33333333333333"]]
["111-2222222-3333333","Chuck Jones","example3@example.net","999 Oak St","NY","22222-3333","Expedited","2009-01-05T18:50:49Z",["44444444444444"]]
["222-3333333-4444444","John Johnson","example4@example.net","111 Main St","NY","22222-3333","Standard","2009-01-05T18:50:49Z",["55555555555555","66666666666666"]]
OUT
}

@test "amazon-flat: Windows-1252, CRLF, short rows, promotions, shipping tax, no postcode in Ireland" {
	f="$FIX/amazon-new-orders-cp1252.txt"
	run --separate-stderr oms-import -v --channel amazon "$f"
	assert_success
	assert_equal "$stderr" "oms-import: $f: read as amazon-flat (channel amazon)
oms-import: $f: read as Windows-1252
oms-import: 4 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	echo "$output" > out.jsonl
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"028-1234567-1234567","status":"open","hold_reasons":null,"placed_at":"2024-03-09T21:15:07Z","currency":"EUR","totals":{"subtotal":"89.97","shipping":"0.00","discount":"0.00","tax":"0.00","tax_included":true,"total":"89.97"},"lines":[{"sku":"KB-100-DE","qty":1,"unit_price":"49.99","total":"49.99"},{"sku":"MS-200","qty":2,"unit_price":"19.99","total":"39.98"}]}
{"external_id":"114-7654321-7654321","status":"open","hold_reasons":null,"placed_at":"2024-03-10T09:02:03Z","currency":"USD","totals":{"subtotal":"29.97","shipping":"5.99","discount":"3.00","tax":"2.70","total":"35.66"},"lines":[{"sku":"CUP-12OZ","qty":3,"unit_price":"9.99","total":"29.97"}]}
{"external_id":"114-1111111-2222222","status":"open","hold_reasons":null,"placed_at":"2024-03-10T12:00:00Z","currency":"USD","totals":{"subtotal":"15.00","shipping":"3.49","discount":"0.00","tax":"0.00","total":"18.49"},"lines":[{"sku":"TEE-BLK-M","qty":1,"unit_price":"15.00","total":"15.00"}]}
{"external_id":"026-3333333-4444444","status":"open","hold_reasons":null,"placed_at":"2024-03-11T08:30:00Z","currency":"GBP","totals":{"subtotal":"52.50","shipping":"6.00","discount":"0.00","tax":"0.00","tax_included":true,"total":"58.50"},"lines":[{"sku":"KB-100-UK","qty":1,"unit_price":"52.50","total":"52.50"}]}
OUT
	run people < out.jsonl
	assert_output - <<'OUT'
{"external_id":"028-1234567-1234567","customer":{"email":"k7xq2m9v0d1f@marketplace.amazon.de","name":"Jürgen Müller"},"ship_to":{"name":"Jürgen Müller","address1":"Hauptstraße 5","address2":"Hinterhaus, 3. OG","city":"München","region":"Bayern","postal_code":"80331","country":"DE","phone":"+49 89 1234567"},"bill_to":null}
{"external_id":"114-7654321-7654321","customer":{"email":"3mbh8xq4zr7tk1p@marketplace.amazon.com","name":"Renée O'Brien","phone":"+1 503-555-0147"},"ship_to":{"name":"Renée O'Brien","address1":"1420 SW Morrison St","address2":"Apt 5B","city":"Portland","region":"OR","postal_code":"97205-1234","country":"US","phone":"+1 503-555-0147"},"bill_to":null}
{"external_id":"114-1111111-2222222","customer":{"email":"q1w2e3r4t5@marketplace.amazon.com","name":"Li Wei"},"ship_to":{"name":"Li Wei","address1":"77 Mass Ave","city":"Cambridge","region":"MA","postal_code":"02139","country":"US"},"bill_to":null}
{"external_id":"026-3333333-4444444","customer":{"email":"z9y8x7w6@marketplace.amazon.co.uk","name":"Seán Ó Briain"},"ship_to":{"name":"Seán Ó Briain","address1":"12 Ormond Quay Upper","city":"Dublin","region":"Co. Dublin","country":"IE"},"bill_to":null}
OUT
	run jq -c '[.external_id, .service, .note, .sales_channel, [.lines[] | .line_id, .title, .discount, .tax]]' out.jsonl
	assert_output - <<'OUT'
["028-1234567-1234567","Standard",null,"Amazon.de",["04512345678901","Tastatur – QWERTZ, schwarz","0.00","0.00","04512345678902","Maus ergonomisch",null,"0.00"]]
["114-7654321-7654321","Expedited","Leave at the back door","Amazon.com",["61234567890123","Ceramic Cup 12 oz, Café Noir (3-pack)","3.00","2.25"]]
["114-1111111-2222222","Standard",null,null,["61234567890124","T-Shirt Night Black M",null,"0.00"]]
["026-3333333-4444444","Standard",null,"Amazon.co.uk",["04512345678903","Keyboard – UK layout",null,"0.00"]]
OUT
	# Nothing of the adapter's own bookkeeping is left in the record.
	run jq -c '[paths | map(tostring) | join(".") | select(test("_ship"))]' out.jsonl
	assert_output - <<'OUT'
[]
[]
[]
[]
OUT
}

@test "amazon-flat: a quantity \"two\" rejects its order with the line of the file" {
	sed 's/\tMaus ergonomisch\t2\t/\tMaus ergonomisch\ttwo\t/' "$FIX/amazon-new-orders-cp1252.txt" > bad.txt
	run --separate-stderr oms-import --rejects rej.jsonl bad.txt
	assert_failure 1
	assert_equal "$(jq -r .external_id <<<"$output" | tr '\n' ' ')" \
		"114-7654321-7654321 114-1111111-2222222 026-3333333-4444444 "
	[[ "$stderr" =~ ^oms-import:\ bad\.txt:3:\ .*028-1234567-1234567.*quantity-purchased:\ \'two\'\ is\ not\ a\ whole\ number$ ]]
	run jq -r '.raw | split("\n") | length' rej.jsonl
	assert_output 2
}

@test "amazon-unshipped: no prices and no currency column: the default currency, or --currency" {
	run --separate-stderr oms-import -v --channel amazon "$FIX/amazon-unshipped.txt"
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: $FIX/amazon-unshipped.txt: read as amazon-unshipped (channel amazon)"
	echo "$output" > out.jsonl
	run summary < out.jsonl
	assert_output - <<'OUT'
{"external_id":"112-9000001-0000001","status":"open","hold_reasons":null,"placed_at":"2024-03-13T01:44:10Z","currency":"USD","totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"0.00"},"lines":[{"sku":"CUP-12OZ","qty":4,"unit_price":null,"total":null},{"sku":"SAUCER-W","qty":4,"unit_price":null,"total":null}]}
{"external_id":"114-7654321-7654321","status":"open","hold_reasons":null,"placed_at":"2024-03-10T09:02:03Z","currency":"USD","totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"0.00"},"lines":[{"sku":"CUP-12OZ","qty":3,"unit_price":null,"total":null}]}
OUT
	run jq -c 'select(.external_id == "112-9000001-0000001") | [.customer, .ship_to, .service, .ship_by, .purchase_order_number, .is_prime, [.lines[] | .line_id, .qty_to_ship]]' out.jsonl
	assert_output '[{"email":"8d7f6g5h4j@marketplace.amazon.com","name":"Dana Whitfield","phone":"+1 206-555-0199","segment":"business"},{"name":"Dana Whitfield","address1":"500 Pine St","address2":"Suite 300","city":"Seattle","region":"WA","postal_code":"98101","country":"US"},"SecondDay","2024-03-15T06:59:59Z","PO-77812",true,["70000000000001",3,"70000000000002",4]]'
	fresh_db
	run oms-import --currency EUR "$FIX/amazon-unshipped.txt"
	assert_success
	assert_equal "$(jq -r .currency <<<"$output" | sort -u)" "EUR"
}

@test "amazon-flat: --currency does not beat the file's currency column" {
	run oms-import --currency JPY "$FIX/amazon-new-orders-cp1252.txt"
	assert_success
	assert_equal "$(jq -r .currency <<<"$output" | tr '\n' ' ')" "EUR USD USD GBP "
}

@test "amazon-flat-all: order and item statuses, cancelled items are no lines, pending prices are blank" {
	run --separate-stderr oms-import -v --channel auto "$FIX/amazon-all-orders.txt"
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: $FIX/amazon-all-orders.txt: read as amazon-flat-all (channel amazon)"
	echo "$output" > out.jsonl
	# 113-7777777-8888888, cancelled whole, has a test of its own below.
	run jq -c 'select(.external_id != "113-7777777-8888888") | {external_id,status,hold_reasons,placed_at,currency,totals,
		lines:[.lines[]|{sku,qty,unit_price,total}]}' out.jsonl
	assert_output - <<'OUT'
{"external_id":"114-7654321-7654321","status":"fulfilled","hold_reasons":null,"placed_at":"2024-03-10T09:02:03Z","currency":"USD","totals":{"subtotal":"29.97","shipping":"5.99","discount":"3.00","tax":"2.70","total":"35.66"},"lines":[{"sku":"CUP-12OZ","qty":3,"unit_price":"9.99","total":"29.97"}]}
{"external_id":"113-5555555-6666666","status":"fulfilled","hold_reasons":null,"placed_at":"2024-03-08T15:00:00Z","currency":"USD","totals":{"subtotal":"25.00","shipping":"4.00","discount":"0.00","tax":"0.00","total":"29.00"},"lines":[{"sku":"TOWEL-LIN","qty":2,"unit_price":"12.50","total":"25.00"}]}
{"external_id":"113-9999999-0000000","status":"hold","hold_reasons":["incomplete ship_to address: no address1"],"placed_at":"2024-03-12T23:59:00Z","currency":"USD","totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"0.00"},"lines":[{"sku":"CUP-12OZ","qty":1,"unit_price":null,"total":null}]}
OUT
	run jq -c '[.external_id, .ship_to, .fulfillment_channel, [.lines[]?.asin]]' out.jsonl
	assert_output - <<'OUT'
["114-7654321-7654321",{"city":"PORTLAND","region":"OR","postal_code":"97205-1234","country":"US"},"Merchant",["B0C1234567"]]
["113-5555555-6666666",{"city":"AUSTIN","region":"TX","postal_code":"78701","country":"US"},"Merchant",["B0C7654321"]]
["113-7777777-8888888",{"city":"DENVER","region":"CO","postal_code":"80202","country":"US"},"Merchant",[]]
["113-9999999-0000000",{"city":"BOISE","region":"ID","postal_code":"83702","country":"US"},"Merchant",["B0C1234567"]]
OUT
}

@test "amazon-flat-all: an order cancelled whole is cancelled, not held, and has no lines" {
	run oms-import "$FIX/amazon-all-orders.txt"
	assert_success
	run jq -c 'select(.external_id == "113-7777777-8888888") | {external_id,status,hold_reasons,placed_at,currency,totals,lines}' <<<"$output"
	assert_output '{"external_id":"113-7777777-8888888","status":"cancelled","hold_reasons":null,"placed_at":"2024-03-11T07:45:00Z","currency":"USD","totals":{"subtotal":"0.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"0.00"},"lines":[]}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders WHERE external_id = '113-7777777-8888888'")" "cancelled"
}

@test "amazon-flat-all after New Orders: the order ships, its street address and lines stay" {
	oms-import "$FIX/amazon-new-orders-cp1252.txt" > /dev/null
	run --separate-stderr oms-import -v "$FIX/amazon-all-orders.txt"
	assert_success
	[[ "${stderr_lines[1]}" =~ ^oms-import:\ 3\ created,\ 1\ updated,\ 0\ unchanged,\ 0\ older,\ [0-9]+\ held,\ 0\ rejected$ ]]
	run jq -c 'select(.external_id == "114-7654321-7654321") | {status, ship_to, totals,
		lines: [.lines[] | {line_id, sku, qty, unit_price, total}]}' <<<"$output"
	assert_output '{"status":"fulfilled","ship_to":{"name":"Renée O'"'"'Brien","address1":"1420 SW Morrison St","address2":"Apt 5B","city":"PORTLAND","region":"OR","postal_code":"97205-1234","country":"US","phone":"+1 503-555-0147"},"totals":{"subtotal":"29.97","shipping":"5.99","discount":"3.00","tax":"2.70","total":"35.66"},"lines":[{"line_id":"61234567890123","sku":"CUP-12OZ","qty":3,"unit_price":"9.99","total":"29.97"}]}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, total FROM orders WHERE external_id = '114-7654321-7654321'")" "fulfilled|3566"
}

@test "amazon-unshipped after New Orders: the prices stored stay and the order is not held" {
	oms-import "$FIX/amazon-new-orders-cp1252.txt" > /dev/null
	run oms-import "$FIX/amazon-unshipped.txt"
	assert_success
	run jq -c 'select(.external_id == "114-7654321-7654321") | [.status, .ship_by, .totals.total, .lines[0].unit_price]' <<<"$output"
	assert_output '["open","2024-03-12T07:59:59Z","35.66","9.99"]'
}

@test "a merged order prints its fields in the canonical order" {
	oms-import "$FIX/amazon-new-orders-cp1252.txt" > /dev/null
	run oms-import "$FIX/amazon-all-orders.txt"
	# The canonical fields in their order; the channel's own fields follow.
	run jq -c 'select(.external_id == "114-7654321-7654321") | [keys_unsorted[:14], keys_unsorted[14:], (.ship_to | keys_unsorted)]' <<<"$output"
	assert_output '[["type","id","channel","external_id","status","placed_at","currency","customer","ship_to","payment","service","note","lines","totals"],["fulfillment_channel","sales_channel"],["name","address1","address2","city","region","postal_code","country","phone"]]'
}

@test "a status change is written once in its event" {
	oms-import "$FIX/amazon-new-orders-cp1252.txt" > /dev/null
	oms-import "$FIX/amazon-all-orders.txt" > /dev/null
	run sqlite3 "$OMS_DB" "SELECT before FROM events e JOIN orders o ON o.id = e.order_id
		WHERE o.external_id = '114-7654321-7654321' AND e.action = 'updated'"
	# jq would fold duplicate keys: count them in the text.
	assert_equal "$(grep -o '"status":' <<<"$output" | wc -l)" 1
}

@test "amazon-flat: a product name that starts with a double quote is text, not a quoted field" {
	skip_without_samples
	{
		head -1 "$OMS_SAMPLES/amazon_orders_report_flatfile__SimpleInventory.txt"
		printf '111-0000000-0000001\t10000000000001\t2024-01-02T10:00:00+00:00\t\tb@example.net\tBo\t\tMUG-1\t"Hello Kitty" Mug 12"\t1\tUSD\t9.99\t0.00\t1.99\t0.00\tStandard\tBo\t1 Main St\t\t\tTown\tFL\t33101\tUS\n'
		printf '111-0000000-0000002\t10000000000002\t2024-01-02T10:00:00+00:00\t\tb@example.net\tBo\t\tMUG-2\t"Open quote\t1\tUSD\t9.99\t0.00\t1.99\t0.00\tStandard\tBo\t1 Main St\t\t\tTown\tFL\t33101\tUS\n'
		printf '111-0000000-0000003\t10000000000003\t2024-01-02T10:00:00+00:00\t\tb@example.net\tBo\t\tMUG-3\tPlain\t1\tUSD\t9.99\t0.00\t1.99\t0.00\tStandard\tBo\t1 Main St\t\t\tTown\tFL\t33101\tUS\n'
	} > quotes.txt
	run --separate-stderr oms-import quotes.txt
	assert_success
	run jq -r '.lines[0].title' <<<"$output"
	assert_output - <<'OUT'
"Hello Kitty" Mug 12"
"Open quote
Plain
OUT
}

# ---- canonical JSON lines -------------------------------------------------

@test "oms: canonical order lines go in as they are; no channel means channel oms" {
	run --separate-stderr oms-import -v --channel auto "$FIX/oms-orders.jsonl"
	assert_success
	assert_equal "$stderr" "oms-import: $FIX/oms-orders.jsonl: read as oms (channel oms)
oms-import: 3 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	echo "$output" > out.jsonl
	run jq -c '{id,channel,external_id,status,placed_at,cancelled_at,currency,totals,lines:[.lines[]|{sku,qty,unit_price,discount}]}' out.jsonl
	assert_output - <<'OUT'
{"id":"o_1","channel":"etsy","external_id":"3141592653","status":"open","placed_at":"2024-07-01T16:30:00Z","cancelled_at":null,"currency":"USD","totals":{"subtotal":"29.00","shipping":"6.00","discount":"0.50","tax":"1.84","total":"36.34"},"lines":[{"sku":"MUG-SAUCER-BL","qty":2,"unit_price":"12.50","discount":null},{"sku":"TOWEL-LIN","qty":1,"unit_price":"4.00","discount":"0.50"}]}
{"id":"o_2","channel":"oms","external_id":"PHONE-0042","status":"open","placed_at":"2024-07-02T09:15:00Z","cancelled_at":null,"currency":"JPY","totals":{"subtotal":"8970","shipping":"600","discount":"0","tax":"0","total":"9570"},"lines":[{"sku":"MUG-JP-01","qty":3,"unit_price":"2990","discount":null}]}
{"id":"o_3","channel":"etsy","external_id":"3141592654","status":"cancelled","placed_at":null,"cancelled_at":"2024-07-03T08:00:00Z","currency":"USD","totals":{"subtotal":"28.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"28.00"},"lines":[{"sku":"APRON-LIN","qty":1,"unit_price":"28.00","discount":null}]}
OUT
	run jq -c 'select(.id == "o_2") | [.customer, .ship_to.address1, .note]' out.jsonl
	assert_output '[{"name":"佐藤 花子","phone":"+81 3-5555-0101"},"渋谷区神南1-2-3","telephone order"]'
}

@test "oms: what oms-import prints is unchanged in its database and the same in another" {
	oms-import "$FIX/woocommerce-orders.json" > first.jsonl
	run --separate-stderr oms-import -v --channel oms first.jsonl
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 6 unchanged, 0 older, 0 held, 0 rejected"
	export OMS_DB="$BATS_TEST_TMPDIR/other.db"
	oms -q init
	run --separate-stderr oms-import --channel oms first.jsonl
	assert_success
	run diff first.jsonl - <<<"$output"
	assert_success
	run sqlite3 "$OMS_DB" "SELECT group_concat(external_id || ':' || status, ' ') FROM orders"
	assert_output "1001:open 1002:hold 1003:fulfilled 1004:cancelled 1005:cancelled 1006:hold"
}

# ---- recognising files --------------------------------------------------------

@test "--channel auto names the adapter of each file" {
	skip_without_samples
	jq '.getOrders_sandbox_TEST_CASE_200' "$SP_SAMPLE" > spapi.json
	while read -r f adapter channel; do
		run --separate-stderr oms-import -v -n --channel auto "$f"
		[ "$status" -eq 0 ] || { echo "$f: exit $status: $stderr"; return 1; }
		assert_equal "${stderr_lines[0]}" "oms-import: $f: read as $adapter (channel $channel)"
	done <<EOF
$OMS_SAMPLES/shopify_rest_order__shopify_python_api.json shopify-rest shopify
$OMS_SAMPLES/shopify_rest_orders_with_price_sets__shopify_python_api.json shopify-rest shopify
$FIX/shopify-rest-orders.json shopify-rest shopify
$OMS_SAMPLES/woocommerce_v3_orders_list__wc-rest-api-docs.json woocommerce woocommerce
$FIX/woocommerce-orders.json woocommerce woocommerce
spapi.json amazon-spapi amazon
$OMS_SAMPLES/amazon_orders_report_flatfile__SimpleInventory.txt amazon-flat amazon
$FIX/amazon-new-orders-cp1252.txt amazon-flat amazon
$FIX/amazon-unshipped.txt amazon-unshipped amazon
$FIX/amazon-all-orders.txt amazon-flat-all amazon
$FIX/oms-orders.jsonl oms oms
EOF
}

@test "--channel NAME takes the adapter name or the channel, and refuses a file of another channel" {
	run --separate-stderr oms-import -v -n --channel amazon-flat-all "$FIX/amazon-all-orders.txt"
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: $FIX/amazon-all-orders.txt: read as amazon-flat-all (channel amazon)"
	run --separate-stderr oms-import -v -n --channel shopify "$FIX/shopify-rest-orders.json"
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: $FIX/shopify-rest-orders.json: read as shopify-rest (channel shopify)"
	run --separate-stderr oms-import -n --channel woocommerce "$FIX/shopify-rest-orders.json"
	assert_failure 1
	assert_output ""
}

@test "a JSON file given as another channel is refused as not of that adapter" {
	run --separate-stderr oms-import --channel woocommerce "$FIX/shopify-rest-orders.json"
	assert_failure 1
	assert_output ""
	[[ "$stderr" =~ ^oms-import:\ $FIX/shopify-rest-orders\.json:\ not\ a\ woocommerce\ file ]]
}

@test "the demo files of these channels import without a rejection" {
	for f in shopify-rest-orders.json woocommerce-orders.json amazon-new-orders.txt; do
		run --separate-stderr oms-import --channel auto "$TOP/share/oms/demo/orders/$f"
		[ "$status" -eq 0 ] || { echo "$f: $stderr"; return 1; }
		[ -n "$output" ]
	done
	run sqlite3 "$OMS_DB" "SELECT channel || ' ' || external_id || ' ' || status || ' ' || total FROM orders ORDER BY id"
	assert_output - <<'OUT'
shopify #3101 open 7742
shopify #3102 fulfilled 5536
woocommerce W-2301 open 4190
woocommerce W-2302 fulfilled 2150
amazon 111-4820019-5566123 open 5368
amazon 302-7788990-1122334 open 2380
OUT
}

@test "oms-import channels lists these adapters" {
	run oms-import channels
	assert_success
	assert_line --regexp '^amazon-flat +amazon +Amazon Seller Central order report'
	assert_line --regexp '^amazon-flat-all +amazon +Amazon All Orders report'
	assert_line --regexp '^amazon-spapi +amazon +Amazon SP-API Orders v0'
	assert_line --regexp '^amazon-unshipped +amazon +Amazon Unshipped Orders report'
	assert_line --regexp '^oms +oms +canonical order records as JSON lines$'
	assert_line --regexp '^shopify-rest +shopify +Shopify Admin REST orders JSON'
	assert_line --regexp '^woocommerce +woocommerce +WooCommerce REST API v3 orders JSON'
}

@test "a rejected record in a pretty-printed array is named by the line it starts on" {
	jq '.[1].line_items[0].quantity = "two"' "$FIX/woocommerce-orders.json" > bad.json
	start=$(grep -n '^  {' bad.json | sed -n 2p | cut -d: -f1)
	run --separate-stderr oms-import bad.json
	assert_failure 1
	assert_equal "$stderr" "oms-import: bad.json:$start: record 2: order 1002: line 1: quantity: 'two' is not a whole number"
}

# ---- Amazon SP-API 2026-01-01 ---------------------------------------------

SP26="$OMS_SAMPLES/amazon_spapi_orders_2026-01-01_searchOrders_sandbox__selling-partner-api-models.json"

@test "amazon-spapi-2026: the sandbox searchOrders response, whole" {
	skip_without_samples
	run --separate-stderr oms-import -v "$SP26"
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: $SP26: read as amazon-spapi-2026 (channel amazon)"
	assert_output '{"type":"order","id":"o_1","channel":"amazon","external_id":"250-1234567-8901234","status":"fulfilled","placed_at":"2024-12-25T02:30:00Z","updated_at":"2024-12-25T06:45:00Z","currency":"JPY","customer":{"email":"buyer-email@marketplace.amazon.co.jp","name":"John Smith"},"ship_to":{"name":"John Smith","address1":"123 Business Park","address2":"Suite 456","city":"Tokyo","postal_code":"150-0002","country":"JP"},"service":"STANDARD","ship_by":"2024-12-25T23:59:59Z","lines":[{"line_id":"25012345678901","sku":"ECHO-DOT-4-JP-CHARCOAL","channel_sku":"ECHO-DOT-4-JP-CHARCOAL","title":"Echo Dot (第4世代) スマートスピーカー with Alexa チャコール","qty":1,"unit_price":"5980","total":"5980","asin":"B08C1W5N87"},{"line_id":"25012345678902","sku":"FIRE-TV-4K-MAX-JP","channel_sku":"FIRE-TV-4K-MAX-JP","title":"Fire TV Stick 4K Max ストリーミングデバイス","qty":2,"unit_price":"6980","total":"13960","asin":"B07PFFMP9P"}],"totals":{"subtotal":"19940","shipping":"0","discount":"0","tax":"0","total":"19940"},"fulfilled_by":"AMAZON","marketplace":"Amazon.co.jp","seller_order_id":"JP-ORDER-2024-001"}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT currency, total FROM orders")" "JPY|19940"
}

@test "amazon-spapi-2026: an unshipped merchant order is open; Amazon's own is not ours to ship" {
	skip_without_samples
	jq '.orders[0].fulfillment.fulfilledBy = "MERCHANT" | .orders[0].fulfillment.fulfillmentStatus = "UNSHIPPED"
		| .orders += [.orders[0] | .orderId = "250-0000000-0000002" | .fulfillment.fulfilledBy = "AMAZON"]' "$SP26" > two.json
	run --separate-stderr oms-import two.json
	assert_success
	run jq -c '[.external_id, .status, .fulfilled_by]' <<<"$output"
	assert_output '["250-1234567-8901234","open","MERCHANT"]
["250-0000000-0000002","fulfilled","AMAZON"]'
}

@test "orders one JSON document a line: a broken line is named and the rest go in" {
	jq -c '.[]' "$FIX/woocommerce-orders.json" | sed '2s/^{/{ broken/' > orders.jsonl
	run --separate-stderr oms-import --rejects r.jsonl orders.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: orders.jsonl:2: invalid JSON"
	assert_equal "$(jq -r .external_id <<<"$output" | tr '\n' ' ')" "1001 1003 1004 1005 1006 "
	assert_equal "$(jq -r .raw r.jsonl | cut -c1-8)" "{ broken"
}
