#!/usr/bin/env bats
# Bounds (issue 13, defects 7 and 10): quantities, weights and sizes past
# their bounds refused at input, named; sums and products of them that
# cannot wrap in routing and shipping; a quantity that is not a whole
# number named as given; a postal file of NaN, NUL or nothing; an order
# of many products; a channel that is not a string; a CSV field past
# 1 MiB; what a carrier adapter leaves running; a rule file with a key
# twice.  Run against a SAN=1 build, each also shows that no sanitizer
# trips (UBSan exits 87, ASan and leaks 86).

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

setup_route() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
}

# order EXT LINES: LINES is the JSON of the lines, without brackets.
order() {
	echo "{\"type\":\"order\",\"external_id\":\"$1\",\"currency\":\"USD\",\"placed_at\":\"2026-11-26T14:00:00Z\",\"ship_to\":{\"name\":\"Ann\",\"address1\":\"1 Main St\",\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\"},\"lines\":[$2]}"
}

@test "catalog records: a quantity, weight or size past its bound is refused, named by file and line; at the bound it is taken" {
	setup_route
	cat > bad.jsonl <<'EOF'
{"type":"product","sku":"H","weight_g":10000001}
{"type":"product","sku":"H","weight_g":1000000000,"dims_mm":[10,10,10]}
{"type":"product","sku":"H","weight_g":100,"dims_mm":[10,1000000000,10]}
{"type":"product","sku":"H","dims_mm":[100001,1,1]}
{"type":"product","sku":"H","dims_mm":[1,1,1e20]}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1000000000,"key":"r1"}
{"type":"movement","kind":"adjust","sku":"A","location":"EWR1","qty":-1000001,"reason":"x","key":"r2"}
{"type":"movement","kind":"count","sku":"A","location":"EWR1","qty":1000001,"key":"r3"}
{"type":"location","id":"X","capacity_per_day":2000000}
{"type":"kit","sku":"KIT","components":[{"sku":"A","qty":1000001}]}
{"type":"kit","sku":"KIT","components":[{"sku":"K1","qty":1},{"sku":"K2","qty":1},{"sku":"K3","qty":1},{"sku":"K4","qty":1},{"sku":"K5","qty":1},{"sku":"K6","qty":1},{"sku":"K7","qty":1},{"sku":"K8","qty":1},{"sku":"K9","qty":1},{"sku":"K10","qty":1},{"sku":"K11","qty":1},{"sku":"K12","qty":1},{"sku":"K13","qty":1},{"sku":"K14","qty":1},{"sku":"K15","qty":1},{"sku":"K16","qty":1},{"sku":"K17","qty":1}]}
{"type":"product","sku":"H","weight_g":10000000,"dims_mm":[100000,100000,100000]}
{"type":"movement","kind":"receive","sku":"H","location":"EWR1","qty":1000000,"key":"r4"}
{"type":"location","id":"Y","capacity_per_day":1000000}
EOF
	run --separate-stderr oms-stock bad.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-stock: bad.jsonl:1: weight_g 10000001 is out of range (0 to 10000000)
oms-stock: bad.jsonl:2: weight_g 1000000000 is out of range (0 to 10000000)
oms-stock: bad.jsonl:3: dims_mm[1] (width_mm) 1000000000 is out of range (0 to 100000)
oms-stock: bad.jsonl:4: dims_mm[0] (length_mm) 100001 is out of range (0 to 100000)
oms-stock: bad.jsonl:5: dims_mm[2] (height_mm) 100000000000000000000 is out of range (0 to 100000)
oms-stock: bad.jsonl:6: qty 1000000000 is out of range (-1000000 to 1000000)
oms-stock: bad.jsonl:7: qty -1000001 is out of range (-1000000 to 1000000)
oms-stock: bad.jsonl:8: qty 1000001 is out of range (-1000000 to 1000000)
oms-stock: bad.jsonl:9: capacity_per_day 2000000 is out of range (0 to 1000000)
oms-stock: bad.jsonl:10: component 1: qty 1000001 is out of range (1 to 1000000)
oms-stock: bad.jsonl:11: components: 17, more than the 16 a kit may have"
	assert_equal "$(jq -c '[.type, .sku // .id]' <<<"$output")" '["product","H"]
["movement","H"]
["location","Y"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT weight_g, length_mm, width_mm, height_mm FROM products WHERE sku = 'H'; SELECT on_hand FROM levels WHERE sku = 'H'")" "10000000|100000|100000|100000
1000000"
}

@test "catalog CSV: a size past its bound is refused, named by file and line" {
	printf 'type,sku,weight_g,length_mm,width_mm,height_mm\nproduct,X,5,1000000000,1,1\nproduct,Y,10000001,1,1,1\nproduct,Z,5,100000,100000,100000\n' > c.csv
	run --separate-stderr oms-stock import-catalog c.csv
	assert_failure 1
	assert_equal "$stderr" "oms-stock: c.csv:2: dims_mm[0] (length_mm) 1000000000 is out of range (0 to 100000)
oms-stock: c.csv:3: weight_g 10000001 is out of range (0 to 10000000)"
	assert_output '{"type":"product","sku":"Z","weight_g":5,"dims_mm":[100000,100000,100000]}'
}

@test "an order line's quantity: past 1000000, or not a whole number, is named as given" {
	{
		order 1 '{"sku":"A","qty":2.5,"unit_price":"1.00"}'
		order 2 '{"sku":"A","qty":1000001,"unit_price":"1.00"}'
		order 3 '{"sku":"A","qty":"two","unit_price":"1.00"}'
		order 4 '{"sku":"A","qty":true,"unit_price":"1.00"}'
		order 5 '{"sku":"A","qty":[1,2],"unit_price":"1.00"}'
		order 6 '{"sku":"A","qty":"2.5","unit_price":"1.00"}'
		order 7 '{"sku":"A","qty":0,"unit_price":"1.00"}'
		order 8 '{"sku":"A","qty":1000000,"unit_price":"1.00"}'
	} > orders.jsonl
	run --separate-stderr oms-import --channel oms orders.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-import: orders.jsonl:1: order 1: line 1: quantity '2.5' is not a whole number
oms-import: orders.jsonl:2: order 2: line 1: quantity 1000001 is out of range (1 to 1000000)
oms-import: orders.jsonl:3: order 3: line 1: quantity 'two' is not a whole number
oms-import: orders.jsonl:4: order 4: line 1: quantity 'true' is not a whole number
oms-import: orders.jsonl:5: order 5: line 1: quantity '[1,2]' is not a whole number
oms-import: orders.jsonl:6: order 6: line 1: quantity '2.5' is not a whole number
oms-import: orders.jsonl:7: order 7: line 1: quantity 0 is out of range (1 to 1000000)"
	assert_equal "$(jq -c '[.external_id, .lines[0].qty, .totals.total]' <<<"$output")" '["8",1000000,"1000000.00"]'
	# oms-import cancel --line N:QTY has the same bound.
	run --separate-stderr oms-import cancel --line 1:1000001 --reason x o_1
	assert_failure 2
}

@test "routing and shipping at the bounds: weights and volumes that pass 64 bits stop there, never wrap" {
	setup_route
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"H","weight_g":10000000,"dims_mm":[100000,100000,100000]}
{"type":"product","sku":"HK"}
{"type":"kit","sku":"HK","components":[{"sku":"H","qty":1000000}]}
{"type":"movement","kind":"receive","sku":"H","location":"EWR1","qty":1000000,"key":"r1"}
{"type":"movement","kind":"receive","sku":"H","location":"EWR1","qty":1000000,"key":"r2"}
{"type":"movement","kind":"receive","sku":"H","location":"LAX1","qty":1000000,"key":"r3"}
{"type":"product","sku":"W","weight_g":10000000,"dims_mm":[100,100,100]}
{"type":"movement","kind":"receive","sku":"W","location":"ORD1","qty":1000000,"key":"r4"}
EOF
	# A million kits of a million units of ten tonnes: 10^19 g, past
	# 2^63; two lines of a million units at the largest size.
	{
		order 1 '{"sku":"HK","qty":1000000,"unit_price":"1000000.00"}'
		order 2 '{"sku":"H","qty":1000000,"unit_price":"1.00"},{"sku":"H","qty":1000000,"unit_price":"1.00"}'
		order 3 '{"sku":"W","qty":1000000,"unit_price":"1.00"}'
	} | oms-import --channel oms >/dev/null
	run --separate-stderr oms-route --pending
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > alloc.jsonl
	assert_output '{"type":"allocation","order":"o_1","channel":"oms","external_id":"1","status":"partial","rule":"default","rules_version":0,"lines":[{"line_no":1,"sku":"HK","qty":1000000,"allocated":3,"backordered":999997,"locations":[{"sku":"H","location":"EWR1","qty":2000000},{"sku":"H","location":"LAX1","qty":1000000}]}],"shipments":[{"location":"EWR1","lines":[1],"value":"2000000.00","weight_g":20000000000000,"distance_km":14.9,"ships_on":"2026-11-26","late":false},{"location":"LAX1","lines":[1],"value":"1000000.00","weight_g":10000000000000,"distance_km":3936.2,"ships_on":"2026-11-26","late":false}]}
{"type":"allocation","order":"o_2","channel":"oms","external_id":"2","status":"backordered","rule":"default","rules_version":0,"lines":[{"line_no":1,"sku":"H","qty":1000000,"allocated":0,"backordered":1000000,"locations":[]},{"line_no":2,"sku":"H","qty":1000000,"allocated":0,"backordered":1000000,"locations":[]}],"shipments":[]}
{"type":"allocation","order":"o_3","channel":"oms","external_id":"3","status":"allocated","rule":"default","rules_version":0,"lines":[{"line_no":1,"sku":"W","qty":1000000,"allocated":1000000,"locations":[{"location":"ORD1","qty":1000000}]}],"shipments":[{"location":"ORD1","lines":[1],"value":"1000000.00","weight_g":10000000000000,"distance_km":1144.2,"ships_on":"2026-11-26","late":false}]}'
	# The ledger holds the reservations, programs' movements past a
	# record's bound.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT location, on_hand, reserved FROM levels WHERE sku = 'H' ORDER BY 1")" "EWR1|2000000|2000000
LAX1|1000000|1000000"
	# No box holds it: refused by name, no negative weight anywhere.
	run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1) at EWR1: SKU H (100000x100000x100000 mm, 10000000 g) is larger than the largest box, XL (610x405x405 mm): add a box that holds it to boxes.json on OMS_PATH
oms-ship: alloc.jsonl:2: order o_2 (oms 2) is backordered: route it first
oms-ship: alloc.jsonl:3: order o_3 (oms 3) at ORD1, 1000000 x SKU W (100x100x100 mm, 10000000 g): it needs 342231349 boxes of size XL, more than 20 in one shipment: route its lines to more places, or add a larger box to boxes.json on OMS_PATH"
	run oms check
	assert_success
}

@test "a weight past 64 bits is no service, not the cheapest band: 10^19 g wrapped below zero was quoted 7.65" {
	setup_route
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"H","weight_g":10000000}
{"type":"product","sku":"HK"}
{"type":"kit","sku":"HK","components":[{"sku":"H","qty":1000000}]}
{"type":"movement","kind":"receive","sku":"H","location":"EWR1","qty":1000000,"key":"r1"}
{"type":"movement","kind":"receive","sku":"H","location":"ORD1","qty":1000000,"key":"r2"}
EOF
	echo '{"rules":[{"name":"c","strategies":["lowest_cost"]}]}' > r.json
	oms-route -q rules load r.json
	order 1 '{"sku":"HK","qty":1000000,"unit_price":"1000000.00"}' | oms-import --channel oms >/dev/null
	run --separate-stderr oms-route --pending --explain
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.explain.candidates[] | select(.terms) | [.location, .terms.lowest_cost]]' <<<"$output")" '[["EWR1",null],["LAX1",null],["ORD1",null]]'
}

@test "boxes.json: a box past the bounds, or without its sizes, is named with the file; nothing ships" {
	setup_route
	echo '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}' | oms-stock >/dev/null
	order 1 '{"sku":"A","qty":1,"unit_price":"1.00"}' | oms-import --channel oms >/dev/null
	oms-route --pending > alloc.jsonl
	mkdir share
	export OMS_PATH="$PWD/share:$OMS_PATH"
	for b in '"length_mm":1000000000,"width_mm":10,"height_mm":10' \
	    '"length_mm":10,"width_mm":10,"height_mm":10,"max_weight_g":-1' \
	    '"length_mm":10,"width_mm":10,"height_mm":10,"tare_g":1e12' \
	    '"length_mm":10,"height_mm":10'; do
		echo "{\"boxes\":[{\"name\":\"S\",\"length_mm\":10,\"width_mm\":10,\"height_mm\":10},{\"name\":\"Q\",$b}]}" > share/boxes.json
		run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
		assert_failure 3
		assert_output ""
		printf '%s\n' "$stderr"
	done > got
	echo '{"fill":0,"boxes":[]}' > share/boxes.json
	run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 3
	printf '%s\n' "$stderr" >> got
	run cat got
	assert_output - <<OUT
oms-ship: $PWD/share/boxes.json: box 2 (Q): length_mm must be a whole number from 1 to 100000
oms-ship: $PWD/share/boxes.json: box 2 (Q): max_weight_g must be a whole number from 0 to 10000000
oms-ship: $PWD/share/boxes.json: box 2 (Q): tare_g must be a whole number from 0 to 10000000
oms-ship: $PWD/share/boxes.json: box 2 (Q): no width_mm
oms-ship: $PWD/share/boxes.json: fill must be a number over 0, at most 1
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "0"
}

@test "geo load: a latitude or longitude of nan or inf is named by file and line; NULs or nothing is an error, exit 1" {
	nl='US	10001	New York	New York	NY					40.7506	-73.9972	'
	printf 'US\t10001\t\t\t\t\t\t\t\tnan\t-73.0\t\n' > nan.txt
	printf '%s\nUS\t10002\t\t\t\t\t\t\t\t40.0\tinf\t\n' "$nl" > inf.txt
	printf '%s\nUS\t10002\t\t\t\t\t\t\t\t-NaN\t1\t\n' "$nl" > neg.txt
	head -c 4096 /dev/zero > nul.txt
	{ printf '%s\n' "$nl"; printf 'US\t10002\0\t\t\t\t\t\t\t\t40.0\t-73.0\t\n'; } > mid.txt
	: > empty.txt
	printf '\n\n\r\n' > blank.txt
	for f in nan inf neg nul mid empty blank; do
		run --separate-stderr oms-route geo load "$f.txt"
		[ "$status" -eq 1 ] || fail "$f.txt: exit $status, not 1: $stderr"
		assert_output ""
		printf '%s\n' "$stderr"
	done > got
	run cat got
	assert_output - <<'OUT'
oms-route: nan.txt:1: bad latitude 'nan' (nothing loaded)
oms-route: inf.txt:2: bad longitude 'inf' (nothing loaded)
oms-route: neg.txt:2: bad latitude '-NaN' (nothing loaded)
oms-route: nul.txt:1: a NUL byte: not a GeoNames postal file (nothing loaded)
oms-route: mid.txt:2: a NUL byte: not a GeoNames postal file (nothing loaded)
oms-route: empty.txt: no postal code in it (0 lines) (nothing loaded)
oms-route: blank.txt: no postal code in it (3 lines) (nothing loaded)
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM geo_postal")" "0"
	printf '%s\n' "$nl" > one.txt
	run --separate-stderr oms-route geo load one.txt
	assert_success
	assert_equal "$stderr" "oms-route: 1 postal codes loaded from one.txt"
}

@test "an order of 100 products is routed, not refused every run" {
	setup_route
	{
		for i in $(seq 100); do
			echo "{\"type\":\"product\",\"sku\":\"P$i\",\"weight_g\":10}"
			echo "{\"type\":\"movement\",\"kind\":\"receive\",\"sku\":\"P$i\",\"location\":\"EWR1\",\"qty\":3,\"key\":\"r$i\"}"
		done
	} | oms-stock >/dev/null
	lines=$(for i in $(seq 100); do printf '{"sku":"P%d","qty":2,"unit_price":"1.00"},' "$i"; done)
	order 1 "${lines%,}" | oms-import --channel oms >/dev/null
	run --separate-stderr oms-route --pending
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > alloc.jsonl
	assert_equal "$(jq -c '[.status, (.lines | length), ([.lines[].allocated] | add), [.shipments[] | .location, .weight_g]]' <<<"$output")" '["allocated",100,200,["EWR1",2000]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), sum(qty) FROM allocations WHERE state = 'active'; SELECT sum(reserved) FROM levels")" "100|200
200"
	# Shipped, each line in the parcel.
	oms-ship --carrier offline --labels labels alloc.jsonl > ship.jsonl
	assert_equal "$(jq -c '[.status, (.lines | length), .weight_g]' ship.jsonl)" '["shipped",100,2110]'
}

@test "a canonical record whose channel is not a string is refused, named by line" {
	{
		echo '{"type":"order","external_id":"1","channel":5,"currency":"USD","lines":[{"sku":"A","qty":1,"unit_price":"1.00"}]}'
		echo '{"type":"order","external_id":"2","channel":{"name":"x"},"currency":"USD","lines":[{"sku":"A","qty":1,"unit_price":"1.00"}]}'
		echo '{"type":"order","external_id":"3","channel":true,"currency":"USD","lines":[{"sku":"A","qty":1,"unit_price":"1.00"}]}'
		echo '{"type":"order","external_id":"4","channel":null,"currency":"USD","lines":[{"sku":"A","qty":1,"unit_price":"1.00"}]}'
		echo '{"type":"order","external_id":"5","channel":"shopify","currency":"USD","lines":[{"sku":"A","qty":1,"unit_price":"1.00"}]}'
	} > orders.jsonl
	run --separate-stderr oms-import --channel oms orders.jsonl
	assert_failure 1
	assert_equal "$stderr" 'oms-import: orders.jsonl:1: order 1: channel must be a string, such as "shopify"
oms-import: orders.jsonl:2: order 2: channel must be a string, such as "shopify"
oms-import: orders.jsonl:3: order 3: channel must be a string, such as "shopify"'
	assert_equal "$(jq -c '[.channel, .external_id]' <<<"$output")" '["oms","4"]
["shopify","5"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT channel, external_id FROM orders ORDER BY id")" "oms|4
shopify|5"
}

@test "a CSV field past 1 MiB stops the file at its row, named by line and column; 1 MiB is taken" {
	awk 'BEGIN { s = "x"; while (length(s) < 1048576) s = s s; print "type,sku,title"; print "product,A,small"; print "product,B," substr(s, 1, 1048576); print "product,C,\"" substr(s, 1, 1048576) "y\""; print "product,D,d" }' > c.csv
	run --separate-stderr oms-stock import-catalog c.csv
	assert_failure 3
	assert_equal "$stderr" "oms-stock: c.csv:4: column 3: a field longer than 1048576 bytes (1 MiB, the most a CSV field may hold); nothing more is read from the file"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, length(title) FROM products ORDER BY sku")" "A|5
B|1048576"
	# Ten of them in a field over lines, in an order export.
	head -1 "$FIX/shopify-small.csv" > big.csv
	awk 'BEGIN { s = "x"; while (length(s) < 10485760) s = s s; printf "#1001,\"%s\n%s\"\n", substr(s, 1, 5000000), substr(s, 1, 5000000) }' >> big.csv
	run --separate-stderr oms-import --channel shopify-csv big.csv
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-import: big.csv:2: column 2: a field longer than 1048576 bytes (1 MiB, the most a CSV field may hold); nothing more is read from the file"
	# A line past 16 MiB is not read whole.
	awk 'BEGIN { s = "x"; while (length(s) < 17000000) s = s s; print "type,sku,title"; print "product,A," substr(s, 1, 17000000) }' > long.csv
	run --separate-stderr oms-stock import-catalog long.csv
	assert_failure 3
	assert_equal "$stderr" "oms-stock: long.csv:2: a line longer than 16777216 bytes (16 MiB, the most a CSV line or row may hold); nothing more is read from the file"
}

@test "a carrier adapter's background process does not outlive it" {
	setup_route
	echo '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}' | oms-stock >/dev/null
	order 1 '{"sku":"A","qty":1,"unit_price":"1.00"}' | oms-import --channel oms >/dev/null
	oms-route --pending > alloc.jsonl
	mkdir bin
	# On each call it leaves a sleep behind, its output closed, and one
	# that ignores SIGTERM.
	cat > bin/oms-carrier-leaky <<EOF
#!/bin/sh
sleep 1000 >/dev/null 2>&1 </dev/null &
echo \$! >> "$PWD/pids"
sh -c 'trap "" TERM; exec sleep 1000' >/dev/null 2>&1 </dev/null &
echo \$! >> "$PWD/pids"
exec oms-carrier-offline "\$@"
EOF
	chmod +x bin/oms-carrier-leaky
	PATH="$PWD/bin:$PATH" run --separate-stderr oms-ship --carrier leaky --labels labels alloc.jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .status <<<"$output")" "shipped"
	[ "$(wc -l < pids)" -ge 2 ]
	# Gone, or a zombie its new parent has not reaped yet.
	for p in $(cat pids); do
		s=$(ps -o stat= -p "$p" || true)
		case $s in ""|Z*) ;; *) fail "process $p ($s) outlived its adapter" ;; esac
	done
}

@test "a rule file with a key twice is refused, by name, and nothing leaks" {
	for r in '{"rules":[{"name":"a","when":{"jq":"true","jq":"false"}}]}' \
	    '{"rules":[{"name":"a","name":"b"}]}' \
	    '{"rules":[],"rules":[{"name":"a"}]}' \
	    '{"groups":{"g":["EWR1"],"g":["X"]},"rules":[{"name":"a"}]}' \
	    '{"rules":[{"name":"a","split":{"max_shipments":2,"max_shipments":3}}]}' \
	    '{"rules":[{"name":"a","when":{"jq":"true"}},{"name":"a","when":{"jq":"true"}}]}'; do
		echo "$r" > r.json
		run --separate-stderr oms-route rules load r.json
		[ "$status" -eq 1 ] || fail "$r: exit $status, not 1: $stderr"
		printf '%s\n' "$stderr"
		# A dry run refuses it the same way, and frees the text.
		run --separate-stderr oms-route --dry-run --rules r.json </dev/null
		[ "$status" -eq 1 ] || fail "$r: dry run exit $status, not 1: $stderr"
	done > got
	run cat got
	assert_output - <<'OUT'
oms-route: r.json: rule 'a': when: 'jq' twice
oms-route: r.json: rule 'a': 'name' twice
oms-route: r.json: 'rules' twice
oms-route: r.json: groups: 'g' twice
oms-route: r.json: rule 'a': split: 'max_shipments' twice
oms-route: r.json: two rules are named 'a'
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM rules")" "0"
}
