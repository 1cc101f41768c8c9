#!/usr/bin/env bats
# Crash (issue 13): each writing program killed with SIGKILL at seeded
# moments of its run (t/proof/crash).  After each kill oms check finds the
# database consistent, and running the same command again leaves exactly
# what one uninterrupted run leaves: the same orders and lines, ledger and
# levels, allocations, shipments, tracking numbers and label files.

load helper

# crash PROGRAM SEED KILLS SIZE: the figures go to the TAP stream.
crash() {
	run --separate-stderr "$TOP/t/proof/crash" -s "$2" -k "$3" -n "$4" "$1" run
	echo "# $output" >&3
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_equal "$stderr" ""
}

@test "oms-import of 2000 orders killed at 4 moments: each run again stores every order once, whole" {
	crash import 11 4 2000
}

@test "oms-stock of 2000 receipts killed at 4 moments: each run again applies every movement once" {
	crash stock 12 4 2000
}

@test "oms-route --pending over 500 orders killed at 4 moments: each run again allocates as one run does" {
	crash route 13 4 500
}

@test "oms-ship --pending over 8 orders killed at 4 moments: each run again ships each parcel once, with the same labels" {
	crash ship 14 4 8
}

@test "a crash run that does not end as one run is named, with the seed and the command to replay it" {
	# Nothing to apply: the reference run leaves no movements.
	run --separate-stderr env OMS_BIN="$OMS_BIN" "$TOP/t/proof/crash" -s 3 -k 1 -n 0 stock run
	assert_failure 1
	[[ $stderr == *"crash: seed 3: stock: the reference run left no movements"* ]] || fail "$stderr"
	[[ $stderr == *"crash: seed 3 failed; the runs are kept in $PWD/run; replay: OMS_BIN=$OMS_BIN $TOP/t/proof/crash -k 1 -n 0 -s 3 stock DIR" ]] || fail "$stderr"
}
