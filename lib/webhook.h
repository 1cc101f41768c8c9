/* webhook.h: posting a batch of events to a URL, signed (webhook.c). */
#ifndef OMS_WEBHOOK_H
#define OMS_WEBHOOK_H

#include <stddef.h>

#include "oms.h"

/* An account: webhooks/NAME.json on the search path. */
struct oms_webhook {
	char *name;
	char *url;		/* http:// or https:// */
	char *secret;		/* the HMAC key */
	char **headers;		/* "Name: value", each checked */
	int nheaders;
	int retries;		/* tries after the first */
	int timeout;		/* seconds a try may take */
	cJSON *doc;
};

int oms_webhook_load(const char *name, struct oms_webhook *w);
void oms_webhook_free(struct oms_webhook *w);

/*
 * The body of a batch read as JSON lines: {"consumer", "first", "last",
 * "events": [...]}, consumer when given, first and last when both are
 * numbers; each event as it came, checked to be one JSON object in
 * UTF-8.  The number of events, or OMS_ERR naming the line that is not.
 */
int oms_webhook_body(const char *lines, size_t n, const char *consumer,
    const char *first, const char *last, struct oms_buf *body);

/* HMAC-SHA256 of data under key, as 64 lowercase hex digits. */
void oms_hmac_sha256_hex(const char *key, size_t klen, const void *data,
    size_t n, char out[65]);

/*
 * Post body to the account's URL with its signature, delivery id and
 * headers, through curl(1) run with execv, the URL and headers given it on
 * a pipe rather than its command line; try again after 1, 2, 4 ... 60 s,
 * retries times.  OMS_OK when the receiver answered 2xx; *status is its
 * last HTTP status (0 when none came).
 */
int oms_webhook_post(const struct oms_webhook *w, const struct oms_buf *body,
    const char *delivery, int *status);

#endif
