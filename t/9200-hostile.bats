#!/usr/bin/env bats
# What a hostile probe found (issue 13), each kept out by a test.
#
# Defect 1: jq in rules and adapters that others write.  debug, input,
# halt, include and import must never crash a program (a rule set lives
# in the database, so a crash would come back on every run) nor reach
# outside: each is a clear message, or harmless.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

order() {	# EXT: one line of A to Newark
	echo "{\"type\":\"order\",\"channel\":\"web\",\"external_id\":\"$1\",\"status\":\"open\",\"placed_at\":\"2026-11-26T10:00:00Z\",\"currency\":\"USD\",\"ship_to\":{\"name\":\"A B\",\"address1\":\"1 Main St\",\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\"},\"payment\":{\"status\":\"paid\"},\"lines\":[{\"sku\":\"A\",\"qty\":1,\"unit_price\":\"10.00\"}],\"totals\":{\"subtotal\":\"10.00\",\"shipping\":\"0.00\",\"tax\":\"0.00\",\"total\":\"10.00\"}}" |
		oms-import --channel oms >/dev/null
}

setup_routes() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	echo '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r-A"}' | oms-stock >/dev/null
}

@test "a rule condition with debug routes; its debug output goes to stderr, named" {
	setup_routes
	order 1
	echo '{"rules":[{"name":"dbg","when":{"jq":"debug | .lines | length == 1"}}]}' > rules.json
	oms-route -q rules load rules.json
	run --separate-stderr oms-route --pending
	assert_success
	assert_equal "$(jq -r .rule <<<"$output")" "dbg"
	[[ $stderr == *"oms-route: jq debug: "* ]] || fail "no debug line: $stderr"
	run oms check
	assert_success
}

@test "a rule condition with input, or halt_error, is that rule failing with a message, not a crash; the next run too" {
	setup_routes
	order 1
	for prog in 'input | true' '[inputs] | length == 0' 'halt_error' '"x" | halt_error(1)' 'halt'; do
		jq -n --arg p "$prog" '{rules:[{name:"bad",when:{jq:$p}}]}' > rules.json
		run --separate-stderr oms-route -q rules load rules.json
		if [ "$status" -ne 0 ]; then
			# Refused at load: said, and nothing stored.
			assert_failure 1
			[[ $stderr == *"bad"* ]] || fail "$prog: refused without naming the rule: $stderr"
			continue
		fi
		for run in 1 2; do
			run --separate-stderr oms-route --pending
			[ "$status" -lt 128 ] || fail "$prog: run $run died of signal $((status - 128)): $stderr"
			[[ $stderr != *"Assertion"* ]] || fail "$prog: $stderr"
		done
	done
	run oms check
	assert_success
}

@test "include and import in a rule or an adapter's refine find no module: refused at load, named" {
	for prog in 'include "x"; true' 'import "x" as x; true' 'include "/etc/passwd"; true'; do
		jq -n --arg p "$prog" '{rules:[{name:"mod",when:{jq:$p}}]}' > rules.json
		run --separate-stderr oms-route -q rules load rules.json
		assert_failure 1
		[[ $stderr == *"rule 'mod'"*"module not found"* ]] || fail "$prog: $stderr"
	done
	mkdir -p own/channels
	jq '.refine = "include \"x\"; ."' "$TOP/share/oms/channels/woocommerce.json" > own/channels/woocommerce.json
	OMS_PATH="$PWD/own:$OMS_PATH" run --separate-stderr oms-import "$FIX/woocommerce-orders.json"
	assert_failure 3
	[[ $stderr == *"module not found"* ]] || fail "$stderr"
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT count(*) FROM orders')" "0"
}

@test "an adapter refine with debug, input or halt imports or rejects; it never crashes" {
	mkdir -p own/channels
	for prog in 'debug' 'input' 'halt_error' 'first(inputs)' '. as $o | input | $o'; do
		jq --arg p "$prog" '.refine = $p' "$TOP/share/oms/channels/woocommerce.json" > own/channels/woocommerce.json
		OMS_PATH="$PWD/own:$OMS_PATH" run --separate-stderr oms-import "$FIX/woocommerce-orders.json"
		[ "$status" -lt 128 ] || fail "$prog: died of signal $((status - 128)): $stderr"
		[[ $stderr != *"Assertion"* ]] || fail "$prog: $stderr"
		[ "$prog" != debug ] || [ "$status" -eq 0 ] || fail "debug: exit $status: $stderr"
	done
}

# Issue 13, defect 4: no fixed-size array drops data.
@test "an order of 150 lines at one location ships whole in one run; the next run buys nothing" {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	echo '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":150,"key":"r-A"}' | oms-stock >/dev/null
	# 150 lines of one SKU (a gift set's cards, one per line): 150
	# allocation rows at Newark, past the 128 a shipment once held.
	seq 150 | jq -nc '{type:"order",channel:"web",external_id:"big",status:"open",currency:"USD",placed_at:"2026-11-26T10:00:00Z",ship_to:{name:"A B",address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"},payment:{status:"paid"},lines:[inputs | {line_id:"L\(.)",sku:"A",qty:1,unit_price:"1.00"}]}' |
		oms-import --channel oms >/dev/null
	oms-route --pending > alloc.jsonl
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), count(DISTINCT location) FROM allocations")" "150|1"
	run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "shipped"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT on_hand, reserved FROM levels WHERE sku = 'A' AND location = 'EWR1'")" "0|0"
	run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" "1"
	run oms check
	assert_success
}

# Defect 10, in part: a busy timeout that is no number was read as 0 ms.
@test "OMS_BUSY_TIMEOUT that is not milliseconds is a usage error, for every program; a number is taken" {
	for v in abc 10s -1 99999999999 ' 5'; do
		for cmd in "oms check" "oms-stock levels" "oms-route --pending"; do
			# shellcheck disable=SC2086
			OMS_BUSY_TIMEOUT=$v run --separate-stderr $cmd
			assert_failure 2
			[[ $stderr == *"OMS_BUSY_TIMEOUT '$v' is not a number of milliseconds from 0 to 86400000" ]] ||
				fail "$cmd with '$v': $stderr"
		done
	done
	OMS_BUSY_TIMEOUT=0 run --separate-stderr oms check
	assert_success
	OMS_BUSY_TIMEOUT=2500 run --separate-stderr oms-stock levels
	assert_success
}
