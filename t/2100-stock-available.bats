#!/usr/bin/env bats
# oms-stock available: the pool per channel, each listing rule, kits,
# open-order demand, the locations that serve a channel, --explain.

load helper

# Three locations (one not sellable), two products and a kit of them,
# stock at each, and one listing per rule under test.
setup_stock() {
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1"}
{"type":"location","id":"LAX1"}
{"type":"location","id":"SHOP","kind":"store","sellable":false}
{"type":"product","sku":"A"}
{"type":"product","sku":"B"}
{"type":"product","sku":"KIT"}
{"type":"kit","sku":"KIT","components":[{"sku":"A","qty":2},{"sku":"B","qty":3}]}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":20,"key":"a1"}
{"type":"movement","kind":"receive","sku":"A","location":"LAX1","qty":7,"key":"a2"}
{"type":"movement","kind":"receive","sku":"A","location":"SHOP","qty":100,"key":"a3"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":10,"key":"b1"}
EOF
	# 4 of A at EWR1 reserved, as routing an order writes it (oms-stock
	# takes no reserve since issue 13).
	sqlite3 "$OMS_DB" "INSERT INTO movements (at, program, kind, sku, location, qty, ref, key, on_hand_after, reserved_after, in_transit_after, record) VALUES ('2026-11-01T00:00:00Z', 'oms-route', 'reserve', 'A', 'EWR1', 4, 'o_99', 'a4', 20, 4, 0, '{}'); UPDATE levels SET reserved = 4 WHERE sku = 'A' AND location = 'EWR1'"
}

# An order with one line, straight into the tables: id channel status sku qty.
order() {
	sqlite3 "$OMS_DB" "INSERT INTO orders (id, channel, external_id, status, imported_at, updated_at, currency, digest, record) VALUES ($1, '$2', 'X-$1', '$3', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', 'USD', 'd', '{}'); INSERT INTO order_lines (order_id, line_no, sku, qty) VALUES ($1, 1, '$4', $5)"
}

listing() {	# channel channel_sku sku [extra JSON fields]
	echo "{\"type\":\"listing\",\"channel\":\"$1\",\"channel_sku\":\"$2\",\"sku\":\"$3\"${4:+,$4}}" | oms-stock >/dev/null
}

avail() {
	oms-stock available "$@" | jq -r '[.channel, .channel_sku, .pool, .available] | @tsv'
}

@test "the pool is on hand less reserved at sellable locations; each rule applies in turn" {
	setup_stock
	listing web A-PLAIN A
	listing web A-SAFE A '"safety_stock":5'
	listing web A-HALF A '"percent":50'
	listing web A-THIRD A '"percent":33'
	listing web A-MAX A '"max_qty":9'
	listing web A-END A '"end_when":24'
	listing web A-END23 A '"end_when":23'
	listing web A-ALL A '"safety_stock":2,"percent":50,"max_qty":10,"end_when":3'
	listing web A-OFF A '"active":false'
	listing web A-BIGSAFE A '"safety_stock":40,"percent":50'
	run --separate-stderr avail
	assert_success
	assert_equal "$stderr" ""
	# 20 + 7 on hand (SHOP is not sellable), 4 reserved: 23.
	assert_output - <<'OUT'
web	A-ALL	23	10
web	A-BIGSAFE	23	0
web	A-END	23	0
web	A-END23	23	23
web	A-HALF	23	11
web	A-MAX	23	9
web	A-OFF	23	0
web	A-PLAIN	23	23
web	A-SAFE	23	18
web	A-THIRD	23	7
OUT
}

@test "an availability record carries the listing's price and whether it is active" {
	setup_stock
	listing amazon AMZ-A A '"price":"19.9","currency":"USD","percent":50'
	listing amazon AMZ-B B '"active":false'
	run --separate-stderr oms-stock available --channel amazon
	assert_success
	assert_output - <<'OUT'
{"type":"availability","channel":"amazon","channel_sku":"AMZ-A","sku":"A","available":11,"pool":23,"price":"19.90","currency":"USD","active":true}
{"type":"availability","channel":"amazon","channel_sku":"AMZ-B","sku":"B","available":0,"pool":10,"active":false}
OUT
}

@test "open and held orders not yet allocated take from every channel's pool; others do not" {
	setup_stock
	listing web A-WEB A
	listing ebay A-EB A '"safety_stock":1'
	order 1 ebay open A 3
	order 2 amazon hold A 2
	order 3 web cancelled A 5
	order 4 web fulfilled A 5
	run avail --sku A
	assert_output - <<'OUT'
ebay	A-EB	18	17
web	A-WEB	18	18
OUT
}

@test "a kit sells the least number its components allow, after their demand and kit orders" {
	setup_stock
	listing web KIT-W KIT
	# A: 23 free, so 11 kits; B: 10 free, so 3 kits.
	run avail
	assert_output "web	KIT-W	3	3"
	# A line for 1 kit wants 2 A and 3 B; B now allows 2.
	order 1 web open KIT 1
	run avail
	assert_output "web	KIT-W	2	2"
	# An order for A alone leaves A short first: 23 - 2 - 19 = 2, 1 kit.
	order 2 web open A 19
	run avail
	assert_output "web	KIT-W	1	1"
	# More demand than stock: B is at 10 - 3 - 9 = -2, which allows
	# floor(-2 / 3) = -1 kits; available is never below 0.
	order 3 web open B 9
	run avail
	assert_output "web	KIT-W	-1	0"
}

@test "channel records restrict a channel to its locations; no rows means every sellable one" {
	setup_stock
	listing web A-WEB A
	listing shop A-SHOP A
	listing pos A-POS A
	run --separate-stderr oms-stock <<'EOF'
{"type":"channel","channel":"web","locations":["LAX1"]}
{"type":"channel","channel":"pos","locations":["SHOP","EWR1"]}
{"type":"channel","channel":"web2","locations":["NOWHERE"]}
{"type":"channel","locations":[]}
EOF
	assert_failure 1
	assert_output - <<'OUT'
{"type":"channel","channel":"web","locations":["LAX1"]}
{"type":"channel","channel":"pos","locations":["SHOP","EWR1"]}
OUT
	assert_equal "$stderr" "oms-stock: -:3: unknown location 'NOWHERE' (a location record adds it)
oms-stock: -:4: no channel"
	# pos lists a location that is not sellable: it still does not count.
	run avail
	assert_output - <<'OUT'
pos	A-POS	16	16
shop	A-SHOP	23	23
web	A-WEB	7	7
OUT
	# A channel record replaces the set; an empty one restores all.
	echo '{"type":"channel","channel":"web","locations":[]}' | oms-stock >/dev/null
	run avail --channel web
	assert_output "web	A-WEB	23	23"
	run sqlite3 "$OMS_DB" "SELECT * FROM channel_locations ORDER BY 1, 2"
	assert_output - <<'OUT'
pos|EWR1
pos|SHOP
OUT
}

@test "--explain shows every location, the demand, the pool and each rule, for each listing" {
	setup_stock
	listing amazon AMZ-A A '"price":"19.99","currency":"USD","safety_stock":2,"percent":50,"max_qty":10,"end_when":3'
	listing web A-WEB A '"active":false'
	listing web B-WEB B
	echo '{"type":"channel","channel":"web","locations":["EWR1"]}' | oms-stock >/dev/null
	order 1 ebay open A 1
	order 2 web hold A 2
	run --separate-stderr oms-stock available --explain A
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<'OUT'
{"type":"explanation","channel":"amazon","channel_sku":"AMZ-A","sku":"A","kit":false,"locations":[{"location":"EWR1","on_hand":20,"reserved":4,"counted":true},{"location":"LAX1","on_hand":7,"reserved":0,"counted":true},{"location":"SHOP","on_hand":100,"reserved":0,"counted":false,"why":"not sellable"}],"on_hand":27,"reserved":4,"demand":3,"open_orders":2,"pool":20,"rules":[{"rule":"safety_stock","value":2,"from":20,"to":18},{"rule":"percent","value":50,"from":18,"to":9},{"rule":"max_qty","value":10,"from":9,"to":9},{"rule":"end_when","value":3,"from":9,"to":9},{"rule":"floor","value":0,"from":9,"to":9}],"available":9}
{"type":"explanation","channel":"web","channel_sku":"A-WEB","sku":"A","kit":false,"locations":[{"location":"EWR1","on_hand":20,"reserved":4,"counted":true},{"location":"LAX1","on_hand":7,"reserved":0,"counted":false,"why":"does not serve the channel"},{"location":"SHOP","on_hand":100,"reserved":0,"counted":false,"why":"not sellable"}],"on_hand":20,"reserved":4,"demand":3,"open_orders":2,"pool":13,"rules":[{"rule":"safety_stock","value":0,"from":13,"to":13},{"rule":"percent","value":100,"from":13,"to":13},{"rule":"max_qty","value":null,"from":13,"to":13},{"rule":"end_when","value":0,"from":13,"to":13},{"rule":"floor","value":0,"from":13,"to":13},{"rule":"inactive","value":null,"from":13,"to":0}],"available":0}
OUT
	# The figure explained is the figure sold.
	run avail --sku A
	assert_output - <<'OUT'
amazon	AMZ-A	20	9
web	A-WEB	13	0
OUT
}

@test "--explain of a kit explains each component" {
	setup_stock
	listing web KIT-W KIT '"safety_stock":1'
	order 1 web open KIT 1
	run oms-stock available --channel web --explain KIT
	assert_success
	assert_output '{"type":"explanation","channel":"web","channel_sku":"KIT-W","sku":"KIT","kit":true,"components":[{"sku":"A","qty":2,"locations":[{"location":"EWR1","on_hand":20,"reserved":4,"counted":true},{"location":"LAX1","on_hand":7,"reserved":0,"counted":true},{"location":"SHOP","on_hand":100,"reserved":0,"counted":false,"why":"not sellable"}],"on_hand":27,"reserved":4,"demand":2,"open_orders":1,"pool":21,"allows":10},{"sku":"B","qty":3,"locations":[{"location":"EWR1","on_hand":10,"reserved":0,"counted":true}],"on_hand":10,"reserved":0,"demand":3,"open_orders":1,"pool":7,"allows":2}],"pool":2,"rules":[{"rule":"safety_stock","value":1,"from":2,"to":1},{"rule":"percent","value":100,"from":1,"to":1},{"rule":"max_qty","value":null,"from":1,"to":1},{"rule":"end_when","value":0,"from":1,"to":1},{"rule":"floor","value":0,"from":1,"to":1}],"available":1}'
}

@test "--explain of an unknown sku exits 1; a sku with no listings prints nothing" {
	setup_stock
	run --separate-stderr oms-stock available --explain NOPE
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-stock: unknown sku 'NOPE'"
	run --separate-stderr oms-stock available --explain B
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

@test "available: usage errors exit 2" {
	setup_stock
	for args in "available extra" "available --sku A --explain A" "available --full" \
		"available --format etsy" "available --dry-run" "levels --channel web" \
		"history --explain A A"; do
		run --separate-stderr oms-stock $args
		assert_failure 2
		assert_output ""
	done
}

@test "available: a write error on stdout exits 3" {
	setup_stock
	listing web A-WEB A
	run --separate-stderr sh -c 'oms-stock available > /dev/full'
	assert_failure 3
}

@test "a whole channel at once gives each listing the figure it gets alone" {
	setup_stock
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"C"}
{"type":"product","sku":"KIT2"}
{"type":"kit","sku":"KIT2","components":[{"sku":"C","qty":2}]}
{"type":"channel","channel":"pos","locations":["LAX1","SHOP"]}
EOF
	for ch in web pos; do
		listing $ch $ch-A A '"safety_stock":3,"percent":80'
		listing $ch $ch-B B '"max_qty":4'
		listing $ch $ch-C C
		listing $ch $ch-KIT KIT '"end_when":2'
		listing $ch $ch-KIT2 KIT2
	done
	order 1 web open KIT 1
	order 2 pos hold B 11
	order 3 web cancelled A 50
	order 4 web fulfilled B 50
	order 5 web open C 3
	oms-stock available > whole
	for s in A B C KIT KIT2; do oms-stock available --sku $s; done | sort > alone
	run diff <(sort whole) alone
	assert_success
	run jq -r '[.channel_sku, .pool, .available] | @tsv' whole
	# A: web 23 - 2 (the kit) = 21, pos 7 - 2 = 5; B: 10 - 3 - 11 = -4
	# at web, 0 - 3 - 11 at pos; C: -3; KIT: least of A/2 and B/3;
	# KIT2: floor(-3 / 2) = -2.
	assert_output - <<'OUT'
pos-A	5	1
pos-B	-14	0
pos-C	-3	0
pos-KIT	-5	0
pos-KIT2	-2	0
web-A	21	14
web-B	-4	0
web-C	-3	0
web-KIT	-2	0
web-KIT2	-2	0
OUT
}
