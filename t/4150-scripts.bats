#!/usr/bin/env bats
# What oms draws itself prints every script a customer's name can have:
# packing slips, pick lists and labels for a Japanese, a Greek and an
# Arabic address, read back with pdftotext; and the symbols a label can
# carry besides Code 128, read back with zbarimg where zbar reads them
# (QR, GS1-128) and with ZXing-C++ (ZXingReader) where it does not
# (PDF417, MaxiCode, Data Matrix).
#
# Needs poppler-utils, zbar-tools, zxing-cpp-tools and the fonts the
# Makefile's DEBS name (fonts-noto-core, fonts-noto-cjk).

load helper

LABEL="$OMS_BIN/../t/label"
R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z
UPS=1Z5R89390357567127

JA_NAME=山田太郎 JA_STREET="千代田1-1" JA_CITY=千代田区 JA_REGION=東京都
EL_NAME="Γιώργος Παπαδόπουλος" EL_STREET="Ερμού 12" EL_CITY=Αθήνα
AR_NAME="محمد علي" AR_STREET="شارع التحرير" AR_CITY=القاهرة

setup_ship() {
	# A service abroad: the offline carrier's UPS Ground table, for
	# Japan, Greece and Egypt from the US, on the search path ahead of
	# share/oms.
	mkdir -p share/rates
	jq '.service = "worldwide_saver" | .name = "UPS Worldwide Saver" |
	    .countries = ["US", "JP", "GR", "EG"]' \
	    "$TOP/share/oms/rates/ups-ground.json" > share/rates/ups-worldwide.json
	export OMS_PATH="$PWD/share:$OMS_PATH"
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"product","sku":"A","title":"緑茶 Πράσινο τσάι شاي أخضر","weight_g":400,"hs_code":"090210","origin_country":"JP","dims_mm":[200,120,60],"bins":{"EWR1":"A-02-05-1"}}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":9,"key":"r1"}
EOF
}

# order EXT NAME ADDRESS1 CITY REGION POSTCODE COUNTRY
order() {
	jq -nc --arg e "$1" --arg n "$2" --arg a "$3" --arg c "$4" --arg r "$5" \
	    --arg p "$6" --arg k "$7" '{type:"order",external_id:$e,
	    currency:"USD",customer:{email:"c@example.com"},ship_to:({name:$n,
	    address1:$a,city:$c,postal_code:$p,country:$k} +
	    (if $r != "" then {region:$r} else {} end)),
	    lines:[{line_id:"L1",sku:"A",qty:1,unit_price:"10.00",
	    title:"緑茶 Green tea"}]}' | oms-import --channel oms >/dev/null
}

# The text of a PDF, its lines without the empty ones and page breaks,
# and without the embedding marks (U+202B, U+202C) pdftotext puts around
# right-to-left text: what is left is each word in logical order.  A line
# that mixes directions comes out in the order its parts stand on the
# page, left to right: "القاهرة 11511", drawn right to left as it must
# be, has the postcode on the left and comes out "11511 القاهرة" (drawn
# left to right, wrongly, it would come out as it went in).
text() {
	pdftotext "$@" - | sed -e 's/\xe2\x80[\xab\xac]//g' | grep -v '^$' |
	    tr -d '\f'
}

@test "packing slips: a Japanese, a Greek and an Arabic address print as written, no ? anywhere" {
	setup_ship
	order 1001 "$JA_NAME" "$JA_STREET" "$JA_CITY" "$JA_REGION" 100-8111 JP
	order 1002 "$EL_NAME" "$EL_STREET" "$EL_CITY" "" "105 63" GR
	order 1003 "$AR_NAME" "$AR_STREET" "$AR_CITY" "" 11511 EG
	oms-route --pending | oms-ship --carrier offline --labels labels \
	    --slips slips > ship.jsonl
	assert_equal "$(jq -r .external_id ship.jsonl)" "1001
1002
1003"
	run --separate-stderr text slips/s_1.pdf
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(sed -n 1,7p <<<"$output")" "Packing slip - order 1001
Shipment s_1 from EWR1, 2026-11-26
SHIP TO
$JA_NAME
$JA_STREET
$JA_CITY, $JA_REGION 100-8111
JP"
	run text -layout slips/s_1.pdf
	assert_line --regexp '^LINE +SKU +ITEM +QTY$'
	assert_line --regexp '^1 +A +緑茶 Green tea +1$'
	assert_line "Box S, tracking $(jq -r 'select(.external_id == "1001") | .tracking' ship.jsonl)"
	run text slips/s_2.pdf
	assert_equal "$(sed -n 4,7p <<<"$output")" "$EL_NAME
$EL_STREET
$EL_CITY 105 63
GR"
	run text slips/s_3.pdf
	assert_equal "$(sed -n 4,7p <<<"$output")" "$AR_NAME
$AR_STREET
11511 $AR_CITY
EG"
	for f in slips/*.pdf; do
		run text "$f"
		refute_output --partial "?"
	done
	# The fonts that have the characters, embedded.
	run pdffonts slips/s_1.pdf
	assert_output --partial "NotoSansCJKjp-Regular"
	run pdffonts slips/s_3.pdf
	assert_output --partial "NotoSansArabic-Regular"
}

@test "labels from oms-ship: the addresses as written, the barcode still scans" {
	setup_ship
	order 1001 "$JA_NAME" "$JA_STREET" "$JA_CITY" "$JA_REGION" 100-8111 JP
	order 1003 "$AR_NAME" "$AR_STREET" "$AR_CITY" "" 11511 EG
	oms-route --pending | oms-ship --carrier offline --labels labels > ship.jsonl
	for t in $(jq -r .tracking ship.jsonl); do
		run text "labels/$t.pdf"
		refute_output --partial "?"
		pdftoppm -r 300 -png -singlefile "labels/$t.pdf" page
		run --separate-stderr zbarimg --raw -q page.png
		assert_success
		assert_output "$t"
	done
	t=$(jq -r 'select(.external_id == "1001") | .tracking' ship.jsonl)
	run text "labels/$t.pdf"
	assert_equal "$(sed -n '/^SHIP TO:$/,/^JP$/p' <<<"$output")" "SHIP TO:
$JA_NAME
$JA_STREET
$JA_CITY, $JA_REGION 100-8111
JP"
	t=$(jq -r 'select(.external_id == "1003") | .tracking' ship.jsonl)
	run text "labels/$t.pdf"
	assert_equal "$(sed -n '/^SHIP TO:$/,/^EG$/p' <<<"$output")" "SHIP TO:
$AR_NAME
$AR_STREET
11511 $AR_CITY
EG"
}

@test "pick list: titles in three scripts print as written" {
	setup_ship
	order 1001 "$JA_NAME" "$JA_STREET" "$JA_CITY" "$JA_REGION" 100-8111 JP
	oms-route --pending >/dev/null
	run --separate-stderr oms-ship pick --pdf pick.pdf
	assert_success
	run text -layout pick.pdf
	assert_line --regexp '^A-02-05-1 +A +緑茶 Πράσινο τσάι شاي أخضر +1$'
	refute_output --partial "?"
}

@test "sample labels in Japanese, Greek and Arabic: PDF text as written, same bytes each time, PNG scans" {
	local lang
	for lang in ja el ar; do
		run --separate-stderr "$LABEL" pdf "$lang.pdf" "$UPS" to=$lang
		assert_success
		assert_equal "$stderr" ""
		"$LABEL" pdf again.pdf "$UPS" to=$lang
		cmp "$lang.pdf" again.pdf
		run --separate-stderr "$LABEL" png 203 "$lang.png" "$UPS" to=$lang
		assert_success
		run --separate-stderr zbarimg --raw -q "$lang.png"
		assert_output "$UPS"
	done
	assert_equal "$(text ja.pdf | sed -n '/^SHIP TO:$/,/^JP$/p')" "SHIP TO:
山田太郎
千代田 1-1
千代田区, 東京都 100-8111
JP"
	assert_equal "$(text el.pdf | sed -n '/^SHIP TO:$/,/^GR$/p')" "SHIP TO:
$EL_NAME
Ερμού 12
Αθήνα 105 63
GR"
	assert_equal "$(text ar.pdf | sed -n '/^SHIP TO:$/,/^EG$/p')" "SHIP TO:
$AR_NAME
$AR_STREET
11511 $AR_CITY
EG"
	run pdfinfo ar.pdf
	refute_line --partial "CreationDate"
	assert_line --regexp '^PDF version: +1.4$'
	run file ar.png
	assert_output "ar.png: PNG image data, 812 x 1218, 8-bit/color RGB, non-interlaced"
}

@test "a PNG label at 203 and 300 dpi: Code 128 and a QR symbol both read back with zbarimg" {
	local dpi url="https://example.com/t/$UPS"
	for dpi in 203 300; do
		run --separate-stderr "$LABEL" png $dpi label.png "$UPS" symbol=qr "data=$url"
		assert_success
		run --separate-stderr zbarimg --raw -q label.png
		assert_success
		assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$UPS" "$url" | sort)"
		# And the PDF, rendered as a printer would.
		"$LABEL" pdf label.pdf "$UPS" symbol=qr "data=$url"
		pdftoppm -r $dpi -png -singlefile label.pdf page
		run --separate-stderr zbarimg --raw -q page.png
		assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$UPS" "$url" | sort)"
	done
}

@test "GS1-128 (USPS IMpb) reads back with its AIs, FNC1 between them" {
	"$LABEL" png 203 label.png 9400111206206406260787 "gs1=[420]07102[94]00111206206406260787"
	run --separate-stderr zbarimg --raw -q label.png
	assert_success
	assert_output "$(printf '42007102\x1d9400111206206406260787')"
	run --separate-stderr "$LABEL" pdf label.pdf 9400111206206406260787 "gs1=[420]07102[94"
	assert_failure 3
	[[ $stderr == "label: tracking number: GS1-128: "* ]]
}

# ZXingReader prints "Text: ..." and "Format: ..." for each symbol found.
zxing() {
	ZXingReader "$@" 2>/dev/null | sed -n 's/^\(Text\|Format\): *//p' |
	    paste -d' ' - -
}

@test "PDF417 on a PNG label reads back with ZXing-C++; zbar cannot read it" {
	command -v ZXingReader >/dev/null || skip "no ZXingReader: apt-get install zxing-cpp-tools"
	local dpi
	for dpi in 203 300; do
		"$LABEL" png $dpi label.png "$UPS" symbol=pdf417 "data=$UPS 山田太郎"
		run zxing -noscale -format PDF417 label.png
		assert_output "\"$UPS 山田太郎\" PDF417"
	done
	# zbar (0.23.92) has no PDF417 decoder: only the Code 128 is found.
	run --separate-stderr zbarimg --raw -q label.png
	assert_output "$UPS"
}

@test "Data Matrix and MaxiCode read back with ZXing-C++ (each alone: it finds neither on a whole label)" {
	command -v ZXingReader >/dev/null || skip "no ZXingReader: apt-get install zxing-cpp-tools"
	local dpi rs=$'\x1e' gs=$'\x1d' msg
	msg="[)>${rs}01${gs}961Z12345675${gs}UPSN${gs}12345E${gs}089${gs}${gs}1/1${gs}10.1${gs}Y${gs}${gs}${gs}UT${rs}"$'\x04'
	for dpi in 203 300; do
		"$LABEL" symbol datamatrix $dpi dm.png "9400111206206406260787"
		run zxing -ispure -format DataMatrix dm.png
		assert_output '"9400111206206406260787" DataMatrix'
		# UPS: mode 2, the postcode, country and service moved in.
		"$LABEL" symbol maxicode $dpi maxi.png "$msg" 071020000840001
		run zxing -ispure -format MaxiCode -escape maxi.png
		assert_output '"[)><RS>01<GS>96071020000<GS>840<GS>001<GS>1Z12345675<GS>UPSN<GS>12345E<GS>089<GS><GS>1/1<GS>10.1<GS>Y<GS><GS><GS>UT<RS><EOT>" MaxiCode'
		"$LABEL" symbol maxicode $dpi maxi.png "mode 4"
		run zxing -ispure -format MaxiCode maxi.png
		assert_output '"mode 4" MaxiCode'
	done
	# On a label they are drawn the same way, beside the barcode.
	for s in datamatrix maxicode; do
		run --separate-stderr "$LABEL" png 203 label.png "$UPS" symbol=$s data=9400111206206406260787
		assert_success
		run --separate-stderr zbarimg --raw -q label.png
		assert_output "$UPS"
	done
	run --separate-stderr "$LABEL" symbol qr 203 x.png "$(printf 'x%.0s' $(seq 4000))"
	assert_failure 3
	assert_equal "$stderr" "label: QR: Error 561: Input too long for selected error correction level"
}

@test "ZPL keeps the symbols for the printer: ^BQ, ^BX, ^B7, ^BD, and ^BC mode D for GS1-128" {
	run "$LABEL" zpl 203 - "$UPS" symbol=qr data=hello
	# The barcode 0.8 in tall; below the rule under it, 4 modules of
	# white, the symbol.
	assert_equal "$(grep -F -e '^BQ' -e '^BC' -e '^GB751' <<<"$output" | tail -n 3)" "^FO72,763^BY4,3,162^BCN,162,N,N,N,A^FH^FD$UPS^FS
^FO30,946^GB751,4,4^FS
^FO30,966^BQN,2,4^FH^FDQA,hello^FS"
	run "$LABEL" zpl 300 - "$UPS" symbol=datamatrix data=hello
	assert_line --regexp '^\^FO45,[0-9]+\^BXN,6,200\^FH\^FDhello\^FS$'
	run "$LABEL" zpl 203 - "$UPS" symbol=pdf417 data=hello
	assert_line --regexp '^\^FO30,[0-9]+\^BY[0-9]\^B7N,[0-9]+,5,[0-9]+,,N\^FH\^FDhello\^FS$'
	run "$LABEL" zpl 203 - "$UPS" symbol=maxicode primary=071020000840001 data=hello
	assert_line "^FO30,950^BD2,1,1^FH^FD001840071020000hello^FS"
	run "$LABEL" zpl 203 - 9400111206206406260787 "gs1=[420]07102[94]00111206206406260787"
	assert_line --regexp '\^BCN,203,N,N,N,D\^FH\^FD\(420\)07102\(94\)00111206206406260787\^FS$'
}
