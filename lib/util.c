/*
 * util.c: the program name, the error buffer, allocation that dies, and a
 * growable string.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"

const char *oms_progname = "oms";
static char errbuf[1024];

void
oms_setprogname(const char *argv0)
{
	const char *p = strrchr(argv0, '/');

	oms_progname = p ? p + 1 : argv0;
}

/*
 * The last failure: its message, its kind, and the file and line it is
 * about when there is one.  Callers decide by the kind, never by the
 * words, so a message can be reworded freely.
 */
static struct {
	int kind;
	char file[PATH_MAX];
	long line;
	size_t reason;		/* where the message past "file:line: " starts */
} last;

const char *
oms_error(void)
{
	return errbuf;
}

int
oms_errkind(void)
{
	return last.kind;
}

const char *
oms_errfile(void)
{
	return last.file[0] != '\0' ? last.file : NULL;
}

long
oms_errline(void)
{
	return last.line;
}

const char *
oms_errreason(void)
{
	return errbuf + last.reason;
}

_Static_assert(sizeof ((struct oms_errsave *)0)->msg == sizeof errbuf,
    "a saved failure holds the whole message");

/* Keep the last failure across work that may fail in its turn. */
void
oms_err_save(struct oms_errsave *e)
{
	e->kind = last.kind;
	e->line = last.line;
	e->reason = last.reason;
	snprintf(e->file, sizeof e->file, "%s", last.file);
	memcpy(e->msg, errbuf, sizeof e->msg);
}

static int kind_status(int kind);

/* Make a saved failure the last again; its status, by its kind. */
int
oms_err_restore(const struct oms_errsave *e)
{
	last.kind = e->kind;
	last.line = e->line;
	last.reason = e->reason;
	snprintf(last.file, sizeof last.file, "%s", e->file);
	memcpy(errbuf, e->msg, sizeof errbuf);
	return kind_status(e->kind);
}

/* The status a failure of this kind is returned as. */
static int
kind_status(int kind)
{
	switch (kind) {
	case OMS_E_BUSY:
		return OMS_BUSY;
	case OMS_E_RECORD:
		return OMS_REJECT;
	default:
		return OMS_ERR;
	}
}

static int
vfail(int kind, const char *file, long line, const char *fmt, va_list ap)
{
	char tmp[sizeof errbuf];
	int n = 0;

	/* An argument may be oms_error() itself: format aside, then copy. */
	if (file != NULL) {
		/* A name too long to leave room for the reason: its tail. */
		size_t len = strlen(file), keep = sizeof tmp / 4;
		const char *cut = len > keep ? "..." : "";
		const char *f = len > keep ? file + len - keep : file;

		if (line > 0)
			n = snprintf(tmp, sizeof tmp, "%s%s:%ld: ", cut, f, line);
		else
			n = snprintf(tmp, sizeof tmp, "%s%s: ", cut, f);
	}
	if (n < 0 || (size_t)n >= sizeof tmp)
		n = 0;
	vsnprintf(tmp + n, sizeof tmp - (size_t)n, fmt, ap);
	memcpy(errbuf, tmp, sizeof errbuf);
	last.kind = kind;
	last.line = file != NULL ? line : 0;
	last.reason = (size_t)n;
	if (file != last.file)	/* oms_errfile() again: no overlapping copy */
		snprintf(last.file, sizeof last.file, "%s", file ? file : "");
	return kind_status(kind);
}

int
oms_fail(int kind, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(kind, NULL, 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* A failure about a file (and line, when line > 0): "file:line: ...". */
int
oms_fail_at(int kind, const char *file, long line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(kind, file, line, fmt, ap);
	va_end(ap);
	return rc;
}

int
oms_seterr(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(OMS_E_OTHER, NULL, 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* A record refused: the message, and OMS_REJECT for the caller to pass on. */
int
oms_reject(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(OMS_E_RECORD, NULL, 0, fmt, ap);
	va_end(ap);
	return rc;
}

static void
vwarnx(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", oms_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
oms_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

void
oms_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	exit(status);
}

/*
 * Map a library status to the suite's exit status (oms(7)): the one place
 * that decides.  A failure's kind counts where the status alone does not.
 */
int
oms_exit_status(int rc)
{
	switch (rc) {
	case OMS_OK:
	case OMS_EOF:
		return OMS_EXIT_OK;
	case OMS_BUSY:
	case OMS_WAIT:
		return OMS_EXIT_BUSY;
	case OMS_REJECT:
		return OMS_EXIT_REJECT;
	}
	switch (last.kind) {
	case OMS_E_BUSY:
		return OMS_EXIT_BUSY;
	case OMS_E_USAGE:
		return OMS_EXIT_USAGE;
	default:
		return OMS_EXIT_FATAL;
	}
}

void *
emalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	return p;
}

void *
ecalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	return p;
}

void *
erealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	return p;
}

char *
estrdup(const char *s)
{
	return estrndup(s, strlen(s));
}

char *
estrndup(const char *s, size_t n)
{
	char *p = emalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * Flush and check stdout before exit: a full disk or a closed pipe must
 * fail the run, not truncate a pipeline silently (sbase's fshut).
 */
void
efshut(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		oms_die(OMS_EXIT_FATAL, "write error: %s",
		    strerror(errno ? errno : EIO));
}

/*
 * --help: the usage goes to the standard output with status 0, where a
 * mistake's goes to the standard error with status 2.
 */
static int help_asked;

void
oms_help_scan(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0)
			help_asked = 1;
}

void
oms_help_set(void)
{
	help_asked = 1;
}

FILE *
oms_usage_out(void)
{
	return help_asked ? stdout : stderr;
}

void
oms_usage_exit(void)
{
	if (help_asked) {
		efshut();
		exit(OMS_EXIT_OK);
	}
	exit(OMS_EXIT_USAGE);
}

/* Progress goes to stderr only when a person is watching it. */
int
oms_progress_wanted(void)
{
	return isatty(STDERR_FILENO);
}

/* Milliseconds since t, on the monotonic clock. */
long
oms_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Whether fp is something other than a regular file (a pipe, a tty). */
int
oms_input_stream(FILE *fp)
{
	struct stat sb;
	int fd = fileno(fp);

	return fd >= 0 && fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode);
}

/*
 * Whether reading fp now could wait: it is a pipe, a terminal or a socket
 * with nothing to read yet.  A program that holds a batch open commits it
 * first, so that it never keeps the write lock (or its output) while a
 * slow producer thinks.  Lines already in stdio's buffer are not seen, so
 * the answer errs towards "could wait", which costs only a smaller batch.
 */
int
oms_input_idle(FILE *fp)
{
	struct pollfd p;
	int fd = fileno(fp);

	if (!oms_input_stream(fp))
		return 0;
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	return poll(&p, 1, 0) == 0;
}

static void
buf_grow(struct oms_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->len + n + 1 > b->cap)
		b->cap *= 2;
	b->s = erealloc(b->s, b->cap);
}

void
oms_buf_add(struct oms_buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
oms_buf_adds(struct oms_buf *b, const char *s)
{
	oms_buf_add(b, s, strlen(s));
}

void
oms_buf_addc(struct oms_buf *b, char c)
{
	if (b->len + 2 <= b->cap) {	/* the common case, without a call */
		b->s[b->len++] = c;
		b->s[b->len] = '\0';
		return;
	}
	oms_buf_add(b, &c, 1);
}

void
oms_buf_printf(struct oms_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
oms_buf_reset(struct oms_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
oms_buf_free(struct oms_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* The directory this program was run from, to find its siblings. */
static int
self_dir(char *dir, size_t n)
{
	char path[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", path, sizeof path - 1);
	char *slash;

	if (len <= 0)
		return -1;
	path[len] = '\0';
	if ((slash = strrchr(path, '/')) == NULL)
		return -1;
	*slash = '\0';
	if (strlen(path) + 1 > n)
		return -1;
	strcpy(dir, path);
	return 0;
}

/*
 * The share directory, found from where this program is, as git's
 * runtime prefix does: OMS_SHAREDIR_REL (share/oms as the Makefile
 * placed it relative to the bin directory) beside this program, so an
 * installed tree works wherever it was installed or moved to; else the
 * directory compiled in.
 */
const char *
oms_sharedir(void)
{
	static char share[PATH_MAX + sizeof OMS_SHAREDIR_REL + 1];
	char dir[PATH_MAX];
	struct stat sb;

	if (share[0] != '\0')
		return share;
	if (self_dir(dir, sizeof dir) == 0) {
		snprintf(share, sizeof share, "%s/%s", dir, OMS_SHAREDIR_REL);
		if (stat(share, &sb) == 0 && S_ISDIR(sb.st_mode))
			return share;
	}
	snprintf(share, sizeof share, "%s", OMS_SHAREDIR);
	return share;
}

/*
 * Find the program prog beside this one, then on PATH, for execv: no
 * shell is ever involved.  0 with its path in out, -1 when none.
 */
int
oms_find_program(const char *prog, char *out, size_t n)
{
	char dir[PATH_MAX];
	const char *path, *p, *e;

	if (self_dir(dir, sizeof dir) == 0) {
		snprintf(out, n, "%s/%s", dir, prog);
		if (access(out, X_OK) == 0)
			return 0;
	}
	path = getenv("PATH");
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = e + 1) {
		size_t len;

		e = strchr(p, ':');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0)
			snprintf(out, n, "./%s", prog);
		else
			snprintf(out, n, "%.*s/%s", (int)len, p, prog);
		if (access(out, X_OK) == 0)
			return 0;
		if (e == NULL)
			break;
	}
	return -1;
}

/*
 * Standard input, output and error open, on /dev/null when one was
 * closed: a pipe made later is then never fd 0, 1 or 2, where a child's
 * dup2 onto those would take the wrong end.
 */
void
oms_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);

			if (n >= 0 && n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
}

/* A name that may go into a program's name: [a-z0-9_-], not "-" first. */
int
oms_valid_name(const char *s)
{
	if (*s == '\0' || *s == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/*
 * A channel account: a store's domain, a seller id, a buyer's account
 * code.  1 to 100 bytes of text with no control character, no ':' or
 * '/' (which name orders: CHANNEL/ACCOUNT:EXTERNAL_ID), and no space at
 * either end.
 */
int
oms_valid_account(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 100 || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ':' ||
		    *s == '/')
			return 0;
	return 1;
}

/* What a file that is not a regular file is, for a message. */
static const char *
file_kind(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a fifo";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

static int
not_regular(const char *path, mode_t m)
{
	return oms_seterr("cannot write '%s': it is %s, not a regular file; "
	    "left as it is, nothing written", path, file_kind(m));
}

/*
 * Open the directory part of path (dir, len bytes of it; "." when len is
 * 0) for the *at calls, after checking each symbolic link on the way.  A
 * directory symlink the operator made is followed, as everywhere; one
 * that sits in a sticky directory anyone can write (/tmp), owned by
 * neither this user nor that directory's owner, is what another user can
 * plant there, and is not followed: the rule of Linux's
 * fs.protected_symlinks, kept here whatever that is set to.
 */
static int
open_dir(const char *path, const char *dir, size_t len, int *dfd)
{
	char *d = len > 0 ? estrndup(dir, len) : estrdup(".");
	struct stat sl, sp;
	int rc = OMS_OK;

	for (char *p = d + 1; rc == OMS_OK; p++) {
		char save = *p;

		if (save != '/' && save != '\0')
			continue;
		*p = '\0';
		if (lstat(d, &sl) == 0 && S_ISLNK(sl.st_mode)) {
			char *parent = estrdup(d), *slash = strrchr(parent, '/');
			const char *pp = slash == NULL ? "." :
			    slash == parent ? "/" : parent;

			if (slash != NULL && slash != parent)
				*slash = '\0';
			if (lstat(pp, &sp) == 0 && (sp.st_mode & S_ISVTX) &&
			    (sp.st_mode & S_IWOTH) && sl.st_uid != geteuid() &&
			    sl.st_uid != sp.st_uid)
				rc = oms_seterr("cannot write '%s': '%s' is a "
				    "symbolic link in the shared directory "
				    "'%s', owned by another user (uid %ld); "
				    "not followed", path, d, pp,
				    (long)sl.st_uid);
			free(parent);
		}
		*p = save;
		if (save == '\0')
			break;
	}
	if (rc == OMS_OK && (*dfd = open(d, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		rc = oms_seterr("cannot write '%s': %s", path, strerror(errno));
	free(d);
	return rc;
}

/*
 * Whether files can be written into dir as oms_write_file writes them:
 * checked before work that cannot be undone (a label bought), so that a
 * directory not to be followed stops the run first.
 */
int
oms_dir_check(const char *dir)
{
	int fd, rc;

	if ((rc = open_dir(dir, dir, strlen(dir), &fd)) == OMS_OK)
		close(fd);
	return rc;
}

/*
 * Write len bytes to path whole or not at all, mode 0600: a temporary
 * file beside it, created exclusively under a random name (never through
 * a symbolic link), written and flushed to disk, then renamed over path,
 * and the directory flushed in turn.  What is at path already must be a
 * regular file: a symbolic link, a device, a fifo, a directory there is
 * refused with a message naming it, and nothing is written.  Rename
 * replaces a name and never follows one, so a link planted after the
 * check is replaced, not written through.
 */
static int
write_file(const char *path, const void *data, size_t len, int sync)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const unsigned char *p = data;
	char tmp[160];
	struct stat sb;
	int dfd = -1, fd = -1, rc;
	size_t off = 0;

	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return oms_seterr("cannot write '%s': not a file name", path);
	if ((rc = open_dir(path, path, slash ? (size_t)(slash - path) +
	    (slash == path) : 0, &dfd)) != OMS_OK)
		return rc;
	if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			rc = not_regular(path, sb.st_mode);
			goto out;
		}
	} else if (errno != ENOENT) {
		rc = oms_seterr("cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	for (int tries = 0; fd < 0; tries++) {
		uint64_t r;

		if (getrandom(&r, sizeof r, 0) != sizeof r)
			r ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL) ^
			    (uint64_t)(uintptr_t)&r;
		snprintf(tmp, sizeof tmp, ".%.100s.%016llx.tmp", base,
		    (unsigned long long)r);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd < 0 && (errno != EEXIST || tries >= 100)) {
			rc = oms_seterr("cannot write '%s': %s", path,
			    strerror(errno));
			goto out;
		}
	}
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off < len || (sync && fsync(fd) != 0)) {
		rc = oms_seterr("cannot write '%s': %s", path,
		    strerror(errno ? errno : EIO));
		goto drop;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = oms_seterr("cannot write '%s': %s", path, strerror(errno));
		goto drop;
	}
	fd = -1;
	/* Again, just before: what came meanwhile is refused as well. */
	if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(sb.st_mode)) {
		rc = not_regular(path, sb.st_mode);
		goto drop;
	}
	if (renameat(dfd, tmp, dfd, base) != 0) {
		rc = oms_seterr("cannot write '%s': %s", path, strerror(errno));
		goto drop;
	}
	if (sync && fsync(dfd) != 0 && errno != EINVAL && errno != EROFS)
		rc = oms_seterr("cannot write '%s': %s", path, strerror(errno));
	goto out;
drop:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
out:
	close(dfd);
	return rc;
}

int
oms_write_file(const char *path, const void *data, size_t len)
{
	return write_file(path, data, len, 1);
}

/*
 * oms_write_file, flushing nothing: for files written together and then
 * flushed together by oms_sync_files, before anything counts on them.
 */
int
oms_write_file_nosync(const char *path, const void *data, size_t len)
{
	return write_file(path, data, len, 0);
}

/*
 * The files of paths (a JSON array of strings, each DIR/NAME), written
 * by oms_write_file_nosync into directory dir, flushed to disk, each,
 * then dir once: when it returns OMS_OK they and their names will
 * outlive a crash.  dir is opened as oms_write_file opens it, each file
 * by its name in it, never through a symbolic link and without waiting
 * on what is not a regular file (a fifo, a device put there since),
 * which is refused, not flushed.
 */
int
oms_sync_files(const char *dir, const cJSON *paths)
{
	const cJSON *p;
	struct stat sb;
	int dfd, fd, rc;

	if ((rc = open_dir(dir, dir, strlen(dir), &dfd)) != OMS_OK)
		return rc;
	cJSON_ArrayForEach(p, paths) {
		const char *path = p->valuestring, *slash;

		if (!cJSON_IsString(p))
			continue;
		slash = strrchr(path, '/');
		if ((fd = openat(dfd, slash ? slash + 1 : path, O_RDONLY |
		    O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
			rc = oms_seterr("cannot flush '%s': %s", path, errno ==
			    ELOOP ? "it is a symbolic link, not followed" :
			    strerror(errno));
			break;
		}
		if (fstat(fd, &sb) != 0)
			rc = oms_seterr("cannot flush '%s': %s", path,
			    strerror(errno));
		else if (!S_ISREG(sb.st_mode))
			rc = oms_seterr("cannot flush '%s': it is %s, not a "
			    "regular file", path, file_kind(sb.st_mode));
		if (rc != OMS_OK) {
			close(fd);
			break;
		}
		if (fsync(fd) != 0) {
			rc = oms_seterr("cannot flush '%s': %s", path,
			    strerror(errno));
			close(fd);
			break;
		}
		close(fd);
	}
	if (rc == OMS_OK && fsync(dfd) != 0 && errno != EINVAL &&
	    errno != EROFS)
		rc = oms_seterr("cannot flush '%s': %s", dir, strerror(errno));
	close(dfd);
	return rc;
}

/*
 * Open path to append to it, created mode 0600 when it is not there: a
 * rejects file.  Never through a symbolic link, and never anything but a
 * regular file of one name: a fifo is refused at once, not waited on,
 * and a file with other hard links too.  A file that is there keeps its
 * mode and owner.
 */
int
oms_append_open(const char *path, FILE **out)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	struct stat sb;
	int dfd = -1, fd, rc;

	*out = NULL;
	if ((rc = open_dir(path, path, slash ? (size_t)(slash - path) +
	    (slash == path) : 0, &dfd)) != OMS_OK)
		return rc;
	fd = openat(dfd, base, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(sb.st_mode))
			rc = not_regular(path, sb.st_mode);
		else
			rc = oms_seterr("cannot open '%s': %s", path,
			    strerror(e));
		close(dfd);
		return rc;
	}
	close(dfd);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = fstat(fd, &sb) != 0 ? oms_seterr("cannot open '%s': %s",
		    path, strerror(errno)) : not_regular(path, sb.st_mode);
		close(fd);
		return rc;
	}
	/* A hard link another user planted names a file of someone else. */
	if (sb.st_nlink > 1) {
		close(fd);
		return oms_seterr("cannot write '%s': it has %ld names (hard "
		    "links), so it may be another file; left as it is, "
		    "nothing written", path, (long)sb.st_nlink);
	}
	fcntl(fd, F_SETFL, O_APPEND);
	if ((*out = fdopen(fd, "a")) == NULL) {
		rc = oms_seterr("cannot open '%s': %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	return OMS_OK;
}

/* Read the rest of fp into b.  OMS_ERR on a read error, errno kept. */
int
oms_slurp(FILE *fp, struct oms_buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		oms_buf_add(b, chunk, n);
	return ferror(fp) ? OMS_ERR : OMS_OK;
}

/*
 * Read the file at path ("-" is stdin) whole into b, NUL-terminated; the
 * message on failure names it as what ("feed", "rate table", ...).
 */
int
oms_read_file(const char *path, const char *what, struct oms_buf *b)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc = OMS_OK;

	if (fp == NULL)
		return oms_seterr("cannot open %s '%s': %s", what, path,
		    strerror(errno));
	if (oms_slurp(fp, b) != OMS_OK)
		rc = oms_seterr("cannot read %s '%s': %s", what, path,
		    strerror(errno));
	if (fp != stdin)
		fclose(fp);
	oms_buf_add(b, "", 0);
	return rc;
}

/* One or more ASCII digits and nothing else. */
int
oms_all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * The whole number of unit in environment variable name, from lo to hi,
 * into *out; unset or empty leaves *out as it is.  Anything else is a
 * usage error naming the variable, not read as 0.
 */
int
oms_env_number(const char *name, long lo, long hi, const char *unit,
    long *out)
{
	const char *t = getenv(name);
	char *end;
	long v;

	if (t == NULL || *t == '\0')
		return OMS_OK;
	errno = 0;
	v = strtol(t, &end, 10);
	if (errno != 0 || *end != '\0' || *t < '0' || *t > '9' || v < lo ||
	    v > hi)
		return oms_fail(OMS_E_USAGE, "%s '%.32s' is not a number of %s "
		    "from %ld to %ld", name, t, unit, lo, hi);
	*out = v;
	return OMS_OK;
}
