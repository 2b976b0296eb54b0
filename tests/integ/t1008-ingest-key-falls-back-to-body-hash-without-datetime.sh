#!/usr/bin/env bash
# Without datetime_actual the ManyChat key is sha256:{hex of the raw body}:
# byte-identical repeats are duplicates, a re-serialised body is not.
. "$(dirname "$0")/lib.sh"
hs_use_server

id=$(hs_unique nodt)
body=$(jq -nc --arg id "$id" '{manychat_id: $id, nombre_lead: "Sin fecha"}')
hs_post_contact "$body"
hs_is "$HS_STATUS" 202 "contact without datetime_actual: 202"
hs_is "$(hs_json .idempotency_key)" "sha256:$(hs_sha256 "$body")" \
    "contact without datetime_actual: key is sha256 of the raw body"
hs_post_contact "$body"
hs_is "$(hs_json .duplicate)" true "the same bytes again: duplicate"

spaced=$(jq -n --arg id "$id" '{manychat_id: $id, nombre_lead: "Sin fecha"}')
hs_post_contact "$spaced"
hs_is "$HS_STATUS" 202 "same fields, other whitespace: 202"
hs_is "$(hs_json '.duplicate // false')" false "same fields, other whitespace: not a duplicate"
hs_is "$(hs_rows_with "$id")" 2 "two rows: one per distinct raw body"

body=$(jq -nc --arg id "$id" '{manychat_id: $id, campaign_id: "c-nodt"}')
hs_post_campaign "$body"
hs_is "$HS_STATUS" 202 "campaign without datetime_actual: 202"
hs_is "$(hs_json .idempotency_key)" "sha256:$(hs_sha256 "$body")" \
    "campaign without datetime_actual: key is sha256 of the raw body"

hs_done
