/*
 * sinks/odoo/batch.h - one batch's state, shared by sinks/odoo/batch.c
 * (searching, outcomes) and sinks/odoo/write.c (creates, writes, isolating
 * refused records). Internal to the odoo sink.
 */
#ifndef HS_SINKS_ODOO_BATCH_H
#define HS_SINKS_ODOO_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/odoo/odoo.h"

#define HS_ODOO_SPLIT_BUDGET	40	/* isolation requests per batch */
#define HS_ODOO_ERR_LEN		256

/* One delivery as the batch works on it. */
struct hs_odoo_item {
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

struct hs_odoo_job {
	const struct hs_odoo_ctx *ctx;
	struct hs_odoo_item *it;
	size_t n;
	struct json_object *by_mcid;	/* manychat_id -> item index */
	struct json_object *by_idem;	/* campaign's idem key -> index */
	enum hs_err stop;		/* HS_OK while the batch goes on */
	char err[HS_ODOO_ERR_LEN];	/* why open items retry */
	int64_t retry_after_ms;
	int splits_left;
	char *why;			/* for HS_EAUTH / HS_ECONFIG */
	size_t whylen;
};

/* A contact write waiting for its group: its values as JSON text. */
struct hs_odoo_pending {
	char *vals;	/* owned */
	size_t i;
};

/* sinks/odoo/batch.c */

/* Item i's final outcome (it is no longer open). */
void hs_odoo_dead(struct hs_odoo_job *b, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hs_odoo_retry(struct hs_odoo_job *b, size_t i, int64_t after_ms,
                   const char *msg);
/* Not sent at all: the engine counts no attempt. */
void hs_odoo_unsent(struct hs_odoo_job *b, size_t i, const char *msg);

/*
 * One execute_kw; takes pargs and kwargs. 1 when *r is OK or RECORD for
 * the caller to handle (and release); 0 when the batch has stopped
 * (b->stop says why: time up, a transient failure, refused credentials).
 */
int hs_odoo_exec(struct hs_odoo_job *b, const char *model,
                 const char *method, struct json_object *pargs,
                 struct json_object *kwargs, struct hs_odoo_reply *r);

/*
 * A search_read the batch cannot do without (takes pargs and kw): 1 with
 * a list in r->result; 0 when the batch stopped - a refusal is our setup
 * (HS_ECONFIG, naming the settings keys to check).
 */
int hs_odoo_search(struct hs_odoo_job *b, const char *model,
                   struct json_object *pargs, struct json_object *kw,
                   struct hs_odoo_reply *r, const char *keys);

/* [[[field, op, value]]] (takes value); NULL when out of memory. */
struct json_object *hs_odoo_domain(const char *field, const char *op,
                                   struct json_object *value);
/* {"fields": [the mapped fields of roles first..last]}. */
struct json_object *hs_odoo_fields_kw(const struct hs_odoo_job *b, int first,
                                      int last);
/* A record's text field (NULL for Odoo's false) and its id (borrowed). */
const char *hs_odoo_rec_text(struct json_object *rec, const char *field);
int64_t hs_odoo_rec_id(struct json_object *rec);

/* sinks/odoo/write.c */

/* Steps 3 and 4: list-creates the open items' missing contacts (states
 * 0) or state records (states 1). idx has room for b->n. */
void hs_odoo_create_missing(struct hs_odoo_job *b, size_t *idx, int states);
/* Step 5: writes what changed on found contacts, grouped by values. w
 * and idx have room for b->n. */
void hs_odoo_write_changed(struct hs_odoo_job *b, struct hs_odoo_pending *w,
                           size_t *idx);

#endif
