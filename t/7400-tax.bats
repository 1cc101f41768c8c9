#!/usr/bin/env bats
# Tax for the orders that come without it (oms-adapters(7), tax.c) and
# the bundled offline adapter oms-tax-table(1): figures worked by hand,
# every way an adapter can misbehave, and the tax given back line by
# line on a return.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

# A config directory first on the search path, with adapters.json naming
# the tax adapter of the channels web and wholesale, and a bin directory
# for the test adapters.
setup_tax() {
	mkdir -p conf bin
	export OMS_PATH="$PWD/conf:$OMS_PATH" PATH="$PWD/bin:$PATH"
	cat > conf/adapters.json <<-JSON
	{"channels": {
	  "web": {"tax": "${1:-table}"},
	  "wholesale": {"tax": "${1:-table}", "tax_exempt": {"customers": {"HG-00412": "wholesale"}}},
	  "pos-de": {"tax": "${1:-table}", "tax_included": true}
	}}
	JSON
}

# A test adapter NAME that keeps each request it is given in $PWD/NAME.log
# and then behaves as BODY says (a shell fragment run after that).
adapter() {
	cat > "bin/oms-tax-$1" <<-EOF
	#!/bin/sh
	req=\$(cat)
	printf '%s\n' "\$req" >> "$PWD/$1.log"
	$2
	EOF
	chmod +x "bin/oms-tax-$1"
}

# ORDER JSON (no tax): 2 x S1 at 19.99 and 1 x S2 at 5.00, shipping 7.50.
nyc='{"type":"order","channel":"web","external_id":"W-1","currency":"USD","placed_at":"2026-11-20T10:00:00Z","customer":{"email":"zoe@example.com"},"ship_to":{"name":"Zoe Roe","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"sku":"A","qty":2,"unit_price":"19.99"},{"sku":"B","qty":1,"unit_price":"5.00"}],"totals":{"shipping":"7.50"}}'

taxes() {
	jq -c '[[.lines[].tax], .totals.tax, .totals.total, .totals.tax_included]'
}

@test "a US order with taxable shipping (New York City, 8.875%): each line and the shipping, worked by hand" {
	setup_tax
	# 39.98 x 0.08875 = 3.548225 -> 3.55; 5.00 x 0.08875 = 0.44375 -> 0.44;
	# shipping 7.50 x 0.08875 = 0.665625 -> 0.67.  Tax 4.66; total
	# 44.98 + 7.50 + 4.66 = 57.14.
	run oms-import <<<"$nyc"
	assert_success
	assert_equal "$(taxes <<<"$output")" '[["3.55","0.44"],"4.66","57.14",null]'
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT line_no, tax FROM order_lines ORDER BY 1; SELECT tax, total FROM orders")" "1|355
2|44
466|5714"
	# The same file again: the same request, the same answer, nothing new.
	run oms-import -v <<<"$nyc"
	assert_success
	assert_line --partial "0 created, 0 updated, 1 unchanged"
	run oms check
	assert_success
}

@test "a US order whose shipping is not taxed (California, 7.25%), and one to a place with no rate (no nexus: no tax)" {
	setup_tax
	# 39.98 x 0.0725 = 2.89855 -> 2.90; 5.00 x 0.0725 = 0.3625 -> 0.36;
	# shipping untaxed.  Tax 3.26, total 44.98 + 7.50 + 3.26 = 55.74.
	run oms-import <<<"$(jq -c '.ship_to += {city:"San Francisco",region:"CA",postal_code:"94103"}' <<<"$nyc")"
	assert_success
	assert_equal "$(taxes <<<"$output")" '[["2.90","0.36"],"3.26","55.74",null]'
	run oms-import <<<"$(jq -c '.external_id = "W-2" | .ship_to += {city:"Des Moines",region:"IA",postal_code:"50313"}' <<<"$nyc")"
	assert_success
	assert_equal "$(taxes <<<"$output")" '[["0.00","0.00"],"0.00","52.48",null]'
}

@test "an EU order with VAT in its prices (Germany, 19%): the part of each amount that is tax; the total unchanged" {
	setup_tax
	# 119.00 x 19 / 119 = 19.00; shipping 5.95 x 19 / 119 = 0.95.  Tax
	# 19.95 of a total of 124.95, which adds none.
	run oms-import <<<'{"type":"order","channel":"pos-de","external_id":"K-7","currency":"EUR","placed_at":"2026-11-20T10:00:00Z","ship_to":{"name":"Jörg Weiß","address1":"Torstraße 1","city":"Berlin","postal_code":"10115","country":"DE"},"lines":[{"sku":"A","qty":1,"unit_price":"119.00"}],"totals":{"shipping":"5.95"}}'
	assert_success
	assert_equal "$(taxes <<<"$output")" '[["19.00"],"19.95","124.95",true]'
}

@test "a wholesale PO from the real CSV: the exempt buyer pays no tax, another buyer does; the request is TaxJar's shape" {
	setup_tax logged
	adapter logged 'printf "%s" "$req" | exec oms-tax-table "$@"'
	cat > conf/tax-exempt.csv <<-'CSV'
	CSV
	{ head -1 "$TOP/share/oms/demo/orders/wholesale-po.csv"
	  echo '4500018832,HG-00412,2026-11-02,2026-11-09,Door 7,Heartland Goods,1650 Commerce Dr,,New York,NY,10001,US,,buying@heartland.example,USD,A,36,17.50,'
	  echo 'PO-9,ZZ-1,2026-11-02,,Dock,Other Co,5 Main St,,New York,NY,10001,US,,buyer@other.example,USD,A,10,17.50,'
	} > po.csv
	run oms-import po.csv
	assert_success
	# 36 x 17.50 = 630.00, exempt: no tax.  10 x 17.50 = 175.00 x 0.08875
	# = 15.53125 -> 15.53.
	assert_equal "$(jq -c '[.external_id, [.lines[].tax], .totals.tax, .totals.total]' <<<"$output")" '["4500018832",["0.00"],"0.00","630.00"]
["PO-9",["15.53"],"15.53","190.53"]'
	assert_equal "$(jq -c '[.exemption_type, .to_country, .to_zip, .to_state, .to_city, .to_street, .amount, .shipping, .currency, .prices_include_tax, .transaction_id, [.line_items[] | [.id, .quantity, .unit_price, .discount, .sku]]]' logged.log)" '["wholesale","US","10001","NY","New York","1650 Commerce Dr",630,0,"USD",false,"wholesale:4500018832",[["1",36,17.5,0,"A"]]]
["non_exempt","US","10001","NY","New York","5 Main St",175,0,"USD",false,"wholesale:PO-9",[["1",10,17.5,0,"A"]]]'
	# Amounts as TaxJar takes them, decimal numbers written exactly.
	assert_equal "$(grep -o '"amount":[^,]*,"shipping":[^,]*' logged.log)" '"amount":630.00,"shipping":0.00
"amount":175.00,"shipping":0.00'
	# The id is the request's hash: the same order asks the same thing.
	fresh_db 2>/dev/null
	oms-import po.csv >/dev/null
	assert_equal "$(jq -r .request_id logged.log | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')" "2 2 "
}

@test "an order that carries tax, or comes from a channel with no tax adapter, is left as it came" {
	setup_tax logged
	adapter logged 'printf "%s" "$req" | exec oms-tax-table "$@"'
	run oms-import <<<"$(jq -c '.lines[0].tax = "1.00"' <<<"$nyc")"
	assert_success
	assert_equal "$(taxes <<<"$output")" '[["1.00",null],"1.00","53.48",null]'
	run oms-import <<<"$(jq -c '.channel = "shop" | .external_id = "S-1" | .totals.tax = "0.00"' <<<"$nyc")"
	assert_success
	run oms-import <<<"$(jq -c '.channel = "shop" | .external_id = "S-2"' <<<"$nyc")"
	assert_success
	assert_equal "$(taxes <<<"$output")" '[[null,null],"0.00","52.48",null]'
	[ ! -e logged.log ]
}

@test "an adapter that hangs, crashes, answers garbage or a wrong sum, refuses or asks to be tried later: the order refused whole, named, kept in --rejects; the next run takes it" {
	setup_tax bad
	export OMS_TAX_TIMEOUT=1
	printf '%s\n' "$nyc" > o.jsonl
	try() {
		adapter bad "$1"
		run --separate-stderr oms-import --rejects rej.jsonl o.jsonl
		assert_failure 1
		assert_output ""
		assert_equal "$stderr" "oms-import: o.jsonl:1: order W-1: $2"
		assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders")" 0
	}
	try 'sleep 30' "tax bad: no answer to taxes within 1 s; stopped it"
	try 'kill -SEGV $$' "tax bad crashed on taxes (signal 11)"
	try 'echo "<html>502 Bad Gateway</html>"' "tax bad answered taxes with something that is not a JSON object"
	try 'echo "{\"ok\":true,\"tax\":{\"amount_to_collect\":9.99,\"breakdown\":{\"line_items\":[{\"id\":\"1\",\"tax_collectable\":1},{\"id\":\"2\",\"tax_collectable\":1}]}}}"' "tax bad answered taxes with an amount_to_collect of 9.99, its parts coming to 2.00"
	try 'echo "{\"ok\":true,\"tax\":{\"amount_to_collect\":1,\"breakdown\":{\"line_items\":[{\"id\":\"1\",\"tax_collectable\":1}]}}}"' "tax bad answered taxes with nothing for line 2"
	try 'echo "{\"ok\":true,\"tax\":{\"amount_to_collect\":50,\"breakdown\":{\"line_items\":[{\"id\":\"1\",\"tax_collectable\":45},{\"id\":\"2\",\"tax_collectable\":5}]}}}"' "tax bad answered taxes with line 1's tax_collectable not an amount from 0 to the line's"
	try 'echo "no such account" >&2; exit 1' "tax bad refused taxes: no such account"
	try 'echo "{\"ok\":false,\"error\":\"to_zip 10001 is not in NY\"}"' "tax bad refused taxes: to_zip [redacted] is not in NY"
	try 'echo "rate limited: 429" >&2; exit 75' "tax bad asks for taxes to be tried later (exit 75): rate limited: 429"
	try 'echo "unknown verb" >&2; exit 2' "tax bad did not understand taxes (exit 2): unknown verb"
	try 'echo "curl: (6) Could not resolve host" >&2; exit 3' "tax bad failed on taxes (exit 3): curl: (6) Could not resolve host"
	# Nothing the user gave is lost: each refusal kept the record whole.
	assert_equal "$(wc -l < rej.jsonl)" 11
	assert_equal "$(jq -r .raw rej.jsonl | sort -u)" "$nyc"
	assert_equal "$(head -1 rej.jsonl | jq -c '[.file, .line, .reason]')" '["o.jsonl",1,"order W-1: tax bad: no answer to taxes within 1 s; stopped it"]'
	# Every request the same, so a retry asks the same thing.
	assert_equal "$(jq -r .request_id bad.log | sort -u | wc -l)" 1
	adapter bad 'printf "%s" "$req" | exec oms-tax-table "$@"'
	run oms-import o.jsonl
	assert_success
	assert_equal "$(taxes <<<"$output")" '[["3.55","0.44"],"4.66","57.14",null]'
	run oms check
	assert_success
}

@test "the account's secrets go to the adapter in the request only, and what it says of them is redacted" {
	setup_tax leaky
	mkdir -p conf/tax
	echo '{"api_key":"tj_live_S3cr3tKey"}' > conf/tax/leaky.json
	chmod 600 conf/tax/leaky.json
	adapter leaky 'echo "401: bad key tj_live_S3cr3tKey for Zoe Roe at 1 Main St" >&2; exit 1'
	run --separate-stderr oms-import <<<"$nyc"
	assert_failure 1
	assert_equal "$stderr" "oms-import: -:1: order W-1: tax leaky refused taxes: 401: bad key [redacted] for Zoe Roe at [redacted]"
	assert_equal "$(jq -c '.account' leaky.log)" '{"api_key":"tj_live_S3cr3tKey"}'
	chmod 644 conf/tax/leaky.json
	run --separate-stderr oms-import <<<"$nyc"
	assert_failure 1
	assert_equal "$stderr" "oms-import: tax account file '$PWD/conf/tax/leaky.json' is mode 0644: its secrets can be read by others; chmod 600 it
oms-import: -:1: order W-1: tax leaky refused taxes: 401: bad key [redacted] for Zoe Roe at [redacted]"
}

@test "a broken adapters.json stops the run (exit 3) naming the file; no adapter program is exit 1 for the order" {
	setup_tax
	echo '{"channels": {"web": {"tax": "../evil"}}}' > conf/adapters.json
	run --separate-stderr oms-import <<<"$nyc"
	assert_failure 3
	assert_equal "$stderr" "oms-import: $PWD/conf/adapters.json: channel 'web': \"tax\" is not an adapter name"
	echo '[1]' > conf/adapters.json
	run --separate-stderr oms-import <<<"$nyc"
	assert_failure 3
	assert_equal "$stderr" "oms-import: $PWD/conf/adapters.json: not a JSON object"
	echo '{"channels": {"web": {"tax": "nosuch"}}}' > conf/adapters.json
	run --separate-stderr oms-import <<<"$nyc"
	assert_failure 1
	assert_equal "$stderr" "oms-import: -:1: order W-1: no tax adapter oms-tax-nosuch (beside this program or on PATH)"
}

@test "oms-tax-table: the most specific rate in force on the day, exemptions, refusals, a broken table, exit statuses" {
	req='{"request_id":"t1","to_country":"US","to_zip":"10001","to_state":"NY","currency":"USD","shipping":7.5,"placed_at":"2026-11-20T10:00:00Z","line_items":[{"id":"1","quantity":2,"unit_price":19.99,"discount":"0.00"}]}'
	run oms-tax-table taxes <<<"$req"
	assert_success
	assert_output '{"ok":true,"tax":{"order_total_amount":47.48,"shipping":7.50,"taxable_amount":47.48,"amount_to_collect":4.22,"rate":0.08875,"has_nexus":true,"freight_taxable":true,"tax_source":"destination","prices_include_tax":false,"jurisdictions":{"country":"US","state":"NY","name":"New York City (Manhattan)"},"breakdown":{"line_items":[{"id":"1","taxable_amount":39.98,"tax_collectable":3.55,"combined_tax_rate":0.08875}],"taxable_amount":47.48,"tax_collectable":4.22,"combined_tax_rate":0.08875,"shipping":{"taxable_amount":7.50,"tax_collectable":0.67,"combined_tax_rate":0.08875}}}}'
	# The same request, the same answer, byte for byte.
	assert_equal "$(oms-tax-table taxes <<<"$req")" "$output"
	# Upstate: the state rate alone.
	run oms-tax-table taxes <<<"$(jq -c '.to_zip = "12207"' <<<"$req")"
	assert_equal "$(jq -c '[.tax.rate, .tax.amount_to_collect, .tax.jurisdictions.name]' <<<"$output")" '[0.04,1.9,"New York (state rate)"]'
	# Dated: a rate not yet in force is not used.
	mkdir -p conf/tax; export OMS_PATH="$PWD/conf:$OMS_PATH"
	echo '{"rates":[{"country":"US","region":"NY","rate":"0.04","shipping_taxable":true,"to":"2026-12-01"},{"country":"US","region":"NY","rate":"0.05","shipping_taxable":false,"from":"2026-12-01"}]}' > conf/tax/rates.json
	run oms-tax-table taxes <<<"$req"
	assert_equal "$(jq -c '[.tax.rate, .tax.amount_to_collect]' <<<"$output")" '[0.04,1.9]'
	run oms-tax-table taxes <<<"$(jq -c '.placed_at = "2026-12-01T00:00:00Z"' <<<"$req")"
	assert_equal "$(jq -c '[.tax.rate, .tax.amount_to_collect, .tax.freight_taxable]' <<<"$output")" '[0.05,2,false]'
	run oms-tax-table taxes <<<"$(jq -c '.exemption_type = "government"' <<<"$req")"
	assert_equal "$(jq -c '[.tax.amount_to_collect, .tax.tax_source, .tax.has_nexus]' <<<"$output")" '[0,"exempt",false]'
	# Refusals: exit 0, ok false, a sentence.
	for c in '.to_country = null|to_country is required: a two-letter code' \
	    '.to_zip = null|to_zip is required for an order to the US' \
	    '.to_state = ""|to_state is required for an order to US' \
	    '.exemption_type = "friends"|exemption_type '"'"'friends'"'"' is not wholesale, government, marketplace, other or non_exempt' \
	    '.line_items[0].unit_price = "x"|line item 1: id, quantity and unit_price are required, and amounts in range' \
	    '.request_id = ""|request_id must be a string that is not empty'; do
		run oms-tax-table taxes <<<"$(jq -c "${c%%|*}" <<<"$req")"
		assert_success
		assert_output "{\"ok\":false,\"error\":\"${c#*|}\"}"
	done
	run --separate-stderr oms-tax-table taxes <<<'not json'
	assert_failure 2
	assert_equal "$stderr" "oms-tax-table: the request on stdin is not one JSON object"
	run --separate-stderr oms-tax-table nosuch </dev/null
	assert_failure 2
	echo '{"rates":[{"country":"US","rate":"1.5"}]}' > conf/tax/rates.json
	run --separate-stderr oms-tax-table taxes <<<"$req"
	assert_failure 3
	assert_equal "$stderr" "oms-tax-table: $PWD/conf/tax/rates.json: rate 1: \"rate\" is not a decimal from 0 to 1 in millionths at most, as a string"
	run oms-tax-table --help
	assert_success
	assert_line --partial "taxes"
}

@test "the life of a taxed order: imported without tax, routed, shipped, one unit returned: its tax and its shipping's tax given back line by line" {
	setup_tax
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'JSON'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":9,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":9,"key":"r2"}
{"type":"listing","channel":"web","channel_sku":"A","sku":"A"}
{"type":"listing","channel":"web","channel_sku":"B","sku":"B"}
JSON
	oms-import <<<"$nyc" >/dev/null
	oms-route --pending >alloc.jsonl
	oms-ship -q --carrier offline --labels labels alloc.jsonl >/dev/null
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders")" shipped
	# One of the two A, defective: item 39.98 x 1/2 = 19.99, tax
	# floor(3.55 / 2) = 1.77; shipping floor(7.50 x 19.99 / 44.98) = 3.33
	# and its tax, 4.66 - 3.55 - 0.44 = 0.67, floor(0.67 x 19.99 / 44.98)
	# = 0.29.  19.99 + 1.77 + 3.33 + 0.29 = 25.38.
	oms-return -q request --reason defective o_1 1:1 >/dev/null
	oms-return -q receive r_1 >/dev/null
	oms-return -q inspect --disposition restock r_1 1 >/dev/null
	run oms-return refunds
	assert_success
	assert_equal "$(jq -c '[[.lines[] | [.order_line, .qty, .item, .tax]], .shipping, .shipping_tax, .total]' <<<"$output")" '[[[1,1,"19.99","1.77"]],"3.33","0.29","25.38"]'
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

@test "the example adapter of oms-adapters(7), copied from the page, reaches a TaxJar-shaped service with curl: answered, refused, rate-limited" {
	command -v curl >/dev/null || skip "curl is not installed (make deps installs it)"
	command -v python3 >/dev/null || skip "python3 is not installed (make deps installs it)"
	setup_tax taxjar
	sed -n '/^#!\/bin\/sh$/,/^esac$/p' "$TOP/man/oms-adapters.7" | sed 's/\\e/\\/g' > bin/oms-tax-taxjar
	chmod +x bin/oms-tax-taxjar
	mkdir -p conf/tax
	echo '{"api_key":"tj_S3cr3t"}' > conf/tax/taxjar.json
	chmod 600 conf/tax/taxjar.json
	# A service that answers as TaxJar does, keeping what it was sent.
	cat > taxjar.py <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open("seen.jsonl", "a") as f:
            f.write(json.dumps({"path": self.path, "auth": self.headers["Authorization"], "body": json.loads(body)}) + "\n")
        mode = open("mode").read().strip()
        if mode == "ok":
            code, out = 200, {"tax": {"amount_to_collect": 4.66, "rate": 0.08875, "has_nexus": True, "freight_taxable": True, "breakdown": {"line_items": [{"id": "1", "tax_collectable": 3.55}, {"id": "2", "tax_collectable": 0.44}], "shipping": {"tax_collectable": 0.67}}}}
        elif mode == "bad":
            code, out = 400, {"error": "Bad Request", "detail": "to_zip 99999 is not used within to_state NY", "status": 400}
        else:
            code, out = 429, {"error": "Too Many Requests", "status": 429}
        data = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
	echo ok > mode
	mkdir tmpd
	export TMPDIR="$PWD/tmpd"
	python3 taxjar.py 3>&- &
	srv=$!
	for i in $(seq 100); do [ -s port ] && break; sleep 0.05; done
	export TAXJAR_URL="http://127.0.0.1:$(cat port)/v2/taxes"
	run oms-import <<<"$nyc"
	assert_success
	assert_equal "$(taxes <<<"$output")" '[["3.55","0.44"],"4.66","57.14",null]'
	# TaxJar's request: the key in the header, oms's own fields left out.
	assert_equal "$(jq -c '[.path, .auth, .body.to_zip, .body.amount, .body.shipping, (.body | has("account") or has("request_id") or has("currency")), (.body.line_items | length)]' seen.jsonl)" '["/v2/taxes","Bearer tj_S3cr3t","10001",44.98,7.5,false,2]'
	echo bad > mode
	run --separate-stderr oms-import <<<"$(jq -c '.external_id = "W-2"' <<<"$nyc")"
	assert_failure 1
	assert_equal "$stderr" "oms-import: -:1: order W-2: tax taxjar refused taxes: to_zip 99999 is not used within to_state NY"
	echo busy > mode
	run --separate-stderr oms-import <<<"$(jq -c '.external_id = "W-3"' <<<"$nyc")"
	assert_failure 1
	assert_equal "$stderr" "oms-import: -:1: order W-3: tax taxjar asks for taxes to be tried later (exit 75): TaxJar answered 429"
	kill "$srv"
	# The request's copy, private while it lived, is gone each time.
	assert_equal "$(ls -A tmpd)" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT external_id, tax FROM orders")" "W-1|466"
}

@test "under attack: an update the tax request does not see (a cancel) goes through while the adapter is down; a dry run sees its own orders" {
	setup_tax down
	adapter down 'printf "%s" "$req" | exec oms-tax-table "$@"'
	run oms-import <<<"$nyc"
	assert_success
	assert_equal "$(jq -r .tax_request <<<"$output" | cut -c1-4)" "tax-"
	# The adapter goes down; the channel cancels the order.
	adapter down 'exit 75'
	run oms-import <<<"$(jq -c '.status = "cancelled"' <<<"$nyc")"
	assert_success
	assert_equal "$(jq -c '[.status, .totals.tax, [.lines[].tax]]' <<<"$output")" '["cancelled","4.66",["3.55","0.44"]]'
	# Asked once: the cancel's request was the one answered already.
	assert_equal "$(wc -l < down.log)" 1
	# A changed price asks again, and waits while the adapter is down.
	run --separate-stderr oms-import <<<"$(jq -c '.external_id = "W-9" | .lines[1].unit_price = "6.00"' <<<"$nyc")"
	assert_failure 1
	# A dry run of one order twice: created, then updated, as the real run.
	adapter down 'printf "%s" "$req" | exec oms-tax-table "$@"'
	{ jq -c '.external_id = "D-1"' <<<"$nyc"; jq -c '.external_id = "D-1" | .lines[1].qty = 2' <<<"$nyc"; } > two.jsonl
	run --separate-stderr oms-import -n -v two.jsonl
	assert_success
	assert_equal "${stderr_lines[-1]}" "oms-import: 1 created, 1 updated, 0 unchanged, 0 older, 0 held, 0 rejected (dry run: nothing written)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE external_id = 'D-1'")" 0
}

@test "under attack: a line discount beyond its line, a lower-case country, broken rate tables, adapters.json of the wrong kinds, a FIFO for a file" {
	setup_tax
	# A line given away whole and more: its tax is nothing, not an error.
	run oms-import <<<"$(jq -c '.lines[0].discount = "50.00"' <<<"$nyc")"
	assert_success
	assert_equal "$(jq -c '[.lines[].tax]' <<<"$output")" '["0.00","0.44"]'
	# "us" is the US.
	run oms-import <<<"$(jq -c '.external_id = "W-2" | .ship_to.country = "us"' <<<"$nyc")"
	assert_success
	assert_equal "$(jq -c '.totals.tax' <<<"$output")" '"4.66"'
	mkdir -p conf/tax
	for bad in '"postal_prefix":100|"region", "postal_prefix" and "name" are strings that are not empty, when given' \
	    '"region":7|"region", "postal_prefix" and "name" are strings that are not empty, when given' \
	    '"from":"2026-99-99"|"from" is not a day YYYY-MM-DD' \
	    '"to":"abcd-ef-gh"|"to" is not a day YYYY-MM-DD' \
	    '"from":"2027-02-29"|"from" is not a day YYYY-MM-DD'; do
		echo "{\"rates\":[{\"country\":\"US\",\"rate\":\"0.05\",${bad%%|*}}]}" > conf/tax/rates.json
		run --separate-stderr oms-tax-table taxes <<<'{"request_id":"t","to_country":"US","to_zip":"1","to_state":"NY","currency":"USD","line_items":[]}'
		assert_failure 3
		assert_equal "$stderr" "oms-tax-table: $PWD/conf/tax/rates.json: rate 1: ${bad#*|}"
	done
	rm conf/tax/rates.json
	for bad in '"tax_included":"true"|"tax_included" is not true or false' \
	    '"tax_exempt":"nope"|"tax_exempt" is not an object' \
	    '"tax_exempt":{"customers":{"A":"friends"}}|tax_exempt.customers.A is not wholesale, government, marketplace, other or non_exempt' \
	    '"from":"DE"|"from" is not an address object' \
	    '"exemption_type":1|"exemption_type" is not wholesale, government, marketplace, other or non_exempt'; do
		echo "{\"channels\":{\"web\":{\"tax\":\"table\",${bad%%|*}}}}" > conf/adapters.json
		run --separate-stderr oms-import <<<"$nyc"
		assert_failure 3
		assert_equal "$stderr" "oms-import: $PWD/conf/adapters.json: channel 'web': ${bad#*|}"
	done
	# A FIFO where a file should be is refused at once, not waited on.
	rm conf/adapters.json
	mkfifo conf/adapters.json
	run --separate-stderr timeout 10 oms-import <<<"$nyc"
	assert_failure 3
	assert_equal "$stderr" "oms-import: '$PWD/conf/adapters.json' is not a regular file of 64 MiB at most"
}
