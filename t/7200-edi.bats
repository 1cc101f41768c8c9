#!/usr/bin/env bats
# oms-edi: a 3pl location fulfils through EDI X12.  Orders routed to it
# go out as 940s; a fake 3PL (t/edi/fake3pl.py, a reader of its own)
# answers with 945s, an 846 and a 997; what comes back is shipments with
# tracking, counts through the ledger, 940s accepted or rejected, and a
# 997 of ours for each file.  Then hostile files, one way each.

load helper

export OMS_NOW=2026-11-26T15:00:00Z
FAKE="$TOP/t/edi/fake3pl.py"

setup_edi() {
	command -v python3 >/dev/null || skip "no python3 (make deps installs it)"
	mkdir -p conf/edi
	cat > conf/edi/3PL1.json <<'EOF'
{"us": {"qualifier": "ZZ", "id": "MYSHOP"},
 "3pl": {"qualifier": "ZZ", "id": "ACME3PL"},
 "test": true,
 "services": {"standard": {"scac": "UPSN", "routing": "UPS GROUND"}}}
EOF
	export OMS_PATH="$BATS_TEST_TMPDIR/conf:$TOP/share/oms"
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"3PL1","name":"Acme Fulfilment","kind":"3pl","address":{"address1":"1 Depot Way","city":"Reno","region":"NV","postal_code":"89502","country":"US"},"tz":"America/Los_Angeles"}
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"}}
{"type":"product","sku":"A","title":"Tee black M","barcode":"012345678905","weight_g":200}
{"type":"product","sku":"B","title":"Mug","barcode":"4006381333931","weight_g":350}
{"type":"product","sku":"C","title":"Cap"}
{"type":"movement","kind":"receive","sku":"A","location":"3PL1","qty":10,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"3PL1","qty":5,"key":"r2"}
EOF
}

# order EXT NAME LINES: lines "line_id:sku:qty ..."
order() {
	local lines= l i s q
	for l in $3; do
		IFS=: read -r i s q <<<"$l"
		lines="$lines${lines:+,}{\"line_id\":\"$i\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\"}"
	done
	jq -nc --arg e "$1" --arg n "$2" --argjson l "[$lines]" '{type:"order",external_id:$e,currency:"USD",customer:{email:"zoe@example.com"},ship_to:{name:$n,address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US",phone:"555-0100"},lines:$l}' |
	    oms-import --channel oms >/dev/null
}

# Two orders routed to the 3pl and sent: out/940-3PL1-000000001.x12.
sent_two() {
	setup_edi
	order 1001 "Zoë Müller" "L1:A:2 L2:B:1"
	order 1002 "Ann*Lee~" "L1:A:1"
	oms-route --pending >/dev/null
	oms-edi send --location 3PL1 --dir out >/dev/null
}

# fake ARGS: the fake 3PL's answer in in/, its files' names printed.
fake() { python3 "$FAKE" in "$@" 2>/dev/null; }

# x12 CTL FID SET SEGMENT ...: an interchange from the 3pl to us, one
# set of the segments given, its envelope right.
x12() {
	local ctl=$1 fid=$2 sid=$3
	shift 3
	printf 'ISA*00*          *00*          *ZZ*ACME3PL        *ZZ*MYSHOP         *261128*0900*U*00401*%09d*0*T*>~\n' "$ctl"
	printf 'GS*%s*ACME3PL*MYSHOP*20261128*0900*%d*X*004010~\n' "$fid" "$ctl"
	printf 'ST*%s*0001~\n' "$sid"
	printf '%s~\n' "$@"
	printf 'SE*%d*0001~\nGE*1*%d~\nIEA*1*%09d~\n' $(($# + 2)) "$ctl" "$ctl"
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

# The ISA13, GS06 and ST02s of the X12 files named, a line each.
controls() {
	for f in "$@"; do
		tr -d '\n' < "$f" | tr '~' '\n' | awk -F'*' -v f="${f##*/}" '
			$1 == "ISA" { printf "%s ISA %s", f, $14 }
			$1 == "GS" { printf " GS %s", $7 }
			$1 == "ST" { printf " ST %s", $3 }
			END { print "" }'
	done
}

@test "the round trip: import, route to the 3pl, send, the 3pl answers, receive: shipped with tracking, counted, acknowledged" {
	skip_on_pg "ids after a rollback"
	sent_two
	# The 940s as a 3pl reads them: one interchange, a set each.
	run ls -A out
	assert_output "940-3PL1-000000001.x12"
	assert_equal "$(stat -c %a out/940-3PL1-000000001.x12)" 600
	assert_equal "$(stat -c %a out)" 700
	assert_equal "$(head -c 106 out/940-3PL1-000000001.x12 | wc -c)" 106
	assert_equal "$(cat out/940-3PL1-000000001.x12)" "$(cat <<'EOF'
ISA*00*          *00*          *ZZ*MYSHOP         *ZZ*ACME3PL        *261126*1500*U*00401*000000001*0*T*>~
GS*OW*MYSHOP*ACME3PL*20261126*1500*1*X*004010~
ST*940*0001~
W05*N*o_1*1001~
N1*ST*Zoe Muller~
N3*1 Main St~
N4*New York*NY*10001*US~
PER*IC*Zoe Muller*TE*555-0100~
G62*04*20261126~
W66*PP*U***UPS GROUND*****UPSN~
LX*1~
W01*2*EA*012345678905*SK*A~
G69*Tee black M~
N9*LI*1~
LX*2~
W01*1*EA**SK*B*EN*4006381333931~
G69*Mug~
N9*LI*2~
W76*3*1.65*LB~
SE*18*0001~
ST*940*0002~
W05*N*o_2*1002~
N1*ST*Ann Lee~
N3*1 Main St~
N4*New York*NY*10001*US~
PER*IC*Ann Lee*TE*555-0100~
G62*04*20261126~
W66*PP*U***UPS GROUND*****UPSN~
LX*1~
W01*1*EA*012345678905*SK*A~
G69*Tee black M~
N9*LI*1~
W76*1*0.44*LB~
SE*14*0002~
GE*2*1~
IEA*1*000000001~
EOF
)"
	# The fake 3pl ships, counts and acknowledges.
	run fake out/940-3PL1-000000001.x12 --count A=7 --count B=4
	assert_success
	assert_output "in/945-501.x12
in/997-502.x12
in/846-503.x12"
	# A dry run first: all of it said, none of it kept, no 997 written.
	sum=$(sqlite3 "$OMS_DB" .dump | cksum)
	run --separate-stderr oms-edi receive -n in/846-503.x12 in/997-502.x12 in/945-501.x12
	assert_success
	assert_equal "$(jq -r '.type' <<<"$output" | sort | uniq -c | awk '{ printf "%s %s,", $1, $2 }')" "4 edi,2 movement,2 shipment,"
	assert_equal "$(sqlite3 "$OMS_DB" .dump | cksum)" "$sum"
	assert_equal "$(ls out)" "940-3PL1-000000001.x12"
	run --separate-stderr oms-edi receive in/945-501.x12 in/997-502.x12 in/846-503.x12
	assert_success
	assert_equal "$stderr" ""
	got=$output
	run jq -c 'select(.type == "shipment") | [.id, .order, .location, .carrier, .carrier_code, .service, .status, .shipped_at, [.packages[].tracking], [.lines[] | [.line_id, .sku, .qty]], .edi.shipment]' <<<"$got"
	assert_output - <<'OUT'
["s_1","o_1","3PL1","edi","ups","UPS GROUND","in_transit","2026-11-27T18:30:00Z",["1Z999AA10100050013","1Z999AA10100050022"],[["L1","A",2],["L2","B",1]],"SH501000"]
["s_2","o_2","3PL1","edi","ups","UPS GROUND","in_transit","2026-11-27T18:30:00Z",["1Z999AA10100050031"],[["L1","A",1]],"SH501001"]
OUT
	run jq -c 'select(.type == "edi") | [.document, .order, .state, .acknowledges, .accepted]' <<<"$got"
	assert_output - <<'OUT'
["997",null,null,"000000501",2]
["940","o_1","accepted",null,null]
["940","o_2","accepted",null,null]
["997",null,null,"000000503",1]
OUT
	# Stock out through the ledger, then counted; the orders shipped.
	assert_equal "$(levels)" "A|3PL1|7|0
B|3PL1|4|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason, ref, key FROM movements WHERE id > 2 ORDER BY id")" "reserve|A|2||o_1|route:a1
reserve|B|1||o_1|route:a2
reserve|A|1||o_2|route:a3
release|A|-2||s_1|ship:release:s1:a1
adjust|A|-2|shipped|s_1|ship:s1:a1
release|B|-1||s_1|ship:release:s1:a2
adjust|B|-1|shipped|s_1|ship:s1:a2
release|A|-1||s_2|ship:release:s2:a3
adjust|A|-1|shipped|s_2|ship:s2:a3
count|A|0||846 000000503/3503|edi:846:ZZ:ACME3PL:000000503:503:3503:A
count|B|0||846 000000503/3503|edi:846:ZZ:ACME3PL:000000503:503:3503:B"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM orders")" "shipped,shipped"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
	# A 997 back for each 945 and 846 file, none for the 997.
	run ls -A out
	assert_output "940-3PL1-000000001.x12
997-3PL1-000000002.x12
997-3PL1-000000003.x12"
	assert_equal "$(cat out/997-3PL1-000000002.x12)" "$(cat <<'EOF'
ISA*00*          *00*          *ZZ*MYSHOP         *ZZ*ACME3PL        *261126*1500*U*00401*000000002*0*T*>~
GS*FA*MYSHOP*ACME3PL*20261126*1500*2*X*004010~
ST*997*0003~
AK1*SW*501~
AK2*945*6010~
AK5*A~
AK2*945*6011~
AK5*A~
AK9*A*2*2*2~
SE*8*0003~
GE*1*2~
IEA*1*000000002~
EOF
)"
	assert_equal "$(stat -c %a out/997-3PL1-000000002.x12)" 600
	run oms-edi list
	assert_output - <<'OUT'
{"type":"edi","document":"940","purpose":"ship","location":"3PL1","order":"o_1","depositor_order":"o_1","interchange":1,"group":1,"set":"0001","file":"out/940-3PL1-000000001.x12","state":"done","at":"2026-11-26T15:00:00Z","lines":[{"lx":1,"sku":"A","qty":2,"done":2},{"lx":2,"sku":"B","qty":1,"done":1}]}
{"type":"edi","document":"940","purpose":"ship","location":"3PL1","order":"o_2","depositor_order":"o_2","interchange":1,"group":1,"set":"0002","file":"out/940-3PL1-000000001.x12","state":"done","at":"2026-11-26T15:00:00Z","lines":[{"lx":1,"sku":"A","qty":1,"done":1}]}
OUT
	# The channel is told as of any shipment.
	run --separate-stderr oms-ship confirm --feed oms --format jsonl
	assert_success
	run jq -c '[.id, .tracking, .carrier_code]' <<<"$output"
	assert_output '["s_1","1Z999AA10100050013","ups"]
["s_2","1Z999AA10100050031","ups"]'
	# Nothing is left to send; oms-ship has nothing of the 3pl's to ship.
	run --separate-stderr oms-edi send --location 3PL1 --dir out
	assert_success
	assert_output ""
	run ls -A out
	assert_equal "${#lines[@]}" 3
}

@test "oms edi through the front door; oms-ship leaves what a 3pl is sent alone" {
	setup_edi
	order 1001 "Zoë Müller" "L1:A:2"
	oms-route --pending >/dev/null
	# oms-ship would buy a label; the 3pl ships it, sent by EDI.
	run --separate-stderr oms-ship --carrier offline --labels labels --pending
	assert_success
	assert_output ""
	echo '{"type":"allocation","order":"o_1"}' > one.jsonl
	run --separate-stderr oms-ship --carrier offline --labels labels one.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-ship: one.jsonl:1: order o_1 (oms 1001) is allocated at 3PL1, a 3pl location: the 3pl ships it, sent by EDI (oms-edi send --location 3PL1)"
	run --separate-stderr oms edi send --location 3PL1 --dir out
	assert_success
	assert_equal "$(jq -r .depositor_order <<<"$output")" o_1
	run oms help
	assert_line "  edi      a 3pl's orders, shipments and stock as EDI X12"
	run --separate-stderr oms help edi
	assert_success
	assert_output "$(oms-edi --help)"
}

@test "control numbers go up and are never used twice, across runs, sends and 997s alike" {
	sent_two
	fake out/940-3PL1-000000001.x12 --count A=7 >/dev/null
	oms-edi receive in/*.x12 >/dev/null
	order 1003 "Bo Chen" "L1:A:1"
	order 1004 "Di Ng" "L1:B:2"
	oms-route --pending >/dev/null
	oms-edi send --location 3PL1 --dir out >/dev/null
	rm in/*.x12
	fake out/940-3PL1-000000004.x12 >/dev/null
	oms-edi receive in/*.x12 >/dev/null
	# In the order they were written, by their names' numbers.
	run controls $(ls out/*.x12 | sort -t- -k3)
	assert_output "940-3PL1-000000001.x12 ISA 000000001 GS 1 ST 0001 ST 0002
997-3PL1-000000002.x12 ISA 000000002 GS 2 ST 0003
997-3PL1-000000003.x12 ISA 000000003 GS 3 ST 0004
940-3PL1-000000004.x12 ISA 000000004 GS 4 ST 0005 ST 0006
997-3PL1-000000005.x12 ISA 000000005 GS 5 ST 0007"
	# Every number once, from the database's counters.
	run sqlite3 "$OMS_DB" "SELECT kind, last FROM edi_control ORDER BY kind"
	assert_output "group|5
interchange|5
set|7"
	# A dry run takes none, and writes nothing.
	order 1005 "Ed Fox" "L1:A:1"
	oms-route --pending >/dev/null
	run --separate-stderr oms-edi send -n --location 3PL1 --dir out
	assert_success
	assert_equal "$(jq -c '[.depositor_order, .interchange, .set, .file]' <<<"$output")" '["o_5",6,"0008",null]'
	assert_equal "$(ls out | wc -l)" 5
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT sum(last) FROM edi_control")" 17
	run oms check
	assert_success
}

# cron TIME: the job every ten minutes: route, send, read what came.
cron() {
	local f
	export OMS_NOW=$1
	oms-route --pending >/dev/null
	oms-edi send --location 3PL1 --dir out >> sent.jsonl
	set -- in/*.x12
	[ -e "$1" ] || return 0
	oms-edi receive "$@" >> received.jsonl 2>> cron.err || echo "$OMS_NOW: exit $?" >> cron.err
}

# answer ARGS: the 3pl answers the 940 file written last.
answer() {
	FAKE3PL_DATE=20261126 FAKE3PL_TIME=$1 python3 "$FAKE" in "$(ls out/940-*.x12 | tail -n 1)" "${@:2}" >/dev/null 2>&1
}

@test "a day of cron runs: orders all day, sent each run, the 3pl answering as it goes; files read each run change nothing twice" {
	setup_edi
	order 1001 "Zoë Müller" "L1:A:2 L2:B:1"
	order 1002 "Ann Lee" "L1:A:1"
	cron 2026-11-26T14:00:00Z
	answer 0700
	cron 2026-11-26T15:10:00Z
	order 1003 "Bo Chen" "L1:A:3"
	order 1004 "Di Ng" "L1:B:2"
	cron 2026-11-26T16:00:00Z
	cron 2026-11-26T16:10:00Z
	# Short of one B, no backorder; then its count, made after.
	answer 0900 --short B=1 --status B=CP --count A=4 --count B=3
	cron 2026-11-26T17:10:00Z
	# The B given back is routed to the 3pl again, and sent as o_4-2.
	cron 2026-11-26T17:20:00Z
	# Its last count finds a B short: the ledger takes it.
	answer 1000 --count A=4 --count B=1
	cron 2026-11-26T18:10:00Z
	cron 2026-11-26T18:20:00Z
	run cat cron.err
	assert_output ""
	assert_equal "$(jq -r '[.depositor_order, .interchange, .set] | join(" ")' sent.jsonl)" "o_1 1 0001
o_2 1 0002
o_3 3 0004
o_4 3 0005
o_4-2 6 0008"
	assert_equal "$(jq -r 'select(.type == "shipment") | [.id, .order, ([.lines[] | "\(.sku)x\(.qty)"] | join(","))] | join(" ")' received.jsonl)" "s_1 o_1 Ax2,Bx1
s_2 o_2 Ax1
s_3 o_3 Ax3
s_4 o_4 Bx1
s_5 o_4 Bx1"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM (SELECT status FROM orders ORDER BY id)")" "shipped,shipped,shipped,shipped"
	# Each file read once though every run gave them all; a 997 for
	# each 945 and 846, none for the 997s.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT direction, count(*) FROM edi_interchanges GROUP BY direction")" "in|8
out|8"
	assert_equal "$(ls out | tr '\n' ' ')" "940-3PL1-000000001.x12 940-3PL1-000000003.x12 940-3PL1-000000006.x12 997-3PL1-000000002.x12 997-3PL1-000000004.x12 997-3PL1-000000005.x12 997-3PL1-000000007.x12 997-3PL1-000000008.x12 "
	run controls $(ls out/*.x12 | sort -t- -k3)
	assert_equal "$(cut -d' ' -f3 <<<"$output" | sort | uniq -d)" ""
	assert_equal "$(grep -o 'ST [0-9]*' <<<"$output" | sort | uniq -d)" ""
	# The ledger: shipped out, then the 3pl's counts.
	assert_equal "$(levels)" "A|3PL1|4|0
B|3PL1|1|0"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty FROM movements WHERE kind IN ('adjust', 'count') ORDER BY id")" "adjust|A|-2
adjust|B|-1
adjust|A|-1
adjust|A|-3
adjust|B|-1
count|A|0
count|B|0
adjust|B|-1
count|A|0
count|B|-1"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
	assert_equal "$(oms-edi list --open)" ""
}

@test "a short shipment: CP gives the rest back to routing, sent again as o_N-2; BP keeps it at the 3pl for the next 945" {
	sent_two
	fake out/940-3PL1-000000001.x12 --short A=1 --status A=CP >/dev/null
	run --separate-stderr oms-edi receive in/945-501.x12
	assert_success
	run jq -c 'select(.type == "shipment") | [.order, [.lines[] | [.sku, .qty]]]' <<<"$output"
	assert_output '["o_1",[["A",1],["B",1]]]'
	# o_2 shipped nothing of its one unit: routing decides again.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id || ':' || status FROM orders ORDER BY id")" "1:partly_shipped
2:open"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT action, after FROM events WHERE order_id = 2 AND action = 'unfilled'")" 'unfilled|{"status":"open","location":"3PL1","depositor_order":"o_2"}'
	assert_equal "$(levels)" "A|3PL1|9|0
B|3PL1|4|0"
	run oms check
	assert_success
	oms-route --pending >/dev/null
	run --separate-stderr oms-edi send --location 3PL1 --dir out
	assert_success
	assert_equal "$(jq -c '[.depositor_order, .purpose, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["o_1-2","ship",[["A",1]]]
["o_2-2","ship",[["A",1]]]'

	# BP: the rest is still coming; nothing is given back.
	fresh_db
	rm -rf in out
	sent_two
	fake out/940-3PL1-000000001.x12 --short A=1 --status A=BP >/dev/null
	oms-edi receive in/945-501.x12 >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id || ':' || status FROM orders ORDER BY id")" "1:partly_shipped
2:allocated"
	assert_equal "$(levels)" "A|3PL1|9|2
B|3PL1|4|0"
	run oms-edi list --open
	assert_equal "$(jq -c '[.depositor_order, .state, [.lines[] | [.sku, .qty, .done]]]' <<<"$output")" '["o_1","sent",[["A",2,1],["B",1,1]]]
["o_2","sent",[["A",1,0]]]'
	# Nothing to send: the 3pl has it.  Its next 945 ships the rest.
	run oms-edi send --location 3PL1 --dir out
	assert_output ""
	x12 601 SW 945 "W06*F*o_1*20261128*SH601" "W27*U*UPSN*UPS GROUND" \
	    "LX*1" "MAN*CP*ACME000601" "W12*CC*2*1*1*EA**SK*A" "N9*LI*1" \
	    "W03*1" > rest.x12
	run --separate-stderr oms-edi receive rest.x12
	assert_success
	assert_equal "$(jq -c 'select(.type == "shipment") | [.order, .tracking, .shipped_at, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["o_1","ACME000601","2026-11-28T20:00:00Z",[["A",1]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id || ':' || status FROM orders ORDER BY id")" "1:shipped
2:allocated"
	assert_equal "$(jq -c '[.depositor_order, .state]' <<<"$(oms-edi list)")" '["o_1","done"]
["o_2","sent"]'
	run oms check
	assert_success
}

@test "an order cancelled after its 940 went: a 940 with W05-01 F; the 3pl's 945 for it anyway is refused, nothing recorded" {
	sent_two
	oms-import cancel o_1 --reason "customer asked" >/dev/null
	run --separate-stderr oms-edi send --location 3PL1 --dir out
	assert_success
	assert_equal "$(jq -c '[.depositor_order, .purpose, .set, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["o_1","cancel","0003",[["A",2],["B",1]]]'
	run grep -c -e '^W05\*F\*o_1\*1001~$' -e '^W01\*2\*EA\*012345678905\*SK\*A~$' out/940-3PL1-000000002.x12
	assert_output 2
	# It was picked already: the 3pl ships it all the same.
	fake out/940-3PL1-000000001.x12 >/dev/null
	run --separate-stderr oms-edi receive in/945-501.x12
	assert_failure 1
	assert_equal "$stderr" "oms-edi: in/945-501.x12: segment 4 (W06): 945 for order o_1 (oms 1001): its 940 was cancelled (a 940 with W05-01 F went to 3PL1): the 3pl shipped what it was told not to; nothing is recorded: settle it with the 3pl (a return brings the goods back)"
	assert_equal "$(jq -c 'select(.type == "shipment") | .order' <<<"$output")" '"o_2"'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments WHERE order_id = 1")" 0
	assert_equal "$(levels)" "A|3PL1|9|0
B|3PL1|5|0"
	# Read again: refused again, nothing changes, no second 997.
	run --separate-stderr oms-edi receive in/945-501.x12
	assert_failure 1
	assert_output ""
	assert_equal "$(ls out | grep -c 997)" 1
	# A line taken off: the 940 is cancelled and the rest sent anew.
	order 1003 "Bo Chen" "L1:A:1 L2:B:1"
	oms-route --pending >/dev/null
	oms-edi send --location 3PL1 --dir out >/dev/null
	oms-import cancel o_3 --line 2 >/dev/null
	run --separate-stderr oms-edi send --location 3PL1 --dir out
	assert_success
	assert_equal "$(jq -c '[.depositor_order, .purpose, [.lines[] | [.sku, .qty]]]' <<<"$output")" '["o_3","cancel",[["A",1],["B",1]]]
["o_3-2","ship",[["A",1]]]'
	run oms check
	assert_success
}

@test "a 997 that rejects a 940: marked rejected, and sent again by the next send" {
	sent_two
	fake out/940-3PL1-000000001.x12 --reject --no-945 >/dev/null
	run --separate-stderr oms-edi receive in/997-501.x12
	assert_success
	assert_equal "$(jq -c '[.order, .state]' <<<"$output")" '["o_1","rejected"]
["o_2","rejected"]'
	# No 997 for a 997.
	assert_equal "$(ls out)" "940-3PL1-000000001.x12"
	run --separate-stderr oms-edi send --location 3PL1 --dir out
	assert_success
	assert_equal "$(jq -c '[.depositor_order, .purpose, .interchange]' <<<"$output")" '["o_1-2","ship",2]
["o_2-2","ship",2]'
	# Its acceptance, by an AK9 with no AK2.
	rm in/*.x12
	fake out/940-3PL1-000000002.x12 --no-945 >/dev/null
	sed -i '/^AK2/d; /^AK5/d; s/^SE\*8\*/SE*4*/' in/997-*.x12
	run --separate-stderr oms-edi receive in/997-*.x12
	assert_success
	assert_equal "$(jq -c '[.depositor_order, .state]' <<<"$output")" '["o_1-2","accepted"]
["o_2-2","accepted"]'
}

@test "hostile files: each refused naming the file, the segment and the order, nothing half applied" {
	sent_two
	fake out/940-3PL1-000000001.x12 >/dev/null
	f=in/945-501.x12
	want=$(sqlite3 "$OMS_DB" .dump | grep -v edi_)
	# bad FILE STATUS STDERR: FILE refused, the database's orders, stock
	# and shipments as they were.
	bad() {
		run --separate-stderr oms-edi receive "$1"
		[ "$status" -eq "$2" ] || fail "$1: exit $status: $stderr"
		assert_equal "$stderr" "$3"
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" 0
		assert_equal "$(levels)" "A|3PL1|10|3
B|3PL1|5|1"
	}
	head -c 80 "$f" > trunc.x12
	bad trunc.x12 1 "oms-edi: trunc.x12: segment 1 (ISA): 80 characters, not 106: the file is cut short"
	sed '$d' "$f" > noiea.x12
	bad noiea.x12 1 "oms-edi: noiea.x12: segment 30: no IEA: the file is cut short"
	sed 's/000000501/00000050X/' "$f" > ctl.x12
	bad ctl.x12 1 "oms-edi: ctl.x12: segment 1 (ISA): ISA13 '00000050X' is not a control number of 9 digits"
	sed 's/^IEA\*1\*000000501/IEA*1*000000502/' "$f" > iea.x12
	bad iea.x12 1 "oms-edi: iea.x12: segment 30 (IEA): IEA02 '000000502' is not the control number of its ISA, 000000501"
	sed 's/^GE\*2\*501/GE*2*502/' "$f" > ge.x12
	bad ge.x12 1 "oms-edi: ge.x12: segment 29 (GE): GE02 '502' is not the GS06 '501' of its group"
	sed 's/W06\*F\*o_2\*/W06*F*o_99*/; s/W06\*F\*o_1\*/W06*F*o_98*/; s/000000501/000000601/' "$f" > unknown.x12
	bad unknown.x12 1 "oms-edi: unknown.x12: segment 4 (W06): 945 for o_98: no 940 of that number was sent to 3PL1
oms-edi: unknown.x12: segment 19 (W06): 945 for o_99: no 940 of that number was sent to 3PL1"
	sed 's/W12\*CC\*2\*2\*0\*EA\*\*SK\*A/W12*CC*2*99999999999*0*EA**SK*A/; s/000000501/000000602/' "$f" | sed '16,$s/^W12\*CC\*1\*1\*0\*EA\*\*SK\*A/W12*CC*1*2*0*EA**SK*A/' > absurd.x12
	bad absurd.x12 1 "oms-edi: absurd.x12: segment 10 (W12): 945 for order o_1 (oms 1001): 99999999999 units shipped: a quantity is 0 to 1000000
oms-edi: absurd.x12: segment 25 (W12): 945 for order o_2 (oms 1002): 2 of SKU A shipped, more than the 1 allocated at 3PL1 and still to ship"
	sed 's/W12\*CC\*1\*1\*0\*EA\*\*SK\*B/W12*CC*1*1*0*EA**SK*C/; s/000000501/000000603/; s/W06\*F\*o_2\*/W06*F*o_97*/' "$f" > nomatch.x12
	bad nomatch.x12 1 "oms-edi: nomatch.x12: segment 14 (W12): 945 for order o_1 (oms 1001): SKU C is not a line of its 940
oms-edi: nomatch.x12: segment 19 (W06): 945 for o_97: no 940 of that number was sent to 3PL1"
	sed 's/W03\*3\*/W03*4*/; s/000000501/000000604/; s/W06\*F\*o_2\*/W06*F*o_97*/' "$f" > total.x12
	bad total.x12 1 "oms-edi: total.x12: segment 16 (W03): 945 for order o_1 (oms 1001): W03 says 4 units shipped, its W12 segments 3
oms-edi: total.x12: segment 19 (W06): 945 for o_97: no 940 of that number was sent to 3PL1"
	sed 's/MAN\*CP\*1Z999AA10100050013/MAN*CP*1Z999AA10100050014/; s/000000501/000000605/; s/W06\*F\*o_2\*/W06*F*o_97*/' "$f" > digit.x12
	bad digit.x12 1 "oms-edi: digit.x12: segment 4 (W06): 945 for order o_1 (oms 1001): order o_1 (oms 1001) at 3PL1: tracking number 1Z999AA10100050014 has a wrong check digit (a ups number)
oms-edi: digit.x12: segment 19 (W06): 945 for o_97: no 940 of that number was sent to 3PL1"
	# The sets refused are kept to be tried again; their 997s said the
	# files were read (each a 997, a set each), not that oms agreed.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM edi_sets WHERE state = 'refused'")" 10
	assert_equal "$(sqlite3 "$OMS_DB" .dump | grep -v edi_)" "$want"
	run oms check
	assert_success
}

@test "a wrong SE count rejects that set alone in our 997; the rest goes in; the same file twice changes nothing" {
	sent_two
	fake out/940-3PL1-000000001.x12 --count A=5 >/dev/null
	sed 's/^SE\*15\*6010/SE*14*6010/' in/945-501.x12 > se.x12
	run --separate-stderr oms-edi receive se.x12
	assert_failure 1
	assert_equal "$stderr" "oms-edi: se.x12: segment 3 (ST): 945 6010: SE01 says 14 segments, the set has 15; rejected in the 997"
	assert_equal "$(jq -c 'select(.type == "shipment") | .order' <<<"$output")" '"o_2"'
	run grep -e '^AK' out/997-3PL1-000000002.x12
	assert_output "AK1*SW*501~
AK2*945*6010~
AK5*R*4~
AK2*945*6011~
AK5*A~
AK9*P*2*2*1~"
	# Twice: nothing, no new 997, status 0.
	sum=$(sqlite3 "$OMS_DB" .dump | cksum)
	run --separate-stderr oms-edi -v receive se.x12 in/846-503.x12
	assert_success
	assert_output --partial '"kind":"count"'
	n=$(ls out | wc -l)
	sum=$(sqlite3 "$OMS_DB" .dump | cksum)
	run --separate-stderr oms-edi -v receive se.x12 in/846-503.x12
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-edi: se.x12: interchange 000000501 from ZZ:ACME3PL was read before: nothing changed
oms-edi: in/846-503.x12: interchange 000000503 from ZZ:ACME3PL was read before: nothing changed
oms-edi: 0 transaction sets applied, 0 refused, 2 read before; 0 997s written"
	assert_equal "$(sqlite3 "$OMS_DB" .dump | cksum)" "$sum"
	assert_equal "$(ls out | wc -l)" "$n"
	# The same control number with other content is refused whole.
	run --separate-stderr oms-edi receive in/945-501.x12
	assert_failure 1
	assert_equal "$stderr" "oms-edi: in/945-501.x12: segment 1 (ISA): interchange 000000501 from ZZ:ACME3PL was read before, from 'se.x12', with other content: a control number is never used twice; nothing read"
	# Sent again under a new control number: the set rejected goes in;
	# the other's 940 is done, and a shipment of another id is refused.
	sed 's/000000501/000000701/; s/SH501001/SH701001/' in/945-501.x12 > again.x12
	run --separate-stderr oms-edi receive again.x12
	assert_failure 1
	assert_equal "$stderr" "oms-edi: again.x12: segment 19 (W06): 945 for order o_2 (oms 1002): its 940 is done: all it asked for has shipped or been given up already"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM orders")" "shipped,shipped"
	run oms check
	assert_success
}

@test "a shipment id two orders share (a load, a bill of lading) is a shipment of each; the same advice for the same order again changes nothing" {
	sent_two
	x12 901 SW 945 "W06*F*o_1*20261128*SH900" "W27*U*UPSN*UPS GROUND" "LX*1" "MAN*CP*ACME000901" "W12*CC*2*2*0*EA**SK*A" "N9*LI*1" "LX*2" "W12*CC*1*1*0*EA**SK*B" "N9*LI*2" "W03*3" > a.x12
	x12 902 SW 945 "W06*F*o_2*20261128*SH900" "W27*U*UPSN*UPS GROUND" "LX*1" "MAN*CP*ACME000902" "W12*CC*1*1*0*EA**SK*A" "N9*LI*1" "W03*1" > b.x12
	run --separate-stderr oms-edi receive a.x12 b.x12
	assert_success
	assert_equal "$stderr" ""
	run jq -c '[.type, .document // .id, .order, .acknowledges, .accepted, .edi.depositor_order, .edi.shipment, [.lines[]? | [.line_id, .sku, .qty]]]' <<<"$output"
	assert_output - <<'OUT'
["edi","997",null,"000000901",1,null,null,[]]
["shipment","s_1","o_1",null,null,"o_1","SH900",[["L1","A",2],["L2","B",1]]]
["edi","997",null,"000000902",1,null,null,[]]
["shipment","s_2","o_2",null,null,"o_2","SH900",[["L1","A",1]]]
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT location, depositor_order, shipment, shipment_id FROM edi_shipments ORDER BY 2")" "3PL1|o_1|SH900|1
3PL1|o_2|SH900|2"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM orders")" "shipped,shipped"
	assert_equal "$(levels)" "A|3PL1|7|0
B|3PL1|4|0"
	# The same advice for o_1 again, under a new control number (and
	# the depositor order as the 3pl may spell it): nothing changed.
	sum=$(sqlite3 "$OMS_DB" "SELECT * FROM shipments; SELECT * FROM movements; SELECT * FROM edi_shipments" | cksum)
	sed 's/000000901/000000903/; s/\*901\*/*903*/; s/^GE\*1\*901/GE*1*903/; s/W06\*F\*o_1/W06*F*O_1/' a.x12 > c.x12
	run --separate-stderr oms-edi -v receive c.x12
	assert_success
	assert_output '{"type":"edi","document":"997","location":"3PL1","interchange":4,"file":"out/997-3PL1-000000004.x12","acknowledges":"000000903","sets":1,"accepted":1}'
	assert_equal "$stderr" "oms-edi: c.x12: segment 4 (W06): 945 for order o_1 (oms 1001): shipment SH900 is recorded already as s_1; nothing changed
oms-edi: 1 transaction set applied, 0 refused, 1 read before; 1 997 written"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT * FROM shipments; SELECT * FROM movements; SELECT * FROM edi_shipments" | cksum)" "$sum"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "a set control number used twice in a group: that set rejected in our 997 (AK5 R 23), named on stderr; the good set goes in, and the next file is read" {
	sent_two
	fake out/940-3PL1-000000001.x12 --count A=7 --count B=4 >/dev/null
	sed 's/^ST\*945\*6011~/ST*945*6010~/; s/^SE\*11\*6011~/SE*11*6010~/' in/945-501.x12 > dup.x12
	run --separate-stderr oms-edi receive dup.x12 in/846-503.x12
	assert_failure 1
	assert_equal "$stderr" "oms-edi: dup.x12: segment 18 (ST): 945 6010: control number 6010 is used twice in the group; rejected in the 997"
	run jq -c '[.type, .kind // .document // .id, .order // .sku, .acknowledges, .accepted, .qty]' <<<"$output"
	assert_output - <<'OUT'
["edi","997",null,"000000501",1,null]
["shipment","s_1","o_1",null,null,null]
["edi","997",null,"000000503",1,null]
["movement","count","A",null,null,7]
["movement","count","B",null,null,4]
OUT
	assert_equal "$(grep -e '^AK' out/997-3PL1-000000002.x12)" "AK1*SW*501~
AK2*945*6010~
AK5*A~
AK2*945*6010~
AK5*R*23~
AK9*P*2*2*1~"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT s.set_id, s.control, s.state FROM edi_sets s JOIN edi_interchanges i ON i.id = s.interchange_id WHERE i.direction = 'in' ORDER BY s.id")" "945|6010|applied
846|3503|applied"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM (SELECT status FROM orders ORDER BY id)")" "shipped,allocated"
	assert_equal "$(levels)" "A|3PL1|7|1
B|3PL1|4|0"
	# Read again: nothing, no new 997, status 0.
	sum=$(sqlite3 "$OMS_DB" .dump | cksum)
	run --separate-stderr oms-edi receive dup.x12
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" .dump | cksum)" "$sum"
	assert_equal "$(ls out)" "940-3PL1-000000001.x12
997-3PL1-000000002.x12
997-3PL1-000000003.x12"
	# The set sent again under its own numbers goes in.
	sed 's/000000501/000000701/; s/\*501\*/*701*/; s/^GE\*2\*501/GE*2*701/' in/945-501.x12 > again.x12
	run --separate-stderr oms-edi -v receive again.x12
	assert_success
	assert_equal "$stderr" "oms-edi: again.x12: segment 4 (W06): 945 for order o_1 (oms 1001): shipment SH501000 is recorded already as s_1; nothing changed
oms-edi: 2 transaction sets applied, 0 refused, 1 read before; 1 997 written"
	run jq -c '[.type, .document // .id, .order, .acknowledges, .accepted, .edi.shipment, .edi.set]' <<<"$output"
	assert_output - <<'OUT'
["edi","997",null,"000000701",2,null,null]
["shipment","s_2","o_2",null,null,"SH501001","6011"]
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(status) FROM (SELECT status FROM orders ORDER BY id)")" "shipped,shipped"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "an 846 below what waits to ship, or of a product we do not know, is refused whole" {
	sent_two
	fake out/940-3PL1-000000001.x12 --no-945 --no-997 --count A=1 --count B=5 >/dev/null
	run --separate-stderr oms-edi receive in/846-501.x12
	assert_failure 1
	assert_equal "$stderr" "oms-edi: in/846-501.x12: segment 5 (LIN): 846: SKU A counted 1: A at 3PL1: on hand would be 1, below the 3 reserved: the 3pl's count is below what waits for it to ship; read its 945s first"
	assert_equal "$(levels)" "A|3PL1|10|3
B|3PL1|5|1"
	rm in/*.x12
	fake out/940-3PL1-000000001.x12 --no-945 --no-997 --count B=2 --count Z=4 >/dev/null
	run --separate-stderr oms-edi receive in/846-*.x12
	assert_failure 1
	assert_equal "$stderr" "oms-edi: in/846-502.x12: segment 7 (LIN): 846: SK Z names no product of ours: add it to the catalog, or ask the 3pl to leave it out"
	assert_equal "$(levels)" "A|3PL1|10|3
B|3PL1|5|1"
	# A QTY that is no number is its syntax: rejected in the 997.
	sed 's/^QTY\*17\*2\*EA/QTY*17*2.5*EA/; s/000000502/000000503/' in/846-502.x12 > frac.x12
	run --separate-stderr oms-edi receive frac.x12
	assert_failure 1
	assert_equal "$stderr" "oms-edi: frac.x12: segment 6 (QTY): 846 3502: QTY02 '2.5' is not a whole number of units; rejected in the 997"
	run grep -e '^AK' out/997-3PL1-000000004.x12
	assert_output "AK1*IB*502~
AK2*846*3502~
AK3*QTY*4**8~
AK4*2**6*2.5~
AK5*R*5~
AK9*R*1*1*0~"
}

@test "a symbolic link planted in DIR is neither followed nor replaced; a run that died before naming its file is finished by the next" {
	sent_two
	order 1003 "Bo Chen" "L1:A:1"
	oms-route --pending >/dev/null
	echo secret > victim
	ln -s ../victim out/940-3PL1-000000002.x12
	run --separate-stderr oms-edi send --location 3PL1 --dir out
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-edi: cannot write 'out/940-3PL1-000000002.x12': a symbolic link is there already; nothing is written over it, nor through it"
	assert_equal "$(cat victim)" secret
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM edi_orders")" 2
	assert_equal "$(ls -A out)" "940-3PL1-000000001.x12
940-3PL1-000000002.x12"
	rm out/940-3PL1-000000002.x12
	# A part planted under the next name is no run's: it goes.
	ln -s ../victim out/.940-3PL1-000000002.x12.part
	run --separate-stderr oms-edi send --location 3PL1 --dir out
	assert_success
	assert_equal "$(cat victim)" secret
	assert_equal "$(ls -A out)" "940-3PL1-000000001.x12
940-3PL1-000000002.x12"
	[ ! -L out/940-3PL1-000000002.x12 ]
	# A run that committed and died before the link: the next names it.
	mv out/940-3PL1-000000002.x12 out/.940-3PL1-000000002.x12.part
	order 1004 "Di Ng" "L1:B:1"
	oms-route --pending >/dev/null
	run --separate-stderr oms-edi send --location 3PL1 --dir out
	assert_success
	assert_equal "$(ls -A out)" "940-3PL1-000000001.x12
940-3PL1-000000002.x12
940-3PL1-000000003.x12"
	run grep -c '^W05\*N\*o_3\*' out/940-3PL1-000000002.x12
	assert_output 1
}

@test "the command line: usage, unknown or not-3pl locations, no account, other separators on read" {
	setup_edi
	run --separate-stderr oms-edi send --dir out
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "oms-edi: send needs --location, the 3pl location"
	run --separate-stderr oms-edi send --location EWR1 --dir out
	assert_failure 2
	assert_equal "$stderr" "oms-edi: location EWR1 is a warehouse, not a 3pl: only a 3pl is sent its orders by EDI"
	run --separate-stderr oms-edi send --location NOPE --dir out
	assert_failure 2
	assert_equal "$stderr" "oms-edi: no location NOPE (a location record adds it: oms-stock)"
	run --separate-stderr oms-edi send --location '../x' --dir out
	assert_failure 2
	run --separate-stderr oms-edi send --location 3PL1
	assert_failure 2
	assert_equal "$stderr" "oms-edi: no directory for the 940s of 3PL1: --dir DIR, or \"dir\" in $BATS_TEST_TMPDIR/conf/edi/3PL1.json"
	echo '{"type":"location","id":"3PL2","kind":"3pl"}' | oms-stock >/dev/null
	run --separate-stderr oms-edi send --location 3PL2 --dir out
	assert_failure 3
	assert_equal "$stderr" "oms-edi: no EDI account for location 3PL2 (edi/3PL2.json on the search path: its ids and ours)"
	echo '{"us": {"qualifier": "ZZ", "id": "A*B"}, "3pl": {"qualifier": "ZZ", "id": "X"}}' > conf/edi/3PL2.json
	run --separate-stderr oms-edi send --location 3PL2 --dir out
	assert_failure 3
	assert_equal "$stderr" "oms-edi: EDI account '$BATS_TEST_TMPDIR/conf/edi/3PL2.json': us.id must be 1 to 15 letters, digits, spaces, '.', '-' or '_'"
	run --separate-stderr oms-edi receive < /dev/null
	assert_failure 1
	assert_equal "$stderr" "oms-edi: <stdin>: segment 1: not an X12 interchange: it does not begin with ISA"
	run --separate-stderr oms-edi list --help
	assert_success
	assert_line --index 0 "usage: oms-edi list [--db PATH] [--location LOC] [--open]"
	# A 3pl writing | ^ and newlines: read as its ISA says.
	order 1001 "Zoë Müller" "L1:A:2 L2:B:1"
	oms-route --pending >/dev/null
	oms-edi send --location 3PL1 --dir out >/dev/null
	fake out/940-3PL1-000000001.x12 --no-997 >/dev/null
	tr '*~' '|\n' < in/945-501.x12 | sed 's/|>$/|^/' | grep -v '^$' > pipes.x12
	run --separate-stderr oms-edi receive pipes.x12
	assert_success
	assert_equal "$(jq -c 'select(.type == "shipment") | [.order, .tracking]' <<<"$output")" '["o_1","1Z999AA10100050013"]'
	run oms check
	assert_success
}

@test "the completions of oms-edi: its verbs, each verb's options as its --help lists them, the 3pl locations" {
	setup_edi
	comp() {	# the bash completion of the words "$@", the last being completed
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_oms_edi oms-edi "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/oms-edi" "$@"
	}
	run comp oms-edi ""
	assert_output "send
receive
list"
	for v in send receive list; do
		want=$(oms-edi "$v" --help | sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\).*/\2/p' | sort)
		got=$(comp oms-edi "$v" -- | grep -e '^--' | sort)
		assert_equal "$got" "$want"
	done
	# The locations come from a SQLite file, read with sqlite3.
	if ! on_pg; then
		run comp oms-edi send --location ""
		assert_output "3PL1"
	fi
	zsh -n "$TOP/completions/zsh/_oms-edi"
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -c "source $TOP/completions/fish/oms-edi.fish; complete -C 'oms-edi rec'"
	assert_output "receive	Read 945, 846 and 997 files"
	run fish -c "source $TOP/completions/fish/oms-edi.fish; complete -C 'oms-edi list --'"
	assert_output "--db	The database
--help	Print the help
--location	The 3pl location
--open	Only those still to be answered"
}
