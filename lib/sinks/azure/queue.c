/*
 * sinks/azure/queue.c - Azure Queue operations as jobs for the transfer engine.
 *
 * Each operation is a build callback (what to send for item i) and
 * optionally a finish callback (what the response means beyond the
 * generic classification). Put Message is the only batched one; the
 * others are single requests the sync engine and the tests need.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/azure/conn.h"
#include "sinks/azure/http.h"
#include "sinks/azure/queue.h"
#include "sinks/azure/wire.h"
#include "core/banned.h"

#define REL_MAX		96	/* "/" + 63-char queue + "/messages" */
#define QUERY_MAX	96

struct hs_azq {
	struct hs_azq_conn *conn;
	struct hs_azq_http *http;
	struct hs_azq_opts opts;
};

void
hs_azq_opts_default(struct hs_azq_opts *o)
{
	o->connect_timeout_ms = 5000;
	o->timeout_ms = 30000;
	o->max_in_flight = 16;
	o->message_ttl_s = 604800;
	o->ca_file = NULL;
}

static enum hs_err
check_opts(const struct hs_azq_opts *o, char *why, size_t whylen)
{
	const char *bad = NULL;

	if (o->connect_timeout_ms < 1 || o->connect_timeout_ms > 120000)
		bad = "connect timeout must be 1..120000 ms";
	else if (o->timeout_ms < 1 || o->timeout_ms > 600000)
		bad = "request timeout must be 1..600000 ms";
	else if (o->max_in_flight < 1 || o->max_in_flight > HS_AZQ_INFLIGHT_MAX)
		bad = "max in flight must be 1..64";
	else if (o->message_ttl_s != -1 &&
	         (o->message_ttl_s < 1 || o->message_ttl_s > INT32_MAX))
		bad = "message ttl must be -1 or 1..2147483647 s";
	if (bad && whylen > 0)
		snprintf(why, whylen, "%s", bad);
	return bad ? HS_EINVAL : HS_OK;
}

enum hs_err
hs_azq_open(struct hs_azq **out, const char *conn_string,
            const struct hs_azq_opts *o, char *why, size_t whylen)
{
	struct hs_azq_opts def;
	struct hs_azq *q = NULL;
	enum hs_err rc;

	*out = NULL;
	hs_azq_opts_default(&def);
	if (!o)
		o = &def;
	rc = check_opts(o, why, whylen);
	if (rc == HS_OK && !(q = calloc(1, sizeof(*q))))
		rc = HS_ENOMEM;
	if (rc == HS_OK) {
		q->opts = *o;
		q->opts.ca_file = NULL;	/* the engine keeps its own copy */
		rc = hs_azq_conn_parse(&q->conn, conn_string, why, whylen);
	}
	if (rc == HS_OK)
		rc = hs_azq_http_new(&q->http, q->conn, o);
	if (rc == HS_OK) {
		*out = q;
		q = NULL;
	}
	hs_azq_close(q);
	return rc;
}

void
hs_azq_close(struct hs_azq *q)
{
	if (!q)
		return;
	hs_azq_http_free(q->http);
	hs_azq_conn_free(q->conn);
	free(q);
}

static enum hs_err
bad_queue(const char *queue, struct hs_azq_result *res)
{
	memset(res, 0, sizeof(*res));
	res->outcome = HS_AZQ_PERMANENT;
	res->retry_after_ms = -1;
	snprintf(res->code, sizeof(res->code), "InvalidQueueName");
	snprintf(res->reason, sizeof(res->reason), "invalid queue name "
	         "'%.63s': 3-63 of a-z, 0-9 and single '-' inside",
	         queue ? queue : "");
	return HS_EINVAL;
}

/* Put Message ------------------------------------------------------- */

struct put_ctx {
	const struct hs_azq_msg *msgs;
	char rel[REL_MAX];
	char query[QUERY_MAX];
};

static enum hs_err
put_build(void *arg, size_t i, struct hs_azq_req *req,
          struct hs_azq_result *res)
{
	struct put_ctx *c = arg;
	enum hs_err rc;

	rc = hs_azq_put_body(c->msgs[i].data, c->msgs[i].len, &req->body,
	                     &req->body_len);
	if (rc == HS_ETOOBIG)
		hs_azq_too_big(c->msgs[i].len, res);
	else if (rc != HS_OK)
		snprintf(res->reason, sizeof(res->reason), "%s",
		         hs_err_str(rc));	/* stays RETRY */
	req->verb = "POST";
	req->rel = c->rel;
	req->query = c->query;
	req->content_type = "application/xml";
	return rc;
}

enum hs_err
hs_azq_put_batch(struct hs_azq *q, const char *queue,
                 const struct hs_azq_msg *msgs, size_t n, int64_t now_ms,
                 struct hs_azq_result *out)
{
	struct put_ctx c = { .msgs = msgs };
	struct hs_azq_job job = {
		.n = n, .ctx = &c, .build = put_build, .finish = NULL,
	};
	size_t i;

	if (!hs_azq_queue_name_ok(queue)) {
		for (i = 0; i < n; i++)
			(void)bad_queue(queue, &out[i]);
		return HS_EINVAL;
	}
	snprintf(c.rel, sizeof(c.rel), "/%s/messages", queue);
	snprintf(c.query, sizeof(c.query),
	         "visibilitytimeout=0&messagettl=%ld", q->opts.message_ttl_s);
	return hs_azq_http_run(q->http, &job, now_ms, out);
}

enum hs_err
hs_azq_put(struct hs_azq *q, const char *queue, const struct hs_azq_msg *msg,
           int64_t now_ms, struct hs_azq_result *res)
{
	enum hs_err rc = hs_azq_put_batch(q, queue, msg, 1, now_ms, res);

	return rc == HS_OK ? hs_azq_outcome_err(res) : rc;
}

/* Single requests ------------------------------------------------------ */

struct one_ctx {
	struct hs_azq_req req;
	char rel[REL_MAX];
	char query[QUERY_MAX];
	long *count;
	struct hs_azq_texts *texts;
};

static enum hs_err
one_build(void *arg, size_t i, struct hs_azq_req *req,
          struct hs_azq_result *res)
{
	struct one_ctx *c = arg;

	(void)i;
	(void)res;
	*req = c->req;
	req->rel = c->rel;
	req->query = c->query;
	return HS_OK;
}

static void
set_permanent(struct hs_azq_result *res, const char *code,
              const char *reason)
{
	res->outcome = HS_AZQ_PERMANENT;
	snprintf(res->code, sizeof(res->code), "%s", code);
	snprintf(res->reason, sizeof(res->reason), "%s", reason);
}

static void
create_finish(void *arg, size_t i, const struct hs_azq_resp *resp,
              struct hs_azq_result *res)
{
	(void)arg;
	(void)i;
	if (resp->status == 409 && strcmp(res->code, "QueueAlreadyExists") == 0)
		res->outcome = HS_AZQ_DONE;
}

static void
count_finish(void *arg, size_t i, const struct hs_azq_resp *resp,
             struct hs_azq_result *res)
{
	struct one_ctx *c = arg;
	char *end = NULL;
	long v = -1;

	(void)i;
	if (res->outcome != HS_AZQ_DONE)
		return;
	if (resp->msg_count && *resp->msg_count)
		v = strtol(resp->msg_count, &end, 10);
	if (v < 0 || !end || *end != '\0')
		set_permanent(res, "NoMessageCount", "response has no valid "
		              "x-ms-approximate-messages-count");
	else
		*c->count = v;
}

static void
texts_finish(void *arg, size_t i, const struct hs_azq_resp *resp,
             struct hs_azq_result *res)
{
	struct one_ctx *c = arg;
	enum hs_err rc;

	(void)i;
	if (res->outcome != HS_AZQ_DONE)
		return;
	rc = hs_azq_parse_texts(resp->body, resp->body_len, c->texts);
	if (rc != HS_OK)
		set_permanent(res, "BadMessageList", rc == HS_EPEER
		              ? "a message text is missing or not base64"
		              : hs_err_str(rc));
}

/* Runs c as one request; returns the outcome as an hs_err. */
static enum hs_err
run_one(struct hs_azq *q, struct one_ctx *c,
        void (*finish)(void *, size_t, const struct hs_azq_resp *,
                       struct hs_azq_result *),
        int64_t now_ms, struct hs_azq_result *res)
{
	struct hs_azq_job job = {
		.n = 1, .ctx = c, .build = one_build, .finish = finish,
	};
	enum hs_err rc = hs_azq_http_run(q->http, &job, now_ms, res);

	return rc == HS_OK ? hs_azq_outcome_err(res) : rc;
}

enum hs_err
hs_azq_create_queue(struct hs_azq *q, const char *queue, int64_t now_ms,
                    struct hs_azq_result *res)
{
	struct one_ctx c = { .req = { .verb = "PUT" } };

	if (!hs_azq_queue_name_ok(queue))
		return bad_queue(queue, res);
	snprintf(c.rel, sizeof(c.rel), "/%s", queue);
	return run_one(q, &c, create_finish, now_ms, res);
}

enum hs_err
hs_azq_delete_queue(struct hs_azq *q, const char *queue, int64_t now_ms,
                    struct hs_azq_result *res)
{
	struct one_ctx c = { .req = { .verb = "DELETE" } };

	if (!hs_azq_queue_name_ok(queue))
		return bad_queue(queue, res);
	snprintf(c.rel, sizeof(c.rel), "/%s", queue);
	return run_one(q, &c, NULL, now_ms, res);
}

enum hs_err
hs_azq_count(struct hs_azq *q, const char *queue, int64_t now_ms,
             long *count, struct hs_azq_result *res)
{
	struct one_ctx c = { .req = { .verb = "HEAD" }, .count = count };

	if (!hs_azq_queue_name_ok(queue))
		return bad_queue(queue, res);
	snprintf(c.rel, sizeof(c.rel), "/%s", queue);
	snprintf(c.query, sizeof(c.query), "comp=metadata");
	return run_one(q, &c, count_finish, now_ms, res);
}

static enum hs_err
read_texts(struct hs_azq *q, const char *queue, int max, const char *mode,
           int64_t now_ms, struct hs_azq_texts *t, struct hs_azq_result *res)
{
	struct one_ctx c = { .req = { .verb = "GET" }, .texts = t };

	hs_azq_texts_release(t);
	if (!hs_azq_queue_name_ok(queue))
		return bad_queue(queue, res);
	if (max < 1 || max > HS_AZQ_PEEK_MAX) {
		memset(res, 0, sizeof(*res));
		res->retry_after_ms = -1;
		set_permanent(res, "InvalidArgument",
		              "number of messages must be 1..32");
		return HS_EINVAL;
	}
	snprintf(c.rel, sizeof(c.rel), "/%s/messages", queue);
	snprintf(c.query, sizeof(c.query), "numofmessages=%d&%s", max, mode);
	return run_one(q, &c, texts_finish, now_ms, res);
}

enum hs_err
hs_azq_peek(struct hs_azq *q, const char *queue, int max, int64_t now_ms,
            struct hs_azq_texts *t, struct hs_azq_result *res)
{
	return read_texts(q, queue, max, "peekonly=true", now_ms, t, res);
}

enum hs_err
hs_azq_get(struct hs_azq *q, const char *queue, int max, long visibility_s,
           int64_t now_ms, struct hs_azq_texts *t, struct hs_azq_result *res)
{
	char mode[48];

	if (visibility_s < 1 || visibility_s > 604800) {
		hs_azq_texts_release(t);
		memset(res, 0, sizeof(*res));
		res->retry_after_ms = -1;
		set_permanent(res, "InvalidArgument",
		              "visibility timeout must be 1..604800 s");
		return HS_EINVAL;
	}
	snprintf(mode, sizeof(mode), "visibilitytimeout=%ld", visibility_s);
	return read_texts(q, queue, max, mode, now_ms, t, res);
}
