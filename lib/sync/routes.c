/*
 * sync/routes.c - ROUTES parsing and the seed's default routing.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "sync/routes.h"
#include "sinks/sink.h"
#include "core/banned.h"

#define TOKEN_MAX 64

/* Copies s[0..n) trimmed of spaces into out; 0 if it fits. */
static int
token(const char *s, size_t n, char *out)
{
	while (n && *s == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	if (n >= TOKEN_MAX)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int
glob_eq(const char *pattern, const char *value)
{
	return !strcmp(pattern, "*") || !strcmp(pattern, value);
}

static size_t
add_unique(const char **out, size_t n, size_t max, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(out[i], name))
			return n;
	if (n < max)
		out[n++] = name;
	return n;
}

/*
 * WhatsApp's default: a user's message to the sink "whatsapp" (the bot's
 * greeting and menu); a menu choice too, but only when BOT_CHOICE_REPLY
 * gives it an answer; statuses and other changes are only stored.
 */
static size_t
whatsapp_routes(const struct hs_config *cfg, const char *kind,
                const char **out, size_t max)
{
	const struct hs_sink_ops *ops = hs_sink_find("whatsapp");

	if (!ops || !ops->configured(cfg))
		return 0;
	if (!strcmp(kind, "message") || (!strcmp(kind, "choice") &&
	    hs_config_has(cfg, "BOT_CHOICE_REPLY")))
		return add_unique(out, 0, max, ops->name);
	return 0;
}

/*
 * The seed's routing: ManyChat events to every configured sink but the
 * chat sinks (a ManyChat contact is nobody to greet on WhatsApp), and
 * WhatsApp's own (whatsapp_routes).
 */
static size_t
default_routes(const struct hs_config *cfg, const char *source,
               const char *kind, const char **out, size_t max)
{
	const struct hs_sink_ops *const *ops;
	size_t n = 0;

	if (!strcmp(source, "whatsapp"))
		return whatsapp_routes(cfg, kind, out, max);
	if (strcmp(source, "manychat") ||
	    (strcmp(kind, "contact") && strcmp(kind, "campaign")))
		return 0;
	for (ops = hs_sink_registry; *ops; ops++)
		if (!(*ops)->dead_copies && !(*ops)->immediate &&
		    (*ops)->configured(cfg))
			n = add_unique(out, n, max, (*ops)->name);
	return n;
}

/* Adds the sinks of one "source/kind:sinks" entry if it matches. */
static size_t
one_entry(const struct hs_config *cfg, const char *e, size_t len,
          const char *source, const char *kind, const char **out, size_t n,
          size_t max)
{
	const char *colon = memchr(e, ':', len), *slash, *p, *end = e + len;
	const struct hs_sink_ops *ops;
	char src[TOKEN_MAX], knd[TOKEN_MAX], name[TOKEN_MAX];
	size_t k;

	slash = colon ? memchr(e, '/', (size_t)(colon - e)) : NULL;
	if (!slash || token(e, (size_t)(slash - e), src) ||
	    token(slash + 1, (size_t)(colon - slash - 1), knd) ||
	    !glob_eq(src, source) || !glob_eq(knd, kind))
		return n;
	for (p = colon + 1; p < end; p += k + 1) {
		k = strcspn(p, ",;");
		if (p + k > end)
			k = (size_t)(end - p);
		if (token(p, k, name) == 0 && (ops = hs_sink_find(name)) &&
		    ops->configured(cfg))
			n = add_unique(out, n, max, ops->name);
	}
	return n;
}

size_t
hs_routes_resolve(const struct hs_config *cfg, const char *source,
                  const char *kind, const char **out, size_t max)
{
	const char *routes = hs_config_get(cfg, "ROUTES"), *e;
	size_t n = 0, len;

	if (!routes || !*routes)
		return default_routes(cfg, source, kind, out, max);
	for (e = routes; *e; e += len + (e[len] == ';')) {
		len = strcspn(e, ";");
		n = one_entry(cfg, e, len, source, kind, out, n, max);
	}
	return n;
}

int
hs_routes_include(const struct hs_config *cfg, const char *source,
                  const char *kind, const char *sink)
{
	const char *names[HS_MAX_ROUTED_SINKS];
	size_t i, n = hs_routes_resolve(cfg, source, kind, names,
	    HS_MAX_ROUTED_SINKS);

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], sink))
			return 1;
	return 0;
}

static int
check_sinks(const struct hs_config *cfg, const char *p, const char *end,
            char *why, size_t wn)
{
	const struct hs_sink_ops *ops;
	char name[TOKEN_MAX];
	size_t k;

	for (; p < end; p += k + 1) {
		k = strcspn(p, ",;");
		if (p + k > end)
			k = (size_t)(end - p);
		if (token(p, k, name) || !*name) {
			snprintf(why, wn, "ROUTES: empty or overlong sink name");
			return -1;
		}
		if (!(ops = hs_sink_find(name))) {
			snprintf(why, wn, "ROUTES: unknown sink '%s'", name);
			return -1;
		}
		if (!ops->configured(cfg)) {
			snprintf(why, wn, "ROUTES: sink '%s' is not configured",
			    name);
			return -1;
		}
	}
	return 0;
}

int
hs_routes_check(const struct hs_config *cfg, char *why, size_t wn)
{
	const char *routes = hs_config_get(cfg, "ROUTES"), *e, *colon, *slash;
	size_t len;

	for (e = routes ? routes : ""; *e; e += len + (e[len] == ';')) {
		len = strcspn(e, ";");
		if (!len)
			continue;
		colon = memchr(e, ':', len);
		slash = colon ? memchr(e, '/', (size_t)(colon - e)) : NULL;
		if (!slash) {
			snprintf(why, wn, "ROUTES: '%.*s' is not source/kind:"
			    "sink,...", (int)(len > 80 ? 80 : len), e);
			return -1;
		}
		if (check_sinks(cfg, colon + 1, e + len, why, wn))
			return -1;
	}
	return 0;
}
