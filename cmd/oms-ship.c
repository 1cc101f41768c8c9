/*
 * oms-ship: pack, label and ship what routing allocated; follow the
 * parcels; tell the channels.
 *
 * Reads allocation records (what oms-route prints) or order references a
 * line each, from the files named or stdin, and ships every location where
 * each order has stock allocated: the smallest box that holds it, a label
 * bought from the carrier adapter oms-carrier-NAME (oms-carrier(7)) and
 * written to the label directory as ZPL and PDF, and the stock taken out
 * through the ledger; a shipment record is printed once committed.
 * `track` asks the carriers what became of the parcels, `manifest` lists a
 * carrier's shipments of a day, `confirm` writes a channel's shipment
 * confirmation upload.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(oms_usage_out(),
	    "usage: oms-ship [-qv] [--db PATH] --carrier NAME --labels DIR "
	    "[--service NAME]\n"
	    "                [--dpi 203|300] [--slips DIR] [--pending | FILE ...]\n"
	    "       oms-ship pick [-qv] [--db PATH] [--location LOC] "
	    "[--wave-size N] [--pdf FILE]\n"
	    "       oms-ship track [-qv] [--db PATH] [--carrier NAME]\n"
	    "       oms-ship manifest [--db PATH] --carrier NAME [--date DAY]\n"
	    "       oms-ship confirm [-nqv] [--db PATH] --feed CHANNEL "
	    "[--account NAME]\n"
	    "                [--format NAME]\n"
	    "       oms-ship notify [-qv] [--db PATH] [--mail DIR] "
	    "[--from ADDRESS]\n"
	    "       oms-ship void [--db PATH] SHIPMENT ...\n");
	oms_usage_exit();
}

static int
print_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	/* A shipment is committed: let the next program see it now. */
	efshut();
	return OMS_OK;
}

static oms_db *the_db;		/* closed before dying: nothing leaks */
static struct oms_shipper *the_sp;

static oms_db *
open_db(const char *dbopt, int flags)
{
	int rc;

	if ((rc = oms_db_open(oms_db_path(dbopt), flags, &the_db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	return the_db;
}

/* Die of rc, with the message of the failure, the database closed. */
static void fail(int status) __attribute__((noreturn));

static void
fail(int status)
{
	char msg[2048];

	snprintf(msg, sizeof msg, "%s", oms_error());
	oms_shipper_close(the_sp);
	if (the_db != NULL)
		oms_db_close(the_db);
	oms_die(status, "%s", msg);
}

/*
 * A refusal is said, and kept on the order (oms status shows it until
 * the order moves on); a carrier that fails fails this order, not the
 * run.  Returns 1 when the order was refused, 0 when it shipped; fatal
 * errors die.
 */
static int
ship_id(oms_db *db, struct oms_shipper *sp, int64_t id, const char *where)
{
	int rc = oms_ship_order(sp, id, print_rec, NULL);
	char msg[1024];

	if (rc == OMS_OK)
		return 0;
	if (rc != OMS_REJECT && strncmp(oms_error(), "carrier ", 8) != 0 &&
	    strncmp(oms_error(), "no carrier ", 11) != 0)
		fail(oms_exit_status(rc));
	snprintf(msg, sizeof msg, "%s", oms_error());
	/* A refusal names its order; a carrier's failure, here. */
	if (where != NULL)
		oms_warnx("%s: %s%s", where, msg, rc == OMS_REJECT ? "" :
		    " (nothing changed)");
	else if (rc == OMS_REJECT)
		oms_warnx("%s", msg);
	else
		oms_warnx("o_%lld: %s (nothing changed)", (long long)id, msg);
	/*
	 * Kept when the order could ship but did not: not for one that is
	 * cancelled, held or shipped already, which says so itself.
	 */
	if ((rc = oms_order_may(db, id, OMS_ACT_SHIP)) == OMS_OK) {
		if ((rc = oms_order_refused(db, id, msg)) != OMS_OK)
			fail(oms_exit_status(rc));
	} else if (rc != OMS_REJECT)
		fail(oms_exit_status(rc));
	return 1;
}

/* Ship the orders a file names; refusals are counted, fatal errors die. */
static long
ship_file(oms_db *db, struct oms_shipper *sp, const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *name = strcmp(path, "-") == 0 ? "-" : path;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long ln = 0, refused = 0;

	if (fp == NULL) {
		oms_warnx("cannot open '%s': %s", path, strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		int64_t id;
		int rc;

		ln++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		rc = oms_order_ref(db, line, &id);
		if (rc == OMS_REJECT) {
			oms_warnx("%s:%ld: %s", name, ln, oms_error());
			refused++;
			continue;
		}
		if (rc != OMS_OK)
			fail(oms_exit_status(rc));
		{
			char where[1100];

			snprintf(where, sizeof where, "%s:%ld", name, ln);
			refused += ship_id(db, sp, id, where);
		}
	}
	if (ferror(fp))
		oms_die(OMS_EXIT_FATAL, "%s: read error: %s", name,
		    strerror(errno));
	free(line);
	if (fp != stdin)
		fclose(fp);
	return refused;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "carrier", required_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'D' },
		{ "db", required_argument, NULL, 'd' },
		{ "dpi", required_argument, NULL, 'P' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "feed", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "from", required_argument, NULL, 'm' },
		{ "labels", required_argument, NULL, 'l' },
		{ "location", required_argument, NULL, 'L' },
		{ "mail", required_argument, NULL, 'M' },
		{ "pdf", required_argument, NULL, 'p' },
		{ "pending", no_argument, NULL, 'W' },
		{ "account", required_argument, NULL, 'A' },
		{ "slips", required_argument, NULL, 'S' },
		{ "wave-size", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "service", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dbopt = NULL, *carrier = NULL, *date = NULL, *feed = NULL;
	const char *format = NULL, *labels = NULL, *service = NULL;
	const char *verb = "", *from = NULL, *location = NULL, *mail = NULL;
	const char *pdf = NULL, *slips = NULL, *account = NULL;
	int wave_size = 50, pending = 0;
	int c, dpi = 203, dry = 0, quiet = 0, verbose = 0, rc;
	char today[OMS_TIME_LEN];
	oms_db *db;

	oms_setprogname(argv[0]);
	oms_help_scan(argc, argv);
	while ((c = getopt_long(argc, argv, "d:hnqvV", longopts, NULL)) != -1) {
		switch (c) {
		case 'A':
			if (!oms_valid_account(optarg))
				oms_die(OMS_EXIT_USAGE, "--account '%s' is not "
				    "1-100 characters with no ':', '/' or control "
				    "character", optarg);
			account = optarg;
			break;
		case 'c':
			carrier = optarg;
			break;
		case 'D':
			date = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'P':
			if (strcmp(optarg, "203") == 0)
				dpi = 203;
			else if (strcmp(optarg, "300") == 0)
				dpi = 300;
			else
				usage();
			break;
		case 'n':
			dry = 1;
			break;
		case 'f':
			feed = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'l':
			labels = optarg;
			break;
		case 'm':
			from = optarg;
			break;
		case 'L':
			location = optarg;
			break;
		case 'M':
			mail = optarg;
			break;
		case 'p':
			pdf = optarg;
			break;
		case 'W':
			pending = 1;
			break;
		case 'S':
			slips = optarg;
			break;
		case 'w': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end != '\0' || v < 1 || v > 10000)
				oms_die(OMS_EXIT_USAGE, "--wave-size '%s' is not "
				    "1 to 10000", optarg);
			wave_size = (int)v;
			break;
		}
		case 'q':
			quiet = 1;
			break;
		case 's':
			service = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("oms-ship %s\n", OMS_VERSION);
			efshut();
			return OMS_EXIT_OK;
		case 'h':
			oms_help_set();
			usage();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && strcmp(argv[0], "void") == 0) {
		int refused = 0;

		if (argc < 2 || carrier || labels || service || slips || date ||
		    feed || format || dry || location || pdf || mail || from ||
		    wave_size != 50 || pending || account)
			usage();
		db = open_db(dbopt, 0);
		for (int i = 1; i < argc; i++) {
			rc = oms_ship_void(db, argv[i], print_rec, NULL);
			if (rc == OMS_REJECT || (rc == OMS_ERR &&
			    (strncmp(oms_error(), "carrier ", 8) == 0 ||
			    strncmp(oms_error(), "no carrier ", 11) == 0))) {
				oms_warnx("%s%s", oms_error(), rc == OMS_ERR ?
				    " (nothing changed)" : "");
				refused++;
			} else if (rc != OMS_OK)
				fail(oms_exit_status(rc));
		}
		oms_db_close(db);
		efshut();
		return refused ? OMS_EXIT_REJECT : OMS_EXIT_OK;
	}
	if (argc > 0 && (strcmp(argv[0], "track") == 0 ||
	    strcmp(argv[0], "manifest") == 0 ||
	    strcmp(argv[0], "confirm") == 0 || strcmp(argv[0], "pick") == 0 ||
	    strcmp(argv[0], "notify") == 0)) {
		verb = argv[0];
		argc--;
		argv++;
		if (argc > 0 || labels || service || slips || pending)
			usage();
	}
	if (account && strcmp(verb, "confirm") != 0)
		usage();
	if ((location || pdf || wave_size != 50) && strcmp(verb, "pick") != 0)
		usage();
	if ((mail || from) && strcmp(verb, "notify") != 0)
		usage();
	if (strcmp(verb, "pick") == 0) {
		long waves;

		if (carrier || date || feed || format || dry)
			usage();
		db = open_db(dbopt, 0);
		rc = oms_pick(db, location, wave_size, pdf, print_rec, NULL,
		    &waves);
		if (rc != OMS_OK)
			fail(oms_exit_status(rc));
		if (verbose || (!quiet && isatty(STDERR_FILENO)))
			oms_warnx("%ld wave%s", waves, waves == 1 ? "" : "s");
		oms_db_close(db);
		efshut();
		return OMS_EXIT_OK;
	}
	if (strcmp(verb, "notify") == 0) {
		long sent, none;

		if (carrier || date || feed || format || dry)
			usage();
		if (mail != NULL && from == NULL)
			oms_die(OMS_EXIT_USAGE, "--mail needs --from ADDRESS");
		if (mail != NULL && mkdir(mail, 0755) != 0 && errno != EEXIST)
			oms_die(OMS_EXIT_FATAL, "cannot make '%s': %s", mail,
			    strerror(errno));
		db = open_db(dbopt, 0);
		rc = oms_notify(db, mail, from, print_rec, NULL, &sent, &none);
		if (rc != OMS_OK)
			fail(oms_exit_status(rc));
		if (verbose || (!quiet && isatty(STDERR_FILENO)))
			oms_warnx("%ld message%s, %ld shipment%s with no customer "
			    "email", sent, sent == 1 ? "" : "s", none,
			    none == 1 ? "" : "s");
		oms_db_close(db);
		efshut();
		return OMS_EXIT_OK;
	}
	if (carrier != NULL && !oms_valid_name(carrier))
		oms_die(OMS_EXIT_USAGE, "'%s' is not a carrier name", carrier);
	if (strcmp(verb, "track") == 0) {
		long failed;

		if (date || feed || format || dry)
			usage();
		db = open_db(dbopt, 0);
		rc = oms_ship_track(db, carrier, print_rec, NULL, &failed);
		if (rc != OMS_OK)
			fail(oms_exit_status(rc));
		oms_db_close(db);
		efshut();
		return failed ? OMS_EXIT_REJECT : OMS_EXIT_OK;
	}
	if (strcmp(verb, "manifest") == 0) {
		if (carrier == NULL || feed || format || dry)
			usage();
		if (date == NULL) {
			oms_time_now(today);
			today[10] = '\0';
			date = today;
		} else if (strlen(date) != 10 || date[4] != '-' || date[7] != '-')
			oms_die(OMS_EXIT_USAGE, "--date '%s' is not YYYY-MM-DD",
			    date);
		db = open_db(dbopt, 0);
		rc = oms_ship_manifest(db, carrier, date, print_rec, NULL);
		if (rc != OMS_OK)
			fail(oms_exit_status(rc));
		oms_db_close(db);
		efshut();
		return OMS_EXIT_OK;
	}
	if (strcmp(verb, "confirm") == 0) {
		cJSON *left = NULL;
		const cJSON *x;
		long n;

		if (feed == NULL || carrier || date)
			usage();
		db = open_db(dbopt, 0);
		rc = oms_confirm_write(db, feed, account, format, dry, stdout, &n,
		    &left);
		if (rc == OMS_REJECT) {
			cJSON_Delete(left);
			fail(OMS_EXIT_REJECT);
		}
		if (rc != OMS_OK) {
			cJSON_Delete(left);
			fail(oms_exit_status(rc));
		}
		/* Voided after the channel was told, and no correction here. */
		cJSON_ArrayForEach(x, left)
			oms_warnx("%s (order %s) was voided after %s was told it "
			    "shipped with tracking %s: correct it on %s by hand",
			    oms_json_str(x, "id"), oms_json_str(x, "external_id"),
			    feed, oms_json_str(x, "tracking"), feed);
		if (verbose || (!quiet && isatty(STDERR_FILENO)))
			oms_warnx("%s: %ld shipment%s confirmed%s", feed, n,
			    n == 1 ? "" : "s", dry ? " (dry run: not recorded)" :
			    "");
		rc = cJSON_GetArraySize(left) > 0 ? OMS_EXIT_REJECT : OMS_EXIT_OK;
		cJSON_Delete(left);
		oms_db_close(db);
		efshut();
		return rc;
	}
	if (carrier == NULL || labels == NULL || date || feed || format || dry ||
	    (pending && argc > 0))
		usage();
	if (argc == 0 && !pending && isatty(STDIN_FILENO))
		usage();
	{
		struct oms_shipper *sp;
		long refused = 0, shipped, r2;

		db = open_db(dbopt, OMS_DB_CREATE);
		if ((rc = oms_shipper_open(db, carrier, labels, service, dpi,
		    &sp)) != OMS_OK)
			fail(oms_exit_status(rc));
		the_sp = sp;
		if (slips != NULL && (rc = oms_shipper_slips(sp, slips)) != OMS_OK)
			fail(oms_exit_status(rc));
		/* Labels bought for nothing that a carrier would not void. */
		{
			long voided, failed;

			if ((rc = oms_ship_strays(db, &voided, &failed)) != OMS_OK)
				fail(oms_exit_status(rc));
			if (failed > 0)
				oms_warnx("%ld label%s bought for nothing still not "
				    "voided (oms status lists them)", failed,
				    failed == 1 ? "" : "s");
		}
		if (pending) {
			int64_t *ids;
			size_t n;

			if ((rc = oms_ship_pending(db, &ids, &n)) != OMS_OK)
				fail(oms_exit_status(rc));
			for (size_t i = 0; i < n; i++)
				refused += ship_id(db, sp, ids[i], NULL);
			free(ids);
		} else
			for (int i = 0; i < (argc ? argc : 1); i++)
				refused += ship_file(db, sp, argc ? argv[i] : "-");
		oms_shipper_counts(sp, &shipped, &r2);
		if (verbose || (!quiet && isatty(STDERR_FILENO)))
			oms_warnx("%ld shipment%s, %ld refused", shipped,
			    shipped == 1 ? "" : "s", refused);
		oms_shipper_close(sp);
		the_sp = NULL;
		oms_db_close(db);
		efshut();
		return refused ? OMS_EXIT_REJECT : OMS_EXIT_OK;
	}
}
