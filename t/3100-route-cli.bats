#!/usr/bin/env bats
# oms-route, its command line: the versioned rule sets (rules load, show,
# history) and what a rule set may not say, geo load, usage errors, order
# references it cannot route, and two routing runs and an import at once
# over 2,000 orders competing for scarce stock.

load helper

GEO=${OMS_GEO:-$OMS_SAMPLES/../geo}
NOW=2026-03-02T10:00:00Z

USAGE='usage: oms-route [-qv] [--db PATH] [--explain] [--pending | FILE ...]
       oms-route [-qv] [--db PATH] [--explain] --reroute ORDER [--exclude LOC ...]
       oms-route [-qv] [--db PATH] --dry-run --rules FILE [--orders FILE]
       oms-route rules load [--db PATH] FILE
       oms-route rules show [--db PATH] [VERSION]
       oms-route rules history [--db PATH]
       oms-route geo load [--db PATH] FILE'

# Three warehouses and one product, 5 of it in Newark.
catalog() {
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1","address":{"postal_code":"07114","region":"NJ","country":"US"}}
{"type":"location","id":"ORD1","address":{"postal_code":"60666","region":"IL","country":"US"}}
{"type":"location","id":"LAX1","address":{"postal_code":"90045","region":"CA","country":"US"}}
{"type":"product","sku":"A","weight_g":400}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":5,"key":"r1"}
EOF
}

# A canonical order $1 for $2 units of sku A, to New York.
order() {
	jq -nc --arg e "$1" --argjson q "${2:-1}" '{type:"order",external_id:$e,
		currency:"USD",placed_at:"2026-03-01T10:00:00Z",
		ship_to:{address1:"1 A St",city:"New York",region:"NY",
		postal_code:"10001",country:"US"},
		lines:[{sku:"A",qty:$q,unit_price:"9.99"}]}'
}

# A rule set that uses every part: groups, conditions, both ways of naming
# locations, every policy, a rate table.
good_rules() {
	cat <<'EOF'
{
  "description": "east coast first",
  "groups": {"east": ["EWR1"], "all": ["EWR1", "ORD1", "LAX1"]},
  "rules": [
    {"name": "east", "when": {"region": ["NY", "NJ"], "value_min": "5.00"},
     "group": "east", "strategies": ["closest", "lowest_cost"],
     "split": "never", "backorder": "hold"},
    {"name": "vip", "when": {"tags": ["vip"], "jq": ".totals.total != null"},
     "locations": ["EWR1", "ORD1"], "strategies": ["meets_promise"],
     "backorder": "cancel", "cancel_after_days": 7, "partial": false,
     "service": "ups-ground"},
    {"name": "rest", "group": "all",
     "strategies": ["fewest_shipments", "lowest_cost", "most_stock"],
     "split": {"max_shipments": 2, "min_value": "10.00"}}
  ]
}
EOF
}

rules_table() {
	sqlite3 "$OMS_DB" "SELECT version, loaded_at, source FROM rules ORDER BY version"
}

# ---- rules ------------------------------------------------------------------

@test "rules load: version 1, the same rules again change nothing, changed rules are version 2" {
	catalog
	good_rules > rules.json
	OMS_NOW=$NOW run --separate-stderr oms-route rules load rules.json
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-route: rules version 1 loaded from rules.json"
	# The same rules, byte for byte or laid out otherwise, are no new version.
	OMS_NOW=2026-03-02T11:00:00Z run --separate-stderr oms-route rules load rules.json
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-route: rules unchanged: version 1 is rules.json already"
	jq -c . rules.json > compact.json
	run --separate-stderr oms-route rules load compact.json
	assert_success
	assert_equal "$stderr" "oms-route: rules unchanged: version 1 is compact.json already"
	run rules_table
	assert_output "1|2026-03-02T10:00:00Z|rules.json"
	# A change makes version 2; going back to the first makes version 3.
	jq '.rules[0].split = {"max_shipments": 2}' rules.json > v2.json
	OMS_NOW=2026-03-03T09:30:00Z run --separate-stderr oms-route rules load v2.json
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-route: rules version 2 loaded from v2.json"
	OMS_NOW=2026-03-04T08:00:00Z run --separate-stderr oms-route rules load rules.json
	assert_success
	assert_equal "$stderr" "oms-route: rules version 3 loaded from rules.json"
	run rules_table
	assert_output - <<'OUT'
1|2026-03-02T10:00:00Z|rules.json
2|2026-03-03T09:30:00Z|v2.json
3|2026-03-04T08:00:00Z|rules.json
OUT
	# -q says nothing.
	run --separate-stderr oms-route -q rules load rules.json
	assert_success
	assert_equal "$stderr" ""
}

@test "rules show prints the version in force or the one asked for; history one line each, no body" {
	catalog
	good_rules > rules.json
	jq '.description = "version two"' rules.json > v2.json
	OMS_NOW=$NOW oms-route rules load rules.json 2>/dev/null
	OMS_NOW=2026-03-03T09:30:00Z oms-route rules load v2.json 2>/dev/null
	BODY='{"groups":{"east":["EWR1"],"all":["EWR1","ORD1","LAX1"]},"rules":[{"name":"east","when":{"region":["NY","NJ"],"value_min":"5.00"},"group":"east","strategies":["closest","lowest_cost"],"split":"never","backorder":"hold"},{"name":"vip","when":{"tags":["vip"],"jq":".totals.total != null"},"locations":["EWR1","ORD1"],"strategies":["meets_promise"],"backorder":"cancel","cancel_after_days":7,"partial":false,"service":"ups-ground"},{"name":"rest","group":"all","strategies":["fewest_shipments","lowest_cost","most_stock"],"split":{"max_shipments":2,"min_value":"10.00"}}]}'
	run --separate-stderr oms-route rules show
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"type":"rules","version":2,"loaded_at":"2026-03-03T09:30:00Z","source":"v2.json","digest":"'"$(sqlite3 "$OMS_DB" "SELECT digest FROM rules WHERE version = 2")"'","rules":{"description":"version two",'"${BODY#\{}}"
	run --separate-stderr oms-route rules show 1
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"type":"rules","version":1,"loaded_at":"2026-03-02T10:00:00Z","source":"rules.json","digest":"'"$(sqlite3 "$OMS_DB" "SELECT digest FROM rules WHERE version = 1")"'","rules":{"description":"east coast first",'"${BODY#\{}}"
	# The digests are of the rules, two rule sets two digests.
	run sqlite3 "$OMS_DB" "SELECT count(DISTINCT digest), min(length(digest)), max(length(digest)) FROM rules WHERE digest GLOB '[0-9a-f]*' AND digest NOT GLOB '*[^0-9a-f]*'"
	assert_output "2|16|16"
	run --separate-stderr oms-route rules history
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<OUT
{"type":"rules","version":1,"loaded_at":"2026-03-02T10:00:00Z","source":"rules.json","digest":"$(sqlite3 "$OMS_DB" "SELECT digest FROM rules WHERE version = 1")"}
{"type":"rules","version":2,"loaded_at":"2026-03-03T09:30:00Z","source":"v2.json","digest":"$(sqlite3 "$OMS_DB" "SELECT digest FROM rules WHERE version = 2")"}
OUT
	# A version that is not there.
	run --separate-stderr oms-route rules show 3
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-route: no rules version 3"
}

@test "with no rules loaded, rules show prints the built-in default as version 0" {
	oms init 2>/dev/null
	DEFAULT='{"type":"rules","version":0,"source":"built in","rules":{"rules":[{"name":"default","strategies":["fewest_shipments","closest"],"split":{"max_shipments":3},"backorder":"backorder"}]}}'
	run --separate-stderr oms-route rules show
	assert_success
	assert_equal "$stderr" ""
	assert_output "$DEFAULT"
	run --separate-stderr oms-route rules show 0
	assert_success
	assert_output "$DEFAULT"
	run --separate-stderr oms-route rules history
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr oms-route rules show 1
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-route: no rules version 1"
	# Showing creates no database (a file: on PostgreSQL only
	# createdb makes one).
	! on_pg || return 0
	rm -f "$OMS_DB"*
	run --separate-stderr oms-route rules show
	assert_failure 3
	assert_equal "$stderr" "oms-route: cannot open database '$OMS_DB': No such file or directory (oms init creates it)"
	[ ! -e "$OMS_DB" ]
}

# file | the problem: each rule set breaks one rule.
@test "a rule set that breaks a rule is refused whole, naming the file and the problem" {
	catalog
	good_rules > rules.json
	OMS_NOW=$NOW oms-route rules load rules.json 2>/dev/null
	while IFS='|' read -r name json; do
		printf '%s\n' "$json" > "$name.json"
	done <<'EOF'
no-rules|{"description":"nothing","groups":{"east":["EWR1"]}}
empty-rules|{"rules":[]}
no-name|{"rules":[{"locations":["EWR1"]}]}
empty-name|{"rules":[{"name":"","locations":["EWR1"]}]}
same-name|{"rules":[{"name":"a"},{"name":"b"},{"name":"a","locations":["EWR1"]}]}
strategy|{"rules":[{"name":"a","strategies":["closest","cheapest"]}]}
strategy-twice|{"rules":[{"name":"a","strategies":["closest","lowest_cost","closest"]}]}
condition|{"rules":[{"name":"a","when":{"region":["NY"],"weekday":["mon"]}}]}
location|{"rules":[{"name":"a","locations":["EWR1","SFO1"]}]}
group-location|{"groups":{"west":["LAX1","SFO1"]},"rules":[{"name":"a","group":"west"}]}
group|{"groups":{"east":["EWR1"]},"rules":[{"name":"a","group":"west"}]}
both|{"groups":{"east":["EWR1"]},"rules":[{"name":"a","locations":["EWR1"],"group":"east"}]}
split-0|{"rules":[{"name":"a","split":{"max_shipments":0}}]}
split-6|{"rules":[{"name":"a","split":{"max_shipments":6}}]}
min-value|{"rules":[{"name":"a","split":{"max_shipments":2,"min_value":"ten"}}]}
min-value-number|{"rules":[{"name":"a","split":{"min_value":10}}]}
backorder|{"rules":[{"name":"a","backorder":"wait"}]}
cancel-days|{"rules":[{"name":"a","backorder":"hold","cancel_after_days":3}]}
cancel-days-alone|{"rules":[{"name":"a","cancel_after_days":3}]}
partial|{"rules":[{"name":"a","partial":"yes"}]}
service|{"rules":[{"name":"a","service":"dhl-express"}]}
rule-key|{"rules":[{"name":"a","colour":"red"}]}
split-word|{"rules":[{"name":"a","split":"always"}]}
array|[{"name":"a"}]
EOF
	printf '{"rules": [{"name": "a",\n' > truncated.json
	files="no-rules empty-rules no-name empty-name same-name strategy strategy-twice condition location group-location group both split-0 split-6 min-value min-value-number backorder cancel-days cancel-days-alone partial service rule-key split-word array truncated"
	for f in $files; do
		run --separate-stderr oms-route rules load "$f.json"
		[ "$status" -eq 1 ] || fail "$f.json: exit $status, not 1: $stderr"
		assert_output ""
		printf '%s\n' "$stderr"
	done > got
	run cat got
	assert_output - <<'OUT'
oms-route: no-rules.json: rules must be a list of at least one rule
oms-route: empty-rules.json: rules must be a list of at least one rule
oms-route: no-name.json: rule 1 has no name
oms-route: empty-name.json: rule 1 has no name
oms-route: same-name.json: two rules are named 'a'
oms-route: strategy.json: rule 'a': unknown strategy 'cheapest'
oms-route: strategy-twice.json: rule 'a': strategy 'closest' twice
oms-route: condition.json: rule 'a': unknown condition 'weekday'
oms-route: location.json: rule 'a': unknown location 'SFO1'
oms-route: group-location.json: rule 'a': unknown location 'SFO1'
oms-route: group.json: rule 'a': unknown group 'west'
oms-route: both.json: rule 'a': locations or group, not both
oms-route: split-0.json: rule 'a': split: max_shipments must be 1 to 5
oms-route: split-6.json: rule 'a': split: max_shipments must be 1 to 5
oms-route: min-value.json: rule 'a': split: min_value must be an amount as a decimal string
oms-route: min-value-number.json: rule 'a': split: min_value must be an amount as a decimal string
oms-route: backorder.json: rule 'a': backorder must be "backorder", "hold" or "cancel"
oms-route: cancel-days.json: rule 'a': cancel_after_days goes with "backorder": "cancel"
oms-route: cancel-days-alone.json: rule 'a': cancel_after_days goes with "backorder": "cancel"
oms-route: partial.json: rule 'a': partial must be true or false
oms-route: service.json: rule 'a': no rate table 'dhl-express'
oms-route: rule-key.json: rule 'a': unknown key 'colour'
oms-route: split-word.json: rule 'a': split must be "never" or {"max_shipments": N, "min_value": "AMOUNT"}
oms-route: array.json: not a JSON object
oms-route: truncated.json: not a JSON object
OUT
	# Nothing was stored: version 1 is still the rules in force.
	run rules_table
	assert_output "1|2026-03-02T10:00:00Z|rules.json"
	# A file that is not there is an I/O failure.
	run --separate-stderr oms-route rules load nosuch.json
	assert_failure 3
	assert_equal "$stderr" "oms-route: cannot open rule file 'nosuch.json': No such file or directory"
}

@test "a rule set naming a location is refused on a database that has no locations" {
	oms init 2>/dev/null
	echo '{"rules":[{"name":"a","locations":["EWR1"]}]}' > r.json
	run --separate-stderr oms-route rules load r.json
	assert_failure 1
	assert_equal "$stderr" "oms-route: r.json: rule 'a': unknown location 'EWR1'"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM rules")" "0"
}

@test "an unknown top-level key is refused by its name" {
	catalog
	echo '{"rules":[{"name":"a"}],"extra":1}' > top.json
	run --separate-stderr oms-route rules load top.json
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-route: top.json: unknown key 'extra' (rules, groups and description are known)"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM rules")" "0"
}

# libjq's wording of a syntax error is its own; what oms-route adds is
# pinned: the file, the rule, one "jq:", then jq's complaint itself, not
# only jq's closing count of errors.
@test "a jq condition that does not compile is refused with jq's complaint" {
	catalog
	echo '{"rules":[{"name":"a","when":{"jq":".ship_to | select("}}]}' > jq.json
	run --separate-stderr oms-route rules load jq.json
	assert_failure 1
	assert_output ""
	[[ $stderr == "oms-route: jq.json: rule 'a': jq: "* ]] || fail "stderr: $stderr"
	[[ $stderr == *"syntax error"* ]] || fail "jq's complaint is lost: $stderr"
	[[ $stderr != *"jq: jq:"* ]] || fail "jq: said more than once: $stderr"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM rules")" "0"
}

# ---- geo ----------------------------------------------------------------------

@test "geo load: the GeoNames US file, every postal code once, however often loaded" {
	skip_without_geo
	oms init 2>/dev/null
	run --separate-stderr oms-route geo load "$GEO/US.txt"
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-route: 33791 postal codes loaded from $GEO/US.txt"
	run sqlite3 "$OMS_DB" "SELECT count(*), count(DISTINCT postal_code), min(country), max(country) FROM geo_postal"
	assert_output "33791|33791|US|US"
	run sqlite3 "$OMS_DB" "SELECT postal_code, lat, lon FROM geo_postal WHERE postal_code IN ('10001', '08904') ORDER BY 1"
	assert_output - <<'OUT'
08904|40.500795|-74.427911
10001|40.75065|-73.997293
OUT
	run --separate-stderr oms-route geo load "$GEO/US.txt"
	assert_success
	assert_equal "$stderr" "oms-route: 33791 postal codes loaded from $GEO/US.txt"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM geo_postal")" "33791"
	# From stdin, quietly.
	run --separate-stderr oms-route -q geo load - < "$GEO/US.txt"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM geo_postal")" "33791"
}

@test "geo load: a bad line anywhere refuses the whole file, named by file:line" {
	skip_without_geo
	oms init 2>/dev/null
	head -200 "$GEO/US.txt" > first.txt
	oms-route geo load first.txt 2>/dev/null
	before=$(sqlite3 "$OMS_DB" "SELECT * FROM geo_postal ORDER BY 1, 2" | cksum)
	# Every line before the bad one would move a stored code.
	{ sed -n 1,100p first.txt | awk 'BEGIN { FS = OFS = "\t" } { $10 = "1.5" } 1'
	  printf 'US\t12345\tSomewhere\n'
	  sed -n 101,200p first.txt; } > three.txt
	{ sed -n 1,50p first.txt; printf 'US\t12345\t\t\t\t\t\t\t\t91.5\t-73.0\t\n'; } > lat.txt
	{ sed -n 1,5p first.txt; printf 'US\t12345\t\t\t\t\t\t\t\tnorth\t-73.0\t\n'; } > word.txt
	{ sed -n 1,5p first.txt; printf 'US\t12345\t\t\t\t\t\t\t\t40.0\t-181\t\n'; } > lon.txt
	for f in three lat word lon; do
		run --separate-stderr oms-route geo load "$f.txt"
		[ "$status" -eq 1 ] || fail "$f.txt: exit $status, not 1: $stderr"
		assert_output ""
		printf '%s\n' "$stderr"
	done > got
	run cat got
	assert_output - <<'OUT'
oms-route: three.txt:101: not a GeoNames postal line (country, postal code, ..., lat, lon in columns 10 and 11) (nothing loaded)
oms-route: lat.txt:51: bad latitude '91.5' (nothing loaded)
oms-route: word.txt:6: bad latitude 'north' (nothing loaded)
oms-route: lon.txt:6: bad longitude '-181' (nothing loaded)
OUT
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT * FROM geo_postal ORDER BY 1, 2" | cksum)" "$before"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM geo_postal")" "200"
	# Into an empty table: nothing at all.
	fresh_db
	run --separate-stderr oms-route geo load three.txt
	assert_failure 1
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*) FROM geo_postal")" "0"
	run --separate-stderr oms-route geo load nosuch.txt
	assert_failure 3
	assert_equal "$stderr" "oms-route: cannot open 'nosuch.txt': No such file or directory"
}

# ---- usage ----------------------------------------------------------------------

# args | what was wrong, said before the usage: each is a usage error.
@test "usage errors exit 2 saying what was wrong, then the usage on stderr; --help and -h print the help on stdout" {
	oms init 2>/dev/null
	good_rules > rules.json
	while IFS='|' read -r args first; do
		# shellcheck disable=SC2086
		run --separate-stderr oms-route $args < /dev/null
		[ "$status" -eq 2 ] || fail "oms-route $args: exit $status, not 2: $stderr"
		assert_output ""
		assert_equal "$stderr" "oms-route: $first
$USAGE"
	done <<'EOF'
--bogus|--bogus is not an option of oms-route
-z|-z is not an option of oms-route
--db|--db needs a value
--dry-run|--dry-run needs --rules FILE
--dry-run --orders o.txt|--dry-run needs --rules FILE
--dry-run --rules rules.json --pending|--dry-run reads the orders of --orders, or those waiting
--dry-run --rules rules.json --reroute o_1|--dry-run reads the orders of --orders, or those waiting
--rules rules.json --pending|--rules and --orders go with --dry-run
--orders o.txt --pending|--rules and --orders go with --dry-run
--exclude EWR1|--exclude goes with --reroute
--exclude EWR1 --pending|--exclude goes with --reroute
--exclude EWR1 o.txt|--exclude goes with --reroute
--pending o.txt|name the orders one way: --pending, --reroute or files
--pending --reroute o_1|name the orders one way: --pending, --reroute or files
--reroute o_1 o.txt|name the orders one way: --pending, --reroute or files
rules|rules needs a verb: load, show, history
rules drop|'rules drop' is not a verb of oms-route (oms-route rules: load, show, history)
rules load|rules load needs one FILE
rules load a.json b.json|rules load needs one FILE
rules show 1 2|rules show: too many operands
rules show one|'one' is not a rules version
rules history 1|rules history: too many operands
--pending rules show|--pending is not an option of oms-route rules show
--explain rules history|--explain is not an option of oms-route rules history
geo|geo needs a verb: load
geo unload US.txt|'geo unload' is not a verb of oms-route (oms-route geo: load)
geo load|geo load needs one FILE
geo load a.txt b.txt|geo load needs one FILE
EOF
	for h in --help -h; do
		run --separate-stderr oms-route $h
		assert_success
		assert_equal "$(head -7 <<<"$output")" "$USAGE"
		assert_line "  rules load                   check and store a rule set as the next version"
		assert_line "      --reroute ORDER          release ORDER and route it again"
		assert_line "See oms-route(1)."
		assert_equal "$stderr" ""
		# A verb's own help: its synopsis and options.
		run --separate-stderr oms-route rules load $h
		assert_success
		assert_equal "$(head -1 <<<"$output")" "usage: oms-route rules load [--db PATH] FILE"
		refute_line --partial -- "--reroute"
	done
}

@test "oms route runs oms-route" {
	catalog
	good_rules > rules.json
	OMS_NOW=$NOW run --separate-stderr oms route rules load rules.json
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-route: rules version 1 loaded from rules.json"
	run --separate-stderr oms route rules history
	assert_success
	assert_output '{"type":"rules","version":1,"loaded_at":"2026-03-02T10:00:00Z","source":"rules.json","digest":"'"$(sqlite3 "$OMS_DB" "SELECT digest FROM rules")"'"}'
	order E1 | oms-import --channel oms >/dev/null
	OMS_NOW=$NOW run --separate-stderr oms route <<<"o_1"
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"type":"allocation","order":"o_1","channel":"oms","external_id":"E1","status":"allocated","rule":"east","rules_version":1,"lines":[{"line_no":1,"sku":"A","qty":1,"allocated":1,"locations":[{"location":"EWR1","qty":1}]}],"shipments":[{"location":"EWR1","lines":[1],"value":"9.99","weight_g":400,"distance_km":315.3,"service":"usps-ground-advantage","cost":"8.75","cost_currency":"USD","zone":3,"transit_days":3,"ships_on":"2026-03-02","arrives_on":"2026-03-05","late":false}]}'
	run --separate-stderr oms route --bogus
	assert_failure 2
	assert_equal "${stderr_lines[1]}" "${USAGE%%$'\n'*}"
}

# ---- orders it cannot route -------------------------------------------------------

@test "an order that does not exist is refused by file:line; the other lines are routed" {
	catalog
	{ order E1; order E2; } | oms-import --channel oms >/dev/null
	OMS_NOW=$NOW run --separate-stderr oms-route <<'EOF'
o_1
o_999
{"channel":"oms","external_id":"E404"}
oms:E2
EOF
	assert_failure 1
	assert_equal "$stderr" "oms-route: -:2: no order 'o_999'
oms-route: -:3: no order 'oms:E404'"
	assert_output - <<'OUT'
{"type":"allocation","order":"o_1","channel":"oms","external_id":"E1","status":"allocated","rule":"default","rules_version":0,"lines":[{"line_no":1,"sku":"A","qty":1,"allocated":1,"locations":[{"location":"EWR1","qty":1}]}],"shipments":[{"location":"EWR1","lines":[1],"value":"9.99","weight_g":400,"distance_km":315.3,"service":"usps-ground-advantage","cost":"8.75","cost_currency":"USD","zone":3,"transit_days":3,"ships_on":"2026-03-02","arrives_on":"2026-03-05","late":false}]}
{"type":"allocation","order":"o_2","channel":"oms","external_id":"E2","status":"allocated","rule":"default","rules_version":0,"lines":[{"line_no":1,"sku":"A","qty":1,"allocated":1,"locations":[{"location":"EWR1","qty":1}]}],"shipments":[{"location":"EWR1","lines":[1],"value":"9.99","weight_g":400,"distance_km":315.3,"service":"usps-ground-advantage","cost":"8.75","cost_currency":"USD","zone":3,"transit_days":3,"ships_on":"2026-03-02","arrives_on":"2026-03-05","late":false}]}
OUT
	run sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id; SELECT order_id, sku, location, qty, state FROM allocations ORDER BY id; SELECT on_hand, reserved FROM levels"
	assert_output - <<'OUT'
1|allocated
2|allocated
1|A|EWR1|1|active
2|A|EWR1|1|active
5|2
OUT
	# The same in a file, and for --reroute.
	printf 'o_999\n' > refs.txt
	run --separate-stderr oms-route refs.txt
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-route: refs.txt:1: no order 'o_999'"
	run --separate-stderr oms-route --reroute o_999
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "oms-route: no order 'o_999'"
}

@test "a held or a cancelled order named is refused, saying its status; the rest is routed" {
	catalog
	{
		order E1
		# No sku: held by the import.
		order H1 | jq -c '.lines[0] |= (del(.sku) | .title = "Mystery")'
		order C1 | jq -c '.status = "cancelled"'
	} | oms-import --channel oms > imported.jsonl
	run jq -c '{id, status}' imported.jsonl
	assert_output - <<'OUT'
{"id":"o_1","status":"open"}
{"id":"o_2","status":"hold"}
{"id":"o_3","status":"cancelled"}
OUT
	OMS_NOW=$NOW run --separate-stderr oms-route <<'EOF'
o_2
oms:C1
{"id":"o_1"}
EOF
	assert_failure 1
	assert_equal "$stderr" "oms-route: -:1: order o_2 (oms H1) is hold, not open
oms-route: -:2: order o_3 (oms C1) is cancelled, not open"
	run jq -c '{order, status}' <<<"$output"
	assert_output '{"order":"o_1","status":"allocated"}'
	run sqlite3 "$OMS_DB" "SELECT id, status FROM orders ORDER BY id; SELECT DISTINCT order_id FROM allocations; SELECT order_id, action FROM events WHERE program = 'oms-route'"
	assert_output - <<'OUT'
1|allocated
2|hold
3|cancelled
1
1|allocated
OUT
	# --pending does not take them either.
	run --separate-stderr oms-route --pending
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

# ---- concurrency ----------------------------------------------------------------

# Two routing runs and an import at once over 2,000 orders competing for
# scarce stock: no order allocated twice, no oversell, `oms check` clean.
# 3 locations, 20 skus and a kit; 1,000 orders imported first, then at
# once two `oms-route --pending` and the import of 1,000 more, then a last
# `oms-route --pending`.  About 1 s.  The generator is a MINSTD in exact
# integer arithmetic, so every awk makes the same records.
SEED=31
# shellcheck disable=SC2016
GEN='
function rnd(m) {
	x = (x * 48271) % 2147483647
	return x % m
}
BEGIN {
	x = seed * 7919 % 2147483646 + 1
	split("EWR1 07114 NJ|ORD1 60666 IL|LAX1 90045 CA", locs, "|")
	if (what == "catalog") {
		for (l = 1; l <= 3; l++) {
			split(locs[l], f, " ")
			printf "{\"type\":\"location\",\"id\":\"%s\",\"address\":" \
			    "{\"postal_code\":\"%s\",\"region\":\"%s\",\"country\":\"US\"}}\n",
			    f[1], f[2], f[3]
		}
		for (s = 1; s <= 20; s++)
			printf "{\"type\":\"product\",\"sku\":\"S%02d\",\"weight_g\":%d}\n",
			    s, 100 + 50 * s
		print "{\"type\":\"product\",\"sku\":\"KIT\"}"
		print "{\"type\":\"kit\",\"sku\":\"KIT\",\"components\":" \
		    "[{\"sku\":\"S01\",\"qty\":1},{\"sku\":\"S02\",\"qty\":2}]}"
		for (s = 1; s <= 20; s++)
			for (l = 1; l <= 3; l++) {
				split(locs[l], f, " ")
				q = rnd(25)
				if (q > 0)
					printf "{\"type\":\"movement\",\"kind\":\"receive\"," \
					    "\"sku\":\"S%02d\",\"location\":\"%s\",\"qty\":%d," \
					    "\"key\":\"r-S%02d-%s\"}\n", s, f[1], q, s, f[1]
			}
		exit
	}
	split("10001 NY|60601 IL|90012 CA|94105 CA|33101 FL|75201 TX|98101 WA|02108 MA",
	    dest, "|")
	for (i = first; i < first + n; i++) {
		split(dest[1 + rnd(8)], d, " ")
		nl = 1 + rnd(3)
		lines = ""
		for (j = 1; j <= nl; j++) {
			sku = rnd(40) == 0 ? "KIT" : sprintf("S%02d", 1 + rnd(20))
			lines = lines sprintf("%s{\"sku\":\"%s\",\"qty\":%d," \
			    "\"unit_price\":\"%d.99\"}", j > 1 ? "," : "", sku,
			    1 + rnd(3), 5 + rnd(20))
		}
		printf "{\"type\":\"order\",\"external_id\":\"E%d\",\"currency\":\"USD\"," \
		    "\"placed_at\":\"2026-03-01T%02d:%02d:%02dZ\",\"ship_to\":" \
		    "{\"address1\":\"%d A St\",\"city\":\"Town\",\"region\":\"%s\"," \
		    "\"postal_code\":\"%s\",\"country\":\"US\"},\"lines\":[%s]}\n",
		    i, int(i / 3600), int(i / 60) % 60, i % 60, i, d[2], d[1], lines
	}
}'

# Run "$@" in the background; its stdout, stderr and exit status go to
# $name.out, $name.err and $name.rc.
bg() {
	local name=$1
	shift
	( rc=0; "$@" > "$name.out" 2> "$name.err" || rc=$?; echo "$rc" > "$name.rc" ) &
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	OMS_DB=$(shared_db "$BATS_FILE_TMPDIR/oms.db") || return 1
	export OMS_DB RUNS_DB=$OMS_DB
	oms -q init || return 1
	awk -v what=catalog -v seed="$SEED" "$GEN" > catalog.jsonl
	awk -v first=1 -v n=1000 -v seed=$((SEED + 1)) "$GEN" > orders1.jsonl
	awk -v first=1001 -v n=1000 -v seed=$((SEED + 2)) "$GEN" > orders2.jsonl
	oms-stock catalog.jsonl > /dev/null || return 1
	oms-import --channel oms orders1.jsonl > import1.out || return 1
	start=$(now_ms)
	bg route1 oms-route --pending
	bg route2 oms-route --pending
	bg import2 oms-import --channel oms orders2.jsonl
	wait
	bg route3 oms-route --pending
	wait
	echo $(( $(now_ms) - start )) > elapsed
}

# The database the runs left, read where they left it.
use_runs() {
	cd "$BATS_FILE_TMPDIR" || return 1
	export OMS_DB=$RUNS_DB
}

@test "the inputs: 2,000 orders over 20 skus and a kit at 3 locations, stock well below demand" {
	use_runs
	assert_equal "$(cat orders1.jsonl orders2.jsonl | jq -r .external_id | sort -u | wc -l)" "2000"
	assert_equal "$(cat orders1.jsonl orders2.jsonl | jq -r '.lines[].sku' | sort -u | wc -l)" "21"
	run jq -r 'select(.type == "location") | .id' catalog.jsonl
	assert_output "EWR1
ORD1
LAX1"
	demand=$(cat orders1.jsonl orders2.jsonl | jq -s '[.[].lines[] | .qty * (if .sku == "KIT" then 3 else 1 end)] | add')
	stock=$(jq -s '[.[] | select(.type == "movement") | .qty] | add' catalog.jsonl)
	[ "$((stock * 4))" -lt "$demand" ] || fail "stock $stock is not well below demand $demand"
	assert_equal "$(awk -v first=1001 -v n=1000 -v seed=$((SEED + 2)) "$GEN" | cksum)" "$(cksum < orders2.jsonl)"
	echo "# 2 routing runs and an import at once, then a last run: $(cat elapsed) ms" >&3
}

@test "every run and the import exit 0 saying nothing; every order is in, none left open" {
	use_runs
	for p in route1 route2 import2 route3; do
		assert_equal "$p: $(cat "$p.rc")" "$p: 0"
		assert_equal "$p: $(cat "$p.err")" "$p: "
	done
	assert_equal "$(wc -l < import2.out)" "1000"
	run sqlite3 "$OMS_DB" "SELECT count(*), count(DISTINCT external_id) FROM orders; SELECT count(*) FROM orders WHERE status NOT IN ('allocated', 'partial', 'backordered')"
	assert_output "2000|2000
0"
	# The race was for real: some orders got stock, many did not.
	run sqlite3 "$OMS_DB" "SELECT count(*) > 100 FROM orders WHERE status = 'allocated'; SELECT count(*) > 500 FROM orders WHERE status = 'backordered'"
	assert_output "1
1"
}

@test "no line has more allocated than ordered, and the active allocations are what the lines say" {
	use_runs
	run sqlite3 "$OMS_DB" "SELECT order_id, line_no, qty, allocated FROM order_lines WHERE allocated < 0 OR allocated > qty"
	assert_output ""
	# A plain line: its allocations' units.
	run sqlite3 "$OMS_DB" "
		SELECT l.order_id, l.line_no, l.allocated, coalesce(sum(a.qty), 0)
		FROM order_lines l LEFT JOIN allocations a ON a.order_id = l.order_id
		  AND a.line_no = l.line_no AND a.state = 'active'
		WHERE l.sku NOT IN (SELECT kit_sku FROM kit_components)
		GROUP BY l.order_id, l.line_no
		HAVING l.allocated <> coalesce(sum(a.qty), 0)"
	assert_output ""
	# A kit line: each component's units per kit, for every kit allocated.
	run sqlite3 "$OMS_DB" "
		SELECT l.order_id, l.line_no, k.sku, l.allocated * k.qty,
		  (SELECT coalesce(sum(a.qty), 0) FROM allocations a
		   WHERE a.order_id = l.order_id AND a.line_no = l.line_no
		     AND a.sku = k.sku AND a.state = 'active')
		FROM order_lines l JOIN kit_components k ON k.kit_sku = l.sku
		WHERE l.allocated * k.qty <> (SELECT coalesce(sum(a.qty), 0)
		  FROM allocations a WHERE a.order_id = l.order_id
		    AND a.line_no = l.line_no AND a.sku = k.sku AND a.state = 'active')"
	assert_output ""
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM allocations WHERE state <> 'active'; SELECT count(*) > 0 FROM order_lines WHERE sku = 'KIT' AND allocated > 0"
	assert_output "0
1"
	# An order's status is what its lines say.
	run sqlite3 "$OMS_DB" "
		SELECT o.id, o.status, sum(l.allocated), sum(l.qty) FROM orders o
		JOIN order_lines l ON l.order_id = o.id GROUP BY o.id
		HAVING NOT ((o.status = 'allocated' AND sum(l.allocated) = sum(l.qty))
		  OR (o.status = 'partial' AND sum(l.allocated) BETWEEN 1 AND sum(l.qty) - 1)
		  OR (o.status = 'backordered' AND sum(l.allocated) = 0))"
	assert_output ""
}

@test "nothing reserved that is not on hand, and the reservations are the active allocations" {
	use_runs
	run sqlite3 "$OMS_DB" "SELECT sku, location, on_hand, reserved FROM levels WHERE reserved < 0 OR reserved > on_hand OR in_transit <> 0"
	assert_output ""
	run diff <(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT sku, location, sum(qty) FROM allocations WHERE state = 'active' GROUP BY 1, 2 ORDER BY 1, 2") \
		<(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT sku, location, reserved FROM levels WHERE reserved <> 0 ORDER BY 1, 2")
	assert_success
	# On hand is what was received: routing moves no stock.
	run diff <(jq -r 'select(.type == "movement") | [.sku, .location, .qty] | join("|")' catalog.jsonl | sort) \
		<(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT sku, location, on_hand FROM levels WHERE on_hand > 0 ORDER BY 1, 2")
	assert_success
	# The last run left no free unit that a waiting order could take.
	run sqlite3 "$OMS_DB" "
		SELECT DISTINCT l.sku FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE o.status IN ('partial', 'backordered') AND l.allocated < l.qty
		  AND l.sku NOT IN (SELECT kit_sku FROM kit_components)
		  AND EXISTS (SELECT 1 FROM levels v WHERE v.sku = l.sku
		    AND v.on_hand > v.reserved)"
	assert_output ""
}

@test "each allocation has its one reserve movement; verify and oms check find nothing" {
	use_runs
	run sqlite3 "$OMS_DB" "SELECT key, count(*) FROM movements GROUP BY key HAVING count(*) > 1"
	assert_output ""
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM movements WHERE kind NOT IN ('receive', 'reserve')"
	assert_output "0"
	run diff <(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT 'route:a' || id, sku, location, qty, 'o_' || order_id FROM allocations ORDER BY 1") \
		<(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT key, sku, location, qty, ref FROM movements WHERE kind = 'reserve' ORDER BY 1")
	assert_success
	run --separate-stderr oms-stock verify
	assert_success
	assert_output ""
	assert_equal "$stderr" "oms-stock: the levels agree with the ledger"
	run --separate-stderr oms check
	assert_success
	assert_output ""
}

@test "no order is printed as allocated by two runs, and what the runs printed is what is stored" {
	use_runs
	run sh -c 'cat route1.out route2.out route3.out | jq -r "select(.status == \"allocated\") | .order" | sort | uniq -d'
	assert_output ""
	# Every allocated order was printed as allocated once, by some run.
	run diff <(cat route1.out route2.out route3.out | jq -r 'select(.status == "allocated") | .order' | sort) \
		<(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT 'o_' || id FROM orders WHERE status = 'allocated'" | sort)
	assert_success
	# What was printed of an allocated order is its stored route.
	run diff <(cat route1.out route2.out route3.out | jq -c 'select(.status == "allocated") | {order, status, lines, shipments}' | sort) \
		<(sqlite3 -cmd ".timeout 10000" "$OMS_DB" "SELECT record FROM routes" | jq -c 'select(.status == "allocated") | {order, status, lines, shipments}' | sort)
	assert_success
}
