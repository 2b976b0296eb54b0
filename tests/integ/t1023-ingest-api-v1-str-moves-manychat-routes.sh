#!/usr/bin/env bash
# API_V1_STR moves the ManyChat endpoints (and only them).
. "$(dirname "$0")/lib.sh"
hs_own_server API_V1_STR=/v2

m=$(hs_unique apiv)
HS_API=/v2 hs_post_contact "$(hs_contact_body "$m")"
hs_is "$HS_STATUS" 202 "contact at /v2: 202"
HS_API=/v2 hs_post_campaign "$(hs_campaign_body "$m" c1)"
hs_is "$HS_STATUS" 202 "campaign at /v2: 202"
hs_post_contact "$(hs_contact_body "$m-old")"
hs_expect_error 404 "contact at the default /api/v1"
hs_post_signed "$(hs_signed_body user_info "$m")"
hs_is "$HS_STATUS" 202 "signed endpoint stays at /webhook/receive"
hs_is "$(hs_rows_with "$m")" 3 "three events stored"

hs_done
