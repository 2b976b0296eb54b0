#!/usr/bin/env bash
# ManyChat's "Full Contact Data" object (protocols.md 3.2), with manychat_id
# added and keys the handler has never heard of, is accepted and stored as
# sent: unknown keys are ignored, not refused, and non-ASCII survives.
. "$(dirname "$0")/lib.sh"
hs_use_server

id=$(hs_unique fcd)
body=$(jq -c --arg id "$id" '. + {manychat_id: $id,
    datetime_actual: "2026-05-04T10:54:33-06:00",
    tt_new_key: {"nested": [1, 2, 3]}, whatsapp_bsuid: "x1"}' <<'JSON'
{"id":"1515862162","key":"user:1515862162","page_id":"210878508779055","status":"active",
 "first_name":"Ana","last_name":"Pérez","name":"Ana Pérez","gender":null,"profile_pic":null,
 "locale":null,"language":null,"timezone":"UTC±00","live_chat_url":"https://app.manychat.com/fb210878508779055/chat/1515862162",
 "last_input_text":"Hola","optin_phone":false,"phone":null,"optin_email":false,"email":null,
 "subscribed":"2026-05-04T10:54:33-06:00","last_interaction":null,"ig_last_interaction":null,
 "last_seen":null,"is_followup_enabled":true,"ig_username":null,"ig_id":null,
 "whatsapp_phone":"+50688217229","optin_whatsapp":true,"phone_country_code":null,
 "last_growth_tool":null,"custom_fields":{"Respuesta Chatbot":null}}
JSON
)
key="manychat:contact:$id:2026-05-04T10:54:33-06:00"

hs_post_contact "$body"
hs_is "$HS_STATUS" 202 "full contact data: status 202"
hs_is "$(hs_json .manychat_id)" "$id" "full contact data: manychat_id echoed"
hs_is "$(hs_json .idempotency_key)" "$key" "full contact data: key uses datetime_actual with its offset"
hs_is "$(hs_rows_key "$key")" 1 "full contact data: one row"
hs_is "$(hs_sql "SELECT hex(body) FROM events WHERE idem_key = $(hs_q "$key");")" \
    "$(hs_hex "$body")" "full contact data: stored byte for byte (UTF-8 intact)"

# custom_fields as the public API's array form is accepted too.
id2=$(hs_unique fcd-array)
body=$(jq -nc --arg id "$id2" '{manychat_id: $id, first_name: "Ana",
    custom_fields: [{id: 1, name: "Respuesta Chatbot", type: "text",
    description: "", value: null}]}')
hs_post_contact "$body"
hs_is "$HS_STATUS" 202 "custom_fields as an array: status 202"
hs_is "$(hs_rows_with "$id2")" 1 "custom_fields as an array: one row"

hs_done
