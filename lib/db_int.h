/* db_int.h: what db.c and schema.c share and nothing else sees. */
#ifndef OMS_DB_INT_H
#define OMS_DB_INT_H

struct oms_check {
	const char *name;
	const char *sql;
};

extern const char *const oms_migrations[];
extern const int oms_nmigrations;
extern const struct oms_check oms_checks[];
extern const int oms_nchecks;

#endif
