/*
 * test_sink_odoo.c - the odoo sink against the Odoo double
 * (tests/doubles/odoo_double.py, started on a free loopback port for the
 * group) with a fake pacer: one token per request, the login once per
 * run, a batch in a few requests, a redelivered batch creating and
 * writing nothing, a refused record dead alone, a unique clash re-checked
 * as success, wrong passwords, throttling, a closed port, a misnamed
 * field, and time running out before or inside a batch.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "core/buf.h"
#include "core/config.h"
#include "sinks/sink.h"
#include "sinks/odoo/odoo.h"
#include "core/timefmt.h"

#include "double_fx.h"

#define DB	"unitdb"
#define USER	"bot@example.com"
#define PW	"unit-Pw-9x"

/* The double --------------------------------------------------------------- */

/* A loopback port nothing listens on. */
static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int
group_setup(void **state)
{
	static const char *const args[] = {
		"--db", DB, "--user", USER, "--password", PW, NULL
	};

	return double_start("odoo_double.py", "--port-file", args);
}

/* Requests the double has answered so far. */
static long
requests(void)
{
	struct json_object *d = double_http("/dump", NULL), *v;
	long n;

	assert_true(json_object_object_get_ex(d, "stats", &v));
	assert_true(json_object_object_get_ex(v, "requests", &v));
	n = (long)json_object_get_int64(v);
	json_object_put(d);
	return n;
}

/* Records of model whose field equals value. */
static int
count(const char *model, const char *field, const char *value)
{
	struct json_object *d = double_http("/dump", NULL), *m, *recs, *v;
	size_t i;
	int n = 0;

	assert_true(json_object_object_get_ex(d, "models", &m));
	assert_true(json_object_object_get_ex(m, model, &recs));
	for (i = 0; i < json_object_array_length(recs); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(recs,
		    i), field, &v) && !strcmp(json_object_get_string(v), value))
			n++;
	json_object_put(d);
	return n;
}

/* The sink -------------------------------------------------------------- */

static struct hs_config *
config(int port, const char *extra)
{
	struct hs_config *c = NULL;
	char text[2048];

	snprintf(text, sizeof(text), "ODOO_HOST=127.0.0.1\nODOO_PORT=%d\n"
	         "ODOO_PROTOCOL=jsonrpc\nODOO_DB=" DB "\nODOO_USER=" USER "\n"
	         "ODOO_PASSWORD=" PW "\nODOO_TIMEOUT_MS=5000\nODOO_RATE=1000\n"
	         "%s", port,
	         extra ? extra : "");
	assert_int_equal(hs_config_parse(&c, text, "test"), HS_OK);
	if (!hs_config_ok(c))
		fail_msg("config: %s", hs_config_problem(c, 0, NULL));
	return c;
}

struct run {
	struct hs_config *cfg;
	struct hs_sink *s;
	struct fake_pacer pacer;
};

static void
run_open(struct run *r, const char *extra, long budget)
{
	char why[512] = "";

	need_double();
	control("{\"clear\": true}");
	r->cfg = config(L.port, extra);
	if (hs_sink_odoo.open(&r->s, r->cfg, why, sizeof(why)) != HS_OK)
		fail_msg("open: %s", why);
	pacer_init(&r->pacer, budget);
	hs_sink_odoo.set_pacer(r->s, &r->pacer.p);
}

static void
run_close(struct run *r)
{
	hs_sink_odoo.close(r->s);
	hs_config_free(r->cfg);
}

/* Bodies live as long as the test: one static pool per slot. */
static char bodies[64][512];
static char keys[64][128];

static struct hs_delivery
contact(int slot, const char *mcid, const char *email)
{
	struct hs_delivery d = {
		.id = slot + 1, .event_id = 100 + slot, .source = "manychat",
		.kind = "contact", .received_at = "2026-05-01T12:00:00Z",
	};

	snprintf(bodies[slot], sizeof(bodies[slot]), "{\"manychat_id\":\"%s\","
	         "\"nombre_lead\":\"Lead %s\",\"email\":\"%s\","
	         "\"ultimo_estado\":\"Nuevo\",\"datetime_actual\":"
	         "\"2025-06-05T12:41:36Z\"}", mcid, mcid, email);
	snprintf(keys[slot], sizeof(keys[slot]), "manychat:contact:%s", mcid);
	d.idem_key = keys[slot];
	d.body = bodies[slot];
	d.body_len = strlen(bodies[slot]);
	return d;
}

static struct hs_delivery
campaign(int slot, const char *mcid, const char *camp)
{
	struct hs_delivery d = contact(slot, mcid, "");

	d.kind = "campaign";
	snprintf(bodies[slot], sizeof(bodies[slot]), "{\"manychat_id\":\"%s\","
	         "\"campaign_id\":\"%s\",\"ultimo_estado\":\"Asignado\"}", mcid,
	         camp);
	snprintf(keys[slot], sizeof(keys[slot]), "manychat:campaign:%s:%s",
	         mcid, camp);
	d.body_len = strlen(bodies[slot]);
	return d;
}

static enum hs_err
deliver(struct run *r, const struct hs_delivery *d, size_t n,
        struct hs_outcome *out, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].kind = HS_OUT_RETRY;
		out[i].retry_after_ms = -1;
		snprintf(out[i].error, sizeof(out[i].error), "not sent");
	}
	why[0] = '\0';
	return hs_sink_odoo.deliver(r->s, d, n, hs_now_ms(), out, why, whylen);
}

static void
all_done(const struct hs_outcome *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (out[i].kind != HS_OUT_DONE || !out[i].receipt[0])
			fail_msg("out[%zu]: kind %d error '%s'", i, out[i].kind,
			         out[i].error);
}

/* Tests ------------------------------------------------------------------ */

static void
registry_knows_odoo_configured_by_odoo_host(void **state)
{
	struct hs_config *c = NULL;

	assert_ptr_equal(hs_sink_find("odoo"), &hs_sink_odoo);
	assert_int_equal(hs_config_parse(&c, "ODOO_DB=x\n", "t"), HS_OK);
	assert_false(hs_sink_odoo.configured(c));
	/* Odoo SaaS's 1 request/s unless told otherwise */
	assert_string_equal(hs_sink_odoo.rate_key, "ODOO_RATE");
	assert_int_equal(hs_config_int(c, "ODOO_RATE"), 1);
	assert_int_equal(hs_config_int(c, "ODOO_BATCH"), 1000);
	hs_config_free(c);
	c = config(1, NULL);
	assert_true(hs_sink_odoo.configured(c));
	assert_non_null(hs_sink_odoo.set_pacer);
	hs_config_free(c);
}

/* Issue 11: ODOO_DB alone (or a key spelled as other Odoo tools spell it)
 * was "not configured" in silence; it is an error naming what is missing,
 * and the common spellings are keys of the sink. */
static void
half_set_required_keys_are_an_error_naming_the_rest(void **state)
{
	struct hs_config *c = NULL;
	const char *msg;
	int is_error = 0;

	assert_int_equal(hs_config_parse(&c, "ODOO_DB=x\nODOO_USERNAME=u\n",
	    "t"), HS_OK);
	assert_false(hs_config_ok(c));
	msg = hs_config_problem(c, 0, &is_error);
	assert_true(is_error);
	assert_string_equal(msg, "the odoo sink is half configured: ODOO_DB, "
	    "ODOO_USERNAME are set but ODOO_URL (or ODOO_HOST), "
	    "ODOO_PASSWORD are not; set them, or remove the sink's keys to "
	    "leave it off");
	assert_null(hs_config_problem(c, 1, NULL));
	hs_config_free(c);
	/* Every key, or none, is fine; so are defaults alone. */
	assert_int_equal(hs_config_parse(&c, "ODOO_RATE=2\nODOO_PORT=8069\n",
	    "t"), HS_OK);
	assert_true(hs_config_ok(c));
	hs_config_free(c);
	/* A shared key alone does not make a dead-letter queue half on, a
	 * dead-letter queue without an account does. */
	assert_int_equal(hs_config_parse(&c, "AZURE_STORAGE_CONNECTION_STRING="
	    "UseDevelopmentStorage=true\n", "t"), HS_OK);
	assert_true(hs_config_ok(c));
	hs_config_free(c);
	assert_int_equal(hs_config_parse(&c, "AZURE_DEAD_LETTER_QUEUE=dlq\n",
	    "t"), HS_OK);
	assert_false(hs_config_ok(c));
	assert_non_null(strstr(hs_config_problem(c, 0, NULL), "the "
	    "dead_letter sink is half configured: AZURE_DEAD_LETTER_QUEUE is "
	    "set but AZURE_STORAGE_CONNECTION_STRING is not; set it"));
	hs_config_free(c);
}

static void
odoo_url_and_username_are_the_common_spellings(void **state)
{
	struct hs_odoo_settings st;
	struct hs_config *c = NULL;
	const char *msg;
	char why[256];
	int is_error = 1;

	assert_int_equal(hs_config_parse(&c, "ODOO_URL=https://mycompany.odoo"
	    ".com\nODOO_DB=d\nODOO_USERNAME=u\nODOO_PASSWORD=p\n", "t"),
	    HS_OK);
	assert_true(hs_config_ok(c));
	assert_true(hs_sink_odoo.configured(c));
	assert_int_equal(hs_odoo_settings_read(&st, c, why, sizeof(why)),
	    HS_OK);
	assert_string_equal(st.url, "https://mycompany.odoo.com:443/jsonrpc");
	assert_string_equal(st.user, "u");
	hs_config_free(c);
	/* Both spellings: ODOO_URL and ODOO_USERNAME win, with a warning. */
	assert_int_equal(hs_config_parse(&c, "ODOO_HOST=old.example.com\n"
	    "ODOO_PORT=8443\nODOO_URL=http://127.0.0.1:8069/\nODOO_DB=d\n"
	    "ODOO_USER=seed\nODOO_USERNAME=new\nODOO_PASSWORD=p\n", "t"),
	    HS_OK);
	assert_true(hs_config_ok(c));
	msg = hs_config_problem(c, 0, &is_error);
	assert_false(is_error);
	assert_string_equal(msg, "ODOO_URL and ODOO_HOST are both set: "
	    "ODOO_URL is used, ODOO_HOST ignored");
	assert_non_null(strstr(hs_config_problem(c, 1, NULL),
	    "ODOO_USERNAME is used"));
	assert_int_equal(hs_odoo_settings_read(&st, c, why, sizeof(why)),
	    HS_OK);
	assert_string_equal(st.url, "http://127.0.0.1:8069/jsonrpc");
	assert_string_equal(st.user, "new");
	hs_config_free(c);
}

static void
open_refuses_settings_it_cannot_use(void **state)
{
	static const char *const cases[][2] = {
		{ "ODOO_PROTOCOL=xmlrpc\n", "ODOO_PROTOCOL 'xmlrpc' is not" },
		{ "ODOO_HOST=https://x.odoo.com\n", "ODOO_HOST 'https://x" },
		{ "ODOO_URL=ftp://x.odoo.com\n", "ODOO_URL 'ftp://x.odoo" },
		{ "ODOO_URL=https://x.odoo.com/odoo\n", "not an Odoo address" },
		{ "ODOO_URL=https://x.odoo.com:0\n", "ODOO_URL 'https://x" },
		{ "ODOO_FIELDS=contact.mail=x\n",
		  "unknown role 'contact.mail'" },
		{ "ODOO_STATE_MODEL=State\n", "ODOO_STATE_MODEL 'State'" },
	};
	struct hs_config *c;
	struct hs_sink *s = NULL;
	char why[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = config(1, cases[i][0]);
		why[0] = '\0';
		assert_int_equal(hs_sink_odoo.open(&s, c, why, sizeof(why)),
		                 HS_ECONFIG);
		assert_null(s);
		if (!strstr(why, cases[i][1]))
			fail_msg("case %zu: '%s'", i, why);
		hs_config_free(c);
	}
}

static void
every_request_takes_a_token_and_new_contacts_cost_three(void **state)
{
	struct run r;
	struct hs_delivery d[6];
	struct hs_outcome out[6];
	char why[512], mcid[32];
	long before;
	int i;

	run_open(&r, NULL, -1);
	for (i = 0; i < 6; i++) {
		snprintf(mcid, sizeof(mcid), "tok-%d", i);
		d[i] = contact(i, mcid, "a@example.com");
	}
	before = requests();
	assert_int_equal(deliver(&r, d, 6, out, why, sizeof(why)), HS_OK);
	all_done(out, 6);
	/* login, search_read, one list create */
	assert_int_equal(r.pacer.takes, 3);
	assert_int_equal(requests() - before, 3);
	assert_int_equal(count("manychat.contact", "manychat_id", "tok-5"), 1);
	/* the same batch again (a crash before the outcomes were kept):
	 * found, unchanged - one search, nothing created or written */
	assert_int_equal(deliver(&r, d, 6, out, why, sizeof(why)), HS_OK);
	all_done(out, 6);
	assert_int_equal(r.pacer.takes, 4);
	assert_int_equal(requests() - before, 4);
	assert_int_equal(count("manychat.contact", "manychat_id", "tok-5"), 1);
	run_close(&r);
}

static void
sends_are_never_closer_than_one_over_the_rate(void **state)
{
	struct run r;
	struct hs_delivery d[1];
	struct hs_outcome out[1];
	char why[512];
	double t0;

	/* the pacer grants at once; the connection still keeps 100 ms */
	run_open(&r, "ODOO_RATE=10\n", -1);
	d[0] = contact(0, "gap-1", "g@example.com");
	t0 = hs_mono_ms_f();
	assert_int_equal(deliver(&r, d, 1, out, why, sizeof(why)), HS_OK);
	all_done(out, 1);
	assert_int_equal(r.pacer.takes, 3);
	assert_true(hs_mono_ms_f() - t0 >= 200.0);
	run_close(&r);
}

static void
campaigns_cost_a_few_requests_and_a_replay_adds_nothing(void **state)
{
	struct run r;
	struct hs_delivery d[4];
	struct hs_outcome out[4];
	char why[512], mcid[32];
	int i;

	run_open(&r, NULL, -1);
	for (i = 0; i < 4; i++) {
		snprintf(mcid, sizeof(mcid), "camp-%d", i);
		d[i] = contact(i, mcid, "b@example.com");
	}
	assert_int_equal(deliver(&r, d, 4, out, why, sizeof(why)), HS_OK);
	for (i = 0; i < 4; i++) {
		snprintf(mcid, sizeof(mcid), "camp-%d", i);
		d[i] = campaign(i, mcid, i == 3 ? "c-other" : "c-1");
	}
	r.pacer.takes = 0;
	assert_int_equal(deliver(&r, d, 4, out, why, sizeof(why)), HS_OK);
	all_done(out, 4);
	/* search contacts, search states, one list create, one grouped
	 * write (every contact goes to the same last state) */
	assert_int_equal(r.pacer.takes, 4);
	assert_int_equal(count("manychat.state", "campaign_id", "c-1"), 3);
	r.pacer.takes = 0;
	assert_int_equal(deliver(&r, d, 4, out, why, sizeof(why)), HS_OK);
	all_done(out, 4);
	assert_int_equal(r.pacer.takes, 2);	/* the two searches */
	assert_int_equal(count("manychat.state", "campaign_id", "c-1"), 3);
	run_close(&r);
}

static void
a_refused_record_goes_dead_alone_with_odoos_message(void **state)
{
	struct run r;
	struct hs_delivery d[8];
	struct hs_outcome out[8];
	char why[512], mcid[32];
	int i;

	run_open(&r, NULL, -1);
	control("{\"fail_on\": [{\"field\": \"email\", \"value\": "
	        "\"bad@example.com\", \"message\": \"Invalid email\"}]}");
	for (i = 0; i < 8; i++) {
		snprintf(mcid, sizeof(mcid), "iso-%d", i);
		d[i] = contact(i, mcid, i == 6 ? "bad@example.com" :
		               "ok@example.com");
	}
	assert_int_equal(deliver(&r, d, 8, out, why, sizeof(why)), HS_OK);
	for (i = 0; i < 8; i++)
		if (i != 6 && out[i].kind != HS_OUT_DONE)
			fail_msg("out[%d]: %s", i, out[i].error);
	assert_int_equal(out[6].kind, HS_OUT_DEAD);
	assert_string_equal(out[6].error, "manychat.contact create: "
	    "ValidationError: Invalid email");
	assert_int_equal(count("manychat.contact", "email", "ok@example.com"),
	                 7);
	assert_true(r.pacer.takes <= 10);
	run_close(&r);
}

static void
a_unique_clash_on_create_is_rechecked_as_success(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];

	run_open(&r, NULL, -1);
	d[0] = contact(0, "uniq-1", "u@example.com");
	assert_int_equal(deliver(&r, d, 1, out, why, sizeof(why)), HS_OK);
	all_done(out, 1);
	/* The next search does not see it (a concurrent creator): the
	 * create hits the unique constraint, the re-search finds it. */
	control("{\"blind_searches\": 1}");
	d[0] = contact(0, "uniq-1", "changed@example.com");
	d[1] = contact(1, "uniq-2", "u@example.com");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	all_done(out, 2);
	assert_int_equal(count("manychat.contact", "manychat_id", "uniq-1"), 1);
	assert_int_equal(count("manychat.contact", "email",
	                       "changed@example.com"), 1);
	run_close(&r);
}

static void
a_wrong_password_is_eauth_after_one_request_then_none(void **state)
{
	struct run r;
	struct hs_delivery d[1];
	struct hs_outcome out[1];
	char why[512];
	long before;

	run_open(&r, "ODOO_PASSWORD=wrong\n", -1);
	d[0] = contact(0, "pw-1", "p@example.com");
	before = requests();
	assert_int_equal(deliver(&r, d, 1, out, why, sizeof(why)), HS_EAUTH);
	assert_non_null(strstr(why, "odoo refused the login of user '" USER
	                "' on database '" DB "'"));
	assert_null(strstr(why, "wrong\n"));
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(requests() - before, 1);
	assert_int_equal(deliver(&r, d, 1, out, why, sizeof(why)), HS_EAUTH);
	assert_int_equal(requests() - before, 1);	/* no second login */
	run_close(&r);
}

static void
throttling_retries_no_sooner_than_retry_after(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];

	run_open(&r, NULL, -1);
	control("{\"script\": [{\"status\": 429, \"retry_after\": \"2\"}]}");
	d[0] = contact(0, "thr-1", "t@example.com");
	d[1] = campaign(1, "thr-2", "c");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(out[1].kind, HS_OUT_RETRY);
	assert_int_equal(out[1].retry_after_ms, 2000);
	assert_string_equal(out[0].error, "login: HTTP 429 Too Many Requests");
	/* mid-batch: login and search pass, the create is throttled */
	control("{\"script\": [{\"pass\": 1}, {\"pass\": 1}, {\"pass\": 1}, "
	        "{\"status\": 503, \"retry_after\": \"3\"}]}");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(out[0].retry_after_ms, 3000);
	assert_string_equal(out[0].error, "manychat.contact create: HTTP 503");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	all_done(out, 2);
	run_close(&r);
}

static void
nothing_listening_is_a_retry(void **state)
{
	struct run r;
	struct hs_delivery d[1];
	struct hs_outcome out[1];
	char why[512] = "";
	struct hs_config *c = config(free_port(),
	                             "ODOO_CONNECT_TIMEOUT_MS=500\n");

	need_double();
	pacer_init(&r.pacer, -1);
	assert_int_equal(hs_sink_odoo.open(&r.s, c, why, sizeof(why)), HS_OK);
	hs_sink_odoo.set_pacer(r.s, &r.pacer.p);
	d[0] = contact(0, "down-1", "d@example.com");
	assert_int_equal(deliver(&r, d, 1, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(out[0].retry_after_ms, -1);
	if (strncmp(out[0].error, "login: Couldn't connect", 23) != 0)
		fail_msg("error: %s", out[0].error);
	hs_sink_odoo.close(r.s);
	hs_config_free(c);
}

static void
a_misnamed_field_stops_the_run_before_anything_is_written(void **state)
{
	struct run r;
	struct hs_delivery d[1];
	struct hs_outcome out[1];
	char why[512];

	run_open(&r, "ODOO_FIELDS=contact.email=x_email\n", -1);
	d[0] = contact(0, "field-1", "f@example.com");
	assert_int_equal(deliver(&r, d, 1, out, why, sizeof(why)), HS_ECONFIG);
	assert_non_null(strstr(why, "odoo refused search_read on "
	                "'manychat.contact' (check ODOO_CONTACT_MODEL and "
	                "ODOO_FIELDS): ValueError: Invalid field"));
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(count("manychat.contact", "manychat_id", "field-1"),
	                 0);
	run_close(&r);
}

static void
time_up_before_the_first_request_sends_nothing(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];
	long before;

	run_open(&r, NULL, 0);
	d[0] = contact(0, "late-1", "l@example.com");
	d[1] = campaign(1, "late-2", "c");
	before = requests();
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_UNSENT);
	assert_string_equal(out[0].error, "not sent");
	assert_string_equal(out[1].error, "not sent");
	assert_int_equal(requests(), before);
	run_close(&r);
}

static void
time_up_inside_a_batch_keeps_what_is_complete(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];

	/* login, search contacts, search states, create contacts: then the
	 * state record's create finds no token */
	run_open(&r, NULL, 4);
	d[0] = contact(0, "mid-1", "m@example.com");
	d[1] = campaign(1, "mid-2", "c-mid");
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_DONE);
	assert_int_equal(out[1].kind, HS_OUT_UNSENT);
	assert_string_equal(out[1].error, "not sent: the run's time ran out");
	assert_int_equal(count("manychat.state", "campaign_id", "c-mid"), 0);
	r.pacer.budget = -1;
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	all_done(out, 2);
	assert_int_equal(count("manychat.contact", "manychat_id", "mid-2"), 1);
	assert_int_equal(count("manychat.state", "campaign_id", "c-mid"), 1);
	run_close(&r);
}

static void
an_event_odoo_cannot_take_is_dead(void **state)
{
	struct run r;
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	char why[512];

	run_open(&r, NULL, -1);
	d[0] = contact(0, "ok-1", "o@example.com");
	d[1] = contact(1, "x", "");
	d[1].body = "{\"nombre_lead\":\"no id\"}";
	d[1].body_len = strlen(d[1].body);
	assert_int_equal(deliver(&r, d, 2, out, why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_DONE);
	assert_int_equal(out[1].kind, HS_OUT_DEAD);
	assert_string_equal(out[1].error, "body has no usable manychat_id");
	run_close(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_knows_odoo_configured_by_odoo_host),
		cmocka_unit_test(
		    half_set_required_keys_are_an_error_naming_the_rest),
		cmocka_unit_test(
		    odoo_url_and_username_are_the_common_spellings),
		cmocka_unit_test(open_refuses_settings_it_cannot_use),
		cmocka_unit_test(
		    every_request_takes_a_token_and_new_contacts_cost_three),
		cmocka_unit_test(sends_are_never_closer_than_one_over_the_rate),
		cmocka_unit_test(
		    campaigns_cost_a_few_requests_and_a_replay_adds_nothing),
		cmocka_unit_test(
		    a_refused_record_goes_dead_alone_with_odoos_message),
		cmocka_unit_test(
		    a_unique_clash_on_create_is_rechecked_as_success),
		cmocka_unit_test(
		    a_wrong_password_is_eauth_after_one_request_then_none),
		cmocka_unit_test(throttling_retries_no_sooner_than_retry_after),
		cmocka_unit_test(nothing_listening_is_a_retry),
		cmocka_unit_test(
		    a_misnamed_field_stops_the_run_before_anything_is_written),
		cmocka_unit_test(
		    time_up_before_the_first_request_sends_nothing),
		cmocka_unit_test(time_up_inside_a_batch_keeps_what_is_complete),
		cmocka_unit_test(an_event_odoo_cannot_take_is_dead),
	};

	return cmocka_run_group_tests(tests, group_setup, double_stop);
}
