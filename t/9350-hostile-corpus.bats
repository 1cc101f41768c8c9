#!/usr/bin/env bats
# Issue 13: the hostile corpus.  Each case of t/hostile/MANIFEST is an
# input that once crashed, hung, lost or doubled something, with what must
# happen to it now; this runs every case on a fresh database and says
# which ones do not hold.

load helper

H="$TOP/t/hostile"
R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

# ---- large inputs, made rather than kept -----------------------------------

big_field() {	# a Shopify export whose first order's Name is 10 MB long
	local row
	head -1 "$FIX/shopify-small.csv" > "$1"
	row=$(sed -n 2p "$FIX/shopify-small.csv")
	{
		printf '%s' "${row%%,*}"
		head -c 10485760 /dev/zero | tr '\0' 7
		printf ',%s\n' "${row#*,}"
	} >> "$1"
}

many_skus() {	# one canonical order of 100 lines, each its own SKU
	local lines='' i
	for i in $(seq 1 100); do
		lines="$lines${lines:+,}{\"sku\":\"S$i\",\"qty\":1,\"unit_price\":\"1.00\"}"
	done
	printf '{"type":"order","channel":"web","external_id":"many","status":"open","placed_at":"2026-11-26T10:00:00Z","currency":"USD","ship_to":{"name":"A B","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"payment":{"status":"paid"},"lines":[%s]}\n' \
		"$lines" > "$1"
}

setup_route() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	echo '{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r-A"}' |
		oms-stock >/dev/null
	echo '{"type":"order","channel":"web","external_id":"1","status":"open","placed_at":"2026-11-26T10:00:00Z","currency":"USD","ship_to":{"name":"A B","address1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"},"payment":{"status":"paid"},"lines":[{"sku":"A","qty":1,"unit_price":"10.00"}]}' |
		oms-import --channel oms >/dev/null
}

# argv from a line's words: @F is the corpus file, %F a made one.
words() {
	local w
	argv=()
	for w in $1; do
		case $w in
		@*) argv+=("$H/${w#@}") ;;
		%*) argv+=("$work/${w#%}") ;;
		*) argv+=("$w") ;;
		esac
	done
}

# Run one case from its block of lines; print what does not hold.
one_case() {
	local name=$1 block=$2 key val status='' re_err='' re_out='' pending=''
	local -a envs=() argv=()
	work="$BATS_TEST_TMPDIR/$name"
	mkdir -p "$work"
	if on_pg; then
		OMS_DB=$(pg_new_db hostile) || return 1
		export OMS_DB
	else
		export OMS_DB="$work/oms.db"
	fi
	(
		cd "$work" || exit 1
		oms -q init || { echo "$name: oms init failed"; exit 1; }
		while IFS= read -r line; do
			key=${line%% *} val=${line#* }
			case $key in
			env) for e in $val; do export "${e?}"; done ;;
			setup) setup_route ;;
			gen) "${val%% *}" "$work/${val#* }" ;;
			before)
				words "$val"
				"${argv[@]}" >/dev/null 2>"$work/before.err" ||
					{ echo "$name: before '$val' failed: $(cat "$work/before.err")"; exit 1; } ;;
			run) words "$val"
				timeout 60 "${argv[@]}" >"$work/out" 2>"$work/err"
				echo $? >"$work/status" ;;
			status) status=$val ;;
			stderr) re_err=$val ;;
			stdout) re_out=$val ;;
			pending) pending=$val ;;
			esac
		done <<<"$block"
		got=$(cat "$work/status")
		err=$(cat "$work/err") out=$(cat "$work/out")
		[ "$got" = "$status" ] ||
			echo "$name: exit $got, not $status: $err"
		[ -z "$re_err" ] || [[ $err =~ $re_err ]] ||
			echo "$name: stderr does not match /$re_err/: $err"
		[ -z "$re_out" ] || [[ $out =~ $re_out ]] ||
			echo "$name: stdout does not match /$re_out/: ${out:0:300}"
		if [ -n "$pending" ]; then
			n=$(sqlite3 "$OMS_DB" "SELECT count(*) FROM orders o WHERE status IN ('open', 'pending') AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.order_id = o.id)")
			[ "$n" = "$pending" ] ||
				echo "$name: $n orders left unrouted, not $pending"
		fi
		oms check >/dev/null 2>"$work/check" ||
			echo "$name: oms check: $(cat "$work/check")"
	)
}

@test "the hostile corpus: every case in t/hostile/MANIFEST comes out as it says" {
	local name='' block='' failures='' n=0 line
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		'#'*) continue ;;
		'') [ -n "$name" ] && { failures+=$(one_case "$name" "$block"); n=$((n + 1)); }
			name='' block=''; continue ;;
		'case '*) name=${line#case } ;;
		esac
		block+="$line"$'\n'
	done < "$H/MANIFEST"
	[ -n "$name" ] && { failures+=$(one_case "$name" "$block"); n=$((n + 1)); }
	echo "# $n hostile cases" >&3
	[ "$n" -ge 18 ] || fail "only $n cases read"
	[ -z "$failures" ] || fail "$failures"
}

@test "every file in t/hostile is a case's input" {
	local f
	for f in "$TOP"/t/hostile/*; do
		[ "${f##*/}" = MANIFEST ] && continue
		grep -q "@${f##*/}\( \|$\)" "$TOP/t/hostile/MANIFEST" ||
			fail "${f##*/} is in no case"
	done
}
