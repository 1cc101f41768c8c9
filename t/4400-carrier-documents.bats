#!/usr/bin/env bats
# Carriers as they really answer (issue 16): a label reply carries the
# carrier's own documents, a label for each package (PDF, ZPL or PNG) and
# for a parcel abroad a commercial invoice and a customs form; oms-ship
# decodes them strictly and writes each as it came, under names of its
# own.  An international parcel declares its goods from the catalog (HS
# code, country of origin, value, description, weight); one whose goods
# lack a code is refused before the carrier is asked.
#
# The adapter is t/fixtures/ship/oms-carrier-docs, found on PATH as the
# other test adapters are: the offline adapter's tracking numbers, its own
# documents, each also kept in $DOCS_SENT to be compared with cmp, each
# request logged in $DOCS_LOG, and DOCS_ODD for the replies gone wrong.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z	# a Thursday: 10:00 in Newark

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	OMS_DB=$(test_db) || return 1
	export OMS_DB HOME="$BATS_TEST_TMPDIR/home"
	export PATH="$FIX/ship:$PATH" DOCS_LOG="$BATS_TEST_TMPDIR/requests.jsonl"
	export DOCS_SENT="$BATS_TEST_TMPDIR/sent"
	mkdir -p "$HOME"
	oms -q init || return 1
	oms-route -q geo load "$R/geo.txt"
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"product","sku":"TEE","title":"Organic cotton tee","weight_g":180,"dims_mm":[250,200,20],"hs_code":"610910","origin_country":"PT"}
{"type":"product","sku":"MUG","title":"Stoneware mug","weight_g":350,"dims_mm":[120,90,90],"hs_code":"6912000000","origin_country":"US"}
{"type":"product","sku":"PLATE","title":"Cast iron plate","weight_g":10000,"dims_mm":[300,300,50],"hs_code":"732393","origin_country":"DE"}
{"type":"product","sku":"CARD","title":"Gift card","weight_g":5}
{"type":"movement","kind":"receive","sku":"TEE","location":"EWR1","qty":20,"key":"r1"}
{"type":"movement","kind":"receive","sku":"MUG","location":"EWR1","qty":20,"key":"r2"}
{"type":"movement","kind":"receive","sku":"PLATE","location":"EWR1","qty":20,"key":"r3"}
{"type":"movement","kind":"receive","sku":"CARD","location":"EWR1","qty":20,"key":"r4"}
EOF
}

# order EXT COUNTRY LINES: lines "line_id:sku:qty:price ..."; to London
# for GB, else to New York.
order() {
	local lines= l i s q p to
	for l in $3; do
		IFS=: read -r i s q p <<<"$l"
		lines="$lines${lines:+,}{\"line_id\":\"$i\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"$p\"}"
	done
	if [ "$2" = GB ]; then
		to='{name:"Ann Smith",address1:"10 Downing St",city:"London",postal_code:"SW1A 2AA",country:"GB"}'
	else
		to='{name:"Zoe Miller",address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"}'
	fi
	jq -nc --arg e "$1" --argjson l "[$lines]" "{type:\"order\",external_id:\$e,currency:\"USD\",customer:{email:\"ann@example.com\"},ship_to:$to,lines:\$l}" |
	    oms-import --channel oms >/dev/null
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, on_hand, reserved FROM levels ORDER BY 1"
}

shipments() {
	sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments"
}

@test "a carrier's labels, PDF, ZPL and PNG, are written as it sent them, byte for byte, mode 0600, named by tracking number" {
	for f in pdf zpl png; do
		o=$((${o:-1000} + 1))
		order $o US "L1:TEE:1:12.50"
		oms-route --pending >/dev/null
		run --separate-stderr env DOCS_FORMAT=$f oms-ship --carrier docs --labels labels --pending
		assert_success
		assert_equal "$stderr" ""
		t=$(jq -r .tracking <<<"$output")
		assert_equal "$(jq -c '[.packages[] | del(.box, .length_mm, .width_mm, .height_mm, .dim_weight_g, .weight_g)], .documents' <<<"$output")" \
"[{\"tracking\":\"$t\",\"label_$f\":\"labels/$t.$f\"}]
[{\"type\":\"label\",\"package\":1,\"format\":\"$f\",\"bytes\":$(stat -c %s "sent/label-$t.$f"),\"file\":\"labels/$t.$f\"}]"
		cmp "sent/label-$t.$f" "labels/$t.$f"
		assert_equal "$(stat -c %a "labels/$t.$f")" 600
	done
	# The carrier's own: nothing oms drew, no invoice for a parcel at home.
	assert_equal "$(ls labels | sed 's/^[0-9A-Z]*\./T./' | sort)" "T.pdf
T.png
T.zpl"
	assert_equal "$(head -c 5 labels/*.pdf)" "%PDF-"
	pdftotext labels/*.pdf - | grep -qx "DOCS CARRIER"
	assert_equal "$(head -c 8 labels/*.png | od -An -tx1 | tr -d ' ')" "89504e470d0a1a0a"
	assert_equal "$(head -1 labels/*.zpl)" "^XA"
	# Domestic parcels: no customs block in any request.
	assert_equal "$(jq -c 'select(.request.customs)' requests.jsonl)" ""
	assert_equal "$(jq -r .verb requests.jsonl | sort | uniq -c | tr -s ' ')" " 3 label
 3 rate"
	assert_equal "$(shipments)" 3
	run oms check
	assert_success
}

@test "a label for each package, each in its own format, named by its package's tracking number" {
	order 1001 US "L1:PLATE:4:30.00"
	oms-route --pending >/dev/null
	run --separate-stderr env DOCS_FORMAT=zpl,png oms-ship --carrier docs --labels labels --pending
	assert_success
	read -r t1 t2 <<<"$(jq -r '[.packages[].tracking] | join(" ")' <<<"$output")"
	[ -n "$t2" ] && [ "$t1" != "$t2" ]
	assert_equal "$(jq -c '[.packages[] | [.box, .tracking, .label_zpl, .label_png]], [.documents[] | [.package, .format, .file]]' <<<"$output")" \
"[[\"XL\",\"$t1\",\"labels/$t1.zpl\",null],[\"XL\",\"$t2\",null,\"labels/$t2.png\"]]
[[1,\"zpl\",\"labels/$t1.zpl\"],[2,\"png\",\"labels/$t2.png\"]]"
	cmp "sent/label-$t1.zpl" "labels/$t1.zpl"
	cmp "sent/label-$t2.png" "labels/$t2.png"
	assert_equal "$(ls labels)" "$(printf '%s\n' "$t1.zpl" "$t2.png" | sort)"
	# oms-report order names the files too.
	run oms-report order o_1
	assert_equal "$(jq -c 'select(.type == "shipment") | .documents' <<<"$output")" \
"[{\"type\":\"label\",\"package\":1,\"format\":\"zpl\",\"bytes\":$(stat -c %s "labels/$t1.zpl"),\"file\":\"labels/$t1.zpl\"},{\"type\":\"label\",\"package\":2,\"format\":\"png\",\"bytes\":$(stat -c %s "labels/$t2.png"),\"file\":\"labels/$t2.png\"}]"
}

# Is zpl-renderer-js there, and can this node run it?  (As t/4100.)
zpl_renderer() {
	command -v node >/dev/null && command -v npm >/dev/null || return 1
	NODE_PATH=$(npm root -g 2>/dev/null)
	export NODE_PATH
	node -e 'require("zpl-renderer-js").ready.then(({ api }) =>
	    api.zplToBase64Async("^XA^FO10,10^A0N,20,20^FDok^FS^XZ", 101.6,
	    152.4, 8)).then(() =>
	    process.exit(0), () => process.exit(1))' >/dev/null 2>&1
}

@test "the carrier's ZPL label, as written, renders and its barcode reads back as the tracking number" {
	zpl_renderer || skip "no ZPL renderer this node can run: npm install -g zpl-renderer-js@3.4.0"
	order 1001 US "L1:TEE:1:12.50"
	oms-route --pending >/dev/null
	DOCS_FORMAT=zpl oms-ship --carrier docs --labels labels --pending > ship.jsonl
	t=$(jq -r .tracking ship.jsonl)
	cat > render.cjs <<'JS'
const fs = require("fs");
const { ready } = require("zpl-renderer-js");
(async () => {
	const { api } = await ready;
	const png = await api.zplToBase64Async(
	    fs.readFileSync(process.argv[2], "utf8"), 101.6, 152.4, 8);
	fs.writeFileSync(process.argv[3], Buffer.from(png, "base64"));
})().catch((e) => { console.error(e); process.exit(1); });
JS
	run node render.cjs "labels/$t.zpl" label.png
	assert_success
	run --separate-stderr zbarimg --raw -q label.png
	assert_success
	assert_output "$t"
}

@test "an international order, from import through route to ship: the customs block both requests carried, hand-checked; the invoice and customs form written" {
	order 2001 GB "L1:TEE:2:12.50 L2:MUG:1:18.00"
	run --separate-stderr oms-route --pending
	assert_success
	run --separate-stderr oms-ship --carrier docs --labels labels --pending
	assert_success
	assert_equal "$stderr" ""
	t=$(jq -r .tracking <<<"$output")
	assert_equal "$(jq -c '[.service, .cost, [.documents[] | [.type, .package, .format, .file]]]' <<<"$output")" \
"[\"ups-worldwide-saver\",\"61.40\",[[\"label\",1,\"pdf\",\"labels/$t.pdf\"],[\"commercial_invoice\",null,\"pdf\",\"labels/$t-commercial_invoice.pdf\"],[\"customs_form\",null,\"pdf\",\"labels/$t-customs_form.pdf\"]]]"
	# 2 tees at 12.50 are 25.00 and 360 g; a mug 18.00 and 350 g; 43.00.
	customs='{"contents_type":"merchandise","currency":"USD","value":"43.00","items":[{"line_no":1,"sku":"TEE","description":"Organic cotton tee","hs_code":"610910","origin_country":"PT","qty":2,"unit_value":"12.50","value":"25.00","currency":"USD","weight_g":360},{"line_no":2,"sku":"MUG","description":"Stoneware mug","hs_code":"6912000000","origin_country":"US","qty":1,"unit_value":"18.00","value":"18.00","currency":"USD","weight_g":350}]}'
	assert_equal "$(jq -c '[.verb, .request.customs]' requests.jsonl)" "[\"rate\",$customs]
[\"label\",$customs]"
	for f in "$t.pdf:label-$t.pdf" "$t-commercial_invoice.pdf:commercial_invoice-$t.pdf" "$t-customs_form.pdf:customs_form-$t.pdf"; do
		cmp "sent/${f#*:}" "labels/${f%%:*}"
		assert_equal "$(stat -c %a "labels/${f%%:*}")" 600
	done
	assert_equal "$(pdftotext "labels/$t-commercial_invoice.pdf" - | grep -v '^$' | tr -d '\f')" "COMMERCIAL INVOICE
ORDER o_1
CURRENCY USD
TEE 610910 PT 2 x 12.50 = 25.00 360 g
MUG 6912000000 US 1 x 18.00 = 18.00 350 g
TOTAL 43.00"
	assert_equal "$(ls labels | wc -l)" 3
	# The stock out through the ledger, as for any parcel.
	assert_equal "$(levels)" "CARD|20|0
MUG|19|0
PLATE|20|0
TEE|18|0"
	run oms check
	assert_success
}

@test "a domestic order's requests carry no customs block; a kit abroad is declared as the set it is sold as" {
	order 1001 US "L1:TEE:2:12.50"
	oms-route --pending >/dev/null
	oms-ship --carrier docs --labels labels --pending >/dev/null
	assert_equal "$(jq -c '[.verb, (.request | has("customs"))]' requests.jsonl)" '["rate",false]
["label",false]'
	assert_equal "$(ls labels | wc -l)" 1
	# A kit of a tee and two mugs, sold at 40.00, under its own code.
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"GIFTSET","title":"Breakfast gift set","hs_code":"691200","origin_country":"US"}
{"type":"kit","sku":"GIFTSET","components":[{"sku":"TEE","qty":1},{"sku":"MUG","qty":2}]}
EOF
	rm requests.jsonl
	order 2002 GB "L1:GIFTSET:2:40.00"
	oms-route --pending >/dev/null
	run --separate-stderr oms-ship --carrier docs --labels labels --pending
	assert_success
	# 2 sets: 2 tees (360 g) and 4 mugs (1400 g), 80.00.
	assert_equal "$(jq -c 'select(.verb == "label") | .request.customs' requests.jsonl)" \
'{"contents_type":"merchandise","currency":"USD","value":"80.00","items":[{"line_no":1,"sku":"GIFTSET","description":"Breakfast gift set","hs_code":"691200","origin_country":"US","qty":2,"unit_value":"40.00","value":"80.00","currency":"USD","weight_g":1760,"kit":true}]}'
}

@test "goods without an HS code or a country of origin on a parcel abroad: refused before the carrier is asked, named, nothing moved; shipped once the catalog has them" {
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"SOCK","title":"Wool socks","weight_g":80}
{"type":"product","sku":"HAT","title":"Beanie","weight_g":90,"hs_code":"650500"}
{"type":"movement","kind":"receive","sku":"SOCK","location":"EWR1","qty":5,"key":"r5"}
{"type":"movement","kind":"receive","sku":"HAT","location":"EWR1","qty":5,"key":"r6"}
EOF
	order 2001 GB "L1:TEE:1:12.50 L2:SOCK:2:9.00 L3:HAT:1:15.00"
	oms-route --pending > alloc.jsonl
	before=$(levels)
	run --separate-stderr oms-ship --carrier docs --labels labels alloc.jsonl
	assert_failure 1
	assert_output ""
	msg="order o_1 (oms 2001) at EWR1: customs for a parcel to GB: SKU SOCK has no hs_code and no origin_country; SKU HAT has no origin_country: carriers refuse an international parcel without them; add them to the product in the catalog (oms-stock) and ship again"
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: $msg"
	# The carrier was never asked; nothing stored, nothing moved.
	[ ! -e requests.jsonl ]
	[ ! -e labels ] || assert_equal "$(ls -A labels)" ""
	assert_equal "$(shipments)" 0
	assert_equal "$(levels)" "$before"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, refusal ->> '\$.reason' FROM orders")" "allocated|$msg"
	# Domestic, the same goods need nothing of the sort.
	order 1002 US "L1:SOCK:1:9.00"
	oms-route --pending > alloc2.jsonl
	run --separate-stderr oms-ship --carrier docs --labels labels alloc2.jsonl
	assert_success
	assert_equal "$(jq -r .order <<<"$output")" o_2
	# The catalog mended, the order ships on the next run.
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"SOCK","title":"Wool socks","weight_g":80,"hs_code":"611595","origin_country":"GB"}
{"type":"product","sku":"HAT","title":"Beanie","weight_g":90,"hs_code":"650500","origin_country":"CN"}
EOF
	run --separate-stderr oms-ship --carrier docs --labels labels --pending
	assert_success
	assert_equal "$(jq -r .order <<<"$output")" o_1
	assert_equal "$(jq -c 'select(.verb == "label" and .request.customs) | [.request.customs.value, [.request.customs.items[] | [.sku, .hs_code, .origin_country, .qty, .value]]]' requests.jsonl)" \
'["45.50",[["TEE","610910","PT",1,"12.50"],["SOCK","611595","GB",2,"18.00"],["HAT","650500","CN",1,"15.00"]]]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE refusal IS NOT NULL")" 0
}

@test "the catalog keeps hs_code and origin_country, from JSON and CSV, and refuses what is not an HS code or an ISO 3166 country" {
	run --separate-stderr oms-stock <<'EOF'
{"type":"product","sku":"P1","hs_code":"0901110000","origin_country":"CO"}
{"type":"product","sku":"P2","hs_code":"6109.10","origin_country":"PT"}
{"type":"product","sku":"P3","hs_code":610910}
{"type":"product","sku":"P4","hs_code":"61091"}
{"type":"product","sku":"P5","hs_code":"61091000001"}
{"type":"product","sku":"P6","origin_country":"pt"}
{"type":"product","sku":"P7","origin_country":"XX"}
{"type":"product","sku":"P8","origin_country":"PRT"}
EOF
	assert_failure 1
	assert_equal "$(jq -c '[.sku, .hs_code, .origin_country]' <<<"$output")" '["P1","0901110000","CO"]'
	assert_equal "$stderr" "oms-stock: -:2: hs_code '6109.10' is not 6 to 10 digits, such as \"610910\" (no dots or spaces)
oms-stock: -:3: hs_code must be a string of 6 to 10 digits, such as \"610910\"
oms-stock: -:4: hs_code '61091' is not 6 to 10 digits, such as \"610910\" (no dots or spaces)
oms-stock: -:5: hs_code '61091000001' is not 6 to 10 digits, such as \"610910\" (no dots or spaces)
oms-stock: -:6: origin_country 'pt' is not an ISO 3166 country code, such as \"PT\"
oms-stock: -:7: origin_country 'XX' is not an ISO 3166 country code, such as \"PT\"
oms-stock: -:8: origin_country 'PRT' is not an ISO 3166 country code, such as \"PT\""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT record ->> '\$.hs_code', record ->> '\$.origin_country' FROM products WHERE sku = 'P1'")" "0901110000|CO"
	# CSV in, with its leading zero kept; exported back the same.
	printf 'sku,title,hs_code,origin_country\r\nBEAN,Coffee beans,090121,ET\r\nBAD,Bad,9999,ET\r\n' > cat.csv
	run --separate-stderr oms-stock import-catalog cat.csv
	assert_failure 1
	[[ $stderr == *"cat.csv:3: hs_code '9999' is not 6 to 10 digits"* ]]
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT record ->> '\$.hs_code', record ->> '\$.origin_country' FROM products WHERE sku = 'BEAN'")" "090121|ET"
	run oms-stock export-catalog --type product
	assert_success
	assert_equal "$(grep -c '^BEAN,Coffee beans,.*,090121,ET' <<<"$output")" 1
}

@test "the offline carrier accepts a customs block and ignores it: the same quotes and the same label" {
	req='{"request_id":"q1","level":"standard","from":{"country":"US"},"to":{"country":"US"},"distance_km":400,"packages":[{"weight_g":2000}]'
	customs='"customs":{"contents_type":"merchandise","currency":"USD","value":"25.00","items":[{"line_no":1,"sku":"TEE","description":"Tee","hs_code":"610910","origin_country":"PT","qty":2,"unit_value":"12.50","value":"25.00","currency":"USD","weight_g":360}]}'
	a=$(echo "$req}" | oms-carrier-offline rate)
	b=$(echo "$req,$customs}" | oms-carrier-offline rate)
	assert_equal "$b" "$a"
	[ "$(jq '.rates | length' <<<"$a")" -gt 0 ]
	a=$(echo "$req,\"service\":\"ups-ground\"}" | oms-carrier-offline label)
	b=$(echo "$req,\"service\":\"ups-ground\",$customs}" | oms-carrier-offline label)
	assert_equal "$b" "$a"
	# It sends no documents: oms-ship draws its labels.
	assert_equal "$(jq 'has("documents")' <<<"$a")" false
}

# ship_odd MODE: ship o_1 with the adapter answering as DOCS_ODD says.
ship_odd() {
	DOCS_ODD=$1 run --separate-stderr oms-ship --carrier docs --labels labels --pending
}

@test "a reply whose documents are wrong fails the shipment as a failing label call does: named, nothing stored or moved, the order left to ship again" {
	order 1001 US "L1:PLATE:4:30.00"
	oms-route --pending >/dev/null
	before=$(levels)
	N="order o_1 (oms 1001): carrier docs answered label with"
	while IFS='|' read -r mode said; do
		ship_odd "$mode"
		assert_failure 1
		assert_output ""
		assert_equal "$stderr" "oms-ship: $N $said (nothing changed)"
		assert_equal "$(shipments)" 0
		assert_equal "$(levels)" "$before"
		[ ! -e labels ] || assert_equal "$(ls -A labels)" ""
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT status, refusal ->> '\$.reason' FROM orders")" "allocated|carrier docs answered label with $said"
	done <<'EOF'
garbage|document 1 (label for package 1) whose data is not base64 (RFC 4648: A-Z, a-z, 0-9, + and /, padded with =, no spaces)
mime|document 1 (label for package 1) whose data is not base64 (RFC 4648: A-Z, a-z, 0-9, + and /, padded with =, no spaces)
mismatch|document 1 (label for package 1) whose data is not a PNG, from its signature and header to its end chunk
truncated|document 1 (label for package 1) whose data is not a PDF, from %PDF- to %%EOF
missing|documents but no label for package 2 of 2
empty|documents but no label for package 1 of 2
notlist|documents that are not a list
nopackage|document 1, a label that does not say its package
package9|document 1 (label) for a package that is not one of the 2, numbered from 1
dup|two labels for package 1 (documents 1 and 3)
oversize|document 1 (label for package 1) of 2097153 bytes, more than the 2097152 a document may have
type|document 3 of type '../../victim??[31m', which is not label, commercial_invoice, customs_form, certificate_of_origin or other
format|document 1 (label for package 1) of format 'pdf/../../victim', which is not pdf, zpl or png
many|66 documents, more than 64
EOF
	# Nothing a reply said named a file anywhere.
	[ ! -e victim ] && [ ! -e ../victim ]
	# The carrier mended, the same request id buys the same label.
	run --separate-stderr oms-ship --carrier docs --labels labels --pending
	assert_success
	assert_equal "$(shipments)" 1
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE refusal IS NOT NULL")" 0
	assert_equal "$(jq -r 'select(.verb == "label") | .request.request_id' requests.jsonl | sort -u | wc -l)" 1
	run oms check
	assert_success
}

@test "a symbolic link planted where the carrier's label or a document would go: exit 3, not followed, nothing recorded, and no file of the shipment left behind" {
	order 2001 GB "L1:TEE:1:12.50"
	oms-route --pending >/dev/null
	# The tracking number the purchase gets, found by shipping it once
	# on a copy of the database (its ids and instance, which the
	# request id is made of, kept).
	twin=$(copy_db twin)
	t=$(oms-ship --db "$twin" --carrier docs --labels probe --pending | jq -r .tracking)
	rm -rf probe
	echo precious > victim
	mkdir labels
	before=$(levels)
	# The label, written first; the invoice, after the label.
	for f in "$t.pdf" "$t-commercial_invoice.pdf"; do
		ln -s ../victim "labels/$f"
		run --separate-stderr oms-ship --carrier docs --labels labels --pending
		assert_failure 3
		assert_output ""
		assert_equal "$stderr" "oms-ship: cannot write 'labels/$f': it is a symbolic link, not a regular file; left as it is, nothing written"
		assert_equal "$(cat victim)" precious
		assert_equal "$(readlink "labels/$f")" ../victim
		# What was written before it is gone again: all, or none.
		assert_equal "$(ls -A labels)" "$f"
		assert_equal "$(shipments)" 0
		assert_equal "$(levels)" "$before"
		rm "labels/$f"
	done
	run --separate-stderr oms-ship --carrier docs --labels labels --pending
	assert_success
	assert_equal "$(jq -r .tracking <<<"$output")" "$t"
	assert_equal "$(cat victim)" precious
	assert_equal "$(ls labels)" "$t-commercial_invoice.pdf
$t-customs_form.pdf
$t.pdf"
}

@test "a day as cron runs it: import, route, ship with documents, void, ship again, a reship of the parcel lost; the ledger, the files, oms check, and a purge that takes every document" {
	order 2001 GB "L1:TEE:2:12.50 L2:MUG:1:18.00"
	order 1002 US "L1:MUG:2:18.00"
	oms-route --pending > alloc.jsonl
	assert_equal "$(jq -r .order alloc.jsonl)" "o_1
o_2"
	# 10:00, the shipping run.
	DOCS_FORMAT=zpl oms-ship --carrier docs --labels labels --slips slips alloc.jsonl > ship.jsonl
	assert_equal "$(jq -c '[.id, .order, (.documents | length)]' ship.jsonl)" '["s_1","o_1",3]
["s_2","o_2",1]'
	t1=$(jq -r 'select(.id == "s_1") | .tracking' ship.jsonl)
	t2=$(jq -r 'select(.id == "s_2") | .tracking' ship.jsonl)
	for f in "$t1.zpl:label-$t1.zpl" "$t1-commercial_invoice.pdf:commercial_invoice-$t1.pdf" "$t1-customs_form.pdf:customs_form-$t1.pdf" "$t2.zpl:label-$t2.zpl"; do
		cmp "sent/${f#*:}" "labels/${f%%:*}"
	done
	assert_equal "$(levels)" "CARD|20|0
MUG|17|0
PLATE|20|0
TEE|18|0"
	# 11:00, the parcel abroad is voided: its stock back and reserved.
	OMS_NOW=2026-11-26T16:00:00Z run --separate-stderr oms-ship void s_1
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" voided
	assert_equal "$(levels)" "CARD|20|0
MUG|18|1
PLATE|20|0
TEE|20|2"
	# 12:00, shipped again: a new purchase, new documents beside the old.
	OMS_NOW=2026-11-26T17:00:00Z run --separate-stderr oms-ship --carrier docs --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.id, .order, (.documents | map(.type))]' <<<"$output")" '["s_3","o_1",["label","commercial_invoice","customs_form"]]'
	t3=$(jq -r .tracking <<<"$output")
	[ "$t3" != "$t1" ]
	cmp "sent/label-$t3.pdf" "labels/$t3.pdf"
	assert_equal "$(ls labels | wc -l)" 7
	assert_equal "$(levels)" "CARD|20|0
MUG|17|0
PLATE|20|0
TEE|18|0"
	# The ledger: out, back, out again, each by its parcel.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT kind, sku, qty, reason, ref FROM movements WHERE kind IN ('adjust', 'release', 'reserve') AND ref LIKE 's_%' ORDER BY id")" "release|TEE|-2||s_1
adjust|TEE|-2|shipped|s_1
release|MUG|-1||s_1
adjust|MUG|-1|shipped|s_1
release|MUG|-2||s_2
adjust|MUG|-2|shipped|s_2
adjust|TEE|2|label voided|s_1
reserve|TEE|2||s_1
adjust|MUG|1|label voided|s_1
reserve|MUG|1||s_1
release|TEE|-2||s_3
adjust|TEE|-2|shipped|s_3
release|MUG|-1||s_3
adjust|MUG|-1|shipped|s_3"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT id, status FROM shipments ORDER BY id; SELECT id, status FROM orders ORDER BY id")" "1|voided
2|shipped
3|shipped
1|shipped
2|shipped"
	run oms check
	assert_success
	run oms-stock verify
	assert_success
	# Lost on its way: a reship abroad, declared at the price it is sent
	# for, none, with its own documents.
	OMS_NOW=2026-12-10T00:00:00Z OMS_OFFLINE_TRACK=lost oms-ship track >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM shipments WHERE id = 3")" lost
	OMS_NOW=2026-12-10T01:00:00Z oms-return reship -q --reason lost --shipment s_3 o_1 >/dev/null
	rm requests.jsonl
	OMS_NOW=2026-12-10T02:00:00Z oms-route --pending >/dev/null
	OMS_NOW=2026-12-10T02:00:00Z run --separate-stderr oms-ship --carrier docs --labels labels --pending
	assert_success
	assert_equal "$(jq -c '[.id, .external_id, (.documents | map(.type))]' <<<"$output")" '["s_4","2001-R1",["label","commercial_invoice","customs_form"]]'
	assert_equal "$(jq -c 'select(.verb == "label") | .request.customs | [.value, [.items[] | [.sku, .qty, .value, .weight_g]]]' requests.jsonl)" '["0.00",[["TEE",2,"0.00",360],["MUG",1,"0.00",350]]]'
	t4=$(jq -r .tracking <<<"$output")
	cmp "sent/commercial_invoice-$t4.pdf" "labels/$t4-commercial_invoice.pdf"
	run oms check
	assert_success
	# The story of the order names each parcel's files.
	run oms-report order o_1
	assert_equal "$(jq -c 'select(.type == "shipment") | [.id, .status, [.documents[].file]]' <<<"$output")" \
"[\"s_1\",\"voided\",[\"labels/$t1.zpl\",\"labels/$t1-commercial_invoice.pdf\",\"labels/$t1-customs_form.pdf\"]]
[\"s_3\",\"lost\",[\"labels/$t3.pdf\",\"labels/$t3-commercial_invoice.pdf\",\"labels/$t3-customs_form.pdf\"]]"
	# Erasing the customer takes every document of both parcels.
	run --separate-stderr oms purge-customer --order o_1 --labels labels --slips slips
	assert_success
	assert_equal "$(jq -c '[.files[] | select(.path | startswith("labels/")) | .result] | unique, length' <<<"$output")" '["deleted"]
6'
	run --separate-stderr oms purge-customer --order o_3 --labels labels --slips slips
	assert_success
	assert_equal "$(ls labels)" "$t2.zpl"
}
