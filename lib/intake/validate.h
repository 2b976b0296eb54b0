/*
 * intake/validate.h - typed checks of JSON body fields, collecting every
 * problem.
 *
 * A 422 names each bad field, so checks record a problem and go on rather
 * than stop at the first. Each check returns 1 when the field is present
 * and valid, 0 when it is absent or null (and that is allowed), -1 when a
 * problem was recorded.
 */
#ifndef HS_VALIDATE_H
#define HS_VALIDATE_H

#include <stddef.h>

#include "core/caps.h"

struct json_object;

struct hs_field_problem {
	char field[64];
	const char *problem;	/* static text */
};

struct hs_fields {
	size_t n;		/* recorded (at most HS_MAX_FIELD_ERRORS) */
	size_t total;		/* found */
	struct hs_field_problem p[HS_MAX_FIELD_ERRORS];
};

void hs_fields_init(struct hs_fields *f);
void hs_fields_add(struct hs_fields *f, const char *field,
                   const char *problem);
/* Appends [{"field":..,"problem":..},..] to obj as "fields" (obj borrowed). */
void hs_fields_to_json(const struct hs_fields *f, struct json_object *obj);

/*
 * An identifier: a non-empty string (no control characters, at most 256
 * bytes) or an integer. Its text goes to out (truncated never: too long is
 * a problem). name is the field's path for messages ("metadata.status").
 */
int hs_v_id(struct json_object *obj, const char *key, const char *name,
            int required, char *out, size_t outlen, struct hs_fields *f);
/* A string (any content up to max bytes, no NUL) or null. *out borrowed. */
int hs_v_text(struct json_object *obj, const char *key, const char *name,
              int required, size_t max, const char **out,
              struct hs_fields *f);
/* A string, integer or null, kept as sent (phone numbers). */
int hs_v_scalar(struct json_object *obj, const char *key, const char *name,
                struct hs_fields *f);
/* An ISO-8601 date or date-time string (see hs_time_parse_iso). */
int hs_v_iso(struct json_object *obj, const char *key, const char *name,
             int required, const char **out, struct hs_fields *f);
/* A plausible e-mail address: local@domain.tld, no spaces. */
int hs_v_email(struct json_object *obj, const char *key, const char *name,
               struct hs_fields *f);
/* A number (integer or decimal) or a numeric string. */
int hs_v_number(struct json_object *obj, const char *key, const char *name,
                int required, struct hs_fields *f);
/* A JSON object. *out borrowed. */
int hs_v_object(struct json_object *obj, const char *key, const char *name,
                int required, struct json_object **out, struct hs_fields *f);

/* 1 if s looks like an e-mail address. */
int hs_email_plausible(const char *s);

#endif
