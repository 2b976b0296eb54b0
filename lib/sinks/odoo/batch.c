/*
 * sinks/odoo/batch.c - one batch of ManyChat events into Odoo in a few
 * requests.
 *
 * At about one request per second, requests are what a batch costs, so
 * their number does not grow with the batch:
 *   1. search_read manychat.contact by every manychat_id of the batch;
 *   2. search_read manychat.state by every campaign's idempotency key;
 *   3. create the missing contacts with one list create;
 *   4. create the missing state records with one list create;
 *   5. write the contacts whose values changed, one write per distinct
 *      set of changed values (a campaign changes only the last state, so
 *      its writes group by state).
 * Searching first is what makes a retried batch idempotent (protocols.md
 * §2.7): a contact or record that a killed run already created is found
 * and not created again, an unchanged contact is not written. Odoo's
 * unique constraint is the last line: a create it refuses is re-searched.
 *
 * A record Odoo refuses is isolated and goes dead alone (sinks/odoo/write.c).
 * A transport failure, 429 or 5xx stops the batch: what is complete is
 * done, the rest retries. The engine's per-key order means one batch
 * holds at most one event per contact.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sinks/odoo/odoo.h"
#include "sinks/odoo/batch.h"
#include "core/banned.h"

/* Outcomes -------------------------------------------------------------- */

void
hs_odoo_dead(struct hs_odoo_job *b, size_t i, const char *fmt, ...)
{
	struct hs_outcome *o = b->it[i].out;
	va_list ap;

	o->kind = HS_OUT_DEAD;
	o->retry_after_ms = -1;
	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
	b->it[i].open = 0;
}

void
hs_odoo_unsent(struct hs_odoo_job *b, size_t i, const char *msg)
{
	struct hs_outcome *o = b->it[i].out;

	o->kind = HS_OUT_UNSENT;
	o->retry_after_ms = -1;
	snprintf(o->error, sizeof(o->error), "%s", msg);
	b->it[i].open = 0;
}

void
hs_odoo_retry(struct hs_odoo_job *b, size_t i, int64_t after_ms,
              const char *msg)
{
	struct hs_outcome *o = b->it[i].out;

	o->kind = HS_OUT_RETRY;
	o->retry_after_ms = after_ms;
	snprintf(o->error, sizeof(o->error), "%s", msg);
	b->it[i].open = 0;
}

static void
finish(struct hs_odoo_job *b)
{
	struct hs_odoo_item *it;
	size_t i;
	int ok;

	for (i = 0; i < b->n; i++) {
		it = &b->it[i];
		if (!it->open)
			continue;
		ok = it->contact_id > 0 && (!it->diff || it->written) &&
		    (it->ev.kind == HS_ODOO_CONTACT || it->state_id > 0);
		if (!ok && b->stop == HS_ETIMEOUT) {
			hs_odoo_unsent(b, i, "not sent: the run's time ran out");
			continue;
		}
		if (!ok) {
			hs_odoo_retry(b, i, b->retry_after_ms,
			              b->err[0] ? b->err : "not sent");
			continue;
		}
		it->out->kind = HS_OUT_DONE;
		it->out->error[0] = '\0';
		snprintf(it->out->receipt, sizeof(it->out->receipt), "%lld",
		         (long long)(it->ev.kind == HS_ODOO_CONTACT ?
		         it->contact_id : it->state_id));
	}
}

/* Calls ----------------------------------------------------------------- */

/*
 * One execute_kw (takes pargs and kwargs). 1 when *r is OK or RECORD for
 * the caller to handle (release it); 0 when the batch has stopped.
 */
int
hs_odoo_exec(struct hs_odoo_job *b, const char *model, const char *method,
     struct json_object *pargs, struct json_object *kwargs,
     struct hs_odoo_reply *r)
{
	const struct hs_odoo_ctx *c = b->ctx;
	struct json_object *args = NULL;
	enum hs_err rc = HS_ENOMEM;

	memset(r, 0, sizeof(*r));
	if (b->stop != HS_OK) {
		json_object_put(pargs);
		json_object_put(kwargs);
		return 0;
	}
	args = hs_odoo_kw_args(c->db, c->uid, c->password, model, method,
	                       pargs, kwargs);
	if (args)
		rc = hs_odoo_call(c->rpc, "object", "execute_kw", args,
		                  c->now_ms, r);
	json_object_put(args);
	if (rc != HS_OK) {
		b->stop = rc == HS_ETIMEOUT ? HS_ETIMEOUT : HS_EAGAIN;
		snprintf(b->err, sizeof(b->err), "not sent%s%s",
		         rc == HS_ETIMEOUT ? "" : ": ",
		         rc == HS_ETIMEOUT ? "" : hs_err_str(rc));
		return 0;
	}
	switch (r->cls) {
	case HS_ODOO_OK:
	case HS_ODOO_RECORD:
		return 1;
	case HS_ODOO_AUTH:
		b->stop = HS_EAUTH;
		snprintf(b->why, b->whylen, "odoo refused the credentials of "
		         "%s on %s %s: %s", c->who, model, method, r->what);
		break;
	case HS_ODOO_ACCESS:
		b->stop = HS_EAUTH;
		snprintf(b->why, b->whylen, "odoo does not let %s %s on '%s' "
		         "(access rights): %s", c->who, method, model, r->what);
		break;
	case HS_ODOO_RETRY:
		b->stop = HS_EAGAIN;
		b->retry_after_ms = r->retry_after_ms;
		snprintf(b->err, sizeof(b->err), "%s %s: %s", model, method,
		         r->what);
		break;
	}
	hs_odoo_reply_release(r);
	return 0;
}

static struct json_object *
strs_add(struct json_object *a, const char *s)
{
	struct json_object *v = a ? json_object_new_string(s) : NULL;

	if (v && json_object_array_add(a, v) == 0)
		return a;
	json_object_put(v);
	json_object_put(a);
	return NULL;
}

/* [[[field, op, value]]] with value taken. */
struct json_object *
hs_odoo_domain(const char *field, const char *op, struct json_object *value)
{
	struct json_object *leaf = strs_add(strs_add(
	    json_object_new_array(), field), op);
	struct json_object *dom = json_object_new_array();
	struct json_object *pargs = json_object_new_array();

	if (leaf && value && !json_object_array_add(leaf, value)) {
		value = NULL;
		if (dom && !json_object_array_add(dom, leaf)) {
			leaf = NULL;
			if (pargs && !json_object_array_add(pargs, dom))
				return pargs;
			dom = NULL;
		}
	}
	json_object_put(value);
	json_object_put(leaf);
	json_object_put(dom);
	json_object_put(pargs);
	return NULL;
}

/* {"fields": [every mapped field of roles first..last]}. Reading them all
 * makes a misnamed field fail the search, before anything is written. */
struct json_object *
hs_odoo_fields_kw(const struct hs_odoo_job *b, int first, int last)
{
	const struct hs_odoo_map *m = b->ctx->map;
	struct json_object *kw = json_object_new_object();
	struct json_object *f = json_object_new_array();
	int r;

	for (r = first; f && r <= last; r++)
		if (m->field[r][0])
			f = strs_add(f, m->field[r]);
	if (kw && f && json_object_object_add(kw, "fields", f) == 0)
		return kw;
	json_object_put(f);
	json_object_put(kw);
	return NULL;
}

static int64_t
index_of(struct json_object *map, const char *key)
{
	struct json_object *v;

	return key && json_object_object_get_ex(map, key, &v) ?
	    json_object_get_int64(v) : -1;
}

const char *
hs_odoo_rec_text(struct json_object *rec, const char *field)
{
	struct json_object *v;

	if (!json_object_object_get_ex(rec, field, &v) ||
	    json_object_is_type(v, json_type_boolean))
		return NULL;	/* Odoo's false is NULL */
	return json_object_get_string(v);
}

int64_t
hs_odoo_rec_id(struct json_object *rec)
{
	struct json_object *v;

	return json_object_object_get_ex(rec, "id", &v) ?
	    json_object_get_int64(v) : 0;
}

/* A search_read the batch cannot do without: a refusal is our setup. */
int
hs_odoo_search(struct hs_odoo_job *b, const char *model,
               struct json_object *pargs, struct json_object *kw,
               struct hs_odoo_reply *r, const char *keys)
{
	if (!hs_odoo_exec(b, model, "search_read", pargs, kw, r))
		return 0;
	if (r->cls == HS_ODOO_OK &&
	    json_object_is_type(r->result, json_type_array))
		return 1;
	if (r->cls == HS_ODOO_RECORD) {
		b->stop = HS_ECONFIG;
		snprintf(b->why, b->whylen, "odoo refused search_read on '%s' "
		         "(check %s and ODOO_FIELDS): %s", model, keys,
		         r->what);
	} else {
		b->stop = HS_EAGAIN;
		snprintf(b->err, sizeof(b->err), "%s search_read: answer is "
		         "not a list", model);
	}
	hs_odoo_reply_release(r);
	return 0;
}

/* Steps 1 and 2: what Odoo already has ---------------------------------- */

/* [[[field, "in", keys]]], or "=" for one key (keys borrowed). */
static struct json_object *
keys_domain(const char *field, struct json_object *keys)
{
	if (json_object_array_length(keys) == 1)
		return hs_odoo_domain(field, "=",
		    json_object_get(json_object_array_get_idx(keys, 0)));
	return hs_odoo_domain(field, "in", json_object_get(keys));
}

/* One search_read for every key of the batch: the contacts (states 0)
 * or the state records (1) Odoo already has. */
static void
find(struct hs_odoo_job *b, struct json_object *keys, int states)
{
	const struct hs_odoo_map *m = b->ctx->map;
	const char *key = m->field[states ? HS_OS_IDEM : HS_OC_KEY];
	struct json_object *rec, *kw;
	struct hs_odoo_item *it;
	struct hs_odoo_reply r;
	size_t k, n;
	int64_t i;

	kw = states ? hs_odoo_fields_kw(b, HS_OS_KEY, HS_OS_IDEM) :
	    hs_odoo_fields_kw(b, HS_OC_KEY, HS_OC_TIME);
	if (!hs_odoo_search(b, states ? m->state_model : m->contact_model,
	    keys_domain(key, keys), kw, &r, states ? "ODOO_STATE_MODEL" :
	    "ODOO_CONTACT_MODEL"))
		return;
	n = json_object_array_length(r.result);
	for (k = 0; k < n; k++) {
		rec = json_object_array_get_idx(r.result, k);
		i = index_of(states ? b->by_idem : b->by_mcid,
		             hs_odoo_rec_text(rec, key));
		it = i >= 0 ? &b->it[i] : NULL;
		if (!it || !it->open)
			continue;
		if (states)
			it->state_id = hs_odoo_rec_id(rec);
		else if (!it->cur) {
			it->contact_id = hs_odoo_rec_id(rec);
			it->cur = json_object_get(rec);
		}
	}
	hs_odoo_reply_release(&r);
}

/* The batch --------------------------------------------------------------- */

/* map[key] = i and key appended to keys; -1 when out of memory. */
static int
add_key(struct json_object *map, struct json_object *keys, const char *key,
        size_t i)
{
	struct json_object *v = json_object_new_int64((int64_t)i);
	struct json_object *k = json_object_new_string(key);

	if (!v || !k || json_object_object_add(map, key, v) != 0) {
		json_object_put(v);
		json_object_put(k);
		return -1;
	}
	if (json_object_array_add(keys, k) != 0) {
		json_object_put(k);
		return -1;
	}
	return 0;
}

/* Parses every delivery; indexes the open ones by contact and key. */
static void
prepare(struct hs_odoo_job *b, struct json_object *mcids,
        struct json_object *idems)
{
	struct hs_odoo_item *it;
	char why[256];
	enum hs_err rc;
	size_t i;

	for (i = 0; i < b->n; i++) {
		it = &b->it[i];
		rc = hs_odoo_event_parse(b->ctx->map, it->d, &it->ev, why,
		                         sizeof(why));
		if (rc == HS_OK && it->ev.kind == HS_ODOO_CAMPAIGN &&
		    !it->d->idem_key) {
			snprintf(why, sizeof(why), "event has no idempotency "
			         "key");
			rc = HS_EINVAL;
		}
		if (rc == HS_EINVAL)
			hs_odoo_dead(b, i, "%s", why);
		else if (rc == HS_OK && index_of(b->by_mcid, it->ev.mcid) >= 0)
			hs_odoo_unsent(b, i, "not sent: an earlier event of "
			               "this contact is in the same batch");
		else if (rc != HS_OK || add_key(b->by_mcid, mcids, it->ev.mcid,
		    i) || (it->ev.kind == HS_ODOO_CAMPAIGN &&
		    add_key(b->by_idem, idems, it->d->idem_key, i)))
			hs_odoo_retry(b, i, -1, "not sent: out of memory");
		else
			it->open = 1;
	}
}

static void
run(struct hs_odoo_job *b, struct json_object *mcids, struct json_object *idems,
    size_t *idx, struct hs_odoo_pending *w)
{
	if (json_object_array_length(mcids) == 0)
		return;
	find(b, mcids, 0);
	if (json_object_array_length(idems) > 0)
		find(b, idems, 1);
	hs_odoo_create_missing(b, idx, 0);
	hs_odoo_create_missing(b, idx, 1);
	hs_odoo_write_changed(b, w, idx);
}

enum hs_err
hs_odoo_batch(const struct hs_odoo_ctx *ctx, const struct hs_delivery *in,
              size_t n, struct hs_outcome *out, char *why, size_t whylen)
{
	struct json_object *mcids = json_object_new_array();
	struct json_object *idems = json_object_new_array();
	struct hs_odoo_pending *w = calloc(n ? n : 1, sizeof(*w));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	struct hs_odoo_job b;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	b.n = n;
	b.why = why;
	b.whylen = whylen;
	b.retry_after_ms = -1;
	b.splits_left = HS_ODOO_SPLIT_BUDGET;
	b.it = calloc(n ? n : 1, sizeof(*b.it));
	b.by_mcid = json_object_new_object();
	b.by_idem = json_object_new_object();
	if (b.it && b.by_mcid && b.by_idem && mcids && idems && w && idx) {
		for (i = 0; i < n; i++) {
			b.it[i].d = &in[i];
			b.it[i].out = &out[i];
		}
		prepare(&b, mcids, idems);
		run(&b, mcids, idems, idx, w);
		finish(&b);
	} else
		for (i = 0; i < n; i++)
			snprintf(out[i].error, sizeof(out[i].error),
			         "not sent: out of memory");
	for (i = 0; b.it && i < n; i++) {
		hs_odoo_event_release(&b.it[i].ev);
		json_object_put(b.it[i].cur);
		json_object_put(b.it[i].diff);
	}
	free(b.it);
	free(w);
	free(idx);
	json_object_put(b.by_mcid);
	json_object_put(b.by_idem);
	json_object_put(mcids);
	json_object_put(idems);
	return b.stop == HS_EAUTH || b.stop == HS_ECONFIG ? b.stop : HS_OK;
}
