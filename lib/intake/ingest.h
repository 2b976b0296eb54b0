/*
 * intake/ingest.h - the one pipeline every inbound webhook goes through.
 *
 * Check order is fixed so that a bad request costs as little as possible
 * and gets the most precise status: configuration (503), rate limit (429),
 * API key (401, before the body is read), length (411/413), media type
 * (415), body (400), signature over the raw bytes (401), JSON syntax
 * (400), schema (422), then the spool (202, or 503 + Retry-After). A
 * source only says how to authenticate and how to validate its body.
 */
#ifndef HS_INGEST_H
#define HS_INGEST_H

#include <stddef.h>

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

struct hs_source {
	const char *name;		/* "manychat", "signed" */
	enum hs_auth auth;
	const char *secret_key;		/* config key of the secret */
	const char *auth_param;		/* "HTTP_X_API_KEY" ... */
	const char *auth_header;	/* "X-API-KEY", for messages */
	int rate_limited;		/* RATE_LIMIT_* applies */
	/* The configuration keys this source reads (NULL name ends them);
	 * sources of one family share one table. */
	const struct hs_conf_key *keys;
	/*
	 * Validates the parsed body (an object). Records every problem in
	 * f; on success fills a. raw is the body exactly as received.
	 */
	void (*accept)(struct json_object *body, const char *raw, size_t n,
	               struct hs_fields *f, struct hs_accepted *a);
};

/* The route handler for every source; rt->arg is its struct hs_source. */
void hs_ingest(struct hs_app *app, const struct hs_route *rt,
               struct hs_request *r, struct hs_response *rs);

/* Sets a->derived_key to "sha256:<hex of raw>", the fallback key rule. */
void hs_accepted_body_key(struct hs_accepted *a, const char *raw, size_t n);

/* This module's configuration keys (core/config.h). */
extern const struct hs_conf_key hs_intake_keys[];

#endif
