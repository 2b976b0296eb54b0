#!/usr/bin/env bash
# Paths that are no endpoint get 404 with a JSON error, whatever the method.
# (/webhook itself is the whatsapp source's: GET verification, POST notifications.)
. "$(dirname "$0")/lib.sh"
hs_use_server

for path in /nope /api/v1/manychat/webhook/unknown /api/v2/manychat/webhook/contact \
    /api/v1/manychat/webhook /webhook/receive/extra /webhooks /webhook/extra /api/v1/health /; do
	hs_req GET "$path"
	hs_expect_error 404 "GET $path"
done
m=$(hs_unique nopath)
hs_post /api/v1/manychat/webhook/contacts "$(hs_contact_body "$m")" -H "X-API-KEY: $HS_API_KEY"
hs_expect_error 404 "POST to a misspelt contact path"
hs_is "$(hs_rows_with "$m")" 0 "nothing stored"

hs_done
