/*
 * oms-payment-ledger: the bundled payment adapter.  It moves no money
 * and calls nobody: it records, a JSON line each, every capture and
 * refund it is asked for and what it answered, in a ledger file, so
 * that what would be charged and paid back can be read and checked.  It
 * answers as a payment service does (amounts in minor units, an
 * idempotency key, partial captures with more to come): the same key
 * asked again gets the first answer again, a key used again for
 * anything else is refused, and it refuses to capture beyond what was
 * authorised or to refund beyond what was captured.  oms-ship(1) runs it
 * as it runs any payment adapter (oms-adapters(7)); oms-payment-ledger(1)
 * has the protocol.
 *
 * The ledger is the file its account names (payments/ledger.json on the
 * search path: {"file": "PATH"}), else payment-ledger.jsonl in the
 * working directory.  It is made mode 0600, never through a symbolic
 * link, and appended to under an exclusive lock, so that runs at the
 * same time see each other's lines.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "call.h"
#include "cli.h"

#define REQUEST_MAX (1 << 20)	/* bytes of request at most */
#define LEDGER_DEFAULT "payment-ledger.jsonl"
#define AMOUNT_MAX 9007199254740991.0	/* 2^53 - 1: exact in JSON */

static cJSON *
refusal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static cJSON *
refusal(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	cJSON *r = cJSON_CreateObject();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON_AddFalseToObject(r, "ok");
	cJSON_AddStringToObject(r, "error", msg);
	return r;
}

/* A whole number of minor units, 0 to 2^53 - 1. */
static int
amount_in(const cJSON *req, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 &&
	    v->valuedouble <= AMOUNT_MAX) ||
	    (double)(int64_t)v->valuedouble != v->valuedouble)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int
text_in(const cJSON *req, const char *key, int need, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return need ? -1 : 0;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    strlen(v->valuestring) > 200 ||
	    !oms_utf8_valid(v->valuestring, strlen(v->valuestring)))
		return -1;
	*out = v->valuestring;
	return 0;
}

/* ---- the ledger file ------------------------------------------------ */

/*
 * Open the ledger for reading and appending, made 0600 when missing and
 * never through a symbolic link; a file with other names (hard links)
 * may be another's, and is refused.
 */
static int
ledger_open(const char *path)
{
	struct stat sb;
	int fd;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
		    O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		oms_die(OMS_EXIT_FATAL, "cannot open the ledger '%s': %s", path,
		    errno == ELOOP ? "it is a symbolic link" : strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		oms_die(OMS_EXIT_FATAL, "the ledger '%s' is not a regular file",
		    path);
	if (sb.st_nlink > 1)
		oms_die(OMS_EXIT_FATAL, "the ledger '%s' has %ld names (hard "
		    "links), so it may be another file: nothing written",
		    path, (long)sb.st_nlink);
	fcntl(fd, F_SETFL, O_APPEND);
	if (flock(fd, LOCK_EX) != 0)
		oms_die(OMS_EXIT_FATAL, "cannot lock the ledger '%s': %s",
		    path, strerror(errno));
	return fd;
}

/* Every line of the ledger, each a JSON object, in order. */
static cJSON *
ledger_read(int fd, const char *path)
{
	struct oms_buf b = { 0 };
	char chunk[65536];
	cJSON *all = cJSON_CreateArray();
	off_t off = 0;
	ssize_t k;
	long ln = 0;
	char *p, *nl;

	while ((k = pread(fd, chunk, sizeof chunk, off)) > 0) {
		oms_buf_add(&b, chunk, (size_t)k);
		off += k;
	}
	if (k < 0)
		oms_die(OMS_EXIT_FATAL, "cannot read the ledger '%s': %s", path,
		    strerror(errno));
	for (p = b.s; p != NULL && *p != '\0'; p = nl + 1) {
		cJSON *o;

		ln++;
		if ((nl = strchr(p, '\n')) == NULL)
			oms_die(OMS_EXIT_FATAL, "%s:%ld: a line with no end: the "
			    "ledger was cut short; nothing written", path, ln);
		o = cJSON_ParseWithLength(p, (size_t)(nl - p));
		if (!cJSON_IsObject(o))
			oms_die(OMS_EXIT_FATAL, "%s:%ld: not a JSON object; "
			    "nothing written", path, ln);
		cJSON_AddItemToArray(all, o);
	}
	oms_buf_free(&b);
	return all;
}

static void
ledger_append(int fd, const char *path, const cJSON *line)
{
	char *text = oms_json_print(line);
	struct oms_buf b = { 0 };
	size_t off = 0;

	oms_buf_adds(&b, text);
	oms_buf_addc(&b, '\n');
	free(text);
	while (off < b.len) {
		ssize_t w = write(fd, b.s + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			oms_die(OMS_EXIT_FATAL, "cannot write the ledger '%s': "
			    "%s", path, strerror(errno));
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		oms_die(OMS_EXIT_FATAL, "cannot write the ledger '%s': %s",
		    path, strerror(errno));
	oms_buf_free(&b);
}

/* ---- the verbs ------------------------------------------------------- */

/* The fields of an entry that make its request: the same key, the same. */
static const char *const params[] = {
	"verb", "reference", "currency", "amount", "final", "refund", NULL
};

static int
same_request(const cJSON *a, const cJSON *b)
{
	for (int i = 0; params[i] != NULL; i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, params[i]);
		const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, params[i]);

		if ((x == NULL) != (y == NULL) || (x != NULL &&
		    !cJSON_Compare(x, y, 1)))
			return 0;
	}
	return 1;
}

/*
 * The answer to entry e (the request as the ledger keeps it), given the
 * lines before: what this reference had captured and refunded.
 */
static cJSON *
answer(const cJSON *all, cJSON *e, int64_t authorized, int capture)
{
	const char *ref = oms_json_str(e, "reference");
	const char *cur = oms_json_str(e, "currency");
	int64_t amount = 0, captured = 0, refunded = 0;
	int final = 0, n = 0;
	const cJSON *l;
	cJSON *r;
	char id[32];

	oms_json_int(e, "amount", &amount);
	cJSON_ArrayForEach(l, all) {
		const cJSON *rep = cJSON_GetObjectItemCaseSensitive(l, "reply");
		int64_t a = 0;

		n++;
		if (strcmp(oms_json_str(l, "reference") ?
		    oms_json_str(l, "reference") : "", ref) != 0 ||
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "ok")))
			continue;
		if (strcmp(oms_json_str(l, "currency") ?
		    oms_json_str(l, "currency") : "", cur) != 0)
			return refusal("payment %s is in %s, not %s", ref,
			    oms_json_str(l, "currency"), cur);
		oms_json_int(l, "amount", &a);
		if (strcmp(oms_json_str(l, "verb"), "capture") == 0) {
			captured += a;
			final |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			    l, "final"));
		} else
			refunded += a;
	}
	if (capture) {
		if (final)
			return refusal("payment %s was captured in full (a "
			    "final capture): nothing more to capture", ref);
		if (captured + amount > authorized)
			return refusal("capture of %lld on payment %s is more "
			    "than is authorised and not captured (%lld of %lld "
			    "captured)", (long long)amount, ref,
			    (long long)captured, (long long)authorized);
		captured += amount;
	} else {
		if (amount > captured - refunded)
			return refusal("refund of %lld on payment %s is more "
			    "than is captured and not refunded (%lld captured, "
			    "%lld refunded)", (long long)amount, ref,
			    (long long)captured, (long long)refunded);
		refunded += amount;
	}
	r = cJSON_CreateObject();
	cJSON_AddTrueToObject(r, "ok");
	snprintf(id, sizeof id, "%s_%d", capture ? "cap" : "ref", n + 1);
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "status", "succeeded");
	cJSON_AddNumberToObject(r, "amount", (double)amount);
	cJSON_AddStringToObject(r, "currency", cur);
	cJSON_AddNumberToObject(r, "amount_captured", (double)captured);
	cJSON_AddNumberToObject(r, "amount_refunded", (double)refunded);
	return r;
}

/* The ledger's path: the account's "file", else the default. */
static const char *
ledger_path(const cJSON *req, cJSON **why)
{
	const cJSON *acct = cJSON_GetObjectItemCaseSensitive(req, "account");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(acct, "file");

	*why = NULL;
	if (acct == NULL || cJSON_IsNull(acct) || f == NULL)
		return LEDGER_DEFAULT;
	if (!cJSON_IsString(f) || f->valuestring[0] == '\0') {
		*why = refusal("the account's \"file\" must be the ledger's "
		    "path");
		return NULL;
	}
	return f->valuestring;
}

/*
 * One request: checked, answered from the ledger (again, for a key it
 * has), recorded.
 */
static cJSON *
serve_request(const cJSON *req, int capture, const char *f)
{
	const char *key, *ref, *cur, *refund = NULL, *reason = NULL, *path;
	int64_t amount, authorized = 0;
	cJSON *e, *all, *r, *why;
	const cJSON *l;
	char now[OMS_TIME_LEN];
	int fd;

	if (text_in(req, "idempotency_key", 0, &key) != 0)
		return refusal("idempotency_key must be a string that is not "
		    "empty");
	if (key == NULL)
		key = oms_json_str(req, "request_id");
	if (text_in(req, "reference", 1, &ref) != 0)
		return refusal("reference must be the payment's reference");
	if (text_in(req, "currency", 1, &cur) != 0 ||
	    !oms_currency_valid(cur))
		return refusal("currency must be a currency code such as "
		    "\"USD\"");
	if (amount_in(req, "amount", &amount) != 0 || amount == 0)
		return refusal("amount must be a whole number of minor units "
		    "above 0");
	if (capture && amount_in(req, "amount_authorized", &authorized) != 0)
		return refusal("amount_authorized must be a whole number of "
		    "minor units");
	if (capture && cJSON_HasObjectItem(req, "final_capture") &&
	    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(req,
	    "final_capture")))
		return refusal("final_capture must be true or false");
	if (!capture && (text_in(req, "refund", 0, &refund) != 0 ||
	    text_in(req, "reason", 0, &reason) != 0))
		return refusal("refund and reason must be strings");
	if ((path = ledger_path(req, &why)) == NULL)
		return why;

	oms_time_now(now);
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "at", now);
	cJSON_AddStringToObject(e, "verb", capture ? "capture" : "refund");
	cJSON_AddStringToObject(e, "key", key);
	cJSON_AddStringToObject(e, "reference", ref);
	cJSON_AddStringToObject(e, "currency", cur);
	cJSON_AddNumberToObject(e, "amount", (double)amount);
	if (capture)
		cJSON_AddBoolToObject(e, "final", cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(req, "final_capture")));
	if (refund != NULL)
		cJSON_AddStringToObject(e, "refund", refund);
	if (reason != NULL)
		cJSON_AddStringToObject(e, "reason", reason);

	fd = ledger_open(path);
	all = ledger_read(fd, path);
	cJSON_ArrayForEach(l, all) {
		if (strcmp(oms_json_str(l, "key") ? oms_json_str(l, "key") :
		    "", key) != 0)
			continue;
		/* The first answer, again; another request, refused. */
		if (same_request(l, e))
			r = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(l,
			    "reply"), 1);
		else
			r = refusal("idempotency key %s was used for another "
			    "request", key);
		cJSON_Delete(e);
		cJSON_Delete(all);
		close(fd);
		return r;
	}
	r = answer(all, e, authorized, capture);
	cJSON_AddItemToObject(e, "reply", cJSON_Duplicate(r, 1));
	ledger_append(fd, path, e);
	cJSON_Delete(e);
	cJSON_Delete(all);
	/* Recorded, and never answered: as a run killed at this point. */
	if (f != NULL && strcmp(f, "stall") == 0)
		sleep(3600);
	close(fd);
	return r;
}

/* Break as OMS_LEDGER_FAULT asks (oms-payment-ledger(1)), before work. */
static void
fault_hook(void *f)
{
	oms_call_fault("OMS_LEDGER_FAULT", f);
}

static cJSON *
do_capture(const cJSON *req, const char *rid)
{
	return serve_request(req, 1, getenv("OMS_LEDGER_FAULT"));
}

static cJSON *
do_refund(const cJSON *req, const char *rid)
{
	return serve_request(req, 0, getenv("OMS_LEDGER_FAULT"));
}

/* One request on stdin, one reply on stdout; a refusal exits 1. */
static int
serve(struct oms_cli *cli, int capture)
{
	const char *f = getenv("OMS_LEDGER_FAULT");

	if (f != NULL && *f != '\0' && !oms_call_fault_known(f) &&
	    strcmp(f, "stall") != 0)
		oms_die(OMS_EXIT_USAGE, "unknown OMS_LEDGER_FAULT '%.32s': "
		    "hang, crash, garbage, fail, refuse, later or stall", f);
	return oms_call_serve(cli, REQUEST_MAX, fault_hook, (void *)f,
	    capture ? do_capture : do_refund, OMS_CALL_EXIT_REFUSED);
}

static int
capture(struct oms_cli *cli)
{
	return serve(cli, 1);
}

static int
refund(struct oms_cli *cli)
{
	return serve(cli, 0);
}

static const struct oms_opt no_opts[] = { OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ "capture", capture, "< request.json", "capture an amount of an "
	    "authorised payment", no_opts },
	{ "refund", refund, "< request.json", "pay back an amount captured",
	    no_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
