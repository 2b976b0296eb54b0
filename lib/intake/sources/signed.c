/*
 * intake/sources/signed.c - generic webhooks signed with x-webhook-signature
 * (seed 001).
 *
 * The body is {"type", "content", "user_id"?, "timestamp"?, "metadata"?};
 * each type names the fields it needs. The signature is checked over the
 * raw bytes before this runs. Senders give no id, so an identical body
 * is the same event: the key is sha256 of the raw body (unless the sender
 * sends Idempotency-Key).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "intake/sources/sources.h"
#include "core/config.h"
#include "core/banned.h"

/* The configuration keys this module reads. */
static const struct hs_conf_key signed_keys[] = {
	{ "WEBHOOK_SECRET", HS_CONF_SECRET, NULL, 0, 0,
	  "HMAC-SHA256 key of x-webhook-signature on /webhook/receive" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

static const struct hs_source_route signed_routes[] = {
	{ NULL, "/webhook/receive", "POST", NULL },
	{ NULL, NULL, NULL, NULL }
};

/* The signature, so that a stored event can be verified again. */
static const char *const signed_headers[] = { "x-webhook-signature", NULL };

#define CONTENT_MAX (256 * 1024)
#define ID_BUF 260

static void
reservation_fields(struct json_object *meta, struct hs_fields *f)
{
	char tmp[ID_BUF];

	if (!meta) {
		hs_fields_add(f, "metadata", "is required for reservation_update");
		return;
	}
	hs_v_id(meta, "reservation_id", "metadata.reservation_id", 1, tmp,
	    sizeof(tmp), f);
	hs_v_text(meta, "status", "metadata.status", 1, 256, NULL, f);
}

static void
promo_fields(struct json_object *meta, struct hs_fields *f)
{
	char tmp[ID_BUF];

	if (!meta) {
		hs_fields_add(f, "metadata", "is required for promo");
		return;
	}
	hs_v_id(meta, "promo_id", "metadata.promo_id", 1, tmp, sizeof(tmp),
	    f);
	hs_v_iso(meta, "valid_until", "metadata.valid_until", 1, NULL, f);
	hs_v_number(meta, "discount", "metadata.discount", 1, f);
}

static void
signed_accept(struct json_object *o, const char *raw, size_t n,
              struct hs_fields *f, struct hs_accepted *a)
{
	struct json_object *meta = NULL;
	const char *type = NULL;
	char uid[ID_BUF];
	int has_uid;

	a->kind = "unknown";
	hs_v_text(o, "type", "type", 1, 64, &type, f);
	hs_v_text(o, "content", "content", 1, CONTENT_MAX, NULL, f);
	has_uid = hs_v_id(o, "user_id", "user_id", 0, uid, sizeof(uid), f);
	hs_v_iso(o, "timestamp", "timestamp", 0, NULL, f);
	hs_v_object(o, "metadata", "metadata", 0, &meta, f);
	if (type && !strcmp(type, "reservation_update"))
		reservation_fields(meta, f);
	else if (type && !strcmp(type, "promo"))
		promo_fields(meta, f);
	else if (type && !strcmp(type, "user_info")) {
		if (has_uid == 0)
			hs_fields_add(f, "user_id", "is required for user_info");
	} else if (type)
		hs_fields_add(f, "type", "must be reservation_update, promo "
		    "or user_info");
	if (f->total)
		return;
	a->kind = !strcmp(type, "promo") ? "promo" :
	    !strcmp(type, "user_info") ? "user_info" : "reservation_update";
	if (has_uid > 0)
		snprintf(a->entity_key, sizeof(a->entity_key), "user:%s", uid);
	hs_accepted_body_key(a, raw, n);
	a->response = json_object_new_object();
	json_object_object_add(a->response, "success",
	    json_object_new_boolean(1));
	json_object_object_add(a->response, "message",
	    json_object_new_string("Webhook received and queued for "
	    "processing"));
	json_object_object_add(a->response, "data", json_object_new_object());
	json_object_object_add(json_object_object_get(a->response, "data"),
	    "type", json_object_new_string(a->kind));
}

/*
 * Seed 001 answers carry their details under "data": the key, and the
 * event's id once it is known (after the insert, so it is not in the
 * stored answer and is added again to a replay).
 */
static void
signed_answer_ids(struct json_object *answer, const char *key,
                  int64_t event_id)
{
	struct json_object *data = json_object_object_get(answer, "data");
	int is_obj = json_object_is_type(data, json_type_object);

	if (key)
		json_object_object_add(is_obj ? data : answer,
		    "idempotency_key", json_object_new_string(key));
	if (event_id >= 0 && is_obj)
		json_object_object_add(data, "event_id",
		    json_object_new_int64(event_id));
}

const struct hs_source hs_source_signed = {
	.name = "signed",
	.routes = signed_routes,
	.auth = HS_AUTH_HMAC_HEX,
	.secret_key = "WEBHOOK_SECRET",
	.auth_header = "x-webhook-signature",
	.rate_limited = 1,
	.keys = signed_keys,
	.kept_headers = signed_headers,
	.accept = signed_accept,
	.answer_ids = signed_answer_ids,
};
