/*
 * sinks/sql/row.c - events as rows of Contact, Campaign_Contact and
 * Webhook_Event, and the statements that write them (see sinks/sql/row.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/caps.h"
#include "sinks/sink.h"
#include "sinks/sql/row.h"
#include "core/timefmt.h"
#include "core/banned.h"

/* The statements ---------------------------------------------------------- */

#define C(x) HS_SQL_##x

static const enum hs_sql_col insert_campaign[] = {
	C(KEY), C(MID), C(CAMPAIGN_ID), C(COMERCIAL), C(ESTADO), C(TIPO),
	C(EVENT_AT), C(RECV_AT), C(PAYLOAD),
	C(KEY),
};

static const enum hs_sql_col insert_contact[] = {
	C(MID), C(KEY), C(EVENT_AT), C(RECV_AT), C(NOMBRE), C(FIRST), C(LAST),
	C(SUBID), C(ESTADO), C(PHONE), C(EMAIL), C(PAYLOAD),
	C(MID),
};

static const enum hs_sql_col update_contact[] = {
	C(KEY), C(EVENT_AT), C(RECV_AT), C(NOMBRE), C(FIRST), C(LAST),
	C(SUBID), C(ESTADO), C(PHONE), C(EMAIL), C(PAYLOAD),
	C(MID), C(EVENT_AT), C(EVENT_AT), C(RECV_AT), C(EVENT_AT), C(RECV_AT),
	C(KEY),
};

static const enum hs_sql_col insert_event[] = {
	C(SOURCE), C(KEY), C(KIND), C(ENTITY), C(RECV_AT), C(PAYLOAD),
	C(SOURCE), C(KEY),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every dialect accepts these (protocols.md §8.3); only '?' carries data. */
const struct hs_sql_stmt hs_sql_stmts[HS_SQL_NSTMT] = {
	[HS_SQL_INSERT_CAMPAIGN] = { HS_SQL_CAMPAIGN,
	    "INSERT INTO Campaign_Contact (idem_key, manychat_id, campaign_id, "
	    "comercial_id, ultimo_estado, tipo_asignacion, event_at, "
	    "received_at, payload) "
	    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? "
	    "WHERE NOT EXISTS (SELECT 1 FROM Campaign_Contact "
	    "WHERE idem_key = ?)",
	    N(insert_campaign), insert_campaign },
	[HS_SQL_INSERT_CONTACT] = { HS_SQL_CONTACT,
	    "INSERT INTO Contact (manychat_id, idem_key, event_at, received_at, "
	    "nombre_lead, first_name, last_name, subscriber_id, ultimo_estado, "
	    "phone, email, payload) "
	    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
	    "WHERE NOT EXISTS (SELECT 1 FROM Contact WHERE manychat_id = ?)",
	    N(insert_contact), insert_contact },
	[HS_SQL_UPDATE_CONTACT] = { HS_SQL_CONTACT,
	    "UPDATE Contact SET idem_key = ?, event_at = ?, received_at = ?, "
	    "nombre_lead = ?, first_name = ?, last_name = ?, "
	    "subscriber_id = ?, ultimo_estado = ?, phone = ?, email = ?, "
	    "payload = ? "
	    "WHERE manychat_id = ? AND (event_at < ? "
	    "OR (event_at = ? AND received_at < ?) "
	    "OR (event_at = ? AND received_at = ? AND idem_key < ?))",
	    N(update_contact), update_contact, 1 },
	[HS_SQL_INSERT_EVENT] = { HS_SQL_EVENT,
	    "INSERT INTO Webhook_Event (source, idem_key, kind, entity_key, "
	    "received_at, payload) "
	    "SELECT ?, ?, ?, ?, ?, ? "
	    "WHERE NOT EXISTS (SELECT 1 FROM Webhook_Event "
	    "WHERE source = ? AND idem_key = ?)",
	    N(insert_event), insert_event },
};

const char *
hs_sql_table_name(enum hs_sql_table t)
{
	return t == HS_SQL_CONTACT ? "Contact" :
	    t == HS_SQL_CAMPAIGN ? "Campaign_Contact" : "Webhook_Event";
}

/* Rows -------------------------------------------------------------------- */

/* The fields each table takes from the payload, by JSON key. */
struct field {
	enum hs_sql_col col;
	const char *key;
};

static const struct field contact_fields[] = {
	{ C(MID), "manychat_id" }, { C(NOMBRE), "nombre_lead" },
	{ C(FIRST), "first_name" }, { C(LAST), "last_name" },
	{ C(SUBID), "id" }, { C(ESTADO), "ultimo_estado" },
	{ C(PHONE), "phone" }, { C(EMAIL), "email" }, { 0, NULL },
};

static const struct field campaign_fields[] = {
	{ C(MID), "manychat_id" }, { C(CAMPAIGN_ID), "campaign_id" },
	{ C(COMERCIAL), "comercial_id" }, { C(ESTADO), "ultimo_estado" },
	{ C(TIPO), "tipo_asignacion" }, { 0, NULL },
};

/* A field as text: strings as they are, numbers and booleans as JSON
 * writes them, null or absent as NULL. Borrowed from o. */
static const char *
text_of(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v = NULL;
	const char *s;

	*len = 0;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (json_object_is_type(v, json_type_string)) {
		*len = (size_t)json_object_get_string_len(v);
		return json_object_get_string(v);
	}
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	*len = s ? strlen(s) : 0;
	return s;
}

static struct json_object *
parse(const struct hs_delivery *d)
{
	struct json_tokener *tok = json_tokener_new_ex(HS_JSON_MAX_DEPTH);
	struct json_object *j = NULL;

	if (!tok)
		return NULL;
	if (d->body_len <= (size_t)HS_MAX_BODY_HARD)
		j = json_tokener_parse_ex(tok, d->body, (int)d->body_len);
	if (j && (json_tokener_get_parse_end(tok) != d->body_len ||
	    !json_object_is_type(j, json_type_object))) {
		json_object_put(j);
		j = NULL;
	}
	json_tokener_free(tok);
	return j;
}

static enum hs_err
times(struct hs_sql_row *row, const struct hs_delivery *d, char *why,
      size_t whylen)
{
	const char *when;
	size_t n;

	if (!d->received_at ||
	    hs_time_parse_iso(d->received_at, &row->at_ms[1]) != 0) {
		snprintf(why, whylen, "received_at '%.40s' is not a time",
		    d->received_at ? d->received_at : "");
		return HS_EINVAL;
	}
	when = row->doc ? text_of(row->doc, "datetime_actual", &n) : NULL;
	if (!when || hs_time_parse_iso(when, &row->at_ms[0]) != 0)
		row->at_ms[0] = row->at_ms[1];
	return HS_OK;
}

/* A borrowed string as a text column; NULL stays SQL NULL. */
static void
set_text(struct hs_sql_row *row, enum hs_sql_col c, const char *v)
{
	row->text[c] = v;
	row->len[c] = v ? strlen(v) : 0;
}

/* The seed's table for a ManyChat event, or Webhook_Event. */
static enum hs_sql_table
table_for(const struct hs_delivery *d)
{
	if (!d->source || strcmp(d->source, "manychat") || !d->kind)
		return HS_SQL_EVENT;
	if (!strcmp(d->kind, "contact"))
		return HS_SQL_CONTACT;
	if (!strcmp(d->kind, "campaign"))
		return HS_SQL_CAMPAIGN;
	return HS_SQL_EVENT;
}

/* Contact and Campaign_Contact take their columns from the payload. */
static enum hs_err
seed_fields(struct hs_sql_row *row, const struct hs_delivery *d, char *why,
            size_t whylen)
{
	const struct field *f;

	if (!(row->doc = parse(d))) {
		snprintf(why, whylen, "the body is not a JSON object");
		return HS_EINVAL;
	}
	f = row->table == HS_SQL_CONTACT ? contact_fields : campaign_fields;
	for (; f->key; f++)
		row->text[f->col] = text_of(row->doc, f->key, &row->len[f->col]);
	if (!row->text[C(MID)] || !row->len[C(MID)] ||
	    (row->table == HS_SQL_CAMPAIGN && !row->text[C(CAMPAIGN_ID)])) {
		snprintf(why, whylen, "the body has no %s",
		    row->text[C(MID)] ? "campaign_id" : "manychat_id");
		return HS_EINVAL;
	}
	return HS_OK;
}

enum hs_err
hs_sql_row_from(struct hs_sql_row *row, const struct hs_delivery *d,
                char *why, size_t whylen)
{
	enum hs_err rc = HS_OK;

	memset(row, 0, sizeof(*row));
	row->table = table_for(d);
	if (row->table != HS_SQL_EVENT)
		rc = seed_fields(row, d, why, whylen);
	if (rc != HS_OK)
		return rc;
	set_text(row, C(KEY), d->idem_key);
	set_text(row, C(SOURCE), d->source);
	set_text(row, C(KIND), d->kind);
	set_text(row, C(ENTITY), d->entity_key);
	row->text[C(PAYLOAD)] = d->body;
	row->len[C(PAYLOAD)] = d->body_len;
	return times(row, d, why, whylen);
}

void
hs_sql_row_release(struct hs_sql_row *row)
{
	json_object_put(row->doc);
	row->doc = NULL;
}

void
hs_sql_time_split(int64_t ms, struct hs_sql_time *t)
{
	int64_t s = ms / 1000, r = ms % 1000;
	time_t tt;
	struct tm tm;

	if (r < 0) {		/* floor, for times before 1970 */
		r += 1000;
		s -= 1;
	}
	tt = (time_t)s;
	memset(&tm, 0, sizeof(tm));
	gmtime_r(&tt, &tm);
	t->year = tm.tm_year + 1900;
	t->month = tm.tm_mon + 1;
	t->day = tm.tm_mday;
	t->hour = tm.tm_hour;
	t->minute = tm.tm_min;
	t->second = tm.tm_sec;
	t->ms = (long)r;
}
