/*
 * sinks/whatsapp/event.c - what a delivered event asks of the bot: who
 * wrote (messages[0].from) and, for a choice, which option.
 *
 * The intake stores each message as its own single-item envelope
 * (entry[0].changes[0].value.messages[0], the shape Meta posts), so the
 * sink reads exactly that path. A choice names its option by the id the
 * menu set: interactive.button_reply.id, interactive.list_reply.id, or a
 * template quick reply's button.payload; the title Meta echoes is kept
 * as the fallback for an option no longer configured.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "core/json_get.h"
#include "sinks/whatsapp/whatsapp.h"
#include "core/banned.h"

#define JSON_DEPTH	64
#define FROM_MAX	64	/* a wa_id is digits, about 15 */

static struct json_object *
first(struct json_object *o, const char *key)
{
	struct json_object *a = hs_json_member(o, key);

	return json_object_is_type(a, json_type_array) &&
	    json_object_array_length(a) > 0 ?
	    json_object_array_get_idx(a, 0) : NULL;
}

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v = hs_json_member(o, key);

	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

void
hs_wa_event_release(struct hs_wa_event *ev)
{
	json_object_put(ev->root);
	memset(ev, 0, sizeof(*ev));
}

static struct json_object *
parse(const void *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	struct json_object *root = NULL;

	if (tok && len < (size_t)0x7fffffff) {
		root = json_tokener_parse_ex(tok, body, (int)len);
		if (json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(root);
			root = NULL;
		}
	}
	json_tokener_free(tok);
	return root;
}

/* The option a choice message names: id, and Meta's title if any. */
static void
choice(struct hs_wa_event *ev, struct json_object *msg)
{
	struct json_object *ia = hs_json_member(msg, "interactive"), *r;

	if ((r = hs_json_member(ia, "button_reply")) != NULL ||
	    (r = hs_json_member(ia, "list_reply")) != NULL) {
		ev->option_id = str(r, "id");
		ev->option_title = str(r, "title");
	} else if ((r = hs_json_member(msg, "button")) != NULL) {
		ev->option_id = str(r, "payload");
		ev->option_title = str(r, "text");
	}
}

enum hs_err
hs_wa_event_parse(const struct hs_delivery *d, struct hs_wa_event *ev,
                  char *why, size_t whylen)
{
	struct json_object *msg;

	memset(ev, 0, sizeof(*ev));
	ev->root = d->body ? parse(d->body, d->body_len) : NULL;
	if (!ev->root) {
		snprintf(why, whylen, "body is not JSON");
		return HS_EINVAL;
	}
	msg = first(hs_json_member(first(first(ev->root, "entry"), "changes"),
	    "value"), "messages");
	if (!json_object_is_type(msg, json_type_object)) {
		snprintf(why, whylen, "body has no message at "
		         "entry[0].changes[0].value.messages[0]");
		return HS_EINVAL;
	}
	ev->from = str(msg, "from");
	if (!ev->from || !ev->from[0] || strlen(ev->from) > FROM_MAX) {
		snprintf(why, whylen, "message has no usable 'from' (the "
		         "user's wa_id)");
		return HS_EINVAL;
	}
	choice(ev, msg);
	return HS_OK;
}
