#!/usr/bin/env bats
# oms-report inventory, movements and reorder: stock now and as of a
# day, sold (returns netted), cover, sell-through, FIFO aging, value at
# cost and retail, the ledger by reason, what to reorder; on a fixture
# made by the real programs, every figure worked out by hand.

load helper

R="$FIX/route"

# The fixture (setup_file), the clock at 2026-11-30T20:00:00Z (12:00 in
# Los Angeles).  Costs: A 4.00 USD, B 3.50 EUR, C none.  Listings: A
# 19.99 USD (amazon) and 24.00 USD (web); B 9.00 EUR (web) and 12.00 USD
# (amazon); C 5.00 USD (web); KIT (A + 2 B) 30.00 USD (web).
#   05-01 18:00Z  receive A EWR1 4         (a1)
#   07-01 18:00Z  receive B LAX1 10        (b1)
#   08-15 18:00Z  receive A EWR1 3         (a2)
#   10-01 05:00Z  receive A EWR1 5         (a3; 09-30 in Los Angeles)
#   11-01 05:00Z  receive C LAX1 2         (c1; 10-31 in Los Angeles)
#   11-05 18:00Z  transfer A EWR1 -> ORD1 2, in at ORD1 11-07 18:00Z
#   11-10 15:00Z  order 2001 A:3, s_1 from EWR1
#   11-10 18:00Z  receive B LAX1 4         (b2)
#   11-12 18:00Z  damage A EWR1 1 "dropped"
#   11-20 18:00Z  receive A EWR1 6         (a4)
#   11-27 15:00Z  order 2002 A:2 B:1, s_2 A:2 EWR1, s_3 B:1 LAX1
#   11-28 15:00Z  order 2003 KIT:1, s_4 A:1 EWR1, s_5 B:2 LAX1
#   11-28 18:00Z  transfer A ORD1 -> EWR1 1, still in transit
#   11-29 19:00Z  1 A of 2001 returned at EWR1 and restocked there
# Now: A EWR1 on hand 4+3+5-2-1+6-3-2-1+1 = 10, in transit 1; A ORD1
# 2-1 = 1; B LAX1 10+4-1-2 = 11; C LAX1 2.
setup_file() {
	OMS_DB=$(shared_db "$BATS_FILE_TMPDIR/fx.db") || return 1
	export OMS_DB FX_DB=$OMS_DB HOME="$BATS_FILE_TMPDIR"
	cd "$BATS_FILE_TMPDIR" || return 1
	oms -q init
	export OMS_NOW=2026-04-01T09:00:00Z
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'X'
{"type":"product","sku":"A","weight_g":400,"cost":"4.00","currency":"USD"}
{"type":"product","sku":"B","weight_g":900,"cost":"3.50","currency":"EUR"}
{"type":"listing","channel":"amazon","channel_sku":"AMZ-A","sku":"A","price":"19.99","currency":"USD"}
{"type":"listing","channel":"web","channel_sku":"A","sku":"A","price":"24.00","currency":"USD"}
{"type":"listing","channel":"web","channel_sku":"B","sku":"B","price":"9.00","currency":"EUR"}
{"type":"listing","channel":"amazon","channel_sku":"AMZ-B","sku":"B","price":"12.00","currency":"USD"}
{"type":"listing","channel":"web","channel_sku":"C","sku":"C","price":"5.00","currency":"USD"}
{"type":"listing","channel":"web","channel_sku":"KIT","sku":"KIT","price":"30.00","currency":"USD"}
X
	fx_mv 2026-05-01T18:00:00Z receive A EWR1 4 a1
	fx_mv 2026-07-01T18:00:00Z receive B LAX1 10 b1
	fx_mv 2026-08-15T18:00:00Z receive A EWR1 3 a2
	fx_mv 2026-10-01T05:00:00Z receive A EWR1 5 a3
	fx_mv 2026-11-01T05:00:00Z receive C LAX1 2 c1
	fx_mv 2026-11-05T18:00:00Z transfer A EWR1 2 t1 '"to":"ORD1"'
	fx_mv 2026-11-07T18:00:00Z transfer_in A ORD1 2 t1in '"from":"EWR1"'
	fx_order 2001 2026-11-10T15:00:00Z "A:3"
	fx_mv 2026-11-10T18:00:00Z receive B LAX1 4 b2
	fx_mv 2026-11-12T18:00:00Z damage A EWR1 1 d1 '"reason":"dropped"'
	fx_mv 2026-11-20T18:00:00Z receive A EWR1 6 a4
	fx_order 2002 2026-11-27T15:00:00Z "A:2 B:1"
	fx_order 2003 2026-11-28T15:00:00Z "KIT:1"
	fx_mv 2026-11-28T18:00:00Z transfer A ORD1 1 t2 '"to":"EWR1"'
	export OMS_NOW=2026-11-29T19:00:00Z
	oms-return request --reason unwanted web:2001 1:1 >/dev/null
	oms-return receive r_1 >/dev/null
	oms-return inspect --disposition restock r_1 1 >/dev/null
}

# fx_mv AT KIND SKU LOCATION QTY KEY [EXTRA]
fx_mv() {
	echo "{\"type\":\"movement\",\"kind\":\"$2\",\"sku\":\"$3\",\"location\":\"$4\",\"qty\":$5,\"key\":\"$6\"${7:+,$7}}" |
		OMS_NOW=$1 oms-stock >/dev/null
}

# fx_order EXT AT LINES: imported, routed and shipped at AT.
fx_order() {
	local lines= l s q
	for l in $3; do
		IFS=: read -r s q <<<"$l"
		lines="$lines${lines:+,}{\"line_id\":\"L$s\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\"}"
	done
	echo "{\"type\":\"order\",\"external_id\":\"$1\",\"channel\":\"web\",\"currency\":\"USD\",\"placed_at\":\"$2\",\"ship_to\":{\"name\":\"Zoe\",\"address1\":\"1 Main St\",\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\"},\"lines\":[$lines]}" |
		OMS_NOW=$2 oms-import --channel oms >/dev/null
	OMS_NOW=$2 oms-route --pending >/dev/null
	OMS_NOW=$2 oms-ship --carrier offline --labels labels --pending >/dev/null
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export HOME="$BATS_TEST_TMPDIR" OMS_DB="$BATS_TEST_TMPDIR/oms.db"
	export OMS_NOW=2026-11-30T20:00:00Z
	unset OMS_TZ
	# On PostgreSQL, where there is no file to copy, the tests read
	# the fixture itself: they only read.
	if on_pg; then
		OMS_DB=$FX_DB
	else
		cp "$BATS_FILE_TMPDIR/fx.db" "$OMS_DB"
	fi
}

@test "the fixture is what the comments say: levels, parcels, the restock" {
	run sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved, in_transit FROM levels ORDER BY 1, 2; SELECT s.id, s.location, s.shipped_at, sl.sku, sl.qty FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id ORDER BY s.id; SELECT sku, location, disposition, qty, at FROM return_units"
	assert_output - <<'OUT'
A|EWR1|10|0|1
A|EWR1/returns|0|0|0
A|ORD1|1|0|0
B|LAX1|11|0|0
C|LAX1|2|0|0
1|EWR1|2026-11-10T15:00:00Z|A|3
2|EWR1|2026-11-27T15:00:00Z|A|2
3|LAX1|2026-11-27T15:00:00Z|B|1
4|EWR1|2026-11-28T15:00:00Z|A|1
5|LAX1|2026-11-28T15:00:00Z|B|2
A|EWR1|restock|1|2026-11-29T19:00:00Z
OUT
}

@test "inventory now, in Los Angeles: every figure of every row" {
	# Windows: 7 and 30 times 24 h before now (from 11-23 20:00Z and
	# 10-31 20:00Z).
	# A EWR1: sold_30 s_1 3 + s_2 2 + s_4 1 - 1 restocked = 5; sold_7
	#   2 + 1 - 1 = 2.  cover 10 / (2/7) = 35, 10 / (5/30) = 60.
	#   sell-through 5 / (5 + 10).  Aging, newest receipt first: the
	#   restock 1 (11-29) and a4 6 (11-20) are 0-30 days; 3 more from
	#   a3, received 09-30 in Los Angeles, 61 days before 11-30.
	#   Cost 4.00 * 10; retail the dearest listing 24.00 * 10.
	# A ORD1: 1 of the 2 transferred in on 11-07; nothing sold: cover
	#   null, sell-through 0 / (0 + 1) = 0.
	# B LAX1: sold s_3 1 + s_5 2 = 3 in both windows; cover 11*7/3 =
	#   25.67, 11*30/3 = 110; sell-through 3/14 = .2143; b2 4 (20
	#   days), 7 of b1 (07-01, 152 days).  3.50 EUR * 11; retail the EUR
	#   listing 9.00 * 11 (the 12.00 USD one is in another currency).
	# C LAX1: no cost; currency and retail of its listing, 5.00 * 2;
	#   received 10-31 in Los Angeles, 30 days: 0-30.
	# A EWR1/returns holds nothing and sold nothing: no row.
	OMS_TZ=America/Los_Angeles run --separate-stderr oms-report inventory
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<'OUT'
{"type":"stock","sku":"A","location":"EWR1","on_hand":10,"reserved":0,"available":10,"sold_7":2,"sold_30":5,"cover_days_7":35,"cover_days_30":60,"sell_through":0.3333,"age_0_30":7,"age_31_60":0,"age_61_90":3,"age_91_120":0,"age_121_180":0,"age_180_plus":0,"currency":"USD","value_cost":"40.00","value_retail":"240.00"}
{"type":"stock","sku":"A","location":"ORD1","on_hand":1,"reserved":0,"available":1,"sold_7":0,"sold_30":0,"cover_days_7":null,"cover_days_30":null,"sell_through":0,"age_0_30":1,"age_31_60":0,"age_61_90":0,"age_91_120":0,"age_121_180":0,"age_180_plus":0,"currency":"USD","value_cost":"4.00","value_retail":"24.00"}
{"type":"stock","sku":"B","location":"LAX1","on_hand":11,"reserved":0,"available":11,"sold_7":3,"sold_30":3,"cover_days_7":25.7,"cover_days_30":110,"sell_through":0.2143,"age_0_30":4,"age_31_60":0,"age_61_90":0,"age_91_120":0,"age_121_180":7,"age_180_plus":0,"currency":"EUR","value_cost":"38.50","value_retail":"99.00"}
{"type":"stock","sku":"C","location":"LAX1","on_hand":2,"reserved":0,"available":2,"sold_7":0,"sold_30":0,"cover_days_7":null,"cover_days_30":null,"sell_through":0,"age_0_30":2,"age_31_60":0,"age_61_90":0,"age_91_120":0,"age_121_180":0,"age_180_plus":0,"currency":"USD","value_cost":null,"value_retail":"10.00"}
OUT
	# In UTC a3 came on 10-01, 60 days before: 31-60.
	run --separate-stderr oms-report inventory --sku A --location EWR1
	assert_equal "$(jq -c '[.age_0_30, .age_31_60, .age_61_90]' <<<"$output")" "[7,3,0]"
}

@test "inventory --as-of: the ledger summed to the end of the day, aged and sold as of then" {
	# End of 11-09 UTC.  A EWR1: a1 4 + a2 3 + a3 5 - 2 transferred = 10;
	#   newest first a3 5 (39 days), a2 3 (86), 2 of a1 (192): 31-60 5,
	#   61-90 3, over 180 2.  Nothing sold in 10-11..11-09.
	# A ORD1: 2 in on 11-07.  B LAX1: b1 10, 131 days.  C LAX1: c1 2.
	run --separate-stderr oms-report inventory --as-of 2026-11-09
	assert_success
	assert_output - <<'OUT'
{"type":"stock","sku":"A","location":"EWR1","on_hand":10,"reserved":0,"available":10,"sold_7":0,"sold_30":0,"cover_days_7":null,"cover_days_30":null,"sell_through":0,"age_0_30":0,"age_31_60":5,"age_61_90":3,"age_91_120":0,"age_121_180":0,"age_180_plus":2,"currency":"USD","value_cost":"40.00","value_retail":"240.00"}
{"type":"stock","sku":"A","location":"ORD1","on_hand":2,"reserved":0,"available":2,"sold_7":0,"sold_30":0,"cover_days_7":null,"cover_days_30":null,"sell_through":0,"age_0_30":2,"age_31_60":0,"age_61_90":0,"age_91_120":0,"age_121_180":0,"age_180_plus":0,"currency":"USD","value_cost":"8.00","value_retail":"48.00"}
{"type":"stock","sku":"B","location":"LAX1","on_hand":10,"reserved":0,"available":10,"sold_7":0,"sold_30":0,"cover_days_7":null,"cover_days_30":null,"sell_through":0,"age_0_30":0,"age_31_60":0,"age_61_90":0,"age_91_120":0,"age_121_180":10,"age_180_plus":0,"currency":"EUR","value_cost":"35.00","value_retail":"90.00"}
{"type":"stock","sku":"C","location":"LAX1","on_hand":2,"reserved":0,"available":2,"sold_7":0,"sold_30":0,"cover_days_7":null,"cover_days_30":null,"sell_through":0,"age_0_30":2,"age_31_60":0,"age_61_90":0,"age_91_120":0,"age_121_180":0,"age_180_plus":0,"currency":"USD","value_cost":null,"value_retail":"10.00"}
OUT
	# End of 11-27 UTC.  A EWR1: 10 - 1 damaged + 6 - 3 - 2 = 10;
	#   sold_7 (11-21..11-27) s_2 2; sold_30 (10-29..11-27) 3 + 2 = 5;
	#   cover 10*7/2 = 35, 10*30/5 = 60; a4 6 (7 days), 4 of a3 (57).
	run --separate-stderr oms-report inventory --as-of 2026-11-27 --sku A --location EWR1
	assert_output '{"type":"stock","sku":"A","location":"EWR1","on_hand":10,"reserved":0,"available":10,"sold_7":2,"sold_30":5,"cover_days_7":35,"cover_days_30":60,"sell_through":0.3333,"age_0_30":6,"age_31_60":4,"age_61_90":0,"age_91_120":0,"age_121_180":0,"age_180_plus":0,"currency":"USD","value_cost":"40.00","value_retail":"240.00"}'
	# c1 came at 11-01 05:00Z: on 10-31 in Los Angeles, not in UTC.
	run --separate-stderr oms-report inventory --as-of 2026-10-31 --sku C
	assert_success
	assert_output ""
	run --separate-stderr oms-report inventory --as-of 2026-10-31 --sku C --tz America/Los_Angeles
	assert_equal "$(jq -c '[.on_hand, .age_0_30]' <<<"$output")" "[2,2]"
	# --to DAY is the same as --as-of DAY: the end of that local day.
	run --separate-stderr oms-report inventory --to 2026-10-31 --sku C --tz America/Los_Angeles
	assert_equal "$(jq -c '[.on_hand, .age_0_30]' <<<"$output")" "[2,2]"
	run --separate-stderr oms-report inventory --to 2026-11-09
	assert_success
	assert_equal "$output" "$(oms-report inventory --as-of 2026-11-09)"
}

@test "inventory --channel: the skus listed there, retail at that channel's price" {
	# amazon lists A (19.99 USD) and B (12.00 USD only: no EUR price).
	run --separate-stderr oms-report inventory --channel amazon
	assert_success
	assert_equal "$(jq -r '[.sku, .location, .currency, .value_cost, .value_retail] | @tsv' <<<"$output")" "$(printf 'A\tEWR1\tUSD\t40.00\t199.90\nA\tORD1\tUSD\t4.00\t19.99\nB\tLAX1\tEUR\t38.50\t')"
}

@test "movements: the ledger by location, kind and reason, in the merchant's days" {
	# From 11-01 UTC on; units are the signed changes, reasons cut at
	# their colon ("restocked: r_1 line 1").
	# EWR1: shipped s_1 3, s_2 2, s_4 1; the damage; a4; three reserves
	#   and releases for the parcels; the restock in; t1 out 2.
	# EWR1/returns: the return received, and moved out to EWR1.
	# LAX1: shipped s_3 1 and s_5 2; c1 2 and b2 4 received.
	# ORD1: t1 in 2, t2 out 1.
	run --separate-stderr oms-report movements --from 2026-11-01
	assert_success
	assert_output - <<'OUT'
{"type":"movements","location":"EWR1","kind":"adjust","reason":"shipped","units":-6,"movements":3}
{"type":"movements","location":"EWR1","kind":"damage","reason":"dropped","units":-1,"movements":1}
{"type":"movements","location":"EWR1","kind":"receive","reason":null,"units":6,"movements":1}
{"type":"movements","location":"EWR1","kind":"release","reason":null,"units":-6,"movements":3}
{"type":"movements","location":"EWR1","kind":"reserve","reason":null,"units":6,"movements":3}
{"type":"movements","location":"EWR1","kind":"transfer_in","reason":"restocked","units":1,"movements":1}
{"type":"movements","location":"EWR1","kind":"transfer_out","reason":null,"units":-2,"movements":1}
{"type":"movements","location":"EWR1/returns","kind":"receive","reason":"returned","units":1,"movements":1}
{"type":"movements","location":"EWR1/returns","kind":"transfer_out","reason":"restocked","units":-1,"movements":1}
{"type":"movements","location":"LAX1","kind":"adjust","reason":"shipped","units":-3,"movements":2}
{"type":"movements","location":"LAX1","kind":"receive","reason":null,"units":6,"movements":2}
{"type":"movements","location":"LAX1","kind":"release","reason":null,"units":-3,"movements":2}
{"type":"movements","location":"LAX1","kind":"reserve","reason":null,"units":3,"movements":2}
{"type":"movements","location":"ORD1","kind":"transfer_in","reason":null,"units":2,"movements":1}
{"type":"movements","location":"ORD1","kind":"transfer_out","reason":null,"units":-1,"movements":1}
OUT
	# In Los Angeles 11-01 starts at 07:00Z: c1 (05:00Z) is October's.
	run --separate-stderr oms-report movements --from 2026-11-01 --location LAX1 --tz America/Los_Angeles
	assert_line --index 1 '{"type":"movements","location":"LAX1","kind":"receive","reason":null,"units":4,"movements":1}'
	# Up to the end of 05-01 for A: a1 alone.
	run --separate-stderr oms-report movements --to 2026-05-01 --sku A
	assert_output '{"type":"movements","location":"EWR1","kind":"receive","reason":null,"units":4,"movements":1}'
	run --separate-stderr oms-report movements --channel web
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms-report: movements: --channel does not apply: the ledger is by location"
}

@test "reorder: below the cover wanted, the quantity to buy less what is on its way" {
	# --days 7: sold over the 7 * 24 h before now, A EWR1 2, B LAX1 3.
	# A EWR1: 2/7 a day * 60 = 17.14 > 10 available; ceil(17.14 - 10 -
	#   1 in transit) = 7.  B LAX1: 3/7 * 60 = 25.71 > 11; ceil(25.71 -
	#   11) = 15.  A ORD1 and C sold nothing.
	run --separate-stderr oms-report reorder --days 7 --cover 60
	assert_success
	assert_output - <<'OUT'
{"type":"reorder","sku":"A","location":"EWR1","available":10,"in_transit":1,"daily_units":0.29,"cover_days":60,"reorder_qty":7}
{"type":"reorder","sku":"B","location":"LAX1","available":11,"in_transit":0,"daily_units":0.43,"cover_days":60,"reorder_qty":15}
OUT
	# Defaults, 30 and 30: A 5/30 * 30 = 5 <= 10, B 3 <= 11: nothing.
	run --separate-stderr oms-report reorder
	assert_success
	assert_output ""
	# 90 days of cover: A 5/30 * 90 = 15 > 10; ceil(15 - 10 - 1) = 4;
	# B 9 <= 11.
	run --separate-stderr oms-report reorder --cover 90
	assert_output '{"type":"reorder","sku":"A","location":"EWR1","available":10,"in_transit":1,"daily_units":0.17,"cover_days":90,"reorder_qty":4}'
	run --separate-stderr oms-report reorder --days 7 --cover 60 --sku B --channel web
	assert_equal "$(jq -r .reorder_qty <<<"$output")" "15"
}

@test "inventory and reorder: bad input is a usage error, exit 2, nothing on stdout" {
	for args in "inventory --as-of 2026-13-01" "inventory --as-of 2026-11-30T10:00:00Z" "inventory --from 2026-11-01" "inventory --to 2026-11-01 --as-of 2026-11-01" "reorder --days 0" "reorder --cover x" "reorder --days 3651" "reorder --days -1" "reorder --to 2026-11-01" "movements --from nope" "inventory x" "reorder --as-of 2026-11-01"; do
		run --separate-stderr oms-report $args
		assert_failure 2
		assert_output ""
		[ -n "$stderr" ]
	done
	run --separate-stderr oms-report inventory --as-of 2026-13-01
	assert_equal "$stderr" "oms-report: inventory: --as-of '2026-13-01' is not a day (2026-11-30)"
	run --separate-stderr oms-report reorder --days 0
	assert_equal "$stderr" "oms-report: reorder: --days '0' is not a number of days from 1 to 3650"
	run --separate-stderr oms-report inventory --from 2026-11-01
	assert_equal "$stderr" "oms-report: inventory: --from does not apply: stock is as of the end of a day (--to DAY or --as-of DAY)"
	run --separate-stderr oms-report inventory --to 2026-11-01 --as-of 2026-11-01
	assert_equal "$stderr" "oms-report: inventory: give --to or --as-of, not both"
}
