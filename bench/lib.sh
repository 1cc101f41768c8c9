# bench/lib.sh: what the benchmarks share, sourced after they define
# die and note (and before they call these, $work and $log).
#
# The peak RSS of a run comes from GNU time's %M, installed with apt when
# missing (if we may), else from VmHWM read in /proc while the program
# runs (RSS_FROM=proc forces that).

gnutime=
if [ "${RSS_FROM:-}" = proc ]; then
	:	# forced: read VmHWM from /proc
elif /usr/bin/time -f %M true >/dev/null 2>&1; then
	gnutime=/usr/bin/time
elif command -v apt-get >/dev/null; then
	sudo=
	[ "$(id -u)" = 0 ] || sudo="sudo -n"
	note "GNU time is missing: installing the Debian package 'time'"
	if { $sudo apt-get install -y -qq time >/dev/null 2>&1 ||
	    { $sudo apt-get update -qq >/dev/null 2>&1 &&
	    $sudo apt-get install -y -qq time >/dev/null 2>&1; }; } &&
	    /usr/bin/time -f %M true >/dev/null 2>&1; then
		gnutime=/usr/bin/time
		note "installed package 'time'"
	else
		note "could not install 'time': reading VmHWM from /proc instead"
	fi
fi

# run_timed IN OUT ERR CMD...: sets T_WALL (s), T_RSS (KiB) and T_RC.
run_timed() {
	local in=$1 out=$2 err=$3 tf
	shift 3
	T_RC=0
	if [ -n "$gnutime" ]; then
		tf=$work/time.out
		"$gnutime" -f '%e %M' -o "$tf" "$@" <"$in" >"$out" 2>"$err" ||
		    T_RC=$?
		read -r T_WALL T_RSS < <(tail -n 1 "$tf")
		return
	fi
	local t0 t1 pid v
	T_RSS=0
	t0=$(date +%s%N)
	"$@" <"$in" >"$out" 2>"$err" &
	pid=$!
	while v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) &&
	    [ -n "$v" ]; do
		[ "$v" -gt "$T_RSS" ] && T_RSS=$v
		sleep 0.02
	done
	wait "$pid" || T_RC=$?
	t1=$(date +%s%N)
	T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
}

# once LABEL IN OUT CMD...: run_timed, which must exit 0.
once() {
	local label=$1 in=$2 out=$3
	shift 3
	run_timed "$in" "$out" "$log" "$@"
	[ "$T_RC" = 0 ] || { head -20 "$log" >&2; die "$label exited $T_RC"; }
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
