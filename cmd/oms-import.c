/*
 * oms-import: capture orders from every channel, exactly once.
 *
 * Reads channel exports (CSV, TSV, JSON, canonical JSON lines) from the
 * files named or stdin, maps them through the channel's adapter, and
 * stores each order whole, keyed by (channel, external id): importing the
 * same or an overlapping export again changes nothing, and a changed order
 * is updated with an event saying what changed.  Each created or updated
 * order is echoed as a canonical order record after its transaction
 * commits.  `oms-import release` lets a held order go on.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"

struct ctx {
	FILE *rejects;
	const char *rejects_path;
	int quiet;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: oms-import [-anqv] [--db PATH] [--channel NAME|auto] "
	    "[--currency CODE]\n"
	    "                  [--rejects FILE] [--tz ZONE] [FILE ...]\n"
	    "       oms-import release [-fq] [--db PATH] ORDER ...\n"
	    "       oms-import channels\n");
	exit(OMS_EXIT_USAGE);
}

static int
on_order(void *arg, const char *json, int action)
{
	(void)arg;
	(void)action;
	if (fputs(json, stdout) == EOF || putchar('\n') == EOF)
		oms_die(OMS_EXIT_FATAL, "write error: %s", strerror(errno));
	return OMS_OK;
}

/* Each batch reaches the next program in the pipeline as it commits. */
static void
on_batch(void *arg)
{
	(void)arg;
	efshut();
}

static void
on_reject(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	struct ctx *c = arg;

	oms_warnx("%s:%ld: %s", file, line, reason);
	if (c->rejects != NULL) {
		cJSON *e = oms_rec_error(oms_progname, file, line, reason, raw);

		if (oms_rec_write(c->rejects, e) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s: %s", c->rejects_path,
			    oms_error());
		cJSON_Delete(e);
	}
}

static void
on_note(void *arg, const char *msg)
{
	(void)arg;
	oms_warnx("%s", msg);
}

static int
list_channels(void)
{
	oms_adapter **ads;
	int n;

	if (oms_adapters_load(&ads, &n) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	for (int i = 0; i < n; i++)
		printf("%-20s %-12s %s\n", oms_adapter_name(ads[i]),
		    oms_adapter_channel(ads[i]), oms_adapter_description(ads[i]));
	oms_adapters_free(ads, n);
	efshut();
	return OMS_EXIT_OK;
}

static int
release(const char *dbpath, int force, int quiet, int argc, char **argv)
{
	oms_db *db;
	int rc, status = OMS_EXIT_OK;

	if (argc == 0)
		usage();
	if ((rc = oms_db_open(dbpath, 0, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	for (int i = 0; i < argc; i++) {
		cJSON *problems = NULL, *rec;
		int64_t id;

		if ((rc = oms_order_find(db, argv[i], &id)) != OMS_OK) {
			oms_warnx("%s", oms_error());
			status = OMS_EXIT_REJECT;
			continue;
		}
		if ((rc = oms_db_begin(db)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		rc = oms_order_release(db, id, force, &problems);
		if (rc != OMS_OK) {
			char msg[512];

			snprintf(msg, sizeof msg, "%s", oms_error());
			oms_db_rollback(db);
			if (rc == OMS_BUSY || strncmp(msg, "database ", 9) == 0)
				oms_die(oms_exit_status(rc), "%s", msg);
			if (problems != NULL) {
				cJSON *p;

				cJSON_ArrayForEach(p, problems)
					oms_warnx("%s: %s (--force releases it "
					    "anyway)", argv[i], p->valuestring);
				cJSON_Delete(problems);
			} else
				oms_warnx("%s", msg);
			status = OMS_EXIT_REJECT;
			continue;
		}
		if ((rc = oms_db_commit(db)) != OMS_OK)
			oms_die(oms_exit_status(rc), "%s", oms_error());
		if ((rec = oms_order_record(db, id)) != NULL) {
			if (oms_rec_write(stdout, rec) != OMS_OK)
				oms_die(OMS_EXIT_FATAL, "%s", oms_error());
			cJSON_Delete(rec);
		}
		if (!quiet)
			oms_warnx("released o_%lld", (long long)id);
	}
	oms_db_close(db);
	efshut();
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "channel", required_argument, NULL, 'c' },
		{ "currency", required_argument, NULL, 'C' },
		{ "db", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "tz", required_argument, NULL, 'z' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct oms_import im;
	struct ctx cx;
	const char *dbopt = NULL, *channel = NULL;
	oms_adapter **ads;
	oms_db *db;
	int c, nads, force = 0, rc, status = OMS_EXIT_OK;

	oms_setprogname(argv[0]);
	memset(&im, 0, sizeof im);
	memset(&cx, 0, sizeof cx);
	while ((c = getopt_long(argc, argv, "ac:d:fhnqr:vV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':
			im.all = 1;
			break;
		case 'c':
			channel = optarg;
			break;
		case 'C':
			if (!oms_currency_valid(optarg))
				oms_die(OMS_EXIT_USAGE, "--currency '%s' is not "
				    "an ISO 4217 code", optarg);
			im.currency = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			usage();
			break;
		case 'n':
			im.dry_run = 1;
			break;
		case 'q':
			cx.quiet = 1;
			break;
		case 'r':
			cx.rejects_path = optarg;
			break;
		case 'v':
			im.verbose = 1;
			break;
		case 'V':
			printf("oms-import %s\n", OMS_VERSION);
			efshut();
			return OMS_EXIT_OK;
		case 'z':
			if (!oms_tz_valid(optarg) && oms_tz_from_name(optarg) ==
			    NULL)
				oms_die(OMS_EXIT_USAGE, "--tz '%s' is not a time "
				    "zone", optarg);
			im.tz = oms_tz_from_name(optarg) ?
			    oms_tz_from_name(optarg) : optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && strcmp(argv[0], "release") == 0) {
		/* Options may follow the verb too. */
		optind = 1;
		while ((c = getopt_long(argc, argv, "d:fq", longopts, NULL)) != -1)
			switch (c) {
			case 'd':
				dbopt = optarg;
				break;
			case 'f':
				force = 1;
				break;
			case 'q':
				cx.quiet = 1;
				break;
			default:
				usage();
			}
		return release(oms_db_path(dbopt), force, cx.quiet,
		    argc - optind, argv + optind);
	}
	if (argc > 0 && strcmp(argv[0], "channels") == 0) {
		if (argc != 1)
			usage();
		return list_channels();
	}
	if (argc == 0 && isatty(STDIN_FILENO))
		usage();

	if (oms_adapters_load(&ads, &nads) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	if (channel != NULL && strcmp(channel, "auto") != 0) {
		int k = 0;

		for (int i = 0; i < nads; i++) {
			if (strcmp(oms_adapter_name(ads[i]), channel) == 0 ||
			    strcmp(oms_adapter_channel(ads[i]), channel) == 0) {
				oms_adapter *t = ads[k];

				ads[k++] = ads[i];
				ads[i] = t;
			}
		}
		if (k == 0)
			oms_die(OMS_EXIT_USAGE, "unknown channel '%s' "
			    "(oms-import channels lists them)", channel);
		im.nadapters = k;
	} else
		im.nadapters = nads;
	im.adapters = ads;

	if (cx.rejects_path != NULL &&
	    (cx.rejects = fopen(cx.rejects_path, "a")) == NULL)
		oms_die(OMS_EXIT_FATAL, "cannot open '%s': %s", cx.rejects_path,
		    strerror(errno));
	if ((rc = oms_db_open(oms_db_path(dbopt), OMS_DB_CREATE, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_db_set_cache_mb(db, 64);
	im.db = db;
	im.on_order = on_order;
	im.on_batch = on_batch;
	im.on_reject = on_reject;
	im.on_note = im.verbose ? on_note : NULL;
	im.arg = &cx;

	for (int i = 0; i < (argc ? argc : 1); i++) {
		const char *path = argc ? argv[i] : "-";
		const char *name = strcmp(path, "-") == 0 ? "-" : path;
		FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");

		if (fp == NULL) {
			oms_warnx("cannot open '%s': %s", path, strerror(errno));
			status = OMS_EXIT_REJECT;
			continue;
		}
		im.refused = 0;
		rc = oms_import_stream(&im, fp, name);
		if (fp != stdin)
			fclose(fp);
		if (rc == OMS_BUSY)
			oms_die(OMS_EXIT_BUSY, "%s", oms_error());
		if (rc != OMS_OK && im.refused) {
			/* Not this channel's file: the others still go in. */
			oms_warnx("%s: %s", name, oms_error());
			status = OMS_EXIT_REJECT;
		} else if (rc != OMS_OK) {
			const char *m = oms_error();

			if (strncmp(m, "database ", 9) == 0 ||
			    strncmp(m, "adapter ", 8) == 0 ||
			    strncmp(m, name, strlen(name)) == 0)
				oms_die(OMS_EXIT_FATAL, "%s", m);
			oms_die(OMS_EXIT_FATAL, "%s: %s", name, m);
		}
	}
	if (im.rejected > 0)
		status = OMS_EXIT_REJECT;
	if (im.verbose || (!cx.quiet && isatty(STDERR_FILENO)))
		oms_warnx("%ld created, %ld updated, %ld unchanged, %ld held, "
		    "%ld rejected%s", im.created, im.updated, im.unchanged,
		    im.held, im.rejected, im.dry_run ? " (dry run: nothing "
		    "written)" : "");
	oms_db_close(db);
	oms_adapters_free(ads, nads);
	if (cx.rejects != NULL && fclose(cx.rejects) == EOF)
		oms_die(OMS_EXIT_FATAL, "%s: write error: %s", cx.rejects_path,
		    strerror(errno));
	efshut();
	return status;
}
