#!/usr/bin/env bats
# Payments through a payment adapter (pay.c, oms-payment-ledger): the
# order authorised at import, what shipped captured after each shipment
# (partly, then in full), refunds paid back never beyond what was
# captured, each answer in the ledger once; adapters that hang, crash,
# answer garbage, fail, refuse or ask for later; a run killed between
# the pending capture and its answer; oms check.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

# The wholesale channel's money goes through the ledger adapter; the shop
# channel handles its own.
setup_pay() {
	mkdir -p etc/payments
	echo '{"channels": {"wholesale": {"payment": "ledger"}, "shop": {"tax": "table"}}}' >etc/adapters.json
	echo "{\"file\": \"$BATS_TEST_TMPDIR/ledger.jsonl\"}" >etc/payments/ledger.json
	chmod 600 etc/payments/ledger.json
	export OMS_PATH="$BATS_TEST_TMPDIR/etc:$OMS_PATH"
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'JSON'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":20,"key":"r1"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
JSON
}

# order CHANNEL EXT: 2 x A at 10.00 (tax 1.60) and 1 x B at 7.00 (tax
# 0.56); the order's discount 1.00, shipping 5.00, tax 2.56 in all (0.40
# of it the shipping's): 33.56.
order() {
	oms-import -q --channel oms >/dev/null <<JSON
{"type":"order","channel":"$1","external_id":"$2","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"line_id":"L1","sku":"A","qty":2,"unit_price":"10.00","tax":"1.60"},{"line_id":"L2","sku":"B","qty":1,"unit_price":"7.00","tax":"0.56"}],"totals":{"shipping":"5.00","discount":"1.00","tax":"2.56"}}
JSON
}

ops() {
	sqlite3 "$OMS_DB" "SELECT order_id, kind, amount, final, coalesce(shipment_id, ''), coalesce(refund_id, ''), key, state, coalesce(lines, '') FROM payment_ops ORDER BY id"
}

payments() {
	sqlite3 "$OMS_DB" "SELECT order_id, adapter, reference, currency, authorised, captured, refunded FROM payments ORDER BY order_id"
}

# The ledger's lines, each whole, less the time.
ledger() {
	jq -c 'del(.at)' "$BATS_TEST_TMPDIR/ledger.jsonl"
}

@test "a day as cron runs it: authorised at import, captured partly then in full, a return refunded through the adapter, oms check clean" {
	setup_pay
	order wholesale PO-1
	order shop S-1
	# Authorised for the order's total; the shop's money is its own.
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|3356|0|0"
	oms-route -q --pending >alloc1.jsonl
	# Only A is on hand: the first parcel carries the two A.
	run --separate-stderr oms-ship --carrier offline --labels labels alloc1.jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.id, .order]' <<<"$output")" '["s_1","o_1"]
["s_2","o_2"]'
	# The order's discount 1.00 spread by value 20.00 : 7.00 = 0.74 and
	# 0.26 (the cent left to B's larger remainder).  The two A: 20.00 -
	# 0.74 + 1.60 tax = 20.86, and the shipping with the first parcel,
	# 5.00 + 0.40 tax: 26.26.  B is still to ship: not final.
	assert_equal "$(ops)" '1|capture|2626|0|1||capture:o_1:s_1|done|[{"order_line":1,"qty":2}]'
	assert_equal "$(ledger)" '{"verb":"capture","key":"capture:o_1:s_1","reference":"wholesale:PO-1","currency":"USD","amount":2626,"final":false,"reply":{"ok":true,"id":"cap_1","status":"succeeded","amount":2626,"currency":"USD","amount_captured":2626,"amount_refunded":0}}'
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/ledger.jsonl")" = 600 ]
	# B arrives; the second parcel: 7.00 - 0.26 + 0.56 = 7.30, final.
	echo '{"type":"movement","kind":"receive","sku":"B","location":"ORD1","qty":5,"key":"r2"}' | oms-stock >/dev/null
	oms-route -q --pending >alloc2.jsonl
	run --separate-stderr oms-ship --carrier offline --labels labels alloc2.jsonl
	assert_success
	assert_equal "$(jq -c '[.id, .order]' <<<"$output")" '["s_3","o_1"]
["s_4","o_2"]'
	assert_equal "$(ops)" '1|capture|2626|0|1||capture:o_1:s_1|done|[{"order_line":1,"qty":2}]
1|capture|730|1|3||capture:o_1:s_3|done|[{"order_line":2,"qty":1}]'
	# 26.26 + 7.30: the whole order, to the cent.
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|3356|3356|0"
	assert_equal "$(ledger | sed -n 2p)" '{"verb":"capture","key":"capture:o_1:s_3","reference":"wholesale:PO-1","currency":"USD","amount":730,"final":true,"reply":{"ok":true,"id":"cap_2","status":"succeeded","amount":730,"currency":"USD","amount_captured":3356,"amount_refunded":0}}'
	# One A comes back, defective: 10.00 - 0.37 + 0.80 tax = 10.43, and
	# the shipping (the merchant's fault) floor(5.00 x 9.63 / 26.00) =
	# 1.85 with its tax floor(0.40 x 9.63 / 26.00) = 0.14: 12.42, paid
	# back through the adapter when inspection makes it due.
	oms-return -q request --reason defective o_1 1:1 >/dev/null
	oms-return -q authorize r_1 >/dev/null
	oms-return -q receive r_1 >/dev/null
	run --separate-stderr oms-return -q inspect --disposition restock r_1 1
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(ledger | sed -n 3p)" '{"verb":"refund","key":"refund:f_1","reference":"wholesale:PO-1","currency":"USD","amount":1242,"refund":"f_1","reason":"return","reply":{"ok":true,"id":"ref_3","status":"succeeded","amount":1242,"currency":"USD","amount_captured":3356,"amount_refunded":1242}}'
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/ledger.jsonl")" 3
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, total, state, sent_at FROM refunds")" "1|1242|sent|2026-11-26T15:00:00Z"
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|3356|3356|1242"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, after ->> '$.key' FROM events WHERE action LIKE 'payment%' ORDER BY id")" "payment_captured|capture:o_1:s_1
payment_captured|capture:o_1:s_3
payment_refunded|refund:f_1"
	# The cron job's settle finds nothing owed; the shop's order no row.
	run --separate-stderr oms-ship settle
	assert_success
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM payments WHERE order_id = 2; SELECT count(*) FROM payment_ops WHERE order_id = 2")" "0
0"
	run --separate-stderr oms check
	assert_success
	# A database that says more was refunded than captured is caught.
	sqlite3 "$OMS_DB" "UPDATE payments SET refunded = 3400 WHERE order_id = 1"
	run --separate-stderr oms check
	assert_failure 1
	assert_equal "$output" "payment-refunds: order o_1 is refunded 3400 (minor units) of 3356 captured"
	assert_equal "$stderr" "oms: database '$OMS_DB': 1 problem"
}

@test "a cancelled line refunded through the adapter within what was captured; a refund beyond what was captured is not sent, said, and waits" {
	setup_pay
	order wholesale PO-1
	oms-route -q --pending >alloc.jsonl
	oms-ship -q --carrier offline --labels labels alloc.jsonl >/dev/null
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|3356|2626|0"
	# B will not come: cancelled, its 7.30 paid back from the 26.26.
	oms-import -q cancel --line 2 o_1
	run --separate-stderr oms-return refund o_1
	assert_success
	assert_equal "$(jq -c '[.id, .source, .total, .state]' <<<"$output")" '["f_1","cancel","7.30","pending"]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT state FROM refunds")" sent
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|3356|2626|730"
	assert_equal "$(ledger | sed -n 2p)" '{"verb":"refund","key":"refund:f_1","reference":"wholesale:PO-1","currency":"USD","amount":730,"refund":"f_1","reason":"cancel","reply":{"ok":true,"id":"ref_2","status":"succeeded","amount":730,"currency":"USD","amount_captured":2626,"amount_refunded":730}}'
	# An order cancelled before anything shipped: nothing was captured,
	# so its refund is not sent through the adapter.
	order wholesale PO-2
	oms-import -q cancel o_2
	run --separate-stderr oms-return refund o_2
	assert_failure 1
	assert_equal "$(jq -c '[.id, .total]' <<<"$output")" '["f_2","33.56"]'
	assert_equal "$stderr" "oms-return: order o_2: refund f_2 of 3356 (minor units) is more than is captured and not refunded (0): not sent; it waits for a capture"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, state FROM refunds ORDER BY id")" "1|sent
2|pending"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM payment_ops WHERE order_id = 2")" 0
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/ledger.jsonl")" 2
	run --separate-stderr oms-ship settle
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "oms-ship: order o_2: refund f_2 of 3356 (minor units) is more than is captured and not refunded (0): not sent; it waits for a capture"
}

@test "an adapter that hangs, crashes, answers garbage, fails or asks for later: the shipment stands, the capture waits, settle asks again with the same key" {
	setup_pay
	local n=0 f t
	for f in hang crash garbage fail later; do
		n=$((n + 1))
		order wholesale "PO-$n"
		oms-route -q --pending >alloc.jsonl
		# Half a second for the one that hangs; the rest answer at once.
		t=30
		[ "$f" != hang ] || t=0.5
		OMS_PAYMENT_TIMEOUT=$t OMS_LEDGER_FAULT=$f run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
		assert_failure 1
		# The shipment is printed and stays.
		assert_equal "$(jq -c '[.id, .order, .status]' <<<"$output")" "[\"s_$n\",\"o_$n\",\"shipped\"]"
		case $f in
		hang) why="payment ledger: no answer to capture within 0.5 s; stopped it" ;;
		crash) why="payment ledger crashed on capture (signal 6)" ;;
		garbage) why="payment ledger answered capture with something that is not a JSON object" ;;
		fail) why="payment ledger failed on capture (exit 3): oms-payment-ledger: failing, as OMS_LEDGER_FAULT=fail asks" ;;
		later) why="payment ledger asks for capture to be tried later (exit 75): oms-payment-ledger: busy, as OMS_LEDGER_FAULT=later asks" ;;
		esac
		assert_equal "$stderr" "oms-ship: order o_$n: capture capture:o_$n:s_$n of 2626 (minor units) not done: $why (oms-ship settle asks again)"
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT state, note FROM payment_ops WHERE order_id = $n")" "failed|$why"
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders WHERE id = $n")" partly_shipped
	done
	[ ! -e "$BATS_TEST_TMPDIR/ledger.jsonl" ]
	run --separate-stderr oms check
	assert_failure 1
	assert_equal "${lines[0]}" "payment-capture: order o_1 shipped s_1 but no capture of it is done (capture capture:o_1:s_1 failed)"
	# The cron job: each asked again, under its key, and done.
	run --separate-stderr oms-ship settle
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.order, .key, .amount, .final, .state]' <<<"$output")" '["o_1","capture:o_1:s_1","26.26",false,"done"]
["o_2","capture:o_2:s_2","26.26",false,"done"]
["o_3","capture:o_3:s_3","26.26",false,"done"]
["o_4","capture:o_4:s_4","26.26",false,"done"]
["o_5","capture:o_5:s_5","26.26",false,"done"]'
	assert_equal "$(ledger | jq -r '.key')" "capture:o_1:s_1
capture:o_2:s_2
capture:o_3:s_3
capture:o_4:s_4
capture:o_5:s_5"
	run oms check
	assert_success
}

@test "an adapter that refuses: the capture is refused and stays so; oms check names the parcel not captured" {
	setup_pay
	order wholesale PO-1
	oms-route -q --pending >alloc.jsonl
	OMS_LEDGER_FAULT=refuse run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-ship: order o_1: capture capture:o_1:s_1 of 2626 (minor units) not done: payment ledger refused capture: oms-payment-ledger: refusing, as OMS_LEDGER_FAULT=refuse asks"
	assert_equal "$(ops)" '1|capture|2626|0|1||capture:o_1:s_1|refused|[{"order_line":1,"qty":2}]'
	# Asking again changes nothing: settle leaves it.
	run --separate-stderr oms-ship settle
	assert_success
	assert_equal "$output" ""
	run --separate-stderr oms check
	assert_failure 1
	assert_equal "$output" "payment-capture: order o_1 shipped s_1 but no capture of it is done (capture capture:o_1:s_1 refused)"
	# oms status lists it for a person, by the adapter.
	run --separate-stderr oms status
	assert_failure 1
	assert_equal "$(jq -c 'select(.kind == "payment_not_done")' <<<"$output")" '{"type":"attention","kind":"payment_not_done","order":"o_1","channel":"wholesale","external_id":"PO-1","status":"partly_shipped","since":"2026-11-26T15:00:00Z","hours":0,"reason":"capture capture:o_1:s_1 of 2626 (minor units) refused: payment ledger refused capture: oms-payment-ledger: refusing, as OMS_LEDGER_FAULT=refuse asks","by":"payment ledger"}'
}

@test "killed between the pending capture and its answer: settle asks again with the same key, and the ledger holds one capture" {
	setup_pay
	order wholesale PO-1
	oms-route -q --pending >alloc.jsonl
	# The adapter records its answer and never gives it.
	OMS_LEDGER_FAULT=stall oms-ship -q --carrier offline --labels labels alloc.jsonl >ship.out 2>ship.err &
	local pid=$! child= i
	for i in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/ledger.jsonl" ] && break
		sleep 0.1
	done
	child=$(pgrep -P "$pid")
	kill -9 "$pid"
	wait "$pid" || true
	kill -9 "$child"
	assert_equal "$(ops)" '1|capture|2626|0|1||capture:o_1:s_1|pending|[{"order_line":1,"qty":2}]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM shipments")" "1|shipped"
	run --separate-stderr oms-ship settle
	assert_success
	assert_equal "$output" '{"type":"payment","order":"o_1","kind":"capture","key":"capture:o_1:s_1","adapter":"ledger","reference":"wholesale:PO-1","currency":"USD","amount":"26.26","final":false,"shipment":"s_1","state":"done"}'
	assert_equal "$(ledger)" '{"verb":"capture","key":"capture:o_1:s_1","reference":"wholesale:PO-1","currency":"USD","amount":2626,"final":false,"reply":{"ok":true,"id":"cap_1","status":"succeeded","amount":2626,"currency":"USD","amount_captured":2626,"amount_refunded":0}}'
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|3356|2626|0"
	run oms check
	assert_success
}

@test "oms-payment-ledger: the same key gets the same answer; a key reused, a capture past the authorisation, a refund past the capture are refused" {
	export PATH="$OMS_BIN:$PATH"
	req() {	# VERB JSON
		oms-payment-ledger "$1" <<<"$2"
	}
	run --separate-stderr req capture '{"request_id":"k1","reference":"p1","currency":"EUR","amount":1000,"amount_authorized":1500,"final_capture":false}'
	assert_success
	assert_equal "$output" '{"ok":true,"id":"cap_1","status":"succeeded","amount":1000,"currency":"EUR","amount_captured":1000,"amount_refunded":0}'
	first=$output
	# No account: the ledger in the working directory.
	[ -f payment-ledger.jsonl ]
	[ "$(stat -c %a payment-ledger.jsonl)" = 600 ]
	run --separate-stderr req capture '{"request_id":"k1","reference":"p1","currency":"EUR","amount":1000,"amount_authorized":1500,"final_capture":false}'
	assert_success
	assert_equal "$output" "$first"
	assert_equal "$(wc -l <payment-ledger.jsonl)" 1
	run --separate-stderr req capture '{"request_id":"k1","reference":"p1","currency":"EUR","amount":900,"amount_authorized":1500}'
	assert_failure 1
	assert_equal "$output" '{"ok":false,"error":"idempotency key k1 was used for another request"}'
	run --separate-stderr req capture '{"request_id":"k2","reference":"p1","currency":"EUR","amount":501,"amount_authorized":1500}'
	assert_failure 1
	assert_equal "$output" '{"ok":false,"error":"capture of 501 on payment p1 is more than is authorised and not captured (1000 of 1500 captured)"}'
	run --separate-stderr req refund '{"request_id":"k3","reference":"p1","currency":"EUR","amount":1001,"refund":"f_9"}'
	assert_failure 1
	assert_equal "$output" '{"ok":false,"error":"refund of 1001 on payment p1 is more than is captured and not refunded (1000 captured, 0 refunded)"}'
	run --separate-stderr req refund '{"request_id":"k4","reference":"p1","currency":"EUR","amount":400}'
	assert_success
	assert_equal "$output" '{"ok":true,"id":"ref_4","status":"succeeded","amount":400,"currency":"EUR","amount_captured":1000,"amount_refunded":400}'
	run --separate-stderr req capture '{"request_id":"k5","reference":"p1","currency":"EUR","amount":500,"amount_authorized":1500,"final_capture":true}'
	assert_success
	run --separate-stderr req capture '{"request_id":"k6","reference":"p1","currency":"EUR","amount":1,"amount_authorized":1500}'
	assert_failure 1
	assert_equal "$output" '{"ok":false,"error":"payment p1 was captured in full (a final capture): nothing more to capture"}'
	# Every answer a line, refusals of the ledger's rules included; the
	# key reused is not.
	assert_equal "$(jq -r '[.key, .reply.ok] | @tsv' payment-ledger.jsonl)" "k1	true
k2	false
k3	false
k4	true
k5	true
k6	false"
	# Bad requests are refused, and not written.
	run --separate-stderr req capture '{"request_id":"k7","reference":"p1","currency":"EUR","amount":1.5,"amount_authorized":1500}'
	assert_failure 1
	assert_equal "$output" '{"ok":false,"error":"amount must be a whole number of minor units above 0"}'
	run --separate-stderr req refund '{"request_id":"","reference":"p1","currency":"EUR","amount":1}'
	assert_failure 1
	assert_equal "$output" '{"ok":false,"error":"request_id must be a string that is not empty"}'
	run --separate-stderr req capture 'not json'
	assert_failure 2
	assert_equal "$stderr" "oms-payment-ledger: the request on stdin is not one JSON object"
	assert_equal "$(wc -l <payment-ledger.jsonl)" 6
	# A ledger that is a symbolic link is never written through.
	mkdir acct && ln -s /dev/null acct/l.jsonl
	run --separate-stderr req capture '{"request_id":"k8","reference":"p2","currency":"EUR","amount":1,"amount_authorized":1,"account":{"file":"acct/l.jsonl"}}'
	assert_failure 3
	assert_equal "$stderr" "oms-payment-ledger: cannot open the ledger 'acct/l.jsonl': it is a symbolic link"
	OMS_LEDGER_FAULT=bogus run --separate-stderr req capture '{}'
	assert_failure 2
	assert_equal "$stderr" "oms-payment-ledger: unknown OMS_LEDGER_FAULT 'bogus': hang, crash, garbage, fail, refuse, later or stall"
}

@test "a changed order is authorised for its new total; an order of a channel with no payment adapter has no payment" {
	setup_pay
	order wholesale PO-1
	order shop S-1
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|3356|0|0"
	# The buyer takes a third A: 10.00 more, and 0.80 of tax.
	oms-import -q --channel oms >/dev/null <<'JSON'
{"type":"order","channel":"wholesale","external_id":"PO-1","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"line_id":"L1","sku":"A","qty":3,"unit_price":"10.00","tax":"2.40"},{"line_id":"L2","sku":"B","qty":1,"unit_price":"7.00","tax":"0.56"}],"totals":{"shipping":"5.00","discount":"1.00","tax":"3.36"}}
JSON
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|4436|0|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM payments; SELECT count(*) FROM payment_ops")" "1
0"
	# A broken adapters.json stops the import, said, nothing stored.
	echo '{"channels": {"wholesale": {"payment": "../x"}}}' >etc/adapters.json
	run --separate-stderr oms-import --channel oms <<'JSON'
{"type":"order","channel":"wholesale","external_id":"PO-2","currency":"USD","lines":[{"sku":"A","qty":1,"unit_price":"1.00"}]}
JSON
	assert_failure 3
	assert_equal "$stderr" "oms-import: $BATS_TEST_TMPDIR/etc/adapters.json: channel 'wholesale': \"payment\" is not an adapter name"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" 2
}

@test "a label voided and bought again captures nothing twice: the new parcel is covered by a capture of nothing" {
	setup_pay
	order wholesale PO-1
	oms-route -q --pending >alloc.jsonl
	oms-ship -q --carrier offline --labels labels alloc.jsonl >/dev/null
	oms-ship void s_1 >/dev/null
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.id, .order]' <<<"$output")" '["s_2","o_1"]'
	assert_equal "$(ops)" '1|capture|2626|0|1||capture:o_1:s_1|done|[{"order_line":1,"qty":2}]
1|capture|0|0|2||capture:o_1:s_2|done|[]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT note FROM payment_ops WHERE id = 2")" "nothing shipped that was not captured before"
	assert_equal "$(payments)" "1|ledger|wholesale:PO-1|USD|3356|2626|0"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/ledger.jsonl")" 1
	run oms check
	assert_success
}
