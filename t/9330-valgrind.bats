#!/usr/bin/env bats
# The demo pipeline (share/oms/demo/demo.sh, what make demo runs) under
# valgrind memcheck: every program it runs, and every carrier adapter
# those run, ends with no memory error and no definite leak (issue 13).
# libjq's reference counting and the uninitialised callbacks of STYLE.md
# show only here.  It needs the plain build: ASan and valgrind do not mix.
# Fontconfig's caches are no leaks (t/valgrind.supp).

load helper

need_valgrind() {
	command -v valgrind >/dev/null ||
		skip "valgrind is not installed (make deps installs it)"
	case $OMS_BIN in
	*build-san*) skip "the programs in $OMS_BIN are built with ASan: valgrind runs only the plain build" ;;
	esac
	! grep -q __asan_init "$OMS_BIN/oms" ||
		skip "the programs in $OMS_BIN are built with ASan: valgrind runs only the plain build"
}

@test "the demo pipeline under valgrind runs to its end with no memory error and no definite leak in any process" {
	need_valgrind
	# Each program in vgbin/ is the real one under memcheck, each process
	# logging to vg/PID; the carrier adapters a program starts are traced
	# too.  Status 99 is memcheck's own: an error or a definite leak.
	mkdir vgbin vg
	for p in "$OMS_BIN"/oms*; do
		printf '#!/bin/sh\nexec valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --suppressions=%s --log-file=%s/vg/%%p %s "$@"\n' \
		    "$TOP/t/valgrind.supp" "$BATS_TEST_TMPDIR" "$p" > "vgbin/${p##*/}"
		chmod +x "vgbin/${p##*/}"
	done
	start=$(date +%s)
	run --separate-stderr "$TOP/share/oms/demo/demo.sh" vgbin
	echo "# the demo under valgrind took $(( $(date +%s) - start )) s, $(ls vg | wc -l) processes" >&3
	[ "$status" -eq 0 ] || fail "demo.sh exited $status: $stderr"
	# It ran to its end: the check and the help come last.
	assert_equal "${stderr##*$'\n'}" "oms: database 'demo/oms.db' is consistent"
	assert_line "== oms help"
	assert_line "usage: oms [--db PATH] COMMAND [ARG ...]"
	[ "$(ls vg | wc -l)" -gt 20 ] || fail "only $(ls vg | wc -l) processes ran under valgrind"
	for f in vg/*; do
		[ ! -s "$f" ] || fail "valgrind: $(cat "$f")"
	done
}
