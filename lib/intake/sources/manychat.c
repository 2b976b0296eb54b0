/*
 * intake/sources/manychat.c - ManyChat contact and campaign-assignment
 * webhooks.
 *
 * Bodies and answers keep the seed's shapes (seed 000) so existing
 * ManyChat flows and their response mappings keep working. ManyChat sends
 * no event id, so the idempotency key is made of stable fields:
 *   contact:  manychat:contact:{manychat_id}:{datetime_actual}
 *   campaign: manychat:campaign:{manychat_id}:{campaign_id}:{datetime_actual}
 * and, when datetime_actual is absent, sha256:{hex of the raw body}.
 * Unknown keys (Full Contact Data grows over time) are accepted.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "intake/sources/sources.h"
#include "core/config.h"
#include "core/banned.h"

/* The configuration keys this module reads. */
static const struct hs_conf_key manychat_keys[] = {
	{ "API_KEY", HS_CONF_SECRET, NULL, 0, 0,
	  "shared secret ManyChat sends in X-API-KEY" },
	{ "API_V1_STR", HS_CONF_STR, "/api/v1", 0, 0,
	  "path prefix of the ManyChat endpoints" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

static const struct hs_source_route contact_routes[] = {
	{ "API_V1_STR", "/manychat/webhook/contact", "POST", NULL },
	{ NULL, NULL, NULL, NULL }
};

static const struct hs_source_route campaign_routes[] = {
	{ "API_V1_STR", "/manychat/webhook/campaign-assignment", "POST", NULL },
	{ NULL, NULL, NULL, NULL }
};

#define TEXT_MAX 4096
#define ID_BUF 260

static void
common_fields(struct json_object *o, struct hs_fields *f,
              const char **when)
{
	hs_v_iso(o, "datetime_actual", "datetime_actual", 0, when, f);
	hs_v_text(o, "ultimo_estado", "ultimo_estado", 0, TEXT_MAX, NULL, f);
}

/*
 * The seed's success body, field for field and in its order: status,
 * message, manychat_id, campaign_id (campaign events only), queue.
 */
static struct json_object *
seed_answer(const char *message, const char *mid, const char *cid,
            const char *queue)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string("accepted"));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_object_add(o, "manychat_id", json_object_new_string(mid));
	if (cid)
		json_object_object_add(o, "campaign_id",
		    json_object_new_string(cid));
	json_object_object_add(o, "queue", json_object_new_string(queue));
	return o;
}

static void
contact_accept(struct json_object *o, const char *raw, size_t n,
               struct hs_fields *f, struct hs_accepted *a)
{
	static const char *const texts[] = {
		"nombre_lead", "first_name", "last_name", "name", NULL
	};
	char mid[ID_BUF], id[ID_BUF];
	const char *when = NULL;
	size_t i;

	a->kind = "contact";
	hs_v_id(o, "manychat_id", "manychat_id", 1, mid, sizeof(mid), f);
	hs_v_id(o, "id", "id", 0, id, sizeof(id), f);
	for (i = 0; texts[i]; i++)
		hs_v_text(o, texts[i], texts[i], 0, TEXT_MAX, NULL, f);
	hs_v_scalar(o, "phone", "phone", f);
	hs_v_email(o, "email", "email", f);
	common_fields(o, f, &when);
	if (f->total)
		return;
	snprintf(a->entity_key, sizeof(a->entity_key), "manychat:%s", mid);
	if (when)
		snprintf(a->derived_key, sizeof(a->derived_key),
		    "manychat:contact:%s:%s", mid, when);
	else
		hs_accepted_body_key(a, raw, n);
	a->response = seed_answer("Webhook received and event queued", mid,
	    NULL, "manychat-contact-queue");
}

static void
campaign_accept(struct json_object *o, const char *raw, size_t n,
                struct hs_fields *f, struct hs_accepted *a)
{
	char mid[ID_BUF], cid[ID_BUF], com[ID_BUF];
	const char *when = NULL;

	a->kind = "campaign";
	hs_v_id(o, "manychat_id", "manychat_id", 1, mid, sizeof(mid), f);
	hs_v_id(o, "campaign_id", "campaign_id", 1, cid, sizeof(cid), f);
	hs_v_id(o, "comercial_id", "comercial_id", 0, com, sizeof(com), f);
	hs_v_text(o, "tipo_asignacion", "tipo_asignacion", 0, TEXT_MAX, NULL,
	    f);
	common_fields(o, f, &when);
	if (f->total)
		return;
	snprintf(a->entity_key, sizeof(a->entity_key), "manychat:%s", mid);
	if (when)
		snprintf(a->derived_key, sizeof(a->derived_key),
		    "manychat:campaign:%s:%s:%s", mid, cid, when);
	else
		hs_accepted_body_key(a, raw, n);
	a->response = seed_answer("Evento de campaña encolado exitosamente",
	    mid, cid, "manychat-campaign-queue");
}

/* X-API-KEY is a secret: no ManyChat header is kept beyond the usual. */
const struct hs_source hs_source_manychat_contact = {
	.name = "manychat",
	.routes = contact_routes,
	.auth = HS_AUTH_API_KEY,
	.secret_key = "API_KEY",
	.auth_header = "X-API-KEY",
	.rate_limited = 0,
	.keys = manychat_keys,
	.accept = contact_accept,
};

const struct hs_source hs_source_manychat_campaign = {
	.name = "manychat",
	.routes = campaign_routes,
	.auth = HS_AUTH_API_KEY,
	.secret_key = "API_KEY",
	.auth_header = "X-API-KEY",
	.rate_limited = 0,
	.keys = manychat_keys,
	.accept = campaign_accept,
};
