#!/usr/bin/env bats
# oms-return import: the channels' return and refund files become
# returns, receipts, inspections, cancels and refunds on the right
# orders, exactly once however often the file is read.

load helper

E="$FIX/returns/e2e"
export OMS_NOW=2026-12-02T12:00:00Z

setup_stock() {
	oms-stock >/dev/null <<'JSON'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"}}
{"type":"location","id":"amazon-fba","name":"Amazon's warehouses","kind":"3pl","ships":false}
{"type":"product","sku":"A","weight_g":400}
{"type":"product","sku":"MUG-BLU-12","weight_g":400}
{"type":"product","sku":"TEE-M-BLK","weight_g":200}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}
JSON
}

amazon_order() {
	jq -nc --arg e "$1" --argjson l "$2" '{type:"order",channel:"amazon",
	    external_id:$e,placed_at:"2026-11-10T00:00:00Z",currency:"USD",
	    customer:{email:"al@example.com"},ship_to:{name:"Al",
	    address1:"1 Main St",city:"New York",region:"NY",
	    postal_code:"10001",country:"US"},lines:$l}' |
	    oms-import --channel oms >/dev/null
}

@test "Amazon's FBA returns report: judged units restocked or disposed at the channel's pool, once; a row of no order named" {
	setup_stock
	amazon_order 114-3941689-8772232 '[{"sku":"MUG-BLU-12","qty":1,"unit_price":"24.99","fulfilled":true},{"sku":"TEE-M-BLK","qty":2,"unit_price":"19.00","fulfilled":true}]'
	run --separate-stderr oms-return import -q --format amazon-fba-returns \
	    --location amazon-fba --rejects rej.txt "$E/fba.txt"
	assert_failure 1
	assert_equal "$(jq -c '[.id, .state, .channel_rma, [.lines[] | [.sku, .qty, .reason, .received, .inspected]], [.units[] | [.sku, .location, .disposition]]]' <<<"$output")" \
'["r_1","closed",null,[["MUG-BLU-12",1,"unwanted",1,1]],[["MUG-BLU-12","amazon-fba","restock"]]]
["r_2","closed",null,[["TEE-M-BLK",1,"size_too_small",1,1]],[["TEE-M-BLK","amazon-fba","dispose"]]]'
	assert_equal "$stderr" "oms-return: $E/fba.txt:4: no order 'amazon:114-0000000-0000000'"
	grep -q 'LPNRR323456789' rej.txt
	run sqlite3 "$OMS_DB" "SELECT sku, location, on_hand FROM levels WHERE location LIKE 'amazon-fba%' ORDER BY 1, 2;
	    SELECT kind, sku, location, qty, reason FROM movements WHERE ref LIKE 'r_%' ORDER BY id;
	    SELECT status FROM orders"
	assert_output - <<'OUT'
MUG-BLU-12|amazon-fba|1
MUG-BLU-12|amazon-fba/returns|0
TEE-M-BLK|amazon-fba/returns|0
receive|MUG-BLU-12|amazon-fba/returns|1|returned: r_1 line 1
transfer_out|MUG-BLU-12|amazon-fba/returns|-1|restocked: r_1 line 1
transfer_in|MUG-BLU-12|amazon-fba|1|restocked: r_1 line 1
receive|TEE-M-BLK|amazon-fba/returns|1|returned: r_2 line 1
damage|TEE-M-BLK|amazon-fba/returns|-1|disposed: r_2 line 1
partly_returned
OUT
	# The report read again, as a daily cron job does: nothing new.
	run --separate-stderr oms-return import -v --format amazon-fba-returns \
	    --location amazon-fba "$E/fba.txt"
	assert_failure 1
	assert_equal "$(jq -c '[.id, .duplicate]' <<<"$output")" '["r_1",true]
["r_2",true]'
	assert_equal "${stderr_lines[1]}" "oms-return: 0 applied, 2 already so, 1 refused"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements WHERE ref LIKE 'r_%'; SELECT count(*) FROM returns")" "5
2"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "Amazon's merchant returns report: authorised by Amazon, received into quarantine, refunded by Amazon; inspection stays ours" {
	setup_stock
	amazon_order 111-2223334-4445556 '[{"sku":"A","qty":2,"unit_price":"10.00"}]'
	oms-route --pending >alloc.jsonl
	oms-ship -q --carrier offline --labels labels alloc.jsonl >/dev/null
	run --separate-stderr oms-return import --format amazon-returns "$E/mfn.txt"
	assert_success
	assert_equal "$(jq -c 'select(.type == "return") | [.id, .state, .channel_rma, .tracking, .location, [.lines[] | [.sku, .qty, .reason, .received]]]' <<<"$output")" \
	    '["r_1","received","Dq4Fv8RdRRMA","1Z999AA10123456784","EWR1",[["A",1,"defective",1]]]'
	assert_equal "$(jq -c 'select(.type == "refund") | [.id, .source, .state, .total, .return]' <<<"$output")" \
	    '["f_1","channel","sent","10.00","r_1"]'
	# Amazon paid it back: the policy's refund at receipt owes nothing more.
	run oms-return refunds
	assert_success
	assert_output ""
	run sqlite3 "$OMS_DB" "SELECT sku, location, on_hand FROM levels ORDER BY 1, 2"
	assert_output - <<'OUT'
A|EWR1|3
A|EWR1/returns|1
OUT
	run oms-return inspect --disposition restock Dq4Fv8RdRRMA 1
	assert_success
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","closed"]'
	run oms-return import --format amazon-returns "$E/mfn.txt"
	assert_success
	assert_equal "$(jq -c '[.type, .id, .duplicate]' <<<"$output")" '["return","r_1",true]
["refund","f_1",true]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, location, on_hand FROM levels ORDER BY 1, 2; SELECT count(*) FROM refunds")" "A|EWR1|4
A|EWR1/returns|0
1"
	run oms check
	assert_success
}

@test "Shopify's refund (the real sample): units that never shipped are cancelled at the channel's word, its money kept as a refund sent, once" {
	skip_without_samples
	oms-import -q "$OMS_SAMPLES/shopify_rest_order__shopify_python_api.json" >/dev/null
	run --separate-stderr oms-return import --format shopify-refund \
	    "$OMS_SAMPLES/shopify_rest_refund__shopify_python_api.json"
	assert_success
	assert_equal "$(jq -c '[.type, .id, .source, .state, .total, [.lines[] | [.order_line, .qty]], .notes]' <<<"$output")" \
	    '["refund","f_1","channel","sent","209.00",[[1,1],[3,1]],["the channel paid back 209.00; the lines come to 405.96"]]'
	run sqlite3 "$OMS_DB" "SELECT line_no, sku, qty, cancelled FROM order_lines ORDER BY 1;
	    SELECT source, reason, state FROM cancel_requests"
	assert_output - <<'OUT'
1|IPOD2008GREEN|1|1
2|IPOD2008RED|1|0
3|IPOD2008BLACK|1|1
channel|refunded at the channel: shopify-refund:509562969|done
OUT
	run --separate-stderr oms-return import --format shopify-refund \
	    "$OMS_SAMPLES/shopify_rest_refund__shopify_python_api.json"
	assert_success
	assert_equal "$(jq -c '[.id, .duplicate]' <<<"$output")" '["f_1",true]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM refunds; SELECT count(*) FROM cancel_requests; SELECT sum(cancelled) FROM order_lines")" "1
1
2"
	run oms check
	assert_success
}

@test "import: a format that does not exist, no --format, a file that is not there" {
	run --separate-stderr oms-return import --format nosuch /dev/null
	assert_failure 2
	assert_equal "$stderr" "oms-return: no return format 'nosuch' (returns/formats/nosuch.json on the search path)"
	run --separate-stderr oms-return import /dev/null
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-return: import needs --format"
	run --separate-stderr oms-return import --format amazon-fba-returns nosuch.txt
	assert_failure 1
	assert_equal "${stderr_lines[0]}" "oms-return: cannot open 'nosuch.txt': No such file or directory"
}
