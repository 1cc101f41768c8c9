#!/usr/bin/env bats
# oms-return (issue 14) under attack: input that is wrong or hostile is
# refused with what was wrong and changes nothing; a record file with a
# broken line names file:line, applies the rest and exits 1; processes
# that race on one return count each unit once; a process killed with
# SIGKILL mid-run leaves a consistent database, and running it again
# finishes the job exactly once.

load helper
load return

# An order of two lines delivered, and r_1 asked for both of line 1.
one_return() {
	setup_ret
	delivered 1001 "L1:A:3 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:3 >/dev/null
}

# state: what a refusal must leave as it was.
state() {
	levels
	sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT id, state FROM returns; SELECT * FROM return_lines; SELECT count(*) FROM return_receipts; SELECT count(*) FROM return_units; SELECT count(*) FROM events; SELECT status FROM orders"
}

# refused STATUS MESSAGE CMD...: exits STATUS, prints nothing, says
# MESSAGE (the first line of stderr), and changes nothing.
refused() {
	local want=$1 msg=$2 before
	shift 2
	before=$(state)
	run --separate-stderr "$@"
	assert_equal "$status" "$want"
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" "$msg"
	assert_equal "$(state)" "$before"
}

@test "requests refused: unknown order or line, a quantity of 0, absurd or not a number, an unknown reason, other without a note, no reason" {
	one_return
	refused 1 "oms-return: o_9: no order 'o_9'" oms-return request --reason defective o_9 2
	refused 1 "oms-return: oms:9999: no order 'oms:9999'" oms-return request --reason defective oms:9999 2
	refused 1 "oms-return: oms:1001: lines[0]: the order has no line 3" oms-return request --reason defective oms:1001 3
	refused 2 "oms-return: '2:0': the quantity must be from 1 to 1000000" oms-return request --reason defective oms:1001 2:0
	refused 2 "oms-return: '2:99999999999999999999': the quantity must be from 1 to 1000000" oms-return request --reason defective oms:1001 2:99999999999999999999
	refused 2 "oms-return: '2:-1': the quantity must be from 1 to 1000000" oms-return request --reason defective oms:1001 2:-1
	refused 2 "oms-return: '2:two': the quantity must be from 1 to 1000000" oms-return request --reason defective oms:1001 2:two
	refused 2 "oms-return: 'two' is not LINE or LINE:QTY" oms-return request --reason defective oms:1001 two
	refused 2 "oms-return: '0' is not LINE or LINE:QTY" oms-return request --reason defective oms:1001 0
	refused 1 "oms-return: oms:1001: line 2 (B): 5 units asked, 1 left to return (1 gone out, 0 on returns already)" oms-return request --reason defective oms:1001 2:5
	refused 1 "oms-return: oms:1001: reason 'bored' is not one of color, defective, not_as_described, other, size_too_large, size_too_small, style, unknown, unwanted, wrong_item, lost, cancel" oms-return request --reason bored oms:1001 2
	refused 1 "oms-return: oms:1001: line 2: reason 'other' needs a note" oms-return request --reason other oms:1001 2
	refused 1 "oms-return: oms:1001: line 2: reason 'other' needs a note" oms-return request --reason other --note "" oms:1001 2
	refused 2 "oms-return: request needs --reason" oms-return request oms:1001 2
	refused 2 "oms-return: --force needs a reason" oms-return request --reason defective --force "" oms:1001 2
	refused 1 "oms-return: oms:1001: line 2: resolution 'cash' is not refund, exchange, store_credit or none" oms-return request --reason defective --resolution cash oms:1001 2
	refused 1 "oms-return: oms:1001: unknown location 'NOPE'" oms-return request --reason defective --location NOPE oms:1001 2
	refused 1 "oms-return: oms:1001: requested_at 'yesterday' is not a time" oms-return request --reason defective --at yesterday oms:1001 2
	# The same mistakes as records.
	refused 1 "oms-return: -:1: lines[0]: qty must be a whole number from 1 to 1000000" oms-return <<<'{"type":"return","order":"oms:1001","lines":[{"line_no":2,"qty":"one","reason":"color"}]}'
	refused 1 "oms-return: -:1: lines[0]: qty must be a whole number from 1 to 1000000" oms-return <<<'{"type":"return","order":"oms:1001","lines":[{"line_no":2,"qty":1e300,"reason":"color"}]}'
	refused 1 "oms-return: -:1: lines[0]: qty must be a whole number from 1 to 1000000" oms-return <<<'{"type":"return","order":"oms:1001","lines":[{"line_no":2,"qty":1.5,"reason":"color"}]}'
	refused 1 "oms-return: -:1: lines[0]: the order has no line 2.5" oms-return <<<'{"type":"return","order":"oms:1001","lines":[{"line_no":2.5,"qty":1,"reason":"color"}]}'
	refused 1 "oms-return: -:1: lines[0]: the order has no line with line_id 'L9'" oms-return <<<'{"type":"return","order":"oms:1001","lines":[{"line_id":"L9","qty":1,"reason":"color"}]}'
	refused 1 "oms-return: -:1: lines[0]: the order has no line of SKU 'Z'" oms-return <<<'{"type":"return","order":"oms:1001","lines":[{"sku":"Z","qty":1,"reason":"color"}]}'
	refused 1 "oms-return: -:1: line 2: no reason (a return says why)" oms-return <<<'{"type":"return","order":"oms:1001","lines":[{"line_no":2,"qty":1}]}'
	refused 1 "oms-return: -:1: no lines (a return names what comes back)" oms-return <<<'{"type":"return","order":"oms:1001","lines":[]}'
	refused 1 "oms-return: -:1: no order (a return names its order)" oms-return <<<'{"type":"return","lines":[{"line_no":2,"qty":1,"reason":"color"}]}'
	refused 1 "oms-return: -:1: lines[0] names no order_line, line_id or sku" oms-return <<<'{"type":"return","order":"oms:1001","lines":[{"qty":1,"reason":"color"}]}'
	clean
}

@test "receipts and inspections refused: unknown return or line, too many units, a return not received, a bad disposition, an unknown or quarantine location" {
	one_return
	refused 1 "oms-return: r_9: no return r_9" oms-return receive r_9
	refused 1 "oms-return: 1Z_NOPE: no return '1Z_NOPE' (name it r_N, by its tracking number or by the channel's return number)" oms-return receive 1Z_NOPE
	refused 1 "oms-return: r_1: return r_1 has no line 3" oms-return receive r_1 3
	refused 1 "oms-return: r_1: r_1 line 1: 4 units received, 3 still expected (0 of 3 came already)" oms-return receive r_1 1:4
	refused 2 "oms-return: '1:0': the quantity must be from 1 to 1000000" oms-return receive r_1 1:0
	refused 1 "oms-return: r_1: unknown location 'NOPE'" oms-return receive --location NOPE r_1
	refused 1 "oms-return: 1: return r_1 is authorized: only received units are inspected" oms-return inspect --disposition restock r_1 1
	refused 2 "oms-return: inspect needs --disposition" oms-return inspect r_1 1
	refused 2 "oms-return: inspect needs a return and its lines (LINE or LINE:QTY)" oms-return inspect --disposition restock r_1
	refused 2 "oms-return: --key names one inspection: one line" oms-return inspect --disposition restock --key k r_1 1 1
	oms-return receive r_1 >/dev/null
	refused 1 "oms-return: 1: disposition 'burn' is not restock, regrade, refurbish, vendor, dispose, missing or wrong_item" oms-return inspect --disposition burn r_1 1
	refused 1 "oms-return: 2: return r_1 has no line 2" oms-return inspect --disposition restock r_1 2
	refused 1 "oms-return: 1:5: r_1 line 1: 5 units of A to inspect, 3 wait" oms-return inspect --disposition restock r_1 1:5
	refused 1 "oms-return: 1: r_1 line 1 is A: B is not it" oms-return inspect --disposition restock --sku B r_1 1
	refused 1 "oms-return: 1:1: unknown location 'NOPE' (a location record adds it)" oms-return inspect --disposition restock --to NOPE r_1 1:1
	refused 1 "oms-return: -:1: no disposition" oms-return <<<'{"type":"inspection","return":"r_1","line_no":1}'
	refused 1 "oms-return: -:1: no line_no, sku or line_id: say which line was inspected" oms-return <<<'{"type":"inspection","return":"r_1","disposition":"restock"}'
	refused 1 "oms-return: -:1: return r_1 has no line of SKU 'Z'" oms-return <<<'{"type":"inspection","return":"r_1","sku":"Z","disposition":"restock"}'
	refused 1 "oms-return: -:1: line_no 0 is not a line" oms-return <<<'{"type":"inspection","return":"r_1","line_no":0,"disposition":"restock"}'
	refused 1 "oms-return: -:1: no return (name it r_N, by its tracking number or the channel's return number)" oms-return <<<'{"type":"receipt"}'
	clean
}

@test "a returns quarantine is no place to receive at, and the refusal names whose quarantine it is" {
	one_return
	oms-return receive r_1 1:1 >/dev/null	# r_2 has the other two
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT quarantine_of FROM locations WHERE id = 'EWR1/returns'")" "EWR1"
	refused 1 "oms-return: oms:1001: unknown location 'EWR1/returns'" oms-return request --reason color --location EWR1/returns oms:1001 2
	refused 1 "oms-return: r_2: EWR1/returns is the returns quarantine of EWR1, not a place to receive at" oms-return receive --location EWR1/returns r_2
	clean
}

@test "a returns quarantine is no place to restock or regrade into" {
	one_return
	oms-return receive r_1 1:1 >/dev/null	# r_2 has the other two
	refused 1 "oms-return: 1:1: EWR1/returns is the returns quarantine of EWR1, not a place to restock at" oms-return inspect --disposition regrade --to-sku B --to EWR1/returns r_1 1:1
	# Another location's quarantine neither.
	oms-return receive --location LAX1 r_2 1:1 >/dev/null
	refused 1 "oms-return: 1:1: LAX1/returns is the returns quarantine of LAX1, not a place to restock at" oms-return inspect --disposition restock --to LAX1/returns r_1 1:1
	clean
}

@test "a store takes a return: its own quarantine, restocked at the store" {
	one_return
	run oms-return receive --location NYC-STORE r_1
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, kind, sellable, ships, quarantine_of FROM locations WHERE quarantine_of IS NOT NULL")" "NYC-STORE/returns|store|0|0|NYC-STORE"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT location FROM return_receipts")" "NYC-STORE"
	run oms-return inspect --disposition restock r_1 1
	assert_success
	assert_equal "$(levels | grep NYC)" "A|NYC-STORE|3|0
A|NYC-STORE/returns|0|0"
	clean
}

@test "hostile strings (quotes, newlines, shell, 10 KB) in notes and keys are kept byte for byte or refused as too long, never run or cut" {
	setup_ret
	delivered 1001 "L1:A:3 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	n=$'it\'s "broken"\nsecond line; $(touch pwned) `touch pwned2` \\ \t end\r'
	big=$(head -c 10240 /dev/zero | tr '\0' x)
	run --separate-stderr oms-return request --reason other --note "$n" --key "$n" oms:1001 1:1
	assert_success
	assert_equal "$(jq -r '.key == $n and .lines[0].note == $n' --arg n "$n" <<<"$output")" "true"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT r.key = l.note FROM returns r JOIN return_lines l ON l.return_id = r.id; SELECT length(key) FROM returns")" "1
$(printf '%s' "$n" | wc -m)"
	# Asked again under the same key: found, not made twice.
	run --separate-stderr oms-return request --reason other --note "$n" --key "$n" oms:1001 1:1
	assert_success
	assert_equal "$(jq -c '[.id, .duplicate]' <<<"$output")" '["r_1",true]'
	run --separate-stderr oms-return request --reason other --note "$big" --key "k$big" oms:1001 2
	assert_success
	assert_equal "$(jq -c '[.id, (.key | length), (.lines[0].note | length)]' <<<"$output")" '["r_2",10241,10240]'
	refused 1 "oms-return: r_1: key 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is too long" oms-return receive --key "$big" r_1
	run --separate-stderr oms-return receive --key "$n" r_1
	assert_success
	run --separate-stderr oms-return receive --key "$n" r_1
	assert_equal "$(jq -c .duplicate <<<"$output")" "true"
	refused 1 "oms-return: 1: key 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is too long" oms-return inspect --disposition dispose --key "$big" r_1 1
	run --separate-stderr oms-return inspect --disposition dispose --note "$big$n" --key "$n" r_1 1
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT length(note), key = '$(sed "s/'/''/g" <<<"$n")' FROM return_units")" "10305|1"
	assert_equal "$(jq -r '.units[0].note == $x' --arg x "$big$n" <<<"$output")" "true"
	[ ! -e pwned ] && [ ! -e pwned2 ]
	# The reason is a name, not free text.
	refused 1 "oms-return: oms:1001: reason 'x\"; DROP TABLE returns; --' is not one of color, defective, not_as_described, other, size_too_large, size_too_small, style, unknown, unwanted, wrong_item, lost, cancel" oms-return request --reason 'x"; DROP TABLE returns; --' oms:1001 1:1
	clean
}

@test "a record file with broken lines: each named file:line, the rest applied, exit 1; --rejects gets them" {
	setup_ret
	delivered 1001 "L1:A:2 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	printf '%s\n' \
	    '{"type":"return","order":"oms:1001","key":"a","lines":[{"line_no":1,"qty":2,"reason":"color"}]}' \
	    '{"type":"return","order":"oms:1001",' \
	    '{"type":"receipt","return":"r_1"}' \
	    '{"type":"shipment"}' \
	    '{"type":"inspection","return":"r_1","line_no":1,"disposition":"restock","key":"i-1"}' \
	    '{"type":"return","order":"oms:1001","lines":[{"line_no":2,"qty":"x","reason":"color"}]}' \
	    'not json at all' > day.jsonl
	run --separate-stderr oms-return -v --rejects rej.jsonl day.jsonl
	assert_failure 1
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","authorized"]
["r_1","received"]
["r_1","closed"]'
	assert_equal "$stderr" "oms-return: day.jsonl:2: invalid JSON at column 36
oms-return: day.jsonl:4: a record of type 'shipment' is not for oms-return (it reads return, receipt and inspection)
oms-return: day.jsonl:6: lines[0]: qty must be a whole number from 1 to 1000000
oms-return: day.jsonl:7: invalid JSON at column 1
oms-return: 3 applied, 0 already so, 4 refused"
	assert_equal "$(jq -c '[.file, .line, .raw]' rej.jsonl)" '["day.jsonl",2,"{\"type\":\"return\",\"order\":\"oms:1001\","]
["day.jsonl",4,"{\"type\":\"shipment\"}"]
["day.jsonl",6,"{\"type\":\"return\",\"order\":\"oms:1001\",\"lines\":[{\"line_no\":2,\"qty\":\"x\",\"reason\":\"color\"}]}"]
["day.jsonl",7,"not json at all"]'
	assert_equal "$(levels | grep '^A')" "A|EWR1|20|0
A|EWR1/returns|0|0"
	# Run again: what was applied is found, the broken lines refused again.
	run --separate-stderr oms-return -v day.jsonl
	assert_failure 1
	assert_equal "${stderr##*$'\n'}" "oms-return: 0 applied, 3 already so, 4 refused"
	clean
}

@test "an inspection again once every unit is inspected and the return closed: duplicate, exit 0, as a receipt again is" {
	one_return
	oms-return receive r_1 >/dev/null
	run oms-return inspect --disposition restock r_1 1
	assert_success
	assert_equal "$(jq -c '[.state, .duplicate]' <<<"$output")" '["closed",null]'
	before=$(state)
	run --separate-stderr oms-return inspect --disposition restock r_1 1
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.state, .duplicate]' <<<"$output")" '["closed",true]'
	run --separate-stderr oms-return <<<'{"type":"inspection","return":"r_1","line_no":1,"disposition":"restock"}'
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.state, .duplicate]' <<<"$output")" '["closed",true]'
	assert_equal "$(state)" "$before"
	clean
}

@test "replays that name their quantities: a parcel's receipt of LINE:QTY and a receipt record with qty, again, are duplicates, not refusals" {
	one_return
	run oms-return receive --tracking 1Z999AA10123456784 r_1 1:3
	assert_success
	before=$(state)
	run --separate-stderr oms-return receive --tracking 1Z999AA10123456784 r_1 1:3
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .duplicate]' <<<"$output")" '["r_1",true]'
	assert_equal "$(state)" "$before"
	fresh_db
	one_return
	echo '{"type":"receipt","return":"r_1","key":"dock-1","lines":[{"line_no":1,"qty":1}]}' > r.jsonl
	run oms-return r.jsonl
	assert_success
	before=$(state)
	run --separate-stderr oms-return r.jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .duplicate]' <<<"$output")" '["r_1",true]'
	assert_equal "$(state)" "$before"
	clean
}

@test "four inspections of one return at once: exactly one restock, whatever each process says" {
	one_return
	oms-return receive r_1 >/dev/null
	for i in 1 2 3 4; do
		oms-return inspect --disposition restock r_1 1 > out$i 2> err$i &
	done
	wait
	assert_equal "$(cat out1 out2 out3 out4 | jq -c 'select(.duplicate == null) | [.id, .state]')" '["r_1","closed"]'
	assert_equal "$(levels | grep '^A')" "A|EWR1|20|0
A|EWR1/returns|0|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, qty FROM movements WHERE ref = 'r_1' ORDER BY id; SELECT count(*), sum(qty) FROM return_units")" "receive|3
transfer_out|-3
transfer_in|3
1|3"
	clean
}

@test "two inspections of one return at once: one restock, levels and movements counted once, both exit 0" {
	one_return
	oms-return receive r_1 >/dev/null
	for i in 1 2 3 4; do
		oms-return inspect --disposition restock r_1 1 > out$i 2> err$i &
	done
	wait
	for i in 1 2 3 4; do
		assert_equal "$(cat err$i)" ""
		[ -s out$i ]
	done
	assert_equal "$(cat out1 out2 out3 out4 | jq -c .duplicate | sort | uniq -c | awk '{print $1, $2}')" "1 null
3 true"
	assert_equal "$(levels | grep '^A')" "A|EWR1|20|0
A|EWR1/returns|0|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, qty FROM movements WHERE ref = 'r_1' ORDER BY id; SELECT count(*), sum(qty) FROM return_units")" "receive|3
transfer_out|-3
transfer_in|3
1|3"
	clean
}

@test "two receipts of one parcel at once: counted once" {
	one_return
	for i in 1 2 3 4; do
		oms-return receive --tracking 1Z999AA10123456784 r_1 > out$i 2> err$i &
	done
	wait
	for i in 1 2 3 4; do
		assert_equal "$(cat err$i)" ""
	done
	assert_equal "$(cat out1 out2 out3 out4 | jq -c .duplicate | sort | uniq -c | awk '{print $1, $2}')" "1 null
3 true"
	assert_equal "$(levels | grep returns)" "A|EWR1/returns|3|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM return_receipts; SELECT returned FROM order_lines WHERE line_no = 1")" "1
3"
	clean
}

# A return of 120 units of C and a file inspecting them one by one, a
# third of them disposed of.
many_units() {
	setup_ret
	oms-stock <<<'{"type":"movement","kind":"receive","sku":"C","location":"EWR1","qty":115,"key":"c120"}' >/dev/null
	delivered 1001 "L1:C:120"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:120 >/dev/null
	oms-return receive r_1 >/dev/null
	for i in $(seq 120); do
		echo "{\"type\":\"inspection\",\"return\":\"r_1\",\"line_no\":1,\"qty\":1,\"disposition\":\"$([ $((i % 3)) = 0 ] && echo dispose || echo restock)\",\"key\":\"bench:$i\"}"
	done > insp.jsonl
}

@test "two processes applying one file of 120 inspections at once: each unit once" {
	many_units
	oms-return insp.jsonl > out1 2> err1 &
	oms-return insp.jsonl > out2 2> err2 &
	wait
	assert_equal "$(cat err1 err2)" ""
	assert_equal "$(cat out1 out2 | jq -c .duplicate | sort | uniq -c | awk '{print $1, $2}')" "120 null
120 true"
	assert_equal "$(levels | grep '^C')" "C|EWR1|80|0
C|EWR1/returns|0|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), sum(qty) FROM return_units; SELECT state FROM returns")" "120|120
closed"
	clean
}

@test "oms-return killed with SIGKILL mid-file: the database is consistent, and the run again finishes it exactly once" {
	many_units
	# The lines come a few milliseconds apart, so the run is still at
	# work when it is killed: a file of 120 can be done before the first
	# look at the database.
	while read -r l; do
		printf '%s\n' "$l"
		sleep 0.005
	done < insp.jsonl | oms-return > out1 2>&1 &
	pid=$!
	# Kill it once it is under way, well before the end.
	for _ in $(seq 200); do
		[ "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM return_units" 2>/dev/null)" -gt 10 ] 2>/dev/null && break
		sleep 0.01
	done
	kill -9 "$pid"
	wait "$pid" || true
	done=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM return_units")
	[ "$done" -gt 0 ] && [ "$done" -lt 120 ]
	clean
	run --separate-stderr oms-return -v insp.jsonl
	assert_success
	assert_equal "$stderr" "oms-return: $((120 - done)) applied, $done already so, 0 refused"
	assert_equal "$(levels | grep '^C')" "C|EWR1|80|0
C|EWR1/returns|0|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), sum(qty) FROM return_units; SELECT count(*) FROM movements WHERE ref = 'r_1'; SELECT state FROM returns")" "120|120
201
closed"
	clean
}

@test "four requests for the same last units at once: one return made, the others refused with the numbers" {
	one_return
	for k in a b c d; do
		oms-return request --reason color --key $k oms:1001 2 > out$k 2> err$k &
	done
	wait
	assert_equal "$(cat outa outb outc outd | jq -c '[.id, .lines[0].order_line, .lines[0].qty]')" '["r_2",2,1]'
	assert_equal "$(cat erra errb errc errd | sed 's/^oms-return: oms:1001: //' | sort | uniq -c | awk '{$1 = $1; print}')" "3 line 2 (B): 1 unit asked, 0 left to return (1 gone out, 1 on returns already)"
	clean
}

@test "an ordinary location that happens to be called LOC/returns is not taken for LOC's quarantine: received units are never sellable" {
	setup_ret
	oms-stock <<<'{"type":"location","id":"EWR1/returns","kind":"warehouse"}' >/dev/null
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:2 >/dev/null
	av=$(avail)
	run --separate-stderr oms-return receive r_1
	# Refused, or received somewhere that does not sell: never sold uninspected.
	assert_equal "$(avail)" "$av"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM levels l JOIN locations c ON c.id = l.location WHERE l.on_hand > 0 AND c.sellable = 1 AND l.location LIKE '%/returns'")" "0"
	clean
}

@test "a location record for a quarantine (sellable left out, so true) cannot make it sellable, or oms check says so" {
	one_return
	oms-stock <<<'{"type":"listing","channel":"oms","channel_sku":"A","sku":"A"}' >/dev/null
	oms-return receive r_1 >/dev/null
	av=$(avail)
	run oms-stock <<<'{"type":"location","id":"EWR1/returns","kind":"warehouse"}'
	if [ "$status" -eq 0 ]; then
		# Taken: then the quarantine still does not sell, or oms check finds it.
		if [ "$(sqlite3 "$OMS_DB" "SELECT sellable <> 0 OR ships <> 0 FROM locations WHERE id = 'EWR1/returns'")" = 1 ]; then
			run oms check
			assert_failure
		fi
	fi
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sellable, ships, quarantine_of FROM locations WHERE id = 'EWR1/returns'")" "0|0|EWR1"
	assert_equal "$(avail)" "$av"
}

@test "list: an unknown --state is a usage error, not an empty list" {
	one_return
	run --separate-stderr oms-return list --state bogus
	assert_failure 2
	assert_output ""
	run --separate-stderr oms-return list --state authorized
	assert_success
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","authorized"]'
}

@test "a key used for one return is not taken for another: r_2's receipt or inspection under r_1's key is done (or refused), never a silent duplicate" {
	setup_ret
	delivered 1001 "L1:A:1 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1 >/dev/null
	oms-return request --reason defective oms:1001 2 >/dev/null
	oms-return receive --key dock-1 r_1 >/dev/null
	run --separate-stderr oms-return receive --key dock-1 r_2
	if [ "$status" -eq 0 ]; then
		assert_equal "$(jq -c '[.id, .state, .duplicate, .lines[0].received]' <<<"$output")" '["r_2","received",null,1]'
	else
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT state FROM returns WHERE id = 2")" "authorized"
	fi
	oms-return receive r_2 >/dev/null
	oms-return inspect --key bench-1 --disposition restock r_1 1 >/dev/null
	run --separate-stderr oms-return inspect --key bench-1 --disposition restock r_2 1
	if [ "$status" -eq 0 ]; then
		assert_equal "$(jq -c '[.id, .state, .duplicate]' <<<"$output")" '["r_2","closed",null]'
	else
		assert_output ""
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT state FROM returns WHERE id = 2")" "received"
	fi
	clean
}

@test "a policy with a typo, of the wrong type or not JSON is named with its file before anything is touched; reasons extend as data" {
	one_return
	mkdir -p pol/returns
	export OMS_PATH="$PWD/pol:$OMS_PATH"
	echo '{"name":"x","window_days":30,"windw_from":"delivery"}' > pol/returns/oms.json
	refused 3 "oms-return: oms:1001: $PWD/pol/returns/oms.json: unknown field windw_from" oms-return request --reason color oms:1001 2
	echo '{"name":"x","window_days":"30"}' > pol/returns/oms.json
	refused 3 "oms-return: oms:1001: $PWD/pol/returns/oms.json: window_days must be a whole number of days from 0 to 3650" oms-return request --reason color oms:1001 2
	echo '{"name":"x",' > pol/returns/oms.json
	refused 3 "oms-return: oms:1001: $PWD/pol/returns/oms.json: not a JSON return policy" oms-return request --reason color oms:1001 2
	rm pol/returns/oms.json
	jq '.reasons += [{"code":"arrived_late","label":"Arrived too late"}]' "$TOP/share/oms/returns/reasons.json" > pol/returns/reasons.json
	run --separate-stderr oms-return request --reason arrived_late oms:1001 2
	assert_success
	assert_equal "$(jq -c '[.id, .lines[0].reason]' <<<"$output")" '["r_2","arrived_late"]'
	clean
}

@test "--at (requested_at) cannot slip past the window: before the order was placed, or later than now, is refused" {
	setup_ret
	delivered 1001 "L1:A:2"
	# Three months after the window closed, backdated to before the order.
	export OMS_NOW=2027-03-01T10:00:00Z
	run --separate-stderr oms-return request --reason color --at 2020-01-01T00:00:00Z oms:1001 1
	assert_failure 1
	assert_output ""
	run --separate-stderr oms-return <<<'{"type":"return","order":"oms:1001","requested_at":"2020-01-01T00:00:00Z","lines":[{"line_no":1,"qty":1,"reason":"color"}]}'
	assert_failure 1
	# Asked in the future.
	export OMS_NOW=2026-12-01T00:00:00Z
	run --separate-stderr oms-return request --reason color --at 2026-12-20T00:00:00Z oms:1001 1
	assert_failure 1
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM returns")" "0"
}

@test "a database held by another program: receive waits its timeout, says busy (exit 4), changes nothing; run again it receives" {
	one_return
	before=$(state)
	hold_lock "$OMS_DB" 2
	OMS_BUSY_TIMEOUT=200 run --separate-stderr oms-return receive r_1
	assert_failure 4
	assert_output ""
	assert_equal "$stderr" "oms-return: r_1: database '$OMS_DB' is busy: another program held it past the 200 ms timeout; try again later"
	wait "$LOCK_PID"
	assert_equal "$(state)" "$before"
	run oms-return receive r_1
	assert_success
	assert_equal "$(jq -c '[.state, .lines[0].received]' <<<"$output")" '["received",3]'
	clean
}
