#!/usr/bin/env bats
# oms-report journal: the daily journal per channel and currency of the
# business of t/profit.bash, every line worked by hand from the
# definitions in lib/journal.c, as JSON rows, QuickBooks Online CSV and
# Xero CSV, with the account map of share/oms/accounts.json.

load helper
load profit

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	export HOME="$BATS_FILE_TMPDIR/home" OMS_DB="$BATS_FILE_TMPDIR/profit.db"
	mkdir -p "$HOME"
	oms -q init && setup_profit
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export HOME="$BATS_TEST_TMPDIR/home" OMS_DB="$BATS_TEST_TMPDIR/oms.db"
	mkdir -p "$HOME"
	sqlite3 "$BATS_FILE_TMPDIR/profit.db" "VACUUM INTO '$OMS_DB'"
}

# Data files of the test's own, ahead of share/oms on the search path.
own_share() {
	mkdir -p "$BATS_TEST_TMPDIR/share"
	export OMS_PATH="$BATS_TEST_TMPDIR/share:$OMS_PATH"
}

J='[.journal, .account, .account_name, .account_code, .debit, .credit] | @tsv'

@test "journal: every line of every day, in New York" {
	run --separate-stderr oms-report journal --tz America/New_York
	assert_success
	assert_equal "$stderr" ""
	run jq -r "$J" <<<"$output"
	# amazon 11-20 (o_1): sales 2 x 9.00 + 120.00 = 138.00, tax 1.44 +
	#   9.60 = 11.04; fees 1.44 - 0.58 given back + 16.60 = 17.46; owed by
	#   Amazon 138.00 + 11.04 - 17.46 = 131.58.
	# amazon 11-21 (o_2): 12.00 + 1.50 = 13.50, fees 1.80 + 0.30 = 2.10,
	#   owed 11.40.
	# ebay 11-22 (o_3, o_4): sales 8.00 + 25.00, shipping 1.50, tax 0.50,
	#   fees 1.33 + 0.30 + 3.31 + 0.40 = 5.34, owed 35.00 - 5.34 = 29.66.
	# shopify USD 11-22 (o_5 at 03:00Z on the 23rd, 22:00 in New York):
	#   sales 15.00, discount 1.50, shipping 5.00, tax 1.35, fees 0.88;
	#   owed 15.00 - 1.50 + 5.00 + 1.35 - 0.88 = 18.97.
	# shopify EUR 11-24 (o_6): sales 2 x 8.00 + 5.00 = 21.00; the MUG
	#   cancelled, not refunded: refunds 5.00; owed 16.00.
	# 11-25, the parcels (the voided one left out): amazon LIP 2 x 2.00 +
	#   CAB 40.00 + LIP 2.00 + MUG 3.00 = 49.00; ebay MUG 2 x 3.00 + the
	#   kit as its parts, A 1.00 + 2 x B 2.50: 12.00; shopify EUR TEA 2 x
	#   1.50 = 3.00; shopify USD MUG 3 x 3.00 = 9.00.
	# amazon 12-02: the refund 9.72 = 9.00 + tax 0.72, and the LIP put
	#   back in stock at 2.00.
	assert_output - <<'EOF'
amazon-USD-2026-11-20	clearing	Channel Clearing:Amazon	616	131.58	0.00
amazon-USD-2026-11-20	fees	Merchant Fees	404	17.46	0.00
amazon-USD-2026-11-20	sales	Sales:Merchandise	200	0.00	138.00
amazon-USD-2026-11-20	tax_payable	Sales Tax Payable	820	0.00	11.04
amazon-USD-2026-11-21	clearing	Channel Clearing:Amazon	616	11.40	0.00
amazon-USD-2026-11-21	fees	Merchant Fees	404	2.10	0.00
amazon-USD-2026-11-21	sales	Sales:Merchandise	200	0.00	13.50
ebay-USD-2026-11-22	clearing	Channel Clearing:eBay	617	29.66	0.00
ebay-USD-2026-11-22	fees	Merchant Fees	404	5.34	0.00
ebay-USD-2026-11-22	sales	Sales:Merchandise	200	0.00	33.00
ebay-USD-2026-11-22	shipping_income	Sales:Shipping Income	210	0.00	1.50
ebay-USD-2026-11-22	tax_payable	Sales Tax Payable	820	0.00	0.50
shopify-USD-2026-11-22	clearing	Channel Clearing:Shopify	618	18.97	0.00
shopify-USD-2026-11-22	fees	Merchant Fees	404	0.88	0.00
shopify-USD-2026-11-22	discounts	Sales:Discounts	215	1.50	0.00
shopify-USD-2026-11-22	sales	Sales:Merchandise	200	0.00	15.00
shopify-USD-2026-11-22	shipping_income	Sales:Shipping Income	210	0.00	5.00
shopify-USD-2026-11-22	tax_payable	Sales Tax Payable	820	0.00	1.35
shopify-EUR-2026-11-24	clearing	Channel Clearing:Shopify	618	16.00	0.00
shopify-EUR-2026-11-24	refunds	Sales:Refunds	220	5.00	0.00
shopify-EUR-2026-11-24	sales	Sales:Merchandise	200	0.00	21.00
amazon-USD-2026-11-25	cogs	Cost of Goods Sold	310	49.00	0.00
amazon-USD-2026-11-25	inventory	Inventory Asset	630	0.00	49.00
ebay-USD-2026-11-25	cogs	Cost of Goods Sold	310	12.00	0.00
ebay-USD-2026-11-25	inventory	Inventory Asset	630	0.00	12.00
shopify-EUR-2026-11-25	cogs	Cost of Goods Sold	310	3.00	0.00
shopify-EUR-2026-11-25	inventory	Inventory Asset	630	0.00	3.00
shopify-USD-2026-11-25	cogs	Cost of Goods Sold	310	9.00	0.00
shopify-USD-2026-11-25	inventory	Inventory Asset	630	0.00	9.00
amazon-USD-2026-12-02	refunds	Sales:Refunds	220	9.00	0.00
amazon-USD-2026-12-02	inventory	Inventory Asset	630	2.00	0.00
amazon-USD-2026-12-02	tax_payable	Sales Tax Payable	820	0.72	0.00
amazon-USD-2026-12-02	clearing	Channel Clearing:Amazon	616	0.00	9.72
amazon-USD-2026-12-02	cogs	Cost of Goods Sold	310	0.00	2.00
EOF
}

@test "journal: each journal balances, in cents, in any zone" {
	for tz in UTC America/New_York Asia/Tokyo; do
		run --separate-stderr oms-report journal --tz "$tz"
		assert_success
		run jq -rs 'group_by(.journal) | map([.[0].journal,
			(map(.debit | sub("\\."; "") | tonumber) | add),
			(map(.credit | sub("\\."; "") | tonumber) | add)])
			| map(select(.[1] != .[2] or .[1] == 0)) | length' <<<"$output"
		assert_output 0
	done
}

@test "journal: the merchant's day names the journal; the whole row in JSON" {
	# In UTC o_5 is the 23rd's.
	run --separate-stderr oms-report journal --channel shopify --from 2026-11-23 --to 2026-11-23
	assert_success
	assert_line --index 0 '{"type":"journal","journal":"shopify-USD-2026-11-23","date":"2026-11-23","channel":"shopify","currency":"USD","account":"clearing","account_name":"Channel Clearing:Shopify","account_code":"618","description":"shopify owed by the channel USD 2026-11-23","debit":"18.97","credit":"0.00"}'
	assert_equal "${#lines[@]}" 6
	run --separate-stderr oms-report journal --channel shopify --from 2026-11-23 --to 2026-11-23 --tz America/New_York
	assert_success
	assert_output ""
}

@test "journal --format qbo: QuickBooks Online's journal CSV, CRLF, MM/DD/YYYY" {
	run --separate-stderr oms-report journal --format qbo --channel shopify --tz America/New_York
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(printf '%s\n' "$output" | grep -c $'\r$')" 14
	run tr -d '\r' <<<"$output"
	assert_output - <<'EOF'
Journal No,Journal Date,Account Name,Description,Debits,Credits,Name,Class,Location
shopify-USD-2026-11-22,11/22/2026,Channel Clearing:Shopify,shopify owed by the channel USD 2026-11-22,18.97,,,,
shopify-USD-2026-11-22,11/22/2026,Merchant Fees,shopify channel fees USD 2026-11-22,0.88,,,,
shopify-USD-2026-11-22,11/22/2026,Sales:Discounts,shopify discounts USD 2026-11-22,1.50,,,,
shopify-USD-2026-11-22,11/22/2026,Sales:Merchandise,shopify sales USD 2026-11-22,,15.00,,,
shopify-USD-2026-11-22,11/22/2026,Sales:Shipping Income,shopify shipping income USD 2026-11-22,,5.00,,,
shopify-USD-2026-11-22,11/22/2026,Sales Tax Payable,shopify tax collected USD 2026-11-22,,1.35,,,
shopify-EUR-2026-11-24,11/24/2026,Channel Clearing:Shopify,shopify owed by the channel EUR 2026-11-24,16.00,,,,
shopify-EUR-2026-11-24,11/24/2026,Sales:Refunds,shopify refunds EUR 2026-11-24,5.00,,,,
shopify-EUR-2026-11-24,11/24/2026,Sales:Merchandise,shopify sales EUR 2026-11-24,,21.00,,,
shopify-EUR-2026-11-25,11/25/2026,Cost of Goods Sold,shopify cost of goods EUR 2026-11-25,3.00,,,,
shopify-EUR-2026-11-25,11/25/2026,Inventory Asset,shopify inventory EUR 2026-11-25,,3.00,,,
shopify-USD-2026-11-25,11/25/2026,Cost of Goods Sold,shopify cost of goods USD 2026-11-25,9.00,,,,
shopify-USD-2026-11-25,11/25/2026,Inventory Asset,shopify inventory USD 2026-11-25,,9.00,,,
EOF
}

@test "journal --format xero: Xero's manual journal CSV, + debit and - credit, the channel tracked" {
	run --separate-stderr oms-report journal --format xero --channel amazon --from 2026-12-01
	assert_success
	run tr -d '\r' <<<"$output"
	# The refund of 9.72 and the LIP put back at 2.00: 9.00 + 2.00 + 0.72
	# = 9.72 + 2.00.
	assert_output - <<'EOF'
Narration,Date,Description,AccountCode,TaxRate,Amount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2
amazon-USD-2026-12-02,12/02/2026,amazon refunds USD 2026-12-02,220,Tax Exempt,9.00,Channel,amazon,,
amazon-USD-2026-12-02,12/02/2026,amazon inventory USD 2026-12-02,630,Tax Exempt,2.00,Channel,amazon,,
amazon-USD-2026-12-02,12/02/2026,amazon tax collected USD 2026-12-02,820,Tax Exempt,0.72,Channel,amazon,,
amazon-USD-2026-12-02,12/02/2026,amazon owed by the channel USD 2026-12-02,616,Tax Exempt,-9.72,Channel,amazon,,
amazon-USD-2026-12-02,12/02/2026,amazon cost of goods USD 2026-12-02,310,Tax Exempt,-2.00,Channel,amazon,,
EOF
}

@test "journal --format xero refuses more than Xero's 300 lines a file, exit 2, nothing written" {
	# 61 eBay orders on 61 days, each a journal of 5 lines: 305.
	for d in $(seq 0 60); do
		jq -nc --arg d "$(date -u -d "2026-01-01 + $d days" +%Y-%m-%dT12:00:00Z)" --arg e "X$d" \
			'{type:"order",channel:"ebay",external_id:$e,placed_at:$d,currency:"USD",lines:[{sku:"MUG",qty:1,unit_price:"20.00"}],totals:{shipping:"2.00",tax:"1.00"}}'
	done | oms-import -q --channel oms >/dev/null
	run --separate-stderr oms-report journal --format xero --to 2026-03-02
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms-report: journal: 305 lines, more than the 300 of a Xero import file: ask for fewer days (--from, --to) or one --channel"
	# Sixty days fit: 300 lines and the header.
	run --separate-stderr oms-report journal --format xero --to 2026-03-01
	assert_success
	assert_equal "${#lines[@]}" 301
}

@test "journal: the account map is the merchant's, checked as it is read" {
	own_share
	jq '.accounts.sales.qbo = "Sales, Online" | .accounts.sales.channels = {"ebay": {"qbo": "Sales:eBay", "xero": "201", "xero_tax": "Tax on Sales"}}' \
		"$TOP/share/oms/accounts.json" >share/accounts.json
	run --separate-stderr oms-report journal --format qbo --channel amazon --to 2026-11-20
	assert_success
	assert_line --index 3 $'amazon-USD-2026-11-20,11/20/2026,"Sales, Online",amazon sales USD 2026-11-20,,138.00,,,\r'
	run --separate-stderr oms-report journal --format xero --channel ebay --to 2026-11-22
	assert_success
	assert_line --index 3 $'ebay-USD-2026-11-22,11/22/2026,ebay sales USD 2026-11-22,201,Tax on Sales,-33.00,Channel,ebay,,\r'
	# An account missing, and one without its Xero code.
	jq 'del(.accounts.fees)' "$TOP/share/oms/accounts.json" >share/accounts.json
	run --separate-stderr oms-report journal
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-report: $BATS_TEST_TMPDIR/share/accounts.json: no account \"fees\""
	jq 'del(.accounts.cogs.xero)' "$TOP/share/oms/accounts.json" >share/accounts.json
	run --separate-stderr oms-report journal --format xero
	assert_failure 3
	assert_equal "$stderr" "oms-report: $BATS_TEST_TMPDIR/share/accounts.json: account \"cogs\" needs \"qbo\" and \"xero\" texts"
	printf 'not json\n' >share/accounts.json
	run --separate-stderr oms-report journal
	assert_failure 3
	assert_equal "$stderr" "oms-report: $BATS_TEST_TMPDIR/share/accounts.json: not a JSON object with \"accounts\""
}

@test "journal: --format and the options a journal does not take, exit 2" {
	run --separate-stderr oms-report journal --format csv
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"--format must be json, qbo or xero, not 'csv'"* ]]
	for o in "--sku MUG" "--location EWR1"; do
		run --separate-stderr oms-report journal $o
		assert_failure 2
		assert_output ""
		assert_equal "$stderr" "oms-report: journal takes no --location or --sku: a journal is a channel's day"
	done
	run --separate-stderr oms-report journal --by day
	assert_failure 2
	[[ "${stderr%%$'\n'*}" == "oms-report: --by is not an option of oms-report journal" ]]
}

@test "journal: a unit shipped with no cost is said on stderr, its journal still balanced" {
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"CAB","weight_g":100,"category":"electronics_accessories"}
EOF
	run --separate-stderr oms-report journal --channel amazon --from 2026-11-25 --to 2026-11-25
	assert_success
	assert_equal "$stderr" "oms-report: journal: 1 unit shipped or restocked has no cost: no cost of goods entered for it"
	# 49.00 - 40.00 for the CAB.
	run jq -r '[.account, .debit, .credit] | @tsv' <<<"$output"
	assert_output - <<'EOF'
cogs	9.00	0.00
inventory	0.00	9.00
EOF
}
