/*
 * oms-edi: a 3pl location fulfils through EDI X12.
 *
 * send writes a warehouse shipping order (940) for each order allocated
 * at the location and not yet sent, and a 940 that cancels one sent
 * whose allocations have changed since, all in one interchange, one
 * file in DIR.  receive reads what the 3pl sends back: shipping advice
 * (945) becomes shipments with tracking numbers, stock out through the
 * ledger; inventory advice (846) becomes counts; a functional
 * acknowledgement (997) marks our 940s accepted or rejected.  Each 945
 * and 846 read is acknowledged with a 997 written into DIR.  list shows
 * the 940s sent and where each stands.  Each record is printed once its
 * transaction commits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "cli.h"
#include "x12.h"

enum { O_LOCATION = 256, O_DIR, O_OPEN };

struct run {
	struct oms_cli *cli;
	long refused;
};

static int
print_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	return OMS_OK;
}

static void
note(void *arg, const char *msg)
{
	struct run *r = arg;

	if (r->cli->verbose)
		oms_warnx("%s", msg);
}

static void
refused(void *arg, const char *msg)
{
	struct run *r = arg;

	oms_warnx("%s", msg);
	r->refused++;
}

static void
die_rc(int rc)
{
	oms_die(rc == OMS_REJECT ? OMS_EXIT_REJECT : oms_errkind() ==
	    OMS_E_USAGE ? OMS_EXIT_USAGE : oms_exit_status(rc), "%s",
	    oms_error());
}

/* The options send and receive share: --location, --dir. */
static void
options(struct oms_cli *cli, struct oms_edi_opts *o)
{
	int c;

	while ((c = oms_cli_next(cli)) != -1)
		switch (c) {
		case O_LOCATION:
			o->location = cli->optarg;
			if (!oms_edi_location_ok(o->location))
				oms_cli_usage(cli, "--location '%s': a 3pl "
				    "location's id is letters, digits, '-' and "
				    "'_'", o->location);
			break;
		case O_DIR:
			o->dir = cli->optarg;
			if (*o->dir == '\0')
				oms_cli_usage(cli, "--dir needs a directory");
			break;
		}
	o->dry_run = cli->dry_run;
	o->verbose = cli->verbose;
}

static oms_db *
open_db(struct oms_cli *cli)
{
	oms_db *db = oms_cli_db(cli, 0);
	int rc;

	/* A dry run is one transaction, rolled back at the end. */
	if (cli->dry_run && (rc = oms_db_begin(db)) != OMS_OK)
		die_rc(rc);
	return db;
}

static void
close_db(struct oms_cli *cli, oms_db *db)
{
	if (cli->dry_run)
		oms_db_rollback(db);
	oms_db_close(db);
}

static int
send(struct oms_cli *cli)
{
	struct oms_edi_opts o = { 0 };
	struct oms_edi_counts n = { 0 };
	struct run r = { cli, 0 };
	oms_db *db;
	int rc;

	options(cli, &o);
	if (o.location == NULL)
		oms_cli_usage(cli, "send needs --location, the 3pl location");
	if (cli->argc != 0)
		oms_cli_usage(cli, "send takes no operand");
	o.echo = print_rec;
	o.note = note;
	o.refused = refused;
	o.arg = &r;
	db = open_db(cli);
	rc = oms_edi_send(db, &o, &n);
	close_db(cli, db);
	if (rc != OMS_OK)
		die_rc(rc);
	if (oms_cli_summary(cli))
		fprintf(stderr, "%s: %s: %ld 940%s%s, %ld cancel%s%s\n",
		    oms_progname, o.location, n.sent, n.sent == 1 ? "" : "s",
		    cli->dry_run ? " would be sent" : " sent", n.cancels,
		    n.cancels == 1 ? "" : "s", n.files == 0 ? "; no file" : "");
	return oms_cli_done(cli, OMS_EXIT_OK);
}

/* At a terminal, where a long run of files stands. */
static void
progress(int i, int n, const struct timespec *start)
{
	if (n < 2 || !oms_progress_wanted() || oms_ms_since(start) < 1000)
		return;
	fprintf(stderr, "\r%s: %d of %d files", oms_progname, i, n);
	if (i == n)
		fputc('\n', stderr);
}

struct in {
	const char *path;
	struct oms_buf b;
	char key[20];		/* the sender's order; "" for none */
	int n, ok;
};

/* The sender's order, then the order given. */
static int
in_cmp(const void *x, const void *y)
{
	const struct in *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c != 0 ? c : a->n - b->n;
}

static int
receive(struct oms_cli *cli)
{
	struct oms_edi_opts o = { 0 };
	struct oms_edi_counts n = { 0 };
	struct run r = { cli, 0 };
	struct timespec start;
	struct in *in;
	oms_db *db;
	int rc, files;

	options(cli, &o);
	if (cli->argc == 0 && isatty(STDIN_FILENO))
		oms_cli_usage(cli, "no file named, and stdin is a terminal");
	o.echo = print_rec;
	o.note = note;
	o.refused = refused;
	o.arg = &r;
	/*
	 * Every file first, read in the order the 3pl made them (its ISA's
	 * date, time and control number), whatever their names say: an 846
	 * counts after the 945s made before it.
	 */
	files = cli->argc ? cli->argc : 1;
	in = ecalloc((size_t)files, sizeof *in);
	for (int i = 0; i < files; i++) {
		in[i].path = cli->argc ? cli->argv[i] : "-";
		in[i].n = i;
		if (oms_read_file(in[i].path, "file", &in[i].b) != OMS_OK) {
			oms_warnx("%s", oms_error());
			r.refused++;
			continue;
		}
		in[i].ok = 1;
		if (!oms_x12_order_key(in[i].b.s, in[i].b.len, in[i].key))
			in[i].key[0] = '\0';
	}
	qsort(in, (size_t)files, sizeof *in, in_cmp);
	db = open_db(cli);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0; i < files; i++) {
		const char *path = in[i].path;

		if (!in[i].ok)
			continue;
		rc = oms_edi_receive(db, &o, strcmp(path, "-") == 0 ? "<stdin>" :
		    path, in[i].b.s, in[i].b.len, &n);
		oms_buf_free(&in[i].b);
		if (rc == OMS_REJECT) {
			oms_warnx("%s", oms_error());
			r.refused++;
		} else if (rc != OMS_OK) {
			close_db(cli, db);
			die_rc(rc);
		}
		if (fflush(stdout) == EOF)
			oms_die(OMS_EXIT_FATAL, "write error: %s",
			    strerror(errno));
		progress(i + 1, files, &start);
	}
	close_db(cli, db);
	for (int i = 0; i < files; i++)
		oms_buf_free(&in[i].b);
	free(in);
	if (oms_cli_summary(cli))
		fprintf(stderr, "%s: %ld transaction set%s applied, %ld "
		    "refused, %ld read before; %ld 997%s%s\n", oms_progname,
		    n.applied, n.applied == 1 ? "" : "s", r.refused, n.already,
		    n.files, n.files == 1 ? "" : "s", cli->dry_run ?
		    " would be written" : " written");
	return oms_cli_done(cli, r.refused ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

static int
list(struct oms_cli *cli)
{
	static const char sql[] =
	    "SELECT e.location, e.order_id, e.depositor_order, e.purpose, "
	    "e.state, e.at, s.control, s.group_control, i.control, i.file, "
	    "(SELECT group_concat(lx || ':' || sku || ':' || qty || ':' || "
	    "done, ' ') FROM (SELECT lx, sku, sum(qty) AS qty, sum(done) AS "
	    "done FROM edi_lines WHERE edi_order = e.id GROUP BY lx, sku "
	    "ORDER BY lx) AS x) FROM edi_orders e JOIN edi_sets s ON "
	    "s.id = e.set_row JOIN edi_interchanges i ON i.id = "
	    "s.interchange_id WHERE (CAST(?1 AS TEXT) IS NULL OR e.location = "
	    "?1) "
	    "AND (?2 = 0 OR e.state IN ('sent', 'accepted')) ORDER BY e.id";
	const char *loc = NULL;
	int open = 0, c, rc;
	oms_stmt *st;
	oms_db *db;

	while ((c = oms_cli_next(cli)) != -1)
		if (c == O_LOCATION)
			loc = cli->optarg;
		else if (c == O_OPEN)
			open = 1;
	if (cli->argc != 0)
		oms_cli_usage(cli, "list takes no operand");
	db = oms_cli_db(cli, OMS_DB_READONLY);
	if ((st = oms_db_query(db, sql, "si", loc, open)) == NULL)
		die_rc(OMS_ERR);
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *o = cJSON_CreateObject(), *ls;
		char oref[32], *lines, *save = NULL, *t;

		snprintf(oref, sizeof oref, "o_%lld",
		    (long long)oms_col_int64(st, 1));
		cJSON_AddStringToObject(o, "type", "edi");
		cJSON_AddStringToObject(o, "document", "940");
		cJSON_AddStringToObject(o, "purpose", oms_col_str(st, 3));
		cJSON_AddStringToObject(o, "location", oms_col_str(st, 0));
		cJSON_AddStringToObject(o, "order", oref);
		cJSON_AddStringToObject(o, "depositor_order", oms_col_str(st, 2));
		cJSON_AddNumberToObject(o, "interchange",
		    (double)oms_col_int64(st, 8));
		cJSON_AddNumberToObject(o, "group",
		    (double)oms_col_int64(st, 7));
		cJSON_AddStringToObject(o, "set", oms_col_str(st, 6));
		cJSON_AddStringToObject(o, "file", oms_col_str(st, 9));
		cJSON_AddStringToObject(o, "state", oms_col_str(st, 4));
		cJSON_AddStringToObject(o, "at", oms_col_str(st, 5));
		ls = cJSON_AddArrayToObject(o, "lines");
		lines = estrdup(oms_col_str(st, 10));
		for (t = strtok_r(lines, " ", &save); t != NULL;
		    t = strtok_r(NULL, " ", &save)) {
			/* "lx:sku:qty:done"; a sku may hold ':' itself. */
			char *a = strchr(t, ':'), *z = strrchr(t, ':'), *y;
			cJSON *l;

			if (a == NULL || z == a)
				continue;
			*z = '\0';
			if ((y = strrchr(t, ':')) == a)
				continue;
			*y = '\0';
			*a = '\0';
			l = cJSON_CreateObject();
			cJSON_AddNumberToObject(l, "lx", atoi(t));
			cJSON_AddStringToObject(l, "sku", a + 1);
			cJSON_AddNumberToObject(l, "qty", atof(y + 1));
			cJSON_AddNumberToObject(l, "done", atof(z + 1));
			cJSON_AddItemToArray(ls, l);
		}
		free(lines);
		print_rec(NULL, o);
		cJSON_Delete(o);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		die_rc(oms_db_fail(db, rc, "cannot read the 940s sent"));
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static const struct oms_opt send_opts[] = { OMS_OPT_DB, OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE,
	{ "location", O_LOCATION, "LOC", "the 3pl location" },
	{ "dir", O_DIR, "DIR", "where the file goes (default: the account's "
	    "\"dir\")" },
	OMS_OPT_END };
static const struct oms_opt receive_opts[] = { OMS_OPT_DB, OMS_OPT_DRY_RUN,
	OMS_OPT_QUIET, OMS_OPT_VERBOSE,
	{ "location", O_LOCATION, "LOC", "only from this 3pl location "
	    "(default: the one whose ids the file has)" },
	{ "dir", O_DIR, "DIR", "where the 997s go (default: the account's "
	    "\"dir\", else the last send's)" },
	OMS_OPT_END };
static const struct oms_opt list_opts[] = { OMS_OPT_DB,
	{ "location", O_LOCATION, "LOC", "only this 3pl location's" },
	{ "open", O_OPEN, NULL, "only those the 3pl has still to answer" },
	OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ "send", send, "[-nqv] [--db PATH] --location LOC [--dir DIR]",
	    "write the 940s a 3pl location has not been sent, into DIR",
	    send_opts },
	{ "receive", receive, "[-nqv] [--db PATH] [--location LOC] "
	    "[--dir DIR] [FILE ...]", "read a 3pl's 945, 846 and 997 files; "
	    "a 997 back for each", receive_opts },
	{ "list", list, "[--db PATH] [--location LOC] [--open]",
	    "the 940s sent, and where each stands", list_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
