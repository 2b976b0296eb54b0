/*
 * intake/sources/whatsapp.c - Meta's WhatsApp Cloud API webhook
 * (protocols.md §4.1-4.3).
 *
 * GET {ROOT_PATH}/webhook is Meta's one-time verification: the challenge
 * comes back as text/plain when the mode and verify token are right.
 * POST {ROOT_PATH}/webhook carries notifications signed with the app
 * secret (X-Hub-Signature-256, checked by the pipeline over the raw body).
 *
 * One POST may batch several entries, changes, messages and statuses, and
 * Meta redelivers for days, so each message and each status is an event of
 * its own, keyed by Meta's id (wa:msg:{id}, wa:status:{id}:{status}): a
 * redelivered message is a duplicate and never gets a second reply. Each
 * event's body is a one-item envelope of Meta's shape that keeps every
 * other member (metadata, contacts, fields Meta adds later), so a sink
 * reads it as it would read Meta's own. A change that carries neither
 * becomes one event as is, keyed by the hash of its stored body.
 *
 *   kind     what                                       entity_key
 *   message  a user message that is not a menu choice   from
 *   choice   interactive button_reply / list_reply, or   from
 *            a template quick reply (type button)
 *   status   one element of statuses[]                  recipient_id
 *   change   a change with neither                      (none)
 *
 * A message or choice older than BOT_MAX_AGE_SECONDS when it arrives (Meta
 * catching up after an outage) is stored with no delivery: nobody wants a
 * greeting hours late. A new choice is logged once it is stored.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "core/crypto.h"
#include "intake/sources/sources.h"
#include "core/config.h"
#include "core/banned.h"

#define MAX_AGE_DEFAULT "3600"
#define ID_BUF 260
#define PATH_BUF 64

/* The configuration keys this module reads. */
static const struct hs_conf_key whatsapp_keys[] = {
	{ "WHATSAPP_VERIFY_TOKEN", HS_CONF_SECRET, NULL, 0, 0,
	  "token Meta's webhook verification (GET /webhook) must present" },
	{ "WHATSAPP_APP_SECRET", HS_CONF_SECRET, NULL, 0, 0,
	  "Meta app secret(s) signing X-Hub-Signature-256, comma-separated: "
	  "any one that verifies is accepted" },
	{ "BOT_MAX_AGE_SECONDS", HS_CONF_INT, MAX_AGE_DEFAULT, 0, 31536000,
	  "a WhatsApp message older than this when it arrives is stored but "
	  "not answered (0: no limit)" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

/*
 * Meta's verification: hub.mode=subscribe and hub.verify_token equal to
 * WHATSAPP_VERIFY_TOKEN (constant time) → 200 with hub.challenge exactly;
 * anything else → 403 that never echoes the challenge.
 */
static void
whatsapp_verify(struct hs_app *app, const struct hs_route *rt,
                struct hs_request *r, struct hs_response *rs)
{
	const struct hs_source *src = rt->arg;
	const char *mode = hs_request_query(r, "hub.mode");
	const char *token = hs_request_query(r, "hub.verify_token");
	const char *challenge = hs_request_query(r, "hub.challenge");

	rs->source = src->name;
	if (hs_ingest_ready(app, "WHATSAPP_VERIFY_TOKEN", rs))
		return;
	if (!mode || strcmp(mode, "subscribe") || !token ||
	    !hs_ct_streq(token, hs_config_get(app->cfg,
	    "WHATSAPP_VERIFY_TOKEN"))) {
		hs_response_error(rs, 403, "forbidden", "hub.mode must be "
		    "subscribe and hub.verify_token the configured token");
		return;
	}
	if (!challenge || !*challenge) {
		hs_response_error(rs, 400, "bad request",
		    "hub.challenge is missing");
		return;
	}
	hs_response_text(rs, 200, challenge, strlen(challenge));
}

static const struct hs_source_route whatsapp_routes[] = {
	{ NULL, "/webhook", "GET", whatsapp_verify },
	{ NULL, "/webhook", "POST", NULL },
	{ NULL, NULL, NULL, NULL }
};

/* One walk over a body: where items go and what limits them. */
struct walk {
	struct json_object *root;	/* the body (borrowed) */
	struct hs_fields *f;
	struct hs_accepted *a;
	long max_age_s;			/* 0: no limit */
	int full;			/* HS_MAX_ITEMS reached: stop */
};

/*
 * A field's path for a 422 ("entry[0].changes[0].value.messages[1].id"),
 * cut to PATH_BUF - 1 bytes like every field name of a 422.
 */
static void path_fmt(char *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
path_fmt(char *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, PATH_BUF, fmt, ap);
	va_end(ap);
}

/* The member key of o if it is a string, else NULL. Borrowed. */
static const char *
str_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A copy of o with member key replaced by with (owned, taken). */
static struct json_object *
replace_member(struct json_object *o, const char *key,
               struct json_object *with)
{
	struct json_object *out = json_object_new_object();

	json_object_object_foreach(o, k, v)
		json_object_object_add(out, k, !strcmp(k, key) ? with :
		    json_object_get(v));
	return out;
}

/* [one] (one borrowed). */
static struct json_object *
array_of(struct json_object *one)
{
	struct json_object *arr = json_object_new_array();

	json_object_array_add(arr, json_object_get(one));
	return arr;
}

/*
 * value with only one element of list ("messages" or "statuses"), in its
 * place, and neither list otherwise. Owned.
 */
static struct json_object *
one_item_value(struct json_object *value, const char *list,
               struct json_object *one)
{
	struct json_object *out = json_object_new_object();

	json_object_object_foreach(value, k, v) {
		if (!strcmp(k, list))
			json_object_object_add(out, k, array_of(one));
		else if (strcmp(k, "messages") && strcmp(k, "statuses"))
			json_object_object_add(out, k, json_object_get(v));
	}
	return out;
}

/*
 * Adds the item whose body is the body's envelope reduced to entry,
 * change and value (taken). Returns the item, or NULL when it could not be
 * added (the problem recorded).
 */
static struct hs_item *
add_item(struct walk *w, const char *kind, const char *key,
         const char *entity, int store_only, struct json_object *entry,
         struct json_object *change, struct json_object *value)
{
	struct json_object *c, *e, *env;
	struct hs_item *it = NULL;
	char hex[HS_SHA256_HEX], ckey[96];
	const char *text;
	enum hs_err rc;

	c = replace_member(change, "value", value);
	e = replace_member(entry, "changes", array_of(c));
	json_object_put(c);
	env = replace_member(w->root, "entry", array_of(e));
	json_object_put(e);
	text = json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!key) {
		hs_sha256_hex(text, strlen(text), hex);
		snprintf(ckey, sizeof(ckey), "wa:change:sha256:%s", hex);
		key = ckey;
	}
	rc = hs_accepted_add(w->a, kind, key, entity, text, strlen(text),
	    store_only, &it);
	json_object_put(env);
	if (rc == HS_ETOOBIG) {
		hs_fields_add(w->f, "entry", "holds more than 1000 messages, "
		    "statuses and changes");
		w->full = 1;
	} else if (rc != HS_OK) {
		w->full = 1;	/* out of memory: a->rc tells the pipeline */
	}
	return it;
}

/* 1 when msg's timestamp (unix seconds) is older than the limit. */
static int
too_old(const struct walk *w, struct json_object *msg)
{
	struct json_object *v;
	long ts;

	if (w->max_age_s <= 0 || !json_object_object_get_ex(msg, "timestamp",
	    &v))
		return 0;
	if (json_object_is_type(v, json_type_int))
		ts = (long)json_object_get_int64(v);
	else if (!json_object_is_type(v, json_type_string) ||
	    hs_parse_long(json_object_get_string(v), 0, 253402300799L, &ts))
		return 0;	/* no usable time: answer it */
	return w->a->received_ms - (int64_t)ts * 1000 >
	    (int64_t)w->max_age_s * 1000;
}

/*
 * "choice" when msg picks a menu option (an interactive button_reply or
 * list_reply, or a template quick reply), with the option's id and
 * title; "message" otherwise.
 */
static const char *
classify(struct json_object *msg, const char **option, const char **title)
{
	static const char *const replies[] = { "button_reply", "list_reply",
	    NULL };
	const char *type = str_member(msg, "type");
	struct json_object *in, *rep;
	size_t i;

	*option = *title = NULL;
	if (type && !strcmp(type, "button") &&
	    json_object_object_get_ex(msg, "button", &in) &&
	    (*option = str_member(in, "payload"))) {
		*title = str_member(in, "text");
		return "choice";
	}
	if (!type || strcmp(type, "interactive") ||
	    !json_object_object_get_ex(msg, "interactive", &in))
		return "message";
	for (i = 0; replies[i]; i++)
		if (json_object_object_get_ex(in, replies[i], &rep) &&
		    json_object_is_type(rep, json_type_object) &&
		    (*option = str_member(rep, "id"))) {
			*title = str_member(rep, "title");
			return "choice";
		}
	return "message";
}

/* The fields of a choice's log line (owned). */
static struct json_object *
choice_fields(const char *option, const char *title, const char *user)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "option", json_object_new_string(option));
	json_object_object_add(o, "title",
	    json_object_new_string(title ? title : ""));
	json_object_object_add(o, "user", json_object_new_string(user));
	return o;
}

static void
one_message(struct walk *w, struct json_object *entry,
            struct json_object *change, struct json_object *value,
            struct json_object *msg, const char *path)
{
	char id[ID_BUF], from[ID_BUF], name[PATH_BUF], key[ID_BUF + 8];
	const char *kind, *option, *title;
	struct hs_item *it;
	int ok;

	if (!json_object_is_type(msg, json_type_object)) {
		hs_fields_add(w->f, path, "must be an object");
		return;
	}
	path_fmt(name, "%s.id", path);
	ok = hs_v_id(msg, "id", name, 1, id, sizeof(id), w->f) > 0;
	path_fmt(name, "%s.from", path);
	ok &= hs_v_id(msg, "from", name, 1, from, sizeof(from), w->f) > 0;
	if (!ok || w->f->total)
		return;
	kind = classify(msg, &option, &title);
	snprintf(key, sizeof(key), "wa:msg:%s", id);
	it = add_item(w, kind, key, from, too_old(w, msg), entry, change,
	    one_item_value(value, "messages", msg));
	if (it && option) {
		it->log_event = "choice";
		it->log_fields = choice_fields(option, title, from);
	}
}

static void
one_status(struct walk *w, struct json_object *entry,
           struct json_object *change, struct json_object *value,
           struct json_object *st, const char *path)
{
	char id[ID_BUF], status[ID_BUF], to[ID_BUF], name[PATH_BUF];
	char key[2 * ID_BUF + 16];
	int ok, has_to;

	if (!json_object_is_type(st, json_type_object)) {
		hs_fields_add(w->f, path, "must be an object");
		return;
	}
	path_fmt(name, "%s.id", path);
	ok = hs_v_id(st, "id", name, 1, id, sizeof(id), w->f) > 0;
	path_fmt(name, "%s.status", path);
	ok &= hs_v_id(st, "status", name, 1, status, sizeof(status), w->f) > 0;
	path_fmt(name, "%s.recipient_id", path);
	has_to = hs_v_id(st, "recipient_id", name, 0, to, sizeof(to), w->f);
	if (!ok || has_to < 0 || w->f->total)
		return;
	snprintf(key, sizeof(key), "wa:status:%s:%s", id, status);
	add_item(w, "status", key, has_to > 0 ? to : NULL, 0, entry, change,
	    one_item_value(value, "statuses", st));
}

/*
 * The list member of value, each element through each(): returns how
 * many there were (0 when absent), or -1 when it is not an array.
 */
static int
each_of(struct walk *w, struct json_object *entry, struct json_object *change,
        struct json_object *value, const char *list, const char *path,
        void (*each)(struct walk *, struct json_object *,
                     struct json_object *, struct json_object *,
                     struct json_object *, const char *))
{
	struct json_object *arr;
	char name[PATH_BUF];
	size_t i, n;

	if (!json_object_object_get_ex(value, list, &arr) ||
	    json_object_is_type(arr, json_type_null))
		return 0;
	if (!json_object_is_type(arr, json_type_array)) {
		path_fmt(name, "%s.%s", path, list);
		hs_fields_add(w->f, name, "must be an array");
		return -1;
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n && !w->full; i++) {
		path_fmt(name, "%s.%s[%zu]", path, list, i);
		each(w, entry, change, value,
		    json_object_array_get_idx(arr, i), name);
	}
	return (int)n;
}

static void
one_change(struct walk *w, struct json_object *entry,
           struct json_object *change, const char *path)
{
	struct json_object *value;
	char name[PATH_BUF];
	int nm, ns;

	if (!json_object_is_type(change, json_type_object)) {
		hs_fields_add(w->f, path, "must be an object");
		return;
	}
	path_fmt(name, "%s.value", path);
	if (!json_object_object_get_ex(change, "value", &value) ||
	    !json_object_is_type(value, json_type_object)) {
		hs_fields_add(w->f, name, "must be an object");
		return;
	}
	nm = each_of(w, entry, change, value, "messages", name, one_message);
	ns = each_of(w, entry, change, value, "statuses", name, one_status);
	if (nm == 0 && ns == 0 && !w->f->total && !w->full)
		add_item(w, "change", NULL, NULL, 0, entry, change,
		    json_object_get(value));
}

static void
one_entry(struct walk *w, struct json_object *entry, const char *path)
{
	struct json_object *changes;
	char name[PATH_BUF];
	size_t i, n;

	if (!json_object_is_type(entry, json_type_object)) {
		hs_fields_add(w->f, path, "must be an object");
		return;
	}
	if (!json_object_object_get_ex(entry, "changes", &changes) ||
	    !json_object_is_type(changes, json_type_array)) {
		path_fmt(name, "%s.changes", path);
		hs_fields_add(w->f, name, "must be an array");
		return;
	}
	n = json_object_array_length(changes);
	for (i = 0; i < n && !w->full; i++) {
		path_fmt(name, "%s.changes[%zu]", path, i);
		one_change(w, entry, json_object_array_get_idx(changes, i),
		    name);
	}
}

static void
whatsapp_accept(struct json_object *o, const char *raw, size_t n,
                struct hs_fields *f, struct hs_accepted *a)
{
	struct walk w = { o, f, a, 0, 0 };
	struct json_object *entry;
	const char *object = str_member(o, "object");
	char name[PATH_BUF];
	size_t i, len;

	(void)raw;
	(void)n;
	if (!object || strcmp(object, "whatsapp_business_account"))
		hs_fields_add(f, "object", "must be whatsapp_business_account");
	if (!json_object_object_get_ex(o, "entry", &entry) ||
	    !json_object_is_type(entry, json_type_array)) {
		hs_fields_add(f, "entry", "must be an array");
		return;
	}
	if (f->total)
		return;
	w.max_age_s = a->cfg ? hs_config_int(a->cfg, "BOT_MAX_AGE_SECONDS") :
	    0;
	len = json_object_array_length(entry);
	for (i = 0; i < len && !w.full; i++) {
		path_fmt(name, "entry[%zu]", i);
		one_entry(&w, json_object_array_get_idx(entry, i), name);
	}
	a->multi = 1;
}

const struct hs_source hs_source_whatsapp = {
	.name = "whatsapp",
	.routes = whatsapp_routes,
	.auth = HS_AUTH_HUB_SHA256,
	.secret_key = "WHATSAPP_APP_SECRET",
	.auth_header = "X-Hub-Signature-256",
	.rate_limited = 0,
	.keys = whatsapp_keys,
	.accept = whatsapp_accept,
};
