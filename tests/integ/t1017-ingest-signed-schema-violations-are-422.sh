#!/usr/bin/env bash
# Correctly signed bodies that break the signed schema get 422 naming each
# bad field (nested ones by a path that contains the field's name), and are
# not stored.
. "$(dirname "$0")/lib.sh"
hs_use_server

m=$(hs_unique sschema)
# check NAME BODY FIELD-REGEX...
check()
{
	local name=$1 body=$2 f
	shift 2
	hs_post_signed "$body"
	hs_expect_error 422 "$name"
	for f in "$@"; do
		hs_is "$(hs_json "[.fields[]? | .field | test(\"$f\")] | any")" \
		    true "$name: fields names /$f/"
	done
}

check "no type" "{\"content\": \"$m\", \"user_id\": \"u\"}" '^type$'
check "unknown type" "{\"type\": \"order\", \"content\": \"$m\"}" '^type$'
check "no content" "{\"type\": \"user_info\", \"user_id\": \"$m\"}" '^content$'
check "content not a string" "{\"type\": \"user_info\", \"user_id\": \"$m\", \"content\": 5}" '^content$'
check "user_info without user_id" "{\"type\": \"user_info\", \"content\": \"$m\"}" 'user_id'
check "reservation_update without metadata" \
    "{\"type\": \"reservation_update\", \"content\": \"$m\"}" 'reservation_id|metadata'
check "reservation_update without reservation_id and status" \
    "{\"type\": \"reservation_update\", \"content\": \"$m\", \"metadata\": {}}" \
    'reservation_id' 'status'
check "promo without promo_id, valid_until, discount" \
    "{\"type\": \"promo\", \"content\": \"$m\", \"metadata\": {}}" \
    'promo_id' 'valid_until' 'discount'
check "metadata not an object" \
    "{\"type\": \"user_info\", \"content\": \"$m\", \"user_id\": \"u\", \"metadata\": [1]}" 'metadata'
check "bad timestamp" \
    "{\"type\": \"user_info\", \"content\": \"$m\", \"user_id\": \"u\", \"timestamp\": \"tomorrow\"}" 'timestamp'

hs_is "$(hs_rows_with "$m")" 0 "nothing stored"

hs_done
