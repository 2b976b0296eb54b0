/*
 * test_sink_whatsapp.c - the whatsapp sink against the Graph API double
 * (tests/doubles/graph_double.py, started on a free loopback port for the
 * group) with a fake pacer: a user's message gets the greeting then the
 * menu (buttons for 1-3 options, a list for 4-10), a choice its reply,
 * every message takes a token, a throttled menu is retried alone (no
 * second greeting), 131047 is dead with Meta's reason, 190 stops the run
 * with nothing counted, 5xx and timeouts retry, the bot's texts are
 * checked in characters at open, and the probe reads the phone number.
 *
 * Skipped, with the reason printed, only when python3 cannot run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/timefmt.h"
#include "sinks/sink.h"
#include "sinks/whatsapp/whatsapp.h"

#include "double_fx.h"

#define TOKEN	"EAAG-unit-token-9x"
#define PHONE	"106540352242922"
#define USER	"5491155550001"

/* The double --------------------------------------------------------------- */

static int
group_setup(void **state)
{
	static const char *const args[] = {
		"--token", TOKEN, "--phone-id", PHONE, "--version", "v25.0", NULL
	};

	return double_start("graph_double.py", "--ready-file", args);
}

/* Messages the double has answered 200 so far (GET /received, owned). */
static struct json_object *
received(void)
{
	struct json_object *r = double_http("/received", NULL);

	assert_true(json_object_is_type(r, json_type_array));
	return r;
}

static size_t
nreceived(void)
{
	struct json_object *r = received();
	size_t n = json_object_array_length(r);

	json_object_put(r);
	return n;
}

/* What is at path ("body.interactive.type", "body.to") in received
 * message i, as text; "" when absent. Static buffer. */
static const char *
at(struct json_object *all, size_t i, const char *path)
{
	static char out[4096];
	struct json_object *o = json_object_array_get_idx(all, i);
	char copy[256], *p, *dot;

	snprintf(copy, sizeof(copy), "%s", path);
	for (p = copy; o && p; p = dot) {
		if ((dot = strchr(p, '.')) != NULL)
			*dot++ = '\0';
		if (*p >= '0' && *p <= '9')
			o = json_object_array_get_idx(o, (size_t)atoi(p));
		else if (!json_object_object_get_ex(o, p, &o))
			o = NULL;
	}
	snprintf(out, sizeof(out), "%s", o ? json_object_get_string(o) : "");
	return out;
}

/* The sink ----------------------------------------------------------------- */

static struct hs_config *
config(const char *extra)
{
	struct hs_config *c = NULL;
	char text[8192];

	snprintf(text, sizeof(text), "WHATSAPP_TOKEN=" TOKEN "\n"
	         "WHATSAPP_PHONE_NUMBER_ID=" PHONE "\n"
	         "WHATSAPP_GRAPH_URL=http://127.0.0.1:%d/\n"
	         "WHATSAPP_TIMEOUT_MS=3000\n%s", L.port, extra ? extra : "");
	assert_int_equal(hs_config_parse(&c, text, "test"), HS_OK);
	if (!hs_config_ok(c))
		fail_msg("config: %s", hs_config_problem(c, 0, NULL));
	return c;
}

struct run {
	struct hs_config *cfg;
	struct hs_sink *s;
	struct fake_pacer pacer;
	size_t seen;	/* /received before the test */
};

static void
run_open(struct run *r, const char *extra)
{
	char why[512] = "";

	need_double();
	control("{\"clear\": true}");
	r->seen = nreceived();
	r->cfg = config(extra);
	if (hs_sink_whatsapp.open(&r->s, r->cfg, why, sizeof(why)) != HS_OK)
		fail_msg("open: %s", why);
	pacer_init(&r->pacer, -1);
	hs_sink_whatsapp.set_pacer(r->s, &r->pacer.p);
}

static void
run_close(struct run *r)
{
	hs_sink_whatsapp.close(r->s);
	hs_config_free(r->cfg);
}

/* Bodies live as long as the test: one static pool per slot. */
static char bodies[8][2048];

/* A single-item envelope as the intake stores it, with message msg. */
static struct hs_delivery
event(int slot, const char *kind, const char *msg)
{
	struct hs_delivery d = {
		.id = slot + 1, .event_id = 100 + slot, .source = "whatsapp",
		.kind = kind, .idem_key = "wa:msg:x", .entity_key = USER,
		.received_at = "2026-05-01T12:00:00Z",
	};

	snprintf(bodies[slot], sizeof(bodies[slot]), "{\"object\":"
	         "\"whatsapp_business_account\",\"entry\":[{\"id\":\"WABA1\","
	         "\"changes\":[{\"field\":\"messages\",\"value\":{"
	         "\"messaging_product\":\"whatsapp\",\"metadata\":{"
	         "\"display_phone_number\":\"15550783881\",\"phone_number_id\":"
	         "\"" PHONE "\"},\"contacts\":[{\"profile\":{\"name\":\"Ana\"},"
	         "\"wa_id\":\"%s\"}],\"messages\":[%s]}}]}]}", USER, msg);
	d.body = bodies[slot];
	d.body_len = strlen(bodies[slot]);
	return d;
}

static struct hs_delivery
text(int slot, const char *from)
{
	char m[512];

	snprintf(m, sizeof(m), "{\"from\":\"%s\",\"id\":\"wamid.in%d\","
	         "\"timestamp\":\"1749416383\",\"type\":\"text\",\"text\":{"
	         "\"body\":\"Hola\"}}", from, slot);
	return event(slot, "message", m);
}

static struct hs_delivery
button_choice(int slot, const char *id, const char *title)
{
	char m[512];

	snprintf(m, sizeof(m), "{\"from\":\"" USER "\",\"id\":\"wamid.c%d\","
	         "\"timestamp\":\"1749416383\",\"type\":\"interactive\","
	         "\"context\":{\"from\":\"15550783881\",\"id\":\"wamid.menu\"},"
	         "\"interactive\":{\"type\":\"button_reply\",\"button_reply\":"
	         "{\"id\":\"%s\",\"title\":\"%s\"}}}", slot, id, title);
	return event(slot, "choice", m);
}

static enum hs_err
deliver(struct run *r, const struct hs_delivery *d, size_t n,
        struct hs_outcome *out, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < n; i++) {	/* as the engine presets them */
		memset(&out[i], 0, sizeof(out[i]));
		out[i].kind = HS_OUT_UNSENT;
		out[i].retry_after_ms = -1;
		out[i].progress = d[i].progress;
		snprintf(out[i].error, sizeof(out[i].error), "not sent");
	}
	why[0] = '\0';
	return hs_sink_whatsapp.deliver(r->s, d, n, hs_now_ms(), out, why,
	    whylen);
}

/* The messages received since the test began (owned). */
static struct json_object *
new_received(const struct run *r)
{
	struct json_object *all = received(), *out = json_object_new_array();
	size_t i;

	for (i = r->seen; i < json_object_array_length(all); i++)
		json_object_array_add(out, json_object_get(
		    json_object_array_get_idx(all, i)));
	json_object_put(all);
	return out;
}

/* Tests ------------------------------------------------------------------ */

static void
registry_knows_whatsapp_an_immediate_self_paced_sink(void **state)
{
	struct hs_config *c = NULL;

	assert_ptr_equal(hs_sink_find("whatsapp"), &hs_sink_whatsapp);
	assert_int_equal(hs_sink_whatsapp.immediate, 1);
	assert_non_null(hs_sink_whatsapp.set_pacer);
	assert_non_null(hs_sink_whatsapp.probe);
	assert_string_equal(hs_sink_whatsapp.rate_key, "WHATSAPP_RATE");
	assert_string_equal(hs_sink_whatsapp.required[0], "WHATSAPP_TOKEN");
	assert_string_equal(hs_sink_whatsapp.required[1],
	    "WHATSAPP_PHONE_NUMBER_ID");
	assert_null(hs_sink_whatsapp.required[2]);
	assert_int_equal(hs_config_parse(&c, "LOG_LEVEL=info\n", "t"), HS_OK);
	assert_false(hs_sink_whatsapp.configured(c));
	assert_int_equal(hs_config_int(c, "WHATSAPP_RATE"), 80);
	assert_int_equal(hs_config_int(c, "WHATSAPP_BATCH"), 20);
	assert_string_equal(hs_config_get(c, "BOT_MENU_OPTIONS"),
	    "Pileta,Tenis,SUM");
	assert_string_equal(hs_config_get(c, "BOT_CHOICE_REPLY"), "");
	hs_config_free(c);
	/* Half set is the file's error, naming what is missing. */
	assert_int_equal(hs_config_parse(&c, "WHATSAPP_TOKEN=x\n", "t"),
	    HS_OK);
	assert_false(hs_config_ok(c));
	assert_non_null(strstr(hs_config_problem(c, 0, NULL),
	    "WHATSAPP_PHONE_NUMBER_ID"));
	hs_config_free(c);
}

static void
a_message_gets_the_greeting_then_the_menu_buttons(void **state)
{
	struct run r;
	struct hs_delivery d;
	struct hs_outcome out;
	struct json_object *got;
	char why[512], receipt[300];

	run_open(&r, NULL);
	d = text(0, USER);
	assert_int_equal(deliver(&r, &d, 1, &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_DONE);
	assert_int_equal(out.progress, 2);
	assert_int_equal(r.pacer.takes, 2);	/* a token per message */
	got = new_received(&r);
	assert_int_equal(json_object_array_length(got), 2);
	assert_string_equal(at(got, 0, "body.to"), USER);
	assert_string_equal(at(got, 0, "body.type"), "text");
	assert_string_equal(at(got, 0, "body.text.body"), "Hola!");
	assert_string_equal(at(got, 1, "body.to"), USER);
	assert_string_equal(at(got, 1, "body.type"), "interactive");
	assert_string_equal(at(got, 1, "body.messaging_product"), "whatsapp");
	assert_string_equal(at(got, 1, "body.interactive.type"), "button");
	assert_string_equal(at(got, 1, "body.interactive.body.text"),
	    "Por favor elije una opción:");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.buttons.0.reply.id"), "pileta");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.buttons.0.type"), "reply");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.buttons.1.reply.id"), "tenis");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.buttons.2.reply.id"), "sum");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.buttons.2.reply.title"), "SUM");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.buttons.3.reply.id"), "");
	/* The receipt: both wamids, greeting first. */
	snprintf(receipt, sizeof(receipt), "%s ", at(got, 0, "wamid"));
	snprintf(receipt + strlen(receipt), sizeof(receipt) - strlen(receipt),
	    "%s", at(got, 1, "wamid"));
	assert_string_equal(out.receipt, receipt);
	assert_string_equal(at(got, 0, "auth"), "ok");
	json_object_put(got);
	run_close(&r);
}

static void
four_options_make_a_list_with_ids_given_or_made(void **state)
{
	struct run r;
	struct hs_delivery d;
	struct hs_outcome out;
	struct json_object *got;
	char why[512];

	run_open(&r, "BOT_MENU_OPTIONS=Pileta, Tenis ,SUM,gym:Gimnasio y más\n"
	    "BOT_MENU_BUTTON=Elegí 👇\nBOT_GREETING=¡Hola! 👋\n");
	d = text(0, USER);
	assert_int_equal(deliver(&r, &d, 1, &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_DONE);
	got = new_received(&r);
	assert_int_equal(json_object_array_length(got), 2);
	assert_string_equal(at(got, 0, "body.text.body"), "¡Hola! 👋");
	assert_string_equal(at(got, 1, "body.interactive.type"), "list");
	assert_string_equal(at(got, 1, "body.interactive.action.button"),
	    "Elegí 👇");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.sections.0.rows.1.id"), "tenis");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.sections.0.rows.1.title"), "Tenis");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.sections.0.rows.3.id"), "gym");
	assert_string_equal(at(got, 1,
	    "body.interactive.action.sections.0.rows.3.title"),
	    "Gimnasio y más");
	json_object_put(got);
	run_close(&r);
}

static void
a_choice_gets_the_reply_with_the_options_title(void **state)
{
	struct run r;
	struct hs_delivery d[3];
	struct hs_outcome out[3];
	struct json_object *got;
	char why[512];

	run_open(&r, "BOT_CHOICE_REPLY=Elegiste {option} ✅ ({option})\n");
	d[0] = button_choice(0, "tenis", "TENIS?");	/* ours wins */
	d[1] = button_choice(1, "old", "Cancha vieja");	/* Meta's title */
	d[2] = event(2, "choice", "{\"from\":\"" USER "\",\"id\":\"wamid.q\","
	    "\"type\":\"button\",\"button\":{\"payload\":\"sum\",\"text\":"
	    "\"Salón\"}}");
	assert_int_equal(deliver(&r, d, 3, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_DONE);
	assert_int_equal(out[0].progress, 1);
	assert_int_equal(out[2].kind, HS_OUT_DONE);
	got = new_received(&r);
	assert_int_equal(json_object_array_length(got), 3);
	assert_string_equal(at(got, 0, "body.type"), "text");
	assert_string_equal(at(got, 0, "body.text.body"),
	    "Elegiste Tenis ✅ (Tenis)");
	assert_string_equal(at(got, 1, "body.text.body"),
	    "Elegiste Cancha vieja ✅ (Cancha vieja)");
	assert_string_equal(at(got, 2, "body.text.body"),
	    "Elegiste SUM ✅ (SUM)");
	assert_string_equal(out[0].receipt, at(got, 0, "wamid"));
	json_object_put(got);
	run_close(&r);
}

static void
nothing_to_send_is_dead_without_a_request(void **state)
{
	struct run r;
	struct hs_delivery d[3];
	struct hs_outcome out[3];
	char why[512];

	run_open(&r, NULL);	/* BOT_CHOICE_REPLY empty */
	d[0] = button_choice(0, "tenis", "Tenis");
	d[1] = text(1, USER);
	d[1].kind = "status";
	d[2] = event(2, "message", "{\"id\":\"wamid.nofrom\"}");
	assert_int_equal(deliver(&r, d, 3, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_DEAD);
	assert_string_equal(out[0].error, "nothing to send for kind choice "
	    "(BOT_CHOICE_REPLY is empty)");
	assert_int_equal(out[1].kind, HS_OUT_DEAD);
	assert_string_equal(out[1].error, "nothing to send for kind status");
	assert_int_equal(out[2].kind, HS_OUT_DEAD);
	assert_non_null(strstr(out[2].error, "from"));
	assert_int_equal(r.pacer.takes, 0);
	assert_int_equal(nreceived(), r.seen);
	run_close(&r);
}

/* 429 on the menu: retry at Retry-After with the greeting kept done; the
 * next attempt sends the menu alone. */
static void
a_throttled_menu_is_retried_alone_never_a_second_greeting(void **state)
{
	struct run r;
	struct hs_delivery d;
	struct hs_outcome out;
	struct json_object *got;
	char why[512];

	run_open(&r, NULL);
	control("{\"script\": [{\"status\": 200}, {\"status\": 429, "
	    "\"retry_after\": \"1\"}]}");
	d = text(0, USER);
	assert_int_equal(deliver(&r, &d, 1, &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_RETRY);
	assert_int_equal(out.progress, 1);
	assert_int_equal(out.retry_after_ms, 1000);
	assert_non_null(strstr(out.error, "429"));
	d.progress = out.progress;	/* what the engine keeps */
	d.attempts = 1;
	assert_int_equal(deliver(&r, &d, 1, &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_DONE);
	assert_int_equal(out.progress, 2);
	got = new_received(&r);
	assert_int_equal(json_object_array_length(got), 2);
	assert_string_equal(at(got, 0, "body.type"), "text");
	assert_string_equal(at(got, 1, "body.type"), "interactive");
	assert_string_equal(out.receipt, at(got, 1, "wamid"));
	json_object_put(got);
	run_close(&r);
}

/* The number's throughput (130429): the rest of the batch is not sent;
 * the pair limit (131056) holds back that user only. */
static void
throughput_limits_stop_the_batch_pair_limits_do_not(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];

	run_open(&r, NULL);
	control("{\"script\": [{\"code\": 130429}]}");
	d[0] = text(0, USER);
	d[1] = text(1, "5491155550002");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(out[0].progress, 0);
	assert_non_null(strstr(out[0].error, "graph 130429: "));
	assert_int_equal(out[1].kind, HS_OUT_UNSENT);
	/* The greeting's and the menu's tokens, taken at once. */
	assert_int_equal(r.pacer.takes, 2);
	control("{\"script\": [{\"code\": 131056}]}");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(out[1].kind, HS_OUT_DONE);
	run_close(&r);
}

static void
outside_the_24_hour_window_is_dead_with_metas_reason(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];

	run_open(&r, NULL);
	control("{\"script\": [{\"code\": 131047}]}");
	d[0] = text(0, USER);
	d[1] = text(1, "5491155550002");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_DEAD);
	assert_string_equal(out[0].error,
	    "graph 131047: (#131047) Re-engagement message");
	assert_int_equal(out[1].kind, HS_OUT_DONE);	/* others go on */
	run_close(&r);
}

/* 190 after the greeting: HS_EAUTH, every delivery unsent (no attempt
 * counted), the greeting's step kept; the token is never repeated. */
static void
a_refused_token_stops_the_run_with_nothing_counted(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];

	run_open(&r, NULL);
	control("{\"script\": [{\"status\": 200}, {\"code\": 190}]}");
	d[0] = text(0, USER);
	d[1] = text(1, "5491155550002");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_EAUTH);
	assert_int_equal(out[0].kind, HS_OUT_UNSENT);
	assert_int_equal(out[0].progress, 1);
	assert_int_equal(out[1].kind, HS_OUT_UNSENT);
	assert_int_equal(out[1].progress, 0);
	assert_non_null(strstr(why, "WHATSAPP_TOKEN"));
	assert_non_null(strstr(why, "190"));
	assert_null(strstr(why, TOKEN));
	assert_null(strstr(out[0].error, TOKEN));
	assert_int_equal(r.pacer.takes, 2);
	/* A token the double no longer accepts: the same, at once. */
	control("{\"token\": \"rotated\"}");
	assert_int_equal(deliver(&r, d, 1, out, why, sizeof(why)), HS_EAUTH);
	assert_int_equal(out[0].kind, HS_OUT_UNSENT);
	control("{\"token\": \"" TOKEN "\"}");
	run_close(&r);
}

static void
server_errors_and_timeouts_are_retried(void **state)
{
	struct run r;
	struct hs_delivery d;
	struct hs_outcome out;
	char why[512];
	double t0;

	run_open(&r, "WHATSAPP_TIMEOUT_MS=300\n");
	control("{\"script\": [{\"status\": 500}, {\"code\": 131000}, "
	    "{\"delay_ms\": 1000}]}");
	d = text(0, USER);
	assert_int_equal(deliver(&r, &d, 1, &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_RETRY);
	assert_string_equal(out.error, "graph HTTP 500: scripted HTTP 500");
	assert_int_equal(deliver(&r, &d, 1, &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_RETRY);
	assert_non_null(strstr(out.error, "graph 131000: "));
	t0 = hs_mono_ms_f();
	assert_int_equal(deliver(&r, &d, 1, &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_RETRY);
	assert_non_null(strstr(out.error, "timeout"));
	assert_true(hs_mono_ms_f() - t0 < 900);
	assert_int_equal(out.progress, 0);
	usleep(1000 * 1000);	/* the slow answer goes before the next test */
	run_close(&r);
}

static void
nothing_listening_is_a_retry(void **state)
{
	struct hs_config *c = NULL;
	struct hs_sink *s = NULL;
	struct hs_delivery d;
	struct hs_outcome out;
	char why[512];

	need_double();
	assert_int_equal(hs_config_parse(&c, "WHATSAPP_TOKEN=t\n"
	    "WHATSAPP_PHONE_NUMBER_ID=1\nWHATSAPP_GRAPH_URL=http://127.0.0.1:9"
	    "\n", "t"), HS_OK);
	assert_int_equal(hs_sink_whatsapp.open(&s, c, why, sizeof(why)),
	    HS_OK);
	d = text(0, USER);
	memset(&out, 0, sizeof(out));
	assert_int_equal(hs_sink_whatsapp.deliver(s, &d, 1, hs_now_ms(), &out,
	    why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_RETRY);
	assert_non_null(strstr(out.error, "graph: "));
	hs_sink_whatsapp.close(s);
	hs_config_free(c);
}

/* The run's time up between the greeting and the menu: retry with the
 * greeting done; up before anything: unsent. */
static void
time_up_keeps_what_was_sent(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];

	run_open(&r, NULL);
	r.pacer.budget = 1;
	d[0] = text(0, USER);
	d[1] = text(1, "5491155550002");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(out[0].progress, 1);
	assert_int_equal(out[1].kind, HS_OUT_UNSENT);
	assert_int_equal(out[1].progress, 0);
	assert_int_equal(nreceived(), r.seen + 1);
	run_close(&r);
}

static void
an_empty_greeting_sends_the_menu_alone(void **state)
{
	struct run r;
	struct hs_delivery d;
	struct hs_outcome out;
	struct json_object *got;
	char why[512];

	run_open(&r, "BOT_GREETING=\nBOT_MENU_OPTIONS=Sí,No\n");
	d = text(0, USER);
	assert_int_equal(deliver(&r, &d, 1, &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_DONE);
	assert_int_equal(out.progress, 2);
	got = new_received(&r);
	assert_int_equal(json_object_array_length(got), 1);
	assert_string_equal(at(got, 0,
	    "body.interactive.action.buttons.0.reply.id"), "s");
	json_object_put(got);
	run_close(&r);
}

/* open() with extra: HS_ECONFIG whose why holds want. */
static void
refused(const char *extra, const char *want)
{
	struct hs_config *c = NULL;
	struct hs_sink *s = NULL;
	char text[8192], why[512] = "";
	enum hs_err rc;

	snprintf(text, sizeof(text), "WHATSAPP_TOKEN=" TOKEN "\n"
	         "WHATSAPP_PHONE_NUMBER_ID=" PHONE "\n%s", extra);
	assert_int_equal(hs_config_parse(&c, text, "t"), HS_OK);
	rc = hs_sink_whatsapp.open(&s, c, why, sizeof(why));
	if (rc != HS_ECONFIG || !strstr(why, want))
		fail_msg("%s: rc %d why '%s', wanted '%s'", extra, rc, why,
		         want);
	assert_null(s);
	assert_null(strstr(why, TOKEN));
	hs_config_free(c);
}

static void
accepted(const char *extra)
{
	struct hs_config *c = NULL;
	struct hs_sink *s = NULL;
	char text[8192], why[512] = "";

	snprintf(text, sizeof(text), "WHATSAPP_TOKEN=" TOKEN "\n"
	         "WHATSAPP_PHONE_NUMBER_ID=" PHONE "\n%s", extra);
	assert_int_equal(hs_config_parse(&c, text, "t"), HS_OK);
	if (hs_sink_whatsapp.open(&s, c, why, sizeof(why)) != HS_OK)
		fail_msg("%s: %s", extra, why);
	hs_sink_whatsapp.close(s);
	hs_config_free(c);
}

static void
open_checks_the_bots_texts_in_characters(void **state)
{
	/* 20 characters, 64 bytes: a button title that fits. */
	accepted("BOT_MENU_OPTIONS=Ñandú 🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾,b\n");
	refused("BOT_MENU_OPTIONS=Ñandú 🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾,b\n",
	    "BOT_MENU_OPTIONS option 1 title 'Ñandú 🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾🎾'"
	    " has 21 characters: a reply button's title");
	/* Four options make a list, whose rows take 24. */
	accepted("BOT_MENU_OPTIONS=a,b,c,Reservá la cancha ñ 🎾🎾🎾🎾\n");
	refused("BOT_MENU_OPTIONS=a,b,c,Reservá la cancha ñ 🎾🎾🎾🎾🎾\n",
	    "has 25 characters: a list row's title");
	refused("BOT_MENU_OPTIONS=\n", "BOT_MENU_OPTIONS has 0 options: a "
	    "menu takes 1 to 10");
	refused("BOT_MENU_OPTIONS=1,2,3,4,5,6,7,8,9,10,11\n",
	    "BOT_MENU_OPTIONS has 11 options");
	refused("BOT_MENU_OPTIONS=Tenis,tenis\n", "options 1 and 2 have the "
	    "same id 'tenis'");
	refused("BOT_MENU_OPTIONS=Pileta,,SUM\n", "option 2 has no title");
	refused("BOT_MENU_OPTIONS=¿¡?,b\n", "option 1 '¿¡?' has no id");
	refused("BOT_MENU_OPTIONS=:Pileta\n", "nothing before the colon");
	refused("BOT_MENU_PROMPT=\n", "BOT_MENU_PROMPT is empty: an interactive "
	    "message's body takes 1 to 1024 characters");
	refused("BOT_MENU_OPTIONS=a,b,c,d\nBOT_MENU_BUTTON=Ver todas las "
	    "opciones\n", "BOT_MENU_BUTTON 'Ver todas las opciones' has 22 "
	    "characters: a list's button");
	accepted("BOT_MENU_BUTTON=Ver todas las opciones\n");	/* unused */
	refused("BOT_GREETING=\xc3\x28\n", "BOT_GREETING is not valid UTF-8");
	refused("WHATSAPP_API_VERSION=25\n", "WHATSAPP_API_VERSION '25'");
	refused("WHATSAPP_GRAPH_URL=graph.facebook.com\n",
	    "WHATSAPP_GRAPH_URL 'graph.facebook.com'");
	refused("WHATSAPP_PHONE_NUMBER_ID=12/34\n", "WHATSAPP_PHONE_NUMBER_ID");
}

static void
long_texts_are_counted_in_characters_too(void **state)
{
	char *extra = malloc(20000), *p;
	int i;

	assert_non_null(extra);
	/* 1024 "ñ" (2048 bytes): the most a menu's body takes. */
	p = extra + sprintf(extra, "BOT_MENU_PROMPT=");
	for (i = 0; i < 1024; i++)
		p += sprintf(p, "ñ");
	sprintf(p, "\n");
	accepted(extra);
	sprintf(p, "ñ\n");
	refused(extra, "BOT_MENU_PROMPT 'ññ");
	refused(extra, "has 1025 characters: an interactive message's body "
	    "takes at most 1024");
	/* A reply of 4090 characters (6090 bytes) and "Pileta" fits;
	 * one more character does not. */
	p = extra + sprintf(extra, "BOT_CHOICE_REPLY=");
	for (i = 0; i < 4090; i++)
		p += sprintf(p, i < 2000 ? "ñ" : "a");
	sprintf(p, "{option}\n");
	accepted(extra);
	sprintf(p, "a{option}\n");
	refused(extra, "BOT_CHOICE_REPLY with {option} replaced 'ññ");
	refused(extra, "' has 4097 characters: a text message takes at most "
	    "4096 (the longest option title in it)");
	free(extra);
}

static void
classify_follows_metas_codes_then_the_status(void **state)
{
	struct hs_wa_reply r;
	const char *body;
	static const struct {
		int status;
		const char *body;
		enum hs_wa_class cls;
	} cases[] = {
		{ 400, "{\"error\":{\"code\":131026,\"message\":\"m\"}}",
		  HS_WA_DEAD },
		{ 400, "{\"error\":{\"code\":368,\"message\":\"m\"}}",
		  HS_WA_DEAD },
		{ 400, "{\"error\":{\"code\":4,\"message\":\"m\"}}",
		  HS_WA_THROTTLED },
		{ 400, "{\"error\":{\"code\":80007,\"message\":\"m\"}}",
		  HS_WA_THROTTLED },
		{ 429, "{\"error\":{\"code\":131056,\"message\":\"m\"}}",
		  HS_WA_RETRY },
		{ 500, "{\"error\":{\"code\":2,\"message\":\"m\"}}",
		  HS_WA_RETRY },
		{ 500, "{\"error\":{\"code\":131047,\"message\":\"m\"}}",
		  HS_WA_DEAD },
		{ 401, "<html>no</html>", HS_WA_AUTH },
		{ 403, "{\"error\":{\"code\":10,\"message\":\"perm\"}}",
		  HS_WA_DEAD },
		{ 503, "<html>busy</html>", HS_WA_RETRY },
		{ 429, "", HS_WA_THROTTLED },
		{ 200, "{\"messages\":[{\"id\":\"wamid.X\"}]}", HS_WA_OK },
		{ 200, "{\"messages\":[]}", HS_WA_RETRY },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hs_wa_classify(cases[i].status, "7", cases[i].body,
		    strlen(cases[i].body), 0, &r);
		if (r.cls != cases[i].cls)
			fail_msg("case %zu: class %d, want %d (%s)", i, r.cls,
			         cases[i].cls, r.what);
		assert_int_equal(r.retry_after_ms, 7000);
	}
	body = "{\"error\":{\"code\":131009,\"message\":\"bad\\nvalue\"}}";
	hs_wa_classify(400, NULL, body, strlen(body), 0, &r);
	assert_string_equal(r.what, "graph 131009: bad value");
	assert_int_equal(r.retry_after_ms, -1);
}

static void
the_probe_reads_the_phone_number_with_the_token(void **state)
{
	struct hs_config *c;
	char d[1024];

	need_double();
	control("{\"clear\": true}");
	c = config(NULL);
	assert_int_equal(hs_sink_whatsapp.probe(c, hs_now_ms(), 2000, d,
	    sizeof(d)), HS_PROBE_OK);
	assert_non_null(strstr(d, PHONE));
	assert_null(strstr(d, TOKEN));
	control("{\"token\": \"rotated\"}");
	assert_int_equal(hs_sink_whatsapp.probe(c, hs_now_ms(), 2000, d,
	    sizeof(d)), HS_PROBE_FAIL);
	assert_non_null(strstr(d, "refused WHATSAPP_TOKEN"));
	assert_non_null(strstr(d, "190"));
	assert_null(strstr(d, TOKEN));
	control("{\"token\": \"" TOKEN "\"}");
	hs_config_free(c);
	c = config("WHATSAPP_PHONE_NUMBER_ID=999\n");
	assert_int_equal(hs_sink_whatsapp.probe(c, hs_now_ms(), 2000, d,
	    sizeof(d)), HS_PROBE_FAIL);
	assert_non_null(strstr(d, "WHATSAPP_PHONE_NUMBER_ID"));
	hs_config_free(c);
	c = config("BOT_MENU_OPTIONS=\n");
	assert_int_equal(hs_sink_whatsapp.probe(c, hs_now_ms(), 2000, d,
	    sizeof(d)), HS_PROBE_FAIL);
	assert_non_null(strstr(d, "BOT_MENU_OPTIONS"));
	hs_config_free(c);
	assert_int_equal(hs_config_parse(&c, "WHATSAPP_TOKEN=t\n"
	    "WHATSAPP_PHONE_NUMBER_ID=1\nWHATSAPP_GRAPH_URL=http://127.0.0.1:9"
	    "\n", "t"), HS_OK);
	assert_int_equal(hs_sink_whatsapp.probe(c, hs_now_ms(), 2000, d,
	    sizeof(d)), HS_PROBE_FAIL);
	assert_non_null(strstr(d, "cannot reach"));
	hs_config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    registry_knows_whatsapp_an_immediate_self_paced_sink),
		cmocka_unit_test(
		    a_message_gets_the_greeting_then_the_menu_buttons),
		cmocka_unit_test(
		    four_options_make_a_list_with_ids_given_or_made),
		cmocka_unit_test(
		    a_choice_gets_the_reply_with_the_options_title),
		cmocka_unit_test(nothing_to_send_is_dead_without_a_request),
		cmocka_unit_test(
		    a_throttled_menu_is_retried_alone_never_a_second_greeting),
		cmocka_unit_test(
		    throughput_limits_stop_the_batch_pair_limits_do_not),
		cmocka_unit_test(
		    outside_the_24_hour_window_is_dead_with_metas_reason),
		cmocka_unit_test(
		    a_refused_token_stops_the_run_with_nothing_counted),
		cmocka_unit_test(server_errors_and_timeouts_are_retried),
		cmocka_unit_test(nothing_listening_is_a_retry),
		cmocka_unit_test(time_up_keeps_what_was_sent),
		cmocka_unit_test(an_empty_greeting_sends_the_menu_alone),
		cmocka_unit_test(open_checks_the_bots_texts_in_characters),
		cmocka_unit_test(long_texts_are_counted_in_characters_too),
		cmocka_unit_test(classify_follows_metas_codes_then_the_status),
		cmocka_unit_test(
		    the_probe_reads_the_phone_number_with_the_token),
	};

	return cmocka_run_group_tests(tests, group_setup, double_stop);
}
