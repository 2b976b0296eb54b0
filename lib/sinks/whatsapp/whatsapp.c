/*
 * sinks/whatsapp/whatsapp.c - the whatsapp sink: each delivery as steps,
 * each step one Graph message.
 *
 * A "message" event is two steps (the greeting, then the menu) and a
 * "choice" one (BOT_CHOICE_REPLY). Every delivery starts at the steps
 * earlier attempts completed (hs_delivery.progress) and reports the steps
 * completed so far whatever the outcome, so a menu refused with 429
 * after its greeting went out is retried alone. The receipt is the wamids
 * this attempt got, space-separated.
 *
 * What stops the batch: the token refused (190: HS_EAUTH, the rest not
 * sent, no attempt counted), the number or app throttled (the rest not
 * sent: each would meet the same 429), the run's time up (the pacer says
 * so before a request). A delivery stopped part-way reports retry, so the
 * engine keeps its progress; one that sent nothing reports unsent.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "sinks/sink.h"
#include "sinks/whatsapp/whatsapp.h"
#include "core/banned.h"

#define MSG_MAX	(64 * 1024)	/* one message's JSON */

struct hs_sink {
	struct hs_wa_graph *g;
	struct hs_wa_bot bot;
	struct hs_buf msg;
};

/* Why the batch stopped, if it did. */
enum stop { GO, THROTTLED, TIME_UP, AUTH };

static void
wa_close(struct hs_sink *s)
{
	if (!s)
		return;
	hs_wa_graph_free(s->g);
	hs_wa_bot_release(&s->bot);
	hs_buf_release(&s->msg);
	free(s);
}

static enum hs_err
wa_open(struct hs_sink **out, const struct hs_config *cfg, char *why,
        size_t whylen)
{
	struct hs_wa_settings st;
	struct hs_sink *s;
	enum hs_err rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return HS_ENOMEM;
	hs_buf_init(&s->msg, MSG_MAX);
	rc = hs_wa_settings_read(&st, cfg, why, whylen);
	if (rc == HS_OK)
		rc = hs_wa_bot_init(&s->bot, cfg, why, whylen);
	if (rc == HS_OK)
		rc = hs_wa_graph_new(&s->g, &st);
	if (rc == HS_OK) {
		*out = s;
		s = NULL;
	}
	wa_close(s);
	return rc;
}

static void
wa_set_pacer(struct hs_sink *s, struct hs_pacer *p)
{
	hs_wa_graph_set_pacer(s->g, p);
}

static void
set(struct hs_outcome *o, enum hs_outcome_kind k, int64_t after_ms,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set(struct hs_outcome *o, enum hs_outcome_kind k, int64_t after_ms,
    const char *fmt, ...)
{
	va_list ap;

	o->kind = k;
	o->retry_after_ms = after_ms;
	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
}

/* The JSON of step i of a delivery to ev's user; "" when nothing to send. */
static enum hs_err
build(struct hs_sink *s, const char *kind, int step,
      const struct hs_wa_event *ev)
{
	hs_buf_reset(&s->msg);
	if (!strcmp(kind, "choice")) {
		struct hs_buf text;
		enum hs_err rc;

		hs_buf_init(&text, MSG_MAX / 2);
		rc = hs_wa_choice_text(&text, &s->bot, ev->option_id,
		    ev->option_title);
		if (rc == HS_OK)
			rc = hs_wa_text_json(&s->msg, ev->from,
			    hs_buf_str(&text));
		hs_buf_release(&text);
		return rc;
	}
	if (step == 0)
		return s->bot.greeting[0] ? hs_wa_text_json(&s->msg, ev->from,
		    s->bot.greeting) : HS_OK;
	return hs_wa_menu_json(&s->msg, &s->bot, ev->from);
}

/* Appends " wamid" (or "wamid" first); a wamid that does not fit is left
 * out whole, never cut. */
static void
add_receipt(struct hs_outcome *o, const char *wamid)
{
	size_t n = strlen(o->receipt), k = strlen(wamid);

	if (n + (n > 0) + k >= sizeof(o->receipt))
		return;
	if (n > 0)
		o->receipt[n++] = ' ';
	memcpy(o->receipt + n, wamid, k + 1);
}

/*
 * Sends what is left of d's steps (nsteps in all). GO when out is final;
 * otherwise why the batch must stop (out says what happened to d).
 */
static enum stop
steps(struct hs_sink *s, const struct hs_delivery *d,
      const struct hs_wa_event *ev, int nsteps, int64_t now_ms,
      struct hs_outcome *o, char *why, size_t whylen)
{
	struct hs_wa_reply r;
	enum hs_err rc;

	/* Not all at once in the time left: each send then takes its own,
	 * so what fits still goes out. */
	(void)hs_wa_graph_prepay(s->g, nsteps - o->progress);
	while (o->progress < nsteps) {
		rc = build(s, d->kind, o->progress, ev);
		if (rc != HS_OK) {
			set(o, HS_OUT_RETRY, -1, "cannot build the message: %s",
			    hs_err_str(rc));
			return GO;
		}
		if (s->msg.len == 0) {	/* an empty greeting: skipped */
			o->progress++;
			continue;
		}
		rc = hs_wa_graph_send(s->g, s->msg.data, s->msg.len, now_ms,
		    &r);
		if (rc != HS_OK) {	/* the run's time is up */
			if (o->progress > d->progress)
				set(o, HS_OUT_RETRY, 0, "%s", "not finished: the "
				    "run's time ran out between two messages");
			else
				set(o, HS_OUT_UNSENT, -1, "%s", "not sent");
			return TIME_UP;
		}
		switch (r.cls) {
		case HS_WA_OK:
			o->progress++;
			add_receipt(o, r.id);
			continue;
		case HS_WA_AUTH:
			set(o, HS_OUT_UNSENT, -1, "not sent: %s", r.what);
			snprintf(why, whylen, "the Graph API refused "
			         "WHATSAPP_TOKEN (expired or invalid; a system "
			         "user's token does not expire): %s", r.what);
			return AUTH;
		case HS_WA_DEAD:
			set(o, HS_OUT_DEAD, -1, "%s", r.what);
			return GO;
		case HS_WA_THROTTLED:
			set(o, HS_OUT_RETRY, r.retry_after_ms, "%s", r.what);
			return THROTTLED;
		case HS_WA_RETRY:
			set(o, HS_OUT_RETRY, r.retry_after_ms, "%s", r.what);
			return GO;
		}
	}
	o->kind = HS_OUT_DONE;
	o->error[0] = '\0';
	return GO;
}

/* One delivery: what its event asks for, then its steps. */
static enum stop
one(struct hs_sink *s, const struct hs_delivery *d, int64_t now_ms,
    struct hs_outcome *o, char *why, size_t whylen)
{
	const char *kind = d->kind ? d->kind : "";
	struct hs_wa_event ev;
	char bad[200];
	int nsteps;
	enum stop st = GO;

	if (!strcmp(kind, "message"))
		nsteps = 2;
	else if (!strcmp(kind, "choice") && s->bot.choice_reply[0])
		nsteps = 1;
	else {
		set(o, HS_OUT_DEAD, -1, "nothing to send for kind %.100s",
		    kind);
		if (!strcmp(kind, "choice"))
			snprintf(o->error, sizeof(o->error), "nothing to send "
			         "for kind choice (BOT_CHOICE_REPLY is empty)");
		return GO;
	}
	if (hs_wa_event_parse(d, &ev, bad, sizeof(bad)) != HS_OK)
		set(o, HS_OUT_DEAD, -1, "%s", bad);
	else
		st = steps(s, d, &ev, nsteps, now_ms, o, why, whylen);
	hs_wa_event_release(&ev);
	return st;
}

static enum hs_err
wa_deliver(struct hs_sink *s, const struct hs_delivery *in, size_t n,
           int64_t now_ms, struct hs_outcome *out, char *why,
           size_t whylen)
{
	static const char *const held[] = {
		"", "not sent: the Graph API throttled the number",
		"not sent", "not sent: the Graph API refused the token"
	};
	enum stop st = GO;
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].progress = in[i].progress;
		out[i].receipt[0] = '\0';
		if (st != GO)
			set(&out[i], HS_OUT_UNSENT, -1, "%s", held[st]);
		else
			st = one(s, &in[i], now_ms, &out[i], why, whylen);
	}
	return st == AUTH ? HS_EAUTH : HS_OK;
}

const struct hs_sink_ops hs_sink_whatsapp = {
	.name = "whatsapp",
	.what = "WhatsApp Cloud API: the menu bot's replies (greeting, menu, "
	        "choice confirmation) through Meta's Graph API",
	.rate_key = "WHATSAPP_RATE",
	.batch_key = "WHATSAPP_BATCH",
	.keys = hs_wa_keys,
	.required = hs_wa_required,
	.immediate = 1,
	.configured = hs_wa_configured,
	.open = wa_open,
	.deliver = wa_deliver,
	.close = wa_close,
	.set_pacer = wa_set_pacer,
	.probe = hs_wa_probe,
};
