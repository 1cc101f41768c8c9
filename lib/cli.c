/*
 * cli.c: verbs, options, help and the loop over file arguments, once for
 * every program (cli.h).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "cli.h"

#define O_VERSION 'V'

static const struct oms_opt help_opts[] = {
	{ "help", OMS_O_HELP, NULL, "this help, on stdout" },
	{ "version", O_VERSION, NULL, "the version" },
	OMS_OPT_END
};

static int
is_short(int id)
{
	return id > 0 && id < 256 && isalnum(id);
}

/*
 * The option called name (without "--") among the verbs', or NULL.  As
 * getopt_long takes an unambiguous abbreviation (--chan for --channel),
 * so does this, or a value would be taken for the verb: an abbreviation
 * matching options that differ in taking a value is left unknown.
 */
static const struct oms_opt *
find_long(const struct oms_verb *verbs, const char *name, size_t n)
{
	const struct oms_opt *hit = NULL;
	int mixed = 0;

	for (const struct oms_verb *v = verbs; v->run != NULL; v++)
		for (const struct oms_opt *o = v->opts; o && o->name; o++) {
			if (strncmp(o->name, name, n) != 0)
				continue;
			if (o->name[n] == '\0')
				return o;
			if (hit == NULL)
				hit = o;
			else if ((hit->arg == NULL) != (o->arg == NULL))
				mixed = 1;
		}
	return mixed ? NULL : hit;
}

static const struct oms_opt *
find_short(const struct oms_verb *verbs, int ch)
{
	for (const struct oms_verb *v = verbs; v->run != NULL; v++)
		for (const struct oms_opt *o = v->opts; o && o->name; o++)
			if (o->id == ch)
				return o;
	return NULL;
}

/*
 * Where the first operand stands, reading the options of every verb to
 * know which take an argument; argc when there is none, or when it
 * follows "--" and so cannot be a verb.
 */
static int
first_operand(const struct oms_verb *verbs, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct oms_opt *o;

		if (strcmp(a, "--") == 0)
			return argc;	/* what follows is operands, no verb */
		if (a[0] != '-' || a[1] == '\0')
			return i;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			o = find_long(verbs, a + 2, eq ? (size_t)(eq - a - 2) :
			    strlen(a + 2));
			if (o != NULL && o->arg != NULL && eq == NULL)
				i++;
			continue;
		}
		for (const char *p = a + 1; *p != '\0'; p++)
			if ((o = find_short(verbs, *p)) != NULL &&
			    o->arg != NULL) {
				if (p[1] == '\0')
					i++;
				break;
			}
	}
	return argc;
}

static void
synopsis(FILE *fp, const struct oms_cli *c, const struct oms_verb *v,
    int first)
{
	const char *s = v->synopsis;
	int pad = 7;		/* under the name, past "usage: " */

	fprintf(fp, "%s%s%s%s", first ? "usage: " : "       ", c->prog,
	    v->name ? " " : "", v->name ? v->name : "");
	if (*s != '\0')
		fputc(' ', fp);
	for (; *s != '\0'; s++) {
		fputc(*s, fp);
		if (*s == '\n')
			fprintf(fp, "%*s", pad, "");
	}
	fputc('\n', fp);
}

static void
usage_lines(FILE *fp, const struct oms_cli *c)
{
	for (const struct oms_verb *v = c->verbs; v->run != NULL; v++)
		synopsis(fp, c, v, v == c->verbs);
}

static int
listed(const struct oms_verb *upto, const struct oms_opt *o)
{
	for (const struct oms_verb *v = upto; v->run != NULL; v++)
		for (const struct oms_opt *p = v->opts; p && p->name; p++)
			if (strcmp(p->name, o->name) == 0)
				return p == o;
	return 1;
}

static void
option_line(FILE *fp, const struct oms_opt *o)
{
	char left[64];

	snprintf(left, sizeof left, "%c%c%c --%s%s%s",
	    is_short(o->id) ? '-' : ' ', is_short(o->id) ? o->id : ' ',
	    is_short(o->id) ? ',' : ' ', o->name, o->arg ? " " : "",
	    o->arg ? o->arg : "");
	fprintf(fp, "  %-28s %s\n", left, o->help);
}

static void help(const struct oms_cli *c, int whole)
    __attribute__((noreturn));
static void bad_option(struct oms_cli *c) __attribute__((noreturn));

/* The help: the synopsis, a line per verb and per option, the manual. */
static void
help(const struct oms_cli *c, int whole)
{
	const struct oms_verb *v;

	if (!whole) {
		synopsis(stdout, c, c->verb, 1);
		printf("\n%s.\n\noptions:\n", c->verb->help);
		for (const struct oms_opt *o = c->verb->opts; o && o->name; o++)
			option_line(stdout, o);
	} else {
		usage_lines(stdout, c);
		printf("\n");
		for (v = c->verbs; v->run != NULL; v++)
			printf("  %-28s %s\n", v->name ? v->name : "(no verb)",
			    v->help);
		printf("\noptions:\n");
		for (v = c->verbs; v->run != NULL; v++)
			for (const struct oms_opt *o = v->opts; o && o->name;
			    o++)
				if (listed(c->verbs, o))
					option_line(stdout, o);
	}
	for (const struct oms_opt *o = help_opts; o->name; o++)
		option_line(stdout, o);
	printf("\nSee %s(1).\n", c->prog);
	efshut();
	exit(OMS_EXIT_OK);
}

void
oms_cli_usage(struct oms_cli *c, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", c->prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	usage_lines(stderr, c);
	exit(OMS_EXIT_USAGE);
}

static void
add_opts(struct option *lo, int *n, struct oms_buf *so,
    const struct oms_opt *opts)
{
	for (const struct oms_opt *o = opts; o && o->name; o++) {
		lo[*n].name = o->name;
		lo[*n].has_arg = o->arg ? required_argument : no_argument;
		lo[*n].flag = NULL;
		lo[*n].val = o->id;
		(*n)++;
		if (is_short(o->id)) {
			oms_buf_addc(so, (char)o->id);
			if (o->arg != NULL)
				oms_buf_addc(so, ':');
		}
	}
}

static void
getopt_tables(struct oms_cli *c)
{
	struct oms_buf so = { 0 };
	struct option *lo;
	int n = 0, cap = 3;

	for (const struct oms_opt *o = c->verb->opts; o && o->name; o++)
		cap++;
	lo = ecalloc((size_t)cap, sizeof *lo);
	oms_buf_addc(&so, ':');		/* a missing argument is ':' */
	add_opts(lo, &n, &so, c->verb->opts);
	add_opts(lo, &n, &so, help_opts);
	c->lopts = lo;
	c->sopts = so.s;
}

/* The option of this verb (or --help, --version) whose id is id. */
static const struct oms_opt *
verb_opt(const struct oms_cli *c, int id)
{
	if (id == 0)
		return NULL;
	for (const struct oms_opt *o = c->verb->opts; o && o->name; o++)
		if (o->id == id)
			return o;
	for (const struct oms_opt *o = help_opts; o->name; o++)
		if (o->id == id)
			return o;
	return NULL;
}

/*
 * getopt_long said '?'.  optopt is the letter of an unknown short option;
 * the id of a long option of this verb given a value it does not take
 * ("--quiet=1"); or 0 for a long option unknown or ambiguous, which is
 * then the word before optind.  Without a verb named, no verb is named in
 * the message either.
 */
static void
bad_option(struct oms_cli *c)
{
	const char *verb = c->named ? c->verb->name : NULL;
	const struct oms_opt *o = verb_opt(c, optopt);
	const char *w = c->args[optind - 1];

	if (o != NULL)
		oms_cli_usage(c, "--%s takes no value", o->name);
	if (optopt != 0)
		oms_cli_usage(c, "-%c is not an option of %s%s%s", optopt,
		    c->prog, verb ? " " : "", verb ? verb : "");
	oms_cli_usage(c, "%.*s is not an option of %s%s%s",
	    (int)strcspn(w, "="), w, c->prog, verb ? " " : "",
	    verb ? verb : "");
}

int
oms_cli_next(struct oms_cli *c)
{
	const struct oms_opt *o;
	int ch;

	for (;;) {
		c->optarg = NULL;
		ch = getopt_long(c->nargs, c->args, c->sopts, c->lopts, NULL);
		switch (ch) {
		case -1:
			c->argc = c->nargs - optind;
			c->argv = c->args + optind;
			return -1;
		case '?':
			bad_option(c);
		case ':':
			if ((o = verb_opt(c, optopt)) != NULL &&
			    strncmp(c->args[optind - 1], "--", 2) == 0)
				oms_cli_usage(c, "--%s needs a value", o->name);
			if (is_short(optopt))
				oms_cli_usage(c, "-%c needs a value", optopt);
			oms_cli_usage(c, "%s needs a value", c->args[optind - 1]);
		case OMS_O_HELP:
			help(c, !c->named);
		case O_VERSION:
			printf("%s %s\n", c->prog, OMS_VERSION);
			efshut();
			exit(OMS_EXIT_OK);
		case OMS_O_DB:
			c->dbopt = optarg;
			break;
		case OMS_O_REJECTS:
			c->rejects_path = optarg;
			break;
		case OMS_O_DRY_RUN:
			c->dry_run = 1;
			break;
		case OMS_O_QUIET:
			c->quiet = 1;
			break;
		case OMS_O_VERBOSE:
			c->verbose = 1;
			break;
		default:
			c->optarg = optarg;
			return ch;
		}
	}
}

/*
 * How many words of argv, from at, name the verb: a verb may be two
 * words ("rules load"), side by side.  0 when they do not name it.
 */
static int
named(const char *name, int at, int argc, char **argv)
{
	int n = 0;

	while (*name != '\0') {
		size_t len = strcspn(name, " ");

		if (at + n >= argc || strlen(argv[at + n]) != len ||
		    strncmp(argv[at + n], name, len) != 0)
			return 0;
		n++;
		name += len;
		name += *name == ' ';
	}
	return n;
}

/*
 * The first word of a two-word verb ("rules" of "rules load") without a
 * second that makes one: a usage error that lists the second words.
 */
static void
first_word(struct oms_cli *c, const char *w, const char *next)
{
	struct oms_buf b = { 0 };
	size_t n = strlen(w);
	int k = 0;

	for (const struct oms_verb *v = c->verbs; v->run != NULL; v++)
		if (v->name != NULL && strncmp(v->name, w, n) == 0 &&
		    v->name[n] == ' ')
			oms_buf_printf(&b, "%s%s", k++ ? ", " : "",
			    v->name + n + 1);
	if (k == 0)
		return;
	if (next != NULL && *next != '-')
		oms_cli_usage(c, "'%s %s' is not a verb of %s (%s %s: %s)", w,
		    next, c->prog, c->prog, w, b.s);
	oms_cli_usage(c, "%s needs a verb: %s", w, b.s);
}

/* Find the verb, wherever it stands among the options, and run it. */
int
oms_cli_main(const struct oms_verb *verbs, int argc, char **argv)
{
	struct oms_cli c;
	const struct oms_verb *v;
	int at, rc, words = 0;

	memset(&c, 0, sizeof c);
	oms_setprogname(argv[0]);
	c.prog = oms_progname;
	c.verbs = verbs;
	c.verb = verbs;
	opterr = 0;
	at = first_operand(verbs, argc, argv);
	c.args = ecalloc((size_t)argc + 1, sizeof *c.args);
	for (v = verbs; v->run != NULL; v++)
		if (v->name != NULL && (words = named(v->name, at, argc,
		    argv)) > 0)
			break;
	if (v->run != NULL) {
		c.verb = v;
		c.named = 1;
		for (int i = 0; i < argc; i++)
			if (i < at || i >= at + words)
				c.args[c.nargs++] = argv[i];
	} else {
		for (v = verbs; v->run != NULL && v->name != NULL; v++)
			;
		c.verb = v->run != NULL ? v : verbs;
		for (int i = 0; i < argc; i++)
			c.args[c.nargs++] = argv[i];
	}
	getopt_tables(&c);
	if (!c.named && at < argc)
		first_word(&c, argv[at], at + 1 < argc ? argv[at + 1] : NULL);
	if (c.verb->name != NULL && v->run == NULL) {
		/* No verb named, and the program has none without one. */
		struct oms_buf b = { 0 };

		while (oms_cli_next(&c) != -1)
			;
		for (v = verbs; v->run != NULL; v++)
			oms_buf_printf(&b, "%s%s", v == verbs ? "" : ", ",
			    v->name);
		if (c.argc > 0)
			oms_cli_usage(&c, "'%s' is not a verb (%s)",
			    c.argv[0], b.s);
		oms_cli_usage(&c, "a verb is needed (%s)", b.s);
	}
	/* The bounds of jq programs, like the busy timeout: said, or used. */
	if (oms_jq_limits() != OMS_OK)
		oms_die(OMS_EXIT_USAGE, "%s", oms_error());
	rc = c.verb->run(&c);
	free(c.lopts);
	free(c.sopts);
	free(c.args);
	return rc;
}

oms_db *
oms_cli_db(struct oms_cli *c, int flags)
{
	oms_db *db;
	int rc;

	if ((rc = oms_db_open(oms_db_path(c->dbopt), flags, &db)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	return db;
}

/* A summary goes to stderr when asked for, or when a person is there. */
int
oms_cli_summary(const struct oms_cli *c)
{
	return c->verbose || (!c->quiet && isatty(STDERR_FILENO));
}

FILE *
oms_cli_rejects(struct oms_cli *c)
{
	if (c->rejects_path != NULL && c->rejects == NULL &&
	    oms_append_open(c->rejects_path, &c->rejects) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	return c->rejects;
}

/* The end of a verb: what it wrote is written, or the status says not. */
int
oms_cli_done(struct oms_cli *c, int status)
{
	if (c->rejects != NULL && fclose(c->rejects) == EOF)
		oms_die(OMS_EXIT_FATAL, "%s: write error: %s",
		    c->rejects_path, strerror(errno));
	c->rejects = NULL;
	efshut();
	return status;
}

int
oms_cli_files(struct oms_cli *c, oms_file_fn fn, void *arg)
{
	int worst = OMS_EXIT_OK, st;

	if (c->argc == 0 && isatty(STDIN_FILENO))
		oms_cli_usage(c, "no file named, and stdin is a terminal");
	for (int i = 0; i < (c->argc ? c->argc : 1); i++) {
		const char *name = c->argc ? c->argv[i] : "-";
		FILE *fp = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");

		if (fp == NULL) {
			oms_warnx("cannot open '%s': %s", name,
			    strerror(errno));
			st = OMS_EXIT_REJECT;
		} else {
			st = fn(c, fp, name, arg);
			if (fp != stdin)
				fclose(fp);
		}
		if (st > worst)
			worst = st;
	}
	return worst;
}

/* A record refused: named on stderr, its line kept in the rejects file. */
void
oms_cli_reject(struct oms_cli *c, const char *file, long line,
    const char *reason, const char *raw)
{
	FILE *fp = oms_cli_rejects(c);
	cJSON *e;

	if (line > 0)
		oms_warnx("%s:%ld: %s", file, line, reason);
	else
		oms_warnx("%s: %s", file, reason);
	if (fp == NULL)
		return;
	e = oms_rec_error(oms_progname, file, line, reason, raw);
	if (oms_rec_write(fp, e) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "%s: %s", c->rejects_path, oms_error());
	cJSON_Delete(e);
}

/*
 * Print text and a newline on stdout, for a verb that prints again what
 * was committed; a write error ends the run (status 3).
 */
int
oms_cli_print_line(void *arg, const char *text)
{
	(void)arg;
	if (fputs(text, stdout) == EOF || putchar('\n') == EOF)
		oms_die(OMS_EXIT_FATAL, "write error: %s", strerror(errno));
	return OMS_OK;
}
