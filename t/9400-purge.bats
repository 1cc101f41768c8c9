#!/usr/bin/env bats
# Issue 13, privacy: oms purge-customer erases a customer's personal data
# from every table and from the files oms wrote for them, and keeps the
# figures.  Each test captures, routes and ships a day of a Shopify store
# (two customers), purges one, and reads the whole database back with
# sqlite3's .dump, which shows every row of every table.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at'

# Zoe (two orders, her email in another case the second time) and Max.
ZOE='Zoe.Roe@Example.com'
orders_csv() {
	echo "$HEAD"
	echo "#1020,$ZOE,paid,2026-11-26 09:00:00 -0500,unfulfilled,,no,USD,20.00,0.00,0.00,20.00,,0.00,Standard,2026-11-26 09:00:00 -0500,2,Tee,10.00,,A,true,true,pending,Zoe Roe,1 Main St,1 Main St,Apt 4B,Roe Widgets,New York,10001,NY,US,+1 212 555 0101,Zoe Roe,1 Main St,1 Main St,Apt 4B,Roe Widgets,New York,10001,NY,US,+1 212 555 0101,${1:-Leave at the side door},,"
	echo "#1021,max@example.net,paid,2026-11-26 09:00:00 -0500,unfulfilled,,no,USD,10.00,0.00,0.00,10.00,,0.00,Standard,2026-11-26 09:00:00 -0500,1,Tee,10.00,,A,true,true,pending,Max Mustermann,9 Elm Ave,9 Elm Ave,,,New York,10001,NY,US,+1 212 555 0199,Max Mustermann,9 Elm Ave,9 Elm Ave,,,New York,10001,NY,US,+1 212 555 0199,,,"
	echo "#1022,zoe.roe@example.COM,paid,2026-11-26 09:30:00 -0500,unfulfilled,,no,USD,30.00,0.00,0.00,30.00,,0.00,Standard,2026-11-26 09:30:00 -0500,3,Tee,10.00,,A,true,true,pending,Zoe Roe,1 Main St,1 Main St,Apt 4B,,New York,10001,NY,US,+1 212 555 0101,Zoe Roe,1 Main St,1 Main St,Apt 4B,,New York,10001,NY,US,+1 212 555 0101,,,"
}

# Imported, routed, shipped with labels and slips, customers told by mail.
day_one() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":50,"key":"r1"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
EOF
	orders_csv > day1.csv
	oms-import day1.csv >/dev/null
	oms-route --pending | oms-ship --carrier offline --labels labels \
		--slips slips > ship.jsonl
	oms-ship notify --mail outbox --from 'Shop <shop@example.com>' \
		>/dev/null 2>&1
	# s_1 and s_3 are Zoe's, s_2 is Max's.
	T1=$(jq -r 'select(.id == "s_1") | .tracking' ship.jsonl)
	T2=$(jq -r 'select(.id == "s_2") | .tracking' ship.jsonl)
	T3=$(jq -r 'select(.id == "s_3") | .tracking' ship.jsonl)
	assert_equal "$(jq -c '[.id, .order, .external_id]' ship.jsonl)" \
'["s_1","o_1","#1020"]
["s_2","o_2","#1021"]
["s_3","o_3","#1022"]'
	[ -f "labels/$T1.zpl" ] && [ -f slips/s_1.pdf ] &&
		[ -f outbox/s_1-shipped.eml ]
}

# Every row of the database.  On PostgreSQL not where its sequences
# stand: a rolled-back write (a dry run) does not give back the ids it
# took, and that is no change to what the database holds.
dump() {
	local d
	d=$(sqlite3 "$OMS_DB" .dump) || return 1
	if on_pg; then
		grep -v '^SELECT pg_catalog.setval(' <<<"$d"
	else
		printf '%s\n' "$d"
	fi
}

# How often each of Zoe's strings stands in the whole database, case aside.
zoe_counts() {
	local d s
	d=$(dump)
	for s in "$ZOE" 'Zoe Roe' '1 Main St' 'Apt 4B' '555 0101' \
		'Roe Widgets' 'side door' 'gate code'; do
		printf '%s=%s\n' "$s" "$(grep -o -i -F -- "$s" <<<"$d" | wc -l)"
	done
}

# The figures: amounts, quantities, the ledger, states and ids.
figures() {
	sqlite3 "$OMS_DB" "
	SELECT id, channel, external_id, status, currency, subtotal, shipping,
	  discount, tax, total, placed_at, ship_postal_code, ship_region,
	  ship_country, digest FROM orders ORDER BY id;
	SELECT order_id, line_no, sku, qty, unit_price, allocated, shipped
	  FROM order_lines ORDER BY 1, 2;
	SELECT * FROM allocations ORDER BY id;
	SELECT id, kind, sku, location, qty, key, on_hand_after,
	  reserved_after FROM movements ORDER BY id;
	SELECT * FROM levels ORDER BY 1, 2;
	SELECT id, order_id, status, tracking, packages, weight_g, cost,
	  shipped_at FROM shipments ORDER BY id;
	SELECT * FROM shipment_lines ORDER BY 1, 2;
	SELECT * FROM notifications ORDER BY 1, 2;"
}

# What is known of Max, who is not purged.
max_rows() {
	sqlite3 "$OMS_DB" "SELECT customer_email, record FROM orders
	  WHERE id = 2; SELECT * FROM events WHERE order_id = 2 ORDER BY id;
	  SELECT record FROM shipments WHERE order_id = 2"
}

@test "purge-customer erases every trace of the customer in the database and her files, and nothing of anyone else's" {
	day_one
	# Her note changed on the channel after the parcel left: an event
	# keeps both notes.
	orders_csv 'Gate code 4411' > day1b.csv
	oms-import day1b.csv >/dev/null
	run sqlite3 "$OMS_DB" "SELECT before, after FROM events WHERE order_id = 1 AND action = 'updated'"
	assert_output '{"note":"Leave at the side door"}|{"note":"Gate code 4411"}'
	run zoe_counts
	# Before: she is there (8 strings, each more than once).
	refute_output --partial '=0'
	before_fig=$(figures)
	before_max=$(max_rows)
	run --separate-stderr oms purge-customer --slips slips --mail outbox \
		" ZOE.roe@example.com "
	assert_success
	assert_equal "$stderr" "oms: 2 orders purged, 8 files known, 0 not reached"
	tables='{"orders":1,"order_lines":0,"order_sources":0,"events":1,"shipments":0,"tracking_events":0,"routes":0,"cancel_requests":0,"stray_labels":0,"movements":0}'
	tables3='{"orders":1,"order_lines":0,"order_sources":0,"events":0,"shipments":0,"tracking_events":0,"routes":0,"cancel_requests":0,"stray_labels":0,"movements":0}'
	assert_equal "$output" "{\"type\":\"purge\",\"order\":\"o_1\",\"channel\":\"shopify\",\"external_id\":\"#1020\",\"tables\":$tables,\"files\":[{\"path\":\"labels/$T1.zpl\",\"result\":\"deleted\"},{\"path\":\"labels/$T1.pdf\",\"result\":\"deleted\"},{\"path\":\"slips/s_1.pdf\",\"result\":\"deleted\"},{\"path\":\"outbox/s_1-shipped.eml\",\"result\":\"deleted\"}]}
{\"type\":\"purge\",\"order\":\"o_3\",\"channel\":\"shopify\",\"external_id\":\"#1022\",\"tables\":$tables3,\"files\":[{\"path\":\"labels/$T3.zpl\",\"result\":\"deleted\"},{\"path\":\"labels/$T3.pdf\",\"result\":\"deleted\"},{\"path\":\"slips/s_3.pdf\",\"result\":\"deleted\"},{\"path\":\"outbox/s_3-shipped.eml\",\"result\":\"deleted\"}]}"
	# Nowhere in the database, in any case.
	run zoe_counts
	assert_output "$ZOE=0
Zoe Roe=0
1 Main St=0
Apt 4B=0
555 0101=0
Roe Widgets=0
side door=0
gate code=0"
	# Nor in the file's bytes: freed cells are zeroed, the log emptied.
	if ! on_pg; then
		run grep -a -i -c -e 'zoe roe' -e '1 main st' "$OMS_DB"
		assert_output 0
		[ ! -s "$OMS_DB-wal" ]
	fi
	# The figures, Max, and his files are as they were.
	assert_equal "$(figures)" "$before_fig"
	assert_equal "$(max_rows)" "$before_max"
	[ -f "labels/$T2.zpl" ] && [ -f "labels/$T2.pdf" ] &&
		[ -f slips/s_2.pdf ] && [ -f outbox/s_2-shipped.eml ]
	[ ! -e "labels/$T1.zpl" ] && [ ! -e slips/s_3.pdf ] &&
		[ ! -e outbox/s_3-shipped.eml ]
	# Her order keeps what reports need, and says what became of her.
	run sqlite3 "$OMS_DB" "SELECT customer_email IS NULL,
	  json_extract(record, '$.ship_to'), json_extract(record,
	  '$.customer'), json_extract(record, '$.note'),
	  json_extract(record, '$.totals.total') FROM orders WHERE id = 1;
	  SELECT program, action, before IS NULL, after FROM events
	  WHERE order_id = 1 AND action = 'purged'"
	assert_output "1|{\"name\":\"[erased]\",\"company\":\"[erased]\",\"address1\":\"[erased]\",\"address2\":\"[erased]\",\"city\":\"[erased]\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\",\"phone\":\"[erased]\"}|{\"email\":\"[erased]\",\"name\":\"[erased]\"}|[erased]|20.00
oms|purged|1|{\"tables\":$tables}"
	run --separate-stderr oms check
	assert_success
	assert_output ""
}

@test "--dry-run says what would go and changes nothing, in the database or on disk" {
	day_one
	dump > before.sql
	ls -R labels slips outbox > before.ls
	run --separate-stderr oms purge-customer -n --slips slips zoe.roe@example.com
	assert_success
	assert_equal "$stderr" "oms: 2 orders would be purged, 6 files known, 0 not reached"
	assert_equal "$(jq -c '[.order, .dry_run, .tables.orders, [.files[].result]]' <<<"$output")" \
'["o_1",true,1,["would delete","would delete","would delete"]]
["o_3",true,1,["would delete","would delete","would delete"]]'
	dump > after.sql
	cmp before.sql after.sql
	ls -R labels slips outbox | cmp before.ls -
}

@test "a second run finds nothing: no record, status 0; an unknown email the same; what is not an email is a usage error" {
	day_one
	oms purge-customer -q "$ZOE" >/dev/null
	dump > once.sql
	for who in "$ZOE" nobody@example.org; do
		run --separate-stderr oms purge-customer "$who"
		assert_success
		assert_output ""
		assert_equal "$stderr" "oms: 0 orders purged, 0 files known, 0 not reached"
	done
	dump | cmp once.sql -
	run --separate-stderr oms purge-customer 'Zoe Roe'
	assert_failure 2
	assert_equal "$stderr" "oms: 'Zoe Roe' is not an email address"
	assert_output ""
}

@test "a symbolic link planted in place of a label is not followed: its target stays, and the run says so with status 1" {
	day_one
	echo precious > precious.txt
	rm "labels/$T1.pdf"
	ln -s "$BATS_TEST_TMPDIR/precious.txt" "labels/$T1.pdf"
	run --separate-stderr oms purge-customer --order o_1
	assert_failure 1
	assert_equal "$stderr" "oms: 1 order purged, 2 files known, 1 not reached"
	assert_equal "$(jq -c '.files' <<<"$output")" "[{\"path\":\"labels/$T1.zpl\",\"result\":\"deleted\"},{\"path\":\"labels/$T1.pdf\",\"result\":\"refused: a symbolic link, not followed\"}]"
	assert_equal "$(cat precious.txt)" precious
	[ -L "labels/$T1.pdf" ]
	# The database is erased all the same.
	run zoe_counts
	assert_line "1 Main St=2"	# o_3's ship_to and bill_to: not named
	run grep -c -F 'side door' <(dump)
	assert_output 0
}

@test "a label path changed in the database to name another file deletes nothing: only the names oms-ship writes are deleted" {
	day_one
	echo precious > precious.txt
	sqlite3 "$OMS_DB" "UPDATE shipments SET record = json_set(record,
	  '$.packages[0].label_pdf', 'labels/../precious.txt') WHERE id = 1"
	run --separate-stderr oms purge-customer -q --order o_1
	assert_failure 1
	assert_equal "$(jq -c '.files' <<<"$output")" "[{\"path\":\"labels/$T1.zpl\",\"result\":\"deleted\"},{\"path\":\"labels/../precious.txt\",\"result\":\"refused: not a name oms-ship writes\"}]"
	assert_equal "$(cat precious.txt)" precious
}

@test "--order erases one order's customer, named as CHANNEL:ID; the customer's other orders stay; an unknown order is refused" {
	day_one
	before=$(sqlite3 "$OMS_DB" "SELECT record FROM orders WHERE id = 3")
	run --separate-stderr oms purge-customer -q --order 'shopify:#1020'
	assert_success
	assert_equal "$(jq -c '[.order, .external_id, (.files | length)]' <<<"$output")" '["o_1","#1020",2]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT record FROM orders WHERE id = 3")" "$before"
	run sqlite3 "$OMS_DB" "SELECT json_extract(record, '$.customer.name') FROM orders ORDER BY id"
	assert_output "[erased]
Max Mustermann
Zoe Roe"
	run --separate-stderr oms purge-customer --order 'shopify:#9999'
	assert_failure 1
	assert_equal "$stderr" "oms: no order 'shopify:#9999'"
	run --separate-stderr oms purge-customer --order o_1 "$ZOE"
	assert_failure 2
	run --separate-stderr oms purge-customer
	assert_failure 2
	assert_equal "$stderr" "usage: oms [-q] [--db PATH] purge-customer [-n] [--labels DIR] [--slips DIR] [--mail DIR] EMAIL | --order ORDER"
}

@test "the channel's file read again brings nothing back: the same version is unchanged, a new one is erased before it is stored, and said" {
	day_one
	oms purge-customer -q "$ZOE" >/dev/null
	run --separate-stderr oms-import day1.csv
	assert_success
	assert_output ""
	run zoe_counts
	refute_output --regexp '=[1-9]'
	# The channel changed her note: the new version comes in, erased.
	orders_csv 'Ring twice' > day2.csv
	run --separate-stderr oms-import day2.csv
	assert_success
	assert_equal "$stderr" "oms-import: day2.csv:2: order o_1: its customer's data was erased (oms purge-customer) and this version's 15 personal fields are erased too, not stored"
	assert_equal "$(jq -c '[.id, .customer, .ship_to.address1, .note, .totals.total]' <<<"$output")" '["o_1",{"email":"[erased]","name":"[erased]"},"[erased]","[erased]","20.00"]'
	run zoe_counts
	refute_output --regexp '=[1-9]'
	run grep -c -i 'ring twice' <(dump)
	assert_output 0
	# No email to write to: the column stays empty.
	run sqlite3 "$OMS_DB" "SELECT id, customer_email IS NULL FROM orders ORDER BY id"
	assert_output '1|1
2|0
3|1'
	run oms check
	assert_success
}

@test "real exports: a WooCommerce customer erased from the REST sample, the others kept" {
	skip_without_samples
	oms-import "$OMS_SAMPLES/woocommerce_v3_orders_list__wc-rest-api-docs.json" >/dev/null
	oms-import "$OMS_SAMPLES/shopify_rest_orders_with_price_sets__shopify_python_api.json" >/dev/null
	figs=$(sqlite3 "$OMS_DB" "SELECT id, total, currency FROM orders ORDER BY id; SELECT * FROM order_lines ORDER BY 1, 2")
	run grep -c -i -e 'john doe' -e 'john.doe@example.com' -e '969 market' -e '(555) 555-5555' <(dump)
	refute_output 0
	run --separate-stderr oms purge-customer JOHN.DOE@example.com
	assert_success
	assert_equal "$(jq -c '[.order, .channel, .tables.orders]' <<<"$output")" '["o_1","woocommerce",1]'
	run grep -c -i -e 'john doe' -e 'john.doe@example.com' -e '969 market' -e '(555) 555-5555' <(dump)
	assert_output 0
	run grep -c -e 'João Silva' -e 'Bob Norman' <(dump)
	refute_output 0
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, total, currency FROM orders ORDER BY id; SELECT * FROM order_lines ORDER BY 1, 2")" "$figs"
	run oms check
	assert_success
}

@test "a busy database: status 4, nothing erased" {
	day_one
	dump > before.sql
	hold_lock "$OMS_DB" 3
	OMS_BUSY_TIMEOUT=300 run --separate-stderr oms purge-customer "$ZOE"
	wait "$LOCK_PID"
	assert_failure 4
	assert_output ""
	assert_equal "$stderr" "oms: database '$OMS_DB' is busy: another program held it past the 300 ms timeout; try again later"
	dump | cmp before.sql -
	[ -f "labels/$T1.zpl" ]
}

@test "help: the usage on stdout with status 0, and in oms help's list" {
	run --separate-stderr oms purge-customer --help
	assert_success
	assert_output "usage: oms [-q] [--db PATH] purge-customer [-n] [--labels DIR] [--slips DIR] [--mail DIR] EMAIL | --order ORDER"
	run --separate-stderr oms help
	assert_line "  purge-customer erase a customer's personal data, keeping the figures"
	# -n is purge-customer's alone.
	for c in init check status; do
		run --separate-stderr oms "$c" -n
		assert_failure 2
		assert_equal "${stderr_lines[0]}" "oms: invalid option -- 'n'"
	done
}

@test "Etsy: no email to go by, so the order is named; what the orders file said (a merge source) and the buyer's user name go too, and a re-saved file brings nothing back" {
	oms-import -q "$FIX/etsy-orders-us.csv" "$FIX/etsy-items-us.csv" >/dev/null 2>&1
	hannah() { dump | grep -o -i -e 'hannah' -e 'orchard lane' -e 'hbrooks22' | wc -l; }
	run hannah
	refute_output 0
	figs=$(sqlite3 "$OMS_DB" "SELECT id, subtotal, shipping, tax, total, ship_postal_code FROM orders ORDER BY id")
	run --separate-stderr oms purge-customer --order etsy:2841234567
	assert_success
	assert_output '{"type":"purge","order":"o_1","channel":"etsy","external_id":"2841234567","tables":{"orders":1,"order_lines":0,"order_sources":1,"events":0,"shipments":0,"tracking_events":0,"routes":0,"cancel_requests":0,"stray_labels":0,"movements":0},"files":[]}'
	run hannah
	assert_output 0
	run sqlite3 "$OMS_DB" "SELECT json_extract(record, '$.buyer'), json_extract(record, '$.ship_to.postal_code') FROM order_sources WHERE order_id = 1"
	assert_output '[erased]|04101'
	# Read again as they were: unchanged.  A new version: erased, said.
	oms-import -q "$FIX/etsy-orders-us.csv" "$FIX/etsy-items-us.csv" >/dev/null
	run hannah
	assert_output 0
	sed 's/18 Orchard Lane/19 Orchard Lane/' "$FIX/etsy-orders-us.csv" > moved.csv
	run --separate-stderr oms-import moved.csv
	assert_success
	assert_equal "$stderr" "oms-import: moved.csv:2: order o_1: its customer's data was erased (oms purge-customer) and this version's 10 personal fields are erased too, not stored"
	run hannah
	assert_output 0
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, subtotal, shipping, tax, total, ship_postal_code FROM orders ORDER BY id")" "$figs"
	run dump
	assert_output --partial 'Marie Tremblay'
}

@test "completions: purge-customer among the built-ins, its options, directories after --labels, --slips and --mail" {
	comp() {	# the bash completion of the words "$@", the last being completed
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_oms oms "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/oms" "$@"
	}
	mkdir -p labels slips outbox
	touch label.txt
	run comp oms pu
	assert_output purge-customer
	run comp oms help p
	assert_output "$(printf '%s\n' purge-customer payment-ledger)"
	run comp oms purge-customer --
	assert_output "$(printf '%s\n' --db --help --quiet --dry-run --labels --mail --order --slips)"
	run comp oms purge-customer --labels l
	assert_output labels
	run comp oms purge-customer -n --slips=s
	assert_output --slips=slips
	run comp oms purge-customer --order ""
	assert_output ""
	command -v zsh >/dev/null || skip "zsh is not installed (make deps installs it)"
	zsh -n "$TOP/completions/zsh/_oms"
	grep -q "^    purge-customer)$" "$TOP/completions/zsh/_oms"
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -c "source $TOP/completions/fish/oms.fish; complete -C 'oms pu'"
	assert_output "purge-customer	Erase a customer's personal data"
	run fish -c "source $TOP/completions/fish/oms.fish; complete -C 'oms purge-customer --s'"
	assert_output "--slips	Delete the packing slips here"
	run fish -c "source $TOP/completions/fish/oms.fish; complete -C 'oms purge-customer --labels l'"
	assert_output "labels/	Directory"
}

@test "free text anywhere in the order's rows: a carrier's note, a cancel request, a stray label and its file, a line's title, the ledger's reason" {
	day_one
	touch labels/STRAY9000.zpl labels/STRAY9000.pdf
	sqlite3 "$OMS_DB" "
	INSERT INTO tracking_events (shipment_id, tracking, at, status, description)
	  VALUES (1, '$T1', '2026-11-27T10:00:00Z', 'delivered', 'Delivered to ZOE ROE, 1 main st');
	INSERT INTO cancel_requests (order_id, at, program, source, reason, state, note)
	  VALUES (1, '2026-11-27T11:00:00Z', 'oms-import', 'operator', 'Zoe Roe called: +1 212 555 0101', 'refused', 'left');
	INSERT INTO stray_labels (request_id, order_id, carrier, tracking, files, at, note)
	  VALUES ('oms-stray', 1, 'offline', 'STRAY9000', '[\"labels/STRAY9000.zpl\",\"labels/STRAY9000.pdf\"]',
	  '2026-11-27T12:00:00Z', 'void failed for $ZOE');
	UPDATE order_lines SET title = 'Tee, engraved for Zoe Roe' WHERE order_id = 1;
	UPDATE movements SET reason = 'reserved for Roe Widgets' WHERE ref = 'o_1';"
	levels=$(sqlite3 "$OMS_DB" "SELECT * FROM levels ORDER BY 1, 2")
	run --separate-stderr oms purge-customer -q "$ZOE"
	assert_success
	assert_equal "$(jq -c 'select(.order == "o_1") | [.tables, [.files[] | select(.path | test("STRAY")) | .result]]' <<<"$output")" '[{"orders":1,"order_lines":1,"order_sources":0,"events":0,"shipments":0,"tracking_events":1,"routes":0,"cancel_requests":1,"stray_labels":1,"movements":1},["deleted","deleted"]]'
	run sqlite3 "$OMS_DB" "SELECT description FROM tracking_events;
	  SELECT reason FROM cancel_requests; SELECT note, files FROM stray_labels;
	  SELECT title FROM order_lines WHERE order_id = 1;
	  SELECT DISTINCT reason FROM movements WHERE ref = 'o_1'"
	assert_output 'Delivered to [erased], [erased]
[erased] called: [erased]
void failed for [erased]|["labels/STRAY9000.zpl","labels/STRAY9000.pdf"]
Tee, engraved for [erased]
reserved for [erased]'
	[ ! -e labels/STRAY9000.zpl ] && [ ! -e labels/STRAY9000.pdf ]
	run zoe_counts
	refute_output --regexp '=[1-9]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT * FROM levels ORDER BY 1, 2")" "$levels"
	run oms check
	assert_success
}
