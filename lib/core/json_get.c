/*
 * core/json_get.c - members of parsed JSON, NULL when absent or mistyped.
 */
#include <stddef.h>

#include <json-c/json.h>

#include "core/json_get.h"
#include "core/banned.h"

struct json_object *
hs_json_member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *
hs_json_str(struct json_object *o, const char *key)
{
	struct json_object *v = hs_json_member(o, key);

	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}
