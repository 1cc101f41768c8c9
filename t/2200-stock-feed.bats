#!/usr/bin/env bats
# oms-stock feed: every shipped feed format, column by column; delta feeds
# and the cursor; --full, --dry-run; a failed write; the search path.

load helper

# One location, three products, a listing of each on each channel.
setup_catalog() {
	oms-stock >/dev/null <<'EOF'
{"type":"location","id":"EWR1"}
{"type":"product","sku":"A","title":"Tee, \"black\" M"}
{"type":"product","sku":"B","title":"Mug"}
{"type":"product","sku":"C","title":"Cap"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":12,"key":"a"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":5,"key":"b"}
{"type":"listing","channel":"amazon","channel_sku":"AMZ-A","sku":"A","price":"19.99","currency":"USD","safety_stock":2,"product_id":"B00TEST123","product_id_type":"1","item_condition":"11","leadtime_to_ship":"2"}
{"type":"listing","channel":"amazon","channel_sku":"AMZ-B","sku":"B","price":"7.5","currency":"USD"}
{"type":"listing","channel":"amazon","channel_sku":"AMZ-C","sku":"C","currency":"USD"}
{"type":"listing","channel":"shopify","channel_sku":"SH-A","sku":"A","handle":"tee","option1_name":"Size","option1_value":"M","option2_name":"Color","option2_value":"Black","location":"Newark DC"}
{"type":"listing","channel":"shopify","channel_sku":"SH-B","sku":"B","handle":"mug"}
{"type":"listing","channel":"ebay","channel_sku":"EB-A","sku":"A","percent":50}
{"type":"listing","channel":"ebay","channel_sku":"EB-B","sku":"B","max_qty":3}
{"type":"listing","channel":"etsy","channel_sku":"ET-A","sku":"A","price":"21.00","currency":"EUR"}
{"type":"listing","channel":"etsy","channel_sku":"ET-C","sku":"C","price":"9","currency":"EUR","active":false}
{"type":"listing","channel":"woocommerce","channel_sku":"W-A","sku":"A","product_id":101}
{"type":"listing","channel":"woocommerce","channel_sku":"W-B","sku":"B"}
EOF
}

move() {	# sku qty key
	echo "{\"type\":\"movement\",\"kind\":\"adjust\",\"sku\":\"$1\",\"location\":\"EWR1\",\"qty\":$2,\"reason\":\"test\",\"key\":\"$3\"}" | oms-stock >/dev/null
}

state() {
	sqlite3 "$OMS_DB" "SELECT channel, channel_sku, quantity, coalesce(price, '-') FROM feed_state ORDER BY 1, 2; SELECT channel, last_run FROM feed_cursors ORDER BY 1"
}

@test "amazon: Price & Quantity is the channel's default, tab-separated with its preamble" {
	setup_catalog
	run --separate-stderr oms-stock feed --channel amazon
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-A\t19.99\t10\nAMZ-B\t7.50\t5\nAMZ-C\t\t0')"
	# Column by column: three cells on every line after the preamble.
	oms-stock feed --channel amazon --full > f.txt
	run awk -F'\t' 'NR > 1 { print NF ":" $1 ":" $2 ":" $3 }' f.txt
	assert_output - <<'OUT'
3:sku:price:quantity
3:AMZ-A:19.99:10
3:AMZ-B:7.50:5
3:AMZ-C::0
OUT
}

@test "amazon: the Inventory Loader has the legacy columns, filled from the listing" {
	setup_catalog
	run --separate-stderr oms-stock feed --channel amazon --format amazon-inventory-loader
	assert_success
	printf 'sku\tproduct-id\tproduct-id-type\tprice\tminimum-seller-allowed-price\tmaximum-seller-allowed-price\titem-condition\tquantity\tadd-delete\twill-ship-internationally\texpedited-shipping\tstandard-plus\titem-note\tfulfillment-center-id\tproduct-tax-code\tleadtime-to-ship\tmerchant_shipping_group_name\n' > want
	printf 'AMZ-A\tB00TEST123\t1\t19.99\t\t\t11\t10\ta\t\t\t\t\t\t\t2\t\n' >> want
	printf 'AMZ-B\t\t\t7.50\t\t\t\t5\ta\t\t\t\t\t\t\t\t\n' >> want
	printf 'AMZ-C\t\t\t\t\t\t\t0\ta\t\t\t\t\t\t\t\t\n' >> want
	assert_equal "$output" "$(cat want)"
	run awk -F'\t' '{ print NF }' <<<"$output"
	assert_output "$(printf '17\n17\n17\n17')"
}

@test "shopify: the 19-column inventory CSV, the available figure as the new On hand" {
	setup_catalog
	run --separate-stderr oms-stock feed --channel shopify
	assert_success
	assert_output - <<'OUT'
Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current),On hand (new)
tee,"Tee, ""black"" M",Size,M,Color,Black,,,SH-A,,,Newark DC,,,,,,,12
mug,Mug,Title,Default Title,,,,,SH-B,,,Shop location,,,,,,,5
OUT
	# Column by column, through a real CSV parser (sqlite3's).
	oms-stock feed --channel shopify --full > inv.csv
	run sqlite3 :memory: ".import --csv inv.csv t" "SELECT count(*) FROM pragma_table_info('t'); SELECT Handle, Title, \"Option1 Name\", \"Option1 Value\", \"Option2 Name\", \"Option2 Value\", SKU, Location, \"Available (not editable)\", \"On hand (current)\", \"On hand (new)\" FROM t"
	assert_output - <<'OUT'
19
tee|Tee, "black" M|Size|M|Color|Black|SH-A|Newark DC|||12
mug|Mug|Title|Default Title|||SH-B|Shop location|||5
OUT
}

@test "ebay: a File Exchange revise file by custom label" {
	setup_catalog
	run --separate-stderr oms-stock feed --channel ebay
	assert_success
	assert_output - <<'OUT'
Action(SiteID=US|Country=US|Currency=USD|Version=1193|CC=UTF-8),Custom label (SKU),Quantity
Revise,EB-A,6
Revise,EB-B,3
OUT
}

@test "etsy: SKU, Quantity, Price; an inactive listing is not in the file" {
	setup_catalog
	run --separate-stderr oms-stock feed --channel etsy
	assert_success
	assert_output - <<'OUT'
SKU,Quantity,Price
ET-A,12,21.00
OUT
}

@test "woocommerce: batch bodies of at most 100 updates, the id when the listing has one" {
	setup_catalog
	run --separate-stderr oms-stock feed --channel woocommerce
	assert_success
	assert_output '{"update":[{"id":101,"sku":"W-A","stock_quantity":12,"manage_stock":true},{"sku":"W-B","stock_quantity":5,"manage_stock":true}]}'
	for i in $(seq 1 101); do
		echo "{\"type\":\"listing\",\"channel\":\"woocommerce\",\"channel_sku\":\"W-X$(printf %03d "$i")\",\"sku\":\"B\"}"
	done | oms-stock >/dev/null
	run oms-stock feed --channel woocommerce
	assert_success
	assert_equal "$(wc -l <<<"$output")" 2
	run jq -c '[.update | length, .[0].sku, .[-1].sku]' <<<"$output"
	assert_output - <<'OUT'
[100,"W-X001","W-X100"]
[1,"W-X101","W-X101"]
OUT
	# The first feed sent W-A and W-B; this one only what is new.
	run oms-stock feed --channel woocommerce
	assert_output ""
}

@test "jsonl: one availability record a line, for any channel" {
	setup_catalog
	run --separate-stderr oms-stock feed --channel ebay --format jsonl
	assert_success
	assert_output - <<'OUT'
{"type":"availability","channel":"ebay","channel_sku":"EB-A","sku":"A","available":6,"pool":12,"active":true}
{"type":"availability","channel":"ebay","channel_sku":"EB-B","sku":"B","available":3,"pool":5,"active":true}
OUT
}

@test "a delta feed writes only what changed since the channel's last feed" {
	setup_catalog
	OMS_NOW=2026-11-26T10:00:00Z oms-stock feed --channel etsy --format jsonl >/dev/null
	OMS_NOW=2026-11-26T10:00:00Z oms-stock feed --channel amazon >/dev/null
	run state
	assert_output - <<'OUT'
amazon|AMZ-A|10|1999
amazon|AMZ-B|5|750
amazon|AMZ-C|0|-
etsy|ET-A|12|2100
amazon|2026-11-26T10:00:00Z
etsy|2026-11-26T10:00:00Z
OUT
	# Nothing changed: the preamble and header alone.
	run oms-stock feed --channel amazon
	assert_success
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity')"
	# A movement of B: only B, on every channel that lists it.
	move B -2 adj-1
	run oms-stock feed --channel amazon
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-B\t7.50\t3')"
	run oms-stock feed --channel amazon
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity')"
	# A price change alone is a change too.
	echo '{"type":"listing","channel":"amazon","channel_sku":"AMZ-A","sku":"A","price":"18.99","currency":"USD","safety_stock":2}' | oms-stock >/dev/null
	run oms-stock feed --channel amazon
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-A\t18.99\t10')"
	# An order taking A: every listing of A changes.
	sqlite3 "$OMS_DB" "INSERT INTO orders (id, channel, external_id, status, imported_at, updated_at, currency, digest, record) VALUES (1, 'ebay', 'E1', 'open', 't', 't', 'USD', 'd', '{}'); INSERT INTO order_lines (order_id, line_no, sku, qty) VALUES (1, 1, 'A', 4)"
	run oms-stock feed --channel etsy --format jsonl
	assert_output '{"type":"availability","channel":"etsy","channel_sku":"ET-A","sku":"A","available":8,"pool":8,"price":"21.00","currency":"EUR","active":true}'
	run oms-stock feed --channel amazon
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-A\t18.99\t6')"
}

@test "--full writes every active listing; a listing made inactive is sent once as 0" {
	setup_catalog
	oms-stock feed --channel ebay >/dev/null
	run oms-stock feed --channel ebay --full
	assert_output - <<'OUT'
Action(SiteID=US|Country=US|Currency=USD|Version=1193|CC=UTF-8),Custom label (SKU),Quantity
Revise,EB-A,6
Revise,EB-B,3
OUT
	echo '{"type":"listing","channel":"ebay","channel_sku":"EB-A","sku":"A","active":false}' | oms-stock >/dev/null
	run oms-stock feed --channel ebay
	assert_output - <<'OUT'
Action(SiteID=US|Country=US|Currency=USD|Version=1193|CC=UTF-8),Custom label (SKU),Quantity
Revise,EB-A,0
OUT
	run oms-stock feed --channel ebay
	assert_output "Action(SiteID=US|Country=US|Currency=USD|Version=1193|CC=UTF-8),Custom label (SKU),Quantity"
	run oms-stock feed --channel ebay --full
	assert_output - <<'OUT'
Action(SiteID=US|Country=US|Currency=USD|Version=1193|CC=UTF-8),Custom label (SKU),Quantity
Revise,EB-B,3
OUT
}

@test "--full records what changed and leaves the rest as sent: a delta after it sends nothing, a price change alone is recorded" {
	setup_catalog
	oms-stock feed --channel amazon >/dev/null
	move A 4 a2
	echo '{"type":"listing","channel":"amazon","channel_sku":"AMZ-B","sku":"B","price":"8.25","currency":"USD"}' | oms-stock >/dev/null
	run oms-stock feed --channel amazon --full
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-A\t19.99\t14\nAMZ-B\t8.25\t5\nAMZ-C\t\t0')"
	run sqlite3 "$OMS_DB" "SELECT channel_sku, quantity, coalesce(price, '-') FROM feed_state WHERE channel = 'amazon' ORDER BY 1"
	assert_output $'AMZ-A|14|1999\nAMZ-B|5|825\nAMZ-C|0|-'
	run oms-stock feed --channel amazon
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity')"
}

@test "a feed that cannot be written exits 3 and leaves the cursor; the next run has the rows" {
	setup_catalog
	run --separate-stderr sh -c 'oms-stock feed --channel etsy > /dev/full'
	assert_failure 3
	assert_equal "$stderr" "oms-stock: write error: No space left on device"
	run state
	assert_output ""
	move A -1 adj-1
	run --separate-stderr sh -c 'oms-stock feed --channel etsy --full > /dev/full'
	assert_failure 3
	run oms-stock feed --channel etsy
	assert_success
	assert_output - <<'OUT'
SKU,Quantity,Price
ET-A,11,21.00
OUT
	run state
	assert_output --regexp '^etsy\|ET-A\|11\|2100
etsy\|2026-'
}

@test "--dry-run writes the file and leaves the cursor; -v says what was written" {
	setup_catalog
	run --separate-stderr oms-stock feed --dry-run -v --channel ebay
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_equal "$stderr" "oms-stock: ebay: ebay-revise feed: 2 of 2 active listings written (first feed) (dry run: the cursor stays)"
	run state
	assert_output ""
	run --separate-stderr oms-stock feed -v --channel ebay
	assert_equal "${#lines[@]}" 3
	run --separate-stderr oms-stock feed -v --channel ebay
	assert_equal "${#lines[@]}" 1
	assert_equal "$stderr" "oms-stock: ebay: ebay-revise feed: 0 of 2 active listings written (changed since the last feed)"
}

@test "feed formats are found on OMS_PATH, then ~/.config/oms, like channel adapters" {
	setup_catalog
	mkdir -p mine/feeds "$HOME/.config/oms/feeds"
	# A format of one's own, using the rest of the vocabulary.
	cat > mine/feeds/de-shop.json <<'EOF'
{"channel":"de","format":"csv","delimiter":";","line_end":"\r\n","preamble":["#shop export"],
 "columns":[{"name":"Art.Nr","value":"sku"},{"name":"Titel","value":"product.title"},
  {"name":"Preis","value":"price","decimal":",","default":"0,00"},{"name":"Bestand","value":"quantity"},
  {"name":"Aktiv","value":"active","true":"ja","false":"nein"},{"name":"Kanal","value":"channel"},
  {"name":"Pool","value":"pool"},{"name":"Land","constant":"DE"},{"name":"Leer"}]}
EOF
	# One that shadows a shipped format, earlier on the path.
	echo '{"channel":"etsy","format":"csv","columns":[{"name":"sku","value":"channel_sku"},{"name":"currency","value":"currency"}]}' > mine/feeds/etsy.json
	OMS_PATH="$PWD/mine:$OMS_PATH" run --separate-stderr oms-stock feed --channel etsy --format de-shop --full
	assert_success
	assert_output "$(printf '#shop export\r\nArt.Nr;Titel;Preis;Bestand;Aktiv;Kanal;Pool;Land;Leer\r\nA;"Tee, ""black"" M";21,00;12;ja;etsy;12;DE;\r\n')"
	OMS_PATH="$PWD/mine:$OMS_PATH" run oms-stock feed --channel etsy --full
	assert_output - <<'OUT'
sku,currency
ET-A,EUR
OUT
	run oms-stock feed --channel etsy --full
	assert_output - <<'OUT'
SKU,Quantity,Price
ET-A,12,21.00
OUT
	# With no OMS_PATH, the user's config directory.
	cp mine/feeds/etsy.json "$HOME/.config/oms/feeds/etsy.json"
	run env -u OMS_PATH oms-stock feed --channel etsy --full
	assert_output - <<'OUT'
sku,currency
ET-A,EUR
OUT
	# Without OMS_PATH pointing there, de-shop is not found.
	run --separate-stderr oms-stock feed --channel etsy --format de-shop
	assert_failure 3
	assert_output ""
	[[ $stderr == "oms-stock: no feed format 'de-shop' (feeds/de-shop.json on OMS_PATH, ~/.config/oms or "*"/share/oms)" ]]
	# The channel key picks the default feed of a channel not named like a file.
	echo '{"type":"listing","channel":"de","channel_sku":"DE-B","sku":"B"}' | oms-stock >/dev/null
	OMS_PATH="$PWD/mine:$OMS_PATH" run oms-stock feed --channel de
	assert_success
	assert_line --index 2 "B;Mug;0,00;5;ja;de;5;DE;"$'\r'
}

@test "no feed, two feeds for one channel, a broken feed: each a clear error, nothing written" {
	setup_catalog
	run --separate-stderr oms-stock feed --channel wholesale
	assert_failure 3
	assert_equal "$stderr" "oms-stock: no feed for channel 'wholesale' (--format names one)"
	mkdir -p mine/feeds
	echo '{"channel":"wholesale","format":"jsonl"}' > mine/feeds/w1.json
	echo '{"channel":"wholesale","format":"jsonl"}' > mine/feeds/w2.json
	OMS_PATH="$PWD/mine:$OMS_PATH" run --separate-stderr oms-stock feed --channel wholesale
	assert_failure 3
	assert_equal "$stderr" "oms-stock: feeds w1, w2 are all for channel 'wholesale' (--format chooses one)"
	echo '{"format":"csv","columns":[{"name":"x","value":"weight"}]}' > mine/feeds/bad.json
	OMS_PATH="$PWD/mine:$OMS_PATH" run --separate-stderr oms-stock feed --channel wholesale --format bad
	assert_failure 3
	assert_equal "$stderr" "oms-stock: feed '$PWD/mine/feeds/bad.json': column 'x': unknown value 'weight'"
	run --separate-stderr oms-stock feed --channel etsy --format ../etc/passwd
	assert_failure 3
	assert_equal "$stderr" "oms-stock: '../etc/passwd' is not a feed name"
	run state
	assert_output ""
}

@test "feed: usage errors exit 2" {
	setup_catalog
	for args in "feed" "feed --channel etsy extra" "feed --channel etsy --sku A" \
		"feed --channel etsy --explain A" "levels --full" "--format etsy"; do
		run --separate-stderr oms-stock $args
		assert_failure 2
		assert_output ""
	done
}

@test "a listing the channel fulfils (FBA) is sent with no quantity, and again only when its price changes" {
	setup_catalog
	echo '{"type":"listing","channel":"amazon","channel_sku":"AMZ-A-FBA","sku":"A","price":"20.00","currency":"USD","fulfilled_by":"channel","fulfillment_center_id":"AMAZON_NA"}' | oms-stock >/dev/null
	run --separate-stderr oms-stock feed --channel amazon
	assert_success
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-A\t19.99\t10\nAMZ-A-FBA\t20.00\t\nAMZ-B\t7.50\t5\nAMZ-C\t\t0')"
	run --separate-stderr oms-stock available --channel amazon --sku A
	assert_output - <<'OUT'
{"type":"availability","channel":"amazon","channel_sku":"AMZ-A","sku":"A","available":10,"pool":12,"price":"19.99","currency":"USD","active":true}
{"type":"availability","channel":"amazon","channel_sku":"AMZ-A-FBA","sku":"A","available":null,"pool":12,"price":"20.00","currency":"USD","active":true,"fulfilled_by":"channel"}
OUT
	# The whole-channel query says the same.
	run oms-stock available --channel amazon
	assert_line --index 1 '{"type":"availability","channel":"amazon","channel_sku":"AMZ-A-FBA","sku":"A","available":null,"pool":12,"price":"20.00","currency":"USD","active":true,"fulfilled_by":"channel"}'
	run oms-stock available --explain A --channel amazon
	assert_line --index 1 --regexp '"channel_sku":"AMZ-A-FBA".*"available":null,"fulfilled_by":"channel"}$'
	# The Inventory Loader names the fulfilment centre.
	run oms-stock feed -n --full --channel amazon --format amazon-inventory-loader
	assert_line --index 2 "$(printf 'AMZ-A-FBA\t\t\t20.00\t\t\t\t\ta\t\t\t\t\tAMAZON_NA\t\t\t')"
	# Stock moves: the merchant listing changes, the FBA one is not sent.
	move A -3 fba-1
	run oms-stock feed --channel amazon
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-A\t19.99\t7')"
	# Its price changes: sent, still without a quantity.
	echo '{"type":"listing","channel":"amazon","channel_sku":"AMZ-A-FBA","sku":"A","price":"21.00","currency":"USD","fulfilled_by":"channel"}' | oms-stock >/dev/null
	run oms-stock feed --channel amazon
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-A-FBA\t21.00\t')"
	# Back to the merchant: its quantity is sent.
	echo '{"type":"listing","channel":"amazon","channel_sku":"AMZ-A-FBA","sku":"A","price":"21.00","currency":"USD"}' | oms-stock >/dev/null
	run oms-stock feed --channel amazon
	assert_output "$(printf 'TemplateType=PriceInventory\tVersion=2018.0924\nsku\tprice\tquantity\nAMZ-A-FBA\t21.00\t9')"
}

@test "fulfilled_by is merchant or channel; anything else is refused by line" {
	setup_catalog
	run --separate-stderr oms-stock <<'EOF'
{"type":"listing","channel":"amazon","channel_sku":"X","sku":"A","fulfilled_by":"amazon"}
{"type":"listing","channel":"amazon","channel_sku":"Y","sku":"A","fulfilled_by":true}
{"type":"listing","channel":"amazon","channel_sku":"Z","sku":"A","fulfilled_by":"merchant"}
EOF
	assert_failure 1
	assert_output '{"type":"listing","channel":"amazon","channel_sku":"Z","sku":"A","fulfilled_by":"merchant"}'
	assert_equal "$stderr" "$(printf 'oms-stock: -:1: fulfilled_by must be "merchant" or "channel"\noms-stock: -:2: fulfilled_by must be "merchant" or "channel"')"
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT channel_sku, fulfilled_by FROM listings WHERE channel_sku IN ('X', 'Y', 'Z')")" "Z|merchant"
}

@test "shopify: a listing with no handle is left out, said once with the file, the column and how many; sent once it has one" {
	setup_catalog
	oms-stock >/dev/null <<'EOF2'
{"type":"product","sku":"D","title":"Dish"}
{"type":"movement","kind":"receive","sku":"D","location":"EWR1","qty":4,"key":"d"}
{"type":"listing","channel":"shopify","channel_sku":"SH-C","sku":"C"}
{"type":"listing","channel":"shopify","channel_sku":"SH-D","sku":"D"}
EOF2
	run --separate-stderr oms-stock feed --channel shopify
	assert_failure 1
	assert_output - <<'OUT'
Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current),On hand (new)
tee,"Tee, ""black"" M",Size,M,Color,Black,,,SH-A,,,Newark DC,,,,,,,12
mug,Mug,Title,Default Title,,,,,SH-B,,,Shop location,,,,,,,5
OUT
	assert_equal "$stderr" "oms-stock: $TOP/share/oms/feeds/shopify-inventory.json: shopify: 2 rows left out, Handle empty (listing.handle): Shopify matches each row to a product by its handle: give the listing its Shopify handle (\"handle\" in its listing record, or a handle column for oms-stock import-catalog)"
	# Not recorded as sent: the next feed tries them again.
	assert_equal "$(sqlite3 "$OMS_DB" "SELECT channel_sku FROM feed_state WHERE channel = 'shopify' ORDER BY 1")" "SH-A
SH-B"
	oms-stock <<<'{"type":"listing","channel":"shopify","channel_sku":"SH-D","sku":"D","handle":"dish"}' >/dev/null
	run --separate-stderr oms-stock feed --channel shopify
	assert_failure 1
	assert_equal "${lines[1]}" "dish,Dish,Title,Default Title,,,,,SH-D,,,Shop location,,,,,,,4"
	assert_equal "${#lines[@]}" 2
	[[ "$stderr" == *": shopify: 1 row left out, Handle empty (listing.handle): "* ]] || fail "$stderr"
	# JSON lines carry no such column: nothing is left out of them.
	run --separate-stderr oms-stock feed --channel shopify --format jsonl --full
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .channel_sku <<<"$output" | sort | tr '\n' ' ')" "SH-A SH-B SH-C SH-D "
}
