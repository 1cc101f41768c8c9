#!/usr/bin/env bats
# oms-route: each strategy, split and backorder policy, kits, pickup,
# reroute, a no-op second run, determinism, dry run, explain, the ledger.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z	# a Thursday: 10:00 in Newark

setup_route() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
}

stock() {	# sku location qty
	echo "{\"type\":\"movement\",\"kind\":\"receive\",\"sku\":\"$1\",\"location\":\"$2\",\"qty\":$3,\"key\":\"r-$1-$2-$RANDOM$RANDOM\"}" | oms-stock >/dev/null
}

# order EXT ZIP REGION LINES [EXTRA]: LINES is "sku:qty:price sku:qty:price".
order() {
	local lines= l s q p
	for l in $4; do
		IFS=: read -r s q p <<<"$l"
		lines="$lines${lines:+,}{\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"${p:-10.00}\"}"
	done
	echo "{\"type\":\"order\",\"external_id\":\"$1\",\"currency\":\"USD\",\"placed_at\":\"2026-11-26T14:00:00Z\",\"ship_to\":{\"address1\":\"1 Main St\",\"city\":\"X\",\"region\":\"$3\",\"postal_code\":\"$2\",\"country\":\"US\"},\"lines\":[$lines]${5:+,$5}}" | oms-import --channel oms >/dev/null
}

rules() {
	printf '%s\n' "$1" > rules.json
	oms-route -q rules load rules.json
}

# One line an allocation: order status location:sku:qty ...
decide() {
	jq -r '[.order, .status] + [.lines[] | .sku as $s | .locations[] | "\(.location):\(.sku // $s):\(.qty)"] | join(" ")'
}

@test "closest: the nearest location that holds the order; the whole record" {
	setup_route
	stock A EWR1 5; stock A ORD1 5; stock A LAX1 5
	order 1 10001 NY "A:2:10.00"
	run --separate-stderr oms-route --pending
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"type":"allocation","order":"o_1","channel":"oms","external_id":"1","status":"allocated","rule":"default","rules_version":0,"lines":[{"line_no":1,"sku":"A","qty":2,"allocated":2,"locations":[{"location":"EWR1","qty":2}]}],"shipments":[{"location":"EWR1","lines":[1],"value":"20.00","weight_g":800,"distance_km":14.9,"service":"usps-ground-advantage","cost":"10.25","cost_currency":"USD","zone":1,"transit_days":2,"ships_on":"2026-11-26","arrives_on":"2026-11-30","late":false}]}'
	# The ledger has the reservation, the order its status and an event.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, location, qty, ref, key FROM movements WHERE kind = 'reserve'")" "reserve|A|EWR1|2|o_1|route:a1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT allocated FROM order_lines; SELECT action, before, after FROM events WHERE action <> 'created'")" 'allocated
2
allocated|{"status":"open"}|{"status":"allocated","rule":"default","rules_version":0,"locations":["EWR1"]}'
	run oms check
	assert_success
}

@test "fewest_shipments: one location that holds everything beats two nearer ones" {
	setup_route
	stock A EWR1 5; stock B LAX1 5; stock A ORD1 5; stock B ORD1 5
	order 1 10001 NY "A:1 B:1"
	run oms-route --pending
	assert_success
	assert_equal "$(decide <<<"$output")" "o_1 allocated ORD1:A:1 ORD1:B:1"
}

@test "a split is solved: the fewest locations, then the strategies, units from the best first" {
	setup_route
	stock A EWR1 1; stock A LAX1 5; stock B ORD1 1; stock B LAX1 1
	order 1 10001 NY "A:3 B:2"
	run oms-route --pending
	assert_success
	# LAX1 cannot cover B alone; {EWR1, LAX1} lacks B; {LAX1, ORD1} covers
	# in two, and so does no pair nearer.
	assert_equal "$(decide <<<"$output")" "o_1 allocated LAX1:A:3 LAX1:B:1 ORD1:B:1"
	assert_equal "$(jq -c '[.shipments[] | [.location, .lines]]' <<<"$output")" '[["ORD1",[2]],["LAX1",[1,2]]]'
}

@test "location_priority: the highest priority wins, whatever the distance" {
	setup_route
	stock A EWR1 5; stock A ORD1 5; stock A LAX1 5
	rules '{"rules":[{"name":"by-priority","strategies":["location_priority"]}]}'
	order 1 10001 NY "A:1"
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 allocated ORD1:A:1"
	assert_equal "$(jq -r '"\(.rule) \(.rules_version)"' <<<"$output")" "by-priority 1"
}

@test "lowest_cost: the cheapest shipment by the rate tables" {
	setup_route
	stock A EWR1 5; stock A LAX1 5
	rules '{"rules":[{"name":"cheap","strategies":["lowest_cost"]}]}'
	order 1 90012 CA "A:1"
	run oms-route --pending
	assert_equal "$(jq -r '[.order, .shipments[0].location, .shipments[0].service, .shipments[0].cost, .shipments[0].zone] | join(" ")' <<<"$output")" "o_1 LAX1 usps-ground-advantage 7.65 1"
}

@test "meets_promise: a late location loses even with the higher priority" {
	setup_route
	stock A EWR1 5; stock A ORD1 5
	rules '{"rules":[{"name":"promise","strategies":["meets_promise","location_priority"]}]}'
	order 1 10001 NY "A:1" '"deliver_by":"2026-11-27T23:59:00Z"'
	order 2 10001 NY "A:1"
	run oms-route --pending
	# From EWR1 UPS Ground arrives Friday; from ORD1 nothing can.
	assert_equal "$(jq -r '[.order, .shipments[0].location, .shipments[0].service, .shipments[0].arrives_on, .shipments[0].late] | join(" ")' <<<"$output")" "o_1 EWR1 ups-ground 2026-11-27 false
o_2 ORD1 usps-ground-advantage 2026-12-02 false"
}

@test "meets_promise: after the cutoff an order leaves the next business day" {
	setup_route
	stock A EWR1 5
	order 1 10001 NY "A:1"
	# 17:30 in Newark on a Friday: Monday.
	OMS_NOW=2026-11-27T22:30:00Z run oms-route --pending
	assert_equal "$(jq -r '.shipments[0] | "\(.ships_on) \(.arrives_on)"' <<<"$output")" "2026-11-30 2026-12-02"
}

@test "most_stock and capacity" {
	setup_route
	stock A EWR1 5; stock A ORD1 50; stock A LAX1 20
	rules '{"rules":[{"name":"deep","strategies":["most_stock"]}]}'
	order 1 10001 NY "A:1"
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 allocated ORD1:A:1"
	# A day's capacity of one order at EWR1: the second goes elsewhere.
	oms-stock <<<'{"type":"location","id":"EWR1","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"country":"US"},"capacity_per_day":1,"tz":"America/New_York"}' >/dev/null
	rules '{"rules":[{"name":"near","strategies":["closest"]}]}'
	order 2 10001 NY "A:1"
	order 3 10001 NY "A:1"
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_2 allocated EWR1:A:1
o_3 allocated ORD1:A:1"
}

@test "split never: the best single location, the rest backordered" {
	setup_route
	stock A EWR1 1; stock A ORD1 1
	rules '{"rules":[{"name":"one-box","split":"never"}]}'
	order 1 10001 NY "A:2"
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 partial EWR1:A:1"
	assert_equal "$(jq -c '.lines[0] | [.allocated, .backordered]' <<<"$output")" "[1,1]"
	# Stock elsewhere does not help: the limit is the order's, not a run's.
	stock A ORD1 5
	run oms-route --pending
	assert_output ""
	run oms-route --explain <<<"o_1"
	assert_equal "$(jq -r '.explain.sets[] | "\(.locations) \(.verdict)"' <<<"$output")" '["ORD1"] would make 2 shipments with the 1 already allocated, more than 1'
	# Stock where it already ships from: the rest goes, one shipment.
	stock A EWR1 1
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 allocated EWR1:A:2"
	# The record keeps the first run's shipment before this one's.
	assert_equal "$(jq -c '[.shipments[] | [.location, .weight_g]]' <<<"$output")" '[["EWR1",400],["EWR1",400]]'
	assert_equal "$(oms-route <<<"o_1")" "$output"
}

@test "split min_value: a shipment worth less than the minimum is not made" {
	setup_route
	stock A EWR1 5; stock C ORD1 5
	rules '{"rules":[{"name":"min","split":{"max_shipments":2,"min_value":"5.00"}}]}'
	order 1 10001 NY "A:1:10.00 C:1:1.00"
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 partial EWR1:A:1"
	# Worth enough: the split is made.
	order 2 10001 NY "A:1:10.00 C:1:6.00"
	run oms-route --pending
	assert_equal "$(decide <<<"$output" | tail -1)" "o_2 allocated EWR1:A:1 ORD1:C:1"
}

@test "backorder hold: short, the whole order is held and nothing reserved; released, it routes" {
	setup_route
	stock A EWR1 1
	rules '{"rules":[{"name":"whole","backorder":"hold"}]}'
	order 1 10001 NY "A:2"
	run oms-route --pending
	assert_equal "$(jq -c '[.order, .status, .hold_reasons, .lines[0].allocated]' <<<"$output")" '["o_1","hold",["not enough stock to ship it whole"],0]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements WHERE kind = 'reserve'; SELECT status, hold_reasons FROM orders")" '0
hold|["not enough stock to ship it whole"]'
	# Held orders are not pending; released with stock there, it routes.
	run oms-route --pending
	assert_output ""
	stock A EWR1 1
	oms-import -q release o_1
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 allocated EWR1:A:2"
}

@test "backorder cancel: an order short past its days is cancelled and its units released" {
	setup_route
	stock A EWR1 1
	rules '{"rules":[{"name":"patience","backorder":"cancel","cancel_after_days":7}]}'
	order 1 10001 NY "A:2"
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 partial EWR1:A:1"
	# Eight days on, still short: cancelled, the reserved unit released.
	OMS_NOW=2026-12-04T15:00:00Z run oms-route --pending
	assert_equal "$(jq -c '[.order, .status, .lines[0].allocated]' <<<"$output")" '["o_1","cancelled",0]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, qty, reason FROM movements WHERE kind IN ('reserve', 'release') ORDER BY id; SELECT on_hand, reserved FROM levels; SELECT status FROM orders")" "reserve|1|
release|-1|backordered too long
1|0
cancelled"
}

@test "partial false: an order that cannot go whole waits with nothing reserved" {
	setup_route
	stock A EWR1 1
	rules '{"rules":[{"name":"whole","partial":false}]}'
	order 1 10001 NY "A:2"
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 backordered"
	# Still short: a --pending run says nothing of it.
	run --separate-stderr oms-route -v --pending
	assert_output ""
	assert_equal "$stderr" "oms-route: rules version 1: 0 allocated, 0 partial, 0 backordered, 0 held, 0 cancelled, 1 unchanged, 0 refused"
}

@test "a kit allocates its components, whole kits only" {
	setup_route
	stock A EWR1 2; stock B ORD1 3
	order 1 10001 NY "KIT:2:50.00"
	run oms-route --pending
	# Two kits need 2 A and 4 B: only 3 B, so one kit goes, one waits.
	assert_equal "$(jq -c '.lines[0] | [.sku, .qty, .allocated, .backordered, .locations]' <<<"$output")" '["KIT",2,1,1,[{"sku":"A","location":"EWR1","qty":1},{"sku":"B","location":"ORD1","qty":2}]]'
	assert_equal "$(jq -r .status <<<"$output")" "partial"
	# The pool: KIT's demand left is one kit, A 2 - 1 reserved - 1 = 0.
	run oms-stock levels --sku A
	assert_output '{"type":"level","sku":"A","location":"EWR1","on_hand":2,"reserved":1,"in_transit":0,"available":1}'
}

@test "a pickup order goes to its store, which does not ship" {
	setup_route
	stock A EWR1 5; stock A NYC-STORE 1
	order 1 10001 NY "A:1" '"pickup_location":"NYC-STORE"'
	order 2 10001 NY "A:2" '"pickup_location":"NYC-STORE"'
	run oms-route --pending
	assert_equal "$(decide <<<"$output")" "o_1 allocated NYC-STORE:A:1
o_2 backordered"
}

@test "routing an allocated order again changes nothing and prints the same record" {
	setup_route
	stock A EWR1 5
	order 1 10001 NY "A:1"
	echo o_1 | oms-route > first.jsonl
	before=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT count(*) FROM events")
	run oms-route <<<"o_1"
	assert_success
	assert_equal "$output" "$(cat first.jsonl)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT count(*) FROM events")" "$before"
	run oms-route --pending
	assert_output ""
}

@test "--reroute releases and routes again away from the excluded location" {
	setup_route
	stock A EWR1 5; stock A ORD1 5
	order 1 10001 NY "A:2"
	oms-route --pending >/dev/null
	run --separate-stderr oms-route --reroute o_1 --exclude EWR1
	assert_success
	assert_equal "$(decide <<<"$output")" "o_1 allocated ORD1:A:2"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, location, qty, reason FROM movements WHERE kind IN ('reserve', 'release') ORDER BY id")" "reserve|EWR1|2|
release|EWR1|-2|rerouted
reserve|ORD1|2|"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT location, state FROM allocations ORDER BY id")" "EWR1|released
ORD1|active"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action FROM events WHERE order_id = 1 ORDER BY id")" "created
allocated
rerouted
allocated"
	# Excluding everywhere that has stock: backordered, nothing reserved.
	run oms-route --reroute o_1 --exclude ORD1 --exclude EWR1
	assert_equal "$(decide <<<"$output")" "o_1 backordered"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sum(reserved) FROM levels")" "0"
	run oms check
	assert_success
}

@test "the same database and rules give byte-identical output" {
	skip_on_pg "the database is copied as a file"
	setup_route
	stock A EWR1 3; stock A ORD1 4; stock B LAX1 2; stock B ORD1 1; stock C EWR1 9
	for i in 1 2 3 4 5 6; do order $i 10001 NY "A:$((i % 3 + 1)) B:$((i % 2 + 1)) C:1"; done
	cp "$OMS_DB" copy.db
	oms-route --explain --pending > one.jsonl
	OMS_DB=copy.db oms-route --explain --pending > two.jsonl
	run cmp one.jsonl two.jsonl
	assert_success
	assert_equal "$(wc -l < one.jsonl)" "6"
}

@test "rules: the first match wins; no match falls back to the default, and says so" {
	setup_route
	stock A EWR1 5; stock A ORD1 5
	rules '{"rules":[{"name":"big","when":{"value_min":"100.00"},"locations":["ORD1"]},{"name":"ny","when":{"region":["NY"],"jq":".lines | length == 1"},"strategies":["location_priority"]}]}'
	order 1 10001 NY "A:1:150.00"
	order 2 10001 NY "A:1:10.00"
	order 3 90012 CA "A:1:10.00"
	run oms-route --pending
	assert_equal "$(jq -r '"\(.order) \(.rule) \(.shipments[0].location)"' <<<"$output")" "o_1 big ORD1
o_2 ny ORD1
o_3 default (no rule matched) ORD1"
}

@test "--explain: every location with its terms and why it lost" {
	setup_route
	stock A EWR1 5; stock A ORD1 5; stock A RET 5
	order 1 10001 NY "A:1"
	run oms-route --explain --pending
	assert_equal "$(jq -c '.explain.rules' <<<"$output")" '[{"rule":"default","matched":true}]'
	assert_equal "$(jq -c '.explain.destination' <<<"$output")" '"postal"'
	assert_equal "$(jq -c '.explain.candidates[]' <<<"$output")" '{"location":"EWR1","terms":{"fewest_shipments":1,"closest":14.9},"verdict":"chosen"}
{"location":"LAX1","terms":{"fewest_shipments":1,"closest":3936.2},"verdict":"no stock of the order'"'"'s products"}
{"location":"NYC-STORE","verdict":"excluded: does not ship"}
{"location":"ORD1","terms":{"fewest_shipments":1,"closest":1144.2},"verdict":"lost on closest: 1144.2 against 14.9"}
{"location":"RET","verdict":"excluded: not sellable"}'
	assert_equal "$(jq -c '.explain.sets[]' <<<"$output")" '{"locations":["EWR1"],"units":1,"terms":{"fewest_shipments":1,"closest":14.9},"verdict":"chosen"}
{"locations":["ORD1"],"units":1,"terms":{"fewest_shipments":1,"closest":1144.2},"verdict":"lost on closest: 1144.2 against 14.9"}'
	# The stored record has no explanation.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT record ->> '\$.explain' IS NULL FROM routes")" "1"
}

@test "--dry-run compares a rule set with the one in force and writes nothing" {
	setup_route
	stock A EWR1 5; stock A ORD1 5
	order 1 10001 NY "A:1"
	order 2 90012 CA "A:1"
	before=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT count(*) FROM events; SELECT group_concat(status) FROM orders")
	# By hand: A (400 g) goes USPS Ground Advantage, band 1: zone 1 from
	# EWR1 (14.9 km) 7.65, zone 5 from ORD1 (1144.2 km) 9.85; o_2 (Los
	# Angeles) has ORD1 nearer than EWR1, zone 7 (2803.1 km) 10.95.
	printf '%s\n' '{"rules":[{"name":"chicago","locations":["ORD1"]}]}' > new.json
	run --separate-stderr oms-route --dry-run --rules new.json
	assert_success
	assert_output - <<'OUT'
{"type":"route_change","order":"o_1","changed":true,"rules_version":0,"current":{"status":"allocated","locations":["EWR1"],"shipments":1,"cost":"7.65","distance_km":14.9,"late":0,"backordered":0},"proposed":{"status":"allocated","locations":["ORD1"],"shipments":1,"cost":"9.85","distance_km":1144.2,"late":0,"backordered":0}}
{"type":"route_change","order":"o_2","changed":false,"rules_version":0,"current":{"status":"allocated","locations":["ORD1"],"shipments":1,"cost":"10.95","distance_km":2803.1,"late":0,"backordered":0},"proposed":{"status":"allocated","locations":["ORD1"],"shipments":1,"cost":"10.95","distance_km":2803.1,"late":0,"backordered":0}}
OUT
	assert_equal "$stderr" "oms-route: 2 orders, 1 would change; shipments 2 -> 2, cost 18.60 -> 20.80, distance 2818.0 -> 3947.3 km, late 0 -> 0, backordered units 0 -> 0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT count(*) FROM events; SELECT group_concat(status) FROM orders")" "$before"
}

@test "after routing, allocated units are reserved, not counted again as demand" {
	setup_route
	stock A EWR1 10
	echo '{"type":"listing","channel":"web","channel_sku":"W-A","sku":"A"}' | oms-stock >/dev/null
	order 1 10001 NY "A:3"
	assert_equal "$(oms-stock available --channel web | jq .available)" "7"
	oms-route --pending >/dev/null
	assert_equal "$(oms-stock available --channel web | jq .available)" "7"
	assert_equal "$(oms-stock available --sku A | jq .available)" "7"
}

@test "an open order with no product to allocate: refused by id, passed over quietly by --pending" {
	setup_route
	sqlite3 "$OMS_DB" "INSERT INTO orders (id, channel, external_id, status, imported_at, updated_at, currency, digest, record) VALUES (7, 'ebay', 'E7', 'open', 't', 't', 'USD', 'd', '{}'); INSERT INTO order_lines (order_id, line_no, title, qty) VALUES (7, 1, 'Gift wrap', 1)"
	run --separate-stderr oms-route -v --pending
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-route: rules version 0: 0 allocated, 0 partial, 0 backordered, 0 held, 0 cancelled, 1 unchanged, 0 refused"
	run --separate-stderr oms-route <<<"o_7"
	assert_failure 1
	assert_equal "$stderr" "oms-route: -:1: order o_7 (ebay E7) has no line with a product to allocate"
}

@test "a reroute that cannot route changes nothing; a dry run checks its rules like a load" {
	setup_route
	sqlite3 "$OMS_DB" "INSERT INTO orders (id, channel, external_id, status, imported_at, updated_at, currency, digest, record) VALUES (7, 'ebay', 'E7', 'open', 't', 't', 'USD', 'd', '{}'); INSERT INTO order_lines (order_id, line_no, title, qty) VALUES (7, 1, 'Gift wrap', 1)"
	before=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; SELECT status, updated_at FROM orders")
	run --separate-stderr oms-route --reroute o_7
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-route: order o_7 (ebay E7) has no line with a product to allocate (nothing changed)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; SELECT status, updated_at FROM orders")" "$before"
	printf '%s\n' '{"rules":[{"name":"x","service":"no-such-table"}]}' > bad.json
	run --separate-stderr oms-route --dry-run --rules bad.json
	assert_failure 1
	assert_equal "$stderr" "oms-route: bad.json: rule 'x': no rate table 'no-such-table'"
}

@test "a kit comes whole from one place when one place has it all, though the order ships from two" {
	setup_route
	stock A EWR1 5; stock B EWR1 1; stock C EWR1 5
	stock A ORD1 5; stock B ORD1 5
	order 1 10001 NY "C:1 KIT:1"
	run oms-route --pending
	# EWR1 is nearer, but has one B of the two a kit needs: the kit goes
	# from ORD1 whole, not A and a B from EWR1 and a B from ORD1.
	assert_equal "$(decide <<<"$output")" "o_1 allocated EWR1:C:1 ORD1:A:1 ORD1:B:2"
}
