/*
 * intake/ingest.h - the one pipeline every inbound webhook goes through.
 *
 * Check order is fixed so that a bad request costs as little as possible
 * and gets the most precise status: configuration (503), rate limit (429),
 * API key (401, before the body is read), length (411/413), media type
 * (415), body (400), signature over the raw bytes (401), JSON syntax
 * (400), schema (422), then the spool (202, or 503 + Retry-After).
 *
 * A source declares its own facts in its file (intake/sources/): routes,
 * configuration keys, the headers worth keeping, how to authenticate, how
 * to validate its body and where its answer carries the ids. Adding one
 * is that file and one line in intake/sources/registry.c.
 */
#ifndef HS_INGEST_H
#define HS_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "front/app.h"
#include "core/caps.h"
#include "intake/validate.h"

struct json_object;

enum hs_auth {
	HS_AUTH_API_KEY,	/* secret compared with a header */
	HS_AUTH_HMAC_HEX,	/* hex HMAC-SHA256 of the raw body */
};

/* What a source's accept() fills in for a valid body. */
struct hs_accepted {
	const char *kind;			/* static string */
	char entity_key[320];			/* per-key order, or "" */
	char derived_key[640];		/* used without the header */
	struct json_object *response;		/* owned; success body */
	int status;				/* success status (202) */
};

/*
 * One route of a source. The handler's table (intake/endpoints.h) gets it
 * with the source as the route's arg.
 */
struct hs_source_route {
	const char *prefix_key;	/* config key of a path prefix, or NULL */
	const char *path;	/* below ROOT_PATH and the prefix */
	const char *methods;	/* "POST", or "GET" (also the Allow) */
	/* NULL: the ingest pipeline (hs_ingest). Otherwise the source's own
	 * handler, e.g. a GET handshake; it finds the source in rt->arg. */
	hs_handler handle;
};

struct hs_source {
	const char *name;		/* "manychat", "signed" */
	/* Its routes, ended by a NULL path. */
	const struct hs_source_route *routes;
	enum hs_auth auth;
	const char *secret_key;		/* config key of the secret */
	const char *auth_header;	/* "X-API-KEY": read as HTTP_X_API_KEY */
	int rate_limited;		/* RATE_LIMIT_* applies */
	/* The configuration keys this source reads (NULL name ends them);
	 * sources of one family share one table. */
	const struct hs_conf_key *keys;
	/*
	 * Headers kept with each event besides the pipeline's own
	 * (Content-Type, User-Agent, Idempotency-Key, X-Forwarded-For,
	 * X-Request-Id): lowercase names, NULL-terminated, or NULL. Never a
	 * secret (an API key): the spool is readable by its admins.
	 */
	const char *const *kept_headers;
	/*
	 * Validates the parsed body (an object). Records every problem in
	 * f; on success fills a. raw is the body exactly as received.
	 */
	void (*accept)(struct json_object *body, const char *raw, size_t n,
	               struct hs_fields *f, struct hs_accepted *a);
	/*
	 * Puts the ids into the source's answer (a->response, or a stored
	 * answer being replayed): called with key and event_id -1 before the
	 * answer is stored, and with key NULL and the event's id for the
	 * answer sent (the first time and every replay), so the id is never
	 * part of the stored answer. NULL: "idempotency_key" at the top
	 * level and no event id.
	 */
	void (*answer_ids)(struct json_object *answer, const char *key,
	                   int64_t event_id);
};

/* The route handler for every source; rt->arg is its struct hs_source. */
void hs_ingest(struct hs_app *app, const struct hs_route *rt,
               struct hs_request *r, struct hs_response *rs);

/*
 * For a source's own handlers (a GET handshake): 0 when the configuration
 * has no error and key is set; otherwise -1 after answering 503 exactly as
 * the pipeline does for a source whose secret is unset.
 */
int hs_ingest_ready(struct hs_app *app, const char *key,
                    struct hs_response *rs);

/* Sets a->derived_key to "sha256:<hex of raw>", the fallback key rule. */
void hs_accepted_body_key(struct hs_accepted *a, const char *raw, size_t n);

/* This module's configuration keys (core/config.h). */
extern const struct hs_conf_key hs_intake_keys[];

#endif
