/*
 * core/json_get.h - reading members of parsed JSON (json-c) without
 * checking the type of every level by hand: a peer's answer or a stored
 * body may have any shape, and a missing or mistyped member is NULL.
 */
#ifndef HS_JSON_GET_H
#define HS_JSON_GET_H

struct json_object;

/* o's member key, or NULL (o is not an object, or has no such member). */
struct json_object *hs_json_member(struct json_object *o, const char *key);

/* o's member key when it is a string, else NULL. Borrowed from o. */
const char *hs_json_str(struct json_object *o, const char *key);

#endif
