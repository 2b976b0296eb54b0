/*
 * sinks/odoo/settings.c - the odoo sink's configuration: its keys, the
 * ones it cannot work without, and where Odoo is.
 *
 * Two spellings name the same settings: the seed's (ODOO_HOST, ODOO_PORT,
 * ODOO_PROTOCOL, ODOO_USER) and the one most Odoo tools use (ODOO_URL,
 * ODOO_USERNAME). Both are accepted because a user copies one or the
 * other; when both are set the common spelling wins (the core warns,
 * core/config.h), since a user who adds ODOO_URL to a seed file means it.
 * The sink and its probe read the settings here, so they cannot disagree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "sinks/odoo/odoo.h"
#include "core/banned.h"

const struct hs_conf_key hs_odoo_keys[] = {
	{ "ODOO_URL", HS_CONF_STR, NULL, 0, 0,
	  "Odoo's address, e.g. https://mycompany.odoo.com (protocol, host "
	  "and port; wins over ODOO_HOST, ODOO_PORT and ODOO_PROTOCOL)" },
	{ "ODOO_HOST", HS_CONF_STR, NULL, 0, 0,
	  "Odoo host name (the seed's spelling; or ODOO_URL)" },
	{ "ODOO_PORT", HS_CONF_INT, "443", 1, 65535, "Odoo port" },
	{ "ODOO_PROTOCOL", HS_CONF_STR, "jsonrpc+ssl", 0, 0,
	  "jsonrpc or jsonrpc+ssl" },
	{ "ODOO_DB", HS_CONF_STR, NULL, 0, 0, "Odoo database" },
	{ "ODOO_USERNAME", HS_CONF_STR, NULL, 0, 0,
	  "Odoo login (wins over ODOO_USER)" },
	{ "ODOO_USER", HS_CONF_STR, NULL, 0, 0,
	  "Odoo login (the seed's spelling; or ODOO_USERNAME)" },
	{ "ODOO_PASSWORD", HS_CONF_SECRET, NULL, 0, 0,
	  "Odoo password or API key" },
	{ "ODOO_RATE", HS_CONF_INT, "1", 1, 1000,
	  "requests per second to Odoo (login included), shared by every run" },
	{ "ODOO_BATCH", HS_CONF_INT, "1000", 1, 10000,
	  "events per batch (a batch costs a few requests, not one per "
	  "event)" },
	{ "ODOO_TIMEOUT_MS", HS_CONF_INT, "30000", 100, 600000,
	  "timeout of one Odoo request, answer included" },
	{ "ODOO_CONNECT_TIMEOUT_MS", HS_CONF_INT, "10000", 100, 600000,
	  "timeout of connecting to Odoo" },
	{ "ODOO_CA_FILE", HS_CONF_STR, NULL, 0, 0,
	  "CA bundle for jsonrpc+ssl (empty: the system's)" },
	{ "ODOO_CONTACT_MODEL", HS_CONF_STR, "manychat.contact", 0, 0,
	  "Odoo model of ManyChat contacts" },
	{ "ODOO_STATE_MODEL", HS_CONF_STR, "manychat.state", 0, 0,
	  "Odoo model of the contacts' state history" },
	{ "ODOO_FIELDS", HS_CONF_STR, "", 0, 0,
	  "field renames: role=field,... (e.g. contact.email=x_email; "
	  "empty field: not sent)" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

/* The first spelling of each wins when both are set. */
const char *const hs_odoo_required[] = {
	"ODOO_URL|ODOO_HOST", "ODOO_DB", "ODOO_USERNAME|ODOO_USER",
	"ODOO_PASSWORD", NULL
};

int
hs_odoo_configured(const struct hs_config *cfg)
{
	return hs_config_has(cfg, "ODOO_URL") ||
	    hs_config_has(cfg, "ODOO_HOST");
}

static int
host_ok(const char *h, size_t n)
{
	size_t i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("/@?#\\ \t\r\n", h[i]))
			return 0;
	return 1;
}

/* ODOO_URL: http(s)://host[:port][/ or /jsonrpc], nothing else. */
static enum hs_err
url_from_odoo_url(char *out, size_t n, const char *url, char *why,
                  size_t whylen)
{
	const char *scheme = NULL, *h, *end, *colon, *path;
	char *num_end;
	long port;

	if (!strncmp(url, "https://", 8))
		scheme = "https";
	else if (!strncmp(url, "http://", 7))
		scheme = "http";
	h = scheme ? url + strlen(scheme) + 3 : url;
	path = h + strcspn(h, "/?#");
	end = path;
	colon = h[0] == '[' ? strchr(h, ']') : h;	/* [v6]:port */
	colon = colon && colon < end ? memchr(colon, ':', (size_t)(end -
	    colon)) : NULL;
	port = !strcmp(scheme ? scheme : "", "https") ? 443 : 80;
	if (colon) {
		port = strtol(colon + 1, &num_end, 10);
		if (num_end != end || colon + 1 == end || port < 1 ||
		    port > 65535)
			port = -1;
		end = colon;
	}
	if (!scheme || port < 0 || !host_ok(h, (size_t)(end - h)) ||
	    (*path && strcmp(path, "/") && strcmp(path, "/jsonrpc"))) {
		snprintf(why, whylen, "ODOO_URL '%.120s' is not an Odoo "
		         "address like https://mycompany.odoo.com or "
		         "http://host:8069 (http or https, a host, an optional "
		         "port, no path)", url);
		return HS_ECONFIG;
	}
	snprintf(out, n, "%s://%.*s:%ld/jsonrpc", scheme, (int)(end - h), h,
	         port);
	return HS_OK;
}

/* The seed's ODOO_HOST, ODOO_PORT and ODOO_PROTOCOL. */
static enum hs_err
url_from_host(char *out, size_t n, const struct hs_config *cfg, char *why,
              size_t whylen)
{
	const char *host = hs_config_get(cfg, "ODOO_HOST");
	const char *proto = hs_config_get(cfg, "ODOO_PROTOCOL");
	const char *scheme;

	if (!proto || !strcmp(proto, "jsonrpc+ssl"))
		scheme = "https";
	else if (!strcmp(proto, "jsonrpc"))
		scheme = "http";
	else {
		snprintf(why, whylen, "ODOO_PROTOCOL '%.40s' is not jsonrpc or "
		         "jsonrpc+ssl (the odoo sink speaks JSON-RPC only)",
		         proto);
		return HS_ECONFIG;
	}
	if (!host || !host_ok(host, strlen(host))) {
		snprintf(why, whylen, "ODOO_HOST '%.80s' is not a host name "
		         "(no scheme, path or port: those are ODOO_PROTOCOL "
		         "and ODOO_PORT, or set ODOO_URL instead)",
		         host ? host : "");
		return HS_ECONFIG;
	}
	snprintf(out, n, "%s://%s:%ld/jsonrpc", scheme, host,
	         hs_config_int(cfg, "ODOO_PORT"));
	return HS_OK;
}

static enum hs_err
need(const struct hs_config *cfg, const char *key, const char *alt,
     const char **out, char *why, size_t whylen)
{
	*out = alt && hs_config_has(cfg, alt) ? hs_config_get(cfg, alt) :
	    hs_config_get(cfg, key);
	if (*out && **out)
		return HS_OK;
	snprintf(why, whylen, "%s%s%s is not set (the odoo sink needs "
	         "ODOO_URL or ODOO_HOST, ODOO_DB, ODOO_USERNAME or ODOO_USER, "
	         "and ODOO_PASSWORD)", alt ? alt : "", alt ? " or " : "", key);
	return HS_ECONFIG;
}

enum hs_err
hs_odoo_settings_read(struct hs_odoo_settings *st,
                      const struct hs_config *cfg, char *why, size_t whylen)
{
	const char *url = hs_config_get(cfg, "ODOO_URL");
	const char *ca = hs_config_get(cfg, "ODOO_CA_FILE");
	enum hs_err rc;

	memset(st, 0, sizeof(*st));
	rc = url && *url ? url_from_odoo_url(st->url, sizeof(st->url), url,
	    why, whylen) : url_from_host(st->url, sizeof(st->url), cfg, why,
	    whylen);
	if (rc == HS_OK)
		rc = need(cfg, "ODOO_DB", NULL, &st->db, why, whylen);
	if (rc == HS_OK)
		rc = need(cfg, "ODOO_USER", "ODOO_USERNAME", &st->user, why,
		          whylen);
	if (rc == HS_OK)
		rc = need(cfg, "ODOO_PASSWORD", NULL, &st->password, why,
		          whylen);
	if (rc == HS_OK)
		rc = hs_odoo_map_init(&st->map,
		    hs_config_get(cfg, "ODOO_CONTACT_MODEL"),
		    hs_config_get(cfg, "ODOO_STATE_MODEL"),
		    hs_config_get(cfg, "ODOO_FIELDS"), why, whylen);
	st->rpc.url = st->url;
	st->rpc.timeout_ms = hs_config_int(cfg, "ODOO_TIMEOUT_MS");
	st->rpc.connect_timeout_ms = hs_config_int(cfg,
	    "ODOO_CONNECT_TIMEOUT_MS");
	st->rpc.ca_file = ca && *ca ? ca : NULL;
	st->rpc.min_gap_ms = 1000.0 / (double)hs_config_int(cfg, "ODOO_RATE");
	return rc;
}
