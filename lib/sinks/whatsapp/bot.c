/*
 * sinks/whatsapp/bot.c - the bot's texts and menu: read once, checked
 * against Meta's limits, and built as the Graph API's message JSON.
 *
 * Meta refuses a message past its limits (protocols.md §4.4) with error
 * 131009 or 100, and the sink would send every user's menu into the same
 * refusal, dead. So open() checks the texts first and names the one that
 * does not fit and by how much; limits count characters (code points),
 * not bytes: "opción" is 6, an emoji 1.
 *
 * BOT_MENU_OPTIONS is "Title" or "id:Title", comma-separated. Without an
 * id, the id is the title lowercased with everything but ASCII letters
 * and digits dropped (Pileta, Tenis, SUM: pileta, tenis, sum), so the
 * seed's choices keep their ids when an admin only retitles them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/config.h"
#include "sinks/whatsapp/whatsapp.h"
#include "core/banned.h"

#define TEXT_MAX	4096	/* a text message's body */
#define BODY_MAX	1024	/* an interactive message's body */
#define BUTTON_TITLE_MAX 20
#define ROW_TITLE_MAX	24
#define BUTTON_ID_MAX	256
#define ROW_ID_MAX	200
#define LIST_BUTTON_MAX	20
#define MSG_MAX		(64 * 1024)	/* one message's JSON, bytes */

/* The length of the UTF-8 sequence at s, 0 when it is not one. */
static size_t
utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t
hs_wa_utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, k;

	while (*p) {
		if ((k = utf8_seq(p)) == 0)
			return (size_t)-1;
		p += k;
		n++;
	}
	return n;
}

/* Bytes of s's first max characters (s is UTF-8). */
static int
quote_len(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;

	while (*p && max-- > 0 && (k = utf8_seq(p)) > 0)
		p += k;
	return (int)(p - (const unsigned char *)s);
}

/*
 * HS_ECONFIG unless s (key, then what: " option 2 title") has lo..hi
 * characters; rule names what Meta limits ("a reply button's title"),
 * note (may be "") says more.
 */
static enum hs_err
fits(const char *key, const char *what, const char *s, size_t lo, size_t hi,
     const char *rule, const char *note, char *why, size_t whylen)
{
	size_t n = hs_wa_utf8_chars(s);

	if (n == (size_t)-1)
		snprintf(why, whylen, "%s%s is not valid UTF-8", key, what);
	else if (n < lo)
		snprintf(why, whylen, "%s%s is empty: %s takes %zu to %zu "
		         "characters%s", key, what, rule, lo, hi, note);
	else if (n > hi)
		snprintf(why, whylen, "%s%s '%.*s%s' has %zu characters: %s "
		         "takes at most %zu%s", key, what, quote_len(s, 40), s,
		         n > 40 ? "..." : "", n, rule, hi, note);
	else
		return HS_OK;
	return HS_ECONFIG;
}

void
hs_wa_bot_release(struct hs_wa_bot *b)
{
	size_t i;

	free(b->greeting);
	free(b->prompt);
	free(b->button);
	free(b->choice_reply);
	for (i = 0; i < b->nopt; i++) {
		free(b->opt[i].id);
		free(b->opt[i].title);
	}
	memset(b, 0, sizeof(*b));
}

/* A copy of s[0..n) without the spaces around it. */
static char *
trimmed(const char *s, size_t n)
{
	char *out;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* pileta from "Pileta": ASCII letters and digits, lowercased. */
static char *
id_from_title(const char *t)
{
	char *id = malloc(strlen(t) + 1), *p = id;

	if (!id)
		return NULL;
	for (; *t; t++)
		if (isascii((unsigned char)*t) && isalnum((unsigned char)*t))
			*p++ = (char)tolower((unsigned char)*t);
	*p = '\0';
	return id;
}

/* One "Title" or "id:Title" item into b->opt[b->nopt]. */
static enum hs_err
add_option(struct hs_wa_bot *b, const char *item, size_t len, char *why,
           size_t whylen)
{
	struct hs_wa_option *o = &b->opt[b->nopt];
	const char *colon = memchr(item, ':', len);

	if (colon) {
		o->id = trimmed(item, (size_t)(colon - item));
		o->title = trimmed(colon + 1, len - (size_t)(colon - item) - 1);
	} else {
		o->title = trimmed(item, len);
		o->id = o->title ? id_from_title(o->title) : NULL;
	}
	b->nopt++;
	if (!o->id || !o->title)
		return HS_ENOMEM;
	if (!o->title[0])
		snprintf(why, whylen, "BOT_MENU_OPTIONS option %zu has no "
		         "title (a list like Pileta,Tenis,SUM or "
		         "pileta:Pileta,...)", b->nopt);
	else if (!o->id[0])
		snprintf(why, whylen, "BOT_MENU_OPTIONS option %zu '%.60s' "
		         "has no id: %s (write id:Title, e.g. opcion%zu:%.40s)",
		         b->nopt, o->title, colon ? "nothing before the colon" :
		         "its title has no ASCII letter or digit to make one of",
		         b->nopt, o->title);
	else
		return HS_OK;
	return HS_ECONFIG;
}

static enum hs_err
parse_options(struct hs_wa_bot *b, const char *spec, char *why,
              size_t whylen)
{
	const char *p = spec, *end;
	size_t n = 1;
	enum hs_err rc = HS_OK;

	for (end = spec; *end; end++)
		n += *end == ',';
	if (!spec[strspn(spec, " \t")] || n > HS_WA_OPTIONS_MAX) {
		snprintf(why, whylen, "BOT_MENU_OPTIONS has %zu options: a menu "
		         "takes 1 to %d (1-3 reply buttons, 4-10 a list)",
		         spec[strspn(spec, " \t")] ? n : 0, HS_WA_OPTIONS_MAX);
		return HS_ECONFIG;
	}
	while (rc == HS_OK) {
		end = p + strcspn(p, ",");
		rc = add_option(b, p, (size_t)(end - p), why, whylen);
		if (!*end)
			break;
		p = end + 1;
	}
	return rc;
}

/* Each option's title and id fit a button (1-3) or a list row (4-10), and
 * no two ids are equal. */
static enum hs_err
check_options(const struct hs_wa_bot *b, char *why, size_t whylen)
{
	int list = b->nopt > HS_WA_BUTTONS_MAX;
	const char *note = list ? " (4-10 options make a list)" : " (1-3 "
	    "options are reply buttons; 4-10 a list, whose rows take 24)";
	char what[64];
	size_t i, j;
	enum hs_err rc = HS_OK;

	for (i = 0; rc == HS_OK && i < b->nopt; i++) {
		snprintf(what, sizeof(what), " option %zu title", i + 1);
		rc = fits("BOT_MENU_OPTIONS", what, b->opt[i].title, 1,
		    list ? ROW_TITLE_MAX : BUTTON_TITLE_MAX, list ?
		    "a list row's title" : "a reply button's title", note,
		    why, whylen);
		snprintf(what, sizeof(what), " option %zu id", i + 1);
		if (rc == HS_OK)
			rc = fits("BOT_MENU_OPTIONS", what, b->opt[i].id, 1,
			    list ? ROW_ID_MAX : BUTTON_ID_MAX, list ?
			    "a list row's id" : "a reply button's id", note,
			    why, whylen);
		for (j = 0; rc == HS_OK && j < i; j++)
			if (!strcmp(b->opt[i].id, b->opt[j].id)) {
				snprintf(why, whylen, "BOT_MENU_OPTIONS options "
				         "%zu and %zu have the same id '%.60s' "
				         "(Meta wants unique ids; write id:Title "
				         "to tell them apart)", j + 1, i + 1,
				         b->opt[i].id);
				rc = HS_ECONFIG;
			}
	}
	return rc;
}

static enum hs_err
dup_key(char **out, const struct hs_config *cfg, const char *key)
{
	const char *v = hs_config_get(cfg, key);

	*out = strdup(v ? v : "");
	return *out ? HS_OK : HS_ENOMEM;
}

/* BOT_CHOICE_REPLY with the longest title in it fits a text message. */
static enum hs_err
check_choice(const struct hs_wa_bot *b, char *why, size_t whylen)
{
	struct hs_buf t;
	size_t i, longest = 0;
	enum hs_err rc;

	if (!b->choice_reply[0])
		return HS_OK;
	for (i = 1; i < b->nopt; i++)
		if (hs_wa_utf8_chars(b->opt[i].title) >
		    hs_wa_utf8_chars(b->opt[longest].title))
			longest = i;
	hs_buf_init(&t, MSG_MAX);
	rc = hs_wa_choice_text(&t, b, b->opt[longest].id, NULL);
	if (rc == HS_OK && hs_wa_utf8_chars(b->choice_reply) == (size_t)-1)
		rc = fits("BOT_CHOICE_REPLY", "", b->choice_reply, 0,
		    TEXT_MAX, "a text message", "", why, whylen);
	else if (rc == HS_OK)
		rc = fits("BOT_CHOICE_REPLY", " with {option} replaced",
		    hs_buf_str(&t), 0, TEXT_MAX, "a text message", " (the "
		    "longest option title in it)", why, whylen);
	else if (rc == HS_ETOOBIG) {
		snprintf(why, whylen, "BOT_CHOICE_REPLY is too long: a text "
		         "message takes at most %d characters", TEXT_MAX);
		rc = HS_ECONFIG;
	}
	hs_buf_release(&t);
	return rc;
}

enum hs_err
hs_wa_bot_init(struct hs_wa_bot *b, const struct hs_config *cfg, char *why,
               size_t whylen)
{
	enum hs_err rc;

	memset(b, 0, sizeof(*b));
	rc = dup_key(&b->greeting, cfg, "BOT_GREETING");
	if (rc == HS_OK)
		rc = dup_key(&b->prompt, cfg, "BOT_MENU_PROMPT");
	if (rc == HS_OK)
		rc = dup_key(&b->button, cfg, "BOT_MENU_BUTTON");
	if (rc == HS_OK)
		rc = dup_key(&b->choice_reply, cfg, "BOT_CHOICE_REPLY");
	if (rc == HS_OK)
		rc = fits("BOT_GREETING", "", b->greeting, 0, TEXT_MAX,
		    "a text message", "", why, whylen);
	if (rc == HS_OK)
		rc = fits("BOT_MENU_PROMPT", "", b->prompt, 1, BODY_MAX,
		    "an interactive message's body", "", why, whylen);
	if (rc == HS_OK) {
		const char *o = hs_config_get(cfg, "BOT_MENU_OPTIONS");

		rc = parse_options(b, o ? o : "", why, whylen);
	}
	if (rc == HS_OK)
		rc = check_options(b, why, whylen);
	if (rc == HS_OK && b->nopt > HS_WA_BUTTONS_MAX)
		rc = fits("BOT_MENU_BUTTON", "", b->button, 1, LIST_BUTTON_MAX,
		    "a list's button", " (4-10 options make a list)", why,
		    whylen);
	if (rc == HS_OK)
		rc = check_choice(b, why, whylen);
	return rc;
}

/* JSON building ---------------------------------------------------------- */

static int
add(struct json_object *o, const char *k, struct json_object *v)
{
	if (v && json_object_object_add(o, k, v) == 0)
		return 0;
	json_object_put(v);
	return -1;
}

static int
add_str(struct json_object *o, const char *k, const char *v)
{
	return add(o, k, json_object_new_string(v));
}

/* {"text": s} */
static struct json_object *
text_obj(const char *s)
{
	struct json_object *o = json_object_new_object();

	if (o && add_str(o, "text", s)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The envelope every message shares; NULL when out of memory. */
static struct json_object *
message(const char *to, const char *type)
{
	struct json_object *m = json_object_new_object();

	if (m && (add_str(m, "messaging_product", "whatsapp") ||
	    add_str(m, "recipient_type", "individual") ||
	    add_str(m, "to", to) || add_str(m, "type", type))) {
		json_object_put(m);
		return NULL;
	}
	return m;
}

/* Appends m as plain JSON and releases it. */
static enum hs_err
emit(struct hs_buf *out, struct json_object *m)
{
	const char *s = m ? json_object_to_json_string_ext(m,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	enum hs_err rc = s ? hs_buf_adds(out, s) : HS_ENOMEM;

	json_object_put(m);
	return rc;
}

enum hs_err
hs_wa_text_json(struct hs_buf *out, const char *to, const char *text)
{
	struct json_object *m = message(to, "text");
	struct json_object *t = json_object_new_object();

	if (!m || !t || add(t, "preview_url", json_object_new_boolean(0)) ||
	    add_str(t, "body", text)) {
		json_object_put(t);
		json_object_put(m);
		return HS_ENOMEM;
	}
	if (add(m, "text", t)) {	/* t released */
		json_object_put(m);
		return HS_ENOMEM;
	}
	return emit(out, m);
}

/* [{"type":"reply","reply":{"id":..,"title":..}}, ...] */
static struct json_object *
buttons(const struct hs_wa_bot *b)
{
	struct json_object *a = json_object_new_array(), *btn, *r;
	size_t i;

	for (i = 0; a && i < b->nopt; i++) {
		btn = json_object_new_object();
		r = json_object_new_object();
		if (!btn || !r || add_str(r, "id", b->opt[i].id) ||
		    add_str(r, "title", b->opt[i].title) ||
		    add_str(btn, "type", "reply")) {
			json_object_put(r);
			json_object_put(btn);
			break;
		}
		/* add() releases r when it fails; btn then owns nothing */
		if (add(btn, "reply", r) || json_object_array_add(a, btn)) {
			json_object_put(btn);
			break;
		}
	}
	if (a && i < b->nopt) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

/* {"button":..,"sections":[{"rows":[{"id":..,"title":..}, ...]}]} */
static struct json_object *
list_action(const struct hs_wa_bot *b)
{
	struct json_object *act = json_object_new_object();
	struct json_object *secs = json_object_new_array();
	struct json_object *sec = json_object_new_object();
	struct json_object *rows = json_object_new_array(), *row;
	size_t i;
	int bad = !act || !secs || !sec || !rows;

	for (i = 0; !bad && i < b->nopt; i++) {
		row = json_object_new_object();
		bad = !row || add_str(row, "id", b->opt[i].id) ||
		    add_str(row, "title", b->opt[i].title) ||
		    json_object_array_add(rows, row);
		if (bad)
			json_object_put(row);
	}
	if (bad)
		goto fail;
	bad = add(sec, "rows", rows);
	rows = NULL;	/* sec owns it, or add() released it */
	if (bad || json_object_array_add(secs, sec))
		goto fail;
	sec = NULL;
	if (add_str(act, "button", b->button))
		goto fail;
	bad = add(act, "sections", secs);
	secs = NULL;
	if (!bad)
		return act;
fail:
	json_object_put(rows);
	json_object_put(sec);
	json_object_put(secs);
	json_object_put(act);
	return NULL;
}

enum hs_err
hs_wa_menu_json(struct hs_buf *out, const struct hs_wa_bot *b,
                const char *to)
{
	int list = b->nopt > HS_WA_BUTTONS_MAX;
	struct json_object *m = message(to, "interactive");
	struct json_object *ia = json_object_new_object();
	struct json_object *act = NULL;

	if (!m || !ia || add_str(ia, "type", list ? "list" : "button") ||
	    add(ia, "body", text_obj(b->prompt)))
		goto fail;
	if (list)
		act = list_action(b);
	else if ((act = json_object_new_object()) != NULL &&
	    add(act, "buttons", buttons(b))) {
		json_object_put(act);
		act = NULL;
	}
	if (add(ia, "action", act))	/* act released */
		goto fail;
	if (add(m, "interactive", ia)) {	/* ia released */
		ia = NULL;
		goto fail;
	}
	return emit(out, m);
fail:
	json_object_put(ia);
	json_object_put(m);
	return HS_ENOMEM;
}

enum hs_err
hs_wa_choice_text(struct hs_buf *out, const struct hs_wa_bot *b,
                  const char *id, const char *meta_title)
{
	static const char mark[] = "{option}";
	const char *title = meta_title, *p = b->choice_reply, *q;
	size_t i;
	enum hs_err rc = HS_OK;

	for (i = 0; id && i < b->nopt; i++)
		if (!strcmp(b->opt[i].id, id))
			title = b->opt[i].title;
	if (!title)
		title = id ? id : "";
	while (rc == HS_OK && (q = strstr(p, mark)) != NULL) {
		rc = hs_buf_add(out, p, (size_t)(q - p));
		if (rc == HS_OK)
			rc = hs_buf_adds(out, title);
		p = q + sizeof(mark) - 1;
	}
	return rc == HS_OK ? hs_buf_adds(out, p) : rc;
}
