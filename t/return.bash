# t/return.bash: loaded by the oms-return bats files (t/50x0): the route
# fixtures with stock at EWR1, orders delivered as the cron jobs run them,
# and what those tests look at.

R="$FIX/route"
export OMS_NOW=2026-11-26T15:00:00Z	# a Thursday: 10:00 in Newark

# The route fixtures, with A, B and C at EWR1 (priority 1), so an order
# goes out of EWR1 in one parcel, two days from New York.
setup_ret() {
	oms-route -q geo load "$R/geo.txt"
	oms-stock "$R/catalog.jsonl" >/dev/null
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":20,"key":"r1"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":20,"key":"r2"}
{"type":"movement","kind":"receive","sku":"C","location":"EWR1","qty":5,"key":"r3"}
{"type":"product","sku":"A","weight_g":400,"dims_mm":[200,120,60]}
{"type":"listing","channel":"oms","channel_sku":"A","sku":"A"}
{"type":"listing","channel":"oms","channel_sku":"B","sku":"B"}
{"type":"listing","channel":"oms","channel_sku":"C","sku":"C"}
{"type":"listing","channel":"oms","channel_sku":"KIT","sku":"KIT"}
EOF
}

# order_json EXT LINES [CHANNEL]: lines "line_id:sku:qty ..."
order_json() {
	local lines= l i s q
	for l in $2; do
		IFS=: read -r i s q <<<"$l"
		lines="$lines${lines:+,}{\"line_id\":\"$i\",\"sku\":\"$s\",\"qty\":$q,\"unit_price\":\"10.00\"}"
	done
	jq -nc --arg e "$1" --arg ch "${3:-}" --argjson l "[$lines]" '{type:"order",external_id:$e,currency:"USD",customer:{email:"zoe@example.com"},ship_to:{name:"Zoe Roe",address1:"1 Main St",city:"New York",region:"NY",postal_code:"10001",country:"US"},lines:$l} + if $ch != "" then {channel:$ch} else {} end'
}

# delivered EXT LINES [CHANNEL]: imported on Thursday, routed, shipped
# from EWR1, and delivered on Saturday 2026-11-28 at 14:00 as Monday's
# tracking run sees it.
delivered() {
	local OMS_NOW=2026-11-26T15:00:00Z
	order_json "$@" | oms-import --channel oms >/dev/null
	oms-route --pending >/dev/null
	oms-ship --carrier offline --labels labels --pending >/dev/null
	OMS_NOW=2026-11-30T15:00:00Z oms-ship track >/dev/null
}

levels() {
	sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels ORDER BY 1, 2"
}

avail() {
	oms-stock available | jq -r '[.channel_sku, .available] | @tsv'
}

# The movements a return made, in order.
rmoves() {
	sqlite3 "$OMS_DB" "SELECT kind, sku, location, qty, reason FROM movements WHERE ref LIKE 'r\_%' ESCAPE '\\' ORDER BY id"
}

clean() {
	run oms check
	assert_success
	run oms-stock verify
	assert_success
}

# jq over a return record: the fields a test looks at.
J='[.id, .state, .policy, (.lines | map([.order_line, .sku, .qty, .reason, .received, .inspected]))]'
