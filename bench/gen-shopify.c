/*
 * gen-shopify: write a Shopify "Export orders" CSV of N rows.
 *
 * The file has the 79-column header of a real 2025-26 export (formats.md
 * 1a) and one row per line item, orders of 1 to 5 line items, the rows of
 * an order together.  The first row of an order carries every column;
 * continuation rows carry only Name, Email, Created at, Phone, the
 * Lineitem columns, Vendor and Lineitem discount, as the real export does.
 *
 * With -r the file is shaped like the real exports we have seen
 * (formats.md 1a): continuation rows carry only Name, Email, Created at
 * and the Lineitem columns (no Phone, no Vendor), and most orders have 1
 * to 3 lines (1 to 5: 45/30/15/6/4%, 1.94 rows an order), so there are
 * more orders for the same number of rows.
 *
 * The money adds up: Subtotal is the sum of price x quantity, Total is
 * Subtotal + Shipping + Taxes - Discount Amount, and the line discounts
 * add up to Discount Amount.  Addresses come from US, Canadian, British,
 * German, French and Australian places; some zips carry Excel's leading
 * apostrophe; about 5% of orders have multi-line Note Attributes; gift
 * cards and a few untracked items (0.8% of lines: their orders go on
 * hold) have no SKU; POS orders have no shipping address and are
 * fulfilled at once.  Rows average about 345 bytes (the real files: about
 * 330, and 19 orders in 40 rows); orders average 2.7 rows.  The same seed
 * gives the same file.
 *
 * usage: gen-shopify [-r] [-s seed] [-o file] rows
 *
 * Prints to stderr what it wrote: rows, orders, bytes, bytes per row.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char header[] =
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,"
    "Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,"
    "Discount Amount,Shipping Method,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,"
    "Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,"
    "Billing Company,Billing City,Billing Zip,Billing Province,"
    "Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,"
    "Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,"
    "Note Attributes,Cancelled at,Payment Method,Payment Reference,"
    "Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,"
    "Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,"
    "Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,"
    "Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,"
    "Billing Province Name,Shipping Province Name,Payment ID,"
    "Payment Terms Name,Next Payment Due At,Payment References\n";

/* The columns, in the header's order. */
enum {
	C_NAME, C_EMAIL, C_FIN, C_PAID, C_FUL, C_FULAT, C_MKT, C_CUR, C_SUB,
	C_SHIP, C_TAXES, C_TOTAL, C_DCODE, C_DAMT, C_SMETHOD, C_CREATED,
	C_LQTY, C_LNAME, C_LPRICE, C_LCMP, C_LSKU, C_LREQ, C_LTAX, C_LFUL,
	C_BNAME, C_BSTREET, C_BADDR1, C_BADDR2, C_BCOMP, C_BCITY, C_BZIP,
	C_BPROV, C_BCTRY, C_BPHONE, C_SNAME, C_SSTREET, C_SADDR1, C_SADDR2,
	C_SCOMP, C_SCITY, C_SZIP, C_SPROV, C_SCTRY, C_SPHONE, C_NOTES,
	C_NATTR, C_CANCEL, C_PMETHOD, C_PREF, C_REFUND, C_VENDOR, C_OUTST,
	C_EMPL, C_LOC, C_DEVICE, C_ID, C_TAGS, C_RISK, C_SOURCE, C_LDISC,
	C_T1N, C_T1V, C_T2N, C_T2V, C_T3N, C_T3V, C_T4N, C_T4V, C_T5N, C_T5V,
	C_PHONE, C_RECEIPT, C_DUTIES, C_BPROVN, C_SPROVN, C_PAYID, C_PTERMS,
	C_PDUE, C_PREFS,
	NCOL
};

static const char *progname = "gen-shopify";
#define LAST 1780286400	/* 2026-06-01 00:00:00 -0400 */
static int real_shape;		/* -r */

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void usage(void) __attribute__((noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen-shopify [-r] [-s seed] [-o file] rows\n");
	exit(2);
}

/* ---- random numbers: splitmix64, seeded ----------------------------- */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n). */
static unsigned
below(unsigned n)
{
	return (unsigned)(((rnd() >> 32) * n) >> 32);
}

/* True with probability permille / 1000. */
static int
chance(unsigned permille)
{
	return below(1000) < permille;
}

#define PICK(a) ((a)[below(sizeof (a) / sizeof (a)[0])])
#define NELEM(a) (sizeof (a) / sizeof (a)[0])

/* ---- the output ------------------------------------------------------ */

static char obuf[1 << 20];
static size_t olen;
static FILE *ofp;
static uint64_t obytes;

static void
oflush(void)
{
	if (olen > 0 && fwrite(obuf, 1, olen, ofp) != olen)
		die("write error: %s", strerror(errno));
	obytes += olen;
	olen = 0;
}

static void
oadd(const char *s, size_t n)
{
	if (olen + n > sizeof obuf)
		oflush();
	memcpy(obuf + olen, s, n);
	olen += n;
}

/* The fields of the row being built, in one arena. */
static char arena[16384];
static size_t alen;
static const char *fv[NCOL];
static unsigned char fq[NCOL];	/* write "" when empty */

static void
row_clear(void)
{
	alen = 0;
	for (int i = 0; i < NCOL; i++) {
		fv[i] = NULL;
		fq[i] = 0;
	}
}

static void set(int col, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set(int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(arena + alen, sizeof arena - alen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof arena - alen)
		die("row too long");
	fv[col] = arena + alen;
	alen += (size_t)n + 1;
}

static void
set_s(int col, const char *s)
{
	fv[col] = s;
}

static void
set_money(int col, int64_t c)
{
	set(col, "%s%lld.%02lld", c < 0 ? "-" : "", (long long)(c < 0 ? -c : c) /
	    100, (long long)(c < 0 ? -c : c) % 100);
}

/* One field, quoted as RFC 4180 wants when it holds , " CR or LF. */
static void
put_field(const char *s, int quote_empty)
{
	if (s == NULL || *s == '\0') {
		if (quote_empty)
			oadd("\"\"", 2);
		return;
	}
	if (strpbrk(s, ",\"\r\n") == NULL) {
		oadd(s, strlen(s));
		return;
	}
	oadd("\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			oadd("\"", 1);
		oadd(p, 1);
	}
	oadd("\"", 1);
}

static void
row_put(void)
{
	for (int i = 0; i < NCOL; i++) {
		if (i > 0)
			oadd(",", 1);
		put_field(fv[i], fq[i]);
	}
	oadd("\n", 1);
}

/* ---- the data the values come from ---------------------------------- */

struct person {
	const char *first, *ascii;
};

static const struct person firsts[] = {
	{ "James", "james" }, { "Mary", "mary" }, { "Robert", "robert" },
	{ "Patricia", "patricia" }, { "John", "john" }, { "Jennifer", "jennifer" },
	{ "Michael", "michael" }, { "Linda", "linda" }, { "David", "david" },
	{ "Elizabeth", "elizabeth" }, { "William", "william" },
	{ "Barbara", "barbara" }, { "Richard", "richard" }, { "Susan", "susan" },
	{ "Joseph", "joseph" }, { "Jessica", "jessica" }, { "Thomas", "thomas" },
	{ "Sarah", "sarah" }, { "Charles", "charles" }, { "Karen", "karen" },
	{ "Daniel", "daniel" }, { "Emily", "emily" }, { "Matthew", "matthew" },
	{ "Olivia", "olivia" }, { "Anthony", "anthony" }, { "Emma", "emma" },
	{ "Mark", "mark" }, { "Sophia", "sophia" }, { "Luis", "luis" },
	{ "Ana", "ana" }, { "José", "jose" }, { "María", "maria" },
	{ "Zoë", "zoe" }, { "Chloé", "chloe" }, { "Jürgen", "juergen" },
	{ "Søren", "soren" }, { "François", "francois" }, { "Noah", "noah" },
	{ "Liam", "liam" }, { "Ava", "ava" }, { "Mia", "mia" }, { "Ethan", "ethan" },
	{ "Priya", "priya" }, { "Wei", "wei" }, { "Yuki", "yuki" },
	{ "Aisha", "aisha" }, { "Mohammed", "mohammed" }, { "Olga", "olga" },
};

static const struct person lasts[] = {
	{ "Smith", "smith" }, { "Johnson", "johnson" }, { "Williams", "williams" },
	{ "Brown", "brown" }, { "Jones", "jones" }, { "Garcia", "garcia" },
	{ "Miller", "miller" }, { "Davis", "davis" }, { "Rodriguez", "rodriguez" },
	{ "Martinez", "martinez" }, { "Hernandez", "hernandez" },
	{ "Lopez", "lopez" }, { "Gonzalez", "gonzalez" }, { "Wilson", "wilson" },
	{ "Anderson", "anderson" }, { "Thomas", "thomas" }, { "Taylor", "taylor" },
	{ "Moore", "moore" }, { "Jackson", "jackson" }, { "Martin", "martin" },
	{ "Lee", "lee" }, { "Perez", "perez" }, { "Thompson", "thompson" },
	{ "White", "white" }, { "Harris", "harris" }, { "Clark", "clark" },
	{ "O'Brien", "obrien" }, { "Müller", "mueller" }, { "Schmidt", "schmidt" },
	{ "Dubois", "dubois" }, { "Lefèvre", "lefevre" }, { "Guimarães", "guimaraes" },
	{ "Nguyen", "nguyen" }, { "Kim", "kim" }, { "Patel", "patel" },
	{ "Singh", "singh" }, { "Tanaka", "tanaka" }, { "Kowalski", "kowalski" },
	{ "Van der Berg", "vanderberg" }, { "MacDonald", "macdonald" },
};

static const char *const domains[] = {
	"gmail.com", "gmail.com", "gmail.com", "yahoo.com", "hotmail.com",
	"outlook.com", "icloud.com", "aol.com", "proton.me", "example.org",
	"gmx.de", "orange.fr", "btinternet.com", "bigpond.com",
};

static const char *const streets[] = {
	"Main St", "Maple Ave", "Oak St", "Cedar Ln", "Park Ave", "Elm St",
	"Washington Blvd", "Lakeview Dr", "Hillcrest Rd", "Sunset Blvd",
	"Pine St", "Church St", "High Street", "Station Road", "Mill Lane",
	"Hauptstraße", "Bahnhofstraße", "Rue de la Paix", "Avenue Jean Jaurès",
	"King St W", "Queen St E", "George St", "Collins St", "Bay St",
	"Market St", "Broadway", "5th Ave", "Spring Garden Rd", "Victoria Rd",
};

static const char *const companies[] = {
	"Acme Corp", "Globex", "Initech", "Hooli", "Stark Industries",
	"Wayne Enterprises", "Umbrella Ltd", "Blue Sky Studio", "Northwind",
	"Contoso, Inc.", "Soylent GmbH", "Tyrell SARL",
};

struct place {
	const char *city, *prov, *provname, *country;
	const char *zipfmt;	/* # a digit, @ a letter, else itself */
	const char *taxname;
	int taxbp;		/* tax in basis points */
	const char *phone;	/* country calling code */
};

static const struct place places[] = {
	{ "New York", "NY", "New York", "US", "100##", "NY State Tax", 888, "+1" },
	{ "Brooklyn", "NY", "New York", "US", "112##", "NY State Tax", 888, "+1" },
	{ "Boston", "MA", "Massachusetts", "US", "021##", "MA State Tax", 625, "+1" },
	{ "Newark", "NJ", "New Jersey", "US", "071##", "NJ State Tax", 663, "+1" },
	{ "Hartford", "CT", "Connecticut", "US", "061##", "CT State Tax", 635, "+1" },
	{ "Portland", "ME", "Maine", "US", "041##", "ME State Tax", 550, "+1" },
	{ "Ogden", "UT", "Utah", "US", "844##", "UT State Tax", 725, "+1" },
	{ "Chicago", "IL", "Illinois", "US", "606##", "IL State Tax", 1025, "+1" },
	{ "Austin", "TX", "Texas", "US", "787##", "TX State Tax", 825, "+1" },
	{ "Houston", "TX", "Texas", "US", "770##", "TX State Tax", 825, "+1" },
	{ "Los Angeles", "CA", "California", "US", "900##", "CA State Tax", 950, "+1" },
	{ "San Francisco", "CA", "California", "US", "941##", "CA State Tax", 863, "+1" },
	{ "Seattle", "WA", "Washington", "US", "981##", "WA State Tax", 1025, "+1" },
	{ "Denver", "CO", "Colorado", "US", "802##", "CO State Tax", 881, "+1" },
	{ "Miami", "FL", "Florida", "US", "331##", "FL State Tax", 700, "+1" },
	{ "Atlanta", "GA", "Georgia", "US", "303##", "GA State Tax", 890, "+1" },
	{ "Portland", "OR", "Oregon", "US", "972##", NULL, 0, "+1" },
	{ "Phoenix", "AZ", "Arizona", "US", "850##", "AZ State Tax", 860, "+1" },
	{ "Ottawa", "ON", "Ontario", "CA", "K2P #@#", "HST", 1300, "+1" },
	{ "Toronto", "ON", "Ontario", "CA", "M5V #@#", "HST", 1300, "+1" },
	{ "Vancouver", "BC", "British Columbia", "CA", "V6B #@#", "GST", 500, "+1" },
	{ "Montréal", "QC", "Quebec", "CA", "H2X #@#", "GST", 500, "+1" },
	{ "London", "", "", "GB", "SW1A #@@", "VAT", 2000, "+44" },
	{ "Manchester", "", "", "GB", "M1 #@@", "VAT", 2000, "+44" },
	{ "Berlin", "", "", "DE", "101##", "MwSt", 1900, "+49" },
	{ "München", "", "", "DE", "803##", "MwSt", 1900, "+49" },
	{ "Paris", "", "", "FR", "750##", "TVA", 2000, "+33" },
	{ "Lyon", "", "", "FR", "690##", "TVA", 2000, "+33" },
	{ "Sydney", "NSW", "New South Wales", "AU", "20##", "GST", 1000, "+61" },
	{ "Melbourne", "VIC", "Victoria", "AU", "30##", "GST", 1000, "+61" },
};

struct product {
	const char *name, *sku, *vendor;
	int price;		/* cents */
	int variants;		/* 0: none; 1: colour / size */
};

static const struct product products[] = {
	{ "Organic Cotton Tee", "TEE", "Northwind Apparel", 2400, 1 },
	{ "Heavyweight Hoodie", "HOOD", "Northwind Apparel", 6500, 1 },
	{ "Merino Crew Socks", "SOCK", "Northwind Apparel", 1800, 1 },
	{ "Canvas Tote Bag", "TOTE", "Blue Sky Goods", 2200, 0 },
	{ "Insulated Water Bottle 750ml", "BOTL-750", "Blue Sky Goods", 3400, 0 },
	{ "Ceramic Pour-Over Set", "POUR-SET", "Blue Sky Goods", 5800, 0 },
	{ "The Collection Snowboard: Hydrogen", "SNOW-HYD", "Hydrogen Vendor", 60000, 0 },
	{ "The Collection Snowboard: Oxygen", "SNOW-OXY", "Hydrogen Vendor", 102500, 0 },
	{ "The Minimal Snowboard", "SNOW-MIN", "Snowboard Vendor", 88595, 0 },
	{ "The Multi-location Snowboard", "SNOW-MLT", "Snowboard Vendor", 72995, 0 },
	{ "Selling Plans Ski Wax", "WAX-SP", "Snowboard Vendor", 2495, 0 },
	{ "Trail Running Shoe", "TRAIL", "Summit Outfitters", 12900, 1 },
	{ "Packable Rain Jacket", "RAIN", "Summit Outfitters", 8900, 1 },
	{ "Wool Beanie", "BEAN", "Summit Outfitters", 2900, 1 },
	{ "Leather Card Wallet", "WALL-CARD", "Tanner & Co.", 4500, 0 },
	{ "Leather Belt, 35mm", "BELT-35", "Tanner & Co.", 5900, 1 },
	{ "Scented Soy Candle \"Cedar & Smoke\"", "CNDL-CDR", "Lumen Home", 2800, 0 },
	{ "Linen Napkins (set of 4)", "NAPK-4", "Lumen Home", 3200, 0 },
	{ "Stoneware Mug 12oz", "MUG-12", "Lumen Home", 1600, 0 },
	{ "Cold Brew Coffee Beans 1kg", "COF-CB-1K", "Roastery 47", 3900, 0 },
	{ "Espresso Blend 250g", "COF-ESP-250", "Roastery 47", 1400, 0 },
	{ "Matcha Starter Kit", "MATCHA-KIT", "Roastery 47", 4900, 0 },
	{ "Phone Case – Clear", "CASE-CLR", "Gadgetry", 1900, 0 },
	{ "USB-C Cable 2m", "USBC-2M", "Gadgetry", 1500, 0 },
	{ "Wireless Charger Pad", "CHRG-PAD", "Gadgetry", 3500, 0 },
	{ "Yoga Mat 6mm", "YOGA-6", "Flow Studio", 6800, 0 },
	{ "Resistance Bands (3-pack)", "BAND-3", "Flow Studio", 2400, 0 },
	{ "Kids' Rain Boots", "KBOOT", "Little Steps", 3600, 1 },
};

static const char *const colours[] = {
	"Black", "White", "Navy", "Olive", "Heather Grey", "Sand", "Red",
};
static const char *const colour_codes[] = {
	"BLK", "WHT", "NVY", "OLV", "HGR", "SND", "RED",
};
static const char *const sizes[] = { "XS", "S", "M", "L", "XL", "XXL" };

static const char *const utm_sources[] = {
	"facebook", "instagram", "google", "tiktok", "newsletter", "pinterest",
};

static const char *const notes[] = {
	"Please leave at the back door",
	"Gift - please don't include the receipt",
	"Call before delivery, the buzzer is broken",
	"Ship with the order from last week if possible.\n"
	"Thanks!",
	"Deliver after 5pm, \"ring twice\"",
	"Birthday present for my sister, could you add a card?",
};

static const char *const tags_pool[] = {
	"vip", "wholesale", "repeat customer", "influencer", "bfcm-2025",
	"preorder", "subscription", "local",
};

static const char *const shipping_methods[] = {
	"Standard", "Standard", "Standard", "Economy", "Express",
	"Free Shipping",
};

/* ---- one order -------------------------------------------------------- */

struct addr {
	const struct place *pl;
	char name[96], street[160], a1[96], a2[48], company[48], zip[16],
	    phone[24];
};

static void
make_zip(char *out, const struct place *pl)
{
	char *o = out;

	for (const char *f = pl->zipfmt; *f; f++)
		if (*f == '#')
			*o++ = (char)('0' + below(10));
		else if (*f == '@')
			*o++ = (char)('A' + below(26));
		else
			*o++ = *f;
	*o = '\0';
}

static void
make_addr(struct addr *a, const char *name, int apostrophe)
{
	a->pl = &PICK(places);
	snprintf(a->name, sizeof a->name, "%s", name);
	snprintf(a->a1, sizeof a->a1, "%u %s", 1 + below(9899), PICK(streets));
	a->a2[0] = '\0';
	if (chance(220))
		snprintf(a->a2, sizeof a->a2, chance(500) ? "Apt %u%c" :
		    "Suite %u%c", 1 + below(40), 'A' + (int)below(6));
	snprintf(a->street, sizeof a->street, "%s%s%s", a->a1,
	    a->a2[0] ? " " : "", a->a2);
	a->company[0] = '\0';
	if (chance(80))
		snprintf(a->company, sizeof a->company, "%s", PICK(companies));
	make_zip(a->zip + 1, a->pl);
	a->zip[0] = '\'';
	/*
	 * Excel's apostrophe, on all-digit zips only: always on US zips
	 * that start with 0, else on some orders.
	 */
	if (strspn(a->zip + 1, "0123456789") != strlen(a->zip + 1) ||
	    !(apostrophe || (strcmp(a->pl->country, "US") == 0 &&
	    a->zip[1] == '0')))
		memmove(a->zip, a->zip + 1, strlen(a->zip));
	a->phone[0] = '\0';
	if (chance(300))
		snprintf(a->phone, sizeof a->phone, "%s%u%07u", a->pl->phone,
		    200 + below(800), below(10000000));
}

static void
set_addr(const struct addr *a, int name, int street, int a1, int a2, int comp,
    int city, int zip, int prov, int ctry, int phone, int provname)
{
	set_s(name, a->name);
	set_s(street, a->street);
	set_s(a1, a->a1);
	set_s(a2, a->a2);
	set_s(comp, a->company);
	set_s(city, a->pl->city);
	set_s(zip, a->zip);
	set_s(prov, a->pl->prov);
	set_s(ctry, a->pl->country);
	set_s(phone, a->phone);
	set_s(provname, a->pl->provname);
}

/* Seconds since 1970 to "2025-05-11 09:55:16 -0400" (US Eastern time). */
static void
fmt_time(char *out, size_t n, int64_t t)
{
	int64_t z, era, doe, yoe, doy, mp, y, m, d, rem;
	int off;

	/* Daylight time from mid-March to early November, near enough. */
	{
		int64_t days = t / 86400, yd;

		z = days + 719468;
		era = (z >= 0 ? z : z - 146096) / 146097;
		doe = z - era * 146097;
		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		/* doy counts from March 1 */
		yd = doy;
		off = yd >= 10 && yd < 248 ? -4 * 3600 : -5 * 3600;
	}
	t += off;
	rem = t % 86400;
	z = t / 86400 + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, n, "%04u-%02u-%02u %02u:%02u:%02u -0%u00",
	    (unsigned)y % 10000, (unsigned)m % 100, (unsigned)d % 100,
	    (unsigned)(rem / 3600) % 100, (unsigned)(rem / 60 % 60) % 100,
	    (unsigned)(rem % 60) % 100, (unsigned)(-off / 3600) % 10);
}

static void
token(char *out, int n)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

	for (int i = 0; i < n; i++)
		out[i] = al[below(sizeof al - 1)];
	out[n] = '\0';
}

struct line {
	char name[128], sku[48], cmp[16];
	const char *vendor;
	int64_t price, disc;
	int qty, ship, gift;
};

struct stats {
	long rows, orders, lines, gift, nosku, nattr, apostrophe, pos,
	    cancelled, discounted;
};

static struct stats st;

static void
make_line(struct line *l)
{
	const struct product *p;

	memset(l, 0, sizeof *l);
	l->qty = chance(850) ? 1 : chance(700) ? 2 : 2 + (int)below(5);
	l->ship = 1;
	if (chance(30)) {
		static const int cards[] = { 1000, 2500, 5000, 10000 };
		int c = PICK(cards);

		snprintf(l->name, sizeof l->name, "Gift Card - $%d", c / 100);
		l->price = c;
		l->vendor = "Northwind Store";
		l->ship = 0;
		l->gift = 1;
		l->qty = 1;
		st.gift++;
		return;
	}
	p = &PICK(products);
	l->vendor = p->vendor;
	l->price = p->price;
	if (p->variants) {
		unsigned c = below(NELEM(colours)), s = below(NELEM(sizes));

		snprintf(l->name, sizeof l->name, "%s - %s / %s", p->name,
		    colours[c], sizes[s]);
		snprintf(l->sku, sizeof l->sku, "%s-%s-%s", p->sku,
		    colour_codes[c], sizes[s]);
	} else {
		snprintf(l->name, sizeof l->name, "%s", p->name);
		snprintf(l->sku, sizeof l->sku, "%s", p->sku);
	}
	if (chance(200))
		snprintf(l->cmp, sizeof l->cmp, "%lld.%02lld",
		    (long long)(p->price * 5 / 4) / 100,
		    (long long)(p->price * 5 / 4) % 100);
	/* Untracked or custom items: no SKU although they ship. */
	if (chance(8)) {
		l->sku[0] = '\0';
		st.nosku++;
	}
}

static void
order(long num, int nitems, int64_t created)
{
	struct line lines[5];
	struct addr ship, bill;
	const struct person *fn = &PICK(firsts), *ln = &PICK(lasts);
	char name[24], email[96], fullname[96], tcreated[48], tpaid[48],
	    tful[48], tcancel[48], pref[32], phone[24], nattr[512], tags[96];
	const char *fin, *ful, *source, *method, *dcode = NULL, *smethod;
	int64_t sub = 0, shipping, taxes = 0, disc = 0, total, refunded = 0,
	    taxable = 0, tax2 = 0;
	int pos, i, apostrophe, has_email, has_ship;
	unsigned r;

	snprintf(name, sizeof name, "#%ld", num);
	snprintf(fullname, sizeof fullname, "%s %s", fn->first, ln->first);
	snprintf(email, sizeof email, "%s%s%s%s@%s", fn->ascii,
	    chance(500) ? "." : "", ln->ascii, chance(300) ? "+shop" : "",
	    PICK(domains));
	phone[0] = '\0';
	fmt_time(tcreated, sizeof tcreated, created);

	source = "web";
	r = below(100);
	if (r < 8)
		source = "pos";
	else if (r < 15)
		source = "shopify_draft_order";
	else if (r < 25)
		source = "5690175";
	pos = strcmp(source, "pos") == 0;
	st.pos += pos;
	/* Walk-in and draft orders often have no e-mail address. */
	has_email = !chance(pos ? 700 : strcmp(source, "shopify_draft_order") ==
	    0 ? 400 : 20);
	if (!has_email)
		email[0] = '\0';

	for (i = 0; i < nitems; i++) {
		make_line(&lines[i]);
		sub += lines[i].price * lines[i].qty;
		if (!lines[i].gift)
			taxable += lines[i].price * lines[i].qty;
	}
	st.lines += nitems;

	/* Discount codes spread over the lines by their share. */
	if (!pos && chance(150)) {
		static const struct { const char *code; int pct; } codes[] = {
			{ "WELCOME10", 10 }, { "SPRING15", 15 }, { "BFCM20", 20 },
			{ "VIP25", 25 },
		};
		unsigned k = below(NELEM(codes));
		int64_t left;

		dcode = codes[k].code;
		disc = (sub * codes[k].pct + 50) / 100;
		left = disc;
		for (i = 0; i < nitems; i++) {
			if (i == nitems - 1)
				lines[i].disc = left;
			else
				lines[i].disc = disc * lines[i].price *
				    lines[i].qty / sub;
			left -= lines[i].disc;
		}
		st.discounted++;
	}

	apostrophe = chance(250);
	has_ship = !pos;
	if (has_ship) {
		make_addr(&ship, fullname, apostrophe);
		st.apostrophe += ship.zip[0] == '\'';
		if (chance(120)) {
			const struct person *f2 = &PICK(firsts);
			char bn[96];

			snprintf(bn, sizeof bn, "%s %s", f2->first, ln->first);
			make_addr(&bill, bn, apostrophe);
		} else
			bill = ship;
	} else
		memset(&ship, 0, sizeof ship);
	if (chance(150) && has_ship)
		snprintf(phone, sizeof phone, "%s", ship.phone[0] ? ship.phone :
		    "+12125550100");

	if (pos)
		shipping = 0;
	else if (sub - disc >= 7500)
		shipping = chance(800) ? 0 : 999;
	else
		shipping = chance(700) ? 599 : 999;
	smethod = pos ? NULL : shipping == 0 ? "Free Shipping" :
	    PICK(shipping_methods);
	if (smethod != NULL && strcmp(smethod, "Free Shipping") == 0 &&
	    shipping != 0)
		smethod = "Standard";
	if (taxable > 0) {
		const struct place *pl = has_ship ? ship.pl : &places[0];
		int64_t base = taxable - (sub ? disc * taxable / sub : 0);

		taxes = (base * pl->taxbp + 5000) / 10000;
		/* US states add a county share as a second line. */
		if (strcmp(pl->country, "US") == 0 && taxes > 0 && chance(200))
			tax2 = taxes / 3;
	}
	total = sub + shipping + taxes - disc;

	r = below(1000);
	fin = r < 850 ? "paid" : r < 890 ? "pending" : r < 920 ? "refunded" :
	    r < 950 ? "partially_refunded" : r < 980 ? "authorized" : "voided";
	if (pos)
		fin = "paid";
	if (strcmp(fin, "refunded") == 0)
		refunded = total;
	else if (strcmp(fin, "partially_refunded") == 0)
		refunded = lines[0].price - lines[0].disc;
	if (pos || strcmp(fin, "refunded") == 0)
		ful = "fulfilled";
	else if (strcmp(fin, "voided") == 0 || strcmp(fin, "pending") == 0 ||
	    strcmp(fin, "authorized") == 0)
		ful = "unfulfilled";
	else {
		r = below(100);
		ful = r < 62 ? "fulfilled" : r < 95 || nitems == 1 ?
		    "unfulfilled" : "partial";
	}
	tpaid[0] = tful[0] = tcancel[0] = '\0';
	if (strcmp(fin, "pending") != 0 && strcmp(fin, "authorized") != 0 &&
	    strcmp(fin, "voided") != 0)
		fmt_time(tpaid, sizeof tpaid, created + below(30));
	if (strcmp(ful, "fulfilled") == 0 || strcmp(ful, "partial") == 0)
		fmt_time(tful, sizeof tful, created + (pos ? below(60) :
		    3600 + below(3 * 86400)));
	if (strcmp(fin, "voided") == 0) {
		fmt_time(tcancel, sizeof tcancel, created + 600 + below(86400));
		st.cancelled++;
	}
	method = pos ? (chance(400) ? "Cash" : "Shopify Payments") :
	    strcmp(source, "shopify_draft_order") == 0 ? "manual" :
	    chance(750) ? "Shopify Payments" : chance(800) ?
	    "PayPal Express Checkout" : "gift_card";
	/* Checkout payments look like c12345678901234.1; others a token. */
	if (strcmp(method, "manual") == 0 || strcmp(method, "Cash") == 0)
		token(pref, 25);
	else
		snprintf(pref, sizeof pref, "c%07u%07u.1", below(10000000),
		    below(10000000));

	nattr[0] = '\0';
	if (chance(50)) {
		snprintf(nattr, sizeof nattr, "First name: %s\nPhone number: "
		    "+1%u%07u\nUTM source: %s\nUTM medium: cpc\nUTM campaign: "
		    "spring_%u", fn->first, 200 + below(800), below(10000000),
		    PICK(utm_sources), 2025 + below(2));
		st.nattr++;
	}
	tags[0] = '\0';
	if (chance(120)) {
		const char *t1 = PICK(tags_pool), *t2 = PICK(tags_pool);

		if (t1 == t2 || chance(500))
			snprintf(tags, sizeof tags, "%s", t1);
		else
			snprintf(tags, sizeof tags, "%s, %s", t1, t2);
	}

	for (i = 0; i < nitems; i++) {
		const struct line *l = &lines[i];
		const char *lful = strcmp(ful, "fulfilled") == 0 ||
		    (strcmp(ful, "partial") == 0 && i == 0) ? "fulfilled" :
		    "pending";

		row_clear();
		set_s(C_NAME, name);
		set_s(C_EMAIL, email);
		set_s(C_CREATED, tcreated);
		if (i == 0 || !real_shape)
			set_s(C_PHONE, phone);
		set(C_LQTY, "%d", l->qty);
		set_s(C_LNAME, l->name);
		set_money(C_LPRICE, l->price);
		set_s(C_LCMP, l->cmp);
		set_s(C_LSKU, l->sku);
		set_s(C_LREQ, l->ship ? "true" : "false");
		set_s(C_LTAX, l->gift ? "false" : "true");
		set_s(C_LFUL, lful);
		if (i == 0 || !real_shape)
			set_s(C_VENDOR, l->vendor);
		set_money(C_LDISC, l->disc);
		if (i > 0) {
			/* Continuation rows write some empties as "". */
			fq[C_LCMP] = fq[C_LSKU] = 1;
			row_put();
			st.rows++;
			continue;
		}
		set_s(C_FIN, fin);
		set_s(C_PAID, tpaid);
		set_s(C_FUL, ful);
		set_s(C_FULAT, tful);
		set_s(C_MKT, chance(350) ? "yes" : "no");
		set_s(C_CUR, "USD");
		set_money(C_SUB, sub);
		set_money(C_SHIP, shipping);
		set_money(C_TAXES, taxes);
		set_money(C_TOTAL, total);
		set_s(C_DCODE, dcode);
		fq[C_DCODE] = 1;
		set_money(C_DAMT, disc);
		set_s(C_SMETHOD, smethod);
		fq[C_SMETHOD] = 1;
		if (has_ship) {
			set_addr(&bill, C_BNAME, C_BSTREET, C_BADDR1, C_BADDR2,
			    C_BCOMP, C_BCITY, C_BZIP, C_BPROV, C_BCTRY, C_BPHONE,
			    C_BPROVN);
			set_addr(&ship, C_SNAME, C_SSTREET, C_SADDR1, C_SADDR2,
			    C_SCOMP, C_SCITY, C_SZIP, C_SPROV, C_SCTRY, C_SPHONE,
			    C_SPROVN);
		}
		if (chance(25))
			set_s(C_NOTES, PICK(notes));
		set_s(C_NATTR, nattr);
		fq[C_NATTR] = 1;
		set_s(C_CANCEL, tcancel);
		set_s(C_PMETHOD, method);
		set_s(C_PREF, pref);
		set_money(C_REFUND, refunded);
		set_money(C_OUTST, strcmp(fin, "pending") == 0 ? total : 0);
		if (pos) {
			set_s(C_EMPL, "Luis Guimaraes");
			set_s(C_LOC, "Shop location");
			set(C_DEVICE, "%u", 1000 + below(8));
			set(C_RECEIPT, "#%ld", 3000 + num % 100000);
		}
		set(C_ID, "%lld", 6634244374859LL + (long long)num * 1311);
		set_s(C_TAGS, tags);
		fq[C_TAGS] = 1;
		r = below(100);
		set_s(C_RISK, r < 93 ? "Low" : r < 99 ? "Medium" : "High");
		set_s(C_SOURCE, source);
		if (taxes > 0) {
			const struct place *pl = has_ship ? ship.pl : &places[0];

			int bp = pl->taxbp - (tax2 ? pl->taxbp / 3 : 0);

			set(C_T1N, "%s %d.%02d%%", pl->taxname, bp / 100,
			    bp % 100);
			set_money(C_T1V, taxes - tax2);
			if (tax2) {
				set(C_T2N, "%s County Tax %d.%02d%%",
				    pl->prov, pl->taxbp / 3 / 100,
				    pl->taxbp / 3 % 100);
				set_money(C_T2V, tax2);
			}
		}
		set_s(C_PAYID, pref);
		if (strcmp(source, "shopify_draft_order") == 0 &&
		    strcmp(fin, "pending") == 0) {
			char due[48];

			set_s(C_PTERMS, "Net 7");
			fmt_time(due, sizeof due, created + 7 * 86400);
			set(C_PDUE, "%s", due);
		}
		set_s(C_PREFS, pref);
		row_put();
		st.rows++;
	}
	st.orders++;
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	unsigned long long seed = 20261126;
	long rows, num = 1001;
	int64_t t = 1735707600;	/* 2025-01-01 00:00:00 -0500 */
	char *end;
	int c;

	while ((c = getopt(argc, argv, "o:rs:")) != -1) {
		switch (c) {
		case 'r':
			real_shape = 1;
			break;
		case 'o':
			path = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno != 0 || *end != '\0')
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	errno = 0;
	rows = strtol(argv[optind], &end, 10);
	if (errno != 0 || *end != '\0' || rows < 0)
		usage();
	/*
	 * Orders come 20 to 110 s apart, at most 34 s a row: a file too
	 * long to end before LAST starts earlier, so that no order is in
	 * the future (oms-import refuses those).  Up to 1.3M rows it
	 * starts on 2025-01-01, as it always did.
	 */
	if (t > LAST - 34 * (int64_t)rows)
		t = LAST - 34 * (int64_t)rows;
	rng_state = seed;
	ofp = stdout;
	if (path != NULL && (ofp = fopen(path, "w")) == NULL)
		die("cannot open '%s': %s", path, strerror(errno));
	oadd(header, sizeof header - 1);
	while (st.rows < rows) {
		/*
		 * 1 to 5 items: 26%, 24%, 20%, 15%, 15%; with -r 45%, 30%,
		 * 15%, 6%, 4%.
		 */
		unsigned r = below(100);
		int n = real_shape ?
		    (r < 45 ? 1 : r < 75 ? 2 : r < 90 ? 3 : r < 96 ? 4 : 5) :
		    (r < 26 ? 1 : r < 50 ? 2 : r < 70 ? 3 : r < 85 ? 4 : 5);

		if (n > rows - st.rows)
			n = (int)(rows - st.rows);
		order(num++, n, t);
		t += 20 + below(90);
	}
	oflush();
	if (fflush(ofp) == EOF || (ofp != stdout && fclose(ofp) == EOF))
		die("write error: %s", strerror(errno));
	fprintf(stderr, "%s: %ld rows, %ld orders, %ld lines (%ld gift cards, "
	    "%ld other lines without sku), %llu bytes, %.0f bytes a row; "
	    "%ld orders with Note Attributes, %ld zips with an apostrophe, "
	    "%ld POS, %ld discounted, %ld cancelled\n", progname, st.rows,
	    st.orders, st.lines, st.gift, st.nosku,
	    (unsigned long long)obytes,
	    st.rows ? (double)obytes / (double)st.rows : 0.0, st.nattr,
	    st.apostrophe, st.pos, st.discounted, st.cancelled);
	return 0;
}
