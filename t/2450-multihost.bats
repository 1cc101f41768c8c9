#!/usr/bin/env bats
# Issue 17: eight programs at once on one database, as if on eight hosts:
# two webhook importers, a router, a stock clerk and an event consumer in
# the morning; three warehouses shipping, the returns desk and the
# consumer in the afternoon; a fixed seeded workload.  After:
# every order stored once, nothing shipped twice or past what was
# allocated, nothing oversold, the ledger equal to the levels, every event
# read once and in order, and oms check clean.  On PostgreSQL (the
# PostgreSQL pass) the hosts share the server; on SQLite, the file.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z
SKUS=(A B C)

setup_world() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	# The three warehouses, with the addresses a label needs.
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"location","id":"LAX1","name":"Los Angeles DC","kind":"warehouse","lat":34.0522,"lon":-118.2437,"address":{"address1":"20 Alameda St","city":"Los Angeles","region":"CA","postal_code":"90021","country":"US"},"priority":2,"cutoff":"15:00","tz":"America/Los_Angeles"}
{"type":"location","id":"ORD1","name":"Chicago DC","kind":"warehouse","lat":41.8781,"lon":-87.6298,"address":{"address1":"30 Canal St","city":"Chicago","region":"IL","postal_code":"60607","country":"US"},"priority":3,"cutoff":"17:00","tz":"America/Chicago"}
EOF
	for s in "${SKUS[@]}"; do
		for l in EWR1 LAX1 ORD1; do
			echo "{\"type\":\"movement\",\"kind\":\"receive\",\"sku\":\"$s\",\"location\":\"$l\",\"qty\":40,\"key\":\"r-$s-$l\"}"
		done
	done | oms-stock >/dev/null
}

# orders BATCH: ten orders of one to three lines, the same every run.
orders() {
	local b=$1 i n l s q lines
	RANDOM=$((1000 + b))
	for i in $(seq 0 9); do
		n=$((b * 10 + i))
		lines=
		for l in $(seq $((RANDOM % 3 + 1))); do
			s=${SKUS[RANDOM % 3]}
			q=$((RANDOM % 3 + 1))
			lines="$lines${lines:+,}{\"line_id\":\"L$l\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\"}"
		done
		echo "{\"type\":\"order\",\"external_id\":\"$n\",\"currency\":\"USD\",\"customer\":{\"email\":\"c$n@example.com\"},\"ship_to\":{\"name\":\"C $n\",\"address1\":\"1 Main St\",\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\",\"country\":\"US\"},\"lines\":[$lines]}"
	done
}

# importer FIRST LAST: the batches FIRST to LAST, each given twice, as a
# webhook retried.
importer() {
	local b
	for b in $(seq "$1" "$2"); do
		orders "$b" > "batch$b.$BASHPID.jsonl"
		for _ in 1 2; do
			oms-import -q --channel oms "batch$b.$BASHPID.jsonl" \
			    >> importer.out 2>> importer.err ||
				[ $? -eq 1 ] || echo "importer: exit $?" >> bad
		done
	done
}

# again NAME N CMD...: CMD N times, each exit status but 0 and 1 logged
# (4, busy, is allowed: a host waits and tries again).
again() {
	local name=$1 n=$2 rc
	shift 2
	for _ in $(seq "$n"); do
		"$@" >> "$name.out" 2>> "$name.err"
		rc=$?
		case $rc in 0|1|4) ;; *) echo "$name: exit $rc" >> bad ;; esac
		sleep 0.05
	done
}

clerk() {
	local i s l
	for i in $(seq 1 12); do
		s=${SKUS[i % 3]}
		l=$(printf '%s\n' EWR1 LAX1 ORD1 | sed -n "$((i % 3 + 1))p")
		echo "{\"type\":\"movement\",\"kind\":\"receive\",\"sku\":\"$s\",\"location\":\"$l\",\"qty\":2,\"key\":\"clerk-$i\"}" |
			oms-stock -q >> clerk.out 2>> clerk.err
	done
}

# desk: returns of line 1 of some orders shipped, received and restocked.
desk() {
	local n r
	for n in 3 7 12 18 25 31 44 52; do
		# Until the warehouses have shipped it.
		for _ in $(seq 40); do
			r=$(oms-return request --reason defective "oms:$n" 1 \
			    2>> desk.err | jq -r .id)
			[ -n "$r" ] && [ "$r" != null ] && break
			sleep 0.1
		done
		[ -n "$r" ] && [ "$r" != null ] || continue
		oms-return -q receive "$r" >> desk.out 2>> desk.err &&
			oms-return -q inspect --disposition restock "$r" 1 \
			    >> desk.out 2>> desk.err &&
			echo "$r" >> returned
	done
}

@test "eight hosts at once: stored once, shipped once, nothing oversold, the ledger whole, every event once" {
	setup_world
	export OMS_BUSY_TIMEOUT=30000
	# Morning: two webhook hosts import overlapping batches while a clerk
	# receives stock, a router allocates and the ERP follows the events.
	importer 0 5 &
	p1=$!
	importer 2 7 &
	p2=$!
	clerk &
	p3=$!
	again router 10 oms-route -q --pending &
	p4=$!
	again events 5 oms-events --consumer audit --exec tee -- -a events.jsonl &
	p5=$!
	wait $p1 $p2 $p3 $p4 $p5
	oms-route -q --pending >> router.out 2>> router.err || [ $? -eq 1 ]
	# Afternoon: three warehouses ship at once, each going over every
	# order waiting, while the returns desk works and the ERP reads on.
	for w in 1 2 3; do
		again "ship$w" 2 oms-ship -q --carrier offline --labels "labels$w" --pending &
		eval "s$w=\$!"
	done
	desk &
	p6=$!
	again events 5 oms-events --consumer audit --exec tee -- -a events.jsonl &
	p7=$!
	wait $s1 $s2 $s3 $p6 $p7
	[ ! -e bad ] || { cat bad; cat ./*.err; false; }

	# Every order stored once: 80 orders, each batch given twice.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), count(DISTINCT external_id) FROM orders")" "80|80"
	# Nothing shipped twice: one shipment per order at most here, no
	# line shipped past its quantity, no allocation in two parcels.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM order_lines WHERE shipped > qty OR allocated > qty")" "0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM (SELECT allocation_id FROM shipment_lines GROUP BY allocation_id HAVING count(*) > 1) AS x")" "0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM (SELECT sl.allocation_id FROM shipment_lines sl JOIN allocations a ON a.id = sl.allocation_id GROUP BY sl.allocation_id, a.qty HAVING sum(sl.qty) <> a.qty) AS x")" "0"
	# Work was done by every kind of host.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE status = 'allocated'")" 0
	[ "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements WHERE key LIKE 'clerk-%'")" -eq 12 ]
	[ -s returned ]
	# Nothing oversold: no level below zero or reserved past on hand,
	# and every unit shipped was there.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM levels WHERE on_hand < 0 OR reserved > on_hand")" "0"
	# The ledger equals the levels; reservations equal the allocations.
	run --separate-stderr oms-stock verify
	assert_success
	run --separate-stderr oms check
	assert_success
	assert_output ""
	# The consumer read every event once, in order.
	oms-events --consumer audit --exec tee -- -a events.jsonl > /dev/null
	jq -r .seq events.jsonl > seqs
	sort -n -u seqs | cmp - seqs
	assert_equal "$(wc -l < seqs)" "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM outbox")"
}
