#!/usr/bin/env bats
# Scenario 4 of issue 10: an older export turns time back.  Cron jobs
# overlap and a glob picks up yesterday's file after today's; whatever
# order the files come in, the orders end where the newest export says,
# with one stale event per older version and the status column, the
# stored record and the ledger in step.

load helper

R="$FIX/route"

# The Shopify export header up to Cancelled at, as older exports have it.
HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at'

# row NAME FINANCIAL PAID_AT STREET SKU QTY [CANCELLED_AT [NOTES]]: one
# order of one line, placed on 2026-11-20, shipping to New York.
row() {
	echo "$1,ann@example.com,$2,$3,unfulfilled,,no,USD,$6.00,0.00,0.00,$6.00,,0.00,Standard,2026-11-20 09:00:00 -0500,$6,Thing $5,1.00,,$5,true,true,pending,Ann Lee,$4,$4,,,New York,10001,NY,US,,Ann Lee,$4,$4,,,New York,10001,NY,US,,${8:-},,${7:-}"
}

# Three days of exports of the same three orders, each file dated by its
# modification time: a CSV carries no export time of its own.  Day 2:
# #1001 cancelled, #1002 a new street, #1003 paid.  Day 3: #1002's
# street changes again (STREET3), #1003 gets a note.
days() {
	local street3=${1:-22 Oak Ave Apt 4}
	{
		echo "$HEAD"
		row '#1001' authorized '' '1 Main St' A 2
		row '#1002' authorized '' '2 Main St' B 1
		row '#1003' authorized '' '3 Main St' C 1
	} > day1.csv
	{
		echo "$HEAD"
		row '#1001' voided '' '1 Main St' A 2 '2026-11-21 10:00:00 -0500'
		row '#1002' authorized '' '22 Oak Ave' B 1
		row '#1003' paid '2026-11-21 11:00:00 -0500' '3 Main St' C 1
	} > day2.csv
	{
		echo "$HEAD"
		row '#1001' voided '' '1 Main St' A 2 '2026-11-21 10:00:00 -0500'
		row '#1002' authorized '' "$street3" B 1
		row '#1003' paid '2026-11-21 11:00:00 -0500' '3 Main St' C 1 '' 'Leave at the door'
	} > day3.csv
	touch -d 2026-11-20T23:00:00Z day1.csv
	touch -d 2026-11-21T23:00:00Z day2.csv
	touch -d 2026-11-22T23:00:00Z day3.csv
}

setup_stock() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":5,"key":"r2"}
{"type":"movement","kind":"receive","sku":"C","location":"EWR1","qty":5,"key":"r3"}
EOF
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

# Everything an import may change, for before/after comparisons.
state() {
	sqlite3 "${1:-$OMS_DB}" "SELECT id, channel, external_id, status, channel_status, hold_reasons, version_at, record FROM orders ORDER BY id;
		SELECT * FROM order_lines ORDER BY order_id, line_no;
		SELECT order_id, line_no, sku, location, qty, state FROM allocations ORDER BY id"
}

# What a permutation is compared on: the orders as the brief names them
# (status, record) and their lines, without the version time.
orders_and_lines() {
	sqlite3 "$1" "SELECT id, external_id, status, channel_status, hold_reasons, record FROM orders ORDER BY id;
		SELECT * FROM order_lines ORDER BY order_id, line_no"
}

# The status column, the channel's status and the stored record's
# status and cancel time, one order a line.
agree() {
	sqlite3 "$OMS_DB" "SELECT id, status, channel_status, json_extract(record, '\$.status'), json_extract(record, '\$.cancelled_at') FROM orders ORDER BY id"
}

@test "cron imports day 3, then day 1 again: 3 older, nothing changes, one stale event each, then ships only what is live" {
	setup_stock
	days
	# Day 1: the export comes in and routing takes all three.
	export OMS_NOW=2026-11-20T23:30:00Z
	oms-import -q --exported-at mtime day1.csv >/dev/null
	run oms-route --pending
	assert_success
	assert_equal "$(jq -c '[.order, .status]' <<<"$output")" '["o_1","allocated"]
["o_2","allocated"]
["o_3","allocated"]'
	# Day 2: #1001 cancelled on Shopify (its units back), a street
	# changed, a payment.
	export OMS_NOW=2026-11-21T23:30:00Z
	run --separate-stderr oms-import -v --exported-at mtime day2.csv
	assert_success
	assert_equal "$stderr" "oms-import: day2.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 3 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .ship_to.address1, .payment.status]' <<<"$output")" '["o_1","cancelled","1 Main St","voided"]
["o_2","allocated","22 Oak Ave","authorized"]
["o_3","allocated","3 Main St","paid"]'
	# Day 3.
	export OMS_NOW=2026-11-22T23:30:00Z
	run --separate-stderr oms-import -v --exported-at mtime day3.csv
	assert_success
	assert_equal "$stderr" "oms-import: day3.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 2 updated, 1 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .ship_to.address1, .note]' <<<"$output")" '["o_2","allocated","22 Oak Ave Apt 4",null]
["o_3","allocated","3 Main St","Leave at the door"]'
	before=$(state; levels)
	events=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events")
	# A late job picks up day 1 after day 3: every order is older.
	export OMS_NOW=2026-11-23T00:10:00Z
	run --separate-stderr oms-import -v --exported-at mtime day1.csv
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-import: day1.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 0 updated, 0 unchanged, 3 older, 0 held, 0 rejected"
	assert_equal "$(state; levels)" "$before"
	# The cancelled order stays cancelled: nothing reserved for it.
	assert_equal "$(agree)" "1|cancelled|cancelled|cancelled|2026-11-21T15:00:00Z
2|allocated|open|open|
3|allocated|open|open|"
	# One stale event for each order, saying which version was seen.
	run sqlite3 "$OMS_DB" "SELECT order_id, action, before, json_remove(after, '\$.digest') FROM events WHERE id > $events ORDER BY id"
	assert_output - <<'OUT'
1|stale|{"version_at":"2026-11-22T23:00:00Z"}|{"version_at":"2026-11-20T23:00:00Z","source":"shopify-csv"}
2|stale|{"version_at":"2026-11-22T23:00:00Z"}|{"version_at":"2026-11-20T23:00:00Z","source":"shopify-csv"}
3|stale|{"version_at":"2026-11-22T23:00:00Z"}|{"version_at":"2026-11-20T23:00:00Z","source":"shopify-csv"}
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, source, version_at FROM order_versions ORDER BY order_id")" "1|shopify-csv|2026-11-20T23:00:00Z
2|shopify-csv|2026-11-20T23:00:00Z
3|shopify-csv|2026-11-20T23:00:00Z"
	# The next run overlaps again, today's file and day 1's: still
	# nothing, and no event for a version already seen.
	export OMS_NOW=2026-11-23T01:10:00Z
	run --separate-stderr oms-import -v --exported-at mtime day3.csv day1.csv
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-import: day3.csv: read as shopify-csv (channel shopify)
oms-import: day1.csv: read as shopify-csv (channel shopify)
oms-import: 0 created, 0 updated, 3 unchanged, 3 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events")" "$((events + 3))"
	assert_equal "$(state; levels)" "$before"
	# Shipping takes the two live orders, never the cancelled one.
	export OMS_NOW=2026-11-23T15:00:00Z
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.order, .external_id, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["o_2","#1002",[["B",1]]]
["o_3","#1003",[["C",1]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id")" "1|cancelled
2|shipped
3|shipped"
	assert_equal "$(levels)" "A|EWR1|5|0
B|EWR1|4|0
C|EWR1|4|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason, ref FROM movements WHERE sku = 'A' AND kind IN ('reserve', 'release') ORDER BY id")" "reserve|A|2||o_1
release|A|-2|cancelled|o_1"
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "an older export after a cancel does not reopen the order: the status column and the record stay cancelled" {
	days
	OMS_NOW=2026-11-21T23:30:00Z oms-import -q --exported-at mtime day2.csv >/dev/null
	OMS_NOW=2026-11-22T00:30:00Z run --separate-stderr oms-import --exported-at mtime day1.csv
	assert_success
	assert_output ""
	assert_equal "$(agree)" "1|cancelled|cancelled|cancelled|2026-11-21T15:00:00Z
2|open|open|open|
3|open|open|open|"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, line_no, qty, cancelled FROM order_lines WHERE order_id = 1")" "1|1|2|2"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT json_extract(record, '\$.ship_to.address1') FROM orders WHERE id = 2")" "22 Oak Ave"
	# A status column planted against the record is what oms check is for.
	run --separate-stderr oms check
	assert_success
	sqlite3 "$OMS_DB" "UPDATE orders SET status = 'open' WHERE id = 1"
	run --separate-stderr oms check
	assert_failure 1
	assert_output "order-state: order o_1 is open but its lines, allocations and shipments make it cancelled
channel-cancelled: order o_1 is cancelled on shopify but open here, with no cancel request"
	assert_equal "$stderr" "oms: database '$OMS_DB': 2 problems"
}

@test "every order of the three days' files, each in a fresh database, ends in the same orders and lines" {
	days
	for p in 123 132 213 231 312 321; do
		export OMS_DB=$BATS_TEST_TMPDIR/p$p.db
		oms -q init
		i=0
		for d in $(grep -o . <<<"$p"); do
			# The cron's clock goes on; the files' times are their own.
			OMS_NOW=2026-11-23T0$((i += 1)):00:00Z oms-import -q --exported-at mtime "day$d.csv" >/dev/null
		done
		orders_and_lines "$OMS_DB" > "p$p.txt"
		run --separate-stderr oms check
		assert_success
	done
	# The state the newest export gives, written out once.
	run sqlite3 "$BATS_TEST_TMPDIR/p123.db" "SELECT id, status, json_extract(record, '\$.ship_to.address1'), json_extract(record, '\$.payment.status'), json_extract(record, '\$.note') FROM orders ORDER BY id"
	assert_output - <<'OUT'
1|cancelled|1 Main St|voided|
2|open|22 Oak Ave Apt 4|authorized|
3|open|3 Main St|paid|Leave at the door
OUT
	for p in 132 213 231 312 321; do
		run diff p123.txt "p$p.txt"
		assert_success
	done
}

@test "every order of the three files ends at the same version: a newer export that repeats an older one still wins" {
	# Day 3's street is day 1's again: the customer took the change back.
	days '2 Main St'
	for p in 123 132 213 231 312 321; do
		export OMS_DB=$BATS_TEST_TMPDIR/p$p.db
		oms -q init
		i=0
		for d in $(grep -o . <<<"$p"); do
			# The cron's clock goes on; the files' times are their own.
			OMS_NOW=2026-11-23T0$((i += 1)):00:00Z oms-import -q --exported-at mtime "day$d.csv" >/dev/null
		done
		sqlite3 "$OMS_DB" "SELECT id, status, version_at, record FROM orders ORDER BY id; SELECT * FROM order_lines ORDER BY order_id, line_no" > "p$p.txt"
	done
	run sqlite3 "$BATS_TEST_TMPDIR/p132.db" "SELECT id, status, version_at, json_extract(record, '\$.ship_to.address1') FROM orders ORDER BY id"
	assert_output - <<'OUT'
1|cancelled|2026-11-22T23:00:00Z|1 Main St
2|open|2026-11-22T23:00:00Z|2 Main St
3|open|2026-11-22T23:00:00Z|3 Main St
OUT
	for p in 132 213 231 312 321; do
		run diff p123.txt "p$p.txt"
		assert_success
	done
}

# wc NUMBER MODIFIED STATUS STREET: one WooCommerce order of 2 A, as the
# REST API lists it; date_modified_gmt is the order's own time.
wc() {
	jq -nc --arg n "$1" --arg m "$2" --arg s "$3" --arg a "$4" '{id: (5000 + ($n | tonumber)), number: $n, order_key: "wc_\($n)", status: $s, currency: "USD", date_created_gmt: "2026-11-20T10:00:00", date_modified_gmt: $m,
		billing: {first_name: "Zoe", last_name: "Park", email: "zoe@example.com", address_1: $a, city: "New York", state: "NY", postcode: "10001", country: "US"},
		shipping: {first_name: "Zoe", last_name: "Park", address_1: $a, city: "New York", state: "NY", postcode: "10001", country: "US"},
		shipping_total: "0.00", discount_total: "0.00", total_tax: "0.00", total: "20.00", shipping_lines: [],
		line_items: [{id: (($n | tonumber) * 10 + 1), name: "Thing A", sku: "A", quantity: 2, price: 10, subtotal: "20.00", total: "20.00", total_tax: "0.00", product_id: 1, variation_id: 0}]}'
}

# Three days of WooCommerce: #2001 cancelled on day 2 (and untouched on
# day 3: the same modification time), #2002's street changed on days 2
# and 3.  The files all have the same mtime: the orders' times decide.
wc_days() {
	jq -s . <(wc 2001 2026-11-20T10:00:00 processing "1 Main St") <(wc 2002 2026-11-20T10:00:00 processing "2 Main St") > w1.json
	jq -s . <(wc 2001 2026-11-21T09:00:00 cancelled "1 Main St") <(wc 2002 2026-11-21T11:00:00 processing "5 Oak Ave") > w2.json
	jq -s . <(wc 2001 2026-11-21T09:00:00 cancelled "1 Main St") <(wc 2002 2026-11-22T08:00:00 processing "5 Oak Ave Apt 2") > w3.json
	touch -d 2026-11-23T00:00:00Z w1.json w2.json w3.json
}

@test "WooCommerce: its own date_modified_gmt orders the versions without --exported-at, in every order of the files" {
	setup_stock
	wc_days
	# A life first: day 1 routed, day 3 then the older days.
	export OMS_NOW=2026-11-20T12:00:00Z
	oms-import -q w1.json >/dev/null
	oms-route --pending >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id")" "1|allocated
2|allocated"
	export OMS_NOW=2026-11-22T12:00:00Z
	run --separate-stderr oms-import -v w3.json
	assert_success
	assert_equal "$stderr" "oms-import: w3.json: read as woocommerce (channel woocommerce)
oms-import: 0 created, 2 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(jq -c '[.id, .status, .updated_at, .ship_to.address1]' <<<"$output")" '["o_1","cancelled","2026-11-21T09:00:00Z","1 Main St"]
["o_2","allocated","2026-11-22T08:00:00Z","5 Oak Ave Apt 2"]'
	before=$(state; levels)
	events=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events")
	export OMS_NOW=2026-11-22T13:00:00Z
	run --separate-stderr oms-import -v w1.json w2.json
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-import: w1.json: read as woocommerce (channel woocommerce)
oms-import: w2.json: read as woocommerce (channel woocommerce)
oms-import: 0 created, 0 updated, 1 unchanged, 3 older, 0 held, 0 rejected"
	assert_equal "$(state; levels)" "$before"
	run sqlite3 "$OMS_DB" "SELECT order_id, action, before, json_remove(after, '\$.digest') FROM events WHERE id > $events ORDER BY id"
	assert_output - <<'OUT'
1|stale|{"version_at":"2026-11-21T09:00:00Z"}|{"version_at":"2026-11-20T10:00:00Z","source":"woocommerce"}
2|stale|{"version_at":"2026-11-22T08:00:00Z"}|{"version_at":"2026-11-20T10:00:00Z","source":"woocommerce"}
2|stale|{"version_at":"2026-11-22T08:00:00Z"}|{"version_at":"2026-11-21T11:00:00Z","source":"woocommerce"}
OUT
	oms-import -q w1.json w2.json >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events")" "$((events + 3))"
	assert_equal "$(levels)" "A|EWR1|5|2
B|EWR1|5|0
C|EWR1|5|0"
	run --separate-stderr oms check
	assert_success
	run oms-stock verify
	assert_success
	# Then every order of the three files, each in a fresh database.
	for p in 123 132 213 231 312 321; do
		export OMS_DB=$BATS_TEST_TMPDIR/w$p.db
		oms -q init
		for d in $(grep -o . <<<"$p"); do
			oms-import -q "w$d.json" >/dev/null
		done
		sqlite3 "$OMS_DB" "SELECT id, status, version_at, record FROM orders ORDER BY id; SELECT * FROM order_lines ORDER BY order_id, line_no" > "w$p.txt"
	done
	run sqlite3 "$BATS_TEST_TMPDIR/w123.db" "SELECT id, status, version_at, json_extract(record, '\$.ship_to.address1') FROM orders ORDER BY id"
	assert_output - <<'OUT'
1|cancelled|2026-11-21T09:00:00Z|1 Main St
2|open|2026-11-22T08:00:00Z|5 Oak Ave Apt 2
OUT
	for p in 132 213 231 312 321; do
		run diff w123.txt "w$p.txt"
		assert_success
	done
}
