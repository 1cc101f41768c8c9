#!/usr/bin/env bats
# oms-report sales-orders and item-fulfilments: the rows an ERP imports
# (NetSuite's CSV import: a row per line, the order's fields on each, the
# External ID for add or update), against figures worked by hand.

load helper
load return

# Order 3001: A 3 x 10.00 with 3.00 off and 2.10 tax, B 1 x 25.00 with 2.00
# tax; 5.00 shipping; 7.00 of discounts in all, so 4.00 the order's own.
order_3001() {
	OMS_NOW=${OMS_NOW_3001:-2026-11-25T15:00:00Z} oms-import --channel oms >/dev/null <<'EOF'
{"type":"order","external_id":"3001","currency":"USD","placed_at":"2026-11-25T14:00:00Z","customer":{"email":"ann@example.com","name":"Ann Lee"},"ship_to":{"name":"Ann Lee","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"line_id":"1","sku":"A","qty":3,"unit_price":"10.00","discount":"3.00","tax":"2.10"},{"line_id":"2","sku":"B","qty":1,"unit_price":"25.00","tax":"2.00"}],"totals":{"subtotal":"55.00","shipping":"5.00","discount":"7.00","tax":"4.10","total":"57.10"}}
EOF
}

rows() { jq -c 'del(.type)'; }

@test "sales-orders: a row a line, the order's fields on each, as the order stands after a unit is cancelled" {
	setup_ret
	order_3001
	run oms-report sales-orders --json
	assert_success
	assert_output '{"type":"sales_order","external_id":"oms:3001","order":"o_1","date":"2026-11-25","customer":"ann@example.com","memo":"oms 3001","status":"open","currency":"USD","shipping":"5.00","order_discount":"4.00","order_tax":"0.00","line":1,"item":"A","quantity":3,"rate":"10.00","discount":"3.00","amount":"27.00","tax":"2.10"}
{"type":"sales_order","external_id":"oms:3001","order":"o_1","date":"2026-11-25","customer":"ann@example.com","memo":"oms 3001","status":"open","currency":"USD","shipping":"5.00","order_discount":"4.00","order_tax":"0.00","line":2,"item":"B","quantity":1,"rate":"25.00","discount":"0.00","amount":"25.00","tax":"2.00"}'
	# One A is cancelled: 2 left; the kept units' share of the line's
	# discount floor(3.00 x 2/3) = 2.00 and tax floor(2.10 x 2/3) = 1.40;
	# of the order's own 4.00, floor(4.00 x (52.00 - 9.00) / 52.00) = 3.30
	# (V = 27.00 + 25.00; the cancelled unit's part of it 27.00 - 18.00).
	oms-import -q cancel --line 1:1 oms:3001 >/dev/null
	run sh -c "oms-report sales-orders --json | jq -c '[.quantity, .discount, .amount, .tax, .order_discount, .shipping]'"
	assert_output '[2,"2.00","18.00","1.40","3.30","5.00"]
[1,"0.00","25.00","2.00","3.30","5.00"]'
	# What is kept and what sales counts given back make the order: 48.00
	# net at first; 18.00 + 25.00 - 3.30 = 39.70 kept; 8.30 given back.
	assert_equal "$(oms-report sales --by all --json | jq -r '[.net, .returns] | @tsv')" "39.70	8.30"
	# Cancelled whole: no units, no money, no shipping, the status says so.
	oms-import -q cancel oms:3001 >/dev/null
	run sh -c "oms-report sales-orders --json | jq -c '[.status, .quantity, .amount, .tax, .order_discount, .shipping]'"
	assert_output '["cancelled",0,"0.00","0.00","0.00","0.00"]
["cancelled",0,"0.00","0.00","0.00","0.00"]'
}

@test "sales-orders: the range takes orders placed in it and orders changed in it; the merchant's days; no exchanges" {
	setup_ret
	order_3001
	OMS_NOW=2026-11-27T15:00:00Z order_json 3002 "1:B:1" | jq -c '.placed_at = "2026-11-27T03:00:00Z"' | OMS_NOW=2026-11-27T15:00:00Z oms-import --channel oms >/dev/null
	# In New York, 3002 was placed on the 26th.
	run sh -c "OMS_TZ=America/New_York oms-report sales-orders --from 2026-11-26 --to 2026-11-26 --json | jq -r '[.external_id, .date] | @tsv'"
	assert_output "oms:3002	2026-11-26"
	run sh -c "oms-report sales-orders --from 2026-11-27 --to 2026-11-27 --json | jq -r .external_id"
	assert_output "oms:3002"
	# 3001, placed on the 25th, is cancelled on the 28th: a change the
	# ERP must have, so it is in the 28th's file.
	OMS_NOW=2026-11-28T10:00:00Z oms-import -q cancel oms:3001 >/dev/null
	run sh -c "oms-report sales-orders --from 2026-11-28 --to 2026-11-28 --json | jq -r '[.external_id, .date, .status] | @tsv'"
	assert_output "$(printf 'oms:3001\t2026-11-25\tcancelled\noms:3001\t2026-11-25\tcancelled')"
	# An exchange order is no sale: its value is its original's.
	delivered 3003 "1:C:1"
	oms-return -q request --reason unwanted --resolution exchange oms:3003 1:1 >/dev/null
	ret=$(sqlite3 "$OMS_DB" "SELECT 'r_' || max(id) FROM returns")
	oms-return -q exchange --advance "$ret" C:1@10.00 >/dev/null
	[ "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE origin IS NOT NULL")" = 1 ] || fail "no exchange order"
	assert_equal "$(oms-report sales-orders --json | jq -r .external_id | sort -u | tr '\n' ' ')" "oms:3001 oms:3002 oms:3003 "
	# Nor are its parcels: the ERP has no sales order to hang them on.
	oms-route --pending >/dev/null
	oms-ship -q --carrier offline --labels labels --pending >/dev/null
	[ "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.origin IS NOT NULL")" = 1 ] || fail "the exchange did not ship"
	assert_equal "$(oms-report item-fulfilments --json | jq -r .created_from | sort -u | tr '\n' ' ')" "oms:3002 oms:3003 "
	# --channel and --sku narrow it; --location is not an order's.
	assert_equal "$(oms-report sales-orders --sku B --json | jq -r '[.external_id, .line] | @tsv' | tr '\n' ' ')" "oms:3001	2 oms:3002	1 "
	assert_equal "$(oms-report sales-orders --channel shopify --json)" ""
	run --separate-stderr oms-report sales-orders --location EWR1
	assert_failure 2
	assert_equal "$stderr" "oms-report: sales-orders: --location does not apply: an order is placed, not kept, somewhere (item-fulfilments are by location)"
}

@test "item-fulfilments: a row a line of each parcel, created from its sales order; a voided parcel is none" {
	setup_ret
	delivered 4001 "1:A:2 2:B:1"
	run oms-report item-fulfilments --json
	assert_success
	tracking=$(sqlite3 "$OMS_DB" "SELECT tracking FROM shipments WHERE id = 1")
	assert_output "{\"type\":\"item_fulfilment\",\"external_id\":\"oms:4001/s_1\",\"created_from\":\"oms:4001\",\"shipment\":\"s_1\",\"status\":\"shipped\",\"date\":\"2026-11-26\",\"location\":\"EWR1\",\"carrier\":\"offline\",\"service\":\"usps-ground-advantage\",\"tracking\":\"$tracking\",\"line\":1,\"item\":\"A\",\"quantity\":2}
{\"type\":\"item_fulfilment\",\"external_id\":\"oms:4001/s_1\",\"created_from\":\"oms:4001\",\"shipment\":\"s_1\",\"status\":\"shipped\",\"date\":\"2026-11-26\",\"location\":\"EWR1\",\"carrier\":\"offline\",\"service\":\"usps-ground-advantage\",\"tracking\":\"$tracking\",\"line\":2,\"item\":\"B\",\"quantity\":1}"
	assert_equal "$(oms-report item-fulfilments --sku B --json | jq -c '[.line, .item]')" '[2,"B"]'
	assert_equal "$(oms-report item-fulfilments --location ORD1 --json)" ""
	assert_equal "$(oms-report item-fulfilments --from 2026-11-27 --json)" ""
	# A label bought and voided sends nothing.
	order_json 4002 "1:C:1" | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	oms-ship -q --carrier offline --labels labels --pending >/dev/null
	oms-ship void s_2 >/dev/null
	assert_equal "$(oms-report item-fulfilments --json | jq -r .shipment | sort -u | tr '\n' ' ')" "s_1 "
}

@test "as NetSuite CSV: a header, the External ID on every row, and a cell that looks like a formula kept a value" {
	setup_ret
	order_3001
	oms-stock >/dev/null <<<'{"type":"product","sku":"=1+2"}'
	order_json 3004 '1:=1+2:1' | oms-import --channel oms >/dev/null
	run sh -c "oms-report sales-orders --csv | tr -d '\\r'"
	assert_success
	assert_line --index 0 "type,external_id,order,date,customer,memo,status,currency,shipping,order_discount,order_tax,line,item,quantity,rate,discount,amount,tax"
	assert_line --index 1 "sales_order,oms:3001,o_1,2026-11-25,ann@example.com,oms 3001,open,USD,5.00,4.00,0.00,1,A,3,10.00,3.00,27.00,2.10"
	assert_line --index 3 --partial ",1,\"'=1+2\",1,10.00,"
	# CRLF ends each line, as RFC 4180 has it.
	assert_equal "$(oms-report sales-orders --csv | head -n 1 | tail -c 5 | od -An -c | tr -s ' ')" " t a x \\r \\n"
	# No parcel yet: an empty file, nothing for the ERP to import.
	run oms-report item-fulfilments --csv
	assert_success
	assert_output ""
}

@test "the life: a nightly ERP job over four days adds and updates every order and parcel, and ends where the database is" {
	setup_ret
	erp_job() {	# the day's orders and parcels, as the cron job writes them
		oms-report sales-orders --from "$1" --to "$1" --csv > "erp/so-$1.csv"
		oms-report item-fulfilments --from "$1" --to "$1" --csv > "erp/if-$1.csv"
	}
	mkdir erp
	export OMS_NOW=2026-11-25T15:00:00Z
	order_3001
	order_json 5001 "1:B:2" | jq -c '.placed_at = "2026-11-25T12:00:00Z"' | oms-import --channel oms >/dev/null
	erp_job 2026-11-25
	export OMS_NOW=2026-11-26T15:00:00Z
	oms-route --pending >/dev/null
	oms-ship -q --carrier offline --labels labels --pending >/dev/null
	erp_job 2026-11-26
	export OMS_NOW=2026-11-27T15:00:00Z
	oms-import -q cancel --line 1:1 oms:5001 >/dev/null
	erp_job 2026-11-27
	export OMS_NOW=2026-11-28T15:00:00Z
	order_json 5002 "1:C:1" | jq -c '.placed_at = "2026-11-28T09:00:00Z"' | oms-import --channel oms >/dev/null
	erp_job 2026-11-28
	export OMS_NOW=2026-11-30T15:00:00Z
	oms-ship track >/dev/null
	erp_job 2026-11-30
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT status FROM orders WHERE external_id = '3001'")" "delivered"
	# Add or update by External ID and line: the ERP's last word on each
	# line is what a report of all time says now; a parcel voided after
	# the ERP had it was taken back.
	last() {	# the last row per (external_id, line) of the files given
		cat "$@" | tr -d '\r' | grep -v '^type,' | awk -F, -v k="$LINECOL" '{ v[$2 "," $k] = $0 } END { for (x in v) print v[x] }' | sort
	}
	LINECOL=12
	assert_equal "$(last erp/so-*.csv)" "$(oms-report sales-orders --csv | tr -d '\r' | grep -v '^type,' | sort)"
	LINECOL=11
	assert_equal "$(last erp/if-*.csv | grep -v ',voided,')" "$(oms-report item-fulfilments --csv | tr -d '\r' | grep -v '^type,' | sort)"
	run sh -c "cat erp/if-*.csv | tr -d '\r' | grep ',s_1,' | cut -d, -f1-5,12,13"
	assert_output "item_fulfilment,oms:5001/s_1,oms:5001,s_1,shipped,B,2
item_fulfilment,oms:5001/s_1,oms:5001,s_1,voided,B,0"
	# Every order is in the ERP, every parcel once.
	assert_equal "$(cat erp/so-*.csv | grep -v '^type,' | cut -d, -f2 | sort -u | tr '\n' ' ')" "oms:3001 oms:5001 oms:5002 "
	assert_equal "$(cat erp/so-*.csv | tr -d '\r' | grep -v '^type,' | grep -c ',oms:5001,.*,allocated,')" "1"
	run oms check
	assert_success
}

@test "the completions of oms-report offer sales-orders and item-fulfilments and their options" {
	comp() {
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_oms_report oms-report "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/oms-report" "$@"
	}
	run comp oms-report s
	assert_output "$(printf '%s\n' sales sales-orders)"
	run comp oms-report i
	assert_output "$(printf '%s\n' inventory item-fulfilments)"
	want=$(oms-report item-fulfilments --help | sed -n 's/^ *\(-h, \)\{0,1\}\(--[a-z-]*\).*/\2/p' | sort)
	run comp oms-report item-fulfilments --
	assert_equal "$(sort <<<"$output" | grep -v -e --version)" "$want"
	want=$(oms-report sales-orders --help | sed -n 's/^ *\(-h, \)\{0,1\}\(--[a-z-]*\).*/\2/p' | grep -vx -e --location | sort)
	run comp oms-report sales-orders --
	assert_equal "$(sort <<<"$output" | grep -v -e --version)" "$want"
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -c "source $TOP/completions/fish/oms-report.fish; complete -C 'oms-report item-'"
	assert_output --partial "item-fulfilments"
}

@test "a kit's line is fulfilled as the kits its parts make; the order's tax beyond its lines; sales and the rows agree" {
	setup_ret
	delivered 6001 "1:KIT:2 2:A:1"
	run sh -c "oms-report item-fulfilments --json | jq -c '[.line, .item, .quantity]'"
	assert_output '[1,"KIT",2]
[2,"A",1]'
	assert_equal "$(oms-report item-fulfilments --sku KIT --json | jq -c '[.line, .item, .quantity]')" '[1,"KIT",2]'
	assert_equal "$(oms-report sales-orders --sku KIT --json | jq -c '[.line, .item, .quantity]')" '[1,"KIT",2]'
	# 2 x 10.00 with 0.01 off the line and 1.01 off in all, one unit
	# cancelled: the kept line 10.00 - floor(0.01 x 1/2) = 10.00; of the
	# order's own 1.00, floor(1.00 x (19.99 - 9.99) / 19.99) = 0.50, the
	# cancelled unit's part being 10.00 - (0.01 - 0) = 9.99.  The tax is
	# 3.60, 1.60 of it the line's: 2.00 on the shipping.
	oms-import --channel oms >/dev/null <<'JSON'
{"type":"order","external_id":"6002","currency":"USD","placed_at":"2026-11-26T10:00:00Z","customer":{"email":"bo@example.com"},"ship_to":{"name":"Bo","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"lines":[{"line_id":"1","sku":"B","qty":2,"unit_price":"10.00","discount":"0.01","tax":"1.60"}],"totals":{"subtotal":"20.00","shipping":"5.00","discount":"1.01","tax":"3.60","total":"27.59"}}
JSON
	oms-import -q cancel --line 1:1 oms:6002 >/dev/null
	run sh -c "oms-report sales-orders --json | jq -c 'select(.external_id == \"oms:6002\") | [.quantity, .discount, .amount, .order_discount, .tax, .order_tax]'"
	assert_output '[1,"0.00","10.00","0.50","0.80","2.00"]'
	# What the ERP is told is kept is what sales says is net now (sales
	# counts orders by the day placed: 6001 gave none).
	kept=$(oms-report sales-orders --json | jq -r 'select(.external_id == "oms:6002") | (.amount | tonumber) - (.order_discount | tonumber)')
	assert_equal "$kept" "9.5"
	assert_equal "$(oms-report sales --by all --json | jq -r '.net')" "9.50"
}
