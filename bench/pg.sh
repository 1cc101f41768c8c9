#!/usr/bin/env bash
# bench/pg.sh: routing and shipping throughput with 1, 2, 4 and 8
# programs at once, on PostgreSQL beside the same on SQLite, in one run.
#
#   bench/pg.sh                   about 10 minutes
#   N=500 WORKERS="1 2" bench/pg.sh
#
# Writes N orders (default 2000) over 10 locations and SKUS products
# (default 500) with gen-route, loads them into a SQLite file (the
# catalog, the stock, the orders through oms-import) and copies that into
# PostgreSQL with oms migrate.  Then for each engine and each number W in
# WORKERS, on a fresh copy of the loaded database:
#   route  W processes of oms-route --pending at once, until every order
#          is routed
#   ship   W processes of oms-ship --pending at once (the offline carrier,
#          ZPL and PDF labels in a directory each), until every allocated
#          order has shipped
# and prints orders routed and parcels shipped a second, each engine's
# figure beside SQLite's with one worker.  It checks that with one worker
# both engines end with the same orders, allocations and shipments
# (counted by status and location), and always that oms check and
# oms-stock verify find nothing wrong.
#
# PostgreSQL is a throwaway server started here (initdb into the scratch
# directory, Unix socket only, fsync off as t/run-pg does, run as user
# postgres when we are root); PG=URL uses one of yours instead, and
# databases named oms_bench_* are made and dropped in it.
#
# Environment: N, SKUS, WORKERS (default "1 2 4 8"), SEED, WORK (scratch
# directory, default bench/build/pg), PG.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
n=${N:-2000}
skus=${SKUS:-500}
workers=${WORKERS:-1 2 4 8}
seed=${SEED:-20261203}
work=${WORK:-$here/build/pg}
export OMS_PATH=$root/share/oms OMS_NOW=2026-11-26T15:00:00Z
export OMS_BUSY_TIMEOUT=600000
unset OMS_DB

die() { echo "pg.sh: $*" >&2; exit 1; }
note() { echo "pg.sh: $*" >&2; }

make -s -C "$root" >/dev/null || die "make -C $root failed"
make -s -C "$here" build/gen-route >/dev/null || die "make -C $here failed"
bin=$root/build/bin
export PATH="$bin:$PATH"

rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"

# ---- the server -----------------------------------------------------------
server=
stop() {
	[ -n "$server" ] || return 0
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$pgbin/pg_ctl" -D "$server/data" -m fast \
		    stop >/dev/null 2>&1 || true
	else
		"$pgbin/pg_ctl" -D "$server/data" -m fast stop >/dev/null 2>&1 || true
	fi
}
trap stop EXIT
if [ -z "${PG:-}" ]; then
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$pgbin/initdb" ] || die "no PostgreSQL server here (apt-get install postgresql), or set PG"
	server=$work/server
	mkdir -p "$server"
	as=()
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$server"
		as=(runuser -u postgres --)
	fi
	"${as[@]}" "$pgbin/initdb" -D "$server/data" -A trust -U postgres \
	    >"$work/initdb.log" 2>&1 || die "initdb failed: see $work/initdb.log"
	"${as[@]}" "$pgbin/pg_ctl" -D "$server/data" -l "$server/log" -w -o \
	    "-c listen_addresses= -c unix_socket_directories=$server -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40" \
	    start >/dev/null || die "the server did not start: see $server/log"
	PG="postgresql:///postgres?host=$server&user=postgres"
fi
pgdb() {	# pgdb NAME: the URL of database NAME on the server of $PG
	local base=${PG%%\?*} opts=
	[[ $PG == *\?* ]] && opts="?${PG#*\?}"
	echo "${base%/*}/$1$opts"
}
psqlc() { psql -X -q -v ON_ERROR_STOP=1 "$PG" -c "SET client_min_messages = warning" -c "$1" >/dev/null; }

# ---- the data ---------------------------------------------------------------
"$here/build/gen-route" -s "$seed" -n "$n" -k "$skus" -d "$work" 2>"$work/gen.log" ||
    { cat "$work/gen.log" >&2; die "gen-route failed"; }
# A label needs a street on the sender's address.
jq -c 'if .type == "location" then .address.address1 = "1 Dock Rd" else . end' \
    "$work/catalog.jsonl" > "$work/catalog2.jsonl"
loaded=$work/loaded.db
oms -q --db "$loaded" init
oms-stock -q --db "$loaded" "$work/catalog2.jsonl" >/dev/null
oms-stock -q --db "$loaded" "$work/stock.jsonl" >/dev/null
oms-import -q --db "$loaded" --channel oms "$work/orders.jsonl" >/dev/null || [ $? -eq 1 ]
sqlite3 "$loaded" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
psqlc "DROP DATABASE IF EXISTS oms_bench_loaded"
psqlc "CREATE DATABASE oms_bench_loaded"
oms -q --db "$loaded" migrate --to "$(pgdb oms_bench_loaded)"
open=$(sqlite3 "$loaded" "SELECT count(*) FROM orders WHERE status = 'open'")

# fresh ENGINE NAME: a copy of the loaded database; prints its name.
fresh() {
	if [ "$1" = sqlite ]; then
		rm -f "$work/$2.db" "$work/$2.db-wal" "$work/$2.db-shm"
		cp "$loaded" "$work/$2.db"
		echo "$work/$2.db"
	else
		psqlc "DROP DATABASE IF EXISTS oms_bench_$2"
		psqlc "CREATE DATABASE oms_bench_$2 TEMPLATE oms_bench_loaded"
		pgdb "oms_bench_$2"
	fi
}

# many W LOG CMD...: W copies of CMD at once, each again until it has
# nothing left to do; prints the wall time in seconds.
many() {
	local w=$1 log=$2 t0 t1 i
	shift 2
	t0=$(date +%s%N)
	for ((i = 1; i <= w; i++)); do
		("$@" "$i" >>"$log.$i.out" 2>>"$log.$i.err" || [ $? -eq 1 ]) &
	done
	wait
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'
}
route_one() { oms-route -q --db "$DB" --pending; }
ship_one() { oms-ship -q --db "$DB" --carrier offline --labels "$work/labels.$ENGINE.$W.$1" --pending; }

# What both engines must agree on at the end.
summary() {
	local q="SELECT 'orders', status, count(*) FROM orders GROUP BY status
	    UNION ALL SELECT 'allocations', location || ':' || state, sum(qty)
	    FROM allocations GROUP BY location, state
	    UNION ALL SELECT 'shipments', location, count(*) FROM shipments
	    GROUP BY location ORDER BY 1, 2"
	if [ "$1" = sqlite ]; then
		sqlite3 "$2" "$q"
	else
		psql -X -q -A -t -F'|' "$2" -c "$q"
	fi
}

echo "routing and shipping with 1 to 8 programs at once, SQLite and" \
    "PostgreSQL $(psql -X -A -t "$PG" -c 'SHOW server_version' | cut -d' ' -f1)," \
    "$(nproc) cores, $(date +%Y-%m-%d), $n orders ($open open)"
printf '%-11s %7s %12s %9s %12s %9s\n' engine workers "routed/s" "x sqlite1" "parcels/s" "x sqlite1"
base_r= base_s=
for ENGINE in sqlite postgresql; do
	for W in $workers; do
		DB=$(fresh "$ENGINE" "w$W")
		export DB ENGINE W
		tr=$(many "$W" "$work/route.$ENGINE.$W" route_one)
		routed=$(summary "$ENGINE" "$DB" | awk -F'|' '$1 == "orders" && $2 != "open" { s += $3 } END { print s + 0 }')
		ts=$(many "$W" "$work/ship.$ENGINE.$W" ship_one)
		parcels=$(summary "$ENGINE" "$DB" | awk -F'|' '$1 == "shipments" { s += $3 } END { print s + 0 }')
		oms -q --db "$DB" check || die "$ENGINE, $W workers: oms check found problems"
		summary "$ENGINE" "$DB" > "$work/summary.$ENGINE.$W"
		oms-stock -q --db "$DB" verify || die "$ENGINE, $W workers: the ledger disagrees"
		# One program at a time routes the same way on both engines;
		# several take the scarce stock in the order they come to it.
		if [ "$W" = 1 ] && [ "$ENGINE" != sqlite ] && [ -f "$work/summary.sqlite.1" ]; then
			cmp -s "$work/summary.sqlite.1" "$work/summary.$ENGINE.1" ||
			    die "$ENGINE ended otherwise than SQLite: diff $work/summary.sqlite.1 $work/summary.$ENGINE.1"
		fi
		rs=$(awk -v n="$routed" -v t="$tr" 'BEGIN { printf "%.0f", n / t }')
		ss=$(awk -v n="$parcels" -v t="$ts" 'BEGIN { printf "%.1f", n / t }')
		[ -n "$base_r" ] || { base_r=$rs; base_s=$ss; }
		printf '%-11s %7s %12s %9s %12s %9s\n' "$ENGINE" "$W" "$rs" \
		    "$(awk -v a="$rs" -v b="$base_r" 'BEGIN { printf "%.2f", a / b }')" "$ss" \
		    "$(awk -v a="$ss" -v b="$base_s" 'BEGIN { printf "%.2f", a / b }')"
		[ "$ENGINE" = sqlite ] || psqlc "DROP DATABASE oms_bench_w$W"
	done
done
psqlc "DROP DATABASE oms_bench_loaded"
