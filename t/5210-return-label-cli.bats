#!/usr/bin/env bats
# oms-return label and track, from the command line as a cron job runs
# them: a return label bought once and printed again, the parcel followed
# back into quarantine, and the label that cannot be bought refused.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

setup_ret() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'JSON'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":9,"key":"r1"}
JSON
	oms-import --channel oms >/dev/null <<'JSON'
{"type":"order","external_id":"1001","currency":"USD","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoë Müller","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"A","qty":2,"unit_price":"10.00"}]}
JSON
	oms-route --pending >alloc.jsonl
	oms-ship -q --carrier offline --labels labels alloc.jsonl >/dev/null
	oms-return -q request --reason defective o_1 1:1 >/dev/null
	mkdir -p rl
}

@test "a return label bought, printed again without a second purchase, then the parcel tracked in transit and into quarantine" {
	setup_ret
	run --separate-stderr oms-return label --account offline --format pdf --dir rl r_1
	assert_success
	assert_equal "$stderr" ""
	t=$(jq -r .tracking <<<"$output")
	assert_equal "$(jq -c '[.return, .carrier, .location, .paid_by, .reprint, .label_pdf]' <<<"$output")" \
	    "[\"r_1\",\"offline\",\"EWR1\",\"merchant\",false,\"rl/r_1-$t.pdf\"]"
	assert_equal "$(stat -c %a "rl/r_1-$t.pdf")" 600
	if command -v pdftotext >/dev/null; then
		pdftotext "rl/r_1-$t.pdf" - | grep -q RETURN
	fi
	assert_equal "$(oms-return show r_1 | jq -c '[.state, .carrier, .tracking]')" "[\"authorized\",\"offline\",\"$t\"]"
	# Asked again: refused without --reprint, the same label with it.
	run --separate-stderr oms-return label --account offline --format pdf --dir rl r_1
	assert_failure 1
	run --separate-stderr oms-return label --reprint --format pdf --dir rl r_1
	assert_success
	assert_equal "$(jq -c '[.tracking, .reprint]' <<<"$output")" "[\"$t\",true]"
	assert_equal "$(ls rl)" "r_1-$t.pdf"
	# The carrier's first scan, then the delivery: into quarantine.
	OMS_NOW=2026-11-27T12:00:00Z run --separate-stderr oms-return track
	assert_success
	assert_equal "$(jq -c '[.id, .state, .tracking_status.status]' <<<"$output")" '["r_1","in_transit","in_transit"]'
	OMS_NOW=2026-11-28T12:00:00Z run --separate-stderr oms-return track
	assert_success
	assert_output ""
	OMS_NOW=2026-12-03T12:00:00Z run --separate-stderr oms-return track
	assert_success
	assert_equal "$(jq -c '[.id, .state, .lines[0].received]' <<<"$output")" '["r_1","received",1]'
	# The parcel scanned at the dock as well: received once.
	run oms-return receive "$t"
	assert_success
	assert_equal "$(jq -c '[.id, .duplicate]' <<<"$output")" '["r_1",true]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sku, location, on_hand FROM levels ORDER BY 1, 2; SELECT count(*) FROM return_receipts")" "A|EWR1|7
A|EWR1/returns|1
1"
	OMS_NOW=2026-12-04T12:00:00Z run oms-return track
	assert_success
	assert_output ""
	run oms check
	assert_success
}

@test "no label for a return not authorised, nor through a planted symlink; a bad --format is a usage error" {
	setup_ret
	oms-return -q cancel r_1
	run --separate-stderr oms-return label --account offline --dir rl r_1
	assert_failure 1
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT coalesce(tracking, '-') FROM returns")" "-"
	run --separate-stderr oms-return label --format png r_1
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-return: --format is zpl or pdf"
	oms-return -q request --reason defective --key again o_1 1:1 >/dev/null
	run --separate-stderr oms-return label --account offline --dir rl r_2
	assert_success
	t=$(jq -r .tracking <<<"$output")
	[ -f "rl/r_2-$t.zpl" ] && [ ! -L "rl/r_2-$t.zpl" ]
	# A symlink planted where the reprint goes: refused, nothing written
	# through it.
	rm "rl/r_2-$t.zpl"
	ln -s "$BATS_TEST_TMPDIR/stolen" "rl/r_2-$t.zpl"
	run --separate-stderr oms-return label --reprint --dir rl r_2
	assert_failure
	[ ! -e "$BATS_TEST_TMPDIR/stolen" ]
	[ -L "rl/r_2-$t.zpl" ]
}

@test "a carrier that sends its own return label: written as sent, byte for byte, under the return's names; a broken one refused, nothing kept" {
	setup_ret
	mkdir -p bin sent
	ln -s "$TOP/t/fixtures/ship/oms-carrier-docs" bin/oms-carrier-docs
	export PATH="$PWD/bin:$PATH" DOCS_SENT="$PWD/sent"
	DOCS_FORMAT=zpl run --separate-stderr oms-return label --account docs --dir rl r_1
	assert_success
	assert_equal "$stderr" ""
	t=$(jq -r .tracking <<<"$output")
	assert_equal "$(jq -c '[.return, .carrier, .label_zpl, .label_pdf, [.documents[] | [.type, .format, .file]]]' <<<"$output")" \
	    "[\"r_1\",\"docs\",\"rl/r_1-$t.zpl\",null,[[\"label\",\"zpl\",\"rl/r_1-$t.zpl\"]]]"
	# The carrier's bytes, not a label drawn here.
	cmp "rl/r_1-$t.zpl" "sent/label-$t.zpl"
	assert_equal "$(stat -c %a "rl/r_1-$t.zpl")" 600
	assert_equal "$(ls rl)" "r_1-$t.zpl"
	assert_equal "$(oms-return show r_1 | jq -c '.tracking')" "\"$t\""
	# A reply whose label is not what it says it is: refused, nothing kept.
	oms-return -q request --reason not_as_described o_1 1:1 >/dev/null
	DOCS_ODD=mismatch run --separate-stderr oms-return label --account docs --dir rl r_2
	# As for any adapter that answers wrong (oms-return(1)): exit 3.
	assert_failure 3
	assert_equal "$stderr" "oms-return: r_2: carrier docs answered label with document 1 (label for package 1) whose data is not a PNG, from its signature and header to its end chunk"
	assert_equal "$(ls rl)" "r_1-$t.zpl"
	assert_equal "$(oms-return show r_2 | jq -c '.tracking')" null
	run oms check
	assert_success
}
