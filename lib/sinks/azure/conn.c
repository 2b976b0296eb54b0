/*
 * sinks/azure/conn.c - parse AZURE_STORAGE_CONNECTION_STRING (protocols.md
 * §1.2).
 *
 * Two passes: split "key=value;..." into one slot per known key (keys
 * case-insensitive, split on the first '=', empty segments skipped,
 * duplicates refused), then resolve the slots into an endpoint and a
 * credential. Only slot names and positions go into error messages.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sinks/azure/conn.h"
#include "sinks/azure/sign.h"
#include "core/banned.h"

enum slot {
	S_PROTO, S_ACCOUNT, S_KEY, S_SUFFIX, S_QUEUE_EP, S_SAS, S_DEV,
	S_COUNT
};

static const char *const slot_name[S_COUNT] = {
	[S_PROTO] = "DefaultEndpointsProtocol",
	[S_ACCOUNT] = "AccountName",
	[S_KEY] = "AccountKey",
	[S_SUFFIX] = "EndpointSuffix",
	[S_QUEUE_EP] = "QueueEndpoint",
	[S_SAS] = "SharedAccessSignature",
	[S_DEV] = "UseDevelopmentStorage",
};

struct hs_azq_conn {
	enum hs_azq_auth auth;
	char account[HS_AZQ_ACCOUNT_MAX + 1];
	char *base;
	char *prefix;
	char *sas;
	unsigned char *key;
	size_t keylen;
};

__attribute__((format(printf, 3, 4)))
static enum hs_err
bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return HS_ECONFIG;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Keys that are valid in a connection string but mean nothing here. */
static int
ignored_key(const char *k)
{
	return ends_with_ci(k, "Endpoint") ||
	       strcasecmp(k, "DevelopmentStorageProxyUri") == 0;
}

/* Only a short run of letters is echoed back in an error message. */
static int
looks_like_key_name(const char *k)
{
	size_t n = strlen(k), i;

	for (i = 0; i < n; i++)
		if (!isalpha((unsigned char)k[i]))
			return 0;
	return n <= 32;
}

/* Puts one "key=value" segment (number n, from 1) into its slot. */
static enum hs_err
split_one(char *seg, int n, const char *val[S_COUNT], char *why,
          size_t whylen)
{
	char *eq = strchr(seg, '='), *k, *v;
	int i;

	if (!eq)
		return bad(why, whylen, "segment %d has no '='", n);
	*eq = '\0';
	k = trim(seg);
	v = trim(eq + 1);
	if (*k == '\0')
		return bad(why, whylen, "segment %d has an empty key", n);
	for (i = 0; i < S_COUNT; i++)
		if (strcasecmp(k, slot_name[i]) == 0)
			break;
	if (i == S_COUNT && ignored_key(k))
		return HS_OK;
	if (i == S_COUNT && looks_like_key_name(k))
		return bad(why, whylen, "unknown key '%s'", k);
	if (i == S_COUNT)	/* maybe key material: do not echo it */
		return bad(why, whylen, "segment %d has an unknown key", n);
	if (val[i])
		return bad(why, whylen, "duplicate key '%s'", slot_name[i]);
	if (*v == '\0')
		return bad(why, whylen, "empty value for '%s'", slot_name[i]);
	val[i] = v;
	return HS_OK;
}

/* Splits the writable copy s into val[]; values point into s. */
static enum hs_err
split(char *s, const char *val[S_COUNT], char *why, size_t whylen)
{
	enum hs_err rc = HS_OK;
	int n = 0;

	while (rc == HS_OK && s) {
		char *semi = strchr(s, ';');

		if (semi)
			*semi = '\0';
		n++;
		if (*trim(s) != '\0')
			rc = split_one(s, n, val, why, whylen);
		s = semi ? semi + 1 : NULL;
	}
	return rc;
}

/* UseDevelopmentStorage=true fills the emulator's values (§1.2). */
static enum hs_err
apply_devstore(const char *val[S_COUNT], char *why, size_t whylen)
{
	static const enum slot clash[] = { S_ACCOUNT, S_KEY, S_SUFFIX, S_SAS };
	size_t i;

	if (!val[S_DEV] || strcasecmp(val[S_DEV], "false") == 0)
		return HS_OK;
	if (strcasecmp(val[S_DEV], "true") != 0)
		return bad(why, whylen,
		           "UseDevelopmentStorage must be true or false");
	for (i = 0; i < sizeof(clash) / sizeof(clash[0]); i++)
		if (val[clash[i]])
			return bad(why, whylen, "UseDevelopmentStorage=true "
			           "cannot be combined with '%s'",
			           slot_name[clash[i]]);
	val[S_ACCOUNT] = HS_AZQ_DEV_ACCOUNT;
	val[S_KEY] = HS_AZQ_DEV_KEY;
	if (!val[S_PROTO])
		val[S_PROTO] = "http";
	if (!val[S_QUEUE_EP])
		val[S_QUEUE_EP] = HS_AZQ_DEV_QUEUE_EP;
	return HS_OK;
}

static int
host_chars_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-:[]", s[i]))
			return 0;
	return n > 0;
}

static int
path_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) || strchr("?#\"<>\\^`{|}", *s))
			return 0;
	return 1;
}

/* Splits an http(s) URL into base "scheme://host[:port]" and prefix. */
static enum hs_err
set_endpoint(struct hs_azq_conn *c, const char *url, char *why,
             size_t whylen)
{
	size_t skip, hostlen, plen;
	const char *host;

	if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else
		return bad(why, whylen, "QueueEndpoint must start with "
		           "http:// or https://");
	host = url + skip;
	hostlen = strcspn(host, "/");
	if (!host_chars_ok(host, hostlen))
		return bad(why, whylen, "QueueEndpoint has an invalid host");
	if (!path_chars_ok(host + hostlen))
		return bad(why, whylen, "QueueEndpoint must be a plain URL "
		           "without query, fragment or spaces");
	plen = strlen(host + hostlen);
	while (plen > 0 && host[hostlen + plen - 1] == '/')
		plen--;
	c->base = strndup(url, skip + hostlen);
	c->prefix = strndup(host + hostlen, plen);
	return (c->base && c->prefix) ? HS_OK : HS_ENOMEM;
}

static enum hs_err
derive_endpoint(struct hs_azq_conn *c, const char *val[S_COUNT], char *why,
                size_t whylen)
{
	const char *proto = val[S_PROTO] ? val[S_PROTO] : "https";
	const char *suffix = val[S_SUFFIX] ? val[S_SUFFIX] : "core.windows.net";
	char url[256];
	int n;

	if (!host_chars_ok(suffix, strlen(suffix)) || strchr(suffix, ':'))
		return bad(why, whylen, "EndpointSuffix is not a host name");
	if (!val[S_ACCOUNT])
		return bad(why, whylen, "missing AccountName or QueueEndpoint");
	n = snprintf(url, sizeof(url), "%s://%s.queue.%s", proto,
	             val[S_ACCOUNT], suffix);
	if (n < 0 || (size_t)n >= sizeof(url))
		return bad(why, whylen, "EndpointSuffix is too long");
	return set_endpoint(c, url, why, whylen);
}

static enum hs_err
set_account(struct hs_azq_conn *c, const char *name, char *why,
            size_t whylen)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]))
			break;
	if (n > HS_AZQ_ACCOUNT_MAX || i < n)
		return bad(why, whylen, "AccountName must be 1-%d letters and "
		           "digits", HS_AZQ_ACCOUNT_MAX);
	memcpy(c->account, name, n + 1);
	return HS_OK;
}

static enum hs_err
set_key(struct hs_azq_conn *c, const char *b64, char *why, size_t whylen)
{
	enum hs_err rc;

	rc = hs_azq_b64_decode(b64, strlen(b64), &c->key, &c->keylen);
	if (rc == HS_EINVAL || (rc == HS_OK && c->keylen == 0))
		rc = bad(why, whylen, "AccountKey is not valid base64");
	return rc;
}

static enum hs_err
set_sas(struct hs_azq_conn *c, const char *tok, char *why, size_t whylen)
{
	if (*tok == '?')
		tok++;
	if (*tok == '\0' || !path_chars_ok(tok))
		return bad(why, whylen, "SharedAccessSignature is not a URL "
		           "query string");
	if (strncmp(tok, "sig=", 4) != 0 && !strstr(tok, "&sig="))
		return bad(why, whylen, "SharedAccessSignature has no sig= "
		           "parameter");
	c->sas = strdup(tok);
	return c->sas ? HS_OK : HS_ENOMEM;
}

/* Chooses the credential: exactly one of AccountKey and SAS. */
static enum hs_err
resolve_auth(struct hs_azq_conn *c, const char *val[S_COUNT], char *why,
             size_t whylen)
{
	enum hs_err rc = HS_OK;

	if (val[S_KEY] && val[S_SAS])
		return bad(why, whylen, "AccountKey and SharedAccessSignature "
		           "are both set; keep one");
	if (!val[S_KEY] && !val[S_SAS])
		return bad(why, whylen,
		           "missing AccountKey or SharedAccessSignature");
	if (val[S_ACCOUNT])
		rc = set_account(c, val[S_ACCOUNT], why, whylen);
	else if (val[S_KEY])
		rc = bad(why, whylen, "missing AccountName");
	if (rc == HS_OK && val[S_KEY]) {
		c->auth = HS_AZQ_SHAREDKEY;
		rc = set_key(c, val[S_KEY], why, whylen);
	} else if (rc == HS_OK) {
		c->auth = HS_AZQ_SAS;
		rc = set_sas(c, val[S_SAS], why, whylen);
	}
	return rc;
}

static enum hs_err
resolve(struct hs_azq_conn *c, const char *val[S_COUNT], char *why,
        size_t whylen)
{
	enum hs_err rc;

	rc = apply_devstore(val, why, whylen);
	if (rc == HS_OK && val[S_PROTO] && strcasecmp(val[S_PROTO], "http") &&
	    strcasecmp(val[S_PROTO], "https"))
		rc = bad(why, whylen,
		         "DefaultEndpointsProtocol must be http or https");
	if (rc == HS_OK)
		rc = resolve_auth(c, val, why, whylen);
	if (rc == HS_OK && val[S_QUEUE_EP])
		rc = set_endpoint(c, val[S_QUEUE_EP], why, whylen);
	else if (rc == HS_OK)
		rc = derive_endpoint(c, val, why, whylen);
	return rc;
}

enum hs_err
hs_azq_conn_parse(struct hs_azq_conn **out, const char *cs, char *why,
                  size_t whylen)
{
	enum hs_err rc = HS_OK;
	const char *val[S_COUNT] = { NULL };
	struct hs_azq_conn *c = NULL;
	char *copy = NULL;

	*out = NULL;
	if (whylen > 0)
		why[0] = '\0';
	if (!cs || *cs == '\0')
		rc = bad(why, whylen, "connection string is empty");
	else if (strlen(cs) > HS_AZQ_CONN_MAX)
		rc = bad(why, whylen, "connection string is longer than %d "
		         "bytes", HS_AZQ_CONN_MAX);
	if (rc == HS_OK && (!(copy = strdup(cs)) ||
	    !(c = calloc(1, sizeof(*c)))))
		rc = HS_ENOMEM;
	if (rc == HS_OK)
		rc = split(copy, val, why, whylen);
	if (rc == HS_OK)
		rc = resolve(c, val, why, whylen);
	if (rc == HS_OK) {
		*out = c;
		c = NULL;
	}
	if (copy) {
		OPENSSL_cleanse(copy, strlen(cs));
		free(copy);
	}
	hs_azq_conn_free(c);
	return rc;
}

void
hs_azq_conn_free(struct hs_azq_conn *c)
{
	if (!c)
		return;
	if (c->key)
		OPENSSL_cleanse(c->key, c->keylen);
	if (c->sas)
		OPENSSL_cleanse(c->sas, strlen(c->sas));
	free(c->key);
	free(c->sas);
	free(c->base);
	free(c->prefix);
	free(c);
}

enum hs_azq_auth
hs_azq_conn_auth(const struct hs_azq_conn *c)
{
	return c->auth;
}

const char *
hs_azq_conn_account(const struct hs_azq_conn *c)
{
	return c->account;
}

const char *
hs_azq_conn_base(const struct hs_azq_conn *c)
{
	return c->base;
}

const char *
hs_azq_conn_prefix(const struct hs_azq_conn *c)
{
	return c->prefix;
}

const char *
hs_azq_conn_sas(const struct hs_azq_conn *c)
{
	return c->auth == HS_AZQ_SAS ? c->sas : NULL;
}

const unsigned char *
hs_azq_conn_key(const struct hs_azq_conn *c, size_t *len)
{
	*len = c->keylen;
	return c->auth == HS_AZQ_SHAREDKEY ? c->key : NULL;
}
