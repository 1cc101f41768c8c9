#!/usr/bin/env bats
# Crash (issue 13): each writing program killed with SIGKILL at seeded
# moments of its run (t/proof/crash).  After each kill oms check finds the
# database consistent, and running the same command again leaves exactly
# what one uninterrupted run leaves: the same orders and lines, ledger and
# levels, allocations, shipments, tracking numbers and label files.

load helper

# On PostgreSQL each run of crash has a new database of the test's
# server (-D), which crash reads with the sqlite3 stand-in, exported to
# it with what it calls.
PG=()
if on_pg; then
	export -f sqlite3 pg_sqlite3 pg_statements is_pg_url pg_schema \
		pg_admin pg_seq_schema pg_new_db pg_url
	PG=(-D "pg_new_db crash")
fi

# crash PROGRAM SEED KILLS SIZE: the figures go to the TAP stream.
crash() {
	run --separate-stderr "$TOP/t/proof/crash" -s "$2" -k "$3" -n "$4" "${PG[@]}" "$1" run
	echo "# $output" >&3
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_equal "$stderr" ""
}

@test "oms-import of 2000 orders killed at 4 moments: each run again stores every order once, whole" {
	skip_on_pg "ids after a rollback"
	crash import 11 4 2000
}

@test "oms-stock of 2000 receipts killed at 4 moments: each run again applies every movement once" {
	crash stock 12 4 2000
}

@test "oms-route --pending over 500 orders killed at 4 moments: each run again allocates as one run does" {
	skip_on_pg "ids after a rollback"
	crash route 13 4 500
}

@test "oms-ship --pending over 8 orders killed at 4 moments: each run again ships each parcel once, with the same labels" {
	skip_on_pg "ids after a rollback"
	crash ship 14 4 8
}

@test "a crash run that does not end as one run is named, with the seed and the command to replay it" {
	# Nothing to apply: the reference run leaves no movements.
	local pg=
	[ ${#PG[@]} = 0 ] || pg=" -D $(printf '%q' "${PG[1]}")"
	run --separate-stderr env OMS_BIN="$OMS_BIN" "$TOP/t/proof/crash" -s 3 -k 1 -n 0 "${PG[@]}" stock run
	assert_failure 1
	[[ $stderr == *"crash: seed 3: stock: the reference run left no movements"* ]] || fail "$stderr"
	[[ $stderr == *"crash: seed 3 failed; the runs are kept in $PWD/run; replay: OMS_BIN=$OMS_BIN $TOP/t/proof/crash -k 1 -n 0 -s 3$pg stock DIR" ]] || fail "$stderr"
}
