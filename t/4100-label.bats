#!/usr/bin/env bats
# Shipping labels (lib/label.c): sample labels from the unit test program
# build/t/label, as PDF rendered with pdftoppm and as ZPL rendered with
# zpl-renderer-js, the barcode read back with zbarimg.
#
# Needs the Debian packages poppler-utils and zbar-tools.  The ZPL scans
# also need the npm package zpl-renderer-js 3.4.0 (the Go ZPL renderer
# zebrash compiled to WASM, MIT; it works offline) installed globally:
# `npm install -g zpl-renderer-js@3.4.0`.  Debian has no ZPL renderer;
# without the npm one those tests are skipped, and say so.

load helper

# The unit test programs are built beside the programs under test.
LABEL="$OMS_BIN/../t/label"

UPS=1Z5R89390357567127
USPS=9400111206206406260787
FEDEX=986578788855

# Render a PDF at 300 dpi and read its barcodes, one a line.
scan_pdf() {
	pdftoppm -r 300 -png -singlefile "$1" page || return 3
	zbarimg --raw -q page.png 2>/dev/null
}

pdf_scans() {
	run --separate-stderr "$LABEL" pdf label.pdf "$1"
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr pdfinfo label.pdf
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(grep -E '^(Pages|Page size|PDF version):' <<<"$output")" \
"Pages:           1
Page size:       288 x 432 pts
PDF version:     1.4"
	run scan_pdf label.pdf
	assert_success
	assert_output "$1"
}

@test "a PDF label's barcode reads back as the tracking number: UPS 1Z" {
	pdf_scans "$UPS"
}

@test "a PDF label's barcode reads back as the tracking number: USPS, 22 digits" {
	pdf_scans "$USPS"
}

@test "a PDF label's barcode reads back as the tracking number: FedEx, 12 digits" {
	pdf_scans "$FEDEX"
}

@test "a PDF label's text comes out as it went in, accents and all" {
	"$LABEL" pdf label.pdf "$UPS"
	run --separate-stderr pdftotext label.pdf -
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(grep -v '^$' <<<"$output" | tr -d '\f')" "Zoë Müller
Müller Trading Co.
1 Port St
Suite 5
Newark, NJ 07102
US
TEL +1 973 555 0100
DATE 2026-11-26
WT 5 LB 8 OZ
PKG 1 OF 2
SHIP TO:
João da Silva
Av. Paulista 1578
Bela Vista
São Paulo, SP 01310-200
BR
TEL +55 11 5555 0100
UPS Worldwide Saver
TRACKING # 1Z5R89390357567127
REF o_12 / #1001
NOT FOR SHIPMENT"
}

@test "every character of Code 128 sets B and C reads back" {
	local s='' p='' c i
	# Set B: all of 0x20..0x7f, the digits kept apart so they stay in B.
	for i in $(seq 32 127); do
		c=$(printf "\\$(printf %03o "$i")")
		case $c in [0-9]) continue ;; esac
		s+=$c
	done
	s+=0a1b2c3d4e5f6g7h8i9j
	# Set C: every pair 00..99.
	for i in $(seq 0 99); do p+=$(printf %02d "$i"); done
	for c in "${s:0:16}" "${s:16:16}" "${s:32:16}" "${s:48:16}" \
		"${s:64:16}" "${s:80:16}" "${s:96:10}" \
		"${p:0:20}" "${p:20:20}" "${p:40:20}" "${p:60:20}" "${p:80:20}" \
		"${p:100:20}" "${p:120:20}" "${p:140:20}" "${p:160:20}" \
		"${p:180:20}"; do
		"$LABEL" pdf label.pdf "$c"
		run scan_pdf label.pdf
		assert_success
		assert_output "$c"
	done
}

@test "a tracking number Code 128 cannot carry, or too long to fit, is refused" {
	run --separate-stderr "$LABEL" pdf label.pdf "1Zé"
	assert_failure 3
	assert_equal "$stderr" "label: tracking number: Code 128 cannot carry byte 0xc3 at position 3"
	run --separate-stderr "$LABEL" zpl 203 label.zpl "$(printf 'A%.0s' $(seq 40))"
	assert_failure 3
	assert_equal "$stderr" "label: tracking number '$(printf 'A%.0s' $(seq 40))' is too long for a 4x6 label"
	run --separate-stderr "$LABEL" zpl 600 label.zpl "$UPS"
	assert_failure 3
	assert_equal "$stderr" "label: labels print at 203 or 300 dpi, not 600"
	[ ! -e label.zpl ]
}

@test "ZPL at 203 dpi: 4x6 in, UTF-8, the ^BC field with the tracking number" {
	run --separate-stderr "$LABEL" zpl 203 - "$UPS"
	assert_success
	assert_equal "$(head -n 5 <<<"$output")" "^XA
^CI28
^PW812
^LL1218
^LH0,0"
	assert_equal "$(tail -n 1 <<<"$output")" "^XZ"
	assert_equal "$(grep -c '^^X[AZ]$' <<<"$output")" 2
	assert_equal "$(grep -F '^BC' <<<"$output")" \
		"^FO72,763^BY4,3,203^BCN,203,N,N,N,A^FH^FD1Z5R89390357567127^FS"
	assert_equal "$(grep -F -e 'Zoë' -e 'São' -e 'REF' -e 'PKG' <<<"$output")" \
"^FO30,30^A0N,22,22^FH^FDZoë Müller^FS
^FO508,91^A0N,24,24^FH^FDPKG 1 OF 2^FS
^FO71,431^A0N,41,41^FH^FDSão Paulo, SP 01310-200^FS
^FO30,1003^A0N,28,28^FH^FDREF o_5F12 / #1001^FS"
	run "$LABEL" zpl 203 - "$FEDEX"
	assert_equal "$(grep -F '^BC' <<<"$output")" \
		"^FO204,763^BY4,3,203^BCN,203,N,N,N,A^FH^FD986578788855^FS"
}

@test "ZPL at 300 dpi: 4x6 in, wider modules, the same fields scaled" {
	run --separate-stderr "$LABEL" zpl 300 - "$USPS"
	assert_success
	assert_equal "$(head -n 5 <<<"$output")" "^XA
^CI28
^PW1200
^LL1800
^LH0,0"
	assert_equal "$(tail -n 1 <<<"$output")" "^XZ"
	assert_equal "$(grep -F '^BC' <<<"$output")" \
		"^FO132,1128^BY6,3,300^BCN,300,N,N,N,A^FH^FD9400111206206406260787^FS"
	assert_equal "$(grep -F -e 'Zoë' -e 'TRACKING' -e 'SHIPMENT' <<<"$output")" \
"^FO45,45^A0N,33,33^FH^FDZoë Müller^FS
^FO45,1068^A0N,42,42^FH^FDTRACKING # 9400111206206406260787^FS
^FO45,1605^A0N,90,90^FB1110,1,0,C^FR^FH^FDNOT FOR SHIPMENT^FS"
}

# Is zpl-renderer-js there, and can this node run it?  (It is Go built
# for WASM: a node too old for it cannot load it, which is no fault of
# the label.)
zpl_renderer() {
	command -v node >/dev/null && command -v npm >/dev/null || return 1
	NODE_PATH=$(npm root -g 2>/dev/null)
	export NODE_PATH
	node -e 'require("zpl-renderer-js").ready.then(({ api }) =>
	    api.zplToBase64Async("^XA^FO10,10^A0N,20,20^FDok^FS^XZ", 101.6,
	    152.4, 8)).then(() =>
	    process.exit(0), () => process.exit(1))' >/dev/null 2>&1
}

# render_zpl DPMM ZPL PNG [ZPL PNG ...]: one node, the WASM loaded once.
render_zpl() {
	cat > render.cjs <<'JS'
const fs = require("fs");
const { ready } = require("zpl-renderer-js");
(async () => {
	const [dpmm, ...files] = process.argv.slice(2);
	const { api } = await ready;
	for (let i = 0; i < files.length; i += 2) {
		const png = await api.zplToBase64Async(
		    fs.readFileSync(files[i], "utf8"), 101.6, 152.4, Number(dpmm));
		fs.writeFileSync(files[i + 1], Buffer.from(png, "base64"));
	}
})().catch((e) => { console.error(e); process.exit(1); });
JS
	node render.cjs "$@"
}

zpl_scans() {
	local dpi=$1 dpmm=$2 t args=()
	zpl_renderer || skip "no ZPL renderer this node can run: npm install -g zpl-renderer-js@3.4.0"
	for t in "$UPS" "$USPS" "$FEDEX"; do
		"$LABEL" zpl "$dpi" "$t.zpl" "$t"
		args+=("$t.zpl" "$t.png")
	done
	run render_zpl "$dpmm" "${args[@]}"
	assert_success
	for t in "$UPS" "$USPS" "$FEDEX"; do
		run --separate-stderr zbarimg --raw -q "$t.png"
		assert_success
		assert_output "$t"
	done
}

@test "a ZPL label at 203 dpi, rendered, reads back as the tracking number" {
	zpl_scans 203 8
}

@test "a ZPL label at 300 dpi, rendered, reads back as the tracking number" {
	zpl_scans 300 12
}
