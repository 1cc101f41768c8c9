#!/usr/bin/env bash
# bench/report.sh: each oms-report report on a database of 1M order
# lines, beside the sqlite3 CLI running the equivalent SQL on the same
# file, in one run.  The issue's target: within 1.2x for each.
#
#   bench/report.sh                        the whole run, 1M lines
#   N_LINES=100000 bench/report.sh         a smaller database
#   OMS_BIN=/path/to/build/bin REPEAT=3 bench/report.sh
#   KEEP=1 bench/report.sh; REUSE=1 bench/report.sh   generate once
#
# Builds the programs (make -C .., unless OMS_BIN names them), makes a
# database with `oms init` and fills it straight by SQL in the sqlite3
# CLI with bench/report-data.sql (a year of trading: N_LINES lines over
# orders of 1-4 lines on five channels in USD, EUR and JPY, shipments,
# cancellations, returns and refunds, and the stock ledger they made),
# timed, and checks it with `oms check`, which must be clean.
#
# Then, for each report in the table, on the same file and in the same
# run, it times
#   ours      oms-report VERB ... > out.jsonl (JSON lines: stdout is a
#             file)
#   sqlite3   sqlite3 -readonly DB < bench/report/NAME.sql > out.tsv: the
#             same figures in one statement, written independently from
#             the report's definition (its comment in lib/r*.c)
# with the merchant's zone America/New_York for both (OMS_TZ for
# oms-report, TZ for sqlite3's 'localtime') and the clock pinned at the
# end of the data (OMS_NOW=2026-12-01T00:00:00Z; the yardsticks have it
# written in).  Then it turns our JSON lines into the yardstick's
# tab-separated columns with jq (money as minor units, numbers to four
# places), sorts both and compares them: a report whose figures differ
# is marked "differs" in the table and its first differences are shown
# on stderr.  Where a report does what SQL cannot (channel fees from
# share/oms/fees), the yardstick leaves those figures out and the table
# says what it covers.
#
# Environment: N_LINES (default 1000000), REPEAT (runs of each side,
# the best wall time kept; default 1), ZONE (America/New_York), OMS_BIN
# (the programs; default ../build/bin, built first), ONLY (the names of
# the reports to run, space-separated), OMS_PATH is set to the share/oms
# of the tree OMS_BIN is in, WORK (scratch directory, default
# bench/build/report), KEEP=1 keeps the database and the outputs,
# REUSE=1 takes the database a KEEP=1 run of the same N_LINES left.
# Peak RSS is not reported: both sides only read.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
n_lines=${N_LINES:-1000000}
repeat=${REPEAT:-1}
zone=${ZONE:-America/New_York}
work=${WORK:-$here/build/report}
only=${ONLY:-}
now=2026-12-01T00:00:00Z	# the end of report-data.sql's year
unset OMS_DB OMS_NOW OMS_TZ

die() { echo "report.sh: $*" >&2; exit 1; }
note() { echo "report.sh: $*" >&2; }

# ---- build ------------------------------------------------------------
if [ -n "${OMS_BIN:-}" ]; then
	bin=$(cd "$OMS_BIN" && pwd)
else
	make -s -C "$root" >/dev/null || die "make -C $root failed"
	bin=$root/build/bin
fi
# The data of the tree the programs come from (fees, accounts).
export OMS_PATH=$(dirname "$(dirname "$bin")")/share/oms
[ -d "$OMS_PATH" ] || die "no $OMS_PATH beside $bin"

for p in oms oms-report; do
	[ -x "$bin/$p" ] || die "no $bin/$p"
done
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
command -v jq >/dev/null || die "jq is not installed"

. "$here/lib.sh"

mkdir -p "$work"
db=$work/report-$n_lines.db
log=$work/run.log

# ---- the database -------------------------------------------------------
if [ "${REUSE:-0}" = 1 ] && [ -s "$db" ]; then
	note "reusing $db"
	W_GEN=-
else
	rm -f "$db" "$db-wal" "$db-shm"
	"$bin/oms" -q --db "$db" init
	{
		echo "CREATE TEMP TABLE knobs AS SELECT $n_lines AS n_lines;"
		cat "$here/report-data.sql"
	} >"$work/data.sql"
	once "sqlite3 (report-data.sql)" "$work/data.sql" /dev/null \
	    sqlite3 -batch "$db"
	W_GEN=$T_WALL
	rm -f "$work/data.sql"
fi
"$bin/oms" --db "$db" check >"$work/check.out" 2>"$log" ||
    { head -20 "$work/check.out" "$log" >&2; die "oms check found problems"; }
q() { sqlite3 -readonly "$db" "$1"; }
read -r n_orders n_got n_ship n_ret n_mov < <(q "SELECT
  (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines),
  (SELECT count(*) FROM shipments), (SELECT count(*) FROM returns),
  (SELECT count(*) FROM movements)" | tr '|' ' ')
[ "$n_got" = "$n_lines" ] || die "the database has $n_got order lines, not $n_lines"
size=$(du -m "$db" | cut -f1)

echo "oms-report against the sqlite3 CLI on the same file, $(nproc) cores," \
    "$(date +%Y-%m-%d), oms $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1), programs from $bin," \
    "best of $repeat run(s) of each side; zone $zone, now $now"
echo "database: $n_lines order lines, $n_orders orders, $n_ship shipments," \
    "$n_ret returns, $n_mov movements; $size MB; made by SQL in" \
    "${W_GEN} s; oms check clean"

# ---- the reports --------------------------------------------------------
# best LABEL IN OUT CMD...: REPEAT runs, each exiting 0 (or OK_RC); the
# lowest wall time is kept.
best() {
	local label=$1 in=$2 out=$3 i w=0
	shift 3
	for ((i = 0; i < repeat; i++)); do
		run_timed "$in" "$out" "$log" "$@"
		[ "$T_RC" = 0 ] || [ "$T_RC" = "${OK_RC:-0}" ] ||
		    { head -20 "$log" >&2; die "$label exited $T_RC"; }
		if [ "$i" = 0 ] || awk -v a="$T_WALL" -v b="$w" 'BEGIN { exit !(a < b) }'; then
			w=$T_WALL
		fi
	done
	T_WALL=$w
}

# Numbers to compare: integers as they are, others to four places, so
# that 1.0 (sqlite3) and 1 (jq) agree.
norm() {
	awk -F'\t' -v OFS='\t' '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?$/) {
				v = $i + 0
				$i = (v == int(v)) ? sprintf("%d", v) : sprintf("%.4f", v)
			}
		print
	}' | LC_ALL=C sort
}

# jq helpers: money as minor units (the decimal point taken out), a
# number or null as text, a list as text.
jqlib='def m: if . == null then "" else (tostring | gsub("\\."; "")) end;
def n: if . == null then "" else . end;'

rows=()
bad=0
# report NAME COVERS JQ ARGS...: time `oms-report ARGS` and the
# yardstick bench/report/NAME.sql (YARD.sql when YARD is set, after the
# line PRE_SQL), then compare.
report() {
	local name=$1 covers=$2 filter=$3 sql=$here/report/${YARD:-$1}.sql
	shift 3
	if [ -n "$only" ] && [[ " $only " != *" $name "* ]]; then
		return
	fi
	[ -r "$sql" ] || die "no yardstick $sql"
	{ [ -z "${PRE_SQL:-}" ] || echo "$PRE_SQL"; cat "$sql"; } >"$work/$name.sql"
	best "oms-report $*" /dev/null "$work/$name.jsonl" \
	    env OMS_TZ="$zone" OMS_NOW="$now" "$bin/oms-report" --db "$db" "$@"
	local w_ours=$T_WALL
	best "sqlite3 < $name.sql" "$work/$name.sql" "$work/$name.tsv" \
	    env TZ="$zone" sqlite3 -readonly -batch "$db"
	local w_yard=$T_WALL
	jq -r "$jqlib $filter | @tsv" "$work/$name.jsonl" | norm >"$work/$name.a"
	norm <"$work/$name.tsv" >"$work/$name.b"
	local n_rows verdict
	n_rows=$(wc -l <"$work/$name.a")
	if cmp -s "$work/$name.a" "$work/$name.b"; then
		verdict=same
	else
		verdict=differs
		bad=$((bad + 1))
		{
			echo "report.sh: $name: oms-report $* and $name.sql differ" \
			    "($(wc -l <"$work/$name.a") rows against" \
			    "$(wc -l <"$work/$name.b"); < ours, > sqlite3):"
			{ diff "$work/$name.a" "$work/$name.b" || true; } |
			    head -"${DIFF_LINES:-12}" || true
		} >&2
	fi
	rows+=("$name|$w_ours|$w_yard|$(ratio "$w_ours" "$w_yard")|$n_rows|$verdict|$covers")
}

# The columns compared are each report's row keys, in the yardstick's
# order; "all" means every key of the row.
YARD=sales \
report sales-day "all" \
    '[.period, .channel, .currency, .orders, .units, (.gross|m),
      (.discounts|m), (.returns|m), (.net|m), (.tax|m), (.shipping|m),
      (.total|m), (.aov|m)]' \
    sales --by day
YARD=sales PRE_SQL=".parameter set @by month" \
report sales-month "all" \
    '[.period, .channel, .currency, .orders, .units, (.gross|m),
      (.discounts|m), (.returns|m), (.net|m), (.tax|m), (.shipping|m),
      (.total|m), (.aov|m)]' \
    sales --by month
report returns-reason "all" \
    '[.reason, .currency, .units_sold, .units_returned, (.return_rate|n),
      .restock, .regrade, .refurbish, .vendor, .dispose, .missing,
      .wrong_item, (.refunds|m), (.refund_days_median|n)]' \
    returns --by reason
report fulfilment-location "all" \
    '[.location, .orders, .shipped_orders, (.ship_hours_median|n),
      (.ship_hours_p90|n), (.deliver_hours_median|n),
      (.deliver_hours_p90|n), (.on_time_ship|n), (.on_time_delivery|n),
      (.split_rate|n), (.backorder_rate|n), (.fill_rate_lines|n),
      (.fill_rate_orders|n), (.late_shipment_rate|n), (.cancel_rate|n),
      (.valid_tracking_rate|n)]' \
    fulfilment --by location
report inventory "all" \
    '[.sku, .location, .on_hand, .reserved, .available, .sold_7, .sold_30,
      (.cover_days_7|n), (.cover_days_30|n), (.sell_through|n), .age_0_30,
      .age_31_60, .age_61_90, .age_91_120, .age_121_180, .age_180_plus,
      (.currency|n), (.value_cost|m), (.value_retail|m)]' \
    inventory
report movements "all" \
    '[.location, .kind, (.reason|n), .units, .movements]' \
    movements
report reorder "all" \
    '[.sku, .location, .available, .in_transit, .daily_units, .cover_days,
      .reorder_qty]' \
    reorder
report profit-channel "all but fees, profit, margin, fee_rules, notes" \
    '[.channel, .currency, .units, (.gross|m), (.discounts|m),
      (.returns|m), (.net_sales|m), (.shipping_income|m), (.cogs|m),
      (.shipping_cost|m), (.refunds|m), (.return_costs|m)]' \
    profit --by channel
report journal "accounts but fees, clearing" \
    'select(.account != "fees" and .account != "clearing") |
      [.journal, .account, (.debit|m), (.credit|m)]' \
    journal --format json
report orders "all but customer_name" \
    '[.order, .channel, .external_id, .status, .placed_at, .age_hours,
      .customer_email, .currency, (.total|m), .lines, .units,
      (.hold_reasons|n|tostring)]' \
    orders --status open,backordered,hold --limit 100
OK_RC=1 \
report attention "kind, order, status, since, hours, reason" \
    '[.kind, (.order|n), (.channel|n), (.status|n), (.since|n),
      (.hours|n), ((.reasons // [] | join("; ")) + (.reason // ""))]' \
    attention

# ---- the table ----------------------------------------------------------
line() { printf '%-20s %8s %11s %6s %6s %-8s %-8s %7s  %s\n' "$@"; }
echo
line report "ours (s)" "sqlite3 (s)" ratio target met figures rows \
    "the yardstick computes"
for r in "${rows[@]}"; do
	IFS='|' read -r name wo wy ra nr verdict covers <<<"$r"
	met="met"
	awk -v r="$ra" 'BEGIN { exit !(r > 1.2) }' && met="not met"
	line "$name" "$wo" "$wy" "$ra" 1.2 "$met" "$verdict" "$nr" "$covers"
done
echo
[ "$bad" = 0 ] && echo "checked: every report's figures equal its yardstick's" ||
    echo "checked: $bad report(s) differ from their yardstick: see above (stderr)"

[ "${KEEP:-0}" = 1 ] || rm -f "$db" "$db-wal" "$db-shm" "$work"/*.jsonl \
    "$work"/*.tsv "$work"/*.sql "$work"/*.a "$work"/*.b "$work/check.out" \
    "$work/time.out" "$log"
exit 0
