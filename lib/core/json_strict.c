/*
 * core/json_strict.c - a recursive-descent recogniser for RFC 8259 JSON.
 *
 * It builds nothing; json-c does that once the text is known to be valid.
 * Recursion is bounded by max_depth, so hostile nesting costs little.
 */
#include <string.h>

#include "core/json_strict.h"
#include "core/banned.h"

struct scan {
	const unsigned char *s;
	size_t n, i;
	int depth, max_depth;
	const char *reason;
};

static int value(struct scan *sc);
static int peek(const struct scan *sc);

static int
fail(struct scan *sc, const char *reason)
{
	if (!sc->reason)
		sc->reason = peek(sc) == '/' ? "comments are not JSON" : reason;
	return -1;
}

static void
ws(struct scan *sc)
{
	while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
	    sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
		sc->i++;
}

static int
peek(const struct scan *sc)
{
	return sc->i < sc->n ? sc->s[sc->i] : -1;
}

static int
literal(struct scan *sc, const char *word)
{
	size_t len = strlen(word);

	if (sc->n - sc->i < len || memcmp(sc->s + sc->i, word, len))
		return fail(sc, "invalid literal (expected true, false or null)");
	sc->i += len;
	return 0;
}

static int
digits(struct scan *sc)
{
	size_t start = sc->i;

	while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
		sc->i++;
	return sc->i > start ? 0 : fail(sc, "expected a digit");
}

static int
number(struct scan *sc)
{
	if (peek(sc) == '-')
		sc->i++;
	if (peek(sc) == '0')
		sc->i++;
	else if (digits(sc))
		return -1;
	if (peek(sc) == '.') {
		sc->i++;
		if (digits(sc))
			return -1;
	}
	if (peek(sc) == 'e' || peek(sc) == 'E') {
		sc->i++;
		if (peek(sc) == '+' || peek(sc) == '-')
			sc->i++;
		if (digits(sc))
			return -1;
	}
	return 0;
}

/* Length of a valid UTF-8 sequence at s[0..n), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, k;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static int
escape(struct scan *sc)
{
	int k, c = peek(sc);

	if (c <= 0 || !strchr("\"\\/bfnrtu", c))
		return fail(sc, "invalid escape in string");
	sc->i++;
	if (c != 'u')
		return 0;
	for (k = 0; k < 4; k++, sc->i++)
		if (sc->i >= sc->n || !strchr("0123456789abcdefABCDEF",
		    sc->s[sc->i]) || !sc->s[sc->i])
			return fail(sc, "invalid \\u escape in string");
	return 0;
}

static int
string(struct scan *sc)
{
	size_t len;
	int c;

	sc->i++;	/* opening quote */
	for (;;) {
		c = peek(sc);
		if (c < 0)
			return fail(sc, "unterminated string");
		if (c == '"') {
			sc->i++;
			return 0;
		}
		if (c < 0x20)
			return fail(sc, "control character in string");
		if (c == '\\') {
			sc->i++;
			if (escape(sc))
				return -1;
			continue;
		}
		len = utf8_len(sc->s + sc->i, sc->n - sc->i);
		if (!len)
			return fail(sc, "invalid UTF-8 in string");
		sc->i += len;
	}
}

static int
members(struct scan *sc, int close, int is_object)
{
	sc->i++;	/* '{' or '[' */
	if (++sc->depth > sc->max_depth)
		return fail(sc, "nested too deeply");
	ws(sc);
	if (peek(sc) == close) {
		sc->i++;
		sc->depth--;
		return 0;
	}
	for (;;) {
		if (is_object) {
			if (peek(sc) != '"')
				return fail(sc, "expected a string key");
			if (string(sc))
				return -1;
			ws(sc);
			if (peek(sc) != ':')
				return fail(sc, "expected ':' after key");
			sc->i++;
		}
		if (value(sc))
			return -1;
		ws(sc);
		if (peek(sc) == close) {
			sc->i++;
			sc->depth--;
			return 0;
		}
		if (peek(sc) != ',')
			return fail(sc, is_object ? "expected ',' or '}'" :
			    "expected ',' or ']'");
		sc->i++;
		ws(sc);
	}
}

static int
value(struct scan *sc)
{
	ws(sc);
	switch (peek(sc)) {
	case '{': return members(sc, '}', 1);
	case '[': return members(sc, ']', 0);
	case '"': return string(sc);
	case 't': return literal(sc, "true");
	case 'f': return literal(sc, "false");
	case 'n': return literal(sc, "null");
	case -1: return fail(sc, "unexpected end of input");
	default:
		if (peek(sc) == '-' || (peek(sc) >= '0' && peek(sc) <= '9'))
			return number(sc);
		if (peek(sc) == '/')
			return fail(sc, "comments are not JSON");
		if (peek(sc) == '\'')
			return fail(sc, "strings must use double quotes");
		return fail(sc, "unexpected character");
	}
}

int
hs_json_check(const char *text, size_t n, int max_depth,
              struct hs_json_error *err)
{
	struct scan sc = { (const unsigned char *)text, n, 0, 0, max_depth,
	    NULL };
	size_t k;
	int rc = value(&sc);

	if (rc == 0) {
		ws(&sc);
		if (sc.i < sc.n)
			rc = fail(&sc, peek(&sc) == '/' ?
			    "comments are not JSON" :
			    "unexpected data after the JSON value");
	}
	if (rc == 0)
		return 0;
	err->offset = sc.i;
	err->reason = sc.reason;
	err->line = 1;
	err->column = 1;
	for (k = 0; k < sc.i && k < n; k++) {
		if (text[k] == '\n') {
			err->line++;
			err->column = 1;
		} else {
			err->column++;
		}
	}
	return -1;
}
