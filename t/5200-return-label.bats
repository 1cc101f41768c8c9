#!/usr/bin/env bats
# Return labels (issue 14): the label verb with "return":true in
# oms-carrier(7), as oms-carrier-offline answers it, and the label oms
# draws for it (lib/retlabel.c through the unit test program
# build/t/retlabel, which buys one from the real offline adapter into a
# database of its own): the reply, the ZPL and the PDF whole, and the
# barcode read back with zbarimg, the PDF rendered with pdftoppm and the
# ZPL with zpl-renderer-js when this node can run it (as t/4100-label.bats;
# skipped, and said, when it cannot).

load helper

RETLABEL="$OMS_BIN/../t/retlabel"

# A return label request with id $1 for service $2; $3 the return flag.
req() {
	jq -nc --arg id "$1" --arg svc "$2" --argjson ret "${3:-true}" \
		'{request_id:$id, service:$svc, return:$ret, reference:"r_7",
		from:{name:"Zoë Müller",country:"US",postal_code:"19103"},
		to:{name:"Newark DC",country:"US",postal_code:"07114"},
		packages:[{weight_g:800}]}'
}

@test "label with \"return\":true: a number of the return series, and the reply says return" {
	run --separate-stderr oms-carrier-offline label <<<"$(req r2 ups-ground)"
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ok":true,"carrier":"ups","service":"ups-ground","tracking_numbers":["1ZI9F5BI0388528907"],"return":true,"test":true}'
	run oms-carrier-offline label <<<"$(req r2 usps-ground-advantage)"
	assert_output '{"ok":true,"carrier":"usps","service":"usps-ground-advantage","tracking_numbers":["9200191569758288528900"],"return":true,"test":true}'
	run oms-carrier-offline label <<<"$(req r2 fedex-ground)"
	assert_output '{"ok":true,"carrier":"fedex","service":"fedex-ground","tracking_numbers":["758288528900"],"return":true,"test":true}'
}

@test "return numbers have their carriers' forms and check digits, and never an outbound number's" {
	local svc ret out
	for svc in ups-ground usps-priority-mail fedex-ground; do
		ret=$(oms-carrier-offline label <<<"$(req r2 "$svc")" | jq -r '.tracking_numbers[0]')
		out=$(oms-carrier-offline label <<<"$(req r2 "$svc" false)" | jq -r '.tracking_numbers[0]')
		[ "$ret" != "$out" ]
		# void checks the form and check digit of each number it is given.
		run oms-carrier-offline void <<<"{\"request_id\":\"v\",\"tracking_numbers\":[\"$ret\",\"$out\"]}"
		assert_output "{\"ok\":true,\"voided\":[\"$ret\",\"$out\"]}"
	done
	# The outbound label of r2 is as it always was, with no "return".
	run oms-carrier-offline label <<<"$(req r2 ups-ground false)"
	assert_output '{"ok":true,"carrier":"ups","service":"ups-ground","tracking_numbers":["1Z805TTB0350497437"],"test":true}'
}

@test "a return label asked again with its request_id is the same label" {
	local a b
	a=$(oms-carrier-offline label <<<"$(req oms-ret-0123456789abcdef usps-ground-advantage)")
	b=$(oms-carrier-offline label <<<"$(req oms-ret-0123456789abcdef usps-ground-advantage)")
	assert_equal "$a" "$b"
	b=$(oms-carrier-offline label <<<"$(req oms-ret-0123456789abcdee usps-ground-advantage)")
	[ "$a" != "$b" ]
}

@test "\"return\" that is not true or false is refused" {
	local r
	for r in '"yes"' 1 null '{}'; do
		run --separate-stderr oms-carrier-offline label <<<"$(req r2 ups-ground "$r")"
		assert_success
		assert_equal "$stderr" ""
		assert_output '{"ok":false,"error":"return must be true or false"}'
	done
}

# One return label bought by lib/retlabel.c into labels/, its record in
# label.json.
buy() {
	run --separate-stderr "$RETLABEL" label "$PWD/labels" "$@"
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > label.json
	T=$(jq -r .tracking label.json)
}

@test "oms buys the return label: the record, whole" {
	buy
	run jq -c --arg d "$PWD/labels" --arg t "$T" \
		'.label_zpl |= sub($d; "DIR") | .label_pdf |= sub($d; "DIR") |
		.label_zpl |= sub($t; "T") | .label_pdf |= sub($t; "T") |
		.tracking |= sub($t; "T") | .request_id |= test("^oms-ret-[0-9a-f]{16}$")' label.json
	assert_output '{"type":"return_label","return":"r_1","order":"o_1","channel":"oms","external_id":"1001","carrier":"offline","location":"EWR1","carrier_code":"usps","service":"usps-ground-advantage","service_name":"USPS Ground Advantage","tracking":"T","request_id":true,"at":"2026-11-26T15:00:00Z","weight_g":800,"transit_days":5,"cost":"16.83","cost_currency":"USD","paid_by":"merchant","test":true,"label_zpl":"DIR/r_1-T.zpl","label_pdf":"DIR/r_1-T.pdf","reprint":false}'
	# The number is the one the adapter gives that request id for a return.
	run oms-carrier-offline label <<<"$(req "$(jq -r .request_id label.json)" usps-ground-advantage)"
	assert_equal "$(jq -r '.tracking_numbers[0]' <<<"$output")" "$T"
	run ls labels
	assert_output "r_1-$T.pdf
r_1-$T.zpl"
	assert_equal "$(stat -c %a "labels/r_1-$T.pdf") $(stat -c %a "labels/r_1-$T.zpl")" "600 600"
}

@test "the PDF return label: one 4x6 page that says RETURN, to the warehouse, from the customer, with the RMA" {
	buy pdf
	run ls labels
	assert_output "r_1-$T.pdf"
	run --separate-stderr pdfinfo "labels/r_1-$T.pdf"
	assert_success
	assert_equal "$(grep -E '^(Pages|Page size|PDF version):' <<<"$output")" \
"Pages:           1
Page size:       288 x 432 pts
PDF version:     1.4"
	run --separate-stderr pdftotext "labels/r_1-$T.pdf" -
	assert_success
	assert_equal "$(grep -v '^$' <<<"$output" | tr -d '\f')" "Zoë Müller
2 Elm St
Philadelphia, PA 19103
US
DATE 2026-11-26
WT 1 LB 12 OZ
PKG 1 OF 1
SHIP TO:
Newark DC
Example Goods
10 Dock Rd
Newark, NJ 07114
US
RETURN
USPS Ground Advantage
TRACKING # $T
RMA r_1 / o_1
NOT FOR SHIPMENT"
}

@test "the PDF return label's barcode reads back as its tracking number" {
	buy pdf
	pdftoppm -r 300 -png -singlefile "labels/r_1-$T.pdf" page
	run --separate-stderr zbarimg --raw -q page.png
	assert_success
	assert_output "$T"
}

@test "the ZPL return label: RETURN white on black beside the service, the RMA, the number's ^BC" {
	buy zpl
	run ls labels
	assert_output "r_1-$T.zpl"
	run cat "labels/r_1-$T.zpl"
	assert_equal "$(head -n 5 <<<"$output")" "^XA
^CI28
^PW812
^LL1218
^LH0,0"
	assert_equal "$(tail -n 1 <<<"$output")" "^XZ"
	assert_equal "$(grep -F -e 'Zoë' -e 'Newark DC' -e RETURN -e 'USPS' -e RMA -e '^BC' -e '^GB305' <<<"$output")" \
"^FO30,30^A0N,22,22^FH^FDZoë Müller^FS
^FO71,288^A0N,41,41^FH^FDNewark DC^FS
^FO30,629^GB305,69,69^FS
^FO30,637^A0N,53,53^FB305,1,0,C^FR^FH^FDRETURN^FS
^FO355,637^A0N,53,35^FH^FDUSPS Ground Advantage^FS
^FO94,763^BY4,3,203^BCN,203,N,N,N,A^FH^FD$T^FS
^FO30,1003^A0N,41,41^FH^FDRMA r_5F1 / o_5F1^FS"
}

# As t/4100-label.bats: is zpl-renderer-js there, and can this node run it?
zpl_renderer() {
	command -v node >/dev/null && command -v npm >/dev/null || return 1
	NODE_PATH=$(npm root -g 2>/dev/null)
	export NODE_PATH
	node -e 'require("zpl-renderer-js").ready.then(({ api }) =>
	    api.zplToBase64Async("^XA^FO10,10^A0N,20,20^FDok^FS^XZ", 101.6,
	    152.4, 8)).then(() =>
	    process.exit(0), () => process.exit(1))' >/dev/null 2>&1
}

@test "the ZPL return label, rendered, reads back as its tracking number" {
	zpl_renderer || skip "no ZPL renderer this node can run: npm install -g zpl-renderer-js@3.4.0"
	buy zpl
	cat > render.cjs <<'JS'
const fs = require("fs");
const { ready } = require("zpl-renderer-js");
ready.then(({ api }) => api.zplToBase64Async(fs.readFileSync(process.argv[2],
    "utf8"), 101.6, 152.4, 8)).then((png) => fs.writeFileSync(process.argv[3],
    Buffer.from(png, "base64"))).catch((e) => { console.error(e);
    process.exit(1); });
JS
	run node render.cjs "labels/r_1-$T.zpl" label.png
	assert_success
	run --separate-stderr zbarimg --raw -q label.png
	assert_success
	assert_output "$T"
}
