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
	held=$(sqlite3 "$OMS_DB" "SELECT 'o_' || id FROM orders WHERE status = 'hold' ORDER BY id LIMIT 1")
	oms-import release --force "$held" | jq -c '{id, channel, external_id, status}'
	sqlite3 "$OMS_DB" "SELECT action, before, after FROM events WHERE order_id = ${held#o_} ORDER BY id"
fi
say "oms check"
oms check
say "oms help"
oms help
