#!/usr/bin/env bats
# What a hostile probe found (issue 13), defect 3: ids of 16 digits and
# more, sent as JSON numbers, came out rounded ("9.1e+15"), so two
# WooCommerce orders became one and a Shopify id was stored wrong.  An
# id is text, digit for digit, whatever the JSON number; a count or an
# amount that large is still refused.

load helper

W="$FIX/woocommerce-wide-ids.json"
S="$FIX/shopify-rest-wide-ids.json"

ids() {
	jq -c '{external_id,woocommerce_id,shopify_id,
		lines:[.lines[]|{line_id,sku,product_id,variation_id}]}'
}

lines_db() {
	sqlite3 "$OMS_DB" "SELECT o.id, o.channel, o.external_id, l.line_no,
		l.line_id, l.sku FROM orders o JOIN order_lines l ON
		l.order_id = o.id ORDER BY 1, 4"
}

# A canonical order of one line, with $1 as its external_id and $2 as
# the line's fields, written as JSON text (jq would round the numbers).
canon() {
	printf '{"type":"order","channel":"oms","external_id":%s,"status":"open","currency":"USD","ship_to":{"name":"A B","address1":"1 Main St","city":"Austin","region":"TX","postal_code":"78701","country":"US"},"lines":[{%s}]}\n' "$1" "$2"
}

@test "woocommerce: two orders whose ids differ past the 15th digit are two orders, every digit kept" {
	run --separate-stderr oms-import -v "$W"
	assert_success
	assert_equal "$stderr" "oms-import: $W: read as woocommerce (channel woocommerce)
oms-import: 2 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	run ids <<<"$output"
	assert_output - <<'OUT'
{"external_id":"9100000000000001","woocommerce_id":"9100000000000001","shopify_id":null,"lines":[{"line_id":"9100000000000310","sku":"MUG-SAUCER-BL","product_id":"9100000000000200","variation_id":"9100000000000250"},{"line_id":"9100000000000311","sku":"TOWEL-LIN","product_id":"9100000000000201","variation_id":null},{"line_id":"9100000000000312","sku":"COASTER-OAK","product_id":"9100000000000202","variation_id":null}]}
{"external_id":"9100000000000002","woocommerce_id":"9100000000000002","shopify_id":null,"lines":[{"line_id":"9100000000000320","sku":"MUG-SAUCER-BL","product_id":"9100000000000200","variation_id":"9100000000000250"},{"line_id":"9100000000000321","sku":"TOWEL-LIN","product_id":"9100000000000201","variation_id":null},{"line_id":"9100000000000322","sku":"COASTER-OAK","product_id":"9100000000000202","variation_id":null}]}
OUT
	run lines_db
	assert_output - <<'OUT'
1|woocommerce|9100000000000001|1|9100000000000310|MUG-SAUCER-BL
1|woocommerce|9100000000000001|2|9100000000000311|TOWEL-LIN
1|woocommerce|9100000000000001|3|9100000000000312|COASTER-OAK
2|woocommerce|9100000000000002|1|9100000000000320|MUG-SAUCER-BL
2|woocommerce|9100000000000002|2|9100000000000321|TOWEL-LIN
2|woocommerce|9100000000000002|3|9100000000000322|COASTER-OAK
OUT
	run sqlite3 "$OMS_DB" "SELECT id, json_extract(record, '$.woocommerce_id')
		FROM orders ORDER BY id"
	assert_output $'1|9100000000000001\n2|9100000000000002'
}

@test "woocommerce: the same file again finds the same two orders" {
	oms-import "$W" >/dev/null
	run --separate-stderr oms-import -v "$W"
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-import: $W: read as woocommerce (channel woocommerce)
oms-import: 0 created, 0 updated, 2 unchanged, 0 older, 0 held, 0 rejected"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM orders"
	assert_output 2
}

@test "shopify-rest: an order id of 19 digits and line ids of 20 keep every digit, in the output and the database, and again" {
	run --separate-stderr oms-import "$S"
	assert_success
	run ids <<<"$output"
	assert_output '{"external_id":"#1001","woocommerce_id":null,"shopify_id":"5823749823749823749","lines":[{"line_id":"14600000000000000001","sku":"IPOD2008GREEN","product_id":null,"variation_id":null},{"line_id":"14600000000000000002","sku":"IPOD2008RED","product_id":null,"variation_id":null},{"line_id":"14600000000000000003","sku":"IPOD2008BLACK","product_id":null,"variation_id":null}]}'
	run lines_db
	assert_output - <<'OUT'
1|shopify|#1001|1|14600000000000000001|IPOD2008GREEN
1|shopify|#1001|2|14600000000000000002|IPOD2008RED
1|shopify|#1001|3|14600000000000000003|IPOD2008BLACK
OUT
	run sqlite3 "$OMS_DB" "SELECT json_extract(record, '$.shopify_id')
		FROM orders"
	assert_output 5823749823749823749
	run --separate-stderr oms-import -v "$S"
	assert_success
	assert_equal "$stderr" "oms-import: $S: read as shopify-rest (channel shopify)
oms-import: 0 created, 0 updated, 1 unchanged, 0 older, 0 held, 0 rejected"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM orders"
	assert_output 1
}

@test "shopify-rest: one order a line (JSON lines) keeps every digit too" {
	tr -d '\n' < "$S" > one.jsonl
	echo >> one.jsonl
	run --separate-stderr oms-import --channel shopify one.jsonl
	assert_success
	assert_equal "$stderr" ""
	run jq -c '[.shopify_id, (.lines[] | .line_id)]' <<<"$output"
	assert_output '["5823749823749823749","14600000000000000001","14600000000000000002","14600000000000000003"]'
}

@test "canonical records: an external_id, a line id and a SKU of 20 digits are kept as their digits; again finds the same order; a broken line is named at its column" {
	canon 12345678901234567890 '"line_id":98765432109876543210,"sku":11112222333344445555,"qty":1,"unit_price":"5.00"' > in.jsonl
	canon 12345678901234567891 '"line_id":9007199254740993,"sku":"A","qty":2,"unit_price":"5.00"' >> in.jsonl
	# A broken line after wide numbers is named at its column as written.
	echo '{"type":"order","external_id":12345678901234567890,"y":98765432109876543210 "x":1}' >> in.jsonl
	run --separate-stderr oms-import in.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: in.jsonl:3: invalid JSON at column 77"
	run jq -c '[.id, .external_id, (.lines[] | .line_id, .sku)]' <<<"$output"
	assert_output - <<'OUT'
["o_1","12345678901234567890","98765432109876543210","11112222333344445555"]
["o_2","12345678901234567891","9007199254740993","A"]
OUT
	run lines_db
	assert_output - <<'OUT'
1|oms|12345678901234567890|1|98765432109876543210|11112222333344445555
2|oms|12345678901234567891|1|9007199254740993|A
OUT
	run --separate-stderr oms-import -v in.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: in.jsonl: read as oms (channel oms)
oms-import: in.jsonl:3: invalid JSON at column 77
oms-import: 0 created, 0 updated, 2 unchanged, 0 older, 0 held, 1 rejected"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM orders"
	assert_output 2
}

@test "an id in exponent notation or with a fraction is refused, naming file, line and order" {
	canon 1e20 '"sku":"A","qty":1,"unit_price":"5.00"' > in.jsonl
	canon '"E2"' '"line_id":12.5,"sku":"A","qty":1,"unit_price":"5.00"' >> in.jsonl
	canon '"E3"' '"sku":1.5e3,"qty":1,"unit_price":"5.00"' >> in.jsonl
	canon 5.12e3 '"sku":"A","qty":1,"unit_price":"5.00"' >> in.jsonl
	run --separate-stderr oms-import in.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: in.jsonl:1: external_id: the number 1e+20 is not a whole number up to 2^53, so no id: send an id as a string, or as a whole number in plain digits
oms-import: in.jsonl:2: order E2: line 1: line_id: the number 12.5 is not a whole number up to 2^53, so no id: send an id as a string, or as a whole number in plain digits"
	# A whole number a double holds exactly is that number, however written.
	run jq -c '[.external_id, .lines[0].sku]' <<<"$output"
	assert_output $'["E3","1500"]\n["5120","A"]'
	sed '0,/"id": 9100000000000001/s//"id": 1e20/' "$W" > e.json
	sed '0,/"number": 9100000000000002/s//"number": 9100000000000002.5/' \
		"$W" > f.json
	run --separate-stderr oms-import e.json f.json
	assert_failure 1
	assert_equal "$stderr" "oms-import: e.json:2: record 1: order 9100000000000001: id: the number 1e+20 is not a whole number up to 2^53, so no id: send an id as a string, or as a whole number in plain digits
oms-import: f.json:154: record 2: order ?: number: the number 9100000000000002 is not a whole number up to 2^53, so no id: send an id as a string, or as a whole number in plain digits"
	run jq -c '.external_id' <<<"$output"
	assert_output $'"9100000000000002"\n"9100000000000001"'
}

@test "a quantity or an amount of 20 digits is refused, not kept as text" {
	canon '"E1"' '"sku":"A","qty":12345678901234567890,"unit_price":"5.00"' > in.jsonl
	canon '"E2"' '"sku":"A","qty":1234567890123456789,"unit_price":"5.00"' >> in.jsonl
	canon '"E3"' '"sku":"A","qty":1,"unit_price":12345678901234567890' >> in.jsonl
	run --separate-stderr oms-import in.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: in.jsonl:1: order E1: line 1: quantity '12345678901234567890' is not a whole number
oms-import: in.jsonl:2: order E2: line 1: quantity 1234567890123456789 is out of range (1 to 1000000)
oms-import: in.jsonl:3: order E3: line 1: unit_price: amount '12345678901234567890' is too large"
	sed '0,/"quantity": 2/s//"quantity": 1234567890123456789/' "$W" > q.json
	sed '0,/"total": "47.20"/s//"total": 12345678901234567890/' "$W" > m.json
	run --separate-stderr oms-import q.json m.json
	assert_failure 1
	assert_equal "$stderr" "oms-import: q.json:2: record 1: order 9100000000000001: line 1: quantity: 1234567890123456789 is out of range
oms-import: m.json:2: record 1: order 9100000000000001: total: '12345678901234567890' is not an amount"
	run sqlite3 "$OMS_DB" "SELECT external_id FROM orders ORDER BY id"
	assert_output 9100000000000002
}

@test "oms-stock: a SKU sent as a number is its digits, short or 20 long, in products, kits and movements; a fraction is refused" {
	cat > in.jsonl <<'IN'
{"type":"location","id":"L1","name":"Main","kind":"warehouse"}
{"type":"product","sku":123,"title":"Short"}
{"type":"product","sku":12345678901234567890,"title":"Long"}
{"type":"product","sku":"K","title":"Kit"}
{"type":"kit","sku":"K","components":[{"sku":123,"qty":1},{"sku":12345678901234567890,"qty":2}]}
{"type":"movement","kind":"receive","sku":12345678901234567890,"location":"L1","qty":5,"key":"r1"}
{"type":"product","sku":1.5,"title":"Half"}
{"type":"kit","sku":"K2","components":[{"sku":12.5,"qty":1}]}
IN
	run --separate-stderr oms-stock in.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-stock: in.jsonl:7: sku: the number 1.5 is not a whole number up to 2^53, so no id: send an id as a string, or as a whole number in plain digits
oms-stock: in.jsonl:8: component 1: sku: the number 12.5 is not a whole number up to 2^53, so no id: send an id as a string, or as a whole number in plain digits"
	run jq -c 'select(.type != "location") | [.type, .sku, ([.components[]?.sku])]' <<<"$output"
	assert_output - <<'OUT'
["product","123",[]]
["product","12345678901234567890",[]]
["product","K",[]]
["kit","K",["123","12345678901234567890"]]
["movement","12345678901234567890",[]]
OUT
	run sqlite3 "$OMS_DB" "SELECT sku FROM products ORDER BY sku"
	assert_output $'123\n12345678901234567890\nK'
}
