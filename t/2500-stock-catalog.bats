#!/usr/bin/env bats
# oms-stock import-catalog, export-catalog and import-shopify-inventory:
# the catalog as CSV for a PIM or ERP, and a Shopify inventory export read
# as counts.

load helper

MIXED="$FIX/catalog-mixed.csv"
SHOP19="$FIX/shopify-inventory-19.csv"
OLT="$OMS_SAMPLES/shopify_inventory_export__olt-jewellery.csv"

loc() {
	oms-stock >/dev/null <<<"{\"type\":\"location\",\"id\":\"$1\"}"
}

on_hand() {
	sqlite3 "$OMS_DB" "SELECT on_hand FROM levels WHERE sku = '$1' AND location = '$2'"
}

@test "import-catalog: every type from one file, echoed; a bad row named, rejected with its raw row, the rest in" {
	run --separate-stderr oms-stock import-catalog --rejects rej.jsonl "$MIXED"
	assert_failure 1
	assert_equal "$stderr" "oms-stock: $MIXED:8: weight_g must be a whole number"
	run jq -c '[.type, (.sku // .id)]' <<<"$output"
	assert_output - <<'OUT'
["location","WH1"]
["product","TEE"]
["product","MUG"]
["product","SET"]
["kit","SET"]
["listing","TEE"]
OUT
	run jq -c '[.file, .line, .reason, .raw]' rej.jsonl
	assert_output "[\"$MIXED\",8,\"weight_g must be a whole number\",\"product,,,,,,,,BAD,,heavy,,,,,,,,,,,,,,\\n\"]"
	run sqlite3 "$OMS_DB" "SELECT record FROM products WHERE sku = 'TEE'"
	assert_output '{"type":"product","sku":"TEE","title":"Tee, \"black\"","weight_g":200,"dims_mm":[300,200,10],"cost":"4.50","currency":"GBP","bins":{"WH1":"A-01"},"attributes":{"Color":"Black"},"season":"summer"}'
	run sqlite3 "$OMS_DB" "SELECT city, country, sellable, priority FROM locations; SELECT kit_sku, sku, qty FROM kit_components ORDER BY 2; SELECT channel, channel_sku, price, active, safety_stock FROM listings"
	assert_output - <<'OUT'
Leeds|GB|1|1
SET|MUG|2
SET|TEE|1
amazon|TEE-AMZ|1999|1|2
OUT
}

@test "import-catalog: a product-only file (sku column, no type column), --dry-run writes nothing" {
	printf 'title,sku,weight_g\nCap,CAP,90\n' >p.csv
	run --separate-stderr oms-stock import-catalog --dry-run p.csv
	assert_success
	assert_output '{"type":"product","title":"Cap","sku":"CAP","weight_g":90}'
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM products"
	assert_output 0
	run oms-stock import-catalog p.csv
	assert_success
	run sqlite3 "$OMS_DB" "SELECT sku, weight_g FROM products"
	assert_output "CAP|90"
}

@test "import-catalog: a header without type or sku, an unknown type, a kit naming an unknown sku" {
	printf 'name\nx\n' >n.csv
	run --separate-stderr oms-stock import-catalog n.csv
	assert_failure 1
	assert_equal "$stderr" "oms-stock: n.csv:1: the header has no column 'type' or 'sku'"
	printf 'type,sku,components\nwidget,W,\nkit,K,A*1\n,X,\n' >k.csv
	run --separate-stderr oms-stock import-catalog k.csv
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "oms-stock: k.csv:2: type 'widget' is not location, product, listing or kit
oms-stock: k.csv:3: unknown sku 'K' (a product record adds it)
oms-stock: k.csv:4: no type"
}

@test "export-catalog: export, import into a fresh db, export again gives the same file" {
	oms-stock import-catalog "$MIXED" >/dev/null 2>&1 || true
	oms-stock export-catalog >e1.csv
	fresh_db "$BATS_TEST_TMPDIR/fresh.db"
	OMS_DB=$BATS_TEST_TMPDIR/fresh.db oms-stock import-catalog e1.csv >/dev/null
	OMS_DB=$BATS_TEST_TMPDIR/fresh.db oms-stock export-catalog >e2.csv
	cmp e1.csv e2.csv
	run sed -n '1p;5p' e1.csv
	assert_output - <<OUT
type,id,name,kind,address1,address2,city,region,postal_code,country,lat,lon,sellable,ships,pickup,priority,capacity_per_day,cutoff,tz,sku,title,barcode,weight_g,length_mm,width_mm,height_mm,cost,currency,components,channel,channel_sku,price,active,safety_stock,percent,max_qty,end_when,attr:Color,bin:WH1,season$(printf '\r')
product,,,,,,,,,,,,,,,,,,,TEE,"Tee, ""black""",,200,300,200,10,4.50,GBP,,,,,,,,,,Black,A-01,summer$(printf '\r')
OUT
	for t in product listing location kit; do
		oms-stock export-catalog --type $t >$t-1.csv
		fresh_db "$BATS_TEST_TMPDIR/t.db"
		[ $t = product ] || [ $t = location ] || OMS_DB=$BATS_TEST_TMPDIR/t.db oms-stock import-catalog e1.csv >/dev/null
		OMS_DB=$BATS_TEST_TMPDIR/t.db oms-stock import-catalog $t-1.csv >/dev/null
		OMS_DB=$BATS_TEST_TMPDIR/t.db oms-stock export-catalog --type $t >$t-2.csv
		cmp $t-1.csv $t-2.csv
	done
	run head -1 product-1.csv
	assert_output "sku,title,barcode,weight_g,length_mm,width_mm,height_mm,cost,currency,attr:Color,bin:WH1,season$(printf '\r')"
	run --separate-stderr oms-stock export-catalog --type order
	assert_failure 2
}

@test "import-shopify-inventory: the real 17-column export, counts, warnings by line, idempotent" {
	skip_without_samples
	loc SYD
	run --separate-stderr oms-stock import-shopify-inventory -v --location SYD "$OLT"
	assert_failure 1
	assert_equal "$(jq -r .type <<<"$output" | sort | uniq -c | tr -s ' ')" " 251 movement
 251 product"
	run grep -c 'warning: .* counted as 0' <<<"$stderr"
	assert_output 14
	run grep -o '^oms-stock: [^ ]*csv:[0-9]*: warning: [^ ]*' <<<"$stderr"
	assert_line --index 0 "oms-stock: $OLT:413: warning: 25992-85:"
	assert_line --index 13 "oms-stock: $OLT:834: warning: 1076:"
	run grep -v ': warning: ' <<<"$stderr"
	assert_output - <<OUT
oms-stock: $OLT:368: SKU '25941-93' is on line 367 too: one count per SKU
oms-stock: $OLT:861: SKU '1013' is on line 62 too: one count per SKU
oms-stock: $OLT: 631 rows without a SKU skipped
oms-stock: 251 applied, 0 already there, 2 rejected, 631 skipped, 14 warnings
OUT
	run sqlite3 "$OMS_DB" "SELECT count(*) FROM products; SELECT count(*) FROM movements WHERE kind = 'count'; SELECT title FROM products WHERE sku = 'N5000-4'; SELECT title FROM products WHERE sku = '1012'"
	assert_output - <<'OUT'
251
251
2013 Australia ½ oz Gold $50 Australian Kangaroo coin
18ct Gold Pendant with Amethyst surrounded by Diamonds 1012 - Black
OUT
	assert_equal "$(on_hand 235G SYD)" 1
	assert_equal "$(on_hand 25992-85 SYD)" 0
	assert_equal "$(on_hand 1013 SYD)" 0
	before=$(sqlite3 "$OMS_DB" "SELECT count(*), sum(on_hand) FROM movements JOIN levels USING (sku, location)")
	run --separate-stderr oms-stock import-shopify-inventory --location SYD "$OLT"
	assert_failure 1
	assert_equal "$(jq -r '[.type, .duplicate] | @tsv' <<<"$output" | sort | uniq -c | tr -s ' ')" " 251 movement	true"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT count(*), sum(on_hand) FROM movements JOIN levels USING (sku, location)")" "$before"
	run oms-stock verify
	assert_success
}

@test "import-shopify-inventory: 19 columns, On hand (new) before (current), Not stocked, negative, one Shopify location" {
	loc WH
	run --separate-stderr oms-stock import-shopify-inventory --location WH "$SHOP19"
	assert_failure 1
	assert_equal "$stderr" "oms-stock: $SHOP19:5: rows for more than one Shopify location ('Shop', 'Depot'): choose one with --shopify-location"
	assert_output ''
	run --separate-stderr oms-stock import-shopify-inventory -v --shopify-location Shop --location WH "$SHOP19"
	assert_success
	assert_equal "$stderr" "oms-stock: $SHOP19:4: TEE-BLK-S is not stocked at this location: skipped
oms-stock: $SHOP19:6: warning: MUG: on hand -2 counted as 0 (the ledger cannot go below 0)
oms-stock: $SHOP19: 1 row without a SKU skipped
oms-stock: 3 applied, 0 already there, 0 rejected, 2 skipped, 1 warnings"
	run sqlite3 "$OMS_DB" "SELECT sku, title, on_hand FROM products LEFT JOIN levels USING (sku) ORDER BY 1"
	assert_output - <<'OUT'
MUG|Mug|0
TEE-BLK-L|Tee - Black / L|3
TEE-BLK-M|Tee - Black / M|7
OUT
	run oms-stock import-shopify-inventory --location WH --shopify-location Nowhere "$SHOP19"
	assert_failure 1
	run --separate-stderr oms-stock import-shopify-inventory --location NOPE --shopify-location Depot "$SHOP19"
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "oms-stock: $SHOP19:5: unknown location 'NOPE' (a location record adds it)"
	loc DEPOT
	run --separate-stderr oms-stock import-shopify-inventory --location DEPOT --shopify-location Depot "$SHOP19"
	assert_success
	assert_equal "$(on_hand TEE-BLK-M DEPOT)" 9
	assert_equal "$(on_hand TEE-BLK-M WH)" 7
	run oms-stock import-shopify-inventory "$SHOP19"
	assert_failure 2
}
