#!/usr/bin/env bash
# A ManyChat campaign assignment is answered 202 with the seed's Spanish
# message, both ids and its key, and stored once as manychat/campaign.
. "$(dirname "$0")/lib.sh"
hs_use_server

id=$(hs_unique campaign)
cid=camp-$RANDOM
dt=2025-06-05T12:41:36Z
body=$(hs_campaign_body "$id" "$cid" "$dt")
key="manychat:campaign:$id:$cid:$dt"

hs_post_campaign "$body"
hs_is "$HS_STATUS" 202 "campaign: status 202"
hs_is_json "campaign: answer is JSON"
hs_is "$(hs_json .status)" accepted "campaign: status field"
hs_is "$(hs_json .message)" "Evento de campaña encolado exitosamente" "campaign: seed message"
hs_is "$(hs_json .manychat_id)" "$id" "campaign: manychat_id echoed"
hs_is "$(hs_json .campaign_id)" "$cid" "campaign: campaign_id echoed"
hs_is "$(hs_json .queue)" manychat-campaign-queue "campaign: queue name"
hs_is "$(hs_json .idempotency_key)" "$key" \
    "campaign: key is manychat:campaign:{id}:{campaign_id}:{datetime_actual}"

hs_is "$(hs_rows_key "$key")" 1 "campaign: one row under the key"
hs_is "$(hs_sql "SELECT source || '|' || kind || '|' || response_status FROM events WHERE idem_key = $(hs_q "$key");")" \
    "manychat|campaign|202" "campaign: source, kind, status"
hs_is "$(hs_sql "SELECT hex(body) FROM events WHERE idem_key = $(hs_q "$key");")" \
    "$(hs_hex "$body")" "campaign: body stored byte for byte"

# Only manychat_id and campaign_id are required.
body=$(jq -nc --arg id "$id-min" '{manychat_id: $id, campaign_id: 7}')
hs_post_campaign "$body"
hs_is "$HS_STATUS" 202 "campaign with required fields only: status 202"
hs_is "$(hs_rows_key "$(hs_json .idempotency_key)")" 1 "campaign with required fields only: one row"

hs_done
