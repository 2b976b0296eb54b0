/*
 * odoo_batch.c - one batch of ManyChat events into Odoo in a few requests.
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
 * A list create is all or nothing and Odoo does not say which record
 * failed (§2.9), so a ValidationError, UserError, ... splits the group in
 * halves until the record is alone: it goes dead with Odoo's message and
 * the rest is sent. Splitting is bounded per batch (SPLIT_BUDGET
 * requests); records still unresolved then retry in a later batch.
 * A transport failure, 429 or 5xx stops the batch: what is complete is
 * done, the rest retries. The engine's per-key order means one batch
 * holds at most one event per contact.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sinks/odoo.h"
#include "banned.h"

#define SPLIT_BUDGET	40	/* isolation requests per batch */

struct item {
	const struct hs_delivery *d;
	struct hs_outcome *out;
	struct hs_odoo_event ev;
	int open;			/* parsed, no outcome decided yet */
	int64_t contact_id;		/* found or created; 0: not yet */
	int64_t state_id;
	struct json_object *cur;	/* the contact as read; owned */
	struct json_object *diff;	/* values to write; owned or NULL */
	int written;
};

struct batch {
	const struct hs_odoo_ctx *ctx;
	struct item *it;
	size_t n;
	struct json_object *by_mcid;	/* manychat_id -> item index */
	struct json_object *by_idem;	/* campaign idempotency key -> index */
	enum hs_err stop;	/* HS_OK while the batch goes on */
	char err[256];		/* why open items retry */
	int64_t retry_after_ms;
	int splits_left;
	char *why;
	size_t whylen;
};

/* One kind of request that isolate() can split. */
struct op {
	const char *method;
	const char *(*model)(const struct batch *b);
	struct json_object *(*build)(struct batch *b, const size_t *idx,
	                             size_t k);
	void (*done)(struct batch *b, const size_t *idx, size_t k,
	             struct json_object *result);
	void (*refused)(struct batch *b, size_t i,
	                const struct hs_odoo_reply *r);
};

/* Outcomes -------------------------------------------------------------- */

static void
dead(struct batch *b, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
dead(struct batch *b, size_t i, const char *fmt, ...)
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

static void
retry(struct batch *b, size_t i, int64_t after_ms, const char *msg)
{
	struct hs_outcome *o = b->it[i].out;

	o->kind = HS_OUT_RETRY;
	o->retry_after_ms = after_ms;
	snprintf(o->error, sizeof(o->error), "%s", msg);
	b->it[i].open = 0;
}

static void
finish(struct batch *b)
{
	struct item *it;
	size_t i;
	int ok;

	for (i = 0; i < b->n; i++) {
		it = &b->it[i];
		if (!it->open)
			continue;
		ok = it->contact_id > 0 && (!it->diff || it->written) &&
		    (it->ev.kind == HS_ODOO_CONTACT || it->state_id > 0);
		if (!ok) {
			retry(b, i, b->retry_after_ms, b->err[0] ? b->err :
			      "not sent");
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
static int
call(struct batch *b, const char *model, const char *method,
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

static const char *
contact_model(const struct batch *b)
{
	return b->ctx->map->contact_model;
}

static const char *
state_model(const struct batch *b)
{
	return b->ctx->map->state_model;
}

static struct json_object *
str_array_add(struct json_object *a, const char *s)
{
	if (a && json_object_array_add(a, json_object_new_string(s)) != 0) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

/* [[[field, op, value]]] with value taken. */
static struct json_object *
domain(const char *field, const char *op, struct json_object *value)
{
	struct json_object *leaf = str_array_add(str_array_add(
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
static struct json_object *
fields_kw(const struct batch *b, int first, int last)
{
	const struct hs_odoo_map *m = b->ctx->map;
	struct json_object *kw = json_object_new_object();
	struct json_object *f = json_object_new_array();
	int r;

	for (r = first; f && r <= last; r++)
		if (m->field[r][0])
			f = str_array_add(f, m->field[r]);
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

static const char *
rec_text(struct json_object *rec, const char *field)
{
	struct json_object *v;

	if (!json_object_object_get_ex(rec, field, &v) ||
	    json_object_is_type(v, json_type_boolean))
		return NULL;	/* Odoo's false is NULL */
	return json_object_get_string(v);
}

static int64_t
rec_id(struct json_object *rec)
{
	struct json_object *v;

	return json_object_object_get_ex(rec, "id", &v) ?
	    json_object_get_int64(v) : 0;
}

/* A search_read the batch cannot do without: a refusal is our setup. */
static int
search(struct batch *b, const char *model, struct json_object *pargs,
       struct json_object *kw, struct hs_odoo_reply *r, const char *keys)
{
	if (!call(b, model, "search_read", pargs, kw, r))
		return 0;
	if (r->cls == HS_ODOO_OK &&
	    json_object_is_type(r->result, json_type_array))
		return 1;
	if (r->cls == HS_ODOO_RECORD) {
		b->stop = HS_ECONFIG;
		snprintf(b->why, b->whylen, "odoo refused search_read on '%s' "
		         "(check %s and ODOO_FIELDS): %s", model, keys, r->what);
	} else {
		b->stop = HS_EAGAIN;
		snprintf(b->err, sizeof(b->err), "%s search_read: answer is "
		         "not a list", model);
	}
	hs_odoo_reply_release(r);
	return 0;
}

/* Steps 1 and 2: what Odoo already has ---------------------------------- */

static void
find_contacts(struct batch *b, struct json_object *keys)
{
	const struct hs_odoo_map *m = b->ctx->map;
	struct hs_odoo_reply r;
	struct json_object *rec;
	size_t k, n;
	int64_t i;

	if (!search(b, m->contact_model, domain(m->field[HS_OC_KEY],
	    json_object_array_length(keys) == 1 ? "=" : "in",
	    json_object_array_length(keys) == 1 ?
	    json_object_get(json_object_array_get_idx(keys, 0)) :
	    json_object_get(keys)), fields_kw(b, HS_OC_KEY, HS_OC_TIME), &r,
	    "ODOO_CONTACT_MODEL"))
		return;
	n = json_object_array_length(r.result);
	for (k = 0; k < n; k++) {
		rec = json_object_array_get_idx(r.result, k);
		i = index_of(b->by_mcid, rec_text(rec, m->field[HS_OC_KEY]));
		if (i < 0 || !b->it[i].open || b->it[i].cur)
			continue;
		b->it[i].contact_id = rec_id(rec);
		b->it[i].cur = json_object_get(rec);
	}
	hs_odoo_reply_release(&r);
}

static void
find_states(struct batch *b, struct json_object *keys)
{
	const struct hs_odoo_map *m = b->ctx->map;
	struct hs_odoo_reply r;
	struct json_object *rec;
	size_t k, n;
	int64_t i;

	if (!search(b, m->state_model, domain(m->field[HS_OS_IDEM],
	    json_object_array_length(keys) == 1 ? "=" : "in",
	    json_object_array_length(keys) == 1 ?
	    json_object_get(json_object_array_get_idx(keys, 0)) :
	    json_object_get(keys)), fields_kw(b, HS_OS_KEY, HS_OS_IDEM), &r,
	    "ODOO_STATE_MODEL"))
		return;
	n = json_object_array_length(r.result);
	for (k = 0; k < n; k++) {
		rec = json_object_array_get_idx(r.result, k);
		i = index_of(b->by_idem, rec_text(rec, m->field[HS_OS_IDEM]));
		if (i >= 0 && b->it[i].open)
			b->it[i].state_id = rec_id(rec);
	}
	hs_odoo_reply_release(&r);
}

/* Splitting ------------------------------------------------------------- */

/*
 * Sends op for idx[0..k). When Odoo refuses it for a record's sake, the
 * group is halved until the record is alone. known: this group is known
 * to fail with that reply (its sibling passed), so it is split at once.
 * Returns 1 when the whole group went through in one request.
 */
static int
isolate(struct batch *b, const struct op *op, size_t *idx, size_t k,
        const struct hs_odoo_reply *known)
{
	struct hs_odoo_reply r;
	char msg[sizeof(b->err)];
	size_t h, j;
	int first_ok;

	memset(&r, 0, sizeof(r));
	if (b->stop != HS_OK || k == 0)
		return 0;
	if (!known) {
		if (!call(b, op->model(b), op->method, op->build(b, idx, k),
		    NULL, &r))
			return 0;
		if (r.cls == HS_ODOO_OK) {
			op->done(b, idx, k, r.result);
			hs_odoo_reply_release(&r);
			return 1;
		}
		known = &r;
	}
	if (k == 1)
		op->refused(b, idx[0], known);
	else if (b->splits_left <= 0) {
		snprintf(msg, sizeof(msg), "%.40s %.8s refused a group holding "
		         "this record, not isolated yet: %.150s", op->model(b),
		         op->method, known->what);
		for (j = 0; j < k; j++)
			retry(b, idx[j], -1, msg);
	} else {
		b->splits_left -= 2;
		h = k / 2;
		first_ok = isolate(b, op, idx, h, NULL);
		isolate(b, op, idx + h, k - h, first_ok ? known : NULL);
	}
	hs_odoo_reply_release(&r);
	return 0;
}

/* Steps 3 and 4: creating what is missing -------------------------------- */

/* [[vals, vals, ...]]: one list create (the batch path of Odoo 17+). */
static struct json_object *
build_create(struct batch *b, const size_t *idx, size_t k, int states)
{
	struct json_object *list = json_object_new_array();
	struct json_object *pargs = json_object_new_array();
	struct json_object *v;
	size_t j;

	for (j = 0; list && j < k; j++) {
		v = states ? b->it[idx[j]].ev.state : b->it[idx[j]].ev.create;
		if (json_object_array_add(list, json_object_get(v)) != 0) {
			json_object_put(v);
			json_object_put(list);
			list = NULL;
		}
	}
	if (list && pargs && json_object_array_add(pargs, list) == 0)
		return pargs;
	json_object_put(list);
	json_object_put(pargs);
	return NULL;
}

static struct json_object *
build_contacts(struct batch *b, const size_t *idx, size_t k)
{
	return build_create(b, idx, k, 0);
}

static struct json_object *
build_states(struct batch *b, const size_t *idx, size_t k)
{
	return build_create(b, idx, k, 1);
}

/* The ids a list create answered, in order; 0 when the answer is not k
 * ids (then the batch stops: what Odoo did is unknown, retry searches). */
static int
created_ids(struct batch *b, const struct op *op, struct json_object *res,
            size_t k)
{
	size_t j;

	if (json_object_is_type(res, json_type_array) &&
	    json_object_array_length(res) == k) {
		for (j = 0; j < k; j++)
			if (!json_object_is_type(json_object_array_get_idx(res,
			    j), json_type_int))
				break;
		if (j == k)
			return 1;
	}
	b->stop = HS_EAGAIN;
	snprintf(b->err, sizeof(b->err), "%s create: answer is not %zu ids",
	         op->model(b), k);
	return 0;
}

static const struct op create_contacts_op, create_states_op, write_op;

static void
contacts_created(struct batch *b, const size_t *idx, size_t k,
                 struct json_object *res)
{
	size_t j;

	if (created_ids(b, &create_contacts_op, res, k))
		for (j = 0; j < k; j++)
			b->it[idx[j]].contact_id = json_object_get_int64(
			    json_object_array_get_idx(res, j));
}

static void
states_created(struct batch *b, const size_t *idx, size_t k,
               struct json_object *res)
{
	size_t j;

	if (created_ids(b, &create_states_op, res, k))
		for (j = 0; j < k; j++)
			b->it[idx[j]].state_id = json_object_get_int64(
			    json_object_array_get_idx(res, j));
}

/*
 * A create Odoo refused for this record alone. The unique constraint
 * fires when the record exists after all (a create whose answer was
 * lost): search it; found is success, else the refusal is final.
 */
static void
recheck(struct batch *b, size_t i, const struct hs_odoo_reply *why,
        int states)
{
	const struct hs_odoo_map *m = b->ctx->map;
	struct item *it = &b->it[i];
	const char *model = states ? m->state_model : m->contact_model;
	struct json_object *rec;
	struct hs_odoo_reply r;

	if (!search(b, model, domain(m->field[states ? HS_OS_IDEM : HS_OC_KEY],
	    "=", json_object_new_string(states ? it->d->idem_key :
	    it->ev.mcid)), states ? fields_kw(b, HS_OS_KEY, HS_OS_IDEM) :
	    fields_kw(b, HS_OC_KEY, HS_OC_TIME), &r, states ?
	    "ODOO_STATE_MODEL" : "ODOO_CONTACT_MODEL"))
		return;
	rec = json_object_array_get_idx(r.result, 0);
	if (!rec)
		dead(b, i, "%s create: %s", model, why->what);
	else if (states)
		it->state_id = rec_id(rec);
	else {
		it->contact_id = rec_id(rec);
		it->cur = json_object_get(rec);	/* step 5 brings it up to date */
	}
	hs_odoo_reply_release(&r);
}

static void
contact_refused(struct batch *b, size_t i, const struct hs_odoo_reply *r)
{
	recheck(b, i, r, 0);
}

static void
state_refused(struct batch *b, size_t i, const struct hs_odoo_reply *r)
{
	recheck(b, i, r, 1);
}

static const struct op create_contacts_op = {
	"create", contact_model, build_contacts, contacts_created,
	contact_refused,
};

static const struct op create_states_op = {
	"create", state_model, build_states, states_created, state_refused,
};

/* Step 5: writing what changed ----------------------------------------- */

/* [[ids], vals]: the items share their values (one group). */
static struct json_object *
build_write(struct batch *b, const size_t *idx, size_t k)
{
	struct json_object *ids = json_object_new_array();
	struct json_object *pargs = json_object_new_array();
	struct json_object *vals = b->it[idx[0]].diff;
	size_t j;

	for (j = 0; ids && j < k; j++)
		if (json_object_array_add(ids, json_object_new_int64(
		    b->it[idx[j]].contact_id)) != 0)
			break;
	if (!ids || !pargs || j < k || json_object_array_add(pargs, ids)) {
		json_object_put(ids);
		json_object_put(pargs);
		return NULL;
	}
	if (json_object_array_add(pargs, json_object_get(vals)) != 0) {
		json_object_put(vals);
		json_object_put(pargs);
		return NULL;
	}
	return pargs;
}

static void
written(struct batch *b, const size_t *idx, size_t k, struct json_object *res)
{
	size_t j;

	(void)res;	/* true, even for ids that do not exist (§2.9) */
	for (j = 0; j < k; j++)
		b->it[idx[j]].written = 1;
}

static void
write_refused(struct batch *b, size_t i, const struct hs_odoo_reply *r)
{
	dead(b, i, "%s write: %s", b->ctx->map->contact_model, r->what);
}

static const struct op write_op = {
	"write", contact_model, build_write, written, write_refused,
};

/* The values of it->ev.update that differ from the contact as read. */
static int
make_diff(struct item *it)
{
	const char *cur;

	it->diff = json_object_new_object();
	if (!it->diff)
		return -1;
	json_object_object_foreach(it->ev.update, k, v) {
		cur = rec_text(it->cur, k);
		if (cur && strcmp(cur, json_object_get_string(v)) == 0)
			continue;
		if (json_object_object_add(it->diff, k, json_object_get(v)))
			return -1;
	}
	if (json_object_object_length(it->diff) == 0) {
		json_object_put(it->diff);
		it->diff = NULL;
	}
	return 0;
}

struct pending_write {
	char *vals;		/* the diff as JSON text; owned */
	size_t i;
};

static int
by_vals(const void *pa, const void *pb)
{
	const struct pending_write *a = pa, *b = pb;
	int c = strcmp(a->vals, b->vals);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

static void
write_contacts(struct batch *b, struct pending_write *w, size_t *idx)
{
	size_t i, m = 0, start, k;

	for (i = 0; i < b->n && b->stop == HS_OK; i++) {
		if (!b->it[i].open || !b->it[i].cur || b->it[i].diff)
			continue;
		if (make_diff(&b->it[i]) != 0)
			retry(b, i, -1, "not sent: out of memory");
		else if (b->it[i].diff) {
			w[m].vals = strdup(json_object_to_json_string_ext(
			    b->it[i].diff, JSON_C_TO_STRING_PLAIN));
			w[m].i = i;
			if (w[m].vals)
				m++;
			else
				retry(b, i, -1, "not sent: out of memory");
		}
	}
	qsort(w, m, sizeof(*w), by_vals);
	for (start = 0; start < m && b->stop == HS_OK; start += k) {
		for (k = 0; start + k < m && strcmp(w[start + k].vals,
		    w[start].vals) == 0; k++)
			idx[k] = w[start + k].i;
		isolate(b, &write_op, idx, k, NULL);
	}
	for (i = 0; i < m; i++)
		free(w[i].vals);
}

/* The batch --------------------------------------------------------------- */

/* Items (open) that need a create: contacts missing, or states missing
 * for campaigns whose contact exists. */
static size_t
missing(const struct batch *b, size_t *idx, int states)
{
	const struct item *it;
	size_t i, k = 0;

	for (i = 0; i < b->n; i++) {
		it = &b->it[i];
		if (!it->open)
			continue;
		if (!states && it->contact_id == 0)
			idx[k++] = i;
		if (states && it->ev.kind == HS_ODOO_CAMPAIGN &&
		    it->contact_id > 0 && it->state_id == 0)
			idx[k++] = i;
	}
	return k;
}

/* Parses every delivery; indexes the open ones by contact and key. */
static void
prepare(struct batch *b, struct json_object *mcids, struct json_object *idems)
{
	struct item *it;
	char why[256];
	enum hs_err rc;
	size_t i;

	for (i = 0; i < b->n; i++) {
		it = &b->it[i];
		rc = hs_odoo_event_parse(b->ctx->map, it->d, &it->ev, why,
		                         sizeof(why));
		if (rc == HS_EINVAL)
			dead(b, i, "%s", why);
		else if (rc != HS_OK)
			retry(b, i, -1, "not sent: out of memory");
		else if (index_of(b->by_mcid, it->ev.mcid) >= 0)
			retry(b, i, 0, "not sent: an earlier event of this "
			      "contact is in the same batch");
		else {
			it->open = 1;
			json_object_object_add(b->by_mcid, it->ev.mcid,
			                       json_object_new_int64((int64_t)i));
			str_array_add(mcids, it->ev.mcid);
			if (it->ev.kind == HS_ODOO_CAMPAIGN) {
				json_object_object_add(b->by_idem,
				    it->d->idem_key, json_object_new_int64(
				    (int64_t)i));
				str_array_add(idems, it->d->idem_key);
			}
		}
	}
}

static void
run(struct batch *b, struct json_object *mcids, struct json_object *idems,
    size_t *idx, struct pending_write *w)
{
	size_t k;

	if (json_object_array_length(mcids) == 0)
		return;
	find_contacts(b, mcids);
	if (json_object_array_length(idems) > 0)
		find_states(b, idems);
	if (b->stop == HS_OK && (k = missing(b, idx, 0)) > 0)
		isolate(b, &create_contacts_op, idx, k, NULL);
	if (b->stop == HS_OK && (k = missing(b, idx, 1)) > 0)
		isolate(b, &create_states_op, idx, k, NULL);
	if (b->stop == HS_OK)
		write_contacts(b, w, idx);
}

enum hs_err
hs_odoo_batch(const struct hs_odoo_ctx *ctx, const struct hs_delivery *in,
              size_t n, struct hs_outcome *out, char *why, size_t whylen)
{
	struct json_object *mcids = json_object_new_array();
	struct json_object *idems = json_object_new_array();
	struct pending_write *w = calloc(n ? n : 1, sizeof(*w));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	struct batch b;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	b.n = n;
	b.why = why;
	b.whylen = whylen;
	b.retry_after_ms = -1;
	b.splits_left = SPLIT_BUDGET;
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
