#!/usr/bin/env bats
# oms-import: the CSV channel adapters (eBay, Etsy, Square, wholesale) on
# files in each channel's real format, traps included: framing, BOM, CRLF,
# Windows-1252, multi-line quoted fields, Excel-guarded zips, summary rows,
# currency-prefixed money, "1.0" quantities and refund rows.

load helper

SQUARE_SAMPLE="$OMS_SAMPLES/square_items_detail_2026__sunrise_social_club_REDACTED.csv"
DEMO="$TOP/share/oms/demo/orders"

# The fields that matter of each order printed, one line each.
orders() {
	jq -c '{external_id,status,hold_reasons,placed_at,currency,totals,
		lines:[.lines[]|{sku,qty,unit_price}]}'
}

# ---- eBay ---------------------------------------------------------------

@test "eBay: framing, BOM, summary + item rows and prefixed money, order by order" {
	run --separate-stderr oms-import --channel ebay "$FIX/ebay-orders-bom.csv"
	assert_success
	assert_equal "$stderr" ""
	run orders <<<"$output"
	assert_output - <<'OUT'
{"external_id":"12-34567-89012","status":"open","hold_reasons":null,"placed_at":"2026-09-18T00:00:00Z","currency":"USD","totals":{"subtotal":"43.00","shipping":"5.00","discount":"0.00","tax":"3.44","total":"51.44"},"lines":[{"sku":"SKL-10","qty":2,"unit_price":"21.50"}]}
{"external_id":"23-45678-90123","status":"fulfilled","hold_reasons":null,"placed_at":"2026-09-30T23:45:00Z","currency":"USD","totals":{"subtotal":"60.00","shipping":"7.50","discount":"0.00","tax":"4.80","total":"72.30"},"lines":[{"sku":"DO-5Q","qty":1,"unit_price":"30.00"},{"sku":"TRV-01","qty":2,"unit_price":"15.00"}]}
{"external_id":"1003","status":"hold","hold_reasons":["line 1 (Vintage Brass Telescope): no sku","awaiting payment (payment status pending)"],"placed_at":"2026-09-25T08:05:00Z","currency":"AUD","totals":{"subtotal":"1250.00","shipping":"25.00","discount":"0.00","tax":"0.00","total":"1275.00"},"lines":[{"sku":null,"qty":1,"unit_price":"1250.00"}]}
{"external_id":"04-11111-22222","status":"open","hold_reasons":null,"placed_at":"2026-09-27T19:02:33Z","currency":"EUR","totals":{"subtotal":"90.00","shipping":"4.50","discount":"0.00","tax":"0.00","total":"94.50"},"lines":[{"sku":"LNT-BR","qty":1,"unit_price":"90.00"}]}
OUT
}

@test "eBay: addresses, Excel-guarded zip, multi-line buyer note, payment and dates" {
	oms-import "$FIX/ebay-orders-bom.csv" > out.jsonl
	run jq -c 'select(.external_id=="12-34567-89012") |
		{customer,ship_to,bill_to,payment,service,ship_by,deliver_by,note,sales_record_number}' out.jsonl
	assert_output '{"customer":{"email":"zoe.adams@example.com","name":"Zoë Adams","phone":"+1 617 555 0142"},"ship_to":{"name":"Zoë Adams","address1":"41 Elm Street","address2":"Apt 2","city":"Boston","region":"MA","postal_code":"02134","country":"US","phone":"+1 617 555 0142"},"bill_to":{"name":"Zoë Adams","address1":"41 Elm Street","address2":"Apt 2","city":"Boston","region":"MA","postal_code":"02134","country":"US"},"payment":{"status":"paid","method":"eBay Managed Payments","paid_at":"2026-09-18T00:00:00Z"},"service":"USPS Ground Advantage","ship_by":"2026-09-21T00:00:00Z","deliver_by":"2026-09-26T00:00:00Z","note":"Please leave it at the side door.\nThe front porch floods!","sales_record_number":"1001"}'
	run jq -c 'select(.external_id=="23-45678-90123") |
		{status,service,shipped_at,tracking_number,ship_to:.ship_to.city,
		 lines:[.lines[]|{line_id,sku,title,qty,unit_price,item_number,variation}]}' out.jsonl
	assert_output '{"status":"fulfilled","service":"UPS Ground","shipped_at":"2026-10-01T10:20:00Z","tracking_number":"1Z999AA10123456784","ship_to":"San Francisco","lines":[{"line_id":"2458811290101","sku":"DO-5Q","title":"Enamel Dutch Oven 5qt, \"Flame\" Red","qty":1,"unit_price":"30.00","item_number":"184500000001","variation":"[Color:Flame Red]"},{"line_id":"2458811290102","sku":"TRV-01","title":"Trivet, cast iron","qty":2,"unit_price":"15.00","item_number":"184500000002","variation":null}]}'
	run jq -c 'select(.external_id=="04-11111-22222") | .ship_to' out.jsonl
	assert_output '{"name":"Jürgen Müller","address1":"Hauptstraße 5","city":"Berlin","postal_code":"10115","country":"DE","phone":"+49 30 5550123"}'
}

@test "eBay: the summary row's money is the order's, its items are the lines" {
	oms-import "$FIX/ebay-orders-bom.csv" >/dev/null
	run sqlite3 "$OMS_DB" "SELECT o.external_id, l.line_no, l.sku, l.qty, l.unit_price
		FROM orders o JOIN order_lines l ON l.order_id = o.id ORDER BY o.id, l.line_no"
	assert_output - <<'OUT'
12-34567-89012|1|SKL-10|2|2150
23-45678-90123|1|DO-5Q|1|3000
23-45678-90123|2|TRV-01|2|1500
1003|1||1|125000
04-11111-22222|1|LNT-BR|1|9000
OUT
	run sqlite3 "$OMS_DB" "SELECT external_id, currency, subtotal, shipping, tax, total FROM orders ORDER BY id"
	assert_output - <<'OUT'
12-34567-89012|USD|4300|500|344|5144
23-45678-90123|USD|6000|750|480|7230
1003|AUD|125000|2500|0|127500
04-11111-22222|EUR|9000|450|0|9450
OUT
}

@test "eBay: the 80-column report with CRLF, Windows-1252 and the quoted footer" {
	run --separate-stderr oms-import -v "$FIX/ebay-orders-80col-cp1252.csv"
	assert_success
	assert_equal "$stderr" "oms-import: $FIX/ebay-orders-80col-cp1252.csv: read as ebay (channel ebay)
oms-import: $FIX/ebay-orders-80col-cp1252.csv: read as Windows-1252
oms-import: 2 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	printf '%s\n' "$output" > out.jsonl
	run orders < out.jsonl
	assert_output - <<'OUT'
{"external_id":"11-22222-33333","status":"open","hold_reasons":null,"placed_at":"2026-10-02T14:10:00Z","currency":"CAD","totals":{"subtotal":"45.00","shipping":"12.00","discount":"0.00","tax":"5.85","total":"62.85"},"lines":[{"sku":"CRP-PAN","qty":1,"unit_price":"45.00"}]}
{"external_id":"11-22222-44444","status":"fulfilled","hold_reasons":null,"placed_at":"2026-10-03T09:00:00Z","currency":"USD","totals":{"subtotal":"19.99","shipping":"0.00","discount":"0.00","tax":"1.20","total":"21.19"},"lines":[{"sku":"TIN-HALF","qty":1,"unit_price":"19.99"}]}
OUT
	run jq -c '[.ship_to.name, .ship_to.city, .ship_to.country, .lines[0].title]' out.jsonl
	assert_output - <<'OUT'
["Renée Dubois","Montréal","CA","Crêpe Pan 12in, carbon steel"]
["Omar Haddad","Austin","US","½ lb Spice Tin, set of 2"]
OUT
}

@test "eBay: seller-local times are read in the zone --tz names" {
	run --separate-stderr oms-import --tz America/Los_Angeles "$FIX/ebay-orders-bom.csv"
	assert_success
	run jq -c '[.external_id, .placed_at, .payment.paid_at, .ship_by]' <<<"$output"
	assert_output - <<'OUT'
["12-34567-89012","2026-09-18T07:00:00Z","2026-09-18T07:00:00Z","2026-09-21T07:00:00Z"]
["23-45678-90123","2026-10-01T06:45:00Z","2026-10-01T06:50:00Z","2026-10-02T07:00:00Z"]
["1003","2026-09-25T15:05:00Z",null,"2026-09-29T07:00:00Z"]
["04-11111-22222","2026-09-28T02:02:33Z","2026-09-28T02:03:10Z","2026-09-30T07:00:00Z"]
OUT
}

@test "eBay: importing the report again changes nothing" {
	oms-import "$FIX/ebay-orders-bom.csv" >/dev/null
	run --separate-stderr oms-import -v "$FIX/ebay-orders-bom.csv"
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 4 unchanged, 0 older, 0 held, 0 rejected"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM events")" "4"
}

# ---- Etsy ---------------------------------------------------------------

@test "Etsy items (US): rows grouped by Order ID, order-level shipping and tax taken once" {
	run --separate-stderr oms-import --channel etsy "$FIX/etsy-items-us.csv"
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > out.jsonl
	run orders < out.jsonl
	assert_output - <<'OUT'
{"external_id":"2841234567","status":"open","hold_reasons":null,"placed_at":"2026-09-14T00:00:00Z","currency":"USD","totals":{"subtotal":"80.50","shipping":"8.95","discount":"0.00","tax":"6.28","total":"95.73"},"lines":[{"sku":"MUG-SPK","qty":2,"unit_price":"28.00"},{"sku":"NAP-LIN-4","qty":1,"unit_price":"24.50"}]}
{"external_id":"2841234599","status":"fulfilled","hold_reasons":null,"placed_at":"2026-09-15T00:00:00Z","currency":"CAD","totals":{"subtotal":"32.00","shipping":"0.00","discount":"3.20","tax":"0.00","total":"28.80"},"lines":[{"sku":"CND-TRIO","qty":1,"unit_price":"32.00"}]}
{"external_id":"2841234600","status":"hold","hold_reasons":["line 1 (Custom Name Necklace): no sku"],"placed_at":"2026-09-16T00:00:00Z","currency":"USD","totals":{"subtotal":"45.00","shipping":"4.00","discount":"0.00","tax":"2.70","total":"51.70"},"lines":[{"sku":null,"qty":1,"unit_price":"45.00"}]}
OUT
	run jq -c 'select(.external_id=="2841234567") | {ship_to,payment,
		lines:[.lines[]|{line_id,title,listing_id,variations}]}' out.jsonl
	assert_output '{"ship_to":{"name":"Hannah Brooks","address1":"18 Orchard Lane","city":"Portland","region":"ME","postal_code":"04101","country":"US"},"payment":{"status":"paid","method":"online_cc","paid_at":"2026-09-14T00:00:00Z"},"lines":[{"line_id":"3301001","title":"Handmade Ceramic Mug - Speckled","listing_id":"1187001","variations":"Glaze:Speckled Oat"},{"line_id":"3301002","title":"Linen Napkin Set of 4 & Ring","listing_id":"1187002","variations":"Color:Sage"}]}'
	run jq -c 'select(.external_id=="2841234599") | [.ship_to, .coupon_code, .shipped_at]' out.jsonl
	assert_output '[{"name":"Marie Tremblay","address1":"350 Spadina Ave","address2":"Unit 4","city":"Toronto","region":"ON","postal_code":"M5T 2G4","country":"CA"},"FALL10","2026-09-16T00:00:00Z"]'
}

@test "Etsy items (UK wording, Windows-1252, CRLF): Delivery columns, Date Posted" {
	run --separate-stderr oms-import -v --channel etsy "$FIX/etsy-items-uk-cp1252.csv"
	assert_success
	assert_equal "$stderr" "oms-import: $FIX/etsy-items-uk-cp1252.csv: read as etsy-items (channel etsy)
oms-import: $FIX/etsy-items-uk-cp1252.csv: read as Windows-1252
oms-import: 2 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	printf '%s\n' "$output" > out.jsonl
	run orders < out.jsonl
	assert_output - <<'OUT'
{"external_id":"3050000001","status":"fulfilled","hold_reasons":null,"placed_at":"2026-10-03T00:00:00Z","currency":"GBP","totals":{"subtotal":"65.00","shipping":"12.00","discount":"0.00","tax":"0.00","total":"77.00"},"lines":[{"sku":"THR-HEA","qty":1,"unit_price":"65.00"}]}
{"external_id":"3050000002","status":"open","hold_reasons":null,"placed_at":"2026-10-04T00:00:00Z","currency":"GBP","totals":{"subtotal":"19.50","shipping":"1.95","discount":"0.00","tax":"0.00","total":"21.45"},"lines":[{"sku":"PIN-MOON","qty":3,"unit_price":"6.50"}]}
OUT
	# Ireland has no postcode to require; the second order is complete.
	run jq -c '[.ship_to, .lines[0].title]' out.jsonl
	assert_output - <<'OUT'
[{"name":"Siobhán Murphy","address1":"14 Ráth Maonais","city":"Dublin 6","region":"Dublin","country":"IE"},"Wool Throw – Heather"]
[{"name":"Beatrice Wöhler","address1":"2 Church Row","city":"York","region":"North Yorkshire","postal_code":"YO1 7HH","country":"GB"},"Enamel Pin ½ Moon"]
OUT
}

@test "Etsy: the orders file after the items file adds totals and keeps the lines" {
	OMS_NOW=2026-09-17T08:00:00Z oms-import "$FIX/etsy-items-us.csv" >/dev/null
	lines_before=$(sqlite3 "$OMS_DB" "SELECT order_id, line_no, sku, qty, unit_price FROM order_lines ORDER BY 1, 2")
	OMS_NOW=2026-09-20T08:00:00Z run --separate-stderr oms-import -v "$FIX/etsy-orders-us.csv"
	assert_success
	assert_equal "$stderr" "oms-import: $FIX/etsy-orders-us.csv: read as etsy-orders (channel etsy)
oms-import: 0 created, 3 updated, 0 unchanged, 0 older, 1 held, 0 rejected"
	printf '%s\n' "$output" > out.jsonl
	run orders < out.jsonl
	assert_output - <<'OUT'
{"external_id":"2841234567","status":"open","hold_reasons":null,"placed_at":"2026-09-14T00:00:00Z","currency":"USD","totals":{"subtotal":"80.50","shipping":"8.95","discount":"0.00","tax":"6.28","total":"95.73"},"lines":[{"sku":"MUG-SPK","qty":2,"unit_price":"28.00"},{"sku":"NAP-LIN-4","qty":1,"unit_price":"24.50"}]}
{"external_id":"2841234599","status":"fulfilled","hold_reasons":null,"placed_at":"2026-09-15T00:00:00Z","currency":"CAD","totals":{"subtotal":"32.00","shipping":"0.00","discount":"3.20","tax":"0.00","total":"28.80"},"lines":[{"sku":"CND-TRIO","qty":1,"unit_price":"32.00"}]}
{"external_id":"2841234600","status":"hold","hold_reasons":["line 1 (Custom Name Necklace): no sku"],"placed_at":"2026-09-16T00:00:00Z","currency":"USD","totals":{"subtotal":"45.00","shipping":"4.00","discount":"0.00","tax":"2.70","total":"51.70","refunded":"10.00"},"lines":[{"sku":null,"qty":1,"unit_price":"45.00"}]}
OUT
	run jq -c '[.external_id, .payment.method, .etsy_status, .card_processing_fees, .order_net, .skus]' out.jsonl
	assert_output - <<'OUT'
["2841234567","Credit Card","Completed","3.12","92.61",["MUG-SPK","NAP-LIN-4"]]
["2841234599","Credit Card","Completed","1.12","27.68",["CND-TRIO"]]
["2841234600","PayPal","Partially Refunded","1.80","40.20",null]
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT order_id, line_no, sku, qty, unit_price FROM order_lines ORDER BY 1, 2")" "$lines_before"
	run sqlite3 "$OMS_DB" "SELECT order_id, at, action, json_extract(after, '$.totals.refunded'),
		json_extract(after, '$.etsy_status') FROM events ORDER BY id"
	assert_output - <<'OUT'
1|2026-09-17T08:00:00Z|created||
2|2026-09-17T08:00:00Z|created||
3|2026-09-17T08:00:00Z|created||
1|2026-09-20T08:00:00Z|updated||Completed
2|2026-09-20T08:00:00Z|updated||Completed
3|2026-09-20T08:00:00Z|updated|10.00|Partially Refunded
OUT
}

@test "Etsy: the orders file alone makes orders held for no lines; the items file completes them" {
	run --separate-stderr oms-import "$FIX/etsy-orders-us.csv"
	assert_success
	run jq -c '[.external_id, .status, .hold_reasons, .totals.total]' <<<"$output"
	assert_output - <<'OUT'
["2841234567","hold",["no lines"],"95.73"]
["2841234599","fulfilled",null,"28.80"]
["2841234600","hold",["no lines"],"51.70"]
OUT
	run oms-import "$FIX/etsy-items-us.csv"
	assert_success
	run jq -c '[.external_id, .status, .hold_reasons, (.lines | length)]' <<<"$output"
	assert_output - <<'OUT'
["2841234567","open",null,2]
["2841234599","fulfilled",null,1]
["2841234600","hold",["line 1 (Custom Name Necklace): no sku"],1]
OUT
}

@test "Etsy: orders held for no lines by the orders file are not database problems" {
	oms-import "$FIX/etsy-orders-us.csv" >/dev/null
	run --separate-stderr oms check
	assert_success
	assert_equal "$stderr" "oms: database '$OMS_DB' is consistent"
}

@test "Etsy: the UK orders file merges into the UK items" {
	oms-import "$FIX/etsy-items-uk-cp1252.csv" >/dev/null
	run --separate-stderr oms-import "$FIX/etsy-orders-uk-cp1252.csv"
	assert_success
	run jq -c '{external_id,status,customer,totals,lines:(.lines|length),card_processing_fees}' <<<"$output"
	assert_output '{"external_id":"3050000001","status":"fulfilled","customer":{"name":"Siobhán Murphy"},"totals":{"subtotal":"65.00","shipping":"12.00","discount":"0.00","tax":"0.00","total":"77.00"},"lines":1,"card_processing_fees":"2.61"}'
}

@test "Etsy: importing both files again changes nothing" {
	oms-import "$FIX/etsy-items-us.csv" >/dev/null
	oms-import "$FIX/etsy-orders-us.csv" >/dev/null
	run --separate-stderr oms-import -v "$FIX/etsy-items-us.csv"
	assert_success
	assert_output ""
	assert_equal "${stderr_lines[1]}" "oms-import: 0 created, 0 updated, 3 unchanged, 0 older, 0 held, 0 rejected"
}

# ---- Square -------------------------------------------------------------

@test "Square: 1.0 quantities, line discounts and tax, a refund row, Rails zone names" {
	run --separate-stderr oms-import --channel square "$FIX/square-items-refund.csv"
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > out.jsonl
	run orders < out.jsonl
	assert_output - <<'OUT'
{"external_id":"Kq7TbX2mPd9RzL1vYw3N","status":"fulfilled","hold_reasons":null,"placed_at":"2026-09-13T01:30:05Z","currency":"USD","totals":{"subtotal":"14.50","shipping":"0.00","discount":"1.00","tax":"1.22","total":"14.72","refunded":"4.91"},"lines":[{"sku":"CB-16","qty":2,"unit_price":"5.00"},{"sku":"PST-ALM","qty":1,"unit_price":"4.50"}]}
{"external_id":"Zm4HcE8sWq2GfN6pJt0A","status":"fulfilled","hold_reasons":null,"placed_at":"2026-09-12T13:15:00Z","currency":"USD","totals":{"subtotal":"6.00","shipping":"0.00","discount":"0.00","tax":"0.53","total":"6.53"},"lines":[{"sku":null,"qty":1,"unit_price":"6.00"}]}
OUT
	run jq -c '.lines[] | {title,total,discount,tax,requires_shipping,price_point,modifiers,category,note}' out.jsonl
	assert_output - <<'OUT'
{"title":"Cold Brew","total":"10.00","discount":"1.00","tax":"0.81","requires_shipping":false,"price_point":"Regular","modifiers":["16oz","Oat Milk"],"category":"Drinks","note":null}
{"title":"Almond Croissant","total":"4.50","discount":"0.00","tax":"0.41","requires_shipping":false,"price_point":"Regular","modifiers":null,"category":"Pastry","note":"Warm it up,\nplease"}
{"title":"Matcha Latte","total":"6.00","discount":"0.00","tax":"0.53","requires_shipping":false,"price_point":null,"modifiers":["12oz","Whole Milk"],"category":"Drinks","note":null}
OUT
	run jq -c '[.customer, .payment, .location]' out.jsonl
	assert_output - <<'OUT'
[{"name":"Dana Whitfield"},{"status":"paid","method":"Visa","reference":"P3nWq8ZkLr5Ty2"},"Fernwood Coffee & Bakery"]
[null,{"status":"paid","method":"MasterCard","reference":"Q1aSd4FgHj7Kl0"},"Fernwood Coffee (Boston)"]
OUT
}

@test "Square: the real Item Sales Detail export, sale by sale" {
	skip_without_samples
	run --separate-stderr oms-import -v "$SQUARE_SAMPLE"
	assert_success
	assert_equal "$stderr" "oms-import: $SQUARE_SAMPLE: read as square (channel square)
oms-import: 103 created, 0 updated, 0 unchanged, 0 older, 0 held, 0 rejected"
	printf '%s\n' "$output" > out.jsonl
	run orders < <(head -n 3 out.jsonl)
	assert_output - <<'OUT'
{"external_id":"4S5oaeKrPyyWWst4wAvuQJ3qn6PZY","status":"fulfilled","hold_reasons":null,"placed_at":"2026-07-18T16:59:30Z","currency":"USD","totals":{"subtotal":"16.00","shipping":"0.00","discount":"0.00","tax":"1.24","total":"17.24"},"lines":[{"sku":null,"qty":1,"unit_price":"8.00"},{"sku":null,"qty":1,"unit_price":"8.00"}]}
{"external_id":"gSrCa7LyN01iIhIdeCtxqg9fx9ZZY","status":"fulfilled","hold_reasons":null,"placed_at":"2026-07-18T16:58:11Z","currency":"USD","totals":{"subtotal":"8.00","shipping":"0.00","discount":"0.00","tax":"0.62","total":"8.62"},"lines":[{"sku":null,"qty":1,"unit_price":"8.00"}]}
{"external_id":"On8JVRNfDLBO7hxgd7iDioqmDzJZY","status":"fulfilled","hold_reasons":null,"placed_at":"2026-07-18T16:57:42Z","currency":"USD","totals":{"subtotal":"4.00","shipping":"0.00","discount":"0.00","tax":"0.31","total":"4.31"},"lines":[{"sku":null,"qty":1,"unit_price":"4.00"}]}
OUT
	# "2.0" of a $4.00 line is two at $2.00.
	run orders < <(jq -c 'select(.external_id=="ejcIFyDPdauEsvHWQyPjOxD1qELZY")' out.jsonl)
	assert_output '{"external_id":"ejcIFyDPdauEsvHWQyPjOxD1qELZY","status":"fulfilled","hold_reasons":null,"placed_at":"2026-07-18T16:37:33Z","currency":"USD","totals":{"subtotal":"12.00","shipping":"0.00","discount":"0.00","tax":"0.89","total":"12.89"},"lines":[{"sku":null,"qty":1,"unit_price":"8.00"},{"sku":null,"qty":2,"unit_price":"2.00"}]}'
	run jq -c 'select(.external_id=="4S5oaeKrPyyWWst4wAvuQJ3qn6PZY") | [.lines[0].title, .lines[0].modifiers, .payment.method, .customer]' out.jsonl
	assert_output '["Matcha Latte",["12oz","Whole Milk","Cold Foam","Strawberry"],"Visa",null]'
	run sqlite3 "$OMS_DB" "SELECT count(*), group_concat(DISTINCT status), sum(subtotal), sum(tax), sum(total),
		min(placed_at), max(placed_at) FROM orders; SELECT count(*), sum(qty) FROM order_lines"
	assert_output - <<'OUT'
103|fulfilled|102700|7937|110637|2026-07-18T13:00:43Z|2026-07-18T16:59:30Z
143|155
OUT
}

@test "Square: a refund listed before its sale (newest first) keeps the sale's time" {
	{ head -n 1 "$FIX/square-items-refund.csv"; sed -n 5p "$FIX/square-items-refund.csv"
	  sed -n 2,4p "$FIX/square-items-refund.csv"; } > newest-first.csv
	run oms-import newest-first.csv
	assert_success
	run jq -c '[.placed_at, .payment.reference, .totals.refunded]' <<<"$output"
	assert_line --index 0 '["2026-09-13T01:30:05Z","P3nWq8ZkLr5Ty2","4.91"]'
}

@test "Square: a refund in a later export adds to the sale and keeps its lines" {
	{ head -n 1 "$FIX/square-items-refund.csv"; sed -n 2,4p "$FIX/square-items-refund.csv"; } > sale.csv
	{ head -n 1 "$FIX/square-items-refund.csv"; sed -n 5p "$FIX/square-items-refund.csv"; } > refund.csv
	oms-import sale.csv >/dev/null
	run oms-import refund.csv
	assert_success
	run jq -c '[.placed_at, (.lines | length), .totals.total, .totals.refunded]' <<<"$output"
	assert_output '["2026-09-13T01:30:05Z",2,"14.72","4.91"]'
}

# ---- wholesale ----------------------------------------------------------

@test "wholesale: a portal file (Windows-1252, CRLF, multi-line note, guarded zip), PO by PO" {
	run --separate-stderr oms-import -v --channel wholesale "$FIX/wholesale-po-cp1252.csv"
	assert_success
	assert_equal "$stderr" "oms-import: $FIX/wholesale-po-cp1252.csv: read as wholesale (channel wholesale)
oms-import: $FIX/wholesale-po-cp1252.csv: read as Windows-1252
oms-import: 3 created, 0 updated, 0 unchanged, 0 older, 1 held, 0 rejected"
	printf '%s\n' "$output" > out.jsonl
	run orders < out.jsonl
	assert_output - <<'OUT'
{"external_id":"PO-7781","status":"open","hold_reasons":null,"placed_at":"2026-09-14T00:00:00Z","currency":"USD","totals":{"subtotal":"766.80","shipping":"0.00","discount":"0.00","tax":"0.00","total":"766.80"},"lines":[{"sku":"SKL-10","qty":24,"unit_price":"14.25"},{"sku":"TRV-01","qty":48,"unit_price":"4.10"},{"sku":"DO-5Q","qty":6,"unit_price":"38.00"}]}
{"external_id":"PO-7782","status":"open","hold_reasons":null,"placed_at":"2026-09-15T00:00:00Z","currency":"EUR","totals":{"subtotal":"316.50","shipping":"0.00","discount":"0.00","tax":"0.00","total":"316.50"},"lines":[{"sku":"TIN-HALF","qty":20,"unit_price":"7.95"},{"sku":"CRP-PAN","qty":5,"unit_price":"31.50"}]}
{"external_id":"PO-7783","status":"hold","hold_reasons":["line 2: no sku"],"placed_at":"2026-09-16T00:00:00Z","currency":"USD","totals":{"subtotal":"232.00","shipping":"0.00","discount":"0.00","tax":"0.00","total":"232.00"},"lines":[{"sku":"LNT-BR","qty":4,"unit_price":"52.00"},{"sku":null,"qty":2,"unit_price":"12.00"}]}
OUT
	# The buyer's code is the customer's account, not the channel's.
	run jq -c '[.customer, .ship_to, .ship_by, .account, [.lines[].note]]' out.jsonl
	assert_output - <<'OUT'
[{"email":"purchasing@acme.example","name":"Acme Hardware Co.","phone":"+1 973 555 0110","segment":"wholesale","account":"ACME-014"},{"name":"Dock 3 Receiving","company":"Acme Hardware Co.","address1":"400 Industrial Pkwy","city":"Newark","region":"NJ","postal_code":"07105","country":"US","phone":"+1 973 555 0110"},"2026-09-21T00:00:00Z",null,[null,"Shrink-wrap in sixes,\nlabel each case",null]]
[{"email":"einkauf@bluebird.example","name":"Bluebird Café GmbH","phone":"+49 30 5550142","segment":"wholesale","account":"BLUE-002"},{"name":"Zoé Keller","company":"Bluebird Café GmbH","address1":"Müllerstraße 12","address2":"Hinterhaus","city":"Berlin","region":"BE","postal_code":"13353","country":"DE","phone":"+49 30 5550142"},"2026-09-25T00:00:00Z",null,["½ lb tins only",null]]
[{"email":"orders@northstar.example","name":"North Star Outfitters","segment":"wholesale","account":"NORTH-031"},{"name":"Receiving","company":"North Star Outfitters","address1":"88 Lakeshore Dr","city":"Duluth","region":"MN","postal_code":"55802","country":"US"},"2026-09-30T00:00:00Z",null,[null,"Gift wrap, per buyer"]]
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT group_concat(DISTINCT segment) FROM orders")" "wholesale"
}

@test "wholesale: a PO whose rows are split is rejected with its line; the rest go in" {
	{ head -n 1 "$DEMO/wholesale-po.csv"; sed -n 2p "$DEMO/wholesale-po.csv"
	  sed -n 6p "$DEMO/wholesale-po.csv"; sed -n 3p "$DEMO/wholesale-po.csv"; } > split.csv
	run --separate-stderr oms-import split.csv
	assert_failure 1
	assert_equal "$stderr" "oms-import: split.csv:4: order 4500018832: its rows are not together (the order appeared earlier in the file)"
	run jq -c '[.external_id, (.lines | length)]' <<<"$output"
	assert_output - <<'OUT'
["4500018832",1]
["PO-2026-1187",1]
OUT
}

# ---- the demo files -----------------------------------------------------

@test "the demo order files import, each channel with its one clear hold" {
	for f in "$DEMO"/ebay-* "$DEMO"/etsy-* "$DEMO"/square-* "$DEMO"/wholesale-*; do
		run --separate-stderr oms-import --channel auto "$f"
		assert_success
		assert_equal "$stderr" ""
	done
	run sqlite3 "$OMS_DB" "SELECT channel, status, count(*), sum(total) FROM orders
		WHERE channel IN ('ebay', 'etsy', 'square', 'wholesale') GROUP BY 1, 2 ORDER BY 1, 2"
	assert_output - <<'OUT'
ebay|hold|1|18871
ebay|open|2|13090
etsy|fulfilled|1|4316
etsy|hold|1|6093
etsy|open|1|9591
square|fulfilled|3|12273
wholesale|hold|1|47220
wholesale|open|2|171100
OUT
	# A POS sale is done at the till: Square orders are never held.
	run sqlite3 "$OMS_DB" "SELECT channel, external_id, hold_reasons FROM orders WHERE status = 'hold' ORDER BY id"
	assert_output - <<'OUT'
ebay|17-11842-50590|["line 1 (Antique Brass Door Knocker (one of a kind)): no sku"]
etsy|3120046120|["line 1 (Custom Pet Portrait Mug): no sku"]
wholesale|WB-55310|["incomplete ship_to address: no postal_code"]
OUT
	run sqlite3 "$OMS_DB" "SELECT external_id, refunded FROM orders WHERE refunded IS NOT NULL"
	assert_output "hN8vC3xZ5bM1qW7eR2tY|866"
}

# ---- recognising and refusing files ---------------------------------------

@test "--channel auto recognises every channel file" {
	skip_without_samples
	while read -r file adapter channel; do
		echo "# $file"
		fresh_db
		run --separate-stderr oms-import -v --channel auto "$file" </dev/null
		assert_success
		assert_equal "${stderr_lines[0]}" "oms-import: $file: read as $adapter (channel $channel)"
	done <<LIST
$FIX/ebay-orders-bom.csv ebay ebay
$FIX/ebay-orders-80col-cp1252.csv ebay ebay
$FIX/etsy-items-us.csv etsy-items etsy
$FIX/etsy-items-uk-cp1252.csv etsy-items etsy
$FIX/etsy-orders-us.csv etsy-orders etsy
$FIX/etsy-orders-uk-cp1252.csv etsy-orders etsy
$FIX/square-items-refund.csv square square
$SQUARE_SAMPLE square square
$FIX/wholesale-po-cp1252.csv wholesale wholesale
$DEMO/ebay-orders-report.csv ebay ebay
$DEMO/etsy-sold-order-items.csv etsy-items etsy
$DEMO/square-items-2026-11-03.csv square square
$DEMO/wholesale-po.csv wholesale wholesale
LIST
}

@test "a Square file given as eBay is refused and nothing is stored" {
	skip_without_samples
	run --separate-stderr oms-import --channel ebay "$SQUARE_SAMPLE"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: $SQUARE_SAMPLE: not a ebay file: no header with Sales Record Number, Item Number, Quantity, Shipping And Handling, Total Price in its first 20 rows"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" "0"
}

@test "an Etsy items file given as the orders file is refused" {
	run --separate-stderr oms-import --channel etsy-orders "$FIX/etsy-items-us.csv"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: $FIX/etsy-items-us.csv: not a etsy-orders file: no header with Sale Date, Order ID, Number of Items, Order Value in its first 20 rows"
}

@test "an eBay file given as Etsy is refused as not an Etsy file" {
	run --separate-stderr oms-import --channel etsy "$FIX/ebay-orders-bom.csv"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-import: $FIX/ebay-orders-bom.csv: not a etsy file: none of its adapters (etsy-items, etsy-orders) recognises it"
}
