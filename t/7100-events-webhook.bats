#!/usr/bin/env bats
# oms-events-webhook: a batch of events posted to a real HTTP receiver
# (t/webhook/receiver.py, which checks the signature with Python's own
# HMAC), tried again with backoff, acknowledged only once it is taken.

load helper
load return

SECRET=s3cr3t-0123456789abcdef

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
}

# receiver ANSWER ...: start the receiver; $URL is where it listens.
receiver() {
	command -v python3 >/dev/null || skip "no python3 (make deps installs it)"
	command -v curl >/dev/null || skip "no curl (make deps installs it)"
	mkdir -p rx
	printf '%s\n' "$SECRET" > rx/secret
	python3 "$TOP/t/webhook/receiver.py" rx "$@" &
	RX_PID=$!
	for _ in $(seq 100); do
		[ -s rx/port ] && break
		sleep 0.05
	done
	URL="http://127.0.0.1:$(cat rx/port)/hooks/oms"
}

# account NAME [JSON to merge]: webhooks/NAME.json under $OMS_PATH, mode 600.
account() {
	mkdir -p conf/webhooks
	jq -n --arg u "$URL" --arg s "$SECRET" --argjson more "${2:-{\}}" \
	    '{url: $u, secret: $s} + $more' > "conf/webhooks/$1.json"
	chmod 600 "conf/webhooks/$1.json"
	export OMS_PATH="$BATS_TEST_TMPDIR/conf:$TOP/share/oms"
}

teardown() {
	[ -z "${RX_PID:-}" ] || kill "$RX_PID" 2>/dev/null || true
}

requests() { cat rx/requests.jsonl 2>/dev/null; }

@test "a batch is one POST, signed with HMAC-SHA256, its delivery id the consumer and range; then acknowledged" {
	receiver 200
	account hooks '{"headers": {"Authorization": "Bearer tok-1"}}'
	setup_ret
	delivered 1001 "1:A:2"
	run --separate-stderr oms-events -v --consumer erp --batch 6 --exec oms-events-webhook -- -v hooks
	assert_success
	assert_equal "$(sed -n 1,2p <<<"$stderr")" "oms-events-webhook: hooks: delivered erp:1-6 (HTTP 200)
oms-events-webhook: hooks: delivered erp:7-10 (HTTP 200)"
	run sh -c "jq -c '[.delivery, .signature_ok, .content_type, .authorization, .path, .body.consumer, .body.first, .body.last, (.body.events | length)]' rx/requests.jsonl"
	assert_output '["erp:1-6",true,"application/json","Bearer tok-1","/hooks/oms","erp",1,6,6]
["erp:7-10",true,"application/json","Bearer tok-1","/hooks/oms","erp",7,10,4]'
	# The events are the stream's, whole and in order.
	[ "$(jq -cS '.body.events[]' rx/requests.jsonl)" = "$(oms-events | jq -cS .)" ]
	assert_equal "$(oms-events consumers | jq -c '[.acked, .behind]')" "[10,0]"
	# The signature is the HMAC of the bytes sent, as the receiver worked
	# it out with Python's; and again with openssl(1).
	for n in 1 2; do
		sig=$(openssl dgst -sha256 -hmac "$SECRET" "rx/body-$n" | sed 's/^.*= //')
		assert_equal "$(jq -r "select(.n == $n) | .signature" rx/requests.jsonl)" "sha256=$sig"
	done
	# Run by hand, with no consumer: the body has the events alone, and
	# the delivery id is the body's own.
	oms-events --limit 2 | oms-events-webhook hooks
	assert_equal "$(tail -n 1 rx/requests.jsonl | jq -c '[.signature_ok, (.delivery | length), (.body | keys), (.body.events | length)]')" '[true,32,["events"],2]'
}

@test "a receiver that fails is tried again after 1, 2 ... s, with the same delivery id and signature" {
	receiver 503 500 200
	account hooks '{"retries": 3}'
	setup_ret
	start=$(now_ms)
	run --separate-stderr oms-events --consumer erp --exec oms-events-webhook -- hooks
	took=$(($(now_ms) - start))
	assert_success
	assert_equal "$stderr" "oms-events-webhook: webhook hooks: HTTP 503; again in 1 s (1 of 3)
oms-events-webhook: webhook hooks: HTTP 500; again in 2 s (2 of 3)"
	[ "$took" -ge 3000 ] || fail "the tries came $took ms apart in all"
	run sh -c "jq -r '[.delivery, .signature_ok, .answer] | @tsv' rx/requests.jsonl"
	assert_output "$(printf 'erp:1-3\ttrue\t%s\n' 503 500 200)"
	assert_equal "$(jq -c .body rx/requests.jsonl | sort -u | wc -l)" "1"
	assert_equal "$(oms-events consumers | jq -c .acked)" "3"
}

@test "a receiver that never takes it: exit 3, the batch stays unacknowledged, and comes again the same" {
	receiver 500
	account hooks '{"retries": 1}'
	setup_ret
	run --separate-stderr oms-events --consumer erp --exec oms-events-webhook -- hooks
	assert_failure 3
	assert_equal "$stderr" "oms-events-webhook: webhook hooks: HTTP 500; again in 1 s (1 of 1)
oms-events-webhook: webhook hooks: HTTP 500 after 2 tries
oms-events: $OMS_BIN/oms-events-webhook exited with status 3 on events 1 to 3; they stay unacknowledged
oms-events: consumer erp stopped at 0"
	oms-stock >/dev/null <<<'{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":1,"key":"later"}'
	run oms-events --consumer erp --exec oms-events-webhook -- hooks
	assert_failure 3
	assert_equal "$(jq -r .delivery rx/requests.jsonl | sort | uniq -c | awk '{ print $1, $2 }')" "4 erp:1-3"
	assert_equal "$(oms-events consumers | jq -c '[.acked, .pending]')" "[0,3]"
	# Nobody there at all: curl says why.
	kill "$RX_PID"
	wait "$RX_PID" 2>/dev/null || true
	RX_PID=
	account hooks '{"retries": 0}'
	run --separate-stderr oms-events-webhook hooks <<<'{"seq":1}'
	assert_failure 3
	assert_equal "${stderr##*$'\n'}" "oms-events-webhook: webhook hooks: curl exited 7 after 1 try"
}

@test "a receiver that hangs is given up on at the account's timeout, and tried again" {
	receiver hang 200
	account hooks '{"retries": 1, "timeout": 1}'
	start=$(now_ms)
	run --separate-stderr oms-events-webhook hooks <<<'{"seq":1}'
	took=$(($(now_ms) - start))
	assert_success
	[[ "$stderr" == "curl: (28) Operation timed out after "* ]] || fail "$stderr"
	assert_equal "${stderr##*$'\n'}" "oms-events-webhook: webhook hooks: curl exited 28; again in 1 s (1 of 1)"
	[ "$took" -lt 6000 ] || fail "it took $took ms"
	assert_equal "$(jq -r .answer rx/requests.jsonl | tr '\n' ' ')" "hang 200 "
}

@test "the secret, the URL and the headers are never on a command line" {
	receiver slow
	account hooks '{"headers": {"Authorization": "Bearer tok-secret-9"}}'
	oms-events-webhook hooks <<<'{"seq":1}' &
	pid=$!
	for _ in $(seq 100); do [ -s rx/requests.jsonl ] && break; sleep 0.05; done
	# Its curl, and itself: what anyone on the machine could read.
	args=$(ps -o args= --ppid "$pid"; ps -o args= -p "$pid")
	wait "$pid"
	[[ "$args" == *"curl -q --config /dev/fd/3"* ]] || fail "no curl seen: $args"
	[[ "$args" != *"$SECRET"* ]] || fail "the secret is on a command line"
	[[ "$args" != *"tok-secret-9"* ]] || fail "a header is on a command line"
	[[ "$args" != *"127.0.0.1"* ]] || fail "the URL is on a command line"
}

@test "accounts and batches it refuses, each said with the file or line and the status" {
	URL=http://127.0.0.1:9/x
	w() {
		run --separate-stderr oms-events-webhook "$@" <<<'{"seq":1}'
	}
	account ok
	w nope
	assert_failure 3
	assert_equal "$stderr" "oms-events-webhook: no webhook account nope (webhooks/nope.json on the search path)"
	w ../ok
	assert_failure 2
	assert_equal "$stderr" "oms-events-webhook: '../ok' is not a webhook account name (a-z, 0-9, '-' and '_')"
	f=conf/webhooks/bad.json
	for doc in '[]' '{"url":"file:///etc/passwd","secret":"0123456789abcdef"}' \
	    '{"url":"ftp://x/","secret":"0123456789abcdef"}' '{"url":"http://x/ -K /etc/passwd","secret":"0123456789abcdef"}' \
	    '{"url":"http://x/","secret":"short"}' '{"url":"http://x/","secret":"0123456789abcdef","retries":99}' \
	    '{"url":"http://x/","secret":"0123456789abcdef","timeout":0.5}' \
	    '{"url":"http://x/","secret":"0123456789abcdef","headers":{"X-A":"a\nurl = \"file:///etc/passwd\""}}' \
	    '{"url":"http://x/","secret":"0123456789abcdef","headers":{"X A":"b"}}'; do
		printf '%s\n' "$doc" > "$f"
		chmod 600 "$f"
		w bad
		assert_failure 3
		[[ "$stderr" == "oms-events-webhook: webhook account '$BATS_TEST_TMPDIR/conf/webhooks/bad.json': "* ]] || fail "$doc: $stderr"
	done
	w bad 2>/dev/null
	assert_equal "$stderr" "oms-events-webhook: webhook account '$BATS_TEST_TMPDIR/conf/webhooks/bad.json': a header is not a name and a line of text: X A"
	# Others may read the secret: said, as ssh says it of a key.
	chmod 644 conf/webhooks/ok.json
	run --separate-stderr oms-events-webhook ok <<<'not json'
	assert_failure 3
	assert_equal "$stderr" "oms-events-webhook: webhook account file '$BATS_TEST_TMPDIR/conf/webhooks/ok.json' is mode 0644: its secret can be read or changed by others; chmod 600 it
oms-events-webhook: <stdin>:1: not a JSON object"
	run --separate-stderr oms-events-webhook ok x
	assert_failure 2
}

@test "a follower posts each change as it comes, and a signal ends it once the batch is taken" {
	receiver 200
	account hooks
	setup_ret
	oms-events --consumer live --follow --exec oms-events-webhook -- hooks 2> follow.err &
	pid=$!
	for _ in $(seq 200); do [ "$(requests | wc -l)" -ge 1 ] && break; sleep 0.05; done
	order_json 1005 "1:A:1" | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	for _ in $(seq 200); do [ "$(requests | jq -s '[.[].body.events[]] | length')" -ge 6 ] && break; sleep 0.05; done
	kill -TERM "$pid"
	wait "$pid"
	assert_equal "$(cat follow.err)" ""
	[ "$(jq -cS '.body.events[]' rx/requests.jsonl)" = "$(oms-events | jq -cS .)" ]
	assert_equal "$(jq -r 'select(.signature_ok | not)' rx/requests.jsonl)" ""
	assert_equal "$(oms-events consumers | jq -c '[.acked, .behind]')" "[6,0]"
}

@test "the completions of oms-events-webhook: the accounts on the search path, and its options" {
	URL=http://127.0.0.1:9/x
	account crm
	account erp
	comp() {
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_oms_events_webhook oms-events-webhook "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/bash/oms-events-webhook" "$@"
	}
	run comp oms-events-webhook ""
	assert_output "$(printf '%s\n' crm erp)"
	run comp oms-events-webhook --
	assert_equal "$(sort <<<"$output")" "$(oms-events-webhook --help | grep -oE -- '--[a-z-]+' | sort)"
	zsh -n "$TOP/completions/zsh/_oms-events-webhook"
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -c "source $TOP/completions/fish/oms-events-webhook.fish; complete -C 'oms-events-webhook e'"
	assert_output "erp	Webhook account"
}

@test "the user's ~/.curlrc is not read: a redirect is not followed; a URL's brackets are no curl ranges" {
	receiver redirect 200
	account hooks '{"retries": 0}'
	printf 'location\n' > "$HOME/.curlrc"
	mkdir -p "$HOME/.config"
	printf 'location\n' > "$HOME/.config/.curlrc"
	run --separate-stderr oms-events-webhook hooks <<<'{"seq":1}'
	assert_failure 3
	assert_equal "$stderr" "oms-events-webhook: webhook hooks: HTTP 302 after 1 try"
	[ ! -e rx/gets ] || fail "the redirect was followed: $(cat rx/gets)"
	# A query in brackets, as some receivers name filters: one POST.
	URL="$URL?filter[type]=oms&x={a,b}"
	account hooks
	run --separate-stderr oms-events-webhook hooks <<<'{"seq":1}'
	assert_success
	assert_equal "$(jq -r .path rx/requests.jsonl | tail -n 1)" "/hooks/oms?filter[type]=oms&x={a,b}"
	assert_equal "$(wc -l < rx/requests.jsonl)" "2"
}

@test "no events: nothing sent; a closed stdout: no hang; a line that is not one object: refused, nothing sent" {
	receiver 200
	account hooks
	run --separate-stderr oms-events-webhook -v hooks < /dev/null
	assert_success
	assert_equal "$stderr" "oms-events-webhook: hooks: no events, nothing sent"
	run timeout 10 sh -c 'echo "{\"seq\":1}" | oms-events-webhook hooks >&-'
	assert_success
	assert_equal "$(wc -l < rx/requests.jsonl)" "1"
	run --separate-stderr oms-events-webhook hooks <<<'{"seq":2} {"seq":3}'
	assert_failure 3
	assert_equal "$stderr" "oms-events-webhook: <stdin>:1: not a JSON object"
	assert_equal "$(wc -l < rx/requests.jsonl)" "1"
	# Big numbers go as they came.
	oms-events-webhook hooks <<<'{"seq":12345678901234567890}'
	assert_equal "$(cat rx/body-2)" '{"events":[{"seq":12345678901234567890}]}'
}
