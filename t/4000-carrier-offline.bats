#!/usr/bin/env bats
# oms-carrier-offline: the bundled offline carrier adapter.  Each verb's
# reply to fixed requests, labels that are the same for the same
# request_id, tracking numbers whose check digits are checked here afresh
# in awk, the tracking script against a pinned clock, the fault hooks,
# and requests it must refuse or reject.

load helper

USAGE='usage: oms-carrier-offline rate < request.json
       oms-carrier-offline label < request.json
       oms-carrier-offline void < request.json
       oms-carrier-offline track < request.json
       oms-carrier-offline batch < request.json
       oms-carrier-offline capabilities < request.json'
NOTJSON='oms-carrier-offline: the request on stdin is not one JSON object'
US='"from":{"country":"US","postal_code":"07114"},"to":{"country":"US","postal_code":"19103"}'
PRE='{"at":"2026-11-02T15:00:00Z","status":"pre_transit","description":"Label created, not yet in the carrier'"'"'s hands"}'
INT='{"at":"2026-11-03T09:00:00Z","status":"in_transit","description":"In the carrier'"'"'s hands, on its way"}'
OFD='{"at":"2026-11-05T08:00:00Z","status":"out_for_delivery","description":"Out for delivery"}'
DEL='{"at":"2026-11-05T14:00:00Z","status":"delivered","description":"Delivered"}'
FAIL='{"at":"2026-11-05T14:00:00Z","status":"failure","description":"Delivery attempted, no one in"}'
RET='{"at":"2026-11-07T14:00:00Z","status":"returned","description":"Returned to the sender"}'

# Run the adapter with verb $1 on the request $2.
offline() {
	oms-carrier-offline "$1" <<<"$2"
}

# A label request with id $1 for service $2 and $3 packages (1).
label_req() {
	jq -nc --arg id "$1" --arg svc "$2" --argjson n "${3:-1}" \
		'{request_id:$id, service:$svc, reference:"o_12",
		from:{country:"US",postal_code:"07114"},
		to:{country:"US",postal_code:"19103"},
		packages:[range($n) | {weight_g:(500 + .)}]}'
}

# A track request for $1 shipped at $2, $3 days in transit, scenario $4.
track_req() {
	jq -nc --arg n "$1" --arg at "$2" --argjson d "$3" --arg sc "${4:-}" \
		'{request_id:"t1", tracking_number:$n, shipped_at:$at,
		transit_days:$d} + (if $sc == "" then {} else {scenario:$sc} end)'
}

# Check the tracking numbers on stdin, one a line, by the carriers' check
# digit rules worked out here in awk, not by the code under test: UPS
# (1Z, letters as their place in the alphabet + 1 mod 10, even places
# doubled, mod 10), USPS IMpb (22 digits, 3-1 weights from the right,
# mod 10) and FedEx Express (12 digits, 3-1-7 weights, mod 11, 10 as 0).
# Prints each bad number, then "N good, M bad".
check_digits() {
	awk '
	function ups(n,    i, c, v, s) {
		if (length(n) != 18 || substr(n, 1, 2) != "1Z")
			return 0
		for (i = 3; i <= 17; i++) {
			c = substr(n, i, 1)
			if (c ~ /^[0-9]$/)
				v = c + 0
			else if (c ~ /^[A-Z]$/)
				v = (index("ABCDEFGHIJKLMNOPQRSTUVWXYZ", c) + 1) % 10
			else
				return 0
			s += i % 2 == 0 ? 2 * v : v
		}
		c = substr(n, 18, 1)
		return c ~ /^[0-9]$/ && (10 - s % 10) % 10 == c + 0
	}
	function usps(n,    i, w, s) {
		if (length(n) != 22 || n !~ /^9[1-5][0-9]*$/)
			return 0
		w = 3
		for (i = 21; i >= 1; i--) {
			s += substr(n, i, 1) * w
			w = 4 - w
		}
		return (10 - s % 10) % 10 == substr(n, 22, 1) + 0
	}
	function fedex(n,    i, s) {
		if (length(n) != 12 || n !~ /^[0-9]*$/)
			return 0
		for (i = 1; i <= 11; i++)
			s += substr(n, i, 1) * substr("31731731731", i, 1)
		return s % 11 % 10 == substr(n, 12, 1) + 0
	}
	{ if (ups($0) || usps($0) || fedex($0)) good++; else { bad++; print "bad " $0 } }
	END { printf "%d good, %d bad\n", good, bad }'
}

@test "--help prints the usage on stdout and exits 0; --version the version" {
	run --separate-stderr oms-carrier-offline --help
	assert_success
	assert_equal "$(head -6 <<<"$output")" "$USAGE"
	assert_line "  label                        buy a label: tracking numbers"
	assert_line "See oms-carrier-offline(1)."
	assert_equal "$stderr" ""
	run --separate-stderr oms-carrier-offline --version
	assert_success
	assert_output --regexp '^oms-carrier-offline [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "no verb, an unknown verb, two verbs, an unknown option: usage errors" {
	while IFS='|' read -r args want; do
		run --separate-stderr oms-carrier-offline $args <<<'{"request_id":"x"}'
		assert_failure 2
		assert_output ""
		assert_equal "$stderr" "oms-carrier-offline: $want
$USAGE"
	done <<EOF
|a verb is needed (rate, label, void, track, batch, capabilities)
ship|'ship' is not a verb (rate, label, void, track, batch, capabilities)
RATE|'RATE' is not a verb (rate, label, void, track, batch, capabilities)
rate label|rate takes no operand: the request is on stdin
EOF
	run --separate-stderr oms-carrier-offline --bogus rate <<<'{"request_id":"x"}'
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms-carrier-offline: --bogus is not an option of oms-carrier-offline rate
$USAGE"
}

@test "a request that is not one JSON object is a usage error, and not quoted" {
	for bad in '' 'this is not JSON' '[1,2]' '"a string"' '42' \
		'{"request_id":"x"} {"request_id":"y"}' '{"request_id":"x"' \
		'{"request_id":"x"} trailing'; do
		for verb in rate label void track; do
			run --separate-stderr offline "$verb" "$bad"
			assert_failure 2
			assert_output ""
			assert_equal "$stderr" "$NOTJSON"
		done
	done
	# White space around the object is fine.
	run --separate-stderr offline void $'\n  {"request_id":"x","tracking_numbers":["986578788855"]}  \n\n'
	assert_success
	assert_output '{"ok":true,"voided":["986578788855"]}'
}

@test "a request over 1 MiB is a usage error" {
	big=$(head -c 1100000 /dev/zero | tr '\0' ' ')
	run --separate-stderr offline void "{\"request_id\":\"x\",\"tracking_numbers\":[\"986578788855\"]}$big"
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms-carrier-offline: the request on stdin is over 1048576 bytes"
}

@test "every verb refuses a request without a request_id, with exit 0" {
	for verb in rate label void track; do
		for req in '{}' '{"request_id":""}' '{"request_id":7}' \
			'{"request_id":null,"tracking_numbers":["986578788855"]}'; do
			run --separate-stderr offline "$verb" "$req"
			assert_success
			assert_equal "$stderr" ""
			assert_output '{"ok":false,"error":"request_id must be a string that is not empty"}'
		done
	done
}

@test "rate: the tables that serve the level, cheapest first" {
	run --separate-stderr offline rate '{"request_id":"r1","level":"standard",'"$US"',"distance_km":120.5,"packages":[{"weight_g":800,"length_mm":300,"width_mm":200,"height_mm":100}]}'
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ok":true,"rates":[{"service":"usps-ground-advantage","carrier":"usps","name":"USPS Ground Advantage","price":"14.18","currency":"USD","transit_days":2},{"service":"ups-ground","carrier":"ups","name":"UPS Ground","price":"15.00","currency":"USD","transit_days":2}]}'
	run offline rate '{"request_id":"r1","level":"next_day",'"$US"',"distance_km":5,"packages":[{"weight_g":400}]}'
	assert_success
	assert_output '{"ok":true,"rates":[{"service":"fedex-standard-overnight","carrier":"fedex","name":"FedEx Standard Overnight","price":"38.50","currency":"USD","transit_days":1}]}'
}

@test "rate: service limits it to one table; without distance_km, the farthest zone" {
	run offline rate '{"request_id":"r1","level":"standard","service":"ups-ground",'"$US"',"distance_km":50,"packages":[{"weight_g":400}]}'
	assert_success
	assert_output '{"ok":true,"rates":[{"service":"ups-ground","carrier":"ups","name":"UPS Ground","price":"9.45","currency":"USD","transit_days":1}]}'
	run offline rate '{"request_id":"r1","service":"ups-ground",'"$US"',"packages":[{"weight_g":400}]}'
	assert_success
	assert_output '{"ok":true,"rates":[{"service":"ups-ground","carrier":"ups","name":"UPS Ground","price":"15.40","currency":"USD","transit_days":5}]}'
}

@test "rate: each package is rated on its own, by weight or volume in cm3, and the prices added" {
	one='{"weight_g":400,"length_mm":200,"width_mm":200,"height_mm":100}'
	while IFS='|' read -r pkgs price; do
		run offline rate '{"request_id":"r1","service":"ups-ground",'"$US"',"distance_km":50,"packages":'"$pkgs"'}'
		assert_success
		assert_output '{"ok":true,"rates":[{"service":"ups-ground","carrier":"ups","name":"UPS Ground","price":"'"$price"'","currency":"USD","transit_days":1}]}'
	done <<EOF
[{"weight_g":400}]|9.45
[{"weight_g":400},{"weight_g":400}]|18.90
[$one]|11.55
[$one,$one]|23.10
[$one,{"weight_g":400}]|21.00
[{"weight_g":20000},{"weight_g":20000}]|44.10
EOF
	# A service that cannot take one of the packages is not quoted.
	run offline rate '{"request_id":"r1","service":"ups-ground",'"$US"',"distance_km":50,"packages":[{"weight_g":400},{"weight_g":40000}]}'
	assert_success
	assert_output '{"ok":true,"rates":[]}'
}

@test "rate: a parcel nothing serves gets an empty list" {
	run offline rate '{"request_id":"r1","level":"standard","from":{"country":"US"},"to":{"country":"CA"},"distance_km":50,"packages":[{"weight_g":400}]}'
	assert_success
	assert_output '{"ok":true,"rates":[]}'
	run offline rate '{"request_id":"r1","level":"standard",'"$US"',"distance_km":50,"packages":[{"weight_g":40000}]}'
	assert_success
	assert_output '{"ok":true,"rates":[]}'
	run offline rate '{"request_id":"r1","level":"teleport",'"$US"',"packages":[{"weight_g":400}]}'
	assert_success
	assert_output '{"ok":true,"rates":[]}'
}

@test "rate: what it refuses" {
	P='"packages":[{"weight_g":400}]'
	while IFS='|' read -r req error; do
		run --separate-stderr offline rate "{\"request_id\":\"r1\",$req}"
		assert_success
		assert_equal "$stderr" ""
		assert_output "{\"ok\":false,\"error\":\"$error\"}"
	done <<EOF
$US,$P|level or service is needed
"level":"standard","service":"dhl-express",$US,$P|unknown service 'dhl-express'
"service":7,$US,$P|service must be a string
"level":["standard"],$US,$P|level must be a string
"level":"standard","to":{"country":"US"},$P|from must be an address with a country
"level":"standard","from":{"country":"US"},"to":"US",$P|to must be an address with a country
"level":"standard",$US,"distance_km":-1,$P|distance_km must be a number of kilometres, not below 0
"level":"standard",$US,"distance_km":"12",$P|distance_km must be a number of kilometres, not below 0
"level":"standard",$US|packages must be a list of 1 to 100 packages
"level":"standard",$US,"packages":[]|packages must be a list of 1 to 100 packages
"level":"standard",$US,"packages":[{"weight_g":400},{"weight_g":0}]|package 2: weight_g must be a whole number of grams above 0
"level":"standard",$US,"packages":[{"weight_g":400.5}]|package 1: weight_g must be a whole number of grams above 0
"level":"standard",$US,"packages":[7]|package 1: weight_g must be a whole number of grams above 0
"level":"standard",$US,"packages":[{"weight_g":400,"length_mm":100,"width_mm":100}]|package 1: length_mm, width_mm and height_mm must be whole millimetres above 0, all three or none
"level":"standard",$US,"packages":[{"weight_g":400,"length_mm":100,"width_mm":100,"height_mm":0}]|package 1: length_mm, width_mm and height_mm must be whole millimetres above 0, all three or none
EOF
	run offline rate "{\"request_id\":\"r1\",\"level\":\"standard\",$US,\"packages\":$(jq -nc '[range(101) | {weight_g:1}]')}"
	assert_output '{"ok":false,"error":"packages must be a list of 1 to 100 packages"}'
}

@test "label: one tracking number a package, the carrier from the service's prefix" {
	while IFS='|' read -r svc n want; do
		run --separate-stderr offline label "$(label_req r2 "$svc" "$n")"
		assert_success
		assert_equal "$stderr" ""
		assert_output "$want"
	done <<'EOF'
ups-ground|2|{"ok":true,"carrier":"ups","service":"ups-ground","tracking_numbers":["1Z805TTB0350497437","1Z8086NI0366779549"],"test":true}
ups-2nd-day-air|1|{"ok":true,"carrier":"ups","service":"ups-2nd-day-air","tracking_numbers":["1Z805TTB0250497439"],"test":true}
ups-next-day-air|1|{"ok":true,"carrier":"ups","service":"ups-next-day-air","tracking_numbers":["1Z805TTB0150497431"],"test":true}
usps-ground-advantage|2|{"ok":true,"carrier":"usps","service":"usps-ground-advantage","tracking_numbers":["9200190223543950497431","9200190234539066779543"],"test":true}
usps-priority-mail|1|{"ok":true,"carrier":"usps","service":"usps-priority-mail","tracking_numbers":["9205590223543950497434"],"test":true}
usps-priority-mail-express|1|{"ok":true,"carrier":"usps","service":"usps-priority-mail-express","tracking_numbers":["9270190223543950497430"],"test":true}
fedex-standard-overnight|3|{"ok":true,"carrier":"fedex","service":"fedex-standard-overnight","tracking_numbers":["543950497433","539066779548","534183061654"],"test":true}
EOF
}

@test "label: the same request_id gives the same numbers, another request_id others" {
	run offline label "$(label_req o_12-ship-1 ups-ground 3)"
	assert_success
	first=$output
	run offline label "$(label_req o_12-ship-1 ups-ground 3)"
	assert_success
	assert_output "$first"
	run offline label "$(label_req o_12-ship-2 ups-ground 3)"
	assert_success
	second=$output
	[ "$first" != "$second" ]
	# Six numbers, all different.
	run jq -rn --argjson a "$first" --argjson b "$second" \
		'[$a, $b | .tracking_numbers[]] | "\(length) \(unique | length)"'
	assert_output "6 6"
}

@test "label: every number it makes passes the carriers' check digit test" {
	# The test itself first: published numbers pass, one-digit changes fail.
	run check_digits <<'EOF'
1Z999AA10123456784
1Z999AA10123456785
1Z5R89390357567127
1Z5R89390357567137
9400111201080805483016
9400111201080805483026
9405803699300124287899
986578788855
996578788855
974367662710
EOF
	assert_output - <<'EOF'
bad 1Z999AA10123456785
bad 1Z5R89390357567137
bad 9400111201080805483026
bad 996578788855
6 good, 4 bad
EOF
	for i in $(seq 1 60); do
		for svc in ups-ground ups-2nd-day-air usps-ground-advantage \
			usps-priority-mail fedex-standard-overnight; do
			label_req "req-$i" "$svc" 3
		done
	done > requests
	while read -r req; do
		offline label "$req" | jq -r '.tracking_numbers[]'
	done < requests > numbers
	run check_digits < numbers
	assert_output "900 good, 0 bad"
	# The forms: service codes in their places, and no number twice.
	run awk '/^1Z/ { u[substr($0, 9, 2)]++ } /^92/ { p[substr($0, 1, 5)]++ }
		length($0) == 12 { f++ }
		END { printf "ups 03 %d, 02 %d; usps 92001 %d, 92055 %d; fedex %d\n",
		u["03"], u["02"], p["92001"], p["92055"], f }' numbers
	assert_output "ups 03 180, 02 180; usps 92001 180, 92055 180; fedex 180"
	assert_equal "$(sort numbers | uniq -d | wc -l)" "0"
}

@test "label: an unknown service, and what else it refuses" {
	while IFS='|' read -r svc error; do
		run --separate-stderr offline label "$(label_req r2 "$svc")"
		assert_success
		assert_equal "$stderr" ""
		assert_output "{\"ok\":false,\"error\":\"$error\"}"
	done <<'EOF'
dhl-express|unknown service 'dhl-express'
ups|unknown service 'ups'
ups-|unknown service 'ups-'
upsground|unknown service 'upsground'
UPS-GROUND|unknown service 'UPS-GROUND'
ups-ground;rm -rf|unknown service 'ups-ground;rm -rf'
EOF
	while IFS='|' read -r req error; do
		run offline label "{\"request_id\":\"r2\",$req}"
		assert_success
		assert_output "{\"ok\":false,\"error\":\"$error\"}"
	done <<EOF
$US,"packages":[{"weight_g":1}]|service must be a string
"service":"ups-ground","to":{},"packages":[{"weight_g":1}]|from must be an address
"service":"ups-ground","from":{},"to":"x","packages":[{"weight_g":1}]|to must be an address
"service":"ups-ground",$US|packages must be a list of 1 to 100 packages
"service":"ups-ground",$US,"packages":[{}]|package 1: weight_g must be a whole number of grams above 0
EOF
}

@test "void: valid numbers are voided; one bad number and none is" {
	run --separate-stderr offline void '{"request_id":"v1","tracking_numbers":["1Z999AA10123456784","9400111201080805483016","986578788855"]}'
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ok":true,"voided":["1Z999AA10123456784","9400111201080805483016","986578788855"]}'
	while IFS='|' read -r nums error; do
		run offline void "{\"request_id\":\"v1\",\"tracking_numbers\":$nums}"
		assert_success
		assert_output "{\"ok\":false,\"error\":\"$error\"}"
	done <<'EOF'
["1Z999AA10123456784","1Z999AA10123456785"]|'1Z999AA10123456785' is not a valid tracking number
["986578788856"]|'986578788856' is not a valid tracking number
["hello"]|'hello' is not a valid tracking number
[""]|'' is not a valid tracking number
[42]|tracking_numbers must be a list of strings
[]|tracking_numbers must be a list of 1 to 100 tracking numbers
"1Z999AA10123456784"|tracking_numbers must be a list of 1 to 100 tracking numbers
EOF
}

@test "track: the whole reply once delivered" {
	OMS_NOW=2026-11-10T00:00:00Z run --separate-stderr offline track "$(track_req 1Z999AA10123456784 2026-11-02T15:00:00Z 3)"
	assert_success
	assert_equal "$stderr" ""
	assert_output "{\"ok\":true,\"tracking_number\":\"1Z999AA10123456784\",\"status\":\"delivered\",\"events\":[$PRE,$INT,$OFD,$DEL]}"
}

@test "track: the scripted sequence as the clock moves" {
	req=$(track_req 9400111201080805483016 2026-11-02T15:00:00Z 3)
	for now in 2026-11-02T14:59:59Z 2026-11-02T15:00:00Z \
		2026-11-03T08:59:59Z 2026-11-03T09:00:00Z 2026-11-05T07:59:59Z \
		2026-11-05T08:00:00Z 2026-11-05T13:59:59Z 2026-11-05T14:00:00Z \
		2027-06-01T00:00:00Z; do
		OMS_NOW=$now offline track "$req" |
			jq -r --arg now "$now" '"\($now) \(.status): \([.events[] | "\(.status)@\(.at)"] | join(" "))"'
	done > seq
	run cat seq
	assert_output - <<'EOF'
2026-11-02T14:59:59Z pre_transit: 
2026-11-02T15:00:00Z pre_transit: pre_transit@2026-11-02T15:00:00Z
2026-11-03T08:59:59Z pre_transit: pre_transit@2026-11-02T15:00:00Z
2026-11-03T09:00:00Z in_transit: pre_transit@2026-11-02T15:00:00Z in_transit@2026-11-03T09:00:00Z
2026-11-05T07:59:59Z in_transit: pre_transit@2026-11-02T15:00:00Z in_transit@2026-11-03T09:00:00Z
2026-11-05T08:00:00Z out_for_delivery: pre_transit@2026-11-02T15:00:00Z in_transit@2026-11-03T09:00:00Z out_for_delivery@2026-11-05T08:00:00Z
2026-11-05T13:59:59Z out_for_delivery: pre_transit@2026-11-02T15:00:00Z in_transit@2026-11-03T09:00:00Z out_for_delivery@2026-11-05T08:00:00Z
2026-11-05T14:00:00Z delivered: pre_transit@2026-11-02T15:00:00Z in_transit@2026-11-03T09:00:00Z out_for_delivery@2026-11-05T08:00:00Z delivered@2026-11-05T14:00:00Z
2027-06-01T00:00:00Z delivered: pre_transit@2026-11-02T15:00:00Z in_transit@2026-11-03T09:00:00Z out_for_delivery@2026-11-05T08:00:00Z delivered@2026-11-05T14:00:00Z
EOF
	# Before shipped_at nothing has happened yet.
	OMS_NOW=2026-11-01T00:00:00Z run offline track "$req"
	assert_output '{"ok":true,"tracking_number":"9400111201080805483016","status":"pre_transit","events":[]}'
}

@test "track: the failure and returned scenarios" {
	OMS_NOW=2026-11-06T00:00:00Z run offline track "$(track_req 986578788855 2026-11-02T15:00:00Z 3 failure)"
	assert_success
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"failure\",\"events\":[$PRE,$INT,$OFD,$FAIL]}"
	req=$(track_req 986578788855 2026-11-02T15:00:00Z 3 returned)
	OMS_NOW=2026-11-07T13:59:59Z run offline track "$req"
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"failure\",\"events\":[$PRE,$INT,$OFD,$FAIL]}"
	OMS_NOW=2026-11-07T14:00:00Z run offline track "$req"
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"returned\",\"events\":[$PRE,$INT,$OFD,$FAIL,$RET]}"
	OMS_NOW=2026-11-10T00:00:00Z run offline track "$(track_req 986578788855 2026-11-02T15:00:00Z 3 delivered)"
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"delivered\",\"events\":[$PRE,$INT,$OFD,$DEL]}"
}

@test "track: the lost scenario, and OMS_OFFLINE_TRACK giving parcels their fate" {
	LOST='{"at":"2026-11-05T14:00:00Z","status":"lost","description":"The carrier cannot find the parcel"}'
	OMS_NOW=2026-11-06T00:00:00Z run offline track "$(track_req 986578788855 2026-11-02T15:00:00Z 3 lost)"
	assert_success
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"lost\",\"events\":[$PRE,$INT,$OFD,$LOST]}"
	# With no scenario in the request, the environment may name one:
	# for every parcel, or for some by number; the rest are delivered.
	req=$(track_req 986578788855 2026-11-02T15:00:00Z 3)
	OMS_NOW=2026-11-06T00:00:00Z OMS_OFFLINE_TRACK=failure run offline track "$req"
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"failure\",\"events\":[$PRE,$INT,$OFD,$FAIL]}"
	OMS_NOW=2026-11-06T00:00:00Z OMS_OFFLINE_TRACK=1Z999AA10123456784=returned,986578788855=lost run offline track "$req"
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"lost\",\"events\":[$PRE,$INT,$OFD,$LOST]}"
	OMS_NOW=2026-11-06T00:00:00Z OMS_OFFLINE_TRACK=1Z999AA10123456784=returned run offline track "$req"
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"delivered\",\"events\":[$PRE,$INT,$OFD,$DEL]}"
	# A scenario in the request wins; an unknown one in the environment
	# is a usage error.
	OMS_NOW=2026-11-06T00:00:00Z OMS_OFFLINE_TRACK=lost run offline track "$(track_req 986578788855 2026-11-02T15:00:00Z 3 delivered)"
	assert_output "{\"ok\":true,\"tracking_number\":\"986578788855\",\"status\":\"delivered\",\"events\":[$PRE,$INT,$OFD,$DEL]}"
	OMS_OFFLINE_TRACK=stolen run --separate-stderr offline track "$req"
	assert_failure 2
	assert_equal "$stderr" "oms-carrier-offline: OMS_OFFLINE_TRACK: unknown scenario 'stolen': say delivered, failure, returned or lost"
}

@test "track: a late or short shipment's delivery day moves so events stay in order" {
	while IFS='|' read -r at days want; do
		OMS_NOW=2027-06-01T00:00:00Z run offline track "$(track_req 986578788855 "$at" "$days")"
		assert_success
		run jq -r '[.events[] | "\(.status)@\(.at)"] | join(" ")' <<<"$output"
		assert_output "$want"
	done <<'EOF'
2026-11-02T20:00:00Z|1|pre_transit@2026-11-02T20:00:00Z in_transit@2026-11-03T14:00:00Z out_for_delivery@2026-11-04T08:00:00Z delivered@2026-11-04T14:00:00Z
2026-11-02T09:00:00Z|0|pre_transit@2026-11-02T09:00:00Z in_transit@2026-11-03T03:00:00Z out_for_delivery@2026-11-03T08:00:00Z delivered@2026-11-03T14:00:00Z
2026-11-02T13:59:00-05:00|2|pre_transit@2026-11-02T18:59:00Z in_transit@2026-11-03T12:59:00Z out_for_delivery@2026-11-04T08:00:00Z delivered@2026-11-04T14:00:00Z
2026-12-31T23:30:00.250Z|1|pre_transit@2026-12-31T23:30:00Z in_transit@2027-01-01T17:30:00Z out_for_delivery@2027-01-02T08:00:00Z delivered@2027-01-02T14:00:00Z
EOF
}

@test "track: what it refuses" {
	while IFS='|' read -r req error; do
		run --separate-stderr offline track "{\"request_id\":\"t1\",$req}"
		assert_success
		assert_equal "$stderr" ""
		assert_output "{\"ok\":false,\"error\":\"$error\"}"
	done <<'EOF'
"shipped_at":"2026-11-02T15:00:00Z","transit_days":3|tracking_number must be a string
"tracking_number":"1Z999AA10123456785","shipped_at":"2026-11-02T15:00:00Z","transit_days":3|'1Z999AA10123456785' is not a valid tracking number
"tracking_number":"986578788855","transit_days":3|shipped_at must be an RFC 3339 time
"tracking_number":"986578788855","shipped_at":"2026-11-02","transit_days":3|shipped_at must be an RFC 3339 time
"tracking_number":"986578788855","shipped_at":"11/02/2026 3:00 PM","transit_days":3|shipped_at must be an RFC 3339 time
"tracking_number":"986578788855","shipped_at":"2026-11-02T15:00:00","transit_days":3|shipped_at must be an RFC 3339 time
"tracking_number":"986578788855","shipped_at":"2026-11-02T15:00:00Z","transit_days":-1|transit_days must be a whole number of days from 0 to 60
"tracking_number":"986578788855","shipped_at":"2026-11-02T15:00:00Z","transit_days":1.5|transit_days must be a whole number of days from 0 to 60
"tracking_number":"986578788855","shipped_at":"2026-11-02T15:00:00Z"|transit_days must be a whole number of days from 0 to 60
"tracking_number":"986578788855","shipped_at":"2026-11-02T15:00:00Z","transit_days":3,"scenario":"stolen"|scenario must be delivered, failure, returned or lost
"tracking_number":"986578788855","shipped_at":"2026-11-02T15:00:00Z","transit_days":3,"scenario":null|scenario must be delivered, failure, returned or lost
EOF
}

@test "batch: each request answered as it is alone, under its request_id, a refusal refusing none of the others" {
	a=$(label_req b1 ups-ground 2) b=$(label_req b2 usps-priority-mail 1) c=$(label_req b3 dhl-express 1)
	want=$(for r in "$a" "$b" "$c"; do offline label "$r" | jq -c --argjson r "$r" '. + {request_id: $r.request_id}' || true; done |
		jq -sc '{ok: true, request_id: "batch-1", replies: .}')
	run --separate-stderr offline batch "$(jq -nc --argjson a "$a" --argjson b "$b" --argjson c "$c" \
		'{request_id: "batch-1", verb: "label", requests: [$a, $b, $c]}')"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$want"
	assert_equal "$(jq -c '[.replies[] | [.request_id, .ok]]' <<<"$output")" '[["b1",true],["b2",true],["b3",false]]'
	# Rates too.
	r='{"request_id":"q1","level":"standard",'"$US"',"packages":[{"weight_g":400}]}'
	r2='{"request_id":"q2","level":"standard",'"$US"',"packages":[{"weight_g":4000}]}'
	run offline batch '{"request_id":"b","verb":"rate","requests":['"$r"','"$r2"']}'
	assert_success
	assert_equal "$(jq -c '.replies[0] | del(.request_id)' <<<"$output")" "$(offline rate "$r")"
	assert_equal "$(jq -c '.replies[1] | del(.request_id)' <<<"$output")" "$(offline rate "$r2")"
	# The batch's account is each request's, and not echoed.
	run offline batch '{"request_id":"b","verb":"label","account":{"api_key":"SECRET-KEY-1"},"requests":['"$a"']}'
	assert_success
	[[ $output != *SECRET* ]]
	assert_equal "$(jq -c '.replies[0] | del(.request_id)' <<<"$output")" "$(offline label "$a")"
}

@test "batch: what it refuses whole" {
	a=$(label_req b1 ups-ground 1) b=$(label_req b2 ups-ground 1)
	while IFS='|' read -r req err; do
		run --separate-stderr offline batch "$req"
		assert_success
		assert_equal "$stderr" ""
		assert_output "{\"ok\":false,\"error\":\"$err\"}"
	done <<EOF
{"request_id":"b","requests":[$a]}|verb must be rate, label, void or track
{"request_id":"b","verb":"batch","requests":[$a]}|verb must be rate, label, void or track
{"request_id":"b","verb":"label"}|requests must be an array of 1 to 100 requests
{"request_id":"b","verb":"label","requests":[]}|requests must be an array of 1 to 100 requests
{"request_id":"b","verb":"label","requests":{}}|requests must be an array of 1 to 100 requests
{"request_id":"b","verb":"label","requests":[$a,1]}|each of requests must be an object
{"request_id":"b","verb":"label","requests":[$a,{"service":"ups-ground"}]}|each of requests must have a request_id that is not empty
{"request_id":"b","verb":"label","requests":[$a,$b,$a]}|request_id 'b1' is twice in the batch
{"verb":"label","requests":[$a]}|request_id must be a string that is not empty
EOF
	run offline batch "$(jq -nc --argjson a "$a" '{request_id: "b", verb: "label", requests: [range(101) as $i | $a | .request_id += "-\($i)"]}')"
	assert_success
	assert_output '{"ok":false,"error":"requests must be an array of 1 to 100 requests"}'
	run offline batch "$(jq -nc --argjson a "$a" '{request_id: "b", verb: "label", requests: [range(100) as $i | $a | .request_id += "-\($i)"]}')"
	assert_success
	assert_equal "$(jq -c '[(.replies | length), (.replies | map(.request_id) | unique | length)]' <<<"$output")" "[100,100]"
}

@test "capabilities: every verb, and batches of each, as many and as big as it takes" {
	run --separate-stderr offline capabilities '{"request_id":"c"}'
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ok":true,"verbs":["rate","label","void","track","batch","capabilities"],"batch":{"verbs":["rate","label","void","track"],"max_requests":100,"max_bytes":1048576}}'
}

@test "the account's secrets are never echoed or logged" {
	acct='"account":{"api_key":"SECRET-KEY-31337","password":"hunter2-SECRET"}'
	while IFS='|' read -r verb req; do
		for fault in "" fail garbage; do
			OMS_OFFLINE_FAULT=$fault run --separate-stderr offline "$verb" "{$acct,$req}"
			[[ "$output$stderr" != *SECRET* ]] || fail "$verb ($fault) echoed the account: $output $stderr"
		done
	done <<EOF
rate|"request_id":"s1","level":"standard",$US,"packages":[{"weight_g":400}]
rate|"request_id":"s1","service":"nope",$US,"packages":[{"weight_g":400}]
label|"request_id":"s1","service":"ups-ground",$US,"packages":[{"weight_g":400}]
label|"request_id":"s1","service":"x",$US,"packages":[{"weight_g":400}]
void|"request_id":"s1","tracking_numbers":["986578788855"]
void|"request_id":"s1","tracking_numbers":["NOT-A-NUMBER"]
track|"request_id":"s1","tracking_number":"986578788855","shipped_at":"2026-11-02T15:00:00Z","transit_days":3
rate|"level":"standard"
rate|"request_id":"s1" trailing
rate|"request_id":"s1",
EOF
	# The last two are not JSON: a usage error that does not quote them.
	run --separate-stderr offline rate "{$acct,\"request_id\":\"s1\","
	assert_failure 2
	assert_equal "$stderr" "$NOTJSON"
}

@test "OMS_OFFLINE_FAULT=hang: no answer within the caller's timeout" {
	start=$(now_ms)
	OMS_OFFLINE_FAULT=hang run --separate-stderr timeout 2 oms-carrier-offline void <<<'{"request_id":"f1","tracking_numbers":["986578788855"]}'
	assert_failure 124
	assert_output ""
	[ $(( $(now_ms) - start )) -lt 10000 ]
}

@test "OMS_OFFLINE_FAULT=crash: killed by SIGABRT" {
	OMS_OFFLINE_FAULT=crash run --separate-stderr offline void '{"request_id":"f1","tracking_numbers":["986578788855"]}'
	assert_failure 134
	assert_output ""
}

@test "OMS_OFFLINE_FAULT=garbage: not JSON on stdout, exit 0" {
	OMS_OFFLINE_FAULT=garbage run --separate-stderr offline rate '{"request_id":"f1","level":"standard",'"$US"',"packages":[{"weight_g":400}]}'
	assert_success
	assert_output "this is not JSON"
	assert_equal "$stderr" ""
}

@test "OMS_OFFLINE_FAULT=fail, refuse, later: exit 3, 1 and 75 (oms-adapters(7)), a message on stderr, nothing on stdout" {
	OMS_OFFLINE_FAULT=fail run --separate-stderr offline label "$(label_req f1 ups-ground)"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "oms-carrier-offline: failing, as OMS_OFFLINE_FAULT=fail asks"
	OMS_OFFLINE_FAULT=refuse run --separate-stderr offline label "$(label_req f1 ups-ground)"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-carrier-offline: refusing, as OMS_OFFLINE_FAULT=refuse asks"
	OMS_OFFLINE_FAULT=later run --separate-stderr offline label "$(label_req f1 ups-ground)"
	assert_failure 75
	assert_output ""
	assert_equal "$stderr" "oms-carrier-offline: busy, as OMS_OFFLINE_FAULT=later asks"
}

@test "an unknown OMS_OFFLINE_FAULT is a usage error; an empty one no fault" {
	OMS_OFFLINE_FAULT=explode run --separate-stderr offline void '{"request_id":"f1","tracking_numbers":["986578788855"]}'
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "oms-carrier-offline: unknown OMS_OFFLINE_FAULT 'explode': hang, crash, garbage, fail, refuse or later"
	OMS_OFFLINE_FAULT= run --separate-stderr offline void '{"request_id":"f1","tracking_numbers":["986578788855"]}'
	assert_success
	assert_output '{"ok":true,"voided":["986578788855"]}'
}

@test "a write error on stdout is fatal, exit 3" {
	run --separate-stderr sh -c 'oms-carrier-offline void >/dev/full <<EOF
{"request_id":"w1","tracking_numbers":["986578788855"]}
EOF'
	assert_failure 3
	assert_equal "$stderr" "oms-carrier-offline: write error: No space left on device"
}
