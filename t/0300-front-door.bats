#!/usr/bin/env bats
# The front door (issue 12): one rule for creating a database, read-only
# databases, --db anywhere, oms help COMMAND, and tests that need
# ../shared skipping without it.

load helper

CAT="$FIX/stock-catalog.jsonl"

# ---- only oms init creates a database ----------------------------------------

@test "only oms init creates a database: every other program refuses a missing one and makes no file" {
	for p in "oms check" "oms status" "oms-import -" "oms-stock -" \
		"oms-stock levels" "oms-stock available" "oms-route -" \
		"oms-route rules show" "oms-ship pick" "oms-report sales"; do
		# shellcheck disable=SC2086
		run --separate-stderr $p --db nosuch.db < /dev/null
		[ "$status" -eq 3 ] || fail "$p: exit $status: $stderr"
		assert_output ""
		assert_equal "$stderr" "${p%% *}: cannot open database 'nosuch.db': No such file or directory (oms init creates it)"
		[ ! -e nosuch.db ] || fail "$p made nosuch.db"
	done
	run --separate-stderr oms init --db nosuch.db
	assert_success
	assert_equal "$stderr" "oms: database 'nosuch.db' is at schema $SCHEMA (was 0)"
}

# ---- read-only databases -----------------------------------------------------

# A database with a catalog in it, in directory shop/ of its own; the
# reads a read-only copy must answer alike are taken down while it can
# be written.
shop() {
	mkdir shop
	export OMS_DB="$PWD/shop/oms.db"
	oms -q init
	OMS_NOW=2026-11-01T09:00:00Z oms-stock "$CAT" > /dev/null
	oms-stock levels > levels.want
	oms-stock available > available.want
	oms-stock export-catalog > catalog.want
	[ -s available.want ] && [ -s catalog.want ]
}

# Every read of $1 (the database or its directory) made read-only works
# as on the writable file; every write fails with status 3, saying why
# ($2), and leaves the file as it was.
reads_not_writes() {
	local ro=$1 why=$2 sum
	sum=$(cksum < "$OMS_DB")
	# The catalog lists amazon, whose stock feed was never sent.
	run --separate-stderr run_readonly "$ro" oms status
	assert_failure 1
	assert_output '{"type":"attention","kind":"feed_not_sent","channel":"amazon","reason":"no stock feed sent yet"}'
	assert_equal "$stderr" ""
	run --separate-stderr run_readonly "$ro" oms check
	assert_success
	assert_equal "$stderr" "oms: database '$OMS_DB' is consistent"
	for v in levels available export-catalog; do
		run --separate-stderr run_readonly "$ro" oms-stock "$v"
		assert_success
		assert_equal "$stderr" ""
		assert_output "$(cat "${v#export-}.want")"
	done
	run --separate-stderr run_readonly "$ro" oms-stock "$CAT"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-stock: database '$OMS_DB' is read-only: cannot store a location ($why)"
	run --separate-stderr run_readonly "$ro" oms-import "$FIX/shopify-small.csv"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-import: database '$OMS_DB' is read-only: cannot store an order ($why)"
	assert_equal "$(cksum < "$OMS_DB")" "$sum"
}

@test "a read-only database file is read as usual; a write says the database is read-only" {
	skip_on_pg "read-only files are SQLite's"
	need_readonly
	shop
	reads_not_writes "$OMS_DB" "the file is not writable"
}

@test "a database in a read-only directory is read as usual; a write says the database is read-only" {
	skip_on_pg "read-only files are SQLite's"
	need_readonly
	shop
	reads_not_writes shop "its directory is not writable"
	[ ! -e shop/oms.db-wal ] && [ ! -e shop/oms.db-shm ]
}

@test "a read-only database an older oms made is not migrated: oms says where to run oms init" {
	skip_on_pg "read-only files are SQLite's"
	need_readonly
	mkdir shop
	export OMS_DB="$PWD/shop/oms.db"
	oms -q init
	sqlite3 "$OMS_DB" "PRAGMA user_version = 6"
	run --separate-stderr run_readonly shop oms status
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms: database '$OMS_DB' is read-only (its directory is not writable) and at schema 6, older than this oms needs ($SCHEMA): run oms init where it can be written"
	assert_equal "$(sqlite3 "$OMS_DB" 'PRAGMA user_version')" "6"
}

# ---- --db anywhere, oms help COMMAND -----------------------------------------

@test "--db goes before or after a built-in command of oms" {
	skip_on_pg "the databases here are files, made and removed"
	rm "$OMS_DB"
	for args in "init --db a.db" "--db b.db init" "-q init --db c.db" "init -q --db d.db"; do
		# shellcheck disable=SC2086
		run --separate-stderr oms $args
		assert_success
		assert_output ""
	done
	for db in a b c d; do
		assert_equal "$(sqlite3 $db.db 'PRAGMA user_version')" "$SCHEMA"
	done
	[ ! -e "$OMS_DB" ]
	run --separate-stderr oms check --db a.db
	assert_success
	assert_equal "$stderr" "oms: database 'a.db' is consistent"
	run --separate-stderr oms status --recent 1d --db b.db
	assert_success
	assert_output ""
	run --separate-stderr oms init --db
	assert_failure 2
	assert_equal "$stderr" "oms: option '--db' requires an argument
usage: oms [-q] [--db PATH] init"
	run --separate-stderr oms check --bogus
	assert_failure 2
	assert_equal "$stderr" "oms: unrecognized option '--bogus'
usage: oms [-q] [--db PATH] check"
}

@test "oms help COMMAND prints a built-in's usage, and an oms-* program's --help, on stdout with status 0" {
	while IFS='|' read -r cmd want; do
		run --separate-stderr oms help "$cmd"
		assert_success
		assert_equal "$stderr" ""
		assert_output "$want"
	done <<'TABLE'
init|usage: oms [-q] [--db PATH] init
check|usage: oms [-q] [--db PATH] check
status|usage: oms [-q] [--db PATH] status [--older-than TIME] [--recent TIME]
version|usage: oms version
help|usage: oms help [COMMAND]
TABLE
	for p in import stock route ship report; do
		run --separate-stderr oms help "$p"
		assert_success
		assert_equal "$stderr" ""
		assert_output "$(oms-$p --help)"
	done
	run --separate-stderr oms status --help
	assert_success
	assert_output "usage: oms [-q] [--db PATH] status [--older-than TIME] [--recent TIME]"
	run --separate-stderr oms help nosuch
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms: no help for 'nosuch': not an oms command; see 'oms help'"
	run --separate-stderr oms help init check
	assert_failure 2
	assert_equal "$stderr" "usage: oms help [COMMAND]"
}

# ---- tests that need ../shared ----------------------------------------------

@test "without ../shared the tests that read it skip, saying so" {
	run env OMS_SAMPLES=/nonexistent bats --tap \
		--filter 'the real 17-column export' "$TOP/t/2500-stock-catalog.bats"
	assert_success
	assert_output "1..1
ok 1 import-shopify-inventory: the real 17-column export, counts, warnings by line, idempotent # skip no sample exports in /nonexistent (../shared/samples; set OMS_SAMPLES)"
	# 3100-route-cli.bats routes 2,000 orders before any test: its
	# skip_without_geo, alone.
	mkdir t
	printf '%s\n' "load $TOP/t/helper" '@test "geo" {' skip_without_geo false '}' > t/geo.bats
	run env OMS_GEO=/nonexistent OMS_BIN="$OMS_BIN" bats --tap t/geo.bats
	assert_success
	assert_output "1..1
ok 1 geo # skip no postal code data in /nonexistent (../shared/geo; set OMS_GEO)"
}

@test "every test that reads ../shared asks for it first" {
	# A test naming the samples (or a name made from them) or the
	# postal data, without skip_without_samples or skip_without_geo before it reads.
	check=$(cat <<'AWK'
/^[A-Z0-9_]+=.*\$OMS_SAMPLES/ && !/OMS_GEO/ { split($0, v, "="); vars = vars "|\\$\\{?" v[1] "([^A-Za-z0-9_]|$)" }
/^@test / { name = $0; asked = ""; next }
name != "" && /^\tskip_without_(samples|geo)$/ { asked = asked $1; next }
name != "" && /^}$/ { name = ""; next }
name == "" { next }
$0 ~ ("\\$OMS_SAMPLES" vars) && asked !~ /skip_without_samples/ { print FILENAME ": " name; name = "" }
/\$\{?(OMS_)?GEO([^A-Za-z0-9_]|$)/ && asked !~ /skip_without_geo/ { print FILENAME ": " name; name = "" }
AWK
)
	run awk "$check" "$TOP"/t/[1-9]*.bats
	assert_success
	assert_output ""
	# The check finds such a test without its skip_without_samples.
	sed '/^\tskip_without_/d' "$TOP/t/2500-stock-catalog.bats" > before.bats
	run awk "$check" before.bats
	assert_output "before.bats: @test \"import-shopify-inventory: the real 17-column export, counts, warnings by line, idempotent\" {"
}

@test "the completions of bash, zsh and fish offer built-ins after oms help, and --db after a built-in" {
	comp() {	# the bash completion of the words "$@", the last being completed
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_oms oms "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/oms" "$@"
	}
	run comp "$OMS_BIN/oms" help ""
	assert_success
	assert_output "$(printf '%s\n' init check status purge-customer migrate version help carrier-offline edi events events-webhook import payment-ledger report return route ship stock tax-table)"
	run comp "$OMS_BIN/oms" help s
	assert_output "$(printf '%s\n' status ship stock)"
	run comp oms init --d
	assert_output "--db"
	run comp oms status --
	assert_output "$(printf '%s\n' --db --help --quiet --older-than --recent)"
	grep -q "builtins=(init check status purge-customer migrate version help)" "$TOP/completions/zsh/_oms"
	grep -q "^    init|check)$" "$TOP/completions/zsh/_oms"
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -c "source $TOP/completions/fish/oms.fish; complete -C 'oms help i'"
	assert_output "import	Capture orders from every channel
init	Built-in command"
	run fish -c "source $TOP/completions/fish/oms.fish; complete -C 'oms check --d'"
	assert_output "--db	Use this database file"
}

@test "the completions of oms-report: its verbs, each verb's --by, --format, and no option a verb refuses" {
	comp() {	# the bash completion of the words "$@", the last being completed
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_oms_report oms-report "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/oms-report" "$@"
	}
	run comp oms-report ""
	assert_output "$(printf '%s\n' orders order attention sales returns fulfilment inventory movements reorder profit fees journal sales-orders item-fulfilments)"
	run comp oms-report sales --by ""
	assert_output "$(printf '%s\n' day week month all)"
	run comp oms-report returns --by ""
	assert_output "$(printf '%s\n' channel sku reason)"
	run comp oms-report fulfilment --by ""
	assert_output "$(printf '%s\n' location channel)"
	run comp oms-report profit --by ""
	assert_output "$(printf '%s\n' channel sku)"
	run comp oms-report journal --format ""
	assert_output "$(printf '%s\n' json qbo xero)"
	# Each verb's options are those it takes: the program's help lists
	# them all, less the filters its report refuses.
	for v in orders order attention sales returns fulfilment inventory movements reorder profit fees journal sales-orders item-fulfilments; do
		want=$(oms-report "$v" --help | sed -n 's/^ *\(-h, \)\{0,1\}\(--[a-z-]*\).*/\2/p' | sort)
		case $v in
		inventory | reorder) want=$(grep -vx -e --from -e --to <<<"$want") ;;
		movements) want=$(grep -vx -e --channel <<<"$want") ;;
		profit | fees) want=$(grep -vx -e --location <<<"$want") ;;
		journal) want=$(grep -vx -e --location -e --sku <<<"$want") ;;
		sales-orders) want=$(grep -vx -e --location <<<"$want") ;;
		esac
		run comp oms-report "$v" --
		assert_equal "$(sort <<<"$output" | grep -v -e --version)" "$want"
	done
	zsh -n "$TOP/completions/zsh/_oms-report"
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -c "source $TOP/completions/fish/oms-report.fish; complete -C 'oms-report sales --by '"
	assert_output "$(printf '%s\tThe period of a row\n' all day month week)"
	run fish -c "source $TOP/completions/fish/oms-report.fish; complete -C 'oms-report movements --c'"
	assert_output "--csv	CSV with a header line"
}
