/*
 * front/health.c - GET /health and /webhook/health.
 *
 * Answers 200 only when the spool can be opened and read: a load balancer
 * or an uptime check then knows that a webhook sent now would be stored.
 */
#include <json-c/json.h>

#include "front/health.h"
#include "core/banned.h"

const struct hs_route hs_health_routes[] = {
	{ NULL, "/health", "GET, HEAD", hs_handle_health, NULL },
	{ NULL, "/webhook/health", "GET, HEAD", hs_handle_health, NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static struct json_object *
counts_json(const struct hs_spool_health *h)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "pending", json_object_new_int64(h->pending));
	json_object_object_add(d, "done", json_object_new_int64(h->done));
	json_object_object_add(d, "dead", json_object_new_int64(h->dead));
	return d;
}

void
hs_handle_health(struct hs_app *app, const struct hs_route *rt,
                 struct hs_request *r, struct hs_response *rs)
{
	struct json_object *o = json_object_new_object();
	struct hs_spool_health h;
	struct hs_spool *sp = hs_app_spool(app);
	enum hs_err rc = sp ? hs_spool_health(sp, &h) : HS_EIO;
	int ok = rc == HS_OK && hs_config_ok(app->cfg);

	(void)rt;
	(void)r;
	json_object_object_add(o, "status",
	    json_object_new_string(ok ? "ok" : "unavailable"));
	json_object_object_add(o, "spool",
	    json_object_new_string(rc == HS_OK ? "reachable" : "unreachable"));
	json_object_object_add(o, "config",
	    json_object_new_string(hs_config_ok(app->cfg) ? "ok" : "invalid"));
	if (rc == HS_OK) {
		json_object_object_add(o, "schema_version",
		    json_object_new_int(h.schema_version));
		json_object_object_add(o, "events",
		    json_object_new_int64(h.events));
		json_object_object_add(o, "deliveries", counts_json(&h));
	} else {
		if (sp)
			hs_app_spool_failed(app, rc);
		/* The path and cause go to the log, not to anonymous callers. */
		json_object_object_add(o, "detail", json_object_new_string(
		    "the spool cannot be opened or read; see the server log"));
	}
	hs_response_json(rs, ok ? 200 : 503, o);
	json_object_put(o);
	if (!ok && hs_response_header(rs, "Retry-After", "5") != HS_OK)
		rs->status = 503;
	rs->source = "health";
}
