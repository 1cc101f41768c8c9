#!/usr/bin/env bash
# bench/startup.sh: the start-up of each program, against the sqlite3 CLI
# starting and quitting (`sqlite3 :memory: .quit`).
#
#   bench/startup.sh              every program, 200 runs of each, under a minute
#   RUNS=1000 bench/startup.sh
#   OMS_BIN=/path/to/tree/build/bin bench/startup.sh
#
# Builds the programs (make -C .., unless OMS_BIN names a build/bin) and
# bench/build/startup, the timer: it forks, sends stdin, stdout and stderr
# to /dev/null, execv's the program and waits, RUNS times after one
# warm-up, and gives the median and the lowest time; every run must exit
# 0.  The yardstick goes through the same timer, so the harness costs
# both the same.
#
# For each program in build/bin: `--version`, and a run that does
# nothing, on an empty stdin, against an existing database migrated to
# the current schema (made by `oms init` in WORK): the record filters
# (oms-import with a channel, oms-stock, oms-route, oms-ship with a
# carrier, oms-return) with no records, oms init on a database that is up
# to date, and a read verb with nothing to read for the others (oms-report
# orders, oms-events, oms-edi list).  The helpers that take one request
# on stdin (oms-carrier-offline, oms-payment-ledger, oms-tax-table) and
# oms-events-webhook, which posts to an account, have no run that does
# nothing: their `--version` only.  A program in build/bin that this
# script does not know is timed with --version and named.
#
# Each is run once first to check it: --version prints a line, the run
# that does nothing writes nothing on stdout; both exit 0.
# Prints, for each, the median wall ms a run, the yardstick's and the
# ratio, the same for the CPU time the run used (user and system: a busy
# machine moves it less than the wall time), and whether the wall time is
# within the target (TARGET ms, default 5).  Environment:
# RUNS (200), TARGET (5), WORK (scratch directory, default
# bench/build/startup-work), OMS_BIN.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-200}
target=${TARGET:-5}
work=${WORK:-$here/build/startup-work}

die() { echo "startup.sh: $*" >&2; exit 1; }
note() { echo "startup.sh: $*" >&2; }

# ---- build ------------------------------------------------------------
if [ -n "${OMS_BIN:-}" ]; then
	bin=$OMS_BIN
	export OMS_PATH=$(dirname "$(dirname "$bin")")/share/oms
else
	make -s -C "$root" >/dev/null || die "make -C $root failed"
	bin=$root/build/bin
	export OMS_PATH=$root/share/oms
fi
make -s -C "$here" build/startup >/dev/null || die "make -C $here failed"
timer=$here/build/startup
sqlite=$(command -v sqlite3) || die "sqlite3 is not installed"
unset OMS_DB OMS_NOW

mkdir -p "$work/labels"
db=$work/startup.db
rm -f "$db" "$db-wal" "$db-shm"
"$bin/oms" -q --db "$db" init || die "oms init failed"

# The run that does nothing, per program: its arguments after the path.
noop() {
	case $1 in
	oms) echo "--db $db init" ;;
	oms-import) echo "--db $db --channel shopify" ;;
	oms-stock) echo "--db $db" ;;
	oms-route) echo "--db $db" ;;
	oms-ship) echo "--db $db --carrier offline --labels $work/labels" ;;
	oms-return) echo "--db $db" ;;
	oms-report) echo "orders --db $db" ;;
	oms-events) echo "--db $db" ;;
	oms-edi) echo "list --db $db" ;;
	oms-carrier-offline | oms-payment-ledger | oms-tax-table | \
	    oms-events-webhook) echo - ;;
	*) echo ? ;;
	esac
}

# time_ms ARGS...: the timer's median wall and CPU ms, "WALL CPU"; dies
# when a run fails.
time_ms() {
	local out
	out=$("$timer" -n "$runs" "$@") || die "$* failed"
	set -- $out
	echo "$2 ${10}"
}

echo "start-up of each program against sqlite3 :memory: .quit, $(nproc) cores," \
    "$(date +%Y-%m-%d), oms $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
echo "sqlite3 $("$sqlite" --version | cut -d' ' -f1); median of $runs runs each" \
    "(fork, execv, wait), after one warm-up; target $target ms"
echo

read -r y yc < <(time_ms "$sqlite" :memory: .quit)
line() { printf '%-20s %-8s %8s %8s %6s %8s %8s %6s  %s\n' "$@"; }
line "" "" "wall ms" "sqlite3" ratio "cpu ms" "sqlite3" ratio "target"
line program run "median" "" "" "median" "" "" "(wall)"
line "sqlite3" ":memory:" "$y" "" "" "$yc" "" "" ""
over=0 total=0 unknown=
for p in "$bin"/*; do
	[ -f "$p" ] && [ -x "$p" ] || continue
	name=$(basename "$p")
	args=$(noop "$name")
	[ "$args" = "?" ] && unknown="$unknown $name"
	for how in version noop; do
		if [ "$how" = version ]; then
			set -- --version
		else
			[ "$args" = - ] || [ "$args" = "?" ] && continue
			# shellcheck disable=SC2086
			set -- $args
		fi
		# What the run writes: a version line, or nothing at all.
		out=$("$p" "$@" </dev/null 2>/dev/null) || die "$name $* failed"
		if [ "$how" = version ]; then
			[ -n "$out" ] || die "$name --version printed nothing"
		else
			[ -z "$out" ] || die "$name $*: wrote '$out' on no input"
		fi
		read -r ms cpu < <(time_ms "$p" "$@")
		r=$(awk -v a="$ms" -v b="$y" 'BEGIN { printf "%.2f", a / b }')
		rc=$(awk -v a="$cpu" -v b="$yc" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		if awk -v a="$ms" -v t="$target" 'BEGIN { exit !(a > t) }'; then
			met="NOT met"
			over=$((over + 1))
		else
			met=met
		fi
		total=$((total + 1))
		line "$name" "$how" "$ms" "$y" "$r" "$cpu" "$yc" "$rc" "$met"
	done
done
echo
[ -z "$unknown" ] || note "no run that does nothing known for:$unknown (--version only)"
echo "$over of $total runs over $target ms"

[ "${KEEP:-0}" = 1 ] || rm -rf "$work"
