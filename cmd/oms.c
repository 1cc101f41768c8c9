/*
 * oms: the front door of the toolkit.  `oms import ...` runs oms-import
 * (found beside this program first, then on PATH) the way git runs its
 * subcommands; init, check, status, version and help are built in, each
 * taking --db before or after its name as every oms-* program does.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "order.h"
#include "purge.h"

static int find_program(const char *name, char *out, size_t n);

static const struct {
	const char *name;
	const char *what;
} programs[] = {
	{ "import", "capture orders from every channel, exactly once" },
	{ "stock", "catalog, locations, the stock ledger and channel feeds" },
	{ "route", "allocate orders to locations by rules" },
	{ "ship", "pack, label, hand over, track, confirm to channels" },
	{ "return", "returns, inspection, restock, exchanges, reships" },
	{ "report", "sales, fulfilment, stock and profit reports" },
	{ "events", "every change as an event stream, for consumers" },
	{ "edi", "a 3pl's orders, shipments and stock as EDI X12" },
};

struct ctx {
	const struct builtin *b;
	const char *db;
	int quiet;
};

static int cmd_init(struct ctx *, int, char **);
static int cmd_check(struct ctx *, int, char **);
static int cmd_migrate(struct ctx *, int, char **);
static int cmd_status(struct ctx *, int, char **);
static int cmd_purge(struct ctx *, int, char **);
static int cmd_version(struct ctx *, int, char **);
static int cmd_help(struct ctx *, int, char **);

static const struct builtin {
	const char *name;
	int (*fn)(struct ctx *, int, char **);
	const char *usage;	/* after "oms " */
	const char *what;
} builtins[] = {
	{ "init", cmd_init, "[-q] [--db PATH] init",
	    "create or upgrade the database" },
	{ "check", cmd_check, "[-q] [--db PATH] check",
	    "check the database for consistency" },
	{ "status", cmd_status, "[-q] [--db PATH] status [--older-than TIME] "
	    "[--recent TIME]", "what needs a person now: held, refused, stuck" },
	{ "purge-customer", cmd_purge, "[-q] [--db PATH] purge-customer [-n] "
	    "[--labels DIR] [--slips DIR] [--mail DIR] EMAIL | --order ORDER",
	    "erase a customer's personal data, keeping the figures" },
	{ "migrate", cmd_migrate, "[-q] [--db PATH] migrate --to DATABASE",
	    "copy the database into a new one: SQLite, PostgreSQL" },
	{ "version", cmd_version, "version", "print the version" },
	{ "help", cmd_help, "help [COMMAND]", "this list, or a command's help" },
};
#define NBUILTINS (sizeof builtins / sizeof builtins[0])

static void
usage(void)
{
	size_t i;

	for (i = 0; i < NBUILTINS; i++)
		fprintf(stderr, "%s oms %s\n", i == 0 ? "usage:" : "      ",
		    builtins[i].usage);
	fprintf(stderr, "       oms [--db PATH] COMMAND [ARG ...]\n");
	exit(OMS_EXIT_USAGE);
}

/* A built-in's usage: on stdout for --help, else on stderr with status 2. */
static int
builtin_usage(const struct builtin *b, int asked)
{
	fprintf(asked ? stdout : stderr, "usage: oms %s\n", b->usage);
	if (!asked)
		exit(OMS_EXIT_USAGE);
	efshut();
	return OMS_EXIT_OK;
}

static const struct builtin *
builtin(const char *name)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

/*
 * The options a built-in takes after its name as before it (--db, -q;
 * -h prints its usage), and those of more, the command's own: returns
 * the option character of one of those, -1 at the end.
 */
static int
next_opt(struct ctx *cx, int argc, char **argv, const struct option *more)
{
	struct option opts[12] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
	};
	char shorts[8] = "+d:hq";
	int c, n = 3;

	/* -n is --dry-run, for the commands that take it alone. */
	for (; more != NULL && more->name != NULL && n < 11; more++) {
		if (more->val == 'n' && more->has_arg == no_argument)
			strcat(shorts, "n");
		opts[n++] = *more;
	}
	for (;;) {
		c = getopt_long(argc, argv, shorts, opts, NULL);
		switch (c) {
		case 'd':
			cx->db = optarg;
			break;
		case 'q':
			cx->quiet = 1;
			break;
		case 'h':
			builtin_usage(cx->b, 1);
			exit(OMS_EXIT_OK);
		case '?':
			builtin_usage(cx->b, 0);
			break;
		default:
			return c;
		}
	}
}

static void
run(const char *name, int argc, char **argv)
{
	char path[PATH_MAX + 64];
	char **av;

	if (!oms_valid_name(name) || find_program(name, path, sizeof path) < 0) {
		oms_warnx("'%s' is not an oms command; see 'oms help'", name);
		exit(OMS_EXIT_USAGE);
	}
	av = ecalloc((size_t)argc + 1, sizeof *av);
	av[0] = path;
	for (int i = 1; i < argc; i++)
		av[i] = argv[i];
	execv(path, av);
	oms_die(OMS_EXIT_FATAL, "cannot run '%s': %s", path, strerror(errno));
}

static int
cmd_init(struct ctx *cx, int argc, char **argv)
{
	const char *dbpath;
	oms_db *db;
	int rc, before = 0;

	if (next_opt(cx, argc, argv, NULL) != -1 || optind != argc)
		builtin_usage(cx->b, 0);
	dbpath = oms_db_path(cx->db);

	if (oms_db_exists(dbpath)) {
		if ((rc = oms_db_open(dbpath, OMS_DB_NOMIGRATE, &db)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if ((rc = oms_db_user_version(db, &before)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		oms_db_close(db);
	}
	if ((rc = oms_db_open(dbpath, OMS_DB_CREATE, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (!cx->quiet) {
		if (before == oms_db_schema_version())
			fprintf(stderr, "%s: database '%s' is up to date "
			    "(schema %d)\n", oms_progname, dbpath, before);
		else
			fprintf(stderr, "%s: database '%s' is at schema %d "
			    "(was %d)\n", oms_progname, dbpath,
			    oms_db_schema_version(), before);
	}
	oms_db_close(db);
	return OMS_EXIT_OK;
}

struct copied {
	int tables, tty;
	int64_t rows;
};

static void
copied_table(void *arg, const char *table, int64_t rows)
{
	struct copied *c = arg;

	c->tables++;
	c->rows += rows;
	if (c->tty)
		fprintf(stderr, "%s: %s: %lld row%s\n", oms_progname, table,
		    (long long)rows, rows == 1 ? "" : "s");
}

/*
 * Copy the database, whole, into a new one on either engine: oms init
 * makes the target's schema, every row goes across in one transaction,
 * and each table is counted on both sides after.
 */
static int
cmd_migrate(struct ctx *cx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct copied c = { 0, 0, 0 };
	const char *from, *to = NULL;
	oms_db *src, *dst;
	int ch, rc;

	while ((ch = next_opt(cx, argc, argv, longopts)) != -1)
		if (ch == 't')
			to = optarg;
	if (to == NULL || *to == '\0' || optind != argc)
		builtin_usage(cx->b, 0);
	from = oms_db_path(cx->db);
	if (strcmp(from, to) == 0)
		oms_die(OMS_EXIT_USAGE, "'%s' is the database copied from; "
		    "--to names a new one", to);
	if ((rc = oms_db_open(from, OMS_DB_READONLY, &src)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if ((rc = oms_db_open(to, OMS_DB_CREATE, &dst)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	c.tty = !cx->quiet && isatty(STDERR_FILENO);
	if ((rc = oms_db_copy(src, dst, copied_table, &c)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (!cx->quiet)
		fprintf(stderr, "%s: copied %lld rows in %d tables from '%s' "
		    "to '%s'\n", oms_progname, (long long)c.rows, c.tables,
		    oms_db_file(src), oms_db_file(dst));
	oms_db_close(src);
	oms_db_close(dst);
	return OMS_EXIT_OK;
}

static void
print_problem(void *arg, const char *check, const char *msg)
{
	(void)arg;
	printf("%s: %s\n", check, msg);
}

static int
cmd_check(struct ctx *cx, int argc, char **argv)
{
	const char *dbpath;
	oms_db *db;
	int rc, problems = 0;

	if (next_opt(cx, argc, argv, NULL) != -1 || optind != argc)
		builtin_usage(cx->b, 0);
	dbpath = oms_db_path(cx->db);

	if ((rc = oms_db_open(dbpath, 0, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	rc = oms_db_check(db, print_problem, NULL, &problems);
	oms_db_close(db);
	efshut();
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (problems > 0) {
		if (!cx->quiet)
			fprintf(stderr, "%s: database '%s': %d problem%s\n",
			    oms_progname, dbpath, problems,
			    problems == 1 ? "" : "s");
		return OMS_EXIT_REJECT;
	}
	if (!cx->quiet)
		fprintf(stderr, "%s: database '%s' is consistent\n",
		    oms_progname, dbpath);
	return OMS_EXIT_OK;
}

static int
print_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	return OMS_OK;
}

/* 90m, 24h, 7d, or seconds: a span of time in seconds. */
static int64_t
duration(const char *opt, const char *s)
{
	int64_t v;

	if (oms_duration_parse(s, &v) != OMS_OK)
		oms_die(OMS_EXIT_USAGE, "%s %s", opt, oms_error());
	return v;
}

/*
 * The merchant's day is the one a feed must be sent on: the zone of
 * $OMS_TZ, else UTC, as oms-report has it.
 */
static void
merchant_zone(void)
{
	const char *tz = getenv("OMS_TZ");

	if (tz == NULL || *tz == '\0')
		tz = "UTC";
	if (!oms_tz_valid(tz))
		oms_die(OMS_EXIT_USAGE, "OMS_TZ: unknown time zone '%s'", tz);
	if (setenv("TZ", tz, 1) != 0)
		oms_die(OMS_EXIT_FATAL, "cannot set the time zone");
	tzset();
}

/*
 * What needs a person now, a record each; exit 1 when there is any, so
 * a cron job can say so.
 */
static int
cmd_status(struct ctx *cx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "recent", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	int64_t waiting = 86400, recent = 7 * 86400;
	oms_db *db;
	long n;
	int c, rc;

	while ((c = next_opt(cx, argc, argv, longopts)) != -1)
		switch (c) {
		case 'o':
			waiting = duration("--older-than", optarg);
			break;
		case 'r':
			recent = duration("--recent", optarg);
			break;
		}
	if (optind != argc)
		builtin_usage(cx->b, 0);
	merchant_zone();
	if ((rc = oms_db_open(oms_db_path(cx->db), 0, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	rc = oms_status(db, waiting, recent, print_rec, NULL, &n);
	oms_db_close(db);
	efshut();
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (!cx->quiet && isatty(STDERR_FILENO))
		fprintf(stderr, "%s: %ld order%s need%s a person\n",
		    oms_progname, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
	return n > 0 ? OMS_EXIT_REJECT : OMS_EXIT_OK;
}

/*
 * Erase a customer's personal data: every order of EMAIL, or the one
 * order named, each in a transaction of its own, a record each on
 * stdout.  Exit 1 when a file could not be deleted.
 */
static int
cmd_purge(struct ctx *cx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "labels", required_argument, NULL, 'L' },
		{ "mail", required_argument, NULL, 'M' },
		{ "order", required_argument, NULL, 'o' },
		{ "slips", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct oms_purge_opts po = { NULL, NULL, NULL, 0 };
	const char *order = NULL;
	char *email = NULL;
	int64_t *ids = NULL, one;
	size_t n = 0, i;
	long files = 0, unreached = 0;
	oms_db *db;
	int c, rc, bad, ckpt = 1;

	while ((c = next_opt(cx, argc, argv, longopts)) != -1)
		switch (c) {
		case 'n':
			po.dry_run = 1;
			break;
		case 'L':
			po.labels = optarg;
			break;
		case 'M':
			po.mail = optarg;
			break;
		case 'o':
			order = optarg;
			break;
		case 'S':
			po.slips = optarg;
			break;
		}
	if ((order == NULL) == (optind == argc) || argc - optind > 1)
		builtin_usage(cx->b, 0);
	if (order == NULL) {
		const char *s = argv[optind];
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		len = strlen(s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		email = estrndup(s, len);
		if (strchr(email, '@') == NULL || email[0] == '@' ||
		    email[len - 1] == '@' || strpbrk(email, " \t\r\n") != NULL)
			oms_die(OMS_EXIT_USAGE, "'%s' is not an email address",
			    argv[optind]);
	}
	if ((rc = oms_db_open(oms_db_path(cx->db), 0, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	/* Freed pages and cells are zeroed, not left in the file. */
	if ((rc = oms_db_erasing(db)) != OMS_OK)
		goto fail;
	if (order != NULL) {
		if ((rc = oms_order_find(db, order, &one)) != OMS_OK)
			goto fail;
		ids = emalloc(sizeof *ids);
		ids[0] = one;
		n = 1;
	} else if ((rc = oms_purge_find(db, email, &ids, &n)) != OMS_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		cJSON *rec = NULL;

		if ((rc = oms_purge_order(db, ids[i], email, &po, &rec,
		    &bad)) != OMS_OK)
			goto fail;
		files += cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(rec, "files"));
		unreached += bad;
		if (oms_rec_write(stdout, rec) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s", oms_error());
		cJSON_Delete(rec);
	}
	/* Old copies of the pages in the write-ahead log go too. */
	if (n > 0 && !po.dry_run && (rc = oms_purge_checkpoint(db, &ckpt)) !=
	    OMS_OK)
		goto fail;
	oms_db_close(db);
	free(ids);
	free(email);
	efshut();
	if (!ckpt)
		oms_warnx("the write-ahead log could not be emptied while "
		    "others read the database: run 'oms purge-customer' "
		    "again, or checkpoint it, when they are done");
	if (!cx->quiet)
		fprintf(stderr, "%s: %zu order%s %s, %ld file%s known, %ld "
		    "not reached\n", oms_progname, n, n == 1 ? "" : "s",
		    po.dry_run ? "would be purged" : "purged", files,
		    files == 1 ? "" : "s", unreached);
	return unreached > 0 ? OMS_EXIT_REJECT : OMS_EXIT_OK;
fail:
	oms_die(rc == OMS_REJECT ? OMS_EXIT_REJECT : oms_exit_status(rc), "%s",
	    oms_error());
}

static int
cmd_version(struct ctx *cx, int argc, char **argv)
{
	if (next_opt(cx, argc, argv, NULL) != -1 || optind != argc)
		builtin_usage(cx->b, 0);
	printf("oms %s (schema %d, SQLite %s, cJSON %s)\n", OMS_VERSION,
	    oms_db_schema_version(), oms_db_engine(), cJSON_Version());
	efshut();
	return OMS_EXIT_OK;
}

/* A command's help: a built-in's usage, or what oms-NAME --help says. */
static int
help_topic(const char *topic)
{
	char path[PATH_MAX + 64];
	char *av[3];

	if (builtin(topic) != NULL)
		return builtin_usage(builtin(topic), 1);
	if (!oms_valid_name(topic) || find_program(topic, path,
	    sizeof path) < 0)
		oms_die(OMS_EXIT_USAGE, "no help for '%s': not an oms "
		    "command; see 'oms help'", topic);
	av[0] = path;
	av[1] = "--help";
	av[2] = NULL;
	execv(path, av);
	oms_die(OMS_EXIT_FATAL, "cannot run '%s': %s", path, strerror(errno));
}

static int
cmd_help(struct ctx *cx, int argc, char **argv)
{
	char path[PATH_MAX + 64];
	size_t i, n;

	if (next_opt(cx, argc, argv, NULL) != -1 || argc - optind > 1)
		builtin_usage(cx->b, 0);
	if (optind < argc)
		return help_topic(argv[optind]);
	printf("usage: oms [--db PATH] COMMAND [ARG ...]\n\n");
	printf("Built in:\n");
	for (i = 0; i < NBUILTINS; i++)
		printf("  %-8s %s\n", builtins[i].name, builtins[i].what);
	printf("\nPrograms:\n");
	for (i = 0, n = 0; i < sizeof programs / sizeof programs[0]; i++)
		if (find_program(programs[i].name, path, sizeof path) == 0) {
			printf("  %-8s %s\n", programs[i].name,
			    programs[i].what);
			n++;
		}
	if (n == 0)
		printf("  (none installed beside oms or on PATH)\n");
	if (find_program("carrier-offline", path, sizeof path) == 0)
		printf("\nCarrier adapters (oms-carrier(7)):\n  %-16s %s\n",
		    "carrier-offline", "rates, labels and tracking with no "
		    "network; not for shipment");
	if (find_program("tax-table", path, sizeof path) == 0)
		printf("\nTax adapters (oms-adapters(7)):\n  %-16s %s\n",
		    "tax-table", "tax from a table of dated rates, with no "
		    "network");
	if (find_program("payment-ledger", path, sizeof path) == 0)
		printf("\nPayment adapters (oms-adapters(7)):\n  %-16s %s\n",
		    "payment-ledger", "a ledger of what would be captured and "
		    "refunded; moves no money");
	if (find_program("events-webhook", path, sizeof path) == 0)
		printf("\nEvent adapters (oms-events(1) --exec):\n  %-16s %s\n",
		    "events-webhook", "post a consumer's batches to a web "
		    "service, signed");
	printf("\nThe database is --db PATH, else $OMS_DB, else ./oms.db.\n"
	    "See oms(7) for the overview.\n");
	efshut();
	return OMS_EXIT_OK;
}

/* oms-NAME beside oms, then on PATH. */
static int
find_program(const char *name, char *out, size_t n)
{
	char prog[256];

	snprintf(prog, sizeof prog, "oms-%s", name);
	return oms_find_program(prog, out, n);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char *help[] = { "help", NULL };
	const struct builtin *b;
	struct ctx cx = { NULL, NULL, 0 };
	const char *cmd;
	int c;

	oms_setprogname(argv[0]);
	/* Stop at the first operand: what follows belongs to the command. */
	while ((c = getopt_long(argc, argv, "+d:hqV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cx.db = optarg;
			break;
		case 'h':
			cx.b = builtin("help");
			optind = 0;
			return cmd_help(&cx, 1, help);
		case 'q':
			cx.quiet = 1;
			break;
		case 'V':
			printf("oms %s\n", OMS_VERSION);
			efshut();
			return OMS_EXIT_OK;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];
	/* The bounds of jq programs, like the busy timeout: said, or used. */
	if (oms_jq_limits() != OMS_OK)
		oms_die(OMS_EXIT_USAGE, "%s", oms_error());
	if ((b = builtin(cmd)) != NULL) {
		cx.b = b;
		argc -= optind;
		argv += optind;
		/* getopt names argv[0] in its messages: "oms", not the verb. */
		argv[0] = (char *)oms_progname;
		/* 0 starts getopt afresh, on the command's own arguments. */
		optind = 0;
		return b->fn(&cx, argc, argv);
	}
	if (cx.db != NULL && setenv("OMS_DB", cx.db, 1) < 0)
		oms_die(OMS_EXIT_FATAL, "cannot set OMS_DB: %s",
		    strerror(errno));
	run(cmd, argc - optind, argv + optind);
	return OMS_EXIT_FATAL;
}
