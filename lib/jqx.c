/*
 * jqx.c: libjq runs jq programs; records travel as cJSON.  The two meet
 * here, off the per-row path: a program is compiled once and run on whole
 * records.  Every jv_* call consumes its arguments (STYLE.md), so each
 * value below is either handed on or freed exactly once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jq.h>
#include <jv.h>

#include "oms.h"

struct oms_jq {
	jq_state *jq;
	struct oms_buf err;
};

static jv
to_jv(const cJSON *c)
{
	const cJSON *e;
	jv v;

	if (cJSON_IsObject(c)) {
		v = jv_object();
		cJSON_ArrayForEach(e, c)
			v = jv_object_set(v, jv_string(e->string), to_jv(e));
		return v;
	}
	if (cJSON_IsArray(c)) {
		v = jv_array();
		cJSON_ArrayForEach(e, c)
			v = jv_array_append(v, to_jv(e));
		return v;
	}
	if (cJSON_IsString(c))
		return jv_string(c->valuestring);
	if (cJSON_IsNumber(c))
		return jv_number(c->valuedouble);
	if (cJSON_IsTrue(c))
		return jv_true();
	if (cJSON_IsFalse(c))
		return jv_false();
	return jv_null();
}

/* Consumes v. */
static cJSON *
from_jv(jv v)
{
	cJSON *c = NULL;
	int i, n;

	switch (jv_get_kind(v)) {
	case JV_KIND_OBJECT:
		c = cJSON_CreateObject();
		jv_object_foreach(v, key, val) {
			cJSON_AddItemToObject(c, jv_string_value(key),
			    from_jv(val));
			jv_free(key);
		}
		break;
	case JV_KIND_ARRAY:
		c = cJSON_CreateArray();
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(c, from_jv(jv_array_get(jv_copy(v),
			    i)));
		break;
	case JV_KIND_STRING:
		c = cJSON_CreateString(jv_string_value(v));
		break;
	case JV_KIND_NUMBER:
		c = cJSON_CreateNumber(jv_number_value(v));
		break;
	case JV_KIND_TRUE:
		c = cJSON_CreateTrue();
		break;
	case JV_KIND_FALSE:
		c = cJSON_CreateFalse();
		break;
	default:
		c = cJSON_CreateNull();
		break;
	}
	jv_free(v);
	return c;
}

static void
err_cb(void *arg, jv msg)
{
	struct oms_jq *q = arg;

	/* The first message is the error; "N compile errors" follows it. */
	if (jv_get_kind(msg) == JV_KIND_STRING && q->err.len == 0) {
		const char *m = jv_string_value(msg);

		if (strncmp(m, "jq: ", 4) == 0)
			m += 4;
		oms_buf_adds(&q->err, m);
	}
	jv_free(msg);
}

/* debug: the value on stderr, named, as jq itself prints it. */
static void
debug_cb(void *arg, jv msg)
{
	jv s = jv_dump_string(msg, 0);

	(void)arg;
	oms_warnx("jq debug: %s", jv_string_value(s));
	jv_free(s);
}

/* input and inputs: a program here has one input, the record, and no more. */
static jv
input_cb(jq_state *jq, void *arg)
{
	(void)jq;
	(void)arg;
	return jv_invalid();
}

/*
 * Compile prog.  A program others write runs here: debug writes to
 * stderr, input finds no more inputs, and no module can be included or
 * imported (the library path is empty), so none crashes the program
 * and none reads a file.
 */
int
oms_jq_compile(const char *prog, struct oms_jq **out)
{
	struct oms_jq *q = ecalloc(1, sizeof *q);

	*out = NULL;
	if ((q->jq = jq_init()) == NULL) {
		free(q);
		return oms_seterr("cannot start jq");
	}
	jq_set_error_cb(q->jq, err_cb, q);
	jq_set_debug_cb(q->jq, debug_cb, q);
	jq_set_input_cb(q->jq, input_cb, q);
	jq_set_attr(q->jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
	if (!jq_compile(q->jq, prog)) {
		oms_seterr("jq: %s", q->err.s ? q->err.s : "cannot compile");
		oms_jq_free(q);
		return OMS_ERR;
	}
	*out = q;
	return OMS_OK;
}

void
oms_jq_free(struct oms_jq *q)
{
	if (q == NULL)
		return;
	jq_teardown(&q->jq);
	oms_buf_free(&q->err);
	free(q);
}

/*
 * Run the program on in and return its one result, which must be an
 * object.  No result, several, or an error fail with a message.
 */
static int run(struct oms_jq *q, const cJSON *in, jv *out);

int
oms_jq_run(struct oms_jq *q, const cJSON *in, cJSON **out)
{
	jv r;

	*out = NULL;
	if (run(q, in, &r) != OMS_OK)
		return OMS_ERR;
	if (jv_get_kind(r) != JV_KIND_OBJECT) {
		jv_free(r);
		return oms_seterr("jq: the program's result is not an object");
	}
	*out = from_jv(r);
	return OMS_OK;
}

/* Run a condition: its one result is true unless it is false or null. */
int
oms_jq_test(struct oms_jq *q, const cJSON *in, int *truth)
{
	jv r;
	jv_kind k;

	*truth = 0;
	if (run(q, in, &r) != OMS_OK)
		return OMS_ERR;
	k = jv_get_kind(r);
	*truth = k != JV_KIND_FALSE && k != JV_KIND_NULL;
	jv_free(r);
	return OMS_OK;
}

/* The program's one result on in; none, several, or an error fail. */
static int
run(struct oms_jq *q, const cJSON *in, jv *out)
{
	jv r, extra;

	jq_start(q->jq, to_jv(in), 0);
	r = jq_next(q->jq);
	if (jq_halted(q->jq)) {
		jv_free(r);
		return oms_seterr("jq: the program halted");
	}
	if (!jv_is_valid(r)) {
		if (jv_invalid_has_msg(jv_copy(r))) {
			jv m = jv_invalid_get_msg(r);

			if (jv_get_kind(m) == JV_KIND_STRING)
				oms_seterr("jq: %s", jv_string_value(m));
			else
				oms_seterr("jq: error");
			jv_free(m);
		} else {
			jv_free(r);
			oms_seterr("jq: the program gave no result");
		}
		return OMS_ERR;
	}
	extra = jq_next(q->jq);
	if (jv_is_valid(extra)) {
		/*
		 * No draining: a program may give results without end, and
		 * the next jq_start resets the state anyway.
		 */
		jv_free(extra);
		jv_free(r);
		return oms_seterr("jq: the program gave more than one result");
	}
	jv_free(extra);
	*out = r;
	return OMS_OK;
}
