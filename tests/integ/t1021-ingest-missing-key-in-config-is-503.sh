#!/usr/bin/env bash
# A configuration without API_KEY makes the ManyChat endpoints answer 503
# "configuration incomplete" naming API_KEY, without storing anything, while
# the signed endpoint still works; likewise without WEBHOOK_SECRET.
. "$(dirname "$0")/lib.sh"

hs_own_server '!API_KEY'
m=$(hs_unique noapikey)
hs_post_contact "$(hs_contact_body "$m")"
hs_expect_error 503 "contact without API_KEY configured"
hs_is "$(hs_json .error)" "configuration incomplete" "contact: error is configuration incomplete"
hs_like "$(hs_json .detail)" 'API_KEY' "contact: detail names API_KEY"
hs_post_campaign "$(hs_campaign_body "$m" c1)"
hs_expect_error 503 "campaign without API_KEY configured"
HS_KEY= hs_post_contact "$(hs_contact_body "$m")"
hs_is "$HS_STATUS" 503 "contact without key and without API_KEY configured: 503, not 401"
hs_is "$(hs_rows_with "$m")" 0 "nothing stored"
hs_post_signed "$(hs_signed_body user_info "$m-s")"
hs_is "$HS_STATUS" 202 "signed endpoint unaffected: 202"
hs_req GET /health
hs_is "$HS_STATUS" 200 "health still answers 200"
hs_server_stop

hs_own_server '!WEBHOOK_SECRET'
m=$(hs_unique nosecret)
hs_post_signed "$(hs_signed_body user_info "$m")"
hs_expect_error 503 "signed without WEBHOOK_SECRET configured"
hs_is "$(hs_json .error)" "configuration incomplete" "signed: error is configuration incomplete"
hs_like "$(hs_json .detail)" 'WEBHOOK_SECRET' "signed: detail names WEBHOOK_SECRET"
hs_is "$(hs_rows_with "$m")" 0 "nothing stored"
hs_post_contact "$(hs_contact_body "$m-c")"
hs_is "$HS_STATUS" 202 "ManyChat endpoint unaffected: 202"

hs_done
