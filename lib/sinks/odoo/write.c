/*
 * sinks/odoo/write.c - the batch's changes to Odoo: list creates and grouped
 * writes, and the isolation of a record Odoo refuses.
 *
 * A list create is all or nothing and Odoo does not say which record
 * failed (protocols.md §2.9), so a ValidationError, UserError, ... splits
 * the group in halves until the record is alone: it goes dead with Odoo's
 * message and the rest is sent. When the first half passes, the second is
 * known to hold the culprit and is split without being sent whole; a
 * single bad record among n costs about log2(n) to 2*log2(n) requests
 * (sinks/bisect.h does the halving). Splitting is bounded per batch
 * (HS_ODOO_SPLIT_BUDGET requests): records still unresolved retry in a
 * later batch. A create refused alone is
 * searched again first: Odoo's unique constraint fires when the record
 * exists after all (a create whose answer was lost), which is success.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sinks/bisect.h"
#include "sinks/odoo/odoo.h"
#include "sinks/odoo/batch.h"
#include "core/banned.h"

/* One kind of request that isolate() can split. */
struct hs_odoo_op {
	const char *method;
	const char *(*model)(const struct hs_odoo_job *b);
	struct json_object *(*build)(struct hs_odoo_job *b, const size_t *idx,
	                             size_t k);
	void (*done)(struct hs_odoo_job *b, const size_t *idx, size_t k,
	             struct json_object *result);
	void (*refused)(struct hs_odoo_job *b, size_t i,
	                const struct hs_odoo_reply *r);
};

static const char *
contact_model(const struct hs_odoo_job *b)
{
	return b->ctx->map->contact_model;
}

static const char *
state_model(const struct hs_odoo_job *b)
{
	return b->ctx->map->state_model;
}

/* Splitting ------------------------------------------------------------- */

/* One op over idx[], halved by hs_bisect(); Odoo's refusals kept until
 * the halving is done with them. */
struct split {
	struct hs_odoo_job *b;
	const struct hs_odoo_op *op;
	size_t *idx;
	struct hs_odoo_reply kept[HS_BISECT_DEPTH];
	int nkept;
};

static enum hs_bisect_sent
split_send(void *ctx, size_t at, size_t k, void **why)
{
	struct split *sp = ctx;
	struct hs_odoo_job *b = sp->b;
	const struct hs_odoo_op *op = sp->op;
	struct hs_odoo_reply r;

	if (b->stop != HS_OK || !hs_odoo_exec(b, op->model(b), op->method,
	    op->build(b, sp->idx + at, k), NULL, &r))
		return HS_BISECT_STOP;
	if (r.cls == HS_ODOO_OK) {
		op->done(b, sp->idx + at, k, r.result);
		hs_odoo_reply_release(&r);
		return b->stop == HS_OK ? HS_BISECT_TAKEN : HS_BISECT_STOP;
	}
	sp->kept[sp->nkept] = r;
	*why = &sp->kept[sp->nkept++];
	return HS_BISECT_REFUSED;
}

static void
split_refused(void *ctx, size_t at, const void *why)
{
	struct split *sp = ctx;

	if (sp->b->stop == HS_OK)
		sp->op->refused(sp->b, sp->idx[at], why);
}

static void
split_unresolved(void *ctx, size_t at, size_t k, const void *why)
{
	const struct hs_odoo_reply *r = why;
	struct split *sp = ctx;
	struct hs_odoo_job *b = sp->b;
	char msg[sizeof(b->err)];
	size_t j;

	if (b->stop != HS_OK)
		return;
	snprintf(msg, sizeof(msg), "%.40s %.8s refused a group holding this "
	         "record, not isolated yet: %.150s", sp->op->model(b),
	         sp->op->method, r->what);
	for (j = 0; j < k; j++)
		hs_odoo_retry(b, sp->idx[at + j], -1, msg);
}

static void
split_drop(void *ctx, void *why)
{
	struct split *sp = ctx;

	hs_odoo_reply_release(why);
	sp->nkept--;
}

/*
 * Sends op for idx[0..k). When Odoo refuses it for a record's sake, the
 * group is halved until the record is alone; when one half passes, the
 * other is known to fail and is split at once.
 */
static void
isolate(struct hs_odoo_job *b, const struct hs_odoo_op *op, size_t *idx,
        size_t k)
{
	struct split sp = { .b = b, .op = op, .idx = idx, .nkept = 0 };
	const struct hs_bisect bis = {
		.send = split_send,
		.refused = split_refused,
		.unresolved = split_unresolved,
		.drop = split_drop,
		.ctx = &sp,
		.infer = 1,
		.budget = &b->splits_left,
	};

	(void)hs_bisect(&bis, k);
}

/* Steps 3 and 4: creating what is missing -------------------------------- */

/* [[vals, vals, ...]]: one list create (the batch path of Odoo 17+). */
static struct json_object *
build_create(struct hs_odoo_job *b, const size_t *idx, size_t k, int states)
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
build_contacts(struct hs_odoo_job *b, const size_t *idx, size_t k)
{
	return build_create(b, idx, k, 0);
}

static struct json_object *
build_states(struct hs_odoo_job *b, const size_t *idx, size_t k)
{
	return build_create(b, idx, k, 1);
}

/* The ids a list create answered, in order; 0 when the answer is not k
 * ids (then the batch stops: what Odoo did is unknown, retry searches). */
static int
created_ids(struct hs_odoo_job *b, const struct hs_odoo_op *op,
            struct json_object *res, size_t k)
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

static const struct hs_odoo_op create_contacts_op, create_states_op;

static void
contacts_created(struct hs_odoo_job *b, const size_t *idx, size_t k,
                 struct json_object *res)
{
	size_t j;

	if (created_ids(b, &create_contacts_op, res, k))
		for (j = 0; j < k; j++)
			b->it[idx[j]].contact_id = json_object_get_int64(
			    json_object_array_get_idx(res, j));
}

static void
states_created(struct hs_odoo_job *b, const size_t *idx, size_t k,
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
recheck(struct hs_odoo_job *b, size_t i, const struct hs_odoo_reply *why,
        int states)
{
	const struct hs_odoo_map *m = b->ctx->map;
	struct hs_odoo_item *it = &b->it[i];
	const char *model = states ? m->state_model : m->contact_model;
	const char *key = states ? it->d->idem_key : it->ev.mcid;
	struct json_object *rec, *pargs, *kw;
	struct hs_odoo_reply r;

	pargs = hs_odoo_domain(m->field[states ? HS_OS_IDEM : HS_OC_KEY], "=",
	                       json_object_new_string(key));
	kw = states ? hs_odoo_fields_kw(b, HS_OS_KEY, HS_OS_IDEM) :
	    hs_odoo_fields_kw(b, HS_OC_KEY, HS_OC_TIME);
	if (!hs_odoo_search(b, model, pargs, kw, &r, states ?
	    "ODOO_STATE_MODEL" : "ODOO_CONTACT_MODEL"))
		return;
	rec = json_object_array_get_idx(r.result, 0);
	if (!rec)
		hs_odoo_dead(b, i, "%s create: %s", model, why->what);
	else if (states)
		it->state_id = hs_odoo_rec_id(rec);
	else {
		it->contact_id = hs_odoo_rec_id(rec);
		it->cur = json_object_get(rec);	/* step 5 updates it */
	}
	hs_odoo_reply_release(&r);
}

static void
contact_refused(struct hs_odoo_job *b, size_t i,
                const struct hs_odoo_reply *r)
{
	recheck(b, i, r, 0);
}

static void
state_refused(struct hs_odoo_job *b, size_t i, const struct hs_odoo_reply *r)
{
	recheck(b, i, r, 1);
}

static const struct hs_odoo_op create_contacts_op = {
	"create", contact_model, build_contacts, contacts_created,
	contact_refused,
};

static const struct hs_odoo_op create_states_op = {
	"create", state_model, build_states, states_created, state_refused,
};

/* Step 5: writing what changed ----------------------------------------- */

/* [[ids], vals]: the items share their values (one group). */
static struct json_object *
build_write(struct hs_odoo_job *b, const size_t *idx, size_t k)
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
written(struct hs_odoo_job *b, const size_t *idx, size_t k,
        struct json_object *res)
{
	size_t j;

	(void)res;	/* true, even for ids that do not exist (§2.9) */
	for (j = 0; j < k; j++)
		b->it[idx[j]].written = 1;
}

static void
write_refused(struct hs_odoo_job *b, size_t i, const struct hs_odoo_reply *r)
{
	hs_odoo_dead(b, i, "%s write: %s", b->ctx->map->contact_model, r->what);
}

static const struct hs_odoo_op write_op = {
	"write", contact_model, build_write, written, write_refused,
};

/* The values of it->ev.update that differ from the contact as read. */
static int
make_diff(struct hs_odoo_item *it)
{
	const char *cur;

	it->diff = json_object_new_object();
	if (!it->diff)
		return -1;
	json_object_object_foreach(it->ev.update, k, v) {
		cur = hs_odoo_rec_text(it->cur, k);
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

static int
by_vals(const void *pa, const void *pb)
{
	const struct hs_odoo_pending *a = pa, *b = pb;
	int c = strcmp(a->vals, b->vals);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

void
hs_odoo_write_changed(struct hs_odoo_job *b, struct hs_odoo_pending *w,
                      size_t *idx)
{
	size_t i, m = 0, start, k;

	for (i = 0; i < b->n && b->stop == HS_OK; i++) {
		if (!b->it[i].open || !b->it[i].cur || b->it[i].diff)
			continue;
		if (make_diff(&b->it[i]) != 0)
			hs_odoo_retry(b, i, -1, "not sent: out of memory");
		else if (b->it[i].diff) {
			w[m].vals = strdup(json_object_to_json_string_ext(
			    b->it[i].diff, JSON_C_TO_STRING_PLAIN));
			w[m].i = i;
			if (w[m].vals)
				m++;
			else
				hs_odoo_retry(b, i, -1, "not sent: out of "
				              "memory");
		}
	}
	qsort(w, m, sizeof(*w), by_vals);
	for (start = 0; start < m && b->stop == HS_OK; start += k) {
		for (k = 0; start + k < m && strcmp(w[start + k].vals,
		    w[start].vals) == 0; k++)
			idx[k] = w[start + k].i;
		isolate(b, &write_op, idx, k);
	}
	for (i = 0; i < m; i++)
		free(w[i].vals);
}

/* Items (open) that need a create: contacts missing, or states missing
 * for campaigns whose contact exists. */
static size_t
missing(const struct hs_odoo_job *b, size_t *idx, int states)
{
	const struct hs_odoo_item *it;
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

void
hs_odoo_create_missing(struct hs_odoo_job *b, size_t *idx, int states)
{
	size_t k;

	if (b->stop == HS_OK && (k = missing(b, idx, states)) > 0)
		isolate(b, states ? &create_states_op : &create_contacts_op,
		        idx, k);
}
