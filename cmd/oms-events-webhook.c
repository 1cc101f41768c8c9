/*
 * oms-events-webhook: post a batch of events to a webhook, signed.
 *
 * Made to be run by `oms-events --exec`: the events come as JSON lines on
 * stdin, the consumer and the batch's first and last seq in the
 * environment.  The batch goes in one POST, as {"consumer", "first",
 * "last", "events"}, to the URL of the account named (webhooks/NAME.json
 * on the search path), signed with HMAC-SHA256 under its secret; tried
 * again with backoff.  Exit 0 once the receiver said 2xx, so that
 * oms-events acknowledges the batch; 3 when it never did, so that the
 * batch comes again.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "cli.h"
#include "webhook.h"

#define BODY_MAX (64 << 20)	/* bytes of events in a batch at most */

static int
post(struct oms_cli *cli)
{
	const char *consumer = getenv("OMS_EVENTS_CONSUMER");
	const char *first = getenv("OMS_EVENTS_FIRST");
	const char *last = getenv("OMS_EVENTS_LAST");
	struct oms_buf in = { 0 }, body = { 0 }, id = { 0 };
	struct oms_webhook w;
	char sig[65];
	int rc, status, n;

	while (oms_cli_next(cli) != -1)
		;
	if (cli->argc != 1)
		oms_cli_usage(cli, "name one webhook account");
	/* A closed stdout is not a pipe's: curl's fds are where they go. */
	oms_std_fds();
	if (isatty(STDIN_FILENO))
		oms_cli_usage(cli, "the events come on stdin (oms-events "
		    "--exec runs this)");
	if ((rc = oms_webhook_load(cli->argv[0], &w)) != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (oms_slurp(stdin, &in) != OMS_OK)
		oms_die(OMS_EXIT_FATAL, "cannot read the events: %s",
		    oms_error());
	if (in.len > BODY_MAX)
		oms_die(OMS_EXIT_FATAL, "a batch of %zu bytes: %d MB at most; "
		    "give oms-events a smaller --batch", in.len, BODY_MAX >> 20);
	if (consumer != NULL && !oms_valid_name(consumer))
		consumer = NULL;
	if ((n = oms_webhook_body(in.s ? in.s : "", in.len, consumer, first,
	    last, &body)) < 0)
		oms_die(OMS_EXIT_FATAL, "%s", oms_error());
	if (n == 0) {
		if (oms_cli_summary(cli))
			fprintf(stderr, "%s: %s: no events, nothing sent\n",
			    oms_progname, w.name);
		oms_webhook_free(&w);
		oms_buf_free(&in);
		oms_buf_free(&body);
		return oms_cli_done(cli, OMS_EXIT_OK);
	}
	/* The same on every retry of the batch: the receiver's dedup key. */
	if (consumer != NULL && strstr(body.s, "\"first\":") != NULL)
		oms_buf_printf(&id, "%s:%s-%s", consumer, first, last);
	else {
		oms_hmac_sha256_hex("oms-delivery", 12, body.s, body.len, sig);
		oms_buf_printf(&id, "%.32s", sig);
	}
	rc = oms_webhook_post(&w, &body, id.s, &status);
	if (rc != OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	if (oms_cli_summary(cli))
		fprintf(stderr, "%s: %s: delivered %s (HTTP %d)\n",
		    oms_progname, w.name, id.s, status);
	oms_webhook_free(&w);
	oms_buf_free(&in);
	oms_buf_free(&body);
	oms_buf_free(&id);
	return oms_cli_done(cli, OMS_EXIT_OK);
}

static const struct oms_opt opts[] = { OMS_OPT_QUIET, OMS_OPT_VERBOSE,
	OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ NULL, post, "[-qv] ACCOUNT < BATCH", "post a batch of events to "
	    "the webhook of ACCOUNT, signed", opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
