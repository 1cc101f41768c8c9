#!/usr/bin/env bats
# Fuzzing (issue 13): each libFuzzer harness of t/fuzz runs a few seconds
# (at most 5000 inputs, from a fixed seed, so the gate is the same on
# every machine) from its seed corpus with no crash and no broken
# property, and what the
# harnesses found stays fixed (t/unit/fuzzfound.c has the rest).
#
# The harnesses are built with clang into build-fuzz/ (make fuzz-build);
# where clang or its libFuzzer is missing, those tests are skipped and say
# why.  They run in the first, plain pass of make check only: they carry
# ASan and UBSan of their own, so the pass against build-san would run
# the same again.  make fuzz runs them for longer.

load helper

FUZZ_SECS=3

# Build the harnesses once for the file; skip when they cannot be.
fuzz_ready() {
	local mark=$BATS_FILE_TMPDIR/fuzz-built prog=$BATS_FILE_TMPDIR/probe
	[[ $OMS_BIN != */build-san/bin ]] ||
		skip "the fuzz harnesses run in the plain pass only (they have their own sanitizers)"
	command -v clang >/dev/null ||
		skip "no clang: the fuzz harnesses are not built (make deps installs clang)"
	if [ ! -e "$mark" ]; then
		printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ return 0; }\n' > "$prog.c"
		if ! clang -fsanitize=fuzzer,address,undefined -o "$prog" "$prog.c" 2>/dev/null; then
			echo "no libFuzzer" > "$mark"
		elif ! (cd "$TOP" && env -u MAKEFLAGS -u MFLAGS nice make --no-print-directory -j2 fuzz-build) > "$BATS_FILE_TMPDIR/build.log" 2>&1; then
			echo "failed" > "$mark"
		else
			echo "ok" > "$mark"
		fi
	fi
	case $(cat "$mark") in
	"no libFuzzer") skip "clang here cannot link -fsanitize=fuzzer: the fuzz harnesses are not built" ;;
	failed) cat "$BATS_FILE_TMPDIR/build.log"; fail "make fuzz-build failed" ;;
	esac
}

# Run harness $1 for FUZZ_SECS from its seeds: one line of figures, no crash.
fuzz_smoke() {
	fuzz_ready
	# A gate is the same on every machine: a fixed seed and at most 5000
	# inputs (make fuzz searches afresh, for longer).
	FUZZ_SEED=1 FUZZ_RUNS=5000 FUZZ_OUT=$BATS_TEST_TMPDIR/fuzz \
	    run "$TOP/t/fuzz/run" "$TOP/build-fuzz" "$FUZZ_SECS" "$1"
	assert_success
	assert_output --regexp "^fuzz $1 +[0-9]+ runs in ${FUZZ_SECS}s, cov [0-9]+, ft [0-9]+, corpus [0-9]+, 0 crashes$"
	echo "# $output" >&3
}

@test "fuzz: every harness has a seed corpus of small files" {
	local n f
	for f in "$TOP"/t/fuzz/*.c; do
		n=$(basename "$f" .c)
		[ -d "$TOP/t/fuzz/corpus/$n" ] || fail "no corpus for $n"
		[ "$(find "$TOP/t/fuzz/corpus/$n" -type f | wc -l)" -ge 5 ] ||
			fail "fewer than 5 seeds for $n"
		[ -z "$(find "$TOP/t/fuzz/corpus/$n" -type f -size +4k)" ] ||
			fail "a seed of $n is over 4 KB"
	done
}

@test "fuzz: the CSV reader" {
	fuzz_smoke csv
}

@test "fuzz: the channel adapters, through oms-import --check" {
	fuzz_smoke adapter
}

@test "fuzz: the JSON-lines reader" {
	fuzz_smoke rec
}

@test "fuzz: money read and written back" {
	fuzz_smoke money
}

@test "fuzz: dates read and written back" {
	fuzz_smoke time
}

@test "fuzz: rule files and their jq" {
	fuzz_smoke rules
}

@test "fuzz: GeoNames postal files" {
	fuzz_smoke geo
}

@test "fuzz: channels' return and refund files" {
	fuzz_smoke retfile
}

@test "fuzz found: oms-import --check on a file not of the channel named says so; it crashed" {
	printf 'Date,Time\n2026-01-01,10:00\n' > sq.csv
	run --separate-stderr oms-import --check --channel square sq.csv
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: sq.csv: not a square file: no header with Date, Time, Time Zone, Item, Qty, Gross Sales, Transaction ID, Event Type in its first 20 rows"
}

@test "fuzz found: a latitude or longitude of nan is a bad line, named, not a database error" {
	printf 'US\t10001\tNew York\tNew York\tNY\t\t\t\t\t40.7506\t-73.9972\t\n' > ok.txt
	printf 'US\t10002\tNew York\tNew York\tNY\t\t\t\t\tnan\t-73.98\t\n' > lat.txt
	printf 'US\t10002\tNew York\tNew York\tNY\t\t\t\t\t40.71\tNaN\t\n' > lon.txt
	cat ok.txt lat.txt > both.txt
	run oms-route geo load lat.txt
	assert_failure 1
	assert_output "oms-route: lat.txt:1: bad latitude 'nan' (nothing loaded)"
	run oms-route geo load lon.txt
	assert_failure 1
	assert_output "oms-route: lon.txt:1: bad longitude 'NaN' (nothing loaded)"
	run oms-route geo load both.txt
	assert_failure 1
	assert_output "oms-route: both.txt:2: bad latitude 'nan' (nothing loaded)"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM geo_postal"
	assert_output 0
}

@test "fuzz found: a rule with jq twice, or a number past any integer, is refused, named; the next run is as before" {
	local r
	for r in '{"rules":[{"name":"a","when":{"jq":"true","jq":"false"}}]}' \
	    '{"rules":[{"name":"a","when":{"priority_min":1e300}}]}' \
	    '{"rules":[{"name":"a","backorder":"cancel","cancel_after_days":1e300}]}'; do
		printf '%s\n' "$r" > rules.json
		run --separate-stderr oms-route rules load rules.json
		assert_failure 1
		[[ $stderr == "oms-route: rules.json: rule 'a': "* ]] ||
			fail "$r: $stderr"
	done
	run --separate-stderr oms-route rules load rules.json
	assert_failure 1
	assert_equal "$stderr" "oms-route: rules.json: rule 'a': cancel_after_days must be a whole number of days"
	printf '%s\n' '{"rules":[{"name":"a","when":{"jq":"true","jq":"false"}}]}' > rules.json
	run --separate-stderr oms-route rules load rules.json
	assert_equal "$stderr" "oms-route: rules.json: rule 'a': when: 'jq' twice"
}
