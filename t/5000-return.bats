#!/usr/bin/env bats
# oms-return (issue 14), the core: an order imported, routed, shipped and
# delivered as the cron jobs run it day by day, then returned: requested
# under the channel's policy, received into the quarantine of the
# location that takes it (counted, never sold), inspected unit by unit
# (only a restock puts stock back in the pool, every disposition a
# movement with its reason), closed.  Splits, kits, double receipts, a
# second return, the window, manual authorisation, cancel, close, expire,
# keep-it.  oms check and oms-stock verify clean after each.

load helper
load return

@test "the life of a return across days: delivered, requested, received into quarantine, restocked, closed; the order partly returned then returned" {
	setup_ret
	delivered 1001 "L1:A:2 L2:B:1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT delivered_at FROM shipments")" "delivered
2026-11-28T14:00:00Z"
	before=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; SELECT status, updated_at FROM orders")
	# Tuesday: the channel's file has the same order again: nothing changes.
	export OMS_NOW=2026-12-01T09:00:00Z
	order_json 1001 "L1:A:2 L2:B:1" > again.jsonl
	run --separate-stderr oms-import --channel oms again.jsonl
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; SELECT status, updated_at FROM orders")" "$before"
	# The customer asks for both tees back, by hand; the boots by a record.
	export OMS_NOW=2026-12-01T10:00:00Z
	run --separate-stderr oms-return request --reason size_too_small oms:1001 1:2
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_1","authorized","default",[[1,"A",2,"size_too_small",0,0]]]'
	assert_equal "$(jq -c '[.order, .channel, .external_id, .location, .requested_at, .window_ends, has("forced"), has("keep")]' <<<"$output")" '["o_1","oms","1001","EWR1","2026-12-01T10:00:00Z","2026-12-28T14:00:00Z",false,false]'
	run --separate-stderr oms-return <<<'{"type":"return","order":"oms:1001","key":"web-77","lines":[{"line_id":"L2","qty":1,"reason":"defective"}]}'
	assert_success
	assert_equal "$(jq -c "$J + [.key]" <<<"$output")" '["r_2","authorized","default",[[2,"B",1,"defective",0,0]],"web-77"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "delivered"
	clean
	lv=$(levels)
	av=$(avail)
	# Friday: the tees arrive at EWR1: counted in quarantine, not sold.
	export OMS_NOW=2026-12-04T16:00:00Z
	run --separate-stderr oms-return receive r_1
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_1","received","default",[[1,"A",2,"size_too_small",2,0]]]'
	assert_equal "$(levels | grep -v returns)" "$lv"
	assert_equal "$(levels | grep returns)" "A|EWR1/returns|2|0"
	assert_equal "$(avail)" "$av"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sellable, ships, quarantine_of FROM locations WHERE id = 'EWR1/returns'")" "0|0|EWR1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT return_id, line_no, qty, location, key FROM return_receipts")" "1|1|2|EWR1|r_1:line:1:2"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT group_concat(returned) FROM (SELECT returned FROM order_lines ORDER BY order_id, line_no)")" "partly_returned
2,0"
	clean
	# The channel's file again the next morning: still nothing changes.
	before=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; SELECT status, updated_at FROM orders; SELECT group_concat(returned) FROM (SELECT returned FROM order_lines ORDER BY order_id, line_no)")
	OMS_NOW=2026-12-05T09:00:00Z run --separate-stderr oms-import --channel oms again.jsonl
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events; SELECT status, updated_at FROM orders; SELECT group_concat(returned) FROM (SELECT returned FROM order_lines ORDER BY order_id, line_no)")" "$before"
	# Monday: inspected, both restocked: back in EWR1 by a transfer.
	export OMS_NOW=2026-12-07T11:00:00Z
	run --separate-stderr oms-return inspect --disposition restock r_1 1
	assert_success
	assert_equal "$(jq -c "$J + [.ended_at, .units]" <<<"$output")" '["r_1","closed","default",[[1,"A",2,"size_too_small",2,2]],"2026-12-07T11:00:00Z",[{"line_no":1,"sku":"A","qty":2,"location":"EWR1","disposition":"restock","at":"2026-12-07T11:00:00Z"}]]'
	assert_equal "$(levels)" "A|EWR1|20|0
A|EWR1/returns|0|0
B|EWR1|19|0
C|EWR1|5|0"
	assert_equal "$(avail)" "A	20
B	19
C	5
KIT	9"
	run oms-stock history A
	assert_equal "$(jq -c 'select(.ref == "r_1") | [.kind, .location, .to // .from, .change, .reason, .on_hand]' <<<"$output")" '["receive","EWR1/returns",null,2,"returned: r_1 line 1",2]
["transfer_out","EWR1/returns","EWR1",-2,"restocked: r_1 line 1",0]
["transfer_in","EWR1","EWR1/returns",2,"restocked: r_1 line 1",20]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "partly_returned"
	clean
	# The boots come back the week after: the order is returned.
	export OMS_NOW=2026-12-10T09:00:00Z
	run oms-return receive r_2
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "returned"
	run oms-return inspect --disposition restock r_2 1
	assert_success
	assert_equal "$(jq -r .state <<<"$output")" "closed"
	# Every move an event on the order, in order.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT at, action, coalesce(before, ''), after FROM events WHERE program = 'oms-return' ORDER BY id")" '2026-12-01T10:00:00Z|return_requested||{"return":"r_1","state":"authorized"}
2026-12-01T10:00:00Z|return_requested||{"return":"r_2","state":"authorized"}
2026-12-04T16:00:00Z|return_received|{"return":"r_1","state":"authorized"}|{"return":"r_1","state":"received"}
2026-12-04T16:00:00Z|returned|{"status":"delivered"}|{"status":"partly_returned"}
2026-12-07T11:00:00Z|return_inspected|{"return":"r_1","state":"received"}|{"return":"r_1","state":"inspected"}
2026-12-07T11:00:00Z|refund||{"refund":"f_1","total":"20.00","currency":"USD","state":"pending"}
2026-12-07T11:00:00Z|return_closed|{"return":"r_1","state":"inspected"}|{"return":"r_1","state":"closed"}
2026-12-10T09:00:00Z|return_received|{"return":"r_2","state":"authorized"}|{"return":"r_2","state":"received"}
2026-12-10T09:00:00Z|returned|{"status":"partly_returned"}|{"status":"returned"}
2026-12-10T09:00:00Z|return_inspected|{"return":"r_2","state":"received"}|{"return":"r_2","state":"inspected"}
2026-12-10T09:00:00Z|refund||{"refund":"f_2","total":"10.00","currency":"USD","state":"pending"}
2026-12-10T09:00:00Z|return_closed|{"return":"r_2","state":"inspected"}|{"return":"r_2","state":"closed"}'
	run oms-return list --order oms:1001
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","closed"]
["r_2","closed"]'
	run oms-return list --state closed
	assert_equal "${#lines[@]}" 2
	# The next tracking and import runs change nothing.
	OMS_NOW=2026-12-11T09:00:00Z run oms-ship track
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "returned"
	clean
}

@test "each disposition is a movement out of quarantine with its reason; only restock and regrade put stock in the pool" {
	setup_ret
	delivered 1001 "L1:A:7"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:7 >/dev/null
	oms-return receive r_1 >/dev/null
	assert_equal "$(levels)" "A|EWR1|13|0
A|EWR1/returns|7|0
B|EWR1|20|0
C|EWR1|5|0"
	export OMS_NOW=2026-12-02T10:00:00Z
	for d in restock refurbish vendor dispose missing wrong_item; do
		run --separate-stderr oms-return inspect --disposition $d --note "seen: $d" r_1 1:1
		assert_success
		assert_equal "$stderr" ""
		assert_equal "$(jq -r .state <<<"$output")" "received"
	done
	run --separate-stderr oms-return inspect --disposition regrade --to-sku C r_1 1:1
	assert_success
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_1","closed","default",[[1,"A",7,"defective",7,7]]]'
	assert_equal "$(jq -c '.units[] | [.sku, .qty, .location, .disposition, .to_sku, .note]' <<<"$output")" '["A",1,"EWR1","restock",null,"seen: restock"]
["A",1,"EWR1","refurbish",null,"seen: refurbish"]
["A",1,"EWR1","vendor",null,"seen: vendor"]
["A",1,"EWR1","dispose",null,"seen: dispose"]
["A",1,"EWR1","missing",null,"seen: missing"]
["A",1,"EWR1","wrong_item",null,"seen: wrong_item"]
["A",1,"EWR1","regrade","C",null]'
	assert_equal "$(rmoves)" "receive|A|EWR1/returns|7|returned: r_1 line 1
transfer_out|A|EWR1/returns|-1|restocked: r_1 line 1
transfer_in|A|EWR1|1|restocked: r_1 line 1
adjust|A|EWR1/returns|-1|sent to refurbish: r_1 line 1
adjust|A|EWR1/returns|-1|returned to vendor: r_1 line 1
damage|A|EWR1/returns|-1|disposed: r_1 line 1
adjust|A|EWR1/returns|-1|missing from the return: r_1 line 1
adjust|A|EWR1/returns|-1|wrong item received: r_1 line 1
adjust|A|EWR1/returns|-1|regraded as C: r_1 line 1
receive|C|EWR1|1|regraded from A: r_1 line 1"
	# One A back on the shelf, one C more; nothing left in quarantine.
	assert_equal "$(levels)" "A|EWR1|14|0
A|EWR1/returns|0|0
B|EWR1|20|0
C|EWR1|6|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT returned FROM order_lines")" "returned
7"
	clean
}

@test "restock and regrade at another location (--to); a regrade without --to-sku or to an unknown SKU is refused" {
	setup_ret
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason unwanted oms:1001 1:2 >/dev/null
	oms-return receive r_1 >/dev/null
	run --separate-stderr oms-return inspect --disposition regrade r_1 1:1
	assert_failure 1
	assert_equal "$stderr" "oms-return: 1:1: a regrade names the SKU the units become (to_sku)"
	run --separate-stderr oms-return inspect --disposition regrade --to-sku NOPE r_1 1:1
	assert_failure 1
	assert_equal "$stderr" "oms-return: 1:1: unknown sku 'NOPE' to regrade as"
	run --separate-stderr oms-return inspect --disposition dispose --to-sku C r_1 1:1
	assert_failure 1
	assert_equal "$stderr" "oms-return: 1:1: to_sku belongs to a regrade"
	run --separate-stderr oms-return inspect --disposition dispose --to LAX1 r_1 1:1
	assert_failure 1
	assert_equal "$stderr" "oms-return: 1:1: to_location belongs to a restock or a regrade"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM return_units")" "0"
	run oms-return inspect --disposition restock --to LAX1 r_1 1:1
	assert_success
	run oms-return inspect --disposition regrade --to-sku C --to LAX1 r_1 1:1
	assert_success
	assert_equal "$(jq -c '.units | map([.disposition, .to_sku, .to_location])' <<<"$output")" '[["restock",null,"LAX1"],["regrade","C","LAX1"]]'
	assert_equal "$(levels | grep -e LAX1 -e returns)" "A|EWR1/returns|0|0
A|LAX1|1|0
C|LAX1|1|0"
	clean
}

@test "a kit comes back as its parts: into quarantine, inspected and restocked part by part" {
	setup_ret
	delivered 1001 "L1:KIT:2"
	assert_equal "$(levels)" "A|EWR1|18|0
B|EWR1|16|0
C|EWR1|5|0"
	export OMS_NOW=2026-12-01T10:00:00Z
	run oms-return request --reason defective oms:1001 1:1
	assert_success
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_1","authorized","default",[[1,"KIT",1,"defective",0,0]]]'
	run oms-return receive r_1
	assert_success
	# KIT is one A and two B.
	assert_equal "$(levels | grep returns)" "A|EWR1/returns|1|0
B|EWR1/returns|2|0"
	assert_equal "$(rmoves)" "receive|A|EWR1/returns|1|returned: r_1 line 1
receive|B|EWR1/returns|2|returned: r_1 line 1"
	clean
	# One B is fine, one broken; the kit is not inspected till A is.
	run --separate-stderr oms-return inspect --disposition restock --sku B r_1 1:1
	assert_success
	run --separate-stderr oms-return inspect --disposition dispose --sku B r_1 1:1
	assert_success
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_1","received","default",[[1,"KIT",1,"defective",1,0]]]'
	run --separate-stderr oms-return inspect --disposition restock --sku B r_1 1:1
	assert_failure 1
	assert_equal "$stderr" "oms-return: 1:1: r_1 line 1: no received unit waits for inspection"
	run --separate-stderr oms-return inspect --disposition restock --sku C r_1 1
	assert_failure 1
	assert_equal "$stderr" "oms-return: 1: r_1 line 1 is KIT: C is not one of its parts"
	clean
	run --separate-stderr oms-return inspect --disposition restock --sku A r_1 1
	assert_success
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_1","closed","default",[[1,"KIT",1,"defective",1,1]]]'
	assert_equal "$(levels)" "A|EWR1|19|0
A|EWR1/returns|0|0
B|EWR1|17|0
B|EWR1/returns|0|0
C|EWR1|5|0"
	assert_equal "$(rmoves | tail -n +3)" "transfer_out|B|EWR1/returns|-1|restocked: r_1 line 1
transfer_in|B|EWR1|1|restocked: r_1 line 1
damage|B|EWR1/returns|-1|disposed: r_1 line 1
transfer_out|A|EWR1/returns|-1|restocked: r_1 line 1
transfer_in|A|EWR1|1|restocked: r_1 line 1"
	# One kit of two back: partly returned.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT returned FROM order_lines")" "partly_returned
1"
	clean
}

@test "a kit inspected whole (no --sku): every part takes the disposition" {
	setup_ret
	delivered 1001 "L1:KIT:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason unwanted oms:1001 1 >/dev/null
	oms-return receive r_1 >/dev/null
	run oms-return inspect --disposition restock r_1 1
	assert_success
	assert_equal "$(jq -c '[.state, (.units | map([.sku, .qty, .disposition]))]' <<<"$output")" '["closed",[["A",1,"restock"],["B",2,"restock"]]]'
	assert_equal "$(levels)" "A|EWR1|20|0
A|EWR1/returns|0|0
B|EWR1|20|0
B|EWR1/returns|0|0
C|EWR1|5|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "returned"
	clean
}

@test "a split: part of a return received, the rest becomes r_2 (split_from r_1), received later" {
	setup_ret
	delivered 1001 "L1:A:3 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:3 2 >/dev/null
	export OMS_NOW=2026-12-03T10:00:00Z
	run --separate-stderr oms-return receive r_1 1:2
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_1","received","default",[[1,"A",2,"defective",2,0]]]'
	assert_equal "$(jq -c ".rest | $J + [.split_from, .key]" <<<"$output")" '["r_2","authorized","default",[[1,"A",1,"defective",0,0],[2,"B",1,"defective",0,0]],"r_1","'"$(sqlite3 "$OMS_DB" "SELECT key FROM returns WHERE id = 1")"':split:1"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, state, coalesce(split_from, '') FROM returns ORDER BY id")" "1|received|
2|authorized|1"
	assert_equal "$(levels | grep returns)" "A|EWR1/returns|2|0"
	clean
	# r_1 is what came: inspected, it closes with r_2 still on its way.
	run oms-return inspect --disposition restock r_1 1
	assert_equal "$(jq -r .state <<<"$output")" "closed"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "partly_returned"
	# The rest arrives a week later.
	export OMS_NOW=2026-12-10T10:00:00Z
	run oms-return receive r_2
	assert_success
	assert_equal "$(jq -c "$J + [has(\"rest\")]" <<<"$output")" '["r_2","received","default",[[1,"A",1,"defective",1,0],[2,"B",1,"defective",1,0]],false]'
	assert_equal "$(levels | grep returns)" "A|EWR1/returns|1|0
B|EWR1/returns|1|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "returned"
	run oms-return inspect --disposition restock r_2 1 2
	assert_success
	assert_equal "$(jq -r .state <<<"${lines[1]}")" "closed"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, state FROM returns ORDER BY id; SELECT action FROM events WHERE action = 'return_split'")" "1|closed
2|closed
return_split"
	clean
}

@test "double receipt: the same parcel twice, the same line twice, a replayed file: counted once, the second says duplicate" {
	setup_ret
	delivered 1001 "L1:A:2 L2:B:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:2 >/dev/null
	oms-return request --reason defective oms:1001 2:2 >/dev/null
	export OMS_NOW=2026-12-03T10:00:00Z
	# r_1's parcel by its tracking number, scanned at the dock twice.
	run --separate-stderr oms-return receive --tracking 1Z999AA10123456784 r_1
	assert_success
	assert_equal "$(jq -c '[.id, .duplicate, .state, .lines[0].received]' <<<"$output")" '["r_1",null,"received",2]'
	run --separate-stderr oms-return receive --tracking 1Z999AA10123456784 r_1
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .duplicate, .lines[0].received]' <<<"$output")" '["r_1",true,2]'
	# r_2's line by hand, twice.
	run oms-return receive r_2 1
	assert_success
	assert_equal "$(jq -c '[.id, .duplicate, .state, (.lines | map(.received))]' <<<"$output")" '["r_2",null,"received",[2]]'
	run oms-return receive r_2 1
	assert_success
	assert_equal "$(jq -c '[.duplicate, (.lines | map(.received))]' <<<"$output")" '[true,[2]]'
	run oms-return receive r_2
	assert_success
	assert_equal "$(jq -c .duplicate <<<"$output")" 'true'
	assert_equal "$(levels | grep returns)" "A|EWR1/returns|2|0
B|EWR1/returns|2|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT return_id, line_no, qty, coalesce(tracking, '') FROM return_receipts; SELECT group_concat(returned) FROM (SELECT returned FROM order_lines ORDER BY order_id, line_no)")" "1|1|2|1Z999AA10123456784
2|1|2|
2,2"
	clean
	# A cron job's file of inspections, run twice: restocked once.
	cat > insp.jsonl <<'EOF'
{"type":"inspection","return":"r_1","line_no":1,"qty":2,"disposition":"restock","key":"bench-1"}
{"type":"inspection","return":"r_2","sku":"B","disposition":"dispose","key":"bench-2"}
EOF
	run --separate-stderr oms-return insp.jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .state, .duplicate]' <<<"$output")" '["r_1","closed",null]
["r_2","closed",null]'
	after=$(levels; sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT count(*) FROM return_units")
	run --separate-stderr oms-return -v insp.jsonl
	assert_success
	assert_equal "$stderr" "oms-return: 0 applied, 2 already so, 0 refused"
	assert_equal "$(jq -c '[.id, .state, .duplicate]' <<<"$output")" '["r_1","closed",true]
["r_2","closed",true]'
	assert_equal "$(levels; sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT count(*) FROM return_units")" "$after"
	assert_equal "$(levels | grep -e returns -e '^A|EWR1' -e '^B|EWR1')" "A|EWR1|20|0
A|EWR1/returns|0|0
B|EWR1|18|0
B|EWR1/returns|0|0"
	# The parcel scanned again after all is done: still a duplicate.
	run oms-return receive --tracking 1Z999AA10123456784 r_1
	assert_success
	assert_equal "$(jq -c .duplicate <<<"$output")" 'true'
	clean
}

@test "one receipt of two lines (two LINE operands, or a receipt record of two lines) takes both into the return, with no split" {
	setup_ret
	delivered 1001 "L1:A:1 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1 2 >/dev/null
	run --separate-stderr oms-return receive --tracking 1Z999AA10123456784 r_1 1 2
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -sc 'last | [.id, .state, (.lines | map(.received)), has("rest")]' <<<"$output")" '["r_1","received",[1,1],false]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM returns")" "1"
	fresh_db
	setup_ret
	delivered 1001 "L1:A:1 L2:B:1"
	oms-return request --reason defective oms:1001 1 2 >/dev/null
	run --separate-stderr oms-return <<<'{"type":"receipt","return":"r_1","lines":[{"line_no":1},{"line_no":2}]}'
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .state, (.lines | map(.received)), has("rest")]' <<<"$output")" '["r_1","received",[1,1],false]'
	clean
}

@test "a replayed file of requests and receipts: one return, one receipt, the second run all duplicates" {
	setup_ret
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	cat > day.jsonl <<'EOF'
{"type":"return","order":"oms:1001","key":"rma-5","lines":[{"sku":"A","qty":2,"reason":"color"}]}
{"type":"receipt","return":"r_1","location":"EWR1","tracking":"9400111899223100000000","lines":[{"sku":"A","qty":1}]}
{"type":"receipt","return":"r_2","key":"dock-7","lines":[{"line_no":1,"qty":1}]}
EOF
	run --separate-stderr oms-return day.jsonl
	assert_success
	assert_equal "$(jq -c '[.id, .state, .lines[0].received, .duplicate]' <<<"$output")" '["r_1","authorized",0,null]
["r_1","received",1,null]
["r_2","received",1,null]'
	before=$(levels; sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT count(*) FROM return_receipts; SELECT count(*) FROM returns")
	run --separate-stderr oms-return day.jsonl
	assert_success
	assert_equal "$(levels; sqlite3 "$OMS_DB" "SELECT count(*) FROM movements; SELECT count(*) FROM return_receipts; SELECT count(*) FROM returns")" "$before"
	assert_equal "$(jq -c '.duplicate' <<<"$output")" 'true
true
true'
	clean
}

@test "a second return on the same order never offers units already on a return; a cancelled or expired return's units can come back" {
	setup_ret
	delivered 1001 "L1:A:3"
	export OMS_NOW=2026-12-01T10:00:00Z
	run oms-return request --reason color oms:1001 1:2
	assert_success
	run --separate-stderr oms-return request --reason unwanted oms:1001 1:2
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-return: oms:1001: line 1 (A): 2 units asked, 1 left to return (3 gone out, 2 on returns already)"
	run oms-return request --reason unwanted oms:1001 1:1
	assert_success
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_2","authorized","default",[[1,"A",1,"unwanted",0,0]]]'
	run --separate-stderr oms-return request --reason style oms:1001 1
	assert_failure 1
	assert_equal "$stderr" "oms-return: oms:1001: line 1 (A): 1 unit asked, 0 left to return (3 gone out, 3 on returns already)"
	# r_2 is cancelled: its unit is free again.
	run --separate-stderr oms-return cancel --reason "customer kept it after all" r_2
	assert_success
	assert_equal "$(jq -c '[.id, .state, .ended_at]' <<<"$output")" '["r_2","cancelled","2026-12-01T10:00:00Z"]'
	run oms-return request --reason style oms:1001 1
	assert_success
	assert_equal "$(jq -c "[.id, .state]" <<<"$output")" '["r_3","authorized"]'
	# r_1 expires with nothing back: its two are free again.
	run oms-return expire --now 2027-01-20T00:00:00Z
	assert_success
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","expired"]
["r_3","expired"]'
	export OMS_NOW=2027-01-21T00:00:00Z
	run oms-return request --force "goodwill, customer of ten years" --reason defective oms:1001 1:3
	assert_success
	assert_equal "$(jq -c "[.id, .state, .forced, .lines[0].qty]" <<<"$output")" '["r_4","authorized","goodwill, customer of ten years",3]'
	clean
}

@test "a second return of the same units asked in the same words, days later, is a new return, not the first again" {
	setup_ret
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason size_too_small oms:1001 1:1 >/dev/null
	oms-return receive r_1 >/dev/null
	oms-return inspect --disposition restock r_1 1 >/dev/null
	# A week later the customer sends the other one back, for the same reason.
	export OMS_NOW=2026-12-08T10:00:00Z
	run --separate-stderr oms-return request --reason size_too_small oms:1001 1:1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .duplicate, .requested_at]' <<<"$output")" '["r_2","authorized",null,"2026-12-08T10:00:00Z"]'
	# Asked again: the first unit is back already and r_2 has the other.
	run --separate-stderr oms-return request --reason size_too_small --key again oms:1001 1:1
	assert_failure 1
	assert_equal "$stderr" "oms-return: oms:1001: line 1 (A): 1 unit asked, 0 left to return (2 gone out, 2 on returns already)"
	clean
}

@test "outside the window: refused with the rule (policy, days, from what, until when); --force takes it and keeps why" {
	setup_ret
	delivered 1001 "L1:A:1"
	# Delivered 2026-11-28 14:00; default policy: 30 days.
	export OMS_NOW=2026-12-28T13:59:59Z
	run oms-return request --reason unwanted --key in-time oms:1001 1
	assert_success
	oms-return cancel r_1 >/dev/null
	export OMS_NOW=2026-12-29T09:00:00Z
	run --separate-stderr oms-return request --reason unwanted oms:1001 1
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-return: oms:1001: outside the return window: policy 'default' allows 30 days from delivery (2026-11-28T14:00:00Z), so until 2026-12-28T14:00:00Z; asked 2026-12-29T09:00:00Z (force it with a reason to take it)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM returns")" "1"
	# Asked in time, recorded late: --at is when the customer asked.
	run oms-return request --reason unwanted --at 2026-12-20T10:00:00Z oms:1001 1
	assert_success
	assert_equal "$(jq -c '[.id, .requested_at, has("forced")]' <<<"$output")" '["r_2","2026-12-20T10:00:00Z",false]'
	oms-return cancel r_2 >/dev/null
	run --separate-stderr oms-return request --reason defective --force "manager: seam split on first wash" oms:1001 1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .forced, .window_ends]' <<<"$output")" '["r_3","authorized","manager: seam split on first wash","2026-12-28T14:00:00Z"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT forced FROM returns WHERE id = 3; SELECT after FROM events WHERE action = 'return_requested' ORDER BY id DESC LIMIT 1")" 'manager: seam split on first wash
{"return":"r_3","state":"authorized","why":"manager: seam split on first wash"}'
	clean
}

@test "an order not yet delivered counts the window from its shipment; the policy stored on the return is the one that applied" {
	setup_ret
	order_json 1001 "L1:A:1" | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	oms-ship --carrier offline --labels labels --pending >/dev/null
	export OMS_NOW=2026-12-27T00:00:00Z
	run --separate-stderr oms-return request --reason unwanted oms:1001 1
	assert_failure 1
	assert_equal "$stderr" "oms-return: oms:1001: outside the return window: policy 'default' allows 30 days from shipment (2026-11-26T15:00:00Z), so until 2026-12-26T15:00:00Z; asked 2026-12-27T00:00:00Z (force it with a reason to take it)"
	run oms-return request --reason unwanted --force "never tracked" oms:1001 1
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT policy ->> '$.name', policy ->> '$.window_days', policy ->> '$.refund_at' FROM returns")" "default|30|inspection"
	clean
}

@test "manual authorisation (the wholesale policy): requested, then authorized or declined; a requested return is not received" {
	setup_ret
	delivered PO-1 "1:A:2 2:B:2" wholesale
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT channel, status FROM orders")" "wholesale|delivered"
	export OMS_NOW=2026-12-01T10:00:00Z
	run --separate-stderr oms-return request --reason unwanted wholesale:PO-1 1:2
	assert_success
	assert_equal "$(jq -c "$J" <<<"$output")" '["r_1","requested","wholesale",[[1,"A",2,"unwanted",0,0]]]'
	run --separate-stderr oms-return request --reason defective wholesale:PO-1 2:2
	assert_success
	assert_equal "$(jq -c "[.id, .state]" <<<"$output")" '["r_2","requested"]'
	# Not authorised: the parcel is refused at the dock.
	run --separate-stderr oms-return receive r_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1 is requested: it cannot become received"
	assert_equal "$(levels | grep -c returns)" "0"
	run --separate-stderr oms-return authorize --reason "ok by account manager" r_1
	assert_success
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","authorized"]'
	run --separate-stderr oms-return authorize r_1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .duplicate]' <<<"$output")" '["r_1","authorized",true]'
	run --separate-stderr oms-return decline --reason "outside trade terms" r_2
	assert_success
	assert_equal "$(jq -c '[.id, .state, .ended_at]' <<<"$output")" '["r_2","declined","2026-12-01T10:00:00Z"]'
	run --separate-stderr oms-return authorize r_2
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_2: return r_2 is declined: it cannot become authorized"
	run --separate-stderr oms-return receive r_2
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_2: return r_2 is declined: it takes no more units"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, after FROM events WHERE action IN ('return_authorized', 'return_declined') ORDER BY id")" 'return_authorized|{"return":"r_1","state":"authorized","why":"ok by account manager"}
return_declined|{"return":"r_2","state":"declined","why":"outside trade terms"}'
	# The declined units may be asked for again (and wait for a person).
	run oms-return request --reason wrong_item wholesale:PO-1 2:2
	assert_success
	assert_equal "$(jq -c "[.id, .state]" <<<"$output")" '["r_3","requested"]'
	run oms-return receive r_1
	assert_success
	assert_equal "$(jq -r .state <<<"$output")" "received"
	clean
}

@test "wholesale's window is 14 days: a request on day 15 names the wholesale policy" {
	setup_ret
	delivered PO-1 "1:A:1" wholesale
	export OMS_NOW=2026-12-13T00:00:00Z
	run --separate-stderr oms-return request --reason unwanted wholesale:PO-1 1
	assert_failure 1
	assert_equal "$stderr" "oms-return: wholesale:PO-1: outside the return window: policy 'wholesale' allows 14 days from delivery (2026-11-28T14:00:00Z), so until 2026-12-12T14:00:00Z; asked 2026-12-13T00:00:00Z (force it with a reason to take it)"
}

@test "cancel with nothing received; cancel and decline refused once units came; close refused while units wait, or with nothing back" {
	setup_ret
	delivered 1001 "L1:A:3"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason color oms:1001 1:3 >/dev/null
	run --separate-stderr oms-return close r_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1 is authorized and nothing came back: cancel it instead"
	oms-return receive r_1 1:2 >/dev/null	# the third is split off as r_2
	run --separate-stderr oms-return cancel r_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1: 2 units came back already: inspect and close it"
	run --separate-stderr oms-return close r_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1: 2 received units wait for inspection"
	oms-return inspect --disposition restock r_1 1:1 >/dev/null
	run --separate-stderr oms-return close r_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1: 1 received unit waits for inspection"
	run --separate-stderr oms-return cancel --reason "not coming" r_2
	assert_success
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_2","cancelled"]'
	run --separate-stderr oms-return cancel r_2
	assert_success
	assert_equal "$(jq -c '.duplicate' <<<"$output")" "true"
	run --separate-stderr oms-return receive r_2
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_2: return r_2 is cancelled: it takes no more units"
	# Several at once: each its own outcome, the refusal counted.
	run --separate-stderr oms-return -v cancel r_2 r_1 r_9
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1: 2 units came back already: inspect and close it
oms-return: r_9: no return r_9
oms-return: 0 cancelled, 1 already so, 2 refused"
	clean
}

@test "expire: only after the window and expire_after_days, only returns with nothing back" {
	setup_ret
	delivered 1001 "L1:A:2 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason color oms:1001 1 >/dev/null
	oms-return request --reason color oms:1001 2 >/dev/null
	oms-return receive r_2 >/dev/null
	# Window ends 2026-12-28T14:00; the default policy waits 14 days more.
	run --separate-stderr oms-return expire --now 2027-01-11T14:00:01Z
	assert_success
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","expired"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, state FROM returns ORDER BY id; SELECT after FROM events WHERE action = 'return_expired'")" '1|expired
2|received
{"return":"r_1","state":"expired","why":"the return window ended and nothing came back"}'
	run --separate-stderr oms-return expire --now yesterday
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "oms-return: --now 'yesterday' is not a time"
	clean
}

@test "keep it: --keep closes at once, the units count returned, nothing comes back or moves" {
	setup_ret
	delivered 1001 "L1:A:1 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	lv=$(levels)
	run --separate-stderr oms-return request --keep --reason defective oms:1001 1
	assert_success
	assert_equal "$(jq -c "$J + [.keep, .ended_at]" <<<"$output")" '["r_1","closed","default",[[1,"A",1,"defective",0,0]],true,"2026-12-01T10:00:00Z"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT group_concat(returned) FROM (SELECT returned FROM order_lines ORDER BY order_id, line_no)")" "partly_returned
1,0"
	run --separate-stderr oms-return receive r_1
	assert_failure 1
	assert_equal "$stderr" "oms-return: r_1: return r_1 was kept by the customer: nothing comes back"
	run oms-return request --keep --reason defective oms:1001 2
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "returned"
	# Nothing more to return.
	run --separate-stderr oms-return request --reason color oms:1001 1
	assert_failure 1
	assert_equal "$stderr" "oms-return: oms:1001: line 1 (A): 1 unit asked, 0 left to return (1 gone out, 1 on returns already)"
	assert_equal "$(levels)" "$lv"
	assert_equal "$(rmoves)" ""
	clean
}

@test "keep_below: a return worth less than the policy's amount is kept, one worth more comes back" {
	setup_ret
	mkdir -p pol/returns
	jq '.name = "cheap" | .keep_below = "15.00"' "$TOP/share/oms/returns/default.json" > pol/returns/oms.json
	export OMS_PATH="$PWD/pol:$OMS_PATH"
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	# One at 10.00: kept.
	run --separate-stderr oms-return request --reason defective oms:1001 1:1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .policy, .keep]' <<<"$output")" '["r_1","closed","cheap",true]'
	# The other alone is 10.00 too; both together would be 20.00: comes back.
	fresh_db
	setup_ret
	delivered 1001 "L1:A:2"
	run --separate-stderr oms-return request --reason defective oms:1001 1:2
	assert_success
	assert_equal "$(jq -c '[.id, .state, .policy, .keep]' <<<"$output")" '["r_1","authorized","cheap",null]'
	clean
}

@test "a kit inspected by count without --sku: LINE:1 is one whole kit (one A, two B), not one unit of each part" {
	setup_ret
	delivered 1001 "L1:KIT:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:2 >/dev/null
	oms-return receive r_1 >/dev/null
	assert_equal "$(levels | grep returns)" "A|EWR1/returns|2|0
B|EWR1/returns|4|0"
	run --separate-stderr oms-return inspect --disposition restock r_1 1:1
	assert_success
	assert_equal "$(jq -c '[.state, .lines[0].inspected, (.units | map([.sku, .qty]))]' <<<"$output")" '["received",1,[["A",1],["B",2]]]'
	assert_equal "$(levels | grep returns)" "A|EWR1/returns|1|0
B|EWR1/returns|2|0"
	clean
}

@test "the rest of an order ships after some of what went out first came back" {
	setup_ret
	# No D anywhere: line 1 goes, line 2 waits.
	oms-stock <<<'{"type":"product","sku":"D"}
{"type":"listing","channel":"oms","channel_sku":"D","sku":"D"}' >/dev/null
	delivered 1001 "L1:A:1 L2:D:1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "partly_shipped"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1 >/dev/null
	run oms-return receive r_1
	assert_success
	clean
	# D comes in: the rest is routed and shipped.
	oms-stock <<<'{"type":"movement","kind":"receive","sku":"D","location":"EWR1","qty":5,"key":"rd"}' >/dev/null
	oms-route --pending >/dev/null
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .status, .lines[0].sku]' <<<"$output")" '["s_2","shipped","D"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "partly_returned"
	clean
}

@test "a return cancelled, then asked for again in the same words: a new return, not the cancelled one as a duplicate" {
	setup_ret
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1 >/dev/null
	oms-return cancel r_1 >/dev/null
	export OMS_NOW=2026-12-03T10:00:00Z
	run --separate-stderr oms-return request --reason defective oms:1001 1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .duplicate]' <<<"$output")" '["r_2","authorized",null]'
	clean
}

@test "the customer's note on a return is kept when a person authorizes, cancels or closes it with --reason (the why is in the event)" {
	setup_ret
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return <<<'{"type":"return","order":"oms:1001","note":"box crushed, photos in ticket 4411","channel_rma":"RMA-77","lines":[{"line_no":1,"qty":1,"reason":"defective"}]}' >/dev/null
	run oms-return show RMA-77
	assert_success
	assert_equal "$(jq -c '[.id, .channel_rma, .note]' <<<"$output")" '["r_1","RMA-77","box crushed, photos in ticket 4411"]'
	run oms-return cancel --reason "customer changed mind" r_1
	assert_success
	assert_equal "$(jq -c '[.state, .note]' <<<"$output")" '["cancelled","box crushed, photos in ticket 4411"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT after FROM events WHERE action = 'return_cancelled'")" '{"return":"r_1","state":"cancelled","why":"customer changed mind"}'
}

@test "nothing to return on an order not shipped; a cancelled order names itself" {
	setup_ret
	order_json 1001 "L1:A:1" | oms-import --channel oms >/dev/null
	export OMS_NOW=2026-12-01T10:00:00Z
	run --separate-stderr oms-return request --reason color oms:1001 1
	assert_failure 1
	assert_equal "$stderr" "oms-return: oms:1001: line 1 (A): 1 unit asked, 0 left to return (0 gone out, 0 on returns already)"
	run oms-import cancel --reason "customer asked" oms:1001
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "cancelled"
	run --separate-stderr oms-return request --reason color oms:1001 1
	assert_failure 1
	assert_equal "$stderr" "oms-return: oms:1001: order o_1 was cancelled: line 1 (A): 1 unit asked, 0 left to return (0 gone out, 0 on returns already)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM returns")" "0"
	clean
}

@test "keep_below is in the order's currency: a JPY order worth 1000 under keep_below 1500 is kept, one worth 2000 comes back" {
	setup_ret
	mkdir -p pol/returns
	jq '.name = "cheap" | .keep_below = "1500"' "$TOP/share/oms/returns/default.json" > pol/returns/oms.json
	export OMS_PATH="$PWD/pol:$OMS_PATH"
	(
		export OMS_NOW=2026-11-26T15:00:00Z
		order_json 2001 "L1:A:3" | jq -c '.currency = "JPY" | .lines[0].unit_price = "1000"' | oms-import --channel oms >/dev/null
		oms-route --pending >/dev/null
		oms-ship --carrier offline --labels labels --pending >/dev/null
		OMS_NOW=2026-11-30T15:00:00Z oms-ship track >/dev/null
	)
	export OMS_NOW=2026-12-01T10:00:00Z
	run --separate-stderr oms-return request --reason defective oms:2001 1:1
	assert_success
	assert_equal "$(jq -c '[.id, .state, .keep]' <<<"$output")" '["r_1","closed",true]'
	run --separate-stderr oms-return request --reason defective oms:2001 1:2
	assert_success
	assert_equal "$(jq -c '[.id, .state, .keep]' <<<"$output")" '["r_2","authorized",null]'
	clean
}

@test "a re-import of the order from the channel after a return, with a line's note changed, keeps the units returned" {
	setup_ret
	delivered 1001 "L1:A:2 L2:B:1"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:1 >/dev/null
	oms-return receive r_1 >/dev/null
	# Unchanged: nothing happens.
	export OMS_NOW=2026-12-02T10:00:00Z
	order_json 1001 "L1:A:2 L2:B:1" > same.jsonl
	run --separate-stderr oms-import --channel oms same.jsonl
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT group_concat(returned) FROM (SELECT returned FROM order_lines ORDER BY order_id, line_no)")" "partly_returned
1,0"
	clean
	# The channel adds a gift note to line 2: line 1's returned unit stays.
	order_json 1001 "L1:A:2 L2:B:1" | jq -c '.lines[1].note = "gift"' > noted.jsonl
	run --separate-stderr oms-import --channel oms noted.jsonl
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders; SELECT group_concat(returned) FROM (SELECT returned FROM order_lines ORDER BY order_id, line_no)")" "partly_returned
1,0"
	clean
}

@test "expire with nothing to expire, as the daily cron job mostly runs it: no output, exit 0" {
	setup_ret
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	run --separate-stderr oms-return expire -v --now 2026-12-02T00:00:00Z
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-return: 0 expired, 0 already so, 0 refused"
	oms-return request --reason color oms:1001 1 >/dev/null
	# Window ends 2026-12-28T14:00; the default policy waits 14 days more.
	run --separate-stderr oms-return expire -v --now 2027-01-11T14:00:00Z
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-return: 0 expired, 0 already so, 0 refused"
	run --separate-stderr oms-return expire --now 2027-01-11T14:00:01Z
	assert_success
	assert_equal "$(jq -c '[.id, .state]' <<<"$output")" '["r_1","expired"]'
	# The next day's run: nothing more.
	run --separate-stderr oms-return expire --now 2027-01-12T14:00:00Z
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

@test "oms check finds a quarantine that does not hold what its returns say, and a line whose returned count is not its returns'" {
	setup_ret
	delivered 1001 "L1:A:2"
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason color oms:1001 1:2 >/dev/null
	oms-return receive r_1 >/dev/null
	clean
	# A unit taken out of quarantine behind the returns' back.
	oms-stock <<<'{"type":"movement","kind":"adjust","sku":"A","location":"EWR1/returns","qty":-1,"reason":"count","key":"x1"}' >/dev/null
	run --separate-stderr oms check
	assert_failure 1
	assert_output "return-quarantine: quarantine EWR1/returns holds 1 of A, its returns say 2"
	sqlite3 "$OMS_DB" "UPDATE order_lines SET returned = 1"
	run --separate-stderr oms check
	assert_failure 1
	assert_output "order-state: order o_1 is returned but its lines, allocations and shipments make it partly_returned
return-quarantine: quarantine EWR1/returns holds 1 of A, its returns say 2
returned-units: order o_1 line 1 counts 1 returned, its returns 2"
	# Stock of a SKU no return brought, put in the quarantine by hand.
	sqlite3 "$OMS_DB" "UPDATE order_lines SET returned = 2"
	oms-stock <<<'{"type":"movement","kind":"adjust","sku":"A","location":"EWR1/returns","qty":1,"reason":"count","key":"x2"}
{"type":"movement","kind":"receive","sku":"C","location":"EWR1/returns","qty":3,"key":"x3"}' >/dev/null
	run --separate-stderr oms check
	assert_failure 1
	assert_output "return-quarantine: quarantine EWR1/returns holds 3 of C, which no return brought"
}

@test "an order held while on its way, whose return came back meanwhile, is released into partly_returned" {
	setup_ret
	(
		export OMS_NOW=2026-11-26T15:00:00Z
		order_json 1001 "L1:A:2" | oms-import --channel oms >/dev/null
		oms-route --pending >/dev/null
		oms-ship --carrier offline --labels labels --pending >/dev/null
	)
	export OMS_NOW=2026-11-27T10:00:00Z
	oms-import hold --reason "customer dispute" oms:1001 >/dev/null
	oms-return request --reason color oms:1001 1 >/dev/null
	run oms-return receive r_1
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "hold"
	clean
	run --separate-stderr oms-import release oms:1001
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" "partly_returned"
	clean
}
