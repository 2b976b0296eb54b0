/*
 * sinks/azure/wire.c - Put Message body, response scraping, outcome table.
 *
 * The service's XML is small and fixed-shape (protocols.md §1.4, §1.5), so
 * it is read by finding elements, not by a general XML parser: this
 * module only ever looks for MessageId, MessageText, Code and Message.
 * Anything it cannot read degrades to an empty field, never a crash.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/retry_after.h"
#include "sinks/azure/sign.h"
#include "sinks/azure/wire.h"
#include "core/banned.h"

#define BODY_HEAD "<QueueMessage><MessageText>"
#define BODY_TAIL "</MessageText></QueueMessage>"

enum hs_err
hs_azq_put_body(const void *text, size_t n, char **out, size_t *outlen)
{
	size_t head = strlen(BODY_HEAD), tail = strlen(BODY_TAIL), b64;
	enum hs_err rc;
	char *p;

	if (n > HS_AZQ_RAW_MAX)
		return HS_ETOOBIG;
	b64 = hs_azq_b64_len(n);	/* <= HS_AZQ_TEXT_MAX by the above */
	p = malloc(head + b64 + tail + 1);
	if (!p)
		return HS_ENOMEM;
	memcpy(p, BODY_HEAD, head);
	rc = hs_azq_b64_encode(text, n, p + head);
	if (rc != HS_OK) {
		free(p);
		return rc;
	}
	memcpy(p + head + b64, BODY_TAIL, tail + 1);
	*out = p;
	*outlen = head + b64 + tail;
	return HS_OK;
}

void
hs_azq_too_big(size_t raw_len, struct hs_azq_result *res)
{
	memset(res, 0, sizeof(*res));
	res->outcome = HS_AZQ_PERMANENT;
	res->retry_after_ms = -1;
	snprintf(res->code, sizeof(res->code), "MessageTooLarge");
	snprintf(res->reason, sizeof(res->reason), "message of %zu bytes "
	         "encodes to more than %d chars (limit %d raw bytes)",
	         raw_len, HS_AZQ_TEXT_MAX, HS_AZQ_RAW_MAX);
}

/*
 * Finds <tag>...</tag> (or <tag/>) in xml[0..n): *start and *len span
 * the raw content. Returns a pointer just past the element, or NULL.
 */
static const char *
xml_find(const char *xml, size_t n, const char *tag, const char **start,
         size_t *len)
{
	char open[64], shut[64], empty[64];
	const char *p, *q, *end = xml + n;
	size_t ol, sl, el;

	ol = (size_t)snprintf(open, sizeof(open), "<%s>", tag);
	el = (size_t)snprintf(empty, sizeof(empty), "<%s/>", tag);
	sl = (size_t)snprintf(shut, sizeof(shut), "</%s>", tag);
	for (p = xml; p && p < end; p++) {
		p = memchr(p, '<', (size_t)(end - p));
		if (!p)
			break;
		if ((size_t)(end - p) >= el && memcmp(p, empty, el) == 0) {
			*start = p;
			*len = 0;
			return p + el;
		}
		if ((size_t)(end - p) < ol || memcmp(p, open, ol) != 0)
			continue;
		q = memmem(p + ol, (size_t)(end - p - ol), shut, sl);
		if (!q)
			return NULL;
		*start = p + ol;
		*len = (size_t)(q - p - ol);
		return q + sl;
	}
	return NULL;
}

static const struct {
	const char *name;
	char c;
} entities[] = {
	{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
	{ "&quot;", '"' }, { "&apos;", '\'' },
};

/* Decodes one entity at s[0..n); sets *c, returns its length or 0. */
static size_t
entity(const char *s, size_t n, char *c)
{
	size_t i, l;
	char *endp;
	long v;

	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		l = strlen(entities[i].name);
		if (n >= l && memcmp(s, entities[i].name, l) == 0) {
			*c = entities[i].c;
			return l;
		}
	}
	if (n < 4 || s[1] != '#' || !memchr(s, ';', n < 12 ? n : 12))
		return 0;
	v = (s[2] == 'x') ? strtol(s + 3, &endp, 16) : strtol(s + 2, &endp, 10);
	if (*endp != ';')
		return 0;
	*c = (v > 0 && v < 128) ? (char)v : '?';
	return (size_t)(endp - s) + 1;
}

/* Unescapes s[0..n) into out (cap bytes incl. NUL); returns length. */
static size_t
unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t i = 0, o = 0, l;
	char c;

	while (i < n && o + 1 < cap) {
		c = s[i];
		l = (c == '&') ? entity(s + i, n - i, &c) : 0;
		out[o++] = c;
		i += l ? l : 1;
	}
	if (cap > 0)
		out[o] = '\0';
	return o;
}

int
hs_azq_xml_text(const char *xml, size_t n, const char *tag, char *out,
                size_t outlen)
{
	const char *s;
	size_t len;

	if (outlen > 0)
		out[0] = '\0';
	if (!xml || !xml_find(xml, n, tag, &s, &len))
		return 0;
	unescape(s, len, out, outlen);
	return 1;
}

/* Decodes one <QueueMessage> element's content into t->text[t->n]. */
static enum hs_err
parse_one(const char *m, size_t mlen, struct hs_azq_texts *t)
{
	const char *s;
	size_t len;
	char *raw;
	unsigned char *dec = NULL;
	enum hs_err rc;

	hs_azq_xml_text(m, mlen, "MessageId", t->id[t->n], HS_AZQ_ID_LEN);
	if (!xml_find(m, mlen, "MessageText", &s, &len))
		return HS_EPEER;
	raw = malloc(len + 1);
	if (!raw)
		return HS_ENOMEM;
	len = unescape(s, len, raw, len + 1);
	rc = hs_azq_b64_decode(raw, len, &dec, &t->len[t->n]);
	free(raw);
	t->text[t->n] = (char *)dec;
	if (rc == HS_EINVAL)
		rc = HS_EPEER;
	if (rc == HS_OK)
		t->n++;
	return rc;
}

enum hs_err
hs_azq_parse_texts(const char *xml, size_t n, struct hs_azq_texts *t)
{
	enum hs_err rc = HS_OK;
	const char *p = xml, *end = xml + n, *m, *next;
	size_t mlen;

	while (rc == HS_OK && p < end) {
		next = xml_find(p, (size_t)(end - p), "QueueMessage", &m,
		                &mlen);
		if (!next)
			break;
		if (t->n == HS_AZQ_PEEK_MAX)
			rc = HS_EPEER;
		else
			rc = parse_one(m, mlen, t);
		p = next;
	}
	if (rc != HS_OK)
		hs_azq_texts_release(t);
	return rc;
}

/* Keeps only [A-Za-z0-9] of s: error codes are identifiers. */
static void
set_code(char *dst, size_t cap, const char *s)
{
	size_t o = 0;

	for (; s && *s && o + 1 < cap; s++)
		if (isalnum((unsigned char)*s))
			dst[o++] = *s;
	dst[o] = '\0';
}

/* First line of the service's <Message>, without "RequestId:..". */
static void
set_reason(struct hs_azq_result *res, const char *body, size_t n)
{
	char *r = res->reason, *cut;
	size_t i;

	hs_azq_xml_text(body, n, "Message", r, sizeof(res->reason));
	if ((cut = strstr(r, "RequestId:")) != NULL)
		*cut = '\0';
	r[strcspn(r, "\r\n")] = '\0';
	for (i = 0; r[i]; i++)
		if (iscntrl((unsigned char)r[i]))
			r[i] = ' ';
	while (i > 0 && isspace((unsigned char)r[i - 1]))
		r[--i] = '\0';
	if (*r == '\0' && (res->status < 200 || res->status > 299))
		snprintf(r, sizeof(res->reason), "http status %d%s%s",
		         res->status, *res->code ? " " : "", res->code);
}

static enum hs_azq_outcome
outcome_of(int status, const char *code)
{
	if (status >= 200 && status <= 299)
		return HS_AZQ_DONE;
	if (status == 401 || status == 403)
		return HS_AZQ_AUTH;
	if (status == 404 && strcmp(code, "QueueNotFound") == 0)
		return HS_AZQ_NO_QUEUE;
	if (status == 409 && strcmp(code, "QueueBeingDeleted") == 0)
		return HS_AZQ_RETRY;
	if (status == 408 || status == 429)
		return HS_AZQ_RETRY;
	if (status >= 400 && status <= 499)
		return HS_AZQ_PERMANENT;
	return HS_AZQ_RETRY;	/* 5xx, and 1xx/3xx nobody should send */
}

void
hs_azq_classify(const struct hs_azq_resp *r, int64_t now_ms,
                struct hs_azq_result *res)
{
	char code[HS_AZQ_CODE_LEN];

	memset(res, 0, sizeof(*res));
	res->status = r->status;
	if (r->error_code && *r->error_code)
		set_code(res->code, sizeof(res->code), r->error_code);
	else if (r->body && hs_azq_xml_text(r->body, r->body_len, "Code", code,
	                                    sizeof(code)))
		set_code(res->code, sizeof(res->code), code);
	res->outcome = outcome_of(r->status, res->code);
	res->retry_after_ms = hs_retry_after_ms(r->retry_after, now_ms);
	set_reason(res, r->body ? r->body : "", r->body ? r->body_len : 0);
	if (res->outcome == HS_AZQ_DONE && r->body)
		hs_azq_xml_text(r->body, r->body_len, "MessageId",
		                res->message_id, sizeof(res->message_id));
}
