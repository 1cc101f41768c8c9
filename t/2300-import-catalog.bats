#!/usr/bin/env bats
# oms-import and the catalog: channel SKUs map to master SKUs through
# listings; an unknown channel SKU holds the order; a channel with no
# listings keeps its SKUs; release maps the lines again.

load helper

# shopify-small.csv with #1002 paid: a pending payment would hold it too,
# and these tests are about its sku.
SMALL="$BATS_FILE_TMPDIR/shopify-small-paid.csv"
setup_file() {
	sed 's/^#1002,bea@example.com,pending,,/#1002,bea@example.com,paid,2026-11-21 17:02:11 +0000,/' \
	    "$BATS_TEST_DIRNAME/fixtures/shopify-small.csv" > "$SMALL"
}

# Master SKUs with other names than Shopify's, and listings for two of
# the three SKUs of shopify-small.csv (the mug's listing has ended).
catalog() {
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"TEE-BLACK-M","title":"Tee black M"}
{"type":"product","sku":"MUG-WHITE-11","title":"Mug white 11oz"}
{"type":"product","sku":"SOCKS-3","title":"Socks, three"}
{"type":"listing","channel":"shopify","channel_sku":"TEE-BLK-M","sku":"TEE-BLACK-M","price":"19.99","currency":"USD"}
{"type":"listing","channel":"shopify","channel_sku":"MUG-WHT","sku":"MUG-WHITE-11","active":false}
EOF
}

add_sock_listing() {
	oms-stock >/dev/null <<<'{"type":"listing","channel":"shopify","channel_sku":"SOCK-3PK","sku":"SOCKS-3"}'
}

# Each order printed: id, status, reasons, and each line's sku and
# channel_sku.
summary() {
	jq -c '{id,status,hold_reasons,lines:[.lines[]|[.sku,.channel_sku]]}'
}

lines_in_db() {
	sqlite3 "$OMS_DB" "SELECT order_id, line_no, sku, channel_sku FROM order_lines ORDER BY 1, 2"
}

@test "a channel with listings: lines carry the master sku and the channel's sku" {
	catalog
	run --separate-stderr oms-import "$SMALL"
	assert_success
	assert_equal "$stderr" ""
	run summary <<<"$output"
	assert_output - <<'OUT'
{"id":"o_1","status":"open","hold_reasons":null,"lines":[["TEE-BLACK-M","TEE-BLK-M"],["MUG-WHITE-11","MUG-WHT"]]}
{"id":"o_2","status":"hold","hold_reasons":["line 1 (Socks 3-pack): unknown sku 'SOCK-3PK' on shopify"],"lines":[["SOCK-3PK","SOCK-3PK"]]}
{"id":"o_3","status":"hold","hold_reasons":["line 1 (Mystery Box): no sku"],"lines":[[null,null]]}
OUT
	# order_lines holds the master sku, so stock and routing join on it.
	run lines_in_db
	assert_output - <<'OUT'
1|1|TEE-BLACK-M|TEE-BLK-M
1|2|MUG-WHITE-11|MUG-WHT
2|1|SOCK-3PK|SOCK-3PK
3|1||
OUT
	run sqlite3 "$OMS_DB" "SELECT l.order_id, l.line_no, p.title FROM order_lines l JOIN products p ON p.sku = l.sku ORDER BY 1, 2"
	assert_output - <<'OUT'
1|1|Tee black M
1|2|Mug white 11oz
OUT
	# The stored record says the same as the output.
	run oms-import --all "$SMALL"
	assert_success
	run summary <<<"$output"
	assert_line --index 0 '{"id":"o_1","status":"open","hold_reasons":null,"lines":[["TEE-BLACK-M","TEE-BLK-M"],["MUG-WHITE-11","MUG-WHT"]]}'
	run oms check
	assert_success
}

@test "the unknown-sku hold is in the created event and counted as held" {
	catalog
	run --separate-stderr oms-import -v "$SMALL"
	assert_success
	assert_equal "${stderr_lines[1]}" "oms-import: 3 created, 0 updated, 0 unchanged, 0 older, 2 held, 0 rejected"
	run sqlite3 "$OMS_DB" "SELECT action, after FROM events WHERE order_id = 2"
	assert_output "created|{\"status\":\"hold\",\"hold_reasons\":[\"line 1 (Socks 3-pack): unknown sku 'SOCK-3PK' on shopify\"]}"
}

@test "a channel with no listings keeps its skus as they are" {
	# Listings exist, but none for shopify: its catalog is not set up yet.
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"TEE-BLACK-M"}
{"type":"listing","channel":"amazon","channel_sku":"TEE-BLK-M","sku":"TEE-BLACK-M"}
EOF
	run --separate-stderr oms-import "$SMALL"
	assert_success
	assert_equal "$stderr" ""
	run summary <<<"$output"
	assert_output - <<'OUT'
{"id":"o_1","status":"open","hold_reasons":null,"lines":[["TEE-BLK-M","TEE-BLK-M"],["MUG-WHT","MUG-WHT"]]}
{"id":"o_2","status":"open","hold_reasons":null,"lines":[["SOCK-3PK","SOCK-3PK"]]}
{"id":"o_3","status":"hold","hold_reasons":["line 1 (Mystery Box): no sku"],"lines":[[null,null]]}
OUT
	run lines_in_db
	assert_output - <<'OUT'
1|1|TEE-BLK-M|TEE-BLK-M
1|2|MUG-WHT|MUG-WHT
2|1|SOCK-3PK|SOCK-3PK
3|1||
OUT
}

@test "after the missing listing is added, re-import changes nothing and release maps the line" {
	catalog
	oms-import "$SMALL" >/dev/null
	run --separate-stderr oms-import release o_2
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: o_2: line 1 (Socks 3-pack): unknown sku 'SOCK-3PK' on shopify (--force releases it anyway)"
	add_sock_listing
	# A listing change alone rewrites no order.
	run --separate-stderr oms-import -v "$SMALL"
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 3 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, sku FROM orders JOIN order_lines ON order_id = id WHERE id = 2")" "hold|SOCK-3PK"
	# Release looks the listing up again: no --force needed.
	OMS_NOW=2026-11-26T08:00:00Z run --separate-stderr oms-import release o_2
	assert_success
	assert_equal "$stderr" "oms-import: released o_2"
	run summary <<<"$output"
	assert_output '{"id":"o_2","status":"open","hold_reasons":null,"lines":[["SOCKS-3","SOCK-3PK"]]}'
	run lines_in_db
	assert_line --index 2 "2|1|SOCKS-3|SOCK-3PK"
	run sqlite3 "$OMS_DB" "SELECT at, action, json_extract(before, '$.hold_reasons'), json_extract(before, '$.lines[0].sku'), json_extract(after, '$.status'), json_extract(after, '$.lines[0].sku'), json_extract(after, '$.lines[0].channel_sku') FROM events WHERE order_id = 2 ORDER BY id DESC LIMIT 1"
	assert_output "2026-11-26T08:00:00Z|released|[\"line 1 (Socks 3-pack): unknown sku 'SOCK-3PK' on shopify\"]|SOCK-3PK|open|SOCKS-3|SOCK-3PK"
	run oms-import --all "$SMALL"
	run summary <<<"$output"
	assert_line --index 1 '{"id":"o_2","status":"open","hold_reasons":null,"lines":[["SOCKS-3","SOCK-3PK"]]}'
	# The channel's export, still unchanged, leaves the release alone.
	run --separate-stderr oms-import -v "$SMALL"
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 3 unchanged, 0 older, 0 held, 0 rejected"
	run oms check
	assert_success
}

@test "a line with no title is named by number; a forced release keeps the unknown sku as given" {
	catalog
	# A master SKU of the same name is no listing: the line still holds.
	oms-stock >/dev/null <<<'{"type":"product","sku":"BOX-9"}'
	cat > in.jsonl <<'EOF'
{"type":"order","channel":"shopify","external_id":"X-1","currency":"USD","ship_to":{"address1":"1 A St","city":"X","postal_code":"10001","country":"US"},"lines":[{"sku":"TEE-BLK-M","qty":1,"unit_price":"1.00"},{"sku":"BOX-9","qty":1,"unit_price":"1.00"}]}
EOF
	run --separate-stderr oms-import --channel oms in.jsonl
	assert_success
	run summary <<<"$output"
	assert_output '{"id":"o_1","status":"hold","hold_reasons":["line 2: unknown sku '"'BOX-9'"' on shopify"],"lines":[["TEE-BLACK-M","TEE-BLK-M"],["BOX-9",null]]}'
	run --separate-stderr oms-import release --force o_1
	assert_failure 1
	assert_equal "$stderr" "oms-import: order o_1 line 2 cannot ship as it is (unknown sku): say --lines cancel or --lines keep"
	run --separate-stderr oms-import release --force --lines keep o_1
	assert_success
	run summary <<<"$output"
	assert_output '{"id":"o_1","status":"open","hold_reasons":null,"lines":[["TEE-BLACK-M","TEE-BLK-M"],["BOX-9",null]]}'
	run sqlite3 "$OMS_DB" "SELECT action, after FROM events WHERE order_id = 1 ORDER BY id DESC LIMIT 1"
	assert_output 'released|{"status":"open","forced":true,"kept_lines":[2]}'
}

@test "a listing added later maps the lines of a release that needs it, and of a changed order" {
	catalog
	oms-import "$SMALL" >/dev/null
	add_sock_listing
	# The channel changes the order: the update maps its lines again.
	sed 's/^#1002,bea@example.com,/#1002,bea@example.org,/' "$SMALL" > newer.csv
	run --separate-stderr oms-import newer.csv
	assert_success
	run summary <<<"$output"
	assert_output '{"id":"o_2","status":"open","hold_reasons":null,"lines":[["SOCKS-3","SOCK-3PK"]]}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku FROM order_lines WHERE order_id = 2")" "SOCKS-3"
	run sqlite3 "$OMS_DB" "SELECT json_extract(before, '$.lines[0].sku'), json_extract(after, '$.lines[0].sku'), json_extract(after, '$.status') FROM events WHERE order_id = 2 ORDER BY id DESC LIMIT 1"
	assert_output "SOCK-3PK|SOCKS-3|open"
}

@test "canonical records map too, and feeding the output back changes nothing" {
	catalog
	cat > in.jsonl <<'EOF'
{"type":"order","channel":"shopify","external_id":"C-1","currency":"USD","ship_to":{"address1":"1 A St","city":"X","postal_code":"10001","country":"US"},"lines":[{"sku":"TEE-BLK-M","title":"Tee","qty":1,"unit_price":"1.00"},{"channel_sku":"MUG-WHT","qty":2,"unit_price":"2.00"}]}
{"type":"order","channel":"shopify","external_id":"C-2","currency":"USD","ship_to":{"address1":"1 A St","city":"X","postal_code":"10001","country":"US"},"lines":[{"sku":"TEE-BLK-M","qty":1,"unit_price":"1.00"},{"sku":"GIFT-25","title":"Gift card","qty":1,"unit_price":"25.00","requires_shipping":false}]}
EOF
	run --separate-stderr oms-import --channel oms in.jsonl
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > out.jsonl
	# A line that ships nothing (a gift card) needs no listing.
	run jq -c '{id,status,lines:[.lines[]|[.sku,.channel_sku,.title]]}' out.jsonl
	assert_output - <<'OUT'
{"id":"o_1","status":"open","lines":[["TEE-BLACK-M","TEE-BLK-M","Tee"],["MUG-WHITE-11","MUG-WHT",null]]}
{"id":"o_2","status":"open","lines":[["TEE-BLACK-M","TEE-BLK-M",null],["GIFT-25",null,"Gift card"]]}
OUT
	run --separate-stderr oms-import -v --channel oms in.jsonl
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 2 unchanged, 0 older, 0 held, 0 rejected"
	run --separate-stderr oms-import -v --channel oms out.jsonl
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 2 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events")" "2"
}

@test "a dry run maps and holds as the real import would, and writes nothing" {
	catalog
	run --separate-stderr oms-import --dry-run "$SMALL"
	assert_success
	run summary <<<"$output"
	assert_line --index 1 '{"id":"o_2","status":"hold","hold_reasons":["line 1 (Socks 3-pack): unknown sku '"'SOCK-3PK'"' on shopify"],"lines":[["SOCK-3PK","SOCK-3PK"]]}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "0"
}
