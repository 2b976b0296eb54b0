/*
 * sinks/whatsapp/settings.c - the whatsapp sink's configuration: its keys
 * (the Graph API's and the bot's texts), the ones it cannot work without,
 * and the URLs they make.
 *
 * WHATSAPP_GRAPH_URL is Meta's host in production and a double in tests;
 * it may carry a path prefix (a proxy), never a query. The version and the
 * phone number id become path segments, so they are checked to be one
 * segment each. The sink and its probe read the settings here, so they
 * cannot disagree.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "sinks/whatsapp/whatsapp.h"
#include "core/banned.h"

const struct hs_conf_key hs_wa_keys[] = {
	{ "WHATSAPP_TOKEN", HS_CONF_SECRET, NULL, 0, 0,
	  "WhatsApp Cloud API access token (a system user's), sent as "
	  "Authorization: Bearer" },
	{ "WHATSAPP_PHONE_NUMBER_ID", HS_CONF_STR, NULL, 0, 0,
	  "the Phone number ID the bot sends from (Meta's app dashboard, "
	  "WhatsApp > API Setup), not the phone number" },
	{ "WHATSAPP_GRAPH_URL", HS_CONF_STR, "https://graph.facebook.com", 0,
	  0, "the Graph API's address (tests point it at a double)" },
	{ "WHATSAPP_API_VERSION", HS_CONF_STR, "v25.0", 0, 0,
	  "Graph API version, e.g. v25.0" },
	{ "WHATSAPP_RATE", HS_CONF_INT, "80", 1, 1000,
	  "messages per second from the phone number (Meta's default "
	  "throughput is 80), shared by every run and handler" },
	{ "WHATSAPP_BATCH", HS_CONF_INT, "20", 1, 1000,
	  "deliveries per batch (a user's message costs two requests)" },
	{ "WHATSAPP_TIMEOUT_MS", HS_CONF_INT, "10000", 100, 600000,
	  "timeout of one Graph request, answer included" },
	{ "BOT_GREETING", HS_CONF_STR, "Hola!", 0, 0,
	  "the bot's first answer to a user's message (at most 4096 "
	  "characters; empty: the menu alone)" },
	{ "BOT_MENU_PROMPT", HS_CONF_STR, "Por favor elije una opción:", 0, 0,
	  "the menu's text (1 to 1024 characters)" },
	{ "BOT_MENU_OPTIONS", HS_CONF_STR, "Pileta,Tenis,SUM", 0, 0,
	  "the menu: Title or id:Title, comma-separated (the first colon "
	  "ends an id; by default the id is the title lowercased, letters "
	  "and digits only); 1-3 options are reply buttons (titles up to 20 "
	  "characters), 4-10 a list (titles up to 24)" },
	{ "BOT_MENU_BUTTON", HS_CONF_STR, "Ver opciones", 0, 0,
	  "the button that opens a list menu (1 to 20 characters)" },
	{ "BOT_CHOICE_REPLY", HS_CONF_STR, "", 0, 0,
	  "the answer to a menu choice, {option} replaced by its title "
	  "(empty: choices get no answer)" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

const char *const hs_wa_required[] = {
	"WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", NULL
};

int
hs_wa_configured(const struct hs_config *cfg)
{
	return hs_config_has(cfg, "WHATSAPP_TOKEN") &&
	    hs_config_has(cfg, "WHATSAPP_PHONE_NUMBER_ID");
}

/* One path segment: letters, digits, '.', '_', '-'; 1 to 64 bytes. */
static int
segment_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

/* "vN.N". */
static int
version_ok(const char *v)
{
	const char *p = v;

	if (*p++ != 'v' || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

/* http(s)://host[:port][/prefix], no query, fragment, space or user. */
static int
graph_url_ok(const char *u)
{
	const char *h;

	if (!strncmp(u, "https://", 8))
		h = u + 8;
	else if (!strncmp(u, "http://", 7))
		h = u + 7;
	else
		return 0;
	if (*h == '\0' || *h == '/' || strcspn(u, "?#@ \t\r\n\\") !=
	    strlen(u))
		return 0;
	return strlen(u) < HS_WA_URL_MAX - 200;
}

enum hs_err
hs_wa_settings_read(struct hs_wa_settings *st, const struct hs_config *cfg,
                    char *why, size_t whylen)
{
	const char *url = hs_config_get(cfg, "WHATSAPP_GRAPH_URL");
	const char *ver = hs_config_get(cfg, "WHATSAPP_API_VERSION");
	const char *id = hs_config_get(cfg, "WHATSAPP_PHONE_NUMBER_ID");
	size_t ulen;

	memset(st, 0, sizeof(*st));
	st->token = hs_config_get(cfg, "WHATSAPP_TOKEN");
	st->timeout_ms = hs_config_int(cfg, "WHATSAPP_TIMEOUT_MS");
	if (!st->token || !*st->token || !id || !*id) {
		snprintf(why, whylen, "%s is not set (the whatsapp sink needs "
		         "WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID)",
		         !st->token || !*st->token ? "WHATSAPP_TOKEN" :
		         "WHATSAPP_PHONE_NUMBER_ID");
		return HS_ECONFIG;
	}
	if (!url || !graph_url_ok(url)) {
		snprintf(why, whylen, "WHATSAPP_GRAPH_URL '%.200s' is not an "
		         "address like https://graph.facebook.com (http or "
		         "https, a host, an optional port and path, no query)",
		         url ? url : "");
		return HS_ECONFIG;
	}
	if (!ver || !version_ok(ver)) {
		snprintf(why, whylen, "WHATSAPP_API_VERSION '%.40s' is not a "
		         "Graph API version like v25.0", ver ? ver : "");
		return HS_ECONFIG;
	}
	if (!segment_ok(id)) {
		snprintf(why, whylen, "WHATSAPP_PHONE_NUMBER_ID '%.80s' is not "
		         "a Phone number ID (digits, as Meta's API Setup page "
		         "shows it)", id);
		return HS_ECONFIG;
	}
	ulen = strlen(url);
	while (ulen > 0 && url[ulen - 1] == '/')
		ulen--;
	snprintf(st->phone_url, sizeof(st->phone_url), "%.*s/%s/%s",
	         (int)ulen, url, ver, id);
	snprintf(st->messages_url, sizeof(st->messages_url), "%s/messages",
	         st->phone_url);
	return HS_OK;
}
