# t/profit.bash: loaded by t/6400-report-profit.bats and
# t/6500-report-journal.bats.  A small business worked by hand: six
# orders on three channels in two currencies, made with the real
# programs (oms-stock, oms-import, oms-route, oms-ship, oms-return).
#
# Products (cost, category): LIP 2.00 USD beauty; CAB 40.00 USD
# electronics_accessories; MUG 3.00 USD (none); KIT = A 1.00 + 2 x B
# 2.50 = 6.00 USD (home); TEA 1.50 EUR.
#
#   o_1 amazon A1 2026-11-20 USD: 2 LIP at 9.00 (tax 1.44), 1 CAB at
#       120.00 (tax 9.60).  One LIP comes back, is refunded 9.72 (9.00 +
#       0.72 tax) on 2026-12-02 and put back in stock; a return label
#       bought for it.
#   o_2 amazon A2 2026-11-21 USD: 1 LIP at 12.00, 1 MUG at 1.50.
#   o_3 ebay E1 2026-11-22 USD: 2 MUG at 4.00, shipping 1.50, tax 0.50
#       (total 10.00).
#   o_4 ebay E2 2026-11-22 USD: 1 KIT at 25.00.
#   o_5 shopify S1 2026-11-23T03:00Z (22:00 on the 22nd in New York)
#       USD: 3 MUG at 5.00, order discount 1.50, shipping 5.00, tax 1.35
#       (total 19.85).  Its first parcel is voided and shipped again.
#   o_6 shopify S2 2026-11-24 EUR: 2 TEA at 8.00; 1 MUG at 5.00,
#       cancelled.  Its parcel is paid in USD.
#
# Parcels from the offline carrier: 12.13 USD each, 15.51 for o_3 and o_5
# (their MUGs weigh more).

export OMS_NOW=2026-11-25T12:00:00Z

setup_profit() {
	oms-stock >/dev/null <<'JSONL' || return 1
{"type":"location","id":"EWR1","name":"Newark DC","kind":"warehouse","lat":40.7357,"lon":-74.1724,"address":{"address1":"10 Dock Rd","city":"Newark","region":"NJ","postal_code":"07114","country":"US"},"priority":1,"cutoff":"16:00","tz":"America/New_York"}
{"type":"product","sku":"LIP","weight_g":50,"cost":"2.00","currency":"USD","category":"beauty"}
{"type":"product","sku":"CAB","weight_g":100,"cost":"40.00","currency":"USD","category":"electronics_accessories"}
{"type":"product","sku":"MUG","weight_g":400,"cost":"3.00","currency":"USD"}
{"type":"product","sku":"A","weight_g":100,"cost":"1.00","currency":"USD"}
{"type":"product","sku":"B","weight_g":100,"cost":"2.50","currency":"USD"}
{"type":"product","sku":"KIT","category":"home"}
{"type":"kit","sku":"KIT","components":[{"sku":"A","qty":1},{"sku":"B","qty":2}]}
{"type":"product","sku":"TEA","weight_g":100,"cost":"1.50","currency":"EUR"}
{"type":"movement","kind":"receive","sku":"LIP","location":"EWR1","qty":50,"key":"r1"}
{"type":"movement","kind":"receive","sku":"CAB","location":"EWR1","qty":50,"key":"r2"}
{"type":"movement","kind":"receive","sku":"MUG","location":"EWR1","qty":50,"key":"r3"}
{"type":"movement","kind":"receive","sku":"A","location":"EWR1","qty":50,"key":"r4"}
{"type":"movement","kind":"receive","sku":"B","location":"EWR1","qty":50,"key":"r5"}
{"type":"movement","kind":"receive","sku":"TEA","location":"EWR1","qty":50,"key":"r6"}
JSONL
	oms-import -q --channel oms "$FIX/profit-orders.jsonl" >/dev/null &&
	oms-import cancel -q --line 2 o_6 >/dev/null &&
	oms-route --pending >/dev/null &&
	oms-ship --carrier offline --labels labels --pending >/dev/null &&
	OMS_NOW=2026-11-25T13:00:00Z oms-ship void s_5 >/dev/null &&
	OMS_NOW=2026-11-25T14:00:00Z oms-route --pending >/dev/null &&
	OMS_NOW=2026-11-25T14:00:00Z oms-ship --carrier offline \
		--labels labels --pending >/dev/null &&
	OMS_NOW=2026-11-30T15:00:00Z oms-ship track >/dev/null &&
	OMS_NOW=2026-12-01T15:00:00Z oms-return -q request --reason unwanted \
		o_1 1:1 >/dev/null &&
	OMS_NOW=2026-12-01T15:10:00Z oms-return -q label --account offline --dir labels r_1 \
		>/dev/null &&
	OMS_NOW=2026-12-02T15:00:00Z oms-return -q receive r_1 >/dev/null &&
	OMS_NOW=2026-12-02T16:00:00Z oms-return -q inspect \
		--disposition restock r_1 1 >/dev/null
}
