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

# On PostgreSQL (t/run-pg), $OMS_TEST_PG is the directory of the
# server's Unix socket, and each test has a schema of its own in
# database oms instead of a file: $OMS_DB is its URL, whose search_path
# makes it the test's whole database.  The schemas are left to the
# throwaway server: dropping each would cost more than making it.
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	OMS_DB=$(test_db) || return 1
	export OMS_DB
	# A bats run inside a test (t/0300) must not take the schemas
	# made for the run around it: see pg_new_schema.
	if on_pg; then
		export OMS_TEST_PG_RUN=${OMS_TEST_PG_RUN:-$BATS_RUN_TMPDIR}
	fi
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	oms -q init || return 1
}

# The test's own database, empty: oms.db in its directory, or on
# PostgreSQL the URL of its schema.
test_db() {
	if on_pg; then
		pg_new_schema
	else
		printf '%s\n' "$BATS_TEST_TMPDIR/oms.db"
	fi
}

# Start over with a new database: $1, else $OMS_DB, made by oms init.
# A PostgreSQL URL keeps its schema, emptied; a path stays SQLite.
fresh_db() {
	local db=${1:-$OMS_DB}
	if is_pg_url "$db"; then
		pg_admin -c "DROP SCHEMA \"$(pg_schema "$db")\" CASCADE" \
			-c "CREATE SCHEMA \"$(pg_schema "$db")\"" || return 1
	else
		rm -f "$db" "$db-wal" "$db-shm"
	fi
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

# Skip a test that can only mean something on SQLite: file modes of
# the database, its -wal and -shm, a file that is not oms's.
skip_on_pg() {
	! on_pg || skip "not on PostgreSQL: $*"
}

# Whether the tests run on PostgreSQL, for the end of a test that is
# about the SQLite file alone.
on_pg() {
	[ -n "${OMS_TEST_PG:-}" ]
}

is_pg_url() {
	case $1 in
	postgres://*|postgresql://*) return 0 ;;
	esac
	return 1
}

# The schema named in the search_path of one of our URLs.
pg_schema() {
	local s=${1##*search_path%3D}
	printf '%s\n' "${s%%&*}"
}

# psql as the superuser, on the database that holds the tests' schemas.
pg_admin() {
	psql -X -q -At -v ON_ERROR_STOP=1 -h "$OMS_TEST_PG" -U postgres \
		-d oms "$@"
}

# Make an empty schema and print its URL.  t/run-pg makes one for each
# test of its run beforehand, t_1 to t_$OMS_TEST_PG_SCHEMAS, all in one
# statement, which saves a connection per test; past those, or in a
# bats run that a test of that run started, whose tests count from 1
# again, pg_seq_schema makes one.
pg_new_schema() {
	local s n=${BATS_SUITE_TEST_NUMBER:-0}
	if [ "$n" -ge 1 ] && [ "$n" -le "${OMS_TEST_PG_SCHEMAS:-0}" ] &&
	    [ "${OMS_TEST_PG_RUN:-$BATS_RUN_TMPDIR}" = "$BATS_RUN_TMPDIR" ]; then
		s=t_$n
	else
		s=$(pg_seq_schema) || return 1
	fi
	pg_url "$s"
}

# Make an empty schema and print its name, $1 (else n) and a number
# from a sequence on the server, so that no two tests can meet.
pg_seq_schema() {
	local p=${1:-n}
	case $p in
	*[!a-z0-9_]*) p=n ;;
	esac
	pg_admin -v p="$p" <<-'SQL'
		SELECT :'p' || '_' || nextval('public.oms_test_schema') AS s \gset
		CREATE SCHEMA :"s";
		\echo :s
		SQL
}

# The URL of a new, empty database for a test that needs one beside
# $OMS_DB (oms migrate --to): a schema, as each test's own is; NAME
# goes into its name, for whoever reads the server's log.
pg_new_db() {
	local s
	s=$(pg_seq_schema "${1:-}") || return 1
	pg_url "$s"
}

pg_url() {
	printf 'postgresql:///oms?host=%s&user=postgres&options=-csearch_path%%3D%s\n' \
		"$OMS_TEST_PG" "$1"
}

# A database that a test file's setup_file makes for its tests to
# share: the path $1 on SQLite, the URL of a new schema on PostgreSQL.
shared_db() {
	if on_pg; then
		pg_new_db shared
	else
		printf '%s\n' "$1"
	fi
}

# A new database holding a copy of $OMS_DB's rows, with their ids and
# its instance name (oms migrate): the file $1.db in the test's
# directory, or on PostgreSQL a new schema.  Prints its path or URL.
copy_db() {
	local copy
	if on_pg; then
		copy=$(pg_new_db "$1") || return 1
	else
		copy=$BATS_TEST_TMPDIR/$1.db
	fi
	oms -q --db "$copy" init && oms -q migrate --to "$copy" || return 1
	printf '%s\n' "$copy"
}

# The tests look into the database with sqlite3 "$OMS_DB" "SQL" (or SQL
# on stdin).  On PostgreSQL, sqlite3 is this function: given the URL of
# a PostgreSQL database, it runs the SQL with psql, printing as sqlite3
# does by default: no header, "|" between columns, NULL as nothing, 1
# and 0 for true and false, exit status 1 on an error.  It takes the
# options the tests give (-separator, -cmd ".timeout N"); a path goes
# to the real sqlite3.  The SQLite functions the tests use come from
# schema sqlite_compat (t/pg.sql), on the search path here only.  The
# driver keeps the schema version and application id in its table
# oms_meta, so exactly "PRAGMA user_version" and "PRAGMA
# application_id", read or set, become statements on oms_meta; "PRAGMA
# foreign_keys = OFF" is a session that fires no foreign key triggers;
# char(N) is chr(N); x GLOB 'p' is glob('p', x); a subquery in FROM
# gets the name PostgreSQL 15 wants; coalesce(x, 'text') takes x as
# text, as SQLite does whatever x is; .dump is pg_dump's.
pg_sqlite3() {
	local sep='|' db='' i=1 a
	local -a sql=()
	while [ $i -le $# ]; do
		a=${!i}
		case $a in
		-separator)
			i=$((i + 1))
			sep=${!i}
			;;
		-cmd)
			i=$((i + 1))
			case ${!i} in
			.timeout*) ;;
			*) db=-; break ;;
			esac
			;;
		-*)	db=-; break ;;
		*)	if [ -z "$db" ]; then
				db=$a
			else
				sql+=("$a")
			fi
			;;
		esac
		i=$((i + 1))
	done
	if ! is_pg_url "$db"; then
		command sqlite3 "$@"
		return
	fi
	# .dump, every row of every table as INSERT statements, which the
	# tests compare before and after, or search: the rows sorted, as
	# pg_dump gives them in the order they lie on disk, which an update
	# that changes nothing can change, and without the random key of
	# its \restrict lines.
	if [ "${sql[*]}" = .dump ]; then
		pg_dump --inserts --no-owner --no-privileges \
			--schema="$(pg_schema "$db")" -d "$db" |
			grep -Ev '^\\(un)?restrict ' | LC_ALL=C sort
		return "${PIPESTATUS[0]}"
	fi
	{
		if [ ${#sql[@]} -gt 0 ]; then
			printf '%s\n;\n' "${sql[@]}"
		else
			cat
		fi
	} | sed -E \
	    -e '/^[[:space:]]*\.timeout/d' \
	    -e "s/PRAGMA (user_version|application_id)[[:space:]]*=[[:space:]]*(-?[0-9]+)/UPDATE oms_meta SET value = \\2 WHERE name = '\\1'/g" \
	    -e "s/PRAGMA (user_version|application_id)/SELECT value FROM oms_meta WHERE name = '\\1'/g" \
	    -e 's/PRAGMA foreign_keys[[:space:]]*=[[:space:]]*(OFF|0|false)/SET session_replication_role = replica/gI' \
	    -e 's/\<char\(/chr(/g' \
	    -e "s/([A-Za-z_.]+) NOT GLOB ('[^']*')/NOT glob(\\2, \\1)/g" \
	    -e "s/([A-Za-z_.]+) GLOB ('[^']*')/glob(\\2, \\1)/g" \
	    -e 's/FROM \((SELECT [^()]*)\)([[:space:]]*(;|$|\)|WHERE|GROUP|ORDER|LIMIT))/FROM (\1) AS sub\2/g' \
	    -e "s/coalesce\(([A-Za-z_.]+(\([^()]*\))?), ('[^']*')\)/coalesce(CAST(\\1 AS TEXT), \\3)/g" |
	pg_statements |
	psql -X -q -At -v ON_ERROR_STOP=1 -v sep="$sep" -d "$db" \
		-c "SET search_path = \"$(pg_schema "$db")\", sqlite_compat" -f - ||
		return 1
}

# On SQLite, sqlite3 stays the program itself: a function would put a
# shell between a test and the sqlite3 it runs in the background and
# kills.
if on_pg; then
	sqlite3() { pg_sqlite3 "$@"; }
fi

# SQL on stdin, one statement after another, as psql is to run it: a
# query that returns rows goes through sqlite_compat.rows, which prints
# them as sqlite3 would, the rest as it was.  Statements end at a
# semicolon outside quotes and comments.
pg_statements() {
	awk '
	function flush(  t) {
		t = stmt
		sub(/^[ \t\n]+/, "", t)
		sub(/[ \t\n]+$/, "", t)
		if (t != "" && toupper(t) ~ /^(SELECT|WITH|VALUES)[^A-Z_]/)
			printf "SELECT * FROM sqlite_compat.rows($oms_q$%s$oms_q$, :'"'"'sep'"'"');\n", t
		else if (t != "")
			printf "%s;\n", t
		stmt = ""
	}
	{
		n = length($0)
		for (i = 1; i <= n; i++) {
			c = substr($0, i, 1)
			if (q != "") {
				if (c == q)
					q = ""
			} else if (c == "'"'"'" || c == "\"") {
				q = c
			} else if (c == "-" && substr($0, i + 1, 1) == "-") {
				break
			} else if (c == ";") {
				flush()
				continue
			}
			stmt = stmt c
		}
		stmt = stmt "\n"
	}
	END { flush() }'
}

# Hold a write lock on database $1 for $2 seconds, in the background.
# Waits until the lock is really held.  $LOCK_PID is the client's own
# process: killing it ends the transaction.
hold_lock() {
	local db=$1 secs=$2
	if is_pg_url "$db"; then
		hold_pg_lock "$db" "$secs"
		return
	fi
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

# On PostgreSQL the writers' lock is the advisory lock every write
# transaction of the driver takes first, keyed by the application id
# ("oms1").  It is held once pg_locks shows it granted.
hold_pg_lock() {
	local db=$1 secs=$2
	{
		echo "BEGIN;"
		echo "SELECT pg_advisory_xact_lock($APP_ID);"
		sleep "$secs"
		echo "COMMIT;"
	} | psql -X -q -d "$db" >/dev/null 2>&1 &
	LOCK_PID=$!
	for _ in $(seq 100); do
		[ "$(pg_admin -c "SELECT count(*) FROM pg_locks
		    WHERE locktype = 'advisory' AND granted
		    AND classid = 0 AND objid = $APP_ID AND objsubid = 1
		    AND database = (SELECT oid FROM pg_database
		    WHERE datname = current_database())")" = 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }
