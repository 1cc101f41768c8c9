/* events.h: the event stream (oms events), read from the outbox. */
#ifndef OMS_EVENTS_H
#define OMS_EVENTS_H

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

/*
 * A consumer's id, what it acknowledged, and the last seq of the batch
 * it was handed and has not acknowledged (0 for none); OMS_REJECT when
 * unknown.
 */
int oms_events_consumer(oms_db *db, const char *name, int create,
    int64_t *id, int64_t *acked, int64_t *pending);
/* name is handed the events through seq: a retry is bounded there. */
int oms_events_pending(oms_db *db, const char *name, int64_t seq);
/*
 * name has read through seq: its cursor moves there, never back (*moved
 * 0 when it was there or beyond), and a batch pending through seq or
 * before is done.  OMS_REJECT for a seq not yet given.
 */
int oms_events_ack(oms_db *db, const char *name, int64_t seq, int *moved);
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
/* 1 when something changed, 0 after timeout_ms, -1 when interrupted. */
int oms_events_wait(struct oms_events_watch *w, int timeout_ms);
void oms_events_unwatch(struct oms_events_watch *w);

#endif
