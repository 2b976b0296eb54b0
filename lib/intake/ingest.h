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
	/*
	 * Meta's X-Hub-Signature-256: "sha256=" and 64 hex digits (either
	 * case) of the HMAC-SHA256 of the raw body; the secret setting is a
	 * comma-separated list and any listed secret may verify.
	 */
	HS_AUTH_HUB_SHA256,
};

/*
 * One event of a request that carries several. Every pointer but kind is
 * owned by the item (hs_accepted_release frees them).
 */
struct hs_item {
	const char *kind;		/* static string */
	char *idem_key;
	char *entity_key;		/* per-key order, or NULL */
	char *body;			/* the event's stored body */
	size_t body_len;
	int store_only;			/* 1: stored with no delivery */
	/*
	 * A line to log once the item is stored (never for a duplicate):
	 * event log_event (static, NULL: none), then each string member of
	 * log_fields in order, then event_id.
	 */
	const char *log_event;
	struct json_object *log_fields;
};

/* What a source's accept() fills in for a valid body. */
struct hs_accepted {
	/* Set by the pipeline before accept(); borrowed. */
	const struct hs_config *cfg;
	int64_t received_ms;		/* the request's receive time */

	const char *kind;			/* static string */
	char entity_key[320];			/* per-key order, or "" */
	char derived_key[640];		/* used without the header */
	struct json_object *response;		/* owned; success body */
	int status;				/* success status (202) */

	/*
	 * A body that carries several events: the source sets multi = 1 and
	 * adds each with hs_accepted_add() (none is allowed), leaving
	 * response, kind and the keys unset. The pipeline resolves each
	 * item's routes, stores them all in one transaction
	 * (hs_spool_put_many) and answers 200 {"status":"ok","events":N,
	 * "stored":S,"duplicates":D}; the Idempotency-Key header is not used.
	 */
	int multi;
	struct hs_item *items;		/* owned */
	size_t nitems, cap;
	enum hs_err rc;			/* HS_ENOMEM: an add failed */
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

/*
 * Adds an item to a (copying idem_key, entity_key, which may be NULL, and
 * body[0..len)) and sets *out to it when out is given. HS_ETOOBIG past
 * HS_MAX_ITEMS; HS_ENOMEM, also kept in a->rc, when memory ran out.
 */
enum hs_err hs_accepted_add(struct hs_accepted *a, const char *kind,
                            const char *idem_key, const char *entity_key,
                            const char *body, size_t len, int store_only,
                            struct hs_item **out) HS_MUST_CHECK;
/* Frees a's response and items. */
void hs_accepted_release(struct hs_accepted *a);

/* This module's configuration keys (core/config.h). */
extern const struct hs_conf_key hs_intake_keys[];

#endif
