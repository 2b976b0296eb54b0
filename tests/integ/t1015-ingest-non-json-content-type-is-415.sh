#!/usr/bin/env bash
# Only application/json (parameters allowed, case-insensitive) is accepted;
# anything else is 415 and not stored.
. "$(dirname "$0")/lib.sh"
hs_use_server

for ct in text/plain application/x-www-form-urlencoded application/jsonx \
    text/json ""; do
	m=$(hs_unique ct)
	HS_CT=$ct hs_post_contact "$(hs_contact_body "$m")"
	hs_expect_error 415 "contact as '${ct:-no Content-Type}'"
	hs_is "$(hs_rows_with "$m")" 0 "contact as '${ct:-no Content-Type}': not stored"
done

m=$(hs_unique ct-signed)
body=$(hs_signed_body user_info "$m")
HS_CT=text/plain hs_post_signed "$body"
hs_expect_error 415 "signed as text/plain"

for ct in "application/json; charset=utf-8" "application/json;charset=UTF-8" \
    "Application/JSON"; do
	m=$(hs_unique ct-ok)
	HS_CT=$ct hs_post_contact "$(hs_contact_body "$m")"
	hs_is "$HS_STATUS" 202 "contact as '$ct': 202"
	hs_is "$(hs_rows_with "$m")" 1 "contact as '$ct': stored"
done

hs_done
