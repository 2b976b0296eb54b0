/*
 * intake/validate.c - field checks for webhook bodies.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/timefmt.h"
#include "intake/validate.h"
#include "core/banned.h"

#define ID_MAX 256

void
hs_fields_init(struct hs_fields *f)
{
	f->n = 0;
	f->total = 0;
}

void
hs_fields_add(struct hs_fields *f, const char *field, const char *problem)
{
	f->total++;
	if (f->n >= HS_MAX_FIELD_ERRORS)
		return;
	snprintf(f->p[f->n].field, sizeof(f->p[f->n].field), "%s", field);
	f->p[f->n].problem = problem;
	f->n++;
}

void
hs_fields_to_json(const struct hs_fields *f, struct json_object *obj)
{
	struct json_object *arr = json_object_new_array(), *e;
	size_t i;

	for (i = 0; i < f->n; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "field",
		    json_object_new_string(f->p[i].field));
		json_object_object_add(e, "problem",
		    json_object_new_string(f->p[i].problem));
		json_object_array_add(arr, e);
	}
	json_object_object_add(obj, "fields", arr);
}

/* Looks key up; returns 0 when absent or null (recording if required). */
static int
present(struct json_object *obj, const char *key, const char *name,
        int required, struct json_object **v, struct hs_fields *f)
{
	*v = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, v) || !*v) {
		if (required) {
			hs_fields_add(f, name, "is required");
			return -1;
		}
		return 0;
	}
	return 1;
}

static int
has_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * The text of an integer as sent. json-c keeps integers up to UINT64_MAX
 * exactly and clamps anything beyond to UINT64_MAX or INT64_MIN, so those
 * two values are refused: two clamped ids would collide.
 */
static int
int_text(struct json_object *v, const char *name, char *out, size_t outlen,
         struct hs_fields *f)
{
	const char *s = json_object_get_string(v);
	size_t n = strlen(s);

	if (json_object_get_uint64(v) == UINT64_MAX ||
	    json_object_get_int64(v) == INT64_MIN) {
		hs_fields_add(f, name, "is an integer beyond 64 bits; send it "
		    "as a string");
		return -1;
	}
	if (n >= outlen) {
		hs_fields_add(f, name, "is too long");
		return -1;
	}
	memcpy(out, s, n + 1);
	return 1;
}

int
hs_v_id(struct json_object *obj, const char *key, const char *name,
        int required, char *out, size_t outlen, struct hs_fields *f)
{
	struct json_object *v;
	const char *s;
	size_t n;
	int p = present(obj, key, name, required, &v, f);

	if (p <= 0)
		return p;
	if (json_object_is_type(v, json_type_int))
		return int_text(v, name, out, outlen, f);
	if (!json_object_is_type(v, json_type_string)) {
		hs_fields_add(f, name, "must be a string or an integer");
		return -1;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0) {
		hs_fields_add(f, name, "must not be empty");
		return -1;
	}
	if (n > ID_MAX || n >= outlen) {
		hs_fields_add(f, name, "is longer than 256 bytes");
		return -1;
	}
	if (strlen(s) != n || has_control(s, n)) {
		hs_fields_add(f, name, "must not contain control characters");
		return -1;
	}
	memcpy(out, s, n + 1);
	return 1;
}

int
hs_v_text(struct json_object *obj, const char *key, const char *name,
          int required, size_t max, const char **out, struct hs_fields *f)
{
	struct json_object *v;
	int p = present(obj, key, name, required, &v, f);

	if (out)
		*out = NULL;
	if (p <= 0)
		return p;
	if (!json_object_is_type(v, json_type_string)) {
		hs_fields_add(f, name, "must be a string");
		return -1;
	}
	if ((size_t)json_object_get_string_len(v) > max) {
		hs_fields_add(f, name, "is too long");
		return -1;
	}
	if (strlen(json_object_get_string(v)) !=
	    (size_t)json_object_get_string_len(v)) {
		hs_fields_add(f, name, "must not contain NUL characters");
		return -1;
	}
	if (out)
		*out = json_object_get_string(v);
	return 1;
}

int
hs_v_scalar(struct json_object *obj, const char *key, const char *name,
            struct hs_fields *f)
{
	struct json_object *v;
	int p = present(obj, key, name, 0, &v, f);

	if (p <= 0)
		return p;
	if (json_object_is_type(v, json_type_int))
		return 1;
	return hs_v_text(obj, key, name, 0, 1024, NULL, f) < 0 ? -1 : 1;
}

int
hs_v_iso(struct json_object *obj, const char *key, const char *name,
         int required, const char **out, struct hs_fields *f)
{
	const char *s = NULL;
	int p = hs_v_text(obj, key, name, required, 64, &s, f);

	if (out)
		*out = NULL;
	if (p <= 0)
		return p;
	if (hs_time_parse_iso(s, NULL) != 0) {
		hs_fields_add(f, name, "must be an ISO-8601 date or date-time");
		return -1;
	}
	if (out)
		*out = s;
	return 1;
}

int
hs_email_plausible(const char *s)
{
	const char *at = strchr(s, '@'), *dot, *p;
	size_t n = strlen(s);

	if (!at || at == s || strchr(at + 1, '@') || n > 254)
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == ',' ||
		    *p == '<' || *p == '>' || *p == '"')
			return 0;
	dot = strrchr(at + 1, '.');
	if (!dot || dot == at + 1 || dot[1] == '\0' || strstr(at, ".."))
		return 0;
	return at[1] != '.' && at[-1] != '.' && s[0] != '.';
}

int
hs_v_email(struct json_object *obj, const char *key, const char *name,
           struct hs_fields *f)
{
	const char *s = NULL;
	int p = hs_v_text(obj, key, name, 0, 254, &s, f);

	if (p <= 0)
		return p;
	if (!*s)
		return 0;	/* ManyChat sends "" for an unknown e-mail */
	if (!hs_email_plausible(s)) {
		hs_fields_add(f, name, "must be an e-mail address");
		return -1;
	}
	return 1;
}

int
hs_v_number(struct json_object *obj, const char *key, const char *name,
            int required, struct hs_fields *f)
{
	struct json_object *v;
	const char *s;
	char *end;
	int p = present(obj, key, name, required, &v, f);

	if (p <= 0)
		return p;
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double))
		return 1;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		errno = 0;
		/* Decimal notation only: strtod would take NaN, inf, hex. */
		if (*s && strspn(s, "+-0123456789.eE") == strlen(s) &&
		    (strtod(s, &end), !*end) && !errno)
			return 1;
	}
	hs_fields_add(f, name, "must be a number");
	return -1;
}

int
hs_v_object(struct json_object *obj, const char *key, const char *name,
            int required, struct json_object **out, struct hs_fields *f)
{
	struct json_object *v;
	int p = present(obj, key, name, required, &v, f);

	*out = NULL;
	if (p <= 0)
		return p;
	if (!json_object_is_type(v, json_type_object)) {
		hs_fields_add(f, name, "must be an object");
		return -1;
	}
	*out = v;
	return 1;
}
