#!/usr/bin/env bats
# oms-report profit and fees: every figure worked by hand from the
# definitions in lib/fees.c and lib/rprofit.c on the business of
# t/profit.bash, with the fee tables of share/oms/fees as shipped.

load helper
load profit

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	export HOME="$BATS_FILE_TMPDIR/home" OMS_DB="$BATS_FILE_TMPDIR/profit.db"
	mkdir -p "$HOME"
	oms -q init && setup_profit
}

# Each test gets its own copy of the business.
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export HOME="$BATS_TEST_TMPDIR/home" OMS_DB="$BATS_TEST_TMPDIR/oms.db"
	mkdir -p "$HOME"
	sqlite3 "$BATS_FILE_TMPDIR/profit.db" "VACUUM INTO '$OMS_DB'"
}

@test "profit by channel: each channel and currency, whole rows" {
	# amazon USD.  gross: 2 x 9.00 + 120.00 (o_1) + 12.00 + 1.50 (o_2) =
	# 151.50; units 5.  returns: the LIP refunded, 9.72 - 0.72 tax = 9.00;
	# net 142.50.  cogs: LIP 2 x 2.00 - 2.00 put back + CAB 40.00 + LIP
	# 2.00 + MUG 3.00 = 47.00.  fees: LIP (beauty, 9.00 <= 10.00: 8% of
	# all) 18.00 x 8% = 1.44 (min 2 x 0.30 = 0.60), one unit refunded:
	# back floor(1.44 / 2) = 0.72 less 20% kept (0.144 -> 0.14) = 0.58, so
	# 0.86; CAB (electronics accessories) 15% x 100.00 + 8% x 20.00 = 16.60;
	# o_2 LIP 12.00 > 10.00: 15% = 1.80; MUG 15% x 1.50 = 0.225 -> 0.23,
	# under the 0.30 minimum: 0.30.  0.86 + 16.60 + 1.80 + 0.30 = 19.56.
	# shipping_cost 12.13 x 2 = 24.26; return label 11.50.
	# profit 142.50 - 47.00 - 19.56 - 24.26 - 11.50 = 40.18;
	# margin 40.18 / 142.50 = 0.28196 -> 0.282.
	#
	# ebay USD.  gross 2 x 4.00 + 25.00 = 33.00, shipping 1.50.  cogs MUG
	# 2 x 3.00 + KIT (A 1.00 + 2 x B 2.50) 6.00 = 12.00.  fees: o_3 final
	# value 13.25% of 8.00 + 1.50 + 0.50 = 10.00 -> 1.325 -> 1.33, per
	# order (10.00 or less) 0.30; o_4 13.25% x 25.00 = 3.3125 -> 3.31, per
	# order (above 10.00) 0.40: 5.34.  parcels 15.51 + 12.13 = 27.64.
	# profit 33.00 + 1.50 - 12.00 - 5.34 - 27.64 = -10.48; margin
	# -10.48 / 33.00 = -0.31757 -> -0.3176.
	#
	# shopify EUR.  gross 2 x 8.00 + 5.00 = 21.00, the MUG cancelled and
	# not refunded: returns 5.00, net 16.00, units 2.  cogs TEA 2 x 1.50.
	# The Shopify Payments rule is in USD: no fee, said.  Its parcel was
	# paid in USD: left out, said.  profit 13.00, margin 0.8125.
	#
	# shopify USD.  3 x 5.00 = 15.00, discount 1.50, net 13.50, shipping
	# 5.00, cogs 9.00.  fees 2.9% x 19.85 = 0.57565 -> 0.58, + 0.30 = 0.88.
	# Parcels: the voided 15.51 costs nothing, the one shipped instead
	# 15.51.  profit 13.50 + 5.00 - 9.00 - 0.88 - 15.51 = -6.89; margin
	# -6.89 / 13.50 = -0.51037 -> -0.5104.
	run --separate-stderr oms-report profit
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<'OUT'
{"type":"profit","channel":"amazon","currency":"USD","units":5,"gross":"151.50","discounts":"0.00","returns":"9.00","net_sales":"142.50","shipping_income":"0.00","cogs":"47.00","fees":"19.56","shipping_cost":"24.26","refunds":"0.00","return_costs":"11.50","profit":"40.18","margin":0.282,"fee_rules":["amazon/2025-01-15/referral:beauty","amazon/2025-01-15/referral:electronics_accessories","amazon/2025-01-15/referral"],"notes":[]}
{"type":"profit","channel":"ebay","currency":"USD","units":3,"gross":"33.00","discounts":"0.00","returns":"0.00","net_sales":"33.00","shipping_income":"1.50","cogs":"12.00","fees":"5.34","shipping_cost":"27.64","refunds":"0.00","return_costs":"0.00","profit":"-10.48","margin":-0.3176,"fee_rules":["ebay/2025-01-01/final_value","ebay/2025-01-01/per_order"],"notes":[]}
{"type":"profit","channel":"shopify","currency":"EUR","units":2,"gross":"21.00","discounts":"0.00","returns":"5.00","net_sales":"16.00","shipping_income":"0.00","cogs":"3.00","fees":"0.00","shipping_cost":"0.00","refunds":"0.00","return_costs":"0.00","profit":"13.00","margin":0.8125,"fee_rules":[],"notes":["fees: no rule of fees/shopify.json applies to its orders in EUR: no fees counted","shipping_cost: parcels paid in another currency than EUR are left out"]}
{"type":"profit","channel":"shopify","currency":"USD","units":3,"gross":"15.00","discounts":"1.50","returns":"0.00","net_sales":"13.50","shipping_income":"5.00","cogs":"9.00","fees":"0.88","shipping_cost":"15.51","refunds":"0.00","return_costs":"0.00","profit":"-6.89","margin":-0.5104,"fee_rules":["shopify/2025-01-01/payments"],"notes":[]}
OUT
}

@test "profit by sku: an order's parcels and labels spread by the lines' items; a kit costs its parts" {
	# o_1's parcel 12.13 over LIP 18.00 and CAB 120.00: 12.13 x 18 / 138 =
	# 1.5822 -> 1.58, CAB 10.54 + the cent left (larger remainder .78) =
	# 10.55; its label 11.50: 1.50 and 10.00.  o_2's 12.13 over LIP 12.00
	# and MUG 1.50: 10.7822 -> 10.78, MUG 1.3478 -> 1.34 + the cent = 1.35.
	# CAB: 120.00 - 40.00 - 16.60 - 10.55 - 10.00 = 42.85, / 120 = 0.3571.
	# LIP: 30.00 - 9.00 = 21.00; cogs 2.00 + 2.00; fees 0.86 + 1.80 = 2.66;
	# parcels 1.58 + 10.78 = 12.36; 21.00 - 4.00 - 2.66 - 12.36 - 1.50 =
	# 0.48, / 21 = 0.02286 -> 0.0229.
	# MUG: 1.50 - 3.00 - 0.30 - 1.35 = -3.15, / 1.50 = -2.1.
	run --separate-stderr oms-report profit --by sku --channel amazon
	assert_success
	assert_output - <<'OUT'
{"type":"profit","channel":"amazon","sku":"CAB","currency":"USD","units":1,"gross":"120.00","discounts":"0.00","returns":"0.00","net_sales":"120.00","shipping_income":"0.00","cogs":"40.00","fees":"16.60","shipping_cost":"10.55","refunds":"0.00","return_costs":"10.00","profit":"42.85","margin":0.3571,"fee_rules":["amazon/2025-01-15/referral:electronics_accessories"],"notes":[]}
{"type":"profit","channel":"amazon","sku":"LIP","currency":"USD","units":3,"gross":"30.00","discounts":"0.00","returns":"9.00","net_sales":"21.00","shipping_income":"0.00","cogs":"4.00","fees":"2.66","shipping_cost":"12.36","refunds":"0.00","return_costs":"1.50","profit":"0.48","margin":0.0229,"fee_rules":["amazon/2025-01-15/referral:beauty"],"notes":[]}
{"type":"profit","channel":"amazon","sku":"MUG","currency":"USD","units":1,"gross":"1.50","discounts":"0.00","returns":"0.00","net_sales":"1.50","shipping_income":"0.00","cogs":"3.00","fees":"0.30","shipping_cost":"1.35","refunds":"0.00","return_costs":"0.00","profit":"-3.15","margin":-2.1,"fee_rules":["amazon/2025-01-15/referral"],"notes":[]}
OUT
	# KIT: 25.00 - 6.00 (A 1.00 + 2 x B 2.50) - 3.31 - 0.40 - 12.13 = 3.16.
	run --separate-stderr oms-report profit --by sku --sku KIT
	assert_success
	assert_output '{"type":"profit","channel":"ebay","sku":"KIT","currency":"USD","units":1,"gross":"25.00","discounts":"0.00","returns":"0.00","net_sales":"25.00","shipping_income":"0.00","cogs":"6.00","fees":"3.71","shipping_cost":"12.13","refunds":"0.00","return_costs":"0.00","profit":"3.16","margin":0.1264,"fee_rules":["ebay/2025-01-01/final_value","ebay/2025-01-01/per_order"],"notes":[]}'
	# The cancelled MUG of o_6: sold 0, returned 5.00, margin null.
	run --separate-stderr oms-report profit --by sku --channel shopify --sku MUG
	assert_success
	assert_output - <<'OUT'
{"type":"profit","channel":"shopify","sku":"MUG","currency":"EUR","units":0,"gross":"5.00","discounts":"0.00","returns":"5.00","net_sales":"0.00","shipping_income":"0.00","cogs":"0.00","fees":"0.00","shipping_cost":"0.00","refunds":"0.00","return_costs":"0.00","profit":"0.00","margin":null,"fee_rules":[],"notes":["fees: no rule of fees/shopify.json applies to its orders in EUR: no fees counted","shipping_cost: parcels paid in another currency than EUR are left out"]}
{"type":"profit","channel":"shopify","sku":"MUG","currency":"USD","units":3,"gross":"15.00","discounts":"1.50","returns":"0.00","net_sales":"13.50","shipping_income":"5.00","cogs":"9.00","fees":"0.88","shipping_cost":"15.51","refunds":"0.00","return_costs":"0.00","profit":"-6.89","margin":-0.5104,"fee_rules":["shopify/2025-01-01/payments"],"notes":[]}
OUT
}

@test "fees: each fee with its rule, the price it was charged on, and what came back" {
	run --separate-stderr oms-report fees
	assert_success
	assert_equal "$stderr" ""
	run jq -r '[.order, .line, .sku, .units, .rule, .base, .fee, .back] | @tsv' <<<"$output"
	# Worked in the first test; o_5's Shopify Payments: 15.00 - 1.50 +
	# 5.00 + 1.35 = 19.85.
	assert_output - <<'OUT'
o_1	1	LIP	2	amazon/2025-01-15/referral:beauty	18.00	1.44	0.58
o_1	2	CAB	1	amazon/2025-01-15/referral:electronics_accessories	120.00	16.60	0.00
o_2	1	LIP	1	amazon/2025-01-15/referral:beauty	12.00	1.80	0.00
o_2	2	MUG	1	amazon/2025-01-15/referral	1.50	0.30	0.00
o_3	1	MUG	2	ebay/2025-01-01/final_value	10.00	1.33	0.00
o_3				ebay/2025-01-01/per_order	10.00	0.30	0.00
o_4	1	KIT	1	ebay/2025-01-01/final_value	25.00	3.31	0.00
o_4				ebay/2025-01-01/per_order	25.00	0.40	0.00
o_5				shopify/2025-01-01/payments	19.85	0.88	0.00
OUT
}

# Fee files of the test's own, ahead of share/oms on the search path.
own_fees() {
	mkdir -p "$BATS_TEST_TMPDIR/share/fees"
	export OMS_PATH="$BATS_TEST_TMPDIR/share:$OMS_PATH"
}

@test "a fee change is a new row with a later from: the order before it keeps the old rule" {
	own_fees
	# Beauty from 2026-11-21: 5% up to 10.00, else 10% of all of it.
	jq '.rules += [{"fee":"referral","from":"2026-11-21","category":"beauty","per":"unit","on":["items","shipping"],"tiers":"whole","percent":[{"upto":"10.00","percent":"5"},{"percent":"10"}],"min":"0.30","currency":"USD"}]' \
		"$TOP/share/oms/fees/amazon.json" >share/fees/amazon.json
	run --separate-stderr oms-report fees --channel amazon --sku LIP
	assert_success
	run jq -r '[.order, .day, .rule, .base, .fee, .back] | @tsv' <<<"$output"
	# o_1 (2026-11-20): the 2025 rule, 8% x 18.00 = 1.44, back 0.58 as
	# before.  o_2 (2026-11-21): the new one, 10% x 12.00 = 1.20, and no
	# refund clause: nothing would come back.
	assert_output - <<'OUT'
o_1	2026-11-20	amazon/2025-01-15/referral:beauty	18.00	1.44	0.58
o_2	2026-11-21	amazon/2026-11-21/referral:beauty	12.00	1.20	0.00
OUT
	# The change is by the merchant's day: in Tokyo o_1 (15:00Z on the
	# 20th) was placed on the 21st, under the new rule: 5% x 18.00 = 0.90.
	run --separate-stderr oms-report fees --channel amazon --sku LIP --tz Asia/Tokyo
	assert_success
	run jq -r '[.order, .day, .rule, .fee] | @tsv' <<<"$output"
	assert_output - <<'OUT'
o_1	2026-11-21	amazon/2026-11-21/referral:beauty	0.90
o_2	2026-11-22	amazon/2026-11-21/referral:beauty	1.20
OUT
}

@test "the merchant's day: an order at 03:00Z on the 23rd is New York's 22nd" {
	run --separate-stderr oms-report profit --from 2026-11-23 --to 2026-11-23
	assert_success
	assert_equal "$(jq -r '[.channel, .currency, .net_sales] | @tsv' <<<"$output")" "shopify	USD	13.50"
	run --separate-stderr oms-report profit --from 2026-11-23 --to 2026-11-23 --tz America/New_York
	assert_success
	assert_output ""
	run --separate-stderr oms-report profit --from 2026-11-22 --to 2026-11-22 --tz America/New_York
	assert_success
	assert_equal "$(jq -r '[.channel, .currency, .net_sales] | @tsv' <<<"$output")" "ebay	USD	33.00
shopify	USD	13.50"
}

@test "cost of goods in another currency than the sale's: cogs and profit null, and why" {
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"TEA","weight_g":100,"cost":"1.60","currency":"USD"}
EOF
	run --separate-stderr oms-report profit --channel shopify --by sku --sku TEA
	assert_success
	assert_output '{"type":"profit","channel":"shopify","sku":"TEA","currency":"EUR","units":2,"gross":"16.00","discounts":"0.00","returns":"0.00","net_sales":"16.00","shipping_income":"0.00","cogs":null,"fees":"0.00","shipping_cost":"0.00","refunds":"0.00","return_costs":"0.00","profit":null,"margin":null,"fee_rules":[],"notes":["cogs: sku TEA costs in USD","fees: no rule of fees/shopify.json applies to its orders in EUR: no fees counted","shipping_cost: parcels paid in another currency than EUR are left out"]}'
}

@test "a channel whose fee file has no rules, or no fee file: no fees, and the row says which" {
	own_fees
	printf '{"rules": []}\n' >share/fees/ebay.json
	run --separate-stderr oms-report profit --channel ebay
	assert_success
	# 33.00 + 1.50 - 12.00 - 0 - 27.64 = -5.14; an empty file is a
	# channel with no fees, said by the file itself: no note.
	assert_equal "$(jq -r '[.fees, .profit, (.fee_rules | length), (.notes | length)] | @tsv' <<<"$output")" "0.00	-5.14	0	0"
	# A channel of none of the files: oms, one MUG at 10.00, not shipped.
	oms-import --channel oms >/dev/null <<'EOF'
{"type":"order","external_id":"M1","placed_at":"2026-11-26T10:00:00Z","currency":"USD","lines":[{"sku":"MUG","qty":1,"unit_price":"10.00"}]}
EOF
	run --separate-stderr oms-report profit --channel oms
	assert_success
	assert_equal "$(jq -c '[.fees, .cogs, .profit, .notes]' <<<"$output")" '["0.00","0.00","10.00",["fees: no fees/oms.json: no fees counted"]]'
}

@test "a fee file with a bad row is named with the rule and what is wrong, exit 3" {
	own_fees
	while IFS='|' read -r rule msg; do
		printf '{"source":"test","rules":[%s]}\n' "$rule" >share/fees/ebay.json
		run --separate-stderr oms-report profit
		assert_failure 3
		assert_output ""
		assert_equal "$stderr" "oms-report: $BATS_TEST_TMPDIR/share/fees/ebay.json: rules[0]: $msg"
	done <<'EOF'
{"fee":"fvf","from":"2026-13","per":"unit","on":["items"],"percent":"13.25"}|"from" must be a day (YYYY-MM-DD)
{"fee":"fvf","from":"2026-01-01","per":"unit","on":["items"],"percent":"13,25"}|"percent" must be an amount or an array of bands {"upto", "percent"}, the last with no upto
{"fee":"fvf","from":"2026-01-01","per":"unit","on":["items"],"percent":[{"upto":"100.00","percent":"15"},{"percent":"8"}]}|"percent" must be an amount or an array of bands {"upto", "percent"}, the last with no upto (bounds rising, in the rule's currency)
{"fee":"fvf","from":"2026-01-01","per":"unit","on":["items"],"percent":"13.25","rate":"1"}|unknown key rate
{"fee":"fvf","from":"2026-01-01","per":"line","on":["items"],"percent":"13.25"}|"per" must be "unit" or "order"
{"fee":"fvf","from":"2026-01-01","per":"unit","on":["total"],"percent":"13.25"}|"on" must be an array of "items", "shipping" and "tax"
{"fee":"fvf","from":"2026-01-01","per":"order","on":["items"],"fixed":"0.30"}|"fixed" needs the rule's "currency"
{"fee":"fvf","from":"2026-01-01","per":"unit","on":["items"]}|a rule needs "percent" or "fixed"
EOF
	printf '{"rules":{}}\n' >share/fees/ebay.json
	run --separate-stderr oms-report profit
	assert_failure 3
	assert_equal "$stderr" "oms-report: $BATS_TEST_TMPDIR/share/fees/ebay.json: \"rules\" must be an array"
	printf '{"rules":[' >share/fees/ebay.json
	run --separate-stderr oms-report fees
	assert_failure 3
	assert_equal "$stderr" "oms-report: $BATS_TEST_TMPDIR/share/fees/ebay.json: not a JSON object of fee rules"
}

@test "profit and fees: --by, --location and operands are checked, exit 2" {
	run --separate-stderr oms-report profit --by day
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"--by must be channel or sku, not 'day'"* ]]
	run --separate-stderr oms-report profit --location EWR1
	assert_failure 2
	[[ "$stderr" == *"profit takes no --location"* ]]
	run --separate-stderr oms-report fees extra
	assert_failure 2
	[[ "$stderr" == *"fees takes no operand"* ]]
}

@test "the fee files shipped are read without a complaint, each rule as its source says" {
	for ch in amazon ebay etsy shopify wholesale pos; do
		oms-import --channel oms >/dev/null <<EOF
{"type":"order","channel":"$ch","external_id":"Z-$ch","placed_at":"2026-11-26T10:00:00Z","currency":"USD","lines":[{"sku":"MUG","qty":2,"unit_price":"10.00"}],"totals":{"shipping":"2.00","tax":"1.00"}}
EOF
	done
	run --separate-stderr oms-report fees --from 2026-11-26
	assert_success
	assert_equal "$stderr" ""
	run jq -r '[.channel, .rule, .base, .fee] | @tsv' <<<"$output"
	# amazon: 15% x (20.00 + 2.00) = 3.30.  ebay: 13.25% x 23.00 = 3.0475
	# -> 3.05, per order 0.40.  etsy: 6.5% x 22.00 = 1.43; listing 2 x
	# 0.20; processing 3% x 23.00 = 0.69 + 0.25 = 0.94.  shopify: 2.9% x
	# 23.00 = 0.667 -> 0.67 + 0.30 = 0.97.  wholesale and pos: none.
	assert_output - <<'EOF'
amazon	amazon/2025-01-15/referral	22.00	3.30
ebay	ebay/2025-01-01/final_value	23.00	3.05
ebay	ebay/2025-01-01/per_order	23.00	0.40
etsy	etsy/2025-01-01/transaction	22.00	1.43
etsy	etsy/2025-01-01/listing	20.00	0.40
etsy	etsy/2025-01-01/processing	23.00	0.94
shopify	shopify/2025-01-01/payments	23.00	0.97
EOF
}

@test "tiers per unit: bounds count once per unit, the shipping share is in the price, 10.00 is still the low band" {
	oms-import --channel oms >/dev/null <<'EOF'
{"type":"order","channel":"amazon","external_id":"Z2","placed_at":"2026-11-26T10:00:00Z","currency":"USD","lines":[{"sku":"CAB","qty":2,"unit_price":"120.00"},{"sku":"LIP","qty":1,"unit_price":"10.00"}],"totals":{"shipping":"4.00"}}
{"type":"order","channel":"amazon","external_id":"Z3","placed_at":"2026-11-26T11:00:00Z","currency":"USD","lines":[{"sku":"LIP","qty":1,"unit_price":"10.00"}]}
EOF
	run --separate-stderr oms-report fees --from 2026-11-26
	assert_success
	run jq -r '[.sku, .units, .base, .fee] | @tsv' <<<"$output"
	# Z2's shipping 4.00 by items 240.00 and 10.00: 3.84 and 0.16.
	# CAB: 243.84 for 2 units, bands 2 x 100.00: 15% x 200.00 = 30.00 +
	# 8% x 43.84 = 3.5072, 33.5072 -> 33.51.  LIP: 10.16 > 10.00, 15% of
	# all of it: 1.524 -> 1.52.  Z3's LIP at 10.00 exactly: 8% = 0.80.
	assert_output - <<'EOF'
CAB	2	243.84	33.51
LIP	1	10.16	1.52
LIP	1	10.00	0.80
EOF
}

@test "a fee given back on a refund: what the channel keeps is capped per unit" {
	mkdir -p share/fees
	export OMS_PATH="$BATS_TEST_TMPDIR/share:$OMS_PATH"
	# The beauty rule with a cap of 0.05 a unit instead of 5.00.
	jq '(.rules[] | select(.category == "beauty") | .refund.kept_max) = "0.05"' \
		"$TOP/share/oms/fees/amazon.json" >share/fees/amazon.json
	run --separate-stderr oms-report fees --sku LIP --to 2026-11-20
	assert_success
	# back floor(1.44 x 1 / 2) = 0.72; 20% of it, 0.14, capped at 1 x
	# 0.05: 0.72 - 0.05 = 0.67.
	assert_equal "$(jq -r '[.fee, .back] | @tsv' <<<"$output")" "1.44	0.67"
	run --separate-stderr oms-report profit --sku LIP --to 2026-11-20
	assert_success
	# fees 1.44 - 0.67 = 0.77.
	assert_equal "$(jq -r '.fees' <<<"$output")" "0.77"
}

@test "a cancelled unit refunded counts once in returns, and gives back no fee it never paid" {
	oms-import --channel oms >/dev/null <<'EOF'
{"type":"order","channel":"amazon","external_id":"Z4","placed_at":"2026-11-27T10:00:00Z","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"LIP","qty":2,"unit_price":"9.00","tax":"1.44"}],"totals":{"tax":"1.44","total":"19.44"},"payment":{"status":"paid"}}
EOF
	oms-import -q cancel --line 1:1 o_7 >/dev/null
	OMS_NOW=2026-11-28T10:00:00Z oms-return -q refund o_7 >/dev/null
	run --separate-stderr oms-report fees --from 2026-11-27
	assert_success
	# One LIP sold: 8% x 9.00 = 0.72; the refund took the cancelled unit.
	assert_equal "$(jq -r '[.units, .base, .fee, .back] | @tsv' <<<"$output")" "1	9.00	0.72	0.00"
	run --separate-stderr oms-report profit --from 2026-11-27
	assert_success
	# gross 18.00, returns the refunded unit 9.72 - 0.72 = 9.00 (not its
	# value again as a cancelled unit), net 9.00, fees 0.72, nothing
	# shipped: profit 8.28, margin 0.92.
	assert_equal "$(jq -r '[.units, .gross, .returns, .net_sales, .cogs, .fees, .profit, .margin] | @tsv' <<<"$output")" "1	18.00	9.00	9.00	0.00	0.72	8.28	0.92"
	# The journal: the sale whole on its day (18.00 + 1.44 - 0.72 owed),
	# the refund on its own: 9.00 to refunds, 0.72 to tax, from clearing.
	run --separate-stderr oms-report journal --channel amazon --from 2026-11-27 --to 2026-11-28
	assert_success
	run jq -r '[.journal, .account, .debit, .credit] | @tsv' <<<"$output"
	assert_output - <<'EOF'
amazon-USD-2026-11-27	clearing	18.72	0.00
amazon-USD-2026-11-27	fees	0.72	0.00
amazon-USD-2026-11-27	sales	0.00	18.00
amazon-USD-2026-11-27	tax_payable	0.00	1.44
amazon-USD-2026-11-28	refunds	9.00	0.00
amazon-USD-2026-11-28	tax_payable	0.72	0.00
amazon-USD-2026-11-28	clearing	0.00	9.72
EOF
}

@test "a cancelled order owes no fee and the row says nothing of missing rules" {
	oms-import --channel oms >/dev/null <<'EOF2'
{"type":"order","channel":"amazon","external_id":"Z5","placed_at":"2026-11-27T10:00:00Z","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"LIP","qty":1,"unit_price":"9.00"}],"totals":{"total":"9.00"},"payment":{"status":"paid"}}
EOF2
	oms-import -q cancel o_7 >/dev/null
	run --separate-stderr oms-report profit --channel amazon --from 2026-11-27
	assert_success
	# Nothing sold and nothing charged: a row of the cancel alone, with
	# no note that rules are missing (amazon's rules are all there).
	assert_equal "$(jq -c '[.units, .gross, .returns, .fees, .fee_rules, .notes]' <<<"$output")" '[0,"9.00","9.00","0.00",[],[]]'
	# Beside the orders that do owe fees, the channel's row has the
	# rules it used and still no note.
	run --separate-stderr oms-report profit --channel amazon
	assert_success
	assert_equal "$(jq -c '.notes' <<<"$output")" '[]'
}
