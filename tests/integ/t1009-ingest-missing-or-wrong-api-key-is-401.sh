#!/usr/bin/env bash
# The ManyChat endpoints refuse a request without the right X-API-KEY with
# 401 and a JSON error, and store nothing.
. "$(dirname "$0")/lib.sh"
hs_use_server

id=$(hs_unique badkey)
body=$(hs_contact_body "$id")

HS_KEY= hs_post_contact "$body"
hs_expect_error 401 "contact without X-API-KEY"
HS_KEY=wrong-key hs_post_contact "$body"
hs_expect_error 401 "contact with a wrong X-API-KEY"
HS_KEY="${HS_API_KEY}x" hs_post_contact "$body"
hs_expect_error 401 "contact with the key plus one character"
HS_KEY="${HS_API_KEY%?}" hs_post_contact "$body"
hs_expect_error 401 "contact with the key minus one character"
HS_KEY= hs_post_contact "$body" -H 'X-API-KEY;'
hs_expect_error 401 "contact with an empty X-API-KEY"
HS_KEY= hs_post_contact "$body" -H "Authorization: Bearer $HS_API_KEY"
hs_expect_error 401 "contact with the key as a bearer token instead"
HS_KEY= hs_post_campaign "$(hs_campaign_body "$id" c1)"
hs_expect_error 401 "campaign without X-API-KEY"
HS_KEY=wrong-key hs_post_campaign "$(hs_campaign_body "$id" c1)"
hs_expect_error 401 "campaign with a wrong X-API-KEY"
hs_is "$(hs_rows_with "$id")" 0 "nothing stored for refused requests"

# Header names are case-insensitive.
HS_KEY= hs_post_contact "$body" -H "x-api-key: $HS_API_KEY"
hs_is "$HS_STATUS" 202 "lowercase x-api-key header: 202"
hs_is "$(hs_rows_with "$id")" 1 "accepted request stored"

hs_done
