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
	for p in oms oms-import oms-stock; do
		[ -x "$root/usr/bin/$p" ] || fail "no $p"
		[ -f "$root/usr/share/bash-completion/completions/$p" ] || fail "no bash completion for $p"
		[ -f "$root/usr/share/zsh/vendor-completions/_$p" ] || fail "no zsh completion for $p"
		[ -f "$root/usr/share/fish/vendor_completions.d/$p.fish" ] || fail "no fish completion for $p"
	done
	for m in man1/oms.1 man1/oms-import.1 man1/oms-stock.1 man5/oms-records.5 man5/oms-channels.5 man7/oms.7; do
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
	[[ "$stderr" == *"oms: database 'demo/oms.db' is consistent"* ]] || fail "$stderr"
	[ -s demo/amazon-price-quantity.txt ]
}
