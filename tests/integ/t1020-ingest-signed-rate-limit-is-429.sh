#!/usr/bin/env bash
# With RATE_LIMIT_REQUESTS=5 per 60 s, the sixth signed webhook from one
# address within the window gets 429 with Retry-After and is not stored; the
# ManyChat endpoints are not limited.
. "$(dirname "$0")/lib.sh"
hs_own_server RATE_LIMIT_REQUESTS=5 RATE_LIMIT_WINDOW_SECONDS=60

m=$(hs_unique rate)
for i in 1 2 3 4 5; do
	hs_post_signed "$(hs_signed_body user_info "$m-$i")"
	hs_is "$HS_STATUS" 202 "signed request $i of 5: 202"
done
hs_post_signed "$(hs_signed_body user_info "$m-6")"
hs_expect_error 429 "signed request 6"
hs_like "$(hs_header Retry-After)" '^[0-9]+$' "429: Retry-After in seconds"
ra=$(hs_header Retry-After)
hs_cmp "${ra:-0}" -ge 1 "429: Retry-After at least 1 s"
hs_cmp "${ra:-999}" -le 60 "429: Retry-After within the window"
hs_is "$(hs_rows_with "$m-6")" 0 "429: not stored"
hs_is "$(hs_rows_with "$m-")" 5 "five signed events stored"

for i in 1 2 3 4 5 6 7; do
	hs_post_contact "$(hs_contact_body "$m-c$i")"
	[ "$HS_STATUS" = 202 ] || break
done
hs_is "$HS_STATUS" 202 "seven contacts in a row: all 202"

hs_done
