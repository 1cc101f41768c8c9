#!/usr/bin/env bats
# oms-stock: the catalog, the ledger, levels now and then, history, verify.

load helper

CAT="$FIX/stock-catalog.jsonl"
MOVES="$FIX/stock-movements.jsonl"

# The catalog in place, at a known moment.
catalog() {
	OMS_NOW=2026-11-01T09:00:00Z oms-stock "$CAT" >/dev/null
}

# One movement record from its fields, as jq arguments.
mv() {
	jq -nc --arg kind "$1" --arg sku "$2" --arg loc "$3" --argjson qty "$4" \
		--arg key "$5" '{type:"movement",kind:$kind,sku:$sku,location:$loc,qty:$qty,key:$key}'
}

levels_table() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved, in_transit FROM levels ORDER BY 1, 2"
}

# A reservation routing made for an order, planted in the ledger and the
# levels as oms-route writes it (oms-stock takes no reserve since issue 13).
plant_reserve() {	# sku location qty key
	sqlite3 "$OMS_DB" "INSERT INTO movements (at, program, kind, sku, location, qty, ref, key, on_hand_after, reserved_after, in_transit_after, record) SELECT '2026-11-02T10:00:00Z', 'oms-route', 'reserve', sku, location, $3, 'o_1', '$4', on_hand, reserved + $3, in_transit, '{}' FROM levels WHERE sku = '$1' AND location = '$2'; UPDATE levels SET reserved = reserved + $3 WHERE sku = '$1' AND location = '$2'"
}

ledger_count() {
	sqlite3 "$OMS_DB" "SELECT count(*), coalesce(max(id), 0) FROM movements"
}

@test "catalog records are upserted and echoed after commit, money in canonical form" {
	run --separate-stderr oms-stock "$CAT"
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<'OUT'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","address":{"address1":"1 Port St","city":"Newark","region":"NJ","postal_code":"07102","country":"US"},"lat":40.735,"lon":-74.172,"sellable":true,"ships":true,"pickup":false,"priority":1,"capacity_per_day":5000,"cutoff":"16:00","tz":"America/New_York"}
{"type":"location","id":"LAX1","name":"Los Angeles DC","kind":"warehouse","priority":2}
{"type":"product","sku":"TEE-BLK-M","title":"Tee black M","attributes":{"color":"black","size":"M"},"barcode":"0012345678905","weight_g":200,"dims_mm":[300,200,20],"cost":"4.10","currency":"USD","bins":{"EWR1":"A-01-02-3"}}
{"type":"product","sku":"TEE-3PACK","title":"Three tees"}
{"type":"listing","channel":"amazon","channel_sku":"AMZ-TEE-M","sku":"TEE-BLK-M","price":"19.99","currency":"USD","active":true,"safety_stock":2,"percent":50,"max_qty":10,"end_when":3}
{"type":"kit","sku":"TEE-3PACK","components":[{"sku":"TEE-BLK-M","qty":3}]}
OUT
	run sqlite3 "$OMS_DB" "SELECT id, kind, city, postal_code, country, lat, lon, sellable, ships, pickup, priority, capacity_per_day, cutoff, tz FROM locations ORDER BY id"
	assert_output - <<'OUT'
EWR1|warehouse|Newark|07102|US|40.735|-74.172|1|1|0|1|5000|16:00|America/New_York
LAX1|warehouse||||||1|1|0|2|||
OUT
	run sqlite3 "$OMS_DB" "SELECT sku, title, barcode, weight_g, length_mm, width_mm, height_mm, cost, currency FROM products ORDER BY sku; SELECT * FROM product_bins"
	assert_output - <<'OUT'
TEE-3PACK|Three tees|||||||
TEE-BLK-M|Tee black M|0012345678905|200|300|200|20|410|USD
TEE-BLK-M|EWR1|A-01-02-3
OUT
	run sqlite3 "$OMS_DB" "SELECT channel, channel_sku, sku, price, currency, active, safety_stock, percent, max_qty, end_when FROM listings; SELECT * FROM kit_components"
	assert_output - <<'OUT'
amazon|AMZ-TEE-M|TEE-BLK-M|1999|USD|1|2|50|10|3
TEE-3PACK|TEE-BLK-M|3
OUT
}

@test "a catalog record replaces the stored one whole" {
	catalog
	run oms-stock <<<'{"type":"product","sku":"TEE-BLK-M","title":"Tee black medium","cost":"3","currency":"JPY","bins":{"LAX1":"Z-9"}}'
	assert_success
	assert_output '{"type":"product","sku":"TEE-BLK-M","title":"Tee black medium","cost":"3","currency":"JPY","bins":{"LAX1":"Z-9"}}'
	run sqlite3 "$OMS_DB" "SELECT title, weight_g, cost, currency FROM products WHERE sku = 'TEE-BLK-M'; SELECT * FROM product_bins"
	assert_output - <<'OUT'
Tee black medium||3|JPY
TEE-BLK-M|LAX1|Z-9
OUT
}

@test "a listing for an unknown sku is rejected; the rest goes in" {
	cat > l.jsonl <<'EOF2'
{"type":"listing","channel":"ebay","channel_sku":"EB-1","sku":"NO-SUCH","price":"5.00","currency":"USD"}
{"type":"listing","channel":"ebay","channel_sku":"EB-2","sku":"TEE-BLK-M","price":"18","currency":"USD"}
EOF2
	catalog
	run --separate-stderr oms-stock --rejects r.jsonl l.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-stock: l.jsonl:1: unknown sku 'NO-SUCH' (a product record adds it)"
	assert_output '{"type":"listing","channel":"ebay","channel_sku":"EB-2","sku":"TEE-BLK-M","price":"18.00","currency":"USD"}'
	run jq -c '{type,program,file,line,reason}' r.jsonl
	assert_output '{"type":"error","program":"oms-stock","file":"l.jsonl","line":1,"reason":"unknown sku '"'"'NO-SUCH'"'"' (a product record adds it)"}'
	assert_equal "$(jq -r .raw r.jsonl)" "$(sed -n 1p l.jsonl)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT channel_sku FROM listings WHERE channel = 'ebay'")" "EB-2"
}

# record | stderr, table-driven: each record breaks one rule.
@test "records that break a rule are refused with the reason" {
	catalog
	cat > bad.jsonl <<'EOF2'
{"type":"location","name":"no id"}
{"type":"location","id":"X1","sellable":"yes"}
{"type":"location","id":"X1","kind":"garage"}
{"type":"location","id":"X1","cutoff":"4pm"}
{"type":"location","id":"X1","tz":"Mars/Olympus"}
{"type":"product","sku":""}
{"type":"product","sku":"P1","cost":"4.10"}
{"type":"product","sku":"P1","cost":"four","currency":"USD"}
{"type":"product","sku":"P1","cost":"1","currency":"usd"}
{"type":"product","sku":"P1","dims_mm":[1,2]}
{"type":"listing","channel":"amazon","channel_sku":"A","sku":"TEE-BLK-M","percent":150}
{"type":"listing","channel":"amazon","channel_sku":"A","sku":"TEE-BLK-M","active":1}
{"type":"kit","sku":"TEE-3PACK","components":[]}
{"type":"kit","sku":"TEE-3PACK","components":[{"sku":"NOPE","qty":1}]}
{"type":"kit","sku":"NOPE","components":[{"sku":"TEE-BLK-M","qty":1}]}
{"type":"kit","sku":"TEE-3PACK","components":[{"sku":"TEE-BLK-M","qty":0}]}
{"type":"order","id":"o_1"}
{"kind":"receive"}
{"type":"movement","kind":"receive","sku":"TEE-BLK-M","location":"EWR1","qty":1}
{"type":"movement","kind":"gift","sku":"TEE-BLK-M","location":"EWR1","qty":1,"key":"k"}
{"type":"movement","kind":"receive","sku":"TEE-BLK-M","location":"EWR1","qty":0,"key":"k"}
{"type":"movement","kind":"receive","sku":"TEE-BLK-M","location":"EWR1","qty":1.5,"key":"k"}
{"type":"movement","kind":"adjust","sku":"TEE-BLK-M","location":"EWR1","qty":3,"key":"k"}
{"type":"movement","kind":"damage","sku":"TEE-BLK-M","location":"EWR1","qty":1,"key":"k"}
{"type":"movement","kind":"count","sku":"TEE-BLK-M","location":"EWR1","qty":-1,"key":"k"}
{"type":"movement","kind":"transfer","sku":"TEE-BLK-M","location":"EWR1","qty":1,"key":"k"}
{"type":"movement","kind":"transfer","sku":"TEE-BLK-M","location":"EWR1","to":"EWR1","qty":1,"key":"k"}
{"type":"movement","kind":"receive","sku":"TEE-BLK-M","location":"EWR1","to":"LAX1","qty":1,"key":"k"}
{"type":"movement","kind":"receive","sku":"NOPE","location":"EWR1","qty":1,"key":"k"}
{"type":"movement","kind":"receive","sku":"TEE-BLK-M","location":"NOWHERE","qty":1,"key":"k"}
{"type":"movement","kind":"receive","sku":"TEE-3PACK","location":"EWR1","qty":1,"key":"k"}
{"type":"movement","kind":"transfer_in","sku":"TEE-BLK-M","location":"LAX1","from":"EWR1","qty":1,"key":"k"}
EOF2
	run --separate-stderr oms-stock bad.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-stock: bad.jsonl:1: no id
oms-stock: bad.jsonl:2: sellable must be true or false
oms-stock: bad.jsonl:3: kind 'garage' is not warehouse, store or 3pl
oms-stock: bad.jsonl:4: cutoff '4pm' is not a time of day such as \"16:00\"
oms-stock: bad.jsonl:5: tz 'Mars/Olympus' is not a time zone
oms-stock: bad.jsonl:6: sku is empty
oms-stock: bad.jsonl:7: cost needs a currency
oms-stock: bad.jsonl:8: cost: 'four' is not an amount
oms-stock: bad.jsonl:9: currency 'usd' is not an ISO 4217 code
oms-stock: bad.jsonl:10: dims_mm must be an array of three whole numbers
oms-stock: bad.jsonl:11: percent 150 is out of range (0 to 100)
oms-stock: bad.jsonl:12: active must be true or false
oms-stock: bad.jsonl:13: components must be a non-empty array
oms-stock: bad.jsonl:14: component 1: unknown sku 'NOPE'
oms-stock: bad.jsonl:15: unknown sku 'NOPE' (a product record adds it)
oms-stock: bad.jsonl:16: component 1: qty 0 is out of range (1 to 1000000)
oms-stock: bad.jsonl:17: a record of type 'order' is not for oms-stock (it reads location, product, listing, kit and movement)
oms-stock: bad.jsonl:18: no type
oms-stock: bad.jsonl:19: no key
oms-stock: bad.jsonl:20: kind 'gift' is not receive, adjust, count, transfer, transfer_in, damage, reserve or release
oms-stock: bad.jsonl:21: a receive of 0: qty must be more than 0
oms-stock: bad.jsonl:22: qty must be a whole number
oms-stock: bad.jsonl:23: an adjust needs a reason
oms-stock: bad.jsonl:24: a damage needs a reason
oms-stock: bad.jsonl:25: a count of -1: counted figures are 0 or more
oms-stock: bad.jsonl:26: a transfer needs \"to\", the location it goes to
oms-stock: bad.jsonl:27: a transfer from EWR1 to itself
oms-stock: bad.jsonl:28: \"to\" belongs to a transfer only
oms-stock: bad.jsonl:29: unknown sku 'NOPE' (a product record adds it)
oms-stock: bad.jsonl:30: unknown location 'NOWHERE' (a location record adds it)
oms-stock: bad.jsonl:31: TEE-3PACK is a kit: its stock is its components'
oms-stock: bad.jsonl:32: TEE-BLK-M at LAX1: in transit would be -1 (it is 0)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM locations; SELECT count(*) FROM products; SELECT count(*) FROM movements; SELECT count(*) FROM levels")" "2
2
0
0"
}

@test "every movement kind gives its exact level, echoed with id, time and figures" {
	catalog
	OMS_NOW=2026-11-02T10:00:00Z run --separate-stderr oms-stock "$MOVES"
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<'OUT'
{"type":"movement","id":1,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"receive","sku":"TEE-BLK-M","location":"EWR1","qty":10,"change":10,"ref":"PO-123","key":"PO-123/1","on_hand":10,"reserved":0,"in_transit":0,"available":10}
{"type":"movement","id":2,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"adjust","sku":"TEE-BLK-M","location":"EWR1","qty":-2,"change":-2,"reason":"found torn","key":"adj-1","on_hand":8,"reserved":0,"in_transit":0,"available":8}
{"type":"movement","id":3,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"count","sku":"TEE-BLK-M","location":"EWR1","qty":7,"change":-1,"ref":"cycle-count-48","key":"count-48","on_hand":7,"reserved":0,"in_transit":0,"available":7}
{"type":"movement","id":4,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"damage","sku":"TEE-BLK-M","location":"EWR1","qty":1,"change":-1,"reason":"water","key":"dmg-1","on_hand":6,"reserved":0,"in_transit":0,"available":6}
{"type":"movement","id":5,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"transfer_out","sku":"TEE-BLK-M","location":"EWR1","to":"LAX1","qty":4,"change":-4,"ref":"TR-9","key":"TR-9/out","on_hand":2,"reserved":0,"in_transit":0,"available":2}
OUT
	run levels_table
	assert_output - <<'OUT'
TEE-BLK-M|EWR1|2|0|0
TEE-BLK-M|LAX1|0|0|4
OUT
	run sqlite3 "$OMS_DB" "SELECT id, kind, location, peer, qty, on_hand_after, reserved_after, in_transit_after FROM movements ORDER BY id"
	assert_output - <<'OUT'
1|receive|EWR1||10|10|0|0
2|adjust|EWR1||-2|8|0|0
3|count|EWR1||-1|7|0|0
4|damage|EWR1||-1|6|0|0
5|transfer_out|EWR1|LAX1|-4|2|0|0
OUT
}

@test "a transfer is in transit at the destination until received there" {
	catalog
	oms-stock "$MOVES" >/dev/null
	run oms-stock levels
	assert_output - <<'OUT'
{"type":"level","sku":"TEE-BLK-M","location":"EWR1","on_hand":2,"reserved":0,"in_transit":0,"available":2}
{"type":"level","sku":"TEE-BLK-M","location":"LAX1","on_hand":0,"reserved":0,"in_transit":4,"available":0}
OUT
	# More than is in transit cannot arrive.
	run --separate-stderr oms-stock <<<'{"type":"movement","kind":"transfer_in","sku":"TEE-BLK-M","location":"LAX1","from":"EWR1","qty":5,"key":"TR-9/in"}'
	assert_failure 1
	assert_equal "$stderr" "oms-stock: -:1: TEE-BLK-M at LAX1: in transit would be -1 (it is 4)"
	OMS_NOW=2026-11-05T08:00:00Z run --separate-stderr oms-stock <<<'{"type":"movement","kind":"transfer_in","sku":"TEE-BLK-M","location":"LAX1","from":"EWR1","qty":3,"key":"TR-9/in"}'
	assert_success
	assert_output '{"type":"movement","id":6,"at":"2026-11-05T08:00:00Z","program":"oms-stock","kind":"transfer_in","sku":"TEE-BLK-M","location":"LAX1","from":"EWR1","qty":3,"change":3,"key":"TR-9/in","on_hand":3,"reserved":0,"in_transit":1,"available":3}'
	run oms-stock levels --location LAX1
	assert_output '{"type":"level","sku":"TEE-BLK-M","location":"LAX1","on_hand":3,"reserved":0,"in_transit":1,"available":3}'
	run --separate-stderr oms-stock verify
	assert_success
}

@test "a movement that would take on hand negative or below reserved is refused and changes nothing" {
	catalog
	oms-stock "$MOVES" >/dev/null
	plant_reserve TEE-BLK-M EWR1 2 res-1
	before=$(levels_table; ledger_count)
	{ mv damage TEE-BLK-M EWR1 3 dmg-2 | jq -c '.reason = "crushed"'
	  mv adjust TEE-BLK-M EWR1 -1 adj-2 | jq -c '.reason = "lost"'
	  mv count TEE-BLK-M EWR1 1 count-49
	  mv transfer TEE-BLK-M EWR1 1 TR-10 | jq -c '.to = "LAX1"'
	  mv adjust TEE-BLK-M EWR1 -3 adj-3 | jq -c '.reason = "lost"'; } > m.jsonl
	run --separate-stderr oms-stock m.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-stock: m.jsonl:1: TEE-BLK-M at EWR1: on hand would be -1 (it is 2)
oms-stock: m.jsonl:2: TEE-BLK-M at EWR1: on hand would be 1, below the 2 reserved
oms-stock: m.jsonl:3: TEE-BLK-M at EWR1: on hand would be 1, below the 2 reserved
oms-stock: m.jsonl:4: TEE-BLK-M at EWR1: on hand would be 1, below the 2 reserved
oms-stock: m.jsonl:5: TEE-BLK-M at EWR1: on hand would be -1 (it is 2)"
	assert_equal "$(levels_table; ledger_count)" "$before"
	# Nothing was clamped: the level is where it was.
	assert_equal "$(levels_table | head -1)" "TEE-BLK-M|EWR1|2|2|0"
}

@test "reserve and release are not taken from the stock input (t/9250 has the whole story)" {
	catalog
	oms-stock "$MOVES" >/dev/null
	before=$(levels_table; ledger_count)
	run --separate-stderr oms-stock <<<"$(mv reserve TEE-BLK-M EWR1 2 res-1; mv release TEE-BLK-M EWR1 1 rel-1)"
	assert_failure 1
	assert_output ""
	assert_equal "$(cut -d: -f1-3 <<<"$stderr")" "oms-stock: -:1
oms-stock: -:2"
	assert_equal "$(levels_table; ledger_count)" "$before"
}

@test "applying the same movement file again changes nothing and says so" {
	catalog
	oms-stock "$MOVES" > first.jsonl
	before=$(levels_table; ledger_count)
	OMS_NOW=2026-12-01T00:00:00Z run --separate-stderr oms-stock -v "$MOVES"
	assert_success
	assert_equal "$stderr" "oms-stock: 0 applied, 5 already there, 0 rejected"
	assert_equal "$(levels_table; ledger_count)" "$before"
	# Each echo is the movement as stored, marked duplicate.
	assert_equal "$output" "$(jq -c '. + {duplicate: true}' first.jsonl)"
	# Its own echo fed back is a duplicate too.
	run oms-stock first.jsonl
	assert_success
	assert_equal "$(levels_table; ledger_count)" "$before"
}

@test "a key used again for a different movement is refused" {
	catalog
	oms-stock "$MOVES" >/dev/null
	run --separate-stderr oms-stock <<<"$(mv receive TEE-BLK-M EWR1 11 PO-123/1)"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-stock: -:1: key 'PO-123/1' is already movement 1, a different one (oms-stock history TEE-BLK-M shows it)"
	assert_equal "$(ledger_count)" "5|5"
}

@test "a count records the difference, and a count that matches records 0" {
	catalog
	oms-stock <<<"$(mv receive TEE-BLK-M EWR1 10 r1)" >/dev/null
	run oms-stock <<<"$(mv count TEE-BLK-M EWR1 13 c1; mv count TEE-BLK-M EWR1 13 c2; mv count TEE-BLK-M LAX1 0 c3)"
	assert_success
	run jq -c '[.location,.qty,.change,.on_hand]' <<<"$output"
	assert_output - <<'OUT'
["EWR1",13,3,13]
["EWR1",13,0,13]
["LAX1",0,0,0]
OUT
	run sqlite3 "$OMS_DB" "SELECT key, kind, qty, on_hand_after FROM movements ORDER BY id"
	assert_output - <<'OUT'
r1|receive|10|10
c1|count|3|13
c2|count|0|13
c3|count|0|0
OUT
}

@test "levels --as-of gives stock at a past moment, from the ledger" {
	catalog
	OMS_NOW=2026-11-02T10:00:00Z oms-stock <<<"$(mv receive TEE-BLK-M EWR1 10 r1)" >/dev/null
	OMS_NOW=2026-11-03T10:00:00Z oms-stock <<<"$(mv transfer TEE-BLK-M EWR1 4 t1 | jq -c '.to = "LAX1"')" >/dev/null
	OMS_NOW=2026-11-04T10:00:00Z oms-stock <<<"$(mv transfer_in TEE-BLK-M LAX1 4 t1in | jq -c '.from = "EWR1"')" >/dev/null
	run oms-stock levels --as-of 2026-11-01T00:00:00Z
	assert_success
	assert_output ""
	run oms-stock levels --as-of 2026-11-02T10:00:00Z
	assert_output '{"type":"level","sku":"TEE-BLK-M","location":"EWR1","on_hand":10,"reserved":0,"in_transit":0,"available":10}'
	run oms-stock levels --as-of '2026-11-03 12:00'
	assert_output - <<'OUT'
{"type":"level","sku":"TEE-BLK-M","location":"EWR1","on_hand":6,"reserved":0,"in_transit":0,"available":6}
{"type":"level","sku":"TEE-BLK-M","location":"LAX1","on_hand":0,"reserved":0,"in_transit":4,"available":0}
OUT
	run oms-stock levels --as-of 2026-11-04T10:00:00Z --location LAX1
	assert_output '{"type":"level","sku":"TEE-BLK-M","location":"LAX1","on_hand":4,"reserved":0,"in_transit":0,"available":4}'
	assert_equal "$(oms-stock levels --as-of 2030-01-01T00:00:00Z)" "$(oms-stock levels)"
	run --separate-stderr oms-stock levels --as-of yesterday
	assert_failure 2
	assert_equal "$stderr" "oms-stock: --as-of 'yesterday' is not a time"
}

@test "levels are sorted by sku then location and can be narrowed" {
	catalog
	oms-stock <<<'{"type":"product","sku":"MUG-WHT"}' >/dev/null
	oms-stock <<<"$(mv receive TEE-BLK-M LAX1 1 a; mv receive MUG-WHT LAX1 2 b; mv receive TEE-BLK-M EWR1 3 c; mv receive MUG-WHT EWR1 4 d)" >/dev/null
	run oms-stock levels
	assert_equal "$(jq -r '"\(.sku) \(.location) \(.on_hand)"' <<<"$output")" "MUG-WHT EWR1 4
MUG-WHT LAX1 2
TEE-BLK-M EWR1 3
TEE-BLK-M LAX1 1"
	run oms-stock levels --sku TEE-BLK-M --location EWR1
	assert_output '{"type":"level","sku":"TEE-BLK-M","location":"EWR1","on_hand":3,"reserved":0,"in_transit":0,"available":3}'
}

@test "history tells the story of a sku, in order, with the fields it came with" {
	catalog
	OMS_NOW=2026-11-02T10:00:00Z oms-stock "$MOVES" >/dev/null
	OMS_NOW=2026-11-05T08:00:00Z oms-stock <<<'{"type":"movement","kind":"transfer_in","sku":"TEE-BLK-M","location":"LAX1","from":"EWR1","qty":4,"key":"TR-9/in","carrier_ref":"1Z999"}' >/dev/null
	run --separate-stderr oms-stock history TEE-BLK-M
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<'OUT'
{"type":"movement","id":1,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"receive","sku":"TEE-BLK-M","location":"EWR1","qty":10,"change":10,"ref":"PO-123","key":"PO-123/1","on_hand":10,"reserved":0,"in_transit":0,"available":10}
{"type":"movement","id":2,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"adjust","sku":"TEE-BLK-M","location":"EWR1","qty":-2,"change":-2,"reason":"found torn","key":"adj-1","on_hand":8,"reserved":0,"in_transit":0,"available":8}
{"type":"movement","id":3,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"count","sku":"TEE-BLK-M","location":"EWR1","qty":7,"change":-1,"ref":"cycle-count-48","key":"count-48","on_hand":7,"reserved":0,"in_transit":0,"available":7}
{"type":"movement","id":4,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"damage","sku":"TEE-BLK-M","location":"EWR1","qty":1,"change":-1,"reason":"water","key":"dmg-1","on_hand":6,"reserved":0,"in_transit":0,"available":6}
{"type":"movement","id":5,"at":"2026-11-02T10:00:00Z","program":"oms-stock","kind":"transfer_out","sku":"TEE-BLK-M","location":"EWR1","to":"LAX1","qty":4,"change":-4,"ref":"TR-9","key":"TR-9/out","on_hand":2,"reserved":0,"in_transit":0,"available":2}
{"type":"movement","id":6,"at":"2026-11-05T08:00:00Z","program":"oms-stock","kind":"transfer_in","sku":"TEE-BLK-M","location":"LAX1","from":"EWR1","qty":4,"change":4,"key":"TR-9/in","carrier_ref":"1Z999","on_hand":4,"reserved":0,"in_transit":0,"available":4}
OUT
	run --separate-stderr oms-stock history TEE-3PACK
	assert_success
	assert_output ""
	run --separate-stderr oms-stock history NO-SUCH
	assert_failure 1
	assert_equal "$stderr" "oms-stock: unknown sku 'NO-SUCH'"
}

@test "verify agrees with a clean ledger and names a corrupted level; oms check too" {
	catalog
	oms-stock "$MOVES" >/dev/null
	run --separate-stderr oms-stock verify
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-stock: the levels agree with the ledger"
	run --separate-stderr oms check
	assert_success
	sqlite3 "$OMS_DB" "UPDATE levels SET on_hand = 5 WHERE location = 'EWR1'; UPDATE levels SET in_transit = 3 WHERE location = 'LAX1'"
	run --separate-stderr oms-stock verify
	assert_failure 1
	assert_output - <<'OUT'
TEE-BLK-M at EWR1: on_hand is 5 in levels, 2 in the ledger
TEE-BLK-M at LAX1: in_transit is 3 in levels, 4 in the ledger
OUT
	assert_equal "$stderr" "oms-stock: 2 differences between the levels and the ledger"
	run --separate-stderr oms check
	assert_failure 1
	assert_output - <<'OUT'
ledger: TEE-BLK-M at EWR1: on_hand is 5 in levels, 2 in the ledger
ledger: TEE-BLK-M at LAX1: in_transit is 3 in levels, 4 in the ledger
OUT
	assert_equal "$stderr" "oms: database '$OMS_DB': 2 problems"
}

@test "a level row lost, or a level gone bad behind the checks, is found" {
	skip_on_pg "only SQLite can be made to hold a row that breaks a CHECK constraint"
	catalog
	oms-stock "$MOVES" >/dev/null
	sqlite3 "$OMS_DB" "DELETE FROM levels WHERE location = 'LAX1'"
	run --separate-stderr oms-stock verify
	assert_failure 1
	assert_output "TEE-BLK-M at LAX1: in_transit is 0 in levels, 4 in the ledger"
	sqlite3 "$OMS_DB" "PRAGMA ignore_check_constraints = ON; UPDATE levels SET reserved = 9 WHERE location = 'EWR1'"
	run --separate-stderr oms check
	assert_failure 1
	assert_output - <<'OUT'
integrity: CHECK constraint failed in levels
ledger: TEE-BLK-M at EWR1: reserved is 9 in levels, 0 in the ledger
ledger: TEE-BLK-M at LAX1: in_transit is 0 in levels, 4 in the ledger
levels: TEE-BLK-M at EWR1: reserved 9 is more than on_hand 2
reservations: TEE-BLK-M at EWR1: reserved 9, allocated 0 (oms-stock reconcile repairs it)
OUT
}

@test "a bad JSON line in the middle is named; the lines around it go in" {
	catalog
	{ sed -n 1,2p "$MOVES"; echo '{"type":"movement","kind":'; sed -n 3,5p "$MOVES"; } > m.jsonl
	run --separate-stderr oms-stock --rejects r.jsonl m.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-stock: m.jsonl:3: invalid JSON at column 26"
	assert_equal "$(jq -r .key <<<"$output" | tr '\n' ' ')" "PO-123/1 adj-1 count-48 dmg-1 TR-9/out "
	run jq -c '{file,line,reason,raw}' r.jsonl
	assert_output '{"file":"m.jsonl","line":3,"reason":"invalid JSON at column 26","raw":"{\"type\":\"movement\",\"kind\":"}'
	assert_equal "$(ledger_count)" "5|5"
}

@test "--dry-run applies in order and writes nothing" {
	catalog
	run --separate-stderr oms-stock -n -v "$MOVES"
	assert_success
	assert_equal "$stderr" "oms-stock: 5 applied, 0 already there, 0 rejected (dry run: nothing written)"
	# Later records saw the earlier ones, as a real run would.
	assert_equal "$(jq -c '[.on_hand]' <<<"$output" | tr -d '\n')" "[10][8][7][6][2]"
	assert_equal "$(ledger_count)" "0|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM levels")" "0"
}

@test "a full disk on stdout fails the run with status 3" {
	catalog
	run --separate-stderr sh -c "oms-stock '$MOVES' > /dev/full"
	assert_failure 3
	assert_equal "$stderr" "oms-stock: write error: No space left on device"
}

@test "a database busy past the timeout gives status 4 and writes nothing" {
	catalog
	hold_lock "$OMS_DB" 5
	OMS_BUSY_TIMEOUT=300 run --separate-stderr oms-stock "$MOVES"
	kill "$LOCK_PID" 2>/dev/null || true
	assert_failure 4
	assert_output ""
	assert_equal "$stderr" "oms-stock: database '$OMS_DB' is busy: another program held it past the 300 ms timeout; try again later"
	wait
	assert_equal "$(ledger_count)" "0|0"
}

@test "usage errors exit 2" {
	for args in "levels extra" "history" "history a b" "verify x" "--sku X" "levels --rejects r" "-n verify" "--bogus"; do
		run --separate-stderr oms-stock $args </dev/null
		assert_failure 2
		[[ "$stderr" == *"usage: oms-stock [-nqv] [--db PATH] [--rejects FILE] [FILE ...]"* ]] || fail "$args: $stderr"
	done
	run --separate-stderr oms-stock levels --db nosuch.db
	assert_failure 3
	assert_equal "$stderr" "oms-stock: cannot open database 'nosuch.db': No such file or directory (oms init creates it)"
}

@test "records that arrive slowly are committed and echoed while the producer waits, the lock let go" {
	catalog
	mkfifo in
	oms-stock < in > out 2> err &
	pid=$!
	exec 7> in
	mv receive TEE-BLK-M EWR1 5 slow-1 >&7
	# The first echo comes before the second record is written...
	for i in $(seq 50); do [ -s out ] && break; sleep 0.1; done
	assert_equal "$(jq -r .key out)" "slow-1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT key FROM movements")" "slow-1"
	# ...and another writer is not kept waiting meanwhile.
	OMS_BUSY_TIMEOUT=300 run oms-stock <<<"$(mv receive TEE-BLK-M LAX1 1 other-1)"
	assert_success
	mv receive TEE-BLK-M EWR1 2 slow-2 >&7
	exec 7>&-
	wait "$pid"
	assert_equal "$(jq -r .key out | paste -sd' ')" "slow-1 slow-2"
	assert_equal "$(cat err)" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT key, on_hand_after FROM movements ORDER BY id" | paste -sd' ')" "slow-1|5 other-1|1 slow-2|7"
}

@test "a long file goes in batches: every record echoed once, in order, each committed" {
	catalog
	seq 1 1234 | jq -c '{type:"movement",kind:"receive",sku:"TEE-BLK-M",location:"EWR1",qty:1,key:("k" + tostring)}' > many.jsonl
	run --separate-stderr oms-stock -v many.jsonl
	assert_success
	assert_equal "$stderr" "oms-stock: 1234 applied, 0 already there, 0 rejected"
	assert_equal "$(jq -r '"\(.key) \(.on_hand)"' <<<"$output" | md5sum)" "$(seq 1 1234 | awk '{ print "k" $1, $1 }' | md5sum)"
	assert_equal "$(ledger_count)" "1234|1234"
	run oms-stock verify
	assert_success
}

@test "a movement refused for lack of stock is not recorded: fed again once the stock is there, it applies" {
	catalog
	{ mv receive TEE-BLK-M EWR1 2 r-1
	  mv damage TEE-BLK-M EWR1 5 d-1 | jq -c '.reason = "crushed"'
	  mv receive TEE-BLK-M EWR1 1 r-2; } > m.jsonl
	run --separate-stderr oms-stock m.jsonl
	assert_failure 1
	assert_equal "$(jq -r .key <<<"$output" | paste -sd' ')" "r-1 r-2"
	assert_equal "$stderr" "oms-stock: m.jsonl:2: TEE-BLK-M at EWR1: on hand would be -3 (it is 2)"
	oms-stock <<<"$(mv receive TEE-BLK-M EWR1 10 r-3)" >/dev/null
	# The same file again: the refused one applies, the others are duplicates.
	run --separate-stderr oms-stock -v m.jsonl
	assert_success
	assert_equal "$stderr" "oms-stock: 1 applied, 2 already there, 0 rejected"
	assert_equal "$(jq -r '"\(.key) \(.duplicate // false)"' <<<"$output" | paste -sd' ')" "r-1 true d-1 false r-2 true"
	assert_equal "$(levels_table | grep '^TEE-BLK-M|EWR1')" "TEE-BLK-M|EWR1|8|0|0"
}

@test "a file that is not JSON lines stops at its first line, with what reads it; one bad line among records is rejected alone" {
	skip_without_samples
	OLT="$OMS_SAMPLES/shopify_inventory_export__olt-jewellery.csv"
	cp "$OLT" inventory.csv
	run --separate-stderr oms-stock --rejects rejects.jsonl inventory.csv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-stock: inventory.csv:1: not JSON lines: this looks like Shopify's inventory export: use \`oms-stock import-shopify-inventory --location LOC inventory.csv\`; nothing read from it"
	assert_equal "$(jq -c '[.file, .line, .raw[0:7]]' rejects.jsonl)" '["inventory.csv",1,"Handle,"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM products")" "0"
	# A catalog CSV, pretty JSON, and anything else: each its own hint.
	printf 'type,id,name\nlocation,EWR1,Newark\n' > catalog.csv
	run --separate-stderr oms-stock catalog.csv
	assert_failure 1
	assert_equal "$stderr" "oms-stock: catalog.csv:1: not JSON lines: this looks like a catalog CSV: use \`oms-stock import-catalog catalog.csv\`; nothing read from it"
	printf '[\n  {"type":"location","id":"EWR1"}\n]\n' | { run --separate-stderr oms-stock; assert_failure 1; assert_equal "$stderr" "oms-stock: -:1: not JSON lines: this looks like JSON that is not one record a line: make it JSON lines first, e.g. jq -c '.[]' -; nothing read from it"; }
	printf 'hello\n' > notes.txt
	run --separate-stderr oms-stock notes.txt catalog.csv
	assert_failure 1
	assert_equal "$stderr" "oms-stock: notes.txt:1: not JSON lines: oms-stock reads one JSON record a line (oms-records(5)); nothing read from it
oms-stock: catalog.csv:1: not JSON lines: this looks like a catalog CSV: use \`oms-stock import-catalog catalog.csv\`; nothing read from it"
	# JSON lines with one bad line: that record alone, the rest go in.
	printf '%s\n' '{"type":"location","id":"EWR1"}' 'Handle,SKU,Location' '{"type":"location","id":"ORD1"}' > mixed.jsonl
	run --separate-stderr oms-stock mixed.jsonl
	assert_failure 1
	assert_equal "$(jq -r .id <<<"$output")" "EWR1
ORD1"
	assert_equal "$stderr" "oms-stock: mixed.jsonl:2: invalid JSON at column 1"
	# A first record that is broken is one bad record, not a foreign file.
	printf '%s\n' '{"type":"location","id":"EWR1"' '{"type":"location","id":"ORD1"}' > first.jsonl
	run --separate-stderr oms-stock first.jsonl
	assert_failure 1
	assert_equal "$(jq -r .id <<<"$output")" "ORD1"
	assert_equal "$stderr" "oms-stock: first.jsonl:1: invalid JSON at column 30"
}

# The EXAMPLES of man page $1 as man(1) shows them ($2 renders): each
# "$ " command with its here-document, and the lines after it, what it
# prints.  Writes cmd.N and exp.N; prints N.
man_examples() {
	$2 "$TOP/man/$1" 2>/dev/null | col -bx | sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
	    sed -n 's/^        *//p' | awk '
		/^\$ / { n++; c = substr($0, 3); print c > ("cmd." n)
			here = c ~ /<<.EOF./; printf "" > ("exp." n); next }
		here { print > ("cmd." n); if ($0 == "EOF") here = 0; next }
		n { print > ("exp." n) }
		END { print n }'
}

@test "every example in oms-stock(1) does what it says when copied from the page" {
	skip_on_pg "the examples start each time from no database file"
	export OMS_NOW=2026-11-20T12:00:00Z
	mkdir bin
	printf '#!/bin/sh\necho "$@" >> "%s/uploaded"\n' "$PWD" > bin/upload
	chmod +x bin/upload
	for render in "groff -mandoc -Tascii" "mandoc -Tascii"; do
		command -v ${render%% *} >/dev/null || continue
		rm -f "$OMS_DB" cmd.* exp.* uploaded
		n=$(man_examples oms-stock.1 "$render")
		[ "$n" -ge 7 ] || fail "$render: only $n examples"
		for i in $(seq "$n"); do
			PATH="$PWD/bin:$PATH" run bash cmd.$i
			[ "$status" -eq 0 ] || fail "$render: example $i failed ($status): $(cat cmd.$i): $output"
			assert_equal "$output" "$(cat exp.$i)"
		done
		assert_equal "$(cat uploaded)" "pq.txt"
	done
}
