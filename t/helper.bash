# t/helper.bash: loaded by every bats file.  Each test gets a fresh
# directory and database; the programs under test come from $OMS_BIN.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
: "${OMS_BIN:=$TOP/build/bin}"
: "${OMS_SAMPLES:=$TOP/../shared/samples}"
export PATH="$OMS_BIN:$PATH" LC_ALL=C TZ=UTC
export OMS_PATH="$TOP/share/oms"
FIX="$TOP/t/fixtures"
# The schema version this oms migrates to: the number of migrations in
# lib/schema.c.  A new migration moves it.
SCHEMA=7

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export OMS_DB="$BATS_TEST_TMPDIR/oms.db"
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
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
