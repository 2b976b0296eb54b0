/*
 * intake/batch.c - requests that carry several events (a Meta POST batches
 * messages and statuses): the items a source returns, and storing them.
 *
 * Every item becomes its own event, keyed on its own, so a redelivered
 * batch that overlaps an earlier one stores only what is new. All items
 * of one request commit in one transaction: the sender is answered 200
 * only when every one of them is durable, and a failure leaves nothing
 * half-stored for its retry to trip over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/log.h"
#include "intake/internal.h"
#include "sync/routes.h"
#include "core/banned.h"

/* What each stored item of a batch keeps as its answer. */
#define ITEM_ANSWER "{\"status\":\"ok\"}"

static void
item_free(struct hs_item *it)
{
	free(it->idem_key);
	free(it->entity_key);
	free(it->body);
	json_object_put(it->log_fields);
	memset(it, 0, sizeof(*it));
}

static enum hs_err
grow(struct hs_accepted *a)
{
	struct hs_item *p;
	size_t cap;

	if (a->nitems < a->cap)
		return HS_OK;
	cap = a->cap ? a->cap * 2 : 8;
	if (cap > HS_MAX_ITEMS)
		cap = HS_MAX_ITEMS;
	p = realloc(a->items, cap * sizeof(*p));
	if (!p)
		return HS_ENOMEM;
	a->items = p;
	a->cap = cap;
	return HS_OK;
}

enum hs_err
hs_accepted_add(struct hs_accepted *a, const char *kind,
                const char *idem_key, const char *entity_key,
                const char *body, size_t len, int store_only,
                struct hs_item **out)
{
	struct hs_item *it;
	enum hs_err rc;

	if (out)
		*out = NULL;
	if (a->nitems >= HS_MAX_ITEMS)
		return HS_ETOOBIG;
	if ((rc = grow(a)) != HS_OK)
		return a->rc = rc;
	it = &a->items[a->nitems];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->store_only = store_only;
	it->body_len = len;
	it->idem_key = strdup(idem_key);
	it->entity_key = entity_key ? strdup(entity_key) :
	    NULL;
	it->body = strndup(body, len);
	if (!it->idem_key || !it->body || (entity_key && !it->entity_key)) {
		item_free(it);
		return a->rc = HS_ENOMEM;
	}
	a->nitems++;
	if (out)
		*out = it;
	return HS_OK;
}

void
hs_accepted_release(struct hs_accepted *a)
{
	size_t i;

	for (i = 0; i < a->nitems; i++)
		item_free(&a->items[i]);
	free(a->items);
	a->items = NULL;
	a->nitems = a->cap = 0;
	json_object_put(a->response);
	a->response = NULL;
}

/* The item's line, once it is stored (log_fields' strings, event_id). */
static void
log_item(const struct hs_item *it, int64_t event_id)
{
	struct hs_logline l;

	if (!it->log_event)
		return;
	hs_log_begin(&l, HS_LOG_INFO, it->log_event);
	if (json_object_is_type(it->log_fields, json_type_object)) {
		json_object_object_foreach(it->log_fields, k, v)
			if (json_object_is_type(v, json_type_string))
				hs_log_str(&l, k, json_object_get_string(v));
	}
	hs_log_int(&l, "event_id", event_id);
	hs_log_end(&l);
}

static void
answer_batch(struct hs_response *rs, size_t n, size_t stored, size_t dups)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string("ok"));
	json_object_object_add(o, "events", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "stored",
	    json_object_new_int64((int64_t)stored));
	json_object_object_add(o, "duplicates",
	    json_object_new_int64((int64_t)dups));
	hs_response_json(rs, 200, o);
	json_object_put(o);
}

/* Fills put[i] from a's item i: the event, and its sinks in sinks[]. */
static void
fill_item(struct hs_app *app, const struct hs_source *src,
          const struct hs_request *r, const char *headers,
          const struct hs_item *it, struct hs_put_item *put,
          const char **sinks)
{
	struct hs_event *ev = &put->ev;

	ev->source = src->name;
	ev->kind = it->kind;
	ev->idem_key = it->idem_key;
	ev->entity_key = it->entity_key;
	ev->received_ms = r->received_ms;
	ev->remote_addr = r->remote_addr;
	ev->content_type = r->content_type;
	ev->headers_json = headers;
	ev->body = it->body;
	ev->body_len = it->body_len;
	ev->response_status = 200;
	ev->response_body = ITEM_ANSWER;
	put->sinks = sinks;
	put->nsinks = it->store_only ? 0 : hs_routes_resolve(app->cfg,
	    src->name, it->kind, sinks, HS_MAX_ROUTED_SINKS);
}

/* After the commit: counts, deferred deliveries, log lines, log fields. */
static void
after_commit(struct hs_app *app, const struct hs_accepted *a,
             const struct hs_put_item *put, struct hs_response *rs)
{
	size_t i, stored = 0;

	for (i = 0; i < a->nitems; i++) {
		if (put[i].duplicate)
			continue;
		stored++;
		if (put[i].nsinks)
			hs_app_defer(app, put[i].event_id);
		log_item(&a->items[i], put[i].event_id);
	}
	answer_batch(rs, a->nitems, stored, a->nitems - stored);
	if (a->nitems == 1) {
		rs->kind = a->items[0].kind;
		snprintf(rs->idem_key, sizeof(rs->idem_key), "%.95s",
		    a->items[0].idem_key);
		rs->event_id = put[0].event_id;
		rs->duplicate = put[0].duplicate;
	}
}

void
ingest_store_many(struct hs_app *app, const struct hs_source *src,
                  const struct hs_request *r, const struct hs_accepted *a,
                  struct hs_response *rs)
{
	struct hs_spool *sp = hs_app_spool(app);
	struct hs_put_item *put = NULL;
	const char **sinks = NULL;
	struct json_object *hdrs = NULL;
	const char *htext;
	enum hs_err rc;
	size_t i;

	if (!sp) {
		hs_app_spool_error(app, rs, app->spool_rc);
		return;
	}
	put = calloc(a->nitems ? a->nitems : 1, sizeof(*put));
	sinks = calloc((a->nitems ? a->nitems : 1) * HS_MAX_ROUTED_SINKS,
	    sizeof(*sinks));
	if (!put || !sinks) {
		hs_response_error(rs, 500, "internal error", "out of memory");
		goto out;
	}
	hdrs = ingest_kept_headers(src, r);
	htext = json_object_to_json_string_ext(hdrs,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	for (i = 0; i < a->nitems; i++)
		fill_item(app, src, r, htext, &a->items[i], &put[i],
		    sinks + i * HS_MAX_ROUTED_SINKS);
	rc = hs_spool_put_many(sp, put, a->nitems);
	if (rc != HS_OK) {
		hs_app_spool_failed(app, rc);
		hs_app_spool_error(app, rs, rc);
		goto out;
	}
	after_commit(app, a, put, rs);
out:
	json_object_put(hdrs);
	free(sinks);
	free(put);
}
