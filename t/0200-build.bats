#!/usr/bin/env bats
# The Makefile: deps does nothing when all is there; install puts every
# part where PREFIX and DESTDIR say.

load helper

@test "make deps does nothing when every package is there" {
	run make -s -C "$TOP" deps
	assert_success
	assert_output ""
}

@test "make install puts programs, pages, adapters and completions under DESTDIR" {
	root="$BATS_TEST_TMPDIR/root"
	run make -s -C "$TOP" install DESTDIR="$root" PREFIX=/usr
	assert_success
	for p in oms oms-import oms-stock oms-return oms-report oms-events oms-events-webhook oms-edi; do
		[ -x "$root/usr/bin/$p" ] || fail "no $p"
		[ -f "$root/usr/share/bash-completion/completions/$p" ] || fail "no bash completion for $p"
		[ -f "$root/usr/share/zsh/vendor-completions/_$p" ] || fail "no zsh completion for $p"
		[ -f "$root/usr/share/fish/vendor_completions.d/$p.fish" ] || fail "no fish completion for $p"
	done
	for m in man1/oms.1 man1/oms-import.1 man1/oms-stock.1 man1/oms-return.1 man1/oms-report.1 man1/oms-events.1 man1/oms-events-webhook.1 man1/oms-edi.1 man5/oms-records.5 man5/oms-channels.5 man7/oms.7; do
		[ -f "$root/usr/share/man/$m" ] || fail "no $m"
	done
	assert_equal "$(ls "$root/usr/share/oms/channels" | sort)" "$(ls "$TOP/share/oms/channels" | sort)"
	# The installed programs run from there, each finding its siblings.
	run "$root/usr/bin/oms" help
	assert_success
	assert_line "  import   capture orders from every channel, exactly once"
}

@test "the demo runs end to end on the bundled data and leaves a consistent database" {
	run --separate-stderr "$TOP/share/oms/demo/demo.sh" "$OMS_BIN"
	assert_success
	assert_line "== oms check"
	assert_line "0 rows the second time"
	assert_line "7 movements applied again: all duplicates, nothing changed"
	# The stream: every change once, handed to the consumer once.
	n=$(sqlite3 demo/oms.db 'SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM movements)')
	assert_line "$n events handed to the consumer erp"
	assert_line "run again: $n events, nothing handed twice"
	[[ "$stderr" == *"oms: database 'demo/oms.db' is consistent"* ]] || fail "$stderr"
	[ -s demo/amazon-price-quantity.txt ]
}

@test "the house: no lib file but the drivers names a database engine, each main is short, each program a verb table" {
	cd "$TOP"
	# The database API is the one seam to the engines (db.h): each is
	# named by its driver alone.
	run grep -lE 'sqlite3|SQLITE_' lib/*.c lib/*.h cmd/*.c
	assert_output "lib/db_sqlite.c"
	run grep -lE 'libpq|PQ[a-z]+\(|PGconn' lib/*.c lib/*.h cmd/*.c
	assert_output "lib/db_pg.c"
	# Every program's main hands its verb table to oms_cli_main.
	for f in cmd/*.c; do
		n=$(awk '/^main\(/ { on = 1 } on { n++ } on && /^}/ { print n; exit }' "$f")
		[ -n "$n" ] && [ "$n" -le 80 ] || fail "$f: main is ${n:-missing} lines"
		grep -q 'oms_cli_main(verbs, argc, argv)' "$f" || [ "$f" = cmd/oms.c ] ||
			fail "$f: no verb table"
	done
	# A small core header, and one per area, each object including
	# only what it uses (the Makefile tracks each object's headers).
	[ "$(wc -l < lib/oms.h)" -lt 250 ] || fail "lib/oms.h is $(wc -l < lib/oms.h) lines"
	for h in import order route ship stock cli db; do
		[ -f "lib/$h.h" ] || fail "no lib/$h.h"
	done
	run grep -l 'struct oms_jq;' lib/*.h
	assert_output "lib/oms.h"
	# No helper copied by hand: one slurp, one all_digits, one col_text.
	run grep -cE '^(slurp|all_digits|col_text)\(' lib/*.c cmd/*.c
	refute_output --regexp ':[1-9]'
}

@test "installed programs find their data beside themselves, wherever the tree is moved" {
	stage="$BATS_TEST_TMPDIR/stage"
	run make -s -C "$TOP" install DESTDIR="$stage" PREFIX=/opt/oms
	assert_success
	# Moved after installing: neither the compiled share directory nor
	# the one it was installed under is there.
	mv "$stage/opt/oms" "$BATS_TEST_TMPDIR/moved"
	rm -r "$stage"
	bin="$BATS_TEST_TMPDIR/moved/bin"
	want=$(oms-import "$FIX/shopify-small.csv" 2>/dev/null)
	[ -n "$want" ]
	unset OMS_PATH
	"$bin/oms" -q --db moved.db init
	run --separate-stderr "$bin/oms-import" --db moved.db "$FIX/shopify-small.csv"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$want"
	# Through the front door too, and with a feed format from share/oms.
	run --separate-stderr "$bin/oms" --db moved.db import "$FIX/shopify-small.csv"
	assert_success
	assert_output ""
	run --separate-stderr "$bin/oms-import" --db moved.db channels
	assert_success
	assert_output "$(OMS_PATH="$TOP/share/oms" oms-import channels)"
}
