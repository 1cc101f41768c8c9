#!/usr/bin/env bash
# bench/import.sh: oms-import against sqlite3 .import on a Shopify export.
#
#   bench/import.sh                      100k, 1M and 3M rows
#   N=1000000 bench/import.sh            one size (N takes a list too)
#   N="20000 50000" REPEAT=3 bench/import.sh
#   SHAPE=real bench/import.sh           the export shaped like Shopify's own
#
# Builds the programs (make -C .. and the generator in bench/), then for
# each size N: writes an N-row Shopify "Export orders" CSV with
# bench/build/gen-shopify, and in the same run times
#   (a) sqlite3 raw.db  .mode csv + .import FILE raw   (one raw table)
#   (b) oms-import --channel shopify FILE > /dev/null   (a fresh database)
#   (c) the same oms-import again over the now full database
# and reports wall seconds and peak RSS of each, the ratios (b)/(a) and
# (c)/(b), and which of the targets are met.  Each step's result is
# checked (row, order and line counts; the order totals, line quantities
# and line amounts equal the file's, summed from the raw table; the
# re-import writes nothing), and those sums are printed as one "result"
# line per size, to compare the runs of two versions.
#
# Environment: N (sizes, default "100000 1000000 3000000"), SHAPE
# ("real": gen-shopify -r, continuation rows with only Name, Email,
# Created at and the Lineitem columns, most orders of 1 to 3 lines; the
# default is the fuller file of 2.7 rows an order), REPEAT (runs of
# each step, the best wall time is kept; default 1), SEED (generator seed),
# WORK (scratch directory, default bench/build/import), KEEP=1 keeps the
# CSV and databases.  Peak RSS comes from GNU time's %M (installed with
# apt when missing, if we may), else from VmHWM read in /proc while the
# program runs (RSS_FROM=proc forces that).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
sizes=${N:-100000 1000000 3000000}
sizes=${sizes//,/ }
repeat=${REPEAT:-1}
seed=${SEED:-20261126}
case ${SHAPE:-} in
'') shape= ;;
real) shape=-r ;;
*) echo "import.sh: SHAPE is real or empty, not '$SHAPE'" >&2; exit 2 ;;
esac
work=${WORK:-$here/build/import}
export OMS_PATH=$root/share/oms
unset OMS_DB OMS_NOW

die() { echo "import.sh: $*" >&2; exit 1; }
note() { echo "import.sh: $*" >&2; }

# ---- build ------------------------------------------------------------
make -s -C "$root" >/dev/null || die "make -C $root failed"
make -s -C "$here" build/gen-shopify >/dev/null || die "make -C $here failed"
gen=$here/build/gen-shopify
imp=$root/build/bin/oms-import
[ -x "$imp" ] || die "no $imp"
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"

. "$here/lib.sh"

# best_of FUNC ERRLOG LABEL: run FUNC (which calls run_timed) REPEAT times,
# keep the lowest wall time and the highest peak RSS; each run must exit 0.
best_of() {
	local fn=$1 err=$2 label=$3 i w=0 r=0
	for ((i = 0; i < repeat; i++)); do
		"$fn"
		[ "$T_RC" = 0 ] || { cat "$err" >&2; die "$label exited $T_RC"; }
		if [ "$i" = 0 ] || awk -v a="$T_WALL" -v b="$w" 'BEGIN { exit !(a < b) }'; then
			w=$T_WALL
		fi
		[ "$T_RSS" -gt "$r" ] && r=$T_RSS
	done
	T_WALL=$w
	T_RSS=$r
}

q() { sqlite3 "$1" "$2"; }

mkdir -p "$work"
declare -A W_SQL R_SQL W_IMP R_IMP W_RE R_RE ORD MB
echo "oms-import against sqlite3 .import${SHAPE:+, $SHAPE-shaped export}, $(nproc) cores, $(date +%Y-%m-%d)," \
    "oms $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1), peak RSS from $([ -n "$gnutime" ] && echo "GNU time %M" || echo "VmHWM in /proc"), best of $repeat run(s) of each step"

for n in $sizes; do
	csv=$work/shopify-$n.csv
	raw=$work/raw.db
	db=$work/oms.db
	log=$work/import.log

	"$gen" $shape -s "$seed" -o "$csv" "$n" 2>"$work/gen.log" || die "gen-shopify failed"
	orders=$(sed -n 's/.* rows, \([0-9]*\) orders,.*/\1/p' "$work/gen.log")
	ORD[$n]=$orders
	MB[$n]=$(awk -v b="$(stat -c %s "$csv")" 'BEGIN { printf "%.1f", b / 1e6 }')
	note "$(sed 's/^gen-shopify: //' "$work/gen.log")"

	# (a) sqlite3 .import into one raw table, a fresh file each time.
	printf '.mode csv\n.import %s raw\n' "$csv" >"$work/import.sql"
	run_sql() {
		rm -f "$raw" "$raw-journal"
		run_timed "$work/import.sql" /dev/null "$log" sqlite3 "$raw"
	}
	best_of run_sql "$log" "sqlite3 .import"
	W_SQL[$n]=$T_WALL R_SQL[$n]=$T_RSS
	got=$(q "$raw" "SELECT count(*) FROM raw")
	[ "$got" = "$n" ] || die "sqlite3 .import: $got rows in raw, not $n"

	# (b) oms-import into a fresh database (made by oms init, untimed).
	run_first() {
		rm -f "$db" "$db-wal" "$db-shm"
		"$root/build/bin/oms" -q --db "$db" init
		run_timed /dev/null /dev/null "$log" "$imp" --db "$db" \
		    --channel shopify "$csv"
	}
	best_of run_first "$log" "oms-import"
	W_IMP[$n]=$T_WALL R_IMP[$n]=$T_RSS
	got=$(q "$db" "SELECT count(*) FROM orders")
	[ "$got" = "$orders" ] || die "oms-import: $got orders, not $orders"
	got=$(q "$db" "SELECT count(*) FROM order_lines")
	[ "$got" = "$n" ] || die "oms-import: $got order lines, not $n"
	# The money and quantities, against the file's own (the first row
	# of an order carries its Total; every row a line).
	want=$(q "$raw" "SELECT (SELECT CAST(sum(round(CAST(Total AS REAL) * 100)) AS INTEGER) FROM raw WHERE Total <> '') || ' ' || CAST(sum(CAST(\"Lineitem quantity\" AS INTEGER)) AS INTEGER) || ' ' || CAST(sum(round(CAST(\"Lineitem price\" AS REAL) * 100) * CAST(\"Lineitem quantity\" AS INTEGER)) AS INTEGER) FROM raw")
	got=$(q "$db" "SELECT (SELECT sum(total) FROM orders) || ' ' || sum(qty) || ' ' || sum(unit_price * qty) FROM order_lines")
	[ "$got" = "$want" ] || die "oms-import: totals, quantities, line amounts $got, the file's $want"
	echo "result $n${shape:+ ($SHAPE)}: $orders orders, $n lines, totals/qty/line amounts $got"
	state="SELECT (SELECT count(*) FROM events) || ' events, last update ' || (SELECT max(updated_at) FROM orders)"
	events=$(q "$db" "$state")
	held=$(q "$db" "SELECT count(*) FROM orders WHERE status = 'hold'")
	[ -s "$log" ] && { note "oms-import said:"; head -5 "$log" >&2; }

	# (c) the same file again: every order is there already.
	run_again() {
		run_timed /dev/null /dev/null "$log" "$imp" --db "$db" \
		    --channel shopify "$csv"
	}
	best_of run_again "$log" "oms-import (again)"
	W_RE[$n]=$T_WALL R_RE[$n]=$T_RSS
	got=$(q "$db" "$state")
	[ "$got" = "$events" ] || die "the re-import changed something: $events -> $got"
	note "$n rows: $orders orders stored, $held held (lines without sku), re-import changed nothing; raw.db $(du -m "$raw" | cut -f1) MB, oms.db $(du -m "$db" | cut -f1) MB"

	[ "${KEEP:-0}" = 1 ] || rm -f "$csv" "$raw" "$db" "$db-wal" "$db-shm"
done

# ---- the table --------------------------------------------------------

echo
printf '%9s %8s %6s | %-16s | %-16s | %-16s | %9s %9s\n' \
    "" "" "" "(a) sqlite3" "(b) oms-import" "(c) re-import" "(b)/(a)" "(c)/(b)"
printf '%9s %8s %6s | %7s %8s | %7s %8s | %7s %8s | %9s %9s\n' \
    rows orders MB s "peak MiB" s "peak MiB" s "peak MiB" time time
printf '%s\n' "---------------------------------------------------------------------------------------------------"
for n in $sizes; do
	printf '%9s %8s %6s | %7s %8s | %7s %8s | %7s %8s | %9s %9s\n' \
	    "$n" "${ORD[$n]}" "${MB[$n]}" \
	    "${W_SQL[$n]}" "$(mib "${R_SQL[$n]}")" \
	    "${W_IMP[$n]}" "$(mib "${R_IMP[$n]}")" \
	    "${W_RE[$n]}" "$(mib "${R_RE[$n]}")" \
	    "$(ratio "${W_IMP[$n]}" "${W_SQL[$n]}")" \
	    "$(ratio "${W_RE[$n]}" "${W_IMP[$n]}")"
done

# ---- the targets, on the largest size ---------------------------------
big=0 small=
for n in $sizes; do
	[ "$n" -gt "$big" ] && big=$n
	{ [ -z "$small" ] || [ "$n" -lt "$small" ]; } && small=$n
done
peak=0
for n in $sizes; do
	for k in "${R_IMP[$n]}" "${R_RE[$n]}"; do
		[ "$k" -gt "$peak" ] && peak=$k
	done
done
verdict() { if [ "$1" = 1 ]; then echo "met    "; else echo "NOT met"; fi; }
r1=$(ratio "${W_IMP[$big]}" "${W_SQL[$big]}")
r3=$(ratio "${W_RE[$big]}" "${W_IMP[$big]}")
ok1=$(awk -v r="$r1" 'BEGIN { print (r <= 1.0) }')
ok3=$(awk -v r="$r3" 'BEGIN { print (r <= 0.6) }')
# Flat: the peak of the largest size within 10% of the smallest size's.
lo=$(( R_IMP[$small] > R_RE[$small] ? R_IMP[$small] : R_RE[$small] ))
hi=$(( R_IMP[$big] > R_RE[$big] ? R_IMP[$big] : R_RE[$big] ))
ok2=$(awk -v lo="$lo" -v hi="$hi" -v p="$peak" \
    'BEGIN { print (p < 128 * 1024 && hi <= lo * 1.10) }')
echo
echo "targets (on $big rows):"
echo "  $(verdict "$ok1")  oms-import / sqlite3 .import = $r1 (target <= 1.0)"
if [ "$small" = "$big" ]; then
	echo "  -        oms-import peak RSS $(mib "$peak") MiB: flat cannot be judged on one size (give N a list)"
else
	echo "  $(verdict "$ok2")  oms-import peak RSS $(mib "$lo") MiB at $small rows, $(mib "$hi") MiB at $big" \
	    "(target: flat, within 10%, and under 128 MiB; highest seen $(mib "$peak"))"
fi
echo "  $(verdict "$ok3")  re-import / first import = $r3 (target <= 0.6)"
[ "${KEEP:-0}" = 1 ] || rm -f "$work/import.sql" "$work/time.out" "$work/gen.log" "$log"
