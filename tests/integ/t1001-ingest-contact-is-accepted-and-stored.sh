#!/usr/bin/env bash
# A seed-shaped ManyChat contact is answered 202 with the seed's body plus its
# idempotency key, and stored once: right source, kind and key, exact bytes,
# the answer it got, and no deliveries yet.
. "$(dirname "$0")/lib.sh"
hs_use_server

id=$(hs_unique contact)
dt=2025-06-05T12:41:36Z
body=$(hs_contact_body "$id" "$dt")
key="manychat:contact:$id:$dt"

hs_post_contact "$body"
hs_is "$HS_STATUS" 202 "contact: status 202"
hs_is_json "contact: answer is JSON"
hs_is "$(hs_json .status)" accepted "contact: status field"
hs_is "$(hs_json .message)" "Webhook received and event queued" "contact: seed message"
hs_is "$(hs_json .manychat_id)" "$id" "contact: manychat_id echoed"
hs_is "$(hs_json .queue)" manychat-contact-queue "contact: queue name"
hs_is "$(hs_json .idempotency_key)" "$key" "contact: key is manychat:contact:{id}:{datetime_actual}"
hs_is "$(hs_json '.duplicate // false')" false "contact: first delivery is not a duplicate"
hs_is "$(hs_header Idempotent-Replayed)" "" "contact: no Idempotent-Replayed on first delivery"
answer=$HS_BODY

hs_is "$(hs_rows_key "$key")" 1 "contact: one row under the key"
row=$(hs_sql "SELECT source, kind, response_status, remote_addr FROM events WHERE idem_key = $(hs_q "$key");")
hs_is "$row" "manychat|contact|202|127.0.0.1" "contact: source, kind, status, remote address"
hs_is "$(hs_sql "SELECT hex(body) FROM events WHERE idem_key = $(hs_q "$key");")" \
    "$(hs_hex "$body")" "contact: body stored byte for byte"
stored=$(hs_sql "SELECT response_body FROM events WHERE idem_key = $(hs_q "$key");")
hs_is "$(jq -S . <<<"$stored" 2>&1)" "$(jq -S . <<<"$answer")" "contact: stored answer is the answer sent"
hs_like "$(hs_sql "SELECT content_type FROM events WHERE idem_key = $(hs_q "$key");")" \
    '^application/json' "contact: content type stored"
hs_like "$(hs_sql "SELECT received_at FROM events WHERE idem_key = $(hs_q "$key");")" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$' \
    "contact: received_at is ISO-8601 UTC"
hs_is "$(hs_sql "SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.idem_key = $(hs_q "$key");")" \
    0 "contact: no deliveries yet"

# manychat_id may be an integer; optional fields may be null; a date alone
# is a valid datetime_actual.
num=$(( $(date +%s%N) % 1000000000000 ))
body=$(jq -nc --argjson n "$num" '{manychat_id: $n, nombre_lead: null,
    phone: null, first_name: null, datetime_actual: "2025-06-05"}')
hs_post_contact "$body"
hs_is "$HS_STATUS" 202 "integer manychat_id, nulls, date only: status 202"
hs_is "$(hs_json '.manychat_id | tostring')" "$num" "integer manychat_id echoed"
hs_is "$(hs_rows_key "manychat:contact:$num:2025-06-05")" 1 "integer manychat_id: one row"

hs_done
