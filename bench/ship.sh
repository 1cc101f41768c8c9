#!/usr/bin/env bash
# bench/ship.sh: oms-ship --pending with the offline carrier on the
# parcels of N routed orders, beside its yardsticks: the carrier adapter
# asked the same requests directly, and the label files written alone.
#
#   bench/ship.sh                 the whole run, about 2 minutes
#   N=500 bench/ship.sh           fewer orders
#   N=2000 REPEAT=3 bench/ship.sh
#
# Builds the programs (make -C .. and bench/build/gen-route, put-files),
# writes the data of bench/route.sh with gen-route (N orders over 10
# locations), loads it and routes it with oms-route --pending, untimed.
# Then, each on a fresh copy of the routed database, it times
#   (z)  oms-ship --pending --carrier offline --labels DIR --format zpl:
#        for each parcel a quote, a label bought, the label drawn and
#        written as ZPL alone, the shipment committed: issue 18's target
#   (s)  the same with the default --format both: the label drawn and
#        written as ZPL and as PDF
#   (y1) the carrier adapter alone: every request oms-ship sent it, as
#        it sent it (a batch, or one request), recorded by a run of
#        oms-ship through a recording adapter (untimed), then sent again
#        to oms-carrier-offline directly, a run of it each, from one shell
#   (y2) the label files of (s) written again into an empty directory
#        by bench/build/put-files, as oms_write_file writes them (a
#        temporary file created exclusively, mode 0600, renamed): the
#        ZPL files and the PDF files apart, each flushed to disk with
#        its directory (-s); both, flushed so; a package's two flushed
#        together, then the directory, as oms-ship does (-b 2); 100 at a
#        time (-b 100); and not flushed at all
# and checks (s): a shipment record for every parcel of every pending
# order, once (no order and location shipped twice), the database
# agreeing, every package's ZPL and PDF label on disk, mode 0600, whole
# (^XA ... ^XZ with its tracking number; %PDF- ... %%EOF), nothing else
# in the directory, no stray label, `oms check` clean, and a second
# oms-ship --pending run shipping nothing; and (z): the same shipments,
# tracking numbers and ZPL files as (s), byte for byte, and no PDF.
#
# Environment: N (orders, default 3000), SKUS (1000), REPEAT (runs of
# (s) and (y1), each on a fresh copy; the best wall time and the highest
# peak are kept; default 1), SEED, WORK (scratch directory, default
# bench/build/ship), KEEP=1 keeps the data, the databases and the
# labels.  Peak RSS as in bench/lib.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
n=${N:-3000}
skus=${SKUS:-1000}
repeat=${REPEAT:-1}
seed=${SEED:-20261203}
work=${WORK:-$here/build/ship}
export OMS_PATH=$root/share/oms
unset OMS_DB OMS_NOW OMS_OFFLINE_FAULT

die() { echo "ship.sh: $*" >&2; exit 1; }
note() { echo "ship.sh: $*" >&2; }

# ---- build ------------------------------------------------------------
make -s -C "$root" >/dev/null || die "make -C $root failed"
make -s -C "$here" build/gen-route build/put-files >/dev/null ||
    die "make -C $here failed"
gen=$here/build/gen-route
put=$here/build/put-files
bin=$root/build/bin
for p in oms oms-stock oms-import oms-route oms-ship oms-carrier-offline; do
	[ -x "$bin/$p" ] || die "no $bin/$p"
done
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
command -v jq >/dev/null || die "jq is not installed"

. "$here/lib.sh"

q() { sqlite3 "$1" "$2"; }
per() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.2f", (n > 0 ? s * 1e3 / n : 0) }'; }

# fresh DB: a copy of the routed database (checkpointed, so one file).
fresh() {
	rm -f "$1" "$1-wal" "$1-shm"
	cp "$routed" "$1"
}

# best LABEL DB DIR OUT CMD...: REPEAT runs, each on a fresh copy of the
# routed database at DB and an empty label directory DIR; the lowest
# wall time and the highest peak are kept, and DB and DIR are left as
# the last run left them.
best() {
	local label=$1 to=$2 dir=$3 out=$4 i w=0 r=0
	shift 4
	for ((i = 0; i < repeat; i++)); do
		fresh "$to"
		rm -rf "$dir"
		once "$label" /dev/null "$out" "$@"
		if [ "$i" = 0 ] || awk -v a="$T_WALL" -v b="$w" 'BEGIN { exit !(a < b) }'; then
			w=$T_WALL
		fi
		[ "$T_RSS" -gt "$r" ] && r=$T_RSS
	done
	T_WALL=$w
	T_RSS=$r
}

mkdir -p "$work"
routed=$work/routed.db
db=$work/ship.db
zdb=$work/zpl.db
zlabels=$work/zpl-labels
rec=$work/rec.db
labels=$work/labels
log=$work/run.log
rm -rf "$routed" "$routed-wal" "$routed-shm" "$work/reqs" "$work/bin" "$zlabels" \
    "$work/put" "$labels" "$work/rec-labels"
"$bin/oms" -q --db "$routed" init

# ---- the data, routed ---------------------------------------------------
"$gen" -s "$seed" -n "$n" -k "$skus" -d "$work" 2>"$work/gen.log" ||
    { cat "$work/gen.log" >&2; die "gen-route failed"; }
note "$(sed 's/^gen-route: //' "$work/gen.log")"
"$bin/oms-stock" --db "$routed" "$work/catalog.jsonl" >/dev/null 2>"$log" ||
    { cat "$log" >&2; die "oms-stock (catalog) failed"; }
"$bin/oms-stock" --db "$routed" "$work/stock.jsonl" >/dev/null 2>"$log" ||
    { cat "$log" >&2; die "oms-stock (stock) failed"; }
"$bin/oms-import" --db "$routed" --channel oms "$work/orders.jsonl" \
    >/dev/null 2>"$log" || { cat "$log" >&2; die "oms-import failed"; }
"$bin/oms-route" --db "$routed" --pending >/dev/null 2>"$log" ||
    { cat "$log" >&2; die "oms-route failed"; }
q "$routed" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
[ ! -s "$routed-wal" ] || die "the routed database did not checkpoint"
# What --pending takes: orders with stock allocated outside the 3PL.
read -r n_pend n_parcels < <(q "$routed" "SELECT count(DISTINCT o.id) || ' ' ||
  count(DISTINCT o.id || '/' || a.location) FROM orders o JOIN allocations a
  ON a.order_id = o.id AND a.state = 'active' JOIN locations l ON l.id = a.location
  AND l.kind <> '3pl' WHERE o.status IN ('allocated', 'partial', 'partly_shipped')" |
    tr '|' ' ')
[ "$n_pend" -gt 0 ] || die "no order to ship"

echo "oms-ship against the carrier adapter and the label files alone," \
    "$(nproc) cores, $(date +%Y-%m-%d), oms $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
echo "peak RSS from $([ -n "$gnutime" ] && echo "GNU time %M" || echo "VmHWM in /proc")," \
    "best of $repeat run(s) of (s) and (y1); labels in $(df -PT "$work" | awk 'NR == 2 { print $2 }')"

# ---- (s) ------------------------------------------------------------------
best "(s) oms-ship --pending" "$db" "$labels" "$work/out.jsonl" \
    "$bin/oms-ship" --db "$db" -v --carrier offline --labels "$labels" --pending
W_S=$T_WALL R_S=$T_RSS
summary=$(grep -o '[0-9]* shipments\?, .*' "$log" | tail -n 1 || true)

# ---- checks -----------------------------------------------------------------
recs=$(wc -l <"$work/out.jsonl")
[ "$recs" = "$n_parcels" ] || die "(s) wrote $recs records for $n_parcels parcels"
got=$(jq -r '.order + "/" + .location' "$work/out.jsonl" | sort -u | wc -l)
[ "$got" = "$n_parcels" ] || die "(s) wrote records for $got distinct parcels, not $n_parcels"
got=$(jq -r '.order' "$work/out.jsonl" | sort -u | wc -l)
[ "$got" = "$n_pend" ] || die "(s) shipped $got orders, not $n_pend"
got=$(q "$db" "SELECT count(*) || ' ' || count(DISTINCT order_id || '/' || location) || ' ' ||
  (SELECT count(*) FROM stray_labels) FROM shipments")
[ "$got" = "$n_parcels $n_parcels 0" ] ||
    die "shipments, distinct parcels, stray labels are $got, not $n_parcels $n_parcels 0"
jq -r '.id' "$work/out.jsonl" | sort >"$work/ids.out"
q "$db" "SELECT 's_' || id FROM shipments" | sort >"$work/ids.db"
cmp -s "$work/ids.out" "$work/ids.db" || die "the records and the database name other shipments"
got=$(q "$db" "SELECT count(*) FROM allocations a JOIN locations l ON l.id = a.location
  WHERE a.state = 'active' AND l.kind <> '3pl'")
[ "$got" = 0 ] || die "$got allocations left active"
# Every package's two labels, whole, private, and nothing else there.
jq -r '.packages[] | [.tracking, .label_zpl, .label_pdf] | @tsv' "$work/out.jsonl" >"$work/pkgs.tsv"
n_pkgs=$(wc -l <"$work/pkgs.tsv")
# ZPL: ^XA first, ^XZ last, its tracking number (its name) within.
bad=$(cut -f2 "$work/pkgs.tsv" | xargs awk '
	function done() { if (f != "" && !(ok && last == "^XZ" && has)) print f }
	FNR == 1 { done(); f = FILENAME; ok = $0 == "^XA"; has = 0
		t = f; sub(/.*\//, "", t); sub(/\.zpl$/, "", t) }
	index($0, t) { has = 1 }
	{ last = $0 }
	END { done() }' | wc -l)
# PDF: %PDF- first, %%EOF last.
bad=$((bad + $(cut -f3 "$work/pkgs.tsv" | xargs awk '
	function done() { if (f != "" && !(ok && last == "%%EOF")) print f }
	FNR == 1 { done(); f = FILENAME; ok = substr($0, 1, 5) == "%PDF-" }
	{ last = $0 }
	END { done() }' | wc -l)))
[ "$bad" = 0 ] || die "$bad packages without a whole ZPL and PDF label"
got=$(find "$labels" -type f | wc -l)
[ "$got" = $((2 * n_pkgs)) ] || die "$got files in the label directory for $n_pkgs packages"
got=$(find "$labels" -type f ! -perm 0600 | wc -l)
[ "$got" = 0 ] || die "$got label files are not mode 0600"
"$bin/oms" --db "$db" check >"$work/check.out" 2>"$log" ||
    { head -20 "$work/check.out" "$log" >&2; die "oms check found problems"; }
"$bin/oms-ship" --db "$db" --carrier offline --labels "$labels" --pending \
    >"$work/again.jsonl" 2>"$log" || { head "$log" >&2; die "a second oms-ship run failed"; }
[ ! -s "$work/again.jsonl" ] || die "a second oms-ship run shipped $(wc -l <"$work/again.jsonl") parcels"
# ---- (z): ZPL labels alone -------------------------------------------------
best "(z) oms-ship --pending --format zpl" "$zdb" "$zlabels" "$work/zout.jsonl" \
    "$bin/oms-ship" --db "$zdb" -v --carrier offline --labels "$zlabels" --format zpl --pending
W_Z=$T_WALL R_Z=$T_RSS
# The same shipments as (s), label for label, and the ZPL files alone.
strip='del(.shipped_at) | .packages |= map(del(.label_zpl, .label_pdf))'
cmp -s <(jq -c "$strip" "$work/out.jsonl") <(jq -c "$strip" "$work/zout.jsonl") ||
    die "(z) shipped otherwise than (s)"
same="SELECT id, order_id, location, request_id, tracking, packages, cost FROM shipments ORDER BY id"
cmp -s <(q "$db" "$same") <(q "$zdb" "$same") || die "(z) recorded otherwise than (s)"
got=$(jq -r '.packages[] | .label_zpl' "$work/zout.jsonl" | sed 's,.*/,,' | sort | tee "$work/zpl.names" | wc -l)
[ "$got" = "$n_pkgs" ] || die "(z) recorded $got ZPL labels for $n_pkgs packages"
(cd "$zlabels" && find . -type f -perm 0600 | sed 's,^\./,,' | sort) | cmp -s - "$work/zpl.names" ||
    die "(z): the label directory is not every package's ZPL label, mode 0600, and nothing else"
for f in $(cut -f2 "$work/pkgs.tsv"); do
	cmp -s "$f" "$zlabels/${f##*/}" || die "(z): ${f##*/} is not (s)'s"
done
got=$(q "$zdb" "SELECT count(*) FROM stray_labels")
[ "$got" = 0 ] || die "(z) left $got stray labels"
"$bin/oms" --db "$zdb" check >"$work/check.out" 2>"$log" ||
    { head -20 "$work/check.out" "$log" >&2; die "oms check found problems after (z)"; }
zpl_b=$(cut -f2 "$work/pkgs.tsv" | xargs cat | wc -c)
pdf_b=$(cut -f3 "$work/pkgs.tsv" | xargs cat | wc -c)

# ---- (y1): the requests, recorded, and sent again ---------------------------
# A recording adapter, found on PATH: each request kept with its verb,
# numbered in the order sent, then handed to the offline adapter.
mkdir -p "$work/bin" "$work/reqs"
cat >"$work/bin/oms-carrier-benchrec" <<EOF
#!/bin/sh
f="$work/reqs/\$(date +%s%N).\$1"
cat >"\$f"
exec "$bin/oms-carrier-offline" "\$1" <"\$f"
EOF
chmod 755 "$work/bin/oms-carrier-benchrec"
fresh "$rec"
PATH=$work/bin:$PATH "$bin/oms-ship" --db "$rec" --carrier benchrec \
    --labels "$work/rec-labels" --pending >"$work/rec.jsonl" 2>"$log" ||
    { head "$log" >&2; die "the recording run failed"; }
got=$(wc -l <"$work/rec.jsonl")
[ "$got" = "$n_parcels" ] || die "the recording run shipped $got parcels, not $n_parcels"
n_calls=$(find "$work/reqs" -type f | wc -l)
n_reqs=0
for f in "$work"/reqs/*; do
	case $f in
	*.batch) n_reqs=$((n_reqs + $(jq '.requests | length' "$f"))) ;;
	*) n_reqs=$((n_reqs + 1)) ;;
	esac
done
(cd "$work/reqs" && ls) | sort -n | awk -v o="$bin/oms-carrier-offline" \
    -v d="$work/reqs" '{ v = $0; sub(/^[0-9]+\./, "", v)
	printf "\"%s\" %s <\"%s/%s\" || exit 1\n", o, v, d, $0 }' >"$work/y1.sh"
best "(y1) the adapter alone" "$rec" "$work/y1-dir" "$work/y1.out" sh "$work/y1.sh"
W_Y1=$T_WALL R_Y1=$T_RSS
got=$(jq -c 'select(.ok != true or ((.replies // []) | map(select(.ok != true)) | length) > 0)' \
    "$work/y1.out" | wc -l)
[ "$got" = 0 ] || die "(y1): $got answers were refusals"
got=$(wc -l <"$work/y1.out")
[ "$got" = "$n_calls" ] || die "(y1): $got answers to $n_calls calls"

# ---- (y2): the label files written again ------------------------------------
puts() {
	rm -rf "$work/put"
	mkdir "$work/put"
	# shellcheck disable=SC2086 # "-b N": two words
	"$put" $1 "$work/put" <"$2" >"$work/put.out" 2>"$log" ||
	    { cat "$log" >&2; die "put-files $1 failed"; }
	read -r _ _ T_PUT <"$work/put.out"
}
cut -f2 "$work/pkgs.tsv" >"$work/zpl.list"
cut -f3 "$work/pkgs.tsv" >"$work/pdf.list"
# Both, a package's two files one after the other, as oms-ship writes them.
tr '\t' '\n' <"$work/pkgs.tsv" | awk 'NR % 3 != 1' >"$work/all.list"
puts -s "$work/zpl.list"; W_ZS=$T_PUT
puts -s "$work/pdf.list"; W_PS=$T_PUT
puts -s "$work/all.list"; W_AS=$T_PUT
puts "-b 2" "$work/all.list"; W_A2=$T_PUT
puts "-b 100" "$work/all.list"; W_AB=$T_PUT
puts -- "$work/all.list"; W_AN=$T_PUT

# ---- the table --------------------------------------------------------------
row() { printf '%-50s %7s %8s %9s %9s %8s %7s\n' "$@"; }
y12=$(awk -v a="$W_Y1" -v b="$W_AS" 'BEGIN { printf "%.2f", a + b }')
echo
echo "$n orders, $n_pend pending outside the 3PL: $n_parcels parcels, $n_pkgs packages;" \
    "labels $((zpl_b / n_pkgs)) bytes ZPL, $((pdf_b / n_pkgs)) bytes PDF on average"
echo
row "" parcels s parcels/s "ms/parcel" "peak MiB" "/(y1)"
row "(z) oms-ship --pending --format zpl" "$n_parcels" "$W_Z" \
    "$(rate "$n_parcels" "$W_Z")" "$(per "$n_parcels" "$W_Z")" "$(mib "$R_Z")" \
    "$(ratio "$W_Z" "$W_Y1")"
row "(s) oms-ship --pending, ZPL and PDF labels" "$n_parcels" "$W_S" \
    "$(rate "$n_parcels" "$W_S")" "$(per "$n_parcels" "$W_S")" "$(mib "$R_S")" \
    "$(ratio "$W_S" "$W_Y1")"
row "(y1) the adapter alone: $n_calls runs, $n_reqs requests" "$n_parcels" "$W_Y1" \
    "$(rate "$n_parcels" "$W_Y1")" "$(per "$n_parcels" "$W_Y1")" "$(mib "$R_Y1")" ""
row "(y2) the ZPL labels written, flushed each" "$n_parcels" "$W_ZS" \
    "$(rate "$n_parcels" "$W_ZS")" "$(per "$n_parcels" "$W_ZS")" "" ""
row "(y2) the PDF labels written, flushed each" "$n_parcels" "$W_PS" \
    "$(rate "$n_parcels" "$W_PS")" "$(per "$n_parcels" "$W_PS")" "" ""
row "(y2) both, flushed each" "$n_parcels" "$W_AS" \
    "$(rate "$n_parcels" "$W_AS")" "$(per "$n_parcels" "$W_AS")" "" ""
row "(y2) both, flushed a package's two together" "$n_parcels" "$W_A2" \
    "$(rate "$n_parcels" "$W_A2")" "$(per "$n_parcels" "$W_A2")" "" ""
row "(y2) both, flushed 100 files at a time" "$n_parcels" "$W_AB" \
    "$(rate "$n_parcels" "$W_AB")" "$(per "$n_parcels" "$W_AB")" "" ""
row "(y2) both, not flushed" "$n_parcels" "$W_AN" \
    "$(rate "$n_parcels" "$W_AN")" "$(per "$n_parcels" "$W_AN")" "" ""
echo
yz=$(awk -v a="$W_Y1" -v b="$W_ZS" 'BEGIN { printf "%.2f", a + b }')
echo "(z) over (y1) + (y2) ZPL flushed each ($yz s): $(ratio "$W_Z" "$yz")"
echo "(s) over (y1) + (y2) both flushed each ($y12 s): $(ratio "$W_S" "$y12")"
echo "target: 200 parcels a second with ZPL labels: $(awk -v n="$n_parcels" -v s="$W_Z" 'BEGIN { print (n / s >= 200 ? "met" : "NOT met") }') by (z)"
[ -z "$summary" ] || echo "(s): $summary"
echo "checked: a record for each of the $n_parcels parcels of the $n_pend orders, none twice;" \
    "the database has the same shipments, no allocation left, no stray label"
echo "checked: $n_pkgs packages, each with a whole ZPL and PDF label (mode 0600), nothing else;" \
    "oms check is clean; a second run ships nothing"
echo "checked: (z) made the same shipments with the same numbers, its ZPL labels byte for byte (s)'s, no PDF, nothing else"
echo "checked: (y1) answered each of its $n_calls runs, no request refused"

[ "${KEEP:-0}" = 1 ] || rm -rf "$routed" "$db" "$rec" "$routed"-wal "$routed"-shm \
    "$zdb" "$zdb"-wal "$zdb"-shm "$zlabels" "$work/zpl.names" \
    "$db"-wal "$db"-shm "$rec"-wal "$rec"-shm "$work"/*.jsonl "$work"/*.list \
    "$work"/*.tsv "$work"/ids.* "$work"/check.out "$work"/put.out "$work"/y1.* \
    "$work/gen.log" "$work/time.out" "$log" "$labels" "$work/rec-labels" \
    "$work/put" "$work/reqs" "$work/bin"
