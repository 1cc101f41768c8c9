#!/usr/bin/env bats
# oms-events: every committed change, once, in order; consumers that read
# from what they acknowledged, --exec batches acknowledged only when the
# program succeeds, a follower woken by the database, pruning below the
# slowest consumer.

load helper
load return

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
}

# The stream in short: seq, type, and the order or the SKU with what changed.
short() {
	jq -r '[.seq, .type, .program, (.order // .sku), (.kind // .after.status // "-")] | @tsv'
}

# A handler for --exec: appends its batch and its environment to files.
handler() {
	cat > "$1" <<'EOF'
#!/bin/sh
d=$(dirname "$0")
tee -a "$d/delivered.jsonl" | wc -l | sed "s/^/$OMS_EVENTS_CONSUMER $OMS_EVENTS_FIRST-$OMS_EVENTS_LAST /" >> "$d/batches.log"
EOF
	chmod +x "$1"
}

wait_for() {	# wait_for FILE LINES: until FILE has LINES lines, 10 s at most
	for _ in $(seq 200); do
		[ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "every change is an event: the ledger's and the orders', in the order they were committed" {
	setup_ret
	delivered 1001 "1:A:2"
	run --separate-stderr oms-events
	assert_success
	assert_equal "$stderr" ""
	run short <<<"$output"
	assert_output "$(printf '%s\n' \
		"1	stock.changed	oms-stock	A	receive" \
		"2	stock.changed	oms-stock	B	receive" \
		"3	stock.changed	oms-stock	C	receive" \
		"4	order.created	oms-import	o_1	open" \
		"5	stock.changed	oms-route	A	reserve" \
		"6	order.allocated	oms-route	o_1	allocated" \
		"7	stock.changed	oms-ship	A	release" \
		"8	stock.changed	oms-ship	A	adjust" \
		"9	order.shipped	oms-ship	o_1	shipped" \
		"10	order.delivered	oms-ship	o_1	delivered")"
	# Whole records: an order's as its timeline has it, stock's as the
	# ledger's history prints it.
	run oms-events --after 5 --limit 2
	assert_output '{"seq":6,"type":"order.allocated","at":"2026-11-26T15:00:00Z","program":"oms-route","order":"o_1","channel":"oms","external_id":"1001","before":{"status":"open"},"after":{"status":"allocated","rule":"default","rules_version":0,"locations":["EWR1"]}}
{"seq":7,"type":"stock.changed","at":"2026-11-26T15:00:00Z","movement":5,"program":"oms-ship","kind":"release","sku":"A","location":"EWR1","qty":2,"change":-2,"ref":"s_1","key":"ship:release:s1:a1","on_hand":20,"reserved":0,"in_transit":0,"available":20}'
	[ "$(oms-stock history A | jq -c 'select(.id == 5) | del(.type, .id, .at)')" = \
	  "$(oms-events --after 6 --limit 1 | jq -c 'del(.seq, .type, .at, .movement)')" ]
	# One event per row of the orders' events and of the ledger.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM movements), count(*), count(DISTINCT seq) FROM outbox")" "10|10|10"
	# Through the front door too.
	run oms events --type 'order.*' --limit 1
	assert_success
	assert_output '{"seq":4,"type":"order.created","at":"2026-11-26T15:00:00Z","program":"oms-import","order":"o_1","channel":"oms","external_id":"1001","after":{"status":"open"}}'
}

@test "what is refused or rolled back is no event: a bad movement, a refused order, a dry run" {
	setup_ret
	head=$(oms-events | jq -s 'length')
	run oms-stock <<<'{"type":"movement","kind":"receive","sku":"NOPE","location":"EWR1","qty":1,"key":"x"}'
	assert_failure 1
	run oms-stock -n <<<'{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"y"}'
	assert_success
	run oms-import --channel oms <<<'{"type":"order","external_id":"9","currency":"USD","lines":[{"sku":"A","qty":-1,"unit_price":"1.00"}]}'
	assert_failure 1
	assert_equal "$(oms-events | jq -s 'length')" "$head"
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT count(*) FROM outbox')" "$head"
}

@test "--type and --limit pick events; a consumer's place moves past what it does not take" {
	setup_ret
	delivered 1001 "1:A:2"
	run oms-events --type 'order.*' --type 'stock.changed' --limit 3
	assert_equal "$(short <<<"$output" | cut -f1 | tr '\n' ' ')" "1 2 3 "
	run oms-events --type 'order.shipped' --type 'order.delivered'
	assert_equal "$(short <<<"$output" | cut -f1,2 | tr '\n' ' ')" "9	order.shipped 10	order.delivered "
	run oms-events --type 'order.nothing*'
	assert_success
	assert_output ""
	# A pattern no type can match would pass a consumer over everything.
	for t in 'nothing.*' 'ORDER.*' 'orders.*' '' 'order.' 'stock'; do
		run --separate-stderr oms-events --consumer shipping --type "$t"
		assert_failure 2
		assert_equal "${stderr%%$'\n'*}" "oms-events: --type '$t' matches no event: the types are order.ACTION and stock.changed"
	done
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT count(*) FROM consumers')" "0"
	handler h
	run oms-events -q --consumer shipping --type 'order.shipped' --exec ./h
	assert_success
	assert_equal "$(cat batches.log)" "shipping 1-10 1"
	assert_equal "$(jq -r .seq delivered.jsonl)" "9"
	# Passed over is passed: the next run has nothing to give.
	assert_equal "$(oms-events consumers | jq -c '[.name, .acked, .behind]')" '["shipping",10,0]'
	run oms-events --consumer shipping
	assert_output ""
}

@test "a consumer reads from what it acknowledged; printing acknowledges nothing; ack never goes back" {
	setup_ret
	run oms-events --consumer audit --limit 2
	assert_success
	assert_equal "$(jq -r .seq <<<"$output" | tr '\n' ' ')" "1 2 "
	run oms-events --consumer audit --limit 2
	assert_equal "$(jq -r .seq <<<"$output" | tr '\n' ' ')" "1 2 "
	run --separate-stderr oms-events ack -v --consumer audit 2
	assert_success
	assert_equal "$stderr" "oms-events: audit has acknowledged through 2"
	run oms-events --consumer audit
	assert_equal "$(jq -r .seq <<<"$output" | tr '\n' ' ')" "3 "
	# A retried ack, or an older one, changes nothing and is no error.
	run --separate-stderr oms-events ack -v --consumer audit 1
	assert_success
	assert_equal "$stderr" "oms-events: audit had acknowledged through 2 already"
	assert_equal "$(oms-events consumers | jq -c '[.name, .acked, .behind]')" '["audit",2,1]'
	# What was never given cannot be taken.
	run --separate-stderr oms-events ack --consumer audit 4
	assert_failure 1
	assert_equal "$stderr" "oms-events: there is no event 4 yet (the newest is 3)"
	run --separate-stderr oms-events ack --consumer nobody 1
	assert_failure 1
	assert_equal "$stderr" "oms-events: no consumer 'nobody' (see 'oms events consumers')"
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT name, acked FROM consumers')" "audit|2"
	# forget: the place is gone; the same name starts again at the beginning.
	run oms-events forget audit nobody
	assert_failure 1
	assert_output "oms-events: no consumer 'nobody' (see 'oms events consumers')"
	run oms-events consumers
	assert_output ""
	run oms-events --consumer audit --limit 1
	assert_equal "$(jq -r .seq <<<"$output")" "1"
}

@test "usage: what each option takes, and hostile consumer names, said with status 2" {
	u() {
		run --separate-stderr oms-events "$@"
		assert_failure 2
		assert_equal "${stderr%%$'\n'*}" "oms-events: $MSG"
		assert_output ""
	}
	MSG="--after 'x' is not a whole number of 0 or more" u --after x
	MSG="--after '-1' is not a whole number of 0 or more" u --after -1
	MSG="--limit '0' is not a whole number of 1 or more" u --limit 0
	MSG="--limit '99999999999999999999' is not a whole number of 1 or more" u --limit 99999999999999999999
	MSG="--batch 100001: 100000 at most" u --consumer a --exec /bin/true --batch 100001
	MSG="--exec needs --consumer: what the program takes is acknowledged for a consumer" u --exec /bin/true
	MSG="--after and --consumer: a consumer reads on from what it acknowledged" u --after 1 --consumer a
	MSG="arguments are for the program of --exec" u stray
	MSG="--limit and --exec: --batch sizes what the program is given" u --consumer a --limit 1 --exec /bin/true
	MSG="--exec: no program 'no-such-program-here' (beside oms-events or on PATH)" u --consumer a --exec no-such-program-here
	MSG="--exec: cannot run './nope': No such file or directory" u --consumer a --exec ./nope
	mkdir adir
	MSG="--exec: './adir' is not a program" u --consumer a --exec ./adir
	for name in ../etc "a b" "-x" "Caps" "x'; DROP TABLE consumers; --" "$(printf 'a%.0s' $(seq 65))" ""; do
		MSG="--consumer '$name' is not a consumer name (a-z, 0-9, '-' and '_', 64 at most)" u --consumer "$name"
	done
	run --separate-stderr oms-events ack --consumer a x
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "oms-events: seq 'x' is not a whole number of 1 or more"
	run --separate-stderr oms-events ack 3
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "oms-events: ack needs --consumer"
	run --separate-stderr oms-events prune --older-than soon
	assert_failure 2
	# No consumer was made by any of it.
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT count(*) FROM consumers')" "0"
	run oms-events --help
	assert_success
	assert_line --partial "--exec PROG"
}

@test "--exec: a batch at a time on the program's stdin, its range in the environment, acknowledged when it succeeds" {
	setup_ret
	delivered 1001 "1:A:2"
	handler h
	run --separate-stderr oms-events -v --consumer erp --batch 4 --exec ./h
	assert_success
	assert_equal "$stderr" "oms-events: 10 events, through 10; erp has acknowledged through 10"
	assert_equal "$(cat batches.log)" "$(printf '%s\n' "erp 1-4 4" "erp 5-8 4" "erp 9-10 2")"
	[ "$(cat delivered.jsonl)" = "$(oms-events)" ]
	# Nothing new: the program is not run.
	run oms-events --consumer erp --exec ./h
	assert_success
	assert_equal "$(wc -l < batches.log)" "3"
	# Arguments after -- are the program's, not oms-events' options.
	printf '#!/bin/sh\nprintf "%%s|" "$@" > args\ncat > /dev/null\n' > a
	chmod +x a
	run oms-events --consumer args --exec ./a -- --limit "two words" '$HOME;`id`'
	assert_success
	assert_equal "$(cat args)" '--limit|two words|$HOME;`id`|'
}

@test "--exec: a program that fails, crashes or stops reading leaves the batch unacknowledged, and the same batch comes again" {
	setup_ret
	delivered 1001 "1:A:2"
	printf '#!/bin/sh\necho "$OMS_EVENTS_FIRST-$OMS_EVENTS_LAST" >> tries\ncat > /dev/null\nexit 7\n' > fail
	printf '#!/bin/sh\nkill -SEGV $$\n' > crash
	printf '#!/bin/sh\nexit 0\n' > deaf
	chmod +x fail crash deaf
	run --separate-stderr oms-events --consumer erp --batch 4 --exec ./fail
	assert_failure 3
	assert_equal "$stderr" "oms-events: ./fail exited with status 7 on events 1 to 4; they stay unacknowledged
oms-events: consumer erp stopped at 0"
	run --separate-stderr oms-events --consumer erp --batch 4 --exec ./fail
	assert_failure 3
	assert_equal "$(cat tries)" "$(printf '1-4\n1-4')"
	run --separate-stderr oms-events --consumer erp --batch 4 --exec ./crash
	assert_failure 3
	assert_equal "${stderr%%$'\n'*}" "oms-events: ./crash was killed by signal 11 on events 1 to 4; they stay unacknowledged"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT acked FROM consumers WHERE name = 'erp'")" "0"
	# A program that reads nothing and exits 0 took the batch: its choice.
	run oms-events --consumer erp --batch 4 --exec ./deaf
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT acked FROM consumers WHERE name = 'erp'")" "10"
}

@test "a consumer killed with -9 mid-batch repeats that batch only: no gap, no acknowledged event twice" {
	setup_ret
	delivered 1001 "1:A:2"
	delivered 1002 "1:B:1 2:C:1"
	head=$(oms-events | jq -s 'length')
	# The last batch (19-20) kills oms-events (its parent) after taking
	# its events.
	cat > h <<'EOF'
#!/bin/sh
tee -a delivered.jsonl > /dev/null
echo "$OMS_EVENTS_FIRST-$OMS_EVENTS_LAST" >> batches.log
[ "$(wc -l < batches.log)" = 7 ] && [ ! -e killed ] && touch killed && kill -9 $PPID
exit 0
EOF
	chmod +x h
	run oms-events --consumer erp --batch 3 --exec ./h
	assert_failure 137
	assert_equal "$head" 20
	assert_equal "$(oms-events consumers | jq -c '[.acked, .pending]')" "[18,20]"
	# More comes in before the next run; the lock died with the process,
	# so the next run is not refused, and the batch it tries again is
	# the same batch, by its events and its range.
	oms-stock >/dev/null <<<'{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"late"}'
	head=$((head + 1))
	run oms-events --consumer erp --batch 3 --exec ./h
	assert_success
	assert_equal "$(oms-events consumers | jq -c '[.acked, .pending]')" "[$head,null]"
	assert_equal "$(sed -n '7,$p' batches.log | tr '\n' ' ')" "19-20 19-20 21-21 "
	assert_equal "$(jq -c 'select(.seq >= 19 and .seq <= 20)' delivered.jsonl | sort | uniq -c | awk '{ print $1 }' | tr '\n' ' ')" "2 2 "
	# Every seq from 1 to the head, each once, but the killed batch's twice.
	run sh -c "jq -r .seq delivered.jsonl | sort -n | uniq -c | awk '{ print \$2, \$1 }'"
	want=$(seq "$head" | awk '{ print $1, ($1 >= 19 && $1 <= 20) ? 2 : 1 }')
	assert_output "$want"
}

@test "one reader per consumer: a second is refused with 4 while the first runs; others read on" {
	setup_ret
	printf '#!/bin/sh\ncat > /dev/null\ntouch started\nsleep 3\n' > slow
	chmod +x slow
	oms-events --consumer erp --exec ./slow &
	pid=$!
	wait_for started 0
	run --separate-stderr oms-events --consumer erp
	assert_failure 4
	assert_equal "$stderr" "oms-events: consumer erp: another process is reading the events as this consumer"
	run oms-events --consumer other --limit 1
	assert_success
	wait "$pid"
	run oms-events --consumer erp
	assert_success
	assert_output ""
}

@test "--follow: woken by a commit, not a poll; a signal ends it between batches with status 0" {
	setup_ret
	handler h
	oms-events --consumer live --follow --exec ./h 2> follow.err &
	pid=$!
	wait_for delivered.jsonl 3
	# Idle, it takes no CPU time to speak of: it sleeps on the watch.
	sleep 1
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep 2
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	[ $((t1 - t0)) -le 2 ] || fail "it used $((t1 - t0)) ticks idle"
	start=$(now_ms)
	oms-stock >/dev/null <<<'{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"more"}'
	wait_for delivered.jsonl 4
	took=$(($(now_ms) - start))
	[ "$took" -lt 3000 ] || fail "the event came after $took ms"
	order_json 1003 "1:A:1" | oms-import --channel oms >/dev/null
	wait_for delivered.jsonl 5
	kill -TERM "$pid"
	wait "$pid"
	assert_equal "$(jq -r .type delivered.jsonl | tail -n 2 | tr '\n' ' ')" "stock.changed order.created "
	assert_equal "$(oms-events consumers | jq -c '[.acked, .behind]')" "[5,0]"
	assert_equal "$(cat follow.err)" ""
}

@test "--follow without --exec prints each event as it comes, flushed, until a signal" {
	setup_ret
	oms-events --follow --after 3 > out.jsonl &
	pid=$!
	sleep 0.3
	order_json 1004 "1:A:1" | oms-import --channel oms >/dev/null
	wait_for out.jsonl 1
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(jq -r .type out.jsonl)" "order.created"
}

@test "prune: what every consumer acknowledged, never the newest; seqs are never given twice" {
	setup_ret
	delivered 1001 "1:A:2"
	run oms-events prune
	assert_success
	assert_output '{"type":"prune","pruned":0}'
	oms-events --consumer a --limit 1 >/dev/null
	oms-events --consumer b --limit 1 >/dev/null
	oms-events ack --consumer a 8
	oms-events ack --consumer b 5
	run oms-events prune
	assert_output '{"type":"prune","pruned":5,"through":5}'
	assert_equal "$(oms-events | jq -r .seq | tr '\n' ' ')" "6 7 8 9 10 "
	oms-events ack --consumer b 10
	# --older-than keeps what is younger.
	run env OMS_NOW=2026-11-26T15:30:00Z oms-events prune --older-than 1h
	assert_output '{"type":"prune","pruned":0}'
	run env OMS_NOW=2026-12-26T15:00:00Z oms-events prune --older-than 7d
	assert_output '{"type":"prune","pruned":3,"through":8}'
	oms-events ack --consumer a 10
	run oms-events prune
	assert_output '{"type":"prune","pruned":1,"through":9}'
	assert_equal "$(oms-events | jq -r .seq)" "10"
	# Even with every row gone, the next event is 11, not a seq given before.
	sqlite3 "$OMS_DB" 'DELETE FROM outbox'
	oms-stock >/dev/null <<<'{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"k"}'
	assert_equal "$(oms-events | jq -r .seq)" "11"
	# The orders' events and the ledger are whole.
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM movements)')" "4|7"
	run oms check
	assert_success
}

@test "oms check: a consumer that acknowledged beyond the newest event" {
	setup_ret
	oms-events --consumer a --limit 1 >/dev/null
	sqlite3 "$OMS_DB" "UPDATE consumers SET acked = 99"
	run --separate-stderr oms check
	assert_failure 1
	assert_equal "$output" "event-consumers: consumer a acknowledged 99, beyond the newest event, 3"
}

@test "purge-customer erases a customer from the stream too: events are read from what the database holds" {
	setup_ret
	order_json 1002 "1:B:1" | jq -c '.updated_at = "2026-11-26T10:00:00Z"' | oms-import --channel oms >/dev/null
	order_json 1002 "1:B:1" | jq -c '.updated_at = "2026-11-26T11:00:00Z" | .ship_to.name = "Yara Doe" | .ship_to.address1 = "9 Elm St"' |
		oms-import --channel oms >/dev/null
	run oms-events --type order.updated
	assert_output --partial '"name":"Yara Doe","address1":"9 Elm St"'
	assert_output --partial '"name":"Zoe Roe","address1":"1 Main St"'
	oms -q purge-customer zoe@example.com >/dev/null
	run oms-events
	refute_output --partial "Yara"
	refute_output --partial "Zoe"
	refute_output --partial "Elm St"
	assert_equal "$(oms-events --type order.updated | jq -c .after.ship_to)" '{"name":"[erased]","address1":"[erased]","city":"[erased]","region":"NY","postal_code":"10001","country":"US"}'
	assert_equal "$(oms-events --type order.purged | jq -r .order)" "o_1"
}

@test "a database made before the stream has its history as the stream's beginning, in the order of its times" {
	skip_on_pg "no PostgreSQL database predates schema 12: one is made at 12 in one go"
	setup_ret
	delivered 1001 "1:A:2"
	want=$(oms-events | jq -c 'del(.seq)' | sort)
	# The database as schema 9 left it: no stream, no consumers (and
	# none of what later migrations add: EDI's tables).
	sqlite3 "$OMS_DB" "DROP TABLE outbox; DROP TABLE consumers; DELETE FROM sqlite_sequence WHERE name = 'outbox'; DROP TABLE edi_shipments; DROP TABLE edi_lines; DROP TABLE edi_orders; DROP TABLE edi_sets; DROP TABLE edi_interchanges; DROP TABLE edi_control; DROP TABLE payment_ops; DROP TABLE payments; PRAGMA user_version = 9"
	run --separate-stderr oms init
	assert_success
	assert_equal "$stderr" "oms: database '$OMS_DB' is at schema $SCHEMA (was 9)"
	# Every change once; by time, and within a second (OMS_NOW pins it)
	# the orders' events first, each kind in the order it was made.
	assert_equal "$(oms-events | jq -c 'del(.seq)' | sort)" "$want"
	assert_equal "$(oms-events | jq -r .seq | tr '\n' ' ')" "1 2 3 4 5 6 7 8 9 10 "
	run short < <(oms-events)
	assert_equal "$(cut -f2,4,5 <<<"$output" | tr '\n' ' ')" "order.created	o_1	open order.allocated	o_1	allocated order.shipped	o_1	shipped stock.changed	A	receive stock.changed	B	receive stock.changed	C	receive stock.changed	A	reserve stock.changed	A	release stock.changed	A	adjust order.delivered	o_1	delivered "
}

@test "the lock file is not followed through a planted link; a read-only database is read without a consumer" {
	skip_on_pg "about the files beside a SQLite database"
	setup_ret
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$OMS_DB-events"
	run --separate-stderr oms-events --consumer erp
	assert_failure 3
	assert_equal "$stderr" "oms-events: consumer erp: cannot open '$OMS_DB-events': Too many levels of symbolic links"
	[ ! -e elsewhere ]
	rm "$OMS_DB-events"
	oms-events --consumer erp >/dev/null
	[ "$(stat -c %a "$OMS_DB-events")" = 600 ]
	need_readonly
	run_readonly "$BATS_TEST_TMPDIR" sh -c 'oms-events --type order.created; echo "rc=$?"' > ro.out 2>&1
	[ "$(tail -n 1 ro.out)" = "rc=0" ] || fail "$(cat ro.out)"
}

# woo NUMBER ID STATUS MODIFIED SKU QTY: a WooCommerce order as its REST API gives it.
woo() {
	jq -nc --arg n "$1" --argjson id "$2" --arg s "$3" --arg m "$4" \
	    --arg sku "$5" --argjson q "$6" '[{id: $id, number: $n, order_key:
	    ("wc_" + $n), status: $s, currency: "USD", date_created_gmt:
	    "2026-11-26T08:30:00", date_modified_gmt: $m, total: "10.00",
	    shipping_total: "0.00", total_tax: "0.00", discount_total: "0.00",
	    billing: {first_name: "Wu", last_name: $n, address_1: "1 Main St",
	    city: "New York", state: "NY", postcode: "10001", country: "US",
	    email: "wu@example.com"}, shipping: {first_name: "Wu", last_name:
	    $n, address_1: "1 Main St", city: "New York", state: "NY",
	    postcode: "10001", country: "US"}, line_items: [{id: ($id * 10),
	    sku: $sku, quantity: $q, price: (10 / $q), total: "10.00",
	    subtotal: "10.00", total_tax: "0.00"}]}]'
}

@test "the life: four days of cron jobs, an ERP consumer after each, gets every change once and in order" {
	setup_ret
	printf '#!/bin/sh\ncat >> erp.jsonl\n' > erp
	chmod +x erp
	erp_job() { oms-events -q --consumer erp --batch 5 --exec ./erp; }
	# Day 1: an order of our own and one from WooCommerce, routed.
	export OMS_NOW=2026-11-26T15:00:00Z
	order_json 2001 "1:A:2" | oms-import --channel oms >/dev/null
	woo 2002 72 processing 2026-11-26T09:00:00 B 1 > woo-1.json
	oms-import woo-1.json >/dev/null
	oms-route --pending >/dev/null
	erp_job
	# Day 2: WooCommerce's export has 2002 cancelled; 2001 ships.
	export OMS_NOW=2026-11-27T15:00:00Z
	woo 2002 72 cancelled 2026-11-27T10:00:00 B 1 > woo-2.json
	oms-import woo-2.json >/dev/null
	oms-ship --carrier offline --labels labels --pending >/dev/null
	erp_job
	# Day 3: an older export of 2002 comes again: it changes nothing.
	export OMS_NOW=2026-11-30T15:00:00Z
	woo 2002 72 processing 2026-11-26T12:00:00 B 1 > woo-3.json
	oms-import woo-3.json >/dev/null
	oms-ship track >/dev/null
	erp_job
	# Day 4: 2001 comes back; it is received and restocked.
	export OMS_NOW=2026-12-01T15:00:00Z
	oms-return request --reason unwanted oms:2001 1:1 >/dev/null
	ret=$(sqlite3 "$OMS_DB" "SELECT 'r_' || max(id) FROM returns")
	oms-return receive "$ret" >/dev/null
	oms-return inspect --disposition restock "$ret" 1:1 >/dev/null
	erp_job
	# The ERP has every change once, in order, as the stream and the
	# database have them.
	[ "$(cat erp.jsonl)" = "$(oms-events)" ]
	head=$(oms-events | jq -s 'length')
	assert_equal "$(jq -r .seq erp.jsonl | tr '\n' ' ')" "$(seq -s ' ' "$head") "
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM movements)')" "$head"
	assert_equal "$(oms-events consumers | jq -c '[.acked, .behind]')" "[$head,0]"
	# The story of 2002: created, allocated, cancelled by the channel,
	# the older export kept out, and its stock back.
	run sh -c "jq -r 'select(.external_id == \"2002\") | [.type, .program] | @tsv' erp.jsonl"
	assert_output "$(printf '%s\t%s\n' order.created oms-import order.allocated oms-route order.updated oms-import order.cancelled oms-import order.stale oms-import)"
	run sh -c "jq -r 'select(.type == \"stock.changed\" and .ref == \"o_2\") | [.kind, .sku, .change] | @tsv' erp.jsonl"
	assert_output "$(printf '%s\t%s\t%s\n' reserve B 1 release B -1)"
	# 2001's return: the restock is in the stream as the ledger has it.
	run sh -c "jq -r 'select(.type == \"stock.changed\" and .ref == \"$ret\") | [.kind, .location, .change] | @tsv' erp.jsonl"
	assert_output "$(printf '%s\t%s\t%s\n' receive EWR1/returns 1 transfer_out EWR1/returns -1 transfer_in EWR1 1)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT on_hand, reserved FROM levels WHERE sku = 'A' AND location = 'EWR1'")" "19|0"
	assert_equal "$(jq -r 'select(.type == "stock.changed" and .sku == "A" and .location == "EWR1") | .on_hand' erp.jsonl | tail -n 1)" "19"
	run oms check
	assert_success
	# Everything the ERP has is acknowledged: prune keeps the newest only.
	run oms-events prune
	assert_output "{\"type\":\"prune\",\"pruned\":$((head - 1)),\"through\":$((head - 1))}"
}

@test "the completions of oms-events: its verbs, each verb's options as its help lists them, consumers from the database" {
	skip_on_pg "the completion reads the consumers from a SQLite file with sqlite3"
	comp() {	# the bash completion of the words "$@", the last being completed
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_oms_events oms-events "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/oms-events" "$@"
	}
	run comp oms-events ""
	assert_output "$(printf '%s\n' ack consumers forget prune)"
	for v in "" ack consumers forget prune; do
		want=$(oms-events $v --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort)
		# The program's help lists every verb's options; prune's is its own.
		[ -n "$v" ] || want=$(grep -vx -e --older-than <<<"$want")
		run comp oms-events $v --
		assert_equal "$(grep -- '^--' <<<"$output" | sort)" "$want"
	done
	oms-events --consumer erp --limit 1 >/dev/null
	oms-events --consumer audit --limit 1 >/dev/null
	run comp oms-events --consumer ""
	assert_output "$(printf '%s\n' audit erp)"
	run comp oms-events forget ""
	assert_output "$(printf '%s\n' audit erp)"
	run comp oms-events --type order.s
	assert_output "$(printf '%s\n' order.shipped)"
	zsh -n "$TOP/completions/zsh/_oms-events"
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -c "source $TOP/completions/fish/oms-events.fish; complete -C 'oms-events pr'"
	assert_output "prune	Delete acknowledged events"
	run fish -c "source $TOP/completions/fish/oms-events.fish; complete -C 'oms-events prune --o'"
	assert_output "--older-than	Only events older than"
}

@test "two names of one database are one: the lock holds through a symlink, and a follower through one is woken at once" {
	skip_on_pg "about the files beside a SQLite database"
	setup_ret
	mkdir -p real
	mv "$OMS_DB" real/oms.db
	rm -f "$OMS_DB-wal" "$OMS_DB-shm"
	ln -s real link
	export OMS_DB="$BATS_TEST_TMPDIR/real/oms.db"
	printf '#!/bin/sh\ncat > /dev/null\ntouch started\nsleep 3\n' > slow
	chmod +x slow
	oms-events --consumer erp --exec ./slow &
	pid=$!
	wait_for started 0
	run --separate-stderr oms-events --db link/oms.db --consumer erp
	assert_failure 4
	assert_equal "$stderr" "oms-events: consumer erp: another process is reading the events as this consumer"
	wait "$pid"
	handler h
	oms-events --db link/oms.db --consumer live --follow --exec ./h 2>/dev/null &
	pid=$!
	wait_for delivered.jsonl 3
	start=$(now_ms)
	oms-stock >/dev/null <<<'{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"via-real"}'
	wait_for delivered.jsonl 4
	took=$(($(now_ms) - start))
	kill -TERM "$pid"
	wait "$pid"
	[ "$took" -lt 3000 ] || fail "the event came after $took ms"
}

@test "a follower: a signal while its output is full ends it with 0; one ignored at start (nohup) stays ignored" {
	setup_ret
	for i in $(seq 400); do
		printf '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"m%s"}\n' "$i"
	done | oms-stock >/dev/null
	# A reader that reads nothing for a while: the pipe fills, and the
	# follower is in write(2) when the signal comes.
	{ oms-events --follow 2> follow.err; echo "rc=$?" > rc; } | { sleep 2; cat > out.jsonl; } &
	sleep 0.5
	pkill -TERM -f '^oms-events --follow$'
	wait
	assert_equal "$(cat rc)" "rc=0"
	assert_equal "$(cat follow.err)" ""
	assert_equal "$(wc -l < out.jsonl)" "403"
	# Under nohup, SIGHUP is nothing to it, nor to its program.
	printf '#!/bin/sh\ncat >> got.jsonl\n' > h
	chmod +x h
	nohup oms-events --consumer n --follow --exec ./h > /dev/null 2> nohup.err &
	pid=$!
	wait_for got.jsonl 403
	kill -HUP "$pid"
	sleep 0.3
	kill -0 "$pid" || fail "SIGHUP ended it"
	oms-stock >/dev/null <<<'{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"after-hup"}'
	wait_for got.jsonl 404
	kill -TERM "$pid"
	wait "$pid"
}

@test "a follower waits out a database kept busy past the timeout, then acknowledges" {
	setup_ret
	printf '#!/bin/sh\ncat >> got.jsonl\ntouch took\nsleep 1\n' > h
	chmod +x h
	OMS_BUSY_TIMEOUT=200 oms-events --consumer erp --follow --exec ./h 2> follow.err &
	pid=$!
	# The program has the batch; a writer holds the database past the
	# timeout as the follower comes to acknowledge it.
	wait_for took 0
	hold_lock "$OMS_DB" 3
	sleep 2
	kill -0 "$pid" || fail "it ended: $(cat follow.err)"
	wait "$LOCK_PID"
	for _ in $(seq 100); do
		[ "$(sqlite3 "$OMS_DB" "SELECT acked FROM consumers")" = 3 ] && break
		sleep 0.05
	done
	kill -TERM "$pid"
	wait "$pid"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT acked FROM consumers")" "3"
	assert_equal "$(wc -l < got.jsonl)" "3"
	grep -q "is busy.*again in 1 s" follow.err || fail "$(cat follow.err)"
}

@test "a consumer forgotten while it runs stops, and moves nothing of a new one of that name" {
	setup_ret
	printf '#!/bin/sh\ncat > /dev/null\ntouch started\nsleep 2\n' > slow
	chmod +x slow
	oms-events --consumer erp --batch 1 --exec ./slow 2> old.err &
	pid=$!
	wait_for started 0
	oms-events forget erp
	oms-events --consumer erp --limit 1 >/dev/null
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 1
	assert_equal "$(cat old.err)" "oms-events: consumer erp was forgotten while it read"
	assert_equal "$(oms-events consumers | jq -c '[.name, .acked]')" '["erp",0]'
}

@test "a consumer reads where it stands once the lock is its own, not where it stood before" {
	skip_on_pg "the consumer lock is a session advisory lock there, not the file lock slowlock.so slows"
	setup_ret
	cc -shared -fPIC -o slowlock.so "$TOP/t/proof/slowlock.c" -ldl
	printf '#!/bin/sh\ncat >> a.jsonl\nsleep 1.5\n' > a
	printf '#!/bin/sh\ncat >> b.jsonl\n' > b
	chmod +x a b
	oms-events --consumer erp --exec ./a &
	pid=$!
	sleep 0.5
	# B reads where erp stands (0) while A holds it, then waits 2 s to
	# take the lock; by then A has acknowledged 1-3 and ended.
	SLOWLOCK_MS=2000 LD_PRELOAD=$PWD/slowlock.so \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	    oms-events --consumer erp --exec ./b
	wait "$pid"
	assert_equal "$(jq -r .seq a.jsonl | tr '\n' ' ')" "1 2 3 "
	[ ! -e b.jsonl ] || fail "B was given $(jq -r .seq b.jsonl | tr '\n' ' ')again"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT acked FROM consumers")" "3"
}
