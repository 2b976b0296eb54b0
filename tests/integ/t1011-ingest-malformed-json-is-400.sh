#!/usr/bin/env bash
# Bodies that are not JSON - the seed's samples with // comments included -
# get 400 with a detail that says where the parse stopped, and are not stored.
. "$(dirname "$0")/lib.sh"
hs_use_server

m=$(hs_unique badjson)
# check NAME BODY
check()
{
	hs_post_contact "$2"
	hs_expect_error 400 "$1"
	hs_like "$(hs_json .detail)" 'byte|line|column|offset' "$1: detail says where"
}

check "seed sample with // comments" "{
    \"manychat_id\": \"$m\", // Required: contact id
    \"nombre_lead\": \"Test Contact Data\", // Optional
    \"datetime_actual\": \"2025-06-05T12:41:36Z\"
}"
hs_like "$(hs_json .detail)" 'line 2' "comment: detail names line 2"
check "/* block comment */" "{\"manychat_id\": \"$m\" /* x */}"
check "truncated object" "{\"manychat_id\": \"$m\""
check "trailing comma" "{\"manychat_id\": \"$m\",}"
check "single quotes" "{'manychat_id': '$m'}"
check "garbage after the object" "{\"manychat_id\": \"$m\"} x"
check "bare words" "manychat_id=$m"
check "empty body" ""
check "invalid UTF-8" "$(printf '{"manychat_id": "%s\xff"}' "$m")"

# The signed endpoint parses after verifying: a signed non-JSON body is 400.
body="{\"type\": \"user_info\", \"content\": \"$m\", // no
}"
hs_post_signed "$body"
hs_expect_error 400 "signed body with a comment"

hs_is "$(hs_rows_with "$m")" 0 "nothing stored"

hs_done
