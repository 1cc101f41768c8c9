#!/usr/bin/env bash
# bench/ats.sh: oms-stock available and feed against one set-based query
# in the sqlite3 CLI, on 100k SKUs x 10 locations.
#
#   bench/ats.sh                  the whole run, about 2.5 minutes
#   VIA_OMS=10000 bench/ats.sh    the ledger of 10k SKUs through oms-stock,
#                                 the other 90k by SQL: about 1 minute
#   N=20000 REPEAT=3 bench/ats.sh
#
# Builds the programs (make -C .. and bench/build/gen-stock), writes the
# data with gen-stock, and loads it: the catalog (locations, the amazon
# channel, products, kits, listings) and the ledger (one receive, or a
# count of 0, for every SKU at every location, and some reservations)
# through oms-stock, timed; the open orders straight into the tables by
# SQL.  With VIA_OMS=k only the first k SKUs' movements go through
# oms-stock; the rest go in by SQL consistent with the ledger (movements
# with their running levels, and levels from the ledger_levels view).
# Either way `oms-stock verify` must find the levels equal to the ledger.
#
# Then, in the same run, on the same database, it times
#   (a) oms-stock available --channel amazon > /dev/null
#   (b) oms-stock feed --channel amazon --full > /dev/null
#   (c) sqlite3 CLI: one set-based query computing the same figures
#       (pool, then each listing's rules, kits as the least the components
#       allow), written out in channel sku order
# and checks that (a) and (c) agree on every listing and that (b) sends
# (c)'s quantity for every active listing.  Then CHANGES random movements
# go through oms-stock and a delta feed is timed: it must write exactly
# the listings whose figure changed (by (c) on the changed database,
# against what the full feed recorded), and a second delta nothing.
#
# Environment: N (SKUs, default 100000), KITS (1000), ORDERS (20000),
# CHANGES (1000), VIA_OMS (SKUs whose movements go through oms-stock,
# default all), REPEAT (runs of (a), (b) and (c); the best wall time is
# kept; default 1), SEED, WORK (scratch directory, default
# bench/build/ats), KEEP=1 keeps the data and the database.  Peak RSS
# comes from GNU time's %M (installed with apt when missing, if we may),
# else from VmHWM read in /proc while the program runs (RSS_FROM=proc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
n=${N:-100000}
kits=${KITS:-1000}
orders=${ORDERS:-20000}
changes=${CHANGES:-1000}
via_oms=${VIA_OMS:-$n}
repeat=${REPEAT:-1}
seed=${SEED:-20261126}
work=${WORK:-$here/build/ats}
channel=amazon
export OMS_PATH=$root/share/oms
unset OMS_DB OMS_NOW

die() { echo "ats.sh: $*" >&2; exit 1; }
note() { echo "ats.sh: $*" >&2; }

# ---- build ------------------------------------------------------------
make -s -C "$root" >/dev/null || die "make -C $root failed"
make -s -C "$here" build/gen-stock >/dev/null || die "make -C $here failed"
gen=$here/build/gen-stock
stock=$root/build/bin/oms-stock
[ -x "$stock" ] || die "no $stock"
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
command -v jq >/dev/null || die "jq is not installed"

. "$here/lib.sh"

# best LABEL IN OUT CMD...: REPEAT runs, the lowest wall time and the
# highest peak are kept; each must exit 0.
best() {
	local label=$1 in=$2 out=$3 i w=0 r=0
	shift 3
	for ((i = 0; i < repeat; i++)); do
		once "$label" "$in" "$out" "$@"
		if [ "$i" = 0 ] || awk -v a="$T_WALL" -v b="$w" 'BEGIN { exit !(a < b) }'; then
			w=$T_WALL
		fi
		[ "$T_RSS" -gt "$r" ] && r=$T_RSS
	done
	T_WALL=$w
	T_RSS=$r
}

q() { sqlite3 "$db" "$1"; }

mkdir -p "$work"
db=$work/stock.db
log=$work/run.log
rm -f "$db" "$db-wal" "$db-shm"
"$root/build/bin/oms" -q --db "$db" init

# ---- the data -----------------------------------------------------------
"$gen" -s "$seed" -n "$n" -k "$kits" -o "$orders" -m "$changes" \
    -t "$via_oms" -d "$work" 2>"$work/gen.log" || { cat "$work/gen.log" >&2; die "gen-stock failed"; }
note "$(sed 's/^gen-stock: //' "$work/gen.log")"
n_cat=$(wc -l <"$work/catalog.jsonl")
n_msql=$(wc -l <"$work/moves-sql.jsonl")
n_moms=$(wc -l <"$work/moves-oms.jsonl")
n_mrsv=$(wc -l <"$work/moves-rsv.jsonl")
n_lines=$(grep -c '^INSERT INTO order_lines' "$work/orders.sql" || true)
n_list=$((n + kits))

# The SQL side of the ledger: the movements as oms-stock would store them
# (its kind, sku, location, qty as the change, ref, key, the record, and
# the level after each, running per sku and location), then the levels
# from the ledger_levels view that verify compares them with.  Only
# receive, count (each the first movement of its level, so the change is
# the counted figure) and reserve occur here.
cat >"$work/ledger.sql" <<EOF
.bail on
.mode ascii
.separator "\\037" "\\n"
CREATE TEMP TABLE j (t TEXT);
.import $work/moves-sql.jsonl j
BEGIN;
INSERT INTO movements (at, program, kind, sku, location, qty, ref, key,
  on_hand_after, reserved_after, in_transit_after, record)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'bench/ats.sh', kind, sku,
  location, qty, ref, key,
  sum(CASE WHEN kind = 'reserve' THEN 0 ELSE qty END) OVER w,
  sum(CASE WHEN kind = 'reserve' THEN qty ELSE 0 END) OVER w, 0, t
FROM (SELECT rowid AS n, t, t ->> '\$.kind' AS kind, t ->> '\$.sku' AS sku,
  t ->> '\$.location' AS location, t ->> '\$.qty' AS qty,
  t ->> '\$.ref' AS ref, t ->> '\$.key' AS key FROM j)
WINDOW w AS (PARTITION BY sku, location ORDER BY n)
ORDER BY n;
INSERT INTO levels (sku, location, on_hand, reserved, in_transit)
SELECT sku, location, on_hand, reserved, in_transit FROM ledger_levels;
COMMIT;
EOF

# The reserves of the SKUs loaded through oms-stock, which takes no
# reserve by hand (they belong to oms-route's allocations): by SQL after
# it, at most one a level, each on the level oms-stock left.
cat >"$work/reserves.sql" <<EOF
.bail on
.mode ascii
.separator "\\037" "\\n"
CREATE TEMP TABLE j (t TEXT);
.import $work/moves-rsv.jsonl j
BEGIN;
INSERT INTO movements (at, program, kind, sku, location, qty, ref, key,
  on_hand_after, reserved_after, in_transit_after, record)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'bench/ats.sh', 'reserve',
  m.sku, m.location, m.qty, m.ref, m.key, v.on_hand, v.reserved + m.qty,
  v.in_transit, m.t
FROM (SELECT rowid AS n, t, t ->> '\$.sku' AS sku,
  t ->> '\$.location' AS location, t ->> '\$.qty' AS qty,
  t ->> '\$.ref' AS ref, t ->> '\$.key' AS key FROM j) m
JOIN levels v ON v.sku = m.sku AND v.location = m.location
ORDER BY m.n;
UPDATE levels AS v SET reserved = v.reserved + m.qty
FROM (SELECT t ->> '\$.sku' AS sku, t ->> '\$.location' AS location,
  t ->> '\$.qty' AS qty FROM j) m
WHERE v.sku = m.sku AND v.location = m.location;
COMMIT;
EOF

# (c): available to sell for every listing of the channel in one query.
cat >"$work/ats.sql" <<EOF
.mode tabs
.headers off
WITH
-- The locations whose stock counts: sellable, and serving the channel
-- (listed for it, or every sellable one when it lists none).
counted (location) AS (
  SELECT l.id FROM locations l
  WHERE l.sellable = 1 AND (
    NOT EXISTS (SELECT 1 FROM channel_locations c WHERE c.channel = '$channel')
    OR l.id IN (SELECT c.location FROM channel_locations c
                WHERE c.channel = '$channel'))
),
stock (sku, net) AS (
  SELECT v.sku, sum(v.on_hand - v.reserved) FROM levels v
  WHERE v.location IN counted GROUP BY v.sku
),
-- Open, held, partly allocated and backordered orders of every channel,
-- their units not yet allocated; a kit line is demand for its components.
open_lines (sku, qty) AS (
  SELECT ol.sku, ol.qty - ol.allocated FROM order_lines ol
  JOIN orders o ON o.id = ol.order_id
  WHERE o.status IN ('open', 'hold', 'partial', 'backordered')
  AND ol.sku IS NOT NULL
),
demand (sku, qty) AS (
  SELECT sku, sum(qty) FROM (
    SELECT sku, qty FROM open_lines
    UNION ALL
    SELECT kc.sku, d.qty * kc.qty FROM open_lines d
    JOIN kit_components kc ON kc.kit_sku = d.sku
  ) GROUP BY sku
),
pool (sku, pool) AS (
  SELECT p.sku, coalesce(s.net, 0) - coalesce(d.qty, 0) FROM products p
  LEFT JOIN stock s ON s.sku = p.sku LEFT JOIN demand d ON d.sku = p.sku
),
-- A kit: the least number of kits its components allow, rounded down.
kit_pool (sku, pool) AS (
  SELECT kc.kit_sku, min(CASE WHEN p.pool < 0 AND p.pool % kc.qty <> 0
    THEN p.pool / kc.qty - 1 ELSE p.pool / kc.qty END)
  FROM kit_components kc JOIN pool p ON p.sku = kc.sku GROUP BY kc.kit_sku
),
-- The listing's rules in turn: safety stock, percent (rounded down), max,
-- end when, never below 0, and 0 when inactive.
r1 AS (
  SELECT li.channel_sku, li.sku, li.active, li.percent, li.max_qty,
    li.end_when, coalesce(k.pool, p.pool) AS pool,
    coalesce(k.pool, p.pool) - li.safety_stock AS v
  FROM listings li
  LEFT JOIN kit_pool k ON k.sku = li.sku
  LEFT JOIN pool p ON p.sku = li.sku
  WHERE li.channel = '$channel'
),
r2 AS (
  SELECT *, CASE WHEN v * percent < 0 AND (v * percent) % 100 <> 0
    THEN v * percent / 100 - 1 ELSE v * percent / 100 END AS w FROM r1
),
r3 AS (
  SELECT *, CASE WHEN max_qty IS NOT NULL AND w > max_qty THEN max_qty
    ELSE w END AS x FROM r2
)
SELECT channel_sku, sku, pool,
  CASE WHEN active = 0 OR x < end_when OR x < 0 THEN 0 ELSE x END, active
FROM r3 ORDER BY channel_sku;
EOF

echo "oms-stock available and feed against the sqlite3 CLI, $(nproc) cores," \
    "$(date +%Y-%m-%d), oms $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1), peak RSS from" \
    "$([ -n "$gnutime" ] && echo "GNU time %M" || echo "VmHWM in /proc"), best of $repeat run(s) of (a), (b), (c)"

# ---- load -----------------------------------------------------------------
once "oms-stock (catalog)" "$work/catalog.jsonl" /dev/null "$stock" --db "$db"
W_CAT=$T_WALL R_CAT=$T_RSS
got=$(q "SELECT (SELECT count(*) FROM products) || ' ' || (SELECT count(*) FROM listings) || ' ' || (SELECT count(*) FROM kits)")
[ "$got" = "$((n + kits)) $n_list $kits" ] || die "catalog: products, listings, kits are $got"

W_SQLL=- R_SQLL=0
if [ "$n_msql" -gt 0 ]; then
	once "sqlite3 (ledger)" "$work/ledger.sql" /dev/null sqlite3 "$db"
	W_SQLL=$T_WALL R_SQLL=$T_RSS
fi
W_LED=- R_LED=0
if [ "$n_moms" -gt 0 ]; then
	once "oms-stock (ledger)" "$work/moves-oms.jsonl" /dev/null "$stock" --db "$db"
	W_LED=$T_WALL R_LED=$T_RSS
fi
if [ "$n_mrsv" -gt 0 ]; then
	once "sqlite3 (reserves)" "$work/reserves.sql" /dev/null sqlite3 "$db"
	W_SQLL=$(awk -v a="${W_SQLL/-/0}" -v b="$T_WALL" 'BEGIN { printf "%.2f", a + b }')
fi
got=$(q "SELECT (SELECT count(*) FROM movements) || ' ' || (SELECT count(*) FROM levels)")
[ "$got" = "$((n_msql + n_moms + n_mrsv)) $((n * 10))" ] || die "ledger: movements, levels are $got"

once "sqlite3 (orders)" "$work/orders.sql" /dev/null sqlite3 "$db"
W_ORD=$T_WALL
got=$(q "SELECT count(*) FROM orders")
[ "$got" = "$orders" ] || die "orders: $got, not $orders"
# Reserved units belong to active allocations (oms-stock verify checks
# that they agree): one allocated order, not demand, holds an allocation
# for each reserve of the ledger.
q "BEGIN;
INSERT INTO orders (id, channel, external_id, status, placed_at,
  imported_at, updated_at, currency, subtotal, total, digest, record)
VALUES ($orders + 1, '$channel', 'BENCH-RESERVED', 'allocated',
  '2026-11-26T08:00:00Z', '2026-11-26T08:00:00Z', '2026-11-26T08:00:00Z',
  'USD', 0, 0, 'bench', '{}');
INSERT INTO allocations (order_id, line_no, sku, location, qty, rule,
  rules_version, created_at)
SELECT $orders + 1, row_number() OVER (ORDER BY id), sku, location, qty,
  'bench', 0, at FROM movements WHERE kind = 'reserve';
COMMIT;"
demand=$(q "SELECT count(*) FROM orders WHERE status IN ('open', 'hold')")

once "oms-stock verify" /dev/null "$work/verify.out" "$stock" --db "$db" verify
W_VER=$T_WALL
grep -q 'agree' "$log" || die "verify: $(cat "$log")"
note "loaded: $(du -m "$db" | cut -f1) MB; oms-stock verify: $(sed 's/^oms-stock: //' "$log")"

# ---- (a), (b), (c) ----------------------------------------------------------
best "(a) oms-stock available" /dev/null /dev/null \
    "$stock" --db "$db" available --channel "$channel"
W_A=$T_WALL R_A=$T_RSS
best "(b) oms-stock feed --full" /dev/null /dev/null \
    "$stock" --db "$db" feed -v --full --channel "$channel"
W_B=$T_WALL R_B=$T_RSS
sent=$(sed -n 's/.*feed: \([0-9]*\) of \([0-9]*\) active.*/\1 \2/p' "$log")
best "(c) sqlite3" "$work/ats.sql" /dev/null sqlite3 "$db"
W_C=$T_WALL R_C=$T_RSS

# The same figures, written out this time, untimed.
"$stock" --db "$db" available --channel "$channel" |
    jq -r '[.channel_sku, .sku, .pool, .available, (if .active then 1 else 0 end)] | @tsv' \
    >"$work/a.tsv"
sqlite3 "$db" <"$work/ats.sql" >"$work/c.tsv"
rows=$(wc -l <"$work/c.tsv")
[ "$rows" = "$n_list" ] || die "(c) gave $rows listings, not $n_list"
if ! cmp -s "$work/a.tsv" "$work/c.tsv"; then
	diff "$work/a.tsv" "$work/c.tsv" | head -20 >&2
	die "(a) and (c) differ on $(diff "$work/a.tsv" "$work/c.tsv" | grep -c '^<') listings"
fi
"$stock" --db "$db" feed -n --full --channel "$channel" >"$work/b.tsv"
tail -n +3 "$work/b.tsv" | cut -f1,3 >"$work/b.q"
awk -F'\t' '$5 == 1 { print $1 "\t" $4 }' "$work/c.tsv" >"$work/c.q"
cmp -s "$work/b.q" "$work/c.q" || die "(b) does not send (c)'s quantities"
active=$(wc -l <"$work/c.q")
[ "$sent" = "$active $active" ] || die "(b) wrote '$sent' rows, not $active"
negative=$(awk -F'\t' '$3 < 0' "$work/c.tsv" | wc -l)
zero=$(awk -F'\t' '$5 == 1 && $4 == 0' "$work/c.tsv" | wc -l)

# ---- changes and a delta feed -----------------------------------------------
q "SELECT channel_sku || char(9) || quantity FROM feed_state WHERE channel = '$channel'" |
    sort >"$work/state.q"
once "oms-stock (changes)" "$work/changes.jsonl" "$work/changes.out" "$stock" --db "$db"
W_CHG=$T_WALL
got=$(grep -c '"duplicate"' "$work/changes.out" || true)
if [ "$(wc -l <"$work/changes.out")" != "$changes" ] || [ "$got" != 0 ]; then
	die "changes: not all $changes applied"
fi
sqlite3 "$db" <"$work/ats.sql" | awk -F'\t' '$5 == 1 { print $1 "\t" $4 }' |
    sort >"$work/after.q"
comm -23 "$work/after.q" "$work/state.q" >"$work/expect.q"
expect=$(wc -l <"$work/expect.q")
once "(d) oms-stock feed (delta)" /dev/null "$work/delta.tsv" \
    "$stock" --db "$db" feed -v --channel "$channel"
W_D=$T_WALL R_D=$T_RSS
tail -n +3 "$work/delta.tsv" | cut -f1,3 | sort >"$work/delta.q"
delta=$(wc -l <"$work/delta.q")
cmp -s "$work/delta.q" "$work/expect.q" ||
    die "the delta feed wrote $delta rows; $expect listings changed"
"$stock" --db "$db" feed -v --channel "$channel" 2>"$log" >"$work/delta2.tsv"
again=$(($(wc -l <"$work/delta2.tsv") - 2))
[ "$again" = 0 ] || die "a second delta feed wrote $again rows"
"$stock" --db "$db" verify -q >/dev/null ||
    die "after the changes, verify finds differences"

# ---- the table ------------------------------------------------------------
line() { printf '%-52s %7s %9s %11s\n' "$@"; }
echo
echo "$n SKUs x 10 locations ($((n * 10)) levels), $kits kits, $n_list $channel" \
    "listings ($active active), $orders orders ($demand open or held, $n_lines lines)"
echo
line "load" s "peak MiB" "per second"
line "catalog: $n_cat records through oms-stock" "$W_CAT" "$(mib "$R_CAT")" "$(rate "$n_cat" "$W_CAT")"
if [ "$n_moms" -gt 0 ]; then
	line "ledger: $n_moms movements through oms-stock" "$W_LED" "$(mib "$R_LED")" "$(rate "$n_moms" "$W_LED")"
fi
if [ "$((n_msql + n_mrsv))" -gt 0 ]; then
	line "ledger: $((n_msql + n_mrsv)) movements by SQL (sqlite3)" "$W_SQLL" "$(mib "$R_SQLL")" "$(rate "$((n_msql + n_mrsv))" "$W_SQLL")"
fi
line "orders: $orders orders by SQL (sqlite3)" "$W_ORD" "" ""
line "oms-stock verify" "$W_VER" "" ""
echo
line "query (every $channel listing)" s "peak MiB" "oms/sqlite3"
line "(a) oms-stock available --channel $channel" "$W_A" "$(mib "$R_A")" "$(ratio "$W_A" "$W_C")"
line "(b) oms-stock feed --channel $channel --full" "$W_B" "$(mib "$R_B")" "$(ratio "$W_B" "$W_C")"
line "(c) sqlite3 CLI, one set-based query" "$W_C" "$(mib "$R_C")" ""
line "$changes movements through oms-stock" "$W_CHG" "" ""
line "(d) delta feed after them: $delta rows" "$W_D" "$(mib "$R_D")" "$(ratio "$W_D" "$W_C")"
echo
# The issue's target (18): (a) and (b) within 1.2x of (c).
for v in "a:$W_A:available" "b:$W_B:feed --full"; do
	IFS=: read -r k w what <<<"$v"
	r=$(ratio "$w" "$W_C")
	if awk -v r="$r" 'BEGIN { exit !(r <= 1.2) }'; then
		echo "target: ($k) $what / (c) = $r (<= 1.2): met"
	else
		echo "target: ($k) $what / (c) = $r (<= 1.2): NOT met"
	fi
done
echo
echo "checked: (a) and (c) agree on pool and available for all $rows listings" \
    "($negative with a pool below 0, $zero active ones at 0)"
echo "checked: (b) wrote $active rows, one per active listing, each with (c)'s quantity"
echo "checked: the delta feed wrote the $delta listings whose figure changed, and" \
    "a second one nothing"
echo "checked: oms-stock verify: levels equal the ledger, after the load and after the changes"

[ "${KEEP:-0}" = 1 ] || rm -f "$db" "$db-wal" "$db-shm" "$work"/*.jsonl \
    "$work"/*.sql "$work"/*.tsv "$work"/*.q "$work"/*.out "$work/gen.log" "$log"
