/*
 * jqx.c: jq programs others write (rule conditions, adapter refines), run
 * with a bound.
 *
 * libjq has no interrupt and no allocation cap: `def f: f; f` runs for
 * ever and `def f: [f]; f` eats memory until the kernel kills the
 * program, which may hold the database's write lock meanwhile.  So the
 * programs run in an evaluator, a child process forked on the first
 * evaluation and kept for the run: its address space may grow by at most
 * OMS_JQ_MEMORY MiB (RLIMIT_AS), and the parent waits for each answer with
 * poll() until OMS_JQ_TIMEOUT milliseconds have passed.  A program past
 * either is stopped (the child killed and reaped, a new one forked for the
 * next evaluation) and refused with a message that says which limit; the
 * caller names the rule or adapter.  A caller that holds the write lock
 * gives a shorter patience: past it the evaluation is dropped with
 * OMS_SLOW, so that the caller commits and asks again outside the lock.
 *
 * Programs are compiled here, in the parent, so that a load names a
 * program that does not compile; the child inherits those compiled before
 * it was forked, and is sent the text of those compiled after.
 *
 * The child speaks frames over a socket pair.  To it: op, id, length and
 * bytes: 'P' a program's text to compile as id, 'F' forget id, 'R' run id
 * on the JSON input, 'T' run the n programs whose ids lead the bytes on
 * the input after them, in turn, until one is true or fails.  From it:
 * kind, length and bytes: 'D' a debug message, 'V' a result as JSON ("1"
 * or "0" for a test), 'E' an error.
 *
 * Every jv_* call consumes its arguments (STYLE.md), so each value below
 * is either handed on or freed exactly once.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jq.h>
#include <jv.h>

#include "oms.h"

#define DEBUG_MAX 100		/* debug lines said per evaluation */
#define EXIT_CHILD 125		/* the evaluator failed to set itself up */

struct oms_jq {
	jq_state *jq;
	char *prog;
	uint32_t id;
	unsigned gen;		/* the evaluator that knows it; 0: none */
	struct oms_buf err;
	struct oms_jq *prev, *next;	/* every program alive */
};

/* The evaluator, as the parent sees it (and the child, its copy). */
static struct {
	pid_t pid;		/* 0: none running */
	int fd;
	unsigned gen;		/* counts the evaluators forked */
	uint32_t next_id;
	int limits_read, atexit_set;
	long timeout_ms, memory_mb;
	struct oms_jq *all;
	struct oms_buf in, frame;
	struct { char *b; size_t off, len, cap; } rb;	/* read ahead */
} ev = { .fd = -1 };

/* ---- limits ---------------------------------------------------------- */

/*
 * Read OMS_JQ_TIMEOUT (milliseconds, 2000 by default) and OMS_JQ_MEMORY
 * (MiB, 256 by default); a value that is no such number is a usage error.
 */
int
oms_jq_limits(void)
{
	long t = 2000, m = 256;

	if (oms_env_number("OMS_JQ_TIMEOUT", 1, 86400000,
	    "milliseconds", &t) != OMS_OK ||
	    oms_env_number("OMS_JQ_MEMORY", 16, 1048576, "MiB", &m) != OMS_OK)
		return OMS_ERR;
	ev.timeout_ms = t;
	ev.memory_mb = m;
	ev.limits_read = 1;
	return OMS_OK;
}

/* ---- frames ------------------------------------------------------------ */

/* A frame goes in one system call, as a rule: a round trip is costly. */
static int
send_all(struct iovec *iov, int n)
{
	while (n > 0) {
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t w = sendmsg(ev.fd, &m, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static long ms_left(const struct timespec *until);

/*
 * Take n bytes into p (NULL: skip them), reading ahead into ev.rb, so
 * that a frame and its bytes come in one read.  With until, poll first:
 * -2 when the time is up; -1 when the other end is gone.
 */
static int
take(void *p, size_t n, const struct timespec *until)
{
	while (ev.rb.len - ev.rb.off < n) {
		size_t cap = ev.rb.cap ? ev.rb.cap : 65536;
		ssize_t r;

		if (ev.rb.off > 0) {
			memmove(ev.rb.b, ev.rb.b + ev.rb.off, ev.rb.len -
			    ev.rb.off);
			ev.rb.len -= ev.rb.off;
			ev.rb.off = 0;
		}
		while (cap < n || cap - ev.rb.len < 4096)
			cap *= 2;
		if (cap != ev.rb.cap) {
			ev.rb.b = erealloc(ev.rb.b, cap);
			ev.rb.cap = cap;
		}
		if (until != NULL) {
			struct pollfd pfd = { .fd = ev.fd, .events = POLLIN };
			long left = ms_left(until);
			int k;

			if (left < 0)
				left = 0;
			k = poll(&pfd, 1, (int)(left > 86400000 ? 86400000 :
			    left));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -1;
			if (k == 0)
				return -2;
		}
		r = read(ev.fd, ev.rb.b + ev.rb.len, ev.rb.cap - ev.rb.len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ev.rb.len += (size_t)r;
	}
	if (p != NULL)
		memcpy(p, ev.rb.b + ev.rb.off, n);
	ev.rb.off += n;
	return 0;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* ---- the child ------------------------------------------------------- */

static void
err_cb(void *arg, jv msg)
{
	struct oms_jq *q = arg;

	/* The first message is the error; "N compile errors" follows it. */
	if (jv_get_kind(msg) == JV_KIND_STRING && q->err.len == 0) {
		const char *m = jv_string_value(msg);

		size_t n;

		if (strncmp(m, "jq: ", 4) == 0)
			m += 4;
		/* libjq ends some messages with a newline; ours add none. */
		n = strlen(m);
		while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
			n--;
		oms_buf_add(&q->err, m, n);
	}
	jv_free(msg);
}

static void
reply(char kind, const char *s, size_t n)
{
	unsigned char h[5];
	struct iovec iov[2];

	h[0] = (unsigned char)kind;
	put32(h + 1, (uint32_t)n);
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof h;
	iov[1].iov_base = (void *)s;
	iov[1].iov_len = n;
	if (send_all(iov, 2) < 0)
		_exit(0);	/* the parent is gone */
}

/* debug: the value, for the parent to say on stderr as jq prints it. */
static void
debug_cb(void *arg, jv msg)
{
	jv s = jv_dump_string(msg, 0);

	(void)arg;
	reply('D', jv_string_value(s), strlen(jv_string_value(s)));
	jv_free(s);
}

/* input and inputs: a program here has one input, the record, and no more. */
static jv
input_cb(jq_state *jq, void *arg)
{
	(void)jq;
	(void)arg;
	return jv_invalid();
}

static jq_state *
jq_new(struct oms_jq *q)
{
	jq_state *jq = jq_init();

	if (jq == NULL)
		return NULL;
	jq_set_error_cb(jq, err_cb, q);
	jq_set_debug_cb(jq, debug_cb, q);
	jq_set_input_cb(jq, input_cb, q);
	jq_set_attr(jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
	return jq;
}

/* The program's one result on in; none, several, or an error fail. */
static int
run(struct oms_jq *q, jv in, jv *out)
{
	jv r, extra;

	if (q->jq == NULL) {
		jv_free(in);
		return oms_seterr("jq: %s", q->err.s ? q->err.s :
		    "cannot compile");
	}
	jq_start(q->jq, in, 0);
	r = jq_next(q->jq);
	if (jq_halted(q->jq)) {
		jv_free(r);
		return oms_seterr("jq: the program halted");
	}
	if (!jv_is_valid(r)) {
		if (jv_invalid_has_msg(jv_copy(r))) {
			jv m = jv_invalid_get_msg(r);

			if (jv_get_kind(m) == JV_KIND_STRING)
				oms_seterr("jq: %s", jv_string_value(m));
			else
				oms_seterr("jq: error");
			jv_free(m);
		} else {
			jv_free(r);
			oms_seterr("jq: the program gave no result");
		}
		return OMS_ERR;
	}
	extra = jq_next(q->jq);
	if (jv_is_valid(extra)) {
		/*
		 * No draining: a program may give results without end, and
		 * the next jq_start resets the state anyway.
		 */
		jv_free(extra);
		jv_free(r);
		return oms_seterr("jq: the program gave more than one result");
	}
	jv_free(extra);
	*out = r;
	return OMS_OK;
}

static struct oms_jq *
find(uint32_t id)
{
	struct oms_jq *q;

	for (q = ev.all; q != NULL; q = q->next)
		if (q->id == id)
			return q;
	return NULL;
}

static void
child_run(uint32_t id, const char *text, size_t n)
{
	struct oms_jq *q = find(id);
	jv in = jv_parse_sized(text, (int)n), r, s;

	if (!jv_is_valid(in)) {
		jv_free(in);
		reply('E', "jq: the input is not JSON", 25);
		return;
	}
	if (q == NULL) {
		jv_free(in);
		reply('E', "jq: no such program", 19);
		return;
	}
	if (run(q, in, &r) != OMS_OK) {
		reply('E', oms_error(), strlen(oms_error()));
		return;
	}
	if (jv_get_kind(r) != JV_KIND_OBJECT) {
		static const char m[] = "jq: the program's result is not an "
		    "object";

		jv_free(r);
		reply('E', m, sizeof m - 1);
		return;
	}
	s = jv_dump_string(r, 0);
	reply('V', jv_string_value(s), strlen(jv_string_value(s)));
	jv_free(s);
}

/* Each program of ids on the input, until one is true or fails. */
static void
child_test(uint32_t n, const unsigned char *b, size_t len)
{
	jv in;

	if ((size_t)n * 4 > len) {
		reply('E', "jq: a bad request", 17);
		return;
	}
	in = jv_parse_sized((const char *)b + n * 4, (int)(len - n * 4));
	if (!jv_is_valid(in)) {
		jv_free(in);
		reply('E', "jq: the input is not JSON", 25);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct oms_jq *q = find(get32(b + i * 4));
		jv r;
		jv_kind k;

		if (q == NULL) {
			reply('E', "jq: no such program", 19);
			break;
		}
		if (run(q, jv_copy(in), &r) != OMS_OK) {
			reply('E', oms_error(), strlen(oms_error()));
			break;
		}
		k = jv_get_kind(r);
		jv_free(r);
		if (k != JV_KIND_FALSE && k != JV_KIND_NULL) {
			reply('V', "1", 1);
			break;
		}
		reply('V', "0", 1);
	}
	jv_free(in);
}

static void
child_define(uint32_t id, const char *text, size_t n)
{
	struct oms_jq *q = ecalloc(1, sizeof *q);

	q->id = id;
	q->prog = estrndup(text, n);
	if ((q->jq = jq_new(q)) != NULL && !jq_compile(q->jq, q->prog))
		jq_teardown(&q->jq);
	q->next = ev.all;
	if (ev.all != NULL)
		ev.all->prev = q;
	ev.all = q;
}

/*
 * The child: its address space bounded, its descriptors its own, it
 * answers until the parent closes the socket or dies.
 */
static void __attribute__((noreturn))
child(int fd, pid_t parent)
{
	struct rlimit rl;
	long pages = 0;
	FILE *fp;
	int null;

#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(0);
	/* Nothing of the parent's: not its database, nor its output. */
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);	/* jq's "cannot allocate" */
	}
	if (dup2(fd, 3) < 0)
		_exit(EXIT_CHILD);
	ev.fd = 3;
	ev.rb.off = ev.rb.len = 0;
	closefrom(4);
	signal(SIGPIPE, SIG_DFL);
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	/* The memory it has from the parent, and OMS_JQ_MEMORY more. */
	if ((fp = fopen("/proc/self/statm", "r")) != NULL) {
		if (fscanf(fp, "%ld", &pages) != 1)
			pages = 0;
		fclose(fp);
	}
	if (getrlimit(RLIMIT_AS, &rl) == 0) {
		rlim_t want = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) +
		    (rlim_t)ev.memory_mb * 1024 * 1024;

		if (rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max)
			rl.rlim_cur = want;
		else
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_AS, &rl) < 0)
			_exit(EXIT_CHILD);
	}
	for (;;) {
		unsigned char h[12];
		uint32_t op, id, n;

		if (take(h, sizeof h, NULL) < 0)
			_exit(0);
		op = get32(h);
		id = get32(h + 4);
		n = get32(h + 8);
		if (ev.in.cap < (size_t)n + 1) {
			ev.in.s = erealloc(ev.in.s, (size_t)n + 1);
			ev.in.cap = (size_t)n + 1;
		}
		if (take(ev.in.s, n, NULL) < 0)
			_exit(0);
		ev.in.s[n] = '\0';
		ev.in.len = n;
		switch (op) {
		case 'P':
			child_define(id, ev.in.s, n);
			break;
		case 'F': {
			struct oms_jq *q = find(id);

			if (q != NULL)
				oms_jq_free(q);
			break;
		}
		case 'R':
			child_run(id, ev.in.s, n);
			break;
		case 'T':
			child_test(id, (const unsigned char *)ev.in.s, n);
			break;
		default:
			_exit(EXIT_CHILD);
		}
	}
}

/* ---- the parent -------------------------------------------------------- */

/* Stop the evaluator, if there is one: killed and reaped, no zombie. */
static int
stop(void)
{
	int status = 0;

	if (ev.pid <= 0)
		return 0;
	kill(ev.pid, SIGKILL);
	while (waitpid(ev.pid, &status, 0) < 0 && errno == EINTR)
		;
	close(ev.fd);
	ev.fd = -1;
	ev.pid = 0;
	ev.rb.off = ev.rb.len = 0;	/* what it said last is no answer */
	return status;
}

static void
stop_at_exit(void)
{
	stop();
}

static int
start(void)
{
	struct oms_jq *q;
	pid_t parent = getpid();
	int sv[2];

	if (!ev.limits_read && oms_jq_limits() != OMS_OK)
		return OMS_ERR;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return oms_seterr("cannot start the jq evaluator: %s",
		    strerror(errno));
	fflush(NULL);	/* no buffered output twice */
	if ((ev.pid = fork()) < 0) {
		ev.pid = 0;
		close(sv[0]);
		close(sv[1]);
		return oms_seterr("cannot start the jq evaluator: %s",
		    strerror(errno));
	}
	if (ev.pid == 0) {
		close(sv[0]);
		child(sv[1], parent);
	}
	close(sv[1]);
	ev.fd = sv[0];
	ev.gen++;
	/* It has every program compiled so far. */
	for (q = ev.all; q != NULL; q = q->next)
		q->gen = ev.gen;
	if (!ev.atexit_set) {
		atexit(stop_at_exit);
		ev.atexit_set = 1;
	}
	return OMS_OK;
}

static int
send_frame(uint32_t op, uint32_t id, const void *a, size_t na, const void *b,
    size_t nb)
{
	unsigned char h[12];
	struct iovec iov[3];

	put32(h, op);
	put32(h + 4, id);
	put32(h + 8, (uint32_t)(na + nb));
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof h;
	iov[1].iov_base = (void *)a;
	iov[1].iov_len = na;
	iov[2].iov_base = (void *)b;
	iov[2].iov_len = nb;
	return send_all(iov, 3);
}

static long
ms_left(const struct timespec *until)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (until->tv_sec - now.tv_sec) * 1000 +
	    (until->tv_nsec - now.tv_nsec) / 1000000;
}

static void
after_ms(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/*
 * The evaluator died, or was stopped: say why, as the program's failure.
 * Out of memory, libjq aborts, the stack overflows (SIGSEGV), the kernel
 * kills, or an allocation that dies exits (oms_die, or a sanitizer's
 * report); the child's own failures to start exit EXIT_CHILD.
 */
static int
died(int killed, int status)
{
	if (killed)
		return oms_reject("jq: ran for more than %ld ms "
		    "(OMS_JQ_TIMEOUT) and was stopped", ev.timeout_ms);
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CHILD)
		return oms_reject("jq: the evaluator could not start");
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGABRT &&
	    WTERMSIG(status) != SIGSEGV && WTERMSIG(status) != SIGBUS &&
	    WTERMSIG(status) != SIGKILL)
		return oms_reject("jq: the evaluator died of signal %d",
		    WTERMSIG(status));
	return oms_reject("jq: ran out of memory (OMS_JQ_MEMORY is %ld MiB) "
	    "and was stopped", ev.memory_mb);
}

/*
 * The answer to one program: OMS_OK with its kind ('V' or 'E') and bytes
 * in ev.frame; OMS_REJECT when it ran out of time or memory; OMS_SLOW
 * when patience (ms, 0 for none) ran out first.  Debug lines on the way
 * are said on stderr.
 */
static int
answer(long patience, char *kind, int *debugs)
{
	struct timespec until, wait;
	long lim = ev.timeout_ms;
	int slow = patience > 0 && patience < lim, rc;

	after_ms(&until, lim);
	after_ms(&wait, slow ? patience : lim);
	for (;;) {
		unsigned char h[5];
		size_t n;

		rc = take(h, sizeof h, &wait);
		if (rc == 0) {
			n = get32(h + 1);
			if (n > (size_t)ev.memory_mb * 1024 * 1024) {
				stop();
				return oms_reject("jq: its result is larger "
				    "than OMS_JQ_MEMORY (%ld MiB)",
				    ev.memory_mb);
			}
			oms_buf_reset(&ev.frame);
			if (ev.frame.cap < n + 1) {
				ev.frame.s = erealloc(ev.frame.s, n + 1);
				ev.frame.cap = n + 1;
			}
			rc = take(ev.frame.s, n, &until);
			if (rc == 0) {
				ev.frame.s[n] = '\0';
				ev.frame.len = n;
			}
		}
		if (rc == -2 && slow && ms_left(&until) > 0) {
			stop();
			return OMS_SLOW;
		}
		if (rc == -2) {
			stop();
			return died(1, 0);
		}
		if (rc < 0)
			return died(0, stop());
		if (h[0] != 'D') {
			*kind = (char)h[0];
			return OMS_OK;
		}
		if (++*debugs <= DEBUG_MAX)
			oms_warnx("jq debug: %s", ev.frame.s);
		else if (*debugs == DEBUG_MAX + 1)
			oms_warnx("jq debug: more than %d lines; the rest "
			    "unsaid", DEBUG_MAX);
	}
}

/* An evaluator that knows q. */
static int
ready(struct oms_jq *q)
{
	if (ev.pid == 0 && start() != OMS_OK)
		return OMS_ERR;
	if (q->gen != ev.gen) {
		if (send_frame('P', q->id, q->prog, strlen(q->prog), NULL,
		    0) < 0)
			return died(0, stop());
		q->gen = ev.gen;
	}
	return OMS_OK;
}

/*
 * Compile prog.  A program others write runs here: debug writes to
 * stderr, input finds no more inputs, and no module can be included or
 * imported (the library path is empty), so none crashes the program
 * and none reads a file.
 */
int
oms_jq_compile(const char *prog, struct oms_jq **out)
{
	struct oms_jq *q = ecalloc(1, sizeof *q);

	*out = NULL;
	if ((q->jq = jq_new(q)) == NULL) {
		free(q);
		return oms_seterr("cannot start jq");
	}
	if (!jq_compile(q->jq, prog)) {
		oms_seterr("jq: %s", q->err.s ? q->err.s : "cannot compile");
		jq_teardown(&q->jq);
		oms_buf_free(&q->err);
		free(q);
		return OMS_ERR;
	}
	q->prog = estrdup(prog);
	q->id = ++ev.next_id;
	q->next = ev.all;
	if (ev.all != NULL)
		ev.all->prev = q;
	ev.all = q;
	*out = q;
	return OMS_OK;
}

void
oms_jq_free(struct oms_jq *q)
{
	if (q == NULL)
		return;
	if (ev.pid > 0 && q->gen == ev.gen)
		(void)send_frame('F', q->id, NULL, 0, NULL, 0);
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		ev.all = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	if (q->jq != NULL)
		jq_teardown(&q->jq);
	oms_buf_free(&q->err);
	free(q->prog);
	free(q);
}

/*
 * Run the program on in and return its one result, which must be an
 * object.  No result, several, an error, or a program past its time or
 * memory are refused (OMS_REJECT) with a message; past patience
 * milliseconds (0: none), OMS_SLOW.
 */
int
oms_jq_run(struct oms_jq *q, const cJSON *in, long patience, cJSON **out)
{
	char *text, kind;
	int rc, debugs = 0;

	*out = NULL;
	if ((rc = ready(q)) != OMS_OK)
		return rc;
	if ((text = oms_json_print(in)) == NULL)
		return oms_seterr("out of memory");
	rc = send_frame('R', q->id, text, strlen(text), NULL, 0);
	free(text);
	if (rc < 0)
		return died(0, stop());
	if ((rc = answer(patience, &kind, &debugs)) != OMS_OK)
		return rc;
	if (kind != 'V')
		return oms_reject("%s", ev.frame.s);
	if ((*out = cJSON_Parse(ev.frame.s)) == NULL)
		return oms_reject("jq: its result cannot be read back");
	return OMS_OK;
}

/*
 * Run conditions qs[0..n) on the JSON text in, in one round trip, until
 * one is true: truth[i] for each that ran, *ran how many did.  One that
 * fails or passes its time or memory ends it, refused (OMS_REJECT) with
 * *ran at its index; past patience milliseconds (0: none), OMS_SLOW.
 */
int
oms_jq_first(struct oms_jq **qs, int n, const char *in, size_t len,
    long patience, int *truth, int *ran)
{
	unsigned char *ids;
	int rc, debugs = 0;

	*ran = 0;
	if (n == 0)
		return OMS_OK;
	for (int i = 0; i < n; i++)
		if ((rc = ready(qs[i])) != OMS_OK)
			return rc;
	ids = emalloc((size_t)n * 4);
	for (int i = 0; i < n; i++)
		put32(ids + i * 4, qs[i]->id);
	rc = send_frame('T', (uint32_t)n, ids, (size_t)n * 4, in, len);
	free(ids);
	if (rc < 0)
		return died(0, stop());
	while (*ran < n) {
		char kind;

		if ((rc = answer(patience, &kind, &debugs)) != OMS_OK)
			return rc;
		if (kind != 'V')
			return oms_reject("%s", ev.frame.s);
		truth[*ran] = ev.frame.s[0] == '1';
		if (truth[(*ran)++])
			break;
	}
	return OMS_OK;
}
