#!/usr/bin/env bash
# With ROOT_PATH=/api/webhook every endpoint lives below the prefix, the
# unprefixed paths are 404, and the spool stays refused below the prefix.
. "$(dirname "$0")/lib.sh"
hs_own_server ROOT_PATH=/api/webhook
hs_is "$HS_PREFIX" /api/webhook "requests go below /api/webhook"

m=$(hs_unique root)
hs_post_contact "$(hs_contact_body "$m")"
hs_is "$HS_STATUS" 202 "prefixed contact: 202"
hs_post_campaign "$(hs_campaign_body "$m" c1)"
hs_is "$HS_STATUS" 202 "prefixed campaign: 202"
hs_post_signed "$(hs_signed_body promo "$m")"
hs_is "$HS_STATUS" 202 "prefixed signed: 202"
hs_req GET /health
hs_is "$HS_STATUS" 200 "prefixed /health: 200"
hs_req GET /webhook/health
hs_is "$HS_STATUS" 200 "prefixed /webhook/health: 200"
hs_is "$(hs_rows_with "$m")" 3 "three events stored"

HS_PREFIX=
hs_post_contact "$(hs_contact_body "$m-bare")"
hs_expect_error 404 "contact without the prefix"
hs_req GET /health
hs_expect_error 404 "/health without the prefix"
hs_req GET /api/webhook/spool/spool.db
hs_is "$HS_STATUS" 403 "spool below the prefix: 403"
hs_is "$(hs_rows_with "$m-bare")" 0 "unprefixed request not stored"

hs_done
