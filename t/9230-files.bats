#!/usr/bin/env bats
# Files oms writes (issue 13, defects 5 and 9, and the mail line length
# of 10): labels, slips, mail, pick lists, rejects and the database are
# never written through a symbolic link planted at their name, nor over a
# device, fifo or directory; the old guessable temporary name does
# nothing; what holds names and addresses is born 0600; a carrier account
# file others can read is said; an adapter's words are quoted redacted;
# no line of a mail file passes 998 octets.

load helper

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z

setup_ship() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":50,"key":"r1"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
EOF
}

# order EXT [NAME]: one line of A, to Zoe in New York.
order() {
	jq -nc --arg e "$1" --arg n "${2:-Zoe Miller}" '{type:"order",external_id:$e,currency:"USD",customer:{email:"zoe@example.com"},ship_to:{name:$n,address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US",phone:"+1 212 555 0199"},lines:[{line_id:"L1",sku:"A",qty:1,unit_price:"10.00"}]}' |
	    oms-import --channel oms >/dev/null
}

# The tracking number the shipment of alloc.jsonl gets, found by shipping
# it once on a copy of the database (oms migrate keeps the ids and the
# instance name that the request id is made of), which is then dropped.
tracking_of_alloc() {
	local copy
	copy=$(copy_db probe) || return 1
	OMS_DB=$copy oms-ship --carrier offline --labels probe alloc.jsonl |
		jq -r .tracking
	rm -rf probe "$BATS_TEST_TMPDIR"/probe.db*
}

mode() {
	stat -c %a "$1"
}

@test "a symbolic link planted at a label's name is not followed: exit 3, the file it names unchanged, nothing recorded" {
	setup_ship
	order 1001
	oms-route --pending > alloc.jsonl
	t=$(tracking_of_alloc)
	[ ${#t} -ge 6 ]
	echo precious > victim
	mkdir labels
	ln -s ../victim "labels/$t.zpl"
	run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-ship: cannot write 'labels/$t.zpl': it is a symbolic link, not a regular file; left as it is, nothing written"
	assert_equal "$(cat victim)" "precious"
	[ -L "labels/$t.zpl" ]
	assert_equal "$(readlink "labels/$t.zpl")" "../victim"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" 0
	# Nothing was left behind in the directory but the link.
	assert_equal "$(ls -A labels)" "$t.zpl"
	# The link gone, the next run writes the same label.
	rm "labels/$t.zpl"
	run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$(jq -r .tracking <<<"$output")" "$t"
	[ -f "labels/$t.zpl" ] && [ ! -L "labels/$t.zpl" ]
	assert_equal "$(cat victim)" "precious"
}

@test "a symbolic link at the old guessable temporary name (.NAME.PID.tmp) does nothing" {
	setup_ship
	order 1001
	oms-route --pending > alloc.jsonl
	t=$(tracking_of_alloc)
	echo precious > victim
	mkdir labels
	# The program runs with this shell's pid: exec keeps it.
	run --separate-stderr sh -c 'ln -s ../victim "labels/.$1.zpl.$$.tmp" &&
	    ln -s ../victim "labels/.$1.pdf.$$.tmp" &&
	    exec oms-ship --carrier offline --labels labels alloc.jsonl' sh "$t"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(cat victim)" "precious"
	[ -f "labels/$t.zpl" ] && [ ! -L "labels/$t.zpl" ]
	[ -f "labels/$t.pdf" ] && [ ! -L "labels/$t.pdf" ]
	head -c 3 "labels/$t.zpl" | grep -qx '\^XA'
	# And a pick list's.
	order 1002
	oms-route --pending >/dev/null
	run --separate-stderr sh -c 'ln -s victim ".pick.pdf.$$.tmp" &&
	    exec oms-ship pick --pdf pick.pdf'
	assert_success
	assert_equal "$(cat victim)" "precious"
	[ -f pick.pdf ] && [ ! -L pick.pdf ]
	assert_equal "$(head -c 5 pick.pdf)" "%PDF-"
}

@test "a pick list's name that is a link, a fifo, a directory or a device is refused at once and no wave is made" {
	setup_ship
	order 1001
	oms-route --pending >/dev/null
	echo precious > victim
	ln -s victim link.pdf
	mkfifo fifo.pdf
	mkdir dir.pdf
	for f in link.pdf:"a symbolic link" fifo.pdf:"a fifo" dir.pdf:"a directory"; do
		run --separate-stderr timeout 10 oms-ship pick --pdf "${f%%:*}"
		assert_failure 3
		assert_output ""
		assert_equal "$stderr" "oms-ship: cannot write '${f%%:*}': it is ${f#*:}, not a regular file; left as it is, nothing written"
	done
	assert_equal "$(cat victim)" "precious"
	[ -L link.pdf ] && [ -p fifo.pdf ] && [ -d dir.pdf ]
	assert_equal "$(ls -A dir.pdf)" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM waves")" 0
	if [ "$(id -u)" = 0 ]; then
		# As root a rename would replace a device: /dev/full's own numbers.
		mknod full.pdf c 1 7
		run --separate-stderr oms-ship pick --pdf full.pdf
		assert_failure 3
		assert_equal "$stderr" "oms-ship: cannot write 'full.pdf': it is a character device, not a regular file; left as it is, nothing written"
		[ -c full.pdf ]
	fi
	# An absolute path in / is a path like another.
	run --separate-stderr oms-ship pick --pdf "$PWD/pick.pdf"
	assert_success
	[ -f pick.pdf ]
}

@test "a packing slip's name that is a link is not followed: the shipment stands, the slip is named" {
	setup_ship
	order 1001
	oms-route --pending > alloc.jsonl
	echo precious > victim
	mkdir slips
	ln -s ../victim slips/s_1.pdf
	run --separate-stderr oms-ship --carrier offline --labels labels --slips slips alloc.jsonl
	assert_success
	assert_equal "$(jq -r .id <<<"$output")" s_1
	assert_equal "$stderr" "oms-ship: s_1: no packing slip: cannot write 'slips/s_1.pdf': it is a symbolic link, not a regular file; left as it is, nothing written"
	assert_equal "$(cat victim)" "precious"
	[ -L slips/s_1.pdf ]
}

@test "a mail file's name that is a link is not followed: exit 3, the message stays due" {
	setup_ship
	order 1001
	oms-route --pending | oms-ship --carrier offline --labels labels >/dev/null
	echo precious > victim
	mkdir mail
	ln -s ../victim mail/s_1-shipped.eml
	run --separate-stderr oms-ship notify --mail mail --from shop@example.com
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-ship: cannot write 'mail/s_1-shipped.eml': it is a symbolic link, not a regular file; left as it is, nothing written"
	assert_equal "$(cat victim)" "precious"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM notifications")" 0
	rm mail/s_1-shipped.eml
	run --separate-stderr oms-ship notify --mail mail --from shop@example.com
	assert_success
	assert_equal "$(sed -n 2p mail/s_1-shipped.eml)" "To: zoe@example.com"
}

@test "a rejects file that is a link, a fifo, a directory or a hard link is refused before anything is read; one that is there is appended to" {
	echo precious > victim
	ln -s victim rej.jsonl
	mkfifo fifo.jsonl
	mkdir dir.jsonl
	bad='{"type":"movement","kind":"receive","sku":"NOPE","location":"X","qty":1,"key":"k"}'
	for f in rej.jsonl:"a symbolic link" fifo.jsonl:"a fifo" dir.jsonl:"a directory"; do
		run --separate-stderr timeout 10 oms-stock --rejects "${f%%:*}" <<<"$bad"
		assert_failure 3
		assert_output ""
		assert_equal "$stderr" "oms-stock: cannot write '${f%%:*}': it is ${f#*:}, not a regular file; left as it is, nothing written"
	done
	# A hard link to another file is not appended to either.
	ln victim hard.jsonl
	run --separate-stderr oms-stock --rejects hard.jsonl <<<"$bad"
	assert_failure 3
	assert_equal "$stderr" "oms-stock: cannot write 'hard.jsonl': it has 2 names (hard links), so it may be another file; left as it is, nothing written"
	assert_equal "$(cat victim)" "precious"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM movements")" 0
	# A new one is born 0600 under umask 022; a second run appends.
	umask 022
	run --separate-stderr oms-stock --rejects new.jsonl <<<"$bad"
	assert_failure 1
	run --separate-stderr oms-stock --rejects new.jsonl <<<"$bad"
	assert_failure 1
	assert_equal "$(mode new.jsonl)" 600
	assert_equal "$(wc -l < new.jsonl)" 2
}

@test "a database path that is a link to nothing is not created through" {
	skip_on_pg "the database is a file, the path a link to it"
	ln -s "$BATS_TEST_TMPDIR/elsewhere.db" link.db
	run --separate-stderr oms --db link.db init
	assert_failure 3
	assert_equal "$stderr" "oms: cannot create database 'link.db': it is a symbolic link to nothing; not followed"
	[ ! -e elsewhere.db ]
	# One the operator made to a database there is followed.
	ln -s "$OMS_DB" good.db
	run --separate-stderr oms --db good.db check
	assert_success
}

@test "a label directory linked from a shared sticky directory by another user is not followed; the operator's own link is" {
	[ "$(id -u)" = 0 ] || skip "making a link another user owns needs root"
	setup_ship
	order 1001
	oms-route --pending > alloc.jsonl
	mkdir -m 1777 shared target
	ln -s ../target shared/labels
	chown -h nobody shared/labels
	run --separate-stderr oms-ship --carrier offline --labels shared/labels alloc.jsonl
	assert_failure 3
	assert_equal "$stderr" "oms-ship: cannot write 'shared/labels': 'shared/labels' is a symbolic link in the shared directory 'shared', owned by another user (uid 65534); not followed"
	assert_equal "$(ls -A target)" ""
	# Stopped before the carrier was asked: nothing bought, nothing kept.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM shipments")" 0
	# The operator's link is followed.
	ln -s target mine
	run --separate-stderr oms-ship --carrier offline --labels mine alloc.jsonl
	assert_success
	assert_equal "$(ls target | wc -l)" 2
}

@test "labels, slips, mail and pick lists are written 0600 under umask 022, an old 0644 label replaced so" {
	umask 022
	setup_ship
	order 1001
	order 1002
	oms-route --pending > alloc.jsonl
	oms-ship pick --pdf pick.pdf >/dev/null
	t=$(tracking_of_alloc | head -1)
	mkdir labels
	echo old > "labels/$t.zpl"
	chmod 644 "labels/$t.zpl"
	oms-ship --carrier offline --labels labels --slips slips alloc.jsonl >/dev/null
	oms-ship notify --mail mail --from shop@example.com >/dev/null
	run sh -c 'stat -c "%a %n" pick.pdf labels/* slips/* mail/* | sort -k2'
	assert_equal "$(grep -c . <<<"$output")" 9
	refute_output --regexp '^[^6]|^6[^0]|^60[^0]'
	assert_output --partial "600 labels/$t.zpl"
	refute_output --partial "old"
	[ "$(head -c 3 "labels/$t.zpl")" = "^XA" ]
}

@test "a carrier account file others can read or change is said once a run, with its mode; 0600 is not" {
	setup_ship
	order 1001
	order 1002
	oms-route --pending > alloc.jsonl
	mkdir -p conf/carriers
	echo '{"api_key":"sk_live_123"}' > conf/carriers/offline.json
	chmod 644 conf/carriers/offline.json
	OMS_PATH="$PWD/conf:$OMS_PATH" run --separate-stderr oms-ship --carrier offline --labels labels alloc.jsonl
	assert_success
	assert_equal "$(grep -c . <<<"$output")" 2
	assert_equal "$stderr" "oms-ship: carrier account file '$PWD/conf/carriers/offline.json' is mode 0644: its secrets can be read by others; chmod 600 it"
	chmod 620 conf/carriers/offline.json
	OMS_PATH="$PWD/conf:$OMS_PATH" run --separate-stderr oms-ship track
	assert_equal "$stderr" "oms-ship: carrier account file '$PWD/conf/carriers/offline.json' is mode 0620: its secrets can be changed by others; chmod 600 it"
	chmod 600 conf/carriers/offline.json
	OMS_PATH="$PWD/conf:$OMS_PATH" run --separate-stderr oms-ship track
	assert_equal "$stderr" ""
}

@test "an adapter's standard error is quoted redacted: its first line, no secret of the account, no address, no email" {
	setup_ship
	order 1001 "Zoe Miller"
	order 1002 "Zoe Miller"
	oms-route --pending > alloc.jsonl
	mkdir -p bin conf/carriers
	cat > bin/oms-carrier-leaky <<'EOF'
#!/bin/sh
req=$(cat)
if [ "$LEAK" = refuse ]; then
	printf '{"ok":false,"error":"key sk_live_S3cr3tKey rejected for Zoe Miller at 1 Main St"}\n'
	exit 0
fi
printf 'auth failed for key sk_live_S3cr3tKey (account 5R8939) shipping to Zoe Miller, 1 Main St, New York 10001, +1 212 555 0199, mail bo.x+1@mail.example.org\n%s\n' "$req" >&2
exit 3
EOF
	chmod +x bin/oms-carrier-leaky
	echo '{"api_key":"sk_live_S3cr3tKey","shipper":{"number":"5R8939"}}' > conf/carriers/leaky.json
	chmod 600 conf/carriers/leaky.json
	export OMS_PATH="$PWD/conf:$OMS_PATH" PATH="$PWD/bin:$PATH"
	run --separate-stderr oms-ship --carrier leaky --labels labels alloc.jsonl
	assert_failure 1
	msg="carrier leaky failed on rate (exit 3): auth failed for key [redacted] (account [redacted]) shipping to [redacted], [redacted], [redacted] [redacted], [redacted], mail [redacted]"
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1001): $msg (nothing changed)
oms-ship: alloc.jsonl:2: order o_2 (oms 1002): $msg (nothing changed)"
	# What is kept on the order is the same.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT refusal ->> '\$.reason' FROM orders WHERE id = 1")" "$msg"
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM orders WHERE refusal LIKE '%S3cr3t%' OR refusal LIKE '%Main St%' OR refusal LIKE '%example.org%'"
	assert_output 0
	# A refusal's error is quoted so too.
	LEAK=refuse run --separate-stderr oms-ship --carrier leaky --labels labels alloc.jsonl
	assert_failure 1
	[[ $stderr == *"carrier leaky refused rate: key [redacted] rejected for [redacted] at [redacted]"* ]]
	[[ $stderr != *S3cr3t* && $stderr != *Main* ]]
}

@test "an adapter's message past 200 bytes is cut on a character's edge" {
	setup_ship
	order 1001
	oms-route --pending > alloc.jsonl
	mkdir bin
	{
		echo '#!/bin/sh'
		echo 'cat >/dev/null'
		printf 'printf "%%s\\n" "%s" >&2\n' "$(printf 'é%.0s' $(seq 150))"
		echo 'exit 3'
	} > bin/oms-carrier-long
	chmod +x bin/oms-carrier-long
	PATH="$PWD/bin:$PATH" run --separate-stderr oms-ship --carrier long --labels labels alloc.jsonl
	assert_failure 1
	assert_equal "$stderr" "oms-ship: alloc.jsonl:1: order o_1 (oms 1001): carrier long failed on rate (exit 3): $(printf 'é%.0s' $(seq 100))... (nothing changed)"
}

@test "a 5,000-character order id: no line of the mail file passes 998 octets, and nothing of it is lost" {
	setup_ship
	id=$(printf 'X%.0s' $(seq 5000))
	order "$id"
	oms-route --pending | oms-ship --carrier offline --labels labels >/dev/null
	run --separate-stderr oms-ship notify --mail mail --from 'The Shop With A Long Name <shop@example.com>'
	assert_success
	f=mail/s_1-shipped.eml
	# Every line of 998 octets at most, ending in LF alone.
	assert_equal "$(awk 'length($0) > 998' "$f" | wc -l)" 0
	assert_equal "$(LC_ALL=C awk '{ if (length($0) > m) m = length($0) } END { print (m <= 78) }' "$f")" 1
	# The subject decodes to the whole of it, the body too.
	run perl -MMIME::Base64 -MMIME::QuotedPrint -e '
		local $/; my $m = <STDIN>; my ($h, $b) = split /\n\n/, $m, 2;
		$h =~ s/\n[ \t]/ /g;
		my ($s) = $h =~ /^Subject: (.*)$/m;
		$s =~ s/\?= =\?/?==?/g;
		$s =~ s/=\?UTF-8\?B\?([^?]*)\?=/decode_base64($1)/ge;
		my ($cte) = $h =~ /^Content-Transfer-Encoding: (.*)$/m;
		print "$s\n$cte\n", decode_qp($b);' < "$f"
	assert_success
	assert_line --index 0 "Your order $id has shipped"
	assert_line --index 1 "quoted-printable"
	assert_line --index 2 "Your order $id is on its way."
}

@test "a long subject of words is folded at its spaces; an address no mail can carry is not written" {
	setup_ship
	order "$(printf 'word%.0s ' $(seq 40))end"
	jq -nc '{type:"order",external_id:"1002",currency:"USD",customer:{email:("a" + ("b" * 300) + "@example.com")},ship_to:{name:"Al",address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"},lines:[{line_id:"L1",sku:"A",qty:1,unit_price:"10.00"}]}' |
	    oms-import --channel oms >/dev/null
	oms-route --pending | oms-ship --carrier offline --labels labels >/dev/null
	run --separate-stderr oms-ship -v notify --mail mail --from shop@example.com
	assert_success
	assert_equal "$stderr" "oms-ship: 1 message, 1 shipment with no customer email"
	run ls mail
	assert_output "s_1-shipped.eml"
	run sed -n '/^Subject:/,/^Date:/p' mail/s_1-shipped.eml
	assert_output - <<'OUT'
Subject: Your order word word word word word word word word word word word
 word word word word word word word word word word word word word word word
 word word word word word word word word word word word word word word end has
 shipped
Date: Thu, 26 Nov 2026 15:00:00 +0000
OUT
	# A --from that no header can hold is a usage error.
	run --separate-stderr oms-ship notify --mail mail --from "$(printf 'f%.0s' $(seq 1000))@example.com"
	assert_failure 2
	assert_equal "$stderr" "oms-ship: --from: more than 900 bytes without a space cannot go in a mail header"
}
