#!/usr/bin/env bats
# oms-stock under concurrency (issue 4): 8 processes at once, each
# applying random movements on 10 hot SKUs at 2 locations.  Nothing may
# go negative, and the ledger, the levels and what the programs echoed
# must tell the same story.  (Reserve and release are not oms-stock's to
# take since issue 13: oms-route and oms-ship make them for allocations.)
#
# The issue's full size (8 x 1,000) is the default: here it takes about
# 1 s, and 3 s under ASan.  OMS_STRESS_PROCS and OMS_STRESS_MOVES make it
# bigger (or smaller) for a soak run:
#   OMS_STRESS_MOVES=20000 bats t/2400-stock-concurrency.bats

load helper

PROCS=${OMS_STRESS_PROCS:-8}
MOVES=${OMS_STRESS_MOVES:-1000}
SEED=4

# MOVES random movements for process $1: receive 36%, adjust 16% (either
# sign), damage 48%, 1 to 5 units each, so stock stays near nothing and
# the processes race for the last units.  Keys are unique across processes.  A MINSTD generator in exact
# integer arithmetic gives every awk the same records.
# shellcheck disable=SC2016
GEN='
function rnd(m) {
	x = (x * 48271) % 2147483647
	return x % m
}
BEGIN {
	x = (seed * 64 + p) * 7919 % 2147483646 + 1
	for (i = 1; i <= n; i++) {
		sku = sprintf("HOT-%02d", rnd(10))
		loc = rnd(2) ? "L2" : "L1"
		r = rnd(100)
		q = 1 + rnd(5)
		extra = ""
		if (r < 36)
			kind = "receive"
		else if (r < 52) {
			kind = "adjust"
			extra = ",\"reason\":\"cycle count\""
			if (rnd(2))
				q = -q
		} else {
			kind = "damage"
			extra = ",\"reason\":\"broken\""
		}
		printf "{\"type\":\"movement\",\"kind\":\"%s\",\"sku\":\"%s\"," \
		    "\"location\":\"%s\",\"qty\":%d%s,\"key\":\"p%d-%d\"}\n",
		    kind, sku, loc, q, extra, p, i
	}
}'

# Start every process at once on the inputs in$p.jsonl; each writes
# out$p.jsonl (the echoes), err$p (stderr), rej$p.jsonl (--rejects) and
# rc$p (its exit status).  $1 names the round.
run_all() {
	local round=$1 p
	for p in $(seq 0 $((PROCS - 1))); do
		( rc=0
		  oms-stock --rejects "rej$round-$p.jsonl" "in$p.jsonl" \
			> "out$round-$p.jsonl" 2> "err$round-$p" || rc=$?
		  echo "$rc" > "rc$round-$p" ) &
	done
	wait
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	OMS_DB=$(shared_db "$BATS_FILE_TMPDIR/oms.db") || return 1
	export OMS_DB RESULT_DB=$OMS_DB
	oms -q init || return 1
	{
		echo '{"type":"location","id":"L1","name":"East"}'
		echo '{"type":"location","id":"L2","name":"West"}'
		for s in $(seq 0 9); do
			printf '{"type":"product","sku":"HOT-%02d"}\n' "$s"
		done
	} | oms-stock >/dev/null || return 1
	for p in $(seq 0 $((PROCS - 1))); do
		awk -v p="$p" -v n="$MOVES" -v seed="$SEED" "$GEN" > "in$p.jsonl"
	done
	start=$(now_ms)
	run_all 1
	echo $(( $(now_ms) - start )) > elapsed
}

# This test's own copy of the database the processes left.  On
# PostgreSQL there is no file to copy: the tests read the database
# itself, and only the last of them changes it.
use_result() {
	if on_pg; then
		export OMS_DB=$RESULT_DB
	else
		cp "$BATS_FILE_TMPDIR"/oms.db* "$BATS_TEST_TMPDIR"/
	fi
	cd "$BATS_FILE_TMPDIR" || return 1
}

@test "the inputs are what the generator promises: unique keys, every kind" {
	cd "$BATS_FILE_TMPDIR"
	run sh -c 'cat in*.jsonl | jq -r .key | sort | uniq -d'
	assert_output ""
	assert_equal "$(cat in*.jsonl | wc -l)" "$((PROCS * MOVES))"
	run sh -c 'cat in*.jsonl | jq -r "[.kind, .sku, .location] | @tsv" | cut -f1 | sort -u | tr "\n" " "'
	assert_output "adjust damage receive "
	assert_equal "$(cat in*.jsonl | jq -r '.sku + .location' | sort -u | wc -l)" "20"
	# The same seed gives the same records.
	assert_equal "$(awk -v p=3 -v n="$MOVES" -v seed="$SEED" "$GEN" | cksum)" "$(cksum < in3.jsonl)"
}

@test "every process exits 0 or 1, never busy (4) or fatal (3); rejects are stock rules only" {
	cd "$BATS_FILE_TMPDIR"
	echo "# $PROCS x $MOVES movements took $(cat elapsed) ms" >&3
	for p in $(seq 0 $((PROCS - 1))); do
		rc=$(cat "rc1-$p")
		[ "$rc" = 0 ] || [ "$rc" = 1 ] ||
			fail "process $p exited $rc: $(head -3 "err1-$p")"
		# One stderr line and one error record per reject, and echoes
		# plus rejects make up the input.
		assert_equal "$(wc -l < "err1-$p")" "$(wc -l < "rej1-$p.jsonl")"
		assert_equal "$(( $(wc -l < "out1-$p.jsonl") + $(wc -l < "rej1-$p.jsonl") ))" "$MOVES"
	done
	run sh -c 'cat rej1-*.jsonl | jq -r .reason | grep -Ev "^HOT-0[0-9] at L[12]: (on hand would be -?[0-9]+ \(it is [0-9]+\)|reserved would be -[0-9]+ \(it is [0-9]+\)|on hand would be [0-9]+, below the [0-9]+ reserved)$"'
	assert_output ""
	# The race for the last units really happened.
	[ "$(cat rej1-*.jsonl | wc -l)" -gt 0 ]
}

@test "no level is negative, nothing reserved exceeds on hand, verify and oms check find nothing" {
	use_result
	run sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved, in_transit FROM levels WHERE on_hand < 0 OR reserved < 0 OR in_transit <> 0 OR reserved > on_hand"
	assert_output ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM levels")" "20"
	run --separate-stderr oms-stock verify
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-stock: the levels agree with the ledger"
	run --separate-stderr oms check
	assert_success
	assert_output ""
}

@test "the ledger holds exactly the accepted movements, and the echoes add up to the levels" {
	use_result
	accepted=$(cat out1-*.jsonl | wc -l)
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), count(DISTINCT key) FROM movements")" "$accepted|$accepted"
	# The keys stored are the keys echoed; the rejected ones are not there.
	run diff <(cat out1-*.jsonl | jq -r .key | sort) \
		<(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT key FROM movements" | sort)
	assert_success
	assert_equal "$(cat out1-*.jsonl | jq -r 'select(.duplicate) | .key' | wc -l)" "0"
	# What the programs said after each commit is what the levels are.
	run diff <(cat out1-*.jsonl | jq -rs 'group_by(.sku, .location)[] |
		[.[0].sku, .[0].location,
		 (map(select(.kind != "reserve" and .kind != "release") | .change) | add // 0),
		 (map(select(.kind == "reserve" or .kind == "release") | .change) | add // 0)] |
		join("|")') \
		<(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY sku, location")
	assert_success
	# Each process's echoes come in its input's order, with rising ids.
	for p in $(seq 0 $((PROCS - 1))); do
		run sh -c "jq -r '.key | sub(\"^p[0-9]+-\"; \"\")' out1-$p.jsonl | sort -c -n && jq -r .id out1-$p.jsonl | sort -c -n"
		assert_success
	done
}

@test "applying the accepted movements again, all at once, changes nothing" {
	use_result
	cd "$BATS_TEST_TMPDIR"
	before=$(sqlite3 "$OMS_DB" "SELECT * FROM levels ORDER BY 1, 2; SELECT count(*), max(id) FROM movements")
	# Each process's input less what it had rejected.
	for p in $(seq 0 $((PROCS - 1))); do
		grep -vxF -f <(jq -r .raw "$BATS_FILE_TMPDIR/rej1-$p.jsonl") \
			"$BATS_FILE_TMPDIR/in$p.jsonl" > "in$p.jsonl" || true
	done
	assert_equal "$(cat in*.jsonl | wc -l)" "$(cat "$BATS_FILE_TMPDIR"/out1-*.jsonl | wc -l)"
	run_all 2
	for p in $(seq 0 $((PROCS - 1))); do
		assert_equal "$(cat "rc2-$p")" "0"
		assert_equal "$(cat "err2-$p")" ""
	done
	# Every echo is the stored movement, marked duplicate, with its id.
	run diff <(cat "$BATS_FILE_TMPDIR"/out1-*.jsonl | jq -c '{key, id, change, duplicate: true}' | sort) \
		<(cat out2-*.jsonl | jq -c '{key, id, change, duplicate}' | sort)
	assert_success
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT * FROM levels ORDER BY 1, 2; SELECT count(*), max(id) FROM movements")" "$before"
}

@test "applying every input file again applies nothing twice" {
	use_result
	cd "$BATS_TEST_TMPDIR"
	cp "$BATS_FILE_TMPDIR"/in*.jsonl .
	accepted=$(cat "$BATS_FILE_TMPDIR"/out1-*.jsonl | wc -l)
	run_all 2
	for p in $(seq 0 $((PROCS - 1))); do
		rc=$(cat "rc2-$p")
		[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "process $p exited $rc"
	done
	# What was accepted comes back as the same movement, marked duplicate.
	run diff <(cat "$BATS_FILE_TMPDIR"/out1-*.jsonl | jq -c '{key, id}' | sort) \
		<(cat out2-*.jsonl | jq -c 'select(.duplicate) | {key, id}' | sort)
	assert_success
	# A rejected movement has no key in the ledger, so one that the stock
	# now allows is applied (once): only those are new.
	new=$(cat out2-*.jsonl | jq -r 'select(.duplicate | not) | .key' | sort)
	if [ -n "$new" ]; then
		run comm -23 <(printf '%s\n' "$new") \
			<(jq -r .raw "$BATS_FILE_TMPDIR"/rej1-*.jsonl | jq -r .key | sort)
		assert_output ""
	fi
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), count(DISTINCT key) FROM movements")" \
		"$((accepted + $(printf '%s' "$new" | grep -c .)))|$((accepted + $(printf '%s' "$new" | grep -c .)))"
	run --separate-stderr oms-stock verify
	assert_success
	run sqlite3 "$OMS_DB" "SELECT sku FROM levels WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand"
	assert_output ""
}
