# t/helper.bash: loaded by every bats file.  Each test gets a fresh
# directory and a fresh database made by `oms init` (a test about having
# no database removes it first); the programs under test come from
# $OMS_BIN.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
: "${OMS_BIN:=$TOP/build/bin}"
: "${OMS_SAMPLES:=$TOP/../shared/samples}"
: "${OMS_GEO:=$TOP/../shared/geo}"
export PATH="$OMS_BIN:$PATH" LC_ALL=C TZ=UTC
export OMS_PATH="$TOP/share/oms"
# Under ASan: fontconfig's caches, kept for the process, are no leaks
# (t/lsan.supp; t/run sets the same).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$TOP/t/lsan.supp:print_suppressions=0}
FIX="$TOP/t/fixtures"
# The schema version this oms migrates to: the number of migrations in
# lib/schema.c.  A new migration moves it.
SCHEMA=12
# PRAGMA application_id of an oms database: "oms1".
APP_ID=$((0x6f6d7331))

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export OMS_DB="$BATS_TEST_TMPDIR/oms.db"
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	oms -q init || return 1
}

# Start over with a new database: $1, else $OMS_DB, made by oms init.
fresh_db() {
	local db=${1:-$OMS_DB}
	rm -f "$db" "$db-wal" "$db-shm"
	oms -q --db "$db" init
}

# Real exports and postal data live beside the tree, in ../shared; a
# clone elsewhere skips the tests that read them.
skip_without_samples() {
	[ -d "$OMS_SAMPLES" ] ||
		skip "no sample exports in $OMS_SAMPLES (../shared/samples; set OMS_SAMPLES)"
}

skip_without_geo() {
	[ -d "$OMS_GEO" ] ||
		skip "no postal code data in $OMS_GEO (../shared/geo; set OMS_GEO)"
}

# Run a command with file or directory $1 read-only.  Root ignores file
# modes, so as root $1 is bound read-only in a mount namespace of the
# command's own; anyone else gets chmod a-w, undone afterwards.
run_readonly() {
	local p=$1 rc
	shift
	if [ "$(id -u)" != 0 ]; then
		chmod a-w "$p"
		"$@"
		rc=$?
		chmod u+w "$p"
		return $rc
	fi
	unshare -m sh -c 'mount --bind -o ro "$1" "$1" && shift && exec "$@"' \
		sh "$p" "$@"
}

need_readonly() {
	[ "$(id -u)" != 0 ] || unshare -m sh -c 'mount --bind -o ro "$1" "$1"' sh "$BATS_TEST_TMPDIR" 2>/dev/null ||
		skip "as root without a mount namespace nothing can be made read-only"
}

# Hold a write lock on database $1 for $2 seconds, in the background.
# Waits until the lock is really held.
hold_lock() {
	local db=$1 secs=$2
	rm -f "$BATS_TEST_TMPDIR/locked"
	{
		echo "BEGIN IMMEDIATE;"
		echo ".shell touch '$BATS_TEST_TMPDIR/locked'"
		sleep "$secs"
		echo "COMMIT;"
	} | sqlite3 "$db" >/dev/null 2>&1 &
	LOCK_PID=$!
	for _ in $(seq 100); do
		[ -e "$BATS_TEST_TMPDIR/locked" ] && return 0
		sleep 0.05
	done
	return 1
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }
