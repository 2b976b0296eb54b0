/*
 * sinks/odoo/map.c - a ManyChat event as Odoo values, and the field names.
 *
 * The seed's Odoo module is custom: its models carry the payload's own
 * names (seed 000: ultimo_estado, datetime_actual, ...), so each field the
 * sink writes defaults to the name the seed's payload gives its value. A
 * deployment whose module differs corrects them: every field has a role
 * ("contact.email"), and ODOO_FIELDS renames or drops any of them.
 * Values follow Odoo's conventions (protocols.md §2.3):
 * datetimes as UTC "YYYY-MM-DD HH:MM:SS", a missing or null value is not
 * sent (an update never blanks a field the event did not carry).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/caps.h"
#include "sinks/odoo/odoo.h"
#include "core/timefmt.h"
#include "core/banned.h"

#define SPEC_MAX 4096

static const char *const role_names[HS_ODOO_NROLES] = {
	"contact.manychat_id", "contact.name", "contact.first_name",
	"contact.last_name", "contact.phone", "contact.email",
	"contact.last_state", "contact.last_event_at",
	"state.manychat_id", "state.state", "state.campaign_id",
	"state.comercial_id", "state.tipo_asignacion", "state.event_at",
	"state.idempotency_key",
};

/*
 * The default Odoo field of each role: the seed payload's name of the
 * value. The one exception is contact.name: the lead's name (nombre_lead
 * in the payload) goes to the model's record name, "name", which a real
 * Odoo 18 manychat.contact was seen to have (issue 11: its first drain
 * passed "name" and stopped at the first field after it the model lacked).
 * The idempotency key is hookspool's, not the payload's (protocols.md
 * 2.7).
 */
static const char *const default_fields[HS_ODOO_NROLES] = {
	"manychat_id", "name", "first_name", "last_name", "phone", "email",
	"ultimo_estado", "datetime_actual",
	"manychat_id", "ultimo_estado", "campaign_id", "comercial_id",
	"tipo_asignacion", "datetime_actual", "idempotency_key",
};

const char *
hs_odoo_role_name(enum hs_odoo_role r)
{
	return r < HS_ODOO_NROLES ? role_names[r] : "?";
}

const char *
hs_odoo_role_default(enum hs_odoo_role r)
{
	return r < HS_ODOO_NROLES ? default_fields[r] : "?";
}

/* Odoo model and field names: lowercase, digits, '_' (and '.' in models). */
static int
name_ok(const char *s, size_t n, int dots)
{
	size_t i;

	if (n == 0 || n >= HS_ODOO_NAME_MAX || !islower((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '_' &&
		    !(dots && s[i] == '.'))
			return 0;
	return 1;
}

static enum hs_err
set_model(char *dst, const char *v, const char *what, char *why,
          size_t whylen)
{
	if (!v || !name_ok(v, strlen(v), 1)) {
		snprintf(why, whylen, "%s '%.80s' is not an Odoo model name",
		         what, v ? v : "");
		return HS_ECONFIG;
	}
	snprintf(dst, HS_ODOO_NAME_MAX, "%s", v);
	return HS_OK;
}

/* One "role=field" of ODOO_FIELDS (spaces around either trimmed). */
static enum hs_err
one_override(struct hs_odoo_map *m, const char *e, size_t len, char *why,
             size_t whylen)
{
	const char *eq = memchr(e, '=', len), *f, *end = e + len;
	size_t rl, fl;
	int r;

	while (e < end && isspace((unsigned char)*e))
		e++;
	if (!eq) {
		snprintf(why, whylen, "ODOO_FIELDS: '%.*s' is not role=field",
		         (int)(len > 80 ? 80 : len), e);
		return HS_ECONFIG;
	}
	for (rl = (size_t)(eq - e); rl && isspace((unsigned char)e[rl - 1]);)
		rl--;
	for (f = eq + 1; f < end && isspace((unsigned char)*f); f++)
		;
	for (fl = (size_t)(end - f); fl && isspace((unsigned char)f[fl - 1]);)
		fl--;
	for (r = 0; r < HS_ODOO_NROLES; r++)
		if (strlen(role_names[r]) == rl &&
		    !memcmp(role_names[r], e, rl))
			break;
	if (r == HS_ODOO_NROLES) {
		snprintf(why, whylen, "ODOO_FIELDS: unknown role '%.*s' "
		         "(roles: contact.name, state.state, ... as in the "
		         "README)",
		         (int)(rl > 60 ? 60 : rl), e);
		return HS_ECONFIG;
	}
	if (fl && !name_ok(f, fl, 0)) {
		snprintf(why, whylen, "ODOO_FIELDS: '%.*s' is not an Odoo "
		         "field name", (int)(fl > 60 ? 60 : fl), f);
		return HS_ECONFIG;
	}
	if (!fl && (r == HS_OC_KEY || r == HS_OS_KEY || r == HS_OS_IDEM)) {
		snprintf(why, whylen, "ODOO_FIELDS: %s is a key and cannot be "
		         "left out", role_names[r]);
		return HS_ECONFIG;
	}
	memcpy(m->field[r], f, fl);
	m->field[r][fl] = '\0';
	return HS_OK;
}

enum hs_err
hs_odoo_map_init(struct hs_odoo_map *m, const char *contact_model,
                 const char *state_model, const char *spec, char *why,
                 size_t whylen)
{
	const char *p, *comma;
	enum hs_err rc;
	size_t len;
	int r;

	memset(m, 0, sizeof(*m));
	for (r = 0; r < HS_ODOO_NROLES; r++)
		snprintf(m->field[r], sizeof(m->field[r]), "%s",
		         default_fields[r]);
	rc = set_model(m->contact_model, contact_model, "ODOO_CONTACT_MODEL",
	               why, whylen);
	if (rc == HS_OK)
		rc = set_model(m->state_model, state_model, "ODOO_STATE_MODEL",
		               why, whylen);
	if (rc != HS_OK || !spec)
		return rc;
	if (strlen(spec) > SPEC_MAX) {
		snprintf(why, whylen, "ODOO_FIELDS is longer than %d bytes",
		         SPEC_MAX);
		return HS_ECONFIG;
	}
	for (p = spec; rc == HS_OK && *p; p += len + (comma != NULL)) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (strspn(p, " \t") < len)	/* not an empty entry */
			rc = one_override(m, p, len, why, whylen);
	}
	return rc;
}

int
hs_odoo_datetime(const char *iso, char *out, size_t n)
{
	struct tm tm;
	int64_t ms;
	time_t t;

	if (!iso || hs_time_parse_iso(iso, &ms) != 0)
		return -1;
	t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	if (!gmtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm)
	    == 0)
		return -1;
	return 0;
}

/* The event's text for key: a non-empty string, or a number as text. */
static const char *
text(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		return *s ? s : NULL;
	case json_type_int:
	case json_type_double:
		return json_object_get_string(v);
	default:
		return NULL;
	}
}

/* Adds field(role) = value to o when both exist; -1 out of memory. */
static int
put(struct json_object *o, const struct hs_odoo_map *m,
    enum hs_odoo_role role, const char *value)
{
	struct json_object *s;

	if (!value || !m->field[role][0])
		return 0;
	if (!(s = json_object_new_string(value)))
		return -1;
	return json_object_object_add(o, m->field[role], s) ? -1 : 0;
}

/* nombre_lead, else name, else "first last"; NULL when none. */
static const char *
lead_name(struct json_object *o, char *buf, size_t n)
{
	const char *first = text(o, "first_name"), *last = text(o, "last_name");

	if (text(o, "nombre_lead"))
		return text(o, "nombre_lead");
	if (text(o, "name"))
		return text(o, "name");
	if (!first && !last)
		return NULL;
	snprintf(buf, n, "%s%s%s", first ? first : "", first && last ? " " :
	         "", last ? last : "");
	return buf;
}

static int
contact_values(const struct hs_odoo_map *m, struct json_object *o,
               struct hs_odoo_event *ev, const char *when)
{
	char buf[2 * 4096 + 2];
	const char *name = lead_name(o, buf, sizeof(buf));
	int bad = 0;

	bad |= put(ev->update, m, HS_OC_NAME, name);
	bad |= put(ev->update, m, HS_OC_FIRST, text(o, "first_name"));
	bad |= put(ev->update, m, HS_OC_LAST, text(o, "last_name"));
	bad |= put(ev->update, m, HS_OC_PHONE, text(o, "phone"));
	bad |= put(ev->update, m, HS_OC_EMAIL, text(o, "email"));
	bad |= put(ev->update, m, HS_OC_STATE, text(o, "ultimo_estado"));
	bad |= put(ev->update, m, HS_OC_TIME, when);
	bad |= put(ev->create, m, HS_OC_KEY, ev->mcid);
	json_object_object_foreach(ev->update, k, v)
		bad |= json_object_object_add(ev->create, k,
		                              json_object_get(v)) ? -1 : 0;
	if (!name)
		bad |= put(ev->create, m, HS_OC_NAME, ev->mcid);
	return bad;
}

/* A campaign updates the contact's last state only (writes of equal
 * values group); a contact created for it gets a name and the time. */
static int
campaign_values(const struct hs_odoo_map *m, struct json_object *o,
                struct hs_odoo_event *ev, const char *when, const char *idem)
{
	const char *state = text(o, "ultimo_estado");
	int bad = 0;

	bad |= put(ev->update, m, HS_OC_STATE, state);
	bad |= put(ev->create, m, HS_OC_KEY, ev->mcid);
	bad |= put(ev->create, m, HS_OC_NAME, ev->mcid);
	bad |= put(ev->create, m, HS_OC_STATE, state);
	bad |= put(ev->create, m, HS_OC_TIME, when);
	bad |= put(ev->state, m, HS_OS_KEY, ev->mcid);
	bad |= put(ev->state, m, HS_OS_STATE, state);
	bad |= put(ev->state, m, HS_OS_CAMPAIGN, text(o, "campaign_id"));
	bad |= put(ev->state, m, HS_OS_COMERCIAL, text(o, "comercial_id"));
	bad |= put(ev->state, m, HS_OS_TIPO, text(o, "tipo_asignacion"));
	bad |= put(ev->state, m, HS_OS_TIME, when);
	bad |= put(ev->state, m, HS_OS_IDEM, idem);
	return bad;
}

static struct json_object *
parse_body(const struct hs_delivery *d)
{
	struct json_tokener *tok = json_tokener_new_ex(HS_JSON_MAX_DEPTH);
	struct json_object *o = NULL;

	if (tok && d->body_len < (size_t)HS_MAX_BODY_HARD) {
		o = json_tokener_parse_ex(tok, d->body, (int)d->body_len);
		if (json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(o);
			o = NULL;
		}
	}
	json_tokener_free(tok);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

enum hs_err
hs_odoo_event_parse(const struct hs_odoo_map *m, const struct hs_delivery *d,
                    struct hs_odoo_event *ev, char *why, size_t whylen)
{
	struct json_object *o = NULL;
	const char *kind = d->kind ? d->kind : "", *mcid;
	char when[32];
	int bad;

	memset(ev, 0, sizeof(*ev));
	if (!d->source || strcmp(d->source, "manychat") ||
	    (strcmp(kind, "contact") && strcmp(kind, "campaign"))) {
		snprintf(why, whylen, "the odoo sink takes ManyChat contact "
		         "and campaign events, not '%.40s/%.40s'",
		         d->source ? d->source : "", kind);
		return HS_EINVAL;
	}
	ev->kind = strcmp(kind, "contact") ? HS_ODOO_CAMPAIGN : HS_ODOO_CONTACT;
	o = parse_body(d);
	mcid = o ? text(o, "manychat_id") : NULL;
	if (!mcid || strlen(mcid) >= sizeof(ev->mcid)) {
		snprintf(why, whylen, "%s", !o ? "body is not a JSON object" :
		         "body has no usable manychat_id");
		json_object_put(o);
		return HS_EINVAL;
	}
	snprintf(ev->mcid, sizeof(ev->mcid), "%s", mcid);
	if (hs_odoo_datetime(text(o, "datetime_actual"), when, sizeof(when)) &&
	    hs_odoo_datetime(d->received_at, when, sizeof(when)))
		when[0] = '\0';
	ev->update = json_object_new_object();
	ev->create = json_object_new_object();
	ev->state = ev->kind == HS_ODOO_CAMPAIGN ? json_object_new_object() :
	    NULL;
	bad = !ev->update || !ev->create ||
	    (ev->kind == HS_ODOO_CAMPAIGN && !ev->state);
	if (!bad)
		bad = ev->kind == HS_ODOO_CONTACT ?
		    contact_values(m, o, ev, when[0] ? when : NULL) :
		    campaign_values(m, o, ev, when[0] ? when : NULL,
		                    d->idem_key);
	json_object_put(o);
	if (bad) {
		hs_odoo_event_release(ev);
		return HS_ENOMEM;
	}
	return HS_OK;
}

void
hs_odoo_event_release(struct hs_odoo_event *ev)
{
	json_object_put(ev->update);
	json_object_put(ev->create);
	json_object_put(ev->state);
	ev->update = ev->create = ev->state = NULL;
}
