/*
 * sinks/whatsapp/whatsapp.h - the whatsapp sink: the menu bot's replies
 * through the WhatsApp Cloud API (protocols.md §4.4, issue 12).
 *
 * A user's message gets two Graph requests, the greeting and then the
 * menu; a menu choice gets one, the confirmation, when one is configured.
 * Each request is one step of the delivery: the sink reports the steps
 * done (hs_outcome.progress) whatever the outcome, so a retry resumes at
 * the menu and a user never gets the greeting twice. The sink is
 * self-paced (set_pacer): every Graph request takes one token of
 * WHATSAPP_RATE, so a delivery of two messages costs two.
 *
 *   sinks/whatsapp/whatsapp.c  the ops: open, deliver by steps, close
 *   sinks/whatsapp/settings.c  the keys, the required ones, Graph's URLs
 *   sinks/whatsapp/bot.c       the bot's texts and menu, checked against
 *                              Meta's limits, as message JSON
 *   sinks/whatsapp/event.c     the delivered event: who wrote, what chosen
 *   sinks/whatsapp/graph.c     one Graph request: pacing, HTTP, classifying
 *   sinks/whatsapp/probe.c     spoolctl check: the phone number, read
 *
 * The declarations below the ops are internal to those files and to the
 * unit tests. The token is sent, never logged, stored or shown.
 */
#ifndef HS_SINKS_WHATSAPP_H
#define HS_SINKS_WHATSAPP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "sinks/sink.h"

struct json_object;

extern const struct hs_sink_ops hs_sink_whatsapp;

/* sinks/whatsapp/settings.c ----------------------------------------------- */

extern const struct hs_conf_key hs_wa_keys[];
extern const char *const hs_wa_required[];	/* hs_sink_ops.required */

/* WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID are both set. */
int hs_wa_configured(const struct hs_config *cfg);

#define HS_WA_URL_MAX 600

/* Where Graph is; token borrowed from cfg. */
struct hs_wa_settings {
	char messages_url[HS_WA_URL_MAX + 16];	/* .../{id}/messages */
	char phone_url[HS_WA_URL_MAX];		/* {graph}/{ver}/{id} */
	const char *token;
	long timeout_ms;
};

/* HS_ECONFIG with why (never the token) when a setting is unusable. */
enum hs_err hs_wa_settings_read(struct hs_wa_settings *st,
                                const struct hs_config *cfg, char *why,
                                size_t whylen) HS_MUST_CHECK;

/* sinks/whatsapp/bot.c ---------------------------------------------------- */

#define HS_WA_OPTIONS_MAX	10	/* a list's rows */
#define HS_WA_BUTTONS_MAX	3	/* reply buttons */

struct hs_wa_option {
	char *id;	/* what the user's choice names */
	char *title;	/* what the user sees */
};

/* The bot's texts, every string owned. */
struct hs_wa_bot {
	char *greeting;		/* "": no greeting, the menu alone */
	char *prompt;		/* the menu's body text */
	char *button;		/* a list's button */
	char *choice_reply;	/* "": choices get no answer */
	size_t nopt;
	struct hs_wa_option opt[HS_WA_OPTIONS_MAX];
};

/*
 * Reads BOT_GREETING, BOT_MENU_PROMPT, BOT_MENU_OPTIONS, BOT_MENU_BUTTON
 * and BOT_CHOICE_REPLY and checks them against Meta's limits, in
 * characters. HS_ECONFIG with a precise why; HS_ENOMEM. Release with
 * hs_wa_bot_release() whatever it returns.
 */
enum hs_err hs_wa_bot_init(struct hs_wa_bot *b, const struct hs_config *cfg,
                           char *why, size_t whylen) HS_MUST_CHECK;
void hs_wa_bot_release(struct hs_wa_bot *b);

/* Characters (code points) of s; (size_t)-1 when s is not UTF-8. */
size_t hs_wa_utf8_chars(const char *s);

/* A text message to to, appended to out as JSON. */
enum hs_err hs_wa_text_json(struct hs_buf *out, const char *to,
                            const char *text) HS_MUST_CHECK;
/* The menu to to: reply buttons for 1-3 options, a list for 4-10. */
enum hs_err hs_wa_menu_json(struct hs_buf *out, const struct hs_wa_bot *b,
                            const char *to) HS_MUST_CHECK;
/*
 * BOT_CHOICE_REPLY with every {option} replaced by the title of option id
 * (the configured one, else meta_title, else the id), appended to out.
 */
enum hs_err hs_wa_choice_text(struct hs_buf *out, const struct hs_wa_bot *b,
                              const char *id, const char *meta_title)
	HS_MUST_CHECK;

/* sinks/whatsapp/event.c -------------------------------------------------- */

/* A delivered message/choice event; strings borrowed from root. */
struct hs_wa_event {
	struct json_object *root;	/* owned */
	const char *from;		/* the user's wa_id */
	const char *option_id;		/* a choice's id, else NULL */
	const char *option_title;	/* as Meta sent it, may be NULL */
};

/*
 * Parses d's single-item envelope (entry[0].changes[0].value.messages[0]).
 * HS_EINVAL with why when it is not a message we can answer: final.
 * Release with hs_wa_event_release() whatever it returns.
 */
enum hs_err hs_wa_event_parse(const struct hs_delivery *d,
                              struct hs_wa_event *ev, char *why,
                              size_t whylen) HS_MUST_CHECK;
void hs_wa_event_release(struct hs_wa_event *ev);

/* sinks/whatsapp/graph.c -------------------------------------------------- */

/* What an answer means for the message. */
enum hs_wa_class {
	HS_WA_OK,		/* sent: id holds the wamid */
	HS_WA_RETRY,		/* transient: 5xx, 131000, 1, 2, no answer,
				 * the pair limit 131056 */
	HS_WA_THROTTLED,	/* the number's or app's rate: 429, 4, 80007,
				 * 130429; the rest of the batch waits */
	HS_WA_AUTH,		/* 190: the token is expired or invalid */
	HS_WA_DEAD,		/* 131047, 131026, 100... other 4xx */
};

#define HS_WA_WHAT_LEN 240

struct hs_wa_reply {
	enum hs_wa_class cls;
	int status;		/* HTTP status; 0: no answer */
	long code;		/* Meta's error.code; 0: none */
	int64_t retry_after_ms;	/* -1: no Retry-After */
	char id[128];		/* messages[0].id, or the probe's id */
	/* "graph 131047: (#131047) Re-engagement message", "graph HTTP
	 * 503: ...", "no answer within 10000 ms (timeout)": one line. */
	char what[HS_WA_WHAT_LEN];
};

/*
 * Fills *r from an answer: HTTP status, its Retry-After (NULL: none) and
 * body. Pure; now_ms only turns an HTTP-date Retry-After into a delay.
 */
void hs_wa_classify(int status, const char *retry_after, const char *body,
                    size_t len, int64_t now_ms, struct hs_wa_reply *r);

struct hs_wa_graph;

/* One keep-alive client for st's URLs; the token is copied and wiped on
 * hs_wa_graph_free(). */
enum hs_err hs_wa_graph_new(struct hs_wa_graph **out,
                            const struct hs_wa_settings *st) HS_MUST_CHECK;
void hs_wa_graph_free(struct hs_wa_graph *g);
/* p (borrowed, may be NULL: unpaced) gives a token per message. */
void hs_wa_graph_set_pacer(struct hs_wa_graph *g, struct hs_pacer *p);
/*
 * POSTs the message json[0..len) after taking one token. HS_OK when *r
 * is filled, whatever its class; HS_ETIMEOUT (or the pacer's error) when
 * the run's time is up and nothing was sent.
 */
/*
 * Takes the tokens of the next n messages at once (one spool transaction
 * instead of n, under the writer lock every handler shares); the sends
 * then use them. HS_ETIMEOUT when the run's time is up first.
 */
enum hs_err hs_wa_graph_prepay(struct hs_wa_graph *g, long n);
enum hs_err hs_wa_graph_send(struct hs_wa_graph *g, const char *json,
                             size_t len, int64_t now_ms,
                             struct hs_wa_reply *r) HS_MUST_CHECK;
/* GET {phone_url}?fields=id, unpaced; *r always filled. */
void hs_wa_graph_get_phone(struct hs_wa_graph *g, int64_t now_ms,
                           struct hs_wa_reply *r);

/* sinks/whatsapp/probe.c -------------------------------------------------- */

/* hs_sink_ops.probe: reads the phone number (?fields=id) with the token;
 * also checks the bot's texts, which open() would refuse. */
enum hs_probe hs_wa_probe(const struct hs_config *cfg, int64_t now_ms,
                          long timeout_ms, char *detail, size_t n);

#endif
