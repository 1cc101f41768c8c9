#!/usr/bin/env bats
# oms-report in the life of the shop (issue 15): four days of Shopify
# exports through the cron jobs — import, route, ship, a later export
# that cancels an order, the same file again, tracking, a return and its
# refund — then every report is read and checked against the database,
# against figures worked out by hand, and against the other reports.
# Reports run beside a writer and on a database they may not write.

load helper

export OMS_TZ=America/Los_Angeles
R="$FIX/route"

HEAD='Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id'

# srow NAME CREATED QTY SKU PRICE CANCELLED REFUNDED ID: one line, no
# shipping, no tax, shipped to New York.
srow() {
	local total
	total=$(awk -v q="$3" -v p="$5" 'BEGIN { printf "%.2f", q * p }')
	printf '%s,%s@example.com,paid,%s,unfulfilled,,no,USD,%s,0.00,0.00,%s,,0.00,Standard,%s,%s,Item %s,%s,,%s,true,true,pending,Cust %s,1 Main St,1 Main St,,,New York,10001,NY,US,,Cust %s,1 Main St,1 Main St,,,New York,10001,NY,US,,,,%s,manual,,%s,,,,,,%s\n' \
	    "$1" "${1#\#}" "$2" "$total" "$total" "$2" "$3" "$4" "$5" "$4" \
	    "$1" "$1" "$6" "$7" "$8"
}

job() {	# TIME PROGRAM ARGS...: a cron job at TIME, its status logged
	local at=$1 rc=0
	shift
	OMS_NOW="$at" "$@" >>out/jobs.jsonl 2>>out/cron.err || rc=$?
	echo "$1 $at $rc" >> out/cron.log
}

# The shop, and four days of it.
week() {
	mkdir -p in out
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60],"cost":"4.00","currency":"USD"}
{"type":"product","sku":"B","weight_g":900,"cost":"6.00","currency":"USD"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":20,"key":"r-a"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":20,"key":"r-b"}
EOF
	# Monday Nov 23, 16:30 in Los Angeles (00:30 UTC Tuesday): three
	# orders; the export is read at 17:00, routed, shipped.
	{ echo "$HEAD"
	  srow '#1001' '2026-11-24 00:30:00 +0000' 2 A 10.00 '' 0.00 9001
	  srow '#1002' '2026-11-24 00:30:00 +0000' 1 B 15.00 '' 0.00 9002
	  srow '#1003' '2026-11-24 00:40:00 +0000' 1 A 10.00 '' 0.00 9003
	} > in/day1.csv
	job 2026-11-24T01:00:00Z oms-import -q --channel shopify in/day1.csv
	job 2026-11-24T01:05:00Z oms-route -q --pending
	job 2026-11-24T01:10:00Z oms-ship -q --carrier offline --labels out/labels --pending
	# Tuesday Nov 24, 09:00 there: #1004 comes in, three B; by 11:00 the
	# customer has cancelled it, before the routing job.
	{ echo "$HEAD"
	  srow '#1004' '2026-11-24 17:00:00 +0000' 3 B 15.00 '' 0.00 9004
	} > in/day2a.csv
	job 2026-11-24T17:05:00Z oms-import -q --channel shopify in/day2a.csv
	{ echo "$HEAD"
	  srow '#1004' '2026-11-24 17:00:00 +0000' 3 B 15.00 '2026-11-24 19:00:00 +0000' 45.00 9004
	} > in/day2b.csv
	job 2026-11-24T19:05:00Z oms-import -q --channel shopify in/day2b.csv
	# The morning's file once more, an older export: it changes nothing.
	job 2026-11-24T19:06:00Z oms-import -q --channel shopify in/day2a.csv
	job 2026-11-24T19:10:00Z oms-route -q --pending
	job 2026-11-24T19:15:00Z oms-ship -q --carrier offline --labels out/labels --pending
	# Thursday: Tuesday's parcels are delivered as the tracking job sees.
	job 2026-11-26T20:00:00Z oms-ship -q track
	# Friday Nov 27: one A of #1001 comes back, defective; inspected and
	# restocked, refunded (the default policy refunds at inspection) and
	# the refund sent.
	job 2026-11-27T18:00:00Z oms-return -q request --reason defective --note "it broke" shopify:#1001 1:1
	job 2026-11-27T19:00:00Z oms-return -q receive r_1
	job 2026-11-27T20:00:00Z oms-return -q inspect --disposition restock r_1 1
	job 2026-11-27T21:00:00Z oms-return -q refunded f_1
	export OMS_NOW=2026-11-28T18:00:00Z
}

# Sum of a key over JSON lines on stdin, as minor units (cents).
cents() {
	jq -rs --arg k "$1" 'map(.[$k] | tonumber * 100 | round) | add // 0'
}

@test "a week of cron jobs, then every report: figures by hand, each report agreeing with the database and the others" {
	week
	# Every job ran clean.
	run awk '$3 != 0' out/cron.log
	assert_output ""
	run cat out/cron.err
	assert_output ""

	# Sales, all days: #1001 20.00, #1002 15.00, #1003 10.00, #1004
	# 45.00: 4 orders, 7 units, gross 90.00.  Returns: #1004's cancel
	# 45.00 (a sale and a return) and the A of #1001 10.00: 55.00.  Net
	# 35.00 = total (no tax, no shipping).  Average order 90.00 / 4.
	run --separate-stderr oms-report sales --by all
	assert_success
	assert_output '{"type":"sales","channel":"shopify","currency":"USD","orders":4,"units":7,"gross":"90.00","discounts":"0.00","returns":"55.00","net":"35.00","tax":"0.00","shipping":"0.00","total":"35.00","aov":"22.50"}'
	# By day in Los Angeles: Monday the three first orders (UTC says
	# Tuesday), Tuesday #1004 and its cancel, Friday the return.
	run --separate-stderr oms-report sales --by day
	assert_success
	assert_output "$(printf '%s\n' \
	    '{"type":"sales","period":"2026-11-23","channel":"shopify","currency":"USD","orders":3,"units":4,"gross":"45.00","discounts":"0.00","returns":"0.00","net":"45.00","tax":"0.00","shipping":"0.00","total":"45.00","aov":"15.00"}' \
	    '{"type":"sales","period":"2026-11-24","channel":"shopify","currency":"USD","orders":1,"units":3,"gross":"45.00","discounts":"0.00","returns":"45.00","net":"0.00","tax":"0.00","shipping":"0.00","total":"0.00","aov":"45.00"}' \
	    '{"type":"sales","period":"2026-11-27","channel":"shopify","currency":"USD","orders":0,"units":0,"gross":"0.00","discounts":"0.00","returns":"10.00","net":"-10.00","tax":"0.00","shipping":"0.00","total":"-10.00","aov":null}')"
	# The days add up to the whole.
	[ "$(oms-report sales --by day | cents net)" = 3500 ]
	# The refunds the database holds are the returns that are not cancels.
	[ "$(sqlite3 "$OMS_DB" "SELECT sum(items - fee) FROM refunds WHERE return_id IS NOT NULL")" = 1000 ]

	# Returns: 4 units sold (7 less 3 cancelled), 1 back and restocked.
	run --separate-stderr oms-report returns --by channel
	assert_success
	assert_equal "$(jq -c '[.channel, .units_sold, .units_returned, .return_rate, .restock, .currency, .refunds]' <<<"$output")" '["shopify",4,1,0.25,1,"USD","10.00"]'

	# Fulfilment: 4 orders, 3 shipped from EWR1, #1004 cancelled before
	# any parcel: a cancel rate of 1 in 4.
	run --separate-stderr oms-report fulfilment --by location
	assert_success
	assert_equal "$(jq -c 'select(.location == "EWR1") | [.orders, .shipped_orders, .split_rate, .fill_rate_orders]' <<<"$output")" '[3,3,0,1]'
	run --separate-stderr oms-report fulfilment
	assert_success
	assert_equal "$(jq -c '[.orders, .shipped_orders, .cancel_rate]' <<<"$output")" '[4,3,0.25]'

	# Inventory: A 20 - 3 shipped + 1 restocked = 18, B 20 - 1 = 19, as
	# the levels say; value at cost 18 x 4.00 + 19 x 6.00.
	run --separate-stderr oms-report inventory --location EWR1
	assert_success
	assert_equal "$(jq -r '[.sku, .on_hand, .value_cost] | @tsv' <<<"$output")" "$(printf 'A\t18\t72.00\nB\t19\t114.00')"
	assert_equal "$(sqlite3 -separator "$(printf '\t')" "$OMS_DB" "SELECT sku, on_hand FROM levels WHERE location = 'EWR1' ORDER BY sku")" "$(printf 'A\t18\nB\t19')"

	# Profit: net sales as the sales report says; fees the sum of the
	# fees report's; every journal balanced.
	run --separate-stderr oms-report profit
	assert_success
	profit=$output
	assert_equal "$(jq -r .net_sales <<<"$profit")" "35.00"
	assert_equal "$(jq -r .fees <<<"$profit" | awk '{ printf "%d", $1 * 100 + 0.5 }')" "$(oms-report fees | cents fee)"
	# Cost of goods: 3 A and 1 B shipped, 1 A back in stock: 2 x 4.00 + 6.00.
	assert_equal "$(jq -r .cogs <<<"$profit")" "14.00"
	run --separate-stderr oms-report journal
	assert_success
	[ -n "$output" ]
	run jq -rs 'group_by(.journal)[] | select(((map(.debit // "0" | tonumber) | add) * 100 | round) != ((map(.credit // "0" | tonumber) | add) * 100 | round)) | .[0].journal' <<<"$output"
	assert_output ""

	# The whole story of #1001: record, line, allocation, shipment,
	# return, refund, then its events in time order.
	run --separate-stderr oms-report order shopify:#1001
	assert_success
	assert_equal "$(jq -r .type <<<"$output" | uniq | tr '\n' ' ')" "order line allocation shipment return refund event "
	run jq -rs 'map(select(.type == "event") | .at) | . == sort' <<<"$output"
	assert_output true

	# What needs a person: nothing held, late or waiting.
	run --separate-stderr oms-report attention
	refute_output --partial '"kind":"held"'
	refute_output --partial '"kind":"late"'
	refute_output --partial '"kind":"waiting"'

	# The page is written, and the database is whole.
	run --separate-stderr oms-report --html out/dashboard.html
	assert_success
	assert_equal "$(grep -c '<svg class="chart"' out/dashboard.html)" 5
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "a report runs while another program holds the write lock, and an import runs while a report reads" {
	week
	hold_lock "$OMS_DB" 4
	start=$(date +%s)
	run --separate-stderr oms-report sales --by all
	assert_success
	assert_equal "$(jq -r .net <<<"$output")" "35.00"
	[ $(( $(date +%s) - start )) -lt 3 ]
	wait
	# A reader that holds its snapshot does not stop a writer.
	{ echo "BEGIN;"; echo "SELECT count(*) FROM orders;"; echo ".shell sleep 3"; echo "COMMIT;"; } |
	    sqlite3 "$OMS_DB" >/dev/null &
	sleep 0.5
	{ echo "$HEAD"
	  srow '#1005' '2026-11-28 17:00:00 +0000' 1 A 10.00 '' 0.00 9005
	} > in/day6.csv
	start=$(date +%s)
	run oms-import -q --channel shopify in/day6.csv
	assert_success
	[ $(( $(date +%s) - start )) -lt 3 ]
	wait
	assert_equal "$(oms-report sales --by all | jq -r .orders)" 5
}

@test "reports read a database they may not write" {
	skip_on_pg "read-only files are SQLite's"
	week
	need_readonly
	run_readonly "$BATS_TEST_TMPDIR" oms-report sales --by all --db "$OMS_DB" > out.jsonl
	assert_equal "$(jq -r .net out.jsonl)" "35.00"
}

@test "a table lines up wide letters and shows control characters as '?', with no spaces at the ends of lines" {
	printf '%s\n' \
	    '{"type":"order","external_id":"J1","placed_at":"2026-11-20T10:00:00Z","currency":"JPY","customer":{"name":"佐藤 花子","email":"hanako@example.jp"},"lines":[{"sku":"A","qty":1,"unit_price":"900"}]}' \
	    '{"type":"order","external_id":"X\u001b[31mred","placed_at":"2026-11-21T10:00:00Z","currency":"USD","customer":{"name":"a\u0085b","email":"x@example.com"},"lines":[{"sku":"A","qty":1,"unit_price":"1.00"}]}' |
	    oms-import -q --channel oms >/dev/null || true
	OMS_NOW=2026-11-22T10:00:00Z run --separate-stderr oms-report orders --table
	assert_success
	# 佐藤 花子 takes 9 columns; the escape and U+0085 are shown as '?'.
	assert_output - <<'OUT'
type   order  channel  external_id  status  placed_at             age_hours  customer_email     customer_name  currency  total  lines  units  hold_reasons
order  o_1    oms      J1           hold    2026-11-20T10:00:00Z         48  hanako@example.jp  佐藤 花子      JPY         900      1      1  ["incomplete ship_to address: no address1, city, country, postal_code"]
order  o_2    oms      X?[31mred    hold    2026-11-21T10:00:00Z         24  x@example.com      a?b            USD        1.00      1      1  ["incomplete ship_to address: no address1, city, country, postal_code"]
OUT
}

@test "-v says on stderr what a report gave and what the page wrote; -q and a pipe say nothing" {
	week
	run --separate-stderr oms-report -v sales --by all
	assert_success
	[[ $stderr =~ ^oms-report:\ sales:\ 1\ row\ in\ [0-9]+\.[0-9]\ s$ ]] || fail "$stderr"
	run --separate-stderr oms-report -v --html out/page.html
	assert_success
	[[ $stderr =~ ^oms-report:\ wrote\ out/page.html\ in\ [0-9]+\.[0-9]\ s$ ]] || fail "$stderr"
	run --separate-stderr oms-report -q sales
	assert_success
	assert_equal "$stderr" ""
}

@test "profit and sales agree on a partial cancel's uneven discount, and neither counts a reship as a sale" {
	week
	# #1006: 3 A at 10.00 with 1.00 off the line; one A cancelled before
	# routing.  The cancelled unit takes the last cent: 1.00 - floor(1.00
	# x 2 / 3) = 0.34 of the discount, so its return is 10.00 - 0.34.
	printf '%s\n' '{"type":"order","external_id":"1006","placed_at":"2026-11-28T17:00:00Z","currency":"USD","customer":{"name":"Ann Lee","email":"ann@example.com"},"ship_to":{"name":"Ann Lee","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"line_id":"L1","sku":"A","qty":3,"unit_price":"10.00","discount":"1.00"}]}' |
	    oms-import -q --channel oms >/dev/null
	oms-import -q cancel --line 1:1 oms:1006
	oms-route -q --pending >/dev/null
	oms-ship -q --carrier offline --labels out/labels --pending >/dev/null
	# #1002's parcel is lost: a reship, an order oms makes, no sale.
	oms-return -q reship --reason lost --tracking "$(sqlite3 "$OMS_DB" "SELECT s.tracking FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.external_id = '#1002'")" 'shopify:#1002' >/dev/null
	[ "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE origin IS NOT NULL")" = 1 ]
	run --separate-stderr oms-report sales --by all --channel oms
	assert_success
	assert_equal "$(jq -c '[.orders, .gross, .discounts, .returns, .net]' <<<"$output")" '[1,"30.00","1.00","9.66","19.34"]'
	run --separate-stderr oms-report profit --channel oms
	assert_success
	assert_equal "$(jq -c '[.units, .gross, .discounts, .returns, .net_sales]' <<<"$output")" '[2,"30.00","1.00","9.66","19.34"]'
	# The shop's own sales are as they were: the reship is no sale, in
	# either report, nor in the books.
	assert_equal "$(oms-report sales --by all --channel shopify | jq -r .net)" "35.00"
	assert_equal "$(oms-report profit --channel shopify | jq -r .net_sales)" "35.00"
	run --separate-stderr oms-report profit
	assert_success
	assert_equal "$(jq -r .channel <<<"$output" | sort | tr '\n' ' ')" "oms shopify "
	run oms check
	assert_success
}
