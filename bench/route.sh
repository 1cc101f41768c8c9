#!/usr/bin/env bash
# bench/route.sh: oms-route --pending on 100k orders of 1-5 lines over 10
# locations and 10k SKUs, beside the same number of bare reservation
# transactions in the sqlite3 CLI.
#
#   bench/route.sh                the whole run, about 2 minutes
#   N=5000 bench/route.sh         fewer orders
#   N=20000 REPEAT=3 bench/route.sh
#
# Builds the programs (make -C .. and bench/build/gen-route), writes the
# data with gen-route, and loads it into a new database, timed: the
# GeoNames US postal file with `oms-route geo load` (GEO=, default
# ../shared/geo/US.txt beside the repository; skipped when missing or
# GEO=none, and then distances come from region centroids), the catalog
# (10 locations, the products) and the stock (receive movements) through
# oms-stock, the orders through `oms-import --channel oms`.
#
# Then, each on a fresh copy of the loaded database, it times
#   (r)  oms-route --pending > out.jsonl
#   (y1) sqlite3 CLI: per order, BEGIN IMMEDIATE; an UPDATE of levels
#        reserving one unit of the order's first SKU where it has most;
#        an INSERT into a small table; COMMIT
#   (y2) the same statements, 1000 orders to a transaction (BATCH in
#        cmd/oms-route.c) and a savepoint each
# and checks (r): a record for every order and none twice, the same
# statuses in the database, `oms check` clean, `oms-stock verify`
# agreeing, every line's allocated units equal to its active
# allocations, every level's reserved equal to the active allocations at
# it and never above on hand, and a second --pending run writing nothing.
#
# Environment: N (orders, default 100000), SKUS (10000), REPEAT (runs of
# each of (r), (y1), (y2), each on a fresh copy; the best wall time and
# the highest peak are kept; default 1), SEED, GEO, WORK (scratch
# directory, default bench/build/route), KEEP=1 keeps the data and the
# databases.  Peak RSS comes from GNU time's %M (installed with apt when
# missing, if we may), else from VmHWM read in /proc while the program
# runs (RSS_FROM=proc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
n=${N:-100000}
skus=${SKUS:-10000}
repeat=${REPEAT:-1}
seed=${SEED:-20261126}
work=${WORK:-$here/build/route}
geo=${GEO:-$(dirname "$root")/shared/geo/US.txt}
batch=1000	# BATCH in cmd/oms-route.c
export OMS_PATH=$root/share/oms
unset OMS_DB OMS_NOW

die() { echo "route.sh: $*" >&2; exit 1; }
note() { echo "route.sh: $*" >&2; }

# ---- build ------------------------------------------------------------
make -s -C "$root" >/dev/null || die "make -C $root failed"
make -s -C "$here" build/gen-route >/dev/null || die "make -C $here failed"
gen=$here/build/gen-route
bin=$root/build/bin
for p in oms oms-stock oms-import oms-route; do
	[ -x "$bin/$p" ] || die "no $bin/$p"
done
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
command -v jq >/dev/null || die "jq is not installed"

. "$here/lib.sh"

# best LABEL DB IN OUT CMD...: REPEAT runs, each on a fresh copy of the
# loaded database at DB; the lowest wall time and the highest peak are
# kept, and DB is left as the last run left it.
best() {
	local label=$1 to=$2 in=$3 out=$4 i w=0 r=0
	shift 4
	for ((i = 0; i < repeat; i++)); do
		fresh "$to"
		once "$label" "$in" "$out" "$@"
		if [ "$i" = 0 ] || awk -v a="$T_WALL" -v b="$w" 'BEGIN { exit !(a < b) }'; then
			w=$T_WALL
		fi
		[ "$T_RSS" -gt "$r" ] && r=$T_RSS
	done
	T_WALL=$w
	T_RSS=$r
}

# fresh DB: a copy of the loaded database (checkpointed, so one file).
fresh() {
	rm -f "$1" "$1-wal" "$1-shm"
	cp "$loaded" "$1"
}

q() { sqlite3 "$1" "$2"; }
per() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", (n > 0 ? s * 1e6 / n : 0) }'; }

mkdir -p "$work"
loaded=$work/loaded.db
db=$work/route.db
yard=$work/yard.db
log=$work/run.log
rm -f "$loaded" "$loaded-wal" "$loaded-shm"
"$bin/oms" -q --db "$loaded" init

# ---- the data -----------------------------------------------------------
"$gen" -s "$seed" -n "$n" -k "$skus" -d "$work" 2>"$work/gen.log" ||
    { cat "$work/gen.log" >&2; die "gen-route failed"; }
note "$(sed 's/^gen-route: //' "$work/gen.log")"
n_cat=$(wc -l <"$work/catalog.jsonl")
n_stk=$(wc -l <"$work/stock.jsonl")
n_lines=$(jq -c '.lines[]' "$work/orders.jsonl" | wc -l)

echo "oms-route against bare reservation transactions in the sqlite3 CLI," \
    "$(nproc) cores, $(date +%Y-%m-%d), oms $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1), peak RSS from" \
    "$([ -n "$gnutime" ] && echo "GNU time %M" || echo "VmHWM in /proc"), best of $repeat run(s) of (r), (y1), (y2)"

# ---- load -----------------------------------------------------------------
W_GEO=- R_GEO=0 n_geo=0
if [ "$geo" != none ] && [ -r "$geo" ]; then
	once "oms-route geo load" /dev/null /dev/null \
	    "$bin/oms-route" --db "$loaded" geo load "$geo"
	W_GEO=$T_WALL R_GEO=$T_RSS
	n_geo=$(q "$loaded" "SELECT count(*) FROM geo_postal")
else
	note "no postal file ($geo): distances from region centroids"
fi
once "oms-stock (catalog)" "$work/catalog.jsonl" /dev/null "$bin/oms-stock" --db "$loaded"
W_CAT=$T_WALL R_CAT=$T_RSS
got=$(q "$loaded" "SELECT (SELECT count(*) FROM locations) || ' ' || (SELECT count(*) FROM products)")
[ "$got" = "10 $skus" ] || die "catalog: locations, products are $got"
once "oms-stock (stock)" "$work/stock.jsonl" /dev/null "$bin/oms-stock" --db "$loaded"
W_STK=$T_WALL R_STK=$T_RSS
got=$(q "$loaded" "SELECT count(*) FROM levels")
[ "$got" = "$n_stk" ] || die "stock: $got levels, not $n_stk"
once "oms-import" "$work/orders.jsonl" /dev/null \
    "$bin/oms-import" --db "$loaded" --channel oms
W_IMP=$T_WALL R_IMP=$T_RSS
got=$(q "$loaded" "SELECT (SELECT count(*) FROM orders WHERE status = 'open') || ' ' || (SELECT count(*) FROM order_lines)")
[ "$got" = "$n $n_lines" ] || die "orders: open orders and lines are $got, not $n $n_lines"
q "$loaded" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
[ ! -s "$loaded-wal" ] || die "the loaded database did not checkpoint"
units=$(q "$loaded" "SELECT sum(qty) FROM order_lines")
stock_units=$(q "$loaded" "SELECT sum(on_hand) FROM levels")
note "loaded: $(du -m "$loaded" | cut -f1) MB"

# ---- the yardstick's scripts ------------------------------------------------
# One reservation per order, in the order --pending takes them: a unit of
# its first line's SKU where that SKU has the most free (any location when
# it has no stock at all: the UPDATE then changes nothing).  The INSERT
# records it only when the UPDATE took a unit.  oms opens with WAL and
# synchronous = NORMAL; the copy is in WAL already and the script sets the
# rest.
sqlite3 -batch -noheader -list "$loaded" >"$work/pairs.txt" <<'EOF'
WITH firsts AS (
  SELECT o.id, o.priority, o.placed_at, l.sku FROM orders o
  JOIN order_lines l ON l.order_id = o.id AND l.line_no = 1
  WHERE o.status IN ('open', 'partial', 'backordered')
), most AS (
  SELECT sku, location FROM (
    SELECT sku, location, row_number() OVER (PARTITION BY sku
      ORDER BY on_hand - reserved DESC, location) AS k FROM levels)
  WHERE k = 1
)
SELECT f.id, quote(f.sku), quote(coalesce(m.location, 'W1'))
FROM firsts f LEFT JOIN most m ON m.sku = f.sku
ORDER BY f.priority DESC, f.placed_at, f.id;
EOF
got=$(wc -l <"$work/pairs.txt")
[ "$got" = "$n" ] || die "yardstick: $got orders, not $n"
head_sql='.bail on
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TABLE bench_reservations (order_id INTEGER NOT NULL,
  sku TEXT NOT NULL, location TEXT NOT NULL, qty INTEGER NOT NULL);'
{
	echo "$head_sql"
	awk -F'|' '{
		printf "BEGIN IMMEDIATE;\n"
		printf "UPDATE levels SET reserved = reserved + 1 WHERE sku = %s AND location = %s AND on_hand - reserved >= 1;\n", $2, $3
		printf "INSERT INTO bench_reservations SELECT %s, %s, %s, 1 WHERE changes() = 1;\n", $1, $2, $3
		printf "COMMIT;\n"
	}' "$work/pairs.txt"
} >"$work/y1.sql"
{
	echo "$head_sql"
	awk -F'|' -v b="$batch" -v n="$n" '{
		if ((NR - 1) % b == 0) printf "BEGIN IMMEDIATE;\n"
		printf "SAVEPOINT r;\n"
		printf "UPDATE levels SET reserved = reserved + 1 WHERE sku = %s AND location = %s AND on_hand - reserved >= 1;\n", $2, $3
		printf "INSERT INTO bench_reservations SELECT %s, %s, %s, 1 WHERE changes() = 1;\n", $1, $2, $3
		printf "RELEASE r;\n"
		if (NR % b == 0 || NR == n) printf "COMMIT;\n"
	}' "$work/pairs.txt"
} >"$work/y2.sql"

# ---- (r), (y1), (y2) --------------------------------------------------------
best "(y1) sqlite3, a transaction per order" "$yard" "$work/y1.sql" /dev/null sqlite3 "$yard"
W_Y1=$T_WALL R_Y1=$T_RSS
got=$(q "$yard" "SELECT count(*) || ' ' || (SELECT count(*) FROM levels WHERE reserved > on_hand) FROM bench_reservations")
y_took=${got% *}
[ "${got#* }" = 0 ] || die "(y1) left levels with reserved above on hand"
best "(y2) sqlite3, $batch orders a transaction" "$yard" "$work/y2.sql" /dev/null sqlite3 "$yard"
W_Y2=$T_WALL R_Y2=$T_RSS
got=$(q "$yard" "SELECT count(*) FROM bench_reservations")
[ "$got" = "$y_took" ] || die "(y2) reserved $got units, (y1) $y_took"

best "(r) oms-route --pending" "$db" /dev/null "$work/out.jsonl" \
    "$bin/oms-route" --db "$db" -v --pending
W_R=$T_WALL R_R=$T_RSS
summary=$(sed -n 's/^oms-route: rules version/rules version/p' "$log")

# ---- checks ---------------------------------------------------------------
recs=$(wc -l <"$work/out.jsonl")
[ "$recs" = "$n" ] || die "(r) wrote $recs records for $n orders"
got=$(jq -r '.order' "$work/out.jsonl" | sort -u | wc -l)
[ "$got" = "$n" ] || die "(r) wrote records for $got distinct orders, not $n"
got=$(jq -r 'select(.type != "allocation") | .type' "$work/out.jsonl" | wc -l)
[ "$got" = 0 ] || die "(r) wrote $got records that are not allocations"
jq -r '.status' "$work/out.jsonl" | sort | uniq -c | awk '{ print $2 "|" $1 }' >"$work/status.out"
q "$db" "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status" >"$work/status.db"
cmp -s "$work/status.out" "$work/status.db" || {
	diff "$work/status.out" "$work/status.db" >&2
	die "the statuses in out.jsonl and in the database differ"
}
count() { awk -F'|' -v s="$1" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }' "$work/status.out"; }
n_alloc=$(count allocated) n_part=$(count partial) n_back=$(count backordered)
other=$((n - n_alloc - n_part - n_back))
read -r s1 s2 s3 < <(jq -r 'select(.status == "allocated") | .shipments | length' \
    "$work/out.jsonl" | awk '{ c[$1]++ } END { print c[1] + 0, c[2] + 0, c[3] + 0 }')
read -r u_alloc u_back ships < <(jq -r '[([.lines[].allocated] | add),
    ([.lines[].backordered // 0] | add), (.shipments | length)] | @tsv' \
    "$work/out.jsonl" | awk '{ a += $1; b += $2; s += $3 } END { print a, b, s }')
[ "$((u_alloc + u_back))" = "$units" ] ||
    die "(r) allocated $u_alloc and backordered $u_back units of $units"

"$bin/oms" --db "$db" check >"$work/check.out" 2>"$log" ||
    { head -20 "$work/check.out" "$log" >&2; die "oms check found problems"; }
"$bin/oms-stock" --db "$db" verify >/dev/null 2>"$log" ||
    { head -20 "$log" >&2; die "oms-stock verify found differences"; }
grep -q 'agree' "$log" || die "verify: $(cat "$log")"

bad=$(q "$db" "SELECT count(*) FROM order_lines l WHERE l.allocated > l.qty
  OR l.allocated <> (SELECT coalesce(sum(a.qty), 0) FROM allocations a
    WHERE a.order_id = l.order_id AND a.line_no = l.line_no AND a.state = 'active')")
[ "$bad" = 0 ] || die "$bad order lines whose allocated units are not their allocations"
bad=$(q "$db" "SELECT count(*) FROM (SELECT order_id, line_no, location
  FROM allocations GROUP BY order_id, line_no, location HAVING count(*) > 1)")
[ "$bad" = 0 ] || die "$bad order lines allocated twice at the same location"
bad=$(q "$db" "SELECT count(*) FROM (SELECT DISTINCT order_id FROM allocations)
  a JOIN orders o ON o.id = a.order_id WHERE o.status NOT IN ('allocated', 'partial')")
[ "$bad" = 0 ] || die "$bad orders with allocations are neither allocated nor partial"
bad=$(q "$db" "SELECT count(*) FROM levels WHERE reserved > on_hand")
[ "$bad" = 0 ] || die "$bad levels have more reserved than on hand"
bad=$(q "$db" "SELECT count(*) FROM levels v LEFT JOIN (SELECT sku, location,
  sum(qty) AS n FROM allocations WHERE state = 'active' GROUP BY sku, location)
  a ON a.sku = v.sku AND a.location = v.location WHERE v.reserved <> coalesce(a.n, 0)")
[ "$bad" = 0 ] || die "$bad levels whose reserved is not their active allocations"
got=$(q "$db" "SELECT (SELECT count(*) FROM allocations) || ' ' ||
  (SELECT count(*) FROM movements WHERE kind = 'reserve') || ' ' ||
  (SELECT coalesce(sum(qty), 0) FROM allocations) || ' ' ||
  (SELECT count(*) FROM routes)")
read -r n_rows n_res res_units n_routes <<<"$got"
[ "$n_rows" = "$n_res" ] || die "$n_rows allocations but $n_res reserve movements"
[ "$res_units" = "$u_alloc" ] || die "$res_units units reserved, the records say $u_alloc"
[ "$n_routes" = "$n" ] || die "$n_routes route records for $n orders"
# Stock that was left while units went short: at a location that reached
# its day's capacity, or elsewhere (the three-shipment limit).
read -r short_cap short_free < <(q "$db" "WITH cap AS (
  SELECT l.id FROM locations l WHERE l.capacity_per_day IS NOT NULL AND
  (SELECT count(DISTINCT order_id) FROM allocations a WHERE a.location = l.id)
    >= l.capacity_per_day),
short AS (SELECT sku, sum(qty - allocated) AS n FROM order_lines
  WHERE allocated < qty GROUP BY sku)
SELECT coalesce(sum(CASE WHEN v.location IN cap THEN 1 ELSE 0 END), 0) || ' ' ||
  coalesce(sum(CASE WHEN v.location IN cap THEN 0 ELSE 1 END), 0)
FROM short s JOIN levels v ON v.sku = s.sku WHERE v.on_hand > v.reserved" |
    tr -d '\r')
full=$(q "$db" "SELECT group_concat(id || ' ' || used || '/' || capacity_per_day, ', ')
  FROM (SELECT l.id, l.capacity_per_day, (SELECT count(DISTINCT order_id)
  FROM allocations a WHERE a.location = l.id) AS used FROM locations l
  WHERE l.capacity_per_day IS NOT NULL ORDER BY l.id)")
used=$(q "$db" "SELECT group_concat(location || ' ' || n, ', ') FROM (SELECT
  location, count(DISTINCT order_id) AS n FROM allocations GROUP BY location
  ORDER BY location)")

# A second --pending run, the stock unchanged: a backordered order finds
# what it found, so says nothing; a partial one may take more units from
# locations the first run's shipment limit left out (reported, not an
# error).  Whatever it does must keep the books straight.
once "second oms-route --pending" /dev/null "$work/again.jsonl" \
    "$bin/oms-route" --db "$db" -v --pending
W_R2=$T_WALL R_R2=$T_RSS
again=$(wc -l <"$work/again.jsonl")
summary2=$(sed -n 's/^oms-route: rules version/rules version/p' "$log")
again_st=$(jq -r '.status' "$work/again.jsonl" | sort | uniq -c |
    awk '{ printf "%s%d %s", (NR > 1 ? ", " : ""), $1, $2 }')
"$bin/oms" --db "$db" check >"$work/check.out" 2>"$log" ||
    { head -20 "$work/check.out" "$log" >&2; die "after a second run, oms check found problems"; }
"$bin/oms-stock" --db "$db" verify -q >/dev/null 2>&1 ||
    die "after a second run, oms-stock verify found differences"
bad=$(q "$db" "SELECT count(*) FROM levels v LEFT JOIN (SELECT sku, location,
  sum(qty) AS n FROM allocations WHERE state = 'active' GROUP BY sku, location)
  a ON a.sku = v.sku AND a.location = v.location WHERE v.reserved <> coalesce(a.n, 0)
  OR v.reserved > v.on_hand")
[ "$bad" = 0 ] || die "after a second run, $bad levels do not match their allocations"
wide=$(q "$db" "SELECT count(*) FROM (SELECT order_id FROM allocations
  WHERE state = 'active' GROUP BY order_id HAVING count(DISTINCT location) > 3)")

# ---- the table ------------------------------------------------------------
line() { printf '%-48s %8s %9s %11s\n' "$@"; }
row() { printf '%-44s %7s %7s %9s %9s %9s %8s %8s\n' "$@"; }
echo
echo "$n orders ($n_lines lines, $units units) over 10 locations and $skus SKUs;" \
    "$n_stk levels with $stock_units units; $n_geo postal codes"
echo
line "load" s "peak MiB" "per second"
[ "$W_GEO" = - ] || line "geo: $n_geo postal codes (oms-route geo load)" "$W_GEO" "$(mib "$R_GEO")" "$(rate "$n_geo" "$W_GEO")"
line "catalog: $n_cat records through oms-stock" "$W_CAT" "$(mib "$R_CAT")" "$(rate "$n_cat" "$W_CAT")"
line "stock: $n_stk receive movements through oms-stock" "$W_STK" "$(mib "$R_STK")" "$(rate "$n_stk" "$W_STK")"
line "orders: $n orders through oms-import" "$W_IMP" "$(mib "$R_IMP")" "$(rate "$n" "$W_IMP")"
echo
row "routing" orders s orders/s "µs/order" "peak MiB" "/(y1)" "/(y2)"
row "(r) oms-route --pending" "$n" "$W_R" "$(rate "$n" "$W_R")" "$(per "$n" "$W_R")" \
    "$(mib "$R_R")" "$(ratio "$W_R" "$W_Y1")" "$(ratio "$W_R" "$W_Y2")"
row "(y1) sqlite3 CLI, a transaction per order" "$n" "$W_Y1" "$(rate "$n" "$W_Y1")" \
    "$(per "$n" "$W_Y1")" "$(mib "$R_Y1")" "" ""
row "(y2) sqlite3 CLI, $batch orders a transaction" "$n" "$W_Y2" "$(rate "$n" "$W_Y2")" \
    "$(per "$n" "$W_Y2")" "$(mib "$R_Y2")" "" ""
row "second --pending ($((n_part + n_back)) orders)" "$((n_part + n_back))" \
    "$W_R2" "$(rate "$((n_part + n_back))" "$W_R2")" "$(per "$((n_part + n_back))" "$W_R2")" \
    "$(mib "$R_R2")" "" ""
echo
echo "(r): $n_alloc allocated ($s1 from one location, $s2 split in two, $s3 in three)," \
    "$n_part partial, $n_back backordered$([ "$other" = 0 ] || echo ", $other other");" \
    "$ships shipments; $u_alloc units reserved, $u_back backordered"
echo "(r): $summary"
echo "(r): orders per location: $used; capacity used: $full"
echo "(r): levels with free stock of a SKU that went short: $short_cap at locations" \
    "at capacity, $short_free elsewhere"
echo "(y1), (y2): $y_took of $n transactions found a unit to reserve"
echo "checked: a record for each of the $n orders, none twice; the database has the same statuses"
echo "checked: oms check is clean; oms-stock verify: the levels agree with the ledger"
echo "checked: each line's allocated units are its active allocations ($n_rows rows," \
    "$n_res reserve movements); each level's reserved is its active allocations," \
    "never above on hand"
echo "second --pending: $again records$([ "$again" = 0 ] || echo " ($again_st)"); $summary2"
echo "after it: $wide orders ship from more than 3 locations (the default rule's max_shipments)"
echo "checked: after the second run, oms check, verify and the levels as above"

[ "${KEEP:-0}" = 1 ] || rm -f "$loaded" "$db" "$yard" "$db"-wal "$db"-shm \
    "$yard"-wal "$yard"-shm "$work"/*.jsonl "$work"/*.sql "$work"/*.txt \
    "$work"/status.* "$work"/check.out "$work/gen.log" "$work/time.out" "$log"
