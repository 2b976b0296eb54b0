/*
 * sinks/odoo/odoo.h - the Odoo sink: ManyChat contacts and campaign assignments
 * into the seed's custom models manychat.contact and manychat.state, over
 * Odoo's external JSON-RPC (protocols.md §2).
 *
 * Odoo SaaS allows about one request per second, so the sink is built
 * around requests, not events: a batch costs one search_read per model,
 * one list create per model and one write per distinct set of changed
 * values, whatever its size, and every HTTP request (the login too) takes
 * a token from the sink's bucket in the spool (hs_pacer).
 *
 *   sinks/odoo/odoo.c        the sink: settings, login once per run, outcomes
 *   sinks/odoo/batch.c  one batch: search, create, write; bad records isolated
 *   sinks/odoo/rpc.c    one JSON-RPC call: envelope, pacing, HTTP, classifying
 *   sinks/odoo/map.c    an event's body to Odoo values; configurable field
 *   names
 *   sinks/odoo/settings.c  the keys, the required ones, where Odoo is
 *   sinks/odoo/probe.c  spoolctl check: login, then the models' fields
 *
 * The declarations below the ops are internal to those files and to the
 * unit tests.
 */
#ifndef HS_SINKS_ODOO_H
#define HS_SINKS_ODOO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "sinks/sink.h"

struct json_object;
struct hs_config;

extern const struct hs_sink_ops hs_sink_odoo;

/* sinks/odoo/rpc.c --------------------------------------------------------- */

#define HS_ODOO_WHAT_LEN 240

/* What a call's answer means for the records in it. */
enum hs_odoo_class {
	HS_ODOO_OK,	/* result holds the answer */
	HS_ODOO_AUTH,	/* AccessDenied: wrong password or API key */
	HS_ODOO_ACCESS,	/* AccessError: the user lacks rights (setup) */
	HS_ODOO_RECORD,	/* ValidationError, UserError...: the data */
	HS_ODOO_RETRY,	/* 429, 5xx, no answer, transient server error */
};

struct hs_odoo_reply {
	enum hs_odoo_class cls;
	struct json_object *result;	/* owned; HS_ODOO_OK only */
	int status;			/* HTTP status; 0: no answer */
	int64_t retry_after_ms;		/* -1: no Retry-After */
	/* "ValidationError: Invalid email", "HTTP 503", "timeout after
	 * 30000 ms": one line, never the traceback (data.debug). */
	char what[HS_ODOO_WHAT_LEN];
};

struct hs_odoo_rpc_opts {
	const char *url;		/* "https://host:443/jsonrpc" */
	long timeout_ms;		/* one request, answer included */
	long connect_timeout_ms;
	const char *ca_file;		/* NULL: the system's CA store */
	/* Least time between two requests as the peer sees them arrive
	 * (1000 / rate): the bucket spaces the tokens, this absorbs what
	 * happens between a token and the request's first byte on the
	 * wire (the bucket's commit, a new connection's TCP and TLS
	 * handshakes). 0: none. */
	double min_gap_ms;
};

struct hs_odoo_rpc;

/* One keep-alive connection to url; o's strings are copied. */
enum hs_err hs_odoo_rpc_new(struct hs_odoo_rpc **out,
                            const struct hs_odoo_rpc_opts *o) HS_MUST_CHECK;
void hs_odoo_rpc_free(struct hs_odoo_rpc *c);
/* p (borrowed, may be NULL: unpaced) is asked for a token per request. */
void hs_odoo_rpc_set_pacer(struct hs_odoo_rpc *c, struct hs_pacer *p);
/*
 * Returns once 1/rate has passed since the last request went out. The
 * sink calls it before ending a run: the next run cannot start before
 * this one lets go of the sink, so its first request - whose token the
 * bucket may grant before this run's last request even left, when that
 * one opened a connection - still reaches Odoo 1/rate after it.
 */
void hs_odoo_rpc_settle(struct hs_odoo_rpc *c);
/* HTTP requests sent so far. */
long hs_odoo_rpc_requests(const struct hs_odoo_rpc *c);

/*
 * Calls service.method(args) (args borrowed) after taking one token.
 * HS_OK when *r is filled, whatever its class (release it); HS_ETIMEOUT
 * when the pacer says the run's time is up (nothing was sent); HS_ENOMEM
 * or another error from the pacer otherwise.
 */
enum hs_err hs_odoo_call(struct hs_odoo_rpc *c, const char *service,
                         const char *method, struct json_object *args,
                         int64_t now_ms, struct hs_odoo_reply *r)
	HS_MUST_CHECK;
void hs_odoo_reply_release(struct hs_odoo_reply *r);

/* {"jsonrpc":"2.0","method":"call","id":id,"params":{"service":...,
 * "method":...,"args":args}} appended to out; args borrowed. */
enum hs_err hs_odoo_encode(struct hs_buf *out, long id, const char *service,
                           const char *method, struct json_object *args)
	HS_MUST_CHECK;

/*
 * Fills *r from an HTTP answer: status, its Retry-After header (NULL if
 * none) and body. Pure; now_ms only turns an HTTP-date Retry-After into
 * a delay.
 */
void hs_odoo_classify(int status, const char *retry_after, const char *body,
                      size_t len, int64_t now_ms, struct hs_odoo_reply *r);

/*
 * execute_kw's args: [db, uid, password, model, method, pargs, kwargs].
 * Takes ownership of pargs and kwargs (NULL kwargs: {}); NULL when out
 * of memory (pargs and kwargs are then released).
 */
struct json_object *hs_odoo_kw_args(const char *db, long uid,
                                    const char *password, const char *model,
                                    const char *method,
                                    struct json_object *pargs,
                                    struct json_object *kwargs);

/* sinks/odoo/map.c --------------------------------------------------------- */

/* Every Odoo field the sink writes, by role; ODOO_FIELDS renames them. */
enum hs_odoo_role {
	HS_OC_KEY, HS_OC_NAME, HS_OC_FIRST, HS_OC_LAST, HS_OC_PHONE,
	HS_OC_EMAIL, HS_OC_STATE, HS_OC_TIME,
	HS_OS_KEY, HS_OS_STATE, HS_OS_CAMPAIGN, HS_OS_COMERCIAL, HS_OS_TIPO,
	HS_OS_TIME, HS_OS_IDEM,
	HS_ODOO_NROLES
};

#define HS_ODOO_NAME_MAX 64

struct hs_odoo_map {
	char contact_model[HS_ODOO_NAME_MAX];
	char state_model[HS_ODOO_NAME_MAX];
	char field[HS_ODOO_NROLES][HS_ODOO_NAME_MAX];	/* "": not sent */
};

/* "contact.name", "state.idempotency_key", ... (static). */
const char *hs_odoo_role_name(enum hs_odoo_role r);
/* The role's Odoo field when ODOO_FIELDS does not rename it: the seed
 * payload's name ("ultimo_estado"), static. */
const char *hs_odoo_role_default(enum hs_odoo_role r);

/*
 * The default mapping with models contact_model and state_model, then
 * spec's overrides: "role=field,role=field" (role as hs_odoo_role_name;
 * an empty field leaves it out). HS_ECONFIG with why when spec or a
 * name is not usable.
 */
enum hs_err hs_odoo_map_init(struct hs_odoo_map *m, const char *contact_model,
                             const char *state_model, const char *spec,
                             char *why, size_t whylen) HS_MUST_CHECK;

enum hs_odoo_kind { HS_ODOO_CONTACT, HS_ODOO_CAMPAIGN };

#define HS_ODOO_ID_MAX 260

/* One delivery as Odoo values (every object owned, Odoo field names). */
struct hs_odoo_event {
	enum hs_odoo_kind kind;
	char mcid[HS_ODOO_ID_MAX];	/* ManyChat id: the contact's key */
	/* Values an existing contact is brought to (compared first). */
	struct json_object *update;
	/* The contact's values when it must be created (key included). */
	struct json_object *create;
	/* Campaign only: the manychat.state record. */
	struct json_object *state;
};

/*
 * Maps d (its body, kind, idempotency key, receive time) to *ev.
 * HS_EINVAL with why when the event cannot go to Odoo (not a ManyChat
 * contact or campaign event, body without manychat_id): that is final.
 */
enum hs_err hs_odoo_event_parse(const struct hs_odoo_map *m,
                                const struct hs_delivery *d,
                                struct hs_odoo_event *ev, char *why,
                                size_t whylen) HS_MUST_CHECK;
void hs_odoo_event_release(struct hs_odoo_event *ev);

/* ISO-8601 (any zone) to Odoo's UTC "YYYY-MM-DD HH:MM:SS"; 0 or -1. */
int hs_odoo_datetime(const char *iso, char *out, size_t n);

/* sinks/odoo/settings.c ---------------------------------------------------- */

extern const struct hs_conf_key hs_odoo_keys[];
extern const char *const hs_odoo_required[];	/* hs_sink_ops.required */

/* ODOO_URL or ODOO_HOST is set: the configuration names an Odoo. */
int hs_odoo_configured(const struct hs_config *cfg);

#define HS_ODOO_URL_MAX 512

/* Where Odoo is and who we are there; the strings borrowed from cfg. */
struct hs_odoo_settings {
	char url[HS_ODOO_URL_MAX];	/* "https://host:443/jsonrpc" */
	const char *db, *user, *password;
	struct hs_odoo_map map;
	struct hs_odoo_rpc_opts rpc;	/* .url is url above: no copying */
};

/*
 * Reads st from cfg: ODOO_URL, else ODOO_HOST/PORT/PROTOCOL; ODOO_USERNAME,
 * else ODOO_USER; the field map. HS_ECONFIG with why (never a secret)
 * when a setting is missing or unusable.
 */
enum hs_err hs_odoo_settings_read(struct hs_odoo_settings *st,
                                  const struct hs_config *cfg, char *why,
                                  size_t whylen) HS_MUST_CHECK;

/* sinks/odoo/probe.c ------------------------------------------------------- */

/* hs_sink_ops.probe: logs in, then reads both models' fields (fields_get)
 * and names every mapped field Odoo lacks with the ODOO_FIELDS line that
 * would fix it. Three requests, spaced by 1/ODOO_RATE, each within
 * timeout_ms / 3. */
enum hs_probe hs_odoo_probe(const struct hs_config *cfg, int64_t now_ms,
                            long timeout_ms, char *detail, size_t n);

/* sinks/odoo/batch.c ------------------------------------------------------- */

/* What a batch needs from the sink: the connection and who we are. */
struct hs_odoo_ctx {
	struct hs_odoo_rpc *rpc;
	const struct hs_odoo_map *map;
	const char *db, *password;
	const char *who;	/* "user 'u' on database 'd' at URL" */
	long uid;
	int64_t now_ms;
};

/*
 * Delivers in[0..n) (out[] preset to retry "not sent"): finds existing
 * contacts and state records, creates the missing ones with one list
 * create per model, writes changed contacts in groups of equal values;
 * a record Odoo refuses is isolated by splitting and goes dead alone.
 * HS_OK when out[] is final; HS_EAUTH or HS_ECONFIG (why set) when Odoo
 * refused our credentials, rights or field names - out[] then holds
 * what was done.
 */
enum hs_err hs_odoo_batch(const struct hs_odoo_ctx *ctx,
                          const struct hs_delivery *in, size_t n,
                          struct hs_outcome *out, char *why, size_t whylen)
	HS_MUST_CHECK;

#endif
