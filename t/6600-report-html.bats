#!/usr/bin/env bats
# oms-report --html FILE (issue 15): one self-contained page of the main
# reports, charts drawn as inline SVG.  A small shop is built once with
# the real programs (stock, orders on four days over three channels and
# two currencies, routed, shipped, delivered, some returned); the page
# is then opened in headless Chromium: no console message, a screenshot
# that is not blank, and in the DOM Chromium built each chart holds one
# bar or point for each value the same report gives as JSON lines.  Then
# escaping, nothing from the network, and where the page may not go.

load helper
load return

# sold DAY EXT LINES [CHANNEL [CURRENCY]]: an order of channel CHANNEL
# (else oms) in CURRENCY (else USD), lines "line_id:sku:qty ...", placed
# on DAY, routed and shipped from EWR1 that day.
sold() {
	local OMS_NOW=${1}T15:00:00Z l i s q lines=()
	for l in $3; do
		IFS=: read -r i s q <<<"$l"
		lines+=("$(jq -nc --arg i "$i" --arg s "$s" --argjson q "$q" \
		    '{line_id: $i, sku: $s, qty: $q, unit_price: "10.00"}')")
	done
	printf '%s\n' "${lines[@]}" | jq -sc --arg e "$2" --arg ch "${4:-oms}" \
	    --arg c "${5:-USD}" --arg at "$OMS_NOW" '{type: "order",
	    external_id: $e, channel: $ch, currency: $c, placed_at: $at,
	    customer: {email: "zoe@example.com"},
	    ship_to: {name: "Zoe Roe", address1: "1 Main St",
	    city: "New York", region: "NY", postal_code: "10001",
	    country: "US"}, lines: .}' | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	oms-ship --carrier offline --labels labels --pending >/dev/null
}

# A sku and a channel as a hostile export could name them.
EVIL_SKU=$'<script>alert("sku")</script>&\''
EVIL_CH='<b onmouseover="x">ch</b>'

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	OMS_DB=$(shared_db "$BATS_FILE_TMPDIR/shop.db") || return 1
	export OMS_DB SHOP_DB=$OMS_DB
	oms -q init
	setup_ret
	oms-stock >/dev/null <<'EOF'
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60],"cost":"4.00","currency":"USD"}
{"type":"product","sku":"B","weight_g":900,"cost":"6.00","currency":"USD"}
{"type":"product","sku":"C","weight_g":100,"cost":"12.50","currency":"USD"}
EOF
	jq -nc --arg s "$EVIL_SKU" '{type:"product",sku:$s,weight_g:200,
	    cost:"1.00",currency:"USD"},
	    {type:"movement",kind:"receive",sku:$s,location:"EWR1",qty:9,
	    key:"r-evil"}' | oms-stock >/dev/null
	sold 2026-11-23 1001 "L1:A:2 L2:B:1"
	sold 2026-11-23 PO-1 "1:A:3" wholesale
	sold 2026-11-24 1002 "L1:C:1"
	sold 2026-11-24 1003 "L1:$EVIL_SKU:2" "$EVIL_CH"
	sold 2026-11-25 PO-2 "1:B:4 2:C:1" wholesale EUR
	sold 2026-11-26 1004 "L1:A:1 L2:B:1"
	sold 2026-11-26 1005 "L1:B:2" "$EVIL_CH"
	OMS_NOW=2026-11-30T15:00:00Z oms-ship track >/dev/null
	export OMS_NOW=2026-12-01T10:00:00Z
	oms-return request --reason defective oms:1001 1:1 >/dev/null
	oms-return request --reason size_too_small oms:1004 2:1 >/dev/null
	oms-return receive r_1 >/dev/null
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export OMS_DB=$SHOP_DB OMS_TZ=America/New_York
	export OMS_NOW=2026-12-02T12:00:00Z HOME=$BATS_TEST_TMPDIR
}

need_chromium() {
	command -v chromium >/dev/null ||
		skip "no chromium (Debian's, installed by make deps)"
	command -v python3 >/dev/null || skip "no python3 to read the PNG"
}

# chromium_run [ARGS...] PAGE: headless, a profile of its own, its log
# (console messages among it) in chrome.err.
chromium_run() {
	timeout 120 chromium --headless=new --no-sandbox --disable-gpu \
	    --user-data-dir="$BATS_TEST_TMPDIR/chrome" --enable-logging=stderr \
	    --v=0 --virtual-time-budget=2000 --window-size=1200,2000 \
	    "$@" 2>chrome.err
}

# "chart-ID N" for each chart with N > 0 bars or points, from a page or
# the DOM Chromium dumped.
marks() {
	grep -o 'id="chart-[^"]*"\|class="bar"\|class="point"' "$1" |
	    awk -F'"' '/^id=/ { id = $2; next } { n[id]++ }
		END { for (i in n) print i, n[i] }' | sort
}

# What marks should say, from the reports as JSON lines: a point for
# each sales row (net by day and channel, a chart per currency); a bar
# for each fulfilment median and p90 that is not null; one for each of
# the 20 lowest cover_days_30; net sales and profit for each channel, a
# chart per currency; units returned for each reason.
expected() {
	{
		oms-report sales --by day | jq -r '"chart-sales-\(.currency)"'
		oms-report fulfilment --by location | jq -r '.ship_hours_median,
		    .ship_hours_p90 | select(. != null) | "chart-fulfilment"'
		oms-report inventory | jq -rs 'map(select(.cover_days_30 !=
		    null)) | .[:20][] | "chart-stock"'
		oms-report profit --by channel | jq -r '(.net_sales, .profit)
		    as $v | select($v != null) | "chart-profit-\(.currency)"'
		oms-report returns --by reason | jq -r 'select(.units_returned
		    != null) | "chart-returns" + if .currency then
		    "-\(.currency)" else "" end'
	} | sort | uniq -c | awk '{ print $2, $1 }' | sort
}

@test "the page: the range and zone in the heading, every section with a chart and a table, the same bytes twice, mode 0600" {
	run --separate-stderr oms-report --html page.html
	assert_success
	assert_equal "$stderr" ""
	assert_output ""
	grep -q '<h1>oms report: 2026-11-23 to 2026-11-26</h1>' page.html
	grep -q 'time zone America/New_York; made at 2026-12-02T12:00:00Z' page.html
	grep -q 'Sales go by day: by day when the range is 31 days or fewer' page.html
	assert_equal "$(grep -o '<h2>[^<]*</h2>' page.html)" "<h2>Sales by channel over time, by day</h2>
<h2>Fulfilment times</h2>
<h2>Stock cover (the 20 lowest), as of 2026-12-02T12:00:00Z</h2>
<h2>Profit by channel</h2>
<h2>Returns by reason</h2>"
	# Money is never summed across currencies: a sales chart each.
	grep -q 'id="chart-sales-USD"' page.html
	grep -q 'id="chart-sales-EUR"' page.html
	assert_equal "$(grep -c '<svg class="chart"' page.html)" \
	    "$(grep -c '^<table>' page.html)"
	assert_equal "$(stat -c %a page.html)" 600
	oms-report --html again.html
	cmp page.html again.html
	# Over a longer range sales go by week.
	oms-report --from 2026-10-01 --to 2026-11-30 --html long.html
	grep -q '<h2>Sales by channel over time, by week</h2>' long.html
	grep -q '<h1>oms report: 2026-10-01 to 2026-11-30</h1>' long.html
	grep -q '<h2>Stock cover (the 20 lowest), as of 2026-11-30</h2>' long.html
}

@test "a database with no orders: a page that says so, every section empty, no chart" {
	export OMS_DB=$BATS_TEST_TMPDIR/empty.db
	oms -q init
	run --separate-stderr oms-report --html page.html
	assert_success
	grep -q '<h1>oms report: no orders</h1>' page.html
	assert_equal "$(grep -c '<p class="none">Nothing in this range.</p>' page.html)" 5
	run grep -c '<svg' page.html
	assert_output 0
}

@test "in headless Chromium the page renders with no console message and the screenshot is not blank" {
	need_chromium
	oms-report --html page.html
	chromium_run --screenshot="$PWD/shot.png" "file://$PWD/page.html"
	[ -s shot.png ]
	# A script error, a CSP refusal (anything the page tried to load or
	# run), a console call: Chromium logs each as CONSOLE.
	run grep -E 'CONSOLE|Uncaught|Refused' chrome.err
	assert_failure
	run python3 - shot.png <<'EOF'
import struct, sys, zlib

d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat = 8, []
while pos < len(d):
    n, t = struct.unpack('>I4s', d[pos:pos + 8])
    if t == b'IHDR':
        w, h, depth, ctype, _, _, lace = struct.unpack('>IIBBBBB',
                                                       d[pos + 8:pos + 21])
    elif t == b'IDAT':
        idat.append(d[pos + 8:pos + 8 + n])
    pos += 12 + n
assert depth == 8 and ctype in (2, 6) and not lace, 'not 8-bit RGB(A)'
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(b''.join(idat)), w * bpp
prev, colours = bytearray(stride), set()
for y in range(h):
    i = y * (stride + 1)
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    for x in range(stride) if f else ():
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + ((a + b) >> 1)) & 255
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else
                                  b if pb <= pc else c)) & 255
    colours.update(bytes(line[x:x + 3]) for x in range(0, stride, bpp))
    prev = line
print(w, h, len(colours), '4e79a7' in {c.hex() for c in colours})
EOF
	assert_success
	# 1200 by 2000, many colours (text, lines, bars), and the first
	# series' colour among them: the charts were drawn.
	[[ $output =~ ^1200\ 2000\ ([0-9]+)\ True$ ]]
	((BASH_REMATCH[1] > 20))
}

@test "each chart in the DOM Chromium built has a bar or point for each value the report gives as JSON lines" {
	need_chromium
	oms-report --html page.html
	chromium_run --dump-dom "file://$PWD/page.html" > dom.html
	run grep -E 'CONSOLE|Uncaught|Refused' chrome.err
	assert_failure
	grep -q '</svg>' dom.html
	want=$(expected)
	# every section has something to draw in this shop
	assert_equal "$(cut -d' ' -f1 <<<"$want" | sed 's/-[A-Z]*$//' | uniq)" "chart-fulfilment
chart-profit
chart-returns
chart-sales
chart-stock"
	assert_equal "$(marks dom.html)" "$want"
	assert_equal "$(marks page.html)" "$want"
	# The simplest form of it: a point for each sales row.
	assert_equal "$(grep -o 'class="point"' dom.html | wc -l)" \
	    "$(oms-report sales --by day | wc -l)"
	# Each chart's table lists the same rows as the report.
	assert_equal "$(sed -n '/<section id="sales">/,/<\/section>/p' page.html |
	    grep -c '^<tr><td')" "$(oms-report sales --by day | wc -l)"
}

@test "a hostile sku and channel are text in the page, escaped; nothing from the network: no URL, no script, no font, no image" {
	oms-report --html page.html
	oms-report inventory | jq -se --arg s "$EVIL_SKU" 'any(.sku == $s)' >/dev/null
	grep -q '&lt;script&gt;alert(&quot;sku&quot;)&lt;/script&gt;&amp;&#39;' page.html
	grep -q '&lt;b onmouseover=&quot;x&quot;&gt;ch&lt;/b&gt;' page.html
	run grep -iE '<script|onmouseover="|<b |https?:|://|url\(|@font-face|@import|<img|<link|<iframe|<object|<embed|src=|href=' page.html
	assert_failure
	# The policy forbids whatever a future change might add.
	grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" page.html
}

@test "the page's filters go to every section; a report that refuses one says so in its place, and the page is written" {
	run --separate-stderr oms-report --location EWR1 --html page.html
	assert_success
	grep -q ' Only location EWR1\.' page.html
	for v in "sales --by day" "fulfilment --by location" inventory \
	    "profit --by channel" "returns --by reason"; do
		run --separate-stderr oms-report $v --location EWR1
		case $status in
		0) ;;
		2)	msg=$(sed "s/&/\&amp;/g; s/'/\&#39;/g; s/</\&lt;/g; s/>/\&gt;/g" \
			    <<<"${stderr#oms-report: }")
			grep -qF "<p class=\"none\">$msg.</p>" page.html ;;
		*) false ;;
		esac
	done
}

@test "--html refuses a directory and a symbolic link (what it points to untouched), a missing directory with exit 3; no --html is a usage error" {
	mkdir dir
	run --separate-stderr oms-report --html dir
	assert_failure 3
	assert_equal "$stderr" "oms-report: cannot write 'dir': it is a directory, not a regular file; left as it is, nothing written"
	echo precious > target
	ln -s target link.html
	run --separate-stderr oms-report --html link.html
	assert_failure 3
	assert_equal "$stderr" "oms-report: cannot write 'link.html': it is a symbolic link, not a regular file; left as it is, nothing written"
	assert_equal "$(cat target)" precious
	[ -L link.html ]
	run --separate-stderr oms-report --html missing/page.html
	assert_failure 3
	assert_equal "$stderr" "oms-report: cannot write 'missing/page.html': No such file or directory"
	[ ! -e missing ]
	# A page that is there is replaced whole, its mode made 0600.
	echo old > page.html
	chmod 644 page.html
	oms-report --html page.html
	grep -q '</html>' page.html
	assert_equal "$(stat -c %a page.html)" 600
	assert_equal "$(ls -A | grep -c '\.tmp$')" 0
	run --separate-stderr oms-report
	assert_failure 2
	[[ $stderr == *"name a report, or give --html FILE"* ]]
	run --separate-stderr oms-report --html page.html extra
	assert_failure 2
}
