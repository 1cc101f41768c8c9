/*
 * db_int.h: what db.c, its drivers and schema.c share and nothing else
 * sees.
 *
 * A driver is a table of the few things an engine does differently, as
 * PowerDNS's generic SQL backends and Dovecot's lib-sql have it: db.c
 * keeps the statement cache, the binding of values, events and checks,
 * and asks the driver to connect, migrate, prepare, step and read.
 */
#ifndef OMS_DB_INT_H
#define OMS_DB_INT_H

#include <stddef.h>
#include <stdint.h>

struct oms_check {
	const char *name;
	const char *sql;
};

extern const char *const oms_migrations[];
extern const int oms_nmigrations;
extern const char *const oms_tables[];	/* parents first */
extern const int oms_ntables;
extern const struct oms_check oms_checks[];
extern const int oms_nchecks;

/* "oms1": the application id of every oms database (oms(7)). */
#define OMS_APP_ID 0x6f6d7331

/*
 * What a driver's calls return besides OMS_ROW and OMS_DONE: SQLite's
 * numbers, which the PostgreSQL driver maps its SQLSTATEs onto, so
 * oms_db_fail says the same sentence whatever the engine.
 */
#define OMS_DBE_OK 0
#define OMS_DBE_ERROR 1
#define OMS_DBE_BUSY 5
#define OMS_DBE_READONLY 8
#define OMS_DBE_CONSTRAINT 19

/* A statement: each driver's begins with this. */
struct oms_stmt {
	struct oms_db *db;
};

/* The statement cache: open addressing on the SQL text's address. */
struct oms_slot {
	const char *sql;
	struct oms_stmt *st;
};

struct oms_driver;

struct oms_db {
	const struct oms_driver *drv;
	void *h;		/* the driver's connection */
	char *path;		/* the file, or the URL without a password */
	int timeout_ms;
	int rows;		/* the transaction locks by row (db.c) */
	int queued;		/* and queued outbox rows */
	const char *ro;		/* why it is read-only, or NULL */
	size_t nstmt, cap;	/* cap is 0 or a power of two */
	struct oms_slot *stmt;
	void *aux;		/* the driver's own, freed by its close */
	int64_t uses;		/* oms_db_data_version where the driver has none */
	/* Outbox rows waiting for the commit (oms_db_outbox_defer). */
	int defer, nested;	/* asked; savepoints of oms_db_write open */
	struct outq {
		char *at;
		int64_t event_id, movement_id;
	} *outq;
	size_t noutq, capoutq;
};

struct oms_driver {
	const char *name;
	int dialect;
	const char *(*version)(void);
	/* Connect, identify and migrate; db->path and timeout are set. */
	int (*open)(struct oms_db *, const char *target, int flags);
	void (*close)(struct oms_db *);
	/* An engine code; *out is NULL on failure. */
	int (*prepare)(struct oms_db *, const char *sql, int cached,
	    struct oms_stmt **out);
	int (*step)(struct oms_stmt *);
	void (*reset)(struct oms_stmt *);
	void (*clear)(struct oms_stmt *);	/* unbind every value */
	void (*finalize)(struct oms_stmt *);
	int (*nparams)(struct oms_stmt *);
	void (*bind_int64)(struct oms_stmt *, int, int64_t);
	void (*bind_double)(struct oms_stmt *, int, double);
	void (*bind_null)(struct oms_stmt *, int);
	/* n < 0: up to the NUL; keep: s outlives the statement's reset. */
	void (*bind_text)(struct oms_stmt *, int, const char *, int n,
	    int keep);
	int (*col_null)(struct oms_stmt *, int);
	int64_t (*col_int64)(struct oms_stmt *, int);
	double (*col_double)(struct oms_stmt *, int);
	const char *(*col_text)(struct oms_stmt *, int);
	int (*ncols)(struct oms_stmt *);
	const char *(*col_name)(struct oms_stmt *, int);
	int64_t (*last_id)(struct oms_db *);
	int (*changes)(struct oms_db *);
	int (*in_tx)(struct oms_db *);
	int (*exec)(struct oms_db *, const char *sql);	/* engine code */
	int (*begin)(struct oms_db *);			/* engine code */
	/*
	 * Writers that lock the rows they change run beside one another
	 * where the engine locks by row: begin_rows begins one (NULL: the
	 * engine does not, and begin does).  Its outbox rows wait in
	 * outbox_queue's statement until commit, which adds them in commit
	 * order (NULL: COMMIT).
	 */
	int (*begin_rows)(struct oms_db *);		/* engine code */
	/* A read transaction: one snapshot for all its statements. */
	const char *begin_read;
	const char *outbox_queue;
	int (*commit)(struct oms_db *);			/* engine code */
	const char *(*errmsg)(struct oms_db *);
	int (*user_version)(struct oms_db *, int *);
	/* The checks only this engine has (integrity): OMS_OK or a status. */
	int (*check)(struct oms_db *, void (*fn)(void *, const char *,
	    const char *), void *arg, int *problems);
	/* Whether check name applies to this engine. */
	int (*check_applies)(const char *name);
	int (*set_cache_mb)(struct oms_db *, int);
	/* oms_db_temp_in_memory; NULL: the engine has nothing to do. */
	int (*temp_in_memory)(struct oms_db *);
	/* A long run of writes follows: the engine may take its upkeep
	 * (SQLite's checkpoints) off the writer's thread.  NULL: nothing
	 * to do. */
	int (*bulk)(struct oms_db *);
	/* A lock on (name, key) held until the process ends: OMS_OK or
	 * OMS_E_BUSY with the message left to the caller. */
	int (*hold)(struct oms_db *, const char *name, int64_t key);
	/* The descriptor that becomes readable when channel is notified,
	 * and whether it was; -1 where the engine has none. */
	int (*listen)(struct oms_db *, const char *channel);
	int (*notified)(struct oms_db *);
	/* Personal data erased: freed space zeroed (erasing, before), no
	 * old copy left in the engine's log or free space (scrub, after). */
	int (*erasing)(struct oms_db *);
	int (*scrub)(struct oms_db *, int *done);
	/* After rows came in with their ids: the next id is past them. */
	int (*sync_ids)(struct oms_db *, const char *table);
	/* A number another connection's commit moves (oms_db_data_version):
	 * OMS_OK or a status; NULL: the engine cannot say. */
	int (*data_version)(struct oms_db *, int64_t *out);
	/* A new row's id is the largest plus one, the writer alone
	 * (oms_db_ids_by_max). */
	int ids_by_max;
};

extern const struct oms_driver oms_sqlite_driver;
extern const struct oms_driver oms_pg_driver;

/* The PostgreSQL schema (schema_pg.c). */
extern const char oms_pg_schema[];
extern const int oms_pg_base;
extern const char *const oms_pg_migrations[];
extern const int oms_pg_nmigrations;

int oms_db_too_new(struct oms_db *, int version);

#endif
