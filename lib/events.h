/* events.h: the event stream (oms events), read from the outbox. */
#ifndef OMS_EVENTS_H
#define OMS_EVENTS_H

#include <signal.h>
#include <stdint.h>

/* What to read: the events after seq after, those of the types given. */
struct oms_events_sel {
	int64_t after;
	char **types;		/* fnmatch patterns: "order.*" */
	int ntypes;
	long limit;		/* events given at most; 0 for all */
	int64_t through;	/* none after this seq; 0 for no bound */
};

/*
 * The events of sel in order, a record each to fn; *last is the seq of
 * the last event looked at, given or passed over, so a consumer's cursor
 * moves past what it does not take (sel->after when there was none).
 * *n counts those given.
 */
int oms_events_read(oms_db *db, const struct oms_events_sel *sel,
    oms_rec_fn fn, void *arg, int64_t *last, long *n);
/* The seq of the newest event, 0 when there is none. */
int oms_events_head(oms_db *db, int64_t *out);

/* A consumer: a reader by name, and where it stands. */
struct oms_consumer {
	int64_t id;
	char name[65];
	int64_t acked;		/* the last seq it acknowledged */
	int64_t pending;	/* the last of the batch handed to its program
				   and not acknowledged; 0 for none */
};

/* Find consumer name, made when create is set; OMS_REJECT when unknown. */
int oms_events_consumer(oms_db *db, const char *name, int create,
    struct oms_consumer *c);
/* Read again where c stands; OMS_REJECT once it was forgotten. */
int oms_events_reread(oms_db *db, struct oms_consumer *c);
/*
 * c has read through seq: its place moves there, never back (*moved 0
 * when it was there or beyond), and a batch pending through seq or
 * before is done; c->acked is then where it stands.  OMS_REJECT for a
 * seq not yet given, or a consumer forgotten meanwhile.
 */
int oms_events_ack(oms_db *db, struct oms_consumer *c, int64_t seq,
    int *moved);
/* c is handed the events through seq: a retry is bounded there. */
int oms_events_pending(oms_db *db, struct oms_consumer *c, int64_t seq);
int oms_events_consumers(oms_db *db, oms_rec_fn fn, void *arg);
int oms_events_forget(oms_db *db, const char *name);
/*
 * Delete the events every consumer acknowledged and made before
 * before (an ISO time, or NULL), never the newest; *n deleted, *through
 * the last seq deleted.
 */
int oms_events_prune(oms_db *db, const char *before, int64_t *n,
    int64_t *through);
int oms_events_valid_consumer(const char *name);
int oms_events_type_valid(const char *pattern);

/*
 * One reader per consumer at a time: a lock on its byte of the file
 * beside the database (DB-events), held until the process ends, so a
 * kill -9 frees it.  OMS_BUSY when another process holds it.
 */
int oms_events_lock(oms_db *db, int64_t consumer_id);

/*
 * Waiting for the next change without polling: a watch (inotify) on the
 * database's directory for writes to it or its write-ahead log, set up
 * before the first read so nothing committed in between is missed.
 */
struct oms_events_watch;
int oms_events_watch(oms_db *db, struct oms_events_watch **out);
/*
 * 1 when something changed, 0 after timeout_ms, -1 when interrupted;
 * mask, the signals it may be interrupted by unblocked (see ppoll(2)).
 */
int oms_events_wait(struct oms_events_watch *w, int timeout_ms,
    const sigset_t *mask);
void oms_events_unwatch(struct oms_events_watch *w);

#endif
