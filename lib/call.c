/*
 * call.c: run an adapter program (oms-adapters(7)), one convention for
 * every kind: carriers, tax, payments.
 *
 * An adapter is a program, oms-KIND-NAME, found beside the running
 * program and then on PATH, run with execv and the argv {path, VERB}:
 * never a shell.  The request is one JSON object on its standard input,
 * with its request_id (the same id asked again gets the same answer) and
 * the account's secrets in it (from the kind's directory, e.g.
 * carriers/NAME.json, on the search path), never on a command line; the
 * reply is one JSON object on its standard output.  Its exit status says
 * what came of it: 0 answered (a refusal when the reply is not "ok"), 1
 * refused, 2 the request or verb not understood, 75 (EX_TEMPFAIL) try
 * again later, anything else failed.  The adapter runs in a process
 * group of its own and is killed, group and all, when it outlives the
 * timeout; when it exits, whatever it left running in its group is
 * stopped too (SIGTERM, then SIGKILL after a short grace), so no call
 * leaves a process behind.  Whatever goes wrong (it cannot be found, it
 * hangs, crashes, fails or answers garbage) is an error with a sentence
 * naming the kind, the adapter and the verb.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "call.h"
#include "cli.h"

#define REPLY_MAX (4 << 20)	/* bytes of reply at most */

/* The kinds of adapter, and the directory of each one's accounts. */
static const struct kind {
	const char *name, *dir, *timeout;
} kinds[] = {
	{ "carrier", "carriers", "OMS_CARRIER_TIMEOUT" },
	{ "tax", "tax", "OMS_TAX_TIMEOUT" },
	{ "payment", "payments", "OMS_PAYMENT_TIMEOUT" },
};

static const struct kind *
find_kind(const char *name)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

/* OMS_KIND_TIMEOUT seconds, 30 by default. */
static long
timeout_ms(const struct kind *k)
{
	const char *t = getenv(k->timeout);
	char *end;
	double s;

	if (t == NULL || *t == '\0')
		return 30000;
	s = strtod(t, &end);
	/* A tenth of a second to a day; anything else is the default. */
	if (*end != '\0' || !(s >= 0.1 && s <= 86400))
		return 30000;
	return (long)(s * 1000);
}

/*
 * An account file others can read or change, said once a run, as ssh
 * says it of a key: the secrets in it are no longer the owner's alone.
 */
static void
warn_mode(const struct kind *k, const char *path)
{
	static int said;
	struct stat sb;

	if (said || stat(path, &sb) != 0 || !(sb.st_mode & 066))
		return;
	said = 1;
	oms_warnx("%s account file '%s' is mode %04o: its "
	    "secrets can be %s by others; chmod 600 it", k->name, path,
	    (unsigned)(sb.st_mode & 07777), (sb.st_mode & 044) &&
	    (sb.st_mode & 022) ? "read and changed" : (sb.st_mode & 044) ?
	    "read" : "changed");
}

/*
 * The account of adapter name of kind k: e.g. carriers/NAME.json on the
 * search path.
 */
static int
account(const struct kind *k, const char *name, cJSON **acct)
{
	struct oms_buf rel = { 0 };
	char *text, *path;
	int rc;

	*acct = NULL;
	oms_buf_printf(&rel, "%s/%s.json", k->dir, name);
	rc = oms_search_read(rel.s, &text, &path);
	oms_buf_free(&rel);
	if (rc == OMS_EOF)
		return OMS_OK;		/* no account: the adapter needs none */
	if (rc != OMS_OK)
		return rc;
	warn_mode(k, path);
	*acct = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(*acct)) {
		cJSON_Delete(*acct);
		*acct = NULL;
		rc = oms_fail(OMS_E_CARRIER, "%s %s: its account %s is "
		    "not a JSON object", k->name, name, path);
	}
	free(path);
	return rc;
}

/* ---- what of an adapter's words may be quoted ------------------------- */

#define QUOTE_MAX 200		/* bytes of an adapter's message quoted */
#define SECRET_MIN 3		/* shorter values are not looked for */

static void
mark(unsigned char *m, const char *s, size_t n, const char *v)
{
	size_t k = strlen(v);

	if (k < SECRET_MIN)
		return;
	for (const char *p = s; (p = memmem(p, n - (size_t)(p - s), v, k)) !=
	    NULL; p++)
		memset(m + (p - s), 1, k);
}

/*
 * Mark what node holds, every string and number in it when all is set,
 * else only under the keys that name a person's details.
 */
static void
mark_json(unsigned char *m, const char *s, size_t n, const cJSON *node,
    int all)
{
	const cJSON *c;
	char num[64];

	if (cJSON_IsString(node) && all)
		mark(m, s, n, node->valuestring);
	else if (cJSON_IsNumber(node) && all) {
		snprintf(num, sizeof num, "%.17g", node->valuedouble);
		mark(m, s, n, num);
	}
	cJSON_ArrayForEach(c, node) {
		int mine = all || (c->string != NULL &&
		    (strcmp(c->string, "to") == 0 ||
		    strncmp(c->string, "to_", 3) == 0 ||
		    strcmp(c->string, "customer") == 0 ||
		    strcmp(c->string, "account") == 0 ||
		    strcmp(c->string, "email") == 0 ||
		    strcmp(c->string, "phone") == 0));

		mark_json(m, s, n, c, mine);
	}
}

static int
email_char(int c, int domain)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
	    (!domain && (c == '_' || c == '+' || c == '%'));
}

/* Anything shaped like an email address. */
static void
mark_emails(unsigned char *m, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t a = i, b = i + 1;
		int dot = 0;

		if (s[i] != '@')
			continue;
		while (a > 0 && email_char((unsigned char)s[a - 1], 0))
			a--;
		while (b < n && email_char((unsigned char)s[b], 1))
			dot |= s[b++] == '.';
		if (a < i && b > i + 1 && dot)
			memset(m + a, 1, b - a);
	}
}

/*
 * What of an adapter's message (its standard error, or the error of a
 * refusal) is quoted, into out: what the request's account holds, the
 * destination address, any email or phone it carries and anything shaped
 * like an email address masked as [redacted] first, in the whole of it;
 * then its first line alone, control characters as '?', cut to
 * QUOTE_MAX bytes on a character's edge, "..." where it was cut.
 */
static void
quote(struct oms_buf *out, const char *s, size_t n, const cJSON *req)
{
	unsigned char *m = ecalloc(n + 1, 1);
	struct oms_buf t = { 0 };
	size_t i, len;

	mark_json(m, s, n, req, 0);
	mark_emails(m, s, n);
	for (i = 0; i < n && s[i] != '\n'; ) {
		if (m[i]) {
			oms_buf_adds(&t, "[redacted]");
			while (i < n && m[i])
				i++;
			continue;
		}
		if (s[i] == '\r' && (i + 1 == n || s[i + 1] == '\n'))
			;
		else if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			oms_buf_addc(&t, '?');
		else
			oms_buf_addc(&t, s[i]);
		i++;
	}
	free(m);
	len = t.len;
	if (len > QUOTE_MAX) {
		len = QUOTE_MAX;
		while (len > 0 && ((unsigned char)t.s[len] & 0xc0) == 0x80)
			len--;
	}
	oms_buf_add(out, t.s ? t.s : "", len);
	if (len < t.len)
		oms_buf_adds(out, "...");
	oms_buf_free(&t);
}

static long
ms_left(const struct timespec *start, long limit)
{
	return limit - oms_ms_since(start);
}

/*
 * Whether child pid has exited, left unreaped: while it is a zombie its
 * pid, which names its process group, cannot be another's.
 */
static int
has_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
	    0 && si.si_pid == pid;
}

#define GRACE_MS 200	/* for what an adapter left running to stop */

/*
 * The adapter pid has exited (unreaped): stop what it left in its group,
 * SIGTERM then SIGKILL after GRACE_MS, and reap it into *status.
 */
static void
end_group(pid_t pid, int *status)
{
	struct timespec start, ts = { 0, 10 * 1000 * 1000 };

	kill(-pid, SIGTERM);
	waitpid(pid, status, 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* Empty once its members are gone (and reaped by whoever has them). */
	while (kill(-pid, 0) == 0) {
		if (oms_ms_since(&start) >= GRACE_MS) {
			kill(-pid, SIGKILL);
			break;
		}
		nanosleep(&ts, NULL);
	}
}

/*
 * The adapter at path run with execv and {path, verb}, in a process group
 * of its own, its standard input, output and error the descriptors in,
 * out and err, and no other open: its pid, or -1.  vfork, not fork: the
 * child does nothing but that, and a parent with a big heap (oms-ship's
 * database cache) then neither copies its page tables for it nor takes a
 * fault on every page it writes afterwards, a call at a time.
 */
static pid_t
spawn(char *path, const char *verb, int in, int out, int err)
{
	char *const av[] = { path, (char *)verb, NULL };
	pid_t pid;

	if ((pid = vfork()) == 0) {
		setpgid(0, 0);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		closefrom(3);
		execv(path, av);
		_exit(127);
	}
	return pid;
}

/*
 * Run adapter oms-KIND-NAME with verb on req, which has its request_id;
 * *reply is the object it answered.  OMS_REJECT when it refused, OMS_ERR
 * (kind OMS_E_CARRIER) for every way it can fail; *outcome, when not
 * NULL, says which (OMS_CALL_*).
 */
int
oms_call(const char *kind, const char *name, const char *verb,
    const cJSON *req, cJSON **reply, int *outcome)
{
	char prog[96], path[PATH_MAX + 96];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	struct oms_buf obuf = { 0 }, ebuf = { 0 }, said = { 0 };
	const struct kind *k = find_kind(kind);
	cJSON *full = NULL;
	char *text = NULL;
	size_t off = 0, len;
	struct timespec start;
	long limit;
	int status = 0, rc = OMS_ERR, done_out = 0, done_err = 0, killed = 0;
	int exited = 0, overflow = 0, code, dummy;
	pid_t pid;
	void (*old)(int);

	*reply = NULL;
	if (outcome == NULL)
		outcome = &dummy;
	*outcome = OMS_CALL_FAILED;
	if (k == NULL)
		return oms_fail(OMS_E_OTHER, "'%s' is not a kind of adapter",
		    kind);
	limit = timeout_ms(k);
	if (!oms_valid_name(name) || strlen(name) > 64)
		return oms_fail(OMS_E_CARRIER, "'%s' is not a %s name", name,
		    kind);
	if (oms_json_str(req, "request_id") == NULL ||
	    *oms_json_str(req, "request_id") == '\0')
		return oms_fail(OMS_E_OTHER, "a %s request without a "
		    "request_id", kind);
	snprintf(prog, sizeof prog, "oms-%s-%s", kind, name);
	if (oms_find_program(prog, path, sizeof path) != 0)
		return oms_fail(OMS_E_CARRIER, "no %s adapter %s (beside "
		    "this program or on PATH)", kind, prog);
	{
		cJSON *acct;

		if ((rc = account(k, name, &acct)) != OMS_OK)
			return rc;
		full = cJSON_Duplicate(req, 1);
		if (acct != NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(full,
			    "account");
			cJSON_AddItemToObject(full, "account", acct);
		}
	}
	rc = OMS_ERR;
	text = oms_json_print(full);
	len = strlen(text);
	if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) {
		rc = oms_fail(OMS_E_CARRIER, "cannot run %s: %s", prog,
		    strerror(errno));
		goto close;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	if ((pid = spawn(path, verb, in[0], out[1], err[1])) < 0) {
		rc = oms_fail(OMS_E_CARRIER, "cannot run %s: %s", prog,
		    strerror(errno));
		goto close;
	}
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	in[0] = out[1] = err[1] = -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	old = signal(SIGPIPE, SIG_IGN);
	while (!done_out || !done_err) {
		struct pollfd p[3];
		int np = 0, io = -1, ie = -1, iw = -1;
		long left = ms_left(&start, limit);

		if (left <= 0) {
			kill(-pid, SIGKILL);
			killed = 1;
			break;
		}
		if (!done_out) {
			p[np].fd = out[0];
			p[np].events = POLLIN;
			io = np++;
		}
		if (!done_err) {
			p[np].fd = err[0];
			p[np].events = POLLIN;
			ie = np++;
		}
		if (in[1] >= 0) {
			p[np].fd = in[1];
			p[np].events = POLLOUT;
			iw = np++;
		}
		/*
		 * In ticks, to see the adapter exit even when something it
		 * started keeps its output open.
		 */
		if (poll(p, (nfds_t)np, left < 100 ? (int)left : 100) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!exited && has_exited(pid))
			exited = 1;
		if (iw >= 0 && p[iw].revents) {
			ssize_t w = write(in[1], text + off, len - off);

			if (w > 0)
				off += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				off = len;	/* it closed its input: let it answer */
			if (off == len) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (io >= 0 && (p[io].revents || exited)) {
			char buf[8192];
			ssize_t r;

			while ((r = read(out[0], buf, sizeof buf)) > 0) {
				if (obuf.len + (size_t)r > REPLY_MAX)
					overflow = 1;
				else if (!overflow)
					oms_buf_add(&obuf, buf, (size_t)r);
			}
			if (r == 0 || (r < 0 && errno != EINTR &&
			    errno != EAGAIN) || exited)
				done_out = 1;
			if (overflow) {
				/* Too much already: no need to hear the rest. */
				kill(-pid, SIGKILL);
				break;
			}
		}
		if (ie >= 0 && (p[ie].revents || exited)) {
			char buf[4096];
			ssize_t r;

			while ((r = read(err[0], buf, sizeof buf)) > 0)
				if (ebuf.len < 4096)
					oms_buf_add(&ebuf, buf, (size_t)r);
			if (r == 0 || (r < 0 && errno != EINTR &&
			    errno != EAGAIN) || exited)
				done_err = 1;
		}
	}
	signal(SIGPIPE, old);
	if (overflow) {
		waitpid(pid, &status, 0);
		rc = oms_fail(OMS_E_CARRIER, "%s %s answered %s with "
		    "more than %d bytes", kind, name, verb, REPLY_MAX);
		goto close;
	}
	/* The output is closed; give it what is left of the time to exit. */
	while (!killed && !exited) {
		if (has_exited(pid)) {
			exited = 1;
			break;
		}
		if (ms_left(&start, limit) <= 0) {
			kill(-pid, SIGKILL);
			killed = 1;
			break;
		}
		{
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (!killed)
		end_group(pid, &status);
	if (killed) {
		waitpid(pid, &status, 0);
		rc = oms_fail(OMS_E_CARRIER, "%s %s: no answer to %s "
		    "within %g s; stopped it", kind, name, verb,
		    limit / 1000.0);
		goto close;
	}
	if (WIFSIGNALED(status)) {
		rc = oms_fail(OMS_E_CARRIER, "%s %s crashed on %s "
		    "(signal %d)", kind, name, verb, WTERMSIG(status));
		goto close;
	}
	code = WEXITSTATUS(status);
	if (code != 0 && code != OMS_CALL_EXIT_REFUSED) {
		quote(&said, ebuf.s ? ebuf.s : "", ebuf.len, full);
		if (code == OMS_CALL_EXIT_PROTOCOL) {
			*outcome = OMS_CALL_PROTOCOL;
			rc = oms_fail(OMS_E_CARRIER, "%s %s did not understand "
			    "%s (exit %d)%s%s", kind, name, verb, code,
			    said.len ? ": " : "", said.len ? said.s : "");
		} else if (code == OMS_CALL_EXIT_LATER) {
			*outcome = OMS_CALL_LATER;
			rc = oms_fail(OMS_E_CARRIER, "%s %s asks for %s to be "
			    "tried later (exit %d)%s%s", kind, name, verb, code,
			    said.len ? ": " : "", said.len ? said.s : "");
		} else
			rc = oms_fail(OMS_E_CARRIER, "%s %s failed on %s (exit "
			    "%d)%s%s", kind, name, verb, code, said.len ?
			    ": " : "", said.len ? said.s : "");
		goto close;
	}
	if (overflow) {
		rc = oms_fail(OMS_E_CARRIER, "%s %s answered %s with "
		    "more than %d bytes", kind, name, verb, REPLY_MAX);
		goto close;
	}
	*reply = oms_json_parse(obuf.s ? obuf.s : "", obuf.len, NULL, NULL);
	if (code == OMS_CALL_EXIT_REFUSED || !cJSON_IsObject(*reply) ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*reply, "ok"))) {
		const char *e = cJSON_IsObject(*reply) ?
		    oms_json_str(*reply, "error") : NULL;

		if (code != OMS_CALL_EXIT_REFUSED && !cJSON_IsObject(*reply)) {
			rc = oms_fail(OMS_E_CARRIER, "%s %s answered %s with "
			    "something that is not a JSON object", kind,
			    name, verb);
			cJSON_Delete(*reply);
			*reply = NULL;
			goto close;
		}
		/*
		 * A refusal says why in its reply's error or, exiting 1
		 * with no reply, on its standard error.
		 */
		if (e != NULL)
			quote(&said, e, strlen(e), full);
		else if (code == OMS_CALL_EXIT_REFUSED)
			quote(&said, ebuf.s ? ebuf.s : "", ebuf.len, full);
		*outcome = OMS_CALL_REFUSED;
		rc = oms_reject("%s %s refused %s: %s", kind, name, verb,
		    said.len ? said.s : "no reason given");
		cJSON_Delete(*reply);
		*reply = NULL;
		goto close;
	}
	*outcome = OMS_CALL_OK;
	rc = OMS_OK;
close:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	free(text);
	cJSON_Delete(full);
	oms_buf_free(&obuf);
	oms_buf_free(&ebuf);
	oms_buf_free(&said);
	return rc;
}

/*
 * One reply of a batch (the verb batch of oms-carrier(7)), one, to the
 * request req of verb, taken as oms_call takes a reply: OMS_OK with
 * *reply a copy of it when it says "ok"; OMS_REJECT when it refuses,
 * its error quoted as oms_call quotes one (the account and the person
 * masked); OMS_ERR (kind OMS_E_CARRIER) when it is not an object.
 */
int
oms_call_one(const char *kind, const char *name, const char *verb,
    const cJSON *req, const cJSON *one, cJSON **reply)
{
	const struct kind *k = find_kind(kind);
	struct oms_buf said = { 0 };
	cJSON *full, *acct = NULL;
	const char *e;
	int rc;

	*reply = NULL;
	if (k == NULL)
		return oms_fail(OMS_E_OTHER, "'%s' is not a kind of adapter",
		    kind);
	if (!cJSON_IsObject(one))
		return oms_fail(OMS_E_CARRIER, "%s %s answered %s with "
		    "something that is not a JSON object", kind, name, verb);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(one, "ok"))) {
		*reply = cJSON_Duplicate(one, 1);
		return OMS_OK;
	}
	/* What is quoted masks the account too, as the request had it. */
	full = cJSON_Duplicate(req, 1);
	if (account(k, name, &acct) == OMS_OK && acct != NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(full, "account");
		cJSON_AddItemToObject(full, "account", acct);
	}
	if ((e = oms_json_str(one, "error")) != NULL)
		quote(&said, e, strlen(e), full);
	rc = oms_reject("%s %s refused %s: %s", kind, name, verb,
	    said.len ? said.s : "no reason given");
	oms_buf_free(&said);
	cJSON_Delete(full);
	return rc;
}

/* ---- which adapters a channel uses ------------------------------------ */

/*
 * adapters.json, the first on the search path, read once a run:
 * {"channels": {"CHANNEL": {"tax": NAME, "payment": NAME, ...}}}.  No
 * file is a merchant who uses none.
 */
static cJSON *settings;
static int settings_read;

static void
settings_free(void)
{
	cJSON_Delete(settings);
	settings = NULL;
}

static int
exemption_ok(const cJSON *v)
{
	static const char *const types[] = { "wholesale", "government",
	    "marketplace", "other", "non_exempt" };

	for (size_t i = 0; cJSON_IsString(v) && i < sizeof types /
	    sizeof types[0]; i++)
		if (strcmp(v->valuestring, types[i]) == 0)
			return 1;
	return 0;
}

/*
 * What a channel's tax settings say, checked (oms-adapters(7)): a value
 * of the wrong kind is an error, never taken as its default.
 */
static int
tax_settings(const char *path, const cJSON *c)
{
	const cJSON *v, *ex, *m, *x;

	v = cJSON_GetObjectItemCaseSensitive(c, "tax_included");
	if (v != NULL && !cJSON_IsBool(v))
		return oms_fail(OMS_E_ADAPTER, "%s: channel '%s': "
		    "\"tax_included\" is not true or false", path, c->string);
	v = cJSON_GetObjectItemCaseSensitive(c, "exemption_type");
	if (v != NULL && !exemption_ok(v))
		return oms_fail(OMS_E_ADAPTER, "%s: channel '%s': "
		    "\"exemption_type\" is not wholesale, government, "
		    "marketplace, other or non_exempt", path, c->string);
	v = cJSON_GetObjectItemCaseSensitive(c, "from");
	if (v != NULL && !cJSON_IsObject(v))
		return oms_fail(OMS_E_ADAPTER, "%s: channel '%s': \"from\" is "
		    "not an address object", path, c->string);
	cJSON_ArrayForEach(x, v)
		if (!cJSON_IsString(x))
			return oms_fail(OMS_E_ADAPTER, "%s: channel '%s': "
			    "from.%s is not a string", path, c->string,
			    x->string);
	ex = cJSON_GetObjectItemCaseSensitive(c, "tax_exempt");
	if (ex != NULL && !cJSON_IsObject(ex))
		return oms_fail(OMS_E_ADAPTER, "%s: channel '%s': "
		    "\"tax_exempt\" is not an object", path, c->string);
	for (int k = 0; k < 2; k++) {
		const char *key = k ? "segments" : "customers";

		m = cJSON_GetObjectItemCaseSensitive(ex, key);
		if (m != NULL && !cJSON_IsObject(m))
			return oms_fail(OMS_E_ADAPTER, "%s: channel '%s': "
			    "tax_exempt.%s is not an object", path, c->string,
			    key);
		cJSON_ArrayForEach(x, m)
			if (!exemption_ok(x))
				return oms_fail(OMS_E_ADAPTER, "%s: channel "
				    "'%s': tax_exempt.%s.%s is not wholesale, "
				    "government, marketplace, other or "
				    "non_exempt", path, c->string, key,
				    x->string);
	}
	return OMS_OK;
}

static int
load_settings(void)
{
	const cJSON *ch, *c;
	char *text, *path = NULL;
	int rc;

	if (settings_read)
		return OMS_OK;
	rc = oms_search_read("adapters.json", &text, &path);
	if (rc == OMS_EOF) {
		settings_read = 1;
		return OMS_OK;
	}
	if (rc != OMS_OK)
		return oms_fail(OMS_E_ADAPTER, "%s", oms_error());
	settings = oms_json_parse(text, strlen(text), NULL, NULL);
	free(text);
	rc = OMS_ERR;
	if (!cJSON_IsObject(settings)) {
		oms_fail(OMS_E_ADAPTER, "%s: not a JSON object", path);
		goto bad;
	}
	ch = cJSON_GetObjectItemCaseSensitive(settings, "channels");
	if (ch != NULL && !cJSON_IsObject(ch)) {
		oms_fail(OMS_E_ADAPTER, "%s: \"channels\" is not an object",
		    path);
		goto bad;
	}
	cJSON_ArrayForEach(c, ch) {
		const cJSON *v;

		if (!cJSON_IsObject(c)) {
			oms_fail(OMS_E_ADAPTER, "%s: channel '%s' is not an "
			    "object", path, c->string);
			goto bad;
		}
		if (tax_settings(path, c) != OMS_OK)
			goto bad;
		cJSON_ArrayForEach(v, c) {
			if (find_kind(v->string) == NULL)
				continue;	/* other settings of the channel */
			if (!cJSON_IsString(v) ||
			    !oms_valid_name(v->valuestring) ||
			    strlen(v->valuestring) > 64) {
				oms_fail(OMS_E_ADAPTER, "%s: channel '%s': "
				    "\"%s\" is not an adapter name", path,
				    c->string, v->string);
				goto bad;
			}
		}
	}
	settings_read = 1;
	atexit(settings_free);
	free(path);
	return OMS_OK;
bad:
	cJSON_Delete(settings);
	settings = NULL;
	free(path);
	return rc;
}

/*
 * The settings of channel in adapters.json, *out NULL when it has none;
 * OMS_ERR when the file is broken.
 */
int
oms_channel_settings(const char *channel, const cJSON **out)
{
	*out = NULL;
	if (load_settings() != OMS_OK)
		return OMS_ERR;
	*out = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(settings, "channels"), channel);
	return OMS_OK;
}

/* The adapter of kind that channel uses, *name NULL for none. */
int
oms_channel_adapter(const char *channel, const char *kind,
    const char **name)
{
	const cJSON *c;

	*name = NULL;
	if (oms_channel_settings(channel, &c) != OMS_OK)
		return OMS_ERR;
	*name = oms_json_str(c, kind);
	return OMS_OK;
}

/* ---- the adapter's side ----------------------------------------------- */

/*
 * For an adapter program: the whole of its stdin, the request,
 * NUL-terminated; past max bytes a usage error (exit 2, not understood),
 * a read error exit 3.
 */
char *
oms_call_request(size_t max, size_t *len)
{
	struct oms_buf b = { 0 };
	char chunk[8192];
	size_t k;

	while ((k = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		if (b.len + k > max)
			oms_die(OMS_CALL_EXIT_PROTOCOL, "the request on stdin "
			    "is over %zu bytes", max);
		oms_buf_add(&b, chunk, k);
	}
	if (ferror(stdin))
		oms_die(OMS_EXIT_FATAL, "cannot read the request: %s",
		    strerror(errno));
	oms_buf_add(&b, "", 0);
	*len = b.len;
	return b.s;
}

/*
 * For an adapter program's verb: its operands (none), the request read
 * (max bytes at most; hook, when not NULL, called with arg once it is
 * read, before it is parsed), fn's reply printed on one line.  A request
 * that is not one JSON object exits 2; one without a request_id is
 * refused.  Never is the request quoted: it holds the account's secrets.
 */
int
oms_call_serve(struct oms_cli *cli, size_t max, void (*hook)(void *),
    void *arg, oms_call_fn fn, int refused)
{
	const char *rid, *end;
	cJSON *req, *reply;
	char *text, *out;
	size_t len;
	int code;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 0)
		oms_cli_usage(cli, "%s takes no operand: the request is on "
		    "stdin", cli->verb->name);
	if (isatty(STDIN_FILENO))
		oms_cli_usage(cli, "the request is read from stdin, a terminal");
	text = oms_call_request(max, &len);
	if (hook != NULL)
		hook(arg);
	req = memchr(text, '\0', len) == NULL ?
	    cJSON_ParseWithOpts(text, &end, 1) : NULL;
	free(text);
	if (!cJSON_IsObject(req))
		oms_die(OMS_CALL_EXIT_PROTOCOL, "the request on stdin is not "
		    "one JSON object");
	rid = oms_json_str(req, "request_id");
	if (rid == NULL || *rid == '\0') {
		reply = cJSON_CreateObject();
		cJSON_AddFalseToObject(reply, "ok");
		cJSON_AddStringToObject(reply, "error", "request_id must be a "
		    "string that is not empty");
	} else
		reply = fn(req, rid);
	code = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")) ?
	    OMS_EXIT_OK : refused;
	out = oms_json_print(reply);
	printf("%s\n", out);
	free(out);
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return oms_cli_done(cli, code);
}

/*
 * The test hook of a bundled adapter: the variable var (such as
 * OMS_OFFLINE_FAULT) makes it break as the tests of its callers need,
 * once its request is read: hang, crash, garbage (not JSON, exit 0),
 * fail (exit 3), refuse (exit 1) or later (exit 75).  Unset or empty,
 * nothing.  oms_call_fault_known says whether f is one of them.
 */
int
oms_call_fault_known(const char *f)
{
	static const char *const faults[] = { "hang", "crash", "garbage",
	    "fail", "refuse", "later" };

	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
		if (strcmp(f, faults[i]) == 0)
			return 1;
	return 0;
}

void
oms_call_fault(const char *var, const char *f)
{
	if (f == NULL || *f == '\0')
		return;
	if (strcmp(f, "hang") == 0)
		sleep(3600);
	else if (strcmp(f, "crash") == 0)
		abort();
	else if (strcmp(f, "garbage") == 0) {
		printf("this is not JSON\n");
		efshut();
		exit(OMS_EXIT_OK);
	} else if (strcmp(f, "fail") == 0)
		oms_die(OMS_EXIT_FATAL, "failing, as %s=fail asks", var);
	else if (strcmp(f, "refuse") == 0)
		oms_die(OMS_CALL_EXIT_REFUSED, "refusing, as %s=refuse asks",
		    var);
	else if (strcmp(f, "later") == 0)
		oms_die(OMS_CALL_EXIT_LATER, "busy, as %s=later asks", var);
}
