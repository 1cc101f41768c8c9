/*
 * call.h: adapter programs, oms-KIND-NAME (oms-adapters(7)).
 */
#ifndef OMS_CALL_H
#define OMS_CALL_H

#include "oms.h"

/*
 * call.c, for the kinds carrier, tax and payment: the exit statuses of
 * the convention, and what came of a call.
 */
enum {
	OMS_CALL_EXIT_REFUSED = 1,	/* the service said no */
	OMS_CALL_EXIT_PROTOCOL = 2,	/* the request or verb not understood */
	OMS_CALL_EXIT_LATER = 75	/* EX_TEMPFAIL: try again later */
};
enum {
	OMS_CALL_OK,		/* answered */
	OMS_CALL_REFUSED,	/* refused: asking again changes nothing */
	OMS_CALL_PROTOCOL,	/* the adapter did not understand the request */
	OMS_CALL_LATER,		/* nothing done; ask again later, same id */
	OMS_CALL_FAILED		/* not found, crashed, hung, garbage, failed */
};
int oms_call(const char *kind, const char *name, const char *verb,
    const cJSON *req, cJSON **reply, int *outcome);
int oms_call_one(const char *kind, const char *name, const char *verb,
    const cJSON *req, const cJSON *one, cJSON **reply);
struct oms_cli;
typedef cJSON *(*oms_call_fn)(const cJSON *req, const char *rid);
char *oms_call_request(size_t max, size_t *len);
int oms_call_serve(struct oms_cli *cli, size_t max, void (*hook)(void *),
    void *arg, oms_call_fn fn, int refused);
int oms_call_fault_known(const char *f);
void oms_call_fault(const char *var, const char *f);
int oms_channel_settings(const char *channel, const cJSON **out);
int oms_channel_adapter(const char *channel, const char *kind,
    const char **name);

#endif
