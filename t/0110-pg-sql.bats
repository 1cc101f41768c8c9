#!/usr/bin/env bats
# The PostgreSQL schema (lib/schema_pg.c) and the SQL of lib/ and cmd/ on
# PostgreSQL (issue 17).  A throwaway server is started for the file, Unix
# socket only; the schema loads and has every table, column, index and
# view SQLite's has at the same version; SQLite's functions as defined
# there give SQLite's answers; and every statement of lib/*.c and cmd/*.c
# prepares on both engines (t/pg-sql), save those t/pg-sql.known names.

load helper

# psql on the throwaway server, database $1, then psql's arguments.
pg() {
	local d=$1
	shift
	psql -X -q -v ON_ERROR_STOP=1 -h "$PGSOCK" -U postgres -d "$d" "$@"
}

# As the postgres user when root, since initdb refuses to run as root.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

setup_file() {
	local bin
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -x "$bin/initdb" ] ||
		skip "no PostgreSQL server here (/usr/lib/postgresql/*/bin/initdb)"
	command -v psql >/dev/null || skip "no psql"
	# Not under $BATS_FILE_TMPDIR, which the postgres user may not reach.
	PGSOCK=$(mktemp -d /tmp/oms-pg.XXXXXX) || return 1
	export PGBIN=$bin PGSOCK
	[ "$(id -u)" != 0 ] || chown postgres "$PGSOCK"
	as_pg "$PGBIN/initdb" -D "$PGSOCK/data" -A trust -U postgres -E UTF8 \
	    --locale=C --no-sync >"$PGSOCK/initdb.log" 2>&1 || {
		cat "$PGSOCK/initdb.log" >&2
		return 1
	}
	as_pg "$PGBIN/pg_ctl" -D "$PGSOCK/data" -l "$PGSOCK/log" -w -o \
	    "-c listen_addresses= -c unix_socket_directories=$PGSOCK -c fsync=off" \
	    start >/dev/null || {
		cat "$PGSOCK/log" >&2
		return 1
	}
	# The schema as the driver sends it: the text itself, compiled from
	# lib/schema_pg.c.
	cat >"$BATS_FILE_TMPDIR/pgschema.c" <<'C'
#include <stdio.h>
#include "db_int.h"
int
main(void)
{
	fputs(oms_pg_schema, stdout);
	return 0;
}
C
	cc -D_GNU_SOURCE -I"$TOP/lib" -o "$BATS_FILE_TMPDIR/pgschema" \
	    "$BATS_FILE_TMPDIR/pgschema.c" "$TOP/lib/schema_pg.c" &&
		"$BATS_FILE_TMPDIR/pgschema" >"$BATS_FILE_TMPDIR/schema.sql"
}

teardown_file() {
	[ -n "${PGSOCK:-}" ] || return 0
	[ ! -f "$PGSOCK/data/postmaster.pid" ] ||
		as_pg "$PGBIN/pg_ctl" -D "$PGSOCK/data" -m immediate stop \
		    >/dev/null
	rm -rf "$PGSOCK"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export OMS_DB="$BATS_TEST_TMPDIR/oms.db"
	oms -q init || return 1
	DB=t$BATS_SUITE_TEST_NUMBER
	pg postgres -c "CREATE DATABASE $DB" &&
		pg "$DB" -f "$BATS_FILE_TMPDIR/schema.sql"
}

@test "the PostgreSQL schema has every table, column, key, index and view of SQLite's at this version" {
	# Column by column, in order: name, type, not null, default,
	# primary key position.
	run --separate-stderr sqlite3 -separator ' ' "$OMS_DB" "
	    SELECT m.name, c.cid, c.name, CASE lower(c.type)
	      WHEN 'integer' THEN 'bigint' WHEN 'real' THEN 'double precision'
	      ELSE lower(c.type) END, c.\"notnull\",
	      coalesce(c.dflt_value, '-'), c.pk
	    FROM sqlite_schema m, pragma_table_info(m.name) c
	    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'
	    ORDER BY 1, 2"
	assert_success
	want=$output
	run --separate-stderr pg "$DB" -At -F ' ' -c "
	    SELECT c.table_name, c.ordinal_position - 1, c.column_name,
	      c.data_type, CASE c.is_nullable WHEN 'NO' THEN 1 ELSE 0 END,
	      coalesce(c.column_default, '-'), coalesce(k.n, 0)
	    FROM information_schema.columns c
	    LEFT JOIN (SELECT u.table_name, u.column_name,
	      u.ordinal_position AS n
	      FROM information_schema.key_column_usage u
	      JOIN information_schema.table_constraints t
	      ON t.constraint_name = u.constraint_name
	      AND t.table_name = u.table_name
	      WHERE t.constraint_type = 'PRIMARY KEY') k
	    ON k.table_name = c.table_name AND k.column_name = c.column_name
	    WHERE c.table_schema = 'public' AND c.table_name IN (SELECT
	      table_name FROM information_schema.tables
	      WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
	      AND c.table_name <> 'oms_meta'
	    ORDER BY 1, 2"
	assert_success
	# SQLite's key columns may be NULL unless said otherwise, and a row
	# id is NOT NULL without saying; PostgreSQL's are always NOT NULL.
	# Defaults differ only in spelling the identity.
	got=$(printf '%s\n' "$output" | sed -e 's/::[a-z ]*\( [01]\)$/\1/' \
	    -e 's/^\([a-z_]* [0-9]* [a-z_]* [a-z ]*\) 1 - \([1-9]\)$/\1 K - \2/')
	want=$(printf '%s\n' "$want" | sed \
	    -e 's/^\([a-z_]* [0-9]* [a-z_]* [a-z ]*\) [01] - \([1-9]\)$/\1 K - \2/')
	assert_equal "$got" "$want"
	# Text of the tables compares byte by byte, as SQLite's BINARY.
	run pg "$DB" -At -c "SELECT c.table_name || '.' || c.column_name
	    FROM information_schema.columns c
	    JOIN information_schema.tables t ON t.table_name = c.table_name
	    AND t.table_schema = c.table_schema
	    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
	    AND c.data_type = 'text' AND c.table_name <> 'oms_meta'
	    AND c.collation_name IS DISTINCT FROM 'C'"
	assert_success
	assert_output ""
	# Identity where SQLite has a row id of its own making.
	run pg "$DB" -At -c "SELECT table_name || '.' || column_name
	    FROM information_schema.columns WHERE is_identity = 'YES'
	    ORDER BY 1"
	assert_output "$(sqlite3 "$OMS_DB" "SELECT m.name || '.' || c.name
	    FROM sqlite_schema m, pragma_table_info(m.name) c
	    WHERE m.type = 'table' AND c.pk = 1 AND c.type = 'INTEGER'
	    AND c.name IN ('id', 'seq')
	    ORDER BY 1")"
	# Indexes (their columns and WHERE) and views, by name.
	run pg "$DB" -At -c "SELECT indexname FROM pg_indexes
	    WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey'
	    AND indexname NOT LIKE '%_key' AND indexname NOT LIKE 'oms_meta%'
	    ORDER BY 1"
	assert_output "$(sqlite3 "$OMS_DB" "SELECT name FROM sqlite_schema
	    WHERE type = 'index' AND sql IS NOT NULL ORDER BY 1")"
	run pg "$DB" -At -c "SELECT table_name FROM information_schema.views
	    WHERE table_schema = 'public' ORDER BY 1"
	assert_output "$(sqlite3 "$OMS_DB" "SELECT name FROM sqlite_schema
	    WHERE type = 'view' ORDER BY 1")"
	# Foreign keys: table, columns, parent, ON DELETE.
	run pg "$DB" -At -F ' ' -c "SELECT c.conrelid::regclass::text,
	    (SELECT string_agg(a.attname, ',' ORDER BY k.n)
	      FROM unnest(c.conkey) WITH ORDINALITY AS k (a, n)
	      JOIN pg_attribute a ON a.attrelid = c.conrelid
	      AND a.attnum = k.a), c.confrelid::regclass::text,
	    CASE c.confdeltype WHEN 'c' THEN 'CASCADE' ELSE 'NO ACTION' END
	    FROM pg_constraint c WHERE c.contype = 'f' ORDER BY 1, 2"
	assert_output "$(sqlite3 -separator ' ' "$OMS_DB" "SELECT m.name,
	    group_concat(f.\"from\", ','), f.\"table\", f.on_delete
	    FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
	    WHERE m.type = 'table' GROUP BY m.name, f.id ORDER BY 1, 2")"
	# CHECK constraints: as many on each table.
	run pg "$DB" -At -F ' ' -c "SELECT conrelid::regclass::text, count(*)
	    FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0
	    GROUP BY 1 ORDER BY 1"
	assert_output "$(sqlite3 -separator ' ' "$OMS_DB" "SELECT name,
	    (length(sql) - length(replace(sql, 'CHECK', ''))) / 5 AS n
	    FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%CHECK%'
	    ORDER BY 1")"
}

@test "SQLite's functions, as the schema defines them on PostgreSQL, answer as SQLite's own" {
	# One expression a line; the same text on both engines, the same
	# answer, TZ Europe/Paris for 'localtime'.  PostgreSQL takes json()
	# of a bare literal for a cast to its type json: the programs pass a
	# parameter, which calls the function, as CAST(... AS TEXT) does.
	cat >exprs <<'EOF'
json_extract('{"a":{"b":[1,"x",true,{"c":null}]}}', '$.a.b[1]')
json_extract('{"a":{"b":[1,"x",true]}}', '$.a.b[2]')
json_extract('{"a":{"b":[1,"x",false]},"z":2}', '$.a')
coalesce(json_extract('{"a":1}', '$.b'), 'none')
'{"a":{"b":[1,2.5]},"n":null}' ->> '$.a.b[1]'
coalesce('{"n":null}' ->> '$.n', 'null')
'{"a b":{"c":"d"}}' ->> '$."a b".c'
json_type('{"a":1,"b":1.5,"c":"x","d":[],"e":{},"f":true,"g":null}', '$.a') || json_type('{"b":1.5}', '$.b') || json_type('{"c":"x"}', '$.c') || json_type('{"d":[]}', '$.d') || json_type('{"e":{}}', '$.e') || json_type('{"f":true}', '$.f') || json_type('{"g":null}', '$.g')
coalesce(json_type('{"a":1}', '$.b'), 'missing')
(SELECT group_concat(key || '=' || coalesce(value, 'NULL') || ':' || type, ' ') FROM json_each('{"x":1,"a":[1,2],"s":"t","o":{"p":1},"n":null}'))
(SELECT group_concat(key || '=' || value, ' ') FROM json_each('{"p":[{"t":"A"},{"t":"B"}]}', '$.p'))
(SELECT group_concat(value, ' ') FROM json_each('["b","a","c"]'))
(SELECT count(*) FROM json_each('{"p":1}', '$.q'))
json_set('{"z":1,"status":"a","b":2}', '$.status', 'c')
json_set('{"z":1}', '$.new', json(CAST(' { "k" : [1, "a b"] }' AS TEXT)))
json_set('{"z":1,"r":false}', '$.status', 'x', '$.r', json('true'))
json_set('{"z":1}', '$.s', 'say "hi"')
json_array('x"y')
(SELECT json_group_array(v) FROM (SELECT 'a' AS v UNION ALL SELECT 'b"' UNION ALL SELECT NULL) AS t)
(SELECT group_concat(v) FROM (SELECT 'a' AS v UNION ALL SELECT NULL UNION ALL SELECT 'b') AS t)
(SELECT group_concat(DISTINCT v) FROM (SELECT 'a' AS v UNION ALL SELECT 'a') AS t)
instr('ab:c:d', ':') || '/' || instr('abc', 'z')
date('2026-03-29T23:30:00Z', 'localtime')
date('2026-03-28T12:00:00Z', 'localtime', 'weekday 0', '-6 days')
date('2026-03-29T12:00:00Z', 'localtime', 'weekday 0', '-6 days')
date('2026-03-29T23:30:00Z', 'localtime', 'start of month')
date('2026-04-01T00:00:00Z', '-1 seconds', 'localtime')
date('2026-04-01T00:00:00+02:00', '+0 days')
date('2026-04-01')
coalesce(date('not a date', 'localtime'), 'NULL')
CAST(julianday('2026-03-01') - julianday(date('2026-02-27T23:30:00Z', 'localtime')) AS INTEGER)
julianday('2026-01-02T12:00:00Z') - julianday('2026-01-01')
CAST(strftime('%s', '2026-01-02T00:00:10Z') AS INTEGER) - CAST(strftime('%s', '2026-01-01T23:00:00+01:00') AS INTEGER)
strftime('%Y-%m-%dT%H:%M:%SZ', '2026-07-01T10:00:00+02:00')
EOF
	while IFS= read -r e; do
		printf 'SELECT %s;\n' "$e"
	done <exprs >q.sql
	run --separate-stderr env TZ=Europe/Paris sqlite3 :memory: <q.sql
	assert_success
	want=$output
	[ "$(wc -l <exprs)" = "$(printf '%s\n' "$want" | wc -l)" ]
	run --separate-stderr pg "$DB" -At -c "SET TimeZone = 'Europe/Paris'" \
	    -f q.sql
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$want"
}

@test "every statement of lib/ and cmd/ prepares on SQLite and on PostgreSQL" {
	run --separate-stderr "$TOP/t/pg-sql" check "$TOP" "$OMS_DB" \
	    psql -h "$PGSOCK" -U postgres -d "$DB"
	printf '# %s\n' "$stderr" >&3
	assert_success
}

# The shop of t/profit.bash worked in $1 on database $2, then read with
# every report: each command, its output with the database named DB,
# and its exit status.
worked() {
	mkdir "$1" && cd "$1" || return 1
	export OMS_DB=$2 HOME=$1
	oms -q init && setup_profit || return 1
	local c
	for c in "oms status" "oms check" "oms-report sales" \
	    "oms-report sales --by week" \
	    "oms-report sales --by month --tz America/New_York" \
	    "oms-report profit" "oms-report profit --by sku" \
	    "oms-report journal" "oms-report fees" \
	    "oms-report returns --by reason" "oms-report fulfilment" \
	    "oms-report fulfilment --by location" "oms-report inventory" \
	    "oms-report reorder" "oms-report movements" \
	    "oms-report item-fulfilments" "oms-report sales-orders" \
	    "oms-report orders --status delivered,shipped,cancelled" \
	    "oms-report orders --name zoe" "oms-report order o_1 o_5" \
	    "oms-report attention"; do
		printf '== %s\n' "$c"
		# The offline carrier's tracking numbers are random.
		$c 2>&1 | sed -e "s|$2|DB|g" -e 's/92001[0-9]\{17\}/TRACKING/g'
		printf 'exit %s\n' "${PIPESTATUS[0]}"
	done
}

@test "the profit shop worked on PostgreSQL reads as on SQLite, report by report" {
	load profit
	run worked "$BATS_TEST_TMPDIR/sqlite" "$BATS_TEST_TMPDIR/shop.db"
	assert_success
	want=$output
	# Every report ran (attention exits 1 when it lists anything).
	[ "$(printf '%s\n' "$want" | grep -c '^exit [01]$')" = 21 ]
	# An empty database, which oms init makes an oms one.
	pg postgres -c "CREATE DATABASE ${DB}w"
	run worked "$BATS_TEST_TMPDIR/pg" \
	    "host=$PGSOCK user=postgres dbname=${DB}w"
	assert_success
	assert_equal "$output" "$want"
}
