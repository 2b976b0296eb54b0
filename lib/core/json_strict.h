/*
 * core/json_strict.h - RFC 8259 syntax check with a precise error position.
 *
 * json-c builds the tree, but even with JSON_TOKENER_STRICT it accepts
 * single-quoted strings and NaN (checked against Debian's json-c 0.16), and
 * its error offset is not a line and column a sender can act on. This
 * check runs first: it accepts exactly RFC 8259 text, bounds the nesting
 * depth, and says where the first problem is.
 */
#ifndef HS_JSON_STRICT_H
#define HS_JSON_STRICT_H

#include <stddef.h>

struct hs_json_error {
	size_t offset;		/* byte offset of the problem */
	size_t line, column;	/* 1-based */
	const char *reason;	/* static text: "expected ',' or '}'" */
};

/* 0 if text[0..n) is valid JSON no deeper than max_depth; -1 and *err. */
int hs_json_check(const char *text, size_t n, int max_depth,
                  struct hs_json_error *err);

#endif
