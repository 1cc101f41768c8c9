/*
 * oms-events: the event stream, as JSON lines.
 *
 * Every change the other programs commit (an order created, held,
 * released, allocated, shipped, delivered, cancelled, returned, refunded;
 * stock changed at a location) is an event with a seq, written in the
 * transaction of the change.  With no consumer, the events after --after
 * are printed.  A consumer (--consumer NAME) reads from the last seq it
 * acknowledged: `ack` moves that on, or --exec runs a program on each
 * batch (the events as JSON lines on its stdin) and acknowledges the
 * batch when the program succeeds, so a consumer killed at any point
 * repeats at most the batch it had not acknowledged and misses nothing.
 * --follow waits for new events on a watch of the database, not a poll.
 * `consumers` lists them and how far behind each is; `forget` drops one;
 * `prune` deletes what every consumer acknowledged.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "cli.h"
#include "events.h"

enum {
	O_AFTER = 256, O_CONSUMER, O_TYPE, O_LIMIT, O_FOLLOW, O_EXEC, O_BATCH,
	O_OLDER
};

#define WAKE_MS 60000		/* a follower looks again at least this often */
#define BACKOFF_MAX 300		/* seconds between tries of a failing --exec */

static volatile sig_atomic_t stopping;
static sigset_t waitmask;	/* the mask a follower waits under */

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * SIGINT, SIGTERM and SIGHUP end a follower between batches, never in
 * one: they are blocked but while it waits (ppoll, with the mask it
 * started with), so no write or wait of its own is cut short and none
 * comes between its look at stopping and its wait.  One ignored at start
 * (nohup) stays ignored, for it and its program.
 */
static void
catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &waitmask);
}

static int
print_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	if (oms_rec_write(stdout, rec) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	return OMS_OK;
}

/* A batch for --exec: the events as JSON lines. */
static int
add_rec(void *arg, const cJSON *rec)
{
	struct oms_buf *b = arg;
	char *text = oms_json_print(rec);

	if (text == NULL)
		return oms_fail(OMS_E_OTHER, "out of memory");
	oms_buf_adds(b, text);
	oms_buf_addc(b, '\n');
	free(text);
	return OMS_OK;
}

static int64_t
number(struct oms_cli *cli, const char *what, const char *s, int64_t min)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!(*s >= '0' && *s <= '9') || *end != '\0' || errno != 0 ||
	    v < min)
		oms_cli_usage(cli, "%s '%s' is not a whole number of %" PRId64
		    " or more", what, s, min);
	return (int64_t)v;
}

static void
die_rc(int rc)
{
	oms_die(rc == OMS_REJECT ? OMS_EXIT_REJECT : oms_exit_status(rc), "%s",
	    oms_error());
}

struct run {
	struct oms_cli *cli;
	oms_db *db;
	const char *consumer;
	char path[PATH_MAX + 64];
	char **av;		/* the program and its arguments */
	long given;		/* events printed or handed over */
	struct oms_consumer c;	/* where the consumer stands */
	int follow;
	int fails;		/* failures in a row, for the backoff */
};

/*
 * Run the program on a batch, the events on its stdin, the consumer and
 * the batch's first and last seq in its environment (an idempotency key
 * for what it sends on).  0 when it succeeded, else its status told.
 */
static int
run_exec(struct run *r, const struct oms_buf *batch, int64_t first,
    int64_t last, char *why, size_t nwhy)
{
	int fd[2], status = 0;
	size_t off = 0;
	pid_t pid;
	void (*old)(int);

	if (pipe(fd) != 0)
		oms_die(OMS_EXIT_FATAL, "cannot run %s: %s", r->path,
		    strerror(errno));
	fflush(stdout);
	if ((pid = fork()) < 0)
		oms_die(OMS_EXIT_FATAL, "cannot run %s: %s", r->path,
		    strerror(errno));
	if (pid == 0) {
		char n[32];

		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		setenv("OMS_EVENTS_CONSUMER", r->consumer, 1);
		snprintf(n, sizeof n, "%" PRId64, first);
		setenv("OMS_EVENTS_FIRST", n, 1);
		snprintf(n, sizeof n, "%" PRId64, last);
		setenv("OMS_EVENTS_LAST", n, 1);
		/* Its signals as ours were: caught ones are default again. */
		if (r->follow)
			sigprocmask(SIG_SETMASK, &waitmask, NULL);
		execv(r->path, r->av);
		fprintf(stderr, "%s: cannot run %s: %s\n", oms_progname,
		    r->path, strerror(errno));
		_exit(127);
	}
	close(fd[0]);
	old = signal(SIGPIPE, SIG_IGN);
	while (off < batch->len) {
		ssize_t w = write(fd[1], batch->s + off, batch->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;		/* it stopped reading: its status says */
		off += (size_t)w;
	}
	close(fd[1]);
	signal(SIGPIPE, old);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			oms_die(OMS_EXIT_FATAL, "cannot wait for %s: %s",
			    r->path, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(why, nwhy, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(why, nwhy, "exited with status %d",
		    WEXITSTATUS(status));
	return -1;
}

/* Sleep s seconds, or less when a signal ends the follower. */
static void
nap(int s)
{
	struct timespec ts = { s, 0 };

	if (!stopping)
		ppoll(NULL, 0, &ts, &waitmask);
}

/* Seconds before the next try after the fails-th failure: 1, 2 ... 300. */
static int
backoff(int fails)
{
	return fails > 9 ? BACKOFF_MAX : (1 << (fails - 1)) > BACKOFF_MAX ?
	    BACKOFF_MAX : 1 << (fails - 1);
}

static int
is_busy(int rc)
{
	return rc == OMS_BUSY || (rc == OMS_ERR && oms_errkind() == OMS_E_BUSY);
}

/*
 * What a follower does when the database stays busy past the timeout:
 * wait and try again, as it does when its program fails.  1 to try
 * again; anything else ends the run with its status.
 */
static int
busy_again(struct run *r, int rc)
{
	if (!r->follow || !is_busy(rc))
		return 0;
	r->fails++;
	oms_warnx("%s; again in %d s", oms_error(), backoff(r->fails));
	nap(backoff(r->fails));
	return !stopping;
}

/* Acknowledge through seq; 0 when done, -1 to stop (the database busy). */
static int
ack(struct run *r, int64_t seq)
{
	int rc, moved;

	while (seq > r->c.acked) {
		if ((rc = oms_events_ack(r->db, &r->c, seq, &moved)) == OMS_OK)
			return 0;
		if (!busy_again(r, rc)) {
			if (stopping && is_busy(rc))
				return -1;
			die_rc(rc);
		}
	}
	return 0;
}

static int
read_events(struct oms_cli *cli)
{
	struct oms_events_sel sel = { 0 };
	struct oms_events_watch *w = NULL;
	struct run r = { .cli = cli };
	struct oms_buf batch = { 0 };
	const char *prog = NULL;
	long limit = 0, nbatch = 100;
	int o, rc, have_after = 0;
	int64_t last;
	struct stat sb;

	while ((o = oms_cli_next(cli)) != -1)
		switch (o) {
		case O_AFTER:
			sel.after = number(cli, "--after", cli->optarg, 0);
			have_after = 1;
			break;
		case O_CONSUMER:
			r.consumer = cli->optarg;
			if (!oms_events_valid_consumer(r.consumer))
				oms_cli_usage(cli, "--consumer '%s' is not a "
				    "consumer name (a-z, 0-9, '-' and '_', 64 "
				    "at most)", r.consumer);
			break;
		case O_TYPE:
			if (!oms_events_type_valid(cli->optarg))
				oms_cli_usage(cli, "--type '%s' matches no "
				    "event: the types are order.ACTION and "
				    "stock.changed", cli->optarg);
			sel.types = erealloc(sel.types,
			    (size_t)(sel.ntypes + 1) * sizeof *sel.types);
			sel.types[sel.ntypes++] = (char *)cli->optarg;
			break;
		case O_LIMIT:
			limit = (long)number(cli, "--limit", cli->optarg, 1);
			break;
		case O_FOLLOW:
			r.follow = 1;
			break;
		case O_EXEC:
			prog = cli->optarg;
			break;
		case O_BATCH:
			nbatch = (long)number(cli, "--batch", cli->optarg, 1);
			if (nbatch > 100000)
				oms_cli_usage(cli, "--batch %ld: 100000 at most",
				    nbatch);
			break;
		}
	if (prog == NULL && cli->argc != 0)
		oms_cli_usage(cli, "arguments are for the program of --exec");
	if (prog != NULL && r.consumer == NULL)
		oms_cli_usage(cli, "--exec needs --consumer: what the program "
		    "takes is acknowledged for a consumer");
	if (prog != NULL && limit != 0)
		oms_cli_usage(cli, "--limit and --exec: --batch sizes what "
		    "the program is given");
	if (have_after && r.consumer != NULL)
		oms_cli_usage(cli, "--after and --consumer: a consumer reads "
		    "on from what it acknowledged");
	if (prog != NULL) {
		/* Its program's stdin is a pipe: never our closed stdout's fd. */
		oms_std_fds();
		if (strchr(prog, '/') != NULL)
			snprintf(r.path, sizeof r.path, "%s", prog);
		else if (oms_find_program(prog, r.path, sizeof r.path) != 0)
			oms_cli_usage(cli, "--exec: no program '%s' (beside "
			    "%s or on PATH)", prog, oms_progname);
		if (access(r.path, X_OK) != 0)
			oms_cli_usage(cli, "--exec: cannot run '%s': %s",
			    r.path, strerror(errno));
		if (stat(r.path, &sb) != 0 || !S_ISREG(sb.st_mode))
			oms_cli_usage(cli, "--exec: '%s' is not a program",
			    r.path);
		r.av = ecalloc((size_t)cli->argc + 2, sizeof *r.av);
		r.av[0] = r.path;
		for (int i = 0; i < cli->argc; i++)
			r.av[i + 1] = cli->argv[i];
	}

	r.db = oms_cli_db(cli, r.consumer != NULL ? 0 : OMS_DB_READONLY);
	if (r.consumer != NULL) {
		if ((rc = oms_events_consumer(r.db, r.consumer, 1, &r.c)) !=
		    OMS_OK)
			die_rc(rc);
		if ((rc = oms_events_lock(r.db, r.c.id)) != OMS_OK)
			oms_die(oms_exit_status(rc), "consumer %s: %s",
			    r.consumer, oms_error());
		/* Where it stands once it is ours: one before may have moved it. */
		if ((rc = oms_events_reread(r.db, &r.c)) != OMS_OK)
			die_rc(rc);
		sel.after = r.c.acked;
	}
	/* Watching before the first read: nothing committed between is lost. */
	if (r.follow) {
		if ((rc = oms_events_watch(r.db, &w)) != OMS_OK)
			die_rc(rc);
		catch_signals();
	}
	for (;;) {
		long n;

		if (prog != NULL) {
			char why[64];

			oms_buf_reset(&batch);
			sel.limit = nbatch;
			/* A batch handed over before is handed over the same. */
			sel.through = r.c.pending > r.c.acked ? r.c.pending : 0;
			rc = oms_events_read(r.db, &sel, add_rec, &batch, &last,
			    &n);
			if (rc != OMS_OK)
				die_rc(rc);
			if (n > 0 && last != r.c.pending &&
			    (rc = oms_events_pending(r.db, &r.c, last)) !=
			    OMS_OK) {
				if (busy_again(&r, rc))
					continue;
				if (stopping)
					break;
				die_rc(rc);
			}
			if (n > 0 && run_exec(&r, &batch, sel.after + 1, last,
			    why, sizeof why) != 0) {
				oms_warnx("%s %s on events %" PRId64 " to %"
				    PRId64 "; they stay unacknowledged",
				    r.path, why, sel.after + 1, last);
				if (!r.follow)
					oms_die(OMS_EXIT_FATAL, "consumer %s "
					    "stopped at %" PRId64, r.consumer,
					    r.c.acked);
				/* Again after 1, 2, 4 ... 300 s. */
				r.fails++;
				nap(backoff(r.fails));
				if (stopping)
					break;
				continue;
			}
			/* What it took, and what it was not to be given. */
			if (ack(&r, last) != 0)
				break;
			r.fails = 0;
			r.given += n;
			sel.after = last;
			/* A full batch, or one cut short at the pending one's end. */
			if ((n == nbatch || sel.through != 0) && !stopping) {
				sel.through = 0;
				continue;
			}
		} else {
			sel.limit = limit > 0 ? limit - r.given : 0;
			rc = oms_events_read(r.db, &sel, print_rec, NULL, &last,
			    &n);
			if (rc != OMS_OK)
				die_rc(rc);
			if (fflush(stdout) == EOF)
				oms_die(OMS_EXIT_FATAL, "cannot write: %s",
				    strerror(errno));
			r.given += n;
			sel.after = last;
			if (limit > 0 && r.given >= limit)
				break;
		}
		if (!r.follow || stopping)
			break;
		if (oms_events_wait(w, WAKE_MS, &waitmask) < 0 && stopping)
			break;
	}
	oms_events_unwatch(w);
	oms_db_close(r.db);
	oms_buf_free(&batch);
	free(r.av);
	free(sel.types);
	if (oms_cli_summary(cli)) {
		fprintf(stderr, "%s: %ld event%s, through %" PRId64, oms_progname,
		    r.given, r.given == 1 ? "" : "s", sel.after);
		if (r.consumer != NULL)
			fprintf(stderr, "; %s has acknowledged through %"
			    PRId64, r.consumer, r.c.acked);
		fputc('\n', stderr);
	}
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
ack_events(struct oms_cli *cli)
{
	struct oms_consumer c;
	const char *consumer = NULL;
	int64_t seq;
	oms_db *db;
	int rc, moved;

	while (oms_cli_next(cli) != -1)
		consumer = cli->optarg;
	if (consumer == NULL)
		oms_cli_usage(cli, "ack needs --consumer");
	if (cli->argc != 1)
		oms_cli_usage(cli, "ack takes one seq, the last event taken");
	if (!oms_events_valid_consumer(consumer))
		oms_cli_usage(cli, "--consumer '%s' is not a consumer name "
		    "(a-z, 0-9, '-' and '_', 64 at most)", consumer);
	seq = number(cli, "seq", cli->argv[0], 1);
	db = oms_cli_db(cli, 0);
	if ((rc = oms_events_consumer(db, consumer, 0, &c)) != OMS_OK ||
	    (rc = oms_events_ack(db, &c, seq, &moved)) != OMS_OK)
		die_rc(rc);
	oms_db_close(db);
	if (oms_cli_summary(cli)) {
		if (moved)
			fprintf(stderr, "%s: %s has acknowledged through %"
			    PRId64 "\n", oms_progname, consumer, seq);
		else
			fprintf(stderr, "%s: %s had acknowledged through %"
			    PRId64 " already\n", oms_progname, consumer,
			    c.acked);
	}
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
consumers(struct oms_cli *cli)
{
	oms_db *db;
	int rc;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 0)
		oms_cli_usage(cli, "consumers takes no operand");
	db = oms_cli_db(cli, OMS_DB_READONLY);
	if ((rc = oms_events_consumers(db, print_rec, NULL)) != OMS_OK)
		die_rc(rc);
	oms_db_close(db);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static int
forget(struct oms_cli *cli)
{
	oms_db *db;
	int rc, bad = 0;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc == 0)
		oms_cli_usage(cli, "forget needs a consumer");
	db = oms_cli_db(cli, 0);
	for (int i = 0; i < cli->argc; i++) {
		if (!oms_events_valid_consumer(cli->argv[i]))
			rc = oms_reject("'%s' is not a consumer name",
			    cli->argv[i]);
		else
			rc = oms_events_forget(db, cli->argv[i]);
		if (rc == OMS_REJECT) {
			oms_warnx("%s", oms_error());
			bad = 1;
		} else if (rc != OMS_OK)
			die_rc(rc);
		else if (oms_cli_summary(cli))
			fprintf(stderr, "%s: %s forgotten\n", oms_progname,
			    cli->argv[i]);
	}
	oms_db_close(db);
	return oms_cli_done(cli, bad ? OMS_EXIT_REJECT : OMS_EXIT_OK);
}

static int
prune(struct oms_cli *cli)
{
	char before[OMS_TIME_LEN], now[OMS_TIME_LEN];
	int64_t keep = -1, n, through, e;
	cJSON *rec;
	oms_db *db;
	int rc;

	while (oms_cli_next(cli) != -1)
		if (oms_duration_parse(cli->optarg, &keep) != OMS_OK)
			oms_cli_usage(cli, "--older-than %s", oms_error());
	if (cli->argc != 0)
		oms_cli_usage(cli, "prune takes no operand");
	if (keep >= 0) {
		oms_time_now(now);
		if (oms_time_to_epoch(now, &e) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "%s", oms_error());
		oms_time_format(e - keep, before);
	}
	db = oms_cli_db(cli, 0);
	if ((rc = oms_events_prune(db, keep >= 0 ? before : NULL, &n,
	    &through)) != OMS_OK)
		die_rc(rc);
	oms_db_close(db);
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "prune");
	cJSON_AddNumberToObject(rec, "pruned", (double)n);
	if (n > 0)
		cJSON_AddNumberToObject(rec, "through", (double)through);
	print_rec(NULL, rec);
	cJSON_Delete(rec);
	if (oms_cli_summary(cli))
		fprintf(stderr, "%s: %" PRId64 " event%s pruned\n",
		    oms_progname, n, n == 1 ? "" : "s");
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static const struct oms_opt read_opts[] = { OMS_OPT_DB, OMS_OPT_QUIET,
	OMS_OPT_VERBOSE,
	{ "after", O_AFTER, "SEQ", "the events after SEQ (default: all)" },
	{ "consumer", O_CONSUMER, "NAME", "read on from what NAME "
	    "acknowledged" },
	{ "type", O_TYPE, "PATTERN", "only events of these types "
	    "(order.*, stock.changed); again for more" },
	{ "limit", O_LIMIT, "N", "N events at most" },
	{ "follow", O_FOLLOW, NULL, "then wait for new events, until a "
	    "signal" },
	{ "exec", O_EXEC, "PROG", "run PROG on each batch and acknowledge "
	    "it when PROG succeeds" },
	{ "batch", O_BATCH, "N", "events per batch for --exec (default 100)" },
	OMS_OPT_END };
static const struct oms_opt ack_opts[] = { OMS_OPT_DB, OMS_OPT_QUIET,
	OMS_OPT_VERBOSE,
	{ "consumer", O_CONSUMER, "NAME", "the consumer that took them" },
	OMS_OPT_END };
static const struct oms_opt db_opts[] = { OMS_OPT_DB, OMS_OPT_END };
static const struct oms_opt forget_opts[] = { OMS_OPT_DB, OMS_OPT_QUIET,
	OMS_OPT_VERBOSE, OMS_OPT_END };
static const struct oms_opt prune_opts[] = { OMS_OPT_DB, OMS_OPT_QUIET,
	OMS_OPT_VERBOSE,
	{ "older-than", O_OLDER, "TIME", "only events older than TIME "
	    "(90m, 24h, 7d)" },
	OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ NULL, read_events, "[-qv] [--db PATH] [--after SEQ | --consumer "
	    "NAME] [--type PATTERN]\n    [--limit N] [--follow] [--exec PROG "
	    "[--batch N] [--] [ARG ...]]", "print the events, or hand them "
	    "to a program", read_opts },
	{ "ack", ack_events, "[-qv] [--db PATH] --consumer NAME SEQ",
	    "a consumer has taken the events through SEQ", ack_opts },
	{ "consumers", consumers, "[--db PATH]", "the consumers, and how far "
	    "behind each is", db_opts },
	{ "forget", forget, "[-qv] [--db PATH] NAME ...", "drop consumers, "
	    "and what they hold back from pruning", forget_opts },
	{ "prune", prune, "[-qv] [--db PATH] [--older-than TIME]", "delete "
	    "the events every consumer has acknowledged", prune_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
