/*
 * webhook.c: a batch of events posted to a URL, signed.
 *
 * The account, webhooks/NAME.json on the search path, names the URL, the
 * secret and any headers the receiver wants; none of them is ever put on
 * a command line, where ps(1) would show it.  The body is signed with
 * HMAC-SHA256 under the secret (OpenSSL's, not one of our own) in the
 * header X-Oms-Signature: sha256=HEX, as GitHub signs its webhooks, and
 * carries a delivery id (X-Oms-Delivery) that is the same on every retry
 * of a batch, for the receiver to drop a batch it has had.  curl(1) does
 * the HTTP, run with execv and given its URL and headers as a config on
 * a pipe; only http and https are allowed, and redirects are not
 * followed.
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
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "oms.h"
#include "webhook.h"

#define BACKOFF_MAX 60	/* seconds between tries at most */

void
oms_hmac_sha256_hex(const char *key, size_t klen, const void *data,
    size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)klen, data, n, md, &mdlen);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

/* Text that may go in a header or a curl config: no control character. */
static int
clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
bad(const char *path, const char *fmt, const char *what)
{
	return oms_fail(OMS_E_ADAPTER, "webhook account '%s': %s%s", path, fmt,
	    what);
}

/* A whole number of a member, between lo and hi, or its default. */
static int
number(const cJSON *doc, const char *key, int lo, int hi, int *out,
    const char *path)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);

	if (v == NULL)
		return OMS_OK;
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
	    v->valuedouble != (double)(int)v->valuedouble)
		return oms_fail(OMS_E_ADAPTER, "webhook account '%s': %s is "
		    "not a whole number from %d to %d", path, key, lo, hi);
	*out = (int)v->valuedouble;
	return OMS_OK;
}

int
oms_webhook_load(const char *name, struct oms_webhook *w)
{
	struct oms_buf rel = { 0 };
	const cJSON *v, *h;
	char *text, *path;
	struct stat sb;
	int rc;

	memset(w, 0, sizeof *w);
	w->retries = 5;
	w->timeout = 30;
	if (!oms_valid_name(name) || strlen(name) > 64)
		return oms_fail(OMS_E_USAGE, "'%s' is not a webhook account "
		    "name (a-z, 0-9, '-' and '_')", name);
	oms_buf_printf(&rel, "webhooks/%s.json", name);
	rc = oms_search_read(rel.s, &text, &path);
	if (rc == OMS_EOF)
		rc = oms_fail(OMS_E_ADAPTER, "no webhook account %s (%s on the "
		    "search path)", name, rel.s);
	oms_buf_free(&rel);
	if (rc != OMS_OK)
		return rc;
	/* The secret is the owner's alone, as ssh has it of a key. */
	if (stat(path, &sb) == 0 && (sb.st_mode & 066))
		oms_warnx("webhook account file '%s' is mode %04o: its secret "
		    "can be read or changed by others; chmod 600 it", path,
		    (unsigned)(sb.st_mode & 07777));
	w->name = estrdup(name);
	w->doc = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(w->doc))
		rc = bad(path, "not a JSON object", "");
	else if (!cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(w->doc,
	    "url")) || (strncmp(v->valuestring, "https://", 8) != 0 &&
	    strncmp(v->valuestring, "http://", 7) != 0) ||
	    !clean(v->valuestring) || strchr(v->valuestring, ' ') != NULL)
		rc = bad(path, "url must be an http:// or https:// URL", "");
	else {
		w->url = v->valuestring;
		v = cJSON_GetObjectItemCaseSensitive(w->doc, "secret");
		if (!cJSON_IsString(v) || strlen(v->valuestring) < 16)
			rc = bad(path, "secret must be text of 16 characters "
			    "or more", "");
		else
			w->secret = v->valuestring;
	}
	if (rc == OMS_OK)
		rc = number(w->doc, "retries", 0, 20, &w->retries, path);
	if (rc == OMS_OK)
		rc = number(w->doc, "timeout", 1, 600, &w->timeout, path);
	h = cJSON_GetObjectItemCaseSensitive(w->doc, "headers");
	if (rc == OMS_OK && h != NULL && !cJSON_IsObject(h))
		rc = bad(path, "headers must be an object", "");
	if (rc != OMS_OK)
		h = NULL;
	cJSON_ArrayForEach(v, h) {
		struct oms_buf line = { 0 };
		const char *k = v->string;

		if (!cJSON_IsString(v) || !clean(v->valuestring) || *k == '\0' ||
		    k[strcspn(k, ":()<>@,;\\\"/[]?={} \t")] != '\0' ||
		    !clean(k)) {
			rc = bad(path, "a header is not a name and a line of "
			    "text: ", k);
			break;
		}
		oms_buf_printf(&line, "%s: %s", k, v->valuestring);
		w->headers = erealloc(w->headers, (size_t)(w->nheaders + 1) *
		    sizeof *w->headers);
		w->headers[w->nheaders++] = line.s;
	}
	free(path);
	if (rc != OMS_OK)
		oms_webhook_free(w);
	return rc;
}

void
oms_webhook_free(struct oms_webhook *w)
{
	for (int i = 0; i < w->nheaders; i++)
		free(w->headers[i]);
	free(w->headers);
	free(w->name);
	cJSON_Delete(w->doc);
	memset(w, 0, sizeof *w);
}

/* A seq for the body: digits, no leading zero, as JSON has a number. */
static int
seq_ok(const char *s)
{
	return s != NULL && oms_all_digits(s) && strlen(s) < 19 &&
	    (s[0] != '0' || s[1] == '\0');
}

int
oms_webhook_body(const char *lines, size_t n, const char *consumer,
    const char *first, const char *last, struct oms_buf *body)
{
	const char *p = lines, *end = lines + n;
	long line = 0;
	int nev = 0;

	oms_buf_adds(body, "{");
	if (consumer != NULL) {
		cJSON *s = cJSON_CreateString(consumer);
		char *t = oms_json_print(s);

		oms_buf_printf(body, "\"consumer\":%s,", t);
		free(t);
		cJSON_Delete(s);
	}
	if (seq_ok(first) && seq_ok(last))
		oms_buf_printf(body, "\"first\":%s,\"last\":%s,", first, last);
	oms_buf_adds(body, "\"events\":[");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *a = p, *z = p + len, *stop = NULL;
		cJSON *j;

		line++;
		p += len + (nl != NULL);
		while (a < z && (*a == ' ' || *a == '\t'))
			a++;
		while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\r'))
			z--;
		if (a == z)
			continue;
		if (memchr(a, '\0', (size_t)(z - a)) != NULL ||
		    !oms_utf8_valid(a, (size_t)(z - a)))
			return oms_fail_at(OMS_E_INPUT, "<stdin>", line,
			    "not UTF-8 text");
		/* One object, whole: nothing after it is dropped unsaid. */
		j = cJSON_ParseWithLengthOpts(a, (size_t)(z - a), &stop, 0);
		if (!cJSON_IsObject(j) || stop != z) {
			cJSON_Delete(j);
			return oms_fail_at(OMS_E_INPUT, "<stdin>", line,
			    "not a JSON object");
		}
		cJSON_Delete(j);
		/* As it came: its numbers are not printed again, and changed. */
		if (nev++ > 0)
			oms_buf_addc(body, ',');
		oms_buf_add(body, a, (size_t)(z - a));
	}
	oms_buf_adds(body, "]}");
	return nev;
}

/* A curl config value: quoted, with \ and " escaped. */
static void
config(struct oms_buf *b, const char *key, const char *value)
{
	oms_buf_printf(b, "%s = \"", key);
	for (const char *s = value; *s; s++) {
		if (*s == '\\' || *s == '"')
			oms_buf_addc(b, '\\');
		oms_buf_addc(b, *s);
	}
	oms_buf_adds(b, "\"\n");
}

/* Write all of b to fd; 0 when it was taken whole. */
static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One try: curl's exit status, and the HTTP status in *status. */
static int
try_post(const char *curl, const struct oms_buf *cfg,
    const struct oms_buf *body, int *status)
{
	int cfgp[2], in[2], out[2], st = 0;
	char code[16] = "";
	size_t got = 0;
	pid_t pid;
	void (*old)(int);

	*status = 0;
	if (pipe(cfgp) != 0)
		return -1;
	/* The config is small: the pipe holds it before curl reads it. */
	if (cfg->len >= 65536 || write_all(cfgp[1], cfg->s, cfg->len) != 0) {
		close(cfgp[0]);
		close(cfgp[1]);
		errno = E2BIG;
		return -1;
	}
	close(cfgp[1]);
	if (pipe(in) != 0 || pipe(out) != 0 || (pid = fork()) < 0) {
		close(cfgp[0]);
		return -1;
	}
	if (pid == 0) {
		/* -q first: no ~/.curlrc, whose options would be ours. */
		char *const av[] = { (char *)curl, "-q", "--config",
		    "/dev/fd/3", NULL };

		dup2(in[0], 0);
		dup2(out[1], 1);
		if (cfgp[0] != 3) {
			dup2(cfgp[0], 3);
			close(cfgp[0]);
		}
		closefrom(4);
		execv(curl, av);
		_exit(127);
	}
	close(cfgp[0]);
	close(in[0]);
	close(out[1]);
	old = signal(SIGPIPE, SIG_IGN);
	write_all(in[1], body->s, body->len);
	close(in[1]);
	signal(SIGPIPE, old);
	for (;;) {
		ssize_t r = read(out[0], code + got, sizeof code - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof code - 1)
			break;
	}
	close(out[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	code[got] = '\0';
	*status = atoi(code);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int
oms_webhook_post(const struct oms_webhook *w, const struct oms_buf *body,
    const char *delivery, int *status)
{
	char curl[PATH_MAX], sig[65], num[16];
	struct oms_buf cfg = { 0 }, hdr = { 0 };
	int delay = 1, rc = OMS_ERR;

	if (oms_find_program("curl", curl, sizeof curl) != 0)
		return oms_fail(OMS_E_ADAPTER, "webhook %s: no curl on PATH "
		    "(make deps installs it)", w->name);
	oms_hmac_sha256_hex(w->secret, strlen(w->secret), body->s, body->len,
	    sig);
	config(&cfg, "url", w->url);
	/* No {a,b} or [1-5] in a URL makes it several requests. */
	oms_buf_adds(&cfg, "silent\nshow-error\ngloboff\n");
	config(&cfg, "proto", "=http,https");
	config(&cfg, "request", "POST");
	config(&cfg, "data-binary", "@-");
	config(&cfg, "output", "/dev/null");
	config(&cfg, "write-out", "%{http_code}");
	snprintf(num, sizeof num, "%d", w->timeout);
	config(&cfg, "max-time", num);
	config(&cfg, "header", "Content-Type: application/json");
	config(&cfg, "header", "User-Agent: oms/" OMS_VERSION);
	oms_buf_printf(&hdr, "X-Oms-Delivery: %s", delivery);
	config(&cfg, "header", hdr.s);
	oms_buf_reset(&hdr);
	oms_buf_printf(&hdr, "X-Oms-Signature: sha256=%s", sig);
	config(&cfg, "header", hdr.s);
	for (int i = 0; i < w->nheaders; i++)
		config(&cfg, "header", w->headers[i]);
	for (int t = 0; t <= w->retries; t++) {
		int x = try_post(curl, &cfg, body, status);

		if (x == 0 && *status >= 200 && *status < 300) {
			rc = OMS_OK;
			break;
		}
		if (x < 0) {
			rc = oms_fail(OMS_E_ADAPTER, "webhook %s: cannot run "
			    "curl: %s", w->name, strerror(errno));
			break;
		}
		oms_buf_reset(&hdr);
		if (x != 0)
			oms_buf_printf(&hdr, "curl exited %d", x);
		else
			oms_buf_printf(&hdr, "HTTP %d", *status);
		if (t == w->retries) {
			rc = oms_fail(OMS_E_ADAPTER, "webhook %s: %s after %d "
			    "tr%s", w->name, hdr.s, t + 1, t == 0 ? "y" : "ies");
			break;
		}
		oms_warnx("webhook %s: %s; again in %d s (%d of %d)", w->name,
		    hdr.s, delay, t + 1, w->retries);
		sleep((unsigned)delay);
		delay = delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2;
	}
	oms_buf_free(&cfg);
	oms_buf_free(&hdr);
	return rc;
}
