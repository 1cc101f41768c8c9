#!/usr/bin/env bats
# oms: the dispatcher and its built-in commands.

load helper

@test "oms with no command prints usage and exits 2" {
	run --separate-stderr oms
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "usage: oms [-q] [--db PATH] init
       oms [-q] [--db PATH] check
       oms [-q] [--db PATH] status [--older-than TIME] [--recent TIME]
       oms [-q] [--db PATH] purge-customer [-n] [--labels DIR] [--slips DIR] [--mail DIR] EMAIL | --order ORDER
       oms [-q] [--db PATH] migrate --to DATABASE
       oms version
       oms help [COMMAND]
       oms [--db PATH] COMMAND [ARG ...]"
}

@test "oms with an unknown option exits 2" {
	run --separate-stderr oms --bogus
	assert_failure 2
	[[ "${stderr_lines[-1]}" == "       oms [--db PATH] COMMAND [ARG ...]" ]]
}

@test "oms version names the version and the schema" {
	run --separate-stderr oms version
	assert_success
	assert_output --regexp '^oms [0-9]+\.[0-9]+\.[0-9]+ \(schema [0-9]+, SQLite 3\.[0-9.]+, cJSON [0-9.]+\)$'
	assert_equal "$stderr" ""
}

@test "oms --version prints the version alone" {
	run oms --version
	assert_success
	assert_output --regexp '^oms [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "oms help lists the built-ins and the programs that exist" {
	run --separate-stderr oms help
	assert_success
	assert_line --index 0 "usage: oms [--db PATH] COMMAND [ARG ...]"
	assert_line "  init     create or upgrade the database"
	assert_line "  check    check the database for consistency"
	for p in "$OMS_BIN"/oms-*; do
		[ -x "$p" ] || continue
		name=${p##*/oms-}
		assert_line --regexp "^  $name +[a-z]"
	done
}

@test "oms runs oms-NAME from PATH with its arguments untouched" {
	mkdir bin
	printf '#!/bin/sh\nfor a in "$@"; do printf "<%%s>\\n" "$a"; done\necho "db=$OMS_DB"\n' > bin/oms-hello
	chmod +x bin/oms-hello
	PATH="$PWD/bin:$PATH" run --separate-stderr oms --db x.db hello 'a b' '$(id)' ';' '*'
	assert_success
	assert_output "$(printf '<a b>\n<$(id)>\n<;>\n<*>\ndb=x.db')"
}

@test "oms prefers the program beside itself to one on PATH" {
	mkdir bin other
	cp "$OMS_BIN/oms" bin/oms
	printf '#!/bin/sh\necho beside\n' > bin/oms-hello
	printf '#!/bin/sh\necho on-path\n' > other/oms-hello
	chmod +x bin/oms-hello other/oms-hello
	PATH="$PWD/other:$PATH" run ./bin/oms hello
	assert_success
	assert_output "beside"
}

@test "oms passes the exit status of the program through" {
	mkdir bin
	printf '#!/bin/sh\nexit 4\n' > bin/oms-busy
	chmod +x bin/oms-busy
	PATH="$PWD/bin:$PATH" run oms busy
	assert_failure 4
}

@test "an unknown command is a usage error" {
	run --separate-stderr oms frobnicate
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms: 'frobnicate' is not an oms command; see 'oms help'"
}

@test "a command name cannot climb out of the search path" {
	mkdir -p bin sub
	printf '#!/bin/sh\necho escaped\n' > oms-x
	chmod +x oms-x
	run --separate-stderr oms ../oms-x
	assert_failure 2
	assert_equal "$stderr" "oms: '../oms-x' is not an oms command; see 'oms help'"
}

@test "oms init creates the database mode 0600 at the current schema" {
	skip_on_pg "file modes and the WAL journal are SQLite's"
	rm "$OMS_DB"
	run --separate-stderr oms init
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms: database '$OMS_DB' is at schema $SCHEMA (was 0)"
	assert_equal "$(stat -c %a "$OMS_DB")" "600"
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version')" "$SCHEMA"
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA journal_mode')" "wal"
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA application_id')" "$APP_ID"
}

@test "oms init twice is harmless" {
	oms init 2>/dev/null
	sqlite3 "$OMS_DB" "INSERT INTO events (at, program, action) VALUES ('2026-01-01T00:00:00Z', 't', 'keep')"
	run --separate-stderr oms init
	assert_success
	assert_equal "$stderr" "oms: database '$OMS_DB' is up to date (schema $SCHEMA)"
	assert_equal "$(sqlite3 "$OMS_DB" 'SELECT action FROM events')" "keep"
}

@test "--db beats \$OMS_DB, which beats ./oms.db" {
	skip_on_pg "the databases here are files, made and removed"
	rm "$OMS_DB"
	oms --db a.db init 2>/dev/null
	[ -f a.db ] && [ ! -f "$OMS_DB" ]
	oms init 2>/dev/null
	[ -f "$OMS_DB" ]
	unset OMS_DB
	oms -q init
	[ -f ./oms.db ]
}

@test "oms -q init is silent" {
	run oms -q init
	assert_success
	assert_output ""
}

@test "oms check on a clean database" {
	oms init 2>/dev/null
	run --separate-stderr oms check
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms: database '$OMS_DB' is consistent"
}

@test "oms check names every problem and exits 1" {
	oms init 2>/dev/null
	sqlite3 "$OMS_DB" <<'SQL'
INSERT INTO orders (id, channel, external_id, status, imported_at, updated_at, currency, digest, record)
VALUES (7, 'shopify', '#1001', 'open', 'x', 'x', 'usd', 'd', '{}'),
       (8, 'shopify', '#1002', 'hold', 'x', 'x', 'USD', 'd', '{}');
SQL
	run --separate-stderr oms check
	assert_failure 1
	assert_output "$(printf '%s\n' \
		"order-lines: order o_7 (shopify #1001) has no lines" \
		"hold-reasons: order o_8 is on hold with no reason" \
		"order-currency: order o_7 has currency 'usd'")"
	assert_equal "$stderr" "oms: database '$OMS_DB': 3 problems"
}

@test "oms check finds a line with no order behind it" {
	oms init 2>/dev/null
	sqlite3 "$OMS_DB" "PRAGMA foreign_keys=OFF; INSERT INTO order_lines (order_id, line_no, qty) VALUES (42, 1, 0)"
	run --separate-stderr oms check
	assert_failure 1
	# PostgreSQL keeps its foreign keys itself, and oms check leaves
	# them to it: only SQLite's check names the line.
	if on_pg; then
		assert_output "line-quantity: order o_42 line 1 has quantity 0"
	else
		assert_output "$(printf '%s\n' \
			"foreign-keys: row 1 of order_lines points at a missing row of orders" \
			"line-quantity: order o_42 line 1 has quantity 0")"
	fi
}

@test "oms check on a missing database says how to make one" {
	skip_on_pg "the database is a file, removed"
	rm "$OMS_DB"
	run --separate-stderr oms check
	assert_failure 3
	assert_equal "$stderr" "oms: cannot open database '$OMS_DB': No such file or directory (oms init creates it)"
	[ ! -e "$OMS_DB" ]
}

@test "oms check on a file that is not a database" {
	skip_on_pg "about SQLite files"
	echo "hello" > "$OMS_DB"
	run --separate-stderr oms check
	assert_failure 3
	assert_equal "$stderr" "oms: database '$OMS_DB' is not an oms database: not a SQLite file"
}

@test "oms help COMMAND runs the command's --help" {
	mkdir bin
	printf '#!/bin/sh\necho "help for $1"\n' > bin/oms-hello
	chmod +x bin/oms-hello
	PATH="$PWD/bin:$PATH" run oms help hello
	assert_success
	assert_output "help for --help"
}

@test "every program prints its help on stdout with exit 0 for --help and -h, before or after a verb; a mistake is said, then the usage on stderr with 2" {
	for p in oms-import oms-stock oms-route oms-ship oms-return oms-report oms-carrier-offline oms-payment-ledger; do
		run --separate-stderr "$p" --bogus-option
		[ "$status" -eq 2 ] || fail "$p --bogus-option: exit $status"
		assert_output ""
		[[ ${stderr_lines[0]} == "$p: --bogus-option is not an option of $p"* ]] || fail "$p: no reason first: $stderr"
		usage=$(sed -n '2,$p' <<<"$stderr")
		[[ $usage == usage:* ]] || fail "$p: no usage on stderr: $stderr"
		for h in --help -h; do
			run --separate-stderr "$p" $h
			[ "$status" -eq 0 ] || fail "$p $h: exit $status"
			assert_equal "$stderr" ""
			# The synopsis, a line per verb and option, the manual.
			assert_equal "$(head -n "$(wc -l <<<"$usage")" <<<"$output")" "$usage"
			assert_line --regexp '^  -h, --help +this help, on stdout$'
			assert_line "See $p(1)."
		done
	done
	for v in "oms-import release" "oms-import cancel" "oms-stock levels" "oms-ship confirm" "oms-route geo load" "oms-return inspect" "oms-report sales"; do
		# shellcheck disable=SC2086
		run --separate-stderr $v --help
		[ "$status" -eq 0 ] || fail "$v --help: exit $status: $stderr"
		assert_equal "$stderr" ""
		assert_line --index 0 --regexp "^usage: $v "
		assert_line "See ${v%% *}(1)."
	done
	# The usage of a full disk is a write error, not a lost help.
	run --separate-stderr sh -c 'oms-import --help > /dev/full'
	assert_failure 3
	assert_equal "$stderr" "oms-import: write error: No space left on device"
}

@test "output to a full disk fails with status 3" {
	run --separate-stderr sh -c 'oms help > /dev/full'
	assert_failure 3
	assert_equal "$stderr" "oms: write error: No space left on device"
	run --separate-stderr sh -c 'oms version > /dev/full'
	assert_failure 3
}

@test "a verb is found wherever it stands among the options; after -- it is a file; another verb's option is named" {
	oms init 2>/dev/null
	for args in "--db $OMS_DB levels" "levels --db $OMS_DB" "--db=$OMS_DB levels --sku X"; do
		# shellcheck disable=SC2086
		run --separate-stderr oms-stock $args
		assert_success
		assert_equal "$stderr" ""
	done
	# An option that takes a value takes the next word, even a verb's name.
	run --separate-stderr oms-import --channel release nosuch.csv
	assert_failure 2
	assert_equal "$stderr" "oms-import: unknown channel 'release' (oms-import channels lists them)"
	run --separate-stderr oms-stock -- levels
	assert_failure 1
	assert_equal "$stderr" "oms-stock: cannot open 'levels': No such file or directory"
	run --separate-stderr oms-stock levels --full
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-stock: --full is not an option of oms-stock levels"
	run --separate-stderr oms-stock feed --channel
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-stock: --channel needs a value"
	run --separate-stderr oms-ship --carrier offline --labels l --dpi 150 </dev/null
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-ship: --dpi must be 203 or 300"
	run --separate-stderr oms-import hold o_1
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-import: hold needs --reason"
}

@test "a value given to an option that takes none is said so, not called an unknown option" {
	run --separate-stderr oms-stock --quiet=1
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-stock: --quiet takes no value"
	run --separate-stderr oms-stock levels --help=x
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-stock: --help takes no value"
	run --separate-stderr oms-stock feed --full=x --channel a
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-stock: --full takes no value"
	run --separate-stderr oms-stock levels --nope=x
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-stock: --nope is not an option of oms-stock levels"
}

@test "a program with no default verb does not name a verb it was not given" {
	run --separate-stderr oms-carrier-offline -q
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-carrier-offline: -q is not an option of oms-carrier-offline"
	run --separate-stderr oms-carrier-offline --db x
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-carrier-offline: --db is not an option of oms-carrier-offline"
	run --separate-stderr oms-carrier-offline track --db x
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "oms-carrier-offline: --db is not an option of oms-carrier-offline track"
}

@test "an abbreviated option that takes a value takes the next word, as the whole name does, even a verb's name" {
	for opt in --channel --chan; do
		run --separate-stderr oms-import $opt release nosuch.csv
		assert_failure 2
		assert_equal "$stderr" "oms-import: unknown channel 'release' (oms-import channels lists them)"
	done
}
