# t/rsales.bash: loaded by the oms-report bats files of sales and returns
# (t/6100, t/6150): a small shop built day by day with the real programs,
# in the merchant's zone America/Los_Angeles (UTC-8 in November and
# December), in three currencies (USD, EUR, JPY).  What each order is,
# and what happens to it, is written beside it; the figures the tests
# expect are worked out from these by hand.

export OMS_TZ=America/Los_Angeles

# order ID CHANNEL CURRENCY PLACED LINES TOTALS: LINES and TOTALS as JSON.
rorder() {
	jq -nc --arg e "$1" --arg ch "$2" --arg cur "$3" --arg at "$4" \
	    --argjson l "$5" --argjson t "$6" '{type:"order",channel:$ch,
	    external_id:$e,placed_at:$at,currency:$cur,
	    payment:{status:"paid"},customer:{email:"zoe@example.com"},
	    ship_to:{name:"Zoe Roe",address1:"1 Main St",city:"New York",
	    region:"NY",postal_code:"10001",country:"US"},lines:$l,totals:$t}'
}

# The shop: A and B at EWR1, C at LAX1 only; KIT is one A and two B.
setup_shop() {
	oms-route -q geo load "$FIX/route/geo.txt"
	oms-stock "$FIX/route/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'JSON'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":20,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":20,"key":"r2"}
{"type":"movement","kind":"receive","sku":"C","location":"LAX1","qty":9,"key":"r3"}
JSON
}

# Route and ship what is waiting, at $OMS_NOW.
ship_all() {
	oms-route --pending >/dev/null
	oms-ship --carrier offline --labels labels --pending >/dev/null
}

build_shop() {
	setup_shop
	# o_1 web USD, placed Sun Nov 29 21:00 in Los Angeles (Nov 30 05:00
	# UTC): 2 A at 10.00 with 2.00 off the line and 1.44 tax, 1 KIT at
	# 30.00 with 2.40 tax; 3.00 off the order (discount 5.00 in all),
	# shipping 5.00, tax 4.24 (0.40 on the shipping); total 54.24.
	export OMS_NOW=2026-11-30T05:00:00Z
	rorder 1001 web USD 2026-11-30T05:00:00Z \
	    '[{"line_id":"L1","sku":"A","qty":2,"unit_price":"10.00","discount":"2.00","tax":"1.44"},{"line_id":"L2","sku":"KIT","qty":1,"unit_price":"30.00","tax":"2.40"}]' \
	    '{"discount":"5.00","shipping":"5.00","tax":"4.24","total":"54.24"}' |
	    oms-import --channel oms >/dev/null
	# o_2 web USD, placed Mon Nov 30 12:00 (20:00 UTC): 3 B at 15.00,
	# 3.60 tax on the line; shipping 6.00, tax 3.60; total 54.60.
	export OMS_NOW=2026-11-30T20:00:00Z
	rorder 1002 web USD 2026-11-30T20:00:00Z \
	    '[{"line_id":"L1","sku":"B","qty":3,"unit_price":"15.00","tax":"3.60"}]' \
	    '{"shipping":"6.00","tax":"3.60","total":"54.60"}' |
	    oms-import --channel oms >/dev/null
	# o_3 etsy EUR, placed Mon Nov 30 23:30 (Dec 1 07:30 UTC): 1 A at
	# 25.00, 2.50 off the order, shipping 4.00, tax 5.00; total 31.50.
	export OMS_NOW=2026-12-01T07:30:00Z
	rorder 2001 etsy EUR 2026-12-01T07:30:00Z \
	    '[{"line_id":"L1","sku":"A","qty":1,"unit_price":"25.00"}]' \
	    '{"discount":"2.50","shipping":"4.00","tax":"5.00","total":"31.50"}' |
	    oms-import --channel oms >/dev/null
	# Tue Dec 1 09:00 (17:00 UTC): one B of o_2 cancelled, o_3 cancelled
	# whole; o_1 and the rest of o_2 routed and shipped from EWR1,
	# delivered on Thursday.
	export OMS_NOW=2026-12-01T17:00:00Z
	oms-import cancel -q --reason "customer asked" --line 1:1 o_2 >/dev/null
	oms-import cancel -q --reason "customer asked" o_3 >/dev/null
	ship_all
	OMS_NOW=2026-12-03T15:00:00Z oms-ship track >/dev/null
	# Wed Dec 2 08:00 (16:00 UTC): o_3's money back (a refund of a
	# cancellation, source cancel: not a return).
	OMS_NOW=2026-12-02T16:00:00Z oms-return refund -q o_3 >/dev/null
	# And f_2, the money of o_2's cancelled B: 15.00 and 1.20 tax.
	OMS_NOW=2026-12-02T16:00:00Z oms-return refund -q o_2 >/dev/null
	# Fri Dec 4 10:00 (18:00 UTC): r_1, one A of o_1 (defective), and
	# r_2, its KIT (unwanted).  Sat Dec 5 12:00 (20:00 UTC): r_3, one B
	# of o_2 (size_too_small).  All received Mon Dec 7 09:00 (17:00
	# UTC) and inspected Tue Dec 8 10:00 (18:00 UTC), and so refunded
	# then: the A restocked (f_3), the KIT's parts disposed of (f_4),
	# the B regraded (f_5).  f_3 is sent Thu Dec 10 10:00 (18:00 UTC),
	# f_5 Fri Dec 11 00:00 (08:00 UTC); f_4 waits.
	OMS_NOW=2026-12-04T18:00:00Z oms-return request -q --reason defective o_1 1:1 >/dev/null
	OMS_NOW=2026-12-04T18:00:00Z oms-return request -q --reason unwanted o_1 2:1 >/dev/null
	OMS_NOW=2026-12-05T20:00:00Z oms-return request -q --reason size_too_small o_2 1:1 >/dev/null
	export OMS_NOW=2026-12-07T17:00:00Z
	for r in r_1 r_2 r_3; do oms-return receive -q $r >/dev/null; done
	export OMS_NOW=2026-12-08T18:00:00Z
	oms-return inspect -q --disposition restock r_1 1 >/dev/null
	oms-return inspect -q --disposition dispose r_2 1 >/dev/null
	oms-return inspect -q --disposition regrade --to-sku A r_3 1 >/dev/null
	OMS_NOW=2026-12-10T18:00:00Z oms-return refunded -q f_3 >/dev/null
	OMS_NOW=2026-12-11T08:00:00Z oms-return refunded -q f_5 >/dev/null
	# o_4 web JPY, placed Mon Dec 7 19:00 (Dec 8 03:00 UTC): 2 C at 1500,
	# 300 tax on the line, shipping 500; total 3800; shipped from LAX1.
	export OMS_NOW=2026-12-08T03:00:00Z
	rorder 1003 web JPY 2026-12-08T03:00:00Z \
	    '[{"line_id":"L1","sku":"C","qty":2,"unit_price":"1500","tax":"300"}]' \
	    '{"shipping":"500","tax":"300","total":"3800"}' |
	    oms-import --channel oms >/dev/null
	ship_all
	# Thu Dec 10 10:00 (18:00 UTC): o_4's parcel is lost and reshipped
	# as o_5, an order oms makes (origin reship): no sale.
	OMS_NOW=2026-12-10T18:00:00Z oms-return reship -q --reason lost \
	    --tracking "$(sqlite3 "$OMS_DB" "SELECT tracking FROM shipments
	    WHERE order_id = 4")" o_4 >/dev/null
	OMS_NOW=2026-12-10T18:00:00Z ship_all
}
