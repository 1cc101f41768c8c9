#!/usr/bin/env bash
# share/oms/demo/demo.sh BIN: the main job end to end on the bundled data,
# in ./demo/ (made afresh each run).
set -euo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$bin:$PATH" OMS_PATH="$here/.." TZ=UTC
rm -rf demo
mkdir -p demo
export OMS_DB=demo/oms.db

say() { printf '\n== %s\n' "$*"; }

say "oms version"
oms version
say "oms init: a new database in $OMS_DB"
oms init
if [ -x "$bin/oms-import" ]; then
	say "oms-import: every bundled channel export into one store"
	for f in "$here"/orders/*; do
		oms-import -v --channel auto --rejects demo/rejects.jsonl "$f" \
			> "demo/$(basename "$f").jsonl" || [ $? -eq 1 ]
	done
	say "what landed, by channel and status"
	sqlite3 -header -column "$OMS_DB" \
		"SELECT channel, status, currency, count(*) AS orders,
		        printf('%.2f', sum(total) / 100.0) AS total
		 FROM orders GROUP BY channel, status, currency
		 ORDER BY channel, status, currency"
	say "one order as every oms program reads it (oms-records(5))"
	head -n 1 demo/shopify-rest-orders.json.jsonl | jq .
	say "orders on hold and why"
	sqlite3 -column "$OMS_DB" \
		"SELECT 'o_' || id, channel, external_id, hold_reasons FROM orders
		 WHERE status = 'hold' ORDER BY id"
	say "import the same files again: nothing changes"
	for f in "$here"/orders/*; do
		oms-import -q --channel auto "$f" || [ $? -eq 1 ]
	done
	sqlite3 "$OMS_DB" "SELECT count(*) || ' orders, ' || (SELECT count(*) FROM events) || ' events' FROM orders"
	say "release a held order once it is dealt with"
	held=$(sqlite3 "$OMS_DB" "SELECT 'o_' || id FROM orders WHERE status = 'hold' AND hold_reasons LIKE '%address%' ORDER BY id LIMIT 1")
	oms-import release --force "$held" | jq -c '{id, channel, external_id, status}'
	sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE order_id = ${held#o_} ORDER BY id"
fi
if [ -x "$bin/oms-stock" ]; then
	say "oms-stock: locations, products, a kit, listings and stock, through the ledger"
	oms-stock "$here/stock.jsonl" > demo/stock-echo.jsonl
	wc -l < demo/stock-echo.jsonl | sed 's/$/ records applied/'
	oms-stock "$here/stock.jsonl" | jq -c 'select(.duplicate) | .key' | wc -l |
		sed 's/$/ movements applied again: all duplicates, nothing changed/'
	say "stock levels"
	{ printf 'SKU\tLOCATION\tON_HAND\tRESERVED\tIN_TRANSIT\tAVAILABLE\n'
	  oms-stock levels | jq -r '[.sku, .location, .on_hand, .reserved, .in_transit, .available] | @tsv'
	} | expand -t 14,24,33,43,55
	say "the story of one SKU"
	oms-stock history CANDLE-CEDAR | jq -c '{at, kind, location, qty, ref, reason, on_hand}'
	say "what each channel may sell (open orders count as demand)"
	{ printf 'CHANNEL\tCHANNEL_SKU\tSKU\tPOOL\tAVAILABLE\n'
	  oms-stock available | jq -r '[.channel, .channel_sku, .sku, .pool, .available] | @tsv'
	} | expand -t 10,24,38,45
	say "how Amazon's figure for the cedar candle was reached"
	oms-stock available --explain CANDLE-CEDAR | jq -c 'select(.channel == "amazon") | .rules[]'
	say "Amazon's Price & Quantity upload, then a delta run: nothing changed"
	oms-stock feed --channel amazon | tee demo/amazon-price-quantity.txt
	oms-stock feed --channel amazon | tail -n +3 | wc -l | sed 's/$/ rows the second time/'
	oms-stock verify
fi
if [ -x "$bin/oms-route" ]; then
	say "oms-route: every open order to the best place, stock reserved through the ledger"
	oms-route -v --pending > demo/allocations.jsonl
	jq -r '[.order, .channel, .external_id, .status,
	    ([.shipments[] | "\(.location) \(.service // "-") \(.cost // "-")"] | join(", "))] | @tsv' \
	    demo/allocations.jsonl | head -n 12
	say "why one order went where it did"
	first=$(jq -r 'select(.status == "allocated") | .order' demo/allocations.jsonl | head -n 1)
	if [ -n "$first" ]; then
		oms-route --reroute "$first" --explain |
		    jq -c '.explain.candidates[] | {location, verdict}'
	fi
	say "the pool after routing: what is allocated is reserved, not demand twice"
	oms-stock verify
fi
if [ -x "$bin/oms-ship" ] && [ -s demo/allocations.jsonl ]; then
	say "oms-ship pick: what routing allocated, in waves, along the bins"
	oms-ship -v pick --pdf demo/picks.pdf |
	    jq -c '{wave, location, service, orders, lines: [.lines[] | [.bin // "-", .sku, .qty]]}'
	say "oms-ship: pack, buy labels from the offline carrier, take the stock out"
	echo "(the offline rate tables serve the US only: orders abroad are refused and stay allocated)"
	jq -c 'select(.status == "allocated" or .status == "partial")' \
	    demo/allocations.jsonl > demo/to-ship.jsonl
	oms-ship -v --carrier offline --labels demo/labels --slips demo/slips \
	    demo/to-ship.jsonl > demo/shipments.jsonl || [ $? -eq 1 ]
	jq -r '[.id, .order, .channel, .location, .service, .cost, .tracking,
	    ([.packages[].box] | join(","))] | @tsv' demo/shipments.jsonl
	say "the labels, ZPL and PDF, named by tracking number; a packing slip a shipment"
	ls demo/labels demo/slips
	first=$(jq -r .tracking demo/shipments.jsonl | head -n 1)
	if [ -n "$first" ] && command -v pdftoppm >/dev/null 2>&1 &&
	    command -v zbarimg >/dev/null 2>&1; then
		say "the barcode of demo/labels/$first.pdf, scanned"
		pdftoppm -r 300 -png "demo/labels/$first.pdf" demo/label
		scanned=$(zbarimg --raw -q demo/label-1.png 2>/dev/null || true)
		echo "printed $first, scanned ${scanned:-nothing}"
		[ "$scanned" = "$first" ]
	fi
	say "shipment confirmations for each channel with allocations"
	for ch in $(sqlite3 "$OMS_DB" "SELECT DISTINCT o.channel FROM allocations a
	    JOIN orders o ON o.id = a.order_id ORDER BY 1"); do
		fmt=$OMS_PATH/confirmations/$ch.json
		[ -f "$fmt" ] || { echo "$ch: no confirmation format"; continue; }
		case $(jq -r .format "$fmt") in
		tsv) ext=txt ;;
		csv) ext=csv ;;
		*) ext=jsonl ;;
		esac
		oms-ship confirm -v --feed "$ch" > "demo/confirm-$ch.$ext"
		echo "demo/confirm-$ch.$ext:"
		sed 's/^/    /' "demo/confirm-$ch.$ext"
	done
	say "tracking: the parcels now, and a week on"
	oms-ship track | jq -c '[.shipment, .tracking, .status]'
	week=$(date -u -d '+7 days' +%Y-%m-%dT%H:%M:%SZ)
	OMS_NOW=$week oms-ship track |
	    jq -c '[.shipment, .status, [.events[].status]]'
	say "today's manifest for the offline carrier"
	oms-ship manifest --carrier offline |
	    jq -r '[.id, .tracking, .service, .weight_g] | @tsv'
	say "messages to the customers, as mail for sendmail -t"
	oms-ship notify -v --mail demo/mail --from 'Demo Shop <shop@example.com>'
	ls demo/mail
	say "a customer cancels an allocated order: its stock goes back through the ledger"
	victim=$(sqlite3 "$OMS_DB" "SELECT channel || ':' || external_id FROM orders
	    WHERE status = 'allocated' ORDER BY id LIMIT 1")
	if [ -n "$victim" ]; then
		oms-import cancel --reason "customer asked" "$victim" |
		    jq -c '{id, channel, external_id, status}'
		sqlite3 "$OMS_DB" "SELECT kind, sku, location, qty, reason FROM movements
		    WHERE reason = 'cancelled' ORDER BY id"
	fi
	say "a cancel after the parcel left is refused: a return is the way"
	gone=$(sqlite3 "$OMS_DB" "SELECT 'o_' || order_id FROM shipments
	    WHERE status NOT IN ('voided', 'shipped', 'pre_transit') ORDER BY id LIMIT 1")
	[ -z "$gone" ] || oms-import cancel "$gone" || [ $? -eq 1 ]
	oms-stock verify
fi
if [ -x "$bin/oms-return" ]; then
	say "a customer sends a unit back: requested, received into quarantine, inspected, refunded"
	back=$(sqlite3 "$OMS_DB" "SELECT 'o_' || s.order_id FROM shipments s
	    JOIN orders o ON o.id = s.order_id WHERE s.status = 'delivered'
	    AND o.status = 'delivered' ORDER BY s.id LIMIT 1")
	if [ -n "$back" ]; then
		OMS_NOW=$week oms-return request --reason defective \
		    --note "the zip broke" "$back" 1:1 |
		    jq -c '{id, order, state, policy, window_ends}'
		OMS_NOW=$week oms-return receive r_1 |
		    jq -c '{id, state, lines: [.lines[] | {sku, received}]}'
		sqlite3 "$OMS_DB" "SELECT sku, location, on_hand FROM levels
		    WHERE location LIKE '%/returns' ORDER BY 1, 2"
		OMS_NOW=$week oms-return inspect --disposition restock r_1 1 |
		    jq -c '{id, state, units: [.units[] | {sku, disposition}]}'
		oms-stock history "$(sqlite3 "$OMS_DB" "SELECT sku FROM
		    return_lines WHERE return_id = 1")" |
		    jq -c 'select(.ref == "r_1") | [.kind, .location, .qty, .reason]'
		say "the refund it comes to, for the payment adapter or the channel"
		oms-return refunds | jq -c '{id, order, currency, items, tax,
		    shipping, fee, total}'
	fi
	say "an exchange: a unit sent back for a new one, routed and shipped like any order"
	swap=$(sqlite3 "$OMS_DB" "SELECT 'o_' || s.order_id FROM shipments s
	    JOIN orders o ON o.id = s.order_id WHERE o.status = 'delivered'
	    ORDER BY s.id LIMIT 1")
	if [ -n "$swap" ]; then
		line=$(sqlite3 "$OMS_DB" "SELECT line_no || ':' || sku FROM
		    order_lines WHERE order_id = ${swap#o_} AND sku IS NOT NULL
		    ORDER BY line_no LIMIT 1")
		r=$(OMS_NOW=$week oms-return request --reason size_too_small \
		    --resolution exchange "$swap" "${line%%:*}:1" | jq -r .id)
		OMS_NOW=$week oms-return receive "$r" | jq -c '{id, state}'
		OMS_NOW=$week oms-return exchange "$r" "${line#*:}:1" |
		    jq -c 'if .type == "order" then {type, id, channel,
		    external_id, status, exchange} else {type, id, total,
		    amount, reason} end'
		oms-route --pending > demo/exchange.jsonl
		jq -c '{order, status}' demo/exchange.jsonl
		oms-ship -q --carrier offline --labels demo/labels \
		    demo/exchange.jsonl | jq -c '{id, order, tracking, status}'
		OMS_NOW=$week oms-return inspect --disposition restock "$r" 1 |
		    jq -c '{id, state}'
	fi
	oms-stock verify
fi
if [ -x "$bin/oms-ship" ]; then
	say "oms status: what needs a person now (exit 1 when anything does)"
	oms status | jq -r '[.kind, .order, .channel, .external_id,
	    (.reason // (.reasons | join("; ")))] | @tsv' || true
fi
if [ -x "$bin/oms-events" ]; then
	say "oms-events: every change above is an event, in the order it was committed"
	oms-events --type 'order.*' --limit 4 |
	    jq -c '{seq, type, program, order, channel, external_id}'
	oms-events --type stock.changed --limit 2 |
	    jq -c '{seq, type, program, kind, sku, location, change, on_hand}'
	say "an ERP consumer takes them in batches, each acknowledged once its program succeeds"
	oms-events -q --consumer erp --batch 25 --exec tee -- -a demo/erp-events.jsonl >/dev/null
	echo "$(wc -l < demo/erp-events.jsonl) events handed to the consumer erp"
	oms-events consumers | jq -c '{name, acked, behind}'
	oms-events -q --consumer erp --exec tee -- -a demo/erp-events.jsonl >/dev/null
	echo "run again: $(wc -l < demo/erp-events.jsonl) events, nothing handed twice"
fi
say "oms check"
oms check
say "oms help"
oms help
if [ -x "$bin/oms-report" ]; then
	say "oms-report: the dashboard, one page of the main reports and their charts"
	# As of the demo's last day: its returns were made a week on.
	OMS_NOW=${week:-$(date -u +%Y-%m-%dT%H:%M:%SZ)} \
	    oms-report --html demo/dashboard.html
	echo "$PWD/demo/dashboard.html"
fi
