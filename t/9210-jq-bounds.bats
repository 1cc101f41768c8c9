#!/usr/bin/env bats
# Issue 13, defect 2: a jq program others write (a rule condition, an
# adapter's refine) could run for ever, or eat memory until the kernel
# killed the program, while it held the write lock; and a condition that
# failed let the order fall to the next rule unsaid.  Each runs bounded
# now (OMS_JQ_TIMEOUT, OMS_JQ_MEMORY), a slow one outside the lock, and a
# rule whose condition fails or is stopped leaves its order unrouted,
# said.  Every run here is under timeout(1): a hang fails, it does not
# hang the suite.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

order() {	# EXT: one line of A to New York
	echo "{\"type\":\"order\",\"channel\":\"web\",\"external_id\":\"$1\",\"status\":\"open\",\"placed_at\":\"2026-11-26T10:00:0${2:-0}Z\",\"currency\":\"USD\",\"ship_to\":{\"name\":\"A B\",\"address1\":\"1 Main St\",\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\"},\"payment\":{\"status\":\"paid\"},\"lines\":[{\"sku\":\"A\",\"qty\":1,\"unit_price\":\"10.00\"}],\"totals\":{\"subtotal\":\"10.00\",\"shipping\":\"0.00\",\"tax\":\"0.00\",\"total\":\"10.00\"}}" |
		oms-import --channel oms >/dev/null
}

setup_routes() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	echo '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r-A"}' | oms-stock >/dev/null
}

# rules PROG: a first rule that never matches, the hostile one, the rest.
rules() {
	jq -n --arg p "$1" '{rules:[{name:"web-only",when:{channel:["none"]}},
		{name:"hostile",when:{jq:$p}},{name:"rest"}]}' > rules.json
	oms-route -q rules load rules.json
}

# No process of this test's database is left: no evaluator, no zombie.
no_strays() {
	local left
	left=$(ps -eo pid=,stat=,args= | grep -F -- "$OMS_DB" | grep -v grep || true)
	[ -z "$left" ] || fail "processes left: $left"
}

TIMEOUT_MSG="jq: ran for more than 1000 ms (OMS_JQ_TIMEOUT) and was stopped"
MEMORY_MSG="jq: ran out of memory (OMS_JQ_MEMORY is 64 MiB) and was stopped"

@test "a hostile rule condition is stopped within its limits, naming the rule and the order; the order stays open, no later rule takes it, and the next run says it again" {
	setup_routes
	order 1
	export OMS_JQ_TIMEOUT=1000 OMS_JQ_MEMORY=64
	for prog in 'def f: f; f' '[range(1e9)] | length > 0' \
	    '"a" * 1e9 | length > 0' '[limit(1e9; repeat(1))] | length > 0' \
	    'def f: 1 + f; f' 'def f: [f]; f'; do
		rules "$prog"
		v=$(oms-route rules show | jq .version)
		for run in 1 2; do
			t0=$(now_ms)
			run --separate-stderr timeout 30 oms-route --db "$OMS_DB" --pending
			t=$(($(now_ms) - t0))
			[ "$status" -eq 1 ] || fail "$prog, run $run: exit $status: $stderr"
			assert_output ""
			want="oms-route: order o_1 (web 1): rule 'hostile' (rule 2 of rules version $v): "
			[ "$stderr" = "$want$TIMEOUT_MSG; the order is not routed" ] ||
				[ "$stderr" = "$want$MEMORY_MSG; the order is not routed" ] ||
				fail "$prog, run $run: $stderr"
			[ "$t" -lt 6000 ] || fail "$prog, run $run: took $t ms"
			assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "open"
			assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM allocations")" "0"
			no_strays
		done
	done
	run oms check
	assert_success
}

@test "a memory bomb is refused as one, not the program killed by the kernel" {
	setup_routes
	order 1
	rules 'def f: [f]; f'
	OMS_JQ_TIMEOUT=20000 OMS_JQ_MEMORY=64 run --separate-stderr timeout 30 oms-route --pending
	assert_failure 1
	assert_equal "$stderr" "oms-route: order o_1 (web 1): rule 'hostile' (rule 2 of rules version 1): $MEMORY_MSG; the order is not routed"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "open"
}

@test "a condition that fails refuses its order, said, instead of letting it fall to the next rule" {
	setup_routes
	order 1
	order 2 1
	jq -n '{rules:[{name:"vip",when:{jq:"if .external_id == \"1\" then error(\"boom\") else false end"}},
		{name:"rest"}]}' > rules.json
	oms-route -q rules load rules.json
	run --separate-stderr timeout 30 oms-route --pending
	assert_failure 1
	assert_equal "$stderr" "oms-route: order o_1 (web 1): rule 'vip' (rule 1 of rules version 1): jq: boom; the order is not routed"
	assert_equal "$(jq -r '"\(.order) \(.rule) \(.status)"' <<<"$output")" "o_2 rest allocated"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id")" "1|open
2|allocated"
	# Named on the command line: refused by file and line, the same way.
	echo o_1 > ids
	run --separate-stderr timeout 30 oms-route ids
	assert_failure 1
	assert_equal "$stderr" "oms-route: ids:1: order o_1 (web 1): rule 'vip' (rule 1 of rules version 1): jq: boom; the order is not routed"
	# A dry run says it too, for the rules proposed.
	run --separate-stderr timeout 30 oms-route --dry-run --rules rules.json -q
	assert_failure 1
	assert_equal "$stderr" "oms-route: order o_1 (web 1): rule 'vip' (rule 1): jq: boom; the order is not routed"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders WHERE id = 1")" "open"
}

@test "conditions that hold route as before: false ones said in --explain, the first true one taken" {
	setup_routes
	order 1
	order 2 1
	jq -n '{rules:[{name:"a",when:{jq:".external_id == \"x\""}},
		{name:"b",when:{region:["NY"],jq:".external_id == \"2\""}},
		{name:"c",when:{jq:"debug | true"}},{name:"d"}]}' > rules.json
	oms-route -q rules load rules.json
	run --separate-stderr timeout 30 oms-route --pending --explain
	assert_success
	assert_equal "$(jq -c '[.order, .rule, [.explain.rules[] | [.rule, .matched, .why]]]' <<<"$output")" \
'["o_1","c",[["a",false,"jq .external_id == \"x\" is false"],["b",false,"jq .external_id == \"2\" is false"],["c",true,null]]]
["o_2","b",[["a",false,"jq .external_id == \"x\" is false"],["b",true,null]]]'
	assert_equal "$(grep -c '^oms-route: jq debug: {"type":"order"' <<<"$stderr")" "1"
	no_strays
}

@test "while a condition runs, another writer is not kept busy" {
	setup_routes
	order 1
	rules 'def f: f; f'
	OMS_JQ_TIMEOUT=5000 timeout 30 oms-route --db "$OMS_DB" --pending >route.out 2>route.err &
	pid=$!
	sleep 1.5
	kill -0 "$pid" || fail "oms-route ended before the writer came: $(cat route.err)"
	OMS_BUSY_TIMEOUT=1000 run --separate-stderr timeout 30 oms-stock \
		<<<'{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"r-2"}'
	assert_success
	wait "$pid" && rc=0 || rc=$?
	assert_equal "$rc" "1"
	assert_equal "$(cat route.err)" "oms-route: order o_1 (web 1): rule 'hostile' (rule 2 of rules version 1): jq: ran for more than 5000 ms (OMS_JQ_TIMEOUT) and was stopped; the order is not routed"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT on_hand FROM levels WHERE sku = 'A' AND location = 'EWR1'")" "6"
	no_strays
}

@test "each stopped evaluator is reaped before the next starts; none outlives its program, even one killed" {
	setup_routes
	order 1
	order 2 1
	order 3 2
	rules 'def f: f; f'
	OMS_JQ_TIMEOUT=1500 timeout 30 oms-route --db "$OMS_DB" --pending >route.out 2>route.err &
	pid=$!
	sleep 2.3
	# The first order's evaluator is gone and reaped; one runs the next.
	kids=$(ps -o stat= --ppid "$pid")
	[ "$(wc -l <<<"$kids")" = 1 ] || fail "children: $kids"
	[[ $kids != Z* ]] || fail "a zombie: $kids"
	wait "$pid" && rc=0 || rc=$?
	assert_equal "$rc" "1"
	assert_equal "$(wc -l < route.err)" "3"
	no_strays
	# Killed outright while a condition runs: its evaluator goes too.
	OMS_JQ_TIMEOUT=20000 oms-route --db "$OMS_DB" --pending >/dev/null 2>&1 &
	pid=$!
	sleep 1
	[ -n "$(ps -o pid= --ppid "$pid")" ] || fail "no evaluator running"
	kill -9 "$pid"
	wait "$pid" || true
	sleep 0.5
	no_strays
}

@test "an adapter refine that loops, or eats memory, refuses that order naming the adapter, the file, the line and the order; the rest import" {
	mkdir -p own/channels
	for prog in 'def f: f; f' 'def f: [f]; f'; do
		jq --arg p "if .external_id == \"1002\" then ($prog) else . end" '.refine = $p' \
			"$TOP/share/oms/channels/woocommerce.json" > own/channels/woocommerce.json
		fresh_db
		# The memory bomb has all the time it wants: memory stops it.
		case $prog in
		*'[f]'*) why=$MEMORY_MSG t=20000 ;;
		*) why=$TIMEOUT_MSG t=1000 ;;
		esac
		OMS_JQ_TIMEOUT=$t OMS_JQ_MEMORY=64 OMS_PATH="$PWD/own:$OMS_PATH" \
			run --separate-stderr timeout 30 oms-import "$FIX/woocommerce-orders.json"
		assert_failure 1
		assert_equal "$stderr" "oms-import: $FIX/woocommerce-orders.json:154: record 2: order 1002: adapter 'woocommerce': refine: $why"
		assert_equal "$(jq -r .external_id <<<"$output" | sort | tr '\n' ' ')" "1001 1003 1004 1005 1006 "
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE external_id = '1002'")" "0"
		no_strays
	done
}

@test "while a refine runs, another writer is not kept busy" {
	mkdir -p own/channels
	jq '.refine = "if .external_id == \"1002\" then (def f: f; f) else . end"' \
		"$TOP/share/oms/channels/woocommerce.json" > own/channels/woocommerce.json
	oms-stock >/dev/null <<<'{"type":"location","id":"EWR1"}'
	OMS_JQ_TIMEOUT=5000 OMS_PATH="$PWD/own:$OMS_PATH" \
		timeout 30 oms-import --db "$OMS_DB" "$FIX/woocommerce-orders.json" >import.out 2>import.err &
	pid=$!
	sleep 1.5
	kill -0 "$pid" || fail "oms-import ended before the writer came: $(cat import.err)"
	OMS_BUSY_TIMEOUT=1000 run --separate-stderr timeout 30 oms-stock <<<'{"type":"location","id":"ORD1"}'
	assert_success
	wait "$pid" && rc=0 || rc=$?
	assert_equal "$rc" "1"
	[[ $(cat import.err) == *"order 1002: adapter 'woocommerce': refine: jq: ran for more than 5000 ms (OMS_JQ_TIMEOUT) and was stopped" ]] ||
		fail "$(cat import.err)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "5"
	no_strays
}

@test "OMS_JQ_TIMEOUT and OMS_JQ_MEMORY that are no such numbers are usage errors, for every program" {
	for v in abc 0 -1 99999999999 ' 5' 2s; do
		for cmd in "oms check" "oms-stock levels" "oms-route --pending"; do
			# shellcheck disable=SC2086
			OMS_JQ_TIMEOUT=$v run --separate-stderr $cmd
			assert_failure 2
			assert_equal "$stderr" "${cmd%% *}: OMS_JQ_TIMEOUT '$v' is not a number of milliseconds from 1 to 86400000"
		done
	done
	for v in abc 8 2000000 64M; do
		OMS_JQ_MEMORY=$v run --separate-stderr oms-import --check "$FIX/woocommerce-orders.json"
		assert_failure 2
		assert_equal "$stderr" "oms-import: OMS_JQ_MEMORY '$v' is not a number of MiB from 16 to 1048576"
	done
	OMS_JQ_TIMEOUT=1 OMS_JQ_MEMORY=16 run --separate-stderr oms check
	assert_success
}
