/*
 * test_sink_odoo_map.c - ManyChat events as Odoo values: the contact's
 * update and create values, the campaign's state record, datetimes in
 * Odoo's UTC format, values that are not sent, and ODOO_FIELDS renames.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "sinks/odoo/odoo.h"

static struct hs_odoo_map M;

static int
setup(void **state)
{
	char why[256];

	return hs_odoo_map_init(&M, "manychat.contact", "manychat.state", "",
	                        why, sizeof(why)) == HS_OK ? 0 : -1;
}

static struct hs_delivery
delivery(const char *kind, const char *body)
{
	struct hs_delivery d = {
		.id = 1, .event_id = 101, .source = "manychat", .kind = kind,
		.idem_key = "manychat:campaign:42:c1:2025-06-05T12:45:00Z",
		.entity_key = "manychat:42",
		.received_at = "2026-05-01T12:00:00.250Z",
		.body = body, .body_len = strlen(body),
	};

	return d;
}

static void
parse_ok(const char *kind, const char *body, struct hs_odoo_event *ev)
{
	struct hs_delivery d = delivery(kind, body);
	char why[256] = "";

	if (hs_odoo_event_parse(&M, &d, ev, why, sizeof(why)) != HS_OK)
		fail_msg("parse: %s", why);
}

static void
json_is(struct json_object *o, const char *want)
{
	assert_string_equal(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), want);
}

static void
datetimes_become_utc_without_t_or_zone(void **state)
{
	char out[32];

	assert_int_equal(hs_odoo_datetime("2025-06-05T12:41:36Z", out,
	                 sizeof(out)), 0);
	assert_string_equal(out, "2025-06-05 12:41:36");
	assert_int_equal(hs_odoo_datetime("2026-05-04T10:54:33-06:00", out,
	                 sizeof(out)), 0);
	assert_string_equal(out, "2026-05-04 16:54:33");
	assert_int_equal(hs_odoo_datetime("2025-12-31T23:30:00.999-01:00", out,
	                 sizeof(out)), 0);
	assert_string_equal(out, "2026-01-01 00:30:00");
	assert_int_equal(hs_odoo_datetime("2024-05-01", out, sizeof(out)), 0);
	assert_string_equal(out, "2024-05-01 00:00:00");
	assert_int_equal(hs_odoo_datetime("yesterday", out, sizeof(out)), -1);
	assert_int_equal(hs_odoo_datetime(NULL, out, sizeof(out)), -1);
}

static void
a_contact_event_maps_every_field(void **state)
{
	struct hs_odoo_event ev;

	parse_ok("contact", "{\"manychat_id\":\"test_contact_456\","
	    "\"nombre_lead\":\"Test Contact Data\",\"datetime_actual\":"
	    "\"2025-06-05T12:41:36Z\",\"ultimo_estado\":\"Nuevo\",\"id\":"
	    "\"1234567890_manychat_id\",\"first_name\":\"Test\",\"last_name\":"
	    "\"Data\",\"phone\":\"+56912345678\",\"email\":"
	    "\"test.data@example.com\"}", &ev);
	assert_int_equal(ev.kind, HS_ODOO_CONTACT);
	assert_string_equal(ev.mcid, "test_contact_456");
	json_is(ev.update, "{\"name\":\"Test Contact Data\",\"first_name\":"
	    "\"Test\",\"last_name\":\"Data\",\"phone\":\"+56912345678\","
	    "\"email\":\"test.data@example.com\",\"ultimo_estado\":\"Nuevo\","
	    "\"datetime_actual\":\"2025-06-05 12:41:36\"}");
	json_is(ev.create, "{\"manychat_id\":\"test_contact_456\",\"name\":"
	    "\"Test Contact Data\",\"first_name\":\"Test\",\"last_name\":"
	    "\"Data\",\"phone\":\"+56912345678\",\"email\":"
	    "\"test.data@example.com\",\"ultimo_estado\":\"Nuevo\","
	    "\"datetime_actual\":\"2025-06-05 12:41:36\"}");
	assert_null(ev.state);
	hs_odoo_event_release(&ev);
}

/* Issue 11: a real Odoo 18 manychat.contact holds the seed's payload
 * names; "last_state" stopped the first drain there. */
static void
default_fields_are_the_seed_payload_names(void **state)
{
	static const char *const want[HS_ODOO_NROLES] = {
		"manychat_id", "name", "first_name", "last_name", "phone",
		"email", "ultimo_estado", "datetime_actual", "manychat_id",
		"ultimo_estado", "campaign_id", "comercial_id",
		"tipo_asignacion", "datetime_actual", "idempotency_key",
	};
	int r;

	for (r = 0; r < HS_ODOO_NROLES; r++) {
		assert_string_equal(M.field[r], want[r]);
		assert_string_equal(hs_odoo_role_default(r), want[r]);
	}
}

static void
missing_and_null_values_are_not_sent(void **state)
{
	struct hs_odoo_event ev;

	/* An update never blanks what the event did not carry; the time
	 * falls back to when hookspool received the event. */
	parse_ok("contact", "{\"manychat_id\":42,\"phone\":null,\"email\":\"\","
	    "\"first_name\":\"Ana\",\"last_name\":null}", &ev);
	assert_string_equal(ev.mcid, "42");
	json_is(ev.update, "{\"name\":\"Ana\",\"first_name\":\"Ana\","
	    "\"datetime_actual\":\"2026-05-01 12:00:00\"}");
	hs_odoo_event_release(&ev);
	/* Without any name, a new contact is named by its ManyChat id. */
	parse_ok("contact", "{\"manychat_id\":\"m-1\",\"phone\":56912345678}",
	         &ev);
	json_is(ev.update, "{\"phone\":\"56912345678\",\"datetime_actual\":"
	    "\"2026-05-01 12:00:00\"}");
	json_is(ev.create, "{\"manychat_id\":\"m-1\",\"phone\":\"56912345678\","
	    "\"datetime_actual\":\"2026-05-01 12:00:00\",\"name\":\"m-1\"}");
	hs_odoo_event_release(&ev);
}

static void
a_campaign_appends_a_state_and_updates_the_last_state_only(void **state)
{
	struct hs_odoo_event ev;

	parse_ok("campaign", "{\"manychat_id\":\"42\",\"campaign_id\":"
	    "\"CAMP-ABC-123\",\"comercial_id\":\"COM-XYZ-001\","
	    "\"datetime_actual\":\"2025-06-05T12:45:00Z\",\"ultimo_estado\":"
	    "\"Asignado\",\"tipo_asignacion\":\"Automatica\"}", &ev);
	assert_int_equal(ev.kind, HS_ODOO_CAMPAIGN);
	json_is(ev.update, "{\"ultimo_estado\":\"Asignado\"}");
	json_is(ev.create, "{\"manychat_id\":\"42\",\"name\":\"42\","
	    "\"ultimo_estado\":\"Asignado\",\"datetime_actual\":"
	    "\"2025-06-05 12:45:00\"}");
	json_is(ev.state, "{\"manychat_id\":\"42\","
	    "\"ultimo_estado\":\"Asignado\","
	    "\"campaign_id\":\"CAMP-ABC-123\",\"comercial_id\":\"COM-XYZ-001\","
	    "\"tipo_asignacion\":\"Automatica\",\"datetime_actual\":"
	    "\"2025-06-05 12:45:00\",\"idempotency_key\":"
	    "\"manychat:campaign:42:c1:2025-06-05T12:45:00Z\"}");
	hs_odoo_event_release(&ev);
}

static void
events_odoo_cannot_take_are_refused_for_good(void **state)
{
	static const char *const cases[][3] = {
		{ "manychat", "contact", "[1]" },
		{ "manychat", "contact", "not json" },
		{ "manychat", "contact", "{\"nombre_lead\":\"x\"}" },
		{ "manychat", "campaign", "{\"manychat_id\":\"\"}" },
		{ "manychat", "campaign", "{\"manychat_id\":true}" },
		{ "manychat", "other", "{\"manychat_id\":\"1\"}" },
		{ "signed", "contact", "{\"manychat_id\":\"1\"}" },
	};
	struct hs_odoo_event ev;
	struct hs_delivery d;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = delivery(cases[i][1], cases[i][2]);
		d.source = cases[i][0];
		why[0] = '\0';
		if (hs_odoo_event_parse(&M, &d, &ev, why, sizeof(why)) !=
		    HS_EINVAL || !why[0])
			fail_msg("case %zu was not refused", i);
		assert_null(ev.update);
	}
	d = delivery("order", "{}");
	d.source = "signed";
	assert_int_equal(hs_odoo_event_parse(&M, &d, &ev, why, sizeof(why)),
	                 HS_EINVAL);
	assert_string_equal(why, "the odoo sink takes ManyChat contact and "
	    "campaign events, not 'signed/order'");
}

static void
odoo_fields_renames_and_leaves_out(void **state)
{
	struct hs_odoo_map m;
	struct hs_odoo_event ev;
	struct hs_delivery d = delivery("campaign", "{\"manychat_id\":\"7\","
	    "\"campaign_id\":\"c\",\"ultimo_estado\":\"A\"}");
	char why[256];

	assert_int_equal(hs_odoo_map_init(&m, "x_manychat.lead", "x.hist",
	    " contact.last_state = x_estado ,state.comercial_id=,"
	    "state.campaign_id=x_campaign,,", why, sizeof(why)), HS_OK);
	assert_string_equal(m.contact_model, "x_manychat.lead");
	assert_string_equal(m.field[HS_OC_STATE], "x_estado");
	assert_string_equal(m.field[HS_OS_COMERCIAL], "");
	assert_int_equal(hs_odoo_event_parse(&m, &d, &ev, why, sizeof(why)),
	                 HS_OK);
	json_is(ev.update, "{\"x_estado\":\"A\"}");
	json_is(ev.state, "{\"manychat_id\":\"7\",\"ultimo_estado\":\"A\","
	    "\"x_campaign\":\"c\",\"datetime_actual\":\"2026-05-01 12:00:00\","
	    "\"idempotency_key\":\"manychat:campaign:42:c1:"
	    "2025-06-05T12:45:00Z\"}");
	hs_odoo_event_release(&ev);
}

static void
unusable_field_settings_are_configuration_errors(void **state)
{
	static const char *const bad[] = {
		"contact.nickname=x", "contact.email", "contact.email=X-Mail",
		"contact.manychat_id=", "state.idempotency_key=",
		"contact.email=a b", NULL
	};
	struct hs_odoo_map m;
	char why[256];
	size_t i;

	for (i = 0; bad[i]; i++) {
		why[0] = '\0';
		if (hs_odoo_map_init(&m, "manychat.contact", "manychat.state",
		    bad[i], why, sizeof(why)) != HS_ECONFIG || !why[0])
			fail_msg("'%s' was accepted", bad[i]);
	}
	assert_int_equal(hs_odoo_map_init(&m, "ManyChat Contact",
	    "manychat.state", "", why, sizeof(why)), HS_ECONFIG);
	assert_string_equal(why, "ODOO_CONTACT_MODEL 'ManyChat Contact' is not "
	    "an Odoo model name");
	assert_int_equal(hs_odoo_map_init(&m, "manychat.contact", NULL, NULL,
	    why, sizeof(why)), HS_ECONFIG);
	assert_string_equal(hs_odoo_role_name(HS_OS_IDEM),
	                    "state.idempotency_key");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(datetimes_become_utc_without_t_or_zone),
		cmocka_unit_test(a_contact_event_maps_every_field),
		cmocka_unit_test(default_fields_are_the_seed_payload_names),
		cmocka_unit_test(missing_and_null_values_are_not_sent),
		cmocka_unit_test(
		    a_campaign_appends_a_state_and_updates_the_last_state_only),
		cmocka_unit_test(events_odoo_cannot_take_are_refused_for_good),
		cmocka_unit_test(odoo_fields_renames_and_leaves_out),
		cmocka_unit_test(
		    unusable_field_settings_are_configuration_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
