/*
 * sinks/azure/sign.c - SharedKey string-to-sign, HMAC signature, base64, date.
 *
 * The string-to-sign mirrors the reference signer of protocols.md §1.7
 * line for line: twelve standard header slots, the x-ms-* headers
 * lowercased, trimmed and sorted, then "/" account + path + the sorted,
 * URL-decoded query parameters. Any difference from the service's own
 * computation is a 403, so the unit tests pin it to the published vectors.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "sinks/azure/sign.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/banned.h"

#define AZQ_SIGN_MAX_ITEMS 32	/* x-ms-* headers or query parameters */

/* A name and a value, both owned; for sorting headers and parameters. */
struct kv {
	char *k;
	char *v;
};

struct kv_list {
	struct kv item[AZQ_SIGN_MAX_ITEMS];
	size_t n;
};

static void
kv_release(struct kv_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->item[i].k);
		free(l->item[i].v);
	}
	l->n = 0;
}

static int
kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c ? c : strcmp(x->v, y->v);
}

/* Takes ownership of k and v (frees them on failure). */
static enum hs_err
kv_push(struct kv_list *l, char *k, char *v)
{
	if (!k || !v || l->n == AZQ_SIGN_MAX_ITEMS) {
		free(k);
		free(v);
		return (k && v) ? HS_ETOOBIG : HS_ENOMEM;
	}
	l->item[l->n].k = k;
	l->item[l->n].v = v;
	l->n++;
	return HS_OK;
}

static char *
lower_dup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++)
		p[i] = (char)tolower((unsigned char)s[i]);
	p[n] = '\0';
	return p;
}

/* Trims and collapses runs of whitespace to one space (§1.6). */
static char *
collapse_dup(const char *s)
{
	size_t n = strlen(s), o = 0, i;
	char *p = malloc(n + 1);
	int gap = 0;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i])) {
			gap = o > 0;
			continue;
		}
		if (gap)
			p[o++] = ' ';
		gap = 0;
		p[o++] = s[i];
	}
	p[o] = '\0';
	return p;
}

/*
 * URL-decodes s[0..n) into a new string ('+' is a space, as in the
 * reference signer), lowercased if lower. HS_EINVAL for a bad escape.
 */
static enum hs_err
url_decode_dup(const char *s, size_t n, int lower, char **out)
{
	char *p = malloc(n + 1);
	size_t i, o = 0;
	int hi, lo;

	if (!p)
		return HS_ENOMEM;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			hi = i + 2 < n ? hs_hex_digit(s[i + 1]) : -1;
			lo = i + 2 < n ? hs_hex_digit(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(p);
				return HS_EINVAL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		p[o++] = lower ? (char)tolower((unsigned char)c) : c;
	}
	p[o] = '\0';
	*out = p;
	return HS_OK;
}

/* Decodes one "name[=value]" of len bytes and appends it to l. */
static enum hs_err
push_param(struct kv_list *l, const char *p, size_t len)
{
	const char *eq = memchr(p, '=', len);
	size_t klen = eq ? (size_t)(eq - p) : len;
	char *k = NULL, *v = NULL;
	enum hs_err rc;

	rc = url_decode_dup(p, klen, 1, &k);
	if (rc == HS_OK && eq)
		rc = url_decode_dup(eq + 1, len - klen - 1, 0, &v);
	else if (rc == HS_OK && !(v = calloc(1, 1)))
		rc = HS_ENOMEM;
	if (rc == HS_OK)
		return kv_push(l, k, v);
	free(k);
	free(v);
	return rc;
}

/*
 * Splits query into decoded (lowercased name, value) pairs, sorted.
 * A parameter that does not decode is HS_EINVAL.
 */
static enum hs_err
parse_query(const char *query, struct kv_list *l)
{
	enum hs_err rc = HS_OK;
	const char *p = query ? query : "";

	while (rc == HS_OK && *p) {
		size_t len = strcspn(p, "&");

		if (len > 0)
			rc = push_param(l, p, len);
		p += len;
		if (*p == '&')
			p++;
	}
	if (rc == HS_OK)
		qsort(l->item, l->n, sizeof(l->item[0]), kv_cmp);
	return rc;
}

static enum hs_err
collect_xms(const struct hs_azq_hdr *h, size_t nh, struct kv_list *l)
{
	enum hs_err rc = HS_OK;
	size_t i;

	for (i = 0; rc == HS_OK && i < nh; i++) {
		if (strncasecmp(h[i].name, "x-ms-", 5) != 0)
			continue;
		rc = kv_push(l, lower_dup(h[i].name, strlen(h[i].name)),
		             collapse_dup(h[i].value));
	}
	if (rc == HS_OK)
		qsort(l->item, l->n, sizeof(l->item[0]), kv_cmp);
	return rc;
}

/* Value of the first header named name (any case), or "". Borrowed. */
static const char *
hdr_get(const struct hs_azq_hdr *h, size_t nh, const char *name)
{
	size_t i;

	for (i = 0; i < nh; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return "";
}

static enum hs_err
add_xms(struct hs_buf *b, const struct kv_list *x)
{
	enum hs_err rc = HS_OK;
	size_t i;

	for (i = 0; rc == HS_OK && i < x->n; i++)
		rc = hs_buf_addf(b, "%s:%s\n", x->item[i].k, x->item[i].v);
	return rc;
}

/* "\nname:v1,v2" per distinct name; l is sorted by (name, value). */
static enum hs_err
add_params(struct hs_buf *b, const struct kv_list *q)
{
	enum hs_err rc = HS_OK;
	size_t i;

	for (i = 0; rc == HS_OK && i < q->n; i++) {
		if (i > 0 && strcmp(q->item[i].k, q->item[i - 1].k) == 0)
			rc = hs_buf_addf(b, ",%s", q->item[i].v);
		else
			rc = hs_buf_addf(b, "\n%s:%s", q->item[i].k,
			                 q->item[i].v);
	}
	return rc;
}

static const char *const std_slots[] = {
	"content-encoding", "content-language", "content-length",
	"content-md5", "content-type", "date", "if-modified-since",
	"if-match", "if-none-match", "if-unmodified-since", "range",
};

static enum hs_err
add_std_slots(struct hs_buf *b, const struct hs_azq_hdr *h, size_t nh)
{
	enum hs_err rc = HS_OK;
	size_t i;

	for (i = 0; rc == HS_OK && i < sizeof(std_slots) /
	     sizeof(std_slots[0]); i++) {
		const char *v = hdr_get(h, nh, std_slots[i]);

		if (strcmp(std_slots[i], "content-length") == 0 &&
		    strcmp(v, "0") == 0)
			v = "";
		rc = hs_buf_addf(b, "%s\n", v);
	}
	return rc;
}

enum hs_err
hs_azq_sts_sharedkey(const char *account, const char *verb, const char *path,
                     const char *query, const struct hs_azq_hdr *h,
                     size_t nh, char **out)
{
	enum hs_err rc;
	struct hs_buf b;
	struct kv_list x = { .n = 0 }, q = { .n = 0 };

	hs_buf_init(&b, HS_AZQ_STS_MAX);
	rc = collect_xms(h, nh, &x);
	if (rc == HS_OK)
		rc = parse_query(query, &q);
	if (rc == HS_OK)
		rc = hs_buf_addf(&b, "%s\n", verb);
	if (rc == HS_OK)
		rc = add_std_slots(&b, h, nh);
	if (rc == HS_OK)
		rc = add_xms(&b, &x);
	if (rc == HS_OK)
		rc = hs_buf_addf(&b, "/%s%s", account, path);
	if (rc == HS_OK)
		rc = add_params(&b, &q);
	if (rc == HS_OK)
		*out = hs_buf_take(&b);
	if (rc == HS_OK && !*out)
		rc = HS_ENOMEM;
	hs_buf_release(&b);
	kv_release(&x);
	kv_release(&q);
	return rc;
}

enum hs_err
hs_azq_sts_lite(const char *account, const char *verb, const char *path,
                const char *query, const struct hs_azq_hdr *h, size_t nh,
                char **out)
{
	enum hs_err rc;
	struct hs_buf b;
	struct kv_list x = { .n = 0 }, q = { .n = 0 };
	size_t i;

	hs_buf_init(&b, HS_AZQ_STS_MAX);
	rc = collect_xms(h, nh, &x);
	if (rc == HS_OK)
		rc = parse_query(query, &q);
	if (rc == HS_OK)
		rc = hs_buf_addf(&b, "%s\n%s\n%s\n%s\n", verb,
		                 hdr_get(h, nh, "content-md5"),
		                 hdr_get(h, nh, "content-type"),
		                 hdr_get(h, nh, "date"));
	if (rc == HS_OK)
		rc = add_xms(&b, &x);
	if (rc == HS_OK)
		rc = hs_buf_addf(&b, "/%s%s", account, path);
	for (i = 0; rc == HS_OK && i < q.n; i++)
		if (strcmp(q.item[i].k, "comp") == 0)
			rc = hs_buf_addf(&b, "?comp=%s", q.item[i].v);
	if (rc == HS_OK)
		*out = hs_buf_take(&b);
	if (rc == HS_OK && !*out)
		rc = HS_ENOMEM;
	hs_buf_release(&b);
	kv_release(&x);
	kv_release(&q);
	return rc;
}

enum hs_err
hs_azq_sign(const unsigned char *key, size_t keylen, const char *sts,
            char sig[HS_AZQ_SIG_LEN])
{
	unsigned char mac[HS_SHA256_LEN];
	enum hs_err rc;

	rc = hs_hmac_sha256(key, keylen, sts, strlen(sts), mac);
	if (rc == HS_OK)
		rc = hs_azq_b64_encode(mac, sizeof(mac), sig);
	return rc;
}

enum hs_err
hs_azq_date(int64_t now_ms, char out[HS_AZQ_DATE_LEN])
{
	static const char *const wday[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char *const mon[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	time_t t = (time_t)(now_ms / 1000 - (now_ms % 1000 < 0));
	struct tm tm;
	int n;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0)
		return HS_EINVAL;
	n = snprintf(out, HS_AZQ_DATE_LEN,
	             "%s, %02d %s %04d %02d:%02d:%02d GMT", wday[tm.tm_wday],
	             tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	             tm.tm_min, tm.tm_sec);
	return (n > 0 && n < HS_AZQ_DATE_LEN) ? HS_OK : HS_EINVAL;
}

size_t
hs_azq_b64_len(size_t n)
{
	return 4 * ((n + 2) / 3);
}

enum hs_err
hs_azq_b64_encode(const void *in, size_t n, char *out)
{
	if (n > (size_t)INT_MAX / 4 * 3 - 3)
		return HS_ETOOBIG;
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return HS_OK;
}

static int
b64_char(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '/';
}

/* Strict shape check: EVP_DecodeBlock skips whitespace and pads. */
static int
b64_valid(const char *s, size_t n, size_t *pad)
{
	size_t i;

	*pad = 0;
	if (n % 4 != 0)
		return 0;
	if (n >= 1 && s[n - 1] == '=')
		*pad = (n >= 2 && s[n - 2] == '=') ? 2 : 1;
	for (i = 0; i < n - *pad; i++)
		if (!b64_char((unsigned char)s[i]))
			return 0;
	return 1;
}

enum hs_err
hs_azq_b64_decode(const char *s, size_t n, unsigned char **out,
                  size_t *outlen)
{
	enum hs_err rc = HS_OK;
	unsigned char *p = NULL;
	size_t pad;
	int got;

	if (!b64_valid(s, n, &pad))
		rc = HS_EINVAL;
	else if (n > (size_t)INT_MAX)
		rc = HS_ETOOBIG;
	if (rc == HS_OK && !(p = malloc(n / 4 * 3 + 1)))
		rc = HS_ENOMEM;
	if (rc == HS_OK) {
		got = n ? EVP_DecodeBlock(p, (const unsigned char *)s, (int)n)
		        : 0;
		if (got < 0 || (size_t)got < pad)
			rc = HS_EINVAL;
		else {
			*outlen = (size_t)got - pad;
			p[*outlen] = '\0';
			*out = p;
			p = NULL;
		}
	}
	free(p);
	return rc;
}
