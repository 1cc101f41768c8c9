/*
 * cli.h: the front door every program shares.
 *
 * A program is a table of verbs, as git's commands[] is: a name (NULL for
 * the program run without one), the function, its synopsis, a line of
 * help, and its own options.  oms_cli_main finds the verb, wherever it
 * stands among the options, and runs it; the verb reads its options with
 * oms_cli_next, so an option another verb takes is a usage error here,
 * named, and no main cross-checks options by hand.  --help and -h print
 * the help on stdout; --version prints the version; --db, -q, -v, -n and
 * --rejects are read into struct oms_cli for every verb that lists them.
 */
#ifndef OMS_CLI_H
#define OMS_CLI_H

#include <stdio.h>

#include "db.h"

/* Options every program reads the same way (the ids of struct oms_opt). */
enum {
	OMS_O_DB = 1000,
	OMS_O_REJECTS,
	OMS_O_HELP = 'h',
	OMS_O_DRY_RUN = 'n',
	OMS_O_QUIET = 'q',
	OMS_O_VERBOSE = 'v'
};

struct oms_opt {
	const char *name;	/* the long name */
	int id;			/* a letter for -x too, or a number >= 256 */
	const char *arg;	/* the argument's name; NULL for none */
	const char *help;	/* one line */
};

#define OMS_OPT_DB { "db", OMS_O_DB, "PATH", \
	"the database (default: $OMS_DB, else oms.db)" }
#define OMS_OPT_DRY_RUN { "dry-run", OMS_O_DRY_RUN, NULL, \
	"do it all, then roll it back: nothing is written" }
#define OMS_OPT_QUIET { "quiet", OMS_O_QUIET, NULL, \
	"no summary, even at a terminal" }
#define OMS_OPT_VERBOSE { "verbose", OMS_O_VERBOSE, NULL, \
	"a summary on stderr, and notes as they come" }
#define OMS_OPT_REJECTS { "rejects", OMS_O_REJECTS, "FILE", \
	"append each refused record's line to FILE" }
#define OMS_OPT_END { NULL, 0, NULL, NULL }

struct oms_cli;

struct oms_verb {
	const char *name;	/* NULL: the program with no verb */
	int (*run)(struct oms_cli *c);
	const char *synopsis;	/* what follows "prog verb" in the usage */
	const char *help;	/* one line */
	const struct oms_opt *opts;
};

struct oms_cli {
	const char *prog;
	const struct oms_verb *verbs, *verb;
	int argc;		/* the operands, once oms_cli_next ends */
	char **argv;
	const char *optarg;	/* the option's argument */
	const char *dbopt;
	int named;		/* the verb was named, not taken by default */
	int quiet, verbose, dry_run;
	const char *rejects_path;
	FILE *rejects;
	/* getopt's view of the verb's options */
	int nargs;
	char **args;
	void *lopts;
	char *sopts;
};

int oms_cli_main(const struct oms_verb *verbs, int argc, char **argv);
int oms_cli_next(struct oms_cli *c);
void oms_cli_usage(struct oms_cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
oms_db *oms_cli_db(struct oms_cli *c, int flags);
int oms_cli_summary(const struct oms_cli *c);
FILE *oms_cli_rejects(struct oms_cli *c);
int oms_cli_done(struct oms_cli *c, int status);
int oms_cli_print_line(void *arg, const char *text);
void oms_cli_reject(struct oms_cli *c, const char *file, long line,
    const char *reason, const char *raw);

/*
 * Each operand as a file, or stdin when there is none (refused when stdin
 * is a terminal).  A file that cannot be opened is named and counted;
 * fn's status for each file is kept when worse than the last.  Returns
 * the worst exit status seen.
 */
typedef int (*oms_file_fn)(struct oms_cli *c, FILE *fp, const char *name,
    void *arg);
int oms_cli_files(struct oms_cli *c, oms_file_fn fn, void *arg);

#endif
