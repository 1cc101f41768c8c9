#!/usr/bin/env bats
# oms-import: exactly once, whole or not at all, holds, rejects, release.

load helper

SMALL="$FIX/shopify-small.csv"

# The fields that matter of each order printed, one line each.
summary() {
	jq -c '{id,external_id,status,hold_reasons,placed_at,currency,
		total:.totals.total,lines:[.lines[]|[.sku,.qty,.unit_price]]}'
}

orders_in_db() {
	sqlite3 "$OMS_DB" "SELECT id, channel, external_id, status, total FROM orders ORDER BY id"
}

@test "import prints one canonical record per order and stores it whole" {
	run --separate-stderr oms-import --channel shopify "$SMALL"
	assert_success
	assert_equal "$stderr" ""
	run summary <<<"$output"
	assert_output - <<'OUT'
{"id":"o_1","external_id":"#1001","status":"open","hold_reasons":null,"placed_at":"2026-11-20T14:15:00Z","currency":"USD","total":"61.14","lines":[["TEE-BLK-M",2,"19.99"],["MUG-WHT",1,"12.00"]]}
{"id":"o_2","external_id":"#1002","status":"hold","hold_reasons":["awaiting payment (payment status pending)"],"placed_at":"2026-11-21T17:02:11Z","currency":"EUR","total":"16.50","lines":[["SOCK-3PK",3,"5.50"]]}
{"id":"o_3","external_id":"#1003","status":"hold","hold_reasons":["line 1 (Mystery Box): no sku"],"placed_at":"2026-11-22T15:00:00Z","currency":"USD","total":"25.00","lines":[[null,1,"25.00"]]}
OUT
	run orders_in_db
	assert_output - <<'OUT'
1|shopify|#1001|open|6114
2|shopify|#1002|hold|1650
3|shopify|#1003|hold|2500
OUT
	run sqlite3 "$OMS_DB" "SELECT order_id, line_no, sku, qty, unit_price FROM order_lines ORDER BY 1, 2"
	assert_output - <<'OUT'
1|1|TEE-BLK-M|2|1999
1|2|MUG-WHT|1|1200
2|1|SOCK-3PK|3|550
3|1||1|2500
OUT
	run sqlite3 "$OMS_DB" "SELECT order_id, program, action, before, after FROM events ORDER BY id"
	assert_output - <<'OUT'
1|oms-import|created||{"status":"open"}
2|oms-import|created||{"status":"hold","hold_reasons":["awaiting payment (payment status pending)"]}
3|oms-import|created||{"status":"hold","hold_reasons":["line 1 (Mystery Box): no sku"]}
OUT
}

@test "the address, the Excel-guarded zip and the multi-line note survive" {
	oms-import "$SMALL" > out.jsonl
	run jq -c 'select(.external_id=="#1001") | {ship_to, note_attributes}' out.jsonl
	assert_output '{"ship_to":{"name":"Ada Lovelace","address1":"12 Main St","city":"Newark","region":"NJ","postal_code":"07102","country":"US","phone":"+1 973 555 0100"},"note_attributes":"Gift: yes\nFrom: Bob"}'
}

@test "a BOM and CRLF line ends change nothing" {
	oms-import "$SMALL" > a.jsonl
	fresh_db
	oms-import "$FIX/shopify-small-bom-crlf.csv" > b.jsonl
	run diff a.jsonl b.jsonl
	assert_success
}

@test "importing the same file again changes nothing and prints nothing" {
	oms-import "$SMALL" >/dev/null
	before=$(sqlite3 "$OMS_DB" "SELECT count(*), max(updated_at) FROM orders; SELECT count(*) FROM events; SELECT count(*) FROM order_lines")
	run --separate-stderr oms-import -v "$SMALL"
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-import: $SMALL: read as shopify-csv (channel shopify)
oms-import: 0 created, 0 updated, 3 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), max(updated_at) FROM orders; SELECT count(*) FROM events; SELECT count(*) FROM order_lines")" "$before"
}

@test "--all prints unchanged orders too, as stored" {
	oms-import "$SMALL" > first.jsonl
	run oms-import --all "$SMALL"
	assert_success
	assert_equal "$output" "$(cat first.jsonl)"
}

@test "an overlapping export adds only what is new" {
	oms-import "$SMALL" >/dev/null
	run --separate-stderr oms-import -v "$FIX/shopify-overlap.csv"
	assert_success
	run summary <<<"$output"
	assert_output '{"id":"o_4","external_id":"#1004","status":"open","hold_reasons":null,"placed_at":"2026-11-24T12:00:00Z","currency":"GBP","total":"10.50","lines":[["KEY-01",1,"8.00"]]}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "4"
}

@test "a changed order is updated with an event saying what changed" {
	oms-import "$SMALL" >/dev/null
	OMS_NOW=2026-11-25T10:00:00Z run --separate-stderr oms-import "$FIX/shopify-changed.csv"
	assert_success
	run jq -c '{id,external_id,status,payment,address1:.ship_to.address1}' <<<"$output"
	assert_output '{"id":"o_2","external_id":"#1002","status":"open","payment":{"status":"paid","paid_at":"2026-11-22T09:00:00Z"},"address1":"Torstraße 2"}'
	run sqlite3 "$OMS_DB" "SELECT at, action, before, after FROM events WHERE order_id = 2 ORDER BY id"
	assert_line --index 1 '2026-11-25T10:00:00Z|updated|{"ship_to":{"name":"Beate Müller","address1":"Torstraße 1","city":"Berlin","region":"BE","postal_code":"10115","country":"DE","phone":"+49 30 5550100"},"payment":{"status":"pending"},"status":"hold"}|{"ship_to":{"name":"Beate Müller","address1":"Torstraße 2","city":"Berlin","region":"BE","postal_code":"10115","country":"DE","phone":"+49 30 5550100"},"payment":{"status":"paid","paid_at":"2026-11-22T09:00:00Z"},"status":"open"}'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT updated_at FROM orders WHERE id = 2")" "2026-11-25T10:00:00Z"
}

@test "an order the channel cancelled becomes cancelled, with the event" {
	oms-import "$SMALL" >/dev/null
	run oms-import "$FIX/shopify-cancelled.csv"
	assert_success
	run jq -c '{id,status,cancelled_at,payment:.payment.status}' <<<"$output"
	assert_output '{"id":"o_1","status":"cancelled","cancelled_at":"2026-11-23T13:00:00Z","payment":"refunded"}'
	run sqlite3 "$OMS_DB" "SELECT json_extract(before, '$.status'), json_extract(after, '$.status') FROM events WHERE order_id = 1 AND action = 'updated'"
	assert_output "open|cancelled"
}

@test "a bad record in the middle is rejected whole; the others go in" {
	run --separate-stderr oms-import --rejects rejects.jsonl "$FIX/shopify-bad-middle.csv"
	assert_failure 1
	assert_equal "$stderr" "oms-import: $FIX/shopify-bad-middle.csv:5: line item 1 of order #1002: Lineitem quantity: 'three' is not a whole number"
	run summary <<<"$output"
	assert_line --index 0 --partial '"external_id":"#1001"'
	assert_line --index 1 --partial '"external_id":"#1003"'
	assert_equal "${#lines[@]}" 2
	run jq -c '{type,program,file,line,reason}' rejects.jsonl
	assert_output "{\"type\":\"error\",\"program\":\"oms-import\",\"file\":\"$FIX/shopify-bad-middle.csv\",\"line\":5,\"reason\":\"line item 1 of order #1002: Lineitem quantity: 'three' is not a whole number\"}"
	# The raw row is kept whole, to be fixed and fed again.
	assert_equal "$(jq -r .raw rejects.jsonl)" "$(sed -n 5p "$FIX/shopify-bad-middle.csv")"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE external_id = '#1002'")" "0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM order_lines")" "3"
}

@test "a rejected multi-row order keeps every row in its error record" {
	sed 's/^#1001,ada@example.com,,,,,,,,,,,,,,2026-11-20 09:15:00 -0500,1,/#1001,ada@example.com,,,,,,,,,,,,,,2026-11-20 09:15:00 -0500,x,/' "$SMALL" > bad.csv
	run --separate-stderr oms-import --rejects r.jsonl bad.csv
	assert_failure 1
	assert_equal "$stderr" "oms-import: bad.csv:4: line item 2 of order #1001: Lineitem quantity: 'x' is not a whole number"
	assert_equal "$(jq -r .raw r.jsonl)" "$(sed -n 2,4p bad.csv)"
	assert_equal "$(jq -r .line r.jsonl)" "4"
}

@test "a file cut inside a quoted field loses only the cut order" {
	off=$(grep -bo 'Gift: yes' "$SMALL" | cut -d: -f1)
	head -c $((off + 4)) "$SMALL" > cut.csv
	run --separate-stderr oms-import --rejects r.jsonl cut.csv
	assert_failure 1
	assert_equal "$stderr" "oms-import: cut.csv:2: the file ends inside this row"
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "0"
}

@test "a file cut in the middle of a row rejects that order and keeps the rest" {
	head -n 5 "$SMALL" > cut.csv
	sed -n 6p "$SMALL" | cut -d, -f1-46 | tr -d '\n' >> cut.csv
	run --separate-stderr oms-import cut.csv
	assert_failure 1
	assert_equal "$stderr" "oms-import: cut.csv:6: 46 fields where the header has 47"
	run summary <<<"$output"
	assert_equal "$(jq -r .external_id <<<"$output" | tr '\n' ' ')" "#1001 #1002 "
}

@test "rows of one order that are not together are refused, not merged" {
	{ cat "$SMALL"; sed -n 4p "$SMALL"; } > split.csv
	run --separate-stderr oms-import split.csv
	assert_failure 1
	assert_equal "$stderr" "oms-import: split.csv:7: order #1001: its rows are not together (the order appeared earlier in the file)"
}

@test "split orders are found past the keys kept in memory too" {
	{ cat "$SMALL"; sed -n 4p "$SMALL"; sed -n 5p "$SMALL"; } > split.csv
	OMS_IMPORT_KEYS=1 run --separate-stderr oms-import split.csv
	assert_failure 1
	assert_equal "$stderr" "oms-import: split.csv:7: order #1001: its rows are not together (the order appeared earlier in the file)
oms-import: split.csv:8: order #1002: its rows are not together (the order appeared earlier in the file)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "3"
}

@test "the wrong channel is refused with a reason" {
	run --separate-stderr oms-import --channel ebay "$SMALL"
	assert_failure 1
	assert_output ""
	[[ "$stderr" == "oms-import: $SMALL: not a ebay file: no header with "*" in its first 20 rows" ]]
	run --separate-stderr oms-import --channel woocommerce "$SMALL"
	assert_failure 1
	assert_equal "$stderr" "oms-import: $SMALL: not a woocommerce file: not JSON"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "0"
}

@test "an unknown channel is a usage error" {
	run --separate-stderr oms-import --channel nosuch "$SMALL"
	assert_failure 2
	assert_equal "$stderr" "oms-import: unknown channel 'nosuch' (oms-import channels lists them)"
}

@test "a file no adapter recognises is refused" {
	printf 'a,b,c\n1,2,3\n' > mystery.csv
	run --separate-stderr oms-import mystery.csv
	assert_failure 1
	assert_equal "$stderr" "oms-import: mystery.csv: not a file of any channel adapter this oms has (oms-import channels lists them)"
}

@test "an empty file imports nothing and is not an error" {
	: > empty.csv
	run --separate-stderr oms-import -v empty.csv
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-import: empty.csv: empty
oms-import: 0 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
}

@test "a missing file is reported and the others still go in" {
	run --separate-stderr oms-import nosuch.csv "$SMALL"
	assert_failure 1
	assert_equal "$stderr" "oms-import: cannot open 'nosuch.csv': No such file or directory"
	assert_equal "${#lines[@]}" 3
}

@test "stdin is read when no file is named" {
	run --separate-stderr oms-import -v < "$SMALL"
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_equal "${stderr_lines[0]}" "oms-import: -: read as shopify-csv (channel shopify)"
}

@test "--dry-run says what would happen and writes nothing" {
	oms init 2>/dev/null
	run --separate-stderr oms-import -n -v "$SMALL"
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_equal "${stderr_lines[1]}" "oms-import: 3 created, 0 updated, 0 unchanged, 0 older, 2 held, 0 rejected (dry run: nothing written)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders; SELECT count(*) FROM events")" "0
0"
}

@test "two imports of the same file at once store each order once" {
	skip_without_samples
	oms init 2>/dev/null
	for i in 1 2 3 4; do oms-import "$OMS_SAMPLES/shopify_orders_export__forezia.csv" > out$i.jsonl & done
	wait
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), count(DISTINCT external_id) FROM orders")" "19|19"
	assert_equal "$(cat out1.jsonl out2.jsonl out3.jsonl out4.jsonl | wc -l)" "19"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events")" "19"
	run oms check
	assert_success
}

@test "a database locked past the timeout gives status 4 and imports nothing" {
	oms init 2>/dev/null
	hold_lock "$OMS_DB" 5
	OMS_BUSY_TIMEOUT=300 run --separate-stderr oms-import "$SMALL"
	kill "$LOCK_PID" 2>/dev/null || true
	assert_failure 4
	assert_output ""
	assert_equal "$stderr" "oms-import: database '$OMS_DB' is busy: another program held it past the 300 ms timeout; try again later"
	wait
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "0"
}

@test "a full disk on stdout fails the run with status 3" {
	run --separate-stderr sh -c "oms-import '$SMALL' > /dev/full"
	assert_failure 3
	assert_equal "$stderr" "oms-import: write error: No space left on device; import batch 1 committed: print its orders again with \`oms-import show --batch 1\`"
}

@test "a held order is released only when its problems are gone, or by force" {
	oms-import "$SMALL" >/dev/null
	run --separate-stderr oms-import release o_3
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: o_3: line 1 (Mystery Box): no sku (--force releases it anyway)"
	# Forced, a line that cannot ship needs a choice: cancel or keep.
	run --separate-stderr oms-import release --force 'shopify:#1003'
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: order o_3 line 1 (Mystery Box) cannot ship as it is (no sku): say --lines cancel or --lines keep"
	OMS_NOW=2026-11-26T08:00:00Z run --separate-stderr oms-import release --force --lines keep 'shopify:#1003'
	assert_success
	assert_equal "$stderr" "oms-import: released o_3"
	run jq -c '{id,status,hold_reasons}' <<<"$output"
	assert_output '{"id":"o_3","status":"open","hold_reasons":null}'
	run sqlite3 "$OMS_DB" "SELECT at, action, before, after FROM events WHERE order_id = 3 ORDER BY id DESC LIMIT 1"
	assert_output '2026-11-26T08:00:00Z|released|{"status":"hold","hold_reasons":["line 1 (Mystery Box): no sku"]}|{"status":"open","forced":true,"kept_lines":[1]}'
	run --separate-stderr oms-import release o_3
	assert_failure 1
	assert_equal "$stderr" "oms-import: order o_3 is not on hold (it is open)"
	run --separate-stderr oms-import release o_99
	assert_failure 1
	assert_equal "$stderr" "oms-import: no order 'o_99'"
}

@test "a held order fixed and fed back as a canonical record is released by the import" {
	oms-import "$SMALL" | jq -c 'select(.external_id == "#1003") | .lines[0].sku = "BOX-1"' > fixed.jsonl
	run --separate-stderr oms-import --channel oms fixed.jsonl
	assert_success
	run jq -c '{id,channel,external_id,status,sku:.lines[0].sku}' <<<"$output"
	assert_output '{"id":"o_3","channel":"shopify","external_id":"#1003","status":"open","sku":"BOX-1"}'
	run sqlite3 "$OMS_DB" "SELECT action, json_extract(before, '$.status'), json_extract(after, '$.status') FROM events WHERE order_id = 3 ORDER BY id"
	assert_output "created||hold
updated|hold|open"
	# The channel's export, unchanged, does not undo the fix...
	run --separate-stderr oms-import -v "$SMALL"
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 3 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, sku FROM orders JOIN order_lines ON order_id = id WHERE id = 3")" "open|BOX-1"
	# ...but a new version of the order from the channel wins.
	sed 's/^#1003,cy@example.com,paid/#1003,cy@example.org,paid/' "$SMALL" > newer.csv
	run oms-import newer.csv
	assert_success
	run jq -c '{id,status,email:.customer.email,sku:.lines[0].sku}' <<<"$output"
	assert_output '{"id":"o_3","status":"hold","email":"cy@example.org","sku":null}'
}

@test "canonical records: bad lines are reported by line and the rest go in" {
	cat > in.jsonl <<'JSONL'
{"type":"order","external_id":"A-1","currency":"USD","ship_to":{"address1":"1 A St","city":"X","postal_code":"10001","country":"US"},"lines":[{"sku":"S1","qty":1,"unit_price":"2.50"}],"custom":{"keep":[1,2]}}
{"type":"order","external_id":"A-2",
{"type":"movement","sku":"S1"}
{"type":"order","external_id":"A-3","currency":"JPY","ship_to":{"address1":"1-1","city":"Tokyo","postal_code":"100-0001","country":"JP"},"lines":[{"sku":"S2","qty":"2","unit_price":"5980"}]}
{"type":"order","external_id":"A-4","currency":"USD","lines":[{"sku":"S1","qty":1,"unit_price":19.99}]}
{"type":"order","external_id":"A-5","currency":"KWD","ship_to":{"address1":"x","city":"Kuwait","postal_code":"13001","country":"KW"},"lines":[{"sku":"S3","qty":1,"unit_price":"1.5"}],"totals":{"total":"1.5"}}
JSONL
	run --separate-stderr oms-import --channel oms --rejects r.jsonl in.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: in.jsonl:2: invalid JSON at column 36
oms-import: in.jsonl:3: not an order record (type movement)
oms-import: in.jsonl:5: order A-4: line 1: unit_price must be a decimal string"
	run jq -c '{id,channel,external_id,currency,totals,custom}' <<<"$output"
	assert_output - <<'OUT'
{"id":"o_1","channel":"oms","external_id":"A-1","currency":"USD","totals":{"subtotal":"2.50","shipping":"0.00","discount":"0.00","tax":"0.00","total":"2.50"},"custom":{"keep":[1,2]}}
{"id":"o_2","channel":"oms","external_id":"A-3","currency":"JPY","totals":{"subtotal":"11960","shipping":"0","discount":"0","tax":"0","total":"11960"},"custom":null}
{"id":"o_3","channel":"oms","external_id":"A-5","currency":"KWD","totals":{"subtotal":"1.500","shipping":"0.000","discount":"0.000","tax":"0.000","total":"1.500"},"custom":null}
OUT
	assert_equal "$(jq -r .raw r.jsonl | sed -n 3p)" '{"type":"order","external_id":"A-4","currency":"USD","lines":[{"sku":"S1","qty":1,"unit_price":19.99}]}'
}

@test "a user adapter in ~/.config/oms/channels is found, and its jq refines orders" {
	mkdir -p "$HOME/.config/oms/channels"
	cat > "$HOME/.config/oms/channels/tinyshop.json" <<'JSON'
{"channel":"tinyshop","description":"a test shop","format":"csv","detect":["ref","item"],"key":"ref",
 "order":{"external_id":"ref","currency":{"value":"USD"},"ship_to.country":{"value":"US"},
          "ship_to.address1":"street","ship_to.city":"town","ship_to.postal_code":"zip"},
 "line":{"sku":{"from":"item","upper":true},"qty":{"from":"n","as":"qty"},"unit_price":{"from":"price","as":"money"}},
 "refine":".tags = [\"tiny\"] | .priority = (if (.lines | length) > 1 then 5 else 0 end)"}
JSON
	printf 'ref,item,n,price,street,town,zip\nT1,ab-1,1,$2.00,1 Rd,Ames,50010\nT1,cd-2,2.0,$1.00,,,\nT2,ef-3,1,3,2 Rd,Ames,50010\n' > tiny.csv
	run oms-import channels
	assert_line --regexp '^tinyshop +tinyshop +a test shop$'
	run --separate-stderr oms-import -v tiny.csv
	assert_success
	assert_equal "${stderr_lines[0]}" "oms-import: tiny.csv: read as tinyshop (channel tinyshop)"
	run jq -c '{external_id,priority,tags,lines:[.lines[]|[.sku,.qty,.unit_price]],total:.totals.total}' <<<"$output"
	assert_output - <<'OUT'
{"external_id":"T1","priority":5,"tags":["tiny"],"lines":[["AB-1",1,"2.00"],["CD-2",2,"1.00"]],"total":"4.00"}
{"external_id":"T2","priority":0,"tags":["tiny"],"lines":[["EF-3",1,"3.00"]],"total":"3.00"}
OUT
}

@test "a broken adapter file is named, not skipped" {
	mkdir -p "$HOME/.config/oms/channels"
	echo '{"channel":"x","format":"csv","key":"a","order":{"external_id":{"as":"nonsense","from":"a"}}}' > "$HOME/.config/oms/channels/broken.json"
	run --separate-stderr oms-import "$SMALL"
	assert_failure 3
	assert_equal "$stderr" "oms-import: $HOME/.config/oms/channels/broken.json: field 'external_id': unknown type 'nonsense'"
}

@test "the real Shopify export: 19 orders, every field of one checked" {
	skip_without_samples
	run --separate-stderr oms-import "$OMS_SAMPLES/shopify_orders_export__forezia.csv"
	assert_success
	assert_equal "${#lines[@]}" 19
	run jq -c 'select(.external_id == "#1005")' <<<"$output"
	assert_output '{"type":"order","id":"o_5","channel":"shopify","external_id":"#1005","status":"fulfilled","placed_at":"2025-05-12T19:07:54Z","fulfilled_at":"2025-05-12T19:08:05Z","currency":"EUR","customer":{"email":"karine.ruby@example.com","phone":"+16135550142"},"ship_to":{"company":"Receiving Department","address1":"151 O'"'"'Connor St","city":"Ottawa","region":"ON","postal_code":"K2P 2L8","country":"CA","phone":"+16135550114"},"bill_to":{"company":"Receiving Department","address1":"151 O'"'"'Connor St","city":"Ottawa","region":"ON","postal_code":"K2P2L8","country":"CA","phone":"+16135550114"},"payment":{"status":"paid","method":"manual","reference":"rmrsmbPjSGL2w8dVDSjfkdwfg","paid_at":"2025-05-12T19:07:54Z"},"lines":[{"title":"The Multi-location Snowboard","qty":1,"fulfilled":1,"unit_price":"738.83","discount":"0.00","requires_shipping":true,"vendor":"Test Cycle Sense App"},{"title":"The Videographer Snowboard","qty":1,"fulfilled":1,"unit_price":"896.72","discount":"0.00","requires_shipping":true,"vendor":"Test Cycle Sense App"}],"totals":{"subtotal":"1635.55","shipping":"0.00","discount":"0.00","tax":"0.00","total":"1635.55","refunded":"0.00"},"source":"shopify_draft_order","shopify_id":"6637078348107"}'
	# #1017 and #1018 hold gift cards alone: nothing ships, so fulfilled;
	# #1011 and #1013, "partial", have every line that ships fulfilled on
	# Shopify (the rest are gift cards): fulfilled, not held for what is
	# not ours to send.
	run sqlite3 "$OMS_DB" "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status"
	assert_output "fulfilled|18
hold|1"
	run oms check
	assert_success
}

@test "oms import runs oms-import" {
	run oms import --channel shopify "$SMALL"
	assert_success
	assert_equal "${#lines[@]}" 3
}

@test "usage errors exit 2" {
	run --separate-stderr oms-import --bogus
	assert_failure 2
	assert_equal "${stderr_lines[1]}" "usage: oms-import [-anqv] [--db PATH] [--channel NAME|auto] [--account NAME]"
	run --separate-stderr oms-import --tz Mars/Base "$SMALL"
	assert_failure 2
	assert_equal "$stderr" "oms-import: --tz 'Mars/Base' is not a time zone"
	run --separate-stderr oms-import --currency usd "$SMALL"
	assert_failure 2
	assert_equal "$stderr" "oms-import: --currency 'usd' is not an ISO 4217 code"
	run --separate-stderr oms-import release
	assert_failure 2
}

@test "one Windows-1252 byte in a UTF-8 JSON file spoils nothing else" {
	sed 's/"first_name": "Oliver"/"first_name": "Andr\xe9"/' "$FIX/woocommerce-orders.json" > mixed.json
	run --separate-stderr oms-import -v mixed.json
	assert_success
	assert_equal "${stderr_lines[1]}" "oms-import: mixed.json: read as Windows-1252"
	run jq -r '.customer.name // empty' <<<"$output"
	assert_line "André Hughes"
	assert_line "Jonas Weiß"
	refute_line --partial "Ã"
}

@test "progress and the summary show on stderr only when it is a terminal" {
	{ head -1 "$SMALL"; for i in $(seq 300); do sed -n 6p "$SMALL" | sed "s/^#1003,/#$((5000 + i)),/"; done; } > many.csv
	run script -qec "oms-import many.csv > out.jsonl" /dev/null
	assert_success
	[[ "$output" == *"oms-import: many.csv: 300 orders"* ]] || fail "no progress: $output"
	[[ "$output" == *"oms-import: 300 created, 0 updated, 0 unchanged, 0 older, 300 held, 0 rejected"* ]] || fail "no summary: $output"
	assert_equal "$(wc -l < out.jsonl)" 300
	run --separate-stderr oms-import many.csv
	assert_success
	assert_equal "$stderr" ""
}

@test "orders that arrive slowly are committed and printed while the producer waits, the lock let go" {
	oms init 2>/dev/null
	# More than the 64 KB read to recognise the file, then a pause.
	seq 1 300 | jq -c '{type:"order",external_id:("S-" + tostring),currency:"USD",note:("x" * 300),ship_to:{address1:"1 A St",city:"X",postal_code:"10001",country:"US"},lines:[{sku:"S1",qty:1,unit_price:"2.50"}]}' > first.jsonl
	mkfifo in
	oms-import --channel oms < in > out 2> err &
	pid=$!
	exec 7> in
	cat first.jsonl >&7
	for i in $(seq 50); do [ "$(wc -l < out)" = 300 ] && break; sleep 0.1; done
	assert_equal "$(wc -l < out)" "300"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "300"
	OMS_BUSY_TIMEOUT=300 run oms-stock <<<'{"type":"location","id":"EWR1"}'
	assert_success
	echo '{"type":"order","external_id":"S-301","currency":"USD","ship_to":{"address1":"1 A St","city":"X","postal_code":"10001","country":"US"},"lines":[{"sku":"S1","qty":1,"unit_price":"2.50"}]}' >&7
	exec 7>&-
	wait "$pid"
	assert_equal "$(cat err)" ""
	assert_equal "$(jq -r .external_id out | tail -1)" "S-301"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "301"
}
