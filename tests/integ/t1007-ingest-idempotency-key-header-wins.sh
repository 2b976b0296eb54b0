#!/usr/bin/env bash
# An Idempotency-Key header replaces the derived key: a second, different
# body under the same header value is a duplicate of the first and is not
# stored.
. "$(dirname "$0")/lib.sh"
hs_use_server

hk=$(hs_unique idem-header)
id1=$(hs_unique first)
id2=$(hs_unique second)

hs_post_contact "$(hs_contact_body "$id1")" -H "Idempotency-Key: $hk"
hs_is "$HS_STATUS" 202 "contact with Idempotency-Key: 202"
hs_is "$(hs_json .idempotency_key)" "$hk" "contact: the header is the key"
first=$HS_BODY

hs_post_contact "$(hs_contact_body "$id2")" -H "Idempotency-Key: $hk"
hs_is "$HS_STATUS" 202 "other body, same Idempotency-Key: 202"
hs_is "$(hs_json .duplicate)" true "other body, same Idempotency-Key: duplicate"
hs_is "$(hs_header Idempotent-Replayed)" true "other body, same Idempotency-Key: Idempotent-Replayed"
hs_is "$(hs_json .manychat_id)" "$id1" "other body, same Idempotency-Key: the first answer is replayed"
hs_is "$(hs_rows_key "$hk")" 1 "one row under the header key"
hs_is "$(hs_rows_with "$id2")" 0 "the second body is not stored"

# Same for the signed endpoint.
hk=$(hs_unique idem-signed)
body=$(hs_signed_body user_info "$(hs_unique s1)")
hs_post_signed "$body" -H "Idempotency-Key: $hk"
hs_is "$HS_STATUS" 202 "signed with Idempotency-Key: 202"
hs_is "$(hs_json .data.idempotency_key)" "$hk" "signed: the header is the key"
other=$(hs_signed_body user_info "$(hs_unique s2)")
hs_post_signed "$other" -H "Idempotency-Key: $hk"
hs_is "$HS_STATUS" 202 "signed, other body, same header: 202"
hs_is "$(hs_json .duplicate)" true "signed, other body, same header: duplicate"
hs_is "$(hs_rows_key "$hk")" 1 "signed: one row under the header key"

hs_done
