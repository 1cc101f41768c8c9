/*
 * schema.c: the numbered migrations.  Migration N takes a database from
 * user_version N-1 to N; all pending ones run in one transaction at open.
 * SQL stays in the subset SQLite and PostgreSQL share.
 */
#include "oms.h"
#include "db_int.h"

const char *const oms_migrations[] = {
	/* 1: orders, their lines, and the history of every change. */
	"CREATE TABLE orders (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  channel TEXT NOT NULL,\n"
	"  external_id TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  hold_reasons TEXT,\n"
	"  channel_status TEXT,\n"
	"  payment_status TEXT,\n"
	"  placed_at TEXT,\n"
	"  imported_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  currency TEXT NOT NULL,\n"
	"  customer_email TEXT,\n"
	"  segment TEXT,\n"
	"  ship_postal_code TEXT,\n"
	"  ship_region TEXT,\n"
	"  ship_country TEXT,\n"
	"  service TEXT,\n"
	"  ship_by TEXT,\n"
	"  deliver_by TEXT,\n"
	"  priority INTEGER NOT NULL DEFAULT 0,\n"
	"  subtotal INTEGER,\n"
	"  shipping INTEGER,\n"
	"  discount INTEGER,\n"
	"  tax INTEGER,\n"
	"  total INTEGER,\n"
	"  refunded INTEGER,\n"
	"  digest TEXT NOT NULL,\n"
	"  record TEXT NOT NULL,\n"
	"  sources INTEGER NOT NULL DEFAULT 0,\n"
	"  UNIQUE (channel, external_id)\n"
	");\n"
	"CREATE INDEX orders_status ON orders (status, priority, placed_at);\n"
	"CREATE TABLE order_lines (\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,\n"
	"  line_no INTEGER NOT NULL,\n"
	"  line_id TEXT,\n"
	"  sku TEXT,\n"
	"  channel_sku TEXT,\n"
	"  title TEXT,\n"
	"  qty INTEGER NOT NULL,\n"
	"  unit_price INTEGER,\n"
	"  discount INTEGER,\n"
	"  tax INTEGER,\n"
	"  PRIMARY KEY (order_id, line_no)\n"
	");\n"
	"CREATE INDEX order_lines_sku ON order_lines (sku);\n"
	"CREATE TABLE order_sources (\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,\n"
	"  source TEXT NOT NULL,\n"
	"  record TEXT NOT NULL,\n"
	"  digest TEXT NOT NULL,\n"
	"  PRIMARY KEY (order_id, source)\n"
	");\n"
	"CREATE TABLE events (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at TEXT NOT NULL,\n"
	"  program TEXT NOT NULL,\n"
	"  order_id INTEGER REFERENCES orders (id) ON DELETE CASCADE,\n"
	"  action TEXT NOT NULL,\n"
	"  before TEXT,\n"
	"  after TEXT\n"
	");\n"
	"CREATE INDEX events_order ON events (order_id, id);\n",
};

const int oms_nmigrations = sizeof oms_migrations / sizeof oms_migrations[0];

/*
 * The consistency checks of `oms check`: each query returns one row of
 * text per problem it finds.  Later issues add theirs.
 */
const struct oms_check oms_checks[] = {
	{ "foreign-keys",
	  "SELECT 'row ' || rowid || ' of ' || \"table\" || "
	  "' points at a missing row of ' || parent FROM pragma_foreign_key_check" },
	{ "order-lines",
	  "SELECT 'order o_' || id || ' (' || channel || ' ' || external_id || "
	  "') has no lines' FROM orders o WHERE status NOT IN ('hold', 'cancelled', "
	  "'fulfilled') AND NOT EXISTS "
	  "(SELECT 1 FROM order_lines l WHERE l.order_id = o.id)" },
	{ "line-quantity",
	  "SELECT 'order o_' || order_id || ' line ' || line_no || "
	  "' has quantity ' || qty FROM order_lines WHERE qty <= 0" },
	{ "hold-reasons",
	  "SELECT 'order o_' || id || ' is on hold with no reason' FROM orders "
	  "WHERE status = 'hold' AND (hold_reasons IS NULL OR hold_reasons = '[]')" },
	{ "order-currency",
	  "SELECT 'order o_' || id || ' has currency ''' || currency || '''' "
	  "FROM orders WHERE length(currency) <> 3 OR upper(currency) <> currency" },
};

const int oms_nchecks = sizeof oms_checks / sizeof oms_checks[0];
