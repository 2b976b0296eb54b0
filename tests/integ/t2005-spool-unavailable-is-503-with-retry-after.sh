#!/usr/bin/env bash
# A spool that cannot be opened (its directory does not exist) makes every
# ingest endpoint answer 503 with Retry-After, and /health report it as
# unreachable with a non-2xx status, so senders retry and monitors notice.
. "$(dirname "$0")/lib.sh"
hs_own_server "SPOOL_PATH=/nonexistent/hookspool-$$/spool.db"

m=$(hs_unique nospool)
hs_post_contact "$(hs_contact_body "$m")"
hs_expect_error 503 "contact, spool unavailable"
hs_like "$(hs_header Retry-After)" '^[0-9]+$' "contact: Retry-After in seconds"
hs_post_campaign "$(hs_campaign_body "$m" c1)"
hs_expect_error 503 "campaign, spool unavailable"
hs_post_signed "$(hs_signed_body user_info "$m")"
hs_expect_error 503 "signed, spool unavailable"
hs_like "$(hs_header Retry-After)" '^[0-9]+$' "signed: Retry-After in seconds"

hs_req GET /health
hs_is "$HS_STATUS" 503 "health, spool unavailable: 503"
hs_is_json "health, spool unavailable: JSON"
hs_is "$(hs_json .spool)" unreachable "health: spool unreachable"
hs_like "$(hs_json .status)" '^.+$' "health: a status"
if [ "$(hs_json .status)" = ok ]; then
	hs_not_ok "health: status is not ok"
else
	hs_ok "health: status is not ok"
fi

hs_done
