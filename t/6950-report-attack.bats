#!/usr/bin/env bats
# oms-report attacked: hostile options, data and files.  Each test is a
# finding of a review of issue 15 that a fix answers, or a hostile case
# that held and must keep holding.

load helper

# order EXTERNAL_ID LINES [TOTALS]: a web USD order placed Mon Nov 30.
order() {
	jq -nc --arg e "$1" --argjson l "$2" --argjson t "${3:-{\}}" \
	    '{type:"order",channel:"web",external_id:$e,
	    placed_at:"2026-11-30T20:00:00Z",currency:"USD",
	    payment:{status:"paid"},customer:{email:"zoe@example.com"},
	    ship_to:{name:"Zoe Roe",address1:"1 Main St",city:"New York",
	    region:"NY",postal_code:"10001",country:"US"},lines:$l,totals:$t}' |
	    OMS_NOW=2026-11-30T20:00:00Z oms-import --channel oms >/dev/null
}

# Three orders of 40,000,000,000,000,000.00 each: every order fits in
# int64 minor units, their sum (1.2e19 cents) does not.
huge_orders() {
	for e in 1 2 3; do
		order "$e" '[{"line_id":"L1","sku":"A","qty":1,"unit_price":"40000000000000000.00"}]'
	done
}

@test "journal: sums past int64 fail with a message, not wrapped figures" {
	huge_orders
	run --separate-stderr oms-report journal --to 2026-12-31
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-report: journal: the amounts are too large to add up"
	run --separate-stderr oms-report journal --format qbo
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-report: journal: the amounts are too large to add up"
	# Two of them still add up: 80,000,000,000,000,000.00 both sides.
	run --separate-stderr oms-report journal --from 2026-11-30 --channel web
	assert_failure 3
	sqlite3 "$OMS_DB" "DELETE FROM orders WHERE id = 3"
	run --separate-stderr oms-report journal
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<'EOF'
{"type":"journal","journal":"web-USD-2026-11-30","date":"2026-11-30","channel":"web","currency":"USD","account":"clearing","account_name":"Channel Clearing","account_code":"615","description":"web owed by the channel USD 2026-11-30","debit":"80000000000000000.00","credit":"0.00"}
{"type":"journal","journal":"web-USD-2026-11-30","date":"2026-11-30","channel":"web","currency":"USD","account":"sales","account_name":"Sales:Merchandise","account_code":"200","description":"web sales USD 2026-11-30","debit":"0.00","credit":"80000000000000000.00"}
EOF
}

@test "profit: sums past int64 fail with a message, not wrapped figures" {
	huge_orders
	for by in channel sku; do
		run --separate-stderr oms-report profit --by $by
		assert_failure 3
		assert_output ""
		assert_equal "$stderr" "oms-report: profit: the amounts of web in USD are too large to add up"
	done
	run --separate-stderr oms-report --html page.html
	assert_failure 3
	[ ! -e page.html ]
	assert_equal "$(find . -name '*.tmp' -o -name '*.html')" ""
}

@test "inventory: a stock value past int64 fails with a message, not a wrapped figure" {
	oms-stock >/dev/null <<'JSON'
{"type":"location","id":"EWR1","kind":"warehouse","address":{"postal_code":"07114","region":"NJ","country":"US"}}
{"type":"product","sku":"A","cost":"90000000000000000.00","currency":"USD"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":20,"key":"r1"}
JSON
	run --separate-stderr oms-report inventory
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-report: inventory: the value_cost of sku A at EWR1 is too large"
	# One unit at 90,000,000,000,000,000.00 does fit.
	oms-stock >/dev/null <<'JSON'
{"type":"movement","kind":"adjust","sku":"A","location":"EWR1","qty":-19,"reason":"damaged","key":"s1"}
JSON
	run --separate-stderr oms-report inventory --csv
	assert_success
	# (its age buckets are the clock's: not compared)
	assert_line --index 1 --regexp $'^stock,A,EWR1,1,0,1,.*,USD,90000000000000000.00,\r$'
}

@test "cancelled units of a line with a huge discount: their share is worked out without wrapping" {
	order 1 '[{"line_id":"L1","sku":"A","qty":1000,"unit_price":"90000000000000.00","discount":"80000000000000000.00"}]'
	OMS_NOW=2026-11-30T21:00:00Z oms-import cancel -q --reason x --line 1:999 o_1 >/dev/null
	run --separate-stderr oms-report profit
	assert_success
	# gross 90,000,000,000,000,000.00, discount 80,000,000,000,000,000.00;
	# 999 units cancelled: returns 999 x 90,000,000,000,000.00 less
	# floor(80,000,000,000,000,000.00 x 999 / 1000) = 10,000,000,000,000,000.00
	# less 79,920,000,000,000,000.00 = 9,990,000,000,000,000.00.
	assert_output --partial '"gross":"90000000000000000.00","discounts":"80000000000000000.00","returns":"9990000000000000.00","net_sales":"10000000000000.00"'
}

# fees FILE-TEXT: a fee table of channel web on the search path first.
web_fees() {
	mkdir -p share/fees
	printf '%s\n' "$1" >share/fees/web.json
	export OMS_PATH="$PWD/share:$OMS_PATH"
}

@test "fee table: a rule's \"from\" must be a real day, not only look like one" {
	order 1 '[{"line_id":"L1","sku":"A","qty":1,"unit_price":"10.00"}]'
	for day in 2025-13-01 2025-02-29 2025-00-10; do
		web_fees '{"rules":[{"fee":"x","from":"'$day'","per":"order","on":["items"],"percent":"10"}]}'
		run --separate-stderr oms-report fees
		assert_failure 3
		assert_output ""
		assert_equal "$stderr" "oms-report: $PWD/share/fees/web.json: rules[0]: \"from\" must be a day (YYYY-MM-DD)"
	done
}

@test "fee table: percentages above 100 and amounts that wrap are refused" {
	order 1 '[{"line_id":"L1","sku":"A","qty":2,"unit_price":"10.00"}]'
	p='"percent" must be an amount or an array of bands {"upto", "percent"}, the last with no upto'
	for pct in '"100.0001"' '"99999999999999"' '[{"upto":"10.00","percent":"1"},{"percent":"101"}]'; do
		web_fees '{"rules":[{"fee":"x","from":"2025-01-01","per":"unit","on":["items"],"currency":"USD","percent":'"$pct"'}]}'
		run --separate-stderr oms-report fees
		assert_failure 3
		assert_equal "$stderr" "oms-report: $PWD/share/fees/web.json: rules[0]: $p"
	done
	# 92,233,720,368,547,758.07 per unit, twice, wrapped to -0.02.
	web_fees '{"rules":[{"fee":"x","from":"2025-01-01","per":"unit","on":["items"],"currency":"USD","fixed":"92233720368547758.07"}]}'
	run --separate-stderr oms-report fees
	assert_failure 3
	assert_equal "$stderr" "oms-report: $PWD/share/fees/web.json: rules[0]: \"fixed\" must be an amount or an array of bands {\"upto\", \"amount\"}, the last with no upto"
	# 100% and 10,000,000,000.00 a unit are the most there is.
	web_fees '{"rules":[{"fee":"x","from":"2025-01-01","per":"unit","on":["items"],"currency":"USD","percent":"100","fixed":"10000000000.00"}]}'
	run --separate-stderr oms-report fees
	assert_success
	assert_output '{"type":"fee","order":"o_1","channel":"web","day":"2026-11-30","currency":"USD","line":1,"sku":"A","units":2,"rule":"web/2025-01-01/x","base":"20.00","fee":"20000000020.00","back":"0.00"}'
}

@test "journal as QuickBooks and Xero CSV: a channel named like a formula is led by a quote mark" {
	jq -nc '{type:"order",channel:"=cmd|\u0027 /C calc\u0027!A0",external_id:"1",
	    placed_at:"2026-11-30T20:00:00Z",currency:"USD",payment:{status:"paid"},
	    customer:{email:"zoe@example.com"},ship_to:{name:"Zoe Roe",
	    address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",
	    country:"US"},lines:[{line_id:"L1",sku:"A",qty:1,unit_price:"10.00"}]}' |
	    OMS_NOW=2026-11-30T20:00:00Z oms-import --channel oms >/dev/null
	run --separate-stderr oms-report journal --format xero
	assert_success
	assert_output - <<EOF
Narration,Date,Description,AccountCode,TaxRate,Amount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2$(printf '\r')
"'=cmd|' /C calc'!A0-USD-2026-11-30",11/30/2026,"'=cmd|' /C calc'!A0 owed by the channel USD 2026-11-30",615,Tax Exempt,10.00,Channel,"'=cmd|' /C calc'!A0",,$(printf '\r')
"'=cmd|' /C calc'!A0-USD-2026-11-30",11/30/2026,"'=cmd|' /C calc'!A0 sales USD 2026-11-30",200,Tax Exempt,-10.00,Channel,"'=cmd|' /C calc'!A0",,$(printf '\r')
EOF
	run --separate-stderr oms-report journal --format qbo
	assert_success
	assert_output - <<EOF
Journal No,Journal Date,Account Name,Description,Debits,Credits,Name,Class,Location$(printf '\r')
"'=cmd|' /C calc'!A0-USD-2026-11-30",11/30/2026,Channel Clearing,"'=cmd|' /C calc'!A0 owed by the channel USD 2026-11-30",10.00,,,,$(printf '\r')
"'=cmd|' /C calc'!A0-USD-2026-11-30",11/30/2026,Sales:Merchandise,"'=cmd|' /C calc'!A0 sales USD 2026-11-30",,10.00,,,$(printf '\r')
EOF
}

@test "--to the last day there is: said of the day given, not of one after it" {
	for v in sales orders journal; do
		run --separate-stderr oms-report $v --to 9999-12-31
		assert_failure 2
		assert_output ""
		assert_equal "${stderr%%$'\n'*}" "oms-report: --to: '9999-12-31' is the last day there is: leave it out"
	done
	# The day before it is the end of one.
	run --separate-stderr oms-report sales --from 9999-12-30 --to 9999-12-30 --tz Pacific/Kiritimati
	assert_success
	assert_output ""
}

@test "--limit past nine digits is said to be too large, not to be no number" {
	run --separate-stderr oms-report orders --limit 9223372036854775807
	assert_failure 2
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" "oms-report: --limit '9223372036854775807' is not a whole number of orders from 1 to 999999999"
	run --separate-stderr oms-report orders --limit 999999999
	assert_success
	assert_equal "$stderr" ""
}

@test "a zone of OMS_TZ that is no zone is said to be OMS_TZ's; --tz '' is no zone" {
	OMS_TZ=Nowhere/Zone run --separate-stderr oms-report sales
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms-report: OMS_TZ: unknown time zone 'Nowhere/Zone'"
	# --tz given wins over it.
	OMS_TZ=Nowhere/Zone run --separate-stderr oms-report sales --tz UTC
	assert_success
	assert_equal "$stderr" ""
	# An empty OMS_TZ is none: UTC.  An empty --tz is a mistake.
	OMS_TZ= run --separate-stderr oms-report sales
	assert_success
	run --separate-stderr oms-report sales --tz ''
	assert_failure 2
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" "oms-report: --tz: unknown time zone ''"
}

@test "two channels of long names that begin alike are two channels in profit and the journal, and have no fee file" {
	long=$(printf 'c%.0s' $(seq 400))
	for ch in "${long}a" "${long}b"; do
		jq -nc --arg ch "$ch" '{type:"order",channel:$ch,external_id:"1",
		    placed_at:"2026-11-30T20:00:00Z",currency:"USD",
		    payment:{status:"paid"},customer:{email:"zoe@example.com"},
		    ship_to:{name:"Zoe Roe",address1:"1 Main St",city:"New York",
		    region:"NY",postal_code:"10001",country:"US"},
		    lines:[{line_id:"L1",sku:"A",qty:1,unit_price:"5.00"}]}' |
		    OMS_NOW=2026-11-30T20:00:00Z oms-import --channel oms >/dev/null
	done
	run --separate-stderr oms-report profit
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r '[.channel, .gross] | @tsv' <<<"$output")" \
	    "$(printf '%sa\t5.00\n%sb\t5.00' "$long" "$long")"
	run --separate-stderr oms-report journal --format qbo
	assert_success
	assert_equal "$(cut -d, -f1,5,6 <<<"$output" | tr -d '\r')" "$(printf 'Journal No,Debits,Credits\n%sa-USD-2026-11-30,5.00,\n%sa-USD-2026-11-30,,5.00\n%sb-USD-2026-11-30,5.00,\n%sb-USD-2026-11-30,,5.00' "$long" "$long" "$long" "$long")"
	run --separate-stderr oms-report fees
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}
